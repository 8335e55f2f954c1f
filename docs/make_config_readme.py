"""Write config/README.md, the configuration page, from workflow/schemas/config.schema.yaml.

Run ``python docs/make_config_readme.py`` after changing the schema;
``tests/unit/test_config_readme.py`` fails while config/README.md differs from what this script
writes, so the page cannot drift from the schema.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "workflow" / "schemas" / "config.schema.yaml"
OUTPUT = ROOT / "config" / "README.md"

HEADER = """# Configuring degsea

This page is generated from the config schema,
[`workflow/schemas/config.schema.yaml`](../workflow/schemas/config.schema.yaml), by
`docs/make_config_readme.py`; a test fails when it is out of date.

## How a config is read

- `config/config.yaml` is the default config: the embedded demo study (simulated counts shaped
  like an mTOR-inhibition experiment on mouse invasive lobular carcinoma). Run your own study with
  `snakemake --cores 2 --configfile path/to/study.yaml`.
- A config given with `--configfile` replaces the default one; it is not merged into it. Keys it
  leaves out take the schema's defaults (the tables below).
- The config is checked against the schema, then against the sample sheet, the count input and
  the gene-set files, when `snakemake` starts: a mistake stops the run with one message before any
  job runs (every message: [docs/errors.md](../docs/errors.md)).
- The config holds the science only. Threads, memory, run time and partitions come from the
  profiles in `workflow/profiles/` (`default/` for a workstation, `slurm/` for a cluster).
- A worked example of a real study: [`config/studies/klarenbeek2020/`](studies/klarenbeek2020/).

## The sample sheet

`samples` names a TSV (CSV when named `.csv`) with a `sample` column and one column per
covariate; the design formula and the contrasts name these columns. Two optional columns:
`path` (each sample's count file, instead of `counts.pattern`) and `strandedness` (STAR only:
`none`, `forward` or `reverse` per sample).

## Sections and keys
"""


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _default(spec: Mapping[str, Any]) -> str:
    if "default" not in spec:
        return "(required)"
    value = spec["default"]
    if isinstance(value, bool) or value is None:
        return f"`{json.dumps(value)}`"
    if isinstance(value, (dict, list)):
        return f"`{json.dumps(value)}`" if len(json.dumps(value)) <= 40 else "see the schema"
    return f"`{value}`"


def _meaning(spec: Mapping[str, Any]) -> str:
    text = spec.get("description", "")
    if "enum" in spec:
        text += " One of: " + ", ".join(f"`{json.dumps(e) if e is None else e}`" for e in spec["enum"]) + "."
    return _cell(text)


def _table(properties: Mapping[str, Any], prefix: str) -> list[str]:
    rows = ["| key | default | meaning |", "|---|---|---|"]
    rows += [f"| `{prefix}{key}` | {_default(spec)} | {_meaning(spec)} |" for key, spec in properties.items()]
    return rows


def _nested(properties: Mapping[str, Any], prefix: str) -> list[tuple[str, Mapping[str, Any]]]:
    """(prefix, properties) of every object below ``properties``, list items written as ``key[]``."""
    found = []
    for key, spec in properties.items():
        if "properties" in spec:
            found.append((f"{prefix}{key}.", spec["properties"]))
        items = spec.get("items", {})
        if "properties" in items:
            found.append((f"{prefix}{key}[].", items["properties"]))
        extra = spec.get("additionalProperties")
        if isinstance(extra, Mapping) and "properties" in extra:
            found.append((f"{prefix}{key}.<name>.", extra["properties"]))
    return found


def render() -> str:
    """The configuration page as Markdown: one section per top-level key of the schema."""
    schema = yaml.safe_load(SCHEMA.read_text(encoding="utf-8"))
    lines = [HEADER]
    for key, spec in schema["properties"].items():
        lines += ["", f"### `{key}`", "", _meaning(spec), ""]
        if "properties" in spec:
            lines += _table(spec["properties"], f"{key}.")
        elif _default(spec) == "see the schema":
            default = yaml.safe_dump({key: spec["default"]}, sort_keys=False, default_flow_style=None)
            lines += ["Default:", "", "```yaml", default.rstrip(), "```"]
        else:
            lines += [f"Default: {_default(spec)}."]
        todo = _nested({key: spec}, "")
        while todo:
            prefix, properties = todo.pop(0)
            if prefix != f"{key}.":
                lines += ["", *_table(properties, prefix)]
            todo += _nested(properties, prefix)
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    OUTPUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
