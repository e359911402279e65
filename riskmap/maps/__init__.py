"""The electronic risk map (城市安全风险电子地图): a folium map of scored cells and overlays.

The page's size does not grow with the number of cells:

* the four-colour **level** view draws the cells dissolved by level (a few polygons,
  coverage-simplified so adjacent levels keep shared edges, vertex count bounded), or,
  when that bound would cut the cells' stair steps (a province), one image of the cells;
* the boundary, district and county lines are shared arcs, each edge once in the page;
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

Modules: :mod:`~riskmap.maps.lookup` (click -> cell), :mod:`~riskmap.maps.display`
(coordinates, page runtime), :mod:`~riskmap.maps.risk_layers`, :mod:`~riskmap.maps.legend`,
:mod:`~riskmap.maps.overlays`, :mod:`~riskmap.maps.borders` (shared arcs),
:mod:`~riskmap.maps.build` (:func:`build_map`),
:mod:`~riskmap.maps.assets` (offline Leaflet).
"""

from __future__ import annotations

from riskmap.config.vocabulary import BASEMAPS, DEFAULT_OVERLAYS, OVERLAYS, VIEWS
from riskmap.maps.build import build_map, map_from_cells, render_html, save_map, use_local_assets
from riskmap.maps.display import ScoreLayers
from riskmap.maps.lookup import CellIndex, build_cell_index, cell_at, cells_at
from riskmap.maps.overlays import district_names, fire_reach_m, overlay_marks
from riskmap.maps.text import AMAP_TILES, OSM_TILES

__all__ = [
    "AMAP_TILES",
    "BASEMAPS",
    "DEFAULT_OVERLAYS",
    "OSM_TILES",
    "OVERLAYS",
    "VIEWS",
    "CellIndex",
    "ScoreLayers",
    "build_cell_index",
    "build_map",
    "cell_at",
    "cells_at",
    "district_names",
    "fire_reach_m",
    "map_from_cells",
    "overlay_marks",
    "render_html",
    "save_map",
    "use_local_assets",
]
