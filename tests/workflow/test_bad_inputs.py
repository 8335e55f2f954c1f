"""Bad inputs through the real snakemake command line: one clear message, no traceback, no results.

A sample of the catalogue in tests/unit/test_error_catalogue.py, run as a user runs the
workflow: mistakes in the config, sheet, design and gene-set files stop snakemake before any
job; a mistake only visible in the counts stops the import job, which writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from conftest import copy_workflow, snakemake

pytestmark = pytest.mark.workflow

SAMPLES = ["c1", "c2", "c3", "t1", "t2", "t3"]
SHEET = "sample\tcondition\tbatch\n" + "".join(
    f"{s}\t{c}\t{b}\n" for s, c, b in zip(SAMPLES, ["ctrl"] * 3 + ["treated"] * 3, ["b1", "b2", "b3"] * 2, strict=False)
)
GENES = [f"Gene{i}" for i in range(1, 61)]
COUNTS = (
    "gene_id\tsymbol\t"
    + "\t".join(SAMPLES)
    + "\n"
    + "".join(
        f"ENSMUSG{i:011d}\t{g}\t" + "\t".join(str(10 + (i * 7 + j * 13) % 90) for j in range(6)) + "\n"
        for i, g in enumerate(GENES, start=1)
    )
)
GMT = "SET_A\ta\t" + "\t".join(GENES[:20]) + "\nSET_B\tb\t" + "\t".join(GENES[20:40]) + "\n"


def _study(workdir: Path) -> dict:
    inputs = workdir / "inputs"
    inputs.mkdir()
    (inputs / "samples.tsv").write_text(SHEET)
    (inputs / "counts.tsv").write_text(COUNTS)
    (inputs / "sets.gmt").write_text(GMT)
    return {
        "samples": "inputs/samples.tsv",
        "counts": {"path": "inputs/counts.tsv"},
        "design": "~ condition",
        "contrasts": {"treated_vs_ctrl": {"variable": "condition", "test": "treated", "reference": "ctrl"}},
        "gsea": {"genesets": ["inputs/sets.gmt"], "focus_sets": ["SET_A"], "min_size": 5, "permutations": 100},
    }


def _unknown_key(workdir: Path, config: dict) -> None:
    config["gsea"]["permutation"] = 100


def _sample_not_in_matrix(workdir: Path, config: dict) -> None:
    (workdir / "inputs" / "samples.tsv").write_text(SHEET + "t4\ttreated\tb1\n")


def _excel_workbook(workdir: Path, config: dict) -> None:
    import zipfile

    with zipfile.ZipFile(workdir / "inputs" / "samples.xlsx", "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    config["samples"] = "inputs/samples.xlsx"


def _confounded_batch(workdir: Path, config: dict) -> None:
    (workdir / "inputs" / "samples.tsv").write_text(
        SHEET.replace("\tb2", "\tb1").replace("ctrl\tb3", "ctrl\tb1").replace("treated\tb1", "treated\tb3")
    )
    config["design"] = "~ batch + condition"


def _csv_gene_sets(workdir: Path, config: dict) -> None:
    (workdir / "inputs" / "sets.csv").write_text(GMT.replace("\t", ","))
    config["gsea"]["genesets"] = ["inputs/sets.csv"]


def _salmon_like_counts(workdir: Path, config: dict) -> None:
    (workdir / "inputs" / "counts.tsv").write_text(COUNTS.replace("\t10\t", "\t10.337\t", 1))


def _unquoted_number_level(workdir: Path, config: dict) -> None:
    config["contrasts"]["treated_vs_ctrl"]["test"] = 2


def _same_contrast_twice(workdir: Path, config: dict) -> None:
    config["contrasts"]["placeholder"] = config["contrasts"]["treated_vs_ctrl"]  # renamed in the YAML text below


def _semicolon_csv(workdir: Path, config: dict) -> None:
    (workdir / "inputs" / "counts.csv").write_text(COUNTS.replace("\t", ";"))
    config["counts"]["path"] = "inputs/counts.csv"


def _bam_as_counts(workdir: Path, config: dict) -> None:
    import gzip

    (workdir / "inputs" / "c1.bam").write_bytes(gzip.compress(b"BAM\x01" + bytes(60)))
    config["counts"]["path"] = "inputs/c1.bam"


def _web_page_as_counts(workdir: Path, config: dict) -> None:
    (workdir / "inputs" / "counts.tsv").write_text("<!DOCTYPE html>\n<html><head><title>GEO</title></head></html>\n")


def _contrasts_differ_in_case(workdir: Path, config: dict) -> None:
    config["contrasts"]["Treated_vs_ctrl"] = {"variable": "condition", "test": "ctrl", "reference": "treated"}


def _latin1_gene_sets(workdir: Path, config: dict) -> None:
    (workdir / "inputs" / "sets.gmt").write_bytes(GMT.replace("\ta\t", "\tpremi\u00e8re\t", 1).encode("latin-1"))


def _decimal_comma_count(workdir: Path, config: dict) -> None:
    (workdir / "inputs" / "counts.tsv").write_text(COUNTS.replace("\t10\t", "\t10,5\t", 1))


def _unsafe_unicode_id(workdir: Path, config: dict) -> None:
    (workdir / "inputs" / "samples.tsv").write_text(SHEET.replace("c1\t", "c\u200b1\t"))


#: Edits of the config's YAML text, for mistakes a parsed config cannot hold.
TEXT_EDITS: dict[str, Callable[[str], str]] = {
    "the same contrast name twice": lambda text: text.replace("placeholder:", "treated_vs_ctrl:"),
}

CASES: dict[str, tuple[Callable[[Path, dict], None], tuple[str, ...]]] = {
    "the same contrast name twice": (
        _same_contrast_twice,
        ("A config file gives the same key twice in one section.", "found: 'treated_vs_ctrl', first given on line"),
    ),
    "unknown config key": (_unknown_key, ("The config has a key that degsea does not know.", "found: 'permutation'")),
    "sheet sample not in the matrix": (
        _sample_not_in_matrix,
        ("Samples in the sample sheet are not columns of the count matrix.", "found: no column for 't4'"),
    ),
    "sheet saved as an Excel workbook": (
        _excel_workbook,
        ("The sample sheet is not a text table: it is an Excel workbook (.xlsx).", "inputs/samples.xlsx"),
    ),
    "batch confounded with condition": (
        _confounded_batch,
        ("The design is not full rank", "where: config 'design': '~ batch + condition'"),
    ),
    "gene sets as CSV": (_csv_gene_sets, ("A GMT line is not a gene set.", "comma-separated")),
    "unquoted number as a level": (
        _unquoted_number_level,
        ("A config value is not allowed.", "found: 2 (a number, not text)"),
    ),
    "Salmon-like counts (job time)": (
        _salmon_like_counts,
        ("The count matrix holds a count that is not an integer.", "found: '10.337'", "Salmon"),
    ),
    # issue 16: held-out families
    "European semicolon CSV": (
        _semicolon_csv,
        ("The count matrix is semicolon-separated: a spreadsheet export in a European locale.", "inputs/counts.csv"),
    ),
    "a BAM file as the count matrix": (
        _bam_as_counts,
        ("The count matrix is not a text table: it is a BAM file of aligned reads.", "featureCounts"),
    ),
    "a web page saved as the count matrix": (
        _web_page_as_counts,
        ("The count matrix is not a text table: it is a web page (HTML)", "curl -L"),
    ),
    "contrast names differing only in case": (
        _contrasts_differ_in_case,
        ("Contrast names differ only in upper/lower case", "'treated_vs_ctrl' and 'Treated_vs_ctrl'"),
    ),
    "Latin-1 gene sets": (_latin1_gene_sets, ("A gene-set file is not UTF-8 text.", "iconv")),
    "decimal comma in a count (job time)": (
        _decimal_comma_count,
        ("The count matrix holds a number written with a comma", "found: '10,5'"),
    ),
    "an invisible character in a sample ID": (
        _unsafe_unicode_id,
        ("A sample ID cannot be used safely in file names and tables.", "c\\u200b1"),
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_on_the_command_line(name: str, tmp_path: Path) -> None:
    workdir = copy_workflow(tmp_path)
    config = _study(workdir)
    mutate, messages = CASES[name]
    mutate(workdir, config)
    text = yaml.safe_dump(config, sort_keys=False)
    (workdir / "config" / "bad.yaml").write_text(TEXT_EDITS.get(name, lambda t: t)(text))
    done = snakemake(workdir, "--configfile", "config/bad.yaml", timeout=600)
    assert done.returncode != 0
    for message in messages:
        assert message in done.stderr, done.stderr[-3000:]
    assert "Traceback" not in done.stdout + done.stderr, done.stderr[-3000:]
    results = workdir / "results"
    left = sorted(str(p.relative_to(results)) for p in results.rglob("*") if p.is_file()) if results.exists() else []
    assert left == [], left
