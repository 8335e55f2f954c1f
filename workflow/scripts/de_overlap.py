"""Rule de_overlap: DE genes per contrast, their overlap table and UpSet plot."""

from degsea.scripting import rule_logging
from degsea.steps.figures_de import de_overlap

with rule_logging(snakemake.log[0], rule="de_overlap"):
    de_overlap(
        tables=dict(zip(snakemake.params.contrasts, snakemake.input.tables, strict=True)),
        counts_out=snakemake.output.counts,
        membership_out=snakemake.output.membership,
        intersections_out=snakemake.output.intersections,
        figures=list(snakemake.output.figures),
        padj=snakemake.params.padj,
        lfc=snakemake.params.lfc,
        dpi=snakemake.params.dpi,
    )
