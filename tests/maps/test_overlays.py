"""Overlays of layers added from files (a session's uploads): each under its own escaped
name in the layer control, its features drawn, no server path in the page."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from browser_support import synthetic_cells, synthetic_project_data

from riskmap import maps
from riskmap.config import LayerBinding, load_layer_kinds
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
