"""The small demo through a real SLURM cluster, with the project's SLURM profile.

Start a single-node cluster first (as root: ``tests/cluster/local-slurm.sh start``; ``.ci/run``
does it). Without a reachable cluster (``sinfo`` and ``sacct`` must answer) or without
snakemake-executor-plugin-slurm these tests skip and say why, unless ``DEGSEA_REQUIRE_SLURM=1``
(set by ``.ci/run``), where they fail instead.

Checked: every job of the run went through SLURM (its job IDs in ``sacct``, COMPLETED, run in
the test's directory, and every rule instance executed inside one of them); the DE and GSEA tables
are byte-identical to a local run's; and on the default demo the profile makes at most a third
as many SLURM jobs as rule instances.

Cluster faults (issue 16): a job cancelled mid-run (``scancel``) is resubmitted, or the run fails
with a message naming the cancelled job and the same command afterwards completes; every group
job killed for memory on its first attempt (test knob: 100 MB) is resubmitted with more memory
and the whole run (every rule) completes; slurmctld restarted while a job runs
(``local-slurm.sh restart-ctld``): the run completes, or resumes with ``--rerun-incomplete``; each
with the DE tables of the local run. And MSigDB downloads run on the submitting host: rule
``msigdb`` is local and in no group job.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT / "workflow" / "scripts"))

from degsea.resources import FIRST_ATTEMPT_ENV, StudySize, mem_mb  # noqa: E402


def _load_workflow_helpers():
    """tests/workflow/conftest.py under its own name (a plain import would clash with other conftests)."""
    spec = importlib.util.spec_from_file_location("degsea_workflow_helpers", REPO_ROOT / "tests/workflow/conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


helpers = _load_workflow_helpers()
copy_workflow, snakemake, write_small_study = helpers.copy_workflow, helpers.snakemake, helpers.write_small_study

pytestmark = [pytest.mark.slurm, pytest.mark.workflow]

CONTRASTS = ("responsive_vs_untreated", "resistant_vs_untreated", "resistant_vs_responsive")
#: The tables compared with a local run, and the targets of the runs.
TABLES = (
    [f"results/de/{c}.tsv" for c in CONTRASTS]
    + ["results/de/normalized_counts.tsv"]
    + [f"results/gsea/{c}.tsv" for c in CONTRASTS]
    + [f"results/gsea/{c}.ranks.tsv" for c in CONTRASTS]
    + ["results/gsea/summary.tsv"]
)
PROFILE = ("--workflow-profile", "workflow/profiles/slurm")
#: Test-cluster tuning, not part of the profile: poll job states every few seconds instead of
#: 40 s, and keep the SLURM log of every job so that its contents can be checked.
TEST_CLUSTER_ARGS = ("--slurm-init-seconds-before-status-checks", "1", "--slurm-keep-successful-logs")
#: Wall-clock limit of one SLURM run (seconds); snakemake ignores SIGTERM, so `timeout -k` kills it.
RUN_TIMEOUT = 420
REQUIRED = os.environ.get("DEGSEA_REQUIRE_SLURM") == "1"


def _unavailable(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"DEGSEA_REQUIRE_SLURM=1 but {reason}")
    pytest.skip(reason)


def _answers(*command: str) -> str | None:
    """Why ``command`` does not work (None when it exits 0 within 20 s)."""
    if shutil.which(command[0]) is None:
        return f"`{command[0]}` is not installed"
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=20)
    except subprocess.TimeoutExpired:
        return f"`{' '.join(command)}` did not answer within 20 s"
    if done.returncode != 0:
        return f"`{' '.join(command)}` failed: {(done.stderr or done.stdout).strip()[:300]}"
    return None


@pytest.fixture(scope="module")
def plugin() -> None:
    """snakemake-executor-plugin-slurm is installed."""
    if importlib.util.find_spec("snakemake_executor_plugin_slurm") is None:
        _unavailable("snakemake-executor-plugin-slurm is not installed (pip install -e '.[slurm]')")


@pytest.fixture(scope="module")
def cluster(plugin: None) -> None:
    """A SLURM cluster answers: a partition is up and accounting (sacct) works."""
    for command in (("sinfo", "-h", "-o", "%P %a"), ("sacct", "-n", "-X", "-S", "now-1minutes")):
        problem = _answers(*command)
        if problem:
            _unavailable(f"no SLURM cluster reachable: {problem} (start one: sudo tests/cluster/local-slurm.sh start)")


def slurm_snakemake(
    workdir: Path, *args: str, env: dict[str, str] | None = None, timeout: int = RUN_TIMEOUT
) -> subprocess.CompletedProcess[str]:
    """Run snakemake like ``helpers.snakemake`` but through the SLURM profile, under `timeout -k`."""
    command = [
        "timeout", "-k", "30", str(timeout),
        sys.executable, "-m", "snakemake", "--cores", "2", "--quiet", "rules", *PROFILE, *TEST_CLUSTER_ARGS, *args,
    ]  # fmt: skip
    full_env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", **(env or {})}
    done = subprocess.run(command, cwd=workdir, capture_output=True, text=True, env=full_env)
    for job_id in submitted_jobs(done):  # a timed-out run leaves no job behind
        subprocess.run(["scancel", job_id], capture_output=True)
    return done


def submitted_jobs(done: subprocess.CompletedProcess[str]) -> list[str]:
    """SLURM job IDs that snakemake reports having submitted, in order."""
    return re.findall(r"submitted with SLURM jobid (\d+)", done.stdout + done.stderr)


def job_stats(done: subprocess.CompletedProcess[str]) -> Counter[str]:
    """Rule instances of the run, from snakemake's 'Job stats' table."""
    text = done.stdout + done.stderr
    table = text[text.index("Job stats:") :].split("\n")[3:]
    counts: Counter[str] = Counter()
    for line in table:
        fields = line.split()
        if len(fields) != 2 or fields[0] == "total":
            break
        counts[fields[0]] = int(fields[1])
    return counts


