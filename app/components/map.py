"""Everything in the app that knows streamlit-folium: drawing riskmap's folium maps in a
page, reporting clicks at once, and swapping the score layers in the map on screen.

riskmap's maps are plain folium maps with a small runtime (``window.riskmap``); this
module adapts them to streamlit-folium (leafmap's ``to_streamlit`` idea):

* :class:`DynamicLayers` wraps a map's :class:`riskmap.maps.ScoreLayers` script as the
  dynamic feature group streamlit-folium evaluates in the map it already shows
  (``feature_group_to_add``): after a weight change the browser keeps the map and
  redraws only the risk layer, detail cells and legend;
* :data:`CLICK_REPORTER` sets ``window.riskmap.onclick`` to post the click to Streamlit at
  once (streamlit-folium's own report waits 250 ms);
* :func:`app_risk_map` keeps the map's own script the same for every view and overlay
  choice: the title and the overlays shown are set by a small script run in the map on
  screen (:data:`APP_RUNTIME`), so a view switch or an overlay toggle changes the map in
  place instead of making the browser load a new map;
* :func:`show_map` draws a map (a copy of a cached one) and returns the last click.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import folium
import numpy as np
import streamlit as st
from branca.element import MacroElement
from jinja2 import Template

from app.common import ASSET_URL
from app.components.runtime import APP_RUNTIME, CLICK_REPORTER

if TYPE_CHECKING:
    import geopandas as gpd

    from riskmap.engine import Assessment
    from riskmap.maps import CellIndex, ScoreLayers


class _Script(MacroElement):
    """A script placed in the map's page as it is."""

    _template = Template("{% macro script(this, kwargs) %}{{ this.body }}{% endmacro %}")

    def __init__(self, body: str) -> None:
        super().__init__()
        self._name = "RiskmapAppScript"
        self.body = body


class ScriptGroup(folium.FeatureGroup):
    """A script as streamlit-folium's dynamic feature group: evaluated in the map it
    already shows (``feature_group_to_add``), whenever the groups' text changes."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.layerGroup();
        {{ this.js }}
        {% endmacro %}
        """
    )

    def __init__(self, js: str, name: str = "riskmap_script") -> None:
        # Keeps FeatureGroup's _name: streamlit-folium refers to it as feature_group_<id>.
        super().__init__(name=name, control=False)
        self.js = js
        self.default_js: list[tuple[str, str]] = []
        self.default_css: list[tuple[str, str]] = []

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]  # as branca's MacroElement
        # Nothing goes into the map's own page: streamlit-folium takes the script from
        # the template (branca's render would also compile the large text as Jinja).
        return None


class DynamicLayers(ScriptGroup):
    """A map's score-dependent layers as streamlit-folium's dynamic feature group.

    The script (:class:`riskmap.maps.ScoreLayers`) replaces the risk layer, detail cells
    and legend shown before (``rm.swap``; the same layers are not drawn again).
    """

    def __init__(self, layers: ScoreLayers) -> None:
        super().__init__(layers.js, "riskmap_layers")
        self.key = layers.key


def _in_place(m: folium.Map, basemap: str) -> tuple[str, list[str]]:
    """Take the view's title, the tile basemap and the overlays' visibility out of ``m``'s
    own script: the script that sets title and basemap in the map on screen
    (:data:`APP_RUNTIME`), and the names of the overlays ``m`` showed.

    The map's script is then the same for any view, overlays and basemap but AMap's (whose
    map draws in GCJ-02); streamlit-folium keys its frame by that script. Every overlay is
    made lazily, on first display; the title is a control made by the returned script.
    """
    from folium.map import Layer
    from folium.utilities import camelize

    shown: list[str] = []
    title = ""
    tiles: dict[str, Any] | None = None
    for name, el in list(m._children.items()):
        body = getattr(el, "body", None)
        if isinstance(body, str) and 'class=\\"rm-title\\"' in body:  # as JSON in the script
            title = body
            del m._children[name]
        elif isinstance(el, folium.TileLayer) and not tiles and basemap != "amap":
            options = {camelize(k): v for k, v in el.options.items()}
            tiles = {"url": el.tiles, "options": options, "name": el.layer_name}
            del m._children[name]
            m.options["attribution_control"] = False
        elif isinstance(el, Layer) and el.control and el.overlay:
            if el.show:
                shown.append(el.layer_name)
            el.show = False
    tiles_js = json.dumps(tiles, ensure_ascii=False)
    out = f"window.riskmap.appTiles({json.dumps(tiles_js)}, {tiles_js});"
    out += "\nwindow.riskmap.appSelection();"
    if title:
        # The title's script draws a control `c` on `map` (riskmap.maps' _control_js).
        make = f"function(map) {{\n{title}\nreturn c;\n}}"
        key = hashlib.sha256(title.encode()).hexdigest()[:16]
        out = f"window.riskmap.appTitle({json.dumps(key)}, {make});\n" + out
    return out, shown


