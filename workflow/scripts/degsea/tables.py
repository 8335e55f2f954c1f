"""Neutral numeric helpers on tables shared by several roles (gene-set scores, figures, report pages).

Imports nothing from degsea.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def zscore_rows(frame: pd.DataFrame, *, within: Sequence[str] | None = None) -> pd.DataFrame:
    """Centre and scale every row (gene) to mean 0, SD 1; constant rows become 0.

    With ``within`` (columns of ``frame``), the mean and SD come from those columns only and
    every column is put on that scale (e.g. a contrast's two groups, the other groups beside them).
    """
    values = frame.to_numpy(dtype=float)
    basis = frame.loc[:, list(within)].to_numpy(dtype=float) if within is not None else values
    sd = basis.std(axis=1, ddof=1, keepdims=True)
    sd[~np.isfinite(sd) | (sd == 0)] = 1.0
    return pd.DataFrame((values - basis.mean(axis=1, keepdims=True)) / sd, index=frame.index, columns=frame.columns)


def neg_log10_pvalues(table: pd.DataFrame) -> np.ndarray:
    """-log10 p-values without underflow: from the Wald statistic (two-sided normal) where it is
    given, as PyDESeq2 computes the p-value, otherwise from the ``pvalue`` column."""
    from scipy.special import log_ndtr  # what scipy.stats.norm.logsf(x) computes, log_ndtr(-x), without its import

    stat = table["stat"].astype(float).to_numpy() if "stat" in table else np.full(len(table), np.nan)
    exact = -(log_ndtr(-np.abs(stat)) + np.log(2.0)) / np.log(10.0)
    fallback = -np.log10(table["pvalue"].astype(float).clip(lower=np.finfo(float).tiny).to_numpy())
    return np.where(np.isfinite(exact), exact, fallback)


def bh_adjust(pvalues: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (NaN stays NaN and is not counted).

    Here rather than in the GSEA engine, so that the jobs that adjust p-values (ORA, collection
    scores, summaries) do not import the engine's numba kernels.
    """
    pvalues = np.asarray(pvalues, dtype=float)
    out = np.full(pvalues.shape, np.nan)
    ok = np.flatnonzero(~np.isnan(pvalues))
    if ok.size == 0:
        return out
    order = ok[np.argsort(pvalues[ok], kind="stable")]
    scaled = pvalues[order] * ok.size / np.arange(1, ok.size + 1)
    out[order] = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    return out
