"""Tests of riskmap.engine.measures.recommend."""

from __future__ import annotations

import pytest

from riskmap.config import load_layer_kinds
from riskmap.engine.measures import LEVEL_MEASURES, recommend

KINDS = load_layer_kinds()


def test_level_rule_comes_first_and_kind_measures_follow():
    out = recommend(4, "hazmat_enterprise", ["shelter", "fire_station"], KINDS, "zh")
    assert out[0] == LEVEL_MEASURES[4]["zh"]
    assert "降" in out[0]  # 重大: brought down a level
    hazmat = [m.zh for m in KINDS["hazmat_enterprise"].measures]
    shelter = [m.zh for m in KINDS["shelter"].measures]
    fire = [m.zh for m in KINDS["fire_station"].measures]
    assert out[1:] == hazmat + shelter + fire


def test_english_and_levels():
    out = recommend(1, None, [], KINDS, "en")
    assert out == [LEVEL_MEASURES[1]["en"]]
    assert "keep" in out[0].lower()
    assert "practicable" in recommend(2, "", [], KINDS, "en")[0]
    assert recommend(3, "flood_zone", [], KINDS, "en")[1] == KINDS["flood_zone"].measures[0].en


def test_no_repeats_and_unknown_kinds_ignored():
    out = recommend(2, "shelter", ["shelter", "no_such_kind"], KINDS, "zh")
    assert len(out) == len(set(out)) == 1 + len(KINDS["shelter"].measures)


def test_bad_rank():
    with pytest.raises(ValueError):
        recommend(5, None, [], KINDS)
