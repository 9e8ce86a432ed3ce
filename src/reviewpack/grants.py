"""Grant registers in 360Giving format: read, check, place in areas, analyse.

A *grant register* is a list of grants published in the 360Giving Data Standard
(https://standard.threesixtygiving.org/).  This module reads one, checks every
row, places each grant in a ward (and so in an area such as a locality), and
provides the tables the packs show.

Reading (:func:`read_register`)
-------------------------------
Accepted inputs, detected from the file's content (not only its extension):

* **360Giving flat CSV** in UTF-8, UTF-8 with a byte-order mark (as Excel's
  "CSV UTF-8" writes it), UTF-16 with a byte-order mark, or Windows-1252 (Excel's
  plain "CSV" on Windows).  The encoding used is recorded in
  :attr:`Register.encoding`.  Comma-separated; a header row with no comma but
  with semicolons or tabs is read with that delimiter (and a note is recorded).
* **XLSX workbooks**: the first sheet whose header row (within its first 10
  rows) holds the required 360Giving columns; :attr:`Register.sheet` says which.
* **360Giving JSON packages** ``{"grants": [...]}``: each grant's nested objects
  are flattened to the flat-CSV column titles (``recipientOrganization[0].name``
  -> ``Recipient Org:Name``; later array items get numbered titles such as
  ``Beneficiary Location:1:Geographic Code``, as flatten-tool writes them).
* **Pre-aggregated registers** (ward x award year x funder, with a grant count
  and an amount), detected by their columns (see
  :data:`AGGREGATED_REQUIRED_COLUMNS`).

Column titles are matched ignoring case and extra spaces, and numbered titles
for the first item (``Recipient Org:0:Name``, as GrantNav exports them) are
read as the plain title (``Recipient Org:Name``).

The required columns of a grant-level register are those the 360Giving
schema makes required: ``id, title, description, currency, amountAwarded,
awardDate`` and ``recipientOrganization``/``fundingOrganization`` each with
``id`` and ``name`` (see :data:`REQUIRED_COLUMNS`).

Whole-file problems (file missing, unreadable, empty, header only, required
columns missing, format not recognised) raise :class:`~reviewpack.errors.GrantsError`.
Row-level problems never raise: each row ends in exactly one of

* ``placed``: valid and placed in one of the borough's wards;
* ``unplaced``: valid, but with no ward or LSOA code of the borough (for
  example a record with only a postcode, or a code outside the borough), with a
  ``reason``;
* ``rejected``: not valid (amount blank, not a number or negative; award date
  blank, not ISO 8601 or in the future; currency blank or not GBP with no
  exchange rate given; identifier blank or repeated; a geographic code that is
  not a real code), with a ``reason``.

:attr:`Register.reconciliation` proves that rows in = placed + unplaced +
rejected, in grants and in pounds.

Placement
---------
A grant-level row is placed from the first of these that is a ward code or an
LSOA code of the borough: ``Beneficiary Location:Geographic Code``, then any
further beneficiary locations (``Beneficiary Location:1:Geographic Code``, ...),
then ``recipient_ward_code_grantnav`` (GrantNav's geocoding of the recipient's
postcode) when that column exists.  LSOA codes are turned into wards with the
``lsoas`` lookup.  An aggregated row is placed from its ward column.

Sign convention of the concentration index
-------------------------------------------
:func:`concentration_index` ranks units from the **most deprived** to the
**least deprived**.  The index is negative when spend per head is concentrated
in the more deprived units ("pro-poor"), zero when spend per head is the same
everywhere, and positive when spend favours the less deprived units.  It lies
between -1 and +1.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import GrantsError, ParameterError, ReconciliationError, where

__all__ = [
    "AGGREGATED_REQUIRED_COLUMNS",
    "REQUIRED_COLUMNS",
    "ConcentrationResult",
    "Reconciliation",
    "Register",
    "allocation_model",
    "allocation_sensitivity",
    "budget_vs_spend",
    "by_funder",
    "by_ward",
    "by_year",
    "concentration_index",
    "fair_share",
    "financial_year_label",
    "read_register",
    "summarise_by_area",
    "top_recipients",
]

# ---------------------------------------------------------------------------
# Column vocabulary
# ---------------------------------------------------------------------------

#: Columns a grant-level 360Giving register must have (flat-CSV titles).
REQUIRED_COLUMNS: tuple[str, ...] = (
    "Identifier",
    "Title",
    "Description",
    "Currency",
    "Amount Awarded",
    "Award Date",
    "Recipient Org:Identifier",
    "Recipient Org:Name",
    "Funding Org:Identifier",
    "Funding Org:Name",
)

#: Columns a pre-aggregated register (ward x year x funder) must have.
AGGREGATED_REQUIRED_COLUMNS: tuple[str, ...] = (
    "Funding Org:Name",
    "Award Year",
    "Recipient Ward Geographic Code",
    "grant_count",
    "amount_awarded_total",
)

BENEFICIARY_CODE = "Beneficiary Location:Geographic Code"
GRANTNAV_WARD = "recipient_ward_code_grantnav"
AGG_WARD = "Recipient Ward Geographic Code"

# JSON (360Giving schema field names) -> flat-CSV titles.
_JSON_SCALARS: dict[str, str] = {
    "id": "Identifier",
    "title": "Title",
    "description": "Description",
    "currency": "Currency",
    "amountAppliedFor": "Amount Applied For",
    "amountAwarded": "Amount Awarded",
    "amountDisbursed": "Amount Disbursed",
    "awardDate": "Award Date",
    "url": "URL",
    "fromOpenCall": "From an open call?",
    "dateModified": "Last Modified",
    "dataSource": "Data Source",
}
_EVENT = {"startDate": "Start Date", "endDate": "End Date", "duration": "Duration (months)", "title": "Title"}
_ORG = {
    "id": "Identifier",
    "name": "Name",
    "department": "Department",
    "charityNumber": "Charity Number",
    "companyNumber": "Company Number",
    "streetAddress": "Street Address",
    "addressLocality": "City",
    "addressRegion": "County",
    "postalCode": "Postal Code",
    "addressCountry": "Country",
    "description": "Description",
    "url": "Web Address",
}
_JSON_ARRAYS: dict[str, tuple[str, dict[str, str]]] = {
    "recipientOrganization": ("Recipient Org", _ORG),
    "fundingOrganization": ("Funding Org", _ORG),
    "beneficiaryLocation": (
        "Beneficiary Location",
        {
            "name": "Name",
            "countryCode": "Country Code",
            "geoCode": "Geographic Code",
            "geoCodeType": "Geographic Code Type",
            "latitude": "Latitude",
            "longitude": "Longitude",
        },
    ),
    "grantProgramme": ("Grant Programme", {"code": "Code", "title": "Title", "url": "URL"}),
    "plannedDates": ("Planned Dates", _EVENT),
    "actualDates": ("Actual Dates", _EVENT),
}
# Columns always created from a JSON package, so every file has the same flat shape.
_JSON_GAPLESS: tuple[str, ...] = (
    tuple(_JSON_SCALARS.values())
    + tuple(f"Recipient Org:{t}" for f, t in _ORG.items() if f != "department")
    + ("Funding Org:Identifier", "Funding Org:Name", "Funding Org:Department")
    + tuple(f"Beneficiary Location:{t}" for t in _JSON_ARRAYS["beneficiaryLocation"][1].values())
    + tuple(f"Grant Programme:{t}" for t in _JSON_ARRAYS["grantProgramme"][1].values())
    + tuple(f"Planned Dates:{t}" for f, t in _EVENT.items() if f != "title")
)

_KNOWN_COLUMNS: tuple[str, ...] = tuple(
    dict.fromkeys(
        REQUIRED_COLUMNS
        + AGGREGATED_REQUIRED_COLUMNS
        + tuple(_JSON_SCALARS.values())
        + tuple(f"{p}:{t}" for p, fields in _JSON_ARRAYS.values() for t in fields.values())
        + (
            "Recipient Org:Country Code",
            "Recipient District Geographic Code",
            "Recipient Region",
            GRANTNAV_WARD,
            "recipient_district_code_grantnav",
        )
    )
)
_CANONICAL: dict[str, str] = {c.lower(): c for c in _KNOWN_COLUMNS}

# ---------------------------------------------------------------------------
# Validation vocabulary
# ---------------------------------------------------------------------------

_GSS_RE = r"[A-Z]\d{8}"
_ISO_DATE_RE = (
    r"\d{4}-\d{2}-\d{2}"
    r"(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?"
)
_MAX_AMOUNT = 1e12  # anything this large is a data-entry error, and it keeps sums finite
_MAX_GRANT_COUNT = 1e9
_HEADER_SEARCH_ROWS = 10
_TYPE_NAMES = {
    "E00": "an Output Area",
    "E01": "an LSOA",
    "E02": "an MSOA",
    "E04": "a parish",
    "E05": "a ward",
    "E06": "a local authority (unitary)",
    "E07": "a local authority (district)",
    "E08": "a local authority (metropolitan district)",
    "E09": "a local authority (London borough)",
    "E10": "a county",
    "E12": "a region",
    "E14": "a parliamentary constituency",
    "E92": "a country",
}

# Standard columns every output frame carries, in this order (ward attributes follow ward_name).
_STD_HEAD = [
    "source_row",
    "identifier",
    "title",
    "funder",
    "recipient_id",
    "recipient",
    "award_date",
    "award_year",
    "financial_year",
    "currency",
    "amount_original",
    "amount_gbp",
    "grants",
    "geo_code",
    "placement",
    "ward_code",
    "ward_name",
]


# ---------------------------------------------------------------------------
# Public data classes
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Reconciliation:
    """Rows in = placed + unplaced + rejected, in grants and in pounds.

    Attributes
    ----------
    rows_in, placed_rows, unplaced_rows, rejected_rows : int
        Data rows (for JSON: grants) read and in each outcome.  Blank rows are not counted.
    grants_in, placed_grants, unplaced_grants, rejected_grants : int
        Grants.  A grant-level row is one grant; an aggregated row is ``grant_count`` grants
        (a rejected aggregated row whose count cannot be read counts as 0).
    amount_in_gbp, placed_gbp, unplaced_gbp, rejected_gbp : float
        Pounds sterling.  A rejected row whose amount cannot be read, is negative, or is in a
        currency with no exchange rate counts as £0; ``rejected_without_amount`` says how many.
    rejected_without_amount : int
        Rejected rows counted as £0 because they have no usable amount in pounds.
    balanced : bool
        True when the three outcomes add up to what was read (to the penny).
    sentence : str
        One line for people, e.g. ``"grants.csv: 31 grants (£818,228.00) in 31 rows = 2 placed in a
        locality (£5,000.00) + 29 not placed (£813,228.00) + 0 rejected (£0.00)."``
    """

    rows_in: int
    grants_in: int
    amount_in_gbp: float
    placed_rows: int
    placed_grants: int
    placed_gbp: float
    unplaced_rows: int
    unplaced_grants: int
    unplaced_gbp: float
    rejected_rows: int
    rejected_grants: int
    rejected_gbp: float
    rejected_without_amount: int
    balanced: bool
    sentence: str

    def as_frame(self) -> pd.DataFrame:
        """The reconciliation as a tidy table: ``outcome, rows, grants, amount_gbp`` (with a ``read`` row)."""
        return pd.DataFrame(
            {
                "outcome": ["read", "placed", "not placed", "rejected"],
                "rows": [self.rows_in, self.placed_rows, self.unplaced_rows, self.rejected_rows],
                "grants": [self.grants_in, self.placed_grants, self.unplaced_grants, self.rejected_grants],
                "amount_gbp": [self.amount_in_gbp, self.placed_gbp, self.unplaced_gbp, self.rejected_gbp],
            }
        )


@dataclass(frozen=True, eq=False)
class Register:
    """A grant register read and checked by :func:`read_register`.

    Attributes
    ----------
    path : Path
        The file read.
    kind : {'grant-level', 'aggregated'}
        One row per grant, or one row per ward x year x funder with a grant count.
    format : {'csv', 'xlsx', 'json'}
        The file format detected.
    encoding : str or None
        Text encoding of a CSV or JSON file: ``'utf-8'``, ``'utf-8-sig'`` (UTF-8 with a
        byte-order mark), ``'utf-16'`` or ``'cp1252'`` (Windows-1252).  None for XLSX.
    sheet : str or None
        The XLSX sheet read; None for other formats.
    area_col : str
        The ward-lookup column that defines the areas (e.g. ``'locality'``).
    placed, unplaced, rejected : DataFrame
        The rows in each outcome.  All three have the same columns: the standard columns
        ``source_row, identifier, title, funder, recipient_id, recipient, award_date, award_year,
        financial_year, currency, amount_original, amount_gbp, grants, geo_code, placement,
        ward_code, ward_name``, then every other column of ``wards`` (e.g. ``area_partnership,
        locality``), then ``reason`` (NA for placed rows), then the file's own columns as read
        (text; a file column whose name clashes with a standard one gets `` (in file)`` appended).
        ``source_row`` is the spreadsheet row (header = row 1; for JSON, the grant's position in
        the ``grants`` list, first = 1).  ``amount_gbp`` is the amount in pounds (converted with
        ``currency_rates`` when not GBP).  ``grants`` is 1 for a grant-level row, ``grant_count``
        for an aggregated row.  ``placement`` names the column the ward came from.
    reconciliation : Reconciliation
        Rows in = placed + unplaced + rejected.
    wards : DataFrame
        The ward lookup used (so analyses can group by any of its columns).
    notes : tuple of str
        Things a reader should know about how the file was read (sheet chosen, delimiter,
        columns renamed, currency conversions, disagreements with the file's own area columns).
    """

    path: Path
    kind: str
    format: str
    encoding: str | None
    sheet: str | None
    area_col: str
    placed: pd.DataFrame
    unplaced: pd.DataFrame
    rejected: pd.DataFrame
    reconciliation: Reconciliation
    wards: pd.DataFrame
    notes: tuple[str, ...] = ()

    @property
    def accepted(self) -> pd.DataFrame:
        """Valid rows: placed and unplaced together (the borough total), in file order."""
        both = pd.concat([self.placed, self.unplaced], ignore_index=True)
        return both.sort_values("source_row", kind="stable").reset_index(drop=True)

    def areas(self, area_col: str | None = None) -> list:
        """The areas of ``area_col`` (default :attr:`area_col`), sorted, from the ward lookup."""
        col = area_col or self.area_col
        if col not in self.wards.columns:
            raise ParameterError(
                f"Area column '{col}' is not in the ward lookup (columns: {', '.join(map(str, self.wards.columns))})."
            )
        return sorted(self.wards[col].dropna().unique(), key=_area_sort_key)


@dataclass(frozen=True, eq=False)
class ConcentrationResult:
    """Result of :func:`concentration_index`.

    Attributes
    ----------
    index : float
        The concentration index, in [-1, 1].  Negative = spend per head concentrated in the more
        deprived units (pro-poor); 0 = equal per head; positive = concentrated in the less deprived
        units.  NaN if there is no spend.
    curve : DataFrame
        The concentration curve, from the most to the least deprived unit: ``unit`` (None for the
        origin), ``deprivation_rank``, ``population``, ``amount_gbp``, ``cum_population_share`` and
        ``cum_amount_share`` (both from 0 to 1, starting with the origin 0, 0).  Units with the same
        rank are merged into one point.
    sentence : str
        The result in plain English.
    """

    index: float
    curve: pd.DataFrame
    sentence: str


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------


@dataclass
class _Table:
    """A file read into text cells, before any checking."""

    frame: pd.DataFrame  # canonical column names, all str
    source_row: np.ndarray
    fmt: str
    encoding: str | None
    sheet: str | None
    notes: list[str]
    structural: pd.Series  # reason text for rows the reader already knows are broken ('' if fine)
    header_row: int  # spreadsheet row of the header (0 for JSON)


def read_register(
    path: str | Path,
    *,
    wards: pd.DataFrame,
    lsoas: pd.DataFrame | None = None,
    currency_rates: Mapping[str, float] | None = None,
    today: date | str | None = None,
    area_col: str = "locality",
    aggregated: bool | None = None,
    known_codes: Iterable[str] | None = None,
) -> Register:
    """Read a 360Giving grant register, check every row and place each grant in a ward.

    Parameters
    ----------
    path : str or Path
        A 360Giving flat CSV, an XLSX workbook, a 360Giving JSON package or a pre-aggregated
        CSV/XLSX register.  The format is detected from the content.
    wards : DataFrame
        The borough's wards: ``ward_code``, ``ward_name`` and the area column ``area_col``; any
        other columns (e.g. ``area_partnership``) are carried onto placed rows.
    lsoas : DataFrame, optional
        LSOA -> ward lookup with columns ``lsoa_code, ward_code``, so grants coded to an LSOA can
        be placed.  LSOAs whose ward is not in ``wards`` count as outside the borough.
    currency_rates : mapping of str to float, optional
        Pounds per one unit of each non-GBP currency, e.g. ``{"EUR": 0.85}``.  Rows in a
        currency with no rate are rejected.
    today : date or str, optional
        Award dates after this day are rejected as "in the future".  Default: today's date
        (pass a fixed date for reproducible builds).
    area_col : str, default 'locality'
        The column of ``wards`` whose values are the areas.
    aggregated : bool, optional
        Force reading as a pre-aggregated (True) or grant-level (False) register.  By default
        it is detected from the columns: a file with all of :data:`REQUIRED_COLUMNS` is
        grant-level, otherwise a file with all of :data:`AGGREGATED_REQUIRED_COLUMNS` is
        aggregated.
    known_codes : iterable of str, optional
        Every real code of the same types as the ward and LSOA codes (e.g. all ward and LSOA
        codes in England from the ONS lookups).  When given, a well-formed ward or LSOA code
        that is neither in the borough nor in this set is *rejected* as not a real code; without
        it, such a code is *unplaced* as outside the borough.

    Returns
    -------
    Register
        The rows split into placed, unplaced and rejected, with a reconciliation.

    Raises
    ------
    GrantsError
        The file is missing, unreadable, empty, has a header but no rows, lacks required
        columns, or is not in a format that can be read.
    ParameterError
        ``wards``, ``lsoas``, ``currency_rates``, ``today`` or ``area_col`` are not valid.
    """
    path = Path(path)
    wards_df = _check_wards(wards, area_col)
    lsoa_map = _check_lsoas(lsoas)
    rates = _check_rates(currency_rates)
    today_ts = _check_today(today)
    known = None if known_codes is None else {str(c).strip().upper() for c in known_codes}

    table = _read_table(path, aggregated)
    kind = _detect_kind(table, path, aggregated)
    if kind == "aggregated":
        std, reasons, notes = _check_aggregated(table, rates, today_ts)
        cand_cols = [AGG_WARD]
    else:
        std, reasons, notes = _check_grant_level(table, rates, today_ts)
        cand_cols = _candidate_code_columns(table.frame.columns)

    place = _place(table.frame, cand_cols, wards_df, lsoa_map, known, kind)
    reasons = _join_reasons(reasons, place["reject"])
    rejected_mask = reasons != ""
    placed_mask = ~rejected_mask & place["ward_code"].notna().to_numpy()
    unplaced_mask = ~rejected_mask & ~placed_mask
    # only placed rows keep a ward; unplaced rows keep the code that could not be placed
    place["ward_code"] = place["ward_code"].where(placed_mask, None)
    place["placement"] = place["placement"].where(placed_mask, None)
    place["geo_code"] = place["geo_code"].where(placed_mask, place["first_other"].where(unplaced_mask, None))

    out = _assemble(std, table, wards_df, place)
    notes = table.notes + notes + _file_area_notes(table.frame, out, wards_df, placed_mask)

    pos = len(_STD_HEAD) + len(wards_df.columns) - 2  # after the ward columns, before the file's own
    placed = out.loc[placed_mask].reset_index(drop=True)
    placed.insert(pos, "reason", pd.Series(pd.NA, index=placed.index, dtype="object"))
    unplaced = out.loc[unplaced_mask].reset_index(drop=True)
    unplaced.insert(pos, "reason", place["unplaced_reason"][unplaced_mask])
    rejected = out.loc[rejected_mask].reset_index(drop=True)
    rejected.insert(pos, "reason", reasons[rejected_mask])

    recon = _reconcile(path, out, placed, unplaced, rejected, area_col)
    if not recon.balanced:  # pragma: no cover - would be a bug in this module
        raise ReconciliationError(f"Grant register reconciliation failed: {recon.sentence}")
    return Register(
        path=path,
        kind=kind,
        format=table.fmt,
        encoding=table.encoding,
        sheet=table.sheet,
        area_col=area_col,
        placed=placed,
        unplaced=unplaced,
        rejected=rejected,
        reconciliation=recon,
        wards=wards_df,
        notes=tuple(notes),
    )


# -- parameter checks --------------------------------------------------------


def _check_wards(wards: Any, area_col: str) -> pd.DataFrame:
    if not isinstance(wards, pd.DataFrame):
        raise ParameterError("wards must be a DataFrame with columns ward_code, ward_name and the area column.")
    missing = [c for c in ("ward_code", area_col) if c not in wards.columns]
    if missing:
        raise ParameterError(
            f"The ward lookup lacks column(s) {', '.join(repr(c) for c in missing)} "
            f"(it has {', '.join(map(str, wards.columns))}). Check the area column name (area_col='{area_col}')."
        )
    w = wards.copy()
    w["ward_code"] = w["ward_code"].astype(str).str.strip().str.upper()
    if "ward_name" not in w.columns:
        w["ward_name"] = w["ward_code"]
    if w["ward_code"].duplicated().any():
        dup = sorted(set(w.loc[w["ward_code"].duplicated(), "ward_code"]))
        raise ParameterError(f"The ward lookup lists ward(s) {', '.join(dup)} more than once.")
    if w[area_col].isna().any():
        raise ParameterError(f"The ward lookup has ward(s) with no value in '{area_col}'.")
    if w.empty:
        raise ParameterError("The ward lookup has no wards.")
    clash = [c for c in w.columns if c in _STD_HEAD and c not in ("ward_code", "ward_name")] + [
        c for c in w.columns if c == "reason"
    ]
    if clash:
        w = w.rename(columns={c: f"{c} (ward lookup)" for c in clash})
    lead = ["ward_code", "ward_name"]
    return w[lead + [c for c in w.columns if c not in lead]].reset_index(drop=True)


def _check_lsoas(lsoas: Any) -> dict[str, str]:
    if lsoas is None:
        return {}
    if not isinstance(lsoas, pd.DataFrame) or not {"lsoa_code", "ward_code"} <= set(lsoas.columns):
        raise ParameterError("lsoas must be a DataFrame with columns lsoa_code and ward_code.")
    lk = pd.DataFrame(
        {
            "lsoa_code": lsoas["lsoa_code"].astype(str).str.strip().str.upper(),
            "ward_code": lsoas["ward_code"].astype(str).str.strip().str.upper(),
        }
    ).drop_duplicates()
    dup = lk["lsoa_code"].duplicated(keep=False)
    if dup.any():
        codes = sorted(set(lk.loc[dup, "lsoa_code"]))[:5]
        raise ParameterError(
            f"The LSOA lookup places LSOA(s) {', '.join(codes)} in more than one ward; use a best-fit lookup "
            "with one ward per LSOA."
        )
    return dict(zip(lk["lsoa_code"], lk["ward_code"]))


def _check_rates(rates: Mapping[str, float] | None) -> dict[str, float]:
    out: dict[str, float] = {"GBP": 1.0}
    if rates is None:
        return out
    if not isinstance(rates, Mapping):
        raise ParameterError("currency_rates must be a mapping such as {'EUR': 0.85} (pounds per unit).")
    for code, rate in rates.items():
        key = str(code).strip().upper()
        try:
            value = float(rate)
        except (TypeError, ValueError):
            value = float("nan")
        if not math.isfinite(value) or value <= 0:
            raise ParameterError(
                f"currency_rates['{code}'] = {rate!r} is not a positive number (pounds per one {key})."
            )
        if key == "GBP" and value != 1.0:
            raise ParameterError("currency_rates['GBP'] must be 1 (amounts in GBP are not converted).")
        out[key] = value
    return out


def _check_today(today: date | str | None) -> pd.Timestamp:
    if today is None:
        return pd.Timestamp(date.today())
    try:
        ts = pd.Timestamp(today)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"today={today!r} is not a date; use YYYY-MM-DD.") from exc
    if pd.isna(ts):
        raise ParameterError(f"today={today!r} is not a date; use YYYY-MM-DD.")
    return ts.normalize()


# -- low-level readers ---------------------------------------------------------


def _canonical(name: object) -> str:
    s = str(name).replace("\ufeff", "").strip()
    s = re.sub(r"\s+", " ", s)
    s = re.sub(r"\s*:\s*", ":", s)
    s = re.sub(r":0:", ":", s)
    return _CANONICAL.get(s.lower(), s)


def _read_table(path: Path, aggregated: bool | None) -> _Table:
    if not path.exists():
        raise GrantsError(f"{where(path)}: the grant register does not exist. Check the path and the file name.")
    if path.is_dir():
        raise GrantsError(f"{where(path)} is a folder, not a grant register file. Give the path of the file itself.")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise GrantsError(f"{where(path)} cannot be opened ({exc.strerror or exc}). Check it exists and is readable.") from exc
    if not data or (len(data) < 65536 and not data.strip()):
        raise GrantsError(
            f"{where(path)} is empty. Export the grant register again as 360Giving CSV (UTF-8), XLSX or JSON."
        )
    suffix = path.suffix.lower()
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(path, aggregated)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise GrantsError(
            f"{where(path)} is an old-style Excel 97-2003 (.xls) workbook, which cannot be read. "
            "Open it in Excel and save it as .xlsx or as 'CSV UTF-8'."
        )
    if data[:5] == b"%PDF-" or suffix in {".pdf", ".doc", ".docx", ".ods", ".odt", ".zip", ".gz", ".parquet"}:
        raise GrantsError(
            f"{where(path)} is not a format a grant register can be read from (it looks like a "
            f"{'PDF' if data[:5] == b'%PDF-' else suffix} file). Save the register as 360Giving CSV (UTF-8), "
            "XLSX or 360Giving JSON."
        )
    text, encoding = _decode(data, path)
    if "\x00" in text:
        raise GrantsError(
            f"{where(path)} contains NUL bytes, so it is not a text CSV (is it a spreadsheet or a binary file "
            "saved with a .csv name?). Save the register as 360Giving CSV (UTF-8), XLSX or JSON."
        )
    if suffix == ".json" or text.lstrip()[:1] in ("{", "["):
        return _read_json(path, text, encoding)
    return _read_csv_text(path, text, encoding, aggregated)


def _decode(data: bytes, path: Path) -> tuple[str, str]:
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise GrantsError(
                f"{where(path)} starts with a UTF-8 byte-order mark but is not valid UTF-8 "
                f"(byte {exc.start + 3}). Save it again from Excel as 'CSV UTF-8 (Comma delimited)'."
            ) from exc
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise GrantsError(
                f"{where(path)} starts with a UTF-16 byte-order mark but is not valid UTF-16. "
                "Save it again from Excel as 'CSV UTF-8 (Comma delimited)'."
            ) from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        raise GrantsError(
            f"{where(path)} is not text in UTF-8 or Windows-1252 (byte 0x{data[exc.start]:02x} at position "
            f"{exc.start} cannot be read). Save the register from Excel as 'CSV UTF-8 (Comma delimited)'."
        ) from exc


def _locate_header(records: list[list[str]], aggregated: bool | None) -> int | None:
    """Index of the first record that holds a complete set of required columns, else None."""
    for i, rec in enumerate(records[:_HEADER_SEARCH_ROWS]):
        names = {_canonical(c) for c in rec}
        if aggregated is not True and set(REQUIRED_COLUMNS) <= names:
            return i
        if aggregated is not False and set(AGGREGATED_REQUIRED_COLUMNS) <= names:
            return i
    return None


def _first_nonblank(records: list[list[str]]) -> int:
    for i, rec in enumerate(records):
        if any(str(c).strip() for c in rec):
            return i
    return 0


def _records_to_table(
    path: Path,
    records: list[list[str]],
    *,
    fmt: str,
    encoding: str | None,
    sheet: str | None,
    notes: list[str],
    aggregated: bool | None,
    hint: str = "",
) -> _Table:
    """Text records (possibly ragged) -> a rectangular frame, then :func:`_frame_to_table`."""
    if not records:
        raise GrantsError(
            f"{where(path)} holds only blank rows: no header row and no grants. "
            "Export the grant register again, with the 360Giving column titles in the first row."
        )
    h = _locate_header(records, aggregated)
    ncol = len(records[h if h is not None else _first_nonblank(records)])
    lengths = np.fromiter((len(r) for r in records), dtype=np.int64, count=len(records))
    structural = np.full(len(records), "", dtype=object)
    for i in np.flatnonzero(lengths != ncol):
        rec = records[i]
        if len(rec) < ncol:
            records[i] = list(rec) + [""] * (ncol - len(rec))
        else:
            if any(str(c).strip() for c in rec[ncol:]):
                structural[i] = (
                    f"row has {len(rec)} values but the header has {ncol} columns "
                    "(a text value containing a comma is probably not in quotes)"
                )
            records[i] = list(rec[:ncol])
    columns = list(zip(*records)) if ncol else []
    raw = pd.DataFrame({i: np.asarray(col, dtype=object) for i, col in enumerate(columns)})
    if ncol == 0:
        raw = pd.DataFrame(index=range(len(records)))
    return _frame_to_table(
        path, raw, structural, fmt=fmt, encoding=encoding, sheet=sheet, notes=notes, aggregated=aggregated, hint=hint
    )


def _frame_to_table(
    path: Path,
    raw: pd.DataFrame,
    structural: np.ndarray,
    *,
    fmt: str,
    encoding: str | None,
    sheet: str | None,
    notes: list[str],
    aggregated: bool | None,
    hint: str = "",
) -> _Table:
    """A rectangular text frame (positional columns, header somewhere in the first rows) -> _Table.

    Raises GrantsError for whole-file problems: only blank rows, no header with the required
    columns, a required column twice, no data rows.
    """
    keep_all = _nonblank_rows(raw)
    if not keep_all.any():
        raise GrantsError(
            f"{where(path)} holds only blank rows: no header row and no grants. "
            "Export the grant register again, with the 360Giving column titles in the first row."
        )
    head = [[str(c) for c in row] for row in raw.iloc[:_HEADER_SEARCH_ROWS].to_numpy(dtype=object)]
    h = _locate_header(head, aggregated)
    if h is None:
        h = _first_nonblank(head)
        _raise_missing_columns(path, head[h], h + 1, aggregated, hint)
    header_row = h + 1
    skipped_above = sum(1 for r in head[:h] if any(c.strip() for c in r))
    if skipped_above:
        notes.append(f"Ignored {skipped_above} non-blank row(s) above the header row (row {header_row}).")

    raw_header = head[h]
    names = [_canonical(c) for c in raw_header]
    renamed = [(r.strip(), n) for r, n in zip(raw_header, names) if r.strip() and r.strip() != n]
    if renamed:
        shown = "; ".join(f"'{r}' as '{n}'" for r, n in renamed[:6])
        more = f" and {len(renamed) - 6} more" if len(renamed) > 6 else ""
        notes.append(f"Read column(s) {shown}{more}.")
    names = [n if n else f"column {_excel_col(i)}" for i, n in enumerate(names)]
    seen: dict[str, int] = {}
    for i, n in enumerate(names):
        if n in seen:
            relevant = n in REQUIRED_COLUMNS or n in AGGREGATED_REQUIRED_COLUMNS or n in (BENEFICIARY_CODE, GRANTNAV_WARD)
            if relevant:
                raise GrantsError(
                    f"{where(path, row=header_row, column=n)}: the column appears twice (columns "
                    f"{_excel_col(seen[n])} and {_excel_col(i)}), so it is not clear which to use. "
                    "Delete or rename one of them."
                )
            names[i] = f"{n} ({_excel_col(i)})"
        else:
            seen[n] = i

    keep = keep_all[h + 1 :]
    source_row = np.arange(len(keep), dtype=np.int64)[keep] + header_row + 1
    frame = raw.iloc[h + 1 :]
    if not keep.all():
        frame = frame.iloc[np.flatnonzero(keep)]
    frame = frame.reset_index(drop=True)
    frame.columns = names
    structural = np.asarray(structural[h + 1 :], dtype=object)[keep]
    if frame.empty:
        raise GrantsError(
            f"{where(path)} has a header row (row {header_row}) but no grant rows below it. "
            "Add the grants under the header, or point to the file that holds them."
        )
    return _Table(
        frame=frame,
        source_row=source_row,
        fmt=fmt,
        encoding=encoding,
        sheet=sheet,
        notes=notes,
        structural=pd.Series(structural, dtype=object),
        header_row=header_row,
    )


def _nonblank_rows(raw: pd.DataFrame) -> np.ndarray:
    """True for rows with at least one non-empty cell (checks only rows whose first cell is empty)."""
    keep = np.ones(len(raw), dtype=bool)
    if raw.shape[1] == 0:
        return np.zeros(len(raw), dtype=bool)
    first = raw.iloc[:, 0].to_numpy(dtype=object)
    cand = np.flatnonzero(first == "")
    if len(cand):
        sub = raw.iloc[cand].to_numpy(dtype=object)
        keep[cand] = (sub != "").any(axis=1)
    return keep


def _raise_missing_columns(
    path: Path, header: list[str], header_row: int, aggregated: bool | None, hint: str = ""
) -> None:
    names = [_canonical(c) for c in header]
    have = set(names)
    miss_grant = [c for c in REQUIRED_COLUMNS if c not in have]
    miss_agg = [c for c in AGGREGATED_REQUIRED_COLUMNS if c not in have]
    use_agg = aggregated is True or (
        aggregated is None and len(miss_agg) < len(miss_grant) and len(miss_agg) < len(AGGREGATED_REQUIRED_COLUMNS)
    )
    missing = miss_agg if use_agg else miss_grant
    what = "an aggregated grant register" if use_agg else "a 360Giving grant register"
    found = [n for n in names if n]
    shown = ", ".join(f"'{n[:40]}'" for n in found[:12]) + (f" and {len(found) - 12} more" if len(found) > 12 else "")
    if len(found) == 1 and any(d in found[0] for d in (";", "\t", "|")):
        hint += " The header row has a single column: the file may use semicolons or tabs instead of commas."
    raise GrantsError(
        f"{where(path, row=header_row)}: missing required column(s) for {what}: "
        f"{', '.join(repr(c) for c in missing)}. Columns found: {shown or 'none'}.{hint} "
        "Add the missing column(s) with these exact 360Giving titles, or check this is the right file."
    )


def _read_csv_text(path: Path, text: str, encoding: str, aggregated: bool | None) -> _Table:
    notes: list[str] = []
    if encoding == "cp1252":
        notes.append("The file is not UTF-8; it was read as Windows-1252 (Excel's plain 'CSV' format).")
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter, hint = ",", ""
    if "," not in first_line:
        for d, label in ((";", "semicolons"), ("\t", "tabs"), ("|", "vertical bars")):
            if d in first_line:
                delimiter = d
                notes.append(f"Columns are separated by {label}, not commas.")
                hint = f" (The columns were read as separated by {label}, as the first line has no commas.)"
                break
    # Fast path: pandas' C parser.  It refuses rows with more values than the first row; then
    # the csv module (slower, but it keeps such rows so they can be rejected one by one).
    try:
        raw = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            header=None,
            dtype=str,
            na_filter=False,
            skip_blank_lines=False,
            engine="c",
            quotechar='"',
            doublequote=True,
        )
    except Exception:  # noqa: BLE001 - any parser failure means "use the tolerant reader"
        raw = None
    if raw is not None:  # with na_filter=False, short rows and blank lines come back as ''
        return _frame_to_table(
            path,
            raw,
            np.full(len(raw), "", dtype=object),
            fmt="csv",
            encoding=encoding,
            sheet=None,
            notes=notes,
            aggregated=aggregated,
            hint=hint,
        )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    try:
        records = list(reader)
    except (csv.Error, MemoryError) as exc:
        raise GrantsError(
            f"{where(path)}: the CSV cannot be read near line {reader.line_num} ({exc}). Check quotes are "
            "balanced, or save the register again from Excel as 'CSV UTF-8 (Comma delimited)'."
        ) from exc
    return _records_to_table(
        path, records, fmt="csv", encoding=encoding, sheet=None, notes=notes, aggregated=aggregated, hint=hint
    )


def _cell_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, datetime):
        if v.time() == time(0, 0):
            return v.date().isoformat()
        return v.isoformat()
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, float):
        if math.isfinite(v) and v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return repr(v)
    return str(v)


def _read_xlsx(path: Path, aggregated: bool | None) -> _Table:
    import zipfile

    try:
        import openpyxl
    except ImportError as exc:  # pragma: no cover - openpyxl is a dependency
        raise GrantsError(f"{where(path)} is an XLSX workbook but openpyxl is not installed.") from exc
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError, IndexError, AttributeError) as exc:
        raise GrantsError(
            f"{where(path)} looks like a zip/XLSX file but cannot be opened as an Excel workbook ({exc}). "
            "Open it in Excel and save it again as .xlsx, or save the grants as 'CSV UTF-8'."
        ) from exc
    except Exception as exc:  # openpyxl raises many kinds of error for a damaged workbook
        raise GrantsError(
            f"{where(path)} cannot be opened as an Excel workbook ({type(exc).__name__}: {exc}). "
            "Open it in Excel and save it again as .xlsx, or save the grants as 'CSV UTF-8'."
        ) from exc
    try:
        names = list(wb.sheetnames)
        checked: list[str] = []
        for k, name in enumerate(names):
            ws = wb[name]
            if not hasattr(ws, "iter_rows"):
                continue
            rows_iter = ws.iter_rows(values_only=True)
            head = [[_cell_text(v) for v in r] for r in islice(rows_iter, _HEADER_SEARCH_ROWS)]
            if _locate_header(head, aggregated) is None:
                checked.append(name)
                continue
            records = head + [[_cell_text(v) for v in r] for r in rows_iter]
            notes = [f"Read sheet '{name}' (sheet {k + 1} of {len(names)})."]
            if checked:
                notes.append(
                    f"Skipped sheet(s) {', '.join(repr(s) for s in checked)}: no 360Giving header row in their "
                    f"first {_HEADER_SEARCH_ROWS} rows."
                )
            return _records_to_table(
                path, records, fmt="xlsx", encoding=None, sheet=name, notes=notes, aggregated=aggregated
            )
    except GrantsError:
        raise
    except Exception as exc:
        raise GrantsError(
            f"{where(path)}: the workbook cannot be read ({type(exc).__name__}: {exc}). "
            "Open it in Excel and save it again as .xlsx, or save the grants as 'CSV UTF-8'."
        ) from exc
    finally:
        wb.close()
    # no sheet had the headers: report against the first sheet's first non-blank row
    want = AGGREGATED_REQUIRED_COLUMNS if aggregated else REQUIRED_COLUMNS
    raise GrantsError(
        f"{where(path)}: no sheet has a 360Giving header row (looked at the first {_HEADER_SEARCH_ROWS} rows of "
        f"sheet(s) {', '.join(repr(s) for s in checked) or 'none'}). The header row must hold the columns "
        f"{', '.join(repr(c) for c in want)}. Add the missing titles or check this is the right workbook."
    )


def _flat_value(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False, sort_keys=True)
    return str(v)


def _flatten_grant(g: dict) -> dict[str, str]:
    row: dict[str, str] = {}
    for key, value in g.items():
        key = str(key)
        if key in _JSON_SCALARS:
            row[_JSON_SCALARS[key]] = _flat_value(value)
        elif key in _JSON_ARRAYS:
            prefix, fields = _JSON_ARRAYS[key]
            items = value if isinstance(value, list) else [value]
            for n, item in enumerate(items):
                if not isinstance(item, dict):
                    continue
                label = prefix if n == 0 else f"{prefix}:{n}"
                for f, fv in item.items():
                    title = fields.get(str(f), str(f))
                    row[f"{label}:{title}"] = _flat_value(fv)
        elif isinstance(value, dict):
            for f, fv in value.items():
                row[f"{key}:{f}"] = _flat_value(fv)
        else:
            row[key] = _flat_value(value)
    return row


def _read_json(path: Path, text: str, encoding: str) -> _Table:
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise GrantsError(
            f"{where(path)} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}). "
            "Check the file is a complete 360Giving JSON package, or use the flat CSV instead."
        ) from exc
    except (RecursionError, ValueError) as exc:
        raise GrantsError(f"{where(path)} is not valid JSON ({exc}). Use a 360Giving JSON package or CSV.") from exc
    notes: list[str] = []
    if isinstance(obj, dict):
        if "grants" not in obj:
            keys = ", ".join(repr(str(k)) for k in list(obj)[:8]) or "none"
            raise GrantsError(
                f"{where(path)} has no 'grants' list (top-level keys: {keys}). A 360Giving JSON package looks "
                'like {"grants": [ {...}, {...} ]}.'
            )
        grants = obj["grants"]
    elif isinstance(obj, list):
        grants = obj
        notes.append("The JSON file is a bare list; it was read as the package's 'grants' list.")
    else:
        raise GrantsError(
            f"{where(path)} is JSON but not a 360Giving package (its top level is a {type(obj).__name__}). "
            'A package looks like {"grants": [ {...}, {...} ]}.'
        )
    if not isinstance(grants, list):
        raise GrantsError(f"{where(path)}: 'grants' is not a list. A 360Giving package holds a list of grants.")
    if not grants:
        raise GrantsError(
            f"{where(path)} has an empty 'grants' list, so there are no grants to read. Check this is the right file."
        )
    notes.append("JSON: source_row is the grant's position in the 'grants' list (first grant = 1).")
    rows = []
    structural = np.full(len(grants), "", dtype=object)
    for i, g in enumerate(grants):
        if isinstance(g, dict):
            rows.append(_flatten_grant(g))
        else:
            rows.append({})
            structural[i] = f"grant is not a JSON object (it is a {type(g).__name__})"
    frame = pd.DataFrame.from_records(rows)
    frame.columns = [_canonical(c) for c in frame.columns]
    frame = frame.loc[:, ~frame.columns.duplicated()]
    if not (set(REQUIRED_COLUMNS) <= set(frame.columns)):
        missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
        json_path = {v: k for k, v in _JSON_SCALARS.items()} | {
            "Recipient Org:Identifier": "recipientOrganization[0].id",
            "Recipient Org:Name": "recipientOrganization[0].name",
            "Funding Org:Identifier": "fundingOrganization[0].id",
            "Funding Org:Name": "fundingOrganization[0].name",
        }
        shown = [json_path[c] for c in missing]
        raise GrantsError(
            f"{where(path)}: no grant has the required 360Giving field(s) {', '.join(shown)} "
            f"(flat titles {', '.join(repr(c) for c in missing)}). Check this is a 360Giving grants file."
        )
    for c in _JSON_GAPLESS:
        if c not in frame.columns:
            frame[c] = ""
    frame = frame.fillna("").astype(object)
    return _Table(
        frame=frame.reset_index(drop=True),
        source_row=np.arange(1, len(frame) + 1, dtype=np.int64),
        fmt="json",
        encoding=encoding,
        sheet=None,
        notes=notes,
        structural=pd.Series(structural, dtype=object),
        header_row=0,
    )


def _detect_kind(table: _Table, path: Path, aggregated: bool | None) -> str:
    cols = set(table.frame.columns)
    has_agg = set(AGGREGATED_REQUIRED_COLUMNS) <= cols
    has_grant = set(REQUIRED_COLUMNS) <= cols
    if aggregated is True:
        if not has_agg:
            _raise_missing_columns(path, list(table.frame.columns), table.header_row or 1, True)
        return "aggregated"
    if aggregated is False or has_grant:
        if not has_grant:
            _raise_missing_columns(path, list(table.frame.columns), table.header_row or 1, False)
        return "grant-level"
    if has_agg:
        return "aggregated"
    _raise_missing_columns(path, list(table.frame.columns), table.header_row or 1, None)
    raise AssertionError("unreachable")  # pragma: no cover


# -- row checks ----------------------------------------------------------------


def _text(frame: pd.DataFrame, col: str) -> pd.Series:
    """A column's cells as stripped text ('' when the column is missing)."""
    if col not in frame.columns:
        return pd.Series("", index=frame.index, dtype=object)
    col_values = frame[col]
    out = col_values.str.strip()  # cells are text; anything else (never expected) becomes NaN here
    if out.isna().any():
        out = col_values.map(lambda v: "" if v is None or v is pd.NA else str(v)).str.strip()
    return out.astype(object)


def _quote(s: pd.Series, width: int = 40) -> pd.Series:
    """Row values for a message: quoted and shortened."""
    return s.map(lambda v: f"'{v[:width]}...'" if len(v) > width else f"'{v}'")


def _join_reasons(*parts: pd.Series | np.ndarray | list) -> np.ndarray:
    """Join per-row reason strings with '; ' (empty strings are skipped)."""
    flat: list[np.ndarray] = []
    for p in parts:
        if isinstance(p, list):
            flat.extend(np.asarray(x, dtype=object) for x in p)
        else:
            flat.append(np.asarray(p, dtype=object))
    out = np.full(len(flat[0]) if flat else 0, "", dtype=object)
    for r in flat:
        has = r != ""
        if not has.any():
            continue
        both = has & (out != "")
        out[both] = out[both] + "; " + r[both]
        only = has & ~both
        out[only] = r[only]
    return out


def _reason(mask: pd.Series | np.ndarray, text: str | Any) -> np.ndarray:
    """Reason text for the rows in ``mask`` ('' elsewhere).

    ``text`` is a string, or a function that gets the boolean mask and returns the texts for
    just those rows (so messages are only built for the rows that need them).
    """
    mask = np.asarray(mask, dtype=bool)
    out = np.full(len(mask), "", dtype=object)
    if mask.any():
        out[mask] = text if isinstance(text, str) else np.asarray(text(mask), dtype=object)
    return out


def _check_amount(raw: pd.Series, col: str) -> tuple[pd.Series, list[np.ndarray]]:
    """Parse an amount column; return the numbers (NaN where unusable) and the reasons."""
    blank = (raw == "").to_numpy()
    num = pd.Series(pd.to_numeric(raw.where(~blank, None), errors="coerce"), index=raw.index).astype(float)
    finite = np.isfinite(num.to_numpy())
    nan = ~blank & ~finite
    neg = finite & (num.to_numpy() < 0)
    huge = finite & (num.to_numpy() >= _MAX_AMOUNT)
    reasons = [
        _reason(blank, f"{col} is blank"),
        _reason(nan, lambda m: f"{col} " + _quote(raw[m]) + " is not a number (use digits only, with no £ sign or commas)"),
        _reason(neg, lambda m: f"{col} " + _quote(raw[m]) + " is negative"),
        _reason(huge, lambda m: f"{col} " + _quote(raw[m]) + " is too large to be a grant (£1,000,000,000,000 or more)"),
    ]
    usable = num.where(~(nan | neg | huge | blank))
    return usable, reasons


def _check_currency(frame: pd.DataFrame, rates: dict[str, float]) -> tuple[pd.Series, pd.Series, list[np.ndarray]]:
    if "Currency" in frame.columns:
        raw = _text(frame, "Currency")
        cur = raw.str.upper()
        blank = (cur == "").to_numpy()
    else:
        raw = cur = pd.Series("GBP", index=frame.index, dtype=object)
        blank = np.zeros(len(frame), dtype=bool)
    rate = cur.map(rates).astype(float)
    norate = ~blank & rate.isna().to_numpy()
    reasons = [
        _reason(blank, "Currency is blank (use GBP for pounds sterling)"),
        _reason(
            norate,
            lambda m: "Currency "
            + _quote(raw[m], 12)
            + " is not GBP and no exchange rate was given (add "
            + raw[m].str.slice(0, 12)
            + " to currency_rates to convert it to pounds)",
        ),
    ]
    return cur, rate, reasons


def _check_grant_level(
    table: _Table, rates: dict[str, float], today: pd.Timestamp
) -> tuple[pd.DataFrame, list[np.ndarray], list[str]]:
    f = table.frame
    notes: list[str] = []
    ident = _text(f, "Identifier")
    amount_raw = _text(f, "Amount Awarded")
    date_raw = _text(f, "Award Date")

    amount, amount_reasons = _check_amount(amount_raw, "Amount Awarded")
    cur, rate, cur_reasons = _check_currency(f, rates)
    amount_gbp = amount * rate

    date_blank = (date_raw == "").to_numpy()
    shape_ok = date_raw.str.fullmatch(_ISO_DATE_RE).fillna(False).astype(bool)
    parsed = pd.to_datetime(date_raw.str.slice(0, 10).where(shape_ok, None), format="%Y-%m-%d", errors="coerce")
    date_bad = ~date_blank & parsed.isna().to_numpy()
    future = (parsed.notna() & (parsed > today)).to_numpy()
    # a real calendar date outside pandas' Timestamp range (years 1677-2262), e.g. 2999-01-01, is
    # a valid ISO date: say it is in the future (or implausibly old), not that it is malformed
    far = np.zeros(len(f), dtype=bool)
    for i in np.flatnonzero(date_bad & shape_ok.to_numpy()):
        try:
            day = date.fromisoformat(str(date_raw.iloc[i])[:10])
        except ValueError:
            continue
        far[i] = True
        future[i] = day > today.date()
    date_bad &= ~far
    too_old = far & ~future
    today_text = today.date().isoformat()
    date_reasons = [
        _reason(date_blank, "Award Date is blank"),
        _reason(
            date_bad,
            lambda m: "Award Date "
            + _quote(date_raw[m], 30)
            + " is not an ISO 8601 date (write it as YYYY-MM-DD, e.g. 2015-04-01)",
        ),
        _reason(
            future,
            lambda m: "Award Date " + date_raw[m].str.slice(0, 10) + f" is in the future (after {today_text})",
        ),
        _reason(
            too_old,
            lambda m: "Award Date " + date_raw[m].str.slice(0, 10) + " is before 1677, which is not a plausible award date",
        ),
    ]

    id_blank = (ident == "").to_numpy()
    dup = ~id_blank & ident.duplicated(keep="first").to_numpy()
    row_word = "grant" if table.fmt == "json" else "row"

    def dup_text(m: np.ndarray) -> pd.Series:
        first = pd.Series(table.source_row, index=f.index).groupby(ident).transform("first")
        return "Identifier " + _quote(ident[m], 60) + f" duplicates {row_word} " + first[m].astype(str) + (
            " (only the first is kept)"
        )

    id_reasons = [_reason(id_blank, "Identifier is blank"), _reason(dup, dup_text)]
    converted = ((cur != "GBP") & rate.notna()).to_numpy()
    if converted.any():
        used = sorted(set(cur[converted]))
        notes.append(
            f"{int(converted.sum())} grant(s) in {', '.join(used)} were converted to pounds with the rates given "
            f"({', '.join(f'{c} = £{rates[c]:g}' for c in used)})."
        )

    year = parsed.dt.year.astype("Int64")
    fy_start = (parsed.dt.year - (parsed.dt.month < 4).astype(int)).astype("Int64")
    funder = _text(f, "Funding Org:Name")
    if (funder == "").any():
        funder = funder.where(funder != "", _text(f, "Funding Org:Identifier"))
    std = pd.DataFrame(
        {
            "source_row": table.source_row,
            "identifier": ident.to_numpy(),
            "title": _text(f, "Title").to_numpy(),
            "funder": funder.to_numpy(),
            "recipient_id": _text(f, "Recipient Org:Identifier").to_numpy(),
            "recipient": _text(f, "Recipient Org:Name").to_numpy(),
            "award_date": parsed.to_numpy(),
            "award_year": year.to_numpy(),
            "financial_year": _fy_labels(fy_start).to_numpy(),
            "currency": cur.to_numpy(),
            "amount_original": amount.to_numpy(),
            "amount_gbp": amount_gbp.to_numpy(),
            "grants": pd.array(np.ones(len(f), dtype=np.int64), dtype="Int64"),
        }
    )
    reasons = [table.structural.to_numpy()] + id_reasons + amount_reasons + cur_reasons + date_reasons
    return std, reasons, notes


def _check_aggregated(
    table: _Table, rates: dict[str, float], today: pd.Timestamp
) -> tuple[pd.DataFrame, list[np.ndarray], list[str]]:
    f = table.frame
    notes: list[str] = []
    year_raw = _text(f, "Award Year")
    count_raw = _text(f, "grant_count")
    amount_raw = _text(f, "amount_awarded_total")

    year_blank = (year_raw == "").to_numpy()
    yr = pd.to_numeric(year_raw.where(~year_blank, None), errors="coerce").astype(float).to_numpy()
    with np.errstate(invalid="ignore"):
        year_ok = np.isfinite(yr) & (yr == np.floor(yr)) & (yr >= 1000) & (yr <= 9999)
    year_future = year_ok & (yr > today.year)
    year_reasons = [
        _reason(year_blank, "Award Year is blank"),
        _reason(
            ~year_blank & ~year_ok,
            lambda m: "Award Year " + _quote(year_raw[m], 20) + " is not a year (write four digits, e.g. 2015)",
        ),
        _reason(year_future, lambda m: "Award Year " + year_raw[m] + f" is in the future (after {today.year})"),
    ]
    count_blank = (count_raw == "").to_numpy()
    cnt = pd.to_numeric(count_raw.where(~count_blank, None), errors="coerce").astype(float).to_numpy()
    with np.errstate(invalid="ignore"):
        cnt_ok = np.isfinite(cnt) & (cnt == np.floor(cnt)) & (cnt >= 1) & (cnt <= _MAX_GRANT_COUNT)
    count_reasons = [
        _reason(count_blank, "grant_count is blank"),
        _reason(
            ~count_blank & ~cnt_ok,
            lambda m: "grant_count " + _quote(count_raw[m], 20) + " is not a whole number of grants (1 or more)",
        ),
    ]
    amount, amount_reasons = _check_amount(amount_raw, "amount_awarded_total")
    cur, rate, cur_reasons = _check_currency(f, rates)
    amount_gbp = amount * rate

    key_cols = [
        c
        for c in ("Funding Org:Name", "Award Year", "Recipient District Geographic Code", AGG_WARD, "Recipient Region")
        if c in f.columns
    ]
    key = _text(f, key_cols[0])
    for c in key_cols[1:]:
        key = key + "\x1f" + _text(f, c)
    dup = key.duplicated(keep="first").to_numpy()

    def dup_text(m: np.ndarray) -> pd.Series:
        first = pd.Series(table.source_row, index=f.index).groupby(key).transform("first")
        return "duplicates row " + first[m].astype(str) + " (same funder, award year and ward; only the first is kept)"

    n = len(f)
    none = np.full(n, None, dtype=object)
    std = pd.DataFrame(
        {
            "source_row": table.source_row,
            "identifier": none,
            "title": none,
            "funder": _text(f, "Funding Org:Name").to_numpy(),
            "recipient_id": none,
            "recipient": none,
            "award_date": np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]"),
            "award_year": pd.array(np.where(year_ok, yr, np.nan), dtype="Float64").astype("Int64"),
            "financial_year": none,
            "currency": cur.to_numpy(),
            "amount_original": amount.to_numpy(),
            "amount_gbp": amount_gbp.to_numpy(),
            "grants": pd.array(np.where(cnt_ok, cnt, np.nan), dtype="Float64").astype("Int64"),
        }
    )
    reasons = (
        [table.structural.to_numpy()]
        + year_reasons
        + count_reasons
        + amount_reasons
        + cur_reasons
        + [_reason(dup, dup_text)]
    )
    return std, reasons, notes


