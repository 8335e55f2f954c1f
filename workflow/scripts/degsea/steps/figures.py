"""What the figure steps share: writing a figure, grouping figure paths, reading VST tables, sample groups.

Only the ``steps.figures*`` modules import :mod:`degsea.plots`.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Mapping, Sequence
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
    for every file (``savefig`` would redo both for each). The figure is drawn by Agg once: the
    PNG file and the report's copy (scaled down) are both encoded from that one picture, an opaque
    picture as RGB.
    """
    from degsea.plots.style import publication_style

    metadata = {"svg": {"Date": None}, "pdf": {"CreationDate": None, "ModDate": None}}
    kinds = {path: Path(path).suffix.lstrip(".").lower() for path in paths if not str(path).endswith(REPORT_SUFFIX)}
    with publication_style():
        bbox = _fixed_layout(figure, dpi=dpi)
        picture = _picture(figure, dpi=dpi, bbox=bbox) if "png" in kinds.values() else None
        for path in paths:
            kind = kinds.get(path)
            with atomic_path(path) as tmp:
                if kind is None:
                    # zlib's default level: "optimize" (level 9) takes 7 x as long for files ~6 % smaller
                    _report_copy(figure, picture, dpi=dpi, bbox=bbox).save(
                        tmp, format="PNG", dpi=(REPORT_DPI, REPORT_DPI)
                    )
                elif kind == "png":
                    picture.save(tmp, format="PNG", compress_level=PNG_COMPRESS_LEVEL, dpi=(dpi, dpi))
                else:
                    with _without_predraw(figure, when=not _placed_from_text(figure)):
                        figure.savefig(tmp, format=kind, dpi=dpi, metadata=metadata.get(kind), bbox_inches=bbox)
    log.info("wrote figure %s", ", ".join(str(p) for p in paths))


#: zlib level of the figure PNGs: most of the encoder's time is its row filters, so 3 is about as fast
#: as 1; the demo's files are ~7 % larger than at the default 6, which takes ~30 % longer.
PNG_COMPRESS_LEVEL = 3


def _fixed_layout(figure: Any, *, dpi: int) -> Any:
    """Lay the figure out once at ``dpi``, switch its layout engine off and return its padded tight box (inches).

    What ``savefig(bbox_inches="tight")`` does before each file, done once for all of them.
    """
    import matplotlib

    figure.set_dpi(dpi)
    renderer = figure.canvas.get_renderer()
    engine = figure.get_layout_engine()
    if engine is not None:  # what a draw would do first; the tight box needs no draw after it
        engine.execute(figure)
    bbox = figure.get_tightbbox(renderer)
    figure.set_layout_engine("none")
    return bbox.padded(matplotlib.rcParams["savefig.pad_inches"])


class _Pixels:
    """A file-like sink for ``savefig(format="raw")``: keeps the Agg buffer it is given as an (h, w, 4) array."""

    def __init__(self) -> None:
        self.rgba: Any = None

    def write(self, data: Any) -> int:
        import numpy as np

        self.rgba = np.array(data, dtype=np.uint8, copy=True)
        return self.rgba.nbytes

    def seek(self, *_: Any) -> int:  # matplotlib takes an object with ``seek`` for a file handle
        return 0


def _picture(figure: Any, *, dpi: int, bbox: Any) -> Any:
    """The figure drawn by Agg at ``dpi`` inside ``bbox`` (what a PNG ``savefig`` draws): a PIL image, RGB if opaque."""
    from PIL import Image

    sink = _Pixels()
    with _without_predraw(figure, when=dpi == figure.dpi):  # laid out at this dpi
        figure.savefig(sink, format="raw", dpi=dpi, bbox_inches=bbox)
    if sink.rgba is None or sink.rgba.ndim != 3 or sink.rgba.shape[2] != 4:
        raise RuntimeError(f"matplotlib's raw output is not an RGBA picture: {getattr(sink.rgba, 'shape', None)}")
    image = Image.fromarray(sink.rgba, mode="RGBA")
    return image.convert("RGB") if sink.rgba[..., 3].min() == 255 else image


@contextlib.contextmanager
def _without_predraw(figure: Any, *, when: bool) -> Iterator[None]:
    """``when`` true: no layout engine in the block, so that ``savefig`` does not draw the figure once before it draws.

    ``savefig`` makes that draw for any engine, even the placeholder that ``"none"`` leaves. It is
    needed where a draw depends on the one before it at another resolution (SVG draws at 72 dpi,
    the layout was made at ``dpi``): annotations and adjustText's label arrows are placed from
    their text's extent as last drawn (see :func:`_placed_from_text`).
    """
    import matplotlib

    placeholder = figure.get_layout_engine()
    if when:
        with matplotlib.rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
            figure.set_layout_engine(None)
    try:
        yield
    finally:
        figure.set_layout_engine(placeholder)


def _placed_from_text(figure: Any) -> bool:
    """Whether the figure has artists placed from their text's extent as last drawn: annotations, label arrows."""
    from matplotlib.patches import FancyArrowPatch
    from matplotlib.text import Annotation

    return any(isinstance(artist, Annotation | FancyArrowPatch) for artist in figure.findobj())


def _report_copy(figure: Any, picture: Any, *, dpi: int, bbox: Any) -> Any:
    """The report's copy with its palette: ``picture`` (at ``dpi``) scaled to :data:`REPORT_DPI`, or a drawing at it.

    A whole-number ratio of the two resolutions (300 / 150) is a box average of each 2 x 2 block
    (``Image.reduce``); any other takes a Lanczos filter. Without a picture at least as fine as the
    report's, the figure is drawn at :data:`REPORT_DPI`.
    """
    from PIL import Image

    if picture is None or dpi < REPORT_DPI:
        image = _picture(figure, dpi=REPORT_DPI, bbox=bbox)
    elif dpi % REPORT_DPI == 0:
        image = picture.reduce(dpi // REPORT_DPI)
    else:
        size = (max(1, round(picture.width * REPORT_DPI / dpi)), max(1, round(picture.height * REPORT_DPI / dpi)))
        image = picture.resize(size, Image.Resampling.LANCZOS)
    return image.quantize(colors=REPORT_COLORS, method=Image.Quantize.FASTOCTREE)


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
