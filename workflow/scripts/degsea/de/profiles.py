"""Time courses: the significant genes of a likelihood-ratio test, clustered by their profile across groups.

A gene's profile is its mean VST expression in each group (a combination of levels of the
profile's sheet columns, e.g. time x treatment), z-scored across the groups, so genes that
rise and fall together cluster together whatever their level. Clustering is scipy's Ward
hierarchical clustering (deterministic) or k-means (seeded). Clusters are numbered by size,
largest first.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

from degsea.tables import zscore_rows

log = logging.getLogger(__name__)


def group_labels(sheet: pd.DataFrame, columns: Sequence[str]) -> tuple[pd.Series, list[str]]:
    """Each sample's group (levels of ``columns`` joined by ' / ') and the groups in order.

    Groups are ordered by the first column's levels in their order of appearance in the sheet
    (categorical order when the column is categorical), then by the next columns'.
    """

    def ordered(column: str) -> list[str]:
        values = sheet[column]
        if isinstance(values.dtype, pd.CategoricalDtype):
            return [str(c) for c in values.cat.categories if (values.astype(str) == str(c)).any()]
        return list(dict.fromkeys(values.astype(str)))

    labels = sheet[list(columns)].astype(str).agg(" / ".join, axis=1)
    orders = [ordered(c) for c in columns]
    present = set(labels)
    groups = [" / ".join(combo) for combo in pd.MultiIndex.from_product(orders).to_flat_index()]
    return labels, [g for g in groups if g in present]


def group_means(vst: pd.DataFrame, labels: pd.Series, groups: Sequence[str]) -> pd.DataFrame:
    """Genes x groups mean VST expression (``vst``: genes x samples)."""
    return pd.DataFrame({g: vst.loc[:, labels.index[labels == g]].mean(axis=1) for g in groups})


def cluster_profiles(
    means: pd.DataFrame, *, clusters: int, method: str = "hierarchical", seed: int = 1
) -> tuple[pd.Series, pd.DataFrame]:
    """Cluster genes by their z-scored group means.

    Parameters
    ----------
    means
        Genes x groups mean VST expression.
    clusters
        Number of clusters (at most the number of genes).
    method
        ``hierarchical`` (Ward linkage on Euclidean distances of the z-scores) or ``kmeans``.
    seed
        Seed of k-means.

    Returns
    -------
    tuple
        The cluster of each gene (1 = largest) and the z-scored profiles.
    """
    z = zscore_rows(means)
    k = max(1, min(int(clusters), len(z)))
    if len(z) < 2 or k == 1:
        return pd.Series(1, index=z.index, name="cluster"), z
    if method == "kmeans":
        from scipy.cluster.vq import kmeans2  # noqa: PLC0415

        _, raw = kmeans2(z.to_numpy(), k, seed=np.random.default_rng(seed), minit="++")
    else:
        from scipy.cluster.hierarchy import fcluster, linkage  # noqa: PLC0415

        raw = fcluster(linkage(z.to_numpy(), method="ward"), t=k, criterion="maxclust")
    sizes = pd.Series(raw).value_counts()
    order = sorted(sizes.index, key=lambda c: (-sizes[c], c))
    renumber = {old: new for new, old in enumerate(order, start=1)}
    return pd.Series([renumber[c] for c in raw], index=z.index, name="cluster"), z


def profile_table(
    lrt: pd.DataFrame,
    vst: pd.DataFrame,
    sheet: pd.DataFrame,
    *,
    columns: Sequence[str],
    padj: float,
    clusters: int,
    method: str = "hierarchical",
    seed: int = 1,
    max_genes: int = 2000,
) -> tuple[pd.DataFrame, list[str]]:
    """Cluster an LRT's genes with padj < ``padj`` (at most ``max_genes``, smallest p first) by profile.

    Returns
    -------
    tuple
        The cluster table (gene_id, symbol, cluster, padj, then the z-scored mean of every
        group) sorted by cluster and padj, and the groups in order.
    """
    significant = lrt[lrt["padj"] < padj].sort_values(["pvalue", "gene_id"]).head(max_genes)
    genes = [g for g in significant["gene_id"] if g in vst.index]
    labels, groups = group_labels(sheet.loc[vst.columns.intersection(sheet.index)], columns)
    means = group_means(vst.loc[genes, labels.index], labels, groups)
    cluster, z = cluster_profiles(means, clusters=clusters, method=method, seed=seed)
    table = significant.set_index("gene_id").loc[genes, ["symbol", "padj"]]
    table.insert(1, "cluster", cluster)
    table = pd.concat([table, z], axis=1).reset_index().sort_values(["cluster", "padj", "gene_id"], kind="stable")
    log.info(
        "profiles: %d genes with padj < %g in %d clusters over %d groups",
        len(genes),
        padj,
        table["cluster"].nunique(),
        len(groups),
    )
    return table.reset_index(drop=True), groups
