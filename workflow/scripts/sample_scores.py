"""Rule sample_scores: per-sample scores of the focus sets and box/strip plots by group."""

from degsea.scripting import rule_logging
from degsea.steps.figures_gsea import gene_set_scores

with rule_logging(snakemake.log[0], rule="sample_scores"):
    gene_set_scores(
        vst_table=snakemake.input.vst,
        counts_h5ad=snakemake.input.h5ad,
        genesets=snakemake.input.genesets,
        sets=snakemake.params.sets,
        table_out=snakemake.output.table,
        figures=list(snakemake.output.figures),
        groups=snakemake.params.groups,
        method=snakemake.params.method,
        threads=snakemake.threads,
        dpi=snakemake.params.dpi,
    )
