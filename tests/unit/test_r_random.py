"""R's random number streams (degsea.de.exact.r_random) and DESeq2's simulated prior variance, against R.

The reference values were made by R 4.2 with the scripts next to them in tests/unit/fixtures
(r_random.R, r_loess.R, r_prior_variance.R; DESeq2 1.38.3).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from degsea.de.exact import rcompat, trend
from degsea.de.exact.r_random import RStream

FIXTURES = Path(__file__).parent / "fixtures"
SEEDS = [2, 1, 12345, -7]
LONG_STREAMS = {
    "rchisq_df1": lambda s, n: s.rchisq(n, 1),  # gamma shape 0.5: algorithm GS
    "rchisq_df2": lambda s, n: s.rchisq(n, 2),  # shape 1: GD
    "rchisq_df3": lambda s, n: s.rchisq(n, 3),  # shape 1.5: GD, as DESeq2 draws for sim_factor3_small
    "rgamma_0.3": lambda s, n: s.rgamma(n, 0.3),
    "rgamma_5": lambda s, n: s.rgamma(n, 5, 0.5),  # GD's constants for 3.686 < shape <= 13.022
    "rgamma_20": lambda s, n: s.rgamma(n, 20),  # and above
}


@pytest.fixture(scope="module")
def r_draws() -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "r_random.tsv.gz", sep="\t", float_precision="round_trip")


def _r(r_draws: pd.DataFrame, seed: int, stream: str) -> tuple[np.ndarray, np.ndarray]:
    rows = r_draws[(r_draws["seed"] == seed) & (r_draws["stream"] == stream)].sort_values("index")
    assert len(rows), f"no R draws for {stream} (seed {seed}) in the fixture"
    return rows["index"].to_numpy(), rows["value"].to_numpy()


@pytest.mark.parametrize("seed", SEEDS)
def test_uniforms_are_rs_bit_for_bit(r_draws, seed):
    _, expected = _r(r_draws, seed, "runif")
    np.testing.assert_array_equal(RStream(seed).runif(len(expected)), expected)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("stream", ["rnorm", "rexp"])
def test_normals_and_exponentials_are_rs(r_draws, seed, stream):
    _, expected = _r(r_draws, seed, stream)
    drawn = getattr(RStream(seed), stream)(len(expected))
    np.testing.assert_allclose(drawn, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("stream", list(LONG_STREAMS))
def test_long_gamma_streams_are_rs(r_draws, seed, stream):
    """10,000 draws: every 20th value, the sum, and the uniforms drawn next (the count consumed)."""
    stream_ = RStream(seed)
    drawn = LONG_STREAMS[stream](stream_, 10_000)
    after = stream_.runif(3)
    index, expected = _r(r_draws, seed, stream)
    np.testing.assert_allclose(drawn[index - 1], expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(drawn.sum(), _r(r_draws, seed, f"{stream}_sum")[1][0], rtol=1e-12)
    np.testing.assert_array_equal(after, _r(r_draws, seed, f"{stream}_then_runif")[1])


@pytest.mark.parametrize("seed", SEEDS)
def test_mixed_stream_in_deseq2s_order(r_draws, seed):
    """rchisq, rnorm with sd 0 (draws nothing), rnorm, rchisq, runif: one stream, as in R."""
    s = RStream(seed)
    drawn = np.concatenate(
        [s.rchisq(200, 3), s.rnorm(200, 0, 0), s.rnorm(200, 0, np.sqrt(0.7)), s.rchisq(200, 1), s.runif(3)]
    )
    _, expected = _r(r_draws, seed, "mixed")
    np.testing.assert_allclose(drawn, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(drawn[-3:], expected[-3:])


def test_rgamma_rejects_a_non_positive_shape():
    with pytest.raises(ValueError, match="positive shape and scale"):
        RStream(1).rgamma(5, 0.0)


@pytest.mark.parametrize("case", ["deseq2_grid", "ties", "default_span"])
def test_loess_interpolates_as_r(case):
    """R's loess with surface = "interpolate" (k-d tree vertices, Hermite cubics), not direct fits."""
    table = pd.read_csv(FIXTURES / "r_loess.tsv.gz", sep="\t", float_precision="round_trip")
    rows = table[table["case"] == case]

    def get(kind: str) -> np.ndarray:
        return rows[rows["kind"] == kind].sort_values("index")["value"].to_numpy()

    fit = rcompat.loess_quadratic(get("x"), get("y"), get("at"), span=float(rows["span"].iloc[0]))
    np.testing.assert_allclose(fit, get("fit"), rtol=0, atol=1e-12)


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_simulated_prior_variance_is_deseq2s(seed):
    """DESeq2's estimateDispersionsPriorVar on residuals drawn in R, for 1, 2 and 3 degrees of freedom."""
    cases = pd.read_csv(FIXTURES / "r_prior_variance.tsv", sep="\t", float_precision="round_trip")
    case = cases[cases["seed"] == seed].iloc[0]
    df = int(case["df"])
    s = RStream(seed)
    residuals = np.log(s.rchisq(int(case["n"]), df) / df) + s.rnorm(int(case["n"]), 0, np.sqrt(case["v"]))
    prior = trend.simulated_prior_variance(residuals, df)
    assert prior == pytest.approx(case["dispPriorVar"], abs=1e-9)
