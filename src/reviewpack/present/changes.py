"""``reviewpack diff`` for readers: the terminal text, ``changes.html`` and the index's link to it.

``changes.html`` is self-contained (the packs' own stylesheet inlined; no script, no request) and
accessible (headings in order, tables with captions and header cells).  Every string that comes
from a manifest or a table -- pack titles, table and column names, values -- is HTML-escaped
here, and a link is made only to a pack or CSV whose name is a safe file name.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from ..analysis.changes import Changes, PackChanges, TableChange, ValueChange
from .narrative import changes as words

_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _anchor(pack: str) -> str:
    return "pack-" + re.sub(r"[^A-Za-z0-9_-]+", "-", pack)


# ---------------------------------------------------------------------------
# terminal


def changes_text(changes: Changes, old_name: str = "", new_name: str = "") -> str:
    """The diff as plain text for the terminal.

    Parameters
    ----------
    changes : Changes
        From :func:`reviewpack.pipeline.diff.diff_folders`.
    old_name, new_name : str
        The folders compared (shown as given on the command line).
    """
    lines = [
        f"Old: {words.build_label(changes.old)}" + (f" in {old_name}" if old_name else ""),
        f"New: {words.build_label(changes.new)}" + (f" in {new_name}" if new_name else ""),
        words.summary(changes),
    ]
    if changes.data_files:
        lines += ["", "Data files (SHA-256):"]
        lines += [f"  {c.name}: {words.checksum_text(c.old)} -> {words.checksum_text(c.new)}" for c in changes.data_files]
    if changes.parameters:
        lines += ["", "Parameters (in every pack):"]
        lines += [f"  {c.name}: {' -> '.join(words.value_text(c))}" for c in changes.parameters]
    for p in changes.packs:
        lines += ["", f"{p.pack}: {p.title}" + (f" ({words.pack_status(p.status)})" if p.status != "changed" else "")]
        if p.parameters:
            lines.append("  Parameters:")
            lines += [f"    {c.name}: {' -> '.join(words.value_text(c))}" for c in p.parameters]
        if p.figures:
            lines.append("  Headline figures:")
            for f in p.figures:
                delta = words.figure_delta(f)
                lines.append(f"    {words.figure_label(f)}: {f.old or '(none)'} -> {f.new or '(none)'}" + (f" ({delta})" if delta else ""))
        if p.tables:
            lines.append("  Tables:")
            for t in p.tables:
                lines.append(f"    {t.name}: {words.table_summary(t)}")
                for c in t.cells:
                    delta = words.cell_delta(c.delta, c.old, c.new)
                    lines.append(
                        f"      {words.row_label(c.row, t.labels)}: {t.labels.get(c.column, c.column)} {words.short_value(c.old)} -> {words.short_value(c.new)}"
                        + (f" ({delta})" if delta else "")
                    )
                more = words.more_rows(t.cells_total, len(t.cells), "changed values")
                if more:
                    lines.append(f"      {more}")
                for label, rows, total in (("added", t.rows_added, t.rows_added_total), ("removed", t.rows_removed, t.rows_removed_total)):
                    for r in rows:
                        lines.append(f"      row {label}: {words.row_label(r, t.labels)}")
                    more = words.more_rows(total, len(rows), f"rows {label}")
                    if more:
                        lines.append(f"      {more}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# changes.html


def _table(caption: str, head: Iterable[str], rows: Iterable[Iterable[str]], numeric: Iterable[int] = ()) -> str:
    num = set(numeric)
    th = "".join(f'<th scope="col" class="{"num" if i in num else "txt"}">{_e(h)}</th>' for i, h in enumerate(head))
    body = []
    for row in rows:
        cells = []
        for i, value in enumerate(row):
            tag, scope = ("th", ' scope="row"') if i == 0 else ("td", "")
            cells.append(f'<{tag}{scope} class="{"num" if i in num else "txt"}">{_e(value)}</{tag}>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f'<div class="table-wrap" role="region" aria-label="{_e(caption)}" tabindex="0">'
        f"<table><caption>{_e(caption)}</caption><thead><tr>{th}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def _values(caption: str, first: str, changes: Iterable[ValueChange], checksums: bool = False) -> str:
    rows = []
    for c in changes:
        old, new = (words.checksum_text(c.old), words.checksum_text(c.new)) if checksums else words.value_text(c)
        rows.append((c.name, old, new))
    return _table(caption, (first, "Before", "Now"), rows)


def _pack_link(pack: str, available: set[str]) -> str:
    if pack in available and _SAFE.match(pack):
        return f' <a href="{_e(pack)}.html">Open the pack</a>'
    return ""


def _table_section(p: PackChanges, t: TableChange, available: set[str], hid: str) -> str:
    title = f"{t.name}: {t.title}" if t.title else t.name
    out = [f'<h4 id="{_e(hid)}">{_e(title)}</h4>', f"<p>{_e(words.table_summary(t))}"]
    if t.status != "removed" and p.pack in available and _SAFE.match(p.pack) and _SAFE.match(t.name):
        out[-1] += f' <a class="csv" href="tables/{_e(p.pack)}/{_e(t.name)}.csv">Download the new table as CSV</a>'
    out[-1] += "</p>"
    if t.cells:
        rows = [
            (words.row_label(c.row, t.labels), t.labels.get(c.column, c.column), words.short_value(c.old), words.short_value(c.new), words.cell_delta(c.delta, c.old, c.new))
            for c in t.cells
        ]
        out.append(_table(f"Changed values in {title} ({p.title})", ("Row", "Column", "Before", "Now", "Change"), rows, numeric=(2, 3, 4)))
        more = words.more_rows(t.cells_total, len(t.cells), "changed values")
        if more:
            out.append(f'<p class="table-note">{_e(more)}</p>')
    for label, rows_, total in (("added", t.rows_added, t.rows_added_total), ("removed", t.rows_removed, t.rows_removed_total)):
        if rows_:
            items = "".join(f"<li>{_e(words.row_label(r, t.labels))}</li>" for r in rows_)
            more = words.more_rows(total, len(rows_), f"rows {label}")
            out.append(f"<p>Rows {label}:</p><ul>{items}</ul>" + (f'<p class="table-note">{_e(more)}</p>' if more else ""))
    return "\n".join(out)


def _pack_section(p: PackChanges, available: set[str]) -> str:
    aid = _anchor(p.pack)
    head = f'<h2 id="{_e(aid)}">{_e(p.title)} <span class="kicker">({_e(p.pack)})</span></h2>'
    if p.status != "changed":
        return head + f"\n<p>{_e(words.pack_status(p.status).capitalize())}.{_pack_link(p.pack, available)}</p>"
    link = _pack_link(p.pack, available).strip()
    out = [head, f"<p>{link}</p>"] if link else [head]
    if p.parameters:
        out += ["<h3>Parameters</h3>", _values(f"Parameters of {p.title} that changed", "Parameter", p.parameters)]
    if p.figures:
        rows = [(words.figure_label(f), f.old or "(none)", f.new or "(none)", words.figure_delta(f)) for f in p.figures]
        out += ["<h3>Headline figures</h3>", _table(f"Headline figures of {p.title} that moved", ("Figure", "Before", "Now", "Change"), rows, numeric=(1, 2, 3))]
    if p.tables:
        out.append("<h3>Tables</h3>")
        out += [_table_section(p, t, available, f"{aid}-{i}") for i, t in enumerate(p.tables)]
    return "\n".join(out)


def changes_page(changes: Changes, css: str, available: set[str] | None = None) -> str:
    """``changes.html``: everything that changed, per pack, as one self-contained page.

    Parameters
    ----------
    changes : Changes
        What changed.
    css : str
        The packs' stylesheet (inlined).
    available : set of str, optional
        Packs published in the folder the page is written to (only those are linked).
    """
    available = available or set()
    la = changes.la_name
    title = words.page_title(changes)
    toc = [f'<li><a href="#{_e(_anchor(p.pack))}">{_e(p.title)}</a></li>' for p in changes.packs]
    body = [f"<p>{_e(words.summary(changes))}</p>", f"<p>{_e(words.basis(changes))}</p>"]
    if toc:
        body.insert(0, f'<nav class="toc" aria-labelledby="toc-h"><h2 id="toc-h">Packs with changes</h2><ul>{"".join(toc)}</ul></nav>')
    if changes.data_files:
        body += ['<h2 id="data-files">Data files</h2>', _values("Data files whose SHA-256 checksum changed", "File", changes.data_files, checksums=True)]
    if changes.parameters:
        body += ['<h2 id="parameters">Parameters</h2>', _values("Parameters that changed in every pack", "Parameter", changes.parameters)]
    body += [_pack_section(p, available) for p in changes.packs]
    kicker = f"{la} scrutiny review packs" if la else "Scrutiny review packs"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="reviewpack {_e(changes.new.version)}">
<title>{_e(title)}{' — ' + _e(la) + ' review packs' if la else ''}</title>
<style>
{css}
</style>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="masthead">
<nav aria-label="Review packs"><ul class="packnav"><li><a href="index.html">All packs</a></li><li><a aria-current="page" href="changes.html">What changed</a></li></ul></nav>
<p class="kicker">{_e(kicker)}</p>
<h1>{_e(title)}</h1>
<dl class="meta"><div><dt>Before</dt><dd>{_e(words.build_label(changes.old))}</dd></div><div><dt>Now</dt><dd>{_e(words.build_label(changes.new))}</dd></div></dl>
</header>
<main id="main">
{chr(10).join(body)}
</main>
<footer class="site-footer">
<p>Written by reviewpack {_e(changes.new.version)} from the two builds' manifest.json and CSV tables.</p>
<p><a href="index.html">Back to all packs</a></p>
</footer>
</body>
</html>
"""


def index_link(changes: Changes) -> str:
    """The index page's paragraph linking ``changes.html`` (replaced whole by :func:`reviewpack.pipeline.diff.link_index`)."""
    return (
        f'<p class="changes-link" id="changes-link"><a href="changes.html">{_e(words.index_link_text(changes))}</a>: '
        f"{_e(words.summary(changes))}</p>"
    )
