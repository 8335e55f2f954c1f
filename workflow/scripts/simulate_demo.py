"""Rule simulate_demo: the embedded demo study (counts, samples, planted truth)."""

from degsea.scripting import rule_logging
from degsea.steps.demo import simulate_demo

with rule_logging(snakemake.log[0], rule="simulate_demo"):  # noqa: F821
    simulate_demo(
        sheet_path=snakemake.input.samples,  # noqa: F821
        genesets_path=snakemake.input.genesets,  # noqa: F821
        counts_out=snakemake.output.counts,  # noqa: F821
        samples_out=snakemake.output.samples,  # noqa: F821
        truth_out=snakemake.output.truth,  # noqa: F821
        seed=snakemake.params.seed,  # noqa: F821
        n_genes=snakemake.params.n_genes,  # noqa: F821
    )
