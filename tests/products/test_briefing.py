"""The period risk briefing: its sections in order, the theme's weights, the period's
accidents, escaping."""

from __future__ import annotations

import re

import geopandas as gpd
import pandas as pd
import pytest
from factories import CRS, X0, Y0, city_data
from shapely.geometry import Point

from riskmap.errors import ConfigError
from riskmap.pipeline import Study
from riskmap.products.briefing import build_briefing


def _accidents() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "id": ["A1", "A2", "A3"],
            "name": ["<b>火</b>", "坍塌", "旧"],
            "district": ["甲区", "乙区", "甲区"],
            "date": pd.to_datetime(["2024-07-03", "2024-08-15", "2023-01-01"]),
            "type": ["火灾", "坍塌", "其他"],
            "industry": ["仓储物流", "建筑施工", "工贸"],
            "deaths": [1, 0, 5],
            "injuries": [2, 1, 0],
            "direct_loss": [1.0, 2.0, 3.0],
        },
        geometry=[
            Point(X0 + 500, Y0 + 500),
            Point(X0 + 7500, Y0 + 500),
            Point(X0 + 2500, Y0 + 2500),
        ],
        crs=CRS,
    )


@pytest.fixture(scope="module")
def study() -> Study:
    return Study.from_data(city_data(accidents=_accidents()), register=None, cell_size=1000)


def test_the_briefing_has_its_sections_in_order(study: Study) -> None:
    inputs = study.briefing(("2024-06-01", "2024-09-30"), "flood")
    page = build_briefing(inputs, "zh")
    heads = re.findall(r"<h2>(.)、", page)
    assert heads == list("一二三四五六七八")
    assert "截至 2024-09-30" in page and "截至 2024-05-31" in page
    # Flood season: flood zones count double.
    row = inputs.weights.set_index("layer").loc["flood"]
    assert row["multiplier"] == 2.0 and row["weight"] == pytest.approx(2 * row["base_weight"])
    # The period's two accidents, not the one of 2023; names are escaped.
    assert len(inputs.accidents) == 2
    assert "<th>季度</th>" in page and "2024Q3" in page  # ranked by quarter as well
    assert "<th>行业</th>" in page and "建筑施工" in page and "工贸" not in page  # and industry
    assert "<b>火</b>" not in page
    english = build_briefing(inputs, "en")
    assert re.findall(r"<h2>(\d)\. ", english) == [str(i) for i in range(1, 9)]
    assert "Flood season" in english
    # What moved a cell names its layers as people do, in each language (no layer keys).
    moved = inputs.change.moved
    assert "图层 生产安全事故 +" in moved["drivers"].iloc[0]
    assert "layer Production-safety accident +" in moved["drivers_en"].iloc[0]
    assert not any("accidents" in d or "hazmat" in d for d in moved["drivers_en"])


def test_the_theme_weights_change_the_levels_only_through_the_weights(study: Study) -> None:
    inputs = study.briefing(("2024-06-01", "2024-09-30"), "flood")
    plain = Study.from_data(
        city_data(accidents=_accidents()), register=None, cell_size=1000, as_of="2024-09-30"
    )
    w = dict(zip(inputs.weights["layer"], inputs.weights["weight"], strict=True))
    again = plain.score({"layers": w})
    pd.testing.assert_series_equal(
        again.cells["score"].reset_index(drop=True),
        inputs.current.cells["score"].reset_index(drop=True),
    )


def test_an_unknown_theme_is_refused_with_the_known_ones(study: Study) -> None:
    with pytest.raises(ConfigError, match=r"unknown theme 'typhoon'.*festival, flood, production"):
        study.briefing(("2024-06-01", "2024-09-30"), "typhoon")
