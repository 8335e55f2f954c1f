"""Parity scenarios and agreement figures, shared by the parity tests and make_validation_table.py.

A scenario is a count matrix, a sample sheet, a design and contrasts, with reference results
from R (DESeq2, apeglm, fgsea). Real-data scenarios read ``../shared/data`` and
``../shared/reference``; simulated ones read ``tests/parity/reference/<name>/`` (made by
``simulate.py`` and ``make_reference.R`` there). Our side always goes through degsea's own
functions: :func:`degsea.inputs.counts.read_count_matrix`, :func:`degsea.inputs.counts.to_anndata`,
:func:`degsea.inputs.sheet.read_sample_sheet`, :func:`degsea.de.design.parse_contrasts`,
:func:`degsea.de.fit.fit` and :func:`degsea.de.fit.test_contrast`.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from degsea.de import fit as de
from degsea.de.design import Contrast, parse_contrasts
from degsea.inputs.counts import read_count_matrix, to_anndata
from degsea.inputs.sheet import read_sample_sheet

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED = REPO_ROOT.parent / "shared"
SHARED_DATA = SHARED / "data"
SHARED_REFERENCE = SHARED / "reference"
LOCAL_REFERENCE = Path(__file__).resolve().parent / "reference"

#: Acceptance thresholds (issue "Agreement with R's DESeq2 and fgsea").
THRESHOLDS = {
    "lfc_pearson": 0.9999,
    "lfc_max_abs_diff": 0.05,
    "mlog10p_pearson": 0.999,
    "padj_jaccard": 0.98,
    "padj_na_mismatch_share": 0.005,
    "shrunk_pearson": 0.998,
    "nes_pearson": 0.999,
    "gsea_sig_recall": 0.95,
    "gsea_null_specificity": 0.95,
    "gsea_log10p_pearson": 0.99,
    # fgsea multilevel (issue 14): sets fgsea gives padj < 1e-6 in all seeds get our padj below this;
    # sets fgsea gives padj > 0.5 in all seeds are not called at our FDR < 0.05
    "gsea_strong_fgsea_padj": 1e-6,
    "gsea_strong_padj": 1e-5,
    "gsea_clear_null_fgsea_padj": 0.5,
    "gsea_tail_fgsea_p": 1e-3,
}


@dataclass(frozen=True)
class Scenario:
    """A dataset with a design, its contrasts and where the R references are."""

    name: str
    counts: Path
    samples: Path
    design: str
    contrasts: tuple[Contrast, ...]
    reference_dir: Path
    #: contrast name -> file stem of the reference (``<stem>.deseq2.tsv.gz``)
    stems: dict[str, str] = field(default_factory=dict)
    continuous: tuple[str, ...] = ()
    apeglm: bool = False
    origin: str = "real"

    def reference_file(self, contrast: str, kind: str = "deseq2") -> Path:
        """The reference table of a contrast (``kind``: deseq2 or apeglm)."""
        return self.reference_dir / f"{self.stems.get(contrast, contrast)}.{kind}.tsv.gz"


def real_scenarios() -> list[Scenario]:
    """The scenarios on the real data of ``../shared`` (pasilla, GSE96870 cerebellum)."""
    ref = SHARED_REFERENCE / "deseq2"
    pasilla = SHARED_DATA / "pasilla" / "pasilla_gene_counts.tsv"
    gse = SHARED_DATA / "mouse_GSE96870" / "GSE96870_counts_cerebellum.csv"
    treated = parse_contrasts(
        {"treated_vs_untreated": {"variable": "condition", "test": "treated", "reference": "untreated"}}
    )
    times = parse_contrasts(
        {
            "Day4_vs_Day0": {"variable": "time", "test": "Day4", "reference": "Day0"},
            "Day8_vs_Day0": {"variable": "time", "test": "Day8", "reference": "Day0"},
            "Day8_vs_Day4": {"variable": "time", "test": "Day8", "reference": "Day4"},
        }
    )
    return [
        Scenario(
            "pasilla_condition",
            pasilla,
            ref / "pasilla_samples.tsv",
            "~ condition",
            tuple(treated),
            ref,
            {"treated_vs_untreated": "pasilla_condition"},
            apeglm=True,
        ),
        Scenario(
            "pasilla_type_condition",
            pasilla,
            ref / "pasilla_samples.tsv",
            "~ type + condition",
            tuple(treated),
            ref,
            {"treated_vs_untreated": "pasilla_type_condition"},
            apeglm=True,
        ),
        Scenario(
            "gse96870",
            gse,
            ref / "gse96870_samples.tsv",
            "~ sex + time",
            tuple(times),
            ref,
            {c.name: f"gse96870_{c.name}" for c in times},
            apeglm=True,
        ),
    ]


def simulated_scenarios() -> list[Scenario]:
    """The self-built scenarios in ``tests/parity/reference`` (committed, with DESeq2 outputs)."""
    out = []
    for directory in sorted(p for p in LOCAL_REFERENCE.iterdir() if (p / "scenario.tsv").is_file()):
        table = pd.read_csv(directory / "scenario.tsv", sep="\t", dtype=str, keep_default_na=False)
        design = table.loc[table.key == "design", "value"].iloc[0]
        continuous = tuple(c for c in table.loc[table.key == "continuous", "value"].iloc[0].split(",") if c)
        contrasts = {}
        for value in table.loc[table.key == "contrast", "value"]:
            name, variable, test, reference = value.split(",")
            contrasts[name] = {"variable": variable, "test": test, "reference": reference}
        out.append(
            Scenario(
                directory.name,
                directory / "counts.tsv.gz",
                directory / "samples.tsv",
                design,
                tuple(parse_contrasts(contrasts)),
                directory,
                continuous=continuous,
                origin="simulated",
            )
        )
    return out


@dataclass
class ScenarioRun:
    """Our results on a scenario: the fit and one table per contrast."""

    scenario: Scenario
    fit: de.Fit
    tables: dict[str, pd.DataFrame]
    seconds: float


def run_scenario(scenario: Scenario, *, settings: de.DESettings | None = None, threads: int = 2) -> ScenarioRun:
    """Fit the scenario's design with degsea and test every contrast."""
    settings = settings or de.DESettings(shrink=scenario.apeglm)
    start = time.perf_counter()
    matrix = read_count_matrix(scenario.counts)
    sheet = read_sample_sheet(scenario.samples, continuous=scenario.continuous)
    adata = to_anndata(matrix, sheet)
    fitted = de.fit(
        adata,
        formula=scenario.design,
        contrasts=scenario.contrasts,
        continuous=scenario.continuous,
        settings=settings,
        threads=threads,
    )
    tables = {c.name: de.test_contrast(fitted, c, settings=settings) for c in scenario.contrasts}
    return ScenarioRun(scenario, fitted, tables, time.perf_counter() - start)


