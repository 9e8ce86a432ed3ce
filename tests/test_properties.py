"""Property-based tests (hypothesis) for the quintile splitter, the geography mapping and the
grants parser's handling of junk.

tests/test_grants.py already checks that valid registers round-trip, that mixed registers
reconcile and that random bytes after a few fixed prefixes only raise GrantsError; these add
arbitrary cell text in a well-formed CSV, arbitrary JSON documents, workbooks with arbitrary
cells, and damaged workbooks.
"""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import RAW
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviewpack.analysis.ranks import borough_quintiles, ntile
from reviewpack.errors import GrantsError, ReconciliationError
from reviewpack.ingest import threesixtygiving as G
from reviewpack.ingest.geography import check_one_area_per_lsoa, lsoa_areas

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
IO = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


# ---------------------------------------------------------------------------
# ntile / borough_quintiles


def _check_groups(values: list[float], groups: np.ndarray, n: int) -> None:
    m = len(values)
    assert len(groups) == m
    if m == 0:
        return
    sizes = np.bincount(groups, minlength=n + 1)[1:]
    used = min(n, m)
    assert groups.min(initial=1) >= 1 and groups.max(initial=1) <= n
    assert (sizes[:used] > 0).all() and (sizes[used:] == 0).all(), sizes
    assert sizes.max() - sizes[:used].min() <= 1, sizes
    assert all(a >= b for a, b in zip(sizes, sizes[1:])), f"earlier groups must be the larger: {sizes}"
    assert sizes.sum() == m
    # order preserved: a smaller value never lands in a later group; ties keep input order
    order = sorted(range(m), key=lambda i: (values[i], i))
    assert all(groups[a] <= groups[b] for a, b in zip(order, order[1:]))


@FAST
@given(
    values=st.lists(st.one_of(st.integers(-5, 5).map(float), st.floats(-1e6, 1e6, allow_nan=False)), max_size=250),
    n=st.integers(1, 12),
)
def test_ntile_sizes_and_order(values: list[float], n: int) -> None:
    groups = ntile(np.array(values, dtype=float), n)
    assert isinstance(groups, np.ndarray) and len(groups) == len(values)
    _check_groups(values, groups, n)


@FAST
@given(
    values=st.lists(st.one_of(st.none(), st.floats(-100, 100, allow_nan=False)), min_size=1, max_size=120),
    n=st.integers(1, 7),
    offset=st.integers(-50, 50),
)
def test_ntile_series_keeps_index_and_missing_values(values: list[float | None], n: int, offset: int) -> None:
    s = pd.Series([np.nan if v is None else v for v in values], index=np.arange(len(values)) * 3 + offset)
    out = ntile(s, n)
    assert list(out.index) == list(s.index)
    missing = s.isna().to_numpy()
    assert out[missing].isna().all()
    present = s[~missing]
    _check_groups(present.tolist(), out[~missing].astype("int64").to_numpy(), n)
    assert out[~missing].astype("int64").tolist() == ntile(present.to_numpy(), n).tolist()


@FAST
@given(
    ranks=st.lists(st.integers(1, 33_755), min_size=1, max_size=200, unique=True),
    n=st.integers(1, 10),
)
def test_borough_quintiles_most_deprived_first(ranks: list[int], n: int) -> None:
    imd = pd.DataFrame({"lsoa_code": [f"E01{i:06d}" for i in range(len(ranks))], "imd_rank": ranks}, index=np.arange(len(ranks)) + 100)
    out = borough_quintiles(imd, n)
    assert list(out.index) == list(imd.index) and list(out.columns) == ["lsoa_code", "imd_rank", "quintile"]
    pd.testing.assert_frame_equal(out.drop(columns="quintile"), imd)
    q = out["quintile"].to_numpy()
    _check_groups([float(r) for r in ranks], q, n)
    # the most deprived LSOA (lowest national rank) is in group 1; the least deprived in the last used group
    assert q[int(np.argmin(ranks))] == 1 and q[int(np.argmax(ranks))] == min(n, len(ranks))


# ---------------------------------------------------------------------------
# geography: LSOA -> ward -> area


@st.composite
def geographies(draw):
    n_wards = draw(st.integers(1, 12))
    ward_codes = [f"E05{9_000_000 + i:06d}" for i in range(n_wards)]
    areas = draw(st.lists(st.sampled_from(["North", "South", "East", "West", "Centre & Town", "Ward 'A'"]), min_size=n_wards, max_size=n_wards))
    wards = pd.DataFrame({"ward_code": ward_codes, "ward_name": [f"Ward {i}" for i in range(n_wards)], "locality": areas})
    wards["area"] = wards["locality"]
    n_lsoas = draw(st.integers(1, 60))
    lsoa_ward = draw(st.lists(st.sampled_from(ward_codes), min_size=n_lsoas, max_size=n_lsoas))
    lookup = pd.DataFrame({
        "lsoa_code": [f"E01{i:06d}" for i in draw(st.permutations(range(n_lsoas)))],
        "lsoa_name": [f"LSOA {i}" for i in range(n_lsoas)],
        "ward_code": lsoa_ward,
        "ward_name": [f"Ward {ward_codes.index(w)}" for w in lsoa_ward],
    })
    return lookup, wards


