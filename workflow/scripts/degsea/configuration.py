"""The workflow config: JSON-schema validation with defaults and readable messages."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from degsea.errors import InputError
from degsea.naming import REPORT_BREAKERS

SCHEMA_FILE = "workflow/schemas/config.schema.yaml"


def load_schema(path: str | Path) -> dict[str, Any]:
    """Read a JSON schema written in YAML."""
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


#: Folders the workflow writes, and suffixes of the files it writes: a config file among them
#: is a target that followed ``--configfile`` on the command line.
OUTPUT_FOLDERS = ("results", "logs", ".snakemake")
OUTPUT_SUFFIXES = (".tsv", ".h5ad", ".png", ".svg", ".pdf", ".rst", ".html", ".log", ".gz", ".gmt")
#: The order of a command line with targets, for messages and the README.
TARGET_ORDER = (
    "snakemake --cores 2 <targets> --configfile <config.yaml>  (or: ... --configfile <config.yaml> -- <targets>)"
)


def check_config_files(paths: Sequence[str | Path]) -> None:
    """Stop on a config file that is a target of the workflow, or gives a key twice in one section.

    Snakemake reads every word after ``--configfile`` as a config file, so a target written
    after it (``--configfile my.yaml results/de/x.tsv``) becomes a second config file: one
    that exists and parses is merged into the config. YAML loaders keep the last of two equal
    keys without a word, so a second contrast of the same name (a copy-paste left unrenamed)
    would replace the first unnoticed.

    Raises
    ------
    InputError
        The target and the right order of the command line; or the file, the line of the
        repeated key and the line of its first use.
    """
    for path in paths:
        check_not_a_target(path)
    for path in paths:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # Snakemake has read it already or reported it
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError:
            continue  # Snakemake reports syntax errors itself
        if node is not None:
            _check_mappings(node, file=str(path))


def check_not_a_target(path: str | Path) -> None:
    """Raise :class:`InputError` when a config file is one of the workflow's outputs (a target)."""
    resolved = Path(path).resolve()
    try:
        parts = resolved.relative_to(Path.cwd().resolve()).parts
    except ValueError:
        parts = ()
    name = resolved.name.lower()
    if (parts and parts[0] in OUTPUT_FOLDERS) or name.endswith(OUTPUT_SUFFIXES):
        raise InputError(
            "A file given to --configfile is not a config file: it looks like a target of the workflow.",
            file=str(path),
            where="the snakemake command line",
            found=f"{str(path)!r} after --configfile",
            allowed="YAML config files after --configfile; targets before it, or after '--'",
            hint="Snakemake reads every word after --configfile as a config file. Write targets first: " + TARGET_ORDER,
        )


def _check_mappings(node: yaml.Node, *, file: str, section: str = "") -> None:
    if isinstance(node, yaml.MappingNode):
        first: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in first:
                raise InputError(
                    "A config file gives the same key twice in one section.",
                    file=file,
                    where=f"line {line}" + (f", in '{section}'" if section else ""),
                    found=f"{key!r}, first given on line {first[key]}",
                    allowed="each key once per section",
                    hint="YAML would silently keep only the last one: rename one of them (e.g. a copied contrast) or "
                    "merge them.",
                )
            first[key] = line
            _check_mappings(value_node, file=file, section=f"{section}: {key}" if section else key)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _check_mappings(item, file=file, section=section)


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


#: Mappings of the config whose order means something: the order of the contrasts is the
#: order of the analysis and the report, the order of the colours that of the groups.
ORDERED_MAPPINGS: tuple[tuple[str, ...], ...] = (("contrasts",), ("plots", "colors"))


def canonical_config(config: Mapping[str, Any], schema: Mapping[str, Any]) -> dict[str, Any]:
    """The config in one canonical form, so that equal settings give equal rule params.

    Snakemake compares each rule's params by their ``repr`` to decide whether outputs are
    out of date, so the same values written in another key order, or ``1`` where the
    schema takes a number and another file wrote ``1.0``, would rerun the workflow from the
    import. Here mapping keys are sorted (except in :data:`ORDERED_MAPPINGS`, whose order is
    part of the setting) and whole numbers where the schema takes any number become floats.
    """
    return _canonical(config, schema, path=())


def _canonical(value: Any, schema: Mapping[str, Any] | None, *, path: tuple[str, ...]) -> Any:
    schema = schema if isinstance(schema, Mapping) else {}
    if isinstance(value, Mapping):
        keys = list(value) if path in ORDERED_MAPPINGS else sorted(value, key=str)
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        return {key: _canonical(value[key], properties.get(key, extra), path=(*path, str(key))) for key in keys}
    if isinstance(value, (list, tuple)):
        return [_canonical(item, schema.get("items"), path=path) for item in value]
    kinds = _as_list(schema.get("type", []))
    if isinstance(value, int) and not isinstance(value, bool) and "number" in kinds and "integer" not in kinds:
        return float(value)
    return value


