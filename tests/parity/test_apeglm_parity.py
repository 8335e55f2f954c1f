"""Shrunken log2 fold changes (degsea's apeglm-prior shrinkage) against apeglm via lfcShrink."""

from __future__ import annotations

import pytest

import parity

#: Known gap: with a small adaptive prior scale (0.037 here) the apeglm posterior of ~100
#: genes has two modes, and apeglm reports the one its L-BFGS run happens to reach; degsea
#: replays that search but ends in the other mode for ~20 genes (r ~ 0.989). See
#: docs/validation.md. Strict: the mark must go when the gap is closed.
BIMODAL_GAP = pytest.mark.xfail(
    strict=True, reason="apeglm's mode choice in bimodal posteriors is optimiser-path dependent (r ~ 0.989 < 0.998)"
)
CASES = [
    pytest.param(s, c, id=f"{s.name}-{c.name}", marks=[BIMODAL_GAP] if (s.name, c.name) == ("gse96870", "Day4_vs_Day0") else [])
    for s in parity.real_scenarios()
    if s.apeglm
    for c in s.contrasts
]
ALL_CASES = [pytest.param(s, c, id=f"{s.name}-{c.name}") for s in parity.real_scenarios() if s.apeglm for c in s.contrasts]


def _figures(scenario, contrast, scenario_runs):
    ours = scenario_runs.get(scenario).tables[contrast.name]
    apeglm = parity.read_reference(scenario.reference_file(contrast.name, "apeglm"))
    return parity.shrink_figures(ours, apeglm), len(apeglm)


@pytest.mark.parametrize(("scenario", "contrast"), ALL_CASES)
def test_shrunken_na_pattern(scenario, contrast, scenario_runs, shared_data, shared_reference):
    figures, _ = _figures(scenario, contrast, scenario_runs)
    assert figures["shrunk_na_mismatch"] == 0, figures


@pytest.mark.parametrize(("scenario", "contrast"), CASES)
def test_shrunken_lfc_pearson(scenario, contrast, scenario_runs, shared_data, shared_reference):
    figures, _ = _figures(scenario, contrast, scenario_runs)
    assert figures["shrunk_pearson"] >= parity.THRESHOLDS["shrunk_pearson"], figures


@pytest.mark.parametrize(("scenario", "contrast"), ALL_CASES)
def test_few_genes_off(scenario, contrast, scenario_runs, shared_data, shared_reference):
    """At most 0.1 % of genes differ from apeglm by more than 0.1 (log2), bimodal genes included."""
    figures, n = _figures(scenario, contrast, scenario_runs)
    assert figures["shrunk_n_diff_gt_0.1"] <= 0.001 * n, figures
