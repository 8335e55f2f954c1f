"""The embedded demo: a simulated bulk RNA-seq study with a known truth.

The demo is shaped like an mTOR-inhibition (AZD8055) study of mouse invasive lobular
carcinoma. Tumours are ``untreated``, ``responsive`` or ``resistant`` to the drug:

* mTORC1 signalling and proliferation (E2F targets, G2M checkpoint) go down in both treated
  groups: the drug hits its target whether or not the tumour shrinks;
* MHC class II antigen presentation and T/B-cell adaptive-immune genes go up in responsive
  tumours only; resistant tumours stay near baseline (resistance went with a loss of
  antigen presentation);
* MHC class I antigen presentation and interferon-gamma response go up moderately in
  responsive tumours;
* about one gene in 15 among the others (filler genes) changes in one or both treated
  groups, either way: a drug that stops growth changes thousands of genes;
* tumours differ in how strongly they respond: each treated tumour scales its group's
  effects by its own response strength (mean 1 within the group, coefficient of variation
  :data:`RESPONSE_STRENGTH_CV`).

Counts are negative binomial, with base means, dispersions and size factors drawn from
distributions fitted to human breast tumours of TCGA (see the module constants below; the
tool that fitted them is ``workflow/scripts/dev/fit_demo_constants.py``, outside the
library): tumours differ from one another far more than inbred tissue does, so replicates
spread in a PCA and p-values stay in the range of real studies. Everything is drawn from
one :class:`numpy.random.Generator`, so the same inputs and seed give byte-identical tables.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

from degsea.errors import InputError

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------------------
# Fitted constants
#
# Fitted once with ``fit_demo_parameters`` (workflow/scripts/dev/fit_demo_constants.py,
# ``tcga-tumours`` mode) on the primary breast tumours of TCGA-BRCA shipped as the data
# object ``dataBRCA`` of the Bioconductor package TCGAbiolinks (Debian package
# r-bioc-tcgabiolinks 2.25.3+dfsg-1, GPL-3+): 20,530 genes x 10 samples of the TCGA legacy
# IlluminaHiSeq RNASeqV2 "raw_count" (RSEM expected counts, rounded), of which the 5
# primary tumours (barcode sample type 01: TCGA-A7-A13D, TCGA-AQ-A0Y5, TCGA-A2-A0CV,
# TCGA-C8-A1HJ, TCGA-BH-A0AU) enter the fit; the 5 normal tissues (type 11) do not.
#
#   The Cancer Genome Atlas Network (2012). Comprehensive molecular portraits of human
#   breast tumours. Nature 490, 61-70. doi:10.1038/nature11412
#   Colaprico A, Silva TC, Olsen C, et al. (2016). TCGAbiolinks: an R/Bioconductor package
#   for integrative analysis of TCGA data. Nucleic Acids Research 44(8), e71.
#   doi:10.1093/nar/gkv1507
#
# * size factors: DESeq2 median of ratios over the 5 tumours; SIZE_FACTOR_LOG_SD is the sd
#   of their natural logs. The demo draws log size factors from N(0, sd^2).
# * base means: quantiles of the natural log of the mean normalised count of the 18,093
#   expressed genes (mean normalised count >= 1) at BASE_MEAN_QUANTILE_PROBS. The demo
#   draws a uniform quantile level and interpolates linearly in log space.
# * dispersions: gene-wise method-of-moments estimates (var - mean * mean(1 / s)) / mean^2
#   from the normalised-count variance across the tumours (4 degrees of freedom, design
#   ~1; 16,479 genes with mean normalised count >= 10); the DESeq2 parametric trend
#   asympt + extra / mean by a gamma-family GLM with identity link (iterated without genes
#   whose estimate / trend lies outside [1e-4, 15], as DESeq2 does); then the log
#   residuals log(estimate / trend): DISPERSION_LOG_SD = sqrt(mad^2 - trigamma(4 / 2))
#   removes the sampling variance of the estimates (DESeq2's prior-variance rule) and
#   DISPERSION_LOG_OFFSET = median residual - median of log(chi2_4 / 4) removes their
#   sampling shift. The demo draws dispersion = (asympt + extra / base_mean) *
#   exp(N(offset, sd^2)): a median dispersion of 0.27 at high counts (a biological
#   coefficient of variation of 0.52), where inbred mouse tissue has about 0.01.
#   Cross-check: R DESeq2 1.38 on the same 5 tumours (design ~1) gives the trend
#   0.465 + 18.8 / mean, a prior log-dispersion variance of 0.61 (sd 0.78) and median
#   gene-wise dispersions of 0.21 at means 1,000-10,000 and 0.38 at 100-1,000; the edgeR
#   User's Guide gives 0.4 as the typical BCV of human data (dispersion 0.16).
# --------------------------------------------------------------------------------------

#: Standard deviation of the natural log of the median-of-ratios size factors.
SIZE_FACTOR_LOG_SD: float = 0.186372

#: Quantile levels at which the base-mean distribution is tabulated.
BASE_MEAN_QUANTILE_PROBS: tuple[float, ...] = (
    0.0, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5,
    0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.975, 0.99, 0.995, 1.0,
)  # fmt: skip

#: Natural log of the mean normalised count of expressed genes at those levels.
LOG_BASE_MEAN_QUANTILES: tuple[float, ...] = (
    6.03687e-05, 0.273748, 0.707618, 1.3578, 2.52986, 3.42212, 4.20852, 4.85822, 5.43937,
    5.90816, 6.29386, 6.60363, 6.86584, 7.10889, 7.33015, 7.54157, 7.7471, 7.97195,
    8.19768, 8.45702, 8.7768, 9.30262, 9.79337, 10.3771, 10.7671, 13.097,
)  # fmt: skip

#: Dispersion trend ``DISPERSION_ASYMPT + DISPERSION_EXTRA / mean``.
DISPERSION_ASYMPT: float = 0.416205
DISPERSION_EXTRA: float = 37.7936

#: Scatter of the natural log of the dispersion around the trend: location and sd.
DISPERSION_LOG_OFFSET: float = -0.444314
DISPERSION_LOG_SD: float = 0.723708

#: Tumours respond unequally: a treated sample's planted log2 fold changes are its group's
#: times a response strength drawn from a gamma distribution with mean 1 and this
#: coefficient of variation, rescaled to mean exactly 1 within the group (so the truth
#: table's log2 fold changes stay the group's average effect).
RESPONSE_STRENGTH_CV: float = 0.3


# --------------------------------------------------------------------------------------
# Study design and planted programmes
# --------------------------------------------------------------------------------------

#: The levels of the demo's sample-sheet variable; the first is the reference.
LEVELS: tuple[str, ...] = ("untreated", "responsive", "resistant")

#: The named contrasts written into the truth table, as (level, reference level).
CONTRASTS: tuple[tuple[str, str], ...] = (
    ("responsive", "untreated"),
    ("resistant", "untreated"),
    ("resistant", "responsive"),
)

#: All values of ``truth["programme"]``.
PROGRAMMES: tuple[str, ...] = (
    "mhc_class_ii",
    "mhc_class_i",
    "adaptive_immune",
    "ifn_gamma",
    "mtorc1",
    "proliferation",
    "random",
    "none",
)

#: Which bundled gene set (resources/genesets/degsea_mouse_v1.gmt) plants which programme.
#: Sets with other names still add their genes to the demo, but plant nothing.
SET_PROGRAMMES: Mapping[str, str] = MappingProxyType(
    {
        "DEGSEA_MHC_CLASS_II_ANTIGEN_PRESENTATION": "mhc_class_ii",
        "DEGSEA_MHC_CLASS_I_ANTIGEN_PRESENTATION": "mhc_class_i",
        "DEGSEA_ADAPTIVE_IMMUNE_RESPONSE": "adaptive_immune",
        "DEGSEA_T_CELL_ACTIVATION_AND_TCR_SIGNALING": "adaptive_immune",
        "DEGSEA_B_CELL_RECEPTOR_SIGNALING": "adaptive_immune",
        "DEGSEA_INTERFERON_GAMMA_RESPONSE": "ifn_gamma",
        "DEGSEA_MTORC1_SIGNALING": "mtorc1",
        "DEGSEA_E2F_TARGETS": "proliferation",
        "DEGSEA_G2M_CHECKPOINT": "proliferation",
    }
)

#: A gene in sets of several programmes takes the first of them in this order: antigen
#: presentation first (the study's point: responsive tumours present antigen, resistant
#: ones lost it), then the wider immune programmes, then the drug's direct targets.
PROGRAMME_PRIORITY: tuple[str, ...] = (
    "mhc_class_ii",
    "mhc_class_i",
    "adaptive_immune",
    "ifn_gamma",
    "mtorc1",
    "proliferation",
)


@dataclass(frozen=True)
class _Plan:
    """How one programme is planted.

    ``share`` of its genes (rounded) respond; the others keep log2FC 0 and get programme
    "none". Responders draw a log2 fold change vs untreated uniformly from the ranges
    below. With ``shared`` set, both treated groups take one common draw from
    ``responsive`` plus independent normal jitter of sd ``shared`` (clipped to
    ``clip``); otherwise the resistant group draws from ``resistant``.
    """

    share: float
    responsive: tuple[float, float]
    resistant: tuple[float, float]
    shared: float | None = None
    clip: tuple[float, float] = (-np.inf, np.inf)


#: The planted effects (log2 fold changes vs untreated) per programme.
PLANS: Mapping[str, _Plan] = MappingProxyType(
    {
        # Up in responsive; resistant near baseline, some slightly below (lost presentation).
        # Infiltrating T and B cells bring MHC class II: 3- to 8-fold in responders.
        "mhc_class_ii": _Plan(share=0.85, responsive=(1.5, 3.0), resistant=(-0.3, 0.2)),
        "adaptive_immune": _Plan(share=0.6, responsive=(1.3, 2.8), resistant=(-0.25, 0.2)),
        # Moderately up in responsive.
        "mhc_class_i": _Plan(share=0.7, responsive=(0.7, 1.6), resistant=(-0.2, 0.3)),
        "ifn_gamma": _Plan(share=0.6, responsive=(0.6, 1.5), resistant=(-0.1, 0.3)),
        # Down in both treated groups: the drug inhibits mTORC1 in every tumour.
        "mtorc1": _Plan(share=0.75, responsive=(-2.5, -1.2), resistant=(-2.5, -1.2), shared=0.15, clip=(-2.8, -1.0)),
        "proliferation": _Plan(
            share=0.8, responsive=(-2.5, -1.2), resistant=(-2.5, -1.2), shared=0.15, clip=(-2.8, -1.0)
        ),
    }
)

#: Gene-set members are expressed in tumours: their base means come from this quantile
#: range of the fitted distribution (the upper part), so that planted effects are
#: detectable. Filler genes use the whole distribution.
SET_GENE_QUANTILE_RANGE: tuple[float, float] = (0.4, 0.99)

#: Share of all genes that are random DE genes (1,000 of the demo's 15,000) when
#: ``n_random_de`` is not given.
RANDOM_DE_SHARE: float = 1 / 15
#: Random DE genes are drawn among the filler genes whose base mean lies above this
#: quantile level of the fitted distribution.
RANDOM_DE_MIN_QUANTILE: float = 0.3
#: Random DE patterns (changed in both treated groups / responsive only / resistant
#: only) and their probabilities.
RANDOM_DE_PATTERNS: Mapping[str, float] = MappingProxyType({"both": 0.4, "responsive": 0.3, "resistant": 0.3})
#: |log2FC| range of random DE genes; genes changed in both groups share one draw plus
#: normal jitter of this sd.
RANDOM_DE_ABS_LFC: tuple[float, float] = (0.8, 3.0)
RANDOM_DE_SHARED_JITTER: float = 0.2

FILLER_PREFIX = "sim_gene_"
_SIZE_FACTOR_COLUMN = "library_size_factor"
_STRENGTH_COLUMN = "response_strength"


@dataclass(frozen=True)
class DemoStudy:
    """A simulated study and its truth.

    Attributes
    ----------
    counts
        Index ``gene_id`` (str); first column ``symbol`` (str), then one int64 column per
        sample in sheet order.
    samples
        The input sheet (all its columns, same order) plus ``library_size_factor``, the
        true size factor used for each sample, and ``response_strength``, the factor on its
        group's planted effects (1 for untreated samples).
    truth
        One row per gene (index ``gene_id``, same order as ``counts``): ``symbol``,
        ``programme``, ``base_mean``, ``dispersion``, one column ``log2fc_<level>`` per
        level (true log2 effect vs untreated) and the named contrasts
        ``log2fc_<level>_vs_<reference>`` of :data:`CONTRASTS`.
    """

    counts: pd.DataFrame
    samples: pd.DataFrame
    truth: pd.DataFrame


def simulate_demo(
    sheet: pd.DataFrame,
    genesets: Mapping[str, Sequence[str]],
    *,
    seed: int,
    n_genes: int = 15000,
    variable: str = "condition",
    n_random_de: int | None = None,
) -> DemoStudy:
    """Simulate the demo study for a sample sheet.

    Genes are the members of all ``genesets`` (gene ID = symbol = the set's symbol, in
    order of first appearance), followed by filler genes ``sim_gene_00001``, ... up to
    ``n_genes``. Set members of the programmes in :data:`SET_PROGRAMMES` carry the planted
    effects of :data:`PLANS` (a share of each programme's genes; a gene in several
    programmes follows :data:`PROGRAMME_PRIORITY`), and ``n_random_de`` filler genes carry
    random effects. Counts are NB(mean = s_j * base_mean_i * 2^(r_j * lfc_ig), dispersion_i)
    for sample j of group g with response strength r_j (see :data:`RESPONSE_STRENGTH_CV`).

    Parameters
    ----------
    sheet
        Sample sheet with a ``sample`` column and the ``variable`` column, whose levels must
        be exactly untreated, responsive and resistant, each with at least 2 samples.
    genesets
        Gene-set name -> member symbols.
    seed
        Seed of the :class:`numpy.random.Generator`; the same inputs and seed give
        identical tables.
    n_genes
        Total number of genes.
    variable
        The sheet column holding the condition.
    n_random_de
        Number of filler genes with random effects; default a share
        :data:`RANDOM_DE_SHARE` of ``n_genes``.

    Returns
    -------
    DemoStudy
        Counts, the sample sheet with the true size factors and response strengths, and
        the truth per gene.

    Raises
    ------
    InputError
        A bad sample sheet (missing columns, duplicate samples, wrong levels, fewer than 2
        samples in a group), bad gene sets, or too few genes for the sets and the random
        DE genes.
    """
    groups = _check_sheet(sheet, variable=variable)
    set_genes, programmes = _set_genes(genesets)
    _check_int("seed", seed, minimum=0)
    _check_int("n_genes", n_genes, minimum=1)
    if n_random_de is None:
        n_random_de = round(RANDOM_DE_SHARE * n_genes)
    _check_int("n_random_de", n_random_de, minimum=0)
    n_set = len(set_genes)
    n_filler = n_genes - n_set
    if n_filler < n_random_de:
        raise InputError(
            "The demo has too few genes for its gene sets and random DE genes.",
            where="n_genes",
            found=f"n_genes = {n_genes}, {n_set} gene-set genes, n_random_de = {n_random_de}",
            allowed=f"n_genes >= {n_set + n_random_de}",
            hint="Raise n_genes or lower n_random_de.",
        )

    rng = np.random.Generator(np.random.PCG64(seed))
    n_samples = len(groups)

    # Size factors, base means, dispersions.
    size_factors = np.exp(rng.normal(0.0, SIZE_FACTOR_LOG_SD, size=n_samples))
    lo, hi = SET_GENE_QUANTILE_RANGE
    levels_u = np.concatenate([rng.uniform(lo, hi, size=n_set), rng.uniform(0.0, 1.0, size=n_filler)])
    base_mean = np.exp(np.interp(levels_u, BASE_MEAN_QUANTILE_PROBS, LOG_BASE_MEAN_QUANTILES))
    trend = DISPERSION_ASYMPT + DISPERSION_EXTRA / base_mean
    dispersion = trend * np.exp(rng.normal(DISPERSION_LOG_OFFSET, DISPERSION_LOG_SD, size=n_genes))

    # Planted effects: columns follow LEVELS (untreated stays 0).
    lfc = np.zeros((n_genes, len(LEVELS)))
    programme = np.full(n_genes, "none", dtype=object)
    set_programme = np.asarray(programmes, dtype=object)
    for name in PROGRAMME_PRIORITY:
        members = np.flatnonzero(set_programme == name)
        if members.size == 0:
            continue
        chosen = _plant(rng, members, PLANS[name], lfc)
        programme[chosen] = name
    filler_index = np.arange(n_set, n_genes)
    eligible = filler_index[levels_u[n_set:] >= RANDOM_DE_MIN_QUANTILE]
    if eligible.size < n_random_de:
        raise InputError(
            "The demo has too few expressed filler genes for the random DE genes.",
            where="n_random_de",
            found=f"{n_random_de} random DE genes, {eligible.size} eligible filler genes",
            allowed=f"n_random_de <= {eligible.size}",
            hint="Raise n_genes or lower n_random_de.",
        )
    random_de = np.sort(rng.choice(eligible, size=n_random_de, replace=False))
    _plant_random(rng, random_de, lfc)
    programme[random_de] = "random"

    # Counts.
    level_index = {level: i for i, level in enumerate(LEVELS)}
    group_index = np.array([level_index[g] for g in groups])
    strength = _response_strengths(rng, group_index)
    mean = base_mean[:, None] * size_factors[None, :] * np.exp2(lfc[:, group_index] * strength[None, :])
    size = 1.0 / dispersion[:, None]
    values = rng.negative_binomial(size, size / (size + mean)).astype(np.int64)

    width = max(5, len(str(n_filler)))
    gene_ids = list(set_genes) + [f"{FILLER_PREFIX}{i:0{width}d}" for i in range(1, n_filler + 1)]
    index = pd.Index(gene_ids, name="gene_id", dtype=object)
    sample_ids = [str(s) for s in sheet["sample"]]
    counts = pd.DataFrame(values, index=index, columns=sample_ids)
    counts.insert(0, "symbol", pd.Series(gene_ids, index=index, dtype=object))

    samples = sheet.copy()
    samples[_SIZE_FACTOR_COLUMN] = size_factors
    samples[_STRENGTH_COLUMN] = strength

    truth = pd.DataFrame(
        {
            "symbol": pd.Series(gene_ids, index=index, dtype=object),
            "programme": pd.Series(programme, index=index, dtype=object),
            "base_mean": base_mean,
            "dispersion": dispersion,
        },
        index=index,
    )
    for i, level in enumerate(LEVELS):
        truth[f"log2fc_{level}"] = lfc[:, i]
    for level, reference in CONTRASTS:
        truth[f"log2fc_{level}_vs_{reference}"] = lfc[:, level_index[level]] - lfc[:, level_index[reference]]

    counted = pd.Series(programme).value_counts()
    log.info(
        "Simulated demo: %d genes (%d from gene sets, %d filler) x %d samples, seed %d; "
        "changed genes per programme: %s",
        n_genes,
        n_set,
        n_filler,
        n_samples,
        seed,
        ", ".join(f"{p} {counted.get(p, 0)}" for p in PROGRAMMES[:-1]),
    )
    return DemoStudy(counts=counts, samples=samples, truth=truth)


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def _plant(rng: np.random.Generator, members: np.ndarray, plan: _Plan, lfc: np.ndarray) -> np.ndarray:
    """Plant one programme's effects into ``lfc`` and return the genes that respond."""
    k = int(round(plan.share * members.size))
    chosen = np.sort(rng.choice(members, size=k, replace=False))
    responsive = rng.uniform(*plan.responsive, size=k)
    if plan.shared is None:
        resistant = rng.uniform(*plan.resistant, size=k)
    else:
        common = responsive
        responsive = np.clip(common + rng.normal(0.0, plan.shared, size=k), *plan.clip)
        resistant = np.clip(common + rng.normal(0.0, plan.shared, size=k), *plan.clip)
    lfc[chosen, LEVELS.index("responsive")] = responsive
    lfc[chosen, LEVELS.index("resistant")] = resistant
    return chosen


