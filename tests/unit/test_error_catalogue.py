"""The catalogue of bad inputs (issue #7): every case ends in one InputError and writes nothing.

Each case starts from a small valid study (config, sample sheet, count matrix, GMT) written
to a temporary directory, changes one thing, and runs what a user's run runs: the up-front
check that ``workflow/rules/common.smk`` does before any job (``validate_config`` then
``check_study``), then, for mistakes that can only be seen in the data, the step function of
the job that reads it (``degsea.steps``). The earlier jobs write to ``work/``; the failing job
writes to ``results/``. Every case asserts the exact message (what, and the file / where /
found it names) and that ``results/`` holds no file afterwards, not even a temporary one.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from degsea.configuration import SCHEMA_FILE, check_config_files, load_schema, validate_config
from degsea.errors import InputError
from degsea.steps.counts import import_counts
from degsea.steps.de import differential_expression
from degsea.steps.gsea import prepare_genesets
from degsea.study import check_study

ROOT = Path(__file__).resolve().parents[2]

SAMPLES = ["c1", "c2", "c3", "t1", "t2", "t3"]
CONDITION = ["ctrl", "ctrl", "ctrl", "treated", "treated", "treated"]
BATCH = ["b1", "b2", "b3", "b1", "b2", "b3"]
N_GENES = 60
GENE_IDS = [f"ENSMUSG{i:011d}" for i in range(1, N_GENES + 1)]
SYMBOLS = [f"Gene{i}" for i in range(1, N_GENES + 1)]


def sheet_text(
    rows: list[list[str]] | None = None, *, header: str = "sample\tcondition\tbatch", sep: str = "\t"
) -> str:
    """The valid sample sheet, or ``rows`` under ``header``."""
    if rows is None:
        rows = [list(r) for r in zip(SAMPLES, CONDITION, BATCH, strict=False)]
    return "\n".join([header, *(sep.join(r) for r in rows)]) + "\n"


def count_rows() -> list[list[str]]:
    """Gene ID, symbol and six integer counts per gene (deterministic, every sample expressed)."""
    rng = np.random.default_rng(7)
    values = rng.negative_binomial(5, 0.05, size=(N_GENES, len(SAMPLES))) + 1
    return [[g, s, *map(str, v)] for g, s, v in zip(GENE_IDS, SYMBOLS, values, strict=False)]


def counts_text(rows: list[list[str]] | None = None, *, header: list[str] | None = None, sep: str = "\t") -> str:
    """The valid count matrix, or ``rows`` under ``header``."""
    header = header or ["gene_id", "symbol", *SAMPLES]
    rows = count_rows() if rows is None else rows
    return "\n".join(sep.join(r) for r in [header, *rows]) + "\n"


GMT = "SET_A\tfirst\t" + "\t".join(SYMBOLS[:20]) + "\nSET_B\tsecond\t" + "\t".join(SYMBOLS[20:40]) + "\n"


@dataclass
class Study:
    """A small study in ``root``: files plus the config as the YAML file would load it."""

    root: Path
    config: dict[str, Any] = field(default_factory=dict)
    #: True when a case wrote the config file itself (as text); otherwise it is dumped from ``config``.
    raw_config: bool = False

    def write(self, name: str, content: str | bytes) -> str:
        """Write a file under the study's ``inputs/`` and return its path."""
        path = self.root / "inputs" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
        return str(path)

    def sheet(self, content: str | bytes, name: str = "samples.tsv") -> str:
        """Replace the sample sheet."""
        self.config["samples"] = self.write(name, content)
        return self.config["samples"]

    def counts(self, content: str | bytes, name: str = "counts.tsv") -> str:
        """Replace the count matrix."""
        self.config["counts"]["path"] = self.write(name, content)
        return self.config["counts"]["path"]

    def gmt(self, content: str | bytes, name: str = "sets.gmt") -> str:
        """Replace the gene-set file."""
        self.config["gsea"]["genesets"] = [self.write(name, content)]
        return self.config["gsea"]["genesets"][0]

    @property
    def config_file(self) -> str:
        return str(self.root / "config.yaml")


def valid_study(root: Path) -> Study:
    study = Study(root)
    study.config = {
        "samples": study.write("samples.tsv", sheet_text()),
        "counts": {"path": study.write("counts.tsv", counts_text())},
        "design": "~ condition",
        "contrasts": {"treated_vs_ctrl": {"variable": "condition", "test": "treated", "reference": "ctrl"}},
        "gsea": {
            "genesets": [study.write("sets.gmt", GMT)],
            "focus_sets": ["SET_A"],
            "min_size": 5,
            "max_size": 500,
            "permutations": 100,
        },
    }
    return study


# --- what a run runs -------------------------------------------------------------------------

STAGES = ("check", "import_counts", "prepare_genesets", "deseq2")
#: The counts path of the embedded demo, as workflow/rules/common.smk passes it to check_study.
DEMO_COUNTS = "resources/demo/counts.tsv.gz"


def run(study: Study, *, stage: str, results: Path, work: Path) -> None:
    """Run a user's run up to ``stage``; ``stage``'s outputs go to ``results``, earlier ones to ``work``."""
    if not study.raw_config:
        Path(study.config_file).write_text(yaml.safe_dump(study.config, sort_keys=False), encoding="utf-8")
    check_config_files([study.config_file])
    loaded = yaml.safe_load(Path(study.config_file).read_text(encoding="utf-8"))
    schema = load_schema(ROOT / SCHEMA_FILE)
    config = validate_config(loaded, schema, source=study.config_file)
    checked = check_study(config, demo_counts=DEMO_COUNTS)
    if stage == "check":
        return
    out = {name: (results if name == stage else work) for name in STAGES}
    h5ad = str(out["import_counts"] / "counts.h5ad")
    # as rule import_counts: the files the up-front check resolved, the rest of 'counts:' as settings
    counts = config["counts"]
    import_counts(
        count_files=checked.count_files,
        sheet_path=config["samples"],
        out=h5ad,
        per_sample=checked.per_sample,
        annotation=counts["annotation"],
        tx2gene=counts["tx2gene"],
        settings={k: v for k, v in counts.items() if k not in ("path", "pattern", "annotation", "tx2gene")},
        continuous=config["continuous"],
        extra_columns=counts["extra_columns"],
    )
    if stage == "import_counts":
        return
    if stage == "prepare_genesets":
        gsea = config["gsea"]
        prepare_genesets(
            counts_h5ad=h5ad,
            genesets=list(gsea["genesets"]),
            msigdb_entries=gsea["msigdb"],
            msigdb_files=[entry.path for entry in checked.msigdb],
            orthologs={k: v for k, v in gsea["orthologs"].items() if k != "table"},
            orthologs_table=gsea["orthologs"]["table"],
            out=str(results / "gsea" / "genesets.json"),
            coverage_out=str(results / "gsea" / "coverage.tsv"),
            min_size=gsea["min_size"],
            max_size=gsea["max_size"],
            min_coverage=gsea["min_coverage"],
            focus_sets=gsea["focus_sets"],
        )
        return
    differential_expression(
        counts_h5ad=h5ad,
        design=config["design"],
        contrasts=config["contrasts"],
        tables_out=[str(results / "de" / f"{name}.tsv") for name in config["contrasts"]],
        normalized_out=str(results / "de" / "normalized_counts.tsv"),
        fitted_out=str(results / "de" / "deseq2_fit.h5ad"),
        continuous=config["continuous"],
        settings=config["de"],
    )


