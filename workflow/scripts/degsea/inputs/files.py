"""Per-sample count files and strandedness from the sample sheet or ``counts: pattern``, and a single file's samples."""

from __future__ import annotations

import glob
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from degsea.errors import InputError
from degsea.inputs.aligner import STRANDEDNESS, bam_sample_names
from degsea.inputs.counts import read_count_header
from degsea.inputs.detect import FEATURECOUNTS_ANNOTATION, detect_format, head_bytes
from degsea.naming import REPORT_BREAKERS

#: The sheet column that names each sample's count file, and the one for STAR's strand.
PATH_COLUMN = "path"
STRANDEDNESS_COLUMN = "strandedness"


def sample_files(sheet: pd.DataFrame, counts: Mapping[str, Any], *, sheet_file: str) -> dict[str, str] | None:
    """Each sample's count file, from the sheet's ``path`` column or ``counts: pattern``; None if one file.

    ``pattern`` holds ``{sample}`` and may hold glob wildcards (``*``, ``?``); it must match
    exactly one file per sample.

    Raises
    ------
    InputError
        Both a path column and a pattern, a pattern without ``{sample}``, an empty path, a path
        the HTML report cannot carry (``</``, ``<!--``, ``{%``), or a sample without (or with
        several) files.
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
    _check_report_safe(files, from_sheet=PATH_COLUMN in sheet.columns, sheet_file=sheet_file)
    missing = {s: p for s, p in files.items() if not Path(p).is_file()}
    if missing:
        sample, path = next(iter(missing.items()))
        raise InputError(
            "Count files of samples do not exist.",
            file=path,
            where=f"sample {sample!r}" + (f" and {len(missing) - 1} more" if len(missing) > 1 else ""),
            found="no such file",
            allowed="an existing count file for every sample",
            hint="Check the sheet's 'path' column or 'counts: pattern' (relative to the directory you run snakemake "
            "in).",
        )
    return files


def _check_report_safe(files: Mapping[str, str], *, from_sheet: bool, sheet_file: str) -> None:
    """Stop on a per-sample file path that would break the HTML report.

    The paths are inputs of the provenance rule, and Snakemake's report writes rule inputs
    unescaped into a ``<script>`` element (see :data:`~degsea.naming.REPORT_BREAKERS`).
    """
    for sample, path in files.items():
        if any(breaker in path for breaker in REPORT_BREAKERS):
            raise InputError(
                "A sample's count-file path cannot be shown safely in the HTML report.",
                file=sheet_file if from_sheet else None,
                where=f"sample {sample!r}, "
                + (f"column '{PATH_COLUMN}'" if from_sheet else "config 'counts: pattern'"),
                found=repr(path),
                allowed="a path without '</', '<!--' and '{%'",
                hint="Snakemake's report would read it as the end of a script or as template code. Rename the "
                "file or folder, or link it under a plain name (ln -s), and give that path.",
            )


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
                hint="forward = htseq-count -s yes (read 1 on the gene's strand); reverse = -s reverse (dUTP, TruSeq "
                "stranded).",
            )
        result[str(sample)] = value
    return result


def single_file_samples(path: str, fmt: str) -> list[str]:
    """The sample IDs of a single count file (matrix, featureCounts, h5ad), reading as little as possible."""
    if fmt == "auto":
        fmt = detect_format(path)
    if fmt == "featurecounts":
        for line in head_bytes(path).decode("utf-8", errors="replace").split("\n"):
            if line and not line.startswith("#"):
                fields = line.rstrip("\r").split("\t")
                if fields[: len(FEATURECOUNTS_ANNOTATION)] != FEATURECOUNTS_ANNOTATION:
                    return []  # not featureCounts' columns: the full read says so precisely
                return bam_sample_names(fields[len(FEATURECOUNTS_ANNOTATION) :])
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
