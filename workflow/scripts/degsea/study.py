"""The study as configured: checked as a whole before any job runs."""

from __future__ import annotations

import importlib.util
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from degsea.de.design import Contrast, check_design, design_variables, parse_contrasts, reference_levels
from degsea.de.hypotheses import LikelihoodRatioTest, check_coefficients, check_lrts, parse_lrts
from degsea.errors import InputError
from degsea.gsea.collections import read_gmt
from degsea.gsea.msigdb import Collection, check_cached, parse_entries
from degsea.gsea.prerank import check_focus_sets, merge_collections
from degsea.inputs.counts import match_samples
from degsea.inputs.detect import per_sample_format, single_file_format
from degsea.inputs.files import sample_files, sample_strandedness, single_file_samples
from degsea.inputs.read import read_counts
from degsea.inputs.sheet import read_sample_sheet
from degsea.io import describe_missing
from degsea.naming import absent_levels, case_clash, file_slug

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Study:
    """The sample sheet and contrasts of a checked config."""

    sheet: pd.DataFrame
    contrasts: list[Contrast]
    #: The count files rule import_counts reads: per-sample files in sheet order, or the one file.
    count_files: list[str] = field(default_factory=list)
    #: Whether ``count_files`` are one file per sample (in sheet order).
    per_sample: bool = False
    #: MSigDB collections to download (degsea.gsea.msigdb.Collection).
    msigdb: list = field(default_factory=list)
    #: Likelihood-ratio tests (config 'lrt').
    lrts: list[LikelihoodRatioTest] = field(default_factory=list)
    #: The sheet column that groups samples in figures unless 'plots: color_by' says otherwise:
    #: the variable of the first level-pair contrast, else the first factor of the design.
    group_by: str | None = None
    #: Gene sets in the local GMT files ('gsea: genesets'), read by the check; None with MSigDB
    #: collections in the config (large, and perhaps not downloaded yet) or without the gene-set branch.
    gene_sets: int | None = None


def gsea_enabled(config: Mapping[str, Any]) -> bool:
    """Whether the gene-set branch runs: ``gsea: enabled`` and at least one collection (GMT or MSigDB)."""
    gsea = config["gsea"]
    return bool(gsea["enabled"] and (gsea["genesets"] or gsea["msigdb"]))


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
    clash = case_clash(c.name for c in contrasts)
    if clash:
        raise InputError(
            "Contrast names differ only in upper/lower case: their result files would overwrite each other on macOS "
            "and Windows.",
            where="config 'contrasts'",
            found=f"{clash[0]!r} and {clash[1]!r}",
            allowed="contrast names that differ in more than upper/lower case",
            hint=f"Contrast names become paths such as results/de/<name>.tsv; rename one, e.g. '{clash[1]}_2'.",
        )
    lrts = check_hypotheses(config, sheet, contrasts, sheet_file=sheet_file)
    count_files, per_sample = check_counts(config, sheet, sheet_file=sheet_file, demo_counts=demo_counts)
    factors = [v for v in design_variables(config["design"]) if v not in continuous]
    group_by = next((c.variable for c in contrasts if c.kind == "levels"), factors[0] if factors else None)
    gsea = config["gsea"]
    if not gsea_enabled(config):
        log.info("the gene-set branch is off ('gsea: enabled: false', or no collection): DE, QC and figures only")
        return Study(
            sheet=sheet,
            contrasts=contrasts,
            count_files=count_files,
            per_sample=per_sample,
            lrts=lrts,
            group_by=group_by,
        )
    clash = case_clash(gsea["focus_sets"], key=lambda name: file_slug(name).casefold())
    if clash:
        raise InputError(
            "Focus sets would share figure files: their file names differ only in case or punctuation.",
            where="config 'gsea: focus_sets'",
            found=f"{clash[0]!r} and {clash[1]!r} (figure files ..._{file_slug(clash[0])}.png and "
            f"..._{file_slug(clash[1])}.png)",
            allowed="focus sets whose names differ in more than upper/lower case and punctuation",
            hint="On macOS and Windows the two figures would overwrite each other: keep one of the two sets as a focus "
            "set.",
        )
    entries = parse_entries(gsea.get("msigdb") or [])
    files = [*gsea["genesets"], *(e.path for e in entries)]
    available = [*gsea["genesets"], *(e.path for e in entries if Path(e.path).is_file())]
    for entry in entries:
        if Path(entry.path).is_file():
            check_cached(entry, entry.path)
    names = merge_collections({path: read_gmt(path) for path in available})
    unknown = [s for s in gsea["focus_sets"] if s not in names]
    pending = [e for e in entries if not Path(e.path).is_file()]
    if unknown and pending:
        claimed = claimed_focus_sets(unknown, names, cached=[e for e in entries if e not in pending], pending=pending)
        if claimed:
            check_focus_sets(claimed, names, sources=sorted(set(claimed.values())))
        log.info(
            "focus sets %s are checked once the MSigDB collections %s are downloaded",
            ", ".join(unknown),
            ", ".join(e.file_name for e in pending),
        )
    else:
        check_focus_sets(gsea["focus_sets"], names, sources=files)
    log.info("study: %d samples, design %s, %d contrasts", len(sheet), config["design"], len(contrasts))
    return Study(
        sheet=sheet,
        contrasts=contrasts,
        count_files=count_files,
        per_sample=per_sample,
        msigdb=entries,
        lrts=lrts,
        group_by=group_by,
        gene_sets=None if entries else len(names),
    )


