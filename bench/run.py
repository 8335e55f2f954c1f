#!/usr/bin/env python
"""Benchmark degsea against R DESeq2 and R fgsea at equal cores, and the demo end to end; writes bench/RESULTS.md.

Every measurement is a whole process pinned with ``taskset`` to 1 or 2 CPUs, with every numeric
library's thread variable at the same number, on both sides; the tools run interleaved (one rep
of each tool, then the next rep), and the table reports medians. See bench/README.md.

    python bench/run.py                    # everything (about 90 min on 2 quiet cores)
    python bench/run.py --only de          # DE rows only; --only gsea, --only demo, --only cohort likewise
    python bench/run.py --quick            # pasilla, sim20k_12, Reactome; 1 rep; no demo, no cohort
"""

from __future__ import annotations

import argparse
import functools
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cases import DE_CASES, SHARED, load_de, load_gsea  # noqa: E402
from cohort import cohort_profile, cohort_section  # noqa: E402
from demo import demo_profile, scontrol_seconds  # noqa: E402
from measure import THREAD_VARS, run_child, summarise  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "bench" / ".cache"
WORKERS = Path(__file__).resolve().parent / "workers.py"

#: kind -> label. Baselines: r_deseq2 (DE) and fgsea (GSEA). Opt-in kinds run only with --with.
DE_KINDS = {
    "degsea_de": "degsea DE stage, no shrinkage",
    "degsea_de_shrink": "degsea DE stage + apeGLM shrinkage (pipeline default)",
    "r_deseq2": "R DESeq2, no shrinkage",
    "r_deseq2_normal": "R DESeq2 + lfcShrink(type='normal')",
    "pydeseq2_stock": "stock PyDESeq2, no shrinkage",
}
GSEA_KINDS = {
    "gsea_degsea": "degsea GSEA engine (defaults)",
    "fgsea": "R fgsea (multilevel, eps 1e-50)",
    "gsea_gseapy": "stock gseapy prerank",
}
OPT_IN = {"r_deseq2_normal", "pydeseq2_stock", "gsea_gseapy"}
GSEA_CASES = ["reactome", "synthetic5000"]


# ----------------------------------------------------------------------------- commands
def write_r_inputs(case: str) -> tuple[Path, Path]:
    """The counts and sample sheet of a DE case as R reads them (written once into bench/.cache)."""
    counts_f, sheet_f = CACHE / f"{case}.counts.tsv", CACHE / f"{case}.samples.tsv"
    if not counts_f.exists():
        counts, meta = load_de(case)
        counts.T.rename_axis("gene_id").to_csv(counts_f, sep="\t")
        meta.rename_axis("sample").to_csv(sheet_f, sep="\t")
    return counts_f, sheet_f


def write_gsea_inputs(case: str) -> tuple[Path, Path]:
    """The ranks (gene, score) and the GMT of a GSEA case as fgsea reads them."""
    ranks_f, gmt_f = CACHE / f"{case}.ranks.tsv", CACHE / f"{case}.gmt"
    if not ranks_f.exists():
        ranks, sets = load_gsea(case)
        ranks.rename_axis("gene_id").rename("score").to_csv(ranks_f, sep="\t")
        gmt_f.write_text("".join(f"{name}\tNA\t" + "\t".join(genes) + "\n" for name, genes in sets.items()))
    return ranks_f, gmt_f


def command(kind: str, case: str, cores: int, stem: Path) -> list[str]:
    """The command line of one measurement; its tables go to ``<stem>.<contrast index>.tsv``."""
    if kind.startswith("r_deseq2"):
        counts_f, sheet_f = write_r_inputs(case)
        spec = DE_CASES[case]
        shrink = "normal" if kind == "r_deseq2_normal" else "none"
        return [
            "Rscript",
            str(ROOT / "bench/deseq2_all.R"),
            str(counts_f),
            str(sheet_f),
            spec["design"],
            str(stem),
            *(":".join(c) for c in spec["contrasts"]),
            f"--threads={cores}",
            f"--shrink={shrink}",
        ]
    if kind == "fgsea":
        ranks_f, gmt_f = write_gsea_inputs(case)
        return [
            "Rscript",
            str(SHARED / "reference/scripts/fgsea_ref.R"),
            str(ranks_f),
            str(gmt_f),
            f"{stem}.0.tsv",
            f"--nproc={cores}",
            "--seed=1",
        ]
    return [sys.executable, str(WORKERS), kind, case, str(cores), f"{stem}.json"]


