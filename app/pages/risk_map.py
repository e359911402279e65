"""风险地图 — the four-colour risk map, its settings, headline figures and cell details."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from app import cache, common, state
from app.cache import Context
from app.common import t
from app.components import map as map_ui
from riskmap.config.vocabulary import BASEMAPS, LEVEL_RULES, VIEWS

MAP_KEY = "risk_map"


def _sidebar(ctx_project: Any, data: Any) -> None:
    """Grid, weights, levels and display settings (widget keys ``w_...`` keep them)."""
    ss = st.session_state
    sb = st.sidebar
    sb.subheader(t("sec_grid"))
    grid_options = [*(str(s) for s in state.CELL_SIZES), state.GRID_H3]
    if ss.get("w_grid") not in grid_options:
        ss["w_grid"] = "250"
    sb.selectbox(
        t("cell_size"),
        grid_options,
        key="w_grid",
        format_func=common.labels(
            grid_options,
            lambda g: t("grid_h3_option") if g == state.GRID_H3 else t("cell_m", size=g),
        ),
    )
    if ss["w_grid"] == state.GRID_H3:
        sb.slider(t("h3_res"), 6, 10, key="w_h3res")

    with sb.expander(t("sec_weights"), expanded=False):
        st.caption(t("component_weights"))
        for comp in state.COMPONENT_WEIGHTS:
            st.slider(t(f"comp_{comp}"), 0.0, 1.0, step=0.05, key=f"w_cw_{comp}")
        st.caption(t("layer_weights"))
        for layer in data.layers.values():
            key = f"w_lw_{layer.name}"
            if key in ss:
                st.slider(common.layer_label(data, layer.name), 0.0, 3.0, step=0.1, key=key)
        st.button(t("reset_weights"), on_click=state.reset_weights, key="btn_reset_weights")

    sb.subheader(t("sec_levels"))
    sb.selectbox(t("level_rule"), **common.choice(LEVEL_RULES, "w_rule", "rule_"))

    sb.subheader(t("sec_display"))
    views = [v for v in VIEWS if v != "change"]  # a change map needs two dates: 变化 page
    sb.radio(t("view"), **common.choice(views, "w_view", "view_"))
    sb.selectbox(
        t("basemap"),
        list(BASEMAPS),
        key="w_basemap",
        format_func=common.labels(BASEMAPS, lambda b: t(f"basemap_{b}")),
    )
    from riskmap.maps import OVERLAYS

    ss["w_overlays"] = [o for o in ss.get("w_overlays", []) if o in OVERLAYS]
    sb.multiselect(
        t("overlays"),
        list(OVERLAYS),
        key="w_overlays",
        format_func=common.labels(OVERLAYS, lambda o: t(f"ov_{o}")),
    )
    options = common.district_options(data)
    if ss.get("w_district") not in options:
        ss["w_district"] = ""
    sb.selectbox(
        t("district"), list(options), key="w_district", format_func=lambda k: options.get(k, k)
    )


def _process_click(ctx: Context) -> None:
    """Turn the last map click (stored by the map's on_change) into the selected cell."""
    from riskmap.maps import cell_at

    ss = st.session_state
    click = ss.pop("pending_click", None)
    if not click:
        return
    lon, lat = map_ui.clicked_wgs84(click, ctx.settings.basemap)
    cid = cell_at(ctx.assessment.cells, lon, lat, index=ctx.index)
    ss["selected_cell"] = cid or ""
    ss["click_missed"] = cid is None


def _components_chart(expl: dict[str, Any]) -> alt.Chart:
    comps = ["hazard", "exposure", "vulnerability", "coping_gap", "consequence"]
    df = pd.DataFrame(
        {
            "component": [t(f"comp_{c}") for c in comps],
            "value": [round(float(expl["components"][c]), 2) for c in comps],
        }
    )
    return (
        alt.Chart(df)
        .mark_bar(color=expl["color"])
        .encode(
            x=alt.X("value:Q", scale=alt.Scale(domain=[0, 10]), title=t("d_value")),
            y=alt.Y(
                "component:N",
                sort=None,
                title=None,
                axis=alt.Axis(labelOverlap=False, labelLimit=200),
            ),
            tooltip=["component", "value"],
        )
        .properties(height=210)
    )


def _details(ctx: Context) -> None:
    st.subheader(t("details"))
    ss = st.session_state
    if ss.get("click_missed"):
        st.info(t("no_cell_here"))
    cid = ss.get("selected_cell") or ""
    if not cid:
        st.caption(t("pick_cell"))
        return
    try:
        expl = ctx.assessment.explain(cid, state.lang())
    except KeyError:
        st.caption(t("pick_cell"))
        return
    st.markdown(
        f'<div data-testid="cell-level" style="border-left:10px solid {common.escape_html(expl["color"])};'
        f'padding:4px 10px;font-size:1.25rem;font-weight:600">'
        f"{common.escape_html(expl['level'])} · {expl['score']:.1f}</div>",
        unsafe_allow_html=True,
    )
    st.caption(t("d_cell", cell=common.plain(cid), district=common.plain(expl["district"])))
    c1, c2 = st.columns(2)
    c1.metric(t("d_score"), f"{expl['score']:.1f}")
    c2.metric(t("d_population"), f"{expl['population']:,.0f}")
    st.markdown(_why_level(ctx, expl))
    st.markdown(f"**{t('d_components')}**")
    st.altair_chart(_components_chart(expl), width="stretch")

    st.markdown(f"**{t('d_contributors')}**")
    contributors = expl.get("contributors") or []
    if contributors:
        df = pd.DataFrame(
            {
                t("d_name"): [c.get("name") or c.get("id") for c in contributors],
                t("d_kind"): [common.kind_label(ctx.data, c.get("kind", "")) for c in contributors],
                t("d_distance"): [round(float(c.get("distance_m", 0))) for c in contributors],
                t("d_contribution"): [
                    round(float(c.get("contribution", 0)), 3) for c in contributors
                ],
            }
        )
        st.dataframe(df, hide_index=True, width="stretch")
    else:
        st.caption(t("d_no_contributors"))
    if expl.get("top_factor"):
        st.caption(
            t(
                "d_top_factor",
                factor=common.plain(common.layer_label(ctx.data, str(expl["top_factor"]))),
            )
        )
    _how_sure(ctx, cid, expl)
    if expl["complete"]:
        st.success(t("d_complete"))
    else:
        st.warning(
            t(
                "d_incomplete",
                missing=", ".join(
                    t(f"comp_{m}") if f"comp_{m}" in _COMP_KEYS else m for m in expl["missing"]
                ),
            )
        )
    st.markdown(f"**{t('d_measures')}**")
    for measure in expl["measures"]:
        st.markdown(f"- {common.plain(measure)}")


def _why_level(ctx: Context, expl: dict[str, Any]) -> str:
    """Why the cell has its level, under the rule in force: R = L x S and its band, or the
    score against the rule's breaks."""
    from riskmap.config.levels import LEVELS

    levels = ctx.assessment.levels
    level = str(expl["level"])
    rank = next((lv.rank for lv in LEVELS if level in (lv.zh, lv.en)), 1)
    if levels.rule == "matrix":
        lv = LEVELS[rank - 1]
        r = int(expl["likelihood"]) * int(expl["severity"])
        return t("d_why_matrix", l=expl["likelihood"], s=expl["severity"], r=r, level=level,
                 lo=lv.matrix_min, hi=lv.matrix_max)  # fmt: skip
    breaks = (
        list(levels.score_breaks)
        if levels.rule == "breaks"
        else list(ctx.assessment.params.get("score_thresholds") or [])
    )
    if len(breaks) != 3:
        return t("d_why_score", score=f"{expl['score']:.1f}", level=level, band="")
    bounds = [0.0, *breaks, float("inf")]
    lo, hi = bounds[rank - 1], bounds[rank]
    band = f"{lo:.1f}–{hi:.1f}" if hi != float("inf") else f"≥ {lo:.1f}"
    return t("d_why_score", score=f"{expl['score']:.1f}", level=level, band=band)


def _how_sure(ctx: Context, cid: str, expl: dict[str, Any]) -> None:
    """How sure the cell's level is: its confidence and hot-spot class (analysis views)."""
    from riskmap.analysis import HOTSPOT_LABELS
    from riskmap.config.vocabulary import VIEW_COLUMNS

    if ctx.settings.view not in VIEW_COLUMNS:
        st.caption(t("d_analysis_hint"))
        return
    cells = ctx.analysed().cells
    row = cells.loc[cells["cell_id"] == cid]
    if row.empty:
        return
    r = row.iloc[0]
    st.markdown(f"**{t('view_confidence')}**")
    st.markdown(
        common.plain(t("d_confidence", level=str(expl["level"]), p=f"{float(r['level_p']):.0%}"))
    )
    st.caption(t("d_p_major", p=f"{float(r['p_major']):.0%}", high=f"{float(r['p_high']):.0%}"))
    if bool(r["unstable"]):
        st.warning(t("d_unstable"))
    zh, en = HOTSPOT_LABELS[int(r["hotspot"])]
    st.caption(
        t("d_hotspot", label=en if state.lang() == "en" else zh, z=f"{float(r['hotspot_z']):.2f}")
    )


_COMP_KEYS = {"comp_hazard", "comp_exposure", "comp_vulnerability", "comp_coping_gap"}


def render() -> None:
    project_file = state.selected_project()
    if project_file is None:
        return
    project, base = cache.load_base(project_file)
    _sidebar(project, base)
    ctx = cache.load_context(project_file)

    st.title(f"{ctx.project.title.get(state.lang())} · {t('app_title')}")
    st.caption(ctx.caption())
    _map_and_details(ctx)


@st.fragment
def _map_and_details(ctx: Context) -> None:
    """The map, the headline figures and the clicked cell's details.

    A fragment: a click on the map reruns only this part (the settings, data and
    assessment of the last full run are kept), not the sidebar and the pipeline.
    """
    _process_click(ctx)
    adcode = ctx.settings.district
    left, right = st.columns([3, 2], gap="medium")
    with left:
        st.caption(t("map_hint"))
        m = ctx.risk_map()
        center = zoom = None
        if adcode:
            d = ctx.data.districts[ctx.data.districts["adcode"].astype(str) == adcode].to_crs(4326)
            if len(d):
                center, zoom = map_ui.view_of(d, ctx.settings.basemap)
        highlight = None
        cid = st.session_state.get("selected_cell") or ""
        if cid:
            sel = ctx.assessment.cells[ctx.assessment.cells["cell_id"] == cid]
            if len(sel):
                highlight = map_ui.outline_group(
                    sel.to_crs(4326).geometry.to_numpy(), ctx.settings.basemap
                )
        map_ui.show_map(
            m,
            MAP_KEY,
            highlight=highlight,
            center=center,
            zoom=zoom,
            height=680,
            on_change=map_ui.remember_click(MAP_KEY, "pending_click"),
        )
    with right:
        scope = common.district_options(ctx.data).get(adcode, t("whole_city"))
        st.markdown(f"**{t('headline', scope=common.plain(scope))}**")
        summary = common.level_summary(ctx.assessment.cells, adcode, ctx.score_key)
        st.table(summary.set_index(t("col_level")))
        _details(ctx)


if __name__ == "__main__":
    render()
