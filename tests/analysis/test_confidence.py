"""Level confidence: zero spread keeps every level; seeded; spread moves border cells."""

from __future__ import annotations

import numpy as np

from riskmap.analysis import level_confidence, weight_sensitivity
from riskmap.analysis.confidence import jitter_breaks
from riskmap.config import ConfidenceConfig
from riskmap.pipeline import Study


def test_zero_spread_gives_every_cell_its_own_level_with_certainty(city_study: Study) -> None:
    a = city_study.score()
    c = level_confidence(
        city_study.fields,
        a.weights,
        a.levels,
        ConfidenceConfig(draws=20, weight_spread=0.0, break_spread=0.0),
    )
    assert (c.level_p == 1.0).all()
    np.testing.assert_array_equal(c.p_major, (a.cells["level_rank"] == 4).to_numpy(float))
    assert not c.unstable.any()


def test_the_same_seed_gives_the_same_probabilities(city_study: Study) -> None:
    a = city_study.score()
    cfg = ConfidenceConfig(draws=50, seed=9)
    one = level_confidence(city_study.fields, a.weights, a.levels, cfg)
    two = level_confidence(city_study.fields, a.weights, a.levels, cfg)
    np.testing.assert_array_equal(one.shares, two.shares)
    other = level_confidence(
        city_study.fields, a.weights, a.levels, cfg.model_copy(update={"seed": 10})
    )
    assert not np.array_equal(one.shares, other.shares)


def test_probabilities_are_shares_of_draws(city_study: Study) -> None:
    a = city_study.score()
    c = level_confidence(city_study.fields, a.weights, a.levels, ConfidenceConfig(draws=40))
    np.testing.assert_allclose(c.shares.sum(axis=1), 1.0)
    assert ((c.level_p >= 0) & (c.level_p <= 1)).all()
    np.testing.assert_allclose(c.p_high, c.shares[:, 2] + c.shares[:, 3])
    # With spread, some cell of the test city changes level in some draw.
    assert (c.level_p < 1).any()


def test_breaks_move_at_most_half_way_to_their_neighbour() -> None:
    rng = np.random.default_rng(0)
    base = np.array([1.0, 2.5, 4.0, 5.5])
    for _ in range(200):
        b = jitter_breaks(rng, base, 1.0)
        assert (np.diff(b) >= 0).all()
        assert (np.abs(b - base) <= 0.75 + 1e-12).all()
    shares = jitter_breaks(rng, (0.6, 0.9, 0.98), 1.0, upper=1.0)
    assert shares[-1] <= 0.99


def test_sensitivity_names_the_weights_that_move_levels(city_study: Study) -> None:
    a = city_study.score()
    table = weight_sensitivity(city_study.fields, a.weights, a.levels, 0.10)
    assert {"layer:hazmat", "layer:flood", "layer:accidents"} <= set(table["weight"])
    assert (table["changed"] == table[["up", "down"]].max(axis=1)).all()
    assert table["changed"].is_monotonic_decreasing
    # A weight moved by nothing changes nothing.
    none = weight_sensitivity(city_study.fields, a.weights, a.levels, 1e-12)
    assert (none["changed"] == 0).all()
