"""``reviewpack diff``: what changed between two published output folders, and the previous build a folder keeps.

Reading
    :func:`read_published` opens a folder a build published (its ``manifest.json``, and the CSVs
    under ``tables/``); :func:`diff_folders` compares two of them
    (:mod:`reviewpack.analysis.changes`).

The previous build
    A build into a folder that already holds a published build keeps what the diff needs of it in
    ``<out>/previous/`` -- its ``manifest.json`` and ``tables/`` (CSVs and ``datapackage.json``) -- and writes ``changes.html``
    (:func:`keep_previous`, called by :func:`reviewpack.pipeline.publish.publish`).  So that two
    builds of identical inputs still publish byte-identical folders, ``previous/`` holds **the last
    build whose results differed**: when the new build reports no change against the folder it
    replaces, the folder's own ``previous/`` (and so the same ``changes.html``) is carried over
    unchanged; a folder built once, or only ever rebuilt with the same results, has neither.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from ..analysis.changes import (
    DEFAULT_CAP,
    BuildInfo,
    Changes,
    PackChanges,
    TableChange,
    compare_figures,
    compare_table,
    compare_values,
    flatten,
    split_parameters,
)
from ..errors import ReviewpackUserError

#: Where a folder keeps the last build whose results differed from it.
PREVIOUS_DIR = "previous"
#: The page written into the newer folder.
CHANGES_PAGE = "changes.html"
#: Marks the index's link to the changes page, so ``reviewpack diff`` can add or replace it.
INDEX_LINK = re.compile(r'<p class="changes-link" id="changes-link">.*?</p>\n?', re.S)

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class NotPublishedError(ReviewpackUserError):
    """A folder given to ``reviewpack diff`` is not one a reviewpack build published."""


@dataclass
class Published:
    """One published build, as the diff reads it: its manifest, and its tables on demand."""

    folder: Path
    manifest: dict[str, Any]
    _titles: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)
    _tables: dict[str, list[str]] = field(default_factory=dict, repr=False)

    @property
    def info(self) -> BuildInfo:
        m = self.manifest
        return BuildInfo(str(m.get("build_date", "")), str(m.get("git_commit", "")), str(m.get("reviewpack_version", "")))

    @cached_property
    def packs(self) -> dict[str, dict[str, Any]]:
        """``{pack: manifest entry}`` in the build's pack order (entries that are not mappings are skipped)."""
        packs = self.manifest.get("packs") or {}
        order = [p for p in self.manifest.get("pack_order") or [] if p in packs] + sorted(p for p in packs if p not in (self.manifest.get("pack_order") or []))
        return {str(p): packs[p] for p in order if isinstance(packs[p], dict)}

    def tables(self, pack: str) -> list[str]:
        """The table names the manifest lists for a pack (names that could leave its folder are ignored)."""
        if pack not in self._tables:
            names = []
            for rel in self.packs.get(pack, {}).get("tables") or []:
                stem = Path(str(rel)).name.removesuffix(".csv")
                if _SAFE_NAME.match(stem) and str(rel) == f"tables/{pack}/{stem}.csv":
                    names.append(stem)
            self._tables[pack] = sorted(names)
        return self._tables[pack]

    def table_text(self, pack: str, table: str) -> str | None:
        """A table's CSV text, or ``None`` when the manifest does not list it or the file is missing."""
        if not _SAFE_NAME.match(pack) or table not in self.tables(pack):
            return None
        path = self.folder / "tables" / pack / f"{table}.csv"
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def table_meta(self, pack: str, table: str) -> dict[str, Any]:
        """The table's title and column labels from the pack's ``datapackage.json`` (empty if none)."""
        if pack not in self._titles:
            found: dict[str, Any] = {}
            if _SAFE_NAME.match(pack):
                try:
                    dp = json.loads((self.folder / "tables" / pack / "datapackage.json").read_text(encoding="utf-8"))
                    for res in dp.get("resources", []):
                        fields = {str(f.get("name")): str(f.get("title") or f.get("name")) for f in (res.get("schema") or {}).get("fields", [])}
                        found[str(res.get("name"))] = {"title": str(res.get("title") or ""), "labels": fields}
                except (OSError, ValueError, AttributeError, TypeError):
                    pass
            self._titles[pack] = found
        return dict(self._titles[pack].get(table, {}))


