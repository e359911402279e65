"""The real app in a real browser: ``streamlit run app.py`` driven by headless Debian Chromium.

One Streamlit server and one browser page serve the whole module; the tests run in file
order, as an analyst would: open the map, click a cell, move a weight, switch to English,
upload a GBK CSV in GCJ-02, upload a bad file, download the inventory. Every request the
page (and its iframes) makes is recorded; none may go to another host. Screenshots of
each step are saved under ``test-output/app/``.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from browser_support import OUTPUT_DIR, app_session

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
SHOTS = OUTPUT_DIR / "app"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


@pytest.fixture(scope="module")
def app(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with app_session(browser, tmp_path_factory.mktemp("app"), SHOTS, timeout_ms=120_000) as session:
        yield session


def _idle(page: Any) -> None:
    """Wait until Streamlit has finished the current run."""
    page.wait_for_timeout(400)
    page.wait_for_function(
        "() => !document.querySelector('[data-stale=\"true\"]') && !((document.querySelector("
        "'[data-testid=\"stStatusWidget\"]') || {}).innerText || '').match(/Running|Stop/)",
        timeout=180_000,
    )
    page.wait_for_timeout(400)


def _map_frame(page: Any, index: int = 0) -> Any:
    """The streamlit-folium iframe's frame, once its Leaflet map has drawn."""
    loc = page.locator('iframe[title="streamlit_folium.st_folium"]').nth(index)
    loc.wait_for(state="visible", timeout=180_000)
    frame = loc.content_frame
    frame.locator(".leaflet-container").wait_for(timeout=60_000)
    frame.locator("path.leaflet-interactive, .leaflet-overlay-pane svg path").first.wait_for(
        state="attached", timeout=60_000
    )
    return frame


def _shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def _headline(page: Any) -> str:
    return page.locator('[data-testid="stTable"]').first.inner_text()


def _nav(page: Any, label: str) -> None:
    page.locator('[data-testid="stSidebarNav"]').get_by_text(label, exact=True).click()
    _idle(page)


def test_map_opens(app: dict[str, Any]) -> None:
    page = app["page"]
    frame = _map_frame(page)
    _idle(page)
    assert frame.locator(".leaflet-control-layers").count() == 1
    assert "重大" in _headline(page)
    _shot(page, "01_map")


def test_headline_table_keeps_each_name_and_number_on_one_line_at_1024(
    app: dict[str, Any],
) -> None:
    """At 1024×768 the map page's right column is narrow: the level names (重大 ...) and
    the figures stay whole on one line each (the table scrolls sideways if it must)."""
    page = app["page"]
    size = page.viewport_size
    page.set_viewport_size({"width": 1024, "height": 768})
    try:
        _idle(page)
        lines = page.evaluate(
            """() => [...document.querySelectorAll('.st-key-headline th, .st-key-headline td')]
                 .filter((c) => c.innerText.trim())
                 .map((c) => {  // the lines of the cell's text: one box per line
                   const tops = new Set(), walk = document.createTreeWalker(c, 4);
                   for (let n = walk.nextNode(); n; n = walk.nextNode()) {
                     const r = document.createRange(); r.selectNodeContents(n);
                     [...r.getClientRects()].forEach((b) => tops.add(Math.round(b.top)));
                   }
                   return [c.innerText.trim(), tops.size]; })"""
        )
        assert lines and any(text == "重大" for text, _ in lines)
        # a level name or a figure on one line; a heading's lines end between words (or
        # before a bracket: 面积 / （km²）) only
        words = re.compile(r"\s+|(?=[（(])")
        assert [text for text, n in lines if n > len([w for w in words.split(text) if w])] == []
        _shot(page, "01b_map_1024")
    finally:
        page.set_viewport_size(size)
        _idle(page)


def test_click_cell_opens_details(app: dict[str, Any]) -> None:
    page = app["page"]
    box = page.locator('iframe[title="streamlit_folium.st_folium"]').first.bounding_box()
    # The map is fitted to the city: its centre lies in the city (central Wuhan).
    page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.55)
    level = page.locator('[data-testid="cell-level"]')
    level.wait_for(timeout=60_000)
    _idle(page)
    text = page.locator('[data-testid="stColumn"]').nth(1).inner_text()
    assert "风险值" in text and "建议措施" in text
    assert any(lv in level.inner_text() for lv in ("重大", "较大", "一般", "低"))
    _shot(page, "02_cell_details")


