"""The city safety risk inventory (城市安全风险清单), district summaries and exports.

Four tables are built from the loaded data and the assessed cells:

* **sources** — one row per hazard source (every feature of every layer whose kind has
  role ``hazard``, except the accident history; open hidden hazards of the register are
  included). Fields follow the Jiangsu regulation on enterprise safety risk management
  (2024, Art. 11): name, risk point, location, level, possible accident types, control
  measures, responsible department, responsible person; plus a unified number.
* **areas** — red and orange cells grouped into connected risk areas per district.
* **districts** — cells, area and population per level, sources per level, ranked.
* **accidents** — accidents, deaths, injuries and direct loss per district per month or
  quarter, ranked within each period.

Every table is kept bilingual: a translatable column ``c`` (Chinese) has a twin ``c_en``
(English). :func:`view_table` picks one language and :func:`export_inventory` writes
CSV (UTF-8 with BOM), XLSX, GeoJSON or GeoPackage with Chinese or English headers.

Unified numbers (统一编号) — see docs/INVENTORY.md:

* source: ``{city adcode}-{district adcode}-{category code}-{sequence}``; the sequence is
  all the digits of the source's own id (leading zeros dropped, at least 4 digits), so it
  does not depend on row order or on other sources. An id without digits, or whose digits
  are shared by another source of the same category in the same district, gets
  ``H`` + the first 8 hex digits of sha256(category code + ":" + id) instead.
* area: ``{city adcode}-{district adcode}-QY-{lowest cell_id of the area}``.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
import tempfile
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from riskmap import __version__
from riskmap.config import InventoryOptions, LayerKind, ValueRule
from riskmap.config.levels import LEVELS
from riskmap.engine.rules import rule_values
from riskmap.errors import RiskmapError
from riskmap.io import ProjectData

if TYPE_CHECKING:
    from riskmap.engine import Assessment

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


# ---------------------------------------------------------------------------
# The inventory object


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


def build_inventory(assessment: Assessment, options: InventoryOptions | None = None) -> Inventory:
    """The risk inventory (风险清单) of an assessment.

    Parameters
    ----------
    assessment
        From :meth:`riskmap.Study.score`: its cells, data and parameters.
    options
        How sources are graded and areas joined; :class:`~riskmap.config.InventoryOptions`
        defaults when None.

    Returns
    -------
    Inventory
    """
    o = options or InventoryOptions()
    return inventory_from_cells(
        assessment.data,
        assessment.cells,
        assessment.params,
        near_m=o.near_m,
        intensity_breaks=o.intensity_breaks,
        connectivity=o.connectivity,
        today=o.today,
    )


def inventory_from_cells(
    data: ProjectData,
    cells: gpd.GeoDataFrame,
    params: Mapping[str, Any] | None = None,
    *,
    near_m: float = NEAR_M,
    intensity_breaks: Sequence[float] = INTENSITY_BREAKS,
    connectivity: Literal[4, 8] = 8,
    today: date | None = None,
) -> Inventory:
    """Build every table of the risk inventory.

    Parameters
    ----------
    data
        The loaded project.
    cells
        Assessed cells (``Assessment.cells``): cell_id, district, adcode, area_m2,
        population, consequence, score, level_rank, top_factor, measures ... in the
        working CRS.
    params
        The assessment's parameters (``Assessment.params``), written to the parameters
        table; nested mappings become dotted names.
    near_m
        Distance (m) around a source whose highest consequence sets its severity class.
    intensity_breaks
        Source intensities separating likelihood classes 1|2|3|4|5.
    connectivity
        4 or 8: which grid neighbours join red/orange cells into one area.
    today
        Date written into the parameters table (today by default).
    """
    sources = _build_sources(data, cells, near_m=near_m, intensity_breaks=intensity_breaks)
    areas = _build_areas(
        cells, kinds=data.kinds, city_adcode=data.project.adcode, connectivity=connectivity
    )
    return Inventory(
        sources=sources,
        areas=areas,
        districts=district_summary(cells, sources),
        accidents_month=accident_ranking(data, period="month"),
        accidents_quarter=accident_ranking(data, period="quarter"),
        parameters=_parameters_table(data, params, today=today),
    )


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


# ---------------------------------------------------------------------------
# Sources


def build_source_inventory(
    data: ProjectData,
    cells: gpd.GeoDataFrame,
    lang: str = "zh",
    *,
    near_m: float = NEAR_M,
    intensity_breaks: Sequence[float] = INTENSITY_BREAKS,
) -> gpd.GeoDataFrame:
    """One row per hazard source, with its unified number and level.

    Every feature of every layer whose kind has role ``hazard`` is a source, except the
    accident history (kind group ``history``); hidden hazards of the register whose status
    is closed (已销号, 已作废) are left out.

    The source level uses the engine's risk matrix. Likelihood class: the source's own
    intensity (the kind's intensity rule on its attributes, on the common 0–10 scale of
    layer kinds) cut by ``intensity_breaks`` (:data:`INTENSITY_BREAKS`). Severity class: the
    highest consequence C of the cells within ``near_m`` metres of the source (or the
    nearest cell) cut by ``levels.severity_breaks``. R = likelihood × severity gives the
    level: 20–25 重大, 9–16 较大, 4–8 一般, 1–3 低.

    Parameters
    ----------
    data
        The loaded project.
    cells
        Assessed cells with ``cell_id`` and ``consequence`` in the working CRS.
    lang
        ``zh`` or ``en`` for the texts (kind, level, measures, department, ...).
    near_m
        Distance (m) around a source searched for the highest consequence.
    intensity_breaks
        Source intensities separating likelihood classes 1|2|3|4|5.

    Returns
    -------
    GeoDataFrame
        number, source_id, layer, name, kind, category_code, risk_point, district,
        adcode, address, lon, lat, intensity, consequence, likelihood, severity,
        risk_value, level_rank, level, accident_types, measures, department,
        responsible_person, cell_id, geometry (working CRS); highest level first.
    """
    return view_table(
        _build_sources(data, cells, near_m=near_m, intensity_breaks=intensity_breaks), lang
    )


def _source_layers(data: ProjectData) -> list[tuple[str, LayerKind, gpd.GeoDataFrame]]:
    out = []
    for lyr in data.layers.values():
        kind = lyr.kind
        if kind.role != "hazard" or kind.group == "history" or kind.kind == "accident":
            continue
        gdf = lyr.gdf
        if "status" in gdf.columns and kind.kind == "hidden_hazard":
            gdf = gdf[~gdf["status"].astype(str).isin(CLOSED_STATUSES)]
        gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
        if len(gdf):
            out.append((lyr.name, kind, gdf))
    return out


_SOURCE_COLUMNS = [
    "number",
    "source_id",
    "layer",
    "name",
    "kind",
    "kind_en",
    "category_code",
    "risk_point",
    "risk_point_en",
    "district",
    "adcode",
    "address",
    "lon",
    "lat",
    "intensity",
    "consequence",
    "likelihood",
    "severity",
    "risk_value",
    "level_rank",
    "level",
    "level_en",
    "accident_types",
    "accident_types_en",
    "measures",
    "measures_en",
    "department",
    "department_en",
    "responsible_person",
    "cell_id",
]


def _build_sources(
    data: ProjectData,
    cells: gpd.GeoDataFrame,
    *,
    near_m: float,
    intensity_breaks: Sequence[float] = INTENSITY_BREAKS,
) -> gpd.GeoDataFrame:
    parts = []
    for binding, kind, gdf in _source_layers(data):
        ids = gdf["id"].astype(str).to_numpy()
        n = len(gdf)
        frame = pd.DataFrame(
            {
                "source_id": ids,
                "layer": binding,
                "name": _text_column(gdf, "name", n),
                "kind": kind.name.zh,
                "kind_en": kind.name.en,
                "category_code": kind.category_code,
                "risk_point": _risk_point(gdf, kind, "zh"),
                "risk_point_en": _risk_point(gdf, kind, "en"),
                "address": _text_column(gdf, "address", n),
                "intensity": _rule_values(gdf, kind.intensity),
                "accident_types": _SEP["zh"].join(kind.accident_types),
                "accident_types_en": _SEP["en"].join(
                    ACCIDENT_TYPES_EN.get(t, t) for t in kind.accident_types
                ),
                "measures": _MEASURE_SEP["zh"].join(m.zh for m in kind.measures),
                "measures_en": _MEASURE_SEP["en"].join(m.en for m in kind.measures),
                "department": kind.department.zh if kind.department else "",
                "department_en": kind.department.en if kind.department else "",
                "responsible_person": _text_column(gdf, "responsible_person", n),
            }
        )
        parts.append(gpd.GeoDataFrame(frame, geometry=gdf.geometry.to_numpy(), crs=data.crs))
    if not parts:
        empty = gpd.GeoDataFrame(
            {c: pd.Series(dtype=object) for c in _SOURCE_COLUMNS}, geometry=[], crs=data.crs
        )
        return empty
    src = pd.concat(parts, ignore_index=True)
    src = gpd.GeoDataFrame(src, geometry="geometry", crs=data.crs)
    geoms = src.geometry.to_numpy()
    anchor = shapely.point_on_surface(geoms)

    # District by location (nearest district for sources just outside every polygon).
    d_idx = _locate(anchor, data.districts.geometry.to_numpy())
    names = data.districts["name"].astype(str).to_numpy()
    codes = data.districts["adcode"].astype(str).to_numpy()
    src["district"] = np.where(d_idx >= 0, names[np.clip(d_idx, 0, None)], "") if len(codes) else ""
    src["adcode"] = (
        np.where(d_idx >= 0, codes[np.clip(d_idx, 0, None)], "000000") if len(codes) else "000000"
    )

    # Longitude / latitude of the anchor point.
    wgs = gpd.GeoSeries(anchor, crs=data.crs).to_crs(4326)
    src["lon"] = np.round(wgs.x.to_numpy(), 6)
    src["lat"] = np.round(wgs.y.to_numpy(), 6)

    # Cell it sits in, and the highest consequence within near_m.
    cell_geoms = cells.geometry.to_numpy()
    c_idx = _locate(anchor, cell_geoms)
    cell_ids = cells["cell_id"].astype(str).to_numpy()
    src["cell_id"] = (
        np.where(c_idx >= 0, cell_ids[np.clip(c_idx, 0, None)], "") if len(cells) else ""
    )
    src["consequence"] = np.round(_max_near(geoms, cells, near_m), 3)

    lv = data.project.levels
    likelihood = _classify(src["intensity"].to_numpy(dtype=float), intensity_breaks)
    severity = _classify(src["consequence"].to_numpy(dtype=float), lv.severity_breaks)
    risk = likelihood * severity
    rank = _matrix_rank(risk)
    src["likelihood"] = likelihood
    src["severity"] = severity
    src["risk_value"] = risk
    src["level_rank"] = rank
    src["level"] = np.array([lvl.zh for lvl in LEVELS])[rank - 1]
    src["level_en"] = np.array([lvl.en for lvl in LEVELS])[rank - 1]
    src["number"] = _source_numbers(
        data.project.adcode, src["adcode"], src["category_code"], src["source_id"], src["layer"]
    )
    src = src.sort_values(
        ["level_rank", "risk_value", "intensity", "number"], ascending=[False, False, False, True]
    )
    return gpd.GeoDataFrame(
        src[[*_SOURCE_COLUMNS, "geometry"]].reset_index(drop=True),
        geometry="geometry",
        crs=data.crs,
    )


def _text_column(gdf: pd.DataFrame, column: str, n: int) -> np.ndarray:
    if column not in gdf.columns:
        return np.full(n, "", dtype=object)
    s = gdf[column]
    return s.where(s.notna(), "").astype(str).str.strip().to_numpy(dtype=object)


def _rule_values(gdf: pd.DataFrame, rule: ValueRule | None) -> np.ndarray:
    """The kind's intensity rule on every feature (:func:`riskmap.engine.rules.rule_values`),
    clipped to 0..10 and rounded for the inventory; 1 without a rule."""
    if rule is None:
        return np.full(len(gdf), 1.0)
    lo = 0.0 if rule.min is None else rule.min
    hi = 10.0 if rule.max is None else min(rule.max, 10.0)
    return np.round(np.clip(rule_values(rule, gdf), lo, hi), 3)


def _risk_point(gdf: pd.DataFrame, kind: LayerKind, lang: str) -> np.ndarray:
    """The kind's name plus its describing attributes, e.g. ``危险化学品企业（重大危险源等级：一级）``."""
    skip = {
        "id",
        "name",
        "district",
        "address",
        "responsible_person",
        "status",
        "overdue",
        "listed",
    }
    n = len(gdf)
    parts: list[pd.Series] = []
    colon = ": " if lang == "en" else "："
    for fname, spec in kind.fields.items():
        if fname in skip or fname not in gdf.columns or spec.type not in {"category", "str"}:
            continue
        s = gdf[fname].where(gdf[fname].notna(), "").astype(str).str.strip().reset_index(drop=True)
        parts.append(s.where(s == "", spec.label.get(lang) + colon + s))
    base = kind.name.get(lang)
    if not parts:
        return np.full(n, base, dtype=object)
    detail = (
        pd.concat(parts, axis=1).apply(lambda r: _SEP[lang].join(x for x in r if x), axis=1)
        if n
        else pd.Series([], dtype=object)
    )
    detail = detail.astype(str)
    open_, close = (" (", ")") if lang == "en" else ("（", "）")
    return np.where(detail != "", base + open_ + detail + close, base).astype(object)


