"""Risk inventory: unified numbers, levels, areas, district summary, accident ranking, exports."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pytest
from factories import (
    CRS,
    NCOL,
    NROW,
    SIZE,
    area_ranks,
    city_cells,
    city_data,
    make_accidents,
    make_hazmat,
)

import riskmap as rm
from riskmap.config import InventoryOptions, load_layer_kinds
from riskmap.products import build_inventory
from riskmap.products.inventory import (
    Inventory,
    accident_ranking,
    build_area_inventory,
    build_source_inventory,
    district_summary,
    export_inventory,
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
            "分区汇总",
            "事故月度排名",
            "事故季度排名",
            "参数与来源",
        ],
        "en": [
            "Risk sources",
            "Risk areas",
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
        "sources",
        "areas",
        "districts",
        "accidents_month",
        "accidents_quarter",
        "parameters",
    } <= set(layers)
    src = gpd.read_file(path, layer="sources")
    assert src.crs.to_epsg() == 4326 and len(src) == len(inventory.sources)
    assert set(src.geom_type) == {"Point", "Polygon"}
    assert len(to_bytes(inventory, "gpkg")) > 0


def test_geojson_in_wgs84(inventory: Inventory, tmp_path: Path) -> None:
    paths = export_inventory(inventory, tmp_path / "inv.geojson", "geojson", "en")
    assert [p.name for p in paths] == ["inv.geojson", "inv_areas.geojson"]
    back = gpd.read_file(paths[1])
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
