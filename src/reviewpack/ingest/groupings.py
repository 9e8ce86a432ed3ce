"""Stage 2 -- grouping files: a CSV mapping each ward code to an area name, checked against the
borough's wards.

For Walsall the four Localities and the six Area Partnerships both come from
``walsall_ward_locality.csv``; a user can add a file of their own (``groupings.options``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import DataFileError
from .files import read_csv_checked


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
            + "; ".join(problems) + ". Fix the file so each of the borough's wards appears once.",
            file=path,
            column=column if not blank.empty else None,
        )
    wards = pd.DataFrame({"ward_code": table["ward_code"], "area": table[column].astype(str).str.strip()})
    return Grouping(name=name, label=label, wards=wards)
