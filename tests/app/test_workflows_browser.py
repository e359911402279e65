"""The inspector's and the planner's workflows in a real browser (issues 7 and 8).

One ``streamlit run app.py`` (1000 m cells, a fresh hidden-hazard register) and one
headless Chromium page serve the module; the tests run in file order, as people would:

* the inspector reads a cell's risk, records a major hidden hazard by clicking the
  hazard map in that cell, sees the cell's risk rise with the hazard among its top
  contributors, moves it 已登记 → 整改中 → 待验收 → 已销号 with the page's buttons (a rectification
  photo uploaded before acceptance), and sees
  the cell's risk return to what it was;
* the planner reads the safe-city scorecard, opens an indicator's evidence map, places a
  proposed fire station by clicking the what-if map, compares before and after, and
  exports the proposals.

Map clicks land on a chosen place: the test asks the page's Leaflet map (``window.map`` in
the streamlit-folium iframe) where a longitude/latitude is drawn and clicks that pixel.
Screenshots of every step go to ``test-output/workflows/``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlparse

import pytest
from browser_support import (
    OUTPUT_DIR,
    app_session,
    sign_in_demo,
    wait_streamlit_idle,
)
from factories import PHOTO_PNG

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = OUTPUT_DIR / "workflows"
CELL_SIZE = 1000.0
WORKING_CRS = "EPSG:32650"
"""The Wuhan demo's working CRS (UTM 50N); cell ``r{row}c{col}`` spans [col, col+1) × [row, row+1) km."""

HAZARD_CELL = "r3380c245"
"""A densely populated 洪山区 cell (about 66 000 people) of moderate risk in the demo."""
HAZARD_DISTRICT = "洪山区"
HAZARD_TITLE = "测试燃气管线占压"
STATION_CELL = "r3384c244"
"""A 武昌区 cell more than 3 km from every fire station in the demo."""
STATION_NAME = "规划武昌新站"

MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'


def _cell_centre(cell_id: str) -> tuple[float, float]:
    """WGS84 longitude/latitude of the centre of a 1000 m cell of the demo's grid."""
    from pyproj import Transformer

    m = re.fullmatch(r"r(\d+)c(\d+)", cell_id)
    assert m is not None
    row, col = int(m.group(1)), int(m.group(2))
    to_wgs84 = Transformer.from_crs(WORKING_CRS, "EPSG:4326", always_xy=True)
    lon, lat = to_wgs84.transform((col + 0.5) * CELL_SIZE, (row + 0.5) * CELL_SIZE)
    return float(lon), float(lat)


