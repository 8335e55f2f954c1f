"""Gene-set sources: MSigDB downloads (from a local HTTP server on 127.0.0.1), ortholog translation, coverage."""

from __future__ import annotations

import functools
import http.server
import logging
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from degsea.errors import InputError
from degsea.gsea.collections import GeneSet, load_collections, read_gmt, read_orthologs, translate_sets
from degsea.gsea.msigdb import (
    Collection,
    check_cached,
    download,
    expected_checksum,
    parse_entries,
    recorded_checksum_file,
    sha256_of,
)
from degsea.gsea.prerank import check_coverage, symbol_style

GMT = "MH_ONE\tdesc\tActb\tGapdh\tCd74\nMH_TWO\tdesc\tH2-Aa\tH2-Ab1\tCd74\n"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # keep pytest output clean
        pass


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """An HTTP server on 127.0.0.1 serving ``tmp_path/www``; yields (URL template, directory)."""
    root = tmp_path / "www"
    root.mkdir()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}/{{version}}/{{collection}}.v{{version}}.symbols.gmt", root
    finally:
        httpd.shutdown()
        httpd.server_close()


def publish(root: Path, collection: Collection, text: str) -> Path:
    path = root / collection.version / collection.file_name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


MH = Collection(collection="mh.all", version="2024.1.Mm")


# --- config entries -----------------------------------------------------------------------------


