"""Generate the synthetic Wuhan demo layers in data/wuhan/ (seeded, deterministic).

Everything except the boundaries (scripts/build_boundaries.py) and the district population
totals (7th national census) is synthetic: plausible in count, mix and place, but not real
facilities. data/wuhan/README.md documents every file and the rules used here.

Points are drawn in the metric CGCS2000 Gauss-Kruger zone CM 114E (EPSG:4547), inside the
real district polygons, kept 30 m inside the city boundary and off an approximate water mask
(a hand-drawn Yangtze and Han centreline with a buffer, and ellipses for the big lakes), then
written in the coordinate systems and file formats that city departments really hand over:
GBK CSV in GCJ-02, UTF-8 CSV with and without BOM, XLSX, GeoJSON, GeoPackage, a zipped
Shapefile in EPSG:4547, a CSV in BD-09.

Each layer draws from its own random stream, derived from SEED and the layer's name, so
changing one layer does not move the others.

Usage::

    python scripts/build_boundaries.py && python scripts/make_wuhan_demo.py [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import openpyxl
import pandas as pd
import pyogrio
import shapely
import shapely.affinity
from openpyxl.styles import Font

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from riskmap.io.crs import from_wgs84_geometries, from_wgs84_xy, to_wgs84_xy  # noqa: E402

SEED = 20210101
METRIC = "EPSG:4547"
"""CGCS2000 / 3-degree Gauss-Kruger CM 114E: the metric CRS used to generate (and of two files)."""
OUT_DIR = REPO_ROOT / "data" / "wuhan"
FIXED_TIME = (2021, 1, 1, 0, 0, 0)
"""Timestamp written into zip members and file headers so re-runs give the same bytes."""

FloatArray = npt.NDArray[np.float64]
Names = Sequence[str] | npt.NDArray[Any]
"""District (or other) names: a list, or an object array from a frame column."""

# ----------------------------------------------------------------------------- census

CENSUS_TOTAL = 12_326_518
"""Resident population of Wuhan, 7th national census (2020-11-01)."""

CENSUS_AREAS: dict[str, int] = {
    "江岸区": 965_260,
    "江汉区": 647_932,
    "硚口区": 666_661,
    "汉阳区": 837_263,
    "武昌区": 1_092_750,
    "青山区": 463_295,
    "洪山区": 1_728_811,
    "东西湖区": 845_782,
    "蔡甸区": 554_383,
    "江夏区": 974_715,
    "黄陂区": 1_151_644,
    "新洲区": 860_377,
    "武汉经开": 481_338,
    "东湖高新": 935_146,
    "东湖风景": 121_161,
}
"""The 15 areas of the census bulletin (12 districts + 3 functional zones; 汉南 is inside 经开)."""

HANNAN_IN_JINGKAI = 145_103

FUNCTIONAL_ZONE_SHARES: dict[str, dict[str, float]] = {
    "武汉经开": {"汉南区": HANNAN_IN_JINGKAI / CENSUS_AREAS["武汉经开"]},  # the rest -> 蔡甸区
    "东湖高新": {"洪山区": 0.7},  # the rest -> 江夏区
    "东湖风景": {"洪山区": 0.6},  # the rest -> 武昌区
}
_ZONE_REST = {"武汉经开": "蔡甸区", "东湖高新": "江夏区", "东湖风景": "武昌区"}


def allocate_census() -> dict[str, int]:
    """Census population by administrative district, functional zones allocated.

    武汉经开: 汉南区 gets its published 145,103, the rest goes to 蔡甸区; 东湖高新: 70 %
    洪山区, 30 % 江夏区; 东湖风景: 60 % 洪山区, 40 % 武昌区 (shares rounded to whole people).

    Returns
    -------
    dict
        District name -> people; the values add up to 12,326,518.
    """
    out = {k: v for k, v in CENSUS_AREAS.items() if k.endswith("区")}
    out["汉南区"] = 0
    for zone, shares in FUNCTIONAL_ZONE_SHARES.items():
        total = CENSUS_AREAS[zone]
        given = 0
        for district, share in shares.items():
            n = round(total * share)
            out[district] += n
            given += n
        out[_ZONE_REST[zone]] += total - given
    if sum(out.values()) != CENSUS_TOTAL:
        raise AssertionError("census allocation does not add up")
    return out


# ------------------------------------------------------------------ hand-drawn geography
# Approximate centrelines in WGS84 (lon, lat), drawn by eye over the district boundaries,
# which run mid-river: good to roughly 0.5-1 km, not a survey.

YANGTZE: tuple[tuple[float, float], ...] = (
    (113.78, 30.205),
    (113.86, 30.195),
    (113.90, 30.255),
    (113.94, 30.293),
    (113.97, 30.298),
    (114.01, 30.270),
    (114.04, 30.225),
    (114.07, 30.232),
    (114.085, 30.270),
    (114.10, 30.330),
    (114.13, 30.365),
    (114.17, 30.405),
    (114.20, 30.450),
    (114.235, 30.478),
    (114.265, 30.510),
    (114.283, 30.545),
    (114.300, 30.580),
    (114.330, 30.626),
    (114.370, 30.662),
    (114.420, 30.684),
    (114.480, 30.690),
    (114.520, 30.678),
    (114.548, 30.650),
    (114.568, 30.602),
    (114.592, 30.568),
    (114.630, 30.560),
    (114.700, 30.585),
    (114.790, 30.622),
    (114.840, 30.645),
)
HAN: tuple[tuple[float, float], ...] = (
    (113.96, 30.620),
    (114.00, 30.606),
    (114.02, 30.602),
    (114.05, 30.588),
    (114.08, 30.596),
    (114.12, 30.597),
    (114.16, 30.602),
    (114.19, 30.584),
    (114.22, 30.580),
    (114.25, 30.570),
    (114.285, 30.565),
)
YANGTZE_HALF_WIDTH_M = 750.0
HAN_HALF_WIDTH_M = 150.0
LAKES: tuple[tuple[str, float, float, float, float, float], ...] = (
    # name, lon, lat, semi-axis east (km), semi-axis north (km), rotation (deg)
    ("东湖", 114.405, 30.560, 3.4, 2.0, 10.0),
    ("南湖", 114.345, 30.500, 1.6, 0.8, 0.0),
    ("汤逊湖", 114.380, 30.430, 5.5, 1.8, -10.0),
    ("严西湖", 114.480, 30.580, 2.4, 1.4, 0.0),
    ("梁子湖", 114.580, 30.250, 4.0, 3.0, 30.0),
    ("斧头湖", 114.240, 30.075, 4.0, 3.0, 0.0),
    ("鲁湖", 114.170, 30.170, 2.8, 2.0, 0.0),
    ("后官湖", 114.100, 30.500, 3.0, 1.8, 20.0),
    ("沉湖", 113.850, 30.330, 2.5, 2.0, 0.0),
    ("武湖", 114.460, 30.760, 2.5, 2.0, 0.0),
    ("涨渡湖", 114.720, 30.690, 3.5, 2.5, 0.0),
    ("金银湖", 114.180, 30.655, 1.5, 1.0, 0.0),
)

# Population density: (lon, lat, amplitude, sigma km); normalised per district afterwards.
DENSITY_CENTRES: tuple[tuple[float, float, float, float], ...] = (
    (114.280, 30.590, 10.0, 3.5),  # 汉口 core
    (114.300, 30.555, 8.0, 3.0),  # 武昌 core
    (114.245, 30.555, 5.0, 2.5),  # 汉阳
    (114.300, 30.640, 5.0, 2.5),  # 后湖
    (114.380, 30.625, 4.0, 2.5),  # 青山
    (114.350, 30.530, 5.0, 3.0),  # 街道口-鲁巷
    (114.420, 30.500, 5.0, 3.5),  # 光谷
    (114.160, 30.490, 3.0, 3.0),  # 沌口
    (114.140, 30.640, 3.0, 3.0),  # 吴家山
    (114.270, 30.710, 2.5, 2.5),  # 盘龙城
    (114.320, 30.360, 3.0, 3.0),  # 纸坊
    (114.380, 30.880, 3.0, 3.0),  # 前川
    (114.800, 30.850, 3.0, 3.0),  # 邾城
    (114.560, 30.680, 2.5, 3.0),  # 阳逻
    (114.030, 30.580, 2.5, 3.0),  # 蔡甸城关
    (114.070, 30.320, 2.5, 3.0),  # 纱帽
)
CITY_CENTRE = (114.295, 30.580)

# ----------------------------------------------------------------------- name pools


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


SURNAMES = tuple(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏吕丁沈姚卢姜钟谭陆汪范金石廖夏付方邹熊秦江雷"
)
GIVEN = tuple(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华红建文辉力斌波宁峰鹏俊凯浩亮琳晶燕玲丹倩婷雪梅林宇晨志国庆海"
)
BRANDS = _words(
    "鑫达 华润 长江 江城 楚天 东湖 晴川 龟山 琴台 光谷 盘龙 木兰 汤逊 天河 临空 金银湖 "
    "汉江 荆楚 兴发 恒信 中原 华星 鼎盛 宏图 瑞丰 嘉禾 安达 昌盛 九州 新源 宝丰 远大 "
    "汇通 联创 正大 富华 信达 永昌 德胜 天成"
)
PLACES: dict[str, tuple[str, ...]] = {
    "江岸区": _words(
        "后湖 百步亭 二七 大智 一元 球场 劳动 台北 西马 丹水池 谌家矶 塔子湖 永清 车站 四唯 新村"
    ),
    "江汉区": _words("汉兴 唐家墩 北湖 常青 民权 万松 前进 民意 新华 水塔 花楼 满春"),
    "硚口区": _words("宗关 汉中 汉水桥 宝丰 荣华 古田 韩家墩 易家墩 长丰 汉正 六角亭"),
    "汉阳区": _words("四新 晴川 鹦鹉 洲头 五里墩 琴断口 江堤 永丰 龙阳 建桥 江汉二桥"),
    "武昌区": _words("积玉桥 杨园 徐家棚 粮道 中华路 黄鹤楼 紫阳 白沙洲 首义 中南 水果湖 珞珈山"),
    "青山区": _words("红卫路 冶金 新沟桥 工人村 厂前 钢花村 白玉山 青山镇 武东 八吉府 北湖"),
    "洪山区": _words(
        "珞南 关山 狮子山 张家湾 梨园 卓刀泉 洪山 和平 青菱 天兴 花山 九峰 左岭 佛祖岭 豹澥 龙泉"
    ),
    "东西湖区": _words("吴家山 将军路 慈惠 走马岭 径河 长青 辛安渡 东山 柏泉 新沟 金银湖"),
    "汉南区": _words("纱帽 邓南 东荆 湘口 乌金 银莲湖"),
    "蔡甸区": _words("蔡甸 奓山 永安 侏儒山 大集 张湾 索河 玉贤 消泗 沌口 军山 沌阳 常福"),
    "江夏区": _words("纸坊 金口 乌龙泉 郑店 五里界 安山 山坡 法泗 湖泗 舒安 庙山 藏龙岛 流芳 滨湖"),
    "黄陂区": _words(
        "前川 祁家湾 横店 罗汉寺 滠口 六指 天河 王家河 长轩岭 李家集 姚家集 蔡榨 武湖 三里桥 蔡店 盘龙城"
    ),
    "新洲区": _words("邾城 阳逻 仓埠 汪集 李集 三店 潘塘 旧街 双柳 涨渡湖 辛冲 徐古 凤凰"),
}
ROADS: dict[str, tuple[str, ...]] = {
    "江岸区": _words("解放大道 建设大道 沿江大道 黄浦大街 后湖大道 二七路 堤角路"),
    "江汉区": _words("新华路 青年路 发展大道 唐家墩路 解放大道 建设大道 江汉路"),
    "硚口区": _words("解放大道 中山大道 古田二路 长丰大道 汉西一路 京汉大道 宝丰路"),
    "汉阳区": _words("龙阳大道 汉阳大道 鹦鹉大道 四新大道 江城大道 墨水湖北路 芳草路"),
    "武昌区": _words("中北路 武珞路 徐东大街 和平大道 友谊大道 八一路 白沙洲大道 中山路"),
    "青山区": _words("和平大道 建设一路 冶金大道 工人村路 青化路 友谊大道 临江大道"),
    "洪山区": _words("珞喻路 雄楚大道 关山大道 光谷大道 高新大道 民族大道 青化路 白沙洲大道"),
    "东西湖区": _words("金山大道 东吴大道 临空港大道 马池路 吴家山大道 汉丹路"),
    "汉南区": _words("汉南大道 纱帽大道 兴城大道 通航大道"),
    "蔡甸区": _words("蔡甸大街 知音湖大道 沌阳大道 东风大道 车城大道 汉阳大道"),
    "江夏区": _words("文化大道 纸坊大街 江夏大道 庙山大道 藏龙大道 107国道"),
    "黄陂区": _words("黄陂大道 前川大道 木兰大道 汉口北大道 岱黄公路 盘龙大道"),
    "新洲区": _words("邾城大街 新洲大道 港城大道 平江东路 阳逻大道 318国道"),
}
COMMUNITY_CHARS = tuple(
    "青和平兴华新建民安永丰福康盛东南金玉花园桥湖山江明振联红星前进友谊长春胜惠育才滨锦绣紫荆翠柳梅竹松桂莲丹凤龙泉清泰宁瑞祥德馨"
)

DISTRICT_ORDER = (
    "江岸区",
    "江汉区",
    "硚口区",
    "汉阳区",
    "武昌区",
    "青山区",
    "洪山区",
    "东西湖区",
    "汉南区",
    "蔡甸区",
    "江夏区",
    "黄陂区",
    "新洲区",
)
CENTRAL = ("江岸区", "江汉区", "硚口区", "汉阳区", "武昌区", "青山区", "洪山区")
OUTER = ("东西湖区", "汉南区", "蔡甸区", "江夏区", "黄陂区", "新洲区")


# ------------------------------------------------------------------------- the world


@dataclass(frozen=True)
class _World:
    """Geography in EPSG:4547 shared by every layer."""

    districts: gpd.GeoDataFrame  # adcode, name, geometry
    boundary: shapely.Geometry
    water: shapely.Geometry
    land: shapely.Geometry  # boundary shrunk by 30 m, minus water; prepared
    cells: gpd.GeoDataFrame  # 1 km population pieces: id, adcode, district, count, geometry
    tree: shapely.STRtree


def _rng(layer: str) -> np.random.Generator:
    return np.random.default_rng([SEED, zlib.crc32(layer.encode("utf-8"))])


def _to_metric_xy(
    lon: Sequence[float] | FloatArray, lat: Sequence[float] | FloatArray
) -> tuple[FloatArray, FloatArray]:
    return from_wgs84_xy(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float), METRIC)


def _line(coords: Sequence[tuple[float, float]]) -> shapely.LineString:
    x, y = _to_metric_xy([c[0] for c in coords], [c[1] for c in coords])
    return shapely.LineString(np.column_stack([x, y]))


def _water_geometry() -> shapely.Geometry:
    parts = [
        _line(YANGTZE).buffer(YANGTZE_HALF_WIDTH_M, quad_segs=4),
        _line(HAN).buffer(HAN_HALF_WIDTH_M, quad_segs=4),
    ]
    for _, lon, lat, ax, ay, rot in LAKES:
        x, y = _to_metric_xy([lon], [lat])
        circle = shapely.Point(0, 0).buffer(1.0, quad_segs=8)
        ellipse = shapely.affinity.scale(circle, ax * 1000, ay * 1000, origin=(0, 0))
        ellipse = shapely.affinity.rotate(ellipse, rot, origin=(0, 0))
        parts.append(shapely.affinity.translate(ellipse, float(x[0]), float(y[0])))
    return shapely.union_all(parts)


N_TOWNS = 80
"""Small synthetic township centres scattered over the outer districts (seeded)."""


def _town_centres(
    districts: gpd.GeoDataFrame,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    rng = _rng("towns")
    outer = shapely.union_all(
        districts.geometry.to_numpy()[districts["name"].isin(OUTER).to_numpy()]
    )
    minx, miny, maxx, maxy = outer.bounds
    x = rng.uniform(minx, maxx, 20 * N_TOWNS)
    y = rng.uniform(miny, maxy, 20 * N_TOWNS)
    ok = shapely.contains_xy(outer, x, y)
    x, y = x[ok][:N_TOWNS], y[ok][:N_TOWNS]
    return x, y, rng.uniform(0.2, 0.8, N_TOWNS), rng.uniform(700, 1500, N_TOWNS)


def _density(x: FloatArray, y: FloatArray, districts: gpd.GeoDataFrame) -> FloatArray:
    lon = np.array([c[0] for c in DENSITY_CENTRES])
    lat = np.array([c[1] for c in DENSITY_CENTRES])
    cx, cy = _to_metric_xy(lon, lat)
    amp = np.array([c[2] for c in DENSITY_CENTRES])
    sigma = np.array([c[3] for c in DENSITY_CENTRES]) * 1000.0
    tx, ty, tamp, tsigma = _town_centres(districts)
    cx, cy = np.concatenate([cx, tx]), np.concatenate([cy, ty])
    amp, sigma = np.concatenate([amp, tamp]), np.concatenate([sigma, tsigma])
    d2 = (x[:, None] - cx[None, :]) ** 2 + (y[:, None] - cy[None, :]) ** 2
    smooth = 0.04 + (amp[None, :] * np.exp(-d2 / (2 * sigma[None, :] ** 2))).sum(axis=1)
    noise = _rng("population").lognormal(0.0, 0.35, len(x))
    return smooth * noise


def _largest_remainder(weights: FloatArray, total: int) -> npt.NDArray[np.int64]:
    share = weights / weights.sum() * total
    base = np.floor(share).astype(np.int64)
    rest = total - int(base.sum())
    order = np.lexsort((np.arange(len(share)), -(share - base)))
    base[order[:rest]] += 1
    return base


def _population_cells(districts: gpd.GeoDataFrame, water: shapely.Geometry) -> gpd.GeoDataFrame:
    """1 km squares (snapped to multiples of 1 km) split by district, with census totals."""
    minx, miny, maxx, maxy = shapely.total_bounds(districts.geometry.to_numpy())
    xs = np.arange(np.floor(minx / 1000) * 1000, maxx, 1000.0)
    ys = np.arange(np.floor(miny / 1000) * 1000, maxy, 1000.0)
    gx, gy = np.meshgrid(xs, ys)
    boxes = shapely.box(gx.ravel(), gy.ravel(), gx.ravel() + 1000, gy.ravel() + 1000)
    tree = shapely.STRtree(districts.geometry.to_numpy())
    box_i, dist_i = tree.query(boxes, predicate="intersects")
    pieces = shapely.intersection(
        boxes[box_i], districts.geometry.to_numpy()[dist_i], grid_size=0.01
    )
    pieces = shapely.get_parts(pieces, return_index=True)
    geoms, which = pieces
    keep = (shapely.get_type_id(geoms) == 3) & (shapely.area(geoms) > 100.0)
    # Re-assemble multi-part pieces of the same (box, district) pair.
    frame = gpd.GeoDataFrame({"pair": which[keep]}, geometry=geoms[keep], crs=METRIC).dissolve(
        by="pair", sort=True
    )
    pair = frame.index.to_numpy()
    bi, di = box_i[pair], dist_i[pair]
    geom = frame.geometry.to_numpy()
    allocation = allocate_census()
    names = districts["name"].to_numpy()[di]
    adcodes = districts["adcode"].to_numpy()[di]
    cx, cy = gx.ravel()[bi], gy.ravel()[bi]
    centroid = shapely.centroid(geom)
    dens = _density(shapely.get_x(centroid), shapely.get_y(centroid), districts)
    land_area = shapely.area(geom) - shapely.area(shapely.intersection(geom, water))
    weight = dens * np.maximum(land_area, 0.03 * shapely.area(geom))
    count = np.zeros(len(geom), dtype=np.int64)
    for name in DISTRICT_ORDER:
        sel = names == name
        count[sel] = _largest_remainder(weight[sel], allocation[name])
    ids = np.array(
        [
            f"E{int(a) // 1000:03d}N{int(b) // 1000:04d}-{c}"
            for a, b, c in zip(cx, cy, adcodes, strict=True)
        ]
    )
    out = gpd.GeoDataFrame(
        {"grid_id": ids, "adcode": adcodes, "district": names, "pop2020": count},
        geometry=geom,
        crs=METRIC,
    )
    return out.sort_values("grid_id", kind="stable").reset_index(drop=True)


def _load_world(boundary_dir: Path) -> _World:
    d = gpd.read_file(boundary_dir / "districts.geojson")
    geoms = from_wgs84_geometries(d.geometry.to_numpy(), METRIC)
    districts = gpd.GeoDataFrame(
        {"adcode": d["adcode"].astype(str), "name": d["name"]}, geometry=geoms, crs=METRIC
    )
    boundary = shapely.union_all(geoms)
    water = _water_geometry()
    land = shapely.difference(shapely.buffer(boundary, -30.0), water)
    shapely.prepare(land)
    cells = _population_cells(districts, water)
    tree = shapely.STRtree(districts.geometry.to_numpy())
    return _World(districts, boundary, water, land, cells, tree)


# ------------------------------------------------------------------------- sampling


def _take(
    ok: npt.NDArray[np.bool_], x: FloatArray, y: FloatArray, need: int
) -> tuple[FloatArray, FloatArray]:
    return x[ok][:need], y[ok][:need]


def _collect(
    draw: Callable[[int], tuple[FloatArray, FloatArray, npt.NDArray[np.bool_]]], n: int
) -> tuple[FloatArray, FloatArray]:
    xs: list[FloatArray] = []
    ys: list[FloatArray] = []
    got = 0
    for _ in range(200):
        if got >= n:
            break
        x, y, ok = draw(max(2 * (n - got), 16))
        tx, ty = _take(ok, x, y, n - got)
        xs.append(tx)
        ys.append(ty)
        got += len(tx)
    if got < n:
        raise RuntimeError("could not place enough points: the sampling region is too small")
    return np.concatenate(xs), np.concatenate(ys)


def _in_region(
    world: _World, x: FloatArray, y: FloatArray, region: shapely.Geometry | None
) -> npt.NDArray[np.bool_]:
    ok = shapely.contains_xy(world.land, x, y)
    if region is not None:
        ok &= shapely.contains_xy(region, x, y)
    return ok


def _sample_population(
    rng: np.random.Generator,
    world: _World,
    n: int,
    *,
    power: float = 1.0,
    region: shapely.Geometry | None = None,
    districts: Sequence[str] | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Points with density following population ** power."""
    cells = world.cells
    weight = cells["pop2020"].to_numpy(dtype=float) ** power
    if districts is not None:
        weight = np.where(cells["district"].isin(districts).to_numpy(), weight, 0.0)
    p = weight / weight.sum()
    geoms = cells.geometry.to_numpy()
    bounds = shapely.bounds(geoms)
    if region is not None:
        shapely.prepare(region)

    def draw(m: int) -> tuple[FloatArray, FloatArray, npt.NDArray[np.bool_]]:
        idx = rng.choice(len(p), size=m, p=p)
        b = bounds[idx]
        x = rng.uniform(b[:, 0], b[:, 2])
        y = rng.uniform(b[:, 1], b[:, 3])
        ok = shapely.contains_xy(geoms[idx], x, y) & _in_region(world, x, y, region)
        return x, y, ok

    return _collect(draw, n)