@pytest.fixture(scope="module")
def app(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with app_session(browser, tmp_path_factory.mktemp("workflows"), SHOTS) as session:
        yield {**session, "state": {}}


# ------------------------------------------------------------------ page helpers


def _idle(page: Any) -> None:
    wait_streamlit_idle(page)


def _shot(page: Any, name: str, locator: Any = None) -> None:
    if locator is not None:
        locator.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def _nav(page: Any, label: str, title: str | None = None) -> None:
    """Open a page from the sidebar and wait for its title (``label`` unless given)."""
    page.locator('[data-testid="stSidebarNav"]').get_by_text(label, exact=True).click()
    _idle(page)
    page.locator("h1").filter(has_text=title or label).first.wait_for()


def _map(page: Any, index: int = 0) -> Any:
    """The ``index``-th streamlit-folium iframe, once its Leaflet map has drawn."""
    loc = page.locator(MAP_IFRAME).nth(index)
    loc.wait_for(state="visible", timeout=180_000)
    frame = loc.content_frame
    frame.locator(".leaflet-container").wait_for(timeout=60_000)
    frame.locator(
        "path.leaflet-interactive, .leaflet-overlay-pane svg path, canvas"
    ).first.wait_for(state="attached", timeout=60_000)
    # drawn, not just attached: the overlay has a size on the page
    loc.element_handle().content_frame().wait_for_function(
        "() => { const s = document.querySelector('.leaflet-overlay-pane svg, .leaflet-overlay-pane canvas');"
        " return window.map && s && s.getBoundingClientRect().width > 0; }",
        timeout=60_000,
    )
    page.wait_for_timeout(300)
    return loc


def _view(iframe: Any) -> dict[str, float]:
    """The Leaflet map's zoom and centre in ``iframe``."""
    return dict(
        iframe.element_handle()
        .content_frame()
        .evaluate(
            "() => { const c = window.map.getCenter(); return {zoom: window.map.getZoom(), lat: c.lat, lon: c.lng}; }"
        )
    )


def _click_at(page: Any, iframe: Any, lon: float, lat: float, zoom: int | None = None) -> None:
    """Click the map in ``iframe`` where (lon, lat) is drawn (optionally zooming there first)."""
    iframe.scroll_into_view_if_needed()
    frame = iframe.element_handle().content_frame()
    frame.locator(".leaflet-container").wait_for()
    frame.wait_for_function("() => window.map && window.map.getSize().x > 0")
    if zoom is not None:
        frame.evaluate(
            "([lat, lon, z]) => { window.map.setView([lat, lon], z, {animate: false}); }",
            [lat, lon, zoom],
        )
        page.wait_for_timeout(300)
    x, y = frame.evaluate(
        "([lat, lon]) => { const p = window.map.latLngToContainerPoint([lat, lon]);"
        " return [p.x, p.y]; }",
        [lat, lon],
    )
    box = frame.locator(".leaflet-container").first.bounding_box()
    assert 0 < x < box["width"] and 0 < y < box["height"], "the place is not in the map's view"
    page.mouse.click(box["x"] + x, box["y"] + y)
    _idle(page)


def _grid_rows(locator: Any) -> list[list[str]]:
    """A Streamlit data frame's rows as text, header first (its cells are drawn on a canvas;
    the grid keeps an accessible table of them in the DOM, once it has drawn)."""
    locator.locator('[role="gridcell"]').first.wait_for(state="attached")
    return list(
        locator.evaluate(
            "el => Array.from(el.querySelectorAll('[role=\"row\"]')).map(r => Array.from("
            'r.querySelectorAll(\'[role="gridcell"], [role="columnheader"]\')).map(c => c.textContent.trim()))'
        )
    )


def _grid_text(locator: Any) -> str:
    """Every cell of a data frame, tab-separated."""
    return "\t".join("\t".join(row) for row in _grid_rows(locator))


def _row(rows: list[list[str]], first: str) -> dict[str, str]:
    """The row whose first cell is ``first``, as header -> text."""
    header = rows[0]
    found = [r for r in rows[1:] if r and r[0] == first]
    assert found, (first, rows)
    return dict(zip(header, found[0], strict=False))


def _choose(scope: Any, label: str, option: str) -> None:
    """Pick an option of the selectbox labelled ``label`` by typing it (this filters the list)."""
    box = scope.get_by_role("combobox", name=label).first
    page = box.page
    for attempt in range(3):  # a rerun of the page can close the list while it is typed in
        _idle(page)
        box.scroll_into_view_if_needed()
        box.click()
        box.fill(option)
        choice = page.get_by_role("option", name=option, exact=True).first
        try:
            choice.click(timeout=20_000)
            break
        except Exception:
            if attempt == 2:
                raise
            page.keyboard.press("Escape")
    _idle(page)


def _details(page: Any) -> dict[str, Any]:
    """What the risk map's cell-details panel says: cell, level, score and contributors."""
    level = page.locator('[data-testid="cell-level"]')
    level.wait_for(timeout=60_000)
    text = level.inner_text()
    name, score = (s.strip() for s in text.split("·"))
    panel = page.locator('[data-testid="stColumn"]').filter(has=level).last
    caption = panel.get_by_text(re.compile(r"^网格 r\d+c\d+")).first.inner_text()
    tables = panel.locator('[data-testid="stTable"]').filter(has_text="距离（米）")
    rows = _table_rows(tables.first) if tables.count() else []
    return {"level": name, "score": float(score), "caption": caption, "contributors": rows[1:]}


def _table_rows(locator: Any) -> list[list[str]]:
    """A Streamlit table's rows as text, header first."""
    return list(
        locator.evaluate(
            "el => Array.from(el.querySelectorAll('tr')).map(r => Array.from("
            "r.querySelectorAll('th, td')).map(c => c.textContent.trim()))"
        )
    )


def _wait_cell(page: Any, cell_id: str) -> dict[str, Any]:
    page.get_by_text(f"网格 {cell_id}").first.wait_for(timeout=60_000)
    _idle(page)
    return _details(page)


# ------------------------------------------------------------------ the inspector (issue 7)


def test_read_cell_risk_before(app: dict[str, Any]) -> None:
    page = app["page"]
    lon, lat = _cell_centre(HAZARD_CELL)
    _click_at(page, _map(page), lon, lat)
    before = _wait_cell(page, HAZARD_CELL)
    assert HAZARD_DISTRICT in before["caption"]
    assert 0 < before["score"] < 90  # room to rise
    assert before["contributors"], "the cell lists its top contributing sources"
    assert HAZARD_TITLE not in [r[0] for r in before["contributors"]]
    app["state"]["before"] = before
    _shot(page, "01_cell_before", page.locator('[data-testid="cell-level"]'))


def test_record_hazard_by_clicking_the_map(app: dict[str, Any]) -> None:
    page = app["page"]
    _nav(page, "隐患")
    assert "0 条未销号隐患" in page.locator("body").inner_text()
    sign_in_demo(page, "admin")  # every change names the signed-in user
    lon, lat = _cell_centre(HAZARD_CELL)
    _click_at(page, _map(page), lon, lat, zoom=13)
    lon_box = page.get_by_label("经度（WGS84）")
    lat_box = page.get_by_label("纬度（WGS84）")
    page.wait_for_function(
        "([el, want]) => Math.abs(parseFloat(el.value) - want) < 0.002",
        arg=[lon_box.element_handle(), lon],
        timeout=30_000,
    )
    assert abs(float(lon_box.input_value()) - lon) < 0.002
    assert abs(float(lat_box.input_value()) - lat) < 0.002
    # The district follows the click (read-only: the point decides it).
    district = page.get_by_label("所在区", exact=True).and_(page.locator("input[disabled]"))
    assert district.input_value() == HAZARD_DISTRICT
    form = page.locator('[data-testid="stForm"]').filter(has=page.get_by_label("隐患名称"))
    form.get_by_label("隐患名称").fill(HAZARD_TITLE)
    _choose(form, "类别", "燃气")
    form.get_by_text("重大", exact=True).click()
    form.get_by_label("发现人").fill("张检查")
    form.get_by_label("整改责任单位").fill("武汉某燃气公司")
    deadline = date.today() + timedelta(days=20)
    for part, value in (
        ("year", f"{deadline.year:04d}"),
        ("month", f"{deadline.month:02d}"),
        ("day", f"{deadline.day:02d}"),
    ):
        form.get_by_role("spinbutton", name=f"{part}, 整改期限").click()
        page.keyboard.type(value)
    page.keyboard.press("Escape")  # close the calendar
    _shot(page, "02_hazard_form_filled", form)
    form.get_by_role("button", name="登记").click()
    _idle(page)
    ok = page.get_by_text("已登记，统一编号", exact=False).first
    ok.wait_for(timeout=60_000)
    number = re.search(r"\d{6}-\d{4}-RQ-\d{5,}", ok.inner_text())
    assert number is not None, ok.inner_text()
    number_ = number.group(0)
    app["state"]["number"] = number_
    body = page.locator("body").inner_text()
    assert "1 条未销号隐患" in body
    table = _grid_text(page.locator('[data-testid="stDataFrame"]').first)
    assert number_ in table and HAZARD_TITLE in table and "重大" in table
    record = page.get_by_text(f"{HAZARD_TITLE} · 燃气 · 重大 · 已登记", exact=False).first
    record.wait_for()
    assert deadline.isoformat() in record.inner_text()
    # The form is ready for the next hazard (no second registration by a second click) ...
    assert form.get_by_label("隐患名称").input_value() == ""
    # ... and the map shows where the hazard now is.
    hazard_map = _map(page)
    hazard_map.element_handle().content_frame().wait_for_function(
        "() => window.map && window.map.getZoom() >= 12", timeout=30_000
    )  # the map moves to the hazard after the page's rerun has drawn it
    view = _view(hazard_map)
    assert view["zoom"] >= 12 and abs(view["lon"] - lon) < 0.01 and abs(view["lat"] - lat) < 0.01
    _shot(page, "03_hazard_on_map", hazard_map)
    _shot(page, "03_hazard_registered", page.get_by_text("隐患台账").first)


def test_hazard_raises_cell_risk(app: dict[str, Any]) -> None:
    page = app["page"]
    before = app["state"]["before"]
    _nav(page, "风险地图", "城市安全风险电子地图")
    lon, lat = _cell_centre(HAZARD_CELL)
    _click_at(page, _map(page), lon, lat)
    page.wait_for_function(
        "(b) => { const el = document.querySelector('[data-testid=\"cell-level\"]');"
        " return el && parseFloat(el.innerText.split('·')[1]) > b; }",
        arg=before["score"],
        timeout=60_000,
    )
    after = _wait_cell(page, HAZARD_CELL)
    assert after["score"] > before["score"] + 1.0
    # A major hazard at the cell's centre is its largest contributor, shown as a hidden hazard.
    top = after["contributors"][0]
    assert top[0] == HAZARD_TITLE and top[1] == "在册隐患", after["contributors"]
    assert "1 条未销号隐患" in page.locator("body").inner_text()  # the settings caption
    app["state"]["raised"] = after
    _shot(page, "04_cell_with_hazard", page.locator('[data-testid="cell-level"]'))


@pytest.mark.parametrize(
    ("target", "shot"),
    [("整改中", "05_rectifying"), ("待验收", "06_awaiting"), ("已销号", "07_closed")],
)
def test_move_hazard_through_the_loop(app: dict[str, Any], target: str, shot: str) -> None:
    page = app["page"]
    number = app["state"]["number"]
    if page.locator("h1").filter(has_text="隐患").count() == 0:
        _nav(page, "隐患")
    page.get_by_role("combobox", name="选择隐患（统一编号）").first.wait_for()
    if target == "已销号":  # acceptance needs a rectification photo
        assert "验收销号需要至少一份整改附件" in page.locator("body").inner_text()
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(
            files=[{"name": "整改后.png", "mimeType": "image/png", "buffer": PHOTO_PNG}]
        )
        page.locator('[data-testid="stFileChipName"]').first.wait_for()  # the file is in
        _idle(page)
        page.get_by_role("button", name="上传", exact=True).click()
        _idle(page)
        page.get_by_text(f"已为 {number} 上传附件 1", exact=False).first.wait_for()
    page.get_by_role("button", name=f"转为“{target}”").click()
    _idle(page)
    page.get_by_text(f"{number} 已转为“{target}”", exact=False).first.wait_for(timeout=60_000)
    page.get_by_text(f"{HAZARD_TITLE} · 燃气 · 重大 · {target}", exact=False).first.wait_for()
    history = page.locator('[data-testid="stDataFrame"]').nth(1)
    history.locator('[role="gridcell"]').filter(has_text=target).first.wait_for(state="attached")
    last = _grid_rows(history)[-1]
    assert last[2:6] == [
        "admin（市级管理员）",
        {"整改中": "开始整改", "待验收": "申请验收", "已销号": "验收销号"}[target],
        {"整改中": "已登记", "待验收": "整改中", "已销号": "待验收"}[target],
        target,
    ], last
    body = page.locator("body").inner_text()
    if target == "已销号":
        page.get_by_text("该隐患已结束流程").first.wait_for()
        _idle(page)  # the last run's buttons stay in the page until this run has finished
        body = page.locator("body").inner_text()
        assert "0 条未销号隐患" in body
        from playwright.sync_api import expect

        expect(page.get_by_role("button", name=re.compile("^转为"))).to_have_count(0)
    else:
        assert "1 条未销号隐患" in body
    _shot(page, shot, page.get_by_text("变更记录").first)


def test_closed_hazard_leaves_the_map(app: dict[str, Any]) -> None:
    page = app["page"]
    before = app["state"]["before"]
    _nav(page, "风险地图", "城市安全风险电子地图")
    lon, lat = _cell_centre(HAZARD_CELL)
    _click_at(page, _map(page), lon, lat)
    page.wait_for_function(
        "(b) => { const el = document.querySelector('[data-testid=\"cell-level\"]');"
        " return el && Math.abs(parseFloat(el.innerText.split('·')[1]) - b) < 0.05; }",
        arg=before["score"],
        timeout=60_000,
    )
    closed = _wait_cell(page, HAZARD_CELL)
    assert closed["score"] == pytest.approx(before["score"])
    assert closed["level"] == before["level"]
    assert HAZARD_TITLE not in [r[0] for r in closed["contributors"]]
    _shot(page, "08_cell_after_closing", page.locator('[data-testid="cell-level"]'))


# ------------------------------------------------------------------ the planner (issue 8)


def test_scorecard_and_evidence_map(app: dict[str, Any]) -> None:
    page = app["page"]
    _nav(page, "安全城市")
    table = page.locator('[data-testid="stDataFrame"]').first
    table.wait_for()
    text = _grid_text(table)
    for expected in (
        "指标",
        "数值",
        "目标",
        "达标",
        "消防站5分钟可达人口比例",
        "人均有效避难面积",
        "未达标",
    ):
        assert expected in text, expected
    _shot(page, "09_scorecard", table)
    _choose(page, "选择指标", "500米内有避难场所的人口比例")
    caption = page.get_by_text(re.compile(r"^证据：[\d,]+ 个网格或要素")).first
    caption.wait_for()
    assert int(re.search(r"[\d,]+", caption.inner_text()).group(0).replace(",", "")) > 0
    legend = _map(page, 0).content_frame.locator(".rm-ev-legend")
    assert "500米内有避难场所的人口比例" in legend.inner_text()  # the map says what it shows
    assert "500米内没有避难场所" in caption.inner_text()  # what the map shows
    evidence = _map(page, 0)
    n_paths = evidence.content_frame.locator(".leaflet-overlay-pane path").count()
    assert n_paths >= 3  # boundary, districts and the evidence
    _shot(page, "10_evidence_map", evidence)


def test_whatif_fire_station(app: dict[str, Any]) -> None:
    page = app["page"]
    lon, lat = _cell_centre(STATION_CELL)
    page.get_by_text("消防站", exact=True).first.click()
    _idle(page)
    whatif_map = _map(page, 1)
    _click_at(page, whatif_map, lon, lat, zoom=13)
    form = page.locator('[data-testid="stForm"]').filter(has=page.get_by_label("经度（WGS84）"))
    lon_box = form.get_by_label("经度（WGS84）")
    page.wait_for_function(
        "([el, want]) => Math.abs(parseFloat(el.value) - want) < 0.002",
        arg=[lon_box.element_handle(), lon],
        timeout=30_000,
    )
    assert abs(float(form.get_by_label("纬度（WGS84）").input_value()) - lat) < 0.002
    form.get_by_label("名称").fill(STATION_NAME)
    form.get_by_role("button", name="添加方案").click()
    _idle(page)
    page.get_by_role("button", name="方案前后对比").wait_for()
    frames = page.locator('[data-testid="stDataFrame"]')
    proposal = _row(_grid_rows(frames.nth(1)), "消防站")
    assert proposal["名称"] == STATION_NAME and proposal["站级"] == "一级"
    _shot(page, "11_proposal_added", page.get_by_role("button", name="方案前后对比"))
    page.get_by_role("button", name="方案前后对比").click()
    _idle(page)
    page.get_by_text("指标变化（全市）").first.wait_for(timeout=120_000)
    reach = _row(_grid_rows(frames.nth(2)), "消防站5分钟可达人口比例")
    assert float(reach["方案后"]) > float(reach["现状"]) and float(reach["变化"]) > 0
    shelter = _row(_grid_rows(frames.nth(2)), "人均有效避难面积")
    assert float(shelter["变化"]) == 0  # a fire station adds no shelter space
    levels = _grid_rows(frames.nth(3))
    changes = {lv: int(_row(levels, lv)["变化"]) for lv in ("重大", "较大", "一般", "低")}
    assert sum(changes.values()) == 0 and any(changes.values())
    # Better cover lowers risk: cells leave the higher levels.
    assert changes["重大"] + changes["较大"] <= 0
    title = page.get_by_text(re.compile(r"^等级发生变化的网格：\d+ 个")).first
    title.wait_for()
    n_changed = int(re.search(r"(\d+) 个", title.inner_text()).group(1))
    assert n_changed == len(_grid_rows(frames.nth(4))) - 1 >= 1
    before_map, changed_map = _map(page, 2), _map(page, 3)  # before and after, side by side
    assert changed_map.content_frame.locator(".leaflet-overlay-pane path").count() >= 3
    assert before_map.content_frame.locator(".leaflet-overlay-pane path").count() >= 3
    # The few changed cells are shown close up, around the proposed station, on both.
    view = _view(changed_map)
    assert view["zoom"] > _view(_map(page, 0))["zoom"] + 1
    assert abs(view["lon"] - lon) < 0.1 and abs(view["lat"] - lat) < 0.1
    assert _view(before_map) == view
    _shot(page, "12_whatif_result", page.get_by_text("指标变化（全市）").first)
    _shot(page, "13_whatif_changed_cells", changed_map)


def test_export_proposals(app: dict[str, Any]) -> None:
    page = app["page"]
    with page.expect_download() as info:
        page.get_by_role("button", name="导出方案 CSV").click()
    target = app["tmp"] / "proposals.csv"
    info.value.save_as(str(target))
    assert info.value.suggested_filename.endswith("_proposals.csv")
    raw = target.read_bytes()
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == 1
    lon, lat = _cell_centre(STATION_CELL)
    assert rows[0]["kind"] == "fire_station" and rows[0]["name"] == STATION_NAME
    assert abs(float(rows[0]["lon"]) - lon) < 0.002 and abs(float(rows[0]["lat"]) - lat) < 0.002


def test_no_request_left_the_machine(app: dict[str, Any]) -> None:
    """Every map drawn in these workflows (evidence, what-if, changed cells) loads only local files."""
    local = {"127.0.0.1", "localhost", "::1", "[::1]"}
    outside = sorted(
        {
            u
            for u in app["requests"]
            if urlparse(u).scheme in {"http", "https", "ws", "wss"}
            and urlparse(u).hostname not in local
        }
    )
    assert app["requests"] and outside == []
