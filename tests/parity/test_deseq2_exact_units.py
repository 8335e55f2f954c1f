"""Unit checks of degsea.de.exact's building blocks (no ../shared needed)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from degsea.de import exact
from degsea.de import fit as de
from degsea.de.exact import apeglm, dispersion, glm, rcompat, trend
from degsea.errors import InputError

import parity

LOWESS_X = np.array(
    [0.05, 0.11, 0.13, 0.2, 0.22, 0.31, 0.35, 0.4, 0.41, 0.5, 0.52, 0.6, 0.66, 0.7, 0.71, 0.8, 0.85, 0.9, 0.93, 1.0]
)
LOWESS_Y = np.array(
    [120, 131, 128, 150, 149, 170, 168, 181, 240, 190, 200, 214, 209, 230, 228, 236, 241, 239, 247, 250.0]
)
#: R 4.2.2: lowess(x, y, f = 1/5)$y and lowess(x, y)$y
R_LOWESS_F5 = [
    120.512515057,
    128.081293561,
    130.313977932,
    146.948913862,
    149,
    170,
    168,
    168,
    168,
    190,
    197.011512368,
    211.238387277,
    209.089288353,
    226.431278125,
    230.570179125,
    236.040909517,
    239.446212162,
    242.776386101,
    245.871866989,
    250.435888259,
]
R_LOWESS_DEFAULT = [
    119.991407476,
    130.345304531,
    133.777960233,
    145.710981663,
    149.102484204,
    164.33483017,
    171.138024596,
    179.282940786,
    180.83726592,
    194.537048787,
    197.593561777,
    209.592312222,
    217.798332572,
    222.893261575,
    223.95975627,
    233.175873742,
    238.159108905,
    243.040263155,
    245.915356472,
    252.479497901,
]


def test_r_lowess_matches_r():
    np.testing.assert_allclose(rcompat.r_lowess(LOWESS_X, LOWESS_Y, f=1 / 5), R_LOWESS_F5, rtol=1e-9)
    np.testing.assert_allclose(rcompat.r_lowess(LOWESS_X, LOWESS_Y), R_LOWESS_DEFAULT, rtol=1e-9)


def test_dispersion_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    x = np.column_stack([np.ones(8), np.repeat([0.0, 1.0], 4)])
    mu = rng.uniform(1, 200, (5, 8))
    y = rng.poisson(mu).astype(float)
    log_alpha = np.log(rng.uniform(0.01, 1.0, 5))
    prior = np.log(np.full(5, 0.1))
    h = 1e-6
    numeric = (
        dispersion._disp_log_posterior(log_alpha + h, y, mu, x, prior, 0.5)
        - dispersion._disp_log_posterior(log_alpha - h, y, mu, x, prior, 0.5)
    ) / (2 * h)
    analytic = dispersion._disp_dlog_posterior(log_alpha, y, mu, x, prior, 0.5)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5)


def test_apeglm_objective_gradient_and_hessian():
    rng = np.random.default_rng(1)
    x = np.column_stack([np.ones(6), [0, 0, 1, 1, 0, 1], [0, 1, 0, 1, 1, 0.0]])
    y = rng.poisson(50, (3, 6)).astype(float)
    size, offset = np.array([5.0, 20.0, 2.0]), np.zeros((3, 6))
    beta = rng.normal(0, 1, (3, 3))
    args = (x, y, size, offset, 225.0, 0.04, 1)
    value, grad, hess = apeglm._apeglm_objective(beta, *args)
    h = 1e-6
    for j in range(3):
        step = np.zeros(3)
        step[j] = h
        vp, gp, _ = apeglm._apeglm_objective(beta + step, *args)
        vm, gm, _ = apeglm._apeglm_objective(beta - step, *args)
        np.testing.assert_allclose(grad[:, j], (vp - vm) / (2 * h), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(hess[:, :, j], (gp - gm) / (2 * h), rtol=1e-5, atol=1e-6)


def test_parametric_trend_recovers_coefficients():
    rng = np.random.default_rng(2)
    means = np.exp(rng.uniform(0, 9, 4000))
    disps = (0.02 + 3.0 / means) * rng.gamma(4.0, 0.25, 4000)
    coefs = trend.parametric_dispersion_trend(means, disps)
    np.testing.assert_allclose(coefs, [0.02, 3.0], rtol=0.1)


def test_parametric_trend_failure_is_reported():
    with pytest.raises(trend.TrendFitError):
        trend.parametric_dispersion_trend(np.array([1.0, 2.0, 3.0]), np.array([5.0, 1e-9, 1e-9]))


def test_unknown_engine_is_an_input_error():
    with pytest.raises(InputError, match="Unknown DE engine"):
        exact.engine_classes("edger")


def _small_run(engine: str, *, shrink: bool, n_genes: int = 400):
    """The sim_factor3_small scenario cut to its first genes, through degsea's functions."""
    from degsea.inputs.counts import CountMatrix, read_count_matrix, to_anndata
    from degsea.inputs.sheet import read_sample_sheet

    scenario = next(s for s in parity.simulated_scenarios() if s.name == "sim_factor3_small")
    matrix = read_count_matrix(scenario.counts)
    matrix = CountMatrix(counts=matrix.counts.iloc[:n_genes], symbols=matrix.symbols.iloc[:n_genes])
    adata = to_anndata(matrix, read_sample_sheet(scenario.samples))
    settings = de.DESettings(engine=engine, shrink=shrink)
    fitted = de.fit(adata, formula=scenario.design, contrasts=scenario.contrasts, settings=settings, threads=1)
    return fitted, {c.name: de.test_contrast(fitted, c, settings=settings) for c in scenario.contrasts}


