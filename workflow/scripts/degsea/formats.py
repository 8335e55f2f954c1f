"""Count inputs in every common format, each read into a :class:`degsea.counts.CountMatrix`.

Formats (config ``counts: format``; ``auto`` detects from content, gzipped or not):

``matrix``
    Genes x samples TSV/CSV (also nf-core/rnaseq's ``*.merged.gene_counts.tsv``); read by
    :func:`degsea.counts.parse_count_matrix`.
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

Per-sample files come from a ``path`` column of the sample sheet or from ``counts: pattern``.
"""

from __future__ import annotations

import glob
import gzip
import logging
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from degsea.counts import CountMatrix, parse_count_matrix, read_count_header
from degsea.errors import InputError
from degsea.io import delimiter_for, read_text

log = logging.getLogger(__name__)

FORMATS = ("matrix", "featurecounts", "htseq", "star", "salmon", "kallisto", "rsem", "h5ad")
#: Formats with one file per sample (featureCounts may be either).
PER_SAMPLE_ONLY = ("htseq", "star", "salmon", "kallisto", "rsem")
#: Formats with one file for all samples.
SINGLE_FILE_ONLY = ("matrix", "h5ad")
#: The sheet column that names each sample's count file, and the one for STAR's strand.
PATH_COLUMN = "path"
STRANDEDNESS_COLUMN = "strandedness"
STRANDEDNESS = ("none", "forward", "reverse")

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
#: STAR's columns: 1 = unstranded, 2 = read 1 on the gene's strand (htseq -s yes), 3 = reverse.
STAR_COLUMN = {"none": 1, "forward": 2, "reverse": 3}


@dataclass
class Imported:
    """A count matrix and what was done to make it (written to the log and ``uns``)."""

    matrix: CountMatrix
    format: str
    files: list[str]
    notes: dict[str, Any] = field(default_factory=dict)


# --- detection --------------------------------------------------------------------------------


def _head(path: str | Path, limit: int = 65536) -> bytes:
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


