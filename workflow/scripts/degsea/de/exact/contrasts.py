"""Contrasts as DESeq2's ``results()`` takes them: level pairs, ``name=``, lists and numeric vectors.

Coefficients are named as DESeq2's ``resultsNames``: ``Intercept``, ``<var>_<level>_vs_<ref>``
for a factor's main effect, ``<var1><level1>.<var2><level2>`` for an interaction column and the
column's own name for a continuous covariate (R's ``make.names`` applied to each). A contrast
becomes a vector of weights on those coefficients (:func:`contrast_vector`); DESeq2's
``cleanContrast`` rule sets the contrast to zero for genes whose compared samples are all zero
(:func:`zero_count_genes`); :func:`shrinkage_for` says which shrinkage DESeq2 allows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from degsea.errors import InputError

_FORMULAIC_FACTOR = re.compile(r"^(?P<var>[^\[\]:]+)\[T\.(?P<level>.*)\]$")
_R_RESERVED = {
    "if",
    "else",
    "repeat",
    "while",
    "function",
    "for",
    "next",
    "break",
    "TRUE",
    "FALSE",
    "NULL",
    "Inf",
    "NaN",
    "NA",
    "NA_integer_",
    "NA_real_",
    "NA_character_",
    "in",
}


def make_names(name: str) -> str:
    """R's ``make.names`` for one name: invalid characters become '.', an 'X' where R adds one."""
    out = re.sub(r"[^A-Za-z0-9._]", ".", name)
    if not out or not (out[0].isalpha() or (out[0] == "." and not (len(out) > 1 and out[1].isdigit()))):
        out = "X" + out
    if out in _R_RESERVED:
        out += "."
    return out


def coefficient_names(design_columns: Sequence[str], *, reference_levels: Mapping[str, str]) -> list[str]:
    """DESeq2's ``resultsNames`` for the columns of a formulaic (PyDESeq2) design matrix.

    Parameters
    ----------
    design_columns
        Column names as formulaic writes them: ``Intercept``, ``sex[T.Male]``,
        ``sex[T.Male]:time[T.Day8]``, ``rin``.
    reference_levels
        The baseline level of every factor of the design.

    Returns
    -------
    list of str
        One name per column, in order, e.g. ``Intercept``, ``sex_Male_vs_Female``,
        ``sexMale.timeDay8``, ``rin``.
    """
    names = []
    for column in design_columns:
        if column == "Intercept":
            names.append("Intercept")
            continue
        parts = column.split(":")
        pieces = []
        for part in parts:
            match = _FORMULAIC_FACTOR.match(part)
            pieces.append((match["var"], match["level"]) if match else (part, None))
        if len(pieces) == 1 and pieces[0][1] is not None:
            var, level = pieces[0]
            names.append(make_names(f"{var}_{level}_vs_{reference_levels[var]}"))
        else:
            names.append(make_names(":".join(var + (level or "") for var, level in pieces)))
    return names


@dataclass(frozen=True)
class ContrastSpec:
    """One contrast in any of DESeq2's forms; build it with the class methods."""

    kind: Literal["levels", "name", "list", "numeric"]
    variable: str | None = None
    test: str | None = None
    reference: str | None = None
    name: str | None = None
    numerator: tuple[str, ...] = ()
    denominator: tuple[str, ...] = ()
    list_values: tuple[float, float] = (1.0, -1.0)
    vector: tuple[float, ...] = field(default=())

    @classmethod
    def levels(cls, variable: str, test: str, reference: str) -> ContrastSpec:
        """DESeq2's ``contrast = c(variable, test, reference)``."""
        return cls("levels", variable=variable, test=test, reference=reference)

    @classmethod
    def coefficient(cls, name: str) -> ContrastSpec:
        """DESeq2's ``name = <coefficient>``."""
        return cls("name", name=name)

    @classmethod
    def coefficients(
        cls,
        numerator: Sequence[str],
        denominator: Sequence[str] = (),
        *,
        list_values: tuple[float, float] = (1.0, -1.0),
    ) -> ContrastSpec:
        """DESeq2's ``contrast = list(numerator, denominator)`` with ``listValues``."""
        return cls("list", numerator=tuple(numerator), denominator=tuple(denominator), list_values=tuple(list_values))

    @classmethod
    def numeric(cls, vector: Sequence[float]) -> ContrastSpec:
        """DESeq2's numeric ``contrast`` (one weight per coefficient, in ``resultsNames`` order)."""
        return cls("numeric", vector=tuple(float(v) for v in vector))

    def label(self) -> str:
        """What the log2 fold change belongs to, as written in result tables."""
        if self.kind == "levels":
            return f"{self.variable} {self.test} vs {self.reference}"
        if self.kind == "name":
            return str(self.name)
        if self.kind == "list":
            num = "+".join(self.numerator)
            return f"{num} vs {'+'.join(self.denominator)}" if self.denominator else num
        return "numeric: " + ",".join(f"{v:g}" for v in self.vector)


