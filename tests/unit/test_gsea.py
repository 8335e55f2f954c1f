"""Tests of preranked GSEA (degsea.gsea.prerank): coverage checks, merging, summary and one real gseapy run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from degsea.errors import InputError
from degsea.gsea.collections import GeneSet
from degsea.gsea.prerank import (
    DISPLAY_FLOOR,
    RESULT_COLUMNS,
    check_coverage,
    fdr_floor,
    merge_collections,
    prerank,
    summarise,
)


def collection(**sets: list[str]) -> dict[str, GeneSet]:
    """Gene sets by name from name=genes keywords."""
    return {name: GeneSet(name=name, description="", genes=tuple(genes)) for name, genes in sets.items()}


GENES = pd.Index([f"G{i}" for i in range(100)], name="symbol")


# --- check_coverage -----------------------------------------------------------------------------


def test_coverage_ok() -> None:
    sets = {"a.gmt": collection(S1=[f"G{i}" for i in range(20)], S2=["G1", "G2", "X1"])}
    check_coverage(sets, GENES, min_size=15, max_size=500, min_coverage=0.25)


def test_low_coverage_names_file_and_percentage() -> None:
    # 1 of 8 genes (12.5 %) are in the data: the sets use Ensembl IDs, the data symbols.
    sets = collection(S1=["ENSG1", "ENSG2", "ENSG3", "G1"], S2=["ENSG4", "ENSG5", "ENSG6", "ENSG7"])
    with pytest.raises(InputError, match="Few genes of a gene-set collection are in the data") as info:
        check_coverage({"ensembl.gmt": sets}, GENES, min_size=1, max_size=500, min_coverage=0.25)
    message = str(info.value)
    assert "file: ensembl.gmt" in message
    assert "found: 1 of 8 genes (12.5 %) match" in message
    assert "e.g. ['ENSG1', 'ENSG2', 'ENSG3']; the data has" in message and "e.g. ['G0', 'G1', 'G2']" in message
    assert "allowed: at least 25 % (config 'gsea: min_coverage')" in message


def test_low_coverage_names_the_failing_collection_only() -> None:
    good = collection(S1=[f"G{i}" for i in range(20)])
    bad = collection(S2=["Actb", "Gapdh", "G1"])
    with pytest.raises(InputError, match=r"file: mouse.gmt\n  found: 1 of 3 genes \(33.3 %\)"):
        check_coverage({"human.gmt": good, "mouse.gmt": bad}, GENES, min_size=1, max_size=500, min_coverage=0.5)


def test_coverage_exactly_at_threshold_passes() -> None:
    sets = {"a.gmt": collection(S1=["G1", "X2", "X3", "X4"])}
    check_coverage(sets, GENES, min_size=1, max_size=10, min_coverage=0.25)


def test_no_testable_set() -> None:
    # All genes are in the data, but after matching no set has 15-500 genes.
    sets = {"a.gmt": collection(S1=["G1", "G2"], S2=[f"G{i}" for i in range(14)]), "b.gmt": collection(S3=["G5"])}
    with pytest.raises(InputError, match="No gene set has a testable size") as info:
        check_coverage(sets, GENES, min_size=15, max_size=500, min_coverage=0.25)
    message = str(info.value)
    assert "file: a.gmt, b.gmt" in message
    assert "found: 0 sets" in message
    assert "allowed: sets with 15-500 genes in the data" in message


def test_set_size_counts_only_genes_in_the_data() -> None:
    # 15 members, but only 14 in the data: too small for min_size 15.
    members = [f"G{i}" for i in range(14)] + ["NOT_IN_DATA"]
    with pytest.raises(InputError, match="No gene set has a testable size"):
        check_coverage({"a.gmt": collection(S=members)}, GENES, min_size=15, max_size=500, min_coverage=0.1)
    check_coverage({"a.gmt": collection(S=members)}, GENES, min_size=14, max_size=14, min_coverage=0.1)


# --- merge_collections -------------------------------------------------------------------------


def test_merge_collections() -> None:
    a = collection(S1=["G1"], S2=["G2"])
    b = collection(S3=["G3"])
    merged = merge_collections({"a.gmt": a, "b.gmt": b})
    assert list(merged) == ["S1", "S2", "S3"]
    assert merged["S3"] == ("b.gmt", b["S3"])
    assert merged["S1"][0] == "a.gmt"


def test_merge_collections_duplicate_name() -> None:
    with pytest.raises(InputError, match="A gene-set name appears in two collections") as info:
        merge_collections({"a.gmt": collection(S1=["G1"], S2=["G2"]), "b.gmt": collection(S2=["G3"])})
    message = str(info.value)
    assert "file: b.gmt" in message
    assert "found: 'S2', also in a.gmt" in message


# --- summarise -----------------------------------------------------------------------------------


def result_table(rows: list[tuple[str, str, float, float]]) -> pd.DataFrame:
    """A GSEA result table with the given (set, collection, NES, FDR) rows."""
    table = pd.DataFrame(rows, columns=["set", "collection", "NES", "FDR"])
    for column in RESULT_COLUMNS:
        if column not in table:
            table[column] = 0
    return table[RESULT_COLUMNS]


def test_summarise_one_row_per_set_two_columns_per_contrast() -> None:
    first = result_table([("S2", "b.gmt", 2.0, 0.01), ("S1", "a.gmt", -1.5, 0.2)])
    second = result_table([("S1", "a.gmt", 1.0, 0.5), ("S3", "a.gmt", -2.5, 0.001)])
    summary = summarise({"t_vs_c": first, "u_vs_c": second})
    assert list(summary.columns) == ["set", "collection", "NES_t_vs_c", "FDR_t_vs_c", "NES_u_vs_c", "FDR_u_vs_c"]
    assert summary.shape == (3, 6)
    # Sorted by collection, then set.
    assert list(zip(summary["collection"], summary["set"], strict=False)) == [
        ("a.gmt", "S1"),
        ("a.gmt", "S3"),
        ("b.gmt", "S2"),
    ]
    row = summary.set_index("set").loc["S1"]
    assert (row["NES_t_vs_c"], row["FDR_t_vs_c"], row["NES_u_vs_c"], row["FDR_u_vs_c"]) == (-1.5, 0.2, 1.0, 0.5)
    # A set not tested in a contrast is NA there.
    assert np.isnan(summary.set_index("set").loc["S3", "NES_t_vs_c"])
    assert np.isnan(summary.set_index("set").loc["S2", "FDR_u_vs_c"])


# --- one real gseapy run -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def planted() -> tuple[pd.Series, dict[str, dict[str, GeneSet]]]:
    """500 ranked genes with an up-regulated, a down-regulated and a null set planted."""
    rng = np.random.default_rng(7)
    genes = [f"G{i:03d}" for i in range(500)]
    scores = pd.Series(rng.normal(size=500), index=genes)
    up, down, null = genes[0:30], genes[100:130], genes[200:230]
    scores[up] += 2.5
    scores[down] -= 2.5
    ranks = scores.sort_values(ascending=False)
    collections = {
        "a.gmt": collection(UP_SET=up, DOWN_SET=down),
        "b.gmt": collection(NULL_SET=null + ["NOT_IN_DATA"], TINY_SET=genes[300:303]),
    }
    return ranks, collections


@pytest.fixture(scope="module")
def prerank_runs(planted: tuple[pd.Series, dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two runs with the same seed."""
    ranks, collections = planted
    kwargs = {"permutations": 100, "min_size": 5, "max_size": 100, "seed": 11, "threads": 1}
    return prerank(ranks, collections, **kwargs), prerank(ranks, collections, **kwargs)


