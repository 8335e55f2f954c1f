"""Rule-facing steps of gene-set enrichment: MSigDB download, gene-set preparation, GSEA per contrast, summary."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from degsea.io import atomic_path, write_table


def download_msigdb(*, entry: Mapping[str, Any], out: str, url_template: str) -> None:
    """Rule msigdb: download one MSigDB collection into resources/, checking its SHA-256."""
    from degsea.gsea import msigdb

    (collection,) = msigdb.parse_entries([entry])
    msigdb.download(collection, out, url_template=url_template)


def prepare_genesets(
    *,
    counts_h5ad: str,
    genesets: Sequence[str],
    msigdb_entries: Sequence[Mapping[str, Any]],
    msigdb_files: Sequence[str] = (),
    orthologs: Mapping[str, Any],
    orthologs_table: str | None = None,
    out: str,
    coverage_out: str,
    min_size: int = 15,
    max_size: int = 500,
    min_coverage: float = 0.25,
    focus_sets: Sequence[str] = (),
) -> None:
    """Rule prepare_genesets: read GMT and MSigDB collections, translate with orthologs, check coverage.

    Every file comes from the rule's inputs: ``genesets`` (GMT files), ``msigdb_files`` (the
    downloaded collections, in the order of ``msigdb_entries``) and ``orthologs_table``;
    ``orthologs`` holds the table's column names and the collections to translate. Runs right
    after import_counts; a collection that does not match the data (Ensembl vs symbols, human
    vs mouse) stops the gene-set branch before any GSEA, naming the identifier types found.
    Writes the prepared sets (JSON) and one coverage row per collection.
    """
    import json

    from degsea.gsea import msigdb, prerank
    from degsea.gsea.collections import collections_to_json, load_collections
    from degsea.inputs.h5ad import read_var

    entries = msigdb.parse_entries(list(msigdb_entries))
    downloaded = list(zip(entries, msigdb_files, strict=True))
    for entry, path in downloaded:
        msigdb.check_cached(entry, path, record=True)  # records a hand-placed file's checksum
    collections, rates = load_collections(
        list(genesets), msigdb=downloaded, orthologs={**orthologs, "table": orthologs_table}
    )
    names = prerank.merge_collections(collections)
    prerank.check_focus_sets(focus_sets, names, sources=collections)  # MSigDB sets may be new here
    symbols = read_var(counts_h5ad)["symbol"].astype(str)  # h5py: no anndata import
    coverage = prerank.check_coverage(
        collections,
        pd.Index(symbols.unique()),
        min_size=min_size,
        max_size=max_size,
        min_coverage=min_coverage,
        translated=rates,
    )
    write_table(coverage, coverage_out)
    with atomic_path(out) as tmp:
        tmp.write_text(json.dumps(collections_to_json(collections, rates)), encoding="utf-8")


def gene_set_enrichment(
    *,
    de_table: str,
    genesets_json: str,
    table_out: str,
    ranks_out: str,
    settings: Mapping[str, Any] | None = None,
    threads: int = 1,
) -> None:
    """Rule gsea: rank the genes of one contrast, run preranked GSEA on all collections, group redundant sets.

    ``genesets_json`` is the file of prepared collections written by :func:`prepare_genesets`;
    ``settings`` the config's ``gsea:`` keys (:class:`degsea.gsea.settings.GSEASettings`). The
    table gets the redundancy groups of the leading edges (:func:`degsea.gsea.collapse.with_groups`).
    """
    from degsea.gsea import prerank
    from degsea.gsea.collapse import with_groups
    from degsea.gsea.ranking import rank_genes
    from degsea.gsea.settings import GSEASettings

    options = GSEASettings.from_config(settings or {})
    table = pd.read_csv(de_table, sep="\t", dtype={"gene_id": str, "symbol": str})
    ranks = rank_genes(table, metric=options.rank_by, source=de_table)
    collections, rates = _prepared_collections(genesets_json)
    prerank.check_coverage(
        collections,
        ranks.index,
        min_size=options.min_size,
        max_size=options.max_size,
        min_coverage=options.min_coverage,
        translated=rates,
    )
    result = prerank.prerank(
        ranks,
        collections,
        permutations=options.permutations,
        min_size=options.min_size,
        max_size=options.max_size,
        weight=options.weight,
        seed=options.seed,
        threads=threads,
        engine=options.engine,
        fdr=options.fdr,
        eps=options.eps,
    )
    result = with_groups(result, genes_column="leading_edge", min_jaccard=options.collapse_jaccard)
    write_table(ranks.reset_index(), ranks_out)
    write_table(result, table_out)


def over_representation(
    *,
    de_table: str,
    genesets_json: str,
    table_out: str,
    universe_out: str,
    contrast: str,
    padj: float,
    lfc: float = 0.0,
    min_size: int = 15,
    max_size: int = 500,
    collapse_jaccard: float = 0.5,
) -> None:
    """Rule ora: hypergeometric over-representation of one contrast's up and down DE genes.

    Writes the table (every tested set, with its redundancy group per direction) and, beside
    it, the universe: the symbols tested in the contrast, one per line, after a ``#`` header
    that states the rule and the counts.
    """
    from degsea.gsea import ora
    from degsea.gsea.collapse import with_groups

    table = pd.read_csv(de_table, sep="\t", dtype={"gene_id": str, "symbol": str})
    universe = ora.de_universe(table, padj=padj, lfc=lfc)
    collections, _ = _prepared_collections(genesets_json)
    sets = {name: s.genes for sets in collections.values() for name, s in sets.items()}
    collection_of = {name: source for source, sets in collections.items() for name in sets}
    result = ora.over_representation(
        universe, sets, collection_of=collection_of, min_size=min_size, max_size=max_size, contrast=contrast
    )
    result = with_groups(result, genes_column="genes", min_jaccard=collapse_jaccard, by=["direction"])
    header = [
        f"# ORA universe of {contrast}: {len(universe.genes)} gene symbols with an adjusted p-value in {de_table}",
        f"# DE genes ({universe.rule}): {len(universe.de['up'])} up, {len(universe.de['down'])} down",
    ]
    with atomic_path(universe_out) as tmp:
        tmp.write_text("\n".join(header + list(universe.genes)) + "\n", encoding="utf-8")
    write_table(result, table_out)


def _prepared_collections(genesets_json: str) -> tuple[dict, dict]:
    """The collections and ortholog rates of the prepared-sets JSON of :func:`prepare_genesets`."""
    import json

    from degsea.gsea.collections import collections_from_json

    return collections_from_json(json.loads(Path(genesets_json).read_text(encoding="utf-8")))


def summarise_gsea(*, tables: Mapping[str, str], out: str) -> None:
    """Rule gsea_summary: one row per set, NES and FDR per contrast."""
    from degsea.gsea import prerank

    frames = {name: pd.read_csv(path, sep="\t") for name, path in tables.items()}
    write_table(prerank.summarise(frames), out)
