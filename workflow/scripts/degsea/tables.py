"""Neutral numeric helpers on tables shared by several roles (gene-set scores, figures).

Imports nothing from degsea.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def zscore_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Centre and scale every row (gene) to mean 0, SD 1; constant rows become 0."""
    values = frame.to_numpy(dtype=float)
    sd = values.std(axis=1, ddof=1, keepdims=True)
    sd[~np.isfinite(sd) | (sd == 0)] = 1.0
    return pd.DataFrame((values - values.mean(axis=1, keepdims=True)) / sd, index=frame.index, columns=frame.columns)
