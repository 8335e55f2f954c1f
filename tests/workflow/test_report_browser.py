"""The demo's HTML report in a real browser: headless Chromium at 1400x900, driven through Playwright.

Playwright's Python package drives the Debian Chromium (``/usr/bin/chromium``, installed by
``.ci/run``); it never downloads a browser of its own. Screenshots are written next to the
report (``results/report-screenshots/``) for a person to look at.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Browser, Page, sync_playwright

from conftest import snakemake

pytestmark = pytest.mark.workflow

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (Debian: apt-get install chromium; .ci/run installs it)"
)
WINDOW = {"width": 1400, "height": 900}
#: Headers up to this long must fit on one line.
SHORT_HEADER = 40


@pytest.fixture(scope="module")
def demo_report(default_demo: Path) -> Path:
    out = default_demo / "results" / "report.html"
    done = snakemake(default_demo, "--report", str(out))
    assert done.returncode == 0, done.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    args = [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ]
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
        yield chromium
        chromium.close()


@pytest.fixture
def report_page(browser: Browser, demo_report: Path) -> Iterator[Page]:
    page = browser.new_page(viewport=WINDOW)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(demo_report.as_uri())
    page.wait_for_selector("h1.title", timeout=60_000)
    yield page
    page.close()
    assert not errors, errors


def screenshot(page: Page, demo_report: Path, name: str) -> Path:
    path = demo_report.parent / "report-screenshots" / f"{name}.png"
    path.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(path))
    return path


def config_contrasts(workdir: Path) -> list[str]:
    return list(yaml.safe_load((workdir / "config" / "config.yaml").read_text())["contrasts"])


def test_demo_report_stays_small(demo_report: Path) -> None:
    size = demo_report.stat().st_size
    assert size <= 10_000_000, f"{size / 1e6:.1f} MB"
    text = demo_report.read_text(encoding="utf-8")
    assert "results/qc/vst.tsv" in text and "results/de/normalized_counts.tsv" in text  # named, not embedded
    assert "text/tab-separated-values" not in text  # no table is only a download


@needs_chromium
def test_front_page_reads_from_its_first_line(report_page: Page, demo_report: Path) -> None:
    shot = screenshot(report_page, demo_report, "front_page_top")
    title = report_page.locator("h1.title")
    box = title.bounding_box()
    assert title.is_visible() and box is not None, shot
    assert 0 <= box["y"] and box["y"] + box["height"] <= WINDOW["height"], (box, shot)
    assert "degsea" in title.inner_text()
    # the DE table of the front page is reached by scrolling, and the title again by scrolling back
    table = report_page.locator("table.docutils", has_text="genes with padj")
    table.scroll_into_view_if_needed()
    box = table.bounding_box()
    assert box is not None and 0 <= box["y"] < WINDOW["height"], box
    assert box["x"] + box["width"] <= WINDOW["width"]
    screenshot(report_page, demo_report, "front_page_de_table")
    title.scroll_into_view_if_needed()
    assert 0 <= title.bounding_box()["y"] < WINDOW["height"]


@needs_chromium
def test_front_page_tables_do_not_wrap_short_headers(report_page: Page) -> None:
    headers = report_page.evaluate(
        """() => Array.from(document.querySelectorAll('.document table th')).map((th) => {
            const range = document.createRange();
            range.selectNodeContents(th);
            const lines = new Set(Array.from(range.getClientRects()).map((r) => Math.round(r.top)));
            return [th.innerText.trim(), lines.size];
        })"""
    )
    assert len(headers) >= 10, headers
    wrapped = [(text, lines) for text, lines in headers if len(text) <= SHORT_HEADER and lines > 1]
    assert not wrapped, wrapped


@needs_chromium
def test_report_follows_analysis_and_config_order(report_page: Page, default_demo: Path) -> None:
    def menu() -> list[str]:
        return [t.strip() for t in report_page.locator("nav li").all_text_contents() if t.strip()]

    results = menu()
    categories = results[results.index("Results") + 1 :]
    assert categories == [
        "1 Sample QC",
        "2 Differential expression",
        "3 Across contrasts",
        "4 Gene-set enrichment",
        "5 Gene-set scores per sample",
        "6 Provenance",
    ]
    report_page.get_by_text("2 Differential expression", exact=True).click()
    contrasts = config_contrasts(default_demo)
    assert menu()[-len(contrasts) :] == [f"{i}. {name}" for i, name in enumerate(contrasts, start=1)]
    report_page.get_by_text(f"2. {contrasts[1]}", exact=True).click()
    items = report_page.locator("nav table tbody tr td:first-child").all_text_contents()
    assert items == [
        "1. DE table (searchable)",
        "2. Volcano plot",
        "3. MA plot",
        "4. Top DE genes heatmap",
        "5. p-value histogram",
    ]


@needs_chromium
def test_de_table_is_searchable_in_the_report(report_page: Page, default_demo: Path, demo_report: Path) -> None:
    contrast = config_contrasts(default_demo)[0]
    report_page.get_by_text("2 Differential expression", exact=True).click()
    report_page.get_by_text(f"1. {contrast}", exact=True).click()
    row = report_page.locator("nav table tbody tr", has_text="1. DE table (searchable)")
    row.locator("a[iconname=eye]").click()
    frame = report_page.frame_locator("iframe")
    frame.locator("table.dataTable tbody tr").first.wait_for(timeout=60_000)
    assert "of 15,000 entries" in frame.locator(".dt-info").inner_text()
    frame.locator("div.dt-search input").fill("Cd8b1")
    frame.locator(".dt-info", has_text="filtered").wait_for()
    assert frame.locator("table.dataTable tbody tr").all_inner_texts()[0].startswith("Cd8b1")
    frame.locator("table.dataTable tbody tr").first.click()
    assert frame.locator("#degsea-volcano-help").inner_text().startswith("Cd8b1")  # the row marked on the volcano
    screenshot(report_page, demo_report, "de_table_search")
