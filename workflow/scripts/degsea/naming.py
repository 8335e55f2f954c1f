"""Neutral text helpers shared by several roles (figures, figure file names, the report).

Imports nothing from degsea.
"""

from __future__ import annotations

import re

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
