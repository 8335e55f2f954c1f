"""Time-course profile figure: one panel per cluster, every gene's z-scored group means and the cluster's mean."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

from degsea.plots import style


@style.styled
def profile_figure(table: pd.DataFrame, groups: Sequence[str], *, title: str) -> Figure:
    """Cluster profiles of a likelihood-ratio test's significant genes.

    Parameters
    ----------
    table
        :func:`degsea.de.profiles.profile_table`'s table: ``cluster`` and one z-score column per group.
    groups
        The groups in x order (e.g. ``Day0 / vehicle``); with two levels joined by ' / ',
        the first level is the x axis and each second level its own colour.
    title
        Figure title.
    """
    clusters = sorted(table["cluster"].unique()) if len(table) else []
    n = max(len(clusters), 1)
    ncols = min(n, 3)
    nrows = int(np.ceil(n / ncols))
    fig = style.new_figure(style.DOUBLE if ncols > 1 else style.SINGLE, 2.0 * nrows + 0.5)
    axes = np.atleast_1d(fig.subplots(nrows, ncols, sharey=True, squeeze=False)).ravel()
    parts = [g.split(" / ", 1) for g in groups]
    xs = list(dict.fromkeys(p[0] for p in parts))
    series = list(dict.fromkeys(p[1] if len(p) > 1 else "" for p in parts))
    colors = style.group_colors([s for s in series if s]) if any(series) else {}
    for ax, cluster in zip(axes, clusters, strict=False):
        members = table[table["cluster"] == cluster]
        for line in series:
            cols = [g for g, p in zip(groups, parts, strict=True) if (p[1] if len(p) > 1 else "") == line]
            x = [xs.index(g.split(" / ", 1)[0]) for g in cols]
            color = colors.get(line, "#000000")
            values = members[cols].to_numpy(dtype=float)
            # every gene's profile: one rasterised collection (up to thousands of genes), not a line each
            lines = np.stack([np.broadcast_to(np.asarray(x, dtype=float), values.shape), values], axis=-1)
            ax.add_collection(LineCollection(lines, color=color, alpha=0.08, linewidth=0.5, rasterized=True))
            ax.plot(x, values.mean(axis=0), color=color, linewidth=2.0, marker="o", markersize=3, label=line or None)
        ax.set_title(f"cluster {cluster} ({len(members)} genes)")
        ax.set_xticks(range(len(xs)), xs, rotation=30 if max(map(len, xs)) > 6 else 0)
        ax.axhline(0, color="#888888", linewidth=0.5, linestyle=":")
    for ax in axes[len(clusters) :]:
        ax.set_axis_off()
    if not clusters:
        axes[0].text(
            0.5, 0.5, "no gene passes the padj threshold", ha="center", va="center", transform=axes[0].transAxes
        )
    for ax in axes[::ncols]:
        ax.set_ylabel("z-score of mean VST")
    if any(series):
        axes[0].legend(frameon=False, loc="best")
    fig.suptitle(title)
    return fig
