"""Dynamic risk: raising features' intensity touches only the cells they reach."""

from __future__ import annotations

import numpy as np
import pytest
from factories import city_data, make_hazmat

from riskmap.engine import boost_features
from riskmap.errors import ConfigError
from riskmap.pipeline import Study


@pytest.fixture(scope="module")
def study() -> Study:
    hz = make_hazmat(["A", "B"], ["二级", "三级"], [(1500, 1500), (7500, 4500)])
    return Study.from_data(city_data(hazmat=hz), register=None, cell_size=1000)


def test_without_boosts_the_dynamic_score_is_the_static_score(study: Study) -> None:
    a = study.score()
    b = study.score(boosts={})
    c = study.score(boosts={"hazmat": {"A": 1.0}})
    for other in (b, c):
        np.testing.assert_array_equal(other.cells["score"], a.cells["score"])
        np.testing.assert_array_equal(other.cells["level_rank"], a.cells["level_rank"])


def test_a_boost_adds_the_features_own_contribution_where_it_reaches(study: Study) -> None:
    fields = study.fields
    boosted = boost_features(fields, {"hazmat": {"A": 3.0}})
    before, after = fields.raw["hazmat"], boosted.raw["hazmat"]
    changed = after != before
    # 二级: 2,000 m radius around (1.5 km, 1.5 km): cells whose centre is within it
    # (a centre at exactly 2,000 m still gets the kernel's edge value).
    d = np.hypot(
        study.cells["x"] - (study.cells["x"].min() + 1000),
        study.cells["y"] - (study.cells["y"].min() + 1000),
    )
    np.testing.assert_array_equal(changed, d.to_numpy() <= 2000)
    # Raising A by x3 adds twice A's own kernel: the same as a data set with A three times.
    hz = make_hazmat(
        ["A", "A2", "A3", "B"], ["二级"] * 3 + ["三级"], [(1500, 1500)] * 3 + [(7500, 4500)]
    )
    tripled = Study.from_data(city_data(hazmat=hz), register=None, cell_size=1000).fields
    np.testing.assert_allclose(after, tripled.raw["hazmat"], rtol=1e-12, atol=1e-12)
    # Only the boosted layer's field is new.
    assert boosted.raw["flood"] is fields.raw["flood"]


def test_scores_rise_only_near_the_boosted_feature(study: Study) -> None:
    a = study.score()
    b = study.score(boosts={"hazmat": {"B": 3.0}})
    up = b.cells["score"].to_numpy() - a.cells["score"].to_numpy()
    assert (up >= 0).all()
    h_up = b.cells["hazard"].to_numpy() > a.cells["hazard"].to_numpy()
    d = np.hypot(
        study.cells["x"] - (study.cells["x"].min() + 7000),
        study.cells["y"] - (study.cells["y"].min() + 4000),
    )
    assert not h_up[d.to_numpy() > 1500].any()  # 三级: 1,500 m radius
    assert h_up.any()


@pytest.mark.parametrize(
    ("boosts", "says"),
    [
        ({"nope": {"A": 2.0}}, "no layer 'nope'"),
        ({"hazmat": {"Z": 2.0}}, "has no feature Z"),
        ({"hazmat": {"A": -1.0}}, "below 0"),
    ],
)
def test_bad_boosts_are_refused(study: Study, boosts: dict, says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        boost_features(study.fields, boosts)