@FAST
@given(geo=geographies())
def test_every_lsoa_gets_exactly_one_area(geo) -> None:
    lookup, wards = geo
    out = lsoa_areas(lookup, wards)
    assert sorted(out["lsoa_code"]) == sorted(lookup["lsoa_code"]) and not out["lsoa_code"].duplicated().any()
    expect = dict(zip(wards["ward_code"], wards["area"]))
    assert all(expect[w] == a for w, a in zip(out["ward_code"], out["area"]))
    assert check_one_area_per_lsoa(out) == {"lsoas": len(lookup), "areas": len({expect[w] for w in lookup["ward_code"]})}


@FAST
@given(geo=geographies(), data=st.data())
def test_lsoas_in_unmapped_wards_are_refused(geo, data) -> None:
    lookup, wards = geo
    used = sorted(set(lookup["ward_code"]))
    dropped = data.draw(st.lists(st.sampled_from(used), min_size=1, unique=True))
    with pytest.raises(ReconciliationError) as exc:
        lsoa_areas(lookup, wards[~wards["ward_code"].isin(dropped)])
    assert all(w in str(exc.value) for w in sorted(dropped)[:5])
    assert "geography.ward_area_mapping" in str(exc.value)


@FAST
@given(geo=geographies(), data=st.data())
def test_broken_mappings_are_reconciliation_errors(geo, data) -> None:
    """A repeated ward, a repeated LSOA, a ward with no area or an LSOA with no ward: never a pandas error."""
    lookup, wards = geo
    how = data.draw(st.sampled_from(["dup_ward", "dup_lsoa", "no_area", "no_ward"]))
    if how == "dup_ward":
        wards = pd.concat([wards, wards.sample(1, random_state=0)], ignore_index=True)
    elif how == "dup_lsoa":
        lookup = pd.concat([lookup, lookup.sample(1, random_state=0)], ignore_index=True)
    elif how == "no_area":
        wards = wards.copy()
        wards.loc[wards.index[0], "area"] = np.nan
    else:
        lookup = lookup.copy()
        lookup.loc[lookup.index[0], "ward_code"] = np.nan
    with pytest.raises(ReconciliationError):
        lsoa_areas(lookup, wards)


# ---------------------------------------------------------------------------
# grants parser: junk in, GrantsError (or a balanced register) out


@pytest.fixture(scope="module")
def wards() -> pd.DataFrame:
    return pd.read_csv(RAW / "walsall_ward_locality.csv", dtype=str)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("junk")


def _read_or_grants_error(path: Path, wards: pd.DataFrame) -> G.Register | None:
    try:
        reg = G.read_register(path, wards=wards, today="2024-01-01")
    except GrantsError as exc:
        assert str(exc).startswith("file '") or "Grant register" in str(exc), str(exc)
        assert "Traceback" not in str(exc)
        return None
    rec = reg.reconciliation
    assert rec.balanced, rec.summary()
    assert rec.rows_in == len(reg.placed) + len(reg.unplaced) + len(reg.rejected)
    rows = pd.concat([reg.placed["source_row"], reg.unplaced["source_row"], reg.rejected["source_row"]])
    assert not rows.duplicated().any()
    assert reg.rejected["reason"].map(lambda r: isinstance(r, str) and r != "").all()
    return reg


_CELL = st.text(st.characters(blacklist_categories=("Cs",)), max_size=25)
_CODES = ["E05001316", "E05001304", "E01010241", "E05000650", "E05999999", "", "e05001301 ", "E0500131"]
_AMOUNTS = ["100", "-5", "1e3", "1,000", "£5", "nan", "inf", "", "0", " 12.50 ", "1e400", "0x10"]
_DATES = ["2015-01-01", "2015-02-30", "31/12/2015", "2999-01-01", "1066-10-14", "", "2015-01-01T10:00:00Z", "2015"]


