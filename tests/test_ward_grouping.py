"""`--grouping ward`: a pack per ward of the configured LSOA -> ward lookup, with no hand-made file.

Each ward pack names its ward boundary vintage, read from the lookup's column names; the ward
packs add up to the borough; the area partnership budget still counts area partnerships.
"""

from __future__ import annotations

import csv
import html
import json
import re
from pathlib import Path

import pytest
from conftest import RAW, ROOT

from reviewpack.analysis.sections import Pack
from reviewpack.cli import main
from reviewpack.config import grouping_pack_params, load_pack_params, slug
from reviewpack.config.wards import lookup_wards, ward_area_names, ward_vintage
from reviewpack.errors import DataFileError
from reviewpack.ingest.inputs import PackInputs
from reviewpack.pipeline.plan import plan_build

WARDS_LINE = "2024 boundaries (ONS WD24); data on 2011 LSOAs placed in wards by the ONS 2019 lookup (WD19)"


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def lookup_names() -> dict[str, str]:
    """``{WD24CD: WD24NM}`` of Walsall, read here from the configured LSOA 2021 lookup."""
    return {r["WD24CD"]: r["WD24NM"] for r in _rows(RAW / "lsoa21_ward_lookup_walsall.csv") if r["LAD24CD"] == "E08000030"}


def test_the_wards_and_their_vintage_come_from_the_lookup(lookup_names: dict[str, str]) -> None:
    vintage, wards = lookup_wards(ROOT, load_pack_params(ROOT, "borough"))
    assert (vintage.year, vintage.code, vintage.parameter) == (2024, "WD24", "geography.lsoa21_ward_lookup")
    assert len(lookup_names) == 20
    assert wards == dict(sorted(lookup_names.items()))


def test_ward_names_shared_by_two_wards_get_their_codes() -> None:
    assert ward_area_names({"E05000002": "Central", "E05000001": "Central", "E05000003": "Park"}) == {
        "E05000001": "Central (E05000001)", "E05000002": "Central (E05000002)", "E05000003": "Park",
    }


def test_the_vintage_is_read_from_the_column_name_not_assumed(tmp_path: Path) -> None:
    params = load_pack_params(ROOT, "borough")
    rel = tmp_path / "lookup.csv"
    rel.write_text("LSOA11CD,WD19CD,WD19NM\nE01000001,E05000001,Somewhere\n", encoding="utf-8")
    v = ward_vintage(ROOT, params, "geography.lsoa11_ward_lookup", str(rel))
    assert (v.year, v.code, v.column) == (2019, "WD19", "WD19CD")
    rel.write_text("LSOA11CD,WARD_CODE\nE01000001,E05000001\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"should have exactly one ward code column in the ONS style WDyyCD \(yy = the boundary year, e\.g\. WD24CD\); found none"):
        ward_vintage(ROOT, params, "geography.lsoa11_ward_lookup", str(rel))


def test_pack_names_are_safe_slugs() -> None:
    assert slug("St Matthew's") == "st-matthews"
    assert slug("Brownhills, Pelsall, Rushall & Shelfield") == "brownhills-pelsall-rushall-shelfield"


def test_the_ward_plan_has_the_borough_and_a_pack_per_ward(root: Path, lookup_names: dict[str, str]) -> None:
    plan = plan_build(root, grouping="ward")
    assert plan.out_dir == root / "reports" / "ward"
    names = list(plan.packs)
    assert names[0] == "borough" and len(names) == 21
    assert [p.area for p in list(plan.packs.values())[1:]] == sorted(lookup_names.values())
    assert "st-matthews" in names and all(re.fullmatch(r"[a-z0-9][a-z0-9-]*", n) for n in names)
    for p in plan.packs.values():
        assert p.geography.ward_area_mapping is None and p.geography.grouping == "ward" and p.geography.grouping_label == "Ward"
    assert plan.packs["pelsall"].title == "Pelsall Ward"
    # the title block's Wards line names the boundary vintage of both lookups, read from their columns
    assert plan.page["wards"] == WARDS_LINE
    # a locality build's areas come from a mapping file: no Wards line
    assert plan_build(root, packs=["north"]).page["wards"] == ""


def test_list_grouping_ward(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--project", str(ROOT), "list", "--grouping", "ward"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 21 and lines[0].startswith("borough ")
    assert any(re.match(r"st-matthews +St Matthew's Ward  \(Ward 'St Matthew's'\)$", line) for line in lines), lines


def test_area_partnership_budget_still_counts_area_partnerships() -> None:
    """With wards as areas the ward table keeps each grouping option's area (the budget counts partnerships)."""
    partnerships = {r["area_partnership_name"] for r in _rows(RAW / "walsall_ward_locality.csv")}
    params = grouping_pack_params(ROOT, "ward")["pelsall"]
    pack = Pack(PackInputs(ROOT, params))
    wards = pack.inputs.wards
    assert len(wards) == 20 and set(wards["ward"]) == set(wards["ward_name"])
    assert set(wards["area_partnership"]) == partnerships and set(wards["locality"]) == {"North", "South", "East", "West"}
    assert pack.grants is not None
    assert pack.grants.allocation_budget() == 40000 * len(partnerships) == 240000


@pytest.mark.slow
def test_ward_build_gives_20_packs_that_add_up_to_the_borough(tmp_path: Path, lookup_names: dict[str, str]) -> None:
    out = tmp_path / "ward"
    assert main(["--project", str(ROOT), "build", "--grouping", "ward", "--no-cache", "--out", str(out)]) == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    wards = [p for p in manifest["pack_order"] if p != "borough"]
    assert len(wards) == 20 and manifest["pack_order"][0] == "borough"

    # residents per ward, computed here: the latest year, IoD2025 File 7's mid-2022 residents by LSOA, placed by the lookup
    ward_of = {r["LSOA21CD"]: r["WD24NM"] for r in _rows(RAW / "lsoa21_ward_lookup_walsall.csv")}
    residents: dict[str, int] = {}
    for r in _rows(RAW / "imd2025_file7_walsall.csv"):
        ward = ward_of[r["LSOA code (2021)"]]
        residents[ward] = residents.get(ward, 0) + int(r["Total population: mid 2022"])
    assert sum(residents.values()) == 286218

    def headline(pack: str) -> int:
        figures = dict(manifest["packs"][pack]["headlines"])
        return int(figures["Residents (mid-2022 ONS estimates, as IoD2025 used them)"].replace(",", ""))

    by_pack = {manifest["packs"][p]["params"]["area"]: headline(p) for p in wards}
    assert by_pack == residents
    assert sum(by_pack.values()) == headline("borough") == 286218

    index = (out / "index.html").read_text(encoding="utf-8")
    for p in wards:
        page = (out / f"{p}.html").read_text(encoding="utf-8")
        assert f"<dt>Wards</dt><dd>{html.escape(WARDS_LINE)}</dd>" in page, p
        assert f'<a href="{p}.html">' in index
    assert f"<dt>Wards</dt><dd>{html.escape(WARDS_LINE)}</dd>" in index
    # the borough overview compares the wards
    table = _rows(out / "tables" / "borough" / "population_by_ward.csv")
    assert {r["ward"] for r in table} == set(lookup_names.values())