def test_prerank_finds_the_planted_sets(prerank_runs: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    table = prerank_runs[0]
    assert list(table.columns) == RESULT_COLUMNS
    # TINY_SET (3 genes) is below min_size and not tested.
    assert set(table["set"]) == {"UP_SET", "DOWN_SET", "NULL_SET"}
    by_set = table.set_index("set")
    assert by_set.loc["UP_SET", "NES"] > 1.5
    assert by_set.loc["DOWN_SET", "NES"] < -1.5
    assert by_set.loc["UP_SET", "FDR"] < 0.05
    assert by_set.loc["DOWN_SET", "FDR"] < 0.05
    assert by_set.loc["NULL_SET", "pvalue"] > 0.05
    assert by_set.loc["UP_SET", "collection"] == "a.gmt"
    assert by_set.loc["NULL_SET", "collection"] == "b.gmt"
    # Size counts the genes in the data only.
    assert by_set.loc["NULL_SET", "size"] == 30
    # Sorted by NES, highest first.
    assert list(table["set"]) == ["UP_SET", "NULL_SET", "DOWN_SET"]
    # The leading edge of the up-set is made of its own genes.
    up_edge = by_set.loc["UP_SET", "leading_edge"].split(";")
    assert len(up_edge) == by_set.loc["UP_SET", "leading_edge_size"] > 10
    assert set(up_edge) <= {f"G{i:03d}" for i in range(30)}


def test_prerank_is_reproducible_with_a_seed(prerank_runs: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    first, second = prerank_runs
    pd.testing.assert_frame_equal(first, second, check_exact=True)


def test_prerank_rejects_duplicate_set_names(planted: tuple[pd.Series, dict]) -> None:
    ranks, _ = planted
    twice = {"a.gmt": collection(S=list(ranks.index[:10])), "b.gmt": collection(S=list(ranks.index[10:20]))}
    with pytest.raises(InputError, match=r"appears in two collections\.\n  file: b.gmt"):
        prerank(ranks, twice, permutations=10, min_size=5, max_size=100)


def test_fdr_column_follows_the_configured_method(planted: tuple[pd.Series, dict]) -> None:
    ranks, collections = planted
    kwargs = {"permutations": 100, "min_size": 5, "max_size": 100, "seed": 11}
    bh = prerank(ranks, collections, fdr="bh", **kwargs).set_index("set")
    gsea_nes = prerank(ranks, collections, fdr="gsea_nes", **kwargs).set_index("set")
    pd.testing.assert_series_equal(bh["FDR"], bh["padj"], check_names=False)
    pd.testing.assert_series_equal(gsea_nes["FDR"], gsea_nes["fdr_gsea"], check_names=False)
    # the method changes only which column is copied into FDR
    pd.testing.assert_frame_equal(bh.drop(columns="FDR"), gsea_nes.drop(columns="FDR"))
    # the planted sets get multilevel p-values below the permutations' resolution, with their error
    assert (bh.loc[["UP_SET", "DOWN_SET"], "pvalue"] < 1 / 101).all()
    assert (bh.loc[["UP_SET", "DOWN_SET"], "log2err"] > 0).all()
    assert bh.loc["NULL_SET", "padj"] > 0.05
    with pytest.raises(ValueError, match="unknown FDR method 'q'"):
        prerank(ranks, collections, fdr="q", **kwargs)


def test_fdr_floor() -> None:
    # the multilevel p-values go down to eps; the figures stop at DISPLAY_FLOOR
    assert fdr_floor("bh", permutations=1000, eps=1e-50) == DISPLAY_FLOOR == 1e-10
    assert fdr_floor("bh", permutations=1000, eps=1e-6) == 1e-6
    assert fdr_floor("gsea_nes", permutations=1000, eps=1e-50) == 1 / 1000
    assert fdr_floor("bh", permutations=1000, eps=1e-50, engine="gseapy") == 1 / 1000
