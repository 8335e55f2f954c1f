"""Likelihood-ratio tests of a full against a reduced design, as DESeq2's ``nbinomLRT``.

DESeq2 estimates dispersions with the full design, then fits both designs with those
dispersions and compares the log-likelihoods: statistic ``2 (logLik_full - logLik_reduced)``,
chi-square p-value with as many degrees of freedom as the designs differ in columns. Its
details, followed here:

* the log-likelihood of a row fitted by IRLS uses the unclipped fitted means; a row refitted
  by L-BFGS-B (``fitNbinomGLMsOptim``) uses the means clipped at ``minmu``;
* a reduced design ``~ 1`` is not fitted: the intercept is the log of the mean normalised
  count, as in ``fitNbinomGLMs``'s intercept-only shortcut;
* genes whose outlier counts were replaced are tested on the replaced counts with the
  dispersions of their refit (``refitWithoutOutliers``); genes left all zero by the
  replacement get no statistic (``results()`` reports them with p = 1).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import gammaln
from scipy.stats import chi2

from degsea.de.exact import seam
from degsea.de.exact.glm import fit_beta
from degsea.errors import InputError

log = logging.getLogger(__name__)


@dataclass
class LRTResult:
    """A likelihood-ratio test on every gene of a fitted dataset.

    Attributes
    ----------
    statistic, pvalue
        Per gene (index = the dataset's genes); NaN for genes that are all zero.
    df
        Degrees of freedom: columns of the full minus columns of the reduced design.
    full_columns, reduced_columns
        The two designs' column names.
    reduced_converged
        Per gene: did the reduced fit converge.
    """

    statistic: pd.Series
    pvalue: pd.Series
    df: int
    full_columns: tuple[str, ...]
    reduced_columns: tuple[str, ...]
    reduced_converged: pd.Series


def nb_log_likelihood(y: np.ndarray, mu: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Row sums of log NB(y; mean mu, dispersion alpha), as R's ``dnbinom(mu=, log=TRUE)``.

    A zero count contributes ``size * log(size / (size + mu))`` (0 when mu is 0).
    """
    size = 1.0 / np.asarray(alpha, dtype=float)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        count_term = np.where(y > 0, y * (np.log(mu) - np.log(size + mu)), 0.0)
    terms = (
        gammaln(y + size) - gammaln(size) - gammaln(y + 1.0) + size * (np.log(size) - np.log(size + mu)) + count_term
    )
    return terms.sum(axis=1)


def glm_log_likelihood(
    y: np.ndarray, size_factors: np.ndarray, x: np.ndarray, alpha: np.ndarray, *, min_mu: float, threads: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """DESeq2's ``fitNbinomGLMs(...)$logLike`` for a design ``x``; also the convergence flags.

    Returns
    -------
    tuple of numpy.ndarray
        ``(log_likelihood, converged)`` per gene.
    """
    sf = np.asarray(size_factors, dtype=float)
    if x.shape[1] == 1 and np.all(x == 1.0):
        mean = (y / sf).mean(axis=1)
        mu = mean[:, None] * sf[None, :]
        return nb_log_likelihood(y, mu, alpha), np.ones(y.shape[0], dtype=bool)
    fit = fit_beta(y, sf, x, alpha, min_mu=min_mu, threads=threads)
    mu = fit["mu"]
    optim = fit.get("optim")
    if optim is not None and optim.any():
        mu = mu.copy()
        mu[optim] = np.maximum(mu[optim], min_mu)
    return nb_log_likelihood(y, mu, alpha), fit["converged"]


def likelihood_ratio_test(dds, reduced_design: pd.DataFrame) -> LRTResult:  # noqa: ANN001
    """DESeq2's ``nbinomLRT`` (``DESeq(test="LRT", reduced=...)``) on a fitted dataset.

    Parameters
    ----------
    dds
        A fitted :class:`~degsea.de.exact.dataset.DESeq2ExactDataSet` (``deseq2()`` run, with
        the full design).
    reduced_design
        Samples x columns design matrix of the reduced model (same sample order), e.g.
        ``FormulaicContrasts(frame, "~ sex").design_matrix``.

    Raises
    ------
    InputError
        The reduced design is not nested in the full one (its columns are not combinations
        of the full design's) or has as many columns.
    """
    full = dds.obsm[seam.DESIGN_MATRIX]
    x_full = full.to_numpy(dtype=float)
    x_red = np.asarray(reduced_design, dtype=float)
    df = x_full.shape[1] - x_red.shape[1]
    if df < 1 or np.linalg.matrix_rank(np.hstack([x_full, x_red])) > np.linalg.matrix_rank(x_full):
        raise InputError(
            "The reduced design of a likelihood-ratio test must be nested in the full design, with fewer coefficients.",
            where="config LRT",
            found=f"full {x_full.shape[1]} columns, reduced {x_red.shape[1]}",
            allowed="a reduced design nested in the full one, with fewer terms",
            hint="e.g. full '~ sex + time', reduced '~ sex' tests time.",
        )
    nz = np.asarray(dds.non_zero_idx)
    y = np.asarray(dds.X[:, nz], dtype=float).T.copy()
    names = dds.var_names[nz]
    keep = np.ones(len(nz), dtype=bool)
    refitted = dds.var.get(seam.REFITTED)
    if refitted is not None and bool(refitted.any()):
        replaced = dds.counts_to_refit
        position = pd.Index(names).get_indexer(replaced.var_names)
        y[position] = np.asarray(replaced.X, dtype=float).T
    new_zero = getattr(dds, "new_all_zeroes_genes", None)
    if new_zero is not None and len(new_zero):
        keep &= ~pd.Index(names).isin(new_zero)
    alpha = dds.var[seam.DISPERSIONS].to_numpy(dtype=float)[nz]
    sf = dds.obs[seam.SIZE_FACTORS].to_numpy(dtype=float)
    threads = max(int(getattr(dds.inference, "n_cpus", 1) or 1), 1)
    stat = np.full(dds.n_vars, np.nan)
    pvalue = np.full(dds.n_vars, np.nan)
    converged = pd.array([pd.NA] * dds.n_vars, dtype="boolean")
    rows = np.flatnonzero(keep)
    ll_full, _ = glm_log_likelihood(y[rows], sf, x_full, alpha[rows], min_mu=dds.min_mu, threads=threads)
    ll_red, conv = glm_log_likelihood(y[rows], sf, x_red, alpha[rows], min_mu=dds.min_mu, threads=threads)
    stat[nz[rows]] = 2.0 * (ll_full - ll_red)
    pvalue[nz[rows]] = chi2.sf(stat[nz[rows]], df)
    converged[nz[rows]] = conv
    index = dds.var_names
    columns = tuple(getattr(reduced_design, "columns", [f"x{i}" for i in range(x_red.shape[1])]))
    log.info("LRT: %d degrees of freedom, %d genes tested", df, rows.size)
    return LRTResult(
        statistic=pd.Series(stat, index=index),
        pvalue=pd.Series(pvalue, index=index),
        df=df,
        full_columns=tuple(full.columns),
        reduced_columns=columns,
        reduced_converged=pd.Series(converged, index=index),
    )


def reduced_design(dds, formula: str) -> pd.DataFrame:  # noqa: ANN001
    """The design matrix of ``formula`` on the dataset's samples, with the fit's reference levels.

    Parameters
    ----------
    dds
        The fitted dataset (its ``obs`` holds the design variables, categoricals with the
        baseline level first).
    formula
        The reduced design, e.g. ``"~ sex"`` or ``"~ 1"``.
    """
    from formulaic_contrasts import FormulaicContrasts  # noqa: PLC0415

    matrix = FormulaicContrasts(dds.obs, formula).design_matrix
    matrix.index = dds.obs_names
    return matrix
