"""Sample IDs with dashes, dots, spaces, leading digits and letters beyond ASCII (tumör, Δ), end to
end: per-sample HTSeq files named after the samples, DE, GSEA; every output keeps the original
spelling."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import copy_workflow, snakemake

pytestmark = pytest.mark.workflow

SAMPLES = ["1-a", "s.2", "tumör 3", "4+b", "5_c_", "Δ-tumour 6.1"]  # "5_c_": reStructuredText would read "c_" as a link
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
        path.write_text(
            "".join(f"{g}\t{c}\n" for g, c in zip(genes, counts, strict=True)) + "__no_feature\t500\n__ambiguous\t20\n"
        )
        rows.append(f"{sample}\t{group}\t{path.relative_to(workdir)}")
    sheet = workdir / "config" / "odd_ids.tsv"
    sheet.write_text("\n".join(rows) + "\n")
    annotation = workdir / "data" / "genes.tsv"
    annotation.write_text(
        "gene_id\tsymbol\n" + "".join(f"{g.split('.')[0]}\t{s}\n" for g, s in zip(genes, symbols, strict=True))
    )
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
        "gsea": {
            "genesets": [str(gmt.relative_to(workdir))],
            "permutations": 100,
            "min_size": 10,
            "focus_sets": ["PLANTED_UP"],
        },
    }
    path = workdir / "config" / "odd_ids.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def odd_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    workdir = copy_workflow(tmp_path_factory.mktemp("odd ids"))  # a space in the run's own path too
    config = write_study(workdir)
    done = snakemake(workdir, "--configfile", str(config), "--cores", "2")  # everything: tables and figures
    assert done.returncode == 0, done.stderr[-4000:]
    report = snakemake(workdir, "--configfile", str(config), "--report", "results/report.html")
    assert report.returncode == 0, report.stderr[-4000:]
    return workdir


def test_counts_keep_sample_ids_and_map_symbols(odd_run: Path) -> None:
    import anndata as ad

    adata = ad.read_h5ad(odd_run / "results" / "counts.h5ad")
    assert list(adata.obs_names) == SAMPLES
    assert adata.var.loc["ENSMUSG00000000001", "symbol"] == "Gene1"
    info = adata.uns["degsea_import"]
    assert info["format"] == "htseq" and info["versions_stripped"] == N_GENES and info["mapping_rate"] == 1.0
    assert info["htseq_summary"]["tumör 3"]["__no_feature"] == 500
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


def svg_texts(path: Path) -> list[str]:
    """The text elements of a matplotlib SVG (text is kept as text, svg.fonttype 'none')."""
    import xml.etree.ElementTree as ET

    root = ET.parse(path).getroot()
    return ["".join(node.itertext()).strip() for node in root.iter("{http://www.w3.org/2000/svg}text")]


def test_figures_label_samples_with_their_ids(odd_run: Path) -> None:
    figures = odd_run / "results" / "figures"
    # Figures with one tick label per sample (the distance heatmap has two: rows and columns).
    for name, per_sample in [
        ("qc/library_sizes", 1),
        ("qc/size_factors", 1),
        ("qc/sample_distances", 2),
        ("de/treated_vs_ctrl/heatmap", 1),
        ("gsea/treated_vs_ctrl/leading_edge_PLANTED_UP", 1),
    ]:
        texts = svg_texts(figures / f"{name}.svg")
        for sample in SAMPLES:
            assert texts.count(sample) == per_sample, (name, sample, texts)
    cooks = svg_texts(figures / "qc" / "cooks_distances.svg")
    assert all(f"{sample} (0)" in cooks for sample in SAMPLES), cooks  # "<sample> (<outlier genes>)"
    # PCA and per-sample scores mark samples by group colour: the legend names the groups.
    for name in ("qc/pca_pc1_pc2", "genesets/sample_scores"):
        texts = svg_texts(figures / f"{name}.svg")
        assert {"condition", "ctrl", "treated"} <= set(texts), (name, texts)


def test_report_keeps_sample_ids(odd_run: Path) -> None:
    import json
    from html import escape

    html = (odd_run / "results" / "report.html").read_text(encoding="utf-8")
    # The front page lists every per-sample input file as spelled ("5_c_" is no reStructuredText link).
    assert "system-message" not in html and "problematic" not in html
    for sample in SAMPLES:
        cell = f"<td>data/htseq counts/{sample}.counts.txt</td>"
        # the report carries its pages as JSON strings, where letters beyond ASCII are \u escapes
        assert cell in html or json.dumps(cell)[1:-1] in html, sample
    # The report's table pages are written from the result tables: the sample IDs keep their spelling
    # (HTML-escaped in the page), and so do the tables kept beside the report.
    page = (odd_run / "results" / "report" / "tables" / "qc_samples.html").read_text(encoding="utf-8")
    assert [sample for sample in SAMPLES if escape(sample) not in page] == []
    samples = pd.read_csv(odd_run / "results" / "qc" / "samples.tsv", sep="\t")
    assert samples["sample"].tolist() == SAMPLES
    normalized = pd.read_csv(odd_run / "results" / "de" / "normalized_counts.tsv", sep="\t", nrows=1)
    assert list(normalized.columns) == ["gene_id", "symbol", *SAMPLES]


def test_paths_with_sample_ids_are_inputs_only_and_recorded_as_spelled(odd_run: Path) -> None:
    import hashlib
    import json

    # No output is named after a sample, so an ID never becomes a Snakemake wildcard or a path part.
    outputs = [p for part in ("results", "logs") for p in (odd_run / part).rglob("*")]
    assert outputs and not [p for p in outputs if any(sample in p.name for sample in SAMPLES)]
    record = json.loads((odd_run / "results" / "provenance.json").read_text())
    counts = record["inputs"]["counts"]
    assert [item["path"] for item in counts] == [f"data/htseq counts/{s}.counts.txt" for s in SAMPLES]
    for item in counts:
        assert item["sha256"] == hashlib.sha256((odd_run / item["path"]).read_bytes()).hexdigest()
