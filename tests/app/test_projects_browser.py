"""The sidebar's project list in a real browser: two projects whose folders have the same
name (the demo in ``data/wuhan`` and a copy in another ``wuhan`` folder named by
``RISKMAP_APP_PROJECT``) are told apart, and the one chosen stays chosen."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import OUTPUT_DIR, start_streamlit_app, stop_streamlit_app, wait_streamlit_idle

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
SHOTS = OUTPUT_DIR / "app_projects"


@pytest.fixture(scope="module")
def page(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    tmp = tmp_path_factory.mktemp("projects")
    copy = tmp / "copies" / "wuhan"
    shutil.copytree(ROOT / "data" / "wuhan", copy, ignore=shutil.ignore_patterns("var"))
    yaml = copy / "project.yaml"  # a title of its own: the page shows which project is open
    yaml.write_text(
        yaml.read_text(encoding="utf-8")
        .replace("zh: 武汉市", "zh: 武汉副本", 1)
        .replace("en: Wuhan", "en: Wuhan copy", 1),
        encoding="utf-8",
    )
    env = {
        "RISKMAP_APP_CELL_SIZE": "1000",
        "RISKMAP_APP_REGISTER": str(tmp / "hazards.sqlite"),
        "RISKMAP_APP_PROJECT": str(yaml),
    }
    SHOTS.mkdir(parents=True, exist_ok=True)
    proc, url = start_streamlit_app(env, SHOTS / "streamlit.log")
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        p = context.new_page()
        p.set_default_timeout(120_000)
        p.goto(url)
        yield p
    finally:
        context.close()
        stop_streamlit_app(proc)


def _shown(page: Any, label: str) -> str:
    """The option the sidebar's selectbox labelled ``label`` shows."""
    box = page.locator('[data-testid="stSidebar"]').get_by_role("combobox", name=label).first
    return str(
        box.evaluate(
            "el => el.closest('[data-testid=\"stSelectbox\"]').innerText + ' ' + (el.value || '')"
        )
    )


def _title(page: Any) -> str:
    return str(page.locator("h1").first.inner_text())


def test_same_named_project_folders_are_told_apart_and_the_choice_stays(page: Any) -> None:
    page.locator("h1").first.wait_for(timeout=300_000)
    wait_streamlit_idle(page)
    sidebar = page.locator('[data-testid="stSidebar"]')
    assert "wuhan · copies" in _shown(page, "项目")
    assert _title(page).startswith("武汉副本")
    combo = sidebar.get_by_role("combobox", name="项目").first
    combo.click()
    options = page.get_by_role("option")
    options.first.wait_for(timeout=30_000)
    assert sorted(options.all_inner_texts()) == ["wuhan · copies", "wuhan · data"]
    page.get_by_role("option", name="wuhan · data", exact=True).click()
    wait_streamlit_idle(page)
    assert _title(page).startswith("武汉市 ·"), _title(page)
    # Another click in the sidebar: the project chosen stays.
    sidebar.get_by_text("English", exact=True).click()
    wait_streamlit_idle(page)
    page.screenshot(path=str(SHOTS / "project_chosen.png"))
    assert _title(page).startswith("Wuhan ·"), _title(page)
    assert "wuhan · data" in _shown(page, "Project")
    sidebar.get_by_text("中文", exact=True).click()
    wait_streamlit_idle(page)
    assert _title(page).startswith("武汉市 ·"), _title(page)
    assert "wuhan · data" in _shown(page, "项目")
