"""Rule import_counts: counts in any supported format + sample sheet -> results/counts.h5ad."""

from degsea.scripting import rule_logging
from degsea.steps.counts import import_counts

with rule_logging(snakemake.log[0], rule="import_counts"):
    import_counts(
        counts_path=None,
        sheet_path=snakemake.input.samples,
        out=snakemake.output.h5ad,
        continuous=snakemake.params.continuous,
        extra_columns=snakemake.params.extra_columns,
        counts=snakemake.params.counts,
    )
