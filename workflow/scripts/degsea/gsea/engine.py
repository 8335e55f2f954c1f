"""A fast preranked-GSEA engine: gseapy's prerank statistics, vectorised over permutations.

What it computes is what gseapy 1.3.1's ``prerank`` (its Rust core, ``gseapy.gse.prerank_rs``)
computes, following GSEA's definitions (Subramanian et al. 2005, PNAS; GSEA_R):

- **ES**: the weighted Kolmogorov-Smirnov running sum over the ranked list (hits step up by
  ``|r|^p / N_R``, misses step down by ``1 / (N - k)``); ES is its largest deviation from zero
  (the first one, on ties), evaluated just before and just after every hit.
- **Null**: gene-set permutation. For every permutation a random set of the same size ``k`` is
  drawn from the ranked list and its ES computed. As in fgsea's simple algorithm, one random draw
  of ``k_max`` positions per permutation serves every size (its first ``k`` positions are the
  random set of size ``k``), so sets of the same size share their null distribution. gseapy also
  shares its random gene permutations across sets; only the random numbers differ.
- **NES**: ES divided by the mean of the same-signed null ES of its size (positive: mean of null
  ES >= 0; negative: |mean| of null ES < 0); the null ES are normalised the same way.
- **nominal p**: share of same-signed null ES at least as extreme (gseapy's definition; no +1).
- **adaptive p** (``pval``): ``(b + 1) / (m + 1)``, b = same-signed null ES at least as extreme,
  m = same-signed null ES (fgsea's simple estimator). Sets with fewer than ``min_exceedances``
  such null ES get more permutations of their size (:func:`tail_counts`), in rounds that grow
  the size's total by what its rarest set needs (at most fourfold), until they have them or
  ``max_permutations`` is reached; ``n_perm`` says
  how many permutations their size got. This resolves p-values down to about
  ``2 / max_permutations`` (Besag & Clifford 1991's sequential Monte Carlo p-value, per size);
  Benjamini-Hochberg on it (:func:`bh_adjust`) is the FDR fgsea reports.
- **FDR q**: GSEA's: (share of all normalised null ES of all sets, same sign, at least as
  extreme as NES) / (share of observed NES of that sign at least as extreme), capped at 1.
- **FWER p**: chance that the most extreme same-signed normalised null ES over all sets is at
  least as extreme as NES, the sets' nulls taken as independent (see :func:`_fwer`).
- **Leading edge**: hits up to the running sum's peak (ES >= 0) or from its trough on
  (ES < 0, listed from the bottom of the ranking), as gseapy lists them.

The work is O(permutations x sum of distinct sizes x log size) with numpy, in chunks of
permutations so that memory stays bounded (a few MB per chunk for sizes up to 500). The random
draws come from one ``numpy.random.Generator(PCG64(seed))`` stream consumed permutation by
permutation, so results are identical for any chunk size. The extra permutations of the
adaptive p come in blocks of :data:`BLOCK` (float32 running sums, a few MB per block), each block
drawn from its own stream seeded by (seed, size, block number): a size's extra null depends on
the seed and on how many blocks it gets, not on the other sizes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from degsea.gsea.running_sum import extreme as _extreme
from degsea.gsea.running_sum import leading_edge as _leading_edge
from degsea.gsea.running_sum import walk as _walk

log = logging.getLogger(__name__)

#: Columns of :func:`prerank`'s table (named as gseapy's ``res2d``).
COLUMNS = ["Term", "ES", "NES", "NOM p-val", "FDR q-val", "FWER p-val", "Tag %", "Lead_genes", "size"]

#: Columns :func:`prerank` adds after :data:`COLUMNS`: the adaptive p-value, its BH adjustment and
#: the number of permutations of the set's size behind it.
TAIL_COLUMNS = ["pval", "padj", "n_perm"]

#: Permutations per block of the adaptive extension (each block has its own random stream).
BLOCK = 1000


def null_scores(
    weights: np.ndarray,
    sizes: np.ndarray,
    *,
    permutations: int,
    seed: int,
    chunk_size: int = 256,
) -> np.ndarray:
    """ES of random gene sets: (len(sizes), permutations), row i for sets of ``sizes[i]`` genes.

    Parameters
    ----------
    weights
        ``|r|^p`` of the ranked list, in rank order.
    sizes
        Distinct set sizes, ascending.
    permutations
        Random sets per size.
    seed
        Seed of the random draws.
    chunk_size
        Permutations computed at once (memory ~ chunk_size x max(sizes) x 40 bytes); the result
        does not depend on it.
    """
    n_genes = len(weights)
    sizes = np.asarray(sizes, dtype=int)
    k_max = int(sizes.max())
    rng = np.random.Generator(np.random.PCG64(seed))
    out = np.empty((len(sizes), permutations))
    for start in range(0, permutations, chunk_size):
        stop = min(start + chunk_size, permutations)
        draws = np.stack([rng.choice(n_genes, k_max, replace=False) for _ in range(start, stop)])
        for i, k in enumerate(sizes):
            positions = np.sort(draws[:, :k], axis=1)
            bottoms, tops = _walk(positions, weights[positions], n_genes)
            out[i, start:stop] = _extreme(bottoms, tops)
    return out


def random_sets(rng: np.random.Generator, n_genes: int, size: int, count: int) -> np.ndarray:
    """``count`` random ``size``-gene sets out of ``n_genes``: (count, size) sorted int32 positions.

    Positions are drawn with replacement and every repeat is redrawn until the rows hold
    distinct positions. The procedure treats all genes alike, so each row is a uniform random
    subset, as a draw without replacement is, at the cost of a few sorts rather than a loop.
    """
    draws = rng.integers(0, n_genes, size=(count, size), dtype=np.int32)
    draws.sort(axis=1)
    repeat = draws[:, 1:] == draws[:, :-1]
    rows = np.flatnonzero(repeat.any(axis=1))
    repeat = repeat[rows]  # aligned with rows from here on
    while rows.size:
        sub = draws[rows]
        row, column = np.nonzero(repeat)
        sub[row, column + 1] = rng.integers(0, n_genes, size=len(row), dtype=np.int32)
        sub.sort(axis=1)
        draws[rows] = sub
        repeat = sub[:, 1:] == sub[:, :-1]
        left = repeat.any(axis=1)
        rows, repeat = rows[left], repeat[left]
    return draws


def _block_extremes(weights: np.ndarray, positions: np.ndarray, n_genes: int) -> tuple[np.ndarray, np.ndarray]:
    """ES of random sets (rows of ``positions``) and whether it is positive (ES >= its opposite).

    The same running sum as :func:`_walk`, in float32 on the transposed block, accumulated row by
    row (several times faster than ``cumsum`` along that axis); its error (~1e-6) only matters for
    a null ES within that distance of an observed ES. Sets whose weights are all zero step up
    uniformly, as in :func:`_walk`.
    """
    k = positions.shape[1]
    hits = np.ascontiguousarray(positions.T)  # (k, sets)
    step = weights[hits]
    running = np.empty_like(step)
    _accumulate(step, out=running)
    total = running[-1].copy()
    zero = total == 0
    if zero.any():
        step[:, zero] = 1.0
        _accumulate(step, out=running)
        total = running[-1].copy()
    inv = np.float32(1.0) / total
    running *= inv  # the hits' part of the running sum after each hit
    hits -= np.arange(k, dtype=np.int32)[:, None]  # misses before each hit
    misses = hits.astype(np.float32)
    misses *= np.float32(1.0 / (n_genes - k))
    running -= misses  # the running sum just after each hit
    high = running.max(axis=0)
    step *= inv
    running -= step  # ... and just before it
    low = running.min(axis=0)
    positive = high > -low
    tie = high == -low
    if tie.any():  # the first extreme wins, as in _extreme (bottom j precedes top j)
        bottoms = running[:, tie]
        positive[tie] = (bottoms + step[:, tie]).argmax(axis=0) < bottoms.argmin(axis=0)
    return np.where(positive, high, low), positive


def _accumulate(values: np.ndarray, *, out: np.ndarray) -> None:
    """Cumulative sum down the rows of ``values`` into ``out``."""
    out[0] = values[0]
    for i in range(1, len(values)):
        np.add(out[i - 1], values[i], out=out[i])


def tail_counts(
    weights: np.ndarray,
    size: int,
    *,
    levels: np.ndarray,
    blocks: range,
    seed: int,
) -> tuple[int, int, np.ndarray]:
    """Null ES of random ``size``-gene sets, counted against observed ES ``levels``.

    Parameters
    ----------
    weights
        ``|r|^p`` of the ranked list, in rank order.
    size
        Genes per random set.
    levels
        Observed ES of sets of this size.
    blocks
        Block numbers to compute (:data:`BLOCK` random sets each, block ``j`` drawn from the
        stream seeded by ``(seed, size, j)``).
    seed
        Seed of the run.

    Returns
    -------
    tuple
        ``(n_pos, n_neg, extreme)``: null ES >= 0 and < 0, and per level the same-signed null
        ES at least as extreme (>= a level >= 0, <= a level < 0).
    """
    n_genes = len(weights)
    weights = np.asarray(weights, dtype=np.float32)
    levels = np.asarray(levels, dtype=float)
    up = levels >= 0
    n_pos = n_neg = 0
    extreme = np.zeros(len(levels), dtype=np.int64)
    for block in blocks:
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, size, block])))
        null, positive = _block_extremes(weights, random_sets(rng, n_genes, size, BLOCK), n_genes)
        null_pos = np.sort(null[positive])
        null_neg = np.sort(null[~positive])
        n_pos += len(null_pos)
        n_neg += len(null_neg)
        extreme[up] += len(null_pos) - np.searchsorted(null_pos, levels[up], side="left")
        extreme[~up] += np.searchsorted(null_neg, levels[~up], side="right")
    return n_pos, n_neg, extreme


def bh_adjust(pvalues: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (NaN stays NaN and is not counted)."""
    pvalues = np.asarray(pvalues, dtype=float)
    out = np.full(pvalues.shape, np.nan)
    ok = np.flatnonzero(~np.isnan(pvalues))
    if ok.size == 0:
        return out
    order = ok[np.argsort(pvalues[ok], kind="stable")]
    scaled = pvalues[order] * ok.size / np.arange(1, ok.size + 1)
    out[order] = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    return out


