"""Parity through the real ``snakemake`` command: likelihood-ratio tests, interactions and list contrasts.

Each scenario is a config written to a copy of the workflow, run with ``snakemake --cores 2``;
its tables (results/de/<contrast>.tsv, results/de/lrt/<test>.tsv) are compared with R's DESeq2
1.38.3 in ``../shared/reference/deseq2_lrt`` (made by ``../shared/reference/scripts/deseq2_lrt_ref.R``).
Used by ``test_workflow_designs_parity.py`` and ``make_validation_table.py``.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

import parity

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED = REPO_ROOT.parent / "shared"
LRT_REFERENCE = SHARED / "reference" / "deseq2_lrt"
SAMPLES = SHARED / "reference" / "deseq2"
GSE96870 = SHARED / "data" / "mouse_GSE96870" / "GSE96870_counts_cerebellum.csv"
PASILLA = SHARED / "data" / "pasilla" / "pasilla_gene_counts.tsv"
#: DESeq2 threshold tests and local / mean trends (made by make_reference.R there).
THRESHOLD_REFERENCE = Path(__file__).resolve().parent / "reference" / "deseq2_threshold"
ALTERNATIVES = ("greaterAbs", "lessAbs", "greater", "less")


@dataclass(frozen=True)
class WorkflowScenario:
    """A config run through snakemake, and which of its tables match which R table."""

    name: str
    config: dict
    #: our table (path under the run) -> (R table: a name in deseq2_lrt or a path, is a Wald contrast[, column suffix])
    tables: dict[str, tuple]
    #: the config's 'de' section
    de: dict | None = None


def scenarios() -> list[WorkflowScenario]:
    """GSE96870 time LRT, GSE96870 sex x time (LRT, interaction coefficients, list contrast), pasilla LRT."""
    gse = {"samples": str(SAMPLES / "gse96870_samples.tsv"), "counts": {"path": str(GSE96870)}}
    pasilla = {"samples": str(SAMPLES / "pasilla_samples.tsv"), "counts": {"path": str(PASILLA)}}
    return [
        WorkflowScenario(
            "gse96870_time",
            {
                **gse,
                "design": "~ sex + time",
                "contrasts": {"Day8_vs_Day0": {"variable": "time", "test": "Day8", "reference": "Day0"}},
                "lrt": {"time": {"reduced": "~ sex"}},
            },
            {"results/de/lrt/time.tsv": ("gse96870_time.lrt.tsv.gz", False)},
        ),
        WorkflowScenario(
            "gse96870_sex_x_time",
            {
                **gse,
                "design": "~ sex + time + sex:time",
                "reference_levels": {"sex": "Female", "time": "Day0"},
                "contrasts": {
                    "sexMale.timeDay4": {"coefficient": "sexMale.timeDay4"},
                    "sexMale.timeDay8": {"coefficient": "sexMale.timeDay8"},
                    "Day8_vs_Day0_in_Male": {"numerator": ["time_Day8_vs_Day0", "sexMale.timeDay8"]},
                },
                "lrt": {"sex_by_time": {"reduced": "~ sex + time"}},
            },
            {
                "results/de/lrt/sex_by_time.tsv": ("gse96870_sex_x_time.lrt.tsv.gz", False),
                "results/de/sexMale.timeDay4.tsv": ("gse96870_sex_x_time.sexMale.timeDay4.tsv.gz", True),
                "results/de/sexMale.timeDay8.tsv": ("gse96870_sex_x_time.sexMale.timeDay8.tsv.gz", True),
                "results/de/Day8_vs_Day0_in_Male.tsv": ("gse96870_sex_x_time.Day8_vs_Day0_in_Male.tsv.gz", True),
            },
        ),
        WorkflowScenario(
            "pasilla_threshold",
            {
                **pasilla,
                "design": "~ condition",
                "contrasts": _threshold_contrasts("condition", "treated", "untreated"),
            },
            _threshold_tables("pasilla_condition"),
        ),
        WorkflowScenario(
            "gse96870_threshold",
            {**gse, "design": "~ sex + time", "contrasts": _threshold_contrasts("time", "Day8", "Day0")},
            _threshold_tables("gse96870_Day8_vs_Day0"),
        ),
        WorkflowScenario(
            "pasilla_local_trend",
            {
                **pasilla,
                "design": "~ condition",
                "contrasts": {
                    "treated_vs_untreated": {"variable": "condition", "test": "treated", "reference": "untreated"}
                },
            },
            {"results/de/treated_vs_untreated.tsv": (THRESHOLD_REFERENCE / "pasilla_condition.local.tsv.gz", True)},
            de={"fit_type": "local"},
        ),
        WorkflowScenario(
            "pasilla_condition",
            {
                **pasilla,
                "design": "~ type + condition",
                "contrasts": {
                    "treated_vs_untreated": {"variable": "condition", "test": "treated", "reference": "untreated"}
                },
                "lrt": {"condition": {"reduced": "~ type"}},
            },
            {"results/de/lrt/condition.tsv": ("pasilla_condition.lrt.tsv.gz", False)},
        ),
    ]


def _threshold_contrasts(variable: str, test: str, reference: str) -> dict:
    """One contrast per alternative hypothesis at lfc_threshold 1."""
    return {
        f"{test}_vs_{reference}_{alt}": {
            "variable": variable,
            "test": test,
            "reference": reference,
            "lfc_threshold": 1,
            "alt_hypothesis": alt,
        }
        for alt in ALTERNATIVES
    }


def _threshold_tables(stem: str) -> dict:
    test, reference = ("treated", "untreated") if stem.startswith("pasilla") else ("Day8", "Day0")
    reference_file = THRESHOLD_REFERENCE / f"{stem}.threshold.tsv.gz"
    return {f"results/de/{test}_vs_{reference}_{alt}.tsv": (reference_file, False, f"_{alt}") for alt in ALTERNATIVES}


def run_scenario(scenario: WorkflowScenario, workdir: Path) -> Path:
    """Copy the workflow to ``workdir`` (as the workflow tests do), write the scenario's config, run snakemake."""
    _workflow_test_helpers().copy_workflow(workdir)
    config = {**scenario.config, "de": {"shrink": False, **(scenario.de or {})}, "gsea": {"focus_sets": []}}
    path = workdir / "config" / f"{scenario.name}.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    command = [
        sys.executable,
        "-m",
        "snakemake",
        "--cores",
        "2",
        "--quiet",
        "rules",
        "--configfile",
        str(path),
        "--",
        *scenario.tables,
    ]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=1800, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"snakemake failed for {scenario.name}:\n{done.stderr[-4000:]}")
    return workdir