def sacct(job_ids: list[str]) -> list[dict[str, str]]:
    """Allocation records (no steps) of ``job_ids``, in submission order."""
    fields = ["JobID", "State", "ReqMem", "WorkDir", "ExitCode"]
    done = subprocess.run(
        ["sacct", "-n", "-X", "-P", "-j", ",".join(job_ids), "-o", ",".join(fields)],
        capture_output=True, text=True, check=True, timeout=30,
    )  # fmt: skip
    rows = [dict(zip(fields, line.split("|"), strict=False)) for line in done.stdout.splitlines() if line]
    return sorted(rows, key=lambda row: int(row["JobID"]))


def req_mem_mb(value: str) -> int:
    """sacct's ReqMem (``1200M``, ``2G``, older ``1200Mn``) in MB."""
    number, unit = re.fullmatch(r"([\d.]+)([KMGT])[nc]?", value).groups()
    return int(float(number) * {"K": 1 / 1024, "M": 1, "G": 1024, "T": 1024**2}[unit])


def slurm_logs(workdir: Path) -> dict[str, str]:
    """The SLURM log of every job of the run, by job ID."""
    return {p.stem: p.read_text() for p in (workdir / ".snakemake" / "slurm_logs").rglob("*.log")}


def small_copy(path: Path) -> tuple[Path, Path]:
    """A copy of the workflow with the small demo study; returns it and its config file."""
    workdir = copy_workflow(path)
    return workdir, write_small_study(workdir)


@pytest.fixture(scope="module")
def local_run(tmp_path_factory: pytest.TempPathFactory, cluster: None) -> Path:
    """The small demo's tables, computed locally."""
    workdir, config = small_copy(tmp_path_factory.mktemp("local"))
    done = snakemake(workdir, "--configfile", str(config), "--", *TABLES)
    assert done.returncode == 0, done.stderr[-3000:]
    return workdir


