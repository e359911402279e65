"""安全城市 — the safe-city scorecard with evidence maps, and what-if planning of new facilities."""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import streamlit as st

from app import cache, common, state
from app.common import t
from app.components import map as map_ui
from app.i18n import TEXTS

MAP_KEY = "whatif_map"
MAX_POINTS = 3000


def _register_summary(reg: Any) -> tuple[pd.DataFrame | None, str]:
    if reg is None:
        return None, "none"
    from riskmap.register import district_summary

    summary = district_summary(reg)
    return summary, hashlib.sha256(summary.to_csv(index=False).encode()).hexdigest()[:16]


@st.cache_resource(max_entries=6, show_spinner=False)
def _scorecard(
    score_key: str, register_key: str, _data: Any, _assessment: Any, _summary: Any
) -> Any:
    from riskmap.products.indicators import compute_indicators

    return compute_indicators(_assessment, register_summary=_summary)


@st.cache_resource(max_entries=4, show_spinner=False)
def _whatif(
    score_key: str, register_key: str, proposals_json: str, *, _ctx: cache.Context, _summary: Any
) -> Any:
    a = _ctx.assessment
    return _ctx.study.what_if(
        json.loads(proposals_json), weights=a.weights, levels=a.levels, register_summary=_summary
    )


def _passed(value: Any) -> str:
    if value is True:
        return t("passed_yes")
    if value is False:
        return t("passed_no")
    return t("passed_na")


_COMPARE = {">=": "≥", "<=": "≤", "==": "="}
_COUNT_UNITS = {"people", "stations", "targets", "hazards"}


def _number(value: Any, unit: str, *, sign: bool = False) -> str:
    """An indicator's value for people: counts whole with separators, ``yes=1`` as 是/否,
    other values with two decimals; ``—`` when missing (never None or nan)."""
    if common.missing(value):
        return "—"
    if unit == "yes=1" and not sign:
        return t("sc_yes") if float(value) >= 0.5 else t("sc_no")
    if unit in _COUNT_UNITS or unit == "yes=1":
        return common.number(value, 0, sign=sign)
    return common.number(value, 2, sign=sign)


def _target(value: Any, comparison: object, unit: str) -> str:
    """A target with its comparison (``≥ 100``, ``≤ 500,000``, ``= 是``); ``—`` when none."""
    if common.missing(value):
        return "—"
    op = _COMPARE.get(str(comparison or ""), str(comparison or ""))
    v = float(value)
    text = _number(v, unit) if unit in _COUNT_UNITS | {"yes=1"} or v != round(v) else f"{v:,.0f}"
    return f"{op} {text}".strip()


def _unit(unit: object) -> str:
    """An indicator's unit in the page's language (``%`` and unknown units as they are)."""
    if common.missing(unit) or unit == "yes=1":
        return ""  # its values are written 是/否
    key = f"sc_unit_{unit}"
    return t(key) if key in TEXTS else str(unit)


def _indicator_names(rows: pd.DataFrame) -> list[str]:
    """The indicators' names in the page's language (``id``, ``name_zh``, ``name_en``)."""
    column = "name_en" if state.lang() == "en" else "name_zh"
    return [
        t(f"sc_name_{i}") if f"sc_name_{i}" in TEXTS else str(name)
        for i, name in zip(rows["id"], rows[column], strict=True)
    ]


def _standards(rows: pd.DataFrame) -> list[str]:
    """The standard each indicator comes from, in the page's language (riskmap writes both)."""
    column = "standard" if state.lang() == "en" else "standard_zh"
    return ["" if common.missing(s) else str(s) for s in rows[column]]


def _scorecard_table(rows: pd.DataFrame) -> pd.DataFrame:
    """The scorecard for people: the evidence text (what the value counts) before the standard."""
    en = state.lang() == "en"
    evidence = "evidence" if en else "evidence_zh"
    return pd.DataFrame(
        {
            t("col_indicator"): _indicator_names(rows),
            t("col_value"): [
                _number(v, u) for v, u in zip(rows["value"], rows["unit"], strict=True)
            ],
            t("col_unit"): rows["unit"].map(_unit),
            t("col_target"): [
                _target(tg, c, u)
                for tg, c, u in zip(rows["target"], rows["comparison"], rows["unit"], strict=True)
            ],
            t("col_passed"): rows["passed"].map(_passed),
            t("col_evidence"): rows[evidence].fillna(""),
            t("col_standard"): _standards(rows),
        }
    )


