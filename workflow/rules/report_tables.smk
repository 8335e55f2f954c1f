# The result tables as pages of the HTML report: searchable and sortable (DataTables through
# itables, offline), the DE table with a volcano linked to its rows. The TSV files stay the
# results; the normalised counts and the VST, which grow with the samples, stay beside the report.
# CONTRAST_HEADINGS, REPORT_TABLES and BESIDE_REPORT come from figures_common.smk.


rule de_table_page:
    input:
        table="results/de/{contrast}.tsv",
    output:
        page=report(
            "results/report/tables/de_{contrast}.html",
            caption="../report/de_table.rst",
            category="2 Differential expression",
            subcategory=lambda wildcards: CONTRAST_HEADINGS[wildcards.contrast],
            labels={"item": "1. DE table (searchable)"},
        ),
    log:
        "logs/report/de_table_page_{contrast}.log",
    conda:
        "../../envs/plots.yaml"
    threads: 1
    resources:
        mem_mb=estimate("de_table_page", "mem_mb"),
        runtime=estimate("de_table_page", "runtime"),
    params:
        padj=DE_PADJ,
        lfc=config["plots"]["lfc"],
    script:
        "../scripts/de_table_page.py"


rule gsea_table_page:
    input:
        tables=expand("results/gsea/{contrast}.tsv", contrast=CONTRASTS),
    output:
        # One page for every contrast: each interactive page carries its own DataTables bundle.
        page=report(
            "results/report/tables/gsea.html",
            caption="../report/gsea_table.rst",
            category="4 Gene-set enrichment",
            subcategory="0. All contrasts",
            labels={"set": "all sets", "item": "GSEA tables (searchable)"},
        ),
    log:
        "logs/report/gsea_table_page.log",
    conda:
        "../../envs/plots.yaml"
    threads: 1
    resources:
        mem_mb=estimate("gsea_table_page", "mem_mb"),
        runtime=estimate("gsea_table_page", "runtime"),
    params:
        contrasts=CONTRASTS,
    script:
        "../scripts/gsea_table_page.py"


rule table_pages:
    input:
        **{key: table["path"] for key, table in REPORT_TABLES.items()},
        **{key: table["path"] for key, table in BESIDE_REPORT.items()},
    output:
        **{
            key: report(f"results/report/tables/{key}.html", caption=table["caption"], **table["place"])
            for key, table in {**REPORT_TABLES, **BESIDE_REPORT}.items()
        },
    log:
        "logs/report/table_pages.log",
    conda:
        "../../envs/plots.yaml"
    threads: 1
    resources:
        mem_mb=estimate("table_pages", "mem_mb"),
        runtime=estimate("table_pages", "runtime"),
    params:
        titles={key: table["title"] for key, table in {**REPORT_TABLES, **BESIDE_REPORT}.items()},
        beside=list(BESIDE_REPORT),
        # named in the tables' captions
        padj=DE_PADJ,
        lfc=config["plots"]["lfc"],
        top_n=config["plots"]["top_sets"],
        sets=FOCUS_SETS,
        method=config["plots"]["scores"],
    script:
        "../scripts/table_pages.py"
