"""Over-representation figure: the ORA dot plot of gene sets x (contrast, direction).

Takes data and returns a :class:`matplotlib.figure.Figure`; reads and writes no file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from degsea.naming import short_set_name
from degsea.plots import style
from degsea.plots.style import styled

ARROWS = {"up": "↑ up", "down": "↓ down"}


@styled
def ora_dotplot(
    tables: Mapping[str, pd.DataFrame],
    *,
    sets: Sequence[str],
    focus: Sequence[str] = (),
    padj_threshold: float = 0.05,
    padj_floor: float = 1e-10,
    rule: str = "",
) -> Figure:
    """Dot plot of ORA results: rows = sets, columns = each contrast's up and down DE genes.

    Colour = -log10 padj (BH), size = DE genes in the set, black ring = padj below ``padj_threshold``.

    Parameters
    ----------
    tables
        Contrast -> its ORA table (:data:`degsea.gsea.ora.COLUMNS`), in display order.
    sets
        Rows, top to bottom (:func:`degsea.gsea.ora.select_ora_sets`).
    focus
        Sets written in bold.
    padj_threshold
        Ring threshold.
    padj_floor
        padj below this is drawn at it (the colour scale's top).
    rule
        The DE rule, shown in the title (e.g. ``padj < 0.05, |log2FC| >= 1``).
    """
    columns = [(c, d) for c in tables for d in ("up", "down")]
    n_rows, n_cols = len(sets), len(columns)
    padj = np.full((n_rows, n_cols), np.nan)
    count = np.zeros((n_rows, n_cols))
    for j, (contrast, direction) in enumerate(columns):
        part = tables[contrast]
        part = part[part["direction"] == direction].set_index("set") if not part.empty else part
        if part.empty:
            continue
        found = part.reindex(list(sets))
        padj[:, j] = found["padj"].to_numpy(dtype=float)
        count[:, j] = found["overlap"].fillna(0).to_numpy(dtype=float)
    names = [short_set_name(s) for s in sets]
    label_width = 0.4 + max((len(n) for n in names), default=10) * 0.055
    fig = style.new_figure(min(style.DOUBLE, label_width + 0.42 * n_cols + 1.9), max(2.8, 1.8 + 0.24 * n_rows))
    ax = fig.subplots()
    strength = -np.log10(np.clip(np.nan_to_num(padj, nan=1.0), padj_floor, 1.0))
    top = -np.log10(padj_floor)
    biggest = max(1.0, float(count.max()))
    sizes = 8 + 160 * np.sqrt(count / biggest)
    xs, ys = np.meshgrid(np.arange(n_cols), np.arange(n_rows))
    shown = np.isfinite(padj) & (count > 0)
    points = ax.scatter(xs[shown], ys[shown], s=sizes[shown], c=strength[shown], cmap=style.SEQUENTIAL,
                        norm=Normalize(vmin=0.0, vmax=top), edgecolors=np.where(padj[shown] < padj_threshold, "black", "none"),
                        linewidths=0.8)
    tested = np.isfinite(padj) & (count == 0)
    ax.scatter(xs[tested], ys[tested], s=6, marker="x", color="0.75", linewidths=0.6)
    ax.set_xticks(np.arange(n_cols), [f"{c}  {ARROWS[d]}" for c, d in columns], rotation=35, ha="right", rotation_mode="anchor")
    ax.set_yticks(np.arange(n_rows), names)
    focus_set = set(focus)
    for label, name in zip(ax.get_yticklabels(), sets, strict=True):
        if name in focus_set:
            label.set_fontweight("bold")
    for boundary in np.arange(2, n_cols, 2) - 0.5:
        ax.axvline(boundary, color="0.8", linewidth=0.6)
    ax.set_xlim(-0.6, n_cols - 0.4)
    ax.set_ylim(n_rows - 0.5, -0.5)
    ax.set_xlabel("Contrast and direction of the DE genes")
    ax.set_ylabel("Gene set (focus sets in bold)")
    ax.grid(color="0.94", linewidth=0.5)
    ax.set_axisbelow(True)
    ax.set_title("Over-representation of DE genes (hypergeometric)" + (f"\nDE: {rule}" if rule else ""))
    bar = fig.colorbar(points, ax=ax, shrink=0.5, aspect=15, pad=0.02, location="right")
    bar.set_label(f"−log10 padj (BH; ≥ {top:g} drawn at {top:g})")
    legend_counts = sorted({int(v) for v in (1, round(biggest / 2), biggest) if v >= 1})
    handles = [
        Line2D([], [], marker="o", linestyle="none", markerfacecolor="0.55", markeredgecolor="none",
               markersize=np.sqrt(8 + 160 * np.sqrt(v / biggest)), label=f"{v}")
        for v in legend_counts
    ]
    handles.append(Line2D([], [], marker="o", linestyle="none", markerfacecolor="white", markeredgecolor="black", markersize=7,
                          label=f"padj < {padj_threshold:g}"))
    handles.append(Line2D([], [], marker="x", linestyle="none", color="0.75", markersize=4, label="no DE gene in set"))
    fig.legend(handles=handles, title="DE genes in set", loc="outside right lower", frameon=False, labelspacing=1.0)
    return fig
