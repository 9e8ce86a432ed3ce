"""``reviewpack init``: a project folder for another English council, its errors, and an end-to-end build.

The council is Hartlepool (E06000001), not Walsall; its wards come from the England-wide ONS lookup
in data/raw/ and the two-area mapping is made here from them (test data: the split is arbitrary).
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
from pathlib import Path

import pytest

from reviewpack.cli import main

ROOT = Path(__file__).resolve().parents[1]
LOOKUP = ROOT / "data" / "raw" / "lsoa21_ward24_lad24_lookup_england.csv.gz"
CENSUS = ROOT / "data" / "raw" / "census2021_lsoa21_england_wales_age6.csv.gz"
CODE = "E06000001"


def _lookup_rows() -> list[dict[str, str]]:
    with gzip.open(LOOKUP, "rt", encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _wards(code: str) -> list[str]:
    return sorted({r["WD24CD"] for r in _lookup_rows() if r["LAD24CD"] == code})


def _mapping(path: Path, rows: list[tuple[str, str]], header: str = "ward_code,town") -> Path:
    path.write_text(header + "\n" + "".join(f"{w},{a}\n" for w, a in rows), encoding="utf-8")
    return path


def _two_towns(tmp_path: Path) -> Path:
    wards = _wards(CODE)
    return _mapping(tmp_path / "my_towns.csv", [(w, "North Hartlepool" if i < 6 else "South Hartlepool") for i, w in enumerate(wards)])


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    rc = main(["--project", str(ROOT), *args])
    out, err = capsys.readouterr()
    return rc, out, err


def test_init_writes_a_project_for_every_ward(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = _run(["init", str(tmp_path / "hart"), "--council", "e06000001"], capsys)
    assert rc == 0
    proj = tmp_path / "hart"
    wards = _wards(CODE)
    assert len(wards) == 12
    packs = sorted(p.stem for p in (proj / "params").glob("*.yaml") if p.stem != "defaults")
    assert len(packs) == 1 + len(wards) and "borough" in packs
    assert f"reviewpack --project {proj} build" in out
    # every file in data/raw has its checksum, and each equals the checkout's copy
    sums = dict(reversed(line.split("  ", 1)) for line in (proj / "data" / "checksums.sha256").read_text().splitlines())
    raw = sorted(p.name for p in (proj / "data" / "raw").iterdir())
    assert sorted(sums) == raw
    for name in raw:
        assert hashlib.sha256((proj / "data" / "raw" / name).read_bytes()).hexdigest() == sums[name]
        assert (proj / "data" / "raw" / name).read_bytes() == (ROOT / "data" / "raw" / name).read_bytes()
    for f in (proj / "params").glob("*.yaml"):
        text = f.read_text()
        assert str(tmp_path) not in text and str(ROOT) not in text and "Walsall" not in text
    assert "reviewpack --project . build" in (proj / "README.md").read_text()


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("unknown_council", "error: --council 'E09999999' is not one of the English councils in the national lookup "
         "(raw/lsoa21_ward24_lad24_lookup_england.csv.gz). 'reviewpack list --national' lists the codes (e.g. E06000001 Hartlepool)."),
        ("other_council_ward", "error: --areas file 'towns.csv', row 3, column 'ward_code': 'E05001301' is not a ward of Hartlepool "
         "(E06000001) in the LSOA 2021 -> ward 2024 lookup. Use the council's 2024 ward codes (the mapping must name only its wards)."),
        ("no_ward_code", "error: --areas file 'towns.csv' has no column 'ward_code' (its columns: code, town). Give a CSV with "
         "ward_code (the 2024 ONS ward code, E05...) and one area column."),
        ("ward_twice", "error: --areas file 'towns.csv', row 3: ward E05013038 (Burn Valley) is listed twice. Put every ward in exactly one area."),
        ("ward_missing", "error: --areas file 'towns.csv' leaves out 11 of the 12 wards of Hartlepool: E05013039 (De Bruce), "
         "E05013040 (Fens & Greatham), E05013041 (Foggy Furze), E05013042 (Hart), E05013043 (Headland & Harbour) .... "
         "Put every ward in exactly one area."),
        ("two_area_columns", "error: --areas file 'towns.csv' needs exactly one area column besides ward_code and ward_name, "
         "or --area-name naming it (it has: town, district)."),
    ],
)
def test_init_refuses_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str, message: str) -> None:
    wards = _wards(CODE)
    walsall_ward = _wards("E08000030")[0]
    towns = tmp_path / "towns.csv"
    code = CODE
    if case == "unknown_council":
        code = "E09999999"
        _mapping(towns, [(w, "A") for w in wards])
    elif case == "other_council_ward":
        _mapping(towns, [(wards[0], "A"), (walsall_ward, "B")])
    elif case == "no_ward_code":
        _mapping(towns, [(w, "A") for w in wards], header="code,town")
    elif case == "ward_twice":
        _mapping(towns, [(wards[0], "A"), (wards[0], "B")])
    elif case == "ward_missing":
        _mapping(towns, [(wards[0], "A")])
    elif case == "two_area_columns":
        towns.write_text("ward_code,town,district\n" + "".join(f"{w},A,B\n" for w in wards), encoding="utf-8")
    rc, _, err = _run(["init", str(tmp_path / "proj"), "--council", code, "--areas", str(towns)], capsys)
    assert (rc, err.strip()) == (2, message)
    assert not (tmp_path / "proj").exists()  # nothing written


def test_walsall_ward_code_is_one(capsys: pytest.CaptureFixture[str]) -> None:
    """The 'other council' case above really uses a Walsall ward (the code in its message)."""
    assert _wards("E08000030")[0] == "E05001301"


@pytest.mark.slow
def test_another_council_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    proj = tmp_path / "hartlepool"
    wards = _wards(CODE)
    # TEST DATA, made up here: two grants coded with Hartlepool's 2024 ward codes (one per area)
    register = tmp_path / "test_register.csv"
    register.write_text(
        "Identifier,Title,Description,Currency,Amount Awarded,Award Date,Recipient Org:Identifier,Recipient Org:Name,"
        "Funding Org:Identifier,Funding Org:Name,Beneficiary Location:Geographic Code,Beneficiary Location:Geographic Code Type\n"
        f"360G-test-1,Test grant one,Test data,GBP,1000,2023-05-01,GB-CHC-1,Test org one,GB-TEST-F,Test funder,{wards[0]},WD\n"
        f"360G-test-2,Test grant two,Test data,GBP,2500,2023-06-01,GB-CHC-2,Test org two,GB-TEST-F,Test funder,{wards[-1]},WD\n",
        encoding="utf-8",
    )
    rc, _, err = _run(["init", str(proj), "--council", CODE, "--areas", str(_two_towns(tmp_path)), "--grants", str(register)], capsys)
    assert rc == 0, err
    assert main(["--project", str(proj), "list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in listed] == ["borough", "north-hartlepool", "south-hartlepool"]
    assert main(["--project", str(proj), "build", "--jobs", "2"]) == 0
    capsys.readouterr()
    out = proj / "reports" / "latest"
    for pack in ("borough", "north-hartlepool", "south-hartlepool"):
        assert (out / f"{pack}.html").is_file()

    # residents of the two areas add up to Hartlepool's Census 2021 total, computed here from the national files
    lsoas = {r["LSOA21CD"] for r in _lookup_rows() if r["LAD24CD"] == CODE}
    with gzip.open(CENSUS, "rt", encoding="utf-8-sig", newline="") as fh:
        total = sum(int(r["total_usual_residents"]) for r in csv.DictReader(fh) if r["lsoa21_code"] in lsoas)
    assert total > 90000
    with open(out / "tables" / "borough" / "population_by_town.csv", newline="", encoding="utf-8") as fh:
        every = list(csv.DictReader(fh))
    rows = [r for r in every if r["year"] == "2021" and r["age_band"] == "all"]
    assert sorted(r["town"] for r in rows) == ["North Hartlepool", "South Hartlepool"]
    assert sum(int(r["population"]) for r in rows) == total
    # no File 7 rows in the project: Census 2021 is the latest year, with no mid-2022 and no IoD bands
    assert {r["year"] for r in every} == {"2021"} and {r["age_band"] for r in every} <= {"all", "0-15", "16-64", "65+"}
    assert "Residents (Census 2021)" in dict(json.loads((out / "manifest.json").read_text())["packs"]["borough"]["headlines"])

    # the user's mapping is in the sources table by name, with its checksum
    with open(out / "tables" / "borough" / "data_sources.csv", newline="", encoding="utf-8") as fh:
        sources = {r["file"]: r for r in csv.DictReader(fh)}
    assert sources["my_towns.csv"]["sha256"] == hashlib.sha256((proj / "data" / "raw" / "my_towns.csv").read_bytes()).hexdigest()

    assert sources["test_register.csv"]["sha256"] == hashlib.sha256(register.read_bytes()).hexdigest()

    # the grants: placed by ward code, one in each area
    with open(out / "tables" / "borough" / "grants_by_town.csv", newline="", encoding="utf-8") as fh:
        grants = {r["town"]: float(r["amount_awarded_gbp"]) for r in csv.DictReader(fh)}
    assert grants == {"North Hartlepool": 1000.0, "South Hartlepool": 2500.0}
    assert "placed by ward code: 2; by LSOA code: 0; by postcode: 0; not placed (or rejected): 0" in (out / "borough.html").read_text()

    # nothing of Walsall, and no local path, anywhere in what was published
    published = [p for p in out.rglob("*") if p.is_file() and p.suffix in (".html", ".csv", ".json")]
    assert any(p.name == "manifest.json" for p in published)
    for p in published:
        text = p.read_text(encoding="utf-8")
        assert "walsall" not in text.lower(), p
        assert str(tmp_path) not in text and str(ROOT) not in text, p
    assert json.loads((out / "manifest.json").read_text())
