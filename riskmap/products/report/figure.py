"""The report's map image: the four-colour cells (or the score or a component on a colour
ramp), districts and boundary drawn with matplotlib (a CJK font from the system), every
district named, scale bar and north arrow.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from riskmap.config.levels import LEVELS
from riskmap.io import ProjectData
from riskmap.products.report.text import _t

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

RAMP_VIEWS: dict[str, str] = {
    "score": "YlOrRd",
    "hazard": "Reds",
    "exposure": "Purples",
    "vulnerability": "RdPu",
    "coping_gap": "YlOrBr",
}
"""Views drawn on a colour ramp, with their matplotlib colour maps (the interactive map's)."""


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
    view: str = "level",
    district: str | None = None,
    title: str | None = None,
    marks: Sequence[Mapping[str, Any]] = (),
) -> bytes:
    """The risk map as a PNG, drawn offline (no tiles, no network).

    The level view dissolves cells by level and fills them with the level colours; the
    score and component views (:data:`RAMP_VIEWS`) colour cells on the map's ramp with a
    colour bar. District boundaries and every district's name (small districts get a
    smaller name, moved aside with a leader line when it would overlap another), the city
    boundary, a legend, a scale bar and a north arrow are drawn on top. Chinese names
    need a CJK font (:data:`CJK_FONTS`); without one, districts are labelled by their
    adcode and the legend is in English, so no glyph goes missing.

    Parameters
    ----------
    data
        The project (boundary and districts in the working CRS).
    cells
        Assessed cells with ``level_rank`` (and the view's column) in the working CRS.
    lang
        ``zh`` or ``en``.
    width_in, dpi
        Size of the image.
    extent
        ``(minx, miny, maxx, maxy)`` in the working CRS to zoom to; the district's bounds
        (padded) when ``district`` is given, else the boundary's bounds. Only cells and
        districts in view are drawn.
    view
        ``level`` or one of :data:`RAMP_VIEWS`; any other view is drawn as ``level``.
    district
        Adcode of a district: the map is zoomed to it, it is outlined, and the cells
        around it are drawn paler.
    title
        Drawn above the map when given (see :func:`map_title`).
    marks
        Point overlays drawn over the cells with the interactive map's symbols, and a
        legend row of them: each a mapping of ``label``, ``x`` and ``y`` (working CRS)
        and the map's symbol ``s``, ``f``, ``k``, ``w``, ``m``, ``z``
        (:func:`riskmap.maps.overlay_marks`). Only points in view are drawn; with a
        ``district``, those outside it paler.
    """
    from matplotlib import colormaps
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import Normalize
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    font = find_cjk_font()
    text_lang = lang if (lang == "en" or font) else "en"
    family = [font, "DejaVu Sans"] if font else ["DejaVu Sans"]
    if view not in RAMP_VIEWS or view not in cells.columns:
        view = "level"

    shape = district_shape(data, district)
    if extent is None and shape is not None:
        extent = _padded(shapely.bounds(shape), 0.04)
    minx, miny, maxx, maxy = extent if extent is not None else shapely.bounds(data.boundary)
    view_box = shapely.box(minx, miny, maxx, maxy)
    if extent is not None:
        cells = cells.iloc[shapely.intersects(cells.geometry.to_numpy(), view_box)]
    aspect = (maxy - miny) / max(maxx - minx, 1.0)
    map_h = width_in * min(max(aspect, 0.4), 1.6)
    legend_h = 0.42 if view == "level" else 0.62
    marks = [mk for mk in marks if len(mk["x"])]
    marks_h = 0.2 * math.ceil(len(marks) / _MARKS_PER_ROW) if marks else 0.0
    legend_h += marks_h
    title_h = 0.38 if title else 0.0
    total_h = map_h + legend_h + title_h
    fig = Figure(figsize=(width_in, total_h), dpi=dpi)
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_axes((0.01, legend_h / total_h, 0.98, map_h / total_h - 0.01))
    ax.set_axis_off()
    ax.set_aspect("equal")
    if title:
        fig.text(
            0.5,
            1 - 0.5 * title_h / total_h,
            title,
            ha="center",
            va="center",
            fontsize=11,
            fontweight="bold",
            family=family,
        )

    inside = np.ones(len(cells), dtype=bool)
    if shape is not None and "adcode" in cells.columns:
        inside = (cells["adcode"].astype(str) == str(district)).to_numpy()
    geoms = cells.geometry.to_numpy()
    handles: list[Any] = []
    if view == "level":
        ranks = pd.to_numeric(cells["level_rank"], errors="coerce").fillna(1).astype(int).to_numpy()
        for lvl in LEVELS:
            mask = ranks == lvl.rank
            for part, alpha in ((inside, 1.0), (~inside, 0.35)):
                m = mask & part
                if m.any():
                    # The highest level gets a dark outline so that a few red cells stay visible.
                    edge = ("#67000d", 0.6) if lvl.rank == 4 and alpha == 1.0 else ("none", 0)
                    gpd.GeoSeries([_dissolve(geoms[m])]).plot(
                        ax=ax, color=lvl.color, edgecolor=edge[0], linewidth=edge[1], alpha=alpha
                    )
            area = float(pd.to_numeric(cells.loc[mask & inside, "area_m2"], errors="coerce").sum())
            label = (
                lvl.name(text_lang)
                if extent is not None and shape is None
                else f"{lvl.name(text_lang)}  {area / 1e6:,.0f} km²"
            )
            handles.append(
                Patch(facecolor=lvl.color, edgecolor="#444444", linewidth=0.4, label=label)
            )
        handles.reverse()  # highest level first
    else:
        values = pd.to_numeric(cells[view], errors="coerce").to_numpy(dtype=float)
        vmin, vmax = ramp_range(values, view)
        cmap = colormaps[RAMP_VIEWS[view]]
        steps = 20
        k = np.clip(np.floor((values - vmin) / (vmax - vmin) * steps), 0, steps - 1)
        for b in range(steps):
            color = cmap(0.12 + 0.88 * (b + 0.5) / steps)
            for part, alpha in ((inside, 1.0), (~inside, 0.35)):
                m = (k == b) & part
                if m.any():
                    gpd.GeoSeries([_dissolve(geoms[m])]).plot(
                        ax=ax, color=color, edgecolor="none", linewidth=0, alpha=alpha
                    )
        from matplotlib.cm import ScalarMappable
        from matplotlib.colors import LinearSegmentedColormap

        shown = LinearSegmentedColormap.from_list(
            "shown", [cmap(0.12 + 0.88 * i / 255) for i in range(256)]
        )
        rest_h = legend_h - marks_h
        cax = fig.add_axes((0.3, 0.3 * rest_h / total_h, 0.4, 0.12 * rest_h / total_h))
        bar = fig.colorbar(
            ScalarMappable(norm=Normalize(vmin, vmax), cmap=shown),
            cax=cax,
            orientation="horizontal",
        )
        bar.ax.tick_params(labelsize=7)
        bar.set_label(view_name(view, text_lang), fontsize=7.5, family=family)

    if not data.districts.empty:
        data.districts.boundary.plot(ax=ax, color="#333333", linewidth=0.5)
    gpd.GeoSeries([data.boundary]).boundary.plot(ax=ax, color="#000000", linewidth=1.1)
    if shape is not None:
        gpd.GeoSeries([shape]).boundary.plot(ax=ax, color="#1f3a93", linewidth=2.0)
    handles.append(_line_handle("#000000", 1.1, _t("boundary", text_lang)))
    handles.append(_line_handle("#333333", 0.5, _t("district_line", text_lang)))
    if shape is not None:
        handles.append(_line_handle("#1f3a93", 2.0, _t("district_chosen", text_lang)))

    ax.set_xlim(minx, maxx)
    ax.set_ylim(miny, maxy)
    if marks:
        mark_handles = _draw_marks(ax, marks, (minx, miny, maxx, maxy), shape)
        fig.legend(
            handles=mark_handles,
            loc="upper center",
            bbox_to_anchor=(0.5, (legend_h - 0.02) / total_h),
            ncol=min(len(mark_handles), _MARKS_PER_ROW),
            frameon=False,
            handlelength=1.2,
            columnspacing=1.2,
            prop={"family": family, "size": 7},
        )
    rest = (legend_h - marks_h) / total_h  # the legend of the cells and lines, below

    fig.legend(
        handles=handles,
        loc="lower center",
        bbox_to_anchor=(0.5, 0.0 if view == "level" else 0.62 * rest),
        ncol=len(handles),
        frameon=False,
        handlelength=1.6,
        columnspacing=1.4,
        prop={"family": family, "size": 7.5},
    )
    marks = [
        *_scale_bar(ax, (minx, miny, maxx, maxy), _t("scale", text_lang), family),
        _north_arrow(ax, family),
    ]
    if not data.districts.empty:
        _label_districts(
            ax,
            canvas,
            districts=data.districts,
            view_box=view_box,
            family=family,
            names=_district_labels(data.districts, font, text_lang),
            avoid=marks,
        )

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
    return buf.getvalue()


