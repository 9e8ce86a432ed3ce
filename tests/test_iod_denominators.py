"""IoD2025 weighted by its own mid-2022 denominators (File 7), and IDACI / IDAOPI in the domain profiles (issue 15, item 4)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from reviewpack.analysis.basis import EditionBasis, Scope
from reviewpack.analysis.sections import Pack
from reviewpack.analysis.summary_measures import agrees_with_published
from reviewpack.errors import DataFileError, ParameterError
from reviewpack.ingest.imd import add_file7, load_imd
from reviewpack.present.narrative import deprivation as words
from reviewpack.present.narrative.messages import deprivation_basis

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
FILE7 = RAW / "imd2025_file7_walsall.csv"
POP = "Total population: mid 2022"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def borough() -> Pack:
    return Pack.open("borough", ROOT)


@pytest.fixture(scope="module")
def file10_walsall() -> dict[str, str]:
    return next(r for r in _rows(RAW / "imd2025_ltla24_summaries_england.csv") if r["ltla24_code"] == "E08000030")


def test_walsall_2025_summary_measures_equal_file_10(borough: Pack, file10_walsall: dict[str, str]) -> None:
    """All five of Walsall's IoD2025 summary measures equal File 10 as published (to its printed precision)."""
    t = borough.deprivation.summary_measures()
    ours = t[(t["imd_vintage"] == "IoD2025") & (t["area"] == "Walsall")].iloc[0]
    published = {
        "average_score": "imd_average_score",
        "average_rank": "imd_average_rank",
        "extent": "imd25_extent",
        "local_concentration": "imd25_local_concentration",
        "proportion_lsoas_decile_1": "imd_proportion_of_lso_as_in_most_deprived_10_percent_nationally",
    }
    # the published strings, as printed in File 10
    assert [file10_walsall[c] for c in published.values()] == ["31.732", "22512.04", "0.4822", "32556.41", "0.2485"]
    for ours_col, col in published.items():
        text = file10_walsall[col]
        dp = len(text.split(".")[1])
        assert f"{ours[ours_col]:.{dp}f}" == text, ours_col
    assert ours["residents"] == 286218
    assert borough.deprivation.summary_agreement() == dict.fromkeys(published, True)


def test_iod2025_residents_are_file_7_mid_2022_sums(borough: Pack) -> None:
    """Quintile and national-position residents add up File 7's mid-2022 column, read here independently."""
    rows = _rows(FILE7)
    pop = {r["LSOA code (2021)"]: int(r[POP]) for r in rows}
    assert len(pop) == 169 and sum(pop.values()) == 286218
    locality_of = {r["LSOA21CD"]: r["locality"] for r in _rows(RAW / "lsoa21_ward_lookup_walsall.csv")}
    by_locality: dict[str, int] = {}
    for code, n in pop.items():
        by_locality[locality_of[code]] = by_locality.get(locality_of[code], 0) + n
    dep = borough.deprivation
    d = dep.quintile_distribution()
    got = d[d["imd_vintage"] == "IoD2025"].groupby("locality")["residents"].sum().to_dict()
    assert got == by_locality
    # residents in England's most deprived 10%, from File 7's own deciles and populations
    dec = {r["LSOA code (2021)"]: int(r["Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)"]) for r in rows}
    in_d1 = sum(n for c, n in pop.items() if dec[c] == 1)
    nat = dep.national_summary_latest().set_index("locality")
    assert nat.loc["Walsall", "residents"] == 286218
    assert nat.loc["Walsall", "share_residents_decile_1_pct"] == pytest.approx(100 * in_d1 / 286218)


def test_edition_basis_says_mid_2022(borough: Pack) -> None:
    dep = borough.deprivation
    assert dep.latest == EditionBasis(2025, 2021, "iod_denominator", 2022, None)
    assert [b.population_year for b in dep.editions] == [2012, 2015, 2022]
    assert [b.excludes_prisoners for b in dep.editions] == [True, True, None]  # the mid-2022 header does not say
    assert dep.weights(2025) is None
    assert deprivation_basis(dep.latest) == "IoD2025, the IoD's own mid-2022 residents"
    assert words.population_base(dep.latest) == "IoD2025: residents from the IoD's own population denominators (mid-2022)"
    assert words.population_base(dep.editions[0]) == (
        "IoD2015: residents from the IoD's own population denominators (mid-2012, prisoners excluded)"
    )


