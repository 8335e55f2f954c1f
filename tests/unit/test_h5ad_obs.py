"""degsea.inputs.h5ad.read_obs: the sample sheet of an .h5ad read with h5py, as anndata reads it."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd
import pytest

from degsea.inputs.h5ad import read_obs


@pytest.mark.parametrize("index_name", ["sample", None])
@pytest.mark.parametrize("nullable", [False, True])
def test_read_obs_matches_anndata(tmp_path, index_name, nullable):
    obs = pd.DataFrame(
        {
            "age": [1.5, 2.0, 3.0],
            "batch": [1, 2, 3],
            "paired": [True, False, True],
            "donor": ["a", "b", "c"],
            "condition": pd.Categorical(["treated", "untreated", "treated"], categories=["untreated", "treated"]),
        },
        index=pd.Index(["s1", "s2", "s10"], name=index_name),
    )
    if nullable:  # an encoding read_obs leaves to anndata
        obs["reads"] = pd.array([1, None, 3], dtype="Int64")
    path = tmp_path / "counts.h5ad"
    ad.AnnData(X=np.ones((3, 2)), obs=obs).write_h5ad(path)
    expected = ad.read_h5ad(path).obs
    expected.index = expected.index.astype(str)
    got = read_obs(str(path))
    pd.testing.assert_frame_equal(got, expected)
    assert list(got["condition"].cat.categories) == ["untreated", "treated"]
