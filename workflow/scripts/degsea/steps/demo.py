"""Rule-facing step of the embedded demo: simulate its counts, sample table and truth."""

from __future__ import annotations

from degsea.gsea.collections import read_gmt
from degsea.inputs.sheet import read_sample_sheet
from degsea.io import write_table


def simulate_demo(
    *, sheet_path: str, genesets_path: str, counts_out: str, samples_out: str, truth_out: str, seed: int, n_genes: int
) -> None:
    """Rule simulate_demo: write the embedded demo's counts, sample table and planted truth."""
    from degsea.demo.simulate import simulate_demo as simulate

    sheet = read_sample_sheet(sheet_path).reset_index()
    genesets = {name: s.genes for name, s in read_gmt(genesets_path).items()}
    demo = simulate(sheet, genesets, seed=seed, n_genes=n_genes)
    write_table(demo.counts, counts_out, index=True)
    write_table(demo.samples, samples_out)
    write_table(demo.truth, truth_out, index=True)
