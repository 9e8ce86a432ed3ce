"""A pack's tables as one accessible spreadsheet (``<pack>.xlsx``).

Follows the Government Analysis Function's guidance for releasing statistics in spreadsheets
(which the ``gptables`` package also implements): a Cover worksheet (title, what the workbook
holds, source, where it came from, notes), a Contents worksheet linking to every worksheet, a
Columns worksheet (unit and description of every column: the notes, referred to in words), then
one table per worksheet, its title in cell A1, one header row holding the column registry's
labels (with units), no merged cells, no blank rows or columns inside a table, and each table
marked as an Excel table.

It is written with openpyxl from what the pack publishes: each CSV's text and its Table Schema in
the pack's ``datapackage.json`` (:mod:`reviewpack.present.datapackage`).  Values are typed by the
schema -- integers and numbers are stored as numbers, booleans as TRUE/FALSE -- and every text
cell is stored as text, so a name that starts with ``=``, ``+``, ``-`` or ``@`` never becomes a
formula.  The workbook is byte-identical for identical inputs: its document dates and its zip
entries' dates are the build date.

No I/O: :func:`workbook` returns the bytes.
"""

from __future__ import annotations

import csv
import io
import math
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from .narrative import exports as words

__all__ = ["WorkbookInfo", "workbook"]

_FORMULA_START = ("=", "+", "-", "@")
_ILLEGAL_XML = re.compile(r"[\000-\010\013\014\016-\037]")
_INTEGER = re.compile(r"[+-]?\d+")
# what reviewpack.present.tables.neutralise_csv_cell guards with a leading ' (not imported: it needs pandas)
_GUARDED = re.compile(r"'(?=[=+\-@\t\r])")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_MAX_WIDTH = 60
_TABLE_NAME = re.compile(r"[^A-Za-z0-9_]")


@dataclass(frozen=True)
class WorkbookInfo:
    """What the workbook says about its pack (the cover), and its date.

    Attributes
    ----------
    pack : str
        The pack's file name without extension (``north``).
    title : str
        The pack's title (``North Locality``).
    la_name : str
        The council's name.
    vintages : str
        The data the pack uses (the pages' "Data" line).
    attribution : str
        The attribution statements of the data sources.
    build_date : str
        The publication date as shown on the pages (``22 November 2026``).
    when : datetime
        The date stored as the document's creation and modification time and as every zip
        entry's date (naive, UTC; from the build date so the bytes do not depend on the clock).
    version, commit : str
        The reviewpack version and git commit.
    illustrative : bool
        The pack is built from a made-up grant register (every worksheet says so).
    """

    pack: str
    title: str
    la_name: str
    vintages: str
    attribution: str
    build_date: str
    when: datetime
    version: str
    commit: str
    illustrative: bool = False


@dataclass(frozen=True)
class _Table:
    name: str
    sheet: str
    title: str
    fields: list[dict[str, Any]]
    missing: tuple[str, ...]
    rows: list[list[str]]

    @property
    def any_missing(self) -> bool:
        return any(v in self.missing for row in self.rows for v in row)


