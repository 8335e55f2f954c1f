"""DESeq2's ``results()`` on a fitted DESeq2-exact dataset: Wald and likelihood-ratio tables.

One function, :func:`deseq2_results`, takes a contrast in any of DESeq2's forms (see
:mod:`degsea.de.exact.contrasts`), optionally a likelihood-ratio test
(:func:`degsea.de.exact.lrt.likelihood_ratio_test`) and a log2 fold-change threshold, and
applies DESeq2 1.38's steps in DESeq2's order:

1. the contrast's log2 fold change and standard error (Wald; SEs from means clipped at
   ``min_mu`` and the 1e-6 ridge);
2. ``cleanContrast``: genes whose compared samples are all zero get LFC 0, statistic 0, p 1;
3. for an LRT, the statistic and p-value are replaced by the LRT's;
4. a threshold test (``lfcThreshold`` / ``altHypothesis``, Wald only);
5. Cook's filtering on ``maxCooks`` (:func:`cooks_outliers`): p-values of outlier genes to NA;
6. genes left all zero by outlier replacement: LFC 0, SE 0, statistic 0, p 1;
7. independent filtering (``pvalueAdjustment``) or plain BH.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import false_discovery_control, norm

from degsea.de.exact import seam
from degsea.de.exact.contrasts import ContrastSpec, coefficient_names, contrast_vector, zero_count_genes
from degsea.de.exact.cooks import cooks_outliers
from degsea.de.exact.glm import RIDGE_NAT, cr_matrix
from degsea.de.exact.lrt import LRTResult
from degsea.de.exact.rcompat import r_lowess
from degsea.de.exact.threshold import check_threshold, threshold_test
from degsea.errors import InputError

#: Columns of :func:`deseq2_results`.
RESULT_COLUMNS = ("baseMean", "log2FoldChange", "lfcSE", "stat", "pvalue", "padj")


def factor_levels(dds) -> dict[str, list[str]]:  # noqa: ANN001
    """Levels of every categorical design variable, baseline first (``dds.obs`` categoricals)."""
    out = {}
    for column in dds.obs.columns:
        dtype = dds.obs[column].dtype
        if isinstance(dtype, pd.CategoricalDtype):
            out[column] = [str(c) for c in dtype.categories]
    return out


def result_names(dds) -> list[str]:  # noqa: ANN001
    """DESeq2's ``resultsNames(dds)`` for the dataset's design."""
    levels = factor_levels(dds)
    return coefficient_names(
        list(dds.obsm[seam.DESIGN_MATRIX].columns), reference_levels={k: v[0] for k, v in levels.items()}
    )


def contrast_se(
    x: np.ndarray,
    lfc: np.ndarray,
    size_factors: np.ndarray,
    dispersions: np.ndarray,
    vector: np.ndarray,
    *,
    min_mu: float,
    ridge: np.ndarray | None = None,
) -> np.ndarray:
    """Standard error (natural-log scale) of a contrast of the coefficients ``lfc`` (genes x p).

    DESeq2's covariance ``(X'WX + ridge)^-1 X'WX (X'WX + ridge)^-1`` with weights from the fitted
    means clipped at ``min_mu`` (``fitBeta`` / ``getContrast``); the ridge is DESeq2's 1e-6 on
    the log2 scale unless given. NaN for genes without coefficients (all zero).
    """
    p = x.shape[1]
    ridge = np.eye(p) * RIDGE_NAT if ridge is None else ridge
    ok = np.isfinite(lfc).all(axis=1) & np.isfinite(dispersions)
    se = np.full(len(dispersions), np.nan)
    mu = np.maximum(size_factors[None, :] * np.exp(lfc[ok] @ x.T), min_mu)
    w = mu / (1.0 + dispersions[ok, None] * mu)
    m = cr_matrix(w, x)
    hc = np.linalg.inv(m + ridge) @ np.asarray(vector, dtype=float)
    se[ok] = np.sqrt(np.maximum(np.einsum("gi,gij,gj->g", hc, m, hc), 0.0))
    return se


def wald_estimates(dds, vector: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # noqa: ANN001
    """Log2 fold change and its SE (log2 scale) of a contrast ``vector`` on a fitted dataset."""
    lfc = dds.varm[seam.LFC].to_numpy(dtype=float)
    se = contrast_se(
        dds.obsm[seam.DESIGN_MATRIX].to_numpy(dtype=float),
        lfc,
        dds.obs[seam.SIZE_FACTORS].to_numpy(dtype=float),
        dds.var[seam.DISPERSIONS].to_numpy(dtype=float),
        vector,
        min_mu=dds.min_mu,
    )
    return (lfc @ np.asarray(vector, dtype=float)) / np.log(2), se / np.log(2)


def independent_filtering(
    base_mean: np.ndarray, pvalues: np.ndarray, *, alpha: float
) -> tuple[np.ndarray, float, float]:
    """DESeq2's ``pvalueAdjustment`` with independent filtering on the mean of normalised counts.

    Returns
    -------
    tuple
        ``(padj, theta, threshold)``: adjusted p-values (NaN for filtered genes), the chosen
        quantile and the baseMean cut-off.
    """
    base_mean = np.asarray(base_mean, dtype=float)
    pvalues = np.asarray(pvalues, dtype=float)
    lower = float(np.mean(base_mean == 0))
    upper = 0.95 if lower < 0.95 else 1.0
    theta = np.linspace(lower, upper, 50)
    cutoffs = np.quantile(base_mean, theta)
    adjusted = np.full((len(base_mean), len(theta)), np.nan)
    for i, cutoff in enumerate(cutoffs):
        use = (base_mean >= cutoff) & ~np.isnan(pvalues)
        if use.any():
            adjusted[use, i] = false_discovery_control(pvalues[use], method="bh")
    with np.errstate(invalid="ignore"):
        num_rej = np.sum(adjusted < alpha, axis=0)
    fitted = r_lowess(theta, num_rej.astype(float), f=1 / 5)
    if num_rej.max() <= 10:
        j = 0
    else:
        residual = num_rej[num_rej > 0] - fitted[num_rej > 0] if (num_rej > 0).any() else np.zeros(1)
        threshold = fitted.max() - np.sqrt(np.mean(residual**2))
        above = np.flatnonzero(num_rej > threshold)
        j = int(above[0]) if above.size else 0
    return adjusted[:, j], float(theta[j]), float(cutoffs[j])


def bh_adjust(pvalues: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg over the non-NaN p-values (R's ``p.adjust(method="BH")``)."""
    pvalues = np.asarray(pvalues, dtype=float)
    out = np.full(pvalues.shape, np.nan)
    ok = ~np.isnan(pvalues)
    if ok.any():
        out[ok] = false_discovery_control(pvalues[ok], method="bh")
    return out


