"""R's random number streams (degsea.r_random), against R.

The reference values were made by R 4.2 with tests/unit/fixtures/r_random.R.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from degsea.r_random import RStream

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
