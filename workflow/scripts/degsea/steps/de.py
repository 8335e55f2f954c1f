"""Rule-facing step of differential expression: fit the design once, one table per contrast."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from degsea.de.design import parse_contrasts
from degsea.io import write_h5ad, write_table


def differential_expression(
    *,
    counts_h5ad: str,
    design: str,
    contrasts: Mapping[str, Mapping[str, str]],
    tables_out: Sequence[str],
    normalized_out: str,
    fitted_out: str,
    continuous: Sequence[str] = (),
    settings: Mapping[str, Any] | None = None,
    threads: int = 1,
) -> None:
    """Rule deseq2: fit the design once, test every contrast, write one table per contrast.

    ``tables_out`` lists the output tables in the order of ``contrasts``.
    """
    import anndata as ad

    from degsea.de.fit import DESettings, fit, fitted_anndata, normalized_counts, test_contrast

    options = DESettings(**(settings or {}))
    parsed = parse_contrasts(contrasts)
    fitted = fit(
        ad.read_h5ad(counts_h5ad), formula=design, contrasts=parsed, continuous=continuous, settings=options, threads=threads,
        counts_file=counts_h5ad,
    )
    for contrast, path in zip(parsed, tables_out, strict=True):
        write_table(test_contrast(fitted, contrast, settings=options), path)
    write_table(normalized_counts(fitted), normalized_out)
    write_h5ad(fitted_anndata(fitted), fitted_out)
