"""The safe-city page: numbers written with separators and units (never None or nan) in
the scorecard, the what-if results and the evidence tooltips; evidence maps with a legend
saying what each colour is (with counts and units) and each station's own service area."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
import shapely

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
PAGE = "app/pages/safe_city.py"
CRS = "EPSG:32650"
SEPARATED = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")


def _stations() -> gpd.GeoDataFrame:
    x0, y0 = 500_000.0, 3_400_000.0
    return gpd.GeoDataFrame(
        {
            "id": ["F1", "F2", "F3"],
            "name": ["江岸<script>站", "汉阳站", "武昌站"],
            "class": ["一级", "一级", "特勤"],
            "area_km2": [6.25, 12.5, 7.0],
            "builtup_share": [0.8, 0.9, 0.5],
            "ok": [True, False, True],
        },
        geometry=[
            shapely.box(x0 + 3000 * i, y0, x0 + 3000 * i + 2500, y0 + 2500) for i in range(3)
        ],
        crs=CRS,
    )


def _tips(layers: list[Any]) -> list[str]:
    return [f["properties"]["tip"] for layer in layers for f in layer.data["features"]]


def test_each_station_district_is_drawn_with_its_tooltip_and_the_map_has_a_legend() -> None:
    import folium

    from app.components.map import add_legend
    from app.pages.safe_city import _evidence_layers

    layers, legend = _evidence_layers(_stations(), "fire.district_area", "消防站辖区面积")
    assert [item[1] for item in legend] == ["达标（2 座）", "未达标（1 座）"]
    assert {item[2] for item in legend} == {"area"}
    m = folium.Map(location=[30.7, 117.0], zoom_start=10)
    for layer in layers:
        layer.add_to(m)
    add_legend(m, "消防站辖区面积", legend)
    page = m.get_root().render()
    # Three stations, three areas: not merged into one shape per colour.
    assert sum(len(layer.data["features"]) for layer in layers) == 3
    tips = _tips(layers)
    assert any("辖区面积：12.5 km²" in tip and "建成区占比：90%" in tip for tip in tips)
    assert any("江岸&lt;script&gt;站" in tip for tip in tips)  # names from files are escaped
    assert "<script>站" not in page
    assert "rm-ev-legend" in page and "达标（2 座）" in page


def test_cells_are_merged_with_a_summary_and_stations_get_their_own_areas() -> None:
    from app.pages.safe_city import _evidence_layers

    x0, y0 = 500_000.0, 3_400_000.0
    cells = gpd.GeoDataFrame(
        {"cell_id": ["a", "b"], "population": [1_000.0, 2_345.6], "area_m2": [62_500.0] * 2},
        geometry=[
            shapely.box(x0, y0, x0 + 250, y0 + 250),
            shapely.box(x0 + 250, y0, x0 + 500, y0 + 250),
        ],
        crs=CRS,
    )
    sites = [shapely.Point(x0 + 2000, y0), shapely.Point(x0 + 5000, y0)]
    areas = gpd.GeoDataFrame(
        {
            "id": ["F1", "F2"],
            "name": ["一站", "二站"],
            "kind": "fire_station",
            "class": ["一级", "特勤"],
            "capacity": float("nan"),
            "radius_m": 1538.46,
            "target_min": 5.0,
            "area_km2": [7.43, 6.0],
            "population": [123_456.7, None],
            "builtup_km2": [5.25, 4.0],
            "site": gpd.GeoSeries(sites, crs=CRS),
        },
        geometry=gpd.GeoSeries([p.buffer(1538.46) for p in sites], crs=CRS),
        crs=CRS,
    )
    layers, legend = _evidence_layers(cells, "fire.reach_population", "可达人口", areas)
    labels = [label for _, label, _ in legend]
    assert labels == [
        "5分钟内到达不了的网格（2 个网格，3,346 人，0.1 km²）",
        "各消防站5分钟可达范围（2 座）",
        "消防站",
    ]
    cells_layer, areas_layer, sites_layer = layers
    assert len(cells_layer.data["features"]) == 1  # cells merged, with what they hold
    assert _tips([cells_layer]) == ["5分钟内到达不了的网格：2 个网格，3,346 人，0.1 km²"]
    tips = _tips([areas_layer])
    assert len(tips) == 2  # each station's own area, not a union
    assert "覆盖人口：123,457 人" in tips[0] and "服务距离：1.5 km" in tips[0]
    assert "到达时间目标：5 分钟" in tips[0] and "服务范围面积：7.43 km²" in tips[0]
    assert "覆盖人口" not in tips[1]  # a missing value is left out, never "None"
    assert all("None" not in tip and "nan" not in tip for tip in tips)
    assert len(sites_layer.data["features"]) == 2


def test_number_helpers_write_separators_and_units() -> None:
    from app import common

    assert common.number(1540814.74) == "1,540,815"
    assert common.number(None) == common.number(float("nan")) == "—"
    assert common.number(0.5, 2, sign=True) == "+0.50" and common.number(-0.0, 1) == "0.0"
    assert common.number(31.96, 1, "%") == "32.0%"
    assert common.area_km2(1234.56) == "1,234.6 km²"
    assert common.distance(850) == "850 m" and common.distance(1538.5) == "1.5 km"
    assert common.percent(0.9, 0, share=True) == "90%"


@pytest.fixture
def maps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The app on 1000 m cells; every map a page shows is kept as HTML (by its key)."""
    import app.components.map as map_ui

    monkeypatch.setenv("RISKMAP_APP_CELL_SIZE", "1000")
    monkeypatch.setenv("RISKMAP_APP_REGISTER", str(tmp_path / "hazards.sqlite"))
    shown: dict[str, str] = {}

    def keep(m: Any, key: str, **_: Any) -> dict[str, Any]:
        shown[key] = m.get_root().render()
        return {}

    monkeypatch.setattr(map_ui, "show_map", keep)
    return shown


