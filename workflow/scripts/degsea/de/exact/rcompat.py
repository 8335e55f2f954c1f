"""R's own numerics where degsea must match them to the last bit: ``seq``, ``hist``, ``loess``, ``lowess``."""

from __future__ import annotations

import numpy as np


def r_seq(start: float, stop: float, n: int) -> np.ndarray:
    """R's ``seq(start, stop, length.out = n)``: both ends exact, inner points ``start + i * step``."""
    return np.concatenate([[start], start + np.arange(1, n - 1) * ((stop - start) / (n - 1)), [stop]])


def r_hist_density(values: np.ndarray, breaks: np.ndarray) -> np.ndarray:
    """R's ``hist(values, breaks, plot = FALSE)$density`` for equally spaced breaks spanning values.

    Intervals are right-closed, the first one also closed on the left, and every break but the
    first is moved up by R's fuzz (1e-7 x the median bin width), so a value within the fuzz above
    a break still counts in the bin below it.
    """
    widths = np.diff(breaks)
    fuzz = 1e-7 * float(np.median(widths))
    inner = breaks[1:-1] + fuzz
    counts = np.bincount(np.searchsorted(inner, values, side="left"), minlength=len(widths))
    return counts / (len(values) * widths)


def _loess_vertices(x: np.ndarray, *, fc: int) -> np.ndarray:
    """The vertices of R's loess k-d tree on one predictor (``ehg126``/``ehg124``), sorted.

    The bounding box is the range of x widened by 0.5 % on each side. Cells are split, breadth
    first, at the lower median of their points (moved to the nearest gap between distinct values
    when it falls among ties) while they hold more than ``fc`` points; a cell whose split value
    would be one of its ends stays a leaf.
    """
    xs = np.sort(x)
    lo, hi = xs[0], xs[-1]
    margin = 0.005 * max(hi - lo, 1e-10 * max(abs(lo), abs(hi)) + 1e-30)
    vertices = [lo - margin, hi + margin]
    cells = [(0, len(xs) - 1, vertices[0], vertices[1])]
    while cells:
        first, last, left, right = cells.pop(0)
        if last - first + 1 <= fc:
            continue
        m, offset = (first + last) // 2, 0
        while first <= m + offset < last:
            if xs[m + offset] != xs[m + offset + 1]:
                m += offset
                break
            offset = -offset + (1 if offset <= 0 else 0)
        cut = xs[m]
        if cut in (left, right):
            continue
        vertices.append(cut)
        cells += [(first, m, left, cut), (m + 1, last, cut, right)]
    return np.sort(np.array(vertices))


def _loess_local_fit(x: np.ndarray, y: np.ndarray, at: float, *, n_local: int, span: float) -> tuple[float, float]:
    """Value and slope at ``at`` of R's local quadratic fit (``ehg127``, tricube weights, no robustness).

    The weights reach 0 at the distance of the ``n_local``-th nearest point, times ``span`` if above 1.
    """
    dist = (x - at) ** 2
    near = np.argsort(dist, kind="stable")[:n_local]
    ratio = np.sqrt(dist[near] / (dist[near[-1]] * max(1.0, span)))
    w = np.sqrt((1 - ratio * ratio * ratio) ** 3)
    dx = x[near] - at
    design = np.column_stack([w, w * dx, w * dx * dx])
    norms = np.sqrt((design**2).sum(axis=0))
    coef, *_ = np.linalg.lstsq(design / norms, w * y[near], rcond=100 * np.finfo(float).eps)
    return coef[0] / norms[0], coef[1] / norms[1]


def loess_quadratic(x: np.ndarray, y: np.ndarray, at: np.ndarray, *, span: float, cell: float = 0.2) -> np.ndarray:
    """R's ``predict(loess(y ~ x, span = span), at)`` with loess's defaults, for one predictor.

    Degree 2, Gaussian family and ``surface = "interpolate"``: local fits (value and slope) are
    made only at the vertices of a k-d tree (:func:`_loess_vertices`, cells of at most
    ``floor(n * span * cell)`` points) and joined by cubic Hermite interpolation (``ehg128``).
    ``at`` must lie within the range of x.
    """
    n_local = int(np.floor(len(x) * span + 1e-5))
    vertices = _loess_vertices(x, fc=int(np.floor(len(x) * span * cell)))
    value, slope = np.array([_loess_local_fit(x, y, v, n_local=n_local, span=span) for v in vertices]).T
    k = np.searchsorted(vertices[1:-1], at, side="left")  # points on a cut belong to the cell below
    v0, v1 = vertices[k], vertices[k + 1]
    h = (at - v0) / (v1 - v0)
    phi0, phi1 = (1 - h) ** 2 * (1 + 2 * h), h**2 * (3 - 2 * h)
    psi0, psi1 = h * (1 - h) ** 2, h**2 * (h - 1)
    return phi0 * value[k] + phi1 * value[k + 1] + (psi0 * slope[k] + psi1 * slope[k + 1]) * (v1 - v0)


