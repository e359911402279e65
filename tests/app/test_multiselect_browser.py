"""Streamlit's bulk action in a multiselect ("Select all") speaks English only: the Chinese
page leaves it out, the English page offers it, and a language switch keeps the choice."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from browser_support import OUTPUT_DIR, app_session, wait_streamlit_idle

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = OUTPUT_DIR / "multiselect"


@pytest.fixture(scope="module")
def app(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with app_session(browser, tmp_path_factory.mktemp("multiselect"), SHOTS) as session:
        yield session


def _options(page: Any, label: str) -> list[str]:
    """Open the sidebar multiselect ``label`` and read its drop-down's options."""
    box = page.locator('[data-testid="stSidebar"]').get_by_role("combobox", name=label).first
    box.click()
    if not page.get_by_role("option").count():
        box.press("ArrowDown")  # a click on a box full of choices may leave it closed
    page.get_by_role("option").first.wait_for(state="visible", timeout=20_000)
    texts = [t.strip() for t in page.get_by_role("option").all_inner_texts()]
    return texts


def test_select_all_only_where_it_speaks_the_page_language(app: dict[str, Any]) -> None:
    page = app["page"]
    page.locator('iframe[title="streamlit_folium.st_folium"]').first.wait_for(
        state="visible", timeout=180_000
    )
    wait_streamlit_idle(page)
    sidebar = page.locator('[data-testid="stSidebar"]')
    zh = _options(page, "叠加图层")
    assert "地震监测台站" in zh  # an overlay not on by default
    assert not any("Select" in o or "全选" in o for o in zh), zh
    page.get_by_role("option", name="地震监测台站", exact=True).first.click()
    page.keyboard.press("Escape")
    wait_streamlit_idle(page)
    page.screenshot(path=str(SHOTS / "zh.png"))

    sidebar.get_by_text("English", exact=True).click()
    wait_streamlit_idle(page)
    chips = sidebar.locator('[data-testid="stMultiSelect"]').first.inner_text()
    assert "Seismic stations" in chips  # the choice made in Chinese is kept
    en = _options(page, "Overlays")
    assert "Select all" in en, en
    page.keyboard.press("Escape")
    sidebar.get_by_text("中文", exact=True).click()
    wait_streamlit_idle(page)


NO_MATCH_JS = """() => {
  const o = document.querySelector('[role="listbox"][data-empty] > [role="option"]');
  if (!o) { return null; }
  const child = o.firstElementChild;
  return {after: getComputedStyle(o, '::after').content,
          english: child ? child.getClientRects().length > 0 : false};
}"""


@pytest.mark.parametrize("label", ["行政区", "叠加图层"])
def test_a_search_that_matches_nothing_says_so_in_chinese(app: dict[str, Any], label: str) -> None:
    page = app["page"]
    page.locator('iframe[title="streamlit_folium.st_folium"]').first.wait_for(
        state="visible", timeout=180_000
    )
    wait_streamlit_idle(page)
    box = page.locator('[data-testid="stSidebar"]').get_by_role("combobox", name=label).first
    box.click()
    box.fill("xyz")
    page.wait_for_selector('[role="listbox"][data-empty]', timeout=20_000)
    said = page.evaluate(NO_MATCH_JS)
    page.screenshot(path=str(SHOTS / f"no-match-{label}.png"))
    box.fill("")
    page.keyboard.press("Escape")
    assert said == {"after": '"无匹配项"', "english": False}, said
