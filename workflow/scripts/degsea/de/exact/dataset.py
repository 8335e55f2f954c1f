"""The DESeq2-exact dataset: PyDESeq2's :class:`~pydeseq2.dds.DeseqDataSet` with DESeq2's fitting steps.

The steps follow DESeq2 1.38 (R/core.R and src/DESeq2.cpp); PyDESeq2's data layout is kept, its
names coming from :mod:`degsea.de.exact.seam`:

* gene-wise and MAP dispersions: DESeq2's ``fitDisp`` (Armijo line search on the log
  posterior, tolerance 1e-6, at most 100 steps), its grid fallback (``fitDispGrid``) for
  estimates that did not converge, and its safeguards (the means used for the dispersion
  are clipped at ``min_mu``; a gene-wise fit that does not raise the likelihood keeps
  the moments estimate; the MAP search starts at the gene-wise estimate unless that is
  10 x below the trend);
* the parametric trend (``parametricDispersionFit``): fitted only on genes whose
  gene-wise dispersion is above ``100 * min_disp``, as a Gamma-family GLM with identity
  link started at (0.1, 1), re-selecting the genes with residual ratio in (1e-4, 15) at
  every iteration; when it fails, DESeq2's local fit is used instead, with a warning;
  ``fit_type="local"`` (R's locfit, :mod:`~degsea.de.exact.local_fit`) and ``"mean"`` on request;
* the dispersion prior variance (``estimateDispersionsPriorVar``): with 3 or fewer
  residual degrees of freedom, estimated by matching simulated log-dispersion residuals,
  drawn from R's own random number streams after ``set.seed(2)``
  (:class:`~degsea.de.exact.r_random.RStream`) and smoothed by R's interpolating loess, not
  the 0.25 floor;
* coefficients (``fitBeta``): IRLS from the QR start with DESeq2's convergence rule, the
  ridge on the log2 scale, and L-BFGS-B for the rows that do not converge; run by PyDESeq2's
  own ``fit_LFC`` through the public ``inference=`` interface
  (:class:`~degsea.de.exact.glm.ExactInference`);
* Cook's distances: with ``test="LRT"`` those of DESeq2's ``nbinomLRT`` (the gene-wise
  dispersion step's means), which then drive the outlier replacement; the Cook's outlier
  rule of ``results()`` (:func:`~degsea.de.exact.cooks.cooks_outliers`).
"""

from __future__ import annotations

import logging
import warnings
from typing import Literal

import numpy as np
import pandas as pd
from pydeseq2.default_inference import DefaultInference
from scipy.special import polygamma

from degsea.de.exact import seam
from degsea.de.exact.cooks import cooks_outliers, lrt_cooks_distances
from degsea.de.exact.dispersion import DISP_MAXIT, fit_dispersions, fit_dispersions_grid
from degsea.de.exact.glm import ExactInference, fit_beta
from degsea.de.exact.local_fit import LocalTrend, local_dispersion_trend
from degsea.de.exact.trend import PRIOR_VAR_SEED, TrendFitError, parametric_dispersion_trend, simulated_prior_variance
from degsea.errors import InputError

log = logging.getLogger(__name__)

#: DESeq2's fitType values.
FIT_TYPES = ("parametric", "local", "mean")
#: ``uns`` entry of the local trend (degsea's own; :meth:`LocalTrend.as_arrays`).
LOCAL_TREND = "local_trend"