def _locate(points: np.ndarray, polygons: np.ndarray) -> np.ndarray:
    """Index of the polygon each point lies in (lowest index on shared edges), else the
    nearest polygon; -1 when there are no polygons."""
    out = np.full(len(points), -1, dtype=np.int64)
    if len(polygons) == 0 or len(points) == 0:
        return out
    tree = shapely.STRtree(polygons)
    pi, ti = tree.query(points, predicate="intersects")
    order = np.lexsort((ti, pi))
    pi, ti = pi[order], ti[order]
    first = np.r_[True, pi[1:] != pi[:-1]] if len(pi) else np.array([], dtype=bool)
    out[pi[first]] = ti[first]
    miss = np.flatnonzero(out < 0)
    if len(miss):
        mi, mt = tree.query_nearest(points[miss], all_matches=False)
        out[miss[mi]] = mt
    return out


def _max_near(geoms: np.ndarray, cells: gpd.GeoDataFrame, near_m: float) -> np.ndarray:
    """Highest cell consequence within ``near_m`` of each geometry (nearest cell if none)."""
    n = len(geoms)
    if len(cells) == 0 or "consequence" not in cells.columns:
        return np.zeros(n)
    cons = pd.to_numeric(cells["consequence"], errors="coerce").fillna(0).to_numpy(dtype=float)
    tree = shapely.STRtree(cells.geometry.to_numpy())
    gi, ci = tree.query(geoms, predicate="dwithin", distance=near_m)
    out = np.full(n, -1.0)
    np.maximum.at(out, gi, cons[ci])
    miss = np.flatnonzero(out < 0)
    if len(miss):
        mi, mc = tree.query_nearest(geoms[miss], all_matches=False)
        out[miss[mi]] = cons[mc]
    return np.clip(out, 0, None)


