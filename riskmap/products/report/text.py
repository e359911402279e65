"""The report's labels (zh/en) and escaping."""

from __future__ import annotations

import html
from typing import Any

import numpy as np

_T: dict[str, tuple[str, str]] = {
    "title": ("城市安全风险评估报告", "Urban safety risk assessment report"),
    "generated": ("生成日期", "Date"),
    "version": ("riskmap 版本", "riskmap version"),
    "grid": ("评估网格", "Grid"),
    "summary": ("一、评估概况", "1. Summary"),
    "zoom": ("重点区域放大图", "Close-up of the red and orange areas"),
    "zoom_note": (
        "范围：较大及以上风险网格所在区域。",
        "Extent: where the significant and major cells are.",
    ),
    "map": ("二、城市安全风险四色图", "2. Four-colour risk map"),
    "districts": ("三、分区风险汇总与排名", "3. Districts, ranked"),
    "sources": ("四、重点风险源清单", "4. Top risk sources"),
    "areas": ("五、重点风险区域清单", "5. Top risk areas"),
    "accidents": ("六、生产安全事故分区排名", "6. Accidents by district"),
    "scorecard": ("七、安全发展示范城市指标", "7. Safe-city scorecard"),
    "method": ("八、方法与参数", "8. Method and parameters"),
    "inputs": ("九、数据来源", "9. Input data"),
    "level": ("风险等级", "Risk level"),
    "cells": ("网格数", "Cells"),
    "area": ("面积(km²)", "Area (km²)"),
    "area_share": ("面积占比", "Share of area"),
    "population": ("人口", "Population"),
    "pop_share": ("人口占比", "Share of population"),
    "n_sources": ("风险源数", "Sources"),
    "n_areas": ("风险区域数", "Risk areas"),
    "total": ("合计", "Total"),
    "legend": ("图例", "Legend"),
    "boundary": ("市界", "City boundary"),
    "district_line": ("区界", "District boundary"),
    "of_total": (
        "共 {n} 条，列出前 {k} 条；完整清单见导出的 Excel/CSV。",
        "{n} in all, the first {k} listed; the full list is in the Excel/CSV export.",
    ),
    "none": ("无", "None"),
    "latest_quarter": (
        "统计期：{p}（按死亡人数、事故起数、受伤人数、直接经济损失排序）",
        "Period: {p} (ranked by deaths, accidents, injuries, direct loss)",
    ),
    "file": ("文件", "File"),
    "sha256": ("SHA-256", "SHA-256"),
    "unavailable": ("未能使用的图层", "Layers not used"),
    "problems": ("数据检查：{e} 个错误，{w} 个警告", "Data checks: {e} error(s), {w} warning(s)"),
    "indicator": ("指标", "Indicator"),
    "value": ("数值", "Value"),
    "target": ("目标", "Target"),
    "passed": ("是否达标", "Met"),
    "standard": ("依据", "Basis"),
    "evidence": ("说明", "Evidence"),
    "yes": ("达标", "met"),
    "no": ("未达标", "not met"),
    "na": ("—", "—"),
    "method_text": (
        "评估以网格为单元，分别计算危险性H、暴露E、脆弱性V和应对能力不足L（各0–10），"
        "后果C为E、V、L的加权几何平均，风险值=H×C（0–100）。可能性等级与严重性等级（1–5）由H与C分级，"
        "风险矩阵R=可能性×严重性：20–25为重大（红）、9–16为较大（橙）、4–8为一般（黄）、1–3为低（蓝）。"
        "风险源等级采用同一矩阵：可能性由风险源自身危险强度分级，严重性取其周边500米内网格的最高后果指数。",
        "Each grid cell gets hazard H, exposure E, vulnerability V and lack of coping capacity L "
        "(each 0–10); consequence C is the weighted geometric mean of E, V and L and the score is "
        "H × C (0–100). Likelihood and severity classes (1–5) come from H and C; the risk matrix "
        "R = likelihood × severity gives 20–25 major (red), 9–16 significant (orange), 4–8 general "
        "(yellow), 1–3 low (blue). Risk sources use the same matrix: likelihood from the source's "
        "own intensity, severity from the highest consequence within 500 m of it.",
    ),
    "no_cjk": (
        "（未找到中文字体，图中区名以区划代码显示）",
        "(no Chinese font found: districts are labelled by code)",
    ),
    "scale": ("公里", "km"),
}


def _t(key: str, lang: str) -> str:
    return _T[key][1 if lang == "en" else 0]


def _e(value: Any) -> str:
    """HTML-escaped text of a value (None and NaN as empty)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return html.escape(str(value), quote=True)
