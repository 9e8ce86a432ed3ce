"""Reading a register file: format detection, text decoding, CSV, XLSX and 360Giving JSON -> :class:`_Table`.

The format is detected from the content (not only the extension).  Whole-file problems
(missing, unreadable, empty, not a register format) raise :class:`~reviewpack.errors.GrantsError`.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import math
from datetime import date, datetime, time
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ...errors import GrantsError, where
from .columns import (
    _HEADER_SEARCH_ROWS,
    _JSON_ARRAYS,
    _JSON_GAPLESS,
    _JSON_SCALARS,
    AGGREGATED_REQUIRED_COLUMNS,
    REQUIRED_COLUMNS,
)
from .table import _canonical, _frame_to_table, _locate_header, _raise_missing_columns, _records_to_table, _Table

#: limits on a workbook (a register of 100,000 grants is about 50 MB unzipped)
XLSX_MAX_EXPANDED_BYTES = 512 * 1024 * 1024
XLSX_MAX_ROWS = 1_000_000
#: Excel's own limit on the characters in a cell: a longer cell was not written by Excel (openpyxl cuts it to this)
XLSX_MAX_CELL_CHARS = 32_767


def _read_table(path: Path, aggregated: bool | None, sheet: str | None = None) -> _Table:
    if not path.exists():
        raise GrantsError(f"{where(path)}: the grant register does not exist. Check the path and the file name.")
    if path.is_dir():
        raise GrantsError(f"{where(path)} is a folder, not a grant register file. Give the path of the file itself.")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise GrantsError(f"{where(path)} cannot be opened ({exc.strerror or exc}). Check it exists and is readable.") from exc
    if not data or (len(data) < 65536 and not data.strip()):
        raise GrantsError(
            f"{where(path)} is empty. Export the grant register again as 360Giving CSV (UTF-8), XLSX or JSON."
        )
    suffix = path.suffix.lower()
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(path, aggregated, sheet)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise GrantsError(
            f"{where(path)} is an old-style Excel 97-2003 (.xls) workbook, which cannot be read. "
            "Open it in Excel and save it as .xlsx or as 'CSV UTF-8'."
        )
    if data[:5] == b"%PDF-" or suffix in {".pdf", ".doc", ".docx", ".ods", ".odt", ".zip", ".gz", ".parquet"}:
        raise GrantsError(
            f"{where(path)} is not a format a grant register can be read from (it looks like a "
            f"{'PDF' if data[:5] == b'%PDF-' else suffix} file). Save the register as 360Giving CSV (UTF-8), "
            "XLSX or 360Giving JSON."
        )
    text, encoding = _decode(data, path)
    if "\x00" in text:
        raise GrantsError(
            f"{where(path)} contains NUL bytes, so it is not a text CSV (is it a spreadsheet or a binary file "
            "saved with a .csv name?). Save the register as 360Giving CSV (UTF-8), XLSX or JSON."
        )
    if suffix == ".json" or text.lstrip()[:1] in ("{", "["):
        return _read_json(path, text, encoding)
    return _read_csv_text(path, text, encoding, aggregated)


def _decode(data: bytes, path: Path) -> tuple[str, str]:
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise GrantsError(
                f"{where(path)} starts with a UTF-8 byte-order mark but is not valid UTF-8 "
                f"(byte {exc.start + 3}). Save it again from Excel as 'CSV UTF-8 (Comma delimited)'."
            ) from exc
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise GrantsError(
                f"{where(path)} starts with a UTF-16 byte-order mark but is not valid UTF-16. "
                "Save it again from Excel as 'CSV UTF-8 (Comma delimited)'."
            ) from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        raise GrantsError(
            f"{where(path)} is not text in UTF-8 or Windows-1252 (byte 0x{data[exc.start]:02x} at position "
            f"{exc.start} cannot be read). Save the register from Excel as 'CSV UTF-8 (Comma delimited)'."
        ) from exc


def _read_csv_text(path: Path, text: str, encoding: str, aggregated: bool | None) -> _Table:
    notes: list[str] = []
    if encoding == "cp1252":
        notes.append("The file is not UTF-8; it was read as Windows-1252 (Excel's plain 'CSV' format).")
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter, hint = ",", ""
    if "," not in first_line:
        for d, label in ((";", "semicolons"), ("\t", "tabs"), ("|", "vertical bars")):
            if d in first_line:
                delimiter = d
                notes.append(f"Columns are separated by {label}, not commas.")
                hint = f" (The columns were read as separated by {label}, as the first line has no commas.)"
                break
    # Fast path: pandas' C parser.  It refuses rows with more values than the first row; then
    # the csv module (slower, but it keeps such rows so they can be rejected one by one).
    try:
        raw = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            header=None,
            dtype=str,
            na_filter=False,
            skip_blank_lines=False,
            engine="c",
            quotechar='"',
            doublequote=True,
        )
    except Exception:  # any parser failure means "use the tolerant reader"
        raw = None
    if raw is not None:  # with na_filter=False, short rows and blank lines come back as ''
        return _frame_to_table(
            path,
            raw,
            np.full(len(raw), "", dtype=object),
            fmt="csv",
            encoding=encoding,
            sheet=None,
            notes=notes,
            aggregated=aggregated,
            hint=hint,
        )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    try:
        records = list(reader)
    except (csv.Error, MemoryError) as exc:
        raise GrantsError(
            f"{where(path)}: the CSV cannot be read near line {reader.line_num} ({exc}). Check quotes are "
            "balanced, or save the register again from Excel as 'CSV UTF-8 (Comma delimited)'."
        ) from exc
    return _records_to_table(
        path, records, fmt="csv", encoding=encoding, sheet=None, notes=notes, aggregated=aggregated, hint=hint
    )


def _cell_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, datetime):
        if v.time() == time(0, 0):
            return v.date().isoformat()
        return v.isoformat()
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, float):
        if math.isfinite(v) and v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return repr(v)
    return str(v)


def _check_xlsx_size(path: Path) -> None:
    """Refuse a workbook that unzips to more than :data:`XLSX_MAX_EXPANDED_BYTES` (before openpyxl reads any of it)."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            expanded = sum(max(0, i.file_size) for i in zf.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # openpyxl reports a damaged workbook below
    if expanded > XLSX_MAX_EXPANDED_BYTES:
        raise GrantsError(
            f"{where(path)} unzips to {expanded / 1024**2:,.0f} MB, more than the {XLSX_MAX_EXPANDED_BYTES / 1024**2:,.0f} MB "
            "a grant register workbook may hold. Check it is the right file, or save the grants as 'CSV UTF-8'."
        )


