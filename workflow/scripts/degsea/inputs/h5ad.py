"""Counts from an AnnData ``.h5ad`` file (samples x genes), read with anndata's HDF5 reader (no unpickling)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from degsea.errors import InputError
from degsea.inputs.counts import SYMBOL_COLUMNS, CountMatrix, count_matrix
from degsea.inputs.sheet import check_safe_id


def read_h5ad_counts(path: str, *, layer: str | None = None) -> CountMatrix:
    """Read counts from an AnnData file (samples x genes): X, or ``layer``.

    The var column named like a symbol column (symbol, gene_name, ...) gives symbols.
    """
    import anndata as ad

    try:
        adata = ad.read_h5ad(path)
    except Exception as err:  # h5py/anndata raise many types for a broken file
        raise InputError(
            "The .h5ad file cannot be read as AnnData.",
            file=path,
            found=f"{type(err).__name__}: {str(err)[:200]}",
            allowed="an AnnData .h5ad file (samples x genes)",
            hint="Write it with anndata's write_h5ad; a truncated copy fails like this.",
        ) from None
    if layer is None:
        values = adata.X
        where = "X"
    elif layer in adata.layers:
        values = adata.layers[layer]
        where = f"layer {layer!r}"
    else:
        raise InputError(
            "The .h5ad file has no layer of that name.",
            file=path,
            where="config 'counts: layer'",
            found=repr(layer),
            allowed=", ".join(repr(k) for k in adata.layers) or "no layers: leave 'layer' empty to use X",
            hint="Layer names are case-sensitive.",
        )
    if values is None:
        raise InputError(
            "The .h5ad file has no X matrix.", file=path, hint="Name the layer holding counts in 'counts: layer'."
        )
    if hasattr(values, "toarray"):
        values = values.toarray()
    numbers = np.asarray(values, dtype=float)
    bad = ~np.isfinite(numbers) | (numbers < 0) | (numbers != np.round(numbers))
    if bad.any():
        row, col = (int(i[0]) for i in np.nonzero(bad))
        raise InputError(
            "The .h5ad counts are not raw integer counts.",
            file=path,
            where=f"{where}, sample {adata.obs_names[row]!r}, gene {adata.var_names[col]!r}",
            found=repr(float(numbers[row, col])),
            allowed="finite integer counts >= 0",
            hint="Normalised or log values are in X? Name the layer of raw counts in 'counts: layer'.",
        )
    genes = [str(g) for g in adata.var_names]
    samples = [str(s) for s in adata.obs_names]
    for sample in samples:
        check_safe_id(sample, kind="sample ID", file=path, where="obs_names")
    symbol_column = next((c for c in SYMBOL_COLUMNS if c in adata.var.columns), None)
    symbols = None
    if symbol_column is not None:
        raw = adata.var[symbol_column].astype(str).to_numpy()
        symbols = np.where(np.isin(raw, ["", "nan"]), "", raw)
    return count_matrix(
        genes, numbers.T.astype(np.int64), samples, source=path, symbols=symbols, gene_column="var_names"
    )


#: anndata's on-disk encodings of obs columns that :func:`read_obs` decodes itself.
_PLAIN_ENCODINGS = {"string-array", "array", "categorical"}


def read_obs(path: str) -> pd.DataFrame:
    """The ``obs`` table of an ``.h5ad`` file (the sample sheet stored with the counts), index as str.

    Strings, numbers and categoricals (anndata's ``string-array``, ``array`` and ``categorical``
    encodings) are decoded with h5py, which spares the figure jobs anndata's import (about a
    second each); any other encoding is read with anndata.
    """
    return _read_frame(path, "obs")


def read_var(path: str) -> pd.DataFrame:
    """The ``var`` table of an ``.h5ad`` file (gene IDs, symbols), index as str: as :func:`read_obs`."""
    return _read_frame(path, "var")


def _read_frame(path: str, key: str) -> pd.DataFrame:
    """``obs`` or ``var`` (``key``) of an ``.h5ad`` file, index as str: h5py where it can, else anndata."""
    import h5py

    with h5py.File(path, "r") as handle:
        group = handle[key]
        columns = [str(c) for c in group.attrs.get("column-order", [])]
        index_key = str(group.attrs["_index"])
        encodings = {name: str(group[name].attrs.get("encoding-type", "")) for name in [index_key, *columns]}
        if set(encodings.values()) <= _PLAIN_ENCODINGS and encodings[index_key] == "string-array":
            data = {column: _decode(group[column]) for column in columns}
            index = pd.Index(_decode(group[index_key]).astype(str), name=index_key if index_key != "_index" else None)
            return pd.DataFrame(data, index=index, columns=columns)
    import anndata as ad

    frame = getattr(ad.read_h5ad(path, backed="r"), key).copy()
    frame.index = frame.index.astype(str)
    return frame


def _decode(node) -> np.ndarray | pd.Categorical:
    """One obs column of anndata's plain encodings as numpy (strings as object) or a pandas Categorical."""
    if node.attrs.get("encoding-type") == "categorical":
        categories = _decode(node["categories"])
        return pd.Categorical.from_codes(
            node["codes"][()], categories=categories, ordered=bool(node.attrs.get("ordered", False))
        )
    if node.dtype.kind in "OSU":
        return node.asstr()[()].astype(object)
    return node[()]
