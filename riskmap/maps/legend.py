"""The legend: the level rule in force and its thresholds, counts per level, colour ramps."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np

from riskmap.config.levels import LEVELS
from riskmap.maps.lookup import CellIndex
from riskmap.maps.risk_layers import _palette
from riskmap.maps.text import _CMAPS, _IMAGE_STEPS, _RANGES, _e, _js, _t


def _level_thresholds(levels_cfg: Any, lang: str) -> tuple[dict[int, str], str]:
    rule = getattr(levels_cfg, "rule", "matrix")
    if rule == "breaks":
        b = levels_cfg.score_breaks
        thr = {1: f"< {b[0]:g}", 2: f"{b[0]:g}–{b[1]:g}", 3: f"{b[1]:g}–{b[2]:g}", 4: f"≥ {b[2]:g}"}
        return thr, _t("method_breaks", lang)
    if rule == "quantiles":
        q = [round(100 * v) for v in levels_cfg.quantiles]
        if lang == "en":
            thr = {
                1: f"lowest {q[0]}%",
                2: f"{q[0]}–{q[1]}%",
                3: f"{q[1]}–{q[2]}%",
                4: f"top {100 - q[2]}%",
            }
        else:
            thr = {
                1: f"最低 {q[0]}%",
                2: f"{q[0]}–{q[1]}%",
                3: f"{q[1]}–{q[2]}%",
                4: f"最高 {100 - q[2]}%",
            }
        return thr, _t("method_quantiles", lang)
    if rule == "natural_breaks":
        return {}, _t("method_natural_breaks", lang)
    return {lv.rank: f"R {lv.matrix_min}–{lv.matrix_max}" for lv in LEVELS}, _t(
        "method_matrix", lang
    )


def _legend_html(
    cells: gpd.GeoDataFrame,
    view: str,
    lang: str,
    levels_cfg: Any,
    *,
    cell_size: float,
    index: CellIndex,
) -> str:
    grid_text = (
        f"{_t('grid', lang)} {cell_size:,.0f} m · {len(cells):,} {_t('cells', lang)}"
        if index.cell_size is not None
        else f"{len(cells):,} {_t('cells', lang)}"
    )
    if view == "level":
        thr, method = _level_thresholds(levels_cfg, lang)
        counts = cells["level_rank"].value_counts()
        rows = []
        for lv in reversed(LEVELS):
            label = (
                f"{lv.zh}（{lv.color_name_zh}）"
                if lang != "en"
                else f"{lv.en} ({lv.color_name_en})"
            )
            rows.append(
                f'<div class="rm-row"><span class="rm-sw" style="background:{lv.color}"></span>'
                f'<span class="rm-name">{_e(label)}</span>'
                f'<span class="rm-thr">{_e(thr.get(lv.rank, ""))}</span>'
                f'<span class="rm-n">{int(counts.get(lv.rank, 0)):,} {_e(_t("cells", lang))}</span></div>'
            )
        return (
            f'<div class="rm-legend" data-view="level"><h4>{_e(_t("level", lang))}</h4>{"".join(rows)}'
            f'<div class="rm-method">{_e(method)}<br>{_e(grid_text)}</div></div>'
        )
    vmin, vmax = _RANGES[view]
    pal = _palette(_CMAPS[view], _IMAGE_STEPS)
    stops = ",".join(
        "#{:02x}{:02x}{:02x}".format(*(np.round(pal[i] * 255).astype(int)))
        for i in np.linspace(0, _IMAGE_STEPS - 1, 9).round().astype(int)
    )
    ticks = "".join(f"<span>{v:g}</span>" for v in np.linspace(vmin, vmax, 5))
    return (
        f'<div class="rm-legend" data-view="{view}"><h4>{_e(_t(view, lang))}</h4>'
        f'<div class="rm-bar" style="background:linear-gradient(to right,{stops})"></div>'
        f'<div class="rm-ticks">{ticks}</div>'
        f'<div class="rm-method">{_e(_t("method_" + view, lang))}<br>{_e(grid_text)}</div></div>'
    )


def _control_js(html_text: str, position: str) -> str:
    return f"""
var c = L.control({{position: {_js(position)}}});
c.onAdd = function() {{
  var div = L.DomUtil.create('div');
  div.innerHTML = {_js(html_text)};
  L.DomEvent.disableClickPropagation(div);
  L.DomEvent.disableScrollPropagation(div);
  return div.firstChild;
}};
c.addTo(map);
"""