def _overlays_js(names: Sequence[str], detail: bool) -> str:
    """The script showing the overlays ``names`` (and the detail cells) in the map on screen."""
    shown = json.dumps(list(names), ensure_ascii=False)
    key = json.dumps([list(names), detail], ensure_ascii=False)
    return f"window.riskmap.appOverlays({json.dumps(key)}, {shown}, {json.dumps(detail)});"


def with_overlays(m: folium.Map, names: Sequence[str], detail: bool) -> folium.Map:
    """A map of :func:`app_risk_map` showing the overlays ``names`` (from
    :func:`overlay_names`) and, if ``detail``, the detail cells: a shallow copy (the
    cached map is left as it is)."""
    out = copy.copy(m)
    base = getattr(m, "riskmap_in_place_base", "")
    out.riskmap_in_place = base + "\n" + _overlays_js(names, detail)  # type: ignore[attr-defined]
    return out


def overlay_names(
    assessment: Assessment, *, basemap: str, lang: str, overlays: tuple[str, ...]
) -> list[str]:
    """The names in the layer control of the overlays ``overlays`` (riskmap names its
    layers): read from a map of one cell with those overlays, without the risk layers of
    every cell."""
    from riskmap.maps import map_from_cells

    m = map_from_cells(
        assessment.cells.iloc[:1],
        assessment.data,
        basemap=basemap,
        lang=lang,
        overlays=overlays,
        assets="url",
        asset_url=ASSET_URL,
        dynamic=True,
    )
    return _in_place(m, basemap)[1]


@dataclass(frozen=True)
class MapFrame:
    """What streamlit-folium sends the browser for a map, but its dynamic feature groups,
    center and zoom: the map's own page (script, html, header) and the files it loads.

    Made once per map (:func:`map_frame`): the map's script is the same for any weights,
    view, overlays and OpenStreetMap/offline basemap (see :func:`app_risk_map`), so a
    frame serves every map of a study, language and view. Drawing from it
    (:func:`show_map`) skips the copy and the render of the whole folium map that
    streamlit-folium makes on every run.
    """

    script: str
    html: str
    header: str
    map_id: str
    bounds: Any
    zoom: Any
    css_links: tuple[str, ...]
    js_links: tuple[str, ...]


def map_frame(m: folium.Map) -> MapFrame:
    """The frame of ``m`` as :func:`streamlit_folium.st_folium` makes it (from a copy:
    rendering renames the map's elements; ``m`` is left as it is)."""
    import branca
    import streamlit_folium as sf

    fresh = copy.deepcopy(m)
    fresh.get_root().render()
    fresh.render()
    html = sf._get_html(fresh)
    header = sf._get_header(fresh)
    script = sf._get_map_string(fresh)
    css: list[str] = []
    js: list[str] = []

    def walk(el: Any) -> Any:
        yield el
        for child in getattr(el, "_children", {}).values():
            yield from walk(child)

    for el in walk(fresh):
        if isinstance(el, branca.colormap.ColorMap):
            js[:0] = [
                "https://d3js.org/d3.v4.min.js",
                "https://cdnjs.cloudflare.com/ajax/libs/d3/3.5.5/d3.min.js",
            ]
        css.extend(href for _, href in getattr(el, "default_css", []))
        js.extend(src for _, src in getattr(el, "default_js", []))
    (south, west), (north, east) = fresh.get_bounds()
    return MapFrame(
        script=script,
        html=html,
        header=header,
        map_id=sf.get_full_id(fresh),
        bounds={
            "_southWest": {"lat": south, "lng": west},
            "_northEast": {"lat": north, "lng": east},
        },
        zoom=fresh.options.get("zoom"),
        css_links=tuple(dict.fromkeys(css)),
        js_links=tuple(dict.fromkeys(js)),
    )


