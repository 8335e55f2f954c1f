"""Rule lrt_cluster_ora: over-representation of the gene sets in each profile cluster of a likelihood-ratio test."""

from degsea.scripting import rule_logging
from degsea.steps.profiles_ora import cluster_over_representation

with rule_logging(snakemake.log[0], rule=f"lrt_cluster_ora {snakemake.wildcards.test}"):
    cluster_over_representation(
        clusters_table=snakemake.input.clusters,
        lrt_table=snakemake.input.lrt,
        genesets_json=snakemake.input.genesets,
        out=snakemake.output.table,
        min_size=snakemake.params.min_size,
        max_size=snakemake.params.max_size,
    )
