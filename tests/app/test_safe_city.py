"""The safe-city page's evidence maps: each fire station's own service area with its
tooltip (name and values with units, escaped), cells merged, and a legend with counts."""

from __future__ import annotations

import geopandas as gpd
import shapely

CRS = "EPSG:32650"


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


def test_each_station_area_is_drawn_with_its_tooltip_and_the_map_has_a_legend() -> None:
    import folium

    from app.components.map import add_legend
    from app.pages.safe_city import _evidence_layers

    layers, legend = _evidence_layers(_stations(), "fire.district_area", "消防站辖区面积")
    assert [item[1] for item in legend] == ["达标（2）", "未达标（1）"]
    assert {item[2] for item in legend} == {"area"}
    m = folium.Map(location=[30.7, 117.0], zoom_start=10)
    for layer in layers:
        layer.add_to(m)
    add_legend(m, "消防站辖区面积", legend)
    page = m.get_root().render()
    # Three stations, three areas: not merged into one shape per colour.
    features = sum(len(layer.data["features"]) for layer in layers)
    assert features == 3
    tips = [f["properties"]["tip"] for layer in layers for f in layer.data["features"]]
    assert any("辖区面积（km²）：12.5" in tip and "建成区占比：90%" in tip for tip in tips)
    assert any("江岸&lt;script&gt;站" in tip for tip in tips)  # names from files are escaped
    assert "<script>站" not in page
    assert "rm-ev-legend" in page and "达标（2）" in page


def test_cells_without_names_are_merged_and_have_no_tooltip() -> None:
    from app.pages.safe_city import _geometry_layer

    x0, y0 = 500_000.0, 3_400_000.0
    cells = gpd.GeoDataFrame(
        {"cell_id": ["a", "b"], "population": [10.0, 20.0]},
        geometry=[
            shapely.box(x0, y0, x0 + 250, y0 + 250),
            shapely.box(x0 + 250, y0, x0 + 500, y0 + 250),
        ],
        crs=CRS,
    )
    layer = _geometry_layer(cells, "#d7191c", "cells")
    assert layer is not None and len(layer.data["features"]) == 1
    assert layer.data["features"][0]["properties"]["tip"] == ""
