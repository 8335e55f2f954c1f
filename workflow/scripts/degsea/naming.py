"""Neutral text helpers shared by several roles (figures, figure file names, the report, level order,
the count import and the gene-set checks).

Imports nothing from degsea.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

#: Text that Snakemake's HTML report cannot carry safely. The report writes rule parameters,
#: rule inputs and labels (config values and the sheet's per-sample file paths among them) into
#: ``<script>`` elements as JSON without escaping ``</``, so ``</`` or ``<!--`` would end or garble
#: the script and run what follows as HTML; and it renders the front page and the captions with
#: Jinja, where ``{%`` starts template code.
REPORT_BREAKERS = ("</", "<!--", "{%")

#: Collection prefixes dropped from set names shown to readers.
SET_PREFIXES = ("HALLMARK_", "DEGSEA_", "REACTOME_", "KEGG_", "GOBP_", "GOCC_", "GOMF_", "WP_", "BIOCARTA_")


def file_slug(name: str) -> str:
    """A file-name-safe form of a gene-set name (letters, digits, ``_``, ``-``, ``.``)."""
    slug = re.sub(r"[^A-Za-z0-9_.\-]+", "_", name).strip("._")
    return slug or "set"


def case_clash(names: Iterable[str], *, key=str.casefold) -> tuple[str, str] | None:  # noqa: ANN001 - a str -> str function
    """The first two names that are one on a case-insensitive file system (macOS, Windows), or None.

    ``key`` maps a name to what the file system compares (e.g. its file slug, casefolded).
    """
    seen: dict[str, str] = {}
    for name in names:
        folded = key(name)
        if folded in seen and seen[folded] != name:
            return seen[folded], name
        seen.setdefault(folded, name)
    return None


def short_set_name(name: str, *, limit: int = 42) -> str:
    """A readable set name: common prefixes (``HALLMARK_``, ``DEGSEA_``, ...) dropped, ``_`` as spaces."""
    for prefix in SET_PREFIXES:
        if name.startswith(prefix):
            name = name[len(prefix) :]
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


def level_order(
    present: Iterable[object], *, colors: Mapping[str, object] | None = None, levels: Sequence[object] | None = None
) -> list[str]:
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


# --- gene identifiers ------------------------------------------------------------------------

#: Ensembl gene IDs by species prefix (the species a user meets most); other ENS...G IDs are "Ensembl".
ENSEMBL_SPECIES = {
    "ENSG": "human",
    "ENSMUSG": "mouse",
    "ENSRNOG": "rat",
    "ENSDARG": "zebrafish",
    "ENSGALG": "chicken",
    "ENSSSCG": "pig",
    "ENSBTAG": "cattle",
    "ENSMMUG": "macaque",
}
_ENSEMBL = re.compile(r"(ENS[A-Z]*G)\d{11}(\.\d+)?(_PAR_Y)?")
#: Entries that gene annotations mix among Ensembl IDs and that say nothing of the ID type:
#: LRG records, and the PAR_Y copies of pseudo-autosomal genes (ENSG..._PAR_Y, caught above).
_NEUTRAL = re.compile(r"LRG_\d+(\.\d+)?")
_ENTREZ = re.compile(r"\d+")
_REFSEQ = re.compile(r"[NX][MR]_\d+(\.\d+)?")
_MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec"
#: Gene names that spreadsheets turn into dates or numbers (Ziemann et al. 2016): 1-Mar, Sep-2,
#: 2006-03-01, 3/1/2006, 2.31E+13 (a RIKEN clone ID such as 2310009E13).
SPREADSHEET_DAMAGE = re.compile(
    rf"(\d{{1,2}}-({_MONTHS})(-\d{{2,4}})?|({_MONTHS})-\d{{1,4}}|\d{{4}}-\d{{2}}-\d{{2}}(\s.*)?|\d{{1,2}}/\d{{1,2}}/\d{{2,4}}|\d+(\.\d+)?E\+\d+)",
    flags=re.IGNORECASE,
)


def spreadsheet_dates(names: Iterable[object]) -> list[str]:
    """Names that look like dates or numbers a spreadsheet made of gene names, in order, once each."""
    found = dict.fromkeys(n for n in names if isinstance(n, str) and SPREADSHEET_DAMAGE.fullmatch(n.strip()))
    return list(found)


def gene_id_kind(ids: Iterable[object]) -> str:
    """What identifiers these are, in words: 'human Ensembl gene IDs', 'Entrez gene IDs', 'mouse-style symbols', ...

    The kind of most IDs wins (at least 60 %); LRG_ records and ENSG..._PAR_Y copies, which
    annotations mix in among Ensembl IDs, count for Ensembl and never for symbols.
    """
    kinds: Counter[str] = Counter()
    neutral = 0
    for value in ids:
        if not isinstance(value, str) or not value:
            continue
        match = _ENSEMBL.fullmatch(value)
        if match:
            species = ENSEMBL_SPECIES.get(match.group(1))
            kinds[f"{species} Ensembl gene IDs" if species else "Ensembl gene IDs"] += 1
        elif _NEUTRAL.fullmatch(value):
            neutral += 1
        elif _ENTREZ.fullmatch(value):
            kinds["Entrez gene IDs"] += 1
        elif _REFSEQ.fullmatch(value):
            kinds["RefSeq IDs"] += 1
        elif any(c.isalpha() for c in value):
            kinds[_symbol_style(value)] += 1
    total = sum(kinds.values())
    if not total:
        return "no gene IDs" if not neutral else "LRG records only"
    kind, count = kinds.most_common(1)[0]
    if kind.endswith("symbols") and kind != "symbols":  # human- vs mouse-style needs a clear majority of symbols
        symbols = sum(v for k, v in kinds.items() if k.endswith("symbols"))
        if count < 0.8 * symbols:
            kind = "symbols"
    return kind if count >= 0.6 * total else "a mix of " + " and ".join(k for k, _ in kinds.most_common(2))


def _symbol_style(value: str) -> str:
    letters = [c for c in value if c.isalpha()]
    if all(c.isupper() for c in letters):
        return "human-style symbols"
    if letters[0].isupper() and any(c.islower() for c in letters[1:]):
        return "mouse-style symbols"
    return "symbols"
