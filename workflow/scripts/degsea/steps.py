"""One function per workflow rule: read the inputs, call the library, write the outputs.

These are the only library functions that touch files; the rule scripts in
``workflow/scripts`` unpack Snakemake's objects and call them. Heavy modules (PyDESeq2,
gseapy) are imported inside the step that needs them, so each stage's environment holds
only its own dependencies.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from degsea.counts import match_samples, read_count_matrix, to_anndata
from degsea.design import parse_contrasts
from degsea.genesets import read_gmt
from degsea.io import atomic_path, write_table
from degsea.sheet import read_sample_sheet

log = logging.getLogger(__name__)


def simulate_demo(
    *, sheet_path: str, genesets_path: str, counts_out: str, samples_out: str, truth_out: str, seed: int, n_genes: int
) -> None:
    """Rule simulate_demo: write the embedded demo's counts, sample table and planted truth."""
    from degsea.simulate import simulate_demo as simulate

    sheet = read_sample_sheet(sheet_path).reset_index()
    genesets = {name: s.genes for name, s in read_gmt(genesets_path).items()}
    demo = simulate(sheet, genesets, seed=seed, n_genes=n_genes)
    write_table(demo.counts, counts_out, index=True)
    write_table(demo.samples, samples_out)
    write_table(demo.truth, truth_out, index=True)


def import_counts(
    *, counts_path: str, sheet_path: str, out: str, continuous: Sequence[str] = (), extra_columns: str = "error"
) -> None:
    """Rule import_counts: validate the count matrix against the sheet and write the AnnData."""
    sheet = read_sample_sheet(sheet_path, continuous=continuous)
    matrix = read_count_matrix(counts_path)
    match_samples(
        list(matrix.counts.columns), list(sheet.index), counts_file=counts_path, sheet_file=sheet_path, extra_columns=extra_columns
    )
    adata = to_anndata(matrix, sheet, counts_file=counts_path)
    with atomic_path(out) as tmp:
        adata.write_h5ad(tmp)
    log.info("wrote %d samples x %d genes to %s", adata.n_obs, adata.n_vars, out)


def differential_expression(
    *,
    counts_h5ad: str,
    design: str,
    contrasts: Mapping[str, Mapping[str, str]],
    tables_out: Sequence[str],
    normalized_out: str,
    fitted_out: str,
    continuous: Sequence[str] = (),
    settings: Mapping[str, Any] | None = None,
    threads: int = 1,
) -> None:
    """Rule deseq2: fit the design once, test every contrast, write one table per contrast.

    ``tables_out`` lists the output tables in the order of ``contrasts``.
    """
    import anndata as ad

    from degsea import de

    options = de.DESettings(**(settings or {}))
    parsed = parse_contrasts(contrasts)
    fitted = de.fit(
        ad.read_h5ad(counts_h5ad), formula=design, contrasts=parsed, continuous=continuous, settings=options, threads=threads
    )
    for contrast, path in zip(parsed, tables_out, strict=True):
        write_table(de.test_contrast(fitted, contrast, settings=options), path)
    write_table(de.normalized_counts(fitted), normalized_out)
    with atomic_path(fitted_out) as tmp:
        de.fitted_anndata(fitted).write_h5ad(tmp)


def gene_set_enrichment(
    *,
    de_table: str,
    genesets: Sequence[str],
    table_out: str,
    ranks_out: str,
    rank_by: str = "stat",
    permutations: int = 1000,
    min_size: int = 15,
    max_size: int = 500,
    weight: float = 1.0,
    seed: int = 42,
    min_coverage: float = 0.25,
    threads: int = 1,
) -> None:
    """Rule gsea: rank the genes of one contrast and run preranked GSEA on all collections."""
    from degsea import gsea
    from degsea.ranking import rank_genes

    table = pd.read_csv(de_table, sep="\t", dtype={"gene_id": str, "symbol": str})
    ranks = rank_genes(table, metric=rank_by, source=de_table)
    collections = {str(Path(p)): read_gmt(p) for p in genesets}
    gsea.check_coverage(collections, ranks.index, min_size=min_size, max_size=max_size, min_coverage=min_coverage)
    result = gsea.prerank(
        ranks, collections, permutations=permutations, min_size=min_size, max_size=max_size, weight=weight, seed=seed, threads=threads
    )
    write_table(ranks.reset_index(), ranks_out)
    write_table(result, table_out)


def summarise_gsea(*, tables: Mapping[str, str], out: str) -> None:
    """Rule gsea_summary: one row per set, NES and FDR per contrast."""
    from degsea import gsea

    frames = {name: pd.read_csv(path, sep="\t") for name, path in tables.items()}
    write_table(gsea.summarise(frames), out)
