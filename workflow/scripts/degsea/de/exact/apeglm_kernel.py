"""apeglm's per-gene search compiled with numba: the same steps as :mod:`degsea.de.exact.optim`, one gene at a time.

:func:`lbfgs_genes` runs LBFGS++'s L-BFGS with its strong-Wolfe line search (as
:func:`~degsea.de.exact.optim.lbfgspp` and :func:`~degsea.de.exact.optim.strong_wolfe_search`
do for a batch of rows) on apeglm's scaled objective, and :func:`bfgs_genes` runs R's
``optim(method="BFGS")`` (as :func:`~degsea.de.exact.optim.r_bfgs`) on the unscaled one.
The numpy versions are the readable reference; these kernels follow them branch for branch
and differ only in the order of floating-point sums (the unit tests compare the two).
Compiled code is cached beside this module (numba ``cache=True``, or under ``NUMBA_CACHE_DIR``):
the first process after a change compiles it (about 8 CPU-seconds), later ones load it. The two
entry points release the GIL, so gene blocks run in parallel threads.
"""

from __future__ import annotations

import math

import numba
import numpy as np

_LOG2 = math.log(2.0)
_TINY = np.finfo(float).eps


@numba.njit(cache=True, error_model="numpy")
def _logaddexp(a: float, b: float) -> float:
    """numpy's ``logaddexp`` for two scalars."""
    if a == b:
        return a + _LOG2
    d = a - b
    if d > 0:
        return a + math.log1p(math.exp(-d))
    if d <= 0:
        return b + math.log1p(math.exp(d))
    return d


@numba.njit(cache=True, error_model="numpy")
def _value_grad(b, x, y, log_size, size, offset, sigma2, s2, shrink, grad):
    """Negative log posterior of apeglm's NB model at ``b`` for one gene; the gradient goes to ``grad``."""
    n, p = x.shape
    nll = 0.0
    for k in range(p):
        grad[k] = 0.0
    for j in range(n):
        xb = 0.0
        for k in range(p):
            xb += x[j, k] * b[k]
        eta = xb + offset[j]
        log_se = _logaddexp(log_size, eta)
        ys = y[j] + size
        nll += y[j] * xb - ys * log_se
        resid = y[j] - ys * math.exp(eta - log_se)
        for k in range(p):
            grad[k] -= resid * x[j, k]
    value = -nll
    prior = 0.0
    for k in range(p):
        if k != shrink:
            prior += b[k] * b[k]
            grad[k] += b[k] / sigma2
    bs = b[shrink]
    value += prior / (2 * sigma2) + math.log1p(bs * bs / s2)
    grad[shrink] += 2 * bs / (s2 + bs * bs)
    return value


@numba.njit(cache=True, error_model="numpy")
def _scaled(b, x, y, log_size, size, offset, sigma2, s2, shrink, cnst, grad):
    """apeglm's C++ objective: ``f / cnst + 10`` and its gradient."""
    value = _value_grad(b, x, y, log_size, size, offset, sigma2, s2, shrink, grad)
    for k in range(b.size):
        grad[k] /= cnst
    return value / cnst + 10.0


@numba.njit(cache=True, error_model="numpy")
def _dot(a, b) -> float:
    out = 0.0
    for k in range(a.size):
        out += a[k] * b[k]
    return out


@numba.njit(cache=True, error_model="numpy")
def _norm(a) -> float:
    return math.sqrt(_dot(a, a))