def _classify(values: np.ndarray, breaks: Sequence[float]) -> np.ndarray:
    """Class 1..len(breaks)+1: a value equal to a break goes to the upper class."""
    v = np.nan_to_num(values, nan=0.0)
    return (np.searchsorted(np.asarray(breaks, dtype=float), v, side="right") + 1).astype(np.int64)


def _matrix_rank(risk: np.ndarray) -> np.ndarray:
    """Level rank 1..4 of risk-matrix values R from the level table (R >= a level's minimum)."""
    mins = np.array([lvl.matrix_min for lvl in LEVELS[1:]], dtype=float)
    return (np.searchsorted(mins, risk, side="right") + 1).astype(np.int64)


def _short_hash(text: str, n: int = 8) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:n].upper()


def _source_numbers(
    city: str, adcode: pd.Series, category: pd.Series, ids: pd.Series, layer: pd.Series
) -> np.ndarray:
    """Unified numbers ``{city}-{district}-{category}-{sequence}`` (see module docstring)."""
    digits = ids.astype(str).str.replace(r"\D", "", regex=True)
    seq = digits.str.lstrip("0").replace("", "0").str.zfill(4)
    seq = seq.where(digits != "", "")
    prefix = city + "-" + adcode.astype(str) + "-" + category.astype(str) + "-"
    number = prefix + seq
    dup = number.duplicated(keep=False) | (seq == "")
    if dup.any():
        hashed = [
            "H" + _short_hash(f"{c}:{i}")
            for c, i in zip(category[dup], ids[dup].astype(str), strict=True)
        ]
        number = number.copy()
        number[dup] = prefix[dup] + np.array(hashed, dtype=object)
    # The same id in two layers of the same kind: tell them apart by the layer's hash.
    still = number.duplicated(keep=False)
    if still.any():
        extra = [
            _short_hash(f"{lyr}:{i}", 4)
            for lyr, i in zip(layer[still], ids[still].astype(str), strict=True)
        ]
        number = number.copy()
        number[still] = number[still] + "-" + np.array(extra, dtype=object)
    return number.to_numpy(dtype=object)


