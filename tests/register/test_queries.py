"""Reading a register: list filters, overdue from the deadlines and today, the order."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from riskmap.register import (
    LIST_COLUMNS,
    HazardRegister,
    list_hazards,
)

TODAY = date(2024, 6, 1)


def test_overdue_from_deadline_and_today_and_order(
    reg: HazardRegister, hazard: Callable[..., dict[str, Any]]
) -> None:
    late = reg.add(**hazard(grade="一般", deadline="2024-05-01"))
    due_today = reg.add(**hazard(grade="一般", deadline="2024-06-01"))
    listed = reg.add(**hazard(deadline="2024-12-31"))
    reg.list_for_supervision(listed, "市安委办", "2024-12-31", by="王五")
    listed_late = reg.add(**hazard(deadline="2024-12-31"))
    reg.list_for_supervision(listed_late, "市安委办", "2024-05-15", by="王五")
    later = reg.add(**hazard(grade="一般", deadline="2024-09-01"))
    df = reg.list(today=TODAY)
    assert list(df.columns) == list(LIST_COLUMNS)
    overdue = dict(zip(df["number"], df["overdue"], strict=True))
    assert overdue == {late: True, due_today: False, listed: False, listed_late: True, later: False}
    # overdue first, then listed, then by deadline
    assert df["number"].tolist() == [listed_late, late, listed, due_today, later]
    assert reg.list(today=TODAY, overdue=True)["number"].tolist() == [listed_late, late]
    assert reg.list(today=date(2024, 4, 1), overdue=True).empty
    assert set(reg.list(listed=True)["number"]) == {listed, listed_late}
    assert set(list_hazards(reg, grade="一般", today=TODAY)["number"]) == {late, due_today, later}
