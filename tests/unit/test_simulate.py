"""Tests of the embedded demo simulator (degsea.demo.simulate)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from dev.fit_demo_constants import fit_demo_parameters, tcga_tumour_counts

from degsea.demo import simulate
from degsea.demo.simulate import DemoStudy, simulate_demo
from degsea.errors import InputError

N_GENES = 2000

# A small stand-in for the bundled sets: real mouse symbols, with deliberate overlaps
# (H2-Ab1 and Cd74 are also in the IFN-gamma set, Ccnd1 in mTORC1 and E2F).
GENESETS = {
    "DEGSEA_MHC_CLASS_II_ANTIGEN_PRESENTATION": [
        "H2-Aa", "H2-Ab1", "H2-Ea", "H2-Eb1", "H2-DMa", "H2-DMb1", "H2-Oa", "H2-Ob", "Cd74",
        "Ciita", "Ctss", "Ctsl", "Ctsb", "Lgmn", "Ifi30", "Lag3", "Rab7", "Rilp", "Cltc", "Dnm2",
    ],
    "DEGSEA_MHC_CLASS_I_ANTIGEN_PRESENTATION": [
        "H2-K1", "H2-D1", "H2-Q4", "B2m", "Tap1", "Tap2", "Tapbp", "Erap1", "Psmb8", "Psmb9",
    ],
    "DEGSEA_ADAPTIVE_IMMUNE_RESPONSE": [
        "Cd3e", "Cd3d", "Cd3g", "Cd4", "Cd8a", "Cd8b1", "Cd19", "Cd79a", "Cd79b", "Ms4a1",
    ],
    "DEGSEA_T_CELL_ACTIVATION_AND_TCR_SIGNALING": ["Lck", "Zap70", "Lat", "Cd28", "Cd3e", "Itk"],
    "DEGSEA_B_CELL_RECEPTOR_SIGNALING": ["Cd79a", "Blnk", "Btk", "Syk", "Cd22", "Pik3ap1"],
    "DEGSEA_INTERFERON_GAMMA_RESPONSE": [
        "Stat1", "Irf1", "Cxcl9", "Cxcl10", "Gbp2", "Ido1", "H2-Ab1", "Cd74", "Socs1", "Ifit3",
    ],
    "DEGSEA_MTORC1_SIGNALING": [
        "Eif4ebp1", "Slc7a5", "Ldha", "Hk2", "Pgk1", "Srebf1", "Acly", "Fasn", "Ccnd1", "Psat1",
        "Phgdh", "Asns",
    ],
    "DEGSEA_E2F_TARGETS": [
        "Mcm2", "Mcm3", "Mcm5", "Pcna", "Ccne1", "E2f1", "Rrm2", "Tyms", "Ccnd1", "Cdc6",
    ],
    "DEGSEA_G2M_CHECKPOINT": ["Ccnb1", "Cdk1", "Plk1", "Aurka", "Bub1", "Top2a", "Mki67", "Cdc20"],
    "SOME_OTHER_SET": ["Actb", "Gapdh"],
}  # fmt: skip

SET_GENES = list(dict.fromkeys(g for genes in GENESETS.values() for g in genes))
LEVELS = ("untreated", "responsive", "resistant")


def make_sheet(n_per_group: int = 3, variable: str = "condition") -> pd.DataFrame:
    """A demo sample sheet with an extra column, samples grouped by level."""
    rows = [
        {"sample": f"{level}_{i}", variable: level, "batch": f"b{i % 2}"}
        for level in LEVELS
        for i in range(1, n_per_group + 1)
    ]
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def sheet() -> pd.DataFrame:
    return make_sheet()


@pytest.fixture(scope="module")
def demo(sheet: pd.DataFrame) -> DemoStudy:
    return simulate_demo(sheet, GENESETS, seed=1, n_genes=N_GENES, n_random_de=100)


def test_same_seed_gives_identical_tables(sheet: pd.DataFrame, demo: DemoStudy) -> None:
    again = simulate_demo(sheet, GENESETS, seed=1, n_genes=N_GENES, n_random_de=100)
    pd.testing.assert_frame_equal(again.counts, demo.counts)
    pd.testing.assert_frame_equal(again.samples, demo.samples)
    pd.testing.assert_frame_equal(again.truth, demo.truth)
    assert again.counts.to_csv() == demo.counts.to_csv()
    assert again.truth.to_csv() == demo.truth.to_csv()


def test_other_seed_changes_counts(sheet: pd.DataFrame, demo: DemoStudy) -> None:
    other = simulate_demo(sheet, GENESETS, seed=2, n_genes=N_GENES, n_random_de=100)
    values = demo.counts.drop(columns="symbol").to_numpy()
    other_values = other.counts.drop(columns="symbol").to_numpy()
    assert (values != other_values).mean() > 0.5
    assert list(other.counts.index) == list(demo.counts.index)


def test_input_sheet_is_not_modified(sheet: pd.DataFrame, demo: DemoStudy) -> None:
    assert list(sheet.columns) == ["sample", "condition", "batch"]


def test_shapes_and_dtypes(sheet: pd.DataFrame, demo: DemoStudy) -> None:
    counts, samples, truth = demo.counts, demo.samples, demo.truth
    assert counts.shape == (N_GENES, 1 + len(sheet))
    assert counts.index.name == "gene_id"
    assert list(counts.columns) == ["symbol", *sheet["sample"]]
    assert counts["symbol"].map(type).eq(str).all()
    assert counts.index.map(type).isin([str]).all()
    assert (counts.drop(columns="symbol").dtypes == np.int64).all()
    assert (counts.drop(columns="symbol") >= 0).all().all()

    assert list(samples.columns) == [*sheet.columns, "library_size_factor", "response_strength"]
    pd.testing.assert_frame_equal(samples[sheet.columns], sheet)
    assert samples["library_size_factor"].dtype == np.float64
    assert samples["response_strength"].dtype == np.float64

    assert truth.index.equals(counts.index)
    assert list(truth.columns) == [
        "symbol",
        "programme",
        "base_mean",
        "dispersion",
        "log2fc_untreated",
        "log2fc_responsive",
        "log2fc_resistant",
        "log2fc_responsive_vs_untreated",
        "log2fc_resistant_vs_untreated",
        "log2fc_resistant_vs_responsive",
    ]
    assert (truth["symbol"] == counts["symbol"]).all()
    assert set(truth["programme"]) <= set(simulate.PROGRAMMES)
    numeric = truth.drop(columns=["symbol", "programme"])
    assert (numeric.dtypes == np.float64).all()
    assert np.isfinite(numeric.to_numpy()).all()
    assert (truth["base_mean"] > 0).all() and (truth["dispersion"] > 0).all()


def test_gene_ids_are_set_symbols_then_simulated_fillers(demo: DemoStudy) -> None:
    ids = list(demo.counts.index)
    assert ids[: len(SET_GENES)] == SET_GENES
    fillers = ids[len(SET_GENES) :]
    assert fillers == [f"sim_gene_{i:05d}" for i in range(1, N_GENES - len(SET_GENES) + 1)]
    assert (demo.counts.index == demo.counts["symbol"]).all()


def test_mhc_class_ii_up_in_responsive_only(demo: DemoStudy) -> None:
    truth = demo.truth
    members = truth.loc[GENESETS["DEGSEA_MHC_CLASS_II_ANTIGEN_PRESENTATION"]]
    planted = members[members["programme"] == "mhc_class_ii"]
    # Most, not all, members respond.
    assert 0.6 <= len(planted) / len(members) < 1.0
    assert (planted["log2fc_responsive"] >= 1.5).all()  # infiltrated responders: 3- to 8-fold
    assert (planted["log2fc_responsive"] <= 3.0).all()
    assert (planted["log2fc_resistant"].abs() <= 0.3).all()
    assert (planted["log2fc_resistant"] < 0).any()
    assert (planted["log2fc_resistant_vs_responsive"] <= -0.7).all()
    # Members left out keep their baseline and are labelled "none".
    rest = members[members["programme"] != "mhc_class_ii"]
    assert (rest["programme"] == "none").all()
    assert (rest[["log2fc_responsive", "log2fc_resistant"]] == 0).all().all()


def test_adaptive_immune_up_in_responsive_only(demo: DemoStudy) -> None:
    planted = demo.truth[demo.truth["programme"] == "adaptive_immune"]
    assert len(planted) > 5
    assert (planted["log2fc_responsive"] >= 1.0).all()
    assert (planted["log2fc_resistant"].abs() <= 0.3).all()


def test_mhc_class_i_and_ifn_gamma_moderately_up_in_responsive(demo: DemoStudy) -> None:
    for programme in ("mhc_class_i", "ifn_gamma"):
        planted = demo.truth[demo.truth["programme"] == programme]
        assert len(planted) > 0
        assert planted["log2fc_responsive"].between(0.5, 1.6).all()
        assert planted["log2fc_resistant"].abs().max() <= 0.4


def test_mtorc1_and_proliferation_down_in_both_treated_groups(demo: DemoStudy) -> None:
    truth = demo.truth
    for programme, sets in (
        ("mtorc1", ["DEGSEA_MTORC1_SIGNALING"]),
        ("proliferation", ["DEGSEA_E2F_TARGETS", "DEGSEA_G2M_CHECKPOINT"]),
    ):
        planted = truth[truth["programme"] == programme]
        assert len(planted) > 0
        for level in ("responsive", "resistant"):
            assert planted[f"log2fc_{level}"].between(-2.8, -1.0).all()
            assert planted[f"log2fc_{level}"].mean() < -1.5
        members = {g for s in sets for g in GENESETS[s]}
        assert set(planted.index) <= members


def test_overlapping_gene_follows_priority(demo: DemoStudy) -> None:
    # In MHC II and IFN-gamma sets: labelled MHC II (if planted) but never IFN-gamma.
    for gene in ("H2-Ab1", "Cd74"):
        assert demo.truth.loc[gene, "programme"] in ("mhc_class_ii", "none")
    # In mTORC1 and E2F sets: mTORC1 comes first.
    assert demo.truth.loc["Ccnd1", "programme"] in ("mtorc1", "none")
    # A set without a programme adds genes but plants nothing.
    assert (demo.truth.loc[["Actb", "Gapdh"], "programme"] == "none").all()


def test_random_de_genes_are_fillers_with_both_signs(demo: DemoStudy) -> None:
    truth = demo.truth
    random = truth[truth["programme"] == "random"]
    assert len(random) == 100
    assert random.index.str.startswith("sim_gene_").all()
    resp, res = random["log2fc_responsive"], random["log2fc_resistant"]
    assert ((resp != 0) | (res != 0)).all()
    for lfc in (resp, res):
        assert (lfc > 0).any() and (lfc < 0).any()
    assert ((resp != 0) & (res != 0)).any()  # shared
    assert ((resp != 0) & (res == 0)).any()  # responsive only
    assert ((resp == 0) & (res != 0)).any()  # resistant only
    unchanged = truth[truth["programme"] == "none"]
    assert (unchanged.filter(like="log2fc_") == 0).all().all()


def test_contrast_columns_are_consistent(demo: DemoStudy) -> None:
    truth = demo.truth
    assert (truth["log2fc_untreated"] == 0).all()
    np.testing.assert_allclose(truth["log2fc_responsive_vs_untreated"], truth["log2fc_responsive"])
    np.testing.assert_allclose(truth["log2fc_resistant_vs_untreated"], truth["log2fc_resistant"])
    np.testing.assert_allclose(
        truth["log2fc_resistant_vs_responsive"],
        truth["log2fc_resistant"] - truth["log2fc_responsive"],
    )


def test_library_sizes_vary(demo: DemoStudy) -> None:
    factors = demo.samples["library_size_factor"]
    assert factors.nunique() == len(factors)
    assert 0.5 < factors.min() and factors.max() < 2.0
    totals = demo.counts.drop(columns="symbol").sum()
    assert totals.nunique() == len(totals)
    untreated = demo.samples.index[demo.samples["condition"] == "untreated"]
    columns = demo.samples.loc[untreated, "sample"]
    # Within a group, library sizes follow the true size factors.
    assert np.corrcoef(totals[columns], factors[untreated])[0, 1] > 0.8


def test_treated_tumours_respond_unequally() -> None:
    sheet = make_sheet(n_per_group=10)
    demo = simulate_demo(sheet, GENESETS, seed=4, n_genes=N_GENES)
    samples, truth = demo.samples, demo.truth
    strength = samples.set_index("sample")["response_strength"]
    level = samples.set_index("sample")["condition"]
    assert (strength[level == "untreated"] == 1.0).all()
    for group in ("responsive", "resistant"):
        within = strength[level == group]
        assert within.mean() == pytest.approx(1.0)  # the truth stays the group's average effect
        assert 0.1 < within.std() / within.mean() < 0.6
    # A tumour that responds more moves its planted genes further from the untreated mean.
    values = demo.counts.drop(columns="symbol") / samples.set_index("sample")["library_size_factor"]
    planted = (truth["log2fc_responsive"].abs() >= 1) & (truth["base_mean"] > 500)
    baseline = np.log2(values.loc[planted, level == "untreated"].mean(axis=1))
    shift = np.log2(values.loc[planted, level == "responsive"] + 0.5).sub(baseline, axis=0)
    moved = (shift.mul(np.sign(truth.loc[planted, "log2fc_responsive"]), axis=0)).median()
    assert np.corrcoef(moved, strength[level == "responsive"])[0, 1] > 0.8


def test_counts_follow_the_truth(demo: DemoStudy) -> None:
    truth, samples = demo.truth, demo.samples
    values = demo.counts.drop(columns="symbol")
    normalised = values / samples["library_size_factor"].to_numpy()
    untreated = samples.loc[samples["condition"] == "untreated", "sample"]
    responsive = samples.loc[samples["condition"] == "responsive", "sample"]
    expressed = truth["base_mean"] > 100
    observed = np.log(normalised.loc[expressed, untreated].mean(axis=1))
    assert np.corrcoef(observed, np.log(truth.loc[expressed, "base_mean"]))[0, 1] > 0.95
    planted = expressed & (truth["log2fc_responsive"].abs() >= 1)
    ratio = np.log2(normalised.loc[planted, responsive].mean(axis=1) / normalised.loc[planted, untreated].mean(axis=1))
    assert np.corrcoef(ratio, truth.loc[planted, "log2fc_responsive"])[0, 1] > 0.9


def test_set_genes_take_upper_base_means(demo: DemoStudy) -> None:
    truth = demo.truth
    is_set = ~truth.index.str.startswith("sim_gene_")
    low = np.exp(np.interp(0.4, simulate.BASE_MEAN_QUANTILE_PROBS, simulate.LOG_BASE_MEAN_QUANTILES))
    assert (truth.loc[is_set, "base_mean"] >= low * (1 - 1e-9)).all()
    assert truth.loc[~is_set, "base_mean"].min() < low


def test_two_replicates_and_another_variable_name() -> None:
    sheet = make_sheet(n_per_group=2, variable="response").sample(frac=1, random_state=0)
    demo = simulate_demo(sheet, GENESETS, seed=3, n_genes=500, variable="response", n_random_de=10)
    assert list(demo.counts.columns[1:]) == list(sheet["sample"])
    assert list(demo.samples.index) == list(sheet.index)


def test_wrong_levels_are_refused(sheet: pd.DataFrame) -> None:
    bad = sheet.copy()
    bad.loc[bad["condition"] == "resistant", "condition"] = "treated"
    with pytest.raises(InputError, match="condition") as info:
        simulate_demo(bad, GENESETS, seed=1, n_genes=N_GENES)
    assert "treated" in info.value.found
    assert info.value.allowed == "untreated, responsive, resistant"

    missing = sheet[sheet["condition"] != "resistant"]
    with pytest.raises(InputError, match="untreated, responsive, resistant"):
        simulate_demo(missing, GENESETS, seed=1, n_genes=N_GENES)


def test_bad_sheets_and_options_are_refused(sheet: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="no column 'condition'"):
        simulate_demo(sheet.rename(columns={"condition": "group"}), GENESETS, seed=1)
    with pytest.raises(InputError, match="at least 2 samples"):
        simulate_demo(sheet.drop(index=[3, 4]), GENESETS, seed=1, n_genes=N_GENES)
    duplicated = sheet.copy()
    duplicated.loc[1, "sample"] = duplicated.loc[0, "sample"]
    with pytest.raises(InputError, match="appears twice"):
        simulate_demo(duplicated, GENESETS, seed=1, n_genes=N_GENES)
    with pytest.raises(InputError, match="too few genes"):
        simulate_demo(sheet, GENESETS, seed=1, n_genes=len(SET_GENES) + 10, n_random_de=300)
    with pytest.raises(InputError, match="seed"):
        simulate_demo(sheet, GENESETS, seed=-1, n_genes=N_GENES)
    with pytest.raises(InputError, match="filler gene ID"):
        simulate_demo(sheet, {"X": ["sim_gene_00001"]}, seed=1, n_genes=N_GENES)
    with pytest.raises(InputError, match="not a list of symbols"):
        simulate_demo(sheet, {"X": "Cd74"}, seed=1, n_genes=N_GENES)


#: Where Debian's r-bioc-tcgabiolinks keeps its data objects (the demo's source cohort).
TCGABIOLINKS_DATA = Path("/usr/lib/R/site-library/TCGAbiolinks/data/Rdata")


@pytest.fixture(scope="module")
def tcga_brca(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """TCGAbiolinks' ``dataBRCA`` (5 tumours, 5 normals), exported with R; skipped where absent."""
    if not TCGABIOLINKS_DATA.with_suffix(".rdb").exists() or shutil.which("Rscript") is None:
        pytest.skip("the demo's source cohort needs R and the Debian package r-bioc-tcgabiolinks")
    out = tmp_path_factory.mktemp("tcga") / "dataBRCA.csv"
    script = f'e <- new.env(); lazyLoad("{TCGABIOLINKS_DATA}", envir = e); write.csv(e$dataBRCA, "{out}")'
    subprocess.run(["Rscript", "-e", script], check=True, capture_output=True)
    return pd.read_csv(out, index_col=0)


