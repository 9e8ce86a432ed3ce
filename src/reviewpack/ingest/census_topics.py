"""Census 2021 topic summaries by LSOA 2021: raw long CSV -> validated frame (no statistics).

The files (``census2021_lsoa21_walsall_topics.csv``, ``census2021_lsoa21_england_topics.csv.gz``;
data/raw/SOURCES.md §16) are long: one row per LSOA, Census table and category, with
``lsoa21_code, table, topic, unit, category, count``.  The tables are TS038 disability, TS021
ethnic group, TS030 religion, TS011 household deprivation, TS052 occupancy rating, TS054 tenure
and TS044 accommodation type.  ONS perturbs every cell (cell key perturbation), so totals differ
by a few between tables and small counts are approximate.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataFileError, where
from .cache import read_once

__all__ = ["COLUMNS", "load_topics"]

#: The columns read (``topic`` and ``unit`` are descriptive and not needed).
COLUMNS: tuple[str, ...] = ("lsoa21_code", "table", "category", "count")


@read_once
def load_topics(
    path: str | Path,
    tables: Iterable[str],
    lsoa_codes: Iterable[str] | None = None,
    *,
    with_lsoa: bool = True,
    label: str = "Census 2021 topics file",
) -> pd.DataFrame:
    """Read the Census 2021 topic rows of some tables (and LSOAs).

    Parameters
    ----------
    path : str or Path
        The long CSV (plain or ``.csv.gz``).
    tables : iterable of str
        The Census tables wanted (e.g. ``["TS038", "TS011"]``); each must be in the file.
    lsoa_codes : iterable of str, optional
        Keep only these LSOAs (the local authority's); each must be in the file.
    with_lsoa : bool, default True
        ``False`` skips the LSOA column (an England-wide comparator needs only the categories:
        the file is read faster and held in less memory).  Needs ``lsoa_codes=None``.
    label : str
        What the file is, for error messages.

    Returns
    -------
    pandas.DataFrame
        ``lsoa_code`` (unless ``with_lsoa=False``), ``table``, ``category`` (categorical) and
        ``count`` (int64, not negative), in file order.

    Raises
    ------
    DataFileError
        If the file is missing or unreadable, lacks a column, holds a count that is not a
        whole number of at least 0 (naming the row), lacks a table asked for, or lacks an LSOA
        asked for.
    """
    wanted = list(dict.fromkeys(tables))
    usecols = list(COLUMNS) if with_lsoa else [c for c in COLUMNS if c != "lsoa21_code"]
    try:
        raw = pd.read_csv(path, usecols=lambda c: c in usecols, dtype={"table": "category", "category": "category", "lsoa21_code": "str"})
    except FileNotFoundError:
        raise DataFileError(f"{where(path)} was not found; restore it from data/raw (see data/raw/SOURCES.md §16)", file=path) from None
    except (pd.errors.ParserError, UnicodeDecodeError, OSError, EOFError, ValueError) as exc:
        raise DataFileError(f"{where(path)} could not be read as CSV ({exc}); re-download it", file=path) from None
    missing = [c for c in usecols if c not in raw.columns]
    if missing:
        raise DataFileError(
            f"{label} {where(path)} is missing column(s) {', '.join(repr(c) for c in missing)}; it needs "
            f"{', '.join(COLUMNS)} (long format, one row per LSOA, table and category)",
            file=path,
            column=missing[0],
        )
    count = pd.to_numeric(raw["count"], errors="coerce")
    bad = count.isna() | (count < 0) | (count != np.floor(count))
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataFileError(
            f"{where(path, row=i + 2, column='count')} holds {str(raw['count'].iloc[i])!r}; a Census count is a whole number of at least 0 "
            "— re-download the file",
            file=path,
            row=i + 2,
            column="count",
        )
    raw["count"] = count.astype("int64")
    have = set(raw["table"].cat.categories)
    absent = [t for t in wanted if t not in have]
    if absent:
        raise DataFileError(
            f"{label} {where(path, column='table')} has no rows for Census table(s) {', '.join(absent)} "
            f"(it has {', '.join(sorted(have))})",
            file=path,
            column="table",
        )
    keep = raw["table"].isin(wanted)
    if lsoa_codes is not None:
        codes = set(lsoa_codes)
        keep &= raw["lsoa21_code"].isin(codes)
        found = set(raw.loc[keep, "lsoa21_code"])
        lacking = sorted(codes - found)
        if lacking:
            raise DataFileError(
                f"{label} {where(path, column='lsoa21_code')} has no rows for {len(lacking)} of the local authority's "
                f"{len(codes)} LSOAs (e.g. {lacking[0]}); it must hold every LSOA 2021 of the local authority",
                file=path,
                column="lsoa21_code",
            )
    out = raw.loc[keep].rename(columns={"lsoa21_code": "lsoa_code"}).reset_index(drop=True)
    out["table"] = out["table"].cat.remove_unused_categories()
    out["category"] = out["category"].cat.remove_unused_categories()
    out.attrs = {"source": str(path)}
    return out
