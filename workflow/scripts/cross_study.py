"""Rule cross_study: focus sets x studies NES (table and heatmap), DE genes shared across studies."""

from degsea.scripting import rule_logging
from degsea.steps.figures_studies import cross_study_summary

with rule_logging(snakemake.log[0], rule="cross_study"):
    cross_study_summary(
        summaries=snakemake.input.summaries,
        de_tables=snakemake.input.de,
        studies=snakemake.params.studies,
        comparisons=snakemake.params.comparisons,
        focus_sets=snakemake.params.focus_sets,
        padj=snakemake.params.padj,
        lfc=snakemake.params.lfc,
        fdr=snakemake.params.fdr,
        nes_out=snakemake.output.nes,
        shared_out=snakemake.output.shared,
        counts_out=snakemake.output.counts,
        figures=snakemake.output.figures,
        dpi=snakemake.params.dpi,
    )
