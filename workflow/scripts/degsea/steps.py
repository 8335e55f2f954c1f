"""One function per workflow rule: read the inputs, call the library, write the outputs.

These are the only library functions that touch files; the rule scripts in
``workflow/scripts`` unpack Snakemake's objects and call them. Heavy modules (PyDESeq2,
gseapy) are imported inside the step that needs them, so each stage's environment holds
only its own dependencies.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from degsea.counts import match_samples, to_anndata
from degsea.design import parse_contrasts
from degsea.genesets import read_gmt
from degsea.io import atomic_path, write_table
from degsea.sheet import read_sample_sheet

log = logging.getLogger(__name__)


def simulate_demo(
    *, sheet_path: str, genesets_path: str, counts_out: str, samples_out: str, truth_out: str, seed: int, n_genes: int
) -> None:
    """Rule simulate_demo: write the embedded demo's counts, sample table and planted truth."""
    from degsea.simulate import simulate_demo as simulate

    sheet = read_sample_sheet(sheet_path).reset_index()
    genesets = {name: s.genes for name, s in read_gmt(genesets_path).items()}
    demo = simulate(sheet, genesets, seed=seed, n_genes=n_genes)
    write_table(demo.counts, counts_out, index=True)
    write_table(demo.samples, samples_out)
    write_table(demo.truth, truth_out, index=True)


def import_counts(
    *,
    counts_path: str | None,
    sheet_path: str,
    out: str,
    continuous: Sequence[str] = (),
    extra_columns: str = "error",
    counts: Mapping[str, Any] | None = None,
) -> None:
    """Rule import_counts: read the counts in any supported format, check them against the sheet, write the AnnData.

    ``counts`` is the config's ``counts:`` section (format, per-sample files, gene-ID
    settings); without it ``counts_path`` is read as a plain matrix. What was done (format,
    files, versions stripped, mapping rate, STAR strand checks, HTSeq summary rows) is logged
    and stored in ``uns['degsea_import']``.
    """
    from degsea.formats import read_counts, sample_files, sample_strandedness

    sheet = read_sample_sheet(sheet_path, continuous=continuous)
    settings = dict(counts or {"format": "matrix"})
    if counts_path is not None:
        settings["path"] = counts_path
    files = sample_files(sheet, settings, sheet_file=sheet_path)
    strands = sample_strandedness(sheet, settings.get("strandedness", "none"), sheet_file=sheet_path) if files else None
    imported = read_counts(settings, files=files, strandedness=strands)
    matrix = imported.matrix
    source = settings["path"] if files is None else ", ".join(files.values())
    match_samples(
        list(matrix.counts.columns), list(sheet.index), counts_file=source, sheet_file=sheet_path, extra_columns=extra_columns
    )
    adata = to_anndata(matrix, sheet, counts_file=source)
    adata.uns["degsea_import"] = _plain({"format": imported.format, "files": imported.files, **imported.notes})
    with atomic_path(out) as tmp:
        adata.write_h5ad(tmp)
    log.info("wrote %d samples x %d genes to %s", adata.n_obs, adata.n_vars, out)


