"""Stamps on the square lattice (kernels, shelter catchments) against the exact k-d tree
path: the same pairs and distances, sums within 1e-9, the same top contributors; on
random features, features on tile edges, cell edges and outside the city, cells clipped
by the city's boundary and tiles of any shape."""

from __future__ import annotations

import io
from dataclasses import replace
from itertools import pairwise

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from factories import make_project_data
from shapely.geometry import Point, box

from riskmap.cli.common import StageProgress
from riskmap.engine import build_grid, compute_fields
from riskmap.engine.kernels import _point_pairs, _stamp_pairs, _top_select
from riskmap.engine.tiles import (
    _cells_block,
    _prepare,
    _shelter_ratio,
    _tile_access,
    _tile_fields,
    _tile_supply,
    _tiles,
)
from riskmap.io import ProjectData

CRS = pyproj.CRS.from_epsg(32650)
X0, Y0 = 500_000.0, 3_400_000.0
SIZE = 9000.0
TILE = 1500.0
CELL = 250.0


def _points(xy: np.ndarray, **cols: list[object]) -> gpd.GeoDataFrame:
    n = len(xy)
    return gpd.GeoDataFrame(
        {"id": [f"F{i}" for i in range(n)], "name": [f"f{i}" for i in range(n)], **cols},
        geometry=[Point(X0 + x, Y0 + y) for x, y in xy],
        crs=CRS,
    )


def _edgy_xy(rng: np.random.Generator, n: int) -> np.ndarray:
    """Random points, a third of them on tile edges, cell edges, cell centres or outside
    the city (its boundary is a disc inside the square 0 .. SIZE)."""
    xy = rng.uniform(-1500, SIZE + 1500, (n, 2))
    m = n // 6
    xy[:m, 0] = rng.integers(0, 7, m) * TILE  # on a tile's edge (x)
    xy[m : 2 * m, 1] = rng.integers(0, 7, m) * TILE + rng.choice([-1e-7, 0.0, 1e-7], m)
    xy[2 * m : 3 * m] = (rng.integers(0, 36, (m, 2)) + 0.5) * CELL  # cell centres
    xy[3 * m : 4 * m] = rng.integers(0, 37, (m, 2)) * CELL  # cell corners
    return xy


def _data(seed: int) -> ProjectData:
    rng = np.random.default_rng(seed)
    grades = ["一级", "二级", "三级", "四级", "无"]
    # a disc and a notch: many cells clipped by the boundary, at every angle
    boundary = (
        Point(X0 + SIZE / 2, Y0 + SIZE / 2)
        .buffer(SIZE / 2 - 100)
        .difference(box(X0 + 4000, Y0 + 4000, X0 + 4333, Y0 + SIZE))
    )
    districts = gpd.GeoDataFrame(
        {"adcode": ["420101", "420102"], "name": ["西区", "东区"]},
        geometry=[
            box(X0, Y0, X0 + SIZE / 2, Y0 + SIZE),
            box(X0 + SIZE / 2, Y0, X0 + SIZE, Y0 + SIZE),
        ],
        crs=CRS,
    )
    n = 120
    layers = {
        "hazmat": (
            "hazmat_enterprise",
            _points(_edgy_xy(rng, n), grade=list(rng.choice(grades, n))),
        ),
        "gas": ("gas_station", _points(_edgy_xy(rng, n), grade=list(rng.choice(grades[:3], n)))),
        "tail": ("tailings_pond", _points(_edgy_xy(rng, 6), grade=["三等", "五等"] * 3)),
        "flood": (
            "flood_zone",
            gpd.GeoDataFrame(
                {"id": ["Z1", "Z2"], "name": ["z1", "z2"], "level": ["高", "中"]},
                geometry=[
                    Point(X0 + 2500, Y0 + 6000).buffer(1700),
                    box(X0 + 5000, Y0 - 100, X0 + 8200, Y0 + 1500),
                ],
                crs=CRS,
            ),
        ),
        "school": (
            "sensitive_target",
            _points(_edgy_xy(rng, 60), type=list(rng.choice(["学校", "医院"], 60))),
        ),
        "shelter": (
            "shelter",
            _points(
                _edgy_xy(rng, 24),
                type=list(rng.choice(["紧急", "固定", "中心"], 24)),
                area_m2=list(rng.uniform(1000, 60000, 24).round()),
            ),
        ),
    }
    return make_project_data(
        layers, boundary=boundary, districts=districts, crs=CRS, name="stamps", suffix=".geojson"
    )


@pytest.fixture(scope="module", params=[0, 1])
def city(request: pytest.FixtureRequest) -> tuple[ProjectData, gpd.GeoDataFrame]:
    data = _data(request.param)
    cells = build_grid(data.boundary, data.districts, cell_size=CELL, crs=CRS)
    return data, cells


def _tile_blocks(cells: gpd.GeoDataFrame) -> list:
    block = _cells_block(cells)
    # square tiles (a cluster's tasks) and bands of whole rows (threads: slices)
    tiles = [block.take(pos) for pos in _tiles(block, TILE, bands=False)]
    tiles += [block.take(pos) for pos in _tiles(block, TILE)]
    # tiles of any shape: every 7th cell, and the whole city
    tiles += [block.take(np.arange(3, len(block.index), 7)), block]
    return tiles


