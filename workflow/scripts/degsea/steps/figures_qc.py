"""Rule-facing step of the sample-QC figures and tables."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from degsea.io import write_table
from degsea.steps.counts import counts_sheet
from degsea.steps.figures import by_stem, plot_groups_of, read_vst, save_figure


def sample_qc(
    *,
    counts_h5ad: str,
    vst_table: str,
    fitted_h5ad: str,
    samples_out: str,
    variance_out: str,
    figures: Sequence[str],
    groups: Mapping[str, Any],
    pca_top_genes: int = 500,
    fit_type: str = "parametric",
    pca_labels: bool = False,
    dpi: int = 300,
) -> None:
    """Rule sample_qc: per-sample QC table, PCA variance table and the QC figures.

    ``figures`` holds paths whose stems are library_sizes, size_factors, pca_pc1_pc2,
    pca_pc1_pc3, scree, sample_distances, dispersions and cooks_distances; ``pca_labels``
    writes the sample IDs on the PCA plots.
    """
    import anndata as ad

    from degsea.de import qc
    from degsea.plots import qc as plots_qc

    fitted = fitted_for_qc(fitted_h5ad)
    sheet = counts_sheet(counts_h5ad)
    plot_groups = plot_groups_of(sheet, groups)
    order = qc.order_samples(sheet, by=plot_groups.color_by, levels=plot_groups.levels)
    library = qc.library_stats(ad.read_h5ad(counts_h5ad), size_factors=fitted.obs["size_factors"])
    vst = read_vst(vst_table)
    vst.pop("symbol")  # in place: drop() would copy the samples x genes values
    components = qc.pca(vst, n_top=pca_top_genes)
    outliers = qc.cooks_outliers(fitted)
    write_table(qc.sample_table(library, components, outliers, sheet), samples_out)
    variance = pd.DataFrame(
        {
            "component": components.variance_ratio.index,
            "variance_ratio": components.variance_ratio.to_numpy(),
            "n_genes": components.n_genes,
        }
    )
    write_table(variance, variance_out)
    paths = by_stem(figures)
    makers = {
        "library_sizes": lambda: plots_qc.library_sizes(library, sheet, plot_groups, order=order),
        "size_factors": lambda: plots_qc.size_factors(library, sheet, plot_groups, order=order),
        "pca_pc1_pc2": lambda: plots_qc.pca_scatter(
            components, sheet, plot_groups, x="PC1", y="PC2", labels=pca_labels
        ),
        "pca_pc1_pc3": lambda: plots_qc.pca_scatter(
            components, sheet, plot_groups, x="PC1", y="PC3", labels=pca_labels
        ),
        "scree": lambda: plots_qc.scree(components),
        "sample_distances": lambda: plots_qc.sample_distance_heatmap(qc.sample_distances(vst), sheet, plot_groups),
        "dispersions": lambda: plots_qc.dispersion_plot(qc.dispersions(fitted), fit_type=fit_type),
        "cooks_distances": lambda: plots_qc.cooks_distances(outliers, sheet, plot_groups, order=order),
    }
    for stem, targets in paths.items():
        save_figure(makers[stem](), targets, dpi=dpi)


def fitted_for_qc(path: str) -> Any:
    """What the QC figures use of the fitted dataset: obs, var, the design matrix and Cook's distances.

    Its counts, fitted means, normalised counts and hat values (each samples x genes: GiBs
    together at cohort size) are left on disk.
    """
    import anndata as ad
    import h5py
    from anndata.io import read_elem

    with h5py.File(path, "r") as handle:
        return ad.AnnData(
            obs=read_elem(handle["obs"]),
            var=read_elem(handle["var"]),
            obsm={"design_matrix": read_elem(handle["obsm/design_matrix"])},
            layers={"cooks": read_elem(handle["layers/cooks"])},
        )
