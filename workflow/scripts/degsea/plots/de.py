"""Differential-expression figures: volcano, MA plot, heatmaps, p-value histogram, UpSet overlap.

Every function takes data and returns a :class:`matplotlib.figure.Figure`; none reads or
writes files. Up- and down-regulated genes use :data:`degsea.plots.style.UP` and
:data:`degsea.plots.style.DOWN` everywhere; sample groups use :class:`degsea.plots.style.Groups`.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import matplotlib
import matplotlib.colors as mcolors
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from degsea.de.summary import significant
from degsea.plots import style
from degsea.plots.qc import MANY_SAMPLES, group_blocks, group_legend_handles
from degsea.plots.style import Groups, styled
from degsea.tables import neg_log10_pvalues


def _labels_to_show(
    table: pd.DataFrame, hits: pd.Series, *, strength: np.ndarray, top_n: int, genes_of_interest: Sequence[str]
) -> pd.DataFrame:
    """The ``top_n`` significant genes of largest ``strength`` (e.g. -log10 p), plus genes of interest
    (by symbol or gene ID)."""
    ranked = table.assign(_strength=-strength)[hits]
    ranked = ranked.sort_values(["_strength", "gene_id"], kind="mergesort").head(top_n).drop(columns="_strength")
    wanted = set(genes_of_interest)
    interest = table[table["symbol"].astype(str).isin(wanted) | table["gene_id"].astype(str).isin(wanted)]
    return pd.concat([ranked, interest[~interest.index.isin(ranked.index)]])


def label_overlaps(fig: Figure) -> int:
    """Number of pairs of text labels inside axes whose boxes overlap (0 for a clean figure)."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    count = 0
    for ax in fig.axes:
        boxes = [t.get_window_extent(renderer) for t in ax.texts if t.get_text() and t.get_visible()]
        for i in range(len(boxes)):
            for j in range(i + 1, len(boxes)):
                if boxes[i].overlaps(boxes[j]):
                    count += 1
    return count


def _direction_colors(table: pd.DataFrame, hits: pd.Series) -> np.ndarray:
    """Up, down, not DE (tested) and untested (no padj: filtered or Cook's outlier) colours."""
    colors = np.full(len(table), style.NOT_SIGNIFICANT, dtype=object)
    colors[table["padj"].isna().to_numpy()] = style.UNTESTED
    colors[(hits & (table["log2FoldChange"] > 0)).to_numpy()] = style.UP
    colors[(hits & (table["log2FoldChange"] < 0)).to_numpy()] = style.DOWN
    return colors


def _direction_legend(hits: pd.Series, table: pd.DataFrame, *, interest: int = 0) -> list:
    """Legend of :func:`_direction_colors`: "not DE" counts only genes with a padj; genes
    without one are counted apart, and genes of interest get their ring."""
    up = int((hits & (table["log2FoldChange"] > 0)).sum())
    down = int((hits & (table["log2FoldChange"] < 0)).sum())
    tested = int(table["padj"].notna().sum())
    untested = len(table) - tested

    def dot(color: str, label: str) -> Line2D:
        return Line2D([], [], marker="o", linestyle="none", color=color, markersize=5, label=label)

    handles = [
        dot(style.UP, f"up ({up:,})"),
        dot(style.DOWN, f"down ({down:,})"),
        dot(style.NOT_SIGNIFICANT, f"not DE ({tested - up - down:,})"),
    ]
    if untested:
        handles.append(dot(style.UNTESTED, f"no padj: filtered ({untested:,})"))
    if interest:
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                linestyle="none",
                markerfacecolor="none",
                markeredgecolor="black",
                markersize=6,
                markeredgewidth=0.9,
                label="gene of interest",
            )
        )
    return handles


def _drawing_order(table: pd.DataFrame, hits: pd.Series) -> np.ndarray:
    """Row order for drawing: genes without padj first, then not DE, DE genes on top."""
    layer = np.where(hits.to_numpy(), 2, np.where(table["padj"].notna().to_numpy(), 1, 0))
    return np.argsort(layer, kind="stable")


def _interest_rows(table: pd.DataFrame, genes_of_interest: Sequence[str]) -> np.ndarray:
    """Positions of the rows whose symbol or gene ID is a gene of interest."""
    wanted = set(genes_of_interest)
    return np.flatnonzero(
        (table["symbol"].astype(str).isin(wanted) | table["gene_id"].astype(str).isin(wanted)).to_numpy()
    )


