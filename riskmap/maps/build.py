"""Building the map: :func:`build_map` of an Assessment (and the core
:func:`map_from_cells`), offline assets, saving.
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import folium
import numpy as np
import pyproj
from branca.element import Element

from riskmap.config import MapOptions
from riskmap.config.vocabulary import BASEMAPS, DEFAULT_OVERLAYS, OVERLAYS, VIEW_COLUMNS, VIEWS
from riskmap.maps import assets as _assets
from riskmap.maps.city_rasters import (
    MAX_PAGE_BYTES,
    city_rasters,
    fine_layer,
    fine_note,
    fit_budget,
)
from riskmap.maps.display import (
    _CSS,
    _RUNTIME_JS,
    ScoreLayers,
    _Display,
    _geojson_array,
    _Script,
    _ScriptLayer,
)
from riskmap.maps.legend import _control_js, _legend_html
from riskmap.maps.lookup import CellIndex, _cells_frame, build_cell_index
from riskmap.maps.overlays import _data_overlays
from riskmap.maps.packing import pack_page
from riskmap.maps.risk_layers import (
    _detail_layer,
    _display_bounds,
    _grid_meta,
    _image_layer,
    _level_layer,
)
from riskmap.maps.text import _BACKGROUND, AMAP_TILES, OSM_TILES, _e, _js, _t


def _check_choice(name: str, value: str, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")


def map_from_cells(
    cells: Any,
    data: Any = None,
    *,
    view: str = "level",
    basemap: str = "none",
    lang: str = "zh",
    overlays: Sequence[str] | None = None,
    assets: str = "inline",
    asset_url: str = "app/static/riskmap",
    cell_size: float | None = None,
    highlight: str | Sequence[str] | None = None,
    max_detail_cells: int = 2000,
    detail_min_level: int = 3,
    index: CellIndex | None = None,
    title: str | None = None,
    collapsed_control: bool = False,
    dynamic: bool = False,
    levels: Any = None,
    thresholds: Sequence[float] | None = None,
    fine: Any = None,
    fine_cell_size: float | None = None,
    max_page_bytes: int = MAX_PAGE_BYTES,
) -> folium.Map:
    """The electronic risk map of scored cells (:func:`build_map` funnels into it; use
    this one for cells that do not come from an Assessment).

    Parameters
    ----------
    cells
        Scored cells in the working CRS (``cell_id``, ``level_rank``, ``score``, the
        component columns for their views, geometry), or an Assessment.
    data
        The project's :class:`riskmap.io.data.ProjectData` (districts, boundary, overlay
        layers, method and level settings), or None to draw the cells alone.
    view
        ``level`` (four colours), ``score`` (0–100) or a component ``hazard``,
        ``exposure``, ``vulnerability``, ``coping_gap`` (0–10).
    basemap
        ``none`` (plain background, no request to any other host), ``osm``, or
        ``amap`` (GCJ-02 tiles; everything drawn is shifted WGS84 -> GCJ-02).
    lang
        ``zh`` or ``en`` for the legend, layer names and tooltips.
    overlays
        Overlays shown on opening (names from :data:`OVERLAYS`); every overlay the data
        allow is always in the layer control. Default: :data:`DEFAULT_OVERLAYS`.
    assets
        ``inline`` (Leaflet and plugins embedded: one standalone file) or ``url``
        (linked from ``asset_url``, where :func:`riskmap.maps.assets.install_static` put them).
    asset_url
        Base URL of the assets for ``assets="url"``.
    cell_size
        Square cell side in metres (inferred from the cells when None).
    highlight
        Cell id(s) to outline (e.g. the cell selected in the app).
    max_detail_cells
        At most this many cells are drawn as outlines with tooltips (cell id, level,
        score): the highest-scoring cells of level ``detail_min_level`` or above.
    detail_min_level
        Lowest level rank of the detail cells (3 = 较大: orange and red cells only).
    index
        A prebuilt :class:`CellIndex` of ``cells`` (saves time: it also keeps the grid's
        raster and footprint used to draw the level view).
    title
        Title shown at the top; default: the project's title and the view.
    collapsed_control
        Show the layer control collapsed to an icon (for narrow maps, e.g. in the app).
    dynamic
        Leave the score-dependent layers (risk layer, detail cells, legend) out of the
        map's script and put them in ``m.riskmap_layers``, a :class:`ScoreLayers` script
        that a host page showing the map runs to draw or replace them: the map's own
        script is then the same for any weights (a saved map needs ``False``).
        The overlays drawn from ``data`` (boundary, districts, points) do not depend on
        the scores: they are kept for the same ``data`` object and reused.
    levels
        The level rule the cells were scored with (a :class:`~riskmap.config.LevelConfig`),
        stated by the legend; the project's when None.
    thresholds
        The score thresholds the data gave the rule (quantiles, natural breaks), shown
        by the legend.
    fine
        Scored cells of a finer square grid of the same area (with ``district``, the
        city), or an Assessment: on the level view, a city zoomed into is drawn with
        them (:mod:`riskmap.maps.city_rasters`), as many cities as fit the page's
        ``max_page_bytes`` (most 较大/重大 cells first; the legend says which). Not with
        ``dynamic``.
    fine_cell_size
        The finer grid's cell side (inferred when None).
    max_page_bytes
        The page's size limit that the finer cities' images must fit under.

    Returns
    -------
    folium.Map
    """
    _check_choice("view", view, VIEWS)
    _check_choice("basemap", basemap, BASEMAPS)
    _check_choice("lang", lang, ("zh", "en"))
    _check_choice("assets", assets, ("inline", "url"))
    shown = set(DEFAULT_OVERLAYS if overlays is None else overlays)
    unknown = shown - set(OVERLAYS)
    if unknown:
        raise ValueError(
            f"unknown overlay(s) {', '.join(sorted(unknown))}; known: {', '.join(OVERLAYS)}"
        )
    frame = _cells_frame(cells)
    needed = {"level_rank", "score"} | (
        {VIEW_COLUMNS.get(view, view)} if view != "level" else set()
    )
    missing = needed - set(frame.columns)
    if missing:
        hint = ": analyse the assessment first (Study.analyse)" if view in VIEW_COLUMNS else ""
        raise ValueError(
            f"the cells lack column(s) for this map: {', '.join(sorted(missing))}{hint}"
        )
    if len(frame) == 0:
        raise ValueError("there are no cells to draw")
    crs = pyproj.CRS.from_user_input(frame.crs)
    display = _Display(crs, basemap)
    idx = index if index is not None else build_cell_index(frame, cell_size)
    size = float(cell_size) if cell_size else _grid_meta(frame, idx)

    west, south, east, north = _display_bounds(frame, display, idx)
    m = folium.Map(
        location=[(south + north) / 2, (west + east) / 2],
        zoom_start=10,
        tiles=None,
        control_scale=False,  # a metric-only scale bar is added below
        prefer_canvas=False,
        attribution_control=basemap != "none",
    )
    m.options["maxZoom"] = 18  # markercluster needs it; folium passes max_zoom only to tiles
    root: Any = m.get_root()
    root.header.add_child(Element(_CSS % {"bg": _BACKGROUND}), name="riskmap_css")
    m.add_child(_Script(_RUNTIME_JS), name="riskmap_runtime")
    # Metric only: a Chinese bureau's map has no miles (Leaflet's default shows both).
    m.add_child(_Script("L.control.scale({metric: true, imperial: false}).addTo(map);"))

    if basemap == "osm":
        folium.TileLayer(
            OSM_TILES, name=_t("osm", lang), attr="© OpenStreetMap contributors", max_zoom=19
        ).add_to(m)
    elif basemap == "amap":
        folium.TileLayer(
            AMAP_TILES, name=_t("amap", lang), attr="© 高德地图", subdomains="1234", max_zoom=18
        ).add_to(m)

    risk = (
        _level_layer(frame, display, size, lang, idx)
        if view == "level"
        else _image_layer(frame, view, idx, display, cell_size=size, lang=lang)
    )
    detail = _detail_layer(
        frame, display, max_detail_cells, detail_min_level, lang, show="detail" in shown
    )
    levels_cfg = (
        levels if levels is not None else (data.project.levels if data is not None else None)
    )
    analysis_cfg = data.project.analysis if data is not None else None
    legend_html = _legend_html(
        frame,
        view,
        lang,
        levels_cfg,
        cell_size=size,
        index=idx,
        analysis_cfg=analysis_cfg,
        thresholds=thresholds,
    )
    legend_js = _control_js(legend_html, "bottomright")
    if not dynamic:
        m.add_child(risk)
        if detail is not None:
            m.add_child(detail)

    clustered = False
    swatches: dict[str, list[str]] = {}
    if data is not None:
        parts, clustered = _data_overlays(data, display, lang, shown)
        for part in parts:
            m.add_child(part.element())
            if part.name and part.swatch:
                swatches[part.name] = list(part.swatch)

    if highlight is not None:
        ids = {highlight} if isinstance(highlight, str) else set(highlight)
        sel = frame[frame["cell_id"].astype(str).isin(ids)]
        if len(sel):
            geo = _geojson_array(display.geoms(np.asarray(sel.geometry.values, dtype=object)))
            m.add_child(
                _Script(
                    f"L.geoJSON({geo}, {{interactive: false, style: {{color: '#000', weight: 3, fill: false}}}}).addTo(map);"
                )
            )

    legend_el = None
    if dynamic:
        m.riskmap_layers = _dynamic_js(risk, detail, legend_js)  # type: ignore[attr-defined]
    else:
        legend_el = _Script(legend_js)
        m.add_child(legend_el)
    heading = title
    if heading is None:
        project_title = data.project.title.get(lang) if data is not None else ""
        heading = f"{project_title} · {_t(view, lang)}" if project_title else _t(view, lang)
    m.add_child(_Script(_control_js(f'<div class="rm-title">{_e(heading)}</div>', "topleft")))
    folium.LayerControl(collapsed=collapsed_control, position="topright").add_to(m)
    if swatches:
        m.add_child(_Script(f"window.riskmap.decorateControl({_js(swatches)});"))
    m.fit_bounds([[south, west], [north, east]])
    ready = _Script("window.riskmap.ready = true;")
    m.add_child(ready, name="riskmap_ready")
    m.riskmap_max_bytes = max_page_bytes  # type: ignore[attr-defined]  # see render_html
    _configure_assets(m, assets, asset_url, clustered)
    if fine is not None and view == "level" and legend_el is not None:
        _add_fine_cities(m, fine, display, lang=lang, legend_el=legend_el, legend_html=legend_html,
                         coarse=size, fine_cell_size=fine_cell_size,
                         max_page_bytes=max_page_bytes)  # fmt: skip
    return m


def _add_fine_cities(
    m: folium.Map,
    fine: Any,
    display: _Display,
    *,
    lang: str,
    legend_el: _Script,
    legend_html: str,
    coarse: float,
    fine_cell_size: float | None,
    max_page_bytes: int,
) -> None:
    """The finer cities that fit what the page leaves of ``max_page_bytes``, and the
    legend's note that says which (see :mod:`riskmap.maps.city_rasters`)."""
    rasters, size = city_rasters(fine, display, cell_size=fine_cell_size)
    if not rasters:
        return
    note_max = len(fine_note(rasters, [], lang, coarse, size).encode()) + sum(
        len(r.name.encode()) + 3 for r in rasters
    )
    # (Measured on copies: a render fixes the order of the page's scripts.)
    base = len(render_html(copy.deepcopy(m)).encode())
    budget = max_page_bytes - base - note_max  # (then measured: see below)
    kept, left = fit_budget(rasters, budget)
    ready = m._children.pop("riskmap_ready")  # the page is ready after the finer cities
    while True:
        note = fine_note(kept, left, lang, coarse, size)
        html_text = legend_html[: legend_html.rindex("</div>")] + note + "</div>"
        legend_el.body = _control_js(html_text, "bottomright")
        if kept:  # after the risk layer's pane, before the layer control lists the layers
            m.add_child(fine_layer(kept, lang, size), name="riskmap_fine")
            keys = list(m._children)
            first = next(k for k in keys if isinstance(m._children[k], folium.LayerControl))
            keys.remove("riskmap_fine")
            keys.insert(keys.index(first), "riskmap_fine")
            m._children = type(m._children)((k, m._children[k]) for k in keys)
        m.add_child(ready, name="riskmap_ready")
        if not kept or len(render_html(copy.deepcopy(m)).encode()) <= max_page_bytes:
            return
        # (Packed, images cost about their size: if the estimate was short, drop the last.)
        m._children.pop("riskmap_fine")
        m._children.pop("riskmap_ready")
        left = [*left, kept.pop()]


