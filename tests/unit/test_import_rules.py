"""The library's import rules (issue 12): which package may import which, read from the source.

Packages by role: the neutral modules (errors, io, naming, tables) import nothing of degsea
but errors; inputs, de, gsea, plots and report import only what the layout allows; plots are
imported only by the figure steps; no package imports back the one that imports it.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = ROOT / "workflow" / "scripts" / "degsea"

NEUTRAL = {"errors", "io", "naming", "tables"}
#: Package -> the packages it may import (besides itself and the neutral modules).
ALLOWED = {
    "errors": set(),
    "io": set(),
    "naming": set(),
    "tables": set(),
    "configuration": set(),
    "resources": set(),
    "scripting": set(),
    "study": {"inputs", "de", "gsea"},  # the up-front check of the whole study (common.smk)
    "inputs": set(),
    "de": {"inputs", "de.exact"},
    "de.exact": {"inputs"},
    "gsea": set(),
    "plots": {"de", "gsea"},
    "report": set(),
    "demo": set(),
    "steps": {"inputs", "de", "gsea", "plots", "report", "demo"},
}
#: Imports that break the layout today, each to be mended by a later issue-12 step. A new one
#: fails the test; a mended one must be removed here (the test fails when it no longer occurs).
KNOWN_LEAKS: set[tuple[str, str]] = set()


def _package(module: str) -> str:
    """``degsea.de.exact.glm`` -> ``de.exact``; ``degsea.inputs.sheet`` -> ``inputs``; ``degsea.io`` -> ``io``."""
    parts = module.split(".")[1:]
    if parts[:2] == ["de", "exact"]:
        return "de.exact"
    return parts[0]


def _imports() -> set[tuple[str, str]]:
    """(importing module, imported module) for every degsea import in the library."""
    edges = set()
    for path in LIBRARY.rglob("*.py"):
        module = ".".join(("degsea", *path.relative_to(LIBRARY).with_suffix("").parts)).removesuffix(".__init__")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "degsea":
                if node.module == "degsea" or (LIBRARY / Path(*node.module.split(".")[1:])).is_dir():
                    targets = [f"{node.module}.{a.name}" for a in node.names]  # from degsea.plots import style
                else:
                    targets = [node.module]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names if a.name.split(".")[0] == "degsea"]
            else:
                continue
            edges.update((module, t) for t in targets if t != "degsea")
    return edges


def test_every_import_follows_the_layout() -> None:
    edges = _imports()
    assert len(edges) > 50, "the import scan found too few imports"
    wrong = []
    for source, target in sorted(edges):
        have, want = _package(source), _package(target)
        if have == want or want == "errors" or (want in NEUTRAL and have not in NEUTRAL):
            continue
        if want not in ALLOWED[have] and (source, target) not in KNOWN_LEAKS:
            wrong.append(
                f"{source} imports {target} ({have} may import {sorted(ALLOWED[have] | NEUTRAL) or 'errors only'})"
            )
    assert not wrong, "imports against the layout:\n" + "\n".join(wrong)
    mended = KNOWN_LEAKS - edges
    assert not mended, f"remove mended leaks from KNOWN_LEAKS: {sorted(mended)}"


def test_plots_are_imported_only_by_figure_steps() -> None:
    users = {s for s, t in _imports() if _package(t) == "plots" and _package(s) != "plots"}
    assert users, "no module imports plots: the scan is broken"
    assert all(s.startswith("degsea.steps.figures") for s in users), sorted(users)


def test_no_cycle_between_packages() -> None:
    graph: dict[str, set[str]] = {}
    for source, target in _imports():
        if _package(source) != _package(target):
            graph.setdefault(_package(source), set()).add(_package(target))

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for nxt in graph.get(start, ()):
            if nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})):
                return True
        return False

    cycles = sorted(p for p in graph if reaches(p, p, {p}))
    assert not cycles, f"packages in an import cycle: {cycles}"
