"""Tiny synthetic projects shared by the product tests (inventory, report, indicators):
a 6 x 10 grid of 1 km cells in UTM 50N with two districts, hazmat sites, accidents and
the register's hazards. A support module, not a test module: tests import its factories
instead of importing each other.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from shapely.geometry import Point, box

from riskmap.config import (
    BoundaryConfig,
    LayerBinding,
    LevelConfig,
    Project,
    Text,
    load_layer_kinds,
)
from riskmap.io import Layer, ProjectData

CRS = pyproj.CRS.from_epsg(32650)
X0, Y0 = 240_000.0, 3_390_000.0
SIZE = 1000.0
NROW, NCOL = 6, 10


def make_cells(rank: np.ndarray | None = None) -> gpd.GeoDataFrame:
    """A 6 x 10 grid of 1 km cells; columns 0-4 in district 420102 (甲区), 5-9 in 420103 (乙区)."""
    rows, cols = np.divmod(np.arange(NROW * NCOL), NCOL)
    geoms = shapely.box(
        X0 + cols * SIZE, Y0 + rows * SIZE, X0 + (cols + 1) * SIZE, Y0 + (rows + 1) * SIZE
    )
    if rank is None:
        rank = np.ones(NROW * NCOL, dtype=int)
    consequence = (cols / (NCOL - 1)) * 9.0  # 0 in the west, 9 in the east
    score = rank * 20.0 + cols
    return gpd.GeoDataFrame(
        {
            "cell_id": [f"r{r}c{c}" for r, c in zip(rows, cols, strict=True)],
            "district": np.where(cols < 5, "甲区", "乙区"),
            "adcode": np.where(cols < 5, "420102", "420103"),
            "area_m2": SIZE * SIZE,
            "population": 1000.0 + rows * 100,
            "consequence": consequence,
            "score": score,
            "level_rank": rank,
            "level": [["低", "一般", "较大", "重大"][r - 1] for r in rank],
            "top_factor": np.where(cols < 3, "hazmat", "flood"),
            "top_factor_kind": np.where(cols < 3, "hazmat_enterprise", "flood_zone"),
            "measures": np.where(rank >= 3, "加强巡查", ""),
            "measures_en": np.where(rank >= 3, "Patrol more", ""),
        },
        geometry=geoms,
        crs=CRS,
    )


def make_hazmat(
    ids: list[str], grades: list[str], xy: list[tuple[float, float]]
) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "id": ids,
            "name": [f"化工厂{i}" for i in ids],
            "grade": grades,
            "address": "工业路1号",
            "responsible_person": "张三",
            "substances": "液氯",
        },
        geometry=[Point(X0 + x, Y0 + y) for x, y in xy],
        crs=CRS,
    )


def make_data(
    hazmat: gpd.GeoDataFrame | None = None, accidents: gpd.GeoDataFrame | None = None
) -> ProjectData:
    kinds = load_layer_kinds()
    if hazmat is None:
        hazmat = make_hazmat(
            ["WH0001", "WH0002", "WH0010", "厂甲"],
            ["一级", "三级", "无", "二级"],
            [(8500, 2500), (500, 500), (2500, 3500), (6500, 5500)],
        )
    flood = gpd.GeoDataFrame(
        {"id": ["HL-7"], "name": ["<script>alert(1)</script>低洼区"], "level": ["高"]},
        geometry=[box(X0 + 6000, Y0, X0 + 9000, Y0 + 2000)],
        crs=CRS,
    )
    hidden = gpd.GeoDataFrame(
        {
            "id": ["420100-YH-0003", "420100-YH-0004"],
            "name": ["消防通道堵塞", "已整改隐患"],
            "grade": ["重大", "一般"],
            "status": ["整改中", "已销号"],
            "overdue": [True, False],
            "listed": [True, False],
        },
        geometry=[Point(X0 + 1500, Y0 + 1500), Point(X0 + 1600, Y0 + 1600)],
        crs=CRS,
    )
    if accidents is None:
        accidents = make_accidents()
    bindings = {
        "hazmat": ("hazmat_enterprise", hazmat),
        "flood": ("flood_zone", flood),
        "register": ("hidden_hazard", hidden),
        "accidents": ("accident", accidents),
    }
    project = Project(
        name="testcity",
        title=Text(zh="测试市", en="Test City"),
        adcode="420100",
        boundary=BoundaryConfig(path="boundary.geojson"),
        districts=BoundaryConfig(path="districts.geojson"),
        levels=LevelConfig(severity_breaks=(2.0, 3.5, 5.0, 6.5)),
        layers=tuple(
            LayerBinding(name=n, kind=k, path=f"{n}.csv") for n, (k, _) in bindings.items()
        ),
    )
    districts = gpd.GeoDataFrame(
        {"adcode": ["420102", "420103"], "name": ["甲区", "乙区"]},
        geometry=[
            box(X0, Y0, X0 + 5 * SIZE, Y0 + NROW * SIZE),
            box(X0 + 5 * SIZE, Y0, X0 + NCOL * SIZE, Y0 + NROW * SIZE),
        ],
        crs=CRS,
    )
    layers = {
        n: Layer(binding=project.binding(n), kind=kinds[k], gdf=g) for n, (k, g) in bindings.items()
    }
    return ProjectData(
        project=project,
        kinds=kinds,
        crs=CRS,
        boundary=box(X0, Y0, X0 + NCOL * SIZE, Y0 + NROW * SIZE),
        districts=districts,
        layers=layers,
        file_hashes={"hazmat.csv": "ab" * 32, "flood.geojson": "cd" * 32},
    )


def make_accidents() -> gpd.GeoDataFrame:
    # 甲区: two in Jan 2024 (1 death), one in Apr 2024; 乙区: one in Feb 2024 (2 deaths).
    return gpd.GeoDataFrame(
        {
            "id": ["A1", "A2", "A3", "A4"],
            "name": ["a", "b", "c", "d"],
            "date": pd.to_datetime(["2024-01-05", "2024-01-20", "2024-04-02", "2024-02-11"]),
            "type": ["火灾", "坍塌", "其他", "爆炸"],
            "deaths": [1, 0, 0, 2],
            "injuries": [0, 3, 1, 0],
            "direct_loss": [10.0, 5.5, 0.0, 100.0],
        },
        geometry=[
            Point(X0 + 500, Y0 + 500),
            Point(X0 + 1500, Y0 + 500),
            Point(X0 + 2500, Y0 + 2500),
            Point(X0 + 7500, Y0 + 500),
        ],
        crs=CRS,
    )


def area_ranks() -> np.ndarray:
    """Two red/orange clusters in 甲区 and one crossing into 乙区 (split by district)."""
    rank = np.ones(NROW * NCOL, dtype=int)
    grid = rank.reshape(NROW, NCOL)
    grid[0, 0] = grid[0, 1] = 4  # cluster A (甲区)
    grid[1, 1] = 3
    grid[4, 0] = 3  # cluster B (甲区), alone
    grid[3, 4] = grid[3, 5] = grid[3, 6] = 3  # crosses the district line at col 4|5
    grid[5, 9] = 2  # yellow: not an area
    return grid.ravel()


# --------------------------------------------------------------------------- sources
