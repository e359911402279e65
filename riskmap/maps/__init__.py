"""The four-colour electronic risk map: cell lookup, risk layers, overlays, legend, offline
assets; plain folium maps and HTML, no UI framework.
"""

from __future__ import annotations

from riskmap.maps.build import (
    AMAP_TILES,
    BASEMAPS,
    DEFAULT_OVERLAYS,
    OSM_TILES,
    OVERLAYS,
    VIEWS,
    CellIndex,
    ScoreLayers,
    build_cell_index,
    build_map,
    cell_at,
    cells_at,
    fire_reach_m,
    map_from_cells,
    render_html,
    save_map,
    use_local_assets,
)

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
    "fire_reach_m",
    "map_from_cells",
    "render_html",
    "save_map",
    "use_local_assets",
]
