# Settings and helpers of the figure, QC and report stages (qc.smk, plots.smk, report.smk):
# no rules here, so that the rule files stay declarative.
import os  # noqa: E402
from pathlib import Path  # noqa: E402

from degsea.naming import file_slug  # noqa: E402
from degsea.report.order import numbered  # noqa: E402
from degsea.study import level_setting_warnings  # noqa: E402

PLOTS = config["plots"]
FORMATS = PLOTS["formats"]
PLOT_GROUPS = {
    "color_by": PLOTS["color_by"] or STUDY.group_by,
    "colors": PLOTS["colors"],
    "shape_by": PLOTS["shape_by"],
}
#: Dispersion trend of the (blind) VST: stock PyDESeq2 knows parametric and mean; DESeq2's vst()
#: has its own fitType, "parametric" by default, so 'local' fits take the parametric VST.
VST_FIT_TYPE = "mean" if config["de"]["fit_type"] == "mean" else "parametric"
# Level order of the two display variables only, so that other level lists rerun nothing.
PLOT_GROUPS["levels"] = {
    v: config["levels"][v] for v in (PLOT_GROUPS["color_by"], PLOT_GROUPS["shape_by"]) if v in config["levels"]
}
DE_PADJ = PLOTS["padj"] if PLOTS["padj"] is not None else config["de"]["alpha"]
FOCUS_SETS = list(config["gsea"]["focus_sets"]) if GSEA_ENABLED else []
#: Settings of the lrt_profiles job per profiled likelihood-ratio test, from config 'lrt.<test>.profiles'.
LRT_PROFILES = {
    t.name: {
        "columns": list(t.profile_groups()),
        "padj": t.profiles.padj if t.profiles.padj is not None else config["de"]["alpha"],
        "clusters": t.profiles.clusters,
        "method": t.profiles.method,
        "seed": t.profiles.seed,
        "max_genes": t.profiles.max_genes,
    }
    for t in STUDY.lrts
    if t.profiles.enabled
}
FOCUS_SLUGS = [file_slug(s) for s in FOCUS_SETS]
#: Per contrast of two levels: its sheet column and levels (leading-edge heatmaps, score tests).
CONTRAST_GROUPS = {
    c.name: {"variable": c.variable, "test": c.test, "reference": c.reference}
    for c in STUDY.contrasts
    if getattr(c, "variable", None) and getattr(c, "test", None) and getattr(c, "reference", None)
}
for key in ("color_by", "shape_by"):
    if PLOT_GROUPS[key] is not None and PLOT_GROUPS[key] not in STUDY.sheet.columns:
        stop(
            f"config 'plots: {key}' names a column that is not in the sample sheet.\n"
            f"  file: {config['samples']}\n  found: {PLOT_GROUPS[key]!r}\n"
            f"  allowed: {', '.join(map(str, STUDY.sheet.columns))}\n  hint: Column names are case-sensitive."
        )
for message in level_setting_warnings(
    STUDY.sheet,
    color_by=PLOT_GROUPS["color_by"],
    colors=PLOTS["colors"],
    levels=config["levels"],
    sheet_file=config["samples"],
):
    warn(message)


def figure_files(stem, *, caption, category, subcategory=None, labels=None):
    """One figure in every configured format, and the HTML report's copy (<stem>.report.png: 150 dpi,
    256 colours; degsea.steps.figures.save_figure) marked for the report."""
    copy = report(f"{stem}.report.png", caption=caption, category=category, subcategory=subcategory, labels=labels)
    return [f"{stem}.{ext}" for ext in FORMATS] + [copy]


FRONT_PAGE = "results/report/front_page.rst"

