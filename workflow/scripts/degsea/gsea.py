"""Preranked gene-set enrichment analysis with gseapy."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import numpy as np
import pandas as pd

from degsea.errors import InputError
from degsea.genesets import GeneSet

log = logging.getLogger(__name__)

#: Columns of a GSEA result table.
RESULT_COLUMNS = [
    "set",
    "collection",
    "size",
    "ES",
    "NES",
    "pvalue",
    "FDR",
    "FWER",
    "leading_edge_size",
    "leading_edge",
]


def check_coverage(
    collections: Mapping[str, Mapping[str, GeneSet]],
    genes: pd.Index,
    *,
    min_size: int,
    max_size: int,
    min_coverage: float,
) -> None:
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

    Raises
    ------
    InputError
        A collection whose coverage is below ``min_coverage`` (the classic Ensembl-vs-symbol
        or human-vs-mouse mistake), or no set of any collection within the size range.
    """
    present = set(genes)
    testable = 0
    for source, sets in collections.items():
        members = set().union(*(s.genes for s in sets.values()))
        found = len(members & present)
        coverage = found / len(members)
        log.info("%s: %d of %d genes (%.1f %%) are in the data", source, found, len(members), 100 * coverage)
        if coverage < min_coverage:
            example_set = sorted(members)[:3]
            example_data = list(genes[:3])
            raise InputError(
                "Few genes of a gene-set collection are in the data.",
                file=source,
                found=f"{found} of {len(members)} genes ({100 * coverage:.1f} %) match, e.g. sets use {example_set}, data has {example_data}",
                allowed=f"at least {100 * min_coverage:.0f} % (config 'gsea: min_coverage')",
                hint="Sets and data must use the same identifiers (symbols vs Ensembl IDs) and species (human vs mouse).",
            )
        testable += sum(min_size <= len(present.intersection(s.genes)) <= max_size for s in sets.values())
    if testable == 0:
        raise InputError(
            "No gene set has a testable size after matching to the data.",
            file=", ".join(collections),
            found="0 sets",
            allowed=f"sets with {min_size}-{max_size} genes in the data (config 'gsea: min_size', 'max_size')",
            hint="Lower 'gsea: min_size' or use larger sets.",
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
) -> pd.DataFrame:
    """Run gseapy's preranked GSEA on all sets of all collections.

    Parameters
    ----------
    ranks
        Scores indexed by gene symbol, highest first (see :func:`degsea.ranking.rank_genes`).
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
        Processes for gseapy.

    Returns
    -------
    pandas.DataFrame
        :data:`RESULT_COLUMNS`, sorted by NES (highest first) then set name.
    """
    import gseapy

    merged = merge_collections(collections)
    gene_sets = {name: list(geneset.genes) for name, (_, geneset) in merged.items()}
    log.info("GSEA: %d genes, %d sets, %d permutations, seed %d", len(ranks), len(gene_sets), permutations, seed)
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
    raw = result.res2d
    present = set(ranks.index)
    table = pd.DataFrame(
        {
            "set": raw["Term"].astype(str),
            "collection": [merged[t][0] for t in raw["Term"]],
            "size": [len(present.intersection(merged[t][1].genes)) for t in raw["Term"]],
            "ES": raw["ES"].astype(float),
            "NES": raw["NES"].astype(float),
            "pvalue": raw["NOM p-val"].astype(float),
            "FDR": raw["FDR q-val"].astype(float),
            "FWER": raw["FWER p-val"].astype(float),
        }
    )
    leading = raw["Lead_genes"].fillna("").astype(str)
    table["leading_edge_size"] = [len(g.split(";")) if g else 0 for g in leading]
    table["leading_edge"] = leading.to_numpy()
    order = np.lexsort((table["set"].to_numpy(), -table["NES"].fillna(-np.inf).to_numpy()))
    return table.iloc[order].reset_index(drop=True)[RESULT_COLUMNS]


def summarise(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Sets x contrasts: NES and FDR of every set in every contrast (one row per set)."""
    parts = []
    for contrast, table in tables.items():
        part = table.set_index(["set", "collection"])[["NES", "FDR"]]
        part.columns = [f"NES_{contrast}", f"FDR_{contrast}"]
        parts.append(part)
    summary = pd.concat(parts, axis=1, join="outer").reset_index()
    return summary.sort_values(["collection", "set"], kind="mergesort").reset_index(drop=True)
