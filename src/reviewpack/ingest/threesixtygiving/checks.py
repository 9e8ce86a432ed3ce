"""Row checks: identifiers, amounts, currency, award dates and years, grant counts, duplicates.

Row-level problems never raise: each check returns, per row, the reason the row is rejected
(``''`` when it is fine); the reasons of all checks are joined with ``'; '``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from .columns import _ISO_DATE_RE, _MAX_AMOUNT, _MAX_GRANT_COUNT, AGG_WARD
from .table import _Table


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
