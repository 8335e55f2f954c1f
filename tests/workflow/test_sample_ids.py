"""Sample IDs with dashes, dots, spaces and leading digits, end to end: per-sample HTSeq files named
after the samples, DE, GSEA; every output keeps the original spelling."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import copy_workflow, snakemake

pytestmark = pytest.mark.workflow

SAMPLES = ["1-a", "s.2", "tumour 3", "4+b", "5_c", "tumour 6.1"]
GROUPS = ["ctrl", "ctrl", "ctrl", "treated", "treated", "treated"]
N_GENES, N_UP = 600, 40


def write_study(workdir: Path) -> Path:
    rng = np.random.default_rng(7)
    genes = [f"ENSMUSG{n:011d}.{n % 5 + 1}" for n in range(1, N_GENES + 1)]
    symbols = [f"Gene{n}" for n in range(1, N_GENES + 1)]
    mean = rng.lognormal(5, 1, N_GENES)
    fold = np.ones(N_GENES)
    fold[:N_UP] = 4.0  # planted: the first genes up in 'treated'
    fold[N_UP : 2 * N_UP] = 0.25  # the next ones down
    counts_dir = workdir / "data" / "htseq counts"
    counts_dir.mkdir(parents=True)
    rows = ["sample\tcondition\tpath"]
    for sample, group in zip(SAMPLES, GROUPS, strict=True):
        mu = mean * (fold if group == "treated" else 1) * rng.uniform(0.7, 1.4)
        counts = rng.negative_binomial(10, 10 / (10 + mu))
        path = counts_dir / f"{sample}.counts.txt"
        path.write_text("".join(f"{g}\t{c}\n" for g, c in zip(genes, counts, strict=True)) + "__no_feature\t500\n__ambiguous\t20\n")
        rows.append(f"{sample}\t{group}\t{path.relative_to(workdir)}")
    sheet = workdir / "config" / "odd_ids.tsv"
    sheet.write_text("\n".join(rows) + "\n")
    annotation = workdir / "data" / "genes.tsv"
    annotation.write_text("gene_id\tsymbol\n" + "".join(f"{g.split('.')[0]}\t{s}\n" for g, s in zip(genes, symbols, strict=True)))
    gmt = workdir / "data" / "sets.gmt"
    sets = {"PLANTED_UP": symbols[:N_UP], "PLANTED_DOWN": symbols[N_UP : 2 * N_UP]}
    for k in range(6):
        sets[f"RANDOM_{k}"] = list(rng.choice(symbols[2 * N_UP :], 30, replace=False))
    gmt.write_text("".join(f"{name}\tplanted\t" + "\t".join(members) + "\n" for name, members in sets.items()))
    config = {
        "samples": str(sheet.relative_to(workdir)),
        "counts": {"annotation": str(annotation.relative_to(workdir))},
        "design": "~ condition",
        "contrasts": {"treated_vs_ctrl": {"variable": "condition", "test": "treated", "reference": "ctrl"}},
        "gsea": {"genesets": [str(gmt.relative_to(workdir))], "permutations": 100, "min_size": 10, "focus_sets": []},
    }
    path = workdir / "config" / "odd_ids.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def odd_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    workdir = copy_workflow(tmp_path_factory.mktemp("odd ids"))  # a space in the run's own path too
    config = write_study(workdir)
    done = snakemake(workdir, "--configfile", str(config), "--cores", "2", "results/gsea/summary.tsv", "results/de/normalized_counts.tsv")
    assert done.returncode == 0, done.stderr[-4000:]
    return workdir


def test_counts_keep_sample_ids_and_map_symbols(odd_run: Path) -> None:
    import anndata as ad

    adata = ad.read_h5ad(odd_run / "results" / "counts.h5ad")
    assert list(adata.obs_names) == SAMPLES
    assert adata.var.loc["ENSMUSG00000000001", "symbol"] == "Gene1"
    info = adata.uns["degsea_import"]
    assert info["format"] == "htseq" and info["versions_stripped"] == N_GENES and info["mapping_rate"] == 1.0
    assert info["htseq_summary"]["tumour 3"]["__no_feature"] == 500
    log = (odd_run / "logs" / "import_counts.log").read_text()
    assert "gene IDs mapped to symbols with data/genes.tsv: 600 of 600 (100.0 %)" in log


def test_tables_keep_sample_ids(odd_run: Path) -> None:
    normalized = pd.read_csv(odd_run / "results" / "de" / "normalized_counts.tsv", sep="\t")
    assert list(normalized.columns) == ["gene_id", "symbol", *SAMPLES]
    table = pd.read_csv(odd_run / "results" / "de" / "treated_vs_ctrl.tsv", sep="\t").set_index("symbol")
    assert (table.loc[[f"Gene{n}" for n in range(1, N_UP + 1)], "log2FoldChange"] > 1).mean() > 0.9


def test_gsea_finds_planted_sets(odd_run: Path) -> None:
    table = pd.read_csv(odd_run / "results" / "gsea" / "treated_vs_ctrl.tsv", sep="\t").set_index("set")
    assert table.loc["PLANTED_UP", "NES"] > 0 and table.loc["PLANTED_DOWN", "NES"] < 0
    assert table.loc["PLANTED_UP", "FDR"] < 0.05