def _ring(ax, x: np.ndarray, y: np.ndarray) -> None:
    """Mark genes of interest with a black ring above the other points."""
    ax.scatter(x, y, s=30, facecolor="none", edgecolor="black", linewidth=0.9, zorder=4)


@styled
def volcano(
    table: pd.DataFrame,
    *,
    contrast: str,
    padj: float,
    lfc: float = 1.0,
    top_n: int = 15,
    genes_of_interest: Sequence[str] = (),
) -> Figure:
    """Volcano plot: log2 fold change against -log10 p-value, thresholds drawn, genes labelled.

    The horizontal line is the p-value of the least significant gene with ``padj < padj``
    (the Benjamini-Hochberg cut); genes without a p-value (Cook's outliers) are left out.

    Parameters
    ----------
    table
        A DE result table (``results/de/<contrast>.tsv``).
    contrast
        Its name ``<test>_vs_<reference>`` or any title.
    padj, lfc
        Significance thresholds (drawn as dashed lines).
    top_n
        Label this many significant genes with the smallest p-values.
    genes_of_interest
        Symbols or gene IDs labelled (in bold) wherever they are.
    """
    data = table[table["pvalue"].notna()].reset_index(drop=True)
    hits = significant(data, padj=padj, lfc=lfc)
    y = neg_log10_pvalues(data)
    x = data["log2FoldChange"].astype(float).to_numpy()
    fig = style.new_figure(style.ONE_AND_HALF, 4.4)
    ax = fig.subplots()
    colors = _direction_colors(data, hits)
    order = _drawing_order(data, hits)
    ax.scatter(x[order], y[order], c=list(colors[order]), s=5, linewidth=0, alpha=0.8, rasterized=True)
    xmax = max(np.nanmax(np.abs(x)) * 1.08, lfc * 1.5, 1.0)
    ax.set_xlim(-xmax, xmax)
    ax.set_ylim(0, np.nanmax(y) * 1.08 + 0.5)
    passing = data["padj"] < padj
    if passing.any():
        cut = float(y[passing.to_numpy()].min())
        ax.axhline(cut, color="0.35", linestyle="--", linewidth=0.8)
        ax.annotate(
            f"padj = {padj:g}",
            xy=(1.0, cut),
            xycoords=("axes fraction", "data"),
            xytext=(-2, 2),
            textcoords="offset points",
            ha="right",
            va="bottom",
            fontsize=6.5,
            color="0.35",
        )
    if lfc > 0:
        for v in (-lfc, lfc):
            ax.axvline(v, color="0.35", linestyle="--", linewidth=0.8)
    shown = _labels_to_show(data, hits, strength=y, top_n=top_n, genes_of_interest=genes_of_interest)
    interest = set(genes_of_interest)
    labels = shown["symbol"].astype(str).tolist()
    bold = [
        s in interest or g in interest
        for s, g in zip(shown["symbol"].astype(str), shown["gene_id"].astype(str), strict=True)
    ]
    picked = _interest_rows(data, genes_of_interest)
    _ring(ax, x[picked], y[picked])
    avoid = hits.to_numpy()
    style.place_labels(ax, x[shown.index], y[shown.index], labels, bold=bold, avoid_x=x[avoid], avoid_y=y[avoid])
    test, _, reference = contrast.partition("_vs_")
    ratio = f"{test} / {reference}" if reference else contrast
    ax.set_xlabel(f"log2 fold change ({ratio})")
    ax.set_ylabel("−log10 p-value (Wald test)")
    ax.set_title(f"{contrast}: {int(hits.sum()):,} of {int(data['padj'].notna().sum()):,} tested genes DE")
    rule = f"padj < {padj:g}" + (f" and |log2FC| ≥ {lfc:g}" if lfc > 0 else "")
    handles = _direction_legend(hits, data, interest=len(picked))
    fig.legend(
        handles=handles, title=f"DE: {rule}", loc="outside lower center", ncols=min(len(handles), 3), frameon=False
    )
    return fig