@numba.njit(cache=True, error_model="numpy")
def _wolfe(xp, fx0, grad0, drt, step, x, grad, args, ftol, wolfe, max_linesearch):
    """One strong-Wolfe line search (:func:`~degsea.de.exact.optim.strong_wolfe_search` for one row).

    Writes the new point and gradient to ``x`` and ``grad``; returns (value, failed).
    """
    y, xm, log_size, size, offset, sigma2, s2, shrink, cnst = args
    p = xp.size
    dg0 = _dot(grad0, drt)
    if dg0 > 0:
        x[:] = xp
        grad[:] = grad0
        return fx0, True
    decrease, curvature = ftol * dg0, -wolfe * dg0
    lo_step, lo_f, lo_dg = 0.0, fx0, dg0
    hi_step, hi_f = 0.0, 0.0
    zoom = False
    evaluations = 0
    while True:
        if zoom:
            numerator = (hi_f - lo_f) * lo_step - (hi_step**2 - lo_step**2) * lo_dg / 2
            trial = numerator / ((hi_f - lo_f) - (hi_step - lo_step) * lo_dg)
            if trial > min(lo_step, hi_step) and trial < max(lo_step, hi_step):
                step = trial
            else:
                step = lo_step / 2 + hi_step / 2
        for k in range(p):
            x[k] = xp[k] + step * drt[k]
        f = _scaled(x, xm, y, log_size, size, offset, sigma2, s2, shrink, cnst, grad)
        if evaluations >= max_linesearch:
            return f, False
        evaluations += 1
        dg = _dot(grad, drt)
        rises = f - fx0 > step * decrease
        flat = abs(dg) <= curvature
        if not zoom:
            if rises or (lo_step > 0 and f >= lo_f):
                hi_step, hi_f, zoom = step, f, True
                continue
            if flat:
                return f, False
            hi_step, hi_f = lo_step, lo_f
            lo_step, lo_f, lo_dg = step, f, dg
            if dg >= 0:
                zoom = True
            else:
                step *= 2.0
        elif rises or f >= lo_f:
            if step == hi_step:
                return f, True
            hi_step, hi_f = step, f
        else:
            if flat:
                return f, False
            if dg * (hi_step - lo_step) >= 0:
                hi_step, hi_f = lo_step, lo_f
            if step == lo_step:
                return f, True
            lo_step, lo_f, lo_dg = step, f, dg


@numba.njit(cache=True, error_model="numpy")
def _lbfgs(x, args, m, eps_f, eps_g, eps_rel, maxit, max_linesearch):
    """LBFGS++'s ``LBFGSSolver::minimize`` for one gene (:func:`~degsea.de.exact.optim.lbfgspp` for one row).

    ``x`` is updated in place; returns whether the search ended without an error.
    """
    y, xm, log_size, size, offset, sigma2, s2, shrink, cnst = args
    p = x.size
    grad = np.empty(p)
    fx = _scaled(x, xm, y, log_size, size, offset, sigma2, s2, shrink, cnst, grad)
    if not np.isfinite(fx):
        return False
    if _norm(grad) <= max(eps_g, eps_rel * _norm(x)):
        return True
    s_hist = np.zeros((m, p))
    y_hist = np.zeros((m, p))
    n_hist = 0
    drt = -grad
    step = 1.0 / _norm(drt)
    xp = np.empty(p)
    gp = np.empty(p)
    s = np.empty(p)
    yv = np.empty(p)
    alphas = np.zeros(m)
    for _ in range(maxit):
        xp[:] = x
        gp[:] = grad
        fp = fx
        fx, failed = _wolfe(xp, fp, gp, drt, step, x, grad, args, 1e-4, 0.9, max_linesearch)
        if failed:
            return False
        if _norm(grad) <= max(eps_g, eps_rel * _norm(x)):
            return True
        if abs(fp - fx) <= eps_f * max(max(abs(fx), abs(fp)), 1.0):
            return True
        for k in range(p):
            s[k] = x[k] - xp[k]
            yv[k] = grad[k] - gp[k]
        if _dot(s, yv) > _TINY * _dot(yv, yv):
            for j in range(m - 1):
                s_hist[j] = s_hist[j + 1]
                y_hist[j] = y_hist[j + 1]
            s_hist[m - 1] = s
            y_hist[m - 1] = yv
            n_hist = min(n_hist + 1, m)
        # two-loop recursion over the valid (newest n_hist) pairs: drt = -H g
        first = m - n_hist
        for k in range(p):
            drt[k] = -grad[k]
        for j in range(m - 1, first - 1, -1):
            alphas[j] = _dot(s_hist[j], drt) / _dot(y_hist[j], s_hist[j])
            for k in range(p):
                drt[k] -= alphas[j] * y_hist[j, k]
        if n_hist > 0:
            scale = _dot(y_hist[m - 1], s_hist[m - 1]) / _dot(y_hist[m - 1], y_hist[m - 1])
            for k in range(p):
                drt[k] *= scale
        for j in range(first, m):
            beta = _dot(y_hist[j], drt) / _dot(y_hist[j], s_hist[j])
            for k in range(p):
                drt[k] += (alphas[j] - beta) * s_hist[j, k]
        step = 1.0
    return True