def validate_config(
    config: Mapping[str, Any], schema: Mapping[str, Any], *, source: str = "the config"
) -> dict[str, Any]:
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
        check_config_values(filled, source=source)
        check_report_safe(filled, source=source)
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
    # YAML reads 2, 1.0, yes and no as numbers and booleans; a level or name must be quoted.
    unquoted = (
        error.validator == "type"
        and "string" in _as_list(error.validator_value)
        and isinstance(error.instance, (bool, int, float))
    )
    raise InputError(
        "A config value is not allowed.",
        file=source,
        where=where,
        found="an empty value"
        if error.instance is None
        else repr(error.instance)
        + (
            (" (a yes/no value, not text)" if isinstance(error.instance, bool) else " (a number, not text)")
            if unquoted
            else ""
        ),
        allowed=allowed,
        hint=(
            "YAML reads unquoted numbers and yes/no/true/false as such: write the value in quotes, as it is in the "
            "sample sheet. "
            if unquoted
            else ""
        )
        + (f"What it is: {description}" if description else f"See {SCHEMA_FILE} for what each key takes."),
    )


def check_report_safe(config: Mapping[str, Any], *, source: str = "the config") -> None:
    """Stop on a config key or value that would break out of a ``<script>`` element or a template of the HTML report.

    Every other character, ``<``, ``>``, ``"`` and ``&`` included, is fine: degsea's own report
    content escapes them, and Snakemake keeps them inside JSON strings.

    Raises
    ------
    InputError
        The config key and the value holding ``</`` or ``<!--``.
    """
    for key, text in _strings(config):
        if any(breaker in text for breaker in REPORT_BREAKERS):
            raise InputError(
                "A config value cannot be shown safely in the HTML report.",
                file=source,
                where=f"config '{key}'" if key else "top level of the config",
                found=repr(text),
                allowed="text without '</', '<!--' and '{%'",
                hint="Snakemake's report would read it as the end of a script or as template code. Rename the level, "
                "gene-set name or gene it names (in the sample sheet, gene-set file or count matrix too), e.g. '</' as "
                "'/'.",
            )


def _strings(value: Any, key: str = "") -> list[tuple[str, str]]:
    """Every string of a nested config, keys included, with its key path (``plots: colors: <level>``)."""
    if isinstance(value, Mapping):
        found = []
        for name, item in value.items():
            path = f"{key}: {name}" if key else str(name)
            found += [(path, str(name))] if isinstance(name, str) else []
            found += _strings(item, path)
        return found
    if isinstance(value, (list, tuple)):
        return [pair for item in value for pair in _strings(item, key)]
    return [(key, value)] if isinstance(value, str) else []


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


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


def check_config_values(config: Mapping[str, Any], *, source: str = "the config") -> None:
    """Check values of a schema-valid config against each other.

    Each key can be valid on its own while two keys together ask for something impossible
    or silently ignored: an empty set-size range, shrunken fold changes as the rank metric of a
    run without shrinkage, an ortholog table that translates nothing, or collections to
    translate with no table.

    Raises
    ------
    InputError
        The two keys, their values and which combination is allowed.
    """
    if "gsea" not in config or "de" not in config:  # a many-studies run's own config: nothing to cross-check
        return
    gsea, de = config["gsea"], config["de"]
    if gsea["min_size"] > gsea["max_size"]:
        raise InputError(
            "The GSEA size range is empty.",
            file=source,
            where="config 'gsea: min_size', 'gsea: max_size'",
            found=f"min_size {gsea['min_size']} > max_size {gsea['max_size']}",
            allowed="min_size <= max_size",
            hint="The usual range is 15-500.",
        )
    if gsea["rank_by"] == "log2FoldChange_shrunk" and not de["shrink"]:
        raise InputError(
            "GSEA ranks genes by shrunken fold changes, but shrinkage is switched off.",
            file=source,
            where="config 'gsea: rank_by', 'de: shrink'",
            found="rank_by 'log2FoldChange_shrunk', shrink false",
            allowed="'de: shrink: true' with rank_by 'log2FoldChange_shrunk', or another rank_by",
            hint="Set 'de: shrink: true', or rank by 'stat' (the default).",
        )
    orthologs = gsea["orthologs"]
    if orthologs["collections"] and not orthologs["table"]:
        raise InputError(
            "Collections are to be translated with orthologs, but no ortholog table is given.",
            file=source,
            where="config 'gsea: orthologs: table'",
            found="no table; collections: " + ", ".join(map(str, orthologs["collections"])),
            allowed="a TSV/CSV of ortholog pairs with the columns named in 'from' and 'to'",
            hint="E.g. an Alliance of Genome Resources human-mouse ortholog table.",
        )
    if orthologs["table"] and not orthologs["collections"]:
        raise InputError(
            "An ortholog table is given, but no collection is named to translate with it.",
            file=source,
            where="config 'gsea: orthologs: collections'",
            found=f"table {orthologs['table']!r}, collections []",
            allowed="the collections of another species, as given in 'gsea: genesets' (path) or 'gsea: msigdb' (name)",
            hint="List the collections to translate under 'gsea: orthologs: collections', or remove the table.",
        )
