"""The words of a pack's other formats: the workbook's cover, contents and notes, the PDF's first
page and footer, and the links to both from the pages.

Plain text for the workbook (it is stored as text cells, never as formulas:
:mod:`reviewpack.present.workbook`), escaped HTML for the PDF and the pages.  Every name that comes
from parameters (the pack's title, the council's name) is escaped where it is put into markup.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

#: Name of the workbook's fixed worksheets (each at most 31 characters, unique).
COVER_SHEET, CONTENTS_SHEET, COLUMNS_SHEET = "Cover", "Contents", "Columns"

#: A cell with no value (empty in the CSV file), in the Government Analysis Function's shorthand.
NO_VALUE = "[x]"

#: How each Table Schema type is described in the Columns worksheet.
TYPE_WORDS = {
    "integer": "whole number",
    "number": "number",
    "string": "text",
    "boolean": "TRUE or FALSE",
    "date": "date (year-month-day)",
}


def table_sheet_name(position: int) -> str:
    """The worksheet of the pack's ``position``-th table (from 1): ``Table_1``, ``Table_2``, …"""
    return f"Table_{position}"


def workbook_title(title: str, la_name: str) -> str:
    """The cover's title (cell A1 of the Cover worksheet) and the workbook's document title."""
    return f"{title}: the tables of the {la_name} scrutiny review pack"


def illustrative_warning() -> str:
    """What every worksheet of a pack built from a made-up grant register says first."""
    return "ILLUSTRATIVE — not real grants. These tables are built from a made-up grant register; do not quote their grant figures."


def cover_rows(
    *,
    pack: str,
    title: str,
    la_name: str,
    tables: int,
    vintages: str,
    attribution: str,
    build_date: str,
    version: str,
    commit: str,
    any_missing: bool,
    illustrative: bool,
) -> list[tuple[str, str]]:
    """The Cover worksheet, one paragraph per row of column A: ``[(style, text)]``.

    ``style`` is ``title``, ``heading`` or ``text``.  The cover follows the Government Analysis
    Function's guidance for releasing statistics in spreadsheets: title, what the workbook holds,
    its source, where it came from, and notes, with no blank rows.

    Parameters
    ----------
    pack : str
        The pack's file name without ``.html`` (``north``).
    title, la_name : str
        The pack's title and the council's name (from the parameters).
    tables : int
        How many table worksheets the workbook holds.
    vintages : str
        The data the pack uses (the pages' "Data" line).
    attribution : str
        The attribution statements of ``data/sources.yaml``.
    build_date, version, commit : str
        When and from what the pack was published.
    any_missing : bool
        Whether any table has a cell with no value (then the ``[x]`` note is added).
    illustrative : bool
        Whether the pack is built from a made-up grant register.
    """
    rows: list[tuple[str, str]] = [("title", workbook_title(title, la_name))]
    if illustrative:
        rows.append(("text", illustrative_warning()))
    rows += [
        ("text", f"This workbook holds the {tables} tables of the review pack '{title}', one table per worksheet, "
                 f"with the same figures as the pack's CSV files."),
        ("text", f"Data: {vintages}."),
        ("heading", "Source"),
        ("text", attribution or "See the Methodology and sources section of the review pack."),
        ("text", "Every figure is computed by reviewpack from published open-government files; the review pack's "
                 "Methodology and sources section names each file with its publisher, release, licence and checksum."),
        ("heading", "Where these tables came from"),
        ("text", f"Published on {build_date} by reviewpack {version} from git commit {commit}."),
        ("text", f"The review pack itself is {pack}.html in the same folder: it is the accessible main copy, with the "
                 f"key messages, the charts and the text that explains each table. Each table is also a CSV file in "
                 f"tables/{pack}/, described in tables/{pack}/datapackage.json."),
        ("heading", "Notes"),
        ("text", f"Each table is on its own worksheet, with its title in cell A1. The {CONTENTS_SHEET} worksheet links to every table."),
        ("text", f"The {COLUMNS_SHEET} worksheet gives the unit and a description of every column."),
        ("text", "Figures are stored as numbers, as published in the CSV files. Percentages are numbers from 0 to 100 "
                 "(the column header says (%)), not Excel percentages."),
    ]
    if any_missing:
        rows.append(("text", f"{NO_VALUE} in a cell means there is no value (the cell is empty in the CSV file); the "
                             f"column's description in the {COLUMNS_SHEET} worksheet says when that happens."))
    return rows


