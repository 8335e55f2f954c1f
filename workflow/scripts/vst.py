"""Rule vst: blind variance-stabilising transformation of the counts (genes x samples)."""

from degsea.scripting import rule_logging
from degsea.steps.qc import variance_stabilise

with rule_logging(snakemake.log[0], rule="vst"):
    variance_stabilise(
        counts_h5ad=snakemake.input.h5ad,
        out=snakemake.output.vst,
        fit_type=snakemake.params.fit_type,
        n_sub=snakemake.params.n_sub,
    )
