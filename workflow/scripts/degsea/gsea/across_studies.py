"""Gene-set enrichment across the studies of a many-studies run.

NES and FDR of chosen sets in every study's contrasts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

#: Columns of the cross-study NES table (one row per set, study and contrast).
NES_COLUMNS = ["set", "collection", "study", "contrast", "NES", "FDR"]


def nes_across_studies(
    summaries: Mapping[str, pd.DataFrame], contrasts: Mapping[str, Sequence[str]], *, sets: Sequence[str]
) -> pd.DataFrame:
    """NES and FDR of ``sets`` in every contrast of every study, as a long table.

    Parameters
    ----------
    summaries
        Study -> its sets x contrasts summary (``results/{study}/gsea/summary.tsv``: ``set``,
        ``collection``, ``NES_<contrast>``, ``FDR_<contrast>``).
    contrasts
        Study -> its contrasts, in the order of the columns wanted.
    sets
        The sets, in the order of the rows wanted.

    Returns
    -------
    pandas.DataFrame
        :data:`NES_COLUMNS`, ordered by set, then study and contrast as given. A set that a study
        did not test (not in its collections, or outside its size limits) has an empty NES and
        FDR there, and an empty collection when no study tested it.
    """
    indexed = {study: summaries[study].drop_duplicates("set").set_index("set") for study in contrasts}
    rows = []
    for name in sets:
        for study, names in contrasts.items():
            summary = indexed[study]
            tested = name in summary.index
            for contrast in names:
                rows.append(
                    {
                        "set": name,
                        "collection": summary.at[name, "collection"] if tested else None,
                        "study": study,
                        "contrast": contrast,
                        "NES": float(summary.at[name, f"NES_{contrast}"]) if tested else float("nan"),
                        "FDR": float(summary.at[name, f"FDR_{contrast}"]) if tested else float("nan"),
                    }
                )
    table = pd.DataFrame(rows, columns=NES_COLUMNS)
    # one collection per set for every row: the first study's that tested it
    known = table.dropna(subset=["collection"]).drop_duplicates("set").set_index("set")["collection"]
    table["collection"] = table["set"].map(known)
    return table