def test_hot_spot_and_confidence_views_say_how_sure_the_level_is(app: dict[str, Any]) -> None:
    page = app["page"]
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("风险热点（Gi*）", exact=True).click()
    _idle(page)
    frame = _map_frame(page)
    legend = frame.locator('.rm-legend[data-view="hotspot"]')
    legend.wait_for(timeout=120_000)
    assert "热点（99%置信）" in legend.inner_text()
    assert "FDR" in legend.inner_text()
    details = page.locator('[data-testid="stColumn"]').nth(1).inner_text()
    assert "合理权重组合中保持该等级" in details  # the selected cell's level confidence
    assert "Gi* z =" in details
    _shot(page, "02b_hotspots")
    sidebar.get_by_text("等级置信度", exact=True).click()
    _idle(page)
    frame = _map_frame(page)
    legend = frame.locator('.rm-legend[data-view="confidence"]')
    legend.wait_for(timeout=120_000)
    assert "200 次抽样" in legend.inner_text()
    _shot(page, "02c_confidence")
    sidebar.get_by_text("风险等级（四色）", exact=True).click()
    _idle(page)


def test_weight_change_changes_levels(app: dict[str, Any]) -> None:
    page = app["page"]
    before = _headline(page)
    page.locator('[data-testid="stSidebar"]').get_by_text("权重", exact=True).click()
    slider = (
        page.locator('[data-testid="stSlider"]')
        .filter(has_text="应对能力缺口 L")
        .get_by_role("slider")
    )
    slider.focus()
    for _ in range(10):
        slider.press("ArrowLeft")
    _idle(page)
    page.wait_for_function(
        "(before) => { const t = document.querySelector('[data-testid=\"stTable\"]');"
        " return t && t.innerText !== before; }",
        arg=before,
        timeout=60_000,
    )
    assert _headline(page) != before
    _shot(page, "03_weight_changed")
    page.locator('[data-testid="stSidebar"]').get_by_role("button", name="恢复默认权重").click()
    _idle(page)


def test_switch_to_english(app: dict[str, Any]) -> None:
    page = app["page"]
    page.locator('[data-testid="stSidebar"]').get_by_text("English", exact=True).click()
    _idle(page)
    page.get_by_text("Urban safety risk map", exact=False).first.wait_for()
    assert "Major" in _headline(page)
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert "Risk inventory" in nav and "Hidden hazards" in nav
    _map_frame(page)
    _shot(page, "04_english")


def _gbk_csv(path: Path) -> Path:
    """Hazmat enterprises with Chinese headers, GBK-encoded, coordinates in GCJ-02."""
    import numpy as np

    from riskmap.io.crs import wgs84_to_gcj02

    lon = np.array([114.30, 114.35, 114.25])
    lat = np.array([30.60, 30.55, 30.58])
    glon, glat = wgs84_to_gcj02(lon, lat)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["企业编号", "企业名称", "经度", "纬度", "重大危险源等级", "所在区"])
    for i in range(3):
        w.writerow(
            [
                f"UP{i + 1:03d}",
                f"上传测试化工{i + 1}号",
                f"{glon[i]:.6f}",
                f"{glat[i]:.6f}",
                "二级",
                "江岸区",
            ]
        )
    path.write_bytes(buf.getvalue().encode("gbk"))
    return path


def _choose(page: Any, label: str, option: str) -> None:
    """Pick an option of a Streamlit selectbox (a combobox) by typing part of it."""
    box = page.get_by_role("combobox", name=label).first
    box.click()
    box.fill(option[-12:])
    page.get_by_role("option", name=option).first.click()
    _idle(page)


def test_upload_gbk_gcj02_csv(app: dict[str, Any]) -> None:
    page = app["page"]
    _nav(page, "Data")
    path = _gbk_csv(app["tmp"] / "企业清单.csv")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').first.set_input_files(
        str(path)
    )
    _idle(page)
    page.get_by_text("Read 3 row(s)", exact=False).wait_for()
    _choose(page, "Layer kind", "Hazardous-chemical enterprise")
    _choose(page, "Coordinate system", "GCJ-02 (AMap, Tencent)")
    page.get_by_role("button", name="Validate").click()
    _idle(page)
    page.get_by_text("feature(s) usable", exact=False).first.wait_for()
    _map_frame(page)
    page.get_by_text("feature(s) usable", exact=False).first.scroll_into_view_if_needed()
    _shot(page, "05_upload_validated")
    page.get_by_role("button", name="Add to this session's assessment").click()
    _idle(page)
    page.get_by_text("Added to this session's assessment", exact=False).wait_for()
    assert "1 uploaded layer(s)" in page.locator("body").inner_text()
    _shot(page, "06_upload_added")


