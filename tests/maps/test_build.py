"""The electronic risk map: rendered HTML, payload size, offline assets, cell lookup, AMap shift."""

from __future__ import annotations

import base64
import io
import json
import re

import numpy as np
import pytest
import shapely
from browser_support import (
    serve_directory,
    synthetic_boundary,
    synthetic_cells,
    synthetic_project_data,
)
from factories import write_tiny_province

import riskmap as rm
from riskmap import maps
from riskmap.config import MapOptions, MethodConfig
from riskmap.config.levels import LEVELS
from riskmap.io.crs import wgs84_to_gcj02
from riskmap.maps import assets
from riskmap.maps.display import _encode_shapes, _ScriptLayer
from riskmap.maps.risk_layers import _level_regions
from riskmap.maps.text import _IMAGE_STEPS, _t

XSS = "<script>alert(1)</script>"
ALLOWED_URLS = {
    "http://www.w3.org/2000/svg",
    "https://leafletjs.com",
    "https://bugzilla.mozilla.org/show_bug.cgi?id=888319",
}
"""Text inside Leaflet's own files that is never requested: the SVG namespace, the
attribution link, and a URL in a CSS comment."""


@pytest.fixture(scope="module")
def cells():
    return synthetic_cells(40, 30, 500.0)


@pytest.fixture(scope="module")
def data(cells):
    d = synthetic_project_data(cells, station_name=XSS)
    districts = d.districts.copy()
    districts.loc[0, "name"] = "西区" + XSS
    from dataclasses import replace

    return replace(d, districts=districts)


@pytest.fixture(scope="module")
def level_html(cells, data):
    return maps.render_html(maps.map_from_cells(cells, data))


def _urls(page: str) -> set[str]:
    return set(re.findall(r"https?://[^\s\"'<>)\\]+", page))


def _point_payloads(page: str) -> list[dict]:
    """The point overlays' payloads, positions decoded (``x``, ``y`` as in the page)."""
    out = []
    for m in re.findall(r"var d = (\{\"o\"[^\n]*\});\nreturn rm\.points", page):
        d = json.loads(m)
        q = np.cumsum(np.array(d["q"], dtype=np.int64).reshape(-1, 2), axis=0) + d["o"]
        d["x"], d["y"] = (q[:, 0] * 1e-5).tolist(), (q[:, 1] * 1e-5).tolist()
        out.append(d)
    return out


# ------------------------------------------------------------------------- legend


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_level_legend_names_colours_thresholds_and_method(cells, data, lang):
    page = maps.render_html(maps.map_from_cells(cells, data, lang=lang))
    for lv in LEVELS:
        label = (
            f"{lv.zh}（{lv.color_name_zh}）" if lang == "zh" else f"{lv.en} ({lv.color_name_en})"
        )
        assert label in page
        assert f"R {lv.matrix_min}–{lv.matrix_max}" in page
        assert f"background:{lv.color}" in page
    method = (
        "风险矩阵 R = 可能性 L × 严重性 S"
        if lang == "zh"
        else "Risk matrix R = likelihood L × severity S"
    )
    assert method in page
    counts = cells["level_rank"].value_counts()
    assert f"{int(counts[1]):,}" in page


