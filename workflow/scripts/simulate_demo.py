"""Rule simulate_demo: the embedded demo study (counts, samples, planted truth)."""

from degsea.scripting import rule_logging
from degsea.steps.demo import simulate_demo

with rule_logging(snakemake.log[0], rule="simulate_demo"):
    simulate_demo(
        sheet_path=snakemake.input.samples,
        genesets_path=snakemake.input.genesets,
        counts_out=snakemake.output.counts,
        samples_out=snakemake.output.samples,
        truth_out=snakemake.output.truth,
        seed=snakemake.params.seed,
        n_genes=snakemake.params.n_genes,
    )
