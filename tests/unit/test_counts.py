"""Tests of the count-matrix reader and its match with the sample sheet (degsea.inputs.counts)."""

from __future__ import annotations

import gzip
import logging
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from degsea.errors import InputError
from degsea.inputs.counts import (
    CountMatrix,
    match_samples,
    parse_count_matrix,
    read_count_header,
    read_count_matrix,
    to_anndata,
)

GOOD = "gene_id\ts1\ts2\ts3\nENSG1\t10\t0\t5\nENSG2\t3\t7\t100\nENSG3\t0\t0\t1\n"
EXPECTED = np.array([[10, 0, 5], [3, 7, 100], [0, 0, 1]], dtype=np.int64)


def write(directory: Path, name: str, content: str | bytes) -> Path:
    """Write ``content`` byte for byte (text as UTF-8) to ``directory/name``."""
    path = directory / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def parse(text: str, **kwargs: str) -> CountMatrix:
    """Parse ``text`` as a count matrix from 'c.tsv'."""
    return parse_count_matrix(text, source="c.tsv", **kwargs)


def cell_message(what: str, found: str) -> str:
    """The pattern of a bad-cell message at gene ENSG2 (line 3), sample s2 of 'c.tsv'."""
    where = "where: line 3 (gene 'ENSG2'), column 's2'"
    return re.escape(f"The count matrix holds {what}.\n  file: c.tsv\n  {where}\n  found: {found}\n")


def with_cell(value: str) -> str:
    """GOOD with the cell of gene ENSG2, sample s2 replaced by ``value``."""
    return GOOD.replace("ENSG2\t3\t7\t100", f"ENSG2\t3\t{value}\t100")


# --- reading ----------------------------------------------------------------------------------


def test_reads_plain_tsv(tmp_path: Path) -> None:
    matrix = read_count_matrix(write(tmp_path, "c.tsv", GOOD))
    assert list(matrix.counts.columns) == ["s1", "s2", "s3"]
    assert matrix.counts.index.name == "gene_id"
    assert list(matrix.counts.index) == ["ENSG1", "ENSG2", "ENSG3"]
    assert (matrix.counts.dtypes == np.int64).all()
    np.testing.assert_array_equal(matrix.counts.to_numpy(), EXPECTED)
    # Without a symbol column, the symbol is the gene ID.
    assert list(matrix.symbols) == ["ENSG1", "ENSG2", "ENSG3"]


def test_reads_csv_by_extension(tmp_path: Path) -> None:
    matrix = read_count_matrix(write(tmp_path, "c.csv", GOOD.replace("\t", ",")))
    np.testing.assert_array_equal(matrix.counts.to_numpy(), EXPECTED)


def test_bom_crlf_and_gzip(tmp_path: Path) -> None:
    raw = b"\xef\xbb\xbf" + GOOD.replace("\n", "\r\n").encode()
    for name, content in (("c.tsv", raw), ("c.tsv.gz", gzip.compress(raw))):
        matrix = read_count_matrix(write(tmp_path, name, content))
        assert list(matrix.counts.columns) == ["s1", "s2", "s3"], name
        assert list(matrix.counts.index) == ["ENSG1", "ENSG2", "ENSG3"], name
        np.testing.assert_array_equal(matrix.counts.to_numpy(), EXPECTED)


def test_gzip_detected_by_content_not_name(tmp_path: Path) -> None:
    matrix = read_count_matrix(write(tmp_path, "c.tsv", gzip.compress(GOOD.encode())))
    np.testing.assert_array_equal(matrix.counts.to_numpy(), EXPECTED)


def test_symbol_column_gene_name_is_detected() -> None:
    text = "gene_id\tgene_name\ts1\ts2\nENSG1\tActb\t1\t2\nENSG2\t\t3\t4\nENSG3\tGapdh\t5\t6\n"
    matrix = parse(text)
    assert list(matrix.counts.columns) == ["s1", "s2"]
    assert list(matrix.symbols) == ["Actb", "ENSG2", "Gapdh"]  # empty symbol -> gene ID
    assert list(matrix.symbols.index) == ["ENSG1", "ENSG2", "ENSG3"]


def test_symbol_column_may_come_last() -> None:
    matrix = parse("gene\ts1\tsymbol\ng1\t1\tA\ng2\t2\tB\n")
    assert list(matrix.counts.columns) == ["s1"]
    assert list(matrix.symbols) == ["A", "B"]


def test_integral_floats_are_accepted() -> None:
    matrix = parse("gene\ts1\ts2\ng1\t12.0\t3\ng2\t0.0\t1e2\n")
    assert (matrix.counts.dtypes == np.int64).all()
    np.testing.assert_array_equal(matrix.counts.to_numpy(), [[12, 3], [0, 100]])


