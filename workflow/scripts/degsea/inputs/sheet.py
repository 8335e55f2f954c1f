"""The sample sheet: one row per sample, a ``sample`` column and covariate columns."""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from degsea.errors import InputError
from degsea.io import check_not_semicolon_separated, delimiter_for, read_text

SAMPLE_COLUMN = "sample"

#: Sample IDs may hold letters and digits of any script (``tumör_1``, ``患者_1``), dashes, dots,
#: underscores, plus signs and inner spaces, and may start with a digit. Nothing that could
#: change a path or hide in a table: no slash, no leading dot or space, no control, format
#: (zero-width, right-to-left override) or combining character left after NFC normalisation.
SAFE_ID = re.compile(r"[\w+\-][\w+\-. ]*")
MAX_ID_LENGTH = 100


def check_safe_id(value: str, *, kind: str, file: str, where: str) -> None:
    """Raise :class:`InputError` unless ``value`` is safe to use in paths and tables."""
    if not value:
        raise InputError(
            f"A {kind} is empty.",
            file=file,
            where=where,
            found="an empty value",
            allowed=f"a {kind} in every row",
            hint="Fill it in or delete the row.",
        )
    if len(value) > MAX_ID_LENGTH or not SAFE_ID.fullmatch(value) or value != value.rstrip() or value.isspace():
        raise InputError(
            f"A {kind} cannot be used safely in file names and tables.",
            file=file,
            where=where,
            found=repr(value),
            allowed=(
                f"1-{MAX_ID_LENGTH} characters from letters and digits (any script), '-', '_', '.', '+' and inner "
                "spaces, not starting with '.' or a space; no invisible or control characters"
            ),
            hint=f"Rename the {kind}; the original spelling is kept in every output, so keep it plain.",
        )


