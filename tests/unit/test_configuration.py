"""Tests of config validation against the JSON schema (degsea.configuration)."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from degsea.configuration import SCHEMA_FILE, canonical_config, fill_defaults, load_schema, validate_config
from degsea.errors import InputError

ROOT = Path(__file__).resolve().parents[2]
SOURCE = "config/my.yaml"


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    """The workflow's config schema."""
    return load_schema(ROOT / SCHEMA_FILE)


@pytest.fixture(scope="module")
def default_config() -> dict[str, Any]:
    """The shipped config/config.yaml."""
    return yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))


def validate(config: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """validate_config with the test's source name."""
    return validate_config(config, schema, source=SOURCE)


# --- defaults ---------------------------------------------------------------------------------


def test_shipped_config_is_valid_and_complete(schema: dict[str, Any], default_config: dict[str, Any]) -> None:
    validated = validate(default_config, schema)
    # The shipped config spells out every key: filling defaults adds nothing.
    assert validated == default_config
    assert validated["gsea"]["rank_by"] == "stat"


def test_empty_config_gets_every_default(schema: dict[str, Any]) -> None:
    validated = validate({}, schema)
    assert validated["samples"] == "config/samples.tsv"
    assert validated["design"] == "~ condition"
    assert validated["continuous"] == []
    assert validated["counts"]["path"] == "resources/demo/counts.tsv.gz"
    assert validated["counts"]["extra_columns"] == "error"
    assert validated["counts"]["format"] == "auto" and validated["counts"]["duplicates"] == "error"
    assert validated["gsea"]["msigdb"] == [] and validated["gsea"]["orthologs"]["table"] is None
    assert validated["de"]["alpha"] == 0.1
    assert validated["de"]["min_replicates"] == 7
    assert validated["gsea"]["permutations"] == 1000
    assert validated["gsea"]["genesets"] == ["resources/genesets/degsea_mouse_v1.gmt"]
    assert set(validated["contrasts"]) == {
        "responsive_vs_untreated",
        "resistant_vs_untreated",
        "resistant_vs_responsive",
    }


def test_fill_defaults_nested_keeps_given_values(schema: dict[str, Any]) -> None:
    filled = fill_defaults({"gsea": {"permutations": 50}, "de": {}}, schema)
    assert filled["gsea"]["permutations"] == 50
    assert filled["gsea"]["min_size"] == 15
    assert filled["gsea"]["max_size"] == 500
    assert filled["de"] == {
        "alpha": 0.1,
        "fit_type": "parametric",
        "cooks_filter": True,
        "refit_cooks": True,
        "min_replicates": 7,
        "independent_filter": True,
        "shrink": True,
        "engine": "deseq2_exact",
        "lfc_threshold": 0,
        "alt_hypothesis": "greaterAbs",
    }


def test_fill_defaults_does_not_modify_input_or_share_defaults(schema: dict[str, Any]) -> None:
    config: dict[str, Any] = {"gsea": {"seed": 1}}
    before = copy.deepcopy(config)
    first = fill_defaults(config, schema)
    assert config == before
    first["gsea"]["genesets"].append("x.gmt")
    second = fill_defaults({}, schema)
    assert second["gsea"]["genesets"] == ["resources/genesets/degsea_mouse_v1.gmt"]
    gsea_defaults = schema["properties"]["gsea"]["properties"]
    assert gsea_defaults["genesets"]["default"] == ["resources/genesets/degsea_mouse_v1.gmt"]


def test_fill_defaults_through_additional_properties() -> None:
    schema = {
        "type": "object",
        "additionalProperties": {"type": "object", "properties": {"n": {"type": "integer", "default": 3}}},
    }
    assert fill_defaults({"a": {}, "b": {"n": 5}}, schema) == {"a": {"n": 3}, "b": {"n": 5}}


def test_fill_defaults_leaves_non_objects_alone(schema: dict[str, Any]) -> None:
    assert fill_defaults(None, schema) is None
    assert fill_defaults({"gsea": None}, schema)["gsea"] is None


def test_user_contrasts_replace_the_default_ones(schema: dict[str, Any]) -> None:
    validated = validate({"contrasts": {"b_vs_a": {"variable": "g", "test": "b", "reference": "a"}}}, schema)
    assert validated["contrasts"] == {"b_vs_a": {"variable": "g", "test": "b", "reference": "a"}}


# --- errors -------------------------------------------------------------------------------------


def test_unknown_top_level_key(schema: dict[str, Any]) -> None:
    with pytest.raises(InputError, match="a key that degsea does not know") as info:
        validate({"sampels": "s.tsv"}, schema)
    message = str(info.value)
    assert f"file: {SOURCE}" in message
    assert "where: top level of the config" in message
    assert "found: 'sampels'" in message
    assert (
        "allowed: continuous, contrasts, counts, de, demo, design, gsea, levels, lrt, plots, reference_levels, samples"
        in message
    )


def test_unknown_nested_key(schema: dict[str, Any]) -> None:
    with pytest.raises(InputError, match="a key that degsea does not know") as info:
        validate({"gsea": {"permutation": 100}}, schema)
    message = str(info.value)
    assert f"file: {SOURCE}" in message
    assert "where: config 'gsea'" in message
    assert "found: 'permutation'" in message
    assert "permutations" in message


def test_unknown_key_in_a_contrast(schema: dict[str, Any]) -> None:
    contrasts = {"b_vs_a": {"variable": "g", "test": "b", "reference": "a", "refrence": "a"}}
    with pytest.raises(InputError, match=r"where: config 'contrasts: b_vs_a'\n  found: 'refrence'"):
        validate({"contrasts": contrasts}, schema)


def test_missing_required_key_in_a_likelihood_ratio_test(schema: dict[str, Any]) -> None:
    # A contrast's keys depend on its kind (checked by degsea.de.design.parse_contrasts); an LRT needs 'reduced'.
    with pytest.raises(InputError, match="lacks a required key") as info:
        validate({"lrt": {"time": {"full": "~ sex + time"}}}, schema)
    message = str(info.value)
    assert f"file: {SOURCE}" in message
    assert "where: config 'lrt: time'" in message
    assert "'reduced' is a required property" in message


def test_wrong_type(schema: dict[str, Any]) -> None:
    with pytest.raises(InputError, match="A config value is not allowed") as info:
        validate({"gsea": {"permutations": "many"}}, schema)
    message = str(info.value)
    assert f"file: {SOURCE}" in message
    assert "where: config 'gsea: permutations'" in message
    assert "found: 'many'" in message
    assert "allowed: a value of type integer" in message
    assert "hint: What it is: Gene-set permutations per contrast." in message


def test_wrong_type_of_section(schema: dict[str, Any]) -> None:
    where = r"where: config 'counts'\n  found: 'c.tsv'\n  allowed: a value of type object"
    with pytest.raises(InputError, match=where):
        validate({"counts": "c.tsv"}, schema)


def test_enum(schema: dict[str, Any]) -> None:
    with pytest.raises(InputError, match="A config value is not allowed") as info:
        validate({"gsea": {"rank_by": "padj"}}, schema)
    message = str(info.value)
    assert f"file: {SOURCE}" in message
    assert "where: config 'gsea: rank_by'" in message
    assert "found: 'padj'" in message
    assert "allowed: one of 'stat', 'log2FoldChange', 'log2FoldChange_shrunk', 'signed_log10_pvalue'" in message


def test_gsea_fdr_method(schema: dict[str, Any]) -> None:
    validated = validate({}, schema)
    assert validated["gsea"]["fdr"] == "bh" and validated["gsea"]["eps"] == 1e-50
    assert validate({"gsea": {"fdr": "gsea_nes"}}, schema)["gsea"]["fdr"] == "gsea_nes"
    where = "where: config 'gsea: fdr'\n  found: 'qvalue'\n  allowed: one of 'bh', 'gsea_nes'"
    with pytest.raises(InputError, match=re.escape(where)) as info:
        validate({"gsea": {"fdr": "qvalue"}}, schema)
    assert "Benjamini-Hochberg" in str(info.value)  # the key's description is the hint


def test_enum_nested_in_counts(schema: dict[str, Any]) -> None:
    where = "where: config 'counts: extra_columns'\n  found: 'ignore'\n  allowed: one of 'error', 'drop'"
    with pytest.raises(InputError, match=re.escape(where)):
        validate({"counts": {"extra_columns": "ignore"}}, schema)


def test_minimum(schema: dict[str, Any]) -> None:
    with pytest.raises(InputError, match="A config value is not allowed") as info:
        validate({"gsea": {"permutations": 5}}, schema)
    message = str(info.value)
    assert f"file: {SOURCE}" in message
    assert "where: config 'gsea: permutations'" in message
    assert "found: 5" in message
    assert "allowed: at least 10" in message


def test_exclusive_maximum(schema: dict[str, Any]) -> None:
    with pytest.raises(InputError, match=r"where: config 'de: alpha'\n  found: 1\n  allowed: less than 1"):
        validate({"de": {"alpha": 1}}, schema)


def test_no_collection_or_enabled_false_switches_the_gene_set_branch_off(schema: dict[str, Any]) -> None:
    from degsea.study import gsea_enabled

    assert gsea_enabled(validate({}, schema))
    assert not gsea_enabled(validate({"gsea": {"genesets": []}}, schema))
    assert not gsea_enabled(validate({"gsea": {"enabled": False}}, schema))
    assert gsea_enabled(
        validate({"gsea": {"genesets": [], "msigdb": [{"collection": "mh.all", "version": "2024.1.Mm"}]}}, schema)
    )


def test_empty_contrasts(schema: dict[str, Any]) -> None:
    with pytest.raises(InputError, match=r"where: config 'contrasts'\n  found: \{\}"):
        validate({"contrasts": {}}, schema)


def test_boolean_is_not_an_integer(schema: dict[str, Any]) -> None:
    with pytest.raises(InputError, match=r"where: config 'gsea: seed'\n  found: True"):
        validate({"gsea": {"seed": True}}, schema)


# --- values that would break out of the HTML report's scripts ----------------------------------


@pytest.mark.parametrize(
    ("section", "value", "where"),
    [
        ({"gsea": {"focus_sets": ["UP</script><img src=x onerror=alert(1)>"]}}, "UP</script>", "gsea: focus_sets"),
        ({"plots": {"genes_of_interest": ["Cd8a", "x<!--y"]}}, "x<!--y", "plots: genes_of_interest"),
        ({"plots": {"colors": {"ctrl</script>": "red"}}}, "ctrl</script>", "plots: colors: ctrl</script>"),
        ({"gsea": {"genesets": ["{% endraw %}.gmt"]}}, "{% endraw %}", "gsea: genesets"),
    ],
)
def test_values_that_end_a_report_script_are_refused(
    schema: dict[str, Any], default_config: dict[str, Any], section: dict[str, Any], value: str, where: str
) -> None:
    config = copy.deepcopy(default_config)
    for key, sub in section.items():
        config[key] = {**config[key], **sub}
    with pytest.raises(InputError, match="cannot be shown safely in the HTML report") as info:
        validate(config, schema)
    message = str(info.value)
    assert (
        f"where: config '{where}'" in message
        and value in message
        and "allowed: text without '</', '<!--' and '{%'" in message
    )


def test_other_markup_characters_are_allowed(schema: dict[str, Any], default_config: dict[str, Any]) -> None:
    config = copy.deepcopy(default_config)
    config["plots"] = {**config["plots"], "genes_of_interest": ['"><img src=x onerror=alert(1)>', "a<b & c>d"]}
    assert validate(config, schema)["plots"]["genes_of_interest"][0].startswith('"><img')


def test_schema_is_read_without_building_objects(tmp_path: Path) -> None:
    evil = tmp_path / "schema.yaml"
    evil.write_text("type: !!python/object/apply:os.getcwd []\n")
    with pytest.raises(yaml.YAMLError):
        load_schema(evil)


def _reversed_keys(value: Any) -> Any:
    """The same config with every mapping's keys in reverse order."""
    if isinstance(value, dict):
        return {key: _reversed_keys(value[key]) for key in reversed(list(value))}
    if isinstance(value, list):
        return [_reversed_keys(v) for v in value]
    return value


def test_same_settings_in_another_order_give_identical_params(
    schema: dict[str, Any], default_config: dict[str, Any]
) -> None:
    # Snakemake compares rule params by repr: equal settings must give equal reprs.
    first = canonical_config(validate_config(default_config, schema), schema)
    shuffled = _reversed_keys(copy.deepcopy(default_config))
    shuffled["plots"]["lfc"] = float(shuffled["plots"]["lfc"])  # 1 written as 1.0
    shuffled["contrasts"] = default_config["contrasts"]  # their order is a setting
    shuffled["plots"]["colors"] = default_config["plots"]["colors"]
    second = canonical_config(validate_config(shuffled, schema), schema)
    assert repr(first) == repr(second)
    for section in ("de", "gsea", "plots", "counts"):
        assert repr(first[section]) == repr(second[section])
    assert list(first) == sorted(first)


def test_canonical_form_keeps_the_order_that_means_something(
    schema: dict[str, Any], default_config: dict[str, Any]
) -> None:
    config = copy.deepcopy(default_config)
    config["contrasts"] = dict(reversed(list(config["contrasts"].items())))
    config["plots"]["colors"] = dict(reversed(list(config["plots"]["colors"].items())))
    config["gsea"]["focus_sets"] = list(reversed(config["gsea"]["focus_sets"]))
    canonical = canonical_config(validate_config(config, schema), schema)
    assert list(canonical["contrasts"]) == list(config["contrasts"])  # analysis and report order
    assert list(canonical["plots"]["colors"]) == list(config["plots"]["colors"])  # group order
    assert canonical["gsea"]["focus_sets"] == config["gsea"]["focus_sets"]
    first = canonical_config(validate_config(default_config, schema), schema)
    assert repr(canonical) != repr(first)


def test_canonical_numbers_follow_the_schema(schema: dict[str, Any], default_config: dict[str, Any]) -> None:
    canonical = canonical_config(validate_config(default_config, schema), schema)
    assert canonical["plots"]["lfc"] == 1.0 and isinstance(canonical["plots"]["lfc"], float)  # type: number
    assert isinstance(canonical["gsea"]["permutations"], int) and isinstance(canonical["demo"]["seed"], int)  # integer
    assert canonical["de"]["cooks_filter"] is True  # booleans stay booleans


def test_every_schema_key_has_a_description_and_a_default(schema: dict[str, Any]) -> None:
    missing = []

    def walk(node: dict[str, Any], path: str) -> None:
        for key, sub in (node.get("properties") or {}).items():
            missing.extend(f"{path}{key}: {what}" for what in ("description", "default") if what not in sub)
            walk(sub, f"{path}{key}.")

    walk(schema, "")
    assert not missing, (
        "schema keys without a description or default (a study config that leaves them out breaks): "
        + ", ".join(missing)
    )
