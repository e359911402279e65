"""The electronic risk map (城市安全风险电子地图): a folium map of scored cells and overlays.

The page's size does not grow with the number of cells:

* the four-colour **level** view draws the cells dissolved by level (a few polygons,
  coverage-simplified so adjacent levels keep shared edges, vertex count bounded);
* the continuous views (**score**, **hazard**, **exposure**, **vulnerability**,
  **coping_gap**) draw one PNG image: the cells' values resampled onto the pixels of the
  Web-Mercator map (inverse mapping: each pixel's centre is converted to the working
  CRS and the cell under it looked up), so the slight rotation of a UTM grid against
  longitude/latitude is drawn correctly;
* full cell outlines with tooltips (cell id, level, score) only for the
  ``max_detail_cells`` highest-scoring cells;
* a click is answered in Python: :func:`cell_at` maps the clicked longitude/latitude
  (as a host page reports it) to a cell id. Every page also records the last click in the
  map element's ``data-last-click`` attribute (``"lat,lng"``) and calls
  ``window.riskmap.onclick(event)`` when a host page has set it.

Leaflet and its plugins come from installed files (:mod:`riskmap.maps.assets`); with
``basemap="none"`` the page requests nothing from any other host. With
``basemap="amap"`` (GCJ-02 tiles) every drawn coordinate is shifted WGS84 -> GCJ-02.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import html
import io
import json
import math
import re
import weakref
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import shapely
from branca.element import Element, MacroElement
from folium.elements import ElementAddToElement
from folium.map import Layer
from jinja2 import Template

from riskmap.config import MapOptions
from riskmap.config.levels import LEVELS
from riskmap.config.vocabulary import BASEMAPS, DEFAULT_OVERLAYS, OVERLAYS, VIEWS
from riskmap.engine.rules import rule_values
from riskmap.io.crs import (
    from_wgs84_geometries,
    gcj02_to_wgs84,
    to_wgs84_geometries,
    to_wgs84_xy,
    wgs84_to_gcj02,
)
from riskmap.maps import assets as _assets

__all__ = [
    "BASEMAPS",
    "DEFAULT_OVERLAYS",
    "OVERLAYS",
    "VIEWS",
    "CellIndex",
    "ScoreLayers",
    "build_cell_index",
    "build_map",
    "cell_at",
    "cells_at",
    "fire_reach_m",
    "map_from_cells",
    "render_html",
    "save_map",
    "use_local_assets",
]

# Views, basemaps and overlays: riskmap's one vocabulary (riskmap.config.vocabulary).

AMAP_TILES = (
    "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}"
)
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"

_COORD_DIGITS = 5
"""Decimals of drawn longitudes/latitudes: 1e-5 degree is about 1 m."""
_MAX_LEVEL_VERTICES = 20_000
"""Upper bound on the vertices of the dissolved level polygons (about 450 kB of GeoJSON)."""
_MAX_IMAGE_PX = 1200
"""Longest side of a continuous view's image, in pixels."""
_IMAGE_STEPS = 32
"""Colour steps of a continuous view's image (a palette PNG compresses well)."""
_BACKGROUND = "#eef1f4"

_CMAPS = {
    "score": "YlOrRd",
    "hazard": "Reds",
    "exposure": "Purples",
    "vulnerability": "RdPu",
    "coping_gap": "YlOrBr",
}
_RANGES = {"score": (0.0, 100.0)} | dict.fromkeys(
    ("hazard", "exposure", "vulnerability", "coping_gap"), (0.0, 10.0)
)

# (zh, en) user-facing texts.
_TEXT: dict[str, tuple[str, str]] = {
    "level": ("城市安全风险等级", "Urban safety risk level"),
    "score": ("风险值", "Risk score"),
    "hazard": ("危险性 H", "Hazard H"),
    "exposure": ("暴露度 E", "Exposure E"),
    "vulnerability": ("脆弱性 V", "Vulnerability V"),
    "coping_gap": ("应对能力缺口 L", "Lack of coping capacity L"),
    "method_score": (
        "风险值 R = H × C（0–100）；C 为暴露度、脆弱性、应对能力缺口的加权几何平均",
        "Risk score R = H × C (0–100); C = weighted geometric mean of exposure, vulnerability and lack of coping capacity",
    ),
    "method_hazard": (
        "危险性 H（0–10）：各危险源强度 × 距离衰减核之和，各图层稳健缩放后加权",
        "Hazard H (0–10): sum of source intensity × distance-decay kernel, each layer scaled robustly, then weighted",
    ),
    "method_exposure": (
        "暴露度 E（0–10）：网格人口及学校、医院、高层建筑、人员密集场所等敏感目标",
        "Exposure E (0–10): people in the cell plus weighted sensitive targets (schools, hospitals, high-rises, crowded places)",
    ),
    "method_vulnerability": (
        "脆弱性 V（0–10）：特困群众、老年人等脆弱人群的比例与数量",
        "Vulnerability V (0–10): share and number of vulnerable people (special hardship, elderly)",
    ),
    "method_coping_gap": (
        "应对能力缺口 L（0–10）：10 − 能力（避难场所人均面积、消防 5 分钟可达、社区应急服务站、物资库、救援队伍）",
        "Lack of coping capacity L (0–10): 10 − capacity (shelter area per person, 5-minute fire reach, community stations, depots, rescue teams)",
    ),
    "method_matrix": (
        "风险矩阵 R = 可能性 L × 严重度 S（各 1–5）",
        "Risk matrix R = likelihood L × severity S (each 1–5)",
    ),
    "method_breaks": ("按风险值断点分级", "Classed by risk-score breaks"),
    "method_quantiles": ("按风险值分位数分级", "Classed by risk-score quantiles"),
    "method_natural_breaks": ("按风险值自然断点分级", "Classed by natural breaks of the risk score"),
    "cells": ("格", "cells"),
    "grid": ("网格", "Grid"),
    "cell": ("网格", "Cell"),
    "detail": ("重点网格（{level}及以上，{n} 个）", "Detail cells ({level} and above, {n})"),
    "detail_top": ("重点网格（{level}及以上风险值最高 {n} 个）", "Detail cells ({level} and above, top {n} by risk score)"),
    "districts": ("行政区划", "Districts"),
    "boundary": ("市界", "City boundary"),
    "shelters": ("应急避难场所", "Emergency shelters"),
    "shelter_radius": ("避难场所服务半径", "Shelter service radius"),
    "fire_stations": ("消防站", "Fire stations"),
    "fire_reach": ("消防站 5 分钟可达范围", "Fire stations: 5-minute reach"),
    "community_stations": ("社区应急服务站", "Community emergency stations"),
    "seismic_stations": ("地震监测台站", "Seismic stations"),
    "supply_depots": ("应急物资储备库", "Emergency supply depots"),
    "rescue_teams": ("救援队伍", "Rescue teams"),
    "hazards": ("危险源", "Hazard sources"),
    "hazard_areas": ("风险区域", "Hazard areas"),
    "hidden_hazards": ("在册隐患（未销号）", "Open hidden hazards"),
    "area": ("有效面积", "Effective area"),
    "radius": ("半径", "radius"),
    "osm": ("OpenStreetMap", "OpenStreetMap"),
    "amap": ("高德地图", "AMap"),
}

_SHELTER_COLORS = {"紧急": "#74c476", "固定": "#31a354", "中心": "#006d2c"}
_HIDDEN_STATUS_COLORS = {"已登记": "#e7298a", "整改中": "#fd8d3c", "待验收": "#1f78b4"}
_CLOSED_STATUSES = frozenset({"已销号", "已作废"})


def _t(key: str, lang: str) -> str:
    zh, en = _TEXT[key]
    return en if lang == "en" else zh


def _e(text: object) -> str:
    """HTML-escape any text that came from data."""
    return html.escape(str(text), quote=True)


def _js(value: object) -> str:
    """JSON for a <script> block: compact, and unable to close the script element."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


# ---------------------------------------------------------------------- cell lookup


@dataclass(frozen=True)
class CellIndex:
    """A fast point -> cell lookup for one cells GeoDataFrame.

    Square grids are looked up arithmetically (the square's column and row from the
    cell size and grid origin, then a binary search of the sorted square keys); other
    cells (H3) with an STRtree. Build it once (:func:`build_cell_index`) and keep it
    while the cells do not change.

    Attributes
    ----------
    crs : the cells' (working) CRS.
    cell_ids : cell ids, in the cells' row order.
    geometry : the cells' geometries (working CRS).
    cell_size : square side in metres, or None for non-square cells.
    origin : x, y of a grid corner (square grids).
    """

    crs: pyproj.CRS
    cell_ids: npt.NDArray[np.object_]
    geometry: npt.NDArray[np.object_]
    cell_size: float | None
    origin: tuple[float, float]
    _keys: npt.NDArray[np.int64]
    _order: npt.NDArray[np.intp]
    _lo: tuple[int, int]
    _span: int
    _tree: shapely.STRtree | None
    _partial: npt.NDArray[np.bool_] | None = None
    _cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """Weight-free things derived from the cells (position raster, footprint), built once."""

    def squares(self, x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Grid column and row of working-CRS points (square grids only)."""
        if self.cell_size is None:
            raise ValueError("the cells are not a square grid")
        s = self.cell_size
        col = np.floor((np.asarray(x, dtype=float) - self.origin[0]) / s).astype(np.int64)
        row = np.floor((np.asarray(y, dtype=float) - self.origin[1]) / s).astype(np.int64)
        return col, row

    def positions(self, x: npt.ArrayLike, y: npt.ArrayLike, *, exact: bool = True) -> npt.NDArray[np.intp]:
        """Row positions of the cells containing working-CRS points; -1 where none.

        Parameters
        ----------
        x, y
            Points in the working CRS.
        exact
            Check that the point is inside the cell geometry, not only inside its grid
            square (only cells clipped by the boundary need the geometric test).
        """
        xa = np.asarray(x, dtype=float).ravel()
        ya = np.asarray(y, dtype=float).ravel()
        out = np.full(xa.shape, -1, dtype=np.intp)
        finite = np.isfinite(xa) & np.isfinite(ya)
        if self._tree is not None:
            pts = shapely.points(xa[finite], ya[finite])
            idx_pts, idx_cells = self._tree.query(pts, predicate="intersects")
            sub = np.full(pts.shape, -1, dtype=np.intp)
            # keep the first cell per point (a point on a shared edge touches two)
            first = np.unique(idx_pts, return_index=True)[1]
            sub[idx_pts[first]] = idx_cells[first]
            out[finite] = sub
            return out
        col, row = self.squares(xa[finite], ya[finite])
        c = col - self._lo[0]
        r = row - self._lo[1]
        inside = (c >= 0) & (r >= 0) & (r < self._span) & (c < np.iinfo(np.int32).max)
        key = c * self._span + r
        j = np.searchsorted(self._keys, key)
        j = np.clip(j, 0, max(len(self._keys) - 1, 0))
        hit = inside & (len(self._keys) > 0) & (self._keys[j] == key) if len(self._keys) else inside & False
        sub = np.where(hit, self._order[j] if len(self._keys) else -1, -1).astype(np.intp)
        if exact and hit.any():
            check = hit.copy()
            if self._partial is not None:
                check[hit] = self._partial[sub[hit]]
            if check.any():
                ok = shapely.intersects_xy(self.geometry[sub[check]], xa[finite][check], ya[finite][check])
                tmp = sub[check]
                tmp[~ok] = -1
                sub[check] = tmp
        out[finite] = sub
        return out


