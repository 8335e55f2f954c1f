"""Cook's distances and DESeq2's Cook's outlier rule (``results()``'s ``cooksCutoff``).

* :func:`lrt_cooks_distances`: DESeq2's ``nbinomLRT`` computes Cook's distances before it
  stores the full model's fitted means, so it uses the means of the gene-wise dispersion step
  (clipped at ``minmu``) with the full fit's hat diagonals; the outlier replacement that
  follows (``DESeq(test="LRT")``) and the filtering use these distances.
* :func:`cooks_outliers`: the genes whose p-values ``results()`` sets to NA.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import f as f_dist

from degsea.de.exact import seam


def n_or_more_in_cell(design: np.ndarray, n: int) -> np.ndarray:
    """DESeq2's ``nOrMoreInCell``: samples whose design row occurs at least ``n`` times."""
    _, inverse, counts = np.unique(np.asarray(design, dtype=float), axis=0, return_inverse=True, return_counts=True)
    return counts[inverse.ravel()] >= n


def lrt_cooks_distances(dds) -> np.ndarray:  # noqa: ANN001
    """Samples x genes Cook's distances as ``nbinomLRT`` computes them (NaN for all-zero genes).

    ``cooks = (y - mu)^2 / (mu + a mu^2) / p * h / (1 - h)^2`` with ``a`` the robust
    method-of-moments dispersion, ``mu`` the gene-wise dispersion step's means and ``h`` the
    full fit's hat diagonals.
    """
    nz = dds.var[seam.NON_ZERO].to_numpy(dtype=bool)
    design = dds.obsm[seam.DESIGN_MATRIX]
    disp = seam.robust_method_of_moments_disp(dds.layers[seam.NORMED_COUNTS][:, nz], design)
    mu = dds.layers[seam.MU_HAT][:, nz]
    y = np.asarray(dds.X[:, nz], dtype=float)
    hat = dds.obsm[seam.HAT_DIAGONALS]
    cooks = np.full(dds.shape, np.nan)
    cooks[:, nz] = (y - mu) ** 2 / (mu + disp[None, :] * mu**2) / design.shape[1] * hat / (1.0 - hat) ** 2
    return cooks


def _design_variables(dds) -> list[str]:  # noqa: ANN001
    import re  # noqa: PLC0415

    design = getattr(dds, "design", None)
    if not isinstance(design, str):
        return []
    return list(dict.fromkeys(re.findall(r"[A-Za-z_.][A-Za-z0-9_.]*", design)))


def cooks_outliers(dds) -> np.ndarray:  # noqa: ANN001
    """Genes whose p-values DESeq2's ``results()`` sets to NA for a Cook's distance outlier.

    ``maxCooks`` is the largest Cook's distance over the samples in design cells of 3 or
    more; after an outlier refit it is taken with the replaceable samples' distances set to
    0 (every gene), and it is NA for all genes when every sample is replaceable. A gene is
    an outlier when ``maxCooks`` exceeds the 99 % quantile of F(p, m - p); with a design of
    one two-level factor, not when 3 or more samples have a count above the outlier's.
    """
    x = dds.obsm[seam.DESIGN_MATRIX].to_numpy(dtype=float)
    m, p = x.shape
    none = np.zeros(dds.n_vars, dtype=bool)
    if seam.COOKS not in dds.layers or m <= p:
        return none
    cooks = np.array(dds.layers[seam.COOKS], dtype=float)
    refitted = dds.var.get(seam.REFITTED)
    if refitted is not None and bool(refitted.any()):
        replaceable = dds.obs[seam.REPLACEABLE].to_numpy(dtype=bool)
        if replaceable.all():
            return none
        cooks[replaceable, :] = 0.0
    use = n_or_more_in_cell(x, 3)
    if not use.any():
        return none
    with np.errstate(invalid="ignore"):
        outlier = np.max(cooks[use], axis=0) > f_dist.ppf(0.99, p, m - p)
    variables = _design_variables(dds)
    if outlier.any() and len(variables) == 1:
        column = dds.obs.get(variables[0])
        if column is not None and isinstance(column.dtype, pd.CategoricalDtype) and len(column.cat.categories) == 2:
            counts = np.asarray(dds.X, dtype=float)
            original = np.array(dds.layers[seam.COOKS], dtype=float)
            for g in np.flatnonzero(outlier):
                out_count = counts[np.nanargmax(original[:, g]), g]
                if (counts[:, g] > out_count).sum() >= 3:
                    outlier[g] = False
    return outlier
