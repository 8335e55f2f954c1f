"""DESeq2's dispersion trend (``parametricDispersionFit``) and simulated prior variance."""

from __future__ import annotations

import math

import numpy as np

from degsea.de.exact.r_random import RStream
from degsea.de.exact.rcompat import loess_quadratic, r_hist_density, r_seq

#: Seed of the prior-variance simulation (DESeq2 uses set.seed(2)).
PRIOR_VAR_SEED = 2


class TrendFitError(RuntimeError):
    """The parametric dispersion trend could not be fitted (DESeq2 then uses a local fit)."""


def _gamma_identity_glm(
    y: np.ndarray, x: np.ndarray, start: np.ndarray, *, epsilon: float = 1e-8, maxit: int = 25
) -> tuple[np.ndarray, bool]:
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
    obs_density = r_hist_density(obs, breaks)
    grid = r_seq(0.0, 8.0, 200)
    kl = np.empty(len(grid))
    for i, v in enumerate(grid):
        sim = np.log(stream.rchisq(10_000, df)) + stream.rnorm(10_000, 0.0, np.sqrt(v)) - np.log(df)
        sim_density = r_hist_density(sim[(sim > breaks[0]) & (sim < breaks[-1])], breaks)
        z = np.concatenate([obs_density, sim_density])
        small = z[z > 0].min()
        kl[i] = math.fsum(obs_density * (np.log(obs_density + small) - np.log(sim_density + small)))
    fine = r_seq(0.0, 8.0, 1000)
    smooth = loess_quadratic(grid, kl, fine, span=0.2)
    return float(max(fine[np.argmin(smooth)], 0.25))