def is_published(folder: Path) -> bool:
    """True when ``folder`` holds a reviewpack ``manifest.json``."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and "reviewpack_version" in manifest and isinstance(manifest.get("packs"), dict)


def read_published(folder: Path, role: str = "folder") -> Published:
    """Open a published output folder.

    Raises
    ------
    NotPublishedError
        Naming the folder, when it has no reviewpack ``manifest.json``.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise NotPublishedError(f"{role.capitalize()} '{folder}' does not exist or is not a folder. Give a folder a reviewpack build published (e.g. reports/latest).")
    if not is_published(folder):
        raise NotPublishedError(
            f"{role.capitalize()} '{folder}' is not a published reviewpack folder: it has no reviewpack manifest.json. "
            "Give a folder a reviewpack build published (e.g. reports/latest), or its previous/ folder."
        )
    return Published(folder, json.loads((folder / "manifest.json").read_text(encoding="utf-8")))


def _la_name(pub: Published) -> str:
    names = {str(((e.get("params") or {}).get("local_authority") or {}).get("name", "")) for e in pub.packs.values()}
    names.discard("")
    return names.pop() if len(names) == 1 else ("English local authorities" if names else "")


def _title(entry: dict[str, Any], pack: str) -> str:
    return str((entry.get("params") or {}).get("title") or pack)


def _table_changes(old: Published, new: Published, pack: str, cap: int) -> list[TableChange]:
    out = []
    for table in sorted(set(old.tables(pack)) | set(new.tables(pack))):
        change = compare_table(table, old.table_text(pack, table), new.table_text(pack, table), cap)
        if change is not None:
            meta = new.table_meta(pack, table) or old.table_meta(pack, table)
            out.append(replace(change, title=meta.get("title", ""), labels=meta.get("labels", {})))
    return out


def diff_published(old: Published, new: Published, cap: int = DEFAULT_CAP) -> Changes:
    """Everything that changed from ``old`` to ``new`` (see :mod:`reviewpack.analysis.changes`)."""
    op, np_ = old.packs, new.packs
    shared = [p for p in np_ if p in op]
    params = {p: compare_values(flatten(op[p].get("params") or {}), flatten(np_[p].get("params") or {})) for p in shared}
    common, per_pack = split_parameters(params)
    packs: list[PackChanges] = []
    for p in np_:
        if p not in op:
            packs.append(PackChanges(p, _title(np_[p], p), "added"))
            continue
        change = PackChanges(
            p,
            _title(np_[p], p),
            "changed",
            figures=tuple(compare_figures(op[p].get("headlines") or [], np_[p].get("headlines") or [])),
            tables=tuple(_table_changes(old, new, p, cap)),
            parameters=tuple(per_pack.get(p, [])),
        )
        if change.figures or change.tables or change.parameters:
            packs.append(change)
    packs += [PackChanges(p, _title(op[p], p), "removed") for p in op if p not in np_]
    checksums = compare_values(
        {str(k): str(v) for k, v in (old.manifest.get("data_checksums_sha256") or {}).items()},
        {str(k): str(v) for k, v in (new.manifest.get("data_checksums_sha256") or {}).items()},
    )
    return Changes(old.info, new.info, tuple(packs), tuple(checksums), tuple(common), la_name=_la_name(new) or _la_name(old))


def diff_folders(old: Path, new: Path, cap: int = DEFAULT_CAP) -> Changes:
    """What changed from the build published in ``old`` to the one in ``new``.

    Raises
    ------
    NotPublishedError
        When either is not a published reviewpack folder.
    """
    return diff_published(read_published(old, "old folder"), read_published(new, "new folder"), cap)


def previous_of(folder: Path) -> Path:
    """The previous build a published folder keeps (``<folder>/previous``).

    Raises
    ------
    NotPublishedError
        When ``folder`` is not published, or keeps no previous build.
    """
    read_published(folder)
    prev = folder / PREVIOUS_DIR
    if not is_published(prev):
        raise NotPublishedError(
            f"Folder '{folder}' keeps no previous build ('{PREVIOUS_DIR}/manifest.json'): it has been built once, or only "
            "rebuilt with the same results. Compare two folders instead: reviewpack diff OLD NEW."
        )
    return prev


# ---------------------------------------------------------------------------
# the changes page and the index link


def _write_if_changed(path: Path, text: str) -> None:
    """Write ``text`` atomically, and not at all when the file already holds it (its bytes and time kept)."""
    try:
        if path.read_text(encoding="utf-8") == text:
            return
    except (OSError, UnicodeDecodeError):
        pass
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def link_index(folder: Path, link_html: str) -> None:
    """Put the changes link into a published folder's ``index.html`` (replacing one already there).

    The link goes before the list of pack cards; an index without one is left as it is.
    """
    index = folder / "index.html"
    try:
        page = index.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return
    page = INDEX_LINK.sub("", page)
    if link_html and '<ul class="cards">' in page:
        page = page.replace('<ul class="cards">', link_html + "\n" + '<ul class="cards">', 1)
    _write_if_changed(index, page)


