"""Development tool, not part of the runtime library: fit the embedded demo's constants to a real count matrix.

The constants of :mod:`degsea.demo.simulate` (size-factor spread, base-mean quantiles, the
dispersion trend and its scatter) were fitted once with :func:`fit_demo_parameters` on the
primary breast tumours of TCGA-BRCA that the Bioconductor package TCGAbiolinks ships (data
object ``dataBRCA``); see the comment above the constants. To check or refit them, export
the object from the Debian package and run the ``tcga-tumours`` mode::

    apt-get install r-bioc-tcgabiolinks
    Rscript -e 'e <- new.env(); lazyLoad("/usr/lib/R/site-library/TCGAbiolinks/data/Rdata", envir = e)' \
            -e 'write.csv(e$dataBRCA, "dataBRCA.csv")'
    python workflow/scripts/dev/fit_demo_constants.py tcga-tumours dataBRCA.csv

Any other genes x samples count matrix with a sample table fits with the ``matrix`` mode::

    python workflow/scripts/dev/fit_demo_constants.py matrix COUNTS.csv COLDATA.csv [GROUP_COLUMN]

The library never imports this module; ``tests/unit/test_simulate.py`` does, to check that it
still gives the constants.
"""

from __future__ import annotations

import logging
import math
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # workflow/scripts, for degsea

from degsea.demo.simulate import BASE_MEAN_QUANTILE_PROBS  # noqa: E402
from degsea.errors import InputError  # noqa: E402

log = logging.getLogger(__name__)

#: Genes with at least this mean normalised count count as expressed (base-mean fit).
EXPRESSED_MIN_MEAN: float = 1.0
#: Genes with at least this mean normalised count enter the dispersion fit.
DISPERSION_MIN_MEAN: float = 10.0


