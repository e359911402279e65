"""A province's cities at their own resolution: when the map is zoomed into a city, that
city's cells of a finer grid are drawn over the province's level regions.

Each city's finer cells become one lossless WebP image of the four level colours (transparent
outside the city's cells), resampled like the continuous views (rows even in
Web-Mercator y, each pixel centre looked up in the finer grid), half a cell a pixel so
that the pixel under a cell's centre is that cell's. The page shows a city's image from
the zoom at which the city fills most of a screen, and only while it is in view.

The images share the page's size limit with everything else: the cities are taken in
order of risk (most 重大 and 较大 finer cells first) while their images fit the budget
left; the legend names the rule and the cities left at the province's resolution.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from riskmap.config.levels import LEVELS
from riskmap.maps.display import _Display, _ScriptLayer
from riskmap.maps.lookup import CellIndex, _cells_frame, build_cell_index
from riskmap.maps.risk_layers import _classes_data_url, _position_raster, _resample_image
from riskmap.maps.text import _e, _js, _t

MAX_PAGE_BYTES = 1_000_000
"""The size limit of a map page (the city map's): finer city images fill what is left."""

_MAX_CITY_PX = 2400
"""At most this many pixels a side of one city's image."""


@dataclass(frozen=True)
class CityRaster:
    """One city's finer level image.

    Attributes
    ----------
    name : the city's name (as in the cells' ``district``, not escaped).
    url : the image (lossless WebP) as a data URL.
    bounds : west, south, east, north in display degrees.
    min_zoom : the zoom from which the image is shown.
    hot : finer cells of level 较大 or 重大 (the order in which cities get the budget).
    cells : finer cells of the city.
    """

    name: str
    url: str
    bounds: tuple[float, float, float, float]
    min_zoom: int
    hot: int
    cells: int


def _city_zoom(bounds: tuple[float, float, float, float]) -> int:
    """The zoom at which a city's extent spans about 900 screen pixels (at least 8)."""
    west, south, east, north = bounds
    width = max(east - west, (north - south) / max(math.cos(math.radians(north)), 0.2), 1e-6)
    return int(min(max(math.floor(math.log2(900 * 360 / (256 * width))), 8), 13))


def city_rasters(
    fine: Any, display: _Display, *, cell_size: float | None = None
) -> tuple[list[CityRaster], float]:
    """Every city's finer level image, most 较大/重大 cells first, and the finer cell size.

    Parameters
    ----------
    fine
        Scored cells of the finer grid (``level_rank``, ``district``, geometry) or an
        Assessment, in the map's working CRS.
    display
        The map's display coordinates.
    cell_size
        The finer grid's cell side (inferred when None).
    """
    frame = _cells_frame(fine)
    if frame.crs is not None and display.crs != frame.crs:
        frame = frame.to_crs(display.crs)
    index: CellIndex = build_cell_index(frame, cell_size)
    if index.cell_size is None:
        raise ValueError("the finer cells are not a square grid")
    size = float(index.cell_size)
    ranks = frame["level_rank"].to_numpy(dtype=np.int64)
    names = frame["district"].fillna("").astype(str) if "district" in frame else None
    if names is None:
        raise ValueError("the finer cells have no district (city) column")
    raster, x0, y0 = _position_raster(index)
    colours = {lv.rank: lv.color for lv in LEVELS}
    codes, uniques = pd.factorize(names.to_numpy())
    city = np.full(raster.shape, -1, dtype=np.int32)
    inside = raster >= 0
    city[inside] = codes[raster[inside]]
    out = []
    for k, name in enumerate(uniques):
        if not name:
            continue
        pos = np.flatnonzero(codes == k)
        values = np.full(len(frame), np.nan)
        values[pos] = ranks[pos]
        r, c = np.nonzero(city == k)  # the city's extent from its cells' places
        xs = x0 + np.array([c.min(), c.max() + 1]) * size
        ys = y0 + np.array([r.min(), r.max() + 1]) * size
        gx, gy = np.meshgrid(np.linspace(xs[0], xs[1], 17), np.linspace(ys[0], ys[1], 17))
        lon, lat = display.xy(gx.ravel(), gy.ravel())
        bounds = (float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max()))
        pixel = size / 2
        span_m = max(xs[1] - xs[0], ys[1] - ys[0])
        if span_m / pixel > _MAX_CITY_PX:
            pixel = span_m / _MAX_CITY_PX
        grid = _resample_image(index, values, display, bounds, pixel, max_px=_MAX_CITY_PX)
        out.append(
            CityRaster(
                name=str(name),
                url=_classes_data_url(grid, colours, webp=True),
                bounds=bounds,
                min_zoom=_city_zoom(bounds),
                hot=int((ranks[pos] >= 3).sum()),
                cells=len(pos),
            )
        )
    out.sort(key=lambda cr: (-cr.hot, -cr.cells, cr.name))
    return out, size


