"""VST, Cook's outliers, per-sample gene-set scores, provenance and the report's front page."""

from __future__ import annotations

import hashlib
import json

import anndata as ad
import numpy as np
import pandas as pd
import pytest

from degsea.de import qc
from degsea.gsea.scores import expression_by_symbol, sample_scores
from degsea.naming import file_slug
from degsea.report.front_page import front_page
from degsea.report.provenance import package_versions, provenance, sha256


@pytest.fixture(scope="module")
def counts() -> ad.AnnData:
    rng = np.random.default_rng(3)
    n_genes, groups = 300, ["a"] * 4 + ["b"] * 4
    mean = rng.lognormal(5, 1.5, n_genes)
    effect = np.ones((8, n_genes))
    effect[4:, :30] = 4.0
    mu = mean * effect * rng.uniform(0.7, 1.3, (8, 1))
    x = rng.negative_binomial(10, 10 / (10 + mu)).astype(np.int64)
    obs = pd.DataFrame({"condition": groups}, index=[f"s{i}" for i in range(8)])
    var = pd.DataFrame({"symbol": [f"G{i}" for i in range(n_genes)]}, index=[f"ENS{i}" for i in range(n_genes)])
    return ad.AnnData(X=x, obs=obs, var=var)


def test_vst_is_log2_like_and_blind(counts: ad.AnnData) -> None:
    vst = qc.variance_stabilise(counts)
    assert list(vst.columns) == ["symbol", *counts.obs_names] and vst.index.name == "gene_id"
    values = vst.drop(columns="symbol").to_numpy()
    normed_log = np.log2(counts.X.T / (counts.X.sum(axis=1) / counts.X.sum(axis=1).mean()) + 1)
    high = counts.X.mean(axis=0) > 200
    # for high counts the VST is log2 of the normalised count up to a constant
    diff = values[high] - normed_log[high]
    assert np.ptp(np.median(diff, axis=1)) < 0.5
    # variance is stabilised: low-count genes do not have inflated spread
    assert np.isfinite(values).all()


def test_library_stats_and_sample_distances(counts: ad.AnnData) -> None:
    stats = qc.library_stats(counts)
    assert (stats["library_size"] == counts.X.sum(axis=1)).all()
    assert (stats["detected_genes"] == (counts.X > 0).sum(axis=1)).all()
    vst = qc.variance_stabilise(counts).drop(columns="symbol")
    d = qc.sample_distances(vst)
    assert np.allclose(d, d.T) and np.allclose(np.diag(d), 0)
    assert d.loc["s0", "s1"] < d.loc["s0", "s5"]  # replicates are closer than groups
    direct = np.sqrt(((vst["s0"] - vst["s5"]) ** 2).sum())
    assert d.loc["s0", "s5"] == pytest.approx(direct)


def test_cooks_outliers_use_deseq2s_f_cutoff() -> None:
    from scipy.stats import f

    design = pd.DataFrame(
        {"Intercept": 1.0, "condition[T.b]": [0.0] * 4 + [1.0] * 4}, index=[f"s{i}" for i in range(8)]
    )
    cooks = np.full((8, 5), 0.1)
    cooks[2, 1] = 50.0  # an outlier
    fitted = ad.AnnData(
        X=np.ones((8, 5)),
        obs=pd.DataFrame(index=design.index),
        var=pd.DataFrame({"_normed_means": [1.0] * 5}, index=list("abcde")),
    )
    fitted.obsm["design_matrix"] = design
    fitted.layers["cooks"] = cooks
    result = qc.cooks_outliers(fitted)
    assert result.cutoff == pytest.approx(f.ppf(0.99, 2, 6))
    assert result.genes == ["b"] and result.per_sample.loc["s2", "outlier_genes"] == 1
    assert result.per_sample["outlier_genes"].sum() == 1


def test_sample_scores_rank_the_up_group_higher(counts: ad.AnnData) -> None:
    expression = expression_by_symbol(qc.variance_stabilise(counts))
    sets = {
        "UP_IN_B": [f"G{i}" for i in range(30)],
        "RANDOM": [f"G{i}" for i in range(100, 140)],
        "TINY": ["G1", "nope"],
    }
    for method in ("ssgsea", "zscore"):
        scores = sample_scores(expression, sets, method=method)
        assert set(scores["set"]) == {"UP_IN_B", "RANDOM"}  # TINY has too few genes
        up = scores[scores["set"] == "UP_IN_B"].set_index("sample")["score"]
        assert up[[f"s{i}" for i in range(4, 8)]].min() > up[[f"s{i}" for i in range(4)]].max(), method
        assert list(scores.columns) == ["sample", "set", "genes", "score"]
    again = sample_scores(expression, sets, method="ssgsea")
    assert again.equals(sample_scores(expression, sets, method="ssgsea"))


