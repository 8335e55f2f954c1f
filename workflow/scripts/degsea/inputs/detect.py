"""Count-file formats and their detection from content.

Formats (config ``counts: format``; ``auto`` detects from content, gzipped or not):

``matrix``
    Genes x samples TSV/CSV (also nf-core/rnaseq's ``*.merged.gene_counts.tsv``); read by
    :func:`degsea.inputs.counts.parse_count_matrix`.
``featurecounts``
    featureCounts output: a ``# Program:featureCounts`` comment line, then ``Geneid Chr Start End
    Strand Length`` and one column per BAM. One file with many samples, or one per sample.
``htseq``
    HTSeq-count, one file per sample: ``gene<TAB>count`` lines and ``__no_feature``-style summary rows.
``star``
    STAR ``ReadsPerGene.out.tab``, one per sample: ``N_unmapped`` ... rows, then gene, unstranded,
    forward-strand and reverse-strand counts.
``salmon`` / ``kallisto``
    ``quant.sf`` / ``abundance.tsv`` (or kallisto's ``abundance.h5``) per sample, summarised to
    genes with a transcript-to-gene table by pytximport (tximport).
``rsem``
    RSEM ``*.genes.results`` (gene level: ``expected_count``, as tximport reads it) or
    ``*.isoforms.results`` (transcript level, summarised to genes by pytximport; the
    transcript-to-gene table may come from the files' own ``gene_id`` column).
``h5ad``
    AnnData, samples x genes, counts in X or a named layer. Read with anndata's HDF5 reader,
    which does not unpickle anything.

Per-sample files come from a ``path`` column of the sample sheet or from ``counts: pattern``
(:mod:`degsea.inputs.files`); the readers are in :mod:`degsea.inputs.aligner`,
:mod:`degsea.inputs.transcripts` and :mod:`degsea.inputs.h5ad`, and :func:`degsea.inputs.read.read_counts`
puts them together.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Mapping
from pathlib import Path

from degsea.errors import InputError
from degsea.io import check_file_kind

FORMATS = ("matrix", "featurecounts", "htseq", "star", "salmon", "kallisto", "rsem", "h5ad")
#: Formats with one file per sample (featureCounts may be either).
PER_SAMPLE_ONLY = ("htseq", "star", "salmon", "kallisto", "rsem")
#: Formats with one file for all samples.
SINGLE_FILE_ONLY = ("matrix", "h5ad")

HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
SALMON_HEADER = ["Name", "Length", "EffectiveLength", "TPM", "NumReads"]
KALLISTO_HEADER = ["target_id", "length", "eff_length", "est_counts", "tpm"]
#: kallisto's abundance.h5: the datasets read (transcript IDs, effective lengths, estimated counts).
KALLISTO_H5_DATASETS = ("aux/ids", "aux/eff_lengths", "est_counts")
#: RSEM's *.genes.results and *.isoforms.results (the columns read; FPKM, IsoPct, ... may follow).
RSEM_GENES_HEADER = ["gene_id", "transcript_id(s)", "length", "effective_length", "expected_count", "TPM"]
RSEM_ISOFORMS_HEADER = ["transcript_id", "gene_id", "length", "effective_length", "expected_count", "TPM"]
FEATURECOUNTS_ANNOTATION = ["Geneid", "Chr", "Start", "End", "Strand", "Length"]
STAR_SUMMARY = ("N_unmapped", "N_multimapping", "N_noFeature", "N_ambiguous")


def head_bytes(path: str | Path, limit: int = 65536) -> bytes:
    """The first ``limit`` bytes of a file, gunzipped when gzipped."""
    path = Path(path)
    with open(path, "rb") as handle:
        start = handle.read(2)
    if start == b"\x1f\x8b":
        try:
            with gzip.open(path, "rb") as handle:
                return handle.read(limit)
        except (OSError, EOFError):
            return start
    with open(path, "rb") as handle:
        return handle.read(limit)


def detect_format(path: str | Path, *, what: str = "count file") -> str:
    """Return the format of a count file from its content (gzip is looked through).

    ``what`` names the file in messages ("count matrix", "count file").

    Raises
    ------
    InputError
        The file is missing, or not text and not HDF5 (what it is, when it is a kind users
        give by mistake: a BAM file, a spreadsheet, a web page, ...).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(
            "A count file does not exist.",
            file=str(path),
            found="a directory" if path.is_dir() else "no such file",
            hint="Check 'counts: path', 'counts: pattern' or the sheet's 'path' column "
            "(relative paths start at the directory you run snakemake in).",
        )
    with open(path, "rb") as handle:
        gzipped = handle.read(2) == b"\x1f\x8b"
    fmt = detect_format_bytes(head_bytes(path), source=str(path), what=what, gzipped=gzipped)
    if fmt == "h5ad" and is_kallisto_h5(path):
        return "kallisto"
    return fmt


