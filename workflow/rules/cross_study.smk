# The cross-study summary of a many-studies run (included by workflow/studies.smk): focus sets x
# studies NES heatmap, and DE genes shared across studies in the comparisons the sheet names.
CROSS = config["cross_study"]


rule cross_study:
    input:
        summaries=[getattr(rules, f"{s.name}_gsea_summary").output.summary for s in STUDIES],
        de=[
            getattr(rules, f"{study}_deseq2").output.tables[STUDY_CONTRASTS[study].index(contrast)]
            for members in COMPARISONS.values()
            for study, contrast in members.items()
        ],
    output:
        nes=report(
            "results/studies/nes.tsv",
            caption="../report/cross_study_nes.rst",
            category="Across studies",
            labels={"item": "NES table"},
        ),
        shared=report(
            "results/studies/shared_de_genes.tsv",
            caption="../report/cross_study_shared.rst",
            category="Across studies",
            labels={"item": "Shared DE genes"},
        ),
        counts=report(
            "results/studies/shared_de_counts.tsv",
            caption="../report/cross_study_counts.rst",
            category="Across studies",
            labels={"item": "Shared DE gene counts"},
        ),
        figures=[
            (
                report(
                    f"results/studies/figures/nes_heatmap.{ext}",
                    caption="../report/cross_study_heatmap.rst",
                    category="Across studies",
                    labels={"item": "NES heatmap"},
                )
                if ext == "png"
                else f"results/studies/figures/nes_heatmap.{ext}"
            )
            for ext in CROSS["formats"]
        ],
    log:
        "logs/studies/cross_study.log",
    conda:
        "../../envs/plots.yaml"
    threads: 1
    resources:
        mem_mb=estimate("cross_study", "mem_mb"),
        runtime=estimate("cross_study", "runtime"),
    params:
        studies={s.name: STUDY_CONTRASTS[s.name] for s in STUDIES},
        comparisons=COMPARISONS,
        focus_sets=cross_study_focus_sets(),
        padj=CROSS["padj"],
        lfc=CROSS["lfc"],
        fdr=CROSS["fdr"],
        dpi=CROSS["dpi"],
    script:
        "../scripts/cross_study.py"
