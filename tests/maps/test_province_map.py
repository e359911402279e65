"""The map at province scale (issue 14 item 5): compact point overlays whose tooltips keep
a budget, and each city drawn with a finer grid when the map is zoomed into it, all in a
page under the city map's 1 MB; checked in the HTML and in headless Chromium."""

from __future__ import annotations

import base64
import importlib.util
import io
import itertools
import json
import math
import re
import sys
import zlib
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from browser_support import serve_directory
from factories import lattice, write_tiny_province
from PIL import Image

import riskmap as rm
from riskmap.config.levels import LEVELS
from riskmap.maps import packing, risk_layers
from riskmap.maps.city_rasters import fit_budget

FINE = 250.0


@pytest.fixture(scope="module")
def province(tmp_path_factory):
    """The tiny province (two cities) scored at 1 km and at 250 m."""
    project = write_tiny_province(tmp_path_factory.mktemp("tinyprov"))
    coarse = rm.Study.from_project(project, register=None).score()
    fine = rm.Study.from_project(project, register=None, cell_size=FINE).score()
    return project, coarse, fine


@pytest.fixture(scope="module")
def page(province, tmp_path_factory):
    """province.html, and packed.html: the same over a smaller size limit (its scripts
    deflated, both cities still finer)."""
    _, coarse, fine = province
    folder = tmp_path_factory.mktemp("pmap")
    options = rm.MapOptions(overlays=("hazards",))
    rm.save_map(rm.build_map(coarse, options, fine=fine), folder / "province.html")
    whole = (folder / "province.html").read_text(encoding="utf-8")
    limit = len(packing.pack_page(whole).encode()) + 5_000
    packed = rm.maps.map_from_cells(coarse, coarse.data, overlays=["hazards"], fine=fine,
                                    max_page_bytes=limit)  # fmt: skip
    rm.save_map(packed, folder / "packed.html")
    return folder


def _fine_payload(html: str) -> list[dict]:
    (d,) = re.findall(r"var d = (\[\{\"n\"[^\n]*\]), layer = L\.layerGroup\(\)", html)
    return json.loads(d)


def _unpacked(page: str) -> str:
    """The scripts of a packed page (:func:`riskmap.maps.packing.pack_page`), as text."""
    (blob,) = re.findall(r'var z = "([A-Za-z0-9+/=]+)";', page)
    return "\n".join(json.loads(zlib.decompress(base64.b64decode(blob)).decode("utf-8")))


def _image(url: str) -> Image.Image:
    return Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1])))


# ------------------------------------------------------------------ the province's level


def test_many_cells_are_drawn_as_a_level_image_every_cell_its_colour(monkeypatch) -> None:
    # Scattered levels whose regions would need simplifying by more than a cell to fit the
    # vertex cap (a province at 1 km: cut stair steps drew small triangles, single cells
    # vanished): the level view is one image instead, each cell's centre its level.
    monkeypatch.setattr(risk_layers, "_MAX_LEVEL_VERTICES", 400)
    cells = lattice(40, 60, 1000.0)
    rng = np.random.default_rng(3)
    cells["level_rank"] = rng.choice([1, 2, 3, 4], len(cells), p=[0.6, 0.25, 0.1, 0.05])
    cells["score"] = cells["level_rank"] * 20.0
    html = rm.render_html(rm.maps.map_from_cells(cells, cell_size=1000.0))
    assert "rm-level-image" in html and "rm-level-" not in html.replace("rm-level-image", "")
    (url, s, w, n, e) = re.findall(
        r"L\.imageOverlay\((\"data:image/webp;base64,[^\"]+\"), "
        r"\[\[([-\d.]+), ([-\d.]+)\], \[([-\d.]+), ([-\d.]+)\]\]",
        html,
    )[0]
    img = np.asarray(_image(json.loads(url)).convert("RGBA"))
    s, w, n, e = (float(v) for v in (s, w, n, e))
    centre = cells.geometry.centroid.to_crs(4326)
    my = lambda v: np.log(np.tan(np.pi / 4 + np.radians(v) / 2))  # noqa: E731
    col = ((centre.x - w) / (e - w) * img.shape[1]).astype(int)
    row = ((my(n) - my(centre.y)) / (my(n) - my(s)) * img.shape[0]).astype(int)
    colours = {tuple(int(lv.color[i : i + 2], 16) for i in (1, 3, 5)): lv.rank for lv in LEVELS}
    got = [colours.get(tuple(p[:3])) for p in img[row, col]]
    assert got == cells["level_rank"].tolist()  # every cell, the orange and red ones too
    # Half a cell a pixel.
    width_m = (e - w) * 111_320 * math.cos(math.radians((s + n) / 2))
    assert width_m / img.shape[1] == pytest.approx(500.0, rel=0.05)