def detect_format(path: str | Path) -> str:
    """Return the format of a count file from its content (gzip is looked through).

    Raises
    ------
    InputError
        The file is missing, or not text and not HDF5.
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
    fmt = detect_format_bytes(_head(path), source=str(path))
    if fmt == "h5ad" and is_kallisto_h5(path):
        return "kallisto"
    return fmt


def detect_format_bytes(head: bytes, *, source: str) -> str:
    """Return the format of a count file from its first bytes; see :data:`FORMATS`.

    Every HDF5 file is ``h5ad`` here; :func:`detect_format` tells kallisto's ``abundance.h5``
    apart by its datasets.
    """
    if head.startswith(HDF5_MAGIC):
        return "h5ad"
    if head[:2] == b"PK":
        raise InputError(
            "A count file is a zip archive (or an Excel workbook), not a count table.",
            file=source,
            allowed=", ".join(FORMATS) + " (text files gzipped or not, or .h5ad)",
            hint="Export the sheet as TSV, or unzip the archive.",
        )
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
    if first[: len(RSEM_GENES_HEADER)] == RSEM_GENES_HEADER or first[: len(RSEM_ISOFORMS_HEADER)] == RSEM_ISOFORMS_HEADER:
        return "rsem"
    if len(first) == 2 and (re.fullmatch(r"\d+", first[1].strip()) or first[0].startswith("__")):
        return "htseq"
    return "matrix"


def _hdf5_bytes(path: str | Path) -> bytes:
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
        with h5py.File(io.BytesIO(_hdf5_bytes(path)) if gzipped else path, "r") as handle:
            return all(name in handle for name in KALLISTO_H5_DATASETS)
    except (OSError, ValueError, EOFError):  # not readable as HDF5: the h5ad reader says why
        return False


def rsem_level(path: str | Path) -> str:
    """``'gene'`` for an RSEM ``genes.results`` file, ``'transcript'`` for ``isoforms.results``."""
    first = _head(path, 4096).decode("utf-8-sig", errors="replace").split("\n", 1)[0].rstrip("\r").split("\t")
    if first[: len(RSEM_GENES_HEADER)] == RSEM_GENES_HEADER:
        return "gene"
    if first[: len(RSEM_ISOFORMS_HEADER)] == RSEM_ISOFORMS_HEADER:
        return "transcript"
    raise InputError(
        "An RSEM file does not have RSEM's columns.",
        file=str(path),
        where="header (line 1)",
        found=", ".join(first[:7]),
        allowed="genes.results: " + ", ".join(RSEM_GENES_HEADER) + "; isoforms.results: " + ", ".join(RSEM_ISOFORMS_HEADER),
        hint="Give RSEM's *.genes.results or *.isoforms.results as written, or fix 'counts: format'.",
    )


# --- readers, one per family ------------------------------------------------------------------


def read_featurecounts(text: str, *, source: str, sample: str | None = None) -> tuple[CountMatrix, dict[str, str]]:
    """Read featureCounts output: drop the comment and the 5 annotation columns.

    Sample columns are named after the BAM files; they become sample IDs by
    :func:`bam_sample_names` (or ``sample`` when the file holds one sample of a per-sample list).

    Returns
    -------
    (CountMatrix, dict)
        The counts and a mapping from the file's column names to sample IDs.
    """
    lines = [line.rstrip("\r") for line in text.split("\n")]
    body = [line for line in lines if line and not line.startswith("#")]
    if not body:
        raise InputError("The featureCounts file holds no table.", file=source, hint="Check the file; it holds only comments.")
    header = body[0].split("\t")
    if header[: len(FEATURECOUNTS_ANNOTATION)] != FEATURECOUNTS_ANNOTATION or len(header) < 7:
        raise InputError(
            "The featureCounts file does not have featureCounts' columns.",
            file=source,
            where="the header after the '#' comment line",
            found=", ".join(header[:8]),
            allowed="Geneid, Chr, Start, End, Strand, Length, then one count column per BAM file",
            hint="Give the file as written by featureCounts, or set 'counts: format' to the right format.",
        )
    columns = header[len(FEATURECOUNTS_ANNOTATION):]
    if sample is not None:
        if len(columns) != 1:
            raise InputError(
                "A per-sample featureCounts file holds more than one sample.",
                file=source,
                found=f"{len(columns)} count columns",
                allowed="one count column when files are listed per sample",
                hint="Give the multi-sample file once in 'counts: path' instead.",
            )
        names = {columns[0]: sample}
    else:
        names = dict(zip(columns, bam_sample_names(columns), strict=True))
    keep = [0, *range(len(FEATURECOUNTS_ANNOTATION), len(header))]
    rows = ["\t".join(["gene_id", *names.values()])]
    for line in body[1:]:
        fields = line.split("\t")
        rows.append("\t".join(fields[i] if i < len(fields) else "" for i in keep))
    return parse_count_matrix("\n".join(rows) + "\n", source=source), names


def bam_sample_names(columns: Sequence[str]) -> list[str]:
    """Sample IDs from featureCounts' column names (BAM paths).

    The directory and ``.bam`` are dropped, then a suffix common to all names that starts at
    a '.' or '_' (``.sorted``, ``Aligned.sortedByCoord.out``, ``.markdup``) when at least two
    columns share it. ``/data/s1.sorted.bam`` -> ``s1``.
    """
    names = [re.sub(r"\.bam$", "", c.replace("\\", "/").rsplit("/", 1)[-1]) for c in columns]
    for suffix in ("Aligned.sortedByCoord.out", "Aligned.out", ".sorted", ".markdup", ".dedup"):
        while len(names) > 1 and all(n.endswith(suffix) and len(n) > len(suffix) for n in names):
            names = [n[: -len(suffix)] for n in names]
    # STAR prefixes often end in '.' or '_' ("s1_Aligned...").
    if len(names) > 1 and all(n[-1] in "._" for n in names):
        names = [n[:-1] for n in names]
    return names


def read_htseq(text: str, *, source: str, sample: str) -> tuple[CountMatrix, dict[str, int]]:
    """Read one HTSeq-count file; the ``__no_feature``-style summary rows are returned apart."""
    genes, summary = [], {}
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != 2:
            raise InputError(
                "An HTSeq-count line does not have two fields.",
                file=source,
                where=f"line {number}",
                found=f"{len(fields)} fields: {line[:80]!r}",
                allowed="gene<TAB>count",
                hint="Is this a matrix of several samples? Set 'counts: format: matrix'.",
            )
        if fields[0].startswith("__"):
            summary[fields[0]] = _integer(fields[1], source=source, where=f"line {number}")
        else:
            genes.append(line)
    matrix = parse_count_matrix("gene_id\t" + sample + "\n" + "\n".join(genes) + "\n", source=source)
    return matrix, summary


def read_star(text: str, *, source: str, sample: str, strandedness: str) -> tuple[CountMatrix, dict[str, Any]]:
    """Read one STAR ``ReadsPerGene.out.tab``; keep the column of ``strandedness``.

    Warns when the chosen column is clearly not the one the library's strandedness implies:
    a stranded library has most assigned reads in one strand column (share >= 0.8), an
    unstranded one about as many in each (share <= 0.6).
    """
    if strandedness not in STAR_COLUMN:
        raise InputError(
            "Unknown strandedness for a STAR count file.",
            file=source,
            where=f"sample {sample!r}",
            found=repr(strandedness),
            allowed=", ".join(STRANDEDNESS),
            hint="Set 'counts: strandedness' or the sheet's 'strandedness' column.",
        )
    genes, summary = [], {}
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != 4:
            raise InputError(
                "A STAR ReadsPerGene line does not have four fields.",
                file=source,
                where=f"line {number}",
                found=f"{len(fields)} fields",
                allowed="gene, unstranded count, forward-strand count, reverse-strand count",
                hint="Give STAR's ReadsPerGene.out.tab as written (--quantMode GeneCounts).",
            )
        if fields[0].startswith("N_"):
            summary[fields[0]] = [_integer(f, source=source, where=f"line {number}") for f in fields[1:]]
        else:
            genes.append(fields)
    column = STAR_COLUMN[strandedness]
    body = "\n".join(f"{g[0]}\t{g[column]}" for g in genes)
    matrix = parse_count_matrix(f"gene_id\t{sample}\n{body}\n", source=source)
    assigned = {}
    for name, index in STAR_COLUMN.items():
        assigned[name] = int(sum(_integer(g[index], source=source, where=f"gene {g[0]!r}") for g in genes))
    inferred = infer_strandedness(assigned["forward"], assigned["reverse"])
    if inferred is not None and inferred != strandedness:
        log.warning(
            "%s (sample %r): strandedness %r was chosen, but the counts look %s: assigned reads "
            "unstranded %d, forward %d, reverse %d. Check 'counts: strandedness' (or the sheet's "
            "'strandedness' column).",
            source, sample, strandedness, inferred, assigned["none"], assigned["forward"], assigned["reverse"],
        )
    return matrix, {"strandedness": strandedness, "assigned": assigned, "inferred": inferred or "unclear"}


def infer_strandedness(forward: int, reverse: int) -> str | None:
    """The strandedness STAR's two strand columns imply, or None when unclear."""
    total = forward + reverse
    if total == 0:
        return None
    share = max(forward, reverse) / total
    if share >= 0.8:
        return "forward" if forward > reverse else "reverse"
    if share <= 0.6:
        return "none"
    return None


