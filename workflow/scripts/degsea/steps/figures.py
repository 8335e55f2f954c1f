"""What the figure steps share: writing a figure, grouping figure paths, reading VST tables, sample groups.

Only the ``steps.figures*`` modules import :mod:`degsea.plots`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from degsea.io import atomic_path

log = logging.getLogger(__name__)


def save_figure(figure: Any, paths: Sequence[str], *, dpi: int = 300) -> None:
    """Write one figure to every path (format from the suffix: png, svg or pdf), atomically."""
    from degsea.plots.style import publication_style

    metadata = {"png": {"Software": None}, "svg": {"Date": None}, "pdf": {"CreationDate": None, "ModDate": None}}
    with publication_style():
        for path in paths:
            kind = Path(path).suffix.lstrip(".").lower()
            with atomic_path(path) as tmp:
                figure.savefig(tmp, format=kind, dpi=dpi, metadata=metadata.get(kind))
    log.info("wrote figure %s", ", ".join(str(p) for p in paths))


def by_stem(paths: Sequence[str]) -> dict[str, list[str]]:
    """Group figure paths by file stem (one entry per figure, one path per format)."""
    grouped: dict[str, list[str]] = {}
    for path in paths:
        grouped.setdefault(Path(path).stem, []).append(str(path))
    return grouped


def read_vst(path: str) -> pd.DataFrame:
    """Read a VST table (``results/qc/vst.tsv``: gene_id, symbol, one column per sample)."""
    return pd.read_csv(path, sep="\t", index_col="gene_id", dtype={"gene_id": str, "symbol": str})


def plot_groups_of(sheet: pd.DataFrame, groups: Mapping[str, Any]) -> Any:
    """The :class:`~degsea.plots.style.Groups` of the sheet as config ``plots: groups`` says."""
    from degsea.plots.style import make_groups

    return make_groups(sheet, color_by=groups["color_by"], colors=groups.get("colors"), shape_by=groups.get("shape_by"))
