"""The app's script in the map's page (``window.riskmap``): the click reporter and the
in-place runtime that :mod:`app.components.map` adds to every map it draws.

* :data:`CLICK_REPORTER` posts a map click to Streamlit at once;
* :data:`APP_RUNTIME` changes the map on screen in place: its title, the overlays shown,
  the score layers and the view read from the page's hidden feed elements, the selected
  cell's outline, the tile basemap.
"""

from __future__ import annotations

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


APP_RUNTIME = """
var rm = window.riskmap = window.riskmap || {};
// The map's title (a control): made again only when it changes.
rm.appTitle = function(key, make) {
  if (rm.appTitleKey === key) { return; }
  if (rm.appTitleCtl) { rm.appTitleCtl.remove(); }
  rm.appTitleCtl = make(rm.map);
  rm.appTitleKey = key;
};
// The overlays shown, by their names in the layer control; `detail`: the detail cells
// (one of the score layers). Applied once per choice: streamlit-folium runs this again
// after a click, and a layer the user turned on or off in the control stays so.
rm.appOverlays = function(key, names, detail) {
  if (rm.appOverlaysKey === key || !rm.control) { return; }
  rm.appOverlaysKey = key;
  var want = {}, dyn = (rm.dyn && rm.dyn.items) || [];
  names.forEach(function(n) { want[n] = true; });
  var show = function(layer, on) {
    if (on && !rm.map.hasLayer(layer)) { rm.map.addLayer(layer); }
    if (!on && rm.map.hasLayer(layer)) { rm.map.removeLayer(layer); }
  };
  rm.control._layers.slice().forEach(function(o) {
    var scored = dyn.some(function(it) { return it.layer === o.layer; });
    if (o.overlay && !scored) { show(o.layer, !!want[o.name]); }
  });
  dyn.forEach(function(it) { if (it.id === 'detail' && it.layer) { show(it.layer, detail); } });
};
// What changes in the map on screen, read from the page around it: the hidden elements
// `[data-riskmap-feed=<key>]` that the app writes next to the map hold the scripts of the
// map's dynamic groups (score layers, the in-place script, outlines: `data-group=<i>`, as
// text) and the view asked for (`data-view`: [[lat, lng], zoom], applied when it changes).
// The map's own arguments then never change, and Streamlit sends the map (its script,
// several hundred kB) once: a weight change sends only the new score layers, a district
// zoom or an overlay toggle a few bytes. A group is evaluated again only when its text
// changes; the layer group it made before is removed first (as streamlit-folium does).
rm.appFeed = function(key) {
  if (rm.appFeedKey === key) { return; }
  rm.appFeedKey = key;
  rm.appFeedDone = [];
  rm.appFeedLayers = [];
  rm.appFeedView = null;
  var doc;
  try { doc = window.parent.document; } catch (err) { return; }
  if (!doc || doc === document) { return; }
  var apply = function() {
    var parts = [], view = '';
    doc.querySelectorAll('[data-riskmap-feed]').forEach(function(e) {
      if (e.getAttribute('data-riskmap-feed') !== key) { return; }
      if (e.hasAttribute('data-group')) { parts[+e.getAttribute('data-group')] = e.textContent; }
      if (e.hasAttribute('data-view')) { view = e.getAttribute('data-view'); }
    });
    var n = Math.max(parts.length, rm.appFeedDone.length);
    for (var i = 0; i < n; i++) {
      var js = parts[i] || '';
      if (js === rm.appFeedDone[i]) { continue; }
      rm.appFeedDone[i] = js;
      if (rm.appFeedLayers[i]) { rm.map.removeLayer(rm.appFeedLayers[i]); }
      rm.appFeedLayers[i] = null;
      if (!js) { continue; }
      // (A group that fails is left out: the others and the view are still applied.)
      try { (0, eval)(js); } catch (err) { console.error(err); }
      rm.appFeedLayers[i] = window['feature_group_feature_group_' + i] || null;
    }
    if (view !== rm.appFeedView) {
      rm.appFeedView = view;
      // Animated as Leaflet likes: an animation still pending (a new map's first view)
      // then runs before this one instead of undoing it.
      if (view) { var v = JSON.parse(view); rm.map.setView(v[0], v[1]); }
    }
  };
  // (The observer hears a task's changes together, once they are made.)
  new MutationObserver(apply).observe(doc.body, {subtree: true, childList: true, characterData: true, attributes: true,
                        attributeFilter: ['data-view', 'data-riskmap-feed']});
  apply();
};
// The selected cell's outline, read from the page around the map: the details panel's
// element with `data-outline` (GeoJSON in the map's coordinates). A click then changes
// nothing the map is drawn from, so the browser keeps the map and its layers as they are.
rm.appSelection = function() {
  if (rm.appSelectionOn) { return; }
  var doc;
  try { doc = window.parent.document; } catch (err) { return; }
  if (!doc || doc === document) { return; }
  rm.appSelectionOn = true;
  var apply = function() {
    var el = doc.querySelector('[data-outline]');
    var geo = el ? el.getAttribute('data-outline') || '' : '';
    if (geo === rm.appSelectionKey) { return; }
    rm.appSelectionKey = geo;
    if (rm.appSelectionLayer) { rm.map.removeLayer(rm.appSelectionLayer); }
    rm.appSelectionLayer = null;
    if (!geo) { return; }
    rm.appSelectionLayer = L.geoJSON(JSON.parse(geo), {
      interactive: false,
      style: function() { return {color: '#000000', weight: 3, fill: false, className: 'rm-selection'}; }
    }).addTo(rm.map);
  };
  new MutationObserver(apply).observe(doc.body, {subtree: true, childList: true, attributes: true,
                        attributeFilter: ['data-outline']});
  apply();
};
// The area the map is looked at for (a district, or the whole city): the title names it,
// and the legend of the view it was counted for (`scope.view`: level, hot spots, level
// confidence) counts its cells (`scope.counts`: the texts of the legend's counts, `.rm-n`,
// in the legend's order) and says which area it counts (`scope.line`). Run after the
// score layers and the title (the feed's group after theirs, its text holding their
// keys): a new legend or title is given the area again. `scope.name` empty: the whole
// city, the map's own title; `scope.counts` null: the legend's own counts.
rm.appScope = function(scope) {
  var box = rm.map.getContainer();
  var title = box.querySelector('.rm-title');
  if (title) {
    if (!title.hasAttribute('data-own')) { title.setAttribute('data-own', title.textContent); }
    var own = title.getAttribute('data-own'), head = scope.prefix || '';
    title.textContent = !scope.name ? own : (head && own.indexOf(head) === 0
      ? head + ' · ' + scope.name + own.slice(head.length) : scope.name + ' · ' + own);
  }
  box.querySelectorAll('.rm-legend').forEach(function(legend) {
    var line = legend.querySelector('.rm-scope');
    if (!scope.counts || legend.getAttribute('data-view') !== (scope.view || 'level')) {
      if (line) { line.remove(); }
      return;
    }
    legend.querySelectorAll('.rm-n').forEach(function(el, i) {
      if (!el.hasAttribute('data-own')) { el.setAttribute('data-own', el.textContent); }
      var own = el.getAttribute('data-own');
      el.textContent = scope.counts[i] != null
        ? scope.counts[i] + own.replace(/^[0-9,]+/, '') : own;
    });
    if (!line) {
      line = document.createElement('div');
      line.className = 'rm-scope';
      line.style.cssText = 'margin:-2px 0 4px;color:#333;font-size:12px';
      var h = legend.querySelector('h4');
      if (h) { h.after(line); } else { legend.prepend(line); }
    }
    line.textContent = scope.line || '';
  });
  box.setAttribute('data-riskmap-scope', scope.name || '');
};
// The tile basemap (none: the offline map): its tile layer, listed in the layer control,
// and the attribution it needs.
rm.appTiles = function(key, tiles) {
  if (rm.appTilesKey === key || !rm.control) { return; }
  rm.appTilesKey = key;
  if (rm.appTileLayer) {
    rm.control.removeLayer(rm.appTileLayer);
    rm.map.removeLayer(rm.appTileLayer);
    rm.appTileLayer = null;
  }
  if (rm.map.attributionControl) {
    rm.map.attributionControl.remove();
    rm.map.attributionControl = null;
  }
  if (!tiles) { return; }
  rm.map.attributionControl = L.control.attribution().addTo(rm.map);
  // Bottom-most in its corner, under the legend, as when the map is made with it.
  var at = rm.map.attributionControl.getContainer();
  at.parentNode.appendChild(at);
  rm.appTileLayer = L.tileLayer(tiles.url, tiles.options);
  rm.appTileLayer.addTo(rm.map);
  rm.appTileLayer.bringToBack();
  rm.control.addBaseLayer(rm.appTileLayer, tiles.name);
};
"""
