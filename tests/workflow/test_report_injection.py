"""HTML injection: user strings in every field that reaches the report stay text, end to end.

A small study carries ``"><img onerror=...>`` and ``<script>...</script>`` payloads in its
covariate levels, a sample-sheet column name, gene IDs and symbols, gene-set names and config
values (contrast levels, colour variable, focus sets, genes of interest). The real ``snakemake``
run and ``--report`` must succeed, and in the written report (the page, every caption, every
embedded page, unpacked) no payload may appear as markup; in Chromium, no payload script may run.

Three fields refuse payloads instead, with a clear message: sample IDs (letters, digits and
``-_.+`` only), and config values and the sheet's per-sample file paths holding ``</`` or
``<!--``, because Snakemake's report writes rule parameters, rule inputs and labels (config
values and those paths among them) unescaped into ``<script>`` elements (the paths' case is
in tests/unit/test_error_catalogue.py).
"""

from __future__ import annotations

import base64
import gzip
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from conftest import copy_workflow, snakemake

pytestmark = pytest.mark.workflow

SCRIPT = "<script>window.degseaPwned=1</script>"
IMG = '"><img src=x onerror="window.degseaPwned=1">'
#: Markup that only a payload can put into the report.
INJECTED = re.compile(r"<script>window\.degseaPwned|<img src=x onerror", re.IGNORECASE)
N_GENES, N_UP = 400, 40


def write_study(workdir: Path) -> Path:
    """The payload study; IMG goes everywhere, SCRIPT (it holds '</') everywhere but config values."""
    rng = np.random.default_rng(11)
    genes = [f"G{n:04d}" for n in range(N_GENES)]
    genes[0], genes[1] = f"G{SCRIPT}", f"G{IMG}"  # gene IDs
    symbols = [f"Sym{n}" for n in range(N_GENES)]
    symbols[2], symbols[3] = f"S{SCRIPT}", f"S{IMG}"  # gene symbols
    levels = {"ctrl": f"ctrl{IMG}", "treated": f"treated{IMG}"}  # contrast levels (config values)
    samples = [f"s{i}" for i in range(1, 9)]
    groups = ["ctrl"] * 4 + ["treated"] * 4
    mean = rng.lognormal(5, 1, N_GENES)
    fold = np.ones(N_GENES)
    fold[:N_UP] = 4.0
    counts = np.column_stack(
        [rng.negative_binomial(10, 10 / (10 + mean * (fold if g == "treated" else 1))) for g in groups]
    )
    data = workdir / "data"
    data.mkdir()
    (data / "counts.tsv").write_text(
        "gene_id\t"
        + "\t".join(samples)
        + "\n"
        + "".join(f"{g}\t" + "\t".join(map(str, row)) + "\n" for g, row in zip(genes, counts, strict=True))
    )
    (data / "genes.tsv").write_text(
        "gene_id\tsymbol\n" + "".join(f"{g}\t{s}\n" for g, s in zip(genes, symbols, strict=True))
    )
    column = f"group{IMG}"  # a sheet column (the colour variable), its levels free text
    (workdir / "config" / "payload.tsv").write_text(
        f"sample\tcondition\t{column}\n"
        + "".join(f"{s}\t{levels[g]}\t{g}{SCRIPT}\n" for s, g in zip(samples, groups, strict=True))
    )
    sets = {f"UP{IMG}": symbols[:N_UP], f"RANDOM{SCRIPT}": list(rng.choice(symbols[N_UP:], 30, replace=False))}
    sets |= {f"RANDOM_{k}": list(rng.choice(symbols[N_UP:], 30, replace=False)) for k in range(4)}
    (data / "sets.gmt").write_text(
        "".join(f"{name}\tpayload\t" + "\t".join(members) + "\n" for name, members in sets.items())
    )
    config = yaml.safe_load((workdir / "config" / "config.yaml").read_text())
    config.update(
        {
            "samples": "config/payload.tsv",
            "counts": {
                **config["counts"],
                "path": "data/counts.tsv",
                "annotation": "data/genes.tsv",
                "format": "matrix",
            },
            "design": "~ condition",
            "contrasts": {
                "treated_vs_ctrl": {"variable": "condition", "test": levels["treated"], "reference": levels["ctrl"]}
            },
        }
    )
    config["gsea"].update(
        {"genesets": ["data/sets.gmt"], "permutations": 100, "min_size": 10, "focus_sets": [f"UP{IMG}", "RANDOM_0"]}
    )
    config["plots"].update({"color_by": column, "colors": {}, "genes_of_interest": [f"S{IMG}", f"G{IMG}"]})
    path = workdir / "config" / "payload.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def payload_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    workdir = copy_workflow(tmp_path_factory.mktemp("payload"))
    config = write_study(workdir)
    done = snakemake(workdir, "--configfile", str(config))
    assert done.returncode == 0, done.stderr[-3000:]
    out = workdir / "results" / "report.html"
    done = snakemake(workdir, "--configfile", str(config), "--report", str(out))
    assert done.returncode == 0, done.stderr[-3000:]
    return out


