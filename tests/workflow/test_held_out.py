"""Issue 16 through the real snakemake command: what a new user's run meets besides bad input files.

- DE is never blocked by gene sets: with ``gsea: enabled: false`` the run makes DE, QC and
  figures; with a collection that cannot match the data, ``snakemake --cores 2`` still writes
  the DE tables and exits non-zero with a message that names the real cause (the ID types).
- A full disk (a small tmpfs) and a read-only results folder: one message naming the path and
  the OS error, no traceback, no partial file, and the same command completes after the fix.
- A target written after ``--configfile``.
- Odd but valid inputs (Windows line ends, byte-order marks, a merged HTSeq matrix, counts
  above 2^31, gene names turned into dates) give the same DE tables as the clean study.

The tmpfs cases need root (``mount``) and skip with the reason otherwise.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from test_bad_inputs import COUNTS, GMT, SAMPLES, SHEET, _study

from conftest import copy_workflow, snakemake

pytestmark = pytest.mark.workflow

DE_TABLES = ["results/de/treated_vs_ctrl.tsv", "results/de/normalized_counts.tsv"]


def _write_config(workdir: Path, config: dict, name: str = "study.yaml") -> str:
    path = workdir / "config" / name
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return str(path.relative_to(workdir))


def _files(directory: Path) -> list[str]:
    return (
        sorted(str(p.relative_to(directory)) for p in directory.rglob("*") if p.is_file()) if directory.exists() else []
    )


def _no_traceback(done: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in done.stdout + done.stderr, done.stderr[-4000:]


# --- DE is never blocked by gene sets ---------------------------------------------------------


def test_gsea_switched_off_runs_de_qc_and_figures(tmp_path: Path) -> None:
    workdir = copy_workflow(tmp_path)
    config = _study(workdir)
    config["gsea"] = {"enabled": False, "genesets": ["inputs/absent.gmt"], "focus_sets": ["NOT_CHECKED"]}
    config["plots"] = {"formats": ["png"]}  # PNG only: a shorter run
    done = snakemake(workdir, "--configfile", _write_config(workdir, config))
    assert done.returncode == 0, done.stderr[-4000:]
    made = _files(workdir / "results")
    for table in DE_TABLES:
        assert table.removeprefix("results/") in made
    assert "qc/samples.tsv" in made and "figures/de/treated_vs_ctrl/volcano.png" in made
    assert "report/front_page.rst" in made and "provenance.json" in made
    assert not [f for f in made if f.startswith(("gsea/", "genesets/", "figures/gsea/"))], made


HUMAN_IDS = [f"ENSG{i:011d}" for i in range(1, 56)] + [
    "LRG_1",
    "LRG_12",
    "LRG_123",
    "ENSG00000182162_PAR_Y",
    "ENSG00000002586.20_PAR_Y",
]
HUMAN_SYMBOLS = ["TP53", "BRCA1", "EGFR", "MYC", "KRAS", "PTEN", "CDKN2A", "GAPDH", "ACTB", "VIM", "CD74", "HLA-DRA"]


def test_a_collection_that_cannot_match_stops_only_the_gene_set_branch(tmp_path: Path) -> None:
    """Human Ensembl IDs (with LRG_ and _PAR_Y entries) and no annotation, human symbol sets."""
    workdir = copy_workflow(tmp_path)
    config = _study(workdir)
    lines = COUNTS.splitlines()
    body = ["\t".join([gene, *line.split("\t")[2:]]) for gene, line in zip(HUMAN_IDS, lines[1:], strict=True)]
    (workdir / "inputs" / "counts.tsv").write_text("\n".join(["gene_id\t" + "\t".join(SAMPLES), *body]) + "\n")
    (workdir / "inputs" / "sets.gmt").write_text(
        "".join(f"HUMAN_{k}\tx\t" + "\t".join(HUMAN_SYMBOLS) + "\n" for k in range(3))
    )
    config["gsea"]["focus_sets"] = ["HUMAN_0"]
    config["plots"] = {"formats": ["png"]}  # PNG only: a shorter run
    done = snakemake(workdir, "--configfile", _write_config(workdir, config))
    assert done.returncode != 0
    _no_traceback(done)
    assert "Few genes of a gene-set collection are in the data" in done.stderr, done.stderr[-4000:]
    assert "the data has human Ensembl gene IDs and the sets human-style symbols" in done.stderr
    assert "counts: annotation" in done.stderr
    made = _files(workdir / "results")
    for table in DE_TABLES:
        assert table.removeprefix("results/") in made, made
    assert not [f for f in made if f.startswith("gsea/")], made
    # with --keep-going (as the profiles set it), everything that does not need the gene sets
    keep_going = snakemake(workdir, "--configfile", "config/study.yaml", "--keep-going")
    assert keep_going.returncode != 0 and "Few genes of a gene-set collection are in the data" in keep_going.stderr
    made = _files(workdir / "results")
    assert "qc/samples.tsv" in made and "figures/de/treated_vs_ctrl/volcano.png" in made, made
    assert not [f for f in made if f.startswith("gsea/")], made


# --- a full disk, a read-only results folder ------------------------------------------------------


def _mount(target: Path, options: str) -> None:
    target.mkdir(parents=True, exist_ok=True)
    if shutil.which("mount") is None:
        pytest.skip("no mount command")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {done.stderr.strip()}")


def _umount(target: Path) -> None:
    subprocess.run(["umount", str(target)], capture_output=True)


def _fill(folder: Path) -> Path:
    """Write a file until the file system is full; return it."""
    filler = folder / "filler.bin"
    with open(filler, "wb") as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
                handle.flush()
        except OSError:
            pass
    return filler


def test_a_full_disk_is_named_and_the_rerun_after_freeing_space_completes(tmp_path: Path) -> None:
    workdir = copy_workflow(tmp_path)
    config = _write_config(workdir, _study(workdir))
    results = workdir / "results"
    _mount(results, "size=16m")
    try:
        filler = _fill(results)
        done = snakemake(workdir, "--configfile", config, "--", *DE_TABLES)
        assert done.returncode != 0
        _no_traceback(done)
        assert "A result file cannot be written: the disk is full." in done.stderr, done.stderr[-4000:]
        assert "file: results/counts.h5ad" in done.stderr and "[Errno 28] No space left on device" in done.stderr
        assert _files(results) == ["filler.bin"], "no partial or temporary file"
        filler.unlink()  # the fix: free space
        rerun = snakemake(workdir, "--configfile", config, "--", *DE_TABLES)
        assert rerun.returncode == 0, rerun.stderr[-4000:]
        assert all((workdir / t).is_file() for t in DE_TABLES)
    finally:
        _umount(results)


def test_a_read_only_results_folder_is_named_and_the_rerun_after_the_fix_completes(tmp_path: Path) -> None:
    workdir = copy_workflow(tmp_path)
    config = _write_config(workdir, _study(workdir))
    results = workdir / "results"
    _mount(results, "size=16m,ro")
    try:
        done = snakemake(workdir, "--configfile", config, "--", *DE_TABLES)
        assert done.returncode != 0
        _no_traceback(done)
        assert "The folder 'results' cannot be written to: the folder is on a read-only file system." in done.stderr, (
            done.stderr[-3000:]
        )
        assert "[Errno 30] Read-only file system" in done.stderr
        assert _files(results) == []
        subprocess.run(["mount", "-o", "remount,rw", str(results)], check=True)  # the fix
        rerun = snakemake(workdir, "--configfile", config, "--", *DE_TABLES)
        assert rerun.returncode == 0, rerun.stderr[-4000:]
        assert all((workdir / t).is_file() for t in DE_TABLES)
    finally:
        _umount(results)


# --- a target after --configfile ------------------------------------------------------------------


def test_a_target_after_configfile_is_named_with_the_right_order(tmp_path: Path) -> None:
    workdir = copy_workflow(tmp_path)
    config = _write_config(workdir, _study(workdir))
    (workdir / "results").mkdir()
    (workdir / "results" / "provenance.json").write_text('{"config": {}}\n')  # a target that exists and parses
    done = snakemake(workdir, "--configfile", config, "results/provenance.json")
    assert done.returncode != 0
    _no_traceback(done)
    assert "A file given to --configfile is not a config file: it looks like a target of the workflow." in done.stderr
    assert "snakemake --cores 2 <targets> --configfile <config.yaml>" in done.stderr


# --- odd but valid: the clean study's tables -------------------------------------------------------


def test_odd_but_valid_inputs_give_the_clean_tables(tmp_path: Path) -> None:
    """Windows line ends in every file, byte-order marks, a merged HTSeq matrix, gene names turned into dates."""
    clean = copy_workflow(tmp_path / "clean")
    clean_config = _write_config(clean, _study(clean))
    odd = copy_workflow(tmp_path / "odd")
    odd_config = _study(odd)
    summary = "".join(
        f"{name}\t\t" + "\t".join(["400"] * len(SAMPLES)) + "\n"
        for name in ("__no_feature", "__ambiguous", "__alignment_not_unique")
    )
    (odd / "inputs" / "counts.tsv").write_bytes(("\ufeff" + COUNTS + summary).replace("\n", "\r\n").encode())
    (odd / "inputs" / "samples.tsv").write_bytes(("\ufeff" + SHEET).replace("\n", "\r\n").encode())
    (odd / "inputs" / "sets.gmt").write_bytes(GMT.replace("\n", "\r\n").encode())
    (odd / "config" / "study.yaml").write_bytes(
        yaml.safe_dump(odd_config, sort_keys=False).replace("\n", "\r\n").encode()
    )
    done_clean = snakemake(clean, "--configfile", clean_config, "--", *DE_TABLES, "results/gsea/treated_vs_ctrl.tsv")
    done_odd = snakemake(odd, "--configfile", "config/study.yaml", "--", *DE_TABLES, "results/gsea/treated_vs_ctrl.tsv")
    assert done_clean.returncode == 0, done_clean.stderr[-3000:]
    assert done_odd.returncode == 0, done_odd.stderr[-3000:]
    for table in [*DE_TABLES, "results/gsea/treated_vs_ctrl.tsv"]:
        assert (odd / table).read_bytes() == (clean / table).read_bytes(), table
    assert "3 count-tool summary rows" in (odd / "logs" / "import_counts.log").read_text()


def test_gene_names_turned_into_dates_are_named_in_the_job_output(tmp_path: Path) -> None:
    workdir = copy_workflow(tmp_path)
    config = _study(workdir)
    (workdir / "inputs" / "counts.tsv").write_text(
        COUNTS.replace("\tGene1\t", "\t1-Mar\t").replace("\tGene2\t", "\t2-Sep\t")
    )
    done = snakemake(workdir, "--configfile", _write_config(workdir, config), "--", "results/counts.h5ad")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "'1-Mar'" in done.stderr and "'2-Sep'" in done.stderr and "dates" in done.stderr
