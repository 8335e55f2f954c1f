# degsea: run `snakemake` from here. The workflow itself is workflow/Snakefile (the catalog's
# standard layout); this file only includes it.


include: "workflow/Snakefile"


# Snakemake takes the default target only from the Snakefile it runs, never from an included one
# (Workflow.include restores it), so the included `rule all` is named the default here again.
workflow.default_target = "all"
