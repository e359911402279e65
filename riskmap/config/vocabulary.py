"""The shared vocabulary: the names every face (library, command line, app) uses.

Each list is defined here once; the map, the command line's choices and the app's widgets
read them from here, and their zh/en labels come from the one catalogue
(:mod:`riskmap.config.catalogue`, once it holds them).
"""

from __future__ import annotations

from typing import Literal

COMPONENTS: tuple[str, ...] = ("hazard", "exposure", "vulnerability", "coping_gap")
"""The four risk components, each 0-10 (H, E, V, L)."""

COMPONENT_WEIGHTS: tuple[str, ...] = ("exposure", "vulnerability", "coping_gap")
"""Components that carry a weight in the consequence (the weighted geometric mean)."""

VIEWS: tuple[str, ...] = (
    "level",
    "score",
    "hazard",
    "exposure",
    "vulnerability",
    "coping_gap",
    "hotspot",
    "confidence",
    "change",
)
"""What the risk layer of a map shows: the four-colour level, the score, one component,
the Gi* hot spots of the score or the level confidence (these two need the cells'
analysis columns: :meth:`riskmap.Study.analyse`), or the level change between two
assessments (``change``: :mod:`riskmap.products.change`)."""

VIEW_COLUMNS: dict[str, str] = {"hotspot": "hotspot", "confidence": "level_p", "change": "change"}
"""The cell column a view draws when it is not the view's own name."""

BASEMAPS: tuple[str, ...] = ("none", "osm", "amap")
"""Basemaps: none (offline, boundaries only), OpenStreetMap, AMap (GCJ-02)."""

LEVEL_RULES: tuple[str, ...] = ("matrix", "breaks", "quantiles", "natural_breaks")
"""Rules that turn scores into the four levels (see ``LevelConfig``)."""

OVERLAYS: tuple[str, ...] = (
    "detail",
    "districts",
    "shelters",
    "shelter_radius",
    "fire_stations",
    "fire_reach",
    "community_stations",
    "seismic_stations",
    "supply_depots",
    "rescue_teams",
    "hazards",
    "hazard_areas",
    "hidden_hazards",
)
"""Layers a map can draw over the risk layer."""

DEFAULT_OVERLAYS: tuple[str, ...] = (
    "detail",
    "districts",
    "shelters",
    "fire_stations",
    "community_stations",
)
"""Overlays shown on opening when none are named: the cells' outlines, the districts, and
the places people go to and help comes from (shelters, fire and community stations, each
with its own symbol and neutral grey clusters). The others are off until chosen."""

LANGS: tuple[str, ...] = ("zh", "en")
"""Languages of every label: Chinese (default) and English."""

View = Literal[
    "level",
    "score",
    "hazard",
    "exposure",
    "vulnerability",
    "coping_gap",
    "hotspot",
    "confidence",
    "change",
]
Basemap = Literal["none", "osm", "amap"]
LevelRule = Literal["matrix", "breaks", "quantiles", "natural_breaks"]
LangCode = Literal["zh", "en"]

__all__ = [
    "BASEMAPS",
    "COMPONENTS",
    "COMPONENT_WEIGHTS",
    "DEFAULT_OVERLAYS",
    "LANGS",
    "LEVEL_RULES",
    "OVERLAYS",
    "VIEWS",
    "VIEW_COLUMNS",
    "Basemap",
    "LangCode",
    "LevelRule",
    "View",
]
