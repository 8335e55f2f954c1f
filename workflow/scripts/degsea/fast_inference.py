"""A vectorised PyDESeq2 :class:`~pydeseq2.inference.Inference`: all genes at once, no worker processes.

PyDESeq2's :class:`~pydeseq2.default_inference.DefaultInference` fits every gene separately
(scipy optimisers in a joblib loop). :class:`FastInference` fits the same models for all
genes of a block at once with numpy:

- ``irls``: PyDESeq2's IRLS (same start, ridge, deviance-ratio stopping rule, thresholded
  means, hat diagonals), batched: (genes, p, p) normal equations solved together, each gene
  stopping at its own iteration as in PyDESeq2.
- ``alpha_mle``: gene-wise (Cox-Reid adjusted) and MAP (log-normal prior) dispersions by
  projected Newton steps on log(alpha) with analytic first and second derivatives (digamma,
  trigamma; derivatives of the Cox-Reid log-determinant) and Armijo backtracking, from
  PyDESeq2's start, within its bounds, stopping at L-BFGS-B's projected-gradient tolerance
  (1e-5); a gene whose start is at the lower bound stays there (as in DESeq2 and PyDESeq2).
- ``wald_test``, ``lin_reg_mu``: closed forms, batched.
- ``lfc_shrink_nbinom_glm``: Newton's method on PyDESeq2's apeGLM objective, batched.

Genes whose batched fit does not converge (IRLS diverging past ``max_beta`` or hitting
``maxiter``, Newton not converging, an indefinite Hessian) are refitted with PyDESeq2's own
per-gene routine, so the fallbacks (L-BFGS-B, grid search) are PyDESeq2's. Genes are
processed in blocks of at most ``block_elements`` (samples x genes) values to bound memory.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from pydeseq2 import utils
from pydeseq2.default_inference import DefaultInference
from pydeseq2.inference import Inference
from scipy.special import digamma, gammaln, polygamma
from scipy.stats import norm


def _blocks(n_genes: int, n_samples: int, block_elements: int) -> list[slice]:
    size = max(1, block_elements // max(n_samples, 1))
    return [slice(i, min(i + size, n_genes)) for i in range(0, n_genes, size)]


def nb_nll(counts: np.ndarray, mu: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """PyDESeq2's negative-binomial negative log-likelihood, per gene (columns), alpha per gene."""
    alpha_neg1 = 1.0 / alpha
    logbinom = gammaln(counts + alpha_neg1) - gammaln(counts + 1) - gammaln(alpha_neg1)
    return (
        alpha_neg1 * np.log(alpha) - logbinom + (counts + alpha_neg1) * np.log(mu + alpha_neg1) - counts * np.log(mu)
    ).sum(axis=0)