def _response_strengths(rng: np.random.Generator, group_index: np.ndarray) -> np.ndarray:
    """Per sample: 1 for untreated, else a gamma draw (mean 1, CV :data:`RESPONSE_STRENGTH_CV`)
    rescaled to mean exactly 1 within its group."""
    strength = np.ones(group_index.size)
    shape = 1.0 / RESPONSE_STRENGTH_CV**2
    for level in range(1, len(LEVELS)):
        members = np.flatnonzero(group_index == level)
        draw = rng.gamma(shape, 1.0 / shape, size=members.size)
        strength[members] = draw / draw.mean()
    return strength


def _plant_random(rng: np.random.Generator, genes: np.ndarray, lfc: np.ndarray) -> None:
    """Plant random effects of both signs, shared or specific to one treated group."""
    n = genes.size
    patterns = list(RANDOM_DE_PATTERNS)
    pattern = rng.choice(len(patterns), size=n, p=list(RANDOM_DE_PATTERNS.values()))
    sign = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    size = rng.uniform(*RANDOM_DE_ABS_LFC, size=n)
    jitter = rng.normal(0.0, RANDOM_DE_SHARED_JITTER, size=(n, 2))
    both = pattern == patterns.index("both")
    responsive = np.where(both | (pattern == patterns.index("responsive")), sign * size, 0.0)
    resistant = np.where(both | (pattern == patterns.index("resistant")), sign * size, 0.0)
    responsive = np.where(both, responsive + jitter[:, 0], responsive)
    resistant = np.where(both, resistant + jitter[:, 1], resistant)
    lfc[genes, LEVELS.index("responsive")] = responsive
    lfc[genes, LEVELS.index("resistant")] = resistant


