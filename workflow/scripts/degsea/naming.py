"""Neutral text helpers shared by several roles (figures, figure file names, the report, level order).

Imports nothing from degsea.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

#: Collection prefixes dropped from set names shown to readers.
SET_PREFIXES = ("HALLMARK_", "DEGSEA_", "REACTOME_", "KEGG_", "GOBP_", "GOCC_", "GOMF_", "WP_", "BIOCARTA_")


def file_slug(name: str) -> str:
    """A file-name-safe form of a gene-set name (letters, digits, ``_``, ``-``, ``.``)."""
    slug = re.sub(r"[^A-Za-z0-9_.\-]+", "_", name).strip("._")
    return slug or "set"


def short_set_name(name: str, *, limit: int = 42) -> str:
    """A readable set name: common prefixes (``HALLMARK_``, ``DEGSEA_``, ...) dropped, ``_`` as spaces."""
    for prefix in SET_PREFIXES:
        if name.startswith(prefix):
            name = name[len(prefix):]
            break
    name = name.replace("_", " ")
    return name if len(name) <= limit else name[: limit - 1] + "…"


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that reads runs of digits as numbers: Day0 < Day4 < Day8 < Day10, dose 2 < dose 10.

    Letters compare without case (the exact text breaks ties, see :func:`natural_sorted`).
    """
    parts = re.split(r"(\d+)", str(text))
    return tuple((0, int(part)) if part.isdigit() else (1, part.casefold()) for part in parts if part)


def natural_sorted(values: Iterable[str]) -> list[str]:
    """``values`` in natural order (:func:`natural_key`), ties by the exact text."""
    return sorted(values, key=lambda v: (natural_key(v), str(v)))


def level_order(present: Iterable[object], *, colors: Mapping[str, object] | None = None, levels: Sequence[object] | None = None) -> list[str]:
    """The display order of a sample-sheet variable's levels.

    First the levels given colours (config ``plots: colors``) in that order, then those
    listed in config ``levels`` for the variable in that order, then the rest in natural
    order (:func:`natural_key`). Only levels in ``present`` are returned, as text.
    """
    found = {str(level) for level in present}
    order: list[str] = []
    for source in (colors or {}, levels or ()):
        order += [level for level in map(str, source) if level in found and level not in order]
    return order + natural_sorted(found - set(order))


def absent_levels(given: Iterable[object], present: Iterable[object]) -> list[str]:
    """The levels of ``given`` (colours, a level list of the config) that no sample has, in order."""
    found = {str(level) for level in present}
    return [str(level) for level in given if str(level) not in found]