def test_fit_reproduces_embedded_constants(tcga_brca: pd.DataFrame) -> None:
    tumours = tcga_tumour_counts(tcga_brca)
    assert list(tumours.columns) == [c for c in tcga_brca.columns if c.split("-")[3].startswith("01")]
    fitted = fit_demo_parameters(tumours)

    assert fitted["n_samples"] == 5
    assert fitted["n_dispersion_df"] == 4
    assert fitted["n_expressed_genes"] == 18093
    assert fitted["base_mean_quantile_probs"] == simulate.BASE_MEAN_QUANTILE_PROBS
    np.testing.assert_allclose(
        fitted["log_base_mean_quantiles"], simulate.LOG_BASE_MEAN_QUANTILES, rtol=1e-4, atol=1e-4
    )
    for key, constant in (
        ("size_factor_log_sd", simulate.SIZE_FACTOR_LOG_SD),
        ("dispersion_asympt", simulate.DISPERSION_ASYMPT),
        ("dispersion_extra", simulate.DISPERSION_EXTRA),
        ("dispersion_log_offset", simulate.DISPERSION_LOG_OFFSET),
        ("dispersion_log_sd", simulate.DISPERSION_LOG_SD),
    ):
        assert fitted[key] == pytest.approx(constant, rel=1e-4), key


