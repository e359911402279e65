"""The risk inventory's tables and their vocabulary: formats, table names, headers and
sheet names in zh/en, the :class:`Inventory` object and its views for people.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import pandas as pd

from riskmap.config import InventoryOptions
from riskmap.config.catalogue import load_labels
from riskmap.errors import RiskmapError

Format = Literal["csv", "xlsx", "geojson", "gpkg"]

FORMATS: tuple[str, ...] = ("csv", "xlsx", "geojson", "gpkg")

TABLES: tuple[str, ...] = (
    "sources",
    "areas",
    "districts",
    "accidents_month",
    "accidents_quarter",
    "parameters",
)


SPATIAL_TABLES: tuple[str, ...] = ("sources", "areas")

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


@dataclass(frozen=True)
class Inventory:
    """The risk inventory of one assessment; every table bilingual (see :func:`view_table`).

    Attributes
    ----------
    sources : GeoDataFrame, one row per hazard source, working CRS.
    areas : GeoDataFrame, one row per connected red/orange risk area, working CRS.
    districts : DataFrame, one row per district, ranked (see :func:`district_summary`).
    accidents_month, accidents_quarter : DataFrame, accident ranking per district and period.
    parameters : DataFrame with ``section``, ``parameter``, ``value``: the method's
        parameters, the input files with their sha256, the riskmap version and date.
    """

    sources: gpd.GeoDataFrame
    areas: gpd.GeoDataFrame
    districts: pd.DataFrame
    accidents_month: pd.DataFrame
    accidents_quarter: pd.DataFrame
    parameters: pd.DataFrame

    def table(self, name: str, lang: str = "zh") -> pd.DataFrame:
        """One table in one language, with canonical column names."""
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


def header_labels(columns: Sequence[str], lang: str = "zh") -> dict[str, str]:
    """Column name -> header shown to people (Chinese, or English with ``lang='en'``)."""
    i = 1 if lang == "en" else 0
    return {c: _HEADERS[c][i] if c in _HEADERS else c for c in columns}