@styled
def ma_plot(
    table: pd.DataFrame,
    *,
    contrast: str,
    padj: float,
    lfc: float = 1.0,
    genes_of_interest: Sequence[str] = (),
    shrunk: bool = True,
) -> Figure:
    """MA plot: mean of normalised counts against (shrunken) log2 fold change."""
    column = "log2FoldChange_shrunk" if shrunk and table["log2FoldChange_shrunk"].notna().any() else "log2FoldChange"
    data = table[table["baseMean"] > 0].reset_index(drop=True)
    hits = significant(data, padj=padj, lfc=lfc)
    x = data["baseMean"].astype(float).to_numpy()
    y = data[column].astype(float).to_numpy()
    fig = style.new_figure(style.ONE_AND_HALF, 3.8)
    ax = fig.subplots()
    colors = _direction_colors(data, hits)
    order = _drawing_order(data, hits)
    ax.scatter(x[order], y[order], c=list(colors[order]), s=4, linewidth=0, alpha=0.8, rasterized=True)
    ax.set_xscale("log")
    ax.axhline(0, color="0.2", linewidth=0.8)
    if lfc > 0:
        for v in (-lfc, lfc):
            ax.axhline(v, color="0.35", linestyle="--", linewidth=0.8)
    pick = _interest_rows(data, genes_of_interest)
    if len(pick):
        _ring(ax, x[pick], y[pick])
        style.place_labels(
            ax,
            x[pick],
            y[pick],
            data.loc[pick, "symbol"].astype(str).tolist(),
            bold=[True] * len(pick),
            avoid_x=np.concatenate([x[hits.to_numpy()], x[pick]]),
            avoid_y=np.concatenate([y[hits.to_numpy()], y[pick]]),
        )
    ymax = max(np.nanmax(np.abs(y)) * 1.08, lfc * 1.5, 1.0)
    ax.set_ylim(-ymax, ymax)
    test, _, reference = contrast.partition("_vs_")
    ratio = f"{test} / {reference}" if reference else contrast
    kind = "shrunken (apeGLM) " if column.endswith("shrunk") else ""
    ax.set_xlabel("Mean of normalised counts (log scale)")
    ax.set_ylabel(f"{kind}log2 fold change\n({ratio})")
    ax.set_title(f"MA plot: {contrast}")
    rule = f"padj < {padj:g}" + (f" and |log2FC| ≥ {lfc:g}" if lfc > 0 else "")
    handles = _direction_legend(hits, data, interest=len(pick))
    fig.legend(
        handles=handles, title=f"DE: {rule}", loc="outside lower center", ncols=min(len(handles), 3), frameon=False
    )
    return fig


@styled
def pvalue_histogram(table: pd.DataFrame, *, contrast: str) -> Figure:
    """Histogram of raw p-values, stacked: genes kept and removed by independent filtering."""
    tested = table[table["pvalue"].notna()]
    kept = tested.loc[tested["padj"].notna(), "pvalue"].to_numpy(dtype=float)
    removed = tested.loc[tested["padj"].isna(), "pvalue"].to_numpy(dtype=float)
    fig = style.new_figure(style.SINGLE + 0.6, 3.0)
    ax = fig.subplots()
    bins = np.linspace(0, 1, 21)
    ax.hist(
        [kept, removed],
        bins=bins,
        stacked=True,
        color=["0.35", "0.78"],
        edgecolor="white",
        linewidth=0.4,
        label=[f"tested, with padj ({len(kept):,})", f"removed by independent filtering ({len(removed):,})"],
    )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, ax.get_ylim()[1] * 1.25)  # room for the legend
    ax.set_xlabel("p-value (Wald test)")
    ax.set_ylabel("Genes (count per 0.05 bin)")
    ax.set_title(f"p-value distribution: {contrast}")
    ax.legend(frameon=False, loc="upper right")
    return fig