def read_transcript_quant(
    files: Mapping[str, str],
    *,
    kind: str,
    tx2gene: str | None,
    counts_from_abundance: str = "length_scaled_tpm",
    strip_version: bool = True,
) -> tuple[CountMatrix, dict[str, Any]]:
    """Summarise transcript quantifications to gene counts with pytximport.

    ``kind`` is ``salmon`` (``quant.sf``), ``kallisto`` (``abundance.tsv`` or ``abundance.h5``)
    or ``rsem`` (``*.isoforms.results``). Gene-level counts are tximport's: with
    ``counts_from_abundance='length_scaled_tpm'`` (the default) transcript TPMs are summed per
    gene, scaled by the average transcript length over samples and then to each sample's
    library size, so no length offset is needed (PyDESeq2 takes none). ``'no'`` sums estimated
    counts per gene. Either way the counts are rounded to integers for DESeq2's model.

    ``tx2gene`` may be None for RSEM only: the files' own ``gene_id`` column is used.
    """
    from pytximport import tximport

    with tempfile.TemporaryDirectory(prefix="degsea_tx_") as tmp:
        paths = [_stage_quant(path, Path(tmp) / str(index), kind=kind) for index, path in enumerate(files.values())]
        suffixes = sorted({p.suffix for p in paths})
        if len(suffixes) > 1:
            raise InputError(
                "kallisto files are given both as abundance.h5 and as abundance.tsv.",
                where="sheet column 'path' / config 'counts: pattern'",
                found=f"{sum(p.suffix == '.h5' for p in paths)} abundance.h5 and {sum(p.suffix == '.tsv' for p in paths)} abundance.tsv files",
                allowed="one kind of file for all samples",
                hint="Give every sample's abundance.h5, or every sample's abundance.tsv.",
            )
        ids = [_quant_ids(p) for p in paths]
        _check_same_transcripts(ids, list(files.values()))
        if tx2gene:
            mapping = read_tx2gene(tx2gene, strip_version=strip_version)
            table_name = str(tx2gene)
        else:
            mapping = _rsem_tx2gene(paths[0], strip_version=strip_version)
            table_name = f"the gene_id column of {next(iter(files.values()))}"
        known = set(mapping["transcript_id"])
        first = ids[0].str.split("|").str[0]
        if strip_version:
            first = first.map(strip_ensembl_version)
        rate = float(first.isin(known).mean())
        log.info("tx2gene: %d of %d transcripts of %s (%.1f %%) have a gene", int(first.isin(known).sum()), len(first), next(iter(files.values())), 100 * rate)
        if rate == 0:
            raise InputError(
                "No transcript of the quantification is in the transcript-to-gene table.",
                file=tx2gene,
                found=f"transcripts such as {list(first[:3])}; the table has {list(mapping['transcript_id'][:3])}",
                allowed="the transcript IDs of the index Salmon/kallisto used",
                hint="Use the table made from the same annotation as the transcriptome index.",
            )
        result = tximport(
            [str(p) for p in paths],
            data_type=kind,
            transcript_gene_map=mapping[["transcript_id", "gene_id"]],
            counts_from_abundance=None if counts_from_abundance == "no" else counts_from_abundance,
            ignore_transcript_version=strip_version,
            output_type="anndata",
        )
    counts = np.asarray(result.X, dtype=float)
    gene_ids = [str(g) for g in result.var_names]
    frame = pd.DataFrame(np.rint(counts).astype(np.int64).T, index=pd.Index(gene_ids, name="gene_id"), columns=list(files))
    # Genes in the order of the transcript-to-gene table (pytximport sorts them).
    order = [g for g in dict.fromkeys(mapping["gene_id"]) if g in frame.index]
    frame = frame.loc[order + [g for g in frame.index if g not in set(order)]]
    symbols = pd.Series(frame.index.to_numpy(), index=frame.index, name="symbol")
    if "symbol" in mapping.columns:
        table = mapping.dropna(subset=["symbol"]).drop_duplicates("gene_id").set_index("gene_id")["symbol"]
        symbols = symbols.where(~symbols.index.isin(table.index), symbols.index.map(table.to_dict()))
    notes = {"tx2gene": table_name, "counts_from_abundance": counts_from_abundance, "transcripts_with_gene": rate}
    if kind == "kallisto":
        notes["kallisto_files"] = "abundance.h5" if suffixes == [".h5"] else "abundance.tsv"
    if kind == "rsem":
        notes["rsem_level"] = "transcript"
    return CountMatrix(counts=frame, symbols=symbols.astype(str)), notes


def read_rsem_genes(files: Mapping[str, str]) -> tuple[CountMatrix, dict[str, Any]]:
    """Read RSEM ``*.genes.results`` files: each gene's ``expected_count``, as tximport reads them.

    tximport (``type = "rsem"``, gene level) takes the expected counts as they are; it cannot
    form counts from abundance without transcripts, and DESeq2 would take the effective
    lengths as an offset, which PyDESeq2 cannot. So the counts here carry no length
    correction (give ``*.isoforms.results`` for length-scaled counts). They are rounded to
    integers, as ``DESeqDataSetFromTximport`` does.
    """
    from pytximport import tximport

    with tempfile.TemporaryDirectory(prefix="degsea_rsem_") as tmp:
        paths = [_stage_quant(path, Path(tmp) / str(index), kind="rsem") for index, path in enumerate(files.values())]
        ids = [_quant_ids(p) for p in paths]
        _check_same_transcripts(ids, list(files.values()), what="genes")
        # Versions are stripped (or not) later by map_gene_ids, by degsea's rule.
        result = tximport(
            [str(p) for p in paths], data_type="rsem", gene_level=True, ignore_transcript_version=False, output_type="anndata"
        )
    counts = np.asarray(result.X, dtype=float)
    index = pd.Index([str(g) for g in result.var_names], name="gene_id")
    frame = pd.DataFrame(np.rint(counts).astype(np.int64).T, index=index, columns=list(files))
    notes = {"rsem_level": "gene", "counts_from_abundance": "no"}
    log.info(
        "RSEM genes.results: gene counts are the expected counts rounded (tximport's gene-level import); "
        "'counts: counts_from_abundance' applies to transcript-level files only"
    )
    return CountMatrix(counts=frame, symbols=pd.Series(index.to_numpy(), index=index, name="symbol")), notes


#: The name each kind's file gets when staged for pytximport (it reads by suffix).
STAGED_NAME = {"salmon": "quant.sf", "kallisto": "abundance.tsv", "rsem": "sample.isoforms.results"}