def fit_demo_parameters(counts: pd.DataFrame, *, groups: Sequence[object] | None = None) -> dict:
    """Fit the demo's distributions to a real count matrix.

    This is how the constants of :mod:`degsea.demo.simulate` were obtained (see the comment above them).

    * Size factors: DESeq2 median of ratios; returns the sd of their natural logs.
    * Base means: quantiles (at :data:`degsea.demo.simulate.BASE_MEAN_QUANTILE_PROBS`) of the natural log of
      the mean normalised count of the expressed genes (mean >= :data:`EXPRESSED_MIN_MEAN`).
    * Dispersions: gene-wise method-of-moments estimates from the variance of the
      normalised counts within ``groups`` (pooled, as a design ``~ group`` would),
      ``(var - mean * mean(1 / s)) / mean^2``, for genes with mean >=
      :data:`DISPERSION_MIN_MEAN`; DESeq2's parametric trend ``asympt + extra / mean`` by a
      gamma-family GLM with identity link, iterated without genes whose estimate / trend
      lies outside [1e-4, 15]; and the scatter of ``log(estimate / trend)``: its sd is
      ``sqrt(mad^2 - trigamma(df / 2))`` (DESeq2's rule: the sampling variance of a
      variance estimate with ``df`` degrees of freedom removed, floored at 0.5) and its
      location the median minus the median of ``log(chi2_df / df)``.

    Parameters
    ----------
    counts
        Genes x samples, non-negative counts only (gene IDs in the index).
    groups
        One label per column (e.g. the time point) for the dispersion fit: the variance
        is taken within groups and pooled. Samples labelled None or NaN are left out of
        the dispersion fit. Default: all samples form one group.

    Returns
    -------
    dict
        ``size_factor_log_sd``, ``base_mean_quantile_probs``, ``log_base_mean_quantiles``
        (tuples), ``dispersion_asympt``, ``dispersion_extra``, ``dispersion_log_offset``,
        ``dispersion_log_sd``, and the bookkeeping numbers ``n_samples``,
        ``n_expressed_genes``, ``n_dispersion_samples``, ``n_dispersion_df``,
        ``n_dispersion_genes``.

    Raises
    ------
    InputError
        Non-numeric or negative counts, fewer than 2 samples, ``groups`` of the wrong
        length or with a group of one sample, or no gene expressed in every sample.
    """
    values = _count_values(counts)
    size_factors = _median_of_ratios(values)
    normalised = values / size_factors
    mean = normalised.mean(axis=1)
    expressed = mean >= EXPRESSED_MIN_MEAN
    log_quantiles = np.quantile(np.log(mean[expressed]), BASE_MEAN_QUANTILE_PROBS)

    labels = pd.Series(["all"] * values.shape[1] if groups is None else list(groups), dtype=object)
    sizes = labels.dropna().value_counts()
    if len(labels) != values.shape[1] or sizes.empty or (sizes < 2).any():
        raise InputError(
            "The groups for the dispersion fit do not match the count matrix.",
            where="groups",
            found=f"{len(labels)} labels for {values.shape[1]} samples; group sizes "
            + ", ".join(f"{k}: {v}" for k, v in sizes.items()),
            allowed="one label per sample column, at least 2 samples per group",
        )
    squares = np.zeros(values.shape[0])
    df = 0
    used_columns = []
    for label in sizes.index:
        members = np.flatnonzero((labels == label).to_numpy())
        part = normalised[:, members]
        squares += ((part - part.mean(axis=1, keepdims=True)) ** 2).sum(axis=1)
        df += members.size - 1
        used_columns.extend(members)
    d_mean = normalised[:, used_columns].mean(axis=1)
    keep = d_mean >= DISPERSION_MIN_MEAN
    d_mean, d_var = d_mean[keep], squares[keep] / df
    moments = (d_var - d_mean * np.mean(1.0 / size_factors[used_columns])) / d_mean**2
    asympt, extra, used = _fit_parametric_trend(d_mean, moments)
    residual = np.log(moments[used] / (asympt + extra / d_mean[used]))
    median = float(np.median(residual))
    mad = 1.4826 * float(np.median(np.abs(residual - median)))
    log_sd = math.sqrt(max(mad**2 - _trigamma(df / 2), 0.25))
    # Median of log(chi2_df / df): the sampling shift of the log of a variance estimate.
    sampling_shift = math.log(_chi2_median(df) / df)
    result = {
        "size_factor_log_sd": float(np.std(np.log(size_factors), ddof=1)),
        "base_mean_quantile_probs": tuple(float(p) for p in BASE_MEAN_QUANTILE_PROBS),
        "log_base_mean_quantiles": tuple(float(q) for q in log_quantiles),
        "dispersion_asympt": float(asympt),
        "dispersion_extra": float(extra),
        "dispersion_log_offset": median - sampling_shift,
        "dispersion_log_sd": log_sd,
        "n_samples": int(values.shape[1]),
        "n_expressed_genes": int(expressed.sum()),
        "n_dispersion_samples": len(used_columns),
        "n_dispersion_df": int(df),
        "n_dispersion_genes": int(used.sum()),
    }
    log.info("Fitted demo parameters: %s", result)
    return result


def _count_values(counts: pd.DataFrame) -> np.ndarray:
    """Check a genes x samples count table and return it as floats."""
    non_numeric = [str(c) for c in counts.columns if not pd.api.types.is_numeric_dtype(counts[c])]
    if non_numeric or counts.shape[1] < 2:
        raise InputError(
            "The count matrix for the demo fit must hold numeric sample columns only.",
            where="columns",
            found=", ".join(non_numeric) if non_numeric else f"{counts.shape[1]} columns",
            allowed="2 or more numeric sample columns, gene IDs in the index",
        )
    values = counts.to_numpy(dtype=float)
    if not np.isfinite(values).all() or (values < 0).any():
        raise InputError(
            "The count matrix for the demo fit holds missing or negative values.",
            allowed="non-negative counts",
        )
    return values


def _median_of_ratios(values: np.ndarray) -> np.ndarray:
    """DESeq2 median-of-ratios size factors over the genes expressed in every sample."""
    positive = (values > 0).all(axis=1)
    if not positive.any():
        raise InputError(
            "No gene of the count matrix is expressed in every sample, so size factors cannot be estimated.",
            allowed="at least one gene with a count > 0 in every sample",
        )
    logs = np.log(values[positive])
    return np.exp(np.median(logs - logs.mean(axis=1, keepdims=True), axis=0))