def _check_sheet(sheet: pd.DataFrame, *, variable: str) -> list[str]:
    """Check the demo's sample sheet and return the level of each sample."""
    if not isinstance(sheet, pd.DataFrame):
        raise InputError(
            "The demo's sample sheet must be a table.",
            found=type(sheet).__name__,
            allowed="a pandas DataFrame",
        )
    for column in ("sample", variable):
        if column not in sheet.columns:
            raise InputError(
                f"The demo's sample sheet has no column '{column}'.",
                where="columns",
                found=", ".join(map(str, sheet.columns)) or "no columns",
                allowed=f"a 'sample' column and the condition column '{variable}'",
                hint="Use the demo's own sample sheet, or set the demo's variable to its column.",
            )
    for column in (_SIZE_FACTOR_COLUMN, _STRENGTH_COLUMN):
        if column in sheet.columns:
            raise InputError(
                f"The demo's sample sheet already has a column '{column}'.",
                where=f"column '{column}'",
                allowed="a sheet without it: the simulator adds the true size factors and response strengths",
                hint=f"Remove the column '{column}'.",
            )
    samples = sheet["sample"]
    bad = [repr(s) for s in samples if not isinstance(s, str) or not s.strip()]
    if bad:
        raise InputError(
            "The demo's sample IDs must be non-empty text.",
            where="column 'sample'",
            found=", ".join(bad[:5]),
            allowed="sample IDs such as untreated_1",
        )
    duplicated = sorted(set(samples[samples.duplicated()]))
    if duplicated:
        raise InputError(
            "A sample ID appears twice in the demo's sample sheet.",
            where="column 'sample'",
            found=", ".join(duplicated),
            allowed="each sample ID once",
        )
    values = list(sheet[variable])
    found = sorted({str(v) for v in values})
    if any(not isinstance(v, str) for v in values) or set(values) != set(LEVELS):
        raise InputError(
            f"The demo's condition column '{variable}' must hold exactly the levels " + ", ".join(LEVELS) + ".",
            where=f"column '{variable}'",
            found=", ".join(found) or "no values",
            allowed=", ".join(LEVELS),
            hint="The demo simulates an AZD8055 study: every sample is untreated, responsive or resistant.",
        )
    sizes = pd.Series(values).value_counts()
    small = [f"{level} ({sizes[level]})" for level in LEVELS if sizes[level] < 2]
    if small:
        raise InputError(
            "Each condition of the demo needs at least 2 samples.",
            where=f"column '{variable}'",
            found=", ".join(small),
            allowed="2 or more samples per level",
        )
    return values


