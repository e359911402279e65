"""Each facility's own service area (Scorecard.service_areas) on the 3 x 3 grid of
tests/products/conftest.py: a fire station reaches 1,538 m in 5 minutes, shelters are
walked to within 500 m, and the people a facility covers add up to the indicator's."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from factories import GRID3_CRS, grid3_cells, grid3_centre

from riskmap.products.indicators import CITY, indicators_from_cells
from riskmap.products.indicators.service import SERVICE_COLUMNS

REACH_M = 4 * 500 / 1.3
"""Turnout 1 min, then 4 min at 30 km/h (500 m a minute) with a detour factor of 1.3."""


def _covered_people(card, ind: str) -> float:
    row = card.table[(card.table["id"] == ind) & (card.table["scope"] == CITY)]
    return float(row["value"].iloc[0]) / 100 * 16_100


def test_every_coverage_indicator_has_one_area_a_facility(card) -> None:
    areas = card.service_areas
    assert set(areas) == {
        "fire.reach_population",
        "fire.reach_builtup",
        "shelter.walk_population",
        "shelter.central_people",
        "community.reach_population",
    }
    for ind, frame in areas.items():
        assert set(SERVICE_COLUMNS) <= set(frame.columns), ind
        assert frame.crs == GRID3_CRS
        assert frame["site"].geom_type.eq("Point").all()
    assert areas["shelter.walk_population"]["id"].tolist() == ["S1", "S2", "S3"]
    assert areas["shelter.central_people"]["id"].tolist() == ["S3"]


def test_fire_station_area_is_its_reach_inside_the_city(card) -> None:
    fire = card.service_areas["fire.reach_population"].iloc[0]
    x, y = grid3_centre(0, 0)
    city = shapely.box(x - 500, y - 500, x + 2500, y + 2500)
    expected = shapely.intersection(shapely.Point(x, y).buffer(REACH_M), city).area / 1e6
    assert fire["area_km2"] == pytest.approx(expected, rel=1e-3)
    assert fire["radius_m"] == pytest.approx(REACH_M)
    assert fire["target_min"] == 5.0
    # r0c0, r0c1, r1c0 and r1c1 (2,000 people each, all built-up) are reached.
    assert fire["population"] == pytest.approx(8_000)
    assert fire["builtup_km2"] == pytest.approx(4.0)
    assert fire["population"] == pytest.approx(_covered_people(card, "fire.reach_population"))


def test_shelters_walking_areas_and_the_central_shelters_region(card) -> None:
    walk = card.service_areas["shelter.walk_population"].set_index("id")
    # Each shelter sits at a cell centre, 1.4 km from the next: a whole 500 m disc each.
    assert walk["area_km2"].to_numpy() == pytest.approx([np.pi * 0.25] * 3, rel=1e-2)
    assert walk["population"].tolist() == [2_000, 2_000, 2_000]
    assert walk["capacity"].tolist() == pytest.approx([2_000, 3_000, 6_000])  # 1.5 m² each
    assert walk["population"].sum() == pytest.approx(
        _covered_people(card, "shelter.walk_population")
    )
    central = card.service_areas["shelter.central_people"].iloc[0]
    assert central["area_km2"] == pytest.approx(9.0)  # the only one: the whole city
    assert central["population"] == pytest.approx(16_100)


def test_community_station_people_add_up_to_the_indicator(card) -> None:
    frame = card.service_areas["community.reach_population"]
    assert len(frame) == 1 and frame["radius_m"].iloc[0] > 0
    assert frame["population"].sum() == pytest.approx(
        _covered_people(card, "community.reach_population")
    )


def test_two_stations_split_what_they_cover(scorecard_data, scorecard_layers) -> None:
    layers = scorecard_layers()
    layers["fire"] = (
        "fire_station",
        gpd.GeoDataFrame(
            {"id": ["F1", "F2"], "name": ["一站", "二站"], "class": ["一级", "一级"]},
            geometry=[shapely.Point(*grid3_centre(0, 0)), shapely.Point(*grid3_centre(2, 2))],
            crs=GRID3_CRS,
        ),
    )
    card = indicators_from_cells(scorecard_data(layers), grid3_cells())
    fire = card.service_areas["fire.reach_population"]
    one, two = fire.geometry.to_numpy()
    assert shapely.intersection(one, two).area == pytest.approx(0.0, abs=1.0)  # their own
    # Out of reach: r0c2 and r2c0 (2 km from both); r1c1 goes to one of them.
    assert fire["population"].sum() == pytest.approx(14_000)
    assert fire["population"].sum() == pytest.approx(_covered_people(card, "fire.reach_population"))
    assert sorted(fire["population"]) in ([6_000, 8_000], [7_900, 6_100], [8_000, 6_000])


def test_no_facility_layer_no_service_area(scorecard_data, scorecard_layers) -> None:
    layers = scorecard_layers()
    del layers["fire"], layers["shelters"]
    card = indicators_from_cells(scorecard_data(layers), grid3_cells())
    assert set(card.service_areas) == {"community.reach_population"}


def test_district_shelter_area_evidence_says_which_districts_meet_the_target(card) -> None:
    ev = card.evidence["shelter.area_per_person"].set_index("adcode")
    # A: 3,000 m² for 6,000 people (0.5 m² each); B: 21,000 m² for 10,100 (2.08 m² each).
    assert ev["ok"].to_dict() == {"000001": False, "000002": True}
