"""The optimisers that replay apeglm's search path (degsea.de.exact.optim): LBFGS++ and R's BFGS."""

from __future__ import annotations

import numpy as np
import pytest

from degsea.de.exact import apeglm, optim

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
        fun, x0, np.array([100.0]), np.array([[-20.0]]), np.ones((1, 1)), np.array([1.0]), np.array([0]),
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
