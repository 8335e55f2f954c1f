"""Wald tests against a log2 fold-change threshold, as DESeq2's ``results(lfcThreshold=, altHypothesis=)``.

DESeq2 (Love et al. 2014, section "Hypothesis tests with thresholds on effect size") tests
composite null hypotheses with the Wald statistic's normal distribution:

* ``greaterAbs``: H1 |LFC| > T; p = min(1, 2 P(Z > (|LFC| - T) / SE));
* ``lessAbs``: H1 |LFC| < T; the larger of the two one-sided p-values P(Z > (T - LFC) / SE)
  and P(Z > (LFC + T) / SE), and the smaller of the two statistics, each floored at 0;
* ``greater``: H1 LFC > T; p = P(Z > (LFC - T) / SE);
* ``less``: H1 LFC < -T; p = P(Z > (-T - LFC) / SE).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from degsea.errors import InputError

#: DESeq2's alternative hypotheses, in its order (the first is the default).
ALT_HYPOTHESES = ("greaterAbs", "lessAbs", "greater", "less")

AltHypothesis = Literal["greaterAbs", "lessAbs", "greater", "less"]


def check_threshold(lfc_threshold: float, alt_hypothesis: str, *, where: str = "config 'de'") -> None:
    """Raise :class:`InputError` for a threshold test DESeq2 would refuse.

    Raises
    ------
    InputError
        Unknown alternative, negative threshold, or ``lessAbs`` with a zero threshold.
    """
    if alt_hypothesis not in ALT_HYPOTHESES:
        raise InputError(
            "Unknown alternative hypothesis.",
            where=where,
            found=repr(alt_hypothesis),
            allowed=", ".join(ALT_HYPOTHESES),
            hint="DESeq2's altHypothesis values; greaterAbs is the default (|log2FC| > threshold).",
        )
    if not np.isfinite(lfc_threshold) or lfc_threshold < 0:
        raise InputError(
            "The log2 fold-change threshold must be a number >= 0.",
            where=where,
            found=repr(lfc_threshold),
            allowed="a number >= 0 (log2 scale)",
            hint="lfc_threshold: 1 tests for changes larger than two-fold.",
        )
    if alt_hypothesis == "lessAbs" and lfc_threshold == 0:
        raise InputError(
            "altHypothesis 'lessAbs' needs a positive log2 fold-change threshold.",
            where=where,
            found="lfc_threshold 0",
            allowed="lfc_threshold > 0 with lessAbs",
            hint="lessAbs asks whether |log2FC| is below the threshold: set e.g. lfc_threshold: 1.",
        )


def threshold_test(
    log2fc: np.ndarray,
    lfc_se: np.ndarray,
    *,
    lfc_threshold: float,
    alt_hypothesis: AltHypothesis = "greaterAbs",
) -> tuple[np.ndarray, np.ndarray]:
    """Statistic and p-value of DESeq2's threshold tests.

    Parameters
    ----------
    log2fc, lfc_se
        Log2 fold changes and their standard errors (log2 scale), one per gene.
    lfc_threshold
        The threshold T >= 0 on the log2 scale.
    alt_hypothesis
        One of :data:`ALT_HYPOTHESES`.

    Returns
    -------
    tuple of numpy.ndarray
        ``(stat, pvalue)``, NaN where the fold change or its SE is NaN.
    """
    from scipy.stats import norm  # noqa: PLC0415 - not at import: check_threshold runs when Snakemake parses

    check_threshold(lfc_threshold, alt_hypothesis)
    lfc = np.asarray(log2fc, dtype=float)
    se = np.asarray(lfc_se, dtype=float)
    t = float(lfc_threshold)
    with np.errstate(divide="ignore", invalid="ignore"):
        if alt_hypothesis == "greaterAbs":
            z = (np.abs(lfc) - t) / se
            stat = np.sign(lfc) * np.maximum(z, 0.0)
            pvalue = np.minimum(1.0, 2.0 * norm.sf(z))
        elif alt_hypothesis == "lessAbs":
            above = (t - lfc) / se
            below = (lfc + t) / se
            stat = np.minimum(np.maximum(above, 0.0), np.maximum(below, 0.0))
            pvalue = np.maximum(norm.sf(above), norm.sf(below))
        elif alt_hypothesis == "greater":
            z = (lfc - t) / se
            stat = np.maximum(z, 0.0)
            pvalue = norm.sf(z)
        else:
            z = (lfc + t) / se
            stat = np.minimum(z, 0.0)
            pvalue = norm.sf(-z)
    nan = np.isnan(lfc) | np.isnan(se)
    stat[nan] = np.nan
    pvalue[nan] = np.nan
    return stat, pvalue
