"""The count matrix: genes x samples raw integer counts, and its match with the sample sheet."""

from __future__ import annotations

import gzip
import io
import logging
import re
import unicodedata
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from degsea.errors import InputError
from degsea.inputs.sheet import check_safe_id
from degsea.io import check_not_semicolon_separated, delimiter_for, read_text
from degsea.naming import spreadsheet_dates

if TYPE_CHECKING:  # anndata is imported where an AnnData is built: Snakemake's parse-time checks do not need it
    import anndata as ad

log = logging.getLogger(__name__)

#: Column names taken as gene symbols (nf-core/rnaseq writes ``gene_name``).
SYMBOL_COLUMNS = ("symbol", "gene_name", "gene_symbol", "Symbol", "SYMBOL", "GeneSymbol")
#: Rows that counting tools add to their per-gene counts and that are no genes: HTSeq-count's
#: ``__no_feature``-style totals and the ``N_unmapped``-style rows of STAR's ReadsPerGene files.
#: The per-sample readers set them apart; a merged matrix of either keeps them as rows.
TOOL_SUMMARY_ROWS = re.compile(
    r"__(no_feature|ambiguous|too_low_aQual|not_aligned|alignment_not_unique)|N_(unmapped|multimapping|noFeature|ambiguous)"
)


@dataclass(frozen=True)
class CountMatrix:
    """Raw counts with their gene annotation.

    Attributes
    ----------
    counts
        Genes x samples, int64, index named ``gene_id``; columns are sample IDs.
    symbols
        Gene symbol per gene ID (the gene ID itself where the file has no symbol column).
    """

    counts: pd.DataFrame
    symbols: pd.Series


def read_count_header(path: str | Path) -> list[str]:
    """Return the sample columns of a count matrix, reading only its first line.

    Used to cross-check the sample sheet before any job runs; the full checks happen in
    :func:`parse_count_matrix`.
    """
    path = Path(path)
    with open(path, "rb") as handle:
        opener = gzip.open if handle.read(2) == b"\x1f\x8b" else open
    try:
        with opener(path, "rt", encoding="utf-8-sig") as handle:
            first = handle.readline().rstrip("\r\n")
    except (OSError, EOFError, UnicodeDecodeError, zlib.error):
        first = ""
    if not first.strip():
        # Empty, not text, or a gzip that breaks in its first line: the full read names the
        # problem precisely (and returns the samples if there is none after all).
        return list(read_count_matrix(path).counts.columns)
    delimiter = delimiter_for(path)
    check_not_semicolon_separated(first, delimiter=delimiter, what="count matrix", source=str(path))
    columns = [unicodedata.normalize("NFC", c.strip().strip('"')) for c in first.split(delimiter)]
    _check_header(columns, source=str(path), delimiter=delimiter)
    return [c for c in columns[1:] if c not in SYMBOL_COLUMNS]


