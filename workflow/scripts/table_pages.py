"""Rule table_pages: the QC and across-contrast tables as report pages (the big ones named, not embedded)."""

from degsea.scripting import rule_logging
from degsea.steps.report import write_table_pages

with rule_logging(snakemake.log[0], rule="table_pages"):
    write_table_pages(
        tables={key: path for key, path in snakemake.input.items()},
        titles=snakemake.params.titles,
        outputs={key: path for key, path in snakemake.output.items()},
        beside=snakemake.params.beside,
    )
