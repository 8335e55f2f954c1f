"""Design formulas and contrasts: parsing and checking them against the sample sheet."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from degsea.errors import InputError

#: A design is '~' followed by terms joined with '+'; a term is a column name or an
#: interaction of column names ('a:b'). Nothing else, so that a config can never make the
#: formula engine evaluate code.
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_TERM = rf"{_NAME}(?:\s*[:*]\s*{_NAME})*"
_FORMULA = re.compile(rf"\s*~\s*{_TERM}(?:\s*\+\s*{_TERM})*\s*")
#: A reduced design of a likelihood-ratio test may also be the intercept alone, '~ 1'.
_INTERCEPT_ONLY = re.compile(r"\s*~\s*1\s*")
_CONTRAST_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}")


#: Keys of a contrast entry, by kind; an entry uses the keys of exactly one kind.
CONTRAST_KINDS = {
    "levels": ("variable", "test", "reference"),
    "name": ("coefficient",),
    "list": ("numerator", "denominator", "list_values"),
    "numeric": ("vector",),
}


@dataclass(frozen=True)
class Contrast:
    """A named contrast of the config, in any of DESeq2's forms.

    ``kind`` is ``levels`` (``test`` vs ``reference`` levels of ``variable``, DESeq2's
    ``contrast=c(variable, test, reference)``), ``name`` (one coefficient, DESeq2's ``name=``),
    ``list`` (DESeq2's ``contrast=list(numerator, denominator)``) or ``numeric`` (one weight
    per coefficient). ``lfc_threshold`` / ``alt_hypothesis`` are None when the config's
    ``de`` defaults apply.
    """

    name: str
    variable: str | None = None
    test: str | None = None
    reference: str | None = None
    kind: str = "levels"
    coefficient: str | None = None
    numerator: tuple[str, ...] = ()
    denominator: tuple[str, ...] = ()
    list_values: tuple[float, float] = (1.0, -1.0)
    vector: tuple[float, ...] = ()
    lfc_threshold: float | None = None
    alt_hypothesis: str | None = None

    def describe(self) -> str:
        """What the contrast compares, in words for tables and the report."""
        if self.kind == "levels":
            return f"{self.variable}: {self.test} vs {self.reference}"
        if self.kind == "name":
            return f"coefficient {self.coefficient}"
        if self.kind == "list":
            text = " + ".join(self.numerator) or "0"
            return text + (f" vs {' + '.join(self.denominator)}" if self.denominator else "")
        return "weights " + ", ".join(f"{v:g}" for v in self.vector)

    def spec(self):  # noqa: ANN201 - degsea.de.exact.contrasts.ContrastSpec
        """The contrast as the exact engine takes it (:class:`~degsea.de.exact.contrasts.ContrastSpec`)."""
        from degsea.de.exact.contrasts import ContrastSpec  # noqa: PLC0415 - the engine only when testing

        if self.kind == "levels":
            return ContrastSpec.levels(str(self.variable), str(self.test), str(self.reference))
        if self.kind == "name":
            return ContrastSpec.coefficient(str(self.coefficient))
        if self.kind == "list":
            return ContrastSpec.coefficients(self.numerator, self.denominator, list_values=self.list_values)
        return ContrastSpec.numeric(self.vector)


def design_variables(formula: str, *, source: str = "config 'design'", intercept_only: bool = False) -> list[str]:
    """Return the sample-sheet columns a design formula uses, in order of appearance.

    ``a * b`` is ``a + b + a:b``. With ``intercept_only``, ``~ 1`` (no variable) is allowed,
    as the reduced design of a likelihood-ratio test.

    Raises
    ------
    InputError
        The formula is not of the form ``~ a + b + a:b``.
    """
    if intercept_only and isinstance(formula, str) and _INTERCEPT_ONLY.fullmatch(formula):
        return []
    if not isinstance(formula, str) or not _FORMULA.fullmatch(formula):
        raise InputError(
            "The design formula cannot be read.",
            file=source,
            found=repr(formula),
            allowed="'~' then sample-sheet columns joined by '+', interactions as 'a:b' or 'a * b', e.g. '~ batch + "
            "condition'" + (", or '~ 1'" if intercept_only else ""),
            hint="Write main effects joined by '+' and interactions as 'a:b' ('~ a + b + a:b', or '~ a * b'); '0 +', "
            "'-' "
            "and functions are not supported. Column names must be plain identifiers (letters, digits, '_').",
        )
    names = re.findall(_NAME, formula)
    return list(dict.fromkeys(names))


def check_name(name: object, *, source: str, what: str = "contrast") -> str:
    """Return ``name`` if it can be a file name (results/de/<name>.tsv), else raise InputError."""
    if not _CONTRAST_NAME.fullmatch(str(name)):
        raise InputError(
            f"A {what} name cannot be used as a file name.",
            file=source,
            found=repr(name),
            allowed="letters, digits, '_', '.', '-', starting with a letter or digit, at most 100 characters",
            hint=f"{what.capitalize()} names become file names such as results/de/<name>.tsv; rename it.",
        )
    return str(name)


def parse_contrasts(
    contrasts: Mapping[str, Mapping[str, Any]], *, source: str = "config 'contrasts'"
) -> list[Contrast]:
    """Turn the config's ``contrasts`` mapping into :class:`Contrast` objects.

    An entry is one of: ``{variable, test, reference}``; ``{coefficient}``; ``{numerator,
    denominator, list_values}``; ``{vector}``; each optionally with ``lfc_threshold`` and
    ``alt_hypothesis``. Keys set to null count as absent.
    """
    if not contrasts:
        raise InputError(
            "No contrast is configured.",
            file=source,
            allowed="one or more named entries {variable, test, reference}, {coefficient}, {numerator, denominator} or "
            "{vector}",
            hint="Add e.g. 'treated_vs_control: {variable: condition, test: treated, reference: control}'.",
        )
    return [_parse_contrast(check_name(name, source=source), entry, source=source) for name, entry in contrasts.items()]


def _parse_contrast(name: str, entry: Mapping[str, Any], *, source: str) -> Contrast:
    given = {
        key
        for key, value in entry.items()
        if value is not None and value != [] and key not in ("lfc_threshold", "alt_hypothesis")
    }
    if not given & {"numerator", "denominator"}:
        given.discard("list_values")
    kinds = [kind for kind, keys in CONTRAST_KINDS.items() if given & set(keys)]
    forms = "{variable, test, reference}, {coefficient}, {numerator, denominator}, or {vector}"
    if len(kinds) != 1:
        raise InputError(
            f"Contrast '{name}' is not one kind of contrast.",
            file=source,
            where=f"config 'contrasts: {name}'",
            found="keys " + ", ".join(sorted(given)) if given else "no keys",
            allowed=f"the keys of one kind: {forms}",
            hint="A level pair names variable, test and reference; a coefficient contrast names only 'coefficient'; "
            "a list contrast 'numerator' (and 'denominator'); a numeric contrast 'vector'.",
        )
    kind = kinds[0]
    options = {"lfc_threshold": entry.get("lfc_threshold"), "alt_hypothesis": entry.get("alt_hypothesis")}
    if kind == "levels":
        missing = [key for key in CONTRAST_KINDS["levels"] if key not in given]
        if missing:
            raise InputError(
                f"Contrast '{name}' lacks a key of a level pair.",
                file=source,
                where=f"config 'contrasts: {name}'",
                found="no " + ", ".join(repr(m) for m in missing),
                allowed="variable, test and reference together",
                hint="e.g. {variable: condition, test: treated, reference: control}.",
            )
        return Contrast(name, str(entry["variable"]), str(entry["test"]), str(entry["reference"]), **options)
    if kind == "name":
        return Contrast(name, kind="name", coefficient=str(entry["coefficient"]), **options)
    if kind == "list":
        values = entry.get("list_values") or (1.0, -1.0)
        return Contrast(
            name,
            kind="list",
            numerator=tuple(map(str, entry.get("numerator") or ())),
            denominator=tuple(map(str, entry.get("denominator") or ())),
            list_values=(float(values[0]), float(values[1])),
            **options,
        )
    return Contrast(name, kind="numeric", vector=tuple(float(v) for v in entry["vector"]), **options)


def check_design(
    sheet: pd.DataFrame,
    formula: str,
    contrasts: Sequence[Contrast],
    *,
    sheet_file: str,
    continuous: Sequence[str] = (),
    min_replicates: int = 2,
    references: Mapping[str, str] | None = None,
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
    for contrast in (c for c in contrasts if c.kind == "levels"):
        _check_contrast(
            sheet,
            contrast,
            variables=variables,
            continuous=continuous,
            sheet_file=sheet_file,
            min_replicates=min_replicates,
        )
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
    _check_full_rank(
        sheet,
        formula,
        variables=variables,
        continuous=continuous,
        sheet_file=sheet_file,
        references=reference_levels(contrasts, references),
    )


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


def model_frame(
    sheet: pd.DataFrame,
    variables: Sequence[str],
    *,
    continuous: Sequence[str] = (),
    references: Mapping[str, str] | None = None,
) -> pd.DataFrame:
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


def reference_levels(contrasts: Sequence[Contrast], configured: Mapping[str, str] | None = None) -> dict[str, str]:
    """The baseline level of each factor: the configured one, else the reference of its first level-pair contrast.

    Factors named in neither keep their first level in sorted order (DESeq2's default).
    """
    references = {str(k): str(v) for k, v in (configured or {}).items()}
    for contrast in contrasts:
        if contrast.kind == "levels":
            references.setdefault(str(contrast.variable), str(contrast.reference))
    return references


def design_matrix(
    sheet: pd.DataFrame, formula: str, *, continuous: Sequence[str] = (), references: Mapping[str, str] | None = None
) -> tuple[pd.DataFrame, list[str]]:
    """The design matrix of ``formula`` on the sheet, and DESeq2's names of its columns (``resultsNames``)."""
    import formulaic  # noqa: PLC0415

    from degsea.de.exact.contrasts import coefficient_names  # noqa: PLC0415

    variables = design_variables(formula, intercept_only=True)
    frame = model_frame(sheet, variables, continuous=continuous, references=references)
    matrix = formulaic.model_matrix(formula if variables else "1", frame)
    matrix = pd.DataFrame(np.asarray(matrix, dtype=float), index=sheet.index, columns=list(matrix.columns))
    bases = {v: str(frame[v].cat.categories[0]) for v in variables if v not in continuous}
    return matrix, coefficient_names(list(matrix.columns), reference_levels=bases)


def linear_combinations(matrix: np.ndarray, names: Sequence[str]) -> list[list[str]]:
    """Groups of design columns that are linear combinations of each other (one group per null-space direction)."""
    x = np.asarray(matrix, dtype=float)
    _, singular, vt = np.linalg.svd(x, full_matrices=True)
    tol = max(x.shape) * np.finfo(float).eps * (singular[0] if singular.size else 1.0)
    rank = int((singular > tol).sum())
    groups = []
    for direction in vt[rank:]:
        involved = [names[i] for i in np.flatnonzero(np.abs(direction) > 1e-8 * np.abs(direction).max())]
        if involved not in groups:
            groups.append(involved)
    return groups


def nested_blocks(
    sheet: pd.DataFrame, variables: Sequence[str], *, continuous: Sequence[str] = ()
) -> list[tuple[str, str]]:
    """(block, group) pairs of factors where every block level lies within one group level.

    E.g. ``mouse`` nested in ``host`` when each mouse is either wild-type or Rag1-/-: then
    ``~ host + mouse`` cannot be fitted, and DESeq2's recipe is a within-group individual index.
    """
    factors = [v for v in variables if v not in continuous]
    pairs = []
    for block in factors:
        for group in factors:
            if block == group:
                continue
            per_block = sheet.groupby(sheet[block].astype(str))[group].nunique()
            n_groups, n_blocks = sheet[group].nunique(), sheet[block].nunique()
            if (per_block == 1).all() and n_blocks > n_groups > 1:
                pairs.append((block, group))
    return pairs


def _check_full_rank(
    sheet: pd.DataFrame,
    formula: str,
    *,
    variables: Sequence[str],
    continuous: Sequence[str],
    sheet_file: str,
    references: Mapping[str, str] | None = None,
) -> None:
    matrix, names = design_matrix(sheet, formula, continuous=continuous, references=references)
    rank = np.linalg.matrix_rank(matrix.to_numpy())
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
        groups = linear_combinations(matrix.to_numpy(), names)
        nested = nested_blocks(sheet, variables, continuous=continuous)
        if nested:
            block, group = nested[0]
            hint = (
                f"'{block}' is nested in '{group}' (each {block} belongs to one {group}). DESeq2's recipe: add a "
                f"column numbering the levels of {block} within each {group} (e.g. {block}_n = 1, 2, 3 in every "
                f"{group}) and "
                f"use '~ {group} + {group}:{block}_n + {group}:<condition>' (drop {group}:{block}_n levels that no "
                f"{group} has); the {group}-specific condition effects are then coefficients."
            )
        else:
            hint = (
                "A typical cause is a batch that coincides with a condition (every sample of a batch in one group), "
                "or a combination of levels with no sample; drop the confounded variable or the empty combination."
            )
        raise InputError(
            "The design is not full rank: some of its terms cannot be told apart.",
            file=sheet_file,
            where=f"config 'design': {formula!r}",
            found=f"{matrix.shape[1]} coefficients but rank {rank}; linear combinations of each other: "
            + "; ".join("{" + ", ".join(g) + "}" for g in groups),
            allowed="variables that are not confounded (each combination of levels informative)",
            hint=hint,
        )
