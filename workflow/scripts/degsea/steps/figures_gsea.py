"""Rule-facing steps of the gene-set figures: running sums and leading edges, the NES overview, per-sample scores."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from degsea.gsea.collections import read_gmt
from degsea.io import write_table
from degsea.naming import file_slug, short_set_name
from degsea.steps.counts import counts_sheet
from degsea.steps.figures import by_stem, plot_groups_of, read_vst, save_figure
from degsea.tables import zscore_rows


def _gene_sets(paths: str | Sequence[str]) -> dict[str, Any]:
    """Set name -> :class:`~degsea.gsea.collections.GeneSet` from GMT files or the prepared-sets JSON of rule gsea."""
    paths = [paths] if isinstance(paths, str) else list(paths)
    if len(paths) == 1 and str(paths[0]).endswith(".json"):
        import json

        from degsea.gsea.collections import collections_from_json

        collections, _ = collections_from_json(json.loads(Path(paths[0]).read_text(encoding="utf-8")))
    else:
        collections = {str(p): read_gmt(p) for p in paths}
    return {name: s for sets in collections.values() for name, s in sets.items()}


def contrast_samples(
    sheet: pd.DataFrame, order: Sequence[str], contrast_groups: Mapping[str, str] | None
) -> tuple[list[str], list[str]]:
    """The contrast's samples (reference group, then test group) and the others, each in ``order``.

    Both lists are empty when ``contrast_groups`` is ``None`` or names no samples.
    """
    if not contrast_groups:
        return [], []
    level = sheet[contrast_groups["variable"]].astype(str)
    reference = [s for s in order if level[s] == str(contrast_groups["reference"])]
    test = [s for s in order if level[s] == str(contrast_groups["test"])]
    if not reference or not test:
        return [], []
    inside = reference + test
    return inside, [s for s in order if s not in set(inside)]


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
    contrast_groups: Mapping[str, str] | None = None,
    other_groups: bool = True,
    weight: float = 1.0,
    fdr_floor: float = 1e-3,
    heatmap_top_n: int = 50,
    dpi: int = 300,
) -> None:
    """Rule gsea_figures: per focus set, the running-enrichment plot and the leading-edge heatmap.

    ``running`` and ``leading_edge`` hold paths with stems ``running_<set>`` and
    ``leading_edge_<set>`` (set names made file-safe by :func:`degsea.naming.file_slug`).
    FDR below ``fdr_floor`` (:func:`degsea.gsea.prerank.fdr_floor`) is shown as "< floor".
    ``contrast_groups`` (``variable``, ``test``, ``reference``) puts the contrast's reference
    and test samples side by side in the heatmap, z-scored within them; with ``other_groups``
    the remaining samples follow, set apart, on the same scale. Without it every sample is
    z-scored together.
    """
    from degsea.de import qc
    from degsea.gsea.running_sum import running_sum
    from degsea.gsea.scores import expression_by_symbol
    from degsea.plots import de as plots_de
    from degsea.plots import gsea as plots_gsea

    table = pd.read_csv(gsea_table, sep="\t").set_index("set")
    ranks_frame = pd.read_csv(ranks_table, sep="\t", dtype={"symbol": str})
    metric_name = ranks_frame.columns[1]
    ranks = pd.Series(ranks_frame[metric_name].to_numpy(dtype=float), index=ranks_frame["symbol"])
    sets = _gene_sets(genesets)
    sheet = counts_sheet(counts_h5ad)
    plot_groups = plot_groups_of(sheet, groups)
    order = qc.order_samples(sheet, by=plot_groups.color_by, levels=plot_groups.levels)
    expression = expression_by_symbol(read_vst(vst_table))
    running_paths, leading_paths = by_stem(running), by_stem(leading_edge)
    for name in focus_sets:
        slug = file_slug(name)
        tested = name in table.index
        nes = float(table.loc[name, "NES"]) if tested else float("nan")
        fdr = float(table.loc[name, "FDR"]) if tested else float("nan")
        run = running_sum(ranks, sets[name].genes, weight=weight)
        figure = plots_gsea.running_enrichment(
            run, set_name=name, contrast=contrast, nes=nes, fdr=fdr, metric_name=metric_name, fdr_floor=fdr_floor
        )
        save_figure(figure, running_paths[f"running_{slug}"], dpi=dpi)
        genes = [g for g in ranks.index[run.leading_edge] if g in expression.index]
        shown = genes[:heatmap_top_n] if run.es > 0 else genes[::-1][:heatmap_top_n]
        title = f"{short_set_name(name, limit=40)}, {contrast}\nleading edge: " + (
            f"top {len(shown)} of {len(genes)} genes" if len(shown) < len(genes) else f"{len(genes)} genes"
        )
        inside, outside = contrast_samples(sheet, order, contrast_groups)
        if inside:
            samples = inside + (outside if other_groups else [])
            z = zscore_rows(expression.loc[shown, samples], within=inside)
            figure = plots_de.expression_heatmap(
                z,
                sheet,
                plot_groups,
                samples=samples,
                title=title,
                cluster_rows=True,
                gap_after=len(inside) if other_groups and outside else None,
                gap_label="not in the contrast",
                scale_label=f"z-score within {contrast_groups['reference']} + {contrast_groups['test']} (SD units",
            )
        else:
            z = zscore_rows(expression.loc[shown, order])
            figure = plots_de.expression_heatmap(z, sheet, plot_groups, samples=order, title=title, cluster_rows=True)
        save_figure(figure, leading_paths[f"leading_edge_{slug}"], dpi=dpi)


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

    FDR below ``fdr_floor`` (:func:`degsea.gsea.prerank.fdr_floor`) is drawn at it.
    """
    from degsea.gsea.selection import select_sets
    from degsea.plots import gsea as plots_gsea

    frame = pd.read_csv(summary, sep="\t")
    chosen = select_sets(frame, focus=focus_sets, top_n=top_n)
    shown = frame.set_index("set").loc[chosen].reset_index()
    shown.insert(1, "focus", shown["set"].isin(set(focus_sets)))
    write_table(shown, table_out)
    figure = plots_gsea.nes_dotplot(
        frame, sets=chosen, contrasts=contrasts, focus=focus_sets, fdr_floor=fdr_floor, fdr_threshold=fdr_threshold
    )
    save_figure(figure, figures, dpi=dpi)


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
    from degsea.gsea.scores import expression_by_symbol, sample_scores
    from degsea.plots import gsea as plots_gsea

    collections = {name: s.genes for name, s in _gene_sets(genesets).items()}
    expression = expression_by_symbol(read_vst(vst_table))
    sheet = counts_sheet(counts_h5ad)
    plot_groups = plot_groups_of(sheet, groups)
    scores = sample_scores(expression, {s: collections[s] for s in sets}, method=method, threads=threads)
    scores.insert(1, plot_groups.color_by, scores["sample"].map(sheet[plot_groups.color_by].astype(str)))
    write_table(scores, table_out)
    label = "ssGSEA score (normalised, a.u.)" if method == "ssgsea" else "Mean z-score of VST expression (SD units)"
    save_figure(plots_gsea.score_boxplots(scores, sheet, plot_groups, method_label=label), figures, dpi=dpi)


