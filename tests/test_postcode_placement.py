"""Grants placed by postcode (issue 14, item 4): normalising, the lookups (derived Walsall file and
NSPL/ONSPD format), placement order, per-row placement counts, the pack's placement sentence, and a
register where nothing is placed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from reviewpack.errors import DataFileError
from reviewpack.ingest import threesixtygiving as T
from reviewpack.ingest.threesixtygiving import postcodes as P
from reviewpack.ingest.threesixtygiving.place import placement_method

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
NSPL = Path(__file__).resolve().parent / "data" / "postcodes" / "nspl_format_test.csv"
WALSALL_LOOKUP = RAW / "postcode_lsoa21_walsall_derived.csv"
TODAY = "2025-01-01"
HEADER = (
    "Identifier,Title,Description,Currency,Amount Awarded,Award Date,Recipient Org:Identifier,Recipient Org:Name,"
    "Recipient Org:Postal Code,Funding Org:Identifier,Funding Org:Name"
)


def register_file(tmp_path: Path, rows: list[tuple[str, ...]], extra_cols: tuple[str, ...] = ()) -> Path:
    """A grant-level 360Giving CSV: (id, amount, recipient postcode, *extra) per row."""
    lines = [HEADER + "".join("," + c for c in extra_cols)]
    for ident, amount, postcode, *extra in rows:
        cells = [ident, "t", "d", "GBP", amount, "2020-05-01", f"GB-X-{ident}", f"Org {ident}", postcode, "GB-F", "Funder"]
        lines.append(",".join(cells + list(extra)))
    path = tmp_path / "register.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def hartlepool() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Hartlepool's wards (each its own area) and LSOA 2021 -> ward lookup, from the ONS England lookup."""
    lk = pd.read_csv(RAW / "lsoa21_ward24_lad24_lookup_england.csv.gz", dtype=str)
    lk = lk[lk["LAD24CD"] == "E06000001"]
    wards = lk[["WD24CD", "WD24NM"]].drop_duplicates().rename(columns={"WD24CD": "ward_code", "WD24NM": "ward_name"})
    wards["ward"] = wards["ward_name"]
    lsoas = lk.rename(columns={"LSOA21CD": "lsoa_code", "WD24CD": "ward_code"})[["lsoa_code", "ward_code"]]
    return wards.reset_index(drop=True), lsoas


@pytest.fixture(scope="module")
def walsall() -> tuple[pd.DataFrame, pd.DataFrame]:
    wards = pd.read_csv(RAW / "walsall_ward_locality.csv", dtype=str).drop(columns="area_partnership_name")
    lk = pd.read_csv(RAW / "lsoa21_ward_lookup_walsall.csv", dtype=str)
    return wards, lk.rename(columns={"LSOA21CD": "lsoa_code", "WD24CD": "ward_code"})[["lsoa_code", "ward_code"]]


# -- normalising -----------------------------------------------------------------------------------


def test_postcodes_are_normalised_and_malformed_ones_flagged() -> None:
    raw = pd.Series(["ws1 1tp", " WS1   1TP ", "SW1A1AA", "b43 7aj", "", "WS1", "12345", "WS1 1TPX", "GIR 0AA", "W1A 0AX"])
    pcs, bad = P.normalise(raw)
    assert pcs.tolist() == ["WS1 1TP", "WS1 1TP", "SW1A 1AA", "B43 7AJ", "", "", "", "", "GIR 0AA", "W1A 0AX"]
    assert bad.tolist() == [False, False, False, False, False, True, True, True, False, False]


# -- the lookups -----------------------------------------------------------------------------------


def test_nspl_format_is_read_in_chunks_keeping_only_the_postcodes_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(P, "CHUNK_ROWS", 3)  # eight rows in three chunks
    found = P.lookup_postcodes(NSPL, {"TS24 7AA", "TS24 8QT", "TS1 2AB", "TS28 5AA", "ZZ9 9ZZ"})
    # independent reading of the same file
    raw = pd.read_csv(NSPL, dtype=str, keep_default_na=False)
    expected = {r.pcds: r.lsoa21 for r in raw.itertuples() if r.pcds in {"TS24 7AA", "TS24 8QT", "TS1 2AB"}}
    assert found == expected == {"TS24 7AA": "E01011955", "TS24 8QT": "E01011955", "TS1 2AB": "E01033464"}


