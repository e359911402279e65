"""Fixtures of the analysis tests: a bare square lattice and the 6 x 10 test city."""

from __future__ import annotations

import geopandas as gpd
import pytest
from factories import city_data, lattice

from riskmap.io import ProjectData
from riskmap.pipeline import Study


@pytest.fixture
def grid40() -> gpd.GeoDataFrame:
    """A 40 x 40 lattice of 100 m cells."""
    return lattice(40, 40)


@pytest.fixture
def city() -> ProjectData:
    """The 6 x 10 test city (hazmat sites, a flood zone, accidents, hidden hazards)."""
    return city_data()


@pytest.fixture
def city_study(city: ProjectData) -> Study:
    """A study of the test city on its 1 km grid, without a register."""
    return Study.from_data(city, register=None, cell_size=1000)
