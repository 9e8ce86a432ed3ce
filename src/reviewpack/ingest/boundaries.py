"""Stage 2 -- boundary files: GeoJSON polygons and TopoJSON topologies, read with the standard
library and numpy alone (no geopandas, no shapely).

Neighbourhoods (LSOAs) come from GeoJSON; ward boundaries from TopoJSON, whose
shared arcs give the area (e.g. locality) boundaries for free: an arc used by two
wards in different areas is an area boundary, an arc used by one ward only is the
outer edge of the borough (:func:`boundary_arcs`).  Drawing is in
:mod:`reviewpack.present.maps`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import DataFileError, ReconciliationError, where
from .cache import read_once

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "Polygon",
    "Ring",
    "Topology",
    "boundary_arcs",
    "centroid",
    "read_geojson_polygons",
    "read_topojson",
    "signed_area",
    "topology_polygons",
]

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
            f"{where(path)} was not found; restore it from data/raw (see data/raw/SOURCES.md)",
            file=path,
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataFileError(f"{where(path)} is not valid JSON ({exc}); re-download it", file=path) from None


def _pick_code_property(props: Mapping[str, object], path: object, wanted: str | None) -> str:
    if wanted is not None:
        if wanted not in props:
            raise DataFileError(
                f"{where(path)} has no property '{wanted}' on its features; available: "
                f"{', '.join(map(str, props))}",
                file=path,
            )
        return wanted
    codes = [k for k in props if str(k).upper().endswith("CD")]
    if len(codes) == 1:
        return codes[0]
    raise DataFileError(
        f"{where(path)}: cannot tell which feature property holds the area code "
        f"(candidates: {', '.join(codes) or 'none'}); pass the property name explicitly",
        file=path,
    )


def _polygons_of(geometry: Mapping, path: object) -> list[Polygon]:
    kind = geometry.get("type") if geometry else None
    coords: Any = geometry.get("coordinates") if geometry else None
    parts: list[Any]
    if kind == "Polygon":
        parts = [coords]
    elif kind == "MultiPolygon":
        parts = coords
    else:
        raise DataFileError(
            f"{where(path)} holds a {kind!r} geometry; only Polygon and MultiPolygon are "
            "supported for area maps",
            file=path,
        )
    return [[np.asarray(ring, dtype=float)[:, :2] for ring in part] for part in parts]


@read_once
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
        raise DataFileError(f"{where(path)} has no features; is it a GeoJSON FeatureCollection?", file=path)
    prop = _pick_code_property(feats[0].get("properties") or {}, path, code_property)
    out: dict[str, list[Polygon]] = {}
    for feat in feats:
        code = str((feat.get("properties") or {}).get(prop))
        if code in out:
            raise DataFileError(f"{where(path)} repeats feature '{code}' in property '{prop}'", file=path)
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


@read_once
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
        raise DataFileError(f"{where(path)} is not a TopoJSON Topology", file=path)
    objects = data.get("objects") or {}
    if object_name is None:
        if len(objects) != 1:
            raise DataFileError(
                f"{where(path)} holds {len(objects)} objects ({', '.join(objects)}); pass "
                "object_name",
                file=path,
            )
        object_name = next(iter(objects))
    if object_name not in objects:
        raise DataFileError(f"{where(path)} has no object '{object_name}'", file=path)
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
            raise DataFileError(f"{where(path)} has a geometry with no code or id", file=path)
        kind = g.get("type")
        if kind == "Polygon":
            parts = [g["arcs"]]
        elif kind == "MultiPolygon":
            parts = g["arcs"]
        else:
            raise DataFileError(
                f"{where(path)} holds a {kind!r} geometry; only Polygon and MultiPolygon are "
                "supported",
                file=path,
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
            "codes",
            file=topology.source,
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
# Geometry
# --------------------------------------------------------------------------- #


def signed_area(ring: np.ndarray) -> float:
    """Signed area of a ring by the shoelace formula: positive when anticlockwise."""
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def centroid(polygons: Iterable[Polygon]) -> tuple[float, float, float]:
    """Area-weighted centroid of the exterior rings of a feature's polygons: ``(x, y, area)``.

    A feature whose rings enclose no area gives the mean of its first ring's points and area 0.
    """
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

