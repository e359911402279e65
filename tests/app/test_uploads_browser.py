"""An upload in the real app (issue 15, item 13): a CSV without an id column, its kind
suggested, the note that ids are row numbers, then the layer on the risk map under its
file's name. One server and one page for the module; the tests run in file order.
Screenshots under ``test-output/uploads/``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import OUTPUT_DIR, app_session, wait_streamlit_idle

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = OUTPUT_DIR / "uploads"
FILE = "人员密集场所.csv"
CROWDED = (
    "场所名称,场所类型,所在区,地址,最大容纳人数,lng,lat\n"
    "珞南百货,商场,洪山区,武汉市洪山区民族大道735号,8300,114.361128,30.525164\n"
    "法泗购物中心,商场,江夏区,武汉市江夏区庙山大道139号,9800,114.251028,30.314112\n"
)


@pytest.fixture(scope="module")
def app(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with app_session(
        browser, tmp_path_factory.mktemp("uploads"), SHOTS, timeout_ms=120_000
    ) as session:
        yield session


def _shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def _nav(page: Any, label: str) -> None:
    page.locator('[data-testid="stSidebarNav"]').get_by_text(label, exact=True).click()
    wait_streamlit_idle(page)


def test_upload_without_ids_shows_the_note_and_the_suggested_kind(app: dict[str, Any]) -> None:
    page = app["page"]
    wait_streamlit_idle(page)
    _nav(page, "数据")
    path = Path(app["tmp"]) / FILE
    path.write_text(CROWDED, encoding="utf-8")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').first.set_input_files(
        str(path)
    )
    wait_streamlit_idle(page)
    note = page.locator('[data-testid="stAlert"]').filter(has_text="没有编号列")
    note.first.wait_for()
    assert "第 2 行" in note.first.inner_text()
    kind = page.locator('[data-testid="stSelectbox"]').filter(has_text="图层类别").first
    shown = kind.inner_text() + " " + kind.locator("input").first.input_value()
    assert "人员密集场所" in shown and "crowded_place" not in shown, shown
    page.get_by_text("根据文件的列名和文件名推荐", exact=False).first.wait_for()
    note.first.scroll_into_view_if_needed()
    _shot(page, "01_note_and_kind")
    body = page.locator("body").inner_text()
    assert "riskmap-upload" not in body and "Traceback" not in body


def test_validated_and_added(app: dict[str, Any]) -> None:
    page = app["page"]
    page.get_by_role("button", name="校验").click()
    wait_streamlit_idle(page)
    summary = page.locator('[data-testid="stAlert"]').filter(has_text="2 个要素可用")
    summary.first.wait_for()
    assert "0 个错误" in summary.first.inner_text() and "1 个警告" in summary.first.inner_text()
    summary.first.scroll_into_view_if_needed()
    _shot(page, "02_validated")
    page.get_by_role("button", name="加入本次评估").click()
    wait_streamlit_idle(page)
    page.get_by_text("已加入本次评估", exact=False).first.wait_for()
    assert "1 个上传图层" in page.locator("body").inner_text()


def test_the_layer_is_on_the_map_with_its_weight(app: dict[str, Any]) -> None:
    page = app["page"]
    _nav(page, "风险地图")
    loc = page.locator('iframe[title="streamlit_folium.st_folium"]').first
    loc.wait_for(state="visible", timeout=180_000)
    frame = loc.content_frame
    frame.locator(".leaflet-container").wait_for(timeout=60_000)
    control = frame.locator(".leaflet-control-layers")
    control.hover()
    entry = frame.locator(".leaflet-control-layers-overlays label").filter(
        has_text=f"{FILE}（人员密集场所）"
    )
    entry.wait_for(timeout=60_000)
    box = entry.locator("input")
    assert box.is_checked()  # an upload's overlay opens shown
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.locator("summary").filter(has_text="权重").first.click()
    wait_streamlit_idle(page)
    slider = sidebar.locator('[data-testid="stSlider"]').filter(has_text=f"{FILE}（人员密集场所）")
    slider.first.wait_for()
    control.hover()
    _shot(page, "03_map_overlay_and_weight")
