"""The small demo through a real SLURM cluster, with the project's SLURM profile.

Start a single-node cluster first (as root: ``tests/cluster/local-slurm.sh start``; ``.ci/run``
does it). Without a reachable cluster (``sinfo`` and ``sacct`` must answer) or without
snakemake-executor-plugin-slurm these tests skip and say why, unless ``DEGSEA_REQUIRE_SLURM=1``
(set by ``.ci/run``), where they fail instead.

Checked: every job of the run went through SLURM (its job IDs in ``sacct``, COMPLETED, run in
the test's directory, and every rule instance executed inside one of them); the DE and GSEA tables
are byte-identical to a local run's; a job killed by SLURM for exceeding its memory on the first
attempt is resubmitted with the larger attempt-2 request and the run completes; and on the default
demo the profile makes at most a third as many SLURM jobs as rule instances.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

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


def slurm_snakemake(workdir: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run snakemake like ``helpers.snakemake`` but through the SLURM profile, under `timeout -k`."""
    command = [
        "timeout", "-k", "30", str(RUN_TIMEOUT),
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
    rows = [dict(zip(fields, line.split("|"))) for line in done.stdout.splitlines() if line]
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
    assert done.returncode == 0, f"rc {done.returncode} (124/137: timed out)\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    return workdir, done


def test_every_job_ran_through_slurm(slurm_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    check_every_job_ran_through_slurm(*slurm_run)


def check_every_job_ran_through_slurm(workdir: Path, done: subprocess.CompletedProcess[str]) -> None:
    """Every job of the run went through SLURM and completed, and the profile grouped them (shared with test_slurm_studies)."""
    job_ids = submitted_jobs(done)
    assert job_ids, "snakemake submitted nothing to SLURM"
    records = sacct(job_ids)
    assert [r["JobID"] for r in records] == job_ids, "a submitted job is missing from sacct"
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
def test_tables_equal_local_run(slurm_run: tuple[Path, subprocess.CompletedProcess[str]], local_run: Path, table: str) -> None:
    workdir, _ = slurm_run
    assert (workdir / table).read_bytes() == (local_run / table).read_bytes()


def test_job_killed_for_memory_is_retried_with_more(tmp_path: Path, cluster: None) -> None:
    """First attempts request 100 MB (test knob): SLURM kills the job, snakemake resubmits it with attempt 2's estimate."""
    workdir, config = small_copy(tmp_path)
    done = slurm_snakemake(workdir, "--configfile", str(config), "--", "results/counts.h5ad", env={FIRST_ATTEMPT_ENV: "100"})
    assert done.returncode == 0, f"rc {done.returncode}\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    assert (workdir / "results" / "counts.h5ad").is_file()
    first, second = sacct(submitted_jobs(done))  # one group job (simulate_demo -> import_counts), twice
    assert req_mem_mb(first["ReqMem"]) == 100 and first["State"] != "COMPLETED", first
    assert "exceeded memory limit" in slurm_logs(workdir)[first["JobID"]]
    size = StudySize(samples=9, genes=2000)
    retry_mb = max(mem_mb(rule, size, attempt=2) for rule in ("simulate_demo", "import_counts"))
    assert retry_mb == 2 * max(mem_mb(rule, size) for rule in ("simulate_demo", "import_counts"))
    assert req_mem_mb(second["ReqMem"]) == retry_mb and second["State"] == "COMPLETED", second
    logs = {p.stem: p.parent.name for p in (workdir / ".snakemake" / "slurm_logs").rglob("*.log")}
    assert logs[first["JobID"]] == logs[second["JobID"]] == "group_de_import_counts_simulate_demo"  # resubmitted


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