def _cells_frame(cells: Any) -> gpd.GeoDataFrame:
    """The cells GeoDataFrame of an Assessment or a GeoDataFrame."""
    frame = getattr(cells, "cells", cells)
    if not isinstance(frame, gpd.GeoDataFrame):
        raise TypeError("cells must be a GeoDataFrame (or an Assessment with .cells)")
    if frame.crs is None:
        raise ValueError("the cells GeoDataFrame has no CRS; it must be in the working CRS")
    missing = {"cell_id", "geometry"} - set(frame.columns)
    if missing:
        raise ValueError(f"the cells lack column(s): {', '.join(sorted(missing))}")
    return frame


def build_cell_index(cells: Any, cell_size: float | None = None) -> CellIndex:
    """Index cells for point lookups (:func:`cell_at`, image resampling).

    Parameters
    ----------
    cells
        Cells GeoDataFrame in the working CRS (``cell_id``, geometry), or an Assessment.
    cell_size
        Side of the square cells in metres; inferred from the geometries when None.
        Cells that are not axis-aligned squares of one size (H3) use an STRtree.

    Returns
    -------
    CellIndex
    """
    frame = _cells_frame(cells)
    geoms = np.asarray(frame.geometry.values, dtype=object)
    ids = np.asarray(frame["cell_id"].astype(str).values, dtype=object)
    crs = pyproj.CRS.from_user_input(frame.crs)
    bounds = shapely.bounds(geoms)
    w = bounds[:, 2] - bounds[:, 0]
    h = bounds[:, 3] - bounds[:, 1]
    s = float(cell_size) if cell_size else (float(np.nanmax(np.maximum(w, h))) if len(geoms) else 0.0)
    tol = max(s * 1e-6, 1e-6)
    full = (np.abs(w - s) <= tol) & (np.abs(h - s) <= tol)
    if full.any():
        area_ok = np.abs(shapely.area(geoms[full]) - s * s) <= s * s * 1e-6
        full_idx = np.flatnonzero(full)[area_ok]
    else:
        full_idx = np.array([], dtype=np.intp)
    square = s > 0 and len(full_idx) > 0 and bool(np.all(w <= s + tol)) and bool(np.all(h <= s + tol))
    empty_i = np.zeros(0, dtype=np.int64)
    if not square:
        return CellIndex(crs, ids, geoms, None, (0.0, 0.0), empty_i, np.zeros(0, np.intp), (0, 0), 1,
                         shapely.STRtree(geoms))
    ox = float(bounds[full_idx[0], 0] % s)
    oy = float(bounds[full_idx[0], 1] % s)
    cx = (bounds[:, 0] + bounds[:, 2]) / 2
    cy = (bounds[:, 1] + bounds[:, 3]) / 2
    col = np.floor((cx - ox) / s).astype(np.int64)
    row = np.floor((cy - oy) / s).astype(np.int64)
    lo = (int(col.min()), int(row.min()))
    span = int(row.max() - lo[1] + 1)
    keys = (col - lo[0]) * span + (row - lo[1])
    order = np.argsort(keys, kind="stable")
    partial = shapely.area(geoms) < s * s * (1 - 1e-6)
    return CellIndex(crs, ids, geoms, s, (ox, oy), keys[order], order.astype(np.intp), lo, span, None, partial)


def _display_to_working(lon: npt.ArrayLike, lat: npt.ArrayLike, crs: pyproj.CRS, basemap: str) -> tuple[np.ndarray, np.ndarray]:
    lon_a = np.asarray(lon, dtype=float)
    lat_a = np.asarray(lat, dtype=float)
    if basemap == "amap":
        lon_a, lat_a = gcj02_to_wgs84(lon_a, lat_a)
    transformer = pyproj.Transformer.from_crs(4326, crs, always_xy=True)
    x, y = transformer.transform(lon_a, lat_a)
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def cells_at(
    cells: Any,
    lon: npt.ArrayLike,
    lat: npt.ArrayLike,
    crs: Any = None,
    *,
    basemap: str = "none",
    cell_size: float | None = None,
    index: CellIndex | None = None,
) -> npt.NDArray[np.object_]:
    """Cell ids at many map points (vectorised :func:`cell_at`); None where no cell.

    Parameters
    ----------
    cells
        Cells GeoDataFrame in the working CRS, or an Assessment (ignored if ``index``).
    lon, lat
        Points as the map reports them: WGS84, or GCJ-02 when ``basemap="amap"``.
    crs
        The cells' CRS (default: ``cells.crs``); kept for callers that pass it.
    basemap
        The basemap the map was drawn for (``amap`` means clicks are GCJ-02).
    cell_size, index
        Passed to / instead of :func:`build_cell_index`.
    """
    idx = index if index is not None else build_cell_index(cells, cell_size)
    target = pyproj.CRS.from_user_input(crs) if crs is not None else idx.crs
    x, y = _display_to_working(lon, lat, target, basemap)
    pos = idx.positions(x, y, exact=True)
    out = np.full(pos.shape, None, dtype=object)
    out[pos >= 0] = idx.cell_ids[pos[pos >= 0]]
    return out


def cell_at(
    cells: Any,
    lon: float,
    lat: float,
    crs: Any = None,
    *,
    basemap: str = "none",
    cell_size: float | None = None,
    index: CellIndex | None = None,
) -> str | None:
    """The id of the cell under a clicked map point, or None outside every cell.

    Parameters
    ----------
    cells
        Cells GeoDataFrame in the working CRS (``cell_id``, geometry), or an Assessment.
    lon, lat
        The clicked point (longitude, latitude as the page reports them): WGS84,
        or GCJ-02 when the map was drawn with ``basemap="amap"``.
    crs
        The cells' CRS (default: ``cells.crs``).
    basemap
        The basemap of the clicked map.
    cell_size, index
        A known square size, or a prebuilt :class:`CellIndex` (fast repeated clicks).

    Returns
    -------
    str or None
    """
    found = cells_at(cells, [lon], [lat], crs, basemap=basemap, cell_size=cell_size, index=index)
    return found[0]


# ------------------------------------------------------------------- display helpers


@dataclass(frozen=True)
class _Display:
    crs: pyproj.CRS
    basemap: str

    def xy(self, x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        lon, lat = to_wgs84_xy(x, y, self.crs)
        if self.basemap == "amap":
            lon, lat = wgs84_to_gcj02(lon, lat)
        return lon, lat

    def geoms(self, geoms: Any) -> npt.NDArray[np.object_]:
        out = to_wgs84_geometries(geoms, self.crs)
        if self.basemap == "amap":
            out = from_wgs84_geometries(out, "GCJ02")
        return np.asarray(
            shapely.transform(out, lambda c: np.round(c, _COORD_DIGITS)), dtype=object
        )

    def to_working(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        return _display_to_working(lon, lat, self.crs, self.basemap)


def _geojson_array(geoms: npt.NDArray[np.object_]) -> str:
    """A JSON array of GeoJSON geometries (L.geoJSON accepts arrays)."""
    keep = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    if keep.size == 0:
        return "[]"
    return "[" + ",".join(shapely.to_geojson(keep).tolist()) + "]"


def _encode_shapes(geoms: npt.NDArray[np.object_], *, polygons: bool) -> dict[str, Any]:
    """(Multi)polygons or (multi)lines as compact integer deltas, decoded by ``rm.decode``.

    Coordinates in 1e-5 degree units (:data:`_COORD_DIGITS`), each vertex as the change
    from the one before (the first from ``o``): about a third of GeoJSON's size, for
    the page and for the app, which sends the map again on every rerun. ``g``: parts
    per geometry, ``p``: rings per part (exterior first), ``r``: vertices per ring (a
    polygon ring's closing vertex is left out: Leaflet closes rings).
    """
    arr = np.asarray(geoms, dtype=object)
    parts, owner = shapely.get_parts(arr, return_index=True)
    if polygons:
        rings, ring_owner = shapely.get_rings(parts, return_index=True)
        rings_per_part = np.bincount(ring_owner, minlength=len(parts))
    else:
        rings = parts
        rings_per_part = np.ones(len(parts), dtype=np.int64)
    coords, ring_idx = shapely.get_coordinates(rings, return_index=True)
    counts = np.bincount(ring_idx, minlength=len(rings))
    if polygons and len(coords):
        last = np.cumsum(counts) - 1
        keep = np.ones(len(coords), dtype=bool)
        keep[last[counts > 0]] = False
        coords = coords[keep]
        counts = np.maximum(counts - 1, 0)
    q = np.round(coords * 10.0**_COORD_DIGITS).astype(np.int64)
    origin = q[0] if len(q) else np.zeros(2, dtype=np.int64)
    deltas = np.diff(q, axis=0, prepend=origin[None, :]) if len(q) else q
    return {
        "o": origin.tolist(),
        "g": np.bincount(owner, minlength=len(arr)).tolist(),
        "p": rings_per_part.tolist(),
        "r": counts.tolist(),
        "d": deltas.ravel().tolist(),
    }


class _ScriptLayer(Layer):
    """A layer made by a JS function body that returns a Leaflet layer (toggle in the control).

    A layer hidden on opening is built only when first shown (``rm.lazy``): the page
    does not spend time on overlays nobody looks at.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {% if this.show %}
        var {{ this.get_name() }} = (function(map, rm) {
        {{ this.body }}
        })({{ this._parent.get_name() }}, window.riskmap);
        {% else %}
        var {{ this.get_name() }} = window.riskmap.lazy(function(map, rm) {
        {{ this.body }}
        }, {{ this._parent.get_name() }});
        {% endif %}
        {% endmacro %}
        """
    )

    def __init__(self, body: str, name: str, *, show: bool = True, control: bool = True) -> None:
        super().__init__(name=name, overlay=True, control=control, show=show)
        self._name = "RiskmapLayer"
        self.body = body

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]  # as branca's MacroElement
        # folium's Layer.render, then the script added as text (see _render_script).
        parent: Any = self._parent
        if self.show:
            self.add_child(
                ElementAddToElement(element_name=self.get_name(), element_parent_name=parent.get_name()),
                name=self.get_name() + "_add",
            )
        _render_script(self, kwargs)


