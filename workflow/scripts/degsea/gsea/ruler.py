"""The numba kernels of the multilevel tail p-values (:mod:`degsea.gsea.multilevel`).

:func:`build_ruler` runs adaptive multilevel splitting for random sets of one size on one
ranking. Sets are sorted arrays of positions in the ranking; ``w`` are the positions' weights
``|r|^p``. ES+ is the largest value of the GSEA running sum just after a hit (at least 0): hits
step up by ``w / sum(w of the set)``, misses step down by ``1 / (n - k)``.

The Markov chain swaps a random member for a random gene and keeps the swap when ES+ stays
above the level. Checking that is the cost, so each set keeps a candidate hit (one where the
running sum was above the level, with its weight sum and hit count), updated in O(1) per swap;
only when the candidate falls below is the set scanned again, skipping whole chunks of
positions whose best case stays below the level (the chunks' bounds are the population's median
hit positions, so each holds about ``sqrt(k)`` hits).

Random numbers: xoshiro256** (Blackman & Vigna), one stream per ruler, seeded through
splitmix64 from :func:`ruler_key`.

The engine's ordinary permutations walk here too: :func:`null_extremes` (signed ES of the random
sets of every size). The observed sets' ES and leading edges come from
:mod:`degsea.gsea.running_sum`, the one implementation the figures share.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

_MASK64 = (1 << 64) - 1


# ----------------------------------------------------------------------------- random numbers
@njit(cache=True)
def _splitmix(x):
    """One step of splitmix64 on a uint64: the next state's output (used to seed xoshiro)."""
    z = x + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@njit(cache=True)
def _new_state(key):
    """xoshiro256** state from a uint64 key (four splitmix64 outputs)."""
    state = np.empty(4, dtype=np.uint64)
    x = key
    for i in range(4):
        x = x + np.uint64(0x9E3779B97F4A7C15)
        state[i] = _splitmix(x)
    return state


@njit(cache=True)
def _next(state):
    """Next 64 random bits of xoshiro256** (Blackman & Vigna)."""
    s0, s1, s2, s3 = state[0], state[1], state[2], state[3]
    x = s1 * np.uint64(5)
    x = (x << np.uint64(7)) | (x >> np.uint64(57))
    out = x * np.uint64(9)
    t = s1 << np.uint64(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = (s3 << np.uint64(45)) | (s3 >> np.uint64(19))
    state[0], state[1], state[2], state[3] = s0, s1, s2, s3
    return out


@njit(cache=True)
def _below(state, m):
    """A uniform integer in [0, m) (53 random bits scaled; bias below m / 2**53)."""
    u = (_next(state) >> np.uint64(11)) * (1.0 / 9007199254740992.0)
    return min(int(u * m), m - 1)


def ruler_key(seed: int, size: int, negative: bool) -> int:
    """The generator key of the ruler of sets of ``size`` genes and one sign, for a run's seed."""
    x = (int(seed) * 0x9E3779B97F4A7C15 + int(size) * 0xD1B54A32D192ED03 + (1 if negative else 0)) & _MASK64
    return x ^ 0x5DEECE66D


# ----------------------------------------------------------------------------- scores
@njit(cache=True)
def _score(w, pos, n):
    """ES+ of a sorted set (largest running sum after a hit, at least 0) and whether its signed
    ES (the largest deviation, the first one on ties) is positive."""
    k = pos.shape[0]
    total = 0.0
    for t in range(k):
        total += w[pos[t]]
    unit = total <= 0.0
    q2 = 1.0 / k if unit else 1.0 / total
    q1 = 1.0 / (n - k)
    run = 0.0
    best = 0.0
    extreme = 0.0
    last = -1
    for t in range(k):
        p = pos[t]
        run -= q1 * (p - last - 1)
        if abs(run) > abs(extreme):
            extreme = run
        run += q2 * (1.0 if unit else w[p])
        if abs(run) > abs(extreme):
            extreme = run
        if run > best:
            best = run
        last = p
    return best, extreme > 0.0


@njit(cache=True)
def _find(row, count, value):
    """Index of the first of the ``count`` first (sorted) entries of ``row`` that is >= ``value``."""
    lo, hi = 0, count
    while lo < hi:
        mid = (lo + hi) >> 1
        if row[mid] < value:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=True)
