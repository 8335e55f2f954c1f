"""DESeq2's coefficient fit (``fitNbinomGLMs``) and the negative-binomial kernels it shares.

Everything runs over genes (rows) x samples (columns) at once, in blocks of genes
(:func:`gene_blocks`) fitted in threads (:func:`map_blocks`). :class:`ExactInference` hands
the fit to PyDESeq2 through its public :class:`~pydeseq2.inference.Inference` interface, so
PyDESeq2's own ``fit_LFC`` stores the results.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from pydeseq2.default_inference import DefaultInference
from scipy.special import gammaln

from degsea.de.exact.optim import r_optim_lbfgsb

log = logging.getLogger(__name__)

#: DESeq2's fitBeta settings (nbinomWaldTest defaults).
BETA_TOL = 1e-8
BETA_MAXIT = 100
BETA_LARGE = 30.0
#: Ridge penalty of the coefficient fit: DESeq2 sets 1e-6 on the log2 scale.
RIDGE_NAT = 1e-6 / np.log(2) ** 2
#: Largest genes x samples block fitted at once (dispersions, coefficients): bounds memory.
BLOCK_ELEMENTS = 1 << 18


def nb_logpmf(y: np.ndarray, mu: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """log NB(y; mean mu, dispersion alpha), elementwise, as R's dnbinom(mu=, log=TRUE)."""
    size = 1.0 / alpha
    return (
        gammaln(y + size)
        - gammaln(size)
        - gammaln(y + 1.0)
        - size * np.log1p(mu / size)
        + y * (np.log(mu) - np.log(size + mu))
    )


def _nb_logpmf_mu(y: np.ndarray, mu: np.ndarray, size: np.ndarray, constant: np.ndarray) -> np.ndarray:
    """:func:`nb_logpmf` with its mu-free part ``constant`` precomputed (same numbers, fewer gammaln)."""
    return constant - size * np.log1p(mu / size) + y * (np.log(mu) - np.log(size + mu))


