"""Design formulas and contrasts: parsing and checking them against the sample sheet."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from degsea.errors import InputError

#: A design is '~' followed by terms joined with '+'; a term is a column name or an
#: interaction of column names ('a:b'). Nothing else, so that a config can never make the
#: formula engine evaluate code.
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_TERM = rf"{_NAME}(?:\s*:\s*{_NAME})*"
_FORMULA = re.compile(rf"\s*~\s*{_TERM}(?:\s*\+\s*{_TERM})*\s*")
_CONTRAST_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}")


@dataclass(frozen=True)
class Contrast:
    """A two-level comparison: ``test`` vs ``reference`` levels of ``variable``."""

    name: str
    variable: str
    test: str
    reference: str


def design_variables(formula: str, *, source: str = "config 'design'") -> list[str]:
    """Return the sample-sheet columns a design formula uses, in order of appearance.

    Raises
    ------
    InputError
        The formula is not of the form ``~ a + b + a:b``.
    """
    if not isinstance(formula, str) or not _FORMULA.fullmatch(formula):
        raise InputError(
            "The design formula cannot be read.",
            file=source,
            found=repr(formula),
            allowed="'~' then sample-sheet columns joined by '+', interactions as 'a:b', e.g. '~ batch + condition'",
            hint="Write main effects joined by '+' and interactions as 'a:b' ('~ a + b + a:b'); '*', '0 +' and "
            "functions are not supported. Column names must be plain identifiers (letters, digits, '_').",
        )
    names = re.findall(_NAME, formula)
    return list(dict.fromkeys(names))


def parse_contrasts(contrasts: Mapping[str, Mapping[str, str]], *, source: str = "config 'contrasts'") -> list[Contrast]:
    """Turn the config's ``contrasts`` mapping into :class:`Contrast` objects."""
    if not contrasts:
        raise InputError(
            "No contrast is configured.",
            file=source,
            allowed="one or more named entries {variable, test, reference}",
            hint="Add e.g. 'treated_vs_control: {variable: condition, test: treated, reference: control}'.",
        )
    parsed = []
    for name, entry in contrasts.items():
        if not _CONTRAST_NAME.fullmatch(str(name)):
            raise InputError(
                "A contrast name cannot be used as a file name.",
                file=source,
                found=repr(name),
                allowed="letters, digits, '_', '.', '-', starting with a letter or digit, at most 100 characters",
                hint="Contrast names become paths such as results/de/<name>.tsv; rename it.",
            )
        parsed.append(
            Contrast(name=str(name), variable=str(entry["variable"]), test=str(entry["test"]), reference=str(entry["reference"]))
        )
    return parsed


def check_design(
    sheet: pd.DataFrame,
    formula: str,
    contrasts: Sequence[Contrast],
    *,
    sheet_file: str,
    continuous: Sequence[str] = (),
    min_replicates: int = 2,
) -> None:
    """Check a design and its contrasts against the sample sheet, before any fitting.

    Checks that every design variable is a column without empty values, that every
    contrast's variable is a categorical design variable with both levels present and
    each compared level has at least ``min_replicates`` samples, and that the design
    matrix has full rank.

    Raises
    ------
    InputError
        On the first problem found, naming the column, level or contrast.
    """
    try:
        variables = design_variables(formula)
    except InputError:
        _check_column_names(sheet, formula, sheet_file=sheet_file)
        raise
    columns = list(sheet.columns)
    for variable in variables:
        if variable not in columns:
            raise InputError(
                "A design variable is not a column of the sample sheet.",
                file=sheet_file,
                where=f"config 'design': {formula!r}",
                found=variable,
                allowed=", ".join(columns) or "(the sheet has no covariate columns)",
                hint="Fix the formula or add the column to the sheet.",
            )
        if variable not in continuous:
            empty = sheet.index[sheet[variable].astype(str).str.strip() == ""].tolist()
            if empty:
                raise InputError(
                    "A design variable has empty values.",
                    file=sheet_file,
                    where=f"column '{variable}'",
                    found=f"no value for sample(s) {', '.join(map(repr, empty[:6]))}",
                    allowed="a level for every sample",
                    hint="Fill in the level, or remove the sample from the sheet.",
                )
    for contrast in contrasts:
        _check_contrast(sheet, contrast, variables=variables, continuous=continuous, sheet_file=sheet_file, min_replicates=min_replicates)
    for variable in variables:
        values = sheet[variable].astype(str).str.strip().unique()
        if len(values) < 2:
            raise InputError(
                "A design variable has the same value in every sample.",
                file=sheet_file,
                where=f"column '{variable}'; config 'design': {formula!r}",
                found=f"{values[0]!r} in all {len(sheet)} samples",
                allowed="at least two different values",
                hint="Remove it from the design: a variable that never changes explains nothing and makes the design "
                "rank-deficient.",
            )
    _check_full_rank(sheet, formula, variables=variables, continuous=continuous, sheet_file=sheet_file)


