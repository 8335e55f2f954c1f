"""Rule de_figures: volcano, MA plot, top-gene heatmap and p-value histogram of one contrast."""

from degsea.scripting import rule_logging
from degsea.steps.figures_de import de_figures

with rule_logging(snakemake.log[0], rule=f"de_figures {snakemake.wildcards.contrast}"):  # noqa: F821
    de_figures(
        de_table=snakemake.input.de,  # noqa: F821
        vst_table=snakemake.input.vst,  # noqa: F821
        counts_h5ad=snakemake.input.h5ad,  # noqa: F821
        contrast=snakemake.wildcards.contrast,  # noqa: F821
        figures=list(snakemake.output.figures),  # noqa: F821
        groups=snakemake.params.groups,  # noqa: F821
        padj=snakemake.params.padj,  # noqa: F821
        lfc=snakemake.params.lfc,  # noqa: F821
        top_n=snakemake.params.top_n,  # noqa: F821
        genes_of_interest=snakemake.params.genes_of_interest,  # noqa: F821
        heatmap_top_n=snakemake.params.heatmap_top_n,  # noqa: F821
        dpi=snakemake.params.dpi,  # noqa: F821
    )
