"""The legend: the level rule in force and its thresholds, counts per level, colour ramps."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np

from riskmap.config.levels import LEVELS
from riskmap.config.vocabulary import VIEW_COLUMNS
from riskmap.maps.lookup import CellIndex
from riskmap.maps.risk_layers import _palette
from riskmap.maps.text import (
    _CMAPS,
    _IMAGE_STEPS,
    CHANGE_COLORS,
    HOTSPOT_COLORS,
    _e,
    _js,
    _t,
    view_range,
)


def _score_ranges(t: Any) -> dict[int, str]:
    """Score ranges of the four levels from three score thresholds (a value above a
    threshold goes up)."""
    return {
        1: f"≤ {t[0]:.1f}",
        2: f"{t[0]:.1f}–{t[1]:.1f}",
        3: f"{t[1]:.1f}–{t[2]:.1f}",
        4: f"> {t[2]:.1f}",
    }


def _level_thresholds(
    levels_cfg: Any, lang: str, thresholds: Any = None
) -> tuple[dict[int, str], str]:
    """Each level's threshold text and the rule's name: the rule in force (the session's
    when given), with the score thresholds the data gave for quantiles and natural breaks."""
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
        if thresholds is not None and len(thresholds) == 3:
            thr = {k: f"{v} · {_score_ranges(thresholds)[k]}" for k, v in thr.items()}
        return thr, _t("method_quantiles", lang)
    if rule == "natural_breaks":
        ranges = (
            _score_ranges(thresholds) if thresholds is not None and len(thresholds) == 3 else {}
        )
        return ranges, _t("method_natural_breaks", lang)
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
    analysis_cfg: Any = None,
    thresholds: Any = None,
) -> str:
    grid_text = (
        f"{_t('grid', lang)} {cell_size:,.0f} m · {len(cells):,} {_t('cells', lang)}"
        if index.cell_size is not None
        else f"{len(cells):,} {_t('cells', lang)}"
    )
    if view == "level":
        thr, method = _level_thresholds(levels_cfg, lang, thresholds)
        counts = _by_class(cells, "level")
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
            f'<div class="rm-method">{_e(method)}<span class="rm-grid"><br>{_e(grid_text)}</span></div></div>'
        )
    if view == "hotspot":
        return _hotspot_legend(cells, lang, analysis_cfg, grid_text)
    if view == "change":
        return _change_legend(cells, lang, grid_text)
    vmin, vmax = view_range(cells[VIEW_COLUMNS.get(view, view)], view)
    pal = _palette(_CMAPS[view], _IMAGE_STEPS)
    stops = ",".join(
        "#{:02x}{:02x}{:02x}".format(*(np.round(pal[i] * 255).astype(int)))
        for i in np.linspace(0, _IMAGE_STEPS - 1, 9).round().astype(int)
    )
    if view == "confidence":
        ticks = "".join(f"<span>{v:.0%}</span>" for v in np.linspace(vmin, vmax, 5))
        conf = getattr(analysis_cfg, "confidence", None)
        method = _t("method_confidence", lang).format(
            draws=getattr(conf, "draws", 200), spread=f"{getattr(conf, 'weight_spread', 0.25):.0%}"
        )
        unstable = legend_counts(cells, "confidence")[0]
        extra = (
            '<div class="rm-unstable" style="margin-top:4px">'
            f'<span class="rm-n" style="padding-left:0">{unstable:,} '
            f"{_e(_t('unstable_cells', lang))}</span></div>"
        )
    else:
        extra = ""
        ticks = "".join(f"<span>{v:g}</span>" for v in np.linspace(vmin, vmax, 5))
        method = _t("method_" + view, lang)
    return (
        f'<div class="rm-legend" data-view="{view}"><h4>{_e(_t(view, lang))}</h4>'
        f'<div class="rm-bar" style="background:linear-gradient(to right,{stops})"></div>'
        f'<div class="rm-ticks">{ticks}</div>{extra}'
        f'<div class="rm-method">{_e(method)}<span class="rm-grid"><br>{_e(grid_text)}</span></div></div>'
    )


LEGEND_CLASSES: dict[str, tuple[str, tuple[int, ...]]] = {
    "level": ("level_rank", (4, 3, 2, 1)),
    "hotspot": ("hotspot", (3, 2, 1, 0, -1, -2, -3)),
    "change": ("change", (3, 2, 1, 0, -1, -2, -3)),
}
"""The views whose legend counts cells per class: the column and the classes, in the
legend's order (highest first)."""


