"""Compared with England, the region and councils like us: independent sums of the raw files."""

from __future__ import annotations

import csv
import gzip
import math
from pathlib import Path

import pytest

from reviewpack.analysis import benchmarks
from reviewpack.analysis.sections import Pack
from reviewpack.errors import DataFileError, ParameterError
from reviewpack.ingest import national

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
WALSALL = "E08000030"


def _rows(name: str) -> list[dict[str, str]]:
    path = RAW / name
    opener = gzip.open if name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8-sig", newline="") as fh:  # type: ignore[operator]
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def raw() -> dict:
    """Every council's eight features, summed here from the CSVs with the standard library only."""
    f10 = {r["ltla24_code"]: r for r in _rows("imd2025_ltla24_summaries_england.csv")}
    age = {r["lsoa21_code"]: r for r in _rows("census2021_lsoa21_england_wales_age6.csv.gz")}
    sums: dict[str, list[float]] = {}
    lsoa_rows = _rows("imd2025_lsoa21_england.csv.gz")
    for r in lsoa_rows:
        a = age[r["LSOA code (2021)"]]
        s = sums.setdefault(r["Local Authority District code (2024)"], [0.0, 0.0, 0.0, 0.0, 0.0])
        decile = int(r["Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)"])
        n = float(a["total_usual_residents"])
        s[0] += n
        s[1] += float(a["age_0_15"])
        s[2] += float(a["age_65_plus"])
        s[3] += n if decile == 1 else 0
        s[4] += n if decile <= 2 else 0
    feats = {}
    for code, r in f10.items():
        n, a0, a65, d1, d12 = sums[code]
        feats[code] = [
            float(r["imd_average_score"]), float(r["imd_average_rank"]),
            float(r["imd_proportion_of_lso_as_in_most_deprived_10_percent_nationally"]), float(r["imd25_extent"]),
            float(r["imd25_local_concentration"]), 100 * a0 / n, 100 * a65 / n, math.log(n),
        ]
    return {"f10": f10, "sums": sums, "feats": feats, "lsoas": lsoa_rows, "age": age}


@pytest.fixture(scope="module")
def section():
    bm = Pack.open("borough").benchmarks
    assert bm is not None
    return bm


def _independent_neighbours(feats: dict[str, list[float]], code: str, n: int) -> list[str]:
    codes = sorted(feats)
    k = len(feats[code])
    means = [sum(feats[c][j] for c in codes) / len(codes) for j in range(k)]
    sds = [math.sqrt(sum((feats[c][j] - means[j]) ** 2 for c in codes) / len(codes)) for j in range(k)]
    z = {c: [(feats[c][j] - means[j]) / sds[j] for j in range(k)] for c in codes}
    dist = {c: math.sqrt(sum((z[c][j] - z[code][j]) ** 2 for j in range(k))) for c in codes if c != code}
    return sorted(dist, key=lambda c: (dist[c], c))[:n]


#: Walsall's 15 nearest councils (IMD 2025 File 10 measures, Census 2021 age structure and size).
WALSALL_NEIGHBOURS = [
    "E08000001", "E08000031", "E06000021", "E08000005", "E09000010", "E08000008", "E08000006", "E08000028",
    "E06000015", "E06000016", "E08000017", "E08000018", "E08000004", "E06000031", "E08000016",
]


def test_walsall_neighbours_pinned_and_independent(section, raw):
    got = list(section.neighbours()["la_code"])
    assert got == WALSALL_NEIGHBOURS
    assert got == _independent_neighbours(raw["feats"], WALSALL, 15)
    assert list(section.neighbours()["neighbour_order"]) == list(range(1, 16))


def test_neighbours_are_deterministic_and_ties_go_by_code(section):
    c = section.councils
    assert list(benchmarks.nearest_neighbours(c.sample(frac=1, random_state=3), WALSALL)["la_code"]) == WALSALL_NEIGHBOURS
    twin = c[c["la_code"] == "E08000001"].assign(la_code="E08000000", la_name="Twin")
    import pandas as pd

    near = benchmarks.nearest_neighbours(pd.concat([c, twin], ignore_index=True), WALSALL, 3)
    assert list(near["la_code"])[:2] == ["E08000000", "E08000001"]  # the same distance: the lower code first