def app_risk_map(
    assessment: Assessment,
    *,
    view: str,
    basemap: str,
    lang: str,
    overlays: tuple[str, ...],
    index: CellIndex,
    frame_of: Callable[[folium.Map], MapFrame] | None = None,
) -> folium.Map:
    """The risk map for a page: Leaflet from the app's static folder, a collapsed layer
    list (the map is narrow), the score layers apart (``dynamic``) and clicks reported
    at once. Its frame (``m.riskmap_frame``) is ``frame_of(m)`` when given (e.g. a frame
    kept from a map of the same data, view, basemap and language), else made here:
    :func:`show_map` then sends the frame and the score layers without rendering the map."""
    from riskmap.config import MapOptions
    from riskmap.maps import build_map

    options = MapOptions.model_validate(
        {
            "view": view,
            "basemap": basemap,
            "lang": lang,
            "overlays": overlays,
            "assets": "url",
            "asset_url": ASSET_URL,
            "collapsed_control": True,
            "dynamic": True,
        }
    )
    m = build_map(assessment, options, index=index)
    m.add_child(_Script(CLICK_REPORTER), name="riskmap_click_reporter")
    m.add_child(_Script(APP_RUNTIME), name="riskmap_app_runtime")
    base, shown = _in_place(m, basemap)
    m.riskmap_in_place_base = base  # type: ignore[attr-defined]
    m.riskmap_in_place = base + "\n" + _overlays_js(shown, "detail" in overlays)  # type: ignore[attr-defined]
    m.riskmap_frame = (frame_of or map_frame)(m)  # type: ignore[attr-defined]
    return m


def local_assets(m: folium.Map) -> folium.Map:
    """A copy of a small folium map of the app that loads Leaflet from static/riskmap (no CDN)."""
    from riskmap.maps import use_local_assets

    return use_local_assets(m, ASSET_URL)


def display_geoms(geoms: Any, basemap: str) -> Any:
    """Shapely geometries in EPSG:4326 shifted to GCJ-02 for the AMap basemap."""
    if basemap == "amap":
        from riskmap.io.crs import from_wgs84_geometries

        return from_wgs84_geometries(np.asarray(geoms, dtype=object), "GCJ02")
    return np.asarray(geoms, dtype=object)


def display_point(lon: float, lat: float, basemap: str) -> tuple[float, float]:
    if basemap == "amap":
        from riskmap.io.crs import wgs84_to_gcj02

        x, y = wgs84_to_gcj02(np.array([lon]), np.array([lat]))
        return float(x[0]), float(y[0])
    return lon, lat


def clicked_wgs84(click: dict[str, float], basemap: str) -> tuple[float, float]:
    """A streamlit-folium click as WGS84 longitude/latitude (AMap clicks are GCJ-02)."""
    lon, lat = float(click["lng"]), float(click["lat"])
    if basemap == "amap":
        from riskmap.io.crs import gcj02_to_wgs84

        x, y = gcj02_to_wgs84(np.array([lon]), np.array([lat]))
        return float(x[0]), float(y[0])
    return lon, lat


def view_of(
    gdf_wgs84: gpd.GeoDataFrame, basemap: str, *, main_part: bool = False
) -> tuple[tuple[float, float], int]:
    """Centre (lat, lon) and zoom that show a frame in EPSG:4326.

    ``main_part``: centred on the largest polygon of the frame (its centroid, or a point
    inside it when the centroid falls outside) with the zoom that fits it: a district with
    a small exclave far off (武昌区's south) is then shown where its built-up body is, not
    at the middle of a box that is mostly outside it.
    """
    if main_part:
        part = main_polygon(gdf_wgs84.geometry.to_numpy())
        if part is not None:
            x0, y0, x1, y1 = (float(v) for v in part.bounds)
            c = part.centroid if part.contains(part.centroid) else part.representative_point()
            return _view((x0, y0, x1, y1), (float(c.x), float(c.y)), basemap)
    x0, y0, x1, y1 = (float(v) for v in gdf_wgs84.total_bounds)
    return _view((x0, y0, x1, y1), ((x0 + x1) / 2, (y0 + y1) / 2), basemap)


