"""Population demand: residents by age band, area and year; growth; dependency; age profile.

Data years (all real, see ``data/raw/SOURCES.md``):

* mid-2012 and mid-2015: IoD 2015 / IoD 2019 population denominators (LSOA 2011,
  prisoners excluded).  Their bands are 0-15, 16-59 and 60+ — there is **no**
  16-64 / 65+ split for these years, and none is invented.
* mid-2017, mid-2019, mid-2020: ONS small-area estimates (LSOA 2011), single year of age.
* 2021: Census 2021 usual residents (LSOA 2021).

Years in ``population.estimate_years`` (the council's 2014 baseline) are not in
the data: they are estimated by linear interpolation between the nearest data
years before and after, band by band, and flagged ``estimated``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .errors import DataFileError, ReconciliationError
from .sources import read_csv_checked

#: Bands in the contract table, in display order.
CONTRACT_BANDS = ["all", "0-15", "16-64", "65+"]
#: Bands of the IoD population denominators (mid-2012, mid-2015).
IOD_BANDS = ["16-59", "60+"]
BAND_ORDER = ["all", "0-15", "16-64", "65+", "16-59", "60+"]

_PANEL_BANDS = {
    "total_population": "all",
    "age_0_15": "0-15",
    "age_16_64": "16-64",
    "age_65_plus": "65+",
    "age_16_59": "16-59",
    "age_60_plus": "60+",
}
_CENSUS_BANDS = {
    "total_usual_residents": "all",
    "age_0_15": "0-15",
    "age_16_64": "16-64",
    "age_65_plus": "65+",
}


def load_lsoa_population(panel_path: Path | None, census_path: Path | None = None, lsoas: set[str] | None = None) -> pd.DataFrame:
    """Read the LSOA population files into one long table.

    Parameters
    ----------
    panel_path : Path
        Long panel ``mid_year, lsoa11_code, total_population, age_0_15, age_16_59,
        age_60_plus, age_16_64, age_65_plus, source`` (LSOA 2011).
    census_path : Path, optional
        Census 2021 by LSOA 2021: ``lsoa21_code, total_usual_residents, age_0_15,
        age_16_64, age_65_plus``.
    lsoas : set of str, optional
        Keep only these LSOAs (e.g. one council's, from a file covering England).

    Returns
    -------
    DataFrame
        ``year, lsoa_code, lsoa_vintage (2011|2021), age_band, population, source``;
        bands a year does not have are absent (not zero).

    Raises
    ------
    DataFileError
        Missing columns, or a negative or non-numeric count (naming the row and column).
    """
    frames = []
    if panel_path is not None:
        panel = read_csv_checked(
            panel_path, ["mid_year", "lsoa11_code", *_PANEL_BANDS, "source"], label="Population panel"
        )
        _check_counts(panel, list(_PANEL_BANDS), panel_path)
        long = panel.melt(
            id_vars=["mid_year", "lsoa11_code", "source"], value_vars=list(_PANEL_BANDS), var_name="col", value_name="population"
        ).dropna(subset=["population"])
        long = long.assign(
            year=long["mid_year"].astype(int),
            lsoa_code=long["lsoa11_code"],
            lsoa_vintage=2011,
            age_band=long["col"].map(_PANEL_BANDS),
        )
        if lsoas is not None:
            long = long[long["lsoa_code"].isin(lsoas)]
        frames.append(long[["year", "lsoa_code", "lsoa_vintage", "age_band", "population", "source"]])
    if census_path is not None:
        census = read_csv_checked(census_path, ["lsoa21_code", *_CENSUS_BANDS], label="Census 2021 population")
        if lsoas is not None:
            census = census[census["lsoa21_code"].isin(lsoas)]
        _check_counts(census, list(_CENSUS_BANDS), census_path)
        c = census.melt(id_vars=["lsoa21_code"], value_vars=list(_CENSUS_BANDS), var_name="col", value_name="population")
        c = c.assign(
            year=2021,
            lsoa_code=c["lsoa21_code"],
            lsoa_vintage=2021,
            age_band=c["col"].map(_CENSUS_BANDS),
            source="Census 2021 usual residents (ONS)",
        )
        frames.append(c[["year", "lsoa_code", "lsoa_vintage", "age_band", "population", "source"]])
    out = pd.concat(frames, ignore_index=True)
    out["population"] = out["population"].astype(float)
    return out


def _check_counts(frame: pd.DataFrame, cols: list[str], path: Path) -> None:
    for col in cols:
        values = pd.to_numeric(frame[col], errors="coerce")
        bad = (values.isna() & frame[col].notna()) | (values < 0)
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataFileError(
                f"file '{path}', row {int(frame.index[i]) + 2}, column '{col}': population must be a non-negative number, got '{frame[col].iloc[i]}'. "
                "Restore the original file."
            )
        frame[col] = values


def population_by_area(lsoa_pop: pd.DataFrame, areas11: pd.DataFrame | None, areas21: pd.DataFrame | None = None) -> pd.DataFrame:
    """Sum LSOA population to areas.

    Parameters
    ----------
    lsoa_pop : DataFrame
        From :func:`load_lsoa_population`.
    areas11, areas21 : DataFrame
        LSOA -> area tables (from :func:`reviewpack.geography.lsoa_areas`) for LSOA 2011 and 2021.

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
                f"{data_years[0]}–{data_years[-1]} and reviewpack only interpolates. Change population.estimate_years."
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


def contract_table(with_estimates: pd.DataFrame, area_col: str = "locality") -> pd.DataFrame:
    """The contract table ``population_by_<area>.csv``.

    Returns
    -------
    DataFrame
        ``year, <area_col>, age_band, population, share_of_borough_pct, estimated`` with
        ``age_band`` in ``all, 0-15, 16-64, 65+`` (bands a year lacks are absent), population
        rounded to whole people and the share of the borough (same year and band) to 0.1.
    """
    t = with_estimates[with_estimates["age_band"].isin(CONTRACT_BANDS)].copy()
    totals = t.groupby(["year", "age_band"])["population"].transform("sum")
    t["share_of_borough_pct"] = (100 * t["population"] / totals).round(1)
    t["population"] = t["population"].round(0).astype(int)
    t["age_band"] = pd.Categorical(t["age_band"], CONTRACT_BANDS, ordered=True)
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


def load_single_year_of_age(path: Path) -> pd.DataFrame:
    """Read the single-year-of-age LSOA file into ``year, lsoa_code, age, population``.

    ``age`` is 0..90, where 90 means 90 and over.
    """
    raw = read_csv_checked(path, ["mid_year", "lsoa11_code", "total_population", "0", "90+"], label="Single year of age")
    age_cols = [str(a) for a in range(90)] + ["90+"]
    missing = [c for c in age_cols if c not in raw.columns]
    if missing:
        raise DataFileError(f"Single year of age file '{path}' is missing age column(s) {', '.join(missing[:5])}.")
    _check_counts(raw, age_cols, path)
    sums = raw[age_cols].sum(axis=1)
    bad = sums != raw["total_population"]
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise ReconciliationError(
            f"file '{path}', row {i + 2}: the ages sum to {int(sums.iloc[i])} but total_population is "
            f"{int(raw['total_population'].iloc[i])}. The file is inconsistent; restore the original."
        )
    long = raw.melt(id_vars=["mid_year", "lsoa11_code"], value_vars=age_cols, var_name="age", value_name="population")
    long["age"] = long["age"].str.replace("+", "", regex=False).astype(int)
    return long.rename(columns={"mid_year": "year", "lsoa11_code": "lsoa_code"})[["year", "lsoa_code", "age", "population"]]


def age_profile(syoa: pd.DataFrame, areas11: pd.DataFrame, year: int, area: str | None) -> pd.DataFrame:
    """Share of residents at each single year of age: one area against the borough.

    Parameters
    ----------
    syoa : DataFrame
        From :func:`load_single_year_of_age`.
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
            "Change population.pyramid_year."
        )
    borough = sub.groupby("age")["population"].sum()
    out = pd.DataFrame({"age": borough.index, "borough_pct": (100 * borough / borough.sum()).to_numpy()})
    if area is not None:
        codes = set(areas11.loc[areas11["area"] == area, "lsoa_code"])
        local = sub[sub["lsoa_code"].isin(codes)].groupby("age")["population"].sum().reindex(borough.index, fill_value=0)
        out["area_pct"] = (100 * local / local.sum()).to_numpy()
    return out


def check_coverage(
    lsoa_pop: pd.DataFrame, areas11: pd.DataFrame | None, areas21: pd.DataFrame | None, files: dict[int, str] | None = None
) -> dict[str, int]:
    """Reconciliation: every data year covers every LSOA of the lookup exactly once (all ages).

    A file cut short at a line break still parses; this is what catches it.

    Parameters
    ----------
    lsoa_pop : DataFrame
        From :func:`load_lsoa_population`.
    areas11, areas21 : DataFrame or None
        The LSOA 2011 and 2021 lookups of the local authority.
    files : dict, optional
        ``{2011: file, 2021: file}`` named in the message.

    Returns
    -------
    dict
        ``{year: LSOAs}`` for the manifest.

    Raises
    ------
    ReconciliationError
        Naming the year, the file, how many LSOAs are missing or repeated, and examples.
    """
    out = {}
    allages = lsoa_pop[lsoa_pop["age_band"] == "all"]
    for (year, vintage), g in allages.groupby(["year", "lsoa_vintage"]):
        areas = areas11 if vintage == 2011 else areas21
        if areas is None:
            continue
        expected = set(areas["lsoa_code"])
        counts = g["lsoa_code"].value_counts()
        missing = sorted(expected - set(counts.index))
        repeated = sorted(counts[counts > 1].index)
        if missing or repeated:
            where_ = f" in '{files[vintage]}'" if files and files.get(vintage) else ""
            raise ReconciliationError(
                f"Population for {year}{where_} does not cover the LSOA {vintage} lookup exactly once: "
                f"{len(missing)} of {len(expected)} LSOAs missing{' (e.g. ' + ', '.join(missing[:3]) + ')' if missing else ''}"
                f"{', ' + str(len(repeated)) + ' repeated (e.g. ' + ', '.join(repeated[:3]) + ')' if repeated else ''}. "
                "The file may be truncated or for another area: restore the original."
            )
        out[str(int(year))] = len(expected)
    return out


def check_totals(lsoa_pop: pd.DataFrame, by_area: pd.DataFrame) -> dict[str, int]:
    """Reconciliation: for every year, the areas add up to the LSOA source total (all ages).

    Returns
    -------
    dict
        ``{year: total}`` for the manifest.

    Raises
    ------
    ReconciliationError
        If any year's area sum differs from the source sum.
    """
    src = lsoa_pop[lsoa_pop["age_band"] == "all"].groupby("year")["population"].sum()
    got = by_area[by_area["age_band"] == "all"].groupby("year")["population"].sum()
    result = {}
    for year, total in src.items():
        if abs(got.get(year, 0.0) - total) > 0.5:
            raise ReconciliationError(
                f"Population check failed for {year}: the areas sum to {got.get(year, 0):,.0f} but the source files total {total:,.0f}."
            )
        result[str(int(year))] = int(round(total))
    return result
