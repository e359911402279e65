"""The vocabulary: stored codes read from codes and labels in either language, labels for
people, and refused moves explained in zh and en."""

from __future__ import annotations

import pytest

from riskmap.errors import RegisterError, TransitionError
from riskmap.register import (
    CATEGORIES,
    GRADES,
    OPEN_STATUSES,
    STATUSES,
    TRANSITIONS,
    HazardTransitionError,
    label,
    parse_code,
)


@pytest.mark.parametrize(
    ("vocabulary", "value", "code"),
    [
        ("status", "待验收", "awaiting_acceptance"),
        ("status", "awaiting acceptance", "awaiting_acceptance"),
        ("status", " Rectifying ", "rectifying"),
        ("category", "WH", "hazmat"),
        ("category", "危险化学品", "hazmat"),
        ("category", "建设施工", "construction"),
        ("grade", "重大隐患", "major"),
        ("grade", "一般", "general"),
    ],
)
def test_parse_code_reads_codes_and_labels(vocabulary: str, value: str, code: str) -> None:
    assert parse_code(vocabulary, value) == code


def test_an_unknown_value_lists_the_values_allowed() -> None:
    with pytest.raises(RegisterError, match="unknown category '矿山'") as info:
        parse_code("category", "矿山")
    assert "危化 (hazmat)" in str(info.value) and "消防 (fire)" in str(info.value)


def test_labels_in_both_languages_and_unknown_codes_as_they_are() -> None:
    assert label("status", "rectifying") == "整改中"
    assert label("grade", "major", "en") == "major"
    assert label("category", "hazmat") == "危化"
    assert label("action", "start", "en") == "rectification started"
    assert label("status", "no-such-code") == "no-such-code"
    for table in (CATEGORIES, GRADES, STATUSES):
        assert all({"zh", "en"} <= set(entry) for entry in table.values())
    assert len({e["code"] for e in CATEGORIES.values()}) == len(CATEGORIES)


def test_the_loop_is_closed() -> None:
    assert set(TRANSITIONS) == set(STATUSES)
    assert set(OPEN_STATUSES) == {s for s, nxt in TRANSITIONS.items() if nxt}
    assert TRANSITIONS["closed"] == TRANSITIONS["voided"] == ()


def test_a_refused_move_says_what_is_allowed() -> None:
    err = HazardTransitionError("N-1", "registered", "closed", TRANSITIONS["registered"])
    assert isinstance(err, TransitionError)
    assert err.text("zh") == "N-1 当前为已登记，不能变更为已销号；可变更为：整改中（或作废）"
    assert "allowed next: rectifying" in err.text("en")
    assert "void it with a reason" in HazardTransitionError("N-1", "rectifying", "voided", ()).text(
        "en"
    )
    assert "不能再变更" in HazardTransitionError("N-1", "closed", "rectifying", ()).text("zh")
