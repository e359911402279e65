"""Coordinate reference systems: WGS84, CGCS2000, GCJ-02, BD-09 and projected inputs.

Chinese map services publish coordinates in two systems that no EPSG code describes:

* **GCJ-02** ("Mars coordinates", 火星坐标): WGS84 shifted by a published non-linear
  offset of a few hundred metres (the Krasovsky-ellipsoid formula used by every open
  implementation). Used by Amap/Gaode, Tencent and most tile services in China.
  Outside a rough bounding box of China the offset is zero.
* **BD-09** (百度坐标): GCJ-02 rotated and shifted again by Baidu.

The forward transforms are closed formulas; the inverses are solved by fixed-point
iteration to a residual below ``1e-9`` degrees (about 0.1 mm), not by the common
one-step approximation (which is off by up to about 4 m). Everything is vectorised
with numpy: arrays in, arrays out, no Python loop over points.

Any other system goes through pyproj (EPSG codes, WKT, PROJ strings, CRS names), with
``always_xy=True`` so that coordinates are always (longitude/easting, latitude/northing).

Modules: :mod:`~riskmap.io.crs.china` (GCJ-02, BD-09), :mod:`~riskmap.io.crs.names`
(:func:`parse_crs`), :mod:`~riskmap.io.crs.transform` (columns, geometries, working CRS).
"""

from __future__ import annotations

from riskmap.io.crs.china import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from riskmap.io.crs.names import CRSSpec, gauss_kruger_hint, parse_crs
from riskmap.io.crs.transform import (
    from_wgs84_geometries,
    from_wgs84_xy,
    to_wgs84_geometries,
    to_wgs84_xy,
    working_crs,
)

__all__ = [
    "CRSSpec",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "from_wgs84_geometries",
    "from_wgs84_xy",
    "gauss_kruger_hint",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "parse_crs",
    "to_wgs84_geometries",
    "to_wgs84_xy",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
    "working_crs",
]
