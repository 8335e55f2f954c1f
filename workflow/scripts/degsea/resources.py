"""Cluster resources of each rule: memory (MB) and run time (minutes) from the study's size.

A job's needs grow with the count matrix it works on (samples x genes) and, for the GSEA, with
genes x permutations. :func:`mem_mb` and :func:`runtime` estimate them per rule with the models
in :data:`MODELS`; both grow with the attempt, so a job that a cluster killed for memory or time
is resubmitted with more (memory x2 per attempt, run time x attempt). :func:`job_resource`
turns an estimate into the callable of ``threads`` and ``attempt`` that a rule's ``resources:``
takes.

The models were measured on a single-node SLURM cluster (``tests/cluster``): peak resident memory
of each job step in ``sacct`` (MaxRSS), which includes the ~250 MB of the snakemake process
that runs the job, on the demo (18 samples x 15,000 genes, 1,000 permutations) and on the small
test study (9 x 2,000, 200 permutations); each first-attempt request is set above both. The parts
per million cells are calibrated on the cohort (``config/studies/cohort``: 2,000 samples x 30,000
genes = 60 M cells; ``bench/cohort.py``: peak resident memory of each job's processes, CPU time on
2 cores); see :data:`MODELS`.

Test-only knob: when the environment variable :data:`FIRST_ATTEMPT_ENV` holds a number, every
job's first attempt requests that many MB (later attempts are unaffected). The cluster test
sets it far below what a job needs, so that SLURM kills the first attempt for memory and the
retry with the attempt-scaled request can be checked.
"""

from __future__ import annotations

import gzip
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

#: Environment variable: MB requested by every job's first attempt (tests only).
FIRST_ATTEMPT_ENV = "DEGSEA_TEST_FIRST_ATTEMPT_MEM_MB"
#: Memory of attempt ``k`` is the first attempt's times ``MEMORY_GROWTH ** (k - 1)``.
MEMORY_GROWTH = 2
#: Genes assumed when the matrix cannot be read (a full mouse or human annotation).
DEFAULT_GENES = 60_000


@dataclass(frozen=True)
class StudySize:
    """Samples and genes of the count matrix: what every rule's needs scale with."""

    samples: int
    genes: int

    @property
    def cells(self) -> int:
        """Entries of the samples x genes matrix."""
        return self.samples * self.genes


@dataclass(frozen=True)
class Model:
    """A rule's needs: a fixed part, a part per thread and parts per unit of work.

    ``work`` is the unit the rule scales with: ``"cells"`` (samples x genes) or ``"gene_permutations"``
    (genes x GSEA permutations), in millions.
    """

    base_mb: float
    per_thread_mb: float = 0.0
    mb_per_million: float = 0.0
    base_minutes: float = 5.0
    minutes_per_million: float = 0.0
    work: str = "cells"
    parallel: bool = False  # run time divides by threads


