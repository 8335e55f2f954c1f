"""Ranking genes for preranked GSEA."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from degsea.errors import InputError

log = logging.getLogger(__name__)

#: Rank metrics: the name in config -> what it is.
METRICS = {
    "stat": "Wald statistic (log2FoldChange / lfcSE)",
    "log2FoldChange": "maximum-likelihood log2 fold change",
    "log2FoldChange_shrunk": "shrunken log2 fold change",
    "signed_log10_pvalue": "sign(log2FoldChange) x -log10(pvalue)",
}


def metric_values(table: pd.DataFrame, metric: str, *, source: str | None = None) -> pd.Series:
    """Return the rank metric for every row of a DE result table (NaN where undefined).

    ``source`` (the DE table's file) is named in messages.
    """
    if metric not in METRICS:
        raise InputError(
            "Unknown rank metric.",
            file=source,
            where="config 'gsea: rank_by'",
            found=repr(metric),
            allowed=", ".join(METRICS),
            hint="'stat' (the Wald statistic) is the usual choice.",
        )
    if metric == "signed_log10_pvalue":
        pvalues = table["pvalue"].clip(lower=np.finfo(float).tiny)
        return np.sign(table["log2FoldChange"]) * -np.log10(pvalues)
    return table[metric].astype(float)


def rank_genes(table: pd.DataFrame, *, metric: str = "stat", source: str | None = None) -> pd.Series:
    """Rank genes by a metric of a DE result table, one score per gene symbol.

    Genes without a value (filtered by Cook's distance, all-zero genes) are dropped and
    counted in the log. When several gene IDs share a symbol, the one with the largest
    absolute score is kept. Ties are broken by symbol, so the order is deterministic.

    Parameters
    ----------
    table
        A DE result table with ``gene_id``, ``symbol`` and the metric's columns.
    metric
        One of :data:`METRICS`.
    source
        The DE table's file, for messages.

    Returns
    -------
    pandas.Series
        Scores indexed by symbol, highest first.
    """
    scores = pd.DataFrame(
        {
            "symbol": table["symbol"].astype(str),
            "gene_id": table["gene_id"].astype(str),
            "score": metric_values(table, metric, source=source),
        }
    )
    missing = scores["score"].isna() | ~np.isfinite(scores["score"])
    if missing.any():
        log.info("ranking by %s: dropped %d of %d genes without a value", metric, int(missing.sum()), len(scores))
    scores = scores[~missing]
    scores = scores.assign(magnitude=scores["score"].abs()).sort_values(
        ["symbol", "magnitude", "gene_id"], ascending=[True, False, True], kind="mergesort"
    )
    duplicated = scores["symbol"].duplicated()
    if duplicated.any():
        log.info(
            "ranking: %d gene IDs share a symbol with a stronger-scoring ID and were dropped", int(duplicated.sum())
        )
    scores = scores[~duplicated].sort_values(["score", "symbol"], ascending=[False, True], kind="mergesort")
    if scores.empty:
        raise InputError(
            "No gene has a value to rank by.",
            file=source,
            found=f"metric '{metric}' is missing for every gene",
            allowed="a DE table with at least one tested gene",
            hint="Check the DE results: were all genes filtered?",
        )
    return pd.Series(
        scores["score"].to_numpy(), index=pd.Index(scores["symbol"].to_numpy(), name="symbol"), name=metric
    )
