"""docs/errors.md lists every InputError of the library and is up to date."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _generator():
    spec = importlib.util.spec_from_file_location("make_errors", ROOT / "docs" / "make_errors.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_errors_doc_is_up_to_date() -> None:
    expected = _generator().render()
    actual = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    assert actual == expected, "docs/errors.md is out of date: run `python docs/make_errors.py`"


def test_catalogue_covers_the_known_errors() -> None:
    rows = _generator().collect()
    messages = {message for _, message, _, _ in rows}
    assert len(rows) >= 40
    assert "The count matrix holds {...}." in messages
    assert "Contrast '{...}' names a level that is not in the sample sheet." in messages
    assert all(hint for _, _, _, hint in rows if _ == "inputs.sheet"), "every sample-sheet error has a hint"
