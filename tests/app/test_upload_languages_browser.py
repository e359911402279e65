"""The data page's upload in one language at a time (issue 15, items 6 and 13), in the real
app in Chromium: a messy CSV's check table, a broken workbook's message and a GeoPackage
with two layers (the kind suggested from the chosen layer's name), in Chinese and then in
English; Streamlit's own uploader texts in Chinese. One server and one page for the module;
the tests run in file order. Screenshots under ``test-output/upload_languages/``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import OUTPUT_DIR, app_session, wait_streamlit_idle

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = OUTPUT_DIR / "upload_languages"
MESSY = (
    "编号,名称,经度,纬度\n"
    "G1,中山站,114.30,30.59\n"
    "G1,重复站,114.31,30.60\n"  # Excel row 3: a repeated id
    "G3,坏站,abc,30.59\n"  # Excel row 4: not a number
    "G4,远站,120.50,35.20\n"  # Excel row 5: outside the city
)
CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH = re.compile(r"[A-Za-z]{3,}(?:\s+[a-z]{2,})+")
"""An English word and a lower-case one after it: a sentence (not GeoPackage, not CSV UTF-8)."""
SNAKE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")


@pytest.fixture(scope="module")
def app(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with app_session(
        browser, tmp_path_factory.mktemp("upload_languages"), SHOTS, timeout_ms=120_000
    ) as session:
        yield session


def _shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def _upload(app: dict[str, Any], name: str, content: bytes) -> None:
    path = Path(app["tmp"]) / name
    path.write_bytes(content)
    page = app["page"]
    page.locator('[data-testid="stFileUploader"] input[type="file"]').first.set_input_files(
        str(path)
    )
    wait_streamlit_idle(page)


def _check_table(page: Any, column: str) -> dict[str, list[str]]:
    """The last data frame with ``column``, by column (its cells are drawn on a canvas; the
    grid keeps an accessible table of them in the DOM)."""
    grid = page.locator('[data-testid="stDataFrame"]').filter(has_text=column).last
    grid.locator('[role="gridcell"]').first.wait_for(state="attached")
    grid.scroll_into_view_if_needed()
    rows: list[list[str]] = grid.evaluate(
        "el => Array.from(el.querySelectorAll('[role=\"row\"]')).map(r => Array.from("
        'r.querySelectorAll(\'[role="gridcell"], [role="columnheader"]\'))'
        ".map(c => c.textContent.trim()))"
    )
    header, *body = [r for r in rows if r]
    return {h: [r[i] for r in body if len(r) > i] for i, h in enumerate(header)}


def _kind(page: Any, label: str) -> str:
    box = page.locator('[data-testid="stSelectbox"]').filter(has_text=label).first
    return str(box.inner_text() + " " + box.locator("input").first.input_value())


def _main_text(page: Any) -> str:
    return str(page.locator('[data-testid="stMain"]').inner_text())


def test_the_uploader_speaks_chinese(app: dict[str, Any]) -> None:
    page = app["page"]
    wait_streamlit_idle(page)
    page.locator('[data-testid="stSidebarNav"]').get_by_text("数据", exact=True).click()
    wait_streamlit_idle(page)
    zone = page.locator('[data-testid="stFileUploaderDropzone"]').first
    zone.scroll_into_view_if_needed()
    for english in ("Drag and drop", "per file", "Browse files", "Upload"):
        shown = zone.get_by_text(english, exact=False)
        assert not any(shown.nth(i).is_visible() for i in range(shown.count())), english
    button = zone.locator("button").first
    after = button.evaluate("b => getComputedStyle(b, '::after').content")
    assert after == '"选择文件"', after
    main = _main_text(page)
    assert "单个文件不超过" in main  # our caption says the limit and the formats
    assert not ENGLISH.search(main), ENGLISH.search(main)  # the whole page, not one sentence
    _shot(page, "01_uploader_zh")


def test_a_messy_table_is_checked_in_chinese(app: dict[str, Any]) -> None:
    page = app["page"]
    _upload(app, "加油站.csv", MESSY.encode("utf-8"))
    assert "加油加气站" in _kind(page, "图层类别")
    # The header row counts as Excel does; Streamlit's "Press Enter to apply" in our words.
    header = page.locator('[data-testid="stNumberInput"]').filter(has_text="表头所在行").first
    field = header.locator("input").first
    assert field.get_attribute("placeholder") == "自动（第一个非空行）"
    field.fill("1")
    instructions = header.locator('[data-testid="InputInstructions"]').first
    instructions.wait_for(state="attached")
    assert not header.get_by_text("Press Enter", exact=False).first.is_visible()
    after = instructions.evaluate("e => getComputedStyle(e, '::after').content")
    assert after == '"按回车键确认"', after
    field.press("Enter")
    wait_streamlit_idle(page)
    page.get_by_role("button", name="校验").click()
    wait_streamlit_idle(page)
    table = _check_table(page, "说明")
    assert set(table["问题"]) == {"编号重复", "不是数字", "在城市范围之外"}
    rows = dict(zip(table["问题"], table["行"], strict=True))
    assert rows == {"编号重复": "3", "不是数字": "4", "在城市范围之外": "5"}  # Excel's rows
    assert set(table["图层"]) == {"加油加气站"}
    for column in ("问题", "说明", "建议", "图层", "级别"):
        for text in table[column]:
            assert not ENGLISH.search(text) and not SNAKE.search(text), (column, text)
    main = _main_text(page)
    assert "行号与 Excel 中的行号一致" in main and "upload_" not in main
    assert not ENGLISH.search(main), ENGLISH.search(main)
    upload = main.split("上传图层")[-1]  # the form: field names, never their keys
    assert not SNAKE.search(upload) and not re.search(r"· (id|name|grade)\b", upload), upload
    page.get_by_text("行号与 Excel 中的行号一致").first.scroll_into_view_if_needed()
    _shot(page, "02_check_table_zh")


def test_a_broken_workbook_is_refused_in_chinese(app: dict[str, Any]) -> None:
    page = app["page"]
    _upload(app, "坏.xlsx", b"not a workbook at all")
    error = page.locator('[data-testid="stAlert"]').filter(has_text="文件无法读取").first
    error.wait_for()
    text = error.inner_text()
    assert "Excel 工作簿" in text and not ENGLISH.search(text), text
    error.scroll_into_view_if_needed()
    _shot(page, "03_refused_zh")


def test_the_kind_follows_the_chosen_geopackage_layer(app: dict[str, Any]) -> None:
    import geopandas as gpd
    import shapely

    page = app["page"]
    pts = gpd.GeoDataFrame(
        {"编号": ["A", "B"], "名称": ["甲", "乙"]},
        geometry=shapely.points([114.30, 114.26], [30.59, 30.61]),
        crs=4326,
    )
    gpkg = Path(app["tmp"]) / "wuhan.gpkg"
    pts.to_file(gpkg, layer="消防站", driver="GPKG")
    pts.to_file(gpkg, layer="避难场所", driver="GPKG")
    _upload(app, "wuhan.gpkg", gpkg.read_bytes())
    assert "消防站" in _kind(page, "图层类别")
    layer = page.locator('[data-testid="stSelectbox"]').filter(has_text="GeoPackage 图层").first
    layer.click()
    page.get_by_role("option", name="避难场所").click()
    wait_streamlit_idle(page)
    assert "应急避难场所" in _kind(page, "图层类别") and "shelter" not in _kind(page, "图层类别")
    page.get_by_text("所选工作表/图层的名称", exact=False).first.scroll_into_view_if_needed()
    _shot(page, "04_geopackage_layer_zh")


def test_the_same_in_english(app: dict[str, Any]) -> None:
    page = app["page"]
    page.locator('[data-testid="stSidebar"]').get_by_text("English", exact=True).click()
    wait_streamlit_idle(page)
    assert "Emergency shelter" in _kind(page, "Layer kind")
    _upload(app, "gas_stations.csv", MESSY.encode("utf-8"))
    header = page.locator('[data-testid="stNumberInput"]').filter(has_text="Header row").first
    header.locator("input").first.fill("1")
    header.get_by_text("Press Enter to apply").wait_for()  # Streamlit's own, untouched
    header.locator("input").first.press("Enter")
    wait_streamlit_idle(page)
    page.get_by_role("button", name="Validate").click()
    wait_streamlit_idle(page)
    table = _check_table(page, "Message")
    assert set(table["Problem"]) == {"Repeated id", "Not a number", "Outside the city"}
    for column in ("Problem", "Message", "Hint", "Layer", "Severity"):
        for text in table[column]:
            # The file's own values (坏站's 'abc', a repeated 'G1') may be quoted; ours not.
            assert not CJK.search(text) and not SNAKE.search(text), (column, text)
    assert "Excel" in _main_text(page) and "upload_" not in _main_text(page)
    page.get_by_text("Row numbers are Excel's").first.scroll_into_view_if_needed()
    _shot(page, "05_check_table_en")