def _stage_quant(path: str, directory: Path, *, kind: str) -> Path:
    """Copy one quantification file, gunzipped, into ``directory`` under the name pytximport expects."""
    directory.mkdir(parents=True)
    head = _head(path, 16)
    if kind == "kallisto" and head.startswith(HDF5_MAGIC):
        target = directory / "abundance.h5"
        target.write_bytes(_hdf5_bytes(path))
        if not is_kallisto_h5(target):
            raise InputError(
                "An HDF5 file given as kallisto output is not kallisto's abundance.h5.",
                file=str(path),
                found="an HDF5 file without " + ", ".join(KALLISTO_H5_DATASETS),
                allowed="abundance.h5 as written by kallisto quant",
                hint="An AnnData .h5ad goes in 'counts: path' (and 'counts: format: h5ad').",
            )
        return target
    if kind == "rsem":
        level = rsem_level(path)
        name = "sample.genes.results" if level == "gene" else STAGED_NAME["rsem"]
    else:
        name = STAGED_NAME[kind]
    target = directory / name
    target.write_text(read_text(path, what=f"{kind} quantification", config_key="counts: pattern"))
    _check_quant_header(target, kind=kind, source=path)
    return target


def _quant_ids(path: Path) -> pd.Series:
    """The first column (transcript or gene IDs) of a staged quantification file."""
    if path.suffix == ".h5":
        import h5py

        with h5py.File(path, "r") as handle:
            return pd.Series(handle["aux/ids"][...].astype(str))
    return pd.read_csv(path, sep="\t", usecols=[0], dtype=str).iloc[:, 0]


def _check_same_transcripts(ids: Sequence[pd.Series], files: Sequence[str], *, what: str = "transcripts") -> None:
    """pytximport joins samples by position: every file must list the same IDs in the same order."""
    for series, path in zip(ids[1:], files[1:], strict=True):
        if len(series) != len(ids[0]) or not (series.to_numpy() == ids[0].to_numpy()).all():
            differ = next((i for i, (a, b) in enumerate(zip(series, ids[0])) if a != b), min(len(series), len(ids[0])))
            raise InputError(
                f"Per-sample quantification files list different {what}.",
                file=path,
                where=f"compared with {files[0]}, row {differ + 2}",
                found=f"{len(series)} {what} vs {len(ids[0])}",
                allowed=f"the same {what} in the same order in every file (one index for all samples)",
                hint="Quantify every sample against the same transcriptome index.",
            )


def _rsem_tx2gene(path: Path, *, strip_version: bool) -> pd.DataFrame:
    """Transcript -> gene from an RSEM isoforms.results file's own first two columns."""
    table = pd.read_csv(path, sep="\t", usecols=[0, 1], dtype=str)
    table.columns = ["transcript_id", "gene_id"]
    if strip_version:
        table["transcript_id"] = table["transcript_id"].map(strip_ensembl_version)
        table["gene_id"] = table["gene_id"].map(strip_ensembl_version)
    return table.drop_duplicates("transcript_id").reset_index(drop=True)


def _check_quant_header(path: Path, *, kind: str, source: str) -> None:
    header = path.read_text().split("\n", 1)[0].rstrip("\r").split("\t")
    expected = {"salmon": SALMON_HEADER, "kallisto": KALLISTO_HEADER}.get(kind)
    if kind == "rsem":
        expected = RSEM_GENES_HEADER if path.name.endswith("genes.results") else RSEM_ISOFORMS_HEADER
    if header[: len(expected)] != expected:
        raise InputError(
            f"A {kind} quantification file does not have {kind}'s columns.",
            file=source,
            where="header (line 1)",
            found=", ".join(header[:6]),
            allowed=", ".join(expected),
            hint="Give quant.sf (Salmon) or abundance.tsv (kallisto) as written, or fix 'counts: format'.",
        )


def read_tx2gene(path: str, *, strip_version: bool = True) -> pd.DataFrame:
    """Read a transcript-to-gene table: a GTF, or a TSV/CSV whose first two columns are transcript and gene.

    A third column, when present, is taken as the gene symbol. Returns columns
    ``transcript_id``, ``gene_id`` (and ``symbol``).
    """
    if is_gtf(path):
        table = read_gtf(path, level="transcript")
    else:
        text = read_text(path, what="transcript-to-gene table", config_key="counts: tx2gene")
        table = pd.read_csv(pd.io.common.StringIO(text), sep=delimiter_for(path), dtype=str, keep_default_na=False)
        if table.shape[1] < 2:
            raise InputError(
                "The transcript-to-gene table has fewer than two columns.",
                file=path,
                where="header (line 1)",
                found=", ".join(table.columns),
                allowed="transcript ID, gene ID (and optionally gene symbol), with a header line",
                hint="TSV, or CSV when named .csv.",
            )
        names = ["transcript_id", "gene_id", "symbol"][: min(3, table.shape[1])]
        table = table.iloc[:, : len(names)]
        table.columns = names
    if strip_version:
        table["transcript_id"] = table["transcript_id"].map(strip_ensembl_version)
        table["gene_id"] = table["gene_id"].map(strip_ensembl_version)
    if "symbol" in table.columns:
        table["symbol"] = table["symbol"].replace("", np.nan)
    return table.drop_duplicates("transcript_id").reset_index(drop=True)


