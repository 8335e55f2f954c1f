"""Rule de_overlap: DE genes per contrast, their overlap table and UpSet plot."""

from degsea.scripting import rule_logging
from degsea.steps.figures_de import de_overlap

with rule_logging(snakemake.log[0], rule="de_overlap"):  # noqa: F821
    de_overlap(
        tables=dict(zip(snakemake.params.contrasts, snakemake.input.tables, strict=True)),  # noqa: F821
        counts_out=snakemake.output.counts,  # noqa: F821
        membership_out=snakemake.output.membership,  # noqa: F821
        intersections_out=snakemake.output.intersections,  # noqa: F821
        figures=list(snakemake.output.figures),  # noqa: F821
        padj=snakemake.params.padj,  # noqa: F821
        lfc=snakemake.params.lfc,  # noqa: F821
        dpi=snakemake.params.dpi,  # noqa: F821
    )
