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
