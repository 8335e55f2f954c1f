"""Tests of degsea's vectorised preranked-GSEA engine against gseapy (the reference)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from degsea import gsea_engine


@pytest.fixture(scope="module")
def case() -> tuple[pd.Series, dict[str, list[str]]]:
    """3,000 ranked genes; 40 random sets of 15-120 genes, a few of them enriched at either end."""
    rng = np.random.default_rng(7)
    n = 3000
    genes = np.array([f"G{i:05d}" for i in range(n)])
    scores = np.sort(rng.normal(size=n))[::-1] * 3
    ranks = pd.Series(scores, index=genes)
    sets: dict[str, list[str]] = {}
    for i in range(40):
        size = int(rng.integers(15, 120))
        if i % 5 == 0:  # enriched at the top
            pool = np.arange(0, 600)
        elif i % 5 == 1:  # enriched at the bottom
            pool = np.arange(n - 600, n)
        else:
            pool = np.arange(n)
        members = list(genes[rng.choice(pool, size, replace=False)]) + ["NOT_IN_DATA"]
        sets[f"SET_{i:02d}"] = members
    return ranks, sets


def run_gseapy(ranks: pd.Series, sets: dict, **kwargs) -> pd.DataFrame:
    gseapy = pytest.importorskip("gseapy")
    result = gseapy.prerank(
        rnk=ranks, gene_sets=sets, threads=1, outdir=None, no_plot=True, verbose=False, **kwargs
    )
    return result.res2d.set_index("Term")


def test_agrees_with_gseapy(case: tuple[pd.Series, dict]) -> None:
    ranks, sets = case
    kwargs = {"permutation_num": 1000, "min_size": 15, "max_size": 500, "weight": 1.0, "seed": 3}
    reference = run_gseapy(ranks, sets, **kwargs)
    ours = gsea_engine.prerank(ranks, sets, permutations=1000, min_size=15, max_size=500, weight=1.0, seed=3)
    ours = ours.set_index("Term")
    assert set(ours.index) == set(reference.index)
    reference = reference.loc[ours.index]
    # ES is deterministic: identical up to rounding; so is the leading edge
    np.testing.assert_allclose(ours["ES"], reference["ES"].astype(float), atol=1e-12)
    assert (ours["Lead_genes"] == reference["Lead_genes"]).all()
    nes, ref_nes = ours["NES"].to_numpy(), reference["NES"].astype(float).to_numpy()
    assert np.corrcoef(nes, ref_nes)[0, 1] >= 0.999
    assert (np.sign(nes) == np.sign(ref_nes)).all()
    fdr, ref_fdr = ours["FDR q-val"].to_numpy(), reference["FDR q-val"].astype(float).to_numpy()
    assert np.median(np.abs(fdr - ref_fdr)) < 0.05
    assert ((fdr < 0.05) == (ref_fdr < 0.05)).mean() >= 0.9
    # the planted sets are found by both
    planted = [f"SET_{i:02d}" for i in range(0, 40, 5)] + [f"SET_{i:02d}" for i in range(1, 40, 5)]
    assert (ours.loc[planted, "FDR q-val"] < 0.05).all()
    assert (ours.loc[planted, "NOM p-val"] < 0.05).all()


def test_deterministic_with_seed_and_seed_matters(case: tuple[pd.Series, dict]) -> None:
    ranks, sets = case
    first = gsea_engine.prerank(ranks, sets, permutations=200, seed=5)
    second = gsea_engine.prerank(ranks, sets, permutations=200, seed=5)
    other = gsea_engine.prerank(ranks, sets, permutations=200, seed=6)
    pd.testing.assert_frame_equal(first, second)
    assert not np.allclose(first["NES"], other["NES"])
    np.testing.assert_array_equal(first["ES"], other["ES"])


def test_chunking_gives_identical_results(case: tuple[pd.Series, dict]) -> None:
    ranks, sets = case
    whole = gsea_engine.prerank(ranks, sets, permutations=300, seed=9, chunk_size=300)
    for chunk in (1, 7, 64):
        pd.testing.assert_frame_equal(whole, gsea_engine.prerank(ranks, sets, permutations=300, seed=9, chunk_size=chunk))


def test_set_with_all_genes_at_the_top() -> None:
    genes = [f"g{i}" for i in range(200)]
    ranks = pd.Series(np.linspace(5, -5, 200), index=genes)
    sets = {"TOP": genes[:20], "BOTTOM": genes[-20:]}
    table = gsea_engine.prerank(ranks, sets, permutations=500, min_size=5, seed=1).set_index("Term")
    assert table.loc["TOP", "ES"] == pytest.approx(1.0)
    assert table.loc["BOTTOM", "ES"] == pytest.approx(-1.0)
    assert table.loc["TOP", "NOM p-val"] == 0.0
    assert table.loc["BOTTOM", "NOM p-val"] == 0.0
    assert table.loc["TOP", "Lead_genes"].split(";") == genes[:20]
    assert table.loc["BOTTOM", "Lead_genes"].split(";") == genes[-20:][::-1]
    assert table.loc["TOP", "NES"] > 1 and table.loc["BOTTOM", "NES"] < -1


def test_ties_and_zero_scores() -> None:
    """Tied scores (and a set whose genes all score 0) give finite, deterministic results as gseapy's."""
    genes = [f"g{i}" for i in range(300)]
    scores = np.repeat([3.0, 1.0, 0.0, -1.0, -3.0], 60)
    ranks = pd.Series(scores, index=genes)
    sets = {"TIED_TOP": genes[:30], "ZERO": genes[120:150], "MIXED": genes[::10]}
    ours = gsea_engine.prerank(ranks, sets, permutations=200, min_size=5, seed=2).set_index("Term")
    assert np.isfinite(ours["ES"]).all() and np.isfinite(ours["NES"]).all()
    reference = run_gseapy(ranks, {k: v for k, v in sets.items() if k != "ZERO"}, permutation_num=200, min_size=5, max_size=500, seed=2)
    for name in reference.index:
        assert ours.loc[name, "ES"] == pytest.approx(float(reference.loc[name, "ES"]), abs=1e-12)


def test_size_filter_and_unsorted_input(case: tuple[pd.Series, dict]) -> None:
    ranks, sets = case
    shuffled = ranks.sample(frac=1.0, random_state=1)
    a = gsea_engine.prerank(ranks, sets, permutations=50, min_size=50, max_size=80, seed=1)
    b = gsea_engine.prerank(shuffled, sets, permutations=50, min_size=50, max_size=80, seed=1)
    pd.testing.assert_frame_equal(a, b)
    assert a["size"].between(50, 80).all()


def test_dispatch_in_degsea_gsea(case: tuple[pd.Series, dict]) -> None:
    from degsea.genesets import GeneSet
    from degsea.gsea import RESULT_COLUMNS, prerank

    ranks, sets = case
    collections = {"c.gmt": {name: GeneSet(name=name, description="", genes=tuple(g)) for name, g in sets.items()}}
    table = prerank(ranks, collections, permutations=100, seed=1, engine="degsea")
    assert list(table.columns) == RESULT_COLUMNS
    assert (table["leading_edge_size"] > 0).all()
    with pytest.raises(ValueError):
        prerank(ranks, collections, permutations=100, engine="fgsea")
