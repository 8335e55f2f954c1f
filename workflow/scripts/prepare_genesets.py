"""Rule prepare_genesets: collections read, translated with orthologs and checked against the data."""

from degsea.scripting import rule_logging
from degsea.steps.gsea import prepare_genesets

with rule_logging(snakemake.log[0], rule="prepare_genesets"):  # noqa: F821
    prepare_genesets(
        counts_h5ad=snakemake.input.counts,  # noqa: F821
        genesets=list(snakemake.input.gmt),  # noqa: F821
        msigdb_entries=snakemake.params.msigdb,  # noqa: F821
        msigdb_files=list(snakemake.input.msigdb),  # noqa: F821
        orthologs=snakemake.params.orthologs,  # noqa: F821
        orthologs_table=snakemake.input.get("orthologs"),  # noqa: F821
        out=snakemake.output.genesets,  # noqa: F821
        coverage_out=snakemake.output.coverage,  # noqa: F821
        min_size=snakemake.params.min_size,  # noqa: F821
        max_size=snakemake.params.max_size,  # noqa: F821
        min_coverage=snakemake.params.min_coverage,  # noqa: F821
        focus_sets=snakemake.params.focus_sets,  # noqa: F821
    )
