"""The look of every degsea figure: palettes, group colours and shapes, fonts and sizes.

Figures are built with :class:`matplotlib.figure.Figure` (no pyplot state), sized for print
(a single journal column is 3.5 in wide, a full page 7.2 in), with fonts of 7-9 pt at 100 %
scale. Group colours come from the config (``plots: colors``) and fall back to the
colour-blind-safe Okabe-Ito palette, so every figure of a run shows a group in one colour.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import ParamSpec, TypeVar

import matplotlib

matplotlib.use("Agg")

import matplotlib.colors as mcolors  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from degsea.naming import level_order  # noqa: E402

#: Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour-vision deficiency.
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000")
#: Marker shapes for the levels of the shape variable, in order.
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "p")
#: Direction colours of DE genes (not group colours): up, down, not significant.
UP, DOWN, NOT_SIGNIFICANT = "#D55E00", "#0072B2", "#BBBBBB"
#: Genes without an adjusted p-value (removed by independent filtering, or Cook's outliers).
UNTESTED = "#E4E4E4"
#: Diverging colour map for z-scores and NES (blue = low, red = high; readable in greyscale).
DIVERGING = "RdBu_r"
#: Sequential colour map for distances (perceptually uniform, colour-blind safe).
SEQUENTIAL = "viridis"
#: Figure widths in inches: one journal column, one and a half, a full page.
SINGLE, ONE_AND_HALF, DOUBLE = 3.5, 5.5, 7.2

RC_PARAMS = {
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica"],
    "font.size": 8,
    "axes.titlesize": 9,
    "axes.labelsize": 8,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "legend.fontsize": 7,
    "legend.title_fontsize": 7.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.linewidth": 0.8,
    "lines.linewidth": 1.2,
    "savefig.bbox": "tight",
    "savefig.pad_inches": 0.05,
    "svg.fonttype": "none",  # text stays text in SVG (editable, searchable)
    "svg.hashsalt": "degsea",  # stable element ids
    "pdf.fonttype": 42,  # embed TrueType fonts (editable in Illustrator)
    "figure.dpi": 100,
}


@dataclass(frozen=True)
class Groups:
    """How samples are drawn: the colour variable and its colours, the shape variable and its markers.

    Attributes
    ----------
    color_by
        Sample-sheet column whose levels get colours.
    colors
        Level -> colour (hex), in display order.
    shape_by
        Sample-sheet column whose levels get marker shapes, or ``None``.
    markers
        Level -> marker, in display order (empty without ``shape_by``).
    """

    color_by: str
    colors: dict[str, str]
    shape_by: str | None = None
    markers: dict[str, str] = field(default_factory=dict)

    @property
    def levels(self) -> list[str]:
        """The colour levels in display order."""
        return list(self.colors)


def group_colors(levels: Sequence[str], *, configured: Mapping[str, str] | None = None) -> dict[str, str]:
    """Give every level a colour: the configured one, else the next unused Okabe-Ito colour.

    Parameters
    ----------
    levels
        Levels present in the data, in display order (see :func:`degsea.naming.level_order`).
    configured
        Level -> colour from the config (any matplotlib colour). Levels not present in the
        data are ignored.

    Returns
    -------
    dict
        Level -> hex colour, in the order of ``levels``.

    Raises
    ------
    ValueError
        A configured colour is not a colour matplotlib knows.
    """
    configured = dict(configured or {})
    present = [str(level) for level in levels]
    used = {mcolors.to_hex(c).upper() for level, c in configured.items() if level in present}
    spare = iter(c for c in OKABE_ITO if c.upper() not in used)
    colors: dict[str, str] = {}
    for level in present:
        if level in configured:
            colors[level] = mcolors.to_hex(configured[level]).upper()
        else:
            colors[level] = next(spare, "#777777")
    return colors


def make_groups(
    sheet: "pandas.DataFrame",  # noqa: F821
    *,
    color_by: str,
    colors: Mapping[str, str] | None = None,
    shape_by: str | None = None,
    levels: Mapping[str, Sequence[object]] | None = None,
) -> Groups:
    """Build the :class:`Groups` of a sample sheet.

    Levels are ordered by :func:`degsea.naming.level_order`: the configured colours' order,
    then the config's ``levels`` of the variable, then natural order (Day0 < Day4 < Day8).
    """
    levels = levels or {}
    color_levels = level_order(sheet[color_by], colors=colors, levels=levels.get(color_by))
    markers: dict[str, str] = {}
    if shape_by:
        shape_levels = level_order(sheet[shape_by], levels=levels.get(shape_by))
        markers = {level: MARKERS[i % len(MARKERS)] for i, level in enumerate(shape_levels)}
    return Groups(
        color_by=color_by, colors=group_colors(color_levels, configured=colors), shape_by=shape_by, markers=markers
    )


def new_figure(width: float, height: float, **kwargs: object) -> Figure:
    """A figure of ``width`` x ``height`` inches with constrained layout and an Agg canvas."""
    with publication_style():
        figure = Figure(figsize=(width, height), layout="constrained", **kwargs)
    FigureCanvasAgg(figure)
    return figure


@contextlib.contextmanager
def publication_style() -> Iterator[None]:
    """Apply :data:`RC_PARAMS` for the duration of a block (figure creation and drawing)."""
    with matplotlib.rc_context(RC_PARAMS):
        yield


P = ParamSpec("P")
R = TypeVar("R")


def styled(function: Callable[P, R]) -> Callable[P, R]:
    """Decorator: run a plotting function under :func:`publication_style` (fonts are read at draw time)."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with publication_style():
            return function(*args, **kwargs)

    return wrapper


def place_labels(
    ax,
    xs: np.ndarray,
    ys: np.ndarray,
    labels: Sequence[str],
    *,
    avoid_x: np.ndarray,
    avoid_y: np.ndarray,
    bold: Sequence[bool] | None = None,
) -> list:
    """Write labels (genes, samples) next to their points and move them apart with adjustText.

    ``avoid_x`` / ``avoid_y`` are points the labels keep clear of; ``bold`` marks labels
    written in bold (default none).
    """
    from adjustText import adjust_text

    from degsea.plots.text_overlaps import linear_static_shifts

    bold = [False] * len(labels) if bold is None else bold
    texts = [
        ax.text(x, y, label, fontsize=6.5, fontweight="bold" if b else "normal", ha="center", va="center", zorder=5)
        for x, y, label, b in zip(xs, ys, labels, bold, strict=True)
    ]
    if texts:
        with linear_static_shifts():  # adjust_text lays the figure out and measures the text itself first
            adjust_text(
                texts,
                x=np.asarray(avoid_x, dtype=float),
                y=np.asarray(avoid_y, dtype=float),
                target_x=np.asarray(xs, dtype=float),
                target_y=np.asarray(ys, dtype=float),
                ax=ax,
                expand=(1.15, 1.35),
                force_text=(0.3, 0.5),
                force_static=(0.2, 0.4),
                iter_lim=400,
                ensure_inside_axes=True,
                arrowprops={"arrowstyle": "-", "color": "0.35", "linewidth": 0.5},
            )
    return texts
