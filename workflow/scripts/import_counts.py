"""Rule import_counts: counts in any supported format + sample sheet -> results/counts.h5ad."""

from degsea.scripting import rule_logging
from degsea.steps.counts import import_counts

with rule_logging(snakemake.log[0], rule="import_counts"):  # noqa: F821
    import_counts(
        counts_path=None,
        sheet_path=snakemake.input.samples,  # noqa: F821
        out=snakemake.output.h5ad,  # noqa: F821
        continuous=snakemake.params.continuous,  # noqa: F821
        extra_columns=snakemake.params.extra_columns,  # noqa: F821
        counts=snakemake.params.counts,  # noqa: F821
    )
