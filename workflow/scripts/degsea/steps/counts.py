"""Rule-facing step of the count import: any format in, checked against the sheet, AnnData out."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from degsea.inputs.counts import match_samples, to_anndata
from degsea.inputs.sheet import read_sample_sheet
from degsea.io import write_h5ad

log = logging.getLogger(__name__)


def import_counts(
    *,
    count_files: Sequence[str],
    sheet_path: str,
    out: str,
    per_sample: bool = False,
    annotation: str | None = None,
    tx2gene: str | None = None,
    settings: Mapping[str, Any] | None = None,
    continuous: Sequence[str] = (),
    extra_columns: str = "error",
) -> None:
    """Rule import_counts: read the counts in any supported format, check them against the sheet, write the AnnData.

    Every file comes from the rule's inputs: ``count_files`` are the files the up-front check
    resolved (:func:`degsea.study.check_study`): one per sample in sheet order when
    ``per_sample``, else the one matrix, featureCounts or .h5ad file; ``annotation`` and
    ``tx2gene`` the ID-mapping tables. ``settings`` is the rest of the config's ``counts:``
    section (format, strandedness, gene-ID settings). What was done (format, files, versions
    stripped, mapping rate, STAR strand checks, HTSeq summary rows) is logged and stored in
    ``uns['degsea_import']``.
    """
    from degsea.inputs.files import sample_strandedness
    from degsea.inputs.read import read_counts

    sheet = read_sample_sheet(sheet_path, continuous=continuous)
    counts = {**(settings or {"format": "matrix"}), "annotation": annotation, "tx2gene": tx2gene}
    files = dict(zip(map(str, sheet.index), count_files, strict=True)) if per_sample else None
    if files is None:
        (counts["path"],) = count_files
    strands = sample_strandedness(sheet, counts.get("strandedness", "none"), sheet_file=sheet_path) if files else None
    imported = read_counts(counts, files=files, strandedness=strands)
    matrix = imported.matrix
    source = counts["path"] if files is None else ", ".join(files.values())
    match_samples(
        list(matrix.counts.columns),
        list(sheet.index),
        counts_file=source,
        sheet_file=sheet_path,
        extra_columns=extra_columns,
    )
    adata = to_anndata(matrix, sheet, counts_file=source)
    adata.uns["degsea_import"] = _plain({"format": imported.format, "files": imported.files, **imported.notes})
    write_h5ad(adata, out)
    log.info("wrote %d samples x %d genes to %s", adata.n_obs, adata.n_vars, out)


def _plain(value: Any) -> Any:
    """A nested dict of str / int / float / lists for AnnData's ``uns`` (None becomes '')."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        items = [_plain(v) for v in value]
        return items if all(isinstance(i, (int, float)) for i in items) else [str(i) for i in items]
    if value is None:
        return ""
    return value


def counts_sheet(counts_h5ad: str) -> pd.DataFrame:
    """The sample sheet stored with the counts (``obs`` of ``counts.h5ad``), sample IDs as str."""
    from degsea.inputs.h5ad import read_obs

    return read_obs(counts_h5ad)
