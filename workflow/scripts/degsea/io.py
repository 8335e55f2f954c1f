"""File edges: reading delimited text safely and writing outputs atomically."""

from __future__ import annotations

import contextlib
import errno
import gzip
import io
import os
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from degsea.errors import InputError, OutputError

#: Floats in every table are written with this many significant digits, so that two runs
#: with the same inputs give byte-identical files.
FLOAT_FORMAT = "%.10g"


#: How to get a count table from aligned or raw reads, for the messages of :func:`file_kind`.
_COUNT_READS = (
    "degsea starts from counts: count the reads per gene first (featureCounts, HTSeq-count or STAR "
    "--quantMode GeneCounts; or quantify with Salmon/kallisto) and give those files."
)
_EXPORT_TEXT = "Export the table as tab-separated text (TSV, UTF-8), gzipped or not."
_COMPRESSORS = {
    b"BZh": ("bzip2", "bunzip2"),
    b"\xfd7zXZ\x00": ("xz", "unxz"),
    b"\x28\xb5\x2f\xfd": ("zstd", "unzstd"),
    b"7z\xbc\xaf\x27\x1c": ("7-Zip", "7z x"),
    b"Rar!": ("RAR", "unrar x"),
}


def file_kind(head: bytes, *, gzipped: bool = False) -> tuple[str, str] | None:
    """What a file of another kind than a text table is, from its first bytes (after gunzip).

    Users give the wrong file more often than a broken one: the BAM files instead of the
    counts, the web page of a download link, an R object, a PDF supplement. Returns (what it
    is, how to get the table) for the kinds recognised, None for anything else (text, or a
    binary file of a kind not listed, which the text checks report).
    """
    start = head.lstrip()[:512].lower()
    first_lines = head[:4096].split(b"\n")
    if head.startswith((b"BAM\x01", b"CRAM")):
        kind = "BAM" if head.startswith(b"BAM") else "CRAM"
        return f"a {kind} file of aligned reads", _COUNT_READS
    if head.startswith(b"BAI\x01") or head.startswith(b"TBI\x01"):
        return "the index of a BAM or VCF file", _COUNT_READS
    if head.startswith((b"@HD\t", b"@SQ\t", b"@PG\t", b"@RG\t")):
        return "a SAM file of aligned reads", _COUNT_READS
    if head.startswith(b"@") and len(first_lines) > 3 and first_lines[2].startswith(b"+"):
        return "a FASTQ file of sequencing reads", _COUNT_READS
    if head.startswith(b">"):
        return (
            "a FASTA file of sequences",
            "Give the count table, not a genome or transcriptome sequence; " + _COUNT_READS,
        )
    if head[257:262] == b"ustar":
        return (
            "a tar archive" + (" (.tar.gz)" if gzipped else ""),
            "Unpack it (tar -xf) and name the file inside: a count matrix with 'counts: path', per-sample files "
            "with 'counts: pattern' or the sheet's 'path' column.",
        )
    if head.startswith(b"\x1f\x8b"):
        return "a gzip file compressed twice", "Decompress it once (gunzip), so that one gzip layer is left, or none."
    if head.startswith(b"PK\x03\x04"):
        if b"xl/" in head[:8192]:
            return "an Excel workbook (.xlsx)", "In Excel: File > Save As > 'Text (Tab delimited)' or 'CSV UTF-8'."
        if b"opendocument.spreadsheet" in head[:200]:
            return (
                "an OpenDocument spreadsheet (.ods)",
                "In LibreOffice: File > Save As > 'Text CSV', character set UTF-8.",
            )
        if b"word/" in head[:8192]:
            return "a Word document (.docx)", "Get the table itself as a text file (TSV or CSV), not a document."
        return "a zip archive", "Unzip it (unzip) and name the file inside."
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return (
            "an old Excel workbook (.xls) or another Microsoft Office file",
            "In Excel: File > Save As > 'Text (Tab delimited)' or 'CSV UTF-8'.",
        )
    if head.startswith(b"%PDF"):
        return (
            "a PDF document",
            "A PDF holds no machine-readable table: download the table itself (e.g. the supplementary .txt/.tsv/.csv "
            "file).",
        )
    if start.startswith((b"<!doctype html", b"<html")) or (start.startswith(b"<") and b"<html" in start):
        return (
            "a web page (HTML), e.g. a download or error page saved instead of the file",
            "Download the file itself from its direct link (e.g. GEO's supplementary-file link) with curl -L or wget, "
            "and look at its first lines (zcat -f FILE | head) before running.",
        )
    if start.startswith(b"<?xml"):
        return "an XML document", _EXPORT_TEXT
    if start[:1] in (b"{", b"["):
        return "a JSON document", _EXPORT_TEXT
    if head.startswith(b"\x89HDF\r\n\x1a\n"):
        return (
            "an HDF5 file (.h5ad, 10x .h5, loom or kallisto abundance.h5)",
            "Give an AnnData .h5ad file as 'counts: path', or kallisto's abundance.h5 files per sample; "
            "other HDF5 files: export the counts as TSV.",
        )
    if head.startswith((b"RDX2\n", b"RDX3\n", b"RDA2\n", b"RDA3\n")) or (
        head[:2] in (b"X\n", b"A\n", b"B\n") and (gzipped or head[2:5] == b"\x00\x00\x00")
    ):
        return (
            "an R data file (.rds or .RData)",
            "In R, write the counts as text: write.table(counts, 'counts.tsv', sep = '\\t', quote = FALSE, "
            "col.names = NA); for a DESeqDataSet use counts(dds), for a SummarizedExperiment assay(se).",
        )
    if head.startswith(b"PAR1"):
        return (
            "an Apache Parquet file",
            "Export it as TSV, e.g. pandas.read_parquet(FILE).to_csv('counts.tsv', sep='\\t').",
        )
    if head.startswith((b"ARROW1", b"\x93NUMPY")):
        return "an Arrow/Feather or NumPy binary file", _EXPORT_TEXT
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        return "an image", "Give the table the figure was made from, as a text file."
    for magic, (name, command) in _COMPRESSORS.items():
        if head.startswith(magic):
            return (
                f"a file compressed with {name}, which degsea does not read",
                f"Decompress it ({command}), or recompress it with gzip.",
            )
    return None


