# Sample QC: the blind VST of the counts, per-sample QC tables and figures.
# Figure settings and figure_files() come from figures_common.smk.
QC_FIGURES = {
    "library_sizes": "Library sizes and detected genes",
    "size_factors": "Size factors",
    "pca_pc1_pc2": "PCA, PC1 vs PC2",
    "pca_pc1_pc3": "PCA, PC1 vs PC3",
    "scree": "PCA scree plot",
    "sample_distances": "Sample-to-sample distances",
    "dispersions": "Dispersion estimates",
    "cooks_distances": "Cook's distances",
}


rule vst:
    input:
        h5ad="results/counts.h5ad",
    output:
        vst="results/qc/vst.tsv",
    log:
        "logs/qc/vst.log",
    priority: DE_PRIORITY
    conda:
        "../../envs/plots.yaml"
    threads: 1
    resources:
        mem_mb=estimate("vst", "mem_mb"),
        runtime=estimate("vst", "runtime"),
    params:
        fit_type=VST_FIT_TYPE,
        n_sub=PLOTS["vst_nsub"],
    script:
        "../scripts/vst.py"


rule sample_qc:
    input:
        h5ad="results/counts.h5ad",
        vst="results/qc/vst.tsv",
        fitted="results/de/deseq2_fit.h5ad",
    output:
        samples="results/qc/samples.tsv",
        variance="results/qc/pca_variance.tsv",
        figures=[
            path
            for i, (stem, title) in enumerate(QC_FIGURES.items(), start=1)
            for path in figure_files(
                f"results/figures/qc/{stem}",
                caption=f"../report/qc_{stem}.rst",
                category="1 Sample QC",
                subcategory="Figures",
                labels={"figure": f"{i}. {title}"},
            )
        ],
    log:
        "logs/qc/sample_qc.log",
    priority: DE_PRIORITY
    conda:
        "../../envs/plots.yaml"
    threads: 1
    resources:
        mem_mb=estimate("sample_qc", "mem_mb"),
        runtime=estimate("sample_qc", "runtime"),
    params:
        groups=PLOT_GROUPS,
        pca_top_genes=PLOTS["pca_top_genes"],
        fit_type=VST_FIT_TYPE,
        pca_labels=PLOTS["pca_labels"],
        dpi=PLOTS["dpi"],
    script:
        "../scripts/sample_qc.py"
