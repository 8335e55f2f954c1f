# Result figures: per contrast (volcano, MA, heatmap, p-values), across contrasts (DE overlap,
# NES dot plot), per focus set (running enrichment, leading-edge heatmap), per-sample scores.
# FORMATS, PLOT_GROUPS, DE_PADJ, FOCUS_SETS, FOCUS_SLUGS and figure_files() come from qc.smk.

DE_FIGURES = {
    "volcano": "Volcano plot",
    "ma": "MA plot",
    "heatmap": "Top DE genes heatmap",
    "pvalues": "p-value histogram",
}


rule de_figures:
    input:
        de=report(
            "results/de/{contrast}.tsv",
            caption="../report/de_table.rst",
            category="2 Differential expression",
            subcategory="{contrast}",
            labels={"contrast": "{contrast}", "item": "DE table"},
        ),
        vst="results/qc/vst.tsv",
        h5ad="results/counts.h5ad",
    output:
        figures=[
            path
            for stem, title in DE_FIGURES.items()
            for path in figure_files(
                f"results/figures/de/{{contrast}}/{stem}",
                caption=f"../report/de_{stem}.rst",
                category="2 Differential expression",
                subcategory="{contrast}",
                labels={"contrast": "{contrast}", "item": title},
            )
        ],
    log:
        "logs/plots/de_figures_{contrast}.log",
    priority: DE_PRIORITY
    conda:
        "../../envs/plots.yaml"
    threads: 1
    resources:
        mem_mb=estimate("de_figures", "mem_mb"),
        runtime=estimate("de_figures", "runtime"),
    params:
        groups=PLOT_GROUPS,
        padj=DE_PADJ,
        lfc=config["plots"]["lfc"],
        top_n=config["plots"]["top_n_labels"],
        genes_of_interest=config["plots"]["genes_of_interest"],
        heatmap_top_n=config["plots"]["heatmap_top_n"],
        dpi=config["plots"]["dpi"],
    script:
        "../scripts/de_figures.py"


rule de_overlap:
    input:
        tables=expand("results/de/{contrast}.tsv", contrast=CONTRASTS),
        normalized=report(
            "results/de/normalized_counts.tsv",
            caption="../report/normalized_counts.rst",
            category="3 Across contrasts",
            subcategory="Tables",
            labels={"table": "Normalised counts"},
        ),
    output:
        counts=report(
            "results/summary/de_counts.tsv",
            caption="../report/de_counts.rst",
            category="3 Across contrasts",
            subcategory="Tables",
            labels={"table": "DE genes per contrast"},
        ),
        membership=report(
            "results/summary/de_membership.tsv",
            caption="../report/de_membership.rst",
            category="3 Across contrasts",
            subcategory="Tables",
            labels={"table": "DE genes x contrasts"},
        ),
        intersections=report(
            "results/summary/de_intersections.tsv",
            caption="../report/de_intersections.rst",
            category="3 Across contrasts",
            subcategory="Tables",
            labels={"table": "DE overlap (UpSet)"},
        ),
        figures=figure_files(
            "results/figures/summary/de_overlap",
            caption="../report/de_overlap.rst",
            category="3 Across contrasts",
            subcategory="Figures",
            labels={"figure": "DE overlap (UpSet)"},
        ),
    log:
        "logs/plots/de_overlap.log",
    priority: DE_PRIORITY
    conda:
        "../../envs/plots.yaml"
    threads: 1
    resources:
        mem_mb=estimate("de_overlap", "mem_mb"),
        runtime=estimate("de_overlap", "runtime"),
    params:
        contrasts=CONTRASTS,
        padj=DE_PADJ,
        lfc=config["plots"]["lfc"],
        dpi=config["plots"]["dpi"],
    script:
        "../scripts/de_overlap.py"


