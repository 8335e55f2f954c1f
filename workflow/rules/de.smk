# Differential expression: one PyDESeq2 fit of the design, then every contrast.


rule deseq2:
    input:
        h5ad="results/counts.h5ad",
    output:
        tables=expand("results/de/{contrast}.tsv", contrast=CONTRASTS),
        normalized="results/de/normalized_counts.tsv",
        fitted="results/de/deseq2_fit.h5ad",
    log:
        "logs/deseq2.log",
    priority: DE_PRIORITY
    conda:
        "../../envs/de.yaml"
    threads: 4
    resources:
        mem_mb=estimate("deseq2", "mem_mb"),
        runtime=estimate("deseq2", "runtime"),
    params:
        design=config["design"],
        continuous=config["continuous"],
        contrasts=config["contrasts"],
        settings=config["de"],
    script:
        "../scripts/deseq2.py"