def fit_dataset(
    counts: Path,
    samples: Path,
    references: dict[str, str],
    *,
    formula: str,
    fit_type: str = "parametric",
    test: str = "Wald",
    threads: int = 2,
):  # noqa: ANN201 - a DESeq2ExactDataSet
    """Fit the DESeq2-exact engine directly (library level): ``DESeq(dds, fitType=, test=)``.

    ``references``: the baseline level of each factor (DESeq2's ``relevel``).
    """
    from pydeseq2.default_inference import DefaultInference  # noqa: PLC0415

    from degsea.de.design import design_variables, model_frame  # noqa: PLC0415
    from degsea.de.exact import DESeq2ExactDataSet  # noqa: PLC0415

    adata = to_anndata(read_count_matrix(counts), read_sample_sheet(samples))
    frame = model_frame(adata.obs, design_variables(formula), references=references)
    dds = DESeq2ExactDataSet(
        counts=pd.DataFrame(np.asarray(adata.X), index=adata.obs_names, columns=adata.var_names),
        metadata=frame,
        design=formula,
        fit_type=fit_type,
        test=test,
        inference=DefaultInference(n_cpus=threads),
        quiet=True,
    )
    with de.single_threaded_blas():
        dds.deseq2()
    return dds


def read_reference(path: Path) -> pd.DataFrame:
    """A reference table from R, indexed by gene_id (NA as NaN)."""
    return pd.read_csv(path, sep="\t", index_col="gene_id", na_values=["NA"], keep_default_na=False)


