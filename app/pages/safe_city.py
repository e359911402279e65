"""安全城市 — the safe-city scorecard with evidence maps, and what-if planning of new facilities."""

from __future__ import annotations

import hashlib
import json
import tempfile
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
_COUNT_UNITS = {"people", "stations", "targets", "hazards", "yes=1"}


def _number(value: Any, unit: str) -> str:
    if value is None or pd.isna(value):
        return ""
    return f"{float(value):,.0f}" if unit in _COUNT_UNITS else f"{float(value):,.2f}"


def _unit(unit: object) -> str:
    """An indicator's unit in the page's language (``%`` and unknown units as they are)."""
    key = f"sc_unit_{unit}"
    return t(key) if key in TEXTS else str(unit)


def _scorecard_table(rows: pd.DataFrame) -> pd.DataFrame:
    """The scorecard for people: the evidence text (what the value counts) before the standard."""
    en = state.lang() == "en"
    name, evidence = ("name_en", "evidence") if en else ("name_zh", "evidence_zh")
    return pd.DataFrame(
        {
            t("col_indicator"): rows[name],
            t("col_value"): [
                _number(v, u) for v, u in zip(rows["value"], rows["unit"], strict=True)
            ],
            t("col_unit"): rows["unit"].map(_unit),
            t("col_target"): [
                "" if tg is None or pd.isna(tg) else f"{_COMPARE.get(c, c or '')} {_number(tg, u)}"
                for tg, c, u in zip(rows["target"], rows["comparison"], rows["unit"], strict=True)
            ],
            t("col_passed"): rows["passed"].map(_passed),
            t("col_evidence"): rows[evidence],
            t("col_standard"): rows["standard"],
        }
    )


def _table_height(n_rows: int, most: int = 640) -> int:
    """Pixels for a data frame showing all its ``n_rows`` rows (up to ``most``)."""
    return int(min(most, 38 + 35 * max(n_rows, 1)))


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


_TIP_FIELDS: dict[str, str] = {
    "class": "{}",
    "type": "{}",
    "grade": "{}",
    "area_km2": "{:,.1f}",
    "builtup_share": "{:.0%}",
    "limit_km2": "{:,.0f}",
    "capacity": "{:,.0f}",
    "area_m2": "{:,.0f}",
    "population": "{:,.0f}",
    "area_per_person_m2": "{:,.2f}",
    "distance_m": "{:,.0f}",
    "hazmat_name": "{}",
    "reach_min": "{:,.1f}",
}
# Evidence columns shown in a feature's tooltip and how their values are written (the
# label, with its unit, is ``ev_f_<column>``). Comments, not strings: a page writes bare
# strings onto itself.

MAX_AREAS = 400
# Named areas (e.g. fire stations' service areas) drawn one by one, with their tooltips, up
# to this many; more are merged into one shape.


def _tip(row: pd.Series) -> str:
    """A feature's tooltip: its name, then its evidence values with units, escaped."""
    lines = [f"<b>{common.escape_html(row['name'])}</b>"] if "name" in row.index else []
    for column, fmt in _TIP_FIELDS.items():
        value = row.get(column)
        if value is None or (not isinstance(value, str) and pd.isna(value)) or value == "":
            continue
        text = fmt.format(value) if fmt != "{}" else str(value)
        lines.append(f"{common.escape_html(t(f'ev_f_{column}'))}：{common.escape_html(text)}")
    return "<br>".join(lines)