def test_regions_simplified_within_a_cell_stay_polygons() -> None:
    cells = lattice(40, 60, 1000.0)
    cells["level_rank"] = np.where(cells["x"] < cells["x"].median(), 1, 3)
    cells["score"] = cells["level_rank"] * 20.0
    html = rm.render_html(rm.maps.map_from_cells(cells, cell_size=1000.0))
    assert "rm-level-image" not in html and "rm-level-" in html


# ----------------------------------------------------------------------------- points


def test_points_are_integer_deltas_on_a_1_m_lattice() -> None:
    rng = np.random.default_rng(0)
    lon = np.round(rng.uniform(108.3, 116.1, 20_000), 5)  # Hubei's extent
    lat = np.round(rng.uniform(29.0, 33.3, 20_000), 5)
    d = packing.pack_points(lon, lat, rng.integers(0, 3, 20_000), radius=np.full(20_000, 5.0))
    q = np.cumsum(np.array(d["q"]).reshape(-1, 2), axis=0) + d["o"]
    got = sorted(zip(q[:, 0].tolist(), q[:, 1].tolist(), strict=True))
    want = sorted(
        zip(
            np.rint(lon * 1e5).astype(int).tolist(),
            np.rint(lat * 1e5).astype(int).tolist(),
            strict=True,
        )
    )
    assert got == want  # every point, to the metre
    assert d["r"] == 5 and sum(d["c"][1::2]) == 20_000  # one radius; symbols as runs
    # 5-decimal longitudes and latitudes took about 19 bytes a point; the deltas under 11.
    assert len(json.dumps(d["q"], separators=(",", ":"))) < 11 * 20_000


def test_tooltips_keep_their_budget_most_useful_first() -> None:
    # (text, packed) bytes per layer, most useful first.
    modes = packing.assign_tip_modes([(90, 30), (50, 20), (200, 60), (500, 90)], 150, 70)
    assert modes == ["text", "text", "packed", "none"]


# ---------------------------------------------------------------------- finer cities


def test_province_page_is_under_the_limit_with_a_finer_raster_per_city(page) -> None:
    html = (page / "province.html").read_text(encoding="utf-8")
    assert (page / "province.html").stat().st_size < 1_000_000
    cities = _fine_payload(html)
    assert sorted(c["n"] for c in cities) == ["东市", "西市"]
    for c in cities:
        img = _image(c["u"])
        assert c["u"].startswith("data:image/webp;base64,") and img.format == "WEBP"
        (s, w), (n, e) = c["b"]
        width_m = (e - w) * 111_320 * math.cos(math.radians((s + n) / 2))
        assert width_m / img.width == pytest.approx(FINE / 2, rel=0.05)  # half a 250 m cell a pixel
    assert "2/2 个城市显示 250 m 网格" in html  # the legend's note


def test_cities_that_do_not_fit_are_named_in_the_legend(province) -> None:
    _, coarse, fine = province
    whole = rm.render_html(rm.build_map(coarse, fine=fine))
    # A little less than the page with both cities, packed (its elements' random names
    # vary its size by some bytes; a city's image and entry take a few hundred): one fits,
    # the one with more 较大/重大 cells.
    smaller = len(packing.pack_page(whole).encode()) - 120
    packed = rm.render_html(
        rm.maps.map_from_cells(coarse, coarse.data, fine=fine, max_page_bytes=smaller)
    )
    assert len(packed.encode()) <= smaller
    html = _unpacked(packed)
    kept = _fine_payload(html)
    hot = fine.cells[fine.cells["level_rank"] >= 3]["district"].value_counts()
    riskiest = max(["东市", "西市"], key=lambda c: (hot.get(c, 0), c == "东市"))
    assert [c["n"] for c in kept] == [riskiest]
    left = ({"东市", "西市"} - {riskiest}).pop()
    assert "1/2 个城市显示 250 m 网格" in html and f"仅显示省域网格：{left}" in html