def measure_case(case: str, kinds: dict[str, str], cores_list: list[int], reps: int, *, timeout: float) -> list[dict]:
    """Every tool on one case at every core count, interleaved rep by rep; one summary row per tool and core count."""
    runs: dict[tuple[str, int], list[dict]] = {(k, c): [] for k in kinds for c in cores_list}
    for rep in range(reps):
        for cores in cores_list:
            for kind, label in kinds.items():
                if runs[(kind, cores)] and (runs[(kind, cores)][-1]["code"] or runs[(kind, cores)][-1]["timed_out"]):
                    continue  # failed or timed out once: not again
                stem = CACHE / f"{kind}.{case}.c{cores}.r{rep}"
                row = run_child(
                    command(kind, case, cores, stem), cores=cores, timeout=timeout, output=stem.with_suffix(".log")
                )
                runs[(kind, cores)].append(row)
                state = "timed out" if row["timed_out"] else f"exit {row['code']}"
                print(
                    f"  {case:14s} {label:52s} {cores} core(s) rep {rep + 1}/{reps}: {row['wall']:7.1f} s wall "
                    f"{row['cpu']:7.1f} s CPU {row['rss']:5.2f} GiB {state}",
                    flush=True,
                )
    return [summarise(kinds[k], k, case, c, rows, timeout=timeout) for (k, c), rows in runs.items()]


def warm_up(kinds: list[str]) -> None:
    """One untimed run of each degsea worker kind on a small case: numba compiles its kernels into its on-disk cache."""
    for kind, case in (("degsea_de_shrink", "pasilla"), ("gsea_degsea", "reactome")):
        if kind in kinds:
            stem = CACHE / f"warmup.{kind}"
            run_child(command(kind, case, 1, stem), cores=1, output=stem.with_suffix(".log"))


# ----------------------------------------------------------------------------- agreement
def tables_of(kind: str, case: str) -> list[pd.DataFrame]:
    """The per-contrast (or one GSEA) tables of a tool's first rep at the smallest core count measured."""
    for cores in (1, 2):
        paths = sorted(CACHE.glob(f"{kind}.{case}.c{cores}.r0.[0-9].tsv"))
        if paths:
            return [pd.read_csv(p, sep="\t", index_col=0, na_values=["NA"]) for p in paths]
    return []


def de_agreement(case: str, kind: str) -> str | None:
    """log2FC Pearson r and padj < 0.1 Jaccard with R DESeq2, per contrast (the worst one first)."""
    ours, theirs = tables_of(kind, case), tables_of("r_deseq2", case)
    if not ours or len(ours) != len(theirs):
        return None
    rs, jacs = [], []
    for x, y in zip(ours, theirs, strict=True):
        y = y.reindex(x.index)
        ok = x["log2FoldChange"].notna() & y["log2FoldChange"].notna()
        rs.append(np.corrcoef(x.loc[ok, "log2FoldChange"], y.loc[ok, "log2FoldChange"])[0, 1])
        sx, sy = set(x.index[x["padj"] < 0.1]), set(y.index[y["padj"] < 0.1])
        jacs.append(len(sx & sy) / max(len(sx | sy), 1))
    each = "; ".join(f"{r:.7f} / {j:.4f}" for r, j in zip(rs, jacs, strict=True))
    return (
        f"log2FC r {min(rs):.7f} (goal ≥ 0.9999), padj<0.1 Jaccard {min(jacs):.4f} (goal ≥ 0.99), worst of "
        f"{len(rs)} contrast(s)" + (f" (each r / Jaccard: {each})" if len(rs) > 1 else "")
    )


def gsea_agreement(case: str, kind: str) -> str | None:
    """NES Pearson r with fgsea over the sets both tested, and padj < 0.05 calls agreeing."""
    ours, theirs = tables_of(kind, case), tables_of("fgsea", case)
    if not ours or not theirs:
        return None
    x, y = ours[0], theirs[0]
    common = x.index.intersection(y.index)
    x, y = x.loc[common], y.loc[common]
    r = np.corrcoef(x["NES"], y["NES"])[0, 1]
    calls = ((x["padj"] < 0.05) == (y["padj"] < 0.05)).mean()
    return f"NES r {r:.5f} (goal ≥ 0.999) over {len(common)} sets; padj<0.05 calls agree {100 * calls:.1f} %"


