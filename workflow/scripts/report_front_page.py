"""Rule report_front_page: the HTML report's front page from the run's results."""

from degsea.scripting import rule_logging
from degsea.steps.report import report_front_page

with rule_logging(snakemake.log[0], rule="report_front_page"):  # noqa: F821
    report_front_page(
        provenance_json=snakemake.input.provenance,  # noqa: F821
        de_counts=snakemake.input.de_counts,  # noqa: F821
        gsea_summary=snakemake.input.get("gsea_summary"),  # noqa: F821
        counts_h5ad=snakemake.input.h5ad,  # noqa: F821
        color_by=snakemake.params.color_by,  # noqa: F821
        fdr=snakemake.params.fdr,  # noqa: F821
        out=snakemake.output.rst,  # noqa: F821
    )
