"""Tail p-values of preranked GSEA by adaptive multilevel splitting.

Permutation p-values stop at about ``1 / permutations``. For the sets beyond that, the chance
that a random gene set of the same size reaches the observed enrichment score is estimated by
adaptive multilevel splitting, the method of fgsea's ``fgseaMultilevel`` (Korotkevich et al.,
"Fast gene set enrichment analysis", bioRxiv 2021):

- A population of ``sample_size`` random sets of size ``k`` is scored (ES+, the running sum's
  largest positive deviation; negative ES are scored on the reversed ranking, where they become
  positive). The lower half of the scores is recorded, the median becomes the next level, and
  the upper half is cloned back to the full population.
- Every clone is moved by a Markov chain that keeps only sets scoring above the level (swap a
  member for a random gene, accept when ES+ stays above; a symmetric proposal, so the chain
  samples random sets uniformly under that condition). Each set makes about ``0.75 k`` accepted swaps
  per level (fgsea: ``k``; see :data:`DEFAULT_MOVES`).
- This repeats until the median passes the most extreme ES of the group (all sets of one size
  and sign share one such "ruler") or the ``eps`` bound is reached.
- Given the engine's ordinary permutations (``sample``: 1,000 random sets of every size, already
  scored), a ruler's first level is those sets instead of ``sample_size`` fresh ones: their
  best ``(sample_size - 1) / 2`` are cloned to the population, so the chains start near
  p = 0.05 (about 4 levels up) at no extra cost, and the first level's share is known more
  precisely (``log`` of it: mean ``psi(h) - psi(M + 1)``, variance ``psi1(h) - psi1(M + 1)``,
  M permutations).

Each level halves the probability; with ``N`` samples of which the upper ``(N - 1) / 2`` survive,
``log`` of a level's survival share has mean ``psi(h) - psi(N + 1)`` and variance
``psi1(h) - psi1(N + 1)`` (``h = (N + 1) / 2``; the median of ``N`` uniforms is Beta(h, h)).
A score ``s`` that falls among the ``r`` lowest of a level ``t`` gets
``log P(ES+ >= s) = t (psi(h) - psi(N + 1)) + psi(N - r + 1) - psi(N + 1)``. As in GSEA, the
p-value is conditional on the sign: the share of those sets whose signed ES has the set's sign
(counted in the same level), divided by the chance of that sign (from the ordinary permutations,
:func:`tail_pvalues`'s ``sign_share``). ``log2err`` is the standard deviation of ``log2 p``
implied by those Beta laws.

Everything random comes from one small generator (xoshiro256**) per ruler, seeded by the run's
seed, the set size and the sign, so results do not depend on the order or the threads the
rulers run on (``threads``: rulers are built on that many threads at once; the kernels release
the GIL).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from degsea.errors import InputError
from degsea.gsea.ruler import build_ruler, ruler_key

log = logging.getLogger(__name__)

#: fgsea's default bound: p-values below it are reported as ``eps``.
DEFAULT_EPS = 1e-50
#: Random sets per ruler (fgsea's default ``sampleSize``); odd.
DEFAULT_SAMPLE_SIZE = 101
#: Accepted swaps per set and level, as a multiple of the set size. fgsea makes 1.0; 0.75 costs a
#: quarter less and, on GSE96870 Day4_vs_Day0 x Reactome (57 sets with p < 1e-3), scatters log2 p
#: over seeds by 0.575 (sd; 1.0: 0.556; fgsea's own three seeds: 0.562).
DEFAULT_MOVES = 0.75


# ----------------------------------------------------------------------------- p-values
@dataclass(frozen=True)
class TailPvalues:
    """Multilevel p-values of a group of sets (arrays aligned with the sets given).

    Attributes
    ----------
    pvalue
        P-value conditional on the ES sign, at least ``eps``.
    log2err
        Standard deviation of ``log2(pvalue)`` (NaN where ``pvalue`` is only a bound).
    at_eps
        The p-value is below ``eps`` and reported as ``eps``.
    bound
        The ruler stopped below the set's ES (no set of that size scored higher): ``pvalue`` is
        an upper bound.
    levels
        Levels of the ruler the set's ES reached.
    """

    pvalue: np.ndarray
    log2err: np.ndarray
    at_eps: np.ndarray
    bound: np.ndarray
    levels: np.ndarray


@dataclass(frozen=True)
class NullSample:
    """The ordinary permutations' random sets and their scores (:func:`degsea.gsea.engine.null_sample`).

    Attributes
    ----------
    sizes
        Distinct set sizes, ascending.
    draws
        (permutations, max(sizes)) random positions, distinct in each row: permutation ``j``'s
        set of ``k`` genes is ``draws[j, :k]``.
    es
        (len(sizes), permutations): signed ES of those sets.
    high
        Same layout: ES+ (highest running sum just after a hit, at least 0).
    low
        Same layout: lowest running sum just before a hit (at most 0), minus the ES+ on the
        reversed ranking.
    """

    sizes: np.ndarray
    draws: np.ndarray
    es: np.ndarray
    high: np.ndarray
    low: np.ndarray


def digamma(n: np.ndarray | int) -> np.ndarray:
    """psi(n) for positive integers n: ``-gamma + sum(1 / i, i < n)``."""
    n = np.asarray(n, dtype=np.int64)
    harmonic = np.concatenate([[0.0], np.cumsum(1.0 / np.arange(1, max(int(n.max()), 1)))])
    return harmonic[n - 1] - np.euler_gamma


def trigamma(n: np.ndarray | int) -> np.ndarray:
    """psi1(n) for positive integers n: ``sum(1 / i**2, i >= n)`` (tail by Euler-Maclaurin)."""
    n = np.asarray(n, dtype=np.int64)
    top = max(int(n.max()), 1)
    inverse_squares = 1.0 / np.arange(1, top, dtype=float) ** 2
    head = np.concatenate([np.cumsum(inverse_squares[::-1])[::-1], [0.0]])  # sum over i in [n, top)
    tail = 1.0 / top + 0.5 / top**2 + 1.0 / (6.0 * top**3) - 1.0 / (30.0 * top**5)  # sum over i >= top
    return head[n - 1] + tail


def _level_moments(sample_size: int) -> tuple[float, float]:
    """Mean and variance of the log of one level's survival share (Beta(h, h), h = (N + 1) / 2)."""
    half = (sample_size + 1) // 2
    n_above = sample_size - half + 1
    mean = float(digamma(n_above) - digamma(sample_size + 1))
    var = float(trigamma(n_above) - trigamma(sample_size + 1))
    return mean, var


