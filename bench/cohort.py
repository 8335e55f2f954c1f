"""The cohort: 2,000 samples x 30,000 genes through the whole workflow, every job's time and peak memory.

``snakemake --cores 2 --configfile config/studies/cohort/config.yaml`` (the demo's generator scaled
up: three groups of 667/667/666 tumours, 30,000 genes, seeded) runs in a fresh copy of the
repository's tracked files, pinned to 2 CPUs. While it runs, the process tree is sampled every
``interval`` seconds: every job is the Python process that runs a rule's script
(``.snakemake/scripts/tmp*.<script>.py``) with its descendants (e.g. joblib's workers), and its
memory at a sample is the sum of their resident sets (psutil, a Snakemake dependency). Per job:
rule, wall (first to last sample), CPU seconds (user + system of the job's processes, its
waited-for children included) and peak resident memory. A job whose processes together pass
``limit_gib`` stops the run (the machine is shared); the section then says so.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import psutil
from measure import fresh_copy, pinned, run_child

COHORT_CONFIG = "config/studies/cohort/config.yaml"
_SCRIPT = re.compile(r"\.snakemake/scripts/tmp[^/.]*\.(\w+)\.py$")


def script_rules(root: Path) -> dict[str, str]:
    """Adapter script stem -> the rule that runs it (from workflow/rules/*.smk)."""
    found = {}
    for smk in sorted((root / "workflow" / "rules").glob("*.smk")):
        for rule, body in re.findall(r"^rule (\w+):\n(.*?)(?=^rule |\Z)", smk.read_text(), flags=re.S | re.M):
            script = re.search(r'script:\s*\n\s*"[^"]*/(\w+)\.py"', body)
            if script:
                found.setdefault(script.group(1), rule)
    return found


def _tree_sample(proc: psutil.Process) -> tuple[float, float]:
    """Resident bytes and CPU seconds of ``proc`` and its live descendants (waited-for children included)."""
    rss = cpu = 0.0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            rss += p.memory_info().rss
            t = p.cpu_times()
            cpu += t.user + t.system + t.children_user + t.children_system
        except psutil.Error:
            continue
    return rss, cpu


def cohort_profile(
    cache: Path,
    *,
    cores: int = 2,
    interval: float = 0.5,
    limit_gib: float = 12.0,
    work: Path | None = None,
    targets: tuple[str, ...] = (),
) -> dict:
    """One whole-workflow run of the cohort: wall and CPU seconds, Snakemake's peak, every job's time and peak.

    ``work``: run in this existing directory (e.g. to go on from a partial run) instead of a fresh
    copy of the tracked files in ``cache``; ``targets``: Snakemake's targets (default: the whole run).
    """
    if work is None:
        work = cache / "cohort-work"
        fresh_copy(work)
    rules = script_rules(work)
    log = cache / "cohort.snakemake.log"
    cmd, env = pinned(["snakemake", "--cores", str(cores), "--configfile", COHORT_CONFIG, *targets], cores)
    jobs: dict[int, dict] = {}
    stopped = None
    start = time.perf_counter()
    try:
        with open(log, "w") as sink:
            proc = subprocess.Popen(
                cmd, stdout=sink, stderr=subprocess.STDOUT, cwd=work, env=env, start_new_session=True
            )
            top = psutil.Process(proc.pid)
            snakemake_peak = 0.0
            while True:
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                now = time.perf_counter() - start
                try:
                    family = top.children(recursive=True)
                except psutil.Error:
                    family = []
                for p in family:
                    try:  # a process may end between any two calls
                        args = p.cmdline()
                        hit = next((_SCRIPT.search(a) for a in args if _SCRIPT.search(a)), None)
                        if hit is None:
                            if "snakemake" in " ".join(args[:3]):
                                snakemake_peak = max(snakemake_peak, p.memory_info().rss)
                            continue
                    except psutil.Error:
                        continue
                    rss, cpu = _tree_sample(p)
                    job = jobs.setdefault(
                        p.pid, {"rule": rules.get(hit.group(1), hit.group(1)), "first": now, "peak": 0.0, "cpu": 0.0}
                    )
                    job["last"], job["peak"], job["cpu"] = now, max(job["peak"], rss), max(job["cpu"], cpu)
                    if rss > limit_gib * 1024**3 and stopped is None:
                        stopped = f"{job['rule']} passed {limit_gib:g} GiB: the run was stopped"
                        os.killpg(proc.pid, signal.SIGTERM)
                try:
                    snakemake_peak = max(snakemake_peak, top.memory_info().rss)
                except psutil.Error:
                    pass
                time.sleep(interval)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    report = None
    if code == 0 and stopped is None:  # the HTML report, as a user makes it after the run
        cmd = ["snakemake", "--configfile", COHORT_CONFIG, "--report", "results/report.html"]
        report = run_child(cmd, cores=cores, cwd=work, output=cache / "cohort.report.log")
        report["mb"] = (work / "results" / "report.html").stat().st_size / 1e6 if report["code"] == 0 else float("nan")
    rows = [
        {
            "rule": j["rule"],
            "start": j["first"],
            "wall": j["last"] - j["first"] + interval,
            "cpu": j["cpu"],
            "peak_gib": j["peak"] / 1024**3,
        }
        for j in sorted(jobs.values(), key=lambda j: j["first"])
    ]
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "code": code,
        "stopped": stopped,
        "snakemake_peak_gib": snakemake_peak / 1024**3,
        "jobs": rows,
        "report": report,
        "log": log,
        "work": work,
    }


