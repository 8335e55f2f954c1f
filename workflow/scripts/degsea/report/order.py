"""Report order: names that sort into analysis and config order in Snakemake's report.

Snakemake's report lists categories, subcategories and the rows of a result table sorted
alphabetically (JavaScript ``localeCompare``) by name and label values; it has no option to keep
the workflow's order. Numbering the names, zero-padded to one width, makes that alphabetical
order the order given: ``1. responsive_vs_untreated`` before ``2. resistant_vs_untreated``.
"""

from __future__ import annotations

from collections.abc import Iterable


def numbered(names: Iterable[str], *, start: int = 1) -> dict[str, str]:
    """Each name -> ``"<n>. <name>"``, numbered in the order given and zero-padded so that they sort in it.

    Parameters
    ----------
    names
        Names in the order the report should show them (e.g. the config's contrasts).
    start
        The first number.

    Returns
    -------
    dict
        Name -> numbered label, in the order given.

    Examples
    --------
    >>> numbered(["b_vs_a", "c_vs_a"])
    {'b_vs_a': '1. b_vs_a', 'c_vs_a': '2. c_vs_a'}
    """
    names = list(dict.fromkeys(names))
    width = len(str(start + len(names) - 1)) if names else 1
    return {name: f"{i:0{width}d}. {name}" for i, name in enumerate(names, start=start)}
