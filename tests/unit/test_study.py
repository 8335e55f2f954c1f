"""Tests of the whole-study check run before any job (degsea.study)."""

from __future__ import annotations

import gzip
import re
from pathlib import Path
from typing import Any

import pytest

from degsea.configuration import SCHEMA_FILE, load_schema, validate_config
from degsea.de.design import Contrast
from degsea.errors import InputError
from degsea.study import check_study

ROOT = Path(__file__).resolve().parents[2]

SHEET = (
    "sample\tcondition\tbatch\nc1\tctrl\t1\nc2\tctrl\t2\nc3\tctrl\t3\nt1\ttreated\t1\nt2\ttreated\t2\nt3\ttreated\t3\n"
)
COUNTS = "gene_id\tgene_name\tc1\tc2\tc3\tt1\tt2\tt3\nENSG1\tA\t1\t2\t3\t4\t5\t6\n"
GMT = "SET_ONE\td\tA\tB\tC\nSET_TWO\td\tD\tE\n"


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    """The workflow's config schema."""
    return load_schema(ROOT / SCHEMA_FILE)


@pytest.fixture
def study_files(tmp_path: Path) -> dict[str, Path]:
    """A consistent sample sheet, gzipped count matrix and GMT in tmp_path."""
    files = {"samples": tmp_path / "samples.tsv", "counts": tmp_path / "counts.tsv.gz", "gmt": tmp_path / "sets.gmt"}
    files["samples"].write_text(SHEET, encoding="utf-8")
    files["counts"].write_bytes(gzip.compress(COUNTS.encode()))
    files["gmt"].write_text(GMT, encoding="utf-8")
    return files


def make_config(schema: dict[str, Any], files: dict[str, Path], **overrides: Any) -> dict[str, Any]:
    """A validated config for the study files; ``overrides`` replace top-level keys, ``gsea_*`` gsea keys."""
    config: dict[str, Any] = {
        "samples": str(files["samples"]),
        "counts": {"path": str(files["counts"])},
        "design": "~ batch + condition",
        "contrasts": {"treated_vs_ctrl": {"variable": "condition", "test": "treated", "reference": "ctrl"}},
        "gsea": {"genesets": [str(files["gmt"])], "focus_sets": ["SET_TWO"]},
    }
    for key, value in overrides.items():
        if key.startswith("gsea_"):
            config["gsea"][key.removeprefix("gsea_")] = value
        elif key.startswith("counts_"):
            config["counts"][key.removeprefix("counts_")] = value
        else:
            config[key] = value
    return validate_config(config, schema, source="test.yaml")


def test_good_config_passes(schema: dict[str, Any], study_files: dict[str, Path]) -> None:
    study = check_study(make_config(schema, study_files))
    assert list(study.sheet.index) == ["c1", "c2", "c3", "t1", "t2", "t3"]
    assert list(study.sheet["batch"]) == ["1", "2", "3", "1", "2", "3"]
    assert study.contrasts == [Contrast("treated_vs_ctrl", "condition", "treated", "ctrl")]
    assert study.gene_sets == 2  # the sets of the local GMT file, for the GSEA job's threads


def test_demo_counts_path_is_not_read(schema: dict[str, Any], study_files: dict[str, Path], tmp_path: Path) -> None:
    demo = str(tmp_path / "not_made_yet.tsv.gz")
    config = make_config(schema, study_files, counts_path=demo)
    assert len(check_study(config, demo_counts=demo).sheet) == 6
    with pytest.raises(InputError, match="The count matrix does not exist"):
        check_study(config)


def test_sheet_sample_missing_from_matrix(schema: dict[str, Any], study_files: dict[str, Path]) -> None:
    study_files["samples"].write_text(SHEET.replace("t3\t", "T3\t"), encoding="utf-8")
    with pytest.raises(InputError, match="Samples in the sample sheet are not columns of the count matrix") as info:
        check_study(make_config(schema, study_files))
    message = str(info.value)
    assert f"file: {study_files['counts']}" in message
    assert "found: no column for 'T3'" in message
    assert str(study_files["samples"]) in message


def test_matrix_column_missing_from_sheet(schema: dict[str, Any], study_files: dict[str, Path]) -> None:
    study_files["samples"].write_text(SHEET.rsplit("t3\t", 1)[0], encoding="utf-8")
    with pytest.raises(InputError, match="not samples of the sample sheet") as info:
        check_study(make_config(schema, study_files))
    assert f"file: {study_files['counts']}" in str(info.value)
    assert "found: 't3'" in str(info.value)
    # With extra_columns: drop the same study passes, with the five sheet samples.
    study = check_study(make_config(schema, study_files, counts_extra_columns="drop"))
    assert len(study.sheet) == 5


def test_design_problem_is_found(schema: dict[str, Any], study_files: dict[str, Path]) -> None:
    expected = f"names a level that is not in the sample sheet.\n  file: {study_files['samples']}"
    with pytest.raises(InputError, match=re.escape(expected)):
        check_study(
            make_config(
                schema, study_files, contrasts={"x": {"variable": "condition", "test": "Treated", "reference": "ctrl"}}
            )
        )


