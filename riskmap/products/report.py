"""The printable risk assessment report: one self-contained HTML page (A4), optionally PDF.

:func:`build_report` writes the four-colour map (drawn offline with matplotlib, embedded
as a ``data:`` PNG), the legend, the district table, the top risk sources and areas, the
accident ranking, the safe-city scorecard (when given), the method's parameters and the
input files with their sha256 hashes. The page has no outside reference (no ``http(s)``
address in any ``src`` or ``href``) and every text that comes from a data file is
HTML-escaped. :func:`write_pdf` prints it with headless Chromium.
"""

from __future__ import annotations

import base64
import html
import io
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from riskmap import __version__
from riskmap.config import ReportOptions
from riskmap.config.levels import LEVELS
from riskmap.errors import RiskmapError
from riskmap.io import ProjectData
from riskmap.products.inventory import Inventory, header_labels, view_table

if TYPE_CHECKING:
    from riskmap.engine import Assessment
    from riskmap.products.indicators import Scorecard

CJK_FONTS: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Heiti SC",
    "Arial Unicode MS",
)
"""Font families tried, in order, for Chinese text on the map image."""

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


# ---------------------------------------------------------------------------
# The map image


def find_cjk_font() -> str | None:
    """The family name of an installed font that has Chinese glyphs, or None."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((n for n in CJK_FONTS if n in names), None)


def render_map_png(
    data: ProjectData,
    cells: gpd.GeoDataFrame,
    lang: str = "zh",
    *,
    width_in: float = 7.2,
    dpi: int = 200,
    extent: tuple[float, float, float, float] | None = None,
) -> bytes:
    """The four-colour risk map as a PNG, drawn offline (no tiles, no network).

    Cells are dissolved by level and filled with the level colours; district boundaries
    and names, the city boundary, a legend, a scale bar and a north arrow are drawn on
    top. Chinese names need a CJK font (:data:`CJK_FONTS`); without one, districts are
    labelled by their adcode and the legend is in English, so no glyph goes missing.

    Parameters
    ----------
    data
        The project (boundary and districts in the working CRS).
    cells
        Assessed cells with ``level_rank`` in the working CRS.
    lang
        ``zh`` or ``en``.
    width_in, dpi
        Size of the image.
    extent
        ``(minx, miny, maxx, maxy)`` in the working CRS to zoom to; the boundary's
        bounds by default. Only cells and districts in view are drawn.
    """
    from matplotlib import patheffects
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    font = find_cjk_font()
    text_lang = lang if (lang == "en" or font) else "en"
    family = [font, "DejaVu Sans"] if font else ["DejaVu Sans"]

    minx, miny, maxx, maxy = extent if extent is not None else shapely.bounds(data.boundary)
    view = shapely.box(minx, miny, maxx, maxy)
    if extent is not None:
        cells = cells.iloc[shapely.intersects(cells.geometry.to_numpy(), view)]
    aspect = (maxy - miny) / max(maxx - minx, 1.0)
    map_h = width_in * min(max(aspect, 0.4), 1.6)
    legend_h = 0.42
    fig = Figure(figsize=(width_in, map_h + legend_h), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_axes(
        (0.01, legend_h / (map_h + legend_h), 0.98, map_h / (map_h + legend_h) - 0.01)
    )
    ax.set_axis_off()
    ax.set_aspect("equal")

    ranks = pd.to_numeric(cells["level_rank"], errors="coerce").fillna(1).astype(int).to_numpy()
    geoms = cells.geometry.to_numpy()
    handles = []
    for lvl in LEVELS:
        mask = ranks == lvl.rank
        if mask.any():
            shape = _dissolve(geoms[mask])
            # The highest level gets a dark outline so that a few red cells stay visible.
            edge = ("#67000d", 0.6) if lvl.rank == 4 else ("none", 0)
            gpd.GeoSeries([shape]).plot(
                ax=ax, color=lvl.color, edgecolor=edge[0], linewidth=edge[1]
            )
        area = float(pd.to_numeric(cells.loc[mask, "area_m2"], errors="coerce").sum()) / 1e6
        label = (
            lvl.name(text_lang) if extent is not None else f"{lvl.name(text_lang)}  {area:,.0f} km²"
        )
        handles.append(Patch(facecolor=lvl.color, edgecolor="#444444", linewidth=0.4, label=label))
    handles.reverse()  # highest level first

    if not data.districts.empty:
        data.districts.boundary.plot(ax=ax, color="#333333", linewidth=0.5)
    gpd.GeoSeries([data.boundary]).boundary.plot(ax=ax, color="#000000", linewidth=1.1)
    handles.append(_line_handle("#000000", 1.1, _t("boundary", text_lang)))
    handles.append(_line_handle("#333333", 0.5, _t("district_line", text_lang)))

    if not data.districts.empty:
        parts = shapely.intersection(data.districts.geometry.to_numpy(), view)
        shown = shapely.area(parts) > 0.01 * view.area
        anchors = shapely.point_on_surface(parts[shown])
        labels = data.districts.loc[shown, "name" if font else "adcode"].astype(str)
        halo = [patheffects.withStroke(linewidth=2.2, foreground="white")]
        fontsize = 8 if len(anchors) <= 20 else 6
        for pt, text in zip(anchors, labels, strict=True):
            ax.text(
                shapely.get_x(pt),
                shapely.get_y(pt),
                text,
                ha="center",
                va="center",
                fontsize=fontsize,
                family=family,
                color="#111111",
                path_effects=halo,
            )

    ax.set_xlim(minx, maxx)
    ax.set_ylim(miny, maxy)
    fig.legend(
        handles=handles,
        loc="lower center",
        ncol=len(handles),
        frameon=False,
        handlelength=1.6,
        columnspacing=1.4,
        prop={"family": family, "size": 7.5},
    )
    _scale_bar(ax, (minx, miny, maxx, maxy), _t("scale", text_lang), family)
    _north_arrow(ax, family)

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
    return buf.getvalue()


def focus_extent(
    cells: gpd.GeoDataFrame, *, min_rank: int = 3, min_span_m: float = 8000.0, pad: float = 0.1
) -> tuple[float, float, float, float] | None:
    """Bounds of the cells at ``min_rank`` or above (较大 and 重大 by default), padded and
    at least ``min_span_m`` wide and high, for a zoomed map; None when there are none."""
    ranks = pd.to_numeric(cells["level_rank"], errors="coerce").fillna(0).to_numpy()
    hot = cells.geometry.to_numpy()[ranks >= min_rank]
    if len(hot) == 0:
        return None
    b = shapely.total_bounds(hot)
    cx, cy = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2
    half_w = max((b[2] - b[0]) * (1 + pad), min_span_m) / 2
    half_h = max((b[3] - b[1]) * (1 + pad), min_span_m) / 2
    return (cx - half_w, cy - half_h, cx + half_w, cy + half_h)


def _line_handle(color: str, width: float, label: str) -> Any:
    from matplotlib.lines import Line2D

    return Line2D([0], [0], color=color, linewidth=width, label=label)


def _dissolve(geoms: np.ndarray) -> Any:
    """Union of non-overlapping cells (fast coverage union; general union on failure)."""
    try:
        out = shapely.coverage_union_all(geoms)
        if shapely.is_valid(out):
            return out
    except shapely.errors.GEOSException:
        pass
    return shapely.union_all(geoms)


def _scale_bar(
    ax: Any, bounds: tuple[float, float, float, float], unit: str, family: list[str]
) -> None:
    minx, miny, maxx, maxy = bounds
    span = maxx - minx
    target = span / 5
    nice = [1, 2, 5, 10, 20, 50, 100, 200]
    km = max([n for n in nice if n * 1000 <= target] or [1])
    x0 = maxx - span * 0.04 - km * 1000
    y0 = miny + (maxy - miny) * 0.04
    ax.plot([x0, x0 + km * 1000], [y0, y0], color="black", linewidth=2.0, solid_capstyle="butt")
    ax.text(
        x0 + km * 500,
        y0 + (maxy - miny) * 0.012,
        f"{km} {unit}",
        ha="center",
        va="bottom",
        fontsize=7,
        family=family,
    )


def _north_arrow(ax: Any, family: list[str]) -> None:
    ax.annotate(
        "N",
        xy=(0.96, 0.97),
        xytext=(0.96, 0.89),
        xycoords="axes fraction",
        ha="center",
        va="center",
        fontsize=9,
        family=family,
        fontweight="bold",
        arrowprops={"arrowstyle": "-|>", "color": "black", "linewidth": 1.2},
    )


# ---------------------------------------------------------------------------
# HTML


_CSS = """
@page { size: A4; margin: 14mm 12mm 16mm 12mm; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC",
       "WenQuanYi Micro Hei", sans-serif; font-size: 10pt; color: #1a1a1a; margin: 0 auto;
       max-width: 190mm; line-height: 1.45; }
