"""Safe-city indicators and the scorecard (国家安全发展示范城市 items computable from map data).

:func:`compute_indicators` turns a project's layers and its assessed cells into a
:class:`Scorecard`: one row per indicator and scope (the city, then each district), each
with its value, target, the standard it comes from and a short evidence text (in English
and Chinese, from one template table, :data:`EVIDENCE_TEXTS`), plus the
cells or features behind each indicator (e.g. the cells out of the fire stations' 5-minute
reach). Every number used is in :class:`IndicatorOptions` or the project's
``method`` settings and is documented in docs/INDICATORS.md.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely import STRtree

from riskmap.config import MAJOR_GRADES, IndicatorOptions
from riskmap.io import ProjectData

if TYPE_CHECKING:
    from riskmap.engine import Assessment, Fields


CITY = "city"
"""The ``scope`` of the city-wide rows; district rows carry the district's adcode."""

TABLE_COLUMNS: tuple[str, ...] = (
    "id",
    "name_zh",
    "name_en",
    "scope",
    "district",
    "value",
    "unit",
    "target",
    "comparison",
    "passed",
    "standard",
    "evidence",
    "evidence_zh",
)
"""Columns of :attr:`Scorecard.table`; ``evidence`` is in English, ``evidence_zh`` in Chinese."""

EVIDENCE_TEXTS: dict[str, tuple[str, str]] = {
    # Not computable
    "no_layer": ("no {kind} layer", "未绑定 {kind} 图层，无法计算"),
    "no_levels": ("cells have no risk level (score them first: riskmap.Study.score)", "网格没有风险等级（请先评分：riskmap.Study.score）"),
    "no_register_column": ("register summary has no '{column}' column", "隐患汇总缺少“{column}”列"),
    # Fire stations
    "fire.reach_population": ("{n:,.0f} of {d:,.0f} people covered; {how}", "覆盖 {n:,.0f} 人，共 {d:,.0f} 人；{how}"),
    "fire.how": ("turnout {turnout:g} min + {detour:g} x distance at {speed:g} km/h <= {target:g} min",
                 "出动 {turnout:g} 分钟 + {detour:g} × 距离按 {speed:g} 公里/小时行驶 ≤ {target:g} 分钟"),
    "fire.reach_builtup": ("{n:,.1f} of {d:,.1f} km² built-up covered (built-up: >= {density:,.0f} people/km²)",
                           "覆盖建成区 {n:,.1f} km²，共 {d:,.1f} km²（建成区：每 km² 不少于 {density:,.0f} 人）"),
    "fire.district_area": ("{n:.0f} of {d:.0f} stations within limit; {edge:.0f} on the urban edge "
                           "(limit {edge_km2:g} km²)",
                           "{d:.0f} 座消防站中 {n:.0f} 座辖区面积达标；{edge:.0f} 座位于城市边缘（上限 {edge_km2:g} km²）"),
    "fire.hazmat_distance": ("{n:.0f} station(s) closer than {m:g} m to a hazardous-chemical site",
                             "{n:.0f} 座消防站距危化品场所不足 {m:g} 米"),
    # Shelters and community stations
    "shelter.area_per_person": ("{a:,.0f} m² effective area for {p:,.0f} people",
                                "有效避难面积 {a:,.0f} m²，人口 {p:,.0f} 人"),
    "shelter.walk_population": ("{n:,.0f} of {d:,.0f} people within {m:g} m", "{m:g} 米内有 {n:,.0f} 人，共 {d:,.0f} 人"),
    "shelter.fixed_capacity": ("fixed and central shelters hold {n:,.0f} people of {d:,.0f}",
                               "固定和中心避难场所可容纳 {n:,.0f} 人，人口 {d:,.0f} 人"),
    "shelter.central_people": ("{p:,.0f} people, {n:.0f} central shelter(s)", "人口 {p:,.0f} 人，中心避难场所 {n:.0f} 处"),
    "community.reach_population": ("{n:,.0f} of {d:,.0f} people within {m:g} m",
                                   "服务半径 {m:g} 米内有 {n:,.0f} 人，共 {d:,.0f} 人"),
    # Hazardous chemicals
    "hazmat.video": ("{n:.0f} of {d:.0f} major-hazard sites have video", "{d:.0f} 家重大危险源企业中 {n:.0f} 家有视频监控"),
    "hazmat.sensitive_targets": ("by nearest site grade: {counts} (screening {distances})",
                                 "按最近重大危险源等级：{counts}（筛查距离：{distances}）"),
    "hazmat.grade_count": ("{grade} {n}", "{grade} {n} 处"),
    "hazmat.grade_distance": ("{grade} {m:g} m", "{grade} {m:g} 米"),
    "list_sep": (", ", "、"),
    # Risk work and hidden hazards
    "risk.map_produced": ("four-colour map and inventory produced {day}: {n:,.0f} of {d:,.0f} cells assessed",
                          "四色图和风险清单已于 {day} 生成：已评估 {n:,.0f} 个网格，共 {d:,.0f} 个"),
    "risk.area": ("{n:,.1f} of {d:,.1f} km²", "{n:,.1f} km²，共 {d:,.1f} km²"),
    "risk.population": ("{n:,.0f} of {d:,.0f} people", "{n:,.0f} 人，共 {d:,.0f} 人"),
    "hazards.count": ("{n:.0f} hidden hazard(s), register column '{column}'", "{n:.0f} 项隐患（台账列“{column}”）"),
}
"""Evidence templates, key -> (English, Chinese), filled with :meth:`str.format`. Both
languages get the same numbers; a value given as an (en, zh) pair goes to each language."""


