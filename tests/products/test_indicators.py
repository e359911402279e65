"""Safe-city indicators on a hand-computed 3 x 3 grid of 1 km cells.

Layout (working CRS EPSG:32650, origin x0 = 500000, y0 = 3400000; cell rRcC has its centre
at (x0 + 500 + 1000 C, y0 + 500 + 1000 R)). District A (000001) is column 0, district B
(000002) columns 1-2. Every cell has 2,000 people except r0c2 (100 people): 16,100 in all,
6,000 in A, 10,100 in B. With the default method (turnout 1 min, 30 km/h, detour 1.3,
target 5 min) a fire station reaches 4 x 500 / 1.3 = 1,538 m. The project's layers are
the ``scorecard_layers`` fixture (tests/products/conftest.py); ``card`` is its scorecard.
"""

from __future__ import annotations

from dataclasses import replace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from factories import GRID3_A, GRID3_B, GRID3_CRS, grid3_cells, grid3_centre

import riskmap as rm
from riskmap.config import IndicatorOptions
from riskmap.engine import compute_fields
from riskmap.products import compute_indicators
from riskmap.products.indicators import (
    CITY,
    INDICATOR_IDS,
    TABLE_COLUMNS,
    indicators_from_cells,
    station_districts,
)

A, B = GRID3_A, GRID3_B

centre = grid3_centre
make_cells = grid3_cells


