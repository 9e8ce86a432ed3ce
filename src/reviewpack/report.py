"""What a notebook shows: tables, figures, key messages, narrative.

Each helper displays one output in the notebook **and** attaches, in the
output's metadata, what the publisher needs:

* tables carry their tidy CSV (``metadata["reviewpack"]["csv"]``); the publisher
  writes it to ``tables/<pack>/<name>.csv`` and the HTML table links to it;
* figures carry their alt text in ``metadata["image/svg+xml"]["alt"]`` (the
  place nbconvert's templates read it from), never nbconvert's placeholder.

All text from data files is HTML-escaped here; CSV cells that a spreadsheet
would run as a formula are neutralised (OWASP CSV injection guidance).
"""

from __future__ import annotations

import html
import io
import re
from typing import Callable, Iterable, Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .charts import to_svg

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def _display(data: dict, metadata: dict) -> None:
    from IPython.display import display

    display(data, raw=True, metadata=metadata)


def neutralise_csv_cell(value: object) -> object:
    """Prefix a text cell with ``'`` if a spreadsheet would treat it as a formula.

    Numbers (including negative numbers stored as text, e.g. ``"-12.5"``) are left alone,
    so figures are never corrupted.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.match(value.strip()):
        return "'" + value
    return value


def table_csv(df: pd.DataFrame) -> str:
    """The CSV text of a table, tidy and safe to open in a spreadsheet (``\\n`` line ends)."""
    safe = df.copy()
    for col in safe.columns:
        if safe[col].dtype == object:
            safe[col] = safe[col].map(neutralise_csv_cell)
    buf = io.StringIO()
    safe.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue()


def _fmt_cell(value: object, fmt: str | Callable[[object], str] | None) -> tuple[str, bool]:
    """Return (escaped text, is_numeric) for one table cell."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return "–", True
    if isinstance(value, bool):
        return ("Yes" if value else "No"), False
    if isinstance(value, pd.Timestamp) and fmt is None:
        # a date read from a register: no "00:00:00" when it has no time of day
        text = value.date().isoformat() if value == value.normalize() else value.isoformat()
        return html.escape(text), False
    if callable(fmt):
        return html.escape(fmt(value)), isinstance(value, (int, float))
    if isinstance(value, (int, float)):
        spec = fmt or ("{:,.0f}" if float(value).is_integer() else "{:,.1f}")
        if isinstance(value, float) and value.is_integer() and spec.rstrip("}").endswith("d"):
            value = int(value)
        return html.escape(spec.format(value)), True
    return html.escape(str(value)), False


def table_html(
    df: pd.DataFrame,
    caption: str,
    *,
    labels: Mapping[str, str] | None = None,
    formats: Mapping[str, str | Callable[[object], str]] | None = None,
    csv_href: str | None = None,
    note: str | None = None,
    row_class: Callable[[pd.Series], str | None] | None = None,
) -> str:
    """Render a DataFrame as an accessible HTML table.

    Parameters
    ----------
    df : DataFrame
        The table (its column names are the CSV's).
    caption : str
        Table caption (what it shows, with period).
    labels : mapping, optional
        Human header per column, with units, e.g. ``{"population": "Residents"}``.
    formats : mapping, optional
        Format string (``"{:,.1f}"``) or function per column.
    csv_href : str, optional
        Relative link to the CSV download.
    note : str, optional
        A note shown under the table (e.g. the population base).
    row_class : callable, optional
        Returns a CSS class for a row (e.g. ``"estimated"``).
    """
    labels = labels or {}
    formats = formats or {}
    head = "".join(
        f'<th scope="col" class="{"num" if pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c]) else "txt"}">{html.escape(labels.get(c, c))}</th>'
        for c in df.columns
    )
    rows = []
    for _, row in df.iterrows():
        cells = []
        for i, c in enumerate(df.columns):
            text, numeric = _fmt_cell(row[c], formats.get(c))
            cls = "num" if numeric else "txt"
            tag = "th" if i == 0 and not numeric else "td"
            scope = ' scope="row"' if tag == "th" else ""
            cells.append(f'<{tag}{scope} class="{cls}">{text}</{tag}>')
        rc = row_class(row) if row_class else None
        rows.append(f'<tr{f" class={chr(34)}{rc}{chr(34)}" if rc else ""}>{"".join(cells)}</tr>')
    link = f'<a class="csv" href="{html.escape(csv_href)}">Download this table as CSV</a>' if csv_href else ""
    below = " ".join(x for x in (html.escape(note) if note else "", link) if x)
    note_html = f'<p class="table-note">{below}</p>' if below else ""
    return (
        f'<div class="table-wrap" role="region" aria-label="{html.escape(caption)}" tabindex="0">'
        f'<table><caption>{html.escape(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>{note_html}"
    )


