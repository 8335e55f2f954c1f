# Preranked GSEA per contrast, and a sets x contrasts summary.

from degsea.gsea.prerank import FDR_METHODS, fdr_floor

#: The gsea: keys rule gsea uses (gene-set sources are handled by prepare_genesets).
GSEA_SETTINGS = (
    "rank_by",
    "permutations",
    "max_permutations",
    "fdr",
    "min_size",
    "max_size",
    "weight",
    "seed",
    "min_coverage",
    "engine",
)

#: FDR values below this are shown as "< floor" in the figures and the report.
GSEA_FDR_FLOOR = fdr_floor(
    config["gsea"]["fdr"],
    permutations=config["gsea"]["permutations"],
    max_permutations=config["gsea"]["max_permutations"],
    engine=config["gsea"]["engine"],
)


# Downloads run on the submitting host: cluster compute nodes often have no internet.
localrules:
    msigdb,


rule msigdb:
    output:
        gmt="resources/genesets/msigdb/{msigdb}.gmt",
    log:
        "logs/msigdb/{msigdb}.log",
    wildcard_constraints:
        msigdb="|".join(re.escape(name) for name in MSIGDB) or "(?!x)x",
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
    conda:
        "../../envs/gsea.yaml"
    threads: 2
    resources:
        mem_mb=estimate("gsea", "mem_mb"),
        runtime=estimate("gsea", "runtime"),
    params:
        settings={k: config["gsea"][k] for k in GSEA_SETTINGS},
    script:
        "../scripts/gsea.py"


rule gsea_summary:
    input:
        tables=expand("results/gsea/{contrast}.tsv", contrast=CONTRASTS),
    output:
        summary="results/gsea/summary.tsv",
    log:
        "logs/gsea/summary.log",
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