def _fy_labels(start: pd.Series) -> pd.Series:
    """'2015/16' labels from financial-year start years (NA stays NA)."""
    labels = {y: financial_year_label(y) for y in start.dropna().unique()}
    return start.map(labels).astype(object).where(start.notna().to_numpy(), None)


def financial_year_label(start_year: int) -> str:
    """UK financial year label from its start year: ``2015`` -> ``'2015/16'`` (April 2015 to March 2016)."""
    return f"{int(start_year)}/{(int(start_year) + 1) % 100:02d}"


# -- placement -------------------------------------------------------------------


def _candidate_code_columns(columns: Iterable[str]) -> list[str]:
    cols = list(columns)
    extra = sorted(
        (c for c in cols if re.fullmatch(r"Beneficiary Location:\d+:Geographic Code", c)),
        key=lambda c: int(c.split(":")[1]),
    )
    out = [c for c in (BENEFICIARY_CODE,) if c in cols] + extra
    if GRANTNAV_WARD in cols:
        out.append(GRANTNAV_WARD)
    return out


def _place(
    frame: pd.DataFrame,
    cand_cols: list[str],
    wards: pd.DataFrame,
    lsoa_map: dict[str, str],
    known: set[str] | None,
    kind: str,
) -> dict[str, Any]:
    """Vectorised placement.  Returns ward_code/geo_code/placement per row, rejection and unplaced reasons."""
    n = len(frame)
    ward_set = set(wards["ward_code"])
    borough_lsoa = {k: v for k, v in lsoa_map.items() if v in ward_set}
    check_prefixes = {c[:3] for c in ward_set} | {c[:3] for c in lsoa_map}
    ward_code = pd.Series([None] * n, index=frame.index, dtype=object)
    geo_code = pd.Series([None] * n, index=frame.index, dtype=object)
    placement = pd.Series([None] * n, index=frame.index, dtype=object)
    first_other = pd.Series([None] * n, index=frame.index, dtype=object)  # first well-formed code not placed
    any_code = np.zeros(n, dtype=bool)
    reject_parts: list[np.ndarray] = []

    for col in cand_cols:
        raw = _text(frame, col)
        code = raw.str.upper().str.replace(" ", "", regex=False)
        blank = code == ""
        any_code |= ~blank.to_numpy()
        wellformed = code.str.fullmatch(_GSS_RE)
        bad = ~blank & ~wellformed
        is_ward = code.isin(ward_set)
        is_lsoa = code.isin(borough_lsoa.keys())
        reject_parts.append(
            _reason(
                bad,
                lambda m, col=col, raw=raw: col
                + " "
                + _quote(raw[m], 30)
                + " is not a valid ONS geography code (a letter and 8 digits, e.g. E05 for a ward or E01 for an LSOA)",
            )
        )
        if known is not None:
            unknown = (
                ~blank
                & wellformed
                & ~is_ward
                & ~code.isin(lsoa_map.keys())
                & code.str.slice(0, 3).isin(check_prefixes)
                & ~code.isin(known)
            )
            reject_parts.append(
                _reason(
                    unknown,
                    lambda m, col=col, raw=raw: col
                    + " "
                    + _quote(raw[m], 30)
                    + " is not a known ward or LSOA code (check for a typing error)",
                )
            )
        free = ward_code.isna()
        take_w = free & is_ward
        take_l = free & ~is_ward & is_lsoa
        ward_code = ward_code.mask(take_w, code).mask(take_l, code.map(borough_lsoa))
        geo_code = geo_code.mask(take_w | take_l, code)
        placement = placement.mask(take_w, f"{col} (ward)").mask(take_l, f"{col} (LSOA)")
        other = free & ~blank & wellformed & ~is_ward & ~is_lsoa & first_other.isna()
        first_other = first_other.mask(other, code)

    # unplaced reasons: by the first well-formed code that was not in the borough, or "no code"
    unplaced = pd.Series("", index=frame.index, dtype=object)
    if n:
        codes = first_other.dropna().unique()
        what = {}
        for c in codes:
            prefix = c[:3]
            if c in lsoa_map or prefix in check_prefixes:
                what[c] = f"code {c} is not a ward or LSOA of this borough (outside the borough)"
            else:
                kind_name = _TYPE_NAMES.get(prefix, f"a '{prefix}' area")
                what[c] = f"code {c} is {kind_name} code, not a ward or LSOA code, so it cannot be placed in one ward"
        unplaced = first_other.map(what).fillna("")
        if kind == "aggregated":
            none_msg = f"no ward code ({AGG_WARD} is blank)"
        else:
            what_blank = (
                f"{BENEFICIARY_CODE} is blank"
                if BENEFICIARY_CODE in cand_cols
                else f"the file has no {BENEFICIARY_CODE} column"
            )
            if GRANTNAV_WARD in cand_cols:
                what_blank += f" and {GRANTNAV_WARD} is blank"
            none_msg = f"no ward or LSOA code to place it by ({what_blank}; postcodes are not looked up)"
        unplaced = unplaced.mask(~pd.Series(any_code, index=frame.index), none_msg)
    return {
        "ward_code": ward_code,
        "geo_code": geo_code,
        "placement": placement,
        "reject": reject_parts,
        "unplaced_reason": unplaced.to_numpy(),
        "first_other": first_other,
    }


