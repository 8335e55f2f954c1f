"""R's default random number streams, reproduced draw for draw.

DESeq2 seeds R's generator (``set.seed(2)``) to estimate the dispersion prior variance by
simulation; to give DESeq2's value, degsea must draw the very same numbers. :class:`RStream`
follows R's defaults (``RNGkind("Mersenne-Twister", "Inversion", "Rejection")``):

* ``set.seed``: the seed is scrambled by 50 steps of the congruential generator
  ``seed = 69069 * seed + 1`` (mod 2^32), whose next 625 steps fill the generator's state
  (the first word is the position, reset to 624 so that the first draw regenerates);
* uniforms: Matsumoto and Nishimura's MT19937 (1998; numpy's :class:`numpy.random.MT19937`
  core, given R's state), each 32-bit output times 2^-32, with R's fix-up that maps an exact
  0 to half of 1 / (2^32 - 1);
* normals by inversion: two uniforms ``u1, u2`` give ``qnorm((floor(2^27 u1) + u2) / 2^27)``;
* exponentials: Ahrens and Dieter's (1972) algorithm SA, as in R's ``exp_rand``;
* gamma: Ahrens and Dieter's algorithm GD (1982) for shape >= 1 and GS (1974) for shape < 1,
  as in R's ``rgamma``; ``rchisq(df)`` is ``rgamma(df / 2, scale = 2)``.

Draws whose count of uniforms varies (rejection sampling) are computed for every possible
start in a window of the uniform stream at once (numpy), then chained in order; the rare
branches that loop run one draw at a time. Each function returns what R returns for the same
call after the same seed, up to the last bits of ``log``/``qnorm`` (checked against R in
``tests/unit/test_r_random.py``).
"""

from __future__ import annotations

import math
from decimal import Decimal, localcontext

import numpy as np
from scipy.special import ndtri

__all__ = ["RStream"]

_N = 624  # words of MT19937 state
_TWO_M32 = 2.3283064365386963e-10  # 2^-32
_I2_32M1 = 2.328306437080797e-10  # 1 / (2^32 - 1)
_BIG = 134217728.0  # 2^27
_LOOKAHEAD = 18  # uniforms beyond a window that the tries started in it may read


def _exp_table() -> np.ndarray:
    """``q[k-1] = sum_{i=1..k} ln(2)^i / i!`` for k = 1..16, correctly rounded (exp_rand's table)."""
    out = []
    with localcontext() as ctx:
        ctx.prec = 50
        ln2 = Decimal(2).ln()
        term, total = Decimal(1), Decimal(0)
        for i in range(1, 17):
            term = term * ln2 / i
            total += term
            out.append(float(total))
    return np.array(out)


_Q = _exp_table()
#: ``_Q_SUMS[k]`` is ``q[0]`` added k times in sequence, as exp_rand accumulates it (a uniform
#: is at least 2^-33, so at most 33 times).
_Q_SUMS = np.concatenate([[0.0], np.cumsum(np.full(40, _Q[0]))])

# Algorithm GD (Ahrens and Dieter 1982): coefficients of q0 (q1-q7) and of the quotient (a1-a7).
_GD_Q = (0.04166669, 0.02083148, 0.00801191, 0.00144121, -7.388e-5, 2.4511e-4, 2.424e-4)
_GD_A = (0.3333333, -0.250003, 0.2000062, -0.1662921, 0.1423657, -0.1367177, 0.1233795)
_SQRT32 = 5.656854
_TAU1 = -0.71874483771719
_EXP_M1 = 0.36787944117144233  # exp(-1)


def _norm_inversion(u1: np.ndarray, u2: np.ndarray) -> np.ndarray:
    """Normals by inversion from pairs of uniforms, as R's ``norm_rand``."""
    return ndtri((np.floor(_BIG * u1) + u2) / _BIG)


def _horner(coefs: tuple[float, ...], v):
    """``(((c7 v + c6) v + ...) v + c1) v``, in R's order of operations."""
    acc = coefs[-1] * v
    for c in coefs[-2::-1]:
        acc = (acc + c) * v
    return acc