def test_nspl_postcode_column_in_7_character_form_is_normalised(tmp_path: Path) -> None:
    raw = pd.read_csv(NSPL, dtype=str, keep_default_na=False).drop(columns=["pcds", "pcd2"])
    path = tmp_path / "onspd_pcd_only.csv"
    raw.to_csv(path, index=False)
    assert P.lookup_postcodes(path, {"TS1 2AB", "TS25 1XY"}) == {"TS1 2AB": "E01033464", "TS25 1XY": "E01011951"}


def test_walsall_derived_lookup_is_read() -> None:
    found = P.lookup_postcodes(WALSALL_LOOKUP, {"B43 7AJ", "WS1 3QD", "B70 7PG"})
    raw = pd.read_csv(WALSALL_LOOKUP, dtype=str)
    expected = dict(zip(raw["postcode"], raw["lsoa21_code"]))
    assert found == {"B43 7AJ": "E01010334", "WS1 3QD": expected["WS1 3QD"]}  # B70 (Sandwell) is not in it


def test_a_lookup_without_lsoa21_says_so(tmp_path: Path) -> None:
    path = tmp_path / "old_nspl.csv"
    path.write_text("pcd,pcds,lsoa11\nTS247AA,TS24 7AA,E01011955\n", encoding="utf-8")
    with pytest.raises(DataFileError) as err:
        P.lookup_postcodes(path, {"TS24 7AA"})
    assert str(err.value) == (
        "Postcode lookup 'old_nspl.csv' (parameter grants.postcode_lookup) has no an LSOA 2021 column (lsoa21); its columns "
        "start pcd, pcds, lsoa11. It has LSOA 2011 codes only: use an ONSPD or NSPL release from 2022 or later."
    )
    assert err.value.parameter == "grants.postcode_lookup"


def test_a_missing_lookup_names_the_parameter(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match=r"^Postcode lookup 'nope.csv' \(parameter grants.postcode_lookup\) does not exist"):
        P.lookup_postcodes(tmp_path / "nope.csv", {"TS24 7AA"})


# -- placement ---------------------------------------------------------------------------------------


def test_placement_order_reasons_and_counts(tmp_path: Path, hartlepool) -> None:
    wards, lsoas = hartlepool
    rows = [
        # id, amount, recipient postcode, beneficiary code, beneficiary postcode
        ("g1", "100", "TS24 7AA", "E05013049", "TS25 1XY"),  # ward code wins over both postcodes
        ("g2", "200", "TS24 7AA", "E01011961", ""),  # LSOA code (Rossmere) wins over the postcode
        ("g3", "300", "ts24 7aa", "", "TS27 3BD"),  # beneficiary postcode before the recipient's
        ("g4", "400", "TS248QT", "", ""),  # recipient postcode, written without a space; terminated but listed
        ("g5", "500", "TS1 2AB", "", ""),  # in the lookup, outside Hartlepool
        ("g6", "600", "ZZ9 9ZZ", "", ""),  # well formed, not in the lookup
        ("g7", "700", "TS24", "", ""),  # malformed: rejected
        ("g8", "800", "", "", ""),  # nothing to place it by
    ]
    path = register_file(tmp_path, rows, ("Beneficiary Location:Geographic Code", "Beneficiary Location:Postal Code"))
    reg = T.read_register(path, wards=wards, lsoas=lsoas, area_col="ward", today=TODAY, postcode_lookup=NSPL)
    placed = reg.placed.set_index("identifier")
    assert placed["placement"].to_dict() == {
        "g1": "Beneficiary Location:Geographic Code (ward)",
        "g2": "Beneficiary Location:Geographic Code (LSOA)",
        "g3": "Beneficiary Location:Postal Code (postcode)",
        "g4": "Recipient Org:Postal Code (postcode)",
    }
    assert placed["ward_name"].to_dict() == {"g1": "Victoria", "g2": "Rossmere", "g3": "Rural West", "g4": "Headland & Harbour"}
    assert placed.loc["g4", "geo_code"] == "E01011955"  # the LSOA the postcode is in
    unplaced = dict(zip(reg.unplaced["identifier"], reg.unplaced["reason"]))
    assert unplaced == {
        "g5": "postcode TS1 2AB is in LSOA E01033464, outside this borough",
        "g6": "postcode ZZ9 9ZZ is not in the postcode lookup (nspl_format_test.csv): outside the area it covers, newer than it, or mistyped",
        "g8": "no ward or LSOA code or postcode to place it by (Beneficiary Location:Geographic Code is blank; "
        "Beneficiary Location:Postal Code is blank and Recipient Org:Postal Code is blank)",
    }
    assert dict(zip(reg.rejected["identifier"], reg.rejected["reason"])) == {
        "g7": "Recipient Org:Postal Code 'TS24' is not a UK postcode (an outward and an inward code, e.g. SW1A 1AA)"
    }
    rec = reg.reconciliation
    assert rec.placement_counts() == {"ward code": 1, "LSOA code": 1, "postcode": 2, "not placed": 4}
    assert sum(rec.placement_counts().values()) == rec.rows_in == len(rows)
    assert rec.placed_gbp == 1000.0 and reg.postcode_lookup_read


