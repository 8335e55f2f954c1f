"""Sample-QC figures: library sizes, size factors, PCA, scree, sample distances, dispersions, Cook's distances.

Every function takes data and returns a :class:`matplotlib.figure.Figure`; none reads or
writes files. Samples are coloured by :class:`degsea.plots.style.Groups`, the same in every figure.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from degsea.de.qc import PCA, CooksOutliers
from degsea.plots import style
from degsea.plots.style import Groups, styled

#: Above this many samples the per-sample figures switch to forms that stay readable at thousands
#: of samples: sorted per-sample profiles and quantile bands per group instead of one bar or box per
#: sample, no sample names on the axes or next to PCA points, small translucent PCA points.
MANY_SAMPLES = 60
#: Past :data:`MANY_SAMPLES`, the sample-distance dendrograms show at least this many of the last merges.
TREE_MERGES = 40


def group_legend_handles(groups: Groups, *, marker: str | None = None) -> list:
    """Legend handles for the colour levels (patches, or markers when ``marker`` is given)."""
    if marker is None:
        return [Patch(facecolor=c, edgecolor="none", label=level) for level, c in groups.colors.items()]
    return [
        Line2D(
            [],
            [],
            marker=marker,
            linestyle="none",
            markerfacecolor=c,
            markeredgecolor="white",
            markersize=6,
            label=level,
        )
        for level, c in groups.colors.items()
    ]


def _sample_colors(sheet: pd.DataFrame, samples: list[str], groups: Groups) -> list[str]:
    return [groups.colors.get(str(sheet.loc[s, groups.color_by]), "#777777") for s in samples]


def _bar_per_sample(ax, values: pd.Series, sheet: pd.DataFrame, groups: Groups) -> None:
    """One bar per sample; past :data:`MANY_SAMPLES` one sorted profile per group (:func:`_profile_per_group`)."""
    if len(values) > MANY_SAMPLES:
        _profile_per_group(ax, values, sheet, groups)
        return
    samples = list(values.index)
    ax.bar(np.arange(len(samples)), values.to_numpy(), color=_sample_colors(sheet, samples, groups), width=0.8)
    ax.set_xticks(np.arange(len(samples)), samples, rotation=90)
    ax.set_xlim(-0.6, len(samples) - 0.4)
    ax.set_xlabel("Sample")


def group_blocks(samples: list[str], sheet: pd.DataFrame, groups: Groups) -> list[tuple[str, int, int]]:
    """Runs of consecutive samples of one colour level: ``(level, start, stop)`` in display order."""
    levels = [str(sheet.loc[s, groups.color_by]) for s in samples]
    blocks: list[tuple[str, int, int]] = []
    for i, level in enumerate(levels):
        if blocks and blocks[-1][0] == level:
            blocks[-1] = (level, blocks[-1][1], i + 1)
        else:
            blocks.append((level, i, i + 1))
    return blocks


def _group_axis(ax, blocks: list[tuple[str, int, int]], *, what: str) -> None:
    """Many samples: the groups' names under their blocks, thin lines between blocks, no sample names."""
    for _, start, _ in blocks[1:]:
        ax.axvline(start - 0.5, color="0.6", linewidth=0.6)
    if len(blocks) <= 20:
        ax.set_xticks([(start + stop - 1) / 2 for _, start, stop in blocks], [level for level, _, _ in blocks])
    else:
        ax.set_xticks([])
    ax.tick_params(axis="x", length=0)
    n = blocks[-1][2] if blocks else 0
    ax.set_xlim(-0.5, n - 0.5)
    ax.set_xlabel(f"{n:,} samples, {what}")


def _profile_per_group(ax, values: pd.Series, sheet: pd.DataFrame, groups: Groups) -> None:
    """Many samples: each group's values sorted from high to low and filled as one step profile."""
    blocks = group_blocks(list(values.index), sheet, groups)
    for level, start, stop in blocks:
        part = np.sort(values.iloc[start:stop].to_numpy(dtype=float))[::-1]
        x = np.arange(start, stop)
        ax.fill_between(x, part, 0, step="mid", color=groups.colors.get(level, "#777777"), linewidth=0)
    _group_axis(ax, blocks, what="sorted within each group (high to low)")


