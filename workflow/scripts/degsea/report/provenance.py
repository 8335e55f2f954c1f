"""Provenance of a run: software versions, the resolved config, input checksums and seeds."""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

#: Packages whose versions shape results or figures, reported in results/provenance.json.
PACKAGES = (
    "snakemake",
    "pydeseq2",
    "gseapy",
    "numpy",
    "scipy",
    "pandas",
    "anndata",
    "formulaic",
    "formulaic-contrasts",
    "scikit-learn",
    "matplotlib",
    "adjustText",
    "jsonschema",
    "PyYAML",
)


def sha256(path: str | Path, *, chunk: int = 1 << 20) -> str:
    """SHA-256 hex digest of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def package_versions(packages: Sequence[str] = PACKAGES) -> dict[str, str]:
    """Installed versions of degsea, Python and ``packages`` (``"absent"`` when not installed)."""
    from importlib.metadata import PackageNotFoundError, version

    import degsea

    found = {"degsea": degsea.__version__, "python": sys.version.split()[0]}
    for package in packages:
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "absent"
    return found


def seeds(config: Mapping[str, Any]) -> dict[str, int]:
    """Every random seed of a resolved config, by its config key.

    The per-sample score plot's jitter uses a fixed seed of 0 (``plots.jitter``).
    """
    found = {"gsea.seed": int(config["gsea"]["seed"]), "plots.jitter": 0}
    if "demo" in config and "seed" in config["demo"]:
        found["demo.seed"] = int(config["demo"]["seed"])
    return dict(sorted(found.items()))


def provenance(
    *, inputs: Mapping[str, Sequence[str | Path]], config: Mapping[str, Any], versions: Mapping[str, str]
) -> dict[str, Any]:
    """The provenance record of a run (no time stamps, so equal inputs give an equal record).

    Parameters
    ----------
    inputs
        Role (``samples``, ``counts``, ``genesets``, ``configfiles``) -> files.
    config
        The resolved config (schema defaults filled in).
    versions
        Package -> version (see :func:`package_versions`).

    Returns
    -------
    dict
        ``versions``, ``config``, ``inputs`` (role -> list of ``{path, sha256, bytes}``), ``seeds``.
    """
    records = {
        role: [{"path": str(p), "sha256": sha256(p), "bytes": Path(p).stat().st_size} for p in paths]
        for role, paths in inputs.items()
    }
    return {
        "versions": dict(versions),
        "config": plain_config(config),
        "inputs": records,
        "seeds": seeds(config),
    }


def plain_config(value: Any) -> Any:
    """Config as plain JSON types (Snakemake's config may hold its own mapping classes)."""
    if isinstance(value, Mapping):
        return {str(k): plain_config(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_config(v) for v in value]
    return value
