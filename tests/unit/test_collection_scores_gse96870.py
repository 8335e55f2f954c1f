"""Whole-collection sample scores on real data: GSE96870 cerebellum, the full mouse hallmark collection.

Reads ../shared/data (skipped where it is absent). Expression: log2 of median-of-ratios
normalised counts + 1 (genes with >= 10 reads in >= 3 samples), a stand-in for the VST that the
workflow scores; the workflow run itself is in tests/workflow/test_gse96870.py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from degsea.gsea.collection_scores import GroupContrast, collection_scores, contrast_tests, top_variable
from degsea.gsea.collections import read_gmt


@pytest.fixture(scope="module")
def gse96870(shared_data: Path) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, tuple[str, ...]]]:
    data = shared_data / "mouse_GSE96870"
    counts = pd.read_csv(data / "GSE96870_counts_cerebellum.csv", index_col=0)
    sheet = pd.read_csv(data / "GSE96870_coldata_cerebellum.csv", index_col=0)
    counts = counts[(counts >= 10).sum(axis=1) >= 3]
    logs = np.log(counts.where(counts > 0))
    centre = logs.mean(axis=1)  # NaN for genes with a zero: left out of the size factors
    size_factors = np.exp(logs[centre.notna()].sub(centre.dropna(), axis=0).median(axis=0))
    expression = np.log2(counts / size_factors + 1)
    sets = {name: s.genes for name, s in read_gmt(shared_data / "genesets" / "mh.all.v2022.1.Mm.symbols.gmt").items()}
    return expression, sheet, sets


@pytest.mark.parametrize("method", ["gsva", "ssgsea"])
def test_full_hallmark_collection_on_gse96870(gse96870: tuple, method: str) -> None:
    expression, sheet, sets = gse96870
    scores = collection_scores(expression, sets, method=method, min_size=15, max_size=500)
    assert scores.shape == (22, 50)  # every sample, every hallmark set
    assert set(scores.columns) == set(sets)
    assert np.isfinite(scores.to_numpy()).all()
    contrasts = [
        GroupContrast("Day4_vs_Day0", "time", "Day4", "Day0"),
        GroupContrast("Day8_vs_Day0", "time", "Day8", "Day0"),
    ]
    tests = contrast_tests(scores, sheet, contrasts).set_index(["contrast", "set"])
    assert len(tests) == 100
    assert tests.loc[("Day4_vs_Day0", "HALLMARK_INTERFERON_ALPHA_RESPONSE"), "n_test"] == 8
    # Influenza A: the interferon-alpha response is up at Day 4 (GSVA p 0.008, ssGSEA p 0.002 measured)
    ifn = tests.loc[("Day4_vs_Day0", "HALLMARK_INTERFERON_ALPHA_RESPONSE")]
    assert ifn["difference"] > 0 and ifn["pvalue"] < 0.05
    assert len(top_variable(scores, n=30)) == 30