_EVIDENCE_MAP: dict[str, Any] = {
    "zoom_start": 9,
    "tiles": None,
    "attribution_control": False,
    "control_scale": False,  # map_ui.metric_scale adds a metric-only one
    "zoom_snap": 0.25,
    "zoom_delta": 0.5,
}
# Options of the evidence maps (fractional zoom: the city fills the map). A comment, not a
# string: Streamlit would write a bare string of a page onto the page.


def _base_map(
    ctx: cache.Context, focus: Any = None
) -> tuple[folium.Map, tuple[float, float, float, float]]:
    """The city's boundary and districts, fitted to the city, or to ``focus`` (WGS84 bounds) if given."""
    boundary = gpd.GeoSeries([ctx.data.boundary], crs=ctx.data.crs).to_crs(4326)
    x0, y0, x1, y1 = (float(v) for v in boundary.total_bounds)
    # Fractional zoom: the city fills the map instead of the nearest smaller whole zoom.
    m = folium.Map(location=[(y0 + y1) / 2, (x0 + x1) / 2], **_EVIDENCE_MAP)
    map_ui.metric_scale(m)
    map_ui.add_boundary(m, boundary.iloc[0])
    d = ctx.data.districts.to_crs(4326)
    folium.GeoJson(
        json.loads(shapely.to_geojson(shapely.union_all(shapely.boundary(d.geometry.to_numpy())))),
        name="districts",
        style_function=lambda _f: {"color": "#888888", "weight": 0.8},
        interactive=False,
    ).add_to(m)
    fx0, fy0, fx1, fy1 = (x0, y0, x1, y1) if focus is None else (float(v) for v in focus)
    m.fit_bounds([[fy0, fx0], [fy1, fx1]])
    return m, (x0, y0, x1, y1)


def _focus_bounds(geoms_wgs84: Any, margin_deg: float = 0.03) -> tuple[float, float, float, float]:
    """WGS84 bounds around geometries, with a margin (about 3 km) so their neighbourhood shows."""
    x0, y0, x1, y1 = shapely.total_bounds(np.asarray(geoms_wgs84, dtype=object))
    return (
        float(x0) - margin_deg,
        float(y0) - margin_deg,
        float(x1) + margin_deg,
        float(y1) + margin_deg,
    )


def _as_text(value: Any) -> str:
    return str(value)


def _tip_fields() -> dict[str, tuple[str, Callable[[Any], str]]]:
    """Evidence columns shown in a feature's tooltip: column -> (label key, how its value is
    written, with its unit). Made per run: the units follow the page's language."""
    return {
        "class": ("ev_f_class", _as_text),
        "type": ("ev_f_type", _as_text),
        "grade": ("ev_f_grade", _as_text),
        "capacity": ("ev_f_capacity", common.people),
        "area_km2": ("ev_f_area_km2", common.area_km2),
        "builtup_share": ("ev_f_builtup_share", lambda v: common.percent(v, 0, share=True)),
        "limit_km2": ("ev_f_limit_km2", common.area_km2),
        "area_m2": ("ev_f_area_m2", common.area_m2),
        "shelter_area_m2": ("ev_f_shelter_area_m2", common.area_m2),
        "population": ("ev_f_population", common.people),
        "area_per_person_m2": (
            "ev_f_area_per_person_m2",
            lambda v: common.number(v, 2, t("u_m2_person")),
        ),
        "distance_m": ("ev_f_distance_m", common.distance),
        "hazmat_name": ("ev_f_hazmat_name", _as_text),
        "reach_min": ("ev_f_reach_min", lambda v: common.number(v, 1, t("u_min"))),
    }


