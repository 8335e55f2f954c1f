"""Rule gsea: rank one contrast's genes and run preranked GSEA."""

from degsea.scripting import rule_logging
from degsea.steps.gsea import gene_set_enrichment

with rule_logging(snakemake.log[0], rule=f"gsea {snakemake.wildcards.contrast}"):
    gene_set_enrichment(
        de_table=snakemake.input.de,
        genesets_json=snakemake.input.genesets,
        table_out=snakemake.output.table,
        ranks_out=snakemake.output.ranks,
        threads=snakemake.threads,
        settings=snakemake.params.settings,
    )
