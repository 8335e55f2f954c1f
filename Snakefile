# degsea: run `snakemake` from here. The workflow itself is workflow/Snakefile (the catalog's
# standard layout); this file only includes it.


include: "workflow/Snakefile"


# Snakemake takes its default target only from the Snakefile it runs, never from an included
# one, so the included `rule all` is named here as this file's default target.
rule default:
    default_target: True
    input:
        rules.all.input,
    localrule: True
