"""Gene identifiers: Ensembl version stripping, GTF and ID tables, transcript-to-gene tables, duplicate IDs."""

from __future__ import annotations

import gzip
import logging
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from degsea.errors import InputError
from degsea.inputs.counts import CountMatrix
from degsea.inputs.detect import head_bytes
from degsea.io import delimiter_for, read_text

log = logging.getLogger(__name__)

ENSEMBL_VERSION = re.compile(r"^(ENS[A-Z]*[GT]\d{6,})\.\d+(_PAR_Y)?$")


def strip_ensembl_version(gene_id: str) -> str:
    """``ENSG00000141510.17`` -> ``ENSG00000141510``; GENCODE's ``_PAR_Y`` suffix is kept. Other IDs unchanged."""
    match = ENSEMBL_VERSION.match(gene_id)
    return gene_id if match is None else match.group(1) + (match.group(2) or "")


def is_gtf(path: str | Path) -> bool:
    """Whether a file is a GTF: by name (.gtf, .gtf.gz) or by a 9-field line with ``gene_id "``."""
    name = Path(path).name.lower().removesuffix(".gz")
    if name.endswith((".gtf", ".gff2")):
        return True
    if not Path(path).is_file():
        return False
    for line in head_bytes(path, 8192).decode("utf-8", errors="replace").split("\n")[:-1]:
        if line.startswith("#") or not line.strip():
            continue
        fields = line.split("\t")
        return len(fields) == 9 and 'gene_id "' in fields[8]
    return False