def test_without_a_lookup_postcodes_are_not_looked_up(tmp_path: Path, hartlepool) -> None:
    wards, lsoas = hartlepool
    reg = T.read_register(register_file(tmp_path, [("g1", "10", "TS24 7AA"), ("g2", "10", "TS24")]), wards=wards, lsoas=lsoas, area_col="ward", today=TODAY)
    assert reg.placed.empty and reg.rejected.empty and not reg.postcode_lookup_read  # a malformed postcode is not checked either
    assert set(reg.unplaced["reason"]) == {
        "no ward or LSOA code to place it by (the file has no Beneficiary Location:Geographic Code column; "
        "postcodes are not looked up without grants.postcode_lookup)"
    }
    assert reg.reconciliation.placement_counts() == {"ward code": 0, "LSOA code": 0, "postcode": 0, "not placed": 2}


def test_a_mapping_lookup_is_normalised(tmp_path: Path, hartlepool) -> None:
    wards, lsoas = hartlepool
    reg = T.read_register(
        register_file(tmp_path, [("g1", "10", "TS25 1XY")]), wards=wards, lsoas=lsoas, area_col="ward", today=TODAY,
        postcode_lookup={"ts251xy": "e01011951"},
    )
    assert reg.placed["ward_name"].tolist() == ["Burn Valley"]


def test_walsall_postcode_only_register_against_an_independent_join(tmp_path: Path, walsall) -> None:
    wards, lsoas = walsall
    raw = pd.read_csv(RAW / "grants_360giving_walsall.csv", dtype=str, keep_default_na=False)
    src = raw.drop(columns=["recipient_ward_code_grantnav", "recipient_district_code_grantnav"])
    path = tmp_path / "walsall_postcodes_only.csv"
    src.to_csv(path, index=False)
    reg = T.read_register(path, wards=wards, lsoas=lsoas, today=TODAY, postcode_lookup=WALSALL_LOOKUP)
    # independently: join the postcodes to the lookup, then the LSOA to the ward and locality
    lk = pd.read_csv(WALSALL_LOOKUP, dtype=str)[["postcode", "lsoa21_code"]]
    joined = src.merge(lk, left_on="Recipient Org:Postal Code", right_on="postcode", how="left")
    joined = joined.merge(lsoas, left_on="lsoa21_code", right_on="lsoa_code", how="left").merge(wards, on="ward_code", how="left")
    got = joined.dropna(subset=["locality"])
    assert len(reg.placed) == len(got) == 28
    assert reg.placed.groupby("locality")["amount_gbp"].sum().to_dict() == (
        got.assign(a=got["Amount Awarded"].astype(float)).groupby("locality")["a"].sum().to_dict()
    )
    assert reg.reconciliation.placement_counts() == {"ward code": 0, "LSOA code": 0, "postcode": 28, "not placed": 3}
    assert sorted(reg.unplaced["Recipient Org:Postal Code"]) == ["B70 6HA", "B70 7PG", "WS8 7NL"]


def test_placement_method_names() -> None:
    assert [placement_method(p) for p in ("X (ward)", "Y (LSOA)", "Recipient Org:Postal Code (postcode)", None, float("nan"))] == [
        "ward code", "LSOA code", "postcode", "not placed", "not placed"
    ]


# -- the pack's sentences ----------------------------------------------------------------------------


def test_every_placement_kind_has_a_sentence() -> None:
    from reviewpack.present.narrative.grants import curve_text, placement_counts_sentence
    from reviewpack.present.narrative.messages import PLACEMENT

    assert set(PLACEMENT) == {"recipient", "beneficiary", "recipient_postcode", "beneficiary_postcode", "mixed", "none"}
    assert curve_text("S.", "recipient_postcode") == (
        "S. Grants are placed by the recipient organisation's postcode, so an organisation based there may serve a wider "
        "area. This measures where funded organisations are based, not where their work happens."
    )
    assert placement_counts_sentence({"ward code": 2, "LSOA code": 0, "postcode": 1234, "not placed": 3}) == (
        "Rows placed by ward code: 2; by LSOA code: 0; by postcode: 1,234; not placed (or rejected): 3."
    )