def check_hypotheses(
    config: Mapping[str, Any], sheet: pd.DataFrame, contrasts: list[Contrast], *, sheet_file: str
) -> list[LikelihoodRatioTest]:
    """Check the design, every contrast and every likelihood-ratio test against the sheet; return the tests."""
    continuous = config["continuous"]
    de = config["de"]
    references = reference_levels(contrasts, config.get("reference_levels"))
    lrts = parse_lrts(config.get("lrt"), design=config["design"])
    check_design(
        sheet, config["design"], contrasts, sheet_file=sheet_file, continuous=continuous, references=references
    )
    for full in dict.fromkeys(t.full for t in lrts if t.full != config["design"]):
        check_design(sheet, full, [], sheet_file=sheet_file, continuous=continuous, references=references)
    check_coefficients(
        sheet,
        config["design"],
        contrasts,
        continuous=continuous,
        references=references,
        default_threshold=de.get("lfc_threshold", 0.0),
        default_alternative=de.get("alt_hypothesis", "greaterAbs"),
    )
    check_lrts(sheet, lrts, sheet_file=sheet_file, continuous=continuous, references=references)
    asked = [t.name for t in lrts if t.profiles.enabled and t.profiles.ora]
    if asked and importlib.util.find_spec("degsea.gsea.ora") is None:
        raise InputError(
            "Over-representation per profile cluster needs degsea's ORA module, which this version lacks.",
            where=f"config 'lrt: {asked[0]}: profiles: ora'",
            found="ora: true",
            allowed="ora: false in this version",
            hint="Set 'ora: false' (the clusters and their figure are still made), or update degsea.",
        )
    exact_only = [f"contrast '{c.name}' ({c.kind})" for c in contrasts if c.kind != "levels"]
    exact_only += [f"likelihood-ratio test '{t.name}'" for t in lrts]
    exact_only += ["fit_type 'local'"] if de.get("fit_type") == "local" else []
    if any(c.lfc_threshold or c.alt_hypothesis not in (None, "greaterAbs") for c in contrasts) or de.get(
        "lfc_threshold"
    ):
        exact_only.append("a log2 fold-change threshold test")
    if exact_only and de.get("engine", "deseq2_exact") != "deseq2_exact":
        raise InputError(
            "This test needs the DESeq2-exact engine.",
            where="config 'de: engine'",
            found=f"engine {de.get('engine')!r} with " + exact_only[0],
            allowed="engine 'deseq2_exact' for coefficient, list and numeric contrasts, likelihood-ratio tests, "
            "threshold tests and the local dispersion trend",
            hint="Set 'de: engine: deseq2_exact' (the default), or keep to level-pair Wald tests with 'pydeseq2'.",
        )
    return lrts


def level_setting_warnings(
    sheet: pd.DataFrame, *, color_by: str, colors: Mapping[str, Any], levels: Mapping[str, Any], sheet_file: str
) -> list[str]:
    """Warnings for display settings that match no sample: colours (config ``plots: colors``)
    and level lists (config ``levels``) for levels no sample has, level lists for columns the
    sheet lacks. They change no result, so the run goes on."""
    warnings = []
    unused = absent_levels(colors, sheet[color_by]) if color_by in sheet.columns else []
    if unused:
        warnings.append(
            f"config 'plots: colors' gives colours for levels of '{color_by}' that no sample has: {', '.join(unused)} "
            f"(levels in {sheet_file}: {', '.join(map(str, dict.fromkeys(sheet[color_by].astype(str))))}); they are "
            "not used."
        )
    for variable, listed in levels.items():
        if variable not in sheet.columns:
            warnings.append(
                f"config 'levels' names '{variable}', which is not a column of {sheet_file}; it is not used."
            )
            continue
        unused = absent_levels(listed, sheet[variable])
        if unused:
            warnings.append(
                f"config 'levels: {variable}' lists levels that no sample has: {', '.join(unused)}; they are not used."
            )
    return warnings