def read_gtf(path: str | Path, *, level: str = "gene") -> pd.DataFrame:
    """Gene (``level='gene'``: gene_id, symbol) or transcript (transcript_id, gene_id, symbol) table from a GTF.

    Streams the file (gzipped or not); uses ``gene`` or ``transcript`` lines, or ``exon``
    lines where the GTF has none of those.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(
            "The GTF file does not exist.", file=str(path), hint="Check 'counts: annotation' / 'counts: tx2gene'."
        )
    gene_re = re.compile(r'gene_id "([^"]*)"')
    name_re = re.compile(r'gene_name "([^"]*)"')
    tx_re = re.compile(r'transcript_id "([^"]*)"')
    feature = "gene" if level == "gene" else "transcript"
    rows: dict[tuple[str, ...], str | None] = {}
    exon_rows: dict[tuple[str, ...], str | None] = {}
    with open(path, "rb") as probe:
        opener = gzip.open if probe.read(2) == b"\x1f\x8b" else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if line.startswith("#"):
                continue
            fields = line.rstrip("\n").split("\t")
            if len(fields) != 9 or fields[2] not in (feature, "exon"):
                continue
            gene = gene_re.search(fields[8])
            if gene is None:
                continue
            name = name_re.search(fields[8])
            key: tuple[str, ...] = (gene.group(1),)
            if level != "gene":
                tx = tx_re.search(fields[8])
                if tx is None:
                    continue
                key = (tx.group(1), gene.group(1))
            target = rows if fields[2] == feature else exon_rows
            target.setdefault(key, name.group(1) if name else None)
    found = rows or exon_rows
    if not found:
        raise InputError(
            "The GTF holds no gene records.",
            file=str(path),
            found=f"no '{feature}' or 'exon' lines with gene_id",
            allowed='GTF lines with attributes gene_id "..."; and gene_name "..."',
            hint="Is this a GFF3 file? Give a GTF or a two-column table.",
        )
    names = ["gene_id"] if level == "gene" else ["transcript_id", "gene_id"]
    table = pd.DataFrame([(*k, v) for k, v in found.items()], columns=[*names, "symbol"])
    return table


def read_tx2gene(path: str, *, strip_version: bool = True) -> pd.DataFrame:
    """Read a transcript-to-gene table: a GTF, or a TSV/CSV whose first two columns are transcript and gene.

    A third column, when present, is taken as the gene symbol. Returns columns
    ``transcript_id``, ``gene_id`` (and ``symbol``).
    """
    if is_gtf(path):
        table = read_gtf(path, level="transcript")
    else:
        text = read_text(path, what="transcript-to-gene table", config_key="counts: tx2gene")
        table = pd.read_csv(pd.io.common.StringIO(text), sep=delimiter_for(path), dtype=str, keep_default_na=False)
        if table.shape[1] < 2:
            raise InputError(
                "The transcript-to-gene table has fewer than two columns.",
                file=path,
                where="header (line 1)",
                found=", ".join(table.columns),
                allowed="transcript ID, gene ID (and optionally gene symbol), with a header line",
                hint="TSV, or CSV when named .csv.",
            )
        names = ["transcript_id", "gene_id", "symbol"][: min(3, table.shape[1])]
        table = table.iloc[:, : len(names)]
        table.columns = names
    if strip_version:
        table["transcript_id"] = table["transcript_id"].map(strip_ensembl_version)
        table["gene_id"] = table["gene_id"].map(strip_ensembl_version)
    if "symbol" in table.columns:
        table["symbol"] = table["symbol"].replace("", np.nan)
    return table.drop_duplicates("transcript_id").reset_index(drop=True)


def read_id_table(path: str) -> pd.DataFrame:
    """Gene ID -> symbol from a GTF or a table (header line; first column ID, second symbol)."""
    if is_gtf(path):
        return read_gtf(path, level="gene")
    text = read_text(path, what="gene annotation table", config_key="counts: annotation")
    table = pd.read_csv(pd.io.common.StringIO(text), sep=delimiter_for(path), dtype=str, keep_default_na=False)
    if table.shape[1] < 2:
        raise InputError(
            "The gene annotation table has fewer than two columns.",
            file=path,
            where="header (line 1)",
            found=", ".join(table.columns),
            allowed="a header line, then gene ID in the first column and symbol in the second (TSV, or CSV when named "
            ".csv)",
            hint="A GTF (.gtf, .gtf.gz) works too.",
        )
    table = table.iloc[:, :2]
    table.columns = ["gene_id", "symbol"]
    return table


def map_gene_ids(
    matrix: CountMatrix,
    *,
    strip_version: bool = True,
    annotation: str | None = None,
    duplicates: str = "error",
    min_mapped: float = 0.5,
    source: str = "the count matrix",
) -> tuple[CountMatrix, dict[str, Any]]:
    """Strip Ensembl versions, map IDs to symbols and resolve duplicate IDs.

    Parameters
    ----------
    strip_version
        Drop ``.N`` from Ensembl IDs (matrix and annotation).
    annotation
        GTF or two-column table of gene ID -> symbol; mapped symbols replace the matrix's.
    duplicates
        IDs that appear more than once after version stripping: ``'sum'`` adds their counts,
        ``'error'`` stops.
    min_mapped
        Smallest share of genes the annotation must map; below it the run stops (wrong species
        or ID type).

    Returns
    -------
    (CountMatrix, dict)
        The matrix and a report (versions stripped, duplicates summed, mapping rate).
    """
    counts, symbols = matrix.counts, matrix.symbols
    notes: dict[str, Any] = {}
    if strip_version:
        stripped = counts.index.map(strip_ensembl_version)
        changed = int((stripped != counts.index).sum())
        notes["versions_stripped"] = changed
        if changed:
            log.info("stripped Ensembl version suffixes from %d gene IDs", changed)
        # Symbols that were just the (versioned) ID become the stripped ID.
        symbols = pd.Series(
            np.where(symbols.to_numpy() == counts.index.to_numpy(), stripped.to_numpy(), symbols.to_numpy()),
            index=pd.Index(stripped, name="gene_id"),
            name="symbol",
        )
        counts = counts.set_axis(pd.Index(stripped, name="gene_id"), axis=0)
    counts, symbols, summed = resolve_duplicates(counts, symbols, duplicates=duplicates, source=source)
    notes["duplicates_summed"] = summed
    if annotation:
        table = read_id_table(annotation)
        if strip_version:
            table["gene_id"] = table["gene_id"].map(strip_ensembl_version)
        table = table[table["symbol"].fillna("").str.strip() != ""].drop_duplicates("gene_id")
        lookup = table.set_index("gene_id")["symbol"]
        hit = counts.index.isin(lookup.index)
        rate = float(hit.mean()) if len(hit) else 0.0
        notes.update({"annotation": str(annotation), "mapped": int(hit.sum()), "mapping_rate": rate})
        log.info(
            "gene IDs mapped to symbols with %s: %d of %d (%.1f %%)", annotation, int(hit.sum()), len(hit), 100 * rate
        )
        if rate < min_mapped:
            raise InputError(
                "Few gene IDs of the count matrix are in the annotation.",
                file=str(annotation),
                where="config 'counts: annotation'",
                found=f"{int(hit.sum())} of {len(hit)} IDs ({100 * rate:.1f} %) mapped; the matrix has "
                f"{list(counts.index[:3])}, the annotation {list(lookup.index[:3])}",
                allowed=f"at least {100 * min_mapped:.0f} % mapped (config 'counts: min_mapped')",
                hint="The annotation must use the matrix's ID type (Ensembl vs symbols vs Entrez) and species.",
            )
        mapped = pd.Series(counts.index.map(lookup.to_dict()), index=counts.index)
        symbols = mapped.where(mapped.notna(), symbols).astype(str).rename("symbol")
    return CountMatrix(counts=counts, symbols=symbols), notes


def resolve_duplicates(
    counts: pd.DataFrame, symbols: pd.Series, *, duplicates: str, source: str
) -> tuple[pd.DataFrame, pd.Series, int]:
    """Sum rows that share a gene ID (``duplicates='sum'``) or stop (``'error'``)."""
    repeated = counts.index[counts.index.duplicated()].unique()
    if len(repeated) == 0:
        return counts, symbols, 0
    if duplicates != "sum":
        raise InputError(
            "Gene IDs appear more than once after reading (or after stripping version suffixes).",
            file=source,
            found=f"{len(repeated)} IDs, e.g. {', '.join(repr(r) for r in repeated[:5])}",
            allowed="each gene ID once",
            hint="Set 'counts: duplicates: sum' to add their counts, or 'counts: strip_version: false' "
            "if the versions tell different genes apart.",
        )
    log.warning("summed the counts of %d gene IDs that appear more than once", len(repeated))
    summed = counts.groupby(level=0, sort=False).sum()
    first = symbols[~symbols.index.duplicated()]
    return summed, first.reindex(summed.index), int(len(repeated))