def _limited_rows(path: Path, sheet: str, rows: Any, start: int) -> Any:
    """The rows of a read-only sheet as text, refusing more than :data:`XLSX_MAX_ROWS` rows or an over-long cell."""
    for n, r in enumerate(rows, start=start + 1):
        if n > XLSX_MAX_ROWS:
            raise GrantsError(
                f"{where(path)}: sheet '{sheet}' has more than {XLSX_MAX_ROWS:,} rows, more than a grant register may hold. "
                "Check it is the right sheet, or remove the blank formatted rows below the grants."
            )
        cells = [_cell_text(v) for v in r]
        for c, text in enumerate(cells):
            if len(text) >= XLSX_MAX_CELL_CHARS:  # openpyxl cuts a longer cell to this length: never read it silently
                raise GrantsError(
                    f"{where(path, n)}: sheet '{sheet}', column {c + 1} holds {XLSX_MAX_CELL_CHARS:,} characters or more, Excel's "
                    "limit for a cell (anything longer is cut off). Check it is the right file and that no cell holds pasted text."
                )
        yield cells


def _read_xlsx(path: Path, aggregated: bool | None, sheet: str | None = None) -> _Table:
    import zipfile

    try:
        import openpyxl
    except ImportError as exc:  # pragma: no cover - openpyxl is a dependency
        raise GrantsError(f"{where(path)} is an XLSX workbook but openpyxl is not installed.") from exc
    _check_xlsx_size(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError, IndexError, AttributeError) as exc:
        raise GrantsError(
            f"{where(path)} looks like a zip/XLSX file but cannot be opened as an Excel workbook ({exc}). "
            "Open it in Excel and save it again as .xlsx, or save the grants as 'CSV UTF-8'."
        ) from exc
    except Exception as exc:  # openpyxl raises many kinds of error for a damaged workbook
        raise GrantsError(
            f"{where(path)} cannot be opened as an Excel workbook ({type(exc).__name__}: {exc}). "
            "Open it in Excel and save it again as .xlsx, or save the grants as 'CSV UTF-8'."
        ) from exc
    try:
        names = list(wb.sheetnames)
        if sheet is not None and sheet not in names:
            raise GrantsError(
                f"{where(path)} has no sheet '{sheet}' (parameter grants.sheet). Its sheets: {', '.join(repr(n) for n in names)}."
            )
        hidden = [n for n in names if getattr(wb[n], "sheet_state", "visible") != "visible"]
        checked: list[str] = []
        for k, name in enumerate(names):
            ws = wb[name]
            if not hasattr(ws, "iter_rows") or (sheet is not None and name != sheet) or (sheet is None and name in hidden):
                continue
            rows_iter = _limited_rows(path, name, ws.iter_rows(values_only=True), 0)
            head = list(islice(rows_iter, _HEADER_SEARCH_ROWS))
            if _locate_header(head, aggregated) is None:
                checked.append(name)
                continue
            records = head + list(rows_iter)
            notes = [f"Read sheet '{name}' (sheet {k + 1} of {len(names)}{', named by grants.sheet' if sheet else ''})."]
            if hidden and sheet is None:
                notes.append(
                    f"Skipped hidden sheet(s) {', '.join(repr(s) for s in hidden)}: only visible sheets are read "
                    "unless grants.sheet names one."
                )
            if checked:
                notes.append(
                    f"Skipped sheet(s) {', '.join(repr(s) for s in checked)}: no 360Giving header row in their "
                    f"first {_HEADER_SEARCH_ROWS} rows."
                )
            return _records_to_table(
                path, records, fmt="xlsx", encoding=None, sheet=name, notes=notes, aggregated=aggregated
            )
    except GrantsError:
        raise
    except Exception as exc:
        raise GrantsError(
            f"{where(path)}: the workbook cannot be read ({type(exc).__name__}: {exc}). "
            "Open it in Excel and save it again as .xlsx, or save the grants as 'CSV UTF-8'."
        ) from exc
    finally:
        wb.close()
    # no sheet had the headers: report against the first sheet's first non-blank row
    want = AGGREGATED_REQUIRED_COLUMNS if aggregated else REQUIRED_COLUMNS
    skipped = f" Hidden sheet(s) {', '.join(repr(s) for s in hidden)} were not read: name one in grants.sheet to read it." if hidden and sheet is None else ""
    raise GrantsError(
        f"{where(path)}: no sheet has a 360Giving header row (looked at the first {_HEADER_SEARCH_ROWS} rows of "
        f"sheet(s) {', '.join(repr(s) for s in checked) or 'none'}). The header row must hold the columns "
        f"{', '.join(repr(c) for c in want)}. Add the missing titles or check this is the right workbook.{skipped}"
    )


