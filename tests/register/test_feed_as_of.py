"""The register's hazards as of a day: open by their history on that day, not now."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from factories import PHOTO_PNG

from riskmap.register import HazardRegister, open_hazards_layer, store


class Clock:
    """The register's clock set to a day (01:00 UTC: 09:00 in China)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.day = "2024-01-01"
        monkeypatch.setattr(store, "_now", lambda: f"{self.day}T01:00:00+00:00")

    def at(self, day: str) -> Clock:
        self.day = day
        return self


def test_a_hazard_closed_before_the_day_does_not_count(
    reg: HazardRegister, hazard: Callable[..., dict[str, object]], monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(monkeypatch)
    clock.at("2024-03-01")
    closed = reg.add(**hazard())
    clock.at("2024-03-05")
    still = reg.add(**hazard())
    for day, status in (("2024-03-10", "rectifying"), ("2024-03-20", "awaiting_acceptance")):
        clock.at(day)
        reg.move(closed, status, by="x")
    clock.at("2024-04-01")
    reg.attach(closed, PHOTO_PNG, "photo.png", by="x")
    reg.move(closed, "closed", by="x")
    clock.at("2024-06-01")
    reg.move(still, "rectifying", by="x")

    def ids(day: str) -> dict[str, str]:
        layer = open_hazards_layer(reg, as_of=date.fromisoformat(day))
        return dict(zip(layer["id"], layer["status"], strict=True))

    assert ids("2024-02-28") == {}  # nothing registered yet
    assert ids("2024-03-15") == {closed: "整改中", still: "已登记"}
    assert ids("2024-04-01") == {still: "已登记"}  # closed that day: not open at its end
    assert ids("2024-07-01") == {still: "整改中"}
    # Now (no day): the closed one is not open; the other is.
    assert set(open_hazards_layer(reg)["id"]) == {still}


def test_overdue_is_judged_on_the_day(
    reg: HazardRegister, hazard: Callable[..., dict[str, object]], monkeypatch: pytest.MonkeyPatch
) -> None:
    Clock(monkeypatch).at("2024-03-01")
    reg.add(**hazard())  # deadline 2024-05-01
    before = open_hazards_layer(reg, as_of=date(2024, 4, 30))
    after = open_hazards_layer(reg, as_of=date(2024, 5, 2))
    assert not before["overdue"].iloc[0]
    assert after["overdue"].iloc[0]
