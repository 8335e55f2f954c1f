# The embedded demo study: simulated counts of untreated / responsive / resistant tumours, or of
# wild-type / Rag1-/- hosts x vehicle / AZD8055 (config 'demo: experiment').


rule simulate_demo:
    input:
        samples=config["samples"],
        genesets=config["demo"]["genesets"],
    output:
        counts=DEMO_COUNTS,
        samples=f"{DEMO_DIR}/samples.tsv",
        truth=f"{DEMO_DIR}/truth.tsv",
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
        experiment=config["demo"]["experiment"],
    script:
        "../scripts/simulate_demo.py"