def workbook(tables: Mapping[str, str], datapackage: Mapping[str, Any] | None, info: WorkbookInfo) -> bytes:
    """The pack's tables as an ``.xlsx`` workbook (bytes).

    Parameters
    ----------
    tables : mapping
        ``{table name: CSV text}`` as published.
    datapackage : mapping, optional
        The pack's Data Package descriptor (:func:`reviewpack.present.datapackage.descriptor`):
        the order of the tables, their titles and each column's title, type and unit.  Without
        one (a pack whose tables carry no schema) the CSV's column names are the headers and
        every value is text.
    info : WorkbookInfo
        What the cover says, and the date.

    Returns
    -------
    bytes
        The ``.xlsx`` file.

    Raises
    ------
    ValueError
        If a CSV's header differs from its schema, or a value does not fit its column's type
        (naming the table, row and column): the published CSV and its schema disagree.
    """
    from openpyxl import Workbook

    parsed = _tables(tables, datapackage, info.pack)
    wb = Workbook()
    cover = wb.active
    cover.title = words.COVER_SHEET
    any_missing = any(t.any_missing for t in parsed)
    for row, (style, text) in enumerate(
        words.cover_rows(
            pack=info.pack, title=info.title, la_name=info.la_name, tables=len(parsed), vintages=info.vintages,
            attribution=info.attribution, build_date=info.build_date, version=info.version, commit=info.commit,
            any_missing=any_missing, illustrative=info.illustrative,
        ),
        start=1,
    ):
        cell = _text(cover.cell(row=row, column=1), text)
        if style == "title":
            cell.style = "Headline 1"
        elif style == "heading":
            cell.style = "Headline 2"
    cover.column_dimensions["A"].width = 120
    _wrap_column_a(cover)

    contents = wb.create_sheet(words.CONTENTS_SHEET)
    intro = words.contents_intro()
    contents_rows = [[words.COLUMNS_SHEET, words.COLUMNS_CONTENTS_TITLE, f"tables/{info.pack}/datapackage.json"]]
    contents_rows += [[t.sheet, t.title, words.csv_path(info.pack, t.name)] for t in parsed]
    header_row = _sheet(contents, intro, list(words.CONTENTS_HEADERS), contents_rows, "contents")
    for offset, (sheet, *_rest) in enumerate(contents_rows, start=1):
        _link(contents.cell(row=header_row + offset, column=1), sheet)

    columns = wb.create_sheet(words.COLUMNS_SHEET)
    column_rows = [
        [t.sheet, str(f.get("title") or f["name"]), f["name"], words.TYPE_WORDS.get(f.get("type", "string"), str(f.get("type"))),
         str(f.get("unit") or "none"), str(f.get("description") or words.NO_VALUE)]
        for t in parsed
        for f in t.fields
    ]
    _sheet(columns, words.columns_intro(), list(words.COLUMNS_HEADERS), column_rows, "columns")

    for t in parsed:
        ws = wb.create_sheet(t.sheet)
        lines = [t.title, *words.table_sheet_notes(info.pack, t.name, t.any_missing, info.illustrative)]
        headers = [str(f.get("title") or f["name"]) for f in t.fields]
        _typed_sheet(ws, lines, headers, t, info)

    title = words.workbook_title(info.title, info.la_name)
    wb.properties.title = _clean(title)
    wb.properties.creator = f"reviewpack {info.version}"
    wb.properties.lastModifiedBy = None
    wb.properties.created = info.when
    wb.properties.modified = info.when
    wb.properties.language = "en-GB"
    return _deterministic_zip(_save(wb), info.when)


# ---------------------------------------------------------------------------
# reading the published tables


def _tables(tables: Mapping[str, str], datapackage: Mapping[str, Any] | None, pack: str) -> list[_Table]:
    resources = {r["name"]: r for r in (datapackage or {}).get("resources", [])}
    order = [n for n in resources if n in tables] + [n for n in tables if n not in resources]
    out = []
    for position, name in enumerate(order, start=1):
        rows = list(csv.reader(io.StringIO(tables[name])))
        header, body = (rows[0], rows[1:]) if rows else ([], [])
        body = [r for r in body if r]  # a trailing blank line is not a row
        res = resources.get(name)
        if res is not None:
            schema = res.get("schema", {})
            fields = [dict(f) for f in schema.get("fields", [])]
            if [f["name"] for f in fields] != header:
                raise ValueError(
                    f"Table '{name}' of pack '{pack}': the CSV's columns {header} differ from its schema's {[f['name'] for f in fields]}."
                )
            missing = tuple(schema.get("missingValues", [""]))
            title = str(res.get("title") or name)
        else:
            fields = [{"name": h, "type": "string"} for h in header]
            missing, title = ("",), name
        out.append(_Table(name, words.table_sheet_name(position), title, fields, missing, body))
    return out


def _value(text: str, field: Mapping[str, Any], missing: Sequence[str], where: str) -> Any:
    """A CSV value typed by its Table Schema field (``None`` for a missing value)."""
    if text in missing:
        return None
    kind = field.get("type", "string")
    try:
        if kind == "integer":
            return int(text)
        if kind == "number":
            if _INTEGER.fullmatch(text.strip()):
                return int(text)
            number = float(text)
            return number if math.isfinite(number) else text
        if kind == "boolean":
            if text in field.get("trueValues", ["true", "True", "TRUE", "1"]):
                return True
            if text in field.get("falseValues", ["false", "False", "FALSE", "0"]):
                return False
            raise ValueError(text)
        if kind == "date":
            return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{where}: {text!r} is not a {kind} as its schema says.") from None
    return _from_csv(text)


def _from_csv(text: str) -> str:
    """A text cell as it was before the CSV guarded it: ``'=cmd`` in the CSV is ``=cmd`` (stored as text here).

    The CSVs put ``'`` before text a spreadsheet would run as a formula
    (:func:`reviewpack.present.tables.neutralise_csv_cell`); in the workbook the cell is stored as
    text instead, so the guard is not needed and would show.  (Text that itself begins with ``'``
    and a formula character reads as a spreadsheet shows that CSV cell: without the ``'``.)
    """
    if _GUARDED.match(text) and not _NUMBER.fullmatch(text[1:].strip()):
        return text[1:]
    return text


# ---------------------------------------------------------------------------
# writing


def _clean(text: str) -> str:
    """Text an XML cell can hold: control characters become U+FFFD."""
    return _ILLEGAL_XML.sub("\ufffd", text)


