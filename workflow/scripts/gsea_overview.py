"""Rule gsea_overview: NES x contrasts dot plot of the focus and top gene sets."""

from degsea.scripting import rule_logging
from degsea.steps.figures_gsea import gsea_overview

with rule_logging(snakemake.log[0], rule="gsea_overview"):  # noqa: F821
    gsea_overview(
        summary=snakemake.input.summary,  # noqa: F821
        contrasts=snakemake.params.contrasts,  # noqa: F821
        figures=list(snakemake.output.figures),  # noqa: F821
        table_out=snakemake.output.table,  # noqa: F821
        focus_sets=snakemake.params.focus_sets,  # noqa: F821
        top_n=snakemake.params.top_n,  # noqa: F821
        fdr_floor=snakemake.params.fdr_floor,  # noqa: F821
        fdr_threshold=snakemake.params.fdr,  # noqa: F821
        dpi=snakemake.params.dpi,  # noqa: F821
    )
