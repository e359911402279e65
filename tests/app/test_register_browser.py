"""The register's roles in a real browser (issue 13): the demo's district inspector signs
in, registers a hazard by typing the coordinates of a point in their district (the
district is filled from the point), attaches a rectification photo and sends it to
acceptance; the demo's leader signs in and accepts; the history names both users.

One ``streamlit run app.py`` (1000 m cells, a fresh register: the demo accounts are made
on first start) and one headless Chromium page; the tests run in file order.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from browser_support import OUTPUT_DIR, app_session, sign_in_demo, wait_streamlit_idle
from factories import PHOTO_PNG

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = OUTPUT_DIR / "register"
TITLE = "测试消防通道堵塞"


@pytest.fixture(scope="module")
def app(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with app_session(browser, tmp_path_factory.mktemp("register"), SHOTS) as session:
        yield {**session, "state": {}}


def _idle(page: Any) -> None:
    wait_streamlit_idle(page)


def _nav(page: Any, label: str) -> None:
    page.locator('[data-testid="stSidebarNav"]').get_by_text(label, exact=True).click()
    _idle(page)


def _jiangan_point() -> tuple[float, float]:
    """A point inside 江岸区 (the demo inspector's district), from the demo's districts."""
    from riskmap.config import load_project
    from riskmap.io import load_project_data

    data = load_project_data(load_project("wuhan"))
    district = data.districts.to_crs("EPSG:4326")
    point = district[district["name"] == "江岸区"].geometry.iloc[0].representative_point()
    return round(float(point.x), 5), round(float(point.y), 5)


def _history(page: Any) -> list[list[str]]:
    """The history table's rows (no header): step, time, actor, action, from, to, note."""
    grid = page.locator('[data-testid="stDataFrame"]').nth(1)
    grid.locator('[role="gridcell"]').first.wait_for(state="attached")
    rows = grid.evaluate(
        "el => Array.from(el.querySelectorAll('[role=\"row\"]')).map(r => Array.from("
        "r.querySelectorAll('[role=\"gridcell\"]')).map(c => c.textContent.trim()))"
    )
    return [r for r in rows if r]


def test_an_inspector_registers_by_typed_coordinates(app: dict[str, Any]) -> None:
    page = app["page"]
    _idle(page)
    sign_in_demo(page, "inspector")
    _nav(page, "隐患")
    lon, lat = _jiangan_point()
    form = page.locator('[data-testid="stForm"]').filter(has=page.get_by_label("经度（WGS84）"))
    for label, value in (("经度（WGS84）", lon), ("纬度（WGS84）", lat)):
        box = form.get_by_label(label)
        box.fill(str(value))
        box.press("Tab")
    form.get_by_label("隐患名称").fill(TITLE)
    form.get_by_label("发现人").fill("区检查员")
    form.get_by_label("整改责任单位").fill("某物业公司")
    form.get_by_role("button", name="登记").click()
    _idle(page)
    ok = page.get_by_text("已登记，统一编号", exact=False).first
    ok.wait_for(timeout=60_000)
    number = re.search(r"\d{6}-\d{4}-[A-Z]{2}-\d{5,}", ok.inner_text())
    assert number is not None, ok.inner_text()
    assert number.group(0).startswith("420102-")  # 江岸区, from the point
    app["state"]["number"] = number.group(0)
    assert "江岸区" in page.get_by_text(TITLE, exact=False).first.inner_text()
    page.screenshot(path=str(SHOTS / "01_registered_by_inspector.png"))


def test_the_inspector_attaches_a_photo_and_sends_it_to_acceptance(app: dict[str, Any]) -> None:
    page = app["page"]
    number = app["state"]["number"]
    page.get_by_text("身份办理", exact=False).first.wait_for()  # signed in: no typed name
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(
        files=[{"name": "整改后.png", "mimeType": "image/png", "buffer": PHOTO_PNG}]
    )
    page.locator('[data-testid="stFileChipName"]').first.wait_for()  # the file is in
    _idle(page)
    page.get_by_role("button", name="上传", exact=True).click()
    _idle(page)
    page.get_by_text(f"已为 {number} 上传附件 1", exact=False).first.wait_for(timeout=60_000)
    page.get_by_role("button", name="下载附件 1").wait_for()
    for target in ("整改中", "待验收"):
        page.get_by_role("button", name=f"转为“{target}”").click()
        _idle(page)
        page.get_by_text(f"{number} 已转为“{target}”", exact=False).first.wait_for()
    # Acceptance is not the inspector's: the register refuses it.
    page.get_by_role("button", name="转为“已销号”").click()
    _idle(page)
    page.get_by_text("无权验收", exact=False).first.wait_for()
    page.screenshot(path=str(SHOTS / "02_inspector_cannot_accept.png"))


def test_the_leader_accepts_and_the_history_names_both(app: dict[str, Any]) -> None:
    page = app["page"]
    number = app["state"]["number"]
    sign_in_demo(page, "leader")
    page.get_by_role("combobox", name="选择隐患（统一编号）").first.wait_for()
    page.get_by_role("button", name="转为“已销号”").click()
    _idle(page)
    page.get_by_text(f"{number} 已转为“已销号”", exact=False).first.wait_for(timeout=60_000)
    grid = page.locator('[data-testid="stDataFrame"]').nth(1)
    grid.locator('[role="gridcell"]').filter(has_text="验收销号").first.wait_for(state="attached")
    history = _history(page)
    actors = [row[2] for row in history]
    assert any("(inspector, inspector)" in a for a in actors), history
    assert "(leader, leader)" in actors[-1], history
    assert [row[3] for row in history][-1] == "验收销号"
    page.screenshot(path=str(SHOTS / "03_accepted_by_leader.png"), full_page=True)
