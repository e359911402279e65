"""Geometries of a layer in WGS84 and then the working CRS: the source CRS (declared,
guessed or from the file), GCJ-02/BD-09, swapped or out-of-area coordinates.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import shapely

from riskmap.errors import (
    CRSError,
)
from riskmap.io import crs as crs_mod
from riskmap.io.problems import _Problems, _short

BBOX_MARGIN_DEG = 0.05

BBOX_MARGIN_SHARE = 0.10
"""The city bounding box is widened by max(BBOX_MARGIN_DEG, BBOX_MARGIN_SHARE × its size)."""

_GEOMETRY_TYPES = {
    "point": {"Point"},
    "line": {"LineString", "MultiLineString"},
    "polygon": {"Polygon", "MultiPolygon"},
    "any": {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"},
}


_TYPE_NAMES = (
    "Point",
    "LineString",
    "LinearRing",
    "Polygon",
    "MultiPoint",
    "MultiLineString",
    "MultiPolygon",
    "GeometryCollection",
)


def _resolve_path(path: str, root: Path | str) -> Path:
    p = Path(path)
    return p if p.is_absolute() else (Path(root) / p).resolve()


def _crs_equal(a: pyproj.CRS, b: pyproj.CRS) -> bool:
    if a == b:
        return True
    ea, eb = a.to_epsg(min_confidence=70), b.to_epsg(min_confidence=70)
    return ea is not None and ea == eb


def _source_crs(
    binding_crs: str, explicit: bool, frame: pd.DataFrame, problems: _Problems
) -> crs_mod.CRSSpec:
    """The CRS of the file's coordinates: the project's when given, else the file's own."""
    spec = crs_mod.parse_crs(binding_crs)
    file_crs = frame.crs if isinstance(frame, gpd.GeoDataFrame) else None
    if file_crs is None:
        return spec
    file_crs = pyproj.CRS.from_user_input(file_crs)
    if not explicit:
        return crs_mod.parse_crs(file_crs)
    if spec.kind in {"gcj02", "bd09"}:
        if not file_crs.is_geographic:
            _crs_mismatch(problems, file_crs, spec)
        return spec
    implicit = frame.attrs.get("crs_implicit", False)
    if not implicit and not _crs_equal(file_crs, spec.crs):
        _crs_mismatch(problems, file_crs, spec)
    return spec


def _crs_mismatch(problems: _Problems, file_crs: pyproj.CRS, spec: crs_mod.CRSSpec) -> None:
    """Warn that the file's own CRS differs from the project's, which is used."""
    problems.add(
        "warning",
        "crs_mismatch",
        f"the file declares {crs_mod.parse_crs(file_crs).label} but the project says {spec.label}; "
        f"the project's {spec.label} is used",
        "remove 'crs' from the project to use the file's own, or fix the file",
        zh=(
            f"文件声明的坐标系是 {crs_mod.parse_crs(file_crs).label}，而所选的是 {spec.label}；"
            f"按所选的 {spec.label} 读取",
            "如要使用文件自带的坐标系，请选择“文件自带”，或修正文件",
        ),
    )


def _checked_crs(
    binding_crs: str,
    explicit: bool,
    frame: pd.DataFrame,
    problems: _Problems,
    bbox_wgs84: Sequence[float] | None = None,
) -> crs_mod.CRSSpec | None:
    """The source CRS, or None (with an ``unknown_crs`` problem) when it cannot reach WGS84."""
    lon = (float(bbox_wgs84[0]) + float(bbox_wgs84[2])) / 2 if bbox_wgs84 is not None else None
    hint = (
        "use WGS84, CGCS2000, GCJ02, BD09 or EPSG:nnnn, e.g. "
        f"{crs_mod.gauss_kruger_hint(lon)} for projected metres"
    )
    hint_zh = "请使用 WGS84、CGCS2000、GCJ02、BD09 或 EPSG:nnnn；投影坐标（米）如 " + "、".join(
        _EPSG.findall(crs_mod.gauss_kruger_hint(lon))
    )
    try:
        spec = _source_crs(binding_crs, explicit, frame, problems)
    except CRSError as exc:
        problems.add(
            "error",
            "unknown_crs",
            str(exc).split(" Accepted:")[0],
            hint,
            zh=(f"无法识别坐标系“{binding_crs}”", hint_zh),
        )
        return None
    try:
        crs_mod.to_wgs84_xy(np.array([0.0]), np.array([0.0]), spec)
    except (pyproj.exceptions.ProjError, pyproj.exceptions.CRSError, ValueError) as exc:
        problems.add(
            "error",
            "unknown_crs",
            f"coordinates in {spec.label} cannot be converted to WGS84 ({_short(exc)})",
            hint,
            zh=(f"{spec.label} 的坐标无法转换为 WGS84", hint_zh),
        )
        return None
    return spec


