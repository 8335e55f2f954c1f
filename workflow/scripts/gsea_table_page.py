"""Rule gsea_table_page: every contrast's GSEA table, searchable, in one report page."""

from degsea.scripting import rule_logging
from degsea.steps.report import write_gsea_table_page

with rule_logging(snakemake.log[0], rule="gsea_table_page"):
    write_gsea_table_page(
        tables=dict(zip(snakemake.params.contrasts, snakemake.input.tables, strict=True)),
        out=snakemake.output.page,
    )