def build_map(
    assessment: Any,
    options: MapOptions | None = None,
    *,
    index: CellIndex | None = None,
    fine: Any = None,
) -> folium.Map:
    """The electronic risk map (城市安全风险电子地图) of an assessment.

    Parameters
    ----------
    assessment
        From :meth:`riskmap.Study.score`: its cells and data (districts, boundary,
        overlay layers, level rule).
    options
        View, basemap, language, overlays, assets ...; :class:`~riskmap.config.MapOptions`
        defaults when None (the four-colour level view, offline, in Chinese).
    index
        A prebuilt :class:`CellIndex` of the assessment's grid (it keeps the grid's
        raster and footprint: saves time when the same grid is drawn again).
    fine
        An assessment of the same project on a finer grid: a province's cities zoomed
        into are drawn with its cells (see :func:`map_from_cells`).

    Returns
    -------
    folium.Map
    """
    o = options or MapOptions()
    title = o.title
    as_of = assessment.params.get("as_of")
    if title is None and as_of:
        project = assessment.data.project
        view = _t(o.view, o.lang)
        title = f"{project.title.get(o.lang)} · {view} · " + (
            f"as of {as_of}" if o.lang == "en" else f"截至 {as_of}"
        )
    return map_from_cells(
        assessment.cells,
        assessment.data,
        view=o.view,
        basemap=o.basemap,
        lang=o.lang,
        overlays=None if o.overlays is None else list(o.overlays),
        assets=o.assets,
        asset_url=o.asset_url,
        highlight=None if o.highlight is None else list(o.highlight),
        max_detail_cells=o.max_detail_cells,
        detail_min_level=o.detail_min_level,
        index=index,
        title=title,
        collapsed_control=o.collapsed_control,
        dynamic=o.dynamic,
        levels=assessment.levels,
        thresholds=assessment.params.get("score_thresholds"),
        fine=fine,
    )


