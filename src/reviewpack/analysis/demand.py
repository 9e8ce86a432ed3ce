"""Demand beyond age: Census 2021 proportions per area, with Wilson score intervals, against the borough and England.

Each measure is a proportion of one Census 2021 table's total (persons or households):

=================  =======  ============================================================================
measure            table    counted (numerator categories of the table)
=================  =======  ============================================================================
disabled           TS038    Disabled under the Equality Act (of all usual residents)
household_deprived TS011    Households deprived in one or more of the four dimensions (of all households)
overcrowded        TS052    Occupancy rating for bedrooms of -1 or less (of all households)
social_rented      TS054    Social rented from the council or another social landlord (of all households)
ethnic_minority    TS021    Ethnic groups other than White: Asian, Black, Mixed, Other (of all residents)
=================  =======  ============================================================================

**Intervals.**  95% Wilson score intervals (Wilson 1927; method 3 of Newcombe 1998, *Statistics
in Medicine* 17:857-872), as OHID's Fingertips uses for proportions:

    p = x / n,  centre = (p + z²/2n) / (1 + z²/n),
    half-width = z / (1 + z²/n) · sqrt(p(1 - p)/n + z²/4n²),   z = Φ⁻¹(0.975) = 1.95996…

A Census is a count of everyone, not a sample: as in Fingertips, the interval stands for the
random variation in how many people or households have a characteristic in an area of that size.

**Comparison in words** (Fingertips' rule for comparing an area with a benchmark value): an
area is *higher* than the borough (or England) when the lower end of its 95% interval is above
the borough's (England's) value, *lower* when the upper end is below it, and *similar* when the
value lies inside the interval.  The benchmark's own interval is not used.  An area is part of
its borough, so the borough comparison is not of two independent samples: the words describe
the area against the borough's value, not a test between them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd

from ..errors import DataFileError

__all__ = ["MEASURES", "Z95", "DemandMeasure", "compare", "demand_table", "proportions", "tables_needed", "wilson_interval"]

#: z for a two-sided 95% interval.
Z95: float = NormalDist().inv_cdf(0.975)


@dataclass(frozen=True)
class DemandMeasure:
    """One Census proportion.

    Attributes
    ----------
    key : str
        Short name (the ``demand_measure`` column).
    label : str
        What is counted, for readers.
    table : str
        The Census 2021 table (``TS038``…); its categories add up to the denominator.
    unit : str
        ``persons`` or ``households``.
    categories : tuple of str
        The table's categories counted in the numerator.
    """

    key: str
    label: str
    table: str
    unit: str
    categories: tuple[str, ...]


#: The measures of the section, in reading order.
MEASURES: tuple[DemandMeasure, ...] = (
    DemandMeasure("disabled", "Residents disabled under the Equality Act", "TS038", "persons", ("Disabled under the Equality Act",)),
    DemandMeasure(
        "household_deprived", "Households deprived in one or more dimensions", "TS011", "households",
        ("Household is deprived in one dimension", "Household is deprived in two dimensions",
         "Household is deprived in three dimensions", "Household is deprived in four dimensions"),
    ),
    DemandMeasure("overcrowded", "Overcrowded households (too few bedrooms)", "TS052", "households", ("-1 (overcrowded)", "-2 or less (overcrowded)")),
    DemandMeasure(
        "social_rented", "Households renting from a council or housing association", "TS054", "households",
        ("Social rented: Rents from council or Local Authority", "Social rented: Other social rented"),
    ),
    DemandMeasure(
        "ethnic_minority", "Residents of ethnic groups other than White", "TS021", "persons",
        ("Asian, Asian British or Asian Welsh", "Black, Black British, Black Welsh, Caribbean or African",
         "Mixed or Multiple ethnic groups", "Other ethnic group"),
    ),
)


def tables_needed(measures: Sequence[DemandMeasure] = MEASURES) -> list[str]:
    """The Census tables the measures read."""
    return list(dict.fromkeys(m.table for m in measures))


def wilson_interval(x: np.ndarray | float, n: np.ndarray | float, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for the proportion ``x / n`` (as fractions 0-1).

    Parameters
    ----------
    x, n : array-like
        Counts with the characteristic and totals (``0 <= x <= n``; ``n > 0``).
    z : float
        Standard normal quantile (default: 95% two-sided).

    Returns
    -------
    tuple of numpy.ndarray
        Lower and upper limits; ``0`` and ``1`` are reached only at ``x = 0`` and ``x = n``.
        ``NaN`` where ``n`` is 0.
    """
    x = np.asarray(x, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = x / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z / denom * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


def compare(lower: np.ndarray | float, upper: np.ndarray | float, benchmark: np.ndarray | float) -> np.ndarray:
    """``higher`` / ``similar`` / ``lower``: an interval against a benchmark value (Fingertips' rule).

    ``higher`` when ``lower > benchmark``, ``lower`` when ``upper < benchmark``, else ``similar``
    (the benchmark lies inside the interval, ends included); empty where anything is missing.
    """
    lo, up, b = (np.asarray(v, dtype=float) for v in (lower, upper, benchmark))
    out = np.where(lo > b, "higher", np.where(up < b, "lower", "similar")).astype(object)
    out[np.isnan(lo) | np.isnan(up) | np.isnan(b)] = ""
    return out


def _check_categories(topics: pd.DataFrame, measures: Sequence[DemandMeasure], source: str) -> None:
    for m in measures:
        have = set(topics.loc[topics["table"] == m.table, "category"].astype(str))
        absent = [c for c in m.categories if c not in have]
        if absent:
            raise DataFileError(
                f"Census 2021 topics file '{source}' has no category {absent[0]!r} in table {m.table} (measure '{m.key}'); "
                f"its categories are {', '.join(sorted(have))}",
                file=source,
                column="category",
            )


def proportions(topics: pd.DataFrame, group: pd.Series | None, measures: Sequence[DemandMeasure] = MEASURES) -> pd.DataFrame:
    """Count, total and proportion of each measure in each group of LSOAs.

    Parameters
    ----------
    topics : pandas.DataFrame
        From :func:`reviewpack.ingest.census_topics.load_topics` (``table, category, count``, and
        ``lsoa_code`` when ``group`` is given).
    group : pandas.Series or None
        LSOA code -> group (e.g. the area); ``None``: every row is one group, ``"all"``.
    measures : sequence of DemandMeasure

    Returns
    -------
    pandas.DataFrame
        ``group, demand_measure, count, total`` (the table's categories added up, per group).
    """
    keys = "all" if group is None else topics["lsoa_code"].map(group).to_numpy()
    # add up each category once (a small table), then each measure from it
    cells = topics.assign(_g=keys).groupby(["_g", "table", "category"], observed=True, sort=False)["count"].sum().reset_index()
    _check_categories(cells, measures, str(topics.attrs.get("source", "the Census topics")))
    rows = []
    for m in measures:
        sub = cells[cells["table"] == m.table]
        total = sub.groupby("_g", sort=False)["count"].sum()
        num = sub[sub["category"].isin(m.categories)].groupby("_g", sort=False)["count"].sum().reindex(total.index, fill_value=0)
        rows.append(pd.DataFrame({"group": total.index, "demand_measure": m.key, "count": num.to_numpy(), "total": total.to_numpy()}))
    return pd.concat(rows, ignore_index=True)


def demand_table(
    local: pd.DataFrame,
    lsoa_area: pd.Series,
    area_order: Sequence[str],
    la_name: str,
    england: pd.DataFrame | None = None,
    area_col: str = "area",
    measures: Sequence[DemandMeasure] = MEASURES,
) -> pd.DataFrame:
    """Every measure for every area and the borough, with 95% intervals and comparisons in words.

    Parameters
    ----------
    local : pandas.DataFrame
        The local authority's LSOA rows (:func:`~reviewpack.ingest.census_topics.load_topics`).
    lsoa_area : pandas.Series
        LSOA code -> area.
    area_order : sequence of str
        The areas in reading order.
    la_name : str
        The borough's name (its rows' ``area``).
    england : pandas.DataFrame, optional
        England's rows (any LSOA column is ignored); ``None``: no England column.
    area_col : str
        Name of the area column.
    measures : sequence of DemandMeasure

    Returns
    -------
    pandas.DataFrame
        One row per measure and area (areas in order, then the borough): ``census_table,
        demand_measure, demand_label, census_unit, <area_col>, census_count, census_total,
        census_pct, ci_lower_pct, ci_upper_pct, la_pct, vs_la, england_pct, vs_england``
        (percentages unrounded; ``vs_la`` empty on the borough's rows; the England columns
        empty without ``england``).
    """
    missing = sorted(set(local["lsoa_code"]) - set(lsoa_area.index))
    if missing:
        raise DataFileError(
            f"Census 2021 topics: LSOA {missing[0]} has no area (the LSOA 2021 lookup and the topics file disagree)",
            file=str(local.attrs.get("source", "")),
        )
    by_area = proportions(local, lsoa_area, measures)
    borough = proportions(local, None, measures).assign(group=la_name)
    both = pd.concat([by_area, borough], ignore_index=True)
    order = {a: i for i, a in enumerate([*area_order, la_name])}
    mkey = {m.key: i for i, m in enumerate(measures)}
    both = both.sort_values(by=["demand_measure", "group"], key=lambda s: s.map(mkey) if s.name == "demand_measure" else s.map(order))
    lo, up = wilson_interval(both["count"].to_numpy(), both["total"].to_numpy())
    la = borough.set_index("demand_measure")
    la_pct = both["demand_measure"].map(100 * la["count"] / la["total"]).to_numpy(float)
    if england is not None:
        e = proportions(england, None, measures).set_index("demand_measure")
        eng_pct = both["demand_measure"].map(100 * e["count"] / e["total"]).to_numpy(float)
    else:
        eng_pct = np.full(len(both), np.nan)
    meta = {m.key: m for m in measures}
    out = pd.DataFrame(
        {
            "census_table": [meta[k].table for k in both["demand_measure"]],
            "demand_measure": both["demand_measure"].to_numpy(),
            "demand_label": [meta[k].label for k in both["demand_measure"]],
            "census_unit": [meta[k].unit for k in both["demand_measure"]],
            area_col: both["group"].to_numpy(),
            "census_count": both["count"].to_numpy(),
            "census_total": both["total"].to_numpy(),
            "census_pct": 100 * both["count"].to_numpy(float) / both["total"].to_numpy(float),
            "ci_lower_pct": 100 * lo,
            "ci_upper_pct": 100 * up,
            "la_pct": la_pct,
        }
    )
    is_la = out[area_col].to_numpy() == la_name
    vs_la = compare(out["ci_lower_pct"], out["ci_upper_pct"], la_pct)
    vs_la[is_la] = ""
    out["vs_la"] = vs_la
    out["england_pct"] = eng_pct
    out["vs_england"] = compare(out["ci_lower_pct"], out["ci_upper_pct"], eng_pct)
    return out.reset_index(drop=True)
