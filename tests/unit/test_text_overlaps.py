"""degsea.plots.text_overlaps: adjustText's label-against-points shifts, found without the quadratic comparison."""

from __future__ import annotations

import adjustText
import numpy as np
import pytest

from degsea.plots.text_overlaps import linear_static_shifts, static_shifts


def _boxes(rng: np.random.Generator, n: int, *, width: float, height: float) -> np.ndarray:
    """``n`` boxes (xmin, xmax, ymin, ymax) of the given size at random places in [0, 100]^2."""
    corner = rng.uniform(0, 100, size=(n, 2))
    return np.column_stack([corner[:, 0], corner[:, 0] + width, corner[:, 1], corner[:, 1] + height])


@pytest.mark.parametrize(("labels", "points"), [(19, 969), (40, 3000), (1, 1), (0, 50), (7, 0)])
def test_static_shifts_equal_adjusttexts_own(labels: int, points: int) -> None:
    rng = np.random.default_rng(labels * 1000 + points)
    coords = _boxes(rng, labels, width=15.0, height=3.0)
    extra = _boxes(rng, points, width=1.0, height=1.0)
    ours = static_shifts(coords, extra)
    theirs = adjustText.get_shifts_extra(coords, extra)
    assert len(ours) == 2
    for mine, reference in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(mine, reference)
    if labels and points > 100:
        assert np.abs(ours[0]).sum() > 0  # the boxes do overlap points: the comparison is not vacuous


def test_linear_static_shifts_swaps_and_restores() -> None:
    original = adjustText.get_shifts_extra
    with linear_static_shifts():
        assert adjustText.get_shifts_extra is static_shifts
    assert adjustText.get_shifts_extra is original
    with pytest.raises(RuntimeError), linear_static_shifts():
        raise RuntimeError("boom")
    assert adjustText.get_shifts_extra is original
