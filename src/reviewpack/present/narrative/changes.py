"""The words of ``reviewpack diff`` and ``changes.html``: what moved between two builds, and its basis.

Plain text only (no markup): the page escapes every sentence whole
(:mod:`reviewpack.present.changes`), so a pack title, table name or value from a manifest can
never become markup.  Every figure here comes from the two builds' manifests and tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from .text import num

if TYPE_CHECKING:
    from ...analysis.changes import BuildInfo, Changes, FigureChange, TableChange, ValueChange


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{num(n)} {one if n == 1 else (many or one + 's')}"


def build_label(info: BuildInfo) -> str:
    """``"the build of 14 November 2023 (commit 0123abcd, reviewpack 0.9.0)"``."""
    extra = ", ".join(x for x in (f"commit {info.git_commit}" if info.git_commit else "", f"reviewpack {info.version}" if info.version else "") if x)
    return f"the build of {info.build_date or 'an unknown date'}" + (f" ({extra})" if extra else "")


def page_title(changes: Changes) -> str:
    """The changes page's heading."""
    return f"What changed since the build of {changes.old.build_date or 'an unknown date'}"


def basis(changes: Changes) -> str:
    """What is compared with what, and how."""
    return (
        f"From {build_label(changes.old)} to {build_label(changes.new)}. Headline figures and table values are compared "
        "with the previous build's published figures and CSV tables; data files by their SHA-256 checksums and "
        "parameters as recorded in each build's manifest.json. Table rows are matched by the columns that identify them "
        "(or by row number when no columns do)."
    )


def summary(changes: Changes) -> str:
    """One sentence on everything that changed, or that nothing did."""
    if not changes.any:
        return "No changes: every headline figure, table value, data file and parameter is the same in both builds."
    moved = [p for p in changes.packs_changed if p.figures or p.tables]
    parts = []
    if moved:
        parts.append(f"figures or tables moved in {_plural(len(moved), 'pack')}")
    if changes.data_files:
        parts.append(f"{_plural(len(changes.data_files), 'data file')} changed")
    n_params = len(changes.parameters) + sum(len(p.parameters) for p in changes.packs_changed)
    if n_params:
        parts.append(f"{_plural(n_params, 'parameter')} changed")
    if changes.packs_added:
        parts.append(f"{_plural(len(changes.packs_added), 'pack')} added")
    if changes.packs_removed:
        parts.append(f"{_plural(len(changes.packs_removed), 'pack')} removed")
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def index_link_text(changes: Changes) -> str:
    """The index page's link text to ``changes.html``."""
    return page_title(changes)


def _signed(value: float, decimals: int) -> str:
    return f"{value:+,.{decimals}f}"


def figure_delta(change: FigureChange) -> str:
    """A headline figure's change in its own unit: ``+77``, ``+£0.54``, ``-2 percentage points``; ``""`` if not comparable."""
    if change.delta is None:
        return ""
    d = change.delta
    if round(d, change.decimals) == 0:
        return "same value"  # the label changed, or the value only in a hidden decimal
    if change.suffix == "%":
        return f"{_signed(d, change.decimals)} percentage point{'' if abs(d) == 1 else 's'}"
    if change.prefix:
        sign = "-" if d < 0 else "+"
        return f"{sign}{change.prefix}{abs(d):,.{change.decimals}f}{change.suffix}"
    return _signed(d, change.decimals) + (f" {change.suffix}" if change.suffix and not change.suffix.startswith(("%", "m")) else change.suffix)


def figure_label(change: FigureChange) -> str:
    """The figure's label; when the label changed too, both."""
    if change.old_label is not None and change.old_label != change.label:
        return f"{change.label} (was: {change.old_label})"
    return change.label


def _decimals(text: str | None) -> int:
    return len(text.split(".", 1)[1]) if text and "." in text else 0


def cell_delta(delta: float | None, old: str | None = None, new: str | None = None) -> str:
    """A table cell's change, to as many decimals as the values are shown with (at most 4): ``+77``, ``-0.0055``; ``""`` for text."""
    if delta is None:
        return ""
    places = min(4, max(_decimals(old), _decimals(new)))
    text = f"{delta:+,.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("+0", "-0") else text


def short_value(text: str | None) -> str:
    """A CSV value for reading: long decimals cut to 4 places (``47.94790547144301`` -> ``47.9479``); blank shown as ``(blank)``."""
    if text is None:
        return "(none)"
    if text == "":
        return "(blank)"
    if "." in text and len(text.split(".", 1)[1]) > 4:
        try:
            return f"{float(text):.4f}".rstrip("0").rstrip(".")
        except ValueError:
            return text
    return text


def row_label(row: tuple[tuple[str, str], ...], labels: Mapping[str, str] | None = None) -> str:
    """A row's key for reading, with the columns' labels when known: ``"Year 2021, Ward Pelsall"`` or ``"row 12"``."""
    labels = labels or {}
    return ", ".join(f"{labels.get(col, col)} {val}" for col, val in row)


def table_summary(table: TableChange) -> str:
    """What changed in one table, in words (how many cells, rows and columns, and how rows were matched)."""
    if table.status == "added":
        return "New table in this build."
    if table.status == "removed":
        return "Table no longer published."
    parts = []
    if table.cells_total:
        shown = f" (the first {num(len(table.cells))} listed)" if table.cells_total > len(table.cells) else ""
        parts.append(f"{_plural(table.cells_total, 'value')} changed{shown}")
    if table.rows_added_total:
        parts.append(f"{_plural(table.rows_added_total, 'row')} added")
    if table.rows_removed_total:
        parts.append(f"{_plural(table.rows_removed_total, 'row')} removed")
    if table.columns_added:
        parts.append("new column(s) " + ", ".join(table.columns_added))
    if table.columns_removed:
        parts.append("column(s) no longer published " + ", ".join(table.columns_removed))
    keyed = f"Rows matched by {', '.join(table.labels.get(c, c) for c in table.key)}." if table.key else "Rows matched by row number (no columns identify them)."
    text = "; ".join(parts) or "values changed"
    return text[0].upper() + text[1:] + ". " + keyed


def more_rows(total: int, shown: int, what: str) -> str:
    """``"… and 12 more changed values"`` (empty when all are shown)."""
    return f"… and {num(total - shown)} more {what}" if total > shown else ""


def value_text(change: ValueChange) -> tuple[str, str]:
    """A parameter's or data file's old and new value for reading (``(absent)`` when on one side only)."""
    return (change.old if change.old is not None else "(absent)", change.new if change.new is not None else "(absent)")


def checksum_text(value: str | None) -> str:
    """A SHA-256 shortened for reading: its first 12 hex digits."""
    return "(absent)" if value is None else value[:12] + "…"


def pack_status(status: str) -> str:
    """A pack's status in words."""
    return {"added": "new pack in this build", "removed": "pack no longer published"}.get(status, "")


def build_summary_line(changes: Changes) -> str:
    """The line ``reviewpack build`` prints when the folder keeps a previous build."""
    return f"Since the build of {changes.old.build_date or 'an unknown date'}: {summary(changes)[0].lower() + summary(changes)[1:]}"
