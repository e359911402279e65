"""Coordinates of a layer: GCJ-02 input, the file's CRS against the project's, hints for metres."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import shapely

from riskmap.io import crs as crs_mod
from riskmap.io import (
    read_layer,
)


def test_gbk_csv_in_gcj02_lands_within_a_metre(files: Any) -> None:
    glon, glat = crs_mod.wgs84_to_gcj02(files.LONS, files.LATS)
    lines = ["序号,单位名称,经度,纬度,人口数（人）"]
    lines += [
        f"{i + 1},点{i},{x:.9f},{y:.9f},{100 * (i + 1)}"
        for i, (x, y) in enumerate(zip(glon, glat, strict=True))
    ]
    path = files.root / "人口.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode("gbk"))
    gdf, problems = files.read(path, kind="population", crs="GCJ02")
    assert problems == []
    assert gdf is not None and len(gdf) == len(files.LONS)
    # GCJ-02 is hundreds of metres off WGS84; converted back it must land on the truth.
    raw = gpd.GeoDataFrame(geometry=shapely.points(glon, glat), crs="EPSG:4326")
    assert files.distances_m(raw, files.LONS, files.LATS).min() > 100
    assert files.distances_m(gdf, files.LONS, files.LATS).max() < 1.0
    assert list(gdf["count"]) == [100.0, 200.0, 300.0, 400.0, 500.0]
    assert list(gdf["id"]) == ["1", "2", "3", "4", "5"]


def test_geojson_without_crs_member_takes_the_project_crs(files: Any) -> None:
    path = files.root / "projected.geojson"
    xs, ys = crs_mod.from_wgs84_xy(files.LONS, files.LATS, "EPSG:4547")
    features = [
        files.feature({"type": "Point", "coordinates": [x, y]}, 编号=f"F{i}", 名称="站")
        for i, (x, y) in enumerate(zip(xs, ys, strict=True))
    ]
    files.geojson(path.name, features)
    gdf, problems = files.read(path, kind="fire_station", crs="EPSG:4547")
    assert problems == []
    assert gdf is not None and files.distances_m(gdf, files.LONS, files.LATS).max() < 0.01


def test_project_crs_overrides_a_different_file_crs_with_a_warning(files: Any) -> None:
    path = files.root / "cgcs.gpkg"
    files.points(3).set_crs("EPSG:4490", allow_override=True).to_file(path, driver="GPKG")
    gdf, problems = files.read(path, crs="WGS84")
    assert gdf is not None and len(gdf) == 3
    [p] = problems
    assert (p.code, p.severity, p.file) == ("crs_mismatch", "warning", "cgcs.gpkg")
    assert "EPSG:4490" in p.message
    # GCJ-02 data in a file that declares WGS84 (common for web-map exports): no warning.
    glon, glat = crs_mod.wgs84_to_gcj02(files.LONS, files.LATS)
    gcj = files.root / "gcj.gpkg"
    gpd.GeoDataFrame(
        {"编号": list("ABCDE"), "名称": list("甲乙丙丁戊")},
        geometry=shapely.points(glon, glat),
        crs="EPSG:4326",
    ).to_file(gcj, driver="GPKG")
    gdf, problems = files.read(gcj, crs="GCJ02")
    assert problems == [] and gdf is not None
    assert files.distances_m(gdf, files.LONS, files.LATS).max() < 1.0


def test_baidu_mercator_metres_declared_as_bd09_get_the_right_hint(files: Any) -> None:
    path = files.text("bd.csv", files.HEAD + "G1,甲,12727000,3558000\n" + files.OK)
    _, problems = files.read(path, crs="BD09")
    found = [p for p in problems if p.code == "projected_as_degrees"]
    assert found and "Baidu Mercator" in found[0].hint and "EPSG" not in found[0].hint


def test_metres_in_another_city_get_its_gauss_kruger_zone(files: Any) -> None:
    """The hint follows the project, not Wuhan: a project at 104°E is told CM 105°E."""
    path = files.text("cd.csv", files.HEAD + "G1,甲,404000,3390000\n")
    binding = files.binding(path, "gas_station")
    _, problems = read_layer(
        binding, files.kinds["gas_station"], root=files.root, bbox_wgs84=(103.5, 30.1, 104.9, 31.4)
    )
    found = [p for p in problems if p.code == "projected_as_degrees"]
    assert found and "EPSG:4544" in found[0].hint and "4547" not in found[0].hint