@dataclass(frozen=True)
class Case:
    """One bad input: how it changes the valid study, the job that stops, and the message."""

    name: str
    mutate: Callable[[Study], Any]
    #: Fragments of the message, each a regular expression searched in it; the first is the 'what'.
    match: tuple[str, ...]
    stage: str = "check"


CASES: list[Case] = []


def case(name: str, *match: str, stage: str = "check") -> Callable[[Callable[[Study], Any]], Callable[[Study], Any]]:
    """Register the decorated mutation as a catalogue case."""

    def register(mutate: Callable[[Study], Any]) -> Callable[[Study], Any]:
        assert stage in STAGES
        CASES.append(Case(name, mutate, tuple(match), stage))
        return mutate

    return register


def esc(text: str) -> str:
    return re.escape(text)


def gzipped(text: str) -> bytes:
    return gzip.compress(text.encode("utf-8"), mtime=0)


def set_cell(study: Study, row: int, column: int, value: str) -> None:
    """Set count-matrix cell (gene ``row``, sample ``column``, both 0-based)."""
    rows = count_rows()
    rows[row][2 + column] = value
    study.counts(counts_text(rows))


# --- the sample sheet --------------------------------------------------------------------------


@case(
    "sheet: comma-separated but named .tsv",
    esc("The sample sheet has no 'sample' column."),
    r"file: .*samples\.tsv",
    esc("header (line 1)"),
    "comma-separated",
)
def _(study: Study) -> None:
    study.sheet(sheet_text(header="sample,condition,batch", sep=","))


@case(
    "sheet: tab-separated but named .csv",
    esc("The sample sheet has no 'sample' column."),
    r"file: .*samples\.csv",
    "tab-separated",
)
def _(study: Study) -> None:
    study.sheet(sheet_text(), name="samples.csv")


@case(
    "sheet: the same column twice",
    esc("The sample sheet has two columns of the same name."),
    esc("where: header (line 1)"),
    "found: condition",
)
def _(study: Study) -> None:
    study.sheet(
        sheet_text([[s, c, c] for s, c in zip(SAMPLES, CONDITION, strict=False)], header="sample\tcondition\tcondition")
    )


@case(
    "sheet: a column without a name",
    esc("The sample sheet has a column without a name."),
    esc("where: header (line 1), column 3"),
    "trailing separator",
)
def _(study: Study) -> None:
    study.sheet(
        sheet_text([[s, c, ""] for s, c in zip(SAMPLES, CONDITION, strict=False)], header="sample\tcondition\t")
    )


@case("sheet: header only", esc("The sample sheet has a header but no samples."), r"file: .*samples\.tsv")
def _(study: Study) -> None:
    study.sheet("sample\tcondition\tbatch\n")


@case("sheet: 0 bytes", esc("The sample sheet is empty (0 bytes)."), r"file: .*samples\.tsv")
def _(study: Study) -> None:
    study.sheet(b"")


@case(
    "sheet: path does not exist",
    esc("The sample sheet does not exist."),
    r"file: .*nowhere\.tsv",
    "found: no such file",
    "hint: Check 'samples'",
)
def _(study: Study) -> None:
    study.config["samples"] = str(study.root / "nowhere.tsv")


@case("sheet: a directory", esc("The sample sheet does not exist."), "found: a directory")
def _(study: Study) -> None:
    study.config["samples"] = str(study.root)


@case(
    "sheet: a sample twice",
    esc("Sample IDs appear more than once in the sample sheet."),
    esc("where: column 'sample'"),
    "found: c1",
)
def _(study: Study) -> None:
    study.sheet(sheet_text() + "c1\tctrl\tb1\n")


@case(
    "sheet: a sample ID that would break a path",
    esc("A sample ID cannot be used safely in file names and tables."),
    esc("where: line 3, column 'sample'"),
    esc("found: '../c2'"),
)
def _(study: Study) -> None:
    rows = [list(r) for r in zip(SAMPLES, CONDITION, BATCH, strict=False)]
    rows[1][0] = "../c2"
    study.sheet(sheet_text(rows))


@case("sheet: an empty sample ID", esc("A sample ID is empty."), esc("where: line 4, column 'sample'"))
def _(study: Study) -> None:
    rows = [list(r) for r in zip(SAMPLES, CONDITION, BATCH, strict=False)]
    rows[2][0] = ""
    study.sheet(sheet_text(rows))


@case(
    "sheet: a row with a missing field",
    esc("A sample-sheet row has a different number of fields than the header."),
    esc("where: line 5"),
    "found: 2 fields",
    "allowed: 3 fields",
)
def _(study: Study) -> None:
    study.sheet(sheet_text().replace("t1\ttreated\tb1", "t1\ttreated"))


@case(
    "sheet: a stray quote",
    esc("The sample sheet has quote characters that make its rows unreadable."),
    r"file: .*samples\.tsv",
)
def _(study: Study) -> None:
    study.sheet(sheet_text().replace("t1\ttreated", 't1\t"treated'))


@case("sheet: Latin-1 bytes", esc("The sample sheet is not UTF-8 text."), r"where: byte \d+", "spreadsheet")
def _(study: Study) -> None:
    study.sheet(sheet_text().replace("ctrl", "contr\u00f4le").encode("latin-1"))


@case(
    "sheet: truncated gzip",
    esc("The sample sheet is a gzip file that cannot be read to its end."),
    r"file: .*samples\.tsv\.gz",
    "gzip -t",
)
def _(study: Study) -> None:
    study.sheet(gzipped(sheet_text())[:-12], name="samples.tsv.gz")


@case(
    "sheet: a continuous covariate with text",
    esc("A continuous covariate holds a value that is not a number."),
    esc("where: line 2, column 'batch'"),
    esc("found: 'b1'"),
)
def _(study: Study) -> None:
    study.config["continuous"] = ["batch"]


@case(
    "sheet: 'continuous' names a missing column",
    esc("A column named in config 'continuous' is not a covariate of the sample sheet."),
    "found: age",
)
def _(study: Study) -> None:
    study.config["continuous"] = ["age"]


# --- the count matrix --------------------------------------------------------------------------


@case(
    "counts: gene IDs duplicated",
    esc("Gene IDs appear more than once in the count matrix."),
    esc("where: line 4, column 'gene_id'"),
    "ENSMUSG00000000001",
    "duplicates: sum",
    stage="import_counts",
)
def _(study: Study) -> None:
    rows = count_rows()
    rows[2][0] = rows[0][0]
    study.counts(counts_text(rows))