def claimed_focus_sets(
    unknown: list[str], names: Mapping[str, tuple[str, Any]], *, cached: list[Collection], pending: list[Collection]
) -> dict[str, str]:
    """Unknown focus sets that a cached MSigDB collection claims by its set-name prefix.

    Every set of an MSigDB collection starts with the same prefix (``HALLMARK_``,
    ``REACTOME_``, ``GOBP_``); a focus set with that prefix that is not in the cached
    collection is a mistake even while other collections are still to be downloaded, unless
    one of those is the same collection for the other species or in another version.
    Returns focus set -> the claiming collection's path.
    """
    claimed: dict[str, str] = {}
    waiting = {_collection_family(e.collection) for e in pending}
    for entry in cached:
        if _collection_family(entry.collection) in waiting:
            continue
        sets = [name for name, (source, _) in names.items() if source == entry.path]
        prefixes = {name.split("_", 1)[0] + "_" for name in sets if "_" in name}
        if len(prefixes) != 1 or len(sets) != sum("_" in name for name in sets):
            continue
        (prefix,) = prefixes
        claimed.update({s: entry.path for s in unknown if s.startswith(prefix)})
    return claimed


def _collection_family(name: str) -> str:
    """An MSigDB collection's name without its species: 'mh.all' -> 'h.all', 'm2.cp.reactome' -> 'c2.cp.reactome'."""
    name = name.lower()
    if name == "mh.all":
        return "h.all"
    return re.sub(r"^m(\d)", r"c\1", name)


def check_counts(
    config: Mapping[str, Any], sheet: pd.DataFrame, *, sheet_file: str, demo_counts: str | None
) -> tuple[list[str], bool]:
    """Check the count inputs as far as possible without reading them; return the files to read.

    Returns the files rule import_counts reads (resolved here, once) and whether they are one
    file per sample (in sheet order) or the one matrix, featureCounts or .h5ad file.

    Per-sample files (sheet column ``path`` or ``counts: pattern``) must exist and be of one
    format; a single file's samples (matrix, featureCounts, .h5ad header) must match the sheet;
    annotation and transcript-to-gene files must exist.
    """
    counts = config["counts"]
    counts_file = counts["path"]
    for key in ("annotation", "tx2gene"):
        if counts.get(key) and not Path(counts[key]).is_file():
            found, extra = describe_missing(counts[key])
            raise InputError(
                f"The file of 'counts: {key}' does not exist.",
                file=counts[key],
                where=f"config 'counts: {key}'",
                found=found,
                hint="Relative paths start at the directory you run snakemake in." + extra,
            )
    files = sample_files(sheet, counts, sheet_file=sheet_file)
    if files is not None:
        if counts_file != demo_counts:
            raise InputError(
                "Both a count matrix and per-sample count files are given.",
                file=sheet_file,
                where="config 'counts: path' and "
                + ("the sheet's 'path' column" if "path" in sheet.columns else "config 'counts: pattern'"),
                found=f"counts: path = {counts_file!r}",
                allowed="one of them",
                hint="Remove 'counts: path' from the config to read the per-sample files.",
            )
        fmt = counts.get("format", "auto")
        for sample, path in files.items():
            if Path(path).is_file() and Path(path).stat().st_size == 0:
                raise InputError(
                    "A per-sample count file is empty (0 bytes).",
                    file=path,
                    where=f"sample '{sample}'",
                    found="0 bytes",
                    allowed="the count file as the counting tool wrote it",
                    hint="The file was probably cut off while it was copied, or the tool failed for this sample; copy "
                    "or make it again.",
                )
        kind = per_sample_format(files, fmt)
        if kind in ("salmon", "kallisto") and not counts.get("tx2gene"):
            raise InputError(
                f"{kind} files need a transcript-to-gene table.",
                where="config 'counts: tx2gene'",
                found="no table",
                allowed="a GTF, or a TSV of transcript ID, gene ID (, symbol)",
                hint="Use the annotation that built the Salmon/kallisto index.",
            )
        if kind == "star":
            sample_strandedness(sheet, counts.get("strandedness", "none"), sheet_file=sheet_file)
        return list(files.values()), True
    if counts_file == demo_counts:
        return [counts_file], False
    if not Path(counts_file).is_file():
        found, extra = describe_missing(counts_file)
        raise InputError(
            "The count matrix does not exist.",
            file=counts_file,
            found=found,
            hint="Check 'counts: path' in the config (relative paths start at the directory you run snakemake in)."
            + extra,
        )
    fmt = single_file_format(counts_file, counts.get("format", "auto"))
    samples = single_file_samples(counts_file, fmt)
    if not samples:
        # The header could not be read (an empty or broken file): the full read names the problem.
        samples = list(read_counts({**counts, "format": fmt}).matrix.counts.columns)
    match_samples(
        samples,
        list(sheet.index),
        counts_file=counts_file,
        sheet_file=sheet_file,
        extra_columns=counts.get("extra_columns", "error"),
    )
    return [counts_file], False
