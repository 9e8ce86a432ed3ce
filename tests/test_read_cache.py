"""Files parsed once per build: the read cache (ingest/cache.py), the kernel template's warm-up and early workbooks."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reviewpack.analysis.sections import DEFERRED_IMPORTS, Pack, read_inputs
from reviewpack.ingest import cache, census_topics
from reviewpack.ingest.files import read_csv_checked

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def kept():
    cache.enable()
    yield
    cache.enable(False)


def _count_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    real = pd.read_csv

    def counting(path, *args, **kwargs):
        seen.append(Path(str(path)).name)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(pd, "read_csv", counting)
    return seen


def test_off_by_default_every_call_reads_the_file(tmp_path, monkeypatch):
    assert not cache.enabled()
    f = tmp_path / "a.csv"
    f.write_text("x,y\n1,2\n", encoding="utf-8")
    seen = _count_reads(monkeypatch)
    read_csv_checked(f, ["x"])
    read_csv_checked(f, ["x"])
    assert seen == ["a.csv", "a.csv"] and cache.held() == 0


def test_kept_reads_parse_once_and_hand_out_copies(tmp_path, monkeypatch, kept):
    f = tmp_path / "a.csv"
    f.write_text("x,y\n1,2\n3,4\n", encoding="utf-8")
    seen = _count_reads(monkeypatch)
    first = read_csv_checked(f, ["x"], label="test file")
    first.loc[0, "x"] = 99  # a caller changing what it got
    first["z"] = 0
    second = read_csv_checked(f, ["x"], label="test file")
    assert seen == ["a.csv"]
    assert second.to_dict("list") == {"x": [1, 3], "y": [2, 4]}
    assert read_csv_checked(str(f), ["x"], label="test file").equals(second)  # a str path is the same file
    read_csv_checked(f, ["x", "y"], label="test file")  # other arguments: another read
    assert seen == ["a.csv", "a.csv"]


def test_a_changed_file_is_read_again(tmp_path, monkeypatch, kept):
    f = tmp_path / "a.csv"
    f.write_text("x\n1\n", encoding="utf-8")
    seen = _count_reads(monkeypatch)
    assert read_csv_checked(f, ["x"])["x"].tolist() == [1]
    f.write_text("x\n1\n2\n", encoding="utf-8")
    st = f.stat()
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    assert read_csv_checked(f, ["x"])["x"].tolist() == [1, 2]
    assert seen == ["a.csv", "a.csv"]


def test_a_failed_read_is_not_kept(tmp_path, kept):
    f = tmp_path / "a.csv"
    f.write_text("y\n1\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(Exception, match="'x'"):
            read_csv_checked(f, ["x"], label="test file")
    assert cache.held() == 0


def test_unkeyable_arguments_bypass_the_cache(tmp_path, kept):
    f = tmp_path / "a.csv"
    f.write_text("x\n1\n", encoding="utf-8")
    got = read_csv_checked(f, ["x"], dtype={"x": np.dtype("int64")})  # not a kind the key knows: read, not kept
    assert got["x"].tolist() == [1]
    assert cache.held() == 0


def test_one_pack_reads_what_every_pack_of_the_authority_shares(monkeypatch, kept):
    """The template reads the first pack's inputs; another area's pack then parses no shared file again."""
    read_inputs([(str(ROOT), Pack.open("borough", ROOT).params.model_dump(mode="json"))])
    assert cache.held() > 5
    seen = _count_reads(monkeypatch)
    north = Pack.open("north", ROOT)
    north.read_inputs()
    north.demand.table()
    north.population.table()
    assert seen == [], f"read again: {seen}"
    england = north.demand.england
    assert england is not None and len(england) > 0
    assert census_topics.load_topics.uncached  # the undecorated reader stays reachable


def test_the_deferred_imports_exist():
    import importlib

    for name in DEFERRED_IMPORTS:
        importlib.import_module(name)


def test_early_workbooks_are_the_same_bytes_and_only_for_the_same_tables():
    from dataclasses import replace

    from reviewpack.pipeline.exports import EarlyWorkbooks, _workbook, _workbook_job
    from reviewpack.pipeline.plan import plan_build
    from reviewpack.pipeline.publish import PackOutput

    plan = plan_build(ROOT, packs=["north"])
    out = PackOutput(html="<p>x</p>", tables={"t": "a,b\n1,2\n"}, datapackage=None)
    early = EarlyWorkbooks(plan, 1)
    early.add("north", out)
    got = early.take("north", out)
    assert got is not None and got == _workbook(_workbook_job(plan, "north", out))
    assert early.take("north", replace(out, tables={"t": "a,b\n1,3\n"})) is None
    assert early.take("south", out) is None
    early.close()


def test_the_exporter_without_its_soup_pass_gives_the_same_document():
    """Our exporter skips nbconvert's BeautifulSoup re-parse; the page must be the same document."""
    import nbformat
    from bs4 import BeautifulSoup
    from nbconvert import HTMLExporter

    from reviewpack.pipeline import publish

    nb = nbformat.v4.new_notebook()
    out = nbformat.v4.new_output(
        "display_data",
        data={"text/html": '<div class="table-wrap" role="region" aria-label="T &amp; U" tabindex="0"><table><tr><td>1 &lt; 2</td></tr></table></div>',
              "image/svg+xml": "<svg xmlns='http://www.w3.org/2000/svg'><text>x</text></svg>", "text/plain": "x"},
        metadata={"image/svg+xml": {"alt": "A chart of x, described at length for the test"}},
    )
    nb.cells = [nbformat.v4.new_markdown_cell("## Residents & *age*\n\nText with `code` — and £5."), nbformat.v4.new_code_cell("x", outputs=[out])]
    page = {"pack": "t", "title": "T", "la_name": "L", "covers": "c", "vintages": "v", "build_date": "1 January 2026",
            "packs": [], "attribution": "a", "version": "0", "commit": "c"}
    ours = publish.export_html(nb, page)
    publish._EXPORTER = HTMLExporter  # nbconvert's own, with its soup pass
    try:
        theirs = publish.export_html(nb, page)
    finally:
        publish._EXPORTER = None
    assert "anchor-link" not in ours and "anchor-link" not in theirs
    assert str(BeautifulSoup(ours, "html.parser")) == str(BeautifulSoup(theirs, "html.parser"))
    assert "Residents &amp; <em>age</em>" in ours


