"""Tiny synthetic projects shared by the tests: one factory (:func:`make_project_data`)
that every test project is a call of; a 3 x 3 grid of 1 km cells (the scorecard and
what-if tests); a 6 x 10 city of 1 km cells in UTM 50N with two districts, hazmat sites,
accidents and the register's hazards (inventory, report). A support module, not a test
module: tests import its factories instead of importing each other.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from shapely.geometry import Point, box

from riskmap.config import (
    LayerBinding,
    Project,
    load_layer_kinds,
)
from riskmap.io import Layer, ProjectData

CRS = pyproj.CRS.from_epsg(32650)
X0, Y0 = 240_000.0, 3_390_000.0
SIZE = 1000.0
NROW, NCOL = 6, 10


def make_project_data(
    layers: dict[str, tuple[str, gpd.GeoDataFrame]],
    *,
    boundary: shapely.Geometry,
    districts: gpd.GeoDataFrame,
    crs: str | pyproj.CRS = "EPSG:32650",
    name: str = "test",
    title: tuple[str, str] = ("测试", "Test"),
    adcode: str = "000000",
    suffix: str = ".csv",
    project: dict[str, object] | None = None,
    file_hashes: dict[str, str] | None = None,
) -> ProjectData:
    """The one factory of tiny projects: layers (binding -> (kind, features)) on a boundary
    and districts, with a validated Project around them. Every test's own project (a toy
    square, a 3 x 3 grid, a 6 x 10 grid) is a call of this."""
    kinds = load_layer_kinds()
    bindings = tuple(
        LayerBinding(name=n, kind=k, path=f"{n}{suffix}") for n, (k, _) in layers.items()
    )
    proj = Project.model_validate(
        {
            "name": name,
            "title": {"zh": title[0], "en": title[1]},
            "adcode": adcode,
            "boundary": {"path": "boundary.geojson"},
            "districts": {"path": "districts.geojson"},
            "layers": bindings,
            **(project or {}),
        }
    )
    frames = {n: g.set_crs(crs, allow_override=True) for n, (_, g) in layers.items()}
    return ProjectData(
        project=proj,
        kinds=kinds,
        crs=pyproj.CRS.from_user_input(crs),
        boundary=boundary,
        districts=districts,
        layers={b.name: Layer(binding=b, kind=kinds[b.kind], gdf=frames[b.name]) for b in bindings},
        file_hashes=dict(file_hashes or {}),
    )


# ---- a 3 x 3 grid of 1 km cells: district 甲区 (column 0) and 乙区 (columns 1-2)

GRID3_X0, GRID3_Y0 = 500_000.0, 3_400_000.0
GRID3_CRS = "EPSG:32650"
GRID3_A, GRID3_B = "000001", "000002"


def grid3_centre(r: int, c: int) -> tuple[float, float]:
    """The centre of cell ``r{r}c{c}`` of the 3 x 3 grid."""
    return GRID3_X0 + 500 + 1000 * c, GRID3_Y0 + 500 + 1000 * r


def grid3_cells(levels: list[int] | None = None) -> gpd.GeoDataFrame:
    """The 3 x 3 grid's cells: 2,000 people each but r0c2 (100); levels when given."""
    rc = [(r, c) for r in range(3) for c in range(3)]
    xy = np.array([grid3_centre(r, c) for r, c in rc])
    cols: dict[str, object] = {
        "cell_id": [f"r{r}c{c}" for r, c in rc],
        "district": ["甲区" if c == 0 else "乙区" for _, c in rc],
        "adcode": [GRID3_A if c == 0 else GRID3_B for _, c in rc],
        "area_m2": 1e6,
        "population": [100.0 if (r, c) == (0, 2) else 2000.0 for r, c in rc],
        "x": xy[:, 0],
        "y": xy[:, 1],
    }
    if levels is not None:
        cols["level_rank"] = levels
    geoms = [box(x - 500, y - 500, x + 500, y + 500) for x, y in xy]
    return gpd.GeoDataFrame(cols, geometry=geoms, crs=GRID3_CRS)


