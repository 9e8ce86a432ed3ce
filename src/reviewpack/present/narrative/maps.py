"""Words on and about the deprivation map: legend entries and the alt text for screen readers."""

from __future__ import annotations

import pandas as pd

#: Title of the map's legend.
LEGEND_TITLE = "National IMD decile"
#: Legend entry for neighbourhoods without a value.
NO_DATA_LABEL = "No data"
#: Legend entry for ward boundaries.
WARD_BOUNDARY_LABEL = "Ward boundary"


def decile_label(d: int) -> str:
    """Legend entry for national IMD decile ``d`` (1..10): the two ends say which is which."""
    if d == 1:
        return "1 – most deprived 10%"
    if d == 10:
        return "10 – least deprived 10%"
    return str(d)


def area_boundary_label(area_label: str) -> str:
    """Legend entry for the area boundaries, e.g. ``Locality boundary``."""
    return f"{area_label} boundary"


def other_areas_label(area_label: str) -> str:
    """Legend entry for the greyed-out areas of a highlighted map, e.g. ``Other locality areas``."""
    return f"Other {area_label.lower()} areas"


def map_alt_text(
    values: pd.Series,
    lsoa_to_area: pd.Series | None = None,
    highlight_area: str | None = None,
    place: str | None = None,
    vintage_label: str | None = None,
    area_label: str = "locality",
) -> str:
    """A sentence describing a :func:`reviewpack.present.maps.decile_map` for screen-reader users.

    Parameters
    ----------
    values : pandas.Series
        LSOA code -> national decile, as passed to :func:`~reviewpack.present.maps.decile_map`.
    lsoa_to_area : pandas.Series, optional
        LSOA code -> area; adds where the most deprived neighbourhoods are.
    highlight_area : str, optional
        The highlighted area, if any.
    place : str, optional
        Name of the borough, e.g. ``"Walsall"``.
    vintage_label : str, optional
        e.g. ``"IoD2025"``.
    area_label : str, default "locality"
        Word for the areas.

    Returns
    -------
    str
        One sentence, e.g. "Map of Walsall's 169 neighbourhoods (LSOAs) shaded by
        national Index of Multiple Deprivation decile (IoD2025), darkest for the
        most deprived 10% in England; 42 are in that most deprived 10%: North 20 of
        34, South 16 of 36, West 5 of 42, East 1 of 57."
    """
    vals = pd.to_numeric(pd.Series(values), errors="coerce").dropna()
    vals.index = vals.index.astype(str)
    n = int(len(vals))
    k = int((vals == 1).sum())
    whose = f"{place}'s" if place else "the"
    edition = f" ({vintage_label})" if vintage_label else ""
    text = (
        f"Map of {whose} {n} neighbourhoods (LSOAs) shaded by national Index of Multiple "
        f"Deprivation decile{edition}, darkest for the most deprived 10% in England; "
        f"{k} {'is' if k == 1 else 'are'} in that most deprived 10%"
    )
    if lsoa_to_area is not None:
        amap = pd.Series(lsoa_to_area)
        amap.index = amap.index.astype(str)
        area = vals.index.map(amap)
        table = (
            pd.DataFrame({"area": area, "d1": (vals == 1).to_numpy()})
            .dropna(subset=["area"])
            .groupby("area")["d1"]
            .agg(["sum", "size"])
            .sort_values(["sum", "size"], ascending=[False, True], kind="stable")
        )
        parts = [f"{a} {int(r['sum'])} of {int(r['size'])}" for a, r in table.iterrows()]
        if parts:
            text += ": " + ", ".join(parts)
    if highlight_area is not None:
        text += (
            f"; the {highlight_area} {area_label} is outlined in bold and the other "
            f"{area_label} areas are greyed out"
        )
    return text + "."
