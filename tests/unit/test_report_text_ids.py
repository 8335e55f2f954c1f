"""The report's front page shows sample IDs, levels and contrast names as spelled (degsea.report.front_page)."""

from __future__ import annotations

import pandas as pd
from docutils.core import publish_parts

from degsea.report.front_page import front_page


def test_odd_ids_and_levels_are_not_read_as_markup() -> None:
    samples = ["1-a", "s.2", "tumour 3", "4+b", "5_c_", "x*y"]
    sheet = pd.DataFrame({"group": ["ctrl_", "ctrl_", "ctrl_", "t|1", "t|1", "t|1"]}, index=samples)
    config = {
        "design": "~ group",
        "contrasts": {"t_vs_ctrl_": {"variable": "group", "test": "t|1", "reference": "ctrl_"}},
        "de": {"alpha": 0.1, "fit_type": "parametric", "cooks_filter": True, "independent_filter": True},
        "gsea": {"rank_by": "stat", "permutations": 100, "seed": 1, "min_size": 15, "max_size": 500,
                 "genesets": ["sets.gmt"], "focus_sets": []},
    }
    counts = pd.DataFrame([{"contrast": "t_vs_ctrl_", "genes": 10, "tested": 9, "with_padj": 8, "significant": 2, "up": 1,
                            "down": 1, "padj_threshold": 0.1, "lfc_threshold": 0.0}])
    inputs = [{"path": f"data/htseq counts/{s}.counts.txt", "sha256": "ab" * 32, "bytes": 1} for s in samples]
    record = {"versions": {"pydeseq2": "0.5.4"}, "inputs": {"counts": inputs}, "seeds": {}, "config": config}
    text = front_page(sheet=sheet, config=config, de_counts=counts, gsea_summary=pd.DataFrame({"set": []}), record=record,
                      color_by="group")
    html = publish_parts(text.replace("{% raw %}", "").replace("{% endraw %}", ""), writer_name="html")["body"]
    assert "system-message" not in html and "problematic" not in html
    for sample in samples:
        assert f"<td>data/htseq counts/{sample}.counts.txt</td>" in html, sample
    assert "<td>ctrl_</td>" in html and "<td>t_vs_ctrl_</td>" in html and "t|1 (n=3) vs ctrl_ (n=3)" in html