def _sample_near(
    rng: np.random.Generator,
    world: _World,
    centres: Sequence[tuple[float, float]],
    sigma_km: float,
    n: int,
    *,
    region: shapely.Geometry | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Points scattered (Gaussian) around WGS84 centres, on land."""
    cx, cy = _to_metric_xy([c[0] for c in centres], [c[1] for c in centres])
    if region is not None:
        shapely.prepare(region)

    def draw(m: int) -> tuple[FloatArray, FloatArray, npt.NDArray[np.bool_]]:
        k = rng.integers(0, len(cx), size=m)
        x = cx[k] + rng.normal(0, sigma_km * 1000, size=m)
        y = cy[k] + rng.normal(0, sigma_km * 1000, size=m)
        return x, y, _in_region(world, x, y, region)

    return _collect(draw, n)


def _sample_uniform(
    rng: np.random.Generator, world: _World, region: shapely.Geometry, n: int
) -> tuple[FloatArray, FloatArray]:
    """Points uniform over the land part of a region."""
    minx, miny, maxx, maxy = region.bounds
    shapely.prepare(region)

    def draw(m: int) -> tuple[FloatArray, FloatArray, npt.NDArray[np.bool_]]:
        x = rng.uniform(minx, maxx, size=m)
        y = rng.uniform(miny, maxy, size=m)
        return x, y, _in_region(world, x, y, region)

    return _collect(draw, n)


def _district_geom(world: _World, *names: str) -> shapely.Geometry:
    d = world.districts
    return shapely.union_all(d.geometry.to_numpy()[d["name"].isin(names).to_numpy()])


def _region_box(lon0: float, lat0: float, lon1: float, lat1: float) -> shapely.Geometry:
    lon = np.linspace(lon0, lon1, 9)
    lat = np.linspace(lat0, lat1, 9)
    ring = list(zip(lon, [lat0] * 9, strict=True)) + list(zip([lon1] * 9, lat, strict=True))
    ring += list(zip(lon[::-1], [lat1] * 9, strict=True)) + list(
        zip([lon0] * 9, lat[::-1], strict=True)
    )
    x, y = _to_metric_xy([c[0] for c in ring], [c[1] for c in ring])
    return shapely.Polygon(np.column_stack([x, y]))


def _district_of(world: _World, x: FloatArray, y: FloatArray) -> npt.NDArray[np.object_]:
    pts = shapely.points(x, y)
    pi, di = world.tree.query(pts, predicate="intersects")
    out = np.full(len(pts), "", dtype=object)
    first = np.unique(pi, return_index=True)[1]
    out[pi[first]] = world.districts["name"].to_numpy()[di[first]]
    if (out == "").any():
        raise RuntimeError("a point fell outside every district")
    return out


# ----------------------------------------------------------------------------- names


def _ids(prefix: str, n: int, width: int = 4) -> list[str]:
    return [f"{prefix}{i:0{width}d}" for i in range(1, n + 1)]


def _people(rng: np.random.Generator, n: int) -> list[str]:
    s = rng.integers(0, len(SURNAMES), n)
    g1 = rng.integers(0, len(GIVEN), n)
    g2 = rng.integers(0, len(GIVEN), n)
    two = rng.random(n) < 0.6
    return [
        SURNAMES[a] + GIVEN[b] + (GIVEN[c] if t else "")
        for a, b, c, t in zip(s, g1, g2, two, strict=True)
    ]


def _pick(rng: np.random.Generator, pool: Sequence[str], n: int) -> list[str]:
    return [pool[i] for i in rng.integers(0, len(pool), n)]


def _place(rng: np.random.Generator, districts: Names) -> list[str]:
    return [PLACES[d][rng.integers(0, len(PLACES[d]))] for d in districts]


def _addresses(rng: np.random.Generator, districts: Names) -> list[str]:
    nums = rng.integers(1, 999, len(districts))
    return [
        f"武汉市{d}{ROADS[d][rng.integers(0, len(ROADS[d]))]}{k}号"
        for d, k in zip(districts, nums, strict=True)
    ]


def _unique(names: Sequence[str]) -> list[str]:
    """Names made unique by numbering repeats: 'X', 'X（二）', 'X（三）' ..."""
    seen: dict[str, int] = {}
    digits = "一二三四五六七八九十"
    out = []
    for name in names:
        k = seen.get(name, 0)
        seen[name] = k + 1
        out.append(name if k == 0 else f"{name}（{digits[k] if k < 10 else k + 1}）")
    return out


def _communities(rng: np.random.Generator, districts: Names) -> list[str]:
    a = rng.integers(0, len(COMMUNITY_CHARS), len(districts))
    b = rng.integers(0, len(COMMUNITY_CHARS), len(districts))
    return [COMMUNITY_CHARS[i] + COMMUNITY_CHARS[j] for i, j in zip(a, b, strict=True)]


def _contact(rng: np.random.Generator, districts: Names) -> dict[str, Any]:
    """The district, address and responsible-person columns of a point layer (in that order)."""
    return {
        "district": districts,
        "address": _addresses(rng, districts),
        "responsible_person": _people(rng, len(districts)),
    }


def _short(district: str) -> str:
    return district[:-1]


# ---------------------------------------------------------------------------- layers
# Each layer function returns a DataFrame with canonical field names plus x, y (EPSG:4547)
# for point layers, or a GeoDataFrame in EPSG:4547 for lines and polygons.


def _frame(x: FloatArray, y: FloatArray, **columns: Any) -> pd.DataFrame:
    df = pd.DataFrame(columns)
    df["x"] = x
    df["y"] = y
    return df


HAZMAT_CLUSTERS: tuple[tuple[str, float, float, float, int, float], ...] = (
    # label, lon, lat, sigma km, count, size factor (bigger -> higher grades)
    ("武钢-武汉石化", 114.440, 30.630, 2.0, 60, 1.2),
    ("化工区", 114.515, 30.605, 1.5, 45, 1.4),
    ("洪山东北", 114.545, 30.540, 2.0, 20, 0.6),
    ("东西湖", 114.130, 30.665, 3.5, 35, 0.4),
    ("经开-沌口", 114.160, 30.490, 2.5, 25, 0.5),
    ("汉南", 114.080, 30.320, 2.5, 15, 0.5),
    ("蔡甸常福", 113.980, 30.500, 2.5, 10, 0.3),
    ("江夏", 114.320, 30.330, 3.5, 20, 0.3),
    ("黄陂滠口", 114.330, 30.730, 2.5, 15, 0.2),
    ("阳逻", 114.560, 30.690, 2.5, 20, 0.8),
)
HAZMAT_GRADE_COUNTS = {"一级": 12, "二级": 28, "三级": 60, "四级": 90, "无": 110}
HAZMAT_TRADES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("石油化工", ("液化石油气", "汽油", "柴油", "苯", "乙烯", "丙烯")),
    ("化工", ("液氨", "氯气", "甲醇", "甲醛", "硫酸", "二甲苯")),
    ("精细化工", ("甲醇", "丙酮", "乙酸乙酯", "甲苯")),
    ("气体", ("氢气", "乙炔", "液氧", "液氨")),
    ("燃气", ("天然气", "液化石油气")),
    ("危险品仓储", ("汽油", "柴油", "甲醇", "乙醇")),
    ("新材料科技", ("环氧乙烷", "甲苯", "丙烯")),
    ("制药", ("乙醇", "甲醇", "丙酮")),
    ("冷链食品", ("液氨",)),
)


def with_validity(hazmat: pd.DataFrame) -> pd.DataFrame:
    """Opening and closing dates for a few enterprises (the rest: empty), so that an
    assessment as of a date sees the enterprises of that date: 12 opened in 2021, 10
    closed in 2020 or 2021."""
    rng = _rng("hazmat-validity")
    out = hazmat.copy()
    out["valid_from"] = ""
    out["valid_to"] = ""
    picked = rng.choice(len(out), size=22, replace=False)
    days = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 731, size=22), "D")
    for k, (row, day) in enumerate(zip(picked, days, strict=True)):
        column = "valid_from" if k < 12 else "valid_to"
        when = day if column == "valid_to" else pd.Timestamp("2021-01-01") + (day - days.min()) / 2
        out.iloc[row, out.columns.get_loc(column)] = when.strftime("%Y-%m-%d")
    return out


def make_hazmat(world: _World) -> pd.DataFrame:
    """About 300 hazardous-chemical enterprises with grades, R values and substances."""
    rng = _rng("hazmat")
    xs, ys, size = [], [], []
    for _, lon, lat, sigma, n, factor in HAZMAT_CLUSTERS:
        x, y = _sample_near(rng, world, [(lon, lat)], sigma, n)
        xs.append(x)
        ys.append(y)
        size.append(np.full(n, factor))
    n_urban = sum(HAZMAT_GRADE_COUNTS.values()) - sum(c[4] for c in HAZMAT_CLUSTERS)
    # water works, cold stores, hospitals' gases
    x, y = _sample_population(rng, world, n_urban, power=1.0)
    xs.append(x)
    ys.append(y)
    size.append(np.full(n_urban, 0.1))
    x, y, sizes = np.concatenate(xs), np.concatenate(ys), np.concatenate(size)
    n = len(x)
    score = sizes + rng.normal(0, 0.8, n)
    order = np.argsort(-score, kind="stable")
    grade = np.empty(n, dtype=object)
    start = 0
    for g, k in HAZMAT_GRADE_COUNTS.items():
        grade[order[start : start + k]] = g
        start += k
    lo = {"一级": 100.0, "二级": 50.0, "三级": 10.0, "四级": 1.0}
    hi = {"一级": 400.0, "二级": 100.0, "三级": 50.0, "四级": 10.0}
    u = rng.random(n)
    r = np.full(n, np.nan)
    for g, low in lo.items():
        sel = grade == g
        r[sel] = low * (hi[g] / low) ** u[sel]  # log-uniform inside the grade's range
    r = np.floor(r * 100) / 100  # 2 decimals, never rounded up into the next grade
    trade_i = rng.integers(0, len(HAZMAT_TRADES), n)
    district = _district_of(world, x, y)
    substances = []
    names = []
    for i in range(n):
        trade, subs = HAZMAT_TRADES[trade_i[i]]
        k = int(rng.integers(1, min(3, len(subs)) + 1))
        picked = rng.choice(len(subs), size=k, replace=False)
        substances.append("、".join(subs[j] for j in sorted(picked)))
        names.append(f"武汉{BRANDS[rng.integers(0, len(BRANDS))]}{trade}有限公司")
    employees = (
        np.round(rng.lognormal(np.log(60), 0.9, n) * (1 + 2 * (grade == "一级"))).astype(int) + 5
    )
    return _frame(
        x,
        y,
        id=_ids("WH", n),
        name=_unique(names),
        grade=grade,
        r_value=r,
        substances=substances,
        employees=employees,
        **_contact(rng, district),
    )


def make_fireworks(world: _World) -> pd.DataFrame:
    """60 fireworks wholesalers, suburban (outer districts, over 12 km from the centre)."""
    rng = _rng("fireworks")
    region = shapely.difference(
        _district_geom(world, *OUTER),
        shapely.buffer(shapely.points(*_to_metric_xy([CITY_CENTRE[0]], [CITY_CENTRE[1]])), 12_000)[
            0
        ],
    )
    x, y = _sample_population(rng, world, 60, power=0.5, region=region)
    district = _district_of(world, x, y)
    names = [
        f"武汉市{_short(d)}{p}烟花爆竹批发有限公司"
        for d, p in zip(district, _place(rng, district), strict=True)
    ]
    return _frame(
        x,
        y,
        id=_ids("YB", 60),
        name=_unique(names),
        licence=[f"（鄂）YH批〔2021〕{i:04d}号" for i in rng.permutation(np.arange(1, 61)) + 100],
        storage_t=np.round(rng.uniform(5, 60, 60), 1),
        **_contact(rng, district),
    )


def _ring_roads_and_radials() -> list[shapely.LineString]:
    """A schematic main-road network: three rings around the centre and radial roads."""
    cx, cy = _to_metric_xy([CITY_CENTRE[0]], [CITY_CENTRE[1]])
    roads: list[shapely.LineString] = []
    for r in (5_000.0, 11_000.0, 20_000.0):
        t = np.linspace(0, 2 * np.pi, 73)
        roads.append(
            shapely.LineString(
                np.column_stack([cx[0] + r * np.cos(t), cy[0] + 0.9 * r * np.sin(t)])
            )
        )
    towns = [(c[0], c[1]) for c in DENSITY_CENTRES[7:]] + [
        (114.13, 30.34),
        (114.60, 30.30),
        (114.40, 31.20),
        (114.95, 30.95),
        (113.85, 30.45),
        (114.00, 30.70),
        (114.25, 30.05),
        (114.70, 30.60),
    ]
    for lon, lat in towns:
        x, y = _to_metric_xy([CITY_CENTRE[0], lon], [CITY_CENTRE[1], lat])
        roads.append(shapely.LineString(np.column_stack([x, y])))
    return roads


def make_gas_stations(world: _World) -> pd.DataFrame:
    """600 gas stations: half following population, half along the schematic main roads."""
    rng = _rng("gas_stations")
    n = 600
    x1, y1 = _sample_population(rng, world, n // 2, power=0.8)
    roads = shapely.union_all(_ring_roads_and_radials())
    shapely.prepare(roads)
    length = roads.length

    def draw(m: int) -> tuple[FloatArray, FloatArray, npt.NDArray[np.bool_]]:
        pts = shapely.line_interpolate_point(roads, rng.uniform(0, length, m))
        ang = rng.uniform(0, 2 * np.pi, m)
        off = rng.uniform(40, 150, m)
        x = shapely.get_x(pts) + off * np.cos(ang)
        y = shapely.get_y(pts) + off * np.sin(ang)
        return x, y, _in_region(world, x, y, None)

    x2, y2 = _collect(draw, n - n // 2)
    x, y = np.concatenate([x1, x2]), np.concatenate([y1, y2])
    district = _district_of(world, x, y)
    brand = rng.choice(
        np.array(["中国石化", "中国石油", "中海油", "壳牌", "民营"]),
        size=n,
        p=[0.55, 0.28, 0.05, 0.05, 0.07],
    )
    places = _place(rng, district)
    names = [
        (
            f"{b}武汉{_short(d)}{p}加油站"
            if b != "民营"
            else f"武汉{BRANDS[rng.integers(0, len(BRANDS))]}加油站"
        )
        for b, d, p in zip(brand, district, places, strict=True)
    ]
    grade = rng.choice(np.array(["一级", "二级", "三级"]), size=n, p=[0.1, 0.7, 0.2])
    return _frame(
        x,
        y,
        id=_ids("JY", n),
        name=_unique(names),
        grade=grade,
        brand=brand,
        **_contact(rng, district),
    )


TAILINGS_LONLAT = (114.310, 30.085)


def make_tailings(world: _World) -> pd.DataFrame:
    """The 大洪山 tailings pond, one point in the south of 江夏区."""
    x, y = _to_metric_xy([TAILINGS_LONLAT[0]], [TAILINGS_LONLAT[1]])
    district = _district_of(world, x, y)
    if district[0] != "江夏区" or not shapely.contains_xy(world.land, x[0], y[0]):
        raise RuntimeError("the tailings pond must lie on land in 江夏区")
    return _frame(
        x,
        y,
        id=["WK0001"],
        name=["大洪山尾矿库"],
        district=district,
        address=["武汉市江夏区山坡街大洪山村"],
        responsible_person=_people(_rng("tailings"), 1),
        grade=["四等"],
        volume_10k_m3=[186.5],
    )


DUST_TYPES = (
    "铝镁等金属粉尘",
    "木质粉尘",
    "粮食粉尘",
    "饲料粉尘",
    "淀粉粉尘",
    "纸质粉尘",
    "塑料粉尘",
    "纺织纤维粉尘",
)
INDUSTRIAL_PARKS = (
    (114.130, 30.665),
    (114.160, 30.490),
    (114.080, 30.320),
    (114.320, 30.330),
    (114.330, 30.760),
    (114.560, 30.690),
    (113.980, 30.500),
    (114.420, 30.480),
)


def make_dust(world: _World) -> pd.DataFrame:
    """100 dust-explosion workplaces in the industrial parks."""
    rng = _rng("dust")
    n = 100
    x, y = _sample_near(rng, world, INDUSTRIAL_PARKS, 3.0, n)
    district = _district_of(world, x, y)
    dust = _pick(rng, DUST_TYPES, n)
    trade = {
        "铝镁等金属粉尘": "金属制品",
        "木质粉尘": "木业",
        "粮食粉尘": "粮油",
        "饲料粉尘": "饲料",
        "淀粉粉尘": "食品",
        "纸质粉尘": "纸业",
        "塑料粉尘": "塑胶",
        "纺织纤维粉尘": "纺织",
    }
    names = [f"武汉{BRANDS[rng.integers(0, len(BRANDS))]}{trade[t]}有限公司" for t in dust]
    return _frame(
        x,
        y,
        id=_ids("FC", n),
        name=_unique(names),
        **_contact(rng, district),
        dust_type=dust,
        workers=rng.integers(5, 150, n),
    )


SPACE_TYPES = ("污水井", "化粪池", "污水处理池", "储罐", "发酵池", "地下管廊", "反应釜", "密闭仓库")


def make_confined(world: _World) -> pd.DataFrame:
    """100 confined-space workplaces: half urban (drainage, property), half industrial."""
    rng = _rng("confined")
    n = 100
    x1, y1 = _sample_population(rng, world, n // 2, power=1.0)
    x2, y2 = _sample_near(rng, world, INDUSTRIAL_PARKS, 3.0, n - n // 2)
    x, y = np.concatenate([x1, x2]), np.concatenate([y1, y2])
    district = _district_of(world, x, y)
    owners = (
        "排水有限公司",
        "物业服务有限公司",
        "污水处理厂",
        "酿造有限公司",
        "化工有限公司",
        "市政工程有限公司",
    )
    names = [f"武汉{BRANDS[rng.integers(0, len(BRANDS))]}{o}" for o in _pick(rng, owners, n)]
    return _frame(
        x,
        y,
        id=_ids("YK", n),
        name=_unique(names),
        **_contact(rng, district),
        space_type=_pick(rng, SPACE_TYPES, n),
    )


METAL_SITES: tuple[tuple[str, str, float, float], ...] = (
    ("武钢炼铁厂", "钢铁煤气", 114.425, 30.628),
    ("武钢炼钢厂", "钢铁煤气", 114.440, 30.622),
    ("武钢焦化厂", "钢铁煤气", 114.455, 30.638),
    ("武钢能源动力总厂煤气柜区", "钢铁煤气", 114.432, 30.640),
    ("武汉{b}铝业有限公司", "铝深井铸造", 114.120, 30.670),
    ("武汉{b}铝材有限公司", "铝深井铸造", 114.170, 30.480),
    ("武汉{b}铝合金有限公司", "铝深井铸造", 114.330, 30.760),
    ("武汉{b}铝型材有限公司", "铝深井铸造", 114.310, 30.335),
    ("武汉{b}有色金属有限公司", "其他冶金", 114.570, 30.690),
)


def make_metal(world: _World) -> pd.DataFrame:
    """A few metal-smelting works: the steel works' gas areas in 青山, aluminium casting."""
    rng = _rng("metal")
    lon = [s[2] for s in METAL_SITES]
    lat = [s[3] for s in METAL_SITES]
    x, y = _to_metric_xy(lon, lat)
    # Nudge any site that fell on water or outside the boundary onto nearby land.
    ok = shapely.contains_xy(world.land, x, y)
    for i in np.flatnonzero(~ok):
        nx, ny = _sample_near(rng, world, [(lon[i], lat[i])], 0.5, 1)
        x[i], y[i] = nx[0], ny[0]
    district = _district_of(world, x, y)
    names = [s[0].format(b=BRANDS[rng.integers(0, len(BRANDS))]) for s in METAL_SITES]
    n = len(METAL_SITES)
    return _frame(
        x,
        y,
        id=_ids("YJ", n),
        name=names,
        process=[s[1] for s in METAL_SITES],
        **_contact(rng, district),
    )


def make_waterlogging(world: _World) -> pd.DataFrame:
    """150 waterlogging points, concentrated in the central districts."""
    rng = _rng("waterlogging")
    n = 150
    x, y = _sample_population(rng, world, n, power=1.5, districts=CENTRAL)
    district = _district_of(world, x, y)
    names = []
    for d in district:
        a, b = rng.choice(len(ROADS[d]), size=2, replace=False)
        kind = rng.random()
        names.append(
            f"{ROADS[d][a]}与{ROADS[d][b]}交叉口"
            if kind < 0.5
            else f"{ROADS[d][a]}{PLACES[d][rng.integers(0, len(PLACES[d]))]}段"
            if kind < 0.85
            else f"{PLACES[d][rng.integers(0, len(PLACES[d]))]}地下通道"
        )
    return _frame(
        x,
        y,
        id=_ids("NL", n),
        name=_unique(names),
        **_contact(rng, district),
        depth_cm=np.round(rng.uniform(15, 90, n), 0),
        fixed=rng.random(n) < 0.4,
    )


def make_geological(world: _World) -> pd.DataFrame:
    """100 geological hazard points in the hilly outer districts, a few karst collapses."""
    rng = _rng("geological")
    parts = [
        (_region_box(114.0, 31.0, 114.7, 31.4), ("黄陂区",), 35),
        (_region_box(114.6, 30.9, 115.1, 31.1), ("新洲区",), 25),
        (None, ("江夏区",), 20),
        (_region_box(113.7, 30.35, 114.1, 30.75), ("蔡甸区",), 15),
    ]
    xs, ys, types = [], [], []
    hill_types = np.array(["滑坡", "崩塌", "不稳定斜坡", "泥石流"])
    for box, names, n in parts:
        region = _district_geom(world, *names)
        if box is not None:
            region = shapely.intersection(region, box)
        x, y = _sample_uniform(rng, world, region, n)
        xs.append(x)
        ys.append(y)
        types.append(rng.choice(hill_types, size=n, p=[0.45, 0.25, 0.25, 0.05]))
    # Karst collapse (岩溶地面塌陷) along the Yangtze's right bank, 白沙洲-青菱.
    x, y = _sample_near(
        rng, world, [(114.285, 30.470)], 1.5, 5, region=_district_geom(world, "洪山区", "武昌区")
    )
    xs.append(x)
    ys.append(y)
    types.append(np.array(["地面塌陷"] * 5))
    x, y, t = np.concatenate(xs), np.concatenate(ys), np.concatenate(types)
    n = len(x)
    district = _district_of(world, x, y)
    villages = [
        f"{p}{s}家{e}"
        for p, s, e in zip(
            _place(rng, district),
            _pick(rng, SURNAMES, n),
            _pick(rng, ("湾", "冲", "畈", "岗", "垴"), n),
            strict=True,
        )
    ]
    return _frame(
        x,
        y,
        id=_ids("DZ", n),
        name=_unique([f"{v}{k}" for v, k in zip(villages, t, strict=True)]),
        district=district,
        address=[f"武汉市{d}{v}" for d, v in zip(district, villages, strict=True)],
        responsible_person=_people(rng, n),
        type=t,
        threat_people=np.round(rng.lognormal(np.log(30), 0.9, n)).astype(int) + 3,
    )


def make_flood_zones(world: _World) -> gpd.GeoDataFrame:
    """Flood zones along the Yangtze and the Han: 高 < 1 km, 中 1-2.5 km, 低 2.5-4.5 km."""
    rivers = shapely.union_all([_line(YANGTZE), _line(HAN)])
    bands = (("高", 0.0, 1000.0, 20), ("中", 1000.0, 2500.0, 50), ("低", 2500.0, 4500.0, 100))
    land = shapely.difference(world.boundary, world.water)
    rows = []
    for level, inner, outer, period in bands:
        band = shapely.buffer(rivers, outer, quad_segs=4)
        if inner > 0:
            band = shapely.difference(band, shapely.buffer(rivers, inner, quad_segs=4))
        band = shapely.intersection(band, land)
        for name in DISTRICT_ORDER:
            part = shapely.intersection(band, _district_geom(world, name))
            part = shapely.simplify(part, 20.0)
            if part.is_empty or part.area < 200_000:
                continue
            if part.geom_type == "Polygon":
                part = shapely.MultiPolygon([part])
            elif part.geom_type == "GeometryCollection":
                part = shapely.MultiPolygon(
                    [g for g in shapely.get_parts(part) if g.geom_type == "Polygon"]
                )
            rows.append(
                {"level": level, "district": name, "return_period": period, "geometry": part}
            )
    gdf = gpd.GeoDataFrame(rows, crs=METRIC)
    river_of = {
        name: ("长江" if name not in ("硚口区", "东西湖区") else "汉江") for name in DISTRICT_ORDER
    }
    gdf["name"] = [
        f"{river_of[d]}沿岸{d}洪涝{lv}风险区"
        for d, lv in zip(gdf["district"], gdf["level"], strict=True)
    ]
    gdf["id"] = _ids("HL", len(gdf), 3)
    return gdf[["id", "name", "level", "return_period", "district", "geometry"]]


FAULTS: tuple[tuple[str, str, tuple[tuple[float, float], ...]], ...] = (
    (
        "襄樊—广济断裂带武汉段（示意）",
        "晚更新世",
        ((113.70, 30.985), (114.30, 30.650), (115.10, 30.120)),
    ),
    (
        "麻城—团风断裂带南段（示意）",
        "早中更新世",
        ((114.860, 30.560), (114.950, 30.800), (115.060, 31.050)),
    ),
)


def make_faults(world: _World) -> gpd.GeoDataFrame:
    """Two schematic fault lines, clipped to the boundary."""
    rows = []
    for i, (name, activity, coords) in enumerate(FAULTS, start=1):
        line = shapely.intersection(_line(coords).segmentize(500.0), world.boundary)
        rows.append({"id": f"DL{i:02d}", "name": name, "activity": activity, "geometry": line})
    return gpd.GeoDataFrame(rows, crs=METRIC)


def make_vulnerable(world: _World) -> pd.DataFrame:
    """12,754 people in special hardship at about 1,500 community points."""
    rng = _rng("vulnerable")
    n, total = 1500, 12_754
    x, y = _sample_population(rng, world, n, power=1.0)
    district = _district_of(world, x, y)
    outer = np.isin(district, OUTER)
    p = rng.uniform(0.5, 1.5, n) * np.where(outer, 1.6, 1.0)
    count = 1 + rng.multinomial(total - n, p / p.sum())
    names = _unique(
        [f"{d}{c}社区" for d, c in zip(district, _communities(rng, district), strict=True)]
    )
    return _frame(
        x,
        y,
        id=_ids("KN", n),
        name=[s.split("区", 1)[1] if "区" in s[:4] else s for s in names],
        district=district,
        count=count,
        group=["特困"] * n,
    )


def make_shelters(world: _World) -> pd.DataFrame:
    """400 shelters: 300 紧急, 92 固定, 8 中心, with effective area and capacity."""
    rng = _rng("shelters")
    counts = {"紧急": 300, "固定": 92, "中心": 8}
    xs, ys, types, area = [], [], [], []
    for t, k in counts.items():
        power = {"紧急": 1.0, "固定": 0.7, "中心": 0.5}[t]
        x, y = _sample_population(rng, world, k, power=power)
        xs.append(x)
        ys.append(y)
        types += [t] * k
        if t == "紧急":
            a = np.exp(rng.uniform(np.log(2_000), np.log(20_000), k))
        elif t == "固定":
            a = np.exp(rng.uniform(np.log(20_000), np.log(150_000), k))
        else:
            a = rng.uniform(200_000, 600_000, k)
        area.append(np.round(a, -1))
    x, y, a = np.concatenate(xs), np.concatenate(ys), np.concatenate(area)
    n = len(x)
    district = _district_of(world, x, y)
    kinds = {
        "紧急": ("小学操场", "社区广场", "街头公园", "中学操场", "文化广场"),
        "固定": ("公园", "体育中心", "中学", "大学运动场"),
        "中心": ("中心公园", "奥体中心", "园博园", "体育公园"),
    }
    names = [
        f"{p}{kinds[t][rng.integers(0, len(kinds[t]))]}{t}避难场所"
        for t, p in zip(types, _place(rng, district), strict=True)
    ]
    return _frame(
        x,
        y,
        id=_ids("BN", n),
        name=_unique(names),
        type=types,
        area_m2=a,
        capacity=np.floor(a / 1.5).astype(int),
        **_contact(rng, district),
    )


def make_fire_stations(world: _World) -> pd.DataFrame:
    """120 fire stations: 8 特勤, 72 一级, 25 二级, 15 小型."""
    rng = _rng("fire_stations")
    classes = ["特勤"] * 8 + ["一级"] * 72 + ["二级"] * 25 + ["小型"] * 15
    n = len(classes)
    x, y = _sample_population(rng, world, n, power=0.55)
    classes = list(np.array(classes)[rng.permutation(n)])
    district = _district_of(world, x, y)
    names = [
        f"{p}{'特勤' if c == '特勤' else ''}消防救援站"
        for c, p in zip(classes, _place(rng, district), strict=True)
    ]
    return _frame(
        x,
        y,
        id=_ids("XF", n, 3),
        name=_unique(names),
        **{"class": classes},
        **_contact(rng, district),
    )


def make_community_stations(world: _World) -> pd.DataFrame:
    """1,440 community emergency service stations, following population."""
    rng = _rng("community_stations")
    n = 1440
    x, y = _sample_population(rng, world, n, power=0.9)
    district = _district_of(world, x, y)
    street = _place(rng, district)
    names = _unique([f"{c}社区应急服务站" for c in _communities(rng, district)])
    return _frame(
        x,
        y,
        id=_ids("SQ", n),
        name=names,
        district=district,
        street=[f"{s}街道" for s in street],
        address=_addresses(rng, district),
        responsible_person=_people(rng, n),
    )


def make_seismic(world: _World) -> pd.DataFrame:
    """40 seismic stations spread over the city (farthest-point selection)."""
    rng = _rng("seismic")
    cx, cy = _sample_uniform(rng, world, world.boundary, 600)
    chosen = [0]
    d = np.hypot(cx - cx[0], cy - cy[0])
    for _ in range(39):
        i = int(np.argmax(d))
        chosen.append(i)
        d = np.minimum(d, np.hypot(cx - cx[i], cy - cy[i]))
    x, y = cx[chosen], cy[chosen]
    types = np.array(["强震动"] * 20 + ["测震"] * 12 + ["前兆"] * 8)[rng.permutation(40)]
    district = _district_of(world, x, y)
    names = [f"{p}{t}台" for t, p in zip(types, _place(rng, district), strict=True)]
    return _frame(
        x,
        y,
        id=_ids("DC", 40, 3),
        name=_unique(names),
        type=types,
        **_contact(rng, district),
    )


def make_supply_depots(world: _World) -> pd.DataFrame:
    """30 emergency supply depots."""
    rng = _rng("supply_depots")
    n = 30
    x, y = _sample_population(rng, world, n, power=0.4)
    district = _district_of(world, x, y)
    level = rng.choice(np.array(["市级", "区级", "街道"]), size=n, p=[0.2, 0.5, 0.3])
    names = [
        f"武汉市{_short(d)}{'' if lv == '市级' else p}{lv}应急物资储备库"
        for d, p, lv in zip(district, _place(rng, district), level, strict=True)
    ]
    cap = np.where(
        level == "市级",
        rng.uniform(2000, 6000, n),
        np.where(level == "区级", rng.uniform(300, 2000, n), rng.uniform(20, 300, n)),
    )
    return _frame(
        x,
        y,
        id=_ids("WZ", n, 3),
        name=_unique(names),
        **_contact(rng, district),
        capacity_t=np.round(cap, 0),
    )


TEAM_SPECIALTIES = (
    "危化品救援",
    "矿山救援",
    "水上救援",
    "地震救援",
    "医疗救护",
    "电力抢修",
    "燃气抢险",
    "森林消防",
    "城市排涝",
    "通信保障",
)


def make_rescue_teams(world: _World) -> pd.DataFrame:
    """50 rescue teams of various specialties."""
    rng = _rng("rescue_teams")
    n = 50
    x, y = _sample_population(rng, world, n, power=0.5)
    district = _district_of(world, x, y)
    spec = _pick(rng, TEAM_SPECIALTIES, n)
    names = [f"武汉市{_short(d)}{s}队" for d, s in zip(district, spec, strict=True)]
    return _frame(
        x,
        y,
        id=_ids("DW", n, 3),
        name=_unique(names),
        **_contact(rng, district),
        members=rng.integers(20, 200, n),
        specialty=spec,
    )


def make_sensitive(world: _World) -> pd.DataFrame:
    """2,000 schools, kindergartens, hospitals and care homes, following population."""
    rng = _rng("sensitive")
    counts = {"学校": 900, "幼儿园": 700, "医院": 200, "养老院": 200}
    types = np.concatenate([[t] * k for t, k in counts.items()])
    n = len(types)
    x, y = _sample_population(rng, world, n, power=1.0)
    district = _district_of(world, x, y)
    places = _place(rng, district)
    suffix = {
        "学校": ("小学", "中学", "实验小学", "初级中学", "高级中学", "职业技术学校"),
        "幼儿园": ("幼儿园", "第一幼儿园", "实验幼儿园", "双语幼儿园"),
        "医院": ("医院", "人民医院", "中医医院", "社区卫生服务中心", "妇幼保健院"),
        "养老院": ("养老院", "颐养中心", "社会福利院", "老年公寓"),
    }
    names = [
        f"武汉市{_short(d)}{p}{suffix[t][rng.integers(0, len(suffix[t]))]}"
        for t, d, p in zip(types, district, places, strict=True)
    ]
    cap = np.select(
        [types == "学校", types == "幼儿园", types == "医院"],
        [
            rng.integers(300, 3000, n),
            rng.integers(80, 400, n),
            np.round(rng.lognormal(np.log(200), 0.9, n)),
        ],
        rng.integers(30, 300, n),
    ).astype(int)
    return _frame(
        x,
        y,
        id=_ids("MG", n),
        name=_unique(names),
        type=types,
        capacity=cap,
        **_contact(rng, district),
    )


def make_high_rise(world: _World) -> pd.DataFrame:
    """3,000 high-rise buildings concentrated in the centre."""
    rng = _rng("high_rise")
    n = 3000
    x, y = _sample_population(rng, world, n, power=1.8)
    district = _district_of(world, x, y)
    floors = np.clip(np.round(rng.lognormal(np.log(26), 0.35, n)), 10, 70).astype(int)
    tall = rng.choice(n, size=12, replace=False)
    floors[tall] = rng.integers(70, 100, 12)
    height = np.round(floors * rng.uniform(2.95, 3.6, n), 1)
    kind = ("大厦", "广场", "国际中心", "花园", "公寓", "商务中心", "小区")
    names = []
    for p, k in zip(_place(rng, district), _pick(rng, kind, n), strict=True):
        base = f"{BRANDS[rng.integers(0, len(BRANDS))]}{k}" if rng.random() < 0.6 else f"{p}{k}"
        names.append(f"{base}{rng.integers(1, 12)}栋" if k in ("花园", "公寓", "小区") else base)
    return _frame(
        x,
        y,
        id=_ids("GC", n),
        name=_unique(names),
        **_contact(rng, district),
        floors=floors,
        height_m=height,
    )


def make_crowded(world: _World) -> pd.DataFrame:
    """About 200 crowded places (商场, 车站, 体育场馆, 景区, 其他)."""
    rng = _rng("crowded")
    counts = {"商场": 80, "车站": 25, "体育场馆": 20, "景区": 25, "其他": 50}
    types = np.concatenate([[t] * k for t, k in counts.items()])
    n = len(types)
    x, y = _sample_population(rng, world, n, power=1.3)
    district = _district_of(world, x, y)
    suffix = {
        "商场": ("购物中心", "广场", "商业街", "百货"),
        "车站": ("地铁站", "客运站", "公交枢纽"),
        "体育场馆": ("体育馆", "体育中心", "全民健身中心"),
        "景区": ("风景区", "公园", "古镇"),
        "其他": ("剧院", "会展中心", "影城", "农贸市场"),
    }
    cap_range = {
        "商场": (2000, 20000),
        "车站": (5000, 50000),
        "体育场馆": (5000, 50000),
        "景区": (5000, 60000),
        "其他": (500, 5000),
    }
    names, cap = [], []
    for t, p in zip(types, _place(rng, district), strict=True):
        names.append(f"{p}{suffix[t][rng.integers(0, len(suffix[t]))]}")
        lo, hi = cap_range[t]
        cap.append(int(round(np.exp(rng.uniform(np.log(lo), np.log(hi))), -2)))
    return _frame(
        x,
        y,
        id=_ids("RM", n, 3),
        name=_unique(names),
        type=types,
        capacity=cap,
        **_contact(rng, district),
    )


ACCIDENT_TYPES = (
    "高处坠落",
    "物体打击",
    "机械伤害",
    "车辆伤害",
    "触电",
    "坍塌",
    "火灾",
    "中毒和窒息",
    "淹溺",
    "爆炸",
    "其他",
)
ACCIDENT_P = (0.30, 0.14, 0.12, 0.10, 0.07, 0.07, 0.07, 0.05, 0.03, 0.02, 0.03)
ACCIDENT_PLACES = {
    "高处坠落": "建筑工地",
    "物体打击": "建筑工地",
    "机械伤害": "工厂",
    "车辆伤害": "厂区",
    "触电": "施工现场",
    "坍塌": "基坑",
    "火灾": "仓库",
    "中毒和窒息": "污水井",
    "淹溺": "水塘",
    "爆炸": "车间",
    "其他": "作业现场",
}


ACCIDENT_INDUSTRY = {
    "建筑工地": "建筑施工",
    "施工现场": "建筑施工",
    "基坑": "建筑施工",
    "工厂": "工贸",
    "厂区": "工贸",
    "车间": "工贸",
    "仓库": "仓储物流",
    "污水井": "市政公用",
    "水塘": "其他",
    "作业现场": "其他",
}
"""The industry (行业) of an accident, from its place (the briefing ranks by it)."""


def _accident_ids(dates: npt.NDArray[np.datetime64]) -> list[str]:
    """Numbers restart every year: SG2019001, SG2019002, ..., SG2020001, ..."""
    years = pd.DatetimeIndex(dates).year.to_numpy()
    seq = pd.Series(years).groupby(years).cumcount().to_numpy() + 1
    return [f"SG{y}{k:03d}" for y, k in zip(years, seq, strict=True)]


def make_accidents(world: _World) -> pd.DataFrame:
    """About 500 production-safety accidents, 2019-2021, most without deaths."""
    rng = _rng("accidents")
    n = 500
    x1, y1 = _sample_population(rng, world, 350, power=1.0)
    x2, y2 = _sample_near(rng, world, INDUSTRIAL_PARKS, 3.0, n - 350)
    x, y = np.concatenate([x1, x2]), np.concatenate([y1, y2])
    days = pd.date_range("2019-01-01", "2021-12-31", freq="D")
    lockdown = (days >= pd.Timestamp("2020-01-23")) & (days <= pd.Timestamp("2020-04-08"))
    w = np.where(lockdown, 0.1, 1.0)
    dates = np.sort(rng.choice(days.to_numpy(), size=n, p=w / w.sum()))
    perm = rng.permutation(n)
    x, y = x[perm], y[perm]
    district = _district_of(world, x, y)
    types = rng.choice(np.array(ACCIDENT_TYPES), size=n, p=ACCIDENT_P)
    u = rng.random(n)
    deaths = np.select([u < 0.86, u < 0.97, u < 0.995], [0, 1, 2], 3)
    injuries = rng.poisson(np.where(deaths > 0, 1.0, 0.9))
    injuries = np.where((deaths == 0) & (injuries == 0), 1, injuries)
    loss = np.where(
        deaths > 0,
        deaths * rng.uniform(100, 180, n),
        np.exp(rng.uniform(np.log(0.5), np.log(60), n)),
    )
    loss = np.round(loss * (1 + 3 * (types == "火灾")), 1)
    names = [
        f"{d}{p}{ACCIDENT_PLACES[t]}“{pd.Timestamp(day).month}·{pd.Timestamp(day).day}”{t}事故"
        for d, p, t, day in zip(district, _place(rng, district), types, dates, strict=True)
    ]
    return _frame(
        x,
        y,
        id=_accident_ids(dates),
        name=_unique(names),
        date=pd.to_datetime(dates),
        type=types,
        industry=[ACCIDENT_INDUSTRY[ACCIDENT_PLACES[t]] for t in types],
        district=district,
        address=_addresses(rng, district),
        deaths=deaths.astype(int),
        injuries=injuries.astype(int),
        direct_loss=loss,
    )


def make_video(world: _World, hazmat: pd.DataFrame) -> pd.DataFrame:
    """Video points at most (about 92 %) of the major-hazard sites (grades 一级..四级)."""
    rng = _rng("video")
    major = hazmat[hazmat["grade"] != "无"].reset_index(drop=True)
    n_without = round(0.08 * len(major))
    without = set(rng.choice(len(major), size=n_without, replace=False).tolist())
    per_grade = {"一级": (3, 5), "二级": (2, 4), "三级": (1, 3), "四级": (1, 2)}
    rows = []
    for i, site in major.iterrows():
        if i in without:
            continue
        lo, hi = per_grade[site["grade"]]
        for k in range(int(rng.integers(lo, hi + 1))):
            ang, dist = rng.uniform(0, 2 * np.pi), rng.uniform(20, 120)
            rows.append(
                {
                    "name": f"{site['name']}{('罐区', '装卸区', '库区', '厂区大门', '生产装置区')[k]}摄像头",
                    "enterprise_id": site["id"],
                    "x": site["x"] + dist * np.cos(ang),
                    "y": site["y"] + dist * np.sin(ang),
                }
            )
    df = pd.DataFrame(rows)
    df.insert(0, "id", _ids("SP", len(df)))
    return df


# --------------------------------------------------------------------------- writers


def _lonlat(df: pd.DataFrame, crs: str) -> tuple[FloatArray, FloatArray]:
    lon, lat = to_wgs84_xy(df["x"].to_numpy(), df["y"].to_numpy(), METRIC)
    if crs not in ("WGS84", "CGCS2000"):
        lon, lat = from_wgs84_xy(lon, lat, crs)
    return np.round(lon, 6), np.round(lat, 6)


def _table(
    df: pd.DataFrame, headers: dict[str, str], crs: str, xy: tuple[str, str]
) -> pd.DataFrame:
    out = df[list(headers)].rename(columns=headers)
    out[xy[0]], out[xy[1]] = _lonlat(df, crs)
    return out


def write_csv(df: pd.DataFrame, path: Path, encoding: str) -> None:
    """Write a table as CSV with Windows line ends (as Excel exports it)."""
    text = df.to_csv(index=False, lineterminator="\r\n")
    path.write_bytes(text.encode(encoding, errors="strict"))


def _normalise_zip(path: Path) -> None:
    """Rewrite a zip (e.g. an XLSX) with fixed member timestamps and document dates."""
    with zipfile.ZipFile(path) as zin:
        members = [(info.filename, zin.read(info.filename)) for info in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, raw in members:
            data = raw
            if name == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)",
                    rb"\g<1>2021-01-01T00:00:00Z\g<3>",
                    raw,
                )
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zout.writestr(info, data)


