"""A time course through the real snakemake command: GSE96870 cerebellum, Day0 / Day4 / Day8 after influenza A.

LRT ``~ sex + time`` against ``~ sex``, then the significant genes clustered by their profile
over time x sex (rule lrt_profiles). Measured: 5,234 genes at LRT padj < 0.01; the 2,000 with the
smallest p-values fall into 4 Ward clusters of 754, 601, 360 and 285 genes (two falling, two
rising towards Day 8); the interferon-response genes Irf7 and Stat1 rise.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import copy_workflow, snakemake

pytestmark = pytest.mark.workflow

GROUPS = ["Day0 / Female", "Day0 / Male", "Day4 / Female", "Day4 / Male", "Day8 / Female", "Day8 / Male"]


@pytest.fixture(scope="module")
def time_course(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    workdir = copy_workflow(tmp_path_factory.mktemp("time_course"))
    reference = shared_data.parent / "reference" / "deseq2" / "gse96870_samples.tsv"
    if not reference.is_file():
        pytest.skip(f"{reference} is absent")
    config = {
        "samples": str(reference),
        "counts": {"path": str(shared_data / "mouse_GSE96870" / "GSE96870_counts_cerebellum.csv")},
        "design": "~ sex + time",
        "contrasts": {"Day8_vs_Day0": {"variable": "time", "test": "Day8", "reference": "Day0"}},
        "lrt": {
            "time": {
                "reduced": "~ sex",
                "profiles": {"enabled": True, "groups": ["time", "sex"], "clusters": 4, "padj": 0.01},
            }
        },
        "de": {"shrink": False},
        "gsea": {"focus_sets": []},
        "plots": {"color_by": "time"},
    }
    path = workdir / "config" / "time_course.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    done = snakemake(workdir, "--configfile", str(path), "--", "results/de/lrt/time.clusters.tsv", timeout=1500)
    assert done.returncode == 0, done.stderr[-4000:]
    return workdir


def test_lrt_table_names_its_coefficient(time_course: Path) -> None:
    lrt = pd.read_csv(time_course / "results/de/lrt/time.tsv", sep="\t")
    assert (
        set(lrt["coefficient"]) == {"time_Day8_vs_Day0"} and set(lrt["df"]) == {2} and set(lrt["reduced"]) == {"~ sex"}
    )
    assert 5000 < (lrt["padj"] < 0.01).sum() < 5500


def test_significant_genes_clustered_by_profile(time_course: Path) -> None:
    table = pd.read_csv(time_course / "results/de/lrt/time.clusters.tsv", sep="\t")
    assert list(table.columns) == ["gene_id", "symbol", "cluster", "padj", *GROUPS]
    assert len(table) == 2000 and (table["padj"] < 0.01).all()
    sizes = table["cluster"].value_counts()
    assert sorted(sizes.index) == [1, 2, 3, 4] and sizes.is_monotonic_decreasing
    profile = table.groupby("cluster")[GROUPS].mean()
    rising = profile["Day8 / Male"] + profile["Day8 / Female"] > profile["Day0 / Male"] + profile["Day0 / Female"]
    assert 1 <= rising.sum() <= 3  # both directions of change are found
    interferon = table.set_index("symbol").loc[["Irf7", "Stat1"], "cluster"]
    assert rising[interferon].all()
    assert (time_course / "results/figures/lrt/time/profiles.png").stat().st_size > 10_000
