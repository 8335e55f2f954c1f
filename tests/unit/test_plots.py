"""Figures of degsea: every axis labelled, group colours as configured, labels apart, nothing empty."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from degsea.de import qc
from degsea.de.summary import de_counts, intersections, membership
from degsea.gsea.running_sum import running_sum
from degsea.gsea.selection import select_sets
from degsea.plots import de as plots_de
from degsea.plots import gsea as plots_gsea
from degsea.plots import qc as plots_qc
from degsea.plots import style
from degsea.tables import zscore_rows

COLORS = {"untreated": "#E69F00", "responsive": "#009E73", "resistant": "#CC79A7"}
LEVELS = ("untreated", "responsive", "resistant")


@pytest.fixture(scope="module")
def sheet() -> pd.DataFrame:
    samples = [f"{g}_{i}" for g in LEVELS for i in (1, 2, 3)]
    frame = pd.DataFrame(
        {"condition": [s.split("_")[0] for s in samples], "batch": ["a", "b", "a"] * 3},
        index=pd.Index(samples, name="sample"),
    )
    return frame


@pytest.fixture(scope="module")
def groups(sheet: pd.DataFrame) -> style.Groups:
    return style.make_groups(sheet, color_by="condition", colors=COLORS, shape_by="batch")


@pytest.fixture(scope="module")
def expression(sheet: pd.DataFrame) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    genes = [f"g{i:03d}" for i in range(300)]
    values = rng.normal(8, 1, (300, len(sheet)))
    values[:40, 3:6] += 3  # responsive up
    values[40:60, 6:9] -= 2  # resistant down
    return pd.DataFrame(values, index=pd.Index(genes, name="gene_id"), columns=sheet.index)


def de_table(seed: int = 0, n: int = 800) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    lfc = rng.normal(0, 0.6, n)
    lfc[:60] += np.where(np.arange(60) % 2 == 0, 3, -3)
    se = rng.uniform(0.1, 0.4, n)
    stat = lfc / se
    from scipy.stats import norm

    pvalue = 2 * norm.sf(np.abs(stat))
    order = np.argsort(pvalue)
    ranks = np.empty(n)
    ranks[order] = np.arange(1, n + 1)
    padj = np.minimum(1, pvalue * n / ranks)
    table = pd.DataFrame(
        {
            "gene_id": [f"ENSG{i:05d}" for i in range(n)],
            "symbol": [f"Gene{i}" for i in range(n)],
            "baseMean": rng.lognormal(5, 2, n),
            "log2FoldChange": lfc,
            "lfcSE": se,
            "stat": stat,
            "pvalue": pvalue,
            "padj": padj,
            "log2FoldChange_shrunk": lfc * 0.8,
            "lfcSE_shrunk": se,
        }
    )
    table.loc[n - 20 :, "padj"] = np.nan  # independent filtering
    return table


def axis_labels(fig: Figure) -> list[tuple[str, str]]:
    return [(ax.get_xlabel(), ax.get_ylabel()) for ax in fig.axes if ax.get_visible() and ax.axison]


def assert_labelled(fig: Figure, *, n_main: int = 1) -> None:
    """At least ``n_main`` axes with both axis titles, and a title or suptitle somewhere."""
    labelled = [(x, y) for x, y in axis_labels(fig) if x.strip() and y.strip()]
    assert len(labelled) >= n_main, axis_labels(fig)
    assert any(ax.get_title() for ax in fig.axes) or fig._suptitle is not None


def scatter_colors(fig: Figure) -> set[str]:
    found = set()
    for ax in fig.axes:
        for collection in ax.collections:
            for rgba in collection.get_facecolors():
                found.add(to_hex(rgba[:3]).upper())
    return found


def test_group_colors_use_config_then_okabe_ito() -> None:
    colors = style.group_colors(["b", "a", "c"], configured={"a": "#000000", "zzz": "red"})
    assert list(colors) == ["b", "a", "c"]  # the display order given (degsea.naming.level_order)
    assert colors["a"] == "#000000"
    assert colors["b"] == style.OKABE_ITO[0] and colors["c"] == style.OKABE_ITO[1]
    assert len(set(colors.values())) == 3
    with pytest.raises(ValueError):
        style.group_colors(["a"], configured={"a": "not-a-colour"})


def test_okabe_ito_fallback_never_repeats_a_configured_colour() -> None:
    colors = style.group_colors(["a", "b"], configured={"a": style.OKABE_ITO[0]})
    assert colors["b"] != colors["a"]


def test_pca_scatter_colours_groups_as_configured(sheet, groups, expression) -> None:
    components = qc.pca(expression, n_top=100)
    fig = plots_qc.pca_scatter(components, sheet, groups, x="PC1", y="PC2")
    assert_labelled(fig)
    ax = fig.axes[0]
    assert "% of variance" in ax.get_xlabel() and "PC1" in ax.get_xlabel()
    assert scatter_colors(fig) == {c.upper() for c in COLORS.values()}
    legend_texts = {t.get_text() for legend in fig.legends for t in legend.get_texts()}
    assert set(LEVELS) <= legend_texts and {"a", "b"} <= legend_texts  # colour and shape legends


def test_pca_has_equal_units_and_optional_sample_labels(sheet, groups, expression) -> None:
    components = qc.pca(expression, n_top=100)
    plain = plots_qc.pca_scatter(components, sheet, groups)
    assert plain.axes[0].get_aspect() == 1.0 and not plain.axes[0].texts
    labelled = plots_qc.pca_scatter(components, sheet, groups, labels=True)
    assert sorted(t.get_text() for t in labelled.axes[0].texts) == sorted(sheet.index)
    assert plots_de.label_overlaps(labelled) == 0


def test_pca_variance_and_signs_are_reproducible(expression) -> None:
    first, second = qc.pca(expression, n_top=100), qc.pca(expression.copy(), n_top=100)
    assert np.allclose(first.scores, second.scores)
    assert first.variance_ratio.is_monotonic_decreasing and first.variance_ratio.sum() <= 1 + 1e-9
    assert first.variance_ratio.iloc[0] > 0.3  # the planted group effect dominates


def test_qc_figures_have_titles_axis_labels_and_group_colours(sheet, groups, expression) -> None:
    library = pd.DataFrame(
        {
            "library_size": np.arange(9) * 1e6 + 2e7,
            "detected_genes": np.arange(9) + 12000,
            "size_factor": np.linspace(0.8, 1.2, 9),
        },
        index=sheet.index,
    )
    order = qc.order_samples(sheet, by="condition", levels=groups.levels)
    for fig in (
        plots_qc.library_sizes(library, sheet, groups, order=order),
        plots_qc.size_factors(library, sheet, groups, order=order),
    ):
        assert_labelled(fig)
        colors = {to_hex(p.get_facecolor()[:3]).upper() for ax in fig.axes for p in ax.patches}
        assert {c.upper() for c in COLORS.values()} <= colors
    fig = plots_qc.scree(qc.pca(expression, n_top=100))
    assert_labelled(fig)
    distances = qc.sample_distances(expression)
    fig = plots_qc.sample_distance_heatmap(distances, sheet, groups)
    colorbar_labels = [ax.get_xlabel() for ax in fig.axes if "distance" in ax.get_xlabel().lower()]
    assert colorbar_labels, "the colour bar says what the colour means"
    # the colours span the distances between samples, not the diagonal's zeros
    (image,) = [im for ax in fig.axes for im in ax.images if im.get_array().shape == distances.shape]
    closest = distances.to_numpy()[~np.eye(len(distances), dtype=bool)].min()
    assert image.norm.vmin == closest > 0


def test_dispersion_plot_draws_three_kinds_of_estimate() -> None:
    rng = np.random.default_rng(0)
    mean = rng.lognormal(4, 2, 500)
    trend = 0.01 + 1 / mean
    table = pd.DataFrame(
        {
            "mean": mean,
            "genewise": trend * rng.lognormal(0, 0.5, 500),
            "trend": trend,
            "final": trend * rng.lognormal(0, 0.2, 500),
            "outlier": np.arange(500) < 5,
        }
    )
    fig = plots_qc.dispersion_plot(table)
    assert_labelled(fig)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    labels = [t.get_text() for legend in fig.legends for t in legend.get_texts()]
    assert (
        any("gene-wise" in t for t in labels)
        and any("trend" in t for t in labels)
        and any("final" in t for t in labels)
    )


def test_dispersion_axis_leaves_out_the_floor_and_counts_the_genes_at_it() -> None:
    rng = np.random.default_rng(0)
    mean = rng.lognormal(4, 2, 500)
    trend = 0.01 + 1 / mean
    genewise = trend * rng.lognormal(0, 0.5, 500)
    genewise[:40] = 1e-8  # DESeq2's floor: less variance than the Poisson
    table = pd.DataFrame({"mean": mean, "genewise": genewise, "trend": trend, "final": trend, "outlier": False})
    fig = plots_qc.dispersion_plot(table)
    bottom, top = fig.axes[0].get_ylim()
    lowest = np.quantile(genewise[40:], 0.005)
    assert lowest / 10 < bottom < lowest  # at most a decade of room, no empty decades down to 1e-8
    labels = [t.get_text() for legend in fig.legends for t in legend.get_texts()]
    assert "gene-wise estimate below the axis (40)" in labels


def test_volcano_labels_do_not_overlap_and_include_genes_of_interest() -> None:
    table = de_table()
    fig = plots_de.volcano(
        table, contrast="responsive_vs_untreated", padj=0.05, lfc=1.0, top_n=15, genes_of_interest=["Gene700"]
    )
    assert_labelled(fig)
    ax = fig.axes[0]
    assert "responsive / untreated" in ax.get_xlabel()
    texts = [t.get_text() for t in ax.texts]
    assert "Gene700" in texts and sum(t.startswith("Gene") for t in texts) == 16
    assert plots_de.label_overlaps(fig) == 0
    vertical = [line.get_xdata()[0] for line in ax.lines if len(set(line.get_xdata())) == 1]
    assert sorted(vertical) == [-1.0, 1.0]  # fold-change thresholds drawn


def test_volcano_counts_only_tested_genes_as_not_de_and_rings_genes_of_interest() -> None:
    table = de_table()
    fig = plots_de.volcano(table, contrast="a_vs_b", padj=0.05, lfc=1.0, genes_of_interest=["Gene700", "Gene3"])
    labels = [t.get_text() for legend in fig.legends for t in legend.get_texts()]
    hits = int(((table["padj"] < 0.05) & (table["log2FoldChange"].abs() >= 1)).sum())
    tested = int(table["padj"].notna().sum())
    assert f"not DE ({tested - hits:,})" in labels
    assert f"no padj: filtered ({table['padj'].isna().sum():,})" in labels
    assert "gene of interest" in labels
    ax = fig.axes[0]
    rings = [c for c in ax.collections if len(c.get_facecolors()) == 0 and len(c.get_offsets()) == 2]
    assert len(rings) == 1
    x = table.set_index("symbol").loc[["Gene3", "Gene700"], "log2FoldChange"].to_numpy()
    assert sorted(rings[0].get_offsets()[:, 0]) == pytest.approx(sorted(x))


def test_volcano_keeps_zero_pvalues_finite() -> None:
    table = de_table()
    table.loc[:5, "pvalue"] = 0.0
    table.loc[:5, "padj"] = 0.0
    y = plots_de.neg_log10_pvalues(table)
    assert np.isfinite(y).all() and y[:6].min() > 10


def test_ma_plot_uses_shrunken_fold_changes() -> None:
    fig = plots_de.ma_plot(de_table(), contrast="a_vs_b", padj=0.05, lfc=1.0)
    assert_labelled(fig)
    assert "shrunken" in fig.axes[0].get_ylabel() and fig.axes[0].get_xscale() == "log"


def test_pvalue_histogram_separates_filtered_genes() -> None:
    fig = plots_de.pvalue_histogram(de_table(), contrast="a_vs_b")
    assert_labelled(fig)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert any("(20)" in t and "filtering" in t for t in labels)


def test_heatmap_annotates_groups_in_their_colours(sheet, groups, expression) -> None:
    order = qc.order_samples(sheet, by="condition", levels=groups.levels)
    z = zscore_rows(expression.iloc[:30][order])
    assert np.allclose(z.mean(axis=1), 0) and np.allclose(z.std(axis=1, ddof=1), 1)
    fig = plots_de.expression_heatmap(z, sheet, groups, samples=order, title="top genes")
    strip = next(ax for ax in fig.axes if ax.get_title() == "top genes")
    rgb = strip.images[0].get_array()[0]
    assert [to_hex(c).upper() for c in rgb] == [COLORS[s.split("_")[0]].upper() for s in order]
    heat = next(ax for ax in fig.axes if ax.get_xlabel() == "Sample")
    assert [t.get_text() for t in heat.get_xticklabels()] == order
    assert any("z-score" in ax.get_xlabel() for ax in fig.axes)


def test_heatmap_of_few_samples_keeps_its_matrix_in_svg(sheet, groups, expression) -> None:
    """Blocks drawn with interpolation "none": a PNG as with "nearest", in SVG the matrix itself, pixelated."""
    import io
    import re

    order = qc.order_samples(sheet, by="condition", levels=groups.levels)
    z = zscore_rows(expression.iloc[:30][order])
    fig = plots_de.expression_heatmap(z, sheet, groups, samples=order, title="top genes")
    heat = next(ax for ax in fig.axes if ax.get_xlabel() == "Sample")
    assert heat.images[0].get_interpolation() == "none"
    svg = io.StringIO()
    with style.publication_style():
        fig.savefig(svg, format="svg", dpi=300)
    assert len(re.findall(r"image-rendering:pixelated", svg.getvalue())) == 2  # the heatmap and its group strip


def test_short_heatmap_keeps_the_axis_title_off_the_colour_bar(sheet, groups, expression) -> None:
    order = qc.order_samples(sheet, by="condition", levels=groups.levels)
    for rows in (3, 6, 40):
        z = zscore_rows(expression.iloc[:rows][order])
        fig = plots_de.expression_heatmap(z, sheet, groups, samples=order, title="genes")
        fig.canvas.draw()
        heat = next(ax for ax in fig.axes if ax.get_xlabel() == "Sample")
        bar = next(ax for ax in fig.axes if "z-score" in ax.get_xlabel())
        gap_px = heat.xaxis.label.get_window_extent().y0 - bar.get_window_extent().y1
        assert gap_px >= 0.06 * fig.dpi, (rows, gap_px)


def test_upset_counts_add_up() -> None:
    tables = {"c1": de_table(0), "c2": de_table(1), "c3": de_table(2)}
    member = membership(tables, padj=0.05, lfc=1.0)
    inter = intersections(member, list(tables))
    assert inter["genes"].sum() == len(member)  # exclusive intersections partition the union
    counts = de_counts(tables, padj=0.05, lfc=1.0)
    assert (counts["up"] + counts["down"] == counts["significant"]).all()
    for name in tables:
        assert inter.loc[inter[name], "genes"].sum() == counts.set_index("contrast").loc[name, "significant"]
    sizes = counts.set_index("contrast")["significant"]
    title = "DE genes shared between contrasts (padj < 0.05, |log2FC| ≥ 1)"
    fig = plots_de.upset(inter, sizes, contrasts=list(tables), title=title)
    bar_ax = next(ax for ax in fig.axes if ax.patches and ax.get_ylabel())
    assert [p.get_height() for p in bar_ax.patches] == inter["genes"].tolist()
    assert bar_ax.get_ylabel() and any(ax.get_xlabel() for ax in fig.axes if ax is not bar_ax)
    # Both bar charts carry their numbers: intersections and genes per contrast.
    size_ax = next(ax for ax in fig.axes if "per contrast" in ax.get_xlabel())
    assert sorted(t.get_text() for t in bar_ax.texts) == sorted(f"{g:,}" for g in inter["genes"])
    assert sorted(t.get_text() for t in size_ax.texts) == sorted(f"{int(v):,}" for v in sizes)
    # The title belongs to the figure and lies inside it.
    assert fig._suptitle is not None and fig._suptitle.get_text() == title
    fig.canvas.draw()
    box, page = fig._suptitle.get_window_extent(), fig.bbox
    assert page.x0 <= box.x0 and box.x1 <= page.x1


def test_running_sum_matches_a_direct_computation() -> None:
    ranks = pd.Series([3.0, 2.0, 1.0, 0.5, -0.5, -1.0, -2.0, -3.0], index=list("abcdefgh"))
    run = running_sum(ranks, ["a", "c", "x"], weight=1.0)
    # hits a (3) and c (1): increments 3/4 and 1/4; misses 1/6 each
    expected = np.cumsum([0.75, -1 / 6, 0.25, -1 / 6, -1 / 6, -1 / 6, -1 / 6, -1 / 6])
    assert np.allclose(run.curve, expected)
    assert run.es == pytest.approx(expected.max()) and run.peak == 2
    assert list(run.leading_edge) == [0, 2]
    negative = running_sum(ranks, ["g", "h"])
    assert negative.es < 0 and list(negative.leading_edge) == [6, 7]


def test_running_enrichment_plot_marks_the_leading_edge() -> None:
    ranks = pd.Series(np.linspace(3, -3, 200), index=[f"g{i}" for i in range(200)])
    run = running_sum(ranks, [f"g{i}" for i in range(0, 60, 3)])
    fig = plots_gsea.running_enrichment(
        run, set_name="HALLMARK_TEST_SET", contrast="a_vs_b", nes=1.8, fdr=0.0, fdr_floor=0.001
    )
    assert len([ax for ax in fig.axes if ax.get_ylabel()]) == 3
    assert fig.axes[-1].get_xlabel().startswith("Gene rank")
    assert "TEST SET" in fig.axes[0].get_title() and "FDR < 0.001" in fig.axes[0].get_title()
    assert any(
        f"leading edge ({len(run.leading_edge)} genes)" in t.get_text()
        for legend in fig.legends
        for t in legend.get_texts()
    )


@pytest.mark.parametrize("weight", [0.0, 1.0, 2.0])
def test_running_curve_is_drawn_through_its_corners_only(weight: float) -> None:
    rng = np.random.default_rng(3)
    ranks = pd.Series(np.sort(rng.normal(size=3000))[::-1], index=[f"g{i}" for i in range(3000)])
    members = [f"g{i}" for i in sorted({0, 2999, *rng.choice(3000, 80, replace=False)})]
    run = running_sum(ranks, members, weight=weight)
    fig = plots_gsea.running_enrichment(run, set_name="SET", contrast="a_vs_b", nes=1.0, fdr=0.1)
    x, y = fig.axes[0].lines[0].get_data()
    assert len(x) < 3 * len(run.hits) + 2  # a few points per hit, not one per gene
    # the line through them passes through the curve at every gene
    assert np.allclose(np.interp(np.arange(len(run.curve)), x, y), run.curve, rtol=0, atol=1e-12)
    fills = [c for c in fig.axes[2].collections if c.get_rasterized()]
    assert len(fills) == 2  # the rank metric's two fills: pictures in SVG/PDF


def test_es_label_stays_clear_of_the_curve() -> None:
    ranks = pd.Series(np.linspace(3, -3, 2000), index=[f"g{i}" for i in range(2000)])
    for members in (range(0, 300, 7), range(1700, 2000, 7), range(0, 2000, 40)):
        run = running_sum(ranks, [f"g{i}" for i in members])
        fig = plots_gsea.running_enrichment(run, set_name="SET", contrast="a_vs_b", nes=1.0, fdr=0.1)
        fig.canvas.draw()
        ax = fig.axes[0]
        label = next(t for t in ax.texts if t.get_text().startswith("ES ="))
        box = label.get_window_extent()
        points = ax.transData.transform(np.column_stack([np.arange(len(run.curve)), run.curve]))
        inside = (
            (points[:, 0] >= box.x0) & (points[:, 0] <= box.x1) & (points[:, 1] >= box.y0) & (points[:, 1] <= box.y1)
        )
        assert not inside.any()
        assert ax.bbox.x0 <= box.x0 and box.x1 <= ax.bbox.x1 and ax.bbox.y0 <= box.y0 and box.y1 <= ax.bbox.y1


def test_nes_dotplot_size_key_reads_in_fdr_beside_the_plot() -> None:
    summary = pd.DataFrame({"set": ["S1", "S2"], "NES_c1": [2.0, -1.5], "FDR_c1": [1e-6, 0.2]})
    fig = plots_gsea.nes_dotplot(summary, sets=["S1", "S2"], contrasts=["c1"], fdr_floor=2e-5)
    fig.canvas.draw()
    legend = next(legend for ax in fig.axes for legend in [ax.get_legend()] if legend is not None)
    labels = [t.get_text() for t in legend.get_texts()]
    assert labels == ["0.05", "0.001", "≤ 2e-05", "< 0.05 (ring)"] and legend.get_title().get_text() == "FDR"
    plot = fig.axes[0].get_window_extent()
    assert legend.get_window_extent().x0 - plot.x1 < 1.0 * fig.dpi  # beside the plot, not at the page edge


def test_nes_dotplot_rows_and_colours() -> None:
    summary = pd.DataFrame(
        {
            "set": ["S1", "S2", "S3"],
            "collection": "x",
            "NES_c1": [2.0, -1.5, 0.2],
            "FDR_c1": [0.0, 0.01, 0.9],
            "NES_c2": [1.0, np.nan, -0.3],
            "FDR_c2": [0.2, np.nan, 0.8],
        }
    )
    sets = select_sets(summary, focus=["S3"], top_n=1)
    assert sets == ["S3", "S1"]
    fig = plots_gsea.nes_dotplot(summary, sets=["S1", "S2", "S3"], contrasts=["c1", "c2"], focus=["S3"])
    assert_labelled(fig)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["S1", "S2", "S3"]
    assert [t.get_fontweight() for t in ax.get_yticklabels()][2] == "bold"
    assert len(ax.collections[0].get_offsets()) == 5  # the NaN cell is left out
    assert "NES" in ax.collections[0].colorbar.ax.get_ylabel()


def test_score_boxplots_one_panel_per_set_in_group_colours(sheet, groups) -> None:
    scores = pd.DataFrame(
        [
            {"sample": s, "set": name, "genes": 10, "score": float(i)}
            for name in ("A_SET", "B_SET")
            for i, s in enumerate(sheet.index)
        ]
    )
    fig = plots_gsea.score_boxplots(scores, sheet, groups, method_label="score (a.u.)")
    panels = [ax for ax in fig.axes if ax.axison]
    assert len(panels) == 2 and all(ax.get_xlabel() == "condition" for ax in panels)
    assert fig._supylabel.get_text() == "score (a.u.)"
    assert {c.upper() for c in COLORS.values()} <= scatter_colors(fig)
