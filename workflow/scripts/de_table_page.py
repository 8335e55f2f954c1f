"""Rule de_table_page: one contrast's DE table, searchable, with its volcano, as a report page."""

from degsea.scripting import rule_logging
from degsea.steps.report import write_de_table_page

with rule_logging(snakemake.log[0], rule="de_table_page"):
    write_de_table_page(
        table=snakemake.input.table,
        contrast=snakemake.wildcards.contrast,
        padj=snakemake.params.padj,
        lfc=snakemake.params.lfc,
        out=snakemake.output.page,
    )