def cohort_section(run: dict, *, stamp: list[str], interval: float = 0.5) -> str:
    """The ``## Cohort`` section of RESULTS.md from one run."""
    jobs = run["jobs"]
    largest = max(jobs, key=lambda j: j["peak_gib"]) if jobs else None
    by_rule: dict[str, list[dict]] = {}
    for job in jobs:
        by_rule.setdefault(job["rule"], []).append(job)
    outcome = (
        "finished"
        if run["code"] == 0 and not run["stopped"]
        else (run["stopped"] or f"failed (exit {run['code']}; see bench/.cache/cohort.snakemake.log)")
    )
    lines = [
        "## Cohort",
        "",
        *stamp,
        f"`snakemake --cores 2 --configfile {COHORT_CONFIG}`: the demo's generator scaled up to **2,000 samples x "
        f"30,000 genes** (untreated 667, responsive 667, resistant 666; seed 2020), every job from the simulation to "
        f"the report's pages, in a fresh copy of the tracked files pinned to 2 cores: **{run['wall'] / 60:.1f} min** "
        f"wall, {run['cpu'] / 60:.1f} min CPU (all processes), {outcome}. Largest job: "
        + (f"**{largest['rule']} {largest['peak_gib']:.2f} GiB** peak (goal ≤ 8 GiB)" if largest else "none")
        + f"; Snakemake's own process {run['snakemake_peak_gib']:.2f} GiB.",
        "",
        f"Per job (in start order; two run at once): wall and CPU seconds and peak resident memory of the job's "
        f"processes together (the script's Python process and its workers), sampled every {interval:g} s.",
        "",
        "| rule | jobs | wall s | CPU s | peak GiB |",
        "|---|---:|---:|---:|---:|",
    ]
    for rule, group in by_rule.items():
        lines.append(
            f"| {rule} | {len(group)} | {sum(j['wall'] for j in group):.0f} | {sum(j['cpu'] for j in group):.0f} | "
            f"{max(j['peak_gib'] for j in group):.2f} |"
        )
    report = run.get("report")
    if report is not None:
        lines.append(
            f"| HTML report (`snakemake --report`, after the run; {report['mb']:.1f} MB) | 1 | {report['wall']:.0f} | "
            f"{report['cpu']:.0f} | {report['rss']:.2f} |"
        )
    lines += [
        f"| all jobs (sum) | {len(jobs)} | {sum(j['wall'] for j in jobs):.0f} | {sum(j['cpu'] for j in jobs):.0f} | "
        f"{largest['peak_gib'] if largest else float('nan'):.2f} |",
        "",
    ]
    return "\n".join(lines)
