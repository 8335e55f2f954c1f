"""Read the counts as configured, in any supported format (:mod:`degsea.inputs.detect`), into a
:class:`degsea.inputs.counts.CountMatrix` with the gene-ID settings applied."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from degsea.errors import InputError
from degsea.inputs.aligner import combine_samples, read_featurecounts, read_htseq, read_star
from degsea.inputs.annotation import map_gene_ids
from degsea.inputs.counts import CountMatrix, parse_count_matrix
from degsea.inputs.detect import per_sample_format, rsem_level, single_file_format
from degsea.inputs.h5ad import read_h5ad_counts
from degsea.inputs.transcripts import read_rsem_genes, read_transcript_quant
from degsea.io import delimiter_for, read_text

log = logging.getLogger(__name__)


@dataclass
class Imported:
    """A count matrix and what was done to make it (written to the log and ``uns``)."""

    matrix: CountMatrix
    format: str
    files: list[str]
    notes: dict[str, Any] = field(default_factory=dict)


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
        Sample -> file for per-sample formats (see :func:`degsea.inputs.files.sample_files`); None for one file.
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
                log.info(
                    "featureCounts columns named as samples: %s",
                    ", ".join(f"{k!r} -> {v!r}" for k, v in renamed.items()),
                )
            imported = Imported(
                matrix, fmt, [str(path)], {"file_columns": list(names), "samples": list(names.values())}
            )
        else:
            imported = Imported(
                read_h5ad_counts(path, layer=counts.get("layer")),
                fmt,
                [str(path)],
                {"layer": counts.get("layer") or "X"},
            )
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
        "counts read as %s from %d file(s): %d genes x %d samples",
        imported.format,
        len(imported.files),
        *matrix.counts.shape,
    )
    return imported


def _read_per_sample(
    counts: Mapping[str, Any], files: Mapping[str, str], fmt: str, strandedness: Mapping[str, str]
) -> Imported:
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
            files,
            kind=kind,
            tx2gene=counts.get("tx2gene"),
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
            files,
            kind=kind,
            tx2gene=tx2gene,
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
            parts[sample], star = read_star(
                text,
                source=path,
                sample=sample,
                strandedness=strandedness.get(sample, counts.get("strandedness", "none")),
            )
            notes.setdefault("star", {})[sample] = star
        else:
            parts[sample], _ = read_featurecounts(text, source=path, sample=sample)
    return Imported(combine_samples(parts, files), kind, list(files.values()), notes)
