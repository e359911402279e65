"""A project's register: its path, its area and its districts from project.yaml."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from riskmap.config import load_project
from riskmap.errors import RegisterError
from riskmap.register import open_register


def test_open_register_takes_path_area_and_districts_from_the_project(
    tmp_path: Path, hazard: Callable[..., dict[str, Any]], project_yaml: Path
) -> None:
    project = load_project(project_yaml)
    with open_register(project) as reg:
        assert reg.path == tmp_path / "city" / "var" / "testcity-hazards.sqlite"
        assert reg.bbox == pytest.approx((114.13, 30.53, 114.37, 30.67))
        n = reg.add(**hazard(adcode=None))
        assert n.startswith("420102-")
        with pytest.raises(RegisterError, match="outside"):
            reg.add(**hazard(lon=114.5))


def test_a_point_must_lie_in_its_district(project_yaml: Path, hazard: Any) -> None:
    """The project's register knows the districts' polygons: a point in 江汉 filed under
    江岸 is refused with the district that holds it; the same point under 江汉 is taken."""
    with open_register(load_project(project_yaml)) as reg:
        assert set(reg.district_shapes or {}) == {"420102", "420103"}
        in_jianghan = {"lon": 114.20, "lat": 30.60}
        with pytest.raises(
            RegisterError, match=r"is not in 江岸 \(420102\).*lies in 江汉 \(420103\)"
        ):
            reg.add(**hazard(**in_jianghan))
        assert reg.add(**hazard(**in_jianghan, district="江汉", adcode="420103")).startswith(
            "420103-"
        )
        reg.add(**hazard(lon=114.2502, lat=30.60))  # 20 m over the border: tolerated
        with pytest.raises(RegisterError, match="none of the project's districts"):
            reg.add(**hazard(lon=114.40, lat=30.60))
