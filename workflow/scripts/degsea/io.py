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
        The file is missing, empty, a truncated or corrupt gzip, or not UTF-8 text.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(
            f"The {what} does not exist.",
            file=str(path),
            found="no such file" if not path.exists() else "a directory",
            hint=f"Check '{config_key}' in the config (relative paths start at the directory you run snakemake in).",
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
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(
            f"The {what} is not UTF-8 text.",
            file=str(path),
            where=f"byte {err.start}",
            allowed="tab- or comma-separated UTF-8 text, optionally gzipped",
            hint="Is it a spreadsheet (.xlsx) or another compressed format? Export it as TSV.",
        ) from None


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