class _GD:
    """Algorithm GD's constants for one shape a >= 1."""

    def __init__(self, a: float) -> None:
        self.s2 = a - 0.5
        self.s = math.sqrt(self.s2)
        self.d = _SQRT32 - self.s * 12.0
        self.q0 = _horner(_GD_Q, 1.0 / a)
        s, s2 = self.s, self.s2
        if a <= 3.686:
            self.b, self.si, self.c = 0.463 + s + 0.178 * s2, 1.235, 0.195 / s - 0.079 + 0.16 * s
        elif a <= 13.022:
            self.b, self.si, self.c = 1.654 + 0.0076 * s2, 1.68 / s + 0.275, 0.062 / s + 0.024
        else:
            self.b, self.si, self.c = 1.77, 0.75, 0.1515 / s

    def _quotients(self, t: np.ndarray) -> np.ndarray:
        """The log quotient q(t) of steps 6 and 10 (NaN where t <= -2 s, never used there)."""
        v = t / (self.s + self.s)
        near = self.q0 + 0.5 * t * t * _horner(_GD_A, v)
        with np.errstate(invalid="ignore", divide="ignore"):
            far = self.q0 - self.s * t + 0.25 * t * t + (self.s2 + self.s2) * np.log(1.0 + v)
        return np.where(np.abs(v) <= 0.25, near, far)

    def first_try(self, u: np.ndarray, at: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Steps 2-7 at each start: a normal t (2 uniforms), then a uniform for the squeeze and quotient."""
        t = _norm_inversion(u[at], u[at + 1])
        x = self.s + 0.5 * t
        u3 = u[at + 2]
        with np.errstate(invalid="ignore", divide="ignore"):
            later = (self.d * u3 <= t * t * t) | ((x > 0) & (np.log(1.0 - u3) <= self._quotients(t)))
        return x * x, np.where(t >= 0, 2, 3), (t >= 0) | later

    def hat_tries(self, u: np.ndarray, at: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Steps 8-11 at each start: an exponential and a uniform give a double-exponential t."""
        e, used = _exp_rand(u, at)
        v = u[at + used]
        v = v + v - 1.0
        t = np.where(v < 0.0, self.b - self.si * e, self.b + self.si * e)
        q = self._quotients(t)
        with np.errstate(invalid="ignore", over="ignore"):
            accepted = (t >= _TAU1) & (q > 0.0) & (self.c * np.abs(v) <= np.expm1(q) * np.exp(e - 0.5 * t * t))
        x = self.s + 0.5 * t
        return x * x, used + 1, accepted


class RStream:
    """R's random number stream after ``set.seed(seed)``, with R's default generators.

    Parameters
    ----------
    seed
        The integer given to ``set.seed`` (taken modulo 2^32, as R does).

    Examples
    --------
    >>> stream = RStream(2)
    >>> round(float(stream.runif(1)[0]), 6)  # set.seed(2); runif(1)
    0.184882
    """

    def __init__(self, seed: int) -> None:
        s = int(seed) & 0xFFFFFFFF
        for _ in range(50):
            s = (69069 * s + 1) & 0xFFFFFFFF
        words = []
        for _ in range(_N + 1):
            s = (69069 * s + 1) & 0xFFFFFFFF
            words.append(s)
        # words[0] is R's position in the state, which set.seed resets to 624 (regenerate first)
        self._mt = np.random.MT19937()
        state = self._mt.state
        state["state"] = {"key": np.array(words[1:], dtype=np.uint32), "pos": _N}
        self._mt.state = state
        self._buf = np.empty(0)

    def _window(self, k: int) -> np.ndarray:
        """The next k uniforms of the stream, not consumed (see :meth:`_consume`)."""
        missing = k - len(self._buf)
        if missing > 0:
            u = self._mt.random_raw(missing + 4096).astype(float) * _TWO_M32
            u[u <= 0.0] = 0.5 * _I2_32M1
            self._buf = np.concatenate([self._buf, u])
        return self._buf[:k]

    def _consume(self, k: int) -> None:
        self._buf = self._buf[k:]

    def runif(self, n: int) -> np.ndarray:
        """``runif(n)``: n uniforms on (0, 1)."""
        u = self._window(n).copy()
        self._consume(n)
        return u

    def rnorm(self, n: int, mean: float = 0.0, sd: float = 1.0) -> np.ndarray:
        """``rnorm(n, mean, sd)``; with ``sd = 0`` it returns ``mean`` and draws nothing, as R."""
        if sd == 0:
            return np.full(n, float(mean))
        u = self._window(2 * n)
        z = _norm_inversion(u[0::2], u[1::2])
        self._consume(2 * n)
        return mean + sd * z

    def rexp(self, n: int) -> np.ndarray:
        """``rexp(n)``: n standard exponentials."""

        def tries(u: np.ndarray, at: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            value, used = _exp_rand(u, at)
            return value, used, np.ones(len(at), dtype=bool)

        return self._chain(n, tries)

    def rgamma(self, n: int, shape: float, scale: float = 1.0) -> np.ndarray:
        """``rgamma(n, shape, scale = scale)``: algorithm GS for shape < 1, GD otherwise."""
        if not (shape > 0 and scale > 0):
            raise ValueError(f"rgamma needs a positive shape and scale (got {shape}, {scale})")
        if shape < 1:
            return scale * self._chain(n, _gs_tries(shape))
        gd = _GD(shape)
        return scale * self._chain(n, gd.hat_tries, first=gd.first_try)

    def rchisq(self, n: int, df: float) -> np.ndarray:
        """``rchisq(n, df)``, which R draws as ``rgamma(n, df / 2, scale = 2)``."""
        return self.rgamma(n, df / 2.0, 2.0)

    def _chain(self, n: int, tries, *, first=None) -> np.ndarray:
        """n draws, in stream order, of a sampler that makes tries until one is accepted.

        ``tries(u, at)`` (and ``first``, for a first try that differs from the others) gives, for
        a try started at each position ``at`` of the uniforms ``u``, its value, the uniforms it
        uses and whether it is accepted. Tries are made at every position of a window at once;
        where each draw ends, and then the positions where the n draws start, are found by
        pointer doubling. A draw that runs past the window starts the next one.
        """
        out = np.empty(n)
        done = 0
        while done < n:
            need = n - done
            width = 3 * need + 256
            u = self._window(width + _LOOKAHEAD)
            starts = np.arange(width)
            value, used, accepted = tries(u, starts)
            # the accepted try that a try at each position leads to (width: past the window)
            land = np.append(np.where(accepted, starts, np.minimum(starts + used, width)), width)
            while not np.array_equal(nxt := land[land], land):
                land = nxt
            value0, used0, accepted0 = (value, used, accepted) if first is None else first(u, starts)
            hit = np.where(accepted0, -1, land[np.minimum(starts + used0, width)])  # -1: the first try
            resolved = hit < width
            last = np.where(resolved & (hit >= 0), hit, 0)
            draw = np.where(hit < 0, value0, value[last])
            after = np.where(hit < 0, starts + used0, last + used[last])
            # start of the i-th draw: the i-th power of "next draw", by binary powers
            step = np.append(np.where(resolved, np.minimum(after, width), width), width)
            valid = np.append(resolved, False)
            index = np.arange(need)
            pos = np.zeros(need, dtype=np.intp)
            bit = 0
            while (1 << bit) < need:
                take = ((index >> bit) & 1).astype(bool)
                pos[take] = step[pos[take]]
                step = step[step]
                bit += 1
            good = valid[pos]
            m = need if good.all() else int(np.argmin(good))
            if m == 0:
                raise RuntimeError("a single draw needed more uniforms than the window holds")
            out[done : done + m] = draw[pos[:m]]
            self._consume(int(after[pos[m - 1]]))
            done += m
        return out


def _exp_rand(u: np.ndarray, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """R's ``exp_rand`` (algorithm SA) started at each position ``at`` of the uniforms u.

    Returns the exponential and the number of uniforms it used (u needs 16 values after ``at``).
    """
    first = u[at]
    mant, expo = np.frexp(first)  # first = mant * 2^expo, mant in [0.5, 1)
    doublings = np.where(mant > 0.5, 1 - expo, 2 - expo)  # until the doubled value exceeds 1
    frac = np.ldexp(first, doublings) - 1.0
    base = _Q_SUMS[doublings - 1]
    rounds = np.searchsorted(_Q, frac, side="left")  # draws of the do-while loop when frac > q[0]
    running = u[at + 1]  # the minimum of the first 1 + j uniforms after the first
    umin = running
    for j in range(1, int(rounds.max(initial=0)) + 1):
        running = np.minimum(running, u[at + 1 + j])
        umin = np.where(rounds >= j, running, umin)
    small = frac <= _Q[0]
    return np.where(small, base + frac, base + umin * _Q[0]), np.where(small, 1, 2 + rounds)


def _gs_tries(a: float):
    """Tries of algorithm GS (shape a < 1, scale 1): one uniform and one exponential each."""
    e = 1.0 + _EXP_M1 * a

    def tries(u: np.ndarray, at: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        p = e * u[at]
        exps, exp_used = _exp_rand(u, at + 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            x = np.where(p >= 1.0, -np.log((e - p) / a), np.exp(np.log(p) / a))
            accepted = np.where(p >= 1.0, exps >= (1.0 - a) * np.log(x), exps >= x)
        return x, 1 + exp_used, accepted

    return tries