def report_results(text: str) -> dict[str, dict]:
    start = text.index("var results = ", text.index('<script id="results">')) + len("var results = ")
    return json.JSONDecoder().raw_decode(text[start:])[0]


def documents(text: str) -> dict[str, str]:
    """What the browser reads as HTML: the report page outside its scripts (a script broken open by a
    payload leaves the rest of its text there), the front page, every caption, every embedded page (unpacked)."""
    found = {"report.html outside its scripts": re.sub(r"<script\b[^>]*>.*?</script>", "", text, flags=re.S | re.I)}
    found["front page"] = json.loads(text[text.index("var workflow_desc = ") + 20 :].split(";\n", 1)[0])
    for path, result in report_results(text).items():
        found[f"{path} (caption)"] = result["caption"]
        if result["mime_type"] == "text/html":
            page = base64.b64decode(result["data_uri"].split(",", 1)[1]).decode("utf-8")
            found[path] = page
            packed = re.search(
                r'<script id="degsea-packed" type="application/octet-stream">([A-Za-z0-9+/=]+)</script>', page
            )
            if packed:
                found[f"{path} (unpacked)"] = gzip.decompress(base64.b64decode(packed.group(1))).decode("utf-8")
    return found


def test_payloads_reach_the_report_as_text_only(payload_report: Path) -> None:
    text = payload_report.read_text(encoding="utf-8")
    found = documents(text)
    assert any("degsea-packed" in page for page in found.values())  # the interactive pages were checked too
    injected = {name: INJECTED.search(page).group(0) for name, page in found.items() if INJECTED.search(page)}
    assert not injected, injected
    # the payloads are there, escaped: the test is not passing on a report that left them out
    workflow_desc = found["front page"]
    assert "&lt;script&gt;window.degseaPwned=1&lt;/script&gt;" in workflow_desc  # colour levels
    assert "group&quot;&gt;&lt;img src=x onerror" in workflow_desc  # the colour variable
    de_page = next(page for name, page in found.items() if name.endswith("de_treated_vs_ctrl.html (unpacked)"))
    assert "G&lt;script&gt;window.degseaPwned" in de_page.replace("\\u0026", "&")  # itables' escape, inside JSON


@pytest.mark.skipif(
    shutil.which("chromium") is None, reason="Chromium is not installed (Debian: apt-get install chromium)"
)
def test_no_payload_runs_in_the_browser(payload_report: Path) -> None:
    from playwright.sync_api import sync_playwright

    results = report_results(payload_report.read_text(encoding="utf-8"))
    pages = [r["data_uri"] for r in results.values() if r["mime_type"] == "text/html"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium"), args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(payload_report.as_uri())
        page.wait_for_selector("h1.title", timeout=60_000)
        assert page.evaluate("window.degseaPwned") is None
        for uri in pages:
            page.set_content(f'<iframe src="{uri}" style="width:1300px;height:800px"></iframe>')
            frame = page.frames[1]
            frame.wait_for_load_state()
            if "degsea-packed" in base64.b64decode(uri.split(",", 1)[1]).decode("utf-8"):
                frame.wait_for_selector("table.dataTable tbody tr", timeout=60_000)
            assert frame.evaluate("window.degseaPwned") is None
            assert frame.evaluate("document.querySelectorAll('img[onerror]').length") == 0
        browser.close()
    assert not dialogs, dialogs


def test_payload_sample_ids_are_refused_with_a_clear_message(tmp_path: Path) -> None:
    workdir = copy_workflow(tmp_path)
    config = write_study(workdir)
    sheet = workdir / "config" / "payload.tsv"
    sheet.write_text(sheet.read_text().replace("\ns1\t", f"\ns1{IMG}\t", 1))
    done = snakemake(workdir, "--configfile", str(config), "-n")
    assert done.returncode != 0
    assert "sample ID cannot be used safely" in done.stderr and "Traceback" not in done.stderr


def test_config_values_that_end_a_script_are_refused_with_a_clear_message(tmp_path: Path) -> None:
    workdir = copy_workflow(tmp_path)
    config = write_study(workdir)
    text = yaml.safe_load(config.read_text())
    text["gsea"]["focus_sets"] = [f"RANDOM{SCRIPT}"]
    config.write_text(yaml.safe_dump(text, sort_keys=False))
    done = snakemake(workdir, "--configfile", str(config), "-n")
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert (
        "A config value cannot be shown safely in the HTML report" in done.stderr and "gsea: focus_sets" in done.stderr
    )


def test_config_yaml_is_loaded_without_building_objects(tmp_path: Path) -> None:
    workdir = copy_workflow(tmp_path)
    marker = tmp_path / "built"
    (workdir / "config" / "evil.yaml").write_text(f"samples: !!python/object/apply:os.system ['touch {marker}']\n")
    done = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "--configfile", "config/evil.yaml"],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode != 0 and not marker.exists()
