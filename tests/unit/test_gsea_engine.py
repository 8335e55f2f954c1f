"""Tests of degsea's vectorised preranked-GSEA engine against gseapy (the reference)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from degsea.gsea import engine as gsea_engine
from degsea.gsea.running_sum import extreme, walk
from degsea.tables import bh_adjust

# The numpy running sum (degsea.gsea.running_sum) is the reference of the numba walks (degsea.gsea.ruler).


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
    result = gseapy.prerank(rnk=ranks, gene_sets=sets, threads=1, outdir=None, no_plot=True, verbose=False, **kwargs)
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
        pd.testing.assert_frame_equal(
            whole, gsea_engine.prerank(ranks, sets, permutations=300, seed=9, chunk_size=chunk)
        )


def test_threads_give_identical_results(case: tuple[pd.Series, dict]) -> None:
    """Permutation chunks and multilevel rulers run on several threads; the table is the same on any number."""
    ranks, sets = case
    alone = gsea_engine.prerank(ranks, sets, permutations=300, seed=9)
    planted = alone["Term"].isin([f"SET_{i:02d}" for i in range(0, 40, 5)])
    assert (alone.loc[planted, "pval"] < 1 / 301).all()  # the rulers ran (multilevel p-values)
    for threads in (2, 3):
        pd.testing.assert_frame_equal(
            alone, gsea_engine.prerank(ranks, sets, permutations=300, seed=9, threads=threads), check_exact=True
        )


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
    reference = run_gseapy(
        ranks, {k: v for k, v in sets.items() if k != "ZERO"}, permutation_num=200, min_size=5, max_size=500, seed=2
    )
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
    from degsea.gsea.collections import GeneSet
    from degsea.gsea.prerank import RESULT_COLUMNS, prerank

    ranks, sets = case
    collections = {"c.gmt": {name: GeneSet(name=name, description="", genes=tuple(g)) for name, g in sets.items()}}
    table = prerank(ranks, collections, permutations=100, seed=1, engine="degsea")
    assert list(table.columns) == RESULT_COLUMNS
    assert (table["leading_edge_size"] > 0).all()
    with pytest.raises(ValueError):
        prerank(ranks, collections, permutations=100, engine="fgsea")


# --- p-values (permutation and multilevel) and BH ---------------------------------------------------------------------


def test_numba_walks_match_the_numpy_reference(case: tuple[pd.Series, dict]) -> None:
    ranks, sets = case
    weights = np.abs(ranks.to_numpy())
    sizes = np.array([15, 16, 40, 119])
    null = gsea_engine.null_sample(weights, sizes, permutations=50, seed=3).es
    rng = np.random.Generator(np.random.PCG64(3))  # the engine's draws, one row per permutation
    draws = np.stack([rng.choice(len(weights), sizes.max(), replace=False) for _ in range(50)])
    for i, k in enumerate(sizes):
        positions = np.sort(draws[:, :k], axis=1)
        np.testing.assert_allclose(
            null[i], extreme(*walk(positions, weights[positions], len(weights))), rtol=0, atol=1e-14
        )
    table = gsea_engine.prerank(ranks, sets, permutations=0).set_index("Term")
    genes = list(ranks.index)
    for name, members in sets.items():
        hits = np.sort([genes.index(g) for g in members if g in genes])
        bottoms, tops = walk(hits, weights[hits], len(weights))
        assert table.loc[name, "ES"] == pytest.approx(float(extreme(bottoms, tops)), abs=1e-14)
        lead = table.loc[name, "Lead_genes"].split(";")
        edge = hits[: int(np.argmax(tops)) + 1] if table.loc[name, "ES"] >= 0 else hits[int(np.argmin(bottoms)) :][::-1]
        assert lead == [genes[j] for j in edge]


def test_bh_adjust() -> None:
    p = np.array([0.01, 0.04, 0.03, np.nan, 0.5, 0.002])
    # by hand: sorted 0.002, 0.01, 0.03, 0.04, 0.5 (m = 5): 0.01, 0.025, 0.05, 0.05, 0.5
    expected = np.array([0.025, 0.05, 0.05, np.nan, 0.5, 0.01])
    np.testing.assert_allclose(bh_adjust(p), expected)
    stats = pytest.importorskip("scipy.stats")
    q = np.random.default_rng(1).uniform(size=200) ** 3
    np.testing.assert_allclose(bh_adjust(q), stats.false_discovery_control(q))
    assert bh_adjust(np.array([np.nan])).tolist() == [pytest.approx(np.nan, nan_ok=True)]


def exact_pvalue(weights: np.ndarray, hits: list[int], k: int) -> float:
    """Same-signed share of all k-subsets whose ES is at least as extreme as that of ``hits``."""
    from itertools import combinations

    n = len(weights)
    subsets = np.array(list(combinations(range(n), k)))
    bottoms, tops = walk(subsets, weights[subsets], n)
    null = extreme(bottoms, tops)
    bottoms, tops = walk(np.array(hits), weights[hits], n)
    es = extreme(bottoms, tops)
    if es >= 0:
        return float((null >= es - 1e-12).sum() / (null >= 0).sum())
    return float((null <= es + 1e-12).sum() / (null < 0).sum())


def test_multilevel_pvalues_reach_the_exact_tail() -> None:
    """On 40 genes, sets of 4: the exact p-values enumerate all 91,390 subsets."""
    rng = np.random.default_rng(11)
    genes = [f"g{i:02d}" for i in range(40)]
    scores = np.sort(rng.normal(size=40))[::-1] * 2
    ranks = pd.Series(scores, index=genes)
    sets = {
        "TOP": [genes[i] for i in (0, 1, 2, 5)],
        "BOTTOM": [genes[i] for i in (39, 37, 34, 30)],
        "MID": genes[10:40:8],
    }
    weights = np.abs(scores)
    table = gsea_engine.prerank(ranks, sets, permutations=1000, min_size=4, seed=4).set_index("Term")
    for name, members in sets.items():
        exact = exact_pvalue(weights, sorted(genes.index(g) for g in members), 4)
        error = max(table.loc[name, "log2err"], 0.2)
        assert abs(np.log2(table.loc[name, "pval"] / exact)) < 3 * error, (name, table.loc[name, "pval"], exact)
    # a tail 1000 base permutations cannot resolve: ~500 same-signed null ES, floor ~2e-3
    assert exact_pvalue(weights, [0, 1, 2, 5], 4) < 1.5e-3
    assert table.loc["TOP", "pval"] < 1.5e-3
    np.testing.assert_allclose(table["padj"], bh_adjust(table["pval"].to_numpy()))


def test_tail_sets_get_multilevel_pvalues(case: tuple[pd.Series, dict]) -> None:
    ranks, sets = case
    table = gsea_engine.prerank(ranks, sets, permutations=300, seed=9).set_index("Term")
    planted = [f"SET_{i:02d}" for i in range(0, 40, 5)]
    # beyond the permutations' floor, with an error, and deterministic
    assert (table.loc[planted, "pval"] < 1 / 301).all()
    assert np.isfinite(table.loc[planted, "log2err"]).all()
    again = gsea_engine.prerank(ranks, sets, permutations=300, seed=9).set_index("Term")
    pd.testing.assert_frame_equal(table, again)
    # the other sets keep (b + 1) / (m + 1) of the permutations: never below gseapy's b / m
    null = table["pval"] > 0.1  # far above where the multilevel estimate takes over (~0.03)
    assert null.sum() >= 10
    assert (table.loc[null, "pval"] >= table.loc[null, "NOM p-val"]).all()
    # eps bounds the multilevel p-values; the gseapy statistics do not depend on it
    bounded = gsea_engine.prerank(ranks, sets, permutations=300, seed=9, eps=1e-6).set_index("Term")
    assert bounded["pval"].min() == 1e-6 and table["pval"].min() < 1e-6
    assert bounded.loc[bounded["pval"] == 1e-6, "log2err"].isna().all()
    pd.testing.assert_frame_equal(table[gsea_engine.COLUMNS[1:]], bounded[gsea_engine.COLUMNS[1:]])


def test_no_negative_zero_in_the_gsea_table(case: tuple[pd.Series, dict], tmp_path) -> None:  # noqa: ANN001
    """FWER of the strongest sets is 0 and was written as '-0' (issue 16): no column holds a negative zero."""
    from degsea.gsea.collections import GeneSet
    from degsea.gsea.prerank import prerank
    from degsea.io import write_table

    ranks, sets = case
    collections = {"c.gmt": {name: GeneSet(name=name, description="", genes=tuple(g)) for name, g in sets.items()}}
    table = prerank(ranks, collections, permutations=100, seed=1, engine="degsea")
    assert (table["FWER"] == 0).any()
    numbers = table.select_dtypes("number").to_numpy(dtype=float)
    assert not (np.signbit(numbers) & (numbers == 0)).any()
    write_table(table, tmp_path / "gsea.tsv")
    cells = [cell for line in (tmp_path / "gsea.tsv").read_text().splitlines()[1:] for cell in line.split("\t")]
    assert "-0" not in cells