def test_quoted_header_and_ids() -> None:
    matrix = parse('"gene"\t"s1"\n"g1"\t1\n"g2"\t3\n')
    assert list(matrix.counts.columns) == ["s1"]
    assert list(matrix.counts.index) == ["g1", "g2"]


def test_gene_id_na_is_kept_as_text() -> None:
    matrix = parse("gene\ts1\nNA\t1\nnan\t2\n")
    assert list(matrix.counts.index) == ["NA", "nan"]


def test_sample_ids_with_dashes_dots_and_digits_kept_verbatim() -> None:
    matrix = parse("gene\t1-A.bam\tS 2\ng1\t1\t2\n")
    assert list(matrix.counts.columns) == ["1-A.bam", "S 2"]


# --- file-level errors ----------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.tsv"
    with pytest.raises(InputError, match=r"The count matrix does not exist") as info:
        read_count_matrix(path)
    assert f"file: {path}" in str(info.value)
    assert "counts: path" in str(info.value)


def test_zero_byte_file(tmp_path: Path) -> None:
    path = write(tmp_path, "c.tsv", b"")
    with pytest.raises(InputError, match=r"The count matrix is empty \(0 bytes\)") as info:
        read_count_matrix(path)
    assert f"file: {path}" in str(info.value)


def test_truncated_gzip(tmp_path: Path) -> None:
    whole = gzip.compress((GOOD * 50).encode())
    path = write(tmp_path, "c.tsv.gz", whole[: len(whole) // 2])
    with pytest.raises(InputError, match=r"gzip file that cannot be read to its end") as info:
        read_count_matrix(path)
    assert f"file: {path}" in str(info.value)
    assert "gzip -t" in str(info.value)


def test_whitespace_only_text() -> None:
    with pytest.raises(InputError, match=r"The count matrix is empty\.\n  file: c.tsv"):
        parse("\n \n")


def test_header_only() -> None:
    with pytest.raises(InputError, match=r"has a header but no genes\.\n  file: c.tsv"):
        parse("gene_id\ts1\ts2\n")


def test_single_column_header_hints_delimiter(tmp_path: Path) -> None:
    path = write(tmp_path, "counts.tsv", GOOD.replace("\t", ","))
    with pytest.raises(InputError, match="header has a single column") as info:
        read_count_matrix(path)
    message = str(info.value)
    assert f"file: {path}" in message
    assert "found: 'gene_id,s1,s2,s3'" in message
    assert "may be comma-separated" in message


def test_single_column_header_in_csv_hints_tabs() -> None:
    with pytest.raises(InputError, match="may be tab-separated"):
        parse(GOOD, delimiter=",")


def test_only_gene_and_symbol_columns() -> None:
    with pytest.raises(InputError, match=r"has no sample columns\.\n  file: c.tsv\n  where: header \(line 1\)"):
        parse("gene\tsymbol\ng1\tA\n")


# --- header errors -----------------------------------------------------------------------


def test_empty_sample_column_name() -> None:
    where = r"column without a name\.\n  file: c.tsv\n  where: header \(line 1\), column 3"
    with pytest.raises(InputError, match=where):
        parse("gene\ts1\t\ts2\ng1\t1\t2\t3\n")


def test_empty_gene_column_name_is_allowed() -> None:
    # R's write.table(col.names = NA) writes an empty first header field.
    matrix = parse('""\ts1\ng1\t1\n')
    assert list(matrix.counts.index) == ["g1"]


def test_duplicate_sample_columns() -> None:
    with pytest.raises(InputError, match="two columns of the same name") as info:
        parse("gene\ts1\ts2\ts1\ng1\t1\t2\t3\n")
    assert "file: c.tsv" in str(info.value)
    assert "found: s1\n" in str(info.value)


def test_unsafe_sample_column() -> None:
    with pytest.raises(InputError, match=r"where: header \(line 1\), column 2\n  found: '../s1'"):
        parse("gene\t../s1\ng1\t1\n")


def test_rows_one_field_longer_than_header_r_write_table() -> None:
    with pytest.raises(InputError, match="one field more than its header") as info:
        parse("s1\ts2\ng1\t1\t2\ng2\t3\t4\n")
    message = str(info.value)
    assert "file: c.tsv" in message
    assert "found: 2 names in the header, 3 fields in line 2" in message
    assert "col.names = NA" in message


def test_trailing_separator_on_every_row() -> None:
    with pytest.raises(InputError, match="one field more than its header"):
        parse("gene\ts1\ts2\ng1\t1\t2\t\ng2\t3\t4\t\n")


def test_ragged_row_with_extra_field() -> None:
    where = r"more fields than the header\.\n  file: c.tsv\n  where: line 3\n  found: 4 fields"
    with pytest.raises(InputError, match=where):
        parse("gene\ts1\ts2\ng1\t1\t2\ng2\t3\t4\t5\n")


def test_short_row_is_a_missing_value() -> None:
    where = r"holds a missing value\.\n  file: c.tsv\n  where: line 3 \(gene 'g2'\), column 's2'"
    with pytest.raises(InputError, match=where):
        parse("gene\ts1\ts2\ng1\t1\t2\ng2\t3\n")


# --- gene IDs ---------------------------------------------------------------------------------


def test_duplicate_gene_ids_with_line_number() -> None:
    text = "gene\ts1\nA\t1\nB\t2\nC\t3\nB\t4\nA\t5\n"
    with pytest.raises(InputError, match="Gene IDs appear more than once") as info:
        parse(text)
    message = str(info.value)
    assert "file: c.tsv" in message
    assert "where: line 5, column 'gene'" in message  # the second 'B', the first repeat
    assert "found: 2 duplicated IDs, e.g. 'B', 'A'" in message


def test_empty_gene_id() -> None:
    with pytest.raises(InputError, match=r"row without a gene ID\.\n  file: c.tsv\n  where: line 3, column 'gene'"):
        parse("gene\ts1\ng1\t1\n\t2\n")


# --- cell values -----------------------------------------------------------------------------


def test_non_integer_count_has_salmon_hint() -> None:
    with pytest.raises(InputError, match="count that is not an integer") as info:
        parse(with_cell("7.25"))
    message = str(info.value)
    assert "file: c.tsv" in message
    assert "where: line 3 (gene 'ENSG2'), column 's2'" in message
    assert "found: '7.25'" in message
    assert "Salmon" in message and "TPM" in message and "tximport" in message


def test_negative_count() -> None:
    with pytest.raises(InputError, match=cell_message("a negative count", "'-7'")):
        parse(with_cell("-7"))


@pytest.mark.parametrize("value", ["", "NA", "NaN", "nan", "N/A", "."])
def test_missing_values(value: str) -> None:
    found = "an empty cell" if value == "" else repr(value)
    with pytest.raises(InputError, match=cell_message("a missing value", found)):
        parse(with_cell(value))


@pytest.mark.parametrize("value", ["inf", "-inf", "Infinity"])
def test_infinite_values(value: str) -> None:
    with pytest.raises(InputError, match=cell_message("an infinite value", repr(value))):
        parse(with_cell(value))


@pytest.mark.parametrize("value", ["seven", "7 reads", "True"])
def test_text_cell(value: str) -> None:
    with pytest.raises(InputError, match=cell_message("a value that is not a number", repr(value))):
        parse(with_cell(value))


@pytest.mark.parametrize(
    ("value", "what"),
    [
        ("1,000", "a number written with a comma (a decimal comma or a thousands separator)"),
        ("12,5", "a number written with a comma (a decimal comma or a thousands separator)"),
        ("1.234.567", "a number written with thousands separators"),
        ("1\u00a0234", "a number written with thousands separators"),
    ],
)
def test_spreadsheet_number_formats_are_named(value: str, what: str) -> None:
    with pytest.raises(InputError, match=cell_message(what, repr(value))):
        parse(with_cell(value))


def test_first_bad_cell_is_reported() -> None:
    text = "gene\ts1\ts2\ng1\t1\t2\ng2\t3\t-1\ng3\t-2\t4\n"
    with pytest.raises(InputError, match=r"where: line 3 \(gene 'g2'\), column 's2'"):
        parse(text)


def test_count_beyond_int64_is_rejected_not_wrapped() -> None:
    where = r"too large to be a read count\.\n  file: c.tsv\n  where: line 2 \(gene 'g1'\)"
    with pytest.raises(InputError, match=where):
        parse("gene\ts1\ng1\t18446744073709551615\ng2\t3\n")


# --- header only --------------------------------------------------------------------------------


def test_read_count_header_plain_and_gz(tmp_path: Path) -> None:
    text = '\ufeffgene_id\tgene_name\ts1\t"s2"\r\nENSG1\tA\t1\t2\r\n'
    plain = write(tmp_path, "c.tsv", text)
    packed = write(tmp_path, "c.tsv.gz", gzip.compress(text.encode()))
    as_csv = write(tmp_path, "c.csv", text.replace("\t", ","))
    for path in (plain, packed, as_csv):
        assert read_count_header(path) == ["s1", "s2"], path


def test_read_count_header_truncated_gzip_names_the_problem(tmp_path: Path) -> None:
    # An unreadable header used to give [], which the sheet check then reported as
    # "no column for every sample"; the full read's precise message is what the user needs.
    whole = gzip.compress(GOOD.encode())
    with pytest.raises(InputError, match="The count matrix is a gzip file that cannot be read to its end"):
        read_count_header(write(tmp_path, "c.tsv.gz", whole[:12]))


def test_read_count_header_checks_the_header(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="The count matrix header has a single column"):
        read_count_header(write(tmp_path, "c.tsv", GOOD.replace("\t", ",")))


# --- matching with the sheet --------------------------------------------------------------------


def test_match_samples_returns_sheet_order() -> None:
    chosen = match_samples(["s1", "s2", "s3"], ["s3", "s1", "s2"], counts_file="c.tsv", sheet_file="s.tsv")
    assert chosen == ["s3", "s1", "s2"]


def test_match_samples_sheet_sample_missing_from_matrix() -> None:
    with pytest.raises(InputError, match="not columns of the count matrix") as info:
        match_samples(["s1", "s2"], ["s1", "S2", "s3"], counts_file="c.tsv", sheet_file="s.tsv")
    message = str(info.value)
    assert "file: c.tsv" in message
    assert "where: header (line 1)" in message
    assert "found: no column for 'S2', 's3'" in message
    assert "every sample of s.tsv; the matrix has 's1', 's2'" in message


def test_match_samples_extra_matrix_column_is_an_error_by_default() -> None:
    with pytest.raises(InputError, match="not samples of the sample sheet") as info:
        match_samples(["s1", "s2", "undetermined"], ["s1", "s2"], counts_file="c.tsv", sheet_file="s.tsv")
    message = str(info.value)
    assert "file: c.tsv" in message
    assert "found: 'undetermined'" in message
    assert "extra_columns: drop" in message


def test_match_samples_extra_columns_drop(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="degsea.inputs.counts"):
        chosen = match_samples(
            ["s1", "junk", "s2"], ["s2", "s1"], counts_file="c.tsv", sheet_file="s.tsv", extra_columns="drop"
        )
    assert chosen == ["s2", "s1"]
    assert "'junk'" in caplog.text


def test_match_samples_drop_still_requires_every_sheet_sample() -> None:
    with pytest.raises(InputError, match="found: no column for 's3'"):
        match_samples(["s1", "junk"], ["s1", "s3"], counts_file="c.tsv", sheet_file="s.tsv", extra_columns="drop")


def test_match_samples_long_listing_is_shortened() -> None:
    sheet = [f"x{i}" for i in range(10)]
    with pytest.raises(InputError, match=r"'x5' and 4 more"):
        match_samples(["s1"], sheet, counts_file="c.tsv", sheet_file="s.tsv")


# --- AnnData -------------------------------------------------------------------------------------


def sheet_for(samples: list[str]) -> pd.DataFrame:
    """A sample sheet indexed by ``samples`` with one condition column."""
    return pd.DataFrame({"condition": ["a"] * len(samples)}, index=pd.Index(samples, name="sample"))


def test_to_anndata_samples_by_genes_in_sheet_order() -> None:
    matrix = parse("gene_id\tsymbol\ts1\ts2\ts3\ng1\tA\t1\t2\t3\ng2\tB\t4\t5\t6\n")
    adata = to_anndata(matrix, sheet_for(["s3", "s1"]))
    assert adata.shape == (2, 2)
    assert list(adata.obs_names) == ["s3", "s1"]
    assert list(adata.var_names) == ["g1", "g2"]
    assert list(adata.var["symbol"]) == ["A", "B"]
    assert list(adata.obs["condition"]) == ["a", "a"]
    np.testing.assert_array_equal(adata.X, [[3, 6], [1, 4]])


def test_to_anndata_all_zero_sample() -> None:
    matrix = parse("gene\ts1\ts2\ts3\ng1\t1\t0\t0\ng2\t4\t0\t1\n")
    with pytest.raises(InputError, match="Samples have no counts at all") as info:
        to_anndata(matrix, sheet_for(["s1", "s2", "s3"]), counts_file="c.tsv")
    assert "file: c.tsv" in str(info.value)
    assert "found: 's2'\n" in str(info.value)


def test_to_anndata_zero_sample_outside_the_sheet_is_ignored() -> None:
    matrix = parse("gene\ts1\ts2\ng1\t1\t0\ng2\t4\t0\n")
    adata = to_anndata(matrix, sheet_for(["s1"]))
    assert adata.shape == (1, 2)