def _check_column_names(sheet: pd.DataFrame, formula: str, *, sheet_file: str) -> None:
    """Name the sheet column when an unreadable formula uses a column name that is not an identifier."""
    awkward = [c for c in sheet.columns if not re.fullmatch(_NAME, str(c)) and str(c) in str(formula)]
    if awkward:
        suggestion = re.sub(r"\W+", "_", awkward[0]).strip("_") or "group"
        suggestion = suggestion if re.match(r"[A-Za-z_]", suggestion) else f"x_{suggestion}"
        raise InputError(
            "A design variable is a sample-sheet column whose name is not a plain identifier.",
            file=sheet_file,
            where=f"header, column {awkward[0]!r}; config 'design': {formula!r}",
            found=repr(awkward[0]),
            allowed="column names of letters, digits and '_', not starting with a digit",
            hint=f"Rename the column, e.g. to {suggestion!r}, in the sheet, the design and the contrasts.",
        ) from None


def model_frame(sheet: pd.DataFrame, variables: Sequence[str], *, continuous: Sequence[str] = (), references: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Return the design columns, categorical ones as pandas categoricals.

    Levels are sorted, except that a level named in ``references`` comes first (the
    baseline of treatment coding).
    """
    frame = pd.DataFrame(index=sheet.index)
    for variable in variables:
        if variable in continuous:
            frame[variable] = sheet[variable].astype(float)
            continue
        levels = sorted(sheet[variable].astype(str).unique())
        reference = (references or {}).get(variable)
        if reference in levels:
            levels.remove(reference)
            levels.insert(0, reference)
        frame[variable] = pd.Categorical(sheet[variable].astype(str), categories=levels)
    return frame


def _check_contrast(
    sheet: pd.DataFrame,
    contrast: Contrast,
    *,
    variables: Sequence[str],
    continuous: Sequence[str],
    sheet_file: str,
    min_replicates: int,
) -> None:
    where = f"config 'contrasts: {contrast.name}'"
    if contrast.variable not in variables:
        raise InputError(
            f"Contrast '{contrast.name}' tests a variable that is not in the design.",
            file=sheet_file,
            where=where,
            found=f"variable {contrast.variable!r}",
            allowed=f"a categorical variable of the design: {', '.join(v for v in variables if v not in continuous)}",
            hint="Fix the contrast's 'variable', or add the variable to config 'design'.",
        )
    if contrast.variable in continuous:
        raise InputError(
            f"Contrast '{contrast.name}' compares levels of a continuous covariate.",
            file=sheet_file,
            where=where,
            found=f"variable {contrast.variable!r}, listed in config 'continuous'",
            allowed="a categorical variable",
            hint="Remove it from 'continuous' to treat its values as levels.",
        )
    if contrast.test == contrast.reference:
        raise InputError(
            f"Contrast '{contrast.name}' compares a level with itself.",
            file=sheet_file,
            where=where,
            found=f"test and reference both {contrast.test!r}",
            allowed="two different levels",
            hint="Fix 'test' or 'reference'.",
        )
    counts = sheet[contrast.variable].astype(str).value_counts()
    present = ", ".join(f"{level!r} ({n})" for level, n in sorted(counts.items()))
    for role in ("test", "reference"):
        level = getattr(contrast, role)
        if level not in counts.index:
            raise InputError(
                f"Contrast '{contrast.name}' names a level that is not in the sample sheet.",
                file=sheet_file,
                where=f"{where}, column '{contrast.variable}'",
                found=f"{role} level {level!r} is missing",
                allowed=f"levels present (samples): {present}",
                hint=(
                    f"The config's level has spaces around it: write {level.strip()!r}."
                    if level.strip() in counts.index
                    else f"Levels are case-sensitive: the sheet writes {near[0]!r}."
                    if (near := [v for v in counts.index if v.lower() == level.strip().lower()])
                    else "Levels must match the sheet exactly, including case."
                ),
            )
        if counts[level] < min_replicates:
            raise InputError(
                f"Contrast '{contrast.name}' compares a level with too few replicates.",
                file=sheet_file,
                where=f"{where}, column '{contrast.variable}'",
                found=f"{role} level {level!r} has {counts[level]} sample(s)",
                allowed=f"at least {min_replicates} samples per compared level",
                hint="Dispersion cannot be estimated without replicates; add samples or drop the contrast.",
            )


def _check_full_rank(
    sheet: pd.DataFrame, formula: str, *, variables: Sequence[str], continuous: Sequence[str], sheet_file: str
) -> None:
    import formulaic

    matrix = formulaic.model_matrix(formula, model_frame(sheet, variables, continuous=continuous))
    rank = np.linalg.matrix_rank(np.asarray(matrix, dtype=float))
    if len(sheet) <= matrix.shape[1]:
        raise InputError(
            "The design has as many coefficients as there are samples: nothing is left to estimate dispersion.",
            file=sheet_file,
            where=f"config 'design': {formula!r}",
            found=f"{len(sheet)} samples, {matrix.shape[1]} coefficients ({', '.join(matrix.columns)})",
            allowed="more samples than coefficients",
            hint="Add replicates or simplify the design.",
        )
    if rank < matrix.shape[1]:
        raise InputError(
            "The design is not full rank: some of its terms cannot be told apart.",
            file=sheet_file,
            where=f"config 'design': {formula!r}",
            found=f"{matrix.shape[1]} coefficients ({', '.join(matrix.columns)}) but rank {rank}",
            allowed="variables that are not confounded (each combination of levels informative)",
            hint="A typical cause is a batch that coincides with a condition (every sample of a batch in one group); "
            "drop the confounded variable or an empty level combination.",
        )
