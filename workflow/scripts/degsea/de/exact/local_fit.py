"""DESeq2's local dispersion trend (``fitType = "local"``): R's ``locfit`` as DESeq2 calls it.

DESeq2's ``localDispersionFit`` fits ``locfit(log(disp) ~ log(mean), weights = mean)`` on the
genes whose gene-wise dispersion is at least ``10 * minDisp`` and evaluates
``exp(predict(fit, log(means)))``. locfit's defaults are reproduced here:

* local quadratic regression (basis 1, dx, dx^2 / 2), tricube kernel, nearest-neighbour
  bandwidth: at a fitting point x0 the bandwidth h is the k-th smallest |x - x0| with
  ``k = floor(0.7 n)``; the weights are ``tricube(|x - x0| / h) * mean``;
* the fit is evaluated on locfit's adaptive tree: the vertices start at the data range and a
  cell is halved while its length exceeds ``0.8`` times the smaller bandwidth of its two
  vertices; between vertices the value is the cubic Hermite interpolant of the vertex
  values and slopes (outside the data range: linear from the end vertex);
* locfit's parametric component: a global quadratic (prior weights only, centred at the
  weighted mean of x) is subtracted at the vertices and added back at evaluation, which only
  changes values outside the data range.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: locfit defaults used by DESeq2.
NN_ALPHA = 0.7
CUT = 0.8


def _tricube(u: np.ndarray) -> np.ndarray:
    out = np.zeros_like(u)
    inside = u < 1.0
    out[inside] = (1.0 - u[inside] ** 3) ** 3
    return out


def _local_quadratic(x: np.ndarray, y: np.ndarray, w: np.ndarray, x0: float, k: int) -> tuple[float, float, float]:
    """Value, slope and bandwidth of locfit's local quadratic at ``x0``."""
    dist = np.abs(x - x0)
    h = float(np.partition(dist, k - 1)[k - 1]) if k < len(x) else float(dist.max() * (k / len(x)))
    kw = _tricube(dist / h) * w if h > 0 else (dist == 0) * w
    dx = x - x0
    basis = np.column_stack([np.ones_like(dx), dx, dx * dx / 2.0])
    xtw = basis.T * kw
    coef = np.linalg.solve(xtw @ basis, xtw @ y)
    return float(coef[0]), float(coef[1]), h


@dataclass(frozen=True)
class LocalTrend:
    """A fitted locfit trend: vertices (sorted), their values and slopes, and the global quadratic.

    ``values`` and ``slopes`` are those of the local fit minus the parametric component
    ``pc`` (coefficients on 1, x - xbar, (x - xbar)^2 / 2).
    """

    vertices: np.ndarray
    values: np.ndarray
    slopes: np.ndarray
    xbar: float
    pc: np.ndarray

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """The trend at ``x`` (log scale in, log scale out), as locfit's ``predict``."""
        x = np.asarray(x, dtype=float)
        v = self.vertices
        i = np.clip(np.searchsorted(v, x, side="right") - 1, 0, len(v) - 2)
        lo, hi = v[i], v[i + 1]
        z = hi - lo
        t = (x - lo) / z
        below, above = t < 0, t > 1
        phi1 = t * t * (3 - 2 * t)
        phi0 = 1 - phi1
        phi2 = t * (1 - t) * (1 - t)
        phi3 = t * t * (t - 1)
        phi0 = np.where(below, 1.0, np.where(above, 0.0, phi0))
        phi1 = np.where(below, 0.0, np.where(above, 1.0, phi1))
        phi2 = np.where(below, t, np.where(above, 0.0, phi2))
        phi3 = np.where(below, 0.0, np.where(above, t - 1, phi3))
        out = (
            phi0 * self.values[i] + phi1 * self.values[i + 1] + (phi2 * self.slopes[i] + phi3 * self.slopes[i + 1]) * z
        )
        dx = x - self.xbar
        return out + self.pc[0] + self.pc[1] * dx + self.pc[2] * dx * dx / 2.0

    def as_arrays(self) -> dict[str, np.ndarray]:
        """The trend as plain arrays (to store in ``dds.uns``)."""
        return {
            "vertices": self.vertices,
            "values": self.values,
            "slopes": self.slopes,
            "pc": np.concatenate([[self.xbar], self.pc]),
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> LocalTrend:
        """Inverse of :meth:`as_arrays`."""
        pc = np.asarray(arrays["pc"], dtype=float)
        return cls(
            np.asarray(arrays["vertices"], float),
            np.asarray(arrays["values"], float),
            np.asarray(arrays["slopes"], float),
            float(pc[0]),
            pc[1:],
        )


def fit_locfit(x: np.ndarray, y: np.ndarray, w: np.ndarray, *, alpha: float = NN_ALPHA, cut: float = CUT) -> LocalTrend:
    """locfit's default local quadratic fit of ``y`` on ``x`` with prior weights ``w``.

    Returns
    -------
    LocalTrend
        Callable on new ``x``.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    w = np.asarray(w, dtype=float)
    n = len(x)
    k = int(n * alpha + 1e-12)
    xbar = float(np.sum(w * x) / np.sum(w))
    dxb = x - xbar
    basis = np.column_stack([np.ones(n), dxb, dxb * dxb / 2.0])
    xtw = basis.T * w
    pc = np.linalg.solve(xtw @ basis, xtw @ y)

    fits: dict[float, tuple[float, float, float]] = {}

    def fit_at(x0: float) -> tuple[float, float, float]:
        if x0 not in fits:
            value, slope, h = _local_quadratic(x, y, w, x0, k)
            d0 = x0 - xbar
            fits[x0] = (value - (pc[0] + pc[1] * d0 + pc[2] * d0 * d0 / 2.0), slope - (pc[1] + pc[2] * d0), h)
        return fits[x0]

    lo, hi = float(x.min()), float(x.max())
    span = hi - lo
    stack = [(lo, hi)]
    while stack:
        a, b = stack.pop()
        ha, hb = fit_at(a)[2], fit_at(b)[2]
        positive = [h for h in (ha, hb) if h > 0]
        score = (b - a) / min(positive) if positive else 2 * (b - a) / span
        if score > cut:
            m = (a + b) / 2
            fit_at(m)
            stack.extend([(m, b), (a, m)])
    vertices = np.array(sorted(fits))
    values = np.array([fits[v][0] for v in vertices])
    slopes = np.array([fits[v][1] for v in vertices])
    return LocalTrend(vertices, values, slopes, xbar, pc)


def local_dispersion_trend(means: np.ndarray, disps: np.ndarray, *, min_disp: float) -> LocalTrend | None:
    """DESeq2's ``localDispersionFit`` on the genes used for the trend.

    Returns
    -------
    LocalTrend or None
        The trend on the log scale (``exp(trend(log(mean)))`` is the fitted dispersion);
        None when every dispersion is below ``10 * min_disp`` (DESeq2 then uses ``min_disp``).
    """
    means = np.asarray(means, dtype=float)
    disps = np.asarray(disps, dtype=float)
    if np.all(disps < min_disp * 10):
        return None
    use = disps >= min_disp * 10
    return fit_locfit(np.log(means[use]), np.log(disps[use]), means[use])
