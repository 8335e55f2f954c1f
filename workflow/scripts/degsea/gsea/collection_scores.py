"""Sample scores of whole gene-set collections (GSVA or ssGSEA) and a per-contrast test on them.

The scores summarise, per sample, how high a set's genes sit in that sample's expression
profile relative to the other samples (GSVA, Hänzelmann et al. 2013, BMC Bioinformatics 14:7)
or relative to the sample's other genes (ssGSEA, Barbie et al. 2009, Nature 462:108). Both come
from gseapy. The contrast test compares the scores of a contrast's two groups with Welch's
unequal-variance t-test, Benjamini-Hochberg across the sets of the contrast.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import ttest_ind

from degsea.gsea.scores import gseapy_scores
from degsea.tables import bh_adjust

log = logging.getLogger(__name__)

#: Collection score methods (config ``gsea: collection_scores: method``) -> what they are.
COLLECTION_METHODS = {
    "gsva": (
        "GSVA (Hänzelmann et al. 2013; gseapy.gsva, max-minus-min ES) of VST values: each gene's CDF across the "
        "samples by a Gaussian kernel, or directly (empirical CDF) from 200 samples on, as R GSVA's kcdf='auto'"
    ),
    "ssgsea": "single-sample GSEA (Barbie et al. 2009; gseapy.ssgsea, weight 0.25, rank-normalised) of VST values",
}

#: From this many samples on, GSVA estimates each gene's CDF across the samples directly (the
#: empirical CDF) instead of by a Gaussian kernel, as R GSVA does with ``kcdf="auto"`` (its
#: ``kcdfNoneMinSampleSize = 200``): the kernel estimate costs O(samples^2) per gene (2,000 samples x
#: 30,000 genes: 1.2e11 kernel terms) and the empirical CDF is as good with that many samples.
KCDF_NONE_MIN_SAMPLES = 200

#: Columns of the contrast tests on the scores.
TEST_COLUMNS = [
    "contrast",
    "set",
    "n_test",
    "n_reference",
    "mean_test",
    "mean_reference",
    "difference",
    "t",
    "df",
    "pvalue",
    "padj",
]


@dataclass(frozen=True)
class GroupContrast:
    """Two groups of samples to compare: ``test`` vs ``reference`` levels of sheet column ``variable``."""

    name: str
    variable: str
    test: str
    reference: str


def collection_scores(
    expression: pd.DataFrame,
    gene_sets: Mapping[str, Sequence[str]],
    *,
    method: str = "gsva",
    min_size: int = 15,
    max_size: int = 500,
    threads: int = 1,
) -> pd.DataFrame:
    """Score every sample for every set of the collections.

    Parameters
    ----------
    expression
        Genes x samples values indexed by symbol (VST; see :func:`degsea.gsea.scores.expression_by_symbol`).
    gene_sets
        Set name -> member symbols.
    method
        One of :data:`COLLECTION_METHODS`.
    min_size, max_size
        Sets with fewer or more genes in the data get no score.
    threads
        Processes for gseapy (neither method draws random numbers).

    With ``method="gsva"`` the CDF of each gene across the samples is a Gaussian kernel estimate
    below :data:`KCDF_NONE_MIN_SAMPLES` samples and the direct empirical CDF from there on.

    Returns
    -------
    pandas.DataFrame
        Samples (rows, in column order of ``expression``) x scored sets (columns, in ``gene_sets`` order).
    """
    if method not in COLLECTION_METHODS:
        raise ValueError(f"unknown collection score method {method!r}; one of {', '.join(COLLECTION_METHODS)}")
    present = {name: [g for g in dict.fromkeys(genes) if g in expression.index] for name, genes in gene_sets.items()}
    usable = {name: genes for name, genes in present.items() if min_size <= len(genes) <= max_size}
    log.info(
        "collection scores (%s): %d of %d sets have %d-%d genes in the data, %d samples",
        method,
        len(usable),
        len(gene_sets),
        min_size,
        max_size,
        expression.shape[1],
    )
    if not usable:
        return pd.DataFrame(index=pd.Index(list(expression.columns), name="sample"))
    kcdf = "Gaussian" if expression.shape[1] < KCDF_NONE_MIN_SAMPLES else None
    if method == "gsva":
        log.info("GSVA: gene CDFs %s", "by a Gaussian kernel" if kcdf else "directly (empirical CDF, >= 200 samples)")
    wide = gseapy_scores(expression, usable, method=method, weight=0.25, threads=threads, kcdf=kcdf)
    wide.index.name = "sample"
    wide.columns.name = None
    return wide


def top_variable(scores: pd.DataFrame, *, n: int) -> list[str]:
    """The ``n`` sets whose scores vary most across samples (variance; ties by name)."""
    spread = pd.DataFrame({"set": scores.columns, "var": -scores.var(axis=0, ddof=1).to_numpy()})
    return spread.sort_values(["var", "set"], kind="mergesort")["set"].head(max(0, n)).tolist()


def contrast_tests(scores: pd.DataFrame, sheet: pd.DataFrame, contrasts: Sequence[GroupContrast]) -> pd.DataFrame:
    """Welch's t-test of every set's scores, test vs reference group, per contrast; BH per contrast.

    Parameters
    ----------
    scores
        Samples x sets (:func:`collection_scores`).
    sheet
        Sample sheet indexed by sample, with each contrast's ``variable`` column.
    contrasts
        The comparisons.

    Returns
    -------
    pandas.DataFrame
        :data:`TEST_COLUMNS`; ``difference`` = mean(test) - mean(reference); ``df`` the
        Welch-Satterthwaite degrees of freedom. Contrasts in the given order, within each the
        sets by p-value then name. A group with fewer than two samples gives NA statistics.
    """
    parts = []
    for contrast in contrasts:
        level = sheet.loc[scores.index, contrast.variable].astype(str)
        test = scores[(level == contrast.test).to_numpy()].to_numpy(dtype=float)
        reference = scores[(level == contrast.reference).to_numpy()].to_numpy(dtype=float)
        if len(test) >= 2 and len(reference) >= 2:
            result = ttest_ind(test, reference, axis=0, equal_var=False)
            t, p, df = result.statistic, result.pvalue, result.df
        else:
            log.info("collection scores %s: a group has fewer than 2 samples: no test", contrast.name)
            t = p = df = np.full(scores.shape[1], np.nan)
        part = pd.DataFrame(
            {
                "contrast": contrast.name,
                "set": scores.columns,
                "n_test": len(test),
                "n_reference": len(reference),
                "mean_test": test.mean(axis=0) if len(test) else np.nan,
                "mean_reference": reference.mean(axis=0) if len(reference) else np.nan,
                "t": t,
                "df": df,
                "pvalue": p,
            }
        )
        part["difference"] = part["mean_test"] - part["mean_reference"]
        part["padj"] = bh_adjust(part["pvalue"].to_numpy())
        parts.append(part.sort_values(["pvalue", "set"], kind="mergesort", na_position="last"))
    if not parts:
        return pd.DataFrame(columns=TEST_COLUMNS)
    return pd.concat(parts, ignore_index=True)[TEST_COLUMNS]
