"""apeglm's whole-gene evaluations in gene blocks (bounded memory at cohort scale) equal the one-piece answer."""

from __future__ import annotations

import numpy as np
import pytest

from degsea.de.exact import apeglm


def _study(genes: int = 60, samples: int = 12) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(3)
    x = np.column_stack([np.ones(samples), np.repeat([0.0, 1.0], samples // 2)])
    mean = rng.gamma(2.0, 50.0, size=genes)[:, None] * np.exp2(np.outer(rng.normal(0, 1.5, genes), x[:, 1]))
    size = 1.0 / rng.uniform(0.02, 0.5, size=genes)
    y = rng.negative_binomial(size[:, None], size[:, None] / (size[:, None] + mean)).astype(float)
    offset = np.broadcast_to(rng.normal(0.0, 0.2, samples), y.shape)
    return y, x, size, offset


def test_blocks_give_the_one_piece_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    y, x, size, offset = _study()
    whole = apeglm.apeglm_map(y, x, size, offset, shrink=1, prior_scale=1.0)
    monkeypatch.setattr(apeglm, "EVAL_BLOCK_ELEMENTS", 5 * y.shape[1])  # 12 blocks of 5 genes
    assert len(apeglm._eval_blocks(*y.shape)) == 12
    blocked = apeglm.apeglm_map(y, x, size, offset, shrink=1, prior_scale=1.0)
    for one, many in zip(whole, blocked, strict=True):
        np.testing.assert_array_equal(one, many)
    # every gene has an answer (a block boundary loses no gene)
    assert np.isfinite(whole[0]).all() and np.isfinite(whole[1]).all()


def test_no_genes_is_one_empty_block() -> None:
    assert apeglm._eval_blocks(0, 10) == [slice(0, 0)]