def test_tcga_mode_refuses_tables_without_tumours() -> None:
    normals = pd.DataFrame({"TCGA-BH-A0DK-11A-13R-A089-07": [1.4, 2.0], "TCGA-E9-A1RH-11A-34R-A169-07": [3.0, 4.6]})
    with pytest.raises(InputError, match="no primary tumour"):
        tcga_tumour_counts(normals)
    with pytest.raises(InputError, match="not a TCGA sample barcode"):
        tcga_tumour_counts(pd.DataFrame({"sample_1": [1, 2]}))


def test_fit_recovers_simulated_parameters() -> None:
    # Simulated untreated samples only (no planted effect): the fit must find the trend
    # and scatter the simulator used.
    sheet = pd.DataFrame({"sample": [f"s{i}" for i in range(24)], "condition": np.repeat(LEVELS, 8)})
    demo = simulate_demo(sheet, {}, seed=5, n_genes=20000, n_random_de=0)
    counts = demo.counts.drop(columns="symbol")
    fitted = fit_demo_parameters(counts, groups=sheet["condition"])
    assert fitted["n_dispersion_df"] == 21
    assert fitted["dispersion_asympt"] == pytest.approx(simulate.DISPERSION_ASYMPT, rel=0.25)
    assert fitted["dispersion_extra"] == pytest.approx(simulate.DISPERSION_EXTRA, rel=0.35)
    assert fitted["dispersion_log_sd"] == pytest.approx(simulate.DISPERSION_LOG_SD, abs=0.15)

    # The median dispersion (trend x exp(offset)) is recovered closely where counts are
    # high; towards low means, with tumour-sized dispersions (about 0.5 at 100, 2.7 at 10),
    # the moment estimates of the fit run low.
    def median_dispersion(asympt: float, extra: float, offset: float) -> np.ndarray:
        return (asympt + extra / np.array([10.0, 100.0, 1000.0, 10000.0])) * np.exp(offset)

    ratio = median_dispersion(
        fitted["dispersion_asympt"], fitted["dispersion_extra"], fitted["dispersion_log_offset"]
    ) / (median_dispersion(simulate.DISPERSION_ASYMPT, simulate.DISPERSION_EXTRA, simulate.DISPERSION_LOG_OFFSET))
    np.testing.assert_allclose(ratio[2:], 1.0, rtol=0.1)
    assert 0.85 < ratio[1] < 1.1 and 0.8 < ratio[0] < 1.1
    assert fitted["size_factor_log_sd"] < 0.3
    median = np.interp(0.5, simulate.BASE_MEAN_QUANTILE_PROBS, simulate.LOG_BASE_MEAN_QUANTILES)
    assert np.interp(0.5, fitted["base_mean_quantile_probs"], fitted["log_base_mean_quantiles"]) == (
        pytest.approx(median, abs=0.5)
    )


def test_fit_refuses_groups_of_one_sample() -> None:
    table = pd.DataFrame({"s1": [5, 6, 7], "s2": [3, 4, 9], "s3": [8, 8, 8]}, index=["a", "b", "c"])
    with pytest.raises(InputError, match="groups"):
        fit_demo_parameters(table, groups=["x", "x", "y"])
    with pytest.raises(InputError, match="groups"):
        fit_demo_parameters(table, groups=["x", "x"])


def test_fit_refuses_non_numeric_counts() -> None:
    table = pd.DataFrame({"symbol": ["a", "b"], "s1": [1, 2], "s2": [3, 4]})
    with pytest.raises(InputError, match="numeric sample columns"):
        fit_demo_parameters(table)
