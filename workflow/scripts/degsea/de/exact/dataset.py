"""DESeq2-exact differential expression: PyDESeq2's classes with DESeq2's numerical steps.

PyDESeq2 0.5.4 follows DESeq2's model but not every step of its algorithm, and the
differences move which genes are called. :class:`DESeq2ExactDataSet` and
:class:`DESeq2ExactStats` subclass PyDESeq2's :class:`~pydeseq2.dds.DeseqDataSet` and
:class:`~pydeseq2.ds.DeseqStats` and override only the steps that differ, keeping their
data layout (``var``/``layers``/``uns`` keys), so that the rest of PyDESeq2 (size
factors, Cook's distances and outlier flags, outlier replacement, VST) works unchanged.
The overridden steps follow DESeq2 1.38 (R/core.R and src/DESeq2.cpp) and apeglm 1.x:

* gene-wise and MAP dispersions: DESeq2's ``fitDisp`` (Armijo line search on the log
  posterior, tolerance 1e-6, at most 100 steps), its grid fallback (``fitDispGrid``) for
  estimates that did not converge, and its safeguards (the means used for the dispersion
  are clipped at ``min_mu``; a gene-wise fit that does not raise the likelihood keeps
  the moments estimate; the MAP search starts at the gene-wise estimate unless that is
  10 x below the trend);
* the parametric trend (``parametricDispersionFit``): fitted only on genes whose
  gene-wise dispersion is above ``100 * min_disp``, as a Gamma-family GLM with identity
  link started at (0.1, 1), re-selecting the genes with residual ratio in (1e-4, 15) at
  every iteration;
* the dispersion prior variance (``estimateDispersionsPriorVar``): with 3 or fewer
  residual degrees of freedom, estimated by matching simulated log-dispersion residuals,
  drawn from R's own random number streams after ``set.seed(2)``
  (:class:`~degsea.r_random.RStream`) and smoothed by R's interpolating loess, not the 0.25
  floor;
* coefficients (``fitBeta``): IRLS from the QR start with DESeq2's convergence rule, the
  ridge on the log2 scale, and L-BFGS-B for the rows that do not converge;
* Wald test: standard errors computed with means clipped at ``min_mu``, and genes whose
  compared groups are all zero reported as LFC 0, p = 1 (``cleanContrast``);
* independent filtering (``pvalueAdjustment``): the rejection curve is smoothed with R's
  ``lowess`` (:func:`r_lowess`), not PyDESeq2's variant;
* apeglm shrinkage (:meth:`DESeq2ExactStats.lfc_shrink`): apeglm's adaptive prior scale
  (``priorVar``) and the mode of apeglm's posterior (Cauchy prior on the coefficient,
  Normal(0, 15) on the others), found by Newton search; where the posterior has two modes,
  apeglm's own L-BFGS search is replayed to pick the mode apeglm reports (see
  :func:`apeglm_map`); the posterior SD from the Hessian at the mode.

All loops run over genes at once (numpy arrays), which also makes the fit several times
faster than PyDESeq2's per-gene optimisers; the dispersion and coefficient fits run over
blocks of genes (bounded memory), in the inference's ``n_cpus`` threads.
"""

from __future__ import annotations

import logging
import math
import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import Literal

import numpy as np
import pandas as pd
from pydeseq2.dds import DeseqDataSet
from pydeseq2.ds import DeseqStats
from pydeseq2.utils import mean_absolute_deviation
from scipy.optimize import minimize
from scipy.special import digamma, gammaln, polygamma
from scipy.stats import false_discovery_control, norm

from degsea.r_random import RStream

log = logging.getLogger(__name__)

#: DESeq2's fitDisp settings (estimateDispersionsGeneEst / estimateDispersionsMAP defaults).
DISP_TOL = 1e-6
DISP_MAXIT = 100
DISP_KAPPA0 = 1.0
DISP_ARMIJO_EPS = 1e-4
#: DESeq2's fitBeta settings (nbinomWaldTest defaults).
BETA_TOL = 1e-8
BETA_MAXIT = 100
BETA_LARGE = 30.0
#: Ridge penalty of the coefficient fit: DESeq2 sets 1e-6 on the log2 scale.
RIDGE_NAT = 1e-6 / np.log(2) ** 2
#: Seed of the prior-variance simulation (DESeq2 uses set.seed(2)).
PRIOR_VAR_SEED = 2
#: Largest genes x samples block fitted at once (dispersions, coefficients): bounds memory.
BLOCK_ELEMENTS = 1 << 18


# --------------------------------------------------------------------------------------
# Negative-binomial kernels, vectorised over genes (rows) x samples (columns)
# --------------------------------------------------------------------------------------


def _nb_logpmf(y: np.ndarray, mu: np.ndarray, alpha: np.ndarray) -> np.ndarray:
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
    """:func:`_nb_logpmf` with its mu-free part ``constant`` precomputed (same numbers, fewer gammaln)."""
    return constant - size * np.log1p(mu / size) + y * (np.log(mu) - np.log(size + mu))


