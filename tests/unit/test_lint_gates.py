"""The lint gates of .ci/run bite: snakefmt, snakemake --lint and ruff fail on a bad file.

Each check runs the tool the way .ci/run does, on a file written into a temporary copy, with
the project's own configuration (pyproject.toml). A clean counterpart shows the failure comes
from the fault planted, not from the set-up.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

#: A badly formatted rule: odd indentation, directives on one line, single quotes, no trailing comma.
MESSY_RULE = """\
rule messy:
  input: 'a.txt'
  output:
        "b.txt"
  log: "logs/messy.log"
  conda: "../../envs/demo.yaml"
  shell: "cp {input} {output} 2> {log}"
"""


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (pip install -e '.[test]' installs it)")
    return path


def run(*command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A temporary copy of the repository's Snakemake files and pyproject.toml (the linters' configuration)."""
    shutil.copy2(REPO_ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copy2(REPO_ROOT / "Snakefile", tmp_path / "Snakefile")
    shutil.copytree(REPO_ROOT / "workflow", tmp_path / "workflow", ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    (tmp_path / "workflow" / "scripts").mkdir(exist_ok=True)
    return tmp_path


def test_snakefmt_check_fails_on_a_badly_formatted_rule_file(project: Path) -> None:
    snakefmt = tool("snakefmt")
    gate = (snakefmt, "--check", "Snakefile", "workflow")  # as .ci/run
    clean = run(*gate, cwd=project)
    assert clean.returncode == 0, f"the repository's Snakemake files are not snakefmt-clean:\n{clean.stderr}"

    (project / "workflow" / "rules" / "messy.smk").write_text(MESSY_RULE)
    messy = run(*gate, cwd=project)
    assert messy.returncode != 0
    assert "1 file(s) would be changed" in messy.stderr
    diff = run(snakefmt, "--diff", "workflow/rules/messy.smk", cwd=project)
    assert "-   input: 'a.txt'" in diff.stdout and '+         "a.txt",' in diff.stdout, diff.stdout


def test_ruff_fails_on_an_unused_import(project: Path) -> None:
    ruff = tool("ruff")
    module = project / "module.py"
    module.write_text('"""A module."""\n\n\ndef double(x: int) -> int:\n    return 2 * x\n')
    clean = run(ruff, "check", "--no-cache", ".", cwd=project)
    assert clean.returncode == 0, clean.stdout

    module.write_text('"""A module."""\n\nimport os\n\n\ndef double(x: int) -> int:\n    return 2 * x\n')
    dirty = run(ruff, "check", "--no-cache", ".", cwd=project)
    assert dirty.returncode != 0
    assert "F401" in dirty.stdout


def test_ruff_lets_rule_scripts_use_the_injected_snakemake_name_only(project: Path) -> None:
    ruff = tool("ruff")
    text = '"""Rule x."""\n\nprint(snakemake.input[0])\n'
    (project / "workflow" / "scripts" / "adapter.py").write_text(text)
    assert run(ruff, "check", "--no-cache", ".", cwd=project).returncode == 0

    (project / "library.py").write_text(text)  # outside workflow/scripts the name is undefined
    outside = run(ruff, "check", "--no-cache", ".", cwd=project)
    assert outside.returncode != 0
    assert "F821" in outside.stdout and "library.py" in outside.stdout


def test_snakemake_lint_exits_non_zero_on_a_finding(tmp_path: Path) -> None:
    # .ci/run relies on the exit code: a rule with no log: and no conda: must fail the gate
    (tmp_path / "Snakefile").write_text(
        'rule bare:\n    output:\n        "x.txt",\n    shell:\n        "touch {output}"\n'
    )
    done = run(sys.executable, "-m", "snakemake", "--lint", cwd=tmp_path)
    assert done.returncode != 0
    assert "No log directive defined" in done.stdout + done.stderr
