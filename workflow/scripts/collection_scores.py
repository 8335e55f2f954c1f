"""Rule collection_scores: GSVA or ssGSEA scores of every set, a test per contrast, a heatmap."""

from degsea.scripting import rule_logging
from degsea.steps.figures_gsea import collection_scores

with rule_logging(snakemake.log[0], rule="collection_scores"):
    collection_scores(
        vst_table=snakemake.input.vst,
        counts_h5ad=snakemake.input.h5ad,
        genesets=snakemake.input.genesets,
        scores_out=snakemake.output.scores,
        tests_out=snakemake.output.tests,
        figures=list(snakemake.output.figures),
        contrasts=snakemake.params.contrasts,
        groups=snakemake.params.groups,
        method=snakemake.params.method,
        top_sets=snakemake.params.top_sets,
        min_size=snakemake.params.min_size,
        max_size=snakemake.params.max_size,
        threads=snakemake.threads,
        dpi=snakemake.params.dpi,
    )
