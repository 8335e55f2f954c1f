"""The study as configured: checked as a whole before any job runs."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from degsea.counts import match_samples, read_count_header
from degsea.design import Contrast, check_design, parse_contrasts
from degsea.errors import InputError
from degsea.genesets import read_gmt
from degsea.gsea import merge_collections
from degsea.sheet import read_sample_sheet

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Study:
    """The sample sheet and contrasts of a checked config."""

    sheet: pd.DataFrame
    contrasts: list[Contrast]


def check_study(config: Mapping[str, Any], *, demo_counts: str | None = None) -> Study:
    """Cross-check a schema-validated config: sheet, design, contrasts, matrix header, gene sets.

    Everything that can be checked without reading the whole count matrix is checked here,
    so that a mistake stops the run before any job starts.

    Parameters
    ----------
    config
        The config after JSON-schema validation (defaults filled in).
    demo_counts
        The path rule simulate_demo writes; when ``counts: path`` is this path the matrix
        does not exist yet and its header is checked when it is imported.
    """
    sheet_file = config["samples"]
    continuous = config["continuous"]
    sheet = read_sample_sheet(sheet_file, continuous=continuous)
    contrasts = parse_contrasts(config["contrasts"])
    check_design(sheet, config["design"], contrasts, sheet_file=sheet_file, continuous=continuous)
    counts_file = config["counts"]["path"]
    if counts_file != demo_counts:
        if not Path(counts_file).is_file():
            raise InputError(
                "The count matrix does not exist.",
                file=counts_file,
                hint="Check 'counts: path' in the config (relative paths start at the directory you run snakemake in).",
            )
        match_samples(
            read_count_header(counts_file),
            list(sheet.index),
            counts_file=counts_file,
            sheet_file=sheet_file,
            extra_columns=config["counts"]["extra_columns"],
        )
    gsea = config["gsea"]
    if gsea["min_size"] > gsea["max_size"]:
        raise InputError(
            "The GSEA size range is empty.",
            where="config 'gsea: min_size', 'gsea: max_size'",
            found=f"min_size {gsea['min_size']} > max_size {gsea['max_size']}",
            allowed="min_size <= max_size",
            hint="The usual range is 15-500.",
        )
    names = merge_collections({path: read_gmt(path) for path in gsea["genesets"]})
    unknown = [s for s in gsea["focus_sets"] if s not in names]
    if unknown:
        raise InputError(
            "Focus sets are not in the gene-set collections.",
            where="config 'gsea: focus_sets'",
            found=", ".join(unknown),
            allowed=f"set names of {', '.join(gsea['genesets'])}",
            hint="Set names must match the GMT exactly (they are case-sensitive).",
        )
    log.info("study: %d samples, design %s, %d contrasts", len(sheet), config["design"], len(contrasts))
    return Study(sheet=sheet, contrasts=contrasts)
