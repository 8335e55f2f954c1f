"""GSVA's gene CDFs: a Gaussian kernel below 200 samples, the direct empirical CDF from 200 on (R GSVA, kcdf auto)."""

from __future__ import annotations

import gseapy
import numpy as np
import pandas as pd
import pytest

from degsea.gsea.collection_scores import KCDF_NONE_MIN_SAMPLES, collection_scores


def _data(samples: int) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    rng = np.random.default_rng(7)
    genes = [f"G{i:03d}" for i in range(120)]
    values = rng.normal(8.0, 2.0, size=(len(genes), samples))
    values[:20, : samples // 2] += 1.5  # one set up in half the samples
    expression = pd.DataFrame(values, index=pd.Index(genes, name="symbol"), columns=[f"s{j}" for j in range(samples)])
    return expression, {"UP": genes[:20], "OTHER": genes[40:65]}


def _gseapy(expression: pd.DataFrame, sets: dict[str, list[str]], kcdf: str | None) -> pd.DataFrame:
    raw = gseapy.gsva(
        data=expression, gene_sets=sets, outdir=None, kcdf=kcdf, mx_diff=True, min_size=15, max_size=500, threads=1
    ).res2d
    return raw.pivot(index="Name", columns="Term", values="ES").astype(float).reindex(list(expression.columns))


@pytest.mark.parametrize(
    ("samples", "kcdf", "other"),
    [(KCDF_NONE_MIN_SAMPLES - 1, "Gaussian", None), (KCDF_NONE_MIN_SAMPLES, None, "Gaussian")],
)
def test_gsva_kernel_switches_to_the_direct_cdf_at_200_samples(
    samples: int, kcdf: str | None, other: str | None
) -> None:
    expression, sets = _data(samples)
    scores = collection_scores(expression, sets, method="gsva", min_size=15, max_size=500)
    expected = _gseapy(expression, sets, kcdf)[list(sets)]
    np.testing.assert_allclose(scores.to_numpy(), expected.to_numpy(), rtol=1e-10, atol=1e-12)
    # the two estimates differ, so the test tells which one was used
    assert np.abs(scores.to_numpy() - _gseapy(expression, sets, other)[list(sets)].to_numpy()).max() > 1e-3
    # the planted set scores higher in the samples where it is up, with either estimate
    half = samples // 2
    assert scores["UP"].iloc[:half].mean() > scores["UP"].iloc[half:].mean() + 0.3
