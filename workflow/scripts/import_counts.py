"""Rule import_counts: counts in any supported format + sample sheet -> results/counts.h5ad."""

from degsea.scripting import rule_logging
from degsea.steps.counts import import_counts

with rule_logging(snakemake.log[0], rule="import_counts"):  # noqa: F821
    import_counts(
        count_files=list(snakemake.input.counts),  # noqa: F821
        sheet_path=snakemake.input.samples,  # noqa: F821
        annotation=snakemake.input.get("annotation"),  # noqa: F821
        tx2gene=snakemake.input.get("tx2gene"),  # noqa: F821
        out=snakemake.output.h5ad,  # noqa: F821
        per_sample=snakemake.params.per_sample,  # noqa: F821
        settings=snakemake.params.settings,  # noqa: F821
        continuous=snakemake.params.continuous,  # noqa: F821
        extra_columns=snakemake.params.extra_columns,  # noqa: F821
    )