@case(
    "counts: a sheet sample not in the matrix",
    esc("Samples in the sample sheet are not columns of the count matrix."),
    r"file: .*counts\.tsv",
    esc("found: no column for 't3'"),
)
def _(study: Study) -> None:
    study.counts(counts_text([r[:-1] for r in count_rows()], header=["gene_id", "symbol", *SAMPLES[:-1]]))


@case(
    "counts: a matrix column not in the sheet",
    esc("Columns of the count matrix are not samples of the sample sheet."),
    esc("found: 't3'"),
    "extra_columns: drop",
)
def _(study: Study) -> None:
    study.sheet(sheet_text([list(r) for r in zip(SAMPLES, CONDITION, BATCH, strict=False)][:-1]))


@case(
    "counts: Salmon-like fractional values",
    esc("The count matrix holds a count that is not an integer."),
    esc("where: line 2 (gene 'ENSMUSG00000000001'), column 'c2'"),
    esc("found: '12.345'"),
    "Salmon",
    stage="import_counts",
)
def _(study: Study) -> None:
    set_cell(study, 0, 1, "12.345")


@case(
    "counts: a negative value",
    esc("The count matrix holds a negative count."),
    esc("where: line 5 (gene 'ENSMUSG00000000004'), column 't1'"),
    esc("found: '-3'"),
    stage="import_counts",
)
def _(study: Study) -> None:
    set_cell(study, 3, 3, "-3")


@case(
    "counts: NA",
    esc("The count matrix holds a missing value."),
    esc("column 'c1'"),
    esc("found: 'NA'"),
    stage="import_counts",
)
def _(study: Study) -> None:
    set_cell(study, 5, 0, "NA")


@case("counts: NaN", esc("The count matrix holds a missing value."), esc("found: 'NaN'"), stage="import_counts")
def _(study: Study) -> None:
    set_cell(study, 5, 0, "NaN")


@case(
    "counts: an empty cell",
    esc("The count matrix holds a missing value."),
    "found: an empty cell",
    stage="import_counts",
)
def _(study: Study) -> None:
    set_cell(study, 5, 0, "")


@case("counts: inf", esc("The count matrix holds an infinite value."), esc("found: 'inf'"), stage="import_counts")
def _(study: Study) -> None:
    set_cell(study, 7, 2, "inf")


@case(
    "counts: text in a count column",
    esc("The count matrix holds a value that is not a number."),
    esc("found: 'twelve'"),
    stage="import_counts",
)
def _(study: Study) -> None:
    set_cell(study, 7, 2, "twelve")


@case(
    "counts: a count beyond int64",
    esc("The count matrix holds a count too large to be a read count."),
    esc("found: '99999999999999999999999'"),
    stage="import_counts",
)
def _(study: Study) -> None:
    set_cell(study, 1, 1, "99999999999999999999999")


@case(
    "counts: a row without a gene ID",
    esc("The count matrix has a row without a gene ID."),
    esc("where: line 3, column 'gene_id'"),
    stage="import_counts",
)
def _(study: Study) -> None:
    rows = count_rows()
    rows[1][0] = ""
    study.counts(counts_text(rows))


@case("counts: 0 bytes", esc("The count matrix is empty (0 bytes)."), r"file: .*counts\.tsv")
def _(study: Study) -> None:
    study.counts(b"")


@case(
    "counts: truncated gzip",
    esc("The count matrix is a gzip file that cannot be read to its end."),
    r"file: .*counts\.tsv\.gz",
    stage="import_counts",
)
def _(study: Study) -> None:
    study.counts(gzipped(counts_text())[:-40], name="counts.tsv.gz")


@case(
    "counts: path does not exist",
    esc("The count matrix does not exist."),
    r"file: .*absent\.tsv",
    "found: no such file",
    esc("Check 'counts: path'"),
)
def _(study: Study) -> None:
    study.config["counts"]["path"] = str(study.root / "absent.tsv")


@case("counts: header only", esc("The count matrix has a header but no genes."), stage="import_counts")
def _(study: Study) -> None:
    study.counts(counts_text([]))


@case(
    "counts: a sample without any count",
    esc("Samples have no counts at all."),
    esc("found: 'c2'"),
    stage="import_counts",
)
def _(study: Study) -> None:
    rows = count_rows()
    for row in rows:
        row[3] = "0"
    study.counts(counts_text(rows))


@case(
    "counts: every gene zero",
    esc("Samples have no counts at all."),
    esc("found: 'c1', 'c2', 'c3', 't1', 't2', 't3'"),
    stage="import_counts",
)
def _(study: Study) -> None:
    study.counts(counts_text([[*r[:2], *["0"] * 6] for r in count_rows()]))


@case(
    "counts: comma-separated but named .tsv",
    esc("The count matrix header has a single column."),
    esc("where: header (line 1)"),
    "comma-separated",
)
def _(study: Study) -> None:
    study.counts(counts_text(sep=","))


@case("counts: the same sample column twice", esc("The count matrix has two columns of the same name."), "found: c1")
def _(study: Study) -> None:
    study.counts(counts_text(header=["gene_id", "symbol", "c1", "c1", *SAMPLES[2:]]))


@case(
    "counts: a sample column without a name",
    esc("The count matrix has a column without a name."),
    esc("where: header (line 1), column 4"),
)
def _(study: Study) -> None:
    study.counts(counts_text(header=["gene_id", "symbol", "c1", "", *SAMPLES[2:]]))


@case(
    "counts: a row with an extra field",
    esc("A count-matrix row has more fields than the header."),
    esc("where: line 4"),
    "found: 9 fields",
    stage="import_counts",
)
def _(study: Study) -> None:
    rows = count_rows()
    rows[2].append("5")
    study.counts(counts_text(rows))


@case("counts: an unclosed quote", esc("A quoted field of the count matrix is never closed."), stage="import_counts")
def _(study: Study) -> None:
    rows = count_rows()
    rows[3][1] = '"Gene4'
    study.counts(counts_text(rows))


@case(
    "counts: annotation file does not exist",
    esc("The file of 'counts: annotation' does not exist."),
    r"file: .*genes\.gtf",
    esc("where: config 'counts: annotation'"),
)
def _(study: Study) -> None:
    study.config["counts"]["annotation"] = str(study.root / "genes.gtf")


# --- design and contrasts ----------------------------------------------------------------------


@case(
    "design: a level with one replicate",
    esc("Contrast 'treated_vs_ctrl' compares a level with too few replicates."),
    esc("found: test level 'treated' has 1 sample(s)"),
)
def _(study: Study) -> None:
    study.sheet(sheet_text([[s, "treated" if s == "t1" else "ctrl", b] for s, b in zip(SAMPLES, BATCH, strict=False)]))


@case(
    "design: batch confounded with condition",
    esc("The design is not full rank: some of its terms cannot be told apart."),
    esc("where: config 'design': '~ batch + condition'"),
    "rank 2",
)
def _(study: Study) -> None:
    study.sheet(
        sheet_text([[s, c, "early" if c == "ctrl" else "late"] for s, c in zip(SAMPLES, CONDITION, strict=False)])
    )
    study.config["design"] = "~ batch + condition"


