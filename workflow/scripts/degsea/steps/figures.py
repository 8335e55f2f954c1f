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

#: The HTML report's copy of a figure: ``<stem>.report.png``, at this resolution and with at most
#: this many colours, so that the report stays small (the figure files keep the config's dpi).
REPORT_SUFFIX = ".report.png"
REPORT_DPI = 150
REPORT_COLORS = 256


def save_figure(figure: Any, paths: Sequence[str], *, dpi: int = 300) -> None:
    """Write one figure to every path (format from the suffix: png, svg or pdf), atomically.

    A path ending in :data:`REPORT_SUFFIX` gets the report's copy: :data:`REPORT_DPI`, with an
    adaptive palette of :data:`REPORT_COLORS` colours.
    """
    from degsea.plots.style import publication_style

    metadata = {"png": {"Software": None}, "svg": {"Date": None}, "pdf": {"CreationDate": None, "ModDate": None}}
    with publication_style():
        for path in paths:
            kind = Path(path).suffix.lstrip(".").lower()
            with atomic_path(path) as tmp:
                if str(path).endswith(REPORT_SUFFIX):
                    _save_report_copy(figure, tmp)
                else:
                    figure.savefig(tmp, format=kind, dpi=dpi, metadata=metadata.get(kind))
    log.info("wrote figure %s", ", ".join(str(p) for p in paths))


def _save_report_copy(figure: Any, path: Path) -> None:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=REPORT_DPI, metadata={"Software": None})
    image = Image.open(buffer).convert("RGBA").quantize(colors=REPORT_COLORS, method=Image.Quantize.FASTOCTREE)
    image.save(path, format="PNG", optimize=True, dpi=(REPORT_DPI, REPORT_DPI))


def by_stem(paths: Sequence[str]) -> dict[str, list[str]]:
    """Group figure paths by file stem (one entry per figure, one path per format; the report's copy with them)."""
    grouped: dict[str, list[str]] = {}
    for path in paths:
        name = Path(path).name
        stem = name.removesuffix(REPORT_SUFFIX) if name.endswith(REPORT_SUFFIX) else Path(path).stem
        grouped.setdefault(stem, []).append(str(path))
    return grouped


def read_vst(path: str) -> pd.DataFrame:
    """Read a VST table (``results/qc/vst.tsv``: gene_id, symbol, one column per sample)."""
    return pd.read_csv(path, sep="\t", index_col="gene_id", dtype={"gene_id": str, "symbol": str})


def plot_groups_of(sheet: pd.DataFrame, groups: Mapping[str, Any]) -> Any:
    """The :class:`~degsea.plots.style.Groups` of the sheet as config ``plots: groups`` says."""
    from degsea.plots.style import make_groups

    return make_groups(
        sheet,
        color_by=groups["color_by"],
        colors=groups.get("colors"),
        shape_by=groups.get("shape_by"),
        levels=groups.get("levels"),
    )
