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
- **p-value** (``pval``): as fgsea's: ``(b + 1) / (m + 1)``, b = same-signed null ES at least as
  extreme, m = same-signed null ES, where that is precise enough; for sets further in the tail
  (in practice p below about 0.03) the adaptive multilevel splitting estimate of
  :mod:`degsea.gsea.multilevel`, down to ``eps`` (1e-50 by default); ``log2err`` is the standard
  deviation of its log2. Benjamini-Hochberg on it (:func:`bh_adjust`) is the FDR fgsea reports.
- **FDR q**: GSEA's: (share of all normalised null ES of all sets, same sign, at least as
  extreme as NES) / (share of observed NES of that sign at least as extreme), capped at 1.
- **FWER p**: chance that the most extreme same-signed normalised null ES over all sets is at
  least as extreme as NES, the sets' nulls taken as independent (see :func:`_fwer`).
- **Leading edge**: hits up to the running sum's peak (ES >= 0) or from its trough on
  (ES < 0, listed from the bottom of the ranking), as gseapy lists them.

The work is O(permutations x sum of distinct sizes x log size), in chunks of permutations; the
random sets are kept for the multilevel rulers (permutations x largest size x 4 bytes: 2 MB for
1,000 permutations of sets up to 500 genes). The random
draws come from one ``numpy.random.Generator(PCG64(seed))`` stream consumed permutation by
permutation, so results are identical for any chunk size. The multilevel p-values start from the
permutations' best random sets of each size and draw from their own streams, one per set size and
sign, seeded by the seed. ``threads``: chunks of permutations and the multilevel rulers run on
that many threads (numba kernels that release the GIL); the table is the same for any number.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from degsea.gsea.multilevel import DEFAULT_EPS, NullSample, set_pvalues
from degsea.gsea.ruler import null_extremes
from degsea.gsea.running_sum import extreme as _extreme
from degsea.gsea.running_sum import leading_edge as _leading_edge
from degsea.gsea.running_sum import walk as _walk
from degsea.tables import bh_adjust

log = logging.getLogger(__name__)

#: Columns of :func:`prerank`'s table (named as gseapy's ``res2d``).
COLUMNS = ["Term", "ES", "NES", "NOM p-val", "FDR q-val", "FWER p-val", "Tag %", "Lead_genes", "size"]

#: Columns :func:`prerank` adds after :data:`COLUMNS`: the p-value (permutation or multilevel), its
#: BH adjustment and the standard deviation of its log2.
TAIL_COLUMNS = ["pval", "padj", "log2err"]


