"""Rule ora: over-representation of one contrast's up and down DE genes against its tested genes."""

from degsea.scripting import rule_logging
from degsea.steps.gsea import over_representation

with rule_logging(snakemake.log[0], rule=f"ora {snakemake.wildcards.contrast}"):
    over_representation(
        de_table=snakemake.input.de,
        genesets_json=snakemake.input.genesets,
        table_out=snakemake.output.table,
        universe_out=snakemake.output.universe,
        contrast=snakemake.wildcards.contrast,
        **snakemake.params.settings,
    )