def test_idaci_and_idaopi_in_the_domain_profiles(borough: Pack) -> None:
    dep = borough.deprivation
    prof = dep.domain_profiles()
    for y in ("IoD2015", "IoD2019", "IoD2025"):
        assert {"idaci", "idaopi"} <= set(prof.loc[prof["imd_vintage"] == y, "domain"]), y
    # independent: residents (mid-2022) of LSOAs in IDACI deciles 1-2, from File 7
    rows = _rows(FILE7)
    col = "Income Deprivation Affecting Children Index (IDACI) Decile (where 1 is most deprived 10% of LSOAs)"
    total = sum(int(r[POP]) for r in rows)
    d12 = sum(int(r[POP]) for r in rows if int(r[col]) <= 2)
    row = prof[(prof["imd_vintage"] == "IoD2025") & (prof["locality"] == "Walsall") & (prof["domain"] == "idaci")].iloc[0]
    assert row["share_residents_decile_1_2_pct"] == pytest.approx(100 * d12 / total)
    assert "Income deprivation affecting children (IDACI)" in set(dep.domain_table()["domain_label"])
    assert dep.has_supplementary()


def test_relative_domains_leave_out_the_supplementary_indices() -> None:
    rel = Pack.open("north", ROOT).deprivation.relative_domains(None)
    assert rel is not None and not set(rel["domain"]) & {"idaci", "idaopi"} and len(rel) == 7


def test_add_file7_refuses_other_lsoas_and_other_ranks(tmp_path: Path) -> None:
    base = load_imd(RAW / "imd2025_lsoa21_walsall.csv", 2025)
    f7 = load_imd(FILE7, 2025)
    assert "pop_total" not in base.columns and base.attrs["population_year"] is None
    merged = add_file7(base, f7)
    assert merged.attrs["population_year"] == 2022 and int(merged["pop_total"].sum()) == 286218
    assert {"idaci_rank", "idaopi_rank", "pop_0_15", "pop_60_plus", "pop_working_age"} <= set(merged.columns)
    # columns the IoD file has are kept as they are (File 7's children's decile header is cut short, so theirs is kept)
    assert merged["children_young_people_decile"].equals(base["children_young_people_decile"])

    with pytest.raises(DataFileError, match=r"does not hold the same LSOAs as .*\(0 and 1 differ; 'E01010241' is only in"):
        add_file7(base[base["lsoa_code"] != "E01010241"].reset_index(drop=True), f7)
    moved = f7.copy()
    moved.loc[moved["lsoa_code"] == "E01010242", "imd_rank"] = 1
    with pytest.raises(DataFileError, match=r"column 'imd_rank'.*LSOA E01010242 has 1, but .* has 7475; the two files are not the same IoD edition"):
        add_file7(base, moved)


def test_iod_denominator_without_denominators_is_a_parameter_error(tmp_path: Path) -> None:
    extra = tmp_path / "p.yaml"
    extra.write_text(
        "deprivation:\n  vintages:\n"
        "    - {year: 2025, file: raw/imd2025_lsoa21_walsall.csv, lsoa_vintage: 2021, population: iod_denominator}\n"
        "  latest: 2025\ngrants: null\n",
        encoding="utf-8",
    )
    dep = Pack.open("borough", ROOT, [extra]).deprivation
    with pytest.raises(ParameterError) as exc:
        dep.weights(2025)
    assert str(exc.value).startswith(
        "deprivation.vintages: IoD2025 asks for population 'iod_denominator', but 'raw/imd2025_lsoa21_walsall.csv' has no "
        "population denominators. Name the edition's official File 7 rows as its file7"
    )


def test_agrees_with_published_at_the_printed_precision() -> None:
    pub = {"average_score": 31.732, "extent": 0.4822}
    assert agrees_with_published({"average_score": 31.7324, "extent": 0.48224}, pub) == {"average_score": True, "extent": True}
    assert agrees_with_published({"average_score": 31.7326, "extent": 0.48226}, pub) == {"average_score": False, "extent": False}


def test_summary_note_says_equal_or_why_not() -> None:
    scope = Scope("borough", "E08000030", "Walsall", None, "locality", "Locality", ("North",))
    official = {"average_score": 31.732, "average_rank": 22512.04, "extent": 0.4822, "local_concentration": 32556.41,
                "proportion_lsoas_decile_1": 0.2485}
    published = (
        "Published MHCLG File 10 values for Walsall, IoD2025: average score 31.732, average rank 22,512.04, extent 0.4822, "
        "local concentration 32,556.41, proportion in most deprived 10% 0.2485."
    )
    own = EditionBasis(2025, 2021, "iod_denominator", 2022)
    agree = dict.fromkeys(official, True)
    assert words.summary_note(scope, own, official, agree) == (
        published + " Ours, weighted by the IoD's own mid-2022 residents as MHCLG's are, equal all 5 at the precision File 10 publishes."
    )
    census = EditionBasis(2025, 2021, "census2021", 2021)
    agree = {**agree, "average_score": False, "extent": False}
    assert words.summary_note(scope, census, official, agree) == (
        published + " Ours weight by Census 2021 residents; MHCLG weight by the IoD's own mid-year denominators, hence small "
        "differences (average score, extent)."
    )
    assert words.summary_note(scope, census, None) == (
        "Weighted by Census 2021 residents (IoD2025); the other editions by their own population base (see the quintile table)."
    )