def _projected_hint(
    spec: crs_mod.CRSSpec, eastings: npt.NDArray[np.float64], bbox_wgs84: Sequence[float] | None
) -> str:
    """What to do about metres read as degrees: for BD-09, Baidu Mercator (BD-09MC) metres;
    else the Gauss-Kruger system that fits: the zone an 8-digit easting carries, or the zone
    of the project's centre."""
    if spec.kind == "bd09":
        return (
            "these look like Baidu Mercator metres (BD-09MC, e.g. 12,7xx,xxx / 3,5xx,xxx), not "
            "BD-09 longitude/latitude: export the points from Baidu as longitude/latitude "
            "(BD-09 degrees) and keep crs: BD09"
        )
    lon = (float(bbox_wgs84[0]) + float(bbox_wgs84[2])) / 2 if bbox_wgs84 is not None else None
    easting = float(np.median(eastings)) if len(eastings) else None
    zone = crs_mod.gauss_kruger_hint(lon, easting)
    return "set the layer's crs to the projected system, e.g. " + zone


def _is_geographic(spec: crs_mod.CRSSpec) -> bool:
    return spec.kind != "pyproj" or bool(spec.crs.is_geographic)


def _margin_box(bbox: Sequence[float]) -> tuple[float, float, float, float]:
    minx, miny, maxx, maxy = (float(v) for v in bbox)
    m = max(BBOX_MARGIN_DEG, BBOX_MARGIN_SHARE * max(maxx - minx, maxy - miny))
    return minx - m, miny - m, maxx + m, maxy + m


def _swap_xy(geoms: npt.NDArray[np.object_]) -> npt.NDArray[np.object_]:
    return np.asarray(shapely.transform(geoms, lambda c: c[:, ::-1]), dtype=object)


_EPSG = re.compile(r"EPSG:\d+")

_GEOMETRY_ZH = {"point": "点", "line": "线", "polygon": "面"}
"""A layer kind's geometry in Chinese."""


def _projected_hint_zh(hint: str) -> str:
    """:func:`_projected_hint` in Chinese (the EPSG codes it names)."""
    if "BD-09MC" in hint:
        return (
            "这些像是百度墨卡托米制坐标（BD-09MC），不是 BD-09 经纬度：请从百度导出经纬度（BD-09）"
        )
    return "请把图层的坐标系设为投影坐标系，如 " + "、".join(_EPSG.findall(hint))


def _fmt_xy(x: float, y: float) -> str:
    return f"x={x:.6g}, y={y:.6g}"