def _no_missing(frame: pd.DataFrame) -> None:
    text = frame.astype(str)
    assert not text.isin(["None", "nan", "NaN", "<NA>"]).any().any(), frame


def test_the_page_writes_numbers_for_people(maps: dict[str, str]) -> None:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    at.switch_page(PAGE)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    card = at.dataframe[0].value
    _no_missing(card)
    rows = card.set_index("指标")
    assert SEPARATED.match(rows.loc["每处中心避难场所服务人口", "数值"])
    assert rows.loc["每处中心避难场所服务人口", "单位"] == "人"
    assert rows.loc["每处中心避难场所服务人口", "目标"] == "≤ 500,000"
    assert re.fullmatch(r"\d+\.\d\d", rows.loc["消防站5分钟可达人口比例", "数值"])
    assert rows.loc["消防站5分钟可达人口比例", "目标"] == "≥ 100"
    assert rows.loc["风险评估与四色图已完成", "数值"] in {"是", "否"}
    assert rows.loc["重大风险面积比例", "目标"] == "—"

    # The evidence map of the fire stations' reach: a legend and each station's own area.
    at.selectbox(key="sc_indicator").set_value("fire.reach_population").run()
    assert not at.exception
    page = maps["evidence_fire.reach_population"]
    assert "rm-ev-legend" in page
    n_stations = int(re.search(r"各消防站5分钟可达范围（([\d,]+) 座）", page).group(1))
    assert n_stations > 100
    tips = [json.loads(f'"{tip}"') for tip in re.findall(r'"tip": "((?:[^"\\]|\\.)*)"', page)]
    people = [tip for tip in tips if "覆盖人口：" in tip]
    assert len(people) >= n_stations  # one tooltip a station (and its point)
    assert all(re.search(r"覆盖人口：\d{1,3}(,\d{3})* 人", tip) for tip in people)
    assert not any("None" in tip or "nan" in tip for tip in tips)

    # A shelter proposed: the what-if tables have separators, signs and no None.
    at.radio(key="wi_kind").set_value("shelter").run()
    at.text_input(key="wi_name").input("规划避难场所")
    next(b for b in at.button if b.label == "添加方案").click().run()
    proposals = at.dataframe[1].value
    _no_missing(proposals)
    assert proposals["有效避难面积（m²）"].iloc[0] == "20,000 m²"
    at.button(key="wi_run").click().run()
    assert not at.exception
    changes = at.dataframe[2].value
    _no_missing(changes)
    rows = changes.set_index("指标")
    assert SEPARATED.match(rows.loc["每处中心避难场所服务人口", "现状"])
    assert rows.loc["消防站5分钟可达人口比例", "变化"] == "0.00"  # no "-0.00", no "+0.00"
    assert rows["变化"].str.fullmatch(r"[+-]?\d{1,3}(,\d{3})*(\.\d\d)?").all()


def test_the_scorecard_reads_in_one_language(maps: dict[str, str]) -> None:
    """The verdicts read alike (达标/未达标, Met/Not met: no "passed" beside "FAILED"), and
    the standards are riskmap's text of the page's language (no Chinese in English)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    at.switch_page(PAGE)
    at.run()
    card = at.dataframe[0].value
    assert set(card["达标"]) <= {"达标", "未达标", "—"}
    assert "GB 21734-2008《地震应急避难场所 场址及配套设施》第 5.4 条" in set(card["依据"])
    at.radio(key="w_lang").set_value("en").run()
    assert not at.exception, [e.value for e in at.exception]
    card = at.dataframe[0].value
    assert set(card["Passed"]) <= {"Met", "Not met", "—"} and "Not met" in set(card["Passed"])
    assert "GB 21734-2008 §5.4 (earthquake emergency shelters)" in set(card["Standard"])
    assert not card["Standard"].str.contains(r"[\u4e00-\u9fff]").any()