def parse_count_matrix(text: str, *, source: str, delimiter: str = "\t", duplicates: str = "error") -> CountMatrix:
    """Parse a genes x samples count matrix.

    The first column holds gene IDs; a column named like a symbol column
    (:data:`SYMBOL_COLUMNS`) holds gene symbols; every other column is a sample.
    ``duplicates='sum'`` adds the counts of rows with the same gene ID (config
    ``counts: duplicates``); by default they are an error.

    Raises
    ------
    InputError
        Empty or duplicate column names, duplicate gene IDs, no genes or no samples, and
        any count that is missing, not a number, negative, infinite or not an integer.
    """
    if not text.strip():
        raise InputError("The count matrix is empty.", file=source, hint="Check the file; it holds no rows.")
    first_line = text.split("\n", 1)[0].rstrip("\r")
    check_not_semicolon_separated(first_line, delimiter=delimiter, what="count matrix", source=source)
    header = [unicodedata.normalize("NFC", c.strip().strip('"')) for c in first_line.split(delimiter)]
    _check_header(header, source=source, delimiter=delimiter)
    gene_column = header[0]
    symbol_column = next((c for c in header[1:] if c in SYMBOL_COLUMNS), None)
    samples = [c for c in header[1:] if c != symbol_column]
    text_columns = {i: str for i, c in enumerate(header) if c not in samples}
    # Fast path: pandas parses clean integer columns itself; anything else is re-read as
    # text so that the first bad cell can be named.
    try:
        frame = pd.read_csv(io.StringIO(text), sep=delimiter, header=0, dtype=text_columns, keep_default_na=False)
    except pd.errors.ParserError as err:
        if "EOF inside string" in str(err):
            raise _unclosed_quote(err, source=source) from None
        raise _ragged_row(err, source=source, header=header) from None
    except IndexError:
        # pandas fails this way when quotes merge header names and no data row follows
        raise _quoted_header(source=source, header=header, parsed=None) from None
    if len(frame.columns) != len(header):
        raise _quoted_header(source=source, header=header, parsed=list(frame.columns))
    if not isinstance(frame.index, pd.RangeIndex):
        # pandas takes the first column as the index when the rows have one field more
        # than the header; the columns would be shifted by one.
        raise InputError(
            "The rows of the count matrix have one field more than its header.",
            file=source,
            where="header (line 1) and line 2",
            found=f"{len(header)} names in the header, {len(header) + 1} fields in line 2",
            allowed="as many fields in every row as names in the header",
            hint="R's write.table() leaves out the name of the row-name column: write with col.names = NA, "
            "or add a name such as 'gene_id' at the start of the header. A separator at the end of "
            "every row does the same; remove it.",
        )
    frame.columns = header
    if frame.empty:
        raise InputError(
            "The count matrix has a header but no genes.",
            file=source,
            hint="The file may have been cut off; export it again.",
        )
    if not samples:
        raise InputError(
            "The count matrix has no sample columns.",
            file=source,
            where="header (line 1)",
            found=", ".join(header),
            allowed="a gene-ID column, optionally a symbol column, then one column per sample",
            hint="Check the delimiter: .csv files are read as comma-separated, everything else as tab-separated.",
        )
    # int64 only: pandas reads counts beyond the int64 range as uint64, which would wrap.
    if all(frame[c].dtype == np.int64 for c in samples):
        cells = frame[samples].to_numpy(dtype=np.int64)
    else:
        as_text = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False)
        cells = as_text.to_numpy()[:, [header.index(c) for c in samples]]
    symbols = None if symbol_column is None else frame[symbol_column].to_numpy()
    return count_matrix(
        frame[gene_column].to_numpy(),
        cells,
        samples,
        source=source,
        symbols=symbols,
        gene_column=gene_column,
        duplicates=duplicates,
    )


