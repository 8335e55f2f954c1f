"""Fixtures for real snakemake runs: each test works in a copy of the workflow, as a user's clone."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
#: What a user's clone holds that a run needs.
WORKFLOW_PARTS = ("Snakefile", "workflow", "config", "envs", "resources/genesets")


def copy_workflow(target: Path) -> Path:
    """Copy the workflow (not results or caches) into ``target`` and return it."""
    for part in WORKFLOW_PARTS:
        source = REPO_ROOT / part
        if source.is_dir():
            shutil.copytree(source, target / part, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            (target / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / part)
    return target


def snakemake(workdir: Path, *args: str, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    """Run snakemake in ``workdir`` and return the finished process (output captured)."""
    command = [sys.executable, "-m", "snakemake", "--cores", "2", "--quiet", "rules", *args]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=timeout, env=env)


def write_small_study(workdir: Path, *, replicates: int = 3, n_genes: int = 2000, **overrides: object) -> Path:
    """Write a small demo config (3 groups x ``replicates``, ``n_genes`` genes) and its sheet.

    Returns the config file; ``overrides`` replace top-level config keys.
    """
    sheet = workdir / "config" / "samples_small.tsv"
    rows = ["sample\tcondition"] + [
        f"{group}_{i}\t{group}" for group in ("untreated", "responsive", "resistant") for i in range(1, replicates + 1)
    ]
    sheet.write_text("\n".join(rows) + "\n")
    config = yaml.safe_load((workdir / "config" / "config.yaml").read_text())
    config["samples"] = str(sheet.relative_to(workdir))
    config["demo"]["n_genes"] = n_genes
    config["gsea"]["permutations"] = 200
    config.update(overrides)
    path = workdir / "config" / "small.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def write_three_studies(workdir: Path, shared_data: Path) -> Path:
    """The many-studies run of issue 17: the small demo, GSE96870 and the small Rag1 demo, as three studies.

    Writes the three studies' configs, the studies sheet and the run's config, and returns the
    run's config. ``demo``: config/small.yaml (:func:`write_small_study`). ``gse96870``:
    config/studies/gse96870/config.yaml with its ../shared/data paths pointed at ``shared_data``
    and 100 permutations (config/gse96870_small.yaml). ``rag1``: config/studies/demo_rag1/config.yaml
    with 2,000 genes instead of 15,000 and 200 permutations (config/rag1_small.yaml; all its 40
    samples). Comparisons: ``mtor_inhibition``, AZD8055 against untreated in the demo's responsive
    tumours and in the Rag1 demo's wild-type hosts (both plant mTORC1 and proliferation down, the
    immune programmes up); ``infection`` (GSE96870 alone).
    """
    demo = write_small_study(workdir)
    gse = yaml.safe_load((workdir / "config" / "studies" / "gse96870" / "config.yaml").read_text())
    text = yaml.safe_dump(gse, sort_keys=False).replace("../shared/data", str(shared_data))
    gse = yaml.safe_load(text)
    gse["gsea"].update(permutations=100)
    gse_path = workdir / "config" / "gse96870_small.yaml"
    gse_path.write_text(yaml.safe_dump(gse, sort_keys=False))
    rag1 = yaml.safe_load((workdir / "config" / "studies" / "demo_rag1" / "config.yaml").read_text())
    rag1["demo"]["n_genes"] = 2000
    rag1["gsea"]["permutations"] = 200
    rag1_path = workdir / "config" / "rag1_small.yaml"
    rag1_path.write_text(yaml.safe_dump(rag1, sort_keys=False))
    sheet = workdir / "config" / "studies_test.tsv"
    sheet.write_text(
        "study\tconfig\tcomparable\n"
        f"demo\t{demo.relative_to(workdir)}\tmtor_inhibition=responsive_vs_untreated\n"
        f"gse96870\t{gse_path.relative_to(workdir)}\tinfection=Day8_vs_Day0\n"
        f"rag1\t{rag1_path.relative_to(workdir)}\tmtor_inhibition=treatment_in_WT\n"
    )
    run = workdir / "config" / "studies_test.yaml"
    run.write_text(
        yaml.safe_dump({"studies": str(sheet.relative_to(workdir)), "cross_study": {"lfc": 0.5, "formats": ["png"]}})
    )
    return run


@pytest.fixture(scope="session")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished run of the small demo study; tests must not change its files."""
    workdir = copy_workflow(tmp_path_factory.mktemp("small_run"))
    config = write_small_study(workdir)
    done = snakemake(workdir, "--configfile", str(config))
    assert done.returncode == 0, done.stderr[-3000:]
    return workdir


@pytest.fixture(scope="session")
def default_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished run of the README's main job (`snakemake --cores 2`, the default demo).

    Tests must not change its files.
    """
    workdir = copy_workflow(tmp_path_factory.mktemp("default_demo"))
    done = snakemake(workdir)
    assert done.returncode == 0, done.stderr[-3000:]
    return workdir
