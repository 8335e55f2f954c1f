"""The demo end to end: ``snakemake --cores 2`` on the default config in a fresh copy of the repository.

Per job, its wall time (Snakemake's job start to its end) is split into the script's start-up
(Python start, imports, Snakemake's script preamble: job start to the rule log's first line) and
the work logged by the rule (the rule log's first to last line), at Snakemake's 1-s resolution.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

from measure import fresh_copy, run_child


def demo_profile(cache: Path, *, rep: int = 0, numba_cache: Path | None = None) -> dict:
    """One run of the demo, pinned to 2 cores: wall and CPU seconds, peak memory, Snakemake's start-up, the jobs.

    ``numba_cache``: a directory kept between runs for numba's compiled kernels (``NUMBA_CACHE_DIR``),
    so that only a warm-up run compiles them; None leaves numba's default (beside the modules of
    the fresh copy: compiled in every run).
    """
    work = cache / "demo-work"  # a fixed path: numba's cache is keyed by the modules' paths
    log = cache / f"demo.{rep}.snakemake.log"
    try:
        fresh_copy(work)
        saved = os.environ.get("NUMBA_CACHE_DIR")
        if numba_cache is not None:
            os.environ["NUMBA_CACHE_DIR"] = str(numba_cache)
        try:
            launched = time.time()
            row = run_child(["snakemake", "--cores", "2", "--printshellcmds"], cores=2, cwd=work, output=log)
        finally:
            if numba_cache is not None:
                os.environ.pop("NUMBA_CACHE_DIR") if saved is None else os.environ.__setitem__("NUMBA_CACHE_DIR", saved)
        if row["code"] != 0:
            raise RuntimeError(f"the demo run failed; see {log}")
        jobs = snakemake_jobs(log.read_text())
        for job in jobs:
            first, last = log_span(work / job["log"]) if job["log"] else (None, None)
            job["startup"] = first - job["start"] if first is not None else float("nan")
            job["work"] = last - first if first is not None else float("nan")
        return {
            "wall": row["wall"],
            "cpu": row["cpu"],
            "rss": row["rss"],
            "strays": row["strays"],
            "snakemake_start": min(j["start"] for j in jobs) - launched if jobs else float("nan"),
            "jobs": jobs,
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def scontrol_seconds() -> float | None:
    """Seconds ``scontrol show config`` takes here (None: no SLURM client on PATH).

    snakemake-executor-plugin-slurm runs it whenever Snakemake starts, with a 10-s timeout: a client
    configured for a controller that is down adds ~9 s to every Snakemake start-up on the machine.
    """
    import subprocess

    if shutil.which("scontrol") is None:
        return None
    started = time.perf_counter()
    subprocess.run(["scontrol", "show", "config"], capture_output=True, timeout=30, check=False)
    return time.perf_counter() - started


def snakemake_jobs(text: str) -> list[dict]:
    """Rule, log file, start and end (epoch seconds) of every job in Snakemake's log."""
    stamp = re.compile(r"^\[(\w{3} \w{3} +\d+ \d\d:\d\d:\d\d \d{4})\]$")
    jobs: dict[str, dict] = {}
    when = None
    pending: dict | None = None
    for raw in text.splitlines():
        line = raw.strip()
        hit = stamp.match(line)
        if hit:
            when = time.mktime(time.strptime(hit.group(1), "%a %b %d %H:%M:%S %Y"))
            continue
        rule = re.match(r"^(?:local)?rule (\w+):$", line)
        if rule and when is not None:
            pending = {"rule": rule.group(1), "start": when, "end": float("nan"), "log": None}
            continue
        if pending is not None and line.startswith("log: "):
            pending["log"] = line[5:].split(",")[0].strip()
            continue
        jobid = re.match(r"^jobid: (\d+)$", line)
        if jobid and pending is not None:
            jobs[jobid.group(1)] = pending
            pending = None
            continue
        done = re.match(r"^Finished jobid: (\d+)", line)
        if done and done.group(1) in jobs and when is not None:
            jobs[done.group(1)]["end"] = when
    out = [j for j in jobs.values() if j["rule"] != "all"]
    for job in out:
        job["wall"] = job["end"] - job["start"]
    return out


def log_span(path: Path) -> tuple[float | None, float | None]:
    """Epoch seconds of the first and last timestamped lines of a rule log."""
    if not path.exists():
        return None, None
    stamps = [
        time.mktime(time.strptime(line[:19], "%Y-%m-%d %H:%M:%S"))
        for line in path.read_text().splitlines()
        if re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ", line)
    ]
    return (stamps[0], stamps[-1]) if stamps else (None, None)