class DESeq2ExactDataSet(seam.DataSetSeam):
    """A :class:`~pydeseq2.dds.DeseqDataSet` whose fitting steps follow DESeq2 exactly.

    Takes the same arguments as :class:`~pydeseq2.dds.DeseqDataSet`; ``prior_var_seed``
    seeds the simulation used for the dispersion prior variance with 3 or fewer residual
    degrees of freedom. The stock steps are replaced by: :meth:`fit_genewise_dispersions`,
    :meth:`fit_dispersion_trend`, :meth:`fit_dispersion_prior`, :meth:`fit_MAP_dispersions` and
    the refit of genes with replaced outliers (:meth:`refit_replaced_genes`); the coefficient fit
    of PyDESeq2's own :meth:`fit_LFC` runs DESeq2's IRLS through the public ``inference=`` interface
    (:class:`~degsea.de.exact.glm.ExactInference`, put in place of the inference given, which the
    VST keeps using). Use :class:`~degsea.de.exact.stats.DESeq2ExactStats` to test contrasts on it.
    """

    def __init__(
        self, *args, prior_var_seed: int = PRIOR_VAR_SEED, test: Literal["Wald", "LRT"] = "Wald", **kwargs
    ) -> None:
        fit_type = kwargs.get("fit_type", "parametric")
        if fit_type not in FIT_TYPES:
            raise InputError(
                "Unknown dispersion trend type.",
                where="config 'de: fit_type'",
                found=repr(fit_type),
                allowed=", ".join(FIT_TYPES),
                hint="DESeq2's fitType: 'parametric' (default), 'local' or 'mean'.",
            )
        if test not in ("Wald", "LRT"):
            raise InputError(
                "Unknown test.", where="DE test", found=repr(test), allowed="Wald, LRT", hint="DESeq2's DESeq(test=...)"
            )
        super().__init__(*args, **kwargs)
        self.prior_var_seed = prior_var_seed
        self.test = test
        # DESeq2's coefficient fit goes in through PyDESeq2's public Inference interface;
        # the inference given (or PyDESeq2's default) is kept for the VST's stock steps.
        given = self.inference
        n_cpus = getattr(given, "n_cpus", None)
        self.stock_inference = DefaultInference(n_cpus=n_cpus) if isinstance(given, ExactInference) else given
        self.inference = given if isinstance(given, ExactInference) else ExactInference(n_cpus=n_cpus)

    # -- helpers -----------------------------------------------------------------------

    def _nz_counts(self) -> np.ndarray:
        return np.asarray(self.X[:, self.non_zero_idx], dtype=float).T

    def _design(self) -> np.ndarray:
        return self.obsm[seam.DESIGN_MATRIX].to_numpy(dtype=float)

    def _threads(self) -> int:
        """Threads for the gene blocks: the inference's ``n_cpus`` (1 without one)."""
        return max(int(getattr(self.inference, "n_cpus", 1) or 1), 1)

    def _fit_moments_start(self) -> None:
        """PyDESeq2's start of the gene-wise dispersions, from the public ``Inference`` kernels.

        The smaller of the rough (linear model) and moments estimates, clipped to
        [min_disp, max_disp], stored where PyDESeq2 keeps it.
        """
        normed = self.layers[seam.NORMED_COUNTS][:, self.non_zero_idx]
        rough = self.inference.fit_rough_dispersions(normed, self.obsm[seam.DESIGN_MATRIX].values)
        moments = self.inference.fit_moments_dispersions(normed, self.obs[seam.SIZE_FACTORS])
        self.var[seam.MOM_DISPERSIONS] = np.full(self.n_vars, np.nan)
        self.var.loc[self.var[seam.NON_ZERO], seam.MOM_DISPERSIONS] = np.clip(
            np.minimum(rough, moments), self.min_disp, self.max_disp
        )

    # -- gene-wise dispersions ---------------------------------------------------------

    def fit_genewise_dispersions(self, vst: bool = False) -> None:
        """Gene-wise dispersions as DESeq2's ``estimateDispersionsGeneEst`` (one iteration).

        Means come from a linear model when the design is one group per coefficient, from
        the NB GLM at the moments estimate otherwise, clipped at ``min_mu`` in both cases.
        """
        if vst:  # the VST's dispersions are PyDESeq2's, with its own kernels
            exact, self.inference = self.inference, self.stock_inference
            try:
                super().fit_genewise_dispersions(vst=True)
            finally:
                self.inference = exact
            return
        if seam.SIZE_FACTORS not in self.obs:
            self.fit_size_factors(fit_type=self.size_factors_fit_type)
        self.var[seam.NON_ZERO] = ~(self.X == 0).all(axis=0)
        self.non_zero_idx = np.arange(self.n_vars)[self.var[seam.NON_ZERO]]
        self.non_zero_genes = self.var_names[self.var[seam.NON_ZERO]]
        self._fit_moments_start()
        x = self._design()
        sf = self.obs[seam.SIZE_FACTORS].to_numpy(dtype=float)
        y = self._nz_counts()
        alpha_init = self.var.loc[self.var[seam.NON_ZERO], seam.MOM_DISPERSIONS].to_numpy(dtype=float)
        if len(self.obsm[seam.DESIGN_MATRIX].value_counts()) == x.shape[1]:
            normed = y / sf
            mu = (normed @ (x @ np.linalg.pinv(x)).T) * sf  # linear model on normalised counts
        else:
            mu = fit_beta(y, sf, x, alpha_init, min_mu=self.min_mu, threads=self._threads())["mu"]
        mu = np.maximum(mu, self.min_mu)
        res = fit_dispersions(
            y, mu, x, np.log(alpha_init), min_log_alpha=np.log(self.min_disp / 10), threads=self._threads()
        )
        disp = np.minimum(np.exp(res["log_alpha"]), self.max_disp)
        no_increase = res["last_lp"] < res["initial_lp"] + np.abs(res["initial_lp"]) / 1e6
        disp[no_increase] = alpha_init[no_increase]
        converged = (res["iter"] < DISP_MAXIT) & (res["iter"] != 1)
        refit = ~converged & (disp > self.min_disp * 10)
        if refit.any():
            disp[refit] = fit_dispersions_grid(y[refit], mu[refit], x, max_disp=self.max_disp)
        disp = np.clip(disp, self.min_disp, self.max_disp)

        self.layers[seam.MU_HAT] = np.full((self.n_obs, self.n_vars), np.nan)
        self.layers[seam.MU_HAT][:, self.non_zero_idx] = mu.T
        self.var[seam.GENEWISE_DISPERSIONS] = np.full(self.n_vars, np.nan)
        self.var.loc[self.var[seam.NON_ZERO], seam.GENEWISE_DISPERSIONS] = disp
        self.var[seam.GENEWISE_CONVERGED] = pd.array([pd.NA] * self.n_vars, dtype="boolean")
        self.var.loc[self.var[seam.NON_ZERO], seam.GENEWISE_CONVERGED] = converged | refit

    # -- trend ------------------------------------------------------------------------

    def fit_dispersion_trend(self, vst: bool = False) -> None:
        """The dispersion trend, as DESeq2's ``estimateDispersionsFit`` (``fit_type``).

        Fitted on the genes with a gene-wise dispersion above ``100 * min_disp``:
        ``parametric`` is DESeq2's ``parametricDispersionFit``; when it fails, DESeq2's local
        regression is used instead, with a warning, as DESeq2 does; ``local`` is that local
        regression (:func:`~degsea.de.exact.local_fit.local_dispersion_trend`, R's locfit);
        ``mean`` is the 0.1 %-trimmed mean of the gene-wise dispersions above ``10 * min_disp``.
        """
        if vst or self.fit_type == "mean":
            super().fit_dispersion_trend(vst)
            return
        if seam.GENEWISE_DISPERSIONS not in self.var:
            self.fit_genewise_dispersions()
        nz = self.var[seam.NON_ZERO].to_numpy()
        means = self.var[seam.NORMED_MEANS].to_numpy(dtype=float)[nz]
        disps = self.var[seam.GENEWISE_DISPERSIONS].to_numpy(dtype=float)[nz]
        use = disps > 100 * self.min_disp
        if not use.any():
            raise ValueError(
                "all gene-wise dispersion estimates are within 2 orders of magnitude of the minimum "
                "value; the dispersion trend cannot be fitted"
            )
        fit_type = self.fit_type
        if fit_type == "parametric":
            try:
                coefs = parametric_dispersion_trend(means[use], disps[use])
            except TrendFitError as error:
                warnings.warn(
                    f"The parametric dispersion trend could not be fitted ({error}); a local regression "
                    "(fit_type 'local') was used instead, as DESeq2 does. Set fit_type: local or mean to "
                    "choose the trend.",
                    UserWarning,
                    stacklevel=2,
                )
                fit_type = "local"
            else:
                self.uns[seam.TREND_COEFFS] = pd.Series(coefs, index=["a0", "a1"])
        if fit_type == "local":
            trend = local_dispersion_trend(means[use], disps[use], min_disp=self.min_disp)
            self.uns[LOCAL_TREND] = trend.as_arrays() if trend is not None else {}
        self.uns[seam.DISP_FUNCTION_TYPE] = fit_type
        self.var[seam.FITTED_DISPERSIONS] = np.full(self.n_vars, np.nan)
        self.var.loc[self.var[seam.NON_ZERO], seam.FITTED_DISPERSIONS] = self.disp_function(
            self.var.loc[self.var[seam.NON_ZERO], seam.NORMED_MEANS]
        )

    def disp_function(self, x):  # noqa: ANN001, ANN201 - PyDESeq2's signature
        """The dispersion trend at mean normalised counts ``x`` (PyDESeq2's, plus the local trend)."""
        if self.uns.get(seam.DISP_FUNCTION_TYPE) != "local":
            return super().disp_function(x)
        arrays = self.uns[LOCAL_TREND]
        values = np.asarray(x, dtype=float)
        if not arrays:  # every gene-wise dispersion below 10 * min_disp: DESeq2 uses min_disp
            return np.full_like(values, self.min_disp)
        return np.exp(LocalTrend.from_arrays(arrays)(np.log(values)))

    # -- prior variance ---------------------------------------------------------------

    def fit_dispersion_prior(self) -> None:
        """The prior variance of log dispersions, as DESeq2's ``estimateDispersionsPriorVar``.

        ``varLogDispEsts`` is the squared MAD of log residuals of genes with gene-wise
        dispersion >= ``100 * min_disp``. With more than 3 residual degrees of freedom the
        prior variance is ``max(varLogDispEsts - trigamma(df / 2), 0.25)``; with 1-3 it is
        estimated by simulation (:func:`simulated_prior_variance`).
        """
        if seam.FITTED_DISPERSIONS not in self.var:
            self.fit_dispersion_trend()
        m, p = self.obsm[seam.DESIGN_MATRIX].shape
        df = m - p
        nz = self.var[seam.NON_ZERO].to_numpy()
        gene = self.var[seam.GENEWISE_DISPERSIONS].to_numpy(dtype=float)[nz]
        fitted = self.var[seam.FITTED_DISPERSIONS].to_numpy(dtype=float)[nz]
        residuals = np.log(gene) - np.log(fitted)
        above = gene >= 100 * self.min_disp
        if not above.any():
            raise ValueError("no gene-wise dispersion is above 100 * min_disp")
        var_log = seam.mean_absolute_deviation(residuals[above]) ** 2
        self.uns[seam.SQUARED_LOGRES] = var_log
        if 0 < df <= 3:
            prior = simulated_prior_variance(residuals[above], df, seed=self.prior_var_seed)
            log.info("dispersion prior variance %.4g (simulated, %d residual degrees of freedom)", prior, df)
        elif df > 0:
            prior = max(var_log - float(polygamma(1, df / 2)), 0.25)
        else:
            prior = var_log
        self.uns[seam.PRIOR_DISP_VAR] = np.float64(prior)

    # -- MAP dispersions --------------------------------------------------------------

    def fit_MAP_dispersions(self) -> None:
        """MAP dispersions as DESeq2's ``estimateDispersionsMAP`` (line search, grid fallback, outliers)."""
        if seam.PRIOR_DISP_VAR not in self.uns:
            self.fit_dispersion_prior()
        nz = self.var[seam.NON_ZERO].to_numpy()
        x = self._design()
        y = self._nz_counts()
        mu = self.layers[seam.MU_HAT][:, self.non_zero_idx].T
        gene = self.var[seam.GENEWISE_DISPERSIONS].to_numpy(dtype=float)[nz]
        fitted = self.var[seam.FITTED_DISPERSIONS].to_numpy(dtype=float)[nz]
        prior_var = float(self.uns[seam.PRIOR_DISP_VAR])
        init = np.where(gene > 0.1 * fitted, gene, fitted)
        init = np.where(np.isnan(init), fitted, init)
        res = fit_dispersions(
            y,
            mu,
            x,
            np.log(init),
            prior_mean=np.log(fitted),
            prior_var=prior_var,
            min_log_alpha=np.log(self.min_disp / 10),
            threads=self._threads(),
        )
        disp = np.exp(res["log_alpha"])
        converged = res["iter"] < DISP_MAXIT
        if (~converged).any():
            disp[~converged] = fit_dispersions_grid(
                y[~converged],
                mu[~converged],
                x,
                max_disp=self.max_disp,
                prior_mean=np.log(fitted[~converged]),
                prior_var=prior_var,
            )
        disp = np.clip(disp, self.min_disp, self.max_disp)
        self.var[seam.MAP_DISPERSIONS] = np.full(self.n_vars, np.nan)
        self.var.loc[self.var[seam.NON_ZERO], seam.MAP_DISPERSIONS] = disp
        self.var[seam.MAP_CONVERGED] = pd.array([pd.NA] * self.n_vars, dtype="boolean")
        self.var.loc[self.var[seam.NON_ZERO], seam.MAP_CONVERGED] = converged
        self.var[seam.DISPERSIONS] = self.var[seam.MAP_DISPERSIONS].copy()
        outlier = np.log(self.var[seam.GENEWISE_DISPERSIONS]) > np.log(self.var[seam.FITTED_DISPERSIONS]) + 2 * np.sqrt(
            self.uns[seam.SQUARED_LOGRES]
        )
        self.var[seam.OUTLIER_GENES] = outlier.fillna(False).astype(bool)
        self.var.loc[self.var[seam.OUTLIER_GENES], seam.DISPERSIONS] = self.var.loc[
            self.var[seam.OUTLIER_GENES], seam.GENEWISE_DISPERSIONS
        ]
        if self.low_memory and self.test != "LRT":  # the LRT's Cook's distances use them
            del self.layers[seam.MU_HAT]

    # -- Cook's distances -------------------------------------------------------------

    def calculate_cooks(self) -> None:
        """Cook's distances: PyDESeq2's for a Wald fit; with ``test="LRT"`` as DESeq2's ``nbinomLRT``.

        DESeq2's LRT uses the gene-wise dispersion step's means
        (:func:`~degsea.de.exact.cooks.lrt_cooks_distances`); its outlier replacement and
        Cook's filtering then use these distances.
        """
        if self.test != "LRT":
            super().calculate_cooks()
            return
        self.layers[seam.COOKS] = lrt_cooks_distances(self)

    def cooks_outlier(self):  # noqa: ANN201 - PyDESeq2's signature
        """Genes with a Cook's outlier, by DESeq2's ``results()`` rule.

        See :func:`~degsea.de.exact.cooks.cooks_outliers`.
        """
        if seam.COOKS_OUTLIER not in self.var:
            self.var[seam.COOKS_OUTLIER] = cooks_outliers(self)
        return self.var[seam.COOKS_OUTLIER]

    # -- refit after outlier replacement ----------------------------------------------

    def refit_replaced_genes(self) -> None:
        """Refit genes whose outlier counts were replaced, as DESeq2's ``refitWithoutOutliers``.

        PyDESeq2's version (which ``refit()`` calls through its private hook) builds a stock
        :class:`~pydeseq2.dds.DeseqDataSet`; this one builds the same class as ``self``, keeping the
        trend and the prior variance.
        """
        if seam.REPLACED not in self.var:  # PyDESeq2's refit() replaces the outliers, then calls this
            self.refit()
            return
        new_all_zeroes = (self.counts_to_refit.X == 0).all(axis=0)
        self.new_all_zeroes_genes = self.counts_to_refit.var_names[new_all_zeroes]
        self.var[seam.REFITTED] = self.var[seam.REPLACED].copy()
        self.var.loc[self.var[seam.REFITTED], seam.REFITTED] = ~new_all_zeroes
        if new_all_zeroes.sum() > 0:
            self.var.loc[self.new_all_zeroes_genes, seam.NORMED_MEANS] = 0
            self.varm[seam.LFC].loc[self.new_all_zeroes_genes, :] = 0
        if self.var[seam.REFITTED].sum() == 0:
            return
        self.counts_to_refit = self.counts_to_refit[:, ~new_all_zeroes].copy()
        sub = type(self)(
            counts=pd.DataFrame(
                self.counts_to_refit.X, index=self.counts_to_refit.obs_names, columns=self.counts_to_refit.var_names
            ),
            metadata=self.obs,
            design=self.design,
            min_mu=self.min_mu,
            min_disp=self.min_disp,
            max_disp=self.max_disp,
            refit_cooks=self.refit_cooks,
            min_replicates=self.min_replicates,
            beta_tol=self.beta_tol,
            inference=self.inference,
            quiet=self.quiet,
            prior_var_seed=self.prior_var_seed,
            fit_type=self.fit_type,
            test=self.test,
        )
        sub.obs[seam.SIZE_FACTORS] = self.counts_to_refit.obs[seam.SIZE_FACTORS]
        sub.layers[seam.NORMED_COUNTS] = sub.X / sub.obs[seam.SIZE_FACTORS].to_numpy()[:, None]
        sub.var[seam.NORMED_MEANS] = sub.layers[seam.NORMED_COUNTS].mean(axis=0)
        sub.fit_genewise_dispersions()
        sub.uns[seam.DISP_FUNCTION_TYPE] = self.uns[seam.DISP_FUNCTION_TYPE]
        for key in (seam.TREND_COEFFS, seam.MEAN_DISP, LOCAL_TREND):
            if key in self.uns:
                sub.uns[key] = self.uns[key]
        sub.var[seam.FITTED_DISPERSIONS] = sub.disp_function(sub.var[seam.NORMED_MEANS])
        sub.uns[seam.SQUARED_LOGRES] = self.uns[seam.SQUARED_LOGRES]
        sub.uns[seam.PRIOR_DISP_VAR] = self.uns[seam.PRIOR_DISP_VAR]
        sub.fit_MAP_dispersions()
        sub.fit_LFC()
        refitted = self.var[seam.REFITTED].to_numpy()
        for column in (seam.NORMED_MEANS, seam.GENEWISE_DISPERSIONS, seam.FITTED_DISPERSIONS, seam.DISPERSIONS):
            self.var.loc[refitted, column] = sub.var[column].to_numpy()
        self.varm[seam.LFC][refitted] = sub.varm[seam.LFC].to_numpy()
        self.layers[seam.REPLACE_COOKS] = self.layers[seam.COOKS].copy()
        for col in np.flatnonzero(refitted):
            self.layers[seam.REPLACE_COOKS][self.obs[seam.REPLACEABLE].to_numpy(), col] = 0.0
