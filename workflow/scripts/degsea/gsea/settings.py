"""The GSEA settings (config ``gsea:``) as one object, as :class:`degsea.de.fit.DESettings` is for DE.

Each key and its default is written here once; ``tests/unit/test_gsea_settings.py`` checks
that the defaults equal those of ``workflow/schemas/config.schema.yaml``. Rules pass the
config section through :meth:`GSEASettings.from_config`; steps and the library take the object.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any


@dataclass(frozen=True)
class OraSettings:
    """Over-representation analysis (config ``gsea: ora``); ``None`` = the DE threshold of the figures."""

    padj: float | None = None
    lfc: float | None = None


@dataclass(frozen=True)
class CollectionScoreSettings:
    """Sample scores of whole collections (config ``gsea: collection_scores``)."""

    method: str = "gsva"
    top_sets: int = 30


@dataclass(frozen=True)
class GSEASettings:
    """What rule gsea and the gene-set analyses after it need from config ``gsea:``."""

    enabled: bool = True
    rank_by: str = "stat"
    permutations: int = 1000
    eps: float = 1e-50
    fdr: str = "bh"
    min_size: int = 15
    max_size: int = 500
    weight: float = 1.0
    seed: int = 42
    engine: str = "degsea"
    min_coverage: float = 0.25
    collapse_jaccard: float = 0.5
    ora: OraSettings = field(default_factory=OraSettings)
    collection_scores: CollectionScoreSettings = field(default_factory=CollectionScoreSettings)

    @classmethod
    def from_config(cls, section: Mapping[str, Any]) -> GSEASettings:
        """The settings of a (validated) config ``gsea:`` section; keys this object does not hold
        (gene-set sources, focus sets) are left out, missing keys take the defaults."""
        nested = {"ora": OraSettings, "collection_scores": CollectionScoreSettings}
        values: dict[str, Any] = {}
        for item in fields(cls):
            if item.name not in section:
                continue
            value = section[item.name]
            if item.name in nested:
                known = {f.name for f in fields(nested[item.name])}
                value = nested[item.name](**{k: v for k, v in dict(value).items() if k in known})
            values[item.name] = value
        return cls(**values)

    @classmethod
    def scalar_keys(cls) -> tuple[str, ...]:
        """The top-level keys (rule gsea's settings), without the nested ``ora`` and ``collection_scores``."""
        return tuple(f.name for f in fields(cls) if f.name not in ("ora", "collection_scores"))

    def to_dict(self) -> dict[str, Any]:
        """Plain nested dict (for Snakemake params and provenance); :meth:`from_config` reads it back."""
        return asdict(self)
