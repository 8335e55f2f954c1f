"""The seam to PyDESeq2 (degsea.de.exact.seam): every internal it names exists, and the version guard."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pydeseq2
import pytest
from pydeseq2 import utils as pydeseq2_utils
from pydeseq2.dds import DeseqDataSet
from pydeseq2.default_inference import DefaultInference
from pydeseq2.ds import DeseqStats

from degsea.de.exact import seam
from degsea.errors import InputError

LIBRARY = Path(seam.__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def stock() -> dict[str, object]:
    """Stock PyDESeq2 objects after a full run: a fit with outliers replaced and refitted, its
    tests with shrinkage, and a fit with the mean trend (the names each one writes)."""
    rng = np.random.default_rng(12)
    n_genes, groups = 60, np.repeat(["A", "B"], 7)
    means = np.exp(rng.normal(4.0, 1.0, n_genes))[None, :] * np.where(groups == "B", 2.0, 1.0)[:, None]
    counts = rng.negative_binomial(10, 10 / (10 + means))
    counts[0, :5] = counts[0, :5] * 50 + 500  # outliers, so that refit() replaces and refits
    counts[:, 5] = 0
    counts[3, 5] = 40  # a gene that becomes all zero after replacement
    frame = pd.DataFrame(counts, index=[f"s{i}" for i in range(14)], columns=[f"g{j}" for j in range(n_genes)])
    meta = pd.DataFrame({"group": groups}, index=frame.index)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dds = DeseqDataSet(
            counts=frame, metadata=meta, design="~group", inference=DefaultInference(n_cpus=1), quiet=True
        )
        dds.deseq2()
        stats = DeseqStats(dds, contrast=["group", "B", "A"], inference=DefaultInference(n_cpus=1), quiet=True)
        stats.summary()
        stats.lfc_shrink(coeff=dds.varm["LFC"].columns[1])
        mean = DeseqDataSet(
            counts=frame,
            metadata=meta,
            design="~group",
            fit_type="mean",
            inference=DefaultInference(n_cpus=1),
            quiet=True,
        )
        mean.fit_size_factors()
        mean.fit_genewise_dispersions()
        mean.fit_dispersion_trend()
    assert dds.var["refitted"].any(), "the fixture must exercise PyDESeq2's refit"
    return {"DeseqDataSet": dds, "DeseqStats": stats, "mean": mean}


def _present(internal: seam.Internal, stock: dict[str, object]) -> bool:
    """Whether the installed PyDESeq2 still has ``internal`` where the seam expects it."""
    if internal.kind == "function":
        return callable(getattr(pydeseq2_utils, internal.name, None))
    if internal.kind == "method":
        owner = {"DeseqDataSet": DeseqDataSet, "DeseqStats": DeseqStats}[internal.owner]
        return callable(getattr(owner, internal.name, None))
    if internal.kind == "attribute":
        return hasattr(stock[internal.owner], internal.name)
    slots = [getattr(stock[key], internal.kind) for key in ("DeseqDataSet", "mean")]
    return any(internal.name in slot for slot in slots)


@pytest.mark.parametrize("internal", seam.REGISTRY, ids=lambda i: f"{i.owner}.{i.kind}:{i.name}")
def test_every_internal_the_seam_uses_exists(internal, stock):
    assert _present(internal, stock), (
        f"PyDESeq2 {pydeseq2.__version__} has no {internal.kind} {internal.name!r} on {internal.owner} any more; "
        f"degsea's exact engine uses it ({internal.why}). Adapt workflow/scripts/degsea/de/exact/seam.py "
        f"or install pydeseq2=={seam.SUPPORTED_VERSIONS[-1]}."
    )


def test_the_check_catches_a_missing_internal(stock):
    for kind in ("method", "attribute", "var", "uns", "function"):
        gone = seam.Internal("DeseqDataSet", kind, "_not_in_pydeseq2", "a test")
        assert not _present(gone, stock), kind


def test_registry_lists_the_private_names():
    private = {i.name for i in seam.REGISTRY if i.private}
    assert {
        "_refit_without_outliers",
        "_independent_filtering",
        "_normed_means",
        "_mu_hat",
        "_squared_logres",
    } <= private
    assert all(i.why for i in seam.REGISTRY)


def test_no_other_exact_module_names_a_private_pydeseq2_name():
    """Only seam.py spells PyDESeq2's private names; the other exact modules use its constants."""
    private = sorted({i.name for i in seam.REGISTRY if i.private})
    offenders = [
        f"{path.name}: {name}"
        for path in sorted((LIBRARY / "de" / "exact").glob("*.py"))
        if path.name != "seam.py"
        for name in private
        if name in path.read_text()
    ]
    assert not offenders, f"PyDESeq2 private names outside de/exact/seam.py: {offenders}"


@pytest.mark.parametrize("version", ["0.5.3", "0.6.0", "1.0.0"])
def test_other_pydeseq2_versions_are_refused(monkeypatch, version):
    monkeypatch.setattr(pydeseq2, "__version__", version)
    with pytest.raises(InputError, match=r"pip install pydeseq2==0\.5\.4") as caught:
        seam.check_version()
    assert version in str(caught.value)


def test_the_supported_version_passes(monkeypatch):
    monkeypatch.setattr(pydeseq2, "__version__", "0.5.4")
    seam.check_version()


def test_using_the_engine_under_another_version_fails_clearly():
    # degsea.de.exact loads PyDESeq2 on first use (the up-front check imports its light modules only)
    code = (
        "import pydeseq2; pydeseq2.__version__ = '0.6.0'; import degsea.de.exact; "
        "degsea.de.exact.engine_classes('pydeseq2')"
    )
    run = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(LIBRARY.parent), "PATH": ""},
        check=False,
    )
    assert run.returncode != 0
    assert "InputError: The DESeq2-exact engine does not support this PyDESeq2 version." in run.stderr
    assert "pip install pydeseq2==0.5.4" in run.stderr
    assert "found: 0.6.0" in run.stderr