@dataclass(frozen=True)
class Scorecard:
    """The indicators of a project, for the city and each district.

    Attributes
    ----------
    table : one row per indicator and scope, columns :data:`TABLE_COLUMNS`; ``scope`` is
        ``"city"`` or a district adcode; ``passed`` is True/False, or None when the
        indicator cannot be computed (layer missing) or has no target; ``evidence`` is the
        English text and ``evidence_zh`` the Chinese one, with the same numbers.
    evidence : indicator id -> GeoDataFrame (working CRS) of the cells or features behind
        it, e.g. the cells out of reach; each frame has an ``adcode`` column.
    produced_at : ISO date the scorecard was produced.
    parameters : every number used (the method settings and the options).
    """

    table: pd.DataFrame
    evidence: dict[str, gpd.GeoDataFrame]
    produced_at: str
    parameters: dict[str, Any]

    def city(self) -> pd.DataFrame:
        """The city-wide rows."""
        return self.table[self.table["scope"] == CITY].reset_index(drop=True)

    def for_scope(self, scope: str) -> pd.DataFrame:
        """The rows of one scope (``"city"`` or a district adcode)."""
        return self.table[self.table["scope"] == str(scope)].reset_index(drop=True)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping: produced_at, parameters and the rows (NaN as None)."""
        rows = [{k: _json_value(v) for k, v in rec.items()} for rec in self.table.to_dict("records")]
        return {"produced_at": self.produced_at, "parameters": self.parameters, "indicators": rows}


@dataclass(frozen=True)
class _Def:
    id: str
    name_zh: str
    name_en: str
    unit: str
    target: float | None
    comparison: str | None
    standard: str


_FIRE_STD = "GB 51080-2015 §4.1.3; 建标152-2017"
_DEFS: dict[str, _Def] = {
    d.id: d
    for d in (
        _Def("fire.reach_population", "消防站5分钟可达人口比例", "Population within 5-minute fire reach",
             "%", 100.0, ">=", _FIRE_STD),
        _Def("fire.reach_builtup", "消防站5分钟可达建成区面积比例", "Built-up area within 5-minute fire reach",
             "%", 100.0, ">=", _FIRE_STD),
        _Def("fire.district_area", "辖区面积达标的消防站比例", "Fire stations within their district-area limit",
             "%", 100.0, ">=", _FIRE_STD),
        _Def("fire.hazmat_distance", "距危化品场所不足300米的消防站", "Fire stations within 300 m of a hazardous-chemical site",
             "stations", 0.0, "==", "GB 51080-2015 (fire-station siting); 建标152-2017"),
        _Def("shelter.area_per_person", "人均有效避难面积", "Effective shelter area per person",
             "m²/person", 1.5, ">=", "GB 21734-2008 §5.4"),
        _Def("shelter.walk_population", "500米内有避难场所的人口比例", "Population within 500 m of a shelter",
             "%", 100.0, ">=", "practice (Guangdong shelter plan: immediate shelters within 500 m)"),
        _Def("shelter.fixed_capacity", "固定避难场所容量占人口比例", "Fixed-shelter capacity as a share of population",
             "%", 15.0, ">=", "national shelter planning code (fixed shelter ≥ 15 % of catchment)"),
        _Def("shelter.central_people", "每处中心避难场所服务人口", "People per central shelter",
             "people", 500_000.0, "<=", "national shelter planning code (central shelter ≤ 500,000 people)"),
        _Def("community.reach_population", "社区应急服务站服务半径内人口比例", "Population within a community emergency station's radius",
             "%", 100.0, ">=", "practice (Wuhan 2021 work plan: community emergency service stations)"),
        _Def("hazmat.video", "重大危险源企业视频监控覆盖率", "Major-hazard sites with video monitoring",
             "%", 100.0, ">=", "安委办〔2019〕16号 评价细则 (video at major-hazard firms 100 %)"),
        _Def("hazmat.sensitive_targets", "重大危险源筛查距离内的敏感目标", "Sensitive targets within screening distance of a major-hazard site",
             "targets", 0.0, "==", "GB 18218-2018 (500 m exposure zone); GB 36894-2018"),
        _Def("risk.map_produced", "风险评估与四色图已完成", "Risk assessment and four-colour map produced",
             "yes=1", 1.0, "==", "安委办〔2019〕16号 评价细则 (risk assessment, four-colour map)"),
        _Def("risk.area_major", "重大风险面积比例", "Area at 重大 (major) risk",
             "%", None, None, "dual-prevention practice (重大 and 较大 to be brought down a level)"),
        _Def("risk.area_significant", "较大风险面积比例", "Area at 较大 (significant) risk",
             "%", None, None, "dual-prevention practice (重大 and 较大 to be brought down a level)"),
        _Def("risk.population_major", "重大风险区人口比例", "Population at 重大 (major) risk",
             "%", None, None, "dual-prevention practice (重大 and 较大 to be brought down a level)"),
        _Def("risk.population_significant", "较大风险区人口比例", "Population at 较大 (significant) risk",
             "%", None, None, "dual-prevention practice (重大 and 较大 to be brought down a level)"),
        _Def("hazards.open_major", "未销号重大隐患", "Open major hidden hazards",
             "hazards", None, None, "practice (Wuhan 2021 work plan: closed-loop hazard management)"),
        _Def("hazards.listed", "挂牌督办重大隐患", "Major hidden hazards listed for supervision",
             "hazards", None, None, "practice (Wuhan 2021 work plan: 挂牌督办)"),
        _Def("hazards.overdue", "逾期未整改重大隐患", "Overdue major hidden hazards",
             "hazards", 0.0, "==", "practice (Wuhan 2021 work plan: closed-loop hazard management)"),
    )
}
INDICATOR_IDS: tuple[str, ...] = tuple(_DEFS)
"""Every indicator id, in scorecard order."""


# ---------------------------------------------------------------------------
# public API


def compute_indicators(
    assessment: Assessment,
    options: IndicatorOptions | None = None,
    *,
    register_summary: pd.DataFrame | None = None,
    produced_at: date | datetime | str | None = None,
) -> Scorecard:
    """The safe-city scorecard of an assessment.

    Parameters
    ----------
    assessment
        From :meth:`riskmap.Study.score`: its cells, data and fields (reach times to fire
        stations and distances to community stations are taken from the fields).
    options
        Thresholds; :class:`~riskmap.config.IndicatorOptions` defaults when None.
    register_summary
        Hidden-hazard counts by district (:meth:`riskmap.Study.register_summary`); the
        hidden-hazard indicators are left out when None.
    produced_at
        Date of the assessment; today when None.

    Returns
    -------
    Scorecard
        Rows for the city and for each district.
    """
    return indicators_from_cells(
        assessment.data,
        assessment.cells,
        register_summary=register_summary,
        produced_at=produced_at,
        options=options,
        fields=assessment.fields,
    )


def indicators_from_cells(
    data: ProjectData,
    cells: gpd.GeoDataFrame,
    *,
    register_summary: pd.DataFrame | None = None,
    produced_at: date | datetime | str | None = None,
    options: IndicatorOptions | None = None,
    fields: Fields | None = None,
) -> Scorecard:
    """The safe-city scorecard of cells that may not come from an :class:`Assessment`
    (e.g. a grid of one's own); :func:`compute_indicators` funnels into it.

    Parameters
    ----------
    data
        The project with its layers in the working CRS.
    cells
        Assessed cells (working CRS) with ``cell_id``, ``adcode``, ``area_m2``,
        ``population`` and, for the risk indicators, ``level_rank`` (1..4)
        (``Assessment.cells``); cell centres are ``x``, ``y`` when present, else the
        centroids of the cell geometries.
    register_summary
        Hidden-hazard counts by district (``riskmap.register.district_summary``): columns
        ``adcode``, ``open_major``, ``listed`` and ``overdue_major`` (``open`` and
        ``overdue`` are used when the ``_major`` columns are absent); the hidden-hazard
        indicators are left out when None.
    produced_at
        Date of the assessment; today when None.
    options
        Thresholds; :class:`IndicatorOptions` defaults when None.
    fields
        The engine's fields of these cells (``Assessment.fields``): reach times to fire
        stations and distances to community stations are taken from it. When None (or
        made on other cells or layers), :func:`riskmap.engine.compute_fields` computes
        them for the reach layers only.

    Returns
    -------
    Scorecard
        Rows for the city and for each district of ``data.districts``.
    """
    opts = options or IndicatorOptions()
    day = _iso_date(produced_at)
    cells = _with_xy(cells)
    ctx = _Context.build(data, cells)
    method = data.project.method
    reach = _engine_reach(data, cells, fields)

    parts: list[tuple[str, pd.DataFrame, gpd.GeoDataFrame | None]] = []
    parts.extend(_fire_indicators(data, ctx, opts, reach))
    parts.extend(_shelter_indicators(data, ctx, opts))
    parts.append(_community_indicator(data, ctx, opts, reach))
    parts.extend(_hazmat_indicators(data, ctx, opts))
    parts.extend(_risk_indicators(ctx, day))
    if register_summary is not None:
        parts.extend(_hazard_indicators(ctx, register_summary))

    order = {ind_id: i for i, ind_id in enumerate(INDICATOR_IDS)}
    parts.sort(key=lambda part: order[part[0]])
    rows = [_rows_of(_DEFS[ind_id], per, ctx) for ind_id, per, _ in parts]
    table = pd.concat(rows, ignore_index=True)[list(TABLE_COLUMNS)]
    evidence = {ind_id: ev for ind_id, _, ev in parts if ev is not None}
    parameters: dict[str, Any] = {
        "method": method.model_dump(),
        "options": {k: (dict(v) if isinstance(v, Mapping) else v) for k, v in opts.model_dump().items()},
        "cells": len(cells),
        "crs": data.crs.to_string(),
    }
    return Scorecard(table=table, evidence=evidence, produced_at=day, parameters=parameters)


def export_scorecard(scorecard: Scorecard, directory: str | Path) -> dict[str, Path]:
    """Write ``indicators.json`` and ``indicators.csv`` (UTF-8 with BOM, for Excel).

    Parameters
    ----------
    scorecard
        The scorecard to write.
    directory
        Output folder; created when missing.

    Returns
    -------
    dict
        ``{"json": path, "csv": path}``.
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    json_path = out / "indicators.json"
    csv_path = out / "indicators.csv"
    json_path.write_text(
        json.dumps(scorecard.to_dict(), ensure_ascii=False, indent=2, allow_nan=False), encoding="utf-8"
    )
    scorecard.table.to_csv(csv_path, index=False, encoding="utf-8-sig")
    return {"json": json_path, "csv": csv_path}


def station_districts(
    data: ProjectData, cells: gpd.GeoDataFrame, *, options: IndicatorOptions | None = None
) -> gpd.GeoDataFrame:
    """Each fire station's district: Voronoi of the stations clipped to the boundary.

    Parameters
    ----------
    data
        The project (fire_station layers, boundary).
    cells
        Cells with ``population``, ``area_m2``, ``x``, ``y`` (for the built-up share).
    options
        Thresholds (district limits by class, urban-edge rule).

    Returns
    -------
    GeoDataFrame
        One row a station: ``id``, ``name``, ``class``, ``adcode``, ``area_km2``,
        ``builtup_km2``, ``builtup_share``, ``edge``, ``limit_km2``, ``ok``; geometry the
        district polygon. Stations at the same point share one district.
    """
    opts = options or IndicatorOptions()
    ctx = _Context.build(data, _with_xy(cells))
    stations = _features(data, "fire_station")
    if stations is None:
        return _empty_gdf(data.crs, ["id", "name", "class", "adcode", "area_km2", "builtup_km2",
                                     "builtup_share", "edge", "limit_km2", "ok"])
    return _station_districts(data, ctx, stations, opts)


# ---------------------------------------------------------------------------
# context shared by the indicators


@dataclass(frozen=True)
class _Context:
    cells: gpd.GeoDataFrame
    points: np.ndarray
    """Cell centroids (shapely points), working CRS."""
    adcode: np.ndarray
    """Cell adcode as str ('' when outside every district)."""
    population: np.ndarray
    area: np.ndarray
    scopes: list[tuple[str, str]]
    """(adcode, name) of each district, in the districts' order."""
    districts: gpd.GeoDataFrame

    @classmethod
    def build(cls, data: ProjectData, cells: gpd.GeoDataFrame) -> _Context:
        missing = [c for c in ("cell_id", "area_m2", "population", "x", "y") if c not in cells.columns]
        if missing:
            raise ValueError(f"cells lack column(s) {', '.join(missing)} (see riskmap.engine)")
        adcode = (
            cells["adcode"].astype("string").fillna("").to_numpy(dtype=object)
            if "adcode" in cells.columns
            else np.full(len(cells), "", dtype=object)
        )
        districts = data.districts
        scopes = [(str(a), str(n)) for a, n in zip(districts["adcode"], districts["name"], strict=True)]
        return cls(
            cells=cells,
            points=shapely.points(cells["x"].to_numpy(float), cells["y"].to_numpy(float)),
            adcode=adcode,
            population=np.nan_to_num(cells["population"].to_numpy(float)),
            area=np.nan_to_num(cells["area_m2"].to_numpy(float)),
            scopes=scopes,
            districts=districts,
        )

    def sums(self, values: np.ndarray) -> pd.Series:
        """Sum of a per-cell array for the city and each district (index: scope)."""
        by = pd.Series(values, dtype=float).groupby(self.adcode).sum()
        out = by.reindex([a for a, _ in self.scopes], fill_value=0.0)
        return pd.concat([pd.Series({CITY: float(np.sum(values))}), out])

    def counts(self, adcodes: np.ndarray, weights: np.ndarray | None = None) -> pd.Series:
        """Count (or weighted sum) of features by their district adcode, city first."""
        w = np.ones(len(adcodes)) if weights is None else np.asarray(weights, dtype=float)
        by = pd.Series(w, dtype=float).groupby(np.asarray(adcodes, dtype=object)).sum()
        out = by.reindex([a for a, _ in self.scopes], fill_value=0.0)
        return pd.concat([pd.Series({CITY: float(np.sum(w))}), out])

    def cell_evidence(self, mask: np.ndarray, **columns: np.ndarray) -> gpd.GeoDataFrame:
        keep = [c for c in ("cell_id", "district", "adcode", "area_m2", "population", "geometry")
                if c in self.cells.columns]
        ev = self.cells.loc[mask, keep].copy()
        for name, values in columns.items():
            ev[name] = np.asarray(values)[mask]
        return gpd.GeoDataFrame(ev.reset_index(drop=True), geometry="geometry", crs=self.cells.crs)


def _with_xy(cells: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The cells with ``x``, ``y`` (centroid of the clipped cell, as riskmap.engine.grid makes them)."""
    if "x" in cells.columns and "y" in cells.columns:
        return cells
    xy = shapely.get_coordinates(shapely.centroid(cells.geometry.to_numpy()))
    return cells.assign(x=xy[:, 0], y=xy[:, 1])


def _features(data: ProjectData, kind: str) -> gpd.GeoDataFrame | None:
    """All features of the layers of one kind, concatenated; None when there is no such layer."""
    layers = data.by_kind(kind)
    if not layers:
        return None
    frames = [lyr.gdf.assign(_layer=lyr.name) for lyr in layers]
    gdf = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0].reset_index(drop=True)
    out = gpd.GeoDataFrame(gdf, geometry="geometry", crs=data.crs)
    return out[~(out.geometry.isna() | out.geometry.is_empty)].reset_index(drop=True)


def _assign_district(geoms: np.ndarray, districts: gpd.GeoDataFrame) -> np.ndarray:
    """Adcode of the district holding each geometry's representative point ('' when none)."""
    out = np.full(len(geoms), "", dtype=object)
    if len(geoms) == 0 or len(districts) == 0:
        return out
    pts = shapely.point_on_surface(np.asarray(geoms))
    tree = STRtree(districts.geometry.to_numpy())
    src, dst = tree.query(pts, predicate="intersects")
    first_src, first_at = np.unique(src, return_index=True)
    out[first_src] = districts["adcode"].astype(str).to_numpy()[dst[first_at]]
    return out


def _nearest(points: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of and distance to the nearest target for each point (-1, inf without targets)."""
    idx = np.full(len(points), -1, dtype=np.int64)
    dist = np.full(len(points), np.inf)
    if len(points) == 0 or len(targets) == 0:
        return idx, dist
    tree = STRtree(targets)
    pairs, d = tree.query_nearest(points, return_distance=True, all_matches=False)
    idx[pairs[0]] = pairs[1]
    dist[pairs[0]] = d
    return idx, dist


def _within(points: np.ndarray, targets: np.ndarray, distance: float | np.ndarray) -> np.ndarray:
    """Boolean per point: is any target within ``distance``."""
    hit = np.zeros(len(points), dtype=bool)
    if len(points) == 0 or len(targets) == 0:
        return hit
    src, _ = STRtree(targets).query(points, predicate="dwithin", distance=distance)
    hit[src] = True
    return hit


# ---------------------------------------------------------------------------
# fire stations


_REACH_KINDS = ("fire_station", "community_station")


def _engine_reach(
    data: ProjectData, cells: gpd.GeoDataFrame, fields: Fields | None
) -> dict[str, np.ndarray]:
    """Per-cell reach of each reach kind, from the engine: the minimum over its layers.

    Fire stations: minutes (turnout + detour x distance / speed, riskmap.engine.fields);
    community stations: metres. inf beyond the engine's halo.
    """
    layers = [lyr for kind in _REACH_KINDS for lyr in data.by_kind(kind)]
    if not layers:
        return {}
    usable = (
        fields is not None
        and len(fields.cells) == len(cells)
        and all(lyr.name in fields.access for lyr in layers)
        and np.array_equal(fields.cells["cell_id"].to_numpy(), cells["cell_id"].to_numpy())
    )
    if not usable:
        from dataclasses import replace

        from riskmap.engine import compute_fields

        sub = replace(data, layers={lyr.name: lyr for lyr in layers})
        fields = compute_fields(sub, cells)
    assert fields is not None
    out: dict[str, np.ndarray] = {}
    for kind in _REACH_KINDS:
        values = [fields.access[lyr.name] for lyr in data.by_kind(kind)]
        if values:
            out[kind] = np.min(np.vstack(values), axis=0)
    return out


def _fire_indicators(
    data: ProjectData, ctx: _Context, opts: IndicatorOptions, reach: dict[str, np.ndarray]
) -> list[tuple[str, pd.DataFrame, gpd.GeoDataFrame | None]]:
    stations = _features(data, "fire_station")
    ids = ("fire.reach_population", "fire.reach_builtup", "fire.district_area", "fire.hazmat_distance")
    if stations is None:
        return [(i, _not_computable(ctx, "no_layer", kind="fire_station"), None) for i in ids]
    m = data.project.method
    nearest, _ = _nearest(ctx.points, stations.geometry.to_numpy())
    minutes = reach["fire_station"]
    covered = minutes <= m.fire_target_min + 1e-9
    builtup = _builtup(ctx, opts)
    kp = data.by_kind("fire_station")[0].kind.params
    how = _text("fire.how", turnout=kp.get("turnout_min", m.fire_turnout_min),
                detour=kp.get("detour_factor", m.detour_factor), speed=kp.get("speed_kmh", m.fire_speed_kmh),
                target=m.fire_target_min)

    pop_cov = ctx.sums(ctx.population * covered)
    pop_all = ctx.sums(ctx.population)
    per_pop = _share(pop_cov, pop_all, "fire.reach_population", how=how)
    ev_cells = ctx.cell_evidence(
        ~covered,
        reach_min=minutes,
        nearest_station=np.where(nearest >= 0, stations["id"].astype(str).to_numpy()[np.maximum(nearest, 0)], ""),
    )

    b_area = ctx.area * builtup
    area_cov = ctx.sums(b_area * covered) / 1e6
    area_all = ctx.sums(b_area) / 1e6
    per_area = _share(area_cov, area_all, "fire.reach_builtup", density=opts.builtup_density_per_km2)
    ev_builtup = ctx.cell_evidence(~covered & builtup, reach_min=minutes)

    districts = _station_districts(data, ctx, stations, opts, nearest=nearest, builtup=builtup)
    st_adcode = districts["adcode"].to_numpy(dtype=object)
    n_ok = ctx.counts(st_adcode, districts["ok"].to_numpy(float))
    n_all = ctx.counts(st_adcode)
    n_edge = ctx.counts(st_adcode, districts["edge"].to_numpy(float))
    per_district = _with_texts(
        _ratio(n_ok, n_all) * 100.0,
        [_text("fire.district_area", n=n, d=d, edge=e, edge_km2=opts.edge_district_km2)
         for n, d, e in zip(n_ok, n_all, n_edge, strict=True)],
    )

    haz = _features(data, "hazmat_enterprise")
    if haz is None:
        per_haz = _not_computable(ctx, "no_layer", kind="hazmat_enterprise")
        ev_haz = None
    else:
        st_geoms = stations.geometry.to_numpy()
        h_idx, h_dist = _nearest(st_geoms, haz.geometry.to_numpy())
        close = h_dist < opts.hazmat_min_distance_m
        n_close = ctx.counts(_assign_district(st_geoms, ctx.districts), close.astype(float))
        per_haz = _with_texts(n_close, [_text("fire.hazmat_distance", n=c, m=opts.hazmat_min_distance_m)
                                        for c in n_close])
        ev_haz = stations.loc[close, ["id", "name", "geometry"]].copy()
        ev_haz["adcode"] = _assign_district(ev_haz.geometry.to_numpy(), ctx.districts)
        ev_haz["hazmat_id"] = haz["id"].astype(str).to_numpy()[h_idx[close]]
        ev_haz["hazmat_name"] = haz["name"].astype(str).to_numpy()[h_idx[close]] if "name" in haz else ""
        ev_haz["distance_m"] = h_dist[close]
        ev_haz = gpd.GeoDataFrame(ev_haz.reset_index(drop=True), geometry="geometry", crs=data.crs)
    return [
        ("fire.reach_population", per_pop, ev_cells),
        ("fire.reach_builtup", per_area, ev_builtup),
        ("fire.district_area", per_district, districts),
        ("fire.hazmat_distance", per_haz, ev_haz),
    ]


def _builtup(ctx: _Context, opts: IndicatorOptions) -> np.ndarray:
    density = np.divide(ctx.population, ctx.area / 1e6, out=np.zeros_like(ctx.population),
                        where=ctx.area > 0)
    return density >= opts.builtup_density_per_km2


def _station_districts(
    data: ProjectData,
    ctx: _Context,
    stations: gpd.GeoDataFrame,
    opts: IndicatorOptions,
    *,
    nearest: np.ndarray | None = None,
    builtup: np.ndarray | None = None,
) -> gpd.GeoDataFrame:
    geoms = stations.geometry.to_numpy()
    xy = shapely.get_coordinates(shapely.centroid(geoms))
    uniq, inverse = np.unique(np.round(xy, 3), axis=0, return_inverse=True)
    inverse = inverse.ravel()
    boundary = data.boundary
    if len(uniq) == 1:
        polys = np.array([boundary], dtype=object)
    else:
        vor = shapely.voronoi_polygons(shapely.multipoints(uniq), extend_to=boundary, ordered=True)
        polys = shapely.get_parts(vor)
    polys = shapely.intersection(polys, boundary)
    area_km2 = shapely.area(polys) / 1e6
    if nearest is None:
        nearest, _ = _nearest(ctx.points, geoms)
    if builtup is None:
        builtup = _builtup(ctx, opts)
    # Cells go to the Voronoi region of their nearest station (identical to the Voronoi
    # membership of their centroid); stations at one point share their region.
    region_of_cell = np.where(nearest >= 0, inverse[np.maximum(nearest, 0)], -1)
    ok_cell = region_of_cell >= 0
    b_area = np.bincount(region_of_cell[ok_cell], weights=(ctx.area * builtup)[ok_cell],
                         minlength=len(uniq)) / 1e6
    # Cells are whole while regions are exact polygons: clip the small overshoot at 1.
    share = np.minimum(np.divide(b_area, area_km2, out=np.zeros_like(b_area), where=area_km2 > 0), 1.0)
    cls = (stations["class"].astype("string").fillna("").to_numpy(dtype=object)
           if "class" in stations.columns else np.full(len(stations), "", dtype=object))
    limits = dict(opts.station_district_km2)
    limit = np.array([limits.get(c, limits.get("一级", 7.0)) for c in cls], dtype=float)
    edge = share[inverse] < opts.edge_builtup_share
    limit = np.where(edge, np.maximum(limit, opts.edge_district_km2), limit)
    out = gpd.GeoDataFrame(
        {
            "id": stations["id"].astype(str).to_numpy(),
            "name": stations["name"].astype(str).to_numpy() if "name" in stations else "",
            "class": cls,
            "adcode": _assign_district(geoms, ctx.districts),
            "area_km2": area_km2[inverse],
            "builtup_km2": b_area[inverse],
            "builtup_share": share[inverse],
            "edge": edge,
            "limit_km2": limit,
            "ok": area_km2[inverse] <= limit + 1e-9,
            "proposed": _proposed(stations),
        },
        geometry=polys[inverse],
        crs=data.crs,
    )
    return out


def _proposed(gdf: gpd.GeoDataFrame) -> np.ndarray:
    if "proposed" in gdf.columns:
        return gdf["proposed"].fillna(False).astype(bool).to_numpy()
    return np.zeros(len(gdf), dtype=bool)


# ---------------------------------------------------------------------------
# shelters and community stations


def _shelter_indicators(
    data: ProjectData, ctx: _Context, opts: IndicatorOptions
) -> list[tuple[str, pd.DataFrame, gpd.GeoDataFrame | None]]:
    shelters = _features(data, "shelter")
    ids = ("shelter.area_per_person", "shelter.walk_population", "shelter.fixed_capacity",
           "shelter.central_people")
    if shelters is None:
        return [(i, _not_computable(ctx, "no_layer", kind="shelter"), None) for i in ids]
    per_person = data.project.method.shelter_area_per_person_m2
    geoms = shelters.geometry.to_numpy()
    adcodes = _assign_district(geoms, ctx.districts)
    area = np.nan_to_num(pd.to_numeric(shelters["area_m2"], errors="coerce").to_numpy(float))
    cap_given = (pd.to_numeric(shelters["capacity"], errors="coerce").to_numpy(float)
                 if "capacity" in shelters.columns else np.full(len(shelters), np.nan))
    capacity = np.where(np.isnan(cap_given), area / per_person, cap_given)
    stype = shelters["type"].astype(str).to_numpy(dtype=object)
    pop = ctx.sums(ctx.population)

    total_area = ctx.counts(adcodes, area)
    ratio = _ratio(total_area, pop)
    per_area = _with_texts(ratio, [_text("shelter.area_per_person", a=a, p=p)
                                   for a, p in zip(total_area, pop, strict=True)])
    ev_area = gpd.GeoDataFrame(
        {"adcode": [a for a, _ in ctx.scopes], "district": [n for _, n in ctx.scopes],
         "shelter_area_m2": total_area.iloc[1:].to_numpy(), "population": pop.iloc[1:].to_numpy(),
         "area_per_person_m2": ratio.iloc[1:].to_numpy()},
        geometry=ctx.districts.geometry.to_numpy(), crs=data.crs,
    )

    walk = _within(ctx.points, geoms, opts.shelter_walk_m)
    pop_walk = ctx.sums(ctx.population * walk)
    per_walk = _share(pop_walk, pop, "shelter.walk_population", m=opts.shelter_walk_m)
    ev_walk = ctx.cell_evidence(~walk & (ctx.population > 0))

    fixed = np.isin(stype, ["固定", "中心"])
    cap_fixed = ctx.counts(adcodes, capacity * fixed)
    per_fixed = _share(cap_fixed, pop, "shelter.fixed_capacity")
    ev_fixed = _feature_evidence(shelters, fixed, adcodes, capacity=capacity)

    central = stype == "中心"
    n_central = ctx.counts(adcodes, central.astype(float))
    people = _ratio(pop, n_central)
    per_central = _with_texts(people, [_text("shelter.central_people", p=p, n=n)
                                       for p, n in zip(pop, n_central, strict=True)])
    # No central shelter for people to go to fails the target (it is not a missing value).
    per_central["passed"] = [
        (v <= opts.central_shelter_max_people) if n > 0 else (False if p > 0 else None)
        for v, n, p in zip(people, n_central, pop, strict=True)
    ]
    ev_central = _feature_evidence(shelters, central, adcodes, capacity=capacity)
    return [
        ("shelter.area_per_person", per_area, ev_area),
        ("shelter.walk_population", per_walk, ev_walk),
        ("shelter.fixed_capacity", per_fixed, ev_fixed),
        ("shelter.central_people", per_central, ev_central),
    ]


def _community_indicator(
    data: ProjectData, ctx: _Context, opts: IndicatorOptions, reach: dict[str, np.ndarray]
) -> tuple[str, pd.DataFrame, gpd.GeoDataFrame | None]:
    ind = "community.reach_population"
    stations = _features(data, "community_station")
    if stations is None:
        return ind, _not_computable(ctx, "no_layer", kind="community_station"), None
    radius = opts.community_radius_m
    if radius is None:
        radius = float(data.by_kind("community_station")[0].kind.params.get("full_m", 1000.0))
    hit = reach["community_station"] <= radius + 1e-9
    per = _share(ctx.sums(ctx.population * hit), ctx.sums(ctx.population), "community.reach_population",
                 m=radius)
    return ind, per, ctx.cell_evidence(~hit & (ctx.population > 0))


# ---------------------------------------------------------------------------
# hazardous chemicals


def _hazmat_indicators(
    data: ProjectData, ctx: _Context, opts: IndicatorOptions
) -> list[tuple[str, pd.DataFrame, gpd.GeoDataFrame | None]]:
    sites = _features(data, "hazmat_enterprise")
    if sites is None:
        return [(i, _not_computable(ctx, "no_layer", kind="hazmat_enterprise"), None)
                for i in ("hazmat.video", "hazmat.sensitive_targets")]
    grade = sites["grade"].astype("string").fillna("").to_numpy(dtype=object) if "grade" in sites else \
        np.full(len(sites), "", dtype=object)
    major = np.isin(grade, MAJOR_GRADES)
    majors = sites[major].reset_index(drop=True)
    m_grade = grade[major]
    m_adcode = _assign_district(majors.geometry.to_numpy(), ctx.districts)
    out: list[tuple[str, pd.DataFrame, gpd.GeoDataFrame | None]] = []

    videos = _features(data, "video_point")
    if videos is None:
        out.append(("hazmat.video", _not_computable(ctx, "no_layer", kind="video_point"), None))
    else:
        watched_ids = set(videos["enterprise_id"].astype("string").str.strip().dropna())
        watched = majors["id"].astype(str).str.strip().isin(watched_ids).to_numpy()
        n_w = ctx.counts(m_adcode, watched.astype(float))
        n_m = ctx.counts(m_adcode)
        per = _share(n_w, n_m, "hazmat.video")
        out.append(("hazmat.video", per, _feature_evidence(majors, ~watched, m_adcode, grade=m_grade)))

    targets = _features(data, "sensitive_target")
    if targets is None:
        out.append(("hazmat.sensitive_targets", _not_computable(ctx, "no_layer", kind="sensitive_target"),
                    None))
        return out
    dist_by_grade = dict(opts.sensitive_distance_m)
    site_dist = np.array([dist_by_grade.get(g, 0.0) for g in m_grade], dtype=float)
    t_geoms = targets.geometry.to_numpy()
    if len(majors) and len(targets):
        site_i, tgt_i = STRtree(t_geoms).query(majors.geometry.to_numpy(), predicate="dwithin",
                                               distance=site_dist)
    else:
        site_i = tgt_i = np.zeros(0, dtype=np.int64)
    pair_d = shapely.distance(majors.geometry.to_numpy()[site_i], t_geoms[tgt_i]) if len(site_i) else \
        np.zeros(0)
    t_adcode = _assign_district(t_geoms, ctx.districts)
    # A target near several sites is counted once, against its nearest major-hazard site.
    order = np.lexsort((pair_d, tgt_i))
    first = order[np.unique(tgt_i[order], return_index=True)[1]] if len(order) else order
    hit_t = tgt_i[first]
    n_hit = ctx.counts(t_adcode[hit_t])
    by_grade = pd.Series(m_grade[site_i[first]], dtype=object)
    ev = targets.iloc[hit_t][["id", "name", "type", "geometry"]].copy() if len(hit_t) else \
        targets.iloc[[]][["id", "name", "geometry"]].copy()
    ev["adcode"] = t_adcode[hit_t]
    ev["site_id"] = majors["id"].astype(str).to_numpy()[site_i[first]]
    ev["site_grade"] = m_grade[site_i[first]]
    ev["distance_m"] = pair_d[first]
    ev = gpd.GeoDataFrame(ev.reset_index(drop=True), geometry="geometry", crs=data.crs)
    texts = []
    distances = _join_texts([_text("hazmat.grade_distance", grade=g, m=dist_by_grade.get(g, 0))
                             for g in MAJOR_GRADES])
    for scope in [CITY, *(a for a, _ in ctx.scopes)]:
        sel = np.ones(len(hit_t), bool) if scope == CITY else (t_adcode[hit_t] == scope)
        counts = by_grade[sel].value_counts()
        parts = _join_texts([_text("hazmat.grade_count", grade=g, n=int(counts.get(g, 0))) for g in MAJOR_GRADES])
        texts.append(_text("hazmat.sensitive_targets", counts=parts, distances=distances))
    per = _with_texts(n_hit, texts)
    out.append(("hazmat.sensitive_targets", per, ev))
    return out


def _feature_evidence(gdf: gpd.GeoDataFrame, mask: np.ndarray, adcodes: np.ndarray,
                      **columns: np.ndarray) -> gpd.GeoDataFrame:
    keep = [c for c in ("id", "name", "type", "class", "grade", "area_m2", "geometry") if c in gdf.columns]
    ev = gdf.loc[mask, keep].copy()
    ev["adcode"] = adcodes[mask]
    for name, values in columns.items():
        if name not in ev.columns:
            ev[name] = np.asarray(values)[mask]
    return gpd.GeoDataFrame(ev.reset_index(drop=True), geometry="geometry", crs=gdf.crs)


# ---------------------------------------------------------------------------
# risk work and hidden hazards


def _risk_indicators(ctx: _Context, day: str) -> list[tuple[str, pd.DataFrame, gpd.GeoDataFrame | None]]:
    cells = ctx.cells
    ids = ("risk.area_major", "risk.area_significant", "risk.population_major", "risk.population_significant")
    if "level_rank" not in cells.columns:
        per = _not_computable(ctx, "no_levels")
        return [("risk.map_produced", per, None), *[(i, per, None) for i in ids]]
    rank = pd.to_numeric(cells["level_rank"], errors="coerce").to_numpy(float)
    assessed = ~np.isnan(rank)
    n_assessed = ctx.sums(assessed.astype(float))
    n_cells = ctx.sums(np.ones(len(cells)))
    produced = _with_texts(((n_assessed >= n_cells) & (n_cells > 0)).astype(float),
                           [_text("risk.map_produced", day=day, n=a, d=n)
                            for a, n in zip(n_assessed, n_cells, strict=True)])
    out: list[tuple[str, pd.DataFrame, gpd.GeoDataFrame | None]] = [("risk.map_produced", produced, None)]
    area_all, pop_all = ctx.sums(ctx.area), ctx.sums(ctx.population)
    for rank_value, name in ((4, "major"), (3, "significant")):
        at = rank == rank_value
        a = ctx.sums(ctx.area * at)
        p = ctx.sums(ctx.population * at)
        out.append((f"risk.area_{name}", _share(a / 1e6, area_all / 1e6, "risk.area"),
                    ctx.cell_evidence(at, level_rank=rank)))
        out.append((f"risk.population_{name}", _share(p, pop_all, "risk.population"), None))
    return out


def _hazard_indicators(ctx: _Context, summary: pd.DataFrame) -> list[tuple[str, pd.DataFrame, None]]:
    if "adcode" not in summary.columns:
        raise ValueError("register_summary needs an 'adcode' column (riskmap.register.district_summary)")
    s = summary.copy()
    s["adcode"] = s["adcode"].astype(str)
    out: list[tuple[str, pd.DataFrame, None]] = []
    for columns, ind in ((("open_major", "open"), "hazards.open_major"), (("listed",), "hazards.listed"),
                         (("overdue_major", "overdue"), "hazards.overdue")):
        column = next((c for c in columns if c in s.columns), None)
        if column is None:
            out.append((ind, _not_computable(ctx, "no_register_column", column=columns[0]), None))
            continue
        values = pd.to_numeric(s[column], errors="coerce").fillna(0).to_numpy(float)
        counts = ctx.counts(s["adcode"].to_numpy(dtype=object), values)
        per = _with_texts(counts, [_text("hazards.count", n=c, column=column) for c in counts])
        out.append((ind, per, None))
    return out


# ---------------------------------------------------------------------------
# rows


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    n = num.to_numpy(float)
    d = den.to_numpy(float)
    values = np.divide(n, d, out=np.full(len(n), np.nan), where=d > 0)
    return pd.Series(values, index=num.index)


def _text(key: str, **values: Any) -> tuple[str, str]:
    """The (English, Chinese) evidence of template ``key``; an (en, zh) pair value goes to each language."""
    en, zh = EVIDENCE_TEXTS[key]
    return (
        en.format(**{k: v[0] if isinstance(v, tuple) else v for k, v in values.items()}),
        zh.format(**{k: v[1] if isinstance(v, tuple) else v for k, v in values.items()}),
    )


def _join_texts(texts: list[tuple[str, str]]) -> tuple[str, str]:
    """(en, zh) texts joined into one list, each with its language's separator."""
    sep_en, sep_zh = EVIDENCE_TEXTS["list_sep"]
    return sep_en.join(en for en, _ in texts), sep_zh.join(zh for _, zh in texts)


def _with_texts(value: Any, texts: list[tuple[str, str]]) -> pd.DataFrame:
    """Values by scope with their ``evidence`` (English) and ``evidence_zh`` texts, in scope order."""
    return pd.DataFrame({
        "value": value,
        "evidence": [en for en, _ in texts],
        "evidence_zh": [zh for _, zh in texts],
    })


def _share(num: pd.Series, den: pd.Series, key: str, **values: Any) -> pd.DataFrame:
    """Percent share by scope (NaN where the denominator is zero) with template ``key``'s
    evidence, given ``n`` (the numerator), ``d`` (the denominator) and ``values``."""
    return _with_texts(_ratio(num, den) * 100.0,
                       [_text(key, n=n, d=d, **values) for n, d in zip(num, den, strict=True)])


def _not_computable(ctx: _Context, key: str, **values: Any) -> pd.DataFrame:
    index = [CITY, *(a for a, _ in ctx.scopes)]
    en, zh = _text(key, **values)
    return pd.DataFrame({"value": np.nan, "evidence": en, "evidence_zh": zh, "passed": None}, index=index)


def _compare(value: float, target: float | None, comparison: str | None) -> bool | None:
    if target is None or comparison is None or value is None or not math.isfinite(value):
        return None
    tol = 1e-9 * max(1.0, abs(target))
    if comparison == ">=":
        return bool(value >= target - tol)
    if comparison == "<=":
        return bool(value <= target + tol)
    return bool(abs(value - target) <= tol)


def _rows_of(d: _Def, per: pd.DataFrame, ctx: _Context) -> pd.DataFrame:
    names = dict(ctx.scopes)
    scopes = [CITY, *(a for a, _ in ctx.scopes)]
    per = per.reindex(scopes)
    values = per["value"].to_numpy(float)
    if "passed" in per.columns:
        passed = [None if p is None or (isinstance(p, float) and math.isnan(p)) else bool(p)
                  for p in per["passed"]]
    else:
        passed = [_compare(v, d.target, d.comparison) for v in values]
    n = len(scopes)
    return pd.DataFrame({
        "id": [d.id] * n,
        "name_zh": [d.name_zh] * n,
        "name_en": [d.name_en] * n,
        "scope": scopes,
        "district": ["" if s == CITY else names[s] for s in scopes],
        "value": values,
        "unit": [d.unit] * n,
        "target": [np.nan if d.target is None else d.target] * n,
        "comparison": [d.comparison or ""] * n,
        "passed": pd.Series(passed, dtype=object),
        "standard": [d.standard] * n,
        "evidence": per["evidence"].fillna("").astype(str).to_numpy(),
        "evidence_zh": per["evidence_zh"].fillna("").astype(str).to_numpy(),
    })


def _iso_date(value: date | datetime | str | None) -> str:
    if value is None:
        return date.today().isoformat()
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _json_value(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, (float, np.floating)):
        return None if not math.isfinite(float(v)) else float(v)
    if isinstance(v, np.bool_):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    return v


def _empty_gdf(crs: Any, columns: list[str]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({c: [] for c in columns}, geometry=gpd.GeoSeries([], crs=crs), crs=crs)