def deseq2_results(
    dds,  # noqa: ANN001
    *,
    contrast: ContrastSpec | None = None,
    lrt: LRTResult | None = None,
    lfc_threshold: float = 0.0,
    alt_hypothesis: str = "greaterAbs",
    alpha: float = 0.1,
    cooks_filter: bool = True,
    independent_filter: bool = True,
) -> pd.DataFrame:
    """DESeq2's ``results()`` for one contrast, Wald or likelihood-ratio.

    Parameters
    ----------
    dds
        A fitted DESeq2-exact dataset (``deseq2()`` run).
    contrast
        The contrast whose log2 fold change is reported (and Wald-tested unless ``lrt``).
        With an LRT and no contrast: the last coefficient of the full design, as DESeq2.
    lrt
        A likelihood-ratio test of the same dataset: its statistic and p-value are reported.
    lfc_threshold, alt_hypothesis
        DESeq2's ``lfcThreshold`` (log2 scale) and ``altHypothesis`` (Wald tests only).
    alpha
        Target FDR of independent filtering.
    cooks_filter, independent_filter
        DESeq2's ``cooksCutoff`` (default cut-off) and ``independentFiltering``.

    Returns
    -------
    pandas.DataFrame
        Index = genes; columns :data:`RESULT_COLUMNS`. ``attrs``: ``test``, ``coefficient``
        (what the log2 fold change belongs to), ``lrt_df``, ``reduced_columns``,
        ``lfc_threshold``, ``alt_hypothesis``, ``filter_theta``, ``filter_threshold``.

    Raises
    ------
    InputError
        Bad contrast (see :func:`~degsea.de.exact.contrasts.contrast_vector`), a threshold
        test with an LRT, a Wald test without a contrast, bad threshold options.
    """
    check_threshold(lfc_threshold, alt_hypothesis)
    threshold_asked = not (lfc_threshold == 0 and alt_hypothesis == "greaterAbs")
    if lrt is not None and threshold_asked:
        raise InputError(
            "Tests against a log2 fold-change threshold must be Wald tests, not likelihood-ratio tests.",
            where="config LRT",
            found=f"lfc_threshold {lfc_threshold}, alt_hypothesis {alt_hypothesis}",
            allowed="lfc_threshold 0 and alt_hypothesis greaterAbs with an LRT",
            hint="DESeq2's results() refuses thresholds for test='LRT'; use a Wald contrast for a threshold test.",
        )
    names = result_names(dds)
    levels = factor_levels(dds)
    if contrast is None:
        if lrt is None:
            raise InputError(
                "A Wald test needs a contrast.",
                where="config 'contrasts'",
                found="none",
                allowed="a level pair, a coefficient name, a list or a numeric vector",
                hint="see config/README.md",
            )
        contrast = ContrastSpec.coefficient(names[-1])
    vector = contrast_vector(contrast, names, reference_levels={k: v[0] for k, v in levels.items()}, levels=levels)
    lfc, se = wald_estimates(dds, vector)
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = lfc / se
    pvalue = 2.0 * norm.sf(np.abs(stat))
    groups = dds.obs[contrast.variable] if contrast.kind == "levels" else None
    x = dds.obsm[seam.DESIGN_MATRIX].to_numpy(dtype=float)
    zero = zero_count_genes(np.asarray(dds.X), x, vector, contrast, groups=groups)
    lfc[zero], stat[zero], pvalue[zero] = 0.0, 0.0, 1.0
    if lrt is not None:
        stat = lrt.statistic.reindex(dds.var_names).to_numpy(dtype=float).copy()
        pvalue = lrt.pvalue.reindex(dds.var_names).to_numpy(dtype=float).copy()
    elif threshold_asked:
        stat, pvalue = threshold_test(lfc, se, lfc_threshold=lfc_threshold, alt_hypothesis=alt_hypothesis)
    if cooks_filter:
        pvalue[cooks_outliers(dds)] = np.nan
    base_mean = dds.var[seam.NORMED_MEANS].to_numpy(dtype=float)
    if seam.REPLACED in dds.var and bool(dds.var[seam.REPLACED].any()):
        now_zero = dds.var[seam.REPLACED].to_numpy(dtype=bool) & (base_mean == 0)
        lfc[now_zero], se[now_zero], stat[now_zero], pvalue[now_zero] = 0.0, 0.0, 0.0, 1.0
    if independent_filter:
        padj, theta, cutoff = independent_filtering(base_mean, pvalue, alpha=alpha)
    else:
        padj, theta, cutoff = bh_adjust(pvalue), float("nan"), float("nan")
    table = pd.DataFrame(
        {"baseMean": base_mean, "log2FoldChange": lfc, "lfcSE": se, "stat": stat, "pvalue": pvalue, "padj": padj},
        index=dds.var_names,
    )
    table.attrs.update(
        test="LRT" if lrt is not None else "Wald",
        coefficient=contrast.label(),
        lrt_df=lrt.df if lrt is not None else None,
        reduced_columns=list(lrt.reduced_columns) if lrt is not None else None,
        lfc_threshold=float(lfc_threshold),
        alt_hypothesis=alt_hypothesis,
        filter_theta=theta,
        filter_threshold=cutoff,
    )
    return table
