"""MSigDB collections by name, version and species: downloaded once, checked by SHA-256, reused offline.

A collection is named as MSigDB names its files: ``{collection}.v{version}.symbols.gmt`` with
the species in the version (``2024.1.Mm`` mouse, ``2024.1.Hs`` human), e.g.
``m2.cp.reactome.v2024.1.Mm.symbols.gmt``. It is downloaded from :data:`DEFAULT_URL` (config
``gsea: msigdb_url``) into ``resources/genesets/msigdb/``.

Checksums: the expected SHA-256 is the entry's ``sha256`` in config, else the one in the
repository's registry (:data:`REGISTRY`), else the one recorded in a ``<file>.sha256`` file
beside it. MSigDB publishes no checksums and none are known to this repository, so the
registry ships empty and the first copy is trusted: its checksum is recorded at the first
download, or at the first use of a file put there by hand (offline), with a warning that
names the record and says how to pin the checksum in config. Every later use (the check
before any job runs, the gene-set preparation job, a new download) is checked against it.
A download whose checksum differs is not kept; a stored file that differs stops the run.
"""

from __future__ import annotations

import hashlib
import logging
import re
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from degsea.errors import InputError
from degsea.io import atomic_path

log = logging.getLogger(__name__)

#: MSigDB's download location; {version} and {collection} are filled in.
DEFAULT_URL = "https://data.broadinstitute.org/gsea-msigdb/msigdb/release/{version}/{collection}.v{version}.symbols.gmt"
#: Where collections are stored, and the checksums recorded at first download.
CACHE_DIR = "resources/genesets/msigdb"
#: Checksums known to the repository (sha256sum format: hash, two spaces, file name).
REGISTRY = "resources/genesets/msigdb.sha256"
SPECIES = {"mouse": "Mm", "mm": "Mm", "mus musculus": "Mm", "human": "Hs", "hs": "Hs", "homo sapiens": "Hs"}
TIMEOUT = 60


@dataclass(frozen=True)
class Collection:
    """One MSigDB collection as configured."""

    collection: str
    version: str  # with species suffix, e.g. 2024.1.Mm
    sha256: str | None = None

    @property
    def species(self) -> str:
        return "mouse" if self.version.endswith(".Mm") else "human"

    @property
    def file_name(self) -> str:
        return f"{self.collection}.v{self.version}.symbols.gmt"

    @property
    def path(self) -> str:
        return f"{CACHE_DIR}/{self.file_name}"

    def url(self, template: str = DEFAULT_URL) -> str:
        return template.format(collection=self.collection, version=self.version)


def parse_entries(entries: list[Mapping[str, Any]]) -> list[Collection]:
    """Check the config's ``gsea: msigdb`` entries and return them as :class:`Collection`.

    ``version`` may carry the species (``2024.1.Mm``) or ``species`` gives it (mouse/human).
    """
    result = []
    for number, entry in enumerate(entries, start=1):
        where = f"config 'gsea: msigdb', entry {number} ({entry.get('collection')!r})"
        collection, version = str(entry["collection"]).strip(), str(entry["version"]).strip()
        if not re.fullmatch(r"[a-z0-9][a-z0-9_.\-]*", collection, flags=re.IGNORECASE):
            raise InputError(
                "An MSigDB collection name is not valid.",
                where=where,
                found=repr(collection),
                allowed="MSigDB's file-name stem, e.g. 'mh.all', 'm2.cp.reactome', 'h.all', 'c2.cp.reactome', "
                "'c5.go.bp'",
                hint="Copy it from the MSigDB download page, without version and '.symbols.gmt'.",
            )
        species = entry.get("species")
        suffix = re.search(r"\.(Hs|Mm)$", version)
        if species is not None:
            code = SPECIES.get(str(species).strip().lower())
            if code is None:
                raise InputError(
                    "Unknown species of an MSigDB collection.",
                    where=where,
                    found=repr(species),
                    allowed="mouse or human",
                    hint="MSigDB publishes human (Hs) and mouse (Mm) collections.",
                )
            if suffix and suffix.group(1) != code:
                raise InputError(
                    "The species of an MSigDB collection contradicts its version.",
                    where=where,
                    found=f"species {species!r}, version {version!r}",
                    allowed=f"version ending in .{code} for {species}",
                    hint="Drop 'species' or fix the version.",
                )
            if not suffix:
                version = f"{version}.{code}"
        elif not suffix:
            raise InputError(
                "An MSigDB version does not say the species.",
                where=where,
                found=repr(version),
                allowed="a version such as '2024.1.Mm' (mouse) or '2024.1.Hs' (human), or a 'species' key",
                hint="MSigDB versions end in .Hs or .Mm.",
            )
        if not re.fullmatch(r"\d{4}\.\d+\.(Hs|Mm)", version):
            raise InputError(
                "An MSigDB version is not of MSigDB's form.",
                where=where,
                found=repr(version),
                allowed="YYYY.N.Hs or YYYY.N.Mm, e.g. 2024.1.Mm",
                hint="Older releases (7.x and before) were human only; use a dated release.",
            )
        sha = entry.get("sha256")
        if sha is not None and not re.fullmatch(r"[0-9a-fA-F]{64}", str(sha)):
            raise InputError(
                "An MSigDB checksum is not a SHA-256.",
                where=where,
                found=repr(sha),
                allowed="64 hexadecimal digits (as printed by sha256sum)",
                hint="Leave it out to record the checksum at the first download.",
            )
        result.append(
            Collection(collection=collection, version=version, sha256=None if sha is None else str(sha).lower())
        )
    return result


