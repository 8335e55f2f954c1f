"""Tests of design formulas and contrasts (degsea.de.design)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from degsea.de.design import Contrast, check_design, design_variables, model_frame, parse_contrasts
from degsea.errors import InputError

SHEET_FILE = "samples.tsv"


def make_sheet(conditions: list[str], **columns: list) -> pd.DataFrame:
    """A sample sheet with a ``condition`` column and any other columns, samples s1..sN."""
    index = pd.Index([f"s{i + 1}" for i in range(len(conditions))], name="sample")
    return pd.DataFrame({"condition": conditions, **columns}, index=index)


BALANCED = make_sheet(["c", "c", "c", "t", "t", "t"], batch=["1", "2", "3", "1", "2", "3"])
T_VS_C = Contrast("t_vs_c", "condition", "t", "c")


def check(sheet: pd.DataFrame, formula: str, contrasts: list[Contrast] | None = None, **kwargs) -> None:
    """check_design with the default contrast and sheet file."""
    check_design(sheet, formula, [T_VS_C] if contrasts is None else contrasts, sheet_file=SHEET_FILE, **kwargs)


# --- formulas ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("formula", "variables"),
    [
        ("~ condition", ["condition"]),
        ("~ a + b", ["a", "b"]),
        ("~a+b", ["a", "b"]),
        ("  ~  batch_2 +  condition ", ["batch_2", "condition"]),
        ("~ a + b + a:b", ["a", "b"]),
        ("~ a : b", ["a", "b"]),
        ("~ b + a + b", ["b", "a"]),
    ],
)
def test_design_variables(formula: str, variables: list[str]) -> None:
    assert design_variables(formula) == variables


@pytest.mark.parametrize(
    "formula",
    [
        "~ __import__('os')",
        "~ a + __import__('os').system('true')",
        "~ C(a)",
        "~ np.log(a)",
        "~ 0 + a",
        "~ a - 1",
        "~ a-b",
        "~ 1",
        "~",
        "~ a +",
        "a + b",
        "y ~ a",
        "~ 2a",
        "~ a b",
        "",
    ],
)
def test_bad_formulas_are_rejected(formula: str) -> None:
    with pytest.raises(InputError, match="The design formula cannot be read") as info:
        design_variables(formula)
    message = str(info.value)
    assert f"found: {formula!r}" in message
    assert "file: config 'design'" in message


def test_non_string_formula_is_rejected() -> None:
    with pytest.raises(InputError, match=r"cannot be read\.\n  file: cfg.yaml\n  found: None"):
        design_variables(None, source="cfg.yaml")  # type: ignore[arg-type]


# --- contrasts --------------------------------------------------------------------------------


def test_parse_contrasts() -> None:
    contrasts = parse_contrasts(
        {
            "t_vs_c": {"variable": "condition", "test": "t", "reference": "c"},
            "2.b-1": {"variable": "batch", "test": 2, "reference": 1},
        }
    )
    assert contrasts == [
        Contrast("t_vs_c", "condition", "t", "c"),
        Contrast("2.b-1", "batch", "2", "1"),  # levels as text, as in the sheet
    ]


@pytest.mark.parametrize("name", ["../x", "a/b", ".hidden", "-x", "_x", "a b", "", "x" * 101, "a\\b"])
def test_parse_contrasts_bad_names(name: str) -> None:
    with pytest.raises(InputError, match="contrast name cannot be used as a file name") as info:
        parse_contrasts({name: {"variable": "c", "test": "t", "reference": "r"}}, source="cfg.yaml")
    message = str(info.value)
    assert "file: cfg.yaml" in message
    assert f"found: {name!r}" in message


def test_parse_contrasts_none() -> None:
    with pytest.raises(InputError, match=r"No contrast is configured\.\n  file: config 'contrasts'"):
        parse_contrasts({})


# --- check_design: accepted designs -------------------------------------------------------------


def test_balanced_design_passes() -> None:
    check(BALANCED, "~ batch + condition")
    check(BALANCED, "~ condition")


def test_interaction_design_with_full_rank_passes() -> None:
    sheet = make_sheet(["c", "c", "t", "t", "c", "c", "t", "t", "c", "t"], batch=["1"] * 4 + ["2"] * 4 + ["1", "2"])
    check(sheet, "~ batch + condition + batch:condition")


def test_continuous_covariate_passes() -> None:
    sheet = make_sheet(["c", "c", "c", "t", "t", "t"], age=[30.0, 41.0, 52.0, 35.0, 45.0, 60.0])
    check(sheet, "~ age + condition", continuous=["age"])


def test_min_replicates_is_respected() -> None:
    sheet = make_sheet(["c", "c", "t", "t", "t"])
    check(sheet, "~ condition", min_replicates=2)
    with pytest.raises(InputError, match=r"found: reference level 'c' has 2 sample\(s\)"):
        check(sheet, "~ condition", min_replicates=3)


# --- check_design: errors ---------------------------------------------------------------------


def test_bad_formula_in_check_design() -> None:
    with pytest.raises(InputError, match="cannot be read"):
        check(BALANCED, "~ condition - batch")


def test_design_variable_missing_from_sheet() -> None:
    with pytest.raises(InputError, match="A design variable is not a column of the sample sheet") as info:
        check(BALANCED, "~ Batch + condition")
    message = str(info.value)
    assert f"file: {SHEET_FILE}" in message
    assert "where: config 'design': '~ Batch + condition'" in message
    assert "found: Batch\n" in message
    assert "allowed: condition, batch" in message


def test_design_variable_with_empty_level() -> None:
    sheet = make_sheet(["c", "c", "c", "t", "t", "t"], batch=["1", "", "1", "2", " ", "2"])
    with pytest.raises(InputError, match="A design variable has empty values") as info:
        check(sheet, "~ batch + condition")
    message = str(info.value)
    assert f"file: {SHEET_FILE}" in message
    assert "where: column 'batch'" in message
    assert "found: no value for sample(s) 's2', 's5'" in message


def test_contrast_variable_not_in_design() -> None:
    with pytest.raises(InputError, match="Contrast 'by_batch' tests a variable that is not in the design") as info:
        check(BALANCED, "~ condition", [Contrast("by_batch", "batch", "2", "1")])
    message = str(info.value)
    assert f"file: {SHEET_FILE}" in message
    assert "where: config 'contrasts: by_batch'" in message
    assert "found: variable 'batch'" in message
    assert "allowed: a categorical variable of the design: condition" in message


def test_contrast_on_continuous_variable() -> None:
    sheet = make_sheet(["c", "c", "c", "t", "t", "t"], age=[30.0, 41.0, 52.0, 35.0, 45.0, 60.0])
    with pytest.raises(InputError, match="compares levels of a continuous covariate") as info:
        check(sheet, "~ age + condition", [Contrast("old", "age", "60.0", "30.0")], continuous=["age"])
    message = str(info.value)
    assert f"file: {SHEET_FILE}" in message
    assert "where: config 'contrasts: old'" in message
    assert "found: variable 'age', listed in config 'continuous'" in message


def test_contrast_test_equals_reference() -> None:
    with pytest.raises(InputError, match="compares a level with itself") as info:
        check(BALANCED, "~ condition", [Contrast("same", "condition", "t", "t")])
    message = str(info.value)
    assert f"file: {SHEET_FILE}" in message
    assert "where: config 'contrasts: same'" in message
    assert "found: test and reference both 't'" in message


def test_contrast_missing_level_lists_levels_present_with_counts() -> None:
    sheet = make_sheet(["ctrl", "ctrl", "ctrl", "treated", "treated", "other"])
    with pytest.raises(InputError, match="names a level that is not in the sample sheet") as info:
        check(sheet, "~ condition", [Contrast("t_vs_c", "condition", "Treated", "ctrl")])
    message = str(info.value)
    assert f"file: {SHEET_FILE}" in message
    assert "where: config 'contrasts: t_vs_c', column 'condition'" in message
    assert "found: test level 'Treated' is missing" in message
    assert "allowed: levels present (samples): 'ctrl' (3), 'other' (1), 'treated' (2)" in message


def test_contrast_missing_reference_level() -> None:
    with pytest.raises(InputError, match=re.escape("found: reference level 'control' is missing")):
        check(BALANCED, "~ condition", [Contrast("t_vs_c", "condition", "t", "control")])


def test_contrast_level_with_one_replicate() -> None:
    sheet = make_sheet(["c", "c", "c", "t", "u", "u"])
    with pytest.raises(InputError, match="too few replicates") as info:
        check(sheet, "~ condition", [Contrast("t_vs_c", "condition", "t", "c")])
    message = str(info.value)
    assert f"file: {SHEET_FILE}" in message
    assert "where: config 'contrasts: t_vs_c', column 'condition'" in message
    assert "found: test level 't' has 1 sample(s)" in message
    assert "allowed: at least 2 samples per compared level" in message


def test_confounded_batch_is_not_full_rank() -> None:
    sheet = make_sheet(["c", "c", "c", "t", "t", "t"], batch=["A", "A", "A", "B", "B", "B"])
    with pytest.raises(InputError, match="The design is not full rank") as info:
        check(sheet, "~ batch + condition")
    message = str(info.value)
    assert f"file: {SHEET_FILE}" in message
    assert "where: config 'design': '~ batch + condition'" in message
    assert (
        "found: 3 coefficients but rank 2; linear combinations of each other: {batch_B_vs_A, condition_t_vs_c}"
        in message
    )
    assert "batch that coincides with a condition" in message


def test_interaction_written_with_star() -> None:
    assert design_variables("~ a * b") == ["a", "b"]
    sheet = make_sheet(["c", "c", "t", "t", "c", "c", "t", "t"], host=["w", "w", "w", "w", "k", "k", "k", "k"])
    check(sheet, "~ host * condition")


def test_paired_design_is_accepted() -> None:
    sheet = make_sheet(["c", "t"] * 4, mouse=["m1", "m1", "m2", "m2", "m3", "m3", "m4", "m4"])
    check(sheet, "~ mouse + condition")


def test_nested_block_points_to_deseq2_recipe() -> None:
    sheet = make_sheet(
        ["c", "c", "c", "c", "t", "t", "t", "t"],
        host=["w", "w", "k", "k", "w", "w", "k", "k"],
        mouse=["m1", "m2", "m3", "m4", "m1", "m2", "m3", "m4"],
    )
    with pytest.raises(InputError, match="not full rank") as info:
        check(sheet, "~ host + mouse + condition")
    message = str(info.value)
    assert "{Intercept, host_w_vs_k, mouse_m3_vs_m1, mouse_m4_vs_m1}" in message
    assert "'mouse' is nested in 'host'" in message
    assert "mouse_n = 1, 2, 3 in every host" in message


def test_empty_level_combination_in_interaction_is_not_full_rank() -> None:
    # batch 2 holds no 't' sample: the interaction coefficient cannot be estimated.
    sheet = make_sheet(["c", "c", "t", "t", "c", "c", "c"], batch=["1", "1", "1", "1", "2", "2", "2"])
    with pytest.raises(InputError, match="not full rank"):
        check(sheet, "~ batch + condition + batch:condition")


def test_as_many_coefficients_as_samples() -> None:
    sheet = make_sheet(["c", "c", "t", "t"], batch=["1", "2", "3", "4"])
    with pytest.raises(InputError, match="as many coefficients as there are samples") as info:
        check(sheet, "~ batch + condition")
    message = str(info.value)
    assert f"file: {SHEET_FILE}" in message
    assert "where: config 'design': '~ batch + condition'" in message
    assert "found: 4 samples, 5 coefficients (Intercept, batch[T.2], batch[T.3], batch[T.4], condition[T.t])" in message


def test_exactly_as_many_coefficients_as_samples() -> None:
    sheet = make_sheet(["c", "t"])
    with pytest.raises(InputError, match=re.escape("found: 2 samples, 2 coefficients")):
        check(sheet, "~ condition", [], min_replicates=1)


# --- model_frame -------------------------------------------------------------------------------


def test_model_frame_puts_reference_first_and_keeps_numbers() -> None:
    sheet = make_sheet(["b", "a", "c", "b"], age=["1.5", "2", "3", "4"])
    frame = model_frame(sheet, ["condition", "age"], continuous=["age"], references={"condition": "c"})
    assert list(frame["condition"].cat.categories) == ["c", "a", "b"]
    assert frame["age"].dtype == float
    assert list(frame["age"]) == [1.5, 2.0, 3.0, 4.0]
    assert list(model_frame(sheet, ["condition"])["condition"].cat.categories) == ["a", "b", "c"]


# --- contrasts of every kind and likelihood-ratio tests ------------------------------------------------


def test_parse_contrasts_of_every_kind() -> None:
    parsed = parse_contrasts(
        {
            "pair": {"variable": "c", "test": "t", "reference": "r", "lfc_threshold": 1},
            "name": {"coefficient": "c_t_vs_r"},
            "list": {"numerator": ["a", "b"], "denominator": ["d"], "list_values": [0.5, -0.5]},
            "vector": {"vector": [0, 1, -1], "alt_hypothesis": "lessAbs", "lfc_threshold": 0.5},
        }
    )
    assert [c.kind for c in parsed] == ["levels", "name", "list", "numeric"]
    assert parsed[0].lfc_threshold == 1 and parsed[0].describe() == "c: t vs r"
    assert parsed[1].spec().name == "c_t_vs_r"
    assert parsed[2].numerator == ("a", "b") and parsed[2].list_values == (0.5, -0.5)
    assert parsed[2].describe() == "a + b vs d"
    assert parsed[3].vector == (0.0, 1.0, -1.0) and parsed[3].alt_hypothesis == "lessAbs"


def test_lrt_profile_groups_default_to_the_dropped_variables() -> None:
    from degsea.de.hypotheses import parse_lrts

    (test,) = parse_lrts(
        {"time": {"reduced": "~ treatment", "profiles": {"enabled": True}}}, design="~ treatment * time"
    )
    assert test.full == "~ treatment * time" and test.profile_groups() == ("time",)
    (test,) = parse_lrts({"time": {"reduced": "~ 1", "profiles": {"groups": ["time", "treatment"]}}}, design="~ time")
    assert test.profile_groups() == ("time", "treatment") and not test.profiles.enabled
    (test,) = parse_lrts({"x": {"reduced": "~ treatment + time"}}, design="~ treatment * time")
    assert test.profile_groups() == ("treatment", "time")


def test_nested_and_identical_lrt_designs() -> None:
    from degsea.de.hypotheses import check_lrts, parse_lrts

    sheet = make_sheet(["c", "t"] * 4, time=["0", "0", "1", "1", "2", "2", "0", "1"])
    good = parse_lrts(
        {"a": {"reduced": "~ condition"}, "b": {"reduced": "~ 1"}, "c": {"reduced": "~ condition + time"}},
        design="~ condition * time",
    )
    check_lrts(sheet, good, sheet_file=SHEET_FILE)
    with pytest.raises(InputError, match="compares a design with itself"):
        check_lrts(
            sheet,
            parse_lrts({"x": {"reduced": "~ time * condition"}}, design="~ condition * time"),
            sheet_file=SHEET_FILE,
        )
    with pytest.raises(InputError, match="coefficient the design does not have"):
        check_lrts(
            sheet,
            parse_lrts({"x": {"reduced": "~ 1", "coefficient": "nope"}}, design="~ condition"),
            sheet_file=SHEET_FILE,
        )
