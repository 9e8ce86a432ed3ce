"""End to end: a real build of the default packs, as `make pack` runs it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import RAW

from reviewpack.cli import main

PACKS = ["borough", "north", "south", "east", "west"]


def test_output_contract(built_reports: Path) -> None:
    for name in PACKS:
        assert (built_reports / f"{name}.html").is_file()
        assert (built_reports / "tables" / name / "population_by_locality.csv").is_file()
    assert (built_reports / "index.html").is_file()
    manifest = json.loads((built_reports / "manifest.json").read_text())
    assert manifest["pack_order"] == PACKS and set(manifest["packs"]) == set(PACKS)
    assert manifest["reviewpack_version"] == "0.1.0"
    # the raw files these packs use (and SOURCES.md), not every file in data/raw (issue 14)
    listed = set(manifest["data_checksums_sha256"])
    assert len(listed) >= 20 and {"SOURCES.md", "imd2025_lsoa21_walsall.csv", "walsall_ward_locality.csv"} <= listed
    assert "grants_360giving_walsall.csv" not in listed and "imd2015_lsoa_england.csv.gz" not in listed
    assert manifest["reconciliation"]["population_totals_by_year"]["2021"] == 284_106
    for meta in manifest["packs"].values():
        for t in meta["tables"]:
            assert (built_reports / t).is_file()


@pytest.mark.parametrize("name", PACKS)
def test_html_reads_as_a_report_not_a_notebook(built_reports: Path, name: str) -> None:
    html = (built_reports / f"{name}.html").read_text()
    assert html.count("<h1") == 1
    for notebook_trace in (
        "jp-InputArea", "In&nbsp;[", "In [", "import ", "Pack.from_params", "present.sections", "show.context(", "Traceback",
        "require.js", "mathjax", "https://cdn",
    ):
        assert notebook_trace not in html, f"{name}.html contains {notebook_trace!r}"
    assert "No description has been provided for this image" not in html
    assert "<script" not in html.lower()
    assert re.search(r'src="(?!data:)', html) is None, "every image must be inline"
    assert "Key messages" in html and "Methodology and sources" in html
    assert "Open Government Licence v3.0" in html
    imgs = re.findall(r"<img [^>]*>", html)
    assert imgs and all(re.search(r'alt="[^"]{20,}"', i) for i in imgs)


def test_locality_pack_says_its_numbers(built_reports: Path) -> None:
    html = (built_reports / "north.html").read_text()
    file7 = pd.read_csv(RAW / "imd2025_file7_walsall.csv")
    locality = pd.read_csv(RAW / "lsoa21_ward_lookup_walsall.csv").set_index("LSOA21CD")["locality"]
    north = int(file7.loc[file7["LSOA code (2021)"].map(locality) == "North", "Total population: mid 2022"].sum())
    assert f"North had {north:,} residents at mid-2022 (ONS estimates, as IoD2025 used them)" in html
    # the 2014 baseline is marked as an estimate in the population table, and growth is stated on one consistent series
    assert '<tr class="estimated">' in html
    assert "on one consistent series, the mid-year estimates from mid-2015 to mid-2020" in html


def test_tables_reconcile_with_borough(built_reports: Path) -> None:
    borough = pd.read_csv(built_reports / "tables" / "borough" / "population_by_locality.csv")
    for name in PACKS[1:]:
        pack = pd.read_csv(built_reports / "tables" / name / "population_by_locality.csv")
        pd.testing.assert_frame_equal(pack, borough)
    census_total = int(pd.read_csv(RAW / "census2021_lsoa21_walsall_age6.csv")["total_usual_residents"].sum())
    got = borough[(borough["year"] == 2021) & (borough["age_band"] == "all")]["population"].sum()
    assert got == census_total == 284_106


def test_index_links_every_pack(built_reports: Path) -> None:
    html = (built_reports / "index.html").read_text()
    for name in PACKS:
        assert f'href="{name}.html"' in html
    assert "One pack for the borough overview and one for each locality." in html
    assert "ILLUSTRATIVE" not in html  # the default packs read only real data


def test_cli_list(capsys: pytest.CaptureFixture[str], root: Path) -> None:
    assert main(["--project", str(root), "list"]) == 0
    out = capsys.readouterr().out
    assert "north" in out and "Locality 'North'" in out and "all of Walsall" in out


def test_cli_user_error_exit_2_without_traceback(capsys: pytest.CaptureFixture[str], root: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    assert main(["--project", str(root), "build", "--pack", "centre", "--out", str(out_dir)]) == 2
    err = capsys.readouterr().err
    assert "error: Unknown pack 'centre'. Valid packs: borough, north, south, east, west." in err
    assert "Traceback" not in err
    assert not out_dir.exists()


def test_failed_build_keeps_last_good_output(project_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "latest"
    out.mkdir()
    (out / "index.html").write_text("last good")
    (out / "manifest.json").write_text('{"reviewpack_version": "0.1.0"}')
    raw = project_copy / "data" / "raw" / "population_lsoa_walsall_broadage_panel.csv"
    raw.write_text(raw.read_text().replace("1492", "1493", 1))
    assert main(["--project", str(project_copy), "build", "--out", str(out)]) == 2
    assert "population_lsoa_walsall_broadage_panel.csv' has changed" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["index.html", "manifest.json"]
    assert (out / "index.html").read_text() == "last good"
    assert not [p for p in tmp_path.iterdir() if "staging" in p.name]


def test_deprivation_contract_table(built_reports: Path) -> None:
    t = pd.read_csv(built_reports / "tables" / "borough" / "deprivation_quintile_distribution.csv")
    assert list(t.columns) == ["imd_vintage", "quintile", "locality", "residents", "share_of_quintile_pct"]
    assert set(t["imd_vintage"]) == {"IoD2015", "IoD2019", "IoD2025"}
    assert len(t) == 3 * 5 * 4  # every vintage x quintile x locality, zeros included
    sums = t.groupby(["imd_vintage", "quintile"])["share_of_quintile_pct"].sum()
    assert ((sums - 100).abs() <= 0.1).all()
    # each edition's residents add up to its population base (IoD2025: File 7's mid-2022 denominators)
    assert t[t["imd_vintage"] == "IoD2025"]["residents"].sum() == 286_218
    assert t[t["imd_vintage"] == "IoD2015"]["residents"].sum() == 270_924


def test_deprivation_section_renders(built_reports: Path) -> None:
    html = (built_reports / "north.html").read_text()
    assert "3. Deprivation" in html
    assert re.search(r'<img [^>]*alt="Map of [^"]*North[^"]*"', html), "the map with alt text naming the locality"
    assert "The 10 most deprived neighbourhoods in North" in html
    assert "Walsall 017B" in html  # North's most deprived LSOA in IoD2025 (rank 272)
    borough = (built_reports / "borough.html").read_text()
    assert "Cramér" in borough
    size = max((built_reports / f"{p}.html").stat().st_size for p in PACKS)
    assert size <= 1_500_000


def test_grants_contract_table(built_reports: Path) -> None:
    t = pd.read_csv(built_reports / "tables" / "borough" / "grants_by_locality.csv")
    assert list(t.columns) == [
        "locality", "grants", "amount_awarded_gbp", "population", "amount_per_head_gbp", "share_of_amount_pct", "share_of_population_pct",
    ]
    # independent: the raw aggregated register summed by its own locality column
    raw = pd.read_csv(RAW / "grants_360giving_walsall_ward_funder_year.csv")
    expect = raw.groupby("locality")[["grant_count", "amount_awarded_total"]].sum()
    got = t.set_index("locality")
    assert got["grants"].to_dict() == expect["grant_count"].to_dict()
    assert got["amount_awarded_gbp"].round(2).to_dict() == expect["amount_awarded_total"].round(2).to_dict()
    assert got["grants"].sum() == 359 and round(got["amount_awarded_gbp"].sum(), 2) == 20_281_542.87
    per_head = got["amount_awarded_gbp"] / got["population"]
    assert (per_head.round(6) == got["amount_per_head_gbp"].round(6)).all()
    html = (built_reports / "borough.html").read_text()
    assert "359 grants (£20,281,542.87) in 155 rows = 359 placed" in html
    assert "recipient organisation" in html  # the placement caveat is stated
    assert "ILLUSTRATIVE" not in html


def test_default_packs_never_read_examples(root: Path) -> None:
    from reviewpack.config import load_pack_params

    for name in PACKS:
        g = load_pack_params(root, name).grants
        assert g.register.startswith("raw/") and not g.illustrative


def test_illustrative_example_is_labelled(root: Path, tmp_path: Path) -> None:
    out = tmp_path / "illustrative"
    params = root / "params" / "examples" / "area_partnership_illustrative.yaml"
    assert main(["--project", str(root), "build", "--params", str(params), "--out", str(out), "--pack", "north", "--no-cache"]) == 0
    html = (out / "north.html").read_text()
    assert "ILLUSTRATIVE — not real grants" in html
    assert "ILLUSTRATIVE — not real grants." in (out / "index.html").read_text()
    assert "Area partnership budget against spend" in html
    budget = pd.read_csv(out / "tables" / "north" / "area_partnership_budget.csv")
    assert set(budget["budget_gbp"].dropna()) == {40000.0}
    assert (out / "tables" / "north" / "grants_by_locality.csv").is_file()


def test_boundary_options_in_borough_pack_only(built_reports: Path) -> None:
    t = pd.read_csv(built_reports / "tables" / "borough" / "grouping_comparison.csv")
    assert list(t.columns) == [
        "grouping", "area", "wards", "population", "share_of_population_pct", "share_of_most_deprived_quintile_pct", "demand_index",
    ]
    assert "5. Boundary options" in (built_reports / "borough.html").read_text()
    assert "Boundary options" not in (built_reports / "north.html").read_text()


@pytest.mark.parametrize("name", ["borough", "north"])
def test_section_numbers_have_no_gaps(built_reports: Path, name: str) -> None:
    """Optional subsections (e.g. the area partnership budget, only with such a register) must not
    leave a gap in the numbering a reader sees: 3.1, 3.2, 3.3, 3.4 — never 3.3, 3.6."""
    import re

    page = (built_reports / f"{name}.html").read_text(encoding="utf-8")
    numbers = re.findall(r"<h3[^>]*>\s*(\d+)\.(\d+) ", page)
    assert numbers, "no numbered subsections found"
    by_section: dict[str, list[int]] = {}
    for section, sub in numbers:
        by_section.setdefault(section, []).append(int(sub))
    for section, subs in by_section.items():
        assert subs == list(range(1, len(subs) + 1)), f"section {section}: {subs}"
    assert {"1", "2", "3"} <= set(by_section)


def test_csv_headers_carry_units(built_reports: Path) -> None:
    """Tables are tidy with units in the headers: percentages end in _pct, ratios say their base."""
    def header(name: str) -> list[str]:
        return (built_reports / "tables" / "borough" / f"{name}.csv").read_text(encoding="utf-8").splitlines()[0].split(",")

    assert header("national_position") == [
        "imd_vintage", "locality", "lsoas", "residents", "lsoas_decile_1", "lsoas_decile_1_2",
        "share_lsoas_decile_1_pct", "share_lsoas_decile_1_2_pct", "residents_decile_1", "residents_decile_1_2",
        "share_residents_decile_1_pct", "share_residents_decile_1_2_pct",
    ]
    assert header("dependency_ratios") == ["year", "area", "child_dependency_per_100", "old_age_dependency_per_100", "estimated"]
    national = pd.read_csv(built_reports / "tables" / "borough" / "national_position.csv")
    recomputed = 100 * national["residents_decile_1"] / national["residents"]
    assert (recomputed - national["share_residents_decile_1_pct"]).abs().max() < 1e-9