@styled
def library_sizes(library: pd.DataFrame, sheet: pd.DataFrame, groups: Groups, *, order: list[str]) -> Figure:
    """Two panels: library size (million reads) and detected genes (count > 0) per sample.

    Parameters
    ----------
    library
        :func:`degsea.de.qc.library_stats` (index sample).
    sheet
        Sample sheet (index sample).
    groups
        Colours of the groups.
    order
        Samples in display order.
    """
    width = max(style.SINGLE, 0.8 + 0.17 * len(order))
    fig = style.new_figure(min(width, style.DOUBLE), 4.6)
    top, bottom = fig.subplots(2, 1, sharex=True)
    _bar_per_sample(top, library.loc[order, "library_size"] / 1e6, sheet, groups)
    top.set_ylabel("Library size\n(million reads)")
    top.set_xlabel("")
    top.set_title("Reads per sample")
    _bar_per_sample(bottom, library.loc[order, "detected_genes"], sheet, groups)
    bottom.set_ylabel("Detected genes\n(count > 0)")
    bottom.set_title("Genes detected per sample")
    top.tick_params(labelbottom=False)
    fig.legend(handles=group_legend_handles(groups), title=groups.color_by, loc="outside right upper", frameon=False)
    return fig


@styled
def size_factors(library: pd.DataFrame, sheet: pd.DataFrame, groups: Groups, *, order: list[str]) -> Figure:
    """Size factor per sample (bars) and size factor against library size (scatter)."""
    width = max(style.SINGLE, 0.8 + 0.17 * len(order))
    fig = style.new_figure(min(width + 2.6, style.DOUBLE), 3.0)
    bars, scatter = fig.subplots(1, 2, width_ratios=[min(max(1.0, 0.17 * len(order)), 4.0), 2.2])
    _bar_per_sample(bars, library.loc[order, "size_factor"], sheet, groups)
    bars.axhline(1.0, color="0.3", linewidth=0.8, linestyle="--")
    bars.set_ylabel("Size factor (median of ratios)")
    bars.set_title("DESeq2 size factors")
    colors = _sample_colors(sheet, order, groups)
    many = len(order) > MANY_SAMPLES
    scatter.scatter(
        library.loc[order, "library_size"] / 1e6,
        library.loc[order, "size_factor"],
        c=colors,
        s=5 if many else 22,
        alpha=0.6 if many else 1.0,
        edgecolor="white",
        linewidth=0 if many else 0.5,
        rasterized=many,
    )
    scatter.set_xlabel("Library size (million reads)")
    scatter.set_ylabel("Size factor (median of ratios)")
    scatter.set_title("Size factor vs library size")
    fig.legend(
        handles=group_legend_handles(groups, marker="o"),
        title=groups.color_by,
        loc="outside right upper",
        frameon=False,
    )
    return fig