def sha256_of(path: str | Path) -> str:
    """The SHA-256 of a file, as hexadecimal."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_checksums(path: str | Path) -> dict[str, str]:
    """File name -> SHA-256 from a sha256sum-style file ('#' comments allowed); {} when absent."""
    path = Path(path)
    if not path.is_file():
        return {}
    sums = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        digest, _, name = line.partition(" ")
        sums[name.strip().lstrip("*")] = digest.lower()
    return sums


def expected_checksum(
    collection: Collection, *, registry: str | Path = REGISTRY, cache_dir: str | Path = CACHE_DIR
) -> tuple[str | None, str]:
    """The expected SHA-256 and where it comes from (config, registry, recorded, or none)."""
    if collection.sha256:
        return collection.sha256, "config"
    known = read_checksums(registry).get(collection.file_name)
    if known:
        return known, str(registry)
    lock = recorded_checksum_file(Path(cache_dir) / collection.file_name)
    recorded = read_checksums(lock).get(collection.file_name)
    if recorded:
        return recorded, str(lock)
    return None, "none"


def verify(
    path: str | Path, expected: str, *, origin: str, url: str | None = None, target: str | Path | None = None
) -> None:
    """Raise :class:`InputError` when ``path``'s SHA-256 is not ``expected``.

    ``origin`` is where ``expected`` comes from: ``"config"``, the registry's path, or the
    path of the record made at the first download; the hint says how to resolve each.
    ``target`` is the collection's place in the cache when ``path`` is a download not yet
    moved there (named in the message instead of the temporary file).
    """
    actual = sha256_of(path)
    path = Path(target) if target is not None else Path(path)
    if actual != expected:
        if origin == "config":
            fix = "If MSigDB republished the file on purpose, put the new checksum in the entry's 'sha256'."
        elif origin == str(recorded_checksum_file(path)):
            fix = (
                f"The checksum was recorded from the first copy used. If this file is the one you want, "
                f"delete {origin} to record it afresh (or pin it with 'sha256:' in 'gsea: msigdb')."
            )
        else:
            fix = f"If MSigDB republished the file on purpose, update its line in {origin}."
        raise InputError(
            ("A downloaded" if url else "A stored") + " MSigDB collection does not have the expected SHA-256.",
            file=str(path),
            where=f"checksum from {origin}" + (f", downloaded from {url}" if url else ""),
            found=actual,
            allowed=expected,
            hint=(
                "The download is corrupt or the file changed on the server. "
                if url
                else "The file was changed or replaced since its checksum was recorded; delete it to download it "
                "again. "
            )
            + fix,
        )


def download(
    collection: Collection,
    out: str | Path,
    *,
    url_template: str = DEFAULT_URL,
    registry: str | Path = REGISTRY,
    timeout: float = TIMEOUT,
) -> str:
    """Download a collection to ``out`` (atomically), check its SHA-256 and return it.

    Without a known checksum the file's checksum is recorded in ``<out>.sha256``
    and later uses are checked against it.

    Raises
    ------
    InputError
        The server cannot be reached or answers with an error, the file is not a GMT, or its
        checksum differs from the expected one (the file is then not kept).
    """
    out = Path(out)
    url = collection.url(url_template)
    expected, origin = expected_checksum(collection, registry=registry, cache_dir=out.parent)
    log.info("downloading %s from %s", collection.file_name, url)
    with atomic_path(out) as tmp:
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response, open(tmp, "wb") as handle:  # noqa: S310
                while block := response.read(1 << 20):
                    handle.write(block)
        except urllib.error.HTTPError as err:
            raise InputError(
                "An MSigDB collection could not be downloaded: the server answered with an error.",
                where=f"config 'gsea: msigdb' ({collection.collection} {collection.version})",
                found=f"HTTP {err.code} {err.reason} for {url}",
                allowed="a collection and version that MSigDB publishes",
                hint="Check the names on MSigDB's download page, or 'gsea: msigdb_url'. "
                "Offline, put the GMT file at " + str(out) + " yourself.",
            ) from None
        except (urllib.error.URLError, OSError, TimeoutError) as err:
            reason = getattr(err, "reason", err)
            raise InputError(
                "An MSigDB collection could not be downloaded: the server cannot be reached.",
                where=f"config 'gsea: msigdb' ({collection.collection} {collection.version})",
                found=f"{reason} for {url}",
                allowed="a reachable download server (config 'gsea: msigdb_url')",
                hint=f"Run once with network access, or copy the GMT file to {out}; it is reused offline afterwards.",
            ) from None
        _check_is_gmt(tmp, url=url)
        actual = sha256_of(tmp)
        if expected is not None:
            verify(tmp, expected, origin=origin, url=url, target=out)
    if expected is None:
        _record(recorded_checksum_file(out), collection.file_name, actual)
        log.warning(
            "%s: no published checksum known; recorded SHA-256 %s in %s. Later runs are checked against it; "
            "to pin it, add 'sha256: %s' to this entry of 'gsea: msigdb' (or to %s).",
            collection.file_name,
            actual,
            recorded_checksum_file(out),
            actual,
            registry,
        )
    else:
        log.info("%s: SHA-256 %s matches (%s)", collection.file_name, actual, origin)
    return actual


def check_cached(
    collection: Collection, path: str | Path, *, registry: str | Path = REGISTRY, record: bool = False
) -> str | None:
    """Verify a stored collection against its expected checksum and return the checksum.

    With no checksum known (a file put there by hand, not downloaded by degsea), ``record``
    records the file's checksum beside it, as a first download does, and warns; without
    ``record`` nothing is checked and None is returned.

    Raises
    ------
    InputError
        The file's SHA-256 differs from the expected one.
    """
    expected, origin = expected_checksum(collection, registry=registry, cache_dir=Path(path).parent)
    if expected is not None:
        verify(path, expected, origin=origin)
        return expected
    if not record:
        return None
    actual = sha256_of(path)
    lock = recorded_checksum_file(path)
    _record(lock, collection.file_name, actual)
    log.warning(
        "%s was not downloaded by degsea and no checksum is known for it: recorded its SHA-256 %s in %s "
        "(trusted as it is now). Later runs are checked against it; to pin it, add 'sha256: %s' to this "
        "entry of 'gsea: msigdb'.",
        path,
        actual,
        lock,
        actual,
    )
    return actual


def _check_is_gmt(path: Path, *, url: str) -> None:
    head = path.read_bytes()[:4096]
    text = head.decode("utf-8", errors="replace")
    first = text.split("\n", 1)[0]
    if not head or first.lstrip().startswith("<") or first.count("\t") < 2:
        raise InputError(
            "The downloaded file is not a GMT gene-set file.",
            where=url,
            found=repr(first[:80]) if head else "an empty file",
            allowed="tab-separated lines: name, description, genes",
            hint="The URL probably leads to a web page (login or error page). Check 'gsea: msigdb_url'.",
        )


def recorded_checksum_file(path: str | Path) -> Path:
    """The file that holds the checksum recorded at a collection's first download."""
    path = Path(path)
    return path.with_name(path.name + ".sha256")


def _record(lock: Path, name: str, digest: str) -> None:
    with atomic_path(lock) as tmp:
        tmp.write_text(f"{digest}  {name}\n", encoding="utf-8")