h1 { font-size: 18pt; margin: 0 0 2mm; }
h2 { font-size: 13pt; border-bottom: 2px solid #333; padding-bottom: 1mm; margin: 6mm 0 3mm; }
.meta { color: #555; font-size: 9pt; margin-bottom: 4mm; }
.page { break-before: page; page-break-before: always; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0 4mm; font-size: 8.5pt; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
th, td { border: 1px solid #bbb; padding: 1.2mm 1.5mm; vertical-align: top; text-align: left; }
th { background: #eef0f3; font-weight: 600; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.code { font-family: "DejaVu Sans Mono", monospace; font-size: 7.5pt; }
table.small td.code { word-break: break-all; }
h2, .note { break-after: avoid; page-break-after: avoid; }
td.lvl { font-weight: 600; text-align: center; white-space: nowrap; }
.figure { text-align: center; break-inside: avoid; page-break-inside: avoid; }
.figure img { width: 100%; max-height: 200mm; object-fit: contain; border: 1px solid #ccc; }
td.nowrap { white-space: nowrap; }
table.small { font-size: 7.5pt; } table.small td, table.small th { padding: 0.6mm 1.2mm; }
.two { display: flex; gap: 4mm; align-items: flex-start; } .two table { flex: 1; }
.cards { display: grid; grid-template-columns: repeat(4, 1fr); gap: 3mm; margin: 3mm 0; }
.card { border: 1px solid #ccc; border-top-width: 4px; padding: 2mm 3mm; break-inside: avoid; }
.card .big { font-size: 15pt; font-weight: 700; }
.card .small { color: #555; font-size: 8.5pt; }
.note { color: #555; font-size: 8.5pt; }
.ok { color: #1a7f37; font-weight: 600; } .bad { color: #c62828; font-weight: 600; }
footer { margin-top: 8mm; color: #777; font-size: 8pt; border-top: 1px solid #ccc; padding-top: 2mm; }
@media screen { body { padding: 10mm; background: #fff; } }
"""


def _level_style(name: str) -> str:
    for lvl in LEVELS:
        if name in (lvl.zh, lvl.en):
            fg = "#000" if lvl.rank in (2, 3) else "#fff"
            return f' style="background:{lvl.color};color:{fg}"'
    return ""


def _html_table(
    frame: pd.DataFrame,
    columns: Sequence[str],
    lang: str,
    *,
    numeric: Sequence[str] = (),
    code: Sequence[str] = (),
    level_cols: Sequence[str] = ("level",),
    labels: dict[str, str] | None = None,
    formats: dict[str, str] | None = None,
    nowrap: Sequence[str] = (),
    small: bool = False,
) -> str:
    cols = [c for c in columns if c in frame.columns]
    names = {**header_labels(cols, lang), **(labels or {})}
    formats = formats or {}
    head = "".join(f"<th>{_e(names[c])}</th>" for c in cols)
    body = []
    for rec in frame[cols].itertuples(index=False, name=None):
        tds = []
        for c, v in zip(cols, rec, strict=True):
            if c in level_cols:
                tds.append(f'<td class="lvl"{_level_style(str(v))}>{_e(v)}</td>')
            elif c in numeric:
                tds.append(f'<td class="num">{_e(_fmt(v, formats.get(c, "{:,.0f}")))}</td>')
            elif c in code:
                tds.append(f'<td class="code">{_e(v).replace("-", "-<wbr>")}</td>')
            elif c in nowrap:
                tds.append(f'<td class="nowrap">{_e(v)}</td>')
            else:
                tds.append(f"<td>{_e(v)}</td>")
        body.append("<tr>" + "".join(tds) + "</tr>")
    cls = ' class="small"' if small else ""
    return f"<table{cls}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _shorten(text: Any, limit: int) -> str:
    """``text`` cut at the last measure separator before ``limit`` characters, with "…"."""
    t = "" if text is None else str(text)
    if len(t) <= limit:
        return t
    head = t[:limit]
    cut = max(head.rfind("；"), head.rfind("; "))
    return (head[:cut] if cut > limit // 3 else head).rstrip("；; ,，") + " …"


def _pct(part: float, whole: float) -> str:
    share = 100 * part / whole if whole else 0.0
    return f"{share:.2f}%" if 0 < share < 1 else f"{share:.1f}%"


def _num(v: Any) -> str:
    """A number for people: thousands separated, at most 4 significant digits below 1,000."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return "" if v is None else str(v)
    if np.isnan(f):
        return ""
    return f"{f:,.0f}" if abs(f) >= 1000 else f"{f:.4g}"


def _fmt(v: Any, spec: str) -> str:
    if v is None:
        return ""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    if np.isnan(f):
        return ""
    return spec.format(f)


def _grid_text(project: Any, inv: Inventory, n_cells: int, lang: str) -> str:
    """``250 m squares, 139,000 cells`` from the assessment's parameters (or the project)."""
    par = inv.parameters.set_index("parameter")["value"] if len(inv.parameters) else pd.Series()
    kind = str(par.get("grid.kind", project.grid.kind))
    if kind == "h3":
        what = f"H3 r{par.get('grid.h3_resolution', project.grid.h3_resolution)}"
    else:
        size = _fmt(par.get("grid.cell_size", project.grid.cell_size), "{:g}")
        what = f"{size} m 方格" if lang != "en" else f"{size} m squares"
    return f"{what}, {n_cells:,} 个" if lang != "en" else f"{what}, {n_cells:,} cells"


def _cards_html(cells: pd.DataFrame, lang: str) -> str:
    ranks = pd.to_numeric(cells["level_rank"], errors="coerce").fillna(1).astype(int).to_numpy()
    area = pd.to_numeric(cells["area_m2"], errors="coerce").fillna(0).to_numpy() / 1e6
    pop = (
        pd.to_numeric(cells["population"], errors="coerce").fillna(0).to_numpy()
        if "population" in cells.columns
        else np.zeros(len(cells))
    )
    tot_a = float(area.sum()) or 1.0
    cards = []
    for lvl in reversed(LEVELS):
        m = ranks == lvl.rank
        a, p = float(area[m].sum()), float(pop[m].sum())
        cards.append(
            f'<div class="card" style="border-top-color:{lvl.color}"><div>{_e(lvl.name(lang))}</div>'
            f'<div class="big">{a:,.1f} km²</div><div class="small">{_pct(a, tot_a)} · '
            f"{_e(_t('population', lang))} {p:,.0f}</div></div>"
        )
    return f'<div class="cards">{"".join(cards)}</div>'


def _summary_html(cells: pd.DataFrame, inv: Inventory, lang: str) -> str:
    ranks = pd.to_numeric(cells["level_rank"], errors="coerce").fillna(1).astype(int)
    area = pd.to_numeric(cells["area_m2"], errors="coerce").fillna(0) / 1e6
    pop = (
        pd.to_numeric(cells["population"], errors="coerce").fillna(0)
        if "population" in cells.columns
        else pd.Series(0.0, index=cells.index)
    )
    tot_a, tot_p = float(area.sum()) or 1.0, float(pop.sum()) or 1.0
    src_rank = (
        inv.sources["level_rank"].astype(int) if len(inv.sources) else pd.Series([], dtype=int)
    )
    area_rank = inv.areas["level_rank"].astype(int) if len(inv.areas) else pd.Series([], dtype=int)
    rows = []
    for lvl in reversed(LEVELS):
        m = (ranks == lvl.rank).to_numpy()
        a, p = float(area[m].sum()), float(pop[m].sum())
        ns = int((src_rank == lvl.rank).sum())
        na = int((area_rank == lvl.rank).sum())
        rows.append(
            f'<tr><td class="lvl"{_level_style(lvl.zh)}>{_e(lvl.name(lang))}</td>'
            f'<td class="num">{int(m.sum()):,}</td><td class="num">{a:,.2f}</td>'
            f'<td class="num">{_pct(a, tot_a)}</td><td class="num">{p:,.0f}</td>'
            f'<td class="num">{_pct(p, tot_p)}</td><td class="num">{ns:,}</td>'
            f'<td class="num">{na:,}</td></tr>'
        )
    rows.append(
        f"<tr><th>{_e(_t('total', lang))}</th><td class='num'>{len(cells):,}</td>"
        f"<td class='num'>{float(area.sum()):,.2f}</td><td class='num'>100%</td>"
        f"<td class='num'>{float(pop.sum()):,.0f}</td><td class='num'>100%</td>"
        f"<td class='num'>{len(inv.sources):,}</td><td class='num'>{len(inv.areas):,}</td></tr>"
    )
    head = "".join(
        f"<th>{_e(_t(k, lang))}</th>"
        for k in (
            "level",
            "cells",
            "area",
            "area_share",
            "population",
            "pop_share",
            "n_sources",
            "n_areas",
        )
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _scorecard_html(indicators: pd.DataFrame, lang: str) -> str:
    df = indicators
    if "scope" in df.columns:
        df = df[df["scope"].astype(str) == "city"]
    name_col = next(
        (c for c in (f"name_{lang}", "indicator", "name", "id") if c in df.columns), None
    )
    # riskmap.products.indicators writes the evidence in English (evidence) and Chinese (evidence_zh).
    ev_col = next(
        (c for c in (("evidence",) if lang == "en" else ("evidence_zh", "evidence")) if c in df.columns), None
    )
    rows = []
    for _, r in df.iterrows():
        name = r[name_col] if name_col else ""
        unit = r["unit"] if "unit" in df.columns and pd.notna(r["unit"]) else ""
        value = _num(r.get("value"))
        target = _num(r.get("target"))
        if target and "comparison" in df.columns and pd.notna(r.get("comparison")):
            target = f"{r['comparison']} {target}"
        passed = r.get("passed")
        if passed is None or (isinstance(passed, float) and np.isnan(passed)):
            verdict = f"<td>{_e(_t('na', lang))}</td>"
        elif bool(passed):
            verdict = f'<td class="ok">✓ {_e(_t("yes", lang))}</td>'
        else:
            verdict = f'<td class="bad">✗ {_e(_t("no", lang))}</td>'
        evidence = f"<td>{_e(r[ev_col])}</td>" if ev_col else ""
        std = f"<td>{_e(r['standard'])}</td>" if "standard" in df.columns else ""
        rows.append(
            f"<tr><td>{_e(name)}</td><td class='num'>{_e(value)} {_e(unit)}</td>"
            f"<td class='num'>{_e(target)}</td>{verdict}{evidence}{std}</tr>"
        )
    ev_head = f"<th>{_e(_t('evidence', lang))}</th>" if ev_col else ""
    std_head = f"<th>{_e(_t('standard', lang))}</th>" if "standard" in df.columns else ""
    head = "".join(
        f"<th>{_e(_t(k, lang))}</th>" for k in ("indicator", "value", "target", "passed")
    )
    return (f"<table><thead><tr>{head}{ev_head}{std_head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def build_report(
    assessment: Assessment,
    options: ReportOptions | None = None,
    *,
    inventory: Inventory | None = None,
    scorecard: Scorecard | None = None,
    register_summary: pd.DataFrame | None = None,
    map_png: bytes | None = None,
) -> str:
    """A self-contained, printable HTML report of an assessment.

    Parameters
    ----------
    assessment
        From :meth:`riskmap.Study.score`.
    options
        Language, table lengths, sections; :class:`~riskmap.config.ReportOptions`
        defaults when None.
    inventory
        The assessment's risk inventory; built when None.
    scorecard
        The assessment's safe-city scorecard; computed when None and
        ``options.indicators`` is true.
    register_summary
        The register's district summary for the scorecard's hidden-hazard indicators
        (used when the scorecard is computed here).
    map_png
        A ready map image; drawn when None.

    Returns
    -------
    str
        The HTML page: A4 print styles, no outside references, images as ``data:`` URIs.
    """
    from riskmap.products.indicators import compute_indicators
    from riskmap.products.inventory import build_inventory

    o = options or ReportOptions()
    inv = inventory if inventory is not None else build_inventory(assessment)
    table = None
    if o.indicators:
        card = scorecard if scorecard is not None else compute_indicators(assessment, register_summary=register_summary)
        table = card.table
    return report_from_cells(
        assessment.data,
        assessment.cells,
        inv,
        o.lang,
        table,
        top_n=o.top_n,
        today=o.today,
        map_png=map_png,
        zoom=o.zoom,
    )


def report_from_cells(
    data: ProjectData,
    assessment_cells: gpd.GeoDataFrame,
    inventory: Inventory,
    lang: str = "zh",
    indicators: pd.DataFrame | None = None,
    *,
    top_n: int = 20,
    today: date | None = None,
    map_png: bytes | None = None,
    zoom: bool = True,
) -> str:
    """The report of cells that may not come from an :class:`Assessment`;
    :func:`build_report` funnels into it.

    Parameters
    ----------
    data
        The loaded project.
    assessment_cells
        ``Assessment.cells`` (working CRS).
    inventory
        The risk inventory of the same assessment (:func:`riskmap.products.inventory.build_inventory`).
    lang
        ``zh`` (default) or ``en``.
    indicators
        The safe-city scorecard table (columns ``indicator`` or ``name_zh``/``name_en``,
        ``value``, ``target``, ``passed``; optional ``unit``, ``comparison``, ``standard``,
        ``evidence`` / ``evidence_zh`` (shown in ``lang``), ``scope`` — only ``city`` rows are
        shown); the section is left out when None.
    top_n
        Rows of the top sources and areas tables.
    today
        The report's date (today by default).
    map_png
        A ready map image; drawn with :func:`render_map_png` when None.
    zoom
        Add a second map zoomed to the red and orange cells (:func:`focus_extent`).

    Returns
    -------
    str
        The HTML page: A4 print styles, no outside references, images as ``data:`` URIs.
    """
    cells = assessment_cells
    p = data.project
    day = (today or date.today()).isoformat()
    if lang == "en":
        title = f"{p.title.en}: {_t('title', lang)}"
    else:
        title = f"{p.title.zh}{_t('title', lang)}"
    png = map_png if map_png is not None else render_map_png(data, cells, lang)
    img = "data:image/png;base64," + base64.b64encode(png).decode("ascii")

    parts: list[str] = [f"<h1>{_e(title)}</h1>"]
    parts.append(
        f'<div class="meta">{_e(_t("generated", lang))}: {_e(day)} · {_e(_t("version", lang))}: '
        f"{_e(__version__)} · {_e(_t('grid', lang))}: {_e(_grid_text(p, inventory, len(cells), lang))}"
        f" · {_e(p.name)} ({_e(p.adcode)})</div>"
    )
    parts.append(_cards_html(cells, lang))
    no_cjk = "" if find_cjk_font() else f'<p class="note">{_e(_t("no_cjk", lang))}</p>'
    parts.append(
        f'<h2>{_e(_t("map", lang))}</h2><div class="figure">'
        f'<img alt="{_e(_t("map", lang))}" src="{img}">{no_cjk}</div>'
    )
    focus = focus_extent(cells) if zoom else None
    if focus is not None:
        zpng = render_map_png(data, cells, lang, extent=focus)
        zimg = "data:image/png;base64," + base64.b64encode(zpng).decode("ascii")
        parts.append(
            f'<section class="page"><h2>{_e(_t("zoom", lang))}</h2>'
            f'<p class="note">{_e(_t("zoom_note", lang))}</p><div class="figure">'
            f'<img alt="{_e(_t("zoom", lang))}" src="{zimg}"></div></section>'
        )

    # Summary, districts, accidents
    parts.append(f'<section class="page"><h2>{_e(_t("summary", lang))}</h2>')
    parts.append(_summary_html(cells, inventory, lang))
    parts.append(f"<h2>{_e(_t('districts', lang))}</h2>")
    d = view_table(inventory.districts, lang)
    dcols = [
        "rank",
        "district",
        "area_km2_major",
        "area_km2_significant",
        "area_km2_general",
        "area_km2_low",
        "population_major",
        "population_significant",
        "sources_major",
        "sources_significant",
        "sources",
    ]
    fmts = {c: "{:,.2f}" for c in dcols if c.startswith("area_km2")}
    parts.append(
        _html_table(
            d,
            dcols,
            lang,
            numeric=[c for c in dcols if c != "district"],
            formats=fmts,
            nowrap=["district"],
        )
    )
    acc = inventory.accidents_quarter
    if len(acc):
        latest = acc["period"].iloc[0]
        parts.append(f"<h2>{_e(_t('accidents', lang))}</h2>")
        parts.append(f'<p class="note">{_e(_t("latest_quarter", lang).format(p=latest))}</p>')
        parts.append(
            _html_table(
                acc[acc["period"] == latest],
                ["rank", "district", "accidents", "deaths", "injuries", "direct_loss"],
                lang,
                numeric=["rank", "accidents", "deaths", "injuries", "direct_loss"],
                formats={"direct_loss": "{:,.1f}"},
                nowrap=["district"],
            )
        )
    parts.append("</section>")

    # Top sources and areas
    parts.append(f'<section class="page"><h2>{_e(_t("sources", lang))}</h2>')
    s = view_table(inventory.sources, lang)
    if len(s):
        k = min(top_n, len(s))
        parts.append(f'<p class="note">{_e(_t("of_total", lang).format(n=len(s), k=k))}</p>')
        parts.append(
            _html_table(
                s.head(top_n),
                [
                    "number",
                    "name",
                    "kind",
                    "district",
                    "level",
                    "accident_types",
                    "department",
                    "responsible_person",
                ],
                lang,
                code=["number"],
                nowrap=["district", "responsible_person"],
            )
        )
    else:
        parts.append(f"<p>{_e(_t('none', lang))}</p>")
    parts.append(f"<h2>{_e(_t('areas', lang))}</h2>")
    a = view_table(inventory.areas, lang)
    a = a.assign(measures=a["measures"].map(lambda m: _shorten(m, 220 if lang == "en" else 90)))
    if len(a):
        k = min(top_n, len(a))
        parts.append(f'<p class="note">{_e(_t("of_total", lang).format(n=len(a), k=k))}</p>')
        parts.append(
            _html_table(
                a.head(top_n),
                [
                    "number",
                    "district",
                    "level",
                    "area_km2",
                    "population",
                    "dominant_factor_name",
                    "measures",
                ],
                lang,
                numeric=["area_km2", "population"],
                code=["number"],
                formats={"area_km2": "{:,.2f}"},
                nowrap=["district", "dominant_factor_name"],
            )
        )
    else:
        parts.append(f"<p>{_e(_t('none', lang))}</p>")
    parts.append("</section>")

    # Scorecard, method, parameters, inputs
    parts.append('<section class="page">')
    if indicators is not None:
        parts.append(f"<h2>{_e(_t('scorecard', lang))}</h2>")
        parts.append(_scorecard_html(indicators, lang))
    parts.append(f"<h2>{_e(_t('method', lang))}</h2>")
    parts.append(f"<p>{_e(_t('method_text', lang))}</p>")
    raw = inventory.parameters
    params = view_table(raw[raw["section_en"] != "input sha256"], lang)
    half = (len(params) + 1) // 2
    parts.append(
        '<div class="two">'
        + _html_table(params.iloc[:half], ["parameter", "value"], lang, small=True)
        + _html_table(params.iloc[half:], ["parameter", "value"], lang, small=True)
        + "</div>"
    )
    parts.append(f"<h2>{_e(_t('inputs', lang))}</h2>")
    files = pd.DataFrame(sorted(data.file_hashes.items()), columns=["file", "sha256"])
    parts.append(
        _html_table(
            files,
            ["file", "sha256"],
            lang,
            code=["sha256"],
            small=True,
            labels={"file": _t("file", lang), "sha256": _t("sha256", lang)},
        )
    )
    if data.unavailable:
        items = "".join(f"<li>{_e(k)}: {_e(v)}</li>" for k, v in data.unavailable.items())
        parts.append(f"<p>{_e(_t('unavailable', lang))}:</p><ul>{items}</ul>")
    rep = data.report
    checks = _t("problems", lang).format(e=len(rep.errors), w=len(rep.warnings))
    parts.append(f'<p class="note">{_e(checks)}</p></section>')
    parts.append(
        f"<footer>riskmap {_e(__version__)} · {_e(day)} · {_e(p.title.get(lang))}</footer>"
    )

    body = "\n".join(parts)
    return (
        f'<!DOCTYPE html>\n<html lang="{"en" if lang == "en" else "zh-CN"}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>\n{body}\n</body></html>\n"
    )


def write_report(html_text: str, path: str | Path) -> Path:
    """Write the report's HTML (UTF-8) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html_text, encoding="utf-8")
    return path


def write_pdf(html_path: str | Path, pdf_path: str | Path, *, timeout: float = 180.0) -> Path:
    """Print an HTML report to PDF (A4) with headless Chromium.

    Raises
    ------
    RiskmapError
        When no ``chromium`` (or ``chromium-browser``/``google-chrome``) is installed, or
        printing fails.
    """
    exe = next(
        (
            shutil.which(n)
            for n in ("chromium", "chromium-browser", "google-chrome")
            if shutil.which(n)
        ),
        None,
    )
    if exe is None:
        raise RiskmapError(
            "printing to PDF needs Chromium: install the 'chromium' package, or print the HTML from a browser"
        )
    html_path = Path(html_path).resolve()
    pdf_path = Path(pdf_path).resolve()
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        cmd = [
            exe,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf_path}",
            html_path.as_uri(),
        ]
        try:
            result = subprocess.run(
                cmd, capture_output=True, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            raise RiskmapError(
                f"Chromium did not finish printing {html_path.name} in {timeout:.0f} s"
            ) from None
    if result.returncode != 0 or not pdf_path.exists() or pdf_path.stat().st_size == 0:
        raise RiskmapError(
            f"Chromium could not print {html_path.name}: {result.stderr.strip()[-500:]}"
        )
    return pdf_path
