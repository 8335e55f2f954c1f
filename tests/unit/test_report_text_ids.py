"""The report's front page shows sample IDs, levels and contrast names as spelled (degsea.report.front_page)."""

from __future__ import annotations

import re

import jinja2
import pandas as pd
import pytest
from docutils.core import publish_parts

from degsea.report.front_page import front_page

PAYLOADS = (
    "<script>window.pwned=1</script>",
    '"><img src=x onerror="window.pwned=1">',
    "{% endraw %}{{ 7 * 7 }}{% raw %}",
)


def rendered(text: str) -> str:
    """The front page as Snakemake's report shows it: Jinja first, then docutils' HTML writer."""
    return publish_parts(jinja2.Environment().from_string(text).render(), writer_name="html")["html_body"]


def body(text: str) -> str:
    """The front page's HTML body as docutils writes it, the Jinja raw markers dropped (no template run)."""
    return publish_parts(text.replace("{% raw %}", "").replace("{% endraw %}", ""), writer_name="html")["body"]


def gsea_config(genesets: str, *, focus_sets: list[str]) -> dict:
    """The config's gsea block the front page reads."""
    return {
        "rank_by": "stat",
        "permutations": 100,
        "seed": 1,
        "min_size": 15,
        "max_size": 500,
        "genesets": [genesets],
        "focus_sets": focus_sets,
    }


def de_counts(contrasts, *, padj: float) -> pd.DataFrame:
    """The DE summary counts of each contrast (the same made-up numbers for every one)."""
    row = {"genes": 10, "tested": 9, "with_padj": 8, "significant": 2, "up": 1, "down": 1}
    return pd.DataFrame([{"contrast": c, **row, "padj_threshold": padj, "lfc_threshold": 0.0} for c in contrasts])


def study(level_a: str = "ctrl", level_b: str = "treated", column: str = "group") -> dict:
    sheet = pd.DataFrame({column: [level_a] * 3 + [level_b] * 3}, index=[f"s{i}" for i in range(6)])
    config = {
        "design": "~ group",
        "contrasts": {"t_vs_c": {"variable": column, "test": level_b, "reference": level_a}},
        "de": {"alpha": 0.1, "fit_type": "parametric", "cooks_filter": True, "independent_filter": True},
        "gsea": gsea_config("sets.gmt", focus_sets=[f"SET_{level_b}"]),
    }
    counts = de_counts(["t_vs_c"], padj=0.1)
    summary = pd.DataFrame({"set": [f"SET_{level_b}"], "NES_t_vs_c": [2.0], "FDR_t_vs_c": [0.001]})
    return {
        "sheet": sheet,
        "config": config,
        "de_counts": counts,
        "gsea_summary": summary,
        "versions": {"pydeseq2": "0.5.4"},
        "inputs": {"counts": [{"path": f"data/{level_a}.tsv", "sha256": "ab" * 32, "bytes": 1}]},
        "color_by": column,
        "fdr_method": "padj",
        "fdr_floor": 0.01,
    }


@pytest.mark.parametrize("payload", PAYLOADS)
def test_user_text_reaches_the_front_page_as_text(payload: str) -> None:
    html = rendered(
        front_page(**study(level_a=f"a{payload}", level_b=f"b{payload}", column=f"g{payload}"), fdr_threshold=0.05)
    )
    assert "system-message" not in html
    assert not re.search(r"<script>window|<img src=x|\b49\b", html)  # no markup from the payload, no template evaluated
    assert html.count("window.pwned=1") >= 3 or "7 * 7" in html  # the payload is shown, as text


def test_front_page_is_styled_and_links_the_tables_beside_the_report() -> None:
    html = rendered(front_page(**study(), beside={"VST expression": "results/qc/vst.tsv"}))
    assert '<style id="degsea-front-style">' in html and "align-items: flex-start" in html
    assert '<a class="reference external" href="qc/vst.tsv">results/qc/vst.tsv</a>' in html
    assert "<colgroup>" not in html  # list tables size their columns to the content (:widths: auto)


