"""Boundary options: groupings validate, add up to the borough, and nest as the Cabinet report says."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import RAW

from reviewpack.analysis import groupings
from reviewpack.analysis.sections import Pack
from reviewpack.config.selections import grouping_pack_params, slug
from reviewpack.errors import DataFileError, ParameterError
from reviewpack.ingest import groupings as grouping_files
from reviewpack.ingest.inputs import PackInputs
from reviewpack.present.narrative.options import balance_sentences

WARDS = sorted(pd.read_csv(RAW / "walsall_ward_locality.csv")["ward_code"])


@pytest.fixture(scope="module")
def comparison(borough: Pack) -> tuple[pd.DataFrame, pd.DataFrame]:
    options = borough.options
    assert options is not None
    return options.comparison(), options.balance()


def test_contract_columns(comparison) -> None:
    table, _ = comparison
    assert list(table.columns) == [
        "grouping", "area", "wards", "population", "share_of_population_pct", "share_of_most_deprived_quintile_pct", "demand_index",
    ]
    assert set(table["grouping"]) == {"locality", "area_partnership"}


def test_each_grouping_adds_up_to_the_borough(comparison) -> None:
    table, _ = comparison
    for _, g in table.groupby("grouping"):
        assert g["wards"].sum() == 20
        assert g["population"].sum() == 284_106  # Census 2021, the latest edition's base
        for col in ("share_of_population_pct", "share_of_most_deprived_quintile_pct", "demand_index"):
            assert g[col].sum() == pytest.approx(100)


def test_area_partnerships_aggregate_exactly_to_localities(comparison) -> None:
    table, _ = comparison
    ap = table[table["grouping"] == "area_partnership"].set_index("area")
    loc = table[table["grouping"] == "locality"].set_index("area")
    nesting = {
        "East": ["Brownhills, Pelsall, Rushall & Shelfield", "Aldridge & Beacon"],  # AP 1 + AP 2
        "North": ["North Walsall"],  # AP 3
        "South": ["Walsall South"],  # AP 4
        "West": ["Darlaston & Bentley", "Willenhall & Short Heath"],  # AP 5 + AP 6
    }
    for locality, aps in nesting.items():
        for col in ("wards", "population", "share_of_population_pct", "share_of_most_deprived_quintile_pct", "demand_index"):
            assert ap.loc[aps, col].sum() == pytest.approx(loc.loc[locality, col])


def test_localities_are_more_balanced_than_area_partnerships(comparison) -> None:
    # the 2017 Cabinet report's claim, tested on Census 2021 and IoD 2025
    _, balance = comparison
    b = balance.set_index("grouping")
    assert b.loc["locality", "population_cv_pct"] < b.loc["area_partnership", "population_cv_pct"]
    assert b.loc["locality", "demand_cv_pct"] < b.loc["area_partnership", "demand_cv_pct"]
    sentences = balance_sentences(balance, {"locality": "Locality", "area_partnership": "Area Partnership"})
    assert sentences[0].startswith("Population is most evenly spread across the Locality areas")


def test_demand_index_by_hand() -> None:
    frame = pd.DataFrame({
        "lsoa_code": ["a", "b"], "ward_code": ["w1", "w2"], "quintile": [1, 5],
        "all": [100, 100], "0-15": [20, 10], "16-64": [60, 80], "65+": [20, 10],
    })
    g = grouping_files.Grouping("g", "G", pd.DataFrame({"ward_code": ["w1", "w2"], "area": ["A", "B"]}))
    out = groupings.compare(frame, g, 2.0, {1: 1.5, 5: 1.0}).set_index("area")
    a, b = (60 + 2 * 40) * 1.5, (80 + 2 * 20) * 1.0  # 210 and 120
    assert out.loc["A", "demand_index"] == pytest.approx(100 * a / (a + b))
    assert out.loc["A", "share_of_most_deprived_quintile_pct"] == 100
    with pytest.raises(ParameterError, match=r"no weight for quintile\(s\) \[5\]"):
        groupings.compare(frame, g, 2.0, {1: 1.5})


def test_dissimilarity_by_hand() -> None:
    assert groupings.dissimilarity(pd.Series([50.0, 50.0, 0.0]), pd.Series([20.0, 30.0, 50.0])) == pytest.approx(50.0)


@pytest.mark.parametrize(
    "edit, fragment",
    [
        (lambda t: t[t["ward_code"] != "E05001301"], "ward(s) of the borough missing: E05001301"),
        (lambda t: pd.concat([t, t.iloc[[2]]]), "ward(s) listed more than once: E05001303"),
        (lambda t: pd.concat([t, pd.DataFrame({"ward_code": ["E05009999"], "locality": ["East"]})]), "ward(s) not in the borough: E05009999"),
    ],
)
def test_bad_grouping_is_refused_with_the_wards_listed(tmp_path: Path, edit, fragment: str) -> None:
    t = pd.read_csv(RAW / "walsall_ward_locality.csv")[["ward_code", "locality"]]
    f = tmp_path / "mine.csv"
    edit(t).to_csv(f, index=False)
    with pytest.raises(DataFileError) as exc:
        grouping_files.load_grouping(f, "locality", "mine", "Mine", WARDS)
    assert fragment in str(exc.value) and "mine.csv" in str(exc.value)


def test_grouping_packs(root: Path) -> None:
    packs = grouping_pack_params(root, "area_partnership")
    assert list(packs)[0] == "borough" and len(packs) == 7
    assert packs["north-walsall"].area == "North Walsall"
    assert packs["north-walsall"].geography.grouping == "area_partnership"
    assert packs["borough"].packs == list(packs)
    with pytest.raises(ParameterError, match=r"Unknown grouping 'wards'\. Valid groupings \(groupings.options in params\): locality, area_partnership; "
                       r"built in: ward \(every ward its own area\)\."):
        grouping_pack_params(root, "wards")
    assert slug("Brownhills, Pelsall, Rushall & Shelfield") == "brownhills-pelsall-rushall-shelfield"


def test_area_partnership_pack_data(root: Path) -> None:
    p = grouping_pack_params(root, "area_partnership")["walsall-south"]
    data = Pack(PackInputs(root, p))
    table = data.population.table()
    assert "area_partnership" in table.columns
    census = table[(table["year"] == 2021) & (table["age_band"] == "all")].set_index("area_partnership")["population"]
    assert census["Walsall South"] == 61_992  # = South locality (AP 4)
    assert census.sum() == 284_106
