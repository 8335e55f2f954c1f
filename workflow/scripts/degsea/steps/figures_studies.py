"""Rule-facing step of a many-studies run: the cross-study tables and the NES heatmap."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import pandas as pd

from degsea.de.across_studies import shared_de_genes
from degsea.gsea.across_studies import nes_across_studies
from degsea.io import write_table
from degsea.steps.figures import save_figure

log = logging.getLogger(__name__)


def cross_study_summary(
    *,
    summaries: Sequence[str],
    de_tables: Sequence[str],
    studies: Mapping[str, Sequence[str]],
    comparisons: Mapping[str, Mapping[str, str]],
    focus_sets: Sequence[str],
    padj: float,
    lfc: float,
    fdr: float,
    nes_out: str,
    shared_out: str,
    counts_out: str,
    figures: Sequence[str],
    dpi: int = 300,
) -> None:
    """Rule cross_study: NES of the focus sets in every study, DE genes shared in each comparison.

    Parameters
    ----------
    summaries
        Each study's ``gsea/summary.tsv``, in the order of ``studies``.
    de_tables
        The DE tables of the comparisons' contrasts, in the order of ``comparisons`` and their studies.
    studies
        Study -> its contrasts.
    comparisons
        Comparison label -> study -> contrast.
    """
    from degsea.plots.studies import nes_heatmap

    frames = {study: pd.read_csv(path, sep="\t") for study, path in zip(studies, summaries, strict=True)}
    nes = nes_across_studies(frames, studies, sets=focus_sets)
    pairs = [(label, study) for label, members in comparisons.items() for study in members]
    tables: dict[str, dict[str, pd.DataFrame]] = {}
    for (label, study), path in zip(pairs, de_tables, strict=True):
        tables.setdefault(label, {})[study] = pd.read_csv(path, sep="\t", dtype={"gene_id": str, "symbol": str})
    shared, counts = shared_de_genes(tables, padj=padj, lfc=lfc)
    log.info(
        "%d focus sets x %d studies; %d comparisons, %d shared DE genes",
        len(focus_sets),
        len(studies),
        len(comparisons),
        len(shared),
    )
    write_table(nes, nes_out)
    write_table(shared, shared_out)
    write_table(counts, counts_out)
    save_figure(nes_heatmap(nes, fdr_threshold=fdr, comparisons=comparisons), figures, dpi=dpi)