class _Script(MacroElement):
    """Plain JS in the map's script, with ``map`` bound to the map object."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function(map) {
        {{ this.body }}
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, body: str) -> None:
        super().__init__()
        self._name = "RiskmapScript"
        self.body = body

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]  # as branca's MacroElement
        _render_script(self, kwargs)


@dataclass(frozen=True)
class ScoreLayers:
    """The score-dependent part of a map built with ``MapOptions(dynamic=True)``.

    The risk layer, the detail cells and the legend, as one script for the map's runtime:
    run in a page that already shows the map, it replaces the set shown before
    (``window.riskmap.swap``), keyed by a hash of its content; layers keep the
    visibility the user gave them. A host that keeps the map on screen (the app) can
    then redraw only these layers after a weight change.

    Attributes
    ----------
    js : the script (expects ``window.riskmap`` of the map's runtime).
    key : hash of the script (the map's container gets it as ``data-riskmap-layers``).
    """

    js: str
    key: str


class _RawText(Element):
    """Text placed in the page as it is (branca's Element would compile it as a template)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def render(self, **kwargs: Any) -> str:
        return self.text


def _render_script(el: MacroElement, kwargs: dict[str, Any]) -> None:
    """branca's MacroElement.render for an element with only a script macro.

    branca wraps the rendered script in ``Element(text)``, which compiles the text as a
    Jinja template: for the large data scripts that is most of the render time (and
    ``{{`` in data would be taken for Jinja syntax). The text is added as it is instead.
    """
    figure: Any = el.get_root()
    script = el._template.module.__dict__["script"]
    figure.script.add_child(_RawText(script(el, kwargs)), name=el.get_name())
    for child in el._children.values():
        child.render(**kwargs)


_RUNTIME_JS = """
var rm = window.riskmap = window.riskmap || {};
window.riskmapMap = map;
rm.map = map;
rm.canvas = L.canvas({padding: 0.5});
rm.ready = false;
// A layer built on first display: an empty group that makes the real layer when added.
rm.lazy = function(build, m) {
  var proxy = L.layerGroup(), made = null;
  proxy.on('add', function() {
    if (!made) { made = build(m, rm); proxy.addLayer(made); }
  });
  return proxy;
};
map.on('click', function(e) {
  map.getContainer().setAttribute('data-last-click',
    e.latlng.lat.toFixed(7) + ',' + e.latlng.lng.toFixed(7));
  // A host page may listen for clicks (e.g. to report them to a server at once).
  if (typeof rm.onclick === 'function') { rm.onclick(e); }
});
// The map's layer control (folium's LayerControl, made after this script): layers
// swapped in later by rm.swap are listed in it too.
if (!L.Control.Layers.prototype._rmHooked) {
  var rmLayersOnAdd = L.Control.Layers.prototype.onAdd;
  L.Control.Layers.prototype.onAdd = function(m) {
    var r = window.riskmap;
    if (r && m === r.map) { r.control = this; }
    return rmLayersOnAdd.call(this, m);
  };
  L.Control.Layers.prototype._rmHooked = true;
}
// The score-dependent layers and controls (risk layer, detail cells, legend) as a set
// that replaces the previous set; `build` returns items {id, layer, name, show} or
// {id, control}. A layer keeps the visibility the user gave it in the control.
// A set with the key already shown is not rebuilt. The map's container gets the key.
rm.swap = function(key, build) {
  if (rm.dyn && rm.dyn.key === key) { return; }
  var shown = {};
  if (rm.dyn) {
    rm.dyn.items.forEach(function(it) {
      if (it.control) { it.control.remove(); }
      if (it.layer) {
        shown[it.id] = rm.map.hasLayer(it.layer);
        if (rm.control) { rm.control.removeLayer(it.layer); }
        rm.map.removeLayer(it.layer);
      }
    });
  }
  var items = build(rm.map, rm);
  items.forEach(function(it) {
    if (!it.layer) { return; }
    if (it.id in shown ? shown[it.id] : it.show) { it.layer.addTo(rm.map); }
    if (rm.control) { rm.control.addOverlay(it.layer, it.name); }
  });
  rm.dyn = {key: key, items: items};
  rm.map.getContainer().setAttribute('data-riskmap-layers', key);
};
// Shapes from _encode_shapes: per geometry, its parts; per part, rings of [lat, lng].
rm.decode = function(e) {
  var q = 1e-5, x = e.o[0], y = e.o[1], k = 0, pi = 0, ri = 0, out = [];
  for (var g = 0; g < e.g.length; g++) {
    var parts = [];
    for (var p = 0; p < e.g[g]; p++, pi++) {
      var rings = [];
      for (var r = 0; r < e.p[pi]; r++, ri++) {
        var ring = new Array(e.r[ri]);
        for (var v = 0; v < e.r[ri]; v++) { x += e.d[k++]; y += e.d[k++]; ring[v] = [y * q, x * q]; }
        rings.push(ring);
      }
      parts.push(rings);
    }
    out.push(parts);
  }
  return out;
};
// Lines of rm.decode's parts (one ring each) as one multi-line.
rm.lines = function(parts) { return parts.map(function(rings) { return rings[0]; }); };
rm.points = function(layer, d) {
  var out = [];
  for (var i = 0; i < d.x.length; i++) {
    var m = L.circleMarker([d.y[i], d.x[i]], {
      renderer: rm.canvas, radius: d.r ? d.r[i] : 4, color: '#ffffff', weight: 1,
      fillColor: d.p[d.c ? d.c[i] : 0], fillOpacity: 0.9, opacity: 0.9});
    if (d.t) { m.bindTooltip(d.t[i]); }
    out.push(m);
  }
  if (layer.addLayers) { layer.addLayers(out); } else { out.forEach(function(m) { layer.addLayer(m); }); }
  return layer;
};
rm.circles = function(layer, d) {
  for (var i = 0; i < d.x.length; i++) {
    L.circle([d.y[i], d.x[i]], {renderer: rm.canvas, radius: d.m[i], color: d.p[d.c ? d.c[i] : 0],
      weight: 1, opacity: 0.7, fillOpacity: 0.08, interactive: false}).addTo(layer);
  }
  return layer;
};
// Detail cells: all outlines as ONE canvas polygon (2,000 Leaflet layers took a few
// hundred ms to build on every redraw) and one tooltip. Which cell the pointer is on
// is found from the exact pointer position and the cells' own longitudes/latitudes
// (a bucket grid, then ray casting), not from outlines rounded to whole pixels: at city
// zoom a cell is a few pixels wide, and the tooltip names the cell a click there selects.
rm.cells = function(layer, d) {
  var q = 1e-5, k = 0, n = d.l.length, rings = new Array(n), box = new Array(n);
  var i, j, dd, ring, cx, cy, h, x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (i = 0; i < n; i++) {
    cx = d.o[0] + d.g[k]; cy = d.o[1] + d.g[k + 1]; h = d.g[k + 2];
    k += 3;
    if (h >= 0) { dd = d.sh[h]; } else { dd = d.g.slice(k, k - 2 * h); k -= 2 * h; }
    ring = new Array(dd.length / 2);
    var b = [Infinity, Infinity, -Infinity, -Infinity];
    for (j = 0; j < dd.length; j += 2) {
      var lat = (cy + dd[j + 1]) * q, lng = (cx + dd[j]) * q;
      ring[j / 2] = [lat, lng];
      if (lat < b[0]) { b[0] = lat; } if (lng < b[1]) { b[1] = lng; }
      if (lat > b[2]) { b[2] = lat; } if (lng > b[3]) { b[3] = lng; }
    }
    rings[i] = [ring]; box[i] = b;
    x0 = Math.min(x0, b[1]); y0 = Math.min(y0, b[0]); x1 = Math.max(x1, b[3]); y1 = Math.max(y1, b[2]);
  }
  L.polygon(rings, {renderer: rm.canvas, color: '#333333', weight: 0.4, opacity: 0.35,
    fill: false, interactive: false}).addTo(layer);
  // Bucket grid over the cells' bounds: about one cell per bucket.
  var cw = n ? (box[0][3] - box[0][1]) || 1e-3 : 1e-3, ch = n ? (box[0][2] - box[0][0]) || 1e-3 : 1e-3;
  var nx = Math.max(1, Math.ceil((x1 - x0) / cw)), ny = Math.max(1, Math.ceil((y1 - y0) / ch)), grid = {};
  for (i = 0; i < n; i++) {
    var bx0 = Math.floor((box[i][1] - x0) / cw), bx1 = Math.floor((box[i][3] - x0) / cw);
    var by0 = Math.floor((box[i][0] - y0) / ch), by1 = Math.floor((box[i][2] - y0) / ch);
    for (var bx = bx0; bx <= bx1; bx++) {
      for (var by = by0; by <= by1; by++) { (grid[by * nx + bx] = grid[by * nx + bx] || []).push(i); }
    }
  }
  function inside(r, lat, lng) {
    var c = false, a, e, u, w;
    for (u = 0, w = r.length - 1; u < r.length; w = u++) {
      a = r[u]; e = r[w];
      if ((a[0] > lat) !== (e[0] > lat) && lng < (e[1] - a[1]) * (lat - a[0]) / (e[0] - a[0]) + a[1]) { c = !c; }
    }
    return c;
  }
  layer.cellAt = function(ll) {
    var bx = Math.floor((ll.lng - x0) / cw), by = Math.floor((ll.lat - y0) / ch);
    if (bx < 0 || by < 0 || bx >= nx || by >= ny) { return -1; }
    var cand = grid[by * nx + bx] || [];
    for (var m = 0; m < cand.length; m++) {
      var c = cand[m], bb = box[c];
      if (ll.lat >= bb[0] && ll.lat <= bb[2] && ll.lng >= bb[1] && ll.lng <= bb[3]
          && inside(rings[c][0], ll.lat, ll.lng)) { return c; }
    }
    return -1;
  };
  layer.cellId = function(c) { return d.rc ? 'r' + d.rc[2 * c] + 'c' + d.rc[2 * c + 1] : d.id[c]; };
  // permanent: not closed by Leaflet on a click (it is updated here instead).
  var tip = L.tooltip({direction: 'auto', className: 'rm-cell-tip', permanent: true}), shown = -1, map = null;
  function hover(e) {
    var c = layer.cellAt(e.latlng);
    if (c === shown && (c < 0 || map.hasLayer(tip))) { return; }  // (a click may close it)
    shown = c;
    map.getContainer().style.cursor = c >= 0 ? 'pointer' : '';
    if (c < 0) { tip.remove(); return; }
    var bb = box[c], lv = d.l[c];
    tip.setLatLng([(bb[0] + bb[2]) / 2, (bb[1] + bb[3]) / 2])
      .setContent(layer.cellId(c) + ' · ' + d.n[lv] + ' · ' + d.sl + ' ' + d.s[c]);
    if (!map.hasLayer(tip)) { tip.addTo(map); }
  }
  function out() { shown = -1; tip.remove(); if (map) { map.getContainer().style.cursor = ''; } }
  // On a click too (as Leaflet's own tooltips): the tooltip then names the clicked cell.
  layer.on('add', function() { map = layer._map; map.on('mousemove click', hover); map.on('mouseout', out); });
  layer.on('remove', function() { if (map) { map.off('mousemove click', hover); map.off('mouseout', out); } out(); });
  return layer;
};
"""

_CSS = """
<style>
.leaflet-container { background: %(bg)s; font: 13px/1.4 "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; }
.rm-legend { background: rgba(255,255,255,0.94); padding: 8px 10px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.35); color: #222; max-width: 320px; font-size: 13px; }
.rm-legend h4 { margin: 0 0 6px; font-size: 14px; }
.rm-legend .rm-row { display: flex; align-items: center; margin: 3px 0; white-space: nowrap; }
.rm-legend .rm-sw { width: 22px; height: 14px; margin-right: 7px; border: 1px solid rgba(0,0,0,0.35); flex: none; opacity: 0.72; }
.rm-legend .rm-name { min-width: 78px; font-weight: 600; }
.rm-legend .rm-thr { color: #333; margin-left: 6px; }
.rm-legend .rm-n { color: #555; margin-left: auto; padding-left: 10px; font-variant-numeric: tabular-nums; }
.rm-legend .rm-method { margin-top: 6px; color: #444; font-size: 12px; white-space: normal; }
.rm-legend .rm-bar { height: 14px; border: 1px solid rgba(0,0,0,0.35); opacity: 0.8; }
.rm-legend .rm-ticks { display: flex; justify-content: space-between; font-size: 12px; color: #333; }
.rm-title { background: rgba(255,255,255,0.94); padding: 5px 10px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.35); font-size: 15px; font-weight: 600; color: #222; }
.rm-label { background: none; border: none; }
.rm-label span { display: inline-block; transform: translate(-50%%, -50%%); white-space: nowrap;
  font-size: 13px; font-weight: 600; color: #222;
  text-shadow: -1px -1px 0 #fff, 1px -1px 0 #fff, -1px 1px 0 #fff, 1px 1px 0 #fff, 0 0 3px #fff; }
.leaflet-image-layer.rm-raster { image-rendering: pixelated; }
@media (max-height: 540px), (max-width: 600px) {
  .rm-legend { padding: 4px 6px; font-size: 11px; max-width: 200px; }
  .rm-legend h4 { font-size: 12px; margin-bottom: 2px; }
  .rm-legend .rm-thr, .rm-legend .rm-method { display: none; }
  .rm-legend .rm-name { min-width: 0; }
  .rm-legend .rm-sw { width: 14px; height: 10px; }
  .rm-title { font-size: 12px; padding: 3px 6px; }
}
</style>
"""


# ------------------------------------------------------------------------ risk layers


def _position_raster(index: CellIndex) -> tuple[npt.NDArray[np.int32], float, float]:
    """The grid as a dense raster of cell positions (-1: no cell), and its lower-left corner.

    Row ``r``, column ``c`` is the square ``[x0 + c*s, x0 + (c+1)*s] x [y0 + r*s, ...]``.
    Built once per index (it does not depend on scores).
    """
    hit = index._cache.get("raster")
    if hit is None:
        if index.cell_size is None:
            raise ValueError("the cells are not a square grid")
        s = index.cell_size
        col = index._keys // index._span
        row = index._keys % index._span
        n_cols = int(col.max()) + 1 if len(col) else 0
        raster = np.full((index._span, n_cols), -1, dtype=np.int32)
        raster[row, col] = index._order
        hit = (raster, index.origin[0] + index._lo[0] * s, index.origin[1] + index._lo[1] * s)
        index._cache["raster"] = hit
    return hit


def _raster_region(mask: npt.NDArray[np.bool_], x0: float, y0: float, s: float) -> Any:
    """The exact union of the squares where ``mask`` is True, as one (Multi)Polygon.

    Vectorised polygonisation of a boolean raster: the boundary edges between True and
    False squares are merged into straight runs (split where a perpendicular edge meets
    them, so the lines are noded), polygonised, and the faces whose inside is True kept.
    """
    n_r, n_c = mask.shape
    if not mask.any():
        return shapely.Polygon()
    m = np.zeros((n_r + 2, n_c + 2), dtype=bool)
    m[1:-1, 1:-1] = mask
    # h[a, b]: edge from corner (b, a) to (b + 1, a); v[a, b]: from (b, a) to (b, a + 1).
    h = np.zeros((n_r + 3, n_c + 2), dtype=bool)
    h[1:-1] = m[:-1] != m[1:]
    v = np.zeros((n_r + 2, n_c + 3), dtype=bool)
    v[:, 1:-1] = m[:, :-1] != m[:, 1:]
    # Corners touched by a vertical (vt) or horizontal (ht) edge.
    vt = np.zeros((n_r + 3, n_c + 3), dtype=bool)
    vt[1:] |= v
    vt[:-1] |= v
    ht = np.zeros((n_r + 3, n_c + 3), dtype=bool)
    ht[:, 1:] |= h
    ht[:, :-1] |= h
    before = np.zeros_like(h)
    before[:, 1:] = h[:, :-1]
    after = np.zeros_like(h)
    after[:, :-1] = h[:, 1:]
    a0, b0 = np.nonzero(h & (~before | vt[:, :-1]))
    a1, b1 = np.nonzero(h & (~after | vt[:, 1:]))
    horizontal = np.stack([np.c_[b0, a0], np.c_[b1 + 1, a1]], axis=1)
    before = np.zeros_like(v)
    before[1:] = v[:-1]
    after = np.zeros_like(v)
    after[:-1] = v[1:]
    b0, a0 = np.nonzero((v & (~before | ht[:-1])).T)  # column-major: runs along a column
    b1, a1 = np.nonzero((v & (~after | ht[1:])).T)
    vertical = np.stack([np.c_[b0, a0], np.c_[b1, a1 + 1]], axis=1)
    ends = np.concatenate([horizontal, vertical]).astype(float)
    xy = np.empty_like(ends)
    xy[..., 0] = x0 + (ends[..., 0] - 1) * s
    xy[..., 1] = y0 + (ends[..., 1] - 1) * s
    lines = shapely.linestrings(xy.reshape(-1, 2), indices=np.repeat(np.arange(len(xy)), 2))
    faces = shapely.get_parts(shapely.polygonize(lines))
    inner = shapely.point_on_surface(faces)
    c = np.floor((shapely.get_x(inner) - x0) / s).astype(np.int64)
    r = np.floor((shapely.get_y(inner) - y0) / s).astype(np.int64)
    ok = (r >= 0) & (r < n_r) & (c >= 0) & (c < n_c)
    keep = np.zeros(len(faces), dtype=bool)
    keep[ok] = mask[r[ok], c[ok]]
    kept = faces[keep]
    if len(kept) == 1:
        return kept[0]
    return shapely.multipolygons(kept)


def _footprint(index: CellIndex) -> Any:
    """The union of all cells (built once per index): whole squares plus clipped cells."""
    hit = index._cache.get("footprint")
    if hit is None:
        raster, x0, y0 = _position_raster(index)
        partial = index._partial if index._partial is not None else np.zeros(len(index.geometry), bool)
        whole = raster >= 0
        whole[whole] = ~partial[raster[whole]]
        region = _raster_region(whole, x0, y0, float(index.cell_size or 0.0))
        clipped = index.geometry[partial]
        hit = _polygonal(shapely.union_all(np.concatenate([np.array([region], dtype=object), clipped]))) if len(clipped) else region
        index._cache["footprint"] = hit
    return hit


def _level_regions(
    geoms: npt.NDArray[np.object_], ranks: npt.NDArray[np.int64], index: CellIndex
) -> tuple[list[int], list[Any]]:
    """The exact nested level regions: for each level k present, the union of the cells
    of level >= k.

    On a square grid a region is polygonised from the raster of levels (no union of
    cells) and clipped by the cells' footprint where the boundary cut cells; other
    cells (H3) are unioned.
    """
    present = [int(r) for r in range(1, 5) if (ranks == r).any()]
    merged: list[Any] = []
    if index.cell_size is None:
        return present, [_polygonal(shapely.union_all(geoms[ranks >= k])) for k in present]
    raster, x0, y0 = _position_raster(index)
    level_raster = np.zeros(raster.shape, dtype=np.int8)
    inside = raster >= 0
    level_raster[inside] = ranks[raster[inside]]
    clipped = index._partial is not None and bool(index._partial.any())
    for k in present:  # at most four regions
        if bool((ranks >= k).all()):
            merged.append(_footprint(index))
            continue
        region = _raster_region(level_raster >= k, x0, y0, index.cell_size)
        if clipped:
            region = _polygonal(shapely.intersection(region, _footprint(index)))
        merged.append(region)
    return present, merged


def _dissolve_levels(
    geoms: npt.NDArray[np.object_], ranks: npt.NDArray[np.int64], cell_size: float, diag: float,
    index: CellIndex,
) -> tuple[list[int], npt.NDArray[np.object_]]:
    """Nested level regions (cells of level >= k) for each level k present, simplified.

    The regions are drawn lowest first, each on top of the one before: simplifying them
    independently can then never open a gap (a shrunken region shows the level below,
    not the background), and a region has no holes where higher levels sit, so it
    needs fewer vertices than the level's own cells. Simplification starts below the
    grid's stair step (cell corners are kept) and coarsens only while the total vertex
    count is over :data:`_MAX_LEVEL_VERTICES`: the page's size is bounded whatever the
    number of cells.
    """
    present, merged = _level_regions(geoms, ranks, index)
    arr = np.asarray(merged, dtype=object)
    tol = max(0.2 * cell_size, diag / 20_000)
    out = shapely.simplify(arr, tol, preserve_topology=True)
    for _ in range(16):
        if int(shapely.get_num_coordinates(out).sum()) <= _MAX_LEVEL_VERTICES:
            break
        tol *= 1.4
        out = shapely.simplify(arr, tol, preserve_topology=True)
    return present, np.asarray(out, dtype=object)


def _polygonal(geom: Any) -> Any:
    """Only the polygonal parts of a geometry (make_valid may add lines or points)."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = shapely.get_parts(geom)
    polys = [p for p in parts if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(polys) if polys else shapely.Polygon()


def _level_layer(
    cells: gpd.GeoDataFrame, display: _Display, cell_size: float, lang: str, index: CellIndex
) -> _ScriptLayer:
    geoms = np.asarray(cells.geometry.values, dtype=object)
    ranks = cells["level_rank"].to_numpy(dtype=np.int64)
    b = cells.total_bounds
    diag = float(math.hypot(b[2] - b[0], b[3] - b[1]))
    present, dissolved = _dissolve_levels(geoms, ranks, cell_size, diag, index)
    shown = display.geoms(dissolved)
    drawn = ~shapely.is_empty(shown)
    shapes = _encode_shapes(shown[drawn], polygons=True)
    ranks_drawn = [r for r, ok in zip(present, drawn, strict=True) if ok]  # at most four
    colours = {lv.rank: lv.color for lv in LEVELS}
    body = f"""
var e = {_js(shapes)}, rk = {_js(ranks_drawn)}, col = {_js(colours)};
var layer = L.featureGroup();
// Nested regions (level >= k) drawn opaque in one pane; the pane's opacity lets the
// background or tiles show through once, without colours compounding.
var pane = map.getPane('rmRisk') || map.createPane('rmRisk');
pane.style.zIndex = 390;
pane.style.opacity = 0.72;
var svg = L.svg({{padding: 0.5, pane: 'rmRisk'}});
rm.decode(e).forEach(function(parts, i) {{
  L.polygon(parts, {{renderer: svg, pane: 'rmRisk', interactive: false, stroke: false,
    fillColor: col[rk[i]], fillOpacity: 1, className: 'rm-level rm-level-' + rk[i]}}).addTo(layer);
}});
return layer;
"""
    return _ScriptLayer(body, _t("level", lang), show=True)


def _grid_meta(cells: gpd.GeoDataFrame, index: CellIndex) -> float:
    if index.cell_size is not None:
        return index.cell_size
    return float(np.sqrt(np.median(shapely.area(np.asarray(cells.geometry.values, dtype=object)))))


def _mercator_y(lat: npt.ArrayLike) -> np.ndarray:
    return np.log(np.tan(np.pi / 4 + np.radians(np.asarray(lat, dtype=float)) / 2))


def _inverse_mercator_y(y: npt.ArrayLike) -> np.ndarray:
    return np.degrees(2 * np.arctan(np.exp(np.asarray(y, dtype=float))) - np.pi / 2)


def _display_bounds(cells: gpd.GeoDataFrame, display: _Display) -> tuple[float, float, float, float]:
    """West, south, east, north of the cells' extent as drawn (edges densified)."""
    minx, miny, maxx, maxy = cells.total_bounds
    t = np.linspace(0, 1, 33)
    xs = np.concatenate([minx + (maxx - minx) * t, np.full(33, maxx), maxx - (maxx - minx) * t, np.full(33, minx)])
    ys = np.concatenate([np.full(33, miny), miny + (maxy - miny) * t, np.full(33, maxy), maxy - (maxy - miny) * t])
    lon, lat = display.xy(xs, ys)
    return float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())


def _resample_image(
    index: CellIndex,
    values: np.ndarray,
    display: _Display,
    bounds: tuple[float, float, float, float],
    pixel_m: float,
) -> np.ndarray:
    """Cell values resampled onto the map's pixels: rows even in Web-Mercator y.

    Leaflet stretches an image overlay linearly in Web-Mercator between its corner
    bounds, so pixel rows are spaced evenly in Mercator y (not in latitude) and columns
    evenly in longitude; each pixel centre is converted to the working CRS and the cell
    under it looked up (NaN where none).
    """
    west, south, east, north = bounds
    mid = math.radians((south + north) / 2)
    width_m = (east - west) * 111_320 * math.cos(mid)
    height_m = (north - south) * 110_574
    nx = max(math.ceil(width_m / pixel_m), 1)
    ny = max(math.ceil(height_m / pixel_m), 1)
    scale = min(1.0, _MAX_IMAGE_PX / max(nx, ny))
    nx = max(round(nx * scale), 1)
    ny = max(round(ny * scale), 1)
    lon = west + (np.arange(nx) + 0.5) * (east - west) / nx
    y0, y1 = _mercator_y(north), _mercator_y(south)
    lat = _inverse_mercator_y(y0 + (np.arange(ny) + 0.5) * (y1 - y0) / ny)
    glon, glat = np.meshgrid(lon, lat)
    x, y = display.to_working(glon.ravel(), glat.ravel())
    pos = index.positions(x, y, exact=True)
    out = np.full(pos.shape, np.nan)
    out[pos >= 0] = values[pos[pos >= 0]]
    return out.reshape(ny, nx)


def _palette(cmap_name: str, steps: int) -> np.ndarray:
    from matplotlib import colormaps

    cmap = colormaps[cmap_name]
    # Skip the palest end of sequential maps so low values stay visible on the background.
    return np.asarray(cmap(0.12 + 0.88 * (np.arange(steps) + 0.5) / steps))[:, :3]


def _png_data_url(grid: np.ndarray, vmin: float, vmax: float, cmap_name: str) -> str:
    from PIL import Image

    steps = _IMAGE_STEPS
    classes = np.zeros(grid.shape, dtype=np.uint8)
    ok = np.isfinite(grid)
    k = np.floor((grid[ok] - vmin) / (vmax - vmin) * steps)
    classes[ok] = (np.clip(k, 0, steps - 1) + 1).astype(np.uint8)
    rgb = (_palette(cmap_name, steps) * 255).round().astype(np.uint8)
    pal = np.vstack([np.zeros((1, 3), np.uint8), rgb]).ravel().tolist()
    img = Image.fromarray(classes, mode="P")
    img.putpalette(pal)
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True, transparency=0)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _image_layer(
    cells: gpd.GeoDataFrame, view: str, index: CellIndex, display: _Display, *, cell_size: float, lang: str
) -> _ScriptLayer:
    values = pd.to_numeric(cells[view], errors="coerce").to_numpy(dtype=float)
    bounds = _display_bounds(cells, display)
    grid = _resample_image(index, values, display, bounds, cell_size)
    vmin, vmax = _RANGES[view]
    url = _png_data_url(grid, vmin, vmax, _CMAPS[view])
    west, south, east, north = bounds
    body = f"""
return L.imageOverlay({_js(url)}, [[{south:.6f}, {west:.6f}], [{north:.6f}, {east:.6f}]],
  {{opacity: 0.8, interactive: false, className: 'rm-raster'}});
"""
    return _ScriptLayer(body, _t(view, lang), show=True)


def _detail_cells(cells: gpd.GeoDataFrame, max_cells: int, min_level: int) -> tuple[npt.NDArray[np.intp], int]:
    """Row positions of the detail cells (level >= ``min_level``, highest scores first,
    at most ``max_cells``) and how many cells were eligible."""
    if max_cells <= 0 or len(cells) == 0:
        return np.zeros(0, dtype=np.intp), 0
    score = pd.to_numeric(cells["score"], errors="coerce").fillna(-1).to_numpy()
    ranks = cells["level_rank"].to_numpy(dtype=np.int64)
    eligible = np.flatnonzero(ranks >= min_level)
    order = eligible[np.argsort(-score[eligible], kind="stable")]
    return order[:max_cells], len(eligible)


def _detail_layer(
    cells: gpd.GeoDataFrame, display: _Display, max_cells: int, min_level: int, lang: str, *, show: bool
) -> _ScriptLayer | None:
    top, eligible = _detail_cells(cells, max_cells, min_level)
    n = len(top)
    if n == 0:
        return None
    score = pd.to_numeric(cells["score"], errors="coerce").fillna(-1).to_numpy()
    sub = cells.iloc[top]
    geoms = np.asarray(sub.geometry.values, dtype=object)
    # Largest part of each cell (a clipped cell can be a MultiPolygon), its exterior ring.
    parts, owner = shapely.get_parts(geoms, return_index=True)
    areas = shapely.area(parts)
    best = pd.Series(areas).groupby(owner).idxmax().to_numpy()
    rings = shapely.get_exterior_ring(parts[best])
    shown = display.geoms(rings)
    coords, ring_idx = shapely.get_coordinates(shown, return_index=True)
    q = np.round(coords / 10.0**-_COORD_DIGITS).astype(np.int64)
    counts = np.bincount(ring_idx, minlength=len(shown)) - 1  # drop the closing vertex
    starts = np.concatenate([[0], np.cumsum(counts + 1)[:-1]])
    keep = np.ones(len(q), dtype=bool)
    keep[starts + counts] = False
    q = q[keep]
    owner_q = ring_idx[keep]
    centre = np.zeros((len(shown), 2), dtype=np.int64)
    centre[:, 0] = np.round(pd.Series(q[:, 0]).groupby(owner_q).mean().to_numpy()).astype(np.int64)
    centre[:, 1] = np.round(pd.Series(q[:, 1]).groupby(owner_q).mean().to_numpy()).astype(np.int64)
    origin = centre.min(axis=0)
    deltas = q - centre[owner_q]
    stream, shapes = _encode_rings(centre - origin, deltas, counts)
    ranks = sub["level_rank"].to_numpy(dtype=np.int64) if "level_rank" in sub else np.ones(n, np.int64)
    data = {
        "o": origin.tolist(),
        "g": stream.tolist(),
        "sh": shapes,
        **_encode_ids(sub["cell_id"].astype(str)),
        "s": np.round(score[top], 1).tolist(),
        "l": ranks.tolist(),
        "c": {str(lv.rank): lv.color for lv in LEVELS},
        "n": {str(lv.rank): lv.name(lang) for lv in LEVELS},
        "sl": _t("score", lang),
    }
    body = f"var d = {_js(data)};\nreturn rm.cells(L.featureGroup(), d);"
    lowest = LEVELS[min(max(min_level, 1), 4) - 1]
    label = _t("detail_top" if n < eligible else "detail", lang).format(
        n=f"{n:,}", level=lowest.name(lang))
    return _ScriptLayer(body, label, show=show)


def _encode_rings(
    centre: np.ndarray, deltas: np.ndarray, counts: np.ndarray
) -> tuple[np.ndarray, list[list[int]]]:
    """A flat integer stream of cell rings, with repeated ring shapes shared.

    Per cell: ``cx, cy, k``; ``k >= 0`` is the index of a shared shape (a list of
    ``dx, dy`` around the centre), ``k < 0`` means ``-k`` vertices follow as ``dx, dy``.
    Whole grid squares repeat a handful of shapes, so most cells cost three numbers.
    """
    n = len(counts)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    quad = counts == 4
    shape_of = np.full(n, -1, dtype=np.int64)
    shapes: list[list[int]] = []
    if quad.any():
        rows = (starts[quad][:, None] + np.arange(4)[None, :]).ravel()
        mat = deltas[rows].reshape(-1, 8)
        uniq, inverse = np.unique(mat, axis=0, return_inverse=True)
        if len(uniq) <= max(64, int(quad.sum()) // 4):  # only worth it when shapes repeat
            shapes = uniq.tolist()
            shape_of[quad] = inverse.ravel()
    explicit = shape_of < 0
    sizes = np.where(explicit, 3 + 2 * counts, 3)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    stream = np.zeros(int(sizes.sum()), dtype=np.int64)
    stream[offsets] = centre[:, 0]
    stream[offsets + 1] = centre[:, 1]
    stream[offsets + 2] = np.where(explicit, -counts, shape_of)
    if explicit.any():
        ex_counts = counts[explicit]
        idx = _ranges(starts[explicit], ex_counts)
        local = idx - np.repeat(starts[explicit], ex_counts)
        base = np.repeat(offsets[explicit] + 3, ex_counts) + 2 * local
        stream[base] = deltas[idx, 0]
        stream[base + 1] = deltas[idx, 1]
    return stream, shapes


def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Concatenated ``arange(s, s + c)`` for every (s, c), vectorised."""
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(counts)
    out = np.arange(total, dtype=np.int64) - np.repeat(ends - counts, counts)
    return out + np.repeat(starts, counts)


def _encode_ids(ids: pd.Series) -> dict[str, Any]:
    """Cell ids: ``r{row}c{col}`` ids as a flat row/col stream, any others as strings."""
    parts = ids.str.extract(r"^r(-?\d+)c(-?\d+)$")
    if len(ids) and parts.notna().all().all():
        rc = parts.astype(np.int64).to_numpy()
        return {"rc": rc.ravel().tolist()}
    return {"id": [_e(v) for v in ids.tolist()]}


# ------------------------------------------------------------------------- legends


def _level_thresholds(levels_cfg: Any, lang: str) -> tuple[dict[int, str], str]:
    rule = getattr(levels_cfg, "rule", "matrix")
    if rule == "breaks":
        b = levels_cfg.score_breaks
        thr = {1: f"< {b[0]:g}", 2: f"{b[0]:g}–{b[1]:g}", 3: f"{b[1]:g}–{b[2]:g}", 4: f"≥ {b[2]:g}"}
        return thr, _t("method_breaks", lang)
    if rule == "quantiles":
        q = [round(100 * v) for v in levels_cfg.quantiles]
        if lang == "en":
            thr = {1: f"lowest {q[0]}%", 2: f"{q[0]}–{q[1]}%", 3: f"{q[1]}–{q[2]}%", 4: f"top {100 - q[2]}%"}
        else:
            thr = {1: f"最低 {q[0]}%", 2: f"{q[0]}–{q[1]}%", 3: f"{q[1]}–{q[2]}%", 4: f"最高 {100 - q[2]}%"}
        return thr, _t("method_quantiles", lang)
    if rule == "natural_breaks":
        return {}, _t("method_natural_breaks", lang)
    return {lv.rank: f"R {lv.matrix_min}–{lv.matrix_max}" for lv in LEVELS}, _t("method_matrix", lang)


def _legend_html(
    cells: gpd.GeoDataFrame, view: str, lang: str, levels_cfg: Any, *, cell_size: float, index: CellIndex
) -> str:
    grid_text = (
        f"{_t('grid', lang)} {cell_size:,.0f} m · {len(cells):,} {_t('cells', lang)}"
        if index.cell_size is not None
        else f"{len(cells):,} {_t('cells', lang)}"
    )
    if view == "level":
        thr, method = _level_thresholds(levels_cfg, lang)
        counts = cells["level_rank"].value_counts()
        rows = []
        for lv in reversed(LEVELS):
            label = f"{lv.zh}（{lv.color_name_zh}）" if lang != "en" else f"{lv.en} ({lv.color_name_en})"
            rows.append(
                f'<div class="rm-row"><span class="rm-sw" style="background:{lv.color}"></span>'
                f'<span class="rm-name">{_e(label)}</span>'
                f'<span class="rm-thr">{_e(thr.get(lv.rank, ""))}</span>'
                f'<span class="rm-n">{int(counts.get(lv.rank, 0)):,} {_e(_t("cells", lang))}</span></div>'
            )
        return (
            f'<div class="rm-legend" data-view="level"><h4>{_e(_t("level", lang))}</h4>{"".join(rows)}'
            f'<div class="rm-method">{_e(method)}<br>{_e(grid_text)}</div></div>'
        )
    vmin, vmax = _RANGES[view]
    pal = _palette(_CMAPS[view], _IMAGE_STEPS)
    stops = ",".join(
        "#{:02x}{:02x}{:02x}".format(*(np.round(pal[i] * 255).astype(int)))
        for i in np.linspace(0, _IMAGE_STEPS - 1, 9).round().astype(int)
    )
    ticks = "".join(f"<span>{v:g}</span>" for v in np.linspace(vmin, vmax, 5))
    return (
        f'<div class="rm-legend" data-view="{view}"><h4>{_e(_t(view, lang))}</h4>'
        f'<div class="rm-bar" style="background:linear-gradient(to right,{stops})"></div>'
        f'<div class="rm-ticks">{ticks}</div>'
        f'<div class="rm-method">{_e(_t("method_" + view, lang))}<br>{_e(grid_text)}</div></div>'
    )


def _control_js(html_text: str, position: str) -> str:
    return f"""
var c = L.control({{position: {_js(position)}}});
c.onAdd = function() {{
  var div = L.DomUtil.create('div');
  div.innerHTML = {_js(html_text)};
  L.DomEvent.disableClickPropagation(div);
  L.DomEvent.disableScrollPropagation(div);
  return div.firstChild;
}};
c.addTo(map);
"""


# ------------------------------------------------------------------------- overlays


def fire_reach_m(method: Any) -> float:
    """Straight-line radius a fire crew covers within the target time.

    ``(fire_target_min - fire_turnout_min)`` minutes at ``fire_speed_kmh``, divided by
    ``detour_factor`` (network vs straight-line distance); the defaults give 1,538 m.

    Parameters
    ----------
    method
        A :class:`riskmap.config.MethodConfig`.
    """
    minutes = max(method.fire_target_min - method.fire_turnout_min, 0.0)
    return minutes * method.fire_speed_kmh * 1000.0 / 60.0 / method.detour_factor


def _names(gdf: pd.DataFrame) -> pd.Series:
    ids = gdf["id"].astype(str) if "id" in gdf else pd.Series([""] * len(gdf), index=gdf.index)
    if "name" not in gdf:
        return ids
    names = gdf["name"].fillna("").astype(str)
    return names.where(names.str.len() > 0, ids)


def _escaped(values: pd.Series) -> pd.Series:
    return values.fillna("").astype(str).map(html.escape)


def _point_xy(gdf: gpd.GeoDataFrame, display: _Display) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Display lon/lat of each feature (a point on the surface of non-points); valid mask."""
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    pts = np.empty(len(geoms), dtype=object)
    pts[ok] = shapely.point_on_surface(geoms[ok])
    x = np.full(len(geoms), np.nan)
    y = np.full(len(geoms), np.nan)
    x[ok] = shapely.get_x(pts[ok])
    y[ok] = shapely.get_y(pts[ok])
    lon = np.full(len(geoms), np.nan)
    lat = np.full(len(geoms), np.nan)
    if ok.any():
        lon[ok], lat[ok] = display.xy(x[ok], y[ok])
    return np.round(lon, _COORD_DIGITS), np.round(lat, _COORD_DIGITS), ok


@dataclass
class _Points:
    """Accumulated point features of one overlay (concatenated over layers)."""

    x: list[np.ndarray]
    y: list[np.ndarray]
    c: list[np.ndarray]
    r: list[np.ndarray]
    t: list[pd.Series]
    m: list[np.ndarray]
    palette: list[str]

    @classmethod
    def empty(cls) -> _Points:
        return cls([], [], [], [], [], [], [])

    def colour(self, hex_colour: str) -> int:
        if hex_colour not in self.palette:
            self.palette.append(hex_colour)
        return self.palette.index(hex_colour)

    def add(self, lon: np.ndarray, lat: np.ndarray, colours: np.ndarray, radius: np.ndarray,
            tips: pd.Series, *, metres: np.ndarray | None = None) -> None:
        self.x.append(lon)
        self.y.append(lat)
        self.c.append(colours)
        self.r.append(radius)
        self.t.append(tips)
        self.m.append(metres if metres is not None else np.zeros(len(lon)))

    def __len__(self) -> int:
        return int(sum(len(a) for a in self.x))

    def payload(self, with_tips: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "x": np.concatenate(self.x).tolist(),
            "y": np.concatenate(self.y).tolist(),
            "c": np.concatenate(self.c).astype(int).tolist(),
            "r": np.round(np.concatenate(self.r), 1).tolist(),
            "p": self.palette,
        }
        if with_tips:  # markers: tooltips, no radius in metres
            out["t"] = pd.concat(self.t, ignore_index=True).tolist()
        else:  # circles: radius in metres
            out["m"] = np.round(np.concatenate(self.m)).tolist()
        return out


def _collect_points(
    layers: Iterable[Any],
    display: _Display,
    lang: str,
    *,
    colour_by: str | None = None,
    colour_map: dict[str, str] | None = None,
    size_by_intensity: bool = False,
    keep: Any = None,
    extra: Any = None,
    metres: Any = None,
) -> _Points:
    pts = _Points.empty()
    for lyr in layers:
        gdf = lyr.gdf
        if keep is not None:
            gdf = gdf[keep(gdf)]
        if len(gdf) == 0:
            continue
        lon, lat, ok = _point_xy(gdf, display)
        gdf = gdf[ok]
        lon, lat = lon[ok], lat[ok]
        base = pts.colour(lyr.kind.style.color)
        colours = np.full(len(gdf), base)
        if colour_by and colour_map and colour_by in gdf:
            codes = {k: pts.colour(v) for k, v in colour_map.items()}
            colours = gdf[colour_by].astype(str).map(codes).fillna(base).to_numpy(dtype=int)
        if size_by_intensity and lyr.kind.intensity is not None:
            rule = lyr.kind.intensity
            top = rule.max if rule.max is not None else max([rule.default, *list(rule.values.values())])  # noqa: PD011
            inten = rule_values(rule, gdf)
            radius = 3.0 + 5.0 * np.clip(inten / (top or 1.0), 0, 1)
        else:
            radius = np.full(len(gdf), float(lyr.kind.style.radius_px) + 1)
        kind_name = html.escape(lyr.kind.name.get(lang))
        tips = "<b>" + _escaped(_names(gdf)).reset_index(drop=True) + "</b><br>" + kind_name
        if extra is not None:
            more = extra(gdf)
            if more is not None:
                tips = tips + " · " + _escaped(more).reset_index(drop=True)
        pts.add(lon, lat, colours, radius, tips, metres=metres(gdf) if metres is not None else None)
    return pts


def _points_layer(pts: _Points, name: str, *, show: bool, cluster: bool) -> _ScriptLayer:
    group = (
        "L.markerClusterGroup({chunkedLoading: true, disableClusteringAtZoom: 15, maxClusterRadius: 50})"
        if cluster
        else "L.featureGroup()"
    )
    body = f"var d = {_js(pts.payload())};\nreturn rm.points({group}, d);"
    return _ScriptLayer(body, name, show=show)


def _circles_layer(pts: _Points, name: str, *, show: bool) -> _ScriptLayer:
    body = f"var d = {_js(pts.payload(with_tips=False))};\nreturn rm.circles(L.featureGroup(), d);"
    return _ScriptLayer(body, name, show=show)


def _point_overlays(data: Any, display: _Display, lang: str, shown: set[str]) -> tuple[list[_ScriptLayer], bool]:
    """Every point overlay the project's layers allow; and whether clustering is used."""
    out: list[_ScriptLayer] = []
    clustered = False
    method = data.project.method

    shelters = data.by_kind("shelter")
    if shelters:
        def _shelter_extra(g: pd.DataFrame) -> pd.Series:
            typ = g["type"].fillna("").astype(str) if "type" in g else pd.Series([""] * len(g), index=g.index)
            area = pd.to_numeric(g["area_m2"], errors="coerce") if "area_m2" in g else None
            if area is None:
                return typ
            return typ + " · " + _t("area", lang) + " " + area.map(lambda v: "" if pd.isna(v) else f"{v:,.0f} m²")

        pts = _collect_points(shelters, display, lang, colour_by="type", colour_map=_SHELTER_COLORS,
                              extra=_shelter_extra)
        if len(pts):
            out.append(_points_layer(pts, _t("shelters", lang), show="shelters" in shown, cluster=False))
            radius_by_type = dict(method.shelter_radius_m)
            default_r = max(radius_by_type.values()) if radius_by_type else 500.0
            circ = _collect_points(
                shelters, display, lang, colour_by="type", colour_map=_SHELTER_COLORS,
                metres=lambda g: (g["type"].astype(str).map(radius_by_type).astype(float).fillna(default_r).to_numpy()
                                  if "type" in g else np.full(len(g), default_r)),
            )
            out.append(_circles_layer(circ, _t("shelter_radius", lang), show="shelter_radius" in shown))

    fire = data.by_kind("fire_station")
    if fire:
        pts = _collect_points(fire, display, lang, extra=lambda g: g.get("class", None))
        if len(pts):
            out.append(_points_layer(pts, _t("fire_stations", lang), show="fire_stations" in shown, cluster=False))
            reach = fire_reach_m(method)
            circ = _collect_points(fire, display, lang, metres=lambda g: np.full(len(g), reach))
            label = f"{_t('fire_reach', lang)}（{_t('radius', lang)} {reach:,.0f} m）" if lang != "en" else f"{_t('fire_reach', lang)} ({_t('radius', lang)} {reach:,.0f} m)"
            out.append(_circles_layer(circ, label, show="fire_reach" in shown))

    for key, kind, cluster in (
        ("community_stations", "community_station", True),
        ("seismic_stations", "seismic_station", False),
        ("supply_depots", "supply_depot", False),
        ("rescue_teams", "rescue_team", False),
    ):
        layers = data.by_kind(kind)
        if not layers:
            continue
        pts = _collect_points(layers, display, lang)
        if len(pts):
            out.append(_points_layer(pts, _t(key, lang), show=key in shown, cluster=cluster))
            clustered = clustered or cluster

    hazard_layers = [lyr for lyr in data.by_role("hazard") if lyr.kind.kind != "hidden_hazard"]
    point_hazards = [lyr for lyr in hazard_layers if lyr.kind.method == "kernel"]
    if point_hazards:
        pts = _collect_points(
            point_hazards, display, lang, size_by_intensity=True,
            extra=lambda g: g.get("grade", None),
        )
        if len(pts):
            out.append(_points_layer(pts, _t("hazards", lang), show="hazards" in shown, cluster=True))
            clustered = True
    area_hazards = [lyr for lyr in hazard_layers if lyr.kind.method == "overlap"]
    if area_hazards:
        out.append(_areas_layer(area_hazards, display, lang, show="hazard_areas" in shown))

    hidden = data.by_kind("hidden_hazard")
    if hidden:
        def _open(g: pd.DataFrame) -> pd.Series:
            if "status" not in g:
                return pd.Series(True, index=g.index)
            return ~g["status"].astype(str).isin(_CLOSED_STATUSES)

        def _hidden_extra(g: pd.DataFrame) -> pd.Series:
            grade = g["grade"].fillna("").astype(str) if "grade" in g else pd.Series([""] * len(g), index=g.index)
            status = g["status"].fillna("").astype(str) if "status" in g else ""
            return grade + " · " + status

        pts = _collect_points(hidden, display, lang, colour_by="status", colour_map=_HIDDEN_STATUS_COLORS,
                              size_by_intensity=True, keep=_open, extra=_hidden_extra)
        if len(pts):
            out.append(_points_layer(pts, _t("hidden_hazards", lang), show="hidden_hazards" in shown, cluster=False))
    return out, clustered


def _areas_layer(layers: Sequence[Any], display: _Display, lang: str, *, show: bool) -> _ScriptLayer:
    groups = []
    for lyr in layers:  # a handful of layers
        geoms = np.asarray(lyr.gdf.geometry.values, dtype=object)
        geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
        if lyr.kind.buffer_m and geoms.size:
            lines = np.isin(shapely.get_type_id(geoms), [1, 2, 5])  # (multi)linestrings
            geoms = np.where(lines, shapely.buffer(geoms, lyr.kind.buffer_m), geoms)
        shown = display.geoms(shapely.simplify(geoms, 20.0))
        groups.append({"c": lyr.kind.style.color, "n": html.escape(lyr.kind.name.get(lang)),
                       "g": json.loads(_geojson_array(shown))})
    body = f"""
var d = {_js(groups)}, layer = L.featureGroup();
d.forEach(function(grp) {{
  L.geoJSON(grp.g, {{style: {{color: grp.c, weight: 1, fillColor: grp.c, fillOpacity: 0.25}}}})
    .bindTooltip(grp.n).addTo(layer);
}});
return layer;
"""
    return _ScriptLayer(body, _t("hazard_areas", lang), show=show)


def _district_layer(data: Any, display: _Display, lang: str, *, show: bool) -> _ScriptLayer | None:
    d = data.districts
    if d is None or len(d) == 0:
        return None
    geoms = np.asarray(d.geometry.values, dtype=object)
    simple = shapely.simplify(geoms, 15.0, preserve_topology=True)
    lines = display.geoms(shapely.boundary(simple))
    label_pts = shapely.point_on_surface(geoms)
    lon, lat = display.xy(shapely.get_x(label_pts), shapely.get_y(label_pts))
    names = _escaped(d["name"] if "name" in d else d.get("adcode", pd.Series([""] * len(d)))).tolist()
    data_js = {
        "e": _encode_shapes(lines, polygons=False),
        "x": np.round(lon, _COORD_DIGITS).tolist(),
        "y": np.round(lat, _COORD_DIGITS).tolist(),
        "n": names,
    }
    body = f"""
var d = {_js(data_js)}, layer = L.featureGroup();
rm.decode(d.e).forEach(function(parts) {{
  L.polyline(rm.lines(parts), {{interactive: false, color: '#3b3b3b', weight: 1.2, opacity: 0.85,
    dashArray: '4 3'}}).addTo(layer);
}});
for (var i = 0; i < d.x.length; i++) {{
  L.marker([d.y[i], d.x[i]], {{interactive: false, keyboard: false,
    icon: L.divIcon({{className: 'rm-label', html: '<span>' + d.n[i] + '</span>', iconSize: null}})}}).addTo(layer);
}}
return layer;
"""
    return _ScriptLayer(body, _t("districts", lang), show=show)


def _boundary_script(boundary: Any, display: _Display) -> _Script:
    geom = shapely.simplify(boundary, 15.0, preserve_topology=True)
    line = display.geoms(np.asarray([shapely.boundary(geom)], dtype=object))
    body = f"""
window.riskmap.decode({_js(_encode_shapes(line, polygons=False))}).forEach(function(parts) {{
  L.polyline(window.riskmap.lines(parts), {{interactive: false, color: '#1f1f1f', weight: 2.2,
    opacity: 0.9}}).addTo(map);
}});
"""
    return _Script(body)


@dataclass(frozen=True)
class _Part:
    """A score-independent piece of the map (kept in the overlay cache as text)."""

    body: str
    name: str | None = None
    show: bool = True

    def element(self) -> MacroElement:
        if self.name is None:
            return _Script(self.body)
        return _ScriptLayer(self.body, self.name, show=self.show)


_OVERLAY_CACHE: OrderedDict[tuple[Any, ...], tuple[Any, list[_Part], bool]] = OrderedDict()
_OVERLAY_CACHE_SIZE = 8


def _data_overlays(data: Any, display: _Display, lang: str, shown: set[str]) -> tuple[list[_Part], bool]:
    """Boundary, districts and point overlays of ``data``.

    They ignore the scores, so they are kept for the same ``data`` object (a Study's data
    stays the same across weight changes) and reused when its map is drawn again.
    """
    try:
        owner: Any = weakref.ref(data)
    except TypeError:  # an object without weak references: do not cache
        owner = False
    key = (id(data), display.crs.to_wkt(), display.basemap, lang, tuple(sorted(shown)))
    hit = _OVERLAY_CACHE.get(key)
    if hit is not None and hit[0] is not False and hit[0]() is data:
        _OVERLAY_CACHE.move_to_end(key)
        return hit[1], hit[2]
    parts: list[_Part] = []
    if data.boundary is not None:
        parts.append(_Part(_boundary_script(data.boundary, display).body))
    districts = _district_layer(data, display, lang, show="districts" in shown)
    if districts is not None:
        parts.append(_Part(districts.body, districts.layer_name, "districts" in shown))
    point_layers, clustered = _point_overlays(data, display, lang, shown)
    parts.extend(_Part(lyr.body, lyr.layer_name, bool(lyr.show)) for lyr in point_layers)
    if owner is not False:
        _OVERLAY_CACHE[key] = (owner, parts, clustered)
    while len(_OVERLAY_CACHE) > _OVERLAY_CACHE_SIZE:
        _OVERLAY_CACHE.popitem(last=False)
    return parts, clustered


# ---------------------------------------------------------------------------- build


def _check_choice(name: str, value: str, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")


def map_from_cells(
    cells: Any,
    data: Any = None,
    *,
    view: str = "level",
    basemap: str = "none",
    lang: str = "zh",
    overlays: Sequence[str] | None = None,
    assets: str = "inline",
    asset_url: str = "app/static/riskmap",
    cell_size: float | None = None,
    highlight: str | Sequence[str] | None = None,
    max_detail_cells: int = 2000,
    detail_min_level: int = 3,
    index: CellIndex | None = None,
    title: str | None = None,
    collapsed_control: bool = False,
    dynamic: bool = False,
) -> folium.Map:
    """The electronic risk map of scored cells (:func:`build_map` funnels into it; use
    this one for cells that do not come from an Assessment).

    Parameters
    ----------
    cells
        Scored cells in the working CRS (``cell_id``, ``level_rank``, ``score``, the
        component columns for their views, geometry), or an Assessment.
    data
        The project's :class:`riskmap.io.data.ProjectData` (districts, boundary, overlay
        layers, method and level settings), or None to draw the cells alone.
    view
        ``level`` (four colours), ``score`` (0–100) or a component ``hazard``,
        ``exposure``, ``vulnerability``, ``coping_gap`` (0–10).
    basemap
        ``none`` (plain background, no request to any other host), ``osm``, or
        ``amap`` (GCJ-02 tiles; everything drawn is shifted WGS84 -> GCJ-02).
    lang
        ``zh`` or ``en`` for the legend, layer names and tooltips.
    overlays
        Overlays shown on opening (names from :data:`OVERLAYS`); every overlay the data
        allow is always in the layer control. Default: :data:`DEFAULT_OVERLAYS`.
    assets
        ``inline`` (Leaflet and plugins embedded: one standalone file) or ``url``
        (linked from ``asset_url``, where :func:`riskmap.maps.assets.install_static` put them).
    asset_url
        Base URL of the assets for ``assets="url"``.
    cell_size
        Square cell side in metres (inferred from the cells when None).
    highlight
        Cell id(s) to outline (e.g. the cell selected in the app).
    max_detail_cells
        At most this many cells are drawn as outlines with tooltips (cell id, level,
        score): the highest-scoring cells of level ``detail_min_level`` or above.
    detail_min_level
        Lowest level rank of the detail cells (3 = 较大: orange and red cells only).
    index
        A prebuilt :class:`CellIndex` of ``cells`` (saves time: it also keeps the grid's
        raster and footprint used to draw the level view).
    title
        Title shown at the top; default: the project's title and the view.
    collapsed_control
        Show the layer control collapsed to an icon (for narrow maps, e.g. in the app).
    dynamic
        Leave the score-dependent layers (risk layer, detail cells, legend) out of the
        map's script and put them in ``m.riskmap_layers``, a :class:`ScoreLayers` script
        that a host page showing the map runs to draw or replace them: the map's own
        script is then the same for any weights (a saved map needs ``False``).
        The overlays drawn from ``data`` (boundary, districts, points) do not depend on
        the scores: they are kept for the same ``data`` object and reused.

    Returns
    -------
    folium.Map
    """
    _check_choice("view", view, VIEWS)
    _check_choice("basemap", basemap, BASEMAPS)
    _check_choice("lang", lang, ("zh", "en"))
    _check_choice("assets", assets, ("inline", "url"))
    shown = set(DEFAULT_OVERLAYS if overlays is None else overlays)
    unknown = shown - set(OVERLAYS)
    if unknown:
        raise ValueError(f"unknown overlay(s) {', '.join(sorted(unknown))}; known: {', '.join(OVERLAYS)}")
    frame = _cells_frame(cells)
    needed = {"level_rank", "score"} | ({view} if view != "level" else set())
    missing = needed - set(frame.columns)
    if missing:
        raise ValueError(f"the cells lack column(s) for this map: {', '.join(sorted(missing))}")
    if len(frame) == 0:
        raise ValueError("there are no cells to draw")
    crs = pyproj.CRS.from_user_input(frame.crs)
    display = _Display(crs, basemap)
    idx = index if index is not None else build_cell_index(frame, cell_size)
    size = float(cell_size) if cell_size else _grid_meta(frame, idx)

    west, south, east, north = _display_bounds(frame, display)
    m = folium.Map(
        location=[(south + north) / 2, (west + east) / 2],
        zoom_start=10,
        tiles=None,
        control_scale=True,
        prefer_canvas=False,
        attribution_control=basemap != "none",
    )
    m.options["maxZoom"] = 18  # markercluster needs it; folium passes max_zoom only to tiles
    root: Any = m.get_root()
    root.header.add_child(Element(_CSS % {"bg": _BACKGROUND}), name="riskmap_css")
    m.add_child(_Script(_RUNTIME_JS), name="riskmap_runtime")

    if basemap == "osm":
        folium.TileLayer(OSM_TILES, name=_t("osm", lang), attr="© OpenStreetMap contributors",
                         max_zoom=19).add_to(m)
    elif basemap == "amap":
        folium.TileLayer(AMAP_TILES, name=_t("amap", lang), attr="© 高德地图", subdomains="1234",
                         max_zoom=18).add_to(m)

    risk = _level_layer(frame, display, size, lang, idx) if view == "level" else _image_layer(frame, view, idx, display, cell_size=size, lang=lang)
    detail = _detail_layer(frame, display, max_detail_cells, detail_min_level, lang, show="detail" in shown)
    levels_cfg = data.project.levels if data is not None else None
    legend_js = _control_js(_legend_html(frame, view, lang, levels_cfg, cell_size=size, index=idx), "bottomright")
    if not dynamic:
        m.add_child(risk)
        if detail is not None:
            m.add_child(detail)

    clustered = False
    if data is not None:
        parts, clustered = _data_overlays(data, display, lang, shown)
        for part in parts:
            m.add_child(part.element())

    if highlight is not None:
        ids = {highlight} if isinstance(highlight, str) else set(highlight)
        sel = frame[frame["cell_id"].astype(str).isin(ids)]
        if len(sel):
            geo = _geojson_array(display.geoms(np.asarray(sel.geometry.values, dtype=object)))
            m.add_child(_Script(
                f"L.geoJSON({geo}, {{interactive: false, style: {{color: '#000', weight: 3, fill: false}}}}).addTo(map);"
            ))

    if dynamic:
        m.riskmap_layers = _dynamic_js(risk, detail, legend_js)  # type: ignore[attr-defined]
    else:
        m.add_child(_Script(legend_js))
    heading = title
    if heading is None:
        project_title = data.project.title.get(lang) if data is not None else ""
        heading = f"{project_title} · {_t(view, lang)}" if project_title else _t(view, lang)
    m.add_child(_Script(_control_js(f'<div class="rm-title">{_e(heading)}</div>', "topleft")))
    folium.LayerControl(collapsed=collapsed_control, position="topright").add_to(m)
    m.fit_bounds([[south, west], [north, east]])
    m.add_child(_Script("window.riskmap.ready = true;"))
    _configure_assets(m, assets, asset_url, clustered)
    return m


def build_map(
    assessment: Any, options: MapOptions | None = None, *, index: CellIndex | None = None
) -> folium.Map:
    """The electronic risk map (城市安全风险电子地图) of an assessment.

    Parameters
    ----------
    assessment
        From :meth:`riskmap.Study.score`: its cells and data (districts, boundary,
        overlay layers, level rule).
    options
        View, basemap, language, overlays, assets ...; :class:`~riskmap.config.MapOptions`
        defaults when None (the four-colour level view, offline, in Chinese).
    index
        A prebuilt :class:`CellIndex` of the assessment's grid (it keeps the grid's
        raster and footprint: saves time when the same grid is drawn again).

    Returns
    -------
    folium.Map
    """
    o = options or MapOptions()
    return map_from_cells(
        assessment.cells,
        assessment.data,
        view=o.view,
        basemap=o.basemap,
        lang=o.lang,
        overlays=None if o.overlays is None else list(o.overlays),
        assets=o.assets,
        asset_url=o.asset_url,
        highlight=None if o.highlight is None else list(o.highlight),
        max_detail_cells=o.max_detail_cells,
        detail_min_level=o.detail_min_level,
        index=index,
        title=o.title,
        collapsed_control=o.collapsed_control,
        dynamic=o.dynamic,
    )


def _dynamic_js(risk: _ScriptLayer, detail: _ScriptLayer | None, legend_js: str) -> ScoreLayers:
    """The score-dependent layers as one ``rm.swap`` script (see :class:`ScoreLayers`)."""
    items = []
    for item_id, layer in (("risk", risk), ("detail", detail)):
        if layer is None:
            continue
        fn = f"function(map, rm) {{\n{layer.body}\n}}"
        make = f"({fn})(map, rm)" if layer.show else f"rm.lazy({fn}, map)"
        items.append(f"{{id: {_js(item_id)}, name: {_js(layer.layer_name)}, show: {_js(bool(layer.show))}, "
                     f"layer: {make}}}")
    items.append(f"{{id: 'legend', control: (function(map) {{\n{legend_js}\nreturn c;\n}})(map)}}")
    build = "function(map, rm) {\nreturn [\n" + ",\n".join(items) + "\n];\n}"
    key = hashlib.sha256(build.encode()).hexdigest()[:16]
    return ScoreLayers(f"window.riskmap.swap({_js(key)}, {build});", key)


def _configure_assets(m: folium.Map, mode: str, asset_url: str, clustered: bool) -> None:
    """Point every element's JS/CSS at installed files (instance lists, not folium's class lists)."""
    plugins = frozenset({"leaflet", "markercluster"} if clustered else {"leaflet"})
    for el in _walk_elements(m):
        if hasattr(el, "default_js"):
            el.default_js = []
            el.default_css = []
    if mode == "url":
        js, css = _assets.asset_links(asset_url, plugins)
        m.default_js = js
        m.default_css = css
    else:
        root: Any = m.get_root()
        root.header.add_child(Element(_assets.render_inline_assets(plugins)), name="riskmap_assets")
        # Leaflet must come before the map's own header scripts: move it to the front.
        header = root.header
        children = header._children
        header._children = type(children)(
            [("riskmap_assets", children["riskmap_assets"])]
            + [(k, v) for k, v in children.items() if k != "riskmap_assets"]
        )


def use_local_assets(
    m: folium.Map, asset_url: str = "app/static/riskmap", *, plugins: Iterable[str] | None = None
) -> folium.Map:
    """A copy of any folium map that loads Leaflet from installed files (no CDN).

    Every element's JavaScript and CSS links (folium's CDN defaults) are dropped and the
    page links Leaflet (and its plugins) from ``asset_url``, where
    :func:`riskmap.maps.assets.install_static` put them. For small maps made with folium
    directly (an upload preview, a comparison map); :func:`build_map` does this itself.

    Parameters
    ----------
    m
        A folium map; it is not changed.
    asset_url
        Base URL of the installed assets (the app serves ``static/`` at ``app/static/``).
    plugins
        Asset bundles to link: ``leaflet`` and, if the map clusters markers,
        ``markercluster``. Default: ``leaflet``, plus ``markercluster`` when the map has a
        MarkerCluster.

    Returns
    -------
    folium.Map
    """
    out = copy.deepcopy(m)
    if plugins is None:
        from folium.plugins import MarkerCluster

        clustered = any(isinstance(el, MarkerCluster) for el in _walk_elements(out))
        chosen = frozenset({"leaflet", "markercluster"} if clustered else {"leaflet"})
    else:
        chosen = frozenset(plugins)
        unknown = chosen - {"leaflet", "markercluster"}
        if unknown:
            raise ValueError(f"unknown asset bundle(s): {', '.join(sorted(unknown))}")
    _configure_assets(out, "url", asset_url, "markercluster" in chosen)
    return out


def _walk_elements(el: Any) -> Iterable[Any]:
    yield el
    for child in getattr(el, "_children", {}).values():
        yield from _walk_elements(child)


def render_html(m: folium.Map) -> str:
    """The map as one standalone HTML page (UTF-8 text)."""
    page = m.get_root().render()
    return re.sub(r"<html>", '<html lang="zh-CN">', page, count=1)


def save_map(m: folium.Map, path: str | Path) -> Path:
    """Write the map as a standalone HTML file; returns the path written."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_html(m), encoding="utf-8")
    return out
