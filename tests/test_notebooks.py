"""Topic notebooks: committed without outputs, thin, and composed into one notebook per pack."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import nbformat
import pytest

from reviewpack.config import load_pack_params
from reviewpack.pipeline.compose import TOPICS, compose, pack_notebook

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def _params(pack: str, **overrides: object) -> dict:
    return load_pack_params(ROOT, pack, overrides=overrides or None).model_dump(mode="json")


def test_the_topic_notebooks_are_the_composed_topics():
    assert [p.name for p in NOTEBOOKS] == sorted(name for name, _ in TOPICS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs(path: Path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, f"{path.name} cell {i} has outputs: clear them before committing"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_cells_narrate_and_call(path: Path):
    """Code cells are short calls: no label or format dictionaries, no reshaping, no f-strings of prose."""
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        assert len(cell.source.splitlines()) <= 6, f"{path.name} cell {i} is long: move the code into src/reviewpack"
        assert max(map(len, cell.source.splitlines()), default=0) <= 120, f"{path.name} cell {i} has a long line"
        tree = ast.parse(cell.source)
        for node in ast.walk(tree):
            assert not isinstance(node, ast.Dict | ast.JoinedStr | ast.Lambda), f"{path.name} cell {i}: {ast.unparse(node)[:60]}"
            if isinstance(node, ast.Attribute):
                assert node.attr not in {"melt", "pivot_table", "merge", "groupby", "rename", "concat"}, f"{path.name} cell {i} reshapes"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_headings_are_markdown_without_numbers(path: Path):
    nb = nbformat.read(path, as_version=4)
    headings = [c.source.splitlines()[0] for c in nb.cells if c.cell_type == "markdown" and c.source.startswith("#")]
    assert headings, f"{path.name} has no heading"
    for h in headings:
        assert not any(ch.isdigit() for ch in h.split(" ", 1)[1][:4]), f"{path.name}: '{h}' is numbered; numbers are assigned at export"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert "show_markdown(\"#" not in cell.source and "'## " not in cell.source


def test_borough_pack_composition():
    nb = compose(ROOT, _params("borough"))
    heads = [c.source.splitlines()[0] for c in nb.cells if c.cell_type == "markdown" and c.source.startswith("## ")]
    assert heads == [
        "## At a glance", "## Key messages", "## 1. Population demand", "## 2. Demand beyond age", "## 3. Deprivation", "## 4. Grant funding",
        "## 5. Boundary options", "## 6. Compared with England and councils like us", "## Methodology and sources",
    ]
    subs = [c.source.splitlines()[0] for c in nb.cells if c.cell_type == "markdown" and c.source.startswith("### 3.")]
    assert subs[0] == "### 3.1 Where the most deprived residents live" and subs[-1] == "### 3.6 Local authority summary measures"
    demand = [c.source.splitlines()[0] for c in nb.cells if c.cell_type == "markdown" and c.source.startswith("### 2.")]
    assert demand == ["### 2.1 Against the borough and England", "### 2.2 Every area"]
    # one parameters cell, the setup notebook's; no standalone cells from the other topics
    assert sum("parameters" in c.metadata.get("tags", []) for c in nb.cells) == 1
    assert all("standalone" not in c.metadata.get("tags", []) for c in nb.cells)
    assert all(c.metadata["reviewpack"]["source"].startswith("notebooks/") for c in nb.cells)
    # "###" under the unnumbered methodology heading stays unnumbered
    assert any(c.source == "### Accessibility" for c in nb.cells)
    nbformat.validate(nb)


def test_area_pack_composition_keeps_area_cells_and_drops_options():
    nb = compose(ROOT, _params("north"))
    text = "\n".join(c.source for c in nb.cells)
    assert "### 3.7 The most deprived neighbourhoods" in text
    assert "Boundary options" not in text
    cell = next(c for c in nb.cells if "show.most_deprived(dep)" in c.source)
    assert cell.metadata["reviewpack"]["source"] == "notebooks/deprivation.ipynb"


def test_pack_without_grants_says_so_and_numbers_on():
    nb = compose(ROOT, _params("borough", grants=None))
    heads = [c.source.splitlines()[0] for c in nb.cells if c.cell_type == "markdown" and c.source.startswith("## ")]
    assert "## 4. Grant funding" in heads and "## 5. Boundary options" in heads
    note = next(c for c in nb.cells if c.source.startswith("## 4. Grant funding"))
    assert "No grant register is configured" in note.source
    assert not any("show.fair_share" in c.source for c in nb.cells)


def test_composition_is_deterministic():
    assert pack_notebook(ROOT, _params("north")) == pack_notebook(ROOT, _params("north"))


@pytest.mark.slow
def test_a_topic_notebook_runs_for_any_project_from_anywhere(tmp_path: Path):
    """papermill notebooks/population.ipynb out.ipynb -p pack north -p project DIR, run from another folder."""
    import os

    import papermill as pm

    env = os.environ.pop("REVIEWPACK_ROOT", None)
    try:
        nb = pm.execute_notebook(
            str(ROOT / "notebooks" / "population.ipynb"), str(tmp_path / "out.ipynb"),
            parameters={"pack": "north", "project": str(ROOT)}, cwd=str(tmp_path), progress_bar=False, kernel_name="python3",
        )
    finally:
        if env is not None:
            os.environ["REVIEWPACK_ROOT"] = env
    shown = [o for c in nb.cells for o in c.get("outputs", []) if o.get("metadata", {}).get("reviewpack", {}).get("kind") == "table"]
    assert any(o["metadata"]["reviewpack"]["name"] == "population_by_locality" for o in shown)
    assert any("North" in (o.get("data", {}).get("image/svg+xml", "")) for c in nb.cells for o in c.get("outputs", []))
