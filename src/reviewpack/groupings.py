"""Boundary options: compare ways of grouping the borough's wards into areas.

A *grouping* is a CSV mapping each ward code to an area name (for Walsall the
four Localities and the six Area Partnerships both come from
``walsall_ward_locality.csv``; a user can add a file of their own).  For each
grouping this module measures how balanced the areas are:

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

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import DataFileError
from .sources import read_csv_checked

COMPARISON_COLUMNS = [
    "grouping", "area", "wards", "population", "share_of_population_pct",
    "share_of_most_deprived_quintile_pct", "demand_index",
]


@dataclass(frozen=True)
class Grouping:
    """One way of grouping wards: its name, label and ward -> area table."""

    name: str
    label: str
    wards: pd.DataFrame  # ward_code, area


def load_grouping(path: Path, column: str, name: str, label: str, borough_wards: list[str]) -> Grouping:
    """Read a grouping file and check that every ward of the borough is in exactly one area.

    Parameters
    ----------
    path : Path
        CSV with a ``ward_code`` column and the area column.
    column : str
        Column holding the area names.
    name, label : str
        Identifier (e.g. ``area_partnership``) and human label ("Area Partnership").
    borough_wards : list of str
        The ward codes of the borough (from the LSOA -> ward lookup).

    Raises
    ------
    DataFileError
        Listing wards that are missing, unknown (not in the borough) or listed twice, or
        rows without an area.
    """
    table = read_csv_checked(path, ["ward_code", column], dtype=str, label=f"Grouping '{name}'")
    problems = []
    dup = sorted(set(table.loc[table["ward_code"].duplicated(keep=False), "ward_code"]))
    if dup:
        problems.append(f"ward(s) listed more than once: {', '.join(dup)}")
    known = set(borough_wards)
    unknown = sorted(set(table["ward_code"]) - known)
    if unknown:
        problems.append(f"ward(s) not in the borough: {', '.join(unknown)}")
    missing = sorted(known - set(table["ward_code"]))
    if missing:
        problems.append(f"ward(s) of the borough missing: {', '.join(missing)}")
    blank = table.loc[table[column].isna() | (table[column].astype(str).str.strip() == ""), "ward_code"]
    if not blank.empty:
        problems.append(f"ward(s) with no area in column '{column}': {', '.join(blank)}")
    if problems:
        raise DataFileError(
            f"Grouping '{name}' (file '{path}') must put every ward of the borough in exactly one area: "
            + "; ".join(problems) + ". Fix the file so each of the borough's wards appears once."
        )
    wards = pd.DataFrame({"ward_code": table["ward_code"], "area": table[column].astype(str).str.strip()})
    return Grouping(name=name, label=label, wards=wards)


def lsoa_frame(areas: pd.DataFrame, quintiles: pd.DataFrame, population: pd.DataFrame) -> pd.DataFrame:
    """One row per LSOA with its ward, borough IMD quintile and residents by broad age.

    Parameters
    ----------
    areas : DataFrame
        ``lsoa_code, ward_code`` (from :func:`reviewpack.geography.lsoa_areas`).
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
        from .errors import ParameterError

        raise ParameterError(f"groupings.demand.quintile_weights has no weight for quintile(s) {missing}; give one for each of 1-5.")
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


def _verdict(s: pd.DataFrame, col: str, name, what: str, unit_text: str) -> str:
    values = s[col].round(0)
    best = values.min()
    winners = [g for g in s.index if values[g] == best]
    others = [g for g in s.index if g not in winners]
    if not others:
        return f"{what.capitalize()} is equally balanced under every grouping ({unit_text.format(v=best)})."
    lead = " and ".join(name(g) for g in winners)
    return (
        f"{what.capitalize()} is most evenly spread across the {lead} areas ({unit_text.format(v=best)}, against "
        + ", ".join(f"{values[g]:.0f}% for {name(g)}" for g in others) + ")."
    )


def balance_sentences(summary: pd.DataFrame, labels: dict[str, str]) -> list[str]:
    """Plain-English verdicts: which grouping is more balanced on which measure.

    Ties (equal when rounded to whole percentages) are reported as ties.

    Parameters
    ----------
    summary : DataFrame
        From :func:`balance`.
    labels : dict
        Human label per grouping name.
    """
    if len(summary) < 2:
        return []
    s = summary.set_index("grouping")
    name = lambda g: labels.get(g, g)  # noqa: E731
    out = [
        _verdict(s, "population_cv_pct", name, "population", "coefficient of variation {v:.0f}%"),
        _verdict(s, "demand_cv_pct", name, "weighted demand", "coefficient of variation {v:.0f}%"),
    ]
    dis = s["deprivation_dissimilarity"].round(0)
    if dis.nunique() == 1:
        out.append(
            f"The most deprived residents are equally concentrated under every grouping: {dis.iloc[0]:.0f}% of them would have to "
            "live in another area for every area to hold its population share of them."
        )
    else:
        low = dis.idxmin()
        out.append(
            f"The most deprived residents are least concentrated, relative to population, under the {name(low)} grouping: "
            f"{dis[low]:.0f}% of them would have to live in another area for every area to hold its population share (against "
            + ", ".join(f"{dis[g]:.0f}% for {name(g)}" for g in s.index if g != low) + ")."
        )
    out.append("A finer grouping (more, smaller areas) can only show as much concentration as a coarser one it refines, or more.")
    return out
