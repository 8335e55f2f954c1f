"""The benchmark cases: DE count matrices and sample sheets, GSEA ranks and gene sets (bench/run.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"

DE_CASES = {
    "pasilla": {"design": "~type + condition", "contrasts": [("condition", "treated", "untreated")]},
    "gse96870": {
        "design": "~sex + time",
        "contrasts": [("time", "Day4", "Day0"), ("time", "Day8", "Day0"), ("time", "Day8", "Day4")],
    },
    **{
        f"sim20k_{n}": {"design": "~condition", "contrasts": [("condition", "treated", "control")], "samples": n}
        for n in (12, 48, 200, 1000)
    },
}


def load_de(case: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Samples x genes counts and the sample sheet of a DE case (simulated cases are cached)."""
    if case == "pasilla":
        counts = pd.read_csv(SHARED / "data/pasilla/pasilla_gene_counts.tsv", sep="\t", index_col=0).T
        meta = pd.read_csv(SHARED / "reference/deseq2/pasilla_samples.tsv", sep="\t", index_col=0)
    elif case == "gse96870":
        counts = pd.read_csv(SHARED / "data/mouse_GSE96870/GSE96870_counts_cerebellum.csv", index_col=0).T
        meta = pd.read_csv(SHARED / "reference/deseq2/gse96870_samples.tsv", sep="\t", index_col=0)
    else:
        return simulate(DE_CASES[case]["samples"])
    return counts, meta.loc[counts.index]


def simulate(n_samples: int, n_genes: int = 20000, seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Negative-binomial counts, two groups, 10 % of genes DE, DESeq2-like mean-dispersion trend."""
    rng = np.random.default_rng(seed)
    base = np.exp(rng.normal(4.0, 2.0, n_genes))
    disp = (0.05 + 2.0 / base) * np.exp(rng.normal(0, 0.5, n_genes))
    lfc = np.where(rng.random(n_genes) < 0.1, rng.normal(0, 1.5, n_genes), 0.0)
    group = np.repeat([0, 1], n_samples // 2)
    sf = np.exp(rng.normal(0, 0.2, n_samples))
    mu = sf[:, None] * base[None, :] * np.exp(np.outer(group, lfc))
    size = 1.0 / disp
    counts = rng.negative_binomial(size[None, :], size[None, :] / (size[None, :] + mu)).astype(np.int64)
    samples = [f"s{i}" for i in range(n_samples)]
    meta = pd.DataFrame({"condition": np.where(group == 1, "treated", "control")}, index=samples)
    return pd.DataFrame(counts, index=samples, columns=[f"g{i}" for i in range(n_genes)]), meta


def read_gmt(path: Path) -> dict[str, list[str]]:
    sets = {}
    for line in path.read_text().splitlines():
        fields = line.split("\t")
        if len(fields) > 2:
            sets[fields[0]] = fields[2:]
    return sets


def load_gsea(case: str) -> tuple[pd.Series, dict[str, list[str]]]:
    ranks_table = pd.read_csv(SHARED / "reference/fgsea/gse96870_Day8_vs_Day0.ranks.tsv.gz", sep="\t")
    ranks = pd.Series(ranks_table["stat"].to_numpy(), index=ranks_table["gene_id"].astype(str))
    ranks = ranks[~ranks.index.duplicated()].sort_values(ascending=False, kind="stable")
    if case == "reactome":
        return ranks, read_gmt(SHARED / "data/genesets/c2.cp.reactome.v7.0.symbols.mouse.MouseGEM.gmt")
    rng = np.random.default_rng(5)
    genes = ranks.index.to_numpy()
    sizes = go_bp_like_sizes(5000, rng=rng)
    return ranks, {f"SYN_{i:04d}": list(genes[rng.choice(len(genes), k, replace=False)]) for i, k in enumerate(sizes)}


def go_bp_like_sizes(
    n: int, *, rng: np.random.Generator, low: int = 15, high: int = 500, exponent: float = 1.9
) -> np.ndarray:
    """Gene-set sizes distributed like GO BP's within [low, high]: a power law, many small sets, few large.

    GO BP's size distribution is heavy-tailed (density ~ size^-1.9 over 15-500, median ~30); sizes are
    drawn by inverting that truncated power law's CDF.
    """
    a, b = low ** (1 - exponent), (high + 1) ** (1 - exponent)
    u = rng.random(n)
    return np.floor((a + u * (b - a)) ** (1 / (1 - exponent))).astype(int).clip(low, high)