# ----------------------------------------------------------------------------- RESULTS.md
@functools.cache
def machine() -> str:
    cpu = "unknown CPU"
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
        mem = int(Path("/proc/meminfo").read_text().split()[1]) / 1024**2
    except (OSError, StopIteration):
        mem = float("nan")
    import pydeseq2

    def r_version(pkg: str) -> str:
        out = subprocess.run(
            ["Rscript", "-e", f"cat(as.character(packageVersion('{pkg}')))"], capture_output=True, text=True
        )
        return out.stdout.strip() or "not installed"

    r = subprocess.run(["Rscript", "-e", "cat(R.version.string)"], capture_output=True, text=True).stdout.strip()
    return (
        f"{platform.node()}: {cpu}, {os.cpu_count()} cores, {mem:.1f} GiB RAM; Python {platform.python_version()}, "
        f"numpy {np.__version__}, PyDESeq2 {pydeseq2.__version__}; {r}, DESeq2 {r_version('DESeq2')}, "
        f"fgsea {r_version('fgsea')}"
    )


def stamp(command_line: str, minutes: float) -> list[str]:
    load = os.getloadavg()[1]
    return [
        f"Written by `{command_line}` ({time.strftime('%Y-%m-%d %H:%M')} UTC, {minutes:.0f} min; load average "
        f"{load:.1f} over the last 5 min at writing).",
        "",
        f"Machine: {machine()}",
        "",
    ]


