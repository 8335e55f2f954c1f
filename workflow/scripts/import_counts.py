"""Rule import_counts: counts in any supported format + sample sheet -> results/counts.h5ad."""

from degsea.scripting import rule_logging
from degsea.steps.counts import import_counts

with rule_logging(snakemake.log[0], rule="import_counts"):
    import_counts(
        count_files=list(snakemake.input.counts),
        sheet_path=snakemake.input.samples,
        annotation=snakemake.input.get("annotation"),
        tx2gene=snakemake.input.get("tx2gene"),
        out=snakemake.output.h5ad,
        per_sample=snakemake.params.per_sample,
        settings=snakemake.params.settings,
        continuous=snakemake.params.continuous,
        extra_columns=snakemake.params.extra_columns,
    )
