"""degsea.inputs.h5ad.read_obs, read_var: an .h5ad's sample sheet and genes, read with h5py as anndata reads them."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd
import pytest

from degsea.inputs.h5ad import read_obs, read_var


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


@pytest.mark.parametrize("categorical", [False, True])
def test_read_var_matches_anndata(tmp_path, categorical):
    # symbols: unique strings stay strings; repeated ones become a categorical (strings_to_categoricals)
    symbols = ["Cd74", "H2-Aa", "Cd74", ""] if categorical else ["Cd74", "H2-Aa", "Mtor", ""]
    var = pd.DataFrame({"symbol": symbols, "length": [1.0, 2.0, 3.0, 4.0]}, index=["g1", "g2", "g3", "g4"])
    adata = ad.AnnData(X=np.ones((2, 4)), var=var)
    adata.strings_to_categoricals()
    path = tmp_path / "counts.h5ad"
    adata.write_h5ad(path)
    expected = ad.read_h5ad(path).var
    got = read_var(str(path))
    pd.testing.assert_frame_equal(got, expected)
    assert (got["symbol"].astype(str) == expected["symbol"].astype(str)).all()
