"""Shared pieces of the map modules: labels (zh/en), escaping, basemap tiles and drawing
constants.
"""

from __future__ import annotations

import html
import json

from riskmap.config.catalogue import LABELS

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
}


_RANGES = {"score": (0.0, 100.0)} | dict.fromkeys(
    ("hazard", "exposure", "vulnerability", "coping_gap"), (0.0, 10.0)
)


# (zh, en) user-facing texts.
_TEXT: dict[str, tuple[str, str]] = {
    # Components, views and overlays come from riskmap's one catalogue (below).
    "level": ("城市安全风险等级", "Urban safety risk level"),
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
    "method_natural_breaks": (
        "按风险值自然断点分级",
        "Classed by natural breaks of the risk score",
    ),
    "cells": ("格", "cells"),
    "grid": ("网格", "Grid"),
    "cell": ("网格", "Cell"),
    "detail": ("重点网格（{level}及以上，{n} 个）", "Detail cells ({level} and above, {n})"),
    "detail_top": (
        "重点网格（{level}及以上风险值最高 {n} 个）",
        "Detail cells ({level} and above, top {n} by risk score)",
    ),
    "boundary": ("市界", "City boundary"),
    "area": ("有效面积", "Effective area"),
    "radius": ("半径", "radius"),
    "osm": ("OpenStreetMap", "OpenStreetMap"),
    "amap": ("高德地图", "AMap"),
}
for _key, _value in LABELS.items():
    if _key.startswith(("component.", "overlay.")):
        _TEXT.setdefault(_key.split(".", 1)[1], _value)  # the map's own texts ("detail") win


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
