"""The report's map image: the four-colour cells, districts and boundary drawn with
matplotlib (a CJK font from the system), scale bar and north arrow.
"""

from __future__ import annotations

import io
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
