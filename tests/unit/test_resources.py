"""Tests of the per-rule cluster resource estimates (degsea.resources)."""

from __future__ import annotations

import gzip
import inspect
from pathlib import Path

import pytest

from degsea.resources import (
    DEFAULT_GENES,
    FIRST_ATTEMPT_ENV,
    MODELS,
    StudySize,
    job_resource,
    matrix_genes,
    mem_mb,
    runtime,
    study_size,
)

DEMO = StudySize(samples=18, genes=15_000)
SMALL = StudySize(samples=9, genes=2_000)
#: Peak MaxRSS (MB) measured on the SLURM test cluster: (demo, small study); gsea at 1 thread
#: for the demo (1,000 permutations) and 2 threads for the small study (200 permutations).
MEASURED = {
    "simulate_demo": (371, 373),
    "import_counts": (297, 318),
    "deseq2": (917, 875),
    "gsea": (1190, 428),
    "gsea_summary": (322, 318),
    # measured with /usr/bin/time on the demo's results (the step function alone); the demo's peak for both
    "ora": (146, 146),
    "ora_overview": (226, 226),
    "collection_scores": (255, 255),
}


@pytest.fixture(autouse=True)
def _no_test_knob(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(FIRST_ATTEMPT_ENV, raising=False)


@pytest.mark.parametrize("rule", sorted(MODELS))
def test_first_attempt_covers_measured_peak_with_margin(rule: str) -> None:
    demo, small = MEASURED[rule]
    threads = 1 if rule == "gsea" else 2
    assert mem_mb(rule, DEMO, threads=threads, permutations=1000) >= 1.15 * demo
    assert mem_mb(rule, SMALL, threads=2, permutations=200) >= 1.15 * small


@pytest.mark.parametrize("rule", sorted(MODELS))
def test_memory_doubles_and_runtime_grows_per_attempt(rule: str) -> None:
    first = mem_mb(rule, DEMO, threads=2)
    assert [mem_mb(rule, DEMO, threads=2, attempt=a) for a in (1, 2, 3)] == [first, 2 * first, 4 * first]
    minutes = runtime(rule, DEMO, threads=2)
    assert [runtime(rule, DEMO, threads=2, attempt=a) for a in (1, 2, 3)] == [minutes, 2 * minutes, 3 * minutes]
    assert first % 100 == 0 and minutes >= 1


def test_requests_grow_with_study_size() -> None:
    big = StudySize(samples=500, genes=60_000)
    for rule in ("import_counts", "deseq2"):
        assert mem_mb(rule, big) > mem_mb(rule, DEMO) >= mem_mb(rule, SMALL)
        assert runtime(rule, big) > runtime(rule, DEMO) >= runtime(rule, SMALL)
    assert mem_mb("gsea", DEMO, permutations=10_000) > mem_mb("gsea", DEMO, permutations=1000)
    assert runtime("deseq2", big, threads=8) < runtime("deseq2", big, threads=1)  # the fit is parallel
    assert mem_mb("deseq2", DEMO, threads=8) > mem_mb("deseq2", DEMO, threads=1)  # one worker per thread
    assert mem_mb("deseq2", big) == 12_800  # 500 + 250 + 30 M cells x 400 B, rounded up to 100 MB


def test_first_attempt_knob_changes_only_the_first_attempt(monkeypatch: pytest.MonkeyPatch) -> None:
    normal = [mem_mb("deseq2", DEMO, attempt=a) for a in (1, 2)]
    monkeypatch.setenv(FIRST_ATTEMPT_ENV, "100")
    assert mem_mb("deseq2", DEMO, attempt=1) == 100
    assert mem_mb("deseq2", DEMO, attempt=2) == normal[1]


def test_job_resource_is_a_snakemake_callable() -> None:
    memory = job_resource("gsea", "mem_mb", SMALL, permutations=200)
    assert list(inspect.signature(memory).parameters) == ["wildcards", "threads", "attempt"]
    assert memory({}, 2, 2) == mem_mb("gsea", SMALL, threads=2, attempt=2, permutations=200)
    assert job_resource("gsea", "runtime", SMALL)({}, 1, 1) == runtime("gsea", SMALL)
    with pytest.raises(KeyError, match="no resource model for rule 'no_such_rule'"):
        job_resource("no_such_rule", "mem_mb", SMALL)


def test_study_size_from_matrix_gzipped_or_not(tmp_path: Path) -> None:
    text = "gene_id\ts1\ts2\n" + "".join(f"g{i}\t1\t2\n" for i in range(1234))
    plain, packed = tmp_path / "counts.tsv", tmp_path / "counts.tsv.gz"
    plain.write_text(text)
    packed.write_bytes(gzip.compress(text.encode()))
    assert matrix_genes(plain) == matrix_genes(packed) == 1234
    assert study_size(2, [str(packed)]) == StudySize(samples=2, genes=1234)
    assert study_size(6, ["missing.tsv"]) == StudySize(samples=6, genes=DEFAULT_GENES)
    assert study_size(18, ["resources/demo/counts.tsv.gz"], demo_genes=15_000) == DEMO


def test_study_size_from_h5ad(tmp_path: Path) -> None:
    import anndata as ad
    import numpy as np

    path = tmp_path / "counts.h5ad"
    ad.AnnData(np.ones((3, 40), dtype=np.int64)).write_h5ad(path)
    assert study_size(3, [str(path)]) == StudySize(samples=3, genes=40)