_MARKS_PER_ROW = 4
"""Overlay symbols per row of the PNG's overlay legend."""

_MARKERS = {
    "circle": "o",
    "square": "s",
    "diamond": "D",
    "tri": "^",
    "tridown": "v",
    "hex": "h",
    "star": "*",
}
"""matplotlib's markers for the interactive map's symbol shapes."""


def _draw_marks(
    ax: Any,
    marks: Sequence[Mapping[str, Any]],
    bounds: tuple[float, float, float, float],
    district: Any,
) -> list[Any]:
    """Draw point overlays (:func:`render_map_png`'s ``marks``) as the interactive map
    does: its shape, fill and border with a white halo, and its mark (a white cross, a dot
    in the border colour, a white "!"); the legend's handles."""
    from matplotlib import patheffects
    from matplotlib.lines import Line2D

    minx, miny, maxx, maxy = bounds
    xs = [np.asarray(mk["x"], dtype=float) for mk in marks]
    ys = [np.asarray(mk["y"], dtype=float) for mk in marks]
    seen = [
        (x >= minx) & (x <= maxx) & (y >= miny) & (y <= maxy) for x, y in zip(xs, ys, strict=True)
    ]
    # Symbols shrink in a crowded view (a city's 2,000 stations): together they cover at
    # most a twentieth of the map, so that the cells stay readable under them.
    box = ax.get_position()
    fig_w, fig_h = ax.figure.get_size_inches()
    room = (box.width * fig_w * 72) * (box.height * fig_h * 72)  # the map's area in pt²
    base = [1.35 * float(mk.get("z") or 5) for mk in marks]  # the map's radius in px, in pt
    cover = sum(int(s.sum()) * b * b for s, b in zip(seen, base, strict=True))
    shrink = float(np.clip(np.sqrt(0.05 * room / cover), 0.35, 1.0)) if cover else 1.0
    handles: list[Any] = [None] * len(marks)
    # The most numerous overlay first, under the few (fire stations stay on top).
    for i in sorted(range(len(marks)), key=lambda j: -int(seen[j].sum())):
        mk, x, y = marks[i], xs[i], ys[i]
        marker = _MARKERS.get(str(mk.get("s") or "circle"), "o")
        size = base[i] * shrink
        edge = mk.get("k") or "#1a1a1a"
        width = 0.6 * float(mk.get("w") or 1) * max(shrink, 0.6)
        halo = [patheffects.withStroke(linewidth=width + 1.6 * shrink, foreground="white")]
        inside = np.ones(len(x), dtype=bool)
        if district is not None:
            inside = shapely.contains_xy(district, x, y)
        for part, alpha in ((seen[i] & inside, 1.0), (seen[i] & ~inside, 0.4)):
            if not part.any():
                continue
            ax.plot(x[part], y[part], linestyle="none", marker=marker, markersize=size,
                    markerfacecolor=mk["f"], markeredgecolor=edge, markeredgewidth=width,
                    alpha=alpha, path_effects=halo, zorder=4)  # fmt: skip
            _draw_mark_sign(ax, x[part], y[part], mk, size=size, edge=edge, alpha=alpha)
        handles[i] = Line2D(
            [0],
            [0],
            linestyle="none",
            marker=marker,
            markersize=6.5,
            markerfacecolor=mk["f"],
            markeredgecolor=edge,
            markeredgewidth=0.6 * float(mk.get("w") or 1),
            label=str(mk["label"]),
        )
    return handles


