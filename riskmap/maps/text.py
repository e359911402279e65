"""Shared pieces of the map modules: labels (zh/en), escaping, basemap tiles and drawing
constants.
"""

from __future__ import annotations

import html
import json
from typing import Any

from riskmap.config.catalogue import LABELS, load_labels

AMAP_TILES = "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}"


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
    "confidence": "PuBu_r",
}


_RANGES = {"score": (0.0, 100.0), "confidence": (0.0, 1.0)} | dict.fromkeys(
    ("hazard", "exposure", "vulnerability", "coping_gap"), (0.0, 10.0)
)


def view_range(values: Any, view: str) -> tuple[float, float]:
    """The colour ramp's range of a continuous view: fixed for the 0-10 components and
    the 0-1 confidence; for the score, 0 to a round number at or above its highest value
    (a city whose scores peak near 46 is drawn on 0-50, not on a pale 0-100)."""
    vmin, vmax = _RANGES[view]
    if view != "score":
        return vmin, vmax
    import math

    import numpy as np

    arr = np.asarray(values, dtype=float)
    top = float(np.nanmax(arr)) if arr.size and np.isfinite(arr).any() else 0.0
    if top <= 0:
        return 0.0, 1.0
    step = 10 ** math.floor(math.log10(top))
    for m in (1, 2, 2.5, 5, 10):
        if m * step >= top:
            return 0.0, float(min(m * step, vmax))
    return 0.0, vmax  # pragma: no cover - m = 10 always covers top


HOTSPOT_COLORS: dict[int, str] = {
    3: "#d62f27",
    2: "#ed7551",
    1: "#fab984",
    -1: "#c0ccbe",
    -2: "#849eba",
    -3: "#4575b5",
}
"""Hot (red) and cold (blue) spot colours by Gi* bin, as ArcGIS draws them; not
significant cells are left clear."""

CHANGE_COLORS: dict[int, str] = {
    3: "#67000d",
    2: "#cb181d",
    1: "#fc9272",
    -1: "#9ecae1",
    -2: "#2171b5",
    -3: "#08306b",
}
"""Level steps up (reds) and down (blues) on a change map; unchanged cells are clear."""


# (zh, en) user-facing texts.
_TEXT: dict[str, tuple[str, str]] = load_labels("map")
for _key, _value in LABELS.items():
    if _key.startswith(("component.", "overlay.")):
        _TEXT.setdefault(_key.split(".", 1)[1], _value)  # the map's own texts ("detail") win


# Symbols of the point overlays (drawn by the map's runtime, rm.drawSymbol): s shape
# (circle, square, diamond, tri, tridown, star, hex), f fill, k border (default near
# black), w border width, m mark (cross, dot, !), z radius in pixels. Every symbol gets
# a white halo. Only hazard sources are circles; no fill is one of the four level colours
# (red, orange, yellow, blue), so a symbol never reads as a cell's level.
_SYMBOLS: dict[str, dict[str, Any]] = {
    "shelters": {"s": "square", "f": "#238b45", "m": "cross", "z": 7},
    "fire_stations": {"s": "diamond", "f": "#ffffff", "k": "#c8102e", "w": 2, "m": "dot", "z": 8},
    "community_stations": {"s": "diamond", "f": "#01665e", "z": 5},
    "seismic_stations": {"s": "tridown", "f": "#6a51a3", "z": 6},
    "supply_depots": {"s": "hex", "f": "#7a5230", "z": 6.5},
    "rescue_teams": {"s": "star", "f": "#7b3294", "z": 8},
    "hazards": {"s": "circle", "f": "#737373"},
    "hidden_hazards": {"s": "tri", "f": "#e7298a", "m": "!", "z": 8},
}

_SYMBOL_KINDS = {
    "shelter": "shelters",
    "fire_station": "fire_stations",
    "community_station": "community_stations",
    "seismic_station": "seismic_stations",
    "supply_depot": "supply_depots",
    "rescue_team": "rescue_teams",
    "hidden_hazard": "hidden_hazards",
}
"""The point overlay whose symbol draws a layer kind (an added layer of that kind too)."""

_SHELTER_COLORS = {"紧急": "#41ab5d", "固定": "#238b45", "中心": "#005a32"}
"""Shelter fill by type: the larger the shelter's class, the darker its green."""

_HIDDEN_STATUS_COLORS = {"已登记": "#e7298a", "整改中": "#7b3294", "待验收": "#35978f"}
"""Open hidden hazards' fill by status (none a level colour)."""

_HAZARD_CLASS_COLORS = {
    "hazmat": "#c51b7d",
    "industry": "#542788",
    "mining": "#8c510a",
    "natural": "#01857a",
    "history": "#1a1a1a",
}
"""Hazard sources' fill by their kind's group (other groups grey)."""

_TEXT.update(
    {
        "overlay_symbols": ("叠加图层", "Overlays"),
        "hazard_class.hazmat": ("危险化学品", "Hazardous chemicals"),
        "hazard_class.industry": ("工贸企业", "Industry and trade"),
        "hazard_class.mining": ("矿山、尾矿库", "Mines and tailings ponds"),
        "hazard_class.natural": ("自然灾害", "Natural hazards"),
        "hazard_class.history": ("生产安全事故", "Past accidents"),
        "hazard_class.other": ("其他", "Other"),
        "symbol_other": ("其他", "Other"),
        "shelter_type.紧急": ("紧急", "Emergency"),
        "shelter_type.固定": ("固定", "Fixed"),
        "shelter_type.中心": ("中心", "Central"),
    }
)
for _key, _value in load_labels("register").items():  # statuses as the register names them
    if _key.startswith("status."):
        _TEXT.setdefault("hidden_status." + _value[0], _value)

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
