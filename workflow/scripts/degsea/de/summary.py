"""DE calls across contrasts: significant genes, their counts and their overlaps."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd


def significant(table: pd.DataFrame, *, padj: float, lfc: float = 0.0) -> pd.Series:
    """Boolean per row: ``padj < padj`` and ``|log2FoldChange| >= lfc`` (NA padj is never significant)."""
    return (table["padj"] < padj).fillna(False).astype(bool) & (table["log2FoldChange"].abs() >= lfc).fillna(
        False
    ).astype(bool)


def de_counts(tables: Mapping[str, pd.DataFrame], *, padj: float, lfc: float = 0.0) -> pd.DataFrame:
    """Per contrast: genes tested, with padj, significant, up and down.

    Returns
    -------
    pandas.DataFrame
        ``contrast``, ``genes``, ``tested`` (p-value not NA), ``with_padj`` (passed
        independent filtering), ``significant``, ``up``, ``down``, ``padj_threshold``,
        ``lfc_threshold``; in the order of ``tables``.
    """
    rows = []
    for name, table in tables.items():
        hit = significant(table, padj=padj, lfc=lfc)
        rows.append(
            {
                "contrast": name,
                "genes": len(table),
                "tested": int(table["pvalue"].notna().sum()),
                "with_padj": int(table["padj"].notna().sum()),
                "significant": int(hit.sum()),
                "up": int((hit & (table["log2FoldChange"] > 0)).sum()),
                "down": int((hit & (table["log2FoldChange"] < 0)).sum()),
                "padj_threshold": padj,
                "lfc_threshold": lfc,
            }
        )
    return pd.DataFrame(rows)


def membership(tables: Mapping[str, pd.DataFrame], *, padj: float, lfc: float = 0.0) -> pd.DataFrame:
    """Genes significant in at least one contrast x contrasts: ``up``, ``down`` or empty.

    Returns
    -------
    pandas.DataFrame
        Index ``gene_id``, a ``symbol`` column and one column per contrast, sorted by gene ID.
    """
    parts = {}
    symbols: dict[str, str] = {}
    for name, table in tables.items():
        hit = significant(table, padj=padj, lfc=lfc)
        direction = np.where(table["log2FoldChange"] > 0, "up", "down")
        parts[name] = pd.Series(np.where(hit, direction, ""), index=table["gene_id"].astype(str))
        symbols.update(zip(table["gene_id"].astype(str), table["symbol"].astype(str), strict=True))
    frame = pd.DataFrame(parts).fillna("")
    frame = frame[(frame != "").any(axis=1)].sort_index()
    frame.insert(0, "symbol", [symbols[g] for g in frame.index])
    frame.index.name = "gene_id"
    return frame


def intersections(member: pd.DataFrame, contrasts: Sequence[str]) -> pd.DataFrame:
    """Exclusive intersections of DE gene sets (UpSet): one row per non-empty combination.

    Parameters
    ----------
    member
        :func:`membership`.
    contrasts
        The contrast columns, in display order.

    Returns
    -------
    pandas.DataFrame
        One boolean column per contrast, ``genes`` (count of genes significant in exactly
        these contrasts) and ``concordant`` (of them, genes changed in the same direction
        everywhere); sorted by ``genes`` (largest first) then combination.
    """
    flags = member[list(contrasts)] != ""
    rows = []
    for size in range(1, len(contrasts) + 1):
        for combo in itertools.combinations(contrasts, size):
            mask = flags[list(combo)].all(axis=1) & ~flags[[c for c in contrasts if c not in combo]].any(axis=1)
            n = int(mask.sum())
            if n == 0:
                continue
            directions = member.loc[mask, list(combo)]
            concordant = int((directions.nunique(axis=1) == 1).sum())
            rows.append({**{c: c in combo for c in contrasts}, "genes": n, "concordant": concordant, "degree": size})
    frame = pd.DataFrame(rows, columns=[*contrasts, "genes", "concordant", "degree"])
    frame = frame.sort_values(["genes", "degree"], ascending=[False, True], kind="mergesort").reset_index(drop=True)
    return frame.drop(columns="degree")


def top_genes(table: pd.DataFrame, *, n: int, padj: float, lfc: float = 0.0) -> pd.DataFrame:
    """The ``n`` significant genes with the smallest adjusted p-values (ties: larger |log2FC|, gene ID)."""
    hits = table[significant(table, padj=padj, lfc=lfc)]
    hits = hits.assign(_abs=-hits["log2FoldChange"].abs()).sort_values(["padj", "_abs", "gene_id"], kind="mergesort")
    return hits.drop(columns="_abs").head(n)
