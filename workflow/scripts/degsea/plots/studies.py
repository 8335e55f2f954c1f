"""Cross-study figures of a many-studies run: the focus sets x studies NES heatmap.

Every function takes data and returns a :class:`matplotlib.figure.Figure`; none reads or
writes files.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from degsea.naming import short_set_name
from degsea.plots import style
from degsea.plots.style import styled

#: Cells of sets a study did not test: grey and hatched, so that they never pass for an NES near 0.
UNTESTED = "0.93"
UNTESTED_HATCH = "////"
UNTESTED_EDGE = "0.62"


def column_label(contrast: str, comparison: str | None = None) -> str:
    """A contrast's column label: its name with spaces, and the sheet's comparison it is part of."""
    label = contrast.replace("_", " ")
    return f"{label}  [{comparison}]" if comparison else label


@styled
def nes_heatmap(
    table: pd.DataFrame, *, fdr_threshold: float = 0.05, comparisons: Mapping[str, Mapping[str, str]] | None = None
) -> Figure:
    """Heatmap of gene sets (rows) x studies' contrasts (columns, grouped by study): colour = NES.

    Parameters
    ----------
    table
        The long cross-study table (:func:`degsea.gsea.across_studies.nes_across_studies`):
        ``set``, ``study``, ``contrast``, ``NES``, ``FDR``; rows and columns keep its order.
    fdr_threshold
        Cells with FDR below this get a black dot.
    comparisons
        The sheet's comparisons (label -> study -> contrast): their contrasts' columns name them.

    Returns
    -------
    matplotlib.figure.Figure
        Sets a study did not test are grey and hatched; a vertical line separates studies, whose
        names head their columns; the colour scale is centred on NES 0.
    """
    sets = list(dict.fromkeys(table["set"]))
    if not sets:
        fig = style.new_figure(style.SINGLE, 1.2)
        fig.text(
            0.5,
            0.5,
            "No focus sets: set 'cross_study: focus_sets'\nor the studies' 'gsea: focus_sets'.",
            ha="center",
            va="center",
        )
        return fig
    columns = list(dict.fromkeys(zip(table["study"], table["contrast"], strict=True)))
    keyed = table.set_index(["set", "study", "contrast"])
    nes = np.array([[keyed.at[(s, st, c), "NES"] for st, c in columns] for s in sets], dtype=float).reshape(
        len(sets), len(columns)
    )
    fdr = np.array([[keyed.at[(s, st, c), "FDR"] for st, c in columns] for s in sets], dtype=float).reshape(
        len(sets), len(columns)
    )
    names = [short_set_name(s) for s in sets]
    label_width = 0.4 + max((len(n) for n in names), default=10) * 0.055
    fig = style.new_figure(min(style.DOUBLE, label_width + 0.42 * len(columns) + 1.6), max(2.4, 1.9 + 0.26 * len(sets)))
    ax = fig.subplots()
    finite = np.isfinite(nes)
    limit = max(1.0, float(np.abs(nes[finite]).max()) if finite.any() else 1.0)
    norm = TwoSlopeNorm(vcenter=0.0, vmin=-limit, vmax=limit)
    image = ax.imshow(
        np.ma.masked_invalid(nes), cmap=style.DIVERGING, norm=norm, aspect="auto", interpolation="nearest"
    )
    for row, col in zip(*np.nonzero(~finite), strict=True):
        ax.add_patch(
            Rectangle(
                (col - 0.5, row - 0.5), 1, 1, facecolor=UNTESTED, edgecolor=UNTESTED_EDGE, hatch=UNTESTED_HATCH, lw=0
            )
        )
    rows, cols = np.nonzero(np.nan_to_num(fdr, nan=1.0) < fdr_threshold)
    ax.scatter(cols, rows, s=12, c="black", marker="o", edgecolors="white", linewidths=0.6)
    compared = {
        (study, contrast): label
        for label, members in (comparisons or {}).items()
        for study, contrast in members.items()
    }
    labels = [column_label(c, compared.get((st, c))) for st, c in columns]
    ax.set_xticks(np.arange(len(columns)), labels, rotation=40, ha="right", rotation_mode="anchor")
    ax.set_yticks(np.arange(len(sets)), names)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    studies = [st for st, _ in columns]
    starts = [i for i, st in enumerate(studies) if i == 0 or studies[i - 1] != st]
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(studies)
        if start > 0:
            ax.axvline(start - 0.5, color="white", linewidth=2.5)
        ax.text(
            (start + end - 1) / 2,
            -0.7,
            studies[start],
            ha="center",
            va="bottom",
            fontsize=7.5,
            fontweight="bold",
            transform=ax.transData,
            clip_on=False,
        )
    ax.set_xlim(-0.5, len(columns) - 0.5)
    ax.set_ylim(len(sets) - 0.5, -0.5)
    ax.set_title("Focus gene sets across studies", pad=16)
    bar = fig.colorbar(image, ax=ax, shrink=0.6, aspect=15, pad=0.02)
    bar.set_label("NES")
    handles = [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="none",
            markerfacecolor="black",
            markeredgecolor="white",
            markersize=4.5,
            label=f"FDR < {fdr_threshold:g}",
        ),
        Patch(facecolor=UNTESTED, edgecolor=UNTESTED_EDGE, hatch=UNTESTED_HATCH, lw=0, label="not tested"),
    ]
    fig.legend(handles=handles, loc="outside lower right", frameon=False, ncols=2)
    return fig
