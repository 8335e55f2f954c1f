"""Result tables as report pages (degsea.report.table_pages) and report order (degsea.report.order)."""

from __future__ import annotations

import base64
import gzip
import json
import re

import numpy as np
import pandas as pd
import pytest

from degsea.report.order import numbered
from degsea.report.table_pages import (
    STATIC_MAX_ROWS,
    VolcanoThresholds,
    beside_report_page,
    de_table_page,
    display_rounded,
    gsea_table_page,
    script_json,
    table_page,
)

PAYLOADS = ("<script>window.pwned=1</script>", '"><img src=x onerror="window.pwned=1">')


def unpacked(page: str) -> str:
    """The document a packed page writes in the browser (or the page itself when it is not packed)."""
    found = re.search(r'<script id="degsea-packed" type="application/octet-stream">([A-Za-z0-9+/=]+)</script>', page)
    return gzip.decompress(base64.b64decode(found.group(1))).decode("utf-8") if found else page


def de_table(n: int = 200, *, genes: list[str] | None = None) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    genes = genes or [f"G{i}" for i in range(n)]
    p = np.sort(rng.uniform(0, 1, len(genes)) ** 4)
    return pd.DataFrame(
        {
            "gene_id": genes,
            "symbol": [g.lower() for g in genes],
            "baseMean": rng.gamma(2, 300, len(genes)),
            "log2FoldChange": rng.normal(0, 2, len(genes)),
            "lfcSE": rng.uniform(0.1, 1, len(genes)),
            "stat": rng.normal(0, 3, len(genes)),
            "pvalue": p,
            "padj": np.minimum(p * 5, 1),
            "log2FoldChange_shrunk": rng.normal(0, 1, len(genes)),
            "lfcSE_shrunk": rng.uniform(0.1, 1, len(genes)),
            "baseMean_t": rng.gamma(2, 300, len(genes)),
            "baseMean_c": rng.gamma(2, 300, len(genes)),
        }
    )


def test_numbered_names_sort_alphabetically_in_the_given_order() -> None:
    names = [f"c{i}_vs_ref" for i in (9, 3, 11, 1, 10, 2, 4, 5, 6, 7, 8)]
    labels = numbered(names)
    assert list(labels) == names
    assert sorted(labels.values()) == list(labels.values())
    assert labels["c9_vs_ref"] == "01. c9_vs_ref" and labels["c8_vs_ref"] == "11. c8_vs_ref"
    assert numbered(["a"]) == {"a": "1. a"} and numbered([]) == {}


def test_small_tables_are_plain_html_and_large_ones_interactive() -> None:
    small = table_page(
        pd.DataFrame({"contrast": ["b_vs_a"], "up": [3], "padj": [0.0123456]}), title="DE genes", source="x.tsv"
    )
    assert '<table class="degsea-static">' in small and "degsea-packed" not in small and "<script" not in small
    assert '<td class="num">0.0123</td>' in small and '<td class="num">3</td>' in small
    large = table_page(
        pd.DataFrame({"gene": [f"g{i}" for i in range(STATIC_MAX_ROWS + 1)]}), title="genes", source="y.tsv"
    )
    document = unpacked(large)
    assert 'id="degsea-packed"' in large and 'id="degsea_table"' in document and 'type="module"' in document
    args = json.loads(
        re.search(r'<script id="degsea-dt-args" type="application/json">(.*?)</script>', document, re.S).group(1)
    )
    assert len(json.loads(args["data_json"])) == STATIC_MAX_ROWS + 1  # every row, none downsampled
    assert "https://" not in document.split('id="degsea-dt-bundle"')[0]  # no CDN: the bundle is inline
    scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", document, re.S)
    assert (
        len(scripts) == 3 and "ITable" in json.loads(scripts[1])["js"]
    )  # no text of the bundle ends its element early


def test_floats_are_rounded_for_display_only() -> None:
    table = pd.DataFrame({"x": [1.23456789, np.nan, 1.23456e-12], "n": [1, 2, 3], "s": ["a", "b", "c"]})
    shown = display_rounded(table, digits=3)
    assert shown["x"].iloc[0] == 1.23 and np.isnan(shown["x"].iloc[1]) and shown["x"].iloc[2] == 1.23e-12
    assert table["x"].iloc[0] == 1.23456789 and shown["n"].tolist() == [1, 2, 3]