def table(results: list[dict], base_kind: str, agreement) -> list[str]:
    """Rows per case and core count; ratio = median wall / the baseline's at the same cores on the same case."""
    lines = [
        "| case | what | cores | reps | median wall s | median CPU s | ratio | peak GiB |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    frame = pd.DataFrame(results)
    if frame.empty:
        return lines
    for case, rows in frame.groupby("case", sort=False):
        for _, row in rows.sort_values("cores", kind="stable").iterrows():
            base = rows[(rows["kind"] == base_kind) & (rows["cores"] == row["cores"])]["median_s"]
            ratio = row["median_s"] / float(base.iloc[0]) if len(base) else float("nan")
            flag = " (failed)" if row["failed"] else ""
            if row["timed_out"]:
                flag = f" (not finished in {row['timed_out'] / 60:.0f} min: killed)"
            if row["strays"]:
                flag += f" ({row['strays']} stray processes left)"
            lines.append(
                f"| {case} | {row['label']}{flag} | {row['cores']} | {row['reps']} | {row['median_s']:.1f} | "
                f"{row['cpu_s']:.1f} | {ratio:.3f} | {row['peak_gib']:.2f} |"
            )
        for text in agreement(case):
            lines.append(f"| {case} | agreement: {text} | | | | | | |")
    return lines


def de_section(results: list[dict], *, command_line: str, minutes: float) -> str:
    def agreement(case: str) -> list[str]:
        out = []
        for kind, name in (("degsea_de", "degsea"), ("pydeseq2_stock", "stock PyDESeq2")):
            text = de_agreement(case, kind)
            if text:
                out.append(f"{name} vs R DESeq2, {text}")
        return out

    return "\n".join(
        [
            "## DE",
            "",
            *stamp(command_line, minutes),
            *table(results, "r_deseq2", agreement),
            "",
            "Conditions: every row is one whole process (imports, reading the counts, one fit, every contrast of "
            "the case: 3 for gse96870, 1 otherwise) pinned with `taskset` to the cores shown, with "
            f"{', '.join(THREAD_VARS)} at the same number. Ratio = median wall time / R DESeq2's (no shrinkage) at "
            "the same cores on the same case. degsea: `degsea.de.fit.fit(threads=cores)` + `test_contrast` per "
            "contrast, engine `deseq2_exact`; the shrinkage row adds apeGLM (`lfcShrink(type='apeglm')`'s "
            "algorithm) on every contrast. R DESeq2 1.38 (`bench/deseq2_all.R`): `DESeq()` + `results()` per "
            "contrast, `BiocParallel::MulticoreParam(cores)` when cores > 1. R's apeglm is not installable here "
            "(not in Debian), so the with-shrinkage rows are compared against R *without* shrinkage: R does "
            "less work than degsea in those rows. `R DESeq2 + lfcShrink(type='normal')` (opt-in: `--with "
            "r_deseq2_normal`) shows what R's own shrinkage costs; it is a different estimator. numba's "
            "kernels are compiled by an untimed warm-up run (its on-disk cache, as from a pipeline's second "
            "run on). Agreement: degsea's (and stock PyDESeq2's) MLE log2 fold changes and padj < 0.1 calls "
            "vs R DESeq2's, every contrast, first rep at 1 core; shrunken LFCs vs R apeglm are checked by "
            "tests/parity/test_apeglm_parity.py.",
            "",
        ]
    )


def gsea_section(results: list[dict], *, command_line: str, minutes: float) -> str:
    def agreement(case: str) -> list[str]:
        out = []
        for kind, name in (("gsea_degsea", "degsea"), ("gsea_gseapy", "stock gseapy")):
            text = gsea_agreement(case, kind)
            if text:
                out.append(f"{name} vs fgsea: {text}")
        return out

    return "\n".join(
        [
            "## GSEA",
            "",
            *stamp(command_line, minutes),
            *table(results, "fgsea", agreement),
            "",
            "Conditions: whole processes pinned as in the DE section. Ratio = median wall time / R fgsea's at "
            "the same cores. Ranks: GSE96870 Day8 vs Day0 DESeq2 stat (`../shared/reference/fgsea`); sets of "
            "15-500 genes; `reactome` = all mouse Reactome sets (`c2.cp.reactome.v7.0.symbols.mouse.MouseGEM"
            ".gmt`), `synthetic5000` = 5,000 random sets with GO BP-like sizes (seeded). degsea: "
            "`degsea.gsea.engine.prerank(permutations=1000, seed=1, threads=cores)` with the engine's defaults for "
            "the tail p-values; fgsea 1.31: `../shared/reference/scripts/fgsea_ref.R` = `fgsea(minSize=15, "
            "maxSize=500, "
            "nproc=cores)` (multilevel, eps 1e-50). Stock gseapy (opt-in: `--with gsea_gseapy`) runs "
            "`threads=1` whatever the cores. numba kernels warmed as in the DE section.",
            "",
        ]
    )


def demo_section(
    runs: list[dict], cold: dict | None, *, command_line: str, minutes: float, scontrol: float | None
) -> str:
    ordered = sorted(runs, key=lambda r: r["wall"])
    median = ordered[len(ordered) // 2]
    walls = ", ".join(f"{r['wall']:.0f}" for r in runs)
    lines = [
        "## Demo",
        "",
        *stamp(command_line, minutes),
        f"`snakemake --cores 2` on the default config in a fresh copy of the repository's tracked files, pinned to 2 "
        f"cores: median **{median['wall']:.0f} s** wall of {len(runs)} runs ({walls} s; goal ≤ 45 s), "
        f"{median['cpu']:.0f} s CPU (all processes), peak {median['rss']:.2f} GiB in one process; Snakemake's "
        f"start-up (launch to its first job: parsing, config validation, DAG) {median['snakemake_start']:.0f} s; "
        f"{median['strays']} processes left behind. numba's kernels come from a cache kept between runs"
        + (f"; the first run, which compiles them, took {cold['wall']:.0f} s." if cold else ".")
        + " SLURM client: "
        + (
            "none on PATH."
            if scontrol is None
            else f"`scontrol show config` answered in {scontrol:.1f} s (snakemake-executor-plugin-slurm runs it at "
            "every Snakemake start; ~9 s where a client is configured and its controller is down)."
        ),
        "",
        "Per job of the median run (1-s resolution, from Snakemake's log and the rule logs): start-up = job start to "
        "the rule log's first line (Python start, imports, Snakemake's script preamble); work = the rule log's first "
        "to last line.",
        "",
        "| rule | log | wall s | start-up s | work s |",
        "|---|---|---:|---:|---:|",
    ]
    for job in sorted(median["jobs"], key=lambda j: j["start"]):
        lines.append(
            f"| {job['rule']} | `{job['log']}` | {job['wall']:.0f} | {job['startup']:.0f} | {job['work']:.0f} |"
        )
    total = sum(j["wall"] for j in median["jobs"])
    startup = sum(j["startup"] for j in median["jobs"] if j["startup"] == j["startup"])
    lines += [f"| all jobs (sum; 2 run at once) | | {total:.0f} | {startup:.0f} | {total - startup:.0f} |", ""]
    return "\n".join(lines)


HEADER = """# Benchmark results

Each section is written by one run of `python bench/run.py` (`--only de`, `--only gsea`, `--only demo`,
`--only cohort`, or all four at once); a run keeps the sections it did not measure as they were. Times are of
whole processes (imports, reading the data, the work) pinned to the cores shown; medians of `reps` interleaved
runs; peak = the process's maximum resident memory. Compare ratios (same run, same cores), not seconds across
sections.
"""


def write_results(sections: dict[str, str], *, echo: bool = False) -> None:
    """Write RESULTS.md: this run's sections, every other section kept from the existing file."""
    path = ROOT / "bench" / "RESULTS.md"
    old = path.read_text() if path.exists() else ""
    kept = {
        m.group(1): m.group(0).rstrip("\n") for m in re.finditer(r"^## (\S+)\n.*?(?=^## |\Z)", old, flags=re.S | re.M)
    }
    merged = {**kept, **sections}
    first = ("DE", "GSEA", "Demo", "Cohort")
    order = list(first) + [name for name in merged if name not in first]
    path.write_text(HEADER + "".join(f"\n{merged[name].rstrip()}\n" for name in order if name in merged))
    if echo:
        print(path.read_text())


# ----------------------------------------------------------------------------- main
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--only", nargs="+", choices=["de", "gsea", "demo", "cohort"], help="sections to run (default: all)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="pasilla, sim20k_12 and Reactome, 1 rep, no demo, no cohort"
    )
    parser.add_argument("--reps", type=int, default=3, help="interleaved repetitions per row (median reported)")
    parser.add_argument("--cores", type=int, nargs="+", default=[1, 2], help="core counts, each tool pinned to as many")
    parser.add_argument("--cases", nargs="+", help="DE / GSEA cases to run (default: all)")
    parser.add_argument("--with", dest="extra", nargs="*", default=[], choices=sorted(OPT_IN), help="opt-in rows")
    parser.add_argument("--skip", nargs="*", default=[], help="kinds to leave out, e.g. degsea_de")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds after which a run is killed")
    parser.add_argument(
        "--demo-reps", type=int, default=3, help="timed demo runs (after one that compiles numba's kernels)"
    )
    args = parser.parse_args()
    CACHE.mkdir(parents=True, exist_ok=True)
    only = set(args.only or ["de", "gsea", "demo", "cohort"])
    reps = 1 if args.quick else args.reps
    de_cases = ["pasilla", "sim20k_12"] if args.quick else list(DE_CASES)
    gsea_cases = ["reactome"] if args.quick else GSEA_CASES
    if args.quick:
        only -= {"demo", "cohort"}
    if args.cases:
        de_cases = [c for c in de_cases if c in args.cases]
        gsea_cases = [c for c in gsea_cases if c in args.cases]
    use = {k for k in [*DE_KINDS, *GSEA_KINDS] if (k not in OPT_IN or k in args.extra) and k not in args.skip}
    command_line = " ".join(["python bench/run.py", *sys.argv[1:]])
    sections = {}
    if only & {"de", "gsea"}:
        warm_up(sorted(use))
    if "de" in only:
        started, results = time.time(), []
        kinds = {k: v for k, v in DE_KINDS.items() if k in use}
        for case in de_cases:
            results += measure_case(case, kinds, args.cores, reps, timeout=args.timeout)
            # written after every case, so that an interrupted run leaves what it measured
            sections["DE"] = de_section(results, command_line=command_line, minutes=(time.time() - started) / 60)
            write_results(dict(sections))
    if "gsea" in only:
        started, results = time.time(), []
        kinds = {k: v for k, v in GSEA_KINDS.items() if k in use}
        for case in gsea_cases:
            results += measure_case(case, kinds, args.cores, reps, timeout=args.timeout)
            sections["GSEA"] = gsea_section(results, command_line=command_line, minutes=(time.time() - started) / 60)
            write_results(dict(sections))
    if "demo" in only:
        started = time.time()
        numba_cache = CACHE / "numba"
        shutil.rmtree(numba_cache, ignore_errors=True)  # the first run compiles numba's kernels
        cold = demo_profile(CACHE, rep=0, numba_cache=numba_cache)
        print(f"  demo (compiles numba's kernels): {cold['wall']:.1f} s", flush=True)
        runs = []
        for rep in range(1, args.demo_reps + 1):
            runs.append(demo_profile(CACHE, rep=rep, numba_cache=numba_cache))
            print(
                f"  demo rep {rep}/{args.demo_reps}: {runs[-1]['wall']:.1f} s wall, {runs[-1]['cpu']:.1f} s CPU",
                flush=True,
            )
        sections["Demo"] = demo_section(
            runs, cold, command_line=command_line, minutes=(time.time() - started) / 60, scontrol=scontrol_seconds()
        )
    if "cohort" in only:
        started = time.time()
        run = cohort_profile(CACHE)
        print(f"  cohort: {run['wall'] / 60:.1f} min wall, {len(run['jobs'])} jobs", flush=True)
        shutil.rmtree(run["work"], ignore_errors=True)
        sections["Cohort"] = cohort_section(run, stamp=stamp(command_line, (time.time() - started) / 60))
    write_results(sections, echo=True)


if __name__ == "__main__":
    main()