def _fit_parametric_trend(mean: np.ndarray, dispersion: np.ndarray) -> tuple[float, float, np.ndarray]:
    """DESeq2's parametric dispersion trend ``asympt + extra / mean``.

    A gamma-family GLM with identity link (IRLS), refitted without the genes whose
    estimate / fitted lies outside [1e-4, 15] until the coefficients settle. Returns the
    coefficients and the mask of genes used in the last fit.
    """
    usable = dispersion > 1e-6
    coef = np.array([0.1, 1.0])
    design = np.column_stack([np.ones_like(mean), 1.0 / mean])
    used = usable
    for _ in range(20):
        ratio = dispersion / (design @ coef)
        used = usable & (ratio > 1e-4) & (ratio < 15)
        x, y = design[used], dispersion[used]
        new = coef
        for _ in range(100):
            weight = 1.0 / (x @ new) ** 2
            updated = np.linalg.solve(x.T @ (x * weight[:, None]), x.T @ (weight * y))
            if np.allclose(updated, new, rtol=1e-10, atol=0.0):
                new = updated
                break
            new = updated
        if (new <= 0).any():
            raise InputError(
                "The dispersion trend of the count matrix cannot be fitted (a coefficient came out non-positive).",
                allowed="a count matrix of a homogeneous group with replicate samples",
            )
        converged = float(np.sum(np.log(new / coef) ** 2)) < 1e-6
        coef = new
        if converged:
            break
    return float(coef[0]), float(coef[1]), used


def _trigamma(x: float) -> float:
    """The trigamma function for x > 0 (recurrence, then the asymptotic series)."""
    total = 0.0
    while x < 8.0:
        total += 1.0 / x**2
        x += 1.0
    inv = 1.0 / x
    inv2 = inv * inv
    series = inv + inv2 / 2 + inv * inv2 * (1 / 6 - inv2 * (1 / 30 - inv2 * (1 / 42 - inv2 / 30)))
    return total + series


def _chi2_cdf(x: float, k: int) -> float:
    """CDF of the chi-squared distribution with ``k`` degrees of freedom (series form)."""
    s, half = k / 2, x / 2
    term = 1.0 / s
    total = term
    n = 1
    while term > total * 1e-16:
        term *= half / (s + n)
        total += term
        n += 1
    return math.exp(s * math.log(half) - half - math.lgamma(s)) * total


def _chi2_median(k: int) -> float:
    """Median of the chi-squared distribution with ``k`` degrees of freedom (bisection)."""
    low, high = 0.0, float(k) + 10.0
    for _ in range(200):
        middle = (low + high) / 2
        if _chi2_cdf(middle, k) < 0.5:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def tcga_tumour_counts(table: pd.DataFrame) -> pd.DataFrame:
    """The primary-tumour columns of a TCGA count table, rounded to whole counts.

    TCGA barcodes name the sample type in their fourth field (``TCGA-A7-A13D-01A-...``):
    01-09 are tumours, 10-19 normal tissue, 20-29 controls. RSEM expected counts (the
    legacy "raw_count") are not whole numbers; they are rounded, as for DESeq2.

    Raises
    ------
    InputError
        A column name is not a TCGA barcode, or no column is a primary tumour.
    """
    types = {}
    for column in table.columns:
        parts = str(column).split("-")
        if len(parts) < 4 or not parts[0] == "TCGA" or not parts[3][:2].isdigit():
            raise InputError(
                "A column of the TCGA count table is not a TCGA sample barcode.",
                where="columns",
                found=str(column),
                allowed="barcodes such as TCGA-A7-A13D-01A-13R-A12P-07",
            )
        types[column] = int(parts[3][:2])
    tumours = [c for c, kind in types.items() if kind == 1]
    if not tumours:
        raise InputError(
            "The TCGA count table holds no primary tumour (sample type 01).",
            where="columns",
            found=", ".join(sorted({f"{kind:02d}" for kind in types.values()})),
            allowed="at least two samples of type 01",
        )
    return table[tumours].round().astype(np.int64)


def main(argv: Sequence[str]) -> None:
    """``tcga-tumours COUNTS.csv`` or ``matrix COUNTS.csv COLDATA.csv [GROUP_COLUMN]``: print the fitted constants."""
    mode, counts_path, *rest = argv
    counts = pd.read_csv(counts_path, index_col=0)
    if mode == "tcga-tumours":
        fitted = fit_demo_parameters(tcga_tumour_counts(counts))
    else:
        coldata_path, *column = rest
        coldata = pd.read_csv(coldata_path, index_col="sample")
        fitted = fit_demo_parameters(counts, groups=coldata.loc[counts.columns, column[0] if column else "time"])
    for key, value in fitted.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main(sys.argv[1:])
