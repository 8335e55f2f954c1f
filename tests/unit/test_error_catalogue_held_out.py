"""Held-out bad inputs (issue 16), by family, on the catalogue's small study.

The families new users meet that the first catalogue (test_error_catalogue.py) did not hold:
spreadsheet damage (dates made of gene names, decimal commas, semicolons, encodings), files
saved on Windows, Unicode sample IDs, counts above 2^31, a merged HTSeq-count matrix, checks
between config values, output names that collide on case-insensitive file systems, a full
disk or a read-only results folder, and a file of another kind given as a table.

Each bad case runs what a user's run runs (the up-front check, then the failing job's step)
with the catalogue's harness and asserts the message and that ``results/`` holds no file.
Each odd-but-valid case must give the same tables as its clean version.
"""

from __future__ import annotations

import errno
import gzip
import io
import logging
import re
import tarfile
import unicodedata
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from test_error_catalogue import (
    GMT,
    SAMPLES,
    SYMBOLS,
    Case,
    Study,
    check_case,
    count_rows,
    counts_text,
    esc,
    gzipped,
    run,
    sheet_text,
    valid_study,
)

from degsea.errors import InputError, OutputError

CASES: list[Case] = []


def case(name: str, *match: str, stage: str = "check"):  # noqa: ANN201 - a decorator
    """Register the decorated mutation as a held-out case (same fields as the catalogue's)."""

    def register(mutate):  # noqa: ANN001, ANN202
        CASES.append(Case(name, mutate, tuple(match), stage))
        return mutate

    return register


def _files(directory: Path) -> list[str]:
    return (
        sorted(str(p.relative_to(directory)) for p in directory.rglob("*") if not p.is_dir())
        if directory.exists()
        else []
    )


# --- spreadsheet damage and European-locale exports ---------------------------------------------


@case(
    "europe: count matrix saved as semicolon CSV",
    esc("The count matrix is semicolon-separated: a spreadsheet export in a European locale."),
    r"file: .*counts\.csv",
    "Text \\(Tab delimited\\)",
)
def _(study: Study) -> None:
    study.counts(counts_text(sep=";"), name="counts.csv")


@case(
    "europe: semicolon matrix named .tsv",
    esc("The count matrix is semicolon-separated: a spreadsheet export in a European locale."),
    r"file: .*counts\.tsv",
)
def _(study: Study) -> None:
    study.counts(counts_text(sep=";"))


@case(
    "europe: sample sheet saved as semicolon CSV",
    esc("The sample sheet is semicolon-separated: a spreadsheet export in a European locale."),
    r"file: .*samples\.csv",
    esc("header (line 1)"),
)
def _(study: Study) -> None:
    study.sheet(sheet_text(header="sample;condition;batch", sep=";"), name="samples.csv")


@case(
    "europe: decimal comma in a count",
    esc("The count matrix holds a number written with a comma (a decimal comma or a thousands separator)."),
    esc("column 'c2'"),
    esc("found: '12,0'"),
    stage="import_counts",
)
def _(study: Study) -> None:
    rows = count_rows()
    rows[0][3] = "12,0"
    study.counts(counts_text(rows))


@case(
    "europe: thousands separators in a count",
    esc("The count matrix holds a number written with thousands separators."),
    esc("found: '1.234.567'"),
    stage="import_counts",
)
def _(study: Study) -> None:
    rows = count_rows()
    rows[4][2] = "1.234.567"
    study.counts(counts_text(rows))


@case(
    "europe: decimal comma in a continuous covariate",
    esc("A continuous covariate holds a number with a decimal comma."),
    esc("where: line 2, column 'age'"),
    esc("found: '30,5'"),
)
def _(study: Study) -> None:
    study.sheet(
        sheet_text(
            [
                [s, c, f"{30 + i},5"]
                for i, (s, c) in enumerate(zip(SAMPLES, ["ctrl"] * 3 + ["treated"] * 3, strict=False))
            ],
            header="sample\tcondition\tage",
        )
    )
    study.config["continuous"] = ["age"]


@case("europe: GMT saved with semicolons", esc("A GMT line is not a gene set."), "semicolon", esc("where: line 1"))
def _(study: Study) -> None:
    study.gmt(GMT.replace("\t", ";"))


