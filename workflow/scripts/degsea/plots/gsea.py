"""Gene-set figures: NES and ORA dot plots across contrasts, running-enrichment plots, per-sample score plots.

Every function takes data and returns a :class:`matplotlib.figure.Figure`; none reads or
writes files.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.colors import Normalize, TwoSlopeNorm
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from degsea.gsea.running_sum import RunningSum
from degsea.naming import short_set_name
from degsea.plots import style
from degsea.plots.qc import MANY_SAMPLES, group_legend_handles
from degsea.plots.style import Groups, styled


def _set_rows(ax, sets: Sequence[str], names: Sequence[str], *, focus: Sequence[str], n_cols: int) -> None:  # noqa: ANN001
    """Rows of a sets x columns dot plot: set names (focus sets bold), limits, a light grid."""
    ax.set_yticks(np.arange(len(sets)), names)
    focus_set = set(focus)
    for label, name in zip(ax.get_yticklabels(), sets, strict=True):
        if name in focus_set:
            label.set_fontweight("bold")
    ax.set_xlim(-0.6, n_cols - 0.4)
    ax.set_ylim(len(sets) - 0.5, -0.5)
    ax.set_ylabel("Gene set (focus sets in bold)")
    ax.grid(color="0.92", linewidth=0.6)
    ax.set_axisbelow(True)


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
    fig = style.new_figure(min(style.DOUBLE, label_width + 0.75 * n_cols + 1.5), max(2.8, 1.6 + 0.24 * n_rows))
    ax, side = fig.subplots(1, 2, width_ratios=[0.75 * n_cols + 0.4, 1.0])
    nes = np.vstack([table[f"NES_{c}"].to_numpy(dtype=float) for c in contrasts]).T
    fdr = np.vstack([table[f"FDR_{c}"].to_numpy(dtype=float) for c in contrasts]).T
    top = -np.log10(fdr_floor)

    def size(values: np.ndarray) -> np.ndarray:
        """Dot area for FDR values: grows with -log10 FDR, FDR below the floor drawn at it."""
        return 12 + 150 * -np.log10(np.clip(values, fdr_floor, 1.0)) / top

    sizes = size(np.nan_to_num(fdr, nan=1.0))
    limit = max(1.0, np.nanmax(np.abs(nes)) if np.isfinite(nes).any() else 1.0)
    norm = TwoSlopeNorm(vcenter=0.0, vmin=-limit, vmax=limit)
    xs, ys = np.meshgrid(np.arange(n_cols), np.arange(n_rows))
    ok = np.isfinite(nes)
    points = ax.scatter(
        xs[ok],
        ys[ok],
        s=sizes[ok],
        c=nes[ok],
        cmap=style.DIVERGING,
        norm=norm,
        edgecolors=np.where(fdr[ok] < fdr_threshold, "black", "none"),
        linewidths=0.8,
    )
    ax.set_xticks(np.arange(n_cols), list(contrasts), rotation=30, ha="right")
    _set_rows(ax, sets, names, focus=focus, n_cols=n_cols)
    ax.set_xlabel("Contrast")
    ax.set_title("Preranked GSEA across contrasts")
    # Colour bar and size key side by side with the plot: the bar in the upper half of the
    # side panel, the key under it.
    side.set_axis_off()
    bar = fig.colorbar(points, cax=side.inset_axes((0.0, 0.56, 0.09, 0.44)))
    bar.set_label("NES", labelpad=2)
    # Size key in FDR, the unit of the table: round values, then the floor the run resolves.
    steps = [v for v in (0.05, 1e-3) if v > fdr_floor * 1.5]
    handles = [_key_dot(f"{v:g}", size=float(np.sqrt(size(np.array([v]))[0]))) for v in steps]
    handles.append(_key_dot(f"≤ {fdr_floor:.1g}", size=float(np.sqrt(size(np.array([fdr_floor]))[0]))))
    handles.append(_key_dot(f"< {fdr_threshold:g} (ring)", size=7, face="white", edge="black"))
    side.legend(
        handles=handles,
        title="FDR",
        loc="upper left",
        bbox_to_anchor=(-0.05, 0.5),
        frameon=False,
        labelspacing=1.0,
        borderaxespad=0.0,
        handletextpad=0.6,
    )
    return fig


@styled
def running_enrichment(
    run: RunningSum,
    *,
    set_name: str,
    contrast: str,
    nes: float,
    fdr: float,
    metric_name: str = "stat",
    fdr_floor: float | None = None,
) -> Figure:
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
    corners = _curve_corners(run)
    top.plot(corners, run.curve[corners], color=color, linewidth=1.4)
    top.axhline(0, color="0.3", linewidth=0.6)
    top.axvline(run.peak, color="0.3", linestyle="--", linewidth=0.7)
    # The ES label sits beyond the peak (above a positive one, below a negative one), where
    # the curve never goes, with head room added for it; it reads away from the nearer edge.
    low, high = min(0.0, float(np.min(run.curve))), max(0.0, float(np.max(run.curve)))
    room = 0.2 * (high - low or 1.0)
    top.set_ylim(low - (room if run.es < 0 else 0.05 * room), high + (room if run.es > 0 else 0.05 * room))
    left_half = run.peak < n / 2
    top.annotate(
        f"ES = {run.es:.2f}",
        (run.peak, run.es),
        xytext=(4 if left_half else -4, 4 if run.es > 0 else -4),
        textcoords="offset points",
        ha="left" if left_half else "right",
        va="bottom" if run.es > 0 else "top",
        fontsize=7,
    )
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
    # one vertex per gene: a picture, not thousands of path points, in SVG/PDF (the PNG is the same)
    for where, fill in ((run.metric >= 0, style.UP), (run.metric < 0, style.DOWN)):
        bottom.fill_between(positions, run.metric, 0, where=where, color=fill, alpha=0.6, linewidth=0, rasterized=True)
    bottom.set_ylabel(f"Rank metric\n({metric_name})")
    bottom.set_xlabel(f"Gene rank (1 to {n:,}, highest {metric_name} first)")
    bottom.set_xlim(0, n - 1)
    handles = [
        Line2D([], [], color="0.1", linewidth=1.2, label=f"leading edge ({len(run.leading_edge)} genes)"),
        Line2D([], [], color="0.6", linewidth=1.2, label=f"other set genes ({len(other)})"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=2, frameon=False)
    return fig


def _curve_corners(run: RunningSum) -> np.ndarray:
    """The positions where the running sum changes slope: the first and last, each hit and the gene before it.

    Between two hits the curve falls by the same step at every gene, so the line through these
    positions is the whole curve (a few hundred points instead of one per gene in SVG/PDF).
    """
    n = len(run.curve)
    corners = np.concatenate(([0, n - 1], run.hits, run.hits - 1))
    return np.unique(corners[(corners >= 0) & (corners < n)])


@styled
def score_boxplots(
    scores: pd.DataFrame, sheet: pd.DataFrame, groups: Groups, *, method_label: str, ncols: int = 3
) -> Figure:
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
        data = [
            part.loc[part["sample"].map(level_of) == level, "score"].to_numpy(dtype=float) for level in groups.levels
        ]
        boxes = ax.boxplot(
            data,
            positions=np.arange(n_levels),
            widths=0.6,
            patch_artist=True,
            showfliers=False,
            medianprops={"color": "black", "linewidth": 1.0},
        )
        for patch, level in zip(boxes["boxes"], groups.levels, strict=True):
            patch.set_facecolor(groups.colors[level])
            patch.set_alpha(0.35)
            patch.set_edgecolor("0.25")
        many = part["sample"].nunique() > MANY_SAMPLES
        marker_of = {}
        if groups.shape_by:
            marker_of = sheet[groups.shape_by].astype(str).map(groups.markers).to_dict()
        for i, (values, level) in enumerate(zip(data, groups.levels, strict=True)):
            jitter = rng.uniform(-0.25 if many else -0.15, 0.25 if many else 0.15, len(values))
            markers = np.array(
                [marker_of.get(s, "o") for s in part.loc[part["sample"].map(level_of) == level, "sample"]], dtype=object
            )
            for marker in dict.fromkeys(markers):  # one collection per marker, not one per sample
                chosen = markers == marker
                ax.scatter(
                    i + jitter[chosen],
                    values[chosen],
                    color=groups.colors[level],
                    s=3 if many else 16,
                    alpha=0.35 if many else 1.0,
                    edgecolor="white",
                    linewidth=0 if many else 0.5,
                    zorder=1 if many else 3,  # many dots: under the box, so its median stays readable
                    marker=marker,
                    rasterized=many,
                )
        tilt = n_levels * max(len(level) for level in groups.levels) > 24
        ax.set_xticks(
            np.arange(n_levels),
            groups.levels,
            rotation=35 if tilt else 0,
            ha="right" if tilt else "center",
            rotation_mode="anchor",
        )
        ax.set_title(textwrap.fill(short_set_name(name, limit=80), 24), fontsize=7.5)
        ax.set_xlabel(groups.color_by)
    for ax in axes[len(sets) :]:
        ax.set_axis_off()
    fig.legend(handles=group_legend_handles(groups), title=groups.color_by, loc="outside right upper", frameon=False)
    fig.supylabel(method_label, fontsize=8)
    fig.suptitle("Per-sample gene-set scores by group", fontsize=9)
    return fig


#: Column labels of the ORA dot plot's directions.
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
    if n_rows == 0:
        return empty_figure(
            "Over-representation of DE genes: no set holds a DE gene" + (f"\n(DE: {rule})" if rule else "")
        )
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
    points = ax.scatter(
        xs[shown],
        ys[shown],
        s=sizes[shown],
        c=strength[shown],
        cmap=style.SEQUENTIAL,
        norm=Normalize(vmin=0.0, vmax=top),
        edgecolors=np.where(padj[shown] < padj_threshold, "black", "none"),
        linewidths=0.8,
    )
    tested = np.isfinite(padj) & (count == 0)
    ax.scatter(xs[tested], ys[tested], s=6, marker="x", color="0.75", linewidths=0.6)
    ax.set_xticks(
        np.arange(n_cols), [f"{c}  {ARROWS[d]}" for c, d in columns], rotation=35, ha="right", rotation_mode="anchor"
    )
    _set_rows(ax, sets, names, focus=focus, n_cols=n_cols)
    for boundary in np.arange(2, n_cols, 2) - 0.5:
        ax.axvline(boundary, color="0.8", linewidth=0.6)
    ax.set_xlabel("Contrast and direction of the DE genes")
    ax.set_title("Over-representation of DE genes (hypergeometric)" + (f"\nDE: {rule}" if rule else ""))
    bar = fig.colorbar(points, ax=ax, shrink=0.5, aspect=15, pad=0.02, location="right")
    bar.set_label(f"−log10 padj (BH; ≥ {top:g} drawn at {top:g})")
    legend_counts = sorted({int(v) for v in (1, round(biggest / 2), biggest) if v >= 1})
    handles = [_key_dot(f"{v}", size=np.sqrt(8 + 160 * np.sqrt(v / biggest))) for v in legend_counts]
    handles.append(_key_dot(f"padj < {padj_threshold:g}", size=7, face="white", edge="black"))
    handles.append(Line2D([], [], marker="x", linestyle="none", color="0.75", markersize=4, label="no DE gene in set"))
    fig.legend(handles=handles, title="DE genes in set", loc="outside right lower", frameon=False, labelspacing=1.0)
    return fig


@styled
def empty_figure(message: str) -> Figure:
    """A small figure that says why there is nothing to draw (e.g. no DE genes in any contrast)."""
    fig = style.new_figure(style.SINGLE, 1.5)
    ax = fig.subplots()
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, ha="center", va="center", wrap=True)
    return fig


def _key_dot(label: str, *, size: float, face: str = "0.55", edge: str = "none") -> Line2D:
    """A legend entry of the dot plots' keys: a round marker of ``size`` points."""
    return Line2D(
        [], [], marker="o", linestyle="none", markerfacecolor=face, markeredgecolor=edge, markersize=size, label=label
    )
