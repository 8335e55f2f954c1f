"""Rule deseq2: one PyDESeq2 fit, one result table per contrast."""

from degsea.scripting import rule_logging
from degsea.steps.de import differential_expression

with rule_logging(snakemake.log[0], rule="deseq2"):
    differential_expression(
        counts_h5ad=snakemake.input.h5ad,
        design=snakemake.params.design,
        contrasts=snakemake.params.contrasts,
        continuous=snakemake.params.continuous,
        settings=snakemake.params.settings,
        tables_out=list(snakemake.output.tables),
        normalized_out=snakemake.output.normalized,
        fitted_out=snakemake.output.fitted,
        threads=snakemake.threads,
    )
