"""Tests of riskmap.engine: kernels, overlap, areal interpolation, 2SFCA, reach, tiles, levels."""

from __future__ import annotations

import json
import math
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from factories import make_project_data
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, box

from riskmap import Study
from riskmap.config import LayerBinding, LevelConfig, WeightsConfig, load_layer_kinds
from riskmap.engine import (
    Fields,
    build_grid,
    compute_fields,
    fisher_jenks,
    layer_weights,
    level_table,
    recompute_capacity,
    score,
    tiles,
)
from riskmap.engine.fields import LayerInfo, _contributors_json
from riskmap.engine.kernels import _decay, _polygon_pairs
from riskmap.engine.rules import rule_values
from riskmap.engine.scoring import _classes, _level_ranks
from riskmap.engine.tiles import Top, _cells_block, _prepare, _tile_fields
from riskmap.io import Layer, ProjectData

CRS = pyproj.CRS.from_epsg(32650)
X0, Y0 = 500_000.0, 3_400_000.0
KINDS = load_layer_kinds()


def toy_data(
    layers: dict[str, tuple[str, gpd.GeoDataFrame]],
    *,
    size: float = 4000.0,
    project: dict[str, Any] | None = None,
) -> ProjectData:
    """A square city of ``size`` metres with the given layers (binding -> (kind, gdf))."""
    boundary = box(X0, Y0, X0 + size, Y0 + size)
    districts = gpd.GeoDataFrame(
        {"adcode": ["420101", "420102"], "name": ["西区", "东区"]},
        geometry=[
            box(X0, Y0, X0 + size / 2, Y0 + size),
            box(X0 + size / 2, Y0, X0 + size, Y0 + size),
        ],
        crs=CRS,
    )
    return make_project_data(
        layers,
        boundary=boundary,
        districts=districts,
        crs=CRS,
        name="toy",
        title=("测试", "Toy"),
        adcode="420100",
        suffix=".geojson",
        project=project,
    )


def points(xy: list[tuple[float, float]], **cols: list[Any]) -> gpd.GeoDataFrame:
    n = len(xy)
    data = {"id": [f"F{i}" for i in range(n)], "name": [f"feature {i}" for i in range(n)], **cols}
    return gpd.GeoDataFrame(data, geometry=[Point(X0 + x, Y0 + y) for x, y in xy], crs=CRS)


def polygons(geoms: list[Any], **cols: list[Any]) -> gpd.GeoDataFrame:
    n = len(geoms)
    data = {"id": [f"P{i}" for i in range(n)], "name": [f"polygon {i}" for i in range(n)], **cols}
    return gpd.GeoDataFrame(data, geometry=geoms, crs=CRS)


def grid_of(data: ProjectData, cell: float = 250.0) -> gpd.GeoDataFrame:
    return build_grid(data.boundary, data.districts, cell_size=cell, crs=data.crs)


def cell_at(cells: gpd.GeoDataFrame, x: float, y: float) -> int:
    """Row position of the cell containing the point (X0 + x, Y0 + y)."""
    hit = np.nonzero(shapely.contains_xy(cells.geometry.values, X0 + x, Y0 + y))[0]
    assert len(hit) == 1
    return int(hit[0])


# ---------------------------------------------------------------- kernels, overlap, people


@pytest.mark.parametrize(
    ("kind", "cols", "intensity", "radius", "decay"),
    [
        ("hazmat_enterprise", {"grade": ["一级"]}, 10.0, 3000.0, lambda u: math.exp(-4.5 * u * u)),
        ("tailings_pond", {"grade": ["二等"]}, 9.0, 3000.0, lambda u: 1.0 - u),
        ("gas_station", {"grade": ["二级"]}, 2.0, 300.0, lambda u: math.exp(-4.5 * u * u)),
    ],
)
def test_kernel_value_of_one_source_at_a_known_distance(kind, cols, intensity, radius, decay):
    d = 0.4 * radius
    # the source lies d metres east of the centre of the cell (0..250, 0..250)
    data = toy_data({"src": (kind, points([(125.0 + d, 125.0)], **cols))})
    cells = grid_of(data)
    fields = compute_fields(data, cells)
    i = cell_at(cells, 125.0, 125.0)
    assert fields.raw["src"][i] == pytest.approx(intensity * decay(0.4), rel=1e-9)
    # beyond the radius nothing
    far = np.hypot(cells["x"] - (X0 + 125.0 + d), cells["y"] - (Y0 + 125.0)) > radius
    assert (fields.raw["src"][far.to_numpy()] == 0).all()
    # the cell's top contributor is that feature, with its distance
    assert fields.top.layer[i, 0] == 0  # the first (only) hazard layer
    assert fields.top.feature[i, 0] == 0
    assert fields.top.distance[i, 0] == pytest.approx(d)


def test_decay_functions():
    u = np.array([0.0, 0.5, 1.0])
    np.testing.assert_allclose(_decay(u, "gaussian"), np.exp(-4.5 * u**2))
    np.testing.assert_allclose(_decay(u, "linear"), [1.0, 0.5, 0.0])
    np.testing.assert_allclose(_decay(u, "exponential"), np.exp(-3 * u))
    np.testing.assert_allclose(_decay(u, "step"), [1.0, 1.0, 1.0])


