"""Rule de_figures: volcano, MA plot, top-gene heatmap and p-value histogram of one contrast."""

from degsea.scripting import rule_logging
from degsea.steps.figures_de import de_figures

with rule_logging(snakemake.log[0], rule=f"de_figures {snakemake.wildcards.contrast}"):
    de_figures(
        de_table=snakemake.input.de,
        vst_table=snakemake.input.vst,
        counts_h5ad=snakemake.input.h5ad,
        contrast=snakemake.wildcards.contrast,
        figures=list(snakemake.output.figures),
        groups=snakemake.params.groups,
        padj=snakemake.params.padj,
        lfc=snakemake.params.lfc,
        top_n=snakemake.params.top_n,
        genes_of_interest=snakemake.params.genes_of_interest,
        heatmap_top_n=snakemake.params.heatmap_top_n,
        dpi=snakemake.params.dpi,
    )
