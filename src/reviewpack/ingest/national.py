"""National files for benchmarks: IoD 2025 File 10, IoD 2025 for every LSOA, Census 2021 age, region lookup.

Each reader checks the header, then reads only the columns it needs (the England files are large)
and renames them to the names the analysis uses.  :class:`~reviewpack.analysis.sections.benchmarks.BenchmarksSection`
calls each once per pack.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import DataFileError
from .cache import read_once
from .files import read_csv_checked

__all__ = ["FILE10", "load_census_age", "load_imd_england", "load_la_summaries", "load_regions"]

#: File 10 columns -> our names (the IMD 2025 summary measures of every English council).
FILE10 = {
    "ltla24_code": "la_code",
    "ltla24_name": "la_name",
    "imd_average_score": "average_score",
    "imd_average_rank": "average_rank",
    "imd_proportion_of_lso_as_in_most_deprived_10_percent_nationally": "proportion_lsoas_decile_1",
    "imd25_extent": "extent",
    "imd25_local_concentration": "local_concentration",
}

_IMD = {
    "LSOA code (2021)": "lsoa_code",
    "Local Authority District code (2024)": "la_code",
    "Index of Multiple Deprivation (IMD) Score": "imd_score",
    "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)": "imd_rank",
    "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)": "imd_decile",
}

_AGE = {"lsoa21_code": "lsoa_code", "total_usual_residents": "residents", "age_0_15": "age_0_15", "age_65_plus": "age_65_plus"}

_REGIONS = {"LAD24CD": "la_code", "LAD24NM": "la_name", "RGN24CD": "region_code", "RGN24NM": "region_name"}


def _read(path: Path, columns: dict[str, str], label: str, numeric: list[str]) -> pd.DataFrame:
    """Check the header, read only ``columns``, rename them; numeric columns must be complete numbers."""
    read_csv_checked_header(path, list(columns), label)
    try:
        frame = pd.read_csv(path, usecols=list(columns), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError, EOFError, OSError) as exc:
        raise DataFileError(f"{label} file '{path}' cannot be read as CSV: {exc}. Restore the original file.", file=path) from None
    frame = frame.rename(columns=columns)[list(columns.values())]
    for col in numeric:
        values = pd.to_numeric(frame[col], errors="coerce")
        bad = values.isna()
        if bad.any():
            i = int(bad.to_numpy().argmax())
            old = next(k for k, v in columns.items() if v == col)
            raise DataFileError(
                f"{label} file '{path}', row {i + 2}, column '{old}': {frame[col].iloc[i]!r} is not a number. Restore the original file.",
                file=path, row=i + 2, column=old,
            )
        frame[col] = values
    return frame


def read_csv_checked_header(path: Path, required: list[str], label: str) -> None:
    """Check that ``path`` exists and its header has ``required`` (reads the first rows only)."""
    if not Path(path).is_file():
        raise DataFileError(f"{label} file '{path}' does not exist. Check the parameter that names it.", file=path)
    try:
        head = pd.read_csv(path, nrows=5, dtype=str, encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, EOFError, OSError) as exc:
        raise DataFileError(f"{label} file '{path}' cannot be read as CSV: {exc}. Restore the original file.", file=path) from None
    missing = [c for c in required if c not in head.columns]
    if missing:
        raise DataFileError(
            f"{label} file '{path}' is missing column(s) {', '.join(repr(c) for c in missing)}. "
            "Restore the original file, or check the parameter that names it.",
            file=path, column=missing[0],
        )


def _unique(frame: pd.DataFrame, key: str, path: Path, label: str) -> pd.DataFrame:
    dup = frame[key].duplicated()
    if dup.any():
        i = int(dup.to_numpy().argmax())
        raise DataFileError(f"{label} file '{path}', row {i + 2}: {frame[key].iloc[i]!r} appears twice. Restore the original file.", file=path, row=i + 2)
    return frame


@read_once
def load_la_summaries(path: Path) -> pd.DataFrame:
    """IoD 2025 File 10: one row per council, ``la_code, la_name`` and the five IMD summary measures."""
    label = "IoD local authority summaries (File 10)"
    frame = _read(path, FILE10, label, [v for k, v in FILE10.items() if k not in ("ltla24_code", "ltla24_name")])
    return _unique(frame, "la_code", path, label)


@read_once
def load_imd_england(path: Path) -> pd.DataFrame:
    """IoD 2025 for every LSOA 2021 in England: ``lsoa_code, la_code, imd_score, imd_rank, imd_decile``."""
    label = "IoD 2025 England LSOA"
    frame = _read(path, _IMD, label, ["imd_score", "imd_rank", "imd_decile"])
    frame["imd_decile"] = frame["imd_decile"].astype(int)
    return _unique(frame, "lsoa_code", path, label)


@read_once
def load_census_age(path: Path) -> pd.DataFrame:
    """Census 2021 usual residents by LSOA 2021: ``lsoa_code, residents, age_0_15, age_65_plus``."""
    label = "Census 2021 age by LSOA"
    frame = _read(path, _AGE, label, ["residents", "age_0_15", "age_65_plus"])
    return _unique(frame, "lsoa_code", path, label)


@read_once
def load_regions(path: Path) -> pd.DataFrame:
    """ONS local authority -> region: ``la_code, la_name, region_code, region_name``."""
    label = "Local authority to region lookup"
    frame = read_csv_checked(path, list(_REGIONS), dtype=str, label=label).rename(columns=_REGIONS)[list(_REGIONS.values())]
    return _unique(frame, "la_code", path, label)
