"""Rule prepare_genesets: collections read, translated with orthologs and checked against the data."""

from degsea.scripting import rule_logging
from degsea.steps.gsea import prepare_genesets

with rule_logging(snakemake.log[0], rule="prepare_genesets"):
    prepare_genesets(
        counts_h5ad=snakemake.input.counts,
        genesets=list(snakemake.input.gmt),
        msigdb_entries=snakemake.params.msigdb,
        msigdb_files=list(snakemake.input.msigdb),
        orthologs=snakemake.params.orthologs,
        orthologs_table=snakemake.input.get("orthologs"),
        out=snakemake.output.genesets,
        coverage_out=snakemake.output.coverage,
        min_size=snakemake.params.min_size,
        max_size=snakemake.params.max_size,
        min_coverage=snakemake.params.min_coverage,
        focus_sets=snakemake.params.focus_sets,
    )
