"""envs/*.yaml (the conda environment of each stage) stay in step with pyproject.toml.

Every package an environment lists must carry exactly pyproject's version bounds; every
dependency of pyproject must be in at least one environment, except the few that run only in
Snakemake's own process (``DRIVER_ONLY``).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

REPO_ROOT = Path(__file__).resolve().parents[2]
ENVS = sorted((REPO_ROOT / "envs").glob("*.yaml"))

#: Conda package name -> the PyPI name pyproject uses.
CONDA_TO_PYPI = {"matplotlib-base": "matplotlib"}
#: Environment entries that are not Python packages of pyproject.
NOT_PYPROJECT = {"python", "pip"}
#: pyproject dependencies that no job imports: they run in Snakemake's own process.
DRIVER_ONLY = {
    "snakemake": "runs the workflow; jobs get its script preamble, not the package",
    "jsonschema": "config validation in workflow/rules/common.smk, when the workflow is parsed",
}


def pyproject_dependencies() -> dict[str, SpecifierSet]:
    """Canonical name -> version bounds of pyproject's runtime dependencies."""
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    requirements = [Requirement(text) for text in project["dependencies"]]
    return {canonicalize_name(r.name): r.specifier for r in requirements}


def conda_entry(entry: str) -> tuple[str, SpecifierSet]:
    """``'pandas >=2.2,<3'`` -> ('pandas', SpecifierSet('>=2.2,<3')), conda names mapped to PyPI's."""
    match = re.fullmatch(r"([A-Za-z0-9_.\-]+)\s*(.*)", entry.strip())
    assert match, f"unreadable conda entry {entry!r}"
    name, spec = match.groups()
    name = CONDA_TO_PYPI.get(name.lower(), name)
    spec = spec.replace(" ", "")
    if name in NOT_PYPROJECT:  # python =3.11: conda's own pin, nothing to compare
        return name, SpecifierSet()
    # conda's "=1.2" is pip's "==1.2.*"; the environments write "==" to say what pyproject says
    assert not re.match(r"=[^=]", spec), f"{entry!r}: write '==' (as pyproject.toml), not conda's fuzzy '='"
    return canonicalize_name(name), SpecifierSet(spec)


def env_packages(path: Path) -> dict[str, SpecifierSet]:
    """Canonical name -> bounds of every package an environment file lists (conda and pip)."""
    packages = {}
    for entry in yaml.safe_load(path.read_text())["dependencies"]:
        if isinstance(entry, dict):
            for pip_entry in entry.get("pip", []):
                requirement = Requirement(pip_entry)
                packages[canonicalize_name(requirement.name)] = requirement.specifier
        else:
            name, spec = conda_entry(entry)
            packages[name] = spec
    return packages


def test_there_are_stage_environments() -> None:
    assert {p.stem for p in ENVS} >= {"demo", "counts", "de", "gsea", "plots"}


@pytest.mark.parametrize("env", ENVS, ids=lambda p: p.name)
def test_env_pins_what_pyproject_pins(env: Path) -> None:
    declared = pyproject_dependencies()
    for name, spec in env_packages(env).items():
        if name in NOT_PYPROJECT:
            continue
        assert name in declared, f"{env.name} lists {name}, which pyproject.toml does not declare"
        assert spec == declared[name], (
            f"{env.name}: {name} '{spec}' but pyproject.toml says '{declared[name]}'; write the same bounds in both"
        )


def test_every_dependency_is_in_an_environment() -> None:
    listed = set().union(*(env_packages(env) for env in ENVS))
    missing = sorted(set(pyproject_dependencies()) - listed - set(DRIVER_ONLY))
    assert not missing, f"pyproject.toml dependencies in no envs/*.yaml: {missing}"


def test_driver_only_packages_are_declared() -> None:
    # a stale entry here would hide a dependency that left pyproject.toml
    assert set(DRIVER_ONLY) <= set(pyproject_dependencies())


def test_conda_entry_parsing() -> None:
    assert conda_entry("matplotlib-base >=3.8") == ("matplotlib", SpecifierSet(">=3.8"))
    assert conda_entry("pandas >=2.2,<3") == ("pandas", SpecifierSet(">=2.2,<3"))
    assert conda_entry("scipy") == ("scipy", SpecifierSet(""))
    assert conda_entry("python =3.11") == ("python", SpecifierSet(""))
    with pytest.raises(AssertionError, match="fuzzy"):
        conda_entry("pydeseq2 =0.5.4")
