"""Rule lrt_profiles: a likelihood-ratio test's significant genes clustered by profile across groups."""

from degsea.scripting import rule_logging
from degsea.steps.figures_profiles import lrt_profiles

with rule_logging(snakemake.log[0], rule=f"lrt_profiles {snakemake.wildcards.test}"):
    lrt_profiles(
        lrt_table=snakemake.input.lrt,
        vst_table=snakemake.input.vst,
        counts_h5ad=snakemake.input.h5ad,
        test=snakemake.wildcards.test,
        table_out=snakemake.output.table,
        figures=list(snakemake.output.figures),
        dpi=snakemake.params.dpi,
        **snakemake.params.profiles,
    )
