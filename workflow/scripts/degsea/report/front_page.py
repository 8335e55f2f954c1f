"""The front page of the Snakemake HTML report, written as reStructuredText from a run's results."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import re

import pandas as pd
import yaml

from degsea.gsea.prerank import FDR_METHODS, fdr_floor
from degsea.naming import short_set_name


def _list_table(header: Sequence[str], rows: Sequence[Sequence[Any]], *, title: str = "") -> str:
    lines = [f".. list-table:: {title}".rstrip(), "   :header-rows: 1", ""]
    for row in [header, *rows]:
        cells = [str(c).replace("\n", " ") if str(c) else "–" for c in row]
        lines.append(f"   * - {cells[0]}")
        lines.extend(f"     - {c}" for c in cells[1:])
    return "\n".join(lines) + "\n"


def _plain(value: Any) -> str:
    """User text (sample IDs in paths, group levels, contrast names) shown as spelled in reStructuredText.

    Backslash-escapes the characters that start inline markup, so ``5_c_.counts.txt`` is not
    read as a link named ``5_c`` and ``a*b`` not as emphasis.
    """
    return re.sub(r"([\\`*_|\[\]<>])", r"\\\1", str(value))


def _literal(text: str) -> str:
    return "::\n\n" + "\n".join("    " + line for line in text.splitlines()) + "\n"


def _fdr(value: float, floor: float) -> str:
    if pd.isna(value):
        return "NA"
    return f"< {floor:g}" if value < floor else f"{value:.2g}"


def front_page(
    *,
    sheet: pd.DataFrame,
    config: Mapping[str, Any],
    de_counts: pd.DataFrame,
    gsea_summary: pd.DataFrame | None,
    record: Mapping[str, Any],
    color_by: str,
    fdr_threshold: float = 0.05,
) -> str:
    """The report's front page: design, samples, contrasts, DE genes, top focus sets, software, config, inputs.

    Parameters
    ----------
    sheet
        The sample sheet (index sample).
    config
        The resolved config.
    de_counts
        :func:`degsea.de.summary.de_counts`.
    gsea_summary
        ``results/gsea/summary.tsv``; None when the gene-set branch is off (config ``gsea: enabled``).
    record
        The provenance record (:func:`degsea.provenance.provenance`).
    color_by
        The grouping variable whose levels are counted.
    fdr_threshold
        FDR below which a focus set counts as enriched.

    Returns
    -------
    str
        reStructuredText, wrapped in a Jinja ``raw`` block (Snakemake renders the front page with Jinja).
    """
    gsea_config = config["gsea"]
    fdr_method = gsea_config.get("fdr", "bh")
    engine = gsea_config.get("engine", "degsea")
    max_permutations = int(gsea_config.get("max_permutations", gsea_config["permutations"]))
    floor = fdr_floor(fdr_method, permutations=int(gsea_config["permutations"]), max_permutations=max_permutations, engine=engine)
    p_text = f" (p-values: up to {max_permutations} per set size)" if engine == "degsea" and max_permutations > int(gsea_config["permutations"]) else ""
    contrasts = config["contrasts"]
    parts = [
        "degsea: differential expression and gene-set enrichment",
        "=" * 56,
        "",
        f"**Design** ``{config['design']}`` on **{len(sheet)} samples**; PyDESeq2 (DESeq2's model, "
        f"alpha {config['de']['alpha']}, {config['de']['fit_type']} dispersion trend, Cook's filtering "
        f"{'on' if config['de']['cooks_filter'] else 'off'}, independent filtering "
        f"{'on' if config['de']['independent_filter'] else 'off'})"
        + (
            f", then preranked GSEA with the {engine} engine (rank by ``{gsea_config['rank_by']}``, "
            f"{gsea_config['permutations']} permutations{p_text}, seed {gsea_config['seed']}, set size "
            f"{gsea_config['min_size']}-{gsea_config['max_size']}; FDR = {FDR_METHODS[fdr_method]}) on "
            + ", ".join(f"``{g}``" for g in config["gsea"]["genesets"])
            + "."
            if gsea_summary is not None
            else "; no gene-set enrichment (config ``gsea: enabled: false``, or no collection)."
        ),
        "",
        "Samples",
        "-------",
        "",
    ]
    levels = sheet[color_by].astype(str).value_counts(sort=False)
    parts.append(_list_table([_plain(color_by), "samples"], [[_plain(level), n] for level, n in levels.items()]))
    parts += ["", "Contrasts and differentially expressed genes", "-" * 44, ""]
    rows = []
    counts = de_counts.set_index("contrast")
    for name, spec in contrasts.items():
        n_test = int((sheet[spec["variable"]].astype(str) == str(spec["test"])).sum())
        n_ref = int((sheet[spec["variable"]].astype(str) == str(spec["reference"])).sum())
        c = counts.loc[name]
        rows.append([_plain(name), f"{_plain(spec['test'])} (n={n_test}) vs {_plain(spec['reference'])} (n={n_ref})", f"{int(c['with_padj']):,}",
                     f"{int(c['significant']):,}", f"{int(c['up']):,}", f"{int(c['down']):,}"])
    padj, lfc = float(de_counts["padj_threshold"].iloc[0]), float(de_counts["lfc_threshold"].iloc[0])
    rule = f"padj < {padj:g}" + (f" and \\|log2FC\\| ≥ {lfc:g}" if lfc > 0 else "")
    parts.append(_list_table(["contrast", "test vs reference", "genes with padj", f"DE ({rule})", "up", "down"], rows))
    focus = list(config["gsea"]["focus_sets"]) if gsea_summary is not None else []
    parts += ["", "Top enriched focus sets", "-" * 23, ""]
    summary = gsea_summary.set_index("set") if gsea_summary is not None else None
    if gsea_summary is None:
        parts.append("Gene-set enrichment was not run.\n")
    elif focus:
        rows = []
        for name in contrasts:
            hits = summary.reindex(focus)[[f"NES_{name}", f"FDR_{name}"]].dropna()
            hits = hits[hits[f"FDR_{name}"] < fdr_threshold]
            hits = hits.reindex(hits[f"NES_{name}"].abs().sort_values(ascending=False, kind="mergesort").index)
            text = "; ".join(
                f"{_plain(short_set_name(s))} (NES {r[f'NES_{name}']:+.2f}, FDR {_fdr(r[f'FDR_{name}'], floor)})" for s, r in hits.head(3).iterrows()
            )
            rows.append([_plain(name), text or f"none at FDR < {fdr_threshold:g}"])
        parts.append(_list_table(["contrast", f"strongest focus sets at FDR < {fdr_threshold:g} (up to 3, by \\|NES\\|)"], rows))
    else:
        parts.append("No focus sets are configured (config ``gsea: focus_sets``).\n")
    parts += ["", "Software", "--------", ""]
    parts.append(_list_table(["package", "version"], [[k, v] for k, v in record["versions"].items()]))
    parts += ["", "Input files", "-----------", ""]
    rows = [[role, _plain(item["path"]), f"{item['bytes']:,}", f"``{item['sha256']}``"] for role, items in record["inputs"].items() for item in items]
    parts.append(_list_table(["role", "file", "bytes", "SHA-256"], rows))
    parts += ["", "Seeds: " + ", ".join(f"``{k}`` = {v}" for k, v in record["seeds"].items()) + ". "
              "All of this is also in ``results/provenance.json``.", ""]
    parts += ["Resolved config", "---------------", "", "The config as the run used it (schema defaults filled in)", ""]
    parts.append(_literal(yaml.safe_dump(record["config"], sort_keys=False, allow_unicode=True)))
    return "{% raw %}\n" + "\n".join(parts) + "\n{% endraw %}\n"
