# degsea: bulk RNA-seq differential expression (PyDESeq2) and preranked GSEA.
# This file is the table of contents; the stages live in workflow/rules/.
from snakemake.utils import min_version

min_version("9.0")


# The default config (the embedded demo) applies only when no --configfile is given: a study's
# own config replaces it rather than being merged into it (Snakemake merges nested keys such as
# 'contrasts', which would add the demo's contrasts to the study's). Keys a study leaves out take
# the schema's defaults.
if not workflow.overwrite_configfiles:

    configfile: "config/config.yaml"


# Validation (JSON schema, then the library's cross-checks) runs in common.smk,
# before any job is scheduled.
include: "workflow/rules/common.smk"
include: "workflow/rules/demo.smk"
include: "workflow/rules/counts.smk"
include: "workflow/rules/de.smk"
include: "workflow/rules/gsea.smk"
include: "workflow/rules/figures_common.smk"
include: "workflow/rules/qc.smk"
include: "workflow/rules/plots.smk"
include: "workflow/rules/report.smk"

#: The gene-set branch's results: GSEA tables and summary, their figures, per-sample scores.
GSEA_TARGETS = (
    [
        *expand("results/gsea/{contrast}.tsv", contrast=CONTRASTS),
        "results/gsea/summary.tsv",
        *rules.gsea_overview.output,
        *(expand(rules.gsea_figures.output, contrast=CONTRASTS) if FOCUS_SETS else []),
        *(rules.sample_scores.output if FOCUS_SETS else []),
    ]
    if GSEA_ENABLED
    else []
)


rule all:
    input:
        "results/counts.h5ad",
        expand("results/de/{contrast}.tsv", contrast=CONTRASTS),
        "results/de/normalized_counts.tsv",
        # figures, summaries, provenance and the report's front page (qc/plots/report.smk)
        rules.sample_qc.output,
        expand(rules.de_figures.output, contrast=CONTRASTS),
        rules.de_overlap.output,
        "results/provenance.json",
        FRONT_PAGE,
        # the gene-set branch (gsea.smk), unless 'gsea: enabled: false' or no collection is given;
        # with keep-going (the profiles), a gene-set problem stops this branch only
        GSEA_TARGETS,
    default_target: True
