"""The risk layer whose size does not grow with the number of cells: the four-colour
level view as cells dissolved by level, continuous views as one resampled PNG image,
detail outlines for a bounded set of the reddest cells.
"""

from __future__ import annotations

import base64
import io
import math
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from riskmap.config.levels import LEVELS
from riskmap.config.vocabulary import VIEW_COLUMNS
from riskmap.maps.display import _Display, _encode_ids, _encode_rings, _encode_shapes, _ScriptLayer
from riskmap.maps.lookup import CellIndex
from riskmap.maps.text import (
    _CMAPS,
    _COORD_DIGITS,
    _IMAGE_STEPS,
    _MAX_IMAGE_PX,
    _MAX_LEVEL_VERTICES,
    CHANGE_COLORS,
    HOTSPOT_COLORS,
    _js,
    _t,
    view_range,
)

_MAX_LEVEL_TOLERANCE = 1.0
"""Level regions are drawn as polygons while their simplification stays within this many
cells (a city: every cell's stair step kept or cut by less than a cell); past it (a
province's 1 km cells: small triangles where steps were cut, single cells gone) the level
view is one image of the cells instead."""

_MAX_LEVEL_PX = 2400
"""At most this many pixels a side of the level view's image."""


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
        partial = (
            index._partial if index._partial is not None else np.zeros(len(index.geometry), bool)
        )
        whole = raster >= 0
        whole[whole] = ~partial[raster[whole]]
        region = _raster_region(whole, x0, y0, float(index.cell_size or 0.0))
        clipped = index.geometry[partial]
        hit = (
            _polygonal(
                shapely.union_all(np.concatenate([np.array([region], dtype=object), clipped]))
            )
            if len(clipped)
            else region
        )
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
    if index.cell_size is None:
        return present, [_polygonal(shapely.union_all(geoms[ranks >= k])) for k in present]
    raster, x0, y0 = _position_raster(index)
    level_raster = np.zeros(raster.shape, dtype=np.int8)
    inside = raster >= 0
    level_raster[inside] = ranks[raster[inside]]
    clipped = index._partial is not None and bool(index._partial.any())
    footprint = _footprint(index)
    size = index.cell_size

    def region(k: int) -> Any:
        if bool((ranks >= k).all()):
            return footprint
        r = _raster_region(level_raster >= k, x0, y0, size)
        return _polygonal(shapely.intersection(r, footprint)) if clipped else r

    # At most four regions, each made apart: two threads (GEOS releases the GIL).
    with ThreadPoolExecutor(max_workers=2) as pool:
        merged = list(pool.map(region, present))
    return present, merged


def _dissolve_levels(
    geoms: npt.NDArray[np.object_],
    ranks: npt.NDArray[np.int64],
    cell_size: float,
    diag: float,
    index: CellIndex,
    *,
    max_tolerance: float = math.inf,
) -> tuple[list[int], npt.NDArray[np.object_] | None]:
    """Nested level regions (cells of level >= k) for each level k present, simplified.

    The regions are drawn lowest first, each on top of the one before: simplifying them
    independently can then never open a gap (a shrunken region shows the level below,
    not the background), and a region has no holes where higher levels sit, so it
    needs fewer vertices than the level's own cells. Simplification starts below the
    grid's stair step (cell corners are kept) and coarsens only while the total vertex
    count is over :data:`_MAX_LEVEL_VERTICES`: the page's size is bounded whatever the
    number of cells. None instead of the regions when that needs a tolerance over
    ``max_tolerance`` metres.
    """
    present, merged = _level_regions(geoms, ranks, index)
    arr = np.asarray(merged, dtype=object)
    tol = max(0.2 * cell_size, diag / 20_000)
    out = shapely.simplify(arr, tol, preserve_topology=True)
    for _ in range(16):
        if int(shapely.get_num_coordinates(out).sum()) <= _MAX_LEVEL_VERTICES:
            break
        tol *= 1.4
        if tol > max_tolerance:
            return present, None
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
    b = _total_bounds(cells, index)
    diag = float(math.hypot(b[2] - b[0], b[3] - b[1]))
    square = index.cell_size is not None
    limit = _MAX_LEVEL_TOLERANCE * cell_size if square else math.inf
    present, dissolved = _dissolve_levels(geoms, ranks, cell_size, diag, index, max_tolerance=limit)
    if dissolved is None:
        return _level_image_layer(cells, display, cell_size, lang, index)
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