def _view(
    bounds: tuple[float, float, float, float], centre: tuple[float, float], basemap: str
) -> tuple[tuple[float, float], int]:
    """Centre (lat, lon) at ``centre`` (lon, lat) and the zoom that shows ``bounds``."""
    x0, y0, x1, y1 = bounds
    lon, lat = display_point(*centre, basemap)
    span = max(x1 - x0, (y1 - y0) * 1.3, 1e-4)
    zoom = int(np.clip(np.floor(np.log2(700 * 360 / (256 * span))), 7, 16))
    return (lat, lon), zoom


def main_polygon(geoms_wgs84: Any) -> Any:
    """The largest polygon among geometries in EPSG:4326 (areas compared on the ground:
    longitudes shrunk by the cosine of the latitude), or None when there is none."""
    import shapely

    parts = shapely.get_parts(np.asarray(geoms_wgs84, dtype=object))
    parts = parts[shapely.get_type_id(parts) == 3] if len(parts) else parts  # polygons
    if not len(parts):
        return None
    lat = shapely.get_y(shapely.centroid(parts))
    area = shapely.area(parts) * np.cos(np.radians(lat))
    return parts[int(np.argmax(area))]


def outline_group(
    geoms_wgs84: Any,
    basemap: str,
    name: str = "selection",
    color: str = "#000000",
    *,
    dash: str | None = None,
    class_name: str | None = None,
) -> folium.FeatureGroup:
    """A feature group outlining geometries (e.g. the selected cell, a district), added
    without a redraw: ``dash`` a line's dash pattern (SVG), ``class_name`` its lines' class."""
    import shapely

    fg = folium.FeatureGroup(name=name, control=False)
    geoms = display_geoms(geoms_wgs84, basemap)
    feats = [
        {"type": "Feature", "properties": {}, "geometry": json.loads(shapely.to_geojson(g))}
        for g in geoms
        if g is not None and not shapely.is_empty(g)
    ]
    if feats:
        folium.GeoJson(
            {"type": "FeatureCollection", "features": feats},
            marker=folium.CircleMarker(
                radius=8, color=color, weight=3, fill=True, fill_opacity=0.25
            ),
            style_function=lambda _f, c=color: {
                "color": c,
                "weight": 3,
                "fill": False,
                **({"dashArray": dash} if dash else {}),
                **({"className": class_name} if class_name else {}),
            },
            interactive=False,
        ).add_to(fg)
    return fg


def outline_geojson(geoms_wgs84: Any, basemap: str) -> str:
    """GeoJSON text of geometries (e.g. the selected cell) in the map's coordinates, for
    the ``data-outline`` the map on the page draws (:data:`APP_RUNTIME`)."""
    import shapely

    geoms = [g for g in display_geoms(geoms_wgs84, basemap) if g is not None and not g.is_empty]
    feats = [
        {"type": "Feature", "properties": {}, "geometry": json.loads(shapely.to_geojson(g))}
        for g in geoms
    ]
    return json.dumps({"type": "FeatureCollection", "features": feats}) if feats else ""


def _group_js(group: folium.FeatureGroup, idx: int) -> str:
    """A dynamic feature group as streamlit-folium's script (the same text its
    ``st_folium`` makes)."""
    import streamlit_folium as sf

    if isinstance(group, ScriptGroup):
        name = f"feature_group_feature_group_{idx}"
        return (
            f"\nvar {name} = L.layerGroup();\n{group.js}\n\nmap_div.addLayer({name});\n"
            f"window.feature_group = window.feature_group || [];\n"
            f"window.feature_group.push({name});\n"
        )
    # Any other group (e.g. an outline) is added to a map of its own: its script names
    # that map, which streamlit-folium renames map_div.
    return str(sf._get_feature_group_string(group, map=folium.Map(tiles=None), idx=idx))


_FEED_CSS = '[data-testid="stElementContainer"]:has([data-riskmap-feed]) { display: none; }'
"""The feed's elements take no room in the page."""
_BOOT_GROUP = 99
"""The index of the group that starts the map's feed (apart from the feed's groups)."""


