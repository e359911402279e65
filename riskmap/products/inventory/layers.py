"""The inventory's tables as files hold them: numbers rounded to meaningful digits, headers
for people, and spatial layers of one geometry type each (what GIS clients such as ArcGIS
need to draw a layer).
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from riskmap.products.inventory.base import CELLS, COUNTIES, Inventory, header_labels, view_table

_INTEGER = -1
"""Digits of a column written as a whole number."""

_SCORES = frozenset(
    {"score", "hazard", "exposure", "vulnerability", "coping_gap", "consequence", "intensity"}
)


def _digits(column: str) -> int:
    """Decimals a float column is written with (``_INTEGER``: a whole number)."""
    if column in ("lon", "lat"):
        return 6  # about 0.1 m
    if column in _SCORES or column.endswith("_score"):
        return 2
    if column.startswith("share_") or column.endswith("_share"):
        return 3
    if column == "population" or column.startswith("population_"):
        return _INTEGER
    if column == "area_m2" or column.startswith("area_m2_"):
        return _INTEGER
    if column == "area_km2" or column.startswith("area_km2_"):
        return 6  # whole square metres
    if column == "direct_loss":
        return 2  # 10,000 yuan: to the hundred yuan
    return 3


def round_for_people(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with float columns rounded to meaningful digits (canonical column names).

    Scores and their components (0-10) 2 decimals, shares 3, population and areas in m²
    whole numbers (nullable integers), areas in km² 6 decimals (whole m²), longitude and
    latitude 6, direct loss (10,000 yuan) 2, other measures 3. Integer and text columns are
    kept as they are.
    """
    out = pd.DataFrame(frame).copy() if not isinstance(frame, gpd.GeoDataFrame) else frame.copy()
    for col in out.columns:
        if not isinstance(col, str) or col == "geometry":
            continue
        s = out[col]
        if not pd.api.types.is_float_dtype(s):
            continue
        digits = _digits(col)
        if digits == _INTEGER:
            out[col] = s.round().astype("Int64")
        else:
            out[col] = s.round(digits)
    return out


def plain_table(frame: pd.DataFrame, lang: str, table: str | None = None) -> pd.DataFrame:
    """A language view without geometry, numbers rounded, with headers for people."""
    view = view_table(frame, lang)
    if "geometry" in view.columns:
        view = pd.DataFrame(view.drop(columns="geometry"))
    view = round_for_people(view)
    return view.rename(columns=header_labels(list(view.columns), lang, table))


def spatial_table(frame: gpd.GeoDataFrame, lang: str, table: str | None = None) -> gpd.GeoDataFrame:
    """A language view in WGS84, numbers rounded, with headers for people."""
    view = view_table(frame, lang)
    name = view.geometry.name
    attrs = round_for_people(pd.DataFrame(view.drop(columns=name)))
    attrs = attrs.rename(columns=header_labels(list(attrs.columns), lang, table))
    out = gpd.GeoDataFrame(attrs, geometry=view.geometry.to_numpy(), crs=frame.crs)
    return out.to_crs(4326) if out.crs is not None else out


# --------------------------------------------------------------------------- one geometry type

_FAMILY_TYPE = {0: "Point", 1: "MultiLineString", 2: "MultiPolygon"}
"""Declared geometry type of a layer of points, lines or polygons (dimension 0, 1, 2)."""


def _as_multi(geoms: np.ndarray, dimension: int) -> np.ndarray:
    """Every geometry as a MultiLineString (dimension 1) or MultiPolygon (2) of its parts of
    that dimension (collections are opened); None where it has none."""
    parts, index = shapely.get_parts(geoms, return_index=True)
    inner, inner_index = shapely.get_parts(parts, return_index=True)  # parts of collections
    index = index[inner_index]
    type_ids = shapely.get_type_id(inner)
    keep = np.isin(type_ids, (1, 2)) if dimension == 1 else type_ids == 3
    out = np.full(len(geoms), None, dtype=object)
    if keep.any():  # geometries without such parts are not in ``indices``: they stay None
        build = shapely.multilinestrings if dimension == 1 else shapely.multipolygons
        build(inner[keep], indices=index[keep], out=out)
    return out


