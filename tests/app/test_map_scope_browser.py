"""A selected district in every view of the map (issue 15, items 4 and 12): the hot-spot
and level-confidence legends count the district's cells, presenting keeps the district
(zoom, outline, title, counts), and at 1024×768 the headline table is whole on screen or
says that it scrolls."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from browser_support import OUTPUT_DIR, app_session, wait_streamlit_idle

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = OUTPUT_DIR / "map_scope"
MAP = 'iframe[title="streamlit_folium.st_folium"]'
WUCHANG = "420106"


@pytest.fixture(scope="module")
def app(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with app_session(browser, tmp_path_factory.mktemp("map_scope"), SHOTS) as session:
        session["page"].context.route(  # no tiles from the network
            "**/*",
            lambda route: (
                route.continue_()
                if route.request.url.startswith(session["url"])
                or route.request.url.startswith(("data:", "blob:"))
                else route.abort()
            ),
        )
        yield session


@pytest.fixture(scope="module")
def cells(app: dict[str, Any]) -> Any:
    """The app's analysed cells, computed here as the command line does (the same
    project, grid and register)."""
    import riskmap as rm

    page = app["page"]
    page.locator(MAP).first.wait_for(state="visible", timeout=180_000)
    wait_streamlit_idle(page)
    db = app["tmp"] / "hazards.sqlite"
    study = rm.Study.from_project("wuhan", cell_size=1000, register=db if db.exists() else None)
    return study.analyse(study.score()).cells


def _frame(page: Any) -> Any:
    return page.locator(MAP).first.element_handle().content_frame()


def _in_map(page: Any, js: str) -> Any:
    return _frame(page).evaluate(js)


def _idle(page: Any) -> None:
    page.wait_for_timeout(300)
    wait_streamlit_idle(page)
    page.wait_for_timeout(600)


def _choose(page: Any, label: str, option: str) -> None:
    box = page.locator('[data-testid="stSidebar"]').get_by_role("combobox", name=label).first
    box.click()
    box.fill(option)
    page.get_by_role("option", name=option, exact=True).first.click()
    page.keyboard.press("Escape")
    _idle(page)


def _view(page: Any, name: str) -> None:
    page.locator('[data-testid="stSidebar"]').get_by_text(name, exact=True).first.click()
    _idle(page)


def _legend(page: Any, view: str) -> dict[str, Any]:
    """The legend of ``view`` on the map: its counts (``.rm-n``, in order) and its scope line."""
    sel = f'.rm-legend[data-view="{view}"]'
    _frame(page).wait_for_selector(sel, timeout=120_000)
    page.wait_for_timeout(500)
    return dict(
        _in_map(
            page,
            f"""() => {{
              const l = document.querySelector('{sel}');
              return {{counts: Array.from(l.querySelectorAll('.rm-n'))
                         .map(e => parseInt(e.textContent.replace(/,/g, ''), 10)),
                       scope: (l.querySelector('.rm-scope') || {{}}).textContent || ''}};
            }}""",
        )
    )


def _district(cells: Any) -> Any:
    return cells[cells["adcode"].astype(str) == WUCHANG]


def test_the_hotspot_legend_counts_the_district(app: dict[str, Any], cells: Any) -> None:
    page = app["page"]
    _choose(page, "行政区", "武昌区")
    _view(page, "风险热点（Gi*）")
    legend = _legend(page, "hotspot")
    expected = _district(cells)["hotspot"].astype(int).value_counts()
    assert legend["counts"] == [int(expected.get(b, 0)) for b in (3, 2, 1, 0, -1, -2, -3)]
    assert sum(legend["counts"]) == len(_district(cells))
    assert "武昌区" in legend["scope"]
    assert "武昌区" in _in_map(page, "() => document.querySelector('.rm-title').textContent")
    page.locator(MAP).first.screenshot(path=str(SHOTS / "01_hotspot_district.png"))


def test_the_confidence_legend_counts_the_district(app: dict[str, Any], cells: Any) -> None:
    page = app["page"]
    _view(page, "等级置信度")
    legend = _legend(page, "confidence")
    assert legend["counts"] == [int(_district(cells)["unstable"].sum())]
    assert "武昌区" in legend["scope"]
    assert f"{len(_district(cells)):,}" in legend["scope"]
    page.locator(MAP).first.screenshot(path=str(SHOTS / "02_confidence_district.png"))
    # The whole city again: the city's counts, no district line.
    _choose(page, "行政区", "全市")
    legend = _legend(page, "confidence")
    assert legend["counts"] == [int(cells["unstable"].sum())]
    assert "武昌区" not in legend["scope"]
    _view(page, "风险等级（四色）")


def test_presenting_keeps_the_district(app: dict[str, Any], cells: Any) -> None:
    page = app["page"]
    _choose(page, "行政区", "武昌区")
    page.set_viewport_size({"width": 1280, "height": 720})
    page.get_by_role("button", name="演示模式").click()
    _idle(page)
    page.locator(MAP).first.wait_for(state="visible", timeout=120_000)
    legend = _legend(page, "level")
    page.wait_for_function(
        "() => { const f = document.querySelector('iframe[title=\"streamlit_folium.st_folium\"]');"
        " const d = f && f.contentDocument; return d && d.querySelector('path.rm-district'); }",
        timeout=60_000,
    )
    page.wait_for_timeout(1500)
    legend = _legend(page, "level")
    expected = _district(cells)["level_rank"].astype(int).value_counts()
    assert legend["counts"] == [int(expected.get(r, 0)) for r in (4, 3, 2, 1)]
    assert "武昌区" in legend["scope"]
    assert "武昌区" in _in_map(page, "() => document.querySelector('.rm-title').textContent")
    zoom = _in_map(page, "() => map_div.getZoom()")
    assert zoom >= 11  # on the district, not the whole city
    page.screenshot(path=str(SHOTS / "03_present_district_1280x720.png"))
    page.get_by_role("button", name="退出演示").click()
    _idle(page)
    page.set_viewport_size({"width": 1500, "height": 1000})


_HEADLINE_JS = """() => {
  const t = document.querySelector('.st-key-headline table');
  const s = t.parentElement;  // the table's scroller
  const r = s.getBoundingClientRect(), tr = t.getBoundingClientRect();
  const cue = document.querySelector('.st-key-headline .rm-scroll-cue');
  return {fits: tr.right <= r.right + 1 && tr.right <= window.innerWidth,
          scrolls: s.scrollWidth > s.clientWidth,
          cue: !!cue && cue.getBoundingClientRect().height > 0
               && getComputedStyle(cue).visibility === 'visible'};
}"""


def test_the_headline_table_fits_or_says_it_scrolls(app: dict[str, Any]) -> None:
    """At 1024×768 the headline table's every column is on screen, or the table scrolls
    and says so (a visible line under it); on a wide screen it fits and says nothing."""
    page = app["page"]
    page.set_viewport_size({"width": 1024, "height": 768})
    _idle(page)
    page.locator(".st-key-headline table").first.wait_for()
    narrow = page.evaluate(_HEADLINE_JS)
    page.locator(".st-key-headline").first.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "04_headline_1024x768.png"))
    assert narrow["fits"] or (narrow["scrolls"] and narrow["cue"]), narrow
    page.set_viewport_size({"width": 1500, "height": 1000})
    page.wait_for_timeout(1500)
    wide = page.evaluate(_HEADLINE_JS)
    assert wide == {"fits": True, "scrolls": False, "cue": False}, wide
