"""Simulate the count matrices of the self-built parity scenarios (seeded, deterministic).

Run from the repository root::

    python tests/parity/reference/simulate.py

writes ``tests/parity/reference/<scenario>/counts.tsv.gz``, ``samples.tsv`` and ``scenario.tsv`` for every
scenario in :data:`SCENARIOS`; ``make_reference.R`` then computes DESeq2's results on them.
Genes follow a negative binomial with DESeq2-like dispersions (trend 0.01 + 2 / mean, with
log-normal scatter); 10 % of the genes respond to the tested factor. A few genes are all
zero, a few have a single extreme count (Cook's outliers).
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
N_GENES = 3000

#: name -> (seed, sample table builder)
SCENARIOS = {
    # a 2-level condition adjusted for a continuous covariate (RNA integrity number)
    "sim_continuous": 101,
    # a 3-level factor with a 2-level batch, 3 samples per cell (Cook's filtering active)
    "sim_factor3_batch": 202,
    # a 3-level factor with 2 replicates each: 3 residual degrees of freedom, so DESeq2
    # estimates the dispersion prior variance by simulation
    "sim_factor3_small": 303,
    # 2 levels x 8 replicates: outlier counts are replaced and the genes refitted
    "sim_replace": 404,
}


#: SD of log dispersions around the trend (0.5 unless given): sim_factor3_small scatters more,
#: so that DESeq2's simulated prior variance lands above its 0.25 floor.
DISPERSION_SCATTER = {"sim_factor3_small": 1.0}

#: name -> (design, continuous covariates, contrasts as (name, variable, test, reference))
DESIGNS = {
    "sim_continuous": ("~ rin + condition", ["rin"], [("treated_vs_control", "condition", "treated", "control")]),
    "sim_factor3_batch": (
        "~ batch + group",
        [],
        [("B_vs_A", "group", "B", "A"), ("C_vs_A", "group", "C", "A"), ("C_vs_B", "group", "C", "B")],
    ),
    "sim_factor3_small": ("~ group", [], [("B_vs_A", "group", "B", "A"), ("C_vs_B", "group", "C", "B")]),
    "sim_replace": ("~ condition", [], [("treated_vs_control", "condition", "treated", "control")]),
}


def write_scenario(path: Path, name: str) -> None:
    """Write ``scenario.tsv``: the design, the continuous covariates and the contrasts."""
    design, continuous, contrasts = DESIGNS[name]
    lines = ["key\tvalue", f"design\t{design}", f"continuous\t{','.join(continuous)}"]
    lines += [f"contrast\t{','.join(c)}" for c in contrasts]
    path.write_text("\n".join(lines) + "\n")


def _samples(name: str, rng: np.random.Generator) -> pd.DataFrame:
    if name == "sim_continuous":
        condition = ["control"] * 6 + ["treated"] * 6
        rin = np.round(rng.uniform(5.5, 9.5, 12), 1)
        return pd.DataFrame({"sample": [f"S{i + 1:02d}" for i in range(12)], "condition": condition, "rin": rin})
    if name == "sim_factor3_batch":
        rows = [(g, b) for g in ("A", "B", "C") for b in ("b1", "b2") for _ in range(3)]
        return pd.DataFrame(
            {
                "sample": [f"S{i + 1:02d}" for i in range(len(rows))],
                "group": [r[0] for r in rows],
                "batch": [r[1] for r in rows],
            }
        )
    if name == "sim_factor3_small":
        group = ["A", "A", "B", "B", "C", "C"]
        return pd.DataFrame({"sample": [f"S{i + 1:02d}" for i in range(6)], "group": group})
    if name == "sim_replace":
        condition = ["control"] * 8 + ["treated"] * 8
        return pd.DataFrame({"sample": [f"S{i + 1:02d}" for i in range(16)], "condition": condition})
    raise KeyError(name)


def simulate(name: str, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (counts genes x samples with a gene_id index, sample sheet)."""
    rng = np.random.default_rng(seed)
    samples = _samples(name, rng)
    n = len(samples)
    base = np.exp(rng.normal(4.0, 2.2, N_GENES))  # mean normalised count
    disp = (0.01 + 2.0 / base) * np.exp(rng.normal(0.0, DISPERSION_SCATTER.get(name, 0.5), N_GENES))
    log_fc = np.zeros((N_GENES, n))
    responsive = rng.random(N_GENES) < 0.10
    factor = "group" if "group" in samples else "condition"
    for level in sorted(samples[factor].unique())[1:]:
        effect = np.where(responsive, rng.normal(0, 1.5, N_GENES), 0.0)
        log_fc[:, (samples[factor] == level).to_numpy()] += effect[:, None] * np.log(2)
    if "batch" in samples:
        batch_effect = rng.normal(0, 0.3, N_GENES)
        log_fc[:, (samples["batch"] == "b2").to_numpy()] += batch_effect[:, None]
    if "rin" in samples:
        slope = rng.normal(0, 0.15, N_GENES)
        log_fc += slope[:, None] * (samples["rin"].to_numpy() - samples["rin"].mean())[None, :]
    size_factors = np.exp(rng.normal(0, 0.3, n))
    mu = base[:, None] * np.exp(log_fc) * size_factors[None, :]
    size = 1.0 / disp[:, None]
    counts = rng.negative_binomial(size, size / (size + mu))
    counts[:15] = 0  # all-zero genes
    outliers = rng.choice(np.arange(15, N_GENES), 25, replace=False)
    for gene in outliers:  # one extreme count per gene
        counts[gene, rng.integers(n)] = int(counts[gene].max() * rng.uniform(8, 30) + 50)
    gene_ids = [f"G{i + 1:05d}" for i in range(N_GENES)]
    frame = pd.DataFrame(counts, index=pd.Index(gene_ids, name="gene_id"), columns=samples["sample"])
    return frame, samples


def main() -> None:
    for name, seed in SCENARIOS.items():
        out = HERE / name
        out.mkdir(exist_ok=True)
        counts, samples = simulate(name, seed)
        with gzip.GzipFile(out / "counts.tsv.gz", "wb", mtime=0) as handle:
            handle.write(counts.to_csv(sep="\t").encode())
        samples.to_csv(out / "samples.tsv", sep="\t", index=False)
        write_scenario(out / "scenario.tsv", name)
        print(f"{name}: {counts.shape[0]} genes x {counts.shape[1]} samples")


if __name__ == "__main__":
    main()
