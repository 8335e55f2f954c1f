"""DESeq2-exact differential expression: PyDESeq2's classes with DESeq2's numerical steps.

PyDESeq2 0.5.4 follows DESeq2's model but not every step of its algorithm, and the
differences move which genes are called. :class:`DESeq2ExactDataSet` and
:class:`DESeq2ExactStats` subclass PyDESeq2's :class:`~pydeseq2.dds.DeseqDataSet` and
:class:`~pydeseq2.ds.DeseqStats` and override only the steps that differ, keeping their
data layout (``var``/``layers``/``uns`` keys), so that the rest of PyDESeq2 (size
factors, Cook's distances and outlier flags, outlier replacement, VST) works unchanged.
The overridden steps follow DESeq2 1.38 (R/core.R and src/DESeq2.cpp) and apeglm 1.x.
The steps, module by module, are described in :mod:`~degsea.de.exact.dataset` (dispersions,
trend, prior, coefficients) and :mod:`~degsea.de.exact.stats` (Wald test, filtering, apeglm).

All loops run over genes at once (numpy arrays), which also makes the fit several times
faster than PyDESeq2's per-gene optimisers; the dispersion and coefficient fits run over
blocks of genes (bounded memory), in the inference's ``n_cpus`` threads.

Modules: :mod:`~degsea.de.exact.seam` (the only one touching PyDESeq2 internals; supported
PyDESeq2 versions), :mod:`~degsea.de.exact.dataset`, :mod:`~degsea.de.exact.stats`,
:mod:`~degsea.de.exact.dispersion`, :mod:`~degsea.de.exact.glm`, :mod:`~degsea.de.exact.trend`,
:mod:`~degsea.de.exact.apeglm`, :mod:`~degsea.de.exact.optim`, :mod:`~degsea.de.exact.rcompat`,
:mod:`~degsea.de.exact.r_random`; DESeq2's ``results()`` beyond pairwise Wald tests:
:mod:`~degsea.de.exact.contrasts` (``name=``, lists, numeric vectors, ``cleanContrast``),
:mod:`~degsea.de.exact.lrt` (``nbinomLRT``), :mod:`~degsea.de.exact.threshold` (``lfcThreshold`` /
``altHypothesis``), :mod:`~degsea.de.exact.cooks` (Cook's distances of the LRT, the outlier rule),
:mod:`~degsea.de.exact.local_fit` (``fitType = "local"``, R's locfit) and
:mod:`~degsea.de.exact.results` (:func:`~degsea.de.exact.results.deseq2_results`).

Public functions: :func:`engine_classes` (the dataset and stats classes of a DE engine name);
the classes :class:`DESeq2ExactDataSet` and :class:`DESeq2ExactStats`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from degsea.errors import InputError

if TYPE_CHECKING:
    from pydeseq2.dds import DeseqDataSet
    from pydeseq2.ds import DeseqStats

__all__ = ["DESeq2ExactDataSet", "DESeq2ExactStats", "ENGINES", "engine_classes"]

#: Names loaded on first use (:func:`_load`): PyDESeq2 imports matplotlib, scipy.stats and anndata
#: (seconds), and modules of this package without PyDESeq2 (``contrasts``) are used where no fit is
#: made, e.g. by the up-front check that Snakemake runs when it parses the workflow.
_LAZY = ("DESeq2ExactDataSet", "DESeq2ExactStats", "ENGINES")


def _load() -> None:
    """Check the PyDESeq2 version and import the engine classes (once)."""
    if "ENGINES" in globals():
        return
    from pydeseq2.dds import DeseqDataSet
    from pydeseq2.ds import DeseqStats

    from degsea.de.exact.seam import check_version

    check_version()
    from degsea.de.exact.dataset import DESeq2ExactDataSet
    from degsea.de.exact.stats import DESeq2ExactStats

    globals().update(
        DESeq2ExactDataSet=DESeq2ExactDataSet,
        DESeq2ExactStats=DESeq2ExactStats,
        # Engines: name -> (dataset class, stats class).
        ENGINES={"deseq2_exact": (DESeq2ExactDataSet, DESeq2ExactStats), "pydeseq2": (DeseqDataSet, DeseqStats)},
    )


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        _load()
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def engine_classes(engine: Literal["deseq2_exact", "pydeseq2"] | str) -> tuple[type[DeseqDataSet], type[DeseqStats]]:
    """Return the (dataset, stats) classes of a DE engine.

    Raises
    ------
    degsea.errors.InputError
        Unknown engine name.
    """
    _load()
    engines = globals()["ENGINES"]
    if engine not in engines:
        raise InputError(
            "Unknown DE engine.",
            where="config 'de: engine'",
            found=repr(engine),
            allowed=", ".join(engines),
            hint="'deseq2_exact' reproduces R's DESeq2; 'pydeseq2' is stock PyDESeq2.",
        )
    return engines[engine]