def _chunk_of(bounds, p):
    """The chunk holding position ``p``: the first chunk whose (exclusive) end is above ``p``."""
    lo, hi = 0, bounds.shape[0] - 1
    while lo < hi:
        mid = (lo + hi) >> 1
        if bounds[mid] <= p:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=True)
def _above(w, slots, counts, sums, bounds, total, q1, level, cand):
    """Whether the set in ``slots`` has a running sum above ``level`` after some hit.

    The set is held by chunks of positions: ``slots[c, :counts[c]]`` are its sorted hits below
    ``bounds[c]`` (and at or above ``bounds[c - 1]``), ``sums[c]`` their weight. Chunks whose best
    case (every hit of the chunk at its start) stays at or below the level are skipped whole.
    On success ``cand`` gets the first hit above: position, weight sum and hits up to it.
    """
    q2 = 1.0 / total
    y = 0.0
    h = 0
    start = 0
    for c in range(bounds.shape[0]):
        nc = counts[c]
        misses = start - h
        if 1.0 - q1 * misses <= level:
            return False  # the walk only loses from here on
        if q2 * (y + sums[c]) - q1 * misses > level:
            for t in range(nc):
                p = slots[c, t]
                y += w[p]
                h += 1
                if q2 * y - q1 * (p + 1 - h) > level:
                    cand[0] = p
                    cand[1] = y
                    cand[2] = h
                    return True
        else:
            y += sums[c]
            h += nc
        start = bounds[c]
    return False


@njit(cache=True)
def _remove(slots, counts, c, i):
    """Remove entry ``i`` of chunk ``c``."""
    for t in range(i, counts[c] - 1):
        slots[c, t] = slots[c, t + 1]
    counts[c] -= 1


@njit(cache=True)
def _insert(slots, counts, c, j, value):
    """Insert ``value`` as entry ``j`` of chunk ``c``."""
    for t in range(counts[c], j, -1):
        slots[c, t] = slots[c, t - 1]
    slots[c, j] = value
    counts[c] += 1


@njit(cache=True)
def _walk(w, k, slots, counts, sums, bounds, level, proposals, state, n, chain):
    """``proposals`` steps of the Markov chain on one set under ``ES+ > level``.

    ``chain`` carries the set's weight sum and its candidate hit (position, weight sum and hits
    up to it; position -1 for none) from call to call. Returns the accepted swaps.
    """
    q1 = 1.0 / (n - k)
    total = chain[0]
    accepted = 0
    for _ in range(proposals):
        i = _below(state, k)
        co = 0
        while i >= counts[co]:
            i -= counts[co]
            co += 1
        old = slots[co, i]
        new = _below(state, n)
        if new == old:
            accepted += 1
            continue
        cn = _chunk_of(bounds, new)
        j = _find(slots[cn], counts[cn], new)
        if j < counts[cn] and slots[cn, j] == new:
            continue
        new_total = total - w[old] + w[new]
        if new_total <= 0.0:
            continue
        ok = False
        c = chain[1]
        if c >= 0 and c != old:
            y = chain[2]
            h = chain[3]
            if old < c:
                y -= w[old]
                h -= 1
            if new < c:
                y += w[new]
                h += 1
            if y / new_total - q1 * (c + 1 - h) > level:
                ok = True
                chain[2] = y
                chain[3] = h
        if co == cn and i < j:
            j -= 1  # index of ``new`` once ``old`` is out
        _remove(slots, counts, co, i)
        _insert(slots, counts, cn, j, new)
        sums[co] -= w[old]
        sums[cn] += w[new]
        if not ok:
            ok = _above(w, slots, counts, sums, bounds, new_total, q1, level, chain[1:])
            if not ok:
                _remove(slots, counts, cn, j)
                _insert(slots, counts, co, i, old)
                sums[co] += w[old]
                sums[cn] -= w[new]
        if ok:
            total = new_total
            accepted += 1
    chain[0] = total
    return accepted


@njit(cache=True)
def _random_set(state, n, k, used, out):
    """A uniform random ``k``-subset of ``range(n)`` into ``out``, sorted (``used``: n zeros)."""
    got = 0
    while got < k:
        p = _below(state, n)
        if not used[p]:
            used[p] = True
            out[got] = p
            got += 1
    for t in range(k):
        used[out[t]] = False
    out.sort()


