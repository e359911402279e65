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
* :func:`show_map` draws a map (a copy of a cached one) and returns the last click.
"""

from __future__ import annotations

import copy
import json
from typing import TYPE_CHECKING, Any

import folium
import numpy as np
import streamlit as st
from branca.element import MacroElement
from jinja2 import Template

from app.common import ASSET_URL

if TYPE_CHECKING:
    import geopandas as gpd

    from riskmap.engine import Assessment
    from riskmap.maps import CellIndex, ScoreLayers

CLICK_REPORTER = """
var rm = window.riskmap = window.riskmap || {};
// streamlit-folium (returned_objects=['last_clicked']): report the click at once; the
// component itself waits 250 ms (debounce) before telling Streamlit. Its own update then
// finds the value unchanged (previous_data) and sends nothing more.
rm.onclick = function(e) {
  var g = window.__GLOBAL_DATA__;
  if (g && window.parent !== window && g.returned_objects && g.returned_objects.length === 1
      && g.returned_objects[0] === 'last_clicked') {
    var value = {last_clicked: {lat: e.latlng.lat, lng: e.latlng.lng}};
    if (JSON.stringify(g.previous_data) !== JSON.stringify(value)) {
      g.previous_data = value;
      window.parent.postMessage({isStreamlitMessage: true, type: 'streamlit:setComponentValue',
                                 value: value, dataType: 'json'}, '*');
    }
  }
};
"""


class _Script(MacroElement):
    """A script placed in the map's page as it is."""

    _template = Template("{% macro script(this, kwargs) %}{{ this.body }}{% endmacro %}")

    def __init__(self, body: str) -> None:
        super().__init__()
        self._name = "RiskmapAppScript"
        self.body = body


class DynamicLayers(folium.FeatureGroup):
    """A map's score-dependent layers as streamlit-folium's dynamic feature group.

    streamlit-folium evaluates the group's script in the map it already shows
    (``feature_group_to_add``); the script (:class:`riskmap.maps.ScoreLayers`) replaces
    the risk layer, detail cells and legend shown before.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.layerGroup();
        {{ this.js }}
        {% endmacro %}
        """
    )

    def __init__(self, layers: ScoreLayers) -> None:
        # Keeps FeatureGroup's _name: streamlit-folium refers to it as feature_group_<id>.
        super().__init__(name="riskmap_layers", control=False)
        self.js = layers.js
        self.key = layers.key
        self.default_js: list[tuple[str, str]] = []
        self.default_css: list[tuple[str, str]] = []

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]  # as branca's MacroElement
        # Nothing goes into the map's own page: streamlit-folium takes the script from
        # the template (branca's render would also compile the large text as Jinja).
        return None


def app_risk_map(
    assessment: Assessment,
    *,
    view: str,
    basemap: str,
    lang: str,
    overlays: tuple[str, ...],
    index: CellIndex,
) -> folium.Map:
    """The risk map for a page: Leaflet from the app's static folder, a collapsed layer
    list (the map is narrow), the score layers apart (``dynamic``) and clicks reported
    at once. Rendered once here, so that the copies :func:`show_map` draws skip
    streamlit-folium's full render."""
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
    m.get_root().render()
    m._riskmap_rendered = True  # type: ignore[attr-defined]
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


def view_of(gdf_wgs84: gpd.GeoDataFrame, basemap: str) -> tuple[tuple[float, float], int]:
    """Centre (lat, lon) and zoom that show a frame in EPSG:4326."""
    x0, y0, x1, y1 = (float(v) for v in gdf_wgs84.total_bounds)
    lon, lat = display_point((x0 + x1) / 2, (y0 + y1) / 2, basemap)
    span = max(x1 - x0, (y1 - y0) * 1.3, 1e-4)
    zoom = int(np.clip(np.floor(np.log2(700 * 360 / (256 * span))), 7, 16))
    return (lat, lon), zoom


def outline_group(
    geoms_wgs84: Any, basemap: str, name: str = "selection", color: str = "#000000"
) -> folium.FeatureGroup:
    """A feature group outlining geometries (e.g. the selected cell), added without a redraw."""
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
            style_function=lambda _f, c=color: {"color": c, "weight": 3, "fill": False},
            interactive=False,
        ).add_to(fg)
    return fg


def show_map(
    m: folium.Map,
    key: str,
    *,
    highlight: folium.FeatureGroup | None = None,
    center: tuple[float, float] | None = None,
    zoom: int | None = None,
    height: int = 620,
    on_change: Any = None,
) -> dict[str, Any]:
    """Draw a folium map with streamlit-folium; only a click reruns the script.

    streamlit-folium renames the elements of the map it draws, so a cached map is drawn
    from a copy (a few milliseconds: the large strings are shared): every run then sends
    the same map, and the browser keeps it (no reload, view kept). ``highlight`` is drawn
    as a dynamic feature group, also without reloading the map; so are the score-dependent
    layers of a map built with ``dynamic=True`` (``m.riskmap_layers``, drawn as :class:`DynamicLayers`): after a weight
    change the browser keeps the map and replaces only those layers.
    """
    from streamlit_folium import st_folium

    fresh = copy.deepcopy(m)
    layers = getattr(fresh, "riskmap_layers", None)
    groups = [
        g
        for g in (DynamicLayers(layers) if layers is not None else None, highlight)
        if g is not None
    ]
    out = st_folium(
        fresh,
        key=key,
        returned_objects=["last_clicked"],
        height=height,
        use_container_width=True,
        center=center,
        zoom=zoom,
        feature_group_to_add=groups or None,
        on_change=on_change,
        render=not getattr(m, "_riskmap_rendered", False),
    )
    return out or {}


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