@IO
@given(
    rows=st.lists(
        st.fixed_dictionaries({
            c: (st.sampled_from(_AMOUNTS) | _CELL) if c == "Amount Awarded"
            else (st.sampled_from(_DATES) | _CELL) if c == "Award Date"
            else st.sampled_from(["GBP", "gbp", "USD", ""]) if c == "Currency"
            else _CELL
            for c in G.REQUIRED_COLUMNS
        }).flatmap(lambda d: st.sampled_from(_CODES).map(lambda code: {**d, G.BENEFICIARY_CODE: code})),
        min_size=1, max_size=15,
    ),
    shuffle=st.randoms(use_true_random=False),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
)
def test_csv_with_arbitrary_cells_reads_or_refuses_cleanly(scratch: Path, wards: pd.DataFrame, rows, shuffle, encoding) -> None:
    cols = list(rows[0])
    shuffle.shuffle(cols)
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(cols)
    for r in rows:
        w.writerow([r[c] for c in cols])
    path = scratch / "cells.csv"
    path.write_bytes(buf.getvalue().encode(encoding))
    reg = _read_or_grants_error(path, wards)
    if reg is not None:
        nonblank = sum(any(str(v).strip() for v in r.values()) for r in rows)
        assert reg.reconciliation.rows_in <= len(rows)
        assert reg.reconciliation.rows_in >= nonblank - sum("\n" in v or "\r" in v for r in rows for v in r.values())


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False, allow_infinity=False) | _CELL,
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(_CELL, kids, max_size=4),
    max_leaves=12,
)
_GRANT_KEYS = ["id", "title", "description", "currency", "amountAwarded", "awardDate", "recipientOrganization",
               "fundingOrganization", "beneficiaryLocation", "grantProgramme", "plannedDates", "extra"]


@IO
@given(
    doc=st.one_of(
        _JSON,
        st.lists(st.dictionaries(st.sampled_from(_GRANT_KEYS), _JSON, max_size=10), max_size=6).map(lambda g: {"grants": g}),
        st.lists(st.fixed_dictionaries({
            "id": _CELL, "title": _CELL, "description": _CELL, "currency": st.sampled_from(["GBP", "EUR", 5, None]),
            "amountAwarded": st.one_of(st.integers(-10, 10**7), st.floats(allow_nan=False), _CELL, st.none()),
            "awardDate": st.sampled_from(_DATES),
            "recipientOrganization": st.lists(st.fixed_dictionaries({"id": _CELL, "name": _CELL}), max_size=2) | _JSON,
            "fundingOrganization": st.lists(st.fixed_dictionaries({"id": _CELL, "name": _CELL}), max_size=2),
            "beneficiaryLocation": st.lists(st.fixed_dictionaries({"geoCode": st.sampled_from(_CODES)}), max_size=3),
        }), min_size=1, max_size=6).map(lambda g: {"grants": g}),
    ),
)
def test_arbitrary_json_reads_or_refuses_cleanly(scratch: Path, wards: pd.DataFrame, doc) -> None:
    path = scratch / "package.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    _read_or_grants_error(path, wards)


_XLSX_CELL = st.one_of(
    st.none(), st.booleans(), st.integers(-10**9, 10**9), st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.datetimes(datetime(1900, 3, 1), datetime(2100, 1, 1)), st.dates(date(1900, 3, 1), date(2100, 1, 1)),
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=20),
    st.sampled_from(_AMOUNTS + _CODES + _DATES),
)


def _workbook_bytes(sheets: list[tuple[str, list[list]]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets:
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@IO
@given(
    header=st.lists(st.sampled_from(list(G.REQUIRED_COLUMNS) + [G.BENEFICIARY_CODE, "Junk", ""]), min_size=0, max_size=12),
    rows=st.lists(st.lists(_XLSX_CELL, max_size=12), max_size=8),
    blank_first=st.booleans(),
    full_header=st.booleans(),
)
def test_workbooks_with_arbitrary_cells_read_or_refuse_cleanly(scratch: Path, wards: pd.DataFrame, header, rows, blank_first, full_header) -> None:
    if full_header:
        header = list(G.REQUIRED_COLUMNS) + [G.BENEFICIARY_CODE] + header
    sheets = [("Notes", [["made-up notes"]])] if blank_first else []
    sheets.append(("Grants", [header, *rows]))
    path = scratch / "cells.xlsx"
    path.write_bytes(_workbook_bytes(sheets))
    _read_or_grants_error(path, wards)


@pytest.fixture(scope="module")
def good_workbook() -> bytes:
    rows = [list(G.REQUIRED_COLUMNS) + [G.BENEFICIARY_CODE]]
    for i in range(5):
        rows.append([f"W-{i}", "MADE-UP", "made up", "GBP", 100 + i, date(2015, 1, 1 + i), f"ORG-{i}", f"Made-up {i}", "F", "MADE-UP FUNDER", "E05001316"])
    return _workbook_bytes([("Grants", rows)])


@IO
@given(
    flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=6),
    cut=st.one_of(st.none(), st.floats(0.05, 0.999)),
)
def test_damaged_workbooks_only_raise_grants_error(scratch: Path, wards: pd.DataFrame, good_workbook: bytes, flips, cut) -> None:
    data = bytearray(good_workbook)
    for pos, byte in flips:
        data[pos % len(data)] = byte
    if cut is not None:
        data = data[: max(4, math.floor(len(data) * cut))]
    path = scratch / "damaged.xlsx"
    path.write_bytes(bytes(data))
    _read_or_grants_error(path, wards)
