"""Every sample- or gene-scaled figure function at cohort size: CPU time and peak memory, one process each.

    python bench/figures_scale.py                        # n = 2,000 samples, g = 30,000 genes, every figure
    python bench/figures_scale.py --samples 20 --only pca_pc1_pc2 --keep /tmp/figs     # keep the PNGs
    python bench/figures_scale.py --job     # the whole sample_qc step on full-size files (written once)

Each figure runs in its own child process (``measure.run_child``, 1 core): the child builds seeded
synthetic inputs of the figure's real shapes (e.g. Cook's distances samples x genes), then draws the
figure and writes it as a 300-dpi PNG, as the figure rules do. The table shows the drawing's CPU
seconds (figure function + PNG), the child's whole CPU seconds and its peak RSS (inputs included),
and the number of artists in the figure. Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workflow" / "scripts"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

FIGURES = (
    "library_sizes",
    "size_factors",
    "pca_pc1_pc2",
    "pca_pc1_pc2_labels",
    "sample_distances",
    "dispersions",
    "cooks_distances",
    "volcano",
    "ma",
    "de_heatmap",
    "leading_edge_heatmap",
    "collection_scores",
    "sample_scores",
    "running_enrichment",
    "lrt_profiles",
)


def _inputs(n: int, g: int):
    """The sample sheet and its groups: four groups (condition) and two batches (shape)."""
    import numpy as np
    import pandas as pd

    from degsea.plots.style import make_groups

    rng = np.random.default_rng(7)
    samples = [f"S{i:04d}" for i in range(n)]
    sheet = pd.DataFrame(
        {
            "condition": rng.choice(["control", "low", "mid", "high"], size=n),
            "batch": rng.choice(["b1", "b2"], size=n),
        },
        index=pd.Index(samples, name="sample"),
    )
    groups = make_groups(sheet, color_by="condition", shape_by="batch")
    levels = groups.levels
    order = list(sheet.assign(_k=sheet["condition"].map(levels.index)).sort_values("_k", kind="stable").index)
    return rng, sheet, groups, order


def _de_table(rng, g: int):
    import numpy as np
    import pandas as pd

    lfc = rng.normal(0, 1.0, g)
    pvalue = np.clip(rng.uniform(size=g) ** (1 + 4 * np.abs(lfc)), 1e-300, 1)
    padj = np.minimum(1, pvalue * g / (np.argsort(np.argsort(pvalue)) + 1))
    padj[rng.uniform(size=g) < 0.1] = np.nan
    return pd.DataFrame(
        {
            "gene_id": [f"G{i:05d}" for i in range(g)],
            "symbol": [f"Gene{i}" for i in range(g)],
            "baseMean": rng.lognormal(5, 2, g),
            "log2FoldChange": lfc,
            "log2FoldChange_shrunk": 0.8 * lfc,
            "lfcSE": np.full(g, 0.3),
            "stat": lfc / 0.3,
            "pvalue": pvalue,
            "padj": padj,
        }
    )


def draw(name: str, n: int, g: int):
    """Build the inputs of figure ``name`` and return a function that draws it."""
    import numpy as np
    import pandas as pd

    from degsea.de.qc import PCA, CooksOutliers
    from degsea.plots import de as plots_de
    from degsea.plots import gsea as plots_gsea
    from degsea.plots import profiles as plots_profiles
    from degsea.plots import qc as plots_qc
    from degsea.tables import zscore_rows

    rng, sheet, groups, order = _inputs(n, g)
    samples = list(sheet.index)
    if name in ("library_sizes", "size_factors"):
        library = pd.DataFrame(
            {
                "library_size": rng.lognormal(17, 0.3, n).astype(np.int64),
                "detected_genes": rng.integers(int(0.6 * g), g, n),
                "size_factor": rng.lognormal(0, 0.3, n),
            },
            index=pd.Index(samples, name="sample"),
        )
        function = getattr(plots_qc, name)
        return lambda: function(library, sheet, groups, order=order)
    if name.startswith("pca"):
        latent = rng.normal(size=(n, 10)) * np.linspace(10, 1, 10)
        latent[:, 0] += sheet["condition"].map({"control": 0, "low": 5, "mid": 10, "high": 15}).to_numpy()
        scores = pd.DataFrame(latent, index=samples, columns=[f"PC{i + 1}" for i in range(10)])
        share = pd.Series(np.linspace(0.3, 0.01, 10), index=scores.columns)
        components = PCA(scores=scores, variance_ratio=share, n_genes=500)
        labels = name.endswith("labels")
        return lambda: plots_qc.pca_scatter(components, sheet, groups, x="PC1", y="PC2", labels=labels)
    if name == "sample_distances":
        from degsea.de.qc import sample_distances

        latent = rng.normal(size=(n, 30))
        latent[:, 0] += 3 * sheet["condition"].map({"control": 0, "low": 1, "mid": 2, "high": 3}).to_numpy()
        distances = sample_distances(pd.DataFrame(latent.T, columns=samples))
        return lambda: plots_qc.sample_distance_heatmap(distances, sheet, groups)
    if name == "dispersions":
        mean = rng.lognormal(4, 2, g)
        trend = 0.05 + 2 / mean
        genewise = trend * rng.lognormal(0, 0.8, g)
        table = pd.DataFrame(
            {
                "mean": mean,
                "genewise": genewise,
                "trend": trend,
                "final": np.sqrt(genewise * trend),
                "outlier": rng.uniform(size=g) < 0.005,
            }
        )
        return lambda: plots_qc.dispersion_plot(table)
    if name == "cooks_distances":
        genes = [f"G{i:05d}" for i in range(g)]
        distances = pd.DataFrame(rng.gamma(0.5, 0.02, size=(n, g)), index=samples, columns=genes)
        cutoff = 1.1
        per_sample = pd.DataFrame(
            {"outlier_genes": (distances.to_numpy() > cutoff).sum(axis=1)}, index=pd.Index(samples, name="sample")
        )
        outliers = CooksOutliers(cutoff=cutoff, per_sample=per_sample, genes=genes[:50], distances=distances)
        return lambda: plots_qc.cooks_distances(outliers, sheet, groups, order=order)
    if name in ("volcano", "ma"):
        table = _de_table(rng, g)
        if name == "volcano":
            return lambda: plots_de.volcano(table, contrast="high_vs_control", padj=0.1)
        return lambda: plots_de.ma_plot(table, contrast="high_vs_control", padj=0.1)
    if name in ("de_heatmap", "leading_edge_heatmap", "collection_scores"):
        rows = {"de_heatmap": 50, "leading_edge_heatmap": 50, "collection_scores": 40}[name]
        values = pd.DataFrame(rng.normal(size=(rows, n)), index=[f"G{i}" for i in range(rows)], columns=samples)
        if name == "leading_edge_heatmap":
            inside = [s for s in order if sheet.loc[s, "condition"] in ("control", "high")]
            outside = [s for s in order if s not in set(inside)]
            z = zscore_rows(values.loc[:, inside + outside], within=inside)
            return lambda: plots_de.expression_heatmap(
                z,
                sheet,
                groups,
                samples=inside + outside,
                title="SET: leading edge",
                gap_after=len(inside),
                gap_label="other groups",
            )
        z = zscore_rows(values.loc[:, order])
        return lambda: plots_de.expression_heatmap(z, sheet, groups, samples=order, title=name)
    if name == "sample_scores":
        long = pd.DataFrame(
            [(s, f"SET_{k}", rng.normal()) for k in range(6) for s in samples], columns=["sample", "set", "score"]
        )
        return lambda: plots_gsea.score_boxplots(long, sheet, groups, method_label="ssGSEA score")
    if name == "running_enrichment":
        from degsea.gsea.running_sum import running_sum

        ranks = pd.Series(np.sort(rng.normal(size=g))[::-1], index=[f"G{i:05d}" for i in range(g)])
        members = list(rng.choice(ranks.index[: g // 3], 150, replace=False)) + list(rng.choice(ranks.index, 50))
        run = running_sum(ranks, members)
        return lambda: plots_gsea.running_enrichment(run, set_name="SET", contrast="c", nes=2.0, fdr=0.01)
    if name == "lrt_profiles":
        columns = [f"Day{d}" for d in (0, 2, 4, 8, 16, 32)]
        table = pd.DataFrame(rng.normal(size=(2000, 6)), columns=columns)
        table.insert(0, "cluster", rng.integers(1, 7, 2000))
        return lambda: plots_profiles.profile_figure(table, columns, title="LRT profiles")
    raise SystemExit(f"unknown figure {name}")


QC_STEMS = (
    "library_sizes",
    "size_factors",
    "pca_pc1_pc2",
    "pca_pc1_pc3",
    "scree",
    "sample_distances",
    "dispersions",
    "cooks_distances",
)


def job_files(folder: Path, n: int, g: int) -> dict[str, str]:
    """Seeded inputs of the ``sample_qc`` job at full size: counts.h5ad, vst.tsv and a fitted dataset
    with every layer PyDESeq2 writes (counts, mu, Cook's, normalised counts, hat diagonals)."""
    import anndata as ad
    import numpy as np
    import pandas as pd

    paths = {name: str(folder / name) for name in ("counts.h5ad", "vst.tsv", "deseq2_fit.h5ad")}
    if all(Path(p).exists() for p in paths.values()):
        return paths
    folder.mkdir(parents=True, exist_ok=True)
    rng, sheet, _, _ = _inputs(n, g)
    genes = pd.Index([f"G{i:05d}" for i in range(g)], name="gene_id")
    means = rng.lognormal(4, 2, g)
    counts = rng.poisson(means[None, :] * rng.lognormal(0, 0.2, (n, 1))).astype(np.int64)
    obs = sheet.copy()
    ad.AnnData(X=counts, obs=obs, var=pd.DataFrame({"symbol": [f"Gene{i}" for i in range(g)]}, index=genes)).write_h5ad(
        paths["counts.h5ad"]
    )
    vst = np.log2(counts.T + 4.0).astype(np.float32)
    frame = pd.DataFrame(vst, index=genes, columns=sheet.index)
    frame.insert(0, "symbol", [f"Gene{i}" for i in range(g)])
    frame.to_csv(paths["vst.tsv"], sep="\t", float_format="%.4f")
    del vst, frame
    trend = 0.05 + 2 / (means + 0.1)
    var = pd.DataFrame(
        {
            "_normed_means": means,
            "genewise_dispersions": trend * rng.lognormal(0, 0.8, g),
            "fitted_dispersions": trend,
            "dispersions": trend * rng.lognormal(0, 0.3, g),
            "_outlier_genes": rng.uniform(size=g) < 0.005,
        },
        index=genes,
    )
    fitted = ad.AnnData(X=counts, obs=obs.assign(size_factors=rng.lognormal(0, 0.2, n)), var=var)
    fitted.obsm["design_matrix"] = pd.get_dummies(sheet["condition"], drop_first=False, dtype=float).to_numpy()
    for name in ("_hat_diagonals", "_mu_LFC"):
        fitted.obsm[name] = rng.uniform(size=(n, g))
    for name in ("_mu_hat", "normed_counts"):
        fitted.layers[name] = counts.astype(float)
    fitted.layers["cooks"] = rng.gamma(0.5, 0.02, size=(n, g))
    fitted.write_h5ad(paths["deseq2_fit.h5ad"])
    return paths


def job_child(n: int, g: int, folder: Path, out: Path, keep: Path | None) -> None:
    """Run the ``sample_qc`` step on :func:`job_files` and write its CPU seconds (JSON) to ``out``."""
    from degsea.steps.figures_qc import sample_qc

    paths = job_files(folder, n, g)
    figures_dir = (keep or Path(tempfile.mkdtemp())) / f"sample_qc_n{n}"
    figures_dir.mkdir(parents=True, exist_ok=True)
    before = resource.getrusage(resource.RUSAGE_SELF)
    sample_qc(
        counts_h5ad=paths["counts.h5ad"],
        vst_table=paths["vst.tsv"],
        fitted_h5ad=paths["deseq2_fit.h5ad"],
        samples_out=str(figures_dir / "samples.tsv"),
        variance_out=str(figures_dir / "pca_variance.tsv"),
        figures=[str(figures_dir / f"{stem}{suffix}") for stem in QC_STEMS for suffix in (".png", ".report.png")],
        groups={"color_by": "condition", "shape_by": "batch"},
    )
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    out.write_text(json.dumps({"figure": "sample_qc job", "draw_cpu": cpu}))


def child(name: str, n: int, g: int, out: Path, keep: Path | None) -> None:
    """Draw one figure and write its measurements (JSON) to ``out``."""
    make = draw(name, n, g)
    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    figure = make()
    png = (keep or Path(tempfile.mkdtemp())) / f"{name}_n{n}.png"
    png.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(png, dpi=300)
    after = resource.getrusage(resource.RUSAGE_SELF)
    artists = sum(len(ax.get_children()) for ax in figure.axes)
    ticks = max((len(ax.get_xticklabels()) for ax in figure.axes), default=0)
    result = {
        "figure": name,
        "draw_cpu": after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime,
        "draw_wall": time.perf_counter() - start,
        "inputs_rss": before.ru_maxrss / 1024**2,
        "artists": artists,
        "max_xticks": ticks,
        "png_kb": png.stat().st_size / 1024,
    }
    out.write_text(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--genes", type=int, default=30000)
    parser.add_argument("--only", nargs="*", default=list(FIGURES))
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--keep", type=Path, help="keep the PNGs in this folder")
    parser.add_argument("--job", action="store_true", help="measure the whole sample_qc step instead")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "degsea_figures_scale")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one == "sample_qc_job":
        job_child(args.samples, args.genes, args.workdir, args.out, args.keep)
        return
    if args.one:
        child(args.one, args.samples, args.genes, args.out, args.keep)
        return
    if args.job:
        # the inputs are written once by an unmeasured child, then the step runs in a measured one
        subprocess.run(
            [
                sys.executable,
                "-c",
                f"import sys; sys.path[:0] = {sys.path[:2]!r}; "
                f"import figures_scale as f; f.job_files(f.Path({str(args.workdir)!r}), {args.samples}, {args.genes})",
            ],
            check=True,
        )
        from measure import run_child

        out = args.workdir / "job.json"
        cmd = [sys.executable, __file__, "--one", "sample_qc_job", "--samples", str(args.samples)]
        cmd += ["--genes", str(args.genes), "--workdir", str(args.workdir), "--out", str(out)]
        cmd += ["--keep", str(args.keep)] if args.keep else []
        run = run_child(cmd, cores=1, timeout=args.timeout, output=args.workdir / "job.log")
        done = out.exists() and run["code"] == 0
        step = f"{json.loads(out.read_text())['draw_cpu']:.1f}" if done else "failed"
        print(f"sample_qc step: step CPU s {step}, process CPU s {run['cpu']:.1f}, peak RSS {run['rss']:.2f} GiB")
        return
    from measure import run_child

    print(f"n = {args.samples:,} samples, g = {args.genes:,} genes, 1 core, one process per figure\n")
    print("| figure | drawing CPU s | process CPU s | peak RSS GiB | inputs RSS GiB | artists | x tick labels |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.only:
            out = Path(tmp) / f"{name}.json"
            cmd = [sys.executable, __file__, "--one", name, "--samples", str(args.samples), "--genes", str(args.genes)]
            cmd += ["--out", str(out)] + (["--keep", str(args.keep)] if args.keep else [])
            run = run_child(cmd, cores=1, timeout=args.timeout, output=Path(tmp) / f"{name}.log")
            if run["timed_out"] or run["code"] != 0 or not out.exists():
                state = f"timed out after {args.timeout:g} s" if run["timed_out"] else f"failed ({run['code']})"
                print(f"| {name} | {state} | {run['cpu']:.1f} | {run['rss']:.2f} | | | |", flush=True)
                continue
            r = json.loads(out.read_text())
            print(
                f"| {name} | {r['draw_cpu']:.1f} | {run['cpu']:.1f} | {run['rss']:.2f} | {r['inputs_rss']:.2f} "
                f"| {r['artists']:,} | {r['max_xticks']:,} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
