"""Replays of the optimisers whose search paths DESeq2 and apeglm results depend on.

* :func:`strong_wolfe_search` and :func:`lbfgspp`: LBFGS++ (0.2 and newer, in RcppNumerical),
  apeglm's C++ optimiser;
* :func:`r_bfgs`: R's ``optim(method="BFGS")`` (``vmmin``);
* :func:`r_optim_lbfgsb`: R's ``optim(method="L-BFGS-B")`` settings on scipy's L-BFGS-B, with
  R's finite-difference gradient.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.optimize import minimize

#: R's optim finite-difference step (``ndeps``).
OPTIM_NDEPS = 1e-3
#: R's optim defaults for L-BFGS-B: lmm = 5, factr = 1e7, pgtol = 0, maxit = 100.
R_LBFGSB_OPTIONS = {"maxcor": 5, "ftol": 1e7 * np.finfo(float).eps, "gtol": 0.0, "maxiter": 100}


def r_optim_lbfgsb(
    objective: Callable[[np.ndarray], float], start: np.ndarray, *, lower: float, upper: float
) -> tuple[np.ndarray, bool]:
    """Minimise ``objective`` within [lower, upper] as R's ``optim(method="L-BFGS-B")`` without ``gr``.

    The gradient is R's: central differences with ``ndeps = 1e-3``, one-sided at a bound.
    Returns the end point and whether the search converged.
    """

    def gradient(b: np.ndarray) -> np.ndarray:
        grad = np.empty_like(b)
        for j in range(b.size):
            up, down = b.copy(), b.copy()
            up[j] = min(b[j] + OPTIM_NDEPS, upper)
            down[j] = max(b[j] - OPTIM_NDEPS, lower)
            grad[j] = (objective(up) - objective(down)) / (up[j] - down[j])
        return grad

    start = np.asarray(start, dtype=float)
    bounds = [(lower, upper)] * start.size
    res = minimize(objective, start, jac=gradient, method="L-BFGS-B", bounds=bounds, options=R_LBFGSB_OPTIONS)
    return res.x, bool(res.success)


def strong_wolfe_search(
    fun,
    xp: np.ndarray,
    fx0: np.ndarray,
    grad0: np.ndarray,
    drt: np.ndarray,
    step: np.ndarray,
    idx: np.ndarray,
    *,
    ftol: float = 1e-4,
    wolfe: float = 0.9,
    max_linesearch: int = 100,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Step along ``drt`` to a point meeting the strong Wolfe conditions, for a batch of problems.

    The bracketing-and-zoom search of Nocedal & Wright (2006, algorithms 3.5 and 3.6) as
    LBFGS++ (0.2 and newer) runs it by default, for each row independently: the trial step
    doubles until the sufficient-decrease test fails, the value rises over the last accepted
    trial or the slope turns non-negative; the bracket is then narrowed at the minimum of
    the quadratic through both ends' values and the low end's slope (its midpoint when that
    falls outside). After ``max_linesearch`` evaluations the last trial point is taken as it
    is. A row fails (LBFGS++ throws) when its direction is uphill or the zoom repeats a step.

    Returns
    -------
    tuple
        New points, values, gradients, and the rows that failed (their point is the last trial).
    """
    n = xp.shape[0]
    dg0 = np.einsum("gi,gi->g", grad0, drt)
    decrease, curvature = ftol * dg0, -wolfe * dg0
    step = step.astype(float).copy()
    lo_step, lo_f, lo_dg = np.zeros(n), fx0.copy(), dg0.copy()
    hi_step, hi_f = np.zeros(n), np.zeros(n)
    zoom = np.zeros(n, dtype=bool)
    evaluations = np.zeros(n, dtype=int)
    failed = dg0 > 0
    done = failed.copy()
    x, fx, grad = xp.copy(), fx0.copy(), grad0.copy()
    while not done.all():
        act = np.flatnonzero(~done)
        z = act[zoom[act]]
        if z.size:
            numerator = (hi_f[z] - lo_f[z]) * lo_step[z] - (hi_step[z] ** 2 - lo_step[z] ** 2) * lo_dg[z] / 2
            with np.errstate(divide="ignore", invalid="ignore"):
                trial = numerator / ((hi_f[z] - lo_f[z]) - (hi_step[z] - lo_step[z]) * lo_dg[z])
            inside = (trial > np.minimum(lo_step[z], hi_step[z])) & (trial < np.maximum(lo_step[z], hi_step[z]))
            step[z] = np.where(inside, trial, lo_step[z] / 2 + hi_step[z] / 2)
        x[act] = xp[act] + step[act, None] * drt[act]
        fx[act], grad[act] = fun(x[act], idx[act])
        out = evaluations[act] >= max_linesearch
        done[act[out]] = True
        act = act[~out]
        evaluations[act] += 1
        dg = np.einsum("gi,gi->g", grad[act], drt[act])
        f, st = fx[act], step[act]
        rises = f - fx0[act] > st * decrease[act]
        flat = np.abs(dg) <= curvature[act]
        inz = zoom[act]
        # bracketing phase
        br = ~inz
        to_hi = br & (rises | ((lo_step[act] > 0) & (f >= lo_f[act])))
        sel = act[to_hi]
        hi_step[sel], hi_f[sel], zoom[sel] = st[to_hi], f[to_hi], True
        accept = br & ~to_hi & flat
        done[act[accept]] = True
        grow = br & ~to_hi & ~flat
        sel = act[grow]
        hi_step[sel], hi_f[sel] = lo_step[sel], lo_f[sel]
        lo_step[sel], lo_f[sel], lo_dg[sel] = st[grow], f[grow], dg[grow]
        turn = grow & (dg >= 0)
        zoom[act[turn]] = True
        more = grow & ~(dg >= 0)
        step[act[more]] *= 2.0
        # zoom phase
        high = inz & (rises | (f >= lo_f[act]))
        bad = high & (st == hi_step[act])
        failed[act[bad]] = done[act[bad]] = True
        sel = act[high & ~bad]
        hi_step[sel], hi_f[sel] = step[sel], fx[sel]
        low = inz & ~high
        accept = low & flat
        done[act[accept]] = True
        low = low & ~flat
        swap = low & (dg * (hi_step[act] - lo_step[act]) >= 0)
        sel = act[swap]
        hi_step[sel], hi_f[sel] = lo_step[sel], lo_f[sel]
        bad = low & (st == lo_step[act])
        failed[act[bad]] = done[act[bad]] = True
        keep = low & ~bad
        sel = act[keep]
        lo_step[sel], lo_f[sel], lo_dg[sel] = st[keep], f[keep], dg[keep]
    # an uphill direction fails before any trial: the point stays
    up = dg0 > 0
    x[up], fx[up], grad[up] = xp[up], fx0[up], grad0[up]
    return x, fx, grad, failed


