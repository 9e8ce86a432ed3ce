"""Shared helpers of the deprivation analyses: joining LSOAs to population and areas.

Private to :mod:`reviewpack.analysis`: normalising a population argument, the LSOA ->
area mapping, the area levels in display order, the edition label and N, and small
numeric helpers.  Errors raised here name what does not reconcile.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..errors import ParameterError, ReconciliationError
from ..ingest.imd import N_LSOAS_ENGLAND, _first_present

_CODE_COLUMNS = ("lsoa_code", "lsoa21_code", "lsoa11_code", "LSOA21CD", "LSOA11CD")
_POP_COLUMNS = ("residents", "pop_total", "total_usual_residents", "population")


def _population_series(population: object, imd: pd.DataFrame | None = None) -> pd.Series:
    """Normalise a population argument to a float Series indexed by LSOA code."""
    if population is None:
        if imd is not None and "pop_total" in imd.columns:
            s = imd.set_index("lsoa_code")["pop_total"]
        else:
            raise ParameterError(
                "no population was given and the IMD frame has no 'pop_total' column; pass "
                "residents per LSOA as a Series indexed by LSOA code (for IoD2025 use "
                "Census 2021 total_usual_residents)"
            )
    elif isinstance(population, pd.Series):
        s = population
    elif isinstance(population, pd.DataFrame):
        df = population
        code = _first_present(df.columns, _CODE_COLUMNS)
        if code is not None:
            df = df.set_index(code)
        col = _first_present(df.columns, _POP_COLUMNS)
        if col is None:
            numeric = df.select_dtypes("number").columns
            if len(numeric) != 1:
                raise ParameterError(
                    "population frame must have an LSOA code column and one of the columns "
                    f"{', '.join(_POP_COLUMNS)} (or a single numeric column)"
                )
            col = numeric[0]
        s = df[col]
    else:
        raise ParameterError(
            f"population must be a pandas Series or DataFrame, not {type(population).__name__}"
        )
    s = pd.to_numeric(s, errors="coerce").astype(float)
    s.index = s.index.astype(str)
    if s.index.duplicated().any():
        dup = s.index[s.index.duplicated()][0]
        raise ReconciliationError(f"population lists LSOA {dup!r} more than once")
    return s.rename("residents")


def _area_series(areas: pd.DataFrame, area_col: str) -> pd.Series:
    for col in ("lsoa_code", area_col):
        if col not in areas.columns:
            raise ParameterError(
                f"the areas table has no column '{col}'; it needs 'lsoa_code' and the "
                f"grouping column (area_col='{area_col}')"
            )
    s = areas.set_index("lsoa_code")[area_col]
    s.index = s.index.astype(str)
    if s.index.duplicated().any():
        raise ReconciliationError(
            f"the areas table lists LSOA {s.index[s.index.duplicated()][0]!r} more than once; "
            "each LSOA must belong to exactly one area"
        )
    return s


def _area_levels(areas: pd.DataFrame, area_col: str, present: Iterable[object]) -> list:
    col = areas[area_col]
    if isinstance(col.dtype, pd.CategoricalDtype):
        return list(col.cat.categories)
    return sorted(set(col.dropna()) | set(present), key=str)


def _examples(codes: Iterable[str], k: int = 5) -> str:
    codes = list(codes)
    shown = ", ".join(codes[:k])
    return shown + (f" and {len(codes) - k} more" if len(codes) > k else "")


def _join(
    imd: pd.DataFrame,
    population: object,
    areas: pd.DataFrame | None,
    area_col: str,
    *,
    need_population: bool = True,
) -> pd.DataFrame:
    """LSOA-level frame: the IMD columns plus ``residents`` and the area column."""
    if "lsoa_code" not in imd.columns:
        raise ParameterError("the IMD frame has no 'lsoa_code' column; load it with load_imd")
    df = imd.copy()
    df["lsoa_code"] = df["lsoa_code"].astype(str)
    if need_population:
        pop = _population_series(population, imd)
        missing = sorted(set(df["lsoa_code"]) - set(pop.index))
        if missing:
            raise ReconciliationError(
                f"{len(missing)} LSOA(s) in the deprivation data have no population "
                f"({_examples(missing)}); check that the population uses the same LSOA "
                "vintage (2011 for IoD2015/2019, 2021 for IoD2025)"
            )
        df["residents"] = df["lsoa_code"].map(pop)
        bad = df["residents"].isna() | (df["residents"] < 0)
        if bad.any():
            raise ReconciliationError(
                "population is missing or negative for LSOA(s) "
                f"{_examples(df.loc[bad, 'lsoa_code'])}"
            )
    if areas is not None:
        amap = _area_series(areas, area_col)
        missing = sorted(set(df["lsoa_code"]) - set(amap.index))
        if missing:
            raise ReconciliationError(
                f"{len(missing)} LSOA(s) in the deprivation data are not in the areas "
                f"lookup ({_examples(missing)}); check that the lookup uses the same LSOA "
                "vintage (2011 for IoD2015/2019, 2021 for IoD2025)"
            )
        if area_col in df.columns:
            df = df.drop(columns=area_col)
        df[area_col] = df["lsoa_code"].map(amap)
        if df[area_col].isna().any():
            raise ReconciliationError(
                f"the areas lookup has no '{area_col}' for LSOA(s) "
                f"{_examples(df.loc[df[area_col].isna(), 'lsoa_code'])}"
            )
    return df


def _vintage_label(imd: pd.DataFrame, label: str | None) -> str:
    if label:
        return label
    vintage = imd.attrs.get("vintage")
    return f"IoD{vintage}" if vintage else "IMD"


def _n_national(imd: pd.DataFrame, n_national: int | None) -> int:
    if n_national is not None:
        return int(n_national)
    if imd.attrs.get("n_lsoas_england"):
        return int(imd.attrs["n_lsoas_england"])
    if imd.attrs.get("vintage") in N_LSOAS_ENGLAND:
        return N_LSOAS_ENGLAND[imd.attrs["vintage"]]
    raise ParameterError(
        "cannot tell how many LSOAs England has for this IMD frame; pass n_national "
        "(32844 for IoD2015/2019, 33755 for IoD2025)"
    )


def _as_int_if_whole(s: pd.Series) -> pd.Series:
    if len(s) and np.allclose(s, np.round(s)):
        return s.round().astype("int64")
    return s


def _pct(part: pd.Series | np.ndarray | float, whole: pd.Series | np.ndarray | float):
    with np.errstate(invalid="ignore", divide="ignore"):
        return 100.0 * np.asarray(part, dtype=float) / np.asarray(whole, dtype=float)


def _area_column(frame: pd.DataFrame, known: Iterable[str], area_col: str | None, what: str) -> str:
    """The area column of a tidy output table: ``area_col`` if given, else the one column not in ``known``."""
    if area_col is not None:
        if area_col not in frame.columns:
            raise ParameterError(f"the {what} table has no column '{area_col}'")
        return area_col
    skip = set(known)
    others = [c for c in frame.columns if c not in skip]
    if len(others) != 1:
        raise ParameterError(
            f"cannot tell which column of the {what} table is the area (candidates: "
            f"{', '.join(map(str, others)) or 'none'}); pass area_col"
        )
    return others[0]
