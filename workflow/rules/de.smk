# Differential expression: one PyDESeq2 fit of the design, then every contrast and likelihood-ratio test.


rule deseq2:
    input:
        h5ad="results/counts.h5ad",
    output:
        tables=expand("results/de/{contrast}.tsv", contrast=CONTRASTS),
        lrt_tables=expand("results/de/lrt/{test}.tsv", test=LRTS),
        normalized="results/de/normalized_counts.tsv",
        fitted="results/de/deseq2_fit.h5ad",
    log:
        "logs/deseq2.log",
    priority: FIT_PRIORITY
    conda:
        "../../envs/de.yaml"
    # one thread for a small study (the demo): a second one would only keep the VST waiting
    threads: deseq2_threads(STUDY_SIZE, most=4)
    resources:
        mem_mb=estimate("deseq2", "mem_mb"),
        runtime=estimate("deseq2", "runtime"),
    params:
        design=config["design"],
        continuous=config["continuous"],
        contrasts=config["contrasts"],
        lrts=LRT_DESIGNS,
        reference_levels=config["reference_levels"],
        settings=config["de"],
    script:
        "../scripts/deseq2.py"