def _service_fields() -> dict[str, tuple[str, Callable[[Any], str]]]:
    """The tooltip of a facility's service area (:attr:`Scorecard.service_areas`)."""
    return {
        "kind": ("ev_s_kind", lambda v: t(f"ev_kind_{v}") if f"ev_kind_{v}" in TEXTS else str(v)),
        "class": ("ev_f_class", _as_text),
        "type": ("ev_f_type", _as_text),
        "capacity": ("ev_f_capacity", common.people),
        "target_min": ("ev_s_target_min", lambda v: common.number(v, 0, t("u_min"))),
        "radius_m": ("ev_s_radius_m", common.distance),
        "area_km2": ("ev_s_area_km2", lambda v: common.area_km2(v, 2)),
        "population": ("ev_s_population", common.people),
        "builtup_km2": ("ev_s_builtup_km2", lambda v: common.area_km2(v, 2)),
    }


MAX_AREAS = 400
MAX_SERVICE_AREAS = 3000
# Named areas (e.g. fire stations' districts) drawn one by one, with their tooltips, up to
# MAX_AREAS, facilities' service areas up to MAX_SERVICE_AREAS; more are merged into one shape.


def _title_of(gdf: gpd.GeoDataFrame) -> str | None:
    """The column naming a feature in its tooltip: ``name``, or ``district`` for districts
    (cells, which also carry a district, are merged and have no name)."""
    if "name" in gdf.columns:
        return "name"
    if "district" in gdf.columns and "cell_id" not in gdf.columns:
        return "district"
    return None


def _tip(row: pd.Series, fields: dict[str, tuple[str, Callable[[Any], str]]]) -> str:
    """A feature's tooltip: its name (and id), then its values with units, all escaped."""
    title = next((c for c in ("name", "district") if c in row.index), None)
    lines = []
    if title is not None and not common.missing(row[title]):
        head = f"<b>{common.escape_html(row[title])}</b>"
        if "id" in row.index and not common.missing(row["id"]) and row["id"] != row[title]:
            head += f" ({common.escape_html(row['id'])})"
        lines.append(head)
    for column, (label, write) in fields.items():
        value = row.get(column)
        if common.missing(value):
            continue
        lines.append(
            f"{common.escape_html(t(label) + t('ev_sep'))}{common.escape_html(write(value))}"
        )
    return "<br>".join(lines)


def _geometry_layer(
    gdf: gpd.GeoDataFrame,
    color: str,
    name: str,
    fill: float = 0.45,
    *,
    fields: dict[str, tuple[str, Callable[[Any], str]]] | None = None,
    merged_tip: str = "",
    weight: float = 1.0,
    max_areas: int = MAX_AREAS,
) -> folium.GeoJson | None:
    """Evidence geometries for drawing: named areas one by one (a station's own service
    area) and points, each with its tooltip (``fields``); unnamed polygons (cells) merged
    and simplified, with ``merged_tip``; points capped."""
    if gdf is None or len(gdf) == 0:
        return None
    fields = _tip_fields() if fields is None else fields
    geoms = gdf.geometry.to_numpy()
    kinds = shapely.get_type_id(geoms)
    is_poly, is_point = np.isin(kinds, [3, 6]), np.isin(kinds, [0, 4])
    named = _title_of(gdf) is not None
    parts: list[Any] = []
    tips: list[str] = []
    if is_poly.any():
        if named and int(is_poly.sum()) <= max_areas:
            own = gdf[is_poly]
            parts.extend(shapely.simplify(own.geometry.to_numpy(), 20.0, preserve_topology=True))
            tips.extend(_tip(r, fields) for _, r in own.iterrows())
        else:
            merged = shapely.coverage_union_all(geoms[is_poly])
            parts.append(shapely.simplify(merged, 20.0, preserve_topology=True))
            tips.append(common.escape_html(merged_tip))  # what the merged cells are
    points = gdf[is_point].iloc[:MAX_POINTS]
    parts.extend(points.geometry.to_numpy())
    tips.extend(_tip(r, fields) if named else "" for _, r in points.iterrows())
    shown = gpd.GeoSeries(parts, crs=gdf.crs).to_crs(4326)
    # About a metre is enough on these maps: rounded coordinates keep the page small.
    shown = shapely.set_precision(shown.to_numpy(), 1e-5, mode="pointwise")
    feats = [
        {
            "type": "Feature",
            "properties": {"tip": tip},
            "geometry": json.loads(shapely.to_geojson(g)),
        }
        for g, tip in zip(shown, tips, strict=True)
        if g is not None and not g.is_empty
    ]
    with_tips = any(f["properties"]["tip"] for f in feats)
    return folium.GeoJson(
        {"type": "FeatureCollection", "features": feats},
        name=name,
        marker=folium.CircleMarker(radius=4, color=color, fill=True, fill_opacity=0.9),
        style_function=lambda _f, c=color, w=weight: {
            "color": c,
            "weight": w,
            "fillColor": c,
            "fillOpacity": fill,
        },
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False) if with_tips else None,
        interactive=with_tips,
    )