def _pearson(a: pd.Series, b: pd.Series) -> float:
    ok = np.isfinite(a.to_numpy(dtype=float)) & np.isfinite(b.to_numpy(dtype=float))
    return float(np.corrcoef(a[ok], b[ok])[0, 1])


def de_figures(ours: pd.DataFrame, reference: pd.DataFrame, *, alpha: float = 0.1) -> dict[str, float]:
    """Agreement of one contrast's DE table with DESeq2's.

    Returns
    -------
    dict
        ``n_genes``; ``pvalue_na_mismatch`` and ``padj_na_mismatch`` (genes whose NA status
        differs) and ``padj_na_mismatch_share``; ``lfc_pearson`` and ``lfc_max_abs_diff``
        (genes with baseMean >= 10); ``mlog10p_pearson``; ``padj_jaccard`` (padj < alpha
        calls), ``n_called_ours``, ``n_called_deseq2``.
    """
    o = ours.set_index("gene_id").reindex(reference.index)
    if o.index.isin(ours["gene_id"]).sum() != len(reference):
        raise ValueError("our table lacks genes of the reference")
    figures: dict[str, float] = {"n_genes": len(reference)}
    figures["pvalue_na_mismatch"] = int((o.pvalue.isna() != reference.pvalue.isna()).sum())
    figures["padj_na_mismatch"] = int((o.padj.isna() != reference.padj.isna()).sum())
    figures["padj_na_mismatch_share"] = figures["padj_na_mismatch"] / len(reference)
    expressed = reference.baseMean >= 10
    a, b = o.log2FoldChange[expressed], reference.log2FoldChange[expressed]
    figures["lfc_pearson"] = _pearson(a, b)
    figures["lfc_max_abs_diff"] = float(np.nanmax(np.abs(a - b)))
    tiny = np.finfo(float).tiny
    figures["mlog10p_pearson"] = _pearson(
        -np.log10(o.pvalue.clip(lower=tiny)), -np.log10(reference.pvalue.clip(lower=tiny))
    )
    ours_called = set(o.index[o.padj < alpha])
    theirs_called = set(reference.index[reference.padj < alpha])
    union = ours_called | theirs_called
    figures["padj_jaccard"] = len(ours_called & theirs_called) / len(union) if union else 1.0
    figures["n_called_ours"] = len(ours_called)
    figures["n_called_deseq2"] = len(theirs_called)
    return figures


#: issue 13's thresholds for LRTs, interactions, list contrasts, threshold tests and trends
DESIGN_THRESHOLDS = {"padj_jaccard": 0.99, "stat_pearson": 0.9999, "padj_na_match": 0.999, "lfc_pearson": 0.9999}


def agreement(ours: pd.DataFrame, reference: pd.DataFrame, *, alpha: float = 0.1) -> dict[str, float]:
    """Agreement of one of our results tables with DESeq2's, over the reference's genes (both indexed by gene ID).

    Returns
    -------
    dict
        ``padj_jaccard`` (padj < alpha calls), ``stat_pearson``, ``padj_na_match`` (share of genes
        whose padj NA status is the same), ``pvalue_na_mismatch`` (genes whose p-value NA status
        differs), ``lfc_pearson`` (NaN when the reference has no log2FoldChange), ``n_called``,
        ``n_called_deseq2``.
    """
    o = ours.reindex(reference.index)
    called, theirs = set(o.index[o["padj"] < alpha]), set(reference.index[reference["padj"] < alpha])
    union = called | theirs
    return {
        "padj_jaccard": len(called & theirs) / len(union) if union else 1.0,
        "stat_pearson": _pearson(o["stat"], reference["stat"]),
        "padj_na_match": float((o["padj"].isna() == reference["padj"].isna()).mean()),
        "pvalue_na_mismatch": int((o["pvalue"].isna() != reference["pvalue"].isna()).sum()),
        "lfc_pearson": (
            _pearson(o["log2FoldChange"], reference["log2FoldChange"]) if "log2FoldChange" in reference else np.nan
        ),
        "n_called": len(called),
        "n_called_deseq2": len(theirs),
    }


RESULT_COLUMNS = ("log2FoldChange", "lfcSE", "stat", "pvalue", "padj")