# -- assembling ------------------------------------------------------------------


def _assemble(std: pd.DataFrame, table: _Table, wards: pd.DataFrame, place: dict[str, Any]) -> pd.DataFrame:
    out = std.copy()
    out["geo_code"] = place["geo_code"].to_numpy()
    out["placement"] = place["placement"].to_numpy()
    out["ward_code"] = place["ward_code"].to_numpy()
    lk = wards.set_index("ward_code")
    for c in lk.columns:
        out[c] = out["ward_code"].map(lk[c])
    original = table.frame.copy()
    std_names = set(out.columns) | {"reason"}
    original.columns = [f"{c} (in file)" if c in std_names else c for c in original.columns]
    original.index = out.index
    return pd.concat([out, original], axis=1)


def _file_area_notes(frame: pd.DataFrame, out: pd.DataFrame, wards: pd.DataFrame, placed: np.ndarray) -> list[str]:
    """Note where a file's own ward_name/area columns disagree with the ward lookup."""
    notes = []
    for c in wards.columns:
        if c == "ward_code" or c not in frame.columns:
            continue
        mine = out.loc[placed, c].astype(str).str.strip()
        theirs = frame.loc[placed, c].astype(str).str.strip()
        differ = int((mine != theirs).sum())
        if differ:
            notes.append(
                f"The file's own '{c}' column disagrees with the ward lookup on {differ} placed row(s); "
                f"the ward lookup's value is used (the file's is kept as '{c} (in file)')."
            )
    return notes


