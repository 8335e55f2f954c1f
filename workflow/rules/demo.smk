# The embedded demo study: simulated counts of untreated / responsive / resistant tumours.


rule simulate_demo:
    input:
        samples=config["samples"],
        genesets=config["demo"]["genesets"],
    output:
        counts=DEMO_COUNTS,
        samples="resources/demo/samples.tsv",
        truth="resources/demo/truth.tsv",
    log:
        "logs/simulate_demo.log",
    conda:
        "../../envs/demo.yaml"
    threads: 1
    resources:
        mem_mb=estimate("simulate_demo", "mem_mb"),
        runtime=estimate("simulate_demo", "runtime"),
    params:
        seed=config["demo"]["seed"],
        n_genes=config["demo"]["n_genes"],
    script:
        "../scripts/simulate_demo.py"
