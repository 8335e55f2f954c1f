"""Over-representation analysis: R's phyper on a committed example, the universe, empty contrasts."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from degsea.gsea.collections import read_gmt
from degsea.gsea.ora import COLUMNS, de_universe, hypergeometric_p, over_representation

FIXTURE = Path(__file__).parent / "fixtures" / "ora"


def _fixture_result() -> tuple[pd.DataFrame, pd.DataFrame]:
    de = pd.read_csv(FIXTURE / "de.tsv", sep="\t")
    sets = {name: s.genes for name, s in read_gmt(FIXTURE / "sets.gmt").items()}
    universe = de_universe(de, padj=0.05, lfc=1.0)
    ours = over_representation(universe, sets, min_size=5, max_size=500, contrast="fixture")
    reference = pd.read_csv(FIXTURE / "r_ora.tsv", sep="\t", dtype={"pvalue": float, "padj": float})
    return ours, reference


def test_pvalues_equal_r_phyper() -> None:
    """p-values and BH padj equal R's phyper(q - 1, m, n, k, lower.tail = FALSE) / p.adjust to 1e-12."""
    ours, reference = _fixture_result()
    merged = reference.merge(ours, on=["set", "direction"], how="outer", suffixes=("_r", ""), indicator=True)
    assert (merged["_merge"] == "both").all(), merged.loc[merged["_merge"] != "both", ["set", "direction", "_merge"]]
    for column in ("size", "overlap", "de_genes", "universe"):
        assert (merged[f"{column}_r"] == merged[column]).all(), column
    for column in ("pvalue", "padj"):
        np.testing.assert_allclose(merged[column], merged[f"{column}_r"], rtol=1e-12, atol=1e-12)
    assert merged["pvalue"].min() < 1e-50  # the planted set reaches the far tail


def test_sets_outside_the_size_range_are_not_tested() -> None:
    ours, _ = _fixture_result()
    assert {"TINY", "LARGE"}.isdisjoint(ours["set"])


def test_universe_is_the_tested_genes_by_symbol() -> None:
    de = pd.DataFrame(
        {
            "gene_id": ["a", "b", "c", "d", "e"],
            "symbol": ["A", "B", "C", "C", "E"],
            "padj": [0.01, np.nan, 0.5, 0.01, 0.02],
            "log2FoldChange": [2.0, 3.0, -0.1, 1.5, -2.0],
        }
    )
    universe = de_universe(de, padj=0.05, lfc=1.0)
    assert universe.genes == ("A", "C", "E")  # B has no padj (filtered): not in the universe
    assert universe.de == {"up": ("A", "C"), "down": ("E",)}
    assert universe.rule == "padj < 0.05, |log2FC| >= 1"


def test_hypergeometric_by_hand() -> None:
    # N = 10, m = 4, k = 3: P(X >= 2) = [C(4,2) C(6,1) + C(4,3)] / C(10,3) = (36 + 4) / 120
    assert hypergeometric_p(np.array([2]), np.array([4]), 3, 10)[0] == pytest.approx(40 / 120, rel=1e-14)
    assert hypergeometric_p(np.array([0]), np.array([4]), 3, 10)[0] == pytest.approx(1.0)


def test_hypergeometric_matches_scipy() -> None:
    # degsea's own tail (no scipy.stats import in the ORA jobs) against scipy's Boost-based one:
    # ORA-like draws, small and edge cases, and sets large enough to need the rescaled product.
    from scipy.stats import hypergeom

    rng = np.random.default_rng(7)
    cases = []
    for universe, largest in ((12_000, 500), (40, 40), (5_000, 3_000), (20_000, 600)):
        for _ in range(400):
            size = int(rng.integers(0, largest + 1))
            de_genes = int(rng.integers(0, universe + 1))
            cases.append((int(rng.integers(-1, min(size, de_genes) + 3)), size, de_genes, universe))
    cases += [(0, 4, 3, 10), (1, 4, 3, 10), (4, 4, 3, 10), (3, 10, 10, 10), (1, 0, 5, 10), (5, 500, 12_000, 12_000)]
    for overlap, size, de_genes, universe in cases:
        mine = hypergeometric_p(np.array([overlap]), np.array([size]), de_genes, universe)[0]
        expected = hypergeom.sf(overlap - 1, universe, size, de_genes)
        if expected > 1e-300:
            assert mine == pytest.approx(expected, rel=1e-12, abs=0), (overlap, size, de_genes, universe)
        else:  # beyond double precision's normal range both are (near) zero
            assert mine < 1e-290