def test_unknown_focus_set(schema: dict[str, Any], study_files: dict[str, Path]) -> None:
    with pytest.raises(InputError, match="Focus sets are not in the gene-set collections") as info:
        check_study(make_config(schema, study_files, gsea_focus_sets=["SET_TWO", "set_one", "SET_THREE"]))
    message = str(info.value)
    assert "where: config 'gsea: focus_sets'" in message
    assert "found: set_one, SET_THREE" in message
    assert f"allowed: set names of {study_files['gmt']}" in message


def test_missing_gmt(schema: dict[str, Any], study_files: dict[str, Path], tmp_path: Path) -> None:
    absent = tmp_path / "absent.gmt"
    with pytest.raises(InputError, match=re.escape(f"A gene-set file does not exist.\n  file: {absent}")):
        check_study(make_config(schema, study_files, gsea_genesets=[str(study_files["gmt"]), str(absent)]))


def test_set_name_in_two_gmt_files(schema: dict[str, Any], study_files: dict[str, Path], tmp_path: Path) -> None:
    other = tmp_path / "other.gmt"
    other.write_text("SET_ONE\td\tX\tY\n", encoding="utf-8")
    with pytest.raises(InputError, match=re.escape(f"appears in two collections.\n  file: {other}")):
        check_study(make_config(schema, study_files, gsea_genesets=[str(study_files["gmt"]), str(other)]))


MH_GMT = "HALLMARK_INTERFERON_GAMMA_RESPONSE\td\tCd74\tB2m\nHALLMARK_E2F_TARGETS\td\tMcm2\tPcna\n"


@pytest.fixture
def cached_hallmark(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in tmp_path, with mouse hallmark 2024.1 already in the MSigDB cache (resources/)."""
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "resources" / "genesets" / "msigdb" / "mh.all.v2024.1.Mm.symbols.gmt"
    path.parent.mkdir(parents=True)
    path.write_text(MH_GMT, encoding="utf-8")
    return path


def test_focus_sets_of_a_cached_msigdb_collection_checked_up_front(
    schema: dict[str, Any], study_files: dict[str, Path], cached_hallmark: Path, caplog: pytest.LogCaptureFixture
) -> None:
    msigdb = [
        {"collection": "mh.all", "version": "2024.1.Mm"},
        {"collection": "m2.cp.reactome", "version": "2024.1.Mm"},
    ]
    # Reactome is still to be downloaded: its sets cannot be checked yet, but hallmark's can.
    with pytest.raises(
        InputError,
        match=r"Focus sets are not in the gene-set collections\.\n  where: config 'gsea: focus_sets'\n  found: "
        r"HALLMARK_INTERFERON_GAMA_RESPONSE\n"
        r"  allowed: set names of resources/genesets/msigdb/mh\.all\.v2024\.1\.Mm\.symbols\.gmt\n",
    ):
        check_study(
            make_config(
                schema,
                study_files,
                gsea_msigdb=msigdb,
                gsea_focus_sets=["HALLMARK_INTERFERON_GAMA_RESPONSE", "REACTOME_X"],
            )
        )
    focus = ["HALLMARK_INTERFERON_GAMMA_RESPONSE", "SET_ONE", "REACTOME_MHC_CLASS_II_ANTIGEN_PRESENTATION"]
    with caplog.at_level("INFO"):
        study = check_study(make_config(schema, study_files, gsea_msigdb=msigdb, gsea_focus_sets=focus))
    assert [c.file_name for c in study.msigdb] == [
        "mh.all.v2024.1.Mm.symbols.gmt",
        "m2.cp.reactome.v2024.1.Mm.symbols.gmt",
    ]
    assert study.gene_sets is None  # MSigDB collections: not counted
    assert (
        "focus sets REACTOME_MHC_CLASS_II_ANTIGEN_PRESENTATION are checked once the MSigDB collections m2.cp.reactome"
        in caplog.text
    )
    # Everything cached: every focus set is checked, whatever its name.
    with pytest.raises(
        InputError, match=r"found: REACTOME_X\n  allowed: set names of .*sets\.gmt, resources/genesets/msigdb/mh\.all"
    ):
        check_study(make_config(schema, study_files, gsea_msigdb=msigdb[:1], gsea_focus_sets=["REACTOME_X"]))


def test_focus_sets_wait_for_the_same_collection_of_another_version(
    schema: dict[str, Any], study_files: dict[str, Path], cached_hallmark: Path
) -> None:
    # Hallmark 2023.2 (pending) may hold a set that 2024.1 (cached) lacks: nothing is claimed.
    msigdb = [{"collection": "mh.all", "version": "2024.1.Mm"}, {"collection": "h.all", "version": "2023.2.Hs"}]
    study = check_study(make_config(schema, study_files, gsea_msigdb=msigdb, gsea_focus_sets=["HALLMARK_OLD_NAME"]))
    assert len(study.msigdb) == 2


def test_cached_msigdb_collection_checked_against_its_pinned_checksum(
    schema: dict[str, Any], study_files: dict[str, Path], cached_hallmark: Path
) -> None:
    msigdb = [{"collection": "mh.all", "version": "2024.1.Mm", "sha256": "0" * 64}]
    with pytest.raises(
        InputError,
        match=r"A stored MSigDB collection does not have the expected SHA-256\.\n  file: "
        r"resources/genesets/msigdb/mh\.all",
    ):
        check_study(make_config(schema, study_files, gsea_msigdb=msigdb, gsea_focus_sets=[]))
