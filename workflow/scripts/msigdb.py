"""Rule msigdb: download one MSigDB collection into resources/genesets/msigdb/, checking its SHA-256."""

from degsea.scripting import rule_logging
from degsea.steps.gsea import download_msigdb

with rule_logging(snakemake.log[0], rule=f"msigdb {snakemake.wildcards.msigdb}"):  # noqa: F821
    download_msigdb(
        entry=snakemake.params.entry,  # noqa: F821
        out=snakemake.output.gmt,  # noqa: F821
        url_template=snakemake.params.url,  # noqa: F821
    )
