"""Write docs/validation.md: degsea's agreement with R's DESeq2, apeglm and fgsea, per scenario.

Run from the repository root (needs ../shared; takes about 15-30 minutes on 2 cores, most of
it in the stock-PyDESeq2 runs and in GSEA on Reactome)::

    python tests/parity/make_validation_table.py [--skip-gsea] [--skip-stock] [--skip-ablation]
    python tests/parity/make_validation_table.py --gsea-only   # rewrite only the GSEA section

Every figure in the document is computed here; nothing is typed by hand. The tables:

1. DE agreement per scenario and contrast, default engine (``deseq2_exact``) and, for
   comparison, stock PyDESeq2 (``engine: pydeseq2``);
2. shrunken log2 fold changes vs apeglm;
3. GSEA (degsea's engine) vs fgsea;
4. each corrected deviation: the figure it moves, measured by reverting that one step of
   the ``deseq2_exact`` engine to PyDESeq2's own implementation.
"""

from __future__ import annotations

import argparse
import datetime
import logging
import sys
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1] / "workflow" / "scripts"))

import numpy as np  # noqa: E402
import pydeseq2  # noqa: E402
from pydeseq2.dds import DeseqDataSet  # noqa: E402
from pydeseq2.ds import DeseqStats  # noqa: E402

from degsea.de import exact  # noqa: E402
from degsea.de import fit as de  # noqa: E402

import parity  # noqa: E402

log = logging.getLogger("make_validation_table")

#: Deviations corrected by the deseq2_exact engine: key -> (description, dataset methods and
#: stats methods reverted to PyDESeq2's to measure the effect, scenarios to measure it on).
DEVIATIONS = {
    "trend": (
        "Dispersion trend fitted only on genes with gene-wise dispersion > 100 x minDisp, outliers "
        "re-selected at every iteration, Gamma GLM started at (0.1, 1) (DESeq2 `parametricDispersionFit`); "
        "PyDESeq2 fits all genes and only ever drops genes.",
        ["fit_dispersion_trend"],
        [],
        ["pasilla_type_condition", "gse96870", "sim_factor3_batch"],
    ),
    "prior_variance": (
        "Dispersion prior variance with <= 3 residual degrees of freedom estimated by simulation, from "
        "R's own random numbers (DESeq2 `estimateDispersionsPriorVar`); PyDESeq2 falls back to the 0.25 floor.",
        ["fit_dispersion_prior"],
        [],
        ["sim_factor3_small"],
    ),
    "dispersion_optimiser": (
        "Gene-wise and MAP dispersions by DESeq2's line search (`fitDisp`) with its grid fallback, means "
        "clipped at minmu for non-group designs, moments estimate kept when the likelihood does not rise, "
        "MAP started at the gene-wise estimate; PyDESeq2 uses L-BFGS-B from the trend.",
        ["fit_genewise_dispersions", "fit_MAP_dispersions"],
        [],
        ["pasilla_type_condition", "sim_factor3_batch"],
    ),
    "wald_se": (
        "Wald standard errors from means clipped at minmu (DESeq2 `fitBeta`); genes whose compared groups "
        "are all zero get LFC 0, p = 1 (DESeq2 `cleanContrast`).",
        [],
        ["run_wald_test", "summary"],
        ["pasilla_condition", "sim_factor3_batch"],
    ),
    "independent_filtering": (
        "Independent filtering threshold from R's `lowess` (PyDESeq2's lowess differs).",
        [],
        ["_independent_filtering"],
        ["pasilla_type_condition"],
    ),
    "apeglm": (
        "apeglm shrinkage: apeglm's prior-scale estimate and apeglm's search path replayed for every "
        "gene (LBFGS++ L-BFGS with its strong-Wolfe line search from two starts, R's BFGS where they "
        "differ); PyDESeq2's L-BFGS-B leaves genes at a non-apeglm mode.",
        [],
        ["lfc_shrink"],
        ["pasilla_condition", "gse96870"],
    ),
}


def _ablated_engine(key: str) -> str:
    """Register an engine equal to deseq2_exact with one deviation reverted; return its name."""
    _, dds_methods, stats_methods, _ = DEVIATIONS[key]
    dds_cls = type(
        f"Without_{key}_DataSet", (exact.DESeq2ExactDataSet,), {m: getattr(DeseqDataSet, m) for m in dds_methods}
    )
    stats_cls = type(
        f"Without_{key}_Stats", (exact.DESeq2ExactStats,), {m: getattr(DeseqStats, m) for m in stats_methods}
    )
    name = f"without_{key}"
    exact.ENGINES[name] = (dds_cls, stats_cls)
    return name


