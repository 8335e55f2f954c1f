# Preranked GSEA and over-representation analysis (ORA) per contrast, and a sets x contrasts summary.

from degsea.gsea.prerank import FDR_METHODS, fdr_floor
from degsea.gsea.settings import GSEASettings
from degsea.resources import gsea_threads

#: config gsea: as one object (degsea/gsea/settings.py holds every key and its default).
GSEA = GSEASettings.from_config(config["gsea"])

#: The DE genes of ORA: config gsea: ora, else the DE threshold of the figures.
ORA_PADJ = (
    GSEA.ora.padj
    if GSEA.ora.padj is not None
    else (config["plots"]["padj"] if config["plots"]["padj"] is not None else config["de"]["alpha"])
)
ORA_LFC = GSEA.ora.lfc if GSEA.ora.lfc is not None else config["plots"]["lfc"]

#: FDR values below this are shown as "< floor" in the figures and the report.
GSEA_FDR_FLOOR = fdr_floor(
    config["gsea"]["fdr"],
    permutations=config["gsea"]["permutations"],
    eps=config["gsea"]["eps"],
    engine=config["gsea"]["engine"],
)


# Downloads run on the submitting host: cluster compute nodes often have no internet.
rule msigdb:
    output:
        gmt="resources/genesets/msigdb/{msigdb}.gmt",
    log:
        "logs/msigdb/{msigdb}.log",
    wildcard_constraints:
        msigdb="|".join(re.escape(name) for name in MSIGDB) or "(?!x)x",
    localrule: True
    conda:
        "../../envs/gsea.yaml"
    threads: 1
    resources:
        mem_mb=estimate("msigdb", "mem_mb"),
        runtime=estimate("msigdb", "runtime"),
    params:
        entry=lambda wildcards: {
            "collection": MSIGDB[wildcards.msigdb].collection,
            "version": MSIGDB[wildcards.msigdb].version,
            "sha256": MSIGDB[wildcards.msigdb].sha256,
        },
        url=lambda wildcards: config["gsea"]["msigdb_url"],  # a function: {collection} is not a wildcard
    script:
        "../scripts/msigdb.py"


rule prepare_genesets:
    input:
        unpack(geneset_inputs),
    output:
        genesets="results/gsea/genesets.json",
        coverage="results/gsea/coverage.tsv",
    log:
        "logs/gsea/prepare_genesets.log",
    priority: GSEA_CHAIN_PRIORITY
    conda:
        "../../envs/gsea.yaml"
    threads: 1
    resources:
        mem_mb=estimate("prepare_genesets", "mem_mb"),
        runtime=estimate("prepare_genesets", "runtime"),
    params:
        msigdb=config["gsea"]["msigdb"],  # names, versions, checksums; the files are inputs
        orthologs={k: v for k, v in config["gsea"]["orthologs"].items() if k != "table"},  # the table is an input
        min_size=config["gsea"]["min_size"],
        max_size=config["gsea"]["max_size"],
        min_coverage=config["gsea"]["min_coverage"],
        focus_sets=config["gsea"]["focus_sets"],
    script:
        "../scripts/prepare_genesets.py"


rule gsea:
    input:
        de="results/de/{contrast}.tsv",
        genesets="results/gsea/genesets.json",
    output:
        table="results/gsea/{contrast}.tsv",
        ranks="results/gsea/{contrast}.ranks.tsv",
    log:
        "logs/gsea/{contrast}.log",
    priority: GSEA_CHAIN_PRIORITY
    conda:
        "../../envs/gsea.yaml"
    # one thread for a few sets (the demo's 9): a second one would only keep a core from other jobs
    threads: gsea_threads(STUDY.gene_sets)
    resources:
        mem_mb=estimate("gsea", "mem_mb"),
        runtime=estimate("gsea", "runtime"),
    params:
        settings={k: config["gsea"][k] for k in GSEASettings.scalar_keys()},
    script:
        "../scripts/gsea.py"


rule gsea_summary:
    input:
        tables=expand("results/gsea/{contrast}.tsv", contrast=CONTRASTS),
    output:
        summary="results/gsea/summary.tsv",
    log:
        "logs/gsea/summary.log",
    priority: GSEA_CHAIN_PRIORITY
    conda:
        "../../envs/gsea.yaml"
    threads: 1
    resources:
        mem_mb=estimate("gsea_summary", "mem_mb"),
        runtime=estimate("gsea_summary", "runtime"),
    params:
        contrasts=CONTRASTS,
    script:
        "../scripts/gsea_summary.py"


rule ora:
    input:
        de="results/de/{contrast}.tsv",
        genesets="results/gsea/genesets.json",
    output:
        table="results/ora/{contrast}.tsv",
        universe="results/ora/{contrast}.universe.txt",
    log:
        "logs/ora/{contrast}.log",
    priority: GSEA_CHAIN_PRIORITY
    conda:
        "../../envs/gsea.yaml"
    threads: 1
    resources:
        mem_mb=estimate("ora", "mem_mb"),
        runtime=estimate("ora", "runtime"),
    params:
        settings={
            "padj": ORA_PADJ,
            "lfc": ORA_LFC,
            "min_size": GSEA.min_size,
            "max_size": GSEA.max_size,
            "collapse_jaccard": GSEA.collapse_jaccard,
        },
    script:
        "../scripts/ora.py"