def max_levels(eps: float, sign_share: float) -> int:
    """Levels a ruler needs so that its last level lies below ``eps`` times ``sign_share``."""
    if eps <= 0:
        return 10_000
    return int(math.ceil(-math.log2(eps * sign_share))) + 2


def _log_share(
    psi: Callable, levels_below: np.ndarray, n_above: np.ndarray, population: np.ndarray, positive: np.ndarray
) -> np.ndarray:
    """Mean (``psi`` = :func:`digamma`) or variance (:func:`trigamma`) of ``log p`` for scores with
    ``n_above`` of their level's ``population`` at least as high, ``positive`` of those with a
    positive signed ES; ``levels_below``: the same moment of the levels below it."""
    return levels_below + psi(n_above + 1) - psi(population + 1) + psi(positive + 1) - psi(n_above + 2)


def _first_level(sample: NullSample, n_genes: int, size: int, negative: bool, survivors: int) -> tuple:
    """A ruler's first level from the permutations' sets of ``size`` genes, instead of ``sample_size``
    fresh random sets: their ES+ (on the reversed ranking for ``negative``) below the best
    ``survivors``, sorted; per score, how many sets scoring at least as high have a positive signed ES
    (on that ranking); the level (the highest score below the survivors); and the survivors' sets,
    sorted positions in that ranking.
    """
    row = int(np.searchsorted(sample.sizes, size))
    score = -sample.low[row] if negative else sample.high[row]
    sign = sample.es[row] < 0 if negative else sample.es[row] > 0
    order = np.argsort(score, kind="stable")
    cut = len(score) - survivors
    positive = np.cumsum(sign[order][::-1])[::-1][:cut]
    sets = sample.draws[order[cut:], :size]
    if negative:
        sets = n_genes - 1 - sets
    return score[order[:cut]], positive, float(score[order[cut - 1]]), np.sort(sets, axis=1).astype(np.int64)


