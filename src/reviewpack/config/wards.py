"""Wards as areas: the built-in ``ward`` grouping, read from the configured LSOA -> ward lookup.

``reviewpack build --grouping ward`` needs no hand-made file: the wards of the local authority in
``geography.lsoa21_ward_lookup`` (or ``lsoa11_ward_lookup``) become the areas, as in a national
build.  The ward boundary vintage is read from the lookup's column names (ONS ``WDyyCD``), never
assumed.  Read with the csv module (no pandas): this runs while the parameters are resolved.
"""

from __future__ import annotations

import csv
import gzip
import re
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

from ..errors import DataFileError
from .paths import data_path

if TYPE_CHECKING:
    from .models import PackParams

#: The name of the built-in grouping (used when ``groupings.options`` has no option of that name).
WARD_GROUPING = "ward"
WARD_LABEL = "Ward"

_WARD_CODE = re.compile(r"^WD(\d\d)CD$")
_WARD_NAME = re.compile(r"^WD(\d\d)NM$")
_LAD_CODE = re.compile(r"^LAD\d\dCD$")


@dataclass(frozen=True)
class WardVintage:
    """The ward boundaries an ONS lookup places LSOAs in.

    Attributes
    ----------
    year : int
        The boundary year (``2024`` for ``WD24CD``).
    column : str
        The lookup's ward code column, e.g. ``WD24CD``.
    parameter : str
        The parameter naming the lookup, e.g. ``geography.lsoa21_ward_lookup``.
    """

    year: int
    column: str
    parameter: str

    @property
    def code(self) -> str:
        """The ONS vintage code, e.g. ``WD24``."""
        return self.column[:-2]


def _open(path: Path) -> IO[str]:
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8-sig", newline="")
    return open(path, encoding="utf-8-sig", newline="")


def ward_lookup_parameter(params: PackParams) -> tuple[str, str] | None:
    """The lookup wards-as-areas are read from: ``(parameter, file)``, LSOA 2021 first; ``None`` if neither is set."""
    g = params.geography
    if g.lsoa21_ward_lookup:
        return "geography.lsoa21_ward_lookup", g.lsoa21_ward_lookup
    if g.lsoa11_ward_lookup:
        return "geography.lsoa11_ward_lookup", g.lsoa11_ward_lookup
    return None


def _ward_columns(fieldnames: list[str], path: Path, parameter: str) -> tuple[str, str | None, str | None]:
    codes = [c for c in fieldnames if _WARD_CODE.match(c)]
    if len(codes) != 1:
        raise DataFileError(
            f"LSOA lookup '{path}' (parameter {parameter}) should have exactly one ward code column in the ONS style "
            f"WDyyCD (yy = the boundary year, e.g. WD24CD); found {', '.join(codes) or 'none'}. Restore the original ONS lookup.",
            file=path,
            parameter=parameter,
        )
    names = [c for c in fieldnames if _WARD_NAME.match(c)]
    lads = [c for c in fieldnames if _LAD_CODE.match(c)]
    return codes[0], (names[0] if names else None), (lads[0] if lads else None)


def ward_vintage(root: Path, params: PackParams, parameter: str, relative: str) -> WardVintage:
    """The ward boundary vintage of one lookup, from its header (``WD24CD`` -> 2024).

    Raises
    ------
    DataFileError
        If the file cannot be read or has no single ``WDyyCD`` column.
    """
    path = data_path(root, params, relative)
    try:
        with _open(path) as fh:
            fieldnames = next(csv.reader(fh), [])
    except (OSError, UnicodeDecodeError, EOFError) as exc:
        raise DataFileError(f"LSOA lookup '{path}' (parameter {parameter}) cannot be read ({exc}). Restore it from git.", file=path, parameter=parameter) from None
    column, _, _ = _ward_columns(fieldnames, path, parameter)
    match = _WARD_CODE.match(column)
    assert match is not None
    return WardVintage(year=2000 + int(match.group(1)), column=column, parameter=parameter)


def ward_vintages(root: Path, params: PackParams) -> tuple[WardVintage, WardVintage | None] | None:
    """The vintage wards-as-areas use, and the other lookup's when it differs; ``None`` when areas come from a mapping file.

    The first is the lookup the wards are read from (:func:`ward_lookup_parameter`); the second is
    the LSOA 2011 lookup's when both are set and its vintage differs (data on LSOA 2011 boundaries
    are placed in wards by it).
    """
    if params.geography.ward_area_mapping is not None:
        return None
    found = ward_lookup_parameter(params)
    if found is None:
        return None
    primary = ward_vintage(root, params, *found)
    g = params.geography
    other = None
    if found[0] == "geography.lsoa21_ward_lookup" and g.lsoa11_ward_lookup:
        other = ward_vintage(root, params, "geography.lsoa11_ward_lookup", g.lsoa11_ward_lookup)
        if other.year == primary.year:
            other = None
    return primary, other


def ward_area_names(wards: dict[str, str]) -> dict[str, str]:
    """Each ward's area name: its own name, or ``"name (code)"`` when two wards share a name.

    Parameters
    ----------
    wards : dict
        ``{ward code: ward name}``.

    Returns
    -------
    dict
        ``{ward code: area name}``, in code order; the names are distinct.
    """
    counts: dict[str, int] = {}
    for name in wards.values():
        counts[name] = counts.get(name, 0) + 1
    return {code: (name if counts[name] == 1 else f"{name} ({code})") for code, name in sorted(wards.items())}


def lookup_wards(root: Path, params: PackParams) -> tuple[WardVintage, dict[str, str]]:
    """The local authority's wards in its configured LSOA -> ward lookup: ``(vintage, {ward code: area name})``.

    Raises
    ------
    ParameterError, DataFileError
        If no lookup is configured, it cannot be read, or it holds no ward of the local authority.
    """
    from ..errors import ParameterError

    found = ward_lookup_parameter(params)
    if found is None:
        raise ParameterError(
            "A ward grouping needs geography.lsoa21_ward_lookup or geography.lsoa11_ward_lookup (an ONS LSOA -> ward lookup).",
            parameter="geography.lsoa21_ward_lookup",
        )
    parameter, relative = found
    path = data_path(root, params, relative)
    la = params.local_authority.code
    wards: dict[str, str] = {}
    try:
        with _open(path) as fh:
            reader = csv.DictReader(fh)
            code_col, name_col, lad_col = _ward_columns(list(reader.fieldnames or []), path, parameter)
            for row in reader:
                if lad_col is not None and row.get(lad_col) != la:
                    continue
                code = (row.get(code_col) or "").strip()
                if code:
                    wards.setdefault(code, (row.get(name_col) or "").strip() if name_col else code)
    except (OSError, UnicodeDecodeError, EOFError, csv.Error) as exc:
        raise DataFileError(f"LSOA lookup '{path}' (parameter {parameter}) cannot be read ({exc}). Restore it from git.", file=path, parameter=parameter) from None
    if not wards:
        raise DataFileError(
            f"LSOA lookup '{path}' (parameter {parameter}) has no wards of local authority '{la}'. Check local_authority.code.",
            file=path,
            parameter="local_authority.code",
        )
    match = _WARD_CODE.match(code_col)
    assert match is not None
    vintage = WardVintage(year=2000 + int(match.group(1)), column=code_col, parameter=parameter)
    return vintage, ward_area_names({c: (n or c) for c, n in wards.items()})