def test_no_de_genes_gives_an_empty_table_and_a_log_line(caplog: pytest.LogCaptureFixture) -> None:
    de = pd.DataFrame(
        {"gene_id": list("abcdef"), "symbol": list("ABCDEF"), "padj": [0.9] * 6, "log2FoldChange": [1.0, -1.0] * 3}
    )
    with caplog.at_level(logging.INFO, logger="degsea.gsea.ora"):
        table = over_representation(de_universe(de, padj=0.05), {"S": list("ABCDE")}, min_size=2, contrast="flat")
    assert table.empty
    assert list(table.columns) == COLUMNS
    assert "ORA flat: no DE genes (padj < 0.05): empty table" in caplog.text


def test_one_direction_without_de_genes_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    de = pd.DataFrame(
        {
            "gene_id": list("abcdef"),
            "symbol": list("ABCDEF"),
            "padj": [0.01, 0.01, 0.9, 0.9, 0.9, 0.9],
            "log2FoldChange": [2.0] * 6,
        }
    )
    with caplog.at_level(logging.INFO, logger="degsea.gsea.ora"):
        table = over_representation(
            de_universe(de, padj=0.05), {"S": list("ABC"), "T": list("DEF")}, min_size=2, contrast="c"
        )
    assert set(table["direction"]) == {"up"}
    assert table.set_index("set").loc["S", "overlap"] == 2
    assert table.set_index("set").loc["S", "genes"] == "A;B"
    assert "ORA c: no down-regulated DE genes" in caplog.text


def test_select_ora_sets_shows_representatives_with_de_genes() -> None:
    from degsea.gsea.ora import select_ora_sets

    a = pd.DataFrame(
        {
            "set": ["S1", "S2", "S3", "S4"],
            "overlap": [5, 4, 0, 3],
            "padj": [1e-5, 1e-6, 1e-9, 0.2],
            "pvalue": [1e-6, 1e-7, 1e-10, 0.1],
            "representative": [True, False, True, True],
        }
    )
    b = pd.DataFrame({"set": ["S4"], "overlap": [2], "padj": [1e-3], "pvalue": [1e-4], "representative": [True]})
    assert select_ora_sets({"c1": a, "c2": b}, top_n=2) == ["S1", "S4"]
    assert select_ora_sets({"c1": a, "c2": b}, focus=["S3", "NOPE"], top_n=1) == ["S3", "S1"]
    assert select_ora_sets({"c1": a.iloc[:0]}, top_n=3) == []


def test_no_de_genes_anywhere_gives_a_figure_and_empty_selection(tmp_path: Path) -> None:
    from degsea.gsea.ora import selected_rows
    from degsea.steps.figures_gsea import ora_overview

    empty = pd.DataFrame(columns=COLUMNS)
    path = tmp_path / "c.tsv"
    empty.to_csv(path, sep="\t", index=False)
    out = tmp_path / "sel.tsv"
    ora_overview(tables={"c": str(path)}, figures=[str(tmp_path / "dot.png")], table_out=str(out))
    assert (tmp_path / "dot.png").read_bytes()[:4] == b"\x89PNG"
    assert pd.read_csv(out, sep="\t").empty
    assert selected_rows({"c": empty}, []).empty


def test_selected_rows_in_set_then_contrast_order() -> None:
    from degsea.gsea.ora import selected_rows

    a = pd.DataFrame({"set": ["S1", "S2", "S1"], "direction": ["up", "up", "down"], "padj": [0.1, 0.2, 0.3]})
    b = pd.DataFrame({"set": ["S2"], "direction": ["down"], "padj": [0.4]})
    rows = selected_rows({"c2": a, "c1": b}, ["S2", "S1"], focus=["S1"])
    assert list(zip(rows["set"], rows["contrast"], rows["direction"], strict=True)) == [
        ("S2", "c2", "up"),
        ("S2", "c1", "down"),
        ("S1", "c2", "up"),
        ("S1", "c2", "down"),
    ]
    assert list(rows.columns[:2]) == ["contrast", "focus"] and rows["focus"].tolist() == [False, False, True, True]
