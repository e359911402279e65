"""The risk inventory's tables and their vocabulary: formats, table names, headers and
sheet names in zh/en, the :class:`Inventory` object and its views for people.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import geopandas as gpd
import pandas as pd

from riskmap.analysis.cascades import COLUMNS as CASCADE_COLUMNS
from riskmap.config import InventoryOptions
from riskmap.config.catalogue import LABELS, load_labels
from riskmap.errors import RiskmapError

Format = Literal["csv", "xlsx", "geojson", "gpkg"]

FORMATS: tuple[str, ...] = ("csv", "xlsx", "geojson", "gpkg")

TABLES: tuple[str, ...] = (
    "sources",
    "areas",
    "cascades",
    "districts",
    "accidents_month",
    "accidents_quarter",
    "parameters",
)


_CASCADE_COLUMNS = (
    *({"name": "rule_name", "name_en": "rule_name_en"}.get(c, c) for c in CASCADE_COLUMNS[:-2]),
    "lon",
    "lat",
)
"""The cascade table's columns: those of :func:`riskmap.analysis.find_cascades` with the
rule's name as ``rule_name`` and the first feature's WGS84 ``lon``/``lat`` for its x, y."""

SPATIAL_TABLES: tuple[str, ...] = ("sources", "areas", "districts")
"""Tables with geometry (the sources' own points, lines or polygons; the areas' and the
districts' polygons)."""

COUNTIES = "counties"
"""The summary per county, present when the project has ``counties`` (a province)."""

CELLS = "cells"
"""The optional table of assessed cells (level, score, components), exported when asked."""

ABOUT = "about"
"""The table that says what a filtered export holds (sheet 说明 / About)."""

LAYERS: tuple[str, ...] = (
    "sources_points",
    "sources_lines",
    "sources_polygons",
    "areas",
    "districts",
)
"""Spatial layers of the GeoPackage and GeoJSON exports, one geometry type each: every
source as a point (a point on the surface of a line or polygon), the line and polygon
sources with their own shapes, the risk areas and the districts (``cells`` when asked)."""

CsvEncoding = Literal["utf-8", "gbk", "gb18030"]

ENCODINGS: tuple[str, ...] = ("utf-8", "gbk", "gb18030")
"""Encodings of CSV exports: UTF-8 with a byte-order mark (default), GBK for older Excel
(a character GBK has no code for is reported, never replaced), GB18030."""

AREA_CODE = "QY"
"""Category code of risk areas in their unified numbers (区域)."""

NEAR_M = InventoryOptions().near_m
"""Default distance (m) within which the consequence around a source sets its severity
(the 500 m ring of the major-hazard alpha correction, GB 18218)."""

INTENSITY_BREAKS: tuple[float, float, float, float] = InventoryOptions().intensity_breaks
"""Source intensity (the 0-10 scale of layer kinds) separating likelihood classes 1|2|3|4|5:
e.g. major-hazard 一级/二级 (10, 7) L5, 三级/四级 (4.5, 3) L3, gas stations (1.5-2.5) L2."""

CLOSED_STATUSES = frozenset({"已销号", "已作废"})
"""Register statuses of hidden hazards that are no longer sources of risk."""

_LEVEL_KEYS = {4: "major", 3: "significant", 2: "general", 1: "low"}

ACCIDENT_TYPES_EN: dict[str, str] = {
    "火灾": "fire",
    "爆炸": "explosion",
    "中毒和窒息": "poisoning and asphyxiation",
    "灼烫": "burns",
    "坍塌": "collapse",
    "淹溺": "drowning",
    "触电": "electrocution",
    "机械伤害": "mechanical injury",
    "高处坠落": "fall from height",
    "物体打击": "struck by object",
    "车辆伤害": "vehicle injury",
    "起重伤害": "lifting injury",
    "透水": "water inrush",
    "冒顶片帮": "roof fall",
    "放炮": "blasting",
    "火药爆炸": "explosives explosion",
    "瓦斯爆炸": "gas explosion",
    "锅炉爆炸": "boiler explosion",
    "容器爆炸": "vessel explosion",
    "其他爆炸": "other explosion",
    "其他伤害": "other injury",
    "溃坝": "dam break",
    "滑坡": "landslide",
    "崩塌": "rockfall",
    "泥石流": "debris flow",
    "地面塌陷": "ground subsidence",
    "地震": "earthquake",
    "其他": "other",
}
"""English names of accident types (GB 6441 categories and natural hazards)."""

_SEP = {"zh": "、", "en": ", "}

_MEASURE_SEP = {"zh": "；", "en": "; "}

# Column headers: canonical column name -> (zh, en). Columns not listed keep their name.
_HEADERS: dict[str, tuple[str, str]] = load_labels("inventory_headers")


SHEET_NAMES: dict[str, tuple[str, str]] = load_labels("inventory_sheets")
"""Worksheet (and GeoPackage layer title) of each table, Chinese and English."""

_CATEGORY_VALUES: dict[str, tuple[str, str]] = load_labels("category_values")
"""``<kind>.<field>.<value>`` -> (Chinese, English): the values of the layer kinds'
category fields (``riskmap/config/labels/category_values.yaml``)."""


def category_value(kind: str, field: str, value: str, lang: str = "zh") -> str:
    """A value of a layer kind's category field (``flood_zone``, ``level``, ``高``) in
    ``lang`` (``high``); a value the catalogue does not list is the data's own and is
    returned as it is."""
    pair = _CATEGORY_VALUES.get(f"{kind}.{field}.{value}")
    if pair is None:
        return value
    return pair[1] if lang == "en" else pair[0]


# Labels of the export layers and columns that the catalogue files do not have yet; an entry
# of riskmap/config/labels/inventory_*.yaml with the same key wins.
for _key, _pair in {
    "sources_points": ("风险源清单（点）", "Risk sources (points)"),
    "sources_lines": ("风险源清单（线）", "Risk sources (lines)"),
    "sources_polygons": ("风险源清单（面）", "Risk sources (polygons)"),
    CELLS: ("风险网格", "Risk cells"),
    ABOUT: ("说明", "About"),
}.items():
    SHEET_NAMES.setdefault(_key, _pair)
for _key, _pair in {
    "score": LABELS["component.score"],
    "hazard": LABELS["component.hazard"],
    "exposure": LABELS["component.exposure"],
    "vulnerability": LABELS["component.vulnerability"],
    "coping_gap": LABELS["component.coping_gap"],
    "area_m2": ("面积(m²)", "Area (m²)"),
    "top_factor": ("主要风险因素图层", "Top factor layer"),
    "item": ("项目", "Item"),
}.items():
    _HEADERS.setdefault(_key, _pair)
del _key, _pair

_CELL_HEADERS: dict[str, tuple[str, str]] = {"consequence": LABELS["component.consequence"]}
"""Headers of the cells table that differ from the other tables' (a cell's own C, not the
highest C around a source)."""

_SHARE_HEADER = ("贡献占比：", "Share: ")
"""Prefix of the header of a cell's ``share_<layer>`` column (that layer's share of the score)."""


@dataclass(frozen=True)
class InventoryFilter:
    """What a filtered inventory keeps (:func:`~riskmap.products.inventory.filter_inventory`).

    Attributes
    ----------
    districts : adcodes of the districts kept; empty = every district.
    levels : level ranks kept (4 重大 ... 1 低); empty = every level.
    notes : other filters in words, e.g. ``数据图层：hazmat`` (written as they are).
    """

    districts: tuple[str, ...] = ()
    levels: tuple[int, ...] = ()
    notes: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.districts or self.levels or self.notes)