def _draw_mark_sign(
    ax: Any, x: Any, y: Any, mk: Mapping[str, Any], *, size: float, edge: str, alpha: float
) -> None:
    """The mark inside a symbol: a white cross, a dot in the border colour, a white "!"."""
    sign = mk.get("m")
    if sign == "cross":
        style = {"marker": "+", "markersize": 0.62 * size, "markeredgecolor": "white",
                 "markeredgewidth": max(0.8, 0.16 * size)}  # fmt: skip
    elif sign == "dot":
        style = {"marker": "o", "markersize": 0.34 * size, "markerfacecolor": edge,
                 "markeredgewidth": 0}  # fmt: skip
    elif sign == "!":
        style = {"marker": "$!$", "markersize": 0.5 * size, "markerfacecolor": "white",
                 "markeredgecolor": "white", "markeredgewidth": 0}  # fmt: skip
    else:
        return
    ax.plot(x, y, linestyle="none", alpha=alpha, zorder=4.5, **style)


def _padded(b: Any, pad: float, min_span_m: float = 0.0) -> tuple[float, float, float, float]:
    cx, cy = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2
    half_w = max((b[2] - b[0]) * (1 + pad), min_span_m) / 2
    half_h = max((b[3] - b[1]) * (1 + pad), min_span_m) / 2
    return (float(cx - half_w), float(cy - half_h), float(cx + half_w), float(cy + half_h))


