"""The app's map in presenting mode (1280×720) with the point overlays on: each overlay's
symbol before its name in the layer control, the overlay legend on screen beside the
level legend, following the layer control (issue 15, item 3)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from browser_support import OUTPUT_DIR, app_session, wait_streamlit_idle

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = OUTPUT_DIR / "overlays"
WIDTH, HEIGHT = 1280, 720
OVERLAYS = "districts,shelters,fire_stations,community_stations,supply_depots,rescue_teams,hazards"


@pytest.fixture(scope="module")
def app(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with app_session(browser, tmp_path_factory.mktemp("overlays"), SHOTS) as session:
        session["page"].set_viewport_size({"width": WIDTH, "height": HEIGHT})
        yield session


def _legend_names(frame: Any) -> list[str]:
    return frame.locator(".rm-ov-legend .rm-ov-row .rm-name").all_inner_texts()


def test_the_overlay_legend_in_presenting_mode(app: dict[str, Any]) -> None:
    page = app["page"]
    page.goto(f"{app['url']}/?present=1&overlays={OVERLAYS}")
    wait_streamlit_idle(page)
    iframe = page.locator('iframe[title="streamlit_folium.st_folium"]').first
    iframe.wait_for(state="visible", timeout=120_000)
    frame = iframe.content_frame
    frame.locator(".rm-legend").wait_for(timeout=60_000)
    frame.locator(".rm-ov-legend .rm-ov-row").first.wait_for(timeout=60_000)
    names = ["应急避难场所", "消防站", "社区应急服务站", "应急物资储备库", "救援队伍", "危险源"]
    assert _legend_names(frame) == names  # the sidebar's names, in the control's order
    # Both legends wholly on screen, neither over the other.
    boxes = [frame.locator(sel).bounding_box() for sel in (".rm-ov-legend", ".rm-legend")]
    for box in boxes:
        assert box is not None
        assert box["x"] >= 0 and box["y"] >= 0
        assert box["x"] + box["width"] <= WIDTH and box["y"] + box["height"] <= HEIGHT
    ov, level = boxes
    assert ov["x"] + ov["width"] <= level["x"] or ov["y"] + ov["height"] <= level["y"]
    # The control shows each overlay's symbol before its name.
    control = frame.locator(".leaflet-control-layers")
    control.hover()  # (the app's control starts collapsed)
    for name in names:
        label = control.locator("label").filter(has_text=name).first
        assert label.locator("canvas.rm-sym").count() >= 1, name
    page.screenshot(path=str(SHOTS / "present_overlays_1280x720.png"))
    control.get_by_text("危险源", exact=True).click()
    frame.locator(".rm-ov-legend").get_by_text("危险源", exact=True).wait_for(state="detached")
    assert _legend_names(frame) == names[:-1]
    control.get_by_text("消防站", exact=True).click()
    page.wait_for_function(
        "f => f.contentDocument.querySelectorAll('.rm-ov-row').length === 4",
        arg=iframe.element_handle(),
    )
    assert "消防站" not in _legend_names(frame)
