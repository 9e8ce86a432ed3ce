"""The ward boundary vintage a pack's areas are drawn on (title block "Wards" line).

The years and ONS codes come from the lookups' column names (:mod:`reviewpack.config.wards`),
never from this module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ...config.wards import WardVintage


def ward_vintage_line(primary: WardVintage, lsoa11: WardVintage | None = None) -> str:
    """The title block's "Wards" value: ``"2024 boundaries (ONS WD24)"``.

    Parameters
    ----------
    primary : WardVintage
        The lookup the wards (the areas) are read from.
    lsoa11 : WardVintage, optional
        The LSOA 2011 lookup's vintage when it differs: data on LSOA 2011 boundaries are placed in
        wards by it, and the line says so.
    """
    line = f"{primary.year} boundaries (ONS {primary.code})"
    if lsoa11 is not None:
        line += f"; data on 2011 LSOAs placed in wards by the ONS {lsoa11.year} lookup ({lsoa11.code})"
    return line