@case(
    "design: as many coefficients as samples",
    esc("The design has as many coefficients as there are samples"),
    "found: 6 samples, 6 coefficients",
)
def _(study: Study) -> None:
    study.sheet(
        sheet_text(
            [[s, c, b] for s, c, b in zip(SAMPLES, CONDITION, ["x1", "x2", "x3", "x4", "x5", "x5"], strict=False)]
        )
    )
    study.config["design"] = "~ batch + condition"


@case(
    "contrast: a level not in the sheet",
    esc("Contrast 'treated_vs_ctrl' names a level that is not in the sample sheet."),
    esc("found: reference level 'control' is missing"),
    esc("'ctrl' (3), 'treated' (3)"),
)
def _(study: Study) -> None:
    study.config["contrasts"]["treated_vs_ctrl"]["reference"] = "control"


@case(
    "contrast: a variable not in the design",
    esc("Contrast 'treated_vs_ctrl' tests a variable that is not in the design."),
    esc("found: variable 'genotype'"),
)
def _(study: Study) -> None:
    study.config["contrasts"]["treated_vs_ctrl"]["variable"] = "genotype"


@case(
    "contrast: a level against itself",
    esc("Contrast 'treated_vs_ctrl' compares a level with itself."),
    esc("found: test and reference both 'ctrl'"),
)
def _(study: Study) -> None:
    study.config["contrasts"]["treated_vs_ctrl"]["test"] = "ctrl"


@case("contrast: on a continuous covariate", esc("Contrast 'by_age' compares levels of a continuous covariate."))
def _(study: Study) -> None:
    study.sheet(
        sheet_text(
            [[s, c, str(i)] for i, (s, c) in enumerate(zip(SAMPLES, CONDITION, strict=False))],
            header="sample\tcondition\tage",
        )
    )
    study.config.update(design="~ age + condition", continuous=["age"])
    study.config["contrasts"] = {"by_age": {"variable": "age", "test": "1", "reference": "2"}}


@case(
    "contrast: a name that would break a path",
    esc("A contrast name cannot be used as a file name."),
    esc("found: '../treated'"),
)
def _(study: Study) -> None:
    study.config["contrasts"] = {"../treated": study.config["contrasts"]["treated_vs_ctrl"]}


@case(
    "design: a variable not in the sheet",
    esc("A design variable is not a column of the sample sheet."),
    "found: genotype",
    "allowed: condition, batch",
)
def _(study: Study) -> None:
    study.config["design"] = "~ genotype + condition"


@case("design: a formula with '-'", esc("The design formula cannot be read."), esc("found: '~ condition - batch'"))
def _(study: Study) -> None:
    study.config["design"] = "~ condition - batch"


@case(
    "design: an empty level", esc("A design variable has empty values."), esc("where: column 'condition'"), esc("'t2'")
)
def _(study: Study) -> None:
    study.sheet(sheet_text().replace("t2\ttreated", "t2\t"))


# --- the config --------------------------------------------------------------------------------


@case(
    "config: an unknown top-level key",
    esc("The config has a key that degsea does not know."),
    r"file: .*config\.yaml",
    esc("found: 'contrast'"),
)
def _(study: Study) -> None:
    study.config["contrast"] = study.config["contrasts"]


@case(
    "config: an unknown gsea key",
    esc("The config has a key that degsea does not know."),
    esc("where: config 'gsea'"),
    esc("found: 'permutation'"),
)
def _(study: Study) -> None:
    study.config["gsea"]["permutation"] = 100


@case(
    "config: a number given as text",
    esc("A config value is not allowed."),
    esc("where: config 'gsea: permutations'"),
    esc("found: '1000'"),
    "allowed: a value of type integer",
)
def _(study: Study) -> None:
    study.config["gsea"]["permutations"] = "1000"


@case(
    "config: a value outside the enum",
    esc("A config value is not allowed."),
    esc("where: config 'de: fit_type'"),
    esc("found: 'loess'"),
)
def _(study: Study) -> None:
    study.config["de"] = {"fit_type": "loess"}


@case(
    "config: a contrast without reference",
    esc("Contrast 'treated_vs_ctrl' lacks a key of a level pair."),
    esc("where: config 'contrasts: treated_vs_ctrl'"),
    esc("found: no 'reference'"),
)
def _(study: Study) -> None:
    del study.config["contrasts"]["treated_vs_ctrl"]["reference"]


@case(
    "config: min_size above max_size",
    esc("The GSEA size range is empty."),
    esc("where: config 'gsea: min_size', 'gsea: max_size'"),
    "found: min_size 50 > max_size 20",
)
def _(study: Study) -> None:
    study.config["gsea"].update(min_size=50, max_size=20)


# --- gene sets ---------------------------------------------------------------------------------


@case(
    "gmt: no overlap with the data",
    esc("Few genes of a gene-set collection are in the data"),
    r"file: .*sets\.gmt",
    esc("found: 0 of 40 genes (0.0 %) match"),
    stage="prepare_genesets",
)
def _(study: Study) -> None:
    study.gmt(GMT.replace("Gene", "GENE_HUMAN"))


@case("gmt: 0 bytes", esc("A GMT file holds no gene set."), r"file: .*sets\.gmt", "found: an empty file")
def _(study: Study) -> None:
    study.gmt(b"")


@case("gmt: space-separated", esc("A GMT line is not a gene set."), esc("where: line 1"), "saved with spaces")
def _(study: Study) -> None:
    study.gmt(GMT.replace("\t", " "))


@case(
    "gmt: a set name twice", esc("A gene-set name appears twice in a GMT file."), esc("where: line 3"), "found: SET_A"
)
def _(study: Study) -> None:
    study.gmt(GMT + GMT.splitlines()[0] + "\n")


@case("gmt: path does not exist", esc("A gene-set file does not exist."), r"file: .*absent\.gmt", "found: no such file")
def _(study: Study) -> None:
    study.config["gsea"]["genesets"] = [str(study.root / "absent.gmt")]


@case("gmt: a focus set not in the files", esc("Focus sets are not in the gene-set collections."), "SET_Z")
def _(study: Study) -> None:
    study.config["gsea"]["focus_sets"] = ["SET_Z"]


@case("gmt: a set in two files", esc("A gene-set name appears in two collections."), "SET_A")
def _(study: Study) -> None:
    study.config["gsea"]["genesets"].append(study.write("copy.gmt", GMT))


# --- found by trying inputs as a user would (issue #7, part 2) ---------------------------------


