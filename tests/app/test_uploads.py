"""Uploads on the data page (issue 15, item 13), run in-process with streamlit.testing
(AppTest) on the Wuhan demo: ids from row numbers (said so), the layer kind suggested
from the file (never defaulted), sheets and GeoPackage layers chosen from a list, the
summary's counts equal to the table's rows, no server path on the page, and an added
layer with its own weight slider on the map page."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
DATA_PAGE = "app/pages/data.py"
CROWDED = (
    "场所名称,场所类型,所在区,地址,最大容纳人数,lng,lat\n"
    "珞南百货,商场,洪山区,武汉市洪山区民族大道735号,8300,114.361128,30.525164\n"
    "法泗购物中心,商场,江夏区,武汉市江夏区庙山大道139号,9800,114.251028,30.314112\n"
)


@pytest.fixture
def at(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The app on 1000 m cells with a fresh register, open on the data page."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("RISKMAP_APP_CELL_SIZE", "1000")
    monkeypatch.setenv("RISKMAP_APP_REGISTER", str(tmp_path / "hazards.sqlite"))
    app = AppTest.from_file(APP, default_timeout=300)
    app.run()
    app.switch_page(DATA_PAGE).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _two_layers(gpkg: Path, *layers: str) -> bytes:
    """A GeoPackage of two points in Wuhan, the same in each of ``layers``; its bytes."""
    import geopandas as gpd
    import shapely

    pts = gpd.GeoDataFrame(
        {"编号": ["A", "B"], "名称": ["甲", "乙"]},
        geometry=shapely.points([114.30, 114.26], [30.59, 30.61]),
        crs=4326,
    )
    for layer in layers:
        pts.to_file(gpkg, layer=layer, driver="GPKG")
    return gpkg.read_bytes()


def _upload(at: Any, name: str, content: bytes) -> None:
    at.file_uploader(key="upload_file").upload(name, content).run()
    assert not at.exception, [e.value for e in at.exception]


def _kind_box(at: Any) -> Any:
    return next(s for s in at.selectbox if s.label == "图层类别")


def _button(at: Any, label: str) -> Any:
    return next(b for b in at.button if b.label == label)


def _page_text(at: Any) -> str:
    parts: list[Any] = []
    for kind in ("markdown", "caption", "info", "success", "warning", "error", "text"):
        parts += [e.value for e in getattr(at, kind)]
    for frame in at.dataframe:
        parts.append(frame.value.to_csv())
    for box in at.selectbox:
        parts += [box.label, *box.options]
    return "\n".join(str(p) for p in parts)


def test_a_file_without_ids_is_numbered_by_rows_and_joins_the_map(at: Any) -> None:
    _upload(at, "人员密集场所.csv", CROWDED.encode("utf-8"))
    assert _kind_box(at).value == "crowded_place"  # from the columns and the name
    assert any("推荐" in c.value for c in at.caption)
    note = " ".join(i.value for i in at.info)
    assert "没有编号列" in note and "第 2 行" in note  # the first row under the header
    _button(at, "校验").click().run()
    # The ids being row numbers is a warning of the table, and the summary counts it.
    assert [w.value for w in at.warning] == [
        "2 个要素可用；0 个错误（相应的行未加入）、1 个警告，见下表。"
    ]
    assert at.dataframe[-1].value["问题"].tolist() == ["以行号作编号"]  # the code as words
    gdf = at.session_state["upload_result"]["gdf"]
    assert gdf["id"].tolist() == ["2", "3"]
    _button(at, "加入本次评估").click().run()
    assert not at.exception
    uploads = at.session_state["uploads"]
    (name,) = uploads
    assert r"人员密集场所\.csv · 人员密集场所 · 2 个要素" in _page_text(at)  # Markdown-escaped
    assert at.session_state[f"w_lw_{name}"] == pytest.approx(uploads[name]["layer"].kind.weight)
    at.switch_page("app/pages/risk_map.py").run()
    assert not at.exception, [e.value for e in at.exception]
    at.session_state["w_weights_open"] = True  # open 权重: its sliders are drawn
    at.run()
    slider = at.slider(key=f"w_lw_{name}")
    assert slider.label == r"人员密集场所\.csv（人员密集场所）"  # as on the map (Markdown-escaped)
    assert any("上传的图层" in c.value for c in at.sidebar.caption)
    slider.set_value(2.5).run()
    assert not at.exception
    assert at.session_state[f"w_lw_{name}"] == 2.5
    # Removed on the data page: the layer and its weight go.
    at.switch_page(DATA_PAGE).run()
    at.button(key=f"remove_{name}").click().run()
    assert not at.session_state["uploads"]
    assert f"w_lw_{name}" not in at.session_state


def test_the_kind_is_not_guessed_when_nothing_fits(at: Any) -> None:
    _upload(at, "data.csv", "列1,列2,经度,纬度\n甲,乙,114.3,30.6\n".encode())
    assert _kind_box(at).value is None  # not "accident": the user chooses
    assert any("请在上方选择" in i.value for i in at.info)
    assert not [b for b in at.button if b.label == "校验"]
    _kind_box(at).set_value("gas_station").run()
    assert [b for b in at.button if b.label == "校验"]


def test_sheets_and_geopackage_layers_are_chosen_from_a_list(at: Any, tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "说明"
    book.active.append(["本表为消防站台账"])
    ws = book.create_sheet("消防站")
    ws.append(["编号", "消防站名称", "站级", "经度", "纬度"])
    ws.append(["XF01", "中山站", "一级", 114.3055, 30.5928])
    buf = io.BytesIO()
    book.save(buf)
    _upload(at, "台账.xlsx", buf.getvalue())
    sheet = at.selectbox(key=next(s.key for s in at.selectbox if s.label == "工作表"))
    assert sheet.options == ["说明", "消防站"]
    sheet.set_value("消防站").run()
    assert _kind_box(at).value == "fire_station"

    _upload(at, "two.gpkg", _two_layers(tmp_path / "two.gpkg", "points_a", "shelters_b"))
    assert not at.error, [e.value for e in at.error]
    layer = at.selectbox(key=next(s.key for s in at.selectbox if s.label == "GeoPackage 图层"))
    assert layer.options == ["points_a", "shelters_b"]
    layer.set_value("shelters_b").run()
    assert not at.error and not at.exception


def test_the_summary_counts_the_rows_of_the_table(at: Any) -> None:
    rows = [f"G{i},站{i},114.30,30.59" for i in range(3)]
    rows += ["G9,坏站,abc,30.59", "G9,重复站,114.31,30.60", "G8,站8,114.32,"]
    text = "编号,名称,经度,纬度\n" + "\n".join(rows) + "\n"
    _upload(at, "加油站.csv", text.encode("utf-8"))
    _button(at, "校验").click().run()
    (summary,) = [w.value for w in at.warning]
    table = at.dataframe[-1].value
    errors = int((table["级别"] == "错误").sum())
    warnings = int((table["级别"] == "警告").sum())
    assert errors >= 2
    assert re.search(rf"{errors} 个错误", summary) and re.search(rf"{warnings} 个警告", summary)


def test_no_server_path_and_untrusted_names_escaped(at: Any) -> None:
    _upload(at, "[链接](javascript:alert)坏.gpkg", b"not a geopackage at all")
    shown = _page_text(at)
    assert at.error, "a broken file gives a message"
    assert "Traceback" not in shown
    assert "riskmap-upload" not in shown and "/tmp" not in shown
    assert r"\[链接\]\(javascript" in " ".join(e.value for e in at.error)  # no link made of it
    _upload(at, "人员密集场所.csv", CROWDED.encode("utf-8"))
    _button(at, "校验").click().run()
    shown = _page_text(at)
    assert "riskmap-upload" not in shown and "/tmp" not in shown
    assert at.session_state["upload_dir"] not in shown  # the session's folder


MESSY = (
    "编号,名称,经度,纬度\n"
    "G1,中山站,114.30,30.59\n"
    "G1,重复站,114.31,30.60\n"  # Excel row 3: a repeated id
    "G3,坏站,abc,30.59\n"  # Excel row 4: not a number
)
CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH = re.compile(r"[A-Za-z]{3,}(?:\s+[a-z]{2,})+")


def _check_table(at: Any) -> Any:
    return next(
        d.value for d in reversed(at.dataframe) if "问题" in d.value or "Problem" in d.value
    )


def test_the_check_table_speaks_the_page_language(at: Any) -> None:
    _upload(at, "加油站.csv", MESSY.encode("utf-8"))
    _button(at, "校验").click().run()
    table = _check_table(at)
    assert set(table["问题"]) == {"编号重复", "不是数字"}  # codes as words
    assert dict(zip(table["问题"], table["行"], strict=True)) == {"编号重复": "3", "不是数字": "4"}
    assert set(table["图层"]) == {"加油加气站"}  # the kind's name, never upload_...
    for column in ("问题", "说明", "建议", "图层"):
        for text in table[column]:
            assert not ENGLISH.search(text) and "_" not in text, (column, text)
    assert any("行号与 Excel 中的行号一致" in c.value for c in at.caption)  # said once
    assert sum("行号与 Excel" in c.value for c in at.caption) == 1
    at.radio(key="w_lang").set_value("en").run()
    _button(at, "Validate").click().run() if [
        b for b in at.button if b.label == "Validate"
    ] else None
    table = _check_table(at)
    assert set(table["Problem"]) == {"Repeated id", "Not a number"}
    for column in ("Problem", "Message", "Hint", "Layer"):
        for text in table[column]:
            assert not CJK.search(text.replace("坏站", "")), (column, text)


def test_a_refused_file_speaks_the_page_language(at: Any) -> None:
    _upload(at, "坏.xlsx", b"not a workbook")
    (error,) = [e.value for e in at.error]
    assert error.startswith("文件无法读取：") and not ENGLISH.search(error), error
    at.radio(key="w_lang").set_value("en").run()
    (error,) = [e.value for e in at.error]
    assert error.startswith("The file cannot be read") and "Excel" in error, error


def test_the_header_row_counts_as_excel_does(at: Any) -> None:
    text = "加油站台账（2024年）,,,\n编号,名称,经度,纬度\nG1,中山站,114.30,abc\n"
    _upload(at, "加油站.csv", text.encode("utf-8"))
    box = next(n for n in at.number_input if n.label == "表头所在行")
    assert box.value is None and box.min == 1  # empty finds the header; 1 is the first row
    box.set_value(2).run()
    _button(at, "校验").click().run()
    table = _check_table(at)
    bad = table[table["问题"] == "不是数字"]
    assert bad["行"].tolist() == ["3"]  # the row under the header, as Excel shows it


def test_the_kind_follows_the_chosen_layer_unless_chosen_by_hand(at: Any, tmp_path: Path) -> None:

    _upload(at, "wuhan.gpkg", _two_layers(tmp_path / "wuhan.gpkg", "消防站", "避难场所"))
    layer = at.selectbox(key=next(s.key for s in at.selectbox if s.label == "GeoPackage 图层"))
    assert _kind_box(at).value == "fire_station"  # from the first layer's name
    layer.set_value("避难场所").run()
    assert _kind_box(at).value == "shelter"  # suggested again
    assert any("所选工作表/图层的名称" in c.value for c in at.caption)
    _kind_box(at).set_value("rescue_team").run()  # chosen by hand: kept
    layer = at.selectbox(key=layer.key)
    layer.set_value("消防站").run()
    assert _kind_box(at).value == "rescue_team"


def test_a_workbook_reports_the_rows_excel_shows(at: Any) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "加油站"
    ws.append(["武汉市加油站台账（2024年）"])  # row 1: a title
    ws.append(["编号", "名称", "经度", "纬度"])  # row 2: the header
    ws.append(["G1", "中山站", 114.30, 30.59])
    ws.append(["G2", "坏站", "abc", 30.59])  # row 4: not a number
    buf = io.BytesIO()
    book.save(buf)
    _upload(at, "台账.xlsx", buf.getvalue())
    assert _kind_box(at).value == "gas_station"  # the sheet's name tells it
    next(n for n in at.number_input if n.label == "表头所在行").set_value(2).run()
    _button(at, "校验").click().run()
    table = _check_table(at)
    assert table[table["问题"] == "不是数字"]["行"].tolist() == ["4"]
    assert set(table["文件"]) == {"台账.xlsx · 加油站"}  # the file and its sheet
