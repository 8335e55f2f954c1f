"""The Klarenbeek 2020 study config validates against the schema and passes the study checks on a stand-in matrix."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from degsea.configuration import load_schema, validate_config
from degsea.gsea.msigdb import parse_entries
from degsea.inputs.sheet import read_sample_sheet
from degsea.study import check_study

REPO_ROOT = Path(__file__).resolve().parents[2]
STUDY = REPO_ROOT / "config" / "studies" / "klarenbeek2020"


def test_study_config_on_stand_in_matrix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO_ROOT)  # paths in the config start at the repository, as for snakemake
    config = yaml.safe_load((STUDY / "config.yaml").read_text())
    sheet = read_sample_sheet(STUDY / "samples.tsv")
    assert sorted(set(sheet["condition"])) == ["resistant", "responsive", "untreated"]
    rng = np.random.default_rng(1)
    rows = ["gene_id\t" + "\t".join(sheet.index)] + [
        f"ENSMUSG{n:011d}\t" + "\t".join(map(str, rng.poisson(50, len(sheet)))) for n in range(200)
    ]
    stand_in = tmp_path / "counts.tsv"
    stand_in.write_text("\n".join(rows) + "\n")
    config["counts"]["path"] = str(stand_in)
    validated = validate_config(config, load_schema(REPO_ROOT / "workflow" / "schemas" / "config.schema.yaml"))
    study = check_study(validated)
    assert [c.name for c in study.contrasts] == [
        "responsive_vs_untreated",
        "resistant_vs_untreated",
        "resistant_vs_responsive",
    ]
    assert study.count_files == [str(stand_in)]
    assert [c.file_name for c in parse_entries(validated["gsea"]["msigdb"])] == [
        "mh.all.v2024.1.Mm.symbols.gmt",
        "m2.cp.reactome.v2024.1.Mm.symbols.gmt",
    ]
    assert {c.species for c in study.msigdb} == {"mouse"}
