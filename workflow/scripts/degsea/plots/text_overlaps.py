"""adjustText's label-against-points step, computed in linear instead of quadratic time, same result.

adjustText (1.4) finds, at every one of its iterations, the labels whose box overlaps a point
to avoid by comparing every (label, point) pair that overlaps along y with every pair that
overlaps along x: an array of size pairs_y x pairs_x. With ~1,000 DE genes to keep clear of
in a volcano plot and a few hundred iterations this was ~80 % of the DE figures' time.
:func:`static_shifts` keeps adjustText's arithmetic and only finds the pairs overlapping in
both directions with one sorted look-up (each pair coded as one integer), in the same order,
so labels land exactly where adjustText alone puts them (tests/unit/test_text_overlaps.py).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import numpy as np


def static_shifts(coords: np.ndarray, extra_coords: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The x and y shifts pushing each label box (``coords``) off the boxes of points (``extra_coords``).

    Both are ``(n, 4)`` arrays of ``xmin, xmax, ymin, ymax``; the result equals
    ``adjustText.get_shifts_extra(coords, extra_coords)``.
    """
    from adjustText.arrops import overlap_intervals

    n = coords.shape[0]
    in_x = overlap_intervals(coords[:, 0], coords[:, 1], extra_coords[:, 0], extra_coords[:, 1])
    in_y = overlap_intervals(coords[:, 2], coords[:, 3], extra_coords[:, 2], extra_coords[:, 3])
    width = max(extra_coords.shape[0], 1)
    codes_x = in_x[:, 0].astype(np.int64) * width + in_x[:, 1]
    codes_y = in_y[:, 0].astype(np.int64) * width + in_y[:, 1]
    overlaps = in_y[np.isin(codes_y, codes_x)]
    if len(overlaps) == 0:
        return np.zeros(n), np.zeros(n)
    diff_x = coords[overlaps[:, 0], :2] - extra_coords[overlaps[:, 1], -3::-1]
    diff_y = coords[overlaps[:, 0], 2:] - extra_coords[overlaps[:, 1], -1:-3:-1]
    shift_x = np.where(np.abs(diff_x[:, 0]) < np.abs(diff_x[:, 1]), diff_x[:, 0], diff_x[:, 1])
    shift_y = np.where(np.abs(diff_y[:, 0]) < np.abs(diff_y[:, 1]), diff_y[:, 0], diff_y[:, 1])
    return np.bincount(overlaps[:, 0], shift_x, minlength=n), np.bincount(overlaps[:, 0], shift_y, minlength=n)


@contextlib.contextmanager
def linear_static_shifts() -> Iterator[None]:
    """Within the block, adjustText's ``adjust_text`` uses :func:`static_shifts` (restored afterwards).

    A version of adjustText without ``get_shifts_extra`` is left as it is.
    """
    import adjustText

    original = getattr(adjustText, "get_shifts_extra", None)
    if original is None:
        yield
        return
    adjustText.get_shifts_extra = static_shifts
    try:
        yield
    finally:
        adjustText.get_shifts_extra = original
