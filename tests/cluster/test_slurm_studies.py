"""Many studies in one run on a real SLURM cluster (issue 17): the demo, GSE96870 and the Rag1 demo as three studies.

Small versions, for CI time (tests/workflow/conftest.py ``write_three_studies``): the small demo
(config/small.yaml), GSE96870 with 100 permutations, the Rag1 demo with 2,000 genes and 200
permutations. The sheet compares the demo's responders (``responsive_vs_untreated``) with the Rag1
demo's wild-type hosts (``treatment_in_WT``): both are AZD8055 against untreated tumours in
immunocompetent mice, where both simulations plant mTORC1 targets and proliferation down and the
MHC and adaptive-immune programmes up.

Start the cluster first (``tests/cluster/local-slurm.sh start``; ``.ci/run`` does it); without
one these tests skip and say why, unless ``DEGSEA_REQUIRE_SLURM=1``. GSE96870 reads
../shared/data (skipped without it).

Checked: every job went through SLURM and completed; the profile's groups apply within each
study ({study}_de, {study}_genesets, {study}_report), so no SLURM job runs rules of two studies;
each study's tables are in results/{study}/; the cross-study NES table holds each study's own
values, with the planted or known enrichments; the shared DE genes are the intersection, with the
planted programmes shared in their direction.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml

HERE = Path(__file__).resolve().parent


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


slurm = _load("degsea_slurm_helpers", HERE / "test_slurm.py")
# the cluster fixtures of test_slurm.py, under their names, for this module's tests
plugin, cluster = slurm.plugin, slurm.cluster
#: Three studies make eight SLURM jobs (two groups per study, the demo's report and the summary), one after the
#: other on the 2-CPU test node: 8-13 min measured, so a longer limit than the one-study tests' (seconds). Passed
#: to each call: assigning slurm.RUN_TIMEOUT would not change slurm_snakemake's default, bound when it was defined.
RUN_TIMEOUT = 1800

pytestmark = [pytest.mark.slurm, pytest.mark.workflow]

STUDIES = ("demo", "gse96870", "rag1")
CONTRASTS = {
    "demo": ("responsive_vs_untreated", "resistant_vs_untreated", "resistant_vs_responsive"),
    "gse96870": ("Day4_vs_Day0", "Day8_vs_Day0"),
    "rag1": ("treatment_in_WT", "treatment_in_Rag1KO", "treatment_WT_minus_Rag1KO"),
}
#: The sheet's comparison of the demo and the Rag1 demo (write_three_studies).
MTOR = {"demo": "responsive_vs_untreated", "rag1": "treatment_in_WT"}
CROSS = "results/studies/"
TARGETS = (
    f"{CROSS}nes.tsv",
    f"{CROSS}shared_de_genes.tsv",
    f"{CROSS}shared_de_counts.tsv",
    f"{CROSS}figures/nes_heatmap.png",
    "results/demo/provenance.json",
)


@pytest.fixture(scope="module")
def studies_slurm_run(
    tmp_path_factory: pytest.TempPathFactory, cluster: None, shared_data: Path
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    workdir = slurm.copy_workflow(tmp_path_factory.mktemp("studies_slurm"))
    run = slurm.helpers.write_three_studies(workdir, shared_data)
    done = slurm.slurm_snakemake(workdir, "--configfile", str(run), "--", *TARGETS, timeout=RUN_TIMEOUT)
    assert done.returncode == 0, (
        f"rc {done.returncode} (124/137: timed out)\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    )
    return workdir, done


def test_every_job_ran_through_slurm(studies_slurm_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    slurm.check_every_job_ran_through_slurm(*studies_slurm_run)


def test_one_study_per_slurm_job(studies_slurm_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    workdir, _ = studies_slurm_run
    logs = {p.stem: (p.parent.name, p.read_text()) for p in (workdir / ".snakemake" / "slurm_logs").rglob("*.log")}
    groups = set()
    for folder, text in logs.values():
        rules = re.findall(r"^localrule (\w+):$", text, flags=re.M)
        owners = {next((s for s in STUDIES if r.startswith(f"{s}_")), r) for r in rules}
        assert len(owners) == 1, (folder, rules)
        match = re.match(r"group_(\w+?)_(de|figures|genesets|report)_", folder)
        if match:
            groups.add((match[1], match[2]))
    # each study (the profile's groups, per study): its count import and fit in one job, its gene-set jobs in
    # another; the demo's provenance in its report group; the cross-study summary in the run's own report group
    assert groups == {(s, g) for s in STUDIES for g in ("de", "genesets")} | {("demo", "report")}, groups
    (cross,) = [text for folder, text in logs.values() if folder == "group_report_cross_study"]
    assert re.findall(r"^localrule (\w+):$", cross, flags=re.M) == ["cross_study"]


def test_each_study_has_its_results(studies_slurm_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    workdir, _ = studies_slurm_run
    for study, contrasts in CONTRASTS.items():
        for contrast in contrasts:
            for table in (f"de/{contrast}.tsv", f"gsea/{contrast}.tsv"):
                assert (workdir / "results" / study / table).is_file(), (study, table)
        assert (workdir / "logs" / study / "deseq2.log").is_file()
    assert (workdir / "results" / "rag1" / "de" / "lrt" / "host_dependence.tsv").is_file()
    assert not (workdir / "results" / "de").exists() and not (workdir / "resources" / "demo").exists()
    # the provenance names the study's own config and simulated counts
    text = (workdir / "results" / "demo" / "provenance.json").read_text()
    assert "config/small.yaml" in text and "studies_test" not in text
    assert "resources/studies/demo/demo/counts.tsv.gz" in text


def _nes(workdir: Path) -> pd.DataFrame:
    return pd.read_csv(workdir / CROSS / "nes.tsv", sep="\t").set_index(["set", "study", "contrast"])


def test_nes_table_covers_every_focus_set_and_contrast(
    studies_slurm_run: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    workdir, _ = studies_slurm_run
    nes = pd.read_csv(workdir / CROSS / "nes.tsv", sep="\t")
    configs = {
        s: yaml.safe_load((workdir / "config" / f"{c}.yaml").read_text())
        for s, c in (("demo", "small"), ("gse96870", "gse96870_small"), ("rag1", "rag1_small"))
    }
    sets = list(dict.fromkeys(name for c in configs.values() for name in c["gsea"]["focus_sets"]))
    assert list(dict.fromkeys(nes["set"])) == sets
    assert len(nes) == len(sets) * sum(len(c) for c in CONTRASTS.values())
    # the values are the studies' own summaries
    for study, contrasts in CONTRASTS.items():
        summary = pd.read_csv(workdir / "results" / study / "gsea" / "summary.tsv", sep="\t").set_index("set")
        mine = nes[nes["study"] == study].set_index(["set", "contrast"])
        tested = [name for name in sets if name in summary.index]
        assert tested, study
        for name in tested:
            for contrast in contrasts:
                assert mine.loc[(name, contrast), "NES"] == pytest.approx(summary.loc[name, f"NES_{contrast}"])
        # sets outside a study's collections are untested there (empty), not zero
        assert mine.loc[[n for n in sets if n not in tested], "NES"].isna().all(), study
    assert nes.loc[nes["set"].str.startswith("HALLMARK") & (nes["study"] != "gse96870"), "NES"].isna().all()


def test_nes_shows_the_planted_and_known_enrichments(
    studies_slurm_run: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    nes = _nes(studies_slurm_run[0])
    # AZD8055 lowers the mTORC1 targets in the demo's responders and in both hosts of the Rag1 demo
    for study, contrast in [*MTOR.items(), ("rag1", "treatment_in_Rag1KO")]:
        row = nes.loc[("DEGSEA_MTORC1_SIGNALING", study, contrast)]
        assert row["NES"] < -1.5 and row["FDR"] < 0.05, (study, contrast, row.to_dict())
    # and raises MHC class II presentation where T and B cells are (responders; wild-type hosts): in the Rag1
    # demo more in wild-type than in Rag1-/- hosts (the planted interaction)
    for study, contrast in [*MTOR.items(), ("rag1", "treatment_WT_minus_Rag1KO")]:
        row = nes.loc[("DEGSEA_MHC_CLASS_II_ANTIGEN_PRESENTATION", study, contrast)]
        assert row["NES"] > 1.5 and row["FDR"] < 0.05, (study, contrast, row.to_dict())
    # GSE96870: influenza infection raises the interferon response by day 8
    row = nes.loc[("HALLMARK_INTERFERON_ALPHA_RESPONSE", "gse96870", "Day8_vs_Day0")]
    assert row["NES"] > 1 and row["FDR"] < 0.05, row.to_dict()


def _de(path: Path, lfc: float) -> pd.Series:
    table = pd.read_csv(path, sep="\t", dtype={"gene_id": str, "symbol": str})
    hits = table[(table["padj"] < 0.05) & (table["log2FoldChange"].abs() >= lfc)]
    return hits.set_index(hits["symbol"].fillna(hits["gene_id"]))["log2FoldChange"]


def test_shared_de_genes_are_the_intersection_with_the_planted_programmes(
    studies_slurm_run: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    workdir, _ = studies_slurm_run
    shared = pd.read_csv(workdir / CROSS / "shared_de_genes.tsv", sep="\t")
    counts = pd.read_csv(workdir / CROSS / "shared_de_counts.tsv", sep="\t")
    assert set(shared["comparison"]) == {"mtor_inhibition"}  # infection has one study: nothing to share
    demo, rag1 = (_de(workdir / "results" / s / "de" / f"{c}.tsv", 0.5) for s, c in MTOR.items())
    both = set(demo.index) & set(rag1.index)
    assert set(shared["gene"]) == both and (shared["studies"] == "demo;rag1").all()
    assert counts[counts["comparison"] == "mtor_inhibition"].set_index("studies")["genes"].to_dict() == {
        "demo;rag1": len(both),
        "demo": len(set(demo.index) - both),
        "rag1": len(set(rag1.index) - both),
    }
    infection = counts[counts["comparison"] == "infection"]
    assert list(infection["studies"]) == ["gse96870"] and infection["genes"].iloc[0] > 100
    # the programmes both simulations plant are shared, each in its direction
    truth = {
        s: pd.read_csv(workdir / "resources" / "studies" / s / folder / "truth.tsv", sep="\t", index_col=0)["programme"]
        for s, folder in (("demo", "demo"), ("rag1", "demo_rag1"))
    }
    shared = shared.set_index("gene")
    expected = {"mtorc1": "down", "proliferation": "down", "mhc_class_ii": "up", "adaptive_immune": "up"}
    for programme, direction in expected.items():
        genes = [g for g in shared.index if truth["demo"].get(g) == programme == truth["rag1"].get(g)]
        assert len(genes) >= 10 and (shared.loc[genes, "direction"] == direction).all(), (programme, genes)
    for gene, direction in {"Cd74": "up", "Ms4a1": "up", "Cd3d": "up", "Ddit4": "down", "Ldha": "down"}.items():
        assert shared.loc[gene, "direction"] == direction, gene
    # shared by chance: few genes besides the planted programmes
    planted = [g for g in shared.index if truth["demo"].get(g) in expected and truth["rag1"].get(g) in expected]
    assert len(planted) >= 0.9 * len(shared), (len(planted), len(shared))


def test_heatmap_written(studies_slurm_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    png = (studies_slurm_run[0] / CROSS / "figures" / "nes_heatmap.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
