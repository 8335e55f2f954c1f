"""Rule sample_qc: per-sample QC table, PCA variance and the QC figures."""

from degsea.scripting import rule_logging
from degsea.steps.figures_qc import sample_qc

with rule_logging(snakemake.log[0], rule="sample_qc"):  # noqa: F821
    sample_qc(
        counts_h5ad=snakemake.input.h5ad,  # noqa: F821
        vst_table=snakemake.input.vst,  # noqa: F821
        fitted_h5ad=snakemake.input.fitted,  # noqa: F821
        samples_out=snakemake.output.samples,  # noqa: F821
        variance_out=snakemake.output.variance,  # noqa: F821
        figures=list(snakemake.output.figures),  # noqa: F821
        groups=snakemake.params.groups,  # noqa: F821
        pca_top_genes=snakemake.params.pca_top_genes,  # noqa: F821
        fit_type=snakemake.params.fit_type,  # noqa: F821
        dpi=snakemake.params.dpi,  # noqa: F821
    )