@numba.njit(cache=True, error_model="numpy", nogil=True)
def lbfgs_genes(y, x, size, offset, start, sigma2, s2, shrink, cnst):
    """apeglm's L-BFGS from ``start`` for every gene: end points (G x p) and whether each ended without an error.

    The search and its stops are :func:`~degsea.de.exact.optim.lbfgspp`'s defaults as apeglm
    calls it (``maxit=300, eps_f=1e-8, eps_g=1e-8``; LBFGS++'s ``epsilon_rel=1e-8``, 6 corrections,
    at most 100 line-search evaluations) on ``f / cnst + 10``.
    """
    n_genes, p = y.shape[0], x.shape[1]
    beta = np.empty((n_genes, p))
    ok = np.empty(n_genes, dtype=np.bool_)
    for g in range(n_genes):
        b = start.copy()
        args = (y[g], x, math.log(size[g]), size[g], offset[g], sigma2, s2, shrink, cnst[g])
        ok[g] = _lbfgs(b, args, 6, 1e-8, 1e-8, 1e-8, 300, 100)
        beta[g] = b
    return beta, ok


@numba.njit(cache=True, error_model="numpy")
def _bfgs(b, args, shift, maxit, reltol):
    """R's ``vmmin`` on ``f - shift`` for one gene (:func:`~degsea.de.exact.optim.r_bfgs`); ``b`` in place."""
    y, xm, log_size, size, offset, sigma2, s2, shrink = args
    n = b.size
    grad = np.empty(n)
    trial_grad = np.empty(n)
    f = _value_grad(b, xm, y, log_size, size, offset, sigma2, s2, shrink, grad) - shift
    if not np.isfinite(f):
        return False
    fmin = f
    gradcount, iteration, last_reset = 1, 1, 1
    inv_hess = np.eye(n)
    x0 = np.empty(n)
    g0 = np.empty(n)
    direction = np.empty(n)
    while True:
        if last_reset == gradcount:
            inv_hess[:] = 0.0
            for i in range(n):
                inv_hess[i, i] = 1.0
        x0[:] = b
        g0[:] = grad
        for i in range(n):
            acc = 0.0
            for k in range(n):
                acc += inv_hess[i, k] * grad[k]
            direction[i] = -acc
        slope = _dot(direction, grad)
        if slope < 0.0:
            step, accepted = 1.0, False
            while True:
                unchanged = 0
                for i in range(n):
                    b[i] = x0[i] + step * direction[i]
                    if 10.0 + x0[i] == 10.0 + b[i]:
                        unchanged += 1
                if unchanged < n:
                    f = _value_grad(b, xm, y, log_size, size, offset, sigma2, s2, shrink, trial_grad) - shift
                    accepted = np.isfinite(f) and f <= fmin + slope * step * 1e-4
                    if not accepted:
                        step *= 0.2
                if unchanged == n or accepted:
                    break
            if not abs(f - fmin) > reltol * (abs(fmin) + reltol):
                unchanged, fmin = n, f
            if unchanged < n:
                fmin = f
                grad[:] = trial_grad
                gradcount += 1
                iteration += 1
                s_vec = step * direction
                y_vec = grad - g0
                d1 = _dot(s_vec, y_vec)
                if d1 > 0:
                    hy = inv_hess @ y_vec
                    d2 = 1.0 + _dot(hy, y_vec) / d1
                    for i in range(n):
                        for k in range(n):
                            inv_hess[i, k] += (d2 * s_vec[i] * s_vec[k] - hy[i] * s_vec[k] - s_vec[i] * hy[k]) / d1
                else:
                    last_reset = gradcount
            elif last_reset < gradcount:
                unchanged, last_reset = 0, gradcount
        else:
            unchanged = n if last_reset == gradcount else 0
            last_reset = gradcount
        if iteration >= maxit:
            return False
        if gradcount - last_reset > 2 * n:
            last_reset = gradcount
        if unchanged == n and last_reset == gradcount:
            return True


@numba.njit(cache=True, error_model="numpy", nogil=True)
def bfgs_genes(y, x, size, offset, beta, sigma2, s2, shrink):
    """R's BFGS on apeglm's unscaled objective for every row of ``beta`` (updated in place).

    As apeglm, the objective is shifted to -1 at each gene's start (this sets the scale of R's
    relative stop). Returns whether each search stopped before ``maxit`` (100) iterations.
    """
    n_genes, p = beta.shape
    converged = np.empty(n_genes, dtype=np.bool_)
    grad = np.empty(p)
    for g in range(n_genes):
        args = (y[g], x, math.log(size[g]), size[g], offset[g], sigma2, s2, shrink)
        shift = _value_grad(beta[g], x, y[g], math.log(size[g]), size[g], offset[g], sigma2, s2, shrink, grad) + 1.0
        b = beta[g].copy()
        converged[g] = _bfgs(b, args, shift, 100, 1.4901161193847656e-08)
        beta[g] = b
    return converged