def _reconcile(
    path: Path, out: pd.DataFrame, placed: pd.DataFrame, unplaced: pd.DataFrame, rejected: pd.DataFrame, area_col: str
) -> Reconciliation:
    def grants(df: pd.DataFrame) -> int:
        return int(df["grants"].fillna(0).sum())

    def pounds(df: pd.DataFrame) -> float:
        return float(np.nansum(df["amount_gbp"].to_numpy(dtype=float)))

    rows_in, grants_in, gbp_in = len(out), grants(out), pounds(out)
    parts = [(len(d), grants(d), pounds(d)) for d in (placed, unplaced, rejected)]
    balanced = (
        rows_in == sum(p[0] for p in parts)
        and grants_in == sum(p[1] for p in parts)
        and abs(gbp_in - sum(p[2] for p in parts)) < 0.005
    )
    no_amount = int(rejected["amount_gbp"].isna().sum())
    label = area_col.replace("_", " ")
    article = "an" if label[:1].lower() in "aeiou" else "a"
    sentence = (
        f"{path.name}: {grants_in:,} grants (£{gbp_in:,.2f}) in {rows_in:,} rows = "
        f"{parts[0][1]:,} placed in {article} {label} (£{parts[0][2]:,.2f}) + "
        f"{parts[1][1]:,} not placed (£{parts[1][2]:,.2f}) + "
        f"{parts[2][1]:,} rejected (£{parts[2][2]:,.2f})."
    )
    if no_amount:
        sentence = sentence[:-1] + f"; {no_amount:,} rejected row(s) have no usable amount in pounds and count as £0."
    return Reconciliation(
        rows_in=rows_in,
        grants_in=grants_in,
        amount_in_gbp=gbp_in,
        placed_rows=parts[0][0],
        placed_grants=parts[0][1],
        placed_gbp=parts[0][2],
        unplaced_rows=parts[1][0],
        unplaced_grants=parts[1][1],
        unplaced_gbp=parts[1][2],
        rejected_rows=parts[2][0],
        rejected_grants=parts[2][1],
        rejected_gbp=parts[2][2],
        rejected_without_amount=no_amount,
        balanced=bool(balanced),
        sentence=sentence,
    )