@pytest.fixture(scope="module")
def slurm_run(tmp_path_factory: pytest.TempPathFactory, cluster: None) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """The same tables, computed on the cluster."""
    workdir, config = small_copy(tmp_path_factory.mktemp("slurm"))
    done = slurm_snakemake(workdir, "--configfile", str(config), "--", *TABLES)
    assert done.returncode == 0, (
        f"rc {done.returncode} (124/137: timed out)\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    )
    return workdir, done


def test_every_job_ran_through_slurm(slurm_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    check_every_job_ran_through_slurm(*slurm_run)


def check_every_job_ran_through_slurm(workdir: Path, done: subprocess.CompletedProcess[str]) -> None:
    """Every job of the run went through SLURM and completed, and the profile grouped them.

    Shared with test_slurm_studies.
    """
    job_ids = submitted_jobs(done)
    assert job_ids, "snakemake submitted nothing to SLURM"
    records = sacct(job_ids)
    # sorted: jobs submitted at once may be reported in another order than their IDs
    assert sorted(r["JobID"] for r in records) == sorted(job_ids), "a submitted job is missing from sacct"
    for record in records:
        assert record["State"] == "COMPLETED", record
        assert Path(record["WorkDir"]).resolve() == workdir.resolve(), record
    # every rule instance of the run (but the target rule `all`) executed inside one of those jobs
    expected = job_stats(done)
    expected.pop("all", None)
    logs = slurm_logs(workdir)
    assert sorted(logs) == sorted(job_ids)
    executed = Counter(re.findall(r"^localrule (\w+):$", "\n".join(logs.values()), flags=re.M))
    assert executed == expected
    # and the profile grouped them: fewer SLURM jobs than a third of the rule instances
    assert 3 * len(job_ids) <= sum(expected.values()), (len(job_ids), expected)


@pytest.mark.parametrize("table", TABLES)
def test_tables_equal_local_run(
    slurm_run: tuple[Path, subprocess.CompletedProcess[str]], local_run: Path, table: str
) -> None:
    workdir, _ = slurm_run
    assert (workdir / table).read_bytes() == (local_run / table).read_bytes()


def test_default_demo_makes_a_third_as_many_jobs(tmp_path: Path, plugin: None) -> None:
    """Dry run of the default demo with the SLURM profile: group jobs + ungrouped jobs <= rule instances / 3."""
    workdir = copy_workflow(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "snakemake", "--dry-run", "--cores", "8", *PROFILE],
        cwd=workdir, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    instances = job_stats(done)
    instances.pop("all")
    text = done.stdout + done.stderr
    groups = re.findall(r"^\[.*\] Group job (\w+)", text, flags=re.M)
    ungrouped = [r for r in re.findall(r"^(?:local)?rule (\w+):", text, flags=re.M) if r != "all"]
    slurm_jobs = len(groups) + len(ungrouped)
    assert 3 * slurm_jobs <= sum(instances.values()), (groups, ungrouped, instances)


# --- cluster faults (issue 16) ---------------------------------------------------------------------

DE_TABLES = [f"results/de/{c}.tsv" for c in CONTRASTS] + ["results/de/normalized_counts.tsv"]
LOCAL_SLURM = REPO_ROOT / "tests" / "cluster" / "local-slurm.sh"


def start_run(workdir: Path, config: Path, *targets: str, extra: tuple[str, ...] = ()) -> subprocess.Popen[str]:
    """Start snakemake with the SLURM profile in the background (output to run.log)."""
    command = [
        "timeout", "-k", "30", str(RUN_TIMEOUT),
        sys.executable, "-m", "snakemake", "--cores", "2", "--quiet", "rules", *PROFILE, *TEST_CLUSTER_ARGS,
        *extra, "--configfile", str(config), "--", *targets,
    ]  # fmt: skip
    log = open(workdir / "run.log", "w")  # noqa: SIM115 - closed when the run ends (wait_run)
    return subprocess.Popen(
        command,
        cwd=workdir,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )


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
        listing = subprocess.run(
            ["squeue", "-h", "-t", "RUNNING", "-o", "%i|%M|%Z"], capture_output=True, text=True
        ).stdout
        for line in listing.splitlines():
            job_id, elapsed, directory = line.split("|")
            if Path(directory).resolve() == workdir.resolve() and _seconds(elapsed) >= seconds:
                return job_id
        time.sleep(1)
    raise TimeoutError("no job of the run reached the running state")


def _seconds(elapsed: str) -> int:
    parts = [int(p) for p in re.split(r"[:-]", elapsed)]
    return sum(p * f for p, f in zip(reversed(parts), (1, 60, 3600, 86400), strict=False))


def no_traceback(done: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in done.stdout + done.stderr, done.stderr[-4000:]


def test_a_cancelled_job_is_resubmitted_and_the_run_gives_the_same_tables(tmp_path: Path, local_run: Path) -> None:
    workdir, config = small_copy(tmp_path)
    run = start_run(workdir, config, *DE_TABLES)
    cancelled = running_job(workdir, seconds=5)
    subprocess.run(["scancel", cancelled], check=True)
    done = wait_run(run, workdir)
    no_traceback(done)
    states = {r["JobID"]: r["State"] for r in sacct(submitted_jobs(done))}
    assert states[cancelled].startswith("CANCELLED"), states
    if done.returncode != 0:  # not resubmitted: the message names the cancelled job, the rerun completes
        assert re.search(rf"SLURM-job '?{cancelled}'? failed, SLURM status is: '?CANCELLED", done.stderr), done.stderr[
            -4000:
        ]
        rerun = slurm_snakemake(workdir, "--configfile", str(config), "--", *DE_TABLES)
        assert rerun.returncode == 0, rerun.stderr[-4000:]
    else:  # resubmitted by the profile's retries: a later job of the run completed the same group
        assert [s for j, s in states.items() if int(j) > int(cancelled)] == ["COMPLETED"], states
    for table in DE_TABLES:
        assert (workdir / table).read_bytes() == (local_run / table).read_bytes(), table


def test_every_job_killed_for_memory_is_retried_with_more_and_the_whole_run_completes(
    tmp_path: Path, cluster: None
) -> None:
    """First attempts of every rule ask for 100 MB (test knob).

    Each group job that exceeds it is killed, then resubmitted with its estimate x2: those that
    read the count matrix or draw figures always do; the report's small page jobs may fit.
    """
    workdir, config = small_copy(tmp_path)
    # every target of rule all, each group job twice: the whole small run, twice the time of one
    done = slurm_snakemake(
        workdir, "--configfile", str(config), env={FIRST_ATTEMPT_ENV: "100"}, timeout=3 * RUN_TIMEOUT
    )
    assert done.returncode == 0, f"rc {done.returncode}\n{done.stderr[-4000:]}"
    no_traceback(done)
    assert (workdir / "results" / "report" / "front_page.rst").is_file()
    records = sacct(submitted_jobs(done))
    logs = slurm_logs(workdir)
    by_group: dict[str, list[dict[str, str]]] = {}
    folders = {p.stem: p.parent.name for p in (workdir / ".snakemake" / "slurm_logs").rglob("*.log")}
    for record in records:
        by_group.setdefault(folders[record["JobID"]], []).append(record)
    assert {name.split("_")[1] for name in by_group if name.startswith("group_")} == {
        "de",
        "figures",
        "genesets",
        "report",
    }, sorted(by_group)
    size = StudySize(samples=9, genes=2000)
    de_first = max(mem_mb(rule, size) for rule in ("simulate_demo", "import_counts"))
    assert req_mem_mb(by_group["group_de_deseq2_import_counts_simulate_demo_vst"][-1]["ReqMem"]) >= 2 * de_first, (
        by_group
    )
    killed = set()
    for name, attempts in by_group.items():
        first, *later = attempts
        # 100 MB per job (test knob); a group job asks for the sum of the jobs it runs side by side (2 CPUs)
        assert req_mem_mb(first["ReqMem"]) in (100, 200), (name, first)
        if first["State"] == "COMPLETED":  # it fitted: nothing to retry
            assert not later, (name, attempts)
            continue
        killed.add(name.split("_")[1])
        assert "exceeded memory limit" in logs[first["JobID"]], (name, logs[first["JobID"]][-2000:])
        assert later and later[-1]["State"] == "COMPLETED", (name, attempts)
        assert all(req_mem_mb(r["ReqMem"]) > 100 for r in later), (name, attempts)
    assert {"de", "figures", "genesets"} <= killed, by_group
    executed = re.findall(r"^localrule (\w+):$", "\n".join(logs.values()), flags=re.M)
    assert {"vst", "sample_qc", "de_figures", "gsea_figures", "sample_scores", "report_front_page"} <= set(executed)


def test_slurmctld_restart_during_a_run_gives_the_same_tables(tmp_path: Path, local_run: Path) -> None:
    if not os.access(LOCAL_SLURM, os.X_OK) and os.geteuid() != 0:
        pytest.skip("restarting slurmctld needs root")
    workdir, config = small_copy(tmp_path)
    run = start_run(workdir, config, *DE_TABLES)
    running_job(workdir, seconds=3)
    restart = subprocess.run(
        ["bash", str(LOCAL_SLURM), "restart-ctld", "10"], capture_output=True, text=True, timeout=180
    )
    assert restart.returncode == 0, restart.stderr
    done = wait_run(run, workdir)
    no_traceback(done)
    if done.returncode != 0:
        resumed = slurm_snakemake(workdir, "--configfile", str(config), "--rerun-incomplete", "--", *DE_TABLES)
        assert resumed.returncode == 0, resumed.stderr[-4000:]
    for table in DE_TABLES:
        assert (workdir / table).read_bytes() == (local_run / table).read_bytes(), table


def test_msigdb_downloads_run_on_the_submitting_host(tmp_path: Path, cluster: None) -> None:
    """An MSigDB collection, served from a local URL: downloaded by the snakemake process, not in a SLURM job."""
    workdir, config_path = small_copy(tmp_path)
    gmt = (workdir / "resources" / "genesets" / "degsea_mouse_v1.gmt").read_bytes()
    served = tmp_path / "served" / "2024.1.Mm"
    served.mkdir(parents=True)
    (served / "mh.all.v2024.1.Mm.symbols.gmt").write_bytes(gmt)
    config = yaml.safe_load(config_path.read_text())
    config["gsea"]["msigdb"] = [
        {"collection": "mh.all", "version": "2024.1.Mm", "sha256": hashlib.sha256(gmt).hexdigest()}
    ]
    config["gsea"]["genesets"] = []
    config["gsea"]["msigdb_url"] = f"file://{tmp_path / 'served'}/{{version}}/{{collection}}.v{{version}}.symbols.gmt"
    config_path.write_text(yaml.safe_dump(config, sort_keys=False))
    done = slurm_snakemake(workdir, "--configfile", str(config_path), "--", "results/gsea/genesets.json")
    assert done.returncode == 0, done.stderr[-4000:]
    # the download ran in the submitting snakemake (its log lines are in the run's own output) ...
    assert "rule msigdb mh.all.v2024.1.Mm.symbols started" in done.stdout + done.stderr, (done.stdout + done.stderr)[
        -3000:
    ]
    # ... and in no SLURM job: no job's folder or log names it, while prepare_genesets ran in one
    folders = {p.parent.name for p in (workdir / ".snakemake" / "slurm_logs").rglob("*.log")}
    assert folders and not [f for f in folders if "msigdb" in f], folders
    in_jobs = "\n".join(slurm_logs(workdir).values())
    assert "prepare_genesets" in in_jobs and "msigdb" not in re.findall(r"^localrule (\w+):$", in_jobs, flags=re.M)
    assert (workdir / "resources" / "genesets" / "msigdb" / "mh.all.v2024.1.Mm.symbols.gmt").read_bytes() == gmt
