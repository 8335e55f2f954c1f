"""Rule gsea: rank one contrast's genes and run preranked GSEA."""

from degsea.scripting import rule_logging
from degsea.steps.gsea import gene_set_enrichment

with rule_logging(snakemake.log[0], rule=f"gsea {snakemake.wildcards.contrast}"):  # noqa: F821
    gene_set_enrichment(
        de_table=snakemake.input.de,  # noqa: F821
        genesets_json=snakemake.input.genesets,  # noqa: F821
        table_out=snakemake.output.table,  # noqa: F821
        ranks_out=snakemake.output.ranks,  # noqa: F821
        threads=snakemake.threads,  # noqa: F821
        **snakemake.params.settings,  # noqa: F821
    )