def _pairs(ci: np.ndarray, fi: np.ndarray, d: np.ndarray) -> dict[tuple[int, int], float]:
    return {(int(c), int(f)): float(v) for c, f, v in zip(ci, fi, d, strict=True)}


def test_clipped_cells_are_there(city) -> None:
    _, cells = city
    full = _cells_block(cells).full
    assert (~full).sum() > 50  # the test runs on clipped cells too


def test_cells_block_places_every_cell_by_its_shape(city) -> None:
    """Whole squares without a shape (placed by their centres) and with one, clipped cells
    (by their shapes): each cell's row and column are those of the centre of its shape's
    bounds, whole means a square of full area, with or without the whole squares' shapes."""
    data, cells = city
    lean = build_grid(data.boundary, data.districts, cell_size=CELL, crs=CRS, whole_squares=False)
    assert shapely.is_missing(lean.geometry.values).sum() > 100
    b = shapely.bounds(np.asarray(cells.geometry.values))
    rows = np.floor((b[:, 1] + b[:, 3]) / (2 * CELL)).astype(np.int64)
    cols = np.floor((b[:, 0] + b[:, 2]) / (2 * CELL)).astype(np.int64)
    whole = (shapely.get_num_coordinates(cells.geometry.values) == 5) & np.isclose(
        cells["area_m2"].to_numpy(), CELL * CELL, rtol=1e-9, atol=0
    )
    assert 100 < whole.sum() < len(cells) - 50
    for block in (_cells_block(cells), _cells_block(lean)):
        np.testing.assert_array_equal(block.rc, np.c_[rows, cols])
        np.testing.assert_array_equal(block.full, whole)
        np.testing.assert_array_equal(block.xy, cells[["x", "y"]].to_numpy())
        assert block.box is None  # (the lattice needs no cell's bounds)
        x0, y0, x1, y1 = block.bounds  # its squares' bounds hold every cell
        assert (x0, y0, x1, y1) == (cols.min() * CELL, rows.min() * CELL,
                                    (cols.max() + 1) * CELL, (rows.max() + 1) * CELL)  # fmt: skip


def test_bands_are_runs_of_whole_rows(city) -> None:
    _, cells = city
    block = _cells_block(cells)
    bands = _tiles(block, TILE)
    assert len(bands) >= SIZE / TILE and all(isinstance(b, slice) for b in bands)
    assert [b.start for b in bands[1:]] == [b.stop for b in bands[:-1]]
    assert bands[0].start == 0 and bands[-1].stop == len(cells)
    rows = [set(block.rc[b, 0].tolist()) for b in bands]
    assert all(len(r) == TILE / CELL for r in rows[1:-1])  # whole rows, TILE high
    assert all(not (a & b) for a, b in pairwise(rows))
    # cells out of row order: square tiles, each cell in one of them
    shuffled = block.take(np.random.default_rng(0).permutation(len(cells)))
    tiles = _tiles(shuffled, TILE)
    assert not any(isinstance(t, slice) for t in tiles)
    assert sorted(np.concatenate(tiles).tolist()) == list(range(len(cells)))


def test_stamp_pairs_are_the_k_d_tree_pairs_bit_for_bit(city) -> None:
    data, cells = city
    feats = [_prepare(lyr, data.project.method) for lyr in data.layers.values()]
    kernels = [f for f in feats if f.method in ("kernel", "shelter")]
    for tile in _tile_blocks(cells):
        for f in kernels:
            got = _pairs(*_stamp_pairs(tile, f.xy, f.radius))
            want = _pairs(*_point_pairs(tile.xy, f.xy, f.radius))
            assert got == want, f.name  # the same pairs and the same distances
            assert len(want) > 0 or len(tile.index) < 50


def test_stamp_pairs_cover_every_radius_class() -> None:
    """Random radii (many classes), features anywhere in their cells."""
    rng = np.random.default_rng(5)
    boundary = box(X0, Y0, X0 + 5000, Y0 + 5000).difference(Point(X0, Y0).buffer(1200))
    districts = gpd.GeoDataFrame(
        {"adcode": ["1"], "name": ["a"]}, geometry=[box(X0, Y0, X0 + 5000, Y0 + 5000)], crs=CRS
    )
    cells = build_grid(boundary, districts, cell_size=100.0, crs=CRS)
    block = _cells_block(cells)
    xy = np.c_[X0 + rng.uniform(-700, 5700, 400), Y0 + rng.uniform(-700, 5700, 400)]
    radius = rng.uniform(30.0, 1500.0, 400)
    radius[:10] = 100.0  # radius of one cell side, exactly
    tiles = [*_tiles(block, 900.0), *_tiles(block, 900.0, bands=False)]
    for tile in [block.take(pos) for pos in tiles]:
        got = _pairs(*_stamp_pairs(tile, xy, radius))
        assert got == _pairs(*_point_pairs(tile.xy, xy, radius))


