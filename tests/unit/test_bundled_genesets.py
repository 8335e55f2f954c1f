"""Checks of the bundled mouse gene-set collection ``resources/genesets/degsea_mouse_v1.gmt``.

The file-only tests always run. The tests that compare members with the Ensembl/MGI
annotation and with the MSigDB Hallmark and Reactome sets need the read-only reference data
in ``../shared/data`` and are skipped without it (see the ``shared_data`` fixture).
"""

from __future__ import annotations

import itertools
import random
import re
from pathlib import Path

import pandas as pd
import pytest

from degsea.gsea.collections import GeneSet, read_gmt

REPO_ROOT = Path(__file__).resolve().parents[2]
GMT_PATH = REPO_ROOT / "resources" / "genesets" / "degsea_mouse_v1.gmt"

MHC_II = "DEGSEA_MHC_CLASS_II_ANTIGEN_PRESENTATION"
MHC_I = "DEGSEA_MHC_CLASS_I_ANTIGEN_PRESENTATION"
ADAPTIVE = "DEGSEA_ADAPTIVE_IMMUNE_RESPONSE"
TCR = "DEGSEA_T_CELL_ACTIVATION_AND_TCR_SIGNALING"
BCR = "DEGSEA_B_CELL_RECEPTOR_SIGNALING"
IFNG = "DEGSEA_INTERFERON_GAMMA_RESPONSE"
MTORC1 = "DEGSEA_MTORC1_SIGNALING"
E2F = "DEGSEA_E2F_TARGETS"
G2M = "DEGSEA_G2M_CHECKPOINT"

EXPECTED_NAMES = (MHC_II, MHC_I, ADAPTIVE, TCR, BCR, IFNG, MTORC1, E2F, G2M)

# Inclusive size limits: small antigen-presentation sets, mid-sized immune sets,
# large hallmark-like sets. All stay inside the GSEA limits (15..500).
SIZE_RANGES: dict[str, tuple[int, int]] = {
    MHC_II: (20, 40),
    MHC_I: (20, 40),
    ADAPTIVE: (40, 120),
    TCR: (40, 120),
    BCR: (40, 120),
    IFNG: (80, 120),
    MTORC1: (80, 200),
    E2F: (80, 200),
    G2M: (80, 200),
}

DEFINITION_ID = re.compile(r"GO:\d{7}|R-(?:HSA|MMU)-\d+|HALLMARK_[A-Z0-9_]+")
SYMBOL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-]*$")
MAX_JACCARD = 0.25

REFERENCE_GMTS = (
    "genesets/mh.all.v2022.1.Mm.symbols.gmt",
    "genesets/c2.cp.reactome.v7.0.symbols.mouse.MouseGEM.gmt",
)
ANNOTATION_TSV = "annotation/biomart_id_mapping_mouse.tRavis.tsv"

# (bundled set, reference set(s) whose union is compared, minimum share of members in it).
# Measured on v1: MHC II 93.5 %, MHC I 93.3 %, adaptive 97.3 %, TCR 91.9 %, BCR 94.8 %,
# IFNG 93.9 % (hallmark) / 99.0 % (hallmark + Reactome), MTORC1 99.3 %, E2F 99.2 %,
# G2M 100 %. Members outside are documented in resources/genesets/README.md (members of
# the definition missing from the mouse-ortholog mapping, or renamed since, e.g. Hprt1).
REFERENCE_OVERLAP: tuple[tuple[str, tuple[str, ...], float], ...] = (
    (MHC_II, ("REACTOME_MHC_CLASS_II_ANTIGEN_PRESENTATION",), 0.85),
    (
        MHC_I,
        (
            "REACTOME_CLASS_I_MHC_MEDIATED_ANTIGEN_PROCESSING_PRESENTATION",
            "REACTOME_ANTIGEN_PRESENTATION:_FOLDING_ASSEMBLY_AND_PEPTIDE_LOADING_OF_CLASS_I_MHC",
            "REACTOME_ANTIGEN_PROCESSING_CROSS_PRESENTATION",
        ),
        0.85,
    ),
    (ADAPTIVE, ("REACTOME_ADAPTIVE_IMMUNE_SYSTEM",), 0.90),
    (
        TCR,
        (
            "REACTOME_TCR_SIGNALING",
            "REACTOME_COSTIMULATION_BY_THE_CD28_FAMILY",
            "REACTOME_GENERATION_OF_SECOND_MESSENGER_MOLECULES",
        ),
        0.85,
    ),
    (BCR, ("REACTOME_SIGNALING_BY_THE_B_CELL_RECEPTOR_BCR",), 0.85),
    (IFNG, ("HALLMARK_INTERFERON_GAMMA_RESPONSE",), 0.85),
    (IFNG, ("HALLMARK_INTERFERON_GAMMA_RESPONSE", "REACTOME_INTERFERON_GAMMA_SIGNALING"), 0.95),
    (MTORC1, ("HALLMARK_MTORC1_SIGNALING",), 0.95),
    (E2F, ("HALLMARK_E2F_TARGETS",), 0.95),
    (G2M, ("HALLMARK_G2M_CHECKPOINT",), 0.95),
)


def _overlap_id(case: tuple[str, tuple[str, ...], float]) -> str:
    """Test id such as ``INTERFERON_GAMMA_RESPONSE-vs-hallmark+reactome``."""
    name, references, _ = case
    sources = sorted({reference.split("_", 1)[0].lower() for reference in references})
    return f"{name.removeprefix('DEGSEA_')}-vs-{'+'.join(sources)}"