def _plain(value: Any) -> Any:
    """A nested dict of str / int / float / lists for AnnData's ``uns`` (None becomes '')."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        items = [_plain(v) for v in value]
        return items if all(isinstance(i, (int, float)) for i in items) else [str(i) for i in items]
    if value is None:
        return ""
    return value


def differential_expression(
    *,
    counts_h5ad: str,
    design: str,
    contrasts: Mapping[str, Mapping[str, str]],
    tables_out: Sequence[str],
    normalized_out: str,
    fitted_out: str,
    continuous: Sequence[str] = (),
    settings: Mapping[str, Any] | None = None,
    threads: int = 1,
) -> None:
    """Rule deseq2: fit the design once, test every contrast, write one table per contrast.

    ``tables_out`` lists the output tables in the order of ``contrasts``.
    """
    import anndata as ad

    from degsea import de

    options = de.DESettings(**(settings or {}))
    parsed = parse_contrasts(contrasts)
    fitted = de.fit(
        ad.read_h5ad(counts_h5ad), formula=design, contrasts=parsed, continuous=continuous, settings=options, threads=threads,
        counts_file=counts_h5ad,
    )
    for contrast, path in zip(parsed, tables_out, strict=True):
        write_table(de.test_contrast(fitted, contrast, settings=options), path)
    write_table(de.normalized_counts(fitted), normalized_out)
    with atomic_path(fitted_out) as tmp:
        de.fitted_anndata(fitted).write_h5ad(tmp)


def download_msigdb(*, entry: Mapping[str, Any], out: str, url_template: str) -> None:
    """Rule msigdb: download one MSigDB collection into resources/, checking its SHA-256."""
    from degsea import msigdb

    (collection,) = msigdb.parse_entries([entry])
    msigdb.download(collection, out, url_template=url_template)


def prepare_genesets(
    *,
    counts_h5ad: str,
    genesets: Sequence[str],
    msigdb_entries: Sequence[Mapping[str, Any]],
    orthologs: Mapping[str, Any],
    out: str,
    coverage_out: str,
    min_size: int = 15,
    max_size: int = 500,
    min_coverage: float = 0.25,
    focus_sets: Sequence[str] = (),
) -> None:
    """Rule prepare_genesets: read GMT and MSigDB collections, translate with orthologs, check coverage.

    Runs right after import_counts, so a collection that does not match the data (Ensembl vs
    symbols, human vs mouse) stops the run before any GSEA. Writes the prepared sets (JSON)
    and one coverage row per collection.
    """
    import json

    import anndata as ad

    from degsea import gsea, msigdb
    from degsea.genesets import collections_to_json, load_collections

    entries = msigdb.parse_entries(list(msigdb_entries))
    for entry in entries:
        msigdb.check_cached(entry, entry.path, record=True)  # records a hand-placed file's checksum
    collections, rates = load_collections(list(genesets), msigdb=entries, orthologs=dict(orthologs))
    names = gsea.merge_collections(collections)
    gsea.check_focus_sets(focus_sets, names, sources=collections)  # MSigDB sets may be new here
    symbols = ad.read_h5ad(counts_h5ad, backed="r").var["symbol"].astype(str)
    coverage = gsea.check_coverage(
        collections, pd.Index(symbols.unique()), min_size=min_size, max_size=max_size, min_coverage=min_coverage, translated=rates
    )
    write_table(coverage, coverage_out)
    with atomic_path(out) as tmp:
        tmp.write_text(json.dumps(collections_to_json(collections, rates)), encoding="utf-8")


def gene_set_enrichment(
    *,
    de_table: str,
    genesets_json: str,
    table_out: str,
    ranks_out: str,
    rank_by: str = "stat",
    permutations: int = 1000,
    min_size: int = 15,
    max_size: int = 500,
    weight: float = 1.0,
    seed: int = 42,
    min_coverage: float = 0.25,
    threads: int = 1,
    engine: str = "degsea",
    fdr: str = "bh",
    max_permutations: int = 50_000,
) -> None:
    """Rule gsea: rank the genes of one contrast and run preranked GSEA on all collections.

    ``genesets_json`` is the file of prepared collections written by :func:`prepare_genesets`.
    """
    import json

    from degsea import gsea
    from degsea.genesets import collections_from_json
    from degsea.ranking import rank_genes

    table = pd.read_csv(de_table, sep="\t", dtype={"gene_id": str, "symbol": str})
    ranks = rank_genes(table, metric=rank_by, source=de_table)
    collections, rates = collections_from_json(json.loads(Path(genesets_json).read_text(encoding="utf-8")))
    gsea.check_coverage(
        collections, ranks.index, min_size=min_size, max_size=max_size, min_coverage=min_coverage, translated=rates
    )
    result = gsea.prerank(
        ranks, collections, permutations=permutations, min_size=min_size, max_size=max_size, weight=weight, seed=seed, threads=threads,
        engine=engine, fdr=fdr, max_permutations=max_permutations,
    )
    write_table(ranks.reset_index(), ranks_out)
    write_table(result, table_out)


def summarise_gsea(*, tables: Mapping[str, str], out: str) -> None:
    """Rule gsea_summary: one row per set, NES and FDR per contrast."""
    from degsea import gsea

    frames = {name: pd.read_csv(path, sep="\t") for name, path in tables.items()}
    write_table(gsea.summarise(frames), out)


# --- figures, scores, provenance and the report (issue 4) -----------------------------------------


def _save_figure(figure: Any, paths: Sequence[str], *, dpi: int = 300) -> None:
    """Write one figure to every path (format from the suffix: png, svg or pdf), atomically."""
    from degsea.style import publication_style

    metadata = {"png": {"Software": None}, "svg": {"Date": None}, "pdf": {"CreationDate": None, "ModDate": None}}
    with publication_style():
        for path in paths:
            kind = Path(path).suffix.lstrip(".").lower()
            with atomic_path(path) as tmp:
                figure.savefig(tmp, format=kind, dpi=dpi, metadata=metadata.get(kind))
    log.info("wrote figure %s", ", ".join(str(p) for p in paths))


def _by_stem(paths: Sequence[str]) -> dict[str, list[str]]:
    """Group figure paths by file stem (one entry per figure, one path per format)."""
    grouped: dict[str, list[str]] = {}
    for path in paths:
        grouped.setdefault(Path(path).stem, []).append(str(path))
    return grouped


def _read_sheet(counts_h5ad: str) -> pd.DataFrame:
    import anndata as ad

    obs = ad.read_h5ad(counts_h5ad, backed="r").obs.copy()
    obs.index = obs.index.astype(str)
    return obs


def _read_vst(path: str) -> pd.DataFrame:
    return pd.read_csv(path, sep="\t", index_col="gene_id", dtype={"gene_id": str, "symbol": str})


def _gene_sets(paths: str | Sequence[str]) -> dict[str, Any]:
    """Set name -> :class:`~degsea.genesets.GeneSet` from GMT files or the prepared-sets JSON of rule gsea."""
    paths = [paths] if isinstance(paths, str) else list(paths)
    if len(paths) == 1 and str(paths[0]).endswith(".json"):
        import json

        from degsea.genesets import collections_from_json

        collections, _ = collections_from_json(json.loads(Path(paths[0]).read_text(encoding="utf-8")))
    else:
        collections = {str(p): read_gmt(p) for p in paths}
    return {name: s for sets in collections.values() for name, s in sets.items()}


def _groups(sheet: pd.DataFrame, groups: Mapping[str, Any]) -> Any:
    from degsea.style import make_groups

    return make_groups(sheet, color_by=groups["color_by"], colors=groups.get("colors"), shape_by=groups.get("shape_by"))


def variance_stabilise(*, counts_h5ad: str, out: str, fit_type: str = "parametric", n_sub: int | None = 1000) -> None:
    """Rule vst: blind variance-stabilising transformation of the raw counts (genes x samples TSV)."""
    import anndata as ad

    from degsea.qc import variance_stabilise as vst

    write_table(vst(ad.read_h5ad(counts_h5ad), fit_type=fit_type, n_sub=n_sub), out, index=True)


def sample_qc(
    *,
    counts_h5ad: str,
    vst_table: str,
    fitted_h5ad: str,
    samples_out: str,
    variance_out: str,
    figures: Sequence[str],
    groups: Mapping[str, Any],
    pca_top_genes: int = 500,
    fit_type: str = "parametric",
    dpi: int = 300,
) -> None:
    """Rule sample_qc: per-sample QC table, PCA variance table and the QC figures.

    ``figures`` holds paths whose stems are library_sizes, size_factors, pca_pc1_pc2,
    pca_pc1_pc3, scree, sample_distances, dispersions and cooks_distances.
    """
    import anndata as ad

    from degsea import plots_qc, qc

    adata = ad.read_h5ad(counts_h5ad)
    fitted = ad.read_h5ad(fitted_h5ad)
    sheet = _read_sheet(counts_h5ad)
    plot_groups = _groups(sheet, groups)
    order = qc.order_samples(sheet, by=plot_groups.color_by, levels=plot_groups.levels)
    library = qc.library_stats(adata, size_factors=fitted.obs["size_factors"])
    vst = _read_vst(vst_table).drop(columns="symbol")
    components = qc.pca(vst, n_top=pca_top_genes)
    outliers = qc.cooks_outliers(fitted)
    write_table(qc.sample_table(library, components, outliers, sheet), samples_out)
    variance = pd.DataFrame(
        {"component": components.variance_ratio.index, "variance_ratio": components.variance_ratio.to_numpy(), "n_genes": components.n_genes}
    )
    write_table(variance, variance_out)
    paths = _by_stem(figures)
    makers = {
        "library_sizes": lambda: plots_qc.library_sizes(library, sheet, plot_groups, order=order),
        "size_factors": lambda: plots_qc.size_factors(library, sheet, plot_groups, order=order),
        "pca_pc1_pc2": lambda: plots_qc.pca_scatter(components, sheet, plot_groups, x="PC1", y="PC2"),
        "pca_pc1_pc3": lambda: plots_qc.pca_scatter(components, sheet, plot_groups, x="PC1", y="PC3"),
        "scree": lambda: plots_qc.scree(components),
        "sample_distances": lambda: plots_qc.sample_distance_heatmap(qc.sample_distances(vst), sheet, plot_groups),
        "dispersions": lambda: plots_qc.dispersion_plot(qc.dispersions(fitted), fit_type=fit_type),
        "cooks_distances": lambda: plots_qc.cooks_distances(outliers, sheet, plot_groups, order=order),
    }
    for stem, targets in paths.items():
        _save_figure(makers[stem](), targets, dpi=dpi)


def de_figures(
    *,
    de_table: str,
    vst_table: str,
    counts_h5ad: str,
    contrast: str,
    figures: Sequence[str],
    groups: Mapping[str, Any],
    padj: float,
    lfc: float = 1.0,
    top_n: int = 15,
    genes_of_interest: Sequence[str] = (),
    heatmap_top_n: int = 50,
    dpi: int = 300,
) -> None:
    """Rule de_figures: volcano, MA plot, top-gene heatmap and p-value histogram of one contrast.

    ``figures`` holds paths whose stems are volcano, ma, heatmap and pvalues.
    """
    from degsea import plots_de, qc
    from degsea.de_summary import top_genes

    table = pd.read_csv(de_table, sep="\t", dtype={"gene_id": str, "symbol": str})
    sheet = _read_sheet(counts_h5ad)
    plot_groups = _groups(sheet, groups)
    order = qc.order_samples(sheet, by=plot_groups.color_by, levels=plot_groups.levels)
    vst = _read_vst(vst_table)
    top = top_genes(table, n=heatmap_top_n, padj=padj, lfc=lfc)

    def heatmap() -> Any:
        if top.empty:
            from degsea import style

            fig = style.new_figure(style.SINGLE, 1.5)
            ax = fig.subplots()
            ax.set_axis_off()
            ax.text(0.5, 0.5, f"{contrast}: no gene passes the thresholds", ha="center", va="center")
            return fig
        z = qc.zscore_rows(vst.loc[top["gene_id"], order])
        return plots_de.expression_heatmap(
            z, sheet, plot_groups, samples=order, row_labels=top["symbol"].astype(str).tolist(),
            title=f"{contrast}: top {len(top)} DE genes by padj",
        )

    makers = {
        "volcano": lambda: plots_de.volcano(table, contrast=contrast, padj=padj, lfc=lfc, top_n=top_n, genes_of_interest=genes_of_interest),
        "ma": lambda: plots_de.ma_plot(table, contrast=contrast, padj=padj, lfc=lfc, genes_of_interest=genes_of_interest),
        "heatmap": heatmap,
        "pvalues": lambda: plots_de.pvalue_histogram(table, contrast=contrast),
    }
    for stem, targets in _by_stem(figures).items():
        _save_figure(makers[stem](), targets, dpi=dpi)


def de_overlap(
    *,
    tables: Mapping[str, str],
    counts_out: str,
    membership_out: str,
    intersections_out: str,
    figures: Sequence[str],
    padj: float,
    lfc: float = 1.0,
    dpi: int = 300,
) -> None:
    """Rule de_overlap: DE genes per contrast, genes x contrasts membership, UpSet intersections and plot."""
    from degsea import de_summary, plots_de

    frames = {name: pd.read_csv(path, sep="\t", dtype={"gene_id": str, "symbol": str}) for name, path in tables.items()}
    counts = de_summary.de_counts(frames, padj=padj, lfc=lfc)
    member = de_summary.membership(frames, padj=padj, lfc=lfc)
    inter = de_summary.intersections(member, list(frames))
    write_table(counts, counts_out)
    write_table(member, membership_out, index=True)
    write_table(inter, intersections_out)
    rule = f"padj < {padj:g}" + (f", |log2FC| ≥ {lfc:g}" if lfc > 0 else "")
    figure = plots_de.upset(inter, counts.set_index("contrast")["significant"], contrasts=list(frames), title=f"DE genes shared between contrasts ({rule})")
    _save_figure(figure, figures, dpi=dpi)


def gsea_figures(
    *,
    contrast: str,
    gsea_table: str,
    ranks_table: str,
    genesets: str | Sequence[str],
    vst_table: str,
    counts_h5ad: str,
    focus_sets: Sequence[str],
    running: Sequence[str],
    leading_edge: Sequence[str],
    groups: Mapping[str, Any],
    weight: float = 1.0,
    fdr_floor: float = 1e-3,
    heatmap_top_n: int = 50,
    dpi: int = 300,
) -> None:
    """Rule gsea_figures: per focus set, the running-enrichment plot and the leading-edge heatmap.

    ``running`` and ``leading_edge`` hold paths with stems ``running_<set>`` and
    ``leading_edge_<set>`` (set names made file-safe by :func:`degsea.enrichment.file_slug`).
    FDR below ``fdr_floor`` (:func:`degsea.gsea.fdr_floor`) is shown as "< floor".
    """
    from degsea import plots_de, plots_gsea, qc
    from degsea.enrichment import expression_by_symbol, file_slug, running_sum

    table = pd.read_csv(gsea_table, sep="\t").set_index("set")
    ranks_frame = pd.read_csv(ranks_table, sep="\t", dtype={"symbol": str})
    metric_name = ranks_frame.columns[1]
    ranks = pd.Series(ranks_frame[metric_name].to_numpy(dtype=float), index=ranks_frame["symbol"])
    sets = _gene_sets(genesets)
    sheet = _read_sheet(counts_h5ad)
    plot_groups = _groups(sheet, groups)
    order = qc.order_samples(sheet, by=plot_groups.color_by, levels=plot_groups.levels)
    expression = expression_by_symbol(_read_vst(vst_table))
    running_paths, leading_paths = _by_stem(running), _by_stem(leading_edge)
    for name in focus_sets:
        slug = file_slug(name)
        tested = name in table.index
        nes = float(table.loc[name, "NES"]) if tested else float("nan")
        fdr = float(table.loc[name, "FDR"]) if tested else float("nan")
        run = running_sum(ranks, sets[name].genes, weight=weight)
        figure = plots_gsea.running_enrichment(
            run, set_name=name, contrast=contrast, nes=nes, fdr=fdr, metric_name=metric_name, fdr_floor=fdr_floor
        )
        _save_figure(figure, running_paths[f"running_{slug}"], dpi=dpi)
        genes = [g for g in ranks.index[run.leading_edge] if g in expression.index]
        shown = genes[:heatmap_top_n] if run.es > 0 else genes[::-1][:heatmap_top_n]
        z = qc.zscore_rows(expression.loc[shown, order])
        title = f"{plots_gsea.short_set_name(name, limit=40)}, {contrast}\nleading edge: " + (
            f"top {len(shown)} of {len(genes)} genes" if len(shown) < len(genes) else f"{len(genes)} genes"
        )
        figure = plots_de.expression_heatmap(z, sheet, plot_groups, samples=order, title=title, cluster_rows=True)
        _save_figure(figure, leading_paths[f"leading_edge_{slug}"], dpi=dpi)


def gsea_overview(
    *,
    summary: str,
    contrasts: Sequence[str],
    figures: Sequence[str],
    table_out: str,
    focus_sets: Sequence[str] = (),
    top_n: int = 10,
    fdr_floor: float = 1e-3,
    fdr_threshold: float = 0.05,
    dpi: int = 300,
) -> None:
    """Rule gsea_overview: NES x contrasts dot plot of the focus sets and the top sets, and its table.

    FDR below ``fdr_floor`` (:func:`degsea.gsea.fdr_floor`) is drawn at it.
    """
    from degsea import plots_gsea
    from degsea.enrichment import select_sets

    frame = pd.read_csv(summary, sep="\t")
    chosen = select_sets(frame, focus=focus_sets, top_n=top_n)
    shown = frame.set_index("set").loc[chosen].reset_index()
    shown.insert(1, "focus", shown["set"].isin(set(focus_sets)))
    write_table(shown, table_out)
    figure = plots_gsea.nes_dotplot(
        frame, sets=chosen, contrasts=contrasts, focus=focus_sets, fdr_floor=fdr_floor, fdr_threshold=fdr_threshold
    )
    _save_figure(figure, figures, dpi=dpi)


def gene_set_scores(
    *,
    vst_table: str,
    counts_h5ad: str,
    genesets: str | Sequence[str],
    sets: Sequence[str],
    table_out: str,
    figures: Sequence[str],
    groups: Mapping[str, Any],
    method: str = "ssgsea",
    threads: int = 1,
    dpi: int = 300,
) -> None:
    """Rule sample_scores: per-sample scores of the chosen sets (VST values) and box/strip plots by group."""
    from degsea import plots_gsea
    from degsea.enrichment import expression_by_symbol, sample_scores

    collections = {name: s.genes for name, s in _gene_sets(genesets).items()}
    expression = expression_by_symbol(_read_vst(vst_table))
    sheet = _read_sheet(counts_h5ad)
    plot_groups = _groups(sheet, groups)
    scores = sample_scores(expression, {s: collections[s] for s in sets}, method=method, threads=threads)
    scores.insert(1, plot_groups.color_by, scores["sample"].map(sheet[plot_groups.color_by].astype(str)))
    write_table(scores, table_out)
    label = "ssGSEA score (normalised, a.u.)" if method == "ssgsea" else "Mean z-score of VST expression (SD units)"
    _save_figure(plots_gsea.score_boxplots(scores, sheet, plot_groups, method_label=label), figures, dpi=dpi)


def write_provenance(*, inputs: Mapping[str, Sequence[str]], config: Mapping[str, Any], out: str) -> None:
    """Rule provenance: versions, resolved config, SHA-256 of every input and the seeds as JSON."""
    import json

    from degsea.provenance import package_versions, provenance

    record = provenance(inputs=inputs, config=config, versions=package_versions())
    with atomic_path(out) as tmp:
        tmp.write_text(json.dumps(record, indent=2, sort_keys=False, ensure_ascii=False) + "\n", encoding="utf-8")


def report_front_page(
    *, provenance_json: str, de_counts: str, gsea_summary: str, counts_h5ad: str, color_by: str, out: str, fdr: float = 0.05
) -> None:
    """Rule report_front_page: the report's front page (reStructuredText) from the run's results."""
    import json

    from degsea.report_text import front_page

    record = json.loads(Path(provenance_json).read_text(encoding="utf-8"))
    text = front_page(
        sheet=_read_sheet(counts_h5ad),
        config=record["config"],
        de_counts=pd.read_csv(de_counts, sep="\t"),
        gsea_summary=pd.read_csv(gsea_summary, sep="\t"),
        record=record,
        color_by=color_by,
        fdr_threshold=fdr,
    )
    with atomic_path(out) as tmp:
        tmp.write_text(text, encoding="utf-8")
