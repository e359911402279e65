"""The backtest page: hit-rate and ROC curves of the score and the baselines
(matplotlib, embedded as a PNG: the page is one offline file), the measures table, the
level table and what the reader must know.
"""

from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path
from typing import Any

import pandas as pd

from riskmap.analysis.backtest import AREA_SHARES, Backtest
from riskmap.config import Project
from riskmap.io import write_csv

_TEXT = {
    "title": ("风险地图回测：评估结果与后续事故", "Backtest: the risk map against later accidents"),
    "periods": (
        "以{train0}至{train1}的事故记录评估风险，检验{test0}至{test1}发生的{n}起事故（{cells}个网格）。",
        "Risk assessed with the accidents of {train0} to {train1}; tested on the {n} accidents "
        "of {test0} to {test1} ({cells} cells).",
    ),
    "synthetic": (
        "本项目的事故数据为合成演示数据，以下数值没有实际意义；"
        "本页面是应急管理部门用真实事故记录检验风险地图的工具。",
        "The accidents of this project are synthetic demo data: the numbers below mean little. "
        "This page is the tool a bureau runs on its real accident records.",
    ),
    "caution": (
        "回测只说明风险值对事故位置的排序能力：风险还包括尚未发生事故的重大危险源和脆弱人群。",
        "A backtest only shows how the score ranks accident locations; risk also covers major "
        "hazards and vulnerable people where no accident has happened yet.",
    ),
    "measures": ("排序能力", "How well each ranking captures the accidents"),
    "ranking": ("排序依据", "Ranking"),
    "auc": ("ROC AUC（0.5为随机）", "ROC AUC (0.5 = chance)"),
    "hit": ("前{p}面积捕获事故比例", "Accidents in the top {p} of area"),
    "levels": ("各等级面积与事故", "Area and accidents by level"),
    "level": ("等级", "Level"),
    "cells": ("网格数", "Cells"),
    "area_share": ("面积占比", "Share of area"),
    "accidents": ("事故数", "Accidents"),
    "accident_share": ("事故占比", "Share of accidents"),
    "ratio": ("事故占比/面积占比", "Accident share / area share"),
    "curve_x": ("面积占比（按排序从高到低）", "Share of area (highest ranked first)"),
    "curve_y": ("捕获事故比例", "Share of accidents captured"),
    "roc_x": ("假阳性率", "False-positive rate"),
    "roc_y": ("真阳性率", "True-positive rate"),
    "chance": ("随机", "Chance"),
    "notes": ("说明", "Notes"),
    "undated": (
        "无日期的图层按现状计入；隐患台账不计入（以免把检验期的信息带入评估）。",
        "Layers without dates are taken as they are now; the register's hidden hazards are "
        "left out (they would carry the test period into the assessment).",
    ),
    "few": (
        "检验期仅有{n}起事故，上述指标很不确定。",
        "Only {n} test accidents: the measures above are very uncertain.",
    ),
    "outside": (
        "{n}起检验期事故位于网格外，未计入。",
        "{n} test accidents lie outside the grid and are left out.",
    ),
}


def _t(key: str, lang: str) -> str:
    zh, en = _TEXT[key]
    return en if lang == "en" else zh