@case(
    "encoding: count matrix in Latin-1 (Windows-1252)",
    esc("The count matrix is not UTF-8 text."),
    "Latin-1",
    "iconv",
    stage="import_counts",
)
def _(study: Study) -> None:
    rows = count_rows()
    rows[0][1] = "G\u00e8ne1"
    study.counts(counts_text(rows).encode("cp1252"))


@case("encoding: GMT in Latin-1", esc("A gene-set file is not UTF-8 text."), "Latin-1", "iconv")
def _(study: Study) -> None:
    study.gmt(GMT.replace("first", "premi\u00e8re").encode("latin-1"))


@case(
    "encoding: count matrix in UTF-16 (Excel 'Unicode Text')",
    esc("The count matrix is UTF-16 text, not UTF-8."),
    "iconv",
    stage="import_counts",
)
def _(study: Study) -> None:
    study.counts(counts_text().encode("utf-16"))


@case("encoding: GMT in UTF-16", esc("A gene-set file is UTF-16 text, not UTF-8."), "iconv")
def _(study: Study) -> None:
    study.gmt(GMT.encode("utf-16"))


# --- a file of another kind given as a table ----------------------------------------------------


def _tar_gz(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _zip(entries: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in entries.items():
            archive.writestr(name, text)
    return buffer.getvalue()


#: name -> (file name, content, what the message calls it, a fragment of the fix)
FOREIGN: dict[str, tuple[str, bytes, str, str]] = {
    "BAM": ("sample1.bam", gzip.compress(b"BAM\x01" + bytes(60)), "a BAM file of aligned reads", "featureCounts"),
    "BAM named .tsv": (
        "counts.tsv",
        gzip.compress(b"BAM\x01" + bytes(60)),
        "a BAM file of aligned reads",
        "featureCounts",
    ),
    "SAM": (
        "counts.tsv",
        b"@HD\tVN:1.6\n@SQ\tSN:chr1\tLN:1000\nr1\t0\tchr1\t1\t60\t4M\t*\t0\t0\tACGT\tIIII\n",
        "a SAM file of aligned reads",
        "featureCounts",
    ),
    "FASTQ (gzipped)": (
        "counts.tsv.gz",
        gzip.compress(b"@r1\nACGT\n+\nIIII\n@r2\nACGT\n+\nIIII\n"),
        "a FASTQ file of sequencing reads",
        "Salmon",
    ),
    "tar.gz of the count files": (
        "counts.tar.gz",
        _tar_gz("counts.tsv", b"gene_id\tc1\n"),
        "a tar archive (.tar.gz)",
        "tar -xf",
    ),
    "Excel workbook": (
        "counts.xlsx",
        _zip({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<workbook/>"}),
        "an Excel workbook (.xlsx)",
        "Text (Tab delimited)",
    ),
    "LibreOffice spreadsheet": (
        "counts.ods",
        _zip({"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<x/>"}),
        "an OpenDocument spreadsheet (.ods)",
        "Text CSV",
    ),
    "old Excel (.xls)": (
        "counts.xls",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(200),
        "an old Excel workbook (.xls)",
        "Text (Tab delimited)",
    ),
    "web page saved instead of the file": (
        "GSE1_counts.txt.gz",
        b"<!DOCTYPE html>\n<html><head><title>GEO Accession viewer</title></head></html>\n",
        "a web page (HTML)",
        "curl -L",
    ),
    "PDF supplement": (
        "counts.tsv",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n",
        "a PDF document",
        "download the table itself",
    ),
    "R object (.rds)": (
        "counts.rds",
        gzip.compress(b"X\n\x00\x00\x00\x03\x00\x04\x03\x00"),
        "an R data file (.rds or .RData)",
        "write.table",
    ),
    "Parquet": ("counts.parquet", b"PAR1" + bytes(40) + b"PAR1", "an Apache Parquet file", "read_parquet"),
    "bzip2": (
        "counts.tsv.bz2",
        b"BZh91AY&SY" + bytes(40),
        "a file compressed with bzip2, which degsea does not read",
        "bunzip2",
    ),
    "xz": (
        "counts.tsv.xz",
        b"\xfd7zXZ\x00" + bytes(40),
        "a file compressed with xz, which degsea does not read",
        "unxz",
    ),
    "zstd": (
        "counts.tsv.zst",
        b"\x28\xb5\x2f\xfd" + bytes(40),
        "a file compressed with zstd, which degsea does not read",
        "unzstd",
    ),
    "gzipped twice": (
        "counts.tsv.gz.gz",
        gzip.compress(gzip.compress(b"gene_id\tc1\n")),
        "a gzip file compressed twice",
        "gunzip",
    ),
    "FASTA": ("counts.fa", b">ENSMUST0001\nACGTACGT\n", "a FASTA file of sequences", "count"),
    "JSON": ("counts.json", b'{"genes": ["Gene1"]}\n', "a JSON document", "TSV"),
}


@pytest.mark.parametrize("kind", list(FOREIGN))
def test_a_file_of_another_kind_as_the_count_matrix_is_named(kind: str, tmp_path: Path) -> None:
    name, content, what, fix = FOREIGN[kind]
    study = valid_study(tmp_path / "study")
    study.counts(content, name=name)
    results = tmp_path / "results"
    with pytest.raises(InputError) as info:
        run(study, stage="import_counts", results=results, work=tmp_path / "work")
    message = str(info.value)
    assert message.startswith(f"The count matrix is not a text table: it is {what}"), message
    assert f"file: {study.config['counts']['path']}" in message
    assert fix in info.value.hint, message
    assert _files(results) == []


@pytest.mark.parametrize("kind", ["web page saved instead of the file", "Excel workbook", "PDF supplement"])
def test_a_file_of_another_kind_as_the_sheet_or_gene_sets_is_named(kind: str, tmp_path: Path) -> None:
    name, content, what, fix = FOREIGN[kind]
    for role in ("sheet", "gmt"):
        study = valid_study(tmp_path / role)
        getattr(study, role)(content, name=f"{role}_{name}")
        with pytest.raises(InputError) as info:
            run(study, stage="check", results=tmp_path / "results", work=tmp_path / "work")
        label = "The sample sheet" if role == "sheet" else "The gene-set file"
        assert str(info.value).startswith(f"{label} is not a text table: it is {what}"), str(info.value)
        assert fix in info.value.hint


# --- checks between config values --------------------------------------------------------------


@case(
    "config: ranked by shrunken LFC without shrinkage",
    esc("GSEA ranks genes by shrunken fold changes, but shrinkage is switched off."),
    esc("where: config 'gsea: rank_by', 'de: shrink'"),
)
def _(study: Study) -> None:
    study.config["gsea"]["rank_by"] = "log2FoldChange_shrunk"
    study.config["de"] = {"shrink": False}


@case(
    "config: ortholog collections without a table",
    esc("Collections are to be translated with orthologs, but no ortholog table is given."),
    esc("where: config 'gsea: orthologs: table'"),
)
def _(study: Study) -> None:
    study.config["gsea"]["orthologs"] = {"collections": [study.config["gsea"]["genesets"][0]]}


@case(
    "config: an ortholog table that translates nothing",
    esc("An ortholog table is given, but no collection is named to translate with it."),
    esc("where: config 'gsea: orthologs: collections'"),
)
def _(study: Study) -> None:
    study.config["gsea"]["orthologs"] = {"table": study.write("orthologs.tsv", "fromSymbol\ttoSymbol\nTP53\tTrp53\n")}


# --- output names that collide on case-insensitive file systems (macOS, Windows) ---------------


@case(
    "collision: contrast names that differ only in case",
    esc(
        "Contrast names differ only in upper/lower case: their result files would overwrite each other on macOS and "
        "Windows."
    ),
    esc("found: 'treated_vs_ctrl' and 'Treated_vs_ctrl'"),
    esc("where: config 'contrasts'"),
)
def _(study: Study) -> None:
    study.config["contrasts"]["Treated_vs_ctrl"] = {"variable": "condition", "test": "ctrl", "reference": "treated"}


@case(
    "collision: focus sets whose figure files differ only in case",
    esc("Focus sets would share figure files: their file names differ only in case or punctuation."),
    esc("found: 'SET_A' and 'set_a'"),
    esc("where: config 'gsea: focus_sets'"),
)
def _(study: Study) -> None:
    study.gmt(GMT + "set_a\tlower\t" + "\t".join(SYMBOLS[40:60]) + "\n")
    study.config["gsea"]["focus_sets"] = ["SET_A", "set_a"]


# --- the test of every case above ----------------------------------------------------------------


@pytest.mark.parametrize("bad", CASES, ids=[c.name for c in CASES])
def test_held_out_bad_input_stops_with_its_message_and_writes_nothing(bad: Case, tmp_path: Path) -> None:
    check_case(bad, tmp_path)


# --- a full disk, a read-only results folder ---------------------------------------------------


@pytest.mark.parametrize(
    ("code", "what"),
    [
        (errno.ENOSPC, "the disk is full"),
        (errno.EDQUOT, "the disk quota is used up"),
        (errno.EROFS, "read-only file system"),
        (errno.EACCES, "permission denied"),
    ],
)
@pytest.mark.parametrize("stage", ["import_counts", "prepare_genesets", "deseq2"])
def test_a_failed_write_names_the_file_and_the_os_error(
    stage: str, code: int, what: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """OSError at the write edge (every job writes through degsea.io.atomic_path): one message, no file."""
    study = valid_study(tmp_path / "study")
    results, work = tmp_path / "results", tmp_path / "work"
    real_replace = __import__("os").replace

    def replace(source, target):  # noqa: ANN001, ANN202
        if Path(target).is_relative_to(results):
            raise OSError(code, __import__("os").strerror(code), str(target))
        return real_replace(source, target)

    monkeypatch.setattr("degsea.io.os.replace", replace)
    with pytest.raises(OutputError) as info:
        run(study, stage=stage, results=results, work=work)
    message = str(info.value)
    assert message.startswith("A result file cannot be written: "), message
    assert what in message
    assert f"[Errno {code}]" in message
    assert re.search(rf"file: {re.escape(str(results))}/\S+", message), message
    assert "run the same command again" in info.value.hint
    assert _files(results) == [], "no partial or temporary file is left"


def test_an_unwritable_results_folder_is_named_before_any_job(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from degsea.io import check_writable

    results = tmp_path / "results"

    def read_only(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr("degsea.io.tempfile.TemporaryFile", read_only)
    with pytest.raises(
        OutputError,
        match=re.escape(f"The folder '{results}' cannot be written to: the folder is on a read-only file system."),
    ) as info:
        check_writable(results)
    assert "[Errno 30] Read-only file system" in str(info.value)
    assert not results.exists()


def test_a_writable_folder_passes_and_is_left_as_it_was(tmp_path: Path) -> None:
    from degsea.io import check_writable

    check_writable(tmp_path / "results" / "de")  # does not exist yet: its parent is probed
    assert list(tmp_path.iterdir()) == []


# --- odd but valid: the same tables as the clean study ------------------------------------------


def _tables(study: Study, root: Path) -> dict[str, bytes]:
    """The DE tables and imported counts of a study run through every stage."""
    results, work = root / "results", root / "work"
    run(study, stage="deseq2", results=results, work=work)
    return {p.name: p.read_bytes() for p in sorted((results / "de").glob("*.tsv"))}


@pytest.fixture(scope="module")
def clean_tables(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    root = tmp_path_factory.mktemp("clean")
    return _tables(valid_study(root / "study"), root)


def _crlf(study: Study) -> None:
    study.sheet(sheet_text().replace("\n", "\r\n"))
    study.counts(counts_text().replace("\n", "\r\n"))
    study.gmt(GMT.replace("\n", "\r\n"))
    Path(study.config_file).write_bytes(yaml.safe_dump(study.config, sort_keys=False).replace("\n", "\r\n").encode())
    study.raw_config = True


def _bom_everywhere(study: Study) -> None:
    study.sheet("\ufeff" + sheet_text())
    study.counts(gzipped("\ufeff" + counts_text()), name="counts.tsv.gz")
    study.gmt("\ufeff" + GMT)


def _htseq_merged(study: Study) -> None:
    summary = ["__no_feature", "__ambiguous", "__too_low_aQual", "__not_aligned", "__alignment_not_unique"]
    study.counts(counts_text(count_rows() + [[name, "", *["500"] * len(SAMPLES)] for name in summary]))


def _star_merged(study: Study) -> None:
    summary = ["N_unmapped", "N_multimapping", "N_noFeature", "N_ambiguous"]
    study.counts(counts_text([[name, "", *["900"] * len(SAMPLES)] for name in summary] + count_rows()))


#: name -> the change; each must give byte-identical DE tables to the clean study.
SAME_TABLES = {
    "Windows line ends in every text input (sheet, matrix, GMT, config)": _crlf,
    "UTF-8 byte-order marks (sheet, gzipped matrix, GMT)": _bom_everywhere,
    "merged HTSeq-count matrix with its __no_feature-style rows": _htseq_merged,
    "merged STAR matrix with its N_unmapped-style rows": _star_merged,
}


@pytest.mark.parametrize("name", list(SAME_TABLES))
def test_odd_but_valid_study_gives_the_clean_tables(name: str, tmp_path: Path, clean_tables: dict[str, bytes]) -> None:
    study = valid_study(tmp_path / "study")
    SAME_TABLES[name](study)
    assert _tables(study, tmp_path) == clean_tables


def test_merged_htseq_summary_rows_are_dropped_and_reported(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    import anndata as ad

    study = valid_study(tmp_path / "study")
    _htseq_merged(study)
    with caplog.at_level(logging.INFO):
        run(study, stage="import_counts", results=tmp_path / "results", work=tmp_path / "work")
    adata = ad.read_h5ad(tmp_path / "results" / "counts.h5ad")
    assert not any(g.startswith("__") for g in adata.var_names)
    report = [r.getMessage() for r in caplog.records if "summary rows" in r.getMessage()]
    assert report, caplog.text
    assert (
        "__no_feature" in report[0]
        and "__alignment_not_unique" in report[0]
        and "5 count-tool summary rows" in report[0]
    )


def test_unicode_sample_ids_give_the_clean_tables(tmp_path: Path, clean_tables: dict[str, bytes]) -> None:
    """tumör_1 ... : accepted, kept as spelled, and the tables match the ASCII study's."""
    import anndata as ad

    names = {"c1": "tumör_1", "c2": "Probe_α", "t1": "患者_1", "t2": "Ünal-2"}
    renamed = [names.get(s, s) for s in SAMPLES]
    study = valid_study(tmp_path / "study")
    study.sheet(
        sheet_text(
            [
                [s, c, b]
                for s, c, b in zip(renamed, ["ctrl"] * 3 + ["treated"] * 3, ["b1", "b2", "b3"] * 2, strict=False)
            ]
        )
    )
    study.counts(counts_text(header=["gene_id", "symbol", *renamed]))
    tables = _tables(study, tmp_path)
    assert tables.keys() == clean_tables.keys()
    for name, content in tables.items():
        if name == "normalized_counts.tsv":
            header, body = content.decode().split("\n", 1)
            clean_header, clean_body = clean_tables[name].decode().split("\n", 1)
            for old, new in names.items():
                clean_header = clean_header.replace(f"\t{old}", f"\t{new}")
            assert (header, body) == (clean_header, clean_body)
        else:
            assert content == clean_tables[name], name
    adata = ad.read_h5ad(tmp_path / "work" / "counts.h5ad")
    assert list(adata.obs_names) == renamed


def test_unicode_ids_match_across_normalisation_forms(tmp_path: Path) -> None:
    """A sheet typed on Linux/Windows (NFC) and a matrix made on macOS (NFD) name the same samples."""
    study = valid_study(tmp_path / "study")
    study.sheet(sheet_text().replace("c1\t", unicodedata.normalize("NFC", "tumör_1") + "\t", 1))
    study.counts(counts_text().replace("\tc1\t", "\t" + unicodedata.normalize("NFD", "tumör_1") + "\t", 1))
    run(study, stage="import_counts", results=tmp_path / "results", work=tmp_path / "work")


@pytest.mark.parametrize("value", ["tumor\u200b1", "a\u202eb", "tab\x07bell", "../c1", ".hidden", "c/1"])
def test_unsafe_unicode_is_still_refused(value: str, tmp_path: Path) -> None:
    study = valid_study(tmp_path / "study")
    study.sheet(sheet_text().replace("c1\t", value + "\t", 1))
    with pytest.raises(InputError, match=esc("A sample ID cannot be used safely in file names and tables.")):
        run(study, stage="check", results=tmp_path / "results", work=tmp_path / "work")


def test_counts_above_2_31_are_read_exactly_and_give_the_same_tables_from_any_reader(tmp_path: Path) -> None:
    """Counts beyond int32 (and beyond float32's integers) stay exact: TSV and .h5ad give the same tables."""
    import anndata as ad

    rows = count_rows()
    big = [2**31 + 7, 2**32 + 1, 3 * 2**33 + 5]
    for i, value in enumerate(big):
        rows[i][2] = str(value)
        rows[i][5] = str(value - 3)
    study = valid_study(tmp_path / "tsv" / "study")
    study.counts(counts_text(rows))
    from_text = _tables(study, tmp_path / "tsv")
    adata = ad.read_h5ad(tmp_path / "tsv" / "work" / "counts.h5ad")
    assert adata.X.dtype == np.int64
    assert [int(adata.X[0, i]) for i in range(3)] == big
    normalized = pd.read_csv(io.BytesIO(from_text["normalized_counts.tsv"]), sep="\t", index_col=0)
    assert (normalized["c1"].iloc[:3] > 2**30).all()
    # the same counts as an .h5ad (int64 X): another reader, the same tables
    h5ad_study = valid_study(tmp_path / "h5ad" / "study")
    h5ad_path = tmp_path / "h5ad" / "study" / "inputs" / "counts.h5ad"
    sheet = pd.read_csv(study.config["samples"], sep="\t", dtype=str).set_index("sample")
    ad.AnnData(
        X=adata.X.copy(), obs=pd.DataFrame(index=pd.Index(adata.obs_names, name="sample")),
        var=pd.DataFrame(
            {"symbol": adata.var["symbol"].astype(str).to_numpy()}, index=pd.Index(adata.var_names, name="gene_id")
        ),
    ).write_h5ad(h5ad_path)  # fmt: skip
    assert list(sheet.index) == SAMPLES
    h5ad_study.config["counts"]["path"] = str(h5ad_path)
    assert _tables(h5ad_study, tmp_path / "h5ad") == from_text


# --- spreadsheet dates: warned about, by name ---------------------------------------------------


def test_gene_names_turned_into_dates_are_named_in_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Excel turns MARCHF1 / SEPTIN2 (formerly MARCH1 / SEPT2) into 1-Mar / 2-Sep (Ziemann et al. 2016)."""
    study = valid_study(tmp_path / "study")
    rows = count_rows()
    rows[0][1], rows[1][1], rows[2][1], rows[3][0] = "1-Mar", "2-Sep", "2006-03-01", "2.31E+13"
    study.counts(counts_text(rows))
    with caplog.at_level(logging.WARNING):
        run(study, stage="import_counts", results=tmp_path / "results", work=tmp_path / "work")
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and "dates" in r.getMessage()]
    assert len(warnings) == 1, caplog.text
    for name in ("'1-Mar'", "'2-Sep'", "'2006-03-01'", "'2.31E+13'"):
        assert name in warnings[0]
    assert "Ziemann" in warnings[0]
    assert _files(tmp_path / "results") == ["counts.h5ad"]  # a warning, not a stop


def test_real_symbols_that_look_like_months_are_not_flagged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    study = valid_study(tmp_path / "study")
    rows = count_rows()
    rows[0][1], rows[1][1], rows[2][1] = "MARCHF1", "SEPTIN2", "Dec1"
    study.counts(counts_text(rows))
    with caplog.at_level(logging.WARNING):
        run(study, stage="import_counts", results=tmp_path / "results", work=tmp_path / "work")
    assert not [r for r in caplog.records if "dates" in r.getMessage()], caplog.text


def test_the_held_out_catalogue_covers_every_family() -> None:
    families = {c.name.split(":")[0] for c in CASES}
    assert {"europe", "encoding", "config", "collision"} <= families
    assert len(CASES) + len(FOREIGN) >= 34  # 35 before the retired 'max_permutations' cross-check left