def _scorecard_section(ctx: cache.Context, card: Any) -> None:
    st.subheader(t("sc_scorecard"))
    scopes = common.district_options(ctx.data)
    scope_codes: list[str] = list(scopes)
    # Labels follow the language: the choices are sent again in this run's words.
    common.relabel("sc_scope", "sc_indicator")
    scope = st.selectbox(
        t("sc_scope"),
        scope_codes,
        key="sc_scope",
        format_func=common.labels(scope_codes, lambda k: scopes.get(k, k)),
        placeholder=t("choose"),
    )
    rows = card.city() if not scope else card.for_scope(scope)
    st.dataframe(
        _scorecard_table(rows),
        hide_index=True,
        width="stretch",
        height=common.table_height(len(rows), 640),
        column_config={
            t("col_indicator"): st.column_config.TextColumn(width=260),
            t("col_evidence"): st.column_config.TextColumn(width="large"),
        },
    )
    with_evidence = [i for i in rows["id"] if i in card.evidence]
    if not with_evidence:
        return
    st.subheader(t("sc_evidence"))
    names = dict(zip(rows["id"], _indicator_names(rows), strict=True))
    ind = st.selectbox(
        t("sc_choose"),
        with_evidence,
        key="sc_indicator",
        format_func=common.labels(with_evidence, lambda k: str(names.get(k, k))),
        placeholder=t("choose"),
    )
    if ind is None:
        return
    ev = card.evidence[ind]
    areas = getattr(card, "service_areas", {}).get(ind)
    if "district" in ev.columns and "adcode" in ev.columns:
        # District names in the page's language (the library writes the project's names).
        ev = ev.assign(district=ev["adcode"].astype(str).map(scopes).fillna(ev["district"]))
    if scope and "adcode" in ev.columns:
        ev = ev[ev["adcode"].astype(str) == scope]
    if scope and areas is not None:
        areas = areas[areas["adcode"].astype(str) == scope]
    what = f"sc_ev_{ind}"
    st.caption(
        t("sc_evidence_count", n=f"{len(ev):,}") + (" · " + t(what) if what in TEXTS else "")
    )
    if len(ev) == 0 and (areas is None or len(areas) == 0):
        st.caption(t("sc_no_evidence"))
        return
    m, _ = _base_map(ctx)
    layers, legend = _evidence_layers(ev, ind, str(names.get(ind, ind)), areas)
    for layer in layers:
        layer.add_to(m)
    map_ui.add_legend(m, str(names.get(ind, ind)), legend)
    if "ok" in ev.columns:
        st.caption(t("sc_ev_ok"))
    if areas is not None and len(areas):
        st.caption(t("sc_ev_areas"))
    map_ui.show_map(map_ui.local_assets(m), f"evidence_{ind}", height=460)


_RED, _GREEN = "#d7191c", "#1a9641"
_AREA, _SITE = "#2b83ba", "#08306b"
_FACILITY_LISTS = {"shelter.fixed_capacity", "shelter.central_people"}
# Evidence colours: red what fails (or the cells left out), green what passes; blue each
# facility's own service area, dark blue the facilities (and the indicators listing them).


