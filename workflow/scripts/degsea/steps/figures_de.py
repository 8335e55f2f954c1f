"""Rule-facing steps of the DE figures: per-contrast figures and the overlap between contrasts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from degsea.io import write_table
from degsea.steps.counts import counts_sheet
from degsea.steps.figures import by_stem, plot_groups_of, read_vst, save_figure
from degsea.tables import zscore_rows


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
    from degsea.de import qc
    from degsea.de.summary import top_genes
    from degsea.plots import de as plots_de

    table = pd.read_csv(de_table, sep="\t", dtype={"gene_id": str, "symbol": str})
    sheet = counts_sheet(counts_h5ad)
    plot_groups = plot_groups_of(sheet, groups)
    order = qc.order_samples(sheet, by=plot_groups.color_by, levels=plot_groups.levels)
    vst = read_vst(vst_table)
    top = top_genes(table, n=heatmap_top_n, padj=padj, lfc=lfc)

    def heatmap() -> Any:
        if top.empty:
            from degsea.plots import style

            fig = style.new_figure(style.SINGLE, 1.5)
            ax = fig.subplots()
            ax.set_axis_off()
            ax.text(0.5, 0.5, f"{contrast}: no gene passes the thresholds", ha="center", va="center")
            return fig
        z = zscore_rows(vst.loc[top["gene_id"], order])
        return plots_de.expression_heatmap(
            z,
            sheet,
            plot_groups,
            samples=order,
            row_labels=top["symbol"].astype(str).tolist(),
            title=f"{contrast}: top {len(top)} DE genes by padj",
        )

    makers = {
        "volcano": lambda: plots_de.volcano(
            table, contrast=contrast, padj=padj, lfc=lfc, top_n=top_n, genes_of_interest=genes_of_interest
        ),
        "ma": lambda: plots_de.ma_plot(
            table, contrast=contrast, padj=padj, lfc=lfc, genes_of_interest=genes_of_interest
        ),
        "heatmap": heatmap,
        "pvalues": lambda: plots_de.pvalue_histogram(table, contrast=contrast),
    }
    for stem, targets in by_stem(figures).items():
        save_figure(makers[stem](), targets, dpi=dpi)


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
    from degsea.de import summary as de_summary
    from degsea.plots import de as plots_de

    frames = {name: pd.read_csv(path, sep="\t", dtype={"gene_id": str, "symbol": str}) for name, path in tables.items()}
    counts = de_summary.de_counts(frames, padj=padj, lfc=lfc)
    member = de_summary.membership(frames, padj=padj, lfc=lfc)
    inter = de_summary.intersections(member, list(frames))
    write_table(counts, counts_out)
    write_table(member, membership_out, index=True)
    write_table(inter, intersections_out)
    rule = f"padj < {padj:g}" + (f", |log2FC| ≥ {lfc:g}" if lfc > 0 else "")
    figure = plots_de.upset(
        inter,
        counts.set_index("contrast")["significant"],
        contrasts=list(frames),
        title=f"DE genes shared between contrasts ({rule})",
    )
    save_figure(figure, figures, dpi=dpi)
