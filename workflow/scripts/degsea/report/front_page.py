"""The front page of the Snakemake HTML report, written as reStructuredText from a run's results."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import yaml

from degsea.naming import short_set_name
from degsea.report.provenance import plain_config, seeds
from degsea.report.styles import front_page_style


def _list_table(header: Sequence[str], rows: Sequence[Sequence[Any]], *, title: str = "") -> str:
    lines = [f".. list-table:: {title}".rstrip(), "   :header-rows: 1", "   :widths: auto", ""]
    for row in [header, *rows]:
        cells = [str(c).replace("\n", " ") if str(c) else "–" for c in row]
        lines.append(f"   * - {cells[0]}")
        lines.extend(f"     - {c}" for c in cells[1:])
    return "\n".join(lines) + "\n"


def _plain(value: Any) -> str:
    """User text (sample IDs in paths, group levels, contrast names) shown as spelled in reStructuredText.

    Backslash-escapes the characters that start inline markup, so ``5_c_.counts.txt`` is not
    read as a link named ``5_c`` and ``a*b`` not as emphasis, and ``%``, so that the text never
    holds ``{%`` (Snakemake renders the front page with Jinja; ``{% endraw %}`` would end the
    raw block around it). docutils escapes HTML (``<``, ``>``, ``&``, ``"``) itself.
    """
    return re.sub(r"([\\`*_|\[\]<>%])", r"\\\1", str(value))


def _code(value: Any) -> str:
    """A config value as inline code, or as plain text where it holds a backquote or a line break."""
    text = str(value)
    return _plain(text) if "`" in text or "\n" in text or "\\" in text else f"``{text}``"


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
    versions: Mapping[str, str],
    inputs: Mapping[str, Sequence[Mapping[str, Any]]],
    color_by: str,
    fdr_method: str,
    fdr_floor: float,
    fdr_threshold: float = 0.05,
    beside: Mapping[str, str] | None = None,
    ora_tables: Mapping[str, pd.DataFrame] | None = None,
    lrt_tables: Mapping[str, pd.DataFrame] | None = None,
) -> str:
    """The report's front page: design, samples, contrasts, DE genes, top focus sets, software, config, inputs.

    Parameters
    ----------
    sheet
        The sample sheet (index sample).
    config
        The resolved config, as the rule's params hold it.
    de_counts
        :func:`degsea.de.summary.de_counts`.
    gsea_summary
        ``results/gsea/summary.tsv``.
    versions, inputs
        Package versions and the input files (role -> ``{path, sha256, bytes}``) of the provenance
        record (:func:`degsea.report.provenance.provenance`), which measured them.
    color_by
        The grouping variable whose levels are counted.
    fdr_method, fdr_floor
        What the GSEA's ``FDR`` column is (its description) and the smallest FDR the run resolves
        (smaller ones are shown as ``< floor``); the rule's params.
    lrt_tables
        Likelihood-ratio test name -> its table (``results/de/lrt/<name>.tsv``).
    fdr_threshold
        FDR below which a focus set counts as enriched.
    beside
        Tables kept beside the report rather than in it: title -> path under ``results/``; linked
        relative to ``results/report.html``.
    ora_tables
        Contrast -> its ORA table (``results/ora/<contrast>.tsv``); an ORA section when given.

    Returns
    -------
    str
        reStructuredText, wrapped in a Jinja ``raw`` block (Snakemake renders the front page with Jinja).
    """
    gsea_config = config["gsea"]
    engine = gsea_config.get("engine", "degsea")
    eps = float(gsea_config.get("eps", 1e-50))
    p_text = f" (p-values in the tail by multilevel splitting, down to {eps:g})" if engine == "degsea" else ""
    contrasts = config["contrasts"]
    parts = [
        front_page_style(),
        "degsea: differential expression and gene-set enrichment",
        "=" * 56,
        "",
        f"**Design** {_code(config['design'])} on **{len(sheet)} samples**; PyDESeq2 (DESeq2's model, "
        f"alpha {config['de']['alpha']}, {config['de']['fit_type']} dispersion trend, Cook's filtering "
        f"{'on' if config['de']['cooks_filter'] else 'off'}, independent filtering "
        f"{'on' if config['de']['independent_filter'] else 'off'})"
        + (
            f", then preranked GSEA with the {engine} engine (rank by {_code(gsea_config['rank_by'])}, "
            f"{gsea_config['permutations']} permutations{p_text}, seed {gsea_config['seed']}, set size "
            f"{gsea_config['min_size']}-{gsea_config['max_size']}; FDR = {fdr_method}) on "
            + ", ".join(_code(g) for g in config["gsea"]["genesets"])
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
        c = counts.loc[name]
        rows.append(
            [
                _plain(name),
                _compared(spec, sheet),
                f"{int(c['with_padj']):,}",
                f"{int(c['significant']):,}",
                f"{int(c['up']):,}",
                f"{int(c['down']):,}",
            ]
        )
    padj, lfc = float(de_counts["padj_threshold"].iloc[0]), float(de_counts["lfc_threshold"].iloc[0])
    rule = f"padj < {padj:g}" + (f" and \\|log2FC\\| ≥ {lfc:g}" if lfc > 0 else "")
    parts.append(_list_table(["contrast", "compares", "genes with padj", f"DE ({rule})", "up", "down"], rows))
    if lrt_tables:
        alpha = float(config["de"]["alpha"])
        parts += ["", "Likelihood-ratio tests", "-" * 22, ""]
        lrt_rows = [
            [
                _plain(name),
                _plain(f"{spec.get('full') or config['design']} vs {spec['reduced']}"),
                int(table["df"].iloc[0]) if len(table) else "",
                f"{int(table['padj'].notna().sum()):,}",
                f"{int((table['padj'] < alpha).sum()):,}",
            ]
            for name, spec in config["lrt"].items()
            if (table := lrt_tables.get(name)) is not None
        ]
        parts.append(
            _list_table(["test", "full vs reduced design", "df", "genes with padj", f"padj < {alpha:g}"], lrt_rows)
        )
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
                f"{_plain(short_set_name(s))} (NES {r[f'NES_{name}']:+.2f}, FDR {_fdr(r[f'FDR_{name}'], fdr_floor)})"
                for s, r in hits.head(3).iterrows()
            )
            rows.append([_plain(name), text or f"none at FDR < {fdr_threshold:g}"])
        parts.append(
            _list_table(["contrast", f"strongest focus sets at FDR < {fdr_threshold:g} (up to 3, by \\|NES\\|)"], rows)
        )
    else:
        parts.append("No focus sets are configured (config ``gsea: focus_sets``).\n")
    if summary is not None:
        parts += _top_groups(summary, contrasts, fdr_threshold=fdr_threshold, floor=fdr_floor)
    if ora_tables is not None:
        parts += _ora_section(
            ora_tables, min_size=gsea_config["min_size"], max_size=gsea_config["max_size"], padj=fdr_threshold
        )
    if beside:
        parts += [
            "",
            "Tables beside this report",
            "-" * 25,
            "",
            "Too big to embed (they grow with the samples); with the report at ``results/report.html`` the links open "
            "them:",
            "",
        ]
        parts += [
            f"- {_plain(title)}: `{_plain(path)} <{path.removeprefix('results/')}>`__" for title, path in beside.items()
        ]
    parts += ["", "Software", "--------", ""]
    parts.append(_list_table(["package", "version"], [[_plain(k), _plain(v)] for k, v in versions.items()]))
    parts += ["", "Input files", "-----------", ""]
    rows = [
        [_plain(role), _plain(item["path"]), f"{item['bytes']:,}", f"``{item['sha256']}``"]
        for role, items in inputs.items()
        for item in items
    ]
    parts.append(_list_table(["role", "file", "bytes", "SHA-256"], rows))
    parts += [
        "",
        "Seeds: " + ", ".join(f"``{k}`` = {v}" for k, v in seeds(config).items()) + ". "
        "All of this is also in ``results/provenance.json``.",
        "",
    ]
    parts += ["Resolved config", "---------------", "", "The config as the run used it (schema defaults filled in)", ""]
    parts.append(_literal(yaml.safe_dump(plain_config(config), sort_keys=False, allow_unicode=True)))
    return "{% raw %}\n" + "\n".join(parts) + "\n{% endraw %}\n"


def _top_groups(
    summary: pd.DataFrame, contrasts: Mapping[str, Any], *, fdr_threshold: float, floor: float
) -> list[str]:
    """The strongest sets per contrast, one per redundancy group (its representative)."""
    parts = ["", "Top gene sets, one per redundancy group", "-" * 39, ""]
    rows = []
    for name in contrasts:
        if f"NES_{name}" not in summary:
            continue
        frame = summary[[f"NES_{name}", f"FDR_{name}"]].dropna()
        if f"group_{name}" in summary:
            frame = frame[summary.loc[frame.index, f"group_{name}"] == frame.index]
        frame = frame[frame[f"FDR_{name}"] < fdr_threshold]
        frame = frame.assign(size=-frame[f"NES_{name}"].abs()).sort_values([f"FDR_{name}", "size"], kind="mergesort")
        text = "; ".join(
            f"{_plain(short_set_name(s))} (NES {r[f'NES_{name}']:+.2f}, FDR {_fdr(r[f'FDR_{name}'], floor)})"
            for s, r in frame.head(5).iterrows()
        )
        rows.append([_plain(name), text or f"none at FDR < {fdr_threshold:g}"])
    if rows:
        parts.append(
            _list_table(
                ["contrast", f"strongest sets at FDR < {fdr_threshold:g} (up to 5; redundant sets collapsed)"], rows
            )
        )
    else:
        parts.append("No GSEA results for the contrasts.\n")
    return parts


def _ora_section(tables: Mapping[str, pd.DataFrame], *, min_size: int, max_size: int, padj: float) -> list[str]:
    """Over-representation per contrast and direction: universe, DE genes, top representative sets."""
    parts = [
        "",
        "Over-representation of the DE genes (ORA)",
        "-" * 41,
        "",
        "One-sided hypergeometric test of the up and the down DE genes separately (R's ``phyper(q - 1, m, n, k, "
        "lower.tail = FALSE)``), Benjamini-Hochberg across the sets of each direction; universe: the genes tested in "
        "the contrast (symbols with an adjusted p-value, ``results/ora/<contrast>.universe.txt``); sets of "
        f"{min_size}-{max_size} "
        "genes in the universe; one set per redundancy group.",
        "",
    ]
    rows = []
    if not tables:
        return parts + ["No contrasts.\n"]
    for name, table in tables.items():
        for direction in ("up", "down"):
            part = table[table["direction"] == direction] if not table.empty else table
            if part.empty:
                rows.append([_plain(name), direction, "", "0", "no DE genes: not tested"])
                continue
            hits = part[(part["padj"] < padj) & part.get("representative", True)].head(3)
            text = "; ".join(
                f"{_plain(short_set_name(r['set']))} ({int(r['overlap'])}/{int(r['size'])}, padj {r['padj']:.2g})"
                for _, r in hits.iterrows()
            )
            rows.append(
                [
                    _plain(name),
                    direction,
                    f"{int(part['universe'].iloc[0]):,}",
                    f"{int(part['de_genes'].iloc[0]):,}",
                    text or f"none at padj < {padj:g}",
                ]
            )
    parts.append(
        _list_table(
            [
                "contrast",
                "DE genes",
                "universe",
                "DE genes in it",
                f"top sets at padj < {padj:g} (DE genes in set / set size)",
            ],
            rows,
        )
    )
    return parts


def _compared(spec: Mapping[str, Any], sheet: pd.DataFrame) -> str:
    """What a config contrast compares: levels with their sample counts, or the coefficients it weighs."""
    if spec.get("variable"):
        n_test = int((sheet[spec["variable"]].astype(str) == str(spec["test"])).sum())
        n_ref = int((sheet[spec["variable"]].astype(str) == str(spec["reference"])).sum())
        return f"{_plain(spec['test'])} (n={n_test}) vs {_plain(spec['reference'])} (n={n_ref})"
    if spec.get("coefficient"):
        return f"coefficient {_plain(spec['coefficient'])}"
    if spec.get("vector"):
        return "weights " + ", ".join(f"{v:g}" for v in spec["vector"])
    text = " + ".join(map(_plain, spec.get("numerator") or [])) or "0"
    return text + (" vs " + " + ".join(map(_plain, spec["denominator"])) if spec.get("denominator") else "")