def render_curves_png(result: Backtest, lang: str = "zh") -> bytes:
    """The hit-rate curves (left) and ROC curves (right) as one PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from riskmap.products.report.figure import find_cjk_font

    family = find_cjk_font()
    use_lang = lang if (lang == "en" or family) else "en"
    rc: dict[str, Any] = {"font.family": [family, "DejaVu Sans"] if family else ["DejaVu Sans"]}
    with plt.rc_context(rc):  # type: ignore[arg-type]
        fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.2), dpi=150)
        for r in result.rankings:
            label = r.label_en if use_lang == "en" else r.label_zh
            left.plot(r.curve["area"], r.curve["accidents"], label=f"{label} ({r.auc:.2f})")
            right.plot(r.roc["fpr"], r.roc["tpr"], label=label)
        for ax in (left, right):
            ax.plot([0, 1], [0, 1], color="#999999", linestyle="--", label=_t("chance", use_lang))
            ax.set_xlim(0, 1)
            ax.set_ylim(0, 1.01)
            ax.grid(alpha=0.3)
        left.set_xlabel(_t("curve_x", use_lang))
        left.set_ylabel(_t("curve_y", use_lang))
        right.set_xlabel(_t("roc_x", use_lang))
        right.set_ylabel(_t("roc_y", use_lang))
        left.legend(loc="lower right", fontsize=8)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        plt.close(fig)
    return buf.getvalue()


def render_backtest_html(result: Backtest, project: Project, lang: str = "zh") -> str:
    """The backtest page (one HTML file: the figure is embedded)."""
    e = html.escape
    title = project.title.en if lang == "en" else project.title.zh
    png = base64.b64encode(render_curves_png(result, lang)).decode()
    head = "".join(f"<th>{e(_t('hit', lang).format(p=f'{s:.0%}'))}</th>" for s in AREA_SHARES)
    rows = "".join(
        "<tr><td>{}</td><td>{:.3f}</td>{}</tr>".format(
            e(r.label_en if lang == "en" else r.label_zh),
            r.auc,
            "".join(f"<td>{r.hit_rates[s]:.1%}</td>" for s in AREA_SHARES),
        )
        for r in result.rankings
    )
    lv_rows = "".join(
        "<tr><td>{}</td><td>{:,}</td><td>{:.1%}</td><td>{:,}</td><td>{:.1%}</td><td>{}</td></tr>".format(
            e(str(row["level_en"] if lang == "en" else row["level"])),
            int(row["cells"]),
            float(row["area_share"]),
            int(row["accidents"]),
            float(row["accident_share"]),
            "–" if pd.isna(row["ratio"]) else f"{float(row['ratio']):.2f}",
        )
        for _, row in result.by_level.iterrows()
    )
    notes = [_t("caution", lang)]
    if _is_demo(project):
        notes.insert(0, _t("synthetic", lang))
    if result.outside:
        notes.append(_t("outside", lang).format(n=result.outside))
    notes.append(_t("undated", lang))
    if result.accidents < 30:
        notes.append(_t("few", lang).format(n=result.accidents))
    period = _t("periods", lang).format(
        train0=result.train[0],
        train1=result.train[1],
        test0=result.test[0],
        test1=result.test[1],
        n=result.accidents,
        cells=result.cells_with_accidents,
    )
    lang_attr = "en" if lang == "en" else "zh-CN"
    return f"""<!DOCTYPE html>
<html lang="{lang_attr}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)} — {e(_t("title", lang))}</title>
<style>
body {{ font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 2em auto;
  max-width: 1000px; color: #222; line-height: 1.5; padding: 0 1em; }}
table {{ border-collapse: collapse; margin: 0.5em 0 1.5em; }}
th, td {{ border: 1px solid #ccc; padding: 4px 10px; text-align: right; }}
th:first-child, td:first-child {{ text-align: left; }}
.note {{ background: #fff7e6; border-left: 4px solid #fa8c16; padding: 0.5em 1em; }}
img {{ max-width: 100%; }}
</style></head><body>
<h1>{e(title)} — {e(_t("title", lang))}</h1>
<p>{e(period)}</p>
<div class="note">{"".join(f"<p>{e(n)}</p>" for n in notes)}</div>
<h2>{e(_t("measures", lang))}</h2>
<table><tr><th>{e(_t("ranking", lang))}</th><th>{e(_t("auc", lang))}</th>{head}</tr>{rows}</table>
<img alt="{e(_t("measures", lang))}" src="data:image/png;base64,{png}">
<h2>{e(_t("levels", lang))}</h2>
<table><tr><th>{e(_t("level", lang))}</th><th>{e(_t("cells", lang))}</th>
<th>{e(_t("area_share", lang))}</th><th>{e(_t("accidents", lang))}</th>
<th>{e(_t("accident_share", lang))}</th><th>{e(_t("ratio", lang))}</th></tr>{lv_rows}</table>
</body></html>
"""


def _is_demo(project: Project) -> bool:
    """The bundled synthetic demo (its data folder's README says so)."""
    readme = project.root / "README.md"
    try:
        return "synthetic" in readme.read_text(encoding="utf-8").lower()
    except OSError:
        return False


def write_backtest(
    result: Backtest, project: Project, out_dir: str | Path, lang: str = "zh"
) -> list[Path]:
    """``backtest.html`` (the page), ``backtest.json`` (the numbers) and
    ``backtest_curves.csv`` (every curve point) into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    page = out / "backtest.html"
    page.write_text(render_backtest_html(result, project, lang), encoding="utf-8")
    numbers = out / "backtest.json"
    numbers.write_text(
        json.dumps(result.summary(), ensure_ascii=False, indent=2, default=str), encoding="utf-8"
    )
    curves = pd.concat(
        [r.curve.assign(ranking=r.name) for r in result.rankings], ignore_index=True
    )[["ranking", "area", "accidents"]]
    return [page, numbers, write_csv(curves, out / "backtest_curves.csv")]