def _unknown(names: Sequence[str], found: Sequence[str], where: str) -> InputError:
    return InputError(
        "A contrast names a coefficient the design does not have.",
        where=where,
        found=", ".join(repr(n) for n in found),
        allowed=", ".join(names),
        hint="Coefficients are named as DESeq2's resultsNames(dds): <variable>_<level>_vs_<reference> for a main "
        "effect, <variable1><level1>.<variable2><level2> for an interaction.",
    )


def contrast_vector(
    spec: ContrastSpec,
    names: Sequence[str],
    *,
    reference_levels: Mapping[str, str] | None = None,
    levels: Mapping[str, Sequence[str]] | None = None,
    where: str = "config 'contrasts'",
) -> np.ndarray:
    """Weights of a contrast on the coefficients ``names`` (DESeq2's ``resultsNames``).

    Parameters
    ----------
    spec
        The contrast.
    names
        The fit's coefficient names (:func:`coefficient_names`).
    reference_levels, levels
        Baseline and all levels of every factor; needed for ``levels`` contrasts.
    where
        Where the contrast was written, for messages.

    Raises
    ------
    InputError
        Unknown coefficient or level, a numeric vector of the wrong length or all zero, a
        coefficient in both parts of a list.
    """
    names = list(names)
    vector = np.zeros(len(names))
    if spec.kind == "name":
        if spec.name not in names:
            raise _unknown(names, [str(spec.name)], where)
        vector[names.index(spec.name)] = 1.0
    elif spec.kind == "list":
        unknown = [n for n in (*spec.numerator, *spec.denominator) if n not in names]
        if unknown:
            raise _unknown(names, unknown, where)
        both = sorted(set(spec.numerator) & set(spec.denominator))
        if both:
            raise InputError(
                "A coefficient is in both the numerator and the denominator of a list contrast.",
                where=where,
                found=", ".join(both),
                allowed="each coefficient on one side only",
                hint="DESeq2's contrast=list(numerator, denominator): remove it from one side.",
            )
        if not spec.numerator and not spec.denominator:
            raise InputError(
                "A list contrast names no coefficient.",
                where=where,
                found="two empty lists",
                allowed="one or more coefficient names",
                hint="e.g. [time_Day8_vs_Day0, sexMale.timeDay8]",
            )
        up, down = spec.list_values
        if not (up > 0 and down < 0):
            raise InputError(
                "list_values must be a positive and a negative number.",
                where=where,
                found=repr(spec.list_values),
                allowed="[positive, negative], DESeq2's default [1, -1]",
                hint="e.g. [0.5, -0.5] for averages",
            )
        for n in spec.numerator:
            vector[names.index(n)] = up
        for n in spec.denominator:
            vector[names.index(n)] = down
    elif spec.kind == "numeric":
        if len(spec.vector) != len(names):
            raise InputError(
                "A numeric contrast has the wrong length.",
                where=where,
                found=f"{len(spec.vector)} values",
                allowed=f"{len(names)} values, one per coefficient: {', '.join(names)}",
                hint="Give one weight per coefficient of the design, in this order.",
            )
        vector = np.asarray(spec.vector, dtype=float)
        if not np.any(vector != 0):
            raise InputError(
                "A numeric contrast has all weights zero.",
                where=where,
                found=repr(list(spec.vector)),
                allowed="at least one non-zero weight",
                hint="e.g. [0, 0, 1, -1] compares two coefficients.",
            )
    else:
        vector = _levels_vector(spec, names, reference_levels or {}, levels or {}, where)
    return vector


