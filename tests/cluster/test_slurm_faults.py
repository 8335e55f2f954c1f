"""Cluster faults on the real SLURM test cluster (issue 16), on the small demo study.

- A job cancelled mid-run (``scancel``) is resubmitted (the profile's ``retries``), or the run
  fails with a message naming the cancelled job; either way the same command afterwards
  completes, with the tables of a local run.
- Every group job killed for memory on its first attempt (test knob: 100 MB) is resubmitted
  with more memory, and the whole run (every rule) completes.
- slurmctld restarted while a job runs: the run completes, or resumes with
  ``--rerun-incomplete``, with byte-identical tables.
- MSigDB downloads run on the submitting host: rule ``msigdb`` is local, in no group job.

Needs the cluster of ``tests/cluster/local-slurm.sh`` (``.ci/run`` starts it); skips like
``test_slurm.py`` without one, unless ``DEGSEA_REQUIRE_SLURM=1``.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from test_slurm import (
    PROFILE,
    REPO_ROOT,
    RUN_TIMEOUT,
    TEST_CLUSTER_ARGS,
    cluster,  # noqa: F401 - a fixture
    plugin,  # noqa: F401 - a fixture
    sacct,
    slurm_logs,
    slurm_snakemake,
    small_copy,
    submitted_jobs,
)

from degsea.resources import FIRST_ATTEMPT_ENV

pytestmark = [pytest.mark.slurm, pytest.mark.workflow]

CONTRASTS = ("responsive_vs_untreated", "resistant_vs_untreated", "resistant_vs_responsive")
DE_TABLES = [f"results/de/{c}.tsv" for c in CONTRASTS] + ["results/de/normalized_counts.tsv"]
LOCAL_SLURM = REPO_ROOT / "tests" / "cluster" / "local-slurm.sh"


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory, cluster: None) -> dict[str, bytes]:  # noqa: F811
    """The DE tables of the small study through SLURM, undisturbed (equal to a local run's: test_slurm.py)."""
    workdir, config = small_copy(tmp_path_factory.mktemp("reference"))
    done = slurm_snakemake(workdir, "--configfile", str(config), "--", *DE_TABLES)
    assert done.returncode == 0, done.stderr[-4000:]
    return {table: (workdir / table).read_bytes() for table in DE_TABLES}


def start_run(workdir: Path, config: Path, *targets: str, extra: tuple[str, ...] = ()) -> subprocess.Popen[str]:
    """Start snakemake with the SLURM profile in the background (output to run.log)."""
    command = [
        "timeout", "-k", "30", str(RUN_TIMEOUT),
        sys.executable, "-m", "snakemake", "--cores", "2", "--quiet", "rules", *PROFILE, *TEST_CLUSTER_ARGS,
        *extra, "--configfile", str(config), "--", *targets,
    ]  # fmt: skip
    log = open(workdir / "run.log", "w")  # noqa: SIM115 - closed when the run ends (wait_run)
    return subprocess.Popen(command, cwd=workdir, stdout=log, stderr=subprocess.STDOUT, text=True, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})


def wait_run(run: subprocess.Popen[str], workdir: Path) -> subprocess.CompletedProcess[str]:
    run.wait()
    text = (workdir / "run.log").read_text()
    done = subprocess.CompletedProcess(run.args, run.returncode, stdout="", stderr=text)
    for job_id in submitted_jobs(done):
        subprocess.run(["scancel", job_id], capture_output=True)
    return done


