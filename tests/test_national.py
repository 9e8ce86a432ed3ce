"""Packs for any English council from the England-wide files, with wards as areas."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import RAW

from reviewpack.analysis.sections import Pack
from reviewpack.config.selections import national_authorities, national_pack_params
from reviewpack.errors import ParameterError
from reviewpack.ingest.inputs import PackInputs


def caveats(pack: Pack) -> list[str]:
    """Every caveat of the methodology section, combined as ``present.sections.methodology.notes`` does."""
    from reviewpack.present.narrative import methodology

    params = pack.params.model_dump(mode="json")
    return (
        methodology.population_caveats(params)
        + methodology.deprivation_caveats(params, pack.deprivation.imd_lsoa_counts(), pack.scope.la_name)
        + methodology.grants_caveats(params)
    )


@pytest.fixture(scope="module")
def hartlepool(root: Path) -> Pack:
    return Pack(PackInputs(root, national_pack_params(root, ["E06000001"])["e06000001"]))


def test_authorities_listed(root: Path) -> None:
    known = national_authorities(root)
    assert len(known) == 296
    assert known["E08000030"] == "Walsall" and known["E06000001"] == "Hartlepool"


def test_unknown_code_is_refused(root: Path) -> None:
    with pytest.raises(ParameterError, match=r"Unknown local authority code\(s\) E99999999: not in the national lookup of 296"):
        national_pack_params(root, ["E06000001", "E99999999"])


def test_wards_are_the_areas(hartlepool: Pack) -> None:
    lk = pd.read_csv(RAW / "lsoa21_ward24_lad24_lookup_england.csv.gz")
    lk = lk[lk["LAD24CD"] == "E06000001"]
    assert len(hartlepool.inputs.areas21) == len(lk) == 57
    assert sorted(hartlepool.scope.areas) == sorted(lk["WD24NM"].unique())
    assert hartlepool.inputs.areas11 is None


def test_population_against_independent_sum(hartlepool: Pack) -> None:
    lk = pd.read_csv(RAW / "lsoa21_ward24_lad24_lookup_england.csv.gz")
    codes = set(lk.loc[lk["LAD24CD"] == "E06000001", "LSOA21CD"])
    census = pd.read_csv(RAW / "census2021_lsoa21_england_wales_age6.csv.gz")
    expected = int(census.loc[census["lsoa21_code"].isin(codes), "total_usual_residents"].sum())
    table = hartlepool.population.table()
    assert table.loc[table["age_band"] == "all", "population"].sum() == expected
    assert hartlepool.reconciliation()["population_totals_by_year"] == {"2021": expected}
    # no File 7 rows for another council: no mid-2022 year, Census 2021 stays the latest
    assert hartlepool.population.basis.denominators == () and hartlepool.population.basis.years == (2021,)


def test_deprivation_for_another_council(hartlepool: Pack) -> None:
    dist = hartlepool.deprivation.quintile_distribution()
    assert set(dist.columns) == {"imd_vintage", "quintile", "ward", "residents", "share_of_quintile_pct"}
    sums = dist.groupby("quintile")["share_of_quintile_pct"].sum()
    assert ((sums - 100).abs() <= 0.1).all()
    official = hartlepool.deprivation.official_summary()
    ours = hartlepool.deprivation.summary_measures().set_index("area").loc["Hartlepool"]
    assert ours["proportion_lsoas_decile_1"] == pytest.approx(official["proportion_lsoas_decile_1"], abs=1e-4)
    assert ours["average_score"] == pytest.approx(official["average_score"], abs=0.5)


def test_a_council_with_one_ward_reads_sensibly() -> None:
    """The Isles of Scilly have one ward (St Mary's): nothing to compare across areas, so no
    "largest ... smallest" sentence naming the same ward twice and no chi-square test (found when
    building all 296 councils)."""
    from reviewpack.present.narrative import deprivation, messages

    rows = [(2021, "St Mary's", band, pop, 100.0, False) for band, pop in (("all", 2054), ("0-15", 325), ("65+", 579))]
    pop = pd.DataFrame(rows, columns=["year", "ward", "age_band", "population", "share_of_borough_pct", "estimated"])
    from reviewpack.analysis.basis import Scope

    scope = Scope("e06000053", "E06000053", "Isles of Scilly", None, "ward", "Ward", ("St Mary's",))
    msgs = messages.population_messages(pop, None, scope)
    assert msgs[0] == "Isles of Scilly had 2,054 residents at Census 2021, all in one ward."
    assert msgs[1] == "Children (0-15) are 15.8% of residents and people aged 65+ 28.2% (Census 2021)."
    assert not any("smallest" in m or "from 15.8% in" in m for m in msgs)

    counts = pd.DataFrame({1: [0], 2: [0], 3: [2], 4: [0], 5: [0]}, index=pd.Index(["St Mary's"], name="ward"))
    assert deprivation.chi_square_sentence(counts, "Ward") == (
        "**Is the difference between areas more than chance?** Not tested: a test needs at least two wards and two "
        "deprivation quintiles with neighbourhoods, and there are 1 and 1."
    )


def test_chi_square_sentence_matches_the_test() -> None:
    from reviewpack.analysis.statistics import chi_square_by_area
    from reviewpack.present.narrative import deprivation

    counts = pd.DataFrame({1: [30, 5], 5: [5, 30]}, index=pd.Index(["A", "B"], name="ward"))
    chi = chi_square_by_area(counts)
    assert deprivation.chi_square_sentence(counts, "Ward") == (
        "**Is the difference between areas more than chance?** " + deprivation.chi_square_interpretation(chi)
    )


def test_caveats_follow_the_council_and_its_files(root: Path, hartlepool: Pack) -> None:
    """No Walsall figure in another council's methodology; Walsall's own figures come from its lookups."""
    walsall = Pack.open("borough", root)
    lk11 = pd.read_csv(RAW / "lsoa11_ward_lookup_walsall.csv")
    lk21 = pd.read_csv(RAW / "lsoa21_ward_lookup_walsall.csv")
    text = " ".join(caveats(walsall))
    assert f"IoD 2025 uses 2021 neighbourhoods ({lk21.iloc[:, 0].nunique()} in Walsall)" in text
    assert f"IoD 2015 and 2019 use 2011 neighbourhoods ({lk11.iloc[:, 0].nunique()} in Walsall)" in text
    assert "Mid-2012 and mid-2015" in text and "IoD 2019 IMD score is derived" in text
    other = " ".join(caveats(hartlepool))
    assert "Walsall" not in other
    assert "Mid-2012" not in other and "IoD 2019" not in other and "2011 neighbourhoods" not in other
    assert "Census 2021 counts usual residents on 2021 LSOAs. " in other
