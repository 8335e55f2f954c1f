"""degsea.steps.figures.save_figure: one layout for every format, the report's copy scaled from the PNG."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

from degsea.plots import style
from degsea.steps.figures import REPORT_DPI, save_figure


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
