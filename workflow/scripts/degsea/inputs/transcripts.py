"""Transcript quantifications (Salmon, kallisto, RSEM) summarised to gene counts by pytximport (tximport).

Each file is staged, gunzipped, under the name pytximport expects, in a temporary directory.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from degsea.errors import InputError
from degsea.inputs.annotation import read_tx2gene, strip_ensembl_version
from degsea.inputs.counts import CountMatrix, count_matrix
from degsea.inputs.detect import (
    HDF5_MAGIC,
    KALLISTO_H5_DATASETS,
    KALLISTO_HEADER,
    RSEM_GENES_HEADER,
    RSEM_ISOFORMS_HEADER,
    SALMON_HEADER,
    hdf5_bytes,
    head_bytes,
    is_kallisto_h5,
    rsem_level,
)
from degsea.io import read_text

log = logging.getLogger(__name__)


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
                found=f"{sum(p.suffix == '.h5' for p in paths)} abundance.h5 and "
                f"{sum(p.suffix == '.tsv' for p in paths)} abundance.tsv files",
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
        log.info(
            "tx2gene: %d of %d transcripts of %s (%.1f %%) have a gene",
            int(first.isin(known).sum()),
            len(first),
            next(iter(files.values())),
            100 * rate,
        )
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
    frame = pd.DataFrame(
        np.rint(counts).astype(np.int64).T, index=pd.Index(gene_ids, name="gene_id"), columns=list(files)
    )
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
    matrix = count_matrix(
        frame.index, frame.to_numpy(), list(files), source=table_name, symbols=symbols.astype(str).to_numpy()
    )
    return matrix, notes


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
            [str(p) for p in paths],
            data_type="rsem",
            gene_level=True,
            ignore_transcript_version=False,
            output_type="anndata",
        )
    counts = np.asarray(result.X, dtype=float)
    index = pd.Index([str(g) for g in result.var_names], name="gene_id")
    frame = pd.DataFrame(np.rint(counts).astype(np.int64).T, index=index, columns=list(files))
    notes = {"rsem_level": "gene", "counts_from_abundance": "no"}
    log.info(
        "RSEM genes.results: gene counts are the expected counts rounded (tximport's gene-level import); "
        "'counts: counts_from_abundance' applies to transcript-level files only"
    )
    return count_matrix(index, frame.to_numpy(), list(files), source=", ".join(map(str, files.values()))), notes


#: The name each kind's file gets when staged for pytximport (it reads by suffix).
STAGED_NAME = {"salmon": "quant.sf", "kallisto": "abundance.tsv", "rsem": "sample.isoforms.results"}


def _stage_quant(path: str, directory: Path, *, kind: str) -> Path:
    """Copy one quantification file, gunzipped, into ``directory`` under the name pytximport expects."""
    directory.mkdir(parents=True)
    head = head_bytes(path, 16)
    if kind == "kallisto" and head.startswith(HDF5_MAGIC):
        target = directory / "abundance.h5"
        target.write_bytes(hdf5_bytes(path))
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
            differ = next(
                (i for i, (a, b) in enumerate(zip(series, ids[0], strict=False)) if a != b),
                min(len(series), len(ids[0])),
            )
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
