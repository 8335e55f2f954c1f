# degsea, many studies in one run: every study of the studies sheet (config 'studies') is the
# whole single-study workflow (workflow/Snakefile) as a Snakemake module with its own config,
# its rules named {study}_{rule} and its results in results/{study}/. The cross-study summary
# (rules/cross_study.smk) reads their tables. The top-level Snakefile includes this file when
# the config has 'studies:' (snakemake --configfile config/studies.yaml).
import sys
from pathlib import Path

from snakemake.utils import min_version

min_version("9.0")

sys.path.insert(0, str(Path(workflow.current_basedir) / "scripts"))

from degsea.configuration import check_config_files, load_schema, validate_config  # noqa: E402
from degsea.errors import InputError  # noqa: E402
from degsea.inputs.studies import comparisons, read_studies_sheet, read_study_config  # noqa: E402
from degsea.resources import study_groups  # noqa: E402


def stop(message):
    """Print a user error without a traceback and end the run."""
    print(f"degsea cannot start: {message}", file=sys.stderr)
    sys.exit(1)


try:
    check_config_files(workflow.configfiles)
    config.update(
        validate_config(
            config,
            load_schema(workflow.source_path("schemas/studies.schema.yaml")),
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
        "resources/demo/": f"resources/demo/{name}/",
    }


# One module per study. Its common.smk validates the study's own config (named by the
# '_configfile' key) when the module is loaded, so a mistake in any study stops the run.
for entry in STUDIES:
    study_module = f"study__{entry.name}"
    rule_prefix = f"{entry.name}_"
    STUDY_CONFIGS[entry.name]["_configfile"] = entry.config

    module:
        name:
            study_module
        snakefile:
            "Snakefile"
        config:
            STUDY_CONFIGS[entry.name]
        replace_prefix:
            study_paths(entry.name)

    use rule * from study_module as rule_prefix*


#: Each study's contrasts, as its checked config defines them.
STUDY_CONTRASTS = {s.name: list(globals()[f"study__{s.name}"].CONTRASTS) for s in STUDIES}
try:
    COMPARISONS = comparisons(STUDIES, STUDY_CONTRASTS, sheet=config["studies"])
except InputError as err:
    stop(str(err))

# MSigDB collections are downloaded once into resources/genesets/msigdb/ for every study: when
# two studies use the same collection, the first study's download rule makes it.
if len(STUDIES) > 1:
    workflow.ruleorder(*[f"{s.name}_msigdb" for s in STUDIES])


# On a cluster the profile's job groups (deseq2: de, ...) apply within each study: {study}_de.
groups, components = study_groups(
    workflow.group_settings.overwrite_groups,
    workflow.group_settings.group_components,
    studies=[s.name for s in STUDIES],
    rules=[r.name for r in workflow.rules],
)
workflow.group_settings.overwrite_groups = groups
workflow.group_settings.group_components = components


include: "rules/cross_study.smk"


rule all:
    default_target: True
    input:
        [getattr(rules, f"{s.name}_all").input for s in STUDIES],
        rules.cross_study.output,
