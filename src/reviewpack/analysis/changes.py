"""What changed between two published builds: headline figures, table cells, parameters, data files.

Pure comparison of values already read (manifest entries, CSV text); reading the folders is
:mod:`reviewpack.pipeline.diff` and the words and pages are :mod:`reviewpack.present.changes`.

A table's rows are matched by its **identifying columns** when they can be told from the data:
the text columns in order, then whole-number columns, then other numeric ones, adding one at a
time until every row of both versions has a distinct key (columns holding only ``True``/``False``
are never part of a key).  When no such set exists, rows are matched by their position.  A cell
counts as changed when its text differs, except that two numbers that are equal (``14908`` and
``14908.0``) are not a change.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

#: At most this many changed cells, added rows and removed rows are kept per table (the rest are counted).
DEFAULT_CAP = 10

Status = Literal["changed", "added", "removed"]


@dataclass(frozen=True)
class BuildInfo:
    """When and from what a published build was made (from its ``manifest.json``)."""

    build_date: str
    git_commit: str
    version: str


@dataclass(frozen=True)
class FigureChange:
    """A headline figure whose value moved (or that appeared or went).

    ``old_label`` is set when the figure's label changed too (e.g. a new IoD edition in it): the
    figures are then matched by their position among the pack's headlines.
    """

    label: str
    old: str | None
    new: str | None
    delta: float | None = None
    prefix: str = ""
    suffix: str = ""
    decimals: int = 0
    old_label: str | None = None


@dataclass(frozen=True)
class CellChange:
    """One table cell whose value moved: the row's key, the column, old and new text, and new - old."""

    row: tuple[tuple[str, str], ...]
    column: str
    old: str
    new: str
    delta: float | None = None


@dataclass(frozen=True)
class TableChange:
    """One table of one pack that changed, appeared or went.

    Attributes
    ----------
    name : str
        The table (its CSV's stem).
    status : {'changed', 'added', 'removed'}
    key : tuple of str
        The identifying columns rows were matched by; empty: by row number.
    cells : tuple of CellChange
        The first :data:`DEFAULT_CAP` (or the cap asked for) changed cells, in row then column order.
    cells_total : int
        Every changed cell.
    rows_added, rows_removed : tuple
        Keys of the first rows only in the new or the old version; ``*_total`` counts them all.
    columns_added, columns_removed : tuple of str
    """

    name: str
    status: Status = "changed"
    key: tuple[str, ...] = ()
    cells: tuple[CellChange, ...] = ()
    cells_total: int = 0
    rows_added: tuple[tuple[tuple[str, str], ...], ...] = ()
    rows_added_total: int = 0
    rows_removed: tuple[tuple[tuple[str, str], ...], ...] = ()
    rows_removed_total: int = 0
    columns_added: tuple[str, ...] = ()
    columns_removed: tuple[str, ...] = ()
    title: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ValueChange:
    """A parameter or a data file whose value changed; ``None`` on one side: absent there."""

    name: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class PackChanges:
    """Everything that changed in one pack (only packs with a change are listed)."""

    pack: str
    title: str
    status: Status = "changed"
    figures: tuple[FigureChange, ...] = ()
    tables: tuple[TableChange, ...] = ()
    parameters: tuple[ValueChange, ...] = ()


@dataclass(frozen=True)
class Changes:
    """What changed from an old build to a new one.

    ``parameters`` holds the changes made identically in every pack the two builds share; any
    other parameter change is listed under its pack.
    """

    old: BuildInfo
    new: BuildInfo
    packs: tuple[PackChanges, ...] = ()
    data_files: tuple[ValueChange, ...] = ()
    parameters: tuple[ValueChange, ...] = ()
    la_name: str = ""

    @property
    def any(self) -> bool:
        """True when anything the diff reports changed."""
        return bool(self.packs or self.data_files or self.parameters)

    @property
    def packs_added(self) -> list[PackChanges]:
        return [p for p in self.packs if p.status == "added"]

    @property
    def packs_removed(self) -> list[PackChanges]:
        return [p for p in self.packs if p.status == "removed"]

    @property
    def packs_changed(self) -> list[PackChanges]:
        return [p for p in self.packs if p.status == "changed"]


# ---------------------------------------------------------------------------
# numbers in text


