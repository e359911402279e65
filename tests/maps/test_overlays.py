"""Overlays of layers added from files (a session's uploads): each under its own escaped
name in the layer control, its features drawn, no server path in the page."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from browser_support import synthetic_cells, synthetic_project_data

from riskmap import maps
from riskmap.config import LayerBinding, load_layer_kinds
from riskmap.config.levels import LEVELS
from riskmap.io import Layer
from riskmap.maps.overlays import added_layer_title, added_layers

XSS = "<img src=x onerror=alert(1)>"
SERVER = "/tmp/riskmap-upload-abc123/0f0f0f0f"


@pytest.fixture(scope="module")
def cells():
    return synthetic_cells(20, 15, 1000.0)


def _added(cells, name: str, kind: str, *, file: str, geoms, names) -> Layer:
    gdf = gpd.GeoDataFrame(
        {"id": [str(i + 2) for i in range(len(geoms))], "name": names},
        geometry=list(geoms),
        crs=cells.crs,
    )
    binding = LayerBinding(name=name, kind=kind, path=f"{SERVER}/{file}")
    return Layer(
        binding=binding, kind=load_layer_kinds()[kind], gdf=gdf, source=Path(SERVER) / file
    )


@pytest.fixture(scope="module")
def data(cells):
    base = synthetic_project_data(cells)
    centres = shapely.centroid(np.asarray(cells.geometry.values, dtype=object)[:40:10])
    points = _added(
        cells,
        "upload_gas",
        "gas_station",
        file=f"加油站{XSS}.csv",
        geoms=centres,
        names=[XSS, "", "二号站", "三号站"],
    )
    zone = shapely.buffer(centres[0], 2000.0)
    areas = _added(
        cells,
        "upload_flood",
        "flood_zone",
        file="flood.gpkg",
        geoms=[zone],
        names=["低洼区<b>甲</b>"],
    )
    return base.with_layers({"upload_gas": points, "upload_flood": areas})


def test_added_layers_are_the_uploads_only(data) -> None:
    # The synthetic project binds its six layers; the register's layer would have no file.
    assert [lyr.name for lyr in added_layers(data)] == ["upload_gas", "upload_flood"]
    register = replace(data.layers["upload_gas"], source=None)
    assert added_layers(data.with_layers({"upload_gas": register})) == [data.layers["upload_flood"]]


def test_each_added_layer_is_an_overlay_under_its_escaped_name(cells, data) -> None:
    page = maps.render_html(maps.map_from_cells(cells, data, lang="zh"))
    title = added_layer_title(data.layers["upload_gas"], "zh")
    assert title == f"加油站{XSS}.csv（加油加气站）"
    assert "加油站&lt;img src=x onerror=alert(1)&gt;.csv（加油加气站）" in page
    assert "flood.gpkg（洪涝风险区）" in page
    assert XSS not in page
    assert "低洼区&lt;b&gt;甲&lt;/b&gt;" in page  # a polygon's tooltip
    assert "riskmap-upload" not in page  # the file's name only, never its folder


def test_added_layer_titles_follow_the_language(cells, data) -> None:
    page = maps.render_html(maps.map_from_cells(cells, data, lang="en"))
    assert "flood.gpkg (Flood zone)" in page
    assert "（" not in added_layer_title(data.layers["upload_flood"], "en")


LEVEL_COLOURS = {lv.color.lower() for lv in LEVELS}


def _symbols(page: str) -> dict[str, list[dict]]:
    """Each point overlay's symbols, by its name in the layer control, as the page has them."""
    found = re.search(r"window\.riskmap\.decorateControl\((\{.*?\})\);", page)
    assert found, "no symbols for the layer control"
    return {name: [json.loads(v) for v in rows] for name, rows in json.loads(found[1]).items()}


@pytest.mark.parametrize(
    ("lang", "names", "title"),
    [
        ("zh", ["应急避难场所", "消防站", "社区应急服务站", "危险源", "在册隐患（未销号）"], "叠加图层"),
        ("en", ["Emergency shelters", "Fire stations", "Community emergency stations",
                "Hazard sources", "Open hidden hazards"], "Overlays"),
    ],
)  # fmt: skip
def test_each_point_overlay_has_a_symbol_of_its_own(cells, data, lang, names, title) -> None:
    page = maps.render_html(maps.map_from_cells(cells, data, lang=lang, overlays=[]))
    symbols = _symbols(page)
    shelters, fire, community, hazards, hidden = (symbols[n] for n in names)
    # One shape per kind of facility; circles are the hazard sources' alone.
    shapes = [shelters[0]["s"], fire[0]["s"], community[0]["s"], hidden[0]["s"]]
    assert shapes == ["square", "diamond", "diamond", "tri"]
    assert {s["s"] for s in hazards} == {"circle"}
    assert (fire[0]["f"], community[0]["f"]) == ("#ffffff", "#01665e")  # white vs teal
    assert community[0]["z"] < fire[0]["z"]  # and smaller
    assert shelters[0]["m"] == "cross" and hidden[0]["m"] == "!"
    # No symbol is filled with a level colour: a symbol never reads as a cell's level.
    fills = {s["f"].lower() for rows in symbols.values() for s in rows}
    assert not fills & LEVEL_COLOURS
    # Symbols among several are labelled: shelter types, hazard classes, hazard statuses.
    assert [s["l"] for s in shelters] == (
        ["紧急", "固定", "中心"] if lang == "zh" else ["Emergency", "Fixed", "Central"]
    )
    assert [s["l"] for s in hazards] == ["危险化学品" if lang == "zh" else "Hazardous chemicals"]
    assert {s["l"] for s in hidden} == (
        {"已登记", "整改中"} if lang == "zh" else {"registered", "rectifying"}
    )
    # The page draws the points with the same symbols (no labels, no sizes, in the payload).
    assert '"p":[{"s":"diamond","f":"#ffffff","k":"#c8102e","w":2,"m":"dot"}]' in page
    assert f"window.riskmap.symbolTitle = {json.dumps(title, ensure_ascii=False)};" in page


def test_overlay_legend_entries_are_escaped(cells, data) -> None:
    shelters = data.layers["shelters"]
    odd = shelters.gdf.copy()
    odd.loc[odd.index[0], "type"] = XSS  # a type without a symbol of its own
    page = maps.render_html(
        maps.map_from_cells(
            cells, data.with_layers({"shelters": replace(shelters, gdf=odd)}), lang="zh"
        )
    )
    assert XSS not in page
    symbols = _symbols(page)
    upload = "加油站&lt;img src=x onerror=alert(1)&gt;.csv（加油加气站）"
    assert upload in symbols  # the legend and the control name it as the control does
    assert symbols[upload] == [{"s": "circle", "f": "#c51b7d"}]  # a hazard source: its class
    assert symbols["flood.gpkg（洪涝风险区）"] == [{"s": "square", "f": "#4393c3"}]  # an area
    assert [s["l"] for s in symbols["应急避难场所"]][-1] == "其他"  # the odd type, not its text
    for rows in symbols.values():
        for s in rows:
            assert "<" not in s.get("l", "") and "<" not in s["f"]
