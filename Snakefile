# degsea: bulk RNA-seq differential expression (PyDESeq2) and preranked GSEA (gseapy).
# This file is the table of contents; the stages live in workflow/rules/.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


# Validation (JSON schema, then the library's cross-checks) runs in common.smk,
# before any job is scheduled.
include: "workflow/rules/common.smk"
include: "workflow/rules/demo.smk"
include: "workflow/rules/counts.smk"
include: "workflow/rules/de.smk"
include: "workflow/rules/gsea.smk"


rule all:
    input:
        "results/counts.h5ad",
        expand("results/de/{contrast}.tsv", contrast=CONTRASTS),
        "results/de/normalized_counts.tsv",
        expand("results/gsea/{contrast}.tsv", contrast=CONTRASTS),
        "results/gsea/summary.tsv",
    default_target: True
