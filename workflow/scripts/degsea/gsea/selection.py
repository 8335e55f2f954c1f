"""Which gene sets a summary figure shows: the focus sets, then the strongest others."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd


def select_sets(
    summary: pd.DataFrame, *, focus: Sequence[str] = (), top_n: int = 10, collapse: bool = True
) -> list[str]:
    """Focus sets, then the ``top_n`` other sets with the lowest FDR in any contrast, one per redundancy group.

    Parameters
    ----------
    summary
        ``results/gsea/summary.tsv``: ``set`` and ``NES_<contrast>``, ``FDR_<contrast>`` columns.
    focus
        Sets always shown, in this order (those not in the summary are skipped).
    top_n
        Number of further sets; ties are broken by the largest absolute NES, then name.
    collapse
        With ``group_<contrast>`` columns (:func:`degsea.gsea.collapse.with_groups`): a set is
        left out when, in the contrast where it has its lowest FDR, a set already shown is in its
        group; so each group appears once, through its most significant set.
    """
    fdr_columns = [c for c in summary.columns if c.startswith("FDR_")]
    fdr = summary[fdr_columns].min(axis=1, skipna=True).fillna(1.0)
    nes = summary.filter(like="NES_").abs().max(axis=1, skipna=True).fillna(0.0)
    ranked = pd.DataFrame({"set": summary["set"].astype(str), "fdr": fdr, "nes": -nes})
    ranked = ranked.sort_values(["fdr", "nes", "set"], kind="mergesort")
    present = set(ranked["set"])
    chosen = [s for s in focus if s in present]
    contrasts = [c.removeprefix("FDR_") for c in fdr_columns]
    grouped = collapse and bool(contrasts) and all(f"group_{c}" in summary for c in contrasts)
    rows = summary.set_index(summary["set"].astype(str))

    def groups_of(name: str) -> set[tuple[str, str]]:
        return {(c, str(rows.at[name, f"group_{c}"])) for c in contrasts if pd.notna(rows.at[name, f"group_{c}"])}

    shown = set().union(*(groups_of(s) for s in chosen)) if grouped else set()
    others: list[str] = []
    for name in ranked["set"]:
        if len(others) >= max(0, top_n):
            break
        if name in chosen:
            continue
        if grouped:
            best = rows.loc[name, fdr_columns].astype(float).fillna(1.0).idxmin().removeprefix("FDR_")
            if (best, str(rows.at[name, f"group_{best}"])) in shown:
                continue  # its group is on the plot already
            shown |= groups_of(name)
        others.append(name)
    return chosen + others
