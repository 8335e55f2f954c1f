"""Rule deseq2: one PyDESeq2 fit, one result table per contrast."""

from degsea.scripting import rule_logging
from degsea.steps.de import differential_expression

with rule_logging(snakemake.log[0], rule="deseq2"):  # noqa: F821
    differential_expression(
        counts_h5ad=snakemake.input.h5ad,  # noqa: F821
        design=snakemake.params.design,  # noqa: F821
        contrasts=snakemake.params.contrasts,  # noqa: F821
        continuous=snakemake.params.continuous,  # noqa: F821
        settings=snakemake.params.settings,  # noqa: F821
        tables_out=list(snakemake.output.tables),  # noqa: F821
        normalized_out=snakemake.output.normalized,  # noqa: F821
        fitted_out=snakemake.output.fitted,  # noqa: F821
        threads=snakemake.threads,  # noqa: F821
    )