def test_stock_engine_stays_available():
    fitted, tables = _small_run("pydeseq2", shrink=False)
    assert type(fitted.dds).__name__ == "DeseqDataSet"
    # PyDESeq2 floors the prior variance at 0.25 for <= 3 residual degrees of freedom
    assert float(fitted.dds.uns["prior_disp_var"]) >= 0.25
    assert set(tables) == {"B_vs_A", "C_vs_B"}


def test_exact_engine_keeps_pydeseq2_layout():
    fitted, tables = _small_run("deseq2_exact", shrink=True)
    dds = fitted.dds
    assert isinstance(dds, exact.DESeq2ExactDataSet)
    for column in ("genewise_dispersions", "fitted_dispersions", "MAP_dispersions", "dispersions", "_outlier_genes"):
        assert column in dds.var
    assert dds.layers["cooks"].shape == dds.shape
    table = tables["B_vs_A"]
    assert table["log2FoldChange_shrunk"].notna().sum() == dds.var["non_zero"].sum()
    # the fitted object still serves PyDESeq2's VST and degsea's export
    dds.vst(use_design=False)
    assert np.isfinite(dds.layers["vst_counts"]).all()
    exported = de.fitted_anndata(fitted)
    assert isinstance(exported.var, pd.DataFrame)
    # the export keeps the documented layers only (a working layer is a counts-sized matrix more)
    assert sorted(exported.layers) == ["cooks", "normed_counts"] and "_mu_hat" in dds.layers
    np.testing.assert_array_equal(exported.layers["cooks"], dds.layers["cooks"])


def test_cr_matrix_is_x_weighted_cross_product():
    rng = np.random.default_rng(3)
    x = np.column_stack([np.ones(7), rng.normal(size=7), rng.integers(0, 2, 7)])
    w = rng.uniform(0.1, 5.0, (6, 7))
    expected = np.stack([x.T @ np.diag(row) @ x for row in w])
    np.testing.assert_allclose(glm.cr_matrix(w, x), expected, rtol=1e-13)


def test_gene_blocks_in_threads_give_the_single_block_fit(monkeypatch):
    rng = np.random.default_rng(4)
    x = np.column_stack([np.ones(10), np.repeat([0.0, 1.0], 5)])
    mean = np.exp(rng.normal(3.0, 1.5, 300))[:, None] * np.exp(np.outer(rng.normal(0, 1, 300), x[:, 1]))
    size = 1 / rng.uniform(0.02, 0.5, 300)[:, None]
    y = rng.negative_binomial(size, size / (size + mean)).astype(float)
    sf = np.exp(rng.normal(0, 0.2, 10))
    alpha = rng.uniform(0.05, 0.5, 300)
    whole_beta = glm.fit_beta(y, sf, x, alpha)
    mu = np.maximum(whole_beta["mu"], 0.5)
    whole_disp = dispersion.fit_dispersions(y, mu, x, np.log(alpha))
    monkeypatch.setattr(glm, "BLOCK_ELEMENTS", 10 * 37)  # 37 genes a block: 9 blocks
    assert len(glm.gene_blocks(300, 10, 2)) == 9
    blocks_beta = glm.fit_beta(y, sf, x, alpha, threads=2)
    blocks_disp = dispersion.fit_dispersions(y, mu, x, np.log(alpha), threads=2)
    for key in ("beta", "mu", "hat", "var", "converged"):
        np.testing.assert_allclose(blocks_beta[key], whole_beta[key], rtol=1e-12, err_msg=key)
    for key in ("log_alpha", "iter", "initial_lp", "last_lp"):
        np.testing.assert_allclose(blocks_disp[key], whole_disp[key], rtol=1e-12, err_msg=key)
    assert (whole_disp["iter"] > 1).any() and np.ptp(whole_disp["log_alpha"]) > 1