def write_changes_page(folder: Path, changes: Changes, css: str) -> Path:
    """Write ``changes.html`` into a published folder and link it from its index; returns the page's path."""
    from ..present.changes import changes_page, index_link

    page = folder / CHANGES_PAGE
    _write_if_changed(page, changes_page(changes, css, available=set(read_published(folder).packs)))
    link_index(folder, index_link(changes))
    return page


def _snapshot(src: Path, dest: Path) -> None:
    """Copy what the diff reads of a published folder: ``manifest.json``, the CSVs under ``tables/`` and their ``datapackage.json``."""
    dest.mkdir(parents=True)
    shutil.copyfile(src / "manifest.json", dest / "manifest.json")
    tables = src / "tables"
    if tables.is_dir():
        for path in sorted([*tables.glob("*/*.csv"), *tables.glob("*/datapackage.json")]):
            target = dest / "tables" / path.parent.name / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)


def keep_previous(out: Path, stage: Path) -> Changes | None:
    """Before a staged build replaces ``out``: keep the previous build in ``stage/previous``.

    See the module docstring for why ``previous/`` is the last build whose results differed.

    Returns
    -------
    Changes or None
        What changed from ``stage/previous`` to the staged build; ``None`` when there is no
        previous build (a stale ``changes.html`` copied by a ``--pack`` build is removed).
    """
    kept = stage / PREVIOUS_DIR
    shutil.rmtree(kept, ignore_errors=True)  # a --pack build starts from a copy of out
    (stage / CHANGES_PAGE).unlink(missing_ok=True)
    if not is_published(out):
        return None
    new = read_published(stage)
    changes = diff_published(read_published(out), new)
    if changes.any:
        _snapshot(out, kept)  # previous/ is now `out`, so these are the changes it describes
        return changes
    if not is_published(out / PREVIOUS_DIR):
        return None
    _snapshot(out / PREVIOUS_DIR, kept)
    return diff_published(read_published(kept), new)



def publish_changes(out: Path, stage: Path, css: str) -> Changes | None:
    """The publishing step: keep the previous build (:func:`keep_previous`) and write ``changes.html`` and its index link.

    Called by :func:`reviewpack.pipeline.publish.publish` once the staged folder holds its packs,
    manifest and index.
    """
    changes = keep_previous(out, stage)
    if changes is not None:
        write_changes_page(stage, changes, css)
    return changes


def changes_since_previous(folder: Path, cap: int = DEFAULT_CAP) -> Changes | None:
    """What changed from the previous build a folder keeps to the folder's build (``None`` if it keeps none)."""
    if not is_published(folder) or not is_published(folder / PREVIOUS_DIR):
        return None
    return diff_folders(folder / PREVIOUS_DIR, folder, cap)


def diff_command(folders: list[Path], write_page: bool = True, cap: int = DEFAULT_CAP) -> tuple[str, Path | None]:
    """``reviewpack diff [OLD] NEW``: the text to print, and the ``changes.html`` written into NEW (``None`` if not written).

    Parameters
    ----------
    folders : list of Path
        ``[OLD, NEW]``, or ``[NEW]`` to compare NEW with the previous build it keeps.
    write_page : bool
        Write ``changes.html`` into NEW and link it from NEW's index (``--no-page``: print only).
    cap : int
        Changed cells (and added or removed rows) listed per table; the rest are counted.

    Raises
    ------
    NotPublishedError
        Naming a folder that is not a published reviewpack folder, or a NEW that keeps no previous build.
    """
    from ..present.changes import changes_text
    from .publish import css

    if not 1 <= len(folders) <= 2:
        raise NotPublishedError(f"reviewpack diff takes one folder (NEW, compared with the build it keeps in previous/) or two (OLD NEW); got {len(folders)}.")
    new = Path(folders[-1])
    old = Path(folders[0]) if len(folders) == 2 else previous_of(new)
    changes = diff_folders(old, new, cap)
    page = None
    if write_page:
        from .lock import output_lock

        with output_lock(new):  # a build publishing into NEW at the same time must not be undone
            page = write_changes_page(new, changes, css())
    text = changes_text(changes, str(folders[0]) if len(folders) == 2 else str(old), str(new))
    if page is not None:
        text += f"Written {page}\n"
    return text, page
