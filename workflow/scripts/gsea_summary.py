"""Rule gsea_summary: sets x contrasts table of NES and FDR."""

from degsea.scripting import rule_logging
from degsea.steps.gsea import summarise_gsea

with rule_logging(snakemake.log[0], rule="gsea_summary"):
    summarise_gsea(
        tables=dict(zip(snakemake.params.contrasts, snakemake.input.tables, strict=True)),
        out=snakemake.output.summary,
    )