def null_sample(
    weights: np.ndarray,
    sizes: np.ndarray,
    *,
    permutations: int,
    seed: int,
    chunk_size: int = 256,
    threads: int = 1,
) -> NullSample:
    """The random gene sets of the permutations and their scores: ``es`` (len(sizes), permutations),
    row i the ES of random sets of ``sizes[i]`` genes, and what the multilevel rulers start from
    (:class:`~degsea.gsea.multilevel.NullSample`).

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
        Permutations scored per call of the kernel; the result does not depend on it.
    threads
        Chunks scored at once (the kernel releases the GIL; the draws stay in one stream, drawn
        while the chunks before are scored); the result does not depend on it.
    """
    n_genes = len(weights)
    weights = np.ascontiguousarray(weights, dtype=np.float64)
    sizes = np.asarray(sizes, dtype=np.int64)
    k_max = int(sizes.max())
    rng = np.random.Generator(np.random.PCG64(seed))
    out = np.empty((len(sizes), permutations))
    high, low = np.empty_like(out), np.empty_like(out)
    draws = np.empty((permutations, k_max), dtype=np.int32)  # kept for the rulers: 2 MB per 1,000 x 500
    if threads > 1:  # smaller chunks keep every thread busy to the end
        chunk_size = max(1, min(chunk_size, -(-permutations // (4 * threads))))
    pool = ThreadPoolExecutor(max_workers=threads) if threads > 1 else None
    try:
        pending = []
        for start in range(0, permutations, chunk_size):
            stop = min(start + chunk_size, permutations)
            for i in range(start, stop):
                draws[i] = rng.choice(n_genes, k_max, replace=False)
            job = (weights, draws[start:stop], sizes, out, start, high, low)
            if pool is None:
                null_extremes(*job)
            else:
                pending.append(pool.submit(null_extremes, *job))
        for job in pending:
            job.result()
    finally:
        if pool is not None:
            pool.shutdown()
    return NullSample(sizes=sizes, draws=draws, es=out, high=high, low=low)


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
    eps: float = DEFAULT_EPS,
    threads: int = 1,
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
    eps
        Smallest p-value computed (fgsea's ``eps``); smaller ones are reported as ``eps``, with
        a log line. 0: no bound.
    threads
        Threads for the permutations and the multilevel rulers; the table does not depend on it.

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
    if not genes.is_unique:
        raise ValueError("ranks must not contain duplicated genes")
    names, hits = _tested_sets(genes, gene_sets, min_size=min_size, max_size=max_size)
    if not names:
        return pd.DataFrame(columns=COLUMNS + TAIL_COLUMNS)
    set_sizes = np.array([len(h) for h in hits])
    es, leading, tag = _observed(hits, set_sizes, weights, genes.to_numpy())

    table = pd.DataFrame({"Term": names, "ES": es, "Tag %": tag, "Lead_genes": leading, "size": set_sizes})
    if permutations <= 0:
        for column in ("NES", "NOM p-val", "FDR q-val", "FWER p-val", "pval", "padj", "log2err"):
            table[column] = np.nan
        return table[COLUMNS + TAIL_COLUMNS]

    sizes, size_index = np.unique(set_sizes, return_inverse=True)
    log.info(
        "GSEA engine: %d genes, %d sets, %d distinct sizes, %d permutations",
        n_genes,
        len(names),
        len(sizes),
        permutations,
    )
    sample = null_sample(weights, sizes, permutations=permutations, seed=seed, chunk_size=chunk_size, threads=threads)
    null = sample.es
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

    # nominal p: same-signed share at least as extreme (sets of one size at once)
    sorted_null = np.sort(null, axis=1)
    exceed = np.empty(len(names), dtype=np.int64)  # same-signed null ES at least as extreme
    by_size = np.argsort(size_index, kind="stable")
    starts = np.searchsorted(size_index[by_size], np.arange(len(sizes) + 1))
    for j in range(len(sizes)):
        members = by_size[starts[j] : starts[j + 1]]
        row, value = sorted_null[j], es[members]
        below = np.searchsorted(row, value, side="right")
        above = permutations - np.searchsorted(row, value, side="left")
        exceed[members] = np.where(value < 0, below, above)
    same = np.where(es < 0, n_neg[size_index], n_pos[size_index])  # same-signed null ES
    with np.errstate(invalid="ignore", divide="ignore"):
        pvalue = np.where(same > 0, exceed / same, 1.0)
    tail = set_pvalues(
        weights,
        set_sizes,
        es,
        exceed,
        same,
        permutations=permutations,
        seed=seed,
        eps=eps,
        threads=threads,
        sample=sample,
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
    table["pval"] = tail.pvalue
    table["padj"] = bh_adjust(tail.pvalue)
    table["log2err"] = tail.log2err
    return table[COLUMNS + TAIL_COLUMNS]


def _tested_sets(
    genes: pd.Index, gene_sets: Mapping[str, Iterable[str]], *, min_size: int, max_size: int
) -> tuple[list[str], list[np.ndarray]]:
    """Names and sorted, distinct hit positions of the sets with ``min_size``-``max_size`` genes in ``genes``."""
    members = [list(map(str, genes_of)) for genes_of in gene_sets.values()]
    lengths = np.array([len(m) for m in members], dtype=np.int64)
    found = genes.get_indexer(np.array([g for m in members for g in m], dtype=object))
    owner = np.repeat(np.arange(len(members)), lengths)
    key = np.sort(owner[found >= 0] * len(genes) + found[found >= 0])  # by set, then position
    first = np.ones(len(key), dtype=bool)
    first[1:] = key[1:] != key[:-1]
    key = key[first]  # each gene once (np.unique would hash: many times slower)
    owner, position = np.divmod(key, len(genes))
    counts = np.bincount(owner, minlength=len(members))
    per_set = np.split(position, np.cumsum(counts)[:-1])
    keep = [i for i, c in enumerate(counts) if min_size <= c <= max_size and c < len(genes)]
    names = list(gene_sets)
    return [names[i] for i in keep], [per_set[i] for i in keep]


def _observed(
    hits: list[np.ndarray], set_sizes: np.ndarray, weights: np.ndarray, genes: np.ndarray
) -> tuple[np.ndarray, list[str], list[str]]:
    """ES, leading-edge genes (``;``-joined, as gseapy lists them) and ``Tag %`` of the sets; sets
    of one size are walked at once."""
    n_genes = len(weights)
    es = np.empty(len(hits))
    leading = [""] * len(hits)
    tag = [""] * len(hits)
    for size in np.unique(set_sizes):
        members = np.flatnonzero(set_sizes == size)
        positions = np.stack([hits[i] for i in members])
        bottoms, tops = _walk(positions, weights[positions], n_genes)
        es[members] = _extreme(bottoms, tops)
        for row, i in enumerate(members):
            edge = _leading_edge(positions[row], bottoms[row], tops[row], es[i])
            edge = edge if es[i] >= 0 else edge[::-1]  # listed from the end of the ranking, as gseapy
            leading[i] = ";".join(genes[edge])
            tag[i] = f"{len(edge)}/{size}"
    return es, leading, tag


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
    negative = nes < 0
    with np.errstate(invalid="ignore", divide="ignore"):
        all_higher = np.where(
            negative,
            cum[np.searchsorted(flat, nes, side="right")],
            total - cum[np.searchsorted(flat, nes, side="left")],
        )
        nes_higher = np.where(
            negative, np.searchsorted(observed, nes, side="right"), n_obs - np.searchsorted(observed, nes, side="left")
        )
        all_same = np.where(negative, all_neg, all_pos)
        obs_same = np.where(negative, obs_neg, obs_pos)
        phi_norm = np.where(all_same > 0, all_higher / all_same, 0.0)
        phi_obs = np.where(obs_same > 0, nes_higher / obs_same, 0.0)
        out = np.where(phi_obs > 0, np.minimum(phi_norm / phi_obs, 1.0), 1.0)
    out[np.isnan(nes)] = np.nan
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
    # share of each group's null at least as extreme as each NES (groups x sets), the NES sorted
    # (numpy's binary searches go faster on sorted needles)
    order = np.argsort(finite, kind="stable")
    needles = finite[order]
    below = np.stack([np.searchsorted(r, needles, side="left") for r in rows]) / n_perm
    share = np.where(needles < 0, below, 1.0 - below)
    tiny = 1.0 - 1e-16
    p_any = np.empty(len(finite))
    p_any[order] = -np.expm1(m @ np.log1p(-np.minimum(share, tiny)))
    neg_share = np.array([np.searchsorted(r, 0.0, side="left") for r in rows]) / n_perm
    p_any_neg = -np.expm1(m @ np.log1p(-np.minimum(neg_share, tiny)))
    out = np.where(finite < 0, p_any / p_any_neg if p_any_neg > 0 else np.nan, p_any)
    out[np.isnan(nes)] = np.nan
    return np.minimum(out, 1.0) + 0.0  # -expm1(0) is -0.0: written as "-0" without the + 0.0