def h5ad_counts(study: Study, *, keep: int | None = None) -> str:
    """Write the valid counts as .h5ad (optionally only the first ``keep`` bytes) and point the config at it."""
    import anndata as ad
    import pandas as pd

    values = np.array([[int(v) for v in r[2:]] for r in count_rows()]).T
    adata = ad.AnnData(X=values, obs=pd.DataFrame(index=SAMPLES), var=pd.DataFrame({"symbol": SYMBOLS}, index=GENE_IDS))
    path = study.root / "inputs" / "counts.h5ad"
    adata.write_h5ad(path)
    if keep is not None:
        path.write_bytes(path.read_bytes()[:keep])
    study.config["counts"]["path"] = str(path)
    return str(path)


@case(
    "sheet: a column name with a space used in the design",
    esc("A design variable is a sample-sheet column whose name is not a plain identifier."),
    esc("where: header, column 'treatment group'"),
    esc("e.g. to 'treatment_group'"),
)
def _(study: Study) -> None:
    study.sheet(sheet_text(header="sample\ttreatment group\tbatch"))
    study.config["design"] = "~ treatment group"
    study.config["contrasts"]["treated_vs_ctrl"]["variable"] = "treatment group"


@case(
    "config: a level written as an unquoted YAML number",
    esc("A config value is not allowed."),
    esc("where: config 'contrasts: treated_vs_ctrl: test'"),
    esc("found: 2 (a number, not text)"),
    "in quotes",
)
def _(study: Study) -> None:
    study.sheet(
        sheet_text([[s, "1" if c == "ctrl" else "2", b] for s, c, b in zip(SAMPLES, CONDITION, BATCH, strict=False)])
    )
    study.config["contrasts"]["treated_vs_ctrl"].update(test=2, reference=1)


@case(
    "config: a level written as YAML yes",
    esc("A config value is not allowed."),
    esc("found: True (a yes/no value, not text)"),
    "in quotes",
)
def _(study: Study) -> None:
    study.config["contrasts"]["treated_vs_ctrl"]["test"] = True


@case(
    "gmt: a GMX file",
    esc("A gene-set file is a GMX file; degsea reads GMT files."),
    r"file: .*sets\.gmx",
    "Convert it to GMT",
)
def _(study: Study) -> None:
    lines = [
        "SET_A\tSET_B\tSET_C",
        "na\tna\tna",
        *(f"{a}\t{b}\t{a}" for a, b in zip(SYMBOLS[:20], SYMBOLS[20:40], strict=False)),
    ]
    study.gmt("\n".join(lines) + "\n", name="sets.gmx")


@case(
    "gmt: a CSV file", esc("A GMT line is not a gene set."), esc("where: line 1"), esc("comma-separated (a CSV file?)")
)
def _(study: Study) -> None:
    study.gmt(GMT.replace("\t", ","), name="sets.csv")


@case(
    "gmt: a set without genes",
    esc("A GMT line is not a gene set."),
    esc("where: line 3"),
    "has a name and a description but no genes",
)
def _(study: Study) -> None:
    study.gmt(GMT + "SET_EMPTY\tnothing here\n")


@case("gmt: Latin-1 bytes", esc("A gene-set file is not UTF-8 text."), r"where: byte \d+")
def _(study: Study) -> None:
    study.gmt(GMT.replace("first", "premi\u00e8re").encode("latin-1"))


@case(
    "gmt: truncated gzip",
    esc("A gene-set file is a gzip file that cannot be read to its end."),
    r"file: .*sets\.gmt\.gz",
)
def _(study: Study) -> None:
    study.gmt(gzipped(GMT)[:-30], name="sets.gmt.gz")


@case(
    "config: a path starting with ~",
    esc("The sample sheet does not exist."),
    esc("file: ~/degsea-no-such-dir/samples.tsv"),
    esc("'~' is not expanded"),
)
def _(study: Study) -> None:
    study.config["samples"] = "~/degsea-no-such-dir/samples.tsv"


@case(
    "sheet: a symbolic link to itself",
    esc("The sample sheet does not exist."),
    esc("found: a symbolic link that leads to no file (broken, or a loop)"),
)
def _(study: Study) -> None:
    link = study.root / "inputs" / "loop.tsv"
    link.symlink_to(link)
    study.config["samples"] = str(link)


@case(
    "counts: a broken symbolic link",
    esc("The count matrix does not exist."),
    r"file: .*broken\.tsv",
    esc("found: a symbolic link that leads to no file"),
)
def _(study: Study) -> None:
    link = study.root / "inputs" / "broken.tsv"
    link.symlink_to(study.root / "moved_away.tsv")
    study.config["counts"]["path"] = str(link)


@case("counts: a directory", esc("The count matrix does not exist."), "found: a directory", "not its folder")
def _(study: Study) -> None:
    study.config["counts"]["path"] = str(study.root / "inputs")


@case("gmt: a directory", esc("A gene-set file does not exist."), "found: a directory")
def _(study: Study) -> None:
    study.config["gsea"]["genesets"] = [str(study.root / "inputs")]


@case(
    "config: an enormous number of permutations",
    esc("A config value is not allowed."),
    esc("where: config 'gsea: permutations'"),
    "allowed: at most 1000000",
)
def _(study: Study) -> None:
    study.config["gsea"]["permutations"] = 10**30


@case(
    "config: a negative seed",
    esc("A config value is not allowed."),
    esc("where: config 'gsea: seed'"),
    "allowed: at least 0",
)
def _(study: Study) -> None:
    study.config["gsea"]["seed"] = -1


@case(
    "config: min_size .inf",
    esc("A config value is not allowed."),
    esc("where: config 'gsea: min_size'"),
    "found: inf",
    "type integer",
)
def _(study: Study) -> None:
    study.config["gsea"]["min_size"] = float("inf")


@case("sheet: UTF-16 (Excel 'Unicode Text')", esc("The sample sheet is UTF-16 text, not UTF-8."), "iconv")
def _(study: Study) -> None:
    study.sheet(sheet_text().encode("utf-16"))


@case(
    "sheet: an Excel workbook",
    esc("The sample sheet is not a text table: it is an Excel workbook (.xlsx)."),
    r"file: .*samples\.xlsx",
)
def _(study: Study) -> None:
    import zipfile

    path = study.root / "inputs" / "samples.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    study.config["samples"] = str(path)


@case("sheet: NUL bytes", esc("The sample sheet holds NUL bytes: it is not plain text."), r"where: byte \d+")
def _(study: Study) -> None:
    study.sheet(sheet_text().replace("ctrl", "ct\x00rl"))


@case("counts: binary garbage", esc("The count matrix holds NUL bytes: it is not plain text."), esc("where: byte 0"))
def _(study: Study) -> None:
    study.counts(bytes(range(256)) * 8)


@case(
    "sheet: 'Sample' capitalised", esc("The sample sheet has no 'sample' column."), esc("rename 'Sample' to 'sample'")
)
def _(study: Study) -> None:
    study.sheet(sheet_text(header="Sample\tcondition\tbatch"))


@case(
    "sheet: a comment line above the header",
    esc("The sample sheet has no 'sample' column."),
    esc("found: '# my samples'"),
)
def _(study: Study) -> None:
    study.sheet("# my samples\n" + sheet_text())


