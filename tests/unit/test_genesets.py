"""Tests of the GMT reader (degsea.gsea.collections)."""

from __future__ import annotations

from pathlib import Path

import pytest

from degsea.errors import InputError
from degsea.gsea.collections import GeneSet, parse_gmt, read_gmt


def test_parse_gmt_basic() -> None:
    sets = parse_gmt("SET_A\thttp://a\tG1\tG2\tG3\nSET_B\t\tG4\n", source="x.gmt")
    assert list(sets) == ["SET_A", "SET_B"]
    assert sets["SET_A"] == GeneSet(name="SET_A", description="http://a", genes=("G1", "G2", "G3"))
    assert sets["SET_B"].description == ""
    assert sets["SET_B"].genes == ("G4",)


def test_blank_lines_whitespace_and_duplicate_genes() -> None:
    text = "\n  \nSET_A \t desc \t G1 \tG2\t\tG1\t G2\tG3 \n\n\r\nSET_B\tdesc\tG9\t\n"
    sets = parse_gmt(text, source="x.gmt")
    assert list(sets) == ["SET_A", "SET_B"]
    assert sets["SET_A"].description == "desc"
    assert sets["SET_A"].genes == ("G1", "G2", "G3")  # first occurrence kept, order kept
    assert sets["SET_B"].genes == ("G9",)


def test_crlf_and_bom(tmp_path: Path) -> None:
    path = tmp_path / "x.gmt"
    path.write_bytes(b"\xef\xbb\xbfSET_A\td\tG1\tG2\r\nSET_B\td\tG3\r\n")
    sets = read_gmt(path)
    assert list(sets) == ["SET_A", "SET_B"]  # no '\ufeffSET_A'
    assert sets["SET_A"].genes == ("G1", "G2")  # no 'G2\r'


@pytest.mark.parametrize(
    "line",
    [
        "SET_A",  # name only
        "SET_A\tdesc",  # no genes
        "SET_A\tdesc\t\t ",  # only empty gene fields
        "\tdesc\tG1",  # no name
        "SET_A desc G1 G2",  # spaces instead of tabs
    ],
)
def test_line_that_is_not_a_set(line: str) -> None:
    text = f"OK\td\tG1\n\n{line}\n"
    with pytest.raises(InputError, match="A GMT line is not a gene set") as info:
        parse_gmt(text, source="x.gmt")
    message = str(info.value)
    assert "file: x.gmt" in message
    assert "where: line 3\n" in message  # the blank line counts
    assert f"found: {line}" in message


def test_long_bad_line_is_shortened() -> None:
    line = "A" * 200
    with pytest.raises(InputError, match=r"found: A{77}\.\.\.\n"):
        parse_gmt(line, source="x.gmt")


def test_duplicate_set_names() -> None:
    with pytest.raises(InputError, match="A gene-set name appears twice") as info:
        parse_gmt("SET_A\td\tG1\nSET_B\td\tG2\nSET_A\td\tG3\n", source="x.gmt")
    message = str(info.value)
    assert "file: x.gmt" in message
    assert "where: line 3" in message
    assert "found: SET_A" in message


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.gmt"
    path.write_bytes(b"")
    with pytest.raises(InputError, match="holds no gene set") as info:
        read_gmt(path)
    assert f"file: {path}" in str(info.value)


def test_blank_lines_only() -> None:
    with pytest.raises(InputError, match=r"holds no gene set\.\n  file: x.gmt"):
        parse_gmt("\n \n\t\n", source="x.gmt")


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "latin.gmt"
    path.write_bytes("SET\td\tG1\tCafé\n".encode("latin-1"))
    with pytest.raises(InputError, match="is not UTF-8 text") as info:
        read_gmt(path)
    message = str(info.value)
    assert f"file: {path}" in message
    assert "where: byte 12" in message


def test_gzipped_file_is_read(tmp_path: Path) -> None:
    import gzip

    path = tmp_path / "x.gmt.gz"
    path.write_bytes(gzip.compress(b"SET\td\tG1\tG2\n"))
    assert read_gmt(path)["SET"].genes == ("G1", "G2")


def test_latin1_file_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "x.gmt"
    path.write_bytes("SET\tpremi\u00e8re\tG1\n".encode("latin-1"))
    with pytest.raises(InputError, match="is not UTF-8 text"):
        read_gmt(path)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.gmt"
    with pytest.raises(InputError, match="A gene-set file does not exist") as info:
        read_gmt(path)
    message = str(info.value)
    assert f"file: {path}\n  found: no such file" in message
    assert "gsea: genesets:" in message


def test_read_gmt_from_file(tmp_path: Path) -> None:
    path = tmp_path / "x.gmt"
    path.write_text("SET_A\td\tG1\tG2\n", encoding="utf-8")
    assert read_gmt(path)["SET_A"].genes == ("G1", "G2")
    assert read_gmt(str(path))["SET_A"].genes == ("G1", "G2")


def test_directory_instead_of_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="A gene-set file does not exist") as info:
        read_gmt(tmp_path)
    assert f"file: {tmp_path}\n  found: a directory" in str(info.value)
