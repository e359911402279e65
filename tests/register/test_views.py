"""Views for the app and the indicators: district counts, one hazard with its history."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from riskmap.register import (
    SUMMARY_COLUMNS,
    HazardRegister,
    district_summary,
    get_hazard,
    list_hazards,
)

TODAY = date(2024, 6, 1)


def test_district_summary_and_get_hazard(
    reg: HazardRegister,
    hazard: Callable[..., dict[str, Any]],
    reach: Callable[[HazardRegister, str], str],
) -> None:
    a = reg.add(**hazard(deadline="2024-05-01"))
    reg.list_for_supervision(a, "市安委办", "2024-12-01", by="x")
    reg.add(**hazard(grade="一般", district="江汉", adcode="420103"))
    reach(reg, "closed")
    reach(reg, "voided")
    summary = district_summary(reg, today=TODAY)
    assert tuple(summary.columns) == SUMMARY_COLUMNS
    s = summary.set_index("adcode")
    assert s.loc["420102"].to_dict() == {
        "district": "江岸",
        "total": 2,
        "open": 1,
        "open_major": 1,
        "listed": 1,
        "overdue": 1,
        "overdue_major": 1,
        "closed": 1,
    }
    assert s.loc["420103", "open"] == 1 and s.loc["420103", "open_major"] == 0
    rec = get_hazard(reg, a, today=TODAY)
    assert rec["number"] == a and rec["overdue"] is True
    assert [h["action"] for h in rec["history"]] == ["register", "list"]
    assert rec["history"][0]["from_status"] is None


def test_an_empty_register_has_an_empty_summary_with_its_columns(reg: HazardRegister) -> None:
    summary = district_summary(reg, today=TODAY)
    assert summary.empty and tuple(summary.columns) == SUMMARY_COLUMNS
    assert summary["total"].dtype.kind == "i"


def test_views_open_a_register_from_its_path(
    reg: HazardRegister, hazard: Callable[..., dict[str, Any]]
) -> None:
    n = reg.add(**hazard())
    assert list_hazards(reg.location(), today=TODAY)["number"].tolist() == [n]
    assert get_hazard(reg.location(), n)["history"][0]["action"] == "register"
