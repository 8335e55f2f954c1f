# Settings and helpers of the figure, QC and report stages (qc.smk, plots.smk, report.smk):
# no rules here, so that the rule files stay declarative.
import os  # noqa: E402
from pathlib import Path  # noqa: E402

from degsea.naming import file_slug  # noqa: E402

PLOTS = config["plots"]
FORMATS = PLOTS["formats"]
PLOT_GROUPS = {
    "color_by": PLOTS["color_by"] or STUDY.contrasts[0].variable,
    "colors": PLOTS["colors"],
    "shape_by": PLOTS["shape_by"],
}
DE_PADJ = PLOTS["padj"] if PLOTS["padj"] is not None else config["de"]["alpha"]
FOCUS_SETS = list(config["gsea"]["focus_sets"]) if GSEA_ENABLED else []
FOCUS_SLUGS = [file_slug(s) for s in FOCUS_SETS]
for key in ("color_by", "shape_by"):
    if PLOT_GROUPS[key] is not None and PLOT_GROUPS[key] not in STUDY.sheet.columns:
        stop(
            f"config 'plots: {key}' names a column that is not in the sample sheet.\n"
            f"  file: {config['samples']}\n  found: {PLOT_GROUPS[key]!r}\n"
            f"  allowed: {', '.join(map(str, STUDY.sheet.columns))}\n  hint: Column names are case-sensitive."
        )


def figure_files(stem, *, caption, category, subcategory=None, labels=None):
    """One figure in every configured format; the PNG is marked for the HTML report."""
    files = []
    for ext in FORMATS:
        path = f"{stem}.{ext}"
        if ext == "png":
            path = report(path, caption=caption, category=category, subcategory=subcategory, labels=labels)
        files.append(path)
    return files


FRONT_PAGE = "results/report/front_page.rst"


def provenance_inputs():
    """Every input file of the run, by role."""
    inputs = {
        "samples": [config["samples"]],
        "counts": list(STUDY.count_files),
        "genesets": (list(config["gsea"]["genesets"]) + [str(e.path) for e in STUDY.msigdb]) if GSEA_ENABLED else [],
    }
    for key in ("annotation", "tx2gene"):
        if config["counts"].get(key):
            inputs[f"counts_{key}"] = [config["counts"][key]]
    if GSEA_ENABLED and config["gsea"]["orthologs"]["table"]:
        inputs["orthologs"] = [config["gsea"]["orthologs"]["table"]]
    if DEMO_COUNTS in inputs["counts"]:
        inputs["demo_genesets"] = [config["demo"]["genesets"]]
    inputs["configfiles"] = [
        os.path.relpath(p) if Path(p).resolve().is_relative_to(Path.cwd()) else str(p) for p in workflow.configfiles
    ]
    return inputs
