"""degsea.steps.figures.save_figure: one layout for every format, one Agg drawing for the PNG and the report's copy."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pytest
from matplotlib.patches import FancyArrowPatch
from PIL import Image

from degsea.plots import style
from degsea.steps.figures import REPORT_COLORS, REPORT_DPI, _fixed_layout, save_figure


@style.styled  # as every plotting function: fonts and sizes are read when artists are made
def _figure():
    fig = style.new_figure(style.SINGLE, 2.5)
    ax = fig.subplots()
    ax.scatter(np.arange(20), np.arange(20) ** 0.5, label="points")
    ax.set_title("a title that sets the width")
    fig.legend(loc="outside lower center", ncols=2)
    return fig


def test_png_is_what_savefig_tight_draws(tmp_path: Path) -> None:
    paths = [str(tmp_path / f"f.{kind}") for kind in ("png", "svg", "report.png")]
    save_figure(_figure(), paths, dpi=200)
    reference = io.BytesIO()
    with style.publication_style():
        _figure().savefig(reference, format="png", dpi=200, bbox_inches="tight", metadata={"Software": None})
    ours = np.asarray(Image.open(paths[0]).convert("RGBA"))
    theirs = np.asarray(Image.open(reference).convert("RGBA"))
    assert ours.shape == theirs.shape
    assert np.array_equal(ours, theirs)
    assert Path(paths[1]).read_text(encoding="utf-8").lstrip().startswith("<?xml")


def test_report_copy_is_the_png_at_report_dpi(tmp_path: Path) -> None:
    paths = [str(tmp_path / "f.png"), str(tmp_path / "f.report.png")]
    save_figure(_figure(), paths, dpi=300)
    full, copy = Image.open(paths[0]), Image.open(paths[1])
    assert copy.mode == "P"  # the adaptive palette
    assert abs(copy.width - full.width * REPORT_DPI / 300) <= 1
    assert abs(copy.height - full.height * REPORT_DPI / 300) <= 1
    small = np.asarray(full.convert("RGBA").resize(copy.size, Image.Resampling.LANCZOS), dtype=float)
    assert np.abs(np.asarray(copy.convert("RGBA"), dtype=float) - small).mean() < 3


def test_report_copy_without_png_is_drawn_at_report_dpi(tmp_path: Path) -> None:
    paths = [str(tmp_path / "f.svg"), str(tmp_path / "f.report.png")]
    save_figure(_figure(), paths, dpi=300)
    copy = Image.open(paths[1])
    assert round(copy.info["dpi"][0]) == REPORT_DPI
    assert 400 < copy.width < 700  # ~3.5 in at 150 dpi


def test_opaque_png_is_rgb_and_transparent_png_keeps_alpha(tmp_path: Path) -> None:
    save_figure(_figure(), [str(tmp_path / "opaque.png")], dpi=100)
    figure = _figure()
    figure.patch.set_alpha(0.0)
    save_figure(figure, [str(tmp_path / "clear.png")], dpi=100)
    assert Image.open(tmp_path / "opaque.png").mode == "RGB"
    clear = Image.open(tmp_path / "clear.png")
    assert clear.mode == "RGBA"
    assert np.asarray(clear)[..., 3].min() == 0  # the background is see-through
    assert round(clear.info["dpi"][0]) == 100


def test_report_copy_at_a_whole_ratio_averages_blocks(tmp_path: Path) -> None:
    paths = [str(tmp_path / "f.png"), str(tmp_path / "f.report.png")]
    save_figure(_figure(), paths, dpi=2 * REPORT_DPI)
    full = np.asarray(Image.open(paths[0]).convert("RGB"), dtype=float)
    copy = Image.open(paths[1])
    assert copy.mode == "P"
    assert copy.convert("RGB").getcolors(maxcolors=REPORT_COLORS) is not None  # None: more colours than that
    assert round(copy.info["dpi"][0]) == REPORT_DPI
    assert copy.size == ((full.shape[1] + 1) // 2, (full.shape[0] + 1) // 2)
    even = full[: full.shape[0] // 2 * 2, : full.shape[1] // 2 * 2]
    blocks = even.reshape(even.shape[0] // 2, 2, even.shape[1] // 2, 2, 3).mean(axis=(1, 3))
    ours = np.asarray(copy.convert("RGB"), dtype=float)[: blocks.shape[0], : blocks.shape[1]]
    assert np.abs(ours - blocks).mean() < 3  # the 2 x 2 means, up to the palette


def test_report_copy_below_report_dpi_is_drawn_at_it(tmp_path: Path) -> None:
    paths = [str(tmp_path / "f.png"), str(tmp_path / "f.report.png")]
    save_figure(_figure(), paths, dpi=100)
    full, copy = Image.open(paths[0]), Image.open(paths[1])
    assert round(copy.info["dpi"][0]) == REPORT_DPI
    assert abs(copy.width - full.width * REPORT_DPI / 100) <= 2


def test_svg_and_pdf_do_not_depend_on_the_png_drawn_before_them(tmp_path: Path) -> None:
    alone, after = tmp_path / "alone", tmp_path / "after"
    save_figure(_figure(), [str(alone / "f.svg"), str(alone / "f.pdf")], dpi=300)
    save_figure(_figure(), [str(after / f"f.{kind}") for kind in ("png", "report.png", "svg", "pdf")], dpi=300)
    for kind in ("svg", "pdf"):
        assert (alone / f"f.{kind}").read_bytes() == (after / f"f.{kind}").read_bytes(), kind


@style.styled
def _label_arrow():
    fig = _figure()
    ax = fig.axes[0]
    label = ax.text(10, 4.2, "a label", ha="center", va="center")
    # as adjustText joins a label to its point: the arrow starts at the text's box as last drawn
    ax.add_patch(FancyArrowPatch(posA=(10, 4.2), posB=(19, 19**0.5), patchA=label, arrowstyle="-"))
    return fig


@pytest.mark.parametrize("make", [_figure, _label_arrow], ids=["plain", "label_arrow"])
def test_svg_is_what_savefig_draws_in_the_same_layout(tmp_path: Path, make) -> None:
    """Without the draw savefig makes first where nothing depends on it; with it where an arrow does."""
    save_figure(make(), [str(tmp_path / "f.png"), str(tmp_path / "f.svg")], dpi=300)
    reference, figure = io.StringIO(), make()
    with style.publication_style():
        bbox = _fixed_layout(figure, dpi=300)
        figure.savefig(reference, format="svg", dpi=300, bbox_inches=bbox, metadata={"Date": None})
    clip_ids = re.compile(r'(url\(#|clipPath id=")p[0-9a-f]+')  # hashes of the clip boxes' last digits
    ours = clip_ids.sub(r"\1p", (tmp_path / "f.svg").read_text(encoding="utf-8"))
    assert ours == clip_ids.sub(r"\1p", reference.getvalue())
