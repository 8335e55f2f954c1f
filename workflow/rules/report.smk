# Provenance (versions, resolved config, input checksums, seeds) and the HTML report's front page.
# `snakemake --report results/report.html` after a run builds the self-contained report; its
# front page is results/report/front_page.rst once the run has written it (the static
# workflow/report/workflow.rst before that).
from pathlib import Path  # noqa: E402


report: str(Path(FRONT_PAGE).resolve()) if Path(FRONT_PAGE).is_file() else "../report/workflow.rst"


rule provenance:
    input:
        **provenance_inputs(),
        # Written once the data passed every check (import, gene-set coverage): a run stopped
        # by a bad input leaves no provenance of results that were never made.
        checked="results/gsea/coverage.tsv" if GSEA_ENABLED else "results/counts.h5ad",
    output:
        json=report(
            "results/provenance.json",
            caption="../report/provenance.rst",
            category="6 Provenance",
            labels={"item": "provenance.json"},
        ),
    log:
        "logs/report/provenance.log",
    conda:
        "../../envs/plots.yaml"
    threads: 1
    resources:
        mem_mb=estimate("provenance", "mem_mb"),
        runtime=estimate("provenance", "runtime"),
    params:
        # the paths as the rule reads them (a study of a many-studies run has its own folders)
        roles=list(provenance_inputs()),  # the input files are read from input, by these roles
        config=config,
    script:
        "../scripts/provenance.py"


rule report_front_page:
    input:
        **({"gsea_summary": "results/gsea/summary.tsv"} if GSEA_ENABLED else {}),
        provenance="results/provenance.json",
        de_counts="results/summary/de_counts.tsv",
        h5ad="results/counts.h5ad",
        ora=expand("results/ora/{contrast}.tsv", contrast=CONTRASTS) if GSEA_ENABLED else [],
        lrt_tables=expand("results/de/lrt/{test}.tsv", test=LRTS),
    output:
        rst=FRONT_PAGE,
    log:
        "logs/report/front_page.log",
    conda:
        "../../envs/plots.yaml"
    threads: 1
    resources:
        mem_mb=estimate("report_front_page", "mem_mb"),
        runtime=estimate("report_front_page", "runtime"),
    params:
        config=config,
        color_by=PLOT_GROUPS["color_by"],
        fdr=config["plots"]["fdr"],
        fdr_method=FDR_METHODS[config["gsea"]["fdr"]],
        fdr_floor=GSEA_FDR_FLOOR,
        beside={table["title"]: table["path"] for table in BESIDE_REPORT.values()},
        contrasts=CONTRASTS if GSEA_ENABLED else [],  # of the ORA tables (gene-set branch)
    script:
        "../scripts/report_front_page.py"