def running_job(workdir: Path, *, seconds: float, timeout: float = RUN_TIMEOUT) -> str:
    """The ID of a job of this run (its work directory) once it has run ``seconds``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        listing = subprocess.run(["squeue", "-h", "-t", "RUNNING", "-o", "%i|%M|%Z"], capture_output=True, text=True).stdout
        for line in listing.splitlines():
            job_id, elapsed, directory = line.split("|")
            if Path(directory).resolve() == workdir.resolve() and _seconds(elapsed) >= seconds:
                return job_id
        time.sleep(1)
    raise TimeoutError("no job of the run reached the running state")


def _seconds(elapsed: str) -> int:
    parts = [int(p) for p in re.split(r"[:-]", elapsed)]
    return sum(p * f for p, f in zip(reversed(parts), (1, 60, 3600, 86400)))


def no_traceback(done: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in done.stdout + done.stderr, done.stderr[-4000:]


def test_a_cancelled_job_is_resubmitted_and_the_run_gives_the_same_tables(tmp_path: Path, reference: dict[str, bytes]) -> None:
    workdir, config = small_copy(tmp_path)
    run = start_run(workdir, config, *DE_TABLES)
    cancelled = running_job(workdir, seconds=5)
    subprocess.run(["scancel", cancelled], check=True)
    done = wait_run(run, workdir)
    no_traceback(done)
    states = {r["JobID"]: r["State"] for r in sacct(submitted_jobs(done))}
    assert states[cancelled].startswith("CANCELLED"), states
    if done.returncode != 0:  # not resubmitted: the message names the cancelled job, the rerun completes
        assert re.search(rf"SLURM-job '?{cancelled}'? failed, SLURM status is: '?CANCELLED", done.stderr), done.stderr[-4000:]
        rerun = slurm_snakemake(workdir, "--configfile", str(config), "--", *DE_TABLES)
        assert rerun.returncode == 0, rerun.stderr[-4000:]
    else:  # resubmitted by the profile's retries: a later job of the run completed the same group
        assert [s for j, s in states.items() if int(j) > int(cancelled)] == ["COMPLETED"], states
    for table, content in reference.items():
        assert (workdir / table).read_bytes() == content, table


def test_every_job_killed_for_memory_is_retried_with_more_and_the_whole_run_completes(tmp_path: Path, cluster: None) -> None:  # noqa: F811
    """First attempts of every rule ask for 100 MB (test knob): each group job is killed, then resubmitted with its estimate x2."""
    workdir, config = small_copy(tmp_path)
    done = slurm_snakemake(workdir, "--configfile", str(config), env={FIRST_ATTEMPT_ENV: "100"})  # every target of rule all
    assert done.returncode == 0, f"rc {done.returncode}\n{done.stderr[-4000:]}"
    no_traceback(done)
    assert (workdir / "results" / "report" / "front_page.rst").is_file()
    records = sacct(submitted_jobs(done))
    logs = slurm_logs(workdir)
    by_group: dict[str, list[dict[str, str]]] = {}
    folders = {p.stem: p.parent.name for p in (workdir / ".snakemake" / "slurm_logs").rglob("*.log")}
    for record in records:
        by_group.setdefault(folders[record["JobID"]], []).append(record)
    assert {name.split("_")[1] for name in by_group if name.startswith("group_")} == {"de", "figures", "genesets", "report"}, sorted(by_group)
    for name, attempts in by_group.items():
        first, *later = attempts
        assert first["ReqMem"] in ("100M", "100Mn") and first["State"] != "COMPLETED", (name, first)
        assert "exceeded memory limit" in logs[first["JobID"]], (name, logs[first["JobID"]][-2000:])
        assert later and later[-1]["State"] == "COMPLETED", (name, attempts)
        assert all(int(re.match(r"\d+", r["ReqMem"]).group()) > 100 for r in later), (name, attempts)
    executed = re.findall(r"^localrule (\w+):$", "\n".join(logs.values()), flags=re.M)
    assert {"vst", "sample_qc", "de_figures", "gsea_figures", "sample_scores", "report_front_page"} <= set(executed)


def test_slurmctld_restart_during_a_run_gives_the_same_tables(tmp_path: Path, reference: dict[str, bytes]) -> None:
    if not os.access(LOCAL_SLURM, os.X_OK) and os.geteuid() != 0:
        pytest.skip("restarting slurmctld needs root")
    workdir, config = small_copy(tmp_path)
    run = start_run(workdir, config, *DE_TABLES)
    running_job(workdir, seconds=3)
    restart = subprocess.run(["bash", str(LOCAL_SLURM), "restart-ctld", "10"], capture_output=True, text=True, timeout=180)
    assert restart.returncode == 0, restart.stderr
    done = wait_run(run, workdir)
    no_traceback(done)
    if done.returncode != 0:
        resumed = slurm_snakemake(workdir, "--configfile", str(config), "--rerun-incomplete", "--", *DE_TABLES)
        assert resumed.returncode == 0, resumed.stderr[-4000:]
    for table, content in reference.items():
        assert (workdir / table).read_bytes() == content, table


def test_msigdb_downloads_run_on_the_submitting_host(tmp_path: Path, cluster: None) -> None:  # noqa: F811
    """An MSigDB collection, served from a local URL: downloaded by the snakemake process, not in a SLURM job."""
    workdir, config_path = small_copy(tmp_path)
    gmt = (workdir / "resources" / "genesets" / "degsea_mouse_v1.gmt").read_bytes()
    served = tmp_path / "served" / "2024.1.Mm"
    served.mkdir(parents=True)
    (served / "mh.all.v2024.1.Mm.symbols.gmt").write_bytes(gmt)
    config = yaml.safe_load(config_path.read_text())
    config["gsea"]["msigdb"] = [{"collection": "mh.all", "version": "2024.1.Mm", "sha256": hashlib.sha256(gmt).hexdigest()}]
    config["gsea"]["genesets"] = []
    config["gsea"]["msigdb_url"] = f"file://{tmp_path / 'served'}/{{version}}/{{collection}}.v{{version}}.symbols.gmt"
    config_path.write_text(yaml.safe_dump(config, sort_keys=False))
    done = slurm_snakemake(workdir, "--configfile", str(config_path), "--", "results/gsea/genesets.json")
    assert done.returncode == 0, done.stderr[-4000:]
    assert re.search(r"^localrule msigdb:$", done.stdout + done.stderr, flags=re.M), (done.stdout + done.stderr)[-3000:]
    in_jobs = "\n".join(slurm_logs(workdir).values())
    assert "rule prepare_genesets:" in in_jobs and "msigdb" not in re.findall(r"^localrule (\w+):$", in_jobs, flags=re.M)
    assert (workdir / "resources" / "genesets" / "msigdb" / "mh.all.v2024.1.Mm.symbols.gmt").read_bytes() == gmt