def read_h5ad_counts(path: str, *, layer: str | None = None) -> CountMatrix:
    """Read counts from an AnnData file (samples x genes): X, or ``layer``.

    The var column named like a symbol column (symbol, gene_name, ...) gives symbols.
    """
    import anndata as ad

    from degsea.counts import SYMBOL_COLUMNS

    try:
        adata = ad.read_h5ad(path)
    except Exception as err:  # h5py/anndata raise many types for a broken file
        raise InputError(
            "The .h5ad file cannot be read as AnnData.",
            file=path,
            found=f"{type(err).__name__}: {str(err)[:200]}",
            allowed="an AnnData .h5ad file (samples x genes)",
            hint="Write it with anndata's write_h5ad; a truncated copy fails like this.",
        ) from None
    if layer is None:
        values = adata.X
        where = "X"
    elif layer in adata.layers:
        values = adata.layers[layer]
        where = f"layer {layer!r}"
    else:
        raise InputError(
            "The .h5ad file has no layer of that name.",
            file=path,
            where="config 'counts: layer'",
            found=repr(layer),
            allowed=", ".join(repr(k) for k in adata.layers) or "no layers: leave 'layer' empty to use X",
            hint="Layer names are case-sensitive.",
        )
    if values is None:
        raise InputError("The .h5ad file has no X matrix.", file=path, hint="Name the layer holding counts in 'counts: layer'.")
    if hasattr(values, "toarray"):
        values = values.toarray()
    numbers = np.asarray(values, dtype=float)
    bad = ~np.isfinite(numbers) | (numbers < 0) | (numbers != np.round(numbers))
    if bad.any():
        row, col = (int(i[0]) for i in np.nonzero(bad))
        raise InputError(
            "The .h5ad counts are not raw integer counts.",
            file=path,
            where=f"{where}, sample {adata.obs_names[row]!r}, gene {adata.var_names[col]!r}",
            found=repr(float(numbers[row, col])),
            allowed="finite integer counts >= 0",
            hint="Normalised or log values are in X? Name the layer of raw counts in 'counts: layer'.",
        )
    genes = pd.Index([str(g) for g in adata.var_names], name="gene_id")
    samples = [str(s) for s in adata.obs_names]
    counts = pd.DataFrame(numbers.T.astype(np.int64), index=genes, columns=samples)
    symbol_column = next((c for c in SYMBOL_COLUMNS if c in adata.var.columns), None)
    if symbol_column is None:
        symbols = pd.Series(genes.to_numpy(), index=genes, name="symbol")
    else:
        raw = adata.var[symbol_column].astype(str).to_numpy()
        symbols = pd.Series(np.where(np.isin(raw, ["", "nan"]), genes.to_numpy(), raw), index=genes, name="symbol")
    from degsea.sheet import check_safe_id

    for sample in samples:
        check_safe_id(sample, kind="sample ID", file=path, where="obs_names")
    return CountMatrix(counts=counts, symbols=symbols)


# --- gene identifiers -------------------------------------------------------------------------

ENSEMBL_VERSION = re.compile(r"^(ENS[A-Z]*[GT]\d{6,})\.\d+(_PAR_Y)?$")


def strip_ensembl_version(gene_id: str) -> str:
    """``ENSG00000141510.17`` -> ``ENSG00000141510``; GENCODE's ``_PAR_Y`` suffix is kept. Other IDs unchanged."""
    match = ENSEMBL_VERSION.match(gene_id)
    return gene_id if match is None else match.group(1) + (match.group(2) or "")


def is_gtf(path: str | Path) -> bool:
    """Whether a file is a GTF: by name (.gtf, .gtf.gz) or by a 9-field line with ``gene_id "``."""
    name = Path(path).name.lower().removesuffix(".gz")
    if name.endswith((".gtf", ".gff2")):
        return True
    if not Path(path).is_file():
        return False
    for line in _head(path, 8192).decode("utf-8", errors="replace").split("\n")[:-1]:
        if line.startswith("#") or not line.strip():
            continue
        fields = line.split("\t")
        return len(fields) == 9 and 'gene_id "' in fields[8]
    return False


