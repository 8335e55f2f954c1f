"""The seam to PyDESeq2: the only module of degsea that touches PyDESeq2's internals.

The exact engine extends PyDESeq2's classes. Most of it goes through PyDESeq2's public
surface: the documented classes and their public fitting methods, and the public
:class:`~pydeseq2.inference.Inference` interface, which carries DESeq2's coefficient fit
(:class:`~degsea.de.exact.glm.ExactInference`). What cannot is gathered here:

* the two private methods PyDESeq2 calls as hooks, with no public way in
  (:class:`DataSetSeam` and :class:`StatsSeam` route them to named methods of degsea's subclasses);
* the names of the ``var``/``uns``/``layers``/``obsm``/``varm`` entries and attributes that
  PyDESeq2 writes and reads (the constants below, one per name);
* PyDESeq2 helpers used as they are (:func:`mean_absolute_deviation`).

Each of these is recorded in :data:`REGISTRY` with the reason it is used;
``tests/unit/test_pydeseq2_seam.py`` checks every entry against the installed PyDESeq2.
These internals change without notice between PyDESeq2 releases, so the engine supports
only the versions in :data:`SUPPORTED_VERSIONS` and importing it under any other raises
a clear :class:`~degsea.errors.InputError` (:func:`check_version`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pydeseq2
from pydeseq2 import utils as _pydeseq2_utils
from pydeseq2.dds import DeseqDataSet
from pydeseq2.ds import DeseqStats

from degsea.errors import InputError

#: PyDESeq2 versions whose internals this seam was written against and checked with.
SUPPORTED_VERSIONS: tuple[str, ...] = ("0.5.4",)


def check_version(installed: str | None = None) -> None:
    """Raise :class:`~degsea.errors.InputError` unless PyDESeq2 is a supported version.

    Parameters
    ----------
    installed
        The version to check; by default the installed ``pydeseq2.__version__``.
    """
    version = str(pydeseq2.__version__ if installed is None else installed)
    if version not in SUPPORTED_VERSIONS:
        raise InputError(
            "The DESeq2-exact engine does not support this PyDESeq2 version.",
            where="installed Python package 'pydeseq2'",
            found=version,
            allowed=", ".join(SUPPORTED_VERSIONS),
            hint=f"install the supported version: pip install pydeseq2=={SUPPORTED_VERSIONS[-1]} "
            "(the engine extends PyDESeq2 internals that change between releases)",
        )


Owner = Literal["DeseqDataSet", "DeseqStats", "pydeseq2.utils"]
Kind = Literal["method", "function", "attribute", "var", "uns", "layers", "obsm", "varm"]


@dataclass(frozen=True)
class Internal:
    """One PyDESeq2 name the exact engine depends on.

    Attributes
    ----------
    owner
        The class or module that defines it.
    kind
        ``method`` or ``function`` (looked up on the class or module), ``attribute`` (set on a
        fitted instance), or the AnnData slot it lives in (``var``, ``uns``, ``layers``, ``obsm``,
        ``varm``; written by a stock fit).
    name
        The name.
    why
        Why it is used, and why it does not go through a public interface.
    """

    owner: Owner
    kind: Kind
    name: str
    why: str

    @property
    def private(self) -> bool:
        """Whether PyDESeq2 marks the name private (a leading underscore)."""
        return self.name.startswith("_")


#: Every PyDESeq2 internal the exact engine uses.
REGISTRY: list[Internal] = []


def _uses(owner: Owner, kind: Kind, name: str, why: str) -> str:
    REGISTRY.append(Internal(owner, kind, name, why))
    return name


_DDS, _DS = "DeseqDataSet", "DeseqStats"
_LAYOUT = "written as a stock fit writes it, so the fitted AnnData degsea exports has PyDESeq2's layout"
_STATE = "dataset state that PyDESeq2's later steps read; DeseqDataSet has no accessor for it"

# -- private methods --------------------------------------------------------------------
REFIT_HOOK = _uses(
    _DDS,
    "method",
    "_refit_without_outliers",
    "PyDESeq2's refit() calls it and it builds a stock DeseqDataSet for the refit; no "
    "public hook lets the refit use the exact class",
)
COOKS_FILTER_HOOK = _uses(
    _DS,
    "method",
    "_cooks_filtering",
    "summary() calls it; DESeq2 reports genes left all zero by the outlier replacement "
    "with p = 1 after the Cook's filter, which the hook is the only place to do",
)
FILTER_HOOK = _uses(
    _DS,
    "method",
    "_independent_filtering",
    "summary() calls it; the lowess it uses is not a parameter and Inference has no p-value adjustment kernel",
)

# -- dataset entries (names PyDESeq2 writes and reads) -----------------------------------
NORMED_MEANS = _uses(
    _DDS,
    "var",
    "_normed_means",
    "mean normalised counts, written by fit_size_factors(), read by the trend and the refit",
)
MOM_DISPERSIONS = _uses(_DDS, "var", "_MoM_dispersions", "the gene-wise start; " + _LAYOUT)
GENEWISE_CONVERGED = _uses(_DDS, "var", "_genewise_converged", "convergence flags; " + _LAYOUT)
MAP_CONVERGED = _uses(_DDS, "var", "_MAP_converged", "convergence flags; " + _LAYOUT)
OUTLIER_GENES = _uses(
    _DDS, "var", "_outlier_genes", "dispersion outliers (no shrinkage); " + _LAYOUT + "; degsea's QC tables read it"
)
MU_HAT = _uses(
    _DDS,
    "layers",
    "_mu_hat",
    "gene-wise fitted means, reused by the MAP step and read by PyDESeq2's iterative size factors",
)
SQUARED_LOGRES = _uses(
    _DDS,
    "uns",
    "_squared_logres",
    "squared MAD of log residuals: the MAP outlier rule and the refit read it; " + _LAYOUT,
)
NON_ZERO = _uses(_DDS, "var", "non_zero", _STATE)
GENEWISE_DISPERSIONS = _uses(_DDS, "var", "genewise_dispersions", _STATE)
FITTED_DISPERSIONS = _uses(_DDS, "var", "fitted_dispersions", _STATE)
MAP_DISPERSIONS = _uses(_DDS, "var", "MAP_dispersions", _STATE)
DISPERSIONS = _uses(_DDS, "var", "dispersions", _STATE)
REPLACED = _uses(_DDS, "var", "replaced", _STATE)
REFITTED = _uses(_DDS, "var", "refitted", _STATE)
TREND_COEFFS = _uses(_DDS, "uns", "trend_coeffs", "read by disp_function(): " + _STATE)
DISP_FUNCTION_TYPE = _uses(_DDS, "uns", "disp_function_type", "read by disp_function(): " + _STATE)
MEAN_DISP = _uses(_DDS, "uns", "mean_disp", "read by disp_function(): " + _STATE)
PRIOR_DISP_VAR = _uses(_DDS, "uns", "prior_disp_var", _STATE)
NORMED_COUNTS = _uses(_DDS, "layers", "normed_counts", _STATE)
COOKS = _uses(_DDS, "layers", "cooks", _STATE)
REPLACE_COOKS = _uses(_DDS, "layers", "replace_cooks", "read by cooks_outlier(): " + _STATE)
HAT_DIAGONALS = _uses(
    _DDS,
    "obsm",
    "_hat_diagonals",
    "hat diagonals of the coefficient fit, written by fit_LFC(); the LRT's Cook's distances use them",
)
COOKS_OUTLIER = _uses(
    _DDS,
    "var",
    "_pvalue_cooks_outlier",
    "cooks_outlier()'s cache; DESeq2's rule replaces PyDESeq2's and is cached where it caches",
)
DESIGN_MATRIX = _uses(_DDS, "obsm", "design_matrix", _STATE)
LFC = _uses(_DDS, "varm", "LFC", _STATE)
SIZE_FACTORS = "size_factors"  # an obs column: documented, part of the public surface
REPLACEABLE = "replaceable"  # an obs column, written by PyDESeq2's refit()

# -- dataset attributes (constructor settings and step results) --------------------------------------
for _name in (
    "min_mu",
    "min_disp",
    "max_disp",
    "low_memory",
    "fit_type",
    "size_factors_fit_type",
    "refit_cooks",
    "min_replicates",
    "beta_tol",
    "design",
    "inference",
):
    _uses(_DDS, "attribute", _name, "a constructor setting PyDESeq2 keeps as an attribute; the refit passes it on")
for _name in ("non_zero_idx", "non_zero_genes", "counts_to_refit", "new_all_zeroes_genes"):
    _uses(_DDS, "attribute", _name, "documented in DeseqDataSet's attribute list; set by PyDESeq2's steps")

# -- stats attributes --------------------------------------------------------------------
for _name in (
    "design_matrix",
    "LFC",
    "contrast_vector",
    "prior_LFC_var",
    "lfc_null",
    "alt_hypothesis",
    "base_mean",
    "alpha",
    "contrast",
    "shrunk_LFCs",
    "p_values",
    "statistics",
    "SE",
    "padj",
):
    _uses(_DS, "attribute", _name, "DeseqStats state its summary() reads; no accessor")
LFC_SHRINK_CONVERGED = _uses(
    _DS,
    "attribute",
    "_LFC_shrink_converged",
    "per-gene convergence of the shrinkage, set as PyDESeq2's lfc_shrink() sets it",
)

# -- helpers ---------------------------------------------------------------------------
_uses(
    "pydeseq2.utils",
    "function",
    "mean_absolute_deviation",
    "the scaled MAD PyDESeq2 uses for the prior variance, kept identical",
)
_uses(
    "pydeseq2.utils",
    "function",
    "robust_method_of_moments_disp",
    "DESeq2's robustMethodOfMomentsDisp (trimmed cell variances) for Cook's distances, as PyDESeq2 computes it",
)


def mean_absolute_deviation(values):  # noqa: ANN001, ANN201 - PyDESeq2's helper as it is
    """PyDESeq2's scaled median absolute deviation (``pydeseq2.utils.mean_absolute_deviation``)."""
    return _pydeseq2_utils.mean_absolute_deviation(values)


