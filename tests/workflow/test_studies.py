"""Many studies in one run, locally: the DAG of the demo, GSE96870 and the Rag1 demo as three studies, and sheet errors.

The three-study run itself, with every table and figure checked, runs on the SLURM test cluster
(tests/cluster/test_slurm_studies.py, in CI); here a dry run checks, without running a job, that
every study's rules are its own ({study}_{rule}) and write only to results/{study}/, logs/{study}/
and (simulated demos) resources/studies/{study}/, and that the cross-study summary reads the
tables of the comparisons the sheet names. GSE96870 reads ../shared/data (skipped without it).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import copy_workflow, snakemake, write_small_study, write_three_studies

pytestmark = pytest.mark.workflow

STUDIES = ("demo", "gse96870", "rag1")
CONTRASTS = {
    "demo": ("responsive_vs_untreated", "resistant_vs_untreated", "resistant_vs_responsive"),
    "gse96870": ("Day4_vs_Day0", "Day8_vs_Day0"),
    "rag1": ("treatment_in_WT", "treatment_in_Rag1KO", "treatment_WT_minus_Rag1KO"),
}


@pytest.fixture(scope="module")
def planned_jobs(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, object]]:
    """The jobs of a dry run of the three-study run: rule, input, output and log of each."""
    workdir = copy_workflow(tmp_path_factory.mktemp("studies"))
    run = write_three_studies(workdir, shared_data)
    command = [sys.executable, "-m", "snakemake", "--cores", "2", "--dry-run", "--configfile", str(run)]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-4000:]
    jobs = []
    for block in re.split(r"^(?=(?:local)?rule \w+:$)", done.stdout + done.stderr, flags=re.M)[1:]:
        name = re.match(r"(?:local)?rule (\w+):", block)[1]
        fields = dict(re.findall(r"^    (input|output|log): (.*)$", block, flags=re.M))
        jobs.append(
            {
                "rule": name,
                **{k: fields.get(k, "").split(", ") if fields.get(k) else [] for k in ("input", "output", "log")},
            }
        )
    return jobs


def test_each_study_writes_only_to_its_own_folders(planned_jobs: list[dict[str, object]]) -> None:
    rules = {job["rule"] for job in planned_jobs}
    assert {f"{s}_deseq2" for s in STUDIES} | {f"{s}_gsea_summary" for s in STUDIES} | {"cross_study"} <= rules
    for job in planned_jobs:
        study = next((s for s in STUDIES if job["rule"].startswith(f"{s}_")), None)
        if job["rule"] in ("all", "cross_study"):
            assert all(p.startswith(("results/studies/", "logs/studies/")) for p in job["output"] + job["log"]), job
            continue
        assert study is not None, job
        homes = (f"results/{study}/", f"resources/studies/{study}/")
        assert job["output"] and all(p.startswith(homes) for p in job["output"]), job
        assert all(p.startswith(f"logs/{study}/") for p in job["log"]), job
    # every contrast of every study is tested and enriched, in that study's folder
    outputs = {p for job in planned_jobs for p in job["output"]}
    for study, contrasts in CONTRASTS.items():
        for contrast in contrasts:
            assert {f"results/{study}/de/{contrast}.tsv", f"results/{study}/gsea/{contrast}.tsv"} <= outputs
    # the two simulated demos have their own data; nothing goes to the single-study paths
    assert {"resources/studies/demo/demo/counts.tsv.gz", "resources/studies/rag1/demo_rag1/counts.tsv.gz"} <= outputs
    assert not any(p.startswith(("results/de/", "results/gsea/", "resources/demo")) for p in outputs)


def test_cross_study_reads_the_comparisons_tables(planned_jobs: list[dict[str, object]]) -> None:
    (cross,) = [job for job in planned_jobs if job["rule"] == "cross_study"]
    assert sorted(cross["input"]) == sorted(
        [f"results/{s}/gsea/summary.tsv" for s in STUDIES]
        + [
            "results/demo/de/responsive_vs_untreated.tsv",  # mtor_inhibition
            "results/rag1/de/treatment_in_WT.tsv",  # mtor_inhibition
            "results/gse96870/de/Day8_vs_Day0.tsv",  # infection
        ]
    )
    assert cross["log"] == ["logs/studies/cross_study.log"]


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
