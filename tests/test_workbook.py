"""Each pack's tables as one accessible workbook (``<pack>.xlsx``), following the Government Analysis
Function's guidance for releasing statistics in spreadsheets: a cover, a contents sheet, one table
per sheet with its title in A1, registry labels as headers, numbers stored as numbers, text never
a formula, no merged cells, no blank rows inside a table, the same bytes for the same inputs.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from reviewpack.present.workbook import WorkbookInfo, workbook

PACKS = ["borough", "north", "south", "east", "west"]

INFO = WorkbookInfo(
    pack="north", title="North Locality", la_name="Walsall", vintages="IoD 2025", attribution="Contains OGL data.",
    build_date="14 November 2023", when=datetime(2023, 11, 14), version="0.1.0", commit="abc123",
)

# A made-up table (not data): text that looks like formulas, a negative number, a missing value, a boolean.
CSV_TEXT = (
    "name,count,share_pct,estimated\n"
    "'=HYPERLINK(\"http://example.invalid\"),12,-3.5,True\n"
    "'+SUM(1;2),1500,,False\n"
    "'@cmd,0,100.0,False\n"
    "'-minus text,7,2.25,True\n"
    "plain,8,1.0,False\n"
)
SCHEMA = {
    "fields": [
        {"name": "name", "title": "Name", "type": "string"},
        {"name": "count", "title": "Residents", "type": "integer", "unit": "persons"},
        {"name": "share_pct", "title": "Share (%)", "type": "number", "unit": "percent"},
        {"name": "estimated", "title": "Estimated", "type": "boolean", "trueValues": ["True"], "falseValues": ["False"]},
    ],
    "missingValues": [""],
}
PACKAGE = {"resources": [{"name": "made_up", "title": "A made-up table for the test", "schema": SCHEMA}]}


def _load(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def _header_row(ws, headers: list[str]) -> int:
    for row in ws.iter_rows(min_row=1, max_row=12):
        if [c.value for c in row[: len(headers)]] == headers:
            return row[0].row
    raise AssertionError(f"{ws.title}: no header row {headers}")


# ---------------------------------------------------------------------------
# the module, on a made-up table


def test_layout_cover_contents_columns_then_one_table_per_sheet() -> None:
    wb = _load(workbook({"made_up": CSV_TEXT}, PACKAGE, INFO))
    assert wb.sheetnames == ["Cover", "Contents", "Columns", "Table_1"]
    cover = wb["Cover"]
    assert cover["A1"].value == "North Locality: the tables of the Walsall scrutiny review pack"
    cover_text = [c.value for (c,) in cover.iter_rows(max_col=1)]
    assert None not in cover_text, "a blank row on the cover"
    assert {"Source", "Where these tables came from", "Notes", "Contains OGL data."} <= set(cover_text)
    assert "Published on 14 November 2023 by reviewpack 0.1.0 from git commit abc123." in cover_text
    assert any("[x] in a cell means there is no value" in t for t in cover_text)
    table = wb["Table_1"]
    assert table["A1"].value == "A made-up table for the test"
    assert table["A2"].value == "This worksheet contains one table, with the same figures as the CSV file tables/north/made_up.csv."
    contents = wb["Contents"]
    row = _header_row(contents, ["Worksheet", "Table title", "Same figures as"])
    assert [c.value for c in contents[row + 2]] == ["Table_1", "A made-up table for the test", "tables/north/made_up.csv"]
    link = contents.cell(row=row + 2, column=1).hyperlink
    assert link.location == "'Table_1'!A1" and not link.target, "the contents must link inside the workbook only"
    columns = wb["Columns"]
    row = _header_row(columns, ["Worksheet", "Column header", "Column name in the CSV file", "Type", "Unit", "Description"])
    assert [c.value for c in columns[row + 2]][:5] == ["Table_1", "Residents", "count", "whole number", "persons"]


def test_values_are_typed_by_the_schema_and_text_is_never_a_formula() -> None:
    data = workbook({"made_up": CSV_TEXT}, PACKAGE, INFO)
    ws = _load(data)["Table_1"]
    top = _header_row(ws, ["Name", "Residents", "Share (%)", "Estimated"])
    rows = [list(r) for r in ws.iter_rows(min_row=top + 1, max_row=top + 5)]
    names = [r[0] for r in rows]
    assert [c.value for c in names] == ['=HYPERLINK("http://example.invalid")', "+SUM(1;2)", "@cmd", "-minus text", "plain"]
    assert all(c.data_type == "s" for c in names)
    assert [c.quotePrefix for c in names] == [True, True, True, True, False]
    assert [(r[1].value, r[1].data_type) for r in rows] == [(12, "n"), (1500, "n"), (0, "n"), (7, "n"), (8, "n")]
    assert rows[0][2].value == -3.5 and rows[0][2].data_type == "n"
    assert rows[1][2].value == "[x]" and rows[1][2].data_type == "s"  # missing, said in words on the cover
    assert [r[3].value for r in rows] == [True, False, False, True, False]
    assert rows[1][1].number_format == "#,##0"
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheets = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/")]
    assert sheets and not any("<f>" in s or "<f " in s for s in sheets), "a formula was written"


def test_same_inputs_same_bytes_and_the_date_is_the_build_date() -> None:
    one = workbook({"made_up": CSV_TEXT}, PACKAGE, INFO)
    assert workbook({"made_up": CSV_TEXT}, PACKAGE, INFO) == one
    with zipfile.ZipFile(io.BytesIO(one)) as z:
        assert {i.date_time for i in z.infolist()} == {(2023, 11, 14, 0, 0, 0)}
        core = z.read("docProps/core.xml").decode()
    assert "2023-11-14T00:00:00Z" in core and "openpyxl" not in core
    later = WorkbookInfo(**{**INFO.__dict__, "when": datetime(2024, 1, 2), "build_date": "2 January 2024"})
    assert workbook({"made_up": CSV_TEXT}, PACKAGE, later) != one


def test_the_csv_guard_is_undone_exactly() -> None:
    """The workbook stores text as text, so the CSV's ' before a formula-like text is taken off -- and nothing else."""
    from reviewpack.present.tables import neutralise_csv_cell
    from reviewpack.present.workbook import _from_csv

    for original in ("=1+2", "+SUM(1,2)", "-2+3", "@cmd", "\t=1", "-", "'already", "-1500", "+3", "plain", "", "'"):
        guarded = neutralise_csv_cell(original)
        assert _from_csv(guarded) == original, original
    assert _from_csv("'-12.5") == "'-12.5"  # a guard the CSV never adds to a number is kept
    # text that itself begins with ' and a formula character reads as a spreadsheet shows that CSV cell: without the '
    assert _from_csv("'=x") == "=x"


def test_a_csv_that_disagrees_with_its_schema_is_refused() -> None:
    with pytest.raises(ValueError, match=r"Table 'made_up' of pack 'north', row 2 of the CSV, column 'count': 'many' is not a integer"):
        workbook({"made_up": CSV_TEXT.replace("'=HYPERLINK(\"http://example.invalid\"),12", "x,many")}, PACKAGE, INFO)
    with pytest.raises(ValueError, match=r"the CSV's columns \['name', 'count'\] differ from its schema's"):
        workbook({"made_up": "name,count\nx,1\n"}, PACKAGE, INFO)


def test_control_characters_and_illustrative_packs() -> None:
    info = WorkbookInfo(**{**INFO.__dict__, "title": "North\x07 Locality", "illustrative": True})
    wb = _load(workbook({"made_up": CSV_TEXT}, PACKAGE, info))
    assert wb["Cover"]["A1"].value.startswith("North\ufffd Locality")
    assert wb["Cover"]["A2"].value.startswith("ILLUSTRATIVE — not real grants.")
    assert wb["Table_1"]["A2"].value.startswith("ILLUSTRATIVE — not real grants.")


# ---------------------------------------------------------------------------
# the real packs


def _csv_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [r for r in csv.reader(fh) if r]


@pytest.mark.slow
@pytest.mark.parametrize("pack", PACKS)
def test_every_pack_has_a_workbook_with_every_table(built_reports: Path, pack: str) -> None:
    path = built_reports / f"{pack}.xlsx"
    manifest = json.loads((built_reports / "manifest.json").read_text(encoding="utf-8"))
    entry = manifest["packs"][pack]
    assert entry["xlsx"] == f"{pack}.xlsx"
    import hashlib

    assert entry["xlsx_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    descriptor = json.loads((built_reports / "tables" / pack / "datapackage.json").read_text(encoding="utf-8"))
    wb = openpyxl.load_workbook(path)
    names = wb.sheetnames
    assert names[:3] == ["Cover", "Contents", "Columns"]
    assert names[3:] == [f"Table_{i}" for i in range(1, len(descriptor["resources"]) + 1)]
    assert len(set(names)) == len(names) and all(len(n) <= 31 for n in names)
    numbers = 0
    for ws, res in zip(wb.worksheets[3:], descriptor["resources"]):
        assert not ws.merged_cells.ranges, f"{ws.title}: merged cells"
        assert ws["A1"].value == res["title"], f"{ws.title}: A1 is not the table's title"
        fields = res["schema"]["fields"]
        headers = [f["title"] for f in fields]
        top = _header_row(ws, headers)
        rows = _csv_rows(built_reports / "tables" / pack / res["path"])
        assert rows[0] == [f["name"] for f in fields]
        body = list(ws.iter_rows(min_row=top + 1, max_row=ws.max_row, max_col=len(fields)))
        assert len(body) == len(rows) - 1, f"{ws.title}: {len(body)} rows, the CSV has {len(rows) - 1}"
        for cells, values in zip(body, rows[1:]):
            assert any(c.value is not None for c in cells), f"{ws.title}: a blank row inside the table"
            for cell, text, field in zip(cells, values, fields):
                if text == "":
                    assert cell.value == "[x]"
                elif field["type"] in ("integer", "number"):
                    assert cell.data_type == "n" and cell.value == pytest.approx(float(text)), (ws.title, cell.coordinate, text)
                    numbers += 1
                elif field["type"] == "boolean":
                    assert cell.value is (text == "True")
                else:
                    assert cell.data_type == "s" and cell.value == re.sub(r"^'(?=[=+\-@])", "", text)
        assert ws.max_row == top + len(rows) - 1, f"{ws.title}: something below the table"
    assert numbers > 500


@pytest.mark.slow
def test_headers_are_the_registry_labels(built_reports: Path) -> None:
    wb = openpyxl.load_workbook(built_reports / "north.xlsx")
    contents = {r[1]: r[0] for r in wb["Contents"].iter_rows(min_row=4, values_only=True)}
    ws = wb[contents["Residents by locality, age band and year"]]
    top = _header_row(ws, ["Year", "Locality", "Age band", "Residents", "Share of Walsall (%)", "Estimated"])
    assert [c.value for c in ws[top + 1]] == [2012, "East", "all", 88184, 32.5, False]
    grants = wb[contents["Grants by locality: count, £, £ per resident and shares"]]
    header = [c.value for c in grants[_header_row(grants, ["Locality"])]]
    assert "Residents (mid-2015)" in header


@pytest.mark.slow
def test_pages_and_index_link_the_workbook(built_reports: Path) -> None:
    page = (built_reports / "north.html").read_text(encoding="utf-8")
    assert '<a href="north.xlsx">Tables as a spreadsheet (XLSX)</a>' in page
    assert "north.pdf" not in page, "a build without --pdf links no PDF"
    index = (built_reports / "index.html").read_text(encoding="utf-8")
    for pack in PACKS:
        assert f'<a href="{pack}.xlsx">Tables as a spreadsheet (XLSX)</a>' in index
    assert not list(built_reports.glob("*.pdf"))


def test_many_workbooks_in_worker_processes_give_the_same_bytes() -> None:
    from reviewpack.errors import BuildError
    from reviewpack.pipeline.exports import PARALLEL_WORKBOOKS, workbooks

    jobs = {f"pack{i}": ({"made_up": CSV_TEXT}, PACKAGE, WorkbookInfo(**{**INFO.__dict__, "pack": f"pack{i}"})) for i in range(PARALLEL_WORKBOOKS)}
    parallel = workbooks(jobs, workers=2)
    assert parallel == workbooks(jobs, workers=1)
    assert len(set(parallel.values())) == PARALLEL_WORKBOOKS  # each names its own pack
    jobs["pack3"] = ({"made_up": "name,count\nx,1\n"}, PACKAGE, INFO)
    with pytest.raises(BuildError, match=r"^Pack 'pack3': its workbook pack3.xlsx cannot be written: Table 'made_up'"):
        workbooks(jobs, workers=2)
