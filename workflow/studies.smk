# degsea, many studies in one run: every study of the studies sheet (config 'studies') is the
# whole single-study workflow (workflow/Snakefile) as a Snakemake module with its own config,
# its rules named {study}_{rule} and its results in results/{study}/. The cross-study summary
# (rules/cross_study.smk) reads their tables. The top-level Snakefile includes this file when
# the config has 'studies:' (snakemake --configfile config/studies.yaml).
from snakemake.utils import min_version

min_version("9.0")


include: "rules/studies_common.smk"


# One module per study. Its common.smk validates the study's own config (named by the
# '_configfile' key) when the module is loaded, so a mistake in any study stops the run.
for entry in STUDIES:
    study_module = f"study__{entry.name}"
    rule_prefix = f"{entry.name}_"
    STUDY_CONFIGS[entry.name]["_configfile"] = entry.config

    module:
        name: study_module
        snakefile:
            "Snakefile"
        config:
            STUDY_CONFIGS[entry.name]
        replace_prefix:
            study_paths(entry.name)

    use rule * from study_module as rule_prefix*


#: Each study's rules, by their names in the single-study workflow.
STUDY_RULES = {
    s.name: [r.name.removeprefix(f"{s.name}_") for r in workflow.rules if r.name.startswith(f"{s.name}_")]
    for s in STUDIES
}
#: Each study's contrasts, as its checked config defines them.
STUDY_CONTRASTS = {s.name: list(globals()[f"study__{s.name}"].CONTRASTS) for s in STUDIES}
COMPARISONS = study_comparisons()

# MSigDB collections are downloaded once into resources/genesets/msigdb/ for every study: when
# two studies use the same collection, the first study's download rule makes it.
if len(STUDIES) > 1:
    workflow.ruleorder(*[f"{s.name}_msigdb" for s in STUDIES])


# On a cluster the profile's job groups (deseq2: de, ...) apply within each study, as groups
# {study}_de, ... with the profile's widths: one cluster job never mixes two studies. Downloads
# (msigdb) stay ungrouped, on the submitting host.
# Snakemake 9 has no public interface for this: the profile's `groups:` (--groups) are known
# only once the DAG is built (the API sets workflow.group_settings after this file is parsed),
# and they name rules, not studies. So each study rule gets a callable group (Rule.expand_group
# calls it per job) that reads two internals: workflow.group_settings.overwrite_groups (the
# profile's rule -> group map) and workflow.parent_groupids (group ID -> the name whose
# --group-components width applies). tests/unit/test_many_studies.py fails, naming the
# internal, if Snakemake changes them; degsea.resources.study_group has the details.
for entry in STUDIES:
    for name in STUDY_RULES[entry.name]:
        if name != "msigdb":
            workflow.get_rule(f"{entry.name}_{name}").group = study_group(workflow, entry.name, name)


include: "rules/cross_study.smk"


rule all:
    default_target: True
    input:
        [getattr(rules, f"{s.name}_all").input for s in STUDIES],
        rules.cross_study.output,