# Report order: Snakemake sorts report names and labels alphabetically, so they are numbered in
# analysis order (contrasts and focus sets in config order).
CONTRAST_HEADINGS = numbered(CONTRASTS)
FOCUS_LABELS = numbered(FOCUS_SETS)
# Tables shown as report pages (results/report/tables/<key>.html, rule table_pages), and the big
# ones that grow with the samples: those stay beside the report, with a short page naming them.
_QC_TABLES = {"category": "1 Sample QC", "subcategory": "Tables"}
_ACROSS_TABLES = {"category": "3 Across contrasts", "subcategory": "Tables"}
REPORT_TABLES = {
    "qc_samples": {
        "path": "results/qc/samples.tsv",
        "title": "Per-sample QC",
        "caption": "../report/qc_samples.rst",
        "place": {**_QC_TABLES, "labels": {"table": "1. Per-sample QC"}},
    },
    "qc_pca_variance": {
        "path": "results/qc/pca_variance.tsv",
        "title": "PCA variance explained",
        "caption": "../report/qc_pca_variance.rst",
        "place": {**_QC_TABLES, "labels": {"table": "2. PCA variance explained"}},
    },
    "de_counts": {
        "path": "results/summary/de_counts.tsv",
        "title": "DE genes per contrast",
        "caption": "../report/de_counts.rst",
        "place": {**_ACROSS_TABLES, "labels": {"table": "1. DE genes per contrast"}},
    },
    "de_membership": {
        "path": "results/summary/de_membership.tsv",
        "title": "DE genes x contrasts",
        "caption": "../report/de_membership.rst",
        "place": {**_ACROSS_TABLES, "labels": {"table": "2. DE genes x contrasts"}},
    },
    "de_intersections": {
        "path": "results/summary/de_intersections.tsv",
        "title": "DE overlap (UpSet intersections)",
        "caption": "../report/de_intersections.rst",
        "place": {**_ACROSS_TABLES, "labels": {"table": "3. DE overlap (UpSet)"}},
    },
    "gsea_summary": {
        "path": "results/gsea/summary.tsv",
        "title": "GSEA summary (all sets)",
        "caption": "../report/gsea_summary.rst",
        "place": {**_ACROSS_TABLES, "labels": {"table": "5. GSEA summary (all sets)"}},
    },
    "gsea_selected_sets": {
        "path": "results/summary/gsea_selected_sets.tsv",
        "title": "GSEA focus and top sets",
        "caption": "../report/gsea_selected_sets.rst",
        "place": {**_ACROSS_TABLES, "labels": {"table": "6. GSEA focus and top sets"}},
    },
}
if FOCUS_SETS:
    REPORT_TABLES["sample_scores"] = {
        "path": "results/genesets/sample_scores.tsv",
        "title": "Gene-set scores per sample",
        "caption": "../report/sample_scores_table.rst",
        "place": {"category": "5 Gene-set scores per sample", "labels": {"item": "2. Scores table"}},
    }
REPORT_TABLES["ora_selected_sets"] = {
    "path": "results/summary/ora_selected_sets.tsv",
    "title": "ORA focus and top sets",
    "caption": "../report/ora_selected_sets.rst",
    "place": {**_ACROSS_TABLES, "labels": {"table": "7. ORA focus and top sets"}},
}
for _contrast in CONTRASTS:
    REPORT_TABLES[f"ora_{_contrast}"] = {
        "path": f"results/ora/{_contrast}.tsv",
        "title": f"ORA: {_contrast}",
        "caption": "../report/ora_table.rst",
        "place": {
            "category": "4 Gene-set enrichment",
            "subcategory": CONTRAST_HEADINGS[_contrast],
            "labels": {"set": "(all sets)", "item": "ORA table"},
        },
    }
_SCORES = {"category": "5 Gene-set scores per sample"}
REPORT_TABLES["collection_scores"] = {
    "path": "results/genesets/collection_scores.tsv",
    "title": "Collection scores (samples x sets)",
    "caption": "../report/collection_scores_table.rst",
    "place": {**_SCORES, "labels": {"item": "4. Collection scores (samples x sets)"}},
}
REPORT_TABLES["collection_score_tests"] = {
    "path": "results/genesets/collection_score_tests.tsv",
    "title": "Collection score tests per contrast",
    "caption": "../report/collection_score_tests.rst",
    "place": {**_SCORES, "labels": {"item": "5. Collection score tests per contrast"}},
}
#: Outputs of the gene-set branch: their table pages are made only when the branch runs.
GENESET_OUTPUTS = (
    "results/gsea/",
    "results/ora/",
    "results/genesets/",
    "results/summary/gsea_",
    "results/summary/ora_",
)
if not GSEA_ENABLED:
    REPORT_TABLES = {
        key: table for key, table in REPORT_TABLES.items() if not table["path"].startswith(GENESET_OUTPUTS)
    }
BESIDE_REPORT = {
    "vst": {
        "path": "results/qc/vst.tsv",
        "title": "VST expression",
        "caption": "../report/vst.rst",
        "place": {**_QC_TABLES, "labels": {"table": "3. VST expression (beside the report)"}},
    },
    "normalized_counts": {
        "path": "results/de/normalized_counts.tsv",
        "title": "Normalised counts",
        "caption": "../report/normalized_counts.rst",
        "place": {**_ACROSS_TABLES, "labels": {"table": "4. Normalised counts (beside the report)"}},
    },
}


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
        os.path.relpath(p) if Path(p).resolve().is_relative_to(Path.cwd()) else str(p) for p in CONFIG_FILES
    ]
    return inputs
