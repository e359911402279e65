"""What-if planning on a 3 x 3 grid of 1 km cells (see tests/products/test_indicators.py for the layout).

One fire station at the centre of r0c0 reaches 1,538 m (default method): cells r0c2, r1c2,
r2c0, r2c1, r2c2 are out of reach. A proposed station at the centre of r2c2 brings r1c2,
r2c1 and r2c2 in; r0c2 and r2c0 (2,000 m from both) stay out.
"""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from factories import (
    GRID3_A,
    GRID3_B,
    GRID3_CRS,
    GRID3_X0,
    GRID3_Y0,
    grid3_cells,
    grid3_centre,
    grid3_data,
)

from riskmap.errors import LayerDataError
from riskmap.io import Layer, ProjectData
from riskmap.products.indicators import indicators_from_cells
from riskmap.products.whatif import (
    Proposal,
    apply_proposals,
    compare,
    export_proposals,
    proposals_from_csv,
    proposals_of,
    validate_proposals,
)

CRS = GRID3_CRS
X0, Y0 = GRID3_X0, GRID3_Y0
A, B = GRID3_A, GRID3_B
_TO_WGS84 = pyproj.Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)


centre = grid3_centre


def lonlat(x: float, y: float) -> tuple[float, float]:
    lon, lat = _TO_WGS84.transform(x, y)
    return float(lon), float(lat)


def make_cells(levels: list[int] | None = None) -> gpd.GeoDataFrame:
    return grid3_cells(levels if levels is not None else [1] * 9)


def planning_data(with_shelters: bool = True) -> ProjectData:
    layers = {
        "fire": (
            "fire_station",
            gpd.GeoDataFrame(
                {"id": ["F1"], "name": ["一站"], "class": ["一级"]},
                geometry=[shapely.Point(centre(0, 0))],
                crs=CRS,
            ),
        )
    }
    if with_shelters:
        layers["shelters"] = (
            "shelter",
            gpd.GeoDataFrame(
                {
                    "id": ["S1"],
                    "name": ["a"],
                    "type": ["紧急"],
                    "area_m2": [3000.0],
                    "capacity": [np.nan],
                },
                geometry=[shapely.Point(centre(0, 0))],
                crs=CRS,
            ),
        )
    return grid3_data(layers)


def station_at(r: int, c: int, **kw) -> dict:
    lon, lat = lonlat(*centre(r, c))
    return {"kind": "fire_station", "lon": lon, "lat": lat, "name": "新站", **kw}


def test_apply_adds_proposed_features_without_touching_input():
    data = planning_data()
    lon, lat = lonlat(*centre(1, 1))
    after = apply_proposals(
        data,
        [
            station_at(2, 2),
            Proposal(kind="shelter", lon=lon, lat=lat, name="新公园", type="固定", area_m2=20000.0),
        ],
    )
    fire = after.layers["fire"].gdf
    assert fire["id"].tolist() == ["F1", "P-001"]
    assert fire["proposed"].tolist() == [False, True]
    assert fire["class"].tolist() == ["一级", "一级"]  # class defaults to 一级
    assert fire.geometry.iloc[1].distance(shapely.Point(centre(2, 2))) < 0.01
    shelters = after.layers["shelters"].gdf
    assert shelters["id"].tolist() == ["S1", "P-002"]
    assert shelters["type"].iloc[1] == "固定"
    assert shelters["area_m2"].iloc[1] == 20000.0
    # The input is unchanged.
    assert data.layers["fire"].gdf["id"].tolist() == ["F1"]
    assert "proposed" not in data.layers["fire"].gdf.columns
    assert set(proposals_of(after)["id"]) == {"P-001", "P-002"}


def test_apply_creates_a_layer_when_the_kind_is_missing():
    data = planning_data(with_shelters=False)
    lon, lat = lonlat(*centre(1, 1))
    after = apply_proposals(
        data,
        [
            {
                "kind": "shelter",
                "lon": lon,
                "lat": lat,
                "type": "中心",
                "area_m2": 60000,
                "capacity": 40000,
            }
        ],
    )
    layer = after.layers["proposed_shelter"]
    assert layer.kind.kind == "shelter"
    assert layer.gdf["capacity"].tolist() == [40000.0]
    assert "proposed_shelter" not in data.layers


def test_apply_keeps_given_ids_and_skips_taken_numbers():
    data = planning_data()
    first = apply_proposals(data, [station_at(2, 2)])
    second = apply_proposals(first, [station_at(2, 0), station_at(0, 2, id="X-9")])
    assert second.layers["fire"].gdf["id"].tolist() == ["F1", "P-001", "P-002", "X-9"]