def district_shape(data: ProjectData, district: str | None) -> Any:
    """The polygon of the district with adcode ``district`` (working CRS); None when no
    district is asked for or the project has no such district."""
    if not district or data.districts.empty:
        return None
    hit = data.districts[data.districts["adcode"].astype(str) == str(district)]
    return shapely.union_all(hit.geometry.to_numpy()) if len(hit) else None


def district_name(data: ProjectData, district: str | None, lang: str = "zh") -> str:
    """The name of a district (``name_en`` in English when the data have it), or ""."""
    if not district or data.districts.empty:
        return ""
    hit = data.districts[data.districts["adcode"].astype(str) == str(district)]
    if not len(hit):
        return ""
    row = hit.iloc[0]
    if lang == "en" and "name_en" in hit.columns and pd.notna(row["name_en"]) and row["name_en"]:
        return str(row["name_en"])
    return str(row.get("name", district))


def view_name(view: str, lang: str) -> str:
    """People's name of a map view (``level``, ``score`` or a component)."""
    from riskmap.config.catalogue import LABELS

    key = "view.level" if view == "level" else f"component.{view}"
    pair = LABELS.get(key)
    return (pair[1] if lang == "en" else pair[0]) if pair else view


def map_title(
    data: ProjectData, view: str = "level", lang: str = "zh", district: str | None = None
) -> str:
    """The map image's title: the project, the district (when one is chosen) and the view,
    e.g. ``武汉市 武昌区 · 风险值``."""
    if view not in RAMP_VIEWS:
        view = "level"
    p = data.project
    place = p.title.en if lang == "en" else p.title.zh
    name = district_name(data, district, lang)
    if name:
        place = f"{place}, {name}" if lang == "en" else f"{place}{name}"
    return f"{place} · {view_name(view, lang)}"


def ramp_range(values: Any, view: str) -> tuple[float, float]:
    """The colour ramp's range: 0-10 for a component; for the score 0 to a round number
    at or above its highest value (the interactive map's rule)."""
    if view != "score":
        return 0.0, 10.0
    arr = np.asarray(values, dtype=float)
    top = float(np.nanmax(arr)) if arr.size and np.isfinite(arr).any() else 0.0
    if top <= 0:
        return 0.0, 1.0
    step = 10 ** math.floor(math.log10(top))
    return 0.0, float(min(next(m * step for m in (1, 2, 2.5, 5, 10) if m * step >= top), 100.0))


def _label_districts(
    ax: Any,
    canvas: Any,
    *,
    districts: gpd.GeoDataFrame,
    view_box: Any,
    family: list[str],
    names: pd.Series,
    avoid: list[Any],
) -> None:
    """Name every district in view, none over another: at a point inside it when there
    is room, else moved aside (nearest free place) with a leader line."""
    from matplotlib import patheffects

    parts = shapely.intersection(districts.geometry.to_numpy(), view_box)
    areas = shapely.area(parts)
    shown = areas > 1e-6 * view_box.area
    if not shown.any():
        return
    halo = [patheffects.withStroke(linewidth=2.2, foreground="white")]
    ax.apply_aspect()
    renderer = canvas.get_renderer()
    ax_box = ax.get_window_extent(renderer)
    to_px = ax.transData
    placed: list[Any] = [a.get_window_extent(renderer) for a in avoid]
    order = np.argsort(areas)  # small districts first: they have the least room
    for i in order:
        if not shown[i]:
            continue
        part = parts[i]
        anchor = shapely.point_on_surface(part)
        ax_, ay_ = to_px.transform((shapely.get_x(anchor), shapely.get_y(anchor)))
        small = areas[i] < 0.03 * view_box.area
        size = 6.5 if small else 8
        text = ax.text(0, 0, names.iloc[i], ha="center", va="center", fontsize=size,
                       family=family, color="#111111", path_effects=halo, zorder=6)  # fmt: skip
        best = None
        for r in (0, 12, 22, 34, 48, 64, 84, 110):
            angles = (0,) if r == 0 else range(0, 360, 30)
            for deg in angles:
                px = ax_ + r * math.cos(math.radians(deg))
                py = ay_ + r * math.sin(math.radians(deg))
                text.set_position(to_px.inverted().transform((px, py)))
                bb = text.get_window_extent(renderer).expanded(1.08, 1.15)
                if not (
                    ax_box.x0 <= bb.x0
                    and bb.x1 <= ax_box.x1
                    and ax_box.y0 <= bb.y0
                    and bb.y1 <= ax_box.y1
                ):
                    continue
                if any(bb.overlaps(o) for o in placed):
                    continue
                best = (px, py, bb)
                break
            if best is not None:
                break
        if best is None:  # no free place: keep the anchor (rare; very crowded views)
            best = (ax_, ay_, text.get_window_extent(renderer))
        px, py, bb = best
        placed.append(bb)
        x, y = to_px.inverted().transform((px, py))
        text.set_position((x, y))
        if not shapely.contains_xy(part, x, y):
            ax.annotate(
                "",
                xy=(shapely.get_x(anchor), shapely.get_y(anchor)),
                xytext=(x, y),
                arrowprops={"arrowstyle": "-", "color": "#333333", "linewidth": 0.6,
                            "shrinkA": 4, "shrinkB": 0},
                zorder=5,
            )  # fmt: skip
            ax.plot(
                [shapely.get_x(anchor)],
                [shapely.get_y(anchor)],
                "o",
                ms=1.8,
                color="#333333",
                zorder=5,
            )