def _dynamic_js(risk: _ScriptLayer, detail: _ScriptLayer | None, legend_js: str) -> ScoreLayers:
    """The score-dependent layers as one ``rm.swap`` script (see :class:`ScoreLayers`)."""
    items = []
    for item_id, layer in (("risk", risk), ("detail", detail)):
        if layer is None:
            continue
        fn = f"function(map, rm) {{\n{layer.body}\n}}"
        make = f"({fn})(map, rm)" if layer.show else f"rm.lazy({fn}, map)"
        items.append(
            f"{{id: {_js(item_id)}, name: {_js(layer.layer_name)}, show: {_js(bool(layer.show))}, "
            f"layer: {make}}}"
        )
    items.append(f"{{id: 'legend', control: (function(map) {{\n{legend_js}\nreturn c;\n}})(map)}}")
    build = "function(map, rm) {\nreturn [\n" + ",\n".join(items) + "\n];\n}"
    key = hashlib.sha256(build.encode()).hexdigest()[:16]
    return ScoreLayers(f"window.riskmap.swap({_js(key)}, {build});", key)


def _configure_assets(m: folium.Map, mode: str, asset_url: str, clustered: bool) -> None:
    """Point every element's JS/CSS at installed files (instance lists, not folium's class lists)."""
    plugins = frozenset({"leaflet", "markercluster"} if clustered else {"leaflet"})
    for el in _walk_elements(m):
        if hasattr(el, "default_js"):
            el.default_js = []
            el.default_css = []
    if mode == "url":
        js, css = _assets.asset_links(asset_url, plugins)
        m.default_js = js
        m.default_css = css
    else:
        root: Any = m.get_root()
        root.header.add_child(Element(_assets.render_inline_assets(plugins)), name="riskmap_assets")
        # Leaflet must come before the map's own header scripts: move it to the front.
        header = root.header
        children = header._children
        header._children = type(children)(
            [("riskmap_assets", children["riskmap_assets"])]
            + [(k, v) for k, v in children.items() if k != "riskmap_assets"]
        )


