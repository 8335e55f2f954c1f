"""Readers of aligner-side count files: featureCounts, HTSeq-count and STAR ``ReadsPerGene.out.tab``."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from degsea.errors import InputError
from degsea.inputs.counts import CountMatrix, count_matrix
from degsea.inputs.detect import FEATURECOUNTS_ANNOTATION

log = logging.getLogger(__name__)

#: The strandedness values of a library (config ``counts: strandedness``, sheet column ``strandedness``).
STRANDEDNESS = ("none", "forward", "reverse")
#: STAR's columns: 1 = unstranded, 2 = read 1 on the gene's strand (htseq -s yes), 3 = reverse.
STAR_COLUMN = {"none": 1, "forward": 2, "reverse": 3}


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
        raise InputError(
            "The featureCounts file holds no table.", file=source, hint="Check the file; it holds only comments."
        )
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
    columns = header[len(FEATURECOUNTS_ANNOTATION) :]
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
    numbered = [
        (number, line.split("\t")) for number, line in enumerate(lines, start=1) if line and not line.startswith("#")
    ][1:]
    rows = [[fields[i] if i < len(fields) else "" for i in keep] for _, fields in numbered]
    cells = np.array([row[1:] for row in rows], dtype=object).reshape(len(rows), len(names))
    matrix = count_matrix(
        [row[0] for row in rows],
        cells,
        list(names.values()),
        source=source,
        lines=[n for n, _ in numbered],
        gene_column="Geneid",
    )
    return matrix, names


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
    genes, numbers, summary = [], [], {}
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
            genes.append(fields)
            numbers.append(number)
    cells = np.array([g[1] for g in genes], dtype=object).reshape(len(genes), 1)
    matrix = count_matrix([g[0] for g in genes], cells, [sample], source=source, lines=numbers, gene_column="gene")
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
    genes, numbers, summary = [], [], {}
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
            numbers.append(number)
    column = STAR_COLUMN[strandedness]
    cells = np.array([g[column] for g in genes], dtype=object).reshape(len(genes), 1)
    matrix = count_matrix([g[0] for g in genes], cells, [sample], source=source, lines=numbers, gene_column="gene")
    assigned = {}
    for name, index in STAR_COLUMN.items():
        assigned[name] = int(sum(_integer(g[index], source=source, where=f"gene {g[0]!r}") for g in genes))
    inferred = infer_strandedness(assigned["forward"], assigned["reverse"])
    if inferred is not None and inferred != strandedness:
        log.warning(
            "%s (sample %r): strandedness %r was chosen, but the counts look %s: assigned reads "
            "unstranded %d, forward %d, reverse %d. Check 'counts: strandedness' (or the sheet's "
            "'strandedness' column).",
            source,
            sample,
            strandedness,
            inferred,
            assigned["none"],
            assigned["forward"],
            assigned["reverse"],
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
                found=f"{len(index)} genes vs {len(reference)}; only here e.g. {only_here}, only there e.g. "
                f"{only_there}",
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
