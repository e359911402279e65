"""The period risk briefing (重要时段风险研判报告): one printable HTML page for a period
and a theme (flood season, Spring Festival, work-safety month ...).

Sections: the theme's weight profile and the level counts at the end of the period; the
four-colour map; what changed since the previous period of the same length; the top
cells and risk sources; open major and overdue hidden hazards; the period's accidents by
district, month, quarter, industry (when the accidents file has it) and type; the
monitoring warnings of the period; recommended measures.
The page reuses the printable report's styles, map image and tables.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd

from riskmap import __version__
from riskmap.config import ThemeConfig
from riskmap.config.levels import LEVELS
from riskmap.products.report.figure import render_map_png
from riskmap.products.report.page import _CSS
from riskmap.products.report.tables import _html_table
from riskmap.products.report.text import _e

if TYPE_CHECKING:
    from riskmap.engine import Assessment
    from riskmap.products.change import Change
    from riskmap.products.inventory import Inventory

_T: dict[str, tuple[str, str]] = {
    "title": ("重要时段风险研判报告", "Period risk briefing"),
    "period": (
        "研判时段：{a} 至 {b}；专题：{theme}；截至 {b} 评估，对比上一时段（截至 {prev}）。",
        "Period {a} to {b}; theme: {theme}; assessed as of {b} and compared with the "
        "previous period (as of {prev}).",
    ),
    "s_profile": ("专题权重", "The theme's weights"),
    "s_map": ("风险分布", "Risk map"),
    "s_change": ("较上一时段的变化", "Change since the previous period"),
    "s_top": ("重点网格与风险源", "Top cells and risk sources"),
    "s_hazards": ("重大及逾期隐患", "Major and overdue hidden hazards"),
    "s_accidents": ("时段内事故", "Accidents in the period"),
    "s_warnings": ("监测预警", "Monitoring warnings"),
    "s_measures": ("防范措施建议", "Recommended measures"),
    "layer": ("图层", "Layer"),
    "kind": ("类别", "Kind"),
    "base_weight": ("基础权重", "Base weight"),
    "multiplier": ("专题系数", "Theme multiplier"),
    "weight": ("采用权重", "Weight in force"),
    "others": ("其余 {n} 个图层保持项目权重。", "The other {n} layers keep the project's weights."),
    "level": ("风险等级", "Level"),
    "cells": ("网格数", "Cells"),
    "change_cells": ("较上期", "Change"),
    "up_down": ("等级上升 {up:,} 格，下降 {down:,} 格。", "{up:,} cells up, {down:,} down."),
    "no_change": (
        "与上一时段相比，没有网格改变等级。",
        "No cell changed level since the previous period.",
    ),
    "cell_id": ("网格", "Cell"),
    "district": ("所在区", "District"),
    "score": ("风险值", "Score"),
    "from": ("上期", "Before"),
    "to": ("本期", "Now"),
    "drivers": ("变化原因", "What changed it"),
    "top_factor": ("主导因素", "Dominant factor"),
    "name": ("名称", "Name"),
    "number": ("统一编号", "Unified number"),
    "risk_value": ("风险值R", "Risk value R"),
    "grade": ("等级", "Grade"),
    "status": ("状态", "Status"),
    "overdue": ("逾期", "Overdue"),
    "no_hazards": (
        "截至期末没有重大或逾期的未销号隐患。",
        "No open major or overdue hidden hazard at the end of the period.",
    ),
    "no_register": ("本项目没有隐患台账。", "The project has no hidden-hazard register."),
    "accidents": ("事故起数", "Accidents"),
    "deaths": ("死亡", "Deaths"),
    "injuries": ("受伤", "Injuries"),
    "month": ("月份", "Month"),
    "quarter": ("季度", "Quarter"),
    "industry": ("行业", "Industry"),
    "type": ("事故类型", "Accident type"),
    "no_accidents": ("时段内没有事故记录。", "No accident was recorded in the period."),
    "no_warnings": (
        "时段内没有监测预警（或项目未接入监测数据）。",
        "No monitoring warning in the period (or no monitoring data).",
    ),
    "yes": ("是", "yes"),
    "w_layer": ("图层", "Layer"),
    "w_feature_id": ("监测对象编号", "Feature"),
    "w_quantity": ("监测量", "Quantity"),
    "w_level": ("预警等级", "Warning level"),
    "w_start": ("开始", "Start"),
    "w_end_time": ("结束", "End"),
    "w_peak": ("峰值", "Peak"),
    "footer": (
        "riskmap {v} 生成于 {today}；各图层按期末的有效要素计入，事故按期末前的统计窗口计入。",
        "Made by riskmap {v} on {today}; layers as valid at the end of the period, "
        "accidents of the window before it.",
    ),
}

_NUMERALS = "一二三四五六七八九十"


def _t(key: str, lang: str) -> str:
    zh, en = _T[key]
    return en if lang == "en" else zh


@dataclass(frozen=True)
class BriefingInputs:
    """What a briefing is made of (assembled by :meth:`riskmap.Study.briefing`).

    Attributes
    ----------
    current, previous : the assessments as of the end of the period and of the previous
        period, with the theme's weights.
    change : their comparison.
    inventory : the current assessment's risk inventory.
    period : (start, end); previous_end : the end of the previous period.
    theme_key, theme : the theme.
    weights : one row per layer: layer, kind, base_weight, multiplier, weight.
    accidents : the accidents of the period (layer rows with ``date``, ``district``,
        ``type``, ``deaths``, ``injuries``).
    hazards : the register's hazards open at the end of the period, or None without one.
    warnings : monitoring warnings of the period, or None without monitoring data.
    """

    current: Assessment
    previous: Assessment
    change: Change
    inventory: Inventory
    period: tuple[date, date]
    previous_end: date
    theme_key: str
    theme: ThemeConfig
    weights: pd.DataFrame
    accidents: pd.DataFrame
    hazards: pd.DataFrame | None = None
    warnings: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)


def build_briefing(inputs: BriefingInputs, lang: str = "zh", *, today: date | None = None) -> str:
    """The briefing as one self-contained HTML page (A4 print styles, map inline).

    Parameters
    ----------
    inputs
        From :meth:`riskmap.Study.briefing`.
    lang
        ``zh`` or ``en``.
    today
        The date printed in the footer (today by default).

    Returns
    -------
    str
    """
    b = inputs
    project = b.current.data.project
    title = project.title.get(lang)
    theme = b.theme.name.get(lang)
    sections = [
        (_t("s_profile", lang), _profile(b, lang)),
        (_t("s_map", lang), _map(b, lang)),
        (_t("s_change", lang), _change(b, lang)),
        (_t("s_top", lang), _top(b, lang)),
        (_t("s_hazards", lang), _hazards(b, lang)),
        (_t("s_accidents", lang), _accidents(b, lang)),
        (_t("s_warnings", lang), _warnings(b, lang)),
        (_t("s_measures", lang), _measures(b, lang)),
    ]
    body = "".join(
        f"<h2>{_heading(i, lang)}{_e(name)}</h2>{html}" for i, (name, html) in enumerate(sections)
    )
    period = _t("period", lang).format(
        a=b.period[0], b=b.period[1], theme=theme, prev=b.previous_end
    )
    footer = _t("footer", lang).format(v=__version__, today=(today or date.today()).isoformat())
    lang_attr = "en" if lang == "en" else "zh-CN"
    return (
        f'<!DOCTYPE html><html lang="{lang_attr}"><head><meta charset="utf-8">'
        f"<title>{_e(title)} · {_e(_t('title', lang))} · {_e(theme)}</title>"
        f"<style>{_CSS}</style></head><body>"
        f"<h1>{_e(title)} · {_e(_t('title', lang))}</h1>"
        f'<div class="meta">{_e(period)}</div>{body}'
        f"<footer>{_e(footer)}</footer></body></html>"
    )


def _heading(i: int, lang: str) -> str:
    return f"{i + 1}. " if lang == "en" else f"{_NUMERALS[i]}、"


def _profile(b: BriefingInputs, lang: str) -> str:
    w = b.weights[b.weights["multiplier"] != 1.0]
    kinds = b.current.data.kinds
    w = w.assign(kind=[kinds[k].name.get(lang) if k in kinds else k for k in w["kind"]])
    table = _html_table(
        w,
        ["layer", "kind", "base_weight", "multiplier", "weight"],
        lang,
        numeric=["base_weight", "multiplier", "weight"],
        formats={"base_weight": "{:.2f}", "multiplier": "×{:.2g}", "weight": "{:.2f}"},
        labels={k: _t(k, lang) for k in ("layer", "kind", "base_weight", "multiplier", "weight")},
        level_cols=(),
    )
    counts = b.current.cells["level_rank"].value_counts()
    before = b.previous.cells["level_rank"].value_counts()
    rows = pd.DataFrame(
        [
            {
                "level": lv.en if lang == "en" else lv.zh,
                "cells": int(counts.get(lv.rank, 0)),
                "change_cells": f"{int(counts.get(lv.rank, 0)) - int(before.get(lv.rank, 0)):+,}",
            }
            for lv in reversed(LEVELS)
        ]
    )
    levels = _html_table(
        rows,
        ["level", "cells", "change_cells"],
        lang,
        numeric=["cells"],
        labels={k: _t(k, lang) for k in ("level", "cells", "change_cells")},
    )
    others = _t("others", lang).format(n=int((b.weights["multiplier"] == 1.0).sum()))
    return f'{table}<p class="note">{_e(others)}</p>{levels}'


def _map(b: BriefingInputs, lang: str) -> str:
    png = render_map_png(b.current.data, b.current.cells, lang, width_in=7.2, dpi=150)
    src = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    return f'<div class="figure"><img alt="{_e(_t("s_map", lang))}" src="{src}"></div>'


def _change(b: BriefingInputs, lang: str) -> str:
    s = b.change.summary()
    if not s["cells_up"] and not s["cells_down"]:
        return f'<p class="note">{_e(_t("no_change", lang))}</p>'
    text = _t("up_down", lang).format(up=s["cells_up"], down=s["cells_down"])
    movers = b.change.moved.head(10).copy()
    if lang == "en":
        names = {lv.zh: lv.en for lv in LEVELS}
        movers["level_a"] = movers["level_a"].map(names)
        movers["level_b"] = movers["level_b"].map(names)
        movers["drivers"] = movers["drivers_en"]
    table = _html_table(
        movers,
        ["cell_id", "district", "level_a", "level_b", "score_a", "score_b", "drivers"],
        lang,
        numeric=["score_a", "score_b"],
        formats={"score_a": "{:.1f}", "score_b": "{:.1f}"},
        level_cols=("level_a", "level_b"),
        labels={
            "cell_id": _t("cell_id", lang),
            "district": _t("district", lang),
            "level_a": _t("from", lang),
            "level_b": _t("to", lang),
            "score_a": f"{_t('score', lang)} {_t('from', lang)}",
            "score_b": f"{_t('score', lang)} {_t('to', lang)}",
            "drivers": _t("drivers", lang),
        },
        small=True,
    )
    return f"<p>{_e(text)}</p>{table}"


def _top(b: BriefingInputs, lang: str) -> str:
    cells = b.current.cells.sort_values("score", ascending=False).head(10)
    kinds = b.current.data.kinds
    cells = cells.assign(
        level=cells["level_en"] if lang == "en" else cells["level"],
        top_factor=[
            kinds[k].name.get(lang) if k in kinds else str(k)
            for k in cells["top_factor_kind"].astype(str)
        ],
    )
    top_cells = _html_table(
        cells,
        ["cell_id", "district", "level", "score", "top_factor"],
        lang,
        numeric=["score"],
        formats={"score": "{:.1f}"},
        labels={k: _t(k, lang) for k in ("cell_id", "district", "level", "score", "top_factor")},
        small=True,
    )
    sources = b.inventory.sources.sort_values(["risk_value", "intensity"], ascending=False).head(10)
    sources = sources.assign(
        level=sources["level_en"] if lang == "en" else sources["level"],
        kind=sources["kind_en"] if lang == "en" else sources["kind"],
    )
    top_sources = _html_table(
        sources,
        ["number", "name", "kind", "district", "level", "risk_value"],
        lang,
        numeric=["risk_value"],
        code=["number"],
        labels={
            k: _t(k, lang) for k in ("number", "name", "kind", "district", "level", "risk_value")
        },
        small=True,
    )
    return top_cells + top_sources


def _hazards(b: BriefingInputs, lang: str) -> str:
    if b.hazards is None:
        return f'<p class="note">{_e(_t("no_register", lang))}</p>'
    h = b.hazards
    major = h["grade"].astype(str).isin(["重大", "major"])
    overdue = h["overdue"].astype(bool)
    rows = h[major | overdue].copy()
    if rows.empty:
        return f'<p class="note">{_e(_t("no_hazards", lang))}</p>'
    rows["overdue"] = rows["overdue"].map(lambda v: _t("yes", lang) if bool(v) else "")
    rows = rows.rename(columns={"id": "number"}).sort_values(["overdue", "grade"], ascending=False)
    return _html_table(
        rows,
        ["number", "name", "district", "grade", "status", "overdue"],
        lang,
        code=["number"],
        labels={
            k: _t(k, lang) for k in ("number", "name", "district", "grade", "status", "overdue")
        },
        level_cols=(),
        small=True,
    )


def _accidents(b: BriefingInputs, lang: str) -> str:
    acc = b.accidents
    if acc.empty:
        return f'<p class="note">{_e(_t("no_accidents", lang))}</p>'
    zeros = pd.Series(0, index=acc.index)
    acc = acc.assign(
        deaths=pd.to_numeric(acc.get("deaths", zeros), errors="coerce").fillna(0),
        injuries=pd.to_numeric(acc.get("injuries", zeros), errors="coerce").fillna(0),
        month=pd.to_datetime(acc["date"]).dt.strftime("%Y-%m"),
        quarter=pd.to_datetime(acc["date"]).dt.to_period("Q").astype(str),
    )
    labels = {
        k: _t(k, lang)
        for k in (
            "district", "accidents", "deaths", "injuries", "month", "quarter", "type", "industry"
        )
    }  # fmt: skip
    tables = []
    for by in ("district", "month", "quarter", "industry", "type"):
        if by not in acc.columns or not acc[by].astype(str).str.strip().ne("").any():
            continue  # a column the accidents file does not fill (industry is optional)
        g = (
            acc.groupby(by)
            .agg(accidents=("date", "size"), deaths=("deaths", "sum"), injuries=("injuries", "sum"))
            .reset_index()
            .sort_values(["accidents", "deaths"], ascending=False)
        )
        tables.append(
            _html_table(
                g,
                [by, "accidents", "deaths", "injuries"],
                lang,
                numeric=["accidents", "deaths", "injuries"],
                labels=labels,
                level_cols=(),
                small=True,
            )
        )
    return "".join(tables)


def _warnings(b: BriefingInputs, lang: str) -> str:
    w = b.warnings
    if w is None or w.empty:
        return f'<p class="note">{_e(_t("no_warnings", lang))}</p>'
    cols = [c for c in w.columns if c not in ("id",)]
    labels = {k: _t(f"w_{k}", lang) for k in cols if f"w_{k}" in _T}
    return _html_table(w, cols, lang, level_cols=(), small=True, labels=labels)


def _measures(b: BriefingInputs, lang: str) -> str:
    items: list[str] = [m.get(lang) for m in b.theme.measures]
    column = "measures_en" if lang == "en" else "measures"
    top = b.current.cells.sort_values("score", ascending=False).head(50)
    sep = "; " if lang == "en" else "；"
    for text in top[column].astype(str):
        for part in text.split(sep):
            m = part.strip()
            if m and m not in items:
                items.append(m)
    return "<ul>" + "".join(f"<li>{_e(m)}</li>" for m in items[:12]) + "</ul>"


def theme_weights(project: Any, kinds: Any, layer_names: dict[str, str], theme: ThemeConfig,
                  base: Any) -> tuple[dict[str, float], pd.DataFrame]:  # fmt: skip
    """The layer weights of a theme and the profile table.

    Parameters
    ----------
    project
        The project (its bindings).
    kinds
        Layer kinds by name.
    layer_names
        Acting layer -> its kind.
    theme
        The theme.
    base
        The base :class:`~riskmap.config.WeightsConfig`.

    Returns
    -------
    dict, pandas.DataFrame
        Layer -> weight in force; one row per layer (layer, kind, base_weight,
        multiplier, weight), the raised ones first.
    """
    rows = []
    weights: dict[str, float] = {}
    for name, kind in layer_names.items():
        try:
            binding = project.binding(name)
        except KeyError:
            binding = None
        w0 = base.layer_weight(name, binding, kinds.get(kind))
        mult = theme.kinds.get(kind, 1.0) * theme.layers.get(name, 1.0)
        weights[name] = w0 * mult
        rows.append(
            {
                "layer": name,
                "kind": kind,
                "base_weight": w0,
                "multiplier": mult,
                "weight": w0 * mult,
            }
        )
    table = pd.DataFrame(rows, columns=["layer", "kind", "base_weight", "multiplier", "weight"])
    table = table.sort_values(["multiplier", "layer"], ascending=[False, True], ignore_index=True)
    return weights, table