def lbfgspp(
    fun,
    x: np.ndarray,
    *,
    m: int = 6,
    eps_f: float = 1e-8,
    eps_g: float = 1e-8,
    eps_rel: float = 1e-8,
    maxit: int = 300,
    max_linesearch: int = 100,
) -> tuple[np.ndarray, np.ndarray]:
    """Minimise ``fun(x, rows)`` (values, gradients of those rows) row by row, as LBFGS++'s ``LBFGSSolver::minimize``.

    ``x`` is G x p: G independent problems searched in step. Each row follows LBFGS++ with
    its default line search (:func:`strong_wolfe_search`; LBFGS++ 0.2 and newer, bundled
    by RcppNumerical 0.5 and newer): the first step has unit length along the negative
    gradient, later ones start at 1 along the two-loop L-BFGS direction (6 corrections,
    a pair kept when s'y > eps y'y). A row stops when its gradient norm is at most
    ``max(eps_g, eps_rel * |x|)``, when its objective changes by at most
    ``eps_f * max(|f|, |f_prev|, 1)`` in one iteration, or after ``maxit`` iterations.
    Returns the end points and whether each row ended without an error.
    """
    x = np.array(x, dtype=float)
    n, p = x.shape
    every = np.arange(n)
    fx, grad = fun(x, every)
    ok = np.isfinite(fx)
    gnorm = np.linalg.norm(grad, axis=1)
    active = ok & ~(gnorm <= np.maximum(eps_g, eps_rel * np.linalg.norm(x, axis=1)))
    s_hist = np.zeros((n, m, p))
    y_hist = np.zeros((n, m, p))
    n_hist = np.zeros(n, dtype=int)
    drt = -grad
    step = np.zeros(n)
    step[active] = 1.0 / np.linalg.norm(drt[active], axis=1)
    tiny = np.finfo(float).eps
    for _ in range(maxit):
        a = np.flatnonzero(active)
        if a.size == 0:
            break
        xp, gp, fp = x[a], grad[a], fx[a]
        xa, fa, ga, failed = strong_wolfe_search(fun, xp, fp, gp, drt[a], step[a], a, max_linesearch=max_linesearch)
        x[a], fx[a], grad[a] = xa, fa, ga
        ok[a[failed]] = False
        stop = failed | (np.linalg.norm(ga, axis=1) <= np.maximum(eps_g, eps_rel * np.linalg.norm(xa, axis=1)))
        stop |= np.abs(fp - fa) <= eps_f * np.maximum(np.maximum(np.abs(fa), np.abs(fp)), 1.0)
        active[a[stop]] = False
        a, xp, gp = a[~stop], xp[~stop], gp[~stop]
        s, yv = x[a] - xp, grad[a] - gp
        add = np.einsum("gi,gi->g", s, yv) > tiny * np.einsum("gi,gi->g", yv, yv)
        sel = a[add]
        # history in chronological order, newest in the last slot
        s_hist[sel] = np.concatenate([s_hist[sel, 1:], s[add, None]], axis=1)
        y_hist[sel] = np.concatenate([y_hist[sel, 1:], yv[add, None]], axis=1)
        n_hist[sel] = np.minimum(n_hist[sel] + 1, m)
        # two-loop recursion: drt = -H g
        S, Y, k = s_hist[a], y_hist[a], n_hist[a]
        ys = np.einsum("gji,gji->gj", Y, S)
        valid = np.arange(m)[None, :] >= (m - k)[:, None]
        ys_safe = np.where(valid, ys, 1.0)
        q = -grad[a]
        alphas = np.zeros((a.size, m))
        for j in range(m - 1, -1, -1):
            alphas[:, j] = np.where(valid[:, j], np.einsum("gi,gi->g", S[:, j], q) / ys_safe[:, j], 0.0)
            q = q - alphas[:, j, None] * Y[:, j]
        yy = np.einsum("gi,gi->g", Y[:, -1], Y[:, -1])
        q = q * np.where(k > 0, ys[:, -1] / np.where(k > 0, yy, 1.0), 1.0)[:, None]
        for j in range(m):
            beta = np.where(valid[:, j], np.einsum("gi,gi->g", Y[:, j], q) / ys_safe[:, j], 0.0)
            q = q + (alphas[:, j] - beta)[:, None] * S[:, j]
        drt[a] = q
        step[a] = 1.0
    return x, ok