def _count(ev: gpd.GeoDataFrame, ind: str, n: int) -> str:
    """``n`` evidence features with their unit (cells, stations, districts, sites)."""
    if "cell_id" in ev.columns:
        return t("sc_n_cells", n=f"{n:,}")
    if ind.startswith("fire."):
        return t("sc_n_stations", n=f"{n:,}")
    if "district" in ev.columns and "id" not in ev.columns:
        return t("sc_n_districts", n=f"{n:,}")
    return t("sc_n_features", n=f"{n:,}")


def _summary(ev: gpd.GeoDataFrame, ind: str) -> str:
    """What a set of evidence features holds: their count, and for cells their people and area."""
    parts = [_count(ev, ind, len(ev))]
    if "cell_id" in ev.columns:
        if "population" in ev.columns:
            parts.append(common.people(pd.to_numeric(ev["population"], errors="coerce").sum()))
        if "area_m2" in ev.columns:
            km2 = pd.to_numeric(ev["area_m2"], errors="coerce").sum() / 1e6
            parts.append(common.area_km2(km2))
    return t("list_sep_ui").join(parts)


def _evidence_layers(
    ev: gpd.GeoDataFrame, ind: str, name: str, areas: gpd.GeoDataFrame | None = None
) -> tuple[list[folium.GeoJson], list[tuple[str, str, str]]]:
    """An indicator's evidence as map layers and their legend items (colour, what it is with
    its count and unit, point or area): the evidence (red, green/red by its ``ok`` column, or
    its level's colour), each facility's own service area over it (blue outlines, with a
    tooltip each), then the facilities."""
    from riskmap.config.levels import level_of

    what = t(f"sc_lg_{ind}") if f"sc_lg_{ind}" in TEXTS else t("sc_lg_features")
    if "ok" in ev.columns:
        ok = ev["ok"].astype("boolean").fillna(False).to_numpy(dtype=bool)
        parts = [
            (ev[ok], _GREEN, f"{name} ✓", t("sc_legend_ok", n=_count(ev, ind, int(ok.sum())))),
            (
                ev[~ok],
                _RED,
                f"{name} ✗",
                t("sc_legend_not_ok", n=_count(ev, ind, int((~ok).sum()))),
            ),
        ]
    elif (
        "level_rank" in ev.columns
        and len(ev)
        and (ev["level_rank"].to_numpy() == ev["level_rank"].iloc[0]).all()
    ):
        level = level_of(int(ev["level_rank"].iloc[0]))
        label = t("sc_legend_what", what=common.level_label(level.rank), n=_summary(ev, ind))
        parts = [(ev, level.color, name, label)]
    else:
        color = _SITE if ind in _FACILITY_LISTS else _RED
        parts = [(ev, color, name, t("sc_legend_what", what=what, n=_summary(ev, ind)))]
    layers: list[folium.GeoJson] = []
    items: list[tuple[str, str, str]] = []
    kind = "" if areas is None or len(areas) == 0 else str(areas["kind"].iloc[0])
    for part, color, label, legend in parts:
        tip = f"{what}{t('ev_sep')}{_summary(part, ind)}"
        layer = _geometry_layer(part, color, label, merged_tip=tip)
        if layer is None:
            continue
        layers.append(layer)
        points = np.isin(shapely.get_type_id(part.geometry.to_numpy()), [0, 4]).all()
        items.append((color, legend, "point" if points else "area"))
    area_layer = (
        _geometry_layer(
            areas,
            _AREA,
            f"{name} · areas",
            0.12,
            fields=_service_fields(),
            weight=1.5,
            max_areas=MAX_SERVICE_AREAS,
        )
        if areas is not None and len(areas)
        else None
    )
    if area_layer is not None and areas is not None:
        label = t(f"sc_lg_area_{ind}") if f"sc_lg_area_{ind}" in TEXTS else t("sc_lg_area")
        unit = "sc_n_stations" if kind == "fire_station" else "sc_n_features"
        item = (_AREA, t("sc_legend_what", what=label, n=t(unit, n=f"{len(areas):,}")), "area")
        # Over cells (the areas are where the cells are not), under points (their hover wins).
        at = len(layers) if "cell_id" in ev.columns else 0
        layers.insert(at, area_layer)
        items.insert(at, item)
    if areas is not None and len(areas) and "cell_id" in ev.columns:
        # The facilities themselves, over the cells they leave out (with the same tooltip).
        sites = areas.drop(columns="geometry").set_geometry("site")
        layer = _geometry_layer(sites, _SITE, f"{name} · sites", fields=_service_fields())
        if layer is not None:
            layers.append(layer)
            items.append((_SITE, t(f"ev_kind_{kind}"), "point"))
    return layers, items


