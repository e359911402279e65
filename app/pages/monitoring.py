"""监测预警 — monitoring warnings: the warnings open at a moment, the dynamic risk map
(open warnings raise their features' intensity), each warning's readings, and
acknowledgement."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from app import cache, common, state
from app.common import t
from app.components import map as map_ui

MAP_KEY = "monitoring_map"


@st.cache_resource(max_entries=2, show_spinner=False)
def _store(db: str, project_file: str, stamp: str, _ctx: cache.Context) -> Any:
    """The readings store; the project's own readings files (``readings/*.csv``, e.g. the
    demo's month) are imported into an empty store on first use."""
    from riskmap.monitoring import ReadingStore, feature_ids, project_quantities, read_readings

    store = ReadingStore(db)
    if store.readings().empty:
        quantities = project_quantities(_ctx.data)
        for path in sorted((_ctx.project.root / "readings").glob("*.csv")):
            store.add(read_readings(path, quantities, feature_ids=feature_ids(_ctx.data)))
        store.update_warnings(quantities)
    return store


@st.cache_resource(max_entries=4, show_spinner=False)
def _dynamic_map(
    score_key: str, moment: str, boosts_json: str, lang_: str, *, _ctx: cache.Context
) -> Any:
    import json

    from app.components.map import app_risk_map

    a = _ctx.assessment
    dyn = _ctx.study.score(a.weights, a.levels, boosts=json.loads(boosts_json))
    s = _ctx.settings
    return dyn, app_risk_map(
        dyn,
        view="level",
        basemap=s.basemap,
        lang=lang_,
        overlays=tuple(s.overlays),
        index=_ctx.index,
    )


def _default_moment(warnings: pd.DataFrame) -> datetime:
    if warnings.empty:
        return datetime.combine(date.today(), time(8, 0))
    rank = {"blue": 1, "yellow": 2, "orange": 3, "red": 4}
    w = warnings.assign(r=warnings["level"].map(rank)).sort_values(["r", "start"])
    peak = pd.Timestamp(w["peak_time"].iloc[-1]).tz_convert("Asia/Shanghai")
    return peak.to_pydatetime().replace(tzinfo=None, minute=0, second=0)


