"""Group levels in figures: configured colours first, then the config's level lists, then natural order."""

from __future__ import annotations

import logging

import pandas as pd

from degsea.naming import absent_levels, level_order, natural_sorted
from degsea.plots import style
from degsea.scripting import rule_logging
from degsea.study import level_setting_warnings


def test_natural_order_reads_numbers_as_numbers() -> None:
    assert natural_sorted(["Day8", "Day0", "Day10", "Day4"]) == ["Day0", "Day4", "Day8", "Day10"]
    assert natural_sorted(["dose 10", "dose 2", "dose 1.5"]) == ["dose 1.5", "dose 2", "dose 10"]
    assert natural_sorted(["b", "A", "a"]) == ["A", "a", "b"]  # case only breaks ties


def test_level_order_prefers_colours_then_level_lists_then_natural_order() -> None:
    present = ["Day8", "Day0", "Day4", "Day8", "Day12"]  # GSE96870's sheet order: Day8 first
    assert level_order(present) == ["Day0", "Day4", "Day8", "Day12"]
    assert level_order(present, levels=["Day8", "Day4"]) == ["Day8", "Day4", "Day0", "Day12"]
    assert level_order(present, colors={"Day4": "red", "Absent": "blue"}, levels=["Day8"]) == [
        "Day4",
        "Day8",
        "Day0",
        "Day12",
    ]
    assert level_order([2, 10, 1]) == ["1", "2", "10"]
    assert absent_levels({"Day4": "red", "Absent": "blue"}, present) == ["Absent"]


def test_groups_follow_the_level_order() -> None:
    sheet = pd.DataFrame(
        {"time": ["Day8", "Day0", "Day4", "Day8"], "dose": ["10", "2", "2", "10"]},
        index=pd.Index(["s1", "s2", "s3", "s4"], name="sample"),
    )
    groups = style.make_groups(sheet, color_by="time", shape_by="dose")
    assert groups.levels == ["Day0", "Day4", "Day8"]
    assert list(groups.markers) == ["2", "10"]
    assert groups.colors["Day0"] == style.OKABE_ITO[0]
    ordered = style.make_groups(
        sheet, color_by="time", colors={"Day8": "#000000"}, levels={"time": ["Day4"], "dose": ["10"]}, shape_by="dose"
    )
    assert ordered.levels == ["Day8", "Day4", "Day0"] and ordered.colors["Day8"] == "#000000"
    assert list(ordered.markers) == ["10", "2"]


def test_settings_for_absent_levels_are_named() -> None:
    sheet = pd.DataFrame({"condition": ["a", "b"], "time": ["Day0", "Day4"]})
    warnings = level_setting_warnings(
        sheet,
        color_by="condition",
        colors={"a": "red", "Treated": "blue"},
        levels={"time": ["Day0", "Day9"], "batch": ["x"]},
        sheet_file="config/samples.tsv",
    )
    assert len(warnings) == 3
    assert (
        "'plots: colors'" in warnings[0]
        and "no sample has: Treated" in warnings[0]
        and "levels in config/samples.tsv: a, b" in warnings[0]
    )
    assert "'levels: time'" in warnings[1] and "Day9" in warnings[1]
    assert "'batch'" in warnings[2] and "not a column of config/samples.tsv" in warnings[2]
    assert level_setting_warnings(sheet, color_by="condition", colors={"a": "red"}, levels={}, sheet_file="s.tsv") == []


def test_every_log_line_of_a_job_names_it(tmp_path, capsys) -> None:
    log_file = tmp_path / "gsea.log"
    root = logging.getLogger()
    before = list(root.handlers)
    try:
        with rule_logging(str(log_file), rule="gsea responsive_vs_untreated"):
            logging.getLogger("degsea.gsea.prerank").info("GSEA: 15000 genes, 9 sets")
    finally:
        for handler in root.handlers[len(before) :]:
            root.removeHandler(handler)
            handler.close()
    lines = [line for line in log_file.read_text().splitlines() if line]
    assert lines and all("[gsea responsive_vs_untreated]" in line for line in lines)
    assert any("GSEA: 15000 genes" in line for line in lines)
    err = capsys.readouterr().err
    assert "degsea.gsea.prerank [gsea responsive_vs_untreated]: GSEA: 15000 genes" in err
