"""What the figures of gene-set enrichment need: running sums, set selections, per-sample scores."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

#: Per-sample scoring methods (config ``plots: scores``).
SCORE_METHODS = {
    "ssgsea": "single-sample GSEA (Barbie et al. 2009) of VST values with gseapy, rank-normalised",
    "zscore": "mean z-score of VST values of the set's genes (Lee et al. 2008)",
}


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


def select_sets(summary: pd.DataFrame, *, focus: Sequence[str] = (), top_n: int = 10) -> list[str]:
    """Focus sets, then the ``top_n`` other sets with the lowest FDR in any contrast.

    Parameters
    ----------
    summary
        ``results/gsea/summary.tsv``: ``set`` and ``NES_<contrast>``, ``FDR_<contrast>`` columns.
    focus
        Sets always shown, in this order (those not in the summary are skipped).
    top_n
        Number of further sets; ties are broken by the largest absolute NES, then name.
    """
    fdr = summary.filter(like="FDR_").min(axis=1, skipna=True).fillna(1.0)
    nes = summary.filter(like="NES_").abs().max(axis=1, skipna=True).fillna(0.0)
    ranked = pd.DataFrame({"set": summary["set"].astype(str), "fdr": fdr, "nes": -nes})
    ranked = ranked.sort_values(["fdr", "nes", "set"], kind="mergesort")
    present = set(ranked["set"])
    chosen = [s for s in focus if s in present]
    others = [s for s in ranked["set"] if s not in chosen][: max(0, top_n)]
    return chosen + others


def expression_by_symbol(expression: pd.DataFrame) -> pd.DataFrame:
    """Genes x samples values indexed by symbol (``symbol`` column); for a symbol shared by
    several gene IDs the most variable one is kept."""
    values = expression.drop(columns="symbol")
    order = pd.DataFrame({"symbol": expression["symbol"].astype(str), "var": -values.var(axis=1), "id": expression.index})
    keep = order.sort_values(["symbol", "var", "id"], kind="mergesort").drop_duplicates("symbol").index
    out = values.loc[keep]
    out.index = expression.loc[keep, "symbol"].astype(str).to_numpy()
    out.index.name = "symbol"
    return out.sort_index()


def sample_scores(
    expression: pd.DataFrame,
    gene_sets: Mapping[str, Sequence[str]],
    *,
    method: str = "ssgsea",
    min_size: int = 5,
    weight: float = 0.25,
    threads: int = 1,
) -> pd.DataFrame:
    """Score every sample for every gene set.

    Parameters
    ----------
    expression
        Genes x samples values indexed by symbol (VST, see :func:`expression_by_symbol`).
    gene_sets
        Set name -> member symbols.
    method
        ``"ssgsea"``: gseapy's single-sample GSEA (rank-normalised scores, Barbie et al.
        2009, weight 0.25 as in GSVA/ssGSEA defaults); ``"zscore"``: mean of the
        gene-wise z-scores of the set's genes (Lee et al. 2008).
    min_size
        Sets with fewer genes in the data get no score.
    weight
        ssGSEA weight on the ranks.
    threads
        Processes for gseapy.

    Returns
    -------
    pandas.DataFrame
        Long format: ``sample``, ``set``, ``genes`` (set members in the data), ``score``;
        sorted by set (in ``gene_sets`` order) then sample (in column order).
    """
    if method not in SCORE_METHODS:
        raise ValueError(f"unknown score method {method!r}; one of {', '.join(SCORE_METHODS)}")
    present = {name: [g for g in dict.fromkeys(genes) if g in expression.index] for name, genes in gene_sets.items()}
    usable = {name: genes for name, genes in present.items() if len(genes) >= min_size}
    for name in set(present) - set(usable):
        log.warning("set %s has %d genes in the data (< %d): not scored", name, len(present[name]), min_size)
    samples = list(expression.columns)
    if method == "zscore":
        from degsea.qc import zscore_rows

        z = zscore_rows(expression)
        wide = pd.DataFrame({name: z.loc[genes].mean(axis=0) for name, genes in usable.items()}, index=samples)
    else:
        import gseapy

        result = gseapy.ssgsea(
            data=expression,
            gene_sets={name: list(genes) for name, genes in usable.items()},
            outdir=None,
            sample_norm_method="rank",
            min_size=min_size,
            max_size=max(len(g) for g in usable.values()) if usable else 500,
            weight=weight,
            permutation_num=0,
            no_plot=True,
            threads=threads,
            verbose=False,
        )
        raw = result.res2d
        wide = raw.pivot(index="Name", columns="Term", values="NES").astype(float).reindex(index=samples)
    rows = [
        {"sample": sample, "set": name, "genes": len(usable[name]), "score": float(wide.loc[sample, name])}
        for name in usable
        for sample in samples
    ]
    return pd.DataFrame(rows, columns=["sample", "set", "genes", "score"])


def file_slug(name: str) -> str:
    """A file-name-safe form of a gene-set name (letters, digits, ``_``, ``-``, ``.``)."""
    import re

    slug = re.sub(r"[^A-Za-z0-9_.\-]+", "_", name).strip("._")
    return slug or "set"