def test_budget_takes_the_riskiest_city_first() -> None:
    from riskmap.maps.city_rasters import CityRaster

    a = CityRaster("甲", "x" * 500, (0, 0, 1, 1), 9, hot=10, cells=5)
    b = CityRaster("乙", "x" * 300, (0, 0, 1, 1), 9, hot=2, cells=5)
    c = CityRaster("丙", "x" * 100, (0, 0, 1, 1), 9, hot=1, cells=5)
    kept, left = fit_budget([a, b, c], 1000)
    assert [k.name for k in kept] == ["甲", "丙"] and [k.name for k in left] == ["乙"]


# -------------------------------------------------------------------------- Chromium

_PIXEL_JS = """([lng, lat, city]) => {
  var layer = null;
  riskmapMap.eachLayer(function(l) { if (l.rmImages) { layer = l; } });
  var img = layer.rmImages.filter(function(i) { return i.rmCity === city; })[0];
  var el = img.getElement();
  if (!el || !el.complete) { return null; }
  var c = document.createElement('canvas'); c.width = el.naturalWidth; c.height = el.naturalHeight;
  var ctx = c.getContext('2d'); ctx.drawImage(el, 0, 0);
  var b = img.getBounds(), my = function(v) { return Math.log(Math.tan(Math.PI / 4 + v * Math.PI / 360)); };
  var x = Math.floor((lng - b.getWest()) / (b.getEast() - b.getWest()) * c.width);
  var y = Math.floor((my(b.getNorth()) - my(lat)) / (my(b.getNorth()) - my(b.getSouth())) * c.height);
  var p = ctx.getImageData(x, y, 1, 1).data;
  return [p[0], p[1], p[2], p[3]];
}"""


