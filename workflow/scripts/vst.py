"""Rule vst: blind variance-stabilising transformation of the counts (genes x samples)."""

from degsea.scripting import rule_logging
from degsea.steps.qc import variance_stabilise

with rule_logging(snakemake.log[0], rule="vst"):  # noqa: F821
    variance_stabilise(
        counts_h5ad=snakemake.input.h5ad,  # noqa: F821
        out=snakemake.output.vst,  # noqa: F821
        fit_type=snakemake.params.fit_type,  # noqa: F821
        n_sub=snakemake.params.n_sub,  # noqa: F821
    )
