"""Rule gsea_overview: NES x contrasts dot plot of the focus and top gene sets."""

from degsea.scripting import rule_logging
from degsea.steps.figures_gsea import gsea_overview

with rule_logging(snakemake.log[0], rule="gsea_overview"):
    gsea_overview(
        summary=snakemake.input.summary,
        contrasts=snakemake.params.contrasts,
        figures=list(snakemake.output.figures),
        table_out=snakemake.output.table,
        focus_sets=snakemake.params.focus_sets,
        top_n=snakemake.params.top_n,
        fdr_floor=snakemake.params.fdr_floor,
        fdr_threshold=snakemake.params.fdr,
        dpi=snakemake.params.dpi,
    )
