"""Rule de_table_page: one contrast's DE table, searchable, with its volcano, as a report page."""

from degsea.report.steps_pending import write_de_table_page
from degsea.scripting import rule_logging

with rule_logging(snakemake.log[0], rule="de_table_page"):  # noqa: F821
    write_de_table_page(
        table=snakemake.input.table,  # noqa: F821
        contrast=snakemake.wildcards.contrast,  # noqa: F821
        padj=snakemake.params.padj,  # noqa: F821
        lfc=snakemake.params.lfc,  # noqa: F821
        out=snakemake.output.page,  # noqa: F821
    )
