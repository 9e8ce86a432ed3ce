"""Stage 3 -- boundary options: compare ways of grouping the borough's wards into areas.

For each grouping (read by :mod:`reviewpack.ingest.groupings`) this module measures how
balanced the areas are:

* population and its spread (min/max ratio, coefficient of variation);
* each area's share of the residents of the borough's most deprived fifth of
  neighbourhoods (within-borough IMD quintile 1);
* a demand index: residents weighted for age (dependants count more) and
  deprivation (more deprived quintiles count more), as each area's share of the
  borough's weighted demand — the weights are parameters;
* the index of dissimilarity between most-deprived residents and all residents
  (the share of most-deprived residents who would have to live in another area
  for every area to hold the same share of them as of the population).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import DataFileError, ParameterError
from ..ingest.groupings import Grouping

COMPARISON_COLUMNS = [
    "grouping", "area", "wards", "population", "share_of_population_pct",
    "share_of_most_deprived_quintile_pct", "demand_index",
]



def lsoa_frame(areas: pd.DataFrame, quintiles: pd.DataFrame, population: pd.DataFrame) -> pd.DataFrame:
    """One row per LSOA with its ward, borough IMD quintile and residents by broad age.

    Parameters
    ----------
    areas : DataFrame
        ``lsoa_code, ward_code`` (from :func:`reviewpack.ingest.geography.lsoa_areas`).
    quintiles : DataFrame
        ``lsoa_code, quintile`` (from :func:`reviewpack.deprivation.borough_quintiles`).
    population : DataFrame
        ``lsoa_code, all, 0-15, 16-64, 65+`` for the same LSOA vintage.

    Raises
    ------
    DataFileError
        If an LSOA lacks a quintile or a population (the inputs are of different vintages).
    """
    df = areas[["lsoa_code", "ward_code"]].merge(quintiles[["lsoa_code", "quintile"]], on="lsoa_code", how="left")
    df = df.merge(population, on="lsoa_code", how="left")
    bad = df[df[["quintile", "all"]].isna().any(axis=1)]["lsoa_code"]
    if not bad.empty:
        raise DataFileError(
            f"{len(bad)} LSOA(s) have no IMD quintile or population (e.g. {', '.join(bad.head(3))}); "
            "the deprivation and population inputs must use the same LSOA vintage."
        )
    return df


def demand(frame: pd.DataFrame, dependant_weight: float, quintile_weights: dict[int, float]) -> pd.Series:
    """Weighted demand per LSOA: ``(16-64 + w_dep × (0-15 + 65+)) × w_quintile``.

    Parameters
    ----------
    frame : DataFrame
        From :func:`lsoa_frame`.
    dependant_weight : float
        How much a child or older resident counts relative to a working-age one (1 = the same).
    quintile_weights : dict
        Multiplier per within-borough IMD quintile, e.g. ``{1: 1.5, 2: 1.25, 3: 1, 4: 1, 5: 1}``.
    """
    missing = sorted(set(frame["quintile"].astype(int)) - set(quintile_weights))
    if missing:
        raise ParameterError(
            f"groupings.demand.quintile_weights has no weight for quintile(s) {missing}; give one for each of 1-5.",
            parameter="groupings.demand.quintile_weights",
        )
    people = frame["16-64"] + dependant_weight * (frame["0-15"] + frame["65+"])
    return people * frame["quintile"].astype(int).map(quintile_weights)


def compare(frame: pd.DataFrame, grouping: Grouping, dependant_weight: float, quintile_weights: dict[int, float]) -> pd.DataFrame:
    """Per-area figures for one grouping (the rows of ``grouping_comparison.csv``).

    Returns
    -------
    DataFrame
        Columns :data:`COMPARISON_COLUMNS`; ``demand_index`` is the area's share of the
        borough's weighted demand (%), so it sums to 100 like the population share.
    """
    df = frame.merge(grouping.wards, on="ward_code", how="left")
    df["demand"] = demand(df, dependant_weight, quintile_weights)
    df["q1"] = np.where(df["quintile"].astype(int) == 1, df["all"], 0)
    g = df.groupby("area")
    out = pd.DataFrame({
        "population": g["all"].sum(),
        "q1": g["q1"].sum(),
        "demand": g["demand"].sum(),
    })
    out["wards"] = grouping.wards.groupby("area").size().reindex(out.index).astype(int)
    out["share_of_population_pct"] = 100 * out["population"] / out["population"].sum()
    out["share_of_most_deprived_quintile_pct"] = 100 * out["q1"] / out["q1"].sum()
    out["demand_index"] = 100 * out["demand"] / out["demand"].sum()
    out = out.reset_index()
    out.insert(0, "grouping", grouping.name)
    out["population"] = out["population"].round().astype(int)
    return out[COMPARISON_COLUMNS]


def dissimilarity(share_a_pct: pd.Series, share_b_pct: pd.Series) -> float:
    """Index of dissimilarity between two distributions over the same areas (0-100).

    ``D = ½ Σ |a_i − b_i|`` with both given as percentages summing to 100.
    """
    return float(0.5 * (share_a_pct - share_b_pct).abs().sum())


def balance(comparison: pd.DataFrame) -> pd.DataFrame:
    """Summary per grouping: how balanced its areas are.

    Returns
    -------
    DataFrame
        ``grouping, areas, population_min_max_ratio, population_cv_pct, demand_cv_pct,
        deprivation_dissimilarity`` where CVs are coefficients of variation (population
        standard deviation / mean, %) of the areas' population and weighted-demand shares,
        and the dissimilarity is that of most-deprived-quintile residents against all residents.
    """
    rows = []
    for name, g in comparison.groupby("grouping", sort=False):
        pop = g["population"].astype(float)
        dem = g["demand_index"]
        rows.append({
            "grouping": name,
            "areas": len(g),
            "population_min_max_ratio": pop.min() / pop.max(),
            "population_cv_pct": 100 * pop.std(ddof=0) / pop.mean(),
            "demand_cv_pct": 100 * dem.std(ddof=0) / dem.mean(),
            "deprivation_dissimilarity": dissimilarity(g["share_of_most_deprived_quintile_pct"], g["share_of_population_pct"]),
        })
    return pd.DataFrame(rows)