def _level_image_layer(
    cells: gpd.GeoDataFrame, display: _Display, cell_size: float, lang: str, index: CellIndex
) -> _ScriptLayer:
    """The level view as one image of the four colours (a province's many cells): half a
    cell a pixel (at most :data:`_MAX_LEVEL_PX` a side), each pixel the level of the cell
    under its centre, so every cell is drawn, square, at any zoom."""
    bounds = _display_bounds(cells, display, index)
    west, south, east, north = bounds
    mid = math.radians((south + north) / 2)
    span_m = max((east - west) * 111_320 * math.cos(mid), (north - south) * 110_574)
    pixel = max(cell_size / 2, span_m / _MAX_LEVEL_PX)
    ranks = cells["level_rank"].to_numpy(dtype=float)
    grid = _resample_image(index, ranks, display, bounds, pixel, max_px=_MAX_LEVEL_PX)
    url = _classes_data_url(grid, {lv.rank: lv.color for lv in LEVELS}, webp=True)
    body = f"""
var pane = map.getPane('rmRisk') || map.createPane('rmRisk');
pane.style.zIndex = 390;
pane.style.opacity = 0.72;
// Under a province's finer cities (z-index 300 in the same pane); the layer control's own
// z-indexes (autoZIndex) would put it elsewhere.
var img = L.imageOverlay({_js(url)}, [[{south:.6f}, {west:.6f}], [{north:.6f}, {east:.6f}]],
  {{pane: 'rmRisk', opacity: 1, interactive: false, zIndex: 200,
    className: 'rm-raster rm-level-image'}});
img.setZIndex = function() {{ return this; }};
return img;
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


def _total_bounds(cells: gpd.GeoDataFrame, index: CellIndex | None) -> npt.NDArray[np.float64]:
    """``cells.total_bounds``; with the cells' ``index``, the bounds of the index's own
    cells, kept in it (the grid's extent does not change with the scores, and every map of
    the grid asks for it)."""
    if index is None or len(index.cell_ids) != len(cells):
        return np.asarray(cells.total_bounds, dtype=float)
    hit = index._cache.get("total_bounds")
    if hit is None:
        hit = index._cache["total_bounds"] = np.asarray(
            shapely.total_bounds(index.geometry), dtype=float
        )
    return hit  # type: ignore[no-any-return]


def _display_bounds(
    cells: gpd.GeoDataFrame, display: _Display, index: CellIndex | None = None
) -> tuple[float, float, float, float]:
    """West, south, east, north of the cells' extent as drawn (edges densified)."""
    minx, miny, maxx, maxy = _total_bounds(cells, index)
    t = np.linspace(0, 1, 33)
    xs = np.concatenate(
        [minx + (maxx - minx) * t, np.full(33, maxx), maxx - (maxx - minx) * t, np.full(33, minx)]
    )
    ys = np.concatenate(
        [np.full(33, miny), miny + (maxy - miny) * t, np.full(33, maxy), maxy - (maxy - miny) * t]
    )
    lon, lat = display.xy(xs, ys)
    return float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())


