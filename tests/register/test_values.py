"""Values of a record: locations checked (finite, inside the area, not swapped)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from riskmap.errors import RegisterError
from riskmap.register import HazardRegister


def test_location_checks(reg: HazardRegister, hazard: Callable[..., dict[str, Any]]) -> None:
    for bad in ({"lon": float("nan")}, {"lat": float("inf")}, {"lon": 120.0}, {"lat": 95.0}):
        with pytest.raises(RegisterError, match=r"lon|lat"):
            reg.add(**hazard(**bad))
    with pytest.raises(RegisterError, match="swapped"):
        reg.add(**hazard(lon=30.6, lat=114.3))
