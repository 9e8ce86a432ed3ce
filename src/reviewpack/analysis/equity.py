"""Measures of fairness that are not grant-specific: any amount across areas or units ranked by need.

* :func:`fair_share` -- each area's share of an amount against its share of residents and of
  residents in need;
* :func:`concentration_index` -- how far an amount per head is concentrated in the units in
  more need (with :class:`ConcentrationResult` holding the index and the curve);
* :func:`allocation_model` and :func:`allocation_sensitivity` -- a proportionate-universalism
  split of a budget, and how it moves with the weight on need.

Sign convention of the concentration index
-------------------------------------------
:func:`concentration_index` ranks units from the **most deprived** to the
**least deprived**.  The index is negative when the amount per head is concentrated
in the more deprived units ("pro-poor"), zero when the amount per head is the same
everywhere, and positive when it favours the less deprived units.  It lies
between -1 and +1.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ParameterError

__all__ = [
    "ConcentrationResult",
    "allocation_model",
    "allocation_sensitivity",
    "concentration_index",
    "fair_share",
]


@dataclass(frozen=True, eq=False)
class ConcentrationResult:
    """Result of :func:`concentration_index`.

    Attributes
    ----------
    index : float
        The concentration index, in [-1, 1].  Negative = the amount per head is concentrated in the
        units in more need (pro-poor); 0 = equal per head; positive = concentrated in the units in
        less need.  NaN if the amounts add up to zero.
    curve : DataFrame
        The concentration curve, from the unit in most need to the unit in least need: ``unit`` (None for the
        origin), ``deprivation_rank``, ``population``, ``amount_gbp``, ``cum_population_share`` and
        ``cum_amount_share`` (both from 0 to 1, starting with the origin 0, 0).  Units with the same
        rank are merged into one point.

    The result in words, for readers, is built by
    :func:`reviewpack.present.narrative.grants.concentration_sentence`.
    """

    index: float
    curve: pd.DataFrame


# -- shared helpers -----------------------------------------------------------


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


def _pct(s: pd.Series) -> pd.Series:
    total = float(s.sum())
    if total <= 0:
        return pd.Series(np.nan, index=s.index)
    return 100.0 * s / total


# -- measures -------------------------------------------------------------------


def fair_share(
    summary: pd.DataFrame,
    deprived_share_by_area: pd.Series | Mapping | pd.DataFrame,
) -> pd.DataFrame:
    """Compare each area's share of an amount with its share of residents and of residents in need.

    Any amount spread across areas (grants, spend, staff time...) can be compared; "need" is
    whatever count of residents is given (e.g. residents of the most deprived fifth).

    Parameters
    ----------
    summary : DataFrame
        The area in the first column, the amount in ``amount_awarded_gbp`` and residents in
        ``population`` (e.g. from :func:`reviewpack.analysis.grants.summarise_by_area`).
    deprived_share_by_area : Series, mapping or DataFrame
        How the residents in need (e.g. of the most deprived quintile) are spread across the
        areas: shares, percentages or head counts (any non-negative numbers; they are rescaled
        to 100%).

    Returns
    -------
    DataFrame
        One row per area: ``<area>, amount_awarded_gbp, share_of_amount_pct,
        share_of_population_pct, share_of_deprived_pct``, then
        ``amount_if_by_population_gbp`` and ``amount_if_by_deprivation_gbp`` (what the area would
        have received had the same total been split by residents, or by residents in need),
        ``difference_vs_population_gbp`` and ``difference_vs_deprivation_gbp`` (actual minus
        that), and ``ratio_to_population_share`` and ``ratio_to_deprived_share`` (share of spend
        divided by the other share: 1 = a fair share, above 1 = more than its share).

    Raises
    ------
    ParameterError
        ``summary`` lacks the amount or population column, or the areas of
        ``deprived_share_by_area`` differ from those of ``summary``.
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
    """Concentration index of an amount across units (e.g. wards or LSOAs) ranked by need.

    Any amount spread across units (grant pounds, spend, services) can be measured; the ranking
    is any measure of need such as deprivation.  Units are sorted from the most to the least
    deprived (in need).  With population shares ``w_i``, cumulative population share ``p_i`` and
    cumulative share of the amount ``L_i`` (the concentration curve, ``p_0 = L_0 = 0``), the
    index is

        C = 1 - sum_i w_i (L_i + L_{i-1})

    i.e. one minus twice the area under the concentration curve.  This is the grouped-data form
    of the standard health-economics index C = 2 cov(h, R) / mean(h) (O'Donnell et al., 2008),
    with h = amount per head and R the population-weighted fractional rank, ranked from the most
    deprived.

    Sign: **negative = amount per head concentrated in the more deprived units (pro-poor)**;
    0 = the same amount per head everywhere; positive = concentrated in the less deprived units.

    Parameters
    ----------
    amount_by_unit : Series or mapping
        The amount per unit (e.g. pounds; not negative).
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
        ``index`` and the ``curve`` points.  Units with equal rank are merged (they share one
        fractional rank).

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
    return ConcentrationResult(index=ci, curve=curve)


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
    share of the residents in need (e.g. of the most deprived fifth).  Any budget and any areas
    (localities, wards, service districts) can be used.

    Parameters
    ----------
    population_by_area : Series, mapping or DataFrame
        Residents per area.
    deprived_by_area : Series, mapping or DataFrame
        Residents in need per area (e.g. of the most deprived quintile), or their shares; same
        areas.
    budget_gbp : float
        Total budget to split (pounds, not negative).
    base_share : float
        Fraction (0 to 1) of the budget split equally between areas.
    weight_population, weight_deprivation : float
        Weights (each 0 to 1, adding up to 1) for splitting the rest by residents and by
        residents in need.
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
    """How each area's allocation moves as the weight on need (deprivation) goes from 0 to 1.

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

    Raises
    ------
    ParameterError
        ``steps`` is not a whole number of 2 or more, or :func:`allocation_model` refuses its
        inputs.
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
