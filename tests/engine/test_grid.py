"""Tests of riskmap.engine.grid: square and H3 cells, clipping, stable ids, districts."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from shapely.affinity import translate
from shapely.geometry import Point, box

from riskmap.engine import build_grid, cell_keys_of_points, cell_shapes, fill_squares
from riskmap.engine.grid import squares_near

CRS = pyproj.CRS.from_epsg(32650)
X0, Y0 = 500_000.0, 3_400_000.0


def _city() -> shapely.Polygon:
    # an irregular polygon with a hole
    outer = Point(X0 + 3000, Y0 + 3000).buffer(2800, quad_segs=32)
    hole = box(X0 + 2600, Y0 + 2600, X0 + 3300, Y0 + 3100)
    return outer.difference(hole)


def _districts(geom: shapely.Polygon) -> gpd.GeoDataFrame:
    minx, miny, maxx, maxy = geom.bounds
    mid = (minx + maxx) / 2
    west = box(minx - 10, miny - 10, mid, maxy + 10).intersection(geom)
    east = box(mid, miny - 10, maxx + 10, maxy + 10).intersection(geom)
    return gpd.GeoDataFrame(
        {"adcode": ["1", "2"], "name": ["西", "东"]}, geometry=[west, east], crs=CRS
    )


def _plain_way(geom: shapely.Polygon, size: float) -> dict[str, float]:
    """Every candidate square, kept if it intersects, clipped: the slow reference."""
    minx, miny, maxx, maxy = geom.bounds
    out = {}
    for r in range(int(np.floor(miny / size)), int(np.floor(maxy / size)) + 1):
        for c in range(int(np.floor(minx / size)), int(np.floor(maxx / size)) + 1):
            cell = box(c * size, r * size, (c + 1) * size, (r + 1) * size)
            a = cell.intersection(geom).area
            if a > 0:
                out[f"r{r}c{c}"] = a
    return out


@pytest.mark.parametrize("size", [250.0, 333.0])
def test_square_cells_equal_the_plain_clipping(size):
    geom = _city()
    cells = build_grid(geom, _districts(geom), cell_size=size, crs=CRS)
    ref = _plain_way(geom, size)
    assert set(cells["cell_id"]) == set(ref)
    got = dict(zip(cells["cell_id"], cells["area_m2"], strict=True))
    np.testing.assert_allclose([got[k] for k in ref], [ref[k] for k in ref], rtol=1e-9)
    assert cells["area_m2"].sum() == pytest.approx(geom.area, rel=1e-9)
    assert cells["cell_id"].is_unique
    assert shapely.is_valid(cells.geometry.values).all()
    np.testing.assert_allclose(cells["area_m2"], cells.area)
    assert cells.crs == CRS
    assert {"cell_id", "district", "adcode", "area_m2", "x", "y", "geometry"} <= set(cells.columns)
    # centroid columns are the centroids of the clipped cells
    np.testing.assert_allclose(cells["x"], cells.centroid.x, atol=1e-6)
    np.testing.assert_allclose(cells["y"], cells.centroid.y, atol=1e-6)


def test_ids_are_stable_when_the_boundary_moves_by_a_cell():
    size = 250.0
    geom = _city()
    a = build_grid(geom, None, cell_size=size, crs=CRS)
    moved = translate(geom, xoff=size, yoff=-size)
    b = build_grid(moved, None, cell_size=size, crs=CRS)
    # the same square has the same id whatever the extent of the boundary
    assert set(a["cell_id"]) & set(b["cell_id"])
    shifted = {
        f"r{int(cid[1:].split('c')[0]) - 1}c{int(cid.split('c')[1]) + 1}": area
        for cid, area in zip(a["cell_id"], a["area_m2"], strict=True)
    }
    got = dict(zip(b["cell_id"], b["area_m2"], strict=True))
    assert set(got) == set(shifted)
    np.testing.assert_allclose([got[k] for k in shifted], list(shifted.values()), rtol=1e-9)
    # an id names its square: row = floor(y / size), col = floor(x / size)
    r, c = (int(v) for v in a["cell_id"].iloc[0][1:].split("c"))
    g = a.geometry.iloc[0]
    assert box(c * size, r * size, (c + 1) * size, (r + 1) * size).contains(g)


def test_districts_are_assigned():
    geom = _city()
    cells = build_grid(geom, _districts(geom), cell_size=250.0, crs=CRS)
    mid = (geom.bounds[0] + geom.bounds[2]) / 2
    west = cells["x"] < mid - 250
    east = cells["x"] > mid + 250
    assert (cells.loc[west, "district"] == "西").all() and (cells.loc[west, "adcode"] == "1").all()
    assert (cells.loc[east, "district"] == "东").all()
    assert (cells["district"] != "").all()


def test_points_fall_in_one_cell():
    keys = cell_keys_of_points(
        np.array([0.0, 249.999, 250.0, -0.001]),
        np.array([0.0, 0.0, 500.0, 0.0]),
        {"kind": "square", "cell_size": 250.0},
    )
    assert list(keys) == ["r0c0", "r0c0", "r2c1", "r0c-1"]


def test_h3_cells_cover_and_clip():
    import h3

    geom = _city()
    cells = build_grid(geom, _districts(geom), kind="h3", h3_resolution=9, crs=CRS)
    assert cells["area_m2"].sum() == pytest.approx(geom.area, rel=1e-6)
    assert all(h3.is_valid_cell(c) and h3.get_resolution(c) == 9 for c in cells["cell_id"])
    assert cells["cell_id"].is_unique
    # points map to the H3 cell that holds them
    x, y = cells["x"].to_numpy()[:20], cells["y"].to_numpy()[:20]
    inside = shapely.contains_xy(cells.geometry.values[:20], x, y)
    keys = cell_keys_of_points(x, y, cells.attrs["grid"])
    assert (keys[inside] == cells["cell_id"].to_numpy()[:20][inside]).all()


def test_bad_arguments():
    with pytest.raises(ValueError, match="grid kind"):
        build_grid(_city(), None, kind="hex", crs=CRS)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="cell_size"):
        build_grid(_city(), None, cell_size=0, crs=CRS)


@pytest.mark.parametrize("size", [250.0, 333.0])
def test_whole_squares_without_shapes_are_made_to_the_bit(size):
    geom = _city()
    full = build_grid(geom, _districts(geom), cell_size=size, crs=CRS)
    lean = build_grid(geom, _districts(geom), cell_size=size, crs=CRS, whole_squares=False)
    missing = shapely.is_missing(lean.geometry.values)
    # Only whole squares go without a shape (a square whose ring the boundary merely
    # touches keeps its shape), and most cells are such.
    whole = np.isclose(full["area_m2"], size * size, rtol=1e-12) & (
        shapely.get_num_coordinates(full.geometry.values) == 5
    )
    assert whole[missing].all() and missing.sum() > 0.8 * whole.sum()
    assert lean.drop(columns="geometry").equals(full.drop(columns="geometry"))
    made = cell_shapes(lean)
    assert (shapely.to_wkb(made) == shapely.to_wkb(full.geometry.values)).all()
    filled = fill_squares(lean)
    assert not shapely.is_missing(filled.geometry.values).any()
    assert filled.attrs["grid"] == full.attrs["grid"]
    # A subset (as assessed cells are: ids, no x/y) is filled from its ids alone.
    part = lean.iloc[::7].drop(columns=["x", "y"])
    assert (shapely.to_wkb(cell_shapes(part)) == shapely.to_wkb(full.geometry.values[::7])).all()
    assert fill_squares(full) is full


def test_cells_without_shapes_off_a_square_grid_are_refused():
    geom = _city()
    cells = build_grid(geom, None, cell_size=500.0, crs=CRS, whole_squares=False)
    cells.attrs["grid"] = {}
    with pytest.raises(ValueError, match="no shape"):
        cell_shapes(cells)


def test_squares_near_holds_every_cell_within_reach():
    geom = _city()
    size = 250.0
    cells = build_grid(geom, None, cell_size=size, crs=CRS, whole_squares=False)
    shapes = cell_shapes(cells)
    features = np.array(
        [
            Point(X0 + 1000, Y0 + 3000),
            box(X0 + 2900, Y0 + 2900, X0 + 3000, Y0 + 3000),  # in the hole
            Point(X0 + 9000, Y0 + 9000),  # outside the boundary
            shapely.LineString([(X0 + 500, Y0 + 500), (X0 + 5000, Y0 + 1200)]),
        ],
        dtype=object,
    )
    for distance in (0.0, 300.0, 1000.0):
        near = squares_near(cells, features, distance)
        within = np.zeros(len(cells), dtype=bool)
        for f in features:
            within |= shapely.dwithin(shapes, f, distance)
        assert within[near].sum() == within.sum()  # none missed
        assert len(near) < len(cells)  # and not simply every cell
        assert (np.diff(near) > 0).all()
