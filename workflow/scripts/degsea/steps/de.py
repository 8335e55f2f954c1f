"""Rule-facing step of differential expression: fit the design once, one table per contrast and per LRT."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from degsea.de.design import parse_contrasts
from degsea.de.hypotheses import parse_lrts
from degsea.io import write_h5ad, write_table


def differential_expression(
    *,
    counts_h5ad: str,
    design: str,
    contrasts: Mapping[str, Mapping[str, Any]],
    tables_out: Sequence[str],
    normalized_out: str,
    fitted_out: str,
    continuous: Sequence[str] = (),
    settings: Mapping[str, Any] | None = None,
    threads: int = 1,
    lrts: Mapping[str, Mapping[str, Any]] | None = None,
    lrt_tables_out: Sequence[str] = (),
    reference_levels: Mapping[str, str] | None = None,
) -> None:
    """Rule deseq2: fit the design once, test every contrast and likelihood-ratio test, write their tables.

    ``tables_out`` lists the contrast tables in the order of ``contrasts``, ``lrt_tables_out``
    the LRT tables in the order of ``lrts``. The LRTs of one full design share a fit of their
    own, DESeq2's ``DESeq(test="LRT")`` (its Cook's distances differ from a Wald fit's).
    """
    import anndata as ad

    from degsea.de.fit import DESettings, fit, fitted_anndata, normalized_counts
    from degsea.de.testing import likelihood_ratio, test_any_contrast

    options = DESettings(**(settings or {}))
    parsed = parse_contrasts(contrasts)
    tests = parse_lrts(lrts, design=design)
    adata = ad.read_h5ad(counts_h5ad)
    fits = {}

    def fitted_for(formula: str, test: str = "Wald"):  # noqa: ANN202
        if (formula, test) not in fits:
            fits[formula, test] = fit(
                adata,
                formula=formula,
                contrasts=parsed,
                continuous=continuous,
                settings=options,
                threads=threads,
                counts_file=counts_h5ad,
                references=reference_levels,
                test=test,
            )
        return fits[formula, test]

    main = fitted_for(design)
    lrt_fits = [fitted_for(test.full, "LRT") for test in tests]
    adata = None  # every fit holds its own copy of the counts: one counts-sized matrix less from here on
    for contrast, path in zip(parsed, tables_out, strict=True):
        table = test_any_contrast(
            main, contrast, settings=options, lfc_threshold=options.lfc_threshold, alt_hypothesis=options.alt_hypothesis
        )
        write_table(table, path)
    for test, fitted, path in zip(tests, lrt_fits, lrt_tables_out, strict=True):
        write_table(likelihood_ratio(fitted, test, settings=options), path)
    write_table(normalized_counts(main), normalized_out)
    write_h5ad(fitted_anndata(main), fitted_out)
