"""The risk map changes in place (issue 15, item 8): a cell click, an overlay toggle, a view
switch, a district zoom and a basemap switch keep the map the browser already shows (the
same Leaflet map: no reload, no blank frame, the user's zoom kept) and change only what
they change."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

import pytest
from browser_support import OUTPUT_DIR, app_session, wait_streamlit_idle

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = OUTPUT_DIR / "in_place"
MAP = 'iframe[title="streamlit_folium.st_folium"]'
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


@pytest.fixture(scope="module")
def app(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with app_session(browser, tmp_path_factory.mktemp("in_place"), SHOTS) as session:
        page = session["page"]
        # OpenStreetMap's tiles are not fetched (no network in the tests).
        page.context.route(
            "**/*",
            lambda route: (
                route.abort()
                if urlparse(route.request.url).hostname not in LOCAL_HOSTS
                else route.continue_()
            ),
        )
        yield session


def _frame(page: Any) -> Any:
    handle = page.locator(MAP).first.element_handle()
    return handle.content_frame()


def _in_map(page: Any, js: str) -> Any:
    return _frame(page).evaluate(js)


def _idle(page: Any) -> None:
    page.wait_for_timeout(300)
    wait_streamlit_idle(page)
    page.wait_for_timeout(300)


def _same_map(page: Any) -> bool:
    """Whether the map on screen is still the one marked by :func:`_mark`."""
    return bool(_in_map(page, "() => window.__rmTestMark === 1"))


def _mark(page: Any) -> None:
    _in_map(page, "() => { window.__rmTestMark = 1; }")


def _overlays(page: Any) -> list[str]:
    return list(
        _in_map(
            page,
            "() => Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))"
            ".filter(l => l.querySelector('input').checked).map(l => l.innerText.trim())",
        )
    )


def _view(page: Any) -> str:
    return str(_in_map(page, "() => map_div.getZoom() + ':' + map_div.getCenter().toString()"))


def _choose(page: Any, label: str, option: str) -> None:
    box = page.locator('[data-testid="stSidebar"]').get_by_role("combobox", name=label).first
    box.click()
    box.fill(option)
    page.get_by_role("option", name=option, exact=True).first.click()
    page.keyboard.press("Escape")
    _idle(page)


def test_map_opens(app: dict[str, Any]) -> None:
    page = app["page"]
    page.locator(MAP).first.wait_for(state="visible", timeout=120_000)
    _idle(page)
    page.locator(MAP).first.content_frame.locator(".rm-legend").wait_for(timeout=60_000)
    _mark(page)
    assert _same_map(page)


def test_a_click_keeps_the_map_and_its_zoom(app: dict[str, Any]) -> None:
    page = app["page"]
    box = page.locator(MAP).first.bounding_box()
    x, y = box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.55
    page.mouse.move(x, y)
    page.mouse.wheel(0, -300)  # the user zooms in
    page.wait_for_timeout(800)
    zoomed = _view(page)
    page.mouse.click(x, y)
    page.locator('[data-testid="cell-level"]').wait_for(timeout=60_000)
    _idle(page)
    assert _same_map(page)
    assert _view(page) == zoomed
    first = page.locator('[data-testid="cell-level"]').inner_text()
    page.mouse.click(x + box["width"] * 0.2, y - box["height"] * 0.2)
    page.wait_for_function(
        "(b) => (document.querySelector('[data-testid=\"cell-level\"]') || {}).innerText !== b"
        " || document.body.innerText.includes('不在任何网格')",
        arg=first,
        timeout=60_000,
    )
    _idle(page)
    assert _same_map(page)
    assert _view(page) == zoomed
    page.screenshot(path=str(SHOTS / "01_click.png"))


def test_a_click_outlines_its_cell_and_sends_the_map_nothing_new(app: dict[str, Any]) -> None:
    page = app["page"]
    outline = "() => Array.from(document.querySelectorAll('path.rm-selection')).map(p => p.getAttribute('d')).join('|')"
    before = _in_map(page, outline)
    assert before, "the selected cell is outlined"
    # The map's dynamic layers (score layers, in-place script) are evaluated once per change.
    _in_map(page, "() => window.feature_group.forEach(g => { g.__rmTestMark = 1; })")
    text = page.locator('[data-testid="cell-level"]').inner_text()
    box = page.locator(MAP).first.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.45, box["y"] + box["height"] * 0.6)
    page.wait_for_function(
        "(b) => (document.querySelector('[data-testid=\"cell-level\"]') || {}).innerText !== b",
        arg=text,
        timeout=60_000,
    )
    _idle(page)
    after = _in_map(page, outline)
    assert after and after != before and "|" not in after  # one outline: the new cell's
    assert _in_map(page, "() => window.feature_group.every(g => g.__rmTestMark === 1)")
    assert _same_map(page)


def test_an_overlay_toggle_changes_the_layers_in_place(app: dict[str, Any]) -> None:
    page = app["page"]
    assert "应急避难场所" in _overlays(page)  # on at opening
    assert "危险源" not in _overlays(page)
    _choose(page, "叠加图层", "危险源")
    assert "危险源" in _overlays(page)
    assert _same_map(page)
    page.screenshot(path=str(SHOTS / "02_overlay.png"))


def test_a_view_switch_changes_legend_and_title_in_place(app: dict[str, Any]) -> None:
    page = app["page"]
    views = (
        page.locator('[data-testid="stSidebar"] [data-testid="stRadio"]')
        .filter(has_text="专题")
        .locator("label")
    )
    views.nth(2).click()  # 风险值
    _idle(page)
    frame = page.locator(MAP).first.content_frame
    frame.locator('.rm-legend[data-view="score"]').wait_for(timeout=60_000)
    assert frame.locator(".rm-title").count() == 1
    assert "风险值" in frame.locator(".rm-title").inner_text()
    assert "应急避难场所" in _overlays(page)  # the overlays chosen stay on
    assert _same_map(page)
    page.screenshot(path=str(SHOTS / "03_view.png"))
    views.nth(1).click()  # back to the four colours
    _idle(page)
    frame.locator('.rm-legend[data-view="level"]').wait_for(timeout=60_000)
    assert "风险等级" in frame.locator(".rm-title").inner_text()
    assert _same_map(page)


def test_a_basemap_switch_adds_and_drops_the_tiles_in_place(app: dict[str, Any]) -> None:
    page = app["page"]
    tiles = "() => document.querySelectorAll('.leaflet-tile-pane .leaflet-layer').length"
    assert _in_map(page, tiles) == 0
    _choose(page, "底图", "OpenStreetMap（需联网）")
    assert _in_map(page, tiles) == 1
    assert _in_map(page, "() => !!document.querySelector('.leaflet-control-attribution')")
    assert _same_map(page)
    _choose(page, "底图", "无（离线）")
    assert _in_map(page, tiles) == 0
    assert not _in_map(page, "() => !!document.querySelector('.leaflet-control-attribution')")
    assert "应急避难场所" in _overlays(page)
    assert _same_map(page)


def test_a_district_zoom_keeps_the_map(app: dict[str, Any]) -> None:
    page = app["page"]
    before = _view(page)
    _choose(page, "行政区", "武昌区")
    page.wait_for_timeout(500)
    assert _view(page) != before
    assert _same_map(page)
    page.screenshot(path=str(SHOTS / "04_district.png"))


def test_a_link_to_a_district_opens_the_map_on_it(app: dict[str, Any]) -> None:
    page = app["page"].context.new_page()
    try:
        page.goto(app["url"] + "/?district=420106")  # 武昌区
        page.locator(MAP).first.wait_for(state="visible", timeout=120_000)
        _idle(page)
        view = page.locator(MAP).first.content_frame.locator(".leaflet-container")
        view.wait_for()
        zoom, lat, lng = _frame(page).evaluate(
            "() => [map_div.getZoom(), map_div.getCenter().lat, map_div.getCenter().lng]"
        )
        assert zoom >= 11  # close up, not the whole city (9)
        assert abs(lat - 30.53) < 0.08 and abs(lng - 114.33) < 0.08
    finally:
        page.close()


def _legend_counts(page: Any) -> list[int]:
    texts = _in_map(page, "() => Array.from(document.querySelectorAll('.rm-legend .rm-n'))"
                          ".map(e => e.textContent)")  # fmt: skip
    return [int(t.split()[0].replace(",", "")) for t in texts]


def _headline_counts(page: Any) -> list[int]:
    texts = page.evaluate(
        "() => Array.from(document.querySelectorAll('.st-key-headline tbody tr'))"
        ".map(tr => tr.querySelector('td').innerText)"
    )
    return [int(t.replace(",", "")) for t in texts]


def _main_part_centroid(adcode: str) -> tuple[float, float]:
    """(lat, lon) of the centroid of the district's largest polygon, measured on the
    ground (UTM zone 50N)."""
    import geopandas as gpd

    d = gpd.read_file(OUTPUT_DIR.parent / "data" / "wuhan" / "boundary" / "districts.geojson")
    parts = d[d["adcode"].astype(str) == adcode].explode(index_parts=False).to_crs(32650)
    c = gpd.GeoSeries([parts.geometry.iloc[int(parts.area.argmax())].centroid], crs=32650)
    p = c.to_crs(4326).iloc[0]
    return p.y, p.x


def test_a_district_is_centred_outlined_and_counted_by_the_legend(app: dict[str, Any]) -> None:
    """Choosing 武昌区 centres the map on the district's body (not the middle of a box
    that takes in its far southern exclave), outlines the district, and the map's title
    and legend speak of the district: the legend counts the same cells per level as the
    headline table. Back to 全市 drops the outline and gives back the city's counts; the
    map stays the one on screen throughout."""
    import math

    page = app["page"]
    _mark(page)
    _choose(page, "行政区", "武昌区")
    page.wait_for_timeout(800)
    lat, lng = _in_map(page, "() => [map_div.getCenter().lat, map_div.getCenter().lng]")
    clat, clng = _main_part_centroid("420106")
    off_km = math.hypot((lat - clat) * 111.2, (lng - clng) * 111.2 * math.cos(math.radians(clat)))
    assert off_km < 1.0, off_km
    assert _in_map(page, "() => document.querySelectorAll('path.rm-district').length") >= 1
    title = _in_map(page, "() => document.querySelector('.rm-title').textContent")
    assert "武昌区" in title
    assert _legend_counts(page) == _headline_counts(page)
    assert "武昌区" in _in_map(page, "() => document.querySelector('.rm-scope').textContent")
    page.locator(MAP).first.screenshot(path=str(SHOTS / "04_district_outlined.png"))
    district_counts = _legend_counts(page)

    _choose(page, "行政区", "全市")
    page.wait_for_timeout(800)
    assert _in_map(page, "() => document.querySelectorAll('path.rm-district').length") == 0
    assert "武昌区" not in _in_map(page, "() => document.querySelector('.rm-title').textContent")
    city = _legend_counts(page)
    assert city == _headline_counts(page)
    assert sum(city) > sum(district_counts)
    assert _same_map(page)