def _map_longest_first(function: Callable, jobs: list[tuple], cost: list[float], threads: int) -> list:
    """``[function(job) for job in jobs]``, on up to ``threads`` threads (the numba kernels release the GIL).

    The jobs of the highest ``cost`` go first, so that the longest rulers do not start last. Each
    ruler draws from its own random stream, so the results do not depend on the threads or the
    order they run in.
    """
    if threads <= 1 or len(jobs) <= 1:
        return [function(job) for job in jobs]
    order = sorted(range(len(jobs)), key=lambda i: -cost[i])
    out: list = [None] * len(jobs)
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for i, result in zip(order, pool.map(function, [jobs[i] for i in order]), strict=True):
            out[i] = result
    return out


def _ruler_cost(size: int, target: float, first: tuple | None) -> float:
    """Rough work of a ruler, to start the longest first: set size x levels to go, the levels from
    a normal approximation of the first level's scores (size alone without a first level)."""
    if first is None:
        return float(size)
    scores = first[0]
    z = (target - scores.mean()) / max(float(scores.std()), 1e-12)
    return size * max(1.0, z * z / (2 * math.log(2)))  # -log2 of a normal tail, about


def tail_pvalues(
    weights: np.ndarray,
    sizes: np.ndarray,
    es: np.ndarray,
    sign_share: np.ndarray,
    *,
    seed: int,
    eps: float = DEFAULT_EPS,
    sample_size: int = DEFAULT_SAMPLE_SIZE,
    moves: float = DEFAULT_MOVES,
    sign_share_var: np.ndarray | None = None,
    threads: int = 1,
    sample: NullSample | None = None,
) -> TailPvalues:
    """Multilevel p-values of sets with enrichment scores ``es``.

    Parameters
    ----------
    weights
        ``|r|^p`` of the ranked list, in rank order (highest score first).
    sizes
        Genes per set (in the ranked list).
    es
        The sets' enrichment scores (signed; a negative ES is scored on the reversed ranking).
    sign_share
        Per set, the chance that a random set of its size has an ES of the set's sign (e.g.
        ``(m + 1) / (permutations + 1)`` from ordinary permutations): the p-value is conditional
        on the sign, as in GSEA.
    seed
        Seed of the run; each (size, sign) ruler draws from its own stream (:func:`ruler_key`).
    eps
        Smallest p-value computed; smaller ones are reported as ``eps`` (0: no bound).
    sample_size
        Random sets per ruler (odd; more: smaller error, proportionally slower).
    moves
        Accepted swaps per set and level, as a multiple of the set size.
    sign_share_var
        Variance of ``log(sign_share)`` per set, added to ``log2err`` (default 0).
    threads
        Rulers built at once (one per thread); the result does not depend on it.
    sample
        The ordinary permutations' random sets (at least ``2 * sample_size``): each ruler's
        first level is their best ``(sample_size - 1) / 2`` sets of its size, cloned to the
        population, instead of ``sample_size`` fresh random sets; with 1,000 permutations that
        stands for about 4 levels, at no cost. None: fresh random sets.

    Returns
    -------
    TailPvalues
    """
    weights = np.ascontiguousarray(weights, dtype=np.float64)
    sizes = np.asarray(sizes, dtype=np.int64)
    es = np.asarray(es, dtype=np.float64)
    sign_share = np.asarray(sign_share, dtype=np.float64)
    n = len(es)
    if sample_size < 3:
        raise ValueError(f"sample_size must be at least 3 (fgsea's default: 101), not {sample_size}")
    if sample_size % 2 == 0:
        sample_size += 1
    if not 0 <= eps < 1:
        raise InputError(
            "The p-value bound eps is out of range.",
            where="config 'gsea: eps'",
            found=str(eps),
            allowed="0 <= eps < 1 (fgsea's default: 1e-50)",
            hint="Use e.g. 1e-50, or 0 for no bound.",
        )
    half = (sample_size + 1) // 2
    level_mean, level_var = _level_moments(sample_size)
    out_p = np.ones(n)
    out_err = np.full(n, np.nan)
    at_eps = np.zeros(n, dtype=bool)
    bound = np.zeros(n, dtype=bool)
    reached = np.zeros(n, dtype=np.int64)
    extra_var = np.zeros(n) if sign_share_var is None else np.asarray(sign_share_var, dtype=float)
    reversed_weights = np.ascontiguousarray(weights[::-1])
    negative = es < 0
    survivors = sample_size - half
    first_mean = first_var = 0.0
    start_cut = 0
    if sample is not None and sample.draws.shape[0] >= 2 * sample_size:
        m = sample.draws.shape[0]
        first_mean = float(digamma(survivors + 1) - digamma(m + 1))
        first_var = float(trigamma(survivors + 1) - trigamma(m + 1))
        start_cut = int(math.log2((m + 1) / (survivors + 1)))  # levels the first one stands for
    jobs = []  # one ruler per (size, sign): size, sign, members, target, levels cap, first level
    for size in np.unique(sizes):
        for neg in (False, True):
            members = np.flatnonzero((sizes == size) & (negative == neg))
            if members.size:
                top = max_levels(eps, float(sign_share[members].min()))
                first = _first_level(sample, len(weights), int(size), neg, survivors) if start_cut else None
                jobs.append((int(size), neg, members, float(np.abs(es[members]).max()), top, first))

    def ruler_of(job: tuple) -> tuple:
        size, neg, _, target, top, first = job
        moves_k = max(1, int(round(moves * size)))
        key = np.uint64(ruler_key(seed, size, neg))
        start, floor = np.empty((0, size), dtype=np.int64), -1.0
        if first is not None:
            _, _, floor, start = first
            if floor > target:  # the permutations reach every set of the ruler
                return np.empty(0), np.empty(0, dtype=np.int64), 0, top
            top = max(2, top - start_cut)
        w = reversed_weights if neg else weights
        return *build_ruler(w, size, target, top, sample_size, moves_k, key, start, floor), top

    cost = [_ruler_cost(job[0], job[3], job[5]) for job in jobs]
    for job, (scores, positive, levels, top) in zip(
        jobs, _map_longest_first(ruler_of, jobs, cost, threads), strict=True
    ):
        _, _, members, _, _, first = job
        n_first = 0
        if first is not None:  # the first level: the permutations' sets, the best ``survivors`` kept
            n_first = len(first[0])
            scores = np.concatenate([first[0], scores])
            positive = np.concatenate([first[1], positive])
        scores = np.maximum.accumulate(scores)
        value = np.abs(es[members])
        idx = np.searchsorted(scores, value, side="left")
        beyond = idx >= len(scores)
        idx = np.minimum(idx, len(scores) - 1)
        in_first = idx < n_first
        level, below = np.divmod(np.where(in_first, 0, idx - n_first), half)
        below = np.where(in_first, idx, below)
        population = np.where(in_first, n_first + survivors, sample_size)
        n_above = population - below
        pos = positive[idx]
        log_p = _log_share(digamma, np.where(in_first, 0.0, first_mean + level * level_mean), n_above, population, pos)
        var = _log_share(trigamma, np.where(in_first, 0.0, first_var + level * level_var), n_above, population, pos)
        var = var + extra_var[members]
        p = np.minimum(1.0, np.exp(log_p) / sign_share[members])
        stopped_by_eps = levels >= top
        out_p[members] = p
        out_err[members] = np.sqrt(var) / math.log(2)
        bound[members] = beyond & (value > scores[-1] + 1e-10) & ~stopped_by_eps
        at_eps[members] = (p < eps) | (beyond & stopped_by_eps)
        reached[members] = np.where(in_first, 1, level + 1 + (n_first > 0))
    out_p[at_eps] = eps
    out_err[at_eps | bound] = np.nan
    return TailPvalues(pvalue=out_p, log2err=out_err, at_eps=at_eps, bound=bound, levels=reached)