def _scenario_figures(scenario: parity.Scenario, engine: str, *, shrink: bool) -> tuple[list[dict], float]:
    settings = de.DESettings(engine=engine, shrink=shrink and scenario.apeglm)
    run = parity.run_scenario(scenario, settings=settings)
    rows = []
    for contrast in scenario.contrasts:
        table = run.tables[contrast.name]
        figures = parity.de_figures(table, parity.read_reference(scenario.reference_file(contrast.name)))
        if settings.shrink:
            figures.update(
                parity.shrink_figures(table, parity.read_reference(scenario.reference_file(contrast.name, "apeglm")))
            )
        figures.update(
            scenario=scenario.name,
            contrast=contrast.name,
            engine=engine,
            origin=scenario.origin,
            prior_disp_var=float(run.fit.dds.uns["prior_disp_var"]),
        )
        rows.append(figures)
    return rows, run.seconds


def _fmt(value, digits: int = 6) -> str:
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "-"
    if isinstance(value, float):
        if abs(value) >= 1000 or value == 0:
            return f"{value:.0f}" if value == int(value) else f"{value:.3g}"
        return f"{value:.{digits}g}" if abs(value) < 0.01 or abs(value) >= 1 else f"{value:.{digits}f}"
    return str(value)


def _count(share: float, n: int) -> str:
    """'k of n' for a share of n sets."""
    return "-" if not n else f"{round(share * n)} of {n}"


def _mark(ok: bool) -> str:
    return "" if ok else " ✗"


def de_table(rows: list[dict]) -> list[str]:
    t = parity.THRESHOLDS
    out = [
        "| scenario | contrast | engine | genes | p NA mismatch | padj NA mismatch (%) | log2FC r (baseMean>=10) | "
        "max abs log2FC diff | -log10 p r | padj<0.1 Jaccard | called (ours / DESeq2) |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        out.append(
            f"| {r['scenario']} | {r['contrast']} | {r['engine']} | {r['n_genes']} "
            f"| {r['pvalue_na_mismatch']}{_mark(r['pvalue_na_mismatch'] == 0)} "
            f"| {100 * r['padj_na_mismatch_share']:.2f}"
            f"{_mark(r['padj_na_mismatch_share'] <= t['padj_na_mismatch_share'])} "
            f"| {r['lfc_pearson']:.7f}{_mark(r['lfc_pearson'] >= t['lfc_pearson'])} "
            f"| {r['lfc_max_abs_diff']:.2g}{_mark(r['lfc_max_abs_diff'] <= t['lfc_max_abs_diff'])} "
            f"| {r['mlog10p_pearson']:.7f}{_mark(r['mlog10p_pearson'] >= t['mlog10p_pearson'])} "
            f"| {r['padj_jaccard']:.4f}{_mark(r['padj_jaccard'] >= t['padj_jaccard'])} "
            f"| {r['n_called_ours']} / {r['n_called_deseq2']} |"
        )
    return out


