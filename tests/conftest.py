"""Shared pytest set-up: import path for the workflow's Python package and the shared test data."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "workflow" / "scripts"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Directory of real public reference data, ``../shared/data`` next to the repository.

    Returns
    -------
    Path
        The directory; tests using it are skipped when it is absent.
    """
    path = REPO_ROOT.parent / "shared" / "data"
    if not path.is_dir():
        pytest.skip(
            f"../shared/data is absent: the read-only reference data ({path}) is not part of "
            "the repository and is only available on the development machine"
        )
    return path
