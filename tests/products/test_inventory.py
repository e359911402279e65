"""Risk inventory: unified numbers, levels, areas, district summary, accident ranking, exports."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pytest
import shapely
from factories import (
    CRS,
    NCOL,
    NROW,
    SIZE,
    X0,
    Y0,
    area_ranks,
    city_cells,
    city_data,
    make_accidents,
    make_hazmat,
    write_tiny_province,
)

import riskmap as rm
from riskmap.config import InventoryOptions, load_layer_kinds
from riskmap.errors import LayerDataError, RiskmapError
from riskmap.products import build_inventory
from riskmap.products.inventory import (
    Inventory,
    accident_ranking,
    build_area_inventory,
    build_source_inventory,
    district_summary,
    export_file_name,
    export_geojson,
    export_inventory,
    filter_inventory,
    inventory_from_cells,
    to_bytes,
    write_assess_outputs,
)


def test_sources_one_row_per_hazard_source_except_accidents_and_closed_hazards() -> None:
    data = city_data()
    src = build_source_inventory(data, city_cells())
    assert sorted(src["layer"].unique()) == ["flood", "hazmat", "register"]
    assert len(src) == 4 + 1 + 1
    assert "已整改隐患" not in set(src["name"])
    assert src["number"].is_unique
    row = src.set_index("source_id").loc["WH0001"]
    assert row["number"] == "420100-420103-WH-0001"
    assert row["district"] == "乙区"
    assert row["address"] == "工业路1号" and row["responsible_person"] == "张三"
    assert row["department"] == "应急管理局"
    assert "爆炸" in row["accident_types"]
    assert "重大危险源等级：一级" in row["risk_point"]
    # WGS84 coordinates near Wuhan
    assert 113 < row["lon"] < 116 and 29 < row["lat"] < 32
    assert src.crs == CRS


def test_source_numbers_use_all_digits_and_fallback_hash() -> None:
    src = build_source_inventory(city_data(), city_cells()).set_index("source_id")
    assert src.loc["WH0010", "number"] == "420100-420102-WH-0010"
    assert src.loc["HL-7", "number"] == "420100-420103-HL-0007"
    assert src.loc["420100-YH-0003", "number"] == "420100-420102-YH-4201000003"
    hashed = src.loc["厂甲", "number"]
    assert hashed.startswith("420100-420103-WH-H") and len(hashed.rsplit("-", 1)[1]) == 9


def test_source_numbers_unchanged_when_rows_shuffled_or_a_source_added() -> None:
    cells = city_cells()
    base = build_source_inventory(city_data(), cells).set_index("source_id")["number"]
    hz = city_data().layers["hazmat"].gdf
    shuffled = hz.sample(frac=1.0, random_state=3)
    again = build_source_inventory(city_data(hazmat=shuffled), cells).set_index("source_id")[
        "number"
    ]
    pd.testing.assert_series_equal(base.sort_index(), again.sort_index())
    added = pd.concat([make_hazmat(["WH0005"], ["四级"], [(600, 600)]), hz], ignore_index=True)
    bigger = build_source_inventory(city_data(hazmat=gpd.GeoDataFrame(added, crs=CRS)), cells)
    bigger = bigger.set_index("source_id")["number"]
    assert bigger["WH0005"] == "420100-420102-WH-0005"
    pd.testing.assert_series_equal(base.sort_index(), bigger.drop("WH0005").sort_index())
    assert bigger.is_unique


def test_colliding_digits_fall_back_to_distinct_hashes() -> None:
    hz = make_hazmat(["A1", "B1"], ["一级", "一级"], [(500, 500), (600, 600)])
    src = build_source_inventory(city_data(hazmat=hz), city_cells()).set_index("source_id")
    assert src.loc["A1", "number"] != src.loc["B1", "number"]
    assert all("-WH-H" in n for n in src.loc[["A1", "B1"], "number"])


def test_source_level_from_intensity_and_consequence_around() -> None:
    src = build_source_inventory(city_data(), city_cells()).set_index("source_id")
    # 一级 (intensity 10 -> L5) in the east, where consequence is about 8.5-9 -> S5: 重大
    assert src.loc["WH0001", ["likelihood", "severity", "risk_value"]].tolist() == [5, 5, 25]
    assert src.loc["WH0001", "level"] == "重大"
    # 三级 (4.5 -> L3) in the far west: highest C within 500 m is at col 0/1 (0 or 1) -> S1
    assert src.loc["WH0002", "likelihood"] == 3
    assert src.loc["WH0002", "severity"] == 1
    assert src.loc["WH0002", "level"] == "低"
    # highest level first
    assert src["level_rank"].is_monotonic_decreasing


def test_source_inventory_in_english() -> None:
    src = build_source_inventory(city_data(), city_cells(), lang="en").set_index("source_id")
    assert src.loc["WH0001", "level"] == "Major"
    assert src.loc["WH0001", "kind"] == "Hazardous-chemical enterprise"
    assert "explosion" in src.loc["WH0001", "accident_types"]
    assert not any(c.endswith("_en") for c in src.columns)
    # The category values are the kind's own words, in English too; free text stays data.
    assert src.loc["WH0001", "risk_point"] == (
        "Hazardous-chemical enterprise (Major-hazard grade: grade 1, Main substances: 液氯)"
    )


def test_every_category_value_of_the_layer_kinds_has_its_english_word() -> None:
    from riskmap.products.inventory.base import category_value

    missing = [
        f"{k.kind}.{f}.{v}"
        for k in load_layer_kinds().values()
        for f, spec in k.fields.items()
        if spec.type == "category"
        for v in spec.allowed or ()
        if category_value(k.kind, f, v, "en") == v
    ]
    assert not missing, missing
    assert category_value("flood_zone", "level", "高", "zh") == "高"
    assert category_value("flood_zone", "level", "很高", "en") == "很高"  # the data's own


def test_source_inventory_does_not_modify_inputs() -> None:
    data = city_data()
    cells = city_cells()
    before = cells.copy()
    hz_before = data.layers["hazmat"].gdf.copy()
    inventory_from_cells(data, cells)
    pd.testing.assert_frame_equal(cells, before)
    pd.testing.assert_frame_equal(data.layers["hazmat"].gdf, hz_before)


# --------------------------------------------------------------------------- areas


def test_areas_group_connected_red_orange_cells_per_district() -> None:
    cells = city_cells(area_ranks())
    areas = build_area_inventory(cells, kinds=load_layer_kinds(), city_adcode="420100")
    assert len(areas) == 4
    by_first = areas.set_index("first_cell")
    assert by_first.loc["r0c0", "cells"] == 3  # (0,0), (0,1), (1,1): edge + edge
    assert by_first.loc["r0c0", "level"] == "重大"
    assert by_first.loc["r0c0", "cells_major"] == 2
    assert by_first.loc["r0c0", "area_km2"] == pytest.approx(3.0)
    assert by_first.loc["r0c0", "population"] == pytest.approx(1000 + 1000 + 1100)
    assert by_first.loc["r0c0", "number"] == "420100-420102-QY-r0c0"
    assert by_first.loc["r0c0", "dominant_factor_name"] == "危险化学品企业"
    assert by_first.loc["r3c5", "cells"] == 2 and by_first.loc["r3c5", "district"] == "乙区"
    assert by_first.loc["r3c4", "cells"] == 1
    assert areas["number"].is_unique
    assert areas.geometry.area.sum() == pytest.approx(7 * SIZE * SIZE)


def test_area_connectivity_four_versus_eight() -> None:
    rank = np.ones(NROW * NCOL, dtype=int)
    grid = rank.reshape(NROW, NCOL)
    grid[0, 0] = grid[1, 1] = 4  # corner neighbours
    cells = city_cells(grid.ravel())
    assert len(build_area_inventory(cells, connectivity=8)) == 1
    assert len(build_area_inventory(cells, connectivity=4)) == 2


def test_area_numbers_stable_when_cells_shuffled_and_geometry_fallback_agrees() -> None:
    cells = city_cells(area_ranks())
    a = build_area_inventory(cells).set_index("number")
    b = build_area_inventory(cells.sample(frac=1.0, random_state=1)).set_index("number")
    assert sorted(a.index) == sorted(b.index)
    pd.testing.assert_series_equal(a["cells"].sort_index(), b["cells"].sort_index())
    # ids that are not r/c (e.g. H3) are grouped by touching geometry: same groups
    other = cells.assign(cell_id=[f"x{i:03d}" for i in range(len(cells))])
    c = build_area_inventory(other)
    assert sorted(c["cells"].tolist()) == sorted(a["cells"].tolist())


def test_no_red_or_orange_cells_gives_an_empty_area_table() -> None:
    areas = build_area_inventory(city_cells())
    assert areas.empty and "number" in areas.columns


# --------------------------------------------------------------------------- districts, accidents


def test_district_summary_counts_and_ranking() -> None:
    cells = city_cells(area_ranks())
    src = build_source_inventory(city_data(), cells)
    summary = district_summary(cells, src).set_index("district")
    assert summary.loc["甲区", "cells"] == 30
    assert summary.loc["甲区", "cells_major"] == 2
    assert summary.loc["甲区", "area_km2_significant"] == pytest.approx(3.0)
    assert summary.loc["乙区", "area_km2_major"] == 0
    assert summary.loc["甲区", "rank"] == 1 and summary.loc["乙区", "rank"] == 2
    assert summary["sources"].sum() == len(src)
    total = summary[[f"cells_{k}" for k in ("major", "significant", "general", "low")]].sum(axis=1)
    assert (total == summary["cells"]).all()


def test_accident_ranking_by_month_and_quarter() -> None:
    data = city_data()
    month = accident_ranking(data, "month")
    assert list(month["period"].unique()) == ["2024-04", "2024-03", "2024-02", "2024-01"]
    jan = month[month["period"] == "2024-01"].set_index("district")
    assert jan.loc["甲区", ["accidents", "deaths", "injuries"]].tolist() == [2, 1, 3]
    assert jan.loc["甲区", "direct_loss"] == pytest.approx(15.5)
    assert jan.loc["甲区", "rank"] == 1 and jan.loc["乙区", "rank"] == 2
    march = month[month["period"] == "2024-03"]
    assert (march["accidents"] == 0).all() and (march["rank"] == 1).all()  # a tie shares rank 1
    quarter = accident_ranking(data, "quarter")
    q1 = quarter[quarter["period"] == "2024Q1"].set_index("district")
    assert q1.loc["乙区", "rank"] == 1  # 2 deaths beat 1 death
    assert q1.loc["甲区", "accidents"] == 2
    assert set(quarter["period"]) == {"2024Q1", "2024Q2"}


def test_accident_ranking_without_accidents_is_empty() -> None:
    data = city_data(accidents=make_accidents().iloc[:0])
    assert accident_ranking(data, "quarter").empty


# --------------------------------------------------------------------------- exports


@pytest.fixture(scope="module")
def inventory() -> Inventory:
    return inventory_from_cells(
        city_data(),
        city_cells(area_ranks()),
        {
            "grid": {"kind": "square", "cell_size": 1000.0, "crs": CRS.to_wkt()},
            "weights": {"hazmat": 1.0},
        },
        today=date(2024, 5, 1),
    )


def test_inventory_parameters_have_inputs_and_version(inventory: Inventory) -> None:
    p = inventory.parameters.set_index("parameter")["value"]
    assert p["hazmat.csv"] == "ab" * 32
    assert p["grid.cell_size"] == "1000"
    assert p["grid.crs"] == "EPSG:32650"
    assert p["weights.hazmat"] == "1"
    assert p["date"] == "2024-05-01"


@pytest.mark.parametrize(
    ("lang", "sheet", "header"),
    [("zh", "风险源清单", "统一编号"), ("en", "Risk sources", "Unified number")],
)
def test_xlsx_has_sheets_headers_frozen_row_and_level_fills(
    inventory: Inventory, tmp_path: Path, lang: str, sheet: str, header: str
) -> None:
    (path,) = export_inventory(inventory, tmp_path / "inv.xlsx", "xlsx", lang)
    wb = openpyxl.load_workbook(path)
    expected = {
        "zh": [
            "风险源清单",
            "风险区域清单",
            "连锁风险清单",
            "分区汇总",
            "事故月度排名",
            "事故季度排名",
            "参数与来源",
        ],
        "en": [
            "Risk sources",
            "Risk areas",
            "Cascade risks",
            "Districts",
            "Accidents by month",
            "Accidents by quarter",
            "Parameters",
        ],
    }[lang]
    assert wb.sheetnames == expected
    ws = wb[sheet]
    headers = [c.value for c in ws[1]]
    assert headers[0] == header
    assert ws.freeze_panes == "A2"
    assert ws.max_row == len(inventory.sources) + 1
    level_col = headers.index("风险等级" if lang == "zh" else "Risk level") + 1
    first = ws.cell(row=2, column=level_col)
    assert first.value == ("重大" if lang == "zh" else "Major")
    assert first.fill.fgColor.rgb.endswith("D7191C")
    assert ws.column_dimensions["A"].width >= 20  # numbers are long: the column fits them


def test_csv_has_bom_and_round_trips(inventory: Inventory, tmp_path: Path) -> None:
    paths = export_inventory(inventory, tmp_path / "inventory.csv", "csv")
    assert paths[0].read_bytes().startswith(b"\xef\xbb\xbf")
    assert {p.name for p in paths} >= {
        "inventory.csv",
        "inventory_areas.csv",
        "inventory_districts.csv",
    }
    back = pd.read_csv(paths[0], encoding="utf-8-sig", dtype=str)
    assert back["统一编号"].tolist() == inventory.sources["number"].tolist()
    assert back["名称"].tolist() == inventory.sources["name"].tolist()
    data = to_bytes(inventory, "csv", "en", table="areas")
    assert data.startswith(b"\xef\xbb\xbf")
    areas = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert len(areas) == len(inventory.areas) and "Unified number" in areas.columns


def test_geopackage_has_a_layer_per_table(inventory: Inventory, tmp_path: Path) -> None:
    (path,) = export_inventory(inventory, tmp_path / "inv.gpkg", "gpkg")
    layers = dict(pyogrio.list_layers(path))
    assert {
        "sources_points",
        "sources_lines",
        "sources_polygons",
        "areas",
        "districts",
        "accidents_month",
        "accidents_quarter",
        "parameters",
    } <= set(layers)
    assert "cells" not in layers and "about" not in layers  # cells when asked, about when filtered
    src = gpd.read_file(path, layer="sources_points")
    assert src.crs.to_epsg() == 4326 and len(src) == len(inventory.sources)
    assert set(src.geom_type) == {"Point"}  # the flood zone's point on its surface
    polygons = gpd.read_file(path, layer="sources_polygons")
    assert set(polygons.geom_type) == {"MultiPolygon"} and len(polygons) == 1
    assert len(to_bytes(inventory, "gpkg")) > 0


def test_geojson_in_wgs84(inventory: Inventory, tmp_path: Path) -> None:
    paths = export_inventory(inventory, tmp_path / "inv.geojson", "geojson", "en")
    assert [p.name for p in paths] == [
        "inv.geojson",
        "inv_sources_polygons.geojson",
        "inv_areas.geojson",
        "inv_districts.geojson",
    ]  # no line sources: no sources_lines file
    back = gpd.read_file(paths[2])
    assert len(back) == len(inventory.areas)
    assert back.total_bounds[0] > 113 and "Unified number" in back.columns


def test_write_assess_outputs(inventory: Inventory, tmp_path: Path) -> None:
    written = write_assess_outputs(inventory, tmp_path / "out")
    assert sorted(p.name for p in written) == ["districts.csv", "inventory.csv", "inventory.xlsx"]
    assert all(p.stat().st_size > 0 for p in written)


def test_build_inventory_is_the_inventory_of_the_assessments_cells(
    assessment: rm.Assessment,
) -> None:
    """The Assessment-first entry point reads data, cells and parameters from the
    assessment and passes every option through."""
    opts = InventoryOptions(
        near_m=800.0, intensity_breaks=(1.0, 2.0, 4.0, 6.0), connectivity=4, today=date(2024, 5, 1)
    )
    inv = build_inventory(assessment, opts)
    core = inventory_from_cells(
        assessment.data,
        assessment.cells,
        assessment.params,
        near_m=800.0,
        intensity_breaks=(1.0, 2.0, 4.0, 6.0),
        connectivity=4,
        today=date(2024, 5, 1),
    )
    for name in ("sources", "areas", "districts", "accidents_month", "accidents_quarter"):
        pd.testing.assert_frame_equal(getattr(inv, name), getattr(core, name), obj=name)
    pd.testing.assert_frame_equal(inv.parameters, core.parameters)
    assert len(inv.areas) > 0 and len(inv.sources) > 0
    assert inv.parameters.set_index("parameter")["value"]["date"] == "2024-05-01"
    # The defaults are InventoryOptions() (8-connected areas, today's date).
    assert len(build_inventory(assessment).areas) <= len(inv.areas)


# --------------------------------------------------------------------------- GIS and Excel clients

OGRINFO = shutil.which("ogrinfo")
needs_ogrinfo = pytest.mark.skipif(
    OGRINFO is None,
    reason="GDAL's ogrinfo is not installed (apt-get install gdal-bin; scripts/test.sh does)",
)


def _ogrinfo(path: Path) -> dict[str, tuple[str, int]]:
    """``ogrinfo -so -al``, the real client: layer -> (geometry type, feature count); fails
    on any warning or error GDAL prints."""
    assert OGRINFO is not None
    run = subprocess.run(
        [OGRINFO, "-so", "-al", str(path)],
        capture_output=True,
        check=False,
        timeout=120,
    )
    out = run.stdout.decode("utf-8", "replace")
    err = run.stderr.decode("utf-8", "replace")
    assert run.returncode == 0, err
    assert "warning" not in (out + err).lower(), out + err
    assert "error" not in err.lower(), err
    layers: dict[str, tuple[str, int]] = {}
    name = geometry = None
    for line in out.splitlines():
        if line.startswith("Layer name: "):
            name, geometry = line.removeprefix("Layer name: "), None
        elif line.startswith("Geometry: ") and name is not None:
            geometry = line.removeprefix("Geometry: ")
        elif line.startswith("Feature Count: ") and name is not None and geometry is not None:
            layers[name] = (geometry, int(line.removeprefix("Feature Count: ")))
    return layers


def _mixed_inventory() -> Inventory:
    """The test city whose hazmat sources are a point, a line, a polygon and a multipolygon
    (plus the flood zone's polygon)."""
    hz = make_hazmat(
        ["WH0001", "WH0002", "WH0003", "WH0004"],
        ["一级", "三级", "二级", "四级"],
        [(8500, 2500), (500, 500), (2500, 3500), (6500, 5500)],
    )
    geoms = hz.geometry.to_numpy().copy()
    geoms[1] = shapely.LineString([(X0 + 300, Y0 + 300), (X0 + 900, Y0 + 700)])
    geoms[2] = shapely.box(X0 + 2300, Y0 + 3300, X0 + 2700, Y0 + 3700)
    geoms[3] = shapely.MultiPolygon(
        [
            shapely.box(X0 + 6300, Y0 + 5300, X0 + 6500, Y0 + 5500),
            shapely.box(X0 + 6600, Y0 + 5600, X0 + 6800, Y0 + 5800),
        ]
    )
    data = city_data(hazmat=gpd.GeoDataFrame(hz.drop(columns="geometry"), geometry=geoms, crs=CRS))
    return inventory_from_cells(data, city_cells(area_ranks()), today=date(2024, 5, 1))


def _which(name: str, inventory: Inventory) -> Inventory:
    if name == "mixed":
        return _mixed_inventory()
    if name == "filtered":
        return filter_inventory(inventory, districts=["甲区"], levels=["重大", 3])
    return inventory


@needs_ogrinfo
@pytest.mark.parametrize("which", ["whole", "mixed", "filtered"])
def test_geopackage_has_one_declared_geometry_type_per_layer_and_no_warnings(
    inventory: Inventory, tmp_path: Path, which: str
) -> None:
    inv = _which(which, inventory)
    (path,) = export_inventory(inv, tmp_path / "inv.gpkg", "gpkg", cells=True)
    layers = _ogrinfo(path)
    types = {name: geometry for name, (geometry, _) in layers.items()}
    assert types == {
        "sources_points": "Point",
        "sources_lines": "Multi Line String",
        "sources_polygons": "Multi Polygon",
        "areas": "Multi Polygon",
        "districts": "Multi Polygon",
        "cells": "Multi Polygon",
        "cascades": "None",
        "accidents_month": "None",
        "accidents_quarter": "None",
        "parameters": "None",
        **({"about": "None"} if which == "filtered" else {}),
    }
    assert layers["sources_points"][1] == len(inv.sources)
    if which == "mixed":
        assert layers["sources_lines"][1] == 1
        assert layers["sources_polygons"][1] == 3  # flood zone, polygon, multipolygon
        points = gpd.read_file(path, layer="sources_points")
        assert set(points.geom_type) == {"Point"}


@needs_ogrinfo
@pytest.mark.parametrize("which", ["whole", "mixed", "filtered"])
def test_geojson_files_have_one_geometry_type_each_and_no_warnings(
    inventory: Inventory, tmp_path: Path, which: str
) -> None:
    inv = _which(which, inventory)
    paths = export_inventory(inv, tmp_path / "inv.geojson", "geojson", cells=True)
    found = {}
    for path in paths:
        ((name, (geometry, count)),) = _ogrinfo(path).items()  # one layer per file
        assert count > 0
        found[name] = geometry
    expected = {
        "sources_points": "Point",
        "sources_lines": "Multi Line String",
        "sources_polygons": "Multi Polygon",
        "areas": "Multi Polygon",
        "districts": "Multi Polygon",
        "cells": "Multi Polygon",
    }
    assert found == {k: v for k, v in expected.items() if k in found}
    assert {"sources_points", "areas", "districts", "cells"} <= set(found)
    assert ("sources_lines" in found) == (which == "mixed")


def test_export_geojson_of_a_table_mixing_points_and_polygons_writes_points(
    tmp_path: Path,
) -> None:
    sources = _mixed_inventory().sources
    assert set(sources.geom_type) == {"Point", "LineString", "Polygon", "MultiPolygon"}
    back = gpd.read_file(export_geojson(sources, tmp_path / "src.geojson"))
    assert set(back.geom_type) == {"Point"} and len(back) == len(sources)
    areas = gpd.read_file(to_bytes(_mixed_inventory(), "geojson", table="areas"))
    assert set(areas.geom_type) == {"MultiPolygon"}


def _decimals(values: pd.Series) -> int:
    """Most decimals written in a column of a CSV read as text."""
    text = values.dropna().astype(str)
    return int(text.str.extract(r"\.(\d+)$")[0].str.len().fillna(0).max())


def test_exported_numbers_are_rounded_to_meaningful_digits(
    assessment: rm.Assessment, tmp_path: Path
) -> None:
    inv = build_inventory(assessment, InventoryOptions(today=date(2024, 5, 1)))
    raw = inv.cells["exposure"].astype(str).str.extract(r"\.(\d+)$")[0].str.len()
    assert raw.max() > 2  # the tables in memory keep full precision
    paths = export_inventory(inv, tmp_path / "inv.csv", "csv", "en", cells=True)
    cells = pd.read_csv(tmp_path / "inv_cells.csv", encoding="utf-8-sig", dtype=str)
    for header in ("Risk score", "Hazard H", "Exposure E", "Consequence C"):
        assert _decimals(cells[header]) <= 2, header
    shares = [c for c in cells.columns if c.startswith("Share: ")]
    assert shares and all(_decimals(cells[c]) <= 3 for c in shares)
    assert _decimals(cells["Population"]) == 0 and _decimals(cells["Area (m²)"]) == 0
    districts = pd.read_csv(tmp_path / "inv_districts.csv", encoding="utf-8-sig", dtype=str)
    assert _decimals(districts["Population"]) == 0 and _decimals(districts["Mean score"]) <= 2
    for path in paths:  # no 46.25685927892119 anywhere
        assert not re.search(r"\d\.\d{7,}", path.read_text(encoding="utf-8-sig")), path.name
    (gpkg,) = export_inventory(inv, tmp_path / "inv.gpkg", "gpkg", cells=True)
    info = pyogrio.read_info(gpkg, layer="cells")
    dtypes = dict(zip(info["fields"], info["dtypes"], strict=True))
    assert dtypes["人口"] == "int64" and dtypes["面积(m²)"] == "int64"


def test_cells_are_exported_only_when_asked(inventory: Inventory, tmp_path: Path) -> None:
    assert inventory.cells is not None and len(inventory.cells) == NROW * NCOL
    plain = export_inventory(inventory, tmp_path / "a" / "inv.csv", "csv")
    assert "inv_cells.csv" not in {p.name for p in plain}
    (path,) = export_inventory(inventory, tmp_path / "inv.xlsx", "xlsx", cells=True)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[-1] == "风险网格"
    ws = wb["风险网格"]
    headers = [c.value for c in ws[1]]
    assert ws.max_row == len(inventory.cells) + 1
    assert {"所在网格", "风险等级", "风险值", "后果 C", "人口"} <= set(headers)
    data = to_bytes(inventory, "csv", "en", table="cells")
    assert len(pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")) == NROW * NCOL


def test_filtered_inventory_keeps_the_districts_and_levels_asked_for(
    inventory: Inventory,
) -> None:
    inv = filter_inventory(inventory, districts=["甲区"], levels=["重大", 3])
    assert inv.filters.districts == ("420102",) and inv.filters.levels == (4, 3)
    assert set(inv.sources["adcode"]) <= {"420102"} and len(inv.sources) > 0
    assert set(inv.sources["level_rank"]) <= {3, 4}
    assert set(inv.areas["adcode"]) == {"420102"} and len(inv.areas) == 3
    assert inv.cells is not None and set(inv.cells["level_rank"]) == {3, 4}
    assert inv.districts["adcode"].tolist() == ["420102"]  # every level of the district
    pd.testing.assert_frame_equal(inv.parameters, inventory.parameters)
    narrower = filter_inventory(inv, levels=["major"])
    assert narrower.filters.districts == ("420102",) and narrower.filters.levels == (4,)
    assert set(narrower.areas["level_rank"]) == {4}
    assert len(inventory.sources) > len(inv.sources)  # the input is not modified
    with pytest.raises(RiskmapError, match="unknown district"):
        filter_inventory(inventory, districts=["丙区"])
    with pytest.raises(RiskmapError, match="unknown risk level"):
        filter_inventory(inventory, levels=["极高"])


@pytest.mark.parametrize(
    "case",
    [
        ("zh", "说明", "甲区（420102）", "重大、较大"),
        ("en", "About", "甲区(420102)", "Major, Significant"),
    ],
)
def test_filtered_export_says_its_filters_in_the_file_and_its_name(
    inventory: Inventory, tmp_path: Path, case: tuple[str, str, str, str]
) -> None:
    lang, sheet, districts, levels = case
    inv = filter_inventory(inventory, districts=["420102"], levels=[4, "较大"])
    assert export_file_name(inventory, "xlsx") == "inventory.xlsx"
    stem = "inventory_district-420102_level-major-significant"
    assert export_file_name(inv, "xlsx") == f"{stem}.xlsx"
    (xlsx,) = export_inventory(inv, tmp_path / export_file_name(inv, "xlsx"), "xlsx", lang)
    wb = openpyxl.load_workbook(xlsx)
    assert wb.sheetnames[0] == sheet
    about = "\n".join(str(c.value) for row in wb[sheet].iter_rows() for c in row)
    assert districts in about and levels in about
    csvs = export_inventory(inv, tmp_path / f"{stem}.csv", "csv", lang)
    assert csvs[-1].name == f"{stem}_about.csv"
    text = csvs[-1].read_text(encoding="utf-8-sig")
    assert districts in text and levels in text
    (gpkg,) = export_inventory(inv, tmp_path / f"{stem}.gpkg", "gpkg", lang)
    table = pyogrio.read_dataframe(gpkg, layer="about")
    assert districts in "\n".join(table.astype(str).to_numpy().ravel())
    geojson = export_inventory(inv, tmp_path / f"{stem}.geojson", "geojson", lang)
    doc = json.loads(geojson[0].read_text(encoding="utf-8"))
    assert doc["name"] == "sources_points" and levels in doc["description"]


def _named_inventory(name: str) -> Inventory:
    """The test city with one hazmat site named ``name``."""
    hz = make_hazmat(["WH0001", "WH0002"], ["一级", "三级"], [(8500, 2500), (500, 500)])
    hz["name"] = [name, "化工厂"]
    return inventory_from_cells(city_data(hazmat=hz), city_cells(area_ranks()))


def test_gbk_csv_decodes_with_gbk_and_keeps_the_formula_guard(tmp_path: Path) -> None:
    inv = _named_inventory('=HYPERLINK("http://x","点我")厂')
    utf8 = export_inventory(inv, tmp_path / "utf8" / "inv.csv", "csv")
    gbk = export_inventory(inv, tmp_path / "gbk" / "inv.csv", "csv", encoding="gbk")
    assert [p.name for p in gbk] == [p.name for p in utf8]
    for a, b in zip(utf8, gbk, strict=True):
        text = b.read_bytes().decode("gbk")  # strict: every byte is GBK
        assert text == a.read_bytes().decode("utf-8-sig").replace("²", "2").replace("³", "3")
    back = pd.read_csv(gbk[0], encoding="gbk", dtype=str)
    assert back["名称"].iloc[0] == '\'=HYPERLINK("http://x","点我")厂'  # never a formula
    districts = next(p for p in gbk if p.name.endswith("_districts.csv"))
    assert "面积(km2)" in pd.read_csv(districts, encoding="gbk").columns
    one = to_bytes(inv, "csv", table="districts", encoding="gbk")
    assert "面积(km2)" in one.decode("gbk")


def test_gbk_reports_every_character_it_cannot_encode_and_gb18030_keeps_them(
    tmp_path: Path,
) -> None:
    inv = _named_inventory("𠀀化工厂")  # U+20000: not in GBK
    out = tmp_path / "gbk"
    with pytest.raises(LayerDataError, match="GBK") as caught:
        export_inventory(inv, out / "inv.csv", "csv", encoding="gbk")
    (problem,) = caught.value.report.problems
    assert problem.file == "inv.csv" and problem.column == "名称"
    row = inv.sources["name"].tolist().index("𠀀化工厂") + 2
    assert problem.row == row and "U+20000" in problem.message
    assert not any(out.iterdir())  # nothing written, nothing replaced
    paths = export_inventory(inv, tmp_path / "gb18030" / "inv.csv", "csv", encoding="gb18030")
    assert "𠀀化工厂" in paths[0].read_bytes().decode("gb18030")
    with pytest.raises(RiskmapError, match="applies to csv"):
        export_inventory(inv, tmp_path / "inv.xlsx", "xlsx", encoding="gbk")


# ---- a province: cities are the districts, counties the second level


@needs_ogrinfo
def test_a_province_is_summarised_per_city_and_per_county(tmp_path: Path) -> None:
    study = rm.Study.from_project(write_tiny_province(tmp_path / "province"))
    inv = build_inventory(study.score())
    cities, counties = inv.districts, inv.counties
    assert counties is not None
    owner = dict(zip(counties["county_adcode"], counties["adcode"], strict=True))
    assert owner == {"420102": "420100", "420103": "420100", "420202": "420200", "420203": "420200"}
    # The counties add up to their city, cell for cell and person for person.
    sums = counties.groupby("adcode")[["cells", "area_km2", "population", "sources"]].sum()
    mine = cities.set_index("adcode")[["cells", "area_km2", "population", "sources"]]
    pd.testing.assert_frame_equal(sums.sort_index(), mine.sort_index(), check_exact=False,
                                  atol=0.01, check_names=False)  # fmt: skip
    # Each source knows its county, and its unified number names the county.
    src = inv.sources
    assert src.groupby("county_adcode").size().to_dict() == dict.fromkeys(owner, 6)
    assert all(
        n.startswith(f"420000-{c}-")
        for n, c in zip(src["number"], src["county_adcode"], strict=True)
    )
    # A city's inventory keeps its counties.
    west = filter_inventory(inv, districts=["420100"])
    assert west.counties is not None
    assert sorted(west.counties["county_adcode"]) == ["420102", "420103"]
    # Every file carries the county level: CSV, workbook sheet, GeoPackage layer.
    written = write_assess_outputs(inv, tmp_path / "out")
    assert (tmp_path / "out" / "counties.csv") in written
    head = (tmp_path / "out" / "counties.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert head.startswith("排名,所在区,区划代码,所在县（市、区）,县级区划代码,")
    book = openpyxl.load_workbook(tmp_path / "out" / "inventory.xlsx", read_only=True)
    assert book.sheetnames.index("分县汇总") == book.sheetnames.index("分区汇总") + 1
    (gpkg,) = export_inventory(inv, tmp_path / "inv.gpkg", "gpkg", "en")
    layers = _ogrinfo(gpkg)
    assert layers["counties"] == ("Multi Polygon", 4)


def test_sources_find_their_cells_without_every_cells_shape(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A province's whole squares have no shapes when sources are placed: the cell each
    source lies in and the highest consequence near it are those a plain search over every
    cell's shape finds, also for sources beyond every cell's reach (outside the boundary)."""
    import pyproj
    import shapely
    from shapely.geometry import LineString, Point, box

    from riskmap.engine import build_grid
    from riskmap.products.inventory import sources

    crs = pyproj.CRS.from_epsg(32650)
    city = Point(500_000, 3_400_000).buffer(5_000, quad_segs=24)
    rng = np.random.default_rng(7)
    geoms = np.array(
        [Point(p) for p in rng.uniform([495_500, 3_395_500], [504_500, 3_404_500], (40, 2))]
        + [
            Point(500_250, 3_400_500),  # on a corner shared by four cells
            LineString([(496_000, 3_400_000), (503_000, 3_401_000)]),
            box(499_000, 3_399_000, 499_800, 3_399_600),
            Point(500_000, 3_380_000),  # 15 km outside
        ],
        dtype=object,
    )
    anchor = shapely.point_on_surface(geoms)
    full = build_grid(city, None, cell_size=250.0, crs=crs)
    cons = np.random.default_rng(3).uniform(0, 10, len(full))
    shapes = full.geometry.to_numpy()
    # The plain way: every cell's shape against every source.
    expect_cell, expect_near = [], []
    for a, g in zip(anchor, geoms, strict=True):
        inside = np.flatnonzero(shapely.intersects(shapes, a))
        d = shapely.distance(shapes, a)
        expect_cell.append(inside[0] if len(inside) else int(np.flatnonzero(d == d.min())[0]))
        near = shapely.dwithin(shapes, g, 500.0)
        dg = shapely.distance(shapes, g)
        expect_near.append(cons[near].max() if near.any() else cons[np.argmin(dg)])
    for whole in (True, False):
        cells = build_grid(city, None, cell_size=250.0, crs=crs, whole_squares=whole)
        cells["consequence"] = cons
        for chunk in (200_000, 37):  # one chunk, and many
            monkeypatch.setattr(sources, "_CHUNK", chunk)
            where, pairs, nearest = sources._cells_of(anchor, geoms, cells, 500.0)
            near = sources._near_consequence(pairs, nearest, cons)
            np.testing.assert_array_equal(where, expect_cell)
            np.testing.assert_array_equal(near, expect_near)


def test_an_inventory_after_a_weight_change_equals_one_made_afresh() -> None:
    """The sources placed on the grid and the cascade pairs are kept with the fields: the
    inventory of a second assessment (other weights, other consequences) is the one made
    from nothing, table for table."""
    import dataclasses

    from riskmap.pipeline import Study
    from riskmap.products.inventory import prepare_inventory
    from riskmap.products.inventory.build import inventory_from_cells

    study = Study.from_project("wuhan", register=None, cell_size=1000)
    first = study.score()
    build_inventory(first)  # keeps the placement
    assert ("inventory.sources", InventoryOptions().near_m) in first.fields.memo
    # fields made for other data (a what-if's capacity) share the memo: not what it keeps
    other_data = dataclasses.replace(first.data, layers=dict(first.data.layers))
    moved = dataclasses.replace(first, fields=dataclasses.replace(first.fields, data=other_data))
    assert moved.fields.memo is first.fields.memo
    placed, _ = prepare_inventory(moved)
    assert placed is not prepare_inventory(first)[0] is not None
    other = study.score(weights={"components": {"exposure": 0.9}, "layers": {}})
    assert other.fields is first.fields
    assert not other.cells["consequence"].equals(first.cells["consequence"])
    kept = build_inventory(other)
    fresh = inventory_from_cells(other.data, other.cells, other.params)
    assert not kept.sources["consequence"].equals(build_inventory(first).sources["consequence"])
    for table in ("sources", "areas", "districts", "cascades", "cells"):
        pd.testing.assert_frame_equal(
            pd.DataFrame(getattr(kept, table)), pd.DataFrame(getattr(fresh, table))
        )


def test_the_score_free_parts_are_made_once_by_threads_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An app prepares the inventory in a background thread while a page may ask for it:
    both get the same placed sources and cascade table, made once."""
    import threading

    import riskmap.products.inventory.build as build_mod
    from riskmap.pipeline import Study
    from riskmap.products.inventory import prepare_inventory

    assessment = Study.from_data(city_data(), register=None, cell_size=1000).score()
    made: list[int] = []
    place = build_mod.place_sources

    def counted(*args: Any, **kw: Any) -> Any:
        made.append(1)
        return place(*args, **kw)

    monkeypatch.setattr(build_mod, "place_sources", counted)
    got: list[Any] = []
    threads = [
        threading.Thread(target=lambda: got.append(prepare_inventory(assessment))) for _ in range(3)
    ]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    inv = build_inventory(assessment)
    assert made == [1]
    assert all(g[0] is got[0][0] and g[1] is got[0][1] for g in got)
    assert len(inv.sources) == len(got[0][0].frame) > 0
