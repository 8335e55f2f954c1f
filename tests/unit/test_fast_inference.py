"""degsea.fast_inference.FastInference against PyDESeq2's DefaultInference (the reference).

Each case fits the same DeseqDataSet with both inferences and compares MLE log2 fold changes
(Pearson r >= 0.99999), dispersions and the padj < 0.1 calls (Jaccard >= 0.99).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("pydeseq2")

from pydeseq2.dds import DeseqDataSet  # noqa: E402
from pydeseq2.default_inference import DefaultInference  # noqa: E402
from pydeseq2.ds import DeseqStats  # noqa: E402

from degsea.fast_inference import FastInference  # noqa: E402

REFERENCE = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "deseq2"


def simulate(n_genes: int, n_per_group: int, *, seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Negative-binomial counts, two groups and a batch, 10 % of genes DE."""
    rng = np.random.default_rng(seed)
    n = 2 * n_per_group
    base = np.exp(rng.normal(4.0, 2.0, n_genes))
    disp = 0.05 + 2.0 / base
    lfc = np.where(rng.random(n_genes) < 0.1, rng.normal(0, 1.5, n_genes), 0.0)
    group = np.repeat([0, 1], n_per_group)
    batch = np.tile([0, 1], n_per_group)
    sf = np.exp(rng.normal(0, 0.2, n))
    mu = sf[:, None] * base[None, :] * np.exp(np.outer(group, lfc) + np.outer(batch, rng.normal(0, 0.3, n_genes)))
    size = 1.0 / disp
    counts = rng.negative_binomial(size[None, :], size[None, :] / (size[None, :] + mu))
    samples = [f"s{i}" for i in range(n)]
    meta = pd.DataFrame(
        {"condition": np.where(group == 1, "treated", "control"), "batch": np.where(batch == 1, "b", "a")},
        index=samples,
    )
    return pd.DataFrame(counts, index=samples, columns=[f"g{i}" for i in range(n_genes)]), meta


def fit(counts: pd.DataFrame, meta: pd.DataFrame, design: str, contrast: list[str], inference) -> tuple:  # noqa: ANN001
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dds = DeseqDataSet(counts=counts, metadata=meta, design=design, inference=inference, quiet=True)
        dds.deseq2()
        stats = DeseqStats(dds, contrast=contrast, inference=inference, quiet=True)
        stats.summary()
    return dds, stats.results_df.copy()


def compare(counts: pd.DataFrame, meta: pd.DataFrame, design: str, contrast: list[str]) -> None:
    fast = FastInference()
    dds_f, res_f = fit(counts, meta, design, contrast, fast)
    dds_d, res_d = fit(counts, meta, design, contrast, DefaultInference(n_cpus=2))
    ok = res_f["log2FoldChange"].notna() & res_d["log2FoldChange"].notna()
    assert ok.sum() > 100
    r = np.corrcoef(res_f.loc[ok, "log2FoldChange"], res_d.loc[ok, "log2FoldChange"])[0, 1]
    assert r >= 0.99999, r
    for key, tol in (("genewise_dispersions", 0.01), ("dispersions", 0.02)):
        x, y = dds_f.var[key].to_numpy(), dds_d.var[key].to_numpy()
        finite = np.isfinite(x) & np.isfinite(y)
        assert np.median(np.abs(np.log(x[finite] / y[finite]))) < tol, key
    called_f = set(res_f.index[res_f["padj"] < 0.1])
    called_d = set(res_d.index[res_d["padj"] < 0.1])
    assert called_f or called_d
    assert len(called_f & called_d) / len(called_f | called_d) >= 0.99
    np.testing.assert_allclose(res_f.loc[ok, "baseMean"], res_d.loc[ok, "baseMean"])


def test_simulated_two_groups_and_batch() -> None:
    counts, meta = simulate(3000, 6, seed=3)
    compare(counts, meta, "~batch + condition", ["condition", "treated", "control"])


def test_pasilla(shared_data: Path) -> None:
    counts = pd.read_csv(shared_data / "pasilla" / "pasilla_gene_counts.tsv", sep="\t", index_col=0).T
    sheet = REFERENCE / "pasilla_samples.tsv"
    if not sheet.is_file():
        pytest.skip(f"{sheet} is absent (the pasilla sample sheet of ../shared/reference)")
    meta = pd.read_csv(sheet, sep="\t", index_col=0).loc[counts.index]
    compare(counts, meta, "~type + condition", ["condition", "treated", "untreated"])


def test_gse96870(shared_data: Path) -> None:
    counts = pd.read_csv(shared_data / "mouse_GSE96870" / "GSE96870_counts_cerebellum.csv", index_col=0).T
    sheet = REFERENCE / "gse96870_samples.tsv"
    if not sheet.is_file():
        pytest.skip(f"{sheet} is absent (the GSE96870 sample sheet of ../shared/reference)")
    meta = pd.read_csv(sheet, sep="\t", index_col=0).loc[counts.index]
    # a seeded subset of 8,000 genes keeps DefaultInference's run short (about a minute);
    # the whole data set agrees as well (log2FC r 0.99999999993, Jaccard 0.9993)
    keep = np.sort(np.random.default_rng(0).choice(counts.shape[1], 8000, replace=False))
    compare(counts.iloc[:, keep], meta, "~sex + time", ["time", "Day8", "Day0"])


def test_methods_match_pydeseq2_per_gene() -> None:
    """IRLS and Wald test agree with PyDESeq2's per-gene routines to rounding."""
    counts, meta = simulate(300, 4, seed=5)
    x = np.column_stack([np.ones(8), (meta["condition"] == "treated").to_numpy(float)])
    y = counts.to_numpy(float)
    sf = np.exp(np.random.default_rng(0).normal(0, 0.1, 8))
    disp = np.full(y.shape[1], 0.1)
    fast, default = FastInference(), DefaultInference(n_cpus=1)
    bf, mf, hf, cf = fast.irls(y, sf, x, disp, 0.5, 1e-8)
    bd, md, hd, cd = default.irls(y, sf, x, disp, 0.5, 1e-8)
    np.testing.assert_allclose(bf, bd, atol=1e-8)
    np.testing.assert_allclose(hf, hd, atol=1e-8)
    ridge = np.diag([1e-6, 1e-6])
    pf, sf_, sef = fast.wald_test(x, disp, bf, mf, ridge, np.array([0.0, 1.0]), 0.0)
    pd_, sd, sed = default.wald_test(x, disp, bd, md, ridge, np.array([0.0, 1.0]), 0.0)
    np.testing.assert_allclose(sef, sed, rtol=1e-8)
    np.testing.assert_allclose(pf, pd_, rtol=1e-6, atol=1e-300)
    af, _ = fast.alpha_mle(y, x, mf, np.full(y.shape[1], 0.2), 1e-8, 10.0)
    ad, _ = default.alpha_mle(y, x, mf, np.full(y.shape[1], 0.2), 1e-8, 10.0)
    assert np.median(np.abs(np.log(af / ad))) < 1e-4


def test_blocks_do_not_change_results() -> None:
    counts, meta = simulate(500, 3, seed=8)
    _, whole = fit(counts, meta, "~condition", ["condition", "treated", "control"], FastInference())
    _, blocked = fit(counts, meta, "~condition", ["condition", "treated", "control"], FastInference(block_elements=600))
    pd.testing.assert_frame_equal(whole, blocked, rtol=1e-10)