def prerank(
    ranks: pd.Series,
    gene_sets: Mapping[str, Iterable[str]],
    *,
    permutations: int = 1000,
    min_size: int = 15,
    max_size: int = 500,
    weight: float = 1.0,
    seed: int = 42,
    chunk_size: int = 256,
    max_permutations: int = 50_000,
    min_exceedances: int = 10,
) -> pd.DataFrame:
    """Preranked GSEA with gene-set permutation, as gseapy's ``prerank`` computes it.

    Parameters
    ----------
    ranks
        Scores indexed by gene, highest first (re-sorted, stably, if not).
    gene_sets
        Set name -> member genes (genes not in ``ranks`` are ignored).
    permutations
        Random sets per size for the null distribution (0: ES only).
    min_size, max_size
        Sets with fewer or more genes in ``ranks`` are skipped.
    weight
        GSEA's weight p on the scores (0 = classic KS, 1 = weighted GSEA).
    seed
        Seed of the permutations; the same seed gives the same table.
    chunk_size
        Permutations computed at once (bounds memory; does not change the result).
    max_permutations
        Cap on the permutations per size of the adaptive p-value (``pval``); at or below
        ``permutations`` no size gets more and ``pval`` is ``(b + 1) / (m + 1)`` of the base run.
    min_exceedances
        Sizes get more permutations while a set of theirs has fewer same-signed null ES at
        least as extreme as its own ES than this.

    Returns
    -------
    pandas.DataFrame
        :data:`COLUMNS` then :data:`TAIL_COLUMNS`, one row per tested set, in the order of
        ``gene_sets``.
    """
    ranks = ranks.astype(float)
    if not ranks.is_monotonic_decreasing:
        ranks = ranks.iloc[np.argsort(-ranks.to_numpy(), kind="stable")]
    genes = ranks.index.astype(str)
    n_genes = len(genes)
    scores = ranks.to_numpy()
    weights = np.abs(scores) ** weight if weight != 0 else np.ones(n_genes)
    position = pd.Index(genes)
    if not position.is_unique:
        raise ValueError("ranks must not contain duplicated genes")

    names, hits = [], []
    for name, members in gene_sets.items():
        found = position.get_indexer(pd.Index(pd.unique(np.asarray(list(members), dtype=str))))
        found = np.sort(found[found >= 0])
        if min_size <= len(found) <= max_size and len(found) < n_genes:
            names.append(name)
            hits.append(found)
    if not names:
        return pd.DataFrame(columns=COLUMNS + TAIL_COLUMNS)
    set_sizes = np.array([len(h) for h in hits])

    es = np.empty(len(names))
    leading: list[str] = []
    tag: list[str] = []
    for i, found in enumerate(hits):
        bottoms, tops = _walk(found, weights[found], n_genes)
        es[i] = _extreme(bottoms, tops)
        edge = _leading_edge(found, bottoms, tops, es[i])
        edge = edge if es[i] >= 0 else edge[::-1]  # listed from the end of the ranking, as gseapy
        leading.append(";".join(genes[edge]))
        tag.append(f"{len(edge)}/{len(found)}")

    table = pd.DataFrame({"Term": names, "ES": es, "Tag %": tag, "Lead_genes": leading, "size": set_sizes})
    if permutations <= 0:
        for column in ("NES", "NOM p-val", "FDR q-val", "FWER p-val", "pval", "padj"):
            table[column] = np.nan
        table["n_perm"] = 0
        return table[COLUMNS + TAIL_COLUMNS]

    sizes, size_index = np.unique(set_sizes, return_inverse=True)
    log.info("GSEA engine: %d genes, %d sets, %d distinct sizes, %d permutations", n_genes, len(names), len(sizes), permutations)
    null = null_scores(weights, sizes, permutations=permutations, seed=seed, chunk_size=chunk_size)
    positive = null >= 0
    n_pos = positive.sum(axis=1)
    n_neg = permutations - n_pos
    with np.errstate(invalid="ignore", divide="ignore"):
        pos_mean = np.where(positive, null, 0).sum(axis=1) / n_pos
        neg_mean = np.where(~positive, null, 0).sum(axis=1) / n_neg

    # per set: normalisers (gseapy falls back to the set's own ES when a sign is absent)
    set_pos = pos_mean[size_index]
    set_neg = neg_mean[size_index]
    set_pos = np.where(n_pos[size_index] > 0, set_pos, es)
    set_neg = np.where(n_neg[size_index] > 0, set_neg, es)
    nes = np.where(es >= 0, es / set_pos, es / np.abs(set_neg))

    # nominal p: same-signed share at least as extreme
    sorted_null = np.sort(null, axis=1)
    pvalue = np.empty(len(names))
    exceed = np.empty(len(names), dtype=np.int64)  # same-signed null ES at least as extreme
    same = np.empty(len(names), dtype=np.int64)  # same-signed null ES
    for i in range(len(names)):
        row = sorted_null[size_index[i]]
        if es[i] < 0:
            numer = np.searchsorted(row, es[i], side="right")
            denom = n_neg[size_index[i]]
        else:
            numer = permutations - np.searchsorted(row, es[i], side="left")
            denom = n_pos[size_index[i]]
        pvalue[i] = numer / denom if denom > 0 else 1.0
        exceed[i], same[i] = numer, denom
    n_perm = _extend_tail(
        weights, sizes, size_index, es, exceed, same,
        permutations=permutations, max_permutations=max_permutations, min_exceedances=min_exceedances, seed=seed,
    )

    # normalised nulls: one row per distinct (size, normalisers), weighted by its number of sets
    keys = pd.DataFrame({"i": size_index, "pos": set_pos, "neg": set_neg})
    groups = keys.groupby(["i", "pos", "neg"], sort=True).size().reset_index(name="n")
    g_null = null[groups["i"].to_numpy()]
    g_pos = groups["pos"].to_numpy()[:, None]
    g_neg = np.abs(groups["neg"].to_numpy())[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        nes_null = np.where(g_null >= 0, g_null / g_pos, g_null / g_neg)
    multiplicity = groups["n"].to_numpy()

    fdr = _fdr(nes, nes_null, multiplicity)
    fwer = _fwer(nes, nes_null, multiplicity)
    table["NES"] = nes
    table["NOM p-val"] = pvalue
    table["FDR q-val"] = fdr
    table["FWER p-val"] = fwer
    table["pval"] = (exceed + 1) / (same + 1)
    table["padj"] = bh_adjust(table["pval"].to_numpy())
    table["n_perm"] = n_perm[size_index]
    return table[COLUMNS + TAIL_COLUMNS]


def _extend_tail(
    weights: np.ndarray,
    sizes: np.ndarray,
    size_index: np.ndarray,
    es: np.ndarray,
    exceed: np.ndarray,
    same: np.ndarray,
    *,
    permutations: int,
    max_permutations: int,
    min_exceedances: int,
    seed: int,
) -> np.ndarray:
    """Give sizes whose sets lack ``min_exceedances`` extreme null ES more permutations.

    ``exceed`` and ``same`` (per set) are updated in place with the extra null ES; returns the
    permutations per size. Each round multiplies a size's total by what its rarest set needs
    (:func:`_growth`, rounded up to whole blocks of :data:`BLOCK`), up to ``max_permutations``.
    """
    total = np.full(len(sizes), permutations, dtype=np.int64)
    done_blocks = np.zeros(len(sizes), dtype=np.int64)
    max_blocks = max(0, -(-(max_permutations - permutations) // BLOCK))
    rounds = 0
    while True:
        short = np.unique(size_index[exceed < min_exceedances])
        short = short[done_blocks[short] < max_blocks]
        if short.size == 0:
            break
        rounds += 1
        for s in short:
            target = min(max_permutations, int(np.ceil(_growth(exceed[size_index == s], min_exceedances) * total[s])))
            blocks = min(max_blocks, max(done_blocks[s] + 1, -(-(target - permutations) // BLOCK)))
            members = np.flatnonzero(size_index == s)
            n_pos, n_neg, extreme = tail_counts(
                weights, int(sizes[s]), levels=es[members], blocks=range(int(done_blocks[s]), int(blocks)), seed=seed
            )
            exceed[members] += extreme
            same[members] += np.where(es[members] >= 0, n_pos, n_neg)
            total[s] += (blocks - done_blocks[s]) * BLOCK
            done_blocks[s] = blocks
    if rounds:
        log.info(
            "GSEA engine: adaptive p-values: %d of %d sizes got more permutations (%d rounds, up to %d per size)",
            int((done_blocks > 0).sum()), len(sizes), rounds, int(total.max()),
        )
    return total


def _growth(exceed: np.ndarray, min_exceedances: int) -> float:
    """Factor on a size's permutations so that its rarest set expects ``min_exceedances``
    extreme null ES (1.2 x the estimate, between 1.25 and 4; 4 when it has none yet)."""
    rarest = int(exceed.min())
    if rarest == 0:
        return 4.0
    return float(np.clip(1.2 * min_exceedances / rarest, 1.25, 4.0))


def _fdr(nes: np.ndarray, nes_null: np.ndarray, multiplicity: np.ndarray) -> np.ndarray:
    """GSEA's FDR q-value of each NES against the pooled normalised nulls of all sets."""
    flat = nes_null.ravel()
    counts = np.repeat(multiplicity, nes_null.shape[1]).astype(float)
    order = np.argsort(flat, kind="stable")
    flat, counts = flat[order], counts[order]
    cum = np.concatenate([[0.0], np.cumsum(counts)])  # cum[j] = weight of flat[:j]
    total = cum[-1]
    observed = np.sort(nes)
    n_obs = len(observed)
    all_neg = cum[np.searchsorted(flat, 0.0, side="left")]
    all_pos = total - all_neg
    obs_neg = np.searchsorted(observed, 0.0, side="left")
    obs_pos = n_obs - obs_neg
    out = np.empty(len(nes))
    for i, e in enumerate(nes):
        if np.isnan(e):
            out[i] = np.nan
            continue
        if e < 0:
            all_higher = cum[np.searchsorted(flat, e, side="right")]
            nes_higher = np.searchsorted(observed, e, side="right")
            phi_norm = all_higher / all_neg if all_neg > 0 else 0.0
            phi_obs = nes_higher / obs_neg if obs_neg > 0 else 0.0
        else:
            all_higher = total - cum[np.searchsorted(flat, e, side="left")]
            nes_higher = n_obs - np.searchsorted(observed, e, side="left")
            phi_norm = all_higher / all_pos if all_pos > 0 else 0.0
            phi_obs = nes_higher / obs_pos if obs_pos > 0 else 0.0
        with np.errstate(invalid="ignore", divide="ignore"):
            out[i] = min(phi_norm / phi_obs, 1.0) if phi_obs > 0 else 1.0
    return out


def _fwer(nes: np.ndarray, nes_null: np.ndarray, multiplicity: np.ndarray) -> np.ndarray:
    """FWER p: chance that the most extreme same-signed null NES over all sets beats the NES.

    gseapy counts permutations whose maximum over sets (its per-set nulls come from one shared
    gene permutation, nearly independent between sets) reaches the NES. Here sets of equal size
    share one null, so the maximum is taken as over independent sets:
    ``1 - prod_g (1 - q_g(NES))^(m_g)``, q_g = share of group g's null NES at least as extreme,
    m_g = sets in the group.
    """
    n_perm = nes_null.shape[1]
    rows = np.sort(nes_null, axis=1)
    m = multiplicity.astype(float)
    finite = np.where(np.isnan(nes), 0.0, nes)
    # share of each group's null at least as extreme as each NES (groups x sets)
    below = np.stack([np.searchsorted(r, finite, side="left") for r in rows]) / n_perm
    share = np.where(finite < 0, below, 1.0 - below)
    tiny = 1.0 - 1e-16
    p_any = -np.expm1(m @ np.log1p(-np.minimum(share, tiny)))
    neg_share = np.array([np.searchsorted(r, 0.0, side="left") for r in rows]) / n_perm
    p_any_neg = -np.expm1(m @ np.log1p(-np.minimum(neg_share, tiny)))
    out = np.where(finite < 0, p_any / p_any_neg if p_any_neg > 0 else np.nan, p_any)
    out[np.isnan(nes)] = np.nan
    return np.minimum(out, 1.0) + 0.0  # -expm1(0) is -0.0: written as "-0" without the + 0.0
