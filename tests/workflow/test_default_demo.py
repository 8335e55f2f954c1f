"""The README's main job, `snakemake --cores 2` on the default config, checked against the planted truth.

On seed 2020 (10 tumours per group): 84 % of the 1,071 planted genes with |log2FC| >= 1 found
in responsive_vs_untreated, 8.1 % of the calls not planted, max -log10 p 26-45 by contrast.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytestmark = pytest.mark.workflow

IMMUNE_UP = (
    "DEGSEA_MHC_CLASS_II_ANTIGEN_PRESENTATION",
    "DEGSEA_ADAPTIVE_IMMUNE_RESPONSE",
    "DEGSEA_T_CELL_ACTIVATION_AND_TCR_SIGNALING",
    "DEGSEA_B_CELL_RECEPTOR_SIGNALING",
)


@pytest.fixture(scope="module")
def demo(default_demo: Path) -> Path:
    return default_demo


def test_planted_genes_are_found_with_few_false_discoveries(demo: Path) -> None:
    truth = pd.read_csv(demo / "resources" / "demo" / "truth.tsv", sep="\t", index_col="gene_id")
    table = pd.read_csv(demo / "results" / "de" / "responsive_vs_untreated.tsv", sep="\t", index_col="gene_id")
    true_lfc = truth["log2fc_responsive_vs_untreated"].reindex(table.index)
    planted = true_lfc.abs() >= 1
    significant = table["padj"] < 0.05
    found = significant & (np.sign(table["log2FoldChange"]) == np.sign(true_lfc))
    assert planted.sum() > 300
    assert found[planted].mean() >= 0.80
    assert (significant & (true_lfc == 0)).sum() / significant.sum() <= 0.10


def test_tumours_look_like_tumours(demo: Path) -> None:
    # Replicates spread as tumours do (the demo's dispersions are fitted to TCGA breast
    # tumours): no group sits on one PCA dot, and no p-value reaches absurd depths.
    qc = pd.read_csv(demo / "results" / "qc" / "samples.tsv", sep="\t")
    for group, part in qc.groupby("condition"):
        xy = part[["PC1", "PC2"]].to_numpy()
        distances = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(axis=-1))[np.triu_indices(len(xy), 1)]
        assert np.median(distances) >= 2.0, group  # VST log2 units; inbred tissue gave about 0.3
    for contrast in ("responsive_vs_untreated", "resistant_vs_untreated", "resistant_vs_responsive"):
        table = pd.read_csv(demo / "results" / "de" / f"{contrast}.tsv", sep="\t")
        pvalues = table["pvalue"].dropna()
        assert pvalues.min() > 0 and -np.log10(pvalues.min()) < 100, contrast
    strength = pd.read_csv(demo / "resources" / "demo" / "samples.tsv", sep="\t").groupby("condition")[
        "response_strength"
    ]
    assert strength.std()["responsive"] > 0.1  # some tumours respond more than others


def test_gsea_recovers_the_study_biology(demo: Path) -> None:
    summary = pd.read_csv(demo / "results" / "gsea" / "summary.tsv", sep="\t", index_col="set")
    for name in IMMUNE_UP:
        assert summary.loc[name, "NES_responsive_vs_untreated"] > 0, name
        assert summary.loc[name, "FDR_responsive_vs_untreated"] < 0.05, name
        assert summary.loc[name, "NES_resistant_vs_responsive"] < 0, name
    for contrast in ("responsive_vs_untreated", "resistant_vs_untreated"):
        assert summary.loc["DEGSEA_MTORC1_SIGNALING", f"NES_{contrast}"] < 0
        assert summary.loc["DEGSEA_MTORC1_SIGNALING", f"FDR_{contrast}"] < 0.05


def test_collection_scores_separate_mhc_ii_responders(demo: Path) -> None:
    scores = pd.read_csv(demo / "results" / "genesets" / "collection_scores.tsv", sep="\t", index_col="sample")
    samples = pd.read_csv(demo / "config" / "samples.tsv", sep="\t")["sample"]
    assert sorted(scores.index) == sorted(samples) and "DEGSEA_MHC_CLASS_II_ANTIGEN_PRESENTATION" in scores
    tests = pd.read_csv(demo / "results" / "genesets" / "collection_score_tests.tsv", sep="\t").set_index(
        ["contrast", "set"]
    )
    mhc = tests.loc[("responsive_vs_untreated", "DEGSEA_MHC_CLASS_II_ANTIGEN_PRESENTATION")]
    assert mhc["difference"] > 0 and mhc["pvalue"] < 0.01


def test_ora_finds_the_immune_sets_among_up_genes(demo: Path) -> None:
    table = pd.read_csv(demo / "results" / "ora" / "responsive_vs_untreated.tsv", sep="\t")
    up = table[table["direction"] == "up"].set_index("set")
    for name in IMMUNE_UP:
        assert up.loc[name, "padj"] < 0.05, name
    assert table[table["direction"] == "down"].set_index("set").loc["DEGSEA_MTORC1_SIGNALING", "padj"] < 0.05
    de = pd.read_csv(demo / "results" / "de" / "responsive_vs_untreated.tsv", sep="\t")
    universe = [
        line
        for line in (demo / "results" / "ora" / "responsive_vs_untreated.universe.txt").read_text().splitlines()
        if not line.startswith("#")
    ]
    assert universe == sorted(set(de.loc[de["padj"].notna(), "symbol"].astype(str)))
    assert (table["universe"] == len(universe)).all()