def _excel_col(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


# ---------------------------------------------------------------------------
# Analysis
# ---------------------------------------------------------------------------


def _area_sort_key(v: Any) -> tuple:
    return (0, float(v), "") if isinstance(v, (int, float, np.integer, np.floating)) else (1, 0.0, str(v))


def _as_series(obj: Any, what: str, area_col: str | None = None, value_col: str | None = None) -> pd.Series:
    """A numeric Series indexed by area/unit from a Series, mapping or two-column DataFrame."""
    if isinstance(obj, pd.Series):
        s = obj
    elif isinstance(obj, Mapping):
        s = pd.Series(dict(obj))
    elif isinstance(obj, pd.DataFrame):
        df = obj
        key = area_col if area_col in df.columns else df.columns[0]
        values = [c for c in df.columns if c != key]
        col = value_col if value_col in values else (values[0] if len(values) == 1 else None)
        if col is None:
            raise ParameterError(
                f"{what}: cannot tell which column holds the values (columns: {', '.join(map(str, df.columns))}); "
                f"pass a Series indexed by area, or a DataFrame with '{area_col}' and '{value_col}'."
            )
        s = df.set_index(key)[col]
    else:
        raise ParameterError(f"{what} must be a pandas Series (indexed by area), a mapping or a DataFrame.")
    try:
        s = pd.to_numeric(s, errors="raise").astype(float)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"{what} must hold numbers ({exc}).") from exc
    if s.index.has_duplicates:
        raise ParameterError(f"{what} lists area(s) {', '.join(map(str, s.index[s.index.duplicated()][:5]))} twice.")
    bad = s.index[~np.isfinite(s.to_numpy()) | (s.to_numpy() < 0)]
    if len(bad):
        raise ParameterError(f"{what} must be finite and not negative; check {', '.join(map(str, bad[:5]))}.")
    return s