def count_matrix(
    gene_ids: Sequence[str] | np.ndarray,
    cells: np.ndarray,
    samples: Sequence[str],
    *,
    source: str,
    symbols: Sequence[str] | np.ndarray | None = None,
    lines: Sequence[int] | np.ndarray | None = None,
    gene_column: str = "gene_id",
    duplicates: str = "error",
) -> CountMatrix:
    """The one validating constructor of a :class:`CountMatrix`: every reader hands it its arrays.

    Parameters
    ----------
    gene_ids
        One ID per row.
    cells
        Genes x samples: int64 counts, or the cells' text as read (checked and converted here).
    samples
        Sample IDs of the columns (Unicode-normalised to NFC, as the sheet's).
    source
        The file, for messages.
    symbols
        Gene symbol per row ('' or None: the gene ID); None: no symbol column.
    lines
        The file's line number of each row, for messages (default: a header line, then one line per row).
    gene_column
        The gene-ID column's name, for messages.
    duplicates
        ``'sum'`` adds the counts of rows with the same gene ID (config ``counts: duplicates``);
        ``'error'`` (default) refuses them.

    Rows of counting tools' totals (:data:`TOOL_SUMMARY_ROWS`) are dropped and reported in the
    log; gene IDs or symbols that look like dates a spreadsheet made of gene names are named in
    a warning.

    Raises
    ------
    InputError
        Empty or duplicate gene IDs, and any count that is missing, not a number, negative,
        infinite or not an integer.
    """
    ids = pd.Series(np.asarray(gene_ids, dtype=object)).astype(str).str.strip()
    cells = np.asarray(cells)
    lines = np.arange(2, len(ids) + 2) if lines is None else np.asarray(lines)
    names = np.asarray(symbols, dtype=object) if symbols is not None else None
    summary = ids.str.fullmatch(TOOL_SUMMARY_ROWS).to_numpy()
    if summary.any():
        totals = cells[summary]
        totals = (
            totals.astype(np.int64)
            if totals.dtype.kind in "iu"
            else pd.DataFrame(totals).apply(pd.to_numeric, errors="coerce").to_numpy()
        )
        log.info(
            "%s: dropped %d count-tool summary rows (not genes): %s",
            source, int(summary.sum()),
            ", ".join(
                f"{name} ({np.nansum(row):,.0f} in all samples)"
                for name, row in zip(ids[summary], totals, strict=True)
            ),
        )  # fmt: skip
        ids, cells, lines = ids[~summary].reset_index(drop=True), cells[~summary], lines[~summary]
        names = names[~summary] if names is not None else None
    _check_gene_ids(ids, source=source, column=gene_column, duplicates=duplicates, lines=lines)
    samples = [unicodedata.normalize("NFC", str(s)) for s in samples]
    if cells.dtype.kind in "iu" and (cells >= 0).all():
        values = cells.astype(np.int64)
    else:
        values = _to_counts(pd.DataFrame(cells, columns=samples).astype(str), source=source, gene_ids=ids, lines=lines)
    counts = pd.DataFrame(values, index=pd.Index(ids, name="gene_id"), columns=samples)
    if names is None:
        symbol_series = pd.Series(ids.to_numpy(), index=counts.index, name="symbol")
    else:
        raw = pd.Series(names).fillna("").astype(str).str.strip().to_numpy()
        symbol_series = pd.Series(np.where(raw == "", ids.to_numpy(), raw), index=counts.index, name="symbol")
    damaged = spreadsheet_dates([*ids, *(symbol_series if names is not None else [])])
    if damaged:
        log.warning(
            "%s: %d gene IDs or symbols look like dates or numbers that a spreadsheet made of gene names: %s. "
            "Excel turns e.g. MARCHF1 (formerly MARCH1) into 1-Mar and SEPTIN2 (SEPT2) into 2-Sep, and the "
            "original name is lost (Ziemann et al. 2016, Genome Biology 17:177). They are analysed as they are; "
            "to keep their names, export the table again from its source without opening it in a spreadsheet "
            "(or import it with every column as Text).",
            source, len(damaged), _listing(damaged, limit=12),
        )  # fmt: skip
    if duplicates == "sum" and counts.index.has_duplicates:
        repeated = counts.index[counts.index.duplicated()].unique()
        log.warning(
            "%s: summed the rows of %d gene IDs that appear more than once (config 'counts: duplicates: sum')",
            source,
            len(repeated),
        )
        counts = counts.groupby(level=0, sort=False).sum()
        symbol_series = symbol_series[~symbol_series.index.duplicated()].reindex(counts.index)
    log.info("read %d genes x %d samples from %s", counts.shape[0], counts.shape[1], source)
    return CountMatrix(counts=counts, symbols=symbol_series)


def read_count_matrix(path: str | Path) -> CountMatrix:
    """Read a count matrix file (TSV, or CSV when named ``.csv``, gzipped or not)."""
    text = read_text(path, what="count matrix", config_key="counts: path")
    return parse_count_matrix(text, source=str(path), delimiter=delimiter_for(path))


def match_samples(
    matrix_samples: list[str],
    sheet_samples: list[str],
    *,
    counts_file: str,
    sheet_file: str,
    extra_columns: str = "error",
) -> list[str]:
    """Check that the sheet's samples are columns of the matrix, and the reverse.

    Parameters
    ----------
    matrix_samples, sheet_samples
        Sample columns of the matrix and sample IDs of the sheet.
    counts_file, sheet_file
        File names, for messages.
    extra_columns
        ``"error"``: a matrix column absent from the sheet is an error. ``"drop"``: such
        columns are left out of the analysis (and logged).

    Returns
    -------
    list of str
        The sample columns to analyse, in sheet order.
    """
    missing = [s for s in sheet_samples if s not in set(matrix_samples)]
    if missing:
        raise InputError(
            "Samples in the sample sheet are not columns of the count matrix.",
            file=counts_file,
            where="header (line 1)",
            found=f"no column for {_listing(missing)}",
            allowed=f"a column for every sample of {sheet_file}; the matrix has {_listing(matrix_samples)}",
            hint="Sample IDs must match the matrix header exactly (case, dashes, suffixes such as '.bam').",
        )
    extra = [s for s in matrix_samples if s not in set(sheet_samples)]
    if extra and extra_columns == "error":
        raise InputError(
            "Columns of the count matrix are not samples of the sample sheet.",
            file=counts_file,
            where="header (line 1)",
            found=_listing(extra),
            allowed=f"only the samples listed in {sheet_file}",
            hint="Add them to the sheet, or set 'counts: extra_columns: drop' to leave them out.",
        )
    if extra:
        log.warning("left out %d matrix columns not in the sample sheet: %s", len(extra), _listing(extra))
    return list(sheet_samples)