def _gram(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """X^T diag(w_g) X for every gene g: (genes, p, p) from w (samples, genes)."""
    return np.einsum("ni,ng,nj->gij", x, w, x, optimize=True)


class FastInference(Inference):
    """Vectorised DESeq2 inference for PyDESeq2 (see the module docstring).

    Parameters
    ----------
    n_cpus
        Accepted for compatibility with :class:`DefaultInference` (PyDESeq2 may set it); the
        work runs in this process (numpy's BLAS may use threads).
    block_elements
        Largest samples x genes block processed at once (memory ~ 20 arrays of that size).
    max_newton
        Newton iterations for dispersions and shrinkage before a gene falls back to PyDESeq2.
    """

    fit_rough_dispersions = staticmethod(utils.fit_rough_dispersions)  # type: ignore[assignment]
    fit_moments_dispersions = staticmethod(utils.fit_moments_dispersions)  # type: ignore[assignment]

    def __init__(self, n_cpus: int | None = None, *, block_elements: int = 4_000_000, max_newton: int = 100) -> None:
        self.n_cpus = n_cpus or 1
        self.block_elements = block_elements
        self.max_newton = max_newton
        #: Genes refitted by PyDESeq2's per-gene routines, per method (for diagnostics).
        self.fallbacks: dict[str, int] = {}

    def _count_fallback(self, name: str, n: int) -> None:
        self.fallbacks[name] = self.fallbacks.get(name, 0) + int(n)

    # ------------------------------------------------------------------ means and coefficients
    def lin_reg_mu(  # noqa: D102
        self, counts: np.ndarray, size_factors: np.ndarray, design_matrix: np.ndarray, min_mu: float
    ) -> np.ndarray:
        y = counts / size_factors[:, None]
        coef, *_ = np.linalg.lstsq(design_matrix, y, rcond=None)
        return np.maximum(size_factors[:, None] * (design_matrix @ coef), min_mu)

    def irls(  # noqa: D102
        self,
        counts: np.ndarray,
        size_factors: np.ndarray,
        design_matrix: np.ndarray,
        disp: np.ndarray,
        min_mu: float,
        beta_tol: float,
        min_beta: float = -30,
        max_beta: float = 30,
        optimizer: Literal["BFGS", "L-BFGS-B"] = "L-BFGS-B",
        maxiter: int = 250,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        n, g = counts.shape
        p = design_matrix.shape[1]
        beta = np.empty((g, p))
        mu = np.empty((n, g))
        hat = np.empty((n, g))
        converged = np.ones(g, dtype=bool)
        for block in _blocks(g, n, self.block_elements):
            b, m, h, c = self._irls_block(
                counts[:, block], size_factors, design_matrix, np.asarray(disp)[block], min_mu, beta_tol, max_beta, maxiter
            )
            failed = np.flatnonzero(~c)
            for j in failed:  # PyDESeq2's own path: L-BFGS-B, then grid search
                col = block.start + j
                b[j], m[:, j], h[:, j], c[j] = utils.irls_solver(
                    counts=counts[:, col], size_factors=size_factors, design_matrix=design_matrix, disp=disp[col],
                    min_mu=min_mu, beta_tol=beta_tol, min_beta=min_beta, max_beta=max_beta, optimizer=optimizer,
                    maxiter=maxiter,
                )
            self._count_fallback("irls", len(failed))
            beta[block], mu[:, block], hat[:, block], converged[block] = b, m, h, c
        return beta, mu, hat, converged

    @staticmethod
    def _irls_block(y, sf, x, disp, min_mu, beta_tol, max_beta, maxiter):  # noqa: ANN001, ANN205, PLR0913
        """Batched PyDESeq2 IRLS; returns converged=False where PyDESeq2 would switch optimiser."""
        n, g = y.shape
        p = x.shape[1]
        ridge = np.eye(p) * 1e-6
        if np.linalg.matrix_rank(x) == p:
            q, r = np.linalg.qr(x)
            beta = np.linalg.solve(r, q.T @ np.log(y / sf[:, None] + 0.1)).T
        else:
            beta = np.zeros((g, p))
            with np.errstate(divide="ignore"):
                beta[:, 0] = np.log(y / sf[:, None]).mean(axis=0)
        sf_col = sf[:, None]
        mu = np.maximum(sf_col * np.exp(x @ beta.T), min_mu)
        dev = np.full(g, 1000.0)
        active = np.ones(g, dtype=bool)
        ok = np.ones(g, dtype=bool)
        it = 0
        while active.any():
            idx = np.flatnonzero(active)
            m = mu[:, idx]
            yy = y[:, idx]
            d = disp[idx]
            w = m / (1.0 + m * d)
            z = np.log(m / sf_col) + (yy - m) / m
            h = _gram(x, w) + ridge
            rhs = (x.T @ (w * z)).T
            beta_hat = np.linalg.solve(h, rhs[..., None])[..., 0]
            it += 1
            diverged = (np.abs(beta_hat) > max_beta).any(axis=1) | (it >= maxiter)
            if diverged.any():
                ok[idx[diverged]] = False
                active[idx[diverged]] = False
            keep = ~diverged
            idx, beta_hat, yy, d = idx[keep], beta_hat[keep], yy[:, keep], d[keep]
            if len(idx) == 0:
                break
            beta[idx] = beta_hat
            m = np.maximum(sf_col * np.exp(x @ beta_hat.T), min_mu)
            mu[:, idx] = m
            old = dev[idx]
            new = -2.0 * nb_nll(yy, m, d)
            dev[idx] = new
            ratio = np.abs(new - old) / (np.abs(new) + 0.1)
            active[idx[ratio <= beta_tol]] = False
        w = mu / (1.0 + mu * disp)
        inv = np.linalg.inv(_gram(x, w) + ridge)
        hat = np.einsum("ni,gij,nj->ng", x, inv, x, optimize=True) * w
        return beta, sf_col * np.exp(x @ beta.T), hat, ok

    # ------------------------------------------------------------------ dispersions
    def alpha_mle(  # noqa: D102
        self,
        counts: np.ndarray,
        design_matrix: np.ndarray,
        mu: np.ndarray,
        alpha_hat: np.ndarray,
        min_disp: float,
        max_disp: float,
        prior_disp_var: float | None = None,
        cr_reg: bool = True,
        prior_reg: bool = False,
        optimizer: Literal["BFGS", "L-BFGS-B"] = "L-BFGS-B",
    ) -> tuple[np.ndarray, np.ndarray]:
        if prior_reg and prior_disp_var is None:
            raise ValueError("Sigma_prior is required for prior regularization")
        n, g = counts.shape
        alpha_hat = np.asarray(alpha_hat, dtype=float)
        out = np.empty(g)
        converged = np.ones(g, dtype=bool)
        for block in _blocks(g, n, self.block_elements):
            a, c = self._alpha_block(
                counts[:, block], design_matrix, mu[:, block], alpha_hat[block], min_disp, max_disp,
                prior_disp_var, cr_reg, prior_reg,
            )
            failed = np.flatnonzero(~c)
            for j in failed:
                col = block.start + j
                a[j], c[j] = utils.fit_alpha_mle(
                    counts=counts[:, col], design_matrix=design_matrix, mu=mu[:, col], alpha_hat=alpha_hat[col],
                    min_disp=min_disp, max_disp=max_disp, prior_disp_var=prior_disp_var, cr_reg=cr_reg,
                    prior_reg=prior_reg, optimizer=optimizer,
                )
            self._count_fallback("alpha_mle", len(failed))
            out[block], converged[block] = a, c
        return out, converged

    def _alpha_block(self, y, x, mu, alpha_hat, min_disp, max_disp, prior_var, cr_reg, prior_reg):  # noqa: ANN001, ANN202, PLR0913
        """Projected Newton on t = log(alpha) for a block of genes."""
        lo, hi = np.log(min_disp), np.log(max_disp)
        t0 = np.log(alpha_hat)
        t = np.clip(t0, lo, hi)
        g = y.shape[1]
        lgam_y1 = gammaln(y + 1)

        def loss(tt: np.ndarray, cols: np.ndarray) -> np.ndarray:
            a = np.exp(tt)
            r = 1.0 / a
            yy, mm = y[:, cols], mu[:, cols]
            val = (
                r * tt - gammaln(yy + r) + lgam_y1[:, cols] + gammaln(r) + (yy + r) * np.log(mm + r) - yy * np.log(mm)
            ).sum(axis=0)
            if cr_reg:
                w = mm / (1.0 + mm * a)
                val = val + 0.5 * np.linalg.slogdet(_gram(x, w))[1]
            if prior_reg:
                val = val + (tt - t0[cols]) ** 2 / (2 * prior_var)
            return val

        def derivatives(tt: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            a = np.exp(tt)
            r = 1.0 / a
            yy, mm = y[:, cols], mu[:, cols]
            mr = mm + r
            f_r = (-np.log(r) - 1.0 - digamma(yy + r) + digamma(r) + np.log(mr) + (yy + r) / mr).sum(axis=0)
            f_rr = (-1.0 / r - polygamma(1, yy + r) + polygamma(1, r) + 1.0 / mr + (mm - yy) / mr**2).sum(axis=0)
            grad = -r * f_r
            hess = r**2 * f_rr + r * f_r
            if cr_reg:
                w = mm / (1.0 + mm * a)
                minv = np.linalg.inv(_gram(x, w))
                a1 = _gram(x, w**2)  # -dM/da
                a2 = _gram(x, 2 * w**3)  # d2M/da2
                ma1 = minv @ a1
                f_a = -0.5 * np.trace(ma1, axis1=1, axis2=2)
                f_aa = 0.5 * (np.einsum("gij,gji->g", minv, a2) - np.einsum("gij,gji->g", ma1, ma1))
                grad = grad + a * f_a
                hess = hess + a**2 * f_aa + a * f_a
            if prior_reg:
                grad = grad + (tt - t0[cols]) / prior_var
                hess = hess + 1.0 / prior_var
            return grad, hess

        ok = np.zeros(g, dtype=bool)
        # A start at the lower bound (a rough / moments estimate below min_disp: under-dispersed
        # counts) stays there, as in DESeq2 (all 5,813 such genes of pasilla) and, nearly always,
        # PyDESeq2's L-BFGS-B (5,790 of them), whose first steps from there are flat.
        at_start_bound = t0 <= lo
        ok[at_start_bound] = True
        active = np.flatnonzero(~at_start_bound)
        f = np.full(g, np.nan)
        f[active] = loss(t[active], active)
        for _ in range(self.max_newton):
            if len(active) == 0:
                break
            tt = t[active]
            grad, hess = derivatives(tt, active)
            # projected gradient: at a bound with the gradient pointing out, the gene is done
            at_lo = (tt <= lo) & (grad > 0)
            at_hi = (tt >= hi) & (grad < 0)
            # L-BFGS-B's projected-gradient test (pgtol 1e-5), so that genes stop where PyDESeq2's do
            done = at_lo | at_hi | (np.abs(grad) <= 1e-5) | ~np.isfinite(grad)
            ok[active[done & np.isfinite(grad)]] = True
            keep = ~done
            active, tt, grad, hess = active[keep], tt[keep], grad[keep], hess[keep]
            if len(active) == 0:
                break
            # Newton where the curvature is positive, else a gradient step
            step = np.where(hess > 0, -grad / np.where(hess > 0, hess, 1.0), -np.sign(grad) * 0.5)
            step = np.clip(step, -2.0, 2.0)
            f_old = f[active]
            scale = np.ones(len(active))
            accepted = np.zeros(len(active), dtype=bool)
            new_t = tt.copy()
            for _ in range(40):
                todo = np.flatnonzero(~accepted)
                if len(todo) == 0:
                    break
                cand = np.clip(tt[todo] + scale[todo] * step[todo], lo, hi)
                f_new = loss(cand, active[todo])
                good = np.isfinite(f_new) & (f_new <= f_old[todo] + 1e-4 * grad[todo] * (cand - tt[todo]))
                sel = todo[good]
                new_t[sel] = cand[good]
                f[active[sel]] = f_new[good]
                accepted[sel] = True
                scale[todo[~good]] *= 0.5
            moved = np.abs(new_t - tt)
            t[active] = new_t
            # no acceptable step, or a step too small to matter: converged at this point
            stalled = ~accepted | (moved < 1e-10)
            ok[active[stalled & accepted]] = True
            ok[active[~accepted]] = np.abs(grad[~accepted]) < 1e-4
            active = active[~stalled]
        return np.exp(t), ok

    # ------------------------------------------------------------------ tests
    def wald_test(  # noqa: D102
        self,
        design_matrix: np.ndarray,
        disp: np.ndarray,
        lfc: np.ndarray,
        mu: np.ndarray,
        ridge_factor: np.ndarray,
        contrast: np.ndarray,
        lfc_null: np.ndarray,
        alt_hypothesis: Literal["greaterAbs", "lessAbs", "greater", "less"] | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n, g = mu.shape
        se = np.empty(g)
        for block in _blocks(g, n, self.block_elements):
            m = mu[:, block]
            w = m / (1.0 + m * disp[block])
            gram = _gram(design_matrix, w)
            hc = np.linalg.solve(gram + ridge_factor, np.broadcast_to(contrast, (gram.shape[0], len(contrast)))[..., None])[..., 0]
            se[block] = np.sqrt(np.einsum("gi,gij,gj->g", hc, gram, hc))
        lfc = np.asarray(lfc)
        c = np.asarray(contrast, dtype=float)

        def greater(null: float) -> tuple[np.ndarray, np.ndarray]:
            stat = np.fmax((lfc - null) / se[:, None], 0) @ c
            return stat, norm.sf(stat)

        def less(null: float) -> tuple[np.ndarray, np.ndarray]:
            stat = np.fmin((lfc - null) / se[:, None], 0) @ c
            return stat, norm.sf(np.abs(stat))

        if alt_hypothesis is None:
            stat = ((lfc - lfc_null) @ c) / se
            return 2 * norm.sf(np.abs(stat)), stat, se
        if alt_hypothesis == "greater":
            stat, pval = greater(lfc_null)
        elif alt_hypothesis == "less":
            stat, pval = less(lfc_null)
        elif alt_hypothesis == "greaterAbs":
            stat = (np.sign(lfc) * np.fmax((np.abs(lfc) - lfc_null) / se[:, None], 0)) @ c
            pval = 2 * norm.sf(np.abs(stat))
        elif alt_hypothesis == "lessAbs":
            s_above, p_above = greater(-abs(lfc_null))
            s_below, p_below = less(abs(lfc_null))
            stat = np.where(np.abs(s_below) < np.abs(s_above), s_below, s_above)
            pval = np.maximum(p_above, p_below)
        else:
            raise ValueError(f"unknown alt_hypothesis {alt_hypothesis!r}")
        return pval, stat, se

    def dispersion_trend_gamma_glm(  # noqa: D102
        self, covariates: pd.Series, targets: pd.Series
    ) -> tuple[np.ndarray, np.ndarray, bool]:
        return DefaultInference.dispersion_trend_gamma_glm(self, covariates, targets)  # type: ignore[arg-type]

    # ------------------------------------------------------------------ apeGLM shrinkage
    def lfc_shrink_nbinom_glm(  # noqa: D102
        self,
        design_matrix: np.ndarray,
        counts: np.ndarray,
        size: np.ndarray,
        offset: np.ndarray,
        prior_no_shrink_scale: float,
        prior_scale: float,
        optimizer: str,
        shrink_index: int,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n, g = counts.shape
        p = design_matrix.shape[1]
        beta = np.empty((g, p))
        inv_h = np.empty((g, p, p))
        converged = np.ones(g, dtype=bool)
        for block in _blocks(g, n, self.block_elements):
            b, ih, c = self._shrink_block(
                design_matrix, counts[:, block], np.asarray(size)[block], offset, prior_no_shrink_scale, prior_scale, shrink_index
            )
            failed = np.flatnonzero(~c)
            for j in failed:
                col = block.start + j
                b[j], ih[j], c[j] = utils.nbinomGLM(
                    design_matrix=design_matrix, counts=counts[:, col], size=size[col], offset=offset,
                    prior_no_shrink_scale=prior_no_shrink_scale, prior_scale=prior_scale, optimizer=optimizer,
                    shrink_index=shrink_index,
                )
            self._count_fallback("lfc_shrink", len(failed))
            beta[block], inv_h[block], converged[block] = b, ih, c
        return beta, inv_h, converged

    def _shrink_block(self, x, y, size, offset, s0, s1, k):  # noqa: ANN001, ANN202, PLR0913
        """Newton's method on PyDESeq2's apeGLM objective (nbinomFn) for a block of genes."""
        g = y.shape[1]
        p = x.shape[1]
        shrink = np.zeros(p)
        shrink[k] = 1.0
        keep = 1.0 - shrink
        log_size = np.log(size)

        def objective(b: np.ndarray, cols: np.ndarray) -> np.ndarray:
            xb = x @ b.T  # (n, genes)
            prior = ((b * keep) ** 2).sum(axis=1) / (2 * s0**2) + np.log1p((b[:, k] / s1) ** 2)
            nll = (y[:, cols] * xb - (y[:, cols] + size[cols]) * np.logaddexp(xb + offset[:, None], log_size[cols])).sum(axis=0)
            return prior - nll

        def grad_hess(b: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            xb = x @ b.T
            yy, ss = y[:, cols], size[cols]
            grad_prior = b * keep / s0**2 + shrink * (2 * b[:, [k]] / (s1**2 + b[:, [k]] ** 2))
            d_nll = (yy - (yy + ss) / (1 + ss * np.exp(-xb - offset[:, None]))).T @ x
            e = np.exp(xb + offset[:, None])
            frac = (yy + ss) * ss * e / (ss + e) ** 2
            h_prior = keep / s0**2 + shrink * (2 * (s1**2 - b[:, [k]] ** 2) / (s1**2 + b[:, [k]] ** 2) ** 2)
            hess = _gram(x, frac) + h_prior[:, :, None] * np.eye(p)
            return grad_prior - d_nll, hess

        beta = np.tile(0.1 * (-1.0) ** np.arange(p), (g, 1))
        ok = np.zeros(g, dtype=bool)
        active = np.arange(g)
        f = objective(beta, active)
        for _ in range(self.max_newton):
            if len(active) == 0:
                break
            b = beta[active]
            grad, hess = grad_hess(b, active)
            done = np.abs(grad).max(axis=1) < 1e-8 * np.maximum(1.0, np.abs(f[active]))
            ok[active[done]] = True
            active, b, grad, hess = active[~done], b[~done], grad[~done], hess[~done]
            if len(active) == 0:
                break
            try:
                chol_ok = np.all(np.linalg.eigvalsh(hess) > 0, axis=1)
            except np.linalg.LinAlgError:
                chol_ok = np.zeros(len(active), dtype=bool)
            step = np.zeros_like(b)
            if chol_ok.any():
                step[chol_ok] = -np.linalg.solve(hess[chol_ok], grad[chol_ok][..., None])[..., 0]
            step[~chol_ok] = -grad[~chol_ok] / np.maximum(np.abs(grad[~chol_ok]).max(axis=1, keepdims=True), 1.0)
            f_old = f[active]
            scale = np.ones(len(active))
            accepted = np.zeros(len(active), dtype=bool)
            new_b = b.copy()
            for _ in range(40):
                todo = np.flatnonzero(~accepted)
                if len(todo) == 0:
                    break
                cand = b[todo] + scale[todo, None] * step[todo]
                f_new = objective(cand, active[todo])
                good = np.isfinite(f_new) & (f_new <= f_old[todo] + 1e-4 * (grad[todo] * (cand - b[todo])).sum(axis=1))
                sel = todo[good]
                new_b[sel] = cand[good]
                f[active[sel]] = f_new[good]
                accepted[sel] = True
                scale[todo[~good]] *= 0.5
            beta[active] = new_b
            moved = np.abs(new_b - b).max(axis=1)
            stalled = ~accepted | (moved < 1e-12)
            ok[active[stalled & accepted & chol_ok]] = True
            active = active[~stalled]
        # inverse Hessian at the optimum (unscaled objective), as PyDESeq2 returns it
        _, hess = grad_hess(beta, np.arange(g))
        try:
            inv_h = np.linalg.inv(hess)
        except np.linalg.LinAlgError:
            inv_h = np.full_like(hess, np.nan)
            ok[:] = False
        return beta, inv_h, ok