def _align(s: pd.Series, areas: list, what: str) -> pd.Series:
    """Reindex ``s`` to ``areas`` matching keys as text; every area must be present."""
    by_text = {str(k).strip(): v for k, v in s.items()}
    missing = [a for a in areas if str(a).strip() not in by_text]
    extra = sorted(set(by_text) - {str(a).strip() for a in areas})
    if missing or extra:
        raise ParameterError(
            f"{what} does not match the areas of the ward lookup: "
            + (f"missing {', '.join(map(str, missing))}" if missing else "")
            + ("; " if missing and extra else "")
            + (f"not areas of the ward lookup: {', '.join(extra[:8])}" if extra else "")
            + f". The areas are: {', '.join(map(str, areas))}."
        )
    return pd.Series([by_text[str(a).strip()] for a in areas], index=areas, dtype=float)


def _filter_period(df: pd.DataFrame, period: int | tuple[int, int] | None) -> pd.DataFrame:
    if period is None:
        return df
    if isinstance(period, (int, np.integer)):
        lo = hi = int(period)
    else:
        try:
            lo, hi = (int(x) for x in period)
        except (TypeError, ValueError) as exc:
            raise ParameterError(f"period={period!r} must be a year or a (first_year, last_year) pair.") from exc
    if lo > hi:
        raise ParameterError(f"period={period!r}: the first year is after the last year.")
    yr = df["award_year"]
    keep = ((yr >= lo) & (yr <= hi)).fillna(False).astype(bool)
    return df.loc[keep.to_numpy()]


def summarise_by_area(
    register: Register,
    population_by_area: pd.Series | Mapping | pd.DataFrame,
    period: int | tuple[int, int] | None = None,
    *,
    area_col: str | None = None,
) -> pd.DataFrame:
    """Grants, pounds and pounds per head for every area (areas with no grants show zeros).

    Only placed grants count (unplaced grants belong to no area; see
    ``register.reconciliation``).

    Parameters
    ----------
    register : Register
        From :func:`read_register`.
    population_by_area : Series, mapping or DataFrame
        Residents per area: a Series indexed by area, a mapping, or a DataFrame with the area
        column and a ``population`` column.  It must cover exactly the areas of the ward lookup.
    period : int or (int, int), optional
        Award years to include (calendar years of ``Award Date``, or ``Award Year`` in an
        aggregated register), inclusive.  Default: all.
    area_col : str, optional
        Group by this ward-lookup column instead of ``register.area_col``.

    Returns
    -------
    DataFrame
        One row per area, sorted by area, with columns ``<area_col>, grants,
        amount_awarded_gbp, population, amount_per_head_gbp, share_of_amount_pct,
        share_of_population_pct``.  Shares are percentages of the borough totals (NaN when the
        total is zero).
    """
    col = area_col or register.area_col
    areas = register.areas(col)
    pop = _align(_as_series(population_by_area, "population_by_area", col, "population"), areas, "population_by_area")
    placed = _filter_period(register.placed, period)
    g = placed.groupby(placed[col].astype(str).str.strip())
    grants = g["grants"].sum()
    amount = g["amount_gbp"].sum()
    keys = [str(a).strip() for a in areas]
    out = pd.DataFrame(
        {
            col: areas,
            "grants": [int(grants.get(k, 0)) for k in keys],
            "amount_awarded_gbp": [float(amount.get(k, 0.0)) for k in keys],
            "population": pop.to_numpy(),
        }
    )
    out["amount_per_head_gbp"] = out["amount_awarded_gbp"] / out["population"].where(out["population"] > 0)
    out["share_of_amount_pct"] = _pct(out["amount_awarded_gbp"])
    out["share_of_population_pct"] = _pct(out["population"])
    out["grants"] = out["grants"].astype(np.int64)
    return out


def _pct(s: pd.Series) -> pd.Series:
    total = float(s.sum())
    if total <= 0:
        return pd.Series(np.nan, index=s.index)
    return 100.0 * s / total


def by_ward(register: Register, period: int | tuple[int, int] | None = None) -> pd.DataFrame:
    """Placed grants and pounds for every ward of the lookup (zeros included).

    Parameters
    ----------
    register : Register
    period : int or (int, int), optional
        Award years to include (inclusive).

    Returns
    -------
    DataFrame
        ``ward_code, ward_name, <other ward-lookup columns>, grants, amount_awarded_gbp``, in
        the ward lookup's order; handy as input to :func:`concentration_index`.
    """
    placed = _filter_period(register.placed, period)
    g = placed.groupby("ward_code")
    out = register.wards.copy()
    out["grants"] = out["ward_code"].map(g["grants"].sum()).fillna(0).astype(np.int64)
    out["amount_awarded_gbp"] = out["ward_code"].map(g["amount_gbp"].sum()).fillna(0.0).astype(float)
    return out


def _scope(register: Register, area: Any, area_col: str | None) -> pd.DataFrame:
    if area is None:
        return register.accepted
    col = area_col or register.area_col
    if str(area).strip() not in {str(a).strip() for a in register.areas(col)}:
        raise ParameterError(f"Area '{area}' is not one of: {', '.join(map(str, register.areas(col)))}.")
    placed = register.placed
    return placed.loc[placed[col].astype(str).str.strip() == str(area).strip()]