@styled
def pca_scatter(
    components: PCA, sheet: pd.DataFrame, groups: Groups, *, x: str = "PC1", y: str = "PC2", labels: bool = False
) -> Figure:
    """Samples on two principal components, coloured by group and shaped by the shape variable.

    One unit is as long on both axes (as DESeq2's plotPCA), so distances in the plot are
    distances between the samples. ``labels`` writes each sample's ID next to its point.
    """
    fig = style.new_figure(style.SINGLE + 1.3, 3.3)
    ax = fig.subplots()
    scores = components.scores
    n = len(scores)
    many = n > MANY_SAMPLES
    points = scores.index
    if many:  # a seeded shuffle: no group is drawn wholly on top of another
        points = points[np.random.default_rng(0).permutation(n)]
    colors = [groups.colors.get(str(sheet.loc[s, groups.color_by]), "#777777") for s in points]
    markers = [groups.markers.get(str(sheet.loc[s, groups.shape_by]), "o") if groups.shape_by else "o" for s in points]
    for marker in dict.fromkeys(markers):
        chosen = [i for i, m in enumerate(markers) if m == marker]
        ax.scatter(
            scores.loc[points[chosen], x],
            scores.loc[points[chosen], y],
            c=[colors[i] for i in chosen],
            marker=marker,
            s=7 if many else 42,
            alpha=0.55 if many else 1.0,
            edgecolor="white",
            linewidth=0 if many else 0.6,
            zorder=3,
            rasterized=many,
        )
    share = components.variance_ratio
    ax.set_xlabel(f"{x}: {100 * share[x]:.1f} % of variance (VST, log2 units)")
    ax.set_ylabel(f"{y}: {100 * share[y]:.1f} % of variance (VST, log2 units)")
    ax.set_title(f"PCA of {n:,} samples, {components.n_genes} most variable genes")
    ax.axhline(0, color="0.85", linewidth=0.6, zorder=0)
    ax.axvline(0, color="0.85", linewidth=0.6, zorder=0)
    ax.margins(0.08)
    ax.set_aspect("equal", adjustable="datalim")
    if labels and many:
        ax.text(
            0.99,
            0.01,
            f"no sample labels above {MANY_SAMPLES} samples",
            transform=ax.transAxes,
            ha="right",
            va="bottom",
            fontsize=6,
            color="0.4",
        )
    elif labels:
        xs, ys = scores[x].to_numpy(dtype=float), scores[y].to_numpy(dtype=float)
        style.place_labels(ax, xs, ys, [str(s) for s in scores.index], avoid_x=xs, avoid_y=ys)
    handles = group_legend_handles(groups, marker="o")
    fig.legend(handles=handles, title=groups.color_by, loc="outside right upper", frameon=False)
    if groups.shape_by:
        shapes = [
            Line2D(
                [],
                [],
                marker=m,
                linestyle="none",
                markerfacecolor="0.5",
                markeredgecolor="white",
                markersize=6,
                label=level,
            )
            for level, m in groups.markers.items()
        ]
        fig.legend(handles=shapes, title=groups.shape_by, loc="outside right lower", frameon=False)
    return fig


@styled
def scree(components: PCA, *, max_components: int = 10) -> Figure:
    """Share of variance per principal component (bars) and cumulative share (line)."""
    share = 100 * components.variance_ratio.iloc[:max_components]
    fig = style.new_figure(style.SINGLE, 2.8)
    ax = fig.subplots()
    positions = np.arange(1, len(share) + 1)
    ax.bar(positions, share.to_numpy(), color="0.45", width=0.7, label="per component")
    ax.plot(positions, np.cumsum(share.to_numpy()), color=style.DOWN, marker="o", markersize=3.5, label="cumulative")
    ax.set_xticks(positions, [str(p) for p in positions])
    ax.set_xlabel("Principal component")
    ax.set_ylabel("Variance explained (%)")
    ax.set_ylim(0, 105)
    ax.set_title(f"Scree plot ({components.n_genes} most variable genes)")
    ax.legend(frameon=False, loc="center right")
    return fig