def to_anndata(matrix: CountMatrix, sheet: pd.DataFrame, *, counts_file: str | None = None) -> ad.AnnData:
    """Build the samples x genes AnnData of raw counts (obs = sheet, var = gene_id, symbol).

    ``counts_file`` names the matrix in the message when a sample has no counts.
    """
    counts = matrix.counts[list(sheet.index)]
    zero = counts.columns[(counts.sum(axis=0) == 0).to_numpy()].tolist()
    if zero:
        raise InputError(
            "Samples have no counts at all.",
            file=counts_file,
            found=_listing(zero),
            allowed="samples with at least one read counted",
            hint="Remove the failed libraries from the sample sheet (and the matrix).",
        )
    obs = sheet.copy()
    obs.index = obs.index.astype(str)
    obs.index.name = "sample"
    var = pd.DataFrame({"symbol": matrix.symbols.astype(str)}, index=counts.index.astype(str))
    var.index.name = "gene_id"
    import anndata as ad

    return ad.AnnData(X=counts.to_numpy().T.copy(), obs=obs, var=var)


def _check_header(header: list[str], *, source: str, delimiter: str) -> None:
    for position, name in enumerate(header, start=1):
        if not name and position > 1:
            raise InputError(
                "The count matrix has a column without a name.",
                file=source,
                where=f"header (line 1), column {position}",
                found="an empty name",
                allowed="a sample ID for every count column",
                hint="A trailing separator makes an empty column; remove it.",
            )
        if position > 1:
            check_safe_id(name, kind="sample ID", file=source, where=f"header (line 1), column {position}")
    duplicated = sorted({n for n in header if header.count(n) > 1})
    if duplicated:
        raise InputError(
            "The count matrix has two columns of the same name.",
            file=source,
            where="header (line 1)",
            found=", ".join(duplicated),
            allowed="each sample once",
            hint="Sum technical replicates into one column, or rename them.",
        )
    if len(header) < 2:
        other = "comma" if delimiter == "\t" else "tab"
        raise InputError(
            "The count matrix header has a single column.",
            file=source,
            where="header (line 1)",
            found=repr(header[0][:80]),
            allowed=f"{'tab' if delimiter == chr(9) else 'comma'}-separated columns: gene ID, then samples",
            hint=f"The file may be {other}-separated: name it .csv for commas, .tsv for tabs.",
        )


def _ragged_row(err: Exception, *, source: str, header: list[str]) -> InputError:
    match = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(err))
    return InputError(
        "A count-matrix row has more fields than the header.",
        file=source,
        where=f"line {match.group(2)}" if match else None,
        found=f"{match.group(3)} fields" if match else str(err).strip(),
        allowed=f"{len(header)} fields, as in the header",
        hint="Check for a stray separator in that row.",
    )


def _unclosed_quote(err: Exception, *, source: str) -> InputError:
    """The error for a '"' that opens a quoted field and is never closed."""
    match = re.search(r"starting at row (\d+)", str(err))
    return InputError(
        "A quoted field of the count matrix is never closed.",
        file=source,
        where=f"the field opened in line {int(match.group(1)) + 1} or later" if match else None,
        found="a '\"' without its closing '\"'; the rest of the file would be read as one field",
        allowed="fields without quotes, or quoted fields that end with '\"'",
        hint="Remove the stray quote character, or export the table again.",
    )


def _quoted_header(*, source: str, header: list[str], parsed: list[str] | None) -> InputError:
    """The error for a header whose quoted names hold a separator or a line break."""
    return InputError(
        "The header of the count matrix has quoted names that hold a separator or a line break.",
        file=source,
        where="header (line 1)",
        found=f"{len(header)} names split at the separator, a different number when quotes are respected"
        + ("" if parsed is None else f" ({len(parsed)}: {_listing([str(p) for p in parsed])})"),
        allowed="one name per column, without separators, quotes or line breaks inside",
        hint="Remove the quote characters from the header, or rename the columns.",
    )