def _flat_value(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False, sort_keys=True)
    return str(v)


def _flatten_grant(g: dict) -> dict[str, str]:
    row: dict[str, str] = {}
    for key, value in g.items():
        key = str(key)
        if key in _JSON_SCALARS:
            row[_JSON_SCALARS[key]] = _flat_value(value)
        elif key in _JSON_ARRAYS:
            prefix, fields = _JSON_ARRAYS[key]
            items = value if isinstance(value, list) else [value]
            for n, item in enumerate(items):
                if not isinstance(item, dict):
                    continue
                label = prefix if n == 0 else f"{prefix}:{n}"
                for f, fv in item.items():
                    title = fields.get(str(f), str(f))
                    row[f"{label}:{title}"] = _flat_value(fv)
        elif isinstance(value, dict):
            for f, fv in value.items():
                row[f"{key}:{f}"] = _flat_value(fv)
        else:
            row[key] = _flat_value(value)
    return row


def _read_json(path: Path, text: str, encoding: str) -> _Table:
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise GrantsError(
            f"{where(path)} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}). "
            "Check the file is a complete 360Giving JSON package, or use the flat CSV instead."
        ) from exc
    except (RecursionError, ValueError) as exc:
        raise GrantsError(f"{where(path)} is not valid JSON ({exc}). Use a 360Giving JSON package or CSV.") from exc
    notes: list[str] = []
    if isinstance(obj, dict):
        if "grants" not in obj:
            keys = ", ".join(repr(str(k)) for k in list(obj)[:8]) or "none"
            raise GrantsError(
                f"{where(path)} has no 'grants' list (top-level keys: {keys}). A 360Giving JSON package looks "
                'like {"grants": [ {...}, {...} ]}.'
            )
        grants = obj["grants"]
    elif isinstance(obj, list):
        grants = obj
        notes.append("The JSON file is a bare list; it was read as the package's 'grants' list.")
    else:
        raise GrantsError(
            f"{where(path)} is JSON but not a 360Giving package (its top level is a {type(obj).__name__}). "
            'A package looks like {"grants": [ {...}, {...} ]}.'
        )
    if not isinstance(grants, list):
        raise GrantsError(f"{where(path)}: 'grants' is not a list. A 360Giving package holds a list of grants.")
    if not grants:
        raise GrantsError(
            f"{where(path)} has an empty 'grants' list, so there are no grants to read. Check this is the right file."
        )
    notes.append("JSON: source_row is the grant's position in the 'grants' list (first grant = 1).")
    rows = []
    structural = np.full(len(grants), "", dtype=object)
    for i, g in enumerate(grants):
        if isinstance(g, dict):
            rows.append(_flatten_grant(g))
        else:
            rows.append({})
            structural[i] = f"grant is not a JSON object (it is a {type(g).__name__})"
    frame = pd.DataFrame.from_records(rows)
    frame.columns = [_canonical(c) for c in frame.columns]
    frame = frame.loc[:, ~frame.columns.duplicated()]
    if not (set(REQUIRED_COLUMNS) <= set(frame.columns)):
        missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
        json_path = {v: k for k, v in _JSON_SCALARS.items()} | {
            "Recipient Org:Identifier": "recipientOrganization[0].id",
            "Recipient Org:Name": "recipientOrganization[0].name",
            "Funding Org:Identifier": "fundingOrganization[0].id",
            "Funding Org:Name": "fundingOrganization[0].name",
        }
        shown = [json_path[c] for c in missing]
        raise GrantsError(
            f"{where(path)}: no grant has the required 360Giving field(s) {', '.join(shown)} "
            f"(flat titles {', '.join(repr(c) for c in missing)}). Check this is a 360Giving grants file."
        )
    for c in _JSON_GAPLESS:
        if c not in frame.columns:
            frame[c] = ""
    frame = frame.fillna("").astype(object)
    return _Table(
        frame=frame.reset_index(drop=True),
        source_row=np.arange(1, len(frame) + 1, dtype=np.int64),
        fmt="json",
        encoding=encoding,
        sheet=None,
        notes=notes,
        structural=pd.Series(structural, dtype=object),
        header_row=0,
    )


def _detect_kind(table: _Table, path: Path, aggregated: bool | None) -> str:
    cols = set(table.frame.columns)
    has_agg = set(AGGREGATED_REQUIRED_COLUMNS) <= cols
    has_grant = set(REQUIRED_COLUMNS) <= cols
    if aggregated is True:
        if not has_agg:
            _raise_missing_columns(path, list(table.frame.columns), table.header_row or 1, True)
        return "aggregated"
    if aggregated is False or has_grant:
        if not has_grant:
            _raise_missing_columns(path, list(table.frame.columns), table.header_row or 1, False)
        return "grant-level"
    if has_agg:
        return "aggregated"
    _raise_missing_columns(path, list(table.frame.columns), table.header_row or 1, None)
    raise AssertionError("unreachable")  # pragma: no cover