def legend_counts(cells: Any, view: str, adcode: str | None = None) -> list[int]:
    """The cell counts a view's legend shows, in its order: per level (重大 first), per
    hot-spot or change class (highest first), the unstable cells of the confidence view;
    empty for a view that counts nothing (a colour ramp).

    Parameters
    ----------
    cells
        Assessed cells (analysed for ``hotspot`` and ``confidence``).
    view
        The map's view.
    adcode
        Count only the cells of this district (their ``adcode``); None or "": every cell.
    """
    if adcode:
        cells = cells[(cells["adcode"].astype(str) == str(adcode)).to_numpy()]
    if view == "confidence":
        return [int(cells["unstable"].sum()) if "unstable" in cells.columns else 0]
    if view not in LEGEND_CLASSES or LEGEND_CLASSES[view][0] not in cells.columns:
        return []
    column, classes = LEGEND_CLASSES[view]
    counts = cells[column].astype(int).value_counts()
    return [int(counts.get(c, 0)) for c in classes]


def _by_class(cells: Any, view: str) -> dict[int, int]:
    """Class -> cell count of a view's legend (:func:`legend_counts`, keyed by class)."""
    return dict(zip(LEGEND_CLASSES[view][1], legend_counts(cells, view), strict=True))


def _class_legend(
    view: str,
    counts: Any,
    labels: dict[int, str],
    colors: dict[int, str],
    *,
    lang: str,
    method: str,
) -> str:
    """A legend of classes -3 ... 3 (highest first): swatch (clear when the class has no
    colour), label and cell count, then the method."""
    rows = []
    for b in (3, 2, 1, 0, -1, -2, -3):
        color = colors.get(b)
        swatch = f"background:{color}" if color else "background:transparent;border:1px solid #999"
        rows.append(
            f'<div class="rm-row"><span class="rm-sw" style="{swatch}"></span>'
            f'<span class="rm-name">{_e(labels[b])}</span>'
            f'<span class="rm-n">{int(counts.get(b, 0)):,} {_e(_t("cells", lang))}</span></div>'
        )
    return (
        f'<div class="rm-legend" data-view="{view}"><h4>{_e(_t(view, lang))}</h4>'
        f'{"".join(rows)}<div class="rm-method">{method}</div></div>'
    )


def _step_label(b: int, lang: str) -> str:
    if b == 0:
        return "Same level" if lang == "en" else "等级不变"
    if lang == "en":
        return f"{'Up' if b > 0 else 'Down'} {abs(b)} level{'s' if abs(b) > 1 else ''}"
    return f"{'上升' if b > 0 else '下降'} {abs(b)} 级"


def _change_legend(cells: gpd.GeoDataFrame, lang: str, grid_text: str) -> str:
    counts = _by_class(cells, "change")
    labels = {b: _step_label(b, lang) for b in range(-3, 4)}
    return _class_legend("change", counts, labels, CHANGE_COLORS, lang=lang, method=_e(grid_text))


def _hotspot_legend(cells: gpd.GeoDataFrame, lang: str, analysis_cfg: Any, grid_text: str) -> str:
    from riskmap.analysis.hotspots import HOTSPOT_LABELS

    counts = _by_class(cells, "hotspot")
    labels = {b: en if lang == "en" else zh for b, (zh, en) in HOTSPOT_LABELS.items()}
    perm = getattr(getattr(analysis_cfg, "hotspots", None), "permutations", 999)
    method = _t("method_hotspot", lang).format(perm=f"{perm:,}")
    return _class_legend(
        "hotspot",
        counts,
        labels,
        HOTSPOT_COLORS,
        lang=lang,
        method=f'{_e(method)}<span class="rm-grid"><br>{_e(grid_text)}</span>',
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