def all_zero_mismatches(ours: pd.DataFrame, reference: pd.DataFrame, columns: tuple[str, ...] = RESULT_COLUMNS) -> dict:
    """How our table writes the genes R writes as all-zero (baseMean 0, NA in every result column).

    Returns ``{"n_zero": genes with baseMean 0 in R, "baseMean": genes whose baseMean-is-0
    status differs, <column>: all-zero genes of R with a value in our column}``; all but
    ``n_zero`` are 0 when we write them as DESeq2 does.
    """
    o = (ours.set_index("gene_id") if "gene_id" in ours.columns else ours).reindex(reference.index)
    zero = reference["baseMean"] == 0
    if reference.loc[zero, [c for c in columns if c in reference]].notna().any().any():
        raise ValueError("the reference has values for all-zero genes: not a DESeq2 table")
    figures = {"n_zero": int(zero.sum()), "baseMean": int(((o["baseMean"] == 0) != zero).sum())}
    figures.update({column: int(o.loc[zero, column].notna().sum()) for column in columns})
    return figures


def shrink_figures(ours: pd.DataFrame, apeglm: pd.DataFrame) -> dict[str, float]:
    """Agreement of our shrunken log2 fold changes with apeglm's (``lfcShrink(type='apeglm')``)."""
    o = ours.set_index("gene_id").reindex(apeglm.index)
    a, b = o.log2FoldChange_shrunk, apeglm.log2FoldChange
    diff = (a - b).abs()
    return {
        "shrunk_na_mismatch": int((a.isna() != b.isna()).sum()),
        "shrunk_pearson": _pearson(a, b),
        "shrunk_se_pearson": _pearson(o.lfcSE_shrunk, apeglm.lfcSE),
        "shrunk_n_diff_gt_0.1": int((diff > 0.1).sum()),
    }


def dispersion_figures(run: ScenarioRun, dispersions: pd.DataFrame) -> dict[str, float]:
    """Largest |log ratio| of our gene-wise, trend and final dispersions to DESeq2's."""
    var = run.fit.dds.var.reindex(dispersions.index)
    out = {}
    for ours, theirs in (
        ("genewise_dispersions", "dispGeneEst"),
        ("fitted_dispersions", "dispFit"),
        ("dispersions", "dispersion"),
    ):
        ratio = np.log(var[ours].astype(float)) - np.log(dispersions[theirs].astype(float))
        out[f"{theirs}_max_abs_log_ratio"] = float(np.nanmax(np.abs(ratio)))
    return out


def read_meta(path: Path) -> dict[str, str]:
    """A ``key<TAB>value`` file (``*.dispersions.tsv.meta`` or ``meta.tsv``)."""
    return dict(line.rstrip("\n").split("\t", 1) for line in path.read_text().splitlines() if "\t" in line)


# ------------------------------------------------------------------------------------------
# GSEA
# ------------------------------------------------------------------------------------------

FGSEA_CONTRASTS = ("Day4_vs_Day0", "Day8_vs_Day0", "Day8_vs_Day4")
FGSEA_COLLECTIONS = {
    "mh_all": "mh.all.v2022.1.Mm.symbols.gmt",
    "reactome_mouse": "c2.cp.reactome.v7.0.symbols.mouse.MouseGEM.gmt",
}
FGSEA_SEEDS = (1, 2, 3)


def run_gsea(
    contrast: str, collection: str, *, permutations: int = 1000, seed: int = 1, threads: int = 2
) -> pd.DataFrame:
    """degsea's preranked GSEA on fgsea's ranks of a GSE96870 contrast."""
    from degsea.gsea.collections import read_gmt
    from degsea.gsea.prerank import prerank

    table = pd.read_csv(SHARED_REFERENCE / "fgsea" / f"gse96870_{contrast}.ranks.tsv.gz", sep="\t")
    ranks = pd.Series(table["stat"].to_numpy(dtype=float), index=table["gene_id"].astype(str)).sort_values(
        ascending=False
    )
    sets = read_gmt(SHARED_DATA / "genesets" / FGSEA_COLLECTIONS[collection])
    return prerank(ranks, {collection: sets}, permutations=permutations, seed=seed, threads=threads)