def contents_intro() -> list[str]:
    """The lines of the Contents worksheet above its table (A1 is the title)."""
    return ["Table of contents", "This worksheet contains one table: every worksheet of this workbook, with a link to it."]


#: The Contents table's column headers.
CONTENTS_HEADERS = ("Worksheet", "Table title", "Same figures as")


def columns_intro() -> list[str]:
    """The lines of the Columns worksheet above its table (A1 is the title)."""
    return [
        "Columns: the unit and a description of every column",
        "This worksheet contains one table: one row for each column of each table in this workbook.",
    ]


#: The Columns table's column headers.
COLUMNS_HEADERS = ("Worksheet", "Column header", "Column name in the CSV file", "Type", "Unit", "Description")

#: The Columns table's row for the Columns worksheet itself (in the Contents table).
COLUMNS_CONTENTS_TITLE = "The unit and a description of every column"


def table_sheet_notes(pack: str, table: str, any_missing: bool, illustrative: bool) -> list[str]:
    """The lines of a table's worksheet between its title (A1) and the table, in words."""
    lines = [illustrative_warning()] if illustrative else []
    lines += [
        f"This worksheet contains one table, with the same figures as the CSV file tables/{pack}/{table}.csv.",
        f"The unit and a description of each column are in the {COLUMNS_SHEET} worksheet.",
        f"Source: the published data named on the {COVER_SHEET} worksheet, as computed for the review pack {pack}.html.",
    ]
    if any_missing:
        lines.append(f"{NO_VALUE} in a cell means there is no value (the cell is empty in the CSV file).")
    return lines


def csv_path(pack: str, table: str) -> str:
    """Where a table's CSV file is published, relative to the pack's page."""
    return f"tables/{pack}/{table}.csv"


# ---------------------------------------------------------------------------
# the PDF


def pdf_notice_html(pack: str) -> str:
    """The PDF's first-page note (HTML): the HTML page is the accessible main copy."""
    page, workbook = html.escape(f"{pack}.html"), html.escape(f"{pack}.xlsx")
    return (
        f"<p><strong>This PDF is a print copy.</strong> The accessible main copy of this review pack is the web page "
        f"<strong>{page}</strong>, published with it: use the web page with a screen reader, to zoom or reflow the "
        f"text, or to reach the data behind each chart. The tables are also in the spreadsheet <strong>{workbook}</strong> "
        f"and as CSV files.</p>"
    )


#: The heading of the PDF's table of contents.
PDF_CONTENTS_HEADING = "Contents"


def pdf_footer_html(title: str, la_name: str) -> str:
    """The PDF's running footer (a Chromium footer template): the pack's title and "Page N of M".

    ``pageNumber`` and ``totalPages`` are filled in by the renderer on each page.
    """
    label = html.escape(f"{title} — {la_name} review pack")
    return (
        '<div style="font-family: Arial, \'Liberation Sans\', Helvetica, sans-serif; font-size: 8pt; color: #0b0c0c; '
        'width: 100%; margin: 0 12mm; display: flex; justify-content: space-between;">'
        f'<span>{label}</span><span>Page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>'
    )


# ---------------------------------------------------------------------------
# links from the pages


#: The link text of each other format, by its field in a pack's manifest entry.
DOWNLOAD_TEXT = {"xlsx": "Tables as a spreadsheet (XLSX)", "pdf": "Print copy (PDF, A4)"}


def download_links(pack: str, pdf: bool) -> list[tuple[str, str]]:
    """``[(href, link text)]`` of a pack's other formats: the workbook, and the PDF when built."""
    return [(f"{pack}.{kind}", text) for kind, text in DOWNLOAD_TEXT.items() if kind != "pdf" or pdf]


def download_links_html(links: Sequence[tuple[str, str]], heading: bool = True) -> str:
    """The links of :func:`download_links` as HTML (a short list under a heading on a pack's page)."""
    items = "".join(f'<li><a href="{html.escape(href, quote=True)}">{html.escape(text)}</a></li>' for href, text in links)
    if not items:
        return ""
    if not heading:
        return f'<ul class="downloads">{items}</ul>'
    return f'<div class="downloads"><p>This pack in other formats:</p><ul>{items}</ul></div>'
