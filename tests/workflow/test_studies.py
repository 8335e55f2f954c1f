"""Many studies in one run: the small demo twice (two seeds) and GSE96870 as three studies of one DAG.

The studies sheet names each study's config; every study's results go to results/{study}/, its
logs to logs/{study}/ and its simulated data to resources/studies/{study}/demo/, and the cross-study
summary to results/studies/. GSE96870 reads ../shared/data (the test skips without it).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import copy_workflow, snakemake, write_small_study, write_three_studies

pytestmark = pytest.mark.workflow

STUDIES = ("demo_a", "demo_b", "gse96870")
DEMO_CONTRASTS = ("responsive_vs_untreated", "resistant_vs_untreated", "resistant_vs_responsive")
GSE_CONTRASTS = ("Day4_vs_Day0", "Day8_vs_Day0")
CROSS = ("results/studies/nes.tsv", "results/studies/shared_de_genes.tsv", "results/studies/shared_de_counts.tsv")
FIGURE = "results/studies/figures/nes_heatmap.png"


@pytest.fixture(scope="module")
def studies_run(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    workdir = copy_workflow(tmp_path_factory.mktemp("studies"))
    run = write_three_studies(workdir, shared_data)
    targets = [*CROSS, FIGURE, "results/demo_a/provenance.json"]
    done = snakemake(workdir, "--configfile", str(run), "--", *targets, timeout=1500)
    assert done.returncode == 0, done.stderr[-4000:]
    return workdir


def test_each_study_has_its_own_results_logs_and_demo_data(studies_run: Path) -> None:
    for study, contrasts in zip(STUDIES, (DEMO_CONTRASTS, DEMO_CONTRASTS, GSE_CONTRASTS), strict=True):
        for contrast in contrasts:
            assert (studies_run / "results" / study / "de" / f"{contrast}.tsv").is_file()
            assert (studies_run / "results" / study / "gsea" / f"{contrast}.tsv").is_file()
        assert (studies_run / "logs" / study / "deseq2.log").is_file()
    assert (
        not (studies_run / "results" / "de").exists()
        and not (studies_run / "resources" / "demo" / "counts.tsv.gz").exists()
    )
    # two seeds, two simulations: the demo studies do not share data
    a, b = (
        gzip.decompress((studies_run / "resources" / "studies" / s / "demo" / "counts.tsv.gz").read_bytes())
        for s in ("demo_a", "demo_b")
    )
    assert a != b


def test_provenance_names_the_study_config(studies_run: Path) -> None:
    record = json.loads((studies_run / "results" / "demo_a" / "provenance.json").read_text())
    text = json.dumps(record)
    assert "config/small.yaml" in text and "studies_test" not in text
    assert "resources/studies/demo_a/demo/counts.tsv.gz" in text


def test_nes_table_covers_every_focus_set_and_contrast(studies_run: Path) -> None:
    nes = pd.read_csv(studies_run / "results" / "studies" / "nes.tsv", sep="\t")
    configs = [
        yaml.safe_load((studies_run / p).read_text()) for p in ("config/small.yaml", "config/gse96870_small.yaml")
    ]
    sets = list(dict.fromkeys(configs[0]["gsea"]["focus_sets"] + configs[1]["gsea"]["focus_sets"]))
    assert list(dict.fromkeys(nes["set"])) == sets
    assert len(nes) == len(sets) * (2 * len(DEMO_CONTRASTS) + len(GSE_CONTRASTS))
    # the values are the studies' own summaries
    summary = pd.read_csv(studies_run / "results" / "gse96870" / "gsea" / "summary.tsv", sep="\t").set_index("set")
    row = nes[(nes["study"] == "gse96870") & (nes["contrast"] == "Day8_vs_Day0")].set_index("set")
    assert row.loc["HALLMARK_INTERFERON_ALPHA_RESPONSE", "NES"] == pytest.approx(
        summary.loc["HALLMARK_INTERFERON_ALPHA_RESPONSE", "NES_Day8_vs_Day0"]
    )
    assert (
        row.loc["HALLMARK_INTERFERON_ALPHA_RESPONSE", "NES"] > 1
        and row.loc["HALLMARK_INTERFERON_ALPHA_RESPONSE", "FDR"] < 0.05
    )
    # hallmark sets are not in the demo's collection: untested there, not zero
    demo = nes[(nes["study"] == "demo_a") & nes["set"].str.startswith("HALLMARK")]
    assert len(demo) and demo["NES"].isna().all()
    assert nes[nes["study"] == "demo_b"]["NES"].notna().sum() == len(configs[0]["gsea"]["focus_sets"]) * len(
        DEMO_CONTRASTS
    )


def _de(path: Path, lfc: float) -> set[str]:
    table = pd.read_csv(path, sep="\t", dtype={"gene_id": str, "symbol": str})
    hits = table[(table["padj"] < 0.05) & (table["log2FoldChange"].abs() >= lfc)]
    return set(hits["symbol"].fillna(hits["gene_id"]))


def test_shared_de_genes_are_the_intersection(studies_run: Path) -> None:
    shared = pd.read_csv(studies_run / "results" / "studies" / "shared_de_genes.tsv", sep="\t")
    counts = pd.read_csv(studies_run / "results" / "studies" / "shared_de_counts.tsv", sep="\t")
    assert set(shared["comparison"]) == {"mtor", "resistant_vs_untreated"}
    for comparison, contrast in (
        ("mtor", "responsive_vs_untreated"),
        ("resistant_vs_untreated", "resistant_vs_untreated"),
    ):
        a, b = (_de(studies_run / "results" / s / "de" / f"{contrast}.tsv", 0.5) for s in ("demo_a", "demo_b"))
        both = a & b
        assert len(both) > 10, comparison  # the planted signal is found in both simulations
        mine = shared[shared["comparison"] == comparison]
        assert set(mine["gene"]) == both and (mine["studies"] == "demo_a;demo_b").all()
        by_combo = counts[counts["comparison"] == comparison].set_index("studies")["genes"]
        assert by_combo.to_dict() == {
            k: v for k, v in {"demo_a;demo_b": len(both), "demo_a": len(a - b), "demo_b": len(b - a)}.items() if v
        }
        # the planted programmes move the same way in both simulations (the random genes differ by seed)
        truth = pd.read_csv(studies_run / "resources" / "studies" / "demo_a" / "demo" / "truth.tsv", sep="\t")
        planted = set(truth.loc[~truth["programme"].isin(["none", "random"]), "symbol"])
        programmes = mine[mine["gene"].isin(planted)]
        assert len(programmes) > 5 and (programmes["direction"] != "mixed").mean() > 0.9, comparison
    # a comparison with one study has counts but no shared genes
    infection = counts[counts["comparison"] == "infection"]
    assert list(infection["studies"]) == ["gse96870"] and infection["genes"].iloc[0] > 0


def test_heatmap_written(studies_run: Path) -> None:
    png = (studies_run / FIGURE).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("mtor=no_such_contrast", "A comparable contrast is not one of the study's contrasts"),
        ("mtor=responsive_vs_untreated, mtor=resistant_vs_untreated", "two contrasts into one comparison"),
    ],
)
def test_bad_sheet_stops_before_any_job(tmp_path: Path, cell: str, message: str) -> None:
    workdir = copy_workflow(tmp_path)
    study = write_small_study(workdir)
    (workdir / "config" / "s.tsv").write_text(
        f"study\tconfig\tcomparable\ndemo\t{study.relative_to(workdir)}\t{cell}\n"
    )
    (workdir / "config" / "s.yaml").write_text("studies: config/s.tsv\n")
    done = snakemake(workdir, "--configfile", "config/s.yaml", "--dry-run")
    assert done.returncode != 0 and message in done.stderr and "Traceback" not in done.stderr
    assert "file: config/s.tsv" in done.stderr


def test_a_mistake_in_a_study_config_names_that_file(tmp_path: Path) -> None:
    workdir = copy_workflow(tmp_path)
    study = write_small_study(workdir, design="~ no_such_column")
    (workdir / "config" / "s.tsv").write_text(f"study\tconfig\ndemo\t{study.relative_to(workdir)}\n")
    (workdir / "config" / "s.yaml").write_text("studies: config/s.tsv\n")
    done = snakemake(workdir, "--configfile", "config/s.yaml", "--dry-run")
    assert done.returncode != 0 and "no_such_column" in done.stderr and "Traceback" not in done.stderr
