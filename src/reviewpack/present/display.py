"""What a notebook shows: tables, figures, key messages, headlines and banners.

Each helper displays one output in the notebook **and** attaches, in the output's metadata,
what the publisher needs (``metadata["reviewpack"]["kind"]`` is ``table``, ``figure``,
``key_messages``, ``headlines`` or ``banner``):

* tables carry their tidy CSV (``metadata["reviewpack"]["csv"]``); the publisher
  writes it to ``tables/<pack>/<name>.csv`` and the HTML table links to it;
* figures carry their alt text in ``metadata["image/svg+xml"]["alt"]`` (the
  place nbconvert's templates read it from), never nbconvert's placeholder.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING

import pandas as pd

from .narrative.text import md_escape
from .tables import CellFormat, table_csv, table_html

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["show_table", "show_figure", "show_markdown", "key_messages", "record_headlines", "show_banner"]


def _display(data: dict, metadata: dict) -> None:
    from IPython.display import display

    display(data, raw=True, metadata=metadata)


def show_table(
    df: pd.DataFrame,
    name: str,
    caption: str,
    pack: str,
    *,
    labels: Mapping[str, str] | None = None,
    formats: Mapping[str, CellFormat] | None = None,
    note: str | None = None,
    csv: pd.DataFrame | None = None,
    row_class: Callable[[pd.Series], str | None] | None = None,
    schema: Mapping[str, object] | None = None,
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
    schema : mapping, optional
        The CSV's Frictionless Table Schema (from the column registry), published with the caption in
        ``tables/<pack>/datapackage.json``.
    """
    if not re.fullmatch(r"[a-z0-9][a-z0-9_]*", name):
        raise ValueError(f"table name {name!r} must be lower case letters, digits and '_'")
    href = f"tables/{pack}/{name}.csv"
    body = table_html(df, caption, labels=labels, formats=formats, csv_href=href, note=note, row_class=row_class)
    _display(
        {"text/html": body, "text/plain": f"<table {name}: {len(df)} rows>"},
        {
            "reviewpack": {
                "kind": "table", "name": name, "csv": table_csv(csv if csv is not None else df),
                **({"schema": dict(schema), "title": caption} if schema is not None else {}),
            }
        },
    )


def show_summary(df: pd.DataFrame, caption: str, intro: str, items: list[str], items_heading: str) -> None:
    """Display the "At a glance" box: a line of Markdown, a small table of display text, and a list.

    The table is already formatted text (its figures are published in the pack's other tables), so
    it has no CSV; every cell is HTML-escaped by :func:`~reviewpack.present.tables.table_html`.
    ``intro`` and ``items`` are Markdown made by :mod:`reviewpack.present.narrative` (escaped there).
    """
    body = table_html(df, caption)
    _display({"text/html": f'<div class="at-a-glance">{body}</div>', "text/plain": caption}, {"reviewpack": {"kind": "glance"}})
    listed = "\n".join(f"- {item}" for item in items)
    text = intro + (f"\n\n**{items_heading}**\n\n{listed}" if items else "")
    _display({"text/markdown": text}, {})


def show_figure(fig: Figure, alt: str, name: str | None = None) -> None:
    """Display a chart as SVG with its alt text in the output metadata.

    Parameters
    ----------
    fig : Figure
        A chart from :mod:`reviewpack.present.charts` (or a map).
    alt : str
        What the chart shows, in a sentence or two with the key numbers (required).
    name : str, optional
        A stable identifier (used in tests).
    """
    if not alt or not alt.strip():
        raise ValueError("every figure needs alt text describing what it shows")
    from .charts import to_svg  # matplotlib only once a figure is shown

    svg = to_svg(fig)
    _display(
        {"image/svg+xml": svg, "text/plain": alt},
        {"image/svg+xml": {"alt": alt}, "reviewpack": {"kind": "figure", "name": name or ""}},
    )


def show_markdown(text: str) -> None:
    """Display narrative Markdown (numbers computed by the caller; escape data strings with :func:`md_escape`)."""
    _display({"text/markdown": text}, {})


def key_messages(messages: Iterable[str]) -> None:
    """Display the key messages box (Markdown bullet list)."""
    items = "\n".join(f"- {m}" for m in messages)
    _display({"text/markdown": items}, {"reviewpack": {"kind": "key_messages"}})


def record_headlines(values: Mapping[str, object]) -> None:
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
