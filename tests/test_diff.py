"""`reviewpack diff`: what changed between two published folders, and the previous build a folder keeps.

The first half works on small hand-made published folders (a manifest and a few CSVs, made up
here), so each rule of the comparison is checked exactly.  The end-to-end tests at the bottom
(marked slow) build real packs: a changed parameter, a changed raw data file, identical builds,
and a rebuild into the same folder.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import RAW, ROOT

from reviewpack.analysis.changes import (
    compare_figures,
    compare_table,
    flatten,
    identifying_columns,
    split_parameters,
)
from reviewpack.cli import main
from reviewpack.pipeline.diff import CHANGES_PAGE, PREVIOUS_DIR, diff_folders, keep_previous
from reviewpack.present.narrative.changes import figure_delta

# ---------------------------------------------------------------------------
# hand-made published folders (made up for these tests)


def _csv(rows: list[list[Any]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def fake_build(
    folder: Path,
    packs: dict[str, dict[str, Any]],
    checksums: dict[str, str] | None = None,
    date: str = "1 January 2026",
) -> Path:
    """A folder shaped like a published build: manifest.json, tables/<pack>/<t>.csv, index.html."""
    folder.mkdir(parents=True)
    meta = {}
    for name, p in packs.items():
        tables = p.get("tables", {})
        for t, text in tables.items():
            (folder / "tables" / name).mkdir(parents=True, exist_ok=True)
            (folder / "tables" / name / f"{t}.csv").write_text(text, encoding="utf-8")
        meta[name] = {
            "html": f"{name}.html",
            "params": p.get("params", {"title": p.get("title", name), "pack": name, "local_authority": {"name": "Testshire"}}),
            "tables": [f"tables/{name}/{t}.csv" for t in sorted(tables)],
            "headlines": p.get("headlines", []),
        }
        (folder / f"{name}.html").write_text("<!DOCTYPE html><title>x</title>", encoding="utf-8")
    manifest = {
        "reviewpack_version": "0.0.test",
        "git_commit": "abc123",
        "build_date": date,
        "data_checksums_sha256": checksums or {"a.csv": "1" * 64},
        "reconciliation": {},
        "pack_order": list(packs),
        "packs": meta,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True), encoding="utf-8")
    (folder / "index.html").write_text('<!DOCTYPE html><html><body><main><p>intro</p>\n<ul class="cards"></ul></main></body></html>\n', encoding="utf-8")
    return folder


POP_OLD = _csv([["year", "area", "age_band", "population"], [2021, "North", "all", 55123], [2021, "South", "all", 40000], [2020, "North", "all", 54000]])
POP_NEW = _csv([["year", "area", "age_band", "population"], [2020, "North", "all", "54000.0"], [2021, "North", "all", 55200], [2021, "South", "all", 40000]])


def _params(title: str, **grants: Any) -> dict[str, Any]:
    return {"pack": "north", "title": title, "local_authority": {"name": "Testshire"}, "grants": {"population_year": 2015, **grants}}


# ---------------------------------------------------------------------------
# the comparison rules


def test_rows_are_matched_by_their_identifying_columns() -> None:
    change = compare_table("population", POP_OLD, POP_NEW)
    assert change is not None
    assert change.key == ("year", "area", "age_band")  # text columns, then the whole-number column that makes rows distinct
    # rows moved and 54000 became 54000.0: neither is a change; only North 2021 moved, by +77
    assert change.cells_total == 1
    (cell,) = change.cells
    assert cell.row == (("year", "2021"), ("area", "North"), ("age_band", "all"))
    assert (cell.column, cell.old, cell.new, cell.delta) == ("population", "55123", "55200", 77.0)


def test_same_values_in_another_order_or_format_are_no_change() -> None:
    shuffled = _csv([["year", "area", "age_band", "population"], [2020, "North", "all", "54000.0"], [2021, "South", "all", 40000], [2021, "North", "all", 55123]])
    assert compare_table("population", POP_OLD, shuffled) is None
    assert compare_table("population", POP_OLD, POP_OLD) is None


def test_rows_without_identifying_columns_are_matched_by_row_number() -> None:
    old = _csv([["value"], [1.5], [1.5], [2.5]])
    new = _csv([["value"], [1.5], [1.75], [2.5]])
    assert identifying_columns(["value"], [["1.5"], ["1.5"]]) == ()
    change = compare_table("t", old, new)
    assert change is not None and change.key == ()
    assert [(c.row, c.old, c.new, c.delta) for c in change.cells] == [((("row", "2"),), "1.5", "1.75", 0.25)]


def test_true_false_columns_never_identify_rows() -> None:
    header = ["estimated", "year", "population"]
    rows = [["False", "2012", "1"], ["True", "2014", "2"]]
    assert identifying_columns(header, rows) == ("year",)


def test_changed_cells_are_capped_and_the_rest_counted() -> None:
    old = _csv([["area", "n"], *([f"A{i:02d}", i] for i in range(25))])
    new = _csv([["area", "n"], *([f"A{i:02d}", i + 1] for i in range(25))])
    change = compare_table("t", old, new, cap=10)
    assert change is not None
    assert change.cells_total == 25 and len(change.cells) == 10
    assert [c.row for c in change.cells][:2] == [(("area", "A00"),), (("area", "A01"),)]


def test_rows_and_columns_added_and_removed() -> None:
    old = _csv([["area", "n", "gone"], ["North", 1, "x"], ["East", 2, "y"]])
    new = _csv([["area", "n", "new_col"], ["North", 1, "z"], ["West", 3, "w"]])
    change = compare_table("t", old, new)
    assert change is not None
    assert change.rows_added == ((("area", "West"),),) and change.rows_removed == ((("area", "East"),),)
    assert change.columns_added == ("new_col",) and change.columns_removed == ("gone",)
    assert change.cells_total == 0
    assert compare_table("t", None, new) is not None and compare_table("t", None, new).status == "added"  # type: ignore[union-attr]
    assert compare_table("t", old, None).status == "removed"  # type: ignore[union-attr]


def test_headline_figures_with_old_new_and_change() -> None:
    old = [["Residents (Census 2021)", "55,123"], ["Share deprived (IoD2025)", "26%"], ["Grant £ per resident", "£73.52"], ["Same", "1"]]
    new = [["Residents (Census 2021)", "55,200"], ["Share deprived (IoD2019)", "27%"], ["Grant £ per resident", "£72.10"], ["Same", "1"]]
    found = {f.label: f for f in compare_figures(old, new)}
    assert set(found) == {"Residents (Census 2021)", "Share deprived (IoD2019)", "Grant £ per resident"}
    assert (found["Residents (Census 2021)"].old, found["Residents (Census 2021)"].new) == ("55,123", "55,200")
    assert figure_delta(found["Residents (Census 2021)"]) == "+77"
    # a label that changed with the edition is paired by position, and says what it was
    assert found["Share deprived (IoD2019)"].old_label == "Share deprived (IoD2025)"
    assert figure_delta(found["Share deprived (IoD2019)"]) == "+1 percentage point"
    assert figure_delta(found["Grant £ per resident"]) == "-£1.42"


def test_parameters_flatten_and_shared_changes_are_listed_once() -> None:
    flat = flatten({"deprivation": {"latest": 2025, "vintages": [{"year": 2015, "file": "a.csv"}]}, "grants": {"financial_years": ["2013/14"]}})
    assert flat == {
        "deprivation.latest": "2025",
        "deprivation.vintages[0].file": "a.csv",
        "deprivation.vintages[0].year": "2015",
        "grants.financial_years": '["2013/14"]',
    }
    from reviewpack.analysis.changes import ValueChange

    shared = ValueChange("deprivation.latest", "2025", "2019")
    own = ValueChange("title", "North", "North Locality")
    common, rest = split_parameters({"north": [shared, own], "south": [shared]})
    assert common == [shared] and rest == {"north": [own], "south": []}


# ---------------------------------------------------------------------------
# reviewpack diff on hand-made folders


def _two_folders(tmp_path: Path) -> tuple[Path, Path]:
    old = fake_build(
        tmp_path / "old",
        {
            "north": {"params": _params("North Locality"), "headlines": [["Residents (Census 2021)", "55,123"]], "tables": {"population": POP_OLD}},
            "east": {"params": _params("East Locality"), "headlines": [["Residents (Census 2021)", "89,000"]]},
        },
        checksums={"raw/census.csv": "a" * 64, "raw/imd.csv": "b" * 64},
        date="1 January 2026",
    )
    new = fake_build(
        tmp_path / "new",
        {
            "north": {"params": _params("North Locality", population_year=2017), "headlines": [["Residents (Census 2021)", "55,200"]], "tables": {"population": POP_NEW}},
            "west": {"params": _params("West Locality", population_year=2017), "headlines": [["Residents (Census 2021)", "70,000"]]},
        },
        checksums={"raw/census.csv": "c" * 64, "raw/imd.csv": "b" * 64},
        date="2 January 2026",
    )
    return old, new


def test_diff_prints_every_kind_of_change_and_writes_the_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old, new = _two_folders(tmp_path)
    assert main(["diff", str(old), str(new)]) == 0
    out = capsys.readouterr().out
    assert "Old: the build of 1 January 2026 (commit abc123, reviewpack 0.0.test)" in out
    assert "raw/census.csv: aaaaaaaaaaaa… -> cccccccccccc…" in out and "raw/imd.csv" not in out
    assert "north: North Locality" in out
    assert "grants.population_year: 2015 -> 2017" in out  # north is the only pack in both, so listed under it
    assert "Residents (Census 2021): 55,123 -> 55,200 (+77)" in out
    assert "year 2021, area North, age_band all: population 55123 -> 55200 (+77)" in out
    assert "west: West Locality (new pack in this build)" in out
    assert "east: East Locality (pack no longer published)" in out
    page = (new / CHANGES_PAGE).read_text(encoding="utf-8")
    assert "<h1>What changed since the build of 1 January 2026</h1>" in page
    assert '<a href="north.html">Open the pack</a>' in page and 'href="east.html"' not in page  # east is not in NEW
    assert '<a class="csv" href="tables/north/population.csv">' in page
    index = (new / "index.html").read_text(encoding="utf-8")
    assert index.count('href="changes.html"') == 1
    # a second run replaces the link rather than adding another
    assert main(["diff", str(old), str(new)]) == 0
    assert (new / "index.html").read_text(encoding="utf-8") == index
    assert "Written" in capsys.readouterr().out


def test_identical_folders_report_no_changes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old, _ = _two_folders(tmp_path)
    same = tmp_path / "same"
    shutil.copytree(old, same)
    assert main(["diff", "--no-page", str(old), str(same)]) == 0
    out = capsys.readouterr().out
    assert "No changes: every headline figure, table value, data file and parameter is the same in both builds." in out
    assert not (same / CHANGES_PAGE).exists()


def test_changes_page_escapes_names_from_data(tmp_path: Path) -> None:
    hostile = '<script>alert("title")</script>'
    bad_table = _csv([["area", "<img src=x onerror=alert(1)>"], ["<b>North</b>", 1]])
    bad_table_new = _csv([["area", "<img src=x onerror=alert(1)>"], ["<b>North</b>", 2]])
    old = fake_build(tmp_path / "old", {"north": {"params": _params(hostile), "headlines": [[hostile, "1"]], "tables": {"t": bad_table}},
                                         "../evil": {"params": _params("x")}})
    new = fake_build(tmp_path / "new", {"north": {"params": _params(hostile), "headlines": [[hostile, "2"]], "tables": {"t": bad_table_new}}})
    assert main(["diff", str(old), str(new)]) == 0
    page = (new / CHANGES_PAGE).read_text(encoding="utf-8")
    assert "<script" not in page and "<img" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(&quot;title&quot;)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "&lt;b&gt;North&lt;/b&gt;" in page
    assert 'href="../evil' not in page  # a pack name that is not a safe file name is never linked


def test_a_table_the_manifest_lists_outside_its_folder_is_not_read(tmp_path: Path) -> None:
    old, new = _two_folders(tmp_path)
    manifest = json.loads((new / "manifest.json").read_text(encoding="utf-8"))
    manifest["packs"]["north"]["tables"] = ["tables/north/../../../old/tables/north/population.csv"]
    (new / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    changes = diff_folders(old, new)
    north = next(p for p in changes.packs if p.pack == "north")
    assert [(t.name, t.status) for t in north.tables] == [("population", "removed")]


@pytest.mark.parametrize("which", ["old", "new"])
def test_a_folder_that_is_not_published_is_exit_2(which: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old, new = _two_folders(tmp_path)
    plain = tmp_path / "my-files"
    plain.mkdir()
    (plain / "notes.txt").write_text("mine", encoding="utf-8")
    args = [str(plain), str(new)] if which == "old" else [str(old), str(plain)]
    assert main(["diff", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {which.capitalize()} folder '{plain}' is not a published reviewpack folder")
    assert "Traceback" not in err and not (plain / CHANGES_PAGE).exists()
    assert main(["diff", str(old), str(tmp_path / "missing")]) == 2
    assert f"New folder '{tmp_path / 'missing'}' does not exist" in capsys.readouterr().err


def test_one_folder_without_a_previous_build_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, new = _two_folders(tmp_path)
    assert main(["diff", str(new)]) == 2
    assert f"Folder '{new}' keeps no previous build" in capsys.readouterr().err


def test_keep_previous_keeps_the_last_build_whose_results_differed(tmp_path: Path) -> None:
    old, new = _two_folders(tmp_path)
    # a changed build: the old folder's manifest and CSVs are kept
    changes = keep_previous(old, new)
    assert changes is not None and changes.any
    kept = new / PREVIOUS_DIR
    assert (kept / "manifest.json").read_bytes() == (old / "manifest.json").read_bytes()
    assert (kept / "tables" / "north" / "population.csv").read_text(encoding="utf-8") == POP_OLD
    # a rebuild with the same results carries that previous build over, byte for byte
    again = tmp_path / "again"
    shutil.copytree(new, again, ignore=shutil.ignore_patterns(PREVIOUS_DIR))
    assert keep_previous(new, again) is not None
    assert sorted(p.relative_to(again / PREVIOUS_DIR) for p in (again / PREVIOUS_DIR).rglob("*")) == sorted(
        p.relative_to(kept) for p in kept.rglob("*")
    )
    assert (again / PREVIOUS_DIR / "manifest.json").read_bytes() == (old / "manifest.json").read_bytes()
    # the first build into a folder keeps nothing
    first = tmp_path / "first"
    shutil.copytree(old, first)
    assert keep_previous(tmp_path / "nothing-here", first) is None and not (first / PREVIOUS_DIR).exists()


@pytest.mark.browser
def test_changes_page_is_offline_and_accessible(tmp_path: Path, browser: Any) -> None:
    """changes.html in headless Chromium: no request, no script, no axe violation, a sound heading outline, fits a phone."""
    import harness  # on sys.path once the browser fixture has started

    old, new = _two_folders(tmp_path)
    assert main(["diff", str(old), str(new)]) == 0
    report = harness.check_page(new / CHANGES_PAGE, tmp_path / "shots", browser=browser)
    problems = report.problems(allow_local_files=False)
    assert not problems, "\n".join(problems)
    assert report.axe_violations == [] and report.script_count == 0 and report.external_requests == []
    assert report.h1_count == 1 and report.headings[0] == (1, "What changed since the build of 1 January 2026")


# ---------------------------------------------------------------------------
# end to end: real builds

EPOCH_A, EPOCH_B = "1700000000", "1700086400"  # 14 and 15 November 2023


def _build(out: Path, monkeypatch: pytest.MonkeyPatch, params: list[Path], project: Path = ROOT, epoch: str = EPOCH_A) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    args = ["--project", str(project), "build", "--force", "--no-cache", "--out", str(out)]
    for p in params:
        args += ["--params", str(p)]
    assert main(args) == 0


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _headline(out: Path, pack: str, label_start: str) -> str:
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return next(v for k, v in manifest["packs"][pack]["headlines"] if k.startswith(label_start))


@pytest.fixture(scope="module")
def north_only(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Parameters for a build of the north pack alone, and one with grants.population_year changed."""
    d = tmp_path_factory.mktemp("diff-params")
    one = d / "north.yaml"
    one.write_text("packs: [north]\n", encoding="utf-8")
    changed = d / "north-2017.yaml"
    changed.write_text("packs: [north]\ngrants:\n  population_year: 2017\n", encoding="utf-8")
    return one, changed


