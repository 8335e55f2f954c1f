"""The DESeq2-exact tests: PyDESeq2's :class:`~pydeseq2.ds.DeseqStats` with DESeq2's and apeglm's steps:

* Wald test: standard errors computed with means clipped at ``min_mu``, and genes whose
  compared groups are all zero reported as LFC 0, p = 1 (``cleanContrast``); tests against
  a log2 fold-change threshold (``alt_hypothesis``, DESeq2's ``altHypothesis``);
* Cook's filtering by DESeq2's rule (:func:`~degsea.de.exact.cooks.cooks_outliers`), genes
  left all zero by the outlier replacement reported with p = 1;
* independent filtering (``pvalueAdjustment``): the rejection curve is smoothed with R's
  ``lowess`` (:func:`~degsea.de.exact.rcompat.r_lowess`), not PyDESeq2's variant;
* apeglm shrinkage (:meth:`DESeq2ExactStats.lfc_shrink`): apeglm's adaptive prior scale
  (``priorVar``) and the mode of apeglm's posterior (Cauchy prior on the coefficient,
  Normal(0, 15) on the others), found by Newton search; where the posterior has two modes,
  apeglm's own L-BFGS search is replayed to pick the mode apeglm reports (see
  :func:`~degsea.de.exact.apeglm.apeglm_map`); the posterior SD from the Hessian at the mode.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from scipy.stats import norm

from degsea.de.exact import seam
from degsea.de.exact.apeglm import apeglm_map, apeglm_prior_variance
from degsea.de.exact.contrasts import ContrastSpec, contrast_vector, zero_count_genes
from degsea.de.exact.results import contrast_se, independent_filtering, result_names
from degsea.de.exact.threshold import threshold_test

log = logging.getLogger(__name__)


class DESeq2ExactStats(seam.StatsSeam):
    """A :class:`~pydeseq2.ds.DeseqStats` whose Wald test and apeglm shrinkage follow DESeq2/apeglm.

    Same arguments as :class:`~pydeseq2.ds.DeseqStats`.
    """

    def run_wald_test(self) -> None:
        """Wald test with DESeq2's covariance (means clipped at ``min_mu``, ridge 1e-6 on the log2 scale).

        In DESeq2's ``results()`` order: genes whose compared samples are all zero (but not
        all-zero overall) get LFC 0, statistic 0 and p-value 1 (``cleanContrast``, for level
        pairs and for numeric contrasts with weights of both signs); with ``alt_hypothesis``
        set, the statistic and p-value are DESeq2's threshold test against ``lfc_null``
        (:func:`~degsea.de.exact.threshold.threshold_test`); genes left all zero by the
        outlier replacement get SE 0, statistic 0 and p-value 1.
        """
        lfc = self.LFC.to_numpy(dtype=float)
        contrast = np.asarray(self.contrast_vector, dtype=float)
        se = contrast_se(
            self.design_matrix.to_numpy(dtype=float),
            lfc,
            self.dds.obs[seam.SIZE_FACTORS].to_numpy(dtype=float),
            self.dds.var[seam.DISPERSIONS].to_numpy(dtype=float),
            contrast,
            min_mu=self.dds.min_mu,
            ridge=None if self.prior_LFC_var is None else np.diag(1 / self.prior_LFC_var**2),
        )
        zero = self._zero_count_genes(contrast)
        estimate = np.where(zero, 0.0, lfc @ contrast)
        if self.alt_hypothesis is None:
            with np.errstate(invalid="ignore", divide="ignore"):
                stat = (estimate - np.log(2) * self.lfc_null) / se
            pvals = 2 * norm.sf(np.abs(stat))
            stat[zero], pvals[zero] = 0.0, 1.0
        else:
            stat, pvals = threshold_test(
                estimate / np.log(2), se / np.log(2), lfc_threshold=self.lfc_null, alt_hypothesis=self.alt_hypothesis
            )
        self.p_values = pd.Series(pvals, index=self.dds.var_names)
        self.statistics = pd.Series(stat, index=self.dds.var_names)
        self.SE = pd.Series(se, index=self.dds.var_names)
        self.zero_lfc_genes_ = self.dds.var_names[zero]
        self._now_zero_to_null()

    def _zero_count_genes(self, vector: np.ndarray) -> np.ndarray:
        """DESeq2's ``cleanContrast`` genes (:func:`~degsea.de.exact.contrasts.zero_count_genes`)."""
        counts = np.asarray(self.dds.X)
        if isinstance(self.contrast, (list, tuple)):
            variable, test, reference = self.contrast
            spec = ContrastSpec.levels(variable, test, reference)
            return zero_count_genes(counts, self.design_matrix, vector, spec, groups=self.dds.obs[variable])
        return zero_count_genes(counts, self.design_matrix, vector, ContrastSpec.numeric(vector))

    def _now_zero_to_null(self) -> None:
        """Genes left all zero by the outlier replacement: SE 0, statistic 0, p-value 1 (DESeq2)."""
        if self.dds.refit_cooks and self.dds.var[seam.REPLACED].sum() > 0:
            self.SE.loc[self.dds.new_all_zeroes_genes] = 0.0
            self.statistics.loc[self.dds.new_all_zeroes_genes] = 0.0
            self.p_values.loc[self.dds.new_all_zeroes_genes] = 1.0

    def cooks_filtering(self) -> None:
        """DESeq2's Cook's filter (:func:`~degsea.de.exact.cooks.cooks_outliers`), then p = 1 for genes
        left all zero by the outlier replacement, in DESeq2's order."""
        if not hasattr(self, "p_values"):
            self.run_wald_test()
        self.p_values[self.dds.cooks_outlier().to_numpy(dtype=bool)] = np.nan
        self._now_zero_to_null()

    def summary(self, **kwargs) -> None:
        """As :meth:`pydeseq2.ds.DeseqStats.summary`; genes with both compared groups all zero report LFC 0."""
        super().summary(**kwargs)
        names = getattr(self, "zero_lfc_genes_", None)
        if names is not None and len(names) and not self.shrunk_LFCs:
            self.results_df.loc[names, "log2FoldChange"] = 0.0

    def independent_filtering(self) -> None:
        """Independent filtering as DESeq2's ``pvalueAdjustment``
        (:func:`~degsea.de.exact.results.independent_filtering`, R's lowess).

        PyDESeq2's ``summary()`` calls it (through :class:`~degsea.de.exact.seam.StatsSeam`).
        """
        if not hasattr(self, "p_values"):
            self.run_wald_test()
        padj, self.filter_theta_, self.filter_threshold_ = independent_filtering(
            self.base_mean.to_numpy(dtype=float), self.p_values.to_numpy(dtype=float), alpha=self.alpha
        )
        self.padj = pd.Series(padj, index=self.dds.var_names)

    def lfc_shrink(self, coeff: str, adapt: bool = True) -> None:
        """LFC shrinkage with the apeglm prior, as ``lfcShrink(type='apeglm')``.

        The prior scale is apeglm's adaptive estimate from the MLEs and their standard
        errors (``priorVar``, at most 1). The posterior mode is searched for every gene with
        :func:`apeglm_map`; genes with all-zero counts stay NaN.
        """
        if coeff not in self.LFC.columns:
            raise KeyError(f"The coeff argument '{coeff}' should be one the LFC columns: {list(self.LFC.columns)}")
        coeff_idx = self.LFC.columns.get_loc(coeff)
        if not hasattr(self, "SE"):
            self.run_wald_test()
        prior_scale = 1.0
        if adapt:
            se = self.SE.to_numpy(dtype=float)
            lfc = self.LFC.iloc[:, coeff_idx].to_numpy(dtype=float)
            prior_var = apeglm_prior_variance(lfc, se)
            prior_scale = min(np.sqrt(prior_var), 1.0)
        self.prior_scale_ = prior_scale
        nz = self.dds.non_zero_idx
        x = self.design_matrix.to_numpy(dtype=float)
        y = np.ascontiguousarray(self.dds.X[:, nz].T, dtype=float)  # genes x samples: one copy, not two
        size = 1.0 / self.dds.var[seam.DISPERSIONS].to_numpy(dtype=float)[nz]
        offset = np.broadcast_to(np.log(self.dds.obs[seam.SIZE_FACTORS].to_numpy(dtype=float)), y.shape)
        beta, sd, converged = apeglm_map(
            y, x, size, offset, shrink=coeff_idx, prior_scale=prior_scale, threads=self.dds._threads()
        )
        names = self.dds.non_zero_genes
        self.LFC.loc[names, coeff] = beta[:, coeff_idx]
        self.SE = self.SE.copy()
        self.SE.loc[names] = sd[:, coeff_idx]
        zero = self.dds.var_names[~self.dds.var[seam.NON_ZERO].to_numpy()]
        self.LFC.loc[zero, coeff] = np.nan
        self.SE.loc[zero] = np.nan
        shrink_converged = pd.Series(pd.array([pd.NA] * self.dds.n_vars, dtype="boolean"), index=self.dds.var_names)
        shrink_converged.loc[names] = converged
        setattr(self, seam.LFC_SHRINK_CONVERGED, shrink_converged)
        if (~converged).any():
            log.info("apeglm shrinkage: %d genes did not converge", int((~converged).sum()))
        self.shrunk_LFCs = True
        if hasattr(self, "results_df"):
            self.results_df["log2FoldChange"] = self.LFC.iloc[:, coeff_idx] / np.log(2)
            self.results_df["lfcSE"] = self.SE / np.log(2)


def shrink_coefficient(dds, name: str) -> tuple[np.ndarray, np.ndarray]:  # noqa: ANN001
    """apeglm shrinkage of one coefficient, as DESeq2's ``lfcShrink(dds, coef=name, type="apeglm")``.

    Parameters
    ----------
    dds
        A fitted DESeq2-exact dataset (Wald fit).
    name
        The coefficient's DESeq2 name (``resultsNames``), e.g. ``sexMale.timeDay8``.

    Returns
    -------
    tuple of numpy.ndarray
        Shrunken log2 fold changes and their posterior SDs (log2 scale), one per gene.

    Raises
    ------
    degsea.errors.InputError
        Unknown coefficient name.
    """
    vector = contrast_vector(ContrastSpec.coefficient(name), result_names(dds))
    column = dds.obsm[seam.DESIGN_MATRIX].columns[int(np.argmax(vector))]
    stats = DESeq2ExactStats(dds, contrast=vector, quiet=True)
    stats.run_wald_test()
    stats.lfc_shrink(coeff=column)
    return (stats.LFC[column] / np.log(2)).to_numpy(), (stats.SE / np.log(2)).to_numpy()
