"""degsea's DE (default engine, deseq2_exact) against R's DESeq2 1.38.3 on real and simulated data.

NA patterns are compared first (all-zero genes, Cook's outliers and independent filtering must
mark the same genes), then the values, with the thresholds of the issue.
"""

from __future__ import annotations

import numpy as np
import pytest

import parity

REAL = parity.real_scenarios()
SIMULATED = parity.simulated_scenarios()
CASES = [pytest.param((s, c), id=f"{s.name}-{c.name}") for s in REAL + SIMULATED for c in s.contrasts]
T = parity.THRESHOLDS


@pytest.fixture
def case(request, scenario_runs):
    scenario, contrast = request.param
    if scenario.origin == "real":
        request.getfixturevalue("shared_data")
        request.getfixturevalue("shared_reference")
    run = scenario_runs.get(scenario)
    reference = parity.read_reference(scenario.reference_file(contrast.name))
    return run.tables[contrast.name], reference


def _figures(case):
    ours, reference = case
    return parity.de_figures(ours, reference)


@pytest.mark.parametrize("case", CASES, indirect=True)
def test_same_genes(case):
    ours, reference = case
    assert sorted(ours["gene_id"]) == sorted(reference.index)


@pytest.mark.parametrize("case", CASES, indirect=True)
def test_pvalue_na_pattern_identical(case):
    figures = _figures(case)
    assert figures["pvalue_na_mismatch"] == 0, f"{figures['pvalue_na_mismatch']} genes differ in p-value NA status"


@pytest.mark.parametrize("case", CASES, indirect=True)
def test_all_zero_genes_as_deseq2(case):
    """Genes with all counts zero: baseMean 0 and NA log2FoldChange, lfcSE, stat, pvalue, padj, as R writes them
    (and NA shrunken fold changes and SEs, as R's lfcShrink writes them)."""
    ours, reference = case
    columns = parity.RESULT_COLUMNS
    if ours["log2FoldChange_shrunk"].notna().any():
        columns += ("log2FoldChange_shrunk", "lfcSE_shrunk")
    figures = parity.all_zero_mismatches(ours, reference, columns)
    assert figures["n_zero"] > 0  # every scenario has some
    assert all(figures[key] == 0 for key in ("baseMean", *columns)), figures


@pytest.mark.parametrize("case", CASES, indirect=True)
def test_padj_na_pattern(case):
    figures = _figures(case)
    assert figures["padj_na_mismatch_share"] <= T["padj_na_mismatch_share"], figures


@pytest.mark.parametrize("case", CASES, indirect=True)
def test_log2_fold_changes(case):
    figures = _figures(case)
    assert figures["lfc_pearson"] >= T["lfc_pearson"], figures
    assert figures["lfc_max_abs_diff"] <= T["lfc_max_abs_diff"], figures


@pytest.mark.parametrize("case", CASES, indirect=True)
def test_pvalues(case):
    figures = _figures(case)
    assert figures["mlog10p_pearson"] >= T["mlog10p_pearson"], figures


@pytest.mark.parametrize("case", CASES, indirect=True)
def test_significant_calls(case):
    figures = _figures(case)
    assert figures["padj_jaccard"] >= T["padj_jaccard"], figures


DISPERSION_CASES = [pytest.param(s, id=s.name) for s in REAL + SIMULATED]


@pytest.mark.parametrize("scenario", DISPERSION_CASES)
def test_dispersion_trend_and_prior(scenario, scenario_runs, request):
    """The trend coefficients and the prior variance are DESeq2's (the two corrected deviations)."""
    if scenario.origin == "real":
        request.getfixturevalue("shared_reference")
        stem = scenario.stems[scenario.contrasts[0].name]
        meta = parity.read_meta(scenario.reference_dir / f"{stem}.dispersions.tsv.meta")
    else:
        meta = parity.read_meta(scenario.reference_dir / "meta.tsv")
    dds = scenario_runs.get(scenario).fit.dds
    expected = np.array(meta["trend_coefs"].split(","), dtype=float)
    np.testing.assert_allclose(dds.uns["trend_coeffs"].to_numpy(), expected, rtol=1e-4)
    np.testing.assert_allclose(dds.uns["_squared_logres"], float(meta["varLogDispEsts"]), rtol=1e-4)
    prior = float(dds.uns["prior_disp_var"])
    m, p = dds.obsm["design_matrix"].shape
    if m - p <= 3:
        # simulated by both from the same R random numbers: the same point of DESeq2's grid
        assert prior == pytest.approx(float(meta["dispPriorVar"]), abs=1e-9)
    else:
        assert prior == pytest.approx(float(meta["dispPriorVar"]), rel=1e-4)


@pytest.mark.parametrize("scenario", DISPERSION_CASES)
def test_final_dispersions(scenario, scenario_runs, request):
    if scenario.origin == "real":
        request.getfixturevalue("shared_reference")
        path = scenario.reference_dir / f"{scenario.stems[scenario.contrasts[0].name]}.dispersions.tsv.gz"
    else:
        path = scenario.reference_dir / "dispersions.tsv.gz"
    figures = parity.dispersion_figures(scenario_runs.get(scenario), parity.read_reference(path))
    assert figures["dispFit_max_abs_log_ratio"] < 1e-3, figures
    assert figures["dispersion_max_abs_log_ratio"] < 0.05, figures