def parse_sample_sheet(
    text: str, *, source: str, delimiter: str = "\t", continuous: Sequence[str] = ()
) -> pd.DataFrame:
    """Parse a sample sheet.

    Parameters
    ----------
    text
        The sheet's content.
    source
        The file name, for messages.
    delimiter
        The field separator.
    continuous
        Columns that hold numbers (continuous covariates); all other columns are read as
        text, so that a batch coded 1, 2, 3 stays a factor.

    Returns
    -------
    pandas.DataFrame
        Indexed by sample ID (text, original spelling), one column per covariate.

    Raises
    ------
    InputError
        No ``sample`` column, empty or duplicate column names, duplicate or unsafe sample
        IDs, ragged rows, or a continuous column that holds text.
    """
    numbered = [(number, line) for number, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if not numbered:
        raise InputError("The sample sheet holds no rows.", file=source, hint="Add a header and one row per sample.")
    # Line numbers in the file, blank lines included, so that messages point at the right line.
    header_line, lines = numbered[0][0], [line for _, line in numbered]
    row_lines = [number for number, _ in numbered[1:]]
    check_not_semicolon_separated(lines[0], delimiter=delimiter, what="sample sheet", source=source, line=header_line)
    header = lines[0].split(delimiter)
    _check_header(header, source=source, delimiter=delimiter, line=header_line)
    for number, line in numbered[1:]:
        n_fields = len(line.split(delimiter))
        if n_fields != len(header):
            raise InputError(
                "A sample-sheet row has a different number of fields than the header.",
                file=source,
                where=f"line {number}",
                found=f"{n_fields} fields",
                allowed=f"{len(header)} fields, as in the header ({', '.join(header)})",
                hint="Check for a missing value or a stray separator in that row.",
            )
    try:
        sheet = pd.read_csv(io.StringIO("\n".join(lines)), sep=delimiter, dtype=str, keep_default_na=False)
        problem = (
            None
            if isinstance(sheet.index, pd.RangeIndex)
            else "a row with more fields than the header once quotes are respected"
        )
    except pd.errors.ParserError as err:
        problem = str(err).strip().removeprefix("Error tokenizing data. C error: ")
    if problem:
        raise InputError(
            "The sample sheet has quote characters that make its rows unreadable.",
            file=source,
            found=problem,
            allowed="fields without quotes, or quoted fields that open and close on the same line",
            hint="Remove the stray quote characters ('\"'), or export the sheet again.",
        )
    sheet.columns = [c.strip() for c in sheet.columns]
    if len(sheet.columns) != len(header) or SAMPLE_COLUMN not in sheet.columns:
        raise InputError(
            "The header of the sample sheet has quoted names that hold a separator or a line break.",
            file=source,
            where=f"header (line {header_line})",
            found=f"{len(header)} names split at the separator, {len(sheet.columns)} when quotes are respected: "
            + ", ".join(repr(c) for c in sheet.columns),
            allowed="one name per column, without separators, quotes or line breaks inside, one of them "
            f"'{SAMPLE_COLUMN}'",
            hint="Remove the quote characters from the header, or rename the columns.",
        )
    sheet = sheet.apply(lambda col: col.str.strip())
    # One spelling per ID: macOS writes accented letters decomposed (o + combining diaeresis), a
    # keyboard composed (ö); both look alike and must match the matrix header, normalised too.
    sheet[SAMPLE_COLUMN] = [unicodedata.normalize("NFC", v) for v in sheet[SAMPLE_COLUMN]]
    if len(sheet) == 0:
        raise InputError("The sample sheet has a header but no samples.", file=source, hint="Add one row per sample.")
    for row, value in zip(row_lines, sheet[SAMPLE_COLUMN], strict=False):
        check_safe_id(value, kind="sample ID", file=source, where=f"line {row}, column '{SAMPLE_COLUMN}'")
    duplicated = sheet[SAMPLE_COLUMN][sheet[SAMPLE_COLUMN].duplicated()].unique().tolist()
    if duplicated:
        raise InputError(
            "Sample IDs appear more than once in the sample sheet.",
            file=source,
            where=f"column '{SAMPLE_COLUMN}'",
            found=", ".join(duplicated),
            allowed="each sample once",
            hint="Technical replicates must be summed into one column before the analysis.",
        )
    for column in continuous:
        if column not in sheet.columns or column == SAMPLE_COLUMN:
            raise InputError(
                "A column named in config 'continuous' is not a covariate of the sample sheet.",
                file=source,
                found=column,
                allowed=", ".join(c for c in sheet.columns if c != SAMPLE_COLUMN),
                hint="Fix the name in config 'continuous' or add the column.",
            )
        numbers = pd.to_numeric(sheet[column], errors="coerce")
        # inf and -inf are numbers to pandas, but no covariate value: the design would break.
        bad = sheet[column][numbers.isna() | numbers.abs().eq(float("inf"))]
        comma = bad[bad.str.fullmatch(r"[+-]?\d+,\d+")]
        if len(comma):
            raise InputError(
                "A continuous covariate holds a number with a decimal comma.",
                file=source,
                where=f"line {row_lines[comma.index[0]]}, column '{column}'",
                found=repr(comma.iloc[0]),
                allowed="numbers with a decimal point (31.5)",
                hint="A spreadsheet in a European locale writes decimal commas: write decimal points, or export the "
                "sheet from a spreadsheet set to an English locale.",
            )
        if len(bad):
            raise InputError(
                "A continuous covariate holds a value that is not a number.",
                file=source,
                where=f"line {row_lines[bad.index[0]]}, column '{column}'",
                found=repr(bad.iloc[0]),
                allowed="a finite number in every row",
                hint=f"Fill in the value, or remove '{column}' from config 'continuous' to treat it as a factor.",
            )
        sheet[column] = numbers.astype(float)
    return sheet.set_index(SAMPLE_COLUMN, drop=True)


def read_sample_sheet(path: str | Path, *, continuous: Sequence[str] = ()) -> pd.DataFrame:
    """Read a sample sheet file (TSV, or CSV when named ``.csv``); see :func:`parse_sample_sheet`."""
    text = read_text(path, what="sample sheet", config_key="samples")
    return parse_sample_sheet(text, source=str(path), delimiter=delimiter_for(path), continuous=continuous)


def _check_header(header: list[str], *, source: str, delimiter: str, line: int = 1) -> None:
    # Quotes around names are the CSV quoting of R's write.csv(); the parser drops them too.
    names = [h.strip().strip('"') for h in header]
    if SAMPLE_COLUMN not in names:
        other = "," if delimiter == "\t" else "\t"
        near = [n for n in names if n.lower().replace(" ", "").replace("_", "") in ("sample", "sampleid", "samplename")]
        hint = (
            f"The header looks {'comma' if other == ',' else 'tab'}-separated; "
            f"save the sheet as {'TSV' if delimiter == chr(9) else 'CSV'} or rename it to match."
            if other in header[0]
            else f"Column names are case-sensitive: rename {near[0]!r} to '{SAMPLE_COLUMN}'."
            if near
            else f"The first row must be the header and one column must be named '{SAMPLE_COLUMN}'."
        )
        raise InputError(
            f"The sample sheet has no '{SAMPLE_COLUMN}' column.",
            file=source,
            where=f"header (line {line})",
            found=", ".join(repr(n) for n in names),
            allowed=f"a header with a '{SAMPLE_COLUMN}' column and one column per covariate",
            hint=hint,
        )
    for position, name in enumerate(names, start=1):
        if not name:
            raise InputError(
                "The sample sheet has a column without a name.",
                file=source,
                where=f"header (line {line}), column {position}",
                found="an empty name",
                allowed="a name for every column",
                hint="Name the column or delete it (a trailing separator makes an empty column).",
            )
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise InputError(
            "The sample sheet has two columns of the same name.",
            file=source,
            where=f"header (line {line})",
            found=", ".join(duplicated),
            allowed="unique column names",
            hint="Rename or remove the repeated column.",
        )
