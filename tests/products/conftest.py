"""Shared fixtures of the products' tests: the scorecard's 3 x 3 project (its default
layers, a factory for other layer sets, and its scorecard) and a scored assessment of the
6 x 10 test city (the Assessment-first entry points). The tiny projects themselves come
from the one factory module, ``tests/factories.py``.

The 3 x 3 layout (working CRS EPSG:32650, origin x0 = 500000, y0 = 3400000; cell rRcC has
its centre at (x0 + 500 + 1000 C, y0 + 500 + 1000 R)): district A (000001) is column 0,
district B (000002) columns 1-2; every cell has 2,000 people except r0c2 (100 people).
"""

from __future__ import annotations

from collections.abc import Callable

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from factories import (
    GRID3_A,
    GRID3_B,
    GRID3_CRS,
    GRID3_X0,
    GRID3_Y0,
    city_cells,
    city_data,
    grid3_cells,
    grid3_centre,
    grid3_data,
)

import riskmap as rm
from riskmap.config import LayerBinding
from riskmap.io import ProjectData
from riskmap.products import Scorecard
from riskmap.products.indicators import indicators_from_cells

Layers = dict[str, tuple[str, gpd.GeoDataFrame]]
"""Layer bindings of a tiny project: binding name -> (kind, features)."""

LayersFactory = Callable[[], Layers]
"""``scorecard_layers()``: a fresh copy of the 3 x 3 project's default layers."""

ProjectFactory = Callable[..., ProjectData]
"""``scorecard_data(layers=None)``: the 3 x 3 project with these layers (default set when None)."""

_CARD_LEVELS = (4, 3, 1, 2, 1, 1, 1, 1, 3)


def _points(rows: dict[str, list], xy: list[tuple[float, float]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry=[shapely.Point(x, y) for x, y in xy], crs=GRID3_CRS)


def _default_layers() -> Layers:
    c, x0, y0 = grid3_centre, GRID3_X0, GRID3_Y0
    return {
        "fire": (
            "fire_station",
            _points({"id": ["F1"], "name": ["一站"], "class": ["一级"]}, [c(0, 0)]),
        ),
        "shelters": (
            "shelter",
            _points(
                {
                    "id": ["S1", "S2", "S3"],
                    "name": ["a", "b", "c"],
                    "type": ["紧急", "固定", "中心"],
                    "area_m2": [3000.0, 12000.0, 9000.0],
                    "capacity": [np.nan, 3000.0, np.nan],
                },
                [c(0, 0), c(2, 2), c(1, 1)],
            ),
        ),
        "community": (
            "community_station",
            _points({"id": ["C1"], "name": ["站"]}, [(x0 + 2000, y0 + 1000)]),
        ),
        "hazmat": (
            "hazmat_enterprise",
            _points(
                {
                    "id": ["H1", "H2", "H3"],
                    "name": ["h1", "h2", "h3"],
                    "grade": ["一级", "无", "三级"],
                },
                [(x0 + 700, y0 + 500), c(2, 2), c(1, 2)],
            ),
        ),
        "video": (
            "video_point",
            _points(
                {"id": ["V1", "V2"], "enterprise_id": ["H1", "H2"]},
                [(x0 + 710, y0 + 500), c(2, 2)],
            ),
        ),
        "targets": (
            "sensitive_target",
            _points(
                {
                    "id": ["T1", "T2", "T3"],
                    "name": ["学校", "医院", "幼儿园"],
                    "type": ["学校", "医院", "幼儿园"],
                },
                [(x0 + 700, y0 + 900), (x0 + 2500, y0 + 2100), (x0 + 2800, y0 + 1500)],
            ),
        ),
    }


def _scorecard_data(layers: Layers | None = None) -> ProjectData:
    return grid3_data(layers if layers is not None else _default_layers())


@pytest.fixture
def scorecard_layers() -> LayersFactory:
    """The 3 x 3 project's default layers: fire station F1 at r0c0; shelters S1 (紧急, r0c0),
    S2 (固定, r2c2, capacity 3,000), S3 (中心, r1c1); community station C1 on the corner of
    r0c1/r0c2/r1c1/r1c2; hazmat sites H1 (一级, 200 m east of r0c0's centre), H2 (无, r2c2),
    H3 (三级, r1c2) with video at H1 and H2; sensitive targets T1 (学校), T2 (医院),
    T3 (幼儿园)."""
    return _default_layers


@pytest.fixture
def scorecard_data() -> ProjectFactory:
    """The 3 x 3 project with the given layers (the default set when None)."""
    return _scorecard_data


@pytest.fixture
def card_levels() -> list[int]:
    """Levels of the 3 x 3 cells r0c0 .. r2c2 behind ``card``: 重大 r0c0; 较大 r0c1 and
    r2c2; 一般 r1c0."""
    return list(_CARD_LEVELS)


@pytest.fixture(scope="package")
def card() -> Scorecard:
    """The scorecard of the default 3 x 3 project with the levels of ``card_levels``, a
    register summary (A: 3 open, 2 major, 1 listed, 2 overdue, 1 major overdue; B: 1 open
    major) and produced on 2026-11-28."""
    summary = pd.DataFrame(
        {
            "adcode": [GRID3_A, GRID3_B],
            "district": ["甲区", "乙区"],
            "open": [3, 1],
            "open_major": [2, 1],
            "listed": [1, 0],
            "overdue": [2, 0],
            "overdue_major": [1, 0],
        }
    )
    return indicators_from_cells(
        _scorecard_data(),
        grid3_cells(list(_CARD_LEVELS)),
        register_summary=summary,
        produced_at="2026-11-28",
    )


@pytest.fixture(scope="package")
def assessment() -> rm.Assessment:
    """The 6 x 10 test city scored by the engine (1 km cells, a population point at every
    cell centre, score breaks 1 | 2 | 3 so that every level and some risk areas occur)."""
    data, cells = city_data(), city_cells()
    people = gpd.GeoDataFrame(
        {"id": [f"p{i}" for i in range(len(cells))], "count": cells["population"].to_numpy()},
        geometry=cells.geometry.centroid.to_numpy(),
        crs=cells.crs,
    )
    binding = LayerBinding(name="pop", kind="population", path="pop.csv")
    pop = rm.Layer(binding, data.kinds["population"], people)
    study = rm.Study.from_data(data, register=None, cell_size=1000, extra_layers={"pop": pop})
    return study.score(levels=rm.LevelConfig(rule="breaks", score_breaks=(1.0, 2.0, 3.0)))
