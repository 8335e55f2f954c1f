"""Rule-facing step of the sample-QC values that are not figures: the blind VST."""

from __future__ import annotations

from degsea.io import write_table


def variance_stabilise(*, counts_h5ad: str, out: str, fit_type: str = "parametric", n_sub: int | None = 1000) -> None:
    """Rule vst: blind variance-stabilising transformation of the raw counts (genes x samples TSV)."""
    import anndata as ad

    from degsea.de.qc import variance_stabilise as vst

    write_table(vst(ad.read_h5ad(counts_h5ad), fit_type=fit_type, n_sub=n_sub), out, index=True)
