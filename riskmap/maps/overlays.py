"""Overlays drawn from the project's data: boundary, districts, shelters and their
service radius, fire stations and their reach, community stations, depots, rescue
teams, hazard sources and areas, the register's hidden hazards, and each layer added to
the project's from a file (an upload) under its own name.
"""

from __future__ import annotations

import html
import json
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from branca.element import MacroElement

from riskmap.engine.rules import rule_values
from riskmap.maps import packing
from riskmap.maps.borders import LEVEL_BITS, Arcs, arcs_script, build_arcs
from riskmap.maps.display import _Display, _encode_shapes, _Script, _ScriptLayer
from riskmap.maps.packing import pack_points, pack_text, text_bytes
from riskmap.maps.text import (
    _CLOSED_STATUSES,
    _COORD_DIGITS,
    _HAZARD_CLASS_COLORS,
    _HIDDEN_STATUS_COLORS,
    _SHELTER_COLORS,
    _SYMBOL_KINDS,
    _SYMBOLS,
    _TEXT,
    _js,
    _t,
)


def fire_reach_m(method: Any) -> float:
    """Straight-line radius a fire crew covers within the target time.

    ``(fire_target_min - fire_turnout_min)`` minutes at ``fire_speed_kmh``, divided by
    ``detour_factor`` (network vs straight-line distance); the defaults give 1,538 m.

    Parameters
    ----------
    method
        A :class:`riskmap.config.MethodConfig`.
    """
    minutes = max(method.fire_target_min - method.fire_turnout_min, 0.0)
    return minutes * method.fire_speed_kmh * 1000.0 / 60.0 / method.detour_factor


def _names(gdf: pd.DataFrame) -> pd.Series:
    ids = gdf["id"].astype(str) if "id" in gdf else pd.Series([""] * len(gdf), index=gdf.index)
    if "name" not in gdf:
        return ids
    names = gdf["name"].fillna("").astype(str)
    return names.where(names.str.len() > 0, ids)


def _escaped(values: pd.Series) -> pd.Series:
    return values.fillna("").astype(str).map(html.escape)


