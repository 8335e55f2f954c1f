"""Redundancy collapse: group gene sets whose driving genes overlap, one representative per group.

The rule is the gene-overlap similarity of Enrichment Map (Merico et al. 2010, PLoS One
5:e13984) and clusterProfiler's term similarity (Yu 2012; Wu et al. 2021): the Jaccard index of
two sets' *leading edges* (GSEA) or of their DE genes (ORA), clustered by average-linkage
hierarchical clustering and cut where the average Jaccard index falls below ``min_jaccard``.
Each group's representative is its most significant set (lowest p-value, then largest |NES|,
then name). Sets with an empty gene list form groups of their own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.sparse import csr_matrix

#: Columns :func:`collapse_sets` returns.
GROUP_COLUMNS = ["set", "group", "representative", "group_size"]


def jaccard_matrix(members: Sequence[frozenset[str]]) -> np.ndarray:
    """Pairwise Jaccard index |A ∩ B| / |A ∪ B| of gene lists (0 between two empty lists)."""
    genes = sorted(set().union(*members)) if members else []
    column = {g: j for j, g in enumerate(genes)}
    rows = np.repeat(np.arange(len(members)), [len(m) for m in members])
    cols = np.fromiter((column[g] for m in members for g in m), dtype=np.int64, count=len(rows))
    incidence = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(members), len(genes)))
    shared = (incidence @ incidence.T).toarray()
    sizes = np.diag(shared).copy()
    union = sizes[:, None] + sizes[None, :] - shared
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, shared / union, 0.0)


def collapse_sets(
    members: Mapping[str, Sequence[str] | frozenset[str]],
    order: Sequence[str],
    *,
    min_jaccard: float = 0.5,
) -> pd.DataFrame:
    """Group sets whose gene lists overlap strongly and name each group's representative.

    Parameters
    ----------
    members
        Set name -> its driving genes (leading edge, or DE genes in the set).
    order
        Every set of ``members``, most significant first: the first set of a group represents it.
    min_jaccard
        Sets join a group while their average Jaccard index with its members is at least this
        (average linkage, cut at distance ``1 - min_jaccard``); 1 keeps only identical lists together.

    Returns
    -------
    pandas.DataFrame
        :data:`GROUP_COLUMNS`, one row per set in ``order``: ``group`` is the representative's
        name, ``representative`` whether the set is it, ``group_size`` the sets in the group.
    """
    names = list(order)
    if set(names) != set(members):
        raise ValueError("order must list every set of members once")
    lists = [frozenset(members[n]) for n in names]
    labels = np.arange(len(names))
    if len(names) > 1:
        similarity = jaccard_matrix(lists)
        empty = np.array([len(m) == 0 for m in lists])
        similarity[empty, :] = 0.0
        similarity[:, empty] = 0.0
        distance = 1.0 - similarity
        condensed = distance[np.triu_indices(len(names), k=1)]
        tree = linkage(np.clip(condensed, 0.0, 1.0), method="average")
        labels = fcluster(tree, t=1.0 - min_jaccard + 1e-12, criterion="distance")
    first: dict[int, str] = {}
    for name, label in zip(names, labels, strict=True):
        first.setdefault(int(label), name)
    group = [first[int(label)] for label in labels]
    sizes = pd.Series(group).value_counts()
    return pd.DataFrame(
        {
            "set": names,
            "group": group,
            "representative": [g == n for g, n in zip(group, names, strict=True)],
            "group_size": [int(sizes[g]) for g in group],
        }
    )[GROUP_COLUMNS]


def significance_order(table: pd.DataFrame) -> list[str]:
    """Set names of a result table, most significant first: p-value, then |NES| (if any), then name."""
    keys = pd.DataFrame({"set": table["set"].astype(str), "p": table["pvalue"].fillna(np.inf).to_numpy()})
    keys["nes"] = -table["NES"].abs().fillna(0.0).to_numpy() if "NES" in table else 0.0
    return keys.sort_values(["p", "nes", "set"], kind="mergesort")["set"].tolist()


def with_groups(
    table: pd.DataFrame, *, genes_column: str, min_jaccard: float = 0.5, by: Sequence[str] = ()
) -> pd.DataFrame:
    """A result table with :data:`GROUP_COLUMNS` ``group``, ``representative``, ``group_size`` added.

    Parameters
    ----------
    table
        GSEA (``set``, ``pvalue``, ``NES``, ``leading_edge``) or ORA (``set``, ``pvalue``,
        ``direction``, ``genes``) results; every row keeps its place.
    genes_column
        The ``;``-separated driving genes of each set.
    min_jaccard
        See :func:`collapse_sets`.
    by
        Columns whose values are collapsed separately (ORA: ``direction``).
    """
    out = table.copy()
    for column, dtype in (("group", object), ("representative", bool), ("group_size", "int64")):
        out[column] = pd.Series(dtype=dtype, index=out.index)
    if out.empty:
        return out
    parts = out.groupby(list(by), sort=False) if by else [((), out)]
    for _, part in parts:
        members = {
            s: [g for g in str(v).split(";") if g]
            for s, v in zip(part["set"], part[genes_column].fillna(""), strict=True)
        }
        groups = collapse_sets(members, significance_order(part), min_jaccard=min_jaccard).set_index("set")
        for column in ("group", "representative", "group_size"):
            out.loc[part.index, column] = groups.loc[part["set"], column].to_numpy()
    return out.astype({"representative": bool, "group_size": "int64"})
