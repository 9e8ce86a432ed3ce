"""Stage 2 -- population files: LSOA residents by age band and year, read and reconciled.

Data years (all real, see ``data/raw/SOURCES.md``):

* mid-2012 and mid-2015: IoD 2015 / IoD 2019 population denominators (LSOA 2011,
  prisoners excluded).  Their bands are 0-15, 16-59 and 60+ — there is **no**
  16-64 / 65+ split for these years, and none is invented.
* mid-2017, mid-2019, mid-2020: ONS small-area estimates (LSOA 2011), single year of age.
* 2021: Census 2021 usual residents (LSOA 2021).

The reconciliation checks (:func:`check_coverage`, :func:`check_totals`) compare what was read
with the lookups and with the area sums.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataFileError, ReconciliationError
from .cache import read_once
from .files import read_csv_checked

#: Bands of the IoD population denominators (mid-2012, mid-2015).
IOD_BANDS = ["16-59", "60+"]

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


@read_once
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
    """Coerce count columns to numbers in place, refusing a negative or non-numeric cell (naming it)."""
    for col in cols:
        values = pd.to_numeric(frame[col], errors="coerce")
        bad = (values.isna() & frame[col].notna()) | (values < 0)
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataFileError(
                f"file '{path}', row {int(frame.index[i]) + 2}, column '{col}': population must be a non-negative number, got '{frame[col].iloc[i]}'. "
                "Restore the original file.",
                file=path,
                row=int(frame.index[i]) + 2,
                column=col,
            )
        frame[col] = values


@read_once
def load_single_year_of_age(path: Path) -> pd.DataFrame:
    """Read the single-year-of-age LSOA file into ``year, lsoa_code, age, population``.

    ``age`` is 0..90, where 90 means 90 and over.
    """
    raw = read_csv_checked(path, ["mid_year", "lsoa11_code", "total_population", "0", "90+"], label="Single year of age")
    age_cols = [str(a) for a in range(90)] + ["90+"]
    missing = [c for c in age_cols if c not in raw.columns]
    if missing:
        raise DataFileError(f"Single year of age file '{path}' is missing age column(s) {', '.join(missing[:5])}.", file=path, column=missing[0])
    _check_counts(raw, age_cols, path)
    sums = raw[age_cols].sum(axis=1)
    bad = sums != raw["total_population"]
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise ReconciliationError(
            f"file '{path}', row {i + 2}: the ages sum to {int(sums.iloc[i])} but total_population is "
            f"{int(raw['total_population'].iloc[i])}. The file is inconsistent; restore the original.",
            file=path,
            row=i + 2,
            column="total_population",
        )
    long = raw.melt(id_vars=["mid_year", "lsoa11_code"], value_vars=age_cols, var_name="age", value_name="population")
    long["age"] = long["age"].str.replace("+", "", regex=False).astype(int)
    return long.rename(columns={"mid_year": "year", "lsoa11_code": "lsoa_code"})[["year", "lsoa_code", "age", "population"]]


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
                "The file may be truncated or for another area: restore the original.",
                file=files.get(vintage) if files else None,
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