def read_gtf(path: str | Path, *, level: str = "gene") -> pd.DataFrame:
    """Gene (``level='gene'``: gene_id, symbol) or transcript (transcript_id, gene_id, symbol) table from a GTF.

    Streams the file (gzipped or not); uses ``gene`` or ``transcript`` lines, or ``exon``
    lines where the GTF has none of those.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("The GTF file does not exist.", file=str(path), hint="Check 'counts: annotation' / 'counts: tx2gene'.")
    gene_re = re.compile(r'gene_id "([^"]*)"')
    name_re = re.compile(r'gene_name "([^"]*)"')
    tx_re = re.compile(r'transcript_id "([^"]*)"')
    feature = "gene" if level == "gene" else "transcript"
    rows: dict[tuple[str, ...], str | None] = {}
    exon_rows: dict[tuple[str, ...], str | None] = {}
    with open(path, "rb") as probe:
        opener = gzip.open if probe.read(2) == b"\x1f\x8b" else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if line.startswith("#"):
                continue
            fields = line.rstrip("\n").split("\t")
            if len(fields) != 9 or fields[2] not in (feature, "exon"):
                continue
            gene = gene_re.search(fields[8])
            if gene is None:
                continue
            name = name_re.search(fields[8])
            key: tuple[str, ...] = (gene.group(1),)
            if level != "gene":
                tx = tx_re.search(fields[8])
                if tx is None:
                    continue
                key = (tx.group(1), gene.group(1))
            target = rows if fields[2] == feature else exon_rows
            target.setdefault(key, name.group(1) if name else None)
    found = rows or exon_rows
    if not found:
        raise InputError(
            "The GTF holds no gene records.",
            file=str(path),
            found=f"no '{feature}' or 'exon' lines with gene_id",
            allowed='GTF lines with attributes gene_id "..."; and gene_name "..."',
            hint="Is this a GFF3 file? Give a GTF or a two-column table.",
        )
    names = ["gene_id"] if level == "gene" else ["transcript_id", "gene_id"]
    table = pd.DataFrame([(*k, v) for k, v in found.items()], columns=[*names, "symbol"])
    return table


def read_id_table(path: str) -> pd.DataFrame:
    """Gene ID -> symbol from a GTF or a table (header line; first column ID, second symbol)."""
    if is_gtf(path):
        return read_gtf(path, level="gene")
    text = read_text(path, what="gene annotation table", config_key="counts: annotation")
    table = pd.read_csv(pd.io.common.StringIO(text), sep=delimiter_for(path), dtype=str, keep_default_na=False)
    if table.shape[1] < 2:
        raise InputError(
            "The gene annotation table has fewer than two columns.",
            file=path,
            where="header (line 1)",
            found=", ".join(table.columns),
            allowed="a header line, then gene ID in the first column and symbol in the second (TSV, or CSV when named .csv)",
            hint="A GTF (.gtf, .gtf.gz) works too.",
        )
    table = table.iloc[:, :2]
    table.columns = ["gene_id", "symbol"]
    return table


def map_gene_ids(
    matrix: CountMatrix,
    *,
    strip_version: bool = True,
    annotation: str | None = None,
    duplicates: str = "error",
    min_mapped: float = 0.5,
    source: str = "the count matrix",
) -> tuple[CountMatrix, dict[str, Any]]:
    """Strip Ensembl versions, map IDs to symbols and resolve duplicate IDs.

    Parameters
    ----------
    strip_version
        Drop ``.N`` from Ensembl IDs (matrix and annotation).
    annotation
        GTF or two-column table of gene ID -> symbol; mapped symbols replace the matrix's.
    duplicates
        IDs that appear more than once after version stripping: ``'sum'`` adds their counts,
        ``'error'`` stops.
    min_mapped
        Smallest share of genes the annotation must map; below it the run stops (wrong species
        or ID type).

    Returns
    -------
    (CountMatrix, dict)
        The matrix and a report (versions stripped, duplicates summed, mapping rate).
    """
    counts, symbols = matrix.counts, matrix.symbols
    notes: dict[str, Any] = {}
    if strip_version:
        stripped = counts.index.map(strip_ensembl_version)
        changed = int((stripped != counts.index).sum())
        notes["versions_stripped"] = changed
        if changed:
            log.info("stripped Ensembl version suffixes from %d gene IDs", changed)
        # Symbols that were just the (versioned) ID become the stripped ID.
        symbols = pd.Series(
            np.where(symbols.to_numpy() == counts.index.to_numpy(), stripped.to_numpy(), symbols.to_numpy()),
            index=pd.Index(stripped, name="gene_id"),
            name="symbol",
        )
        counts = counts.set_axis(pd.Index(stripped, name="gene_id"), axis=0)
    counts, symbols, summed = resolve_duplicates(counts, symbols, duplicates=duplicates, source=source)
    notes["duplicates_summed"] = summed
    if annotation:
        table = read_id_table(annotation)
        if strip_version:
            table["gene_id"] = table["gene_id"].map(strip_ensembl_version)
        table = table[table["symbol"].fillna("").str.strip() != ""].drop_duplicates("gene_id")
        lookup = table.set_index("gene_id")["symbol"]
        hit = counts.index.isin(lookup.index)
        rate = float(hit.mean()) if len(hit) else 0.0
        notes.update({"annotation": str(annotation), "mapped": int(hit.sum()), "mapping_rate": rate})
        log.info(
            "gene IDs mapped to symbols with %s: %d of %d (%.1f %%)", annotation, int(hit.sum()), len(hit), 100 * rate
        )
        if rate < min_mapped:
            raise InputError(
                "Few gene IDs of the count matrix are in the annotation.",
                file=str(annotation),
                where="config 'counts: annotation'",
                found=f"{int(hit.sum())} of {len(hit)} IDs ({100 * rate:.1f} %) mapped; the matrix has "
                f"{list(counts.index[:3])}, the annotation {list(lookup.index[:3])}",
                allowed=f"at least {100 * min_mapped:.0f} % mapped (config 'counts: min_mapped')",
                hint="The annotation must use the matrix's ID type (Ensembl vs symbols vs Entrez) and species.",
            )
        mapped = pd.Series(counts.index.map(lookup.to_dict()), index=counts.index)
        symbols = mapped.where(mapped.notna(), symbols).astype(str).rename("symbol")
    return CountMatrix(counts=counts, symbols=symbols), notes


def resolve_duplicates(
    counts: pd.DataFrame, symbols: pd.Series, *, duplicates: str, source: str
) -> tuple[pd.DataFrame, pd.Series, int]:
    """Sum rows that share a gene ID (``duplicates='sum'``) or stop (``'error'``)."""
    repeated = counts.index[counts.index.duplicated()].unique()
    if len(repeated) == 0:
        return counts, symbols, 0
    if duplicates != "sum":
        raise InputError(
            "Gene IDs appear more than once after reading (or after stripping version suffixes).",
            file=source,
            found=f"{len(repeated)} IDs, e.g. {', '.join(repr(r) for r in repeated[:5])}",
            allowed="each gene ID once",
            hint="Set 'counts: duplicates: sum' to add their counts, or 'counts: strip_version: false' "
            "if the versions tell different genes apart.",
        )
    log.warning("summed the counts of %d gene IDs that appear more than once", len(repeated))
    summed = counts.groupby(level=0, sort=False).sum()
    first = symbols[~symbols.index.duplicated()]
    return summed, first.reindex(summed.index), int(len(repeated))


# --- sample files -----------------------------------------------------------------------------


def sample_files(sheet: pd.DataFrame, counts: Mapping[str, Any], *, sheet_file: str) -> dict[str, str] | None:
    """Each sample's count file, from the sheet's ``path`` column or ``counts: pattern``; None if one file.

    ``pattern`` holds ``{sample}`` and may hold glob wildcards (``*``, ``?``); it must match
    exactly one file per sample.

    Raises
    ------
    InputError
        Both a path column and a pattern, a pattern without ``{sample}``, an empty path, or a
        sample without (or with several) files.
    """
    pattern = counts.get("pattern")
    if PATH_COLUMN in sheet.columns and pattern:
        raise InputError(
            "Per-sample count files are given twice.",
            file=sheet_file,
            where=f"column '{PATH_COLUMN}' and config 'counts: pattern'",
            found="both",
            allowed="one of them",
            hint="Remove 'counts: pattern' or the sheet's 'path' column.",
        )
    files: dict[str, str] = {}
    if PATH_COLUMN in sheet.columns:
        for sample, path in sheet[PATH_COLUMN].items():
            if not str(path).strip():
                raise InputError(
                    "A sample has no count file in the sheet's 'path' column.",
                    file=sheet_file,
                    where=f"sample {sample!r}, column '{PATH_COLUMN}'",
                    found="an empty value",
                    allowed="the path of the sample's count file",
                    hint="Relative paths start at the directory you run snakemake in.",
                )
            files[str(sample)] = str(path).strip()
    elif pattern:
        if "{sample}" not in pattern:
            raise InputError(
                "The per-sample count pattern has no '{sample}' placeholder.",
                where="config 'counts: pattern'",
                found=repr(pattern),
                allowed="a path with {sample}, e.g. 'star/{sample}/ReadsPerGene.out.tab' or 'quant/{sample}*/quant.sf'",
                hint="{sample} is replaced by each sample ID of the sheet.",
            )
        for sample in sheet.index:
            path = pattern.replace("{sample}", str(sample))
            if any(c in pattern for c in "*?["):
                matches = sorted(glob.glob(pattern.replace("{sample}", glob.escape(str(sample)))))
                if len(matches) != 1:
                    raise InputError(
                        "A sample's count-file pattern does not match exactly one file.",
                        where=f"config 'counts: pattern', sample {sample!r}",
                        found=f"{len(matches)} files" + (f": {', '.join(matches[:4])}" if matches else ""),
                        allowed="one file per sample",
                        hint="Make the pattern more specific, or list the files in a 'path' column of the sheet.",
                    )
                path = matches[0]
            files[str(sample)] = path
    else:
        return None
    missing = {s: p for s, p in files.items() if not Path(p).is_file()}
    if missing:
        sample, path = next(iter(missing.items()))
        raise InputError(
            "Count files of samples do not exist.",
            file=path,
            where=f"sample {sample!r}" + (f" and {len(missing) - 1} more" if len(missing) > 1 else ""),
            found="no such file",
            allowed="an existing count file for every sample",
            hint="Check the sheet's 'path' column or 'counts: pattern' (relative to the directory you run snakemake in).",
        )
    return files


def sample_strandedness(sheet: pd.DataFrame, default: str, *, sheet_file: str) -> dict[str, str]:
    """Per-sample STAR strandedness: the sheet's ``strandedness`` column, else ``default``."""
    result = {}
    for sample in sheet.index:
        value = str(sheet.at[sample, STRANDEDNESS_COLUMN]).strip() if STRANDEDNESS_COLUMN in sheet.columns else ""
        value = value or default
        aliases = {"unstranded": "none", "yes": "forward", "no": "none", "reverse": "reverse", "auto": default}
        value = aliases.get(value, value)
        if value not in STRANDEDNESS:
            raise InputError(
                "A sample's strandedness is not known.",
                file=sheet_file,
                where=f"sample {sample!r}, column '{STRANDEDNESS_COLUMN}'",
                found=repr(value),
                allowed=", ".join(STRANDEDNESS) + " (empty: config 'counts: strandedness')",
                hint="forward = htseq-count -s yes (read 1 on the gene's strand); reverse = -s reverse (dUTP, TruSeq stranded).",
            )
        result[str(sample)] = value
    return result