def _geometry_layer(
    gdf: gpd.GeoDataFrame, color: str, name: str, fill: float = 0.45
) -> folium.GeoJson | None:
    """Evidence geometries for drawing: named areas one by one (a station's own service
    area) and points with their tooltips; unnamed polygons (cells) merged and simplified;
    points capped."""
    if gdf is None or len(gdf) == 0:
        return None
    geoms = gdf.geometry.to_numpy()
    kinds = shapely.get_type_id(geoms)
    is_poly, is_point = np.isin(kinds, [3, 6]), np.isin(kinds, [0, 4])
    named = "name" in gdf.columns
    parts: list[Any] = []
    tips: list[str] = []
    if is_poly.any():
        if named and int(is_poly.sum()) <= MAX_AREAS:
            own = gdf[is_poly]
            parts.extend(shapely.simplify(own.geometry.to_numpy(), 20.0, preserve_topology=True))
            tips.extend(_tip(r) for _, r in own.iterrows())
        else:
            merged = shapely.coverage_union_all(geoms[is_poly])
            parts.append(shapely.simplify(merged, 20.0, preserve_topology=True))
            tips.append("")
    points = gdf[is_point].iloc[:MAX_POINTS]
    parts.extend(points.geometry.to_numpy())
    tips.extend(_tip(r) if named else "" for _, r in points.iterrows())
    shown = gpd.GeoSeries(parts, crs=gdf.crs).to_crs(4326)
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
        style_function=lambda _f, c=color: {
            "color": c,
            "weight": 1,
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
    scope = st.selectbox(
        t("sc_scope"), scope_codes, key="sc_scope", format_func=lambda k: scopes.get(k, k)
    )
    rows = card.city() if not scope else card.for_scope(scope)
    st.dataframe(
        _scorecard_table(rows),
        hide_index=True,
        width="stretch",
        height=_table_height(len(rows)),
        column_config={
            t("col_indicator"): st.column_config.TextColumn(width=260),
            t("col_evidence"): st.column_config.TextColumn(width="large"),
        },
    )
    with_evidence = [i for i in rows["id"] if i in card.evidence]
    if not with_evidence:
        return
    st.subheader(t("sc_evidence"))
    names = dict(
        zip(rows["id"], rows["name_en" if state.lang() == "en" else "name_zh"], strict=True)
    )
    ind = st.selectbox(
        t("sc_choose"),
        with_evidence,
        key="sc_indicator",
        format_func=lambda k: str(names.get(k, k)),
    )
    if ind is None:
        return
    ev = card.evidence[ind]
    if scope and "adcode" in ev.columns:
        ev = ev[ev["adcode"].astype(str) == scope]
    what = f"sc_ev_{ind}"
    st.caption(
        t("sc_evidence_count", n=f"{len(ev):,}") + (" · " + t(what) if what in TEXTS else "")
    )
    if len(ev) == 0:
        st.caption(t("sc_no_evidence"))
        return
    m, _ = _base_map(ctx)
    layers, legend = _evidence_layers(ev, ind, str(names.get(ind, ind)))
    for layer in layers:
        layer.add_to(m)
    map_ui.add_legend(m, str(names.get(ind, ind)), legend)
    if "ok" in ev.columns:
        st.caption(t("sc_ev_ok"))
    map_ui.show_map(map_ui.local_assets(m), f"evidence_{ind}", height=460)


def _evidence_layers(
    ev: gpd.GeoDataFrame, ind: str, name: str
) -> tuple[list[folium.GeoJson], list[tuple[str, str, str]]]:
    """An indicator's evidence as map layers (red, or green/red by its ``ok`` column, or its
    level's colour) and their legend items (colour, label with the count, point or area)."""
    from riskmap.config.levels import level_of

    if "ok" in ev.columns:
        ok = ev["ok"].astype("boolean").fillna(False).to_numpy(dtype=bool)
        parts = [
            (ev[ok], "#1a9641", f"{name} ✓", t("sc_legend_ok", n=f"{int(ok.sum()):,}")),
            (ev[~ok], "#d7191c", f"{name} ✗", t("sc_legend_not_ok", n=f"{int((~ok).sum()):,}")),
        ]
    elif (
        "level_rank" in ev.columns
        and (ev["level_rank"].to_numpy() == ev["level_rank"].iloc[0]).all()
    ):
        level = level_of(int(ev["level_rank"].iloc[0]))
        parts = [(ev, level.color, name, f"{common.level_label(level.rank)} · {len(ev):,}")]
    else:
        parts = [(ev, "#d7191c", name, t("sc_legend_count", n=f"{len(ev):,}"))]
    layers, items = [], []
    for part, color, label, legend in parts:
        layer = _geometry_layer(part, color, label)
        if layer is None:
            continue
        layers.append(layer)
        points = np.isin(shapely.get_type_id(part.geometry.to_numpy()), [0, 4]).all()
        items.append((color, legend, "point" if points else "area"))
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
            )
        if st.form_submit_button(t("wi_add"), type="primary"):
            try:
                prop = validate_proposals([record])[0]
            except RiskmapError as exc:
                common.show_error(exc)
            else:
                proposals.append(prop.to_record())
                st.rerun()
    uploaded = st.file_uploader(t("wi_csv"), type=["csv"], key="wi_csv")
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
        height=_table_height(len(proposals), 400),
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
                t("col_indicator"): ind["name_en" if en else "name_zh"],
                t("col_unit"): ind["unit"].map(_unit),
                t("col_before"): ind["before"].round(2),
                t("col_after"): ind["after"].round(2),
                t("col_change"): ind["change"].round(2),
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
                t("f_district"): changed.get("district", ""),
                t("col_from"): changed["from_en" if en else "from_zh"],
                t("col_to"): changed["to_en" if en else "to_zh"],
            }
        ).head(500),
        hide_index=True,
        width="stretch",
        height=_table_height(min(len(changed), 500), 400),
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