def grid3_data(layers: dict[str, tuple[str, gpd.GeoDataFrame]]) -> ProjectData:
    """A project on the 3 x 3 grid with the given layers."""
    x0, y0 = GRID3_X0, GRID3_Y0
    districts = gpd.GeoDataFrame(
        {"adcode": [GRID3_A, GRID3_B], "name": ["甲区", "乙区"]},
        geometry=[box(x0, y0, x0 + 1000, y0 + 3000), box(x0 + 1000, y0, x0 + 3000, y0 + 3000)],
        crs=GRID3_CRS,
    )
    return make_project_data(
        layers, boundary=box(x0, y0, x0 + 3000, y0 + 3000), districts=districts, crs=GRID3_CRS
    )


# ---- a 6 x 10 grid of 1 km cells (the product tests' city)


def city_cells(rank: np.ndarray | None = None) -> gpd.GeoDataFrame:
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


def city_data(
    hazmat: gpd.GeoDataFrame | None = None, accidents: gpd.GeoDataFrame | None = None
) -> ProjectData:
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
    districts = gpd.GeoDataFrame(
        {"adcode": ["420102", "420103"], "name": ["甲区", "乙区"]},
        geometry=[
            box(X0, Y0, X0 + 5 * SIZE, Y0 + NROW * SIZE),
            box(X0 + 5 * SIZE, Y0, X0 + NCOL * SIZE, Y0 + NROW * SIZE),
        ],
        crs=CRS,
    )
    return make_project_data(
        bindings,
        boundary=box(X0, Y0, X0 + NCOL * SIZE, Y0 + NROW * SIZE),
        districts=districts,
        crs=CRS,
        name="testcity",
        title=("测试市", "Test City"),
        adcode="420100",
        project={"levels": {"severity_breaks": (2.0, 3.5, 5.0, 6.5)}},
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


# ---- a project on disk (for what reading the files does)


def write_tiny_project(
    root: Path, boundary: list[shapely.Geometry], *, working_crs: str = "auto"
) -> Path:
    """A project folder in WGS84 near Wuhan: the boundary (its parts as given), one district
    covering it, and a population layer of two points. Returns the project.yaml."""
    root.mkdir(parents=True, exist_ok=True)
    gpd.GeoDataFrame(geometry=[shapely.union_all(boundary)], crs="EPSG:4326").to_file(
        root / "boundary.geojson"
    )
    gpd.GeoDataFrame(
        {"adcode": ["420102"], "name": ["甲区"]},
        geometry=[shapely.union_all(boundary)],
        crs="EPSG:4326",
    ).to_file(root / "districts.geojson")
    (root / "pop.csv").write_text(
        "id,count,lon,lat\np1,1000,114.292,30.590\np2,3000,114.322,30.590\n"
    )
    (root / "project.yaml").write_text(
        "name: tiny\ntitle: {zh: 小城, en: Tiny}\nadcode: '420100'\n"
        f"working_crs: {working_crs}\n"
        "boundary: {path: boundary.geojson}\ndistricts: {path: districts.geojson}\n"
        "layers:\n  - {name: pop, kind: population, path: pop.csv, x: lon, y: lat}\n",
        encoding="utf-8",
    )
    return root / "project.yaml"


def write_tiny_province(root: Path) -> Path:
    """A province folder in WGS84 near Wuhan: two cities (west 420100, east 420200) of two
    counties each, six gas stations and two population points in each county. Returns
    the project.yaml."""
    root.mkdir(parents=True, exist_ok=True)
    x0, x1, xm, y0, y1, ym = 114.20, 114.40, 114.30, 30.50, 30.70, 30.60
    whole = shapely.box(x0, y0, x1, y1)
    cities = {"420100": ("西市", shapely.box(x0, y0, xm, y1)),
              "420200": ("东市", shapely.box(xm, y0, x1, y1))}  # fmt: skip
    counties = {
        "420102": ("西南县", shapely.box(x0, y0, xm, ym)),
        "420103": ("西北县", shapely.box(x0, ym, xm, y1)),
        "420202": ("东南县", shapely.box(xm, y0, x1, ym)),
        "420203": ("东北县", shapely.box(xm, ym, x1, y1)),
    }
    gpd.GeoDataFrame(geometry=[whole], crs="EPSG:4326").to_file(root / "province.geojson")
    for name, units in (("cities", cities), ("counties", counties)):
        gpd.GeoDataFrame(
            {"adcode": list(units), "name": [v[0] for v in units.values()]},
            geometry=[v[1] for v in units.values()],
            crs="EPSG:4326",
        ).to_file(root / f"{name}.geojson")
    gas, pop = ["id,name,lon,lat"], ["id,count,lon,lat"]
    for code, (_, shape) in counties.items():
        bx0, by0, bx1, by1 = shape.bounds
        for i in range(6):
            lon, lat = bx0 + (bx1 - bx0) * (0.2 + 0.12 * i), by0 + (by1 - by0) * (0.3 + 0.08 * i)
            gas.append(f"g{code}{i},加油站{code}-{i},{lon:.5f},{lat:.5f}")
        for i in range(2):
            lon, lat = bx0 + (bx1 - bx0) * (0.3 + 0.4 * i), by0 + (by1 - by0) * 0.5
            pop.append(f"p{code}{i},{1000 * (i + 1)},{lon:.5f},{lat:.5f}")
    (root / "gas.csv").write_text("\n".join(gas) + "\n", encoding="utf-8")
    (root / "pop.csv").write_text("\n".join(pop) + "\n", encoding="utf-8")
    (root / "project.yaml").write_text(
        "name: tinyprov\ntitle: {zh: 小省, en: Tiny province}\nadcode: '420000'\n"
        "boundary: {path: province.geojson}\ndistricts: {path: cities.geojson}\n"
        "counties: {path: counties.geojson}\ngrid: {cell_size: 1000}\n"
        "layers:\n  - {name: gas, kind: gas_station, path: gas.csv, x: lon, y: lat}\n"
        "  - {name: pop, kind: population, path: pop.csv, x: lon, y: lat}\n",
        encoding="utf-8",
    )
    return root / "project.yaml"


# ---- a bare square lattice (analysis: neighbours, hot spots)


def lattice(n_rows: int, n_cols: int, size: float = 100.0) -> gpd.GeoDataFrame:
    """An unclipped square grid (cell ids r{row}c{col}, centres x, y) in a metric CRS."""
    rows, cols = np.divmod(np.arange(n_rows * n_cols), n_cols)
    x0, y0 = 500_000.0, 3_400_000.0
    cells = gpd.GeoDataFrame(
        {
            "cell_id": [f"r{r}c{c}" for r, c in zip(rows, cols, strict=True)],
            "x": x0 + (cols + 0.5) * size,
            "y": y0 + (rows + 0.5) * size,
            "area_m2": size * size,
        },
        geometry=shapely.box(
            x0 + cols * size, y0 + rows * size, x0 + (cols + 1) * size, y0 + (rows + 1) * size
        ),
        crs="EPSG:32650",
    )
    cells.attrs["grid"] = {"kind": "square", "cell_size": size}
    return cells


PHOTO_PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00"
    b"\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe"
    b"\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82"
)
"""A real 1x1 PNG (a rectification photo for the register's tests)."""


def accept(reg: Any, number: str, by: str = "验收组", **kwargs: Any) -> None:
    """Attach a rectification photo to a hazard awaiting acceptance and accept it."""
    reg.attach(number, PHOTO_PNG, "整改后.png", stage="rectification", by=by)
    reg.move(number, "closed", by=by, **kwargs)
