"""Running one measured child process: pinned to N cores, timed, its peak memory, nothing left behind."""

from __future__ import annotations

import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

#: Thread-count variables of the numeric libraries both sides may use, set to the cores given.
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")


def cpu_list(cores: int) -> str:
    """The CPUs a run on ``cores`` cores is pinned to (``taskset -c``): the first ``cores`` of this process's."""
    allowed = sorted(os.sched_getaffinity(0))
    if cores > len(allowed):
        raise SystemExit(f"{cores} cores asked for, {len(allowed)} available")
    return ",".join(str(c) for c in allowed[:cores])


def pinned(cmd: list[str], cores: int) -> tuple[list[str], dict[str, str]]:
    """``cmd`` under ``taskset -c`` on ``cores`` CPUs and the environment with every thread variable at ``cores``."""
    env = dict(os.environ, **{name: str(cores) for name in THREAD_VARS})
    return ["taskset", "-c", cpu_list(cores), *cmd], env


#: A small launcher between this process and the measured child. Linux's ``ru_maxrss`` of a forked
#: child starts at its parent's peak (the fork copies the parent's memory map and its high-water
#: mark), so a child forked by this script, which holds the cases' tables, would never report less
#: than this script's own peak; the launcher's peak is about 10 MB. It writes the child's peak (KiB)
#: to the file named first and exits with the child's code.
LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(str(usage.ru_maxrss))
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)
"""


def run_child(
    cmd: list[str], *, cores: int, timeout: float | None = None, cwd: Path | None = None, output: Path
) -> dict:
    """Run one pinned child in its own process group: wall and CPU seconds, peak RSS (GiB), exit, strays.

    The child's stdout and stderr go to ``output`` (a file, so that a chatty child cannot block on
    a full pipe). Past ``timeout`` seconds the whole group is killed. A process left in the
    group after the child ended (e.g. a worker pool that outlived it) is counted as a stray and
    killed. Peak RSS is the largest of the child and its waited-for descendants (``ru_maxrss``, taken
    by :data:`LAUNCHER`, so that this process's own peak does not count).
    """
    full, env = pinned(cmd, cores)
    peak_file = Path(f"{output}.maxrss")
    peak_file.unlink(missing_ok=True)
    full = [sys.executable, "-c", LAUNCHER, str(peak_file), *full]
    start = time.perf_counter()
    with open(output, "w") as sink:
        proc = subprocess.Popen(full, stdout=sink, stderr=subprocess.STDOUT, cwd=cwd, env=env, start_new_session=True)
        timed_out = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if timeout is not None and time.perf_counter() - start > timeout:
                os.killpg(proc.pid, signal.SIGKILL)
                _, status, usage = os.wait4(proc.pid, 0)
                timed_out = True
                break
            time.sleep(0.05)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    strays = stray_processes(proc.pid)
    if strays:
        os.killpg(proc.pid, signal.SIGKILL)
    if code != 0 and not timed_out:
        print(Path(output).read_text(errors="replace")[-2000:], file=sys.stderr)
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss": (int(peak_file.read_text()) if peak_file.exists() else usage.ru_maxrss) / 1024**2,
        "code": code,
        "timed_out": timed_out,
        "strays": strays,
    }


def stray_processes(pgid: int) -> int:
    """Processes still alive in process group ``pgid`` (from /proc)."""
    count = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            count += 1
    return count


def summarise(label: str, kind: str, case: str, cores: int, runs: list[dict], *, timeout: float | None) -> dict:
    """One table row from the runs of one tool on one case: medians of the runs that finished."""
    ok = [r for r in runs if r["code"] == 0 and not r["timed_out"]]
    nan = float("nan")
    return {
        "label": label,
        "kind": kind,
        "case": case,
        "cores": cores,
        "reps": len(ok),
        "median_s": statistics.median(r["wall"] for r in ok) if ok else nan,
        "cpu_s": statistics.median(r["cpu"] for r in ok) if ok else nan,
        "peak_gib": max(r["rss"] for r in ok) if ok else nan,
        "failed": any(r["code"] != 0 and not r["timed_out"] for r in runs),
        "timed_out": timeout if any(r["timed_out"] for r in runs) else None,
        "strays": sum(r["strays"] for r in runs),
    }


def fresh_copy(work: Path) -> None:
    """The repository's tracked files (as in the working tree) copied into ``work``, which is emptied first."""
    root = Path(__file__).resolve().parents[1]
    shutil.rmtree(work, ignore_errors=True)
    files = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True).stdout.split(b"\0")
    for name in filter(None, files):
        src = root / name.decode()
        if src.is_file():
            (work / name.decode()).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, work / name.decode())