def test_de_page_keeps_the_file_order_and_links_rows_to_the_volcano() -> None:
    table = de_table()
    document = unpacked(
        de_table_page(
            table, contrast="t_vs_c", thresholds=VolcanoThresholds(alpha=0.05, lfc=1.0), source="results/de/t_vs_c.tsv"
        )
    )
    args = json.loads(
        re.search(r'<script id="degsea-dt-args" type="application/json">(.*?)</script>', document, re.S).group(1)
    )
    rows = json.loads(args["data_json"])
    assert [r[0] for r in rows] == table["gene_id"].tolist() and args["order"] == []
    header = re.findall(r"<th>(.*?)</th>", args["table_html"])
    assert header == [
        "gene_id",
        "symbol",
        "baseMean",
        "log2FoldChange",
        "lfcSE",
        "pvalue",
        "padj",
        "log2FoldChange_shrunk",
        "baseMean_t",
        "baseMean_c",
    ]
    spec = json.loads(
        re.search(r'<script id="degsea-volcano-spec" type="application/json">(.*?)</script>', document, re.S).group(1)
    )
    assert spec["columns"] == {"id": 0, "label": 1, "x": 3, "p": 5, "padj": 6} and spec["alpha"] == 0.05
    assert 'id="degsea-volcano"' in document and "t / c" in spec["xlabel"]


def test_symbol_column_is_left_out_where_it_repeats_the_id() -> None:
    table = de_table(80)
    table["symbol"] = table["gene_id"]
    document = unpacked(
        de_table_page(table, contrast="t_vs_c", thresholds=VolcanoThresholds(alpha=0.05, lfc=0), source="x.tsv")
    )
    assert "<th>symbol</th>" not in document


def test_gsea_page_holds_every_contrast_in_config_order_smallest_fdr_first() -> None:
    def table(seed: int) -> pd.DataFrame:
        rng = np.random.default_rng(seed)
        return pd.DataFrame(
            {
                "set": [f"S{i}" for i in range(40)],
                "NES": rng.normal(0, 2, 40),
                "FDR": rng.uniform(0, 1, 40),
                "leading_edge": [";".join(f"gene{j}" for j in range(40))] * 40,
            }
        )

    document = unpacked(gsea_table_page({"z_vs_a": table(1), "b_vs_a": table(2)}))
    args = json.loads(
        re.search(r'<script id="degsea-dt-args" type="application/json">(.*?)</script>', document, re.S).group(1)
    )
    rows = json.loads(args["data_json"])
    assert [r[0] for r in rows] == ["z_vs_a"] * 40 + ["b_vs_a"] * 40
    fdr = [r[3] for r in rows[:40]]
    assert fdr == sorted(fdr) and args["order"] == []
    assert {"targets": [4], "className": "degsea-long"} in args["columnDefs"]
    assert "results/gsea/&lt;contrast&gt;.ranks.tsv" in document


def test_beside_page_names_the_file_and_its_shape() -> None:
    page = beside_report_page(
        title="VST expression", source="results/qc/vst.tsv", shape=(15000, 19), size_bytes=3_600_000, what="VST"
    )
    assert "15,000 rows × 19 columns, 3.6 MB" in page and "<code>results/qc/vst.tsv</code>" in page


@pytest.mark.parametrize("payload", PAYLOADS)
def test_user_strings_reach_every_page_escaped(payload: str) -> None:
    genes = [payload, f"G1{payload}", *[f"G{i}" for i in range(2, 100)]]
    table = de_table(genes=genes).rename(columns={"baseMean_t": f"baseMean_{payload}"})
    pages = [
        de_table_page(
            table,
            contrast=payload,
            thresholds=VolcanoThresholds(alpha=0.05, lfc=1.0),
            source=f"results/de/{payload}.tsv",
        ),
        gsea_table_page({payload: pd.DataFrame({"set": genes, "FDR": np.linspace(0, 1, 100), "leading_edge": genes})}),
        table_page(pd.DataFrame({payload: [payload, 1.5]}), title=payload, source=payload, note=payload),
        beside_report_page(title=payload, source=payload, shape=(1, 1), size_bytes=1, what=payload),
    ]
    for page in pages:
        for document in {page, unpacked(page)}:
            assert payload not in document
            assert not re.search(r"<img\b|<script>window", document)


def test_script_json_cannot_close_its_script_element() -> None:
    text = script_json({"a": "</script><script>alert(1)</script>", "b": "&amp;"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"a": "</script><script>alert(1)</script>", "b": "&amp;"}
