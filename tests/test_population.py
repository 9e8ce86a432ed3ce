"""Population figures against independent sums of the raw files."""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest
from conftest import RAW

from reviewpack.analysis import population
from reviewpack.analysis.sections import Pack
from reviewpack.errors import DataFileError
from reviewpack.ingest import population as population_files

FILE7 = RAW / "imd2025_file7_walsall.csv"
#: File 7's mid-2022 denominator columns, by the band the pack shows them as.
FILE7_BANDS = {
    "all": "Total population: mid 2022",
    "0-15": "Dependent Children aged 0-15: mid 2022",
    "18-66": "Working age population 18-66 (for use with Employment Deprivation Domain): mid 2022",
    "60+": "Older population aged 60 and over: mid 2022",
}


def _csv_rows(path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _file7_by_locality() -> dict[str, dict[str, int]]:
    """File 7's mid-2022 residents summed per locality here: LSOA 2021 -> ward (ONS lookup) -> locality (the council's mapping)."""
    ward_of = {r["LSOA21CD"]: r["WD24CD"] for r in _csv_rows(RAW / "lsoa21_ward_lookup_walsall.csv")}
    locality_of = {r["ward_code"]: r["locality"] for r in _csv_rows(RAW / "walsall_ward_locality.csv")}
    out: dict[str, dict[str, int]] = {}
    for r in _csv_rows(FILE7):
        sums = out.setdefault(locality_of[ward_of[r["LSOA code (2021)"]]], dict.fromkeys(FILE7_BANDS, 0))
        for band, col in FILE7_BANDS.items():
            sums[band] += int(r[col])
    return out


# Published / documented totals (data/raw/SOURCES.md §1, §3, §11)
WALSALL_TOTALS = {2012: 270_924, 2017: 281_293, 2019: 285_478, 2020: 286_716, 2021: 284_106}
CENSUS_BY_LOCALITY = {"North": 59_825, "South": 61_992, "East": 89_080, "West": 73_209}


@pytest.fixture(scope="module")
def table(borough: Pack) -> pd.DataFrame:
    return borough.population.table()


def test_contract_columns_and_bands(table: pd.DataFrame) -> None:
    assert list(table.columns) == ["year", "locality", "age_band", "population", "share_of_borough_pct", "estimated"]
    assert set(table["age_band"]) == {"all", "0-15", "16-64", "65+", "18-66", "60+"}
    assert sorted(table["year"].unique()) == [2012, 2014, 2015, 2017, 2019, 2020, 2021, 2022]
    # every locality for every year
    assert (table[table["age_band"] == "all"].groupby("year")["locality"].nunique() == 4).all()
    # the IoD denominator years have no 16-64/65+ split, and none is invented
    for year in (2012, 2014, 2015):
        assert set(table.loc[table["year"] == year, "age_band"]) == {"all", "0-15"}
    # mid-2022 (IoD2025's File 7) has the IoD's own bands, in this order, and no 16-64 / 65+
    assert list(table.loc[(table["year"] == 2022) & (table["locality"] == "North"), "age_band"]) == ["all", "0-15", "18-66", "60+"]
    for year in (2017, 2019, 2020, 2021):
        assert set(table.loc[table["year"] == year, "age_band"]) == {"all", "0-15", "16-64", "65+"}


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
    mid2022 = sum(int(r[FILE7_BANDS["all"]]) for r in _csv_rows(FILE7))
    expected = {**WALSALL_TOTALS, 2015: rec["population_totals_by_year"]["2015"], 2022: mid2022}
    assert rec["population_totals_by_year"] == {str(k): v for k, v in sorted(expected.items())}
    assert rec["population_coverage"]["2022"] == 169
    assert rec["lsoa11_one_area_each"] == {"lsoas": 167, "areas": 4}


def test_negative_population_is_refused(tmp_path) -> None:
    panel = pd.read_csv(RAW / "population_lsoa_walsall_broadage_panel.csv")
    panel.loc[5, "age_0_15"] = -3
    f = tmp_path / "panel.csv"
    panel.to_csv(f, index=False)
    with pytest.raises(DataFileError, match=r"row 7, column 'age_0_15': population must be a non-negative number, got '-3'") as exc:
        population_files.load_lsoa_population(f)
    assert (exc.value.file, exc.value.row, exc.value.column) == (str(f), 7, "age_0_15")


def test_key_messages_for_a_locality_against_the_raw_files(north) -> None:
    """North's residents (mid-2022, File 7) and age mix (children mid-2022, 65+ Census 2021), against sums of the raw files."""
    from reviewpack.present.narrative import messages

    census = pd.read_csv(RAW / "census2021_lsoa21_walsall_age6.csv")
    wards = pd.read_csv(RAW / "walsall_ward_locality.csv").set_index("ward_code")["locality"]
    census["area"] = census["WD24CD"].map(wards)
    mine = census[census["area"] == "North"]
    old = 100 * mine["age_65_plus"].sum() / mine["total_usual_residents"].sum()
    old_b = 100 * census["age_65_plus"].sum() / census["total_usual_residents"].sum()
    f7 = _file7_by_locality()
    people, people_b = f7["North"]["all"], sum(v["all"] for v in f7.values())
    kids, kids_b = 100 * f7["North"]["0-15"] / people, 100 * sum(v["0-15"] for v in f7.values()) / people_b
    pop = north.population
    msgs = messages.population_messages(pop.table(), pop.consistent_growth(), north.scope, pop.basis)
    assert msgs[0] == (
        f"North had {people:,} residents at mid-2022 (ONS estimates, as IoD2025 used them): "
        f"{100 * people / people_b:.1f}% of Walsall's {people_b:,}."
    )
    assert msgs[-1] == (
        f"Children (0-15) are {kids:.1f}% of North's residents at mid-2022 (Walsall: {kids_b:.1f}%); "
        f"people aged 65+ are {old:.1f}% at Census 2021 (Walsall: {old_b:.1f}%), as mid-2022 has no 65+ band."
    )


# -- mid-2022 from IoD2025's File 7 (issue 15, item 4) --------------------------------------------


def test_mid_2022_by_locality_against_an_independent_sum_of_file_7(table: pd.DataFrame) -> None:
    """Every mid-2022 band of every locality is File 7's column summed here (csv module, ONS lookup, council mapping)."""
    expected = _file7_by_locality()
    assert sum(v["all"] for v in expected.values()) == 286_218  # SOURCES.md §15
    t = table[table["year"] == 2022]
    for band in FILE7_BANDS:
        rows = t[t["age_band"] == band].set_index("locality")
        assert rows["population"].to_dict() == {loc: v[band] for loc, v in expected.items()}, band
        total = sum(v[band] for v in expected.values())
        assert rows["share_of_borough_pct"].to_dict() == {loc: round(100 * v[band] / total, 1) for loc, v in expected.items()}, band
    assert not t["estimated"].any()


def test_mid_2022_basis_growth_and_dependency(borough: Pack) -> None:
    from reviewpack.analysis.basis import DenominatorYear

    pop = borough.population
    assert pop.basis.denominators == (DenominatorYear(2022, 2025, 2021, ("0-15", "18-66", "60+"), True),)
    assert pop.basis.latest_year == 2022 and pop.basis.denominator(2021) is None
    assert pop.year_kinds()[2022] == "iod_denominator" and pop.year_kinds()[2021] == "census"
    # one consistent series: the pre-2021 mid-year estimates only, never mid-2022
    start, end, _ = pop.consistent_growth()
    assert (start, end) == (2015, 2020)
    g = pop.growth().set_index(["area", "from_year", "to_year"])
    step = g.loc[("Walsall", 2021, 2022)]
    assert (step["population_from"], step["population_to"]) == (284_106, 286_218)
    assert step["measures"] == "Census against a mid-year estimate"
    # dependency ratios need 16-64 and 65+, so they stay on Census 2021
    assert pop.dependency()["year"].max() == 2021
    assert pop.residents(2022).to_dict() == {loc: v["all"] for loc, v in _file7_by_locality().items()}


def test_mid_2022_sentences(borough: Pack) -> None:
    """The note, the dependency line, the table note and the growth note, word for word."""
    from reviewpack.present.narrative import figures
    from reviewpack.present.narrative import population as words
    from reviewpack.present.narrative.methodology import population_caveats

    pop = borough.population
    d = pop.basis.denominators[0]
    assert words.denominator_note(d, [2012, 2015, 2017, 2019, 2020]) == (
        "**Mid-2022** is the latest year: the ONS mid-2022 small-area estimates that MHCLG used as the IoD2025 population "
        "denominators, read from IoD2025's File 7 rows. They are on 2021 LSOAs and rolled forward from Census 2021, a different "
        "series from the mid-year estimates of mid-2012 to mid-2020, so growth on one consistent series stops before them. "
        "Their age bands are the IoD's own, 0-15, 18-66 and 60+: they overlap (ages 60 to 66 are in two bands) and leave out "
        "ages 16 and 17, so they do not add up to all ages; 16-64, 65+ and the dependency ratios are not shown for mid-2022, "
        "and none is made up. ONS has since revised its mid-2022 estimates; these are the figures IoD2025 used."
    )
    assert words.dependency_note(2021, pop.basis) == (
        "The ratios need the 16-64 and 65+ bands, so the latest shown is Census 2021: mid-2022 (IoD2025's denominators) has "
        "only the bands 0-15, 18-66 and 60+ besides all ages."
    )
    assert figures.population_table_note(pop.table(), pop.basis) == (
        "2012, 2014, 2015: the source (IoD population denominators, or estimates between them) has no 16-64 / 65+ split, so "
        "those bands are absent. 2022: the ONS mid-2022 estimates IoD2025 used as its population denominators (File 7), on "
        "2021 LSOAs. Their bands are 0-15, 18-66 and 60+: they overlap (ages 60 to 66 are in two bands) and leave out ages 16 "
        "and 17. There is no 16-64 / 65+ split for that year. Rows marked Estimated (2014) are linear interpolations between "
        "the nearest data years."
    )
    assert words.growth_note(pop.basis).endswith(
        "the Compares column says which each step is. Mid-2022 is the ONS estimate IoD2025 used, on 2021 LSOAs and rolled "
        "forward from Census 2021: a different series from the earlier mid-year estimates, so its step from Census 2021 "
        "compares a Census count with a mid-year estimate."
    )
    assert words.trend_subtitle(borough.scope, pop.basis) == "Residents, all ages, by locality, mid-2012 to mid-2022"
    caveats = population_caveats(borough.params.model_dump(mode="json"), pop.basis.denominators)
    assert "Census 2021 counts usual residents on 2021 LSOAs; the years before it are mid-year estimates on 2011 LSOAs. " in caveats[2]
    assert caveats[3] == (
        "Mid-2022 figures are the ONS mid-2022 small-area estimates MHCLG used as the IoD2025 population denominators "
        "(File 7), on 2021 LSOAs; ONS has since revised them. Their bands are 0-15, 18-66 and 60+, so 16-64, 65+ and "
        "dependency ratios are not shown for mid-2022, and growth on one consistent series does not use them."
    )


def test_borough_messages_glance_and_card_move_to_mid_2022(borough: Pack) -> None:
    from reviewpack.present.narrative import glance, messages
    from reviewpack.present.sections.setup import grant_facts

    pop, dep = borough.population, borough.deprivation
    f7 = _file7_by_locality()
    total = sum(v["all"] for v in f7.values())
    kids = {loc: 100 * v["0-15"] / v["all"] for loc, v in f7.items()}
    census = pd.read_csv(RAW / "census2021_lsoa21_walsall_age6.csv")
    c = census.groupby("locality")[["age_65_plus", "total_usual_residents"]].sum()
    old = 100 * c["age_65_plus"] / c["total_usual_residents"]
    msgs = messages.population_messages(pop.table(), pop.consistent_growth(), borough.scope, pop.basis)
    share = {loc: 100 * v["all"] / total for loc, v in f7.items()}
    assert msgs[0] == (
        f"Walsall had {total:,} residents at mid-2022 (ONS estimates, as IoD2025 used them). The largest locality is East "
        f"({share['East']:.1f}% of residents), the smallest North ({share['North']:.1f}%)."
    )
    assert msgs[-1] == (
        f"Children (0-15) are {100 * sum(v['0-15'] for v in f7.values()) / total:.1f}% of Walsall's residents at mid-2022, "
        f"from {kids['East']:.1f}% in East to {kids['North']:.1f}% in North; people aged 65+ range from {old['South']:.1f}% "
        f"(South) to {old['East']:.1f}% (East) at Census 2021, as mid-2022 has no 65+ band."
    )
    facts = grant_facts(borough.grants)
    card = messages.headlines(pop.table(), dep.fifth_shares(), dep.latest, borough.scope, facts, pop.basis)
    assert card["Residents (mid-2022 ONS estimates, as IoD2025 used them)"] == f"{total:,}"
    rows = glance.rows(pop.table(), dep.fifth_shares(), dep.latest, borough.scope, facts, pop.basis).set_index("Measure")
    assert rows.loc["Residents (mid-2022 ONS estimates, as IoD2025 used them)", "Walsall"] == f"{total:,}"
    assert rows.loc["Children aged 0-15 (mid-2022)", "Walsall"] == f"{100 * sum(v['0-15'] for v in f7.values()) / total:.1f}%"
    old_b = 100 * c["age_65_plus"].sum() / c["total_usual_residents"].sum()
    assert rows.loc["People aged 65 and over (Census 2021; mid-2022 has no 65+ band)", "Walsall"] == f"{old_b:.1f}%"


def test_without_file_7_the_population_section_is_as_before(tmp_path) -> None:
    """Walsall with IoD2025 weighted by Census 2021 and no File 7: no mid-2022, and every figure and sentence as before."""
    import sys
    from pathlib import Path

    from reviewpack.config import load_pack_params
    from reviewpack.ingest.inputs import PackInputs
    from reviewpack.present.narrative import figures, messages
    from reviewpack.present.narrative import population as words

    root = Path(__file__).resolve().parents[1]
    override = tmp_path / "no_file7.yaml"
    override.write_text(
        "deprivation:\n  vintages:\n"
        "    - {year: 2015, file: raw/imd2015_lsoa_walsall.csv, lsoa_vintage: 2011, population: iod_denominator}\n"
        "    - {year: 2019, file: raw/imd2019_lsoa_walsall.csv, lsoa_vintage: 2011, population: iod_denominator}\n"
        "    - {year: 2025, file: raw/imd2025_lsoa21_walsall.csv, lsoa_vintage: 2021, population: census2021}\n",
        encoding="utf-8",
    )
    north = Pack(PackInputs(root, load_pack_params(root, "north", [override])))
    pop = north.population
    assert pop.basis.denominators == () and pop.basis.latest_year == 2021
    table = pop.table()
    assert 2022 not in set(table["year"]) and set(table["age_band"]) == {"all", "0-15", "16-64", "65+"}
    # the other years are exactly the published ones (the golden table without its mid-2022 rows)
    sys.path.insert(0, str(Path(__file__).parent))
    from golden_tools import GOLDEN

    golden = pd.read_csv(GOLDEN / "north" / "population_by_locality.csv")
    golden = golden[golden["year"] != 2022].reset_index(drop=True)
    pd.testing.assert_frame_equal(table, golden, check_dtype=False)
    msgs = messages.population_messages(table, pop.consistent_growth(), north.scope, pop.basis)
    assert msgs[0] == "North had 59,825 residents at Census 2021: 21.1% of Walsall's 284,106."
    assert msgs[-1] == "Children (0-15) are 23.8% of North's residents (Walsall: 21.5%); people aged 65+ are 14.8% (Walsall: 17.4%; Census 2021)."
    assert words.trend_subtitle(north.scope, pop.basis) == "Residents, all ages, by locality, mid-2012 to 2021"
    assert words.growth_note(pop.basis) == words.GROWTH_NOTE
    assert words.dependency_note(2021, pop.basis) is None
    assert figures.trend_marked_note(pop.basis) is None
    assert "2022" not in figures.population_table_note(table, pop.basis)
    assert "2022" not in pop.check()["population_totals_by_year"]


def test_bands_overlap_is_read_from_the_labels() -> None:
    from reviewpack.present.narrative.population import bands_overlap, bands_text

    assert bands_overlap(("0-15", "18-66", "60+")) == "they overlap (ages 60 to 66 are in two bands) and leave out ages 16 and 17"
    assert bands_overlap(("0-15", "16-59", "60+")) == ""
    assert bands_overlap(("0-15", "17-64", "65+")) == "they leave out age 16"
    assert bands_overlap(("0-15", "working age")) == ""
    assert bands_text(("0-15", "18-66", "60+")) == "0-15, 18-66 and 60+"


def test_denominator_population_reads_the_file_7_bands() -> None:
    from reviewpack.ingest.imd import add_file7, load_imd

    imd = add_file7(load_imd(RAW / "imd2025_lsoa21_walsall.csv", 2025, "E08000030"), load_imd(FILE7, 2025, "E08000030"))
    assert (imd.attrs["population_year"], imd.attrs["working_age_band"]) == (2022, "18-66")
    long = population.denominator_population(imd, 2021, "File 7")
    assert sorted(set(long["age_band"])) == ["0-15", "18-66", "60+", "all"]
    assert (long["year"] == 2022).all() and (long["lsoa_vintage"] == 2021).all() and len(long) == 4 * 169
    sums = long.groupby("age_band")["population"].sum().to_dict()
    raw = _csv_rows(FILE7)
    assert sums == {band: float(sum(int(r[col]) for r in raw)) for band, col in FILE7_BANDS.items()}
    without = load_imd(RAW / "imd2025_lsoa21_walsall.csv", 2025, "E08000030")
    with pytest.raises(DataFileError, match="has no population denominators with a year"):
        population.denominator_population(without, 2021, "x")