def test_intensity_rule_uses_category_terms_and_clip():
    acc = points(
        [(100, 100), (200, 200), (300, 300)],
        deaths=[0, 3, 10],
        injuries=[2, 0, 0],
        date=["2020-01-01"] * 3,
        type=["火灾"] * 3,
    )
    rule = KINDS["accident"].intensity
    np.testing.assert_allclose(rule_values(rule, acc), [1.0 + 0.6, 1.0 + 6.0, 10.0])
    hz = points([(1, 1), (2, 2), (3, 3)], grade=["二级", "无", None])
    np.testing.assert_allclose(
        rule_values(KINDS["hazmat_enterprise"].radius, hz), [2000.0, 500.0, 500.0]
    )


def test_overlap_share_of_a_half_covered_cell():
    half = box(X0, Y0, X0 + 125.0, Y0 + 250.0)  # west half of the cell (0..250, 0..250)
    data = toy_data({"flood": ("flood_zone", polygons([half], level=["高"]))})
    cells = grid_of(data)
    fields = compute_fields(data, cells)
    i = cell_at(cells, 10.0, 10.0)
    assert fields.raw["flood"][i] == pytest.approx(8.0 * 0.5)
    assert fields.raw["flood"].sum() == pytest.approx(4.0)


def test_lattice_overlap_areas_equal_shapely_intersections():
    # cells clipped by a boundary with a hole; polygons with holes, rotated, multi, aligned
    boundary = (
        Point(X0 + 2000, Y0 + 2000)
        .buffer(1900)
        .difference(box(X0 + 1000, Y0 + 1000, X0 + 1300, Y0 + 1400))
    )
    cells = build_grid(boundary, None, cell_size=100.0, crs=CRS)
    block = _cells_block(cells)
    geoms = np.array(
        [
            Point(X0 + 1500, Y0 + 1800)
            .buffer(700)
            .difference(Point(X0 + 1500, Y0 + 1800).buffer(200)),
            box(X0 + 300, Y0 + 300, X0 + 1300, Y0 + 1300),
            shapely.affinity.rotate(box(X0 + 2000, Y0 + 2000, X0 + 3000, Y0 + 3000), 3),
            shapely.Polygon([(X0 + 100, Y0 + 100), (X0 + 3900, Y0 + 150), (X0 + 2000, Y0 + 3900)]),
            shapely.MultiPolygon(
                [
                    box(X0 + 3000, Y0 + 500, X0 + 3050, Y0 + 550),
                    box(X0 + 3300, Y0 + 500, X0 + 3400, Y0 + 600),
                ]
            ),
            box(X0 - 500, Y0 - 500, X0 + 100, Y0 + 100),
        ],
        dtype=object,
    )
    assert block.size == 100.0
    ci, fi, area, whole = _polygon_pairs(block, geoms)
    # brute force: every cell against every polygon
    cc, gg = np.meshgrid(np.arange(len(cells)), np.arange(len(geoms)), indexing="ij")
    exact = shapely.area(shapely.intersection(block.geom[cc.ravel()], geoms[gg.ravel()]))
    met = exact > 1e-6
    assert set(zip(ci.tolist(), fi.tolist(), strict=True)) == set(
        zip(cc.ravel()[met].tolist(), gg.ravel()[met].tolist(), strict=True)
    )
    got = dict(zip(zip(ci.tolist(), fi.tolist(), strict=True), area, strict=True))
    want = [
        got[(c, g)] for c, g in zip(cc.ravel()[met].tolist(), gg.ravel()[met].tolist(), strict=True)
    ]
    np.testing.assert_allclose(want, exact[met], rtol=1e-9, atol=1e-6)
    # "whole" means the cell lies inside the polygon
    np.testing.assert_allclose(area[whole], block.area[ci[whole]])
    assert (area[~whole] < block.area[ci[~whole]] * (1 - 1e-9)).all()


def test_overlap_buffers_lines():
    # a fault line (全新世, intensity 6) buffered by 500 m, through the middle of a 4 km city
    line = shapely.LineString([(X0, Y0 + 2000.0), (X0 + 4000.0, Y0 + 2000.0)])
    data = toy_data({"fault": ("fault_zone", polygons([line], activity=["全新世"]))})
    cells = grid_of(data)
    fields = compute_fields(data, cells)
    covered = fields.raw["fault"] / 6.0 * cells["area_m2"].to_numpy()
    assert covered.sum() == pytest.approx(4000.0 * 1000.0, rel=1e-6)
    assert fields.raw["fault"][cell_at(cells, 125.0, 2100.0)] == pytest.approx(6.0)


def test_areal_interpolation_conserves_totals():
    rng = np.random.default_rng(3)
    polys = [
        shapely.Polygon([(X0 + 300, Y0 + 200), (X0 + 2900, Y0 + 700), (X0 + 1700, Y0 + 3300)]),
        box(X0 + 2000, Y0 + 2000, X0 + 3990, Y0 + 3990),
        Point(X0 + 700, Y0 + 3000).buffer(600),
    ]
    counts = rng.uniform(1000, 50000, 3).round()
    pop = polygons(polys, count=list(counts))
    pts = points([(10, 10), (3999, 3999), (2000, 2000)], count=[5.0, 7.0, 11.0])
    data = toy_data({"pop": ("population", pop), "people": ("population", pts)})
    cells = grid_of(data)
    fields = compute_fields(data, cells, tile_size=1000.0)
    assert fields.raw["pop"].sum() == pytest.approx(counts.sum(), rel=1e-9)
    assert fields.raw["people"].sum() == pytest.approx(23.0)
    assert fields.population.sum() == pytest.approx(counts.sum() + 23.0, rel=1e-9)
    # a point on the corner shared by four cells is counted once, in the cell north-east of it
    assert fields.raw["people"][cell_at(cells, 2010.0, 2010.0)] == pytest.approx(11.0)


