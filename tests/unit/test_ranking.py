"""Tests of gene ranking for preranked GSEA (degsea.gsea.ranking)."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from degsea.errors import InputError
from degsea.gsea.ranking import METRICS, metric_values, rank_genes


def de_table(rows: list[tuple]) -> pd.DataFrame:
    """A DE result table from (gene_id, symbol, log2FoldChange, lfcSE, pvalue) rows."""
    table = pd.DataFrame(rows, columns=["gene_id", "symbol", "log2FoldChange", "lfcSE", "pvalue"])
    table["stat"] = table["log2FoldChange"] / table["lfcSE"]
    table["log2FoldChange_shrunk"] = table["log2FoldChange"] / 2
    return table


TABLE = de_table(
    [
        ("g1", "A", 2.0, 0.5, 1e-5),
        ("g2", "B", -1.0, 0.25, 1e-3),
        ("g3", "C", 0.5, 1.0, 0.5),
        ("g4", "D", -3.0, 2.0, 0.1),
    ]
)


def test_rank_by_stat() -> None:
    ranks = rank_genes(TABLE, metric="stat")
    assert list(ranks.index) == ["A", "C", "D", "B"]
    np.testing.assert_allclose(ranks.to_numpy(), [4.0, 0.5, -1.5, -4.0])
    assert ranks.name == "stat"
    assert ranks.index.name == "symbol"


def test_rank_by_log2_fold_change() -> None:
    ranks = rank_genes(TABLE, metric="log2FoldChange")
    assert list(ranks.index) == ["A", "C", "B", "D"]
    np.testing.assert_allclose(ranks.to_numpy(), [2.0, 0.5, -1.0, -3.0])


def test_rank_by_shrunken_log2_fold_change() -> None:
    ranks = rank_genes(TABLE, metric="log2FoldChange_shrunk")
    np.testing.assert_allclose(ranks.to_numpy(), [1.0, 0.25, -0.5, -1.5])


def test_rank_by_signed_log10_pvalue() -> None:
    ranks = rank_genes(TABLE, metric="signed_log10_pvalue")
    assert list(ranks.index) == ["A", "C", "D", "B"]
    np.testing.assert_allclose(ranks.to_numpy(), [5.0, -np.log10(0.5), -1.0, -3.0])


def test_signed_log10_pvalue_with_p_zero_is_finite() -> None:
    table = de_table([("g1", "A", 1.0, 0.1, 0.0), ("g2", "B", -1.0, 0.1, 0.0), ("g3", "C", 1.0, 1.0, 0.5)])
    values = metric_values(table, "signed_log10_pvalue")
    assert np.isfinite(values).all()
    assert values[0] == pytest.approx(-np.log10(np.finfo(float).tiny))
    assert values[1] == pytest.approx(np.log10(np.finfo(float).tiny))
    ranks = rank_genes(table, metric="signed_log10_pvalue")
    assert list(ranks.index) == ["A", "C", "B"]  # none dropped


def test_every_metric_is_computable() -> None:
    for metric in METRICS:
        assert len(rank_genes(TABLE, metric=metric)) == 4, metric


def test_missing_values_are_dropped(caplog: pytest.LogCaptureFixture) -> None:
    table = de_table(
        [
            ("g1", "A", 2.0, 0.5, 0.01),
            ("g2", "B", np.nan, np.nan, np.nan),  # all-zero gene
            ("g3", "C", 1.0, 0.0, 0.2),  # stat = inf
            ("g4", "D", -1.0, 1.0, 0.3),
        ]
    )
    with caplog.at_level(logging.INFO, logger="degsea.gsea.ranking"):
        ranks = rank_genes(table, metric="stat")
    assert list(ranks.index) == ["A", "D"]
    assert "dropped 2 of 4 genes" in caplog.text


def test_pvalue_nan_is_dropped_for_signed_log10_pvalue() -> None:
    table = de_table([("g1", "A", 2.0, 0.5, np.nan), ("g2", "B", -1.0, 0.5, 0.01)])
    ranks = rank_genes(table, metric="signed_log10_pvalue")
    assert list(ranks.index) == ["B"]


def test_duplicate_symbols_keep_the_largest_absolute_score() -> None:
    table = de_table(
        [
            ("g1", "A", 1.0, 1.0, 0.1),
            ("g2", "A", -5.0, 1.0, 0.1),  # |−5| wins over 1 and 3
            ("g3", "A", 3.0, 1.0, 0.1),
            ("g4", "B", 2.0, 1.0, 0.1),
            ("g5", "B", np.nan, np.nan, np.nan),  # a NaN never wins
        ]
    )
    ranks = rank_genes(table, metric="stat")
    assert ranks.to_dict() == {"B": 2.0, "A": -5.0}
    assert ranks.index.is_unique


def test_duplicate_symbols_with_equal_magnitude_keep_the_first_gene_id() -> None:
    table = de_table([("g2", "A", -2.0, 1.0, 0.1), ("g1", "A", 2.0, 1.0, 0.1)])
    # Same |score|: the smaller gene ID (g1, +2) is kept, whatever the row order.
    assert rank_genes(table).to_dict() == {"A": 2.0}
    assert rank_genes(table.iloc[::-1]).to_dict() == {"A": 2.0}


def test_ties_are_broken_by_symbol_whatever_the_row_order() -> None:
    table = de_table(
        [
            ("g1", "Zeta", 1.0, 1.0, 0.1),
            ("g2", "alpha", 1.0, 1.0, 0.1),
            ("g3", "Beta", 1.0, 1.0, 0.1),
            ("g4", "Q", 2.0, 1.0, 0.1),
        ]
    )
    expected = ["Q", "Beta", "Zeta", "alpha"]
    assert list(rank_genes(table).index) == expected
    for seed in range(5):
        shuffled = table.sample(frac=1, random_state=seed)
        assert list(rank_genes(shuffled).index) == expected


def test_symbols_and_ids_of_any_type_are_text() -> None:
    table = de_table([(1, 101, 1.0, 1.0, 0.1), (2, 102, -1.0, 1.0, 0.1)])
    ranks = rank_genes(table)
    assert list(ranks.index) == ["101", "102"]


def test_unknown_metric() -> None:
    with pytest.raises(InputError, match="Unknown rank metric") as info:
        rank_genes(TABLE, metric="padj", source="results/de/t_vs_c.tsv")
    message = str(info.value)
    assert "file: results/de/t_vs_c.tsv" in message
    assert "where: config 'gsea: rank_by'" in message
    assert "found: 'padj'" in message
    assert "allowed: stat, log2FoldChange, log2FoldChange_shrunk, signed_log10_pvalue" in message


def test_all_nan_metric() -> None:
    table = TABLE.assign(log2FoldChange_shrunk=np.nan)
    with pytest.raises(InputError, match="No gene has a value to rank by") as info:
        rank_genes(table, metric="log2FoldChange_shrunk", source="results/de/t_vs_c.tsv")
    assert "file: results/de/t_vs_c.tsv" in str(info.value)
    assert "found: metric 'log2FoldChange_shrunk' is missing for every gene" in str(info.value)