# ---------------------------------------------------------------------------
# Areas


def build_area_inventory(
    cells: gpd.GeoDataFrame,
    lang: str = "zh",
    *,
    kinds: Mapping[str, LayerKind] | None = None,
    city_adcode: str | None = None,
    connectivity: Literal[4, 8] = 8,
    min_rank: int = 3,
) -> gpd.GeoDataFrame:
    """Red and orange cells grouped into connected risk areas, one area per district.

    Two cells belong to the same area when they are grid neighbours (4: edge, 8: edge or
    corner, from the ``r{row}c{col}`` cell ids; cells with other ids, e.g. H3, join when
    their geometries touch), both have a level rank of at least ``min_rank`` and lie in
    the same district.

    Parameters
    ----------
    cells
        Assessed cells in the working CRS.
    lang
        ``zh`` or ``en`` for the level, dominant factor and measures.
    kinds
        Layer kinds, to name the dominant factor (the kind code is shown without them).
    city_adcode
        The city's adcode for the numbers; the first four digits of the district adcode
        followed by ``00`` by default.
    connectivity
        4 or 8 grid neighbours.
    min_rank
        Lowest level rank of the cells grouped (3 = 较大 and 重大).

    Returns
    -------
    GeoDataFrame
        number, district, adcode, level_rank, level, cells, cells_major,
        cells_significant, area_km2, population, max_score, mean_score, dominant_factor,
        dominant_kind, dominant_factor_name, measures, lon, lat, first_cell, geometry;
        highest level first, then largest area.
    """
    return view_table(
        _build_areas(
            cells,
            kinds=kinds,
            city_adcode=city_adcode,
            connectivity=connectivity,
            min_rank=min_rank,
        ),
        lang,
    )


_AREA_COLUMNS = [
    "number",
    "district",
    "adcode",
    "level_rank",
    "level",
    "level_en",
    "cells",
    "cells_major",
    "cells_significant",
    "area_km2",
    "population",
    "max_score",
    "mean_score",
    "dominant_factor",
    "dominant_kind",
    "dominant_factor_name",
    "dominant_factor_name_en",
    "measures",
    "measures_en",
    "lon",
    "lat",
    "first_cell",
]

_RC = re.compile(r"^r(-?\d+)c(-?\d+)$")


