"""Result tables as self-contained HTML pages for the Snakemake report: searchable, sortable, no server.

Interactive pages use `itables <https://mwouts.github.io/itables/>`_ (DataTables for Python; its
offline bundle ships inside the wheel, so a page needs no network). Every page is stored
gzip-compressed inside a small HTML shell that unpacks itself in the browser
(``DecompressionStream``), because Snakemake embeds each report item base64-encoded and the
DataTables bundle alone is 0.7 MB. Small tables are plain HTML tables (no JavaScript).

Every string of the data (gene IDs, set names, sample IDs, column names) reaches the page
HTML-escaped: itables escapes cell values and headers (``allow_html`` stays off), the static
tables and the page text go through :func:`html.escape`, and JSON inside ``<script>`` elements
has ``<``, ``>`` and ``&`` written as ``\\u`` escapes.
"""

from __future__ import annotations

import base64
import gzip
import html
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from degsea.tables import neg_log10_pvalues

#: Tables with more rows than this get the interactive (DataTables) page; smaller ones a plain table.
#: Each interactive page carries its own copy of the DataTables bundle (about 0.35 MB in the report),
#: so only the tables people search (DE, GSEA) and long ones get it.
STATIC_MAX_ROWS = 1000
#: Text columns with values longer than this are cut to one line with an ellipsis (search still sees all of it).
LONG_TEXT = 80
#: Significant digits kept for floats shown in the report (the TSV files keep full precision).
DISPLAY_DIGITS = 3

_ASSETS = Path(__file__).with_name("assets")
#: DataTables display of numbers: NA for missing, exponents for tiny and huge values; sorting uses the number.
_NUMBER_RENDER = (
    "function (data, type) { const missing = data === null || Number.isNaN(data);"
    " if (type === 'sort') { return missing ? Infinity : data; }"
    " if (type !== 'display') { return data; }"
    " if (missing) { return 'NA'; }"
    " if (typeof data !== 'number') { return data; }"
    " const a = Math.abs(data); return a !== 0 && (a < 1e-3 || a >= 1e6) ? data.toExponential(2) : String(data); }"
)


def _asset(name: str) -> str:
    return (_ASSETS / name).read_text(encoding="utf-8")


