#!/usr/bin/env python
"""Benchmark degsea's DE and GSEA stages against R DESeq2, stock PyDESeq2 and stock gseapy.

Every measurement runs in its own process (``bench/run.py --worker ...``) in its own process
group; the parent records its wall time and peak resident memory (``os.wait4``'s ru_maxrss of
that child), kills it past ``--timeout`` and checks that it left no process behind, and writes
``bench/RESULTS.md``. See bench/README.md.

    python bench/run.py --quick      # pasilla, simulated 20k x 12, Reactome GSEA (minutes)
    python bench/run.py --only de    # every DE case and the demo end to end (about an hour)
    python bench/run.py --only gsea  # every GSEA case
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CACHE = ROOT / "bench" / ".cache"
sys.path.insert(0, str(ROOT / "workflow" / "scripts"))

# ----------------------------------------------------------------------------- data
DE_CASES = {
    "pasilla": {"design": "~type + condition", "contrasts": [("condition", "treated", "untreated")]},
    "gse96870": {
        "design": "~sex + time",
        "contrasts": [("time", "Day4", "Day0"), ("time", "Day8", "Day0"), ("time", "Day8", "Day4")],
    },
    **{
        f"sim20k_{n}": {"design": "~condition", "contrasts": [("condition", "treated", "control")], "samples": n}
        for n in (12, 48, 200, 1000)
    },
}


def load_de(case: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Samples x genes counts and the sample sheet of a DE case (simulated cases are cached)."""
    if case == "pasilla":
        counts = pd.read_csv(SHARED / "data/pasilla/pasilla_gene_counts.tsv", sep="\t", index_col=0).T
        meta = pd.read_csv(SHARED / "reference/deseq2/pasilla_samples.tsv", sep="\t", index_col=0)
    elif case == "gse96870":
        counts = pd.read_csv(SHARED / "data/mouse_GSE96870/GSE96870_counts_cerebellum.csv", index_col=0).T
        meta = pd.read_csv(SHARED / "reference/deseq2/gse96870_samples.tsv", sep="\t", index_col=0)
    else:
        return simulate(DE_CASES[case]["samples"])
    return counts, meta.loc[counts.index]