def ora_overview(
    *,
    tables: Mapping[str, str],
    figures: Sequence[str],
    table_out: str,
    focus_sets: Sequence[str] = (),
    top_n: int = 10,
    padj: float = 0.05,
    lfc: float = 0.0,
    fdr_threshold: float = 0.05,
    dpi: int = 300,
) -> None:
    """Rule ora_overview: the ORA dot plot (focus sets, then the top set of each redundancy group) and its table.

    ``tables`` maps each contrast to its ORA table (``results/ora/<contrast>.tsv``); ``padj``
    and ``lfc`` are the DE rule of the ORA, named in the title.
    """
    from degsea.gsea.ora import select_ora_sets, selected_rows
    from degsea.plots import gsea as plots_gsea

    frames = {name: pd.read_csv(path, sep="\t") for name, path in tables.items()}
    chosen = select_ora_sets(frames, focus=focus_sets, top_n=top_n)
    write_table(selected_rows(frames, chosen, focus=focus_sets), table_out)
    rule = f"padj < {padj:g}" + (f", |log2FC| ≥ {lfc:g}" if lfc > 0 else "")
    figure = plots_gsea.ora_dotplot(frames, sets=chosen, focus=focus_sets, padj_threshold=fdr_threshold, rule=rule)
    save_figure(figure, figures, dpi=dpi)


def collection_scores(
    *,
    vst_table: str,
    counts_h5ad: str,
    genesets: str,
    scores_out: str,
    tests_out: str,
    figures: Sequence[str],
    contrasts: Mapping[str, Mapping[str, str]],
    groups: Mapping[str, Any],
    method: str = "gsva",
    top_sets: int = 30,
    min_size: int = 15,
    max_size: int = 500,
    threads: int = 1,
    dpi: int = 300,
) -> None:
    """Rule collection_scores: scores of every set (samples x sets), Welch t per contrast, heatmap of
    the top-variable sets.

    ``contrasts`` maps each two-level contrast to its ``variable``, ``test`` and ``reference``.
    """
    from degsea.de import qc
    from degsea.gsea.collection_scores import GroupContrast, contrast_tests, top_variable
    from degsea.gsea.collection_scores import collection_scores as score
    from degsea.gsea.scores import expression_by_symbol
    from degsea.plots import de as plots_de
    from degsea.plots import gsea as plots_gsea

    sets = {name: s.genes for name, s in _gene_sets(genesets).items()}
    expression = expression_by_symbol(read_vst(vst_table))
    sheet = counts_sheet(counts_h5ad)
    scores = score(expression, sets, method=method, min_size=min_size, max_size=max_size, threads=threads)
    comparisons = [GroupContrast(name=name, **spec) for name, spec in contrasts.items()]
    tests = contrast_tests(scores, sheet, comparisons)
    write_table(scores.reset_index(), scores_out)
    write_table(tests, tests_out)
    plot_groups = plot_groups_of(sheet, groups)
    order = qc.order_samples(sheet, by=plot_groups.color_by, levels=plot_groups.levels)
    shown = top_variable(scores, n=top_sets)
    label = {"gsva": "GSVA", "ssgsea": "ssGSEA"}[method]
    if len(shown) < 2:
        save_figure(
            plots_gsea.empty_figure(f"{label} scores: fewer than 2 sets with {min_size}-{max_size} genes in the data"),
            figures,
            dpi=dpi,
        )
        return
    z = zscore_rows(scores.loc[order, shown].T)
    figure = plots_de.expression_heatmap(
        z,
        sheet,
        plot_groups,
        samples=order,
        row_labels=[short_set_name(s, limit=40) for s in shown],
        cluster_rows=True,
        title=f"{label} scores: the {len(shown)} most variable of {scores.shape[1]} sets",
        scale_label=f"{label} score, z-scored per set (SD units",
    )
    save_figure(figure, figures, dpi=dpi)
