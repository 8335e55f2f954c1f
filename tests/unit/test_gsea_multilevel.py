"""Multilevel tail p-values (degsea.gsea.multilevel) against plain Monte Carlo and their own rules."""

from __future__ import annotations

import numpy as np
import pytest

from degsea.errors import InputError
from degsea.gsea import multilevel, ruler

N_GENES = 4000


@pytest.fixture(scope="module")
def weights() -> np.ndarray:
    """|t| of a list ranked by t (large at both ends; a few zeros in the middle), highest t first."""
    rng = np.random.default_rng(3)
    t = rng.standard_t(4, N_GENES)
    t[rng.choice(N_GENES, 40, replace=False)] = 0.0
    return np.abs(np.sort(t)[::-1])


def brute_force(weights: np.ndarray, k: int, count: int, key: int = 99) -> tuple[np.ndarray, np.ndarray]:
    return ruler.random_scores(weights, k, count, np.uint64(key))


def exact_p(es: np.ndarray, sign: np.ndarray, level: float) -> float:
    """P(ES+ >= level and signed ES positive | signed ES positive) by plain Monte Carlo."""
    return float(((es >= level) & sign).sum() / sign.sum())


def assert_calibrated(logs: np.ndarray, log2err: np.ndarray, exact: np.ndarray) -> None:
    """log2 p over seeds (rows) scatter as log2err says (within a factor of 2), around the Monte Carlo value."""
    spread = logs.std(axis=0)
    assert np.all(spread < 2 * log2err) and np.all(spread > 0.4 * log2err)
    bias = logs.mean(axis=0) - np.log2(exact)
    assert np.all(np.abs(bias) < 3 * log2err / np.sqrt(len(logs)) + 0.1), (bias, log2err)


@pytest.mark.parametrize("negative", [False, True])
def test_first_level_from_the_permutations_agrees_with_plain_monte_carlo(weights, negative):
    """Rulers that start from the ordinary permutations' best sets (the engine's way) are as accurate."""
    from degsea.gsea.engine import null_sample

    k = 40
    ranking = weights[::-1].copy() if negative else weights  # negative ES are scored on the reversed ranking
    es, sign = brute_force(ranking, k, 400_000)
    share = sign.mean()
    levels = np.quantile(es[sign], [1 - 1e-2, 1 - 1e-3])
    exact = np.array([exact_p(es, sign, v) for v in levels])
    signed = -levels if negative else levels
    logs = []
    for seed in range(8):
        sample = null_sample(weights, np.array([k]), permutations=1000, seed=100 + seed)
        got = multilevel.tail_pvalues(weights, np.full(2, k), signed, np.full(2, share), seed=seed, sample=sample)
        assert np.all(np.isfinite(got.log2err)) and not got.at_eps.any()
        assert (got.levels > 1).all()  # beyond the first level: the rulers ran on from the permutations' sets
        logs.append(np.log2(got.pvalue))
    assert_calibrated(np.array(logs), got.log2err, exact)


@pytest.mark.parametrize("k", [15, 60])
def test_agrees_with_plain_monte_carlo(weights, k):
    """Where 400,000 random sets resolve p (1e-2 and 1e-3), the multilevel p matches within its error."""
    es, sign = brute_force(weights, k, 400_000)
    share = sign.mean()
    levels = np.quantile(es[sign], [1 - 1e-2, 1 - 1e-3])
    exact = np.array([exact_p(es, sign, v) for v in levels])
    logs = []
    for seed in range(8):
        got = multilevel.tail_pvalues(weights, np.full(2, k), levels, np.full(2, share), seed=seed)
        assert np.all(np.isfinite(got.log2err)) and not got.at_eps.any()
        logs.append(np.log2(got.pvalue))
    assert_calibrated(np.array(logs), got.log2err, exact)