def _text(cell: Any, text: str) -> Any:
    """Store ``text`` as a text cell, never a formula (a leading =, +, - or @ is kept as typed)."""
    cell.value = _clean(text)
    cell.data_type = "s"
    if text.startswith(_FORMULA_START):
        cell.quotePrefix = True  # Excel keeps it text when the cell is edited, too
    return cell


def _write_lines(ws: Any, lines: Sequence[str]) -> int:
    """Title (A1, Heading 1 style) and notes in column A; returns the next free row."""
    for row, line in enumerate(lines, start=1):
        cell = _text(ws.cell(row=row, column=1), line)
        if row == 1:
            cell.style = "Headline 1"
    return len(lines) + 1


def _header(ws: Any, row: int, headers: Sequence[str]) -> None:
    from openpyxl.styles import Alignment, Font

    for col, text in enumerate(headers, start=1):
        cell = _text(ws.cell(row=row, column=col), text)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def _sheet(ws: Any, lines: Sequence[str], headers: list[str], rows: list[list[str]], table_name: str) -> int:
    """A worksheet of text: lines above, then a table of text cells; returns the header's row."""
    header_row = _write_lines(ws, lines)
    _header(ws, header_row, headers)
    for r, values in enumerate(rows, start=header_row + 1):
        for c, value in enumerate(values, start=1):
            _text(ws.cell(row=r, column=c), value)
    _finish(ws, header_row, headers, [[str(v) for v in row] for row in rows], table_name)
    return header_row


def _typed_sheet(ws: Any, lines: Sequence[str], headers: list[str], table: _Table, info: WorkbookInfo) -> None:
    header_row = _write_lines(ws, lines)
    _header(ws, header_row, headers)
    shown: list[list[str]] = []
    for r, values in enumerate(table.rows, start=header_row + 1):
        if len(values) != len(table.fields):
            raise ValueError(f"Table '{table.name}' of pack '{info.pack}', row {r - header_row + 1} of the CSV: "
                             f"{len(values)} values for {len(table.fields)} columns.")
        for c, (text, field) in enumerate(zip(values, table.fields), start=1):
            where = f"Table '{table.name}' of pack '{info.pack}', row {r - header_row + 1} of the CSV, column '{field['name']}'"
            value = _value(text, field, table.missing, where)
            cell = ws.cell(row=r, column=c)
            if value is None:
                _text(cell, words.NO_VALUE)
            elif isinstance(value, str):
                _text(cell, value)
            else:
                cell.value = value
                if isinstance(value, date):
                    cell.number_format = "yyyy-mm-dd"
                elif isinstance(value, int) and not isinstance(value, bool) and field.get("unit") != "year":
                    cell.number_format = "#,##0"
        shown.append(values)
    _finish(ws, header_row, headers, shown, table.name)


def _finish(ws: Any, header_row: int, headers: list[str], rows: list[list[str]], table_name: str) -> None:
    """Column widths, wrapped notes, and the table marked as an Excel table (when its headers are unique)."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.table import Table

    for c, head in enumerate(headers, start=1):
        longest = max([min(len(head), 30), *(len(r[c - 1]) for r in rows if c - 1 < len(r))], default=8)
        ws.column_dimensions[get_column_letter(c)].width = max(10, min(_MAX_WIDTH, longest + 2))
    if headers and rows and len(set(headers)) == len(headers):
        ref = f"A{header_row}:{get_column_letter(len(headers))}{header_row + len(rows)}"
        ws.add_table(Table(displayName=_table_name(table_name, ws.title), ref=ref))


def _table_name(name: str, sheet: str) -> str:
    """An Excel table name (unique in the workbook): letters, digits and _, starting with a letter."""
    return "t_" + _TABLE_NAME.sub("_", sheet) + "_" + _TABLE_NAME.sub("_", name)[:200]


def _wrap_column_a(ws: Any) -> None:
    from openpyxl.styles import Alignment

    for (cell,) in ws.iter_rows(min_col=1, max_col=1):
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def _link(cell: Any, sheet: str) -> None:
    """A link from a Contents cell to cell A1 of a worksheet of this workbook (no external target)."""
    from openpyxl.styles import Font
    from openpyxl.worksheet.hyperlink import Hyperlink

    cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"'{sheet}'!A1", display=sheet)
    cell.font = Font(color="0563C1", underline="single")


def _save(wb: Any) -> bytes:
    from openpyxl.writer.excel import ExcelWriter

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).write_data()
    return buf.getvalue()


def _deterministic_zip(data: bytes, when: datetime) -> bytes:
    """The same zip with every entry dated ``when`` and no platform-dependent attributes."""
    stamp = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0o600 << 16
            dst.writestr(info, src.read(item.filename), compresslevel=6)
    return out.getvalue()