def by_year(
    register: Register,
    *,
    area: Any = None,
    area_col: str | None = None,
    period: int | tuple[int, int] | None = None,
) -> pd.DataFrame:
    """Grants and pounds per award year.

    Parameters
    ----------
    register : Register
    area : optional
        Only grants placed in this area.  Default: every valid grant (placed and unplaced),
        i.e. the whole register's total.
    area_col : str, optional
        Ward-lookup column ``area`` refers to (default ``register.area_col``).
    period : int or (int, int), optional
        Award years to include (inclusive).

    Returns
    -------
    DataFrame
        ``award_year, grants, amount_awarded_gbp`` and, for a grant-level register,
        ``median_grant_gbp``; one row per year from the first to the last year with grants
        (years with none show zeros).
    """
    df = _filter_period(_scope(register, area, area_col), period)
    grant_level = register.kind == "grant-level"
    cols = ["award_year", "grants", "amount_awarded_gbp"] + (["median_grant_gbp"] if grant_level else [])
    if df.empty:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in cols})
    g = df.groupby("award_year")
    lo, hi = int(df["award_year"].min()), int(df["award_year"].max())
    if period is not None and not isinstance(period, (int, np.integer)):
        lo, hi = int(period[0]), int(period[1])
    years = list(range(lo, hi + 1))
    out = pd.DataFrame({"award_year": years})
    out["grants"] = out["award_year"].map(g["grants"].sum()).fillna(0).astype(np.int64)
    out["amount_awarded_gbp"] = out["award_year"].map(g["amount_gbp"].sum()).fillna(0.0).astype(float)
    if grant_level:
        out["median_grant_gbp"] = out["award_year"].map(g["amount_gbp"].median()).astype(float)
    return out


def by_funder(
    register: Register,
    *,
    area: Any = None,
    area_col: str | None = None,
    period: int | tuple[int, int] | None = None,
) -> pd.DataFrame:
    """Grants and pounds per funder, largest first.

    Parameters
    ----------
    register : Register
    area : optional
        Only grants placed in this area.  Default: every valid grant (placed and unplaced).
    area_col : str, optional
        Ward-lookup column ``area`` refers to (default ``register.area_col``).
    period : int or (int, int), optional
        Award years to include (inclusive).

    Returns
    -------
    DataFrame
        ``funder, grants, amount_awarded_gbp, share_of_amount_pct`` and, for a grant-level
        register, ``median_grant_gbp``.
    """
    df = _filter_period(_scope(register, area, area_col), period)
    grant_level = register.kind == "grant-level"
    funder = df["funder"].fillna("").replace("", "(funder not named)")
    g = df.groupby(funder)
    out = pd.DataFrame(
        {
            "grants": g["grants"].sum().astype(np.int64),
            "amount_awarded_gbp": g["amount_gbp"].sum().astype(float),
        }
    )
    out.index.name = "funder"
    out = out.reset_index()
    out["share_of_amount_pct"] = _pct(out["amount_awarded_gbp"])
    if grant_level:
        out["median_grant_gbp"] = out["funder"].map(g["amount_gbp"].median()).astype(float)
    return out.sort_values(["amount_awarded_gbp", "funder"], ascending=[False, True], kind="stable").reset_index(
        drop=True
    )


def top_recipients(
    register: Register,
    n: int = 10,
    *,
    area: Any = None,
    area_col: str | None = None,
    period: int | tuple[int, int] | None = None,
) -> pd.DataFrame:
    """The ``n`` recipients awarded the most, for a grant-level register.

    Parameters
    ----------
    register : Register
        A grant-level register (an aggregated register has no recipients).
    n : int, default 10
        How many recipients.
    area : optional
        Only grants placed in this area.  Default: every valid grant.
    area_col : str, optional
        Ward-lookup column ``area`` refers to.
    period : int or (int, int), optional
        Award years to include (inclusive).

    Returns
    -------
    DataFrame
        ``recipient, recipient_id, grants, amount_awarded_gbp, share_of_amount_pct,
        first_award_date, last_award_date``, largest first (ties by name).  Recipients are
        grouped by ``Recipient Org:Identifier`` (the name shown is the most recent one).

    Raises
    ------
    ParameterError
        The register is aggregated, or ``n`` is not a positive whole number.
    """
    if register.kind != "grant-level":
        raise ParameterError(
            f"top_recipients needs a grant-level register; '{register.path.name}' is aggregated "
            "(ward x year x funder), so it has no recipients."
        )
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ParameterError(f"n={n!r} must be a whole number of 1 or more.")
    df = _filter_period(_scope(register, area, area_col), period)
    total = float(df["amount_gbp"].sum())
    key = df["recipient_id"].where(df["recipient_id"].fillna("") != "", "name:" + df["recipient"].fillna(""))
    df = df.assign(_key=key).sort_values(["award_date", "source_row"], kind="stable")
    g = df.groupby("_key")
    out = pd.DataFrame(
        {
            "recipient": g["recipient"].last(),
            "recipient_id": g["recipient_id"].last(),
            "grants": g["grants"].sum().astype(np.int64),
            "amount_awarded_gbp": g["amount_gbp"].sum().astype(float),
            "first_award_date": g["award_date"].min(),
            "last_award_date": g["award_date"].max(),
        }
    ).reset_index(drop=True)
    out["share_of_amount_pct"] = 100.0 * out["amount_awarded_gbp"] / total if total > 0 else np.nan
    out = out.sort_values(["amount_awarded_gbp", "recipient"], ascending=[False, True], kind="stable").head(int(n))
    cols = ["recipient", "recipient_id", "grants", "amount_awarded_gbp", "share_of_amount_pct",
            "first_award_date", "last_award_date"]
    return out[cols].reset_index(drop=True)


def fair_share(
    summary: pd.DataFrame,
    deprived_share_by_area: pd.Series | Mapping | pd.DataFrame,
) -> pd.DataFrame:
    """Compare each area's share of spend with its share of residents and of deprived residents.

    Parameters
    ----------
    summary : DataFrame
        From :func:`summarise_by_area` (the first column is the area).
    deprived_share_by_area : Series, mapping or DataFrame
        How the borough's most-deprived-quintile residents are spread across the areas: shares,
        percentages or head counts (any non-negative numbers; they are rescaled to 100%).

    Returns
    -------
    DataFrame
        One row per area: ``<area>, amount_awarded_gbp, share_of_amount_pct,
        share_of_population_pct, share_of_deprived_pct``, then
        ``amount_if_by_population_gbp`` and ``amount_if_by_deprivation_gbp`` (what the area would
        have received had the same total been split by residents, or by deprived residents),
        ``difference_vs_population_gbp`` and ``difference_vs_deprivation_gbp`` (actual minus
        that), and ``ratio_to_population_share`` and ``ratio_to_deprived_share`` (share of spend
        divided by the other share: 1 = a fair share, above 1 = more than its share).
    """
    required = {"amount_awarded_gbp", "population"}
    if not isinstance(summary, pd.DataFrame) or not required <= set(summary.columns):
        raise ParameterError("summary must be the table returned by summarise_by_area.")
    area = summary.columns[0]
    areas = list(summary[area])
    dep = _align(_as_series(deprived_share_by_area, "deprived_share_by_area", area), areas, "deprived_share_by_area")
    total = float(summary["amount_awarded_gbp"].sum())
    out = pd.DataFrame({area: areas, "amount_awarded_gbp": summary["amount_awarded_gbp"].to_numpy(dtype=float)})
    out["share_of_amount_pct"] = _pct(out["amount_awarded_gbp"]).to_numpy()
    out["share_of_population_pct"] = _pct(summary["population"].astype(float)).to_numpy()
    out["share_of_deprived_pct"] = _pct(dep).to_numpy()
    out["amount_if_by_population_gbp"] = total * out["share_of_population_pct"] / 100.0
    out["amount_if_by_deprivation_gbp"] = total * out["share_of_deprived_pct"] / 100.0
    out["difference_vs_population_gbp"] = out["amount_awarded_gbp"] - out["amount_if_by_population_gbp"]
    out["difference_vs_deprivation_gbp"] = out["amount_awarded_gbp"] - out["amount_if_by_deprivation_gbp"]
    out["ratio_to_population_share"] = out["share_of_amount_pct"] / out["share_of_population_pct"].where(
        out["share_of_population_pct"] > 0
    )
    out["ratio_to_deprived_share"] = out["share_of_amount_pct"] / out["share_of_deprived_pct"].where(
        out["share_of_deprived_pct"] > 0
    )
    return out


def concentration_index(
    amount_by_unit: pd.Series | Mapping,
    deprivation_rank_by_unit: pd.Series | Mapping,
    population_by_unit: pd.Series | Mapping,
    *,
    higher_is_more_deprived: bool = False,
) -> ConcentrationResult:
    """Concentration index of spend across units (e.g. wards or LSOAs) ranked by deprivation.

    Units are sorted from the most to the least deprived.  With population shares ``w_i``,
    cumulative population share ``p_i`` and cumulative share of spend ``L_i`` (the concentration
    curve, ``p_0 = L_0 = 0``), the index is

        C = 1 - sum_i w_i (L_i + L_{i-1})

    i.e. one minus twice the area under the concentration curve.  This is the grouped-data form
    of the standard health-economics index C = 2 cov(h, R) / mean(h) (O'Donnell et al., 2008),
    with h = spend per head and R the population-weighted fractional rank, ranked from the most
    deprived.

    Sign: **negative = spend per head concentrated in the more deprived units (pro-poor)**;
    0 = the same spend per head everywhere; positive = concentrated in the less deprived units.

    Parameters
    ----------
    amount_by_unit : Series or mapping
        Pounds per unit.
    deprivation_rank_by_unit : Series or mapping
        Deprivation rank per unit.  By default a smaller number means more deprived (as in the
        IMD rank, 1 = most deprived); pass ``higher_is_more_deprived=True`` for scores.
    population_by_unit : Series or mapping
        Residents per unit (the weights).
    higher_is_more_deprived : bool, default False
        Whether a higher value of ``deprivation_rank_by_unit`` means more deprived.

    Returns
    -------
    ConcentrationResult
        ``index``, the ``curve`` points and a plain-English ``sentence``.  Units with equal rank
        are merged (they share one fractional rank).

    Raises
    ------
    ParameterError
        The three inputs do not cover the same units, hold negative or missing numbers, or the
        total population is zero.
    """
    amount = _as_series(amount_by_unit, "amount_by_unit")
    pop = _as_series(population_by_unit, "population_by_unit")
    if isinstance(deprivation_rank_by_unit, Mapping) and not isinstance(deprivation_rank_by_unit, pd.Series):
        rank = pd.Series(dict(deprivation_rank_by_unit))
    elif isinstance(deprivation_rank_by_unit, pd.Series):
        rank = deprivation_rank_by_unit
    else:
        raise ParameterError("deprivation_rank_by_unit must be a Series or mapping indexed by unit.")
    rank = pd.to_numeric(rank, errors="coerce").astype(float)
    units = set(amount.index) | set(pop.index) | set(rank.index)
    for s, what in ((amount, "amount_by_unit"), (pop, "population_by_unit"), (rank, "deprivation_rank_by_unit")):
        missing = sorted(map(str, units - set(s.index)))
        if missing:
            raise ParameterError(f"{what} has no value for unit(s) {', '.join(missing[:8])}; give all three for every unit.")
    if rank.isna().any():
        raise ParameterError(f"deprivation_rank_by_unit is missing or not a number for {', '.join(map(str, rank.index[rank.isna()][:8]))}.")
    if float(pop.sum()) <= 0:
        raise ParameterError("population_by_unit adds up to zero, so population shares cannot be computed.")
    df = pd.DataFrame({"amount_gbp": amount, "population": pop, "deprivation_rank": rank})
    df.index.name = "unit"
    order_key = -df["deprivation_rank"] if higher_is_more_deprived else df["deprivation_rank"]
    df = df.assign(_k=order_key).reset_index()
    grouped = (
        df.groupby("_k", sort=True)
        .agg(
            unit=("unit", lambda u: ", ".join(sorted(map(str, u)))),
            deprivation_rank=("deprivation_rank", "first"),
            population=("population", "sum"),
            amount_gbp=("amount_gbp", "sum"),
        )
        .reset_index(drop=True)
    )
    w = grouped["population"].to_numpy() / grouped["population"].sum()
    total = float(grouped["amount_gbp"].sum())
    p = np.concatenate([[0.0], np.cumsum(w)])
    if total > 0:
        s = grouped["amount_gbp"].to_numpy() / total
        L = np.concatenate([[0.0], np.cumsum(s)])
        ci = float(1.0 - np.sum(w * (L[1:] + L[:-1])))
    else:
        L = np.full(len(p), np.nan)
        ci = float("nan")
    p[-1] = 1.0
    if total > 0:
        L[-1] = 1.0
    curve = pd.concat(
        [
            pd.DataFrame({"unit": [None], "deprivation_rank": [np.nan], "population": [0.0], "amount_gbp": [0.0]}),
            grouped,
        ],
        ignore_index=True,
    )
    curve["cum_population_share"] = p
    curve["cum_amount_share"] = L
    if not math.isfinite(ci):
        sentence = "There is no spend, so the concentration index is undefined."
    elif abs(ci) < 0.005:
        sentence = f"Spend per head is about the same in more and less deprived areas (concentration index {ci:+.2f})."
    elif ci < 0:
        sentence = f"Spend per head is concentrated in the more deprived areas (concentration index {ci:+.2f}; negative = pro-poor)."
    else:
        sentence = f"Spend per head is concentrated in the less deprived areas (concentration index {ci:+.2f}; positive = favours the less deprived)."
    return ConcentrationResult(index=ci, curve=curve, sentence=sentence)