# ---------------------------------------------------------------- capacity


def test_two_step_floating_catchment_equals_brute_force():
    rng = np.random.default_rng(7)
    n_pop = 30
    pop = points(
        [tuple(p) for p in rng.uniform(0, 4000, (n_pop, 2))],
        count=list(rng.integers(10, 5000, n_pop).astype(float)),
    )
    sxy = [tuple(p) for p in rng.uniform(0, 4000, (6, 2))]
    types = ["紧急", "固定", "紧急", "中心", "紧急", "固定"]
    areas = list(rng.uniform(500, 20000, 6).round())
    data = toy_data(
        {"pop": ("population", pop), "shelter": ("shelter", points(sxy, type=types, area_m2=areas))}
    )
    cells = grid_of(data)
    fields = compute_fields(data, cells)
    radius = {"紧急": 500.0, "固定": 2000.0, "中心": 5000.0}
    cx, cy = cells["x"].to_numpy(), cells["y"].to_numpy()
    popc = fields.population
    expected = np.zeros(len(cells))
    for (sx, sy), t, area in zip(sxy, types, areas, strict=True):
        d = np.hypot(cx - (X0 + sx), cy - (Y0 + sy))
        within = d <= radius[t]
        ratio = area / max(popc[within].sum(), 1.0)
        expected[within] += ratio
    np.testing.assert_allclose(fields.access["shelter"], expected, rtol=1e-12)
    np.testing.assert_allclose(fields.capacity["shelter"], np.minimum(expected / 1.5, 1.0))


def test_fire_reach_time_and_score():
    data = toy_data({"fire": ("fire_station", points([(125.0 + 2000.0, 125.0)]))})
    cells = grid_of(data)
    fields = compute_fields(data, cells)
    i = cell_at(cells, 125.0, 125.0)
    t = 1.0 + 1.3 * 2000.0 / (30_000.0 / 60.0)  # turnout + detour x distance / speed
    assert fields.access["fire"][i] == pytest.approx(t)
    assert fields.capacity["fire"][i] == pytest.approx((15.0 - t) / 10.0)
    j = cell_at(cells, 2125.0, 125.0)  # the station's own cell
    assert fields.capacity["fire"][j] == 1.0
    # a city-wide test of the 5 and 15 minute rule
    t_all = fields.access["fire"]
    s = fields.capacity["fire"]
    assert (s[t_all <= 5.0] == 1.0).all()
    assert (s[t_all >= 15.0] == 0.0).all()


def test_reach_by_distance_and_missing_beyond_halo():
    far = toy_data({"depot": ("supply_depot", points([(0.0, 0.0)]))}, size=20000.0)
    cells = build_grid(far.boundary, far.districts, cell_size=1000.0, crs=CRS)
    fields = compute_fields(far, cells, tile_size=5000.0)
    d = np.hypot(cells["x"] - X0, cells["y"] - Y0).to_numpy()
    s = fields.capacity["depot"]
    np.testing.assert_allclose(s, np.clip((15000.0 - d) / 10000.0, 0, 1))


# ---------------------------------------------------------------- tiles


def rich_data() -> ProjectData:
    rng = np.random.default_rng(11)

    def pts(n: int) -> list[tuple[float, float]]:
        return [tuple(p) for p in rng.uniform(-500, 8500, (n, 2))]

    grades = ["一级", "二级", "三级", "四级", "无"]
    return toy_data(
        {
            "hazmat": ("hazmat_enterprise", points(pts(25), grade=list(rng.choice(grades, 25)))),
            "gas": (
                "gas_station",
                points(pts(40), grade=list(rng.choice(["一级", "二级", "三级"], 40))),
            ),
            "tail": ("tailings_pond", points(pts(2), grade=["三等", "五等"])),
            "flood": (
                "flood_zone",
                polygons(
                    [
                        Point(X0 + 2000, Y0 + 6000).buffer(1800),
                        box(X0 + 5000, Y0 - 100, X0 + 8200, Y0 + 1500),
                    ],
                    level=["高", "中"],
                ),
            ),
            "fault": (
                "fault_zone",
                polygons(
                    [shapely.LineString([(X0, Y0), (X0 + 8000, Y0 + 7000)])], activity=["晚更新世"]
                ),
            ),
            "pop": (
                "population",
                polygons(
                    [
                        box(X0 + i * 2000, Y0 + j * 2000, X0 + (i + 1) * 2000, Y0 + (j + 1) * 2000)
                        for i in range(4)
                        for j in range(4)
                    ],
                    count=list(rng.uniform(1000, 80000, 16).round()),
                ),
            ),
            "vul": (
                "vulnerable_people",
                points(pts(60), count=list(rng.integers(1, 60, 60).astype(float))),
            ),
            "school": (
                "sensitive_target",
                points(pts(30), type=list(rng.choice(["学校", "医院"], 30))),
            ),
            "shelter": (
                "shelter",
                points(
                    pts(12),
                    type=list(rng.choice(["紧急", "固定", "中心"], 12)),
                    area_m2=list(rng.uniform(1000, 60000, 12).round()),
                ),
            ),
            "fire": ("fire_station", points(pts(3))),
            "community": ("community_station", points(pts(10))),
        },
        size=8000.0,
    )


