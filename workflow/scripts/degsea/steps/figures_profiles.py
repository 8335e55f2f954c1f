"""Rule-facing step of time courses.

Cluster a likelihood-ratio test's significant genes by profile, table and figure.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from degsea.io import write_table
from degsea.steps.counts import counts_sheet
from degsea.steps.figures import read_vst, save_figure


def lrt_profiles(
    *,
    lrt_table: str,
    vst_table: str,
    counts_h5ad: str,
    test: str,
    columns: Sequence[str],
    padj: float,
    clusters: int,
    table_out: str,
    figures: Sequence[str],
    method: str = "hierarchical",
    seed: int = 1,
    max_genes: int = 2000,
    dpi: int = 300,
) -> None:
    """Rule lrt_profiles: the cluster table (results/de/lrt/<test>.clusters.tsv) and the profile figure."""
    from degsea.de.profiles import profile_table
    from degsea.plots.profiles import profile_figure

    lrt = pd.read_csv(lrt_table, sep="\t", dtype={"gene_id": str, "symbol": str})
    table, groups = profile_table(
        lrt,
        read_vst(vst_table).drop(columns="symbol"),
        counts_sheet(counts_h5ad),
        columns=columns,
        padj=padj,
        clusters=clusters,
        method=method,
        seed=seed,
        max_genes=max_genes,
    )
    write_table(table, table_out)
    n_significant = int((lrt["padj"] < padj).sum())
    shown = (
        f"{len(table)} genes"
        if len(table) == n_significant
        else f"the {len(table)} of {n_significant} genes with smallest p"
    )
    title = f"{test}: {shown} with LRT padj < {padj:g}, by {' x '.join(columns)}"
    save_figure(profile_figure(table, groups, title=title), figures, dpi=dpi)