def single_file_format(path: str, fmt: str = "auto") -> str:
    """The format of the single count file in ``counts: path`` (detected when ``"auto"``).

    Raises
    ------
    InputError
        The file is of a per-sample format (HTSeq, STAR, Salmon, kallisto, RSEM).
    """
    if fmt == "auto":
        fmt = detect_format(path)
    if fmt in PER_SAMPLE_ONLY:
        raise InputError(
            f"'counts: path' is a {fmt} file, which holds one sample.",
            file=path,
            where="config 'counts: path'",
            found=f"a {fmt} file",
            allowed="a matrix, featureCounts or .h5ad file; per-sample files go in the sheet's 'path' column or 'counts: pattern'",
            hint="List each sample's file in a 'path' column of the sheet, or set 'counts: pattern'.",
        )
    return fmt


def single_file_samples(path: str, fmt: str) -> list[str]:
    """The sample IDs of a single count file (matrix, featureCounts, h5ad), reading as little as possible."""
    if fmt == "auto":
        fmt = detect_format(path)
    if fmt == "featurecounts":
        for line in _head(path).decode("utf-8", errors="replace").split("\n"):
            if line and not line.startswith("#"):
                fields = line.rstrip("\r").split("\t")
                if fields[: len(FEATURECOUNTS_ANNOTATION)] != FEATURECOUNTS_ANNOTATION:
                    return []  # not featureCounts' columns: the full read says so precisely
                return bam_sample_names(fields[len(FEATURECOUNTS_ANNOTATION):])
        return []
    if fmt == "h5ad":
        import h5py

        try:
            with h5py.File(path, "r") as handle:
                obs = handle["obs"]
                index = obs.attrs.get("_index", "_index")
                return [v.decode() if isinstance(v, bytes) else str(v) for v in obs[index][...]]
        except Exception:  # noqa: BLE001 - the full read reports it precisely
            return []
    return read_count_header(path)


# --- everything together ----------------------------------------------------------------------


def read_counts(
    counts: Mapping[str, Any],
    *,
    files: Mapping[str, str] | None = None,
    strandedness: Mapping[str, str] | None = None,
) -> Imported:
    """Read the counts as configured (``counts:`` section) and apply the gene-ID settings.

    Parameters
    ----------
    counts
        The config's ``counts:`` section (defaults filled in).
    files
        Sample -> file for per-sample formats (see :func:`sample_files`); None for one file.
    strandedness
        Sample -> strandedness, for STAR files.
    """
    fmt = counts.get("format", "auto")
    if files is None:
        path = counts["path"]
        fmt = single_file_format(path, fmt)
        if fmt == "matrix":
            text = read_text(path, what="count matrix", config_key="counts: path")
            matrix = parse_count_matrix(
                text, source=str(path), delimiter=delimiter_for(path), duplicates=counts.get("duplicates", "error")
            )
            imported = Imported(matrix, fmt, [str(path)])
        elif fmt == "featurecounts":
            text = read_text(path, what="featureCounts file", config_key="counts: path")
            matrix, names = read_featurecounts(text, source=str(path))
            renamed = {k: v for k, v in names.items() if k != v}
            if renamed:
                log.info("featureCounts columns named as samples: %s", ", ".join(f"{k!r} -> {v!r}" for k, v in renamed.items()))
            imported = Imported(matrix, fmt, [str(path)], {"file_columns": list(names), "samples": list(names.values())})
        else:
            imported = Imported(read_h5ad_counts(path, layer=counts.get("layer")), fmt, [str(path)], {"layer": counts.get("layer") or "X"})
        source = str(path)
    else:
        imported = _read_per_sample(counts, files, fmt, strandedness or {})
        source = ", ".join(list(files.values())[:2]) + (" ..." if len(files) > 2 else "")
    matrix, notes = map_gene_ids(
        imported.matrix,
        strip_version=counts.get("strip_version", True),
        annotation=counts.get("annotation"),
        duplicates=counts.get("duplicates", "error"),
        min_mapped=counts.get("min_mapped", 0.5),
        source=source,
    )
    imported.matrix = matrix
    imported.notes.update(notes)
    log.info(
        "counts read as %s from %d file(s): %d genes x %d samples", imported.format, len(imported.files), *matrix.counts.shape
    )
    return imported


