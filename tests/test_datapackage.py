"""Every pack publishes a Frictionless Data Package describing each of its CSVs, and it validates."""

from __future__ import annotations

import csv
import json

import pytest
from frictionless import Package

pytestmark = pytest.mark.slow

PACKS = ["borough", "north", "south", "east", "west"]


@pytest.mark.parametrize("pack", PACKS)
def test_datapackage_describes_every_csv_and_validates(built_reports, pack):
    folder = built_reports / "tables" / pack
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    csvs = sorted(p.name for p in folder.glob("*.csv"))
    assert sorted(r["path"] for r in descriptor["resources"]) == csvs
    for res in descriptor["resources"]:
        with (folder / res["path"]).open(encoding="utf-8", newline="") as f:
            header = next(csv.reader(f))
        assert [fld["name"] for fld in res["schema"]["fields"]] == header, res["name"]
        assert res["title"], f"{res['name']} has no title (its caption)"
        assert all(fld.get("title") and fld.get("description") for fld in res["schema"]["fields"]), res["name"]
    report = Package(str(folder / "datapackage.json")).validate()
    assert report.valid, [e.message for task in report.tasks for e in task.errors][:5]


def test_units_and_labels_a_reader_needs(built_reports):
    descriptor = json.loads((built_reports / "tables" / "north" / "datapackage.json").read_text(encoding="utf-8"))
    res = {r["name"]: r for r in descriptor["resources"]}
    fields = {f["name"]: f for f in res["population_by_locality"]["schema"]["fields"]}
    assert fields["share_of_borough_pct"] == fields["share_of_borough_pct"] | {"title": "Share of Walsall (%)", "unit": "percent", "type": "number"}
    assert fields["year"]["type"] == "integer"
    grants = {f["name"]: f for f in res["grants_by_locality"]["schema"]["fields"]}
    assert grants["population"]["title"] == "Residents (mid-2015)"
    assert grants["amount_awarded_gbp"]["unit"] == "GBP"
    assert res["population_by_locality"]["title"] == "Residents by locality, age band and year"


def test_a_wrong_value_fails_validation(built_reports, tmp_path):
    """The schema really constrains the files: a year that is not an integer is an error."""
    import shutil

    folder = tmp_path / "north"
    shutil.copytree(built_reports / "tables" / "north", folder)
    path = folder / "population_by_locality.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[1] = "twenty" + lines[1][lines[1].index(","):]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = Package(str(folder / "datapackage.json")).validate()
    assert not report.valid