def test_parse_entries() -> None:
    (a, b) = parse_entries(
        [
            {"collection": "mh.all", "version": "2024.1.Mm"},
            {"collection": "h.all", "version": "2024.1", "species": "human"},
        ]
    )
    assert a.file_name == "mh.all.v2024.1.Mm.symbols.gmt" and a.species == "mouse"
    assert a.path == "resources/genesets/msigdb/mh.all.v2024.1.Mm.symbols.gmt"
    assert b.version == "2024.1.Hs" and b.species == "human"
    assert (
        a.url() == "https://data.broadinstitute.org/gsea-msigdb/msigdb/release/2024.1.Mm/mh.all.v2024.1.Mm.symbols.gmt"
    )


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            {"collection": "mh.all", "version": "2024.1"},
            r"An MSigDB version does not say the species\.\n  where: config 'gsea: msigdb', entry 1 \('mh.all'\)\n  "
            r"found: '2024.1'",
        ),
        ({"collection": "mh.all", "version": "2024.1.Mm", "species": "human"}, "contradicts its version"),
        ({"collection": "mh.all", "version": "7.5.1", "species": "mouse"}, "not of MSigDB's form"),
        ({"collection": "../etc", "version": "2024.1.Mm"}, "collection name is not valid"),
        ({"collection": "mh.all", "version": "2024.1.Mm", "sha256": "abc"}, "not a SHA-256"),
    ],
)
def test_bad_entries(entry: dict, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_entries([entry])


# --- downloads ----------------------------------------------------------------------------------


def test_download_records_checksum_then_reuses_offline(server: tuple[str, Path], tmp_path: Path) -> None:
    url, root = server
    publish(root, MH, GMT)
    out = tmp_path / "cache" / MH.file_name
    registry = tmp_path / "registry.sha256"
    digest = download(MH, out, url_template=url, registry=registry)
    assert out.read_text() == GMT and digest == sha256_of(out)
    assert recorded_checksum_file(out).read_text() == f"{digest}  {MH.file_name}\n"
    assert expected_checksum(MH, registry=registry, cache_dir=out.parent) == (digest, str(recorded_checksum_file(out)))
    # Offline reuse: the stored file is checked against the recorded checksum, no server needed.
    assert check_cached(MH, out, registry=registry) == digest
    out.write_text(GMT + "EXTRA\tx\tActb\n")
    with pytest.raises(
        InputError,
        match=r"does not have the expected SHA-256\.\n  file: .*mh.all.v2024.1.Mm.symbols.gmt\n  where: checksum from "
        r".*\.sha256",
    ):
        check_cached(MH, out, registry=registry)


def test_download_checked_against_config_checksum(server: tuple[str, Path], tmp_path: Path) -> None:
    url, root = server
    published = publish(root, MH, GMT)
    pinned = Collection(collection="mh.all", version="2024.1.Mm", sha256=sha256_of(published))
    out = tmp_path / "cache" / MH.file_name
    download(pinned, out, url_template=url, registry=tmp_path / "none")
    assert out.is_file() and not recorded_checksum_file(out).exists()


def test_checksum_mismatch_keeps_no_file(server: tuple[str, Path], tmp_path: Path) -> None:
    url, root = server
    publish(root, MH, GMT)
    registry = tmp_path / "registry.sha256"
    registry.write_text("# known\n" + "0" * 64 + f"  {MH.file_name}\n")
    out = tmp_path / "cache" / MH.file_name
    with pytest.raises(
        InputError,
        match=r"does not have the expected SHA-256\.\n.*\n  where: checksum from .*registry.sha256, downloaded from "
        r"http://127.0.0.1:\d+/2024.1.Mm/mh.all.v2024.1.Mm.symbols.gmt\n  found: [0-9a-f]{64}\n  allowed: 0{64}",
    ):
        download(MH, out, url_template=url, registry=registry)
    assert list(out.parent.iterdir()) == []  # neither the file nor a part of it is left


def test_pinned_config_checksum_mismatch(server: tuple[str, Path], tmp_path: Path) -> None:
    url, root = server
    publish(root, MH, GMT)
    pinned = Collection(collection="mh.all", version="2024.1.Mm", sha256="a" * 64)
    out = tmp_path / "cache" / MH.file_name
    with pytest.raises(
        InputError,
        match=r"A downloaded MSigDB collection does not have the expected SHA-256\.\n  file: .*\n  "
        r"where: checksum from config, downloaded from http://127\.0\.0\.1:\d+/.*\n  found: [0-9a-f]{64}\n  "
        r"allowed: a{64}\n  hint: The download is corrupt .* "
        r"put the new checksum in the entry's 'sha256'",
    ):
        download(pinned, out, url_template=url, registry=tmp_path / "none")
    assert not out.exists() and not recorded_checksum_file(out).exists()
    # A stored file is checked against the pin too, before any job runs.
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(GMT)
    with pytest.raises(
        InputError,
        match=r"A stored MSigDB collection does not have the expected SHA-256\.\n.*\n  where: checksum from config\n",
    ):
        check_cached(pinned, out, registry=tmp_path / "none", record=True)


def test_redownload_is_checked_against_the_first_record(server: tuple[str, Path], tmp_path: Path) -> None:
    url, root = server
    published = publish(root, MH, GMT)
    out = tmp_path / "cache" / MH.file_name
    first = download(MH, out, url_template=url, registry=tmp_path / "none")
    out.unlink()  # the cache is cleaned; the record stays
    published.write_text(GMT.replace("Cd74", "Cd74\tB2m", 1))  # the server now serves another file
    lock = recorded_checksum_file(out)
    with pytest.raises(
        InputError,
        match=r"A downloaded MSigDB collection does not have the expected SHA-256\.\n.*\n  "
        rf"where: checksum from {lock}, downloaded from http://127\.0\.0\.1:\d+/.*\n  found: [0-9a-f]{{64}}\n  "
        rf"allowed: {first}\n  hint: .*delete {lock} to record it afresh",
    ):
        download(MH, out, url_template=url, registry=tmp_path / "none")
    assert not out.exists() and lock.read_text() == f"{first}  {MH.file_name}\n"
    published.write_text(GMT)
    assert download(MH, out, url_template=url, registry=tmp_path / "none") == first


def test_hand_placed_collection_recorded_at_first_use(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    out = tmp_path / "cache" / MH.file_name
    out.parent.mkdir()
    out.write_text(GMT)  # copied there by hand, offline
    lock = recorded_checksum_file(out)
    assert (
        check_cached(MH, out, registry=tmp_path / "none") is None and not lock.exists()
    )  # the up-front check only reads
    with caplog.at_level(logging.WARNING):
        digest = check_cached(MH, out, registry=tmp_path / "none", record=True)
    assert digest == sha256_of(out) and lock.read_text() == f"{digest}  {MH.file_name}\n"
    assert (
        f"was not downloaded by degsea and no checksum is known for it: recorded its SHA-256 {digest} in {lock}"
        in caplog.text
    )
    assert f"add 'sha256: {digest}'" in caplog.text
    assert check_cached(MH, out, registry=tmp_path / "none") == digest
    out.write_text(GMT + "MH_THREE\td\tActb\n")
    with pytest.raises(
        InputError,
        match=rf"A stored MSigDB collection does not have the expected SHA-256\.\n  file: {out}\n  "
        rf"where: checksum from {lock}\n  found: [0-9a-f]{{64}}\n  allowed: {digest}\n  "
        rf"hint: The file was changed or replaced .* delete {lock} to record it afresh",
    ):
        check_cached(MH, out, registry=tmp_path / "none", record=True)


def test_missing_collection_on_server(server: tuple[str, Path], tmp_path: Path) -> None:
    url, _ = server
    with pytest.raises(
        InputError,
        match=r"the server answered with an error\.\n  where: config 'gsea: msigdb' \(mh.all 2024.1.Mm\)\n  found: "
        r"HTTP 404",
    ):
        download(MH, tmp_path / MH.file_name, url_template=url, registry=tmp_path / "none")


def test_unreachable_server(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port on 127.0.0.1 that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/{{version}}/{{collection}}.gmt"
    with pytest.raises(
        InputError,
        match=r"the server cannot be reached\.\n.*\n  found: .*refused.* for "
        r"http://127.0.0.1:\d+/2024.1.Mm/mh.all.gmt\n.*\n  hint: Run once with network access, or copy the GMT file to",
    ):
        download(MH, tmp_path / MH.file_name, url_template=url, registry=tmp_path / "none", timeout=5)
    assert not (tmp_path / MH.file_name).exists()


def test_web_page_instead_of_gmt(server: tuple[str, Path], tmp_path: Path) -> None:
    url, root = server
    publish(root, MH, "<!DOCTYPE html><html><body>Please log in</body></html>\n")
    with pytest.raises(
        InputError, match=r"The downloaded file is not a GMT gene-set file\.\n  where: http://127.0.0.1"
    ):
        download(MH, tmp_path / MH.file_name, url_template=url, registry=tmp_path / "none")


# --- orthologs and coverage ---------------------------------------------------------------------


def test_translate_sets_one_to_many_and_missing() -> None:
    sets = {"S": GeneSet("S", "d", ("TP53", "HLA-DRA", "NOPE")), "EMPTY": GeneSet("EMPTY", "d", ("NOPE",))}
    orthologs = {"TP53": ("Trp53",), "HLA-DRA": ("H2-Ea",), "CD74": ("Cd74",), "AMY1A": ("Amy1", "Amy2")}
    translated, rate = translate_sets(sets, orthologs, source="x.gmt")
    assert translated == {"S": GeneSet("S", "d", ("Trp53", "H2-Ea"))}
    assert rate == pytest.approx(2 / 3)


def test_ortholog_table_column_missing(tmp_path: Path) -> None:
    table = tmp_path / "o.tsv"
    table.write_text("human\tmouse\nTP53\tTrp53\n")
    with pytest.raises(
        InputError,
        match=r"lacks a configured column\.\n.*\n.*\n  found: no column 'fromSymbol'; the table has 'human', 'mouse'",
    ):
        read_orthologs(table, source_column="fromSymbol", target_column="mouse")


def test_symbol_style() -> None:
    assert symbol_style(["TP53", "CD74", "HLA-DRA"] * 10) == "human"
    assert symbol_style(["Trp53", "Cd74", "H2-Aa"] * 10) == "mouse"
    assert symbol_style(["ENSG1"] * 30) is None


@pytest.fixture(scope="module")
def mouse_symbols(shared_data: Path) -> pd.Index:
    counts = pd.read_csv(shared_data / "mouse_GSE96870" / "GSE96870_counts_cerebellum.csv", usecols=[0])
    return pd.Index(counts.iloc[:, 0].astype(str))


def test_human_gmt_against_mouse_symbols_fails_then_runs_with_orthologs(
    shared_data: Path, mouse_symbols: pd.Index, tmp_path: Path
) -> None:
    human = str(shared_data / "genesets" / "h.all.v7.1.Hs.symbols.eVITTA.gmt")
    collections, rates = load_collections([human])
    with pytest.raises(InputError) as info:
        check_coverage(collections, mouse_symbols, min_size=15, max_size=500, min_coverage=0.25)
    message = str(info.value)
    assert message.startswith(
        "Few genes of a gene-set collection are in the data: the sets look like human symbols and the data like "
        "mouse symbols, and no ortholog table translates this collection."
    )
    assert f"file: {human}" in message
    assert " %) match: the sets hold human-style symbols" in message and "the data has mouse-style symbols" in message
    rate = float(message.split("(")[1].split(" %)")[0])
    assert rate < 25
    assert "gsea: orthologs" in message
    table = str(shared_data / "orthologs" / "human2MouseOrthologs.MouseGEM.tsv")
    collections, rates = load_collections(
        [human], orthologs={"table": table, "from": "fromSymbol", "to": "toSymbol", "collections": [human]}
    )
    coverage = check_coverage(
        collections, mouse_symbols, min_size=15, max_size=500, min_coverage=0.25, translated=rates
    )
    row = coverage.iloc[0]
    assert row["ortholog_rate"] > 0.9 and row["coverage"] > 0.8 and row["testable_sets"] == 50
    assert (
        "H2-Aa" in collections[human]["HALLMARK_INTERFERON_GAMMA_RESPONSE"].genes
        or "Cd74" in collections[human]["HALLMARK_INTERFERON_GAMMA_RESPONSE"].genes
    )


def test_mouse_gmt_needs_no_translation(shared_data: Path, mouse_symbols: pd.Index) -> None:
    mouse = str(shared_data / "genesets" / "mh.all.v2022.1.Mm.symbols.gmt")
    coverage = check_coverage({mouse: read_gmt(mouse)}, mouse_symbols, min_size=15, max_size=500, min_coverage=0.25)
    assert coverage.iloc[0]["coverage"] > 0.9 and pd.isna(coverage.iloc[0]["ortholog_rate"])


def test_orthologs_for_an_unknown_collection(tmp_path: Path) -> None:
    gmt = tmp_path / "a.gmt"
    gmt.write_text(GMT)
    with pytest.raises(
        InputError,
        match=r"not configured gene-set collections\.\n  where: config 'gsea: orthologs: collections'\n  found: b.gmt",
    ):
        load_collections([str(gmt)], orthologs={"table": "o.tsv", "from": "a", "to": "b", "collections": ["b.gmt"]})
    # collections to translate without a table: refused with the config, before any job
    # (degsea.configuration.check_config_values; test_error_catalogue_held_out.py)


def test_prepare_genesets_step_stops_before_gsea_then_runs_with_orthologs(
    shared_data: Path, mouse_symbols: pd.Index, tmp_path: Path
) -> None:
    import anndata as ad
    import numpy as np

    from degsea.steps.gsea import prepare_genesets

    genes = pd.Index(mouse_symbols.unique())
    counts = tmp_path / "counts.h5ad"
    ad.AnnData(
        X=np.ones((2, len(genes)), dtype=np.int64),
        obs=pd.DataFrame(index=["a", "b"]),
        var=pd.DataFrame({"symbol": genes.to_numpy()}, index=genes),
    ).write_h5ad(counts)
    human = str(shared_data / "genesets" / "h.all.v7.1.Hs.symbols.eVITTA.gmt")
    table = str(shared_data / "orthologs" / "human2MouseOrthologs.MouseGEM.tsv")
    args = dict(
        counts_h5ad=str(counts),
        genesets=[human],
        msigdb_entries=[],
        out=str(tmp_path / "sets.json"),
        coverage_out=str(tmp_path / "coverage.tsv"),
    )
    with pytest.raises(
        InputError,
        match=r"no ortholog table translates this collection\.\n  file: .*h.all.v7.1.Hs.symbols.eVITTA.gmt\n  found: "
        r"\d+ of \d+ genes \(0\.\d %\) match",
    ):
        prepare_genesets(orthologs={"table": None, "from": "fromSymbol", "to": "toSymbol", "collections": []}, **args)
    assert not (tmp_path / "sets.json").exists()
    orthologs = {"from": "fromSymbol", "to": "toSymbol", "collections": [human]}  # the table is the rule's input
    with pytest.raises(
        InputError,
        match=r"Focus sets are not in the gene-set collections\.\n  where: config 'gsea: focus_sets'\n  found: "
        r"HALLMARK_NOPE",
    ):
        prepare_genesets(orthologs=orthologs, orthologs_table=table, focus_sets=["HALLMARK_NOPE"], **args)
    prepare_genesets(
        orthologs=orthologs, orthologs_table=table, focus_sets=["HALLMARK_INTERFERON_GAMMA_RESPONSE"], **args
    )
    coverage = pd.read_csv(tmp_path / "coverage.tsv", sep="\t")
    assert coverage.loc[0, "ortholog_rate"] > 0.9 and coverage.loc[0, "coverage"] > 0.8


def test_identifier_kinds_name_the_real_cause() -> None:
    """Ensembl detection is not fooled by LRG_ records or _PAR_Y copies (issue 16)."""
    from degsea.naming import gene_id_kind

    human = [f"ENSG{i:011d}" for i in range(1, 300)] + [f"LRG_{i}" for i in range(425)]
    human += ["ENSG00000182162_PAR_Y", "ENSG00000002586.20_PAR_Y", "ENSG00000000003.15"]
    assert gene_id_kind(human) == "human Ensembl gene IDs"
    assert gene_id_kind([f"ENSMUSG{i:011d}.2" for i in range(50)]) == "mouse Ensembl gene IDs"
    assert gene_id_kind([str(i) for i in (7157, 672, 1956)] * 10) == "Entrez gene IDs"
    assert gene_id_kind(["TP53", "BRCA1", "HLA-DRA"] * 10) == "human-style symbols"
    assert gene_id_kind(["Trp53", "Cd74", "H2-Ea"] * 10) == "mouse-style symbols"
    symbols = [f"SYM{i}" for i in range(30)]
    sets = {
        "s.gmt": {
            f"S{k}": GeneSet(name=f"S{k}", description="", genes=tuple(symbols[k * 10 : k * 10 + 10])) for k in range(3)
        }
    }
    with pytest.raises(InputError) as info:
        check_coverage(sets, pd.Index(human), min_size=5, max_size=500, min_coverage=0.25)
    message = str(info.value)
    assert message.startswith(
        "Few genes of a gene-set collection are in the data: the data has human Ensembl gene IDs and the sets "
        "human-style symbols."
    )
    assert "counts: annotation" in message and "ortholog" not in message.split("hint:")[1]
