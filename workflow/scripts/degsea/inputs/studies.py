"""The studies sheet of a many-studies run: one row per study, its config file, its comparable contrasts.

A many-studies run (``snakemake --configfile config/studies.yaml``) reads a sheet (TSV, or CSV
when named ``.csv``) with the columns

- ``study``: the study's name, used in paths (``results/{study}/...``) and rule names;
- ``config``: the study's own config file, as given to a single-study run;
- ``comparable`` (optional): the study's contrasts that are compared with other studies',
  comma-separated. ``label=contrast`` puts a contrast into the comparison ``label``; a bare
  ``contrast`` is the comparison of that name (so equal contrast names across studies compare).

Every check here runs when the workflow is parsed, before any job.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from degsea.errors import InputError
from degsea.io import delimiter_for, read_text

#: Study names become rule-name prefixes and folder names: a letter, then letters, digits or '_'.
STUDY_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,59}")
#: Comparison labels become table values and file names.
LABEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+\-]{0,99}")
REQUIRED = ("study", "config")
OPTIONAL = ("comparable",)


@dataclass(frozen=True)
class StudyEntry:
    """One row of the studies sheet."""

    name: str
    config: str
    #: comparison label -> this study's contrast in it
    comparable: Mapping[str, str] = field(default_factory=dict)


def parse_studies_sheet(text: str, *, source: str, delimiter: str = "\t") -> list[StudyEntry]:
    """Parse the studies sheet.

    Parameters
    ----------
    text
        The sheet's content.
    source
        The file name, for messages.
    delimiter
        Column separator.

    Returns
    -------
    list of StudyEntry
        In the sheet's order.

    Raises
    ------
    InputError
        A missing or unknown column, an empty sheet, a study name that is not allowed or given
        twice, an empty config cell, or a ``comparable`` entry that cannot be read.
    """
    try:
        table = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False, comment="#")
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise InputError(
            "The studies sheet cannot be read as a table.",
            file=source,
            found=str(err).strip() or "no header line",
            allowed=f"a {'tab' if delimiter == chr(9) else 'comma'}-separated table with a header line",
            hint="Columns: study, config and optionally comparable.",
        ) from None
    table.columns = [str(c).strip() for c in table.columns]
    missing = [c for c in REQUIRED if c not in table.columns]
    unknown = [c for c in table.columns if c not in REQUIRED + OPTIONAL]
    if missing or unknown:
        raise InputError(
            "The studies sheet's columns are not the expected ones.",
            file=source,
            where="header line",
            found=", ".join(table.columns) or "no columns",
            allowed="study, config and optionally comparable",
            hint=(f"Add the column(s) {', '.join(missing)}." if missing else f"Remove or rename {', '.join(unknown)}.")
            + (" Is the sheet tab-separated (CSV only when named .csv)?" if len(table.columns) == 1 else ""),
        )
    if table.empty:
        raise InputError(
            "The studies sheet lists no study.",
            file=source,
            found="a header line only",
            allowed="one row per study",
            hint="Add a row: the study's name, then its config file.",
        )
    entries: list[StudyEntry] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(table.itertuples(index=False), start=2):
        name, config = str(row.study).strip(), str(row.config).strip()
        where = f"line {number}"
        if not STUDY_NAME.fullmatch(name):
            raise InputError(
                "A study name is not allowed.",
                file=source,
                where=f"{where}, column 'study'",
                found=repr(name) if name else "an empty value",
                allowed="1-60 characters: a letter, then letters, digits or '_'",
                hint="The name becomes a folder (results/{study}/) and a prefix of rule names: keep it plain, e.g. "
                "gse96870.",
            )
        if name.lower() in seen:
            raise InputError(
                "A study is named twice in the studies sheet.",
                file=source,
                where=f"{where}, column 'study'",
                found=f"{name!r}, first on line {seen[name.lower()]}",
                allowed="each name once (case-insensitively: they become folders)",
                hint="Rename one of them.",
            )
        seen[name.lower()] = number
        if not config:
            raise InputError(
                "A study has no config file.",
                file=source,
                where=f"{where}, column 'config'",
                found="an empty value",
                allowed="the path of the study's config file (as given to --configfile)",
                hint="Fill in the study's config file, relative to the directory snakemake runs in.",
            )
        comparable = parse_comparable(
            getattr(row, "comparable", ""), file=source, where=f"{where}, column 'comparable'"
        )
        entries.append(StudyEntry(name=name, config=config, comparable=comparable))
    return entries


def parse_comparable(cell: str, *, file: str, where: str) -> dict[str, str]:
    """Read a ``comparable`` cell: ``label=contrast`` or ``contrast`` entries, comma-separated."""
    result: dict[str, str] = {}
    for entry in (e.strip() for e in str(cell).split(",")):
        if not entry:
            continue
        label, _, contrast = entry.partition("=") if "=" in entry else (entry, "", entry)
        label, contrast = label.strip(), contrast.strip()
        if not (LABEL.fullmatch(label) and contrast):
            raise InputError(
                "An entry of 'comparable' cannot be read.",
                file=file,
                where=where,
                found=repr(entry),
                allowed="'label=contrast' or 'contrast', comma-separated; labels of letters, digits, '_', '.', '+', "
                "'-'",
                hint="e.g. 'treatment=responsive_vs_untreated, infection=Day8_vs_Day0'.",
            )
        if label in result:
            raise InputError(
                "A study puts two contrasts into one comparison.",
                file=file,
                where=where,
                found=f"{label!r}: {result[label]!r} and {contrast!r}",
                allowed="one contrast per study and comparison",
                hint="Give the second one its own label.",
            )
        result[label] = contrast
    return result


def read_studies_sheet(path: str | Path) -> list[StudyEntry]:
    """Read and parse the studies sheet (config ``studies``); see :func:`parse_studies_sheet`."""
    text = read_text(path, what="studies sheet", config_key="studies")
    return parse_studies_sheet(text, source=str(path), delimiter=delimiter_for(path))


def read_study_config(entry: StudyEntry, *, sheet: str) -> dict[str, Any]:
    """Read one study's config file (YAML or JSON) as a dictionary.

    Raises
    ------
    InputError
        The file is missing, unreadable, not YAML, or not a mapping of keys.
    """
    where = f"study {entry.name!r}, column 'config'"
    if not Path(entry.config).is_file():
        raise InputError(
            "A study's config file does not exist.",
            file=sheet,
            where=where,
            found=f"{entry.config!r} (looked for {Path(entry.config).resolve()})",
            allowed="an existing config file",
            hint="Paths are relative to the directory snakemake runs in (the repository root).",
        )
    try:
        loaded = yaml.safe_load(Path(entry.config).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise InputError(
            "A study's config file cannot be read.",
            file=entry.config,
            where=f"named by {sheet}, {where}",
            found=" ".join(str(err).split())[:300],
            allowed="a YAML (or JSON) config file, as for a single-study run",
            hint="Check it with: snakemake -n --configfile " + entry.config,
        ) from None
    if not isinstance(loaded, dict):
        raise InputError(
            "A study's config file holds no keys.",
            file=entry.config,
            where=f"named by {sheet}, {where}",
            found=type(loaded).__name__ if loaded is not None else "an empty file",
            allowed="a mapping of config keys (samples, counts, design, contrasts, ...)",
            hint="See config/config.yaml for a complete example.",
        )
    return loaded


def comparisons(
    entries: Sequence[StudyEntry], contrasts: Mapping[str, Sequence[str]], *, sheet: str
) -> dict[str, dict[str, str]]:
    """Comparisons across studies: label -> {study: contrast}, in the sheet's order.

    Parameters
    ----------
    entries
        The sheet's studies.
    contrasts
        Each study's contrast names (from its checked config).
    sheet
        The sheet's file name, for messages.

    Raises
    ------
    InputError
        A ``comparable`` contrast that the study does not have.
    """
    result: dict[str, dict[str, str]] = {}
    for entry in entries:
        for label, contrast in entry.comparable.items():
            if contrast not in contrasts[entry.name]:
                raise InputError(
                    "A comparable contrast is not one of the study's contrasts.",
                    file=sheet,
                    where=f"study {entry.name!r}, column 'comparable'",
                    found=repr(contrast),
                    allowed=", ".join(contrasts[entry.name]) or "(the study has no contrasts)",
                    hint=f"Contrast names come from 'contrasts:' in {entry.config}.",
                )
            result.setdefault(label, {})[entry.name] = contrast
    return result