_FIGURE = re.compile(r"^\s*([^\d+\-.]*?)\s*([+\-]?)([\d,]*\.?\d+)\s*(.*?)\s*$")


def as_number(text: str) -> float | None:
    """A CSV cell as a number (``None`` for text, blanks, NaN and infinities)."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def read_figure(text: str) -> tuple[str, float, str, int] | None:
    """A headline figure's ``(prefix, number, suffix, decimals)``: ``"£4.46" -> ("£", 4.46, "", 2)``; ``None`` if not a number."""
    m = _FIGURE.match(str(text))
    if not m:
        return None
    prefix, sign, digits, suffix = m.groups()
    try:
        value = float(digits.replace(",", ""))
    except ValueError:
        return None
    decimals = len(digits.split(".", 1)[1]) if "." in digits else 0
    return prefix, (-value if sign == "-" else value), suffix, decimals


# ---------------------------------------------------------------------------
# headline figures


def _figure_change(label: str, old: str | None, new: str | None, old_label: str | None = None) -> FigureChange:
    a, b = (read_figure(old) if old is not None else None), (read_figure(new) if new is not None else None)
    if a is not None and b is not None and (a[0], a[2]) == (b[0], b[2]):
        return FigureChange(label, old, new, b[1] - a[1], b[0], b[2], max(a[3], b[3]), old_label)
    return FigureChange(label, old, new, old_label=old_label)


def compare_figures(old: Sequence[Sequence[Any]], new: Sequence[Sequence[Any]]) -> list[FigureChange]:
    """Headline figures (``[[label, value], ...]`` as in the manifest) whose value moved, appeared or went.

    Figures are matched by label; those left over on both sides are paired by their order (their
    label changed, e.g. from "(IoD2025)" to "(IoD2019)"), the rest are added or removed.
    """
    o = {str(k): str(v) for k, v in old}
    n = {str(k): str(v) for k, v in new}
    out = []
    for label, value in n.items():
        if label in o and o[label] != value:
            out.append(_figure_change(label, o[label], value))
    old_only = [k for k in o if k not in n]
    new_only = [k for k in n if k not in o]
    for ol, nl in zip(old_only, new_only, strict=False):
        out.append(_figure_change(nl, o[ol], n[nl], old_label=ol))
    for nl in new_only[len(old_only):]:
        out.append(FigureChange(nl, None, n[nl]))
    for ol in old_only[len(new_only):]:
        out.append(FigureChange(ol, o[ol], None))
    return out


# ---------------------------------------------------------------------------
# tables


