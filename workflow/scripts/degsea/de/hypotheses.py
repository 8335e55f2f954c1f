"""What the config asks of the fit beyond level pairs: coefficient contrasts and likelihood-ratio tests.

Both are checked against the design's coefficients (DESeq2's ``resultsNames``) before any job
runs: an unknown coefficient name, a numeric contrast of the wrong length, a reduced design
that is not nested in the full one or is the same design.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from degsea.de.design import Contrast, check_name, design_matrix, design_variables
from degsea.errors import InputError


@dataclass(frozen=True)
class Profiles:
    """Clustering of an LRT's significant genes by their mean VST profile across groups (time courses)."""

    enabled: bool = False
    groups: tuple[str, ...] = ()
    clusters: int = 4
    method: str = "hierarchical"
    padj: float | None = None
    max_genes: int = 2000
    seed: int = 1
    ora: bool = False


@dataclass(frozen=True)
class LikelihoodRatioTest:
    """A named likelihood-ratio test: ``full`` design against ``reduced`` (DESeq2's ``test="LRT"``)."""

    name: str
    full: str
    reduced: str
    coefficient: str | None = None
    profiles: Profiles = field(default_factory=Profiles)

    def profile_groups(self) -> tuple[str, ...]:
        """Sheet columns whose level combinations are the profile's points.

        The configured ones; else the variables the reduced design drops (``time`` for
        ``~ treatment + time`` vs ``~ treatment``); else, when it drops only an interaction,
        all variables of the full design.
        """
        if self.profiles.groups:
            return self.profiles.groups
        full = design_variables(self.full)
        dropped = [v for v in full if v not in design_variables(self.reduced, intercept_only=True)]
        return tuple(dropped or full)


def parse_lrts(
    tests: Mapping[str, Mapping[str, Any]] | None, *, design: str, source: str = "config 'lrt'"
) -> list[LikelihoodRatioTest]:
    """The config's ``lrt`` entries; ``full`` defaults to the study's design."""
    parsed = []
    for name, entry in (tests or {}).items():
        name = check_name(name, source=source, what="likelihood-ratio test")
        profile = dict(entry.get("profiles") or {})
        profile["groups"] = tuple(profile.get("groups") or ())
        parsed.append(
            LikelihoodRatioTest(
                name=name,
                full=str(entry.get("full") or design),
                reduced=str(entry["reduced"]),
                coefficient=entry.get("coefficient"),
                profiles=Profiles(**profile),
            )
        )
    return parsed


def check_coefficients(
    sheet: pd.DataFrame,
    formula: str,
    contrasts: Sequence[Contrast],
    *,
    continuous: Sequence[str] = (),
    references: Mapping[str, str] | None = None,
    default_threshold: float = 0.0,
    default_alternative: str = "greaterAbs",
) -> list[str]:
    """Check coefficient, list and numeric contrasts (and every contrast's threshold test) against the design.

    Returns the design's coefficient names (DESeq2's ``resultsNames``).

    Raises
    ------
    InputError
        An unknown coefficient, a numeric vector of the wrong length or all zero, a name on
        both sides of a list, a bad threshold or alternative.
    """
    from degsea.de.exact.contrasts import contrast_vector  # noqa: PLC0415
    from degsea.de.exact.threshold import check_threshold  # noqa: PLC0415

    _, names = design_matrix(sheet, formula, continuous=continuous, references=references)
    for contrast in contrasts:
        where = f"config 'contrasts: {contrast.name}'"
        if contrast.kind != "levels":
            contrast_vector(contrast.spec(), names, where=where)
        check_threshold(
            default_threshold if contrast.lfc_threshold is None else contrast.lfc_threshold,
            contrast.alt_hypothesis or default_alternative,
            where=where,
        )
    return names


def check_lrts(
    sheet: pd.DataFrame,
    tests: Sequence[LikelihoodRatioTest],
    *,
    sheet_file: str,
    continuous: Sequence[str] = (),
    references: Mapping[str, str] | None = None,
) -> None:
    """Check every likelihood-ratio test: readable designs of sheet columns, reduced nested in full, not the same.

    The full design itself is checked as the study's design is (full rank, variables) by the caller.

    Raises
    ------
    InputError
        On the first problem, naming the test.
    """
    from degsea.de.exact.contrasts import ContrastSpec, contrast_vector  # noqa: PLC0415

    for test in tests:
        where = f"config 'lrt: {test.name}'"
        variables = design_variables(test.reduced, source=f"{where}: reduced", intercept_only=True)
        full_variables = design_variables(test.full, source=f"{where}: full")
        outside = [v for v in variables if v not in full_variables]
        if outside:
            raise InputError(
                f"Likelihood-ratio test '{test.name}': the reduced design uses a variable the full design does not.",
                file=sheet_file,
                where=f"{where}: full {test.full!r}, reduced {test.reduced!r}",
                found=", ".join(outside),
                allowed="variables of the full design: " + ", ".join(full_variables),
                hint="The reduced design is the full design with the tested terms removed, e.g. full '~ sex + time', "
                "reduced '~ sex' tests time.",
            )
        full, names = design_matrix(sheet, test.full, continuous=continuous, references=references)
        reduced, _ = design_matrix(sheet, test.reduced, continuous=continuous, references=references)
        x_full, x_red = full.to_numpy(), reduced.to_numpy()
        rank_full = np.linalg.matrix_rank(x_full)
        nested = np.linalg.matrix_rank(np.hstack([x_full, x_red])) == rank_full
        if nested and np.linalg.matrix_rank(x_red) == rank_full:
            raise InputError(
                f"Likelihood-ratio test '{test.name}' compares a design with itself.",
                file=sheet_file,
                where=f"{where}: full {test.full!r}, reduced {test.reduced!r}",
                found=f"both designs have the same {x_full.shape[1]} coefficients' span",
                allowed="a reduced design with fewer terms than the full one",
                hint="Remove from 'reduced' the terms whose effect you want to test, e.g. full '~ sex + time', reduced "
                "'~ sex'.",
            )
        if not nested:
            raise InputError(
                f"Likelihood-ratio test '{test.name}': the reduced design is not nested in the full design.",
                file=sheet_file,
                where=f"{where}: full {test.full!r}, reduced {test.reduced!r}",
                found=f"reduced columns {', '.join(reduced.columns)} are not combinations of the full design's "
                f"({', '.join(names)})",
                allowed="a reduced design whose terms are all terms of the full design",
                hint="Write the reduced design as the full one minus the tested terms (for '~ a * b' the interaction "
                "test's reduced design is '~ a + b').",
            )
        if test.coefficient is not None:
            contrast_vector(ContrastSpec.coefficient(test.coefficient), names, where=f"{where}: coefficient")
        missing = [g for g in test.profile_groups() if g not in sheet.columns]
        if test.profiles.enabled and missing:
            raise InputError(
                f"Likelihood-ratio test '{test.name}': a profile group is not a column of the sample sheet.",
                file=sheet_file,
                where=f"{where}: profiles: groups",
                found=", ".join(missing),
                allowed=", ".join(map(str, sheet.columns)),
                hint="Profiles average the VST values of each combination of these columns' levels, e.g. [time, "
                "treatment].",
            )