def simulate(n_samples: int, n_genes: int = 20000, seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Negative-binomial counts, two groups, 10 % of genes DE, DESeq2-like mean-dispersion trend."""
    rng = np.random.default_rng(seed)
    base = np.exp(rng.normal(4.0, 2.0, n_genes))
    disp = (0.05 + 2.0 / base) * np.exp(rng.normal(0, 0.5, n_genes))
    lfc = np.where(rng.random(n_genes) < 0.1, rng.normal(0, 1.5, n_genes), 0.0)
    group = np.repeat([0, 1], n_samples // 2)
    sf = np.exp(rng.normal(0, 0.2, n_samples))
    mu = sf[:, None] * base[None, :] * np.exp(np.outer(group, lfc))
    size = 1.0 / disp
    counts = rng.negative_binomial(size[None, :], size[None, :] / (size[None, :] + mu)).astype(np.int64)
    samples = [f"s{i}" for i in range(n_samples)]
    meta = pd.DataFrame({"condition": np.where(group == 1, "treated", "control")}, index=samples)
    return pd.DataFrame(counts, index=samples, columns=[f"g{i}" for i in range(n_genes)]), meta


def read_gmt(path: Path) -> dict[str, list[str]]:
    sets = {}
    for line in path.read_text().splitlines():
        fields = line.split("\t")
        if len(fields) > 2:
            sets[fields[0]] = fields[2:]
    return sets


def load_gsea(case: str) -> tuple[pd.Series, dict[str, list[str]]]:
    ranks_table = pd.read_csv(SHARED / "reference/fgsea/gse96870_Day8_vs_Day0.ranks.tsv.gz", sep="\t")
    ranks = pd.Series(ranks_table["stat"].to_numpy(), index=ranks_table["gene_id"].astype(str))
    ranks = ranks[~ranks.index.duplicated()].sort_values(ascending=False, kind="stable")
    if case == "reactome":
        return ranks, read_gmt(SHARED / "data/genesets/c2.cp.reactome.v7.0.symbols.mouse.MouseGEM.gmt")
    rng = np.random.default_rng(5)
    genes = ranks.index.to_numpy()
    sizes = go_bp_like_sizes(5000, rng=rng)
    return ranks, {f"SYN_{i:04d}": list(genes[rng.choice(len(genes), k, replace=False)]) for i, k in enumerate(sizes)}


def go_bp_like_sizes(n: int, *, rng: np.random.Generator, low: int = 15, high: int = 500, exponent: float = 1.9) -> np.ndarray:
    """Gene-set sizes distributed like GO BP's within [low, high]: a power law, many small sets, few large.

    GO BP's size distribution is heavy-tailed (density ~ size^-1.9 over 15-500, median ~30); sizes are
    drawn by inverting that truncated power law's CDF.
    """
    a, b = low ** (1 - exponent), (high + 1) ** (1 - exponent)
    u = rng.random(n)
    return np.floor((a + u * (b - a)) ** (1 / (1 - exponent))).astype(int).clip(low, high)


# ----------------------------------------------------------------------------- workers
def worker(kind: str, case: str, out: str) -> None:
    """One measurement in this process; writes a JSON with the inner time and a digest."""
    import warnings

    warnings.filterwarnings("ignore")
    t0 = time.perf_counter()
    info: dict = {}
    if kind in ("degsea_de", "pydeseq2_stock"):
        counts, meta = load_de(case)
        spec = DE_CASES[case]
        first = Path(out).with_suffix(".lfc.tsv")
        if kind == "degsea_de":
            import anndata as ad

            from degsea.de.design import Contrast
            from degsea.de.fit import fit, test_contrast

            adata = ad.AnnData(X=counts.to_numpy(), obs=meta.astype(str), var=pd.DataFrame({"symbol": counts.columns}, index=counts.columns))
            contrasts = [Contrast(name=f"{t}_vs_{r}", variable=v, test=t, reference=r) for v, t, r in spec["contrasts"]]
            fitted = fit(adata, formula=spec["design"], contrasts=contrasts, threads=2)
            tables = [test_contrast(fitted, c) for c in contrasts]
            info["n_sig"] = [int((t["padj"] < 0.1).sum()) for t in tables]
            tables[0].set_index("gene_id")[["log2FoldChange", "padj"]].to_csv(first, sep="\t")
        else:
            from pydeseq2.dds import DeseqDataSet
            from pydeseq2.default_inference import DefaultInference
            from pydeseq2.ds import DeseqStats

            inference = DefaultInference(n_cpus=2)
            dds = DeseqDataSet(counts=counts, metadata=meta, design=spec["design"], inference=inference, quiet=True)
            dds.deseq2()
            sig = []
            for i, (v, t, r) in enumerate(spec["contrasts"]):
                stats = DeseqStats(dds, contrast=[v, t, r], inference=inference, quiet=True)
                stats.summary()
                sig.append(int((stats.results_df["padj"] < 0.1).sum()))
                if i == 0:
                    stats.results_df[["log2FoldChange", "padj"]].rename_axis("gene_id").to_csv(first, sep="\t")
            info["n_sig"] = sig
    elif kind in ("gsea_degsea", "gsea_gseapy"):
        ranks, sets = load_gsea(case)
        if kind == "gsea_degsea":
            from degsea.gsea import engine as gsea_engine

            table = gsea_engine.prerank(ranks, sets, permutations=1000, seed=1)
        else:
            import gseapy

            table = gseapy.prerank(rnk=ranks, gene_sets=sets, permutation_num=1000, min_size=15, max_size=500, seed=1,
                                   threads=1, outdir=None, no_plot=True, verbose=False).res2d
        table[["Term", "NES", "FDR q-val"]].to_csv(Path(out).with_suffix(".gsea.tsv"), sep="\t", index=False)
        info["sets"] = len(table)
    else:
        raise SystemExit(f"unknown worker {kind}")
    info["inner_seconds"] = time.perf_counter() - t0
    Path(out).write_text(json.dumps(info))


def run_child(cmd: list[str], *, timeout: float | None = None, cwd: Path | None = None, output: Path | None = None) -> dict:
    """Run one child in its own process group: wall seconds, peak RSS (GiB), exit code, timeout, strays.

    The child's stdout and stderr go to ``output`` (a file, so that a chatty child cannot block on
    a full pipe). Past ``timeout`` seconds the whole group is killed. After the child has ended,
    any process left in its group (e.g. a worker pool that outlived it) is counted as a stray and
    killed.
    """
    out_file = output or CACHE / "child.log"
    start = time.perf_counter()
    with open(out_file, "w") as sink:
        proc = subprocess.Popen(cmd, stdout=sink, stderr=subprocess.STDOUT, cwd=cwd, start_new_session=True)
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
            time.sleep(0.2)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    strays = stray_processes(proc.pid)
    if strays:
        os.killpg(proc.pid, signal.SIGKILL)
    if proc.returncode != 0 and not timed_out:
        print(Path(out_file).read_text(errors="replace")[-2000:], file=sys.stderr)
    return {"wall": wall, "rss": usage.ru_maxrss / 1024**2, "code": proc.returncode, "timed_out": timed_out, "strays": strays}


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


def r_inputs(case: str) -> tuple[Path, Path]:
    CACHE.mkdir(parents=True, exist_ok=True)
    counts_f, sheet_f = CACHE / f"{case}.counts.tsv", CACHE / f"{case}.samples.tsv"
    if not counts_f.exists():
        counts, meta = load_de(case)
        counts.T.rename_axis("gene_id").to_csv(counts_f, sep="\t")
        meta.rename_axis("sample").to_csv(sheet_f, sep="\t")
    return counts_f, sheet_f


def measure(label: str, kind: str, case: str, reps: int, *, timeout: float | None = None) -> dict:
    rows = []
    for i in range(reps):
        out = CACHE / f"{kind}.{case}.{i}.json"
        if kind == "r_deseq2":
            counts_f, sheet_f = r_inputs(case)
            v, t, r = DE_CASES[case]["contrasts"][0]
            cmd = ["Rscript", str(SHARED / "reference/scripts/deseq2_ref.R"), str(counts_f), str(sheet_f),
                   DE_CASES[case]["design"], v, t, r, str(CACHE / f"r.{case}.tsv"), "--shrink-type=none"]
        else:
            cmd = [sys.executable, __file__, "--worker", kind, case, str(out)]
        row = run_child(cmd, timeout=timeout, output=CACHE / f"{kind}.{case}.{i}.log")
        rows.append(row)
        state = "timed out" if row["timed_out"] else f"exit {row['code']}"
        print(f"  {label:34s} {case:14s} rep {i + 1}/{reps}: {row['wall']:8.1f} s  {row['rss']:5.2f} GiB  {state}"
              f"{'  strays ' + str(row['strays']) if row['strays'] else ''}", flush=True)
        if row["code"] != 0 or row["timed_out"]:
            break
    ok = [r for r in rows if r["code"] == 0 and not r["timed_out"]]
    return {
        "label": label, "kind": kind, "case": case, "reps": len(ok),
        "median_s": statistics.median(r["wall"] for r in ok) if ok else float("nan"),
        "peak_gib": max(r["rss"] for r in ok) if ok else float("nan"),
        "failed": any(r["code"] != 0 and not r["timed_out"] for r in rows),
        "timed_out": timeout if any(r["timed_out"] for r in rows) else None,
        "strays": sum(r["strays"] for r in rows),
    }


def gsea_agreement(case: str) -> str:
    a = CACHE / f"gsea_degsea.{case}.0.gsea.tsv"
    b = CACHE / f"gsea_gseapy.{case}.0.gsea.tsv"
    if not (a.exists() and b.exists()):
        return "n/a"
    x = pd.read_csv(a, sep="\t").set_index("Term")
    y = pd.read_csv(b, sep="\t").set_index("Term").loc[x.index]
    r = np.corrcoef(x["NES"], y["NES"])[0, 1]
    fdr = np.abs(x["FDR q-val"] - y["FDR q-val"])
    calls = ((x["FDR q-val"] < 0.25) == (y["FDR q-val"] < 0.25)).mean()
    return f"NES r {r:.5f}; FDR median abs diff {fdr.median():.3f}; FDR<0.25 calls agree {100 * calls:.1f} %"


def de_agreement(case: str, kind: str) -> str:
    """log2FC correlation and padj < 0.1 Jaccard of a tool's first contrast with R DESeq2's."""
    a = CACHE / f"{kind}.{case}.0.lfc.tsv"
    b = CACHE / f"r.{case}.tsv"
    if not (a.exists() and b.exists()):
        return "n/a"
    x = pd.read_csv(a, sep="\t", index_col=0)
    y = pd.read_csv(b, sep="\t", index_col=0, na_values=["NA"]).reindex(x.index)
    ok = x["log2FoldChange"].notna() & y["log2FoldChange"].notna()
    r = np.corrcoef(x.loc[ok, "log2FoldChange"], y.loc[ok, "log2FoldChange"])[0, 1]
    sx, sy = set(x.index[x["padj"] < 0.1]), set(y.index[y["padj"] < 0.1])
    jac = len(sx & sy) / max(len(sx | sy), 1)
    return f"log2FC r {r:.7f}; padj<0.1 Jaccard {jac:.4f}"


# ----------------------------------------------------------------------------- the demo end to end
def demo_profile() -> dict:
    """Run ``snakemake --cores 2`` on the default demo in a fresh copy of the repository.

    Returns the wall time, Snakemake's start-up (launch to its first job) and, per job, its
    wall time (Snakemake's job start to its end) split into the script's start-up (Python start,
    imports, Snakemake's script preamble: job start to the rule log's first line) and the work
    logged by the rule (first to last line of ``logs/<rule>.log``).
    """
    work = Path(tempfile.mkdtemp(prefix="degsea-demo-"))
    try:
        files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout.split(b"\0")
        for name in filter(None, files):
            src = ROOT / name.decode()
            if src.is_file():
                (work / name.decode()).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, work / name.decode())
        launched = time.time()
        row = run_child(["snakemake", "--cores", "2", "--printshellcmds"], cwd=work, output=CACHE / "demo.snakemake.log")
        if row["code"] != 0:
            raise RuntimeError(f"the demo run failed; see {CACHE / 'demo.snakemake.log'}")
        jobs = snakemake_jobs((CACHE / "demo.snakemake.log").read_text())
        for job in jobs:
            first, last = log_span(work / job["log"]) if job["log"] else (None, None)
            job["startup"] = first - job["start"] if first is not None else float("nan")
            job["work"] = last - first if first is not None else float("nan")
        return {"wall": row["wall"], "rss": row["rss"], "strays": row["strays"],
                "snakemake_start": min(j["start"] for j in jobs) - launched if jobs else float("nan"), "jobs": jobs}
    finally:
        shutil.rmtree(work, ignore_errors=True)


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
    stamps = [time.mktime(time.strptime(line[:19], "%Y-%m-%d %H:%M:%S")) for line in path.read_text().splitlines()
              if re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ", line)]
    return (stamps[0], stamps[-1]) if stamps else (None, None)


# ----------------------------------------------------------------------------- main
@functools.cache
def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = int(Path("/proc/meminfo").read_text().split()[1]) / 1024**2
    except OSError:
        mem = float("nan")
    import gseapy
    import pydeseq2

    r_version = subprocess.run(["Rscript", "-e", "cat(R.version.string, as.character(packageVersion('DESeq2')))"],
                               capture_output=True, text=True).stdout.strip()
    return (f"{platform.node()}: {cpu}, {os.cpu_count()} cores, {mem:.1f} GiB RAM; Python {platform.python_version()}, "
            f"numpy {np.__version__}, PyDESeq2 {pydeseq2.__version__}, gseapy {gseapy.__version__}; {r_version} (DESeq2)")


#: DE rows: label, worker kind.
DE_TOOLS = (("degsea DE stage (default engine)", "degsea_de"), ("R DESeq2", "r_deseq2"), ("stock PyDESeq2 (2 cpus)", "pydeseq2_stock"))
#: Cases run once per tool (minutes each).
SLOW = {"gse96870", "sim20k_200", "sim20k_1000"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="pasilla, simulated 20k x 12 and Reactome GSEA only")
    parser.add_argument("--only", choices=["de", "gsea"], help="run one stage only (de includes the demo end to end)")
    parser.add_argument("--reps", type=int, default=3, help="repetitions of fast cases (median reported)")
    parser.add_argument("--skip", nargs="*", default=[], help="kinds to skip, e.g. pydeseq2_stock gsea_gseapy demo")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds after which an R DESeq2 run is killed and reported as not finished")
    parser.add_argument("--stock-timeout", type=float, default=600.0, help="the same for stock PyDESeq2")
    parser.add_argument("--stock-cases", nargs="*", help="DE cases on which stock PyDESeq2 runs (default: all but sim20k_1000)")
    parser.add_argument("--cases", nargs="*", help="DE / GSEA cases to run (default: all, or the --quick ones)")
    parser.add_argument("--worker", nargs=3, metavar=("KIND", "CASE", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker)
        return
    CACHE.mkdir(parents=True, exist_ok=True)
    de_cases = ["pasilla", "sim20k_12"] if args.quick else list(DE_CASES)
    gsea_cases = ["reactome"] if args.quick else ["reactome", "synthetic5000"]
    if args.cases:
        de_cases = [c for c in de_cases if c in args.cases]
        gsea_cases = [c for c in gsea_cases if c in args.cases]
    has_r = subprocess.run(["Rscript", "-e", "library(DESeq2)"], capture_output=True).returncode == 0
    command = " ".join(["python bench/run.py", *sys.argv[1:]])
    sections = {}
    stock_skipped: list[str] = []
    if args.only in (None, "de"):
        started, results = time.time(), []
        # the demo first: it is the shortest of the slow parts, and then every write carries it
        demo = None if "demo" in args.skip or args.quick else demo_profile()
        for case in de_cases:
            for label, kind in DE_TOOLS:
                if kind in args.skip or (kind == "r_deseq2" and not has_r):
                    continue
                if kind == "pydeseq2_stock" and (case == "sim20k_1000" or (args.stock_cases is not None and case not in args.stock_cases)):
                    stock_skipped.append(case)  # sim20k_1000: hours; others: left out of this run by --stock-cases
                    continue
                reps = 1 if case in SLOW or kind == "pydeseq2_stock" else args.reps
                timeout = {"degsea_de": None, "r_deseq2": args.timeout, "pydeseq2_stock": args.stock_timeout}[kind]
                results.append(measure(label, kind, case, reps, timeout=timeout))
            # written after every case, so that an interrupted run leaves what it measured
            write_results({"DE": de_section(results, demo, stock_skipped, command=command, minutes=(time.time() - started) / 60)})
        sections["DE"] = de_section(results, demo, stock_skipped, command=command, minutes=(time.time() - started) / 60)
    if args.only in (None, "gsea"):
        started, results = time.time(), []
        for case in gsea_cases:
            for label, kind in (("degsea GSEA engine", "gsea_degsea"), ("stock gseapy prerank", "gsea_gseapy")):
                if kind in args.skip:
                    continue
                results.append(measure(label, kind, case, args.reps if kind == "gsea_degsea" else 1, timeout=None))
            write_results({"GSEA": gsea_section(results, command=command, minutes=(time.time() - started) / 60)})
        sections["GSEA"] = gsea_section(results, command=command, minutes=(time.time() - started) / 60)
    write_results(sections, echo=True)


def _table(results: list[dict], base_kind: str, agreement) -> list[str]:
    frame = pd.DataFrame(results)
    lines = ["| case | what | reps | median s | ratio | peak GiB |", "|---|---|---:|---:|---:|---:|"]
    if frame.empty:
        return lines
    for case, rows in frame.groupby("case", sort=False):
        base = rows[(rows["kind"] == base_kind) & (rows["reps"] > 0)]["median_s"]
        base = float(base.iloc[0]) if len(base) else float("nan")
        for _, row in rows.iterrows():
            ratio = row["median_s"] / base if base == base else float("nan")
            flag = " (failed)" if row["failed"] else ""
            if row["timed_out"]:
                flag = f" (not finished in {row['timed_out'] / 60:.0f} min: killed)"
            if row["strays"]:
                flag += f" ({row['strays']} stray processes left)"
            lines.append(f"| {case} | {row['label']}{flag} | {row['reps']} | {row['median_s']:.1f} | {ratio:.3f} | {row['peak_gib']:.2f} |")
        for text in agreement(case):
            lines.append(f"| {case} | {text} | | | | |")
    return lines


def _stamp(command: str, minutes: float) -> list[str]:
    load = os.getloadavg()[1]
    return [f"Written by `{command}` ({time.strftime('%Y-%m-%d %H:%M')} UTC, {minutes:.0f} min; load average "
            f"{load:.1f} over the last 5 min at writing).", "", f"Machine: {machine()}", ""]


def de_section(results: list[dict], demo: dict | None, stock_skipped: list[str], *, command: str, minutes: float) -> str:
    def agreement(case: str) -> list[str]:
        out = []
        for kind, name in (("degsea_de", "degsea"), ("pydeseq2_stock", "stock PyDESeq2")):
            text = de_agreement(case, kind)
            if text != "n/a":
                out.append(f"{name} vs R DESeq2, first contrast: {text}")
        return out

    lines = ["## DE", "", *_stamp(command, minutes), *_table(results, "r_deseq2", agreement), "",
             "Ratio = median wall time / R DESeq2's in this run. R DESeq2 runs `../shared/reference/scripts/deseq2_ref.R` "
             "(fit + the first contrast, no shrinkage, 1 core); degsea's DE stage fits once and tests every contrast "
             "with apeGLM shrinkage (the pipeline's default), 2 threads; stock PyDESeq2 fits and tests every contrast "
             "without shrinkage with `DefaultInference(n_cpus=2)`. Stock PyDESeq2 is not run on "
             f"{', '.join(stock_skipped) or 'no case'} (1,000 samples: hours; others: left out by `--stock-cases` "
             "to fit the run in the time it had). "
             "Agreement rows: MLE log2 fold changes and padj < 0.1 calls of the first contrast vs R DESeq2's.", ""]
    if demo is not None:
        lines += ["### The demo end to end", "",
                  f"`snakemake --cores 2` on the default config in a fresh copy of the repository: {demo['wall']:.0f} s wall, "
                  f"of which Snakemake's start-up (launch to its first job: parsing, DAG, config validation) "
                  f"{demo['snakemake_start']:.0f} s; {demo['strays']} processes left behind. Per job (1-s resolution, from "
                  "Snakemake's log and the rule logs): start-up = job start to the rule log's first line (Python start, "
                  "imports, Snakemake's script preamble); work = the rule log's first to last line.", "",
                  "| rule | log | wall s | start-up s | work s |", "|---|---|---:|---:|---:|"]
        for job in sorted(demo["jobs"], key=lambda j: j["start"]):
            lines.append(f"| {job['rule']} | `{job['log']}` | {job['wall']:.0f} | {job['startup']:.0f} | {job['work']:.0f} |")
        total = sum(j["wall"] for j in demo["jobs"])
        startup = sum(j["startup"] for j in demo["jobs"] if j["startup"] == j["startup"])
        lines += [f"| all jobs (sum; 2 run at once) | | {total:.0f} | {startup:.0f} | {total - startup:.0f} |", ""]
    return "\n".join(lines)


def gsea_section(results: list[dict], *, command: str, minutes: float) -> str:
    def agreement(case: str) -> list[str]:
        text = gsea_agreement(case)
        return [f"degsea vs stock gseapy: {text}"] if text != "n/a" else []

    lines = ["## GSEA", "", *_stamp(command, minutes), *_table(results, "gsea_gseapy", agreement), "",
             "Ratio = median wall time / stock gseapy's in this run. 1000 permutations, set sizes 15-500, ranks = GSE96870 "
             "Day8 vs Day0 DESeq2 stat; `reactome` = all mouse Reactome sets "
             "(`c2.cp.reactome.v7.0.symbols.mouse.MouseGEM.gmt`), `synthetic5000` = 5,000 random sets with GO BP-like "
             "sizes (seeded, `go_bp_like_sizes`).", ""]
    return "\n".join(lines)


HEADER = """# Benchmark results

Wall time of the whole process (imports, reading data, fit, all contrasts / all sets), median of `reps`
runs; peak = the process's maximum resident memory. Each section is written by its own run of
`python bench/run.py` (`--only de` / `--only gsea`); a run keeps the other section of this file as it was.
The machine is shared: compare ratios within a section (same run), not seconds across sections.
"""


def write_results(sections: dict[str, str], *, echo: bool = False) -> None:
    """Write RESULTS.md: the sections of this run, the other stage's section kept from the existing file."""
    path = ROOT / "bench" / "RESULTS.md"
    old = path.read_text() if path.exists() else ""
    for stage in ("DE", "GSEA"):
        if stage not in sections:
            hit = re.search(rf"^## {stage}\n.*?(?=^## |\Z)", old, flags=re.S | re.M)
            if hit:
                kept = hit.group(0).rstrip("\n")
                if "Written by" not in kept:  # a section of the older one-stamp layout: carry its stamp
                    stamp = re.findall(r"^(?:Written by|Machine:) .*$", old, flags=re.M)
                    kept = kept.replace(f"## {stage}\n", f"## {stage}\n\n" + "\n\n".join(stamp) + "\n", 1)
                sections[stage] = kept
    text = HEADER + "".join(f"\n{sections[stage]}\n" for stage in ("DE", "GSEA") if stage in sections)
    path.write_text(text)
    if echo:
        print(text)


if __name__ == "__main__":
    main()