def detect_format_bytes(head: bytes, *, source: str, what: str = "count file", gzipped: bool = False) -> str:
    """Return the format of a count file from its first bytes (gunzipped); see :data:`FORMATS`.

    Every HDF5 file is ``h5ad`` here; :func:`detect_format` tells kallisto's ``abundance.h5``
    apart by its datasets. A file of another kind (:func:`degsea.io.file_kind`) is named.
    """
    if head.startswith(HDF5_MAGIC):
        return "h5ad"
    if head != b"\x1f\x8b":  # a gzip broken at its start is reported when it is read
        allowed = ", ".join(FORMATS) + " (text files gzipped or not, or .h5ad)"
        check_file_kind(head, gzipped=gzipped, what=what, source=source, allowed=allowed)
    text = head.decode("utf-8-sig", errors="replace")
    lines = [line.rstrip("\r") for line in text.split("\n") if line.strip()]
    if not lines:
        return "matrix"  # the matrix reader reports an empty file precisely
    if lines[0].startswith("# Program:featureCounts"):
        return "featurecounts"
    data = [line for line in lines if not line.startswith("#")]
    first = data[0].split("\t") if data else [""]
    if first[: len(FEATURECOUNTS_ANNOTATION)] == FEATURECOUNTS_ANNOTATION:
        return "featurecounts"
    if first[0] in STAR_SUMMARY and len(first) == 4:
        return "star"
    if first == SALMON_HEADER:
        return "salmon"
    if first[: len(KALLISTO_HEADER)] == KALLISTO_HEADER:
        return "kallisto"
    if (
        first[: len(RSEM_GENES_HEADER)] == RSEM_GENES_HEADER
        or first[: len(RSEM_ISOFORMS_HEADER)] == RSEM_ISOFORMS_HEADER
    ):
        return "rsem"
    if len(first) == 2 and (re.fullmatch(r"\d+", first[1].strip()) or first[0].startswith("__")):
        return "htseq"
    return "matrix"


def hdf5_bytes(path: str | Path) -> bytes:
    """The bytes of an HDF5 file, gunzipped when gzipped."""
    data = Path(path).read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def is_kallisto_h5(path: str | Path) -> bool:
    """Whether an HDF5 file is kallisto's ``abundance.h5`` (it has ``aux/ids`` and ``est_counts``)."""
    import io

    import h5py

    with open(path, "rb") as handle:
        gzipped = handle.read(2) == b"\x1f\x8b"
    try:  # a large .h5ad is opened in place; only a gzipped file is read into memory
        with h5py.File(io.BytesIO(hdf5_bytes(path)) if gzipped else path, "r") as handle:
            return all(name in handle for name in KALLISTO_H5_DATASETS)
    except (OSError, ValueError, EOFError):  # not readable as HDF5: the h5ad reader says why
        return False


def rsem_level(path: str | Path) -> str:
    """``'gene'`` for an RSEM ``genes.results`` file, ``'transcript'`` for ``isoforms.results``."""
    first = head_bytes(path, 4096).decode("utf-8-sig", errors="replace").split("\n", 1)[0].rstrip("\r").split("\t")
    if first[: len(RSEM_GENES_HEADER)] == RSEM_GENES_HEADER:
        return "gene"
    if first[: len(RSEM_ISOFORMS_HEADER)] == RSEM_ISOFORMS_HEADER:
        return "transcript"
    raise InputError(
        "An RSEM file does not have RSEM's columns.",
        file=str(path),
        where="header (line 1)",
        found=", ".join(first[:7]),
        allowed="genes.results: "
        + ", ".join(RSEM_GENES_HEADER)
        + "; isoforms.results: "
        + ", ".join(RSEM_ISOFORMS_HEADER),
        hint="Give RSEM's *.genes.results or *.isoforms.results as written, or fix 'counts: format'.",
    )


def single_file_format(path: str, fmt: str = "auto") -> str:
    """The format of the single count file in ``counts: path`` (detected when ``"auto"``).

    Raises
    ------
    InputError
        The file is of a per-sample format (HTSeq, STAR, Salmon, kallisto, RSEM).
    """
    if fmt == "auto":
        fmt = detect_format(path, what="count matrix")
    if fmt in PER_SAMPLE_ONLY:
        raise InputError(
            f"'counts: path' is a {fmt} file, which holds one sample.",
            file=path,
            where="config 'counts: path'",
            found=f"a {fmt} file",
            allowed="a matrix, featureCounts or .h5ad file; per-sample files go in the sheet's 'path' column or "
            "'counts: pattern'",
            hint="List each sample's file in a 'path' column of the sheet, or set 'counts: pattern'.",
        )
    return fmt


def per_sample_format(files: Mapping[str, str], fmt: str) -> str:
    """The one format of per-sample count files: ``fmt``, or detected from each file when ``"auto"``.

    Raises
    ------
    InputError
        The files are of different formats (the odd file is named), or of a format that holds
        every sample in one file.
    """
    detected = (
        {sample: detect_format(path) for sample, path in files.items()} if fmt == "auto" else {s: fmt for s in files}
    )
    kinds = set(detected.values())
    if len(kinds) > 1:
        by_kind = {kind: [s for s, k in detected.items() if k == kind] for kind in sorted(kinds)}
        odd = min(by_kind, key=lambda kind: len(by_kind[kind]))
        raise InputError(
            "Per-sample count files are of different formats.",
            file=files[by_kind[odd][0]],
            where=f"sample '{by_kind[odd][0]}'",
            found="; ".join(
                f"{kind}: {len(names)} file(s), e.g. sample '{names[0]}'" for kind, names in by_kind.items()
            ),
            allowed="one format for all samples",
            hint="Give every sample's file from the same tool; check the odd file (cut off, or from another tool?).",
        )
    (kind,) = kinds
    if kind in SINGLE_FILE_ONLY:
        raise InputError(
            f"Per-sample count files were given, but they are {kind} files.",
            file=next(iter(files.values())),
            found=f"a {kind} file per sample",
            allowed="htseq, star, featurecounts, salmon, kallisto or rsem files per sample",
            hint="Give a matrix or .h5ad once in 'counts: path' instead.",
        )
    return kind
