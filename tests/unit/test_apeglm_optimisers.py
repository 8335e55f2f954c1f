"""The optimisers that replay apeglm's search path (degsea.de.exact.optim): LBFGS++ and R's BFGS."""

from __future__ import annotations

import numpy as np
import pytest

from degsea.de.exact import apeglm, apeglm_kernel, optim

#: R 4.2.2: optim(c(-1.2, 1), fr, grr, method = "BFGS") on Rosenbrock's function (digits = 17);
#: counts: function 110, gradient 43.
R_BFGS_ROSENBROCK = [0.99999999690491403, 0.99999999379741900]


def _rosenbrock(b: np.ndarray) -> tuple[float, np.ndarray]:
    value = 100 * (b[1] - b[0] ** 2) ** 2 + (1 - b[0]) ** 2
    grad = np.array([-400 * b[0] * (b[1] - b[0] ** 2) - 2 * (1 - b[0]), 200 * (b[1] - b[0] ** 2)])
    return float(value), grad


def _rosenbrock_rows(b: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    out = [_rosenbrock(r) for r in b]
    return np.array([v for v, _ in out]), np.array([g for _, g in out])


def test_r_bfgs_follows_r_optim_step_by_step():
    calls = []

    def counted(b):
        calls.append(b.copy())
        return _rosenbrock(b)

    b, converged = optim.r_bfgs(counted, np.array([-1.2, 1.0]))
    assert converged
    np.testing.assert_allclose(b, R_BFGS_ROSENBROCK, rtol=1e-14)
    assert len(calls) == 110


def test_r_bfgs_reports_hitting_maxit():
    b, converged = optim.r_bfgs(_rosenbrock, np.array([-1.2, 1.0]), maxit=5)
    assert not converged
    assert abs(b[0] - 1) > 0.1


def test_strong_wolfe_search_brackets_and_zooms():
    """On (x - 10)^2 from 0 (curvature constant 0.1) the step doubles to 16, then the zoom's quadratic hits 10.

    Backtracking (LBFGS++'s other line search) would instead grow the step by 2.1 from 1.
    """
    seen = []

    def fun(x, rows):
        seen.append(float(x[0, 0]))
        return (x[:, 0] - 10) ** 2, 2 * (x - 10)

    x0 = np.zeros((1, 1))
    x, fx, grad, failed = optim.strong_wolfe_search(
        fun,
        x0,
        np.array([100.0]),
        np.array([[-20.0]]),
        np.ones((1, 1)),
        np.array([1.0]),
        np.array([0]),
        wolfe=0.1,
    )
    assert seen == [1.0, 2.0, 4.0, 8.0, 16.0, 10.0]
    assert x[0, 0] == 10.0 and fx[0] == 0.0 and not failed[0]


def test_strong_wolfe_search_fails_uphill():
    def fun(x, rows):
        return x[:, 0] ** 2, 2 * x

    x, _, _, failed = optim.strong_wolfe_search(
        fun, np.ones((1, 1)), np.array([1.0]), np.array([[2.0]]), np.ones((1, 1)), np.array([1.0]), np.array([0])
    )
    assert failed[0] and x[0, 0] == 1.0


def test_lbfgs_rows_are_independent_and_converge():
    starts = np.array([[-1.2, 1.0], [0.0, 0.0], [2.0, 2.0]])
    together, ok = optim.lbfgspp(_rosenbrock_rows, starts)
    assert ok.all()
    np.testing.assert_allclose(together, 1.0, atol=1e-4)
    for i, start in enumerate(starts):
        alone, ok_alone = optim.lbfgspp(_rosenbrock_rows, start[None])
        assert ok_alone[0]
        np.testing.assert_array_equal(alone[0], together[i])


def test_lbfgs_stops_on_relative_change_of_the_objective():
    """The +10 apeglm adds to its scaled objective makes the relative stop test loose."""
    starts = np.array([[-1.2, 1.0]])

    def shifted(b, rows):
        v, g = _rosenbrock_rows(b, rows)
        return v + 10.0, g

    plain, _ = optim.lbfgspp(_rosenbrock_rows, starts)
    loose, ok = optim.lbfgspp(shifted, starts)
    assert ok[0]
    assert np.abs(plain - 1).max() < 1e-4
    assert np.abs(loose - 1).max() > np.abs(plain - 1).max()


@pytest.mark.parametrize("scale", [0.037, 1.0])
def test_apeglm_map_stops_where_the_scaled_objective_is_flat(scale):
    """apeglm's search runs on f / max(f(0), 1) + 10 and stops on small changes of that."""
    rng = np.random.default_rng(3)
    x = np.column_stack([np.ones(8), [0, 0, 0, 0, 1, 1, 1, 1.0]])
    y = rng.negative_binomial(10, 10 / (10 + np.array([50, 50, 50, 50, 120, 120, 120, 120.0])), (20, 8)).astype(float)
    size, offset = np.full(20, 10.0), np.zeros((20, 8))
    beta, sd, converged = apeglm.apeglm_map(y, x, size, offset, shrink=1, prior_scale=scale)
    assert converged.all()
    args = (x, y, size, offset, 225.0, scale**2, 1)
    _, grad, _ = apeglm._apeglm_objective(beta, *args)
    cnst = np.maximum(apeglm._apeglm_objective(np.zeros_like(beta), *args)[0], 1.0)
    assert np.abs(grad / cnst[:, None]).max() < 1e-3
    assert np.abs(beta[:, 1]).max() > 0.3  # the two groups differ by log(120 / 50) = 0.88
    assert np.isfinite(sd).all() and (sd > 0).all()


def _apeglm_problem(n_genes: int = 400, seed: int = 5):
    """Simulated NB genes, 3 groups x 4 samples, and apeglm's arguments with a small prior scale."""
    rng = np.random.default_rng(seed)
    group = np.repeat([0, 1, 2], 4)
    x = np.column_stack([np.ones(12), group == 1, group == 2]).astype(float)
    mu = np.exp(rng.normal(3, 2, n_genes))[:, None] * np.exp(np.outer(rng.normal(0, 1, n_genes), x[:, 1]))
    size = 1 / (0.05 + 1 / mu.mean(axis=1))
    y = rng.negative_binomial(size[:, None], size[:, None] / (size[:, None] + mu)).astype(float)
    keep = y.sum(axis=1) > 0
    offset = np.tile(rng.normal(0, 0.1, 12), (int(keep.sum()), 1))
    return y[keep], x, size[keep], offset, 225.0, 0.2**2, 1


def test_compiled_lbfgs_replays_the_numpy_reference():
    """apeglm_kernel.lbfgs_genes ends where optim.lbfgspp ends, gene by gene, in 1 or 3 threads."""
    y, x, size, offset, sigma2, s2, shrink = _apeglm_problem()
    start = np.array([0.1, -0.1, 0.1])
    cnst = np.maximum(apeglm._apeglm_value_grad(np.zeros((len(y), 3)), x, y, size, offset, sigma2, s2, shrink)[0], 1.0)

    def scaled(b, rows):
        v, g = apeglm._apeglm_value_grad(b, x, y[rows], size[rows], offset[rows], sigma2, s2, shrink)
        return v / cnst[rows] + 10.0, g / cnst[rows, None]

    reference, ok_ref = optim.lbfgspp(scaled, np.tile(start, (len(y), 1)))
    for threads in (1, 3):
        compiled, ok = apeglm._lbfgs_map(y, x, size, offset, start, sigma2, s2, shrink, threads=threads)
        assert (ok == ok_ref).all()
        np.testing.assert_allclose(compiled, reference, rtol=0, atol=1e-9)


def test_compiled_bfgs_replays_r_bfgs():
    """apeglm_kernel.bfgs_genes follows optim.r_bfgs on apeglm's objective shifted to -1 at the start.

    The two sum the log likelihood in a different order; where the search ends on a flat
    stretch, that rounding can move its last steps: the end values agree to 1e-10 (relative),
    the end points to 1e-4, and nearly all genes' end points to 1e-7.
    """
    y, x, size, offset, sigma2, s2, shrink = _apeglm_problem(n_genes=60)
    start = np.tile([0.5, 0.3, -0.2], (len(y), 1))
    compiled = start.copy()
    converged = apeglm_kernel.bfgs_genes(y, x, size, offset, compiled, sigma2, s2, shrink)
    close = 0
    for g in range(len(y)):
        args = (x, y[g : g + 1], size[g : g + 1], offset[g : g + 1], sigma2, s2, shrink)
        shift = float(apeglm._apeglm_value_grad(start[g][None], *args)[0][0]) + 1.0

        def fun(b, args=args, shift=shift):
            v, grad = apeglm._apeglm_value_grad(b[None], *args)
            return float(v[0]) - shift, grad[0]

        reference, ok = optim.r_bfgs(fun, start[g])
        assert converged[g] == ok
        np.testing.assert_allclose(fun(compiled[g])[0], fun(reference)[0], rtol=1e-10)
        np.testing.assert_allclose(compiled[g], reference, rtol=0, atol=1e-4)
        close += bool(np.abs(compiled[g] - reference).max() <= 1e-7)
    assert close >= len(y) - 2
