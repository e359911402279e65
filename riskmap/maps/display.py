"""Drawing coordinates and the map's page runtime: the display CRS (WGS84 or GCJ-02),
compact shape encodings, script elements and the small JavaScript runtime
(``window.riskmap``: lazy layers, score-layer swaps, click hooks).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import shapely
from branca.element import Element, MacroElement
from folium.elements import ElementAddToElement
from folium.map import Layer
from jinja2 import Template

from riskmap.io.crs import (
    to_wgs84_xy,
    wgs84_to_gcj02,
)
from riskmap.maps.lookup import _display_to_working
from riskmap.maps.text import _COORD_DIGITS, _e


@dataclass(frozen=True)
class _Display:
    crs: pyproj.CRS
    basemap: str

    def xy(self, x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        lon, lat = to_wgs84_xy(x, y, self.crs)
        if self.basemap == "amap":
            lon, lat = wgs84_to_gcj02(lon, lat)
        return lon, lat

    def geoms(self, geoms: Any) -> npt.NDArray[np.object_]:
        """``geoms`` (working CRS) in display coordinates, rounded to :data:`_COORD_DIGITS`
        (2-d): one pass over the coordinates (the same numbers as converting to WGS84, then
        to GCJ-02 for AMap, then rounding)."""

        def shown(c: np.ndarray) -> np.ndarray:
            lon, lat = self.xy(c[:, 0], c[:, 1])
            return np.round(np.column_stack([lon, lat]), _COORD_DIGITS)

        arr = np.asarray(getattr(geoms, "values", geoms), dtype=object).ravel()
        return np.asarray(shapely.transform(arr, shown), dtype=object)

    def to_working(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        return _display_to_working(lon, lat, self.crs, self.basemap)


def _geojson_array(geoms: npt.NDArray[np.object_]) -> str:
    """A JSON array of GeoJSON geometries (L.geoJSON accepts arrays)."""
    keep = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    if keep.size == 0:
        return "[]"
    return "[" + ",".join(shapely.to_geojson(keep).tolist()) + "]"


def _encode_shapes(geoms: npt.NDArray[np.object_], *, polygons: bool) -> dict[str, Any]:
    """(Multi)polygons or (multi)lines as compact integer deltas, decoded by ``rm.decode``.

    Coordinates in 1e-5 degree units (:data:`_COORD_DIGITS`), each vertex as the change
    from the one before (the first from ``o``): about a third of GeoJSON's size, for
    the page and for the app, which sends the map again on every rerun. ``g``: parts
    per geometry, ``p``: rings per part (exterior first), ``r``: vertices per ring (a
    polygon ring's closing vertex is left out: Leaflet closes rings).
    """
    arr = np.asarray(geoms, dtype=object)
    parts, owner = shapely.get_parts(arr, return_index=True)
    if polygons:
        rings, ring_owner = shapely.get_rings(parts, return_index=True)
        rings_per_part = np.bincount(ring_owner, minlength=len(parts))
    else:
        rings = parts
        rings_per_part = np.ones(len(parts), dtype=np.int64)
    coords, ring_idx = shapely.get_coordinates(rings, return_index=True)
    counts = np.bincount(ring_idx, minlength=len(rings))
    if polygons and len(coords):
        last = np.cumsum(counts) - 1
        keep = np.ones(len(coords), dtype=bool)
        keep[last[counts > 0]] = False
        coords = coords[keep]
        counts = np.maximum(counts - 1, 0)
    q = np.round(coords * 10.0**_COORD_DIGITS).astype(np.int64)
    origin = q[0] if len(q) else np.zeros(2, dtype=np.int64)
    deltas = np.diff(q, axis=0, prepend=origin[None, :]) if len(q) else q
    return {
        "o": origin.tolist(),
        "g": np.bincount(owner, minlength=len(arr)).tolist(),
        "p": rings_per_part.tolist(),
        "r": counts.tolist(),
        "d": deltas.ravel().tolist(),
    }


class _ScriptLayer(Layer):
    """A layer made by a JS function body that returns a Leaflet layer (toggle in the control).

    A layer hidden on opening is built only when first shown (``rm.lazy``): the page
    does not spend time on overlays nobody looks at.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {% if this.show %}
        var {{ this.get_name() }} = (function(map, rm) {
        {{ this.body }}
        })({{ this._parent.get_name() }}, window.riskmap);
        {% else %}
        var {{ this.get_name() }} = window.riskmap.lazy(function(map, rm) {
        {{ this.body }}
        }, {{ this._parent.get_name() }});
        {% endif %}
        {% endmacro %}
        """
    )

    def __init__(self, body: str, name: str, *, show: bool = True, control: bool = True) -> None:
        super().__init__(name=name, overlay=True, control=control, show=show)
        self._name = "RiskmapLayer"
        self.body = body

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]  # as branca's MacroElement
        # folium's Layer.render, then the script added as text (see _render_script).
        parent: Any = self._parent
        if self.show:
            self.add_child(
                ElementAddToElement(
                    element_name=self.get_name(), element_parent_name=parent.get_name()
                ),
                name=self.get_name() + "_add",
            )
        _render_script(self, kwargs)


class _Script(MacroElement):
    """Plain JS in the map's script, with ``map`` bound to the map object."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function(map) {
        {{ this.body }}
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, body: str) -> None:
        super().__init__()
        self._name = "RiskmapScript"
        self.body = body

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]  # as branca's MacroElement
        _render_script(self, kwargs)


