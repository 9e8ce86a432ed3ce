"""Population figures against independent sums of the raw files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import RAW

from reviewpack.analysis import population
from reviewpack.analysis.sections import Pack
from reviewpack.errors import DataFileError
from reviewpack.ingest import population as population_files

# Published / documented totals (data/raw/SOURCES.md §1, §3, §11)
WALSALL_TOTALS = {2012: 270_924, 2017: 281_293, 2019: 285_478, 2020: 286_716, 2021: 284_106}
CENSUS_BY_LOCALITY = {"North": 59_825, "South": 61_992, "East": 89_080, "West": 73_209}


@pytest.fixture(scope="module")
def table(borough: Pack) -> pd.DataFrame:
    return borough.population.table()


def test_contract_columns_and_bands(table: pd.DataFrame) -> None:
    assert list(table.columns) == ["year", "locality", "age_band", "population", "share_of_borough_pct", "estimated"]
    assert set(table["age_band"]) == {"all", "0-15", "16-64", "65+"}
    assert sorted(table["year"].unique()) == [2012, 2014, 2015, 2017, 2019, 2020, 2021]
    # every locality for every year
    assert (table[table["age_band"] == "all"].groupby("year")["locality"].nunique() == 4).all()
    # the IoD denominator years have no 16-64/65+ split, and none is invented
    for year in (2012, 2014, 2015):
        assert set(table.loc[table["year"] == year, "age_band"]) == {"all", "0-15"}


@pytest.mark.parametrize("year, total", sorted(WALSALL_TOTALS.items()))
def test_borough_totals_match_sources(table: pd.DataFrame, year: int, total: int) -> None:
    got = table[(table["year"] == year) & (table["age_band"] == "all")]["population"].sum()
    assert got == total


def test_census_2021_by_locality(table: pd.DataFrame) -> None:
    got = table[(table["year"] == 2021) & (table["age_band"] == "all")].set_index("locality")["population"].to_dict()
    assert got == CENSUS_BY_LOCALITY
    raw = pd.read_csv(RAW / "census2021_lsoa21_walsall_age6.csv")
    assert raw.groupby("locality")["total_usual_residents"].sum().to_dict() == CENSUS_BY_LOCALITY


def test_bands_against_independent_sum_of_single_years(table: pd.DataFrame) -> None:
    syoa = pd.read_csv(RAW / "population_lsoa_walsall_syoa_mid2017_2019_2020.csv")
    lk = pd.read_csv(RAW / "lsoa11_ward_lookup_walsall.csv").set_index("LSOA11CD")["locality"]
    syoa["locality"] = syoa["lsoa11_code"].map(lk)
    ages_65 = [str(a) for a in range(65, 90)] + ["90+"]
    kids = [str(a) for a in range(16)]
    for year in (2017, 2019, 2020):
        sub = syoa[syoa["mid_year"] == year]
        expect_old = sub.groupby("locality")[ages_65].sum().sum(axis=1).to_dict()
        expect_kids = sub.groupby("locality")[kids].sum().sum(axis=1).to_dict()
        t = table[table["year"] == year]
        assert t[t["age_band"] == "65+"].set_index("locality")["population"].to_dict() == expect_old
        assert t[t["age_band"] == "0-15"].set_index("locality")["population"].to_dict() == expect_kids


def test_2014_is_interpolated_and_flagged(borough: Pack, table: pd.DataFrame) -> None:
    panel = pd.read_csv(RAW / "population_lsoa_walsall_broadage_panel.csv")
    lk = pd.read_csv(RAW / "lsoa11_ward_lookup_walsall.csv").set_index("LSOA11CD")["locality"]
    panel["locality"] = panel["lsoa11_code"].map(lk)
    p = panel.groupby(["mid_year", "locality"])["total_population"].sum()
    for loc in CENSUS_BY_LOCALITY:
        expected = p[(2012, loc)] + (p[(2015, loc)] - p[(2012, loc)]) * 2 / 3
        row = table[(table["year"] == 2014) & (table["locality"] == loc) & (table["age_band"] == "all")].iloc[0]
        assert row["population"] == round(expected)
        assert bool(row["estimated"]) is True
    assert not table.loc[table["year"] != 2014, "estimated"].any()


def test_shares_sum_to_100(table: pd.DataFrame) -> None:
    sums = table.groupby(["year", "age_band"])["share_of_borough_pct"].sum()
    assert np.allclose(sums, 100, atol=0.2)


def test_no_extrapolation() -> None:
    df = pd.DataFrame({"year": [2012, 2015], "area": ["A", "A"], "age_band": ["all", "all"], "population": [1.0, 2.0], "source": ["x", "y"]})
    with pytest.raises(DataFileError, match="Cannot estimate population for 2020: it is outside the data years 2012–2015"):
        population.interpolate_years(df, [2020])
    out = population.interpolate_years(df, [2013])
    assert out.loc[out["year"] == 2013, "population"].item() == pytest.approx(1 + 1 / 3)


def test_dependency_ratios(borough: Pack) -> None:
    dep = population.dependency_ratios(borough.population.by_area)
    assert set(dep["year"]) == {2017, 2019, 2020, 2021}
    census = pd.read_csv(RAW / "census2021_lsoa21_walsall_age6.csv")
    north = census[census["locality"] == "North"]
    expected = 100 * north["age_0_15"].sum() / north["age_16_64"].sum()
    got = dep[(dep["year"] == 2021) & (dep["area"] == "North")]["child_dependency_per_100"].item()
    assert got == pytest.approx(expected)


def test_age_profile_sums_to_100(borough: Pack) -> None:
    prof = population.age_profile(borough.inputs.single_year_of_age, borough.inputs.areas11, 2020, "North")
    assert list(prof["age"]) == list(range(91))
    assert prof["borough_pct"].sum() == pytest.approx(100)
    assert prof["area_pct"].sum() == pytest.approx(100)
    with pytest.raises(DataFileError, match=r"No single-year-of-age data for 2018; available: 2017, 2019, 2020"):
        population.age_profile(borough.inputs.single_year_of_age, borough.inputs.areas11, 2018, None)


def test_reconciliation_records_totals(borough: Pack) -> None:
    rec = borough.reconciliation()
    assert rec["population_totals_by_year"] == {str(k): v for k, v in {**WALSALL_TOTALS, 2015: rec["population_totals_by_year"]["2015"]}.items()}
    assert rec["lsoa11_one_area_each"] == {"lsoas": 167, "areas": 4}


def test_negative_population_is_refused(tmp_path) -> None:
    panel = pd.read_csv(RAW / "population_lsoa_walsall_broadage_panel.csv")
    panel.loc[5, "age_0_15"] = -3
    f = tmp_path / "panel.csv"
    panel.to_csv(f, index=False)
    with pytest.raises(DataFileError, match=r"row 7, column 'age_0_15': population must be a non-negative number, got '-3'") as exc:
        population_files.load_lsoa_population(f)
    assert (exc.value.file, exc.value.row, exc.value.column) == (str(f), 7, "age_0_15")


def test_key_messages_for_a_locality_against_the_census_file(north) -> None:
    """North's age-mix message, checked against sums of the raw Census 2021 file (LSOA -> ward -> locality)."""
    import pandas as pd
    from conftest import RAW

    from reviewpack.present.narrative import messages

    census = pd.read_csv(RAW / "census2021_lsoa21_walsall_age6.csv")
    wards = pd.read_csv(RAW / "walsall_ward_locality.csv").set_index("ward_code")["locality"]
    census["area"] = census["WD24CD"].map(wards)
    mine = census[census["area"] == "North"]
    kids, old = 100 * mine["age_0_15"].sum() / mine["total_usual_residents"].sum(), 100 * mine["age_65_plus"].sum() / mine["total_usual_residents"].sum()
    kids_b = 100 * census["age_0_15"].sum() / census["total_usual_residents"].sum()
    old_b = 100 * census["age_65_plus"].sum() / census["total_usual_residents"].sum()
    msgs = messages.population_messages(north.population.table(), north.population.consistent_growth(), north.scope)
    assert msgs[0] == f"North had {mine['total_usual_residents'].sum():,} residents at Census 2021: " \
        f"{100 * mine['total_usual_residents'].sum() / census['total_usual_residents'].sum():.1f}% of Walsall's 284,106."
    assert msgs[-1] == (f"Children (0-15) are {kids:.1f}% of North's residents (Walsall: {kids_b:.1f}%); "
                        f"people aged 65+ are {old:.1f}% (Walsall: {old_b:.1f}%; Census 2021).")
