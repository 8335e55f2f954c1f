"""The workflow config: JSON-schema validation with defaults and readable messages."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from degsea.errors import InputError

SCHEMA_FILE = "workflow/schemas/config.schema.yaml"


def load_schema(path: str | Path) -> dict[str, Any]:
    """Read a JSON schema written in YAML."""
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def fill_defaults(instance: Any, schema: Mapping[str, Any]) -> Any:
    """Return a copy of ``instance`` with the schema's defaults filled in, recursively."""
    if not isinstance(instance, dict):
        return instance
    filled = dict(instance)
    for key, sub in schema.get("properties", {}).items():
        if key not in filled and "default" in sub:
            filled[key] = copy.deepcopy(sub["default"])
        if key in filled:
            filled[key] = fill_defaults(filled[key], sub)
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        for key in set(filled) - set(schema.get("properties", {})):
            filled[key] = fill_defaults(filled[key], extra)
    return filled


def validate_config(config: Mapping[str, Any], schema: Mapping[str, Any], *, source: str = "the config") -> dict[str, Any]:
    """Validate a config against the schema and return it with defaults filled in.

    Parameters
    ----------
    config
        The config as Snakemake loaded it.
    schema
        The JSON schema (see :func:`load_schema`).
    source
        The config file(s), for messages.

    Raises
    ------
    InputError
        For the most relevant schema violation: the key, the value found, what is allowed
        and the key's description.
    """
    filled = fill_defaults(dict(config), schema)
    validator = jsonschema.Draft202012Validator(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(filled))
    if error is None:
        return filled
    key = ": ".join(str(p) for p in error.absolute_path)
    where = f"config '{key}'" if key else "top level of the config"
    sub_schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "additionalProperties":
        known = sorted(error.schema.get("properties", {}))
        unexpected = sorted(set(error.instance) - set(known))
        raise InputError(
            "The config has a key that degsea does not know.",
            file=source,
            where=where,
            found=", ".join(repr(u) for u in unexpected),
            allowed=", ".join(known) if known else "no other keys",
            hint=f"Check the spelling; every key is described in {SCHEMA_FILE}.",
        )
    if error.validator == "required":
        raise InputError(
            "The config lacks a required key.",
            file=source,
            where=where,
            found=error.message,
            allowed=", ".join(sub_schema.get("required", [])),
            hint="Add the missing key.",
        )
    allowed = _describe(error)
    description = sub_schema.get("description") or _parent_description(schema, error.absolute_path)
    raise InputError(
        "A config value is not allowed.",
        file=source,
        where=where,
        found="an empty value" if error.instance is None else repr(error.instance),
        allowed=allowed,
        hint=f"What it is: {description}" if description else f"See {SCHEMA_FILE} for what each key takes.",
    )


def _describe(error: jsonschema.ValidationError) -> str:
    if error.validator == "enum":
        return "one of " + ", ".join(repr(v) for v in error.validator_value)
    if error.validator == "type":
        return f"a value of type {error.validator_value}"
    limits = {
        "minimum": "at least {}",
        "maximum": "at most {}",
        "exclusiveMinimum": "more than {}",
        "exclusiveMaximum": "less than {}",
        "minItems": "at least {} item(s)",
        "minProperties": "at least {} entry(ies)",
    }
    if error.validator in limits:
        return limits[error.validator].format(error.validator_value)
    return error.message


def _parent_description(schema: Mapping[str, Any], path: Any) -> str:
    node: Any = schema
    description = ""
    for part in path:
        if not isinstance(node, dict):
            break
        node = node.get("properties", {}).get(part) or node.get("additionalProperties")
        if isinstance(node, dict):
            description = node.get("description", description)
    return description
