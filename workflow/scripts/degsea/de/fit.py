"""Differential expression with PyDESeq2: one fit per design, then every contrast."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import anndata as ad
import numpy as np
import pandas as pd
from formulaic_contrasts import FormulaicContrasts
from pydeseq2.dds import DeseqDataSet
from pydeseq2.default_inference import DefaultInference
from pydeseq2.ds import DeseqStats
from threadpoolctl import threadpool_limits

from degsea.de.design import Contrast, design_variables, model_frame, reference_levels
from degsea.de.exact import engine_classes
from degsea.errors import InputError

log = logging.getLogger(__name__)

#: Columns of every per-contrast result table, before the per-level means.
RESULT_COLUMNS = [
    "gene_id",
    "symbol",
    "baseMean",
    "log2FoldChange",
    "lfcSE",
    "stat",
    "pvalue",
    "padj",
    "log2FoldChange_shrunk",
    "lfcSE_shrunk",
]


@dataclass(frozen=True)
class DESettings:
    """DESeq2 options (the config's ``de`` section); defaults are DESeq2's."""

    alpha: float = 0.1
    fit_type: str = "parametric"
    cooks_filter: bool = True
    refit_cooks: bool = True
    min_replicates: int = 7
    independent_filter: bool = True
    shrink: bool = True
    engine: str = "deseq2_exact"
    lfc_threshold: float = 0.0
    alt_hypothesis: str = "greaterAbs"


@dataclass
class Fit:
    """A fitted PyDESeq2 dataset with what is needed to test contrasts on it."""

    dds: DeseqDataSet
    formula: str
    frame: pd.DataFrame
    continuous: tuple[str, ...]
    inference: DefaultInference
    stats_class: type[DeseqStats] = DeseqStats


def fit(
    adata: ad.AnnData,
    *,
    formula: str,
    contrasts: Sequence[Contrast],
    continuous: Sequence[str] = (),
    settings: DESettings = DESettings(),
    threads: int = 1,
    counts_file: str | None = None,
    references: Mapping[str, str] | None = None,
    test: Literal["Wald", "LRT"] = "Wald",
) -> Fit:
    """Fit the DESeq2 model once: size factors, dispersions, coefficients, Cook's distances.

    The baseline level of a factor is the configured one, else the reference of its first
    level-pair contrast, so that the most common contrasts are coefficients of the fit.

    Parameters
    ----------
    adata
        Samples x genes raw counts, obs = sample sheet (see :func:`degsea.inputs.counts.to_anndata`).
    formula
        The design, e.g. ``"~ batch + condition"``.
    contrasts
        The contrasts that will be tested (used to choose baseline levels).
    continuous
        Sheet columns that are continuous covariates.
    settings
        DESeq2 options.
    threads
        CPU cores for PyDESeq2.
    counts_file
        The file the counts were read from, for messages.
    references
        Baseline levels of factors (DESeq2's ``relevel``, config ``reference_levels``), before those
        of ``contrasts``' level pairs.
    test
        DESeq2's ``DESeq(test=)``: with ``"LRT"`` the Cook's distances (and so the outlier
        replacement and filtering) are those of DESeq2's likelihood-ratio test; test the
        designs with :func:`degsea.de.exact.lrt.likelihood_ratio_test`. Exact engine only.

    Raises
    ------
    InputError
        Counts too uniform for a dispersion trend (copies of one sample, nearly all zeros).
    """
    variables = design_variables(formula)
    frame = model_frame(adata.obs, variables, continuous=continuous, references=reference_levels(contrasts, references))
    counts = pd.DataFrame(np.asarray(adata.X), index=adata.obs_names, columns=adata.var_names)
    inference = DefaultInference(n_cpus=threads)
    dataset_class, stats_class = engine_classes(settings.engine)
    extra = {}
    if test != "Wald":
        if settings.engine != "deseq2_exact":
            raise InputError(
                "Likelihood-ratio tests need the DESeq2-exact engine.",
                where="config 'de: engine'",
                found=repr(settings.engine),
                allowed="deseq2_exact",
                hint="Set de: engine: deseq2_exact (the default).",
            )
        extra["test"] = test
    dds = dataset_class(
        counts=counts,
        metadata=frame,
        design=formula,
        fit_type=settings.fit_type,
        refit_cooks=settings.refit_cooks,
        min_replicates=settings.min_replicates,
        inference=inference,
        quiet=True,
        **extra,
    )
    dds.var["symbol"] = adata.var["symbol"].to_numpy()
    log.info("fitting %s on %d samples x %d genes (%d threads)", formula, dds.n_obs, dds.n_vars, threads)
    try:
        with single_threaded_blas():
            dds.deseq2()
    except ValueError as err:
        if "within 2 orders of magnitude" not in str(err):
            raise
        expressed = int((counts.sum(axis=0) > 0).sum())
        raise InputError(
            "The counts vary too little between samples to fit DESeq2's dispersion trend.",
            file=counts_file,
            where="every gene",
            found=f"{expressed} of {counts.shape[1]} genes with counts; all their gene-wise dispersions lie within "
            "2 orders of magnitude of the minimum",
            allowed="counts of biological replicates, which vary from sample to sample",
            hint="Are the samples copies of one another, simulated without noise, or is nearly every gene zero? "
            "Check the count matrix (DESeq2 stops on such data too).",
        ) from None
    log.info(
        "fit done: %d genes all zero, %d genes with Cook's outliers refitted",
        int((dds.var["_normed_means"] == 0).sum()),
        int(dds.var.get("refitted", pd.Series(False)).sum()),
    )
    return Fit(
        dds=dds,
        formula=formula,
        frame=frame,
        continuous=tuple(continuous),
        inference=inference,
        stats_class=stats_class,
    )


def test_contrast(fitted: Fit, contrast: Contrast, *, settings: DESettings = DESettings()) -> pd.DataFrame:
    """Wald-test one contrast and, if asked, shrink its log2 fold changes (apeGLM prior).

    Returns
    -------
    pandas.DataFrame
        :data:`RESULT_COLUMNS` plus ``baseMean_<test>`` and ``baseMean_<reference>`` (mean
        normalised count of each compared group), sorted by p-value then gene ID.
    """
    dds = fitted.dds
    with single_threaded_blas():
        stats = fitted.stats_class(
            dds,
            contrast=[contrast.variable, contrast.test, contrast.reference],
            alpha=settings.alpha,
            cooks_filter=settings.cooks_filter,
            independent_filter=settings.independent_filter,
            inference=fitted.inference,
            quiet=True,
        )
        stats.summary()
        shrunk, shrunk_se = (
            shrink_level_pair(fitted, contrast, settings=settings) if settings.shrink else (np.nan, np.nan)
        )
    table = stats.results_df.copy()
    table.insert(0, "symbol", dds.var["symbol"].to_numpy())
    table["log2FoldChange_shrunk"] = shrunk
    table["lfcSE_shrunk"] = shrunk_se
    normed = pd.DataFrame(dds.layers["normed_counts"], index=dds.obs_names, columns=dds.var_names)
    groups = dds.obs[contrast.variable].astype(str)
    for level in (contrast.test, contrast.reference):
        table[f"baseMean_{level}"] = normed[groups == level].mean(axis=0)
    table.index.name = "gene_id"
    table = table.reset_index()
    n_sig = int((table["padj"] < settings.alpha).sum())
    log.info("%s: %d genes with padj < %g", contrast.name, n_sig, settings.alpha)
    order = np.lexsort((table["gene_id"].to_numpy(), table["pvalue"].fillna(2.0).to_numpy()))
    return table.iloc[order].reset_index(drop=True)


def single_threaded_blas() -> threadpool_limits:
    """A context in which BLAS runs on one thread.

    The fit's matrix products are many and small (genes x samples times samples x p^2);
    OpenBLAS's threads cost more than they save there (ten times more CPU on a busy machine),
    and the fit runs its own threads over gene blocks.
    """
    return threadpool_limits(limits=1, user_api="blas")


def normalized_counts(fitted: Fit) -> pd.DataFrame:
    """Genes x samples counts divided by size factors, with gene_id and symbol columns."""
    dds = fitted.dds
    table = pd.DataFrame(dds.layers["normed_counts"].T, index=dds.var_names, columns=dds.obs_names)
    table.insert(0, "symbol", dds.var["symbol"].to_numpy())
    table.index.name = "gene_id"
    return table.reset_index()


#: The genes x samples layers of the fitted dataset written by the deseq2 rule.
FITTED_LAYERS = ("cooks", "normed_counts")


def fitted_anndata(fitted: Fit) -> ad.AnnData:
    """The fitted dataset as a plain AnnData (counts, size factors, dispersions, LFCs).

    Of the genes x samples layers it keeps the two documented ones (docs/output.md), Cook's
    distances and the normalised counts; the fit's working layers (fitted means, hat diagonals,
    ...) would add one counts-sized float matrix each (480 MB at 2,000 samples x 30,000 genes).
    """
    adata = fitted.dds.to_picklable_anndata()
    for name in [k for k in adata.layers if k not in FITTED_LAYERS]:
        del adata.layers[name]
    adata.obs = adata.obs.astype(
        {c: str for c in adata.obs.columns if isinstance(adata.obs[c].dtype, pd.CategoricalDtype)}
    )
    adata.uns = {k: v for k, v in adata.uns.items() if isinstance(v, (int, float, str, np.ndarray, list))}
    return adata


def shrink_level_pair(fitted: Fit, contrast: Contrast, *, settings: DESettings) -> tuple[np.ndarray, np.ndarray]:
    """apeGLM-prior shrinkage of a contrast, by re-parametrising the fit.

    PyDESeq2 shrinks a coefficient, not a contrast. When the contrast's reference is not
    the fit's baseline, the design is re-coded with the reference as baseline: the new
    design matrix spans the same space (X_new = X T), so the coefficients transform
    exactly (beta_new = T^-1 beta) and no refit is needed, as with DESeq2's relevel.
    """
    dds = fitted.dds
    frame = model_frame(
        fitted.frame,
        design_variables(fitted.formula),
        continuous=fitted.continuous,
        references={contrast.variable: contrast.reference},
    )
    new_design = FormulaicContrasts(frame, fitted.formula).design_matrix
    new_design.index = dds.obs_names
    stats = fitted.stats_class(
        dds,
        contrast=[contrast.variable, contrast.test, contrast.reference],
        alpha=settings.alpha,
        inference=fitted.inference,
        quiet=True,
    )
    old = stats.design_matrix.to_numpy(dtype=float)
    transform, *_ = np.linalg.lstsq(old, new_design.to_numpy(dtype=float), rcond=None)
    coefficient = f"{contrast.variable}[T.{contrast.test}]"
    stats.design_matrix = new_design
    stats.LFC = pd.DataFrame(
        stats.LFC.to_numpy() @ np.linalg.inv(transform).T, index=stats.LFC.index, columns=new_design.columns
    )
    stats.contrast_vector = (new_design.columns == coefficient).astype(float)
    stats.run_wald_test()
    stats.lfc_shrink(coeff=coefficient)
    return (stats.LFC[coefficient] / np.log(2)).to_numpy(), (stats.SE / np.log(2)).to_numpy()
