"""The DESeq2-exact tests: PyDESeq2's :class:`~pydeseq2.ds.DeseqStats` with DESeq2's and apeglm's steps:

* Wald test: standard errors computed with means clipped at ``min_mu``, and genes whose
  compared groups are all zero reported as LFC 0, p = 1 (``cleanContrast``);
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
from scipy.stats import false_discovery_control, norm

from degsea.de.exact import seam
from degsea.de.exact.apeglm import apeglm_map, apeglm_prior_variance
from degsea.de.exact.glm import RIDGE_NAT, cr_matrix
from degsea.de.exact.rcompat import r_lowess

log = logging.getLogger(__name__)


class DESeq2ExactStats(seam.StatsSeam):
    """A :class:`~pydeseq2.ds.DeseqStats` whose Wald test and apeglm shrinkage follow DESeq2/apeglm.

    Same arguments as :class:`~pydeseq2.ds.DeseqStats`.
    """

    def run_wald_test(self) -> None:
        """Wald test with DESeq2's covariance: means clipped at ``min_mu``, ridge 1e-6 (log2 scale).

        Genes whose samples in the two compared groups are all zero (but not all-zero
        overall) get LFC 0, statistic 0 and p-value 1, as in DESeq2's ``results``.
        """
        x = self.design_matrix.to_numpy(dtype=float)
        lfc = self.LFC.to_numpy(dtype=float)
        sf = self.dds.obs[seam.SIZE_FACTORS].to_numpy(dtype=float)
        disp = self.dds.var[seam.DISPERSIONS].to_numpy(dtype=float)
        p = x.shape[1]
        if self.prior_LFC_var is not None:
            ridge = np.diag(1 / self.prior_LFC_var**2)
        else:
            ridge = np.eye(p) * RIDGE_NAT
        ok = np.isfinite(lfc).all(axis=1) & np.isfinite(disp)
        se = np.full(len(disp), np.nan)
        mu = np.maximum(sf[None, :] * np.exp(lfc[ok] @ x.T), self.dds.min_mu)
        w = mu / (1.0 + disp[ok, None] * mu)
        m = cr_matrix(w, x)
        inv = np.linalg.inv(m + ridge)
        contrast = np.asarray(self.contrast_vector, dtype=float)
        hc = inv @ contrast
        se[ok] = np.sqrt(np.einsum("gi,gij,gj->g", hc, m, hc))
        estimate = lfc @ contrast
        lfc_null = np.log(2) * self.lfc_null
        if self.alt_hypothesis is not None:
            raise NotImplementedError("deseq2_exact: alternative hypotheses are not implemented; use engine 'pydeseq2'")
        with np.errstate(invalid="ignore", divide="ignore"):
            stat = (estimate - lfc_null) / se
        pvals = 2 * norm.sf(np.abs(stat))
        self.p_values = pd.Series(pvals, index=self.dds.var_names)
        self.statistics = pd.Series(stat, index=self.dds.var_names)
        self.SE = pd.Series(se, index=self.dds.var_names)
        if self.dds.refit_cooks and self.dds.var[seam.REPLACED].sum() > 0:
            self.SE.loc[self.dds.new_all_zeroes_genes] = 0.0
            self.statistics.loc[self.dds.new_all_zeroes_genes] = 0.0
            self.p_values.loc[self.dds.new_all_zeroes_genes] = 1.0
        self._zero_groups_to_null()

    def _zero_groups_to_null(self) -> None:
        if not isinstance(self.contrast, (list, tuple)):
            return
        variable, test, reference = self.contrast
        groups = self.dds.obs[variable].astype(str).to_numpy()
        in_groups = np.isin(groups, [str(test), str(reference)])
        counts = np.asarray(self.dds.X)
        zero = (counts[in_groups] == 0).all(axis=0) & self.dds.var[seam.NON_ZERO].to_numpy()
        if zero.any():
            names = self.dds.var_names[zero]
            self.statistics.loc[names] = 0.0
            self.p_values.loc[names] = 1.0
            self.zero_lfc_genes_ = names

    def summary(self, **kwargs) -> None:
        """As :meth:`pydeseq2.ds.DeseqStats.summary`; genes with both compared groups all zero report LFC 0."""
        super().summary(**kwargs)
        names = getattr(self, "zero_lfc_genes_", None)
        if names is not None and len(names) and not self.shrunk_LFCs:
            self.results_df.loc[names, "log2FoldChange"] = 0.0

    def independent_filtering(self) -> None:
        """Independent filtering as DESeq2's ``pvalueAdjustment``, with R's lowess (:func:`r_lowess`).

        PyDESeq2's ``summary()`` calls it (through :class:`~degsea.de.exact.seam.StatsSeam`).
        """
        if not hasattr(self, "p_values"):
            self.run_wald_test()
        base_mean = self.base_mean.to_numpy(dtype=float)
        pvalues = self.p_values.to_numpy(dtype=float)
        lower = float(np.mean(base_mean == 0))
        upper = 0.95 if lower < 0.95 else 1.0
        theta = np.linspace(lower, upper, 50)
        cutoffs = np.quantile(base_mean, theta)
        adjusted = np.full((len(base_mean), len(theta)), np.nan)
        for i, cutoff in enumerate(cutoffs):
            use = (base_mean >= cutoff) & ~np.isnan(pvalues)
            if use.any():
                adjusted[use, i] = false_discovery_control(pvalues[use], method="bh")
        with np.errstate(invalid="ignore"):
            num_rej = np.sum(adjusted < self.alpha, axis=0)
        fitted = r_lowess(theta, num_rej.astype(float), f=1 / 5)
        if num_rej.max() <= 10:
            j = 0
        else:
            residual = num_rej[num_rej > 0] - fitted[num_rej > 0] if (num_rej > 0).any() else np.zeros(1)
            threshold = fitted.max() - np.sqrt(np.mean(residual**2))
            above = np.flatnonzero(num_rej > threshold)
            j = int(above[0]) if above.size else 0
        self.filter_theta_ = float(theta[j])
        self.filter_threshold_ = float(cutoffs[j])
        self.padj = pd.Series(adjusted[:, j], index=self.dds.var_names)

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
        y = np.asarray(self.dds.X[:, nz], dtype=float).T
        size = 1.0 / self.dds.var[seam.DISPERSIONS].to_numpy(dtype=float)[nz]
        offset = np.broadcast_to(np.log(self.dds.obs[seam.SIZE_FACTORS].to_numpy(dtype=float)), y.shape)
        beta, sd, converged = apeglm_map(y, x, size, offset, shrink=coeff_idx, prior_scale=prior_scale)
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
