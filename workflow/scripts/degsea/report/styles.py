"""Styles of the report's front page, carried inside the page itself (Snakemake's own files stay as they are)."""

from __future__ import annotations

from pathlib import Path

#: The id of the front page's ``<style>`` element; the rules find the front page's boxes by it (``:has()``).
STYLE_ID = "degsea-front-style"


def front_page_style() -> str:
    """A reStructuredText ``raw`` block with the front page's CSS (``assets/front_page.css``).

    Snakemake centres the front page in a screen-high box, so the top of a long page cannot be
    scrolled to, and squeezes it into a narrow column; the rules start the page at the top and
    widen it. They apply only to the box holding this page.
    """
    css = (Path(__file__).with_name("assets") / "front_page.css").read_text(encoding="utf-8")
    lines = [f'<style id="{STYLE_ID}">', *css.splitlines(), "</style>"]
    return ".. raw:: html\n\n" + "\n".join(f"   {line}" if line.strip() else "" for line in lines) + "\n"