def one_geometry_type(frame: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, str]:
    """The frame with one geometry type, and that type's name for GDAL.

    Points stay Points (MultiPoint when any is one); lines become MultiLineStrings and
    polygons MultiPolygons. A frame that mixes points, lines and polygons keeps one point
    per feature (a point on its surface). An empty frame is declared ``Point``.
    """
    geoms = frame.geometry.to_numpy()
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    dims = set(shapely.get_dimensions(geoms[present]).tolist())
    if dims in ({1}, {2}):
        (dim,) = dims
        return frame.set_geometry(_as_multi(geoms, dim), crs=frame.crs), _FAMILY_TYPE[dim]
    if dims and dims != {0}:
        geoms = np.where(present, shapely.point_on_surface(geoms), None)
    types = set(shapely.get_type_id(geoms[present]).tolist())
    if 4 in types:  # MultiPoint
        return frame.set_geometry(_as_multi_points(geoms), crs=frame.crs), "MultiPoint"
    return frame.set_geometry(geoms, crs=frame.crs), "Point"


def _as_multi_points(geoms: np.ndarray) -> np.ndarray:
    parts, index = shapely.get_parts(geoms, return_index=True)
    out = np.full(len(geoms), None, dtype=object)
    if len(parts):
        shapely.multipoints(parts, indices=index, out=out)
    return out


@dataclass(frozen=True)
class SpatialLayer:
    """One layer of a GIS export.

    Attributes
    ----------
    name : layer name (``sources_points``, ``areas`` ...), also the GeoJSON file's suffix.
    table : the inventory table it comes from (its title and headers).
    frame : WGS84, headers for people, numbers rounded, one geometry type.
    geometry_type : that type, as GDAL names it (``Point``, ``MultiPolygon`` ...).
    """

    name: str
    table: str
    frame: gpd.GeoDataFrame
    geometry_type: str


def _layer(name: str, table: str, frame: gpd.GeoDataFrame, kind: str, lang: str) -> SpatialLayer:
    """``frame`` (working CRS) as a layer of ``kind`` (``Point``, ``MultiLineString`` or
    ``MultiPolygon``), declared so even when empty."""
    geoms = frame.geometry.to_numpy()
    if kind != "Point":
        geoms = _as_multi(geoms, 1 if kind == "MultiLineString" else 2)
    shaped = gpd.GeoDataFrame(
        frame.drop(columns=frame.geometry.name), geometry=geoms, crs=frame.crs
    )
    return SpatialLayer(name, table, spatial_table(shaped, lang, table), kind)


def spatial_layers(inv: Inventory, lang: str = "zh", *, cells: bool = False) -> list[SpatialLayer]:
    """The spatial layers of the inventory, one geometry type each.

    ``sources_points`` holds every source as a point (a point itself, or a point on the
    surface of a line or polygon: its lon/lat); ``sources_lines`` and ``sources_polygons``
    hold the line and polygon sources with their own shapes (MultiLineString,
    MultiPolygon); ``areas`` and ``districts`` are MultiPolygons; ``cells`` (when ``cells``
    and the inventory has them) MultiPolygons.
    """
    src = inv.sources
    geoms = src.geometry.to_numpy()
    dims = shapely.get_dimensions(geoms)
    points = gpd.GeoDataFrame(
        src.drop(columns=src.geometry.name),
        geometry=shapely.point_on_surface(geoms),
        crs=src.crs,
    )
    layers = [
        _layer("sources_points", "sources", points, "Point", lang),
        _layer("sources_lines", "sources", src[dims == 1], "MultiLineString", lang),
        _layer("sources_polygons", "sources", src[dims == 2], "MultiPolygon", lang),
        _layer("areas", "areas", inv.areas, "MultiPolygon", lang),
    ]
    if isinstance(inv.districts, gpd.GeoDataFrame):
        layers.append(_layer("districts", "districts", inv.districts, "MultiPolygon", lang))
    if isinstance(inv.counties, gpd.GeoDataFrame):
        layers.append(_layer(COUNTIES, COUNTIES, inv.counties, "MultiPolygon", lang))
    if cells and inv.cells is not None:
        layers.append(_layer(CELLS, CELLS, inv.cells, "MultiPolygon", lang))
    return layers
