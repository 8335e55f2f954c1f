# Config and sample-sheet loading, validation and input functions.
# Every check runs here, when the workflow is parsed, so a mistake stops the run before any
# job starts, with one message and no traceback.
import os
import re
import sys
from pathlib import Path

# workflow/scripts, found from this file (workflow/rules/), whichever Snakefile was run.
SCRIPTS = str(Path(workflow.current_basedir).parent / "scripts")
sys.path.insert(0, SCRIPTS)
# Jobs must import this workflow's own degsea, not another installed copy: Snakemake appends
# the scripts folder to a job's sys.path after site-packages, PYTHONPATH comes before them.
os.environ.update(PYTHONPATH=os.pathsep.join(p for p in (SCRIPTS, os.environ.get("PYTHONPATH")) if p))

from degsea.configuration import canonical_config, check_config_files, load_schema, validate_config  # noqa: E402
from degsea.errors import InputError  # noqa: E402
from degsea.io import check_writable  # noqa: E402
from degsea.study import check_study, gsea_enabled  # noqa: E402
from degsea.resources import deseq2_threads, job_resource, study_size  # noqa: E402

#: Where simulate_demo writes each experiment of the embedded demo, by config 'demo.experiment'.
DEMO_DIRS = {"tumour_response": "resources/demo", "host_treatment": "resources/demo_rag1"}
#: A scaled-up demo (config 'demo.directory', e.g. the cohort) keeps its files apart from the default demo's.
DEMO_DIR = (config.get("demo") or {}).get("directory") or DEMO_DIRS.get(
    (config.get("demo") or {}).get("experiment", "tumour_response"), "resources/demo"
)
DEMO_COUNTS = f"{DEMO_DIR}/counts.tsv.gz"


def stop(message):
    """Print a user error without a traceback and end the run."""
    print(f"degsea cannot start: {message}", file=sys.stderr)
    sys.exit(1)


def warn(message):
    """Print a warning about the config; the run goes on."""
    print(f"degsea warning: {message}", file=sys.stderr)


#: The config's files. A study of a many-studies run (workflow/studies.smk) is a Snakemake
#: module whose config came from the file that its '_configfile' key names.
CONFIG_FILES = [config.pop("_configfile")] if "_configfile" in config else list(workflow.configfiles)

try:
    check_config_files(CONFIG_FILES)
    schema = load_schema(workflow.source_path("../schemas/config.schema.yaml"))
    # One canonical form (sorted keys, numbers as the schema types them): a config rewritten
    # with the same values in another order gives the same rule params and reruns nothing.
    canonical = canonical_config(validate_config(config, schema, source=", ".join(map(str, CONFIG_FILES))), schema)
    config.clear()
    config.update(canonical)
    STUDY = check_study(config, demo_counts=DEMO_COUNTS)
    # A read-only or unwritable results/ or logs/ would end in a traceback of Snakemake itself
    # (it removes and creates outputs before each job); a full disk is caught by each job's writes.
    for folder in ("results", "logs"):
        check_writable(folder)
except InputError as err:
    stop(str(err))

CONTRASTS = [c.name for c in STUDY.contrasts]
LRTS = [t.name for t in STUDY.lrts]
#: What the deseq2 job needs of each likelihood-ratio test (its profile settings do not rerun the fit).
LRT_DESIGNS = {t.name: {"full": t.full, "reduced": t.reduced, "coefficient": t.coefficient} for t in STUDY.lrts}
#: Likelihood-ratio tests whose significant genes are clustered by profile (time courses).
PROFILED = [t.name for t in STUDY.lrts if t.profiles.enabled]
#: ... and whose clusters get an over-representation test of the gene sets.
PROFILED_ORA = [t.name for t in STUDY.lrts if t.profiles.enabled and t.profiles.ora]
#: The gene-set branch runs unless 'gsea: enabled: false' or no collection (GMT or MSigDB) is given.
GSEA_ENABLED = gsea_enabled(config)
#: Priority of the DE branch (fit, VST, sample QC, DE figures): its jobs run before the gene-set
#: branch's whenever both are ready, so a gene-set problem found in the data (prepare_genesets)
#: cannot stop the DE tables, even without --keep-going: Snakemake lets running jobs finish.
DE_PRIORITY = 2
#: Priority of the fit: every later job waits for it, and the VST, ready at the same time, must
#: not keep a multi-threaded fit waiting for its cores.
FIT_PRIORITY = DE_PRIORITY + 1
#: Priority, within the gene-set branch, of its long chain (prepare_genesets -> gsea ->
#: gsea_figures, the longest jobs of a run) and of the jobs that others wait for (ora,
#: gsea_summary) over its last, short jobs (overviews, scores, table pages, front page): the long
#: jobs start as soon as they can, and the short ones fill the cores at the end of the run rather
#: than one figure job running alone there.
GSEA_CHAIN_PRIORITY = 1
#: MSigDB collections to download: file stem -> config entry.
MSIGDB = {Path(c.path).name.removesuffix(".gmt"): c for c in STUDY.msigdb}


#: Keys of 'counts:' that name files: rule import_counts takes these files as inputs, never from params.
COUNT_PATH_KEYS = ("path", "pattern", "annotation", "tx2gene")


def count_inputs(wildcards):
    """The inputs of import_counts: the count files the up-front check resolved, the sheet, the ID-mapping tables."""
    inputs = {"counts": STUDY.count_files, "samples": config["samples"]}
    for key in ("annotation", "tx2gene"):
        if config["counts"][key]:
            inputs[key] = config["counts"][key]
    return inputs


def geneset_inputs(wildcards):
    """The inputs of prepare_genesets (GMT files, MSigDB downloads, ortholog table, imported counts).

    ``de_tables``: the gene-set branch starts once the DE tables are written, so that a gene-set
    problem found in the data can never stop them, whatever jobs the scheduler runs side by side.
    """
    inputs = {
        "counts": "results/counts.h5ad",
        "de_tables": expand("results/de/{contrast}.tsv", contrast=CONTRASTS),
        "gmt": list(config["gsea"]["genesets"]),
        "msigdb": [c.path for c in STUDY.msigdb],
    }
    if config["gsea"]["orthologs"]["table"]:
        inputs["orthologs"] = config["gsea"]["orthologs"]["table"]
    return inputs


wildcard_constraints:
    contrast="|".join(re.escape(name) for name in CONTRASTS),
    test="|".join(re.escape(name) for name in LRTS) or "(?!)",


# Cluster resources (memory, run time) scale with the study: samples x genes, measured once here.
COUNT_FILES = STUDY.count_files
STUDY_SIZE = study_size(
    len(STUDY.sheet), COUNT_FILES, demo_genes=config["demo"]["n_genes"] if COUNT_FILES == [DEMO_COUNTS] else None
)


def estimate(rule, resource):
    """Callable of (threads, attempt) for a rule's ``resources:`` (models: degsea/resources.py)."""
    return job_resource(rule, resource, STUDY_SIZE, permutations=config["gsea"]["permutations"])
