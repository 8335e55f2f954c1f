"""The cohort config (config/studies/cohort): the demo's generator at 2,000 samples, in its own directory.

The whole 2,000 x 30,000 run is timed by ``bench/run.py --only cohort``; here the config is run as far
as the simulation, with 1,000 genes instead of 30,000, through the real snakemake command.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import copy_workflow, snakemake

pytestmark = pytest.mark.workflow

CONFIG = "config/studies/cohort/config.yaml"


def test_cohort_simulates_2000_samples_apart_from_the_default_demo(tmp_path: Path) -> None:
    workdir = copy_workflow(tmp_path)
    config = yaml.safe_load((workdir / CONFIG).read_text())
    assert config["demo"]["n_genes"] == 30000
    config["demo"]["n_genes"] = 1000
    small = workdir / "config" / "cohort_small.yaml"
    small.write_text(yaml.safe_dump(config, sort_keys=False))
    done = snakemake(workdir, "--configfile", str(small.relative_to(workdir)), "--", config["counts"]["path"])
    assert done.returncode == 0, done.stderr[-4000:]
    counts = pd.read_csv(workdir / "resources/demo_cohort/counts.tsv.gz", sep="\t", index_col=0)
    samples = pd.read_csv(workdir / "resources/demo_cohort/samples.tsv", sep="\t")
    assert counts.shape == (1000, 1 + 2000)
    assert samples["condition"].value_counts().to_dict() == {"untreated": 667, "responsive": 667, "resistant": 666}
    assert not (workdir / "resources/demo").exists()  # the default demo's files are not replaced