def _show_frame(
    frame: MapFrame,
    groups: Sequence[folium.FeatureGroup],
    key: str,
    *,
    center: tuple[float, float] | None,
    zoom: int | None,
    height: int,
    on_change: Any,
) -> dict[str, Any]:
    """Draw a map whose frame is made: streamlit-folium's component with arguments that
    stay the same (the frame, and a group that reads the feed), then the feed: the
    groups' scripts and the view asked for, in a hidden element next to the map that the
    map reads (:data:`APP_RUNTIME`'s ``appFeed``). Streamlit sends an element only when it
    changes: the map once, the feed with what changed."""
    import html

    import streamlit_folium as sf

    hash_key = sf.generate_js_hash(frame.script, key, False)

    def _on_change() -> None:
        st.session_state[key] = st.session_state.get(hash_key, {})
        if on_change is not None:
            on_change()

    boot = ScriptGroup(f"window.riskmap.appFeed({json.dumps(key)});", "riskmap_feed")
    out = sf._component_func(
        script=frame.script,
        header=frame.header,
        html=frame.html,
        id=frame.map_id,
        key=hash_key,
        height=height,
        width=None,
        returned_objects=["last_clicked"],
        default={"last_clicked": None},
        zoom=None,
        center=None,
        feature_group=_group_js(boot, _BOOT_GROUP),
        return_on_hover=False,
        layer_control=None,
        pixelated=False,
        css_links=list(frame.css_links),
        js_links=list(frame.js_links),
        on_change=_on_change,
        wrap_longitude=False,
    )
    view = json.dumps([list(center), zoom]) if center is not None and zoom is not None else ""
    # One element each: Streamlit sends an unchanged large one as a reference. Their
    # containers take no room (a style alone goes to Streamlit's event container).
    st.html(f"<style>{_FEED_CSS}</style>")
    feed = f'hidden style="display:none" data-riskmap-feed="{html.escape(key)}"'
    for i, g in enumerate(groups):
        st.html(f'<div {feed} data-group="{i}">{html.escape(_group_js(g, i), quote=False)}</div>')
    st.html(f'<div {feed} data-view="{html.escape(view)}"></div>')
    return out or {}