@pytest.mark.browser
@pytest.mark.parametrize("name", ["province.html", "packed.html"])
def test_zoomed_city_decodes_to_the_levels_of_its_cells(browser, province, page, name) -> None:
    _, coarse, fine = province
    colours = {tuple(int(lv.color[i : i + 2], 16) for i in (1, 3, 5)): lv.rank for lv in LEVELS}
    wgs = fine.cells.to_crs(4326)
    rng = np.random.default_rng(1)
    with serve_directory(page) as url:
        tab = browser.new_page(viewport={"width": 1200, "height": 850})
        errors: list[str] = []
        tab.on("pageerror", lambda e: errors.append(str(e)))
        tab.goto(f"{url}/{name}")
        tab.wait_for_function("window.riskmap && window.riskmap.ready === true")
        try:
            packed = 'var z = "' in (page / name).read_text(encoding="utf-8")
            assert packed == (name == "packed.html")  # stored deflated, drawn the same
            # At the province's zoom, no city is drawn finer.
            tab.wait_for_function(
                "() => { if (riskmapMap.getZoom() !== 9) {"
                " riskmapMap.setView(riskmapMap.getCenter(), 9, {animate: false}); }"
                " return riskmapMap.getZoom() === 9; }",
                timeout=10_000,
                polling=100,
            )
            assert tab.get_attribute(".folium-map", "data-fine-cities") == ""
            for city in ("西市", "东市"):
                mine = wgs[wgs["district"] == city]
                centre = mine.geometry.union_all().centroid
                # Zoom into the city (again, until a running zoom animation has ended).
                tab.wait_for_function(
                    "([y, x]) => { if (riskmapMap.getZoom() !== 12) {"
                    " riskmapMap.setView([y, x], 12, {animate: false}); }"
                    " return riskmapMap.getZoom() === 12; }",
                    arg=[centre.y, centre.x],
                    timeout=10_000,
                    polling=100,
                )
                tab.wait_for_function(
                    f"() => (document.querySelector('.folium-map').getAttribute('data-fine-cities') || '').indexOf({json.dumps(city)}) >= 0"
                )
                whole = mine[np.isclose(mine.to_crs(fine.cells.crs).area, FINE * FINE)]
                # Every level of the city's whole cells, and more of the commonest.
                sample = pd.concat(
                    [
                        g.sample(min(len(g), 6), random_state=rng)
                        for _, g in whole.groupby("level_rank")
                    ]
                )
                assert sample["level_rank"].nunique() >= 2
                for _, cell in sample.iterrows():
                    pt = cell.geometry.centroid
                    rgba = None
                    for _ in range(50):
                        rgba = tab.evaluate(_PIXEL_JS, [pt.x, pt.y, city])
                        if rgba is not None:
                            break
                        tab.wait_for_timeout(100)
                    assert rgba is not None and rgba[3] == 255, cell["cell_id"]
                    assert colours[tuple(rgba[:3])] == cell["level_rank"], cell["cell_id"]
            # The finer image is drawn over the province's regions (same pane, above).
            order = tab.evaluate(
                "() => Array.from(document.querySelector('.leaflet-rmRisk-pane').children)"
                ".map(function(e) { return [e.tagName, +getComputedStyle(e).zIndex]; })"
            )
            svg = max(z for tag, z in order if tag.lower() == "svg")
            assert all(z > svg for tag, z in order if tag == "IMG") and len(order) > 1, order
            # Every gas station is drawn (a clustered layer holds each as a marker).
            n = tab.evaluate(
                "() => { var n = 0; riskmapMap.eachLayer(function(l) {"
                " if (l.getLayers && l._featureGroup) { n += l.getLayers().length; } }); return n; }"
            )
            assert n == sum(len(lyr.gdf) for lyr in coarse.data.by_kind("gas_station"))
            assert errors == []
        finally:
            tab.close()


@pytest.mark.browser
def test_deflated_tooltips_decode_to_the_names(browser, province, tmp_path, monkeypatch) -> None:
    project, _, _ = province
    monkeypatch.setattr(packing, "TIP_TEXT_BYTES", 0)  # no text: every tooltip deflated
    coarse = rm.Study.from_project(project, register=None).score()  # (own data: no cache)
    html = rm.render_html(rm.build_map(coarse, rm.MapOptions(overlays=("hazards",))))
    assert '"tz":' in html and "加油站420102-0" not in html
    (tmp_path / "p.html").write_text(html, encoding="utf-8")
    with serve_directory(tmp_path) as url:
        tab = browser.new_page()
        tab.goto(f"{url}/p.html")
        tab.wait_for_function("window.riskmap && window.riskmap.ready === true")
        try:
            names = tab.wait_for_function(
                "() => { var out = []; riskmapMap.eachLayer(function(l) {"
                " if (l.getLayers && l._featureGroup) { l.getLayers().forEach(function(m) {"
                " var t = m.getTooltip(); out.push(t && t._content(m)); }); } });"
                " return out.length && out.every(function(t) { return t && t.indexOf('加油站') === 3; }) && out; }",
                polling=100,
                timeout=10_000,
            ).json_value()
            want = {
                f"<b>{n}</b>" for lyr in coarse.data.by_kind("gas_station") for n in lyr.gdf["name"]
            }
            assert {t.split("<br>")[0] for t in names} == want
        finally:
            tab.close()


# ------------------------------------------------------------- a Hubei-like province

_DEMO = Path(__file__).resolve().parents[2] / "scripts" / "make_province_demo.py"


