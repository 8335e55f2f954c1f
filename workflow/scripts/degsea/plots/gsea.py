"""Gene-set figures: NES dot plot across contrasts, running-enrichment plots, per-sample score plots.

Every function takes data and returns a :class:`matplotlib.figure.Figure`; none reads or
writes files.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from degsea.gsea.running_sum import RunningSum
from degsea.naming import short_set_name
from degsea.plots import style
from degsea.plots.qc import group_legend_handles
from degsea.plots.style import Groups, styled


@styled
def nes_dotplot(
    summary: pd.DataFrame,
    *,
    sets: Sequence[str],
    contrasts: Sequence[str],
    focus: Sequence[str] = (),
    fdr_floor: float = 1e-3,
    fdr_threshold: float = 0.05,
) -> Figure:
    """Dot plot of gene sets x contrasts: colour = NES, size = -log10 FDR, ring = FDR < threshold.

    Parameters
    ----------
    summary
        ``results/gsea/summary.tsv``.
    sets
        Rows, top to bottom.
    contrasts
        Columns, left to right.
    focus
        Sets written in bold (the config's focus sets).
    fdr_floor
        FDR values below this (the smallest the run resolves, :func:`degsea.gsea.prerank.fdr_floor`) are drawn at it.
    fdr_threshold
        Dots of sets with FDR below this get a black ring.
    """
    table = summary.set_index("set").reindex(list(sets))
    n_rows, n_cols = len(sets), len(contrasts)
    names = [short_set_name(s) for s in sets]
    label_width = 0.4 + max((len(n) for n in names), default=10) * 0.055
    fig = style.new_figure(min(style.DOUBLE, label_width + 0.75 * n_cols + 1.7), max(2.6, 1.6 + 0.24 * n_rows))
    ax = fig.subplots()
    nes = np.vstack([table[f"NES_{c}"].to_numpy(dtype=float) for c in contrasts]).T
    fdr = np.vstack([table[f"FDR_{c}"].to_numpy(dtype=float) for c in contrasts]).T
    strength = -np.log10(np.clip(np.nan_to_num(fdr, nan=1.0), fdr_floor, 1.0))
    top = -np.log10(fdr_floor)
    sizes = 12 + 150 * strength / top
    limit = max(1.0, np.nanmax(np.abs(nes)) if np.isfinite(nes).any() else 1.0)
    norm = TwoSlopeNorm(vcenter=0.0, vmin=-limit, vmax=limit)
    xs, ys = np.meshgrid(np.arange(n_cols), np.arange(n_rows))
    ok = np.isfinite(nes)
    points = ax.scatter(xs[ok], ys[ok], s=sizes[ok], c=nes[ok], cmap=style.DIVERGING, norm=norm,
                        edgecolors=np.where(fdr[ok] < fdr_threshold, "black", "none"), linewidths=0.8)
    ax.set_xticks(np.arange(n_cols), list(contrasts), rotation=30, ha="right")
    ax.set_yticks(np.arange(n_rows), names)
    focus_set = set(focus)
    for label, name in zip(ax.get_yticklabels(), sets, strict=True):
        if name in focus_set:
            label.set_fontweight("bold")
    ax.set_xlim(-0.6, n_cols - 0.4)
    ax.set_ylim(n_rows - 0.5, -0.5)
    ax.set_xlabel("Contrast")
    ax.set_ylabel("Gene set (focus sets in bold)")
    ax.grid(color="0.92", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.set_title("Preranked GSEA across contrasts")
    bar = fig.colorbar(points, ax=ax, shrink=0.55, aspect=15, pad=0.02, location="right")
    bar.set_label("Normalised enrichment score (NES)")
    legend_values = [v for v in (1.0, 2.0, top) if v <= top]
    handles = [
        Line2D([], [], marker="o", linestyle="none", markerfacecolor="0.55", markeredgecolor="none",
               markersize=np.sqrt(12 + 150 * v / top), label=f"{v:g}" if v < top else f"≥ {v:g}")
        for v in legend_values
    ]
    handles.append(Line2D([], [], marker="o", linestyle="none", markerfacecolor="white", markeredgecolor="black", markersize=7, label=f"FDR < {fdr_threshold:g}"))
    fig.legend(handles=handles, title="−log10 FDR", loc="outside right lower", frameon=False, labelspacing=1.0)
    return fig


@styled
def running_enrichment(run: RunningSum, *, set_name: str, contrast: str, nes: float, fdr: float, metric_name: str = "stat", fdr_floor: float | None = None) -> Figure:
    """The classic three-panel GSEA plot with the leading edge shaded.

    Panels: running enrichment score (leading edge shaded, peak marked), positions of the
    set's genes in the ranking (leading-edge genes dark), and the rank metric.
    """
    fig = style.new_figure(style.SINGLE + 0.9, 3.9)
    top, middle, bottom = fig.subplots(3, 1, sharex=True, height_ratios=[3.0, 0.7, 1.5])
    n = len(run.metric)
    positions = np.arange(n)
    color = style.UP if run.es > 0 else style.DOWN
    if len(run.leading_edge):
        lo, hi = (0, run.peak) if run.es > 0 else (run.peak, n - 1)
        for ax in (top, middle, bottom):
            ax.axvspan(lo, hi, color=color, alpha=0.1, linewidth=0)
    top.plot(positions, run.curve, color=color, linewidth=1.4)
    top.axhline(0, color="0.3", linewidth=0.6)
    top.axvline(run.peak, color="0.3", linestyle="--", linewidth=0.7)
    top.annotate(f"ES = {run.es:.2f}", (run.peak, run.es), xytext=(6 if run.es > 0 else -6, 0), textcoords="offset points",
                 ha="left" if run.es > 0 else "right", va="center", fontsize=7)
    top.set_ylabel("Running\nenrichment score")
    fdr_text = f"< {fdr_floor:g}" if fdr_floor is not None and fdr < fdr_floor else f"= {fdr:.2g}"
    top.set_title(f"{short_set_name(set_name, limit=60)}\n{contrast}: NES = {nes:.2f}, FDR {fdr_text}")
    leading = np.zeros(n, dtype=bool)
    leading[run.leading_edge] = True
    other = np.setdiff1d(run.hits, run.leading_edge)
    middle.vlines(other, 0, 1, color="0.6", linewidth=0.5)
    middle.vlines(run.leading_edge, 0, 1, color="0.1", linewidth=0.5)
    middle.set_ylim(0, 1)
    middle.set_yticks([])
    middle.set_ylabel("Hits", rotation=0, ha="right", va="center")
    middle.spines["left"].set_visible(False)
    bottom.fill_between(positions, run.metric, 0, where=run.metric >= 0, color=style.UP, alpha=0.6, linewidth=0)
    bottom.fill_between(positions, run.metric, 0, where=run.metric < 0, color=style.DOWN, alpha=0.6, linewidth=0)
    bottom.set_ylabel(f"Rank metric\n({metric_name})")
    bottom.set_xlabel(f"Gene rank (1 to {n:,}, highest {metric_name} first)")
    bottom.set_xlim(0, n - 1)
    handles = [
        Line2D([], [], color="0.1", linewidth=1.2, label=f"leading edge ({len(run.leading_edge)} genes)"),
        Line2D([], [], color="0.6", linewidth=1.2, label=f"other set genes ({len(other)})"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=2, frameon=False)
    return fig


@styled
def score_boxplots(scores: pd.DataFrame, sheet: pd.DataFrame, groups: Groups, *, method_label: str, ncols: int = 3) -> Figure:
    """Per-sample gene-set scores by group: one panel per set, boxes and every sample as a dot.

    Parameters
    ----------
    scores
        Long table ``sample``, ``set``, ``score`` (see :func:`degsea.gsea.scores.sample_scores`).
    sheet
        Sample sheet (index sample).
    groups
        Group colours and order.
    method_label
        The y-axis title (what the score is).
    ncols
        Panels per row.
    """
    sets = list(dict.fromkeys(scores["set"]))
    n = max(1, len(sets))
    ncols = min(ncols, n)
    nrows = int(np.ceil(n / ncols))
    n_levels = len(groups.levels)
    fig = style.new_figure(min(style.DOUBLE, 0.6 + ncols * max(1.6, 0.55 * n_levels + 0.6)), 0.6 + 2.3 * nrows)
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False).ravel())
    rng = np.random.default_rng(0)  # fixed jitter, so reruns draw the same figure
    for ax, name in zip(axes, sets, strict=False):
        part = scores[scores["set"] == name]
        level_of = sheet[groups.color_by].astype(str)
        data = [part.loc[part["sample"].map(level_of) == level, "score"].to_numpy(dtype=float) for level in groups.levels]
        boxes = ax.boxplot(data, positions=np.arange(n_levels), widths=0.6, patch_artist=True, showfliers=False,
                           medianprops={"color": "black", "linewidth": 1.0})
        for patch, level in zip(boxes["boxes"], groups.levels, strict=True):
            patch.set_facecolor(groups.colors[level])
            patch.set_alpha(0.35)
            patch.set_edgecolor("0.25")
        for i, (values, level) in enumerate(zip(data, groups.levels, strict=True)):
            jitter = rng.uniform(-0.15, 0.15, len(values))
            marker_of = {}
            if groups.shape_by:
                marker_of = sheet[groups.shape_by].astype(str).map(groups.markers).to_dict()
            samples = part.loc[part["sample"].map(level_of) == level, "sample"].tolist()
            for x, y, s in zip(i + jitter, values, samples, strict=True):
                ax.scatter(x, y, color=groups.colors[level], s=16, edgecolor="white", linewidth=0.5, zorder=3, marker=marker_of.get(s, "o"))
        tilt = n_levels * max(len(level) for level in groups.levels) > 24
        ax.set_xticks(np.arange(n_levels), groups.levels, rotation=35 if tilt else 0, ha="right" if tilt else "center",
                      rotation_mode="anchor")
        ax.set_title(textwrap.fill(short_set_name(name, limit=80), 24), fontsize=7.5)
        ax.set_xlabel(groups.color_by)
    for ax in axes[len(sets):]:
        ax.set_axis_off()
    fig.legend(handles=group_legend_handles(groups), title=groups.color_by, loc="outside right upper", frameon=False)
    fig.supylabel(method_label, fontsize=8)
    fig.suptitle("Per-sample gene-set scores by group", fontsize=9)
    return fig
