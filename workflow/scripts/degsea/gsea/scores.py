"""Per-sample gene-set scores of expression values: single-sample GSEA (gseapy) or mean z-scores."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import pandas as pd

from degsea.tables import zscore_rows

log = logging.getLogger(__name__)

#: Per-sample scoring methods (config ``plots: scores``).
SCORE_METHODS = {
    "ssgsea": "single-sample GSEA (Barbie et al. 2009) of VST values with gseapy, rank-normalised",
    "zscore": "mean z-score of VST values of the set's genes (Lee et al. 2008)",
}


def expression_by_symbol(expression: pd.DataFrame) -> pd.DataFrame:
    """Genes x samples values indexed by symbol (``symbol`` column); for a symbol shared by
    several gene IDs the most variable one is kept."""
    # Per block of genes, and the kept rows taken before the symbol column is dropped: a copy of
    # all values, or var()'s temporary as large as its input, would be GiBs at cohort size.
    numeric = expression.columns != "symbol"
    blocks = range(0, max(len(expression), 1), 2048)
    variance = pd.concat([expression.iloc[i : i + 2048, numeric].var(axis=1) for i in blocks])
    order = pd.DataFrame({"symbol": expression["symbol"].astype(str), "var": -variance, "id": expression.index})
    keep = order.sort_values(["symbol", "var", "id"], kind="mergesort").drop_duplicates("symbol").index
    out = expression.loc[keep]
    out.index = out.pop("symbol").astype(str).to_numpy()
    out.index.name = "symbol"
    return out if out.index.is_monotonic_increasing else out.sort_index()  # sorted already: no copy


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
        z = zscore_rows(expression)
        wide = pd.DataFrame({name: z.loc[genes].mean(axis=0) for name, genes in usable.items()}, index=samples)
    else:
        wide = gseapy_scores(expression, usable, method="ssgsea", weight=weight, threads=threads)
    rows = [
        {"sample": sample, "set": name, "genes": len(usable[name]), "score": float(wide.loc[sample, name])}
        for name in usable
        for sample in samples
    ]
    return pd.DataFrame(rows, columns=["sample", "set", "genes", "score"])


def gseapy_scores(
    expression: pd.DataFrame,
    gene_sets: Mapping[str, Sequence[str]],
    *,
    method: str = "ssgsea",
    weight: float = 0.25,
    threads: int = 1,
    kcdf: str | None = "Gaussian",
) -> pd.DataFrame:
    """gseapy's per-sample scores, samples (in column order) x sets (in ``gene_sets`` order).

    Parameters
    ----------
    expression
        Genes x samples values indexed by symbol.
    gene_sets
        Set name -> member symbols, every one in ``expression`` (the caller applies size limits).
    method
        ``"ssgsea"``: ``gseapy.ssgsea`` (rank-normalised NES, ``weight`` on the ranks);
        ``"gsva"``: ``gseapy.gsva`` (Gaussian kernel, max-minus-min ES; ``weight`` is not used).
    threads
        Processes for gseapy.
    kcdf
        GSVA only: ``"Gaussian"`` (a kernel estimate of each gene's CDF across the samples,
        O(samples^2) per gene) or None (the samples' direct empirical CDF, O(samples log samples)).
    """
    import gseapy

    sets = {name: list(genes) for name, genes in gene_sets.items()}
    sizes = [len(g) for g in sets.values()]
    options = {
        "data": expression,
        "gene_sets": sets,
        "outdir": None,
        "min_size": min(sizes, default=1),
        "max_size": max(sizes, default=500),
        "threads": threads,
        "verbose": False,
    }
    if method == "gsva":
        raw, value = gseapy.gsva(kcdf=kcdf, mx_diff=True, **options).res2d, "ES"
    else:
        raw = gseapy.ssgsea(sample_norm_method="rank", weight=weight, permutation_num=0, no_plot=True, **options).res2d
        value = "NES"
    wide = raw.pivot(index="Name", columns="Term", values=value).astype(float)
    return wide.reindex(index=list(expression.columns), columns=[n for n in sets if n in wide.columns])
