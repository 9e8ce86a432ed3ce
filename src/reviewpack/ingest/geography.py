"""Stage 2 -- geography: LSOA (2011 or 2021) -> ward -> area partnership -> locality.

LSOAs are placed in wards by the ONS best-fit lookups (each LSOA goes to the
ward holding its population-weighted centroid).  Wards are grouped into pack
areas by a ward -> area mapping file (for Walsall, ``walsall_ward_locality.csv``
with columns ``ward_code, ward_name, area_partnership, area_partnership_name,
locality``); which column defines the areas is a parameter
(``geography.grouping``), so nothing about a particular council is coded here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ..config.wards import ward_area_names
from ..errors import DataFileError, ReconciliationError
from .cache import read_once
from .files import read_csv_checked

_LSOA_COL = re.compile(r"^LSOA(11|21)CD$")
_LSOA_NAME_COL = re.compile(r"^LSOA(11|21)NM$")
_WARD_COL = re.compile(r"^WD\d\dCD$")
_WARD_NAME_COL = re.compile(r"^WD\d\dNM$")
_LAD_COL = re.compile(r"^LAD\d\dCD$")


@read_once
def load_ward_areas(path: Path, grouping: str, column: str | None = None) -> pd.DataFrame:
    """Read the ward -> area mapping and add an ``area`` column from the grouping's column.

    Parameters
    ----------
    path : Path
        CSV with at least ``ward_code, ward_name`` and the grouping column.
    grouping : str
        The grouping's name (e.g. ``locality``): the area column of every table is named after it.
    column : str, optional
        The column holding the area names, when it differs from ``grouping`` (e.g. grouping
        ``area_partnership`` with names in ``area_partnership_name``).

    Returns
    -------
    DataFrame
        One row per ward: the file's columns plus ``area``; the column ``grouping`` holds the area names.

    Raises
    ------
    DataFileError
        Missing columns, a ward listed twice, or a ward without an area.
    """
    source = column or grouping
    wards = read_csv_checked(path, ["ward_code", "ward_name", source], dtype=str, label="Ward-to-area mapping")
    dup = wards.loc[wards["ward_code"].duplicated(keep=False), "ward_code"]
    if not dup.empty:
        raise DataFileError(
            f"Ward-to-area mapping '{path}' lists ward(s) {', '.join(sorted(set(dup)))} more than once. "
            "Each ward must be in exactly one area: remove the duplicate row(s).",
            file=path,
            column="ward_code",
        )
    blank = wards.loc[wards[source].isna() | (wards[source].str.strip() == ""), "ward_code"]
    if not blank.empty:
        rows = [int(i) + 2 for i in blank.index]
        raise DataFileError(
            f"Ward-to-area mapping '{path}', column '{source}': ward(s) {', '.join(blank)} (row(s) "
            f"{', '.join(map(str, rows))}) have no area. Fill in the area for every ward.",
            file=path,
            row=rows[0],
            column=source,
        )
    wards = wards.copy()
    wards["area"] = wards[source].str.strip()
    wards[grouping] = wards["area"]
    return wards


def wards_from_lookup(lookup: pd.DataFrame, grouping: str) -> pd.DataFrame:
    """Make every ward its own area (for a council without a ward -> area mapping).

    Parameters
    ----------
    lookup : DataFrame
        From :func:`load_lsoa_lookup` (``ward_code, ward_name``).
    grouping : str
        Name of the grouping column to add (e.g. ``ward``).

    Returns
    -------
    DataFrame
        ``ward_code, ward_name, area, <grouping>``, one row per ward; a ward name shared by two
        wards gets its code appended so areas stay distinct.
    """
    wards = lookup[["ward_code", "ward_name"]].drop_duplicates("ward_code").sort_values("ward_code").reset_index(drop=True)
    # the rule `--grouping ward` names its packs by (config.wards), so a pack's area is always found
    wards["area"] = wards["ward_code"].map(ward_area_names(dict(zip(wards["ward_code"], wards["ward_name"], strict=True))))
    wards[grouping] = wards["area"]
    return wards


def _find_col(columns: list[str], pattern: re.Pattern[str], what: str, path: Path) -> str:
    found = [c for c in columns if pattern.match(c)]
    if len(found) != 1:
        raise DataFileError(
            f"LSOA lookup '{path}' should have exactly one {what} column (ONS style, e.g. "
            f"{pattern.pattern.strip('^$')}); found {found or 'none'}. Restore the original ONS lookup, or check "
            "the parameter that names it (geography.lsoa11_ward_lookup / lsoa21_ward_lookup).",
            file=path,
        )
    return found[0]


@read_once
def load_lsoa_lookup(path: Path, la_code: str | None = None) -> pd.DataFrame:
    """Read an ONS LSOA -> ward best-fit lookup and standardise its columns.

    Works with any vintage that uses ONS column names (``LSOA11CD``/``LSOA21CD``,
    ``WDyyCD``/``WDyyNM``, ``LADyyCD``), for one council or all of England.

    Parameters
    ----------
    path : Path
        The lookup CSV (plain or gzip).
    la_code : str, optional
        Keep only this local authority's LSOAs (needs a ``LADyyCD`` column).

    Returns
    -------
    DataFrame
        ``lsoa_code, lsoa_name, ward_code, ward_name`` (and ``la_code`` when present), one row per LSOA.
    """
    path = Path(path)
    header = read_csv_checked(path, [], dtype=str, label="LSOA lookup")
    cols = list(header.columns)
    lsoa = _find_col(cols, _LSOA_COL, "LSOA code", path)
    ward = _find_col(cols, _WARD_COL, "ward code", path)
    rename = {lsoa: "lsoa_code", ward: "ward_code"}
    for pattern, new in ((_LSOA_NAME_COL, "lsoa_name"), (_WARD_NAME_COL, "ward_name"), (_LAD_COL, "la_code")):
        hit = [c for c in cols if pattern.match(c)]
        if hit:
            rename[hit[0]] = new
    out = header[list(rename)].rename(columns=rename)
    if la_code is not None and "la_code" in out.columns:
        out = out[out["la_code"] == la_code]
        if out.empty:
            raise DataFileError(
                f"LSOA lookup '{path}' has no LSOAs of local authority '{la_code}'. Check local_authority.code.",
                file=path,
                parameter="local_authority.code",
            )
    dup = out["lsoa_code"].duplicated(keep=False)
    if dup.any():
        raise DataFileError(
            f"LSOA lookup '{path}' places LSOA(s) {', '.join(sorted(set(out.loc[dup, 'lsoa_code']))[:5])} in more than one ward; "
            "a best-fit lookup has one row per LSOA.",
            file=path,
            column=lsoa,
        )
    if "lsoa_name" not in out.columns:
        out["lsoa_name"] = out["lsoa_code"]
    return out.reset_index(drop=True)


def lsoa_areas(lookup: pd.DataFrame, wards: pd.DataFrame) -> pd.DataFrame:
    """Place every LSOA in its ward's area.

    Parameters
    ----------
    lookup : DataFrame
        From :func:`load_lsoa_lookup`.
    wards : DataFrame
        From :func:`load_ward_areas`.

    Returns
    -------
    DataFrame
        One row per LSOA: ``lsoa_code, lsoa_name, ward_code, ward_name`` plus every column of the
        mapping (e.g. ``area_partnership, locality``) and ``area``.

    Raises
    ------
    ReconciliationError
        If an LSOA's ward is not in the mapping (so it would belong to no area).
    """
    lk = lookup.drop(columns=[c for c in ("ward_name",) if c in lookup.columns and c in wards.columns])
    # the checks load_lsoa_lookup and load_ward_areas make, repeated for frames built elsewhere:
    # without them a repeated ward would duplicate its LSOAs (or raise pandas' MergeError)
    for frame, key, what in ((lk, "lsoa_code", "The LSOA lookup"), (wards, "ward_code", "The ward-to-area mapping")):
        dup = frame.loc[frame[key].duplicated(keep=False), key]
        if not dup.empty:
            raise ReconciliationError(
                f"{what} lists {key.split('_')[0].upper() if key == 'lsoa_code' else 'ward'}(s) "
                f"{', '.join(map(str, sorted(set(dup))[:5]))} more than once, so an LSOA would be counted twice. "
                "Each must appear once: remove the duplicate row(s)."
            )
    blank = wards.loc[wards["area"].isna(), "ward_code"]
    if not blank.empty:
        raise ReconciliationError(
            f"The ward-to-area mapping gives ward(s) {', '.join(map(str, sorted(blank)[:5]))} no area. "
            "Fill in the area of every ward (parameter geography.ward_area_mapping).",
            parameter="geography.ward_area_mapping",
        )
    merged = lk.merge(wards, on="ward_code", how="left", validate="many_to_one")
    orphan = merged.loc[merged["area"].isna()]
    if not orphan.empty:
        wards_missing = sorted({"(blank)" if pd.isna(w) else str(w) for w in orphan["ward_code"]})
        raise ReconciliationError(
            f"{len(orphan)} LSOA(s) are in ward(s) {', '.join(wards_missing)}, which the ward-to-area mapping does not list. "
            "Add those wards to the mapping file (parameter geography.ward_area_mapping).",
            parameter="geography.ward_area_mapping",
        )
    lead = ["lsoa_code", "lsoa_name", "ward_code", "ward_name"]
    rest = [c for c in merged.columns if c not in lead]
    return merged[lead + rest].sort_values("lsoa_code").reset_index(drop=True)


def check_one_area_per_lsoa(areas: pd.DataFrame) -> dict[str, int]:
    """Reconciliation: every LSOA appears once and has exactly one area.

    Returns
    -------
    dict
        ``{"lsoas": n, "areas": k}`` for the manifest.

    Raises
    ------
    ReconciliationError
        If an LSOA is repeated or has no area.
    """
    dup = areas["lsoa_code"].duplicated(keep=False)
    if dup.any() or areas["area"].isna().any():
        raise ReconciliationError(
            "Geography check failed: every LSOA must be assigned to exactly one area; "
            f"{int(dup.sum())} duplicated and {int(areas['area'].isna().sum())} unassigned."
        )
    return {"lsoas": int(len(areas)), "areas": int(areas["area"].nunique())}


def area_order(wards: pd.DataFrame) -> list[str]:
    """Areas in a stable reading order: the order they first appear in the mapping file, sorted by name."""
    return sorted(wards["area"].unique())