def read_fgsea(contrast: str, collection: str) -> pd.DataFrame:
    """fgsea's NES, pval and padj for the three seeds, one row per pathway."""
    parts = []
    for seed in FGSEA_SEEDS:
        path = SHARED_REFERENCE / "fgsea" / f"gse96870_{contrast}.fgsea.{collection}.seed{seed}.tsv"
        part = pd.read_csv(path, sep="\t").set_index("pathway")[["NES", "pval", "padj"]]
        parts.append(part.add_suffix(f"_seed{seed}"))
    return pd.concat(parts, axis=1)


def gsea_figures(ours: pd.DataFrame, fgsea: pd.DataFrame) -> dict[str, float]:
    """Agreement of our GSEA with fgsea's three seeds.

    ``nes_pearson``: our NES vs fgsea's mean NES over seeds. ``sig_recall``: of the sets with
    fgsea padj < 0.01 in all seeds, the share with our FDR < 0.05. ``null_specificity``: of
    the sets with fgsea padj > 0.2 in all seeds, the share with our FDR > 0.05. ``FDR`` is the
    table's FDR column (the configured method, by default BH ``padj``); ``*_gsea_q`` are the same
    shares for GSEA's NES-based q-value (``fdr_gsea``). ``log10p_pearson``: log10 of our
    p-value vs fgsea's (mean over seeds of log10 pval), all sets; ``log10p_pearson_tail`` the same
    over the ``n_tail`` sets with fgsea p < 1e-3 (mean log10 over seeds). ``n_strong``: sets with
    fgsea padj < 1e-6 in all seeds, ``strong_missed`` those of them with our padj >= 1e-5;
    ``n_clear_null``: sets with fgsea padj > 0.5 in all seeds, ``clear_null_called`` those of
    them at our FDR < 0.05. ``tail``: our and fgsea's log10 p of the tail sets (for a pooled r).
    """
    merged = ours.set_index("set").join(fgsea, how="inner")
    padj = merged[[f"padj_seed{s}" for s in FGSEA_SEEDS]]
    nes = merged[[f"NES_seed{s}" for s in FGSEA_SEEDS]].mean(axis=1)
    sig = (padj < 0.01).all(axis=1)
    null = (padj > 0.2).all(axis=1)
    figures = {
        "n_sets": len(merged),
        "n_sets_fgsea_only": int(len(fgsea) - len(merged)),
        "nes_pearson": _pearson(merged["NES"], nes),
        "n_sig": int(sig.sum()),
        "sig_recall": float((merged.loc[sig, "FDR"] < 0.05).mean()) if sig.any() else float("nan"),
        "n_null": int(null.sum()),
        "null_specificity": float((merged.loc[null, "FDR"] > 0.05).mean()) if null.any() else float("nan"),
        "sig_recall_gsea_q": float((merged.loc[sig, "fdr_gsea"] < 0.05).mean()) if sig.any() else float("nan"),
        "null_specificity_gsea_q": float((merged.loc[null, "fdr_gsea"] > 0.05).mean()) if null.any() else float("nan"),
    }
    if "pval_seed1" in merged:
        t = THRESHOLDS
        log_fgsea = np.log10(merged[[f"pval_seed{s}" for s in FGSEA_SEEDS]]).mean(axis=1)
        log_ours = np.log10(merged["pvalue"])
        tail = log_fgsea < np.log10(t["gsea_tail_fgsea_p"])
        strong = (padj < t["gsea_strong_fgsea_padj"]).all(axis=1)
        clear_null = (padj > t["gsea_clear_null_fgsea_padj"]).all(axis=1)
        figures["log10p_pearson"] = _pearson(log_ours, log_fgsea)
        figures["n_tail"] = int(tail.sum())
        figures["log10p_pearson_tail"] = _pearson(log_ours[tail], log_fgsea[tail]) if tail.sum() > 2 else float("nan")
        figures["tail"] = (log_ours[tail].tolist(), log_fgsea[tail].tolist())
        figures["n_strong"] = int(strong.sum())
        figures["strong_missed"] = int((merged.loc[strong, "padj"] >= t["gsea_strong_padj"]).sum())
        figures["n_clear_null"] = int(clear_null.sum())
        figures["clear_null_called"] = int((merged.loc[clear_null, "FDR"] < 0.05).sum())
    return figures
