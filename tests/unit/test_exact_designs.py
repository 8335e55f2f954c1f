"""The issue-13 parts of the DESeq2-exact engine that need no R: names, contrast vectors, threshold
formulas, the locfit replica's structure and the error messages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from degsea.de.exact.contrasts import (
    ContrastSpec,
    coefficient_names,
    contrast_vector,
    make_names,
    shrinkage_for,
    zero_count_genes,
)
from degsea.de.exact.local_fit import LocalTrend, fit_locfit
from degsea.de.exact.threshold import check_threshold, threshold_test
from degsea.errors import InputError

NAMES = [
    "Intercept",
    "sex_Male_vs_Female",
    "time_Day4_vs_Day0",
    "time_Day8_vs_Day0",
    "sexMale.timeDay4",
    "sexMale.timeDay8",
]


def test_coefficient_names_are_deseq2_results_names():
    columns = [
        "Intercept",
        "sex[T.Male]",
        "time[T.Day4]",
        "time[T.Day8]",
        "sex[T.Male]:time[T.Day4]",
        "sex[T.Male]:time[T.Day8]",
        "rin",
    ]
    assert coefficient_names(columns, reference_levels={"sex": "Female", "time": "Day0"}) == [*NAMES, "rin"]
    assert make_names("group_2h_vs_0h") == "group_2h_vs_0h"
    assert make_names("dose-1") == "dose.1"
    assert make_names("1st") == "X1st"


def test_contrast_vectors():
    refs, levels = {"sex": "Female", "time": "Day0"}, {"sex": ["Female", "Male"], "time": ["Day0", "Day4", "Day8"]}
    male_day8 = contrast_vector(ContrastSpec.coefficients(["time_Day8_vs_Day0", "sexMale.timeDay8"]), NAMES)
    assert male_day8.tolist() == [0, 0, 0, 1, 0, 1]
    day8_vs_day4 = contrast_vector(
        ContrastSpec.levels("time", "Day8", "Day4"), NAMES, reference_levels=refs, levels=levels
    )
    assert day8_vs_day4.tolist() == [0, 0, -1, 1, 0, 0]
    halves = contrast_vector(
        ContrastSpec.coefficients(["sexMale.timeDay4"], ["sexMale.timeDay8"], list_values=(0.5, -0.5)), NAMES
    )
    assert halves.tolist() == [0, 0, 0, 0, 0.5, -0.5]
    assert contrast_vector(ContrastSpec.coefficient("sexMale.timeDay8"), NAMES).tolist() == [0, 0, 0, 0, 0, 1]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (ContrastSpec.coefficient("sexMale:timeDay8"), "coefficient the design does not have"),
        (
            ContrastSpec.coefficients(["time_Day8_vs_Day0"], ["time_Day8_vs_Day0"]),
            "both the numerator and the denominator",
        ),
        (ContrastSpec.numeric([0, 1, -1]), "wrong length"),
        (ContrastSpec.numeric([0] * 6), "all weights zero"),
        (ContrastSpec.coefficients([], []), "names no coefficient"),
    ],
)
def test_contrast_errors(spec, message):
    with pytest.raises(InputError, match=message):
        contrast_vector(spec, NAMES)


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(InputError) as error:
        contrast_vector(ContrastSpec.coefficient("timeDay8"), NAMES)
    assert "sexMale.timeDay8" in str(error.value)


def test_zero_count_genes_follows_clean_contrast():
    design = np.array([[1, 0, 0]] * 2 + [[1, 1, 0]] * 2 + [[1, 0, 1]] * 2, dtype=float)
    counts = np.array([[5, 3, 0, 0], [4, 1, 0, 0], [0, 2, 0, 1], [0, 2, 0, 0], [0, 0, 0, 0], [0, 1, 0, 0]])
    groups = pd.Series(["A", "A", "B", "B", "C", "C"])
    b_vs_c = np.array([0, 1, -1.0])
    # gene 0: zero in B and C -> zeroed; gene 2: zero everywhere -> stays NA, not zeroed
    assert zero_count_genes(counts, design, b_vs_c, ContrastSpec.numeric(b_vs_c)).tolist() == [
        True,
        False,
        False,
        False,
    ]
    assert zero_count_genes(counts, design, b_vs_c, ContrastSpec.levels("g", "B", "C"), groups=groups).tolist() == [
        True,
        False,
        False,
        False,
    ]
    one_signed = np.array([0, 1, 1.0])
    assert not zero_count_genes(counts, design, one_signed, ContrastSpec.numeric(one_signed)).any()
    assert not zero_count_genes(counts, design, b_vs_c, ContrastSpec.coefficient("x")).any()


def test_shrinkage_rule():
    assert shrinkage_for(ContrastSpec.coefficient("sexMale.timeDay8"), NAMES, np.eye(6)[5]) == (
        "apeglm",
        "sexMale.timeDay8",
    )
    both = contrast_vector(ContrastSpec.coefficients(["time_Day8_vs_Day0", "sexMale.timeDay8"]), NAMES)
    assert shrinkage_for(ContrastSpec.coefficients(["time_Day8_vs_Day0", "sexMale.timeDay8"]), NAMES, both) == (
        "none",
        None,
    )


def test_threshold_formulas():
    lfc, se = np.array([2.0, -2.0, 0.5, 0.0, np.nan]), np.array([0.5, 0.5, 0.25, 0.5, 0.5])
    stat, p = threshold_test(lfc, se, lfc_threshold=1.0, alt_hypothesis="greaterAbs")
    np.testing.assert_allclose(stat[:4], [2.0, -2.0, 0.0, 0.0])
    assert p[0] == pytest.approx(2 * 0.022750131948179195) and p[3] == 1.0 and np.isnan(p[4])
    stat, p = threshold_test(lfc, se, lfc_threshold=1.0, alt_hypothesis="lessAbs")
    # |0.5| < 1: the larger one-sided p-value, P(Z > (1 - 0.5) / 0.25) vs P(Z > (0.5 + 1) / 0.25)
    assert stat[2] == pytest.approx(2.0) and p[2] == pytest.approx(0.022750131948179195)
    stat, p = threshold_test(lfc, se, lfc_threshold=1.0, alt_hypothesis="greater")
    assert stat[0] == pytest.approx(2.0) and stat[1] == 0.0 and p[1] == pytest.approx(1.0)
    stat, p = threshold_test(lfc, se, lfc_threshold=1.0, alt_hypothesis="less")
    assert stat[1] == pytest.approx(-2.0) and stat[0] == 0.0


@pytest.mark.parametrize(
    ("threshold", "alt", "message"),
    [
        (1.0, "two.sided", "Unknown alternative"),
        (-1.0, "greater", ">= 0"),
        (0.0, "lessAbs", "positive log2 fold-change threshold"),
    ],
)
def test_threshold_errors(threshold, alt, message):
    with pytest.raises(InputError, match=message):
        check_threshold(threshold, alt)


def test_locfit_replica_reproduces_a_quadratic():
    rng = np.random.default_rng(3)
    x = np.sort(rng.uniform(0, 10, 400))
    y = 1.0 - 0.3 * x + 0.02 * x**2
    trend = fit_locfit(x, y, np.exp(x / 3))
    inside = np.linspace(0.5, 9.5, 7)
    np.testing.assert_allclose(trend(inside), 1.0 - 0.3 * inside + 0.02 * inside**2, atol=1e-9)
    assert len(trend.vertices) > 2 and np.all(np.diff(trend.vertices) > 0)
    again = LocalTrend.from_arrays(trend.as_arrays())
    np.testing.assert_array_equal(again(inside), trend(inside))