def check_file_kind(head: bytes, *, gzipped: bool, what: str, source: str, allowed: str, note: str = "") -> None:
    """Raise :class:`InputError` naming what a file is when :func:`file_kind` knows it (a BAM file, a web page, ...).

    ``head`` is the file's first bytes (after gunzip), ``what`` what the file should be ("count
    matrix"), ``allowed`` what it may be, ``note`` a sentence added to the fix.
    """
    kind = file_kind(head, gzipped=gzipped)
    if kind:
        raise InputError(
            f"The {what} is not a text table: it is {kind[0]}.",
            file=source,
            found=f"{kind[0]} (first bytes {head[:8]!r})",
            allowed=allowed,
            hint=kind[1] + (f" {note}" if note else ""),
        )


def read_text(path: str | Path, *, what: str, config_key: str) -> str:
    """Read a text file, gzipped or not, as UTF-8 (a byte-order mark is dropped).

    Line ends are normalised to ``\\n`` (Windows ``\\r\\n`` and old Mac ``\\r`` alike).

    Parameters
    ----------
    path
        The file.
    what
        What the file is, for messages ("sample sheet", "count matrix").
    config_key
        The config key that names the file, for the hint.

    Raises
    ------
    InputError
        The file is missing, empty, a truncated or corrupt gzip, a zip archive or Excel
        workbook, UTF-16 text, holds NUL bytes, or is not UTF-8 text.
    """
    path = Path(path)
    if not path.is_file():
        found, hint = describe_missing(path)
        raise InputError(
            f"The {what} does not exist.",
            file=str(path),
            found=found,
            hint=f"Check '{config_key}' in the config (relative paths start at the directory you run snakemake "
            f"in).{hint}",
        )
    raw = path.read_bytes()
    if not raw:
        raise InputError(
            f"The {what} is empty (0 bytes).",
            file=str(path),
            hint="The file was probably cut off while it was copied; copy it again.",
        )
    gzipped = raw[:2] == b"\x1f\x8b"
    if gzipped:
        try:
            raw = gzip.decompress(raw)
        except (EOFError, OSError, zlib.error) as err:
            raise InputError(
                f"The {what} is a gzip file that cannot be read to its end.",
                file=str(path),
                found=str(err),
                hint="The file is truncated or corrupt: check it with 'gzip -t' and copy it again.",
            ) from None
    check_file_kind(
        raw[:65536],
        gzipped=gzipped,
        what=what,
        source=str(path),
        allowed="tab- or comma-separated UTF-8 text, optionally gzipped",
    )
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise InputError(
            f"The {what} is UTF-16 text, not UTF-8.",
            file=str(path),
            found="a UTF-16 byte-order mark",
            allowed="tab- or comma-separated UTF-8 text, optionally gzipped",
            hint="Excel's 'Unicode Text' is UTF-16: save as 'Text (Tab delimited)' or 'CSV UTF-8' instead, "
            "or convert with 'iconv -f UTF-16 -t UTF-8'.",
        )
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise InputError(
            f"The {what} holds NUL bytes: it is not plain text.",
            file=str(path),
            where=f"byte {nul}",
            found="a NUL byte (0x00); a table parser would cut the field there",
            allowed="tab- or comma-separated UTF-8 text, optionally gzipped",
            hint="Is it UTF-16 without a byte-order mark, or a binary file? Export the table again as UTF-8 text.",
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(
            f"The {what} is not UTF-8 text.",
            file=str(path),
            where=f"byte {err.start}",
            found=f"the bytes {raw[err.start : err.start + 4]!r}, e.g. Latin-1 accents from an older Excel",
            allowed="tab- or comma-separated UTF-8 text, optionally gzipped",
            hint="Is it a spreadsheet (.xlsx) or another compressed format? Export it as TSV (UTF-8), "
            "or convert with 'iconv -f LATIN1 -t UTF-8'.",
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def check_not_semicolon_separated(header: str, *, delimiter: str, what: str, source: str, line: int = 1) -> None:
    """Raise :class:`InputError` when a header meant to be split at ``delimiter`` is split at semicolons.

    Spreadsheets in a locale with decimal commas (most of Europe) save "CSV" with semicolons.
    """
    if delimiter in header or ";" not in header:
        return
    raise InputError(
        f"The {what} is semicolon-separated: a spreadsheet export in a European locale.",
        file=source,
        where=f"header (line {line})",
        found=f"{header[:100]!r}: {header.count(';') + 1} fields at ';', none at "
        f"{'a tab' if delimiter == chr(9) else 'a comma'}",
        allowed="tab-separated text (any name but .csv) or comma-separated text (named .csv)",
        hint="A spreadsheet set to a locale with decimal commas saves 'CSV' with semicolons. Save the sheet as "
        "'Text (Tab delimited)' and name the file .tsv (or as 'CSV UTF-8' with commas); or convert it with "
        "tr ';' '\\t' < FILE > FILE.tsv when no field holds a semicolon.",
    )


def describe_missing(path: str | Path) -> tuple[str, str]:
    """What is at a path that is not a readable file: (found, extra hint) for messages."""
    path = Path(path)
    if str(path).startswith("~"):
        return "no such file", " '~' is not expanded: write the full path."
    if path.is_dir():
        return "a directory", " Name the file itself, not its folder."
    if path.is_symlink():
        return (
            "a symbolic link that leads to no file (broken, or a loop)",
            " Point the link at the real file, or give the file itself.",
        )
    return "no such file", ""


def delimiter_for(path: str | Path) -> str:
    """Return ``","`` for ``.csv`` / ``.csv.gz`` files and a tab otherwise."""
    name = Path(path).name.lower().removesuffix(".gz")
    return "," if name.endswith(".csv") else "\t"


#: Operating-system errors of a write that the user can fix (disk, quota, permissions), with
#: what each means and how to fix it; any other OSError is a bug and keeps its traceback.
WRITE_ERRORS = {
    errno.ENOSPC: (
        "the disk is full",
        "Free space on that file system (see `df -h {folder}`), or run in a folder on another disk",
    ),
    errno.EDQUOT: (
        "the disk quota is used up",
        "Free space within your quota (see `quota -s`), or run in a folder on another disk",
    ),
    errno.EFBIG: ("the file is larger than the file system allows", "Run in a folder on another file system"),
    errno.EROFS: (
        "the folder is on a read-only file system",
        "Run in a writable folder, or mount that file system read-write",
    ),
    errno.EACCES: (
        "permission denied",
        "Make the folder writable for you (`ls -ld {folder}`, `chmod u+w {folder}`), or run in a writable folder",
    ),
    errno.EPERM: (
        "the operation is not permitted",
        "Make the folder writable for you (`ls -ld {folder}`), or run in a writable folder",
    ),
}


def output_error(path: str | Path, err: OSError, *, folder: bool = False) -> OutputError | None:
    """The :class:`OutputError` of a failed write of ``path``, or None for an OSError that is not the user's to fix.

    ``folder``: ``path`` is the folder results go to (the up-front check), not one file.
    """
    if err.errno not in WRITE_ERRORS:
        return None
    cause, fix = WRITE_ERRORS[err.errno]
    return OutputError(
        f"The folder '{path}' cannot be written to: {cause}."
        if folder
        else f"A result file cannot be written: {cause}.",
        file=str(path),
        found=f"[Errno {err.errno}] {err.strerror or os.strerror(err.errno)}"
        + ("" if folder or not err.filename else f": '{err.filename}'"),
        hint=fix.format(folder=path if folder else Path(path).parent)
        + "; then run the same command again: finished results are kept and the run goes on from there. "
        "No half-written file is left behind.",
    )


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` only on success.

    A failed or killed writer therefore never leaves a half-written output under its
    final name.

    Raises
    ------
    OutputError
        The file cannot be written for a reason the user can fix: a full disk, a quota, a
        read-only folder, no permission (see :data:`WRITE_ERRORS`).
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as err:
        raise (output_error(path, err) or err) from None
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        # mkstemp makes the file private (0600); give it the mode a plain open() would.
        umask = os.umask(0)
        os.umask(umask)
        tmp_path.chmod(0o666 & ~umask)
        os.replace(tmp_path, path)
    except OSError as err:
        error = output_error(path, err)
        if error is None:
            raise
        raise error from None
    finally:
        tmp_path.unlink(missing_ok=True)


def check_writable(folder: str | Path) -> None:
    """Raise :class:`OutputError` unless files can be created in ``folder`` (or, if it does not exist, made there).

    Creates and removes one empty temporary file in the folder, or in its nearest existing parent.
    """
    folder = Path(folder)
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        with tempfile.TemporaryFile(dir=probe, prefix=".degsea-write-check."):
            pass
    except OSError as err:
        error = output_error(folder, err, folder=True)
        if error is None:
            raise
        raise error from None


def write_h5ad(adata: Any, path: str | Path) -> None:
    """Write an AnnData as ``.h5ad`` atomically.

    The file is built in memory and then written in one piece, so that a full disk or a
    read-only folder ends in a clean :class:`OutputError` rather than in an HDF5 error
    (HDF5 crashes the process when a write fails midway through its file).
    """
    import anndata as ad
    import h5py

    adata.strings_to_categoricals()  # as AnnData.write_h5ad does
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as handle:
        ad.io.write_elem(handle, "/", adata)
    with atomic_path(path) as tmp:
        tmp.write_bytes(buffer.getbuffer())  # a view: no second copy of a large file in memory


def write_table(frame: pd.DataFrame, path: str | Path, *, index: bool = False) -> None:
    """Write a TSV (gzipped when the name ends in ``.gz``) atomically and reproducibly.

    NaN is written as ``NA``, as R writes it, and floats with :data:`FLOAT_FORMAT`.
    """
    text = frame.to_csv(sep="\t", index=index, na_rep="NA", float_format=FLOAT_FORMAT, lineterminator="\n")
    data = text.encode("utf-8")
    if str(path).endswith(".gz"):
        # no file name and no time stamp in the gzip header, so the bytes depend on the content only
        buffer = io.BytesIO()
        with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0) as handle:
            handle.write(data)
        data = buffer.getvalue()
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