@dataclass(frozen=True)
class SetPvalues:
    """P-values of preranked GSEA sets: permutation p where it is precise enough, multilevel beyond.

    Attributes
    ----------
    pvalue
        P-value conditional on the ES sign.
    log2err
        Standard deviation of ``log2(pvalue)`` (NaN for p-values reported as ``eps`` or as a bound).
    multilevel
        The p-value is the multilevel one (else the permutation one).
    at_eps
        The p-value is below ``eps`` and reported as ``eps``.
    """

    pvalue: np.ndarray
    log2err: np.ndarray
    multilevel: np.ndarray
    at_eps: np.ndarray


def set_pvalues(
    weights: np.ndarray,
    sizes: np.ndarray,
    es: np.ndarray,
    exceed: np.ndarray,
    same: np.ndarray,
    *,
    permutations: int,
    seed: int,
    eps: float = DEFAULT_EPS,
    sample_size: int = DEFAULT_SAMPLE_SIZE,
    moves: float = DEFAULT_MOVES,
    threads: int = 1,
    sample: NullSample | None = None,
) -> SetPvalues:
    """P-values of sets from their permutation counts, multilevel where those are too coarse.

    The permutation p-value is ``(b + 1) / (m + 1)`` (``b = exceed``: same-signed null ES at
    least as extreme, ``m = same``: same-signed null ES); ``log(p)`` has variance
    ``psi1(b + 1) - psi1(m + 2)``. A set gets the multilevel p-value (:func:`tail_pvalues`) when
    that estimator's variance for a p-value of this size (one level per halving) is smaller, as
    fgsea decides; in practice for p-values below about 0.03.

    Parameters
    ----------
    weights
        ``|r|^p`` of the ranked list, in rank order.
    sizes, es
        Per set: genes in the ranked list, enrichment score.
    exceed, same
        Per set: same-signed null ES at least as extreme as ``es``, and same-signed null ES, out
        of ``permutations`` random sets of its size.
    permutations
        Random sets per size behind ``exceed`` and ``same``.
    seed, eps, sample_size, moves, threads, sample
        As for :func:`tail_pvalues`.
    """
    exceed = np.asarray(exceed, dtype=np.int64)
    same = np.asarray(same, dtype=np.int64)
    pvalue = (exceed + 1) / (same + 1)
    var = trigamma(exceed + 1) - trigamma(same + 2)
    _, level_var = _level_moments(sample_size + (sample_size % 2 == 0))
    multilevel = (np.floor(-np.log2(pvalue)) + 1) * level_var < var
    log2err = np.sqrt(var) / math.log(2)
    at_eps = np.zeros(len(pvalue), dtype=bool)
    if multilevel.any():
        share = (same + 1) / (permutations + 1)
        share_var = trigamma(same + 1) - trigamma(permutations + 2)
        tail = tail_pvalues(
            weights,
            np.asarray(sizes)[multilevel],
            np.asarray(es)[multilevel],
            share[multilevel],
            seed=seed,
            eps=eps,
            sample_size=sample_size,
            moves=moves,
            sign_share_var=share_var[multilevel],
            threads=threads,
            sample=sample,
        )
        pvalue[multilevel] = tail.pvalue
        log2err[multilevel] = tail.log2err
        at_eps[multilevel] = tail.at_eps
        if tail.at_eps.any():
            log.warning(
                "GSEA: %d sets have p-values below eps = %g, reported as eps (config 'gsea: eps'; 0 computes them)",
                int(tail.at_eps.sum()),
                eps,
            )
        if tail.bound.any():
            log.warning(
                "GSEA: %d sets score beyond every random set the multilevel method reached; their p-values are "
                "upper bounds (log2err NA)",
                int(tail.bound.sum()),
            )
        log.info(
            "GSEA: multilevel p-values for %d of %d sets (%d sizes), smallest %.3g",
            int(multilevel.sum()),
            len(pvalue),
            len(np.unique(np.asarray(sizes)[multilevel])),
            float(pvalue.min()),
        )
    return SetPvalues(pvalue=pvalue, log2err=log2err, multilevel=multilevel, at_eps=at_eps)