def _cell_edges(sel: gpd.GeoDataFrame, connectivity: int) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i, j) of neighbouring selected cells (positions in ``sel``)."""
    rc = sel["cell_id"].astype(str).str.extract(r"^r(-?\d+)c(-?\d+)$")
    if rc.notna().all().all():
        row = rc[0].astype(np.int64).to_numpy()
        col = rc[1].astype(np.int64).to_numpy()
        width = int(col.max() - col.min()) + 3
        key = (row - row.min() + 1) * width + (col - col.min() + 1)
        order = np.argsort(key)
        skey = key[order]
        offsets = [(0, 1), (1, 0)] + ([(1, 1), (1, -1)] if connectivity == 8 else [])
        ii, jj = [], []
        for dr, dc in offsets:
            target = key + dr * width + dc
            pos = np.clip(np.searchsorted(skey, target), 0, len(skey) - 1)
            hit = skey[pos] == target
            ii.append(np.flatnonzero(hit))
            jj.append(order[pos[hit]])
        return np.concatenate(ii), np.concatenate(jj)
    geoms = sel.geometry.to_numpy()
    tree = shapely.STRtree(geoms)
    i, j = tree.query(geoms, predicate="intersects")
    keep = i < j
    return i[keep], j[keep]


def _build_areas(
    cells: gpd.GeoDataFrame,
    *,
    kinds: Mapping[str, LayerKind] | None = None,
    city_adcode: str | None = None,
    connectivity: Literal[4, 8] = 8,
    min_rank: int = 3,
) -> gpd.GeoDataFrame:
    if connectivity not in (4, 8):
        raise RiskmapError(f"connectivity must be 4 or 8, got {connectivity}")
    sel = cells[pd.to_numeric(cells["level_rank"], errors="coerce").fillna(0) >= min_rank]
    sel = sel.reset_index(drop=True)
    if sel.empty:
        return gpd.GeoDataFrame(
            {c: pd.Series(dtype=object) for c in _AREA_COLUMNS}, geometry=[], crs=cells.crs
        )
    n = len(sel)
    i, j = _cell_edges(sel, connectivity)
    adcode = sel["adcode"].astype(str).to_numpy()
    same = adcode[i] == adcode[j]
    graph = coo_matrix((np.ones(int(same.sum())), (i[same], j[same])), shape=(n, n))
    _, label = connected_components(graph, directed=False)

    work = pd.DataFrame(
        {
            "label": label,
            "cell_id": sel["cell_id"].astype(str).to_numpy(),
            "district": sel["district"].astype(str).to_numpy(),
            "adcode": adcode,
            "rank": sel["level_rank"].astype(int).to_numpy(),
            "area_m2": pd.to_numeric(sel["area_m2"], errors="coerce").fillna(0).to_numpy(),
            "population": pd.to_numeric(sel.get("population", 0), errors="coerce"),
            "score": pd.to_numeric(sel["score"], errors="coerce").fillna(0).to_numpy(),
            "top_factor": sel.get("top_factor", pd.Series("", index=sel.index))
            .fillna("")
            .astype(str)
            .to_numpy(),
            "top_factor_kind": sel.get("top_factor_kind", pd.Series("", index=sel.index))
            .fillna("")
            .astype(str)
            .to_numpy(),
            "measures": sel.get("measures", pd.Series("", index=sel.index))
            .fillna("")
            .astype(str)
            .to_numpy(),
            "measures_en": sel.get("measures_en", pd.Series("", index=sel.index))
            .fillna("")
            .astype(str)
            .to_numpy(),
        }
    )
    work["population"] = work["population"].fillna(0)
    # Lowest cell of each area: by (row, col) for grid ids, else by the id text.
    rc = work["cell_id"].str.extract(r"^r(-?\d+)c(-?\d+)$")
    if rc.notna().all().all():
        work["_r"], work["_c"] = rc[0].astype(np.int64), rc[1].astype(np.int64)
        first = work.sort_values(["_r", "_c"]).groupby("label")["cell_id"].first()
    else:
        first = work.groupby("label")["cell_id"].min()

    g = work.groupby("label")
    agg = pd.DataFrame(
        {
            "district": g["district"].first(),
            "adcode": g["adcode"].first(),
            "level_rank": g["rank"].max(),
            "cells": g.size(),
            "cells_major": g["rank"].apply(lambda r: int((r >= 4).sum())),
            "cells_significant": g["rank"].apply(lambda r: int((r == 3).sum())),
            "area_km2": (g["area_m2"].sum() / 1e6).round(3),
            "population": g["population"].sum().round(0),
            "max_score": g["score"].max().round(2),
            "mean_score": g["score"].mean().round(2),
            "first_cell": first,
        }
    )
    # Dominant factor: the top factor with the largest summed score in the area.
    fac = (
        pd.DataFrame(
            work[work["top_factor"] != ""]
            .groupby(["label", "top_factor", "top_factor_kind"], as_index=False)["score"]
            .sum()
        )
        .sort_values(["label", "score", "top_factor"], ascending=[True, False, True])
        .drop_duplicates("label")
        .set_index("label")
    )
    agg["dominant_factor"] = fac["top_factor"].reindex(agg.index).fillna("")
    agg["dominant_kind"] = fac["top_factor_kind"].reindex(agg.index).fillna("")
    kinds = kinds or {}
    agg["dominant_factor_name"] = agg["dominant_kind"].map(
        lambda k: kinds[k].name.zh if k in kinds else k
    )
    agg["dominant_factor_name_en"] = agg["dominant_kind"].map(
        lambda k: kinds[k].name.en if k in kinds else k
    )
    # Measures of the highest-scoring cell of the area.
    best = (
        work.sort_values(["label", "score", "cell_id"], ascending=[True, False, True])
        .drop_duplicates("label")
        .set_index("label")
    )
    agg["measures"] = best["measures"]
    agg["measures_en"] = best["measures_en"]
    agg["level"] = agg["level_rank"].map(lambda r: LEVELS[int(r) - 1].zh)
    agg["level_en"] = agg["level_rank"].map(lambda r: LEVELS[int(r) - 1].en)
    city = city_adcode if city_adcode else agg["adcode"].str[:4] + "00"
    agg["number"] = city + "-" + agg["adcode"] + "-" + AREA_CODE + "-" + agg["first_cell"]

    shapes = gpd.GeoDataFrame({"label": label}, geometry=sel.geometry.to_numpy(), crs=cells.crs)
    try:
        dissolved = shapes.dissolve(by="label", method="coverage")
    except Exception:  # overlapping or invalid cells: the general union
        dissolved = shapes.dissolve(by="label")
    areas = gpd.GeoDataFrame(agg, geometry=dissolved.geometry.reindex(agg.index), crs=cells.crs)
    anchor = gpd.GeoSeries(shapely.point_on_surface(areas.geometry.to_numpy()), crs=cells.crs)
    wgs = anchor.to_crs(4326) if cells.crs is not None else anchor
    areas["lon"] = np.round(wgs.x.to_numpy(), 6)
    areas["lat"] = np.round(wgs.y.to_numpy(), 6)
    areas = areas.sort_values(["level_rank", "area_km2", "number"], ascending=[False, False, True])
    return gpd.GeoDataFrame(
        areas[[*_AREA_COLUMNS, "geometry"]].reset_index(drop=True),
        geometry="geometry",
        crs=cells.crs,
    )


# ---------------------------------------------------------------------------
# Districts and accidents


def district_summary(cells: pd.DataFrame, sources: pd.DataFrame | None = None) -> pd.DataFrame:
    """Cells, area and population per level and sources per level, for every district.

    Districts are ranked (``rank`` 1 first) by major-risk (red) area, then
    significant-risk (orange) area, then population in red cells, then population in
    orange cells, all descending; ties share a rank.

    Parameters
    ----------
    cells
        Assessed cells: district, adcode, area_m2, population, score, level_rank.
    sources
        The source inventory (adcode, level_rank); source counts are 0 without it.

    Returns
    -------
    DataFrame
        rank, district, adcode, cells, area_km2, population, mean_score, then
        cells_/area_km2_/population_/sources_ + major, significant, general, low, and
        sources (total).
    """
    c = pd.DataFrame(
        {
            "district": cells["district"].astype(str).to_numpy(),
            "adcode": cells["adcode"].astype(str).to_numpy(),
            "rank": pd.to_numeric(cells["level_rank"], errors="coerce")
            .fillna(1)
            .astype(int)
            .to_numpy(),
            "area_m2": pd.to_numeric(cells["area_m2"], errors="coerce").fillna(0).to_numpy(),
            "population": pd.to_numeric(cells["population"], errors="coerce").fillna(0).to_numpy()
            if "population" in cells.columns
            else 0.0,
            "score": pd.to_numeric(cells["score"], errors="coerce").to_numpy()
            if "score" in cells.columns
            else np.nan,
        }
    )
    g = c.groupby(["adcode", "district"], sort=True)
    out = pd.DataFrame(
        {
            "cells": g.size(),
            "area_km2": (g["area_m2"].sum() / 1e6).round(3),
            "population": g["population"].sum().round(0),
            "mean_score": g["score"].mean().round(2),
        }
    )
    by = c.pivot_table(
        index=["adcode", "district"],
        columns="rank",
        values=["area_m2", "population"],
        aggfunc="sum",
        fill_value=0,
    )
    counts = c.pivot_table(
        index=["adcode", "district"], columns="rank", values="score", aggfunc="size", fill_value=0
    )
    for r in (4, 3, 2, 1):
        key = _LEVEL_KEYS[r]
        out[f"cells_{key}"] = (
            counts[r].reindex(out.index).fillna(0).astype(int) if r in counts else 0
        )
        out[f"area_km2_{key}"] = (
            (by[("area_m2", r)].reindex(out.index).fillna(0) / 1e6).round(3)
            if ("area_m2", r) in by
            else 0.0
        )
        out[f"population_{key}"] = (
            by[("population", r)].reindex(out.index).fillna(0).round(0)
            if ("population", r) in by
            else 0.0
        )
    out = out.reset_index()
    if sources is not None and len(sources):
        sc = sources.pivot_table(
            index="adcode", columns="level_rank", values="number", aggfunc="size", fill_value=0
        )
        for r in (4, 3, 2, 1):
            col = sc[r] if r in sc.columns else pd.Series(dtype=int)
            out[f"sources_{_LEVEL_KEYS[r]}"] = (
                out["adcode"].map(col).fillna(0).astype(int).to_numpy()
            )
        out["sources"] = out["adcode"].map(sc.sum(axis=1)).fillna(0).astype(int).to_numpy()
    else:
        for r in (4, 3, 2, 1):
            out[f"sources_{_LEVEL_KEYS[r]}"] = 0
        out["sources"] = 0
    keys = ["area_km2_major", "area_km2_significant", "population_major", "population_significant"]
    out = out.sort_values([*keys, "adcode"], ascending=[False] * len(keys) + [True]).reset_index(
        drop=True
    )
    out.insert(0, "rank", _tie_rank(out[keys]))
    return out


def _tie_rank(keys: pd.DataFrame, groups: pd.Series | None = None) -> np.ndarray:
    """1-based rank of rows already sorted by ``keys`` (within ``groups``); ties share the
    lowest rank."""
    n = len(keys)
    if n == 0:
        return np.array([], dtype=np.int64)
    changed = (keys != keys.shift()).any(axis=1).to_numpy().copy()
    if groups is not None:
        g = groups.to_numpy()
        new_group = np.r_[True, g[1:] != g[:-1]]
        changed = changed | new_group
        pos = pd.Series(np.ones(n)).groupby(g).cumsum().to_numpy()
    else:
        pos = np.arange(1, n + 1, dtype=float)
    changed[0] = True
    return pd.Series(np.where(changed, pos, np.nan)).ffill().astype(np.int64).to_numpy()


_ACCIDENT_COLUMNS = [
    "period",
    "rank",
    "district",
    "adcode",
    "accidents",
    "deaths",
    "injuries",
    "direct_loss",
]


def accident_ranking(
    data: ProjectData, period: Literal["month", "quarter"] = "month"
) -> pd.DataFrame:
    """Accidents, deaths, injuries and direct loss per district per month or quarter.

    Accidents come from every layer of kind ``accident``; each is placed in a district by
    its location (the nearest district when outside all). Every district appears in every
    period from the first to the last accident. Within a period districts are ranked
    (``rank`` 1 = worst) by deaths, then accidents, then injuries, then direct loss, all
    descending; ties share a rank.

    Parameters
    ----------
    data
        The loaded project.
    period
        ``month`` (periods like ``2024-03``) or ``quarter`` (``2024Q1``).

    Returns
    -------
    DataFrame
        period, rank, district, adcode, accidents, deaths, injuries, direct_loss; latest
        period first.
    """
    if period not in ("month", "quarter"):
        raise RiskmapError(f"period must be 'month' or 'quarter', got '{period}'")
    layers = [lyr.gdf for lyr in data.layers.values() if lyr.kind.kind == "accident"]
    layers = [g for g in layers if len(g)]
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in _ACCIDENT_COLUMNS})
    if not layers or data.districts.empty:
        return empty
    acc = pd.concat(layers, ignore_index=True)
    acc = gpd.GeoDataFrame(acc, geometry="geometry", crs=data.crs)
    when = (
        pd.to_datetime(acc["date"], errors="coerce")
        if "date" in acc.columns
        else pd.Series(pd.NaT, index=acc.index)
    )
    ok = when.notna().to_numpy() & acc.geometry.notna().to_numpy()
    acc, when = acc[ok], when[ok]
    if acc.empty:
        return empty
    freq = "M" if period == "month" else "Q"
    per = when.dt.to_period(freq)
    d_idx = _locate(
        shapely.point_on_surface(acc.geometry.to_numpy()), data.districts.geometry.to_numpy()
    )
    frame = pd.DataFrame(
        {
            "period": per.to_numpy(),
            "adcode": data.districts["adcode"].astype(str).to_numpy()[d_idx],
            "accidents": 1,
            "deaths": _numeric(acc, "deaths"),
            "injuries": _numeric(acc, "injuries"),
            "direct_loss": _numeric(acc, "direct_loss"),
        }
    )
    sums = frame.groupby(["period", "adcode"]).sum()
    periods = pd.period_range(per.min(), per.max(), freq=freq)
    dist = data.districts[["adcode", "name"]].astype(str).drop_duplicates("adcode")
    full = pd.MultiIndex.from_product([periods, dist["adcode"]], names=["period", "adcode"])
    out = sums.reindex(full, fill_value=0).reset_index()
    out["district"] = out["adcode"].map(dist.set_index("adcode")["name"])
    out["accidents"] = out["accidents"].astype(int)
    out["deaths"] = out["deaths"].astype(int)
    out["injuries"] = out["injuries"].astype(int)
    out["direct_loss"] = out["direct_loss"].round(2)
    keys = ["deaths", "accidents", "injuries", "direct_loss"]
    out = out.sort_values(["period", *keys, "adcode"], ascending=[False] + [False] * 4 + [True])
    out = out.reset_index(drop=True)
    out["rank"] = _tie_rank(out[keys], out["period"])
    out["period"] = out["period"].astype(str)
    return out[_ACCIDENT_COLUMNS]


def _numeric(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame.columns:
        return np.zeros(len(frame))
    return pd.to_numeric(frame[column], errors="coerce").fillna(0).to_numpy(dtype=float)


# ---------------------------------------------------------------------------
# Parameters and provenance


def _flatten(prefix: str, value: Any) -> list[tuple[str, str]]:
    if isinstance(value, Mapping):
        rows: list[tuple[str, str]] = []
        for k, v in value.items():
            rows.extend(_flatten(f"{prefix}.{k}" if prefix else str(k), v))
        return rows
    if hasattr(value, "model_dump"):
        return _flatten(prefix, value.model_dump())
    if isinstance(value, (list, tuple)):
        return [(prefix, ", ".join(str(x) for x in value))]
    if isinstance(value, float):
        return [(prefix, f"{value:g}")]
    text = str(value)
    if prefix.endswith("crs") and text.startswith(("PROJCRS", "GEOGCRS", "PROJCS", "GEOGCS", "{")):
        text = pyproj.CRS.from_user_input(text).to_string()
    return [(prefix, text)]


def _parameters_table(
    data: ProjectData, params: Mapping[str, Any] | None, *, today: date | None
) -> pd.DataFrame:
    p = data.project
    rows: list[tuple[str, str, str, str]] = [
        ("运行", "run", "project", p.name),
        ("运行", "run", "title", p.title.zh),
        ("运行", "run", "adcode", p.adcode),
        ("运行", "run", "riskmap_version", __version__),
        ("运行", "run", "date", (today or date.today()).isoformat()),
        ("运行", "run", "working_crs", data.crs.to_string() if data.crs is not None else ""),
    ]
    merged: dict[str, Any] = {
        "grid": p.grid.model_dump(),
        "levels": p.levels.model_dump(),
        "weights": p.weights.model_dump(),
        "method": p.method.model_dump(),
    }
    if params:
        merged.update(dict(params))
    rows.extend(("参数", "parameter", k, v) for k, v in _flatten("", merged))
    rows.extend(
        ("输入文件 sha256", "input sha256", name, digest)
        for name, digest in sorted(data.file_hashes.items())
    )
    return pd.DataFrame(rows, columns=["section", "section_en", "parameter", "value"])


# ---------------------------------------------------------------------------
# Exports


def _plain(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A language view without geometry, with headers for people."""
    view = view_table(frame, lang)
    if "geometry" in view.columns:
        view = pd.DataFrame(view.drop(columns="geometry"))
    return view.rename(columns=header_labels(list(view.columns), lang))


