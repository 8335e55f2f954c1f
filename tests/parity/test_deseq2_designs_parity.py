"""The DESeq2-exact engine's library API against R's DESeq2 1.38.3, beyond pairwise Wald tests.

Likelihood-ratio tests, interaction coefficients by name, a list contrast, tests against a
log2 fold-change threshold (four alternatives), the local and mean dispersion trends, and the
small cases of the last exactness gaps. References: ``../shared/reference/deseq2_lrt`` (LRT,
interactions) and ``tests/parity/reference/deseq2_threshold`` and ``deseq2_gaps`` (made by the
``make_reference.R`` beside them). Thresholds of issue 13: padj < 0.1 Jaccard >= 0.99,
statistic Pearson r >= 0.9999, padj NA pattern identical on >= 99.9 % of genes, log2FC
r >= 0.9999 for Wald contrasts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from degsea.de.exact.contrasts import ContrastSpec
from degsea.de.exact.lrt import likelihood_ratio_test, reduced_design
from degsea.de.exact.results import deseq2_results

import parity

T = parity.DESIGN_THRESHOLDS
LOCAL = parity.LOCAL_REFERENCE
LRT_REF = parity.SHARED_REFERENCE / "deseq2_lrt"
DATA = {
    "pasilla": (
        parity.SHARED_DATA / "pasilla" / "pasilla_gene_counts.tsv",
        parity.SHARED_REFERENCE / "deseq2" / "pasilla_samples.tsv",
        {"condition": "untreated"},
    ),
    "gse96870": (
        parity.SHARED_DATA / "mouse_GSE96870" / "GSE96870_counts_cerebellum.csv",
        parity.SHARED_REFERENCE / "deseq2" / "gse96870_samples.tsv",
        {"time": "Day0", "sex": "Female"},
    ),
    "gaps": (LOCAL / "deseq2_gaps" / "counts.tsv.gz", LOCAL / "deseq2_gaps" / "samples.tsv", {"group": "A"}),
    "fallback": (
        LOCAL / "deseq2_gaps" / "trend_fallback_counts.tsv.gz",
        LOCAL / "deseq2_gaps" / "trend_fallback_samples.tsv",
        {"group": "A"},
    ),
}


def assert_parity(ours: pd.DataFrame, reference: pd.DataFrame, *, lfc: bool = True) -> dict[str, float]:
    f = parity.agreement(ours, reference)
    assert f["stat_pearson"] >= T["stat_pearson"], f
    assert f["padj_jaccard"] >= T["padj_jaccard"], f
    assert f["padj_na_match"] >= T["padj_na_match"], f
    if lfc and not np.isnan(f["lfc_pearson"]):
        assert f["lfc_pearson"] >= T["lfc_pearson"], f
    return f


class _Fits:
    """One fit per (data, design, trend, test) for the session."""

    def __init__(self) -> None:
        self._fits: dict[tuple, object] = {}

    def get(self, data: str, formula: str, *, fit_type: str = "parametric", test: str = "Wald"):  # noqa: ANN201
        key = (data, formula, fit_type, test)
        if key not in self._fits:
            self._fits[key] = parity.fit_dataset(*DATA[data], formula=formula, fit_type=fit_type, test=test)
        return self._fits[key]


@pytest.fixture(scope="session")
def fits() -> _Fits:
    return _Fits()


@pytest.fixture
def real(shared_data, shared_reference) -> None:  # noqa: ANN001, PT004
    """Skip without ../shared."""


# --- likelihood-ratio tests ------------------------------------------------------------------

LRT_CASES = [
    pytest.param("gse96870", "~ sex + time", "~ sex", "gse96870_time.lrt.tsv.gz", id="gse96870-time"),
    pytest.param("pasilla", "~ type + condition", "~ type", "pasilla_condition.lrt.tsv.gz", id="pasilla-condition"),
    pytest.param(
        "gse96870",
        "~ sex + time + sex:time",
        "~ sex + time",
        "gse96870_sex_x_time.lrt.tsv.gz",
        id="gse96870-sex_x_time",
    ),
]


@pytest.mark.parametrize(("data", "full", "reduced", "reference"), LRT_CASES)
def test_lrt(real, fits, data, full, reduced, reference):
    dds = fits.get(data, full, test="LRT")
    result = likelihood_ratio_test(dds, reduced_design(dds, reduced))
    table = deseq2_results(dds, lrt=result)
    ref = parity.read_reference(LRT_REF / reference)
    f = assert_parity(table, ref)
    assert f["pvalue_na_mismatch"] == 0, f
    zero = parity.all_zero_mismatches(table, ref)
    assert zero["n_zero"] > 0 and all(v == 0 for k, v in zero.items() if k != "n_zero"), zero
    assert table.attrs["test"] == "LRT"
    # DESeq2 reports the last coefficient of the full design with an LRT
    assert (
        table.attrs["coefficient"]
        == {
            "~ sex + time": "time_Day8_vs_Day0",
            "~ type + condition": "condition_treated_vs_untreated",
            "~ sex + time + sex:time": "sexMale.timeDay8",
        }[full]
    )
    assert table.attrs["lrt_df"] == 2 if data == "gse96870" else 1


# --- interaction coefficients and a group-specific effect -------------------------------------

WALD_CASES = [
    pytest.param(
        ContrastSpec.coefficient("sexMale.timeDay4"),
        "gse96870_sex_x_time.sexMale.timeDay4.tsv.gz",
        id="sexMale.timeDay4",
    ),
    pytest.param(
        ContrastSpec.coefficient("sexMale.timeDay8"),
        "gse96870_sex_x_time.sexMale.timeDay8.tsv.gz",
        id="sexMale.timeDay8",
    ),
    pytest.param(
        ContrastSpec.coefficients(["time_Day8_vs_Day0", "sexMale.timeDay8"]),
        "gse96870_sex_x_time.Day8_vs_Day0_in_Male.tsv.gz",
        id="Day8_vs_Day0_in_Male",
    ),
]


@pytest.mark.parametrize(("contrast", "reference"), WALD_CASES)
def test_interaction_contrasts(real, fits, contrast, reference):
    dds = fits.get("gse96870", "~ sex + time + sex:time")
    table = deseq2_results(dds, contrast=contrast)
    f = assert_parity(table, parity.read_reference(LRT_REF / reference))
    assert f["pvalue_na_mismatch"] == 0, f


# --- tests against a threshold -----------------------------------------------------------------

THRESHOLD_CASES = [
    pytest.param(data, formula, stem, variable, test, ref, alt, id=f"{stem}-{alt}")
    for data, formula, stem, variable, test, ref in (
        ("pasilla", "~ condition", "pasilla_condition", "condition", "treated", "untreated"),
        ("pasilla", "~ type + condition", "pasilla_type_condition", "condition", "treated", "untreated"),
        ("gse96870", "~ sex + time", "gse96870_Day8_vs_Day0", "time", "Day8", "Day0"),
    )
    for alt in ("greaterAbs", "lessAbs", "greater", "less")
]


@pytest.mark.parametrize(("data", "formula", "stem", "variable", "test", "ref", "alt"), THRESHOLD_CASES)
def test_threshold(real, fits, data, formula, stem, variable, test, ref, alt):
    dds = fits.get(data, formula)
    table = deseq2_results(
        dds, contrast=ContrastSpec.levels(variable, test, ref), lfc_threshold=1.0, alt_hypothesis=alt
    )
    wide = parity.read_reference(LOCAL / "deseq2_threshold" / f"{stem}.threshold.tsv.gz")
    reference = wide[[f"stat_{alt}", f"pvalue_{alt}", f"padj_{alt}"]].set_axis(["stat", "pvalue", "padj"], axis=1)
    f = assert_parity(table, reference)
    assert f["pvalue_na_mismatch"] == 0, f


# --- local and mean dispersion trends -----------------------------------------------------------

TREND_CASES = [
    pytest.param(
        "pasilla",
        "~ condition",
        "pasilla_condition",
        ("condition", "treated", "untreated"),
        "local",
        id="pasilla-local",
    ),
    pytest.param(
        "pasilla", "~ condition", "pasilla_condition", ("condition", "treated", "untreated"), "mean", id="pasilla-mean"
    ),
    pytest.param(
        "gse96870", "~ sex + time", "gse96870_Day8_vs_Day0", ("time", "Day8", "Day0"), "local", id="gse96870-local"
    ),
    pytest.param(
        "gse96870", "~ sex + time", "gse96870_Day8_vs_Day0", ("time", "Day8", "Day0"), "mean", id="gse96870-mean"
    ),
]


@pytest.mark.parametrize(("data", "formula", "stem", "levels", "fit_type"), TREND_CASES)
def test_dispersion_trend_types(real, fits, data, formula, stem, levels, fit_type):
    dds = fits.get(data, formula, fit_type=fit_type)
    assert dds.uns["disp_function_type"] == fit_type
    reference = parity.read_reference(LOCAL / "deseq2_threshold" / f"{stem}.{fit_type}.tsv.gz")
    trend = dds.var["fitted_dispersions"].reindex(reference.index).astype(float)
    ok = reference.dispFit.notna()
    np.testing.assert_allclose(trend[ok], reference.dispFit[ok], rtol=1e-4)  # gene-wise dispersions agree to ~1e-5
    table = deseq2_results(dds, contrast=ContrastSpec.levels(*levels))
    f = assert_parity(table, reference)
    assert f["pvalue_na_mismatch"] == 0, f


# --- the last exactness gaps (small simulated data, 7 replicates: outliers are replaced) ---------

GAP_CASES = [
    pytest.param(ContrastSpec.levels("group", "B", "C"), {}, "levels_B_vs_C", id="levels"),
    pytest.param(ContrastSpec.numeric([0, 1, -1]), {}, "numeric_B_vs_C", id="numeric"),
    pytest.param(ContrastSpec.coefficients(["group_B_vs_A"], ["group_C_vs_A"]), {}, "list_B_vs_C", id="list"),
    pytest.param(ContrastSpec.coefficient("group_C_vs_A"), {}, "name_group_C_vs_A", id="name"),
    pytest.param(
        ContrastSpec.levels("group", "B", "A"),
        {"lfc_threshold": 0.5, "alt_hypothesis": "lessAbs"},
        "threshold_lessAbs_B_vs_A",
        id="threshold-lessAbs",
    ),
]


def _assert_close(table: pd.DataFrame, reference: pd.DataFrame) -> None:
    o = table.reindex(reference.index)
    for column in ("log2FoldChange", "lfcSE", "stat", "pvalue", "padj"):
        assert (o[column].isna() == reference[column].isna()).all(), column
        np.testing.assert_allclose(o[column].dropna(), reference[column].dropna(), rtol=1e-6, atol=1e-8, err_msg=column)


@pytest.mark.parametrize(("contrast", "options", "name"), GAP_CASES)
def test_gaps_wald(fits, contrast, options, name):
    table = deseq2_results(fits.get("gaps", "~ group"), contrast=contrast, **options)
    reference = parity.read_reference(LOCAL / "deseq2_gaps" / f"{name}.tsv.gz")
    _assert_close(table, reference)
    if name.endswith("B_vs_C"):
        # genes zero in both compared groups: LFC 0, p 1 (DESeq2's cleanContrast)
        zero = [f"Z{i:03d}" for i in range(1, 11)]
        assert (table.loc[zero, "log2FoldChange"] == 0).all() and (table.loc[zero, "pvalue"] == 1).all()
    # genes left all zero by outlier replacement: p = 1, not NA
    assert (table.loc[[f"O{i:03d}" for i in range(1, 11)], "pvalue"] == 1).all()


def test_gaps_lrt_with_refit(fits):
    """LRT against ~ 1 (DESeq2's intercept-only shortcut) with outliers replaced and refitted."""
    dds = fits.get("gaps", "~ group", test="LRT")
    assert int(dds.var["replaced"].sum()) == 20
    table = deseq2_results(dds, lrt=likelihood_ratio_test(dds, reduced_design(dds, "~ 1")))
    _assert_close(table, parity.read_reference(LOCAL / "deseq2_gaps" / "lrt_group.tsv.gz"))


def test_gaps_max_cooks(fits):
    """maxCooks and the replaced genes, Wald and LRT fits (the LRT's uses the dispersion step's means)."""
    reference = parity.read_reference(LOCAL / "deseq2_gaps" / "cooks.tsv.gz")
    for test, column in (("Wald", "wald"), ("LRT", "lrt")):
        dds = fits.get("gaps", "~ group", test=test)
        replaced = dds.var["replaced"].reindex(reference.index).fillna(False).astype(bool)
        assert (replaced == reference[f"replace_{column}"].fillna(False).astype(bool)).all()
    cooks = pd.DataFrame(fits.get("gaps", "~ group").layers["cooks"].T, index=dds.var_names).reindex(reference.index)
    theirs = reference[[c for c in reference if c.startswith("cooks_")]].to_numpy()
    ours = cooks.to_numpy()
    regular = ~reference.index.str.startswith("O")  # fits at the coefficient bound (flat likelihood) excluded
    np.testing.assert_allclose(ours[regular], theirs[regular], rtol=1e-5)


@pytest.mark.parametrize(
    ("contrast", "options", "name"),
    [
        (np.array([0.0, 1.0, -1.0]), {}, "numeric_B_vs_C"),
        (["group", "B", "C"], {}, "levels_B_vs_C"),
        (["group", "B", "A"], {"lfc_null": 0.5, "alt_hypothesis": "lessAbs"}, "threshold_lessAbs_B_vs_A"),
    ],
    ids=["numeric", "levels", "threshold-lessAbs"],
)
def test_gaps_through_pydeseq2_stats(fits, contrast, options, name):
    """The stats class the workflow's pairwise path uses (PyDESeq2's summary()) gives DESeq2's numbers too."""
    from degsea.de.exact import DESeq2ExactStats

    stats = DESeq2ExactStats(fits.get("gaps", "~ group"), contrast=contrast, alpha=0.1, quiet=True, **options)
    stats.summary()
    _assert_close(stats.results_df, parity.read_reference(LOCAL / "deseq2_gaps" / f"{name}.tsv.gz"))


def test_failed_parametric_trend_falls_back_to_local():
    """DESeq2 substitutes its local fit when the parametric trend fails (dispersion rising with the mean)."""
    with pytest.warns(UserWarning, match="local regression"):
        dds = parity.fit_dataset(*DATA["fallback"], formula="~ group")
    assert dds.uns["disp_function_type"] == "local"
    reference = parity.read_reference(LOCAL / "deseq2_gaps" / "trend_fallback.tsv.gz")
    trend = dds.var["fitted_dispersions"].reindex(reference.index).astype(float)
    np.testing.assert_allclose(trend, reference.dispFit, rtol=1e-4)
    f = assert_parity(deseq2_results(dds, contrast=ContrastSpec.levels("group", "B", "A")), reference)
    assert f["pvalue_na_mismatch"] == 0, f


def test_shrink_coefficient_by_name(real, fits):
    """apeglm on a coefficient named as DESeq2 names it (lfcShrink(coef=)), against apeglm on pasilla."""
    from degsea.de.exact.stats import shrink_coefficient

    dds = fits.get("pasilla", "~ condition")
    lfc, se = shrink_coefficient(dds, "condition_treated_vs_untreated")
    reference = parity.read_reference(parity.SHARED_REFERENCE / "deseq2" / "pasilla_condition.apeglm.tsv.gz")
    ours = pd.Series(lfc, index=dds.var_names).reindex(reference.index)
    ok = ours.notna() & reference.log2FoldChange.notna()
    assert (ours.isna() == reference.log2FoldChange.isna()).all()
    assert np.corrcoef(ours[ok], reference.log2FoldChange[ok])[0, 1] >= 0.9999


def test_lrt_errors(fits):
    from degsea.errors import InputError

    dds = fits.get("gaps", "~ group", test="LRT")
    with pytest.raises(InputError, match="must be nested in the full design"):
        likelihood_ratio_test(dds, reduced_design(dds, "~ group"))
    result = likelihood_ratio_test(dds, reduced_design(dds, "~ 1"))
    with pytest.raises(InputError, match="must be Wald tests"):
        deseq2_results(dds, lrt=result, lfc_threshold=1.0)
    with pytest.raises(InputError, match="coefficient the design does not have"):
        deseq2_results(dds, lrt=result, contrast=ContrastSpec.coefficient("groupB"))