def _geometries_wgs84(
    geoms: npt.NDArray[np.object_],
    rows: npt.NDArray[np.int64],
    spec: crs_mod.CRSSpec,
    *,
    geometry: str,
    bbox_wgs84: Sequence[float] | None,
    problems: _Problems,
    column: str | None,
    from_table: bool,
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.bool_]]:
    """Check and convert source geometries; returns (WGS84 geometries, good-row mask)."""
    n = len(geoms)
    ok = np.ones(n, dtype=bool)
    out = np.full(n, None, dtype=object)
    if n == 0:
        return out, ok
    geoms = np.asarray(geoms, dtype=object)
    if shapely.has_z(geoms).any():
        geoms = shapely.force_2d(geoms)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if not from_table:
        problems.rows(
            "error",
            "null_geometry",
            rows[missing],
            "the feature has no geometry (null or empty)",
            "draw the feature again or delete it",
            column=column,
            zh=("要素没有几何（空值或空几何）", "请重新绘制或删除该要素"),
        )
    ok &= ~missing
    # Geometry type for the kind (multi-points of one point become points).
    type_ids = shapely.get_type_id(geoms)
    single_mp = (type_ids == 4) & (shapely.get_num_geometries(geoms) == 1) & ok
    if single_mp.any():
        geoms = geoms.copy()
        geoms[single_mp] = shapely.get_geometry(geoms[single_mp], 0)
        type_ids = shapely.get_type_id(geoms)
    allowed = _GEOMETRY_TYPES[geometry]
    names = np.array((*_TYPE_NAMES, "None"), dtype=object)[np.where(type_ids < 0, 8, type_ids)]
    wrong = ok & ~np.isin(names, list(allowed))
    if wrong.any():
        idx = np.flatnonzero(wrong)
        problems.rows(
            "error",
            "wrong_geometry",
            rows[idx],
            [f"the geometry is a {names[i]}; this layer needs {geometry} geometries" for i in idx],
            f"convert the features to {geometry}s, or bind the file to a layer kind of that geometry",
            column=column,
            zh=(
                [
                    f"几何类型为 {names[i]}；此图层需要{_GEOMETRY_ZH.get(geometry, geometry)}"
                    for i in idx
                ],
                f"请把要素转换为{_GEOMETRY_ZH.get(geometry, geometry)}，或改选该几何类型的图层类别",
            ),
        )
    ok &= ~wrong
    # Values in the wrong unit: degrees vs metres (on bounds, before conversion).
    bounds = np.full((n, 4), np.nan)
    bounds[ok] = shapely.bounds(geoms[ok])
    bx0, by0, bx1, by1 = bounds.T
    ax = np.fmax(np.abs(bx0), np.abs(bx1))
    ay = np.fmax(np.abs(by0), np.abs(by1))
    bad_num = ok & ~(np.isfinite(bounds).all(axis=1))
    problems.rows(
        "error",
        "bad_coordinates",
        rows[bad_num],
        "the coordinates are not finite numbers",
        "fix the coordinates",
        column=column,
        zh=("坐标不是有限的数字", "请更正坐标"),
    )
    ok &= ~bad_num
    swapped = np.zeros(n, dtype=bool)
    if _is_geographic(spec):
        out_of_range = ok & ((ax > 180) | (ay > 90))
        swap_like = out_of_range & (ax <= 90) & (ay <= 180)
        swapped |= swap_like
        projected = out_of_range & ~swap_like & ((ax > 1000) | (ay > 1000))
        other = out_of_range & ~swap_like & ~projected
        idx = np.flatnonzero(projected)
        problems.rows(
            "error",
            "projected_as_degrees",
            rows[idx],
            [
                f"{_fmt_xy(bx0[i], by0[i])} are not longitude/latitude in degrees: they look like "
                f"projected coordinates in metres, but the layer's crs is {spec.label}"
                for i in idx
            ],
            _projected_hint(spec, bx0[idx], bbox_wgs84),
            column=column,
            zh=(
                [
                    f"{_fmt_xy(bx0[i], by0[i])} 不是以度为单位的经纬度：像是以米为单位的投影坐标，"
                    f"而图层的坐标系是 {spec.label}"
                    for i in idx
                ],
                _projected_hint_zh(_projected_hint(spec, bx0[idx], bbox_wgs84)),
            ),
        )
        idx = np.flatnonzero(other)
        problems.rows(
            "error",
            "bad_coordinates",
            rows[idx],
            [
                f"{_fmt_xy(bx0[i], by0[i])} is outside the range of longitude (±180) / latitude (±90)"
                for i in idx
            ],
            "fix the coordinates",
            column=column,
            zh=(
                [f"{_fmt_xy(bx0[i], by0[i])} 超出经度（±180）/纬度（±90）的范围" for i in idx],
                "请更正坐标",
            ),
        )
        ok &= ~out_of_range
    else:
        degrees = ok & (ax <= 180) & (ay <= 90)
        idx = np.flatnonzero(degrees)
        problems.rows(
            "error",
            "degrees_as_projected",
            rows[idx],
            [
                f"{_fmt_xy(bx0[i], by0[i])} look like longitude/latitude in degrees, but the layer's "
                f"crs is the projected {spec.label}"
                for i in idx
            ],
            "set the layer's crs to WGS84, CGCS2000, GCJ02 or BD09",
            column=column,
            zh=(
                [
                    f"{_fmt_xy(bx0[i], by0[i])} 像是以度为单位的经纬度，而图层的坐标系是投影坐标系 "
                    f"{spec.label}"
                    for i in idx
                ],
                "请把图层的坐标系设为 WGS84、CGCS2000、GCJ02 或 BD09",
            ),
        )
        ok &= ~degrees
    # Convert the good rows.
    idx = np.flatnonzero(ok)
    if idx.size:
        converted = crs_mod.to_wgs84_geometries(geoms[idx], spec)
        out[idx] = converted
        cb = shapely.bounds(converted)
        nonfinite = ~np.isfinite(cb).all(axis=1)
        problems.rows(
            "error",
            "bad_coordinates",
            rows[idx[nonfinite]],
            f"the coordinates cannot be converted from {spec.label} to WGS84",
            "check the layer's crs and the coordinates",
            column=column,
            zh=(f"坐标无法从 {spec.label} 转换为 WGS84", "请检查图层的坐标系和坐标"),
        )
        ok[idx[nonfinite]] = False
    # Inside the city's bounding box?
    if bbox_wgs84 is not None:
        box = shapely.box(*_margin_box(bbox_wgs84))
        idx = np.flatnonzero(ok)
        outside = idx[~shapely.intersects(out[idx], box)] if idx.size else idx
        if outside.size:
            try:
                swapped_back = crs_mod.to_wgs84_geometries(_swap_xy(geoms[outside]), spec)
                inside_if_swapped = shapely.intersects(swapped_back, box)
            except Exception:
                inside_if_swapped = np.zeros(outside.size, dtype=bool)
            swapped[outside[inside_if_swapped]] = True
            far = outside[~inside_if_swapped]
            ok[outside] = False
            minx, miny, maxx, maxy = (float(v) for v in bbox_wgs84)
            reps = shapely.point_on_surface(out[far]) if far.size else np.array([], dtype=object)
            problems.rows(
                "error",
                "outside_bbox",
                rows[far],
                [
                    f"the feature at lon {shapely.get_x(p):.5f}, lat {shapely.get_y(p):.5f} is outside the "
                    f"city (lon {minx:.3f}..{maxx:.3f}, lat {miny:.3f}..{maxy:.3f})"
                    for p in reps
                ],
                "check the coordinates and the layer's crs (GCJ02/BD09/WGS84/a projected EPSG code)",
                column=column,
                zh=(
                    [
                        f"位于经度 {shapely.get_x(p):.5f}、纬度 {shapely.get_y(p):.5f} 的要素在城市范围之外"
                        f"（经度 {minx:.3f}～{maxx:.3f}，纬度 {miny:.3f}～{maxy:.3f}）"
                        for p in reps
                    ],
                    "请检查坐标和图层的坐标系（GCJ02/BD09/WGS84/投影 EPSG 代码）",
                ),
            )
    idx = np.flatnonzero(swapped)
    if idx.size:
        problems.rows(
            "error",
            "swapped_xy",
            rows[idx],
            [
                f"longitude and latitude appear to be swapped ({_fmt_xy(bx0[i], by0[i])})"
                for i in idx
            ],
            "swap the columns (or x/y in the project), longitude/easting is x"
            if from_table
            else "swap the coordinates' axis order when exporting the file",
            column=column,
            zh=(
                [f"经度和纬度似乎颠倒了（{_fmt_xy(bx0[i], by0[i])}）" for i in idx],
                "请对调两列（经度/东坐标为 x）" if from_table else "导出文件时请对调坐标轴顺序",
            ),
        )
        ok[idx] = False
        out[idx] = None
    # Repair invalid polygons and lines.
    idx = np.flatnonzero(ok)
    if idx.size:
        invalid = idx[~shapely.is_valid(out[idx])]
        if invalid.size:
            reasons = shapely.is_valid_reason(out[invalid])
            repaired = shapely.make_valid(out[invalid], method="structure", keep_collapsed=False)
            empty = shapely.is_empty(repaired) | shapely.is_missing(repaired)
            problems.rows(
                "warning",
                "invalid_geometry",
                rows[invalid[~empty]],
                [f"invalid geometry ({r}); repaired" for r in reasons[~empty]],
                "check the feature's outline in a GIS (self-intersection, duplicate rings)",
                column=column,
                zh=("几何无效，已修复", "请在 GIS 中检查要素的轮廓（自相交、重复的环）"),
            )
            problems.rows(
                "error",
                "null_geometry",
                rows[invalid[empty]],
                "the geometry is invalid and nothing is left after repair",
                "draw the feature again",
                column=column,
                zh=("几何无效，修复后什么也没剩下", "请重新绘制该要素"),
            )
            out[invalid] = repaired
            ok[invalid[empty]] = False
    out[~ok] = None
    return out, ok
