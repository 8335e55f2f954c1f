"""Which gene sets a summary figure shows: the focus sets, then the strongest others."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd


def select_sets(summary: pd.DataFrame, *, focus: Sequence[str] = (), top_n: int = 10) -> list[str]:
    """Focus sets, then the ``top_n`` other sets with the lowest FDR in any contrast.

    Parameters
    ----------
    summary
        ``results/gsea/summary.tsv``: ``set`` and ``NES_<contrast>``, ``FDR_<contrast>`` columns.
    focus
        Sets always shown, in this order (those not in the summary are skipped).
    top_n
        Number of further sets; ties are broken by the largest absolute NES, then name.
    """
    fdr = summary.filter(like="FDR_").min(axis=1, skipna=True).fillna(1.0)
    nes = summary.filter(like="NES_").abs().max(axis=1, skipna=True).fillna(0.0)
    ranked = pd.DataFrame({"set": summary["set"].astype(str), "fdr": fdr, "nes": -nes})
    ranked = ranked.sort_values(["fdr", "nes", "set"], kind="mergesort")
    present = set(ranked["set"])
    chosen = [s for s in focus if s in present]
    others = [s for s in ranked["set"] if s not in chosen][: max(0, top_n)]
    return chosen + others