rule gsea_overview:
    input:
        summary=report(
            "results/gsea/summary.tsv",
            caption="../report/gsea_summary.rst",
            category="3 Across contrasts",
            subcategory="Tables",
            labels={"table": "GSEA summary (all sets)"},
        ),
    output:
        table=report(
            "results/summary/gsea_selected_sets.tsv",
            caption="../report/gsea_selected_sets.rst",
            category="3 Across contrasts",
            subcategory="Tables",
            labels={"table": "GSEA focus and top sets"},
        ),
        figures=figure_files(
            "results/figures/summary/nes_dotplot",
            caption="../report/nes_dotplot.rst",
            category="3 Across contrasts",
            subcategory="Figures",
            labels={"figure": "NES dot plot"},
        ),
    log:
        "logs/plots/gsea_overview.log",
    conda:
        "../../envs/plots.yaml"
    threads: 1
    resources:
        mem_mb=estimate("gsea_overview", "mem_mb"),
        runtime=estimate("gsea_overview", "runtime"),
    params:
        contrasts=CONTRASTS,
        focus_sets=FOCUS_SETS,
        top_n=config["plots"]["top_sets"],
        permutations=config["gsea"]["permutations"],
        fdr_floor=GSEA_FDR_FLOOR,
        fdr_method=FDR_METHODS[config["gsea"]["fdr"]],
        fdr=config["plots"]["fdr"],
        dpi=config["plots"]["dpi"],
    script:
        "../scripts/gsea_overview.py"


rule gsea_figures:
    input:
        table=report(
            "results/gsea/{contrast}.tsv",
            caption="../report/gsea_table.rst",
            category="4 Gene-set enrichment",
            subcategory="{contrast}",
            labels={"contrast": "{contrast}", "set": "(all sets)", "item": "GSEA table"},
        ),
        ranks=report(
            "results/gsea/{contrast}.ranks.tsv",
            caption="../report/gsea_ranks.rst",
            category="4 Gene-set enrichment",
            subcategory="{contrast}",
            labels={"contrast": "{contrast}", "set": "(all genes)", "item": "Ranked genes"},
        ),
        genesets=rules.gsea.input.genesets,
        vst="results/qc/vst.tsv",
        h5ad="results/counts.h5ad",
    output:
        running=[
            path
            for name, slug in zip(FOCUS_SETS, FOCUS_SLUGS)
            for path in figure_files(
                f"results/figures/gsea/{{contrast}}/running_{slug}",
                caption="../report/gsea_running.rst",
                category="4 Gene-set enrichment",
                subcategory="{contrast}",
                labels={"contrast": "{contrast}", "set": name, "item": "Running enrichment"},
            )
        ],
        leading_edge=[
            path
            for name, slug in zip(FOCUS_SETS, FOCUS_SLUGS)
            for path in figure_files(
                f"results/figures/gsea/{{contrast}}/leading_edge_{slug}",
                caption="../report/gsea_leading_edge.rst",
                category="4 Gene-set enrichment",
                subcategory="{contrast}",
                labels={"contrast": "{contrast}", "set": name, "item": "Leading-edge heatmap"},
            )
        ],
    log:
        "logs/plots/gsea_figures_{contrast}.log",
    conda:
        "../../envs/plots.yaml"
    threads: 1
    resources:
        mem_mb=estimate("gsea_figures", "mem_mb"),
        runtime=estimate("gsea_figures", "runtime"),
    params:
        focus_sets=FOCUS_SETS,
        groups=PLOT_GROUPS,
        weight=config["gsea"]["weight"],
        permutations=config["gsea"]["permutations"],
        fdr_floor=GSEA_FDR_FLOOR,
        fdr_method=FDR_METHODS[config["gsea"]["fdr"]],
        heatmap_top_n=config["plots"]["heatmap_top_n"],
        dpi=config["plots"]["dpi"],
    script:
        "../scripts/gsea_figures.py"


rule sample_scores:
    input:
        vst="results/qc/vst.tsv",
        h5ad="results/counts.h5ad",
        genesets=rules.gsea.input.genesets,
    output:
        table=report(
            "results/genesets/sample_scores.tsv",
            caption="../report/sample_scores_table.rst",
            category="5 Gene-set scores per sample",
            labels={"item": "Scores table"},
        ),
        figures=figure_files(
            "results/figures/genesets/sample_scores",
            caption="../report/sample_scores.rst",
            category="5 Gene-set scores per sample",
            labels={"item": "Scores by group"},
        ),
    log:
        "logs/plots/sample_scores.log",
    conda:
        "../../envs/plots.yaml"
    threads: 1
    resources:
        mem_mb=estimate("sample_scores", "mem_mb"),
        runtime=estimate("sample_scores", "runtime"),
    params:
        sets=FOCUS_SETS,
        groups=PLOT_GROUPS,
        method=config["plots"]["scores"],
        dpi=config["plots"]["dpi"],
    script:
        "../scripts/sample_scores.py"
