"""Rule table_pages: the QC and across-contrast tables as report pages (the big ones named, not embedded)."""

from degsea.report.steps_pending import write_table_pages
from degsea.scripting import rule_logging

with rule_logging(snakemake.log[0], rule="table_pages"):  # noqa: F821
    write_table_pages(
        tables={key: path for key, path in snakemake.input.items()},  # noqa: F821
        titles=snakemake.params.titles,  # noqa: F821
        outputs={key: path for key, path in snakemake.output.items()},  # noqa: F821
        beside=snakemake.params.beside,  # noqa: F821
    )