def _take_click(ctx: cache.Context) -> None:
    ss = st.session_state
    click = ss.pop("wi_pending", None)
    if click:
        lon, lat = map_ui.clicked_wgs84(click, "none")
        ss["wi_lon"], ss["wi_lat"] = round(lon, 6), round(lat, 6)


def _proposal_form(ctx: cache.Context) -> None:
    from riskmap.errors import RiskmapError
    from riskmap.products.whatif import SHELTER_TYPES, STATION_CLASSES, validate_proposals

    ss = st.session_state
    proposals: list[dict[str, Any]] = ss.setdefault("proposals", [])
    x0, y0, x1, y1 = ctx.data.districts.to_crs(4326).total_bounds
    ss.setdefault("wi_lon", round(float((x0 + x1) / 2), 6))
    ss.setdefault("wi_lat", round(float((y0 + y1) / 2), 6))
    common.relabel("wi_kind", "wi_type", "wi_class")
    kind = st.radio(
        t("wi_kind"),
        ["shelter", "fire_station"],
        key="wi_kind",
        horizontal=True,
        format_func=common.labels(["shelter", "fire_station"], lambda k: t(f"wi_{k}")),
    )
    with st.form("wi_form"):
        name = st.text_input(t("wi_name"), key="wi_name")
        c1, c2 = st.columns(2)
        lon = c1.number_input(t("hz_lon"), key="wi_lon", format="%.6f", step=0.0001)
        lat = c2.number_input(t("hz_lat"), key="wi_lat", format="%.6f", step=0.0001)
        record: dict[str, Any] = {"kind": kind, "name": name, "lon": float(lon), "lat": float(lat)}
        if kind == "shelter":
            c3, c4 = st.columns(2)
            record["type"] = c3.selectbox(
                t("wi_type"),
                list(SHELTER_TYPES),
                format_func=common.labels(
                    SHELTER_TYPES, lambda v: t(f"shelter_type_{SHELTER_TYPES.index(v)}")
                ),
                key="wi_type",
                placeholder=t("choose"),
            )
            record["area_m2"] = float(
                c4.number_input(
                    t("wi_area"), min_value=0.0, value=20_000.0, step=1000.0, key="wi_area"
                )
            )
        else:
            record["class"] = st.selectbox(
                t("wi_class"),
                list(STATION_CLASSES),
                format_func=common.labels(
                    STATION_CLASSES, lambda v: t(f"station_class_{STATION_CLASSES.index(v)}")
                ),
                key="wi_class",
                placeholder=t("choose"),
            )
        if st.form_submit_button(t("wi_add"), type="primary"):
            try:
                prop = validate_proposals([record])[0]
            except RiskmapError as exc:
                common.show_error(exc)
            else:
                proposals.append(prop.to_record())
                st.rerun()
    uploaded = common.file_uploader(t("wi_csv"), types=["csv"], key="wi_csv")
    if uploaded is not None:
        digest = hashlib.sha256(uploaded.getvalue()).hexdigest()
        if ss.get("wi_csv_done") != digest:
            from riskmap.products.whatif import proposals_from_csv

            path = common.session_dir() / f"proposals-{digest[:12]}.csv"
            path.write_bytes(uploaded.getvalue())
            try:
                props = proposals_from_csv(path)
            except RiskmapError as exc:
                common.show_error(exc)
            else:
                proposals.extend(p.to_record() for p in props)
                ss["wi_csv_done"] = digest
                st.success(t("wi_imported", n=len(props)))