def _resample_image(
    index: CellIndex,
    values: np.ndarray,
    display: _Display,
    bounds: tuple[float, float, float, float],
    pixel_m: float,
    *,
    max_px: int = _MAX_IMAGE_PX,
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
    scale = min(1.0, max_px / max(nx, ny))
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


def _classes_data_url(grid: np.ndarray, colors: dict[int, str], *, webp: bool = False) -> str:
    """A paletted PNG of integer classes; classes without a colour are transparent.
    ``webp``: a lossless WebP instead (about a third smaller; every current browser)."""
    from PIL import Image

    classes = np.zeros(grid.shape, dtype=np.uint8)
    pal = [0, 0, 0]
    for k, (value, hex_color) in enumerate(sorted(colors.items()), start=1):
        classes[np.isfinite(grid) & (np.rint(grid) == value)] = k
        pal += [int(hex_color[i : i + 2], 16) for i in (1, 3, 5)]
    img = Image.fromarray(classes, mode="P")
    img.putpalette(pal)
    buf = io.BytesIO()
    if webp:
        img.info["transparency"] = 0
        img.convert("RGBA").save(buf, format="WEBP", lossless=True, quality=100, method=4)
        return "data:image/webp;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
    img.save(buf, format="PNG", optimize=True, transparency=0)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _image_layer(
    cells: gpd.GeoDataFrame,
    view: str,
    index: CellIndex,
    display: _Display,
    *,
    cell_size: float,
    lang: str,
) -> _ScriptLayer:
    column = VIEW_COLUMNS.get(view, view)
    values = pd.to_numeric(cells[column], errors="coerce").to_numpy(dtype=float)
    bounds = _display_bounds(cells, display, index)
    grid = _resample_image(index, values, display, bounds, cell_size)
    if view in ("hotspot", "change"):
        url = _classes_data_url(grid, HOTSPOT_COLORS if view == "hotspot" else CHANGE_COLORS)
    else:
        vmin, vmax = view_range(values, view)
        url = _png_data_url(grid, vmin, vmax, _CMAPS[view])
    west, south, east, north = bounds
    body = f"""
return L.imageOverlay({_js(url)}, [[{south:.6f}, {west:.6f}], [{north:.6f}, {east:.6f}]],
  {{opacity: 0.8, interactive: false, className: 'rm-raster'}});
"""
    return _ScriptLayer(body, _t(view, lang), show=True)


def _detail_cells(
    cells: gpd.GeoDataFrame, max_cells: int, min_level: int
) -> tuple[npt.NDArray[np.intp], int]:
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
    cells: gpd.GeoDataFrame,
    display: _Display,
    max_cells: int,
    min_level: int,
    lang: str,
    *,
    show: bool,
) -> _ScriptLayer | None:
    top, eligible = _detail_cells(cells, max_cells, min_level)
    n = len(top)
    if n == 0:
        return None
    score = pd.to_numeric(cells["score"], errors="coerce").fillna(-1).to_numpy()
    # Only the columns drawn, for the detail cells only (not a copy of every column).
    geoms = np.asarray(cells.geometry.values, dtype=object)[top]
    # Largest part of each cell (a clipped cell can be a MultiPolygon), its exterior ring.
    parts, owner = shapely.get_parts(geoms, return_index=True)
    if len(parts) > n:  # some cells have several parts: keep each one's largest
        areas = shapely.area(parts)
        order = np.lexsort((-areas, owner))  # by cell, largest first (first part on ties)
        first = np.r_[True, owner[order][1:] != owner[order][:-1]]
        parts = parts[order[first]]
    rings = shapely.get_exterior_ring(parts)
    shown = display.geoms(rings)
    coords, ring_idx = shapely.get_coordinates(shown, return_index=True)
    q = np.round(coords / 10.0**-_COORD_DIGITS).astype(np.int64)
    counts = np.bincount(ring_idx, minlength=len(shown)) - 1  # drop the closing vertex
    starts = np.concatenate([[0], np.cumsum(counts + 1)[:-1]])
    keep = np.ones(len(q), dtype=bool)
    keep[starts + counts] = False
    q = q[keep]
    owner_q = ring_idx[keep]
    # Each ring's mean vertex (integer sums: exact in float64, as a group mean would be).
    per = np.maximum(counts, 1)
    centre = np.zeros((len(shown), 2), dtype=np.int64)
    centre[:, 0] = np.round(np.bincount(owner_q, q[:, 0], len(shown)) / per).astype(np.int64)
    centre[:, 1] = np.round(np.bincount(owner_q, q[:, 1], len(shown)) / per).astype(np.int64)
    origin = centre.min(axis=0)
    deltas = q - centre[owner_q]
    stream, shapes = _encode_rings(centre - origin, deltas, counts)
    ranks = (
        cells["level_rank"].to_numpy(dtype=np.int64)[top]
        if "level_rank" in cells
        else np.ones(n, np.int64)
    )
    data = {
        "o": origin.tolist(),
        "g": stream.tolist(),
        "sh": shapes,
        **_encode_ids(cells["cell_id"].iloc[top]),
        "s": np.round(score[top], 1).tolist(),
        "l": ranks.tolist(),
        "c": {str(lv.rank): lv.color for lv in LEVELS},
        "n": {str(lv.rank): lv.name(lang) for lv in LEVELS},
        "sl": _t("score", lang),
    }
    body = f"var d = {_js(data)};\nreturn rm.cells(L.featureGroup(), d);"
    lowest = LEVELS[min(max(min_level, 1), 4) - 1]
    label = _t("detail_top" if n < eligible else "detail", lang).format(
        n=f"{n:,}", level=lowest.name(lang)
    )
    return _ScriptLayer(body, label, show=show)