def _assert_top_equal(tile_a, tile_b) -> None:
    np.testing.assert_array_equal(tile_a.rows, tile_b.rows)  # the cells with contributors
    a, b = tile_a.top, tile_b.top
    np.testing.assert_array_equal(a.layer, b.layer)
    np.testing.assert_array_equal(a.feature, b.feature)
    np.testing.assert_allclose(a.value, b.value, rtol=1e-9, atol=0)
    np.testing.assert_allclose(a.distance, b.distance, rtol=1e-9, atol=0)


def test_tile_fields_by_stamps_equal_the_exact_path(city) -> None:
    data, cells = city
    feats = [
        _prepare(lyr, data.project.method)
        for lyr in data.layers.values()
        if lyr.kind.method != "shelter"
    ]
    for tile in _tile_blocks(cells):
        halo = [f.select(tile.bounds) for f in feats]
        stamps = _tile_fields(tile, halo, 3)
        exact = _tile_fields(tile, halo, 3, stamps=False)
        assert stamps["raw"].keys() == exact["raw"].keys()
        n = len(tile.index)
        for name, v in exact["raw"].items():
            got = stamps["raw"][name].dense(n)
            np.testing.assert_allclose(got, v.dense(n), rtol=1e-9, atol=0, err_msg=name)
        _assert_top_equal(stamps["top"], exact["top"])


def test_top_contributors_rank_across_layers_like_a_sort() -> None:
    rng = np.random.default_rng(2)
    n, k = 300, 3
    ci = rng.integers(0, n, 4000)
    key = rng.choice([0.0, 0.5, 1.0, 2.0], 4000) * rng.choice([1.0, 1.0, 0.3], 4000)  # ties
    layer = rng.integers(0, 4, 4000)
    tie = layer * 100_000 + np.arange(4000)
    got = _top_select(ci, key, tie, n=n, k=k)
    order = np.lexsort((tie, -key, ci))
    want = np.full((n, k), -1)
    for c in range(n):
        mine = order[ci[order] == c][:k]
        want[c, : len(mine)] = mine
    np.testing.assert_array_equal(got, want)


def test_shelter_catchment_by_stamps_equals_the_exact_path(city) -> None:
    data, cells = city
    shelters = _prepare(data.layers["shelter"], data.project.method)
    block = _cells_block(cells)
    population = np.random.default_rng(4).uniform(0, 500, len(block.index))
    ratios = replace(shelters, value=_shelter_ratio(block, population, shelters))
    for pos in [*_tiles(block, TILE), *_tiles(block, TILE, bands=False)]:
        tile = block.take(pos)
        stamps = _tile_supply(tile, ratios.select(tile.bounds))
        exact = _tile_access(tile, block.xy, population, shelters.select(tile.bounds))
        np.testing.assert_allclose(stamps, exact, rtol=1e-9, atol=0)


def test_fields_do_not_depend_on_the_tiles(city) -> None:
    data, cells = city
    whole = compute_fields(data, cells)
    tiled = compute_fields(data, cells, tile_size=TILE)
    for name in whole.raw:
        np.testing.assert_allclose(tiled.raw[name], whole.raw[name], rtol=1e-12, atol=0)
    for name in whole.access:
        np.testing.assert_array_equal(tiled.access[name], whole.access[name])
    for a, b in zip(tiled.top, whole.top, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(tiled.contributors_of(), whole.contributors_of())


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_on_a_terminal_and_lines_elsewhere() -> None:
    tty = _Terminal()
    bar = StageProgress(tty)
    bar("grid", 0, 1)
    bar("grid", 1, 1)
    for done in (1, 2, 3):
        bar("fields", done, 3)
    bar.line("done")
    text = tty.getvalue()
    assert "grid ..." in text and "fields" in text and "3/3" in text and "done" in text
    plain = io.StringIO()
    lines = StageProgress(plain)
    for done in (1, 2, 3):
        lines("fields", done, 3)
    lines.line("done")
    assert plain.getvalue().count("\n") == 2
    assert "3/3" not in plain.getvalue() and "\r" not in plain.getvalue()


def test_h3_grids_keep_the_k_d_tree_path() -> None:
    """No lattice on H3: kernels by the k-d tree, people placed in cells by their ids."""
    data = _data(3)
    cells = build_grid(data.boundary, data.districts, kind="h3", h3_resolution=9, crs=CRS)
    assert _cells_block(cells).size is None
    rng = np.random.default_rng(8)
    xy = rng.uniform(1000, SIZE - 1000, (40, 2))
    counts = rng.integers(1, 50, 40).astype(float)
    people = replace(
        data,
        layers={
            **data.layers,
            **make_project_data(
                {"vul": ("vulnerable_people", _points(xy, count=list(counts)))},
                boundary=data.boundary,
                districts=data.districts,
                crs=CRS,
            ).layers,
        },
    )
    fields = compute_fields(people, cells, tile_size=TILE)
    inside = shapely.contains_xy(data.boundary, X0 + xy[:, 0], Y0 + xy[:, 1])
    assert fields.raw["vul"].sum() == pytest.approx(counts[inside].sum())
    assert fields.raw["hazmat"].max() > 0
    assert (fields.top.layer[:, 0] >= 0).any()