@dataclass(frozen=True)
class ScoreLayers:
    """The score-dependent part of a map built with ``MapOptions(dynamic=True)``.

    The risk layer, the detail cells and the legend, as one script for the map's runtime:
    run in a page that already shows the map, it replaces the set shown before
    (``window.riskmap.swap``), keyed by a hash of its content; layers keep the
    visibility the user gave them. A host that keeps the map on screen (the app) can
    then redraw only these layers after a weight change.

    Attributes
    ----------
    js : the script (expects ``window.riskmap`` of the map's runtime).
    key : hash of the script (the map's container gets it as ``data-riskmap-layers``).
    """

    js: str
    key: str


class _RawText(Element):
    """Text placed in the page as it is (branca's Element would compile it as a template)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def render(self, **kwargs: Any) -> str:
        return self.text


def _render_script(el: MacroElement, kwargs: dict[str, Any]) -> None:
    """branca's MacroElement.render for an element with only a script macro.

    branca wraps the rendered script in ``Element(text)``, which compiles the text as a
    Jinja template: for the large data scripts that is most of the render time (and
    ``{{`` in data would be taken for Jinja syntax). The text is added as it is instead.
    """
    figure: Any = el.get_root()
    script = el._template.module.__dict__["script"]
    figure.script.add_child(_RawText(script(el, kwargs)), name=el.get_name())
    for child in el._children.values():
        child.render(**kwargs)


_RUNTIME_SRC = """
var rm = window.riskmap = window.riskmap || {};
window.riskmapMap = map;
rm.map = map;
rm.canvas = L.canvas({padding: 0.5});
rm.ready = false;
// A layer built on first display: an empty group that makes the real layer when added.
rm.lazy = function(build, m) {
  var proxy = L.layerGroup(), made = null;
  proxy.on('add', function() {
    if (!made) { made = build(m, rm); proxy.addLayer(made); }
  });
  return proxy;
};
map.on('click', function(e) {
  map.getContainer().setAttribute('data-last-click',
    e.latlng.lat.toFixed(7) + ',' + e.latlng.lng.toFixed(7));
  // A host page may listen for clicks (e.g. to report them to a server at once).
  if (typeof rm.onclick === 'function') { rm.onclick(e); }
});
// The map's layer control (folium's LayerControl, made after this script): layers
// swapped in later by rm.swap are listed in it too.
if (!L.Control.Layers.prototype._rmHooked) {
  var rmLayersOnAdd = L.Control.Layers.prototype.onAdd;
  L.Control.Layers.prototype.onAdd = function(m) {
    var r = window.riskmap;
    if (r && m === r.map) { r.control = this; }
    return rmLayersOnAdd.call(this, m);
  };
  L.Control.Layers.prototype._rmHooked = true;
}
// The score-dependent layers and controls (risk layer, detail cells, legend) as a set
// that replaces the previous set; `build` returns items {id, layer, name, show} or
// {id, control}. A layer keeps the visibility the user gave it in the control.
// A set with the key already shown is not rebuilt. The map's container gets the key.
rm.swap = function(key, build) {
  if (rm.dyn && rm.dyn.key === key) { return; }
  var shown = {};
  if (rm.dyn) {
    rm.dyn.items.forEach(function(it) {
      if (it.control) { it.control.remove(); }
      if (it.layer) {
        shown[it.id] = rm.map.hasLayer(it.layer);
        if (rm.control) { rm.control.removeLayer(it.layer); }
        rm.map.removeLayer(it.layer);
      }
    });
  }
  var items = build(rm.map, rm);
  items.forEach(function(it) {
    if (!it.layer) { return; }
    if (it.id in shown ? shown[it.id] : it.show) { it.layer.addTo(rm.map); }
    if (rm.control) { rm.control.addOverlay(it.layer, it.name); }
  });
  rm.dyn = {key: key, items: items};
  rm.map.getContainer().setAttribute('data-riskmap-layers', key);
};
// Shapes from _encode_shapes: per geometry, its parts; per part, rings of [lat, lng].
rm.decode = function(e) {
  var q = 1e-5, x = e.o[0], y = e.o[1], k = 0, pi = 0, ri = 0, out = [];
  for (var g = 0; g < e.g.length; g++) {
    var parts = [];
    for (var p = 0; p < e.g[g]; p++, pi++) {
      var rings = [];
      for (var r = 0; r < e.p[pi]; r++, ri++) {
        var ring = new Array(e.r[ri]);
        for (var v = 0; v < e.r[ri]; v++) { x += e.d[k++]; y += e.d[k++]; ring[v] = [y * q, x * q]; }
        rings.push(ring);
      }
      parts.push(rings);
    }
    out.push(parts);
  }
  return out;
};
// Lines of rm.decode's parts (one ring each) as one multi-line.
rm.lines = function(parts) { return parts.map(function(rings) { return rings[0]; }); };
// Point symbols, drawn on the canvas (thousands of points stay cheap): a shape per kind
// of overlay, a white halo that keeps it apart from any level colour under it, a border
// and a mark. p: {s: shape, f: fill, k: border, w: border width, m: mark}; a plain
// colour is a circle of that colour.
rm.symPath = function(ctx, s, x, y, r) {
  var i, a, n, q;
  ctx.beginPath();
  if (s === 'square') {
    q = r * 0.86; ctx.rect(x - q, y - q, 2 * q, 2 * q);
  } else if (s === 'diamond') {
    ctx.moveTo(x, y - r); ctx.lineTo(x + r, y); ctx.lineTo(x, y + r); ctx.lineTo(x - r, y);
  } else if (s === 'tri' || s === 'tridown') {
    q = s === 'tri' ? 1 : -1;
    ctx.moveTo(x, y - q * r); ctx.lineTo(x + r * 0.98, y + q * r * 0.74); ctx.lineTo(x - r * 0.98, y + q * r * 0.74);
  } else if (s === 'star' || s === 'hex') {
    n = s === 'star' ? 10 : 6;
    for (i = 0; i < n; i++) {
      a = 2 * Math.PI * i / n - Math.PI / 2;
      q = s === 'star' && i % 2 ? r * 0.46 : r;
      ctx[i ? 'lineTo' : 'moveTo'](x + q * Math.cos(a), y + q * Math.sin(a));
    }
  } else {
    ctx.arc(x, y, r, 0, 2 * Math.PI);
  }
  ctx.closePath();
};
rm.drawSymbol = function(ctx, p, x, y, r) {
  if (typeof p === 'string') { p = {f: p}; }
  var w = p.w || 1, a, b;
  ctx.save();
  ctx.globalAlpha = 1;  // (Leaflet's canvas leaves the last path's opacity set)
  ctx.lineJoin = 'round';
  rm.symPath(ctx, p.s, x, y, r);
  ctx.lineWidth = w + 3; ctx.strokeStyle = 'rgba(255,255,255,0.95)'; ctx.stroke();
  ctx.fillStyle = p.f || '#555555'; ctx.fill();
  ctx.lineWidth = w; ctx.strokeStyle = p.k || '#1a1a1a'; ctx.stroke();
  if (p.m === 'cross') {
    a = r * 0.58; b = Math.max(0.9, r * 0.19); ctx.fillStyle = '#ffffff';
    ctx.fillRect(x - a, y - b, 2 * a, 2 * b); ctx.fillRect(x - b, y - a, 2 * b, 2 * a);
  } else if (p.m === 'dot') {
    ctx.beginPath(); ctx.arc(x, y, Math.max(1.2, r * 0.34), 0, 2 * Math.PI);
    ctx.fillStyle = p.k || '#1a1a1a'; ctx.fill();
  } else if (p.m === '!') {
    b = Math.max(0.8, r * 0.13); ctx.fillStyle = '#ffffff';
    ctx.fillRect(x - b, y - r * 0.42, 2 * b, r * 0.62);
    ctx.fillRect(x - b, y + r * 0.32, 2 * b, 2 * b);
  }
  ctx.restore();
};
// A marker drawn as its symbol (a CircleMarker for Leaflet: same hit test and bounds).
rm.Symbol = L.CircleMarker.extend({
  _updatePath: function() {
    var rd = this._renderer;
    if (!rd._ctx) { return L.CircleMarker.prototype._updatePath.call(this); }
    if (!rd._drawing || this._empty()) { return; }
    rm.drawSymbol(rd._ctx, this.options.sym, this._point.x, this._point.y, this._radius);
  }
});
// A symbol as a small canvas element (layer control and overlay legend): the map's own drawing.
rm.symbolIcon = function(p, size) {
  var c = document.createElement('canvas'), k = window.devicePixelRatio || 1;
  c.width = c.height = Math.ceil(size * k);
  c.style.width = c.style.height = size + 'px';
  c.className = 'rm-sym';
  var ctx = c.getContext('2d');
  ctx.scale(k, k);
  rm.drawSymbol(ctx, p, size / 2, size / 2, Math.min(size / 2 - 2.5, p.z || 6));
  return c;
};
// Points from packing.pack_points: o the first point, q deltas (1e-5 degrees), c symbol
// runs [code, count, ...], r and m a number for all or one a point.
rm.unpack = function(d) {
  var n = d.q.length / 2, x = new Array(n), y = new Array(n), c = new Array(n);
  var a = d.o[0], b = d.o[1], i, j, k = 0;
  for (i = 0; i < n; i++) { a += d.q[2 * i]; b += d.q[2 * i + 1]; x[i] = a * 1e-5; y[i] = b * 1e-5; }
  for (i = 0; i < d.c.length; i += 2) { for (j = 0; j < d.c[i + 1]; j++) { c[k++] = d.c[i]; } }
  function each(v, dflt) { return v === undefined ? function() { return dflt; }
    : typeof v === 'number' ? function() { return v; } : function(i) { return v[i]; }; }
  return {n: n, x: x, y: y, c: c, r: each(d.r, 4), m: each(d.m, 0)};
};
// Deflated text (packing.pack_text) with the browser's own DecompressionStream: a promise.
rm.inflate = function(b64) {
  if (typeof DecompressionStream === 'undefined') { return Promise.reject(new Error('no DecompressionStream')); }
  var bin = atob(b64), bytes = new Uint8Array(bin.length);
  for (var i = 0; i < bin.length; i++) { bytes[i] = bin.charCodeAt(i); }
  var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate'));
  return new Response(stream).text().then(JSON.parse);
};
rm.points = function(layer, d) {
  var u = rm.unpack(d), out = [], tips = d.t || null, tipOf = null;
  if (d.tz) { rm.inflate(d.tz).then(function(t) { tips = t; }, function() {}); }
  if (d.t || d.tz || d.tn) { tipOf = function(m) { return tips ? tips[m._rmI] : d.tn; }; }
  for (var i = 0; i < u.n; i++) {
    var m = new rm.Symbol([u.y[i], u.x[i]], {
      renderer: rm.canvas, radius: u.r(i), weight: 4, sym: d.p[u.c[i]]});
    m._rmI = i;
    if (tipOf) { m.bindTooltip(tipOf); }
    // A click on a point is a click on the map there too: the cell under it opens.
    m.on('click', rm.clickThrough);
    out.push(m);
  }
  // A cluster zooms in when clicked and, like a point, opens the cell under the pointer:
  // shelters and stations are on at opening, and their clusters must not swallow clicks.
  if (layer.addLayers) { layer.on('clusterclick', rm.clickThrough); }
  if (layer.addLayers) { layer.addLayers(out); } else { out.forEach(function(m) { layer.addLayer(m); }); }
  return layer;
};
rm.clickThrough = function(e) {
  var mp = rm.map;
  if (mp && e.originalEvent) {
    var at = mp.mouseEventToLatLng(e.originalEvent);  // where the pointer is, not the point
    mp.fire('click', {latlng: at, layerPoint: mp.latLngToLayerPoint(at),
                      containerPoint: mp.latLngToContainerPoint(at),
                      originalEvent: e.originalEvent});
  }
};
// The symbols of the point overlays, by their name in the layer control (one name per
// layer everywhere): each a list of {s, f, k, w, m, z, l} (l: the row's label, as HTML).
rm.symbols = rm.symbols || {};
rm.decorateControl = function(swatches) {
  Object.keys(swatches).forEach(function(name) {
    rm.symbols[name] = swatches[name].map(function(v) {
      return typeof v === 'string' && v.charAt(0) === '{' ? JSON.parse(v) : {f: v};
    });
  });
  if (rm.control && rm.control._map) { rm.control._update(); }  // labels again, with symbols
  rm.overlayLegend();
};
// The control's labels get their layer's symbols before the name (every time the control
// lists its layers again, e.g. after rm.swap).
if (!L.Control.Layers.prototype._rmSymbols) {
  var rmAddItem = L.Control.Layers.prototype._addItem;
  L.Control.Layers.prototype._addItem = function(obj) {
    var label = rmAddItem.call(this, obj), r = window.riskmap;
    var rows = r && r.symbols && obj.overlay && this === r.control ? r.symbols[obj.name] : null;
    var holder = label.firstChild, name = holder && holder.lastChild;
    if (rows && name) {
      var box = document.createElement('span');
      box.className = 'rm-swatches';
      rows.slice(0, 5).forEach(function(p) { box.appendChild(r.symbolIcon(p, 16)); });
      holder.insertBefore(box, name);
    }
    return label;
  };
  L.Control.Layers.prototype._rmSymbols = true;
}
// The overlay legend (bottom left, apart from the level legend): each point overlay shown
// on the map with its symbols, in the layer control's order; it follows the control.
rm.overlayLegend = function() {
  var m = rm.map, ctl = rm.control;
  if (!ctl || !ctl._layers) { return; }
  if (!rm.ovLegend) {
    // A narrow map (the app's map column, a phone) has no room for two legends side by
    // side: the overlay legend then stands with the level legend at the bottom right.
    var corner = function() { return m.getSize().x < 600 ? 'bottomright' : 'bottomleft'; };
    rm.ovLegend = L.control({position: corner()});
    rm.ovLegend.onAdd = function() {
      var div = L.DomUtil.create('div', 'rm-ov-legend');
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    rm.ovLegend.addTo(m);
    var queued = false, later = function() {
      if (queued) { return; }
      queued = true;
      setTimeout(function() { queued = false; rm.overlayLegend(); }, 0);
    };
    m.on('overlayadd overlayremove', later);
    m.on('resize', function() {
      if (rm.ovLegend.getPosition() !== corner()) { rm.ovLegend.setPosition(corner()); later(); }
    });
    m.on('layeradd layerremove', function(e) { if (e.layer && e.layer._rmSym) { later(); } });
  }
  var div = rm.ovLegend.getContainer(), n = 0;
  div.innerHTML = '<h4></h4>';
  div.firstChild.innerHTML = rm.symbolTitle || '';
  ctl._layers.forEach(function(o) {
    var rows = o.overlay ? rm.symbols[o.name] : null;
    if (!rows) { return; }
    o.layer._rmSym = true;
    if (!m.hasLayer(o.layer)) { return; }
    n++;
    var row = L.DomUtil.create('div', 'rm-ov-row', div), name = document.createElement('span');
    name.className = 'rm-name';
    name.innerHTML = o.name;
    if (rows.length === 1 && !rows[0].l) {
      row.appendChild(rm.symbolIcon(rows[0], 18));
      row.appendChild(name);
      return;
    }
    row.appendChild(name);
    var sub = L.DomUtil.create('div', 'rm-ov-sub', div);
    rows.forEach(function(p) {
      var item = L.DomUtil.create('span', 'rm-ov-item', sub), text = document.createElement('span');
      item.appendChild(rm.symbolIcon(p, 18));
      text.innerHTML = p.l || '';
      item.appendChild(text);
    });
  });
  div.style.display = n ? '' : 'none';
  m.getContainer().setAttribute('data-overlay-legend', n);
};
// Clusters of points in one neutral grey: a count, never a colour that reads as a risk level.
rm.clusterIcon = function(cluster) {
  var n = cluster.getChildCount(), size = n < 10 ? 22 : n < 100 ? 26 : 32;
  return L.divIcon({html: '<div style="width:' + size + 'px;height:' + size + 'px;line-height:'
                    + (size - 4) + 'px">' + n + '</div>', className: 'rm-cluster',
                    iconSize: L.point(size, size)});
};
rm.circles = function(layer, d) {
  var u = rm.unpack(d);
  for (var i = 0; i < u.n; i++) {
    var p = d.p[u.c[i]];
    L.circle([u.y[i], u.x[i]], {renderer: rm.canvas, radius: u.m(i), color: p.f || p,
      weight: 1, opacity: 0.7, fillOpacity: 0.08, interactive: false}).addTo(layer);
  }
  return layer;
};
// Detail cells: all outlines as ONE canvas polygon (2,000 Leaflet layers took a few
// hundred ms to build on every redraw) and one tooltip. Which cell the pointer is on
// is found from the exact pointer position and the cells' own longitudes/latitudes
// (a bucket grid, then ray casting), not from outlines rounded to whole pixels: at city
// zoom a cell is a few pixels wide, and the tooltip names the cell a click there selects.
rm.cells = function(layer, d) {
  var q = 1e-5, k = 0, n = d.l.length, rings = new Array(n), box = new Array(n);
  var i, j, dd, ring, cx, cy, h, x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (i = 0; i < n; i++) {
    cx = d.o[0] + d.g[k]; cy = d.o[1] + d.g[k + 1]; h = d.g[k + 2];
    k += 3;
    if (h >= 0) { dd = d.sh[h]; } else { dd = d.g.slice(k, k - 2 * h); k -= 2 * h; }
    ring = new Array(dd.length / 2);
    var b = [Infinity, Infinity, -Infinity, -Infinity];
    for (j = 0; j < dd.length; j += 2) {
      var lat = (cy + dd[j + 1]) * q, lng = (cx + dd[j]) * q;
      ring[j / 2] = [lat, lng];
      if (lat < b[0]) { b[0] = lat; } if (lng < b[1]) { b[1] = lng; }
      if (lat > b[2]) { b[2] = lat; } if (lng > b[3]) { b[3] = lng; }
    }
    rings[i] = [ring]; box[i] = b;
    x0 = Math.min(x0, b[1]); y0 = Math.min(y0, b[0]); x1 = Math.max(x1, b[3]); y1 = Math.max(y1, b[2]);
  }
  L.polygon(rings, {renderer: rm.canvas, color: '#333333', weight: 0.4, opacity: 0.35,
    fill: false, interactive: false}).addTo(layer);
  // Bucket grid over the cells' bounds: about one cell per bucket.
  var cw = n ? (box[0][3] - box[0][1]) || 1e-3 : 1e-3, ch = n ? (box[0][2] - box[0][0]) || 1e-3 : 1e-3;
  var nx = Math.max(1, Math.ceil((x1 - x0) / cw)), ny = Math.max(1, Math.ceil((y1 - y0) / ch)), grid = {};
  for (i = 0; i < n; i++) {
    var bx0 = Math.floor((box[i][1] - x0) / cw), bx1 = Math.floor((box[i][3] - x0) / cw);
    var by0 = Math.floor((box[i][0] - y0) / ch), by1 = Math.floor((box[i][2] - y0) / ch);
    for (var bx = bx0; bx <= bx1; bx++) {
      for (var by = by0; by <= by1; by++) { (grid[by * nx + bx] = grid[by * nx + bx] || []).push(i); }
    }
  }
  function inside(r, lat, lng) {
    var c = false, a, e, u, w;
    for (u = 0, w = r.length - 1; u < r.length; w = u++) {
      a = r[u]; e = r[w];
      if ((a[0] > lat) !== (e[0] > lat) && lng < (e[1] - a[1]) * (lat - a[0]) / (e[0] - a[0]) + a[1]) { c = !c; }
    }
    return c;
  }
  layer.cellAt = function(ll) {
    var bx = Math.floor((ll.lng - x0) / cw), by = Math.floor((ll.lat - y0) / ch);
    if (bx < 0 || by < 0 || bx >= nx || by >= ny) { return -1; }
    var cand = grid[by * nx + bx] || [];
    for (var m = 0; m < cand.length; m++) {
      var c = cand[m], bb = box[c];
      if (ll.lat >= bb[0] && ll.lat <= bb[2] && ll.lng >= bb[1] && ll.lng <= bb[3]
          && inside(rings[c][0], ll.lat, ll.lng)) { return c; }
    }
    return -1;
  };
  layer.cellId = function(c) { return d.rc ? 'r' + d.rc[2 * c] + 'c' + d.rc[2 * c + 1] : d.id[c]; };
  // permanent: not closed by Leaflet on a click (it is updated here instead).
  var tip = L.tooltip({direction: 'auto', className: 'rm-cell-tip', permanent: true}), shown = -1, map = null;
  function hover(e) {
    var c = layer.cellAt(e.latlng);
    if (c === shown && (c < 0 || map.hasLayer(tip))) { return; }  // (a click may close it)
    shown = c;
    map.getContainer().style.cursor = c >= 0 ? 'pointer' : '';
    if (c < 0) { tip.remove(); return; }
    var bb = box[c], lv = d.l[c];
    tip.setLatLng([(bb[0] + bb[2]) / 2, (bb[1] + bb[3]) / 2])
      .setContent(layer.cellId(c) + ' · ' + d.n[lv] + ' · ' + d.sl + ' ' + d.s[c]);
    if (!map.hasLayer(tip)) { tip.addTo(map); }
  }
  function out() { shown = -1; tip.remove(); if (map) { map.getContainer().style.cursor = ''; } }
  // On a click too (as Leaflet's own tooltips): the tooltip then names the clicked cell.
  layer.on('add', function() { map = layer._map; map.on('mousemove click', hover); map.on('mouseout', out); });
  layer.on('remove', function() { if (map) { map.off('mousemove click', hover); map.off('mouseout', out); } out(); });
  return layer;
};
"""


def _compact_js(source: str) -> str:
    """Script text without its comment lines, indentation and blank lines (the page is
    smaller; every line keeps its end, so the script means the same)."""
    lines = (line.strip() for line in source.splitlines())
    return "\n".join(line for line in lines if line and not line.startswith("//"))


_RUNTIME_JS = _compact_js(_RUNTIME_SRC)
"""The map's runtime (``window.riskmap``) as the page gets it."""

_CSS = """
<style>
.leaflet-container { background: %(bg)s; font: 13px/1.4 "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; }
.rm-legend { background: rgba(255,255,255,0.94); padding: 8px 10px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.35); color: #222; max-width: 320px; font-size: 13px; }
.rm-legend h4 { margin: 0 0 6px; font-size: 14px; }
.rm-legend .rm-row { display: flex; align-items: center; margin: 3px 0; white-space: nowrap; }
.rm-legend .rm-sw { width: 22px; height: 14px; margin-right: 7px; border: 1px solid rgba(0,0,0,0.35); flex: none; opacity: 0.72; }
.rm-legend .rm-name { min-width: 78px; font-weight: 600; }
.rm-legend .rm-thr { color: #333; margin-left: 6px; }
.rm-legend .rm-n { color: #555; margin-left: auto; padding-left: 10px; font-variant-numeric: tabular-nums; }
.rm-legend .rm-method { margin-top: 6px; color: #444; font-size: 12px; white-space: normal; }
.rm-legend .rm-bar { height: 14px; border: 1px solid rgba(0,0,0,0.35); opacity: 0.8; }
.rm-legend .rm-ticks { display: flex; justify-content: space-between; font-size: 12px; color: #333; }
.rm-title { background: rgba(255,255,255,0.94); padding: 5px 10px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.35); font-size: 15px; font-weight: 600; color: #222; }
.rm-label { background: none; border: none; }
.rm-label span { display: inline-block; transform: translate(-50%%, -50%%); white-space: nowrap;
  font-size: 13px; font-weight: 600; color: #222;
  text-shadow: -1px -1px 0 #fff, 1px -1px 0 #fff, -1px 1px 0 #fff, 1px 1px 0 #fff, 0 0 3px #fff; }
.leaflet-image-layer.rm-raster { image-rendering: pixelated; }
.rm-swatches { margin-left: 3px; }
.rm-swatches .rm-sym { vertical-align: -3px; margin-right: 1px; }
.rm-ov-legend { background: rgba(255,255,255,0.94); padding: 8px 10px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.35); color: #222; font-size: 13px;
  max-width: 280px; max-height: calc(100vh - 230px); overflow-y: auto; }
.rm-ov-legend h4 { margin: 0 0 6px; font-size: 14px; }
.rm-ov-legend .rm-name { font-weight: 600; }
.rm-ov-legend .rm-ov-row { display: flex; align-items: center; margin: 3px 0; }
.rm-ov-legend .rm-ov-row .rm-sym { margin-right: 6px; flex: none; }
.rm-ov-legend .rm-ov-sub { display: flex; flex-wrap: wrap; margin: 0 0 4px 4px; }
.rm-ov-legend .rm-ov-item { display: inline-flex; align-items: center; margin: 1px 10px 1px 0; white-space: nowrap; }
.rm-ov-legend .rm-ov-item .rm-sym { margin-right: 3px; }
.rm-cluster { background: none; border: none; }
.rm-cluster div { box-sizing: border-box; border-radius: 50%%; background: rgba(70,70,70,0.8);
  border: 2px solid #fff; color: #fff; font: 600 11px sans-serif; text-align: center;
  box-shadow: 0 1px 3px rgba(0,0,0,0.4); }
@media (max-height: 540px), (max-width: 600px) {
  .rm-legend { padding: 3px 6px; font-size: 11px; max-width: 240px; }
  .rm-legend h4 { font-size: 12px; margin-bottom: 1px; }
  .rm-legend .rm-row { margin: 1px 0; }
  .rm-legend .rm-thr { margin-left: 4px; font-size: 10px; }
  .rm-legend .rm-n { padding-left: 6px; font-size: 10px; }
  .rm-legend .rm-method { margin-top: 2px; font-size: 10px; line-height: 1.25; }
  .rm-legend .rm-grid { display: none; }
  .rm-legend .rm-name { min-width: 0; }
  .rm-legend .rm-sw { width: 14px; height: 10px; margin-right: 4px; }
  .rm-ov-legend { padding: 3px 6px; font-size: 11px; max-width: 240px; max-height: calc(100vh - 150px); }
  .rm-ov-legend h4 { display: none; }
  .rm-ov-legend .rm-ov-row { margin: 1px 0; }
  .rm-ov-legend .rm-ov-row:has(+ .rm-ov-sub) { display: inline-flex; margin-right: 6px; }
  .rm-ov-legend .rm-ov-sub { display: inline-flex; flex-wrap: nowrap; margin: 0; vertical-align: middle; }
  .rm-ov-legend .rm-ov-item { margin-right: 6px; }
  .rm-title { font-size: 12px; padding: 3px 6px; }
}
</style>
"""


def _encode_rings(
    centre: np.ndarray, deltas: np.ndarray, counts: np.ndarray
) -> tuple[np.ndarray, list[list[int]]]:
    """A flat integer stream of cell rings, with repeated ring shapes shared.

    Per cell: ``cx, cy, k``; ``k >= 0`` is the index of a shared shape (a list of
    ``dx, dy`` around the centre), ``k < 0`` means ``-k`` vertices follow as ``dx, dy``.
    Whole grid squares repeat a handful of shapes, so most cells cost three numbers.
    """
    n = len(counts)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    quad = counts == 4
    shape_of = np.full(n, -1, dtype=np.int64)
    shapes: list[list[int]] = []
    if quad.any():
        rows = (starts[quad][:, None] + np.arange(4)[None, :]).ravel()
        mat = deltas[rows].reshape(-1, 8)
        uniq, inverse = np.unique(mat, axis=0, return_inverse=True)
        if len(uniq) <= max(64, int(quad.sum()) // 4):  # only worth it when shapes repeat
            shapes = uniq.tolist()
            shape_of[quad] = inverse.ravel()
    explicit = shape_of < 0
    sizes = np.where(explicit, 3 + 2 * counts, 3)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    stream = np.zeros(int(sizes.sum()), dtype=np.int64)
    stream[offsets] = centre[:, 0]
    stream[offsets + 1] = centre[:, 1]
    stream[offsets + 2] = np.where(explicit, -counts, shape_of)
    if explicit.any():
        ex_counts = counts[explicit]
        idx = _ranges(starts[explicit], ex_counts)
        local = idx - np.repeat(starts[explicit], ex_counts)
        base = np.repeat(offsets[explicit] + 3, ex_counts) + 2 * local
        stream[base] = deltas[idx, 0]
        stream[base + 1] = deltas[idx, 1]
    return stream, shapes


def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Concatenated ``arange(s, s + c)`` for every (s, c), vectorised."""
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(counts)
    out = np.arange(total, dtype=np.int64) - np.repeat(ends - counts, counts)
    return out + np.repeat(starts, counts)


def _encode_ids(ids: Any) -> dict[str, Any]:
    """Cell ids: ``r{row}c{col}`` ids as a flat row/col stream, any others as strings."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = np.asarray(pd.Series(ids).astype(str), dtype=object)
    parts = pc.extract_regex(pa.array(text, type=pa.string()), r"^r(?P<r>-?\d+)c(?P<c>-?\d+)$")
    if len(text) and parts.null_count == 0:
        rows = parts.field("r").cast(pa.int64()).to_numpy()
        cols = parts.field("c").cast(pa.int64()).to_numpy()
        return {"rc": np.column_stack([rows, cols]).ravel().tolist()}
    return {"id": [_e(v) for v in text.tolist()]}
