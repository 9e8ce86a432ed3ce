"""Geography: every LSOA in exactly one area; ward counts as in the 2017 Cabinet report."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import RAW

from reviewpack.analysis.sections import Pack
from reviewpack.errors import DataFileError, ReconciliationError
from reviewpack.ingest import geography


def test_ward_counts_per_locality(borough: Pack) -> None:
    counts = borough.inputs.wards.groupby("area").size().to_dict()
    assert counts == {"East": 7, "North": 4, "South": 4, "West": 5}
    assert len(borough.inputs.wards) == 20


@pytest.mark.parametrize("attr, n", [("areas11", 167), ("areas21", 169)])
def test_every_lsoa_in_exactly_one_area(borough: Pack, attr: str, n: int) -> None:
    areas = getattr(borough.inputs, attr)
    assert len(areas) == n
    assert areas["lsoa_code"].is_unique
    assert areas["area"].notna().all()
    assert set(areas["area"]) == {"East", "North", "South", "West"}
    assert geography.check_one_area_per_lsoa(areas) == {"lsoas": n, "areas": 4}


def test_lsoa_localities_agree_with_source_lookup(borough: Pack) -> None:
    # the staged lookups carry a locality column added independently (SOURCES.md §4, §10)
    for attr, path, code in (("areas11", "lsoa11_ward_lookup_walsall.csv", "LSOA11CD"), ("areas21", "lsoa21_ward_lookup_walsall.csv", "LSOA21CD")):
        src = pd.read_csv(RAW / path).set_index(code)["locality"]
        ours = getattr(borough.inputs, attr).set_index("lsoa_code")["area"]
        assert ours.sort_index().equals(src.sort_index().rename("area"))


def test_area_partnership_grouping(root: Path) -> None:
    wards = geography.load_ward_areas(RAW / "walsall_ward_locality.csv", "area_partnership")
    assert sorted(wards["area"].unique()) == ["1", "2", "3", "4", "5", "6"]
    # localities are unions of area partnerships: East = 1+2, North = 3, South = 4, West = 5+6
    pairs = wards.groupby("area")["locality"].unique().apply(list).to_dict()
    assert pairs == {"1": ["East"], "2": ["East"], "3": ["North"], "4": ["South"], "5": ["West"], "6": ["West"]}


def test_england_lookup_filtered_to_one_authority() -> None:
    lk = geography.load_lsoa_lookup(RAW / "lsoa11_ward19_lad19_lookup_england.csv.gz", "E08000030")
    assert len(lk) == 167
    assert set(lk.columns) == {"lsoa_code", "ward_code", "lsoa_name", "ward_name", "la_code"}
    assert lk["ward_code"].nunique() == 20


def test_lsoa_in_unmapped_ward_is_refused(tmp_path: Path) -> None:
    wards = pd.read_csv(RAW / "walsall_ward_locality.csv")
    wards = wards[wards["ward_code"] != "E05001301"]
    f = tmp_path / "wards.csv"
    wards.to_csv(f, index=False)
    w = geography.load_ward_areas(f, "locality")
    lk = geography.load_lsoa_lookup(RAW / "lsoa11_ward_lookup_walsall.csv")
    with pytest.raises(ReconciliationError, match=r"LSOA\(s\) are in ward\(s\) E05001301, which the ward-to-area mapping does not list"):
        geography.lsoa_areas(lk, w)


def test_duplicate_ward_in_mapping_is_refused(tmp_path: Path) -> None:
    wards = pd.read_csv(RAW / "walsall_ward_locality.csv")
    f = tmp_path / "wards.csv"
    pd.concat([wards, wards.iloc[[0]]]).to_csv(f, index=False)
    with pytest.raises(DataFileError, match=r"lists ward\(s\) E05001301 more than once"):
        geography.load_ward_areas(f, "locality")


def test_ward_without_area_is_refused(tmp_path: Path) -> None:
    wards = pd.read_csv(RAW / "walsall_ward_locality.csv")
    wards.loc[3, "locality"] = None
    f = tmp_path / "wards.csv"
    wards.to_csv(f, index=False)
    with pytest.raises(DataFileError, match=r"column 'locality': ward\(s\) E05001304 \(row\(s\) 5\) have no area"):
        geography.load_ward_areas(f, "locality")