def test_apply_rejects_points_outside_the_city():
    with pytest.raises(LayerDataError) as err:
        apply_proposals(planning_data(), [station_at(0, 0), station_at(5, 5)])
    problems = err.value.report.errors
    assert [p.row for p in problems] == [2]
    assert problems[0].code == "outside_boundary"


def test_new_station_covers_uncovered_cells():
    data, cells = planning_data(), make_cells()
    before = indicators_from_cells(data, cells, produced_at="2026-11-28")
    after_data = apply_proposals(data, [station_at(2, 2)])
    after = indicators_from_cells(after_data, cells, produced_at="2026-11-28")
    gone = set(before.evidence["fire.reach_population"]["cell_id"])
    left = set(after.evidence["fire.reach_population"]["cell_id"])
    assert gone == {"r0c2", "r1c2", "r2c0", "r2c1", "r2c2"}
    assert left == {"r0c2", "r2c0"}

    result = compare(cells, cells, before, after)
    row = result.indicators.set_index(["id", "scope"]).loc[("fire.reach_population", "city")]
    assert row["before"] == pytest.approx(100 * 8000 / 16100)
    assert row["after"] == pytest.approx(100 * 14000 / 16100)
    assert row["change"] == pytest.approx(100 * 6000 / 16100)
    assert row["better"] is True
    # Two stations split the city into two 4.5 km² districts, both within 7 km².
    area = result.indicators.set_index(["id", "scope"]).loc[("fire.district_area", "city")]
    assert (area["before"], area["after"], area["passed_after"]) == (0.0, 100.0, True)
    # Nothing else moved.
    unchanged = result.indicators.set_index(["id", "scope"]).loc[
        ("shelter.area_per_person", "city")
    ]
    assert unchanged["change"] == 0 and unchanged["better"] is None
    assert result.changed_cells.empty


def test_compare_levels_and_changed_cells():
    before = make_cells([4, 3, 1, 2, 1, 1, 1, 1, 3])
    after = make_cells([3, 3, 1, 2, 1, 1, 1, 1, 2])
    card = indicators_from_cells(planning_data(), before)
    card_after = indicators_from_cells(planning_data(), after)
    result = compare(before, after, card, card_after)
    levels = result.levels.set_index("level_rank")
    assert levels.index.tolist() == [4, 3, 2, 1]
    assert levels.loc[4, ["cells_before", "cells_after", "cells_change"]].tolist() == [1, 0, -1]
    assert levels.loc[3, ["cells_before", "cells_after"]].tolist() == [2, 2]
    assert levels.loc[2, ["cells_before", "cells_after"]].tolist() == [1, 2]
    assert levels.loc[4, "level"] == "重大"
    assert levels.loc[2, "population_after"] == 4000.0
    changed = result.changed_cells.set_index("cell_id")
    assert set(changed.index) == {"r0c0", "r2c2"}
    assert changed.loc["r0c0", ["level_from", "level_to", "from_zh", "to_zh"]].tolist() == [
        4,
        3,
        "重大",
        "较大",
    ]
    row = result.indicators.set_index(["id", "scope"]).loc[("risk.area_major", "city")]
    assert row["after"] == 0.0
    assert row["better"] is True


def test_proposals_from_csv_chinese_headers_gbk(tmp_path):
    lon, lat = lonlat(*centre(1, 1))
    path = tmp_path / "proposals.csv"
    text = (
        "设施,名称,经度,纬度,类型,站级,有效避难面积,可容纳人数\n"
        f"消防站,新站,{lon},{lat},,二级,,\n"
        f'避难场所,新公园,{lon},{lat},固定,,"12,000",5000\n'
    )
    path.write_bytes(text.encode("gbk"))
    props = proposals_from_csv(path)
    assert [p.kind for p in props] == ["fire_station", "shelter"]
    assert props[0].station_class == "二级"
    assert props[1].area_m2 == 12000.0
    assert props[1].capacity == 5000.0
    assert props[1].lon == pytest.approx(lon)


def test_proposals_from_csv_reports_rows_and_columns(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "kind,name,lon,lat,type,class,area_m2\n"
        "shelter,ok,114.3,30.5,紧急,,800\n"
        "shelter,no area,114.3,30.5,固定,,\n"
        "fire_station,bad class,114.3,30.5,,三级,\n"
        "school,bad kind,114.3,95,,,\n",
        encoding="utf-8",
    )
    with pytest.raises(LayerDataError) as err:
        proposals_from_csv(path)
    got = {(p.row, p.column, p.code) for p in err.value.report.errors}
    assert got == {
        (3, "area_m2", "bad_value"),
        (4, "class", "bad_value"),
        (5, "kind", "bad_value"),
        (5, "lat", "bad_coordinate"),
    }
    assert all(p.file == "bad.csv" for p in err.value.report.errors)


