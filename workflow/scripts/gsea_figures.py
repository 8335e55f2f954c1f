"""Rule gsea_figures: running-enrichment plot and leading-edge heatmap per focus set of one contrast."""

from degsea.scripting import rule_logging
from degsea.steps.figures_gsea import gsea_figures

with rule_logging(snakemake.log[0], rule=f"gsea_figures {snakemake.wildcards.contrast}"):
    gsea_figures(
        contrast=snakemake.wildcards.contrast,
        gsea_table=snakemake.input.table,
        ranks_table=snakemake.input.ranks,
        genesets=snakemake.input.genesets,
        vst_table=snakemake.input.vst,
        counts_h5ad=snakemake.input.h5ad,
        focus_sets=snakemake.params.focus_sets,
        running=list(snakemake.output.running),
        leading_edge=list(snakemake.output.leading_edge),
        groups=snakemake.params.groups,
        contrast_groups=snakemake.params.contrast_groups,
        other_groups=snakemake.params.other_groups,
        weight=snakemake.params.weight,
        fdr_floor=snakemake.params.fdr_floor,
        heatmap_top_n=snakemake.params.heatmap_top_n,
        dpi=snakemake.params.dpi,
    )
