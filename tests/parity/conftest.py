"""Fixtures of the parity tests: the R references and cached degsea runs (one fit per dataset)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import parity  # noqa: E402


@pytest.fixture(scope="session")
def shared_reference() -> Path:
    """Directory of R reference outputs, ``../shared/reference`` next to the repository.

    Returns
    -------
    Path
        The directory; tests using it are skipped when it is absent.
    """
    path = parity.SHARED_REFERENCE
    if not path.is_dir():
        pytest.skip(
            f"../shared/reference is absent: the R reference outputs ({path}) are not part of the "
            "repository and are only available on the development machine and in CI"
        )
    return path


class _RunCache:
    """Runs each scenario once per session, on first use."""

    def __init__(self) -> None:
        self._runs: dict[str, parity.ScenarioRun] = {}

    def get(self, scenario: parity.Scenario) -> parity.ScenarioRun:
        if scenario.name not in self._runs:
            self._runs[scenario.name] = parity.run_scenario(scenario)
        return self._runs[scenario.name]


@pytest.fixture(scope="session")
def scenario_runs() -> _RunCache:
    """Session cache of degsea runs per scenario (see :func:`parity.run_scenario`)."""
    return _RunCache()


@pytest.fixture(scope="session")
def gsea_runs() -> dict:
    """Session cache of degsea GSEA results per (contrast, collection)."""
    return {}
