"""Tests of the sample-sheet reader (degsea.inputs.sheet)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from degsea.errors import InputError
from degsea.inputs.sheet import check_safe_id, parse_sample_sheet, read_sample_sheet


def write(directory: Path, name: str, text: str | bytes) -> Path:
    """Write ``text`` (bytes as is, text as UTF-8 without newline translation) to ``directory/name``."""
    path = directory / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


GOOD = "sample\tcondition\tbatch\nA1\tcontrol\t1\nA2\tcontrol\t2\nB1\ttreated\t1\nB2\ttreated\t2\n"


# --- files that read correctly -------------------------------------------------------------


def test_reads_tsv_indexed_by_sample(tmp_path: Path) -> None:
    sheet = read_sample_sheet(write(tmp_path, "s.tsv", GOOD))
    assert sheet.index.name == "sample"
    assert list(sheet.index) == ["A1", "A2", "B1", "B2"]
    assert list(sheet.columns) == ["condition", "batch"]
    assert sheet.loc["B1", "condition"] == "treated"


def test_reads_csv_by_extension(tmp_path: Path) -> None:
    sheet = read_sample_sheet(write(tmp_path, "s.csv", GOOD.replace("\t", ",")))
    assert list(sheet.index) == ["A1", "A2", "B1", "B2"]
    assert list(sheet["condition"]) == ["control", "control", "treated", "treated"]


def test_bom_and_crlf_are_read_correctly(tmp_path: Path) -> None:
    raw = b"\xef\xbb\xbf" + GOOD.replace("\n", "\r\n").encode()
    sheet = read_sample_sheet(write(tmp_path, "s.tsv", raw))
    assert list(sheet.columns) == ["condition", "batch"]  # no '\ufeffsample', no 'batch\r'
    assert list(sheet.index) == ["A1", "A2", "B1", "B2"]
    assert list(sheet["batch"]) == ["1", "2", "1", "2"]


def test_gzipped_sheet_is_read(tmp_path: Path) -> None:
    import gzip

    sheet = read_sample_sheet(write(tmp_path, "s.tsv.gz", gzip.compress(GOOD.encode())))
    assert list(sheet.index) == ["A1", "A2", "B1", "B2"]


def test_r_write_csv_quoted_header_and_values(tmp_path: Path) -> None:
    text = '"sample","condition"\n"A1","control"\n"B1","treated"\n'
    sheet = read_sample_sheet(write(tmp_path, "s.csv", text))
    assert list(sheet.index) == ["A1", "B1"]
    assert list(sheet.columns) == ["condition"]


def test_blank_lines_and_surrounding_spaces_are_ignored() -> None:
    sheet = parse_sample_sheet("\nsample\tcondition\n\n A1 \t control \n\nB1\ttreated\n\n", source="s.tsv")
    assert list(sheet.index) == ["A1", "B1"]
    assert list(sheet["condition"]) == ["control", "treated"]


@pytest.mark.parametrize("sample_id", ["S-1", "s.1", "sample 1", "1A", "007", "a_b+c", "x" * 100])
def test_plain_ids_are_accepted_verbatim(sample_id: str) -> None:
    sheet = parse_sample_sheet(f"sample\tcondition\n{sample_id}\tc\nother\tc\n", source="s.tsv")
    assert list(sheet.index) == [sample_id, "other"]


def test_numeric_looking_ids_stay_text() -> None:
    sheet = parse_sample_sheet("sample\tcondition\n007\tc\n1e3\tc\n", source="s.tsv")
    assert list(sheet.index) == ["007", "1e3"]


def test_batch_coded_as_numbers_stays_text_without_continuous() -> None:
    sheet = parse_sample_sheet("sample\tbatch\na\t1\nb\t2\nc\t3\n", source="s.tsv")
    assert list(sheet["batch"]) == ["1", "2", "3"]
    assert all(isinstance(v, str) for v in sheet["batch"])


def test_continuous_column_is_parsed_as_float_others_stay_text() -> None:
    text = "sample\tage\tbatch\na\t1\t1\nb\t2.5\t2\nc\t-3e1\t3\n"
    sheet = parse_sample_sheet(text, source="s.tsv", continuous=["age"])
    assert sheet["age"].dtype == float
    assert list(sheet["age"]) == [1.0, 2.5, -30.0]
    assert list(sheet["batch"]) == ["1", "2", "3"]


# --- errors ------------------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.tsv"
    with pytest.raises(InputError, match="The sample sheet does not exist") as info:
        read_sample_sheet(path)
    assert str(path) in str(info.value)
    assert "no such file" in str(info.value)


def test_empty_file(tmp_path: Path) -> None:
    path = write(tmp_path, "s.tsv", b"")
    with pytest.raises(InputError, match=r"The sample sheet is empty \(0 bytes\)") as info:
        read_sample_sheet(path)
    assert str(path) in str(info.value)


def test_only_blank_lines() -> None:
    with pytest.raises(InputError, match=r"holds no rows\.\n  file: s.tsv"):
        parse_sample_sheet("\n  \n\n", source="s.tsv")


def test_header_without_samples() -> None:
    with pytest.raises(InputError, match=r"has a header but no samples\.\n  file: s.tsv"):
        parse_sample_sheet("sample\tcondition\n", source="s.tsv")


def test_no_sample_column() -> None:
    with pytest.raises(InputError, match="no 'sample' column") as info:
        parse_sample_sheet("id\tcondition\na\tx\n", source="s.tsv")
    message = str(info.value)
    assert "file: s.tsv" in message
    assert "where: header (line 1)" in message
    assert "found: 'id', 'condition'" in message
    assert "must be named 'sample'" in message


def test_no_sample_column_hints_comma_separated_file_read_as_tsv(tmp_path: Path) -> None:
    path = write(tmp_path, "samples.tsv", "sample,condition\na,x\nb,y\n")
    with pytest.raises(InputError, match="no 'sample' column") as info:
        read_sample_sheet(path)
    message = str(info.value)
    assert f"file: {path}" in message
    assert "found: 'sample,condition'" in message
    assert "looks comma-separated" in message


def test_no_sample_column_hints_tab_separated_file_read_as_csv(tmp_path: Path) -> None:
    path = write(tmp_path, "samples.csv", "sample\tcondition\na\tx\n")
    with pytest.raises(InputError, match="looks tab-separated") as info:
        read_sample_sheet(path)
    assert f"file: {path}" in str(info.value)


def test_header_line_number_counts_leading_blank_lines() -> None:
    with pytest.raises(InputError, match=r"where: header \(line 3\)"):
        parse_sample_sheet("\n\nid\tcondition\na\tx\n", source="s.tsv")


def test_empty_column_name() -> None:
    where = r"column without a name\.\n  file: s.tsv\n  where: header \(line 1\), column 3"
    with pytest.raises(InputError, match=where):
        parse_sample_sheet("sample\tcondition\t\na\tx\t\n", source="s.tsv")


def test_duplicate_column_names() -> None:
    with pytest.raises(InputError, match=r"two columns of the same name") as info:
        parse_sample_sheet("sample\tbatch\tcondition\tbatch\na\t1\tx\t1\n", source="s.tsv")
    message = str(info.value)
    assert "file: s.tsv" in message
    assert "where: header (line 1)" in message
    assert "found: batch" in message


def test_ragged_row() -> None:
    text = "sample\tcondition\tbatch\na\tx\t1\nb\ty\n"
    with pytest.raises(InputError, match="different number of fields than the header") as info:
        parse_sample_sheet(text, source="s.tsv")
    message = str(info.value)
    assert "file: s.tsv" in message
    assert "where: line 3\n" in message
    assert "found: 2 fields" in message
    assert "allowed: 3 fields, as in the header (sample, condition, batch)" in message


def test_ragged_row_line_number_counts_blank_lines() -> None:
    text = "sample\tcondition\n\na\tx\n\nb\ty\textra\n"
    with pytest.raises(InputError, match=r"where: line 5\n"):
        parse_sample_sheet(text, source="s.tsv")


def test_duplicate_sample_ids() -> None:
    text = "sample\tcondition\na\tx\nb\tx\na\ty\nb\ty\nc\ty\n"
    with pytest.raises(InputError, match="Sample IDs appear more than once") as info:
        parse_sample_sheet(text, source="s.tsv")
    message = str(info.value)
    assert "file: s.tsv" in message
    assert "where: column 'sample'" in message
    assert "found: a, b\n" in message


@pytest.mark.parametrize("bad", ["../x", ".hidden", "a/b", "a\\b", "x" * 101, "a;b", "a\x01b", "a\u200bb", "a\u202eb"])
def test_unsafe_sample_ids_are_rejected(bad: str) -> None:
    text = f"sample\tcondition\nok\tx\n{bad}\ty\n"
    with pytest.raises(InputError, match="cannot be used safely in file names") as info:
        parse_sample_sheet(text, source="s.tsv")
    message = str(info.value)
    assert "file: s.tsv" in message
    assert "where: line 3, column 'sample'" in message
    assert f"found: {bad!r}" in message


def test_empty_sample_id_is_rejected() -> None:
    with pytest.raises(
        InputError, match=r"A sample ID is empty.\n.*\n  where: line 2, column 'sample'\n  found: an empty value"
    ):
        parse_sample_sheet("sample\tcondition\n\tx\nb\ty\n", source="s.tsv")


def test_unsafe_id_line_number_counts_blank_lines() -> None:
    with pytest.raises(InputError, match=r"where: line 5, column 'sample'"):
        parse_sample_sheet("sample\tcondition\n\na\tx\n\n../c\tz\n", source="s.tsv")


def test_check_safe_id_rejects_trailing_space() -> None:
    with pytest.raises(InputError, match=re.escape("found: 'a '")):
        check_safe_id("a ", kind="sample ID", file="f", where="w")
    check_safe_id("a b", kind="sample ID", file="f", where="w")  # inner space is fine


def test_continuous_column_with_text() -> None:
    text = "sample\tage\na\t30\nb\tunknown\nc\t40\n"
    with pytest.raises(InputError, match="continuous covariate holds a value that is not a number") as info:
        parse_sample_sheet(text, source="s.tsv", continuous=["age"])
    message = str(info.value)
    assert "file: s.tsv" in message
    assert "where: line 3, column 'age'" in message
    assert "found: 'unknown'" in message


def test_continuous_column_with_empty_value_line_counts_blank_lines() -> None:
    text = "sample\tage\tcondition\na\t30\tx\n\nb\t\ty\n"
    with pytest.raises(InputError, match=r"where: line 4, column 'age'\n  found: ''"):
        parse_sample_sheet(text, source="s.tsv", continuous=["age"])


def test_continuous_column_not_in_sheet() -> None:
    with pytest.raises(InputError, match="is not a covariate of the sample sheet") as info:
        parse_sample_sheet("sample\tcondition\na\tx\n", source="s.tsv", continuous=["age"])
    message = str(info.value)
    assert "file: s.tsv" in message
    assert "found: age" in message
    assert "allowed: condition" in message


def test_non_utf8_sheet(tmp_path: Path) -> None:
    path = write(tmp_path, "s.tsv", "sample\tcondition\na\tcontrôle\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"not UTF-8 text") as info:
        read_sample_sheet(path)
    assert f"file: {path}" in str(info.value)
    assert "where: byte 24" in str(info.value)


def test_returned_frame_is_plain_dataframe() -> None:
    sheet = parse_sample_sheet("sample\tcondition\na\tx\n", source="s.tsv")
    assert isinstance(sheet, pd.DataFrame)
    assert sheet.shape == (1, 1)


def test_the_sample_column_cannot_be_continuous() -> None:
    from degsea.inputs.sheet import parse_sample_sheet

    with pytest.raises(
        InputError,
        match=r"A column named in config 'continuous' is not a covariate of the sample sheet\.\n  file: s.tsv\n  "
        r"found: sample",
    ):
        parse_sample_sheet("sample\tA\n0\t0\n", source="s.tsv", continuous=["sample"])
