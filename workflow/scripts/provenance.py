"""Rule provenance: results/provenance.json (versions, resolved config, input SHA-256, seeds)."""

from degsea.scripting import rule_logging
from degsea.steps.report import write_provenance

with rule_logging(snakemake.log[0], rule="provenance"):  # noqa: F821
    write_provenance(
        inputs={role: list(snakemake.input[role]) for role in snakemake.params.roles},  # noqa: F821
        config=snakemake.params.config,  # noqa: F821
        out=snakemake.output.json,  # noqa: F821
    )
