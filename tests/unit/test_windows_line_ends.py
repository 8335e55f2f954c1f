"""Windows line ends (CRLF) in every text input give what the LF files give (issue 16).

Every count format's files, the sample sheet, the gene-ID annotation (ID table or GTF), the
transcript-to-gene table, GMT files and the ortholog table are written once with LF and once
with CRLF (gzipped or not, as the format's writer does); the imported counts and the parsed
tables must be identical.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
import pytest
import test_formats as formats

from degsea.gsea.collections import read_gmt, read_orthologs
from degsea.inputs.annotation import read_gtf, read_id_table, read_tx2gene


def crlf_write(path: Path, content: str, *, gz: bool = False) -> Path:
    """test_formats.write, with Windows line ends."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = content.replace("\n", "\r\n").encode()
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


#: name -> (make the files in a directory, the import's counts settings); each returns the sheet's paths or None.
FORMATS = {
    "matrix": lambda d: ({"path": str(formats.matrix_file(d))}, None),
    "gzipped matrix": lambda d: ({"path": str(formats.matrix_file(d, gz=True))}, None),
    "nf-core matrix": lambda d: ({"path": str(formats.nfcore_file(d))}, None),
    "featureCounts": lambda d: ({"path": str(formats.featurecounts_file(d))}, None),
    "HTSeq-count": lambda d: (formats.htseq_files(d) and {"pattern": str(d / "htseq" / "{sample}.counts")}, None),
    "STAR": lambda d: (
        formats.star_files(d)
        and {"pattern": str(d / "star" / "{sample}" / "ReadsPerGene.out.tab"), "strandedness": "reverse"},
        None,
    ),
    "RSEM genes": lambda d: ({}, formats.rsem_gene_files(d)),
    "Salmon": lambda d: _quant(d, "salmon"),
    "kallisto": lambda d: _quant(d, "kallisto"),
}


def _quant(directory: Path, kind: str) -> tuple[dict, dict]:
    files, tx2gene = formats.quant_files(directory, kind)
    return {"tx2gene": str(tx2gene), "counts_from_abundance": "no"}, files


def _import(directory: Path, name: str) -> ad.AnnData:
    counts, paths = FORMATS[name](directory)
    return formats.run_import(directory, counts, paths=paths)


@pytest.mark.parametrize("name", list(FORMATS))
def test_every_count_format_reads_the_same_with_windows_line_ends(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lf = _import(tmp_path / "lf", name)
    monkeypatch.setattr(formats, "write", crlf_write)  # the sheet, the annotation and every count file
    crlf = _import(tmp_path / "crlf", name)
    assert b"\r\n" in next((tmp_path / "crlf").rglob("samples.tsv")).read_bytes()
    assert list(crlf.obs_names) == list(lf.obs_names) == formats.SAMPLES
    np.testing.assert_array_equal(np.asarray(crlf.X), np.asarray(lf.X))
    pd.testing.assert_frame_equal(crlf.var, lf.var)
    pd.testing.assert_frame_equal(
        crlf.obs.drop(columns="path", errors="ignore"), lf.obs.drop(columns="path", errors="ignore")
    )


GTF = (
    "#!genome-build GRCm39\n"
    '1\tensembl\tgene\t100\t900\t.\t+\t.\tgene_id "ENSMUSG00000000001.5"; gene_name "Gnai3";\n'
    '1\tensembl\ttranscript\t100\t900\t.\t+\t.\tgene_id "ENSMUSG00000000001.5"; transcript_id "ENSMUST00000000001.4"; '
    'gene_name "Gnai3";\n'
)
GMT = "SET_A\tfirst\tGnai3\tPbsn\tCdc45\nSET_B\tsecond\tH19\tScml2\n"
ORTHOLOGS = "fromSymbol\ttoSymbol\nGNAI3\tGnai3\nPBSN\tPbsn\n"
ID_TABLE = "gene_id\tsymbol\nENSMUSG00000000001\tGnai3\nENSMUSG00000000003\tPbsn\n"
TX2GENE = "transcript_id\tgene_id\nENSMUST00000000001.4\tENSMUSG00000000001.5\n"


@pytest.mark.parametrize(
    ("name", "text", "read"),
    [
        ("genes.gtf.gz", GTF, lambda p: read_gtf(p).to_dict("list")),
        ("sets.gmt", GMT, lambda p: read_gmt(p)),
        ("orthologs.tsv", ORTHOLOGS, lambda p: read_orthologs(p, source_column="fromSymbol", target_column="toSymbol")),
        ("annotation.tsv", ID_TABLE, lambda p: read_id_table(str(p)).to_dict("list")),
        ("tx2gene.tsv", TX2GENE, lambda p: read_tx2gene(str(p)).to_dict("list")),
    ],
)
def test_annotation_gene_sets_and_orthologs_read_the_same_with_windows_line_ends(
    name: str, text: str, read, tmp_path: Path
) -> None:  # noqa: ANN001
    gz = name.endswith(".gz")
    lf = formats.write(tmp_path / "lf" / name, text, gz=gz)
    crlf = crlf_write(tmp_path / "crlf" / name, text, gz=gz)
    assert read(crlf) == read(lf)
