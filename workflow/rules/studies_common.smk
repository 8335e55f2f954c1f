# Loading and checking of a many-studies run (workflow/studies.smk): the run's config, the
# studies sheet and every study's config file, before any module is loaded.
import sys
from pathlib import Path

sys.path.insert(0, str(Path(workflow.current_basedir).parent / "scripts"))

from degsea.configuration import check_config_files, load_schema, validate_config  # noqa: E402
from degsea.errors import InputError  # noqa: E402
from degsea.inputs.studies import comparisons, read_studies_sheet, read_study_config  # noqa: E402
from degsea.resources import StudySize, job_resource, study_group  # noqa: E402


def stop(message):
    """Print a user error without a traceback and end the run."""
    print(f"degsea cannot start: {message}", file=sys.stderr)
    sys.exit(1)


try:
    check_config_files(workflow.configfiles)
    config.update(
        validate_config(
            config,
            load_schema(workflow.source_path("../schemas/studies.schema.yaml")),
            source=", ".join(map(str, workflow.configfiles)),
        )
    )
    STUDIES = read_studies_sheet(config["studies"])
    STUDY_CONFIGS = {s.name: read_study_config(s, sheet=config["studies"]) for s in STUDIES}
except InputError as err:
    stop(str(err))


def study_paths(name):
    """Where a study's files go: its results, logs and simulated demo data get a folder of their own.

    Inputs outside these folders (sample sheets, count files, gene-set files, the shared MSigDB
    download cache resources/genesets/msigdb/) keep their paths.
    """
    return {
        "results/": f"results/{name}/",
        "logs/": f"logs/{name}/",
        # the folders of the embedded demo's experiments (rule simulate_demo)
        "resources/demo/": f"resources/studies/{name}/demo/",
        "resources/demo_rag1/": f"resources/studies/{name}/demo_rag1/",
    }


def study_comparisons():
    """The sheet's comparisons (label -> study -> contrast), checked against each study's contrasts."""
    try:
        return comparisons(STUDIES, STUDY_CONTRASTS, sheet=config["studies"])
    except InputError as err:
        stop(str(err))


def cross_study_focus_sets():
    """The heatmap's sets: config 'cross_study: focus_sets', else every study's focus sets."""
    if config["cross_study"]["focus_sets"]:
        return list(config["cross_study"]["focus_sets"])
    sets = [name for s in STUDIES for name in STUDY_CONFIGS[s.name]["gsea"]["focus_sets"]]
    return list(dict.fromkeys(sets))


def estimate(rule, resource):
    """Callable of (threads, attempt) for the resources of the run's own rules (cross_study): they read
    the studies' summary tables only, so the model's fixed part sizes them; it grows with the attempt."""
    return job_resource(rule, resource, StudySize(samples=0, genes=0))
