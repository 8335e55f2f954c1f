"""The embedded demo's second experiment: host (wild-type / Rag1-/-) x treatment (vehicle / AZD8055).

Does the treatment effect depend on the host? AZD8055 tumours grown in immunocompetent
(wild-type, ``WT``) and in lymphocyte-free Rag1-/- (``Rag1KO``) mice, treated or not. The
planted truth (log2 effects against wild-type vehicle):

* MHC class I and II antigen presentation and the adaptive-immune programmes (T-cell, B-cell
  signalling) go up with treatment in wild-type hosts only: an interaction;
* the lymphocyte genes of the adaptive-immune programmes are lower in Rag1-/- hosts, treated
  or not (no T or B cells): a host effect;
* mTORC1 targets and proliferation go down with treatment in both hosts alike: the drug
  hits its target whatever the host;
* a few hundred filler genes change with the host or the treatment (not both), either way.

Base means, dispersions and size factors come from the same fitted distributions as the
first experiment (:mod:`degsea.demo.simulate`); one seeded generator makes every draw.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from degsea.demo import simulate as base
from degsea.errors import InputError

log = logging.getLogger(__name__)

#: Levels of the two factors; the first of each is the reference.
HOSTS: tuple[str, str] = ("WT", "Rag1KO")
TREATMENTS: tuple[str, str] = ("vehicle", "AZD8055")

#: Treatment effect in wild-type hosts (log2, uniform range) of the immune programmes; none in Rag1-/- hosts.
IMMUNE_PROGRAMMES: tuple[str, ...] = ("mhc_class_ii", "mhc_class_i", "adaptive_immune")
IMMUNE_SHARE: float = 0.85
IMMUNE_WT_LFC: tuple[float, float] = (2.5, 4.0)
#: Rag1-/- hosts have no T or B cells: the adaptive-immune genes are lower there (log2, uniform range).
RAG1_HOST_LFC: tuple[float, float] = (-1.5, -0.5)
#: Treatment effect of the drug's targets: one draw per gene, the same in both hosts (no interaction).
TARGET_PROGRAMMES: tuple[str, ...] = ("mtorc1", "proliferation")
TARGET_SHARE: float = 0.75
TARGET_LFC: tuple[float, float] = (-2.0, -1.0)
#: Filler genes with a host-only or treatment-only effect of this |log2| range.
N_RANDOM: int = 200
RANDOM_ABS_LFC: tuple[float, float] = (0.7, 2.0)


def simulate_host_treatment(
    sheet: pd.DataFrame,
    genesets: Mapping[str, Sequence[str]],
    *,
    seed: int,
    n_genes: int = 15000,
) -> base.DemoStudy:
    """Simulate the host x treatment experiment for a sample sheet with ``host`` and ``treatment`` columns.

    Genes are the gene-set members (programmes as :data:`degsea.demo.simulate.SET_PROGRAMMES`)
    then filler genes, as in :func:`degsea.demo.simulate.simulate_demo`.

    Returns
    -------
    DemoStudy
        Counts; the sheet with the true size factors; the truth per gene: ``symbol``,
        ``programme``, ``base_mean``, ``dispersion``, one ``log2fc_<host>_<treatment>`` per cell
        (against WT vehicle), ``log2fc_treatment_in_WT``, ``log2fc_treatment_in_Rag1KO`` and
        ``log2fc_interaction`` (the treatment effect in WT minus that in Rag1KO).

    Raises
    ------
    InputError
        A sheet without the two columns, other levels, or a cell with fewer than 2 samples.
    """
    cells = _check_sheet(sheet)
    set_genes, programmes = base._set_genes(genesets)
    base._check_int("seed", seed, minimum=0)
    n_set = len(set_genes)
    base._check_int("n_genes", n_genes, minimum=n_set + N_RANDOM)
    rng = np.random.Generator(np.random.PCG64(seed))
    n_filler = n_genes - n_set
    size_factors = np.exp(rng.normal(0.0, base.SIZE_FACTOR_LOG_SD, size=len(cells)))
    lo, hi = base.SET_GENE_QUANTILE_RANGE
    quantile = np.concatenate([rng.uniform(lo, hi, size=n_set), rng.uniform(0.0, 1.0, size=n_filler)])
    base_mean = np.exp(np.interp(quantile, base.BASE_MEAN_QUANTILE_PROBS, base.LOG_BASE_MEAN_QUANTILES))
    trend = base.DISPERSION_ASYMPT + base.DISPERSION_EXTRA / base_mean
    dispersion = trend * np.exp(rng.normal(base.DISPERSION_LOG_OFFSET, base.DISPERSION_LOG_SD, size=n_genes))

    # Effects per cell, columns (WT, AZD8055), (Rag1KO, vehicle), (Rag1KO, AZD8055).
    lfc = np.zeros((n_genes, 3))
    programme = np.full(n_genes, "none", dtype=object)
    set_programme = np.asarray(programmes, dtype=object)
    for name in base.PROGRAMME_PRIORITY:
        members = np.flatnonzero(set_programme == name)
        if name in IMMUNE_PROGRAMMES:
            chosen = np.sort(rng.choice(members, size=int(round(IMMUNE_SHARE * members.size)), replace=False))
            lfc[chosen, 0] = rng.uniform(*IMMUNE_WT_LFC, size=chosen.size)
            if name == "adaptive_immune":
                lfc[chosen, 1] = lfc[chosen, 2] = rng.uniform(*RAG1_HOST_LFC, size=chosen.size)
        elif name in TARGET_PROGRAMMES:
            chosen = np.sort(rng.choice(members, size=int(round(TARGET_SHARE * members.size)), replace=False))
            lfc[chosen, 0] = lfc[chosen, 2] = rng.uniform(*TARGET_LFC, size=chosen.size)
        else:
            continue
        programme[chosen] = name
    eligible = np.arange(n_set, n_genes)[quantile[n_set:] >= base.RANDOM_DE_MIN_QUANTILE]
    random_genes = np.sort(rng.choice(eligible, size=N_RANDOM, replace=False))
    size = rng.uniform(*RANDOM_ABS_LFC, size=N_RANDOM) * np.where(rng.random(N_RANDOM) < 0.5, -1.0, 1.0)
    host_only = rng.random(N_RANDOM) < 0.5
    lfc[random_genes[host_only], 1] = lfc[random_genes[host_only], 2] = size[host_only]
    lfc[random_genes[~host_only], 0] = lfc[random_genes[~host_only], 2] = size[~host_only]
    programme[random_genes] = "random"

    cell_lfc = np.hstack([np.zeros((n_genes, 1)), lfc])
    mean = base_mean[:, None] * size_factors[None, :] * np.exp2(cell_lfc[:, cells])
    shape = 1.0 / dispersion[:, None]
    values = rng.negative_binomial(shape, shape / (shape + mean)).astype(np.int64)

    width = max(5, len(str(n_filler)))
    gene_ids = list(set_genes) + [f"{base.FILLER_PREFIX}{i:0{width}d}" for i in range(1, n_filler + 1)]
    index = pd.Index(gene_ids, name="gene_id", dtype=object)
    counts = pd.DataFrame(values, index=index, columns=[str(s) for s in sheet["sample"]])
    counts.insert(0, "symbol", pd.Series(gene_ids, index=index, dtype=object))
    samples = sheet.copy()
    samples["library_size_factor"] = size_factors
    truth = pd.DataFrame(
        {"symbol": gene_ids, "programme": programme, "base_mean": base_mean, "dispersion": dispersion}, index=index
    )
    for i, (host, treatment) in enumerate(_cells()):
        truth[f"log2fc_{host}_{treatment}"] = cell_lfc[:, i]
    truth["log2fc_treatment_in_WT"] = cell_lfc[:, 1] - cell_lfc[:, 0]
    truth["log2fc_treatment_in_Rag1KO"] = cell_lfc[:, 3] - cell_lfc[:, 2]
    truth["log2fc_interaction"] = truth["log2fc_treatment_in_WT"] - truth["log2fc_treatment_in_Rag1KO"]
    counted = pd.Series(programme).value_counts()
    log.info(
        "Simulated host x treatment demo: %d genes x %d samples, seed %d; changed genes: %s",
        n_genes,
        len(cells),
        seed,
        ", ".join(f"{p} {n}" for p, n in counted.items() if p != "none"),
    )
    return base.DemoStudy(counts=counts, samples=samples, truth=truth)


def _cells() -> list[tuple[str, str]]:
    """The four (host, treatment) cells, WT vehicle first."""
    return [(h, t) for h in HOSTS for t in TREATMENTS]


def _check_sheet(sheet: pd.DataFrame) -> np.ndarray:
    """Check the sheet's host and treatment columns; return each sample's cell (index into :func:`_cells`)."""
    for column in ("sample", "host", "treatment"):
        if column not in sheet.columns:
            raise InputError(
                f"The host x treatment demo's sample sheet has no column '{column}'.",
                where="columns",
                found=", ".join(map(str, sheet.columns)),
                allowed="sample, host, treatment",
                hint="Use the demo's own sheet, config/studies/demo_rag1/samples.tsv.",
            )
    pairs = list(zip(sheet["host"].astype(str), sheet["treatment"].astype(str), strict=False))
    cells = _cells()
    unknown = sorted({f"{h}/{t}" for h, t in pairs if (h, t) not in cells})
    sizes = pd.Series([cells.index(p) for p in pairs if p in cells]).value_counts()
    small = [f"{h}/{t}" for i, (h, t) in enumerate(cells) if sizes.get(i, 0) < 2]
    if unknown or small:
        raise InputError(
            "The host x treatment demo needs every host with every treatment, at least 2 samples each.",
            where="columns 'host', 'treatment'",
            found=", ".join(unknown) if unknown else "fewer than 2 samples in " + ", ".join(small),
            allowed=f"host {' / '.join(HOSTS)}, treatment {' / '.join(TREATMENTS)}",
            hint="Use the demo's own sheet, config/studies/demo_rag1/samples.tsv.",
        )
    return np.array([cells.index(p) for p in pairs])
