"""The scorecard's vocabulary and rows: indicator definitions (names, units, targets,
standards), evidence texts in zh/en, the :class:`Scorecard` and row helpers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from riskmap.config.catalogue import load_labels

if TYPE_CHECKING:
    from riskmap.products.indicators.context import _Context

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
    "standard_zh",
    "evidence",
    "evidence_zh",
)
"""Columns of :attr:`Scorecard.table`; ``standard`` and ``evidence`` are in English,
``standard_zh`` and ``evidence_zh`` in Chinese."""

EVIDENCE_TEXTS: dict[str, tuple[str, str]] = load_labels("indicator_evidence")
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
    service_areas : coverage indicator id (``fire.reach_population``,
        ``fire.reach_builtup``, ``shelter.walk_population``, ``shelter.central_people``,
        ``community.reach_population``) -> one row a facility (working CRS): its own
        service area (the part of its Voronoi region it reaches) as geometry, its point as
        ``site``, and ``id``, ``name``, ``kind``, ``class``, ``type``, ``capacity``,
        ``adcode``, ``radius_m``, ``target_min``, ``area_km2``, ``population`` (people it
        covers) and ``builtup_km2`` (see :mod:`riskmap.products.indicators.service`).
    """

    table: pd.DataFrame
    evidence: dict[str, gpd.GeoDataFrame]
    produced_at: str
    parameters: dict[str, Any]
    service_areas: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)

    def city(self) -> pd.DataFrame:
        """The city-wide rows."""
        return self.table[self.table["scope"] == CITY].reset_index(drop=True)

    def for_scope(self, scope: str) -> pd.DataFrame:
        """The rows of one scope (``"city"`` or a district adcode)."""
        return self.table[self.table["scope"] == str(scope)].reset_index(drop=True)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping: produced_at, parameters and the rows (NaN as None)."""
        rows = [
            {k: _json_value(v) for k, v in rec.items()} for rec in self.table.to_dict("records")
        ]
        return {"produced_at": self.produced_at, "parameters": self.parameters, "indicators": rows}


@dataclass(frozen=True)
class _Def:
    id: str
    name_zh: str
    name_en: str
    unit: str
    target: float | None
    comparison: str | None


_STANDARDS: dict[str, tuple[str, str]] = load_labels("indicator_standards")
"""Indicator id -> the standard it comes from, (Chinese, English); ``{plan}`` is the
project's work plan (:attr:`riskmap.config.Project.work_plan`), cited in English."""

_DEFS: dict[str, _Def] = {
    d.id: d
    for d in (
        _Def(
            "fire.reach_population",
            "消防站5分钟可达人口比例",
            "Population within 5-minute fire reach",
            "%",
            100.0,
            ">=",
        ),
        _Def(
            "fire.reach_builtup",
            "消防站5分钟可达建成区面积比例",
            "Built-up area within 5-minute fire reach",
            "%",
            100.0,
            ">=",
        ),
        _Def(
            "fire.district_area",
            "辖区面积达标的消防站比例",
            "Fire stations within their district-area limit",
            "%",
            100.0,
            ">=",
        ),
        _Def(
            "fire.hazmat_distance",
            "距危化品场所不足300米的消防站",
            "Fire stations within 300 m of a hazardous-chemical site",
            "stations",
            0.0,
            "==",
        ),
        _Def(
            "shelter.area_per_person",
            "人均有效避难面积",
            "Effective shelter area per person",
            "m²/person",
            1.5,
            ">=",
        ),
        _Def(
            "shelter.walk_population",
            "500米内有避难场所的人口比例",
            "Population within 500 m of a shelter",
            "%",
            100.0,
            ">=",
        ),
        _Def(
            "shelter.fixed_capacity",
            "固定避难场所容量占人口比例",
            "Fixed-shelter capacity as a share of population",
            "%",
            15.0,
            ">=",
        ),
        _Def(
            "shelter.central_people",
            "每处中心避难场所服务人口",
            "People per central shelter",
            "people",
            500_000.0,
            "<=",
        ),
        _Def(
            "community.reach_population",
            "社区应急服务站服务半径内人口比例",
            "Population within a community emergency station's radius",
            "%",
            100.0,
            ">=",
        ),
        _Def(
            "hazmat.video",
            "重大危险源企业视频监控覆盖率",
            "Major-hazard sites with video monitoring",
            "%",
            100.0,
            ">=",
        ),
        _Def(
            "hazmat.sensitive_targets",
            "重大危险源筛查距离内的敏感目标",
            "Sensitive targets within screening distance of a major-hazard site",
            "targets",
            0.0,
            "==",
        ),
        _Def(
            "risk.map_produced",
            "风险评估与四色图已完成",
            "Risk assessment and four-colour map produced",
            "yes=1",
            1.0,
            "==",
        ),
        _Def(
            "risk.area_major",
            "重大风险面积比例",
            "Share of the area at major risk",
            "%",
            None,
            None,
        ),
        _Def(
            "risk.area_significant",
            "较大风险面积比例",
            "Share of the area at significant risk",
            "%",
            None,
            None,
        ),
        _Def(
            "risk.population_major",
            "重大风险区人口比例",
            "Population at 重大 (major) risk",
            "%",
            None,
            None,
        ),
        _Def(
            "risk.population_significant",
            "较大风险区人口比例",
            "Population at 较大 (significant) risk",
            "%",
            None,
            None,
        ),
        _Def(
            "hazards.open_major",
            "未销号重大隐患",
            "Open major hidden hazards",
            "hazards",
            None,
            None,
        ),
        _Def(
            "hazards.listed",
            "挂牌督办重大隐患",
            "Major hidden hazards listed for supervision",
            "hazards",
            None,
            None,
        ),
        _Def(
            "hazards.overdue",
            "逾期未整改重大隐患",
            "Overdue major hidden hazards",
            "hazards",
            0.0,
            "==",
        ),
    )
}


INDICATOR_IDS: tuple[str, ...] = tuple(_DEFS)
"""Every indicator id, in scorecard order."""


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
    return pd.DataFrame(
        {
            "value": value,
            "evidence": [en for en, _ in texts],
            "evidence_zh": [zh for _, zh in texts],
        }
    )


def _share(num: pd.Series, den: pd.Series, key: str, **values: Any) -> pd.DataFrame:
    """Percent share by scope (NaN where the denominator is zero) with template ``key``'s
    evidence, given ``n`` (the numerator), ``d`` (the denominator) and ``values``."""
    return _with_texts(
        _ratio(num, den) * 100.0,
        [_text(key, n=n, d=d, **values) for n, d in zip(num, den, strict=True)],
    )


def _not_computable(ctx: _Context, key: str, **values: Any) -> pd.DataFrame:
    index = [CITY, *(a for a, _ in ctx.scopes)]
    en, zh = _text(key, **values)
    return pd.DataFrame(
        {"value": np.nan, "evidence": en, "evidence_zh": zh, "passed": None}, index=index
    )


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
        passed = [
            None if p is None or (isinstance(p, float) and math.isnan(p)) else bool(p)
            for p in per["passed"]
        ]
    else:
        passed = [_compare(v, d.target, d.comparison) for v in values]
    n = len(scopes)
    return pd.DataFrame(
        {
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
            "standard": [_STANDARDS[d.id][1].format(plan=ctx.work_plan)] * n,
            "standard_zh": [_STANDARDS[d.id][0].format(plan=ctx.work_plan)] * n,
            "evidence": per["evidence"].fillna("").astype(str).to_numpy(),
            "evidence_zh": per["evidence_zh"].fillna("").astype(str).to_numpy(),
        }
    )


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
