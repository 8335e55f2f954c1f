# Preranked GSEA per contrast, and a sets x contrasts summary.


rule gsea:
    input:
        de="results/de/{contrast}.tsv",
        genesets=config["gsea"]["genesets"],
    output:
        table="results/gsea/{contrast}.tsv",
        ranks="results/gsea/{contrast}.ranks.tsv",
    params:
        settings={k: v for k, v in config["gsea"].items() if k not in ("genesets", "focus_sets")},
    log:
        "logs/gsea/{contrast}.log",
    conda:
        "../../envs/gsea.yaml"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=60,
    script:
        "../scripts/gsea.py"


rule gsea_summary:
    input:
        tables=expand("results/gsea/{contrast}.tsv", contrast=CONTRASTS),
    output:
        summary="results/gsea/summary.tsv",
    params:
        contrasts=CONTRASTS,
    log:
        "logs/gsea/summary.log",
    conda:
        "../../envs/gsea.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../scripts/gsea_summary.py"
