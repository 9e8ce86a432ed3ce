"""Deprivation maps drawn with matplotlib alone (no geopandas, no shapely).

Neighbourhoods (LSOAs) come from GeoJSON; ward boundaries from TopoJSON, whose
shared arcs give the area (e.g. locality) boundaries for free: an arc used by two
wards in different areas is an area boundary, an arc used by one ward only is the
outer edge of the borough.

Each LSOA becomes one compound :class:`matplotlib.path.Path` inside a single
:class:`~matplotlib.collections.PatchCollection`, and all boundary arcs go into
two :class:`~matplotlib.collections.LineCollection` objects, so the figure holds
a handful of artists whatever the number of vertices, and nothing is simplified.

Functions return a :class:`matplotlib.figure.Figure` created without pyplot (no
global state); display it with ``IPython.display.display(fig)`` or save it with
``fig.savefig``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath

from .errors import DataFileError, ParameterError, ReconciliationError, where

__all__ = [
    "DECILE_COLOURS",
    "NO_DATA_COLOUR",
    "Topology",
    "read_geojson_polygons",
    "read_topojson",
    "topology_polygons",
    "boundary_arcs",
    "decile_map",
    "map_alt_text",
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

Ring = np.ndarray  # (n, 2) lon/lat
Polygon = list  # list[Ring]: exterior first, then holes


# --------------------------------------------------------------------------- #
# Reading
# --------------------------------------------------------------------------- #


def _load_json(path: str | Path) -> dict:
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        raise DataFileError(
            f"{where(path)} was not found; restore it from data/raw (see data/raw/SOURCES.md)"
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataFileError(f"{where(path)} is not valid JSON ({exc}); re-download it") from None


def _pick_code_property(props: Mapping[str, object], path: object, wanted: str | None) -> str:
    if wanted is not None:
        if wanted not in props:
            raise DataFileError(
                f"{where(path)} has no property '{wanted}' on its features; available: "
                f"{', '.join(map(str, props))}"
            )
        return wanted
    codes = [k for k in props if str(k).upper().endswith("CD")]
    if len(codes) == 1:
        return codes[0]
    raise DataFileError(
        f"{where(path)}: cannot tell which feature property holds the area code "
        f"(candidates: {', '.join(codes) or 'none'}); pass the property name explicitly"
    )


def _polygons_of(geometry: Mapping, path: object) -> list[Polygon]:
    kind = geometry.get("type") if geometry else None
    coords = geometry.get("coordinates") if geometry else None
    if kind == "Polygon":
        parts = [coords]
    elif kind == "MultiPolygon":
        parts = coords
    else:
        raise DataFileError(
            f"{where(path)} holds a {kind!r} geometry; only Polygon and MultiPolygon are "
            "supported for area maps"
        )
    return [[np.asarray(ring, dtype=float)[:, :2] for ring in part] for part in parts]


def read_geojson_polygons(
    path: str | Path, code_property: str | None = None
) -> dict[str, list[Polygon]]:
    """Read Polygon/MultiPolygon features from a GeoJSON file.

    Parameters
    ----------
    path : str or pathlib.Path
        GeoJSON FeatureCollection in lon/lat (CRS84), e.g.
        ``data/raw/walsall_lsoa_2021.geojson``.
    code_property : str, optional
        Feature property holding the code (``LSOA21CD``, ``LSOA11CD``…).  By
        default the only property whose name ends in ``CD``.

    Returns
    -------
    dict
        ``code -> list of polygons``; each polygon is a list of ``(n, 2)`` arrays of
        lon/lat (exterior ring first, then holes), in file order.

    Raises
    ------
    DataFileError
        Missing or invalid file, no code property, repeated codes, or a geometry
        that is not a (Multi)Polygon.
    """
    data = _load_json(path)
    feats = data.get("features") or []
    if not feats:
        raise DataFileError(f"{where(path)} has no features; is it a GeoJSON FeatureCollection?")
    prop = _pick_code_property(feats[0].get("properties") or {}, path, code_property)
    out: dict[str, list[Polygon]] = {}
    for feat in feats:
        code = str((feat.get("properties") or {}).get(prop))
        if code in out:
            raise DataFileError(f"{where(path)} repeats feature '{code}' in property '{prop}'")
        out[code] = _polygons_of(feat.get("geometry") or {}, path)
    return out


@dataclass(frozen=True)
class Topology:
    """A decoded TopoJSON object.

    Attributes
    ----------
    arcs : tuple of numpy.ndarray
        Every arc as absolute lon/lat coordinates, shape ``(n, 2)``.
    codes : tuple of str
        Code of each geometry (its code property, else its ``id``).
    polygons : tuple
        For each geometry, a list of polygons, each a list of rings, each a list of
        arc indices (TopoJSON convention: ``~i`` means arc ``i`` reversed).
    source : str
        The file read.
    """

    arcs: tuple[np.ndarray, ...]
    codes: tuple[str, ...]
    polygons: tuple[list, ...]
    source: str


def read_topojson(
    path: str | Path, object_name: str | None = None, code_property: str | None = None
) -> Topology:
    """Read and decode a TopoJSON file (quantised, delta-encoded arcs).

    Parameters
    ----------
    path : str or pathlib.Path
        TopoJSON file, e.g. ``data/raw/walsall_wards_2013.topojson``.
    object_name : str, optional
        Which object to read; default the only one.
    code_property : str, optional
        Geometry property holding the code (default: the only property ending in
        ``CD``, else the geometry ``id``).

    Returns
    -------
    Topology
        Arcs in absolute lon/lat — with a ``transform``, positions are
        delta-encoded integers: cumulative sums times ``scale`` plus ``translate`` —
        and each geometry's polygons as arc-index rings.
    """
    data = _load_json(path)
    if data.get("type") != "Topology":
        raise DataFileError(f"{where(path)} is not a TopoJSON Topology")
    objects = data.get("objects") or {}
    if object_name is None:
        if len(objects) != 1:
            raise DataFileError(
                f"{where(path)} holds {len(objects)} objects ({', '.join(objects)}); pass "
                "object_name"
            )
        object_name = next(iter(objects))
    if object_name not in objects:
        raise DataFileError(f"{where(path)} has no object '{object_name}'")
    transform = data.get("transform")
    arcs = []
    for arc in data.get("arcs", []):
        a = np.asarray(arc, dtype=float)[:, :2]
        if transform:
            a = np.cumsum(a, axis=0) * np.asarray(transform["scale"], float) + np.asarray(
                transform["translate"], float
            )
        arcs.append(a)
    obj = objects[object_name]
    geoms = obj.get("geometries", [obj])
    codes, polys = [], []
    prop = None
    for g in geoms:
        props = g.get("properties") or {}
        if prop is None and (props or code_property):
            try:
                prop = _pick_code_property(props, path, code_property)
            except DataFileError:
                if code_property is not None:
                    raise
                prop = ""
        code = props.get(prop) if prop else g.get("id")
        if code is None:
            raise DataFileError(f"{where(path)} has a geometry with no code or id")
        kind = g.get("type")
        if kind == "Polygon":
            parts = [g["arcs"]]
        elif kind == "MultiPolygon":
            parts = g["arcs"]
        else:
            raise DataFileError(
                f"{where(path)} holds a {kind!r} geometry; only Polygon and MultiPolygon are "
                "supported"
            )
        codes.append(str(code))
        polys.append(parts)
    return Topology(tuple(arcs), tuple(codes), tuple(polys), str(path))


def _arc(topology: Topology, index: int) -> np.ndarray:
    return topology.arcs[index] if index >= 0 else topology.arcs[~index][::-1]


def topology_polygons(topology: Topology) -> dict[str, list[Polygon]]:
    """Assemble each geometry's rings from its arcs.

    Parameters
    ----------
    topology : Topology
        From :func:`read_topojson`.

    Returns
    -------
    dict
        ``code -> list of polygons`` as in :func:`read_geojson_polygons`.
    """
    out: dict[str, list[Polygon]] = {}
    for code, parts in zip(topology.codes, topology.polygons):
        polys = []
        for rings in parts:
            built = []
            for ring in rings:
                pieces = [_arc(topology, i) for i in ring]
                pts = np.concatenate([pieces[0]] + [p[1:] for p in pieces[1:]])
                built.append(pts)
            polys.append(built)
        out[code] = polys
    return out


def boundary_arcs(topology: Topology, ward_to_area: Mapping | pd.Series) -> dict[str, list[int]]:
    """Classify TopoJSON arcs as ward-internal, area boundary or outer boundary.

    Parameters
    ----------
    topology : Topology
        Ward topology from :func:`read_topojson`.
    ward_to_area : pandas.Series or mapping
        Ward code -> area (e.g. locality).

    Returns
    -------
    dict
        ``{"ward": [...], "area": [...], "outer": [...]}`` lists of arc indices:
        ``ward`` arcs separate two wards of the same area, ``area`` arcs separate
        wards in different areas, ``outer`` arcs belong to one ward only (the edge
        of the mapped district).

    Raises
    ------
    ReconciliationError
        If a ward in the topology has no area.
    """
    mapping = dict(ward_to_area.items()) if hasattr(ward_to_area, "items") else dict(ward_to_area)
    missing = [c for c in topology.codes if c not in mapping]
    if missing:
        raise ReconciliationError(
            f"{len(missing)} ward(s) in {where(topology.source)} have no area in the ward → "
            f"area lookup (e.g. {', '.join(missing[:5])}); check that both use the same ward "
            "codes"
        )
    users: dict[int, list[str]] = {}
    for code, parts in zip(topology.codes, topology.polygons):
        for rings in parts:
            for ring in rings:
                for i in ring:
                    users.setdefault(i if i >= 0 else ~i, []).append(code)
    out: dict[str, list[int]] = {"ward": [], "area": [], "outer": []}
    for idx in sorted(users):
        wards = users[idx]
        if len(wards) == 1:
            out["outer"].append(idx)
        elif len({mapping[w] for w in wards}) > 1:
            out["area"].append(idx)
        else:
            out["ward"].append(idx)
    return out


# --------------------------------------------------------------------------- #
# Drawing
# --------------------------------------------------------------------------- #


def _signed_area(ring: np.ndarray) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def _compound_path(polygons: Iterable[Polygon]) -> MplPath:
    """One Path for a feature: exteriors anticlockwise, holes clockwise (non-zero fill)."""
    verts, codes = [], []
    for poly in polygons:
        for k, ring in enumerate(poly):
            if len(ring) < 3:
                continue
            area = _signed_area(ring)
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


def _centroid(polygons: Iterable[Polygon]) -> tuple[float, float, float]:
    """Area-weighted centroid of the exterior rings: (x, y, area)."""
    sx = sy = sa = 0.0
    for poly in polygons:
        ring = poly[0]
        x, y = ring[:, 0], ring[:, 1]
        x1, y1 = np.roll(x, -1), np.roll(y, -1)
        cross = x * y1 - x1 * y
        a = cross.sum() / 2
        if a == 0:
            continue
        sx += ((x + x1) * cross).sum() / 6
        sy += ((y + y1) * cross).sum() / 6
        sa += a
    if sa == 0:
        ring = next(iter(polygons))[0]
        return float(ring[:, 0].mean()), float(ring[:, 1].mean()), 0.0
    return sx / sa, sy / sa, abs(sa)


def _decile_label(d: int) -> str:
    if d == 1:
        return "1 – most deprived 10%"
    if d == 10:
        return "10 – least deprived 10%"
    return str(d)


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
            "IoD2015/2019, 2021 for IoD2025)"
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
        fig = ax.figure

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
        mine = set(c for c in topo.codes if mapping[c] == highlight_area)
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
            cents = [_centroid(ward_polys[c]) for c in topo.codes if mapping[c] == area]
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

    handles = [Patch(facecolor=DECILE_COLOURS[d - 1], label=_decile_label(d)) for d in range(1, 11)]
    if on_map.isna().any():
        handles.append(Patch(facecolor=NO_DATA_COLOUR, edgecolor="#bdbdbd", label="No data"))
    handles.append(Line2D([], [], color=_AREA_LINE, linewidth=1.4, label=f"{area_label} boundary"))
    handles.append(Line2D([], [], color=_WARD_LINE, linewidth=0.8, label="Ward boundary"))
    if highlight_area is not None:
        handles.append(Patch(facecolor=_GREY_OUT, label=f"Other {area_label.lower()} areas"))
    ax.legend(
        handles=handles,
        title="National IMD decile",
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


def map_alt_text(
    values: pd.Series,
    lsoa_to_area: pd.Series | None = None,
    highlight_area: str | None = None,
    place: str | None = None,
    vintage_label: str | None = None,
    area_label: str = "locality",
) -> str:
    """A sentence describing a :func:`decile_map` for screen-reader users.

    Parameters
    ----------
    values : pandas.Series
        LSOA code -> national decile, as passed to :func:`decile_map`.
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
