#!/usr/bin/env python
"""Benchmark degsea's DE and GSEA stages against R DESeq2, stock PyDESeq2 and stock gseapy.

Every measurement runs in its own process (``bench/run.py --worker ...``); the parent records
its wall time and peak resident memory (``os.wait4``'s ru_maxrss of that child) and writes
``bench/RESULTS.md``. See bench/README.md.

    python bench/run.py --quick      # pasilla, simulated 20k x 12, Reactome GSEA (minutes)
    python bench/run.py              # everything (hours: stock PyDESeq2 / gseapy on the big cases)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
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
    rng = np.random.default_rng(5)  # synthetic 5,000 sets, sizes log-uniform 15-500
    genes = ranks.index.to_numpy()
    sizes = np.exp(rng.uniform(np.log(15), np.log(500), 5000)).astype(int)
    return ranks, {f"SYN_{i:04d}": list(genes[rng.choice(len(genes), k, replace=False)]) for i, k in enumerate(sizes)}


# ----------------------------------------------------------------------------- workers
def worker(kind: str, case: str, out: str) -> None:
    """One measurement in this process; writes a JSON with the inner time and a digest."""
    import warnings

    warnings.filterwarnings("ignore")
    t0 = time.perf_counter()
    info: dict = {}
    if kind in ("degsea_de", "pydeseq2_stock", "pydeseq2_fast"):
        counts, meta = load_de(case)
        spec = DE_CASES[case]
        if kind == "degsea_de":
            import anndata as ad

            from degsea import de
            from degsea.design import Contrast

            adata = ad.AnnData(X=counts.to_numpy(), obs=meta.astype(str), var=pd.DataFrame({"symbol": counts.columns}, index=counts.columns))
            contrasts = [Contrast(name=f"{t}_vs_{r}", variable=v, test=t, reference=r) for v, t, r in spec["contrasts"]]
            fitted = de.fit(adata, formula=spec["design"], contrasts=contrasts, threads=2)
            tables = [de.test_contrast(fitted, c) for c in contrasts]
            info["n_sig"] = [int((t["padj"] < 0.1).sum()) for t in tables]
        else:
            from pydeseq2.dds import DeseqDataSet
            from pydeseq2.default_inference import DefaultInference
            from pydeseq2.ds import DeseqStats

            if kind == "pydeseq2_fast":
                from degsea.fast_inference import FastInference

                inference = FastInference()
            else:
                inference = DefaultInference(n_cpus=2)
            dds = DeseqDataSet(counts=counts, metadata=meta, design=spec["design"], inference=inference, quiet=True)
            dds.deseq2()
            sig = []
            for v, t, r in spec["contrasts"]:
                stats = DeseqStats(dds, contrast=[v, t, r], inference=inference, quiet=True)
                stats.summary()
                sig.append(int((stats.results_df["padj"] < 0.1).sum()))
                if v == spec["contrasts"][0][0] and t == spec["contrasts"][0][1]:
                    stats.results_df[["log2FoldChange", "padj"]].to_csv(Path(out).with_suffix(".lfc.tsv"), sep="\t")
            info["n_sig"] = sig
    elif kind in ("gsea_degsea", "gsea_gseapy"):
        ranks, sets = load_gsea(case)
        if kind == "gsea_degsea":
            from degsea import gsea_engine

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


def run_child(cmd: list[str], env: dict | None = None) -> tuple[float, float, int]:
    """Wall seconds, peak RSS (GiB) and exit code of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        print(err[-2000:], file=sys.stderr)
    return wall, usage.ru_maxrss / 1024**2, code


def r_inputs(case: str) -> tuple[Path, Path]:
    CACHE.mkdir(parents=True, exist_ok=True)
    counts_f, sheet_f = CACHE / f"{case}.counts.tsv", CACHE / f"{case}.samples.tsv"
    if not counts_f.exists():
        counts, meta = load_de(case)
        counts.T.rename_axis("gene_id").to_csv(counts_f, sep="\t")
        meta.rename_axis("sample").to_csv(sheet_f, sep="\t")
    return counts_f, sheet_f


