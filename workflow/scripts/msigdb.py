"""Rule msigdb: download one MSigDB collection into resources/genesets/msigdb/, checking its SHA-256."""

from degsea.scripting import rule_logging
from degsea.steps.gsea import download_msigdb

with rule_logging(snakemake.log[0], rule=f"msigdb {snakemake.wildcards.msigdb}"):
    download_msigdb(
        entry=snakemake.params.entry,
        out=snakemake.output.gmt,
        url_template=snakemake.params.url,
    )