@pytest.mark.parametrize("view", ["score", "hazard", "exposure", "vulnerability", "coping_gap"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_continuous_legend_has_scale_and_method(cells, data, view, lang):
    page = maps.render_html(maps.map_from_cells(cells, data, view=view, lang=lang))
    assert f'data-view=\\"{view}\\"' in page
    assert _t("method_" + view, lang) in page
    assert "linear-gradient" in page
    top = "100" if view == "score" else "10"
    assert f"<span>{top}<" in page
    assert 'L.imageOverlay("data:image/png;base64,' in page


def test_breaks_rule_legend_shows_score_breaks(cells, data):
    from dataclasses import replace

    project = data.project.model_copy(
        update={"levels": data.project.levels.model_copy(update={"rule": "breaks"})}
    )
    page = maps.render_html(maps.map_from_cells(cells, replace(data, project=project), lang="en"))
    assert "≥ 45" in page and "10–25" in page
    assert "Classed by risk-score breaks" in page


@pytest.mark.parametrize(
    ("rule", "says"),
    [
        ("quantiles", ["最高 2% · > 30.0", "60–90% · 10.0–20.0", "按风险值分位数分级"]),
        ("natural_breaks", ["> 30.0", "10.0–20.0", "按风险值自然断点分级"]),
        ("breaks", ["≥ 45", "10–25", "按风险值断点分级"]),
        ("matrix", ["R 20–25", "R 1–3", "风险矩阵"]),
    ],
)
def test_the_legend_states_the_rule_in_force_not_the_projects(cells, data, rule, says):
    """The session's rule (the project's is the matrix) and the thresholds the data gave."""
    from riskmap.config import LevelConfig

    page = maps.render_html(
        maps.map_from_cells(
            cells, data, levels=LevelConfig(rule=rule), thresholds=[10.0, 20.0, 30.0]
        )
    )
    for s in says:
        assert s.replace(">", "&gt;") in page, s
    if rule != "matrix":
        assert "R 20–25" not in page


# ------------------------------------------------------------------ layers, escaping


def test_layer_control_lists_overlays_and_default_visibility(cells, data):
    m = maps.map_from_cells(cells, data)
    layers = {c.layer_name: c.show for c in m._children.values() if isinstance(c, _ScriptLayer)}
    assert layers["城市安全风险等级"] is True
    assert layers["行政区划"] is True
    # Shelters, fire and community stations are on at opening; the others off.
    assert layers["应急避难场所"] is True
    assert layers["消防站"] is True
    assert layers["社区应急服务站"] is True
    assert layers["危险源"] is False
    assert any(
        name.startswith("消防站 5 分钟可达范围") and not shown for name, shown in layers.items()
    )
    page = maps.render_html(m)
    assert "L.control.layers" in page
    assert "markerClusterGroup" in page


def test_the_scale_bar_is_metric_only(cells, data):
    page = maps.render_html(maps.map_from_cells(cells, data))
    assert "L.control.scale({metric: true, imperial: false})" in page
    assert page.count("L.control.scale(") == 1  # not Leaflet's metric-and-imperial default


def test_overlays_argument_chooses_what_is_shown(cells, data):
    m = maps.map_from_cells(cells, data, overlays=["fire_stations", "hazards"])
    shown = {c.layer_name for c in m._children.values() if isinstance(c, _ScriptLayer) and c.show}
    assert {"消防站", "危险源", "城市安全风险等级"} <= shown
    assert "行政区划" not in shown
    with pytest.raises(ValueError, match="unknown overlay"):
        maps.map_from_cells(cells, data, overlays=["nope"])


def test_names_from_data_are_escaped(level_html):
    assert XSS not in level_html
    assert "alert(1)</script>" not in level_html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in level_html  # station tooltip
    assert "西区&lt;script&gt;" in level_html  # district label


def test_closed_hidden_hazards_are_not_drawn(level_html):
    assert "隐患甲" in level_html
    assert "已销号隐患" not in level_html


def test_fire_reach_radius_from_method():
    assert maps.fire_reach_m(MethodConfig()) == pytest.approx(4 * 30_000 / 60 / 1.3)
    assert maps.fire_reach_m(
        MethodConfig(fire_speed_kmh=60, fire_turnout_min=2, detour_factor=1.0)
    ) == pytest.approx(3000)


# ------------------------------------------------------------------------ offline


def test_inline_page_loads_nothing_from_other_hosts(level_html):
    assert not re.search(r"<script[^>]+src=", level_html)
    assert not re.search(r"<link[^>]+href=", level_html)
    assert _urls(level_html) <= ALLOWED_URLS
    assert 'data-asset="leaflet"' in level_html
    # Leaflet comes before the map script that uses it.
    assert level_html.index('data-asset="leaflet"') < level_html.index("L.map(")


def test_url_assets_point_at_the_served_folder(cells, data):
    page = maps.render_html(
        maps.map_from_cells(cells, data, assets="url", asset_url="app/static/riskmap")
    )
    srcs = re.findall(r'<script[^>]+src="([^"]+)"', page)
    hrefs = re.findall(r'<link[^>]+href="([^"]+)"', page)
    assert "/app/static/riskmap/leaflet.js" in srcs
    assert "/app/static/riskmap/leaflet.markercluster.js" in srcs
    assert "/app/static/riskmap/leaflet.css" in hrefs
    assert all(u.startswith("/app/static/riskmap/") for u in srcs + hrefs)
    assert _urls(page) <= ALLOWED_URLS
    # folium's class-level CDN lists are untouched (other maps in the process keep working).
    import folium

    assert folium.Map.default_js[0][1].startswith("https://")


def test_osm_basemap_adds_only_its_tiles(cells, data):
    page = maps.render_html(maps.map_from_cells(cells, data, basemap="osm"))
    assert _urls(page) - ALLOWED_URLS == {"https://tile.openstreetmap.org/{z}/{x}/{y}.png"}


def test_install_static_copies_every_asset(tmp_path):
    files = assets.install_static(tmp_path / "riskmap")
    names = {p.relative_to(tmp_path / "riskmap").as_posix() for p in files}
    assert {
        "leaflet.js",
        "leaflet.css",
        "images/layers.png",
        "leaflet.markercluster.js",
        "MarkerCluster.css",
        "MarkerCluster.Default.css",
    } <= names
    assert (tmp_path / "riskmap" / "leaflet.js").read_bytes() == assets.ASSETS[
        0
    ].source.read_bytes()
    again = assets.install_static(tmp_path / "riskmap")  # idempotent
    assert again == files


def test_inline_css_embeds_leaflet_images():
    text = assets.render_inline_assets()
    assert "url(images/" not in text
    assert "data:image/png;base64," in text
    assert "sourceMappingURL" not in text


# ------------------------------------------------------------------------ payload


@pytest.mark.slow
def test_payload_does_not_grow_with_the_cell_count():
    small = synthetic_cells(100, 100, 1000.0)  # ~7.7k cells after clipping
    large = synthetic_cells(450, 450, 1000.0 * 100 / 450)  # ~156k cells, same extent and pattern
    assert len(large) > 15 * len(small)
    sizes = {}
    for name, c in (("small", small), ("large", large)):
        d = synthetic_project_data(c, boundary=synthetic_boundary(100_000, 100_000))
        sizes[name] = len(maps.render_html(maps.map_from_cells(c, d)).encode("utf-8"))
    assert sizes["large"] / sizes["small"] < 1.5, sizes
    assert sizes["large"] < 1_500_000


# ----------------------------------------------------------------------- cell_at


def _centre_lonlat(cells, cell_id):
    row = cells[cells["cell_id"] == cell_id]
    c = row.geometry.representative_point().to_crs(4326).iloc[0]
    return c.x, c.y


def test_cell_at_finds_cells_and_none_outside(cells):
    for cid in ["r15c20", "r3c12", cells["cell_id"].iloc[-1]]:
        lon, lat = _centre_lonlat(cells, cid)
        assert maps.cell_at(cells, lon, lat) == cid
    assert maps.cell_at(cells, 100.0, 10.0) is None
    # A corner of the grid square r0c0 lies outside the clipping ellipse: no cell.
    sq = shapely.Point(200_000 + 10, 3_360_000 + 10)
    import geopandas as gpd

    corner = gpd.GeoSeries([sq], crs=cells.crs).to_crs(4326).iloc[0]
    assert maps.cell_at(cells, corner.x, corner.y) is None


def test_cells_at_is_vectorised_and_matches_geometry(cells):
    rng = np.random.default_rng(3)
    pts = rng.uniform(cells.total_bounds[:2], cells.total_bounds[2:], size=(500, 2))
    import geopandas as gpd

    ll = gpd.GeoSeries(shapely.points(pts), crs=cells.crs).to_crs(4326)
    found = maps.cells_at(cells, ll.x.to_numpy(), ll.y.to_numpy())
    # Reference: a plain spatial join.
    joined = gpd.sjoin(
        gpd.GeoDataFrame(geometry=shapely.points(pts), crs=cells.crs),
        cells[["cell_id", "geometry"]],
        how="left",
        predicate="intersects",
    )
    expected = joined.groupby(level=0)["cell_id"].first().reindex(range(500)).to_numpy()
    assert list(found) == [e if isinstance(e, str) else None for e in expected]


def test_cell_at_with_h3_like_cells_uses_geometry(cells):
    hexes = cells.copy()
    hexes["geometry"] = hexes.geometry.centroid.buffer(260.0, quad_segs=2)  # octagons: not squares
    hexes["cell_id"] = "h" + hexes["cell_id"]
    idx = maps.build_cell_index(hexes)
    assert idx.cell_size is None
    lon, lat = _centre_lonlat(cells, "r15c20")
    assert maps.cell_at(hexes, lon, lat, index=idx) == "hr15c20"


def test_cell_at_on_amap_undoes_the_gcj02_shift(cells):
    lon, lat = _centre_lonlat(cells, "r15c20")
    glon, glat = wgs84_to_gcj02(lon, lat)
    assert maps.cell_at(cells, float(glon), float(glat), basemap="amap") == "r15c20"
    # The same GCJ-02 numbers read as WGS84 land a few hundred metres away, in another cell.
    assert maps.cell_at(cells, float(glon), float(glat)) != "r15c20"


# --------------------------------------------------------------------- AMap shift


def test_amap_shifts_overlays_and_image_to_gcj02(cells, data):
    plain = maps.render_html(
        maps.map_from_cells(cells, data, overlays=["fire_stations"], view="score")
    )
    amap = maps.map_from_cells(
        cells, data, overlays=["fire_stations"], view="score", basemap="amap"
    )
    shifted = maps.render_html(amap)
    assert "https://webrd0{s}.is.autonavi.com/appmaptile" in shifted
    tiles = [c for c in amap._children.values() if type(c).__name__ == "TileLayer"]
    assert tiles and "高德地图" in tiles[0].options["attribution"]
    fire = data.layers["fire_stations"].gdf.to_crs(4326)
    lon, lat = fire.geometry.x.to_numpy(), fire.geometry.y.to_numpy()
    glon, glat = wgs84_to_gcj02(lon, lat)

    def _fire(page):
        (d,) = [p for p in _point_payloads(page) if any("一号站" in t for t in p["t"])]
        return np.array(d["x"]), np.array(d["y"])

    px, py = _fire(plain)
    sx, sy = _fire(shifted)
    np.testing.assert_allclose(px, lon, atol=1e-5)
    np.testing.assert_allclose(py, lat, atol=1e-5)
    np.testing.assert_allclose(sx, glon, atol=1e-5)
    np.testing.assert_allclose(sy, glat, atol=1e-5)
    assert np.all(np.hypot(sx - lon, sy - lat) > 1e-3)  # hundreds of metres

    def _bounds(page):
        m = re.search(
            r"L\.imageOverlay\(\"data:[^\"]+\", \[\[([-\d.]+), ([-\d.]+)\], \[([-\d.]+), ([-\d.]+)\]\]",
            page,
        )
        return np.array([float(v) for v in m.groups()])

    s0, w0, n0, e0 = _bounds(plain)
    s1, w1, n1, e1 = _bounds(shifted)
    dlon, dlat = wgs84_to_gcj02((w0 + e0) / 2, (s0 + n0) / 2)
    assert (w1 + e1) / 2 - (w0 + e0) / 2 == pytest.approx(float(dlon) - (w0 + e0) / 2, abs=2e-4)
    assert (s1 + n1) / 2 - (s0 + n0) / 2 == pytest.approx(float(dlat) - (s0 + n0) / 2, abs=2e-4)


# ------------------------------------------------------------------ image placement


def test_image_pixels_show_the_cell_under_them(cells, data):
    """Where Leaflet draws a pixel (linear in Web-Mercator between the bounds), the colour
    class is that of the cell at that place."""
    page = maps.render_html(maps.map_from_cells(cells, data, view="score", max_detail_cells=0))
    m = re.search(
        r"L\.imageOverlay\(\"data:image/png;base64,([^\"]+)\", \[\[([-\d.]+), ([-\d.]+)\], \[([-\d.]+), ([-\d.]+)\]\]",
        page,
    )
    from PIL import Image

    img = np.asarray(Image.open(io.BytesIO(base64.b64decode(m.group(1)))))
    south, west, north, east = (float(v) for v in m.groups()[1:])
    ny, nx = img.shape

    def merc(lat):
        return np.log(np.tan(np.pi / 4 + np.radians(lat) / 2))

    checked = 0
    for cid in ["r15c20", "r18c12", "r10c28", "r20c15", "r5c20"]:
        lon, lat = _centre_lonlat(cells, cid)
        col = int((lon - west) / (east - west) * nx)
        row = int((merc(north) - merc(lat)) / (merc(north) - merc(south)) * ny)
        score = float(cells.loc[cells["cell_id"] == cid, "score"].iloc[0])
        expected = min(int(score / 100 * _IMAGE_STEPS), _IMAGE_STEPS - 1) + 1
        assert img[row, col] == expected, cid
        checked += 1
    assert checked == 5
    assert (img == 0).any()  # outside the boundary stays transparent


def test_bad_arguments_raise(cells, data):
    with pytest.raises(ValueError, match="view"):
        maps.map_from_cells(cells, data, view="colour")
    with pytest.raises(ValueError, match="basemap"):
        maps.map_from_cells(cells, data, basemap="google")
    with pytest.raises(ValueError, match="lack"):
        maps.map_from_cells(cells.drop(columns=["hazard"]), data, view="hazard")


# ------------------------------------------------------------------- level regions


@pytest.mark.parametrize("seed", [0, 1])
def test_level_regions_equal_the_union_of_their_cells(seed):
    """The nested regions drawn for the level view (before simplification) are exactly
    the cells of level >= k: checkerboard corners, holes, islands and clipped cells."""
    c = synthetic_cells(36, 28, 500.0)  # clipped to an ellipse: partial boundary cells
    rng = np.random.default_rng(seed)
    ranks = rng.choice([1, 2, 3, 4], size=len(c), p=[0.4, 0.3, 0.2, 0.1])
    geoms = np.asarray(c.geometry.values, dtype=object)
    index = maps.build_cell_index(c, 500.0)
    present, regions = _level_regions(geoms, ranks, index)
    assert present == [1, 2, 3, 4]
    for k, region in zip(present, regions, strict=True):
        expected = shapely.union_all(geoms[ranks >= k])
        assert shapely.is_valid(region)
        assert shapely.area(shapely.symmetric_difference(region, expected)) < 1e-6 * expected.area
    # Repeated calls reuse the grid's raster and footprint and give the same regions.
    _, again = _level_regions(geoms, ranks, index)
    assert all(shapely.equals(a, b) for a, b in zip(regions, again, strict=True))


def _decode(e):
    """Python twin of the page's rm.decode: per geometry, parts of rings of (lon, lat)."""
    x, y = e["o"]
    k = pi = ri = 0
    out = []
    for n_parts in e["g"]:
        parts = []
        for _ in range(n_parts):
            rings = []
            for _ in range(e["p"][pi]):
                ring = []
                for _ in range(e["r"][ri]):
                    x += e["d"][k]
                    y += e["d"][k + 1]
                    k += 2
                    ring.append((x * 1e-5, y * 1e-5))
                rings.append(ring)
                ri += 1
            parts.append(rings)
            pi += 1
        out.append(parts)
    return out


def test_encoded_shapes_decode_to_the_same_geometries():
    square = shapely.box(114.0, 30.0, 114.01, 30.01)
    holed = shapely.Polygon(
        square.exterior.coords, [shapely.box(114.002, 30.002, 114.004, 30.004).exterior.coords]
    )
    multi = shapely.MultiPolygon([holed, shapely.box(114.02, 30.0, 114.03, 30.005)])
    geoms = np.array([multi, square], dtype=object)
    decoded = _decode(_encode_shapes(geoms, polygons=True))
    rebuilt = [
        shapely.MultiPolygon([shapely.Polygon(rings[0], rings[1:]) for rings in parts])
        for parts in decoded
    ]
    for got, want in zip(rebuilt, geoms, strict=True):
        assert shapely.equals_exact(
            shapely.normalize(got),
            shapely.normalize(shapely.MultiPolygon(shapely.get_parts(want).tolist())),
            tolerance=1e-9,
        )
    lines = np.array(
        [shapely.MultiLineString([[(114.0, 30.0), (114.1, 30.1)], [(114.2, 30.0), (114.3, 30.0)]])],
        dtype=object,
    )
    (parts,) = _decode(_encode_shapes(lines, polygons=False))
    assert [r[0] for r in parts] == [
        [pytest.approx(p) for p in seg]
        for seg in ([(114.0, 30.0), (114.1, 30.1)], [(114.2, 30.0), (114.3, 30.0)])
    ]


# -------------------------------------------------------------------- detail cells


def _layer_names(m) -> list[str]:
    return [getattr(c, "layer_name", "") for c in m._children.values()]


def _detail_ids(page: str) -> list[str]:
    (payload,) = re.findall(r"var d = (\{\"o\"[^\n]*\});\nreturn rm\.cells", page)
    rc = json.loads(payload)["rc"]
    return [f"r{rc[i]}c{rc[i + 1]}" for i in range(0, len(rc), 2)]


def test_detail_cells_are_the_highest_scoring_orange_and_red_cells(cells, data):
    hot = cells[cells["level_rank"] >= 3].sort_values("score", ascending=False, kind="stable")
    assert 10 < len(hot) < len(cells) / 2
    m = maps.map_from_cells(cells, data, max_detail_cells=10)
    assert _detail_ids(maps.render_html(m)) == hot["cell_id"].head(10).tolist()
    assert "重点网格（较大及以上风险值最高 10 个）" in _layer_names(m)
    m = maps.map_from_cells(cells, data, lang="en")  # all of them fit
    assert sorted(_detail_ids(maps.render_html(m))) == sorted(hot["cell_id"])
    assert f"Detail cells (Significant and above, {len(hot)})" in _layer_names(m)
    page = maps.render_html(maps.map_from_cells(cells, data, detail_min_level=4))
    assert sorted(_detail_ids(page)) == sorted(cells.loc[cells["level_rank"] == 4, "cell_id"])
    assert (
        "rm.cells"
        not in maps.render_html(maps.map_from_cells(cells, data, max_detail_cells=0)).split(
            "rm.cells = "
        )[1]
    )


# ------------------------------------------------------------- control and assets


def test_layer_control_can_start_collapsed(cells, data):
    def _collapsed(m):
        (ctrl,) = [c for c in m._children.values() if type(c).__name__ == "LayerControl"]
        return ctrl.options["collapsed"]

    assert _collapsed(maps.map_from_cells(cells, data)) is False
    assert _collapsed(maps.map_from_cells(cells, data, collapsed_control=True)) is True


def test_use_local_assets_links_installed_files_and_leaves_the_map_alone():
    import folium
    from folium.plugins import MarkerCluster

    m = folium.Map(location=[30.6, 114.3], zoom_start=10, tiles=None)
    folium.Marker([30.6, 114.3]).add_to(m)
    local = maps.use_local_assets(m, "app/static/riskmap")
    page = local.get_root().render()
    assert "cdn.jsdelivr.net" not in page and "cdnjs" not in page
    assert "app/static/riskmap/leaflet.js" in page
    assert "markercluster" not in page
    assert "cdn.jsdelivr.net" in m.get_root().render()  # the original is unchanged
    clustered = folium.Map(location=[30.6, 114.3], tiles=None)
    MarkerCluster().add_to(clustered)
    assert (
        "app/static/riskmap/leaflet.markercluster.js"
        in maps.use_local_assets(clustered).get_root().render()
    )
    with pytest.raises(ValueError, match="asset bundle"):
        maps.use_local_assets(m, plugins=["leaflet", "d3"])


# ------------------------------------------------------------------ overlay cache


def test_overlays_are_reused_for_the_same_data_and_redrawn_for_other_data(cells, data):
    from dataclasses import replace

    first = maps.render_html(maps.map_from_cells(cells, data))
    rescored = cells.copy()
    rescored["level_rank"] = 5 - rescored["level_rank"]
    second = maps.render_html(maps.map_from_cells(rescored, data))  # same data object: reused
    assert "西区&lt;script&gt;" in second  # overlays still there
    assert _detail_ids(first) != _detail_ids(second)  # the cells follow the new scores
    renamed = data.districts.copy()
    renamed.loc[0, "name"] = "新名字区"
    other = replace(data, districts=renamed)
    assert "新名字区" in maps.render_html(
        maps.map_from_cells(cells, other)
    )  # another object: redrawn


# ------------------------------------------------------------- dynamic layers (app)


def _without_ids(page: str) -> str:
    return re.sub(r"_[0-9a-f]{32}", "_ID", page)


def _rescored(cells):
    out = cells.copy()
    out["level_rank"] = 5 - out["level_rank"]
    out["score"] = 100 - out["score"]
    return out


def test_dynamic_map_sends_the_score_layers_apart(cells, data):
    first = maps.map_from_cells(cells, data, dynamic=True)
    second = maps.map_from_cells(_rescored(cells), data, dynamic=True)
    again = maps.map_from_cells(cells, data, dynamic=True)
    page = maps.render_html(first)
    # The map's own page has no level regions, detail cells or legend: after a weight
    # change it is the same page, and the browser keeps it.
    assert "rm-level-" not in page and "return rm.cells" not in page
    assert _without_ids(page) == _without_ids(maps.render_html(second))
    layers = first.riskmap_layers
    assert layers.js.startswith(f'window.riskmap.swap("{layers.key}", ')
    assert "rm-level-" in layers.js and "return rm.cells" in layers.js
    assert "城市安全风险等级" in layers.js  # layer name for the layer control
    assert "重大" in layers.js  # the legend
    assert layers.key == again.riskmap_layers.key
    assert layers.key != second.riskmap_layers.key
    assert _detail_ids(layers.js) != _detail_ids(second.riskmap_layers.js)
    assert not hasattr(maps.map_from_cells(cells, data), "riskmap_layers")


@pytest.mark.browser
def test_dynamic_layers_replace_each_other_in_the_browser(cells, data, browser, tmp_path):
    first = maps.map_from_cells(cells, data, dynamic=True)
    second = maps.map_from_cells(_rescored(cells), data, dynamic=True)
    # As streamlit-folium does: the layers' script runs after the map's own script.
    page_html = maps.render_html(first).replace(
        "</html>", f"<script>{first.riskmap_layers.js}</script></html>"
    )
    (tmp_path / "map.html").write_text(page_html, encoding="utf-8")
    (tmp_path / "second.js").write_text(second.riskmap_layers.js, encoding="utf-8")
    with serve_directory(tmp_path) as url:
        page = browser.new_page(viewport={"width": 1000, "height": 700})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{url}/map.html")
        page.wait_for_selector("path.rm-level")

        def state():
            return page.evaluate(
                """() => ({key: document.querySelector('.folium-map').getAttribute('data-riskmap-layers'),
                           regions: Array.from(document.querySelectorAll('path.rm-level'))
                                         .map(p => p.getAttribute('d')).join('|'),
                           legends: document.querySelectorAll('.leaflet-bottom.leaflet-right > *').length,
                           names: Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))
                                       .map(l => l.textContent.trim())})"""
            )

        before = state()
        assert before["key"] == first.riskmap_layers.key
        assert "城市安全风险等级" in before["names"]
        # The user hides the detail cells; then the weights change.
        page.locator(".leaflet-control-layers-overlays label", has_text="重点网格").locator(
            "input"
        ).check(force=True)
        page.locator(".leaflet-control-layers-overlays label", has_text="重点网格").locator(
            "input"
        ).uncheck(force=True)
        page.add_script_tag(url=f"{url}/second.js")
        after = state()
        assert after["key"] == second.riskmap_layers.key
        assert after["regions"] != before["regions"]  # the regions of the new levels
        assert after["legends"] == before["legends"]  # the old legend was removed
        assert len(after["names"]) == len(before["names"])  # the old layers left the control
        assert after["names"].count("城市安全风险等级") == 1
        detail_shown = page.evaluate(
            "() => { var on = null; riskmap.dyn.items.forEach(function(it) {"
            " if (it.id === 'detail') { on = riskmapMap.hasLayer(it.layer); } }); return on; }"
        )
        assert detail_shown is False  # kept hidden, as the user left it
        page.add_script_tag(url=f"{url}/second.js")  # the same layers again: nothing redrawn
        assert state() == after
        assert errors == []
        page.close()


def test_the_score_ramp_follows_the_data(cells, data):
    low = cells.assign(score=cells["score"] / cells["score"].max() * 46.0)
    page = maps.render_html(maps.map_from_cells(low, data, view="score"))
    assert "<span>50<\\/span>" in page and "<span>100<\\/span>" not in page


@pytest.mark.parametrize(("lang", "name"), [("zh", "西区"), ("en", "West")])
def test_district_labels_speak_the_maps_language(cells, data, lang, name):
    from dataclasses import replace

    districts = data.districts.assign(name_en=["West", ""])  # 东区 has no English name
    page = maps.render_html(
        maps.map_from_cells(cells, replace(data, districts=districts), lang=lang)
    )
    assert f'"{name}' in page
    assert '"东区"' in page  # without an English name the Chinese one stays


def test_a_province_map_draws_its_counties_under_its_cities(tmp_path) -> None:
    study = rm.Study.from_project(write_tiny_province(tmp_path / "province"))
    page = maps.build_map(study.score(), MapOptions(lang="en")).get_root().render()
    # One layer-control entry each; county names travel escaped, shown from zoom 8 on.
    assert '"Districts" :' in page and '"Counties" :' in page
    assert '"n":["西南县","西北县","东南县","东北县"]' in page.replace(" ", "")
    assert "map.getZoom() >= 8" in page and "map.getZoom() >= 0" in page


def test_overlay_marks_are_the_maps_symbols_at_the_points(data) -> None:
    """The point overlays for a picture drawn elsewhere (the PNG of the map): the map's
    symbols, labelled as its overlay legend, at the layers' points (working CRS); only
    the overlays asked for."""
    from riskmap.maps import overlay_marks
    from riskmap.maps.text import _SHELTER_COLORS, _SYMBOLS

    marks = overlay_marks(data, ["fire_stations", "shelters"], "zh")
    fire = [m for m in marks if m["label"] == _t("fire_stations", "zh")]
    assert len(fire) == 1
    assert {k: fire[0][k] for k in ("s", "f", "k", "m")} == {
        k: _SYMBOLS["fire_stations"].get(k) for k in ("s", "f", "k", "m")
    }
    stations = data.by_kind("fire_station")[0].gdf
    got = np.sort(np.column_stack([fire[0]["x"], fire[0]["y"]]), axis=0)
    want = np.sort(np.column_stack([stations.geometry.x, stations.geometry.y]), axis=0)
    assert np.allclose(got, want, atol=2.0)  # (the map's 1e-5° positions: about 1 m)
    shelters = [m for m in marks if m["label"].startswith(_t("shelters", "zh") + " · ")]
    assert shelters and {m["f"] for m in shelters} <= set(_SHELTER_COLORS.values())
    assert sum(len(m["x"]) for m in shelters) == len(data.by_kind("shelter")[0].gdf)
    assert not [m for m in marks if m["label"] == _t("community_stations", "zh")]
    assert overlay_marks(data, [], "zh") == []
