"""Figures, the HTML report and provenance of a real snakemake run of the small demo study, and
byte-identical reruns.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from conftest import copy_workflow, snakemake, write_small_study

pytestmark = pytest.mark.workflow

CONTRASTS = ("responsive_vs_untreated", "resistant_vs_untreated", "resistant_vs_responsive")
QC = (
    "library_sizes",
    "size_factors",
    "pca_pc1_pc2",
    "pca_pc1_pc3",
    "scree",
    "sample_distances",
    "dispersions",
    "cooks_distances",
)
PER_CONTRAST = ("volcano", "ma", "heatmap", "pvalues")
FOCUS = (
    "DEGSEA_MHC_CLASS_II_ANTIGEN_PRESENTATION",
    "DEGSEA_MHC_CLASS_I_ANTIGEN_PRESENTATION",
    "DEGSEA_ADAPTIVE_IMMUNE_RESPONSE",
    "DEGSEA_T_CELL_ACTIVATION_AND_TCR_SIGNALING",
    "DEGSEA_B_CELL_RECEPTOR_SIGNALING",
    "DEGSEA_MTORC1_SIGNALING",
)


def figure_stems() -> list[str]:
    stems = [f"results/figures/qc/{s}" for s in QC]
    stems += [f"results/figures/de/{c}/{s}" for c in CONTRASTS for s in PER_CONTRAST]
    stems += [
        "results/figures/summary/de_overlap",
        "results/figures/summary/nes_dotplot",
        "results/figures/genesets/sample_scores",
    ]
    stems += ["results/figures/summary/ora_dotplot", "results/figures/genesets/collection_scores_heatmap"]
    stems += [
        f"results/figures/gsea/{c}/{kind}_{s}" for c in CONTRASTS for s in FOCUS for kind in ("running", "leading_edge")
    ]
    return stems


def tables(workdir: Path) -> dict[str, str]:
    """Every table the run writes (TSV and JSON under results/) -> SHA-256."""
    found = {}
    for path in sorted((workdir / "results").rglob("*")):
        if path.suffix in (".tsv", ".json") or path.name.endswith(".tsv.gz"):
            found[str(path.relative_to(workdir))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


@pytest.fixture(scope="module")
def report(small_run: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("report") / "report.html"
    done = snakemake(small_run, "--configfile", "config/small.yaml", "--report", str(out))
    assert done.returncode == 0, done.stderr[-3000:]
    return out.read_text(encoding="utf-8")


def test_every_figure_exists_as_png_and_svg(small_run: Path) -> None:
    for stem in figure_stems():
        png, svg = small_run / f"{stem}.png", small_run / f"{stem}.svg"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", stem
        text = svg.read_text(encoding="utf-8")
        assert "<svg" in text and "</svg>" in text, stem


def test_report_holds_every_figure_and_table(small_run: Path, report: str) -> None:
    expected = [f"{Path(stem).name}.report.png" for stem in figure_stems()]  # the report's copy of each figure
    expected += [f"de_{c}.html" for c in CONTRASTS] + ["gsea.html"]  # searchable DE and GSEA tables
    expected += [
        f"{name}.html"
        for name in (
            "qc_samples",
            "qc_pca_variance",
            "de_counts",
            "de_membership",
            "de_intersections",
            "gsea_summary",
            "gsea_selected_sets",
            "sample_scores",
            "vst",
            "normalized_counts",
        )
    ]
    expected += ["ora_selected_sets.html", "collection_scores.html", "collection_score_tests.html"]
    expected += [f"ora_{c}.html" for c in CONTRASTS]
    expected += ["provenance.json"]
    missing = [name for name in expected if name not in report]
    assert not missing, missing
    # every figure is embedded, not linked: its report copy (150 dpi, 256 colours), smaller than the figure itself
    import base64

    stem = small_run / "results/figures/de/responsive_vs_untreated/volcano"
    copy = Path(f"{stem}.report.png").read_bytes()
    assert copy[:8] == b"\x89PNG\r\n\x1a\n" and len(copy) < Path(f"{stem}.png").stat().st_size / 2
    assert base64.b64encode(copy)[:200].decode() in report
    assert "text/tab-separated-values" not in report  # no table that can only be downloaded


def test_report_front_page_states_the_study(report: str) -> None:
    for expected in (
        "~ condition",
        "9 samples",
        "responsive (n=3) vs untreated (n=3)",
        "Input files",
        "SHA-256",
        "Resolved config",
        "strongest focus sets",
        "pydeseq2",
        "one per redundancy group",
        "Over-representation of the DE genes (ORA)",
        "universe",
    ):
        assert expected in report, expected
    assert any(name.removeprefix("DEGSEA_").replace("_", " ") + " (NES" in report for name in FOCUS)


def test_captions_name_the_actual_thresholds(report: str) -> None:
    assert "padj &lt; <strong>0.05</strong>" in report or "padj < <strong>0.05</strong>" in report
    assert "200 permutations" in report  # the small study's gsea: permutations
    # ORA and collection scores: universe, method and thresholds in the captions
    assert "the genes tested in that contrast" in report and "hypergeometric" in report
    assert "Welch" in report and "gsva" in report


def test_provenance_holds_versions_config_checksums_and_seeds(small_run: Path) -> None:
    record = json.loads((small_run / "results" / "provenance.json").read_text())
    assert record["versions"]["pydeseq2"] == "0.5.4" and record["versions"]["gseapy"] == "1.3.1"
    assert record["config"]["demo"]["n_genes"] == 2000 and record["config"]["gsea"]["permutations"] == 200
    assert record["config"]["plots"]["formats"] == ["png", "svg"]  # resolved with defaults
    assert record["seeds"]["gsea.seed"] == 42 and record["seeds"]["demo.seed"] == 2020
    roles = {role: [item["path"] for item in items] for role, items in record["inputs"].items()}
    assert roles["samples"] == ["config/samples_small.tsv"] and roles["counts"] == ["resources/demo/counts.tsv.gz"]
    assert "resources/genesets/degsea_mouse_v1.gmt" in roles["genesets"]
    for items in record["inputs"].values():
        for item in items:
            assert item["sha256"] == hashlib.sha256((small_run / item["path"]).read_bytes()).hexdigest()


def test_rerun_from_scratch_gives_byte_identical_tables(small_run: Path, tmp_path: Path) -> None:
    workdir = copy_workflow(tmp_path)
    config = write_small_study(workdir)
    done = snakemake(workdir, "--configfile", str(config))
    assert done.returncode == 0, done.stderr[-3000:]
    first, second = tables(small_run), tables(workdir)
    assert set(first) == set(second)
    assert "results/genesets/sample_scores.tsv" in first and "results/qc/vst.tsv" in first
    different = [name for name in first if first[name] != second[name]]
    assert not different, different
