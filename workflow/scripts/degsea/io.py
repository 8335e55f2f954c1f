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
            hint=f"Check '{config_key}' in the config (relative paths start at the directory you run snakemake in).{hint}",
        )
    raw = path.read_bytes()
    if not raw:
        raise InputError(
            f"The {what} is empty (0 bytes).",
            file=str(path),
            hint="The file was probably cut off while it was copied; copy it again.",
        )
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (EOFError, OSError, zlib.error) as err:
            raise InputError(
                f"The {what} is a gzip file that cannot be read to its end.",
                file=str(path),
                found=str(err),
                hint="The file is truncated or corrupt: check it with 'gzip -t' and copy it again.",
            ) from None
    if raw[:4] == b"PK\x03\x04":
        raise InputError(
            f"The {what} is a zip archive or an Excel workbook, not a text table.",
            file=str(path),
            found="a zip container (.xlsx, .ods and .zip files are zip containers)",
            allowed="tab- or comma-separated UTF-8 text, optionally gzipped",
            hint="In Excel: Save As 'Text (Tab delimited)' or 'CSV UTF-8'; or unzip the archive.",
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
            found=f"the bytes {raw[err.start:err.start + 4]!r}, e.g. Latin-1 accents from an older Excel",
            allowed="tab- or comma-separated UTF-8 text, optionally gzipped",
            hint="Is it a spreadsheet (.xlsx) or another compressed format? Export it as TSV (UTF-8), "
            "or convert with 'iconv -f LATIN1 -t UTF-8'.",
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def describe_missing(path: str | Path) -> tuple[str, str]:
    """What is at a path that is not a readable file: (found, extra hint) for messages."""
    path = Path(path)
    if str(path).startswith("~"):
        return "no such file", " '~' is not expanded: write the full path."
    if path.is_dir():
        return "a directory", " Name the file itself, not its folder."
    if path.is_symlink():
        return "a symbolic link that leads to no file (broken, or a loop)", " Point the link at the real file, or give the file itself."
    return "no such file", ""


def delimiter_for(path: str | Path) -> str:
    """Return ``","`` for ``.csv`` / ``.csv.gz`` files and a tab otherwise."""
    name = Path(path).name.lower().removesuffix(".gz")
    return "," if name.endswith(".csv") else "\t"


#: Operating-system errors of a write that the user can fix (disk, quota, permissions), with
#: what each means and how to fix it; any other OSError is a bug and keeps its traceback.
WRITE_ERRORS = {
    errno.ENOSPC: ("the disk is full", "Free space on that file system (see `df -h {folder}`), or run in a folder on another disk"),
    errno.EDQUOT: ("the disk quota is used up", "Free space within your quota (see `quota -s`), or run in a folder on another disk"),
    errno.EFBIG: ("the file is larger than the file system allows", "Run in a folder on another file system"),
    errno.EROFS: ("the folder is on a read-only file system", "Run in a writable folder, or mount that file system read-write"),
    errno.EACCES: ("permission denied", "Make the folder writable for you (`ls -ld {folder}`, `chmod u+w {folder}`), or run in a writable folder"),
    errno.EPERM: ("the operation is not permitted", "Make the folder writable for you (`ls -ld {folder}`), or run in a writable folder"),
}


def output_error(path: str | Path, err: OSError, *, folder: bool = False) -> OutputError | None:
    """The :class:`OutputError` of a failed write of ``path``, or None for an OSError that is not the user's to fix.

    ``folder``: ``path`` is the folder results go to (the up-front check), not one file.
    """
    if err.errno not in WRITE_ERRORS:
        return None
    cause, fix = WRITE_ERRORS[err.errno]
    return OutputError(
        f"The folder '{path}' cannot be written to: {cause}." if folder else f"A result file cannot be written: {cause}.",
        file=str(path),
        found=f"[Errno {err.errno}] {err.strerror or os.strerror(err.errno)}" + ("" if folder or not err.filename else f": '{err.filename}'"),
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
        tmp.write_bytes(buffer.getvalue())


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