def show_map(
    m: folium.Map,
    key: str,
    *,
    highlight: folium.FeatureGroup | None = None,
    center: tuple[float, float] | None = None,
    zoom: int | None = None,
    height: int = 620,
    on_change: Any = None,
    scope: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Draw a folium map with streamlit-folium; only a click reruns the script.

    Every run sends the same map for the same frame, and the browser keeps it (no
    reload, view kept). ``highlight`` is drawn as a dynamic feature group, also without
    reloading the map; so are the score-dependent layers of a map built with
    ``dynamic=True`` (``m.riskmap_layers``, drawn as :class:`DynamicLayers`): after a
    weight change the browser keeps the map and replaces only those layers; and so are
    the title and the overlays shown of a map from :func:`app_risk_map`
    (``m.riskmap_in_place``). ``scope`` (:func:`scope_of`, a map of :func:`app_risk_map`):
    the area the title names and the level legend counts, set in the map on screen after
    the score layers (:data:`APP_RUNTIME`'s ``appScope``); ``highlight`` then follows it
    (e.g. the district's outline). A map of :func:`app_risk_map` is sent from its frame
    (``m.riskmap_frame``); any other map is drawn from a copy (streamlit-folium renames
    the elements of the map it draws).
    """
    layers = getattr(m, "riskmap_layers", None)
    in_place = getattr(m, "riskmap_in_place", None)
    groups = [
        g
        for g in (
            DynamicLayers(layers) if layers is not None else None,
            ScriptGroup(in_place, "riskmap_in_place") if in_place else None,
            _scope_group(scope, layers, in_place) if scope is not None else None,
            highlight,
        )
        if g is not None
    ]
    frame = getattr(m, "riskmap_frame", None)
    if frame is not None:
        return _show_frame(
            frame, groups, key, center=center, zoom=zoom, height=height, on_change=on_change
        )
    from streamlit_folium import st_folium

    out = st_folium(
        copy.deepcopy(m),
        key=key,
        returned_objects=["last_clicked"],
        height=height,
        use_container_width=True,
        center=center,
        zoom=zoom,
        feature_group_to_add=groups or None,
        on_change=on_change,
    )
    return out or {}


def scope_of(
    name: str,
    prefix: str,
    line: str,
    counts: Sequence[str] | None = None,
    view: str = "level",
) -> dict[str, Any]:
    """The area a map is looked at for (:func:`show_map`'s ``scope``): ``name`` (empty:
    the whole area, the map's own title), the title's ``prefix`` the name goes after (the
    project's title), the legend's ``line`` saying what it counts, and the texts of the
    counts of ``view``'s legend, in its order (:func:`riskmap.maps.legend.legend_counts`;
    None: the legend's own counts, and no line)."""
    return {"name": name, "prefix": prefix, "line": line, "view": view,
            "counts": None if counts is None else list(counts)}  # fmt: skip


def _scope_group(scope: dict[str, Any], layers: Any, in_place: str | None) -> ScriptGroup:
    """The script giving the map on screen its area (:func:`scope_of`): its text holds the
    keys of the score layers and of the in-place script, so that the feed runs it again
    after either (a new legend, a new title)."""
    after = hashlib.sha256(f"{getattr(layers, 'key', '')}|{in_place or ''}".encode()).hexdigest()[
        :16
    ]
    body = json.dumps(scope, ensure_ascii=False)
    return ScriptGroup(f"/* {after} */ window.riskmap.appScope({body});", "riskmap_scope")


def remember_click(map_key: str, target: str) -> Any:
    """An ``on_change`` callback storing the map's last click in ``session_state[target]``."""

    def _callback() -> None:
        value = st.session_state.get(map_key) or {}
        click = value.get("last_clicked") if isinstance(value, dict) else None
        if click:
            st.session_state[target] = click

    return _callback


def add_boundary(m: folium.Map, boundary: Any) -> None:
    """The city boundary (one geometry in EPSG:4326) as a thin outline on a small map."""
    import shapely

    folium.GeoJson(
        json.loads(shapely.to_geojson(boundary)),
        name="boundary",
        style_function=lambda _f: {"color": "#333333", "weight": 1.5, "fill": False},
        interactive=False,
    ).add_to(m)


class _MetricScale(MacroElement):
    """Leaflet's scale bar in metres and kilometres only."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "L.control.scale({metric: true, imperial: false}).addTo({{ this._parent.get_name() }});"
        "{% endmacro %}"
    )


def metric_scale(m: folium.Map) -> None:
    """Add a metric-only scale bar to a folium map (Leaflet's default also shows miles)."""
    m.add_child(_MetricScale())


class _Legend(MacroElement):
    """A legend control (bottom right) of coloured swatches with their labels."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "(function(map) { var c = L.control({position: 'bottomright'});"
        " c.onAdd = function() { var d = L.DomUtil.create('div', 'rm-ev-legend');"
        " d.style.cssText = 'background:rgba(255,255,255,0.94);padding:6px 9px;border-radius:4px;"
        "box-shadow:0 1px 4px rgba(0,0,0,0.35);font:12px/1.5 sans-serif;color:#222';"
        " d.innerHTML = {{ this.html }}; return d; }; c.addTo(map);"
        " })({{ this._parent.get_name() }});"
        "{% endmacro %}"
    )

    def __init__(self, html: str) -> None:
        super().__init__()
        self.html = json.dumps(html, ensure_ascii=False)


def add_legend(m: folium.Map, title: str, items: list[tuple[str, str, str]]) -> None:
    """A legend on a small map: ``title`` and, per item, (colour, label, ``point`` or
    ``area``). Every text is escaped here."""
    import html

    rows = [f"<b>{html.escape(title)}</b>"]
    for color, label, shape in items:
        radius = "50%" if shape == "point" else "2px"
        swatch = (
            f"<i style='display:inline-block;width:11px;height:11px;margin-right:6px;"
            f"vertical-align:-1px;border-radius:{radius};background:{html.escape(color)};"
            f"opacity:0.8;border:1px solid #333'></i>"
        )
        rows.append(f"<div>{swatch}{html.escape(label)}</div>")
    m.add_child(_Legend("".join(rows)))