def test_negative_es_is_scored_on_the_reversed_ranking(weights):
    es, sign = brute_force(weights[::-1].copy(), 40, 200_000)
    level = float(np.quantile(es[sign], 1 - 1e-3))
    exact = exact_p(es, sign, level)
    got = multilevel.tail_pvalues(weights, np.array([40]), np.array([-level]), np.array([sign.mean()]), seed=1)
    assert abs(np.log2(got.pvalue[0] / exact)) < 3 * got.log2err[0]


def test_same_seed_same_pvalues_and_other_sizes_do_not_matter(weights):
    sizes = np.array([20, 20, 50])
    es = np.array([0.55, 0.7, 0.45])
    share = np.full(3, 0.5)
    a = multilevel.tail_pvalues(weights, sizes, es, share, seed=7)
    b = multilevel.tail_pvalues(weights, sizes, es, share, seed=7)
    np.testing.assert_array_equal(a.pvalue, b.pvalue)
    np.testing.assert_array_equal(a.log2err, b.log2err)
    alone = multilevel.tail_pvalues(weights, sizes[2:], es[2:], share[2:], seed=7)
    assert alone.pvalue[0] == a.pvalue[2]  # the size-50 ruler has its own random stream
    other = multilevel.tail_pvalues(weights, sizes, es, share, seed=8)
    assert not np.array_equal(a.pvalue, other.pvalue)


def test_pvalue_falls_as_es_rises(weights):
    es = np.linspace(0.3, 0.9, 25)
    got = multilevel.tail_pvalues(weights, np.full(25, 30), es, np.full(25, 0.5), seed=2)
    assert np.all(np.diff(got.pvalue) <= 0)
    assert got.pvalue[0] > 1e-2 > 1e-8 > got.pvalue[-1]
    assert np.all(np.diff(got.levels) >= 0)


def test_eps_floor(weights):
    es_max = 1.0  # the 30 top genes: p = 1 / choose(4000, 30), about 1e-80
    got = multilevel.tail_pvalues(
        weights, np.array([30, 30]), np.array([es_max, 0.4]), np.full(2, 0.5), seed=1, eps=1e-10
    )
    assert got.pvalue[0] == 1e-10 and got.at_eps[0] and np.isnan(got.log2err[0])
    assert got.pvalue[1] > 1e-10 and not got.at_eps[1] and np.isfinite(got.log2err[1])
    deeper = multilevel.tail_pvalues(
        weights, np.array([30]), np.array([es_max * 0.97]), np.array([0.5]), seed=1, eps=1e-50
    )
    assert deeper.pvalue[0] < 1e-10 and not deeper.at_eps[0]


def test_log2err_grows_with_depth(weights):
    got = multilevel.tail_pvalues(weights, np.full(3, 50), np.array([0.35, 0.5, 0.6]), np.full(3, 0.5), seed=4)
    assert np.all(np.diff(got.log2err) > 0)
    # about 0.14 bits per level of 101 sets (Beta(51, 51) survival)
    assert 0.1 < got.log2err[-1] / np.sqrt(got.levels[-1]) < 0.2


def test_set_pvalues_uses_permutations_where_they_are_precise(weights):
    sizes = np.array([40, 40, 40])
    es = np.array([0.2, 0.55, 0.62])
    exceed = np.array([300, 2, 0])
    same = np.array([500, 500, 500])
    got = multilevel.set_pvalues(weights, sizes, es, exceed, same, permutations=1000, seed=1)
    assert got.multilevel.tolist() == [False, True, True]
    assert got.pvalue[0] == pytest.approx(301 / 501)
    assert got.pvalue[2] < got.pvalue[1] < 0.05
    assert np.all(np.isfinite(got.log2err))


@pytest.mark.parametrize("eps", [1.5, -1e-3])
def test_bad_eps(weights, eps):
    with pytest.raises(InputError, match=r"bound eps is out of range\.\n  where: config 'gsea: eps'"):
        multilevel.tail_pvalues(weights, np.array([20]), np.array([0.5]), np.array([0.5]), seed=1, eps=eps)
    with pytest.raises(ValueError, match="sample_size must be at least 3"):
        multilevel.tail_pvalues(weights, np.array([20]), np.array([0.5]), np.array([0.5]), seed=1, sample_size=1)
