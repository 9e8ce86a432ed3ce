"""Deprivation maps drawn with matplotlib alone (no geopandas, no shapely).

Boundaries are read by :mod:`reviewpack.ingest.boundaries`; every word on the map (legend
entries, alt text) comes from :mod:`reviewpack.present.narrative.maps`.

Each LSOA becomes one compound :class:`matplotlib.path.Path` inside a single
:class:`~matplotlib.collections.PatchCollection`, and all boundary arcs go into
two :class:`~matplotlib.collections.LineCollection` objects, so the figure holds
a handful of artists whatever the number of vertices, and nothing is simplified.

Functions return a :class:`matplotlib.figure.Figure` created without pyplot (no
global state); display it with ``IPython.display.display(fig)`` or save it with
``fig.savefig``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd
from matplotlib import colormaps, patheffects
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath

from ..errors import ParameterError, ReconciliationError, where
from ..ingest.boundaries import Polygon, boundary_arcs, centroid, read_geojson_polygons, read_topojson, signed_area, topology_polygons
from .narrative.maps import (
    LEGEND_TITLE,
    NO_DATA_LABEL,
    WARD_BOUNDARY_LABEL,
    area_boundary_label,
    decile_label,
    other_areas_label,
)

__all__ = [
    "DECILE_COLOURS",
    "NO_DATA_COLOUR",
    "decile_map",
]


#: Colour for national deciles 1..10: viridis (colour-blind safe, perceptually
#: uniform, prints in greyscale), decile 1 = darkest.
DECILE_COLOURS: tuple[str, ...] = tuple(
    to_hex(colormaps["viridis"](i / 9)) for i in range(10)
)
#: Fill for an LSOA with no value.
NO_DATA_COLOUR = "#f2f2f2"
_GREY_OUT = "#d9d9d9"
_WARD_LINE = "#8c8c8c"
_AREA_LINE = "#111111"


def _compound_path(polygons: Iterable[Polygon]) -> MplPath:
    """One Path for a feature: exteriors anticlockwise, holes clockwise (non-zero fill)."""
    verts, codes = [], []
    for poly in polygons:
        for k, ring in enumerate(poly):
            if len(ring) < 3:
                continue
            area = signed_area(ring)
            if (k == 0 and area < 0) or (k > 0 and area > 0):
                ring = ring[::-1]
            if not np.array_equal(ring[0], ring[-1]):
                ring = np.vstack([ring, ring[:1]])
            verts.append(ring)
            c = np.full(len(ring), MplPath.LINETO, dtype=np.uint8)
            c[0] = MplPath.MOVETO
            c[-1] = MplPath.CLOSEPOLY
            codes.append(c)
    return MplPath(np.concatenate(verts), np.concatenate(codes))



def decile_map(
    lsoa_geojson_path: str | Path,
    values: pd.Series,
    ward_topojson_path: str | Path,
    ward_to_area: pd.Series,
    highlight_area: str | None = None,
    ax: Axes | None = None,
    *,
    lsoa_code_property: str | None = None,
    ward_code_property: str | None = None,
    area_label: str = "Locality",
    label_areas: bool = True,
    title: str | None = None,
    figsize: tuple[float, float] = (7.0, 5.4),
) -> Figure:
    """Choropleth of LSOAs by national IMD decile with ward and area boundaries.

    Parameters
    ----------
    lsoa_geojson_path : str or pathlib.Path
        LSOA boundaries (GeoJSON, lon/lat), e.g. ``data/raw/walsall_lsoa_2021.geojson``
        for IoD2025 or ``walsall_lsoa_2011.geojson`` for IoD2015/2019.
    values : pandas.Series
        LSOA code -> national decile 1..10 (e.g. ``imd.set_index("lsoa_code")
        ["imd_decile"]``).  LSOAs on the map without a value are drawn as "no data";
        extra codes are ignored.
    ward_topojson_path : str or pathlib.Path
        Ward boundaries (TopoJSON), e.g. ``data/raw/walsall_wards_2013.topojson``.
    ward_to_area : pandas.Series
        Ward code -> area name (e.g. locality); every ward in the topology needs one.
    highlight_area : str, optional
        If given, every other area is greyed out and this area's boundary drawn
        heavier.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; default a new figure of ``figsize``.
    lsoa_code_property, ward_code_property : str, optional
        Feature properties holding the codes (default: the only ``…CD`` property).
    area_label : str, default "Locality"
        Word used in the legend ("Locality boundary").
    label_areas : bool, default True
        Write each area's name at its centre.
    title : str, optional
        Axes title (the notebook usually gives the title and alt text instead).
    figsize : tuple, default (7.0, 5.4)
        Size in inches when a new figure is made.

    Returns
    -------
    matplotlib.figure.Figure
        The figure (not saved, not shown).  Artists carry gids:
        ``lsoa-fill`` (one path per LSOA), ``ward-boundaries``,
        ``area-boundaries``, and with ``highlight_area`` ``greyed-areas`` and
        ``highlight-boundary``.  The axes use an equal-area-looking aspect of
        1 / cos(mean latitude).

    Raises
    ------
    ReconciliationError
        If no mapped LSOA has a value (probably the wrong LSOA vintage), or a ward
        has no area.
    ParameterError
        If a value is not a decile 1..10, or ``highlight_area`` is unknown.
    """
    lsoas = read_geojson_polygons(lsoa_geojson_path, lsoa_code_property)
    topo = read_topojson(ward_topojson_path, code_property=ward_code_property)
    arcs = boundary_arcs(topo, ward_to_area)
    mapping = {str(k): v for k, v in ward_to_area.items()}
    areas = sorted({mapping[c] for c in topo.codes}, key=str)
    if highlight_area is not None and highlight_area not in areas:
        raise ParameterError(
            f"highlight_area '{highlight_area}' is not one of the areas: {', '.join(map(str, areas))}"
        )

    vals = pd.Series(values)
    vals.index = vals.index.astype(str)
    vals = pd.to_numeric(vals, errors="coerce")
    codes = sorted(lsoas)
    on_map = vals.reindex(codes)
    if on_map.notna().sum() == 0:
        raise ReconciliationError(
            f"none of the {len(codes)} LSOAs in {where(lsoa_geojson_path)} has a value; check "
            "that the deciles use the same LSOA vintage as the boundaries (2011 for "
            "IoD2015/2019, 2021 for IoD2025)",
            file=lsoa_geojson_path,
        )
    bad = on_map.dropna()
    bad = bad[~bad.isin(range(1, 11))]
    if not bad.empty:
        raise ParameterError(
            f"decile values must be whole numbers 1..10; LSOA {bad.index[0]} has {bad.iloc[0]}"
        )

    if ax is None:
        fig = Figure(figsize=figsize, layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = cast(Figure, ax.figure)  # the axes' figure (a SubFigure draws like one)

    faces = [
        DECILE_COLOURS[int(v) - 1] if pd.notna(v) else NO_DATA_COLOUR for v in on_map.to_numpy()
    ]
    fill = PatchCollection(
        [PathPatch(_compound_path(lsoas[c])) for c in codes],
        facecolors=faces,
        edgecolors=faces,
        linewidths=0.3,
        zorder=1,
    )
    fill.set_gid("lsoa-fill")
    fill.set_label("LSOAs")
    ax.add_collection(fill)

    if highlight_area is not None:
        ward_polys = topology_polygons(topo)
        others = [c for c in topo.codes if mapping[c] != highlight_area]
        grey = PatchCollection(
            [PathPatch(_compound_path(ward_polys[c])) for c in others],
            facecolors=_GREY_OUT,
            edgecolors="none",
            alpha=0.85,
            zorder=2,
        )
        grey.set_gid("greyed-areas")
        ax.add_collection(grey)

    ward_lines = LineCollection(
        [topo.arcs[i] for i in arcs["ward"]], colors=_WARD_LINE, linewidths=0.5, zorder=3
    )
    ward_lines.set_gid("ward-boundaries")
    ax.add_collection(ward_lines)

    halo = [patheffects.withStroke(linewidth=3.0, foreground="white")]
    area_lines = LineCollection(
        [topo.arcs[i] for i in arcs["area"] + arcs["outer"]],
        colors=_AREA_LINE,
        linewidths=1.4,
        zorder=4,
        path_effects=halo,
    )
    area_lines.set_gid("area-boundaries")
    ax.add_collection(area_lines)

    if highlight_area is not None:
        mine = {c for c in topo.codes if mapping[c] == highlight_area}
        users: dict[int, set] = {}
        for code, parts in zip(topo.codes, topo.polygons):
            for rings in parts:
                for ring in rings:
                    for i in ring:
                        users.setdefault(i if i >= 0 else ~i, set()).add(code)
        edge = [
            i
            for i in arcs["area"] + arcs["outer"]
            if users[i] & mine
        ]
        hl = LineCollection(
            [topo.arcs[i] for i in edge], colors=_AREA_LINE, linewidths=2.6, zorder=5
        )
        hl.set_gid("highlight-boundary")
        ax.add_collection(hl)

    if label_areas:
        ward_polys = topology_polygons(topo)
        text_halo = [patheffects.withStroke(linewidth=2.5, foreground="white")]
        for area in areas:
            cents = [centroid(ward_polys[c]) for c in topo.codes if mapping[c] == area]
            total = sum(a for _, _, a in cents)
            if total <= 0:
                continue
            x = sum(cx * a for cx, _, a in cents) / total
            y = sum(cy * a for _, cy, a in cents) / total
            dim = highlight_area is not None and area != highlight_area
            ax.text(
                x, y, str(area), ha="center", va="center", fontsize=9,
                fontweight="bold", color="#595959" if dim else "#111111",
                path_effects=text_halo, zorder=6,
            )

    allxy = np.concatenate(topo.arcs + tuple(r for c in codes for p in lsoas[c] for r in p))
    (x0, y0), (x1, y1) = allxy.min(axis=0), allxy.max(axis=0)
    mx, my = (x1 - x0) * 0.02, (y1 - y0) * 0.02
    ax.set_xlim(x0 - mx, x1 + mx)
    ax.set_ylim(y0 - my, y1 + my)
    ax.set_aspect(1.0 / np.cos(np.radians((y0 + y1) / 2)))
    ax.set_axis_off()

    handles: list[Artist] = [Patch(facecolor=DECILE_COLOURS[d - 1], label=decile_label(d)) for d in range(1, 11)]
    if on_map.isna().any():
        handles.append(Patch(facecolor=NO_DATA_COLOUR, edgecolor="#bdbdbd", label=NO_DATA_LABEL))
    handles.append(Line2D([], [], color=_AREA_LINE, linewidth=1.4, label=area_boundary_label(area_label)))
    handles.append(Line2D([], [], color=_WARD_LINE, linewidth=0.8, label=WARD_BOUNDARY_LABEL))
    if highlight_area is not None:
        handles.append(Patch(facecolor=_GREY_OUT, label=other_areas_label(area_label)))
    ax.legend(
        handles=handles,
        title=LEGEND_TITLE,
        loc="center left",
        bbox_to_anchor=(1.0, 0.5),
        frameon=False,
        fontsize=8,
        title_fontsize=9,
        alignment="left",
    )
    if title:
        ax.set_title(title, loc="left", fontsize=11)
    return fig