def focus_extent(
    cells: gpd.GeoDataFrame,
    *,
    min_rank: int = 3,
    min_span_m: float = 8000.0,
    pad: float = 0.1,
    window_m: float = 12000.0,
) -> tuple[float, float, float, float] | None:
    """Bounds of the densest cluster of cells at ``min_rank`` or above (较大 and 重大 by
    default), padded and at least ``min_span_m`` wide and high, for a close-up map; None
    when there are none.

    The cluster is the ``window_m`` square (on a grid of a third of it) holding the most
    such cells, 重大 counting twice; the close-up is the bounds of those cells in it.
    """
    ranks = pd.to_numeric(cells["level_rank"], errors="coerce").fillna(0).to_numpy()
    sel = ranks >= min_rank
    hot = cells.geometry.to_numpy()[sel]
    if len(hot) == 0:
        return None
    weight = (
        np.where(ranks[sel] >= 4, 2.0, 1.0)
        * pd.to_numeric(cells["area_m2"], errors="coerce").fillna(1.0).to_numpy()[sel]
        if "area_m2" in cells.columns
        else np.where(ranks[sel] >= 4, 2.0, 1.0)
    )
    centres = shapely.centroid(hot)
    x, y = shapely.get_x(centres), shapely.get_y(centres)
    step = window_m / 3
    ix = np.floor((x - x.min()) / step).astype(int)
    iy = np.floor((y - y.min()) / step).astype(int)
    grid = np.zeros((ix.max() + 3, iy.max() + 3))
    np.add.at(grid, (ix + 1, iy + 1), weight)
    window = np.zeros_like(grid)
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            window += np.roll(np.roll(grid, dx, axis=0), dy, axis=1)
    bx, by = np.unravel_index(int(np.argmax(window)), window.shape)
    keep = (np.abs(ix + 1 - bx) <= 1) & (np.abs(iy + 1 - by) <= 1)
    return _padded(shapely.total_bounds(hot[keep]), pad, min_span_m)


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


def _district_labels(districts: gpd.GeoDataFrame, font: str | None, lang: str) -> pd.Series:
    """Each district's label: its English name in English (``name_en``), its Chinese name
    with a CJK font, else its adcode."""
    codes = districts["adcode"].astype(str)
    if lang == "en" and "name_en" in districts.columns:
        en = districts["name_en"].astype("string")
        return en.where(en.notna() & (en.str.len() > 0), codes).astype(str)
    if font and "name" in districts.columns:
        return districts["name"].astype(str)
    return codes


def _scale_bar(
    ax: Any, bounds: tuple[float, float, float, float], unit: str, family: list[str]
) -> list[Any]:
    minx, miny, maxx, maxy = bounds
    span = maxx - minx
    target = span / 5
    nice = [1, 2, 5, 10, 20, 50, 100, 200]
    km = max([n for n in nice if n * 1000 <= target] or [1])
    x0 = maxx - span * 0.04 - km * 1000
    y0 = miny + (maxy - miny) * 0.04
    (line,) = ax.plot(
        [x0, x0 + km * 1000], [y0, y0], color="black", linewidth=2.0, solid_capstyle="butt"
    )
    label = ax.text(
        x0 + km * 500,
        y0 + (maxy - miny) * 0.012,
        f"{km} {unit}",
        ha="center",
        va="bottom",
        fontsize=7,
        family=family,
    )
    return [line, label]


def _north_arrow(ax: Any, family: list[str]) -> Any:
    return ax.annotate(
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
