"""config/README.md (the catalog's configuration page) documents every key of the schema and is up to date."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _generator():
    spec = importlib.util.spec_from_file_location("make_config_readme", ROOT / "docs" / "make_config_readme.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_config_readme_is_up_to_date() -> None:
    actual = (ROOT / "config" / "README.md").read_text(encoding="utf-8")
    assert actual == _generator().render(), "config/README.md is out of date: run `python docs/make_config_readme.py`"


def test_config_readme_names_every_schema_key() -> None:
    schema = yaml.safe_load((ROOT / "workflow" / "schemas" / "config.schema.yaml").read_text(encoding="utf-8"))
    page = (ROOT / "config" / "README.md").read_text(encoding="utf-8")
    for section, spec in schema["properties"].items():
        assert f"### `{section}`" in page
        for key in spec.get("properties", {}):
            assert f"| `{section}.{key}` |" in page, f"{section}.{key} is missing from config/README.md"
    assert "| `gsea.msigdb[].collection` | (required) |" in page
    assert "| `gsea.orthologs.table` | `null` |" in page
    assert "| `de.engine` | `deseq2_exact` |" in page
