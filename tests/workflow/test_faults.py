"""Faults and reruns: a run killed mid-way restarts cleanly, and results do not depend on threads."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import copy_workflow, snakemake, write_small_study

pytestmark = pytest.mark.workflow

TABLES = (
    "results/de/responsive_vs_untreated.tsv",
    "results/de/resistant_vs_untreated.tsv",
    "results/de/resistant_vs_responsive.tsv",
    "results/de/normalized_counts.tsv",
    "results/gsea/responsive_vs_untreated.tsv",
    "results/gsea/resistant_vs_responsive.tsv",
    "results/gsea/summary.tsv",
)


def _start(workdir: Path, config: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "snakemake", "--cores", "2", "--configfile", str(config)],
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )


def _wait_for_deseq2_job(workdir: Path, timeout: float = 300) -> list[int]:
    """Wait until the deseq2 rule's script process runs (it starts by importing for ~2 s)."""
    deadline = time.monotonic() + timeout
    while not (pids := _deseq2_job_pids(workdir)):
        if time.monotonic() > deadline:
            raise TimeoutError(f"the deseq2 job did not start within {timeout} s")
        time.sleep(0.05)
    return pids


def _deseq2_job_pids(workdir: Path) -> list[int]:
    """PIDs of the python process running the deseq2 rule script in ``workdir``."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
            cwd = os.readlink(entry / "cwd")
        except OSError:
            continue
        if cwd == str(workdir) and "deseq2.py" in cmdline and "-m\x00snakemake" not in cmdline:
            pids.append(int(entry.name))
    return pids


def _no_partial_outputs(workdir: Path) -> None:
    leftovers = [p for p in (workdir / "results").rglob("*.part")]
    assert not leftovers, f"temporary files left behind: {leftovers}"


@pytest.fixture(scope="module")
def reference(small_run: Path) -> dict[str, bytes]:
    """The tables of an undisturbed run of the small study."""
    return {name: (small_run / name).read_bytes() for name in TABLES}


def test_killing_snakemake_mid_run_then_restarting_gives_the_same_tables(
    tmp_path: Path, reference: dict[str, bytes]
) -> None:
    workdir = copy_workflow(tmp_path)
    config = write_small_study(workdir)
    run = _start(workdir, config)
    _wait_for_deseq2_job(workdir)  # the DE job is under way
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    assert not (workdir / "results" / "de" / "responsive_vs_untreated.tsv").exists()
    unlocked = snakemake(workdir, "--configfile", str(config), "--unlock")
    assert unlocked.returncode == 0, unlocked.stderr
    done = snakemake(workdir, "--configfile", str(config), "--rerun-incomplete")
    assert done.returncode == 0, done.stderr[-3000:]
    _no_partial_outputs(workdir)
    for name, content in reference.items():
        assert (workdir / name).read_bytes() == content, name


def test_a_killed_job_fails_cleanly_and_the_rerun_completes(tmp_path: Path, reference: dict[str, bytes]) -> None:
    workdir = copy_workflow(tmp_path)
    config = write_small_study(workdir)
    run = _start(workdir, config)
    for pid in _wait_for_deseq2_job(workdir):
        os.kill(pid, signal.SIGKILL)
    assert run.wait(timeout=300) != 0  # snakemake reports the failed job
    assert not any((workdir / name).exists() for name in TABLES if name.startswith("results/de/"))
    _no_partial_outputs(workdir)
    done = snakemake(workdir, "--configfile", str(config))
    assert done.returncode == 0, done.stderr[-3000:]
    for name, content in reference.items():
        assert (workdir / name).read_bytes() == content, name


def test_thread_count_does_not_change_the_tables(tmp_path: Path, reference: dict[str, bytes]) -> None:
    workdir = copy_workflow(tmp_path)
    config = write_small_study(workdir)
    done = snakemake(workdir, "--configfile", str(config), "--set-threads", "deseq2=1", "gsea=1")
    assert done.returncode == 0, done.stderr[-3000:]
    for name, content in reference.items():
        assert (workdir / name).read_bytes() == content, name