def r_bfgs(fun, x: np.ndarray, *, maxit: int = 100, reltol: float = 1.4901161193847656e-08) -> tuple[np.ndarray, bool]:
    """Minimise ``fun`` (returning value, gradient) as R's ``optim(method="BFGS")`` does.

    R's variable-metric method (``vmmin``, defaults ``maxit=100``, ``reltol=sqrt(eps)``): a
    full inverse-Hessian BFGS update, a backtracking line search from step 1 that shrinks
    by 0.2 until the value falls by at least 1e-4 of the predicted decrease, a reset to the
    identity when the update would lose positive curvature or the direction is uphill, and
    a stop when a step changes no coordinate or the value by at most ``reltol`` (relative).
    apeglm runs it on genes whose two L-BFGS runs disagree. Returns the end point and
    whether it stopped before ``maxit`` iterations.
    """
    n = x.size
    b = np.array(x, dtype=float)
    f, grad = fun(b)
    if not np.isfinite(f):
        return b, False
    fmin = f
    gradcount, iteration, last_reset = 1, 1, 1
    inv_hess = np.eye(n)
    while True:
        if last_reset == gradcount:
            inv_hess = np.eye(n)
        x0, g0 = b.copy(), grad.copy()
        direction = -inv_hess @ grad
        slope = float(direction @ grad)
        if slope < 0.0:
            step, accepted = 1.0, False
            while True:
                b = x0 + step * direction
                unchanged = int(np.sum(10.0 + x0 == 10.0 + b))
                if unchanged < n:
                    f, trial_grad = fun(b)
                    accepted = bool(np.isfinite(f)) and f <= fmin + slope * step * 1e-4
                    if not accepted:
                        step *= 0.2
                if unchanged == n or accepted:
                    break
            if not abs(f - fmin) > reltol * (abs(fmin) + reltol):
                unchanged, fmin = n, f
            if unchanged < n:
                fmin, grad = f, trial_grad
                gradcount += 1
                iteration += 1
                s_vec = step * direction
                y_vec = grad - g0
                d1 = float(s_vec @ y_vec)
                if d1 > 0:
                    hy = inv_hess @ y_vec
                    d2 = 1.0 + float(hy @ y_vec) / d1
                    inv_hess = inv_hess + (d2 * np.outer(s_vec, s_vec) - np.outer(hy, s_vec) - np.outer(s_vec, hy)) / d1
                else:
                    last_reset = gradcount
            elif last_reset < gradcount:
                unchanged, last_reset = 0, gradcount
        else:
            unchanged = n if last_reset == gradcount else 0
            last_reset = gradcount
        if iteration >= maxit:
            return b, False
        if gradcount - last_reset > 2 * n:
            last_reset = gradcount
        if unchanged == n and last_reset == gradcount:
            return b, True