def budget_vs_spend(
    register: Register,
    budget_per_area_gbp: float | Mapping[Any, float],
    financial_years: Iterable[int | str],
    area_col: str | None = None,
) -> pd.DataFrame:
    """Compare spend with budget per area and financial year (April to March).

    Meant for a register that *is* an area budget programme (e.g. the Area Partnerships'
    £40,000-a-year small grants), so that all its grants were paid from those budgets.

    Parameters
    ----------
    register : Register
        A grant-level register (the financial year comes from ``Award Date``).
    budget_per_area_gbp : float or mapping
        The yearly budget of every area, or a mapping area -> yearly budget.
    financial_years : iterable of int or str
        Financial years to show, as start years (``2015``) or labels (``'2015/16'``).  Grants
        in other years are left out.
    area_col : str, optional
        Ward-lookup column holding the budget areas (e.g. ``'area_partnership'``); default
        ``register.area_col``.

    Returns
    -------
    DataFrame
        One row per area and financial year: ``<area_col>, financial_year, budget_gbp, grants,
        spend_gbp, remaining_gbp, spend_pct_of_budget``.  If unplaced grants fall in those years,
        one more row per year has ``<area_col>`` = ``'Not placed'`` (budget NaN) so the table
        adds up to the programme's spend.

    Raises
    ------
    ParameterError
        The register is aggregated, a budget is negative or missing for an area, or a financial
        year cannot be read.
    """
    if register.kind != "grant-level":
        raise ParameterError(
            "budget_vs_spend needs a grant-level register with award dates; an aggregated register has "
            "only award (calendar) years, not financial years."
        )
    col = area_col or register.area_col
    areas = register.areas(col)
    years = []
    for fy in financial_years:
        m = re.fullmatch(r"\s*(\d{4})(?:\s*[/-]\s*(\d{2}|\d{4}))?\s*", str(fy))
        if not m:
            raise ParameterError(f"Financial year {fy!r} is not a year: use 2015 or '2015/16'.")
        years.append(financial_year_label(int(m.group(1))))
    if not years:
        raise ParameterError("financial_years is empty; give at least one, e.g. [2013, 2014, 2015].")
    if isinstance(budget_per_area_gbp, Mapping):
        budgets = _align(_as_series(budget_per_area_gbp, "budget_per_area_gbp"), areas, "budget_per_area_gbp")
    else:
        try:
            b = float(budget_per_area_gbp)
        except (TypeError, ValueError) as exc:
            raise ParameterError(f"budget_per_area_gbp={budget_per_area_gbp!r} is not a number.") from exc
        if not math.isfinite(b) or b < 0:
            raise ParameterError(f"budget_per_area_gbp={budget_per_area_gbp!r} must be a positive number of pounds.")
        budgets = pd.Series(b, index=areas, dtype=float)
    placed = register.placed.loc[register.placed["financial_year"].isin(years)]
    g = placed.groupby([placed[col].astype(str).str.strip(), "financial_year"])
    spend = g["amount_gbp"].sum()
    count = g["grants"].sum()
    rows = []
    for a in areas:
        for fy in years:
            k = (str(a).strip(), fy)
            rows.append((a, fy, float(budgets[a]), int(count.get(k, 0)), float(spend.get(k, 0.0))))
    unpl = register.unplaced.loc[register.unplaced["financial_year"].isin(years)]
    if len(unpl):
        ug = unpl.groupby("financial_year")
        for fy in years:
            if fy in ug.groups:
                rows.append(("Not placed", fy, np.nan, int(ug["grants"].sum()[fy]), float(ug["amount_gbp"].sum()[fy])))
    out = pd.DataFrame(rows, columns=[col, "financial_year", "budget_gbp", "grants", "spend_gbp"])
    out["remaining_gbp"] = out["budget_gbp"] - out["spend_gbp"]
    out["spend_pct_of_budget"] = 100.0 * out["spend_gbp"] / out["budget_gbp"].where(out["budget_gbp"] > 0)
    out["grants"] = out["grants"].astype(np.int64)
    return out


def _check_weight(name: str, value: Any) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"{name}={value!r} is not a number between 0 and 1.") from exc
    if not math.isfinite(v) or v < 0 or v > 1:
        raise ParameterError(f"{name}={value!r} must be between 0 and 1.")
    return v


def allocation_model(
    population_by_area: pd.Series | Mapping | pd.DataFrame,
    deprived_by_area: pd.Series | Mapping | pd.DataFrame,
    budget_gbp: float,
    base_share: float,
    weight_population: float,
    weight_deprivation: float,
    *,
    area_col: str | None = None,
) -> pd.DataFrame:
    """Split a budget by proportionate universalism: something for every area, more where need is.

    ``base_share`` of the budget is split equally between the areas; the rest is split
    ``weight_population`` by each area's share of residents and ``weight_deprivation`` by its
    share of the borough's most-deprived residents.

    Parameters
    ----------
    population_by_area : Series, mapping or DataFrame
        Residents per area.
    deprived_by_area : Series, mapping or DataFrame
        Most-deprived-quintile residents per area (or their shares); same areas.
    budget_gbp : float
        Total budget to split (pounds, not negative).
    base_share : float
        Fraction (0 to 1) of the budget split equally between areas.
    weight_population, weight_deprivation : float
        Weights (each 0 to 1, adding up to 1) for splitting the rest by residents and by
        deprived residents.
    area_col : str, optional
        Name of the area column in the result (default: the index name of
        ``population_by_area``, or ``'area'``).

    Returns
    -------
    DataFrame
        One row per area (in the order of ``population_by_area``): ``<area>, population,
        deprived_residents, base_gbp, population_part_gbp, deprivation_part_gbp,
        allocation_gbp, allocation_share_pct, allocation_per_head_gbp``.  ``allocation_gbp`` adds
        up to ``budget_gbp`` (floating point, not rounded).

    Raises
    ------
    ParameterError
        A weight is outside 0 to 1, the two weights do not add up to 1, ``base_share`` is outside
        0 to 1, the budget is negative, the areas differ, or a share cannot be computed (all
        residents zero with a non-zero weight).
    """
    wp = _check_weight("weight_population", weight_population)
    wd = _check_weight("weight_deprivation", weight_deprivation)
    if abs(wp + wd - 1.0) > 1e-9:
        raise ParameterError(
            f"weight_population ({weight_population}) and weight_deprivation ({weight_deprivation}) must add up to 1 "
            f"(they add up to {wp + wd:g})."
        )
    base = _check_weight("base_share", base_share)
    try:
        budget = float(budget_gbp)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"budget_gbp={budget_gbp!r} is not a number of pounds.") from exc
    if not math.isfinite(budget) or budget < 0:
        raise ParameterError(f"budget_gbp={budget_gbp!r} must be a number of pounds, not negative.")
    pop = _as_series(population_by_area, "population_by_area", area_col, "population")
    if pop.empty:
        raise ParameterError("population_by_area has no areas.")
    areas = list(pop.index)
    dep = _align(_as_series(deprived_by_area, "deprived_by_area", area_col), areas, "deprived_by_area")
    if wp > 0 and pop.sum() <= 0:
        raise ParameterError("population_by_area adds up to zero, so it cannot be used with weight_population > 0.")
    if wd > 0 and dep.sum() <= 0:
        raise ParameterError("deprived_by_area adds up to zero, so it cannot be used with weight_deprivation > 0.")
    name = area_col or (pop.index.name if pop.index.name else "area")
    rest = budget * (1.0 - base)
    pop_share = pop / pop.sum() if pop.sum() > 0 else pop * 0.0
    dep_share = dep / dep.sum() if dep.sum() > 0 else dep * 0.0
    out = pd.DataFrame(
        {
            name: areas,
            "population": pop.to_numpy(),
            "deprived_residents": dep.to_numpy(),
            "base_gbp": budget * base / len(areas),
            "population_part_gbp": (rest * wp * pop_share).to_numpy(),
            "deprivation_part_gbp": (rest * wd * dep_share).to_numpy(),
        }
    )
    out["allocation_gbp"] = out["base_gbp"] + out["population_part_gbp"] + out["deprivation_part_gbp"]
    out["allocation_share_pct"] = _pct(out["allocation_gbp"])
    out["allocation_per_head_gbp"] = out["allocation_gbp"] / out["population"].where(out["population"] > 0)
    return out


def allocation_sensitivity(
    population_by_area: pd.Series | Mapping | pd.DataFrame,
    deprived_by_area: pd.Series | Mapping | pd.DataFrame,
    budget_gbp: float,
    base_share: float,
    steps: int = 11,
    *,
    area_col: str | None = None,
) -> pd.DataFrame:
    """How each area's allocation moves as the deprivation weight goes from 0 to 1.

    Runs :func:`allocation_model` with ``weight_deprivation`` = 0, 1/(steps-1), ..., 1 and
    ``weight_population`` = 1 - ``weight_deprivation``.

    Parameters
    ----------
    population_by_area, deprived_by_area, budget_gbp, base_share
        As for :func:`allocation_model`.
    steps : int, default 11
        Number of weights from 0 to 1 inclusive (11 gives steps of 0.1); at least 2.
    area_col : str, optional
        Name of the area column.

    Returns
    -------
    DataFrame
        Long format: ``weight_deprivation, weight_population, <area>, allocation_gbp,
        allocation_share_pct, allocation_per_head_gbp``; one row per weight and area.
    """
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 2:
        raise ParameterError(f"steps={steps!r} must be a whole number of 2 or more.")
    frames = []
    for wd in np.linspace(0.0, 1.0, int(steps)):
        wd = float(round(wd, 12))
        m = allocation_model(
            population_by_area, deprived_by_area, budget_gbp, base_share, 1.0 - wd, wd, area_col=area_col
        )
        name = m.columns[0]
        frames.append(
            m[[name, "allocation_gbp", "allocation_share_pct", "allocation_per_head_gbp"]].assign(
                weight_deprivation=wd, weight_population=1.0 - wd
            )
        )
    out = pd.concat(frames, ignore_index=True)
    name = out.columns[0]
    return out[["weight_deprivation", "weight_population", name, "allocation_gbp", "allocation_share_pct",
                "allocation_per_head_gbp"]]
