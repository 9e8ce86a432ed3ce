"""Tests for the IoD code (ingest.imd, analysis.deprivation/change/summary_measures/statistics,
present.narrative.deprivation), against real Walsall and England IoD files.

Facts checked come from data/raw/SOURCES.md (sections 1, 2, 9, 10, 11) and the
official IoD2025 File 10 (data/raw/imd2025_ltla24_summaries_england.csv).
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reviewpack.analysis import deprivation as dep
from reviewpack.analysis.change import ChangeResult, compare_editions
from reviewpack.analysis.statistics import chi_square_by_area
from reviewpack.analysis.summary_measures import la_summary_measures, rank_summary_measures
from reviewpack.errors import DataFileError, ParameterError, ReconciliationError
from reviewpack.ingest.imd import DOMAIN_LABELS, DOMAINS, load_imd, measure_availability
from reviewpack.present.narrative.deprivation import (
    RELATIVE_RANKS_CAVEAT,
    chi_square_interpretation,
    chi_square_sentence,
    chi_square_table,
    imd_notes,
    missing_measures,
    with_gap_units,
)

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"
WALSALL = "E08000030"
RANK = "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)"
DECILE = "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)"
AREA_COLS = ["lsoa_code", "lsoa_name", "ward_code", "ward_name", "area_partnership", "locality"]


# --------------------------------------------------------------------------- #
# Fixtures: the geography contract built from the raw lookups
# --------------------------------------------------------------------------- #


@pytest.fixture(scope="module")
def areas11() -> pd.DataFrame:
    df = pd.read_csv(RAW / "lsoa11_ward_lookup_walsall.csv")
    df = df.rename(
        columns={"LSOA11CD": "lsoa_code", "LSOA11NM": "lsoa_name", "WD19CD": "ward_code",
                 "WD19NM": "ward_name"}
    )
    return df[AREA_COLS]


@pytest.fixture(scope="module")
def areas21() -> pd.DataFrame:
    df = pd.read_csv(RAW / "lsoa21_ward_lookup_walsall.csv")
    df = df.rename(
        columns={"LSOA21CD": "lsoa_code", "LSOA21NM": "lsoa_name", "WD24CD": "ward_code",
                 "WD24NM": "ward_name"}
    )
    return df[AREA_COLS]


@pytest.fixture(scope="module")
def imd15() -> pd.DataFrame:
    return load_imd(RAW / "imd2015_lsoa_walsall.csv", 2015)


@pytest.fixture(scope="module")
def imd19() -> pd.DataFrame:
    return load_imd(RAW / "imd2019_lsoa_walsall.csv", 2019)


@pytest.fixture(scope="module")
def imd25() -> pd.DataFrame:
    return load_imd(RAW / "imd2025_lsoa21_walsall.csv", 2025)


@pytest.fixture(scope="module")
def census() -> pd.Series:
    df = pd.read_csv(RAW / "census2021_lsoa21_walsall_age6.csv")
    return df.set_index("lsoa21_code")["total_usual_residents"]


@pytest.fixture(scope="module")
def imd25_england() -> pd.DataFrame:
    return load_imd(RAW / "imd2025_lsoa21_england.csv.gz", 2025)


@pytest.fixture(scope="module")
def census_england() -> pd.Series:
    df = pd.read_csv(
        RAW / "census2021_lsoa21_england_wales_age6.csv.gz",
        usecols=["lsoa21_code", "total_usual_residents"],
    )
    return df.set_index("lsoa21_code")["total_usual_residents"]


@pytest.fixture(scope="module")
def file10() -> pd.DataFrame:
    return pd.read_csv(RAW / "imd2025_ltla24_summaries_england.csv").set_index("ltla24_code")


# --------------------------------------------------------------------------- #
# ntile and quintiles
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    "n_values, sizes",
    [(167, [34, 34, 33, 33, 33]), (169, [34, 34, 34, 34, 33]), (10, [2, 2, 2, 2, 2]),
     (3, [1, 1, 1, 0, 0])],
)
def test_ntile_group_sizes_put_the_extra_members_first(n_values, sizes):
    groups = dep.ntile(np.arange(n_values, 0, -1), 5)
    counts = [int((groups == g).sum()) for g in range(1, 6)]
    assert counts == sizes


def test_ntile_orders_by_value_and_breaks_ties_by_position():
    # sorted: 1 (pos 1), 2 (pos 2), 2 (pos 3), 3 (pos 0), 5 (pos 4) -> 3 + 2 members
    assert dep.ntile([3, 1, 2, 2, 5], 2).tolist() == [2, 1, 1, 1, 2]
    assert dep.ntile([7, 7, 7, 7], 3).tolist() == [1, 1, 2, 3]
    # groups never decrease as the value increases
    rng = np.random.default_rng(1)
    vals = rng.integers(0, 50, size=101)
    g = dep.ntile(vals, 7)
    order = np.argsort(vals, kind="stable")
    assert (np.diff(g[order]) >= 0).all()


def test_ntile_keeps_series_index_and_missing_values():
    s = pd.Series([5.0, np.nan, 1.0, 3.0], index=list("abcd"))
    out = dep.ntile(s, 2)
    assert list(out.index) == list("abcd")
    assert out["c"] == 1 and out["d"] == 1 and out["a"] == 2
    assert pd.isna(out["b"])
    with pytest.raises(ValueError):
        dep.ntile([1.0, np.nan], 2)
    with pytest.raises(ValueError):
        dep.ntile([1, 2], 0)


def test_borough_quintiles_put_lowest_ranks_in_quintile_1(imd15):
    q = dep.borough_quintiles(imd15)
    assert q["quintile"].value_counts().sort_index().tolist() == [34, 34, 33, 33, 33]
    by_rank = q.sort_values("imd_rank")
    assert by_rank["quintile"].is_monotonic_increasing
    assert by_rank["quintile"].iloc[0] == 1 and by_rank["quintile"].iloc[-1] == 5
    assert "quintile" not in imd15.columns  # input untouched


# --------------------------------------------------------------------------- #
# Loading
# --------------------------------------------------------------------------- #


def test_load_imd_standardises_each_vintage(imd15, imd19, imd25):
    base = ["lsoa_code", "lsoa_name", "la_code", "imd_rank", "imd_decile", "imd_score"]
    for df, n, year in ((imd15, 167, 2015), (imd19, 167, 2019), (imd25, 169, 2025)):
        assert set(base) <= set(df.columns)
        assert len(df) == n and df["lsoa_code"].is_unique
        assert (df["la_code"] == WALSALL).all()
        assert df["imd_score"].notna().all()
        assert df.attrs["vintage"] == year
    assert imd15.attrs["n_lsoas_england"] == 32_844
    assert imd25.attrs["n_lsoas_england"] == 33_755
    # 2015: transformed domain scores only; 2019: ranks + deciles; 2025: raw scores
    assert "income_score_transformed" in imd15 and "income_rank" not in imd15
    assert "income_rank" in imd19 and "income_score" not in imd19
    assert {"income_score", "income_rank", "income_decile"} <= set(imd25.columns)
    assert "education_score_transformed" in imd19  # short File 9 header "Education Score…"
    assert "idaci_rank" in imd19 and "idaci_rank" not in imd25
    # the 2019 score is the derived one, and says so
    assert imd19.attrs["imd_score_derived"] is True
    assert imd25.attrs["imd_score_derived"] is False
    assert "notes" not in imd19.attrs  # sentences live in present.narrative
    assert any("derived" in note for note in imd_notes(imd19))
    assert imd_notes(imd25) == [
        "IoD2025: national ranks run from 1 (most deprived) to 33,755 LSOAs in England (LSOA 2021 geography)."
    ]


def test_load_imd_reads_the_iod_population_denominators(imd15, imd19, imd25):
    # SOURCES.md section 1: Walsall mid-2012 totals
    assert imd15["pop_total"].sum() == 270_924
    assert imd15["pop_0_15"].sum() == 56_443
    assert imd15.attrs["population_year"] == 2012
    assert imd19.attrs["population_year"] == 2015
    assert (imd19["pop_total"] > 0).all()
    assert "pop_total" not in imd25 and imd25.attrs["population_year"] is None


def test_load_imd_filters_to_one_la(imd25_england, imd25, tmp_path):
    assert len(imd25_england) == 33_755
    from_england = imd25_england.loc[imd25_england["la_code"] == WALSALL].reset_index(drop=True)
    pd.testing.assert_frame_equal(from_england, imd25)
    assert (imd25["imd_decile"] == 1).sum() == 42  # SOURCES.md section 9
    # a two-LA file: relabel the first 20 Walsall rows and filter them back out
    raw = pd.read_csv(RAW / "imd2025_lsoa21_walsall.csv")
    raw.loc[:19, "Local Authority District code (2024)"] = "E99999999"
    target = tmp_path / "two_las.csv"
    raw.to_csv(target, index=False)
    kept = load_imd(target, 2025, la_code=WALSALL)
    assert len(kept) == 149 and (kept["la_code"] == WALSALL).all()
    assert len(load_imd(target, 2025, la_code="E99999999")) == 20


def test_missing_measures_says_what_each_vintage_lacks(imd15, imd19, imd25):
    m15 = " ".join(missing_measures(imd15))
    assert "no domain ranks" in m15 and "no domain deciles" in m15
    m19 = " ".join(missing_measures(imd19))
    assert "derived" in m19 and "IDACI" not in m19
    m25 = " ".join(missing_measures(imd25))
    assert "IDACI" in m25 and "population denominators" in m25
    assert "no domain ranks" not in m25
    avail = measure_availability(imd25)
    assert avail.loc["income", "rank"] and not avail.loc["income", "score_transformed"]
    assert set(DOMAINS) <= set(DOMAIN_LABELS)


def _write_without(tmp_path: Path, drop: str) -> Path:
    df = pd.read_csv(RAW / "imd2025_lsoa21_walsall.csv")
    target = tmp_path / "imd_broken.csv"
    df.drop(columns=[drop]).to_csv(target, index=False)
    return target


def test_missing_column_error_names_file_and_column(tmp_path):
    target = _write_without(tmp_path, RANK)
    with pytest.raises(DataFileError) as exc:
        load_imd(target, 2025)
    msg = str(exc.value)
    assert f"file '{target}' is missing column '{RANK}'" in msg
    assert "re-download" in msg


def test_wrong_vintage_error_points_at_the_lsoa_code_column():
    with pytest.raises(DataFileError, match=r"missing column 'LSOA code \(2011\)'.*right edition"):
        load_imd(RAW / "imd2025_lsoa21_walsall.csv", 2019)


def test_bad_cell_error_names_row_and_column(tmp_path):
    df = pd.read_csv(RAW / "imd2015_lsoa_walsall.csv")
    df[DECILE] = df[DECILE].astype(object)
    df.loc[4, DECILE] = "ten"
    target = tmp_path / "bad.csv"
    df.to_csv(target, index=False)
    with pytest.raises(DataFileError) as exc:
        load_imd(target, 2015)
    assert f"file '{target}', row 6, column '{DECILE}' holds 'ten'" in str(exc.value)


def test_other_load_errors(tmp_path):
    with pytest.raises(DataFileError, match="was not found"):
        load_imd(tmp_path / "nope.csv", 2015)
    with pytest.raises(DataFileError, match="no LSOAs for local authority 'E09999999'"):
        load_imd(RAW / "imd2015_lsoa_walsall.csv", 2015, la_code="E09999999")
    with pytest.raises(ParameterError, match="unknown IoD vintage"):
        load_imd(RAW / "imd2015_lsoa_walsall.csv", 2010)
    assert load_imd(RAW / "imd2015_lsoa_walsall.csv", "IoD2015").attrs["vintage"] == 2015


# --------------------------------------------------------------------------- #
# National deciles recomputed from ranks
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    "filename, n, tied_pairs",
    [("imd2015_lsoa_england.csv.gz", 32_844, 20), ("imd2019_lsoa_england.csv.gz", 32_844, 26)],
)
def test_national_decile_from_rank_matches_every_lsoa(filename, n, tied_pairs):
    df = pd.read_csv(RAW / filename, usecols=[RANK, DECILE])
    assert len(df) == n and df[RANK].between(1, n).all()
    # these files share a rank between LSOAs with equal (3 dp) scores ("min" ranking):
    # 20 pairs in 2015, 26 in 2019; the rank after each tie is skipped
    counts = df[RANK].value_counts()
    assert (counts > 1).sum() == tied_pairs and counts.max() == 2
    assert df[RANK].nunique() == n - tied_pairs
    recomputed = dep.national_decile(df[RANK], n)
    assert (recomputed == df[DECILE].to_numpy()).all()
    # a naive floor-based rule would disagree, so the check has teeth
    assert ((df[RANK].to_numpy() * 10) // n + 1 != df[DECILE].to_numpy()).any()


def test_national_decile_2025(imd25_england):
    d = dep.national_decile(imd25_england["imd_rank"], 33_755)
    assert (d == imd25_england["imd_decile"].to_numpy()).all()


# --------------------------------------------------------------------------- #
# Quintile distribution
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("vintage", [2015, 2019, 2025])
def test_quintile_distribution_shares_sum_to_100(vintage, imd15, imd19, imd25, census,
                                                 areas11, areas21):
    imd, pop, areas, total = {
        2015: (imd15, None, areas11, 270_924),
        2019: (imd19, None, areas11, int(imd19["pop_total"].sum())),
        2025: (imd25, census, areas21, 284_106),
    }[vintage]
    dist = dep.quintile_distribution(imd, pop, areas)
    assert list(dist.columns) == [
        "imd_vintage", "quintile", "locality", "residents", "share_of_quintile_pct"
    ]
    assert len(dist) == 5 * 4  # every quintile x locality, zeros included
    assert (dist["imd_vintage"] == f"IoD{vintage}").all()
    sums = dist.groupby("quintile")["share_of_quintile_pct"].sum()
    assert np.allclose(sums, 100, atol=0.1)
    assert dist["residents"].sum() == total


def test_quintile_distribution_keeps_zero_cells_and_other_groupings(imd25, census, areas21):
    dist = dep.quintile_distribution(imd25, census, areas21)
    east_q1 = dist.query("quintile == 1 and locality == 'East'")
    assert len(east_q1) == 1 and east_q1["residents"].iloc[0] == 0
    by_ap = dep.quintile_distribution(imd25, census, areas21, area_col="area_partnership")
    assert by_ap.columns[2] == "area_partnership" and len(by_ap) == 5 * 6
    assert by_ap.groupby("quintile")["residents"].sum().equals(
        dist.groupby("quintile")["residents"].sum()
    )


def test_area_share_view_compares_population_and_quintile_shares(imd25, census, areas21):
    view = dep.area_share_view(dep.quintile_distribution(imd25, census, areas21)).set_index(
        "locality"
    )
    # Census 2021 by locality (SOURCES.md section 11)
    assert view["residents"].to_dict() == {
        "East": 89_080, "North": 59_825, "South": 61_992, "West": 73_209
    }
    assert math.isclose(view["share_of_borough_pct"].sum(), 100)
    assert math.isclose(view["share_of_quintile_pct"].sum(), 100)
    north = view.loc["North"]
    assert north["representation_ratio"] == pytest.approx(
        north["share_of_quintile_pct"] / north["share_of_borough_pct"]
    )
    assert north["representation_ratio"] > 1 > view.loc["East", "representation_ratio"]
    # the area column is found by name, or given
    dist = dep.quintile_distribution(imd25, census, areas21)
    reordered = dist[["locality", "imd_vintage", "quintile", "residents", "share_of_quintile_pct"]]
    pd.testing.assert_frame_equal(dep.area_share_view(reordered), dep.area_share_view(dist))
    pd.testing.assert_frame_equal(dep.area_share_view(dist.assign(x=1), area_col="locality"), dep.area_share_view(dist))
    with pytest.raises(ParameterError, match="pass area_col"):
        dep.area_share_view(dist.assign(x=1))


def test_missing_population_or_area_is_a_reconciliation_error(imd25, census, areas21):
    with pytest.raises(ReconciliationError, match="have no population"):
        dep.quintile_distribution(imd25, census.iloc[:-3], areas21)
    with pytest.raises(ReconciliationError, match="not in the areas"):
        dep.quintile_distribution(imd25, census, areas21.iloc[1:])
    with pytest.raises(ParameterError, match="pop_total"):
        dep.quintile_distribution(imd25, None, areas21)


# --------------------------------------------------------------------------- #
# National position
# --------------------------------------------------------------------------- #


def test_decile_1_counts_by_locality_2025(imd25, census, areas21):
    pos = dep.national_position(imd25, census, areas21, total_label="Walsall")
    assert len(pos) == 5 * 10
    assert np.allclose(pos.groupby("locality")["share_of_lsoas_pct"].sum(), 100)
    summary = dep.national_position_summary(pos).set_index("locality")
    got = {
        k: (int(r["lsoas_decile_1"]), int(r["lsoas"])) for k, r in summary.iterrows()
    }
    # SOURCES.md section 9
    assert got == {
        "North": (20, 34), "South": (16, 36), "West": (5, 42), "East": (1, 57),
        "Walsall": (42, 169),
    }
    assert summary.loc["Walsall", "share_lsoas_decile_1_pct"] == pytest.approx(24.852, 1e-4)
    assert (summary["lsoas_decile_1_2"] >= summary["lsoas_decile_1"]).all()
    by_name = dep.national_position_summary(pos.assign(note="x"), area_col="locality").set_index("locality")
    pd.testing.assert_frame_equal(by_name, summary)


# --------------------------------------------------------------------------- #
# Domain profile
# --------------------------------------------------------------------------- #


def test_domain_profile_uses_ranks_when_present(imd25, census, areas21):
    prof = dep.domain_profile(imd25, census, areas21)
    assert set(prof["measure"]) == {"rank"}
    assert set(prof["domain"]) == {"imd", *DOMAINS}
    borough = prof.query("locality == 'All areas' and domain == 'income'").iloc[0]
    w = imd25["lsoa_code"].map(census)
    assert borough["value"] == pytest.approx((imd25["income_rank"] * w).sum() / w.sum())
    assert borough["share_lsoas_decile_1_2_pct"] == pytest.approx(
        100 * (imd25["income_decile"] <= 2).mean()
    )
    top = dep.relative_domains(prof, "North", n=3)
    assert len(top) == 3 and top["more_deprived_than_borough"].all()
    assert top["gap"].is_monotonic_decreasing
    assert "gap_unit" not in top  # words for the unit: present.narrative.deprivation
    worded = with_gap_units(top)
    assert list(worded.columns[5:8]) == ["gap", "gap_unit", "more_deprived_than_borough"]
    assert set(worded["gap_unit"]) == {"percentage points of England's ranking"}
    # the area column is named, not taken from its position
    moved = prof[[*(c for c in prof.columns if c != "locality"), "locality"]]
    pd.testing.assert_frame_equal(dep.relative_domains(moved, "North", n=3), top)
    pd.testing.assert_frame_equal(dep.relative_domains(prof.assign(extra=1), "North", n=3, area_col="locality"), top)
    with pytest.raises(ParameterError, match="pass area_col"):
        dep.relative_domains(prof.assign(extra=1), "North")
    east = dep.relative_domains(prof, "East", n=None)
    assert len(east) == 7 and not east["more_deprived_than_borough"].any()
    with pytest.raises(ParameterError, match="not in the profile"):
        dep.relative_domains(prof, "Nowhere")


def test_domain_profile_2015_falls_back_to_transformed_scores(imd15, areas11):
    prof = dep.domain_profile(imd15, None, areas11)
    doms = prof.loc[prof["domain"] != "imd"]
    assert set(doms["measure"]) == {"score_transformed"}
    assert doms["share_lsoas_decile_1_2_pct"].isna().all()  # no domain deciles in 2015
    assert set(doms["more_deprived_when"]) == {"higher"}
    rel = with_gap_units(dep.relative_domains(prof, "North", n=None))
    assert set(rel["gap_unit"]) == {"score transformed points"}


# --------------------------------------------------------------------------- #
# Change over time
# --------------------------------------------------------------------------- #


def test_compare_editions_on_the_same_geography(imd15, imd19, areas11):
    ch = compare_editions(imd15, imd19, areas11, total_label="Walsall")
    assert isinstance(ch, ChangeResult) and ch.labels == ("IoD2015", "IoD2019")
    assert len(ch.per_lsoa) == 167
    assert ch.decile_moves.shape == (10, 10) and ch.decile_moves.to_numpy().sum() == 167
    assert ch.decile_moves.sum(axis=1).tolist() == [
        int((imd15["imd_decile"] == d).sum()) for d in range(1, 11)
    ]
    assert ch.decile_moves.sum(axis=0).tolist() == [
        int((imd19["imd_decile"] == d).sum()) for d in range(1, 11)
    ]
    row = ch.per_lsoa.set_index("lsoa_code").loc["E01010272"]
    r15 = imd15.set_index("lsoa_code").loc["E01010272", "imd_rank"]
    r19 = imd19.set_index("lsoa_code").loc["E01010272", "imd_rank"]
    assert row["rank_change"] == r19 - r15
    by = ch.by_area.set_index("locality")
    parts = by.drop(index="Walsall")
    for col in ("lsoas", "moved_to_more_deprived_decile", "same_decile", "lsoas_decile_1_to"):
        assert parts[col].sum() == by.loc["Walsall", col]
    assert "relative" in RELATIVE_RANKS_CAVEAT and "not that deprivation" in RELATIVE_RANKS_CAVEAT


def test_compare_editions_across_the_lsoa_change_uses_split_lsoas_parents(imd19, imd25, areas21):
    lookup = pd.read_csv(RAW / "lsoa11_lsoa21_lookup_walsall.csv")
    ch = compare_editions(imd19, imd25, areas21, lookup=lookup)
    assert ch.labels == ("IoD2019", "IoD2025")
    per = ch.per_lsoa.set_index("lsoa_code")
    assert len(per) == 169
    assert (per["change_type"] == "unchanged").sum() == 165
    splits = per.loc[per["change_type"] == "split"]
    assert splits["parent_lsoa_code"].to_dict() == {
        "E01033894": "E01032889", "E01033895": "E01032889",
        "E01033896": "E01010371", "E01033897": "E01010371",
    }
    rank19 = imd19.set_index("lsoa_code")["imd_rank"]
    assert (splits["rank_from"] == splits["parent_lsoa_code"].map(rank19)).all()
    unchanged = per.loc[per["change_type"] == "unchanged"]
    assert (unchanged.index == unchanged["parent_lsoa_code"]).all()
    # percentiles account for N changing from 32,844 to 33,755
    row = per.loc["E01033894"]
    assert row["percentile_to"] == pytest.approx(row["rank_to"] / 33_755 * 100)
    assert row["percentile_from"] == pytest.approx(row["rank_from"] / 32_844 * 100)
    assert ch.by_area["lsoas_compared"].sum() == 169


# by_area of each comparison by locality, with a Walsall row, as change_2015_2019 and
# change_2019_2025 gave them before the split into compare_editions (except the double count fixed in issue 13).
_BY_AREA_2015_2019 = {
    "locality": ["East", "North", "South", "West", "Walsall"],
    "lsoas": [57, 33, 35, 42, 167],
    "lsoas_compared": [57, 33, 35, 42, 167],
    "moved_to_more_deprived_decile": [20, 5, 8, 12, 45],
    "same_decile": [35, 28, 27, 29, 119],
    "moved_to_less_deprived_decile": [2, 0, 0, 1, 3],
    "median_percentile_change": [-2.4418463037388776, -1.3975155279503113, -1.1996102788941698,
                                 -1.9470831810985256, -1.744610887833396],
    "mean_rank_change": [-890.4035087719299, -411.2121212121212, -426.6857142857143,
                         -711.0714285714286, -653.4251497005988],
    "lsoas_decile_1_from": [1, 19, 11, 3, 34],
    "lsoas_decile_1_to": [1, 22, 13, 8, 44],
}
_BY_AREA_2019_2025 = {
    "locality": ["East", "North", "South", "West", "Walsall"],
    "lsoas": [57, 34, 36, 42, 169],
    "lsoas_compared": [57, 34, 36, 42, 169],
    "moved_to_more_deprived_decile": [6, 2, 7, 3, 18],
    "same_decile": [30, 28, 23, 23, 104],
    "moved_to_less_deprived_decile": [21, 4, 6, 16, 47],
    "median_percentile_change": [1.3941387159411853, 0.6057758738151644, -0.45244031290618913,
                                 1.8217216172307422, 0.7373886034033355],
    "mean_rank_change": [1229.7543859649122, 500.7647058823529, 290.52777777777777,
                         1239.0714285714287, 885.3372781065088],
    # IoD2019 neighbourhoods in England's most deprived 10%: a split 2011 LSOA counts once (not 23, 14, 46)
    "lsoas_decile_1_from": [1, 22, 13, 8, 44],
    "lsoas_decile_1_to": [1, 20, 16, 5, 42],
}


def test_compare_editions_gives_the_figures_of_the_old_functions(imd15, imd19, imd25, areas11, areas21):
    lookup = pd.read_csv(RAW / "lsoa11_lsoa21_lookup_walsall.csv")
    same = compare_editions(imd15, imd19, areas11, "locality", total_label="Walsall")
    pd.testing.assert_frame_equal(same.by_area, pd.DataFrame(_BY_AREA_2015_2019), check_exact=False, rtol=1e-12)
    assert int(np.trace(same.decile_moves)) == 119
    # same geography: ranks and deciles stay whole numbers
    assert same.per_lsoa["rank_change"].dtype == "int64" and same.per_lsoa["decile_to"].dtype == "int64"
    first = same.per_lsoa.iloc[0]
    assert (first["lsoa_code"], first["rank_from"], first["rank_to"], first["decile_change"]) == (
        "E01010241", 25925, 26693, 1)
    assert first["percentile_change"] == pytest.approx(2.3383266350018204, rel=1e-12)

    across = compare_editions(imd19, imd25, areas21, "locality", total_label="Walsall", lookup=lookup)
    pd.testing.assert_frame_equal(across.by_area, pd.DataFrame(_BY_AREA_2019_2025), check_exact=False, rtol=1e-12)
    assert int(np.trace(across.decile_moves)) == 104
    # no double counting across the 2011 -> 2021 splits: "before" is IoD2019's own count, area by area
    assert across.by_area["lsoas_decile_1_from"].tolist() == same.by_area["lsoas_decile_1_to"].tolist()
    assert across.per_lsoa["change_type"].value_counts().to_dict() == {"unchanged": 165, "split": 4}
    split = across.per_lsoa.set_index("lsoa_code").loc["E01033894"]
    assert (split["parent_lsoa_code"], split["rank_from"], split["rank_to"]) == ("E01032889", 352.0, 1405.0)
    assert split["percentile_change"] == pytest.approx(3.0906132780213382, rel=1e-12)


def test_compare_editions_refuses_mismatched_inputs(imd15, imd19, imd25, areas11, areas21):
    with pytest.raises(ReconciliationError, match="IoD2015 and IoD2019 frames hold different LSOAs"):
        compare_editions(imd15, imd19.iloc[1:], areas11)
    lookup = pd.read_csv(RAW / "lsoa11_lsoa21_lookup_walsall.csv")
    with pytest.raises(ReconciliationError, match="IoD2025 LSOA"):
        compare_editions(imd19, imd25, areas21, lookup=lookup.iloc[3:])
    with pytest.raises(ParameterError, match="no column 'LSOA21CD'"):
        compare_editions(imd19, imd25, areas21, lookup=lookup.drop(columns="LSOA21CD"))


# --------------------------------------------------------------------------- #
# MHCLG LA summary measures vs File 10
# --------------------------------------------------------------------------- #


def test_summary_measure_formulas_on_a_toy_case():
    imd = pd.DataFrame(
        {"lsoa_code": ["a", "b", "c", "d"], "la_code": "X", "imd_rank": [1, 2, 150, 400],
         "imd_score": [50.0, 40.0, 20.0, 5.0]}
    )
    pop = pd.Series([5.0, 10.0, 45.0, 40.0], index=list("abcd"))
    out = la_summary_measures(imd, pop, n_national=1000).loc["X"]
    assert out["average_score"] == pytest.approx((250 + 400 + 900 + 200) / 100)
    assert out["average_rank"] == pytest.approx((1000 * 5 + 999 * 10 + 851 * 45 + 601 * 40) / 100)
    # percentile 15 -> 0.95 - 4 * 0.9 / 19; percentile 40 -> 0
    assert out["extent"] == pytest.approx((5 + 10 + 45 * (0.95 - 4 * 0.9 / 19)) / 100)
    # 10% of 100 residents = all 5 of "a" and 5 of the 10 in "b"
    assert out["local_concentration"] == pytest.approx((1000 * 5 + 999 * 5) / 10)
    assert out["proportion_lsoas_decile_1"] == pytest.approx(0.5)


def test_walsall_2025_summary_measures_against_file_10(imd25, census, file10):
    ours = la_summary_measures(imd25, census).loc[WALSALL]
    off = file10.loc[WALSALL]
    assert off["imd_average_score"] == 31.732 and off["imd25_extent"] == 0.4822
    # no population weights needed: must match exactly
    assert round(ours["proportion_lsoas_decile_1"], 4) == off[
        "imd_proportion_of_lso_as_in_most_deprived_10_percent_nationally"
    ]
    # Census 2021 weights instead of MHCLG's mid-2022 ones (measured differences in
    # the la_summary_measures docstring): -0.041, -28.4, -0.0009, -4.0
    assert ours["average_score"] == pytest.approx(off["imd_average_score"], abs=0.1)
    assert ours["average_rank"] == pytest.approx(off["imd_average_rank"], abs=60)
    assert ours["extent"] == pytest.approx(off["imd25_extent"], abs=0.002)
    assert ours["local_concentration"] == pytest.approx(off["imd25_local_concentration"], abs=10)
    # indicative per-locality values weight back to the borough average
    by_loc = la_summary_measures(
        imd25, census, by=pd.read_csv(RAW / "lsoa21_ward_lookup_walsall.csv").set_index(
            "LSOA21CD")["locality"]
    )
    assert (by_loc["average_score"] * by_loc["residents"]).sum() / by_loc[
        "residents"
    ].sum() == pytest.approx(ours["average_score"])
    assert by_loc.loc["North", "average_score"] > by_loc.loc["East", "average_score"]


def test_all_england_summary_measures_against_file_10(imd25_england, census_england, file10):
    ours = rank_summary_measures(
        la_summary_measures(imd25_england, census_england, by="la_code")
    )
    assert len(ours) == 296 and set(ours.index) == set(file10.index)
    j = ours.join(file10)
    prop = "imd_proportion_of_lso_as_in_most_deprived_10_percent_nationally"
    mismatched = j.loc[j["proportion_lsoas_decile_1"].round(4) != j[prop]]
    assert list(mismatched.index) == ["E06000062"]  # West Northamptonshire
    # 5 of 237 LSOAs = 0.0211; File 10 says 0.021 (a one-LSOA difference in the lookup)
    assert (mismatched["proportion_lsoas_decile_1"] - mismatched[prop]).abs().max() < 1e-4
    for a, b, tol in (
        ("average_score", "imd_average_score", 0.4),
        ("average_rank", "imd_average_rank", 400),
        ("extent", "imd25_extent", 0.008),
    ):
        assert (j[a] - j[b]).abs().max() < tol
        assert np.corrcoef(j[a], j[b])[0, 1] > 0.9999
    assert abs(j.loc[WALSALL, "rank_of_average_score"] - 28) <= 1
    assert abs(j.loc[WALSALL, "rank_of_extent"] - 19) <= 1


# --------------------------------------------------------------------------- #
# Chi-square
# --------------------------------------------------------------------------- #


def test_chi_square_matches_a_hand_calculation():
    table = pd.DataFrame([[10, 20, 30], [20, 20, 10]], index=pd.Index(["A", "B"], name="area"),
                         columns=pd.Index([1, 2, 3], name="quintile"))
    rows, cols, n = [60, 50], [30, 40, 40], 110
    obs = [[10, 20, 30], [20, 20, 10]]
    chi2 = sum(
        (obs[i][j] - rows[i] * cols[j] / n) ** 2 / (rows[i] * cols[j] / n)
        for i in range(2) for j in range(3)
    )
    res = chi_square_by_area(table)
    assert res.statistic == pytest.approx(chi2)
    assert res.dof == 2
    assert res.p_value == pytest.approx(math.exp(-chi2 / 2))  # chi-square survival, 2 dof
    assert res.cramers_v == pytest.approx(math.sqrt(chi2 / n))
    assert res.expected.loc["A", 1] == pytest.approx(60 * 30 / 110)
    assert res.small_expected == []
    assert res.strength_band == 2 and res.significant  # V = 0.30 with k = 2: moderate
    text = chi_square_interpretation(res)
    assert text.endswith(".") and text.count(". ") == 0
    assert "more than chance" in text and "moderate" in text


def test_chi_square_agrees_with_scipy_stats_on_a_four_by_five_table():
    from scipy import stats

    obs = [[12, 30, 41, 9, 3], [40, 22, 18, 15, 11], [5, 9, 14, 30, 38], [20, 20, 19, 21, 20]]
    table = pd.DataFrame(obs, index=pd.Index(list("ABCD"), name="area"), columns=pd.Index([1, 2, 3, 4, 5], name="quintile"))
    chi2, p, dof, expected = stats.chi2_contingency(obs, correction=False)
    res = chi_square_by_area(table)
    assert res.statistic == pytest.approx(chi2, rel=1e-12)
    assert res.dof == dof == 12
    assert res.p_value == pytest.approx(p, rel=1e-9, abs=1e-300)
    assert res.expected.to_numpy() == pytest.approx(expected, rel=1e-12)


def test_chi_square_flags_small_expected_counts():
    table = pd.DataFrame([[3, 1], [1, 3]], index=["A", "B"], columns=[1, 2])
    res = chi_square_by_area(table)
    assert res.statistic == pytest.approx(2.0)  # 4 cells x (1 ** 2 / 2): no Yates correction
    assert len(res.small_expected) == 4
    text = chi_square_interpretation(res)
    assert "could be due to chance" in text
    assert "approximate" in text


def test_chi_square_on_walsall_lsoa_counts(imd25, census, areas21):
    counts = dep.quintile_lsoa_counts(imd25, areas21)
    assert counts.to_numpy().sum() == 169
    assert counts.sum(axis=0).tolist() == [34, 34, 34, 34, 33]
    res = chi_square_by_area(counts)
    assert res.unit == "LSOAs" and res.n == 169 and res.dof == 12
    assert 0 < res.cramers_v < 1
    # residents as the unit inflate the statistic ~n-fold but not Cramér's V much
    res_people = chi_square_by_area(
        dep.quintile_distribution(imd25, census, areas21), value_col="residents"
    )
    assert res_people.unit == "residents"
    assert res_people.statistic > 1000 * res.statistic / 2
    assert abs(res_people.cramers_v - res.cramers_v) < 0.1
    assert list(chi_square_table(res).columns)[:3] == ["unit", "n", "chi_square"]
    # the pack's sentence, as the code before the split wrote it
    assert chi_square_sentence(counts, "Locality") == chi_square_sentence(res) == (
        "**Is the difference between areas more than chance?** Counting LSOAs (169), the spread of "
        "neighbourhoods across the borough's deprivation quintiles differs between the 4 areas (locality) "
        "more than chance alone would explain (chi-square = 80.8, 12 degrees of freedom, p < 0.001), and "
        "the association is strong (Cramér's V = 0.40)."
    )
    table = chi_square_table(res)
    assert table["strength"].item() == "strong" and table["interpretation"].item() == chi_square_interpretation(res)


def test_importing_the_statistics_module_does_not_import_scipy():
    code = (
        "import sys, reviewpack.analysis.statistics, reviewpack.present.narrative.deprivation; "
        "print('scipy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --------------------------------------------------------------------------- #
# Most deprived neighbourhoods
# --------------------------------------------------------------------------- #


def test_most_deprived_lsoas(imd25, areas21):
    top = dep.most_deprived_lsoas(imd25, areas21, "North", n=5)
    north = set(areas21.loc[areas21["locality"] == "North", "lsoa_code"])
    assert len(top) == 5 and set(top["lsoa_code"]) <= north
    assert top["imd_rank"].is_monotonic_increasing
    expected_first = imd25.loc[imd25["lsoa_code"].isin(north)].nsmallest(1, "imd_rank")
    assert top["lsoa_code"].iloc[0] == expected_first["lsoa_code"].iloc[0]
    assert {"lsoa_name", "ward_name", "imd_decile"} <= set(top.columns)
    assert top["ward_name"].notna().all()
    with pytest.raises(ParameterError, match="choose from"):
        dep.most_deprived_lsoas(imd25, areas21, "Middle")