def fit_budget(rasters: list[CityRaster], budget: int) -> tuple[list[CityRaster], list[CityRaster]]:
    """The cities whose images fit ``budget`` bytes, taken in order (most risk first; a
    city that does not fit is skipped and the next tried), and the cities left out."""
    kept, left = [], []
    for cr in rasters:
        cost = len(cr.url) + 200
        if cost <= budget:
            kept.append(cr)
            budget -= cost
        else:
            left.append(cr)
    return kept, left


def fine_layer(kept: list[CityRaster], lang: str, cell_size: float) -> _ScriptLayer:
    """The finer cities as one layer: each city's image while the map is zoomed to at
    least its zoom and the city is in view, over the province's level regions."""
    data = [
        {
            "n": _e(cr.name),
            "u": cr.url,
            "b": [[round(cr.bounds[1], 6), round(cr.bounds[0], 6)],
                  [round(cr.bounds[3], 6), round(cr.bounds[2], 6)]],
            "z": cr.min_zoom,
        }
        for cr in kept
    ]  # fmt: skip
    body = f"""
var d = {_js(data)}, layer = L.layerGroup(), imgs = [];
var pane = map.getPane('rmRisk') || map.createPane('rmRisk');
pane.style.zIndex = 390;
pane.style.opacity = 0.72;
d.forEach(function(c) {{
  // Over the province's levels (their SVG or image has z-index 200 in the pane); the layer
  // control's own z-indexes (autoZIndex) would put it under them.
  var img = L.imageOverlay(c.u, c.b, {{pane: 'rmRisk', opacity: 1, interactive: false,
    zIndex: 300, className: 'rm-raster rm-fine'}});
  img.setZIndex = function() {{ return this; }};
  img.rmCity = c.n; img.rmZoom = c.z; imgs.push(img);
}});
function update() {{
  if (!layer._map) {{ return; }}
  var z = map.getZoom(), view = map.getBounds();
  imgs.forEach(function(img) {{
    var on = z >= img.rmZoom && view.intersects(img.getBounds());
    if (on && !layer.hasLayer(img)) {{ layer.addLayer(img); }}
    if (!on && layer.hasLayer(img)) {{ layer.removeLayer(img); }}
  }});
  map.getContainer().setAttribute('data-fine-cities', imgs.filter(function(i) {{
    return layer.hasLayer(i); }}).map(function(i) {{ return i.rmCity; }}).join('|'));
}}
layer.rmImages = imgs;
layer.on('add', function() {{ update(); map.on('zoomend moveend', update); }});
layer.on('remove', function() {{ map.off('zoomend moveend', update); }});
return layer;
"""
    name = _t("fine_cities", lang).format(size=f"{cell_size:,.0f}")
    return _ScriptLayer(body, name, show=True)


def fine_note(
    kept: list[CityRaster], left: list[CityRaster], lang: str, coarse: float, fine: float
) -> str:
    """The legend's note: which cities are drawn finer when zoomed in, and the rule."""
    zooms = sorted({cr.min_zoom for cr in kept})
    zoom = f"{zooms[0]}" if len(zooms) == 1 else f"{zooms[0]}–{zooms[-1]}" if zooms else "-"
    text = _t("fine_note", lang).format(
        coarse=f"{coarse:,.0f}",
        fine=f"{fine:,.0f}",
        zoom=zoom,
        n=len(kept),
        total=len(kept) + len(left),
    )
    if left:
        sep = ", " if lang == "en" else "、"
        text += " " + _t("fine_left", lang).format(names=sep.join(cr.name for cr in left))
    return f'<div class="rm-method rm-fine-note">{_e(text)}</div>'
