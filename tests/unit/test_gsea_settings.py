"""GSEASettings: one object for config ``gsea:``, its defaults equal to the schema's."""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from pathlib import Path

from degsea.configuration import SCHEMA_FILE, load_schema
from degsea.gsea.settings import GSEASettings


def test_defaults_equal_the_schema() -> None:
    schema = load_schema(Path(__file__).resolve().parents[2] / SCHEMA_FILE)["properties"]["gsea"]["properties"]
    settings = GSEASettings()
    for item in fields(GSEASettings):
        value = getattr(settings, item.name)
        assert item.name in schema, f"gsea: {item.name} is not in the schema"
        if is_dataclass(value):
            sub = schema[item.name]["properties"]
            for inner in fields(value):
                assert inner.name in sub, f"gsea: {item.name}: {inner.name} is not in the schema"
                assert sub[inner.name]["default"] == getattr(value, inner.name), f"gsea: {item.name}: {inner.name}"
        else:
            assert schema[item.name]["default"] == value, f"gsea: {item.name}"


def test_from_config_keeps_known_keys_and_reads_its_dict_back() -> None:
    section = {
        "permutations": 200,
        "genesets": ["x.gmt"],
        "ora": {"padj": 0.1},
        "collection_scores": {"method": "ssgsea"},
    }
    settings = GSEASettings.from_config(section)
    assert settings.permutations == 200
    assert settings.ora.padj == 0.1 and settings.ora.lfc is None
    assert settings.collection_scores.method == "ssgsea"
    assert GSEASettings.from_config(settings.to_dict()) == settings


def test_every_gsea_schema_key_has_a_home() -> None:
    """A new gsea: key goes into GSEASettings (and so reaches rule gsea), unless it names gene-set sources."""
    schema = load_schema(Path(__file__).resolve().parents[2] / SCHEMA_FILE)["properties"]["gsea"]["properties"]
    sources = {"genesets", "focus_sets", "msigdb", "msigdb_url", "orthologs"}  # rule prepare_genesets
    held = {item.name for item in fields(GSEASettings)}
    assert set(schema) - sources - held == set(), "add these gsea: keys to degsea/gsea/settings.py"
