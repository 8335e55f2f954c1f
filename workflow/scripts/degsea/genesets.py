"""Gene-set collections: reading GMT files and checking them against the data."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from degsea.errors import InputError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GeneSet:
    """One gene set: its name, the description field of the GMT and its member genes."""

    name: str
    description: str
    genes: tuple[str, ...]


def parse_gmt(text: str, *, source: str) -> dict[str, GeneSet]:
    """Parse the text of a GMT file.

    Each line is ``name<TAB>description<TAB>gene<TAB>gene...``. Blank lines are skipped,
    duplicate genes within a set are dropped (first kept), and surrounding white space of
    every field is removed.

    Parameters
    ----------
    text
        The file's content.
    source
        The file name, used in error messages.

    Returns
    -------
    dict
        Set name -> :class:`GeneSet`, in file order.

    Raises
    ------
    InputError
        A line with fewer than three fields, an empty set name, a set without genes, a set
        name given twice, or a file without any set.
    """
    sets: dict[str, GeneSet] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        fields = [field.strip() for field in line.split("\t")]
        name = fields[0]
        genes = tuple(dict.fromkeys(g for g in fields[2:] if g))
        if len(fields) < 3 or not name or not genes:
            raise InputError(
                "A GMT line is not a gene set.",
                file=source,
                where=f"line {number}",
                found=_shorten(line),
                allowed="name<TAB>description<TAB>gene1<TAB>gene2... (tab-separated, at least one gene)",
                hint="GMT files are tab-separated; check that the file was not saved with spaces.",
            )
        if name in sets:
            raise InputError(
                "A gene-set name appears twice in a GMT file.",
                file=source,
                where=f"line {number}",
                found=name,
                allowed="each set name once per file",
                hint="Rename or remove one of the two sets.",
            )
        sets[name] = GeneSet(name=name, description=fields[1], genes=genes)
    if not sets:
        raise InputError(
            "A GMT file holds no gene set.",
            file=source,
            found="an empty file",
            allowed="one gene set per line",
            hint="Check the path in config 'gsea: genesets:'.",
        )
    return sets


def read_gmt(path: str | Path) -> dict[str, GeneSet]:
    """Read a GMT file (see :func:`parse_gmt`)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (FileNotFoundError, IsADirectoryError):
        raise InputError(
            "A gene-set file does not exist.",
            file=str(path),
            found="a directory" if path.is_dir() else "no such file",
            hint="Check the path in config 'gsea: genesets:' (relative paths start at the working directory).",
        ) from None
    except UnicodeDecodeError as err:
        raise InputError(
            "A gene-set file is not UTF-8 text.",
            file=str(path),
            where=f"byte {err.start}",
            allowed="a plain-text GMT file",
            hint="Is it compressed or a spreadsheet? Export it as GMT text.",
        ) from None
    return parse_gmt(text, source=str(path))


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
