"""DE genes shared across studies.

For each comparison the studies sheet names, the genes DE in two or more of its studies.

Genes are matched across studies by symbol (by gene ID where a gene has no symbol), so studies
annotated with different gene IDs of one species still match.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

SHARED_COLUMNS = ["comparison", "gene", "n_studies", "studies", "direction"]
COUNT_COLUMNS = ["comparison", "studies", "n_studies", "genes"]


def de_genes(table: pd.DataFrame, *, padj: float, lfc: float) -> pd.DataFrame:
    """The DE genes of one contrast's table, by gene name: ``log2FoldChange`` and ``padj``.

    A gene is DE when ``padj < padj`` and ``|log2FoldChange| >= lfc``. Its name is the symbol, or
    the gene ID where the symbol is empty; of two genes with one symbol the smaller padj is kept.
    """
    symbol = (
        table["symbol"].astype("string") if "symbol" in table else pd.Series(pd.NA, index=table.index, dtype="string")
    )
    name = symbol.where(symbol.notna() & (symbol.str.strip() != ""), table["gene_id"].astype("string"))
    hits = table.assign(gene=name)
    hits = hits[(hits["padj"] < padj) & (hits["log2FoldChange"].abs() >= lfc)]
    hits = hits.sort_values("padj", kind="mergesort").drop_duplicates("gene")
    return hits.set_index("gene")[["log2FoldChange", "padj"]]


def shared_de_genes(
    tables: Mapping[str, Mapping[str, pd.DataFrame]], *, padj: float, lfc: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """DE genes shared across studies, per comparison.

    Parameters
    ----------
    tables
        Comparison -> study -> that study's DE table of the comparison's contrast
        (``results/{study}/de/{contrast}.tsv``).
    padj, lfc
        What counts as DE (:func:`de_genes`).

    Returns
    -------
    shared : pandas.DataFrame
        One row per comparison and gene DE in two or more of its studies: :data:`SHARED_COLUMNS`
        (``studies`` ';'-joined in sheet order; ``direction`` up, down or mixed), then
        ``log2FC_<study>`` and ``padj_<study>`` for every study of the run (empty where the
        study is not in the comparison or the gene is not DE there). Sorted by comparison, most
        studies first, then gene.
    counts : pandas.DataFrame
        UpSet-style counts: per comparison and combination of its studies, the genes DE in
        exactly those studies (:data:`COUNT_COLUMNS`), most genes first.
    """
    all_studies = list(dict.fromkeys(s for members in tables.values() for s in members))
    shared_parts, count_rows = [], []
    for comparison, members in tables.items():
        hits = {study: de_genes(table, padj=padj, lfc=lfc) for study, table in members.items()}
        lfcs = pd.concat({s: h["log2FoldChange"] for s, h in hits.items()}, axis=1)
        pvals = pd.concat({s: h["padj"] for s, h in hits.items()}, axis=1)
        present = lfcs.notna()
        combos = present.apply(lambda row: ";".join(row.index[row.to_numpy()]), axis=1)
        for combo, n in combos.value_counts(sort=False).items():
            count_rows.append(
                {"comparison": comparison, "studies": combo, "n_studies": combo.count(";") + 1, "genes": int(n)}
            )
        keep = present.sum(axis=1) >= 2
        if not keep.any():
            continue
        signs = np.sign(lfcs[keep])
        part = pd.DataFrame(
            {
                "comparison": comparison,
                "gene": lfcs.index[keep],
                "n_studies": present[keep].sum(axis=1).to_numpy(),
                "studies": combos[keep].to_numpy(),
                "direction": np.where(
                    (signs > 0).sum(axis=1) == present[keep].sum(axis=1),
                    "up",
                    np.where((signs < 0).sum(axis=1) == present[keep].sum(axis=1), "down", "mixed"),
                ),
            }
        )
        for study in all_studies:
            part[f"log2FC_{study}"] = lfcs[study][keep].to_numpy() if study in lfcs else np.nan
            part[f"padj_{study}"] = pvals[study][keep].to_numpy() if study in pvals else np.nan
        shared_parts.append(part)
    extra = [f"{kind}_{s}" for s in all_studies for kind in ("log2FC", "padj")]
    shared = (
        pd.concat(shared_parts, ignore_index=True) if shared_parts else pd.DataFrame(columns=SHARED_COLUMNS + extra)
    )
    if len(shared):
        order = np.lexsort(
            (shared["gene"].to_numpy(), -shared["n_studies"].to_numpy(), _order(shared["comparison"], tables))
        )
        shared = shared.iloc[order].reset_index(drop=True)
    counts = pd.DataFrame(count_rows, columns=COUNT_COLUMNS)
    if len(counts):
        order = np.lexsort(
            (counts["studies"].to_numpy(), -counts["genes"].to_numpy(), _order(counts["comparison"], tables))
        )
        counts = counts.iloc[order].reset_index(drop=True)
    return shared, counts


def _order(labels: pd.Series, tables: Mapping[str, object]) -> np.ndarray:
    rank = {name: i for i, name in enumerate(tables)}
    return labels.map(rank).to_numpy()
