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
_HEADERS: dict[str, tuple[str, str]] = {
    "number": ("统一编号", "Unified number"),
    "source_id": ("原编号", "Source ID"),
    "layer": ("数据图层", "Data layer"),
    "name": ("名称", "Name"),
    "kind": ("类别", "Kind"),
    "category_code": ("类别代码", "Category code"),
    "risk_point": ("风险点", "Risk point"),
    "district": ("所在区", "District"),
    "adcode": ("区划代码", "District code"),
    "address": ("地址", "Address"),
    "lon": ("经度(WGS84)", "Longitude (WGS84)"),
    "lat": ("纬度(WGS84)", "Latitude (WGS84)"),
    "intensity": ("固有危险强度(0-10)", "Intensity (0-10)"),
    "consequence": ("周边后果指数(0-10)", "Consequence around (0-10)"),
    "likelihood": ("可能性等级", "Likelihood class"),
    "severity": ("严重性等级", "Severity class"),
    "risk_value": ("风险值R", "Risk value R"),
    "level_rank": ("风险等级序号", "Level rank"),
    "level": ("风险等级", "Risk level"),
    "accident_types": ("可能导致的事故类型", "Possible accident types"),
    "measures": ("管控措施", "Control measures"),
    "department": ("责任部门", "Responsible department"),
    "responsible_person": ("责任人", "Responsible person"),
    "cell_id": ("所在网格", "Grid cell"),
    "cells": ("网格数", "Cells"),
    "cells_major": ("重大风险网格数", "Major-risk cells"),
    "cells_significant": ("较大风险网格数", "Significant-risk cells"),
    "cells_general": ("一般风险网格数", "General-risk cells"),
    "cells_low": ("低风险网格数", "Low-risk cells"),
    "area_km2": ("面积(km²)", "Area (km²)"),
    "area_km2_major": ("重大风险面积(km²)", "Major-risk area (km²)"),
    "area_km2_significant": ("较大风险面积(km²)", "Significant-risk area (km²)"),
    "area_km2_general": ("一般风险面积(km²)", "General-risk area (km²)"),
    "area_km2_low": ("低风险面积(km²)", "Low-risk area (km²)"),
    "population": ("人口", "Population"),
    "population_major": ("重大风险区人口", "Population in major-risk cells"),
    "population_significant": ("较大风险区人口", "Population in significant-risk cells"),
    "population_general": ("一般风险区人口", "Population in general-risk cells"),
    "population_low": ("低风险区人口", "Population in low-risk cells"),
    "sources": ("风险源数", "Sources"),
    "sources_major": ("重大风险源数", "Major-risk sources"),
    "sources_significant": ("较大风险源数", "Significant-risk sources"),
    "sources_general": ("一般风险源数", "General-risk sources"),
    "sources_low": ("低风险源数", "Low-risk sources"),
    "mean_score": ("平均风险值", "Mean score"),
    "max_score": ("最高风险值", "Highest score"),
    "rank": ("排名", "Rank"),
    "first_cell": ("起始网格", "Lowest cell"),
    "dominant_factor": ("主导因素图层", "Dominant factor layer"),
    "dominant_kind": ("主导因素类别代码", "Dominant factor kind"),
    "dominant_factor_name": ("主导风险因素", "Dominant factor"),
    "period": ("统计期", "Period"),
    "accidents": ("事故起数", "Accidents"),
    "deaths": ("死亡人数", "Deaths"),
    "injuries": ("受伤人数", "Injuries"),
    "direct_loss": ("直接经济损失(万元)", "Direct loss (10,000 yuan)"),
    "section": ("类别", "Section"),
    "parameter": ("参数", "Parameter"),
    "value": ("取值", "Value"),
}


SHEET_NAMES: dict[str, tuple[str, str]] = {
    "sources": ("风险源清单", "Risk sources"),
    "areas": ("风险区域清单", "Risk areas"),
    "districts": ("分区汇总", "Districts"),
    "accidents_month": ("事故月度排名", "Accidents by month"),
    "accidents_quarter": ("事故季度排名", "Accidents by quarter"),
    "parameters": ("参数与来源", "Parameters"),
}
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
