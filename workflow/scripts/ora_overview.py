"""Rule ora_overview: ORA dot plot of the focus and top gene sets across contrasts and directions."""

from degsea.scripting import rule_logging
from degsea.steps.figures_gsea import ora_overview

with rule_logging(snakemake.log[0], rule="ora_overview"):
    ora_overview(
        tables=dict(zip(snakemake.params.contrasts, snakemake.input.tables, strict=True)),
        figures=list(snakemake.output.figures),
        table_out=snakemake.output.table,
        focus_sets=snakemake.params.focus_sets,
        top_n=snakemake.params.top_n,
        padj=snakemake.params.padj,
        lfc=snakemake.params.lfc,
        fdr_threshold=snakemake.params.fdr,
        dpi=snakemake.params.dpi,
    )
