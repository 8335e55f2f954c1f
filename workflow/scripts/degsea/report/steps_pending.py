"""Rules de_table_page, gsea_table_page and table_pages: the result tables as report pages.

(To move into ``degsea/steps/report_tables.py`` once the steps package lands.)
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from degsea.io import atomic_path
from degsea.report.table_pages import VolcanoThresholds, beside_report_page, de_table_page, gsea_table_page, table_page

log = logging.getLogger(__name__)


def _read(path: str) -> pd.DataFrame:
    return pd.read_csv(path, sep="\t", keep_default_na=False, na_values=["NA"])


def _write(text: str, out: str) -> None:
    with atomic_path(out) as tmp:
        tmp.write_text(text, encoding="utf-8")
    log.info("wrote report page %s (%.1f kB)", out, Path(out).stat().st_size / 1e3)


def write_de_table_page(*, table: str, contrast: str, padj: float, lfc: float, out: str) -> None:
    """Rule de_table_page: one contrast's DE table with its volcano, as a report page."""
    _write(de_table_page(_read(table), contrast=contrast, thresholds=VolcanoThresholds(alpha=padj, lfc=lfc), source=table), out)


def write_gsea_table_page(*, table: str, ranks: str, contrast: str, out: str) -> None:
    """Rule gsea_table_page: one contrast's GSEA table as a report page (the ranked list stays beside it)."""
    _write(gsea_table_page(_read(table), contrast=contrast, source=table, ranks=ranks), out)


def write_table_pages(*, tables: Mapping[str, str], titles: Mapping[str, str], outputs: Mapping[str, str]) -> None:
    """Rule table_pages: each across-contrast or QC table (key -> TSV) as a report page titled ``titles[key]``."""
    for key, path in tables.items():
        _write(table_page(_read(path), title=titles[key], source=path), outputs[key])


def write_beside_pages(*, tables: Mapping[str, str], titles: Mapping[str, str], outputs: Mapping[str, str]) -> None:
    """Rule table_pages: a short page for each table too big to embed (it stays beside the report)."""
    for key, path in tables.items():
        with open(path, encoding="utf-8") as handle:
            columns = len(handle.readline().rstrip("\n").split("\t"))
            rows = sum(1 for _ in handle)
        page = beside_report_page(title=titles[key], source=path, shape=(rows, columns), size_bytes=Path(path).stat().st_size, what=titles[key])
        _write(page, outputs[key])
