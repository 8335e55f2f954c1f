# Result figures: per contrast (volcano, MA, heatmap, p-values), across contrasts (DE overlap,
# NES and ORA dot plots), per focus set (running enrichment, leading-edge heatmap), per-sample scores
# of the focus sets and of whole collections.
# FORMATS, PLOT_GROUPS, DE_PADJ, FOCUS_SETS, FOCUS_SLUGS and figure_files() come from qc.smk.

DE_FIGURES = {
    "volcano": "Volcano plot",
    "ma": "MA plot",
    "heatmap": "Top DE genes heatmap",
    "pvalues": "p-value histogram",
}


rule de_figures:
    input:
        de="results/de/{contrast}.tsv",
        vst="results/qc/vst.tsv",
        h5ad="results/counts.h5ad",
    output:
        figures=[
            path
            for i, (stem, title) in enumerate(DE_FIGURES.items(), start=2)  # 1. is the DE table (report_tables.smk)
            for path in figure_files(
                f"results/figures/de/{{contrast}}/{stem}",
                caption=f"../report/de_{stem}.rst",
                category="2 Differential expression",
                subcategory=lambda wildcards: CONTRAST_HEADINGS[wildcards.contrast],
                labels={"item": f"{i}. {title}"},
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
    output:
        counts="results/summary/de_counts.tsv",
        membership="results/summary/de_membership.tsv",
        intersections="results/summary/de_intersections.tsv",
        figures=figure_files(
            "results/figures/summary/de_overlap",
            caption="../report/de_overlap.rst",
            category="3 Across contrasts",
            subcategory="Figures",
            labels={"figure": "1. DE overlap (UpSet)"},
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
        summary="results/gsea/summary.tsv",
    output:
        table="results/summary/gsea_selected_sets.tsv",
        figures=figure_files(
            "results/figures/summary/nes_dotplot",
            caption="../report/nes_dotplot.rst",
            category="3 Across contrasts",
            subcategory="Figures",
            labels={"figure": "2. NES dot plot"},
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
        table="results/gsea/{contrast}.tsv",
        ranks="results/gsea/{contrast}.ranks.tsv",
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
                subcategory=lambda wildcards: CONTRAST_HEADINGS[wildcards.contrast],
                labels={"set": FOCUS_LABELS[name], "item": "1. Running enrichment"},
            )
        ],
        leading_edge=[
            path
            for name, slug in zip(FOCUS_SETS, FOCUS_SLUGS)
            for path in figure_files(
                f"results/figures/gsea/{{contrast}}/leading_edge_{slug}",
                caption="../report/gsea_leading_edge.rst",
                category="4 Gene-set enrichment",
                subcategory=lambda wildcards: CONTRAST_HEADINGS[wildcards.contrast],
                labels={"set": FOCUS_LABELS[name], "item": "2. Leading-edge heatmap"},
            )
        ],
    log:
        "logs/plots/gsea_figures_{contrast}.log",
    priority: GSEA_CHAIN_PRIORITY
    conda:
        "../../envs/plots.yaml"
    threads: 1
    resources:
        mem_mb=estimate("gsea_figures", "mem_mb"),
        runtime=estimate("gsea_figures", "runtime"),
    params:
        focus_sets=FOCUS_SETS,
        groups=PLOT_GROUPS,
        contrast_groups=lambda wildcards: CONTRAST_GROUPS.get(wildcards.contrast),
        other_groups=config["plots"]["leading_edge_other_groups"],
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
        table="results/genesets/sample_scores.tsv",
        figures=figure_files(
            "results/figures/genesets/sample_scores",
            caption="../report/sample_scores.rst",
            category="5 Gene-set scores per sample",
            labels={"item": "1. Scores by group"},
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


rule ora_overview:
    input:
        # The per-contrast ORA tables are report pages (REPORT_TABLES, rule table_pages); their
        # universes stay beside them in results/ora/ (named in the tables' caption), not in the report.
        tables=expand("results/ora/{contrast}.tsv", contrast=CONTRASTS),
    output:
        table="results/summary/ora_selected_sets.tsv",
        figures=figure_files(
            "results/figures/summary/ora_dotplot",
            caption="../report/ora_dotplot.rst",
            category="3 Across contrasts",
            subcategory="Figures",
            labels={"figure": "3. ORA dot plot"},
        ),
    log:
        "logs/plots/ora_overview.log",
    conda:
        "../../envs/plots.yaml"
    threads: 1
    resources:
        mem_mb=estimate("ora_overview", "mem_mb"),
        runtime=estimate("ora_overview", "runtime"),
    params:
        contrasts=CONTRASTS,
        focus_sets=FOCUS_SETS,
        top_n=config["plots"]["top_sets"],
        padj=ORA_PADJ,
        lfc=ORA_LFC,
        fdr=config["plots"]["fdr"],
        dpi=config["plots"]["dpi"],
    script:
        "../scripts/ora_overview.py"


rule collection_scores:
    input:
        vst="results/qc/vst.tsv",
        h5ad="results/counts.h5ad",
        genesets=rules.gsea.input.genesets,
    output:
        scores="results/genesets/collection_scores.tsv",
        tests="results/genesets/collection_score_tests.tsv",
        figures=figure_files(
            "results/figures/genesets/collection_scores_heatmap",
            caption="../report/collection_scores_heatmap.rst",
            category="5 Gene-set scores per sample",
            labels={"item": "3. Collection scores heatmap"},
        ),
    log:
        "logs/plots/collection_scores.log",
    conda:
        "../../envs/plots.yaml"
    threads: 1
    resources:
        mem_mb=estimate("collection_scores", "mem_mb"),
        runtime=estimate("collection_scores", "runtime"),
    params:
        contrasts=CONTRAST_GROUPS,
        groups=PLOT_GROUPS,
        method=GSEA.collection_scores.method,
        top_sets=GSEA.collection_scores.top_sets,
        min_size=GSEA.min_size,
        max_size=GSEA.max_size,
        dpi=config["plots"]["dpi"],
    script:
        "../scripts/collection_scores.py"


rule lrt_profiles:
    input:
        lrt=report(
            "results/de/lrt/{test}.tsv",
            caption="../report/lrt_table.rst",
            category="2 Differential expression",
            subcategory="LRT {test}",
            labels={"test": "{test}", "item": "LRT table"},
        ),
        vst="results/qc/vst.tsv",
        h5ad="results/counts.h5ad",
    output:
        table="results/de/lrt/{test}.clusters.tsv",
        figures=figure_files(
            "results/figures/lrt/{test}/profiles",
            caption="../report/lrt_profiles.rst",
            category="2 Differential expression",
            subcategory="LRT {test}",
            labels={"test": "{test}", "item": "profiles"},
        ),
    log:
        "logs/plots/lrt_profiles_{test}.log",
    conda:
        "../../envs/plots.yaml"
    threads: 1
    resources:
        mem_mb=estimate("lrt_profiles", "mem_mb"),
        runtime=estimate("lrt_profiles", "runtime"),
    params:
        profiles=lambda wildcards: LRT_PROFILES[wildcards.test],
        dpi=config["plots"]["dpi"],
    script:
        "../scripts/lrt_profiles.py"


rule lrt_cluster_ora:
    input:
        clusters="results/de/lrt/{test}.clusters.tsv",
        lrt="results/de/lrt/{test}.tsv",
        genesets="results/gsea/genesets.json",
    output:
        table="results/de/lrt/{test}.clusters_ora.tsv",
    log:
        "logs/plots/lrt_cluster_ora_{test}.log",
    conda:
        "../../envs/gsea.yaml"
    threads: 1
    resources:
        mem_mb=estimate("lrt_cluster_ora", "mem_mb"),
        runtime=estimate("lrt_cluster_ora", "runtime"),
    params:
        min_size=config["gsea"]["min_size"],
        max_size=config["gsea"]["max_size"],
    script:
        "../scripts/lrt_cluster_ora.py"
