"""Text records -> a checked rectangular table (:class:`_Table`): header location and column names.

Every reader (CSV, XLSX, JSON) ends here: the header row is looked for in the first
:data:`~.columns._HEADER_SEARCH_ROWS` rows, column titles are put in their canonical form,
blank rows are dropped and ragged rows are padded or marked as broken.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ...errors import GrantsError, where
from .columns import (
    _CANONICAL,
    _HEADER_SEARCH_ROWS,
    AGGREGATED_REQUIRED_COLUMNS,
    BENEFICIARY_CODE,
    GRANTNAV_WARD,
    REQUIRED_COLUMNS,
)


@dataclass
class _Table:
    """A file read into text cells, before any checking."""

    frame: pd.DataFrame  # canonical column names, all str
    source_row: np.ndarray
    fmt: str
    encoding: str | None
    sheet: str | None
    notes: list[str]
    structural: pd.Series  # reason text for rows the reader already knows are broken ('' if fine)
    header_row: int  # spreadsheet row of the header (0 for JSON)



def _canonical(name: object) -> str:
    s = str(name).replace("\ufeff", "").strip()
    s = re.sub(r"\s+", " ", s)
    s = re.sub(r"\s*:\s*", ":", s)
    s = re.sub(r":0:", ":", s)
    return _CANONICAL.get(s.lower(), s)



def _locate_header(records: list[list[str]], aggregated: bool | None) -> int | None:
    """Index of the first record that holds a complete set of required columns, else None."""
    for i, rec in enumerate(records[:_HEADER_SEARCH_ROWS]):
        names = {_canonical(c) for c in rec}
        if aggregated is not True and set(REQUIRED_COLUMNS) <= names:
            return i
        if aggregated is not False and set(AGGREGATED_REQUIRED_COLUMNS) <= names:
            return i
    return None


def _first_nonblank(records: list[list[str]]) -> int:
    for i, rec in enumerate(records):
        if any(str(c).strip() for c in rec):
            return i
    return 0


def _records_to_table(
    path: Path,
    records: list[list[str]],
    *,
    fmt: str,
    encoding: str | None,
    sheet: str | None,
    notes: list[str],
    aggregated: bool | None,
    hint: str = "",
) -> _Table:
    """Text records (possibly ragged) -> a rectangular frame, then :func:`_frame_to_table`."""
    if not records:
        raise GrantsError(
            f"{where(path)} holds only blank rows: no header row and no grants. "
            "Export the grant register again, with the 360Giving column titles in the first row."
        )
    h = _locate_header(records, aggregated)
    ncol = len(records[h if h is not None else _first_nonblank(records)])
    lengths = np.fromiter((len(r) for r in records), dtype=np.int64, count=len(records))
    structural = np.full(len(records), "", dtype=object)
    for i in np.flatnonzero(lengths != ncol):
        rec = records[i]
        if len(rec) < ncol:
            records[i] = list(rec) + [""] * (ncol - len(rec))
        else:
            if any(str(c).strip() for c in rec[ncol:]):
                structural[i] = (
                    f"row has {len(rec)} values but the header has {ncol} columns "
                    "(a text value containing a comma is probably not in quotes)"
                )
            records[i] = list(rec[:ncol])
    columns = list(zip(*records)) if ncol else []
    raw = pd.DataFrame({i: np.asarray(col, dtype=object) for i, col in enumerate(columns)})
    if ncol == 0:
        raw = pd.DataFrame(index=range(len(records)))
    return _frame_to_table(
        path, raw, structural, fmt=fmt, encoding=encoding, sheet=sheet, notes=notes, aggregated=aggregated, hint=hint
    )


def _frame_to_table(
    path: Path,
    raw: pd.DataFrame,
    structural: np.ndarray,
    *,
    fmt: str,
    encoding: str | None,
    sheet: str | None,
    notes: list[str],
    aggregated: bool | None,
    hint: str = "",
) -> _Table:
    """A rectangular text frame (positional columns, header somewhere in the first rows) -> _Table.

    Raises GrantsError for whole-file problems: only blank rows, no header with the required
    columns, a required column twice, no data rows.
    """
    keep_all = _nonblank_rows(raw)
    if not keep_all.any():
        raise GrantsError(
            f"{where(path)} holds only blank rows: no header row and no grants. "
            "Export the grant register again, with the 360Giving column titles in the first row."
        )
    head = [[str(c) for c in row] for row in raw.iloc[:_HEADER_SEARCH_ROWS].to_numpy(dtype=object)]
    h = _locate_header(head, aggregated)
    if h is None:
        h = _first_nonblank(head)
        _raise_missing_columns(path, head[h], h + 1, aggregated, hint)
    header_row = h + 1
    skipped_above = sum(1 for r in head[:h] if any(c.strip() for c in r))
    if skipped_above:
        notes.append(f"Ignored {skipped_above} non-blank row(s) above the header row (row {header_row}).")

    raw_header = head[h]
    names = [_canonical(c) for c in raw_header]
    renamed = [(r.strip(), n) for r, n in zip(raw_header, names) if r.strip() and r.strip() != n]
    if renamed:
        shown = "; ".join(f"'{r}' as '{n}'" for r, n in renamed[:6])
        more = f" and {len(renamed) - 6} more" if len(renamed) > 6 else ""
        notes.append(f"Read column(s) {shown}{more}.")
    names = [n if n else f"column {_excel_col(i)}" for i, n in enumerate(names)]
    seen: dict[str, int] = {}
    for i, n in enumerate(names):
        if n in seen:
            relevant = n in REQUIRED_COLUMNS or n in AGGREGATED_REQUIRED_COLUMNS or n in (BENEFICIARY_CODE, GRANTNAV_WARD)
            if relevant:
                raise GrantsError(
                    f"{where(path, row=header_row, column=n)}: the column appears twice (columns "
                    f"{_excel_col(seen[n])} and {_excel_col(i)}), so it is not clear which to use. "
                    "Delete or rename one of them."
                )
            names[i] = f"{n} ({_excel_col(i)})"
        else:
            seen[n] = i

    keep = keep_all[h + 1 :]
    source_row = np.arange(len(keep), dtype=np.int64)[keep] + header_row + 1
    frame = raw.iloc[h + 1 :]
    if not keep.all():
        frame = frame.iloc[np.flatnonzero(keep)]
    frame = frame.reset_index(drop=True)
    frame.columns = names
    structural = np.asarray(structural[h + 1 :], dtype=object)[keep]
    if frame.empty:
        raise GrantsError(
            f"{where(path)} has a header row (row {header_row}) but no grant rows below it. "
            "Add the grants under the header, or point to the file that holds them."
        )
    return _Table(
        frame=frame,
        source_row=source_row,
        fmt=fmt,
        encoding=encoding,
        sheet=sheet,
        notes=notes,
        structural=pd.Series(structural, dtype=object),
        header_row=header_row,
    )


def _nonblank_rows(raw: pd.DataFrame) -> np.ndarray:
    """True for rows with at least one non-empty cell (checks only rows whose first cell is empty)."""
    keep = np.ones(len(raw), dtype=bool)
    if raw.shape[1] == 0:
        return np.zeros(len(raw), dtype=bool)
    first = raw.iloc[:, 0].to_numpy(dtype=object)
    cand = np.flatnonzero(first == "")
    if len(cand):
        sub = raw.iloc[cand].to_numpy(dtype=object)
        keep[cand] = (sub != "").any(axis=1)
    return keep


def _raise_missing_columns(
    path: Path, header: list[str], header_row: int, aggregated: bool | None, hint: str = ""
) -> None:
    names = [_canonical(c) for c in header]
    have = set(names)
    miss_grant = [c for c in REQUIRED_COLUMNS if c not in have]
    miss_agg = [c for c in AGGREGATED_REQUIRED_COLUMNS if c not in have]
    use_agg = aggregated is True or (
        aggregated is None and len(miss_agg) < len(miss_grant) and len(miss_agg) < len(AGGREGATED_REQUIRED_COLUMNS)
    )
    missing = miss_agg if use_agg else miss_grant
    what = "an aggregated grant register" if use_agg else "a 360Giving grant register"
    found = [n for n in names if n]
    shown = ", ".join(f"'{n[:40]}'" for n in found[:12]) + (f" and {len(found) - 12} more" if len(found) > 12 else "")
    if len(found) == 1 and any(d in found[0] for d in (";", "\t", "|")):
        hint += " The header row has a single column: the file may use semicolons or tabs instead of commas."
    raise GrantsError(
        f"{where(path, row=header_row)}: missing required column(s) for {what}: "
        f"{', '.join(repr(c) for c in missing)}. Columns found: {shown or 'none'}.{hint} "
        "Add the missing column(s) with these exact 360Giving titles, or check this is the right file."
    )


def _excel_col(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s
