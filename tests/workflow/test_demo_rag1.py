"""The seed study's second experiment (config/studies/demo_rag1): host x treatment, through the real snakemake command.

Planted truth (resources/demo_rag1/truth.tsv, degsea/demo/factorial.py): AZD8055 raises the
antigen-presentation and adaptive-immune programmes in wild-type hosts only, and lowers the
mTORC1 targets in both hosts. The interaction contrast must find the planted genes and GSEA
on it the immune programmes; the treatment contrast in each host must find mTORC1 down.
Measured (seed 2020): interaction recall 1.00 (174 of 174 planted genes at padj < 0.05, right
sign; 23 null genes also called); NES on the interaction 2.45-2.69 for the immune sets (FDR 0);
mTORC1 NES -2.55 (WT) and -2.57 (Rag1KO), FDR <= 1e-4.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from conftest import copy_workflow, snakemake

pytestmark = pytest.mark.workflow

CONFIG = "config/studies/demo_rag1/config.yaml"
CONTRASTS = ("treatment_in_WT", "treatment_in_Rag1KO", "treatment_WT_minus_Rag1KO")
IMMUNE_SETS = (
    "DEGSEA_MHC_CLASS_II_ANTIGEN_PRESENTATION",
    "DEGSEA_ADAPTIVE_IMMUNE_RESPONSE",
    "DEGSEA_T_CELL_ACTIVATION_AND_TCR_SIGNALING",
    "DEGSEA_B_CELL_RECEPTOR_SIGNALING",
)


@pytest.fixture(scope="module")
def rag1_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    workdir = copy_workflow(tmp_path_factory.mktemp("demo_rag1"))
    targets = [f"results/gsea/{c}.tsv" for c in CONTRASTS] + ["results/de/lrt/host_dependence.tsv"]
    done = snakemake(workdir, "--configfile", CONFIG, "--", *targets, timeout=1500)
    assert done.returncode == 0, done.stderr[-4000:]
    return workdir


def read(run: Path, path: str) -> pd.DataFrame:
    return pd.read_csv(run / path, sep="\t", index_col=0)


def test_interaction_finds_the_planted_genes_with_their_sign(rag1_run: Path) -> None:
    truth = read(rag1_run, "resources/demo_rag1/truth.tsv")
    table = read(rag1_run, "results/de/treatment_WT_minus_Rag1KO.tsv")
    planted = truth.index[truth["log2fc_interaction"] != 0]
    assert set(truth.loc[planted, "programme"]) == {"mhc_class_ii", "mhc_class_i", "adaptive_immune"}
    found = (table.loc[planted, "padj"] < 0.05) & (
        table.loc[planted, "log2FoldChange"] * truth.loc[planted, "log2fc_interaction"] > 0
    )
    assert found.mean() >= 0.8, found.mean()
    # The table says what the fold change is and that a numeric contrast is not shrunk.
    assert set(table["coefficient"]) == {"numeric: 0,0,0,-1"} and set(table["shrinkage"]) == {"none"}


def test_lrt_of_the_interaction_agrees_with_the_wald_contrast(rag1_run: Path) -> None:
    lrt = read(rag1_run, "results/de/lrt/host_dependence.tsv")
    wald = read(rag1_run, "results/de/treatment_WT_minus_Rag1KO.tsv")
    assert set(lrt["coefficient"]) == {"hostRag1KO.treatmentAZD8055"} and set(lrt["df"]) == {1}
    both = lrt.index[lrt["padj"].notna() & wald.reindex(lrt.index)["padj"].notna()]
    # One-degree-of-freedom LRT and Wald test of the same coefficient call nearly the same genes.
    lrt_hits, wald_hits = set(both[lrt.loc[both, "padj"] < 0.05]), set(both[wald.loc[both, "padj"] < 0.05])
    assert len(lrt_hits & wald_hits) / len(lrt_hits | wald_hits) > 0.9
    # The LRT's fold change is the interaction coefficient: minus the numeric contrast's. With 7 or more
    # replicates per group DESeq2 replaces outlier counts, and an LRT fit flags outliers from its own
    # (dispersion-step) means, so a gene or two may be refitted in one fit only.
    differ = (lrt.loc[both, "log2FoldChange"] + wald.loc[both, "log2FoldChange"]).abs() > 1e-8
    assert differ.sum() <= 0.001 * len(both), lrt.loc[both][differ].index.tolist()[:10]


def test_gsea_immune_programmes_up_on_the_interaction(rag1_run: Path) -> None:
    gsea = read(rag1_run, "results/gsea/treatment_WT_minus_Rag1KO.tsv")
    for name in IMMUNE_SETS:
        assert gsea.loc[name, "NES"] > 0 and gsea.loc[name, "FDR"] < 0.05, name


@pytest.mark.parametrize("contrast", ["treatment_in_WT", "treatment_in_Rag1KO"])
def test_gsea_mtorc1_down_in_both_hosts(rag1_run: Path, contrast: str) -> None:
    gsea = read(rag1_run, f"results/gsea/{contrast}.tsv")
    assert gsea.loc["DEGSEA_MTORC1_SIGNALING", "NES"] < 0
    assert gsea.loc["DEGSEA_MTORC1_SIGNALING", "FDR"] < 0.05


def test_immune_programmes_do_not_respond_in_rag1_hosts(rag1_run: Path) -> None:
    gsea = read(rag1_run, "results/gsea/treatment_in_Rag1KO.tsv")
    assert (gsea.loc[list(IMMUNE_SETS), "FDR"] > 0.05).all()
