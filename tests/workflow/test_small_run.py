"""A real snakemake run of a small demo study (3 x 3 samples, 2,000 genes), checked by content."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from conftest import copy_workflow, snakemake, write_small_study

pytestmark = pytest.mark.workflow

CONTRASTS = ("responsive_vs_untreated", "resistant_vs_untreated", "resistant_vs_responsive")


def test_counts_are_imported_with_sheet_and_symbols(small_run: Path) -> None:
    import anndata as ad

    adata = ad.read_h5ad(small_run / "results" / "counts.h5ad")
    raw = pd.read_csv(small_run / "resources" / "demo" / "counts.tsv.gz", sep="\t", index_col=0)
    assert adata.shape == (9, 2000)
    assert list(adata.obs_names) == [f"{g}_{i}" for g in ("untreated", "responsive", "resistant") for i in (1, 2, 3)]
    assert list(adata.obs["condition"].astype(str))[:3] == ["untreated"] * 3
    assert adata.var.loc["H2-Aa", "symbol"] == "H2-Aa"
    assert (adata.X.T == raw[adata.obs_names].to_numpy()).all()


@pytest.mark.parametrize("contrast", CONTRASTS)
def test_de_table_per_contrast(small_run: Path, contrast: str) -> None:
    table = pd.read_csv(small_run / "results" / "de" / f"{contrast}.tsv", sep="\t")
    test, reference = contrast.split("_vs_")
    assert list(table.columns) == [
        "gene_id",
        "symbol",
        "baseMean",
        "log2FoldChange",
        "lfcSE",
        "stat",
        "pvalue",
        "padj",
        "log2FoldChange_shrunk",
        "lfcSE_shrunk",
        f"baseMean_{test}",
        f"baseMean_{reference}",
        "coefficient",
        "shrinkage",
        "lfc_threshold",
        "alt_hypothesis",
    ]
    assert set(table["coefficient"]) == {f"condition: {test} vs {reference}"} and set(table["shrinkage"]) == {"apeglm"}
    assert len(table) == 2000 and table["gene_id"].is_unique
    assert table["pvalue"].dropna().is_monotonic_increasing
    tested = table.dropna(subset=["stat"])
    assert (tested["stat"] - tested["log2FoldChange"] / tested["lfcSE"]).abs().max() < 1e-6
    shrunk, mle = table["log2FoldChange_shrunk"].abs(), table["log2FoldChange"].abs()
    assert (shrunk > mle + 0.05).mean() < 0.01  # shrinkage never inflates a fold change materially
    noisy = table["baseMean"] < table["baseMean"].quantile(0.25)
    assert shrunk[noisy].median() < 0.5 * mle[noisy].median()  # and pulls noisy ones towards 0
    truth = pd.read_csv(small_run / "resources" / "demo" / "truth.tsv", sep="\t", index_col="gene_id")
    strong = table.set_index("gene_id").join(truth[f"log2fc_{contrast}"].rename("true"))
    strong = strong[(strong["true"].abs() >= 1.5) & (strong["padj"] < 0.05)]
    assert len(strong) > 20
    assert (strong["log2FoldChange"] * strong["true"] > 0).mean() > 0.95


def test_normalized_counts(small_run: Path) -> None:
    normalized = pd.read_csv(small_run / "results" / "de" / "normalized_counts.tsv", sep="\t", index_col="gene_id")
    assert normalized.shape == (2000, 10) and normalized.columns[0] == "symbol"
    totals = normalized.drop(columns="symbol").sum()
    raw = pd.read_csv(small_run / "resources" / "demo" / "counts.tsv.gz", sep="\t", index_col=0).drop(columns="symbol")
    assert totals.std() / totals.mean() < raw.sum().std() / raw.sum().mean()


def test_gsea_tables_and_summary(small_run: Path) -> None:
    summary = pd.read_csv(small_run / "results" / "gsea" / "summary.tsv", sep="\t").set_index("set")
    assert len(summary) == 9
    assert list(summary.columns) == ["collection"] + [f"{m}_{c}" for c in CONTRASTS for m in ("NES", "FDR", "group")]
    assert summary.loc["DEGSEA_MTORC1_SIGNALING", "NES_responsive_vs_untreated"] < 0
    assert summary.loc["DEGSEA_MHC_CLASS_II_ANTIGEN_PRESENTATION", "NES_responsive_vs_untreated"] > 0
    assert summary.loc["DEGSEA_MHC_CLASS_II_ANTIGEN_PRESENTATION", "NES_resistant_vs_responsive"] < 0
    table = pd.read_csv(small_run / "results" / "gsea" / "responsive_vs_untreated.tsv", sep="\t")
    assert table["NES"].is_monotonic_decreasing
    first = table.iloc[0]
    assert 0 < first["leading_edge_size"] <= first["size"]
    assert len(first["leading_edge"].split(";")) == first["leading_edge_size"]
    assert table["group"].isin(table["set"]).all() and table["representative"].sum() == table["group"].nunique()
    ranks = pd.read_csv(small_run / "results" / "gsea" / "responsive_vs_untreated.ranks.tsv", sep="\t")
    assert list(ranks.columns) == ["symbol", "stat"] and ranks["stat"].is_monotonic_decreasing


def test_rule_logs_name_versions(small_run: Path) -> None:
    text = (small_run / "logs" / "deseq2.log").read_text()
    assert "pydeseq2 0.5.4" in text and "rule deseq2 finished" in text


def test_changing_permutations_reruns_only_gsea(small_run: Path, tmp_path: Path) -> None:
    workdir = tmp_path / "rerun"
    shutil.copytree(small_run, workdir, symlinks=True)
    config = write_small_study(workdir, gsea={**_config(workdir)["gsea"], "permutations": 150})
    done = snakemake(workdir, "--configfile", str(config), "--dry-run")
    assert done.returncode == 0, done.stderr
    jobs = _job_counts(done.stdout + done.stderr)
    # the GSEA jobs, what is drawn from their results, and the records of the config
    assert jobs == {
        "gsea": 3,
        "gsea_summary": 1,
        "gsea_figures": 3,
        "gsea_overview": 1,
        "provenance": 1,
        "report_front_page": 1,
        "gsea_table_page": 1,  # the report's searchable GSEA tables
        "table_pages": 1,  # ... and the summary tables' pages (gsea_summary, gsea_selected_sets)
        "all": 1,
    }, jobs


def test_unchanged_config_has_nothing_to_do(small_run: Path) -> None:
    done = snakemake(small_run, "--configfile", str(small_run / "config" / "small.yaml"), "--dry-run")
    assert done.returncode == 0 and "Nothing to be done" in done.stdout + done.stderr


def test_same_config_in_another_key_order_reruns_only_its_record(small_run: Path, tmp_path: Path) -> None:
    import yaml

    workdir = tmp_path / "reordered"
    shutil.copytree(small_run, workdir, symlinks=True)
    path = workdir / "config" / "small.yaml"
    config = _config(workdir)

    def reverse(value: object) -> object:
        if isinstance(value, dict):
            return {key: reverse(value[key]) for key in reversed(list(value))}
        return value

    reordered = reverse(config)
    reordered["contrasts"] = config["contrasts"]  # their order is the analysis order
    reordered["plots"]["colors"] = config["plots"]["colors"]  # the group order
    reordered["plots"]["lfc"] = float(config["plots"]["lfc"])  # 1 written as 1.0
    path.write_text(yaml.safe_dump(reordered, sort_keys=False))
    done = snakemake(workdir, "--configfile", str(path), "--dry-run")
    assert done.returncode == 0, done.stderr
    # No analysis job: only the records that checksum the (rewritten, so newer) config file.
    assert _job_counts(done.stdout + done.stderr) == {"provenance": 1, "report_front_page": 1, "all": 1}


def test_colours_for_absent_levels_are_named(small_run: Path) -> None:
    config = _config(small_run)
    config["plots"]["colors"] = {**config["plots"]["colors"], "Resistant": "#000000"}
    path = small_run.parent / "absent_colour.yaml"
    import yaml

    path.write_text(yaml.safe_dump(config, sort_keys=False))
    done = snakemake(small_run, "--configfile", str(path), "--dry-run")
    assert done.returncode == 0, done.stderr
    assert (
        "degsea warning: config 'plots: colors' gives colours for levels of 'condition' that no sample has: Resistant"
        in done.stderr
    )


def test_missing_contrast_level_fails_before_any_job(tmp_path: Path) -> None:
    workdir = copy_workflow(tmp_path)
    contrasts = {"responsive_vs_untreated": {"variable": "condition", "test": "Responsive", "reference": "untreated"}}
    config = write_small_study(workdir, contrasts=contrasts)
    done = snakemake(workdir, "--configfile", str(config))
    assert done.returncode == 1
    assert "Contrast 'responsive_vs_untreated' names a level that is not in the sample sheet." in done.stderr
    assert "column 'condition'" in done.stderr and "test level 'Responsive' is missing" in done.stderr
    assert "'resistant' (3), 'responsive' (3), 'untreated' (3)" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (workdir / "results").exists() and not (workdir / "resources" / "demo").exists()


def test_lint_is_clean() -> None:
    import subprocess
    import sys

    from conftest import REPO_ROOT

    done = subprocess.run([sys.executable, "-m", "snakemake", "--lint"], cwd=REPO_ROOT, capture_output=True, text=True)
    assert done.returncode == 0 and "Congratulations" in done.stdout + done.stderr, done.stdout + done.stderr


def _config(workdir: Path) -> dict:
    import yaml

    return yaml.safe_load((workdir / "config" / "small.yaml").read_text())


def _job_counts(output: str) -> dict[str, int]:
    """Parse the 'Job stats' table of a snakemake dry run."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Job stats"))
    counts = {}
    for line in lines[start + 3 :]:
        parts = line.split()
        if len(parts) != 2 or parts[0] == "total":
            break
        counts[parts[0]] = int(parts[1])
    return counts
