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

    The layout (constrained) and the tight bounding box are computed once, at ``dpi``, and kept
    for every file (``savefig`` would redo both for each); the report's copy is the PNG file's
    picture scaled down, when there is one, rather than a third rendering.
    """
    import io

    from degsea.plots.style import publication_style

    metadata = {"png": {"Software": None}, "svg": {"Date": None}, "pdf": {"CreationDate": None, "ModDate": None}}
    kinds = {path: Path(path).suffix.lstrip(".").lower() for path in paths if not str(path).endswith(REPORT_SUFFIX)}
    with publication_style():
        bbox = _fixed_layout(figure, dpi=dpi)
        png = None
        if "png" in kinds.values() and dpi >= REPORT_DPI:
            buffer = io.BytesIO()
            figure.savefig(buffer, format="png", dpi=dpi, metadata=metadata["png"], bbox_inches=bbox)
            png = buffer.getvalue()
        for path in paths:
            kind = kinds.get(path)
            with atomic_path(path) as tmp:
                if kind is None:
                    _save_report_copy(figure, tmp, png=png, dpi=dpi)
                elif kind == "png" and png is not None:
                    Path(tmp).write_bytes(png)
                else:
                    figure.savefig(tmp, format=kind, dpi=dpi, metadata=metadata.get(kind), bbox_inches=bbox)
    log.info("wrote figure %s", ", ".join(str(p) for p in paths))


def _fixed_layout(figure: Any, *, dpi: int) -> Any:
    """Lay the figure out once at ``dpi``, switch its layout engine off and return its padded tight box (inches).

    What ``savefig(bbox_inches="tight")`` does before each file, done once for all of them.
    """
    import matplotlib

    figure.set_dpi(dpi)
    figure.draw_without_rendering()
    bbox = figure.get_tightbbox(figure.canvas.get_renderer())
    figure.set_layout_engine("none")
    return bbox.padded(matplotlib.rcParams["savefig.pad_inches"])


def _save_report_copy(figure: Any, path: Path, *, png: bytes | None, dpi: int) -> None:
    """The report's copy: ``png`` (the figure at ``dpi``) scaled to :data:`REPORT_DPI`, or a rendering at it."""
    import io

    from PIL import Image

    if png is None:
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=REPORT_DPI, metadata={"Software": None}, bbox_inches="tight")
        image = Image.open(buffer).convert("RGBA")
    else:
        image = Image.open(io.BytesIO(png)).convert("RGBA")
        size = (max(1, round(image.width * REPORT_DPI / dpi)), max(1, round(image.height * REPORT_DPI / dpi)))
        image = image.resize(size, Image.Resampling.LANCZOS)
    image = image.quantize(colors=REPORT_COLORS, method=Image.Quantize.FASTOCTREE)
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