def _check_gene_ids(
    gene_ids: pd.Series, *, source: str, column: str, lines: np.ndarray, duplicates: str = "error"
) -> None:
    empty = np.flatnonzero(gene_ids.to_numpy() == "")
    if len(empty):
        raise InputError(
            "The count matrix has a row without a gene ID.",
            file=source,
            where=f"line {lines[empty[0]]}, column '{column}'",
            found="an empty gene ID",
            allowed="a gene ID in the first column of every row",
            hint="Remove summary or blank rows from the file.",
        )
    duplicated = gene_ids[gene_ids.duplicated()].unique()
    if len(duplicated) and duplicates != "sum":
        first = int(np.flatnonzero(gene_ids.to_numpy() == duplicated[0])[1])
        raise InputError(
            "Gene IDs appear more than once in the count matrix.",
            file=source,
            where=f"line {lines[first]}, column '{column}'",
            found=f"{len(duplicated)} duplicated IDs, e.g. {_listing(list(duplicated))}",
            allowed="each gene ID once",
            hint="Use unique IDs (e.g. Ensembl gene IDs) rather than symbols, or set 'counts: duplicates: sum' to add "
            "the rows.",
        )


def _to_counts(block: pd.DataFrame, *, source: str, gene_ids: pd.Series, lines: np.ndarray) -> np.ndarray:
    """Convert text cells to int64 counts, reporting the first bad cell precisely."""
    text = block.apply(lambda col: col.str.strip())
    numbers = text.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    raw = text.to_numpy()

    def fail(mask: np.ndarray, what: str, allowed: str, hint: str) -> None:
        row, col = (int(i[0]) for i in np.nonzero(mask))
        raise InputError(
            f"The count matrix holds {what}.",
            file=source,
            where=f"line {lines[row]} (gene '{gene_ids.iloc[row]}'), column '{block.columns[col]}'",
            found=repr(raw[row, col]) if raw[row, col] != "" else "an empty cell",
            allowed=allowed,
            hint=hint,
        )

    non_integer_hint = (
        "These look like estimated counts or TPM (Salmon, kallisto, RSEM). DESeq2 needs raw "
        "integer counts: use featureCounts/HTSeq/STAR counts, or summarise Salmon output to "
        "gene-level counts (tximport) and round them."
    )
    missing = np.isnan(numbers) & np.isin(raw, ["", "NA", "NaN", "nan", "N/A", "na", "null", "."])
    if missing.any():
        fail(
            missing,
            "a missing value",
            "an integer count >= 0 in every cell",
            "Missing counts are zeros or a broken export; fill them in.",
        )
    if np.isnan(numbers).any():
        bad = np.isnan(numbers)
        text_cells = pd.DataFrame(raw).astype(str)
        comma = bad & text_cells.apply(lambda col: col.str.fullmatch(r"[+-]?\d+,\d+")).to_numpy()
        if comma.any():
            fail(
                comma,
                "a number written with a comma (a decimal comma or a thousands separator)",
                "integer counts >= 0",
                "A spreadsheet in a European locale writes decimal commas (12,0), others thousands separators (1,234). "
                "Export the raw counts again without number formatting: in the spreadsheet, format the count cells as "
                "'Number' with 0 decimals and no thousands separator, and save as 'Text (Tab delimited)'.",
            )  # fmt: skip
        grouped = bad & text_cells.apply(lambda col: col.str.fullmatch(r"\d{1,3}([.\u00a0\u202f ']\d{3})+")).to_numpy()
        if grouped.any():
            fail(
                grouped, "a number written with thousands separators", "integer counts >= 0",
                "Export the raw counts again without number formatting (no thousands separator), "
                "e.g. format the cells as 'Number' with 0 decimals and save as 'Text (Tab delimited)'.",
            )  # fmt: skip
        fail(
            bad,
            "a value that is not a number",
            "integer counts >= 0",
            "Check that only gene-ID/symbol columns hold text.",
        )
    if np.isinf(numbers).any():
        fail(np.isinf(numbers), "an infinite value", "finite integer counts >= 0", "Re-export the raw counts.")
    if (numbers < 0).any():
        fail(
            numbers < 0,
            "a negative count",
            "integer counts >= 0",
            "Counts cannot be negative: is this a normalised or log-scaled matrix?",
        )
    fractional = numbers != np.round(numbers)
    if fractional.any():
        fail(fractional, "a count that is not an integer", "integer counts >= 0", non_integer_hint)
    if numbers.max(initial=0) > np.iinfo(np.int64).max / 4:
        fail(
            numbers > np.iinfo(np.int64).max / 4,
            "a count too large to be a read count",
            "integer counts below 2e18",
            "Re-export the raw counts.",
        )
    return numbers.astype(np.int64)


def _listing(items: list[str], limit: int = 6) -> str:
    shown = ", ".join(repr(i) for i in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")
