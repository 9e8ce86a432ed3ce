"""The register as read: :class:`Register`, :class:`Reconciliation` and :func:`read_register`.

:func:`read_register` checks its parameters, reads the file into a table
(:mod:`.formats`), checks every row (:mod:`.checks`), places each grant in a ward
(:mod:`.place`), assembles the placed, unplaced and rejected frames and reconciles them:
rows in = placed + unplaced + rejected, in grants and in pounds.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ...errors import ParameterError, ReconciliationError
from .checks import _check_aggregated, _check_grant_level, _join_reasons
from .columns import _STD_HEAD, AGG_WARD
from .formats import _detect_kind, _read_table
from .place import PostcodeLookup, _candidate_code_columns, _candidate_postcode_columns, _place, placement_method
from .postcodes import lookup_postcodes, normalise
from .table import _Table

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
    file_name : str
        Name of the file read (no folder), e.g. ``'grants.csv'``.
    area_col : str
        The ward-lookup column whose values are the areas grants are placed in (e.g. ``'locality'``).
    placed_by_ward_code, placed_by_lsoa_code, placed_by_postcode : int
        Placed rows by how they were placed (:meth:`placement_counts` adds the rows not placed).

    :meth:`summary` says it in one line.
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
    file_name: str
    area_col: str
    placed_by_ward_code: int = 0
    placed_by_lsoa_code: int = 0
    placed_by_postcode: int = 0

    def placement_counts(self) -> dict[str, int]:
        """Rows by how they were placed: ``{'ward code': n, 'LSOA code': n, 'postcode': n, 'not placed': n}``
        ("not placed" counts unplaced and rejected rows)."""
        return {
            "ward code": self.placed_by_ward_code,
            "LSOA code": self.placed_by_lsoa_code,
            "postcode": self.placed_by_postcode,
            "not placed": self.unplaced_rows + self.rejected_rows,
        }

    def summary(self) -> str:
        """The check in one line: rows in = placed + not placed + rejected, in grants and pounds.

        E.g. ``"grants.csv: 31 grants (£818,228.00) in 31 rows = 2 placed in a locality (£5,000.00)
        + 29 not placed (£813,228.00) + 0 rejected (£0.00)."``, with a note on rejected rows counted
        as £0 when there are any.  Used in error messages, the manifest and (escaped) the pack.
        """
        label = self.area_col.replace("_", " ")
        article = "an" if label[:1].lower() in "aeiou" else "a"
        text = (
            f"{self.file_name}: {self.grants_in:,} grants (£{self.amount_in_gbp:,.2f}) in {self.rows_in:,} rows = "
            f"{self.placed_grants:,} placed in {article} {label} (£{self.placed_gbp:,.2f}) + "
            f"{self.unplaced_grants:,} not placed (£{self.unplaced_gbp:,.2f}) + "
            f"{self.rejected_grants:,} rejected (£{self.rejected_gbp:,.2f})."
        )
        if self.rejected_without_amount:
            text = text[:-1] + f"; {self.rejected_without_amount:,} rejected row(s) have no usable amount in pounds and count as £0."
        return text

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
    postcode_lookup_read : bool
        True when a postcode lookup was given and the file has a postcode column, so the lookup
        was consulted (the pack then lists it among its sources).
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
    postcode_lookup_read: bool = False

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
    sheet: str | None = None,
    postcode_lookup: str | Path | Mapping[str, str] | PostcodeLookup | None = None,
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

    sheet : str, optional
        The sheet of an XLSX workbook to read.  By default the first *visible* sheet holding a
        360Giving header row (hidden sheets are never read unless named here).
    postcode_lookup : path, mapping or callable, optional
        A postcode -> LSOA 2021 lookup, so that a grant with no ward or LSOA code of the borough
        is placed by ``Beneficiary Location:Postal Code``, else ``Recipient Org:Postal Code``: an
        ONSPD/NSPL CSV or a ``postcode, lsoa21_code`` CSV (see :mod:`.postcodes`; only the
        register's postcodes are kept), a mapping ``{postcode: LSOA code}``, or a function from the
        set of postcodes wanted to such a mapping.  The LSOA is turned into a ward with ``lsoas``.
        Without it, postcodes are not looked up.  A malformed postcode is rejected only when a
        lookup is given.

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

    table = _read_table(path, aggregated, sheet)
    kind = _detect_kind(table, path, aggregated)
    if kind == "aggregated":
        std, reasons, notes = _check_aggregated(table, rates, today_ts)
        cand_cols = [AGG_WARD]
    else:
        std, reasons, notes = _check_grant_level(table, rates, today_ts)
        cand_cols = _candidate_code_columns(table.frame.columns)

    pc_cols = _candidate_postcode_columns(table.frame.columns) if kind != "aggregated" else []
    lookup, lookup_name = _postcode_lookup(postcode_lookup)
    place = _place(table.frame, cand_cols, wards_df, lsoa_map, known, kind, pc_cols, lookup, lookup_name)
    row_reasons = _join_reasons(reasons, place["reject"])
    rejected_mask = row_reasons != ""
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
    rejected.insert(pos, "reason", row_reasons[rejected_mask])

    recon = _reconcile(path, out, placed, unplaced, rejected, area_col)
    if not recon.balanced:  # pragma: no cover - would be a bug in this module
        raise ReconciliationError(f"Grant register reconciliation failed: {recon.summary()}")
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
        postcode_lookup_read=bool(lookup is not None and pc_cols),
    )


def _postcode_lookup(given: str | Path | Mapping[str, str] | PostcodeLookup | None) -> tuple[PostcodeLookup | None, str]:
    """The postcode lookup as a function of the postcodes wanted, and how messages name it."""
    if given is None:
        return None, "the postcode lookup"
    if isinstance(given, (str, Path)):
        path = Path(given)
        return (lambda wanted: lookup_postcodes(path, wanted)), f"the postcode lookup ({path.name})"
    if isinstance(given, Mapping):
        keys, _ = normalise(pd.Series([str(k) for k in given], dtype=object))
        table = {k: str(v).strip().upper() for k, v in zip(keys, given.values()) if k}
        return (lambda wanted: {p: table[p] for p in wanted if p in table}), "the postcode lookup"
    if callable(given):
        fn: Callable[[set[str]], dict[str, str]] = given
        return fn, "the postcode lookup"
    raise ParameterError("postcode_lookup must be a path, a mapping {postcode: LSOA code} or a function.")


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
        from ...config import reference_date  # the build's date in UTC (SOURCE_DATE_EPOCH), not the machine's time zone

        return pd.Timestamp(reference_date())
    try:
        ts = pd.Timestamp(today)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"today={today!r} is not a date; use YYYY-MM-DD.") from exc
    if pd.isna(ts):
        raise ParameterError(f"today={today!r} is not a date; use YYYY-MM-DD.")
    return ts.normalize()


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
    methods = placed["placement"].map(placement_method).value_counts()
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
        file_name=path.name,
        area_col=area_col,
        placed_by_ward_code=int(methods.get("ward code", 0)),
        placed_by_lsoa_code=int(methods.get("LSOA code", 0)),
        placed_by_postcode=int(methods.get("postcode", 0)),
    )


def _area_sort_key(v: Any) -> tuple:
    return (0, float(v), "") if isinstance(v, (int, float, np.integer, np.floating)) else (1, 0.0, str(v))
