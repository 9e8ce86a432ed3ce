"""Tables made from a grant register: by area, ward, year and funder, top recipients, budget against spend.

Every function takes a :class:`~reviewpack.ingest.threesixtygiving.Register` (from
:func:`~reviewpack.ingest.threesixtygiving.read_register`) and returns a tidy table.  Pure
pandas: no file reading, no sentences.  The measures of fairness that are not grant-specific
(fair shares, the concentration index, the allocation model) are in
:mod:`reviewpack.analysis.equity`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..ingest.threesixtygiving import Register, financial_year_label
from .equity import _align, _as_series, _pct

__all__ = [
    "budget_vs_spend",
    "by_funder",
    "by_ward",
    "by_year",
    "summarise_by_area",
    "top_recipients",
]


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
        From :func:`~reviewpack.ingest.threesixtygiving.read_register`.
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
        the ward lookup's order; handy as input to
        :func:`~reviewpack.analysis.equity.concentration_index`.
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