def cr_matrix(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    """X' diag(w_g) X for every gene g: (G, p, p).

    One matrix product, ``w @ (x_ij x_ik)``: much faster than ``einsum`` (whose path search
    alone costs more than the product for a few genes).
    """
    n, p = x.shape
    outer = (x[:, :, None] * x[:, None, :]).reshape(n, p * p)
    return (w @ outer).reshape(*w.shape[:-1], p, p)


def gene_blocks(n_genes: int, n_samples: int, threads: int) -> list[slice]:
    """Consecutive gene blocks of at most :data:`BLOCK_ELEMENTS` values, at least one per thread."""
    n_blocks = max(threads, -(-n_genes * max(n_samples, 1) // BLOCK_ELEMENTS), 1)
    size = max(-(-n_genes // n_blocks), 1)
    return [slice(i, min(i + size, n_genes)) for i in range(0, n_genes, size)]


def map_blocks(func, n_genes: int, n_samples: int, threads: int) -> list:
    """``func(block)`` for every gene block of :func:`gene_blocks`, in ``threads`` threads.

    Genes are fitted independently, so the blocks give the same numbers as one call on all
    genes; they bound the memory of the temporaries and keep them in cache. numpy and
    scipy.special release the GIL in their loops, so threads run the blocks in parallel.
    """
    blocks = gene_blocks(n_genes, n_samples, threads)
    if threads <= 1 or len(blocks) == 1:
        return [func(block) for block in blocks]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(func, blocks))


def fit_beta(
    y: np.ndarray,
    size_factors: np.ndarray,
    x: np.ndarray,
    alpha: np.ndarray,
    *,
    min_mu: float = 0.5,
    tol: float = BETA_TOL,
    maxit: int = BETA_MAXIT,
    threads: int = 1,
) -> dict[str, np.ndarray]:
    """DESeq2's ``fitNbinomGLMs`` without a beta prior: IRLS for all genes at once.

    Rows that do not converge, leave the (-30, 30) range or get a non-positive variance
    are refitted with L-BFGS-B on the log2 scale, as DESeq2's ``fitNbinomGLMsOptim`` does.

    Returns
    -------
    dict
        ``beta`` (natural-log coefficients, genes x p), ``mu`` (unclipped fitted means),
        ``hat`` (hat-matrix diagonals), ``var`` (coefficient variances, natural log),
        ``converged``, ``optim`` (rows refitted by L-BFGS-B: DESeq2 computes their
        log-likelihood from means clipped at ``min_mu``).
    """
    size_factors = np.asarray(size_factors, dtype=float)
    alpha = np.asarray(alpha, dtype=float)

    def block(rows: slice) -> dict[str, np.ndarray]:
        return _fit_beta_block(y[rows], size_factors, x, alpha[rows], min_mu=min_mu, tol=tol, maxit=maxit)

    parts = map_blocks(block, y.shape[0], y.shape[1], threads)
    return {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}


def _fit_beta_block(y, size_factors, x, alpha, *, min_mu, tol, maxit):  # noqa: ANN001, ANN202
    """:func:`fit_beta` on one block of genes."""
    n, m = y.shape
    p = x.shape[1]
    ridge = np.eye(p) * RIDGE_NAT
    nf = np.broadcast_to(size_factors, (n, m))
    # the terms of the NB log-likelihood that do not depend on mu (the deviance's constant part)
    size = 1.0 / alpha[:, None]
    constant = gammaln(y + size) - gammaln(size) - gammaln(y + 1.0)
    # QR start on log(normalised counts + 0.1)
    q, r = np.linalg.qr(x)
    beta0 = np.linalg.solve(r, q.T @ np.log(y / nf + 0.1).T).T
    beta = beta0.copy()
    mu = np.maximum(nf * np.exp(beta @ x.T), min_mu)
    dev_old = np.zeros(n)
    iters = np.zeros(n, dtype=int)
    active = np.ones(n, dtype=bool)
    for t in range(maxit):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        iters[idx] += 1
        mui, yi, nfi = mu[idx], y[idx], nf[idx]
        w = mui / (1.0 + alpha[idx, None] * mui)
        z = np.log(mui / nfi) + (yi - mui) / mui
        lhs = cr_matrix(w, x) + ridge
        rhs = (w * z) @ x
        new = np.linalg.solve(lhs, rhs[..., None])[..., 0]
        big = (np.abs(new) > BETA_LARGE).any(axis=1)
        beta[idx[big]] = new[big]
        iters[idx[big]] = maxit
        active[idx[big]] = False
        keep = ~big
        idx, new = idx[keep], new[keep]
        beta[idx] = new
        mu[idx] = np.maximum(nf[idx] * np.exp(new @ x.T), min_mu)
        dev = -2.0 * _nb_logpmf_mu(y[idx], mu[idx], size[idx], constant[idx]).sum(axis=1)
        with np.errstate(invalid="ignore"):
            conv = np.abs(dev - dev_old[idx]) / (np.abs(dev) + 0.1)
        bad = np.isnan(conv)
        iters[idx[bad]] = maxit
        active[idx[bad]] = False
        if t > 0:
            active[idx[conv < tol]] = False
        dev_old[idx] = dev
    with np.errstate(over="ignore", invalid="ignore"):  # diverged rows are refitted below
        mu_clip = np.maximum(nf * np.exp(beta @ x.T), min_mu)
        w = mu_clip / (1.0 + alpha[:, None] * mu_clip)
        w = np.where(np.isfinite(w), w, 1.0 / alpha[:, None])
        xtwx = cr_matrix(w, x)
        inv = np.linalg.inv(xtwx + ridge)
        hat = w * np.einsum("ij,gjk,ik->gi", x, inv, x, optimize=True)
        var = np.einsum("gjk,gkl,glj->gj", inv, xtwx, inv, optimize=True)
    converged = iters < maxit
    stable = np.isfinite(beta).all(axis=1)
    var_pos = (var > 0).all(axis=1)
    redo = np.flatnonzero(~converged | ~stable | ~var_pos)
    optim = np.zeros(n, dtype=bool)
    optim[redo] = True
    if redo.size:
        log.debug("coefficient fit: %d genes refitted with L-BFGS-B", redo.size)
        for g in redo:
            start = beta[g] / np.log(2) if stable[g] and (np.abs(beta[g] / np.log(2)) < BETA_LARGE).all() else beta0[g]
            b, ok = _optim_beta(y[g], nf[g], x, alpha[g], start)
            converged[g] = converged[g] or ok
            beta[g] = b * np.log(2)
            mu_row = nf[g] * np.exp(x @ beta[g])
            mc = np.maximum(mu_row, min_mu)
            wr = mc / (1.0 + alpha[g] * mc)
            xw = (x.T * wr) @ x
            ir = np.linalg.inv(xw + ridge)
            var[g] = np.diag(ir @ xw @ ir)
    mu_out = nf * np.exp(beta @ x.T)
    return {"beta": beta, "mu": mu_out, "hat": hat, "var": np.maximum(var, 0.0), "converged": converged, "optim": optim}


def _optim_beta(
    y: np.ndarray, nf: np.ndarray, x: np.ndarray, alpha: float, start: np.ndarray
) -> tuple[np.ndarray, bool]:
    """One row of DESeq2's fitNbinomGLMsOptim: L-BFGS-B on the log2 scale, bounds +-30."""
    lam = 1e-6

    def objective(b: np.ndarray) -> float:
        mu = nf * 2.0 ** (x @ b)
        value = -(nb_logpmf(y, mu, np.full_like(mu, alpha)).sum() - 0.5 * lam * (b**2).sum())
        return float(value) if np.isfinite(value) else 1e300

    return r_optim_lbfgsb(objective, start, lower=-BETA_LARGE, upper=BETA_LARGE)


class ExactInference(DefaultInference):
    """PyDESeq2's default inference with DESeq2's coefficient fit (:func:`fit_beta`) as its ``irls``.

    Passed as ``inference=`` (:class:`~degsea.de.exact.dataset.DESeq2ExactDataSet` does it), it
    lets PyDESeq2's own ``fit_LFC`` run DESeq2's IRLS and store coefficients, fitted means, hat
    diagonals and convergence flags where PyDESeq2 keeps them. The gene blocks run in
    ``n_cpus`` threads. The other kernels are PyDESeq2's.
    """

    def irls(  # noqa: D102 - documented by pydeseq2.inference.Inference.irls
        self,
        counts: np.ndarray,
        size_factors: np.ndarray,
        design_matrix: np.ndarray,
        disp: np.ndarray,
        min_mu: float,
        beta_tol: float,
        min_beta: float = -BETA_LARGE,
        max_beta: float = BETA_LARGE,
        optimizer: str = "L-BFGS-B",
        maxiter: int = BETA_MAXIT,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        if (min_beta, max_beta, optimizer) != (-BETA_LARGE, BETA_LARGE, "L-BFGS-B"):
            raise NotImplementedError("deseq2_exact: the coefficient fit has DESeq2's bounds (+-30) and L-BFGS-B")
        fit = fit_beta(
            np.asarray(counts, dtype=float).T,
            np.asarray(size_factors, dtype=float),
            np.asarray(design_matrix, dtype=float),
            np.asarray(disp, dtype=float),
            min_mu=min_mu,
            tol=beta_tol,
            threads=max(int(self.n_cpus or 1), 1),
        )
        return fit["beta"], fit["mu"].T, fit["hat"].T, fit["converged"]
