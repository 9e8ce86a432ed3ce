"""Tests for the maps: TopoJSON decoding and boundary arcs (reviewpack.ingest.boundaries), the decile map
(reviewpack.present.maps) and its alt text (reviewpack.present.narrative.maps)."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgb

from reviewpack.errors import DataFileError, ParameterError, ReconciliationError
from reviewpack.ingest import boundaries
from reviewpack.present import maps
from reviewpack.present.narrative.maps import map_alt_text

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"
LSOA21 = RAW / "walsall_lsoa_2021.geojson"
LSOA11 = RAW / "walsall_lsoa_2011.geojson"
WARDS_TOPO = RAW / "walsall_wards_2013.topojson"
WARDS_GEO = RAW / "walsall_wards_2013.geojson"
RANK_DECILE = "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)"


@pytest.fixture(scope="module")
def ward_to_area() -> pd.Series:
    return pd.read_csv(RAW / "walsall_ward_locality.csv").set_index("ward_code")["locality"]


@pytest.fixture(scope="module")
def deciles25() -> pd.Series:
    df = pd.read_csv(RAW / "imd2025_lsoa21_walsall.csv")
    return df.set_index("LSOA code (2021)")[RANK_DECILE]


@pytest.fixture(scope="module")
def lsoa21_to_area() -> pd.Series:
    return pd.read_csv(RAW / "lsoa21_ward_lookup_walsall.csv").set_index("LSOA21CD")["locality"]


@pytest.fixture(scope="module")
def topo() -> boundaries.Topology:
    return boundaries.read_topojson(WARDS_TOPO)


def _by_gid(fig, gid):
    ax = fig.axes[0]
    found = [c for c in ax.collections if c.get_gid() == gid]
    assert len(found) == 1, f"expected one artist with gid {gid!r}"
    return found[0]


def _luminance(hex_colour: str) -> float:
    r, g, b = to_rgb(hex_colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_topojson_decoding_matches_the_geojson_wards(topo):
    assert len(topo.codes) == 20 and topo.codes[0] == "E05001301"
    rings = boundaries.topology_polygons(topo)
    geo = boundaries.read_geojson_polygons(WARDS_GEO, "WD13CD")
    assert set(rings) == set(geo)
    for code, polys in rings.items():
        mine = np.concatenate([r for p in polys for r in p])
        theirs = np.concatenate([r for p in geo[code] for r in p])
        # same ONS boundary: bounding boxes agree to ~1e-4 degrees (about 10 m)
        assert np.allclose(mine.min(axis=0), theirs.min(axis=0), atol=2e-4), code
        assert np.allclose(mine.max(axis=0), theirs.max(axis=0), atol=2e-4), code
        ring = polys[0][0]
        assert np.allclose(ring[0], ring[-1])  # arcs join into closed rings
    # first arc: delta-decoded by hand from the raw file
    raw = json.loads(WARDS_TOPO.read_text())
    scale, shift = raw["transform"]["scale"], raw["transform"]["translate"]
    a0 = np.cumsum(np.asarray(raw["arcs"][0], float), axis=0) * scale + shift
    assert np.allclose(topo.arcs[0], a0)
    assert 52.5 < topo.arcs[0][:, 1].mean() < 52.7 and -2.1 < topo.arcs[0][:, 0].mean() < -1.8


def test_boundary_arcs_find_locality_edges(topo, ward_to_area):
    arcs = boundaries.boundary_arcs(topo, ward_to_area)
    assert len(arcs["outer"]) == 16 and len(arcs["area"]) == 14 and len(arcs["ward"]) == 26
    assert len(set(arcs["outer"]) | set(arcs["area"]) | set(arcs["ward"])) == len(topo.arcs)
    # check independently from the raw file: who uses each area arc?
    raw = json.loads(WARDS_TOPO.read_text())
    users: dict[int, list[str]] = {}
    for g in raw["objects"]["E08000030"]["geometries"]:
        for ring in g["arcs"]:
            for i in ring:
                users.setdefault(i if i >= 0 else ~i, []).append(g["properties"]["WD13CD"])
    for i in arcs["area"]:
        assert len({ward_to_area[w] for w in users[i]}) == 2
    for i in arcs["ward"]:
        assert len(users[i]) == 2 and len({ward_to_area[w] for w in users[i]}) == 1
    assert all(len(users[i]) == 1 for i in arcs["outer"])
    with pytest.raises(ReconciliationError, match="have no area"):
        boundaries.boundary_arcs(topo, ward_to_area.iloc[1:])


def test_decile_map_draws_one_patch_per_lsoa(deciles25, ward_to_area, topo):
    fig = maps.decile_map(LSOA21, deciles25, WARDS_TOPO, ward_to_area)
    fill = _by_gid(fig, "lsoa-fill")
    assert len(fill.get_paths()) == 169
    faces = fill.get_facecolors()
    codes = sorted(deciles25.index)
    first_d1 = codes.index(deciles25[deciles25 == 1].index.min())
    assert np.allclose(faces[first_d1][:3], to_rgb(maps.DECILE_COLOURS[0]))
    # decile 1 is the darkest colour and the palette lightens steadily
    lum = [_luminance(c) for c in maps.DECILE_COLOURS]
    assert lum == sorted(lum) and len(set(maps.DECILE_COLOURS)) == 10
    arcs = boundaries.boundary_arcs(topo, ward_to_area)
    assert len(_by_gid(fig, "area-boundaries").get_segments()) == len(arcs["area"]) + len(
        arcs["outer"]
    )
    assert len(_by_gid(fig, "ward-boundaries").get_segments()) == len(arcs["ward"])
    ax = fig.axes[0]
    lat = np.mean(ax.get_ylim())
    assert ax.get_aspect() == pytest.approx(1 / math.cos(math.radians(lat)))
    labels = {t.get_text() for t in ax.texts}
    assert labels == {"North", "South", "East", "West"}
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[0].startswith("1") and "most deprived" in legend[0]
    assert "Locality boundary" in legend


def test_highlight_greys_the_other_areas(deciles25, ward_to_area):
    fig = maps.decile_map(LSOA21, deciles25, WARDS_TOPO, ward_to_area, highlight_area="North")
    north_wards = int((ward_to_area == "North").sum())
    assert north_wards == 4
    assert len(_by_gid(fig, "greyed-areas").get_paths()) == 20 - north_wards
    assert len(_by_gid(fig, "highlight-boundary").get_segments()) > 0
    buf = io.BytesIO()
    fig.savefig(buf, format="svg")
    assert 50_000 < len(buf.getvalue()) < 1_500_000  # embeddable, no per-vertex artists


def test_lsoa_2011_map_and_missing_values(ward_to_area, deciles25):
    # IoD2025 deciles on the 2011 LSOAs: the two split 2011 LSOAs have no value
    fig = maps.decile_map(LSOA11, deciles25, WARDS_TOPO, ward_to_area, label_areas=False)
    fill = _by_gid(fig, "lsoa-fill")
    assert len(fill.get_paths()) == 167
    no_data = [np.allclose(f[:3], to_rgb(maps.NO_DATA_COLOUR)) for f in fill.get_facecolors()]
    assert sum(no_data) == 2
    assert "No data" in [t.get_text() for t in fig.axes[0].get_legend().get_texts()]


def test_map_errors(deciles25, ward_to_area):
    with pytest.raises(ParameterError, match="highlight_area 'Middle'"):
        maps.decile_map(LSOA21, deciles25, WARDS_TOPO, ward_to_area, highlight_area="Middle")
    wrong = pd.Series(1, index=[f"E0000000{i}" for i in range(5)])
    with pytest.raises(ReconciliationError, match="same LSOA vintage"):
        maps.decile_map(LSOA21, wrong, WARDS_TOPO, ward_to_area)
    with pytest.raises(ParameterError, match="1..10"):
        maps.decile_map(LSOA21, deciles25 * 2, WARDS_TOPO, ward_to_area)
    with pytest.raises(DataFileError, match="was not found"):
        boundaries.read_geojson_polygons(RAW / "missing.geojson")


def test_map_alt_text_describes_the_map(deciles25, lsoa21_to_area):
    text = map_alt_text(deciles25, lsoa21_to_area, highlight_area="North", place="Walsall",
                             vintage_label="IoD2025")
    assert text.startswith("Map of Walsall's 169 neighbourhoods")
    assert "42 are in that most deprived 10%" in text
    assert "North 20 of 34, South 16 of 36, West 5 of 42, East 1 of 57" in text
    assert "the North locality is outlined" in text
    assert text.endswith(".")
    plain = map_alt_text(deciles25)
    assert "the 169 neighbourhoods" in plain and "North" not in plain
