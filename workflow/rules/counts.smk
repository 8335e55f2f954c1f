# Count import: the matrix and the sample sheet, checked and joined into one AnnData.


rule import_counts:
    input:
        counts=config["counts"]["path"],
        samples=config["samples"],
    output:
        h5ad="results/counts.h5ad",
    params:
        continuous=config["continuous"],
        extra_columns=config["counts"]["extra_columns"],
    log:
        "logs/import_counts.log",
    conda:
        "../../envs/counts.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=20,
    script:
        "../scripts/import_counts.py"