def _spatial(frame: gpd.GeoDataFrame, lang: str) -> gpd.GeoDataFrame:
    view = view_table(frame, lang)
    geom = view.geometry
    attrs = pd.DataFrame(view.drop(columns=view.geometry.name)).rename(
        columns=header_labels([c for c in view.columns if c != view.geometry.name], lang)
    )
    out = gpd.GeoDataFrame(attrs, geometry=geom.to_numpy(), crs=frame.crs)
    return out.to_crs(4326) if out.crs is not None else out


def _table_path(path: Path, table: str) -> Path:
    return path if table == "sources" else path.with_name(f"{path.stem}_{table}{path.suffix}")


def export_csv(frame: pd.DataFrame, path: str | Path, lang: str = "zh") -> Path:
    """Write one table as CSV, UTF-8 with a byte-order mark (so Excel shows Chinese)."""
    path = Path(path)
    path.write_bytes(_csv_bytes(frame, lang))
    return path


def _csv_bytes(frame: pd.DataFrame, lang: str) -> bytes:
    return _plain(frame, lang).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _text_colour(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return "000000" if 0.299 * r + 0.587 * g + 0.114 * b > 150 else "FFFFFF"


def export_xlsx(inv: Inventory, path: str | Path, lang: str = "zh") -> Path:
    """Write every table as a sheet of one workbook.

    Sheets: sources, areas, districts, accidents by month and by quarter (when there are
    accidents), parameters. Header row frozen and bold, level cells filled with the level
    colour, per-level header cells of the district sheet coloured, column widths fitted
    to the text (Chinese characters count double), long texts wrapped.
    """
    path = Path(path)
    path.write_bytes(_xlsx_bytes(inv, lang))
    return path


def _xlsx_bytes(inv: Inventory, lang: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    li = 1 if lang == "en" else 0
    wb = Workbook()
    wb.remove(wb.active)
    fills = {
        lvl.rank: PatternFill("solid", fgColor=lvl.color.lstrip("#").upper()) for lvl in LEVELS
    }
    fonts = {lvl.rank: Font(color=_text_colour(lvl.color)) for lvl in LEVELS}
    by_name = {(lvl.zh if li == 0 else lvl.en): lvl.rank for lvl in LEVELS}
    key_rank = {v: k for k, v in _LEVEL_KEYS.items()}
    wrap_cols = {"measures", "risk_point", "accident_types", "value"}
    for table in TABLES:
        frame = getattr(inv, table)
        if table.startswith("accidents") and frame.empty:
            continue
        view = view_table(frame, lang)
        if "geometry" in view.columns:
            view = pd.DataFrame(view.drop(columns="geometry"))
        columns = list(view.columns)
        labels = header_labels(columns, lang)
        ws = wb.create_sheet(SHEET_NAMES[table][li])
        ws.append([labels[c] for c in columns])
        values = view.astype(object).where(view.notna(), None).to_numpy().tolist()
        for row in values:
            ws.append([_cell_value(v) for v in row])
        bold = Font(bold=True)
        for j, c in enumerate(columns, start=1):
            cell = ws.cell(row=1, column=j)
            cell.font = bold
            cell.alignment = Alignment(vertical="center", wrap_text=True)
            suffix = c.rsplit("_", 1)[-1]
            if suffix in key_rank and c != "level_rank":
                r = key_rank[suffix]
                cell.fill = fills[r]
                cell.font = Font(bold=True, color=_text_colour(LEVELS[r - 1].color))
        if "level" in columns:
            j = columns.index("level") + 1
            for i, v in enumerate(view["level"].tolist(), start=2):
                level_rank = by_name.get(v)
                if level_rank is not None:
                    cell = ws.cell(row=i, column=j)
                    cell.fill = fills[level_rank]
                    cell.font = fonts[level_rank]
        for j, c in enumerate(columns, start=1):
            sample = [str(labels[c])] + [
                str(v) for v in view[c].head(500).tolist() if v is not None
            ]
            width = max(_display_width(s) for s in sample) + 2
            width = min(max(width, 8), 60 if c in wrap_cols else 40)
            ws.column_dimensions[get_column_letter(j)].width = width
            if c in wrap_cols:
                for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = ws.dimensions
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _cell_value(v: Any) -> Any:
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return None if math.isnan(float(v)) else float(v)
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, (np.bool_,)):
        return bool(v)
    return v


def export_geojson(frame: gpd.GeoDataFrame, path: str | Path, lang: str = "zh") -> Path:
    """Write one spatial table as GeoJSON (RFC 7946, WGS84 longitude/latitude)."""
    path = Path(path)
    path.write_bytes(_geojson_bytes(frame, lang))
    return path


def _geojson_bytes(frame: gpd.GeoDataFrame, lang: str) -> bytes:
    return _spatial(frame, lang).to_json(drop_id=True, ensure_ascii=False).encode("utf-8")


def export_geopackage(inv: Inventory, path: str | Path, lang: str = "zh") -> Path:
    """Write every table as one layer of a GeoPackage (spatial tables in WGS84, the
    others as attribute tables). Layer names are the table names (``sources``,
    ``areas``, ``districts``, ...); an existing file is replaced."""
    import pyogrio

    path = Path(path)
    if path.exists():
        path.unlink()
    li = 1 if lang == "en" else 0
    for table in TABLES:
        frame = getattr(inv, table)
        kwargs: dict[str, Any] = {}
        if table in SPATIAL_TABLES:
            out = _spatial(frame, lang)
            types = set(out.geom_type.dropna())
            if len(types) > 1 or not types:
                kwargs["geometry_type"] = "Unknown"
        else:
            out = _plain(frame, lang)
            if out.empty and not len(out.columns):
                continue
        pyogrio.write_dataframe(
            out,
            path,
            layer=table,
            driver="GPKG",
            append=path.exists(),
            layer_options={"DESCRIPTION": SHEET_NAMES[table][li]},
            **kwargs,
        )
    return path


def export_inventory(inv: Inventory, path: str | Path, fmt: str, lang: str = "zh") -> list[Path]:
    """Write the inventory in one format; the one entry point of the command line and app.

    Parameters
    ----------
    inv
        The inventory (:func:`build_inventory`).
    path
        The output file. ``xlsx`` and ``gpkg`` hold every table in this one file. ``csv``
        writes the sources at ``path`` and each other table next to it as
        ``{stem}_{table}.csv``; ``geojson`` writes the sources at ``path`` and the areas
        as ``{stem}_areas.geojson``.
    fmt
        ``csv``, ``xlsx``, ``geojson`` or ``gpkg``.
    lang
        ``zh`` (default) or ``en``: headers and texts.

    Returns
    -------
    list of Path
        The files written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        return [export_csv(getattr(inv, t), _table_path(path, t), lang) for t in TABLES]
    if fmt == "xlsx":
        return [export_xlsx(inv, path, lang)]
    if fmt == "geojson":
        return [export_geojson(getattr(inv, t), _table_path(path, t), lang) for t in SPATIAL_TABLES]
    if fmt == "gpkg":
        return [export_geopackage(inv, path, lang)]
    raise RiskmapError(f"unknown export format '{fmt}'; use one of: {', '.join(FORMATS)}")


def to_bytes(inv: Inventory, fmt: str, lang: str = "zh", table: str = "sources") -> bytes:
    """The bytes of one export, for download buttons.

    ``xlsx`` and ``gpkg`` hold every table; ``csv`` and ``geojson`` hold the one
    ``table`` asked for (``geojson``: ``sources`` or ``areas``).
    """
    if table not in TABLES:
        raise RiskmapError(f"unknown inventory table '{table}'; known: {', '.join(TABLES)}")
    if fmt == "csv":
        return _csv_bytes(getattr(inv, table), lang)
    if fmt == "xlsx":
        return _xlsx_bytes(inv, lang)
    if fmt == "geojson":
        if table not in SPATIAL_TABLES:
            raise RiskmapError(
                f"GeoJSON holds a spatial table ({', '.join(SPATIAL_TABLES)}), not '{table}'"
            )
        return _geojson_bytes(getattr(inv, table), lang)
    if fmt == "gpkg":
        with tempfile.TemporaryDirectory() as tmp:
            out = export_geopackage(inv, Path(tmp) / "inventory.gpkg", lang)
            return out.read_bytes()
    raise RiskmapError(f"unknown export format '{fmt}'; use one of: {', '.join(FORMATS)}")


def write_assess_outputs(inv: Inventory, out_dir: str | Path, lang: str = "zh") -> list[Path]:
    """The inventory files of ``python -m riskmap assess``: ``inventory.csv`` (sources,
    UTF-8 with BOM), ``inventory.xlsx`` (every table) and ``districts.csv``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return [
        export_csv(inv.sources, out / "inventory.csv", lang),
        export_xlsx(inv, out / "inventory.xlsx", lang),
        export_csv(inv.districts, out / "districts.csv", lang),
    ]
