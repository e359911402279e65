"""Converting table columns and shapely geometries between any :class:`CRSSpec` and
WGS84, and choosing a project's metric working CRS.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
import pyproj
import shapely

from riskmap.errors import CRSError
from riskmap.io.crs.china import (
    FloatArray,
    _as_float_arrays,
    _shape_of,
    bd09_to_wgs84,
    gcj02_to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from riskmap.io.crs.names import WGS84, CRSSpec, parse_crs


@lru_cache(maxsize=64)
def _transformer(source: pyproj.CRS, target: pyproj.CRS) -> pyproj.Transformer:
    # pyproj >= 3.1 Transformers are thread-safe, so one cached instance can be shared.
    return pyproj.Transformer.from_crs(source, target, always_xy=True)


def _pyproj_xy(
    transformer: pyproj.Transformer, x: npt.ArrayLike, y: npt.ArrayLike
) -> tuple[FloatArray, FloatArray]:
    shape = _shape_of(x, y)
    fx, fy = _as_float_arrays(x, y)
    ox, oy = transformer.transform(fx, fy)
    return (
        np.asarray(ox, dtype=np.float64).reshape(shape),
        np.asarray(oy, dtype=np.float64).reshape(shape),
    )


def to_wgs84_xy(
    x: npt.ArrayLike, y: npt.ArrayLike, spec: str | int | pyproj.CRS | CRSSpec
) -> tuple[FloatArray, FloatArray]:
    """Convert coordinate arrays (e.g. two table columns) to WGS84 longitude/latitude.

    Parameters
    ----------
    x, y
        Longitude/easting and latitude/northing in the source system (broadcast together).
    spec
        The source system: a name for :func:`parse_crs` or a ``CRSSpec``.

    Returns
    -------
    lon, lat
        New float64 arrays in EPSG:4326, of the broadcast shape.
    """
    return _xy(x, y, parse_crs(spec), to_wgs84=True)


def from_wgs84_xy(
    lon: npt.ArrayLike, lat: npt.ArrayLike, spec: str | int | pyproj.CRS | CRSSpec
) -> tuple[FloatArray, FloatArray]:
    """Convert WGS84 longitude/latitude arrays to another system.

    Parameters
    ----------
    lon, lat
        WGS84 longitude and latitude in degrees (broadcast together).
    spec
        The target system: a name for :func:`parse_crs` or a ``CRSSpec``.

    Returns
    -------
    x, y
        New float64 arrays in the target system, of the broadcast shape.
    """
    return _xy(lon, lat, parse_crs(spec), to_wgs84=False)


_CHINESE = {
    "gcj02": (gcj02_to_wgs84, wgs84_to_gcj02),
    "bd09": (bd09_to_wgs84, wgs84_to_bd09),
}
"""The obfuscated systems: kind -> (to WGS84, from WGS84)."""


def _xy(
    x: npt.ArrayLike, y: npt.ArrayLike, parsed: CRSSpec, *, to_wgs84: bool
) -> tuple[FloatArray, FloatArray]:
    """``x, y`` converted between ``parsed`` and WGS84 (either way)."""
    if parsed.kind in _CHINESE:
        return _CHINESE[parsed.kind][0 if to_wgs84 else 1](x, y)
    if parsed.is_wgs84:
        shape = _shape_of(x, y)
        fx, fy = _as_float_arrays(x, y)
        return fx.reshape(shape), fy.reshape(shape)
    pair = (parsed.crs, WGS84) if to_wgs84 else (WGS84, parsed.crs)
    return _pyproj_xy(_transformer(*pair), x, y)


def _geometry_array(geoms: Any) -> npt.NDArray[np.object_]:
    """Geometries (one, a list, an array, a GeoSeries) as a new 1-d object array."""
    if isinstance(geoms, shapely.Geometry) or geoms is None:
        return np.array([geoms], dtype=object)
    values = getattr(geoms, "geometry", geoms)  # GeoDataFrame -> GeoSeries
    values = getattr(values, "values", values)  # GeoSeries -> GeometryArray
    arr = np.asarray(values, dtype=object)
    if arr.ndim != 1:
        arr = arr.ravel()
    return arr.copy()


def _apply_xy(
    geoms: npt.NDArray[np.object_],
    func: Callable[[FloatArray, FloatArray], tuple[FloatArray, FloatArray]],
) -> npt.NDArray[np.object_]:
    """Apply a vectorised (x, y) -> (x, y) function to every coordinate; z is kept."""

    def _xyz(x: FloatArray, y: FloatArray, z: FloatArray | None = None) -> tuple[FloatArray, ...]:
        nx, ny = func(x, y)
        return (nx, ny) if z is None else (nx, ny, z)

    return np.asarray(
        shapely.transform(geoms, _xyz, include_z=None, interleaved=False), dtype=object
    )


def to_wgs84_geometries(
    geoms: Any, spec_or_name: str | int | pyproj.CRS | CRSSpec
) -> npt.NDArray[np.object_]:
    """Convert shapely geometries to WGS84 longitude/latitude (EPSG:4326).

    Parameters
    ----------
    geoms
        A shapely geometry, a sequence or array of them, or a GeoSeries / GeoDataFrame
        (its CRS is ignored: ``spec_or_name`` says what the coordinates are). Points,
        lines, polygons, multi-part geometries and collections; None and empty
        geometries pass through. Z values are kept.
    spec_or_name
        The source system: a name for :func:`parse_crs` or a ``CRSSpec``.

    Returns
    -------
    numpy.ndarray
        A new 1-d object array of shapely geometries in EPSG:4326.
    """
    parsed = parse_crs(spec_or_name)
    arr = _geometry_array(geoms)
    if parsed.is_wgs84:
        return arr
    return _apply_xy(arr, lambda x, y: _xy(x, y, parsed, to_wgs84=True))


def from_wgs84_geometries(
    geoms: Any, spec_or_name: str | int | pyproj.CRS | CRSSpec
) -> npt.NDArray[np.object_]:
    """Convert shapely geometries from WGS84 to another system.

    Used e.g. to shift overlays onto GCJ-02 map tiles: ``from_wgs84_geometries(g, "GCJ02")``.

    Parameters
    ----------
    geoms
        Shapely geometries in EPSG:4326 (one, a sequence, an array or a GeoSeries).
    spec_or_name
        The target system: ``"GCJ02"``, ``"BD09"`` or any name for :func:`parse_crs`.

    Returns
    -------
    numpy.ndarray
        A new 1-d object array of shapely geometries in the target system.
    """
    parsed = parse_crs(spec_or_name)
    arr = _geometry_array(geoms)
    if parsed.is_wgs84:
        return arr
    return _apply_xy(arr, lambda x, y: _xy(x, y, parsed, to_wgs84=False))


def _utm_crs(lon: float, lat: float) -> pyproj.CRS:
    zone = min(max(int(np.floor((lon + 180.0) / 6.0)) + 1, 1), 60)
    return pyproj.CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def _boundary_centroid(boundary: Any) -> tuple[float, float]:
    """Longitude/latitude of the centroid of a boundary given in EPSG:4326."""
    crs = getattr(boundary, "crs", None)
    if crs is not None and hasattr(boundary, "to_crs") and pyproj.CRS.from_user_input(crs) != WGS84:
        boundary = boundary.to_crs(WGS84)
    arr = _geometry_array(boundary)
    arr = arr[~shapely.is_missing(arr)]
    arr = arr[~shapely.is_empty(arr)]
    if arr.size == 0:
        raise CRSError("Cannot choose a working CRS: the boundary is empty.")
    geom = arr[0] if arr.size == 1 else shapely.GeometryCollection(list(arr))
    centre = shapely.centroid(geom)
    lon, lat = float(shapely.get_x(centre)), float(shapely.get_y(centre))
    if not (np.isfinite(lon) and np.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise CRSError(
            f"Cannot choose a working CRS: the boundary's centre ({lon}, {lat}) is not a "
            "longitude/latitude in degrees. Convert the boundary to EPSG:4326 first."
        )
    return lon, lat


def working_crs(boundary_wgs84: Any, setting: str | int | pyproj.CRS | None = "auto") -> pyproj.CRS:
    """Choose the metric CRS a project computes in.

    Parameters
    ----------
    boundary_wgs84
        The city boundary in EPSG:4326: a shapely geometry, a sequence of them, or a
        GeoSeries / GeoDataFrame (converted to EPSG:4326 first if it has another CRS).
    setting
        ``"auto"`` (or None): the WGS84 UTM zone of the boundary's centroid (EPSG:326zz in
        the northern hemisphere, 327zz in the southern). Otherwise any name for
        :func:`parse_crs` of a projected CRS in metres, e.g. ``"EPSG:4547"``.

    Returns
    -------
    pyproj.CRS
        A projected CRS whose axes are in metres.

    Raises
    ------
    CRSError
        If the setting is not understood, is GCJ-02/BD-09, or is not projected in metres,
        or if the boundary is empty or not in degrees (for ``"auto"``).
    """
    if setting is None or (isinstance(setting, str) and setting.strip().lower() == "auto"):
        return _utm_crs(*_boundary_centroid(boundary_wgs84))
    spec = parse_crs(setting)
    if spec.kind != "pyproj":
        raise CRSError(
            f"Working CRS {spec.label} cannot be used: it is an offset geographic system, "
            "not a projected one. Use 'auto' or a projected EPSG code in metres "
            "(e.g. EPSG:4547 for CGCS2000 3-degree Gauss-Kruger CM 114E)."
        )
    units = {(axis.unit_name or "").lower() for axis in spec.crs.axis_info}
    if not spec.crs.is_projected or not units or not units <= {"metre", "meter"}:
        raise CRSError(
            f"Working CRS {spec.label} cannot be used: it must be projected with metre units "
            f"(its axis units: {', '.join(sorted(units)) or 'unknown'}). Use 'auto' or e.g. "
            "EPSG:4547 (CGCS2000 3-degree Gauss-Kruger CM 114E)."
        )
    return spec.crs
