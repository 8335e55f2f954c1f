"""File edges: reading delimited text safely and writing outputs atomically."""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from degsea.errors import InputError

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


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` only on success.

    A failed or killed writer therefore never leaves a half-written output under its
    final name.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        # mkstemp makes the file private (0600); give it the mode a plain open() would.
        umask = os.umask(0)
        os.umask(umask)
        tmp_path.chmod(0o666 & ~umask)
        os.replace(tmp_path, path)
    finally:
        tmp_path.unlink(missing_ok=True)


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
