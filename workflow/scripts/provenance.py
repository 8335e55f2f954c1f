"""Rule provenance: results/provenance.json (versions, resolved config, input SHA-256, seeds)."""

from degsea.scripting import rule_logging
from degsea.steps.report import write_provenance

with rule_logging(snakemake.log[0], rule="provenance"):
    write_provenance(
        inputs={role: list(snakemake.input[role]) for role in snakemake.params.roles},
        config=snakemake.params.config,
        out=snakemake.output.json,
    )
