"""Tables as a reader sees them: accessible HTML, and tidy CSV safe to open in a spreadsheet.

All text from data files is HTML-escaped here; CSV cells that a spreadsheet would run as a
formula are neutralised (OWASP CSV injection guidance).
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

__all__ = ["neutralise_csv_cell", "table_csv", "table_html", "fmt_cell", "CellFormat"]

#: A column's number format: a format string (``"{:,.1f}"``) or a function of the cell value.
CellFormat = str | Callable[[object], str]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


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


def fmt_cell(value: object, fmt: CellFormat | None) -> tuple[str, bool]:
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
    formats: Mapping[str, CellFormat] | None = None,
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
            text, numeric = fmt_cell(row[c], formats.get(c))
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
