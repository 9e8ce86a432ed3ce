"""Demand beyond age (issue 15, item 3): Census 2021 proportions, Wilson intervals, higher / similar / lower in words."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import numpy as np
import pytest

from reviewpack.analysis import demand
from reviewpack.analysis.sections import Pack
from reviewpack.config import load_pack_params
from reviewpack.errors import DataFileError
from reviewpack.ingest.census_topics import load_topics
from reviewpack.pipeline.compose import compose
from reviewpack.present.columns import ColumnContext, table_schema
from reviewpack.present.narrative import demand as words

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
LOCAL = RAW / "census2021_lsoa21_walsall_topics.csv"
ENGLAND = RAW / "census2021_lsoa21_england_topics.csv.gz"


@pytest.fixture(scope="module")
def north() -> Pack:
    return Pack.open("north", ROOT)


@pytest.mark.parametrize(
    ("x", "n", "lower", "upper"),
    [
        # Newcombe RG (1998) "Two-sided confidence intervals for the single proportion: comparison of seven methods",
        # Statistics in Medicine 17:857-872, Table I, method 3 (Wilson score, no continuity correction)
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0000, 0.1611),
        (1, 29, 0.0061, 0.1718),
        (29, 29, 0.8830, 1.0000),
    ],
)
def test_wilson_interval_matches_newcombe_1998(x: int, n: int, lower: float, upper: float) -> None:
    lo, up = demand.wilson_interval(x, n)
    assert (round(float(lo), 4), round(float(up), 4)) == (lower, upper)


def test_wilson_interval_vectorised_and_empty() -> None:
    lo, up = demand.wilson_interval(np.array([81, 0]), np.array([263, 0]))
    assert round(lo[0], 4) == 0.2553 and np.isnan(lo[1]) and np.isnan(up[1])
    assert pytest.approx(1.959963985) == demand.Z95


def test_comparison_rule() -> None:
    got = demand.compare([10, 10, 10, 10, np.nan], [12, 12, 12, 12, 1], [9.9, 10, 12, 12.1, 5])
    # above the benchmark, benchmark at either end (inside: similar), below, missing
    assert list(got) == ["higher", "similar", "similar", "lower", ""]


def test_north_disabled_against_an_independent_count(north: Pack) -> None:
    """Counts and totals from the raw rows, summed here with the csv module; the England share likewise."""
    locality = {r["LSOA21CD"]: r["locality"] for r in csv.DictReader((RAW / "lsoa21_ward_lookup_walsall.csv").open(encoding="utf-8"))}
    x = n = 0
    for r in csv.DictReader(LOCAL.open(encoding="utf-8")):
        if r["table"] == "TS038" and locality[r["lsoa21_code"]] == "North":
            n += int(r["count"])
            x += int(r["count"]) if r["category"] == "Disabled under the Equality Act" else 0
    ex = en = 0
    with gzip.open(ENGLAND, "rt", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["table"] == "TS038":
                en += int(r["count"])
                ex += int(r["count"]) if r["category"] == "Disabled under the Equality Act" else 0
    assert (x, n) == (12542, 59843)
    t = north.demand.table()
    row = t[(t["locality"] == "North") & (t["demand_measure"] == "disabled")].iloc[0]
    assert (row["census_count"], row["census_total"]) == (x, n)
    assert row["census_pct"] == pytest.approx(100 * x / n)
    assert row["england_pct"] == pytest.approx(100 * ex / en)
    assert row["vs_la"] == "higher" and row["vs_england"] == "higher"


def test_every_word_follows_the_intervals(north: Pack) -> None:
    t = north.demand.table()
    assert len(t) == 5 * 5 and list(t["locality"].unique()) == ["East", "North", "South", "West", "Walsall"]
    for r in t.itertuples():
        for word, bench in ((r.vs_la, r.la_pct), (r.vs_england, r.england_pct)):
            if r.locality == "Walsall" and word is r.vs_la:
                assert word == ""
                continue
            want = "higher" if r.ci_lower_pct > bench else "lower" if r.ci_upper_pct < bench else "similar"
            assert word == want, r
    # the borough's share is the sum of its areas' counts over the sum of their totals
    d = t[t["demand_measure"] == "overcrowded"].set_index("locality")
    areas = d.drop("Walsall")
    assert d.loc["Walsall", "census_count"] == areas["census_count"].sum()
    assert d.loc["Walsall", "census_pct"] == pytest.approx(100 * areas["census_count"].sum() / areas["census_total"].sum())


def test_findings_sentence(north: Pack) -> None:
    text = words.findings(north.demand.focus(), north.scope)
    assert text.startswith("**North at Census 2021** (shares of all residents or households; higher, similar or lower by the 95% interval):")
    assert (
        "- **Residents disabled under the Equality Act**: 21.0% of North's residents (95% CI 20.6–21.3%): "
        "higher than Walsall (19.1%) and higher than England (17.3%)."
    ) in text
    assert "- **Overcrowded households \\(too few bedrooms\\)**: 5.9% of North's households" in text
    borough = Pack.open("borough", ROOT)
    btext = words.findings(borough.demand.focus(), borough.scope)
    assert "19.1% of Walsall's residents (95% CI 18.9–19.2%): higher than England (17.3%)." in btext
    assert "than Walsall (" not in btext


def test_every_published_column_is_registered(north: Pack) -> None:
    ctx = ColumnContext(la_name="Walsall", grouping="locality", grouping_label="Locality")
    schema = table_schema(list(north.demand.table().columns), ctx, "census_demand")
    titles = {f["name"]: f["title"] for f in schema["fields"]}
    assert (titles["la_pct"], titles["vs_la"], titles["locality"]) == ("Walsall (%)", "Compared with Walsall", "Locality")
    assert [f["name"] for f in schema["fields"]][:3] == ["census_table", "demand_measure", "demand_label"]


def test_without_england(tmp_path: Path) -> None:
    extra = tmp_path / "p.yaml"
    extra.write_text("census_topics: {file: raw/census2021_lsoa21_walsall_topics.csv, england: null}\n", encoding="utf-8")
    dem = Pack.open("north", ROOT, [extra]).demand
    assert dem is not None and not dem.has_england
    t = dem.table()
    assert t["england_pct"].isna().all() and (t["vs_england"] == "").all()
    assert words.note(False).endswith("No England file is configured (census_topics.england), so there is no England comparison.")
    assert words.caption(dem.scope, False) == "Census 2021 measures of demand by locality, with 95% confidence intervals, against Walsall"


def test_no_census_topics_no_section() -> None:
    params = load_pack_params(ROOT, "borough", overrides={"census_topics": None}).model_dump(mode="json")
    heads = [c.source.splitlines()[0] for c in compose(ROOT, params).cells if c.cell_type == "markdown" and c.source.startswith("## ")]
    assert heads[2:4] == ["## 1. Population demand", "## 2. Deprivation"]
    assert Pack.from_params(params, ROOT).demand is None


def test_load_topics_errors(tmp_path: Path) -> None:
    f = tmp_path / "t.csv"
    f.write_text("lsoa21_code,table,category\nE1,TS038,x\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"is missing column\(s\) 'count'; it needs lsoa21_code, table, category, count"):
        load_topics(f, ["TS038"])
    f.write_text("lsoa21_code,table,category,count\nE1,TS038,x,3\nE1,TS038,y,-1\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"row 3, column 'count' holds '-1'; a Census count is a whole number of at least 0"):
        load_topics(f, ["TS038"])
    f.write_text("lsoa21_code,table,category,count\nE1,TS038,x,3\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"has no rows for Census table\(s\) TS011 \(it has TS038\)"):
        load_topics(f, ["TS038", "TS011"])
    with pytest.raises(DataFileError, match=r"has no rows for 1 of the local authority's 2 LSOAs \(e\.g\. E2\)"):
        load_topics(f, ["TS038"], ["E1", "E2"])
    t = load_topics(f, ["TS038"], ["E1"])
    with pytest.raises(DataFileError, match=r"has no category 'Disabled under the Equality Act' in table TS038 \(measure 'disabled'\)"):
        demand.proportions(t, None, demand.MEASURES[:1])


def test_a_bad_topics_file_stops_the_build_before_any_notebook(project_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from reviewpack.cli import main

    target = project_copy / "data" / "raw" / "census2021_lsoa21_walsall_topics.csv"
    text = target.read_text(encoding="utf-8").replace(",541\n", ",-541\n", 1)
    bad = project_copy / "data" / "bad_topics.csv"
    bad.write_text(text, encoding="utf-8")
    extra = project_copy / "p.yaml"
    extra.write_text("census_topics: {file: bad_topics.csv, england: null}\n", encoding="utf-8")
    out = project_copy / "reports" / "x"
    code = main(["--project", str(project_copy), "build", "--pack", "borough", "--params", str(extra), "--out", str(out), "--no-cache"])
    assert code == 2
    err = capsys.readouterr().err
    assert "bad_topics.csv', row 2, column 'count' holds '-541'; a Census count is a whole number of at least 0" in err
    assert not (out / "borough.html").exists()
