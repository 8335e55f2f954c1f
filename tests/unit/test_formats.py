"""Count inputs in every format (degsea.inputs): detection, readers, per-sample files, gene IDs.

Every fixture file is written by the test from one small table of counts, so the same counts go
through every format and must give identical AnnData objects.
"""

from __future__ import annotations

import gzip
import logging
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
import pytest

from degsea.errors import InputError
from degsea.inputs.aligner import bam_sample_names, infer_strandedness
from degsea.inputs.annotation import map_gene_ids, read_gtf, strip_ensembl_version
from degsea.inputs.counts import CountMatrix
from degsea.inputs.detect import detect_format
from degsea.inputs.files import sample_files
from degsea.inputs.read import read_counts
from degsea.inputs.sheet import read_sample_sheet
from degsea.steps.counts import import_counts

SAMPLES = ["1-a", "s.2", "tumour 3"]
GENES = [f"ENSMUSG{n:011d}" for n in (1, 3, 28, 31, 37)]
VERSIONED = [f"{g}.{v}" for g, v in zip(GENES, (5, 2, 11, 1, 17), strict=True)]
SYMBOLS = ["Gnai3", "Pbsn", "Cdc45", "H19", "Scml2"]
COUNTS = np.array([[10, 0, 5], [3, 7, 100], [0, 0, 1], [250, 180, 320], [12, 9, 0]], dtype=np.int64)
SUMMARY_HTSEQ = "__no_feature\t120\n__ambiguous\t7\n__too_low_aQual\t0\n__not_aligned\t3\n__alignment_not_unique\t41\n"


