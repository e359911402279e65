"""load_project_data: a whole project read, its boundary required."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
import shapely

from riskmap.config import load_project
from riskmap.errors import LayerDataError
from riskmap.io import (
    load_project_data,
)


def _write_project(files: Any, *, boundary_ok: bool = True, extra_layers: str = "") -> Path:
    root = files.root
    square = shapely.box(114.0, 30.3, 114.6, 30.9)
    if boundary_ok:
        gpd.GeoDataFrame({"name": ["测试市"]}, geometry=[square], crs="EPSG:4326").to_file(
            root / "boundary.geojson"
        )
    halves = [shapely.box(114.0, 30.3, 114.3, 30.9), shapely.box(114.3, 30.3, 114.6, 30.9)]
    gpd.GeoDataFrame(
        {"adcode": ["420102", "420103"], "name": ["甲区", "乙区"]}, geometry=halves, crs="EPSG:4326"
    ).to_file(root / "districts.geojson")
    (root / "gas.csv").write_bytes(files.GAS_CSV.encode("gbk"))
    (root / "broken.csv").write_text("名称\n甲\n", encoding="utf-8")
    text = f"""
name: testcity
title: {{zh: 测试市, en: Test city}}
adcode: "420100"
boundary: {{path: boundary.geojson}}
districts: {{path: districts.geojson}}
layers:
  - {{name: gas, kind: gas_station, path: gas.csv}}
  - {{name: broken, kind: fire_station, path: broken.csv}}
  - {{name: spare, kind: fire_station, path: broken.csv, enabled: false}}
{extra_layers}"""
    (root / "project.yaml").write_text(text, encoding="utf-8")
    return root / "project.yaml"


def test_load_project_data(files: Any) -> None:
    project = load_project(_write_project(files))
    data = load_project_data(project)
    assert data.crs.to_epsg() == 32650  # UTM 50N for Wuhan's longitude
    assert list(data.layers) == ["gas"]
    gas = data.layers["gas"]
    assert gas.gdf.crs == data.crs and list(gas.gdf["id"]) == ["G1", "G2"]
    assert gas.source == files.root / "gas.csv"
    assert set(data.unavailable) == {"broken", "spare"}
    assert "id" in data.unavailable["broken"]
    assert data.report.counts == {"gas": 2, "broken": 0}
    assert {(p.code, p.file, p.layer) for p in data.report.errors} == {
        ("missing_column", "broken.csv", "broken")
    }
    assert list(data.districts["adcode"]) == ["420102", "420103"]
    assert data.districts.crs == data.crs
    assert data.boundary.area == pytest.approx(
        gpd.GeoSeries([shapely.box(114.0, 30.3, 114.6, 30.9)], crs=4326).to_crs(data.crs).area[0],
        rel=1e-9,
    )
    assert set(data.file_hashes) == {
        "boundary.geojson",
        "districts.geojson",
        "gas.csv",
        "broken.csv",
    }
    import hashlib

    assert (
        data.file_hashes["gas.csv"]
        == hashlib.sha256((files.root / "gas.csv").read_bytes()).hexdigest()
    )


def test_missing_boundary_raises(files: Any) -> None:
    project = load_project(_write_project(files, boundary_ok=False))
    with pytest.raises(LayerDataError) as info:
        load_project_data(project)
    assert info.value.report.problems[0].code == "file_not_found"
    assert info.value.report.problems[0].file == "boundary.geojson"
