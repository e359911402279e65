"""The register's roles in a real browser (issue 13): the demo's district inspector signs
in, registers a hazard by typing the coordinates of a point in their district (the
district is filled from the point, read-only; issue 15), sees the notice with the unified
number beside the form after the rerun, attaches a rectification photo and sends it to
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
from playwright.sync_api import expect

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


def _point_in(name: str) -> tuple[float, float]:
    """A point inside a district of the demo (by its name)."""
    from riskmap.config import load_project
    from riskmap.io import load_project_data

    data = load_project_data(load_project("wuhan"))
    district = data.districts.to_crs("EPSG:4326")
    point = district[district["name"] == name].geometry.iloc[0].representative_point()
    return round(float(point.x), 5), round(float(point.y), 5)


def _type_point(page: Any, lon: float, lat: float) -> None:
    for label, value in (("经度（WGS84）", lon), ("纬度（WGS84）", lat)):
        box = page.get_by_label(label)
        box.fill(str(value))
        box.press("Tab")
        _idle(page)


def _district_shown(page: Any) -> str:
    box = page.get_by_label("所在区", exact=True).and_(page.locator("input[disabled]"))
    return str(box.input_value())


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
    assert _district_shown(page) == "江岸区"  # the form starts in the inspector's district
    _type_point(page, *_point_in("江汉区"))
    assert _district_shown(page) == "江汉区"  # the district follows the point
    lon, lat = _point_in("江岸区")
    _type_point(page, lon + 0.002, lat)
    assert _district_shown(page) == "江岸区"
    form = page.locator('[data-testid="stForm"]').filter(has=page.get_by_label("隐患名称"))
    form.get_by_label("隐患名称").fill(TITLE)
    form.get_by_label("发现人").fill("区检查员")
    form.get_by_label("整改责任单位").fill("某物业公司")
    form.get_by_role("button", name="登记").click()
    _idle(page)
    ok = page.locator('[data-testid="stAlertContentSuccess"]').filter(has_text="已登记，统一编号")
    ok.first.wait_for(timeout=60_000)
    number = re.search(r"\d{6}-\d{4}-[A-Z]{2}-\d{5,}", ok.first.inner_text())
    assert number is not None, ok.first.inner_text()
    assert number.group(0).startswith("420102-")  # 江岸区, from the point
    app["state"]["number"] = number.group(0)
    # The notice stays beside the form, in view, through the rerun and later ones.
    expect(ok.first).to_be_in_viewport()
    page.screenshot(path=str(SHOTS / "01a_notice_after_rerun.png"))
    for _ in range(2):  # another run of the page (a filter ticked, then unticked)
        page.get_by_text("只看挂牌督办", exact=True).click()
        _idle(page)
    assert ok.count() == 1 and number.group(0) in ok.first.inner_text()
    line = page.locator('[data-testid="stText"]').filter(has_text=TITLE).first  # the record
    assert "江岸区" in line.inner_text(), line.inner_text()
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
    assert "inspector（区级检查员）" in actors, history  # the name once, the role in words
    assert actors[-1] == "leader（督办领导）", history
    assert [row[3] for row in history][-1] == "验收销号"
    page.screenshot(path=str(SHOTS / "03_accepted_by_leader.png"), full_page=True)