def measure(label: str, kind: str, case: str, reps: int) -> dict:
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
        wall, rss, code = run_child(cmd)
        rows.append((wall, rss, code))
        print(f"  {label:28s} {case:14s} rep {i + 1}/{reps}: {wall:8.1f} s  {rss:5.2f} GiB  exit {code}", flush=True)
        if code != 0:
            break
    ok = [r for r in rows if r[2] == 0]
    return {
        "label": label, "kind": kind, "case": case, "reps": len(ok),
        "median_s": statistics.median(r[0] for r in ok) if ok else float("nan"),
        "peak_gib": max(r[1] for r in ok) if ok else float("nan"),
        "failed": len(ok) < len(rows),
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


def de_agreement(case: str) -> str:
    a = CACHE / f"pydeseq2_fast.{case}.0.lfc.tsv"
    b = CACHE / f"pydeseq2_stock.{case}.0.lfc.tsv"
    if not (a.exists() and b.exists()):
        return "n/a"
    x, y = pd.read_csv(a, sep="\t", index_col=0), pd.read_csv(b, sep="\t", index_col=0)
    ok = x["log2FoldChange"].notna() & y["log2FoldChange"].notna()
    r = np.corrcoef(x.loc[ok, "log2FoldChange"], y.loc[ok, "log2FoldChange"])[0, 1]
    sx, sy = set(x.index[x["padj"] < 0.1]), set(y.index[y["padj"] < 0.1])
    jac = len(sx & sy) / max(len(sx | sy), 1)
    return f"log2FC r {r:.7f}; padj<0.1 Jaccard {jac:.4f}"


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="pasilla, simulated 20k x 12 and Reactome GSEA only")
    parser.add_argument("--only", choices=["de", "gsea"], help="run one stage only")
    parser.add_argument("--reps", type=int, default=3, help="repetitions of fast cases (median reported)")
    parser.add_argument("--skip", nargs="*", default=[], help="kinds to skip, e.g. degsea_de pydeseq2_stock")
    parser.add_argument("--worker", nargs=3, metavar=("KIND", "CASE", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker)
        return
    CACHE.mkdir(parents=True, exist_ok=True)
    de_cases = ["pasilla", "sim20k_12"] if args.quick else list(DE_CASES)
    gsea_cases = ["reactome"] if args.quick else ["reactome", "synthetic5000"]
    slow = {"sim20k_200", "sim20k_1000"}
    results = []
    started = time.time()
    if args.only in (None, "de"):
        for case in de_cases:
            for label, kind in (("degsea DE stage (default engine)", "degsea_de"), ("PyDESeq2 + FastInference", "pydeseq2_fast"),
                                ("R DESeq2", "r_deseq2"), ("stock PyDESeq2 (2 cpus)", "pydeseq2_stock")):
                if kind in args.skip or (kind == "r_deseq2" and subprocess.run(["Rscript", "-e", "library(DESeq2)"], capture_output=True).returncode):
                    continue
                reps = 1 if (case in slow and kind != "pydeseq2_fast") or (kind == "pydeseq2_stock" and args.quick) else args.reps
                if case == "sim20k_1000" and kind == "pydeseq2_stock":
                    continue  # hours; not run
                results.append(measure(label, kind, case, reps))
    if args.only in (None, "gsea"):
        for case in gsea_cases:
            for label, kind in (("degsea GSEA engine", "gsea_degsea"), ("stock gseapy prerank", "gsea_gseapy")):
                if kind in args.skip:
                    continue
                results.append(measure(label, kind, case, args.reps if kind == "gsea_degsea" else 1))
    write_results(results, quick=args.quick, minutes=(time.time() - started) / 60)


def write_results(results: list[dict], *, quick: bool, minutes: float) -> None:
    frame = pd.DataFrame(results)
    lines = ["# Benchmark results", "", f"Written by `python bench/run.py{' --quick' if quick else ''}` "
             f"({time.strftime('%Y-%m-%d %H:%M')}, {minutes:.0f} min).", "", f"Machine: {machine()}", "",
             "Wall time of the whole process (imports, reading data, fit, all contrasts / all sets), median of `reps` "
             "runs; peak = the process's maximum resident memory. Ratios: vs R DESeq2 (DE) and vs stock gseapy (GSEA) "
             "of the same case in this run.", ""]
    for stage, base_kind in (("DE", "r_deseq2"), ("GSEA", "gsea_gseapy")):
        part = frame[frame["kind"].str.startswith("gsea") == (stage == "GSEA")] if not frame.empty else frame
        if part.empty:
            continue
        lines += [f"## {stage}", "", "| case | what | reps | median s | ratio | peak GiB |", "|---|---|---:|---:|---:|---:|"]
        for case, rows in part.groupby("case", sort=False):
            base = rows[rows["kind"] == base_kind]["median_s"]
            base = float(base.iloc[0]) if len(base) else float("nan")
            for _, row in rows.iterrows():
                ratio = row["median_s"] / base if base == base else float("nan")
                flag = " (failed)" if row["failed"] else ""
                lines.append(f"| {case} | {row['label']}{flag} | {row['reps']} | {row['median_s']:.1f} | {ratio:.3f} | {row['peak_gib']:.2f} |")
            extra = gsea_agreement(case) if stage == "GSEA" else de_agreement(case)
            if extra != "n/a":
                lines.append(f"| {case} | agreement with the stock tool | | | | {extra} |")
        lines.append("")
    lines += ["R DESeq2 runs `../shared/reference/scripts/deseq2_ref.R` (fit + the first contrast, no shrinkage); "
              "degsea's DE stage fits once and tests every contrast with apeGLM shrinkage (the pipeline's default); "
              "PyDESeq2 rows fit and test every contrast without shrinkage. Stock PyDESeq2 on 1,000 samples is not run "
              "(hours). Cases marked with 1 rep were run once (slow).", ""]
    (ROOT / "bench" / "RESULTS.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