def r_lowess(
    x: np.ndarray, y: np.ndarray, *, f: float = 2 / 3, iterations: int = 3, delta: float | None = None
) -> np.ndarray:
    """R's ``lowess()`` (Cleveland's clowess, as in R's stats/src/lowess.c).

    PyDESeq2's own lowess differs from R's (no ``delta`` interpolation, different robustness
    weights), which moves DESeq2's independent-filtering threshold.

    Parameters
    ----------
    x, y
        Points; they are sorted by ``x``.
    f
        Smoother span (share of points in each local fit).
    iterations
        Robustness iterations.
    delta
        Points closer than ``delta`` to the last fitted one are interpolated
        (default 1 % of the range of ``x``, as in R).

    Returns
    -------
    numpy.ndarray
        Fitted values, in the order of sorted ``x``.
    """
    order = np.argsort(x, kind="mergesort")
    xs_all, ys_all = np.asarray(x, dtype=float)[order], np.asarray(y, dtype=float)[order]
    n = len(xs_all)
    if delta is None:
        delta = 0.01 * (xs_all[-1] - xs_all[0])
    if n < 2:
        return ys_all.copy()
    # 1-based arrays, as in the C code
    X = np.concatenate([[0.0], xs_all])
    Y = np.concatenate([[0.0], ys_all])
    fit = np.zeros(n + 1)
    rw = np.zeros(n + 1)
    res = np.zeros(n + 1)
    ns = max(2, min(n, int(f * n + 1e-7)))

    def lowest(xs: float, nleft: int, nright: int, userw: bool) -> tuple[float, bool]:
        w = np.zeros(n + 1)
        rng = X[n] - X[1]
        h = max(xs - X[nleft], X[nright] - xs)
        h9, h1 = 0.999 * h, 0.001 * h
        a = 0.0
        j = nleft
        while j <= n:
            r = abs(X[j] - xs)
            if r <= h9:
                w[j] = 1.0 if r <= h1 else (1.0 - (r / h) ** 3) ** 3
                if userw:
                    w[j] *= rw[j]
                a += w[j]
            elif X[j] > xs:
                break
            j += 1
        nrt = j - 1
        if a <= 0.0:
            return 0.0, False
        w[nleft : nrt + 1] /= a
        if h > 0.0:
            a = float(np.sum(w[nleft : nrt + 1] * X[nleft : nrt + 1]))
            b = xs - a
            c = float(np.sum(w[nleft : nrt + 1] * (X[nleft : nrt + 1] - a) ** 2))
            if np.sqrt(c) > 0.001 * rng:
                b /= c
                w[nleft : nrt + 1] *= b * (X[nleft : nrt + 1] - a) + 1.0
        return float(np.sum(w[nleft : nrt + 1] * Y[nleft : nrt + 1])), True

    iteration = 1
    while iteration <= iterations + 1:
        nleft, nright, last, i = 1, ns, 0, 1
        while True:
            if nright < n:
                d1 = X[i] - X[nleft]
                d2 = X[nright + 1] - X[i]
                if d1 > d2:
                    nleft += 1
                    nright += 1
                    continue
            value, ok = lowest(X[i], nleft, nright, iteration > 1)
            fit[i] = value if ok else Y[i]
            if last < i - 1:
                denom = X[i] - X[last]
                for j in range(last + 1, i):
                    alpha = (X[j] - X[last]) / denom
                    fit[j] = alpha * fit[i] + (1.0 - alpha) * fit[last]
            last = i
            cut = X[last] + delta
            i = last + 1
            while i <= n:
                if X[i] > cut:
                    break
                if X[i] == X[last]:
                    fit[i] = fit[last]
                    last = i
                i += 1
            i = max(last + 1, i - 1)
            if last >= n:
                break
        res[1:] = Y[1:] - fit[1:]
        sc = np.mean(np.abs(res[1:]))
        if iteration > iterations:
            break
        absres = np.sort(np.abs(res[1:]))
        m1 = n // 2
        cmad = 3.0 * (absres[m1] + absres[n - m1 - 1]) if n % 2 == 0 else 6.0 * absres[m1]
        if cmad < 1e-7 * sc:
            break
        c9, c1 = 0.999 * cmad, 0.001 * cmad
        r = np.abs(res[1:])
        rw[1:] = np.where(r <= c1, 1.0, np.where(r <= c9, (1.0 - (r / cmad) ** 2) ** 2, 0.0))
        iteration += 1
    return fit[1:]
