"""Tests of the per-rule cluster resource estimates (degsea.resources)."""

from __future__ import annotations

import gzip
import inspect
from pathlib import Path

import pytest

from degsea.resources import (
    DEFAULT_GENES,
    FEW_CELLS,
    FEW_SETS,
    FIRST_ATTEMPT_ENV,
    MODELS,
    StudySize,
    deseq2_threads,
    gsea_threads,
    job_resource,
    matrix_genes,
    mem_mb,
    runtime,
    study_size,
)

DEMO = StudySize(samples=18, genes=15_000)
SMALL = StudySize(samples=9, genes=2_000)
#: Peak MaxRSS (MB) measured on the SLURM test cluster: (demo, small study; None: not measured);
#: gsea at 1 thread for the demo (1,000 permutations) and 2 threads for the small study (200
#: permutations).
MEASURED = {
    "simulate_demo": (371, 373),
    "import_counts": (297, 318),
    "deseq2": (917, 875),
    "gsea": (1190, 428),
    "gsea_summary": (322, 318),
    # issue 16, small study only (demo: not measured), from the cluster test's whole run
    "prepare_genesets": (None, 321),
    "vst": (None, 425),
    "sample_qc": (None, 451),
    "de_figures": (None, 470),
    "de_overlap": (None, 410),
    "gsea_figures": (None, 511),
    "gsea_overview": (None, 409),
    "sample_scores": (None, 440),
    "provenance": (None, 317),
    "report_front_page": (None, 315),
    # measured with /usr/bin/time on the demo's results (the step function alone); the demo's peak for both
    "ora": (146, 146),
    "ora_overview": (226, 226),
    "collection_scores": (255, 255),
}
COHORT = StudySize(samples=2_000, genes=30_000)
#: Peak (MB) of each job's processes on the cohort (bench/cohort.py, 2 threads), before the
#: memory work of issue 17 where that is the larger (deseq2, sample_qc).
MEASURED_COHORT = {
    "simulate_demo": 2_010,
    "deseq2": 9_280,
    "vst": 3_100,
    "sample_qc": 6_010,
    "de_figures": 1_650,
    "sample_scores": 6_140,
    "collection_scores": 5_750,
}


@pytest.fixture(autouse=True)
def _no_test_knob(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(FIRST_ATTEMPT_ENV, raising=False)


@pytest.mark.parametrize("rule", sorted(MEASURED))
def test_first_attempt_covers_measured_peak_with_margin(rule: str) -> None:
    demo, small = MEASURED[rule]
    threads = 1 if rule == "gsea" else 2
    if demo is not None:
        assert mem_mb(rule, DEMO, threads=threads, permutations=1000) >= 1.15 * demo
    assert mem_mb(rule, SMALL, threads=2, permutations=200) >= 1.15 * small


@pytest.mark.parametrize("rule", sorted(MEASURED_COHORT))
def test_first_attempt_covers_the_cohort_without_asking_for_far_more(rule: str) -> None:
    first = mem_mb(rule, COHORT, threads=2)
    assert 1.15 * MEASURED_COHORT[rule] <= first <= 4 * MEASURED_COHORT[rule]
    assert first <= 12_000  # every cohort job fits a 16 GB node


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
    assert mem_mb("deseq2", big) == 5_900  # 500 + 250 + 30 M cells x 170 B, rounded up to 100 MB


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


def _rules_and_resources() -> dict[str, dict[str, str]]:
    """Every rule of workflow/rules/*.smk -> its resources lines (name -> value as written)."""
    import re

    root = Path(__file__).resolve().parents[2] / "workflow" / "rules"
    rules: dict[str, dict[str, str]] = {}
    for path in sorted(root.glob("*.smk")):
        for block in re.split(r"^rule ", path.read_text(), flags=re.M)[1:]:
            name = block.split(":", 1)[0].strip()
            section = re.search(r"^    resources:\n((?:        .*\n)+)", block, flags=re.M)
            rules[name] = dict(re.findall(r"^        (\w+)=(.*),$", section.group(1), flags=re.M)) if section else {}
    return rules


def test_every_rule_asks_for_memory_and_time_that_grow_on_retry() -> None:
    """No fixed request: a job killed for memory or time is resubmitted with more (issue 16)."""
    rules = _rules_and_resources()
    assert {"vst", "sample_qc", "de_figures", "gsea_figures", "msigdb", "provenance"} <= set(rules)
    for rule, resources in rules.items():
        assert resources.get("mem_mb") == f'estimate("{rule}", "mem_mb")', (rule, resources)
        assert resources.get("runtime") == f'estimate("{rule}", "runtime")', (rule, resources)
        assert rule in MODELS
        assert mem_mb(rule, SMALL, attempt=2) == 2 * mem_mb(rule, SMALL) > 0
        assert runtime(rule, SMALL, attempt=3) == 3 * runtime(rule, SMALL)


def test_the_slurm_profile_never_groups_a_local_rule() -> None:
    """A grouped rule is never local in Snakemake: msigdb (downloads) must stay out of every group."""
    import re

    import yaml

    root = Path(__file__).resolve().parents[2]
    profile = yaml.safe_load((root / "workflow" / "profiles" / "slurm" / "config.yaml").read_text())
    local = set()
    for path in (root / "workflow" / "rules").glob("*.smk"):
        for block in re.findall(r"^localrules:\n((?:    .*\n)+)", path.read_text(), flags=re.M):
            local.update(name.strip().rstrip(",") for name in block.split())
        for block in re.split(r"^rule ", path.read_text(), flags=re.M)[1:]:
            if re.search(r"^    localrule: True$", block, flags=re.M):
                local.add(block.split(":", 1)[0].strip())
    assert "msigdb" in local
    assert not local & set(profile["groups"]), local & set(profile["groups"])
    assert profile["keep-going"] is True  # a failed gene-set branch does not stop the DE branch
    assert set(profile["groups"]) | local | {"all"} >= set(_rules_and_resources())


def test_gsea_threads_one_for_a_few_local_sets() -> None:
    assert gsea_threads(FEW_SETS - 1) == 1
    assert gsea_threads(None) == 2  # MSigDB collections are large
    assert gsea_threads(FEW_SETS, most=4) == 4


def test_deseq2_threads_one_for_a_small_study() -> None:
    assert deseq2_threads(StudySize(samples=18, genes=15_000)) == 1  # the demo
    assert deseq2_threads(StudySize(samples=100, genes=FEW_CELLS // 100)) == 4
    assert deseq2_threads(StudySize(samples=2_000, genes=30_000), most=8) == 8