def gdf(rows: dict[str, list], xy: list[tuple[float, float]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry=[shapely.Point(x, y) for x, y in xy], crs=GRID3_CRS)


def value(card, ind: str, scope: str = CITY) -> float:
    row = card.table[(card.table["id"] == ind) & (card.table["scope"] == scope)]
    assert len(row) == 1, (ind, scope)
    return float(row["value"].iloc[0])


def passed(card, ind: str, scope: str = CITY):
    row = card.table[(card.table["id"] == ind) & (card.table["scope"] == scope)]
    return row["passed"].iloc[0]


def test_table_shape_and_scopes(card):
    t = card.table
    assert list(t.columns) == list(TABLE_COLUMNS)
    assert list(t["id"].drop_duplicates()) == list(INDICATOR_IDS)
    assert set(t["scope"]) == {CITY, A, B}
    assert len(t) == 3 * len(INDICATOR_IDS)
    assert set(t.loc[t["scope"] == A, "district"]) == {"甲区"}
    assert (t["standard"].str.len() > 0).all()
    assert card.city()["scope"].eq(CITY).all()
    assert len(card.for_scope(B)) == len(INDICATOR_IDS)


def test_fire_reach_population_and_builtup(card):
    # Station at r0c0: r0c0 0 m, r0c1 and r1c0 1,000 m, r1c1 1,414 m are within 1,538 m.
    assert value(card, "fire.reach_population") == pytest.approx(100 * 8000 / 16100)
    assert value(card, "fire.reach_population", A) == pytest.approx(100 * 4000 / 6000)
    assert value(card, "fire.reach_population", B) == pytest.approx(100 * 4000 / 10100)
    assert passed(card, "fire.reach_population") is False
    # Built-up (>= 1,500 people/km²): all cells but r0c2; 4 of 8 km² covered.
    assert value(card, "fire.reach_builtup") == pytest.approx(50.0)
    uncovered = card.evidence["fire.reach_population"]
    assert set(uncovered["cell_id"]) == {"r0c2", "r1c2", "r2c0", "r2c1", "r2c2"}
    assert uncovered.set_index("cell_id").loc["r2c2", "reach_min"] == pytest.approx(
        1 + 1.3 * np.hypot(2000, 2000) / 500
    )
    assert "r0c2" not in set(card.evidence["fire.reach_builtup"]["cell_id"])


def test_fire_reach_follows_method_settings(scorecard_data):
    data = scorecard_data()
    faster = data.project.model_copy(
        update={"method": data.project.method.model_copy(update={"fire_speed_kmh": 60.0})}
    )
    card = indicators_from_cells(replace(data, project=faster), make_cells())
    # 4 min x 1,000 m/min / 1.3 = 3,077 m: every centre (farthest 2,828 m) is reached.
    assert value(card, "fire.reach_population") == pytest.approx(100.0)
    assert passed(card, "fire.reach_population") is True


def test_station_district_area_single_station(card):
    # One station: its district is the whole 9 km² city, above the 7 km² of a 一级 station.
    d = card.evidence["fire.district_area"]
    assert d["area_km2"].iloc[0] == pytest.approx(9.0)
    assert d["builtup_km2"].iloc[0] == pytest.approx(8.0)
    assert not d["edge"].iloc[0]
    assert value(card, "fire.district_area") == 0.0
    assert value(card, "fire.district_area", A) == 0.0
    assert np.isnan(value(card, "fire.district_area", B))  # no station in B
    assert passed(card, "fire.district_area", B) is None


def test_station_districts_voronoi_and_limits(scorecard_data, scorecard_layers):
    layers = scorecard_layers()
    layers["fire"] = (
        "fire_station",
        gdf(
            {"id": ["F1", "F2"], "name": ["一站", "二站"], "class": ["一级", "小型"]},
            [centre(0, 0), centre(2, 2)],
        ),
    )
    data = scorecard_data(layers)
    d = station_districts(data, make_cells()).set_index("id")
    # The bisector of the diagonal splits the square in two halves of 4.5 km².
    assert d.loc["F1", "area_km2"] == pytest.approx(4.5)
    assert d.loc["F2", "area_km2"] == pytest.approx(4.5)
    assert d.loc["F1", "ok"]  # 一级: 7 km²
    assert not d.loc["F2", "ok"]  # 小型: 2 km²
    assert d.loc["F2", "limit_km2"] == 2.0
    assert d["adcode"].tolist() == [A, B]
    assert shapely.union_all(d.geometry.to_numpy()).area == pytest.approx(9e6)
    card = indicators_from_cells(data, make_cells())
    assert value(card, "fire.district_area") == 50.0
    assert value(card, "fire.district_area", A) == 100.0
    assert value(card, "fire.district_area", B) == 0.0


def test_urban_edge_station_gets_15_km2(scorecard_data):
    # Thinly populated cells (100 people/km²) are not built-up: the lone station is on the
    # urban edge and its 9 km² district passes the 15 km² limit.
    cells = make_cells()
    cells["population"] = 100.0
    d = station_districts(scorecard_data(), cells)
    assert bool(d["edge"].iloc[0])
    assert d["limit_km2"].iloc[0] == 15.0
    assert bool(d["ok"].iloc[0])
    strict = station_districts(
        scorecard_data(), cells, options=IndicatorOptions(edge_builtup_share=0.0)
    )
    assert not bool(strict["edge"].iloc[0])


def test_fire_station_near_hazmat(card):
    # F1 is 200 m from H1.
    assert value(card, "fire.hazmat_distance") == 1
    assert value(card, "fire.hazmat_distance", A) == 1
    assert value(card, "fire.hazmat_distance", B) == 0
    assert passed(card, "fire.hazmat_distance") is False
    ev = card.evidence["fire.hazmat_distance"]
    assert ev["hazmat_id"].tolist() == ["H1"]
    assert ev["distance_m"].iloc[0] == pytest.approx(200.0)


def test_shelter_area_per_person(card):
    assert value(card, "shelter.area_per_person") == pytest.approx(24000 / 16100)
    assert passed(card, "shelter.area_per_person") is False
    assert value(card, "shelter.area_per_person", A) == pytest.approx(3000 / 6000)
    assert value(card, "shelter.area_per_person", B) == pytest.approx(21000 / 10100)
    assert passed(card, "shelter.area_per_person", B) is True


def test_shelter_walk_500m(card):
    # Shelters at the centres of r0c0, r1c1, r2c2; other centres are >= 1 km away.
    assert value(card, "shelter.walk_population") == pytest.approx(100 * 6000 / 16100)
    assert value(card, "shelter.walk_population", A) == pytest.approx(100 * 2000 / 6000)
    assert set(card.evidence["shelter.walk_population"]["cell_id"]) == {
        "r0c1",
        "r0c2",
        "r1c0",
        "r1c2",
        "r2c0",
        "r2c1",
    }


def test_fixed_shelter_capacity(card):
    # S2 (固定) holds 3,000; S3 (中心) has no capacity: 9,000 m² / 1.5 = 6,000.
    assert value(card, "shelter.fixed_capacity") == pytest.approx(100 * 9000 / 16100)
    assert passed(card, "shelter.fixed_capacity") is True
    assert value(card, "shelter.fixed_capacity", A) == 0.0
    assert passed(card, "shelter.fixed_capacity", A) is False


def test_people_per_central_shelter(card):
    assert value(card, "shelter.central_people") == pytest.approx(16100)
    assert passed(card, "shelter.central_people") is True
    assert value(card, "shelter.central_people", B) == pytest.approx(10100)
    # District A has people and no central shelter: fails, with no number.
    assert np.isnan(value(card, "shelter.central_people", A))
    assert passed(card, "shelter.central_people", A) is False


def test_community_station_reach(card):
    # C1 sits on the corner of r0c1, r0c2, r1c1, r1c2: 707 m from each centre (< 1,000 m).
    assert value(card, "community.reach_population") == pytest.approx(100 * 6100 / 16100)
    assert value(card, "community.reach_population", A) == 0.0
    assert value(card, "community.reach_population", B) == pytest.approx(100 * 6100 / 10100)


def test_hazmat_video(card):
    # Major sites H1 (一级, A, with video) and H3 (三级, B, none); H2 is not major.
    assert value(card, "hazmat.video") == 50.0
    assert value(card, "hazmat.video", A) == 100.0
    assert value(card, "hazmat.video", B) == 0.0
    assert card.evidence["hazmat.video"]["id"].tolist() == ["H3"]


def test_sensitive_targets_near_major_hazards(card):
    # T1 is 400 m from H1 (一级), T3 300 m from H3 (三级); T2 is 400 m from H2 (not major)
    # and 600 m from H3.
    assert value(card, "hazmat.sensitive_targets") == 2
    assert value(card, "hazmat.sensitive_targets", A) == 1
    assert value(card, "hazmat.sensitive_targets", B) == 1
    ev = card.evidence["hazmat.sensitive_targets"].set_index("id")
    assert set(ev.index) == {"T1", "T3"}
    assert ev.loc["T1", "site_grade"] == "一级"
    assert ev.loc["T3", "distance_m"] == pytest.approx(300.0)
    row = card.city().set_index("id").loc["hazmat.sensitive_targets"]
    assert "一级 1" in row["evidence"] and "三级 1" in row["evidence"]


def test_sensitive_distance_by_grade(scorecard_data):
    opts = IndicatorOptions(
        sensitive_distance_m={"一级": 300.0, "二级": 500.0, "三级": 700.0, "四级": 500.0}
    )
    card = indicators_from_cells(scorecard_data(), make_cells(), options=opts)
    ev = card.evidence["hazmat.sensitive_targets"]
    assert set(ev["id"]) == {"T2", "T3"}  # T1 (400 m > 300 m) drops, T2 (600 m <= 700 m) enters


def test_risk_shares(card):
    # Levels: 重大 r0c0 (2,000); 较大 r0c1 (2,000) and r2c2 (2,000).
    assert value(card, "risk.map_produced") == 1.0
    assert passed(card, "risk.map_produced") is True
    assert "2026-11-28" in card.city().set_index("id").loc["risk.map_produced", "evidence"]
    assert value(card, "risk.area_major") == pytest.approx(100 / 9)
    assert value(card, "risk.area_significant") == pytest.approx(200 / 9)
    assert value(card, "risk.population_major") == pytest.approx(100 * 2000 / 16100)
    assert value(card, "risk.population_significant", B) == pytest.approx(100 * 4000 / 10100)
    assert passed(card, "risk.area_major") is None


def test_hidden_hazards_from_register(card):
    assert value(card, "hazards.open_major") == 3
    assert value(card, "hazards.listed", A) == 1
    assert value(card, "hazards.overdue") == 1
    assert passed(card, "hazards.overdue", A) is False
    assert passed(card, "hazards.overdue", B) is True


def test_missing_layers_are_not_computable(scorecard_data):
    card = indicators_from_cells(scorecard_data({}), make_cells())
    for ind in (
        "fire.reach_population",
        "shelter.area_per_person",
        "hazmat.video",
        "community.reach_population",
        "risk.map_produced",
    ):
        assert np.isnan(value(card, ind))
        assert passed(card, ind) is None
    assert "hazards.overdue" not in set(card.table["id"])
    assert card.evidence == {}


def test_inputs_not_modified(scorecard_data):
    data, cells = scorecard_data(), make_cells([1] * 9)
    before = {n: lyr.gdf.copy() for n, lyr in data.layers.items()}
    cells_before = cells.copy()
    indicators_from_cells(data, cells)
    pd.testing.assert_frame_equal(cells, cells_before)
    for n, lyr in data.layers.items():
        pd.testing.assert_frame_equal(lyr.gdf, before[n])


def test_reach_comes_from_the_engine_fields(scorecard_data):
    data, cells = scorecard_data(), make_cells()
    fields = compute_fields(data, cells)
    # The engine's own reach times give the same answer as letting the indicators ask it.
    assert indicators_from_cells(data, cells, fields=fields).table.equals(
        indicators_from_cells(data, cells).table
    )
    # And they are what the indicator reads: pretend every cell is 2 minutes away.
    fast = replace(fields, access={**fields.access, "fire": np.full(len(cells), 2.0)})
    card = indicators_from_cells(data, cells, fields=fast)
    assert value(card, "fire.reach_population") == 100.0
    assert card.evidence["fire.reach_population"].empty


def test_cells_without_xy_use_centroids(card, card_levels, scorecard_data):
    again = indicators_from_cells(
        scorecard_data(), make_cells(card_levels).drop(columns=["x", "y"]), produced_at="2026-11-28"
    )
    t = card.table[~card.table["id"].str.startswith("hazards.")].reset_index(drop=True)
    pd.testing.assert_frame_equal(again.table, t)


def test_compute_indicators_is_the_scorecard_of_the_assessments_cells_and_fields(
    assessment: rm.Assessment,
) -> None:
    """The Assessment-first entry point reads data, cells and fields from the assessment
    and passes the options and the date through."""
    opts = IndicatorOptions(shelter_walk_m=800.0)
    card = compute_indicators(assessment, opts, produced_at="2026-11-28")
    core = indicators_from_cells(
        assessment.data,
        assessment.cells,
        options=opts,
        fields=assessment.fields,
        produced_at="2026-11-28",
    )
    pd.testing.assert_frame_equal(card.table, core.table)
    assert card.produced_at == "2026-11-28"
    assert card.parameters["options"]["shelter_walk_m"] == 800.0
    assert card.parameters["cells"] == len(assessment.cells)
    assert "hazards.overdue" not in set(card.table["id"])  # no register summary given
    default = compute_indicators(assessment)
    assert default.parameters["options"] == IndicatorOptions().model_dump()
