"""Property-based fuzzing of every parser (issue 7, item 2).

Each parser, given any input, either loads it (and the result satisfies the parser's
invariants) or raises :class:`degsea.errors.InputError`; never another exception.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from degsea.configuration import load_schema, validate_config
from degsea.de.design import design_variables
from degsea.errors import InputError
from degsea.gsea.collections import parse_gmt
from degsea.inputs.aligner import read_featurecounts, read_htseq, read_star
from degsea.inputs.counts import SYMBOL_COLUMNS, parse_count_matrix
from degsea.inputs.detect import FORMATS, detect_format_bytes
from degsea.inputs.sheet import SAMPLE_COLUMN, parse_sample_sheet

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMA = load_schema(REPO_ROOT / "workflow" / "schemas" / "config.schema.yaml")

FUZZ = settings(
    max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
FEW = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)

# --- strategies ----------------------------------------------------------------------------------

#: Characters that stress parsers: separators, quotes, line ends, BOM, NUL, unicode.
ODD = st.sampled_from(
    [
        "\t",
        ",",
        '"',
        "'",
        "\r",
        "\n",
        "\r\n",
        "\ufeff",
        "\x00",
        " ",
        "#",
        "/",
        "..",
        "é",
        "中",
        "\u2028",
        "\x85",
        "\\",
        ";",
    ]
)
TEXT = st.lists(st.one_of(st.text(max_size=8), ODD), max_size=60).map("".join)

NAME = st.one_of(
    st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,8}", fullmatch=True),
    st.lists(st.one_of(st.characters(blacklist_categories=("Cs",)), ODD), max_size=5).map("".join),
    st.sampled_from(["", "gene_id", "sample", "symbol", "gene_name", "NA", '"quoted"', " s1 ", ".hidden", "a/b", "s1"]),
)
CELL = st.one_of(
    st.integers(min_value=0, max_value=10**6).map(str),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(
        [
            "",
            "NA",
            "NaN",
            "nan",
            "inf",
            "-inf",
            "Infinity",
            "-1",
            "1.5",
            "1e3",
            "1e30",
            "0x10",
            " 7 ",
            '"3"',
            "1,000",
            "null",
            ".",
            "+5",
            "1_000",
            "TRUE",
        ]
    ),
    st.text(max_size=6),
)


@st.composite
def tables(draw, cell=CELL, first_names=()):
    """A delimited table as text: random header, random cells, optional ragged rows, BOM, CRLF."""
    delimiter = draw(st.sampled_from(["\t", ","]))
    n_cols = draw(st.integers(min_value=1, max_value=5))
    header = [
        draw(st.sampled_from(first_names)) if first_names and i == 0 and draw(st.booleans()) else draw(NAME)
        for i in range(n_cols)
    ]
    if n_cols > 1 and draw(st.booleans()):
        header[draw(st.integers(1, n_cols - 1))] = draw(st.sampled_from(SYMBOL_COLUMNS))
    rows = []
    for _ in range(draw(st.integers(min_value=0, max_value=6))):
        width = n_cols + draw(st.sampled_from([0, 0, 0, 0, -1, 1]))
        rows.append([draw(st.one_of(NAME, cell)) if i == 0 else draw(cell) for i in range(max(width, 0))])
    quoting = draw(st.sampled_from(["none", "all", "some"]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))

    def quote(value):
        if quoting == "all" or (quoting == "some" and draw(st.booleans())):
            # a quoted field may hold the separator, a line break or an unbalanced quote
            inner = draw(st.sampled_from(["", delimiter, "\n", '"', '""']))
            return f'"{value}{inner}"' if draw(st.booleans()) else f'"{value}'
        return value

    def fmt(values):
        return delimiter.join(quote(v) for v in values)

    text = newline.join([fmt(header), *(fmt(r) for r in rows)])
    if draw(st.booleans()):
        text += newline
    if draw(st.booleans()):
        text = "\ufeff" + text
    return text, delimiter


@st.composite
def integer_matrices(draw):
    """A well-formed count matrix, which must load."""
    n_samples = draw(st.integers(1, 4))
    samples = draw(
        st.lists(
            st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,6}", fullmatch=True),
            min_size=n_samples,
            max_size=n_samples,
            unique=True,
        ).filter(lambda s: not set(s) & {"gene_id", *SYMBOL_COLUMNS})
    )
    genes = draw(st.lists(st.from_regex(r"G[0-9]{1,6}", fullmatch=True), min_size=1, max_size=8, unique=True))
    values = draw(
        st.lists(
            st.lists(st.integers(0, 10**9), min_size=n_samples, max_size=n_samples),
            min_size=len(genes),
            max_size=len(genes),
        )
    )
    delimiter = draw(st.sampled_from(["\t", ","]))
    lines = [delimiter.join(["gene_id", *samples])] + [
        delimiter.join([g, *map(str, v)]) for g, v in zip(genes, values, strict=False)
    ]
    return "\n".join(lines) + "\n", delimiter, samples, genes, values


def check_matrix(matrix, text: str, delimiter: str) -> None:
    """Invariants of a loaded count matrix."""
    counts = matrix.counts
    assert all(dtype == np.int64 for dtype in counts.dtypes)
    assert (counts.to_numpy() >= 0).all()
    assert counts.index.is_unique
    assert counts.index.name == "gene_id"
    assert counts.shape[0] >= 1 and counts.shape[1] >= 1
    header = [c.strip().strip('"') for c in text.split("\n", 1)[0].rstrip("\r").split(delimiter)]
    symbol = next((c for c in header[1:] if c in SYMBOL_COLUMNS), None)
    assert list(counts.columns) == [c for c in header[1:] if c != symbol]
    assert matrix.symbols.index.equals(counts.index)


# --- count matrix --------------------------------------------------------------------------------


@FUZZ
@given(text=TEXT, delimiter=st.sampled_from(["\t", ","]))
@example(text="gene_id\ts1\nG1\t1\t2\n", delimiter="\t")
@example(text="\ufeffgene_id\ts1\r\nG1\t1\r\n", delimiter="\t")
def test_count_matrix_random_text(text, delimiter):
    try:
        matrix = parse_count_matrix(text, source="counts.tsv", delimiter=delimiter)
    except InputError:
        return
    check_matrix(matrix, text, delimiter)


@FUZZ
@given(table=tables(first_names=("gene_id", "Geneid", "")))
@example(table=('gene_id\t"s1\ts2"\nG1\t5\n', "\t"))  # quoted name holding the separator: was ValueError
@example(table=('""\t"symbol\n"\t"\n"\t"0"\t"0\n"\t"0\t"0', "\t"))
@example(table=('gene_id\ts1\nG1\t"5\n', "\t"))  # unclosed quote
@example(table=('"gene_id\t"A\t"B\t"symbol', "\t"))  # header only, quotes merge names: was IndexError
def test_count_matrix_structured(table):
    text, delimiter = table
    try:
        matrix = parse_count_matrix(text, source="counts.tsv", delimiter=delimiter)
    except InputError:
        return
    check_matrix(matrix, text, delimiter)


@FEW
@given(table=integer_matrices())
def test_count_matrix_valid_loads(table):
    text, delimiter, samples, genes, values = table
    matrix = parse_count_matrix(text, source="counts.tsv", delimiter=delimiter)
    check_matrix(matrix, text, delimiter)
    assert list(matrix.counts.index) == genes
    assert matrix.counts.to_numpy().tolist() == values


# --- sample sheet --------------------------------------------------------------------------------


def check_sheet(sheet: pd.DataFrame, continuous) -> None:
    assert sheet.index.name == SAMPLE_COLUMN
    assert sheet.index.is_unique
    assert len(sheet) >= 1
    assert SAMPLE_COLUMN not in sheet.columns
    for column in continuous:
        assert sheet[column].dtype == float


@FUZZ
@given(text=TEXT, delimiter=st.sampled_from(["\t", ","]), continuous=st.lists(NAME, max_size=2))
@example(text="sample\tcondition\ns1\ta\n", delimiter="\t", continuous=[])
def test_sample_sheet_random_text(text, delimiter, continuous):
    try:
        sheet = parse_sample_sheet(text, source="samples.tsv", delimiter=delimiter, continuous=continuous)
    except InputError:
        return
    check_sheet(sheet, continuous)


@FUZZ
@given(
    table=tables(first_names=("sample",)),
    continuous=st.lists(st.sampled_from(["age", "condition", "x", "sample"]), max_size=2),
)
@example(table=('"sample\tc"\ns1\tx\n', "\t"), continuous=[])  # was KeyError 'sample'
@example(table=('"sample', "\t"), continuous=[])  # was pandas ParserError
@example(table=('sample\tc\ns1\t"x\n', "\t"), continuous=[])
@example(table=('sample\tc\na\t"b\n"\tc\n', "\t"), continuous=[])  # was silently misread
def test_sample_sheet_structured(table, continuous):
    text, delimiter = table
    try:
        sheet = parse_sample_sheet(text, source="samples.tsv", delimiter=delimiter, continuous=continuous)
    except InputError:
        return
    check_sheet(sheet, continuous)


# --- GMT -----------------------------------------------------------------------------------------

GMT_LINE = st.lists(st.one_of(NAME, st.text(max_size=8)), max_size=6).map("\t".join)


@FUZZ
@given(
    text=st.one_of(TEXT, st.lists(GMT_LINE, max_size=6).map("\n".join), st.lists(GMT_LINE, max_size=6).map("\r\n".join))
)
@example(text="S1\tdesc\tA\tB\n")
def test_gmt(text):
    try:
        sets = parse_gmt(text, source="sets.gmt")
    except InputError:
        return
    assert sets
    for name, gene_set in sets.items():
        assert name and name == gene_set.name
        assert gene_set.genes and len(set(gene_set.genes)) == len(gene_set.genes)


# --- config --------------------------------------------------------------------------------------

SCALAR = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=10))
JSON = st.recursive(
    SCALAR,
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=10,
)
KEYS = st.sampled_from([*SCHEMA["properties"], "unknown", ""])
SUBKEYS = st.sampled_from(
    sorted(
        {k for sub in SCHEMA["properties"].values() if isinstance(sub, dict) for k in sub.get("properties", {})} | {"x"}
    )
)
VALUE = st.one_of(JSON, st.dictionaries(SUBKEYS, JSON, max_size=4))


@FUZZ
@given(config=st.dictionaries(KEYS, VALUE, max_size=6))
@example(config={})
@example(config={"contrasts": {"a": None}, "de": None})
def test_config(config):
    try:
        filled = validate_config(config, SCHEMA, source="config.yaml")
    except InputError:
        return
    assert isinstance(filled, dict)


@FEW
@given(config=JSON)
def test_config_not_a_mapping(config):
    try:
        validate_config(config if isinstance(config, dict) else {"samples": config}, SCHEMA, source="config.yaml")
    except InputError:
        pass


# --- count formats -------------------------------------------------------------------------------


@FUZZ
@given(head=st.one_of(st.binary(max_size=200), TEXT.map(lambda t: t.encode("utf-8", "surrogatepass"))))
@example(head=b"")
@example(head=b"PK\x03\x04")
@example(head=b"\x89HDF\r\n\x1a\n")
def test_detect_format_bytes(head):
    try:
        fmt = detect_format_bytes(head, source="counts")
    except InputError:
        return
    assert fmt in FORMATS


HTSEQ_LINE = st.tuples(st.one_of(NAME, st.sampled_from(["__no_feature", "__ambiguous", "__"])), CELL).map("\t".join)
STAR_LINE = st.tuples(st.one_of(NAME, st.sampled_from(["N_unmapped", "N_multimapping", "N_"])), CELL, CELL, CELL).map(
    "\t".join
)
FC_TEXT = st.lists(
    st.one_of(
        st.just("# Program:featureCounts"),
        st.just("Geneid\tChr\tStart\tEnd\tStrand\tLength\ts1.bam\ts2.bam"),
        st.tuples(NAME, *[CELL] * 7).map("\t".join),
        GMT_LINE,
    ),
    max_size=6,
).map("\n".join)


@FUZZ
@given(
    text=st.one_of(TEXT, st.lists(st.one_of(HTSEQ_LINE, GMT_LINE), max_size=6).map("\n".join)),
    sample=st.one_of(st.just("s1"), NAME),
)
@example(text="G1\t5\n__no_feature\t3\n", sample="s1")
def test_read_htseq(text, sample):
    try:
        matrix, summary = read_htseq(text, source="s1.htseq", sample=sample)
    except InputError:
        return
    assert list(matrix.counts.columns) == [
        unicodedata.normalize("NFC", sample)
    ]  # the sheet's ID, as the sheet normalises it
    assert all(isinstance(v, int) and v >= 0 for v in summary.values())


@FUZZ
@given(
    text=st.one_of(TEXT, st.lists(st.one_of(STAR_LINE, HTSEQ_LINE), max_size=6).map("\n".join)),
    sample=st.one_of(st.just("s1"), NAME),
    strandedness=st.one_of(st.sampled_from(["none", "forward", "reverse"]), st.text(max_size=5)),
)
@example(text="N_unmapped\t1\t1\t1\nG1\t5\t0\t5\n", sample="s1", strandedness="reverse")
def test_read_star(text, sample, strandedness):
    try:
        matrix, notes = read_star(text, source="s1.ReadsPerGene.out.tab", sample=sample, strandedness=strandedness)
    except InputError:
        return
    assert list(matrix.counts.columns) == [unicodedata.normalize("NFC", sample)]
    assert notes["strandedness"] == strandedness


@FUZZ
@given(text=st.one_of(TEXT, FC_TEXT), sample=st.one_of(st.none(), st.just("s1"), NAME))
@example(
    text="# Program:featureCounts\nGeneid\tChr\tStart\tEnd\tStrand\tLength\ta.bam\nG1\t1\t1\t2\t+\t2\t7\n", sample=None
)
def test_read_featurecounts(text, sample):
    try:
        matrix, names = read_featurecounts(text, source="counts.txt", sample=sample)
    except InputError:
        return
    assert list(matrix.counts.columns) == list(names.values())
    assert (matrix.counts.to_numpy() >= 0).all()


# --- design --------------------------------------------------------------------------------------

FORMULA = st.lists(
    st.one_of(
        st.sampled_from(["~", "+", ":", "*", "-", "0", "1", " ", "(", ")", "__import__('os')", "C(", "I(", "\n", "\\"]),
        st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,5}", fullmatch=True),
        st.text(max_size=3),
    ),
    max_size=8,
).map("".join)


@FUZZ
@given(formula=st.one_of(st.text(max_size=40), FORMULA, st.none(), st.integers()))
@example(formula="~ batch + condition + batch:condition")
@example(formula="~ __import__('os').system('true')")
def test_design_variables(formula):
    try:
        names = design_variables(formula)
    except InputError:
        return
    assert names and all(name.isidentifier() for name in names)
    assert len(set(names)) == len(names)


def test_design_variables_never_evaluates(monkeypatch):
    """A formula with code is refused before any formula engine could see it."""
    with pytest.raises(InputError, match="cannot be read"):
        design_variables("~ __import__('os').system('echo pwned')")


# --- whole files: bytes as they come from disk, and the config file's YAML -----------------------

FILE_BYTES = st.one_of(
    st.binary(max_size=300),
    TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")),
    TEXT.map(lambda t: t.encode("utf-16")),
    st.builds(
        lambda head, tail: head + tail,
        st.sampled_from([b"\x1f\x8b", b"PK\x03\x04", b"\xff\xfe", b"\xef\xbb\xbf"]),
        st.binary(max_size=100),
    ),
)


@FEW
@given(data=FILE_BYTES, suffix=st.sampled_from([".tsv", ".csv", ".tsv.gz", ".gmt", ".gmt.gz"]))
@example(data=b"sample\tc\ns1\tx\x00y\n", suffix=".tsv")  # was read with the field cut at the NUL byte
def test_any_file_bytes_end_in_data_or_an_input_error(tmp_path_factory, data, suffix):
    from degsea.gsea.collections import read_gmt
    from degsea.inputs.counts import read_count_header
    from degsea.inputs.sheet import read_sample_sheet

    path = tmp_path_factory.mktemp("bytes") / f"input{suffix}"
    path.write_bytes(data)
    readers = [read_gmt] if ".gmt" in suffix else [read_sample_sheet, read_count_header]
    for reader in readers:
        try:
            reader(path)
        except InputError:
            pass


YAML_TEXT = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "contrasts:",
                "  a: {variable: c, test: x, reference: y}",
                "  a: 1",
                "a: 1",
                "b:",
                "  - x",
                "  - {k: 1, k: 2}",
                "? a",
                ": b",
                "&x a: 1",
                "*x",
                "<<: *x",
                "- 1",
                "'a': 2",
                "a: [1, 2",
                "\t",
            ]
        ),
        TEXT,
    ),
    max_size=8,
).map("\n".join)


@FEW
@given(text=YAML_TEXT)
@example(text="contrasts:\n  a: 1\n  a: 2")
def test_config_file_text_ends_in_a_check_or_an_input_error(tmp_path_factory, text):
    from degsea.configuration import check_config_files

    path = tmp_path_factory.mktemp("yaml") / "config.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        check_config_files([path])
    except InputError as err:
        assert "twice" in str(err)
