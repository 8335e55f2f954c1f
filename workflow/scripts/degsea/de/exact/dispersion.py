"""DESeq2's dispersion search (``fitDisp``) and its grid fallback (``fitDispGrid``), all genes at once."""

from __future__ import annotations

import numpy as np
from scipy.special import digamma, gammaln

from degsea.de.exact.glm import cr_matrix, map_blocks

#: DESeq2's fitDisp settings (estimateDispersionsGeneEst / estimateDispersionsMAP defaults).
DISP_TOL = 1e-6
DISP_MAXIT = 100
DISP_KAPPA0 = 1.0
DISP_ARMIJO_EPS = 1e-4


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
        gammaln(y + alpha_neg1) - gammaln(alpha_neg1) - y * np.log(mu + alpha_neg1) - alpha_neg1 * np.log1p(mu * alpha)
    ).sum(axis=1)
    w = 1.0 / (1.0 / mu + alpha)
    _, logdet = np.linalg.slogdet(cr_matrix(w, x))
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
    ll = (
        alpha_neg1**2
        * (
            digamma(alpha_neg1)
            + np.log1p(mu * alpha)
            - mu * alpha / (1.0 + mu * alpha)
            - digamma(y + alpha_neg1)
            + y / (mu + alpha_neg1)
        )
    ).sum(axis=1)
    w = 1.0 / (1.0 / mu + alpha)
    b = cr_matrix(w, x)
    db = cr_matrix(-(w**2), x)
    cr = -0.5 * np.einsum("gjk,gkj->g", np.linalg.inv(b), db)
    out = (ll + cr) * alpha1
    if prior_mean is not None:
        out = out - (log_alpha - prior_mean) / prior_var
    return out


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
        Gene blocks fitted in parallel (:func:`map_blocks`).

    Returns
    -------
    dict
        ``log_alpha``, ``iter``, ``initial_lp``, ``last_lp`` (arrays over genes).
    """
    log_alpha = np.asarray(log_alpha, dtype=float)
    pm = None if prior_mean is None else np.asarray(prior_mean, dtype=float)

    def block(rows: slice) -> dict[str, np.ndarray]:
        return _fit_dispersions_block(
            y[rows],
            mu[rows],
            x,
            log_alpha[rows],
            None if pm is None else pm[rows],
            prior_var,
            min_log_alpha=min_log_alpha,
            tol=tol,
            maxit=maxit,
            kappa_0=kappa_0,
        )

    parts = map_blocks(block, y.shape[0], y.shape[1], threads)
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