@pytest.fixture(scope="module")
def first_build(north_only: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    mp = pytest.MonkeyPatch()
    try:
        out = tmp_path_factory.mktemp("diff-a") / "a"
        _build(out, mp, [north_only[0]])
    finally:
        mp.undo()
    return out


@pytest.mark.slow
def test_two_builds_of_the_same_inputs_report_no_changes(
    first_build: Path, north_only: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    second = tmp_path / "b"
    _build(second, monkeypatch, [north_only[0]])
    capsys.readouterr()
    assert main(["diff", str(first_build), str(second)]) == 0
    assert "No changes: every headline figure" in capsys.readouterr().out


@pytest.mark.slow
def test_a_changed_parameter_is_reported_and_the_folder_keeps_the_previous_build(
    first_build: Path, north_only: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "latest"
    shutil.copytree(first_build, out)
    _build(out, monkeypatch, [north_only[1]], epoch=EPOCH_B)
    built = capsys.readouterr().out
    assert f"Since the build of 14 November 2023: figures or tables moved in 1 pack; 1 parameter changed. See {out / CHANGES_PAGE}" in built
    assert (out / PREVIOUS_DIR / "manifest.json").read_bytes() == (first_build / "manifest.json").read_bytes()

    # one argument: the folder against the build it keeps
    assert main(["diff", "--no-page", str(out)]) == 0
    text = capsys.readouterr().out
    assert "Old: the build of 14 November 2023" in text and "New: the build of 15 November 2023" in text
    assert "grants.population_year: 2015 -> 2017" in text
    old_fig, new_fig = _headline(first_build, "north", "Grant £ per resident"), _headline(out, "north", "Grant £ per resident")
    assert old_fig != new_fig and f": {old_fig} -> {new_fig} (" in text
    # a table cell, with values read here from the two CSVs: North's residents in the grant table
    old_pop = next(r["population"] for r in _rows(first_build / "tables" / "north" / "grants_by_locality.csv") if r["locality"] == "North")
    new_pop = next(r["population"] for r in _rows(out / "tables" / "north" / "grants_by_locality.csv") if r["locality"] == "North")
    assert old_pop != new_pop
    assert re.search(rf"Locality North: Residents[^\n]* {re.escape(old_pop)} -> {re.escape(new_pop)} \({re.escape(f'{float(new_pop) - float(old_pop):+,.0f}')}\)", text), text

    # the build wrote changes.html and linked it from the index
    page = (out / CHANGES_PAGE).read_text(encoding="utf-8")
    assert "grants.population_year" in page and "<dt>Before</dt><dd>the build of 14 November 2023" in page
    assert '<p class="changes-link" id="changes-link"><a href="changes.html">What changed since the build of 14 November 2023</a>' in (
        out / "index.html"
    ).read_text(encoding="utf-8")
    assert str(tmp_path) not in page  # no machine paths in a published file

    # the same inputs again: the folder is byte-identical (the previous build and its page carried over)
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file() and p.name != "build-timings.json"}
    _build(out, monkeypatch, [north_only[1]], epoch=EPOCH_B)
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file() and p.name != "build-timings.json"}
    assert sorted(map(str, after)) == sorted(map(str, before)), (set(after) ^ set(before))
    assert [k for k in before if before[k] != after[k]] == []


@pytest.mark.slow
def test_a_changed_data_file_is_reported(
    first_build: Path, north_only: tuple[Path, Path], project_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # one North neighbourhood gets 100 more residents aged 60+ at mid-2022, the latest population year
    # (a made-up edit of a copy of the real IoD2025 File 7 rows)
    lookup = {r["LSOA21CD"]: r["locality"] for r in _rows(RAW / "lsoa21_ward_lookup_walsall.csv")}
    path = project_copy / "data" / "raw" / "imd2025_file7_walsall.csv"
    old_sha = hashlib.sha256(path.read_bytes()).hexdigest()
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        fields, rows = list(reader.fieldnames or []), list(reader)
    target = next(r for r in rows if lookup[r["LSOA code (2021)"]] == "North")
    for col in ("Total population: mid 2022", "Older population aged 60 and over: mid 2022"):
        target[col] = str(int(target[col]) + 100)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    new_sha = hashlib.sha256(path.read_bytes()).hexdigest()
    sums = project_copy / "data" / "checksums.sha256"
    sums.write_text(sums.read_text(encoding="utf-8").replace(old_sha, new_sha), encoding="utf-8")

    out = tmp_path / "edited"
    _build(out, monkeypatch, [north_only[0]], project=project_copy)
    capsys.readouterr()
    assert main(["diff", "--no-page", str(first_build), str(out)]) == 0
    text = capsys.readouterr().out
    assert f"  imd2025_file7_walsall.csv: {old_sha[:12]}… -> {new_sha[:12]}…" in text
    label = "Residents (mid-2022 ONS estimates, as IoD2025 used them)"
    old_res = _headline(first_build, "north", label)
    new_res = f"{int(old_res.replace(',', '')) + 100:,}"
    assert _headline(out, "north", label) == new_res
    assert f"{label}: {old_res} -> {new_res} (+100)" in text
    assert "Parameters" not in text  # only the data changed