@case(
    "sheet: a quoted tab inside a field",
    esc("A sample-sheet row has a different number of fields than the header."),
    esc("where: line 5"),
    "found: 4 fields",
)
def _(study: Study) -> None:
    study.sheet(sheet_text().replace("t1\ttreated", 't1\t"trea\tted"'))


@case(
    "sheet: an infinite continuous covariate",
    esc("A continuous covariate holds a value that is not a number."),
    esc("where: line 2, column 'age'"),
    esc("found: 'inf'"),
    "a finite number",
)
def _(study: Study) -> None:
    study.sheet(
        sheet_text(
            [[s, c, str(i) if i else "inf"] for i, (s, c) in enumerate(zip(SAMPLES, CONDITION, strict=False))],
            header="sample\tcondition\tage",
        )
    )
    study.config.update(continuous=["age"], design="~ age + condition")


@case(
    "design: a covariate with one value",
    esc("A design variable has the same value in every sample."),
    esc("where: column 'batch'"),
    esc("found: 'b1' in all 6 samples"),
)
def _(study: Study) -> None:
    study.sheet(sheet_text([[s, c, "b1"] for s, c in zip(SAMPLES, CONDITION, strict=False)]))
    study.config["design"] = "~ batch + condition"


@case("design: an empty cell of an interaction", esc("The design is not full rank"), "rank 3")
def _(study: Study) -> None:
    study.sheet(
        sheet_text([[s, c, b] for s, c, b in zip(SAMPLES, CONDITION, ["x", "x", "y", "x", "x", "x"], strict=False)])
    )
    study.config["design"] = "~ batch + condition + batch:condition"


@case(
    "design: blocks nested in groups (mouse within condition)",
    esc("The design is not full rank: some of its terms cannot be told apart."),
    esc("linear combinations of each other: {condition_treated_vs_ctrl, mouse_mc_vs_ma, mouse_md_vs_ma}"),
    esc("'mouse' is nested in 'condition'"),
    "within each condition",
)
def _(study: Study) -> None:
    mice = ["ma", "ma", "mb", "mc", "mc", "md"]
    study.sheet(
        sheet_text(
            [[s, c, m] for s, c, m in zip(SAMPLES, CONDITION, mice, strict=False)], header="sample\tcondition\tmouse"
        )
    )
    study.config["design"] = "~ condition + mouse"


@case(
    "contrast: an unknown coefficient name",
    esc("A contrast names a coefficient the design does not have."),
    esc("found: 'condition_treated_vs_control'"),
    esc("allowed: Intercept, condition_treated_vs_ctrl"),
)
def _(study: Study) -> None:
    study.config["contrasts"] = {"treated": {"coefficient": "condition_treated_vs_control"}}


@case(
    "contrast: a numeric vector of the wrong length",
    esc("A numeric contrast has the wrong length."),
    esc("found: 3 values"),
    esc("2 values, one per coefficient: Intercept, condition_treated_vs_ctrl"),
)
def _(study: Study) -> None:
    study.config["contrasts"] = {"treated": {"vector": [0, 1, 0]}}


@case(
    "contrast: keys of two kinds",
    esc("Contrast 'treated_vs_ctrl' is not one kind of contrast."),
    esc("found: keys coefficient, reference, test, variable"),
)
def _(study: Study) -> None:
    study.config["contrasts"]["treated_vs_ctrl"]["coefficient"] = "condition_treated_vs_ctrl"


@case(
    "lrt: reduced design not nested in the full one",
    esc("Likelihood-ratio test 'cells': the reduced design is not nested in the full design."),
    esc("where: config 'lrt: cells': full '~ batch + condition', reduced '~ batch:condition'"),
)
def _(study: Study) -> None:
    study.config["design"] = "~ batch + condition"
    study.config["lrt"] = {"cells": {"reduced": "~ batch:condition"}}


@case(
    "lrt: reduced design with a variable the full one lacks",
    esc("Likelihood-ratio test 'batch': the reduced design uses a variable the full design does not."),
    "found: batch",
)
def _(study: Study) -> None:
    study.config["lrt"] = {"batch": {"reduced": "~ batch"}}


@case(
    "lrt: the same design twice",
    esc("Likelihood-ratio test 'same' compares a design with itself."),
    esc("full '~ condition', reduced '~condition'"),
)
def _(study: Study) -> None:
    study.config["lrt"] = {"same": {"reduced": "~condition"}}


@case(
    "lrt: with the stock PyDESeq2 engine",
    esc("This test needs the DESeq2-exact engine."),
    esc("found: engine 'pydeseq2' with likelihood-ratio test 'condition'"),
)
def _(study: Study) -> None:
    study.config["lrt"] = {"condition": {"reduced": "~ 1"}}
    study.config["de"] = {"engine": "pydeseq2"}


@case("design: no '~'", esc("The design formula cannot be read."), esc("found: 'condition'"))
def _(study: Study) -> None:
    study.config["design"] = "condition"


@case(
    "counts: format featurecounts for a plain matrix",
    esc("The featureCounts file does not have featureCounts' columns."),
    esc("found: gene_id, symbol, c1"),
)
def _(study: Study) -> None:
    study.config["counts"]["format"] = "featurecounts"


@case(
    "counts: format h5ad for a text matrix",
    esc("The .h5ad file cannot be read as AnnData."),
    "file signature not found",
)
def _(study: Study) -> None:
    study.config["counts"]["format"] = "h5ad"


@case("counts: format star for a matrix", esc("'counts: path' is a star file, which holds one sample."))
def _(study: Study) -> None:
    study.config["counts"]["format"] = "star"


@case(
    "counts: a separator at the end of every line",
    esc("The count matrix has a column without a name."),
    esc("where: header (line 1), column 9"),
)
def _(study: Study) -> None:
    study.counts(counts_text().replace("\n", "\t\n"))


@case(
    "counts: a thousands separator",
    esc("The count matrix holds a number written with a comma (a decimal comma or a thousands separator)."),
    esc("found: '1,000'"),
    stage="import_counts",
)
def _(study: Study) -> None:
    set_cell(study, 2, 2, "1,000")


@case(
    "counts: a hexadecimal number",
    esc("The count matrix holds a value that is not a number."),
    esc("found: '0x10'"),
    stage="import_counts",
)
def _(study: Study) -> None:
    set_cell(study, 2, 2, "0x10")


@case(
    "counts: 1e30",
    esc("The count matrix holds a count too large to be a read count."),
    esc("found: '1e30'"),
    stage="import_counts",
)
def _(study: Study) -> None:
    set_cell(study, 0, 0, "1e30")


@case(
    "counts: sample IDs with a .bam suffix",
    esc("Samples in the sample sheet are not columns of the count matrix."),
    esc("'c1.bam'"),
    "suffixes such as '.bam'",
)
def _(study: Study) -> None:
    study.counts(counts_text(header=["gene_id", "symbol", *(f"{s}.bam" for s in SAMPLES)]))