def test_odd_ids_and_levels_are_not_read_as_markup() -> None:
    samples = ["1-a", "s.2", "tumour 3", "4+b", "5_c_", "x*y"]
    sheet = pd.DataFrame({"group": ["ctrl_", "ctrl_", "ctrl_", "t|1", "t|1", "t|1"]}, index=samples)
    config = {
        "design": "~ group",
        "contrasts": {"t_vs_ctrl_": {"variable": "group", "test": "t|1", "reference": "ctrl_"}},
        "de": {"alpha": 0.1, "fit_type": "parametric", "cooks_filter": True, "independent_filter": True},
        "gsea": gsea_config("sets.gmt", focus_sets=[]),
    }
    counts = de_counts(["t_vs_ctrl_"], padj=0.1)
    inputs = [{"path": f"data/htseq counts/{s}.counts.txt", "sha256": "ab" * 32, "bytes": 1} for s in samples]
    text = front_page(
        sheet=sheet,
        config=config,
        de_counts=counts,
        gsea_summary=pd.DataFrame({"set": []}),
        versions={"pydeseq2": "0.5.4"},
        inputs={"counts": inputs},
        color_by="group",
        fdr_method="padj",
        fdr_floor=0.01,
    )
    html = body(text)
    assert "system-message" not in html and "problematic" not in html
    for sample in samples:
        assert f"<td>data/htseq counts/{sample}.counts.txt</td>" in html, sample
    assert "<td>ctrl_</td>" in html and "<td>t_vs_ctrl_</td>" in html and "t|1 (n=3) vs ctrl_ (n=3)" in html


def test_ora_section_with_and_without_de_genes() -> None:
    from degsea.gsea.ora import COLUMNS

    sheet = pd.DataFrame({"group": ["a", "a", "b", "b"]}, index=["s1", "s2", "s3", "s4"])
    config = {
        "design": "~ group",
        "contrasts": {
            "b_vs_a": {"variable": "group", "test": "b", "reference": "a"},
            "a_vs_b": {"variable": "group", "test": "a", "reference": "b"},
        },
        "de": {"alpha": 0.1, "fit_type": "parametric", "cooks_filter": True, "independent_filter": True},
        "gsea": gsea_config("x.gmt", focus_sets=[]),
    }
    counts = de_counts(config["contrasts"], padj=0.1)
    hit = pd.DataFrame(
        [["HALLMARK_X_Y", "x.gmt", "up", 20, 5, 30, 9000, 0.07, 75.0, 1e-9, 2e-8, "A;B", "HALLMARK_X_Y", True, 1]],
        columns=[*COLUMNS, "group", "representative", "group_size"],
    )
    text = front_page(
        sheet=sheet,
        config=config,
        de_counts=counts,
        gsea_summary=pd.DataFrame({"set": []}),
        versions={"gseapy": "1.3.1"},
        inputs={"counts": [{"path": "c.tsv", "sha256": "ab" * 32, "bytes": 1}]},
        color_by="group",
        fdr_method="padj",
        fdr_floor=1e-10,
        ora_tables={"b_vs_a": hit, "a_vs_b": pd.DataFrame(columns=COLUMNS)},
    )
    html = body(text)
    assert "system-message" not in html
    assert "X Y (5/20, padj 2e-08)" in html and "<td>9,000</td>" in html
    assert "no DE genes: not tested" in html and "universe: the genes tested in the contrast" in html


def test_contrasts_of_every_kind_and_lrts_on_the_front_page() -> None:
    sheet = pd.DataFrame(
        {"host": ["WT", "WT", "KO", "KO"] * 2, "drug": ["veh"] * 4 + ["azd"] * 4}, index=[f"s{i}" for i in range(8)]
    )
    config = {
        "design": "~ host * drug",
        "contrasts": {
            "in_wt": {"coefficient": "drug_azd_vs_veh"},
            "in_ko": {"numerator": ["drug_azd_vs_veh", "hostKO.drugazd"]},
            "wt_minus_ko": {"vector": [0, 0, 0, -1]},
        },
        "lrt": {"interaction": {"full": None, "reduced": "~ host + drug"}},
        "de": {"alpha": 0.05, "fit_type": "parametric", "cooks_filter": True, "independent_filter": True},
        "gsea": gsea_config("sets.gmt", focus_sets=[]),
    }
    counts = de_counts(config["contrasts"], padj=0.05)
    lrt = pd.DataFrame({"padj": [0.01, 0.2, None], "df": [1, 1, 1]})
    inputs = {"counts": [{"path": "counts.tsv", "sha256": "ab" * 32, "bytes": 1}]}
    text = front_page(
        sheet=sheet,
        config=config,
        de_counts=counts,
        gsea_summary=pd.DataFrame({"set": []}),
        versions={"pydeseq2": "0.5.4"},
        inputs=inputs,
        color_by="host",
        fdr_method="padj",
        fdr_floor=1e-10,
        lrt_tables={"interaction": lrt},
    )
    html = body(text)
    assert "system-message" not in html and "problematic" not in html
    assert "<td>coefficient drug_azd_vs_veh</td>" in html and "<td>weights 0, 0, 0, -1</td>" in html
    assert "<td>drug_azd_vs_veh + hostKO.drugazd</td>" in html
    assert "<td>~ host * drug vs ~ host + drug</td>" in html and "<td>interaction</td>" in html
