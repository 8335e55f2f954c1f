"""Gene-set collections: reading GMT files and checking them against the data."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from degsea.errors import InputError
from degsea.io import check_file_kind

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
                hint=(
                    "The line is comma-separated (a CSV file?); GMT fields are separated by tabs."
                    if "\t" not in line and line.count(",") >= 2
                    else "The line is semicolon-separated, as a spreadsheet in a European locale saves 'CSV'; "
                    "GMT fields are separated by tabs: save as 'Text (Tab delimited)' and name the file .gmt."
                    if "\t" not in line and line.count(";") >= 2
                    else "The set has a name and a description but no genes; add its genes or delete the line."
                    if len(fields) == 2
                    else "GMT files are tab-separated; check that the file was not saved with spaces."
                ),
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
    """Read a GMT file, gzipped or not (see :func:`parse_gmt`)."""
    import gzip
    import zlib

    from degsea.io import describe_missing

    path = Path(path)
    if not path.is_file():
        found, extra = describe_missing(path)
        raise InputError(
            "A gene-set file does not exist.",
            file=str(path),
            found=found,
            hint="Check the path in config 'gsea: genesets:' (relative paths start at the working directory)." + extra,
        )
    if path.name.lower().removesuffix(".gz").endswith(".gmx"):
        raise InputError(
            "A gene-set file is a GMX file; degsea reads GMT files.",
            file=str(path),
            found="a .gmx file (one gene set per column)",
            allowed="a GMT file: one gene set per line, name<TAB>description<TAB>genes",
            hint="Convert it to GMT (GSEA's desktop tool does, or transpose it with pandas) and list the .gmt file.",
        )
    raw = path.read_bytes()
    gzipped = raw[:2] == b"\x1f\x8b"
    if gzipped:
        try:
            raw = gzip.decompress(raw)
        except (EOFError, OSError, zlib.error) as err:
            raise InputError(
                "A gene-set file is a gzip file that cannot be read to its end.",
                file=str(path),
                found=str(err),
                hint="The file is truncated or corrupt: check it with 'gzip -t' and copy it again.",
            ) from None
    check_file_kind(
        raw[:65536], gzipped=gzipped, what="gene-set file", source=str(path),
        allowed="a plain-text GMT file: name<TAB>description<TAB>genes, one set per line",
        note="MSigDB serves its GMT files only after a login: a download without it is a web page.",
    )  # fmt: skip
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise InputError(
            "A gene-set file is UTF-16 text, not UTF-8.",
            file=str(path),
            found="a UTF-16 byte-order mark",
            allowed="a plain-text GMT file in UTF-8",
            hint="Convert it with 'iconv -f UTF-16 -t UTF-8', or save it again as UTF-8 text.",
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(
            "A gene-set file is not UTF-8 text.",
            file=str(path),
            where=f"byte {err.start}",
            found=f"the bytes {raw[err.start : err.start + 4]!r}, e.g. Latin-1 (Windows-1252) accents from an older "
            "Excel",
            allowed="a plain-text GMT file in UTF-8",
            hint="Convert it with 'iconv -f LATIN1 -t UTF-8', or save it again as UTF-8 text.",
        ) from None
    return parse_gmt(text, source=str(path))


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def read_orthologs(path: str | Path, *, source_column: str, target_column: str) -> dict[str, tuple[str, ...]]:
    """Read an ortholog table: gene-set symbol (``source_column``) -> data symbols (``target_column``).

    TSV, or CSV when named ``.csv``, gzipped or not, with a header line. A gene with several
    orthologs maps to all of them; empty cells are skipped.
    """
    import io

    import pandas as pd

    from degsea.io import delimiter_for, read_text

    text = read_text(path, what="ortholog table", config_key="gsea: orthologs: table")
    table = pd.read_csv(io.StringIO(text), sep=delimiter_for(path), dtype=str, keep_default_na=False)
    missing = [c for c in (source_column, target_column) if c not in table.columns]
    if missing:
        raise InputError(
            "The ortholog table lacks a configured column.",
            file=str(path),
            where="header (line 1); config 'gsea: orthologs: from' / 'to'",
            found=f"no column {', '.join(repr(m) for m in missing)}; the table has "
            f"{', '.join(repr(c) for c in table.columns)}",
            allowed="'from' = the column of the gene sets' symbols, 'to' = the column of the data's symbols",
            hint="For a human -> mouse table: from = the human-symbol column, to = the mouse-symbol column.",
        )
    pairs = table[[source_column, target_column]].apply(lambda col: col.str.strip())
    pairs = pairs[(pairs[source_column] != "") & (pairs[target_column] != "")].drop_duplicates()
    mapping: dict[str, tuple[str, ...]] = {}
    for source, targets in pairs.groupby(source_column, sort=False)[target_column]:
        mapping[str(source)] = tuple(dict.fromkeys(targets))
    if not mapping:
        raise InputError(
            "The ortholog table holds no pairs.",
            file=str(path),
            found="no row with both columns filled",
            hint="Check the 'from' and 'to' column names in config 'gsea: orthologs'.",
        )
    log.info("ortholog table %s: %d source symbols", path, len(mapping))
    return mapping


def translate_sets(
    sets: dict[str, GeneSet], orthologs: dict[str, tuple[str, ...]], *, source: str
) -> tuple[dict[str, GeneSet], float]:
    """Translate every set's genes with an ortholog table; genes without an ortholog are dropped.

    Returns the translated sets (empty sets are left out) and the share of the collection's
    genes that had an ortholog.
    """
    members = set().union(*(s.genes for s in sets.values()))
    rate = sum(g in orthologs for g in members) / len(members) if members else 0.0
    translated = {}
    for name, geneset in sets.items():
        genes = tuple(dict.fromkeys(t for g in geneset.genes for t in orthologs.get(g, ())))
        if genes:
            translated[name] = GeneSet(name=name, description=geneset.description, genes=genes)
    log.info(
        "%s: translated with orthologs, %d of %d genes (%.1f %%) have one; %d of %d sets kept",
        source,
        sum(g in orthologs for g in members),
        len(members),
        100 * rate,
        len(translated),
        len(sets),
    )
    return translated, rate


def load_collections(
    gmt_files: list[str],
    *,
    msigdb: Sequence[tuple[Any, str]] = (),  # (degsea.gsea.msigdb.Collection, its downloaded file)
    orthologs: dict[str, Any] | None = None,
) -> tuple[dict[str, dict[str, GeneSet]], dict[str, float]]:
    """Read every configured collection and translate those listed under ``orthologs: collections``.

    Parameters
    ----------
    gmt_files
        GMT files of config ``gsea: genesets``.
    msigdb
        Parsed ``gsea: msigdb`` entries, each with its downloaded file (the rule's input).
    orthologs
        Config ``gsea: orthologs`` ({table, from, to, collections}); a collection is translated
        when its GMT path, MSigDB collection name or MSigDB file name is in ``collections``.

    Returns
    -------
    (dict, dict)
        Collection label (its file) -> sets, and label -> share of genes with an ortholog for
        the translated ones.
    """
    labels: dict[str, set[str]] = {}
    for path in gmt_files:
        labels[str(path)] = {str(path), Path(path).name}
    for entry, path in msigdb:
        labels[str(path)] = {str(path), entry.collection, entry.file_name}
    wanted = set((orthologs or {}).get("collections") or [])
    unknown = wanted - set().union(*labels.values()) if labels else wanted
    if unknown:
        raise InputError(
            "Collections to translate with orthologs are not configured gene-set collections.",
            where="config 'gsea: orthologs: collections'",
            found=", ".join(sorted(unknown)),
            allowed="paths of 'gsea: genesets' or collection names of 'gsea: msigdb': " + ", ".join(sorted(labels)),
            hint="Name each collection exactly as it is given in the config.",
        )
    table = None
    collections: dict[str, dict[str, GeneSet]] = {}
    rates: dict[str, float] = {}
    for label, names in labels.items():
        sets = read_gmt(label)
        if names & wanted:
            if table is None:
                table = read_orthologs(
                    orthologs["table"], source_column=orthologs["from"], target_column=orthologs["to"]
                )
            sets, rates[label] = translate_sets(sets, table, source=label)
        collections[label] = sets
    return collections, rates


def collections_to_json(collections: dict[str, dict[str, GeneSet]], rates: dict[str, float]) -> dict[str, Any]:
    """Plain-data form of prepared collections (see :func:`collections_from_json`)."""
    return {
        "collections": {
            label: {name: {"description": s.description, "genes": list(s.genes)} for name, s in sets.items()}
            for label, sets in collections.items()
        },
        "ortholog_rate": rates,
    }


def collections_from_json(data: dict[str, Any]) -> tuple[dict[str, dict[str, GeneSet]], dict[str, float]]:
    """Inverse of :func:`collections_to_json`."""
    collections = {
        label: {
            name: GeneSet(name=name, description=s["description"], genes=tuple(s["genes"])) for name, s in sets.items()
        }
        for label, sets in data["collections"].items()
    }
    return collections, {k: float(v) for k, v in data.get("ortholog_rate", {}).items()}