def _set_genes(genesets: Mapping[str, Sequence[str]]) -> tuple[list[str], list[str]]:
    """Genes of all sets in order of first appearance, and the programme each plants."""
    if not isinstance(genesets, Mapping):
        raise InputError(
            "The demo's gene sets must map set names to member symbols.",
            found=type(genesets).__name__,
            allowed="a mapping such as {'DEGSEA_MTORC1_SIGNALING': ['Eif4ebp1', ...]}",
        )
    rank = {name: i for i, name in enumerate(PROGRAMME_PRIORITY)}
    best: dict[str, int] = {}
    for name, members in genesets.items():
        if isinstance(members, str) or not isinstance(members, Sequence):
            raise InputError(
                "A gene set of the demo is not a list of symbols.",
                where=f"gene set '{name}'",
                found=type(members).__name__,
                allowed="a list or tuple of gene symbols",
            )
        programme = SET_PROGRAMMES.get(name)
        for gene in members:
            if not isinstance(gene, str) or not gene.strip() or gene != gene.strip():
                raise InputError(
                    "A gene set of the demo holds a member that is not a gene symbol.",
                    where=f"gene set '{name}'",
                    found=repr(gene),
                    allowed="non-empty symbols without surrounding white space",
                )
            if gene.startswith(FILLER_PREFIX):
                raise InputError(
                    "A gene set of the demo holds a simulated filler gene ID.",
                    where=f"gene set '{name}'",
                    found=gene,
                    allowed=f"real gene symbols (IDs starting '{FILLER_PREFIX}' are the demo's filler genes)",
                )
            current = best.setdefault(gene, len(rank))
            if programme is not None and rank[programme] < current:
                best[gene] = rank[programme]
    genes = list(best)
    programmes = [PROGRAMME_PRIORITY[best[g]] if best[g] < len(rank) else "none" for g in genes]
    if not any(name in SET_PROGRAMMES for name in genesets):
        log.warning(
            "None of the demo's gene sets plants a programme (expected names such as %s); "
            "only random filler genes will change.",
            next(iter(SET_PROGRAMMES)),
        )
    return genes, programmes


def _check_int(name: str, value: object, *, minimum: int) -> None:
    """Raise unless ``value`` is an int (not bool) >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise InputError(
            f"The demo's option '{name}' must be a whole number >= {minimum}.",
            where=name,
            found=repr(value),
            allowed=f"an integer >= {minimum}",
        )
