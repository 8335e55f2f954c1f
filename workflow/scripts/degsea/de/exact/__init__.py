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

from typing import Literal

from pydeseq2.dds import DeseqDataSet
from pydeseq2.ds import DeseqStats

from degsea.de.exact.seam import check_version

check_version()

from degsea.de.exact.dataset import DESeq2ExactDataSet  # noqa: E402 - after the version check
from degsea.de.exact.stats import DESeq2ExactStats  # noqa: E402
from degsea.errors import InputError  # noqa: E402

__all__ = ["DESeq2ExactDataSet", "DESeq2ExactStats", "ENGINES", "engine_classes"]

#: Engines: name -> (dataset class, stats class).
ENGINES: dict[str, tuple[type[DeseqDataSet], type[DeseqStats]]] = {
    "deseq2_exact": (DESeq2ExactDataSet, DESeq2ExactStats),
    "pydeseq2": (DeseqDataSet, DeseqStats),
}


def engine_classes(engine: Literal["deseq2_exact", "pydeseq2"] | str) -> tuple[type[DeseqDataSet], type[DeseqStats]]:
    """Return the (dataset, stats) classes of a DE engine.

    Raises
    ------
    degsea.errors.InputError
        Unknown engine name.
    """
    if engine not in ENGINES:
        raise InputError(
            "Unknown DE engine.",
            where="config 'de: engine'",
            found=repr(engine),
            allowed=", ".join(ENGINES),
            hint="'deseq2_exact' reproduces R's DESeq2; 'pydeseq2' is stock PyDESeq2.",
        )
    return ENGINES[engine]