def render() -> None:
    ctx = cache.open_page("page_monitoring", "mon_intro")
    if ctx is None:
        return
    from riskmap.errors import RiskmapError
    from riskmap.monitoring import LEVEL_NAMES, boosts_of, project_quantities

    quantities = project_quantities(ctx.data)
    if not quantities:
        st.info(t("mon_none"))
        return
    from riskmap.register import default_register_path

    db = ctx.register_path or default_register_path(ctx.project)
    try:
        store = _store(str(db), str(ctx.project.root), ctx.stamp, _ctx=ctx)
        warnings = store.warnings()
    except RiskmapError as exc:
        common.show_error(exc, "error_generic")
        return
    default = _default_moment(warnings)
    c1, c2 = st.columns(2)
    day = c1.date_input(t("mon_day"), value=default.date(), key="w_mon_day")
    hour = c2.time_input(t("mon_time"), value=default.time(), key="w_mon_time")
    if not isinstance(day, date) or not isinstance(hour, time):
        return
    moment = datetime.combine(day, hour)
    active = store.active_warnings(moment)
    lang = state.lang()
    i = 1 if lang == "en" else 0
    m1, m2, m3 = st.columns(3)
    m1.metric(t("mon_active"), f"{len(active):,}")
    m2.metric(t("mon_red"), f"{int((active['level'] == 'red').sum()) if len(active) else 0:,}")
    m3.metric(t("mon_all"), f"{len(warnings):,}")
    acting = {
        name for name, layer in ctx.data.layers.items()
        if layer.kind.method in ("kernel", "overlap")
    }  # fmt: skip
    boosts = {k: v for k, v in boosts_of(active, quantities).items() if k in acting}
    import json

    dyn, m = _dynamic_map(
        ctx.score_key, moment.isoformat(), json.dumps(boosts, sort_keys=True), lang, _ctx=ctx
    )
    moved = int(
        (dyn.cells["level_rank"].to_numpy() != ctx.assessment.cells["level_rank"].to_numpy()).sum()
    )
    left, right = st.columns([3, 2], gap="medium")
    with left:
        st.caption(t("mon_map", n=f"{moved:,}"))
        map_ui.show_map(m, MAP_KEY, height=560)
    with right:
        st.markdown(f"**{t('mon_list')}**")
        if active.empty:
            st.caption(t("mon_quiet"))
            return
        names = {k: v[i] for k, v in LEVEL_NAMES.items()}

        def what(layer: object, quantity: object) -> str:  # names, never internal keys
            spec = quantities.get((str(layer), str(quantity)))
            return spec.name.get(lang) if spec is not None else str(quantity)

        def peak(layer: object, quantity: object, value: object) -> str:  # with its unit
            spec = quantities.get((str(layer), str(quantity)))
            return common.number(value, 2, spec.unit if spec is not None else "")

        table = active.assign(
            level=active["level"].map(names),
            layer=[common.layer_label(ctx.data, str(v)) for v in active["layer"]],
            quantity=[what(a, b) for a, b in zip(active["layer"], active["quantity"], strict=True)],
            start=active["start"].dt.tz_convert("Asia/Shanghai").dt.strftime("%m-%d %H:%M"),
            peak=[
                peak(a, b, v)
                for a, b, v in zip(active["layer"], active["quantity"], active["peak"], strict=True)
            ],
        )[["id", "level", "layer", "feature_id", "quantity", "start", "peak", "acknowledged_by"]]
        common.show_table(table.rename(columns={c: t(f"mon_col_{c}") for c in table.columns}))
        labels = {
            int(r.id): f"#{r.id} {names[r.level]} · {common.layer_label(ctx.data, str(r.layer))} "
            f"{r.feature_id} · {what(r.layer, r.quantity)}"
            for r in active.itertuples(index=False)
        }
        chosen = st.selectbox(
            t("mon_pick"),
            list(labels),
            format_func=common.labels(labels, labels.get),
            key="w_mon_pick",
            placeholder=t("choose"),
        )
    if chosen is None:
        return
    row = active[active["id"] == chosen].iloc[0]
    spec = quantities[(str(row["layer"]), str(row["quantity"]))]
    r = store.readings(
        layer=str(row["layer"]), feature_id=str(row["feature_id"]), quantity=str(row["quantity"])
    )
    r = r.assign(time=r["time"].dt.tz_convert("Asia/Shanghai").dt.tz_localize(None))
    line = (
        alt.Chart(r)
        .mark_line(point=False)
        .encode(
            x=alt.X("time:T", title=t("mon_time")),
            y=alt.Y("value:Q", title=f"{spec.name.get(lang)} ({spec.unit})"),
            tooltip=[
                alt.Tooltip("time:T", title=t("mon_time"), format="%Y-%m-%d %H:%M"),
                alt.Tooltip("value:Q", title=f"{spec.name.get(lang)} ({spec.unit})"),
            ],
        )
    )
    rules = alt.Chart(
        pd.DataFrame({"level": list(spec.thresholds), "value": list(spec.thresholds.values())})
    ).mark_rule(strokeDash=[4, 3]).encode(
        y="value:Q",
        color=alt.Color("level:N", scale=alt.Scale(domain=["blue", "yellow", "orange", "red"],
                        range=["#2c7bb6", "#e6c200", "#f28e2b", "#d7191c"]), legend=None),
    )  # fmt: skip
    st.markdown(f"**{t('mon_chart', feature=common.plain(row['feature_id']))}**")
    st.altair_chart(line + rules, width="stretch")
    st.caption(spec.source_in(lang))
    from app.auth import current_user

    user = current_user()
    if user is None or not user.may("acknowledge"):
        st.caption(t("auth_needed"))
        return
    if st.button(t("mon_ack"), key="btn_mon_ack"):
        try:
            store.acknowledge(int(chosen), user.label())
            st.success(t("mon_acked", id=int(chosen), by=common.plain(user.label())))
        except RiskmapError as exc:
            common.show_error(exc, "error_generic")


if __name__ == "__main__":
    render()