@njit(cache=True)
def _mix(w, pop, level, moves, state, counts, sums, slots, bounds, column, chains):
    """Move every set of ``pop`` by the Markov chain under ``ES+ > level``, ``moves`` accepted
    swaps per set on average (in place)."""
    n = w.shape[0]
    N, k = pop.shape
    n_chunks = bounds.shape[0]
    # chunks: position bounds at the population's median hit positions
    for c in range(n_chunks - 1):
        idx = (c + 1) * k // n_chunks
        for s in range(N):
            column[s] = pop[s, idx]
        column.sort()
        bounds[c] = column[N // 2]
    bounds[n_chunks - 1] = n
    for s in range(N):
        counts[s] = 0
        sums[s] = 0.0
        c = 0
        for t in range(k):
            p = pop[s, t]
            while bounds[c] <= p:
                c += 1
            slots[s, c, counts[s, c]] = p
            counts[s, c] += 1
            sums[s, c] += w[p]
    # rounds of a few proposals per set, until the sets have made ``moves`` accepted swaps each on
    # average (stopping each set at its own count would favour sets that move easily, i.e. bias
    # the population upwards)
    q1 = 1.0 / (n - k)
    for s in range(N):
        chains[s, 0] = 0.0
        for t in range(k):
            chains[s, 0] += w[pop[s, t]]
        chains[s, 1] = -1.0  # no candidate hit yet (_above sets one when the set is above)
        if chains[s, 0] > 0.0:
            _above(w, slots[s], counts[s], sums[s], bounds, chains[s, 0], q1, level, chains[s, 1:])
    max_proposals = 50 * moves + 100  # per set
    batch = max(1, k // 10)
    done = 0
    spent = 0
    while done < N * moves and spent < max_proposals:
        for s in range(N):
            done += _walk(w, k, slots[s], counts[s], sums[s], bounds, level, batch, state, n, chains[s])
        spent += batch
    for s in range(N):
        t = 0
        for c in range(n_chunks):
            for i in range(counts[s, c]):
                pop[s, t] = slots[s, c, i]
                t += 1


@njit(cache=True, nogil=True)
def build_ruler(w, k, target, max_levels, sample_size, moves, key, start, floor):
    """The levels of ES+ for random ``k``-gene sets on weights ``w`` up to ``target``.

    Returns ``(scores, positive, levels)``: per level the sorted lower ``(N + 1) / 2`` scores of
    the population (``levels * (N + 1) / 2`` values, level by level) and, per recorded score, how
    many sets of its level scoring at least as high have a positive signed ES.

    ``start`` (sorted sets, one per row; none: shape ``(0, k)``) are random sets already known to
    score above ``floor``, e.g. the best of the ordinary permutations: they are cloned to the
    population and moved under ``ES+ > floor`` before the first level is recorded, instead of
    starting from uniform random sets.
    """
    n = w.shape[0]
    N = sample_size
    half = (N + 1) // 2
    state = _new_state(key)
    pop = np.empty((N, k), dtype=np.int64)
    es = np.empty(N)
    sign = np.empty(N, dtype=np.bool_)
    n_chunks = max(1, int(math.sqrt(k)))
    counts = np.zeros((N, n_chunks), dtype=np.int64)
    sums = np.zeros((N, n_chunks))
    slots = np.empty((N, n_chunks, k), dtype=np.int32)
    bounds = np.empty(n_chunks, dtype=np.int64)
    column = np.empty(N, dtype=np.int64)
    chains = np.empty((N, 4))
    scores = np.empty(max_levels * half)
    positive = np.empty(max_levels * half, dtype=np.int64)
    nxt = np.empty((N, k), dtype=np.int64)
    levels = 0
    previous = -1.0
    if start.shape[0] > 0:
        survivors = start.shape[0]
        extra = _below(state, survivors)
        for s in range(N):
            pop[s] = start[s % survivors] if s < 2 * survivors else start[extra]
        _mix(w, pop, floor, moves, state, counts, sums, slots, bounds, column, chains)
        previous = floor
    else:
        used = np.zeros(n, dtype=np.bool_)
        for s in range(N):
            _random_set(state, n, k, used, pop[s])
    while True:
        for s in range(N):
            es[s], sign[s] = _score(w, pop[s], n)
        order = np.argsort(es, kind="mergesort")
        above = 0
        for s in range(N):
            above += sign[s]
        base = levels * half
        for r in range(half):
            scores[base + r] = es[order[r]]
            positive[base + r] = above
            above -= sign[order[r]]
        levels += 1
        median = es[order[half - 1]]
        if median > target or levels >= max_levels or median <= previous:
            break
        previous = median
        # clone the sets above the median back to N sets (the extra clone chosen at random)
        survivors = N - half
        extra = _below(state, survivors)
        for s in range(N):
            src = order[half + (s % survivors)] if s < 2 * survivors else order[half + extra]
            nxt[s] = pop[src]
        pop, nxt = nxt, pop
        _mix(w, pop, median, moves, state, counts, sums, slots, bounds, column, chains)
    return scores[: levels * half], positive[: levels * half], levels


@njit(cache=True)
def random_scores(w, k, count, key):
    """ES+ and sign (signed ES > 0) of ``count`` uniform random ``k``-gene sets: the plain
    Monte Carlo the rulers replace (for checks on p-values that it can resolve)."""
    n = w.shape[0]
    state = _new_state(key)
    used = np.zeros(n, dtype=np.bool_)
    row = np.empty(k, dtype=np.int64)
    es = np.empty(count)
    sign = np.empty(count, dtype=np.bool_)
    for i in range(count):
        _random_set(state, n, k, used, row)
        es[i], sign[i] = _score(w, row, n)
    return es, sign


# ----------------------------------------------------------------------------- signed ES
@njit(cache=True)
def _signed_es(w, row, k, n):
    """Signed ES of the sorted set ``row[:k]``, its ES+ and minus its ES+ on the reversed ranking.

    The ES is the running sum's largest deviation from zero, the first one on ties, taken just
    before and just after each hit (as gseapy's ``fast_random_walk``); a set whose weights are
    all zero steps up uniformly (fgsea's convention). Deviations above zero are largest just
    after a hit (``high``, at least 0: the set's ES+), below zero just before one (``low``, at
    most 0), so the ES is whichever is further from zero, the earlier on a tie (a hit's bottom
    comes before its top). Returns ``(es, high, low)``.
    """
    total = 0.0
    for t in range(k):
        total += w[row[t]]
    unit = total == 0.0
    scale = 1.0 / k if unit else 1.0 / total
    per_miss = 1.0 / (n - k)
    cum = 0.0
    high = 0.0
    low = 0.0
    peak = k
    trough = k
    for t in range(k):
        misses = (row[t] - t) * per_miss
        bottom = cum * scale - misses
        cum += 1.0 if unit else w[row[t]]
        top = cum * scale - misses
        if top > high:
            high = top
            peak = t
        if bottom < low:
            low = bottom
            trough = t
    if high > -low or (high == -low and peak < trough):
        return high, high, low
    return low, high, low


@njit(cache=True, nogil=True)
def null_extremes(w, draws, sizes, out, column, high, low):
    """Signed ES of random sets: for each row of ``draws`` (random positions, distinct) and each
    size ``k`` in ``sizes`` (ascending), the set of its first ``k`` positions, into
    ``out[:, column + row]``; the highest running sum after a hit into ``high``, the lowest
    before one into ``low`` (same layout).

    The first ``k`` draws are kept sorted by insertion as ``k`` grows, so each row costs about
    ``max(sizes)**2 / 4`` moves plus one walk (:func:`_signed_es`) per size.
    """
    n = w.shape[0]
    k_max = draws.shape[1]
    row = np.empty(k_max, dtype=np.int64)
    for r in range(draws.shape[0]):
        have = 0
        for i in range(sizes.shape[0]):
            k = sizes[i]
            while have < k:
                value = draws[r, have]
                t = have
                while t > 0 and row[t - 1] > value:
                    row[t] = row[t - 1]
                    t -= 1
                row[t] = value
                have += 1
            out[i, column + r], high[i, column + r], low[i, column + r] = _signed_es(w, row, k, n)
