"""Preranked gene-set enrichment analysis: degsea's engine (default) or gseapy's prerank."""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from degsea.errors import InputError
from degsea.gsea.collections import GeneSet
from degsea.naming import gene_id_kind
from degsea.tables import bh_adjust

log = logging.getLogger(__name__)

#: FDR methods (config ``gsea: fdr``): what the ``FDR`` column, the summary, figures and report use.
FDR_METHODS = {
    "bh": "padj: Benjamini-Hochberg adjusted p-values (as fgsea)",
    "gsea_nes": "fdr_gsea: GSEA's NES-based FDR q-value (as GSEA and gseapy)",
}

#: Columns of a GSEA result table. ``pvalue``: as fgsea's, the permutation p-value
#: ``(b + 1) / (m + 1)`` and, for sets in the tail, the multilevel estimate down to ``eps``
#: (engine ``degsea``; gseapy's nominal p with engine ``gseapy``); ``padj``: its
#: Benjamini-Hochberg adjustment over all tested sets; ``fdr_gsea``: GSEA's NES-based FDR q-value;
#: ``FDR``: ``padj`` or ``fdr_gsea`` as config ``gsea: fdr`` says; ``log2err``: standard deviation
#: of ``log2(pvalue)`` (as fgsea's; NA for p-values at ``eps`` and with engine ``gseapy``).
RESULT_COLUMNS = [
    "set",
    "collection",
    "size",
    "ES",
    "NES",
    "pvalue",
    "padj",
    "fdr_gsea",
    "FDR",
    "FWER",
    "log2err",
    "leading_edge_size",
    "leading_edge",
]


#: Smallest FDR the figures and the report tell apart with the degsea engine's BH ``padj``, whose
#: multilevel p-values go down to ``eps`` (1e-50): dot sizes stop growing at ``-log10 FDR = 10``.
DISPLAY_FLOOR = 1e-10


def fdr_floor(fdr: str, *, permutations: int, eps: float = 1e-50, engine: str = "degsea") -> float:
    """The smallest FDR the figures and the report show; smaller values are shown as below it.

    GSEA's q-value (``gsea_nes``) and gseapy's p-values can be 0, meaning below
    ``1 / permutations``; the degsea engine's BH ``padj`` resolves down to ``eps`` and is shown
    down to :data:`DISPLAY_FLOOR`.
    """
    if fdr == "bh" and engine == "degsea":
        return max(eps, DISPLAY_FLOOR)
    return 1.0 / permutations