def test_proposals_from_csv_missing_columns(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("kind,name,经度\nshelter,a,114\n", encoding="utf-8")
    with pytest.raises(LayerDataError) as err:
        proposals_from_csv(path)
    assert [(p.code, p.row) for p in err.value.report.errors] == [("missing_column", 1)]
    assert "lat" in err.value.report.errors[0].message


def test_export_round_trip(tmp_path):
    props = validate_proposals(
        [
            station_at(2, 2, **{"class": "小型"}),
            {
                "kind": "shelter",
                "lon": 114.3,
                "lat": 30.5,
                "name": "公园",
                "type": "紧急",
                "area_m2": 2500,
            },
        ]
    )
    csv_path = export_proposals(props, tmp_path / "p.csv")
    assert csv_path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert proposals_from_csv(csv_path) == props
    geo = export_proposals(props, tmp_path / "p.geojson")
    doc = json.loads(geo.read_text(encoding="utf-8"))
    assert [f["properties"]["kind"] for f in doc["features"]] == ["fire_station", "shelter"]
    assert doc["features"][1]["geometry"]["coordinates"] == [114.3, 30.5]
    assert doc["features"][0]["properties"]["class"] == "小型"
    back = gpd.read_file(geo)
    assert back.crs.to_epsg() == 4326
    with pytest.raises(ValueError, match="unsupported"):
        export_proposals(props, tmp_path / "p.xlsx")


def test_validate_rejects_bad_records():
    with pytest.raises(LayerDataError) as err:
        validate_proposals(
            [{"kind": "shelter", "lon": "east", "lat": 30, "type": "大", "area_m2": -1}]
        )
    assert {p.column for p in err.value.report.errors} == {"lon", "type", "area_m2"}
    assert pd.Series([p.row for p in err.value.report.errors]).eq(1).all()


def test_engine_levels_fall_where_a_new_station_reaches():
    """With riskmap.engine: a station at r2c2 lowers the coping gap of the cells it newly
    reaches (r1c2, r2c1, r2c2); levels there may only fall and nowhere else change.

    Levels by score breaks: under the default likelihood x severity matrix the coping gap
    moves the score but not the level of these cells."""
    from riskmap import Study
    from riskmap.config import LayerBinding as Binding
    from riskmap.config import LevelConfig

    data = planning_data()
    grid = make_cells().drop(columns=["population", "level_rank"])
    pop = gpd.GeoDataFrame(
        {"id": [f"p{i}" for i in range(9)], "count": make_cells()["population"]},
        geometry=list(shapely.points(grid[["x", "y"]].to_numpy())),
        crs=CRS,
    )
    haz = gpd.GeoDataFrame(
        {"id": ["H1", "H2"], "name": ["a", "b"], "grade": ["一级", "一级"]},
        geometry=[shapely.Point(centre(2, 2)), shapely.Point(centre(1, 2))],
        crs=CRS,
    )
    data = data.with_layers(
        {
            name: Layer(Binding(name=name, kind=kind, path="x.csv"), data.kinds[kind], g)
            for name, kind, g in (("pop", "population", pop), ("haz", "hazmat_enterprise", haz))
        }
    )
    breaks = LevelConfig(rule="breaks", score_breaks=(5.0, 14.0, 18.0))
    before = Study.from_data(data, register=None, cells=grid).score(levels=breaks)
    after_data = apply_proposals(data, [station_at(2, 2)])
    after = Study.from_data(after_data, register=None, cells=grid).score(levels=breaks)
    card_b = indicators_from_cells(data, before.cells, fields=before.fields)
    card_a = indicators_from_cells(after_data, after.cells, fields=after.fields)
    result = compare(before.cells, after.cells, card_b, card_a)

    newly = ["r1c2", "r2c1", "r2c2"]
    gap_b = before.cells.set_index("cell_id")["coping_gap"]
    gap_a = after.cells.set_index("cell_id")["coping_gap"]
    assert (gap_a[newly] < gap_b[newly]).all()
    changed = result.changed_cells
    assert len(changed) > 0
    assert set(changed["cell_id"]) <= set(newly)
    assert (changed["level_to"] < changed["level_from"]).all()
    levels = result.levels.set_index("level_rank")
    for tag, cells in (("before", before.cells), ("after", after.cells)):
        counts = cells["level_rank"].value_counts()
        assert levels[f"cells_{tag}"].to_dict() == {r: int(counts.get(r, 0)) for r in (4, 3, 2, 1)}
    assert levels["cells_change"].sum() == 0
    row = result.indicators.set_index(["id", "scope"]).loc[("fire.reach_population", "city")]
    assert row["after"] > row["before"]