def _proposals_table(ctx: cache.Context) -> list[dict[str, Any]]:
    from riskmap.products.whatif import export_proposals

    proposals: list[dict[str, Any]] = st.session_state.get("proposals", [])
    st.markdown(f"**{t('wi_list')}**")
    if not proposals:
        st.caption(t("wi_none"))
        return proposals
    st.dataframe(
        _proposals_frame(proposals),
        hide_index=True,
        width="stretch",
        height=common.table_height(len(proposals), 400),
    )
    c1, c2 = st.columns(2)
    with tempfile.TemporaryDirectory(prefix="riskmap-wi-") as tmp:
        out = export_proposals(proposals, Path(tmp) / "proposals.csv")
        c1.download_button(
            t("wi_export"),
            out.read_bytes(),
            f"{ctx.project.name}_proposals.csv",
            "text/csv",
            key="wi_export",
        )
    if c2.button(t("wi_clear"), key="wi_clear"):
        st.session_state["proposals"] = []
        st.session_state.pop("whatif_on", None)
        st.rerun()
    return proposals


def _proposals_frame(proposals: list[dict[str, Any]]) -> pd.DataFrame:
    """Proposals for people: headers and facility kinds in the page's language, empty columns left out."""
    df = pd.DataFrame(proposals)
    kinds = {"shelter": t("wi_shelter"), "fire_station": t("wi_fire_station")}
    headers = {
        "kind": t("wi_kind"),
        "id": "ID",
        "name": t("wi_name"),
        "lon": t("hz_lon"),
        "lat": t("hz_lat"),
        "type": t("wi_type"),
        "class": t("wi_class"),
        "area_m2": t("wi_area"),
        "capacity": t("wi_capacity"),
    }
    if "kind" in df.columns:
        df["kind"] = df["kind"].map(lambda k: kinds.get(k, k))
    blank = df.isna() | (df.astype(str) == "")
    df = df.loc[:, [c for c in df.columns if not blank[c].all()]]
    written: dict[str, Callable[[Any], str]] = {
        "lon": lambda v: common.number(v, 6),
        "lat": lambda v: common.number(v, 6),
        "area_m2": common.area_m2,
        "capacity": common.people,
    }
    for column in df.columns:
        write = written.get(column)
        df[column] = [
            "—" if common.missing(v) else (write(v) if write else str(v)) for v in df[column]
        ]
    return df.rename(columns=headers)


