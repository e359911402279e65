"""变化 — the change between two days: pick two as-of dates, see the cells that moved
level on a change map, with district trends and what changed the biggest movers."""

from __future__ import annotations

from datetime import date
from typing import Any

import streamlit as st

from app import cache, common, state
from app.common import t
from app.components import map as map_ui

MAP_KEY = "change_map"


@st.cache_resource(max_entries=4, show_spinner=False)
def _change(
    fields_key: str, settings_json: str, days: tuple[str, str], lang_: str, *, _ctx: cache.Context
) -> tuple[Any, Any]:
    """The comparison of the session's study as of two days, and its change map."""
    import json

    from riskmap.config.vocabulary import VIEWS
    from riskmap.maps import map_from_cells
    from riskmap.pipeline import Study
    from riskmap.products.change import change_map_cells, change_title, compare_cells

    assert "change" in VIEWS
    settings = json.loads(settings_json)
    day_a, day_b = days
    sides = []
    for day in days:
        study = Study.from_data(
            _ctx.base,
            cell_size=_ctx.study.grid.cell_size,
            grid=_ctx.study.grid.kind,
            h3_resolution=_ctx.study.grid.h3_resolution,
            register=_ctx.register_path if _ctx.register_path is not None else None,
            cells=_ctx.study.cells,
            as_of=day,
        )
        sides.append(study.score(settings["weights"], settings["levels"]).cells)
    change = compare_cells(sides[0], sides[1], label_a=day_a, label_b=day_b)
    title = change_title(change, _ctx.project.title.get(lang_), lang_)
    m = map_from_cells(
        change_map_cells(change),
        _ctx.data,
        view="change",
        lang=lang_,
        title=title,
        overlays=["districts"],
        assets="url",
        asset_url=common.ASSET_URL,
        collapsed_control=True,
        index=_ctx.index,
    )
    return change, m


def render() -> None:
    ctx = cache.open_page("page_change", "change_intro")
    if ctx is None:
        return
    import json

    c1, c2 = st.columns(2)
    day_a = c1.date_input(t("change_day_a"), value=date(2020, 12, 31), key="w_change_a")
    day_b = c2.date_input(t("change_day_b"), value=date(2021, 12, 31), key="w_change_b")
    if not isinstance(day_a, date) or not isinstance(day_b, date):
        return
    from riskmap.errors import RiskmapError

    a = ctx.assessment
    settings = json.dumps(
        {"weights": a.weights.model_dump(mode="json"), "levels": a.levels.model_dump(mode="json")},
        sort_keys=True,
    )
    try:
        with st.spinner(t("computing")):
            change, m = _change(
                ctx.fields_key,
                settings,
                (day_a.isoformat(), day_b.isoformat()),
                state.lang(),
                _ctx=ctx,
            )
    except RiskmapError as exc:
        common.show_error(exc, "project_error")
        return
    s = change.summary()
    m1, m2, m3 = st.columns(3)
    m1.metric(t("change_up"), f"{s['cells_up']:,}")
    m2.metric(t("change_down"), f"{s['cells_down']:,}")
    m3.metric(t("change_cells"), f"{s['cells']:,}")
    left, right = st.columns([3, 2], gap="medium")
    with left:
        map_ui.show_map(m, MAP_KEY, height=620)
    with right:
        st.markdown(f"**{t('change_districts')}**")
        trend = change.districts[
            ["district", "cells_up", "cells_down", "major_change", "significant_change"]
        ]
        st.dataframe(
            trend.rename(
                columns={
                    "district": t("district"),
                    "cells_up": t("change_up"),
                    "cells_down": t("change_down"),
                    "major_change": t("change_major"),
                    "significant_change": t("change_significant"),
                }
            ),
            hide_index=True,
            width="stretch",
        )
    st.markdown(f"**{t('change_movers')}**")
    movers = change.moved.head(200)
    drivers = "drivers_en" if state.lang() == "en" else "drivers"
    st.dataframe(
        movers[
            ["cell_id", "district", "level_a", "level_b", "change", "score_a", "score_b", drivers]
        ].rename(
            columns={
                "cell_id": t("col_cell"),
                "district": t("district"),
                "level_a": day_a.isoformat(),
                "level_b": day_b.isoformat(),
                "change": t("change_steps"),
                "score_a": f"{t('d_score')} {day_a.isoformat()}",
                "score_b": f"{t('d_score')} {day_b.isoformat()}",
                drivers: t("change_drivers"),
            }
        ),
        hide_index=True,
        width="stretch",
    )
    st.divider()
    _briefing(ctx)


@st.cache_resource(max_entries=2, show_spinner=False)
def _briefing_html(
    fields_key: str, period: tuple[str, str], theme: str, lang_: str, *, _ctx: cache.Context
) -> str:
    from riskmap.products.briefing import build_briefing

    return build_briefing(_ctx.study.briefing(period, theme), lang_)


def _briefing(ctx: cache.Context) -> None:
    """The period risk briefing, made and downloaded from the app."""
    st.subheader(t("brief_title"))
    st.caption(t("brief_intro"))
    themes = ctx.project.themes
    c1, c2, c3 = st.columns(3)
    start = c1.date_input(t("brief_start"), value=date(2021, 6, 1), key="w_brief_start")
    end = c2.date_input(t("brief_end"), value=date(2021, 9, 30), key="w_brief_end")
    theme = c3.selectbox(
        t("brief_theme"),
        list(themes),
        key="w_brief_theme",
        format_func=common.labels(themes, lambda k: themes[k].name.get(state.lang())),
    )
    if not isinstance(start, date) or not isinstance(end, date) or theme is None:
        return
    if not st.button(t("brief_make"), key="btn_brief"):
        return
    from riskmap.errors import RiskmapError

    try:
        with st.spinner(t("computing")):
            page = _briefing_html(
                ctx.fields_key, (start.isoformat(), end.isoformat()), theme, state.lang(), _ctx=ctx
            )
    except RiskmapError as exc:
        common.show_error(exc, "project_error")
        return
    name = f"{ctx.project.name}_briefing_{theme}_{start.isoformat()}_{end.isoformat()}.html"
    st.download_button(
        t("brief_download"), page.encode("utf-8"), file_name=name, mime="text/html",
        key="dl_brief",
    )  # fmt: skip


if __name__ == "__main__":
    render()