def parse_csv(text: str) -> tuple[list[str], list[list[str]]]:
    """``(header, rows)`` of CSV text (short rows padded with blanks)."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return [], []
    header, body = rows[0], rows[1:]
    width = len(header)
    return header, [(r + [""] * (width - len(r)))[:width] for r in body if r]


def _kind(values: Iterable[str]) -> str:
    vals = [v for v in values if v != ""]
    if vals and all(v in ("True", "False") for v in vals):
        return "boolean"
    nums = [as_number(v) for v in vals]
    if not vals or any(x is None for x in nums):
        return "text"
    return "integer" if all(float(x).is_integer() for x in nums if x is not None) else "number"


def identifying_columns(header: Sequence[str], *tables: Sequence[Sequence[str]]) -> tuple[str, ...]:
    """The columns that tell the rows of every given table apart (see the module docstring); ``()`` if none do.

    Parameters
    ----------
    header : sequence of str
        The columns the tables share, in order.
    tables : sequences of rows
        Each row in ``header``'s order.
    """
    kinds = {c: _kind(r[i] for t in tables for r in t) for i, c in enumerate(header)}
    order = [c for k in ("text", "integer", "number") for c in header if kinds[c] == k]
    key: list[int] = []
    for col in order:
        key.append(list(header).index(col))
        if all(len({tuple(r[i] for i in key) for r in t}) == len(t) for t in tables):
            return tuple(header[i] for i in sorted(key))
    return ()


def _same(a: str, b: str) -> bool:
    if a == b:
        return True
    x, y = as_number(a), as_number(b)
    return x is not None and y is not None and x == y


def compare_table(name: str, old_text: str | None, new_text: str | None, cap: int = DEFAULT_CAP) -> TableChange | None:
    """The changes from one version of a table's CSV to another; ``None`` when the values are the same.

    Parameters
    ----------
    name : str
        The table's name.
    old_text, new_text : str or None
        The CSVs; ``None``: the table is not in that build.
    cap : int
        How many changed cells, added rows and removed rows to keep (all are counted).
    """
    if old_text is None and new_text is None:
        return None
    if old_text is None:
        return TableChange(name, "added")
    if new_text is None:
        return TableChange(name, "removed")
    if old_text == new_text:
        return None
    oh, orows = parse_csv(old_text)
    nh, nrows = parse_csv(new_text)
    common = [c for c in nh if c in oh]
    oi, ni = [oh.index(c) for c in common], [nh.index(c) for c in common]
    o = [[r[i] for i in oi] for r in orows]
    n = [[r[i] for i in ni] for r in nrows]
    key = identifying_columns(common, o, n)
    kidx = [common.index(c) for c in key]

    def row_key(row: Sequence[str], pos: int) -> tuple[tuple[str, str], ...]:
        return tuple((c, row[i]) for c, i in zip(key, kidx, strict=True)) if key else (("row", str(pos + 1)),)

    old_by = {row_key(r, i): r for i, r in enumerate(o)}
    new_keys = [row_key(r, i) for i, r in enumerate(n)]
    cells: list[CellChange] = []
    total = 0
    for k, row in zip(new_keys, n, strict=True):
        before = old_by.get(k)
        if before is None:
            continue
        for j, col in enumerate(common):
            if j in kidx or _same(before[j], row[j]):
                continue
            total += 1
            if len(cells) < cap:
                a, b = as_number(before[j]), as_number(row[j])
                cells.append(CellChange(k, col, before[j], row[j], (b - a) if a is not None and b is not None else None))
    new_set = set(new_keys)
    added = [k for k in new_keys if k not in old_by]
    removed = [k for k in old_by if k not in new_set]
    change = TableChange(
        name,
        "changed",
        key=key,
        cells=tuple(cells),
        cells_total=total,
        rows_added=tuple(added[:cap]),
        rows_added_total=len(added),
        rows_removed=tuple(removed[:cap]),
        rows_removed_total=len(removed),
        columns_added=tuple(c for c in nh if c not in oh),
        columns_removed=tuple(c for c in oh if c not in nh),
    )
    if not (total or added or removed or change.columns_added or change.columns_removed):
        return None  # e.g. 14908 -> 14908.0, or rows in another order
    return change


# ---------------------------------------------------------------------------
# parameters and data files


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)


def flatten(value: Any, prefix: str = "") -> dict[str, str]:
    """Parameters as ``{dotted name: value as text}``: ``{"deprivation": {"latest": 2025}} -> {"deprivation.latest": "2025"}``.

    Lists of mappings are flattened by position (``deprivation.vintages[0].file``); a list of plain
    values, and an empty mapping or list, is one value (``grants.financial_years: ["2013/14"]``).
    """
    if isinstance(value, Mapping) and value:
        out: dict[str, str] = {}
        for k in sorted(value, key=str):
            out.update(flatten(value[k], f"{prefix}.{k}" if prefix else str(k)))
        return out
    if isinstance(value, list) and value and any(isinstance(v, (Mapping, list)) for v in value):
        out = {}
        for i, v in enumerate(value):
            out.update(flatten(v, f"{prefix}[{i}]"))
        return out
    return {prefix: _text(value)}


def compare_values(old: Mapping[str, str], new: Mapping[str, str]) -> list[ValueChange]:
    """Names whose value differs, appeared or went, in name order."""
    return [
        ValueChange(k, old.get(k), new.get(k))
        for k in sorted(set(old) | set(new))
        if old.get(k) != new.get(k)
    ]


def split_parameters(per_pack: Mapping[str, list[ValueChange]]) -> tuple[list[ValueChange], dict[str, list[ValueChange]]]:
    """Parameter changes made identically in every pack (listed once), and the rest per pack.

    Parameters
    ----------
    per_pack : mapping
        ``{pack: its parameter changes}`` for every pack the two builds share (with or without changes).
    """
    if not per_pack:
        return [], {}
    sets = [set(v) for v in per_pack.values()]
    everywhere = set.intersection(*sets) if len(per_pack) > 1 else set()
    common = sorted(everywhere, key=lambda c: c.name)
    rest = {p: [c for c in v if c not in everywhere] for p, v in per_pack.items()}
    return common, rest