def script_json(value: Any) -> str:
    """JSON that is safe inside an HTML ``<script>`` element: ``<``, ``>`` and ``&`` are ``\\u`` escapes."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def display_rounded(table: pd.DataFrame, *, digits: int = DISPLAY_DIGITS) -> pd.DataFrame:
    """The table with every float rounded to ``digits`` significant digits (for display only)."""
    out = table.copy()
    for column in out.columns:
        if pd.api.types.is_float_dtype(out[column]):
            out[column] = out[column].map(lambda v: float(f"{v:.{digits}g}") if pd.notna(v) else v)
    return out


def _packed_page(body: str, *, title: str, source: str) -> str:
    """An HTML shell holding ``body`` (a full HTML document) gzip-compressed and base64-encoded."""
    packed = base64.b64encode(gzip.compress(body.encode("utf-8"), compresslevel=6, mtime=0)).decode("ascii")
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head><body>\n"
        f'<p id="degsea-status">Unpacking the table… (also in <code>{html.escape(source)}</code>)</p>\n'
        f"<noscript>This table needs JavaScript. The same table is in {html.escape(source)}.</noscript>\n"
        f'<script id="degsea-packed" type="application/octet-stream">{packed}</script>\n'
        f"<script>{_asset('unpack.js')}</script>\n</body></html>\n"
    )


def _document(*, title: str, note: str, content: str) -> str:
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_asset('table_page.css')}</style></head><body>\n"
        f'<h1>{html.escape(title)}</h1>\n<p class="note">{note}</p>\n{content}\n</body></html>\n'
    )


def _interactive_table(table: pd.DataFrame, *, page_length: int, order: Sequence[tuple[int, str]]) -> str:
    """DataTables for ``table``: itables' arguments for its ``ITable`` class and its offline bundle, inline.

    The bundle (an ES module) and its CSS travel as JSON strings (so no text of theirs can end
    their ``<script>`` element) and are imported from a blob URL, as itables' own offline mode
    does; the arguments come from itables' extension interface.
    """
    import itables
    from itables.javascript import get_itables_extension_arguments

    numeric = [i for i, c in enumerate(table.columns) if pd.api.types.is_float_dtype(table[c])]
    long = [
        i
        for i, c in enumerate(table.columns)
        if table[c].dtype == object and table[c].astype(str).str.len().max() > LONG_TEXT
    ]
    column_defs = (
        [{"targets": numeric, "render": itables.JavascriptFunction(_NUMBER_RENDER), "className": "dt-right"}]
        if numeric
        else []
    )
    column_defs += [{"targets": long, "className": "degsea-long"}] if long else []
    dt_args, other = get_itables_extension_arguments(
        table,
        maxBytes=0,
        showIndex=False,
        format_floats_in_python=False,
        allow_html=False,
        pageLength=page_length,
        lengthMenu=[10, 25, 50, 100, 500],
        order=[list(o) for o in order],
        columnDefs=column_defs,
        layout={"topStart": "pageLength", "topEnd": "search", "bottomStart": "info", "bottomEnd": "paging"},
        classes="display nowrap compact cell-border",
        scrollX=True,
        table_id="degsea_table",
    )
    bundle = Path(itables.__file__).with_name("html") / "dt_bundle.js"
    code = {"js": bundle.read_text(encoding="utf-8"), "css": bundle.with_suffix(".css").read_text(encoding="utf-8")}
    return (
        f'<table id="degsea_table" class="{html.escape(other["classes"])}" '
        f'style="{html.escape(other["style"])}"></table>\n'
        f'<script id="degsea-dt-args" type="application/json">{script_json(dt_args)}</script>\n'
        f'<script id="degsea-dt-bundle" type="application/json">{script_json(code)}</script>\n'
        f'<script type="module">{_asset("datatable.js")}</script>\n'
    )


def _static_table(table: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in table.columns)
    rows = []
    for values in table.itertuples(index=False):
        cells = []
        for value in values:
            if isinstance(value, float):
                cells.append(
                    f'<td class="num">{"NA" if math.isnan(value) else html.escape(f"{value:.{DISPLAY_DIGITS}g}")}</td>'
                )
            elif isinstance(value, int) and not isinstance(value, bool):
                cells.append(f'<td class="num">{value:,}</td>')
            else:
                cells.append(f"<td>{html.escape(str(value))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f'<table class="degsea-static"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def table_page(
    table: pd.DataFrame,
    *,
    title: str,
    source: str,
    note: str = "",
    order: Sequence[tuple[int, str]] = (),
    page_length: int = 25,
    extra: str = "",
    scripts: str = "",
    interactive: bool | None = None,
) -> str:
    """One report page for ``table``: interactive above :data:`STATIC_MAX_ROWS` rows, else a plain table.

    Parameters
    ----------
    table
        The rows to show (floats are rounded for display; the file keeps full precision).
    title
        Page heading (plain text).
    source
        The file the table comes from, named on the page (plain text).
    note
        One line under the heading (plain text).
    order
        Initial sort of the interactive table: ``(column index, "asc" | "desc")`` pairs.
    page_length
        Rows per page of the interactive table.
    extra
        Trusted HTML placed between the note and the table (e.g. the volcano of :func:`de_table_page`).
    scripts
        Trusted HTML placed after the table (scripts that read it).
    interactive
        Force the interactive (True) or the plain (False) table; by default interactive above
        :data:`STATIC_MAX_ROWS` rows.

    Returns
    -------
    str
        A complete HTML document.
    """
    shown = display_rounded(table)
    text = html.escape(note) + (" " if note else "") + f"{len(table):,} rows; file <code>{html.escape(source)}</code>."
    if not (interactive if interactive is not None else len(table) > STATIC_MAX_ROWS):
        return _document(title=title, note=text, content=extra + _static_table(shown) + scripts)
    text += " Search, sort by a column header, or download the rows shown (CSV) from the table's controls."
    body = _document(
        title=title,
        note=text,
        content=extra + _interactive_table(shown, page_length=page_length, order=order) + scripts,
    )
    return _packed_page(body, title=title, source=source)


@dataclass(frozen=True, kw_only=True)
class VolcanoThresholds:
    """What counts as DE on the volcano: ``padj < alpha`` and ``|log2FC| >= lfc``."""

    alpha: float
    lfc: float


#: Columns of a DE table shown in the report (the TSV has them all).
DE_COLUMNS = ("gene_id", "symbol", "baseMean", "log2FoldChange", "lfcSE", "pvalue", "padj", "log2FoldChange_shrunk")


def de_display_columns(table: pd.DataFrame) -> pd.DataFrame:
    """The DE table as shown: :data:`DE_COLUMNS` and the per-group means.

    ``symbol`` only where it differs from the ID.
    """
    keep = [c for c in DE_COLUMNS if c in table.columns] + [c for c in table.columns if c.startswith("baseMean_")]
    if "symbol" in table.columns and table["symbol"].astype(str).equals(table["gene_id"].astype(str)):
        keep.remove("symbol")
    return table[keep]


def _volcano(
    table: pd.DataFrame, shown: pd.DataFrame, *, contrast: str, thresholds: VolcanoThresholds
) -> tuple[str, str]:
    """The volcano canvas and its script, which reads the points from the table's own rows (columns by index).

    The heights are −log10 p-values from the Wald statistic (as the volcano figure draws them:
    p-values below 1e-308 are 0 in the table), sent with 3 significant digits.
    """
    test, _, reference = contrast.partition("_vs_")
    columns = list(shown.columns)
    heights = neg_log10_pvalues(table)
    spec = {
        "y": [float(f"{v:.3g}") if math.isfinite(v) else None for v in heights],
        "columns": {
            key: columns.index(name)
            for key, name in (
                ("id", "gene_id"),
                ("label", "symbol"),
                ("x", "log2FoldChange"),
                ("p", "pvalue"),
                ("padj", "padj"),
            )
            if name in columns
        },
        "alpha": thresholds.alpha,
        "lfc": thresholds.lfc,
        "xlabel": f"log2 fold change ({test} / {reference})" if reference else "log2 fold change",
        "ylabel": "−log10 p-value",
    }
    canvas = (
        '<div id="degsea-volcano-box"><canvas id="degsea-volcano" aria-label="volcano plot"></canvas>'
        '<div id="degsea-volcano-help">Click a table row to mark its gene on the volcano; click a point to find its '
        "gene in the table.</div></div>\n"
    )
    script = (
        f'<script id="degsea-volcano-spec" type="application/json">{script_json(spec)}</script>\n'
        f"<script>{_asset('volcano.js')}</script>\n"
    )
    return canvas, script


def de_table_page(table: pd.DataFrame, *, contrast: str, thresholds: VolcanoThresholds, source: str) -> str:
    """The DE table of one contrast with a volcano plot whose points link to the table's rows.

    Parameters
    ----------
    table
        ``results/de/<contrast>.tsv`` (sorted by p-value, as written; the page keeps that order).
    contrast
        The contrast's name.
    thresholds
        The DE thresholds drawn and used to colour the volcano.
    source
        The TSV file's path, named on the page.
    """
    rule = f"padj < {thresholds.alpha:g}" + (f" and |log2FC| ≥ {thresholds.lfc:g}" if thresholds.lfc > 0 else "")
    note = f"Differential expression, {contrast}: every gene, smallest p-value first; DE: {rule}."
    shown = de_display_columns(table)
    canvas, script = _volcano(table, shown, contrast=contrast, thresholds=thresholds)
    return table_page(
        shown, title=f"DE table: {contrast}", source=source, note=note, extra=canvas, scripts=script, interactive=True
    )


def gsea_table_page(tables: Mapping[str, pd.DataFrame]) -> str:
    """The GSEA tables of every contrast in one page: a ``contrast`` column first, contrasts in config order.

    One page rather than one per contrast, because every interactive page carries its own copy
    of the DataTables bundle; search a contrast's name to see only its rows.

    Parameters
    ----------
    tables
        Contrast -> ``results/gsea/<contrast>.tsv``, in config order.
    """
    frames = [table.assign(contrast=name)[["contrast", *table.columns]] for name, table in tables.items()]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame({"contrast": []})
    if "FDR" in table.columns:
        rank = {name: i for i, name in enumerate(tables)}
        table = table.sort_values(
            ["contrast", "FDR"], key=lambda c: c.map(rank) if c.name == "contrast" else c, kind="mergesort"
        )
    note = (
        f"Preranked GSEA of {len(tables)} contrast(s), in config order, smallest FDR first within each. "
        "Search a contrast to see only its rows, or a gene to find the sets whose leading edge holds it. "
        "The ranked gene lists are beside the report, in results/gsea/<contrast>.ranks.tsv."
    )
    return table_page(
        table.reset_index(drop=True),
        title="GSEA tables: every contrast",
        source="results/gsea/<contrast>.tsv",
        note=note,
        interactive=True,
    )


def beside_report_page(*, title: str, source: str, shape: tuple[int, int], size_bytes: int, what: str) -> str:
    """A short page for a table too big for the report: what it holds and where it is (beside the report)."""
    rows, columns = shape
    note = (
        f"{html.escape(what)}: {rows:,} rows × {columns:,} columns, {size_bytes / 1e6:.1f} MB. It is not embedded, so "
        "that the "
        f"report stays small for any number of samples: open <code>{html.escape(source)}</code> beside the report "
        "(the front page links it when the report is written to <code>results/report.html</code>)."
    )
    return _document(title=title, note=note, content="")