def _whatif_result(
    ctx: cache.Context, card: Any, summary: Any, reg_key: str, proposals: list[dict[str, Any]]
) -> None:
    from riskmap.config.levels import level_of
    from riskmap.errors import RiskmapError

    if not proposals:
        return
    if st.button(t("wi_run"), key="wi_run", type="primary"):
        st.session_state["whatif_on"] = True
    if not st.session_state.get("whatif_on"):
        return
    pj = json.dumps(proposals, sort_keys=True, ensure_ascii=False)
    try:
        with st.spinner(t("computing")):
            result = _whatif(ctx.score_key, reg_key, pj, _ctx=ctx, _summary=summary)
    except RiskmapError as exc:
        common.show_error(exc)
        return
    en = state.lang() == "en"
    ind = result.indicators[result.indicators["scope"] == "city"]
    st.markdown(f"**{t('wi_indicators')}**")
    st.dataframe(
        pd.DataFrame(
            {
                t("col_indicator"): _indicator_names(ind),
                t("col_unit"): ind["unit"].map(_unit),
                t("col_before"): [
                    _number(v, u) for v, u in zip(ind["before"], ind["unit"], strict=True)
                ],
                t("col_after"): [
                    _number(v, u) for v, u in zip(ind["after"], ind["unit"], strict=True)
                ],
                t("col_change"): [
                    _number(v, u, sign=True)
                    for v, u in zip(ind["change"], ind["unit"], strict=True)
                ],
                t("col_passed"): [
                    f"{_passed(b)} → {_passed(a)}"
                    for b, a in zip(ind["passed_before"], ind["passed_after"], strict=True)
                ],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    st.markdown(f"**{t('wi_levels')}**")
    lv = result.levels
    pop_before = f"{t('col_population')} · {t('col_before')}"
    pop_after = f"{t('col_population')} · {t('col_after')}"
    cells_before = f"{t('col_cells')} · {t('col_before')}"
    cells_after = f"{t('col_cells')} · {t('col_after')}"
    st.dataframe(
        pd.DataFrame(
            {
                t("col_level"): lv["level_en" if en else "level"],
                cells_before: lv["cells_before"],
                cells_after: lv["cells_after"],
                t("col_change"): lv["cells_change"],
                pop_before: lv["population_before"].round(0).astype(int),
                pop_after: lv["population_after"].round(0).astype(int),
            }
        ),
        hide_index=True,
        width="stretch",
        column_config={
            c: st.column_config.NumberColumn(format="localized")
            for c in (cells_before, cells_after, pop_before, pop_after)
        },
    )
    changed = result.changed_cells
    if len(changed) == 0:
        st.caption(t("wi_no_change"))
        return
    st.markdown(f"**{t('wi_changed', n=len(changed))}**")
    st.caption(t("wi_changed_note"))
    # A few 1 km cells are invisible on the whole city: the map shows them and the proposals.
    changed_wgs84 = changed.to_crs(4326).geometry.to_numpy()
    places = shapely.points([p["lon"] for p in proposals], [p["lat"] for p in proposals])
    focus = _focus_bounds(np.concatenate([changed_wgs84, places]))
    # Before and after side by side, on the same view: the cells that change, coloured by
    # their level without and with the proposals (outlined in purple on both).
    for col, column, key, label in zip(
        st.columns(2),
        ("level_from", "level_to"),
        ("whatif_before", "whatif_changed"),
        ("col_before", "col_after"),
        strict=True,
    ):
        with col:
            st.caption(t(label))
            m, _ = _base_map(ctx, focus=focus)
            for rank in sorted(changed[column].unique()):
                part = changed[changed[column] == rank]
                layer = _geometry_layer(
                    part, level_of(int(rank)).color, level_of(int(rank)).name(state.lang()), 0.8
                )
                if layer is not None:
                    layer.add_to(m)
            map_ui.outline_group(places, "none", name="proposals", color="#6a3d9a").add_to(m)
            map_ui.show_map(map_ui.local_assets(m), key, height=380)
    st.dataframe(
        pd.DataFrame(
            {
                t("col_cell"): changed["cell_id"],
                t("f_district"): (
                    changed["district"].map(common.district_shown(ctx.data))
                    if "district" in changed.columns
                    else ""
                ),
                t("col_from"): changed["from_en" if en else "from_zh"],
                t("col_to"): changed["to_en" if en else "to_zh"],
            }
        ).head(500),
        hide_index=True,
        width="stretch",
        height=common.table_height(min(len(changed), 500), 400),
    )


def render() -> None:
    ctx = cache.open_page("page_safecity", "sc_intro")
    if ctx is None:
        return
    summary, reg_key = _register_summary(ctx.register)
    with st.spinner(t("computing")):
        card = _scorecard(ctx.score_key, reg_key, ctx.data, ctx.assessment, summary)
    _scorecard_section(ctx, card)
    st.divider()
    st.subheader(t("wi_title"))
    _take_click(ctx)
    left, right = st.columns([3, 2], gap="medium")
    with left:
        st.caption(t("wi_click"))
        m = ctx.risk_map(overlays=("districts", "shelters", "fire_stations"), basemap="none")
        proposals = st.session_state.get("proposals", [])
        marks = None
        if proposals:
            pts = shapely.points([p["lon"] for p in proposals], [p["lat"] for p in proposals])
            marks = map_ui.outline_group(pts, "none", name="proposals", color="#6a3d9a")
        map_ui.show_map(
            m,
            MAP_KEY,
            height=480,
            highlight=marks,
            on_change=map_ui.remember_click(MAP_KEY, "wi_pending"),
        )
    with right:
        _proposal_form(ctx)
    proposals = _proposals_table(ctx)
    _whatif_result(ctx, card, summary, reg_key, proposals)


if __name__ == "__main__":
    render()
