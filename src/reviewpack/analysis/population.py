"""Stage 3 -- population demand: residents by age band, area and year; growth; dependency; age profile.

Years in ``population.estimate_years`` (the council's 2014 baseline) are not in
the data: they are estimated by linear interpolation between the nearest data
years before and after, band by band, and flagged ``estimated``.

A year an IoD edition's own denominators add (mid-2022, from IoD2025's File 7) is read from
the IoD frame by :func:`denominator_population`; it has the IoD's bands (0-15, 18-66, 60+), which
overlap and are not a partition of all ages, and no 16-64 / 65+ split.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd

from ..errors import DataFileError, ReconciliationError

#: Bands in the contract table, in display order.
CONTRACT_BANDS = ["all", "0-15", "16-64", "65+"]
#: Every band, in display order (the IoD denominator bands last).
BAND_ORDER = ["all", "0-15", "16-64", "65+", "16-59", "18-66", "60+"]
#: IoD denominator columns (:mod:`reviewpack.ingest.imd`) -> age band; the working-age column's band
#: is the one its header names (``attrs["working_age_band"]``: ``18-66`` in IoD2025).
DENOMINATOR_BANDS = {"pop_total": "all", "pop_0_15": "0-15", "pop_16_59": "16-59", "pop_60_plus": "60+"}


def denominator_population(imd: pd.DataFrame, lsoa_vintage: int, source: str) -> pd.DataFrame:
    """An IoD edition's own population denominators as a long LSOA population table.

    Parameters
    ----------
    imd : DataFrame
        From :func:`reviewpack.ingest.imd.load_imd` (with :func:`~reviewpack.ingest.imd.add_file7`),
        holding ``pop_total`` and ``attrs["population_year"]``.
    lsoa_vintage : int
        The edition's LSOA geography (2021 for IoD2025).
    source : str
        What the rows are, for the ``source`` column.

    Returns
    -------
    DataFrame
        ``year, lsoa_code, lsoa_vintage, age_band, population, source`` (as
        :func:`reviewpack.ingest.population.load_lsoa_population`), one row per LSOA and band the
        file has: all ages, and e.g. 0-15, 18-66 and 60+ for IoD2025 (never a 16-64 or 65+).

    Raises
    ------
    DataFileError
        If the frame has no denominators or does not say their year.
    """
    year = imd.attrs.get("population_year")
    if "pop_total" not in imd.columns or year is None:
        raise DataFileError(
            f"'{imd.attrs.get('source')}' has no population denominators with a year (a 'Total population: mid YYYY' column).",
            file=imd.attrs.get("source"),
        )
    bands = {col: band for col, band in DENOMINATOR_BANDS.items() if col in imd.columns}
    if "pop_working_age" in imd.columns and imd.attrs.get("working_age_band"):
        bands["pop_working_age"] = str(imd.attrs["working_age_band"])
    long = imd.melt(id_vars=["lsoa_code"], value_vars=list(bands), var_name="col", value_name="population")
    long = long.assign(year=int(year), lsoa_vintage=lsoa_vintage, age_band=long["col"].map(bands), source=source)
    long["population"] = long["population"].astype(float)
    return long[["year", "lsoa_code", "lsoa_vintage", "age_band", "population", "source"]].reset_index(drop=True)


def latest_year_with(table: pd.DataFrame, band: str) -> int | None:
    """The latest year of a population table that has ``band`` (``None`` when no year has it)."""
    years = table.loc[table["age_band"] == band, "year"]
    return int(years.max()) if not years.empty else None


def population_by_area(lsoa_pop: pd.DataFrame, areas11: pd.DataFrame | None, areas21: pd.DataFrame | None = None) -> pd.DataFrame:
    """Sum LSOA population to areas.

    Parameters
    ----------
    lsoa_pop : DataFrame
        From :func:`reviewpack.ingest.population.load_lsoa_population`.
    areas11, areas21 : DataFrame
        LSOA -> area tables (from :func:`reviewpack.ingest.geography.lsoa_areas`) for LSOA 2011 and 2021.

    Returns
    -------
    DataFrame
        ``year, area, age_band, population, source``, every area present for every year and band.

    Raises
    ------
    ReconciliationError
        If an LSOA in the population data has no area (it would be lost from the totals).
    """
    parts = []
    for vintage, areas in ((2011, areas11), (2021, areas21)):
        if areas is None and lsoa_pop[lsoa_pop["lsoa_vintage"] == vintage].empty:
            continue
        sub = lsoa_pop[lsoa_pop["lsoa_vintage"] == vintage]
        if sub.empty:
            continue
        if areas is None:
            raise ReconciliationError(f"Population has LSOA {vintage} rows but no LSOA {vintage} lookup was given.")
        merged = sub.merge(areas[["lsoa_code", "area"]], on="lsoa_code", how="left")
        lost = merged.loc[merged["area"].isna(), "lsoa_code"].unique()
        if len(lost):
            raise ReconciliationError(
                f"{len(lost)} LSOA(s) in the population data (LSOA {vintage}) are not in the LSOA lookup, e.g. "
                f"{', '.join(sorted(lost)[:3])}; their residents would be lost. Check that the lookup and population files cover the same local authority."
            )
        parts.append(merged)
    merged = pd.concat(parts, ignore_index=True)
    out = merged.groupby(["year", "area", "age_band", "source"], as_index=False)["population"].sum()
    # every area for every year/band (zeros where an area has no LSOA)
    all_areas = sorted(set().union(*(set(a["area"]) for a in (areas11, areas21) if a is not None)))
    keys = out[["year", "age_band", "source"]].drop_duplicates()
    full = keys.merge(pd.DataFrame({"area": all_areas}), how="cross")
    out = full.merge(out, on=["year", "age_band", "source", "area"], how="left").fillna({"population": 0.0})
    return out[["year", "area", "age_band", "population", "source"]].sort_values(["year", "area", "age_band"]).reset_index(drop=True)


def interpolate_years(by_area: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """Add linearly interpolated rows for ``years`` not in the data, flagged ``estimated``.

    Each band of each area is interpolated between the nearest data years before
    and after that have that band: ``p(y) = p(a) + (p(b) - p(a)) * (y - a) / (b - a)``.
    A band present in only one of the two bracketing years is not estimated.

    Parameters
    ----------
    by_area : DataFrame
        From :func:`population_by_area`.
    years : list of int
        Years to estimate; years already in the data are left alone.

    Returns
    -------
    DataFrame
        ``by_area`` plus the estimates, with a boolean column ``estimated``.

    Raises
    ------
    DataFileError
        If a year lies outside the data years (extrapolation is not done).
    """
    out = by_area.assign(estimated=False)
    data_years = sorted(by_area["year"].unique())
    extra = []
    for year in years:
        if year in data_years:
            continue
        before = [y for y in data_years if y < year]
        after = [y for y in data_years if y > year]
        if not before or not after:
            raise DataFileError(
                f"Cannot estimate population for {year}: it is outside the data years "
                f"{data_years[0]}–{data_years[-1]} and reviewpack only interpolates. Change population.estimate_years.",
                parameter="population.estimate_years",
            )
        a, b = before[-1], after[0]
        pa = by_area[by_area["year"] == a].set_index(["area", "age_band"])["population"]
        pb = by_area[by_area["year"] == b].set_index(["area", "age_band"])["population"]
        common = pa.index.intersection(pb.index)
        est = pa[common] + (pb[common] - pa[common]) * (year - a) / (b - a)
        frame = est.rename("population").reset_index()
        frame["year"] = year
        frame["source"] = f"Estimate: linear interpolation between mid-{a} and mid-{b}"
        frame["estimated"] = True
        extra.append(frame)
    if extra:
        out = pd.concat([out, *extra], ignore_index=True)
    return out.sort_values(["year", "area", "age_band"]).reset_index(drop=True)


def contract_table(with_estimates: pd.DataFrame, area_col: str = "locality", every_band_years: Collection[int] = ()) -> pd.DataFrame:
    """The contract table ``population_by_<area>.csv``.

    Parameters
    ----------
    with_estimates : DataFrame
        From :func:`interpolate_years`.
    area_col : str
        Name of the area column.
    every_band_years : collection of int
        Years shown with every band they have (the IoD2025 denominators' mid-2022: all ages,
        0-15, 18-66 and 60+); other years show only ``all, 0-15, 16-64, 65+``.

    Returns
    -------
    DataFrame
        ``year, <area_col>, age_band, population, share_of_borough_pct, estimated`` with
        ``age_band`` in ``all, 0-15, 16-64, 65+`` (bands a year lacks are absent) and, for
        ``every_band_years``, their own bands; population rounded to whole people and the share
        of the borough (same year and band) to 0.1.
    """
    keep = with_estimates["age_band"].isin(CONTRACT_BANDS) | with_estimates["year"].isin(list(every_band_years))
    t = with_estimates[keep].copy()
    totals = t.groupby(["year", "age_band"])["population"].transform("sum")
    t["share_of_borough_pct"] = (100 * t["population"] / totals).round(1)
    t["population"] = t["population"].round(0).astype(int)
    order = BAND_ORDER + sorted(set(t["age_band"]) - set(BAND_ORDER))
    t["age_band"] = pd.Categorical(t["age_band"], order, ordered=True)
    t = t.sort_values(["year", "area", "age_band"])
    t["age_band"] = t["age_band"].astype(str)
    t = t.rename(columns={"area": area_col})
    return t[["year", area_col, "age_band", "population", "share_of_borough_pct", "estimated"]].reset_index(drop=True)


def borough_totals(with_estimates: pd.DataFrame) -> pd.DataFrame:
    """Borough totals by year and band (``year, age_band, population, estimated``)."""
    return (
        with_estimates.groupby(["year", "age_band", "estimated"], as_index=False)["population"].sum()
        .sort_values(["year", "age_band"])
        .reset_index(drop=True)
    )


def growth(with_estimates: pd.DataFrame, band: str = "all") -> pd.DataFrame:
    """Population change between consecutive years, per area and for the borough.

    Returns
    -------
    DataFrame
        ``area, from_year, to_year, population_from, population_to, change, change_pct, estimated``
        (``estimated`` if either end is an estimate); the borough appears as area ``None``-free
        label given by the caller via :func:`with_borough`.
    """
    t = with_estimates[with_estimates["age_band"] == band]
    rows = []
    for area, g in t.groupby("area"):
        g = g.sort_values("year")
        for (_, a), (_, b) in zip(g.iterrows(), g.iloc[1:].iterrows()):
            rows.append(
                {
                    "area": area,
                    "from_year": int(a["year"]),
                    "to_year": int(b["year"]),
                    "population_from": a["population"],
                    "population_to": b["population"],
                    "change": b["population"] - a["population"],
                    "change_pct": 100 * (b["population"] - a["population"]) / a["population"] if a["population"] else np.nan,
                    "estimated": bool(a["estimated"] or b["estimated"]),
                }
            )
    return pd.DataFrame(rows)


def with_borough(with_estimates: pd.DataFrame, borough_label: str) -> pd.DataFrame:
    """Append the borough total as one more ``area`` (named ``borough_label``)."""
    tot = with_estimates.groupby(["year", "age_band", "estimated"], as_index=False)["population"].sum()
    tot["area"] = borough_label
    tot["source"] = with_estimates.groupby(["year"])["source"].first().reindex(tot["year"]).to_numpy()
    return pd.concat([with_estimates, tot[with_estimates.columns]], ignore_index=True)


def dependency_ratios(with_estimates: pd.DataFrame) -> pd.DataFrame:
    """Child and old-age dependency ratios per area and year, where the bands exist.

    Child dependency = residents aged 0-15 per 100 aged 16-64; old-age dependency =
    residents aged 65+ per 100 aged 16-64.  Years without a 16-64 band (mid-2012,
    mid-2015, and estimates between them) have no ratio; none is invented.

    Returns
    -------
    DataFrame
        ``year, area, child_dependency_per_100, old_age_dependency_per_100, estimated``.
    """
    wide = with_estimates.pivot_table(index=["year", "area", "estimated"], columns="age_band", values="population").reset_index()
    if not {"16-64", "65+", "0-15"} <= set(wide.columns):
        return pd.DataFrame(columns=["year", "area", "child_dependency_per_100", "old_age_dependency_per_100", "estimated"])
    wide = wide.dropna(subset=["16-64", "65+"])
    wide = wide[wide["16-64"] > 0]
    out = pd.DataFrame(
        {
            "year": wide["year"].astype(int),
            "area": wide["area"],
            "child_dependency_per_100": 100 * wide["0-15"] / wide["16-64"],
            "old_age_dependency_per_100": 100 * wide["65+"] / wide["16-64"],
            "estimated": wide["estimated"].astype(bool),
        }
    )
    return out.sort_values(["year", "area"]).reset_index(drop=True)


def age_profile(syoa: pd.DataFrame, areas11: pd.DataFrame, year: int, area: str | None) -> pd.DataFrame:
    """Share of residents at each single year of age: one area against the borough.

    Parameters
    ----------
    syoa : DataFrame
        From :func:`reviewpack.ingest.population.load_single_year_of_age`.
    areas11 : DataFrame
        LSOA 2011 -> area.
    year : int
        A year present in ``syoa``.
    area : str or None
        The area to profile; ``None`` gives the borough only.

    Returns
    -------
    DataFrame
        ``age, borough_pct`` and, for an area, ``area_pct``; each column sums to 100.
    """
    sub = syoa[syoa["year"] == year]
    if sub.empty:
        raise DataFileError(
            f"No single-year-of-age data for {year}; available: {', '.join(map(str, sorted(syoa['year'].unique())))}. "
            "Change population.pyramid_year.",
            parameter="population.pyramid_year",
        )
    borough = sub.groupby("age")["population"].sum()
    out = pd.DataFrame({"age": borough.index, "borough_pct": (100 * borough / borough.sum()).to_numpy()})
    if area is not None:
        codes = set(areas11.loc[areas11["area"] == area, "lsoa_code"])
        local = sub[sub["lsoa_code"].isin(codes)].groupby("age")["population"].sum().reindex(borough.index, fill_value=0)
        out["area_pct"] = (100 * local / local.sum()).to_numpy()
    return out


