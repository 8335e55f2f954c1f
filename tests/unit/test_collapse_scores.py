"""Redundancy collapse of gene sets and whole-collection sample scores with their contrast test."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ttest_ind

from degsea.gsea.collapse import collapse_sets, jaccard_matrix, significance_order
from degsea.gsea.collection_scores import GroupContrast, collection_scores, contrast_tests, top_variable


def test_jaccard_matrix() -> None:
    sim = jaccard_matrix([frozenset("abcd"), frozenset("abce"), frozenset("xy"), frozenset()])
    assert sim[0, 1] == pytest.approx(3 / 5)
    assert sim[0, 2] == 0.0
    assert sim[3, 3] == 0.0
    assert np.allclose(sim, sim.T)


def test_collapse_groups_overlapping_leading_edges() -> None:
    members = {
        "A": list("abcdefgh"),
        "A_LIKE": list("abcdefgi"),  # Jaccard 7/9 with A
        "B": list("pqrstu"),
        "B_LIKE": list("pqrst"),  # 5/6 with B
        "LONER": list("abxyz"),  # 2/11 with A
        "EMPTY": [],
    }
    order = ["A_LIKE", "B", "A", "LONER", "B_LIKE", "EMPTY"]
    groups = collapse_sets(members, order, min_jaccard=0.5).set_index("set")
    assert groups.loc["A", "group"] == "A_LIKE"  # the first in significance order represents
    assert groups.loc["B_LIKE", "group"] == "B"
    assert groups.loc["LONER", "group"] == "LONER"
    assert groups.loc["EMPTY", "group"] == "EMPTY"
    assert groups["representative"].sum() == 4
    assert groups.loc["A", "group_size"] == 2
    strict = collapse_sets(members, order, min_jaccard=0.9)
    assert strict["representative"].all()  # nothing is that similar


def test_collapse_needs_every_set_in_order() -> None:
    with pytest.raises(ValueError, match="every set"):
        collapse_sets({"A": ["a"], "B": ["b"]}, ["A"])


def test_significance_order() -> None:
    table = pd.DataFrame(
        {"set": ["x", "y", "z", "w"], "pvalue": [0.01, 0.01, 0.001, np.nan], "NES": [1.5, -2.0, 1.0, 3.0]}
    )
    assert significance_order(table) == ["z", "y", "x", "w"]


def _expression(seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, list[str]]]:
    rng = np.random.default_rng(seed)
    genes = [f"G{i}" for i in range(600)]
    samples = [f"{g}_{i}" for g in ("a", "b") for i in range(5)]
    values = pd.DataFrame(rng.normal(8, 1, (600, 10)), index=genes, columns=samples)
    values.iloc[:30, 5:] += 2.5  # set UP is higher in group b
    sheet = pd.DataFrame({"group": ["a"] * 5 + ["b"] * 5}, index=samples)
    sets = {"UP": genes[:30], "NULL": genes[100:140], "SMALL": genes[200:205]}
    return values, sheet, sets


@pytest.mark.parametrize("method", ["gsva", "ssgsea"])
def test_collection_scores_and_welch_test(method: str) -> None:
    values, sheet, sets = _expression()
    scores = collection_scores(values, sets, method=method, min_size=15, max_size=500)
    assert list(scores.index) == list(values.columns)
    assert list(scores.columns) == ["UP", "NULL"]  # SMALL has 5 genes < min_size
    tests = contrast_tests(scores, sheet, [GroupContrast("b_vs_a", "group", "b", "a")]).set_index("set")
    assert tests.loc["UP", "pvalue"] < 1e-4
    assert tests.loc["UP", "difference"] > 0
    expected = ttest_ind(
        scores.loc[sheet["group"] == "b", "NULL"], scores.loc[sheet["group"] == "a", "NULL"], equal_var=False
    )
    assert tests.loc["NULL", "pvalue"] == pytest.approx(expected.pvalue, rel=1e-12)
    assert tests.loc["NULL", "t"] == pytest.approx(expected.statistic, rel=1e-12)
    assert top_variable(scores, n=1) == ["UP"]


def test_contrast_test_with_a_single_sample_group_gives_na() -> None:
    scores = pd.DataFrame({"S": [1.0, 2.0, 3.0]}, index=["x", "y", "z"])
    sheet = pd.DataFrame({"g": ["a", "a", "b"]}, index=["x", "y", "z"])
    tests = contrast_tests(scores, sheet, [GroupContrast("b_vs_a", "g", "b", "a")])
    assert tests["pvalue"].isna().all()
    assert tests.loc[0, "n_test"] == 1


def test_with_groups_keeps_every_row_and_collapses_per_direction() -> None:
    from degsea.gsea.collapse import with_groups

    table = pd.DataFrame(
        {
            "set": ["A", "A2", "B", "A", "A2"],
            "direction": ["up", "up", "up", "down", "down"],
            "pvalue": [0.001, 0.01, 0.02, 0.5, 0.04],
            "genes": ["a;b;c;d", "a;b;c;d;e", "x;y", "a", ""],
        }
    )
    out = with_groups(table, genes_column="genes", by=["direction"])
    assert list(out["set"]) == list(table["set"])
    assert list(out["group"]) == ["A", "A", "B", "A", "A2"]
    assert list(out["representative"]) == [True, False, True, True, True]
    assert list(out["group_size"]) == [2, 2, 1, 1, 1]
    empty = with_groups(table.iloc[:0], genes_column="genes")
    assert empty.empty and {"group", "representative", "group_size"} <= set(empty.columns)


def test_select_sets_shows_one_set_per_group() -> None:
    from degsea.gsea.selection import select_sets

    summary = pd.DataFrame(
        {
            "set": ["A", "A2", "B", "C"],
            "NES_c1": [2.5, 2.4, -2.0, 1.0],
            "FDR_c1": [1e-4, 2e-4, 1e-3, 0.5],
            "group_c1": ["A", "A", "B", "C"],
            "NES_c2": [1.0, 2.0, 0.5, 2.2],
            "FDR_c2": [0.3, 0.2, 0.9, 1e-2],
            "group_c2": ["A", "A2", "B", "C"],
        }
    )
    assert select_sets(summary, top_n=3) == ["A", "B", "C"]  # A2 is in A's group where it is strongest
    assert select_sets(summary, top_n=3, collapse=False) == ["A", "A2", "B"]
    assert select_sets(summary, focus=["A2"], top_n=2) == ["A2", "B", "C"]
    assert select_sets(summary.drop(columns=["group_c1", "group_c2"]), top_n=2) == ["A", "A2"]


def test_zscore_within_a_contrast_puts_other_groups_on_its_scale() -> None:
    from degsea.tables import zscore_rows

    frame = pd.DataFrame([[1.0, 3.0, 1.0, 3.0, 10.0]], columns=["r1", "t1", "r2", "t2", "o1"])
    z = zscore_rows(frame, within=["r1", "r2", "t1", "t2"])
    sd = np.std([1.0, 3.0, 1.0, 3.0], ddof=1)
    assert z.loc[0, "t1"] == pytest.approx(1.0 / sd)
    assert z.loc[0, "o1"] == pytest.approx(8.0 / sd)  # far outside: on the contrast's scale, not its own
    assert zscore_rows(frame).loc[0].mean() == pytest.approx(0.0)


def test_contrast_samples_reference_then_test_then_the_others() -> None:
    from degsea.steps.figures_gsea import contrast_samples

    sheet = pd.DataFrame({"condition": ["u", "p", "r", "u", "p", "r"]}, index=["u1", "p1", "r1", "u2", "p2", "r2"])
    order = ["u1", "u2", "p1", "p2", "r1", "r2"]
    inside, outside = contrast_samples(sheet, order, {"variable": "condition", "test": "r", "reference": "u"})
    assert inside == ["u1", "u2", "r1", "r2"] and outside == ["p1", "p2"]
    assert contrast_samples(sheet, order, None) == ([], [])
    assert contrast_samples(sheet, order, {"variable": "condition", "test": "x", "reference": "u"}) == ([], [])


def test_heatmap_sets_the_other_groups_apart() -> None:
    from degsea.plots import de as plots_de
    from degsea.plots.style import make_groups

    sheet = pd.DataFrame({"condition": ["u", "u", "r", "r", "p", "p"]}, index=list("abcdef"))
    z = pd.DataFrame(
        np.random.default_rng(1).normal(size=(5, 6)), columns=list("abcdef"), index=[f"g{i}" for i in range(5)]
    )
    groups = make_groups(sheet, color_by="condition")
    fig = plots_de.expression_heatmap(
        z, sheet, groups, samples=list("abcdef"), title="t", gap_after=4, gap_label="not in the contrast"
    )
    heat = fig.axes[1]
    image = heat.images[0].get_array()
    assert image.shape == (5, 7) and np.ma.getmaskarray(image)[:, 4].all() or np.isnan(np.asarray(image)[:, 4]).all()
    assert [t.get_text() for t in heat.get_xticklabels()] == list("abcdef")
    assert list(heat.get_xticks()) == [0, 1, 2, 3, 5, 6]
