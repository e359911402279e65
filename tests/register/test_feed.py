"""The open hazards as a hidden_hazard layer for the engine."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from riskmap.register import (
    HAZARD_LAYER_FIELDS,
    HazardRegister,
    build_hazards_layer,
    open_hazards_layer,
)

TODAY = date(2024, 6, 1)


def test_open_hazards_layer_drops_closed_and_voided(
    reg: HazardRegister,
    tmp_path: Path,
    hazard: Callable[..., dict[str, Any]],
    reach: Callable[[HazardRegister, str], str],
) -> None:
    open_major = reg.add(**hazard(deadline="2024-05-01"))
    reg.list_for_supervision(open_major, "市安委办", "2024-12-01", by="x")
    open_general = reg.add(**hazard(grade="一般", deadline="2024-12-01", lon=114.31, lat=30.61))
    reg.move(open_general, "整改中", by="x")
    closed = reach(reg, "closed")
    voided = reach(reg, "voided")
    gdf = open_hazards_layer(reg, today=TODAY)
    assert gdf.crs.to_epsg() == 4326
    assert list(gdf.columns) == [
        "id",
        "name",
        "district",
        "grade",
        "status",
        "overdue",
        "listed",
        "geometry",
    ]
    assert tuple(gdf.columns[:-1]) == HAZARD_LAYER_FIELDS
    assert set(gdf["id"]) == {open_major, open_general}
    assert closed not in set(gdf["id"]) and voided not in set(gdf["id"])
    row = gdf.set_index("id").loc[open_major]
    assert (row["grade"], row["status"], row["overdue"], row["listed"]) == (
        "重大",
        "已登记",
        True,
        True,
    )
    assert (row.geometry.x, row.geometry.y) == (114.30, 30.60)
    assert gdf.set_index("id").loc[open_general, "status"] == "整改中"
    layer = build_hazards_layer(reg.location(), "EPSG:32650", today=TODAY)
    assert layer.kind.kind == "hidden_hazard" and layer.kind.role == "hazard"
    assert layer.gdf.crs.to_epsg() == 32650 and len(layer.gdf) == 2
    allowed = set(layer.kind.fields["status"].allowed or ())
    assert set(gdf["status"]) <= allowed
    assert set(gdf["grade"]) <= set(layer.kind.fields["grade"].allowed or ())


def test_an_empty_register_feeds_an_empty_layer(reg: HazardRegister) -> None:
    gdf = open_hazards_layer(reg, today=TODAY)
    assert gdf.empty and gdf.crs.to_epsg() == 4326
    assert tuple(gdf.columns[:-1]) == HAZARD_LAYER_FIELDS


def test_an_open_registers_layer_follows_every_change_from_any_connection(
    reg: HazardRegister, hazard: Callable[..., dict[str, Any]]
) -> None:
    """The app keeps one register open and asks for its layer on every page: the layer it
    keeps must never be one change behind, whoever made the change."""

    def layer(today: date = TODAY) -> dict[str, tuple[str, bool]]:
        gdf = build_hazards_layer(reg, "EPSG:32650", today=today).gdf
        return {r.id: (r.status, bool(r.overdue)) for r in gdf.itertuples()}

    first = reg.add(**hazard(deadline="2024-07-01"))
    assert layer() == {first: ("已登记", False)}
    assert layer() == {first: ("已登记", False)}  # (kept: the same again)
    second = reg.add(**hazard(grade="一般", deadline="2024-12-01", lon=114.31, lat=30.61))
    assert set(layer()) == {first, second}
    with HazardRegister(reg.location()) as other:  # another session, process or user
        other.move(second, "整改中", by="x")
        assert layer()[second] == ("整改中", False)
        other.void(first, "duplicate of another record", by="x")
    assert set(layer()) == {second}
    assert layer(date(2025, 1, 1))[second] == ("整改中", True)  # a later day: overdue
    gdf = build_hazards_layer(reg, "EPSG:32650", today=TODAY).gdf
    gdf.loc[:, "name"] = "changed by a caller"  # a caller's change stays its own
    assert (
        build_hazards_layer(reg, "EPSG:32650", today=TODAY).gdf["name"] != "changed by a caller"
    ).all()
