"""apeglm's shrinkage (``method='nbinomCR'``): its prior scale and its search path, all genes at once."""

from __future__ import annotations

import logging

import numpy as np
from scipy.optimize import brentq

from degsea.de.exact.glm import cr_matrix, map_blocks

log = logging.getLogger(__name__)


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
    hess = cr_matrix(wts, x)
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
    threads: int = 1,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Posterior mode and SD of apeglm's model for all genes (apeglm ``method='nbinomCR'``).

    apeglm's own path is replayed for every gene, because with a small prior scale the
    posterior can have two modes (or long flat stretches) and apeglm reports where its
    search stops: L-BFGS (:func:`_lbfgs_map`, LBFGS++ with its strong-Wolfe line search) on
    the scaled objective from (0.1, -0.1, ...) and again from (-0.1, 0.1, ...). Where both
    runs end without error within 0.01 of each other and the Hessian there gives positive
    variances, the first run's end point is the answer; otherwise apeglm re-optimises the
    unscaled objective with R's BFGS (:func:`~degsea.de.exact.apeglm_kernel.bfgs_genes`) from
    the first run's end point, which is often not a mode but a stop on a flat stretch.
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
    threads
        Threads over gene blocks (the answer does not depend on them).

    Returns
    -------
    tuple
        ``beta`` (G x p, natural log), ``sd`` (G x p), ``converged`` (G,).
    """
    from degsea.de.exact import apeglm_kernel  # numba: imported by the jobs that shrink, not by every DE job

    p = x.shape[1]
    sigma2, s2 = no_shrink_scale**2, prior_scale**2
    y, offset = np.ascontiguousarray(y, dtype=float), np.ascontiguousarray(offset, dtype=float)
    size = np.ascontiguousarray(size, dtype=float)
    start = 0.1 * (-1.0) ** np.arange(p)
    beta, ok1 = _lbfgs_map(y, x, size, offset, start, sigma2, s2, shrink, threads=threads)
    other, ok2 = _lbfgs_map(y, x, size, offset, -start, sigma2, s2, shrink, threads=threads)
    agree = ok1 & ok2 & (np.abs(beta - other).max(axis=1) <= 0.01)
    converged = agree.copy()
    sd = _laplace_sd(beta, x, y, size, offset, sigma2, s2, shrink)
    # apeglm re-optimises where the runs differ or the Hessian gives a non-positive variance
    redo = np.flatnonzero(~agree | np.isnan(sd).any(axis=1))
    if redo.size:
        log.debug("apeglm MAP: %d genes re-optimised with R's BFGS from the first L-BFGS end point", redo.size)
        again = beta[redo]
        converged[redo] = apeglm_kernel.bfgs_genes(y[redo], x, size[redo], offset[redo], again, sigma2, s2, shrink)
        beta[redo] = again
        sd[redo] = _laplace_sd(beta[redo], x, y[redo], size[redo], offset[redo], sigma2, s2, shrink)
    return beta, sd, converged


#: Largest genes x samples block of the objective evaluated for all genes at once (the L-BFGS
#: scale at zero, the Hessians of the Laplace SDs): each evaluation makes about six temporaries
#: of that shape, 2.9 GB at 2,000 samples x 30,000 genes in one piece. Genes are independent, so
#: blocks give the same numbers; studies below 16.8 M counts (the demo: 270,000) stay one block.
EVAL_BLOCK_ELEMENTS = 1 << 24


def _eval_blocks(n_genes: int, n_samples: int) -> list[slice]:
    """Consecutive gene blocks of at most :data:`EVAL_BLOCK_ELEMENTS` values (one block when there are no genes)."""
    size = max(EVAL_BLOCK_ELEMENTS // max(n_samples, 1), 1)
    return [slice(i, min(i + size, n_genes)) for i in range(0, n_genes, size)] or [slice(0, 0)]


def _laplace_sd(beta, x, y, size, offset, sigma2, s2, shrink) -> np.ndarray:
    """Posterior SDs from the exact Hessian at ``beta`` (NaN where a variance is not positive)."""
    hess = np.concatenate(
        [_apeglm_objective(beta[r], x, y[r], size[r], offset[r], sigma2, s2, shrink)[2] for r in _eval_blocks(*y.shape)]
    )
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


def _lbfgs_map(y, x, size, offset, start, sigma2, s2, shrink, *, threads: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """apeglm's C++ step for all genes: L-BFGS on ``f / c + 10`` per gene, c = max(f(0), 1).

    Follows RcppNumerical's ``optim_lbfgs(maxit=300, eps_f=1e-8, eps_g=1e-8)`` as built on
    LBFGS++ 0.2 or newer (:func:`~degsea.de.exact.optim.lbfgspp`, compiled per gene as
    :func:`~degsea.de.exact.apeglm_kernel.lbfgs_genes`), from ``start`` (p,) for every gene, gene
    blocks in ``threads`` threads. Returns the end points (G x p) and whether each search ended
    without an error (G,).
    """
    from degsea.de.exact import apeglm_kernel

    zero_value = [
        _apeglm_value_grad(np.zeros((r.stop - r.start, x.shape[1])), x, y[r], size[r], offset[r], sigma2, s2, shrink)[0]
        for r in _eval_blocks(*y.shape)
    ]
    cnst = np.maximum(np.concatenate(zero_value), 1.0)
    x, start = np.ascontiguousarray(x, dtype=float), np.asarray(start, dtype=float)

    def block(rows: slice) -> tuple[np.ndarray, np.ndarray]:
        return apeglm_kernel.lbfgs_genes(y[rows], x, size[rows], offset[rows], start, sigma2, s2, shrink, cnst[rows])

    parts = map_blocks(block, y.shape[0], y.shape[1], threads)
    return np.concatenate([b for b, _ in parts]), np.concatenate([ok for _, ok in parts])


def apeglm_prior_variance(lfc: np.ndarray, se: np.ndarray, *, min_var: float = 1e-4, max_var: float = 400.0) -> float:
    """apeglm's ``priorVar``: the Efron-Morris estimate of the variance of true effects (natural log)."""
    keep = np.isfinite(lfc) & np.isfinite(se)
    s, d = lfc[keep] ** 2, se[keep] ** 2

    def objective(a: float) -> float:
        i = 1.0 / (2.0 * (a + d) ** 2)
        return float(np.sum((s - d) * i) / np.sum(i) - a)

    if objective(min_var) < 0:
        return min_var
    return float(brentq(objective, min_var, max_var))