def test_file_slug_is_file_safe() -> None:
    assert file_slug("HALLMARK_MTORC1_SIGNALING") == "HALLMARK_MTORC1_SIGNALING"
    assert file_slug("my set / v2 (mouse)") == "my_set_v2_mouse"


def test_provenance_records_versions_config_checksums_and_seeds(tmp_path) -> None:
    data = tmp_path / "counts.tsv"
    data.write_bytes(b"gene\ts1\nA\t1\n")
    config = {"gsea": {"seed": 7}, "demo": {"seed": 2020}, "design": "~ condition"}
    record = provenance(inputs={"counts": [str(data)]}, config=config, versions=package_versions())
    assert record["inputs"]["counts"][0]["sha256"] == hashlib.sha256(data.read_bytes()).hexdigest() == sha256(data)
    assert record["config"] == config
    assert record["seeds"] == {"demo.seed": 2020, "gsea.seed": 7, "plots.jitter": 0}
    assert record["versions"]["pydeseq2"] == "0.5.4" and "matplotlib" in record["versions"]
    assert json.loads(json.dumps(record)) == record


def test_front_page_states_design_counts_focus_sets_and_checksums() -> None:
    sheet = pd.DataFrame({"condition": ["u", "u", "r", "r"]}, index=["a", "b", "c", "d"])
    config = {
        "design": "~ condition",
        "contrasts": {"r_vs_u": {"variable": "condition", "test": "r", "reference": "u"}},
        "de": {"alpha": 0.05, "fit_type": "parametric", "cooks_filter": True, "independent_filter": True},
        "gsea": {
            "rank_by": "stat",
            "permutations": 1000,
            "seed": 42,
            "min_size": 15,
            "max_size": 500,
            "genesets": ["sets.gmt"],
            "focus_sets": ["S1", "S2"],
        },
    }
    counts = pd.DataFrame(
        [
            {
                "contrast": "r_vs_u",
                "genes": 100,
                "tested": 90,
                "with_padj": 80,
                "significant": 12,
                "up": 5,
                "down": 7,
                "padj_threshold": 0.05,
                "lfc_threshold": 1.0,
            }
        ]
    )
    summary = pd.DataFrame(
        {"set": ["S1", "S2"], "collection": "sets.gmt", "NES_r_vs_u": [2.1, -0.4], "FDR_r_vs_u": [0.0, 0.7]}
    )
    text = front_page(
        sheet=sheet,
        config=config,
        de_counts=counts,
        gsea_summary=summary,
        versions={"pydeseq2": "0.5.4"},
        inputs={"counts": [{"path": "c.tsv", "sha256": "ab" * 32, "bytes": 10}]},
        color_by="condition",
        fdr_method="padj",
        fdr_floor=0.001,
    )
    assert text.startswith("{% raw %}") and text.rstrip().endswith("{% endraw %}")
    for expected in (
        "``~ condition``",
        "4 samples",
        "r (n=2) vs u (n=2)",
        "12",
        "S1 (NES +2.10, FDR < 0.001)",
        "ab" * 32,
        "pydeseq2",
        "0.5.4",
        "``gsea.seed`` = 42",
    ):
        assert expected in text, expected
    assert "S2 (NES" not in text  # not significant
    from docutils.core import publish_parts

    html = publish_parts(text.replace("{% raw %}", "").replace("{% endraw %}", ""), writer_name="html")["body"]
    assert "<table" in html and "system-message" not in html


def test_gzipped_tables_are_byte_identical_whatever_the_temporary_name(tmp_path) -> None:
    from degsea.io import write_table

    frame = pd.DataFrame({"gene": ["a", "b"], "value": [1.5, np.nan]})
    write_table(frame, tmp_path / "one.tsv.gz")
    write_table(frame, tmp_path / "two.tsv.gz")
    first, second = (tmp_path / "one.tsv.gz").read_bytes(), (tmp_path / "two.tsv.gz").read_bytes()
    assert first == second  # no file name or time stamp in the gzip header
    assert pd.read_csv(tmp_path / "one.tsv.gz", sep="\t").equals(pd.read_csv(tmp_path / "two.tsv.gz", sep="\t"))