@styled
def expression_heatmap(
    z: pd.DataFrame,
    sheet: pd.DataFrame,
    groups: Groups,
    *,
    samples: Sequence[str],
    title: str,
    row_labels: Sequence[str] | None = None,
    cluster_rows: bool = True,
    clip: float = 3.0,
    gap_after: int | None = None,
    gap_label: str | None = None,
    scale_label: str = "z-score of VST expression (SD units",
) -> Figure:
    """Heatmap of row z-scores (genes x samples), samples ordered and annotated by group.

    Parameters
    ----------
    z
        Genes x samples z-scores (see :func:`degsea.de.qc.zscore_rows`).
    sheet
        Sample sheet (index sample).
    groups
        Group colours.
    samples
        Samples in display order (columns).
    title
        Figure title.
    row_labels
        Labels of the rows (default: the index).
    cluster_rows
        Order rows by average-linkage clustering (with a dendrogram) instead of as given.
    clip
        Colour scale limits ±clip (values beyond are drawn at the limit).
    gap_after
        Set the samples after the first ``gap_after`` apart with an empty column (e.g. the
        groups outside a contrast); rows are clustered on the first ``gap_after`` samples only.
    gap_label
        Written above the samples after the gap.
    scale_label
        The colour bar's title, before ``, clipped at ±clip)``.
    """
    labels = list(row_labels) if row_labels is not None else [str(i) for i in z.index]
    values = z.loc[:, list(samples)].to_numpy(dtype=float)
    clustered = values[:, :gap_after] if gap_after else values
    many = len(samples) > MANY_SAMPLES
    gap = max(1, len(samples) // 80)  # empty columns between the parts: visible at any number of samples
    if gap_after is not None and 0 < gap_after < len(samples):
        values = np.insert(values, [gap_after] * gap, np.nan, axis=1)
        positions = np.r_[np.arange(gap_after), np.arange(gap_after, len(samples)) + gap]
    else:
        gap_after, positions = None, np.arange(len(samples))
    n_rows, n_cols = values.shape
    row_height = 0.11 if n_rows > 30 else 0.14
    height = min(9.5, max(2.6, 1.5 + row_height * n_rows))
    width = min(style.DOUBLE, max(style.SINGLE + 0.5, 2.4 + 0.2 * n_cols))
    fig = style.new_figure(width, height)
    tree_width = 0.6 if cluster_rows and n_rows > 2 else 0.01
    grid = fig.add_gridspec(
        2,
        2,
        width_ratios=[tree_width, min(n_cols * 0.2, width - 2.4)],
        height_ratios=[0.14, row_height * n_rows],
        wspace=0.01,
        hspace=0.02,
    )
    strip_ax = fig.add_subplot(grid[0, 1])
    heat_ax = fig.add_subplot(grid[1, 1])
    tree_ax = fig.add_subplot(grid[1, 0])
    order = np.arange(n_rows)
    if cluster_rows and n_rows > 2:
        from scipy.cluster import hierarchy  # here: most figure jobs never cluster (~0.2 s to import)

        linkage = hierarchy.linkage(np.clip(clustered, -clip, clip), method="average", metric="euclidean")
        dendro = hierarchy.dendrogram(
            linkage, orientation="left", ax=tree_ax, no_labels=True, color_threshold=0, above_threshold_color="0.3"
        )
        order = np.asarray(dendro["leaves"])[::-1]
    tree_ax.set_axis_off()
    cmap = matplotlib.colormaps[style.DIVERGING].with_extremes(bad="white")
    # Thousands of columns: filtered, not every other one dropped. Fewer: one block per value; "none" draws
    # them as "nearest" does in a PNG and lets SVG / PDF keep the matrix itself (scaled, pixelated).
    smooth = "antialiased" if many else "none"
    image = heat_ax.imshow(values[order], cmap=cmap, vmin=-clip, vmax=clip, aspect="auto", interpolation=smooth)
    heat_ax.set_yticks(np.arange(n_rows), [labels[i] for i in order], fontsize=6 if n_rows > 30 else 7)
    heat_ax.yaxis.tick_right()
    if many:  # the groups' names under their blocks instead of thousands of sample names
        blocks = group_blocks(list(samples), sheet, groups)
        if len(blocks) <= 20:
            centres = [(positions[start] + positions[stop - 1]) / 2 for _, start, stop in blocks]
            names = [level for level, _, _ in blocks]
            tilt = sum(len(name) for name in names) > 50
            heat_ax.set_xticks(centres, names, rotation=30 if tilt else 0, ha="right" if tilt else "center")
        else:
            heat_ax.set_xticks([])
        heat_ax.tick_params(axis="x", length=0)
        heat_ax.set_xlabel(f"{len(samples):,} samples, by {groups.color_by}")
    else:
        heat_ax.set_xticks(positions, list(samples), rotation=90)
        heat_ax.set_xlabel("Sample")
    for side in ("top", "right", "left", "bottom"):
        heat_ax.spines[side].set_visible(False)
    colors = [groups.colors.get(str(sheet.loc[s, groups.color_by]), "#777777") for s in samples]
    if gap_after is not None:
        colors[gap_after:gap_after] = ["white"] * gap
    strip_ax.imshow(np.array([[mcolors.to_rgb(c) for c in colors]]), aspect="auto", interpolation=smooth)
    strip_ax.set_xticks([])
    strip_ax.set_yticks([0], [groups.color_by], fontsize=7)
    strip_ax.yaxis.tick_right()
    for side in ("top", "right", "left", "bottom"):
        strip_ax.spines[side].set_visible(False)
    strip_ax.tick_params(length=0)
    strip_ax.set_title(title, pad=14 if gap_after is not None and gap_label else 6)
    if gap_after is not None and gap_label:
        strip_ax.text(
            (gap_after + gap + n_cols - 1) / 2, -0.75, gap_label, ha="center", va="bottom", fontsize=6.5, color="0.35"
        )
    # The pad is a fraction of the heatmap's height: keep about 0.12 in between the axis title
    # and the colour bar whatever the number of rows.
    bar = fig.colorbar(
        image, ax=[heat_ax], location="bottom", shrink=0.5, aspect=25, pad=max(0.01, 0.12 / (row_height * n_rows))
    )
    bar.set_label(f"{scale_label}, clipped at ±{clip:g})")
    fig.legend(handles=group_legend_handles(groups), title=groups.color_by, loc="outside right upper", frameon=False)
    return fig


@styled
def upset(inter: pd.DataFrame, set_sizes: pd.Series, *, contrasts: Sequence[str], title: str) -> Figure:
    """UpSet plot of DE genes shared between contrasts.

    Parameters
    ----------
    inter
        :func:`degsea.de.summary.intersections`.
    set_sizes
        Significant genes per contrast (index contrast).
    contrasts
        Contrasts in display order (rows of the matrix).
    title
        Figure title (states the significance rule).
    """
    n_inter, n_sets = len(inter), len(contrasts)
    label_width = 0.2 + max(len(c) for c in contrasts) * 0.052
    width = min(style.DOUBLE, max(style.SINGLE + 1.5, 1.5 + label_width + 0.38 * n_inter))
    fig = style.new_figure(width, 2.5 + 0.3 * n_sets)
    grid = fig.add_gridspec(
        2,
        3,
        width_ratios=[1.0, label_width, max(1, n_inter) * 0.38],
        height_ratios=[2.2, 0.3 * n_sets],
        wspace=0.0,
        hspace=0.04,
    )
    bar_ax = fig.add_subplot(grid[0, 2])
    dot_ax = fig.add_subplot(grid[1, 2], sharex=bar_ax)
    size_ax = fig.add_subplot(grid[1, 0], sharey=dot_ax)
    name_ax = fig.add_subplot(grid[1, 1], sharey=dot_ax)
    name_ax.set_axis_off()
    for i, name in enumerate(contrasts):
        name_ax.text(0.5, i, name, ha="center", va="center", fontsize=7)
    name_ax.set_xlim(0, 1)
    positions = np.arange(n_inter)
    counts = inter["genes"].to_numpy() if n_inter else np.array([])
    bar_ax.bar(positions, counts, color="0.25", width=0.6)
    for p, c in zip(positions, counts, strict=True):
        bar_ax.annotate(
            f"{c:,}", (p, c), xytext=(0, 2), textcoords="offset points", ha="center", va="bottom", fontsize=6.5
        )
    bar_ax.set_ylabel("Genes in intersection\n(exclusive)")
    bar_ax.set_ylim(0, (counts.max() if n_inter else 1) * 1.18)
    bar_ax.tick_params(labelbottom=False, bottom=False)
    rows = {c: i for i, c in enumerate(contrasts)}
    for p in positions:
        members = [rows[c] for c in contrasts if bool(inter.iloc[p][c])]
        dot_ax.scatter([p] * n_sets, range(n_sets), s=28, color="0.85", zorder=2)
        dot_ax.scatter([p] * len(members), members, s=28, color="0.15", zorder=3)
        if len(members) > 1:
            dot_ax.plot([p, p], [min(members), max(members)], color="0.15", linewidth=1.4, zorder=2)
    dot_ax.set_xlim(-0.6, max(n_inter, 1) - 0.4)
    dot_ax.set_ylim(n_sets - 0.5, -0.5)
    dot_ax.set_xticks([])
    dot_ax.tick_params(left=False, labelleft=False)
    for side in ("top", "right", "left", "bottom"):
        dot_ax.spines[side].set_visible(False)
    sizes = set_sizes.reindex(list(contrasts)).fillna(0).to_numpy()
    size_ax.barh(range(n_sets), sizes, color="0.45", height=0.55)
    for i, value in enumerate(sizes):
        size_ax.annotate(
            f"{int(value):,}",
            (value, i),
            xytext=(-2, 0),
            textcoords="offset points",
            ha="right",
            va="center",
            fontsize=6.5,
        )
    size_ax.invert_xaxis()
    size_ax.set_xlabel("DE genes\nper contrast")
    size_ax.tick_params(axis="y", left=False, labelleft=False)
    size_ax.spines["left"].set_visible(False)
    size_ax.spines["right"].set_visible(False)
    size_ax.spines["top"].set_visible(False)
    size_ax.set_xlim(sizes.max() * 1.3 if len(sizes) and sizes.max() > 0 else 1, 0)  # room for the numbers
    fig.suptitle(textwrap.fill(title, 70), fontsize=9)
    return fig
