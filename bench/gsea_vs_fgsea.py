"""degsea's GSEA (with multilevel tail p-values) against R fgsea multilevel, whole processes, 1 core each.

Both sides run every mouse Reactome set in the size range 15-500 on GSE96870's Day8_vs_Day0 DESeq2
ranks (``../shared/reference/fgsea``): degsea's engine with its defaults (1000 permutations, p-values
to eps = 1e-50) and ``fgsea(..., eps = 1e-50, nproc = 1)`` through the reference script
``../shared/reference/scripts/fgsea_ref.R``. Each run is a whole process pinned to one CPU
(``taskset -c``); runs alternate (degsea, fgsea, degsea, ...) so that both see the same machine
load. Prints wall seconds (median), CPU seconds (user + system, median) and peak RSS per tool, and
the ratios degsea / fgsea.

    python bench/gsea_vs_fgsea.py [--reps 3] [--cpu 0]

Needs R fgsea (``../shared/tools/fgsea/install-fgsea.sh``). Not a test: no timing assertions.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
RANKS = SHARED / "reference/fgsea/gse96870_Day8_vs_Day0.ranks.tsv.gz"
GMT = SHARED / "data/genesets/c2.cp.reactome.v7.0.symbols.mouse.MouseGEM.gmt"
FGSEA_SCRIPT = SHARED / "reference/scripts/fgsea_ref.R"


def worker(ranks_path: str, gmt_path: str, out: str, seed: int) -> None:
    """The degsea side: read the ranks and the GMT, run the engine, write the table."""
    import gzip

    import numpy as np
    import pandas as pd

    from degsea.gsea import engine

    with gzip.open(ranks_path, "rt") as handle:
        table = pd.read_csv(handle, sep="\t")
    ranks = pd.Series(table["stat"].to_numpy(), index=table["gene_id"].astype(str))
    ranks = ranks[~ranks.index.duplicated()].sort_values(ascending=False, kind="stable")
    sets = {}
    for line in Path(gmt_path).read_text().splitlines():
        fields = line.split("\t")
        if len(fields) > 2:
            sets[fields[0]] = fields[2:]
    result = engine.prerank(ranks, sets, permutations=1000, min_size=15, max_size=500, seed=seed)
    result.to_csv(out, sep="\t", index=False)
    print(f"degsea: {len(result)} sets, smallest p {np.nanmin(result['pval']):.3g}", file=sys.stderr)


def run(cmd: list[str], env: dict[str, str] | None = None) -> dict[str, float]:
    """Wall seconds, CPU seconds and peak RSS (GiB) of one child process."""
    start = time.perf_counter()
    child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    err = child.stderr.read().decode() if child.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{cmd[0]} failed:\n{err}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "peak_gib": usage.ru_maxrss / 2**20}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--cpu", type=int, default=0, help="CPU both tools are pinned to")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--worker", nargs=4, metavar=("RANKS", "GMT", "OUT", "SEED"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker[:3], int(args.worker[3]))
        return
    env = dict(
        os.environ,
        NUMBA_NUM_THREADS="1",
        OMP_NUM_THREADS="1",
        OPENBLAS_NUM_THREADS="1",
        PYTHONPATH=str(REPO / "workflow/scripts") + os.pathsep + os.environ.get("PYTHONPATH", ""),
    )
    pin = ["taskset", "-c", str(args.cpu)]
    with tempfile.TemporaryDirectory() as tmp:
        ranks_tsv = Path(tmp) / "ranks.tsv"
        subprocess.run(["sh", "-c", f"zcat {RANKS} > {ranks_tsv}"], check=True)
        ours = [*pin, sys.executable, __file__, "--worker", str(RANKS), str(GMT), f"{tmp}/degsea.tsv", str(args.seed)]
        theirs = [
            *pin,
            "Rscript",
            str(FGSEA_SCRIPT),
            str(ranks_tsv),
            str(GMT),
            f"{tmp}/fgsea.tsv",
            "--nproc=1",
            f"--seed={args.seed}",
        ]
        run(ours, env)  # warm the numba cache and the file cache; not counted
        results: dict[str, list[dict[str, float]]] = {"degsea": [], "fgsea": []}
        for rep in range(args.reps):
            for name, cmd in (("degsea", ours), ("fgsea", theirs)):
                results[name].append(run(cmd, env))
                r = results[name][-1]
                line = f"wall {r['wall']:.2f} s, cpu {r['cpu']:.2f} s, peak {r['peak_gib']:.3f} GiB"
                print(f"rep {rep + 1} {name}: {line}", flush=True)
    med = {
        name: {key: statistics.median(r[key] for r in rows) for key in ("wall", "cpu", "peak_gib")}
        for name, rows in results.items()
    }
    for name, m in med.items():
        print(f"{name}: median wall {m['wall']:.2f} s, cpu {m['cpu']:.2f} s, peak {m['peak_gib']:.3f} GiB")
    print(
        f"ratio degsea / fgsea: wall {med['degsea']['wall'] / med['fgsea']['wall']:.3f}, "
        f"cpu {med['degsea']['cpu'] / med['fgsea']['cpu']:.3f}; load average {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
