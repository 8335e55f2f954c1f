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