@case(
    "counts: .h5ad without the configured layer",
    esc("The .h5ad file has no layer of that name."),
    esc("found: 'raw'"),
    stage="import_counts",
)
def _(study: Study) -> None:
    h5ad_counts(study)
    study.config["counts"]["layer"] = "raw"


@case("counts: a truncated .h5ad", esc("The .h5ad file cannot be read as AnnData."), "truncated file")
def _(study: Study) -> None:
    h5ad_counts(study, keep=4000)


@case(
    "config: no contrasts",
    esc("A config value is not allowed."),
    esc("where: config 'contrasts'"),
    "found: {}",
    esc("at least 1 entry(ies)"),
)
def _(study: Study) -> None:
    study.config["contrasts"] = {}


@case(
    "config: contrasts as a list",
    esc("A config value is not allowed."),
    esc("where: config 'contrasts'"),
    "type object",
)
def _(study: Study) -> None:
    study.config["contrasts"] = [study.config["contrasts"]["treated_vs_ctrl"]]


@case(
    "config: a contrast as text",
    esc("A config value is not allowed."),
    esc("where: config 'contrasts: treated_vs_ctrl'"),
    esc("found: 'treated'"),
)
def _(study: Study) -> None:
    study.config["contrasts"]["treated_vs_ctrl"] = "treated"


@case(
    "config: samples left empty",
    esc("A config value is not allowed."),
    esc("where: config 'samples'"),
    "found: an empty value",
)
def _(study: Study) -> None:
    study.config["samples"] = None


@case("config: alpha 0", esc("A config value is not allowed."), esc("where: config 'de: alpha'"), "more than 0")
def _(study: Study) -> None:
    study.config["de"] = {"alpha": 0}


@case(
    "config: min_coverage above 1",
    esc("A config value is not allowed."),
    esc("where: config 'gsea: min_coverage'"),
    "at most 1",
)
def _(study: Study) -> None:
    study.config["gsea"]["min_coverage"] = 2


@case(
    "config: genesets as one string",
    esc("A config value is not allowed."),
    esc("where: config 'gsea: genesets'"),
    "type array",
)
def _(study: Study) -> None:
    study.config["gsea"]["genesets"] = study.config["gsea"]["genesets"][0]


@case(
    "config: continuous as one string",
    esc("A config value is not allowed."),
    esc("where: config 'continuous'"),
    "type array",
)
def _(study: Study) -> None:
    study.config["continuous"] = "batch"


@case(
    "gmt: no set of a testable size",
    esc("No gene set has a testable size after matching to the data."),
    "allowed: sets with 100-200 genes",
    stage="prepare_genesets",
)
def _(study: Study) -> None:
    study.config["gsea"].update(min_size=100, max_size=200)


@case(
    "counts: a single gene",
    esc("Few genes of a gene-set collection are in the data."),
    esc("found: 1 of 40 genes (2.5 %) match"),
    stage="prepare_genesets",
)
def _(study: Study) -> None:
    study.counts(counts_text(count_rows()[:1]))


@case(
    "counts: every sample a copy of one",
    esc("The counts vary too little between samples to fit DESeq2's dispersion trend."),
    r"file: .*counts\.h5ad",
    esc("found: 60 of 60 genes with counts"),
    stage="deseq2",
)
def _(study: Study) -> None:
    study.counts(counts_text([[*r[:2], *[r[2]] * 6] for r in count_rows()]))


@case(
    "counts: a single expressed gene",
    esc("The counts vary too little between samples to fit DESeq2's dispersion trend."),
    esc("found: 1 of 60 genes with counts"),
    stage="deseq2",
)
def _(study: Study) -> None:
    study.counts(counts_text([[*r[:2], *([r[2]] * 6 if i == 0 else ["0"] * 6)] for i, r in enumerate(count_rows())]))
    study.config["gsea"]["min_coverage"] = 0


@case(
    "contrast: a level with a trailing space",
    esc("names a level that is not in the sample sheet."),
    esc("found: test level 'treated ' is missing"),
    esc("spaces around it: write 'treated'"),
)
def _(study: Study) -> None:
    study.config["contrasts"]["treated_vs_ctrl"]["test"] = "treated "


@case(
    "contrast: a level in the wrong case",
    esc("names a level that is not in the sample sheet."),
    esc("found: test level 'Treated' is missing"),
    esc("case-sensitive: the sheet writes 'treated'"),
)
def _(study: Study) -> None:
    study.config["contrasts"]["treated_vs_ctrl"]["test"] = "Treated"


def htseq_study(study: Study, *, skip: str | None = None) -> dict[str, Path]:
    """Replace the matrix by one HTSeq-count file per sample, found by 'counts: pattern'."""
    rows, files = count_rows(), {}
    for j, sample in enumerate(SAMPLES):
        if sample != skip:
            lines = [f"{r[0]}\t{r[2 + j]}" for r in rows] + ["__no_feature\t5", "__ambiguous\t1"]
            files[sample] = Path(study.write(f"htseq/{sample}.txt", "\n".join(lines) + "\n"))
    del study.config["counts"]["path"]
    study.config["counts"]["pattern"] = str(study.root / "inputs" / "htseq" / "{sample}.txt")
    return files


@case(
    "per-sample: a file missing",
    esc("Count files of samples do not exist."),
    r"file: .*htseq/t2\.txt",
    esc("where: sample 't2'"),
)
def _(study: Study) -> None:
    htseq_study(study, skip="t2")


@case(
    "per-sample: a path in the sheet that would break the HTML report",
    esc("A sample's count-file path cannot be shown safely in the HTML report."),
    r"file: .*samples\.tsv",
    esc("where: sample 't1', column 'path'"),
    esc("found: '") + r".*htseq/</script>/t1\.txt'",
    esc("allowed: a path without '</', '<!--' and '{%'"),
)
def _(study: Study) -> None:
    files = htseq_study(study)
    del study.config["counts"]["pattern"]
    moved = files["t1"].parent / "</script>" / "t1.txt"
    moved.parent.mkdir(parents=True)  # the folder "<", in it "script>"
    files["t1"].rename(moved)
    files["t1"] = moved
    rows = [[s, c, b, str(files[s])] for s, c, b in zip(SAMPLES, CONDITION, BATCH, strict=True)]
    study.sheet(sheet_text(rows, header="sample\tcondition\tbatch\tpath"))


@case(
    "per-sample: a file of 0 bytes",
    esc("A per-sample count file is empty (0 bytes)."),
    r"file: .*htseq/c3\.txt",
    esc("where: sample 'c3'"),
)
def _(study: Study) -> None:
    htseq_study(study)["c3"].write_text("")


@case(
    "per-sample: one file from another tool",
    esc("Per-sample count files are of different formats."),
    esc("where: sample 't1'"),
    esc("htseq: 5 file(s)"),
    esc("matrix: 1 file(s), e.g. sample 't1'"),
)
def _(study: Study) -> None:
    htseq_study(study)["t1"].write_text(counts_text())