def _point_xy(
    gdf: gpd.GeoDataFrame, display: _Display
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Display lon/lat of each feature (a point on the surface of non-points); valid mask."""
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    pts = np.empty(len(geoms), dtype=object)
    pts[ok] = shapely.point_on_surface(geoms[ok])
    x = np.full(len(geoms), np.nan)
    y = np.full(len(geoms), np.nan)
    x[ok] = shapely.get_x(pts[ok])
    y[ok] = shapely.get_y(pts[ok])
    lon = np.full(len(geoms), np.nan)
    lat = np.full(len(geoms), np.nan)
    if ok.any():
        lon[ok], lat[ok] = display.xy(x[ok], y[ok])
    return np.round(lon, _COORD_DIGITS), np.round(lat, _COORD_DIGITS), ok


@dataclass
class _Points:
    """Accumulated point features of one overlay (concatenated over layers): positions,
    each point's symbol (an index into ``symbols``), radius, tooltip and radius in metres."""

    x: list[np.ndarray]
    y: list[np.ndarray]
    c: list[np.ndarray]
    r: list[np.ndarray]
    t: list[pd.Series]
    m: list[np.ndarray]
    symbols: list[dict[str, Any]]

    @classmethod
    def empty(cls) -> _Points:
        return cls([], [], [], [], [], [], [])

    def symbol(self, spec: dict[str, Any]) -> int:
        """The index of ``spec`` (a symbol of :data:`_SYMBOLS`' form, with its legend
        label ``l``), added when new."""
        if spec not in self.symbols:
            self.symbols.append(spec)
        return self.symbols.index(spec)

    def add(
        self,
        lon: np.ndarray,
        lat: np.ndarray,
        codes: np.ndarray,
        radius: np.ndarray,
        tips: pd.Series,
        *,
        metres: np.ndarray | None = None,
    ) -> None:
        self.x.append(lon)
        self.y.append(lat)
        self.c.append(codes)
        self.r.append(radius)
        self.t.append(tips)
        self.m.append(metres if metres is not None else np.zeros(len(lon)))

    def __len__(self) -> int:
        return int(sum(len(a) for a in self.x))

    def tips(self) -> list[str]:
        return pd.concat(self.t, ignore_index=True).tolist() if self.t else []

    def payload(self, tip_mode: str = "text", fallback: str = "") -> dict[str, Any]:
        """What the page draws (:func:`~riskmap.maps.packing.pack_points`): markers with
        tooltips as ``tip_mode`` says; the symbols without their legend labels and sizes
        (the radius is per point)."""
        out = pack_points(
            np.concatenate(self.x),
            np.concatenate(self.y),
            np.concatenate(self.c).astype(int),
            radius=np.concatenate(self.r),
            tips=self.tips(),
            tip_mode=tip_mode,
            fallback=fallback,
        )
        out["p"] = [{k: v for k, v in sym.items() if k not in ("l", "z")} for sym in self.symbols]
        return out

    def circles(self) -> dict[str, Any]:
        """What the page draws for circles: radius in metres, no tooltips."""
        out = pack_points(
            np.concatenate(self.x),
            np.concatenate(self.y),
            np.concatenate(self.c).astype(int),
            metres=np.concatenate(self.m),
        )
        out["p"] = [{k: v for k, v in sym.items() if k not in ("l", "z")} for sym in self.symbols]
        return out

    def swatch(self) -> tuple[str, ...]:
        """The symbols as the layer control and the overlay legend list them (JSON each;
        ``l``, the label of a symbol among several, is escaped HTML)."""
        return tuple(
            json.dumps(sym, ensure_ascii=False, separators=(",", ":")) for sym in self.symbols
        )


def _kind_symbol(kind: Any, lang: str) -> dict[str, Any]:
    """The symbol of a layer kind: its overlay's; a hazard source's circle in its class
    colour (labelled with the class); else a circle in the kind's colour."""
    overlay = _SYMBOL_KINDS.get(kind.kind)
    if overlay is not None:
        return dict(_SYMBOLS[overlay])
    if kind.role == "hazard":
        group = kind.group if kind.group in _HAZARD_CLASS_COLORS else "other"
        return {
            **_SYMBOLS["hazards"],
            "f": _HAZARD_CLASS_COLORS.get(group, _SYMBOLS["hazards"]["f"]),
            "l": html.escape(_t(f"hazard_class.{group}", lang)),
        }
    return {"s": "circle", "f": kind.style.color}


def _variant_label(prefix: str, value: str, lang: str) -> str:
    key = f"{prefix}.{value}"
    return html.escape(_t(key, lang) if key in _TEXT else value)


def _collect_points(
    layers: Iterable[Any],
    display: _Display,
    lang: str,
    *,
    symbol: Callable[[Any], dict[str, Any]] | None = None,
    variant_by: str | None = None,
    variants: dict[str, dict[str, Any]] | None = None,
    size_by_intensity: tuple[float, float] | None = None,
    keep: Any = None,
    extra: Any = None,
    metres: Any = None,
) -> _Points:
    """Points of ``layers``, each drawn with its layer's ``symbol`` (default: its kind's,
    :func:`_kind_symbol`), changed by ``variants`` after its ``variant_by`` value (each
    variant with its legend label ``l``); radius the symbol's ``z``, else the kind's
    radius, or from ``size_by_intensity`` (smallest, largest) by the kind's intensity."""
    make = symbol if symbol is not None else (lambda lyr: _kind_symbol(lyr.kind, lang))
    pts = _Points.empty()
    for lyr in layers:
        gdf = lyr.gdf
        if keep is not None:
            gdf = gdf[keep(gdf)]
        if len(gdf) == 0:
            continue
        lon, lat, ok = _point_xy(gdf, display)
        gdf = gdf[ok]
        lon, lat = lon[ok], lat[ok]
        spec = make(lyr)
        if variant_by and variants and variant_by in gdf:
            values = gdf[variant_by].astype(str)
            used = [v for v in variants if (values == v).any()]
            codes_of = {v: pts.symbol({**spec, **variants[v]}) for v in used}
            mapped = values.map(codes_of)
            if mapped.isna().any():  # a value without a variant of its own
                other = {**spec, "l": html.escape(_t("symbol_other", lang))}
                mapped = mapped.fillna(pts.symbol(other if codes_of else spec))
            codes = mapped.to_numpy(dtype=int)
        else:
            codes = np.full(len(gdf), pts.symbol(spec))
        if size_by_intensity is not None and lyr.kind.intensity is not None:
            rule = lyr.kind.intensity
            categories = list(rule.values.values())  # noqa: PD011  (a dict, not a frame)
            top = rule.max if rule.max is not None else max([rule.default, *categories])
            inten = rule_values(rule, gdf)
            low, high = size_by_intensity
            radius = low + (high - low) * np.clip(inten / (top or 1.0), 0, 1)
        else:
            radius = np.full(len(gdf), float(spec.get("z", lyr.kind.style.radius_px + 1)))
        kind_name = html.escape(lyr.kind.name.get(lang))
        tips = "<b>" + _escaped(_names(gdf)).reset_index(drop=True) + "</b><br>" + kind_name
        if extra is not None:
            more = extra(gdf)
            if more is not None:
                tips = tips + " · " + _escaped(more).reset_index(drop=True)
        pts.add(lon, lat, codes, radius, tips, metres=metres(gdf) if metres is not None else None)
    return pts


def _points_layer(pts: _Points, name: str, *, show: bool, cluster: bool) -> _ScriptLayer:
    group = (
        "L.markerClusterGroup({chunkedLoading: true, disableClusteringAtZoom: 15, "
        "maxClusterRadius: 50, iconCreateFunction: rm.clusterIcon})"
        if cluster
        else "L.featureGroup()"
    )
    body = f"var d = {_js(pts.payload())};\nreturn rm.points({group}, d);"
    layer = _ScriptLayer(body, name, show=show)
    layer.swatch = pts.swatch()  # type: ignore[attr-defined]  # the control's and legend's symbols
    layer.points = (pts, group)  # type: ignore[attr-defined]  # rewritten by _fit_tooltips
    return layer


_TIP_PRIORITY = (
    "hidden_hazards",
    "hazards",
    "fire_stations",
    "shelters",
    "supply_depots",
    "rescue_teams",
    "seismic_stations",
)
"""Which point overlays keep their tooltips first when a page's budget is short (layers
added from files come next, the many community stations last)."""


def _fit_tooltips(layers: Sequence[_ScriptLayer], lang: str) -> None:
    """Give the point overlays' tooltips the page's tooltip budget
    (:func:`~riskmap.maps.packing.assign_tip_modes`): as text, deflated, or only the
    overlay's name on hover. A city's layers all keep theirs as text."""
    pending = [lyr for lyr in layers if getattr(lyr, "points", None) is not None]
    # Most useful names first: hazard sources, then the few fire stations and shelters,
    # the many community stations last.
    first = {_t(k, lang): i for i, k in enumerate(_TIP_PRIORITY)}
    first[_t("community_stations", lang)] = len(first) + 1
    pending.sort(key=lambda lyr: first.get(lyr.layer_name, len(_TIP_PRIORITY)))
    tips = [lyr.points[0].tips() for lyr in pending]  # type: ignore[attr-defined]
    plain = [text_bytes(t) for t in tips]
    if sum(plain) <= packing.TIP_TEXT_BYTES:
        return
    sizes = [(n, len(pack_text(t))) for n, t in zip(plain, tips, strict=True)]
    modes = packing.assign_tip_modes(sizes, packing.TIP_TEXT_BYTES, packing.TIP_PACKED_BYTES)
    for lyr, mode in zip(pending, modes, strict=True):
        if mode == "text":
            continue
        pts, group = lyr.points  # type: ignore[attr-defined]
        data = pts.payload(tip_mode=mode, fallback=lyr.layer_name)
        lyr.body = f"var d = {_js(data)};\nreturn rm.points({group}, d);"


def _circles_layer(pts: _Points, name: str, *, show: bool) -> _ScriptLayer:
    body = f"var d = {_js(pts.circles())};\nreturn rm.circles(L.featureGroup(), d);"
    return _ScriptLayer(body, name, show=show)


def _variants(colours: dict[str, str], prefix: str, lang: str) -> dict[str, dict[str, Any]]:
    """Symbol changes per attribute value: its fill and its legend label."""
    return {v: {"f": c, "l": _variant_label(prefix, v, lang)} for v, c in colours.items()}


def _point_overlays(
    data: Any, display: _Display, lang: str, shown: set[str]
) -> tuple[list[_ScriptLayer], bool]:
    """Every point overlay the project's layers allow; and whether clustering is used."""
    out: list[_ScriptLayer] = []
    clustered = False
    method = data.project.method

    shelters = data.by_kind("shelter")
    if shelters:

        def _shelter_extra(g: pd.DataFrame) -> pd.Series:
            typ = (
                g["type"].fillna("").astype(str)
                if "type" in g
                else pd.Series([""] * len(g), index=g.index)
            )
            area = pd.to_numeric(g["area_m2"], errors="coerce") if "area_m2" in g else None
            if area is None:
                return typ
            return (
                typ
                + " · "
                + _t("area", lang)
                + " "
                + area.map(lambda v: "" if pd.isna(v) else f"{v:,.0f} m²")
            )

        pts = _collect_points(
            shelters,
            display,
            lang,
            variant_by="type",
            variants=_variants(_SHELTER_COLORS, "shelter_type", lang),
            extra=_shelter_extra,
        )
        if len(pts):
            out.append(
                _points_layer(pts, _t("shelters", lang), show="shelters" in shown, cluster=True)
            )
            clustered = True  # on at opening with the stations: grouped until zoomed in
            radius_by_type = dict(method.shelter_radius_m)
            default_r = max(radius_by_type.values()) if radius_by_type else 500.0
            circ = _collect_points(
                shelters,
                display,
                lang,
                variant_by="type",
                variants=_variants(_SHELTER_COLORS, "shelter_type", lang),
                metres=lambda g: (
                    g["type"]
                    .astype(str)
                    .map(radius_by_type)
                    .astype(float)
                    .fillna(default_r)
                    .to_numpy()
                    if "type" in g
                    else np.full(len(g), default_r)
                ),
            )
            out.append(
                _circles_layer(circ, _t("shelter_radius", lang), show="shelter_radius" in shown)
            )

    fire = data.by_kind("fire_station")
    if fire:
        pts = _collect_points(fire, display, lang, extra=lambda g: g.get("class", None))
        if len(pts):
            out.append(
                _points_layer(
                    pts, _t("fire_stations", lang), show="fire_stations" in shown, cluster=True
                )
            )
            clustered = True
            reach = fire_reach_m(method)
            circ = _collect_points(
                fire,
                display,
                lang,
                symbol=lambda lyr: {"f": lyr.kind.style.color},
                metres=lambda g: np.full(len(g), reach),
            )
            label = (
                f"{_t('fire_reach', lang)}（{_t('radius', lang)} {reach:,.0f} m）"
                if lang != "en"
                else f"{_t('fire_reach', lang)} ({_t('radius', lang)} {reach:,.0f} m)"
            )
            out.append(_circles_layer(circ, label, show="fire_reach" in shown))

    for key, kind, cluster in (
        ("community_stations", "community_station", True),
        ("seismic_stations", "seismic_station", False),
        ("supply_depots", "supply_depot", False),
        ("rescue_teams", "rescue_team", False),
    ):
        layers = data.by_kind(kind)
        if not layers:
            continue
        pts = _collect_points(layers, display, lang)
        if len(pts):
            out.append(_points_layer(pts, _t(key, lang), show=key in shown, cluster=cluster))
            clustered = clustered or cluster

    hazard_layers = [lyr for lyr in data.by_role("hazard") if lyr.kind.kind != "hidden_hazard"]
    point_hazards = [lyr for lyr in hazard_layers if lyr.kind.method == "kernel"]
    if point_hazards:
        pts = _collect_points(
            point_hazards,
            display,
            lang,
            size_by_intensity=(3.0, 8.0),
            extra=lambda g: g.get("grade", None),
        )
        if len(pts):
            out.append(
                _points_layer(pts, _t("hazards", lang), show="hazards" in shown, cluster=True)
            )
            clustered = True
    area_hazards = [lyr for lyr in hazard_layers if lyr.kind.method == "overlap"]
    if area_hazards:
        out.append(
            _areas_layer(
                area_hazards, display, lang, show="hazard_areas" in shown,
                detail_m=max(20.0, _line_detail_m(data)),
            )
        )  # fmt: skip

    hidden = data.by_kind("hidden_hazard")
    if hidden:

        def _open(g: pd.DataFrame) -> pd.Series:
            if "status" not in g:
                return pd.Series(True, index=g.index)
            return ~g["status"].astype(str).isin(_CLOSED_STATUSES)

        def _hidden_extra(g: pd.DataFrame) -> pd.Series:
            grade = (
                g["grade"].fillna("").astype(str)
                if "grade" in g
                else pd.Series([""] * len(g), index=g.index)
            )
            status = g["status"].fillna("").astype(str) if "status" in g else ""
            return grade + " · " + status

        pts = _collect_points(
            hidden,
            display,
            lang,
            variant_by="status",
            variants=_variants(_HIDDEN_STATUS_COLORS, "hidden_status", lang),
            size_by_intensity=(6.5, 9.0),
            keep=_open,
            extra=_hidden_extra,
        )
        if len(pts):
            out.append(
                _points_layer(
                    pts, _t("hidden_hazards", lang), show="hidden_hazards" in shown, cluster=False
                )
            )
    for layer in added_layers(data):
        drawn = _added_layer(layer, display, lang)
        if drawn is not None:
            out.append(drawn)
    _fit_tooltips(out, lang)
    return out, clustered


def added_layers(data: Any) -> list[Any]:
    """The layers of ``data`` read from a file that the project does not bind (a session's
    uploads joined by the Study), in their order; the register's hazards and what-if
    proposals are made in memory and are not among them."""
    bound = {b.name for b in data.project.layers}
    return [
        lyr for name, lyr in data.layers.items() if name not in bound and lyr.source is not None
    ]


def added_layer_title(layer: Any, lang: str) -> str:
    """An added layer's name for people: its file's name and its kind (not escaped)."""
    file = PurePath(str(layer.source)).name
    kind = layer.kind.name.get(lang)
    return f"{file} ({kind})" if lang == "en" else f"{file}（{kind}）"


def _added_layer(layer: Any, display: _Display, lang: str) -> _ScriptLayer | None:
    """One added layer as its own overlay, shown on opening: its points as markers, its
    lines and polygons as outlines, each feature's name (or id) as its tooltip."""
    gdf = layer.gdf
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    is_point = ok & np.isin(shapely.get_type_id(geoms), [0, 4])  # (multi)points
    is_area = ok & ~is_point
    pts = _collect_points(
        [layer],
        display,
        lang,
        symbol=lambda lyr: {k: v for k, v in _kind_symbol(lyr.kind, lang).items() if k != "l"},
        keep=lambda _g: is_point,
    )
    areas = []
    if is_area.any():
        shown = display.geoms(shapely.simplify(geoms[is_area], 5.0))
        names = _escaped(_names(gdf[is_area])).tolist()
        areas = [
            {"type": "Feature", "properties": {"n": n}, "geometry": json.loads(g)}
            for n, g in zip(names, shapely.to_geojson(shown).tolist(), strict=True)
        ]
    if not len(pts) and not areas:
        return None
    colour = layer.kind.style.color
    body = f"""
var layer = L.featureGroup(), p = {_js(pts.payload()) if len(pts) else "null"};
if (p) {{ rm.points(L.featureGroup(), p).addTo(layer); }}
L.geoJSON({_js({"type": "FeatureCollection", "features": areas})}, {{
  style: {{color: {_js(colour)}, weight: 2, fillColor: {_js(colour)}, fillOpacity: 0.2}},
  onEachFeature: function(f, l) {{ l.bindTooltip(f.properties.n); }}
}}).addTo(layer);
return layer;
"""
    out = _ScriptLayer(body, html.escape(added_layer_title(layer, lang)), show=True)
    area = (json.dumps({"s": "square", "f": colour}),) if areas else ()
    out.swatch = pts.swatch() + area  # type: ignore[attr-defined]  # the control's symbols
    return out


def _areas_layer(
    layers: Sequence[Any], display: _Display, lang: str, *, show: bool, detail_m: float = 20.0
) -> _ScriptLayer:
    groups = []
    for lyr in layers:  # a handful of layers
        geoms = np.asarray(lyr.gdf.geometry.values, dtype=object)
        geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
        if lyr.kind.buffer_m and geoms.size:
            lines = np.isin(shapely.get_type_id(geoms), [1, 2, 5])  # (multi)linestrings
            geoms = np.where(lines, shapely.buffer(geoms, lyr.kind.buffer_m), geoms)
        shown = display.geoms(shapely.simplify(geoms, detail_m))
        shown = shown[~(shapely.is_missing(shown) | shapely.is_empty(shown))]
        groups.append(
            {
                "c": lyr.kind.style.color,
                "n": html.escape(lyr.kind.name.get(lang)),
                "e": _encode_shapes(shown, polygons=True),
            }
        )
    body = f"""
var d = {_js(groups)}, layer = L.featureGroup();
d.forEach(function(grp) {{
  var style = {{color: grp.c, weight: 1, fillColor: grp.c, fillOpacity: 0.25}};
  rm.decode(grp.e).forEach(function(parts) {{
    L.polygon(parts, style).bindTooltip(grp.n).addTo(layer);
  }});
}});
return layer;
"""
    return _ScriptLayer(body, _t("hazard_areas", lang), show=show)


def district_names(districts: pd.DataFrame, lang: str) -> pd.Series:
    """The districts' names in ``lang``: ``name_en`` in English where the file gives it,
    else ``name`` (else the adcode)."""
    base = (
        districts["name"].fillna("").astype(str)
        if "name" in districts
        else districts.get("adcode", pd.Series([""] * len(districts))).astype(str)
    )
    if lang == "en" and "name_en" in districts:
        en = districts["name_en"].fillna("").astype(str)
        return en.where(en.str.strip() != "", base)
    return base


def _line_detail_m(data: Any) -> float:
    """How far (m) boundary lines and area outlines may be simplified: 15 m for a city, more
    for a province (its width over 8,000, about one screen pixel with the whole province on
    a wide screen), so that a province's map keeps the city map's size."""
    boundary = getattr(data, "boundary", None)
    if boundary is None or boundary.is_empty:
        return 15.0
    x0, y0, x1, y1 = boundary.bounds
    return max(15.0, max(x1 - x0, y1 - y0) / 8000.0)


_ADMIN_STYLES = {
    "districts": ("{color: '#3b3b3b', weight: 1.2, opacity: 0.85, dashArray: '4 3'}", 0),
    "counties": ("{color: '#707070', weight: 0.7, opacity: 0.8, dashArray: '2 3'}", 8),
}
"""Line style and the zoom from which labels show, per administrative level: a province's
counties are drawn lighter than its cities and named only once the map is zoomed in."""


def _district_layer(
    data: Any, display: _Display, lang: str, *, show: bool, level: str = "districts"
) -> _ScriptLayer | None:
    d = getattr(data, level, None)
    if d is None or len(d) == 0:
        return None
    style, min_zoom = _ADMIN_STYLES[level]
    geoms = np.asarray(d.geometry.values, dtype=object)
    label_pts = shapely.point_on_surface(geoms)
    lon, lat = display.xy(shapely.get_x(label_pts), shapely.get_y(label_pts))
    names = _escaped(district_names(d, lang)).tolist()
    data_js = {
        "x": np.round(lon, _COORD_DIGITS).tolist(),
        "y": np.round(lat, _COORD_DIGITS).tolist(),
        "n": names,
        # Labels drawn first win where they would overlap: the largest districts first.
        "o": np.argsort(-shapely.area(geoms), kind="stable").tolist(),
    }
    # The lines are the shared arcs of this level (borders.py: each edge once in the page).
    body = f"""
var d = {_js(data_js)}, layer = L.featureGroup();
L.polyline(rm.arcLines({LEVEL_BITS[level]}), Object.assign({{interactive: false}}, {style})).addTo(layer);
var marks = [];
for (var i = 0; i < d.x.length; i++) {{
  marks.push(L.marker([d.y[i], d.x[i]], {{interactive: false, keyboard: false,
    icon: L.divIcon({{className: 'rm-label', html: '<span>' + d.n[i] + '</span>', iconSize: null}})}}).addTo(layer));
}}
// No label over another: at each zoom a label that would touch one already placed
// (larger districts first) is hidden until the map is zoomed in far enough.
function declutter() {{
  // Mid-animation the labels are between two zooms: wait for the zoom's end.
  if (map._animatingZoom) return;
  var kept = [], shown = map.getZoom() >= {min_zoom};
  d.o.forEach(function(i) {{
    var el = marks[i].getElement(), span = el && el.firstChild;
    if (!span) return;
    span.style.visibility = shown ? 'visible' : 'hidden';
    if (!shown) return;
    var r = span.getBoundingClientRect();
    var hit = kept.some(function(k) {{
      return r.left < k.right + 2 && r.right > k.left - 2 && r.top < k.bottom + 2 && r.bottom > k.top - 2;
    }});
    if (hit) span.style.visibility = 'hidden'; else kept.push(r);
  }});
}}
// Markers are in the page once the map has its first view; the labels' widths change
// when the web font arrives; every zoom moves them closer or apart.
layer.on('add', function() {{
  // Once more after the first paint settles (a late web font or layout moves them).
  map.whenReady(function() {{ [0, 400, 1200].forEach(function(t) {{ setTimeout(declutter, t); }}); }});
  if (document.fonts) {{
    document.fonts.ready.then(declutter);
    document.fonts.addEventListener('loadingdone', declutter);
  }}
}});
// Once at once, and once more when a busy page has settled (a slow machine may lay the
// labels out after the event).
var settle = null;
map.on('zoomend viewreset resize moveend', function() {{
  declutter(); clearTimeout(settle); settle = setTimeout(declutter, 350);
}});
return layer;
"""
    return _ScriptLayer(body, _t(level, lang), show=show)


def _boundary_script() -> _Script:
    """The boundary: the shared arcs of its level (see :mod:`riskmap.maps.borders`)."""
    body = f"""
L.polyline(window.riskmap.arcLines({LEVEL_BITS["boundary"]}), {{interactive: false, color: '#1f1f1f',
  weight: 2.2, opacity: 0.9}}).addTo(map);
"""
    return _Script(body)


def _admin_arcs(data: Any) -> Arcs:
    """The boundary's, districts' and counties' lines as arcs, each edge once."""
    levels: dict[str, Any] = {}
    if data.boundary is not None and not data.boundary.is_empty:
        levels["boundary"] = np.asarray([data.boundary], dtype=object)
    for level in ("districts", "counties"):
        frame = getattr(data, level, None)
        if frame is not None and len(frame):
            levels[level] = np.asarray(frame.geometry.values, dtype=object)
    return build_arcs(levels, _line_detail_m(data))


@dataclass(frozen=True)
class _Part:
    """A score-independent piece of the map (kept in the overlay cache as text)."""

    body: str
    name: str | None = None
    show: bool = True
    swatch: tuple[str, ...] = ()

    def element(self) -> MacroElement:
        if self.name is None:
            return _Script(self.body)
        return _ScriptLayer(self.body, self.name, show=self.show)


_OVERLAY_CACHE: OrderedDict[tuple[Any, ...], tuple[Any, list[_Part], bool]] = OrderedDict()

_OVERLAY_CACHE_SIZE = 8


def _data_overlays(
    data: Any, display: _Display, lang: str, shown: set[str]
) -> tuple[list[_Part], bool]:
    """Boundary, districts and point overlays of ``data``.

    They ignore the scores, so they are kept for the same ``data`` object (a Study's data
    stays the same across weight changes) and reused when its map is drawn again.
    """
    try:
        owner: Any = weakref.ref(data)
    except TypeError:  # an object without weak references: do not cache
        owner = False
    key = (id(data), display.crs.to_wkt(), display.basemap, lang, tuple(sorted(shown)))
    hit = _OVERLAY_CACHE.get(key)
    if hit is not None and hit[0] is not False and hit[0]() is data:
        _OVERLAY_CACHE.move_to_end(key)
        return hit[1], hit[2]
    parts: list[_Part] = []
    arcs = _admin_arcs(data)
    if len(arcs.lines):  # before the layers that draw them
        parts.append(_Part(arcs_script(arcs, display)))
    if bool((arcs.masks & LEVEL_BITS["boundary"]).any()):
        parts.append(_Part(_boundary_script().body))
    for level in ("districts", "counties"):  # a province's counties go with its cities
        admin = _district_layer(data, display, lang, show="districts" in shown, level=level)
        if admin is not None:
            parts.append(_Part(admin.body, admin.layer_name, "districts" in shown))
    point_layers, clustered = _point_overlays(data, display, lang, shown)
    if point_layers:  # the overlay legend's heading (its rows come with the layers' symbols)
        parts.append(_Part(f"window.riskmap.symbolTitle = {_js(_t('overlay_symbols', lang))};"))
    parts.extend(
        _Part(lyr.body, lyr.layer_name, bool(lyr.show), tuple(getattr(lyr, "swatch", ())))
        for lyr in point_layers
    )
    if owner is not False:
        _OVERLAY_CACHE[key] = (owner, parts, clustered)
    while len(_OVERLAY_CACHE) > _OVERLAY_CACHE_SIZE:
        _OVERLAY_CACHE.popitem(last=False)
    return parts, clustered


def overlay_marks(data: Any, overlays: Sequence[str], lang: str = "zh") -> list[dict[str, Any]]:
    """The point overlays among ``overlays`` as the map draws them, for a picture drawn
    elsewhere (a PNG): one entry per symbol, as the map's overlay legend lists them.

    Parameters
    ----------
    data
        The project's data (:class:`riskmap.io.ProjectData`).
    overlays
        Overlay keys (:data:`~riskmap.config.vocabulary.OVERLAYS`); those that are not
        point overlays, or have no points, give nothing.
    lang
        Language of the labels.

    Returns
    -------
    list of dict
        ``label`` (the overlay's name, and the symbol's own label when it has one),
        ``x`` and ``y`` (arrays, the data's working CRS), and the map's symbol: ``s``
        shape (``circle``, ``square``, ``diamond``, ``tri``, ``tridown``, ``hex``,
        ``star``), ``f`` fill, ``k`` border (None: the map's dark default), ``w`` border
        width, ``m`` mark (``cross``, ``dot``, ``!`` or None) and ``z`` radius in pixels.
    """
    display = _Display(pyproj.CRS.from_user_input(data.crs), "none")
    layers, _ = _point_overlays(data, display, lang, set(overlays))
    out: list[dict[str, Any]] = []
    for layer in layers:
        points = getattr(layer, "points", None)
        if not layer.show or points is None or not len(points[0]):
            continue
        pts = points[0]
        codes = np.concatenate(pts.c).astype(int)
        x, y = display.to_working(np.concatenate(pts.x), np.concatenate(pts.y))
        radius = np.concatenate(pts.r)
        for i, sym in enumerate(pts.symbols):
            keep = codes == i
            if not keep.any():
                continue
            own = html.unescape(str(sym.get("l") or ""))
            out.append(
                {
                    "label": f"{layer.layer_name} · {own}" if own else layer.layer_name,
                    "x": np.asarray(x)[keep],
                    "y": np.asarray(y)[keep],
                    "s": sym.get("s", "circle"),
                    "f": sym.get("f", "#555555"),
                    "k": sym.get("k"),
                    "w": float(sym.get("w", 1)),
                    "m": sym.get("m"),
                    "z": float(sym.get("z", np.median(radius[keep]))),
                }
            )
    return out