def shrink_table(rows: list[dict]) -> list[str]:
    out = [
        "| scenario | contrast | engine | NA mismatch | shrunken log2FC r | posterior SD r "
        "| genes with abs diff > 0.1 |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        if "shrunk_pearson" not in r:
            continue
        ok = r["shrunk_pearson"] >= parity.THRESHOLDS["shrunk_pearson"]
        out.append(
            f"| {r['scenario']} | {r['contrast']} | {r['engine']} | {r['shrunk_na_mismatch']} "
            f"| {r['shrunk_pearson']:.6f}{_mark(ok)} | {r['shrunk_se_pearson']:.6f} | {r['shrunk_n_diff_gt_0.1']} |"
        )
    return out


def gsea_section() -> tuple[list[str], list[dict]]:
    rows = []
    for contrast in parity.FGSEA_CONTRASTS:
        for collection in parity.FGSEA_COLLECTIONS:
            start = time.perf_counter()
            ours = parity.run_gsea(contrast, collection)
            figures = parity.gsea_figures(ours, parity.read_fgsea(contrast, collection))
            figures.update(contrast=contrast, collection=collection, seconds=time.perf_counter() - start)
            rows.append(figures)
            log.info("GSEA %s %s: %s", contrast, collection, figures)
    t = parity.THRESHOLDS
    out = [
        "| contrast | collection | sets | NES r (vs fgsea mean of 3 seeds) "
        "| fgsea padj<0.01 in all seeds: our FDR<0.05 | "
        "fgsea padj>0.2 in all seeds: our FDR>0.05 | same with GSEA's q-value (fdr_gsea) | log10 p r (all sets) "
        "| log10 p r (fgsea p<1e-3) | fgsea padj<1e-6: our padj>=1e-5 | fgsea padj>0.5: our FDR<0.05 "
        "| seconds (2 threads) |",
        "|---|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        out.append(
            f"| {r['contrast']} | {r['collection']} | {r['n_sets']} "
            f"| {r['nes_pearson']:.5f}{_mark(r['nes_pearson'] >= t['nes_pearson'])} "
            f"| {_count(r['sig_recall'], r['n_sig'])}"
            f"{_mark(not r['n_sig'] or r['sig_recall'] >= t['gsea_sig_recall'])} "
            f"| {_count(r['null_specificity'], r['n_null'])}"
            f"{_mark(not r['n_null'] or r['null_specificity'] >= t['gsea_null_specificity'])} "
            f"| {_count(r['sig_recall_gsea_q'], r['n_sig'])}; {_count(r['null_specificity_gsea_q'], r['n_null'])} "
            f"| {r['log10p_pearson']:.3f}{_mark(r['log10p_pearson'] >= t['gsea_log10p_pearson'])} "
            f"| {r['log10p_pearson_tail']:.3f} ({r['n_tail']}) "
            f"| {r['strong_missed']} of {r['n_strong']}{_mark(r['strong_missed'] == 0)} "
            f"| {r['clear_null_called']} of {r['n_clear_null']}{_mark(r['clear_null_called'] == 0)} "
            f"| {r['seconds']:.0f} |"
        )
    ours = [v for r in rows for v in r["tail"][0]]
    theirs = [v for r in rows for v in r["tail"][1]]
    pooled = float(np.corrcoef(ours, theirs)[0, 1])
    out += [
        "",
        f"log10 p r over every set with fgsea p < 1e-3, all cases pooled: {pooled:.4f} ({len(ours)} sets)"
        f"{_mark(pooled >= t['gsea_log10p_pearson'])}.",
    ]
    return out, rows


def ablation_section(scenarios: dict[str, parity.Scenario], exact_rows: list[dict]) -> list[str]:
    out = [
        "Each row reverts one step of the `deseq2_exact` engine to PyDESeq2's own implementation and "
        "measures the scenario again; 'corrected' is the default engine.",
        "",
        "| deviation | scenario | contrast | padj<0.1 Jaccard (reverted -> corrected) | padj NA mismatch % | "
        "-log10 p r | shrunken log2FC r | prior variance (DESeq2) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    exact = {(r["scenario"], r["contrast"]): r for r in exact_rows}
    for key, (_description, _, _, names) in DEVIATIONS.items():
        engine = _ablated_engine(key)
        for name in names:
            scenario = scenarios.get(name)
            if scenario is None:
                continue
            rows, _ = _scenario_figures(scenario, engine, shrink=key == "apeglm")
            for r in rows:
                e = exact[(r["scenario"], r["contrast"])]
                meta = (
                    parity.read_meta(
                        scenario.reference_dir / f"{scenario.stems[scenario.contrasts[0].name]}.dispersions.tsv.meta"
                    )
                    if scenario.origin == "real"
                    else parity.read_meta(scenario.reference_dir / "meta.tsv")
                )
                shrunk = (
                    f"{r['shrunk_pearson']:.6f} -> {e['shrunk_pearson']:.6f}"
                    if "shrunk_pearson" in r and "shrunk_pearson" in e
                    else "-"
                )
                out.append(
                    f"| {key} | {r['scenario']} | {r['contrast']} | {r['padj_jaccard']:.4f} -> {e['padj_jaccard']:.4f} "
                    f"| {100 * r['padj_na_mismatch_share']:.2f} -> {100 * e['padj_na_mismatch_share']:.2f} "
                    f"| {r['mlog10p_pearson']:.6f} -> {e['mlog10p_pearson']:.6f} | {shrunk} "
                    f"| {r['prior_disp_var']:.4f} -> {e['prior_disp_var']:.4f} ({float(meta['dispPriorVar']):.4f}) |"
                )
    out += ["", "The deviations:", ""]
    out += [f"- **{key}**: {description}" for key, (description, *_rest) in DEVIATIONS.items()]
    return out


GSEA_HEADER = "## GSEA vs fgsea (GSE96870 ranks, 1000 permutations, seed 1)"


def gsea_block() -> list[str]:
    """The GSEA section: header, table and its note."""
    gsea_lines, _ = gsea_section()
    return (
        [GSEA_HEADER, ""]
        + gsea_lines
        + [
            "",
            "'our FDR' is the default: Benjamini-Hochberg over the engine's p-values (`padj`; fgsea's: "
            "permutation p-values, and multilevel splitting down to eps = 1e-50 for sets in the tail, see "
            "`degsea/gsea/multilevel.py`). 'same with GSEA's q-value' gives the same two shares for GSEA's NES-based "
            "q-value (`fdr_gsea`, config `gsea: fdr: gsea_nes`), the previous default. 'log10 p r' (threshold 0.99): "
            "Pearson "
            "correlation of log10 p-values with fgsea's (mean over its seeds), over all sets and over those with "
            "fgsea p < 1e-3 (per case; the threshold applies to them pooled, below the table: some cases have only "
            "3 such sets). 'fgsea padj<1e-6' / 'fgsea padj>0.5': sets with that padj in all three fgsea seeds, "
            "counted when our padj >= 1e-5 / our FDR < 0.05 (both must be 0). 'seconds': wall time of the run as "
            "measured, on a machine shared with other jobs (bench/ has the controlled timings).",
        ]
    )


def replace_gsea_section(path: Path) -> None:
    """Put a freshly computed GSEA section into ``path`` in place of its old one (``--gsea-only``)."""
    lines = path.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("## GSEA vs fgsea"))
    stop = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    # the GSEA entry of the known gaps, if an older version of this script wrote one
    kept = [line for line in lines[stop:] if not line.startswith("- **GSEA significance on large collections**")]
    path.write_text("\n".join(lines[:start] + gsea_block() + [""] + kept) + "\n")
    log.info("wrote the GSEA section of %s", path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", default=str(HERE.parents[1] / "docs" / "validation.md"))
    parser.add_argument("--skip-gsea", action="store_true")
    parser.add_argument("--skip-stock", action="store_true", help="do not run the stock PyDESeq2 engine")
    parser.add_argument("--skip-ablation", action="store_true")
    parser.add_argument(
        "--gsea-only",
        action="store_true",
        help="recompute the GSEA section only and put it into the existing output file (the rest is kept)",
    )
    parser.add_argument(
        "--skip-workflow-designs", action="store_true", help="leave out the snakemake LRT/interaction section"
    )
    parser.add_argument(
        "--workflow-designs-only",
        action="store_true",
        help="run the LRT / interaction / list-contrast scenarios through snakemake and replace their section only",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    warnings.filterwarnings("ignore")
    if not parity.SHARED_REFERENCE.is_dir():
        raise SystemExit(f"{parity.SHARED_REFERENCE} is absent")
    if args.gsea_only:
        replace_gsea_section(Path(args.output))
        return
    if args.workflow_designs_only:
        import tempfile

        import workflow_runs

        with tempfile.TemporaryDirectory() as tmp:
            workflow_runs.replace_section(Path(args.output), workflow_runs.section_lines(Path(tmp)))
        return

    scenarios = {s.name: s for s in parity.real_scenarios() + parity.simulated_scenarios()}
    exact_rows, stock_rows, timings = [], [], []
    for scenario in scenarios.values():
        rows, seconds = _scenario_figures(scenario, "deseq2_exact", shrink=True)
        exact_rows += rows
        timings.append((scenario.name, "deseq2_exact", seconds))
        log.info("%s deseq2_exact: %.1f s", scenario.name, seconds)
        if not args.skip_stock:
            rows, seconds = _scenario_figures(scenario, "pydeseq2", shrink=True)
            stock_rows += rows
            timings.append((scenario.name, "pydeseq2", seconds))
            log.info("%s pydeseq2: %.1f s", scenario.name, seconds)

    lines = [
        "# Validation: agreement with R's DESeq2, apeglm and fgsea",
        "",
        f"Generated by `python tests/parity/make_validation_table.py` on {datetime.date.today().isoformat()} "
        f"(PyDESeq2 {pydeseq2.__version__}); do not edit by hand. The same comparisons run as tests in "
        "`tests/parity/` (which fail when a threshold is missed).",
        "",
        "References: DESeq2 1.38.3, apeglm 1.27.0 and fgsea 1.31.6 on R 4.2.2 for the real data "
        "(`../shared/reference`, scripts in `../shared/reference/scripts`); DESeq2 1.38.3 (Debian package "
        "r-bioc-deseq2) for the simulated scenarios (`tests/parity/reference/<scenario>/`, made by "
        "`simulate.py` and `make_reference.R` there, with their `sessionInfo.txt`).",
        "",
        "Acceptance thresholds: log2FC Pearson >= 0.9999 and max |diff| <= 0.05 (baseMean >= 10); -log10 p "
        "Pearson >= 0.999; padj < 0.1 Jaccard >= 0.98; identical p-value NA pattern; padj NA pattern differing "
        "in <= 0.5 % of genes; shrunken log2FC vs apeglm Pearson >= 0.998; GSEA NES Pearson >= 0.999, >= 95 % "
        "of clearly enriched sets called, >= 95 % of clearly null sets not called, GSEA log10 p Pearson >= 0.99. "
        "✗ marks a figure that misses its threshold.",
        "",
        "## Scenarios",
        "",
        "| scenario | data | design | samples | contrasts |",
        "|---|---|---|---:|---|",
    ]
    for s in scenarios.values():
        n = len(parity.read_sample_sheet(s.samples, continuous=s.continuous))
        data = s.counts.name if s.origin == "real" else f"simulated (`tests/parity/reference/{s.name}`)"
        cont = f" (continuous: {', '.join(s.continuous)})" if s.continuous else ""
        lines.append(f"| {s.name} | {data} | `{s.design}`{cont} | {n} | {', '.join(c.name for c in s.contrasts)} |")
    lines += ["", "## Differential expression vs DESeq2", ""] + de_table(exact_rows + stock_rows)
    lines += ["", "## Shrunken log2 fold changes vs apeglm (`lfcShrink(type='apeglm')`)", ""] + shrink_table(
        exact_rows + stock_rows
    )
    lines += [
        "",
        "Where the apeglm posterior has two modes (one near 0, one near the MLE; common when the adaptive "
        "prior scale is small, e.g. 0.037 for GSE96870 Day4_vs_Day0) or a long flat stretch, apeglm reports "
        "where its search stops, so degsea replays apeglm's whole path for every gene: the C++ L-BFGS "
        "(RcppNumerical's `optim_lbfgs`) on the scaled objective f / max(f(0), 1) + 10 from (0.1, -0.1, ...) "
        "and from (-0.1, 0.1, ...), the first end point when both agree within 0.01 and the Hessian there "
        "gives positive variances, else R's `optim` BFGS from it (apeglm `method='nbinomCR'`). Day4_vs_Day0 used to "
        "reach only r = 0.989 (21 genes off by "
        "more than 0.1): RcppNumerical >= 0.5 bundles LBFGS++ >= 0.2, whose default line search is Nocedal "
        "& Wright's strong-Wolfe bracketing and zoom, while degsea replayed LBFGS++'s backtracking search; "
        "from the same start the two take different steps and, on bimodal posteriors, end in different "
        "modes. The genes still off (if any) stop on flat stretches, where the end point depends "
        "on floating-point detail of the path.",
    ]
    if not args.skip_gsea:
        lines += [""] + gsea_block()
    lines += [
        "",
        "## Known gaps (strict xfail in the tests)",
        "",
        "None: every scenario meets every threshold. The last two closed were both in how R searches:",
        "",
        "- **<= 3 residual degrees of freedom** (sim_factor3_small): DESeq2 simulates the dispersion prior "
        "variance from R's random numbers after `set.seed(2)`; degsea draws the same numbers "
        "(`degsea.de.exact.r_random`) and smooths the KL curve with R's interpolating loess, so its prior variance is "
        "DESeq2's grid point exactly (a numpy Generator gave 0.585 vs 0.545, Jaccard 0.973).",
        "- **Coefficients by L-BFGS-B** (sim_factor3_small B_vs_A, G00200, dispersion at the upper bound 10): "
        "where IRLS does not converge DESeq2 calls R's `optim(method='L-BFGS-B')` without a gradient; degsea "
        "now uses the same settings (central differences with ndeps 1e-3, lmm 5, factr 1e7, pgtol 0, "
        "maxit 100), which moved the gene from 0.24 to within the 0.05 threshold.",
    ]
    if not args.skip_ablation:
        lines += ["", "## Corrected deviations and the figures they move", ""] + ablation_section(scenarios, exact_rows)
    lines += [
        "",
        "## Run times (this machine, 2 threads)",
        "",
        "| scenario | engine | seconds (fit + all contrasts) |",
        "|---|---|---:|",
    ]
    lines += [f"| {name} | {engine} | {seconds:.1f} |" for name, engine, seconds in timings]
    if not args.skip_workflow_designs:
        import tempfile

        import workflow_runs

        with tempfile.TemporaryDirectory() as tmp:
            lines += ["", *workflow_runs.section_lines(Path(tmp))]
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text("\n".join(lines) + "\n")
    log.info("wrote %s", args.output)


if __name__ == "__main__":
    main()
