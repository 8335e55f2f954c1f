"""Rule-facing steps of the record and the report: provenance JSON and the report's front page."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from degsea.io import atomic_path
from degsea.steps.counts import counts_sheet


def write_provenance(*, inputs: Mapping[str, Sequence[str]], config: Mapping[str, Any], out: str) -> None:
    """Rule provenance: versions, resolved config, SHA-256 of every input and the seeds as JSON."""
    import json

    from degsea.report.provenance import package_versions, provenance

    record = provenance(inputs=inputs, config=config, versions=package_versions())
    with atomic_path(out) as tmp:
        tmp.write_text(json.dumps(record, indent=2, sort_keys=False, ensure_ascii=False) + "\n", encoding="utf-8")


def report_front_page(
    *, provenance_json: str, de_counts: str, gsea_summary: str | None, counts_h5ad: str, color_by: str, out: str, fdr: float = 0.05
) -> None:
    """Rule report_front_page: the report's front page (reStructuredText) from the run's results.

    ``gsea_summary`` is None when the gene-set branch is off.
    """
    import json

    from degsea.report.front_page import front_page

    record = json.loads(Path(provenance_json).read_text(encoding="utf-8"))
    text = front_page(
        sheet=counts_sheet(counts_h5ad),
        config=record["config"],
        de_counts=pd.read_csv(de_counts, sep="\t"),
        gsea_summary=None if gsea_summary is None else pd.read_csv(gsea_summary, sep="\t"),
        record=record,
        color_by=color_by,
        fdr_threshold=fdr,
    )
    with atomic_path(out) as tmp:
        tmp.write_text(text, encoding="utf-8")