def check_coverage(
    collections: Mapping[str, Mapping[str, GeneSet]],
    genes: pd.Index,
    *,
    min_size: int,
    max_size: int,
    min_coverage: float,
    translated: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Check that each collection's genes are found in the data and that some set is testable.

    Parameters
    ----------
    collections
        Source file -> its gene sets.
    genes
        The ranked gene symbols.
    min_size, max_size
        Set size range (after matching to the data).
    min_coverage
        Smallest share of a collection's genes that must be among ``genes``.
    translated
        Source -> share of its genes that had an ortholog, for collections translated with
        an ortholog table (reported in the table and the message).

    Returns
    -------
    pandas.DataFrame
        One row per collection: ``collection``, ``genes``, ``in_data``, ``coverage``,
        ``ortholog_rate`` (NA unless translated), ``sets``, ``testable_sets``.

    Raises
    ------
    InputError
        A collection whose coverage is below ``min_coverage`` (the classic Ensembl-vs-symbol
        or human-vs-mouse mistake; the message names the rate and, when the symbols' case
        suggests a species mismatch, says so), or no set of any collection within the size range.
    """
    present = set(genes)
    translated = translated or {}
    rows = []
    for source, sets in collections.items():
        members = set().union(*(s.genes for s in sets.values())) if sets else set()
        found = len(members & present)
        coverage = found / len(members) if members else 0.0
        testable = sum(min_size <= len(present.intersection(s.genes)) <= max_size for s in sets.values())
        log.info(
            "%s: %d of %d genes (%.1f %%) are in the data; %d of %d sets testable",
            source,
            found,
            len(members),
            100 * coverage,
            testable,
            len(sets),
        )
        rows.append(
            {
                "collection": source,
                "genes": len(members),
                "in_data": found,
                "coverage": coverage,
                "ortholog_rate": translated.get(source, np.nan),
                "sets": len(sets),
                "testable_sets": testable,
            }
        )
        if coverage < min_coverage:
            sets_kind, data_kind = gene_id_kind(members), gene_id_kind(genes)
            found_text = (
                f"{found} of {len(members)} genes ({100 * coverage:.1f} %) match: the sets hold {sets_kind}, e.g. "
                f"{sorted(members)[:3]}; the data has {data_kind}, e.g. {list(genes[:3])}"
            )
            if source in translated:
                found_text += (
                    f"; after ortholog translation ({100 * translated[source]:.1f} % of genes had an ortholog)"
                )
            what, hint = _coverage_cause(
                sets_kind, data_kind, symbol_style(members), symbol_style(genes), translated=source in translated
            )
            raise InputError(
                what,
                file=source,
                found=found_text,
                allowed=f"at least {100 * min_coverage:.0f} % (config 'gsea: min_coverage')",
                hint=hint,
            )
    if sum(r["testable_sets"] for r in rows) == 0:
        raise InputError(
            "No gene set has a testable size after matching to the data.",
            file=", ".join(collections),
            found="0 sets",
            allowed=f"sets with {min_size}-{max_size} genes in the data (config 'gsea: min_size', 'max_size')",
            hint="Lower 'gsea: min_size' or use larger sets.",
        )
    return pd.DataFrame(rows)


#: Kinds of identifier that are not gene symbols (:func:`degsea.naming.gene_id_kind`).
_ID_KINDS = ("Ensembl", "Entrez", "RefSeq")


def _coverage_cause(
    sets_kind: str, data_kind: str, sets_style: str | None, data_style: str | None, *, translated: bool
) -> tuple[str, str]:
    """The message and fix of a collection that does not match the data, from the identifier kinds on each side."""
    head = "Few genes of a gene-set collection are in the data"
    data_ids = any(k in data_kind for k in _ID_KINDS)
    sets_ids = any(k in sets_kind for k in _ID_KINDS)
    if data_ids and not sets_ids:
        return (
            f"{head}: the data has {data_kind} and the sets {sets_kind}.",
            "Map the data's IDs to symbols: give a GTF or an ID table of the data's species as 'counts: annotation' "
            "(e.g. the Ensembl GTF of the genome the reads were aligned to); the import then ranks genes by symbol.",
        )
    if sets_ids and not data_ids:
        return (
            f"{head}: the sets hold {sets_kind} and the data {data_kind}.",
            "Use a collection of gene symbols (MSigDB's *.symbols.gmt files), or map the sets' IDs to symbols.",
        )
    if sets_ids and data_ids and sets_kind != data_kind:
        return (
            f"{head}: the sets hold {sets_kind} and the data {data_kind}.",
            "Use a collection of the data's species, or give the data's symbols ('counts: annotation') and translate "
            "the collection with 'gsea: orthologs'.",
        )
    if sets_style and data_style and sets_style != data_style:
        what = f"{head}: the sets look like {sets_style} symbols and the data like {data_style} symbols" + (
            ", even after ortholog translation."
            if translated
            else ", and no ortholog table translates this collection."
        )
        if translated:
            return what, "Check 'gsea: orthologs: from' / 'to': the columns may be swapped."
        return what, (
            "Translate the collection with an ortholog table: config 'gsea: orthologs: {table, from, to, "
            "collections}' (e.g. an Alliance human-mouse table), or use the MSigDB collection of the data's species."
        )
    return (
        f"{head}.",
        f"The sets hold {sets_kind} and the data {data_kind}: both must use the same identifiers (symbols, Ensembl or "
        "Entrez IDs) of the same species; map the data's IDs to symbols with 'counts: annotation'.",
    )


def symbol_style(symbols) -> str | None:  # noqa: ANN001 - any iterable of str
    """'human' when most alphabetic symbols are upper-case (TP53), 'mouse' when capitalised (Trp53), else None."""
    words = [
        s
        for s in symbols
        if isinstance(s, str) and any(c.isalpha() for c in s) and not s.startswith(("ENS", "LOC", "LRG_"))
    ]
    if len(words) < 20:
        return None
    upper = sum(s == s.upper() for s in words) / len(words)
    capital = sum(s[0].isupper() and s[1:] != s[1:].upper() for s in words) / len(words)
    if upper >= 0.8:
        return "human"
    if capital >= 0.8:
        return "mouse"
    return None


def check_focus_sets(focus_sets: Sequence[str], names: Collection[str], *, sources: Iterable[str]) -> None:
    """Raise :class:`InputError` unless every focus set is a set of the collections."""
    unknown = [s for s in focus_sets if s not in names]
    if unknown:
        raise InputError(
            "Focus sets are not in the gene-set collections.",
            where="config 'gsea: focus_sets'",
            found=", ".join(unknown),
            allowed=f"set names of {', '.join(map(str, sources))}",
            hint="Set names must match the GMT exactly (they are case-sensitive).",
        )


def merge_collections(collections: Mapping[str, Mapping[str, GeneSet]]) -> dict[str, tuple[str, GeneSet]]:
    """Merge collections into set name -> (source, set); a name may appear in one collection only."""
    merged: dict[str, tuple[str, GeneSet]] = {}
    for source, sets in collections.items():
        for name, geneset in sets.items():
            if name in merged:
                raise InputError(
                    "A gene-set name appears in two collections.",
                    file=source,
                    found=f"{name!r}, also in {merged[name][0]}",
                    allowed="each set name in one collection",
                    hint="Remove the duplicate file or set from config 'gsea: genesets'.",
                )
            merged[name] = (source, geneset)
    return merged


def prerank(
    ranks: pd.Series,
    collections: Mapping[str, Mapping[str, GeneSet]],
    *,
    permutations: int = 1000,
    min_size: int = 15,
    max_size: int = 500,
    weight: float = 1.0,
    seed: int = 42,
    threads: int = 1,
    engine: str = "degsea",
    fdr: str = "bh",
    eps: float = 1e-50,
) -> pd.DataFrame:
    """Run preranked GSEA (gseapy's statistics) on all sets of all collections.

    Parameters
    ----------
    ranks
        Scores indexed by gene symbol, highest first (see :func:`degsea.gsea.ranking.rank_genes`).
    collections
        Source file -> its gene sets.
    permutations
        Gene-set permutations for the null distribution.
    min_size, max_size
        Sets with fewer or more genes in the data are skipped.
    weight
        GSEA's weight p on the scores (1 = classic weighted GSEA).
    seed
        Random seed of the permutations.
    threads
        Threads of the degsea engine (permutations and multilevel rulers; the table does not
        depend on it), processes for gseapy.
    engine
        ``degsea``: :mod:`degsea.gsea.engine` (vectorised permutations, same statistics as
        gseapy); ``gseapy``: gseapy's own ``prerank``.
    fdr
        Which FDR fills the ``FDR`` column (:data:`FDR_METHODS`): ``bh`` (``padj``) or
        ``gsea_nes`` (``fdr_gsea``); both columns are always written.
    eps
        Engine ``degsea``: smallest p-value computed (fgsea's ``eps``, see
        :func:`degsea.gsea.engine.prerank`); smaller ones are reported as ``eps``.

    Returns
    -------
    pandas.DataFrame
        :data:`RESULT_COLUMNS`, sorted by NES (highest first) then set name.
    """
    if fdr not in FDR_METHODS:
        raise ValueError(f"unknown FDR method {fdr!r} ({', '.join(FDR_METHODS)})")
    merged = merge_collections(collections)
    gene_sets = {name: list(geneset.genes) for name, (_, geneset) in merged.items()}
    log.info("GSEA: %d genes, %d sets, %d permutations, seed %d", len(ranks), len(gene_sets), permutations, seed)
    if engine == "degsea":
        from degsea.gsea import engine as gsea_engine

        raw = gsea_engine.prerank(
            ranks,
            gene_sets,
            permutations=permutations,
            min_size=min_size,
            max_size=max_size,
            weight=weight,
            seed=seed,
            eps=eps,
            threads=threads,
        )
    elif engine != "gseapy":
        raise ValueError(f"unknown GSEA engine {engine!r} (degsea, gseapy)")
    else:
        import gseapy

        raw = _gseapy_prerank(gseapy, ranks, gene_sets, permutations, min_size, max_size, weight, seed, threads)
        raw = raw.assign(pval=raw["NOM p-val"].astype(float), log2err=np.nan)
        raw["padj"] = bh_adjust(raw["pval"].to_numpy())
    table = _result_table(raw, ranks, merged)
    table["FDR"] = table["padj" if fdr == "bh" else "fdr_gsea"]
    log.info(
        "GSEA: %d sets tested; %d at padj (BH) < 0.05, %d at GSEA's FDR q < 0.05; FDR column = %s",
        len(table),
        int((table["padj"] < 0.05).sum()),
        int((table["fdr_gsea"] < 0.05).sum()),
        FDR_METHODS[fdr],
    )
    return table


def _gseapy_prerank(gseapy, ranks, gene_sets, permutations, min_size, max_size, weight, seed, threads):  # noqa: ANN001, ANN202
    """gseapy's prerank result table (res2d)."""
    result = gseapy.prerank(
        rnk=ranks,
        gene_sets=gene_sets,
        permutation_num=permutations,
        min_size=min_size,
        max_size=max_size,
        weight=weight,
        seed=seed,
        threads=threads,
        outdir=None,
        no_plot=True,
        verbose=False,
    )
    return result.res2d


def _result_table(raw: pd.DataFrame, ranks: pd.Series, merged: dict) -> pd.DataFrame:
    """:data:`RESULT_COLUMNS` from a gseapy-style result table, sorted by NES then set name."""
    present = set(ranks.index)
    table = pd.DataFrame(
        {
            "set": raw["Term"].astype(str),
            "collection": [merged[t][0] for t in raw["Term"]],
            "size": [len(present.intersection(merged[t][1].genes)) for t in raw["Term"]],
            "ES": raw["ES"].astype(float),
            "NES": raw["NES"].astype(float),
            "pvalue": raw["pval"].astype(float),
            "padj": raw["padj"].astype(float),
            "fdr_gsea": raw["FDR q-val"].astype(float),
            "FDR": np.nan,
            "FWER": raw["FWER p-val"].astype(float),
            "log2err": raw["log2err"].astype(float),
        }
    )
    leading = raw["Lead_genes"].fillna("").astype(str)
    table["leading_edge_size"] = [len(g.split(";")) if g else 0 for g in leading]
    table["leading_edge"] = leading.to_numpy()
    order = np.lexsort((table["set"].to_numpy(), -table["NES"].fillna(-np.inf).to_numpy()))
    return table.iloc[order].reset_index(drop=True)[RESULT_COLUMNS]


def summarise(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Sets x contrasts: NES and FDR of every set in every contrast (one row per set), and its
    redundancy group (``group_<contrast>``) where the tables have one."""
    parts = []
    for contrast, table in tables.items():
        columns = ["NES", "FDR"] + (["group"] if "group" in table else [])
        part = table.set_index(["set", "collection"])[columns]
        part.columns = [f"{c}_{contrast}" for c in columns]
        parts.append(part)
    summary = pd.concat(parts, axis=1, join="outer").reset_index()
    return summary.sort_values(["collection", "set"], kind="mergesort").reset_index(drop=True)
