"""Rule sample_qc: per-sample QC table, PCA variance and the QC figures."""

from degsea.scripting import rule_logging
from degsea.steps.figures_qc import sample_qc

with rule_logging(snakemake.log[0], rule="sample_qc"):
    sample_qc(
        counts_h5ad=snakemake.input.h5ad,
        vst_table=snakemake.input.vst,
        fitted_h5ad=snakemake.input.fitted,
        samples_out=snakemake.output.samples,
        variance_out=snakemake.output.variance,
        figures=list(snakemake.output.figures),
        groups=snakemake.params.groups,
        pca_top_genes=snakemake.params.pca_top_genes,
        fit_type=snakemake.params.fit_type,
        dpi=snakemake.params.dpi,
    )