@styled
def sample_distance_heatmap(distances: pd.DataFrame, sheet: pd.DataFrame, groups: Groups) -> Figure:
    """Clustered heatmap of sample-to-sample Euclidean distances (VST), with a group colour strip.

    The distances are one image whatever the number of samples; past :data:`MANY_SAMPLES` the
    samples are not named on the axes and the dendrograms show the tree's top, cut at
    :func:`tree_cut`.
    """
    n = len(distances)
    many = n > MANY_SAMPLES
    size = min(style.DOUBLE, max(style.SINGLE + 0.8, 1.9 + 0.16 * n))
    span = min(n * 0.16, size - 1.9)  # the heatmap's share; the dendrograms keep theirs at any n
    fig = style.new_figure(size + 0.9, size)
    grid = fig.add_gridspec(2, 3, width_ratios=[1.2, 0.22, span], height_ratios=[1.0, span], wspace=0.01, hspace=0.01)
    tree_ax = fig.add_subplot(grid[1, 0])
    strip_ax = fig.add_subplot(grid[1, 1])
    heat_ax = fig.add_subplot(grid[1, 2])
    top_ax = fig.add_subplot(grid[0, 2])
    from scipy.cluster import hierarchy  # here: most figure jobs never cluster (~0.2 s to import)
    from scipy.spatial.distance import squareform

    linkage = hierarchy.linkage(squareform(distances.to_numpy(), checks=False), method="average")
    dendro = hierarchy.dendrogram(
        linkage, orientation="left", ax=tree_ax, no_labels=True, color_threshold=0, above_threshold_color="0.3"
    )
    hierarchy.dendrogram(linkage, ax=top_ax, no_labels=True, color_threshold=0, above_threshold_color="0.3")
    order = [distances.index[i] for i in dendro["leaves"]][::-1]
    for ax in (tree_ax, top_ax):
        ax.set_axis_off()
        if many:
            for lines in ax.collections:
                lines.set_linewidth(0.4)
    if many:  # only the tree's top: thousands of leaf branches make a solid block
        cut, top = tree_cut(linkage), 1.05 * linkage[-1, 2]
        tree_ax.set_xlim(top, cut)
        top_ax.set_ylim(cut, top)
    values = distances.loc[order, order].to_numpy()
    # Thousands of rows: filtered, not every other row dropped. Fewer: one block per value ("none": as "nearest"
    # in a PNG, the matrix itself in SVG / PDF, scaled and pixelated).
    smooth = "antialiased" if many else "none"
    # The scale starts at the closest pair of samples, not at the diagonal's zeros, so that the
    # spread between samples uses the whole colour range (the diagonal shows at the light end).
    off_diagonal = values[~np.eye(n, dtype=bool)]
    low = float(off_diagonal.min()) if off_diagonal.size else None
    image = heat_ax.imshow(values, cmap=style.SEQUENTIAL + "_r", aspect="auto", interpolation=smooth, vmin=low)
    if many:
        heat_ax.set_xticks([])
        heat_ax.set_yticks([])
        heat_ax.set_xlabel(f"{n:,} samples (ordered by the clustering)")
    else:
        heat_ax.set_xticks(np.arange(n), order, rotation=90)
        heat_ax.set_yticks(np.arange(n), order)
        heat_ax.yaxis.tick_right()
        heat_ax.set_xlabel("Sample")
        heat_ax.yaxis.set_label_position("right")
        heat_ax.set_ylabel("Sample")
    for side in ("top", "right", "left", "bottom"):
        heat_ax.spines[side].set_visible(False)
    colors = _sample_colors(sheet, order, groups)
    strip_ax.imshow(np.array([[_rgb(c)] for c in colors]), aspect="auto", interpolation=smooth)
    strip_ax.set_axis_off()
    bar = fig.colorbar(image, ax=[heat_ax], location="bottom", shrink=0.6, pad=0.02, aspect=30, extend="min")
    bar.set_label("Euclidean distance between samples (VST, log2 units; a sample to itself: 0, the light end)")
    fig.legend(handles=group_legend_handles(groups), title=groups.color_by, loc="outside right upper", frameon=False)
    fig.suptitle("Sample-to-sample distances (average-linkage clustering)", fontsize=9)
    return fig


