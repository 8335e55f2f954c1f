"""Many studies in one run on a real SLURM cluster: the small demo twice and GSE96870, with the SLURM profile.

Start the cluster first (``tests/cluster/local-slurm.sh start``; ``.ci/run`` does it); without
one these tests skip and say why, unless ``DEGSEA_REQUIRE_SLURM=1``. GSE96870 reads
../shared/data (skipped without it).

Checked: every job went through SLURM and completed; the profile's groups apply within each
study ({study}_de, {study}_downstream), so no SLURM job runs rules of two studies; and the
cross-study summary is written.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
from pathlib import Path

import pandas as pd
import pytest

HERE = Path(__file__).resolve().parent


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


slurm = _load("degsea_slurm_helpers", HERE / "test_slurm.py")
# the cluster fixtures of test_slurm.py, under their names, for this module's tests
plugin, cluster = slurm.plugin, slurm.cluster
#: Three studies make seven SLURM jobs (two groups per study and the summary), one after the
#: other on the 2-CPU test node: a longer limit than the one-study tests' (this module's copy only).
slurm.RUN_TIMEOUT = 900

pytestmark = [pytest.mark.slurm, pytest.mark.workflow]

STUDIES = ("demo_a", "demo_b", "gse96870")
TARGETS = ("results/studies/nes.tsv", "results/studies/shared_de_genes.tsv", "results/studies/figures/nes_heatmap.png")


@pytest.fixture(scope="module")
def studies_slurm_run(
    tmp_path_factory: pytest.TempPathFactory, cluster: None, shared_data: Path
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    workdir = slurm.copy_workflow(tmp_path_factory.mktemp("studies_slurm"))
    run = slurm.helpers.write_three_studies(workdir, shared_data)
    done = slurm.slurm_snakemake(workdir, "--configfile", str(run), "--", *TARGETS)
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
    # each study (the profile's groups, per study): its count import and fit in one job, its gene-set jobs in another
    assert {(s, g) for s in STUDIES for g in ("de", "genesets")} <= groups, groups
    assert {study for study, _ in groups} == set(STUDIES)


def test_cross_study_summary_written(studies_slurm_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    workdir, _ = studies_slurm_run
    nes = pd.read_csv(workdir / "results" / "studies" / "nes.tsv", sep="\t")
    assert set(nes["study"]) == set(STUDIES) and nes["NES"].notna().any()
    assert (workdir / TARGETS[-1]).read_bytes()[:4] == b"\x89PNG"
