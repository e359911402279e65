"""read_table: a missing file, and a zipped shapefile read through its zip."""

from __future__ import annotations

from typing import Any

import pytest

from riskmap.errors import LayerDataError
from riskmap.io import (
    read_table,
)


def test_read_table_raises_layer_data_error_for_missing_file(files: Any) -> None:
    with pytest.raises(LayerDataError) as info:
        read_table(files.root / "nope.geojson")
    assert info.value.report.problems[0].code == "file_not_found"


def test_zipped_shapefile_epsg4547_with_prj_and_cpg(files: Any) -> None:
    shp_dir = files.root / "shp"
    shp_dir.mkdir()
    files.points(5, "EPSG:4547").to_file(shp_dir / "消防站.shp", encoding="GBK")
    assert (shp_dir / "消防站.cpg").read_text().strip().upper() == "GBK"
    assert (shp_dir / "消防站.prj").exists()
    path = files.zip("fire.zip", {f"消防站/{p.name}": p for p in shp_dir.iterdir()})
    frame, _ = read_table(path)
    assert frame.crs.to_epsg() == 4547
    gdf, problems = files.read(path, kind="fire_station")
    assert problems == []
    assert gdf is not None
    assert list(gdf["name"]) == [f"站{i}" for i in range(5)]
    assert files.distances_m(gdf, files.LONS, files.LATS).max() < 0.01
    assert gdf.attrs["source_crs"].endswith("(EPSG:4547)")
