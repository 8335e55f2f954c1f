# Count import: the counts (any supported format) and the sample sheet, checked and joined into one AnnData.


rule import_counts:
    input:
        unpack(count_inputs),
    output:
        h5ad="results/counts.h5ad",
    log:
        "logs/import_counts.log",
    conda:
        "../../envs/counts.yaml"
    threads: 1
    resources:
        mem_mb=estimate("import_counts", "mem_mb"),
        runtime=estimate("import_counts", "runtime"),
    params:
        continuous=config["continuous"],
        extra_columns=config["counts"]["extra_columns"],
        # the files are inputs (resolved once by the up-front check); the rest of 'counts:' here
        per_sample=STUDY.per_sample,
        settings={k: v for k, v in config["counts"].items() if k not in COUNT_PATH_KEYS},
    script:
        "../scripts/import_counts.py"