def test_england_ranks_equal_file10_ranks(section, raw):
    """Our ranks among the 296 councils equal MHCLG's published 'rank of' columns for Walsall."""
    t = section.england().set_index("benchmark_measure")
    r = raw["f10"][WALSALL]
    assert t.loc["average_score", "council_rank"] == float(r["imd_rank_of_average_score"]) == 28
    assert t.loc["average_rank", "council_rank"] == float(r["imd_rank_of_average_rank"])
    assert t.loc["proportion_lsoas_decile_1", "council_rank"] == float(r["imd_rank_of_proportion_of_lso_as_in_most_deprived_10_percent_nationally"])
    assert t.loc["extent", "council_rank"] == float(r["imd25_rank_of_extent"])
    assert t.loc["local_concentration", "council_rank"] == float(r["imd25_rank_of_local_concentration"])
    assert (t["councils"] == 296).all()
    scores = sorted(float(x["imd_average_score"]) for x in raw["f10"].values())
    assert t.loc["average_score", "england_median"] == pytest.approx((scores[147] + scores[148]) / 2)
    assert t.loc["average_score", "england_min"] == scores[0] and t.loc["average_score", "england_max"] == scores[-1]
    assert t.loc["average_score", "vs_england"] == "higher"


def test_residents_shares_against_england_and_region(section, raw):
    t = section.england().set_index("benchmark_measure")
    n, _, _, d1, d12 = raw["sums"][WALSALL]
    assert t.loc["residents_decile_1_pct", "council_value"] == pytest.approx(100 * d1 / n)
    assert t.loc["residents_decile_1_2_pct", "council_value"] == pytest.approx(100 * d12 / n)
    tot = sum(s[0] for s in raw["sums"].values())
    assert t.loc["residents_decile_1_pct", "england_value"] == pytest.approx(100 * sum(s[3] for s in raw["sums"].values()) / tot)
    assert t.loc["residents_decile_1_2_pct", "england_value"] == pytest.approx(100 * sum(s[4] for s in raw["sums"].values()) / tot)
    wm = {r["LAD24CD"] for r in _rows("lad24_region_england.csv") if r["RGN24NM"] == "West Midlands"}
    assert len(wm) == 30 and t.loc["average_score", "region_name"] == "West Midlands"
    w = s = 0.0
    for r in raw["lsoas"]:
        if r["Local Authority District code (2024)"] in wm:
            p = float(raw["age"][r["LSOA code (2021)"]]["total_usual_residents"])
            w += p
            s += p * float(r["Index of Multiple Deprivation (IMD) Score"])
    assert t.loc["average_score", "region_value"] == pytest.approx(s / w)
    assert t.loc["average_score", "vs_region"] == ""  # a mean is not put in words
    assert t.loc["residents_decile_1_pct", "vs_region"] == "higher"
    assert math.isnan(t.loc["extent", "region_value"])


def test_ranks_among_neighbours(section, raw):
    ranks = section.neighbour_ranks().set_index("benchmark_measure")
    group = [WALSALL, *WALSALL_NEIGHBOURS]
    scores = sorted((float(raw["f10"][c]["imd_average_score"]) for c in group), reverse=True)
    assert ranks.loc["average_score", "rank_among_neighbours"] == scores.index(float(raw["f10"][WALSALL]["imd_average_score"])) + 1
    assert (ranks["group_size"] == 16).all()


def test_user_list_of_neighbours(section):
    nb = benchmarks.chosen_neighbours(section.councils, WALSALL, ["E08000028", "E08000027"])
    assert list(nb["la_code"]) == ["E08000028", "E08000027"] and list(nb["neighbour_order"]) == [1, 2]
    with pytest.raises(ParameterError, match="'E09999999' is not an English council code of File 10"):
        benchmarks.chosen_neighbours(section.councils, WALSALL, ["E09999999"])
    with pytest.raises(ParameterError, match="must list other councils"):
        benchmarks.chosen_neighbours(section.councils, WALSALL, [WALSALL])


def test_only_in_the_borough_pack():
    assert Pack.open("north").benchmarks is None


def test_bad_national_file_names_file_row_and_column(tmp_path):
    bad = tmp_path / "f10.csv"
    lines = (RAW / "imd2025_ltla24_summaries_england.csv").read_text(encoding="utf-8").splitlines()
    head = lines[0].split(",")
    row = lines[3].split(",")
    row[head.index("imd_average_score")] = "n/a"
    bad.write_text("\n".join([lines[0], lines[1], lines[2], ",".join(row)]) + "\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"row 4, column 'imd_average_score': 'n/a' is not a number"):
        national.load_la_summaries(bad)
    missing = tmp_path / "regions.csv"
    missing.write_text("LAD24CD,LAD24NM\nE08000030,Walsall\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="missing column"):
        national.load_regions(missing)