class _Reg:
    def __init__(self, placement: list[str]) -> None:
        self.placed = pd.DataFrame({"placement": placement, "award_year": [2020] * len(placement)})


@pytest.mark.parametrize(
    ("methods", "kind"),
    [
        (["Recipient Org:Postal Code (postcode)"], "recipient_postcode"),
        (["Beneficiary Location:Postal Code (postcode)"], "beneficiary_postcode"),
        (["Recipient Org:Postal Code (postcode)", "recipient_ward_code_grantnav (ward)"], "recipient"),
        (["Recipient Ward Geographic Code (ward)"], "recipient"),
        (["Beneficiary Location:Geographic Code (LSOA)", "Recipient Org:Postal Code (postcode)"], "mixed"),
        ([], "none"),
    ],
)
def test_placement_basis_follows_what_was_used(methods: list[str], kind: str) -> None:
    from reviewpack.analysis.sections.grants import GrantsSection

    section = object.__new__(GrantsSection)
    section.inputs = type("I", (), {"grant_register": _Reg(methods)})()  # type: ignore[assignment]
    section.params = type("G", (), {"period": None})()  # type: ignore[assignment]
    assert section.placement_basis() == kind


# -- end to end: a postcode-only register, with and without a lookup ----------------------------------


@pytest.fixture()
def postcode_project(tmp_path: Path) -> Path:
    """A copy of the project with a Walsall register holding only recipients' postcodes (the GrantNav columns dropped)."""
    for part in ("params", "data", "notebooks"):
        shutil.copytree(ROOT / part, tmp_path / part)
    raw = pd.read_csv(RAW / "grants_360giving_walsall.csv", dtype=str, keep_default_na=False)
    raw.drop(columns=["recipient_ward_code_grantnav", "recipient_district_code_grantnav"]).to_csv(
        tmp_path / "data" / "raw" / "postcodes_only.csv", index=False
    )
    with open(tmp_path / "data" / "sources.yaml", "a", encoding="utf-8") as fh:
        fh.write(
            "  - file: postcodes_only.csv\n    title: Test register (Walsall grants, postcodes only)\n    publisher: tests\n"
            "    release: test\n    licence: test data\n    topic: grants\n"
        )
    return tmp_path


def _build(project: Path, params: str, out: Path) -> int:
    from reviewpack.cli import main

    (project / "test.yaml").write_text(params, encoding="utf-8")
    return main(["--project", str(project), "build", "--params", str(project / "test.yaml"), "--pack", "borough", "--out", str(out), "--no-cache"])


def test_a_register_with_nothing_placed_builds_a_pack_that_says_so(postcode_project: Path, tmp_path: Path) -> None:
    """Reproduces 'the notebook failed in cell 4: KeyError: nan' (issue 14): nothing placed must not crash."""
    out = tmp_path / "out"
    code = _build(postcode_project, "grants: {register: raw/postcodes_only.csv, postcode_lookup: null, known_codes_from: []}\n", out)
    assert code == 0
    html = (out / "borough.html").read_text(encoding="utf-8")
    assert "No grant in the register could be placed in an area, so there are no grant figures for Walsall." in html
    assert "No grant in the register could be placed in a ward of Walsall, so there is nothing to compare between areas (locality) here" in html
    assert "Rows placed by ward code: 0; by LSOA code: 0; by postcode: 0; not placed (or rejected): 31." in html
    assert not (out / "tables" / "borough" / "grants_fair_share.csv").exists()
    sources = pd.read_csv(out / "tables" / "borough" / "data_sources.csv")
    assert "postcode_lsoa21_walsall_derived.csv" not in set(sources["file"])


def test_walsall_postcode_run_places_by_the_derived_lookup(postcode_project: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert _build(postcode_project, "grants: {register: raw/postcodes_only.csv, known_codes_from: []}\n", out) == 0
    html = (out / "borough.html").read_text(encoding="utf-8")
    assert "Rows placed by ward code: 0; by LSOA code: 0; by postcode: 28; not placed (or rejected): 3." in html
    assert "Grants are placed by the recipient organisation's postcode, so an organisation based there may serve a wider area." in html
    by_area = pd.read_csv(out / "tables" / "borough" / "grants_by_locality.csv")
    assert int(by_area["grants"].sum()) == 28
    sources = pd.read_csv(out / "tables" / "borough" / "data_sources.csv")
    assert "postcode_lsoa21_walsall_derived.csv" in set(sources["file"])
