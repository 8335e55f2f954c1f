"""Figures at cohort size: past MANY_SAMPLES samples every figure takes its scalable form.

The sample count is large (2,000) and the gene count small, so the tests stay fast; speed and
memory at 2,000 samples x 30,000 genes are measured by bench/figures_scale.py, not here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.patches import Rectangle

from degsea.de.qc import PCA, CooksOutliers, sample_distances
from degsea.plots import de as plots_de
from degsea.plots import gsea as plots_gsea
from degsea.plots import profiles as plots_profiles
from degsea.plots import qc as plots_qc
from degsea.plots import style
from degsea.tables import zscore_rows

N = 2000
LEVELS = ("control", "low", "high")


@pytest.fixture(scope="module")
def sheet() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    return pd.DataFrame(
        {"condition": rng.choice(LEVELS, N), "batch": rng.choice(["b1", "b2"], N)},
        index=pd.Index([f"S{i:04d}" for i in range(N)], name="sample"),
    )


@pytest.fixture(scope="module")
def groups(sheet: pd.DataFrame) -> style.Groups:
    return style.make_groups(sheet, color_by="condition", shape_by="batch", levels={"condition": list(LEVELS)})


@pytest.fixture(scope="module")
def order(sheet: pd.DataFrame) -> list[str]:
    rank = {level: i for i, level in enumerate(LEVELS)}
    return list(sheet.index[np.argsort(sheet["condition"].map(rank).to_numpy(), kind="stable")])


@pytest.fixture(scope="module")
def library(sheet: pd.DataFrame) -> pd.DataFrame:
    rng = np.random.default_rng(4)
    return pd.DataFrame(
        {
            "library_size": rng.lognormal(17, 0.3, N).astype(np.int64),
            "detected_genes": rng.integers(100, 200, N),
            "size_factor": rng.lognormal(0, 0.3, N),
        },
        index=sheet.index,
    )


def tick_labels(fig: Figure) -> int:
    """The most tick labels with text on any axis of the figure."""
    counts = [
        sum(1 for t in labels if t.get_text())
        for ax in fig.axes
        for labels in (ax.get_xticklabels(), ax.get_yticklabels())
    ]
    return max(counts, default=0)


def artists(fig: Figure) -> int:
    return sum(len(ax.get_children()) for ax in fig.axes)


def test_group_blocks_are_runs_of_one_level(sheet, groups, order) -> None:
    blocks = plots_qc.group_blocks(order, sheet, groups)
    assert [level for level, _, _ in blocks] == list(LEVELS)
    assert blocks[0][1] == 0 and blocks[-1][2] == N
    for level, start, stop in blocks:
        assert set(sheet.loc[order[start:stop], "condition"]) == {level}


@pytest.mark.parametrize("name", ["library_sizes", "size_factors"])
def test_per_sample_bars_become_one_sorted_profile_per_group(name, library, sheet, groups, order) -> None:
    fig = getattr(plots_qc, name)(library, sheet, groups, order=order)
    bars = [p for ax in fig.axes for p in ax.patches if isinstance(p, Rectangle)]
    assert len(bars) < 10  # no bar per sample
    assert tick_labels(fig) <= plots_qc.MANY_SAMPLES
    profile_ax = fig.axes[1 if name == "library_sizes" else 0]  # library sizes: the lower panel names the groups
    assert [t.get_text() for t in profile_ax.get_xticklabels()] == list(LEVELS)
    assert f"{N:,} samples" in profile_ax.get_xlabel()
    assert artists(fig) < 80


def test_few_samples_keep_a_bar_and_a_name_per_sample(library, sheet, groups, order) -> None:
    few = order[: plots_qc.MANY_SAMPLES]
    fig = plots_qc.library_sizes(library, sheet, groups, order=few)
    bars = [p for p in fig.axes[1].patches if isinstance(p, Rectangle)]
    assert len(bars) == len(few)
    assert [t.get_text() for t in fig.axes[1].get_xticklabels()] == few


def test_pca_of_thousands_draws_one_collection_per_marker_and_no_names(sheet, groups) -> None:
    rng = np.random.default_rng(5)
    scores = pd.DataFrame(rng.normal(size=(N, 3)), index=sheet.index, columns=["PC1", "PC2", "PC3"])
    components = PCA(scores=scores, variance_ratio=pd.Series([0.5, 0.3, 0.2], index=scores.columns), n_genes=500)
    fig = plots_qc.pca_scatter(components, sheet, groups, labels=True)
    ax = fig.axes[0]
    assert len(ax.collections) == len(groups.markers)
    assert sum(len(c.get_offsets()) for c in ax.collections) == N
    assert all(c.get_rasterized() for c in ax.collections)
    names = [t.get_text() for t in ax.texts]
    assert not any(name in set(sheet.index) for name in names)
    assert any("no sample labels" in name for name in names)


def test_sample_distances_are_one_image_without_sample_names(sheet, groups) -> None:
    rng = np.random.default_rng(6)
    distances = sample_distances(pd.DataFrame(rng.normal(size=(5, N)), columns=sheet.index))
    fig = plots_qc.sample_distance_heatmap(distances, sheet, groups)
    images = [a for ax in fig.axes for a in ax.get_children() if isinstance(a, AxesImage)]
    assert sorted(im.get_array().shape for im in images) == [(N, 1, 3), (N, N)]  # group strip and distances
    assert tick_labels(fig) <= plots_qc.MANY_SAMPLES
    assert artists(fig) < 200  # no artist per cell or per sample
    trees = [c for ax in fig.axes for c in ax.collections if isinstance(c, LineCollection)]
    assert trees and all(c.get_linewidth()[0] < 0.5 for c in trees)


def test_cooks_distances_become_quantile_bands(sheet, groups, order) -> None:
    rng = np.random.default_rng(7)
    genes = [f"g{i}" for i in range(50)]
    distances = pd.DataFrame(rng.gamma(0.5, 0.05, (N, 50)), index=sheet.index, columns=genes)
    per_sample = pd.DataFrame({"outlier_genes": (distances.to_numpy() > 1).sum(axis=1)}, index=sheet.index)
    outliers = CooksOutliers(cutoff=1.0, per_sample=per_sample, genes=genes[:3], distances=distances)
    fig = plots_qc.cooks_distances(outliers, sheet, groups, order=order)
    ax = fig.axes[0]
    assert not ax.patches  # no box per sample
    assert len(ax.lines) < 10  # no whiskers and caps per sample
    assert tick_labels(fig) <= plots_qc.MANY_SAMPLES
    assert "bands" in ax.get_title()


def test_cooks_boxes_of_few_samples_draw_their_outlier_points_as_a_picture(sheet, groups, order) -> None:
    few = order[:6]
    rng = np.random.default_rng(7)
    genes = [f"g{i}" for i in range(400)]
    distances = pd.DataFrame(rng.gamma(0.5, 0.05, (len(few), 400)), index=few, columns=genes)
    per_sample = pd.DataFrame({"outlier_genes": (distances.to_numpy() > 1).sum(axis=1)}, index=few)
    outliers = CooksOutliers(cutoff=1.0, per_sample=per_sample, genes=genes[:3], distances=distances)
    fig = plots_qc.cooks_distances(outliers, sheet.loc[few], groups, order=few)
    ax = fig.axes[0]
    assert len(ax.patches) == len(few)  # one box per sample
    fliers = [line for line in ax.lines if line.get_marker() not in (None, "None", "")]
    assert len(fliers) == len(few) and sum(len(line.get_xdata()) for line in fliers) > 0
    assert all(line.get_rasterized() for line in fliers)  # thousands of points: one picture in SVG/PDF
    label = next(t for t in ax.texts if t.get_text().startswith("cutoff F(0.99)"))
    assert label.get_bbox_patch() is not None  # on a white box: readable over the points above the line


def test_per_sample_quantiles_match_numpy_and_skip_non_finite() -> None:
    rng = np.random.default_rng(8)
    values = rng.gamma(0.5, 0.1, (130, 40))
    values[3, 5] = np.nan
    rows = np.array([129, 3, 0, 64])
    got = plots_qc.per_sample_quantiles(values, rows, chunk=3)
    for i, row in enumerate(rows):
        logged = np.log10(np.clip(values[row], 1e-12, None))
        expected = np.quantile(logged[np.isfinite(logged)], plots_qc.COOKS_QUANTILES)
        np.testing.assert_allclose(got[i], expected)


def test_heatmap_of_thousands_of_samples_names_the_groups_and_keeps_the_gap(sheet, groups, order) -> None:
    rng = np.random.default_rng(9)
    values = pd.DataFrame(rng.normal(size=(20, N)), columns=sheet.index)
    inside = [s for s in order if sheet.loc[s, "condition"] != "low"]
    outside = [s for s in order if sheet.loc[s, "condition"] == "low"]
    z = zscore_rows(values.loc[:, inside + outside], within=inside)
    fig = plots_de.expression_heatmap(
        z, sheet, groups, samples=inside + outside, title="t", gap_after=len(inside), gap_label="others"
    )
    heat = fig.axes[1]
    assert [t.get_text() for t in heat.get_xticklabels()] == ["control", "high", "low"]
    image = next(a for a in heat.get_children() if isinstance(a, AxesImage))
    gap = N // 80
    assert image.get_array().shape == (20, N + gap)
    assert np.ma.getmaskarray(image.get_array())[:, len(inside) : len(inside) + gap].all()
    assert tick_labels(fig) <= plots_qc.MANY_SAMPLES


def test_score_plots_draw_one_collection_per_group_and_marker(sheet, groups) -> None:
    rng = np.random.default_rng(10)
    scores = pd.DataFrame(
        [(s, name, rng.normal()) for name in ("A", "B") for s in sheet.index], columns=["sample", "set", "score"]
    )
    fig = plots_gsea.score_boxplots(scores, sheet, groups, method_label="score")
    for ax in fig.axes[:2]:
        assert len(ax.collections) <= len(LEVELS) * len(groups.markers)
        assert sum(len(c.get_offsets()) for c in ax.collections) == N


def test_profiles_draw_each_cluster_as_one_collection() -> None:
    rng = np.random.default_rng(11)
    columns = ["Day0", "Day4", "Day8"]
    table = pd.DataFrame(rng.normal(size=(2000, 3)), columns=columns)
    table.insert(0, "cluster", rng.integers(1, 4, 2000))
    fig = plots_profiles.profile_figure(table, columns, title="t")
    ax = fig.axes[0]
    assert len(ax.lines) == 2  # the cluster's mean and the zero line
    (lines,) = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert len(lines.get_segments()) == int((table["cluster"] == 1).sum())
    low, high = ax.get_ylim()
    members = table.loc[table["cluster"] == 1, columns].to_numpy()
    assert low <= members.min() and high >= members.max()


CAPTIONS = (
    "qc_library_sizes",
    "qc_size_factors",
    "qc_pca_pc1_pc2",
    "qc_pca_pc1_pc3",
    "qc_sample_distances",
    "qc_cooks_distances",
    "de_heatmap",
    "gsea_leading_edge",
    "collection_scores_heatmap",
    "sample_scores",
)


@pytest.mark.parametrize("name", CAPTIONS)
def test_captions_name_the_sample_count_where_the_form_changes(name) -> None:
    from pathlib import Path

    caption = Path(__file__).resolve().parents[2] / "workflow" / "report" / f"{name}.rst"
    text = " ".join(caption.read_text().split())
    assert f"With more than {plots_qc.MANY_SAMPLES} samples" in text


def test_the_qc_figures_read_only_what_they_draw_of_the_fitted_dataset(tmp_path) -> None:
    import anndata as ad

    from degsea.de import qc
    from degsea.steps.figures_qc import fitted_for_qc

    rng = np.random.default_rng(12)
    n, g = 12, 30
    genes = pd.Index([f"g{i}" for i in range(g)])
    var = pd.DataFrame(
        {
            "_normed_means": np.r_[0.0, rng.uniform(1, 100, g - 1)],
            "genewise_dispersions": rng.uniform(0.01, 1, g),
            "fitted_dispersions": rng.uniform(0.01, 1, g),
            "dispersions": rng.uniform(0.01, 1, g),
            "_outlier_genes": np.arange(g) == 3,
        },
        index=genes,
    )
    obs = pd.DataFrame({"size_factors": rng.uniform(0.5, 2, n)}, index=[f"s{i}" for i in range(n)])
    full = ad.AnnData(X=rng.poisson(5, (n, g)), obs=obs, var=var)
    full.obsm["design_matrix"] = np.c_[np.ones(n), np.repeat([0.0, 1.0], n // 2)]
    full.obsm["_hat_diagonals"] = rng.uniform(size=(n, g))
    full.layers["cooks"] = rng.gamma(0.5, 0.3, (n, g))
    full.layers["_mu_hat"] = rng.uniform(1, 9, (n, g))
    path = tmp_path / "fit.h5ad"
    full.write_h5ad(path)
    part = fitted_for_qc(str(path))
    assert part.X is None and list(part.layers) == ["cooks"] and list(part.obsm) == ["design_matrix"]
    got, expected = qc.cooks_outliers(part), qc.cooks_outliers(full)
    assert got.cutoff == expected.cutoff and got.genes == expected.genes
    pd.testing.assert_frame_equal(got.distances, expected.distances)
    pd.testing.assert_frame_equal(got.per_sample, expected.per_sample)
    pd.testing.assert_frame_equal(qc.dispersions(part), qc.dispersions(full))
    pd.testing.assert_series_equal(part.obs["size_factors"], full.obs["size_factors"])
