"""The GSEA running sum of one gene set along a ranked list, with its enrichment score and leading edge."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class RunningSum:
    """The GSEA running-sum statistic of one gene set along a ranked list.

    Attributes
    ----------
    metric
        The rank metric, highest first.
    hits
        Positions (0-based) of the set's genes in the ranking.
    curve
        Running enrichment score after each position.
    es
        Enrichment score: the curve's largest deviation from zero.
    peak
        Position where the curve reaches ``es``.
    leading_edge
        Positions of the leading-edge genes (hits up to the peak for ES > 0, from it for ES < 0).
    """

    metric: np.ndarray
    hits: np.ndarray
    curve: np.ndarray
    es: float
    peak: int
    leading_edge: np.ndarray


def running_sum(ranks: pd.Series, genes: Iterable[str], *, weight: float = 1.0) -> RunningSum:
    """Compute the weighted Kolmogorov-Smirnov running sum of Subramanian et al. (2005).

    Parameters
    ----------
    ranks
        Rank metric indexed by gene, highest first (``results/gsea/<contrast>.ranks.tsv``).
    genes
        The set's members; those not in ``ranks`` are ignored.
    weight
        Exponent p of the metric in the hit increments (1 = classic weighted GSEA).

    Raises
    ------
    ValueError
        No member of the set is in ``ranks``.
    """
    metric = ranks.to_numpy(dtype=float)
    members = set(genes)
    is_hit = np.fromiter((g in members for g in ranks.index), dtype=bool, count=len(ranks))
    if not is_hit.any():
        raise ValueError("no gene of the set is in the ranking")
    weights = np.abs(metric) ** weight
    hit_total = weights[is_hit].sum()
    up = np.where(is_hit, weights / hit_total if hit_total > 0 else 1.0 / is_hit.sum(), 0.0)
    down = np.where(is_hit, 0.0, 1.0 / max(1, (~is_hit).sum()))
    curve = np.cumsum(up - down)
    peak = int(np.argmax(np.abs(curve)))
    es = float(curve[peak])
    hits = np.flatnonzero(is_hit)
    leading = hits[hits <= peak] if es > 0 else hits[hits >= peak]
    return RunningSum(metric=metric, hits=hits, curve=curve, es=es, peak=peak, leading_edge=leading)