def tree_cut(linkage: np.ndarray) -> float:
    """The height below which a large tree's dendrogram is cut off.

    The height of the lowest merge of two clusters of at least 1 % of the samples each (so the
    splits between real clusters stay in view), but never lower than the last
    :data:`TREE_MERGES` merges reach.
    """
    n = len(linkage) + 1
    sizes = np.r_[np.ones(n), linkage[:, 3]]
    smaller = np.minimum(sizes[linkage[:, 0].astype(int)], sizes[linkage[:, 1].astype(int)])
    big = np.flatnonzero(smaller >= max(2, n // 100))
    lowest_big = linkage[big[0], 2] if len(big) else linkage[-1, 2]
    return float(min(lowest_big, linkage[-min(TREE_MERGES, n - 1), 2]))


def _rgb(color: str) -> tuple[float, float, float]:
    import matplotlib.colors as mcolors

    return mcolors.to_rgb(color)


#: DESeq2's smallest dispersion (``minDisp``): gene-wise estimates are bounded below by it.
MIN_DISPERSION = 1e-8


@styled
def dispersion_plot(table: pd.DataFrame, *, fit_type: str = "parametric") -> Figure:
    """DESeq2's dispersion plot: gene-wise estimates, fitted trend and final (MAP) estimates.

    Parameters
    ----------
    table
        :func:`degsea.de.qc.dispersions`.
    fit_type
        The trend type, for the legend.
    """
    fig = style.new_figure(style.SINGLE + 0.6, 3.8)
    ax = fig.subplots()
    mean = table["mean"].to_numpy()
    # Gene-wise estimates at DESeq2's floor (1e-8: genes with less variance than the
    # Poisson) would stretch the axis over six empty decades. As in DESeq2's plotDispEsts
    # the axis starts at a power of ten below the estimates, here below the lowest 0.5 %
    # of those above 10x the floor (single stragglers do not stretch it either), and
    # lower gene-wise estimates are drawn on its edge as triangles.
    values = table[["genewise", "final"]].to_numpy(dtype=float)
    usable = values[np.isfinite(values) & (values > MIN_DISPERSION * 10)]
    bottom = 10 ** (np.floor(np.log10(np.quantile(usable, 0.005))) - 0.1) if usable.size else MIN_DISPERSION
    genewise = table["genewise"].to_numpy(dtype=float)
    low = genewise < bottom
    ax.scatter(
        mean[~low],
        genewise[~low],
        s=2,
        color="0.15",
        alpha=0.45,
        linewidth=0,
        label="gene-wise estimate",
        rasterized=True,
    )
    if low.any():
        ax.scatter(
            mean[low],
            np.full(low.sum(), bottom),
            s=4,
            marker="v",
            color="0.15",
            alpha=0.6,
            linewidth=0,
            label=f"gene-wise estimate below the axis ({int(low.sum()):,})",
            rasterized=True,
            clip_on=False,
            zorder=3,
        )
    final = table[~table["outlier"]]
    ax.scatter(
        final["mean"],
        final["final"].clip(lower=bottom),
        s=2,
        color=style.DOWN,
        alpha=0.5,
        linewidth=0,
        label="final (MAP) estimate",
        rasterized=True,
    )
    outliers = table[table["outlier"]]
    if len(outliers):
        ax.scatter(
            outliers["mean"],
            outliers["final"],
            s=10,
            facecolor="none",
            edgecolor=style.DOWN,
            linewidth=0.6,
            label=f"dispersion outlier ({len(outliers)}), gene-wise kept",
        )
    order = np.argsort(mean)
    ax.plot(
        mean[order], table["trend"].to_numpy()[order], color=style.UP, linewidth=1.6, label=f"fitted trend ({fit_type})"
    )
    ax.set_xscale("log")
    ax.set_yscale("log")
    if usable.size:
        ax.set_ylim(bottom, usable.max() * 2)
    ax.set_xlabel("Mean of normalised counts (log scale)")
    ax.set_ylabel("Dispersion α (log scale)")
    ax.set_title(f"Dispersion estimates of {len(table):,} genes")
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, frameon=False, loc="outside lower center", ncols=2, markerscale=3)
    return fig


@styled
def cooks_distances(outliers: CooksOutliers, sheet: pd.DataFrame, groups: Groups, *, order: list[str]) -> Figure:
    """Box plot of log10 Cook's distances per sample, with DESeq2's cutoff and outlier counts.

    Past :data:`MANY_SAMPLES` samples: per-sample quantile bands instead (:func:`_cooks_bands`).
    """
    if len(order) > MANY_SAMPLES:
        return _cooks_bands(outliers, sheet, groups, order=order)
    width = max(style.SINGLE + 1.0, 1.4 + 0.2 * len(order))
    fig = style.new_figure(min(width, style.DOUBLE), 3.4)
    ax = fig.subplots()
    data = [np.log10(np.clip(outliers.distances.loc[s].to_numpy(dtype=float), 1e-12, None)) for s in order]
    data = [d[np.isfinite(d)] for d in data]
    boxes = ax.boxplot(
        data,
        positions=np.arange(len(order)),
        widths=0.7,
        patch_artist=True,
        showfliers=True,
        flierprops={"markersize": 1.5, "markeredgecolor": "0.4", "alpha": 0.5},
        medianprops={"color": "black"},
    )
    for patch, color in zip(boxes["boxes"], _sample_colors(sheet, order, groups), strict=True):
        patch.set_facecolor(color)
        patch.set_edgecolor("0.2")
    for fliers in boxes["fliers"]:  # thousands of points per sample: a picture in SVG/PDF
        fliers.set_rasterized(True)
    _cooks_cutoff(ax, outliers.cutoff)
    counts = outliers.per_sample.loc[order, "outlier_genes"]
    ax.set_xticks(np.arange(len(order)), [f"{s} ({c})" for s, c in zip(order, counts, strict=True)], rotation=90)
    ax.set_xlabel("Sample (genes with an outlier count)")
    ax.set_ylabel("Cook's distance (log10)")
    ax.set_title(f"Cook's distances: {len(outliers.genes)} genes with an outlier")
    fig.legend(handles=group_legend_handles(groups), title=groups.color_by, loc="outside right upper", frameon=False)
    return fig


def _cooks_cutoff(ax, cutoff: float) -> None:
    """DESeq2's Cook's cutoff as a dashed line, labelled."""
    if not np.isfinite(cutoff):
        return
    ax.axhline(np.log10(cutoff), color=style.UP, linestyle="--", linewidth=1)
    ax.annotate(
        f"cutoff F(0.99) = {cutoff:.2f}",
        xy=(1.0, np.log10(cutoff)),
        xycoords=("axes fraction", "data"),
        xytext=(-2, 3),
        textcoords="offset points",
        ha="right",
        va="bottom",
        color=style.UP,
        fontsize=7,
        # readable where the outlier points reach above the line (they show faintly through)
        bbox={"boxstyle": "square,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.9},
    )


#: Quantiles of a sample's log10 Cook's distances drawn by :func:`_cooks_bands`.
COOKS_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95, 1.0)


def per_sample_quantiles(values: np.ndarray, rows: np.ndarray, *, chunk: int = 64) -> np.ndarray:
    """Quantiles :data:`COOKS_QUANTILES` of log10 of each given row of a samples x genes array.

    Rows are read ``chunk`` at a time, so memory stays at a few chunks whatever the number of
    samples; values that are not finite are left out.
    """
    result = np.full((len(rows), len(COOKS_QUANTILES)), np.nan)
    for start in range(0, len(rows), chunk):
        block = np.log10(np.clip(np.asarray(values[rows[start : start + chunk]], dtype=float), 1e-12, None))
        block[~np.isfinite(block)] = np.nan
        if block.shape[1]:
            result[start : start + chunk] = np.nanquantile(block, COOKS_QUANTILES, axis=1).T
    return result


def _cooks_bands(outliers: CooksOutliers, sheet: pd.DataFrame, groups: Groups, *, order: list[str]) -> Figure:
    """Many samples: per sample the 5-95 % and 25-75 % bands and the median of log10 Cook's distances,
    and the largest as a dot; samples sorted by median within each group."""
    fig = style.new_figure(style.DOUBLE, 3.4)
    ax = fig.subplots()
    rows = outliers.distances.index.get_indexer(order)
    quantiles = per_sample_quantiles(outliers.distances.to_numpy(), rows)
    blocks = group_blocks(order, sheet, groups)
    counts = outliers.per_sample.loc[order, "outlier_genes"].to_numpy()
    for level, start, stop in blocks:
        part = quantiles[start:stop]
        part = part[np.argsort(part[:, 2], kind="stable")]
        x = np.arange(start, stop)
        color = groups.colors.get(level, "#777777")
        ax.fill_between(x, part[:, 0], part[:, 4], step="mid", color=color, alpha=0.3, linewidth=0)
        ax.fill_between(x, part[:, 1], part[:, 3], step="mid", color=color, alpha=0.7, linewidth=0)
        ax.plot(x, part[:, 2], color="0.1", linewidth=0.6, drawstyle="steps-mid")
        ax.scatter(x, part[:, 5], s=1.5, color="0.35", linewidth=0, rasterized=True)
    _cooks_cutoff(ax, outliers.cutoff)
    _group_axis(ax, blocks, what="sorted by median within each group")
    ax.set_ylabel("Cook's distance (log10)")
    flagged = int((counts > 0).sum())
    ax.set_title(
        f"Cook's distances: {len(outliers.genes)} genes with an outlier, in {flagged:,} of {len(order):,} samples\n"
        "bands: 5-95 % and 25-75 % of each sample's genes; line: median; dots: largest",
        fontsize=8,
    )
    fig.legend(handles=group_legend_handles(groups), title=groups.color_by, loc="outside right upper", frameon=False)
    return fig
