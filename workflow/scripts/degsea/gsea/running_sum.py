"""The GSEA running sum of one gene set along a ranked list, its enrichment score and leading edge.

The one implementation of both: the engine's statistics (:mod:`degsea.gsea.engine`) take ES and
the leading edge from :func:`walk`, :func:`extreme` and :func:`leading_edge`, and the
running-enrichment figures draw :func:`running_sum`, which uses the same three functions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd


def walk(positions: np.ndarray, weights: np.ndarray, n_genes: int) -> tuple[np.ndarray, np.ndarray]:
    """Running sum just before (``bottoms``) and just after (``tops``) every hit.

    ``positions`` (..., k) are sorted hit positions (0-based) in a ranking of ``n_genes``,
    ``weights`` their ``|r|^p``. Hits step up by their share of the weights, misses step down
    by ``1 / (n_genes - k)`` (Subramanian et al. 2005). A set whose weights are all zero steps
    up uniformly (fgsea's convention).
    """
    k = positions.shape[-1]
    total = weights.sum(axis=-1, keepdims=True)
    zero = total == 0
    if zero.any():
        weights = np.where(zero, 1.0, weights)
        total = np.where(zero, float(k), total)
    step = weights / total
    tops = np.cumsum(step, axis=-1) - (positions - np.arange(k)) / (n_genes - k)
    return tops - step, tops


def extreme(bottoms: np.ndarray, tops: np.ndarray) -> np.ndarray:
    """The enrichment score: the signed largest deviation, the first one on ties (gseapy's ``fast_random_walk``)."""
    values = np.empty(bottoms.shape[:-1] + (2 * bottoms.shape[-1],))
    values[..., 0::2] = bottoms
    values[..., 1::2] = tops
    index = np.abs(values).argmax(axis=-1)
    return np.take_along_axis(values, index[..., None], axis=-1)[..., 0]


def leading_edge(positions: np.ndarray, bottoms: np.ndarray, tops: np.ndarray, es: float) -> np.ndarray:
    """Positions of the leading-edge hits of one set (ascending): the hits up to the running sum's
    peak (ES >= 0), or from its trough on (ES < 0)."""
    if es >= 0:
        return positions[: int(np.argmax(tops)) + 1]
    return positions[int(np.argmin(bottoms)) :]


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
    n = len(metric)
    hits = np.flatnonzero(is_hit)
    weights = np.abs(metric) ** weight if weight != 0 else np.ones(n)
    bottoms, tops = walk(hits, weights[hits], n)
    es = float(extreme(bottoms, tops))
    leading = leading_edge(hits, bottoms, tops, es)
    peak = int(leading[-1]) if es >= 0 else max(int(leading[0]) - 1, 0)
    # the curve after every position, for drawing: the walk's steps at hits, -1 / (N - k) elsewhere
    step = np.full(n, -1.0 / max(1, n - len(hits)))
    step[hits] = tops - bottoms
    curve = np.cumsum(step)
    return RunningSum(metric=metric, hits=hits, curve=curve, es=es, peak=peak, leading_edge=leading)