def show_table(
    df: pd.DataFrame,
    name: str,
    caption: str,
    pack: str,
    *,
    labels: Mapping[str, str] | None = None,
    formats: Mapping[str, str | Callable[[object], str]] | None = None,
    note: str | None = None,
    csv: pd.DataFrame | None = None,
    row_class: Callable[[pd.Series], str | None] | None = None,
) -> None:
    """Display a table and attach its CSV for ``tables/<pack>/<name>.csv``.

    Parameters
    ----------
    df : DataFrame
        What is shown.
    name : str
        File stem of the CSV (lower case, ``_``), unique within the pack.
    caption : str
        Caption shown above the table.
    pack : str
        Pack name (the CSV's folder).
    csv : DataFrame, optional
        The tidy table to publish when it differs from what is shown (default: ``df``).
    """
    if not re.fullmatch(r"[a-z0-9][a-z0-9_]*", name):
        raise ValueError(f"table name {name!r} must be lower case letters, digits and '_'")
    href = f"tables/{pack}/{name}.csv"
    body = table_html(df, caption, labels=labels, formats=formats, csv_href=href, note=note, row_class=row_class)
    _display(
        {"text/html": body, "text/plain": f"<table {name}: {len(df)} rows>"},
        {"reviewpack": {"kind": "table", "name": name, "csv": table_csv(csv if csv is not None else df)}},
    )


def show_figure(fig: Figure, alt: str, name: str | None = None) -> None:
    """Display a chart as SVG with its alt text in the output metadata.

    Parameters
    ----------
    fig : Figure
        A chart from :mod:`reviewpack.charts`.
    alt : str
        What the chart shows, in a sentence or two with the key numbers (required).
    name : str, optional
        A stable identifier (used in tests).
    """
    if not alt or not alt.strip():
        raise ValueError("every figure needs alt text describing what it shows")
    svg = to_svg(fig)
    _display(
        {"image/svg+xml": svg, "text/plain": alt},
        {"image/svg+xml": {"alt": alt}, "reviewpack": {"kind": "figure", "name": name or ""}},
    )


def md_escape(text: object) -> str:
    """Escape a data string for use inside Markdown (no markup, no HTML)."""
    s = html.escape(str(text))
    return re.sub(r"([\\`*_{}\[\]()#+!|>~])", r"\\\1", s)


class Subsections:
    """Numbers a section's subsections in the order they are shown, so optional ones leave no gap.

    >>> sub = Subsections(3)
    >>> sub() + "Share of funding"
    '### 3.1 Share of funding'
    >>> sub() + "By year"
    '### 3.2 By year'
    """

    def __init__(self, section: int) -> None:
        self.section = section
        self.count = 0

    def __call__(self) -> str:
        """The Markdown heading prefix of the next subsection (``"### 3.2 "``)."""
        self.count += 1
        return f"### {self.section}.{self.count} "


def show_markdown(text: str) -> None:
    """Display narrative Markdown (numbers computed by the caller; escape data strings with :func:`md_escape`)."""
    _display({"text/markdown": text}, {})


def key_messages(messages: Iterable[str]) -> None:
    """Display the key messages box (Markdown bullet list)."""
    items = "\n".join(f"- {m}" for m in messages)
    _display({"text/markdown": items}, {"reviewpack": {"kind": "key_messages"}})


def pct(value: float, dp: int = 0) -> str:
    """Format a percentage for narrative text: ``pct(21.04) -> '21%'``."""
    return f"{value:.{dp}f}%"


def num(value: float) -> str:
    """Format a count for narrative text with thousands separators."""
    return f"{value:,.0f}"


def record_headlines(values: dict[str, object]) -> None:
    """Record headline figures for the index page's card (not shown in the pack itself).

    Parameters
    ----------
    values : dict
        ``{label: text}``, e.g. ``{"Residents (Census 2021)": "59,825"}``; shown in insertion order.
    """
    _display({"text/plain": ""}, {"reviewpack": {"kind": "headlines", "values": {str(k): str(v) for k, v in values.items()}}})


def show_banner(text: str) -> None:
    """A prominent warning banner (e.g. "ILLUSTRATIVE — not real grants"), shown before everything else."""
    _display({"text/markdown": f"**{md_escape(text)}**"}, {"reviewpack": {"kind": "banner"}})