def test_bad_upload_gives_message(app: dict[str, Any]) -> None:
    page = app["page"]
    evil = app["tmp"] / "evil.zip"
    with zipfile.ZipFile(evil, "w") as z:
        z.writestr("../../outside.csv", "id,name,lon,lat\n1,a,114.3,30.6\n")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').first.set_input_files(
        str(evil)
    )
    _idle(page)
    alert = page.locator('[data-testid="stAlert"]').filter(has_text="unsafe")
    alert.first.wait_for(timeout=60_000)
    assert "Traceback" not in page.locator("body").inner_text()
    _shot(page, "07_bad_upload")


def test_download_inventory_csv(app: dict[str, Any]) -> None:
    page = app["page"]
    _nav(page, "Risk inventory")
    page.get_by_role("tab", name="Risk sources").wait_for()
    with page.expect_download() as info:
        page.get_by_role("button", name="Download CSV (opens in Excel)").first.click()
    target = app["tmp"] / "inventory.csv"
    info.value.save_as(str(target))
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][0] == "Unified number"
    assert len(rows) > 10
    assert any(
        "上传测试化工1号" in ",".join(r) for r in rows
    )  # the uploaded layer is in the inventory
    _shot(page, "08_inventory")


@pytest.mark.parametrize(
    ("label", "shot"),
    [
        ("Hidden hazards", "09_hazards"),
        ("Safe city", "10_safe_city"),
        ("Method", "11_method"),
        ("Change over time", "12_change"),
        ("Monitoring", "15_monitoring"),
    ],
)
def test_other_pages_render(app: dict[str, Any], label: str, shot: str) -> None:
    page = app["page"]
    _nav(page, label)
    page.locator("h1").filter(has_text=label).first.wait_for()
    if label != "Method":
        frame = _map_frame(page)
        if label == "Change over time":  # two days: 2020-12-31 -> 2021-12-31 by default
            legend = frame.locator('.rm-legend[data-view="change"]')
            legend.wait_for(timeout=120_000)
            assert "Up 1 level" in legend.inner_text()
        if label == "Monitoring":  # the demo month: warnings open at the storm's peak
            text = page.locator("body").inner_text()
            open_now = re.search(r"Warnings open then\s+(\d+)", text)
            assert open_now is not None and int(open_now.group(1)) > 0, text[:500]
            assert "Dynamic risk:" in text
    _idle(page)
    body = page.locator("body").inner_text()
    assert "Traceback" not in body and "Error" not in body.split("Deploy")[-1][:200]
    _shot(page, shot)


def test_briefing_is_made_and_downloaded_from_the_app(app: dict[str, Any]) -> None:
    page = app["page"]
    _nav(page, "Change over time")
    page.get_by_role("button", name="Make the briefing").click()
    button = page.get_by_role("button", name="Download the briefing (HTML, prints to PDF)")
    button.wait_for(timeout=180_000)
    with page.expect_download() as info:
        button.click()
    target = app["tmp"] / "briefing.html"
    info.value.save_as(str(target))
    html = target.read_text(encoding="utf-8")
    assert "Period risk briefing" in html and "Flood season" in html
    assert info.value.suggested_filename.startswith("wuhan_briefing_flood_2021-06-01")
    _shot(page, "13_briefing")


def test_report_downloaded_from_the_map_page(app: dict[str, Any]) -> None:
    page = app["page"]
    _nav(page, "Risk map")
    page.get_by_text("Download the report and the map").click()
    page.get_by_role("button", name="Make the report (HTML)").click()
    button = page.get_by_role("button", name="Download the report (HTML)")
    button.wait_for(timeout=180_000)
    with page.expect_download() as info:
        button.click()
    target = app["tmp"] / "report.html"
    info.value.save_as(str(target))
    html = target.read_text(encoding="utf-8")
    assert "<h1>" in html and "data:image/png;base64," in html
    assert info.value.suggested_filename == "wuhan_matrix_report.html"
    _shot(page, "14_report_download")


def test_no_request_to_outside_hosts(app: dict[str, Any]) -> None:
    outside = sorted(
        {
            u
            for u in app["requests"]
            if urlparse(u).scheme in {"http", "https", "ws", "wss"}
            and urlparse(u).hostname not in LOCAL_HOSTS
        }
    )
    assert app["requests"], "no request was recorded at all"
    assert outside == []