def use_local_assets(
    m: folium.Map, asset_url: str = "app/static/riskmap", *, plugins: Iterable[str] | None = None
) -> folium.Map:
    """A copy of any folium map that loads Leaflet from installed files (no CDN).

    Every element's JavaScript and CSS links (folium's CDN defaults) are dropped and the
    page links Leaflet (and its plugins) from ``asset_url``, where
    :func:`riskmap.maps.assets.install_static` put them. For small maps made with folium
    directly (an upload preview, a comparison map); :func:`build_map` does this itself.

    Parameters
    ----------
    m
        A folium map; it is not changed.
    asset_url
        Base URL of the installed assets (the app serves ``static/`` at ``app/static/``).
    plugins
        Asset bundles to link: ``leaflet`` and, if the map clusters markers,
        ``markercluster``. Default: ``leaflet``, plus ``markercluster`` when the map has a
        MarkerCluster.

    Returns
    -------
    folium.Map
    """
    out = copy.deepcopy(m)
    if plugins is None:
        from folium.plugins import MarkerCluster

        clustered = any(isinstance(el, MarkerCluster) for el in _walk_elements(out))
        chosen = frozenset({"leaflet", "markercluster"} if clustered else {"leaflet"})
    else:
        chosen = frozenset(plugins)
        unknown = chosen - {"leaflet", "markercluster"}
        if unknown:
            raise ValueError(f"unknown asset bundle(s): {', '.join(sorted(unknown))}")
    _configure_assets(out, "url", asset_url, "markercluster" in chosen)
    return out


def _walk_elements(el: Any) -> Iterable[Any]:
    yield el
    for child in getattr(el, "_children", {}).values():
        yield from _walk_elements(child)


def render_html(m: folium.Map) -> str:
    """The map as one standalone HTML page (UTF-8 text).

    A page of :func:`map_from_cells` over its ``max_page_bytes`` (a province with all its
    overlays) has its scripts stored deflated (:func:`riskmap.maps.packing.pack_page`).
    """
    page = re.sub(r"<html>", '<html lang="zh-CN">', m.get_root().render(), count=1)
    limit = getattr(m, "riskmap_max_bytes", None)
    if limit is not None and len(page.encode()) > limit:
        page = pack_page(page)
    return page


def save_map(m: folium.Map, path: str | Path) -> Path:
    """Write the map as a standalone HTML file; returns the path written."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_html(m), encoding="utf-8")
    return out
