"""Sample quality control: VST, library sizes, PCA, sample distances, dispersions, Cook's outliers."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # the figure jobs import this module for sample order: no anndata or scipy.stats at import
    import anndata as ad

log = logging.getLogger(__name__)

#: DESeq2's default quantile of the F distribution for calling a Cook's distance an outlier.
COOKS_QUANTILE = 0.99


def variance_stabilise(adata: ad.AnnData, *, fit_type: str = "parametric", n_sub: int | None = 1000) -> pd.DataFrame:
    """Variance-stabilising transformation of raw counts with PyDESeq2, as DESeq2's ``vst()``.

    As DESeq2's default (``blind=TRUE``), the dispersion trend is fitted with an
    intercept-only design, blind to the sample groups. As DESeq2's ``vst(nsub = 1000)``, the
    trend is fitted on ``n_sub`` genes of mean normalised count above 5 (here chosen evenly
    along the ranked means, so the result is deterministic) and then applied to all genes
    with the size factors of all genes; with ``n_sub=None``, or too few such genes, or
    ``fit_type="mean"``, PyDESeq2's ``DeseqDataSet.vst()`` is fitted on all genes.

    Parameters
    ----------
    adata
        Samples x genes raw counts with ``var['symbol']`` (see :func:`degsea.inputs.counts.to_anndata`).
    fit_type
        Dispersion trend: ``"parametric"`` or ``"mean"`` (DESeq2's fitType).
    n_sub
        Genes used to fit the trend (DESeq2's ``nsub``), or ``None`` for all genes.

    Returns
    -------
    pandas.DataFrame
        Genes x samples VST values (log2 scale), index ``gene_id``, first column ``symbol``.
    """
    from pydeseq2.dds import DeseqDataSet
    from pydeseq2.default_inference import DefaultInference

    counts = pd.DataFrame(np.asarray(adata.X), index=adata.obs_names, columns=adata.var_names)
    metadata = pd.DataFrame({"intercept": np.ones(adata.n_obs)}, index=adata.obs_names)
    inference = DefaultInference(n_cpus=1)
    dds = DeseqDataSet(
        counts=counts, metadata=metadata, design="~ 1", fit_type=fit_type, inference=inference, quiet=True
    )
    dds.fit_size_factors()
    means = np.asarray(dds.layers["normed_counts"]).mean(axis=0)
    candidates = np.flatnonzero(means > 5)
    if n_sub is None or fit_type != "parametric" or len(candidates) < 2 * n_sub:
        dds.vst(use_design=False, fit_type=fit_type)
        values = np.asarray(dds.layers["vst_counts"])
        used = adata.n_vars
    else:
        ranked = candidates[np.argsort(means[candidates], kind="stable")]
        subset = np.sort(ranked[np.linspace(0, len(ranked) - 1, n_sub).round().astype(int)])
        sub = DeseqDataSet(
            counts=counts.iloc[:, subset],
            metadata=metadata,
            design="~ 1",
            fit_type=fit_type,
            inference=inference,
            quiet=True,
        )
        # the size factors of all genes, as DESeq2 does (vst_fit refits them unless these are set)
        sub.obs["size_factors"] = dds.obs["size_factors"].to_numpy()
        sub.obsm["size_factors"] = dds.obs["size_factors"].to_numpy()
        sub.layers["normed_counts"] = sub.X / sub.obs["size_factors"].to_numpy()[:, None]
        sub.var["_normed_means"] = sub.layers["normed_counts"].mean(axis=0)
        sub.logmeans = dds.logmeans
        sub.vst_fit(use_design=False)
        dds.uns["vst_trend_coeffs"] = sub.uns["vst_trend_coeffs"]
        dds.vst_fit_type = fit_type
        values = np.asarray(dds.vst_transform())
        used = n_sub
    table = pd.DataFrame(values.T, index=adata.var_names, columns=adata.obs_names)
    table.insert(0, "symbol", adata.var["symbol"].astype(str).to_numpy())
    table.index.name = "gene_id"
    table.columns.name = None
    log.info("VST (blind, %s trend on %d genes) of %d genes x %d samples", fit_type, used, adata.n_vars, adata.n_obs)
    return table


def library_stats(adata: ad.AnnData, *, size_factors: pd.Series | None = None) -> pd.DataFrame:
    """Per sample: library size (total counts), detected genes (count > 0) and size factor.

    Returns
    -------
    pandas.DataFrame
        Index ``sample``; columns ``library_size``, ``detected_genes`` and, when given,
        ``size_factor``.
    """
    counts = np.asarray(adata.X)
    table = pd.DataFrame(
        {
            "library_size": counts.sum(axis=1).astype(np.int64),
            "detected_genes": (counts > 0).sum(axis=1).astype(np.int64),
        },
        index=pd.Index(adata.obs_names, name="sample"),
    )
    if size_factors is not None:
        table["size_factor"] = size_factors.reindex(table.index).to_numpy(dtype=float)
    return table


@dataclass(frozen=True)
class PCA:
    """A principal component analysis of samples.

    Attributes
    ----------
    scores
        Samples x components (``PC1``, ``PC2``, ...).
    variance_ratio
        Share of variance per component (sums to 1 over all components).
    n_genes
        Number of (most variable) genes used.
    """

    scores: pd.DataFrame
    variance_ratio: pd.Series
    n_genes: int


def pca(expression: pd.DataFrame, *, n_top: int = 500) -> PCA:
    """PCA of samples on the ``n_top`` most variable genes, as DESeq2's ``plotPCA``.

    Genes are centred, not scaled. Component signs are fixed so that the sample with the
    largest absolute score has a positive score, which makes the result reproducible.

    Parameters
    ----------
    expression
        Genes x samples numeric values (e.g. VST; no symbol column).
    n_top
        How many of the most variable genes to use.
    """
    values = expression.to_numpy(dtype=float)
    # per block of genes: var() makes a temporary as large as its input (GiBs at cohort size)
    variance = np.concatenate([values[i : i + 2048].var(axis=1, ddof=1) for i in range(0, len(values), 2048)])
    order = np.lexsort((np.arange(len(variance)), -variance))[: min(n_top, len(variance))]
    top = values[order].T  # samples x genes
    centred = top - top.mean(axis=0)
    u, s, _ = np.linalg.svd(centred, full_matrices=False)
    n_components = max(1, min(centred.shape[0] - 1, centred.shape[1]))
    u, s = u[:, :n_components], s[:n_components]
    scores = u * s
    for j in range(n_components):
        if scores[np.argmax(np.abs(scores[:, j])), j] < 0:
            scores[:, j] *= -1
    eigen = s**2
    total = (centred**2).sum()
    names = [f"PC{i + 1}" for i in range(n_components)]
    return PCA(
        scores=pd.DataFrame(scores, index=expression.columns, columns=names),
        variance_ratio=pd.Series(eigen / total, index=names, name="variance_ratio"),
        n_genes=len(order),
    )


def sample_distances(expression: pd.DataFrame) -> pd.DataFrame:
    """Euclidean distances between samples (columns) over all genes, samples x samples."""
    values = expression.to_numpy(dtype=float).T
    squared = np.einsum("ij,ij->i", values, values)  # no samples x genes temporary
    cross = values @ values.T  # first: 2 * values @ values.T would copy the samples x genes values
    distance = np.sqrt(np.clip(squared[:, None] + squared[None, :] - 2 * cross, 0, None))
    np.fill_diagonal(distance, 0.0)
    return pd.DataFrame(distance, index=expression.columns, columns=expression.columns)


def dispersions(fitted: ad.AnnData) -> pd.DataFrame:
    """The dispersion estimates of a fitted DESeq2 dataset (``results/de/deseq2_fit.h5ad``).

    Returns
    -------
    pandas.DataFrame
        Index ``gene_id``; ``mean`` (mean normalised count), ``genewise``, ``trend``,
        ``final`` (MAP, or gene-wise for dispersion outliers) and ``outlier`` (gene-wise
        estimate far above the trend, kept as final, as DESeq2 marks them). All-zero genes
        are left out.
    """
    var = fitted.var
    table = pd.DataFrame(
        {
            "mean": var["_normed_means"].astype(float),
            "genewise": var["genewise_dispersions"].astype(float),
            "trend": var["fitted_dispersions"].astype(float),
            "final": var["dispersions"].astype(float),
            "outlier": var["_outlier_genes"].astype(bool) if "_outlier_genes" in var else False,
        },
        index=pd.Index(fitted.var_names, name="gene_id"),
    )
    return table[(table["mean"] > 0) & np.isfinite(table["genewise"])]


@dataclass(frozen=True)
class CooksOutliers:
    """Cook's distances against DESeq2's cutoff.

    Attributes
    ----------
    cutoff
        ``F(0.99; p, m - p)`` with p coefficients and m samples (DESeq2's ``cooksCutoff``).
    per_sample
        Index ``sample``: ``outlier_genes`` (genes whose Cook's distance in this sample is
        above the cutoff).
    genes
        Gene IDs with at least one outlier sample (among samples of groups with 3 or more).
    distances
        Samples x genes Cook's distances (all-zero genes left out).
    """

    cutoff: float
    per_sample: pd.DataFrame
    genes: list[str]
    distances: pd.DataFrame


def cooks_outliers(fitted: ad.AnnData, *, quantile: float = COOKS_QUANTILE) -> CooksOutliers:
    """Count Cook's-distance outliers of a fitted DESeq2 dataset as DESeq2 flags them.

    Only samples in design cells with at least 3 replicates count, as in DESeq2's
    ``results`` (a sample alone in its cell always has a large Cook's distance).
    """
    from scipy.special import fdtri  # = scipy.stats.f.ppf, without scipy.stats' import (~0.2 s)

    design = np.asarray(fitted.obsm["design_matrix"], dtype=float)
    m, p = design.shape
    cutoff = float(fdtri(p, m - p, quantile)) if m > p else np.inf
    _, cell, size = np.unique(design, axis=0, return_inverse=True, return_counts=True)
    counted = size[cell.ravel()] >= 3
    nonzero = fitted.var["_normed_means"].to_numpy(dtype=float) > 0
    cooks = np.asarray(fitted.layers["cooks"], dtype=float)
    if not nonzero.all():
        cooks = cooks[:, nonzero]
    distances = pd.DataFrame(cooks, index=fitted.obs_names, columns=fitted.var_names[nonzero])
    above = (cooks > cutoff) & counted[:, None]
    per_sample = pd.DataFrame(
        {"outlier_genes": above.sum(axis=1).astype(np.int64)}, index=pd.Index(fitted.obs_names, name="sample")
    )
    genes = sorted(distances.columns[above.any(axis=0)].astype(str))
    log.info("Cook's cutoff %.3g (p = %d, m = %d): %d genes with an outlier", cutoff, p, m, len(genes))
    return CooksOutliers(cutoff=cutoff, per_sample=per_sample, genes=genes, distances=distances)


def sample_table(
    library: pd.DataFrame, components: PCA, outliers: CooksOutliers, sheet: pd.DataFrame, *, n_components: int = 3
) -> pd.DataFrame:
    """One row per sample: sheet columns, library stats, Cook's outlier genes and PCA scores."""
    table = sheet.copy()
    table.index.name = "sample"
    table = table.join(library).join(outliers.per_sample)
    table = table.join(components.scores.iloc[:, :n_components])
    return table.reset_index()


def order_samples(sheet: pd.DataFrame, *, by: str, levels: Sequence[str]) -> list[str]:
    """Samples sorted by the display order of ``levels`` of column ``by``, sheet order within a level."""
    rank = {level: i for i, level in enumerate(levels)}
    keys = sheet[by].astype(str).map(lambda v: rank.get(v, len(rank)))
    return list(sheet.index[np.argsort(keys.to_numpy(), kind="stable")])
