"""Rule report_front_page: the HTML report's front page from the run's results."""

from degsea.scripting import rule_logging
from degsea.steps.report import report_front_page

with rule_logging(snakemake.log[0], rule="report_front_page"):
    report_front_page(
        config=snakemake.params.config,
        provenance_json=snakemake.input.provenance,
        de_counts=snakemake.input.de_counts,
        gsea_summary=snakemake.input.get("gsea_summary"),
        counts_h5ad=snakemake.input.h5ad,
        color_by=snakemake.params.color_by,
        fdr=snakemake.params.fdr,
        fdr_method=snakemake.params.fdr_method,
        fdr_floor=snakemake.params.fdr_floor,
        beside=snakemake.params.beside,
        ora_tables=dict(zip(snakemake.params.contrasts, snakemake.input.ora, strict=True)) or None,
        lrt_tables=list(snakemake.input.lrt_tables),
        out=snakemake.output.rst,
    )