def _share_in(genes: tuple[str, ...] | list[str], reference: set[str]) -> float:
    """Fraction of ``genes`` that are in ``reference``."""
    return sum(gene in reference for gene in genes) / len(genes)


@pytest.fixture(scope="module")
def bundled() -> dict[str, GeneSet]:
    """The bundled collection, read with the project's GMT reader."""
    return read_gmt(GMT_PATH)


@pytest.fixture(scope="module")
def mgi_symbols(shared_data: Path) -> frozenset[str]:
    """All ``mgi_symbol`` values of the Ensembl biomart mouse annotation."""
    table = pd.read_csv(
        shared_data / ANNOTATION_TSV,
        sep="\t",
        usecols=["mgi_symbol"],
        dtype=str,
        keep_default_na=False,
    )
    return frozenset(symbol for symbol in table["mgi_symbol"] if symbol)


@pytest.fixture(scope="module")
def reference_sets(shared_data: Path) -> dict[str, frozenset[str]]:
    """MSigDB mouse Hallmark and mouse-ortholog Reactome sets: name -> member symbols."""
    sets: dict[str, frozenset[str]] = {}
    for relative in REFERENCE_GMTS:
        for name, gene_set in read_gmt(shared_data / relative).items():
            sets[name] = frozenset(gene_set.genes)
    return sets


def test_file_holds_exactly_the_nine_sets_in_order(bundled: dict[str, GeneSet]) -> None:
    assert tuple(bundled) == EXPECTED_NAMES


@pytest.mark.parametrize("name", EXPECTED_NAMES)
def test_set_size_in_range(bundled: dict[str, GeneSet], name: str) -> None:
    low, high = SIZE_RANGES[name]
    size = len(bundled[name].genes)
    assert low <= size <= high, f"{name} has {size} members, expected {low}..{high}"


@pytest.mark.parametrize("name", EXPECTED_NAMES)
def test_description_cites_a_definition(bundled: dict[str, GeneSet], name: str) -> None:
    description = bundled[name].description
    assert DEFINITION_ID.search(description), (
        f"{name}: description names no GO:, R-HSA-/R-MMU- or HALLMARK_ identifier: {description!r}"
    )


def test_no_duplicate_members_in_file() -> None:
    # The reader drops repeated genes silently, so look at the raw lines.
    duplicates: dict[str, list[str]] = {}
    for line in GMT_PATH.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        name, _description, *genes = line.split("\t")
        repeated = sorted({gene for gene in genes if genes.count(gene) > 1})
        if repeated:
            duplicates[name] = repeated
    assert not duplicates, f"repeated members: {duplicates}"


def test_member_symbols_are_well_formed(bundled: dict[str, GeneSet]) -> None:
    bad = {name: [gene for gene in gene_set.genes if not SYMBOL.match(gene)] for name, gene_set in bundled.items()}
    bad = {name: genes for name, genes in bad.items() if genes}
    assert not bad, f"members that are not plain gene symbols: {bad}"


def test_sets_are_distinct(bundled: dict[str, GeneSet]) -> None:
    too_similar = []
    for (name_a, set_a), (name_b, set_b) in itertools.combinations(bundled.items(), 2):
        a, b = set(set_a.genes), set(set_b.genes)
        jaccard = len(a & b) / len(a | b)
        if jaccard > MAX_JACCARD:
            too_similar.append(f"{name_a} / {name_b}: {jaccard:.2f}")
    assert not too_similar, f"set pairs with Jaccard index above {MAX_JACCARD}: {too_similar}"


def test_members_are_current_mgi_symbols(bundled: dict[str, GeneSet], mgi_symbols: frozenset[str]) -> None:
    unknown = {name: [gene for gene in gene_set.genes if gene not in mgi_symbols] for name, gene_set in bundled.items()}
    unknown = {name: genes for name, genes in unknown.items() if genes}
    assert not unknown, f"members that are not an mgi_symbol in {ANNOTATION_TSV}: {unknown}"


@pytest.mark.parametrize("case", REFERENCE_OVERLAP, ids=_overlap_id)
def test_members_follow_the_cited_reference(
    bundled: dict[str, GeneSet],
    reference_sets: dict[str, frozenset[str]],
    case: tuple[str, tuple[str, ...], float],
) -> None:
    name, references, minimum = case
    missing_references = [ref for ref in references if ref not in reference_sets]
    assert not missing_references, f"reference sets not found: {missing_references}"
    reference = set().union(*(reference_sets[ref] for ref in references))
    genes = bundled[name].genes
    share = _share_in(genes, reference)
    outside = [gene for gene in genes if gene not in reference]
    assert share >= minimum, (
        f"{name}: {share:.1%} of members in {' + '.join(references)}, expected >= {minimum:.0%}; outside: {outside}"
    )


@pytest.mark.parametrize("case", REFERENCE_OVERLAP, ids=_overlap_id)
def test_overlap_threshold_rejects_wrong_lists(
    bundled: dict[str, GeneSet],
    reference_sets: dict[str, frozenset[str]],
    mgi_symbols: frozenset[str],
    case: tuple[str, tuple[str, ...], float],
) -> None:
    """The thresholds must fail a human-style (upper-case) copy and a random mouse gene list."""
    name, references, minimum = case
    reference = set().union(*(reference_sets.get(ref, frozenset()) for ref in references))
    genes = bundled[name].genes
    human_style = [gene.upper() for gene in genes]
    random_mouse = random.Random(name).sample(sorted(mgi_symbols), len(genes))
    assert _share_in(human_style, reference) < minimum
    assert _share_in(random_mouse, reference) < minimum
