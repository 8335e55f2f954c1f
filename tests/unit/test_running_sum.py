"""One running sum: the engine's ES and leading edges equal those the figures draw."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from degsea.gsea import engine
from degsea.gsea.running_sum import running_sum


@pytest.mark.parametrize("weight", [0.0, 1.0, 2.0])
def test_engine_and_figure_share_es_and_leading_edge(weight: float) -> None:
    rng = np.random.default_rng(7)
    genes = [f"g{i}" for i in range(400)]
    ranks = pd.Series(np.sort(rng.normal(size=400))[::-1], index=genes)
    sets = {
        "top": genes[:10] + genes[200:215],
        "bottom": genes[-12:] + genes[100:110],
        "random": list(rng.choice(genes, 30, replace=False)),
    }
    table = engine.prerank(ranks, sets, permutations=0, min_size=5, weight=weight).set_index("Term")
    for name, members in sets.items():
        run = running_sum(ranks, members, weight=weight)
        assert run.es == pytest.approx(table.loc[name, "ES"], abs=1e-12)
        assert set(ranks.index[run.leading_edge]) == set(table.loc[name, "Lead_genes"].split(";"))
        assert run.curve[run.peak] == pytest.approx(run.es, abs=1e-12)  # the drawn curve peaks at ES
    assert table.loc["top", "ES"] > 0 > table.loc["bottom", "ES"]