def _cr_matrix(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    """X' diag(w_g) X for every gene g: (G, p, p).

    One matrix product, ``w @ (x_ij x_ik)``: much faster than ``einsum`` (whose path search
    alone costs more than the product for a few genes).
    """
    n, p = x.shape
    outer = (x[:, :, None] * x[:, None, :]).reshape(n, p * p)
    return (w @ outer).reshape(*w.shape[:-1], p, p)


def _disp_log_posterior(
    log_alpha: np.ndarray,
    y: np.ndarray,
    mu: np.ndarray,
    x: np.ndarray,
    prior_mean: np.ndarray | None,
    prior_var: float | None,
) -> np.ndarray:
    """DESeq2's log_posterior (Cox-Reid adjusted NB likelihood plus log-normal prior)."""
    alpha = np.exp(log_alpha)[:, None]
    alpha_neg1 = 1.0 / alpha
    ll = (
        gammaln(y + alpha_neg1)
        - gammaln(alpha_neg1)
        - y * np.log(mu + alpha_neg1)
        - alpha_neg1 * np.log1p(mu * alpha)
    ).sum(axis=1)
    w = 1.0 / (1.0 / mu + alpha)
    _, logdet = np.linalg.slogdet(_cr_matrix(w, x))
    out = ll - 0.5 * logdet
    if prior_mean is not None:
        out = out - 0.5 * (log_alpha - prior_mean) ** 2 / prior_var
    return out


def _disp_dlog_posterior(
    log_alpha: np.ndarray,
    y: np.ndarray,
    mu: np.ndarray,
    x: np.ndarray,
    prior_mean: np.ndarray | None,
    prior_var: float | None,
) -> np.ndarray:
    """Derivative of :func:`_disp_log_posterior` with respect to log(alpha)."""
    alpha1 = np.exp(log_alpha)
    alpha = alpha1[:, None]
    alpha_neg1 = 1.0 / alpha
    ll = (alpha_neg1**2 * (
        digamma(alpha_neg1)
        + np.log1p(mu * alpha)
        - mu * alpha / (1.0 + mu * alpha)
        - digamma(y + alpha_neg1)
        + y / (mu + alpha_neg1)
    )).sum(axis=1)
    w = 1.0 / (1.0 / mu + alpha)
    b = _cr_matrix(w, x)
    db = _cr_matrix(-(w**2), x)
    cr = -0.5 * np.einsum("gjk,gkj->g", np.linalg.inv(b), db)
    out = (ll + cr) * alpha1
    if prior_mean is not None:
        out = out - (log_alpha - prior_mean) / prior_var
    return out


def _gene_blocks(n_genes: int, n_samples: int, threads: int) -> list[slice]:
    """Consecutive gene blocks of at most :data:`BLOCK_ELEMENTS` values, at least one per thread."""
    n_blocks = max(threads, -(-n_genes * max(n_samples, 1) // BLOCK_ELEMENTS), 1)
    size = max(-(-n_genes // n_blocks), 1)
    return [slice(i, min(i + size, n_genes)) for i in range(0, n_genes, size)]


def _map_blocks(func, n_genes: int, n_samples: int, threads: int) -> list:
    """``func(block)`` for every gene block of :func:`_gene_blocks`, in ``threads`` threads.

    Genes are fitted independently, so the blocks give the same numbers as one call on all
    genes; they bound the memory of the temporaries and keep them in cache. numpy and
    scipy.special release the GIL in their loops, so threads run the blocks in parallel.
    """
    blocks = _gene_blocks(n_genes, n_samples, threads)
    if threads <= 1 or len(blocks) == 1:
        return [func(block) for block in blocks]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(func, blocks))


def fit_dispersions(
    y: np.ndarray,
    mu: np.ndarray,
    x: np.ndarray,
    log_alpha: np.ndarray,
    *,
    prior_mean: np.ndarray | None = None,
    prior_var: float | None = None,
    min_log_alpha: float = np.log(1e-8 / 10),
    tol: float = DISP_TOL,
    maxit: int = DISP_MAXIT,
    kappa_0: float = DISP_KAPPA0,
    threads: int = 1,
) -> dict[str, np.ndarray]:
    """DESeq2's ``fitDisp``: line-search ascent of the dispersion log posterior, all genes at once.

    Parameters
    ----------
    y, mu
        Genes x samples counts and fitted means (means already clipped at ``min_mu``).
    x
        Samples x coefficients design matrix.
    log_alpha
        Starting log dispersions, one per gene.
    prior_mean, prior_var
        Log-normal prior (MAP step); ``None`` for the gene-wise (prior-free) estimate.
    min_log_alpha, tol, maxit, kappa_0
        As in DESeq2.
    threads
        Gene blocks fitted in parallel (:func:`_map_blocks`).

    Returns
    -------
    dict
        ``log_alpha``, ``iter``, ``initial_lp``, ``last_lp`` (arrays over genes).
    """
    log_alpha = np.asarray(log_alpha, dtype=float)
    pm = None if prior_mean is None else np.asarray(prior_mean, dtype=float)

    def block(rows: slice) -> dict[str, np.ndarray]:
        return _fit_dispersions_block(
            y[rows], mu[rows], x, log_alpha[rows], None if pm is None else pm[rows], prior_var,
            min_log_alpha=min_log_alpha, tol=tol, maxit=maxit, kappa_0=kappa_0,
        )

    parts = _map_blocks(block, y.shape[0], y.shape[1], threads)
    return {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}


def _fit_dispersions_block(y, mu, x, log_alpha, pm, prior_var, *, min_log_alpha, tol, maxit, kappa_0):  # noqa: ANN001, ANN202
    """:func:`fit_dispersions` on one block of genes."""
    n = y.shape[0]
    a = log_alpha.copy()

    def sub(idx: np.ndarray):
        return y[idx], mu[idx], (None if pm is None else pm[idx])

    lp = _disp_log_posterior(a, y, mu, x, pm, prior_var)
    dlp = _disp_dlog_posterior(a, y, mu, x, pm, prior_var)
    initial_lp = lp.copy()
    kappa = np.full(n, kappa_0)
    iters = np.zeros(n, dtype=int)
    accepts = np.zeros(n, dtype=int)
    active = np.ones(n, dtype=bool)
    for _ in range(maxit):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        iters[idx] += 1
        yi, mui, pmi = sub(idx)
        ai, dlpi, ki = a[idx], dlp[idx], kappa[idx]
        with np.errstate(divide="ignore", invalid="ignore"):
            propose = ai + ki * dlpi
            ki = np.where(propose < -30.0, (-30.0 - ai) / dlpi, ki)
            ki = np.where(propose > 10.0, (10.0 - ai) / dlpi, ki)
        a_try = ai + ki * dlpi
        lp_try = _disp_log_posterior(a_try, yi, mui, x, pmi, prior_var)
        theta_kappa = -lp_try
        theta_hat_kappa = -lp[idx] - ki * DISP_ARMIJO_EPS * dlpi**2
        accept = theta_kappa <= theta_hat_kappa
        # rejected: halve the step
        rej = idx[~accept]
        kappa[rej] = ki[~accept] / 2.0
        # accepted: move (the log posterior there is already known), test convergence
        acc = idx[accept]
        if acc.size:
            accepts[acc] += 1
            a_new = a_try[accept]
            lp_new = lp_try[accept]
            change = lp_new - lp[acc]
            a[acc] = a_new
            lp[acc] = lp_new
            done = (change < tol) | (a_new < min_log_alpha)
            active[acc[done]] = False
            go = acc[~done]
            if go.size:
                yg, mug, pmg = sub(go)
                dlp[go] = _disp_dlog_posterior(a[go], yg, mug, x, pmg, prior_var)
                k = np.minimum(ki[accept][~done] * 1.1, kappa_0)
                k = np.where(accepts[go] % 5 == 0, k / 2.0, k)
                kappa[go] = k
    return {"log_alpha": a, "iter": iters, "initial_lp": initial_lp, "last_lp": lp}


def fit_dispersions_grid(
    y: np.ndarray,
    mu: np.ndarray,
    x: np.ndarray,
    *,
    max_disp: float,
    prior_mean: np.ndarray | None = None,
    prior_var: float | None = None,
    min_disp: float = 1e-8,
    n_grid: int = 20,
) -> np.ndarray:
    """DESeq2's ``fitDispGrid``: a coarse then a fine grid over log dispersion; returns dispersions."""
    grid = np.linspace(np.log(min_disp), np.log(max_disp), n_grid)
    delta = grid[1] - grid[0]
    n = y.shape[0]

    def best(points: np.ndarray) -> np.ndarray:
        values = np.stack(
            [_disp_log_posterior(points[:, t], y, mu, x, prior_mean, prior_var) for t in range(points.shape[1])],
            axis=1,
        )
        return points[np.arange(n), np.argmax(values, axis=1)]

    coarse = best(np.broadcast_to(grid, (n, n_grid)).copy())
    fine = coarse[:, None] + np.linspace(-delta, delta, n_grid)[None, :]
    return np.exp(best(fine))


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
        ``converged``.
    """
    size_factors = np.asarray(size_factors, dtype=float)
    alpha = np.asarray(alpha, dtype=float)

    def block(rows: slice) -> dict[str, np.ndarray]:
        return _fit_beta_block(y[rows], size_factors, x, alpha[rows], min_mu=min_mu, tol=tol, maxit=maxit)

    parts = _map_blocks(block, y.shape[0], y.shape[1], threads)
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
        lhs = _cr_matrix(w, x) + ridge
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
        xtwx = _cr_matrix(w, x)
        inv = np.linalg.inv(xtwx + ridge)
        hat = w * np.einsum("ij,gjk,ik->gi", x, inv, x, optimize=True)
        var = np.einsum("gjk,gkl,glj->gj", inv, xtwx, inv, optimize=True)
    converged = iters < maxit
    stable = np.isfinite(beta).all(axis=1)
    var_pos = (var > 0).all(axis=1)
    redo = np.flatnonzero(~converged | ~stable | ~var_pos)
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
    return {"beta": beta, "mu": mu_out, "hat": hat, "var": np.maximum(var, 0.0), "converged": converged}


OPTIM_NDEPS = 1e-3


def _optim_beta(y: np.ndarray, nf: np.ndarray, x: np.ndarray, alpha: float, start: np.ndarray) -> tuple[np.ndarray, bool]:
    """One row of DESeq2's fitNbinomGLMsOptim: L-BFGS-B on the log2 scale, bounds +-30."""
    lam = 1e-6

    def objective(b: np.ndarray) -> float:
        mu = nf * 2.0 ** (x @ b)
        value = -(_nb_logpmf(y, mu, np.full_like(mu, alpha)).sum() - 0.5 * lam * (b**2).sum())
        return float(value) if np.isfinite(value) else 1e300

    def gradient(b: np.ndarray) -> np.ndarray:
        # R's optim without `gr`: central differences with ndeps = 1e-3, one-sided at a bound.
        grad = np.empty_like(b)
        for j in range(b.size):
            up, down = b.copy(), b.copy()
            up[j] = min(b[j] + OPTIM_NDEPS, BETA_LARGE)
            down[j] = max(b[j] - OPTIM_NDEPS, -BETA_LARGE)
            grad[j] = (objective(up) - objective(down)) / (up[j] - down[j])
        return grad

    res = minimize(
        objective,
        np.asarray(start, dtype=float),
        jac=gradient,
        method="L-BFGS-B",
        bounds=[(-BETA_LARGE, BETA_LARGE)] * x.shape[1],
        # R's optim defaults: lmm = 5, factr = 1e7, pgtol = 0, maxit = 100.
        options={"maxcor": 5, "ftol": 1e7 * np.finfo(float).eps, "gtol": 0.0, "maxiter": 100},
    )
    return res.x, bool(res.success)


# --------------------------------------------------------------------------------------
# Dispersion trend and prior
# --------------------------------------------------------------------------------------


class TrendFitError(RuntimeError):
    """The parametric dispersion trend could not be fitted (DESeq2 then uses a local fit)."""


def _gamma_identity_glm(y: np.ndarray, x: np.ndarray, start: np.ndarray, *, epsilon: float = 1e-8, maxit: int = 25) -> tuple[np.ndarray, bool]:
    """R's ``glm(y ~ x, family=Gamma(link='identity'), start=)``: IRLS with step halving."""
    beta = start.astype(float)
    eta = x @ beta
    if (eta <= 0).any():
        raise TrendFitError("invalid starting values for the Gamma GLM")
    mu = eta

    def deviance(m: np.ndarray) -> float:
        return float(-2.0 * np.sum(np.log(y / m) - (y - m) / m))

    dev_old = deviance(mu)
    for _ in range(maxit):
        w = 1.0 / mu**2
        new = np.linalg.solve((x.T * w) @ x, (x.T * w) @ y)
        eta = x @ new
        halvings = 0
        while (eta <= 0).any() or not np.isfinite(deviance(eta)):
            halvings += 1
            if halvings > 30:
                raise TrendFitError("Gamma GLM: no valid step")
            new = (new + beta) / 2.0
            eta = x @ new
        beta, mu = new, eta
        dev = deviance(mu)
        if abs(dev - dev_old) / (abs(dev) + 0.1) < epsilon:
            return beta, True
        dev_old = dev
    return beta, False


def parametric_dispersion_trend(means: np.ndarray, disps: np.ndarray) -> np.ndarray:
    """DESeq2's ``parametricDispersionFit``: coefficients (asymptDisp, extraPois) of a0 + a1 / mean.

    Raises
    ------
    TrendFitError
        A coefficient is not positive, or the fit did not converge in 10 iterations.
    """
    coefs = np.array([0.1, 1.0])
    design = np.column_stack([np.ones_like(means), 1.0 / means])
    for _ in range(11):
        residuals = disps / (coefs[0] + coefs[1] / means)
        good = (residuals > 1e-4) & (residuals < 15)
        try:
            new, converged = _gamma_identity_glm(disps[good], design[good], coefs)
        except np.linalg.LinAlgError as error:
            raise TrendFitError(f"parametric dispersion fit failed ({error})") from error
        old, coefs = coefs, new
        if not (coefs > 0).all():
            raise TrendFitError(f"parametric dispersion fit failed (coefficients {coefs})")
        if np.sum(np.log(coefs / old) ** 2) < 1e-6 and converged:
            return coefs
    raise TrendFitError("dispersion trend fit did not converge")


def _r_seq(start: float, stop: float, n: int) -> np.ndarray:
    """R's ``seq(start, stop, length.out = n)``: both ends exact, inner points ``start + i * step``."""
    return np.concatenate([[start], start + np.arange(1, n - 1) * ((stop - start) / (n - 1)), [stop]])


def _r_hist_density(values: np.ndarray, breaks: np.ndarray) -> np.ndarray:
    """R's ``hist(values, breaks, plot = FALSE)$density`` for equally spaced breaks spanning values.

    Intervals are right-closed, the first one also closed on the left, and every break but the
    first is moved up by R's fuzz (1e-7 x the median bin width), so a value within the fuzz above
    a break still counts in the bin below it.
    """
    widths = np.diff(breaks)
    fuzz = 1e-7 * float(np.median(widths))
    inner = breaks[1:-1] + fuzz
    counts = np.bincount(np.searchsorted(inner, values, side="left"), minlength=len(widths))
    return counts / (len(values) * widths)


def _loess_vertices(x: np.ndarray, *, fc: int) -> np.ndarray:
    """The vertices of R's loess k-d tree on one predictor (``ehg126``/``ehg124``), sorted.

    The bounding box is the range of x widened by 0.5 % on each side. Cells are split, breadth
    first, at the lower median of their points (moved to the nearest gap between distinct values
    when it falls among ties) while they hold more than ``fc`` points; a cell whose split value
    would be one of its ends stays a leaf.
    """
    xs = np.sort(x)
    lo, hi = xs[0], xs[-1]
    margin = 0.005 * max(hi - lo, 1e-10 * max(abs(lo), abs(hi)) + 1e-30)
    vertices = [lo - margin, hi + margin]
    cells = [(0, len(xs) - 1, vertices[0], vertices[1])]
    while cells:
        first, last, left, right = cells.pop(0)
        if last - first + 1 <= fc:
            continue
        m, offset = (first + last) // 2, 0
        while first <= m + offset < last:
            if xs[m + offset] != xs[m + offset + 1]:
                m += offset
                break
            offset = -offset + (1 if offset <= 0 else 0)
        cut = xs[m]
        if cut in (left, right):
            continue
        vertices.append(cut)
        cells += [(first, m, left, cut), (m + 1, last, cut, right)]
    return np.sort(np.array(vertices))


def _loess_local_fit(x: np.ndarray, y: np.ndarray, at: float, *, n_local: int, span: float) -> tuple[float, float]:
    """Value and slope at ``at`` of R's local quadratic fit (``ehg127``, tricube weights, no robustness).

    The weights reach 0 at the distance of the ``n_local``-th nearest point, times ``span`` if above 1.
    """
    dist = (x - at) ** 2
    near = np.argsort(dist, kind="stable")[:n_local]
    ratio = np.sqrt(dist[near] / (dist[near[-1]] * max(1.0, span)))
    w = np.sqrt((1 - ratio * ratio * ratio) ** 3)
    dx = x[near] - at
    design = np.column_stack([w, w * dx, w * dx * dx])
    norms = np.sqrt((design**2).sum(axis=0))
    coef, *_ = np.linalg.lstsq(design / norms, w * y[near], rcond=100 * np.finfo(float).eps)
    return coef[0] / norms[0], coef[1] / norms[1]


def _loess_quadratic(x: np.ndarray, y: np.ndarray, at: np.ndarray, *, span: float, cell: float = 0.2) -> np.ndarray:
    """R's ``predict(loess(y ~ x, span = span), at)`` with loess's defaults, for one predictor.

    Degree 2, Gaussian family and ``surface = "interpolate"``: local fits (value and slope) are
    made only at the vertices of a k-d tree (:func:`_loess_vertices`, cells of at most
    ``floor(n * span * cell)`` points) and joined by cubic Hermite interpolation (``ehg128``).
    ``at`` must lie within the range of x.
    """
    n_local = int(np.floor(len(x) * span + 1e-5))
    vertices = _loess_vertices(x, fc=int(np.floor(len(x) * span * cell)))
    value, slope = np.array([_loess_local_fit(x, y, v, n_local=n_local, span=span) for v in vertices]).T
    k = np.searchsorted(vertices[1:-1], at, side="left")  # points on a cut belong to the cell below
    v0, v1 = vertices[k], vertices[k + 1]
    h = (at - v0) / (v1 - v0)
    phi0, phi1 = (1 - h) ** 2 * (1 + 2 * h), h**2 * (3 - 2 * h)
    psi0, psi1 = h * (1 - h) ** 2, h**2 * (h - 1)
    return phi0 * value[k] + phi1 * value[k + 1] + (psi0 * slope[k] + psi1 * slope[k + 1]) * (v1 - v0)


def simulated_prior_variance(residuals: np.ndarray, df: int, *, seed: int = PRIOR_VAR_SEED) -> float:
    """DESeq2's prior variance for 1-3 residual degrees of freedom (estimateDispersionsPriorVar).

    The observed log dispersion residuals are matched, by Kullback-Leibler divergence of
    histograms, to log(chi2_df / df) + N(0, v) for 200 values of v over [0, 8]; the divergence
    curve is smoothed by R's loess (span 0.2) on a grid of 1000 and its minimiser, at least 0.25,
    is returned. The draws are R's after ``set.seed(seed)`` (:class:`~degsea.r_random.RStream`),
    in DESeq2's order, so the value is DESeq2's.

    Parameters
    ----------
    residuals
        ``log(genewise) - log(trend)`` of the genes with gene-wise dispersion >= 100 x min_disp.
    df
        Residual degrees of freedom (samples minus coefficients), 1 to 3.
    seed
        The seed DESeq2 sets (2).

    Returns
    -------
    float
        The prior variance of log dispersions.
    """
    stream = RStream(seed)
    breaks = np.arange(-20, 21) / 2.0
    obs = residuals[(residuals > breaks[0]) & (residuals < breaks[-1])]
    obs_density = _r_hist_density(obs, breaks)
    grid = _r_seq(0.0, 8.0, 200)
    kl = np.empty(len(grid))
    for i, v in enumerate(grid):
        sim = np.log(stream.rchisq(10_000, df)) + stream.rnorm(10_000, 0.0, np.sqrt(v)) - np.log(df)
        sim_density = _r_hist_density(sim[(sim > breaks[0]) & (sim < breaks[-1])], breaks)
        z = np.concatenate([obs_density, sim_density])
        small = z[z > 0].min()
        kl[i] = math.fsum(obs_density * (np.log(obs_density + small) - np.log(sim_density + small)))
    fine = _r_seq(0.0, 8.0, 1000)
    smooth = _loess_quadratic(grid, kl, fine, span=0.2)
    return float(max(fine[np.argmin(smooth)], 0.25))


# --------------------------------------------------------------------------------------
# The dataset
# --------------------------------------------------------------------------------------


class DESeq2ExactDataSet(DeseqDataSet):
    """A :class:`~pydeseq2.dds.DeseqDataSet` whose fitting steps follow DESeq2 exactly.

    Takes the same arguments as :class:`~pydeseq2.dds.DeseqDataSet`; ``prior_var_seed``
    seeds the simulation used for the dispersion prior variance with 3 or fewer residual
    degrees of freedom. The stock steps are replaced by: :meth:`fit_genewise_dispersions`,
    :meth:`fit_dispersion_trend`, :meth:`fit_dispersion_prior`, :meth:`fit_MAP_dispersions`,
    :meth:`fit_LFC` and the refit of genes with replaced outliers. Use
    :class:`DESeq2ExactStats` to test contrasts on it.
    """

    def __init__(self, *args, prior_var_seed: int = PRIOR_VAR_SEED, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.prior_var_seed = prior_var_seed

    # -- helpers -----------------------------------------------------------------------

    def _nz_counts(self) -> np.ndarray:
        return np.asarray(self.X[:, self.non_zero_idx], dtype=float).T

    def _design(self) -> np.ndarray:
        return self.obsm["design_matrix"].to_numpy(dtype=float)

    def _threads(self) -> int:
        """Threads for the gene blocks: the inference's ``n_cpus`` (1 without one)."""
        return max(int(getattr(self.inference, "n_cpus", 1) or 1), 1)

    # -- gene-wise dispersions ---------------------------------------------------------

    def fit_genewise_dispersions(self, vst: bool = False) -> None:
        """Gene-wise dispersions as DESeq2's ``estimateDispersionsGeneEst`` (one iteration).

        Means come from a linear model when the design is one group per coefficient, from
        the NB GLM at the moments estimate otherwise, clipped at ``min_mu`` in both cases.
        """
        if vst:
            super().fit_genewise_dispersions(vst=True)
            return
        if "size_factors" not in self.obs:
            self.fit_size_factors(fit_type=self.size_factors_fit_type)
        self.var["non_zero"] = ~(self.X == 0).all(axis=0)
        self.non_zero_idx = np.arange(self.n_vars)[self.var["non_zero"]]
        self.non_zero_genes = self.var_names[self.var["non_zero"]]
        self._fit_MoM_dispersions()
        x = self._design()
        sf = self.obs["size_factors"].to_numpy(dtype=float)
        y = self._nz_counts()
        alpha_init = self.var.loc[self.var["non_zero"], "_MoM_dispersions"].to_numpy(dtype=float)
        if len(self.obsm["design_matrix"].value_counts()) == x.shape[1]:
            normed = y / sf
            mu = (normed @ (x @ np.linalg.pinv(x)).T) * sf  # linear model on normalised counts
        else:
            mu = fit_beta(y, sf, x, alpha_init, min_mu=self.min_mu, threads=self._threads())["mu"]
        mu = np.maximum(mu, self.min_mu)
        res = fit_dispersions(
            y, mu, x, np.log(alpha_init), min_log_alpha=np.log(self.min_disp / 10), threads=self._threads()
        )
        disp = np.minimum(np.exp(res["log_alpha"]), self.max_disp)
        no_increase = res["last_lp"] < res["initial_lp"] + np.abs(res["initial_lp"]) / 1e6
        disp[no_increase] = alpha_init[no_increase]
        converged = (res["iter"] < DISP_MAXIT) & (res["iter"] != 1)
        refit = ~converged & (disp > self.min_disp * 10)
        if refit.any():
            disp[refit] = fit_dispersions_grid(y[refit], mu[refit], x, max_disp=self.max_disp)
        disp = np.clip(disp, self.min_disp, self.max_disp)

        self.layers["_mu_hat"] = np.full((self.n_obs, self.n_vars), np.nan)
        self.layers["_mu_hat"][:, self.non_zero_idx] = mu.T
        self.var["genewise_dispersions"] = np.full(self.n_vars, np.nan)
        self.var.loc[self.var["non_zero"], "genewise_dispersions"] = disp
        self.var["_genewise_converged"] = pd.array([pd.NA] * self.n_vars, dtype="boolean")
        self.var.loc[self.var["non_zero"], "_genewise_converged"] = converged | refit

    # -- trend ------------------------------------------------------------------------

    def fit_dispersion_trend(self, vst: bool = False) -> None:
        """The dispersion trend; the parametric fit is DESeq2's ``parametricDispersionFit``.

        Only genes with a gene-wise dispersion above ``100 * min_disp`` are used. When the
        parametric fit fails, DESeq2 falls back to a local regression; here the fallback is
        PyDESeq2's mean trend, with a warning.
        """
        if vst or self.fit_type != "parametric":
            super().fit_dispersion_trend(vst)
            return
        if "genewise_dispersions" not in self.var:
            self.fit_genewise_dispersions()
        nz = self.var["non_zero"].to_numpy()
        means = self.var["_normed_means"].to_numpy(dtype=float)[nz]
        disps = self.var["genewise_dispersions"].to_numpy(dtype=float)[nz]
        use = disps > 100 * self.min_disp
        if not use.any():
            raise ValueError(
                "all gene-wise dispersion estimates are within 2 orders of magnitude of the minimum "
                "value; the dispersion trend cannot be fitted"
            )
        try:
            coefs = parametric_dispersion_trend(means[use], disps[use])
        except TrendFitError as error:
            warnings.warn(
                f"The parametric dispersion trend could not be fitted ({error}); using the mean trend "
                "(DESeq2 would use a local regression here).",
                UserWarning,
                stacklevel=2,
            )
            self._fit_mean_dispersion_trend()
            return
        self.uns["trend_coeffs"] = pd.Series(coefs, index=["a0", "a1"])
        self.uns["disp_function_type"] = "parametric"
        self.var["fitted_dispersions"] = np.full(self.n_vars, np.nan)
        self.var.loc[self.var["non_zero"], "fitted_dispersions"] = self.disp_function(
            self.var.loc[self.var["non_zero"], "_normed_means"]
        )

    # -- prior variance ---------------------------------------------------------------

    def fit_dispersion_prior(self) -> None:
        """The prior variance of log dispersions, as DESeq2's ``estimateDispersionsPriorVar``.

        ``varLogDispEsts`` is the squared MAD of log residuals of genes with gene-wise
        dispersion >= ``100 * min_disp``. With more than 3 residual degrees of freedom the
        prior variance is ``max(varLogDispEsts - trigamma(df / 2), 0.25)``; with 1-3 it is
        estimated by simulation (:func:`simulated_prior_variance`).
        """
        if "fitted_dispersions" not in self.var:
            self.fit_dispersion_trend()
        m, p = self.obsm["design_matrix"].shape
        df = m - p
        nz = self.var["non_zero"].to_numpy()
        gene = self.var["genewise_dispersions"].to_numpy(dtype=float)[nz]
        fitted = self.var["fitted_dispersions"].to_numpy(dtype=float)[nz]
        residuals = np.log(gene) - np.log(fitted)
        above = gene >= 100 * self.min_disp
        if not above.any():
            raise ValueError("no gene-wise dispersion is above 100 * min_disp")
        var_log = mean_absolute_deviation(residuals[above]) ** 2
        self.uns["_squared_logres"] = var_log
        if 0 < df <= 3:
            prior = simulated_prior_variance(residuals[above], df, seed=self.prior_var_seed)
            log.info("dispersion prior variance %.4g (simulated, %d residual degrees of freedom)", prior, df)
        elif df > 0:
            prior = max(var_log - float(polygamma(1, df / 2)), 0.25)
        else:
            prior = var_log
        self.uns["prior_disp_var"] = np.float64(prior)

    # -- MAP dispersions --------------------------------------------------------------

    def fit_MAP_dispersions(self) -> None:
        """MAP dispersions as DESeq2's ``estimateDispersionsMAP`` (line search, grid fallback, outliers)."""
        if "prior_disp_var" not in self.uns:
            self.fit_dispersion_prior()
        nz = self.var["non_zero"].to_numpy()
        x = self._design()
        y = self._nz_counts()
        mu = self.layers["_mu_hat"][:, self.non_zero_idx].T
        gene = self.var["genewise_dispersions"].to_numpy(dtype=float)[nz]
        fitted = self.var["fitted_dispersions"].to_numpy(dtype=float)[nz]
        prior_var = float(self.uns["prior_disp_var"])
        init = np.where(gene > 0.1 * fitted, gene, fitted)
        init = np.where(np.isnan(init), fitted, init)
        res = fit_dispersions(
            y, mu, x, np.log(init), prior_mean=np.log(fitted), prior_var=prior_var,
            min_log_alpha=np.log(self.min_disp / 10), threads=self._threads(),
        )
        disp = np.exp(res["log_alpha"])
        converged = res["iter"] < DISP_MAXIT
        if (~converged).any():
            disp[~converged] = fit_dispersions_grid(
                y[~converged], mu[~converged], x, max_disp=self.max_disp,
                prior_mean=np.log(fitted[~converged]), prior_var=prior_var,
            )
        disp = np.clip(disp, self.min_disp, self.max_disp)
        self.var["MAP_dispersions"] = np.full(self.n_vars, np.nan)
        self.var.loc[self.var["non_zero"], "MAP_dispersions"] = disp
        self.var["_MAP_converged"] = pd.array([pd.NA] * self.n_vars, dtype="boolean")
        self.var.loc[self.var["non_zero"], "_MAP_converged"] = converged
        self.var["dispersions"] = self.var["MAP_dispersions"].copy()
        outlier = np.log(self.var["genewise_dispersions"]) > np.log(self.var["fitted_dispersions"]) + 2 * np.sqrt(
            self.uns["_squared_logres"]
        )
        self.var["_outlier_genes"] = outlier.fillna(False).astype(bool)
        self.var.loc[self.var["_outlier_genes"], "dispersions"] = self.var.loc[
            self.var["_outlier_genes"], "genewise_dispersions"
        ]
        if self.low_memory:
            del self.layers["_mu_hat"]

    # -- coefficients -----------------------------------------------------------------

    def fit_LFC(self) -> None:
        """Coefficients, fitted means and hat diagonals as DESeq2's ``fitNbinomGLMs`` (IRLS)."""
        if "dispersions" not in self.var:
            self.fit_MAP_dispersions()
        x = self._design()
        disp = self.var["dispersions"].to_numpy(dtype=float)[self.non_zero_idx]
        fit = fit_beta(
            self._nz_counts(), self.obs["size_factors"].to_numpy(dtype=float), x, disp, min_mu=self.min_mu,
            threads=self._threads(),
        )
        self.varm["LFC"] = pd.DataFrame(np.nan, index=self.var_names, columns=self.obsm["design_matrix"].columns)
        self.varm["LFC"].iloc[self.non_zero_idx, :] = fit["beta"]
        self.obsm["_mu_LFC"] = fit["mu"].T
        self.obsm["_hat_diagonals"] = fit["hat"].T
        self.var["_LFC_converged"] = pd.array([pd.NA] * self.n_vars, dtype="boolean")
        self.var.loc[self.var["non_zero"], "_LFC_converged"] = fit["converged"]

    # -- refit after outlier replacement ----------------------------------------------

    def _refit_without_outliers(self) -> None:
        """Refit genes whose outlier counts were replaced, as DESeq2's ``refitWithoutOutliers``.

        PyDESeq2's version builds a stock :class:`~pydeseq2.dds.DeseqDataSet`; this one
        builds the same class as ``self``, keeping the trend and the prior variance.
        """
        if "replaced" not in self.var:
            self._replace_outliers()
        new_all_zeroes = (self.counts_to_refit.X == 0).all(axis=0)
        self.new_all_zeroes_genes = self.counts_to_refit.var_names[new_all_zeroes]
        self.var["refitted"] = self.var["replaced"].copy()
        self.var.loc[self.var["refitted"], "refitted"] = ~new_all_zeroes
        if new_all_zeroes.sum() > 0:
            self.var.loc[self.new_all_zeroes_genes, "_normed_means"] = 0
            self.varm["LFC"].loc[self.new_all_zeroes_genes, :] = 0
        if self.var["refitted"].sum() == 0:
            return
        self.counts_to_refit = self.counts_to_refit[:, ~new_all_zeroes].copy()
        sub = type(self)(
            counts=pd.DataFrame(self.counts_to_refit.X, index=self.counts_to_refit.obs_names, columns=self.counts_to_refit.var_names),
            metadata=self.obs,
            design=self.design,
            min_mu=self.min_mu,
            min_disp=self.min_disp,
            max_disp=self.max_disp,
            refit_cooks=self.refit_cooks,
            min_replicates=self.min_replicates,
            beta_tol=self.beta_tol,
            inference=self.inference,
            quiet=self.quiet,
            prior_var_seed=self.prior_var_seed,
        )
        sub.obs["size_factors"] = self.counts_to_refit.obs["size_factors"]
        sub.layers["normed_counts"] = sub.X / sub.obs["size_factors"].to_numpy()[:, None]
        sub.var["_normed_means"] = sub.layers["normed_counts"].mean(axis=0)
        sub.fit_genewise_dispersions()
        sub.uns["disp_function_type"] = self.uns["disp_function_type"]
        if sub.uns["disp_function_type"] == "parametric":
            sub.uns["trend_coeffs"] = self.uns["trend_coeffs"]
        else:
            sub.uns["mean_disp"] = self.uns["mean_disp"]
        sub.var["fitted_dispersions"] = sub.disp_function(sub.var["_normed_means"])
        sub.uns["_squared_logres"] = self.uns["_squared_logres"]
        sub.uns["prior_disp_var"] = self.uns["prior_disp_var"]
        sub.fit_MAP_dispersions()
        sub.fit_LFC()
        refitted = self.var["refitted"].to_numpy()
        for column in ("_normed_means", "genewise_dispersions", "fitted_dispersions", "dispersions"):
            self.var.loc[refitted, column] = sub.var[column].to_numpy()
        self.varm["LFC"][refitted] = sub.varm["LFC"].to_numpy()
        self.layers["replace_cooks"] = self.layers["cooks"].copy()
        for col in np.flatnonzero(refitted):
            self.layers["replace_cooks"][self.obs["replaceable"].to_numpy(), col] = 0.0


# --------------------------------------------------------------------------------------
# Tests and shrinkage
# --------------------------------------------------------------------------------------


def _apeglm_objective(beta, x, y, size, offset, sigma2, s2, shrink):
    """Negative log posterior of apeglm's NB model, its gradient and Hessian, for all genes.

    ``beta`` is genes x p; returns (value (G,), gradient (G, p), Hessian (G, p, p)).
    """
    xbeta = beta @ x.T
    eta = xbeta + offset
    # log(size + exp(eta)) computed stably
    log_se = np.logaddexp(np.log(size)[:, None], eta)
    nll = -(y * xbeta - (y + size[:, None]) * log_se).sum(axis=1)
    bs = beta[:, shrink]
    no = np.ones(beta.shape[1], dtype=bool)
    no[shrink] = False
    prior = (beta[:, no] ** 2).sum(axis=1) / (2 * sigma2) + np.log1p(bs**2 / s2)
    value = nll + prior
    frac = np.exp(eta - log_se)  # exp(eta) / (size + exp(eta))
    resid = y - (y + size[:, None]) * frac
    grad = -resid @ x
    grad[:, no] += beta[:, no] / sigma2
    grad[:, shrink] += 2 * bs / (s2 + bs**2)
    wts = (y + size[:, None]) * frac * (1 - frac)
    hess = _cr_matrix(wts, x)
    idx = np.flatnonzero(no)
    hess[:, idx, idx] += 1.0 / sigma2
    hess[:, shrink, shrink] += 2 * (s2 - bs**2) / (s2 + bs**2) ** 2
    return value, grad, hess


def apeglm_map(
    y: np.ndarray,
    x: np.ndarray,
    size: np.ndarray,
    offset: np.ndarray,
    *,
    shrink: int,
    prior_scale: float,
    no_shrink_scale: float = 15.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Posterior mode and SD of apeglm's model for all genes (apeglm ``method='nbinomCR'``).

    apeglm's own path is replayed for every gene, because with a small prior scale the
    posterior can have two modes (or long flat stretches) and apeglm reports where its
    search stops: L-BFGS (:func:`_lbfgs_map`, LBFGS++ with its strong-Wolfe line search) on
    the scaled objective from (0.1, -0.1, ...) and again from (-0.1, 0.1, ...). Where both
    runs end without error within 0.01 of each other and the Hessian there gives positive
    variances, the first run's end point is the answer; otherwise apeglm re-optimises the
    unscaled objective with R's BFGS (:func:`_r_bfgs`) from the first run's end point,
    which is often not a mode but a stop on a flat stretch.
    The SD is from the exact Hessian at the answer (Laplace approximation), as apeglm's.

    Parameters
    ----------
    y
        Genes x samples counts (no all-zero gene).
    x
        Samples x coefficients design matrix.
    size
        1 / dispersion per gene.
    offset
        Genes x samples log size factors.
    shrink
        Index of the coefficient with the Cauchy prior.
    prior_scale
        Scale of the Cauchy prior.
    no_shrink_scale
        SD of the Normal prior on the other coefficients.

    Returns
    -------
    tuple
        ``beta`` (G x p, natural log), ``sd`` (G x p), ``converged`` (G,).
    """
    p = x.shape[1]
    sigma2, s2 = no_shrink_scale**2, prior_scale**2
    start = 0.1 * (-1.0) ** np.arange(p)
    beta, ok1 = _lbfgs_map(y, x, size, offset, start, sigma2, s2, shrink)
    other, ok2 = _lbfgs_map(y, x, size, offset, -start, sigma2, s2, shrink)
    agree = ok1 & ok2 & (np.abs(beta - other).max(axis=1) <= 0.01)
    converged = agree.copy()
    sd = _laplace_sd(beta, x, y, size, offset, sigma2, s2, shrink)
    # apeglm re-optimises where the runs differ or the Hessian gives a non-positive variance
    redo = np.flatnonzero(~agree | np.isnan(sd).any(axis=1))
    if redo.size:
        log.debug("apeglm MAP: %d genes re-optimised with R's BFGS from the first L-BFGS end point", redo.size)
        for g in redo:
            # apeglm shifts the objective to -1 at the start, which sets the scale of R's relative stop
            shift = float(_apeglm_value_grad(beta[g][None], x, y[g : g + 1], size[g : g + 1], offset[g : g + 1], sigma2, s2, shrink)[0][0]) + 1.0

            def fun(b: np.ndarray, g: int = g, shift: float = shift) -> tuple[float, np.ndarray]:
                v, grad = _apeglm_value_grad(b[None], x, y[g : g + 1], size[g : g + 1], offset[g : g + 1], sigma2, s2, shrink)
                return float(v[0]) - shift, grad[0]

            beta[g], converged[g] = _r_bfgs(fun, beta[g])
        sd[redo] = _laplace_sd(beta[redo], x, y[redo], size[redo], offset[redo], sigma2, s2, shrink)
    return beta, sd, converged


def _laplace_sd(beta, x, y, size, offset, sigma2, s2, shrink) -> np.ndarray:
    """Posterior SDs from the exact Hessian at ``beta`` (NaN where a variance is not positive)."""
    _, _, hess = _apeglm_objective(beta, x, y, size, offset, sigma2, s2, shrink)
    with np.errstate(invalid="ignore"):
        cov = np.stack([np.linalg.pinv(h) for h in hess]) if not np.isfinite(hess).all() else _safe_inv(hess)
        diag = np.einsum("gii->gi", cov)
        return np.where(diag > 0, np.sqrt(np.abs(diag)), np.nan)


def _safe_inv(h: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.inv(h)
    except np.linalg.LinAlgError:
        return np.stack([np.linalg.pinv(hi) for hi in h])


def _apeglm_value_grad(beta, x, y, size, offset, sigma2, s2, shrink) -> tuple[np.ndarray, np.ndarray]:
    """Value and gradient of :func:`_apeglm_objective` (no Hessian), for genes x p ``beta``."""
    xbeta = beta @ x.T
    eta = xbeta + offset
    log_se = np.logaddexp(np.log(size)[:, None], eta)
    no = np.ones(beta.shape[1], dtype=bool)
    no[shrink] = False
    bs = beta[:, shrink]
    value = -(y * xbeta - (y + size[:, None]) * log_se).sum(axis=1)
    value = value + (beta[:, no] ** 2).sum(axis=1) / (2 * sigma2) + np.log1p(bs**2 / s2)
    grad = -(y - (y + size[:, None]) * np.exp(eta - log_se)) @ x
    grad[:, no] += beta[:, no] / sigma2
    grad[:, shrink] += 2 * bs / (s2 + bs**2)
    return value, grad


def _lbfgs_map(y, x, size, offset, start, sigma2, s2, shrink) -> tuple[np.ndarray, np.ndarray]:
    """apeglm's C++ step for all genes: L-BFGS on ``f / c + 10`` per gene, c = max(f(0), 1).

    Follows RcppNumerical's ``optim_lbfgs(maxit=300, eps_f=1e-8, eps_g=1e-8)`` as built on
    LBFGS++ 0.2 or newer (:func:`_lbfgspp`), from ``start`` (p,) for every gene. Returns
    the end points (G x p) and whether each search ended without an error (G,).
    """
    cnst = np.maximum(_apeglm_value_grad(np.zeros((y.shape[0], x.shape[1])), x, y, size, offset, sigma2, s2, shrink)[0], 1.0)

    def fun(b: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        v, g = _apeglm_value_grad(b, x, y[idx], size[idx], offset[idx], sigma2, s2, shrink)
        return v / cnst[idx] + 10.0, g / cnst[idx, None]

    return _lbfgspp(fun, np.tile(np.asarray(start, dtype=float), (y.shape[0], 1)))


def _strong_wolfe_search(
    fun,
    xp: np.ndarray,
    fx0: np.ndarray,
    grad0: np.ndarray,
    drt: np.ndarray,
    step: np.ndarray,
    idx: np.ndarray,
    *,
    ftol: float = 1e-4,
    wolfe: float = 0.9,
    max_linesearch: int = 100,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Step along ``drt`` to a point meeting the strong Wolfe conditions, for a batch of problems.

    The bracketing-and-zoom search of Nocedal & Wright (2006, algorithms 3.5 and 3.6) as
    LBFGS++ (0.2 and newer) runs it by default, for each row independently: the trial step
    doubles until the sufficient-decrease test fails, the value rises over the last accepted
    trial or the slope turns non-negative; the bracket is then narrowed at the minimum of
    the quadratic through both ends' values and the low end's slope (its midpoint when that
    falls outside). After ``max_linesearch`` evaluations the last trial point is taken as it
    is. A row fails (LBFGS++ throws) when its direction is uphill or the zoom repeats a step.

    Returns
    -------
    tuple
        New points, values, gradients, and the rows that failed (their point is the last trial).
    """
    n = xp.shape[0]
    dg0 = np.einsum("gi,gi->g", grad0, drt)
    decrease, curvature = ftol * dg0, -wolfe * dg0
    step = step.astype(float).copy()
    lo_step, lo_f, lo_dg = np.zeros(n), fx0.copy(), dg0.copy()
    hi_step, hi_f = np.zeros(n), np.zeros(n)
    zoom = np.zeros(n, dtype=bool)
    evaluations = np.zeros(n, dtype=int)
    failed = dg0 > 0
    done = failed.copy()
    x, fx, grad = xp.copy(), fx0.copy(), grad0.copy()
    while not done.all():
        act = np.flatnonzero(~done)
        z = act[zoom[act]]
        if z.size:
            numerator = (hi_f[z] - lo_f[z]) * lo_step[z] - (hi_step[z] ** 2 - lo_step[z] ** 2) * lo_dg[z] / 2
            with np.errstate(divide="ignore", invalid="ignore"):
                trial = numerator / ((hi_f[z] - lo_f[z]) - (hi_step[z] - lo_step[z]) * lo_dg[z])
            inside = (trial > np.minimum(lo_step[z], hi_step[z])) & (trial < np.maximum(lo_step[z], hi_step[z]))
            step[z] = np.where(inside, trial, lo_step[z] / 2 + hi_step[z] / 2)
        x[act] = xp[act] + step[act, None] * drt[act]
        fx[act], grad[act] = fun(x[act], idx[act])
        out = evaluations[act] >= max_linesearch
        done[act[out]] = True
        act = act[~out]
        evaluations[act] += 1
        dg = np.einsum("gi,gi->g", grad[act], drt[act])
        f, st = fx[act], step[act]
        rises = f - fx0[act] > st * decrease[act]
        flat = np.abs(dg) <= curvature[act]
        inz = zoom[act]
        # bracketing phase
        br = ~inz
        to_hi = br & (rises | ((lo_step[act] > 0) & (f >= lo_f[act])))
        sel = act[to_hi]
        hi_step[sel], hi_f[sel], zoom[sel] = st[to_hi], f[to_hi], True
        accept = br & ~to_hi & flat
        done[act[accept]] = True
        grow = br & ~to_hi & ~flat
        sel = act[grow]
        hi_step[sel], hi_f[sel] = lo_step[sel], lo_f[sel]
        lo_step[sel], lo_f[sel], lo_dg[sel] = st[grow], f[grow], dg[grow]
        turn = grow & (dg >= 0)
        zoom[act[turn]] = True
        more = grow & ~(dg >= 0)
        step[act[more]] *= 2.0
        # zoom phase
        high = inz & (rises | (f >= lo_f[act]))
        bad = high & (st == hi_step[act])
        failed[act[bad]] = done[act[bad]] = True
        sel = act[high & ~bad]
        hi_step[sel], hi_f[sel] = step[sel], fx[sel]
        low = inz & ~high
        accept = low & flat
        done[act[accept]] = True
        low = low & ~flat
        swap = low & (dg * (hi_step[act] - lo_step[act]) >= 0)
        sel = act[swap]
        hi_step[sel], hi_f[sel] = lo_step[sel], lo_f[sel]
        bad = low & (st == lo_step[act])
        failed[act[bad]] = done[act[bad]] = True
        keep = low & ~bad
        sel = act[keep]
        lo_step[sel], lo_f[sel], lo_dg[sel] = st[keep], f[keep], dg[keep]
    # an uphill direction fails before any trial: the point stays
    up = dg0 > 0
    x[up], fx[up], grad[up] = xp[up], fx0[up], grad0[up]
    return x, fx, grad, failed


def _lbfgspp(
    fun,
    x: np.ndarray,
    *,
    m: int = 6,
    eps_f: float = 1e-8,
    eps_g: float = 1e-8,
    eps_rel: float = 1e-8,
    maxit: int = 300,
    max_linesearch: int = 100,
) -> tuple[np.ndarray, np.ndarray]:
    """Minimise ``fun(x, rows)`` (values, gradients of those rows) row by row, as LBFGS++'s ``LBFGSSolver::minimize``.

    ``x`` is G x p: G independent problems searched in step. Each row follows LBFGS++ with
    its default line search (:func:`_strong_wolfe_search`; LBFGS++ 0.2 and newer, bundled
    by RcppNumerical 0.5 and newer): the first step has unit length along the negative
    gradient, later ones start at 1 along the two-loop L-BFGS direction (6 corrections,
    a pair kept when s'y > eps y'y). A row stops when its gradient norm is at most
    ``max(eps_g, eps_rel * |x|)``, when its objective changes by at most
    ``eps_f * max(|f|, |f_prev|, 1)`` in one iteration, or after ``maxit`` iterations.
    Returns the end points and whether each row ended without an error.
    """
    x = np.array(x, dtype=float)
    n, p = x.shape
    every = np.arange(n)
    fx, grad = fun(x, every)
    ok = np.isfinite(fx)
    gnorm = np.linalg.norm(grad, axis=1)
    active = ok & ~(gnorm <= np.maximum(eps_g, eps_rel * np.linalg.norm(x, axis=1)))
    s_hist = np.zeros((n, m, p))
    y_hist = np.zeros((n, m, p))
    n_hist = np.zeros(n, dtype=int)
    drt = -grad
    step = np.zeros(n)
    step[active] = 1.0 / np.linalg.norm(drt[active], axis=1)
    tiny = np.finfo(float).eps
    for _ in range(maxit):
        a = np.flatnonzero(active)
        if a.size == 0:
            break
        xp, gp, fp = x[a], grad[a], fx[a]
        xa, fa, ga, failed = _strong_wolfe_search(fun, xp, fp, gp, drt[a], step[a], a, max_linesearch=max_linesearch)
        x[a], fx[a], grad[a] = xa, fa, ga
        ok[a[failed]] = False
        stop = failed | (np.linalg.norm(ga, axis=1) <= np.maximum(eps_g, eps_rel * np.linalg.norm(xa, axis=1)))
        stop |= np.abs(fp - fa) <= eps_f * np.maximum(np.maximum(np.abs(fa), np.abs(fp)), 1.0)
        active[a[stop]] = False
        a, xp, gp = a[~stop], xp[~stop], gp[~stop]
        s, yv = x[a] - xp, grad[a] - gp
        add = np.einsum("gi,gi->g", s, yv) > tiny * np.einsum("gi,gi->g", yv, yv)
        sel = a[add]
        # history in chronological order, newest in the last slot
        s_hist[sel] = np.concatenate([s_hist[sel, 1:], s[add, None]], axis=1)
        y_hist[sel] = np.concatenate([y_hist[sel, 1:], yv[add, None]], axis=1)
        n_hist[sel] = np.minimum(n_hist[sel] + 1, m)
        # two-loop recursion: drt = -H g
        S, Y, k = s_hist[a], y_hist[a], n_hist[a]
        ys = np.einsum("gji,gji->gj", Y, S)
        valid = np.arange(m)[None, :] >= (m - k)[:, None]
        ys_safe = np.where(valid, ys, 1.0)
        q = -grad[a]
        alphas = np.zeros((a.size, m))
        for j in range(m - 1, -1, -1):
            alphas[:, j] = np.where(valid[:, j], np.einsum("gi,gi->g", S[:, j], q) / ys_safe[:, j], 0.0)
            q = q - alphas[:, j, None] * Y[:, j]
        yy = np.einsum("gi,gi->g", Y[:, -1], Y[:, -1])
        q = q * np.where(k > 0, ys[:, -1] / np.where(k > 0, yy, 1.0), 1.0)[:, None]
        for j in range(m):
            beta = np.where(valid[:, j], np.einsum("gi,gi->g", Y[:, j], q) / ys_safe[:, j], 0.0)
            q = q + (alphas[:, j] - beta)[:, None] * S[:, j]
        drt[a] = q
        step[a] = 1.0
    return x, ok


def _r_bfgs(fun, x: np.ndarray, *, maxit: int = 100, reltol: float = 1.4901161193847656e-08) -> tuple[np.ndarray, bool]:
    """Minimise ``fun`` (returning value, gradient) as R's ``optim(method="BFGS")`` does.

    R's variable-metric method (``vmmin``, defaults ``maxit=100``, ``reltol=sqrt(eps)``): a
    full inverse-Hessian BFGS update, a backtracking line search from step 1 that shrinks
    by 0.2 until the value falls by at least 1e-4 of the predicted decrease, a reset to the
    identity when the update would lose positive curvature or the direction is uphill, and
    a stop when a step changes no coordinate or the value by at most ``reltol`` (relative).
    apeglm runs it on genes whose two L-BFGS runs disagree. Returns the end point and
    whether it stopped before ``maxit`` iterations.
    """
    n = x.size
    b = np.array(x, dtype=float)
    f, grad = fun(b)
    if not np.isfinite(f):
        return b, False
    fmin = f
    gradcount, iteration, last_reset = 1, 1, 1
    inv_hess = np.eye(n)
    while True:
        if last_reset == gradcount:
            inv_hess = np.eye(n)
        x0, g0 = b.copy(), grad.copy()
        direction = -inv_hess @ grad
        slope = float(direction @ grad)
        if slope < 0.0:
            step, accepted = 1.0, False
            while True:
                b = x0 + step * direction
                unchanged = int(np.sum(10.0 + x0 == 10.0 + b))
                if unchanged < n:
                    f, trial_grad = fun(b)
                    accepted = bool(np.isfinite(f)) and f <= fmin + slope * step * 1e-4
                    if not accepted:
                        step *= 0.2
                if unchanged == n or accepted:
                    break
            if not abs(f - fmin) > reltol * (abs(fmin) + reltol):
                unchanged, fmin = n, f
            if unchanged < n:
                fmin, grad = f, trial_grad
                gradcount += 1
                iteration += 1
                s_vec = step * direction
                y_vec = grad - g0
                d1 = float(s_vec @ y_vec)
                if d1 > 0:
                    hy = inv_hess @ y_vec
                    d2 = 1.0 + float(hy @ y_vec) / d1
                    inv_hess = inv_hess + (d2 * np.outer(s_vec, s_vec) - np.outer(hy, s_vec) - np.outer(s_vec, hy)) / d1
                else:
                    last_reset = gradcount
            elif last_reset < gradcount:
                unchanged, last_reset = 0, gradcount
        else:
            unchanged = n if last_reset == gradcount else 0
            last_reset = gradcount
        if iteration >= maxit:
            return b, False
        if gradcount - last_reset > 2 * n:
            last_reset = gradcount
        if unchanged == n and last_reset == gradcount:
            return b, True


def apeglm_prior_variance(lfc: np.ndarray, se: np.ndarray, *, min_var: float = 1e-4, max_var: float = 400.0) -> float:
    """apeglm's ``priorVar``: the Efron-Morris estimate of the variance of true effects (natural log)."""
    keep = np.isfinite(lfc) & np.isfinite(se)
    s, d = lfc[keep] ** 2, se[keep] ** 2

    def objective(a: float) -> float:
        i = 1.0 / (2.0 * (a + d) ** 2)
        return float(np.sum((s - d) * i) / np.sum(i) - a)

    if objective(min_var) < 0:
        return min_var
    from scipy.optimize import brentq

    return float(brentq(objective, min_var, max_var))


def r_lowess(x: np.ndarray, y: np.ndarray, *, f: float = 2 / 3, iterations: int = 3, delta: float | None = None) -> np.ndarray:
    """R's ``lowess()`` (Cleveland's clowess, as in R's stats/src/lowess.c).

    PyDESeq2's own lowess differs from R's (no ``delta`` interpolation, different robustness
    weights), which moves DESeq2's independent-filtering threshold.

    Parameters
    ----------
    x, y
        Points; they are sorted by ``x``.
    f
        Smoother span (share of points in each local fit).
    iterations
        Robustness iterations.
    delta
        Points closer than ``delta`` to the last fitted one are interpolated
        (default 1 % of the range of ``x``, as in R).

    Returns
    -------
    numpy.ndarray
        Fitted values, in the order of sorted ``x``.
    """
    order = np.argsort(x, kind="mergesort")
    xs_all, ys_all = np.asarray(x, dtype=float)[order], np.asarray(y, dtype=float)[order]
    n = len(xs_all)
    if delta is None:
        delta = 0.01 * (xs_all[-1] - xs_all[0])
    if n < 2:
        return ys_all.copy()
    # 1-based arrays, as in the C code
    X = np.concatenate([[0.0], xs_all])
    Y = np.concatenate([[0.0], ys_all])
    fit = np.zeros(n + 1)
    rw = np.zeros(n + 1)
    res = np.zeros(n + 1)
    ns = max(2, min(n, int(f * n + 1e-7)))

    def lowest(xs: float, nleft: int, nright: int, userw: bool) -> tuple[float, bool]:
        w = np.zeros(n + 1)
        rng = X[n] - X[1]
        h = max(xs - X[nleft], X[nright] - xs)
        h9, h1 = 0.999 * h, 0.001 * h
        a = 0.0
        j = nleft
        while j <= n:
            r = abs(X[j] - xs)
            if r <= h9:
                w[j] = 1.0 if r <= h1 else (1.0 - (r / h) ** 3) ** 3
                if userw:
                    w[j] *= rw[j]
                a += w[j]
            elif X[j] > xs:
                break
            j += 1
        nrt = j - 1
        if a <= 0.0:
            return 0.0, False
        w[nleft : nrt + 1] /= a
        if h > 0.0:
            a = float(np.sum(w[nleft : nrt + 1] * X[nleft : nrt + 1]))
            b = xs - a
            c = float(np.sum(w[nleft : nrt + 1] * (X[nleft : nrt + 1] - a) ** 2))
            if np.sqrt(c) > 0.001 * rng:
                b /= c
                w[nleft : nrt + 1] *= b * (X[nleft : nrt + 1] - a) + 1.0
        return float(np.sum(w[nleft : nrt + 1] * Y[nleft : nrt + 1])), True

    iteration = 1
    while iteration <= iterations + 1:
        nleft, nright, last, i = 1, ns, 0, 1
        while True:
            if nright < n:
                d1 = X[i] - X[nleft]
                d2 = X[nright + 1] - X[i]
                if d1 > d2:
                    nleft += 1
                    nright += 1
                    continue
            value, ok = lowest(X[i], nleft, nright, iteration > 1)
            fit[i] = value if ok else Y[i]
            if last < i - 1:
                denom = X[i] - X[last]
                for j in range(last + 1, i):
                    alpha = (X[j] - X[last]) / denom
                    fit[j] = alpha * fit[i] + (1.0 - alpha) * fit[last]
            last = i
            cut = X[last] + delta
            i = last + 1
            while i <= n:
                if X[i] > cut:
                    break
                if X[i] == X[last]:
                    fit[i] = fit[last]
                    last = i
                i += 1
            i = max(last + 1, i - 1)
            if last >= n:
                break
        res[1:] = Y[1:] - fit[1:]
        sc = np.mean(np.abs(res[1:]))
        if iteration > iterations:
            break
        absres = np.sort(np.abs(res[1:]))
        m1 = n // 2
        cmad = 3.0 * (absres[m1] + absres[n - m1 - 1]) if n % 2 == 0 else 6.0 * absres[m1]
        if cmad < 1e-7 * sc:
            break
        c9, c1 = 0.999 * cmad, 0.001 * cmad
        r = np.abs(res[1:])
        rw[1:] = np.where(r <= c1, 1.0, np.where(r <= c9, (1.0 - (r / cmad) ** 2) ** 2, 0.0))
        iteration += 1
    return fit[1:]


class DESeq2ExactStats(DeseqStats):
    """A :class:`~pydeseq2.ds.DeseqStats` whose Wald test and apeglm shrinkage follow DESeq2/apeglm.

    Same arguments as :class:`~pydeseq2.ds.DeseqStats`.
    """

    def run_wald_test(self) -> None:
        """Wald test with DESeq2's covariance: means clipped at ``min_mu``, ridge 1e-6 (log2 scale).

        Genes whose samples in the two compared groups are all zero (but not all-zero
        overall) get LFC 0, statistic 0 and p-value 1, as in DESeq2's ``results``.
        """
        x = self.design_matrix.to_numpy(dtype=float)
        lfc = self.LFC.to_numpy(dtype=float)
        sf = self.dds.obs["size_factors"].to_numpy(dtype=float)
        disp = self.dds.var["dispersions"].to_numpy(dtype=float)
        p = x.shape[1]
        if self.prior_LFC_var is not None:
            ridge = np.diag(1 / self.prior_LFC_var**2)
        else:
            ridge = np.eye(p) * RIDGE_NAT
        ok = np.isfinite(lfc).all(axis=1) & np.isfinite(disp)
        se = np.full(len(disp), np.nan)
        mu = np.maximum(sf[None, :] * np.exp(lfc[ok] @ x.T), self.dds.min_mu)
        w = mu / (1.0 + disp[ok, None] * mu)
        m = _cr_matrix(w, x)
        inv = np.linalg.inv(m + ridge)
        contrast = np.asarray(self.contrast_vector, dtype=float)
        hc = inv @ contrast
        se[ok] = np.sqrt(np.einsum("gi,gij,gj->g", hc, m, hc))
        estimate = lfc @ contrast
        lfc_null = np.log(2) * self.lfc_null
        if self.alt_hypothesis is not None:
            raise NotImplementedError("deseq2_exact: alternative hypotheses are not implemented; use engine 'pydeseq2'")
        with np.errstate(invalid="ignore", divide="ignore"):
            stat = (estimate - lfc_null) / se
        pvals = 2 * norm.sf(np.abs(stat))
        self.p_values = pd.Series(pvals, index=self.dds.var_names)
        self.statistics = pd.Series(stat, index=self.dds.var_names)
        self.SE = pd.Series(se, index=self.dds.var_names)
        if self.dds.refit_cooks and self.dds.var["replaced"].sum() > 0:
            self.SE.loc[self.dds.new_all_zeroes_genes] = 0.0
            self.statistics.loc[self.dds.new_all_zeroes_genes] = 0.0
            self.p_values.loc[self.dds.new_all_zeroes_genes] = 1.0
        self._zero_groups_to_null()

    def _zero_groups_to_null(self) -> None:
        if not isinstance(self.contrast, (list, tuple)):
            return
        variable, test, reference = self.contrast
        groups = self.dds.obs[variable].astype(str).to_numpy()
        in_groups = np.isin(groups, [str(test), str(reference)])
        counts = np.asarray(self.dds.X)
        zero = (counts[in_groups] == 0).all(axis=0) & self.dds.var["non_zero"].to_numpy()
        if zero.any():
            names = self.dds.var_names[zero]
            self.statistics.loc[names] = 0.0
            self.p_values.loc[names] = 1.0
            self._zero_lfc_genes = names

    def summary(self, **kwargs) -> None:
        """As :meth:`pydeseq2.ds.DeseqStats.summary`; genes with both compared groups all zero report LFC 0."""
        super().summary(**kwargs)
        names = getattr(self, "_zero_lfc_genes", None)
        if names is not None and len(names) and not self.shrunk_LFCs:
            self.results_df.loc[names, "log2FoldChange"] = 0.0

    def _independent_filtering(self) -> None:
        """Independent filtering as DESeq2's ``pvalueAdjustment``, with R's lowess (:func:`r_lowess`)."""
        if not hasattr(self, "p_values"):
            self.run_wald_test()
        base_mean = self.base_mean.to_numpy(dtype=float)
        pvalues = self.p_values.to_numpy(dtype=float)
        lower = float(np.mean(base_mean == 0))
        upper = 0.95 if lower < 0.95 else 1.0
        theta = np.linspace(lower, upper, 50)
        cutoffs = np.quantile(base_mean, theta)
        adjusted = np.full((len(base_mean), len(theta)), np.nan)
        for i, cutoff in enumerate(cutoffs):
            use = (base_mean >= cutoff) & ~np.isnan(pvalues)
            if use.any():
                adjusted[use, i] = false_discovery_control(pvalues[use], method="bh")
        with np.errstate(invalid="ignore"):
            num_rej = np.sum(adjusted < self.alpha, axis=0)
        fitted = r_lowess(theta, num_rej.astype(float), f=1 / 5)
        if num_rej.max() <= 10:
            j = 0
        else:
            residual = num_rej[num_rej > 0] - fitted[num_rej > 0] if (num_rej > 0).any() else np.zeros(1)
            threshold = fitted.max() - np.sqrt(np.mean(residual**2))
            above = np.flatnonzero(num_rej > threshold)
            j = int(above[0]) if above.size else 0
        self.filter_theta_ = float(theta[j])
        self.filter_threshold_ = float(cutoffs[j])
        self.padj = pd.Series(adjusted[:, j], index=self.dds.var_names)

    def lfc_shrink(self, coeff: str, adapt: bool = True) -> None:
        """LFC shrinkage with the apeglm prior, as ``lfcShrink(type='apeglm')``.

        The prior scale is apeglm's adaptive estimate from the MLEs and their standard
        errors (``priorVar``, at most 1). The posterior mode is searched for every gene with
        :func:`apeglm_map`; genes with all-zero counts stay NaN.
        """
        if coeff not in self.LFC.columns:
            raise KeyError(f"The coeff argument '{coeff}' should be one the LFC columns: {list(self.LFC.columns)}")
        coeff_idx = self.LFC.columns.get_loc(coeff)
        if not hasattr(self, "SE"):
            self.run_wald_test()
        prior_scale = 1.0
        if adapt:
            se = self.SE.to_numpy(dtype=float)
            lfc = self.LFC.iloc[:, coeff_idx].to_numpy(dtype=float)
            prior_var = apeglm_prior_variance(lfc, se)
            prior_scale = min(np.sqrt(prior_var), 1.0)
        self.prior_scale_ = prior_scale
        nz = self.dds.non_zero_idx
        x = self.design_matrix.to_numpy(dtype=float)
        y = np.asarray(self.dds.X[:, nz], dtype=float).T
        size = 1.0 / self.dds.var["dispersions"].to_numpy(dtype=float)[nz]
        offset = np.broadcast_to(np.log(self.dds.obs["size_factors"].to_numpy(dtype=float)), y.shape)
        beta, sd, converged = apeglm_map(y, x, size, offset, shrink=coeff_idx, prior_scale=prior_scale)
        names = self.dds.non_zero_genes
        self.LFC.loc[names, coeff] = beta[:, coeff_idx]
        self.SE = self.SE.copy()
        self.SE.loc[names] = sd[:, coeff_idx]
        zero = self.dds.var_names[~self.dds.var["non_zero"].to_numpy()]
        self.LFC.loc[zero, coeff] = np.nan
        self.SE.loc[zero] = np.nan
        self._LFC_shrink_converged = pd.Series(pd.array([pd.NA] * self.dds.n_vars, dtype="boolean"), index=self.dds.var_names)
        self._LFC_shrink_converged.loc[names] = converged
        if (~converged).any():
            log.info("apeglm shrinkage: %d genes did not converge", int((~converged).sum()))
        self.shrunk_LFCs = True
        if hasattr(self, "results_df"):
            self.results_df["log2FoldChange"] = self.LFC.iloc[:, coeff_idx] / np.log(2)
            self.results_df["lfcSE"] = self.SE / np.log(2)


#: Engines: name -> (dataset class, stats class).
ENGINES: dict[str, tuple[type[DeseqDataSet], type[DeseqStats]]] = {
    "deseq2_exact": (DESeq2ExactDataSet, DESeq2ExactStats),
    "pydeseq2": (DeseqDataSet, DeseqStats),
}


def engine_classes(engine: Literal["deseq2_exact", "pydeseq2"] | str) -> tuple[type[DeseqDataSet], type[DeseqStats]]:
    """Return the (dataset, stats) classes of a DE engine.

    Raises
    ------
    degsea.errors.InputError
        Unknown engine name.
    """
    if engine not in ENGINES:
        from degsea.errors import InputError

        raise InputError(
            "Unknown DE engine.",
            where="config 'de: engine'",
            found=repr(engine),
            allowed=", ".join(ENGINES),
            hint="'deseq2_exact' reproduces R's DESeq2; 'pydeseq2' is stock PyDESeq2.",
        )
    return ENGINES[engine]