@case(
    "per-sample: a fractional HTSeq count",
    esc("holds a count that is not an integer."),
    r"file: .*htseq/c2\.txt",
    esc("found: '4.5'"),
    stage="import_counts",
)
def _(study: Study) -> None:
    path = htseq_study(study)["c2"]
    path.write_text(re.sub(rf"(?m)^{GENE_IDS[3]}\t\d+$", f"{GENE_IDS[3]}\t4.5", path.read_text()))


@case(
    "per-sample: files of different genes",
    esc("Per-sample count files list different genes."),
    esc("where: sample 'c3'"),
    "ENSMUSG99999999999",
    stage="import_counts",
)
def _(study: Study) -> None:
    path = htseq_study(study)["c3"]
    path.write_text(path.read_text().replace(GENE_IDS[5], "ENSMUSG99999999999"))


@case(
    "per-sample: a pattern without {sample}",
    esc("The per-sample count pattern has no '{sample}' placeholder."),
    esc("where: config 'counts: pattern'"),
)
def _(study: Study) -> None:
    htseq_study(study)
    study.config["counts"]["pattern"] = str(study.root / "inputs" / "htseq" / "c1.txt")


# --- odd but valid: read as meant ---------------------------------------------------------------

#: Inputs that look unusual but have one clear meaning: they must be read, not refused.
#: name -> (mutation, the count the first cell (gene 1, sample c1) must be read as, or None
#: for the unchanged value).
ACCEPTED: dict[str, tuple[Callable[[Study], Any], int | None]] = {
    "sheet and matrix with a UTF-8 byte-order mark": (
        lambda s: (s.sheet("\ufeff" + sheet_text()), s.counts("\ufeff" + counts_text())),
        None,
    ),
    "Windows line ends everywhere": (
        lambda s: (
            s.sheet(sheet_text().replace("\n", "\r\n")),
            s.counts(counts_text().replace("\n", "\r\n")),
            s.gmt(GMT.replace("\n", "\r\n")),
        ),
        None,
    ),
    "old-Mac line ends (CR only)": (
        lambda s: (s.sheet(sheet_text().replace("\n", "\r")), s.counts(counts_text().replace("\n", "\r"))),
        None,
    ),
    "blank and tab-only lines at the end (Excel)": (
        lambda s: (s.sheet(sheet_text() + "\t\t\n\n"), s.gmt(GMT + "\t\t\t\n")),
        None,
    ),
    "quoted header names": (lambda s: s.sheet(sheet_text(header='"sample"\t"condition"\t"batch"')), None),
    "gzipped GMT": (lambda s: s.gmt(gzipped(GMT), name="sets.gmt.gz"), None),
    "GMT with repeated genes and a one-gene set": (
        lambda s: s.gmt(GMT + "ONE\td\tGene1\nDUP\td\tGene2\tGene2\tGene3\n"),
        None,
    ),
    "count written 1e3": (lambda s: set_cell(s, 0, 0, "1e3"), 1000),
    "count written 12.0": (lambda s: set_cell(s, 0, 0, "12.0"), 12),
    "count written +5": (lambda s: set_cell(s, 0, 0, "+5"), 5),
    "count written ' 5 '": (lambda s: set_cell(s, 0, 0, " 5 "), 5),
    "count written -0 (another sample keeps the gene)": (lambda s: set_cell(s, 0, 0, "-0"), 0),
}


@pytest.mark.parametrize("name", list(ACCEPTED))
def test_odd_but_valid_inputs_are_read_as_meant(name: str, tmp_path: Path) -> None:
    import anndata as ad

    mutate, first = ACCEPTED[name]
    study = valid_study(tmp_path / "study")
    mutate(study)
    run(study, stage="prepare_genesets", results=tmp_path / "results", work=tmp_path / "work")
    adata = ad.read_h5ad(tmp_path / "work" / "counts.h5ad")
    expected = np.array([[int(v) for v in r[2:]] for r in count_rows()]).T
    if first is not None:
        expected[0, 0] = first
    assert list(adata.obs_names) == SAMPLES
    assert list(adata.obs["condition"]) == CONDITION
    assert list(adata.var_names) == GENE_IDS
    np.testing.assert_array_equal(np.asarray(adata.X), expected)
    assert _files(tmp_path / "results") == ["gsea/coverage.tsv", "gsea/genesets.json"]


@case(
    "config: the same contrast name twice",
    esc("A config file gives the same key twice in one section."),
    r"file: .*config\.yaml",
    esc("where: line 7, in 'contrasts'"),
    esc("found: 'treated_vs_ctrl', first given on line 6"),
)
def _(study: Study) -> None:
    text = yaml.safe_dump(study.config, sort_keys=False)
    entry = "  treated_vs_ctrl:\n    variable: condition\n    test: treated\n    reference: ctrl\n"
    one_line = "  treated_vs_ctrl: {variable: condition, test: treated, reference: ctrl}\n"
    assert entry in text
    Path(study.config_file).write_text(
        text.replace(
            entry, one_line + one_line.replace("test: treated, reference: ctrl", "test: ctrl, reference: treated")
        )
    )
    study.raw_config = True


# --- the test ----------------------------------------------------------------------------------


def _files(directory: Path) -> list[str]:
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*") if not p.is_dir())


@pytest.mark.parametrize("bad", CASES, ids=[c.name for c in CASES])
def test_bad_input_stops_with_its_message_and_writes_nothing(bad: Case, tmp_path: Path) -> None:
    check_case(bad, tmp_path)


def check_case(bad: Case, tmp_path: Path) -> None:
    """Make the case's change to the valid study, run it: its message, and nothing in results/."""
    study = valid_study(tmp_path / "study")
    bad.mutate(study)
    results, work = tmp_path / "results", tmp_path / "work"
    results.mkdir()
    with pytest.raises(InputError, match=bad.match[0]) as info:
        run(study, stage=bad.stage, results=results, work=work)
    message = str(info.value)
    for fragment in bad.match[1:]:
        assert re.search(fragment, message), f"{fragment!r} not in:\n{message}"
    assert info.value.hint, "every user error says how to fix it"
    assert _files(results) == [], "a stopped run must leave no output"


def test_the_valid_study_runs_through_every_stage(tmp_path: Path) -> None:
    """The base of every case is valid: without the change, each job writes its outputs."""
    study = valid_study(tmp_path / "study")
    for stage in STAGES:
        results = tmp_path / stage
        run(study, stage=stage, results=results, work=tmp_path / "work")
        expected = {
            "check": [],
            "import_counts": ["counts.h5ad"],
            "prepare_genesets": ["gsea/coverage.tsv", "gsea/genesets.json"],
            "deseq2": ["de/deseq2_fit.h5ad", "de/normalized_counts.tsv", "de/treated_vs_ctrl.tsv"],
        }[stage]
        assert (_files(results) if results.exists() else []) == expected, stage


def test_the_catalogue_is_large_and_every_case_is_distinct() -> None:
    names = [c.name for c in CASES]
    assert len(names) >= 45
    assert len(set(names)) == len(names)