#: Per rule. Measured (MaxRSS, elapsed; demo / small study): simulate_demo 371 / 373 MB, 12 / 7 s;
#: import_counts 297 / 318 MB, 8 / 4 s; deseq2 (2 threads) 917 / 875 MB, 241 / 19 s; gsea 1,190 MB,
#: 16 s (1 thread, 15,000 genes x 1,000 permutations) / 428 MB, 6 s (2 threads, 2,000 x 200);
#: gsea_summary 322 / 318 MB, 6 / 4 s; demo only (the step alone, /usr/bin/time): ora 146 MB, 6 s; ora_overview
#: 226 MB, 10 s; collection_scores (GSVA, 9 sets) 255 MB, 14 s.
#: The cohort (2,000 x 30,000 = 60 M cells; bench/cohort.py, 2 cores, peak of the job's processes):
#: simulate_demo 1.9 GiB, 75 s CPU; deseq2 8.6 GiB before and 7.4 GiB after the memory work of
#: issue 17 (fit, three contrasts with apeGLM: 6.6 min CPU on 2 threads); vst 2.9 GiB, sample_qc (6.0 GB with the
#: full fitted dataset), de_figures 1.6 GiB, sample_scores 5.7 GiB and collection_scores 5.4 GiB (gseapy
#: takes the matrix as Python lists); see bench/RESULTS.md.
#: Memory per million cells is set about 1.2-1.5x above those peaks; minutes per million a few
#: times the measured CPU time, so that a loaded node does not time a job out.
MODELS: dict[str, Model] = {
    "simulate_demo": Model(base_mb=500, mb_per_million=40, base_minutes=5, minutes_per_million=0.2),
    "import_counts": Model(base_mb=500, mb_per_million=100, base_minutes=5, minutes_per_million=0.3),
    "deseq2": Model(
        base_mb=500, per_thread_mb=250, mb_per_million=170, base_minutes=10, minutes_per_million=1, parallel=True
    ),
    "gsea": Model(
        base_mb=500,
        mb_per_million=64,
        base_minutes=5,
        minutes_per_million=0.5,
        work="gene_permutations",
        parallel=True,
    ),
    "gsea_summary": Model(base_mb=500, base_minutes=5),
    # Rules that used fixed requests until issue 16; their first attempts keep those requests on
    # small and demo-sized studies and grow with the matrix (VST and figures hold a few float
    # copies of it), so that a retry after an out-of-memory kill asks for more. Measured peaks on
    # the small study: 315 MB (report_front_page) to 511 MB (gsea_figures).
    "msigdb": Model(base_mb=1000, base_minutes=10),
    "prepare_genesets": Model(base_mb=2000, mb_per_million=20, base_minutes=10, minutes_per_million=1),
    "vst": Model(base_mb=2000, mb_per_million=60, base_minutes=10, minutes_per_million=0.5),
    "sample_qc": Model(base_mb=2000, mb_per_million=90, base_minutes=10, minutes_per_million=0.5),
    "de_figures": Model(base_mb=1500, mb_per_million=40, base_minutes=10, minutes_per_million=0.3),
    "de_overlap": Model(base_mb=1000, mb_per_million=50, base_minutes=10, minutes_per_million=2),
    "gsea_overview": Model(base_mb=1000, base_minutes=10),
    "gsea_figures": Model(base_mb=1500, mb_per_million=100, base_minutes=10, minutes_per_million=5),
    "sample_scores": Model(base_mb=1500, mb_per_million=100, base_minutes=10, minutes_per_million=0.5),
    "provenance": Model(base_mb=1000, base_minutes=5),
    "report_front_page": Model(base_mb=1000, base_minutes=5),
    # the report's table pages (issue 15), fixed until issue 16: a page holds one table
    "de_table_page": Model(base_mb=2000, mb_per_million=50, base_minutes=10),
    "gsea_table_page": Model(base_mb=1000, base_minutes=10),
    "table_pages": Model(base_mb=2000, mb_per_million=50, base_minutes=10),
    "ora": Model(base_mb=500, mb_per_million=20, base_minutes=5),
    "ora_overview": Model(base_mb=800, base_minutes=5),
    "collection_scores": Model(base_mb=1000, mb_per_million=100, base_minutes=5, minutes_per_million=0.5),
    # the VST of the profiled genes by group, a clustering and one figure (fixed 3,000 MB before)
    "lrt_profiles": Model(base_mb=1500, mb_per_million=100, base_minutes=10, minutes_per_million=5),
    "lrt_cluster_ora": Model(base_mb=1000, base_minutes=10),
    # the cross-study summary of a many-studies run: the studies' summary tables only
    "cross_study": Model(base_mb=1000, base_minutes=15),
}


def _work(model: Model, size: StudySize, permutations: int) -> float:
    """Millions of work units of one job of ``model`` on a study of ``size``."""
    if model.work == "gene_permutations":
        return size.genes * permutations / 1e6
    return size.cells / 1e6


def mem_mb(rule: str, size: StudySize, *, threads: int = 1, attempt: int = 1, permutations: int = 1000) -> int:
    """Memory in MB to request for ``rule`` on a study of ``size``, at attempt ``attempt`` (1 = first).

    Raises
    ------
    KeyError
        ``rule`` has no model.
    """
    model = MODELS[rule]
    if attempt == 1 and os.environ.get(FIRST_ATTEMPT_ENV, "").strip():
        return int(os.environ[FIRST_ATTEMPT_ENV])
    first = model.base_mb + model.per_thread_mb * threads + model.mb_per_million * _work(model, size, permutations)
    return int(math.ceil(first / 100) * 100) * MEMORY_GROWTH ** (max(attempt, 1) - 1)


def runtime(rule: str, size: StudySize, *, threads: int = 1, attempt: int = 1, permutations: int = 1000) -> int:
    """Wall-clock minutes to request for ``rule`` on a study of ``size``, at attempt ``attempt``."""
    model = MODELS[rule]
    scaling = model.minutes_per_million * _work(model, size, permutations)
    if model.parallel:
        scaling /= max(threads, 1)
    return int(math.ceil(model.base_minutes + scaling)) * max(attempt, 1)


def job_resource(rule: str, resource: str, size: StudySize, *, permutations: int = 1000) -> Callable[..., int]:
    """The callable of ``threads`` and ``attempt`` that snakemake evaluates for ``resource`` of ``rule``.

    ``resource`` is ``"mem_mb"`` or ``"runtime"``.
    """
    estimate = {"mem_mb": mem_mb, "runtime": runtime}[resource]
    if rule not in MODELS:  # fail when the workflow is parsed, not when a job is sized
        raise KeyError(f"no resource model for rule {rule!r}; add one to degsea.resources.MODELS")

    def evaluate(wildcards: Any, threads: int, attempt: int) -> int:
        return estimate(rule, size, threads=threads, attempt=attempt, permutations=permutations)

    evaluate.__name__ = f"{resource}_of_{rule}"
    return evaluate


