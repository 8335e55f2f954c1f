"""Contrasts of every kind and likelihood-ratio tests on a fit, through DESeq2's ``results()``.

Level pairs without a threshold keep the Wald path of :func:`degsea.de.fit.test_contrast`;
coefficient, list and numeric contrasts, threshold tests and likelihood-ratio tests go through
the DESeq2-exact engine's :func:`~degsea.de.exact.results.deseq2_results`. Every table says
what its log2 fold change belongs to (``coefficient``) and how it was shrunk (``shrinkage``).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from degsea.de.design import Contrast
from degsea.de.fit import DESettings, Fit, shrink_level_pair, single_threaded_blas, test_contrast
from degsea.de.hypotheses import LikelihoodRatioTest

log = logging.getLogger(__name__)

#: Columns of a likelihood-ratio test's table.
LRT_COLUMNS = [
    "gene_id",
    "symbol",
    "baseMean",
    "log2FoldChange",
    "lfcSE",
    "stat",
    "pvalue",
    "padj",
    "coefficient",
    "test",
    "df",
    "reduced",
]


def _order(table: pd.DataFrame) -> pd.DataFrame:
    """Rows by p-value (NA last), then gene ID; gene_id as a column."""
    table.index.name = "gene_id"
    table = table.reset_index()
    order = np.lexsort((table["gene_id"].to_numpy(), table["pvalue"].fillna(2.0).to_numpy()))
    return table.iloc[order].reset_index(drop=True)


def test_any_contrast(
    fitted: Fit,
    contrast: Contrast,
    *,
    settings: DESettings | None = None,
    lfc_threshold: float = 0.0,
    alt_hypothesis: str = "greaterAbs",
) -> pd.DataFrame:
    """Wald-test a contrast of any kind, optionally against a log2 fold-change threshold.

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`degsea.de.fit.RESULT_COLUMNS`, then ``coefficient`` (what the
        log2 fold change belongs to), ``shrinkage`` (``apeglm`` or ``none``: DESeq2 shrinks a
        single coefficient with apeglm; other contrasts are left unshrunk), ``lfc_threshold``
        and ``alt_hypothesis``; sorted by p-value then gene ID.
    """
    settings = settings or DESettings()
    threshold = contrast.lfc_threshold if contrast.lfc_threshold is not None else lfc_threshold
    alternative = contrast.alt_hypothesis or alt_hypothesis
    if contrast.kind == "levels" and threshold == 0 and alternative == "greaterAbs":
        table = test_contrast(fitted, contrast, settings=settings)
        table["coefficient"] = contrast.describe()
        table["shrinkage"] = "apeglm" if settings.shrink else "none"
        table["lfc_threshold"], table["alt_hypothesis"] = 0.0, "greaterAbs"
        return table
    from degsea.de.exact.contrasts import contrast_vector, shrinkage_for  # noqa: PLC0415
    from degsea.de.exact.results import deseq2_results, factor_levels, result_names  # noqa: PLC0415
    from degsea.de.exact.stats import shrink_coefficient  # noqa: PLC0415

    dds = fitted.dds
    spec = contrast.spec()
    with single_threaded_blas():
        result = deseq2_results(
            dds,
            contrast=spec,
            lfc_threshold=threshold,
            alt_hypothesis=alternative,
            alpha=settings.alpha,
            cooks_filter=settings.cooks_filter,
            independent_filter=settings.independent_filter,
        )
        names = result_names(dds)
        levels = factor_levels(dds)
        vector = contrast_vector(spec, names, reference_levels={k: v[0] for k, v in levels.items()}, levels=levels)
        method, coefficient = shrinkage_for(spec, names, vector)
        shrunk = shrunk_se = np.full(dds.n_vars, np.nan)
        if settings.shrink and method == "apeglm":
            if contrast.kind == "levels":
                shrunk, shrunk_se = shrink_level_pair(fitted, contrast, settings=settings)
            else:
                shrunk, shrunk_se = shrink_coefficient(dds, coefficient)
    table = result.copy()
    table.insert(0, "symbol", dds.var["symbol"].to_numpy())
    table["log2FoldChange_shrunk"] = shrunk
    table["lfcSE_shrunk"] = shrunk_se
    table["coefficient"] = result.attrs["coefficient"]
    table["shrinkage"] = method if settings.shrink else "none"
    table["lfc_threshold"], table["alt_hypothesis"] = float(threshold), alternative
    log.info(
        "%s (%s): %d genes with padj < %g",
        contrast.name,
        contrast.describe(),
        int((table["padj"] < settings.alpha).sum()),
        settings.alpha,
    )
    return _order(table)


def likelihood_ratio(fitted: Fit, test: LikelihoodRatioTest, *, settings: DESettings | None = None) -> pd.DataFrame:
    """DESeq2's ``nbinomLRT`` of ``test.full`` (the fit's design, fitted with ``test="LRT"``) against ``test.reduced``.

    Returns
    -------
    pandas.DataFrame
        :data:`LRT_COLUMNS`: the LRT statistic, p-value and padj (DESeq2's LRT path of
        ``results()``: Cook's filtering, independent filtering), the log2 fold change of one
        coefficient (``coefficient``: the configured one, else the last of the full design,
        as DESeq2), the degrees of freedom and the reduced design; sorted by p-value.
    """
    from degsea.de.exact.contrasts import ContrastSpec  # noqa: PLC0415
    from degsea.de.exact.lrt import likelihood_ratio_test, reduced_design  # noqa: PLC0415
    from degsea.de.exact.results import deseq2_results  # noqa: PLC0415

    settings = settings or DESettings()
    dds = fitted.dds
    with single_threaded_blas():
        lrt = likelihood_ratio_test(dds, reduced_design(dds, test.reduced))
        result = deseq2_results(
            dds,
            contrast=ContrastSpec.coefficient(test.coefficient) if test.coefficient else None,
            lrt=lrt,
            alpha=settings.alpha,
            cooks_filter=settings.cooks_filter,
            independent_filter=settings.independent_filter,
        )
    table = result.copy()
    table.insert(0, "symbol", dds.var["symbol"].to_numpy())
    table["coefficient"] = result.attrs["coefficient"]
    table["test"] = "LRT"
    table["df"] = int(lrt.df)
    table["reduced"] = test.reduced
    log.info(
        "LRT %s (%s vs %s, %d df): %d genes with padj < %g",
        test.name,
        test.full,
        test.reduced,
        lrt.df,
        int((table["padj"] < settings.alpha).sum()),
        settings.alpha,
    )
    return _order(table)[LRT_COLUMNS]