def _workflow_test_helpers():  # noqa: ANN202 - tests/workflow/conftest.py as a module
    """The workflow tests' helpers (``copy_workflow``), loaded by path: both test folders have a conftest."""
    spec = importlib.util.spec_from_file_location("workflow_conftest", REPO_ROOT / "tests" / "workflow" / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_pair(run: Path, ours: str, reference: str | Path, suffix: str = "") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Our table and R's, both indexed by gene ID; ``suffix`` picks R's columns (``stat_lessAbs`` -> ``stat``)."""
    mine = pd.read_csv(run / ours, sep="\t", index_col="gene_id")
    theirs = pd.read_csv(LRT_REFERENCE / reference, sep="\t", index_col="gene_id")
    if suffix:
        theirs = theirs[[c for c in theirs.columns if c.endswith(suffix)]]
        theirs.columns = [c.removesuffix(suffix) for c in theirs.columns]
    return mine, theirs


SECTION_HEADER = (
    "## LRT, interactions, list contrasts, threshold tests and the local trend through `snakemake` vs DESeq2"
)


def section_lines(workdir: Path) -> list[str]:
    """The validation section: every scenario run through snakemake in ``workdir``, one row per table."""
    lines = [
        SECTION_HEADER,
        "",
        "Each scenario is a config run with the real `snakemake --cores 2` command (`tests/parity/workflow_runs.py`, "
        "tested in `tests/parity/test_workflow_designs_parity.py`); references: `../shared/reference/deseq2_lrt` "
        "(DESeq2 1.38.3, `scripts/deseq2_lrt_ref.R`) and `tests/parity/reference/deseq2_threshold` (threshold tests "
        "at lfcThreshold 1 and the local trend, made by the `make_reference.R` there). Thresholds (issue 13): "
        "padj < 0.1 Jaccard >= 0.99, statistic "
        "r >= 0.9999, padj NA pattern identical on >= 99.9 % of genes, log2FC r >= 0.9999 for Wald contrasts (for an "
        "LRT the log2FC is that of the last coefficient, shown for information). Where DESeq2 calls fewer than 10 "
        "genes the Jaccard of so few is not judged (the reference README says so).",
        "",
        "| scenario | table | test | DESeq2 calls | our calls | padj<0.1 Jaccard | stat r | padj NA same | log2FC r | "
        "pass |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for scenario in scenarios():
        run = run_scenario(scenario, workdir / scenario.name)
        for table, (reference, wald, *suffix) in scenario.tables.items():
            ours, theirs = read_pair(run, table, reference, *suffix)
            f = parity.agreement(ours, theirs)
            ok = (
                f["stat_pearson"] >= parity.DESIGN_THRESHOLDS["stat_pearson"]
                and f["padj_na_match"] >= parity.DESIGN_THRESHOLDS["padj_na_match"]
                and (f["n_called_deseq2"] < 10 or f["padj_jaccard"] >= parity.DESIGN_THRESHOLDS["padj_jaccard"])
                and (not wald or f["lfc_pearson"] >= parity.DESIGN_THRESHOLDS["lfc_pearson"])
            )
            lines.append(
                f"| {scenario.name} | `{table.removeprefix('results/')}` | {_kind(table, wald, suffix)} | "
                f"{f['n_called_deseq2']} | {f['n_called']} | {f['padj_jaccard']:.4f} | {f['stat_pearson']:.6f} | "
                f"{100 * f['padj_na_match']:.2f} % | {_number(f['lfc_pearson'])} | {'yes' if ok else '**no**'} |"
            )
    return lines


def _number(value: float) -> str:
    return "—" if np.isnan(value) else f"{value:.6f}"


def _kind(table: str, wald: bool, suffix: list) -> str:
    if suffix:
        return f"Wald, lfcThreshold 1, {suffix[0].lstrip('_')}"
    return "Wald" if wald else ("LRT" if "/lrt/" in table else "Wald")


def replace_section(path: Path, lines: list[str]) -> None:
    """Put ``lines`` into ``path`` in place of the old section of the same header (appended when absent)."""
    text = path.read_text().splitlines()
    start = next((i for i, line in enumerate(text) if line.startswith("## LRT, interactions")), None)
    if start is None:
        path.write_text("\n".join([*text, "", *lines]) + "\n")
        return
    stop = next((i for i in range(start + 1, len(text)) if text[i].startswith("## ")), len(text))
    path.write_text("\n".join(text[:start] + lines + [""] + text[stop:]).rstrip("\n") + "\n")