def robust_method_of_moments_disp(normed_counts, design_matrix):  # noqa: ANN001, ANN201 - PyDESeq2's helper
    """PyDESeq2's ``robust_method_of_moments_disp`` (DESeq2's ``robustMethodOfMomentsDisp``)."""
    return _pydeseq2_utils.robust_method_of_moments_disp(normed_counts, design_matrix)


class DataSetSeam(DeseqDataSet):
    """:class:`~pydeseq2.dds.DeseqDataSet` with its private refit hook routed to :meth:`refit_replaced_genes`."""

    def _refit_without_outliers(self) -> None:  # PyDESeq2's hook, called by refit()
        self.refit_replaced_genes()

    def refit_replaced_genes(self) -> None:
        """Refit the genes whose outlier counts were replaced (PyDESeq2's own by default)."""
        super()._refit_without_outliers()


class StatsSeam(DeseqStats):
    """:class:`~pydeseq2.ds.DeseqStats` with its private hooks routed to :meth:`cooks_filtering` and
    :meth:`independent_filtering`."""

    def _cooks_filtering(self) -> None:  # PyDESeq2's hook, called by summary()
        self.cooks_filtering()

    def cooks_filtering(self) -> None:
        """Set the p-values of Cook's outlier genes to NaN (PyDESeq2's own by default)."""
        super()._cooks_filtering()

    def _independent_filtering(self) -> None:  # PyDESeq2's hook, called by summary()
        self.independent_filtering()

    def independent_filtering(self) -> None:
        """Adjust p-values with independent filtering (PyDESeq2's own by default)."""
        super()._independent_filtering()
