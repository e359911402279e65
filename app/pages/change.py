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
    fields_key: str, sides_json: str, lang_: str, *, _ctx: cache.Context
) -> tuple[Any, Any, list[Any]]:
    """The comparison of two sides — each a label, an as-of day (or None: the session's
    study) and the weights and level rule to score with — and its change map."""
    import json

    from riskmap.config.vocabulary import VIEWS
    from riskmap.maps import map_from_cells
    from riskmap.pipeline import Study
    from riskmap.products.change import (
        change_map_cells,
        change_title,
        compare_cells,
        layer_names,
    )

    assert "change" in VIEWS
    sides = json.loads(sides_json)
    scored = []
    for side in sides:
        study = _ctx.study
        if side["as_of"] is not None:
            study = Study.from_data(
                _ctx.base,
                cell_size=_ctx.study.grid.cell_size,
                grid=_ctx.study.grid.kind,
                h3_resolution=_ctx.study.grid.h3_resolution,
                register=_ctx.register_path if _ctx.register_path is not None else None,
                cells=_ctx.study.cells,
                as_of=side["as_of"],
            )
        scored.append(study.score(side["weights"], side["levels"]))
    # With the contributors' text: the drivers of a change read it.
    cells = [a.cells_for_output() for a in scored]
    change = compare_cells(
        cells[0],
        cells[1],
        label_a=sides[0]["label"],
        label_b=sides[1]["label"],
        layer_names=layer_names(_ctx.data),
    )
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
    # Each side's map states the rule its levels come from and the thresholds its
    # assessment derived (a quantile scenario beside a matrix one).
    both = [
        map_from_cells(
            side_cells,
            _ctx.data,
            view="level",
            lang=lang_,
            title=f"{_ctx.project.title.get(lang_)} · {side['label']}",
            overlays=["districts"],
            assets="url",
            asset_url=common.ASSET_URL,
            collapsed_control=True,
            index=_ctx.index,
            levels=a.levels,
            thresholds=a.params.get("score_thresholds"),
        )
        for side_cells, a, side in zip(cells, scored, sides, strict=True)
        if side["as_of"] is None  # scenarios are shown side by side; days are not
    ]
    return change, m, both


def _settings_of(ctx: cache.Context) -> dict[str, Any]:
    a = ctx.assessment
    return {
        "weights": a.weights.model_dump(mode="json"),
        "levels": a.levels.model_dump(mode="json"),
    }


def _day_sides(ctx: cache.Context) -> list[dict[str, Any]] | None:
    """Two as-of days, scored with the session's weights and level rule."""
    c1, c2 = st.columns(2)
    day_a = c1.date_input(t("change_day_a"), value=date(2020, 12, 31), key="w_change_a")
    day_b = c2.date_input(t("change_day_b"), value=date(2021, 12, 31), key="w_change_b")
    if not isinstance(day_a, date) or not isinstance(day_b, date):
        return None
    return [
        {"label": day.isoformat(), "as_of": day.isoformat(), **_settings_of(ctx)}
        for day in (day_a, day_b)
    ]


def _scenario_sides(ctx: cache.Context) -> list[dict[str, Any]] | None:
    """Two saved scenarios (the map page saves them), each scored with its own weights and
    level rule on the session's grid and data."""
    import json

    from app import scenarios

    names = scenarios.saved(ctx.project.root)
    if len(names) < 2:
        st.info(t("change_need_scenarios"))
        return None
    c1, c2 = st.columns(2)
    pick_a = c1.selectbox(t("change_scenario_a"), names, key="w_change_sa", placeholder=t("choose"))
    pick_b = c2.selectbox(
        t("change_scenario_b"), names, index=1, key="w_change_sb", placeholder=t("choose")
    )
    sides = []
    base = _settings_of(ctx)
    for name in (pick_a, pick_b):
        path = scenarios.scenario_dir(ctx.project.root) / f"{name}.json"
        saved = json.loads(path.read_text(encoding="utf-8")).get("settings", {})
        weights = {
            "components": {
                c: float(saved.get(f"w_cw_{c}", base["weights"]["components"].get(c, 0.0)))
                for c in state.COMPONENT_WEIGHTS
            },
            "layers": {
                k[5:]: float(v)
                for k, v in saved.items()
                if k.startswith("w_lw_") and k[5:] in ctx.data.layers
            },
        }
        levels = {"rule": saved.get("w_rule", ctx.settings.rule)}
        sides.append({"label": name, "as_of": None, "weights": weights, "levels": levels})
    return sides


def render() -> None:
    ctx = cache.open_page("page_change", "change_intro")
    if ctx is None:
        return
    import json

    mode = st.radio(
        t("change_mode"),
        ["days", "scenarios"],
        format_func=common.labels(["days", "scenarios"], lambda m: t(f"change_mode_{m}")),
        horizontal=True,
        key="w_change_mode",
    )
    sides = _scenario_sides(ctx) if mode == "scenarios" else _day_sides(ctx)
    if sides is None:
        return
    label_a, label_b = sides[0]["label"], sides[1]["label"]
    from riskmap.errors import RiskmapError

    try:
        with st.spinner(t("computing")):
            change, m, both = _change(
                ctx.fields_key, json.dumps(sides, sort_keys=True), state.lang(), _ctx=ctx
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
        ].assign(district=lambda d: d["district"].map(common.district_shown(ctx.data)))
        common.show_table(
            trend.rename(
                columns={
                    "district": t("district"),
                    "cells_up": t("change_up"),
                    "cells_down": t("change_down"),
                    "major_change": t("change_major"),
                    "significant_change": t("change_significant"),
                }
            ),
        )
    if mode == "scenarios":  # the two scenarios' maps side by side
        st.markdown(f"**{t('change_side_by_side')}**")
        for col, side_map, key in zip(st.columns(2), both, ("a", "b"), strict=True):
            with col:
                map_ui.show_map(side_map, f"{MAP_KEY}_{key}", height=420)
    st.markdown(f"**{t('change_movers')}**")
    movers = _movers(ctx, change.moved.head(200))
    drivers = "drivers_en" if state.lang() == "en" else "drivers"
    common.show_table(
        movers[
            ["cell_id", "district", "level_a", "level_b", "change", "score_a", "score_b", drivers]
        ].rename(
            columns={
                "cell_id": t("col_cell"),
                "district": t("district"),
                "level_a": label_a,
                "level_b": label_b,
                "change": t("change_steps"),
                "score_a": f"{t('d_score')} {label_a}",
                "score_b": f"{t('d_score')} {label_b}",
                drivers: t("change_drivers"),
            }
        ),
    )
    st.divider()
    _briefing(ctx)


def _movers(ctx: cache.Context, moved: Any) -> Any:
    """The cells that moved, for people: districts and levels in the page's language (what
    changed them riskmap writes in both languages, the layers by their names)."""
    from riskmap.config.levels import LEVELS

    levels = {lv.zh: lv.name(state.lang()) for lv in LEVELS}
    return moved.assign(
        district=moved["district"].map(common.district_shown(ctx.data)),
        level_a=moved["level_a"].map(lambda v: levels.get(v, v)),
        level_b=moved["level_b"].map(lambda v: levels.get(v, v)),
    )


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
        placeholder=t("choose"),
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