@dataclass(frozen=True)
class Inventory:
    """The risk inventory of one assessment; every table bilingual (see :func:`view_table`).

    Attributes
    ----------
    sources : GeoDataFrame, one row per hazard source, working CRS.
    areas : GeoDataFrame, one row per connected red/orange risk area, working CRS.
    districts : one row per district, ranked (see :func:`district_summary`); a GeoDataFrame
        with the district's polygon (working CRS) when built by :func:`inventory_from_cells`.
    accidents_month, accidents_quarter : DataFrame, accident ranking per district and period.
    parameters : DataFrame with ``section``, ``parameter``, ``value``: the method's
        parameters, the input files with their sha256, the riskmap version and date.
    cells : GeoDataFrame of the assessed cells (cell_id, district, adcode, level, score,
        components, likelihood, severity, population, area_m2, top factor, measures,
        ``share_<layer>``, lon, lat), working CRS; None when not built. Exported only when
        asked (``cells=True``): a city has many cells.
    filters : what this inventory was filtered to; empty for the whole city.
    counties : one row per county (see :func:`county_summary`), with its polygon; None
        unless the project has ``counties`` (a province).
    cascades : one row per pair of features a cascade rule (natech, domino, sensitive
        target) of the layer kinds matches: rule, both features, distance, factor,
        measures, source, lon/lat of the first feature.
    """

    sources: gpd.GeoDataFrame
    areas: gpd.GeoDataFrame
    districts: pd.DataFrame
    accidents_month: pd.DataFrame
    accidents_quarter: pd.DataFrame
    parameters: pd.DataFrame
    cells: gpd.GeoDataFrame | None = None
    filters: InventoryFilter = field(default_factory=InventoryFilter)
    cascades: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=_CASCADE_COLUMNS))
    counties: pd.DataFrame | None = None

    def table(self, name: str, lang: str = "zh") -> pd.DataFrame:
        """One table in one language, with canonical column names."""
        if name == CELLS and self.cells is not None:
            return view_table(self.cells, lang)
        if name == COUNTIES and self.counties is not None:
            return view_table(self.counties, lang)
        if name not in TABLES:
            raise RiskmapError(f"unknown inventory table '{name}'; known: {', '.join(TABLES)}")
        return view_table(getattr(self, name), lang)


def view_table(frame: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """One language of a bilingual table: ``c`` keeps Chinese, or takes ``c_en`` for English.

    Twin columns ending in ``_en`` are dropped; the input is not modified.
    """
    twins = [
        c
        for c in frame.columns
        if isinstance(c, str) and c.endswith("_en") and c[:-3] in frame.columns
    ]
    out = frame.copy()
    if lang == "en":
        for c in twins:
            out[c[:-3]] = out[c]
    return out.drop(columns=twins)


def header_labels(
    columns: Sequence[str], lang: str = "zh", table: str | None = None
) -> dict[str, str]:
    """Column name -> header shown to people (Chinese, or English with ``lang='en'``).

    ``table="cells"`` names the columns of the cells table (a cell's own consequence, the
    ``share_<layer>`` columns).
    """
    i = 1 if lang == "en" else 0
    out = {c: _HEADERS[c][i] if c in _HEADERS else c for c in columns}
    if table == CELLS:
        for c in columns:
            if c in _CELL_HEADERS:
                out[c] = _CELL_HEADERS[c][i]
            elif c.startswith("share_"):
                out[c] = _SHARE_HEADER[i] + c.removeprefix("share_")
    return out