@pytest.fixture(scope="module")
def hubei_like(tmp_path_factory) -> tuple[Path, pd.DataFrame]:
    """The province demo's four directly administered cities (仙桃, 潜江, 天门, 神农架: real
    boundaries, shared borders, synthetic layers) at 1 km with each city at 250 m: the
    page, and the finer cells in WGS84."""
    spec = importlib.util.spec_from_file_location("make_province_demo_pmap", _DEMO)
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    sys.modules["make_province_demo_pmap"] = script
    spec.loader.exec_module(script)
    folder = tmp_path_factory.mktemp("hubei_like")
    assert script.main(["--out", str(folder / "demo"), "--only", "4290", "--seed", "7"]) == 0
    project = folder / "demo" / "project.yaml"
    coarse = rm.Study.from_project(project, register=None, cell_size=1000).score()
    fine = rm.Study.from_project(project, register=None, cell_size=FINE).score()
    rm.save_map(rm.build_map(coarse, fine=fine), folder / "map.html")
    cells = fine.cells.assign(whole=fine.cells.area >= FINE * FINE * 0.999)
    return folder, cells.to_crs(4326)[["district", "level_rank", "whole", "geometry"]]


@pytest.mark.slow
@pytest.mark.browser
def test_every_city_of_a_real_province_at_250_m_under_1_mb(browser, hubei_like) -> None:
    folder, fine = hubei_like
    page = (folder / "map.html").read_text(encoding="utf-8")
    assert len(page.encode()) < 1_000_000
    html = _unpacked(page) if 'var z = "' in page else page
    cities = sorted(c["n"] for c in _fine_payload(html))
    assert cities == sorted(fine["district"].unique()) and len(cities) == 4
    assert "4/4 个城市显示 250 m 网格" in html
    # Real borders: each shared edge is in the page once (drawn unit by unit, every border
    # between two of these cities or counties was there twice, the province's edge three
    # times).
    (payload,) = re.findall(r"\(function\(rm\) \{\nvar d = (\{.*?\});\n", html)
    e = json.loads(payload)["e"]
    xy = np.cumsum(np.array(e["d"]).reshape(-1, 2), axis=0) + np.array(e["o"])
    ends = np.cumsum(e["r"])
    seen: Counter[frozenset] = Counter()
    for a, b in zip(np.r_[0, ends[:-1]], ends, strict=True):
        pts = [tuple(p) for p in xy[a:b].tolist()]
        seen.update(frozenset(s) for s in itertools.pairwise(pts) if s[0] != s[1])
    assert max(seen.values()) == 1
    colours = {tuple(int(lv.color[i : i + 2], 16) for i in (1, 3, 5)): lv.rank for lv in LEVELS}
    rng = np.random.default_rng(2)
    with serve_directory(folder) as url:
        tab = browser.new_page(viewport={"width": 1200, "height": 850})
        errors: list[str] = []
        tab.on("pageerror", lambda err: errors.append(str(err)))
        tab.goto(f"{url}/map.html")
        tab.wait_for_function("window.riskmap && window.riskmap.ready === true", timeout=30_000)
        try:
            for city in cities:
                mine = fine[fine["district"] == city]
                inner = mine[mine["whole"]]
                sample = inner.sample(min(len(inner), 12), random_state=rng)
                centre = inner.geometry.union_all().representative_point()
                tab.wait_for_function(
                    "([y, x]) => { var c = riskmapMap.getCenter(), here ="
                    " Math.abs(c.lat - y) < 1e-3 && Math.abs(c.lng - x) < 1e-3;"
                    " if (riskmapMap.getZoom() !== 11 || !here) {"
                    " riskmapMap.setView([y, x], 11, {animate: false}); }"
                    " return riskmapMap.getZoom() === 11 && here; }",
                    arg=[centre.y, centre.x],
                    timeout=10_000,
                    polling=100,
                )
                tab.wait_for_function(
                    "c => (document.querySelector('.folium-map')"
                    ".getAttribute('data-fine-cities') || '').split('|').indexOf(c) >= 0",
                    arg=city,
                    timeout=10_000,
                )
                for _, cell in sample.iterrows():
                    pt = cell.geometry.centroid
                    rgba = None
                    for _ in range(50):
                        rgba = tab.evaluate(_PIXEL_JS, [pt.x, pt.y, city])
                        if rgba is not None:
                            break
                        tab.wait_for_timeout(100)
                    assert rgba is not None and rgba[3] == 255, city
                    assert colours[tuple(rgba[:3])] == cell["level_rank"], city
            assert errors == []
        finally:
            tab.close()