def _levels_vector(
    spec: ContrastSpec, names: list[str], references: Mapping[str, str], levels: Mapping[str, Sequence[str]], where: str
) -> np.ndarray:
    variable, test, reference = spec.variable, spec.test, spec.reference
    if variable not in references:
        raise InputError(
            "A contrast names a variable that is not a factor of the design.",
            where=where,
            found=repr(variable),
            allowed=", ".join(references),
            hint="Contrast variables must be categorical design variables.",
        )
    known = list(levels.get(variable, ()))
    missing = [lv for lv in (test, reference) if known and lv not in known]
    if missing or test == reference:
        raise InputError(
            "A contrast's levels are not two different levels of its variable.",
            where=where,
            found=f"{variable}: {test} vs {reference}",
            allowed=", ".join(map(str, known)),
            hint="Use levels as written in the sample sheet.",
        )
    base = references[variable]
    vector = np.zeros(len(names))
    for level, weight in ((test, 1.0), (reference, -1.0)):
        if level == base:
            continue
        column = make_names(f"{variable}_{level}_vs_{base}")
        if column not in names:
            raise _unknown(names, [column], where)
        vector[names.index(column)] = weight
    return vector


def zero_count_genes(
    counts: np.ndarray,
    design: np.ndarray,
    vector: np.ndarray,
    spec: ContrastSpec,
    *,
    groups: pd.Series | None = None,
) -> np.ndarray:
    """Genes whose compared samples are all zero, as DESeq2's ``cleanContrast`` finds them.

    DESeq2 reports log2 fold change 0, statistic 0 and p-value 1 for them (genes zero in
    every sample are excluded here; they stay NA).

    * level pairs: every sample of the two levels (``groups`` = the variable's column) is zero;
    * numeric and list contrasts with weights of both signs: every sample whose design row
      has a non-zero entry in a coefficient of the contrast is zero;
    * ``name`` contrasts and one-signed vectors: none.

    Parameters
    ----------
    counts
        Samples x genes raw counts.
    design
        Samples x coefficients design matrix.
    vector
        The contrast's weights (:func:`contrast_vector`).
    spec
        The contrast.
    groups
        The contrast variable per sample (``levels`` contrasts).
    """
    counts = np.asarray(counts)
    if spec.kind == "levels":
        if groups is None:
            raise ValueError("groups are needed for a levels contrast")
        samples = np.isin(np.asarray(groups).astype(str), [str(spec.test), str(spec.reference)])
    elif spec.kind == "name" or np.all(vector >= 0) or np.all(vector <= 0):
        return np.zeros(counts.shape[1], dtype=bool)
    else:
        samples = (np.asarray(design, dtype=float) @ (vector != 0).astype(float)) != 0
    zero = (counts[samples] == 0).all(axis=0)
    return zero & ~(counts == 0).all(axis=0)


def shrinkage_for(spec: ContrastSpec, names: Sequence[str], vector: np.ndarray) -> tuple[str, str | None]:
    """Which shrinkage DESeq2 offers for a contrast: ``("apeglm", coefficient)`` or ``("none", None)``.

    apeglm shrinks one coefficient: a ``name`` contrast, a list or numeric contrast that is
    a single coefficient with weight 1, or a level pair (after re-levelling its reference to
    the baseline, as DESeq2's users do). Any other contrast is not shrunk (DESeq2's
    ``normal`` prior is not implemented here, and DESeq2 refuses it for designs with
    interactions).
    """
    if spec.kind == "levels":
        return "apeglm", None
    nonzero = np.flatnonzero(vector)
    if nonzero.size == 1 and vector[nonzero[0]] == 1.0:
        return "apeglm", list(names)[nonzero[0]]
    return "none", None