def per_sample_format(files: Mapping[str, str], fmt: str) -> str:
    """The one format of per-sample count files: ``fmt``, or detected from each file when ``"auto"``.

    Raises
    ------
    InputError
        The files are of different formats (the odd file is named), or of a format that holds
        every sample in one file.
    """
    detected = {sample: detect_format(path) for sample, path in files.items()} if fmt == "auto" else {s: fmt for s in files}
    kinds = set(detected.values())
    if len(kinds) > 1:
        by_kind = {kind: [s for s, k in detected.items() if k == kind] for kind in sorted(kinds)}
        odd = min(by_kind, key=lambda kind: len(by_kind[kind]))
        raise InputError(
            "Per-sample count files are of different formats.",
            file=files[by_kind[odd][0]],
            where=f"sample '{by_kind[odd][0]}'",
            found="; ".join(f"{kind}: {len(names)} file(s), e.g. sample '{names[0]}'" for kind, names in by_kind.items()),
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


def _read_per_sample(counts: Mapping[str, Any], files: Mapping[str, str], fmt: str, strandedness: Mapping[str, str]) -> Imported:
    kind = per_sample_format(files, fmt)
    notes: dict[str, Any] = {}
    if kind == "rsem":
        levels = {sample: rsem_level(path) for sample, path in files.items()}
        if len(set(levels.values())) > 1:
            first = {v: s for s, v in reversed(list(levels.items()))}
            raise InputError(
                "RSEM files of genes and of isoforms are mixed.",
                where="sheet column 'path' / config 'counts: pattern'",
                found=", ".join(f"{level} level (e.g. {files[s]})" for level, s in sorted(first.items())),
                allowed="every sample's *.genes.results, or every sample's *.isoforms.results",
                hint="Give the same RSEM output for every sample.",
            )
        if set(levels.values()) == {"gene"}:
            matrix, notes = read_rsem_genes(files)
            return Imported(matrix, kind, list(files.values()), notes)
        matrix, notes = read_transcript_quant(
            files, kind=kind, tx2gene=counts.get("tx2gene"),
            counts_from_abundance=counts.get("counts_from_abundance", "length_scaled_tpm"),
            strip_version=counts.get("strip_version", True),
        )
        return Imported(matrix, kind, list(files.values()), notes)
    if kind in ("salmon", "kallisto"):
        tx2gene = counts.get("tx2gene")
        if not tx2gene:
            raise InputError(
                f"{kind} files need a transcript-to-gene table.",
                where="config 'counts: tx2gene'",
                found="no table",
                allowed="a GTF of the transcriptome's annotation, or a TSV of transcript ID, gene ID (, symbol)",
                hint="The same annotation that built the Salmon/kallisto index.",
            )
        matrix, notes = read_transcript_quant(
            files, kind=kind, tx2gene=tx2gene,
            counts_from_abundance=counts.get("counts_from_abundance", "length_scaled_tpm"),
            strip_version=counts.get("strip_version", True),
        )
        return Imported(matrix, kind, list(files.values()), notes)
    parts: dict[str, CountMatrix] = {}
    for sample, path in files.items():
        text = read_text(path, what=f"{kind} count file", config_key="counts: pattern")
        if kind == "htseq":
            parts[sample], summary = read_htseq(text, source=path, sample=sample)
            notes.setdefault("htseq_summary", {})[sample] = summary
            log.info("%s: dropped HTSeq summary rows %s", path, ", ".join(f"{k}={v}" for k, v in summary.items()))
        elif kind == "star":
            parts[sample], star = read_star(text, source=path, sample=sample, strandedness=strandedness.get(sample, counts.get("strandedness", "none")))
            notes.setdefault("star", {})[sample] = star
        else:
            parts[sample], _ = read_featurecounts(text, source=path, sample=sample)
    return Imported(combine_samples(parts, files), kind, list(files.values()), notes)


def combine_samples(parts: Mapping[str, CountMatrix], files: Mapping[str, str]) -> CountMatrix:
    """Join one-sample matrices; every file must list the same genes."""
    samples = list(parts)
    reference = parts[samples[0]].counts.index
    for sample in samples[1:]:
        index = parts[sample].counts.index
        if len(index) != len(reference) or not index.isin(reference).all():
            only_here = [g for g in index if g not in set(reference)][:3]
            only_there = [g for g in reference if g not in set(index)][:3]
            raise InputError(
                "Per-sample count files list different genes.",
                file=files[sample],
                where=f"sample {sample!r}, compared with {files[samples[0]]}",
                found=f"{len(index)} genes vs {len(reference)}; only here e.g. {only_here}, only there e.g. {only_there}",
                allowed="the same genes in every file (the same annotation for every sample)",
                hint="Count every sample against the same GTF.",
            )
    counts = pd.concat([parts[s].counts.reindex(reference) for s in samples], axis=1)
    counts.index.name = "gene_id"
    return CountMatrix(counts=counts.astype(np.int64), symbols=parts[samples[0]].symbols.reindex(reference))


def _integer(value: str, *, source: str, where: str) -> int:
    value = value.strip()
    if not re.fullmatch(r"\d+", value):
        raise InputError(
            "A count file holds a value that is not an integer count.",
            file=source,
            where=where,
            found=repr(value),
            allowed="integer counts >= 0",
            hint="Is the format right? Check 'counts: format'.",
        )
    return int(value)
