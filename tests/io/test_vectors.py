"""Vector files: GeoPackage layers, shapefiles and their .dbf encoding."""

from __future__ import annotations

from typing import Any


def test_gpkg_layer_by_name(files: Any) -> None:
    path = files.root / "data.gpkg"
    files.points(2).to_file(path, layer="stations", driver="GPKG")
    files.points(3).to_file(path, layer="others", driver="GPKG")
    gdf, problems = files.read(path, layer="others")
    assert problems == []
    assert gdf is not None and len(gdf) == 3


def test_plain_shp_without_cpg_detects_gbk(files: Any) -> None:
    path = files.root / "stations.shp"
    files.points(3, "EPSG:4547").to_file(path, encoding="GBK")
    path.with_suffix(".cpg").unlink()
    gdf, problems = files.read(path, kind="fire_station")
    assert problems == []
    assert gdf is not None and list(gdf["name"]) == ["站0", "站1", "站2"]
