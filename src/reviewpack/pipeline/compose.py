"""Compose a pack's notebook from the topic notebooks, so one pack runs in one kernel.

``notebooks/`` holds one short notebook per topic; each runs on its own in JupyterLab (its
first cells, tagged ``standalone``, describe it, take the parameters and open the pack).  For a
build, :func:`pack_notebook` joins the topics that apply to the pack into one notebook:

* ``setup.ipynb`` first, whole: its ``parameters`` cell is the one papermill fills in;
* then population, demand beyond age (when Census 2021 topics are configured), deprivation,
  grants (when a register is configured), boundary options (the whole authority's pack, when
  options are configured), England and councils like us (the whole authority's pack, when
  ``benchmarks`` is configured) and methodology, without their
  ``standalone`` cells;
* cells tagged with a condition (:data:`CONDITIONS`) only where it holds, e.g. ``area``;
* headings numbered here, at export (``## 2. Deprivation``, ``### 2.3 ...``), except those
  tagged ``unnumbered`` -- the topic notebooks carry no numbers, so optional parts leave no gap;
* every cell keeps where it came from in ``metadata.reviewpack`` (``source``, ``cell``), so an
  error names the topic notebook and its cell.

The result is deterministic text: the same parameters give the same bytes (it is hashed into
the pack's cache key).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat

from ..errors import ParameterError
from ..present.narrative import grants as grant_words

NOTEBOOKS = "notebooks"

Params = dict[str, Any]


def _has_grants(p: Params) -> bool:
    return p.get("grants") is not None


def _is_overview(p: Params) -> bool:
    return not p.get("area")


#: Topic notebooks in pack order, each with the condition for including it.
TOPICS: list[tuple[str, Callable[[Params], bool]]] = [
    ("setup.ipynb", lambda p: True),
    ("population.ipynb", lambda p: True),
    ("demand.ipynb", lambda p: p.get("census_topics") is not None),
    ("deprivation.ipynb", lambda p: True),
    ("grants.ipynb", _has_grants),
    ("boundary_options.ipynb", lambda p: _is_overview(p) and bool((p.get("groupings") or {}).get("options"))),
    ("benchmarks.ipynb", lambda p: _is_overview(p) and p.get("benchmarks") is not None),
    ("methodology.ipynb", lambda p: True),
]

#: Cell tags that keep a cell only for some packs.
CONDITIONS: dict[str, Callable[[Params], bool]] = {
    "area": lambda p: bool(p.get("area")),
    "overview": _is_overview,
    "budgets": lambda p: _has_grants(p) and bool(p["grants"].get("area_partnership_programme") and p["grants"].get("financial_years")),
}

_H2 = re.compile(r"^## (?!#)")
_H3 = re.compile(r"^### (?!#)")


def topic_paths(root: Path) -> list[Path]:
    """Every topic notebook, in pack order."""
    return [root / NOTEBOOKS / name for name, _ in TOPICS]


def _keep(cell: Any, params: Params, first: bool) -> bool:
    tags = set(cell.get("metadata", {}).get("tags", []))
    if "standalone" in tags and not first:
        return False
    if first and "standalone" in tags and "parameters" not in tags and cell.cell_type == "markdown":
        return False  # the setup notebook's own description
    return all(cond(params) for tag, cond in CONDITIONS.items() if tag in tags)


def _number(cells: list[Any]) -> None:
    section = sub = 0
    numbering = False  # under an unnumbered "## " heading, its "### " headings stay unnumbered too
    for cell in cells:
        if cell.cell_type != "markdown":
            continue
        if "unnumbered" in cell.get("metadata", {}).get("tags", []):
            numbering = numbering and not _H2.match(cell.source)
            continue
        if _H2.match(cell.source):
            numbering = True
            section += 1
            sub = 0
            cell.source = _H2.sub(f"## {section}. ", cell.source, count=1)
        elif _H3.match(cell.source) and numbering:
            sub += 1
            cell.source = _H3.sub(f"### {section}.{sub} ", cell.source, count=1)


def compose(root: Path, params: Params) -> nbformat.NotebookNode:
    """The pack's notebook: the topics that apply, their cells that apply, headings numbered.

    Parameters
    ----------
    root : Path
        Project root (holds ``notebooks/``).
    params : dict
        The pack's resolved parameters (``PackParams`` dumped to JSON types).
    """
    out = nbformat.v4.new_notebook()
    for name, wanted in TOPICS:
        path = root / NOTEBOOKS / name
        first = not out.cells
        if not wanted(params):
            if name == "grants.ipynb":
                out.cells.append(_note_cell(grant_words.NO_REGISTER, f"{NOTEBOOKS}/{name}"))
            continue
        try:
            nb = nbformat.read(path, as_version=4)
        except OSError as exc:
            raise ParameterError(f"Cannot read the topic notebook '{path}': {exc.strerror}. Restore it from git.") from None
        if first:
            out.metadata = copy.deepcopy(nb.metadata)
        for i, cell in enumerate(nb.cells, start=1):
            if not _keep(cell, params, first):
                continue
            cell = copy.deepcopy(cell)
            if cell.cell_type == "code":
                cell.outputs = []
                cell.execution_count = None
            cell.metadata["reviewpack"] = {"source": f"{NOTEBOOKS}/{name}", "cell": i}
            cell.id = f"{path.stem}-{i}"
            out.cells.append(cell)
    _number(out.cells)
    return out


def _note_cell(text: str, source: str) -> Any:
    cell = nbformat.v4.new_markdown_cell(text)
    cell.metadata["reviewpack"] = {"source": source, "cell": 0}
    cell.id = "absent-" + Path(source).stem
    return cell


def pack_notebook(root: Path, params: Params) -> str:
    """:func:`compose` as notebook text (what a build executes, and hashes into the pack's cache key)."""
    return nbformat.writes(compose(root, params)) + "\n"