def write_xlsx(
    sheets: dict[str, pd.DataFrame], path: Path, date_columns: Sequence[str] = ()
) -> None:
    """Write tables to an XLSX workbook: bold header, dates as Excel dates, fixed metadata."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    wb.properties.creator = "riskmap demo generator"
    for title, df in sheets.items():
        ws = wb.create_sheet(title)
        ws.append(list(df.columns))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in df.itertuples(index=False):
            ws.append(
                [
                    None
                    if (isinstance(v, float) and np.isnan(v))
                    else (
                        v.to_pydatetime().date()
                        if isinstance(v, pd.Timestamp)
                        else v.item()
                        if isinstance(v, np.generic)
                        else v
                    )
                    for v in row
                ]
            )
        for j, col in enumerate(df.columns, start=1):
            letter = openpyxl.utils.get_column_letter(j)
            width = max(len(str(col)) * 2, *(len(str(v)) * 1.6 for v in df[col].head(50)))
            ws.column_dimensions[letter].width = min(max(width, 8), 40)
            if col in date_columns:
                for cell in ws[letter][1:]:
                    cell.number_format = "yyyy-mm-dd"
        ws.freeze_panes = "A2"
    wb.save(path)
    _normalise_zip(path)


def _json_value(v: Any) -> Any:
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and np.isnan(v):
        return None
    return v


def write_geojson(gdf: gpd.GeoDataFrame, path: Path, decimals: int = 6) -> None:
    """Write WGS84 GeoJSON (RFC 7946), one feature a line, coordinates rounded."""
    gdf = gdf.to_crs(4326) if gdf.crs is not None and gdf.crs.to_epsg() != 4326 else gdf
    geoms = shapely.transform(gdf.geometry.to_numpy(), lambda xy: np.round(xy, decimals))
    props = gdf.drop(columns=gdf.geometry.name)
    lines = []
    for rec, geom in zip(props.to_dict("records"), geoms, strict=True):
        feature = {
            "type": "Feature",
            "properties": {k: _json_value(v) for k, v in rec.items()},
            "geometry": shapely.geometry.mapping(geom),
        }
        lines.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
    path.write_text(
        '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n",
        encoding="utf-8",
    )


def _points_wgs84(df: pd.DataFrame, columns: dict[str, str] | Sequence[str]) -> gpd.GeoDataFrame:
    lon, lat = _lonlat(df, "WGS84")
    cols = columns if isinstance(columns, dict) else {c: c for c in columns}
    out = df[list(cols)].rename(columns=cols)
    return gpd.GeoDataFrame(out, geometry=shapely.points(lon, lat), crs=4326)


def write_gpkg(gdf: gpd.GeoDataFrame, path: Path, layer: str) -> None:
    """Write a GeoPackage with a fixed timestamp so that re-runs give the same bytes."""
    path.unlink(missing_ok=True)
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": "2021-01-01T00:00:00.000Z"})
    try:
        pyogrio.write_dataframe(gdf, path, layer=layer, driver="GPKG")
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": None})


def write_shapefile_zip(gdf: gpd.GeoDataFrame, path: Path, stem: str) -> None:
    """Write a zipped Shapefile (UTF-8 .cpg, .prj) with fixed dates."""
    with tempfile.TemporaryDirectory() as tmp:
        shp = Path(tmp) / f"{stem}.shp"
        pyogrio.write_dataframe(gdf, shp, driver="ESRI Shapefile", encoding="UTF-8")
        dbf = shp.with_suffix(".dbf")
        raw = bytearray(dbf.read_bytes())
        raw[1:4] = bytes([FIXED_TIME[0] - 1900, FIXED_TIME[1], FIXED_TIME[2]])  # last-update date
        dbf.write_bytes(bytes(raw))
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
                info = zipfile.ZipInfo(f"{stem}{ext}", date_time=FIXED_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                zf.writestr(info, (Path(tmp) / f"{stem}{ext}").read_bytes())


# ------------------------------------------------------------------------------ main


def build_demo(out_dir: Path = OUT_DIR, boundary_dir: Path | None = None) -> dict[str, int]:
    """Generate every demo layer file into ``out_dir``.

    Parameters
    ----------
    out_dir
        Destination folder (``data/wuhan`` by default); files are overwritten.
    boundary_dir
        Folder with ``districts.geojson`` (WGS84); ``out_dir/boundary`` by default.

    Returns
    -------
    dict
        File name -> number of features (rows) written.
    """
    boundary_dir = boundary_dir or out_dir / "boundary"
    out_dir.mkdir(parents=True, exist_ok=True)
    world = _load_world(boundary_dir)
    counts: dict[str, int] = {}

    def note(name: str, n: int) -> None:
        counts[name] = n

    # (file, table, columns, CRS of the longitude/latitude, their column names, encoding)
    hazmat = with_validity(make_hazmat(world))
    csv_files: list[tuple[str, pd.DataFrame, dict[str, str], str, tuple[str, str], str]] = [
        # GBK CSV in GCJ-02 (AMap-located registers).
        (
            "hazmat_enterprises.csv",
            hazmat,
            {
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
            },
            "GCJ02",
            ("经度", "纬度"),
            "gbk",
        ),
        (
            "gas_stations.csv",
            make_gas_stations(world),
            {
                "id": "编号",
                "name": "加油站名称",
                "grade": "站点等级",
                "brand": "品牌",
                "district": "所在区",
                "address": "详细地址",
                "responsible_person": "负责人",
            },
            "GCJ02",
            ("经度", "纬度"),
            "gbk",
        ),
        (
            "community_stations.csv",
            make_community_stations(world),
            {
                "id": "服务站编号",
                "name": "服务站名称",
                "district": "所在区",
                "street": "所属街道",
                "address": "地址",
                "responsible_person": "站长",
            },
            "GCJ02",
            ("经度", "纬度"),
            "gbk",
        ),
        # UTF-8 with BOM (Excel "CSV UTF-8"), CGCS2000 longitude/latitude.
        (
            "fireworks_wholesalers.csv",
            make_fireworks(world),
            {
                "id": "企业编号",
                "name": "企业名称",
                "licence": "许可证编号",
                "storage_t": "库存量（吨）",
                "district": "所在区",
                "address": "仓库地址",
                "responsible_person": "主要负责人",
            },
            "CGCS2000",
            ("经度", "纬度"),
            "utf-8-sig",
        ),
        # Plain UTF-8, BD-09 (a Baidu map export).
        (
            "crowded_places.csv",
            make_crowded(world),
            {
                "id": "编号",
                "name": "场所名称",
                "type": "场所类型",
                "district": "所在区",
                "address": "地址",
                "capacity": "最大容纳人数",
                "responsible_person": "责任人",
            },
            "BD09",
            ("lng", "lat"),
            "utf-8",
        ),
    ]
    for name, df, columns, crs, lonlat, encoding in csv_files:
        write_csv(_table(df, columns, crs, lonlat), out_dir / name, encoding)
        note(name, len(df))

    # XLSX.
    shelters = make_shelters(world)
    write_xlsx(
        {
            "避难场所": _table(
                shelters,
                {
                    "id": "编号",
                    "name": "避难场所名称",
                    "type": "避难场所类型",
                    "area_m2": "有效避难面积（平方米）",
                    "capacity": "可容纳人数",
                    "district": "所在区",
                    "address": "地址",
                    "responsible_person": "负责人",
                },
                "GCJ02",
                ("经度", "纬度"),
            )
        },
        out_dir / "shelters.xlsx",
    )
    note("shelters.xlsx", len(shelters))
    fire = make_fire_stations(world)
    write_xlsx(
        {
            "消防站": _table(
                fire,
                {
                    "id": "编号",
                    "name": "消防站名称",
                    "class": "站级",
                    "district": "所在区",
                    "address": "地址",
                    "responsible_person": "站长",
                },
                "WGS84",
                ("经度", "纬度"),
            )
        },
        out_dir / "fire_stations.xlsx",
    )
    note("fire_stations.xlsx", len(fire))
    accidents = make_accidents(world)
    write_xlsx(
        {
            "事故台账": _table(
                accidents,
                {
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
                },
                "WGS84",
                ("经度", "纬度"),
            )
        },
        out_dir / "accidents_2019_2021.xlsx",
        date_columns=("发生日期",),
    )
    note("accidents_2019_2021.xlsx", len(accidents))
    depots, teams = make_supply_depots(world), make_rescue_teams(world)
    write_xlsx(
        {
            "物资储备库": _table(
                depots,
                {
                    "id": "编号",
                    "name": "储备库名称",
                    "capacity_t": "储备量（吨）",
                    "district": "所在区",
                    "address": "地址",
                    "responsible_person": "负责人",
                },
                "CGCS2000",
                ("经度", "纬度"),
            ),
            "救援队伍": _table(
                teams,
                {
                    "id": "编号",
                    "name": "队伍名称",
                    "specialty": "专业类别",
                    "members": "队员人数",
                    "district": "所在区",
                    "address": "驻地",
                    "responsible_person": "队长",
                },
                "CGCS2000",
                ("经度", "纬度"),
            ),
        },
        out_dir / "emergency_resources.xlsx",
    )
    note("emergency_resources.xlsx#物资储备库", len(depots))
    note("emergency_resources.xlsx#救援队伍", len(teams))
    vulnerable = make_vulnerable(world)
    write_xlsx(
        {
            "特困人员分布": _table(
                vulnerable,
                {
                    "id": "编号",
                    "name": "社区名称",
                    "district": "所在区",
                    "count": "特困人数",
                    "group": "人员类别",
                },
                "WGS84",
                ("经度", "纬度"),
            )
        },
        out_dir / "vulnerable_people.xlsx",
    )
    note("vulnerable_people.xlsx", len(vulnerable))

    # GeoJSON (WGS84).
    point_files: list[tuple[str, pd.DataFrame, dict[str, str] | Sequence[str]]] = [
        (
            "tailings_pond.geojson",
            make_tailings(world),
            ["id", "name", "grade", "volume_10k_m3", "district", "address", "responsible_person"],
        ),
        (
            "metal_smelting.geojson",
            make_metal(world),
            ["id", "name", "process", "district", "address", "responsible_person"],
        ),
        (
            "dust_explosion.geojson",
            make_dust(world),
            ["id", "name", "dust_type", "workers", "district", "address", "responsible_person"],
        ),
        (
            "confined_space.geojson",
            make_confined(world),
            ["id", "name", "space_type", "district", "address", "responsible_person"],
        ),
        (
            "waterlogging_points.geojson",
            make_waterlogging(world),
            {
                "id": "编号",
                "name": "易涝点名称",
                "depth_cm": "最大积水深度",
                "fixed": "是否已整治",
                "district": "所在区",
                "address": "地址",
                "responsible_person": "责任人",
            },
        ),
        (
            "geological_hazards.geojson",
            make_geological(world),
            {
                "id": "灾害点编号",
                "name": "灾害点名称",
                "type": "灾害类型",
                "threat_people": "威胁人数",
                "district": "所在区",
                "address": "位置",
                "responsible_person": "监测责任人",
            },
        ),
        (
            "seismic_stations.geojson",
            make_seismic(world),
            ["id", "name", "type", "district", "address", "responsible_person"],
        ),
        (
            "sensitive_targets.geojson",
            make_sensitive(world),
            ["id", "name", "type", "capacity", "district", "address", "responsible_person"],
        ),
        ("video_points.geojson", make_video(world, hazmat), ["id", "name", "enterprise_id"]),
    ]
    for name, df, cols in point_files:
        write_geojson(_points_wgs84(df, cols), out_dir / name)
        note(name, len(df))
    faults = make_faults(world)
    write_geojson(faults, out_dir / "fault_zones.geojson", decimals=5)
    note("fault_zones.geojson", len(faults))

    # GeoPackage: population (EPSG:4547 1 km squares) and flood zones (WGS84).
    cells = world.cells.copy()
    cells["geometry"] = shapely.set_precision(cells.geometry.to_numpy(), 0.01)
    write_gpkg(
        cells[["grid_id", "district", "adcode", "pop2020", "geometry"]],
        out_dir / "population_1km.gpkg",
        "population_1km",
    )
    note("population_1km.gpkg", len(cells))
    flood = (
        make_flood_zones(world)
        .rename(
            columns={
                "id": "编号",
                "name": "名称",
                "level": "风险等级",
                "return_period": "重现期",
                "district": "所在区",
            }
        )
        .set_geometry("geometry")
    )
    flood = flood.to_crs(4326)
    flood["geometry"] = shapely.set_precision(flood.geometry.to_numpy(), 1e-6)
    write_gpkg(flood, out_dir / "flood_zones.gpkg", "flood_zones")
    note("flood_zones.gpkg", len(flood))

    # Zipped Shapefile in CGCS2000 / Gauss-Kruger CM 114E (EPSG:4547), UTF-8 attributes.
    high = make_high_rise(world)
    shp = gpd.GeoDataFrame(
        high[
            ["id", "name", "district", "address", "responsible_person", "floors", "height_m"]
        ].rename(
            columns={
                "id": "编号",
                "name": "名称",
                "district": "所在区",
                "address": "地址",
                "responsible_person": "负责人",
                "floors": "层数",
                "height_m": "高度",
            }
        ),
        geometry=shapely.points(
            np.round(high["x"].to_numpy(), 2), np.round(high["y"].to_numpy(), 2)
        ),
        crs=METRIC,
    )
    write_shapefile_zip(shp, out_dir / "high_rise_buildings.zip", "high_rise_buildings")
    note("high_rise_buildings.zip", len(high))
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--out", type=Path, default=OUT_DIR, help="output folder (default data/wuhan)"
    )
    parser.add_argument(
        "--boundary-dir",
        type=Path,
        default=None,
        help="folder holding districts.geojson (default OUT/boundary)",
    )
    args = parser.parse_args(argv)
    if args.boundary_dir is None and not (args.out / "boundary" / "districts.geojson").exists():
        if (OUT_DIR / "boundary" / "districts.geojson").exists():
            args.boundary_dir = OUT_DIR / "boundary"
        else:
            raise SystemExit("run scripts/build_boundaries.py first")
    counts = build_demo(args.out, args.boundary_dir)
    width = max(len(k) for k in counts)
    for name, n in counts.items():
        print(f"{name:<{width}}  {n:>6,d}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
