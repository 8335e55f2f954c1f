"""Rule-facing step of time courses: over-representation of the gene sets in each profile cluster (optional).

Uses :mod:`degsea.gsea.ora` (hypergeometric test against the genes the LRT tested); the config
check stops the run up front when ``profiles: ora`` is asked of a degsea without that module.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from degsea.io import write_table


def cluster_over_representation(
    *, clusters_table: str, lrt_table: str, genesets_json: str, out: str, min_size: int = 15, max_size: int = 500
) -> None:
    """Rule lrt_cluster_ora: for every cluster, its genes' over-representation in every gene set.

    The universe is the genes the LRT tested (an adjusted p-value in its table); a cluster's
    genes take the role of the DE genes (direction ``up`` of :mod:`degsea.gsea.ora`'s table,
    renamed to the cluster). Columns: ``cluster`` then those of ``degsea.gsea.ora.COLUMNS``
    without ``direction``.
    """
    from degsea.gsea import ora
    from degsea.gsea.collections import collections_from_json

    lrt = pd.read_csv(lrt_table, sep="\t", dtype={"gene_id": str, "symbol": str})
    table = pd.read_csv(clusters_table, sep="\t", dtype={"gene_id": str, "symbol": str})
    collections, _ = collections_from_json(json.loads(Path(genesets_json).read_text(encoding="utf-8")))
    sets = {name: s.genes for sets in collections.values() for name, s in sets.items()}
    collection_of = {name: label for label, sets in collections.items() for name in sets}
    tested = tuple(sorted(set(lrt.loc[lrt["padj"].notna(), "symbol"].astype(str))))
    parts = []
    for cluster, members in table.groupby("cluster"):
        genes = tuple(sorted(set(members["symbol"].astype(str)) & set(tested)))
        universe = ora.Universe(genes=tested, de={"up": genes, "down": ()}, rule=f"cluster {cluster}")
        result = ora.over_representation(
            universe,
            sets,
            collection_of=collection_of,
            min_size=min_size,
            max_size=max_size,
            contrast=f"cluster {cluster}",
        )
        parts.append(result.drop(columns="direction").assign(cluster=int(cluster)))
    columns = ["cluster", *(c for c in ora.COLUMNS if c != "direction")]
    write_table(pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns), out)
