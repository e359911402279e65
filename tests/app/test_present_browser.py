"""Presenting (issue 15, item 12): at 1280×720 the full-screen map shows the city's title
and the whole legend, without the sidebar; a link with ``present=1`` opens it, and the
way back restores the page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from browser_support import OUTPUT_DIR, app_session, wait_streamlit_idle

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = OUTPUT_DIR / "present"
WIDTH, HEIGHT = 1280, 720


@pytest.fixture(scope="module")
def app(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with app_session(browser, tmp_path_factory.mktemp("present"), SHOTS) as session:
        session["page"].set_viewport_size({"width": WIDTH, "height": HEIGHT})
        yield session


def _inside_viewport(page: Any, selector: str) -> bool:
    """Whether an element of the map's frame is wholly on screen (Playwright gives frame
    elements' boxes in the page's coordinates)."""
    frame = page.locator('iframe[title="streamlit_folium.st_folium"]').first.content_frame
    box = frame.locator(selector).first.bounding_box()
    assert box is not None, selector
    left, top = box["x"], box["y"]
    return left >= 0 and top >= 0 and left + box["width"] <= WIDTH and top + box["height"] <= HEIGHT


def test_presenting_shows_title_and_legend_on_one_screen(app: dict[str, Any]) -> None:
    page = app["page"]
    wait_streamlit_idle(page)
    page.get_by_role("button", name="演示模式").click()
    wait_streamlit_idle(page)
    assert "present=1" in page.url
    iframe = page.locator('iframe[title="streamlit_folium.st_folium"]').first
    iframe.wait_for(state="visible", timeout=120_000)
    frame = iframe.content_frame
    frame.locator(".rm-legend").wait_for(timeout=60_000)
    page.wait_for_timeout(500)
    assert not page.locator('[data-testid="stSidebar"]').is_visible()
    box = iframe.bounding_box()
    assert box is not None and box["width"] > 0.9 * WIDTH  # the map takes the screen's width
    assert _inside_viewport(page, ".rm-title")
    assert _inside_viewport(page, ".rm-legend")
    assert "重大（红）" in frame.locator(".rm-legend").inner_text()
    page.screenshot(path=str(SHOTS / "present_1280x720.png"))


def test_the_way_back_and_a_shared_link(app: dict[str, Any]) -> None:
    page = app["page"]
    page.get_by_role("button", name="退出演示").click()
    wait_streamlit_idle(page)
    page.locator('[data-testid="stSidebar"]').wait_for(state="visible")
    assert "present=1" not in page.url
    page.goto(app["url"] + "/?present=1")  # a link opens the presenting view directly
    wait_streamlit_idle(page)
    page.get_by_role("button", name="退出演示").wait_for(timeout=120_000)
    assert not page.locator('[data-testid="stSidebar"]').is_visible()
