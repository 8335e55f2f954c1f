"""Rule sample_scores: per-sample scores of the focus sets and box/strip plots by group."""

from degsea.scripting import rule_logging
from degsea.steps.figures_gsea import gene_set_scores

with rule_logging(snakemake.log[0], rule="sample_scores"):  # noqa: F821
    gene_set_scores(
        vst_table=snakemake.input.vst,  # noqa: F821
        counts_h5ad=snakemake.input.h5ad,  # noqa: F821
        genesets=snakemake.input.genesets,  # noqa: F821
        sets=snakemake.params.sets,  # noqa: F821
        table_out=snakemake.output.table,  # noqa: F821
        figures=list(snakemake.output.figures),  # noqa: F821
        groups=snakemake.params.groups,  # noqa: F821
        method=snakemake.params.method,  # noqa: F821
        threads=snakemake.threads,  # noqa: F821
        dpi=snakemake.params.dpi,  # noqa: F821
    )
