"""Rule import_counts: counts in any supported format + sample sheet -> results/counts.h5ad."""

from degsea.scripting import rule_logging
from degsea.steps.counts import import_counts

with rule_logging(snakemake.log[0], rule="import_counts"):
    import_counts(
        # one count file: read it as the rule names it (a study of a many-studies run has its own demo data)
        counts_path=snakemake.input.counts[0] if len(snakemake.input.counts) == 1 else None,
        sheet_path=snakemake.input.samples,
        out=snakemake.output.h5ad,
        continuous=snakemake.params.continuous,
        extra_columns=snakemake.params.extra_columns,
        counts=snakemake.params.counts,
    )