def test_tiled_fields_equal_whole_city():
    data = rich_data()
    cells = grid_of(data)
    whole = compute_fields(data, cells)
    tiled = compute_fields(data, cells, tile_size=1500.0)
    for name in whole.raw:
        np.testing.assert_allclose(
            tiled.raw[name], whole.raw[name], rtol=1e-9, atol=1e-9, err_msg=name
        )
    for name in whole.capacity:
        np.testing.assert_allclose(tiled.access[name], whole.access[name], rtol=1e-9, err_msg=name)
        np.testing.assert_allclose(
            tiled.capacity[name], whole.capacity[name], rtol=1e-9, atol=1e-12
        )
    for got, want in zip(tiled.top, whole.top, strict=True):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(tiled.contributors_of(), whole.contributors_of())
    a, b = score(whole).cells, score(tiled).cells
    np.testing.assert_allclose(a["score"], b["score"], rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(a["level_rank"], b["level_rank"])


def _float64_storage(monkeypatch: pytest.MonkeyPatch) -> None:
    """Store the top contributors as before float32: unrounded float64 values."""
    monkeypatch.setattr(tiles, "_printed", lambda value, distance: (value, distance))
    monkeypatch.setattr(Top, "dtypes", staticmethod(lambda bound: (np.float64, np.float64)))


def test_top_contributions_and_distances_are_stored_in_float32():
    data = rich_data()
    top = compute_fields(data, grid_of(data, 100.0), tile_size=1500.0).top
    assert (top.layer.dtype, top.feature.dtype) == (np.int16, np.int32)
    assert (top.value.dtype, top.distance.dtype) == (np.float32, np.float32)
    assert (top.layer[:, 0] >= 0).sum() > 1000  # cells with contributors to compare below
    # a value that reaches 1000 keeps float64 for its contributions (their 4th decimal)
    assert Top.dtypes(999.9) == (np.float32, np.float32)
    assert Top.dtypes(1000.0) == (np.float64, np.float32)


def test_float32_top_gives_the_results_and_texts_of_float64_storage(monkeypatch):
    data = rich_data()
    cells = grid_of(data, 100.0)
    lean = compute_fields(data, cells, tile_size=1500.0)
    with monkeypatch.context() as m:
        _float64_storage(m)
        wide = compute_fields(data, cells, tile_size=1500.0)
    assert wide.top.value.dtype == np.float64 and lean.top.value.dtype == np.float32
    # the same features, ranked before the cast; values to the printed precision
    np.testing.assert_array_equal(lean.top.layer, wide.top.layer)
    np.testing.assert_array_equal(lean.top.feature, wide.top.feature)
    np.testing.assert_allclose(lean.top.value, wide.top.value, rtol=0, atol=5e-5 + 1e-6)
    np.testing.assert_allclose(lean.top.distance, wide.top.distance, rtol=0, atol=0.5 + 1e-3)
    # every cell's text is the same, and so are scores, levels and explanations
    np.testing.assert_array_equal(
        np.asarray(lean.contributors_of(), dtype=object),
        np.asarray(wide.contributors_of(), dtype=object),
    )
    a, b = score(lean), score(wide)
    for col in ("score", "level_rank", "level", "top_factor"):
        np.testing.assert_array_equal(a.cells[col].to_numpy(), b.cells[col].to_numpy())
    for cid in a.cells.sort_values("score").cell_id.iloc[-20:]:
        assert a.explain(cid) == b.explain(cid)


def test_contributor_text_survives_float32_at_rounding_boundaries():
    """Values half a printed step from a rounding boundary, where a plain cast to float32
    flips the printed digit: rounded first, the text is that of float64 values."""
    rng = np.random.default_rng(3)
    n = 20_000
    scale = 10.0 ** rng.integers(-4, 3, n)  # 1e-4 .. 100, and up to 999 below
    value = np.r_[
        (np.floor(rng.uniform(1, 9.99, n) * scale * 1e4) + 0.5) / 1e4 + rng.normal(0, 1e-9, n),
        rng.uniform(0, 999.9, n),
    ]
    distance = np.r_[np.floor(rng.uniform(0, 5000, n)) + 0.5 + rng.normal(0, 1e-5, n), value[n:]]
    m = len(value)
    layer = np.zeros((m, 1), np.int16)
    feature = np.zeros((m, 1), np.int32)
    infos = [
        LayerInfo("h", "hazmat_enterprise", "hazard", "kernel", 4.0, np.array(["A"], object),
                  np.array(["a"], object), "", 0.0, 0.0)
    ]  # fmt: skip
    wide = Top(layer, feature, value[:, None], distance[:, None])
    v, d = tiles._printed(value, distance)
    lean = Top(layer, feature, v.astype(np.float32)[:, None], d[:, None])
    plain = Top(
        layer, feature, value.astype(np.float32)[:, None], distance.astype(np.float32)[:, None]
    )
    want = np.asarray(_contributors_json(infos, wide), dtype=object)
    assert (np.asarray(_contributors_json(infos, lean), dtype=object) == want).all()
    assert (np.asarray(_contributors_json(infos, plain), dtype=object) != want).sum() > 100
    # from 1000 on, contributions keep float64: rounding twice prints the same
    big = value * 1e3 + 1000.0
    v, _ = tiles._printed(big, distance)
    wide = Top(layer, feature, big[:, None], distance[:, None])
    kept = Top(layer, feature, v[:, None], d[:, None])
    want = np.asarray(_contributors_json(infos, wide), dtype=object)
    assert (np.asarray(_contributors_json(infos, kept), dtype=object) == want).all()


def test_tile_function_is_pure_and_local():
    data = rich_data()
    cells = grid_of(data)
    block = _cells_block(cells)
    feats = [
        _prepare(lyr, data.project.method)
        for lyr in data.layers.values()
        if lyr.kind.method == "kernel"
    ]
    pos = np.arange(0, len(cells), 7)
    tile = block.take(pos)
    halo = [f.select(tile.bounds) for f in feats]
    before = [f.value.copy() for f in halo]
    out1 = _tile_fields(tile, halo, 3)
    out2 = _tile_fields(tile, halo, 3)
    for name in out1["raw"]:
        np.testing.assert_array_equal(out1["raw"][name].at, out2["raw"][name].at)
        np.testing.assert_array_equal(out1["raw"][name].value, out2["raw"][name].value)
    for f, v in zip(halo, before, strict=True):
        np.testing.assert_array_equal(f.value, v)


# ---------------------------------------------------------------- scoring and levels


def test_components_and_score_formulae():
    data = rich_data()
    fields = compute_fields(data, grid_of(data))
    res = score(fields)
    c = res.cells
    w = layer_weights(fields, data.project.weights)
    hz = fields.by_role("hazard")
    wmax = max(w[i.name] for i in hz)
    prod = np.ones(len(c))
    for i in hz:
        n_l = 10 * (1 - np.exp(-fields.raw[i.name] / i.reference))
        prod *= (1 - n_l / 10) ** (w[i.name] / wmax)
    np.testing.assert_allclose(c["hazard"], 10 * (1 - prod), atol=1e-9)
    shares = c[[f"share_{i.name}" for i in hz]].to_numpy().sum(axis=1)
    np.testing.assert_allclose(shares[c["hazard"] > 0], 1.0)
    cw = data.project.weights.components
    tw = sum(cw.values())
    expected_c = (
        np.exp(
            sum(
                cw[k] / tw * np.log(c[k].to_numpy() + 1)
                for k in ("exposure", "vulnerability", "coping_gap")
            )
        )
        - 1
    )
    np.testing.assert_allclose(c["consequence"], expected_c, rtol=1e-9)
    np.testing.assert_allclose(c["score"], c["hazard"] * c["consequence"])
    assert c["score"].between(0, 100).all()
    assert set(c["level_rank"]) <= {1, 2, 3, 4}
    assert c["complete"].all()
    # contributors are valid JSON, at most 3, ordered by contribution / reference
    refs = {i.name: i.reference for i in hz}
    for text in res.contributors(np.arange(0, len(c), 50)):
        items = json.loads(text)
        assert len(items) <= 3
        keys = [it["contribution"] / refs[it["layer"]] for it in items]
        assert keys == sorted(keys, reverse=True)
    # top factor is the layer with the largest share
    sh = c[[f"share_{i.name}" for i in hz]].to_numpy()
    has = c["hazard"].to_numpy() > 0
    names = np.array([i.name for i in hz])
    np.testing.assert_array_equal(c["top_factor"].to_numpy()[has], names[sh[has].argmax(axis=1)])


def test_matrix_levels():
    lik = np.repeat(np.arange(1, 6), 5)
    sev = np.tile(np.arange(1, 6), 5)
    ranks, _ = _level_ranks(np.zeros(25), lik, sev, LevelConfig())
    r = lik * sev
    expected = np.select([r >= 20, r >= 9, r >= 4], [4, 3, 2], 1)
    np.testing.assert_array_equal(ranks, expected)
    assert ranks[(lik == 5) & (sev == 4)][0] == 4  # 20 重大
    assert ranks[(lik == 4) & (sev == 4)][0] == 3  # 16 较大
    assert ranks[(lik == 3) & (sev == 3)][0] == 3  # 9 较大
    assert ranks[(lik == 2) & (sev == 4)][0] == 2  # 8 一般
    assert ranks[(lik == 1) & (sev == 3)][0] == 1  # 3 低
    # classes: a value on a break goes up
    np.testing.assert_array_equal(
        _classes(np.array([0, 1.5, 2.9, 3.0, 7.0, 9.9]), (1.5, 3, 5, 7)), [1, 2, 2, 3, 5, 5]
    )


def test_alternative_level_rules():
    data = rich_data()
    fields = compute_fields(data, grid_of(data))
    s = score(fields).cells["score"].to_numpy()
    br = score(fields, levels={"rule": "breaks", "score_breaks": (1.0, 5.0, 20.0)}).cells
    np.testing.assert_array_equal(
        br["level_rank"], 1 + (s >= 1.0).astype(int) + (s >= 5.0) + (s >= 20.0)
    )
    q = score(fields, levels=LevelConfig(rule="quantiles", quantiles=(0.5, 0.8, 0.95)))
    thr = np.quantile(s, (0.5, 0.8, 0.95))
    np.testing.assert_array_equal(
        q.cells["level_rank"], 1 + (s[:, None] > thr[None, :]).sum(axis=1)
    )
    assert q.params["score_thresholds"] == pytest.approx(list(thr))
    nb1 = score(fields, levels=LevelConfig(rule="natural_breaks", sample_size=500, seed=3)).cells[
        "level_rank"
    ]
    nb2 = score(fields, levels=LevelConfig(rule="natural_breaks", sample_size=500, seed=3)).cells[
        "level_rank"
    ]
    np.testing.assert_array_equal(nb1, nb2)  # seeded
    order = np.argsort(s, kind="stable")
    assert (np.diff(nb1.to_numpy()[order]) >= 0).all()  # monotone in the score
    assert nb1.nunique() == 4


def test_weight_change_rescores_from_the_same_fields():
    data = rich_data()
    fields = compute_fields(data, grid_of(data))
    base = score(fields)
    heavier = score(fields, weights=WeightsConfig(layers={"flood": 5.0}))
    assert heavier.fields is fields
    flood = fields.raw["flood"] > 0
    # flood gains weight relative to the others: its share rises where it acts
    assert (heavier.cells["share_flood"][flood] >= base.cells["share_flood"][flood] - 1e-12).all()
    assert (heavier.cells["share_flood"][flood] > base.cells["share_flood"][flood]).any()
    # E, V, L do not depend on hazard weights
    for col in ("exposure", "vulnerability", "coping_gap", "consequence"):
        np.testing.assert_allclose(heavier.cells[col], base.cells[col])
    # where only flood acts, H rises with its weight (flood is no longer scaled by the max weight)
    only_flood = flood & (base.cells["share_flood"] > 0.999).to_numpy()
    assert (heavier.cells["hazard"][only_flood] > base.cells["hazard"][only_flood]).all()
    comp = score(
        fields, weights={"components": {"exposure": 1.0, "vulnerability": 0.0, "coping_gap": 0.0}}
    )
    np.testing.assert_allclose(comp.cells["consequence"], comp.cells["exposure"], atol=1e-12)


def test_a_rescoring_explains_and_recommends_as_a_first_scoring_would():
    """What a rescoring keeps from the scorings before it (the measure texts, the cell
    lookup, the contributors' heads) never shows: it explains and recommends exactly as
    the same weights on fields computed afresh."""
    data = rich_data()
    fields = compute_fields(data, grid_of(data))
    heavy = {"layers": {"flood": 5.0}, "components": {"coping_gap": 0.2}}
    first = score(fields)
    ids = first.cells["cell_id"].to_numpy()[:: max(1, len(first.cells) // 40)]
    for cid in ids:  # fills what the fields keep
        first.explain(cid, "en")
    again = score(fields, weights=heavy)
    fresh = score(compute_fields(data, grid_of(data)), weights=heavy)
    for col in ("measures", "measures_en", "level", "top_factor"):
        assert again.cells[col].astype(str).tolist() == fresh.cells[col].astype(str).tolist()
    assert (again.cells["level_rank"] != first.cells["level_rank"]).any()  # (a real change)
    for cid in ids:
        assert again.explain(cid, "zh") == fresh.explain(cid, "zh")
        row = again.cells.set_index("cell_id").loc[cid]
        assert again.explain(cid)["score"] == pytest.approx(row["score"])
    with pytest.raises(KeyError):
        again.explain("nope")


def test_explain_and_exports():
    data = rich_data()
    res = Study.from_data(data, cell_size=500.0, register=None).score()
    c = res.cells
    cid = c.sort_values("score").cell_id.iloc[-1]
    ex = res.explain(cid, lang="en")
    row = c.set_index("cell_id").loc[cid]
    assert ex["score"] == pytest.approx(row["score"])
    assert ex["components"]["hazard"] == pytest.approx(row["hazard"])
    assert ex["level"] == row["level_en"]
    assert ex["measures"] and ex["measures"][0].startswith(
        ("Major", "Significant", "General", "Low")
    )
    hz = [lyr for lyr in ex["layers"] if lyr["role"] == "hazard"]
    assert sum(lyr["share"] for lyr in hz) == pytest.approx(1.0)
    i = int(np.flatnonzero((c["cell_id"] == cid).to_numpy())[0])
    assert ex["contributors"] == json.loads(res.cells_for_output()["contributors"].iloc[i])
    assert ex["contributors"]  # the highest cell has some
    with pytest.raises(KeyError):
        res.explain("nope")
    w = res.to_wgs84()
    assert w.crs.to_epsg() == 4326 and len(w) == len(c)
    required = {
        "cell_id",
        "district",
        "adcode",
        "area_m2",
        "population",
        "hazard",
        "exposure",
        "vulnerability",
        "coping_gap",
        "consequence",
        "score",
        "likelihood",
        "severity",
        "level_rank",
        "level",
        "level_en",
        "top_factor",
        "top_factor_kind",
        "complete",
        "missing",
        "measures",
        "measures_en",
    }
    assert required <= set(c.columns)
    written = list(res.cells_for_output().columns)  # the text where files have had it
    assert written[written.index("top_factor_kind") + 1] == "contributors"
    assert {"grid", "fields", "score"} <= set(res.timings)


def test_missing_components_are_flagged():
    data = toy_data({"hazmat": ("hazmat_enterprise", points([(1000, 1000)], grade=["二级"]))})
    res = score(compute_fields(data, grid_of(data)))
    assert not res.cells["complete"].any()
    assert set(res.cells["missing"].iloc[0].split(",")) == {
        "exposure",
        "vulnerability",
        "coping_gap",
    }
    assert (res.cells["consequence"] == 0).all()


def test_level_table():
    t = level_table("en")
    assert [r["rank"] for r in t] == [4, 3, 2, 1]
    assert [r["zh"] for r in t] == ["重大", "较大", "一般", "低"]
    assert t[0]["label"] == "Major" and t[0]["color"].lower() == "#d7191c"
    assert len({r["color"] for r in t}) == 4
    assert level_table("zh")[3]["label"] == "低"


# ---------------------------------------------------------------- properties

_coord = st.floats(min_value=0.0, max_value=4000.0, allow_nan=False)
_SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _base_layers() -> dict[str, tuple[str, gpd.GeoDataFrame]]:
    return {
        "hazmat": ("hazmat_enterprise", points([(800, 900), (3100, 2800)], grade=["三级", "一级"])),
        "flood": (
            "flood_zone",
            polygons([box(X0 + 200, Y0 + 2500, X0 + 2500, Y0 + 3900)], level=["中"]),
        ),
        "pop": (
            "population",
            points([(500, 500), (2500, 2500), (3500, 1000)], count=[4000.0, 9000.0, 1500.0]),
        ),
        "shelter": ("shelter", points([(1000, 3000)], type=["固定"], area_m2=[8000.0])),
        "fire": ("fire_station", points([(3900, 3900)])),
    }


@_SETTINGS
@given(
    x=_coord,
    y=_coord,
    grade=st.sampled_from(["一级", "二级", "三级", "四级", "无"]),
    layer=st.sampled_from(["hazmat", "gas"]),
)
def test_adding_a_hazard_source_never_lowers_hazard(x, y, grade, layer):
    base = _base_layers()
    data0 = toy_data({**base, "gas": ("gas_station", points([(2000, 2000)], grade=["二级"]))})
    cells = build_grid(data0.boundary, data0.districts, cell_size=500.0, crs=CRS)
    h0 = score(compute_fields(data0, cells)).cells["hazard"].to_numpy()
    layers = dict(data0.layers)
    old = layers[layer].gdf
    new = pd.concat(
        [old, points([(x, y)], grade=[grade] if layer == "hazmat" else ["一级"]).assign(id="NEW")],
        ignore_index=True,
    )
    kind_name = "hazmat_enterprise" if layer == "hazmat" else "gas_station"
    data1 = toy_data(
        {
            **{n: (lyr.kind.kind, lyr.gdf) for n, lyr in layers.items()},
            layer: (kind_name, gpd.GeoDataFrame(new, crs=CRS)),
        }
    )
    h1 = score(compute_fields(data1, cells, tile_size=1000.0)).cells["hazard"].to_numpy()
    assert (h1 >= h0 - 1e-12).all()


@_SETTINGS
@given(
    x=_coord,
    y=_coord,
    kind=st.sampled_from(["紧急", "固定", "中心"]),
    area=st.floats(min_value=10, max_value=1e5),
)
def test_adding_a_shelter_never_raises_coping_gap(x, y, kind, area):
    base = _base_layers()
    data0 = toy_data(base)
    cells = build_grid(data0.boundary, data0.districts, cell_size=500.0, crs=CRS)
    l0 = score(compute_fields(data0, cells)).cells["coping_gap"].to_numpy()
    sh = base["shelter"][1]
    more = pd.concat(
        [sh, points([(x, y)], type=[kind], area_m2=[area]).assign(id="NEW")], ignore_index=True
    )
    data1 = toy_data({**base, "shelter": ("shelter", gpd.GeoDataFrame(more, crs=CRS))})
    l1 = score(compute_fields(data1, cells)).cells["coping_gap"].to_numpy()
    assert (l1 <= l0 + 1e-12).all()


@_SETTINGS
@given(factor=st.floats(min_value=0.01, max_value=100.0))
def test_scaling_all_weights_together_changes_no_level(factor):
    data = rich_data()
    fields = _rich_fields()
    base_w = layer_weights(fields, data.project.weights)
    comps = data.project.weights.components
    w0 = WeightsConfig(layers=base_w, components=comps)
    w1 = WeightsConfig(
        layers={k: v * factor for k, v in base_w.items()},
        components={k: v * factor for k, v in comps.items()},
    )
    a, b = score(fields, weights=w0).cells, score(fields, weights=w1).cells
    np.testing.assert_array_equal(a["level_rank"], b["level_rank"])
    np.testing.assert_allclose(a["score"], b["score"], rtol=1e-9, atol=1e-12)


_FIELDS_CACHE: dict[str, Fields] = {}


def _rich_fields() -> Fields:
    if "rich" not in _FIELDS_CACHE:
        data = rich_data()
        _FIELDS_CACHE["rich"] = compute_fields(
            data, build_grid(data.boundary, data.districts, cell_size=500.0, crs=CRS)
        )
    return _FIELDS_CACHE["rich"]


@pytest.mark.filterwarnings("ignore:Numba not installed")
def test_fisher_jenks_equals_mapclassify():
    import mapclassify

    for seed in range(3):
        x = np.random.default_rng(seed).gamma(1.0, 10.0, 300)
        np.testing.assert_allclose(fisher_jenks(x, 4), mapclassify.FisherJenks(x, k=4).bins)


# ---------------------------------------------------------------- the worked example of METHOD.md


@pytest.mark.slow
def test_worked_example_of_method_md():
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "METHOD.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- worked-example.*?```json\n(.*?)```", text, re.S)
    assert block, "METHOD.md lost its worked example"
    ex = json.loads(block.group(1))
    study = Study.from_project(ex["project"], cell_size=float(ex["cell_size"]), register=None)
    res = study.score()
    got = res.explain(ex["cell_id"])
    assert got["district"] == ex["district"]
    assert got["population"] == pytest.approx(ex["population"], rel=1e-5)
    for comp in ("hazard", "exposure", "vulnerability", "coping_gap", "consequence"):
        assert got["components"][comp] == pytest.approx(ex[comp], rel=1e-5, abs=1e-6), comp
    assert got["score"] == pytest.approx(ex["score"], rel=1e-5)
    assert (got["likelihood"], got["severity"], got["level_rank"]) == (
        ex["likelihood"],
        ex["severity"],
        ex["level_rank"],
    )
    layers = {lyr["layer"]: lyr for lyr in got["layers"]}
    assert layers["flood_zones"]["share"] == pytest.approx(ex["share_flood_zones"], rel=1e-5)
    assert layers["fire_stations"]["value"] == pytest.approx(ex["fire_minutes"], rel=1e-5)
    assert layers["shelters"]["value"] == pytest.approx(ex["shelter_m2_per_person"], rel=1e-5)
    assert got["contributors"][0]["id"] == ex["top_contributor"]


def test_project_without_hazard_layers_scores_zero_hazard():
    # a tiny project with only people and shelters: H = 0, and the hazard is named missing
    data = toy_data(
        {
            "pop": ("population", points([(500, 500), (2500, 2500)], count=[4000.0, 9000.0])),
            "shelter": ("shelter", points([(1000, 3000)], type=["固定"], area_m2=[8000.0])),
        }
    )
    res = score(compute_fields(data, grid_of(data)))
    c = res.cells
    assert len(c) == 256
    assert (c["hazard"] == 0).all() and (c["score"] == 0).all()
    assert "hazard" in c["missing"].iloc[0].split(",")
    assert not c["complete"].any()
    assert "contributors" not in c.columns  # made when shown or written
    assert (res.contributors() == "[]").all()
    assert (c["likelihood"] == 1).all() and (c["level_rank"] <= 2).all()  # R = 1 x severity <= 5
    assert c["exposure"].max() > 0  # the other components are still computed
    # measures still work: every cell gets the general rule of its level
    assert c["measures"].str.len().min() > 0
    ex = res.explain(str(c["cell_id"].iloc[0]), lang="en")
    assert ex["contributors"] == [] and "hazard" in ex["missing"]


def test_recompute_capacity_equals_a_full_recompute():
    """A new shelter and fire station (and a capacity layer the project lacked) change only
    the capacity part: recomputing it alone gives the fields and scores of a full run."""
    from dataclasses import replace

    data = rich_data()
    cells = grid_of(data)
    before = compute_fields(data, cells, tile_size=3000.0)
    layers = dict(data.layers)
    for name, extra in (
        ("shelter", points([(4100, 3900)], type=["中心"], area_m2=[80000.0])),
        ("fire", points([(7000, 1000)])),
    ):
        lyr = layers[name]
        layers[name] = replace(lyr, gdf=pd.concat([lyr.gdf, extra], ignore_index=True))
    layers["depot"] = Layer(
        binding=LayerBinding(name="depot", kind="supply_depot", path="depot.csv"),
        kind=KINDS["supply_depot"],
        gdf=points([(2000, 2000)]),
    )
    after_data = replace(data, layers=layers)
    full = compute_fields(after_data, cells, tile_size=3000.0)
    quick = recompute_capacity(before, after_data, tile_size=3000.0)
    assert [i.name for i in quick.layers] == [i.name for i in full.layers]
    assert quick.missing == full.missing
    assert set(quick.capacity) == set(full.capacity) == set(before.capacity) | {"depot"}
    for name in full.capacity:
        np.testing.assert_allclose(quick.access[name], full.access[name], rtol=1e-12, err_msg=name)
        np.testing.assert_allclose(
            quick.capacity[name], full.capacity[name], rtol=1e-12, atol=1e-15
        )
    assert not np.array_equal(
        quick.capacity["shelter"], before.capacity["shelter"]
    )  # the change shows
    a, b = score(full).cells, score(quick).cells
    np.testing.assert_allclose(b["coping_gap"], a["coping_gap"], rtol=1e-12)
    np.testing.assert_allclose(b["score"], a["score"], rtol=1e-12)
    np.testing.assert_array_equal(b["level_rank"], a["level_rank"])
    with pytest.raises(ValueError, match="compute_fields"):
        recompute_capacity(
            before, replace(data, layers={k: v for k, v in data.layers.items() if k != "gas"})
        )
