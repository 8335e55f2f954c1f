"""Rule gsea_figures: running-enrichment plot and leading-edge heatmap per focus set of one contrast."""

from degsea.scripting import rule_logging
from degsea.steps.figures_gsea import gsea_figures

with rule_logging(snakemake.log[0], rule=f"gsea_figures {snakemake.wildcards.contrast}"):  # noqa: F821
    gsea_figures(
        contrast=snakemake.wildcards.contrast,  # noqa: F821
        gsea_table=snakemake.input.table,  # noqa: F821
        ranks_table=snakemake.input.ranks,  # noqa: F821
        genesets=snakemake.input.genesets,  # noqa: F821
        vst_table=snakemake.input.vst,  # noqa: F821
        counts_h5ad=snakemake.input.h5ad,  # noqa: F821
        focus_sets=snakemake.params.focus_sets,  # noqa: F821
        running=list(snakemake.output.running),  # noqa: F821
        leading_edge=list(snakemake.output.leading_edge),  # noqa: F821
        groups=snakemake.params.groups,  # noqa: F821
        weight=snakemake.params.weight,  # noqa: F821
        fdr_floor=snakemake.params.fdr_floor,  # noqa: F821
        heatmap_top_n=snakemake.params.heatmap_top_n,  # noqa: F821
        dpi=snakemake.params.dpi,  # noqa: F821
    )