# --------------------------------------------------------------------------- #
# kept on disk between builds: arrays and JSON only
# --------------------------------------------------------------------------- #


@pytest.fixture
def on_disk(tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "DISK_MIN_BYTES", 0)
    folder = tmp_path / "reads"
    cache.enable(disk=folder)
    yield folder
    cache.enable(False)


def _frame_file(tmp_path: Path) -> Path:
    f = tmp_path / "t.csv"
    f.write_text("code,kind,n,share,flag\nE01,a,1,0.5,True\nE02,b,2,,False\nE03,a,3,1.25,True\n", encoding="utf-8")
    return f


def _reader_calls(monkeypatch) -> list[int]:
    calls: list[int] = []
    real = pd.read_csv
    monkeypatch.setattr(pd, "read_csv", lambda *a, **k: calls.append(1) or real(*a, **k))
    return calls


def test_a_frame_kept_on_disk_comes_back_exactly(tmp_path, monkeypatch, on_disk):
    f = _frame_file(tmp_path)
    calls = _reader_calls(monkeypatch)
    first = read_csv_checked(f, ["code"], dtype={"code": str, "kind": "category"}, label="test file")
    first.attrs["source"] = "t.csv"  # a copy: what is kept was saved before
    assert len(list(on_disk.glob("*.npz"))) == 1
    cache.clear()  # a new build: nothing in memory, the entry on disk
    again = read_csv_checked(f, ["code"], dtype={"code": str, "kind": "category"}, label="test file")
    assert calls == [1], "loaded from disk, not parsed"
    pd.testing.assert_frame_equal(again, read_csv_checked.uncached(f, ["code"], dtype={"code": str, "kind": "category"}, label="test file"))
    assert isinstance(again["kind"].dtype, pd.CategoricalDtype) and again["code"].dtype == object
    import numpy as np

    with np.load(next(on_disk.glob("*.npz")), allow_pickle=False) as z:  # arrays and JSON: nothing that runs code
        assert "meta" in z.files


def test_the_disk_key_is_the_file_bytes_not_its_date(tmp_path, monkeypatch, on_disk):
    f = _frame_file(tmp_path)
    read_csv_checked(f, ["code"])
    st = f.stat()
    f.write_text(f.read_text(encoding="utf-8").replace("E03,a,3", "E03,a,4"), encoding="utf-8")  # same size
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))  # and the same date
    cache.clear()
    assert read_csv_checked(f, ["code"])["n"].tolist() == [1, 2, 4]


def test_a_damaged_entry_is_removed_and_the_file_parsed(tmp_path, monkeypatch, on_disk):
    f = _frame_file(tmp_path)
    read_csv_checked(f, ["code"])
    entry = next(on_disk.glob("*.npz"))
    entry.write_bytes(b"not a zip")
    cache.clear()
    calls = _reader_calls(monkeypatch)
    assert read_csv_checked(f, ["code"])["n"].tolist() == [1, 2, 3]
    assert calls == [1] and entry.is_file() and entry.stat().st_size > 100  # parsed, and written again


def test_frames_it_cannot_hold_exactly_stay_in_memory_only(tmp_path, on_disk):
    from reviewpack.ingest.cache import _save_frame

    mixed = pd.DataFrame({"a": ["x", 1]})
    _save_frame(mixed, on_disk / "mixed.npz")
    _save_frame(pd.DataFrame({"a": pd.array([1, None], dtype="Int64")}), on_disk / "nullable.npz")
    _save_frame(pd.DataFrame({"a": [1, 2]}, index=[5, 6]), on_disk / "index.npz")
    attrs = pd.DataFrame({"a": [1]})
    attrs.attrs["when"] = object()
    _save_frame(attrs, on_disk / "attrs.npz")
    assert not list(on_disk.glob("*"))


def test_a_build_keeps_parsed_files_and_no_cache_keeps_none(project_copy):
    from reviewpack.cli import main

    reads = project_copy / ".cache" / "reviewpack" / "reads"
    assert main(["--project", str(project_copy), "build", "--pack", "north", "--no-cache"]) == 0
    assert not reads.exists()
    tables = project_copy / "reports" / "latest" / "tables" / "north"
    no_cache = {p.name: p.read_bytes() for p in tables.glob("*.csv")}
    for _ in range(2):  # the first build writes the entries, the second loads them
        assert main(["--project", str(project_copy), "build", "--pack", "north", "--force"]) == 0
        assert {p.name: p.read_bytes() for p in tables.glob("*.csv")} == no_cache
    assert len(list(reads.glob("*.npz"))) >= 3
