"""Rule-facing steps of the record and the report: provenance JSON, the report's front page, the table pages."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from degsea.io import atomic_path
from degsea.report.table_pages import VolcanoThresholds, beside_report_page, de_table_page, gsea_table_page, table_page
from degsea.steps.counts import counts_sheet

log = logging.getLogger(__name__)


def write_provenance(*, inputs: Mapping[str, Sequence[str]], config: Mapping[str, Any], out: str) -> None:
    """Rule provenance: versions, resolved config, SHA-256 of every input and the seeds as JSON."""
    import json

    from degsea.report.provenance import package_versions, provenance

    record = provenance(inputs=inputs, config=config, versions=package_versions())
    with atomic_path(out) as tmp:
        tmp.write_text(json.dumps(record, indent=2, sort_keys=False, ensure_ascii=False) + "\n", encoding="utf-8")


def report_front_page(
    *,
    config: Mapping[str, Any],
    provenance_json: str,
    de_counts: str,
    gsea_summary: str | None,
    counts_h5ad: str,
    color_by: str,
    fdr_method: str,
    fdr_floor: float,
    out: str,
    fdr: float = 0.05,
    beside: Mapping[str, str] | None = None,
    ora_tables: Mapping[str, str] | None = None,
    lrt_tables: Sequence[str] = (),
) -> None:
    """Rule report_front_page: the report's front page (reStructuredText) from the run's results.

    The config comes from the rule's params; the provenance record gives only what it measured
    (package versions, input checksums). ``lrt_tables``: the likelihood-ratio test tables
    (``results/de/lrt/<name>.tsv``; the name is the file stem).
    """
    import json

    from degsea.report.front_page import front_page

    record = json.loads(Path(provenance_json).read_text(encoding="utf-8"))
    text = front_page(
        sheet=counts_sheet(counts_h5ad),
        config=config,
        de_counts=pd.read_csv(de_counts, sep="\t"),
        gsea_summary=None if gsea_summary is None else pd.read_csv(gsea_summary, sep="\t"),
        versions=record["versions"],
        inputs=record["inputs"],
        color_by=color_by,
        fdr_method=fdr_method,
        fdr_floor=fdr_floor,
        fdr_threshold=fdr,
        beside=beside,
        ora_tables={name: pd.read_csv(path, sep="\t") for name, path in ora_tables.items()}
        if ora_tables is not None
        else None,
        lrt_tables={Path(p).name.removesuffix(".tsv"): pd.read_csv(p, sep="\t") for p in lrt_tables},
    )
    with atomic_path(out) as tmp:
        tmp.write_text(text, encoding="utf-8")


def _read(path: str) -> pd.DataFrame:
    return pd.read_csv(path, sep="\t", keep_default_na=False, na_values=["NA"])


def _write(text: str, out: str) -> None:
    with atomic_path(out) as tmp:
        tmp.write_text(text, encoding="utf-8")
    log.info("wrote report page %s (%.1f kB)", out, Path(out).stat().st_size / 1e3)


def write_de_table_page(*, table: str, contrast: str, padj: float, lfc: float, out: str) -> None:
    """Rule de_table_page: one contrast's DE table with its volcano, as a report page."""
    _write(
        de_table_page(_read(table), contrast=contrast, thresholds=VolcanoThresholds(alpha=padj, lfc=lfc), source=table),
        out,
    )


def write_gsea_table_page(*, tables: Mapping[str, str], out: str) -> None:
    """Rule gsea_table_page: every contrast's GSEA table (contrast -> TSV, config order) in one report page."""
    _write(gsea_table_page({name: _read(path) for name, path in tables.items()}), out)


def write_table_pages(
    *, tables: Mapping[str, str], titles: Mapping[str, str], outputs: Mapping[str, str], beside: Sequence[str] = ()
) -> None:
    """Rule table_pages: each QC or across-contrast table (key -> TSV) as a report page titled ``titles[key]``.

    The tables named in ``beside`` grow with the samples (normalised counts, VST): they stay
    beside the report, and their page only says what and where they are.
    """
    for key, path in tables.items():
        if key in beside:
            with open(path, encoding="utf-8") as handle:
                columns = len(handle.readline().rstrip("\n").split("\t"))
                rows = sum(1 for _ in handle)
            page = beside_report_page(
                title=titles[key],
                source=path,
                shape=(rows, columns),
                size_bytes=Path(path).stat().st_size,
                what=titles[key],
            )
        else:
            page = table_page(_read(path), title=titles[key], source=path)
        _write(page, outputs[key])