#: Samples x genes below which the DE fit runs on one thread: on the demo (18 x 15,000) it takes
#: 6.0 s on one thread and 6.1-6.5 s on two, and its second thread would keep the VST (ready at
#: the same time) waiting.
FEW_CELLS = 500_000


def deseq2_threads(size: StudySize, *, most: int = 4) -> int:
    """Threads of the DE fit: 1 for a study of fewer than :data:`FEW_CELLS` counts, else ``most``."""
    return 1 if size.cells < FEW_CELLS else most


#: Gene sets below which one GSEA job runs on one thread: its permutations take well under a
#: second (the demo's 9 sets: 3.3 s on 1 thread, 3.2 s on 2, most of it start-up), so a second
#: thread would only keep a core from the jobs beside it.
FEW_SETS = 200


def gsea_threads(gene_sets: int | None, *, most: int = 2) -> int:
    """Threads of a GSEA job: 1 for fewer than :data:`FEW_SETS` sets, else ``most``.

    ``gene_sets``: the sets of the local GMT files (:attr:`degsea.study.Study.gene_sets`); None
    where MSigDB collections are to be used, whose hundreds to thousands of sets may not be
    downloaded when the workflow is parsed: the job then gets ``most``.
    """
    return 1 if gene_sets is not None and gene_sets < FEW_SETS else most


@lru_cache(maxsize=8)
def _count_rows(path: str, mtime_ns: int, length: int) -> int:
    with open(path, "rb") as handle:
        gzipped = handle.read(2) == b"\x1f\x8b"
    opener = gzip.open if gzipped else open
    with opener(path, "rb") as handle:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    return max(lines - 1, 0)  # minus the header; a last line without newline is within rounding


def _h5ad_genes(path: str) -> int:
    import h5py

    with h5py.File(path, "r") as handle:
        var = handle["var"]
        index = var.attrs.get("_index", "_index")
        return int(var[index].shape[0])


def matrix_genes(path: str | Path) -> int:
    """Genes of a count file: data rows of a text table (gzipped or not), or ``n_vars`` of an ``.h5ad``.

    Text files are counted once per file version (cached).
    """
    if str(path).endswith(".h5ad"):
        return _h5ad_genes(str(path))
    stat = Path(path).stat()
    return _count_rows(str(path), stat.st_mtime_ns, stat.st_size)


def study_size(n_samples: int, count_files: Sequence[str], *, demo_genes: int | None = None) -> StudySize:
    """Size of the configured study: ``n_samples`` (the sheet) x its genes.

    The genes are ``demo_genes`` for the embedded demo (its matrix is made by a job), otherwise
    the rows of the first count file (a matrix, or one sample's file of a per-sample format:
    transcripts where counts are per transcript, an overestimate that errs on the safe side);
    a file that cannot be read counts as :data:`DEFAULT_GENES`.
    """
    if demo_genes is not None:
        return StudySize(samples=n_samples, genes=int(demo_genes))
    try:
        genes = matrix_genes(count_files[0])
    except (IndexError, KeyError, OSError, EOFError):
        genes = 0
    return StudySize(samples=n_samples, genes=genes or DEFAULT_GENES)


def study_group(workflow: Any, study: str, rule: str) -> Callable[[Any], str | None]:
    """The group of a study's rule in a many-studies run, as a callable Snakemake evaluates per job.

    The profile groups rules by their single-study names (``deseq2: de``); in a many-studies run a
    study's rules are named ``{study}_{rule}``. The callable returns ``{study}_{group}`` for the
    profile's group of ``rule`` (None when the profile groups it not), so that one cluster job
    never mixes two studies, and registers the profile's group as its parent, so that the
    profile's ``group-components`` width applies to it too.

    Snakemake 9 has no public interface for per-module groups derived from the profile's: this
    reads ``workflow.group_settings.overwrite_groups`` (set by Snakemake's API after the Snakefile
    is parsed, hence a callable evaluated per job by ``Rule.expand_group``) and writes
    ``workflow.parent_groupids`` (read by ``DAG._update_group_components`` for the widths), as
    Snakemake itself does for a group name with wildcards. ``tests/unit/test_many_studies.py``
    checks that these internals are still there.

    Parameters
    ----------
    workflow
        Snakemake's workflow object (its ``group_settings`` hold the profile's groups once the
        DAG is built; ``parent_groupids`` maps group IDs to the names the widths are given for).
    study, rule
        The study and the rule's single-study name.
    """

    def group(wildcards: Any) -> str | None:
        name = workflow.group_settings.overwrite_groups.get(rule)
        if name is None:
            return None
        workflow.parent_groupids[f"{study}_{name}"] = name
        return f"{study}_{name}"

    return group