def write(path: Path, content: str, *, gz: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = content.encode()
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def sheet(directory: Path, *, paths: dict[str, Path] | None = None, strandedness: list[str] | None = None) -> Path:
    header = ["sample", "condition"] + (["path"] if paths else []) + (["strandedness"] if strandedness else [])
    rows = ["\t".join(header)]
    for i, sample in enumerate(SAMPLES):
        row = [sample, "a" if i < 2 else "b"]
        row += [str(paths[sample])] if paths else []
        row += [strandedness[i]] if strandedness else []
        rows.append("\t".join(row))
    return write(directory / "samples.tsv", "\n".join(rows) + "\n")


def annotation(directory: Path) -> Path:
    rows = ["ensembl_gene_id\tmgi_symbol\tentrez_gene_id"] + [
        f"{g}\t{s}\t{i}" for i, (g, s) in enumerate(zip(GENES, SYMBOLS, strict=True))
    ]
    return write(directory / "annotation.tsv", "\n".join(rows) + "\n")


# --- one writer per format ----------------------------------------------------------------------


def matrix_file(directory: Path, *, gz: bool = False) -> Path:
    rows = ["gene_id\t" + "\t".join(SAMPLES)] + [
        g + "\t" + "\t".join(map(str, c)) for g, c in zip(GENES, COUNTS, strict=True)
    ]
    return write(directory / ("counts.tsv.gz" if gz else "counts.tsv"), "\n".join(rows) + "\n", gz=gz)


def nfcore_file(directory: Path) -> Path:
    rows = ["gene_id\tgene_name\t" + "\t".join(SAMPLES)] + [
        f"{g}\t{s}\t" + "\t".join(map(str, c)) for g, s, c in zip(VERSIONED, SYMBOLS, COUNTS, strict=True)
    ]
    return write(directory / "salmon.merged.gene_counts.tsv", "\n".join(rows) + "\n")


def featurecounts_text(columns: list[str], counts: np.ndarray) -> str:
    lines = ['# Program:featureCounts v2.0.6; Command:"featureCounts" "-a" "genes.gtf" "-o" "counts.txt"']
    lines.append("Geneid\tChr\tStart\tEnd\tStrand\tLength\t" + "\t".join(columns))
    for g, c in zip(VERSIONED, counts, strict=True):
        lines.append(f"{g}\t1;1\t100;300\t200;400\t+;+\t202\t" + "\t".join(map(str, np.atleast_1d(c))))
    return "\n".join(lines) + "\n"


def featurecounts_file(directory: Path, *, gz: bool = False) -> Path:
    bams = [f"/scratch/align/{s}.sorted.bam" for s in SAMPLES]
    return write(directory / ("counts.txt.gz" if gz else "counts.txt"), featurecounts_text(bams, COUNTS), gz=gz)


def htseq_files(directory: Path, *, gz: bool = False) -> dict[str, Path]:
    files = {}
    for j, sample in enumerate(SAMPLES):
        body = "".join(f"{g}\t{c}\n" for g, c in zip(VERSIONED, COUNTS[:, j], strict=True)) + SUMMARY_HTSEQ
        files[sample] = write(directory / "htseq" / f"{sample}.counts{'.gz' if gz else ''}", body, gz=gz)
    return files


def star_files(directory: Path, *, strand_column: int = 3) -> dict[str, Path]:
    """ReadsPerGene.out.tab with the true counts in ``strand_column`` (2 forward, 3 reverse)."""
    files = {}
    for j, sample in enumerate(SAMPLES):
        lines = [
            "N_unmapped\t1000\t1000\t1000",
            "N_multimapping\t500\t500\t500",
            "N_noFeature\t90\t4000\t80",
            "N_ambiguous\t30\t2\t3",
        ]
        for g, c in zip(GENES, COUNTS[:, j], strict=True):
            columns = {1: c + c // 20, 2: c // 20, 3: c}
            if strand_column == 2:
                columns = {1: c + c // 20, 2: c, 3: c // 20}
            lines.append(f"{g}\t{columns[1]}\t{columns[2]}\t{columns[3]}")
        files[sample] = write(directory / "star" / sample / "ReadsPerGene.out.tab", "\n".join(lines) + "\n")
    return files


def transcripts(directory: Path) -> tuple[Path, list[tuple[str, str, int]]]:
    """tx2gene (two transcripts for the first two genes) and each transcript's (id, gene, share)."""
    layout = []
    for i, g in enumerate(VERSIONED):
        layout.append((f"ENSMUST{i:011d}1.1", g, 1))
        if i < 2:
            layout.append((f"ENSMUST{i:011d}2.3", g, 2))
    rows = ["transcript_id\tgene_id\tgene_name"] + [f"{t}\t{g}\t{SYMBOLS[VERSIONED.index(g)]}" for t, g, _ in layout]
    return write(directory / "tx2gene.tsv", "\n".join(rows) + "\n"), layout


def quant_files(directory: Path, kind: str) -> tuple[dict[str, Path], Path]:
    """Salmon quant.sf / kallisto abundance.tsv or .h5 / RSEM isoforms.results.

    Their estimated counts sum to COUNTS per gene.

    ``kind``: salmon, kallisto, kallisto_h5 or rsem.
    """
    tx2gene, layout = transcripts(directory)
    files = {}
    for j, sample in enumerate(SAMPLES):
        rows = []
        for t, g, part in layout:
            total = COUNTS[VERSIONED.index(g), j]
            n_tx = sum(1 for _, g2, _ in layout if g2 == g)
            reads = float(total) if n_tx == 1 else float(total // 2 + (total % 2 if part == 1 else 0))
            rows.append((t, 1000 + 100 * part, 800.0 + 100 * part, reads))
        frame = pd.DataFrame(rows, columns=["id", "length", "eff", "reads"])
        frame["tpm"] = frame["reads"] / frame["eff"] / max((frame["reads"] / frame["eff"]).sum(), 1e-12) * 1e6
        if kind == "kallisto_h5":
            files[sample] = kallisto_h5(directory / kind / sample / "abundance.h5", frame)
            continue
        if kind == "salmon":
            header, name = "Name\tLength\tEffectiveLength\tTPM\tNumReads", "quant.sf"
            lines = [f"{r.id}\t{r.length}\t{r.eff}\t{r.tpm}\t{r.reads}" for r in frame.itertuples()]
        elif kind == "rsem":
            header, name = (
                "transcript_id\tgene_id\tlength\teffective_length\texpected_count\tTPM\tFPKM\tIsoPct",
                f"{sample}.isoforms.results",
            )
            genes = [g for _, g, _ in layout]
            lines = [
                f"{r.id}\t{g}\t{r.length}\t{r.eff}\t{r.reads:.2f}\t{r.tpm:.2f}\t{r.tpm / 2:.2f}\t100.00"
                for r, g in zip(frame.itertuples(), genes, strict=True)
            ]
        else:
            header, name = "target_id\tlength\teff_length\test_counts\ttpm", "abundance.tsv"
            lines = [f"{r.id}\t{r.length}\t{r.eff}\t{r.reads}\t{r.tpm}" for r in frame.itertuples()]
        files[sample] = write(directory / kind / sample / name, header + "\n" + "\n".join(lines) + "\n")
    return files, tx2gene


def kallisto_h5(path: Path, frame: pd.DataFrame) -> Path:
    """kallisto's abundance.h5: transcript IDs, lengths and effective lengths under aux/, est_counts."""
    import h5py

    path.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "w") as handle:
        handle["aux/ids"] = np.array(frame["id"].tolist(), dtype="S")
        handle["aux/lengths"] = frame["length"].to_numpy(dtype=np.int32)
        handle["aux/eff_lengths"] = frame["eff"].to_numpy(dtype=float)
        handle["aux/num_bootstrap"] = np.array([0])
        handle["est_counts"] = frame["reads"].to_numpy(dtype=float)
    return path


def rsem_gene_files(directory: Path, *, gz: bool = False) -> dict[str, Path]:
    """RSEM genes.results whose expected counts round to COUNTS (RSEM's are fractional)."""
    files = {}
    header = "gene_id\ttranscript_id(s)\tlength\teffective_length\texpected_count\tTPM\tFPKM"
    for j, sample in enumerate(SAMPLES):
        lines = [header]
        for i, g in enumerate(VERSIONED):
            count = COUNTS[i, j]
            expected = count + (0.31 if count else 0.0) - (0.4 if i == 1 and count else 0.0)
            lines.append(
                f"{g}\tENSMUST{i:011d}1.1\t{1000 + i}\t{800.0 + i:.2f}\t"
                f"{expected:.2f}\t{expected * 3:.2f}\t{expected:.2f}"
            )
        name = f"{sample}.genes.results" + (".gz" if gz else "")
        files[sample] = write(directory / "rsem" / name, "\n".join(lines) + "\n", gz=gz)
    return files


def h5ad_file(directory: Path, *, layer: str | None = "counts") -> Path:
    obs = pd.DataFrame(index=pd.Index(SAMPLES, name="sample"))
    var = pd.DataFrame({"gene_name": SYMBOLS}, index=pd.Index(VERSIONED, name="gene_id"))
    data = ad.AnnData(X=np.log1p(COUNTS.T.astype(float)), obs=obs, var=var)
    if layer:
        data.layers[layer] = COUNTS.T.copy()
    path = directory / "expression.h5ad"
    data.write_h5ad(path)
    return path


# --- detection ----------------------------------------------------------------------------------


def test_detects_every_format_from_content(tmp_path: Path) -> None:
    salmon, _ = quant_files(tmp_path, "salmon")
    kallisto, _ = quant_files(tmp_path, "kallisto")
    kallisto_h5_files, _ = quant_files(tmp_path, "kallisto_h5")
    rsem_isoforms, _ = quant_files(tmp_path, "rsem")
    cases = {
        "rsem": rsem_gene_files(tmp_path)["1-a"],
        "matrix": matrix_file(tmp_path),
        "featurecounts": featurecounts_file(tmp_path),
        "htseq": htseq_files(tmp_path)["1-a"],
        "star": star_files(tmp_path)["1-a"],
        "salmon": salmon["1-a"],
        "kallisto": kallisto["1-a"],
        "h5ad": h5ad_file(tmp_path),
    }
    for expected, path in cases.items():
        assert detect_format(path) == expected, path
    assert detect_format(rsem_isoforms["s.2"]) == "rsem"
    assert detect_format(kallisto_h5_files["s.2"]) == "kallisto"  # HDF5, told apart from .h5ad by its datasets
    packed = tmp_path / "abundance.h5.gz"
    packed.write_bytes(gzip.compress(kallisto_h5_files["s.2"].read_bytes()))
    assert detect_format(packed) == "kallisto"
    assert detect_format(rsem_gene_files(tmp_path / "gz", gz=True)["1-a"]) == "rsem"
    # Gzipped, whatever the name says.
    assert detect_format(featurecounts_file(tmp_path / "gz", gz=True)) == "featurecounts"
    assert detect_format(htseq_files(tmp_path / "gz", gz=True)["s.2"]) == "htseq"
    assert detect_format(write(tmp_path / "plain.tsv", "gene_id\ts1\nG1\t5\n")) == "matrix"
    assert detect_format(write(tmp_path / "nf.tsv", "gene_id\tgene_name\ts1\nG1\tA\t5\n")) == "matrix"


def test_detection_rejects_missing_and_zip(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"A count file does not exist\.\n  file: .*nope.tsv"):
        detect_format(tmp_path / "nope.tsv")
    (tmp_path / "book.xlsx").write_bytes(b"PK\x03\x04rest")
    with pytest.raises(InputError, match="is not a text table: it is a zip archive"):
        detect_format(tmp_path / "book.xlsx")


# --- the same counts through every format -------------------------------------------------------


def run_import(
    directory: Path, counts: dict, *, paths: dict[str, Path] | None = None, strandedness: list[str] | None = None
) -> ad.AnnData:
    settings = {
        "path": "resources/demo/counts.tsv.gz",
        "format": "auto",
        "pattern": None,
        "strandedness": "none",
        "tx2gene": None,
        "counts_from_abundance": "length_scaled_tpm",
        "layer": None,
        "annotation": str(annotation(directory)),
        "min_mapped": 0.5,
        "strip_version": True,
        "duplicates": "error",
    } | counts
    out = directory / "counts.h5ad"
    sheet_path = str(sheet(directory, paths=paths, strandedness=strandedness))
    # as the workflow: the up-front check resolves the files once, the rule gets them as inputs
    files = sample_files(read_sample_sheet(sheet_path), settings, sheet_file=sheet_path)
    import_counts(
        count_files=list(files.values()) if files else [settings["path"]],
        per_sample=files is not None,
        sheet_path=sheet_path,
        out=str(out),
        annotation=settings.pop("annotation"),
        tx2gene=settings.pop("tx2gene"),
        settings=settings,
    )
    return ad.read_h5ad(out)


def assert_same(adata: ad.AnnData, reference: ad.AnnData) -> None:
    assert list(adata.obs_names) == SAMPLES
    assert list(adata.var_names) == GENES
    np.testing.assert_array_equal(np.asarray(adata.X), COUNTS.T)
    assert adata.X.dtype == np.int64
    # The sheet's 'path' / 'strandedness' columns, where given, are kept as sample annotation.
    pd.testing.assert_frame_equal(adata.obs[["condition"]], reference.obs)
    pd.testing.assert_frame_equal(adata.var, reference.var)
    assert list(adata.var["symbol"]) == SYMBOLS


@pytest.fixture()
def reference(tmp_path_factory: pytest.TempPathFactory) -> ad.AnnData:
    directory = tmp_path_factory.mktemp("reference")
    return run_import(directory, {"path": str(matrix_file(directory))})


def test_plain_matrix(tmp_path: Path, reference: ad.AnnData) -> None:
    assert_same(run_import(tmp_path, {"path": str(matrix_file(tmp_path, gz=True))}), reference)
    info = reference.uns["degsea_import"]
    assert info["format"] == "matrix" and info["mapping_rate"] == 1.0 and info["mapped"] == 5


def test_nfcore_matrix_with_versions_and_gene_name(tmp_path: Path, reference: ad.AnnData) -> None:
    adata = run_import(tmp_path, {"path": str(nfcore_file(tmp_path))})
    assert_same(adata, reference)
    assert adata.uns["degsea_import"]["versions_stripped"] == 5


@pytest.mark.parametrize("gz", [False, True])
def test_featurecounts_one_file(tmp_path: Path, reference: ad.AnnData, gz: bool) -> None:
    adata = run_import(tmp_path, {"path": str(featurecounts_file(tmp_path, gz=gz))})
    assert_same(adata, reference)
    assert adata.uns["degsea_import"]["format"] == "featurecounts"


def test_featurecounts_per_sample_with_path_column(tmp_path: Path, reference: ad.AnnData) -> None:
    paths = {
        s: write(tmp_path / "fc" / f"{s}.txt", featurecounts_text([f"{s}.bam"], COUNTS[:, [j]]))
        for j, s in enumerate(SAMPLES)
    }
    assert_same(run_import(tmp_path, {}, paths=paths), reference)


@pytest.mark.parametrize("gz", [False, True])
def test_htseq_per_sample_by_pattern(
    tmp_path: Path, reference: ad.AnnData, gz: bool, caplog: pytest.LogCaptureFixture
) -> None:
    htseq_files(tmp_path, gz=gz)
    with caplog.at_level(logging.INFO):
        adata = run_import(tmp_path, {"pattern": str(tmp_path / "htseq" / "{sample}.counts*")})
    assert_same(adata, reference)
    summary = adata.uns["degsea_import"]["htseq_summary"]["tumour 3"]
    assert summary["__no_feature"] == 120 and summary["__alignment_not_unique"] == 41
    assert "dropped HTSeq summary rows __no_feature=120" in caplog.text


def test_star_reverse_global(tmp_path: Path, reference: ad.AnnData, caplog: pytest.LogCaptureFixture) -> None:
    star_files(tmp_path, strand_column=3)
    with caplog.at_level(logging.WARNING):
        adata = run_import(
            tmp_path,
            {"pattern": str(tmp_path / "star" / "{sample}" / "ReadsPerGene.out.tab"), "strandedness": "reverse"},
        )
    assert_same(adata, reference)
    assert "strandedness" not in caplog.text
    star = adata.uns["degsea_import"]["star"]["s.2"]
    assert star["strandedness"] == "reverse" and star["inferred"] == "reverse"


def test_star_per_sample_strandedness_from_sheet(tmp_path: Path, reference: ad.AnnData) -> None:
    files = star_files(tmp_path, strand_column=3)
    adata = run_import(tmp_path, {}, paths=files, strandedness=["reverse", "reverse", "reverse"])
    np.testing.assert_array_equal(np.asarray(adata.X), COUNTS.T)


def test_star_wrong_strand_warns(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    star_files(tmp_path, strand_column=3)
    with caplog.at_level(logging.WARNING):
        run_import(
            tmp_path,
            {"pattern": str(tmp_path / "star" / "{sample}" / "ReadsPerGene.out.tab"), "strandedness": "forward"},
        )
    assert "strandedness 'forward' was chosen, but the counts look reverse" in caplog.text


def test_infer_strandedness() -> None:
    assert infer_strandedness(50, 1000) == "reverse"
    assert infer_strandedness(1000, 50) == "forward"
    assert infer_strandedness(500, 520) == "none"
    assert infer_strandedness(700, 300) is None  # unclear: no warning either way
    assert infer_strandedness(0, 0) is None


@pytest.mark.parametrize("kind", ["salmon", "kallisto", "kallisto_h5", "rsem"])
def test_transcript_quantifications_summed_per_gene(tmp_path: Path, reference: ad.AnnData, kind: str) -> None:
    files, tx2gene = quant_files(tmp_path, kind)
    adata = run_import(tmp_path, {"tx2gene": str(tx2gene), "counts_from_abundance": "no"}, paths=files)
    assert_same(adata, reference)
    assert adata.uns["degsea_import"]["format"] == kind.removesuffix("_h5")


def test_kallisto_h5_and_tsv_give_the_same_length_scaled_counts(tmp_path: Path) -> None:
    h5, tx2gene = quant_files(tmp_path, "kallisto_h5")
    tsv, _ = quant_files(tmp_path, "kallisto")
    from_h5 = run_import(tmp_path / "h5", {"tx2gene": str(tx2gene)}, paths=h5)
    from_tsv = run_import(tmp_path / "tsv", {"tx2gene": str(tx2gene)}, paths=tsv)
    np.testing.assert_array_equal(np.asarray(from_h5.X), np.asarray(from_tsv.X))
    assert from_h5.uns["degsea_import"]["kallisto_files"] == "abundance.h5"
    assert from_tsv.uns["degsea_import"]["kallisto_files"] == "abundance.tsv"
    # length_scaled_tpm moves counts between genes (it is not the identity here), keeping library sizes.
    assert not np.array_equal(np.asarray(from_h5.X), COUNTS.T)
    np.testing.assert_allclose(np.asarray(from_h5.X).sum(axis=1), COUNTS.sum(axis=0), atol=3)


@pytest.mark.parametrize("gz", [False, True])
def test_rsem_genes_results_expected_counts_rounded(
    tmp_path: Path, reference: ad.AnnData, gz: bool, caplog: pytest.LogCaptureFixture
) -> None:
    rsem_gene_files(tmp_path, gz=gz)
    with caplog.at_level(logging.INFO):
        adata = run_import(tmp_path, {"pattern": str(tmp_path / "rsem" / "{sample}.genes.results*")})
    assert_same(adata, reference)
    info = adata.uns["degsea_import"]
    assert info["format"] == "rsem" and info["rsem_level"] == "gene" and info["counts_from_abundance"] == "no"
    assert info["versions_stripped"] == 5
    assert "gene counts are the expected counts rounded" in caplog.text


def test_rsem_isoforms_take_genes_from_their_own_column(tmp_path: Path, reference: ad.AnnData) -> None:
    files, _ = quant_files(tmp_path, "rsem")
    adata = run_import(tmp_path, {"counts_from_abundance": "no"}, paths=files)
    assert_same(adata, reference)  # symbols from 'counts: annotation'
    assert adata.uns["degsea_import"]["tx2gene"].startswith("the gene_id column of ")
    assert adata.uns["degsea_import"]["rsem_level"] == "transcript"


def test_rsem_genes_and_isoforms_mixed(tmp_path: Path) -> None:
    files = rsem_gene_files(tmp_path)
    files["s.2"] = quant_files(tmp_path, "rsem")[0]["s.2"]
    with pytest.raises(
        InputError,
        match=r"RSEM files of genes and of isoforms are mixed\.\n  where: .*\n  found: gene level \(e\.g\. "
        r".*1-a\.genes\.results\), transcript level \(e\.g\. .*s\.2\.isoforms\.results\)",
    ):
        run_import(tmp_path, {}, paths=files)


def test_kallisto_h5_and_tsv_mixed(tmp_path: Path) -> None:
    files, tx2gene = quant_files(tmp_path, "kallisto_h5")
    files["s.2"] = quant_files(tmp_path, "kallisto")[0]["s.2"]
    with pytest.raises(
        InputError,
        match=r"kallisto files are given both as abundance\.h5 and as abundance\.tsv\.\n.*\n  found: 2 abundance\.h5 "
        r"and 1 abundance\.tsv files",
    ):
        run_import(tmp_path, {"tx2gene": str(tx2gene)}, paths=files)


def test_h5ad_given_as_kallisto(tmp_path: Path) -> None:
    files, tx2gene = quant_files(tmp_path, "kallisto_h5")
    files["tumour 3"] = h5ad_file(tmp_path)
    with pytest.raises(
        InputError,
        match=r"An HDF5 file given as kallisto output is not kallisto's abundance\.h5\.\n  file: .*expression\.h5ad\n  "
        r"found: an HDF5 file without aux/ids",
    ):
        run_import(tmp_path, {"tx2gene": str(tx2gene), "format": "kallisto"}, paths=files)


@pytest.mark.parametrize("kind", ["salmon", "rsem"])
def test_quantifications_of_different_transcripts(tmp_path: Path, kind: str) -> None:
    files, tx2gene = quant_files(tmp_path, kind)
    lines = files["tumour 3"].read_text().splitlines()
    files["tumour 3"].write_text("\n".join([lines[0], lines[2], lines[1], *lines[3:]]) + "\n")  # two rows swapped
    with pytest.raises(
        InputError,
        match=r"Per-sample quantification files list different transcripts\.\n  file: .*tumour 3.*\n  where: compared "
        r"with .*1-a.*, row 2\n  found: 7 transcripts vs 7",
    ):
        run_import(tmp_path, {"tx2gene": str(tx2gene)}, paths=files)


def test_rsem_file_without_rsem_columns(tmp_path: Path) -> None:
    files = rsem_gene_files(tmp_path)
    files["s.2"].write_text(files["s.2"].read_text().replace("expected_count", "counts"))
    with pytest.raises(
        InputError,
        match=r"An RSEM file does not have RSEM's columns\.\n  file: .*s\.2\.genes\.results\n  where: header \(line "
        r"1\)",
    ):
        run_import(tmp_path, {"format": "rsem"}, paths=files)


def test_salmon_length_scaled_tpm_gives_integer_counts(tmp_path: Path) -> None:
    files, tx2gene = quant_files(tmp_path, "salmon")
    adata = run_import(tmp_path, {"tx2gene": str(tx2gene)}, paths=files)
    assert adata.X.dtype == np.int64 and list(adata.var_names) == GENES
    # Library sizes are kept (up to rounding); the split between genes follows TPM x mean length.
    np.testing.assert_allclose(np.asarray(adata.X).sum(axis=1), COUNTS.sum(axis=0), atol=3)


def test_salmon_needs_tx2gene(tmp_path: Path) -> None:
    files, _ = quant_files(tmp_path, "salmon")
    with pytest.raises(
        InputError, match=r"salmon files need a transcript-to-gene table\.\n  where: config 'counts: tx2gene'"
    ):
        run_import(tmp_path, {}, paths=files)


def test_h5ad_layer_and_x(tmp_path: Path, reference: ad.AnnData) -> None:
    path = h5ad_file(tmp_path)
    assert_same(run_import(tmp_path, {"path": str(path), "layer": "counts"}), reference)
    with pytest.raises(
        InputError, match=r"The .h5ad counts are not raw integer counts\.\n.*\n  where: X, sample '1-a'"
    ):
        run_import(tmp_path, {"path": str(path)})
    with pytest.raises(
        InputError,
        match=r"no layer of that name\.\n.*\n  where: config 'counts: layer'\n  found: 'raw'\n  allowed: 'counts'",
    ):
        run_import(tmp_path, {"path": str(path), "layer": "raw"})


# --- errors of per-sample inputs ----------------------------------------------------------------


def test_rsem_file_given_as_matrix(tmp_path: Path) -> None:
    files = rsem_gene_files(tmp_path)
    with pytest.raises(InputError, match=r"'counts: path' is a rsem file, which holds one sample\."):
        run_import(tmp_path, {"path": str(files["1-a"])})


def test_per_sample_file_given_as_matrix(tmp_path: Path) -> None:
    files = htseq_files(tmp_path)
    with pytest.raises(
        InputError,
        match=r"'counts: path' is a htseq file, which holds one sample\.\n  file: .*1-a.counts\n  where: config "
        r"'counts: path'",
    ):
        run_import(tmp_path, {"path": str(files["1-a"])})


def test_pattern_matching_no_file(tmp_path: Path) -> None:
    htseq_files(tmp_path)
    with pytest.raises(
        InputError,
        match=r"does not match exactly one file\.\n  where: config 'counts: pattern', sample '1-a'\n  found: 0 files",
    ):
        run_import(tmp_path, {"pattern": str(tmp_path / "htseq" / "{sample}.txt*")})


def test_pattern_without_placeholder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"has no '\{sample\}' placeholder"):
        sample_files(pd.DataFrame(index=["a"]), {"pattern": "counts/*.tab"}, sheet_file="s.tsv")


def test_missing_per_sample_file(tmp_path: Path) -> None:
    paths = {s: tmp_path / f"{s}.tab" for s in SAMPLES}
    with pytest.raises(
        InputError, match=r"Count files of samples do not exist\.\n  file: .*1-a.tab\n  where: sample '1-a' and 2 more"
    ):
        run_import(tmp_path, {}, paths=paths)


def test_per_sample_files_of_different_genes(tmp_path: Path) -> None:
    files = htseq_files(tmp_path)
    text = files["s.2"].read_text().replace(VERSIONED[0], "ENSMUSG99999999999.1")
    files["s.2"].write_text(text)
    with pytest.raises(
        InputError,
        match=r"Per-sample count files list different genes\.\n  file: .*s\.2\.counts\n  where: sample 's.2'",
    ):
        run_import(tmp_path, {}, paths=files)


def test_mixed_formats(tmp_path: Path) -> None:
    files = htseq_files(tmp_path)
    files["s.2"] = star_files(tmp_path)["s.2"]
    with pytest.raises(
        InputError,
        match=r"Per-sample count files are of different formats\.\n.*\n  where: sample 's\.2'\n  found: htseq: \d+ "
        r"file\(s\), .*; star: 1 file\(s\), e\.g\. sample 's\.2'",
    ):
        run_import(tmp_path, {}, paths=files)


def test_bad_strandedness_in_sheet(tmp_path: Path) -> None:
    files = star_files(tmp_path)
    with pytest.raises(
        InputError,
        match=r"A sample's strandedness is not known\.\n.*\n  where: sample 's.2', column 'strandedness'\n  found: "
        r"'sideways'",
    ):
        run_import(tmp_path, {}, paths=files, strandedness=["reverse", "sideways", "reverse"])


def test_bam_sample_names() -> None:
    assert bam_sample_names(["/a/b/s1.sorted.bam", "/a/b/s2.sorted.bam"]) == ["s1", "s2"]
    assert bam_sample_names(["x/s1_Aligned.sortedByCoord.out.bam", "x/s2_Aligned.sortedByCoord.out.bam"]) == [
        "s1",
        "s2",
    ]
    assert bam_sample_names(["s1", "s2"]) == ["s1", "s2"]
    assert bam_sample_names(["tumour 3.bam"]) == ["tumour 3"]


# --- gene identifiers ---------------------------------------------------------------------------


def test_strip_ensembl_version() -> None:
    assert strip_ensembl_version("ENSG00000141510.17") == "ENSG00000141510"
    assert strip_ensembl_version("ENSMUSG00000000001.5") == "ENSMUSG00000000001"
    assert strip_ensembl_version("ENSG00000002586.20_PAR_Y") == "ENSG00000002586_PAR_Y"
    assert strip_ensembl_version("AC000061.1") == "AC000061.1"  # a clone-based symbol, not an Ensembl ID
    assert strip_ensembl_version("Gnai3") == "Gnai3"


def matrix_of(ids: list[str], rows: list[list[int]]) -> CountMatrix:
    counts = pd.DataFrame(rows, index=pd.Index(ids, name="gene_id"), columns=["s1", "s2"], dtype=np.int64)
    return CountMatrix(counts=counts, symbols=pd.Series(ids, index=counts.index, name="symbol"))


def test_duplicates_after_version_stripping() -> None:
    matrix = matrix_of(["ENSG00000000001.1", "ENSG00000000001.2", "ENSG00000000002.1"], [[1, 2], [3, 4], [5, 6]])
    with pytest.raises(
        InputError, match=r"Gene IDs appear more than once .*\n  file: m.tsv\n  found: 1 IDs, e.g. 'ENSG00000000001'"
    ):
        map_gene_ids(matrix, duplicates="error", source="m.tsv")
    summed, notes = map_gene_ids(matrix, duplicates="sum", source="m.tsv")
    assert list(summed.counts.index) == ["ENSG00000000001", "ENSG00000000002"]
    assert summed.counts.loc["ENSG00000000001"].tolist() == [4, 6]
    assert notes["duplicates_summed"] == 1
    kept, _ = map_gene_ids(matrix, strip_version=False, duplicates="error", source="m.tsv")
    assert len(kept.counts) == 3


def test_duplicate_ids_in_matrix_summed_when_asked(tmp_path: Path) -> None:
    path = write(tmp_path / "c.tsv", "gene\ts1\ts2\nActb\t1\t2\nActb\t3\t4\nGapdh\t5\t6\n")
    with pytest.raises(InputError, match="Gene IDs appear more than once in the count matrix"):
        read_counts({"path": str(path), "format": "matrix"})
    matrix = read_counts({"path": str(path), "format": "matrix", "duplicates": "sum"}).matrix
    assert matrix.counts.loc["Actb"].tolist() == [4, 6]


def test_mapping_from_gtf(tmp_path: Path) -> None:
    gtf = (
        "\n".join(
            [
                "#!genome-build GRCm39",
                '1\tensembl\tgene\t100\t900\t.\t+\t.\tgene_id "ENSMUSG00000000001.5"; gene_version "5"; gene_name '
                '"Gnai3"; gene_biotype "protein_coding";',
                '1\tensembl\ttranscript\t100\t900\t.\t+\t.\tgene_id "ENSMUSG00000000001.5"; transcript_id '
                '"ENSMUST00000000001.4"; gene_name "Gnai3";',
                '1\tensembl\texon\t100\t300\t.\t+\t.\tgene_id "ENSMUSG00000000001.5"; transcript_id '
                '"ENSMUST00000000001.4"; gene_name "Gnai3";',
                '2\tensembl\tgene\t100\t900\t.\t-\t.\tgene_id "ENSMUSG00000000003.2"; gene_name "Pbsn";',
            ]
        )
        + "\n"
    )
    path = write(tmp_path / "genes.gtf.gz", gtf, gz=True)
    assert read_gtf(path).to_dict("list") == {
        "gene_id": ["ENSMUSG00000000001.5", "ENSMUSG00000000003.2"],
        "symbol": ["Gnai3", "Pbsn"],
    }
    assert read_gtf(path, level="transcript")["transcript_id"].tolist() == ["ENSMUST00000000001.4"]
    matrix = matrix_of(
        ["ENSMUSG00000000001.5", "ENSMUSG00000000003.1", "ENSMUSG00000000099.1"], [[1, 2], [3, 4], [5, 6]]
    )
    mapped, notes = map_gene_ids(matrix, annotation=str(path), source="m.tsv")
    assert mapped.symbols.tolist() == ["Gnai3", "Pbsn", "ENSMUSG00000000099"]
    assert notes["mapping_rate"] == pytest.approx(2 / 3)


def test_low_mapping_rate_stops(tmp_path: Path) -> None:
    table = write(tmp_path / "human.tsv", "gene\tsymbol\nENSG00000141510\tTP53\nENSG00000012048\tBRCA1\n")
    matrix = matrix_of(["ENSMUSG00000000001", "ENSMUSG00000000003"], [[1, 2], [3, 4]])
    with pytest.raises(
        InputError,
        match=r"Few gene IDs of the count matrix are in the annotation\.\n.*\n.*\n  found: 0 of 2 IDs \(0\.0 %\) "
        r"mapped",
    ):
        map_gene_ids(matrix, annotation=str(table), source="m.tsv")


# --- real data ----------------------------------------------------------------------------------


def test_gse96870_as_plain_matrix(shared_data: Path) -> None:
    path = shared_data / "mouse_GSE96870" / "GSE96870_counts_cerebellum.csv"
    assert detect_format(path) == "matrix"
    matrix = read_counts({"path": str(path), "format": "auto"}).matrix
    assert matrix.counts.shape == (41786, 22)
    assert matrix.counts.columns[0] == "GSM2545336" and matrix.counts.index[0] == "Xkr4"
    assert int(matrix.counts.loc["Xkr4", "GSM2545336"]) == 1891


def test_mouse_ensembl_to_symbol_with_biomart_table(shared_data: Path, caplog: pytest.LogCaptureFixture) -> None:
    table = shared_data / "annotation" / "biomart_id_mapping_mouse.tRavis.tsv"
    ids = pd.read_csv(table, sep="\t", dtype=str)["ensembl_gene_id"].drop_duplicates()
    chosen = [f"{g}.{i % 7 + 1}" for i, g in enumerate(ids[:2000])] + [f"ENSMUSG9{i:010d}.1" for i in range(500)]
    matrix = matrix_of(chosen, [[i, i + 1] for i in range(len(chosen))])
    with caplog.at_level(logging.INFO):
        mapped, notes = map_gene_ids(matrix, annotation=str(table), source="m.tsv")
    assert notes["mapping_rate"] == pytest.approx(2000 / 2500)
    assert mapped.symbols.loc["ENSMUSG00000000001"] == "Gnai3"
    assert "gene IDs mapped to symbols with" in caplog.text and "(80.0 %)" in caplog.text
