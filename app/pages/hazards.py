"""隐患 — the hidden-hazard register: record, move through the closed loop, list, void, history."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
import shapely
import streamlit as st

from app import auth, cache, common, evidence, register_tools, state
from app.common import t
from app.components import map as map_ui

MAP_KEY = "hazard_map"
FOCUS_ZOOM = 13  # the hazard map's zoom around a hazard just recorded or changed


def _label(vocabulary: str, code: str) -> str:
    return common.register_label(vocabulary, code)


def _vocab_choice(widget: Any, label_key: str, vocabulary: str, options: Any, **kw: Any) -> Any:
    """A widget choosing among the register's codes, labelled in the page's language;
    its key is ``label_key`` unless given."""
    kw.setdefault("key", label_key)
    if widget.__name__ != "radio":
        kw.setdefault("placeholder", t("choose"))
    if widget.__name__ == "multiselect":
        kw.setdefault("select_all", common.select_all())
    common.relabel(kw["key"])  # its labels follow the language
    labels = common.labels(options, lambda c: _label(vocabulary, c))
    return widget(t(label_key), list(options), format_func=labels, **kw)


def _take_click(ctx: cache.Context) -> None:
    """Place the form's location at the last map click (the district follows the point)."""
    ss = st.session_state
    click = ss.pop("hz_pending", None)
    if not click:
        return
    lon, lat = map_ui.clicked_wgs84(click, ctx.settings.basemap)
    ss["hz_lon"] = round(lon, 6)
    ss["hz_lat"] = round(lat, 6)


def _district_at(ctx: cache.Context, lon: float, lat: float) -> tuple[str, str] | None:
    """The district (name, adcode) whose polygon holds the point, or None outside."""
    import geopandas as gpd
    from shapely.geometry import Point

    pt = gpd.GeoSeries([Point(lon, lat)], crs=4326).to_crs(ctx.data.districts.crs).iloc[0]
    d = ctx.data.districts
    hit = d[d.geometry.covers(pt)]
    if hit.empty:
        return None
    return str(hit["name"].iloc[0]), str(hit["adcode"].iloc[0])


def _default_point(ctx: cache.Context, user: Any) -> tuple[float, float]:
    """Where a new hazard starts (lon, lat): inside the first district the signed-in user
    acts for, else inside the district that holds the city's centre (else the first)."""
    d = ctx.data.districts.to_crs(4326)
    own = d[d["adcode"].astype(str).isin(user.districts)] if user is not None else d.iloc[:0]
    if own.empty:
        x0, y0, x1, y1 = d.total_bounds
        own = d[d.geometry.covers(shapely.Point((x0 + x1) / 2, (y0 + y1) / 2))]
    point = (own if not own.empty else d).geometry.iloc[0].representative_point()
    return round(float(point.x), 6), round(float(point.y), 6)


def _refusal(ctx: cache.Context, user: Any, action: str, adcode: str | None) -> str | None:
    """Why ``user`` may not ``action`` a hazard of ``adcode``, in the page's language (naming
    the districts the user may act in), or None when allowed. The register checks again."""
    if user.may(action, adcode):
        return None
    name = auth.district_names(ctx.data)
    who = auth.user_label(user, name)
    doing = t(f"hz_do_{action}")
    if replace(user, districts=()).may(action, adcode):  # the role may; the districts not
        sep = "、" if state.lang() == "zh" else ", "
        own = sep.join(name(c) for c in user.districts)
        return t("hz_refused_district", who=who, action=doing, own=own, here=name(adcode))
    return t("hz_refused_role", who=who, action=doing)


def _location(ctx: cache.Context, user: Any) -> tuple[float, float, tuple[str, str] | None]:
    """The form's point (typed, or placed by a map click) and the district holding it, shown
    read-only: the district always follows the point."""
    ss = st.session_state
    if "hz_lon" not in ss or "hz_lat" not in ss:
        ss["hz_lon"], ss["hz_lat"] = _default_point(ctx, user)
    c3, c4 = st.columns(2)
    lon = c3.number_input(t("hz_lon"), key="hz_lon", format="%.6f", step=0.0001)
    lat = c4.number_input(t("hz_lat"), key="hz_lat", format="%.6f", step=0.0001)
    place = _district_at(ctx, float(lon), float(lat))
    ss["hz_district_shown"] = (
        common.district_shown(ctx.data)(place[0]) if place else t("hz_outside_short")
    )
    st.text_input(t("hz_district"), key="hz_district_shown", disabled=True)
    st.caption(t("hz_district_auto"))
    if place is None:
        st.warning(t("hz_outside"))
    return float(lon), float(lat), place


def _record_form(ctx: cache.Context, reg: Any) -> None:
    from riskmap.register import CATEGORIES, GRADES

    ss = st.session_state
    if ss.pop("hz_clear_form", False):  # after a registration: a new hazard starts blank
        for key in ("hz_title", "hz_description"):
            ss[key] = ""
    st.subheader(t("hz_record"))
    user = auth.current_user()
    if user is None:  # every change names a signed-in user, never a typed name
        st.info(t("hz_sign_in_to_write"))
        return
    st.caption(t("hz_click"))
    lon, lat, place = _location(ctx, user)
    with st.form("hz_form", clear_on_submit=False):
        title = st.text_input(t("hz_title"), key="hz_title", max_chars=200)
        c1, c2 = st.columns(2)
        category = _vocab_choice(c1.selectbox, "hz_category", "category", CATEGORIES)
        grade = _vocab_choice(c2.radio, "hz_grade", "grade", GRADES, horizontal=True)
        c5, c6 = st.columns(2)
        found_by = c5.text_input(t("hz_found_by"), key="hz_found_by", max_chars=100)
        unit = c6.text_input(t("hz_unit"), key="hz_unit", max_chars=200)
        deadline = st.date_input(
            t("hz_deadline"), value=date.today() + timedelta(days=30), key="hz_deadline"
        )
        description = st.text_area(
            t("hz_description"), key="hz_description", height=68, max_chars=5000
        )
        submitted = st.form_submit_button(t("hz_register_btn"), type="primary")
    if submitted:
        register_tools.clear_notice()
        fields = {"hz_title": title, "hz_category": category, "hz_grade": grade}
        fields |= {"hz_found_by": found_by, "hz_unit": unit}
        missing = [t(k) for k, v in fields.items() if v is None or not str(v).strip()]
        if missing:
            st.error(t("hz_missing", fields=("、" if state.lang() == "zh" else ", ").join(missing)))
            return
        if deadline < date.today():
            st.error(t("hz_deadline_past", today=date.today().isoformat()))
            return
        if place is None:
            st.error(t("hz_outside"))
            return
        name, adcode = place
        refused = _refusal(ctx, user, "register", adcode)
        if refused:
            st.error(common.plain(refused))
            return
        _register(
            reg,
            {
                "title": title,
                "category": category,
                "grade": grade,
                "lon": lon,
                "lat": lat,
                "district": name,
                "adcode": adcode,
                "found_by": found_by,
                "responsible_unit": unit,
                "deadline": deadline,
                "description": description,
                "user": user,
            },
        )
    register_tools.show_notice("form")


def _register(reg: Any, values: dict[str, Any]) -> None:
    """File the form's hazard; on success keep the notice with its number and rerun."""
    from riskmap.errors import RiskmapError

    try:
        number = reg.add(**values)
    except RiskmapError as exc:
        st.error(t("hz_not_registered") + common.plain(exc))
        return
    ss = st.session_state
    register_tools.keep_notice("form", "hz_registered", number=number)
    ss["hz_selected"] = number
    ss["hz_clear_form"] = True
    ss["hz_focus"] = [float(values["lat"]), float(values["lon"])]
    st.rerun()


def _register_table(ctx: cache.Context, reg: Any) -> pd.DataFrame:
    from riskmap.register import GRADES, STATUSES, list_hazards

    st.subheader(t("hz_list"))
    c1, c2, c3 = st.columns(3)
    statuses = _vocab_choice(c1.multiselect, "hz_status", "status", STATUSES, key="hz_f_status")
    grades = _vocab_choice(c2.multiselect, "hz_grade", "grade", GRADES, key="hz_f_grade")
    names = sorted(ctx.data.districts["name"].astype(str))
    common.relabel("hz_f_district")
    districts = c3.multiselect(
        t("hz_district"),
        names,
        key="hz_f_district",
        placeholder=t("choose"),
        select_all=common.select_all(),
        format_func=common.labels(names, common.district_shown(ctx.data)),
    )
    c4, c5, c6 = st.columns(3)
    overdue = c4.checkbox(t("hz_only_overdue"), key="hz_f_overdue")
    listed = c5.checkbox(t("hz_only_listed"), key="hz_f_listed")
    voided = c6.checkbox(t("hz_include_voided"), key="hz_f_voided")
    df = list_hazards(
        reg,
        status=statuses or None,
        grade=grades or None,
        district=districts or None,
        overdue=True if overdue else None,
        listed=True if listed else None,
        include_voided=voided,
    )
    if df.empty:
        st.caption(t("hz_none"))
        return df
    st.caption(t("hz_count", n=f"{len(df):,}"))
    common.show_table(
        register_tools.hazard_table(df, ctx.data),
        register_tools.coordinates(),
        height=common.table_height(len(df), 300),
    )
    return df


def _record_panel(ctx: cache.Context, reg: Any, df: pd.DataFrame) -> None:
    from riskmap.register import OPEN_STATUSES, TRANSITIONS, get_hazard

    ss = st.session_state
    numbers = list(df["number"].astype(str)) if not df.empty else []
    if not numbers:  # e.g. the hazard just voided has left the list: its notice stays
        register_tools.show_notice("panel")
        return
    if ss.get("hz_selected") not in numbers:
        ss["hz_selected"] = numbers[0]
    titles = dict(zip(df["number"].astype(str), df["title"].astype(str), strict=True))
    number = st.selectbox(
        t("hz_select"),
        numbers,
        key="hz_selected",
        format_func=common.labels(numbers, lambda n: f"{n} · {titles.get(n, '')}"),
        placeholder=t("choose"),
    )
    record = get_hazard(reg, number)
    status = record["status"]
    focus = [float(record["lat"]), float(record["lon"])]
    st.text(
        f"{record['title']} · {_label('category', record['category'])} · {_label('grade', record['grade'])}"
        f" · {_label('status', status)} · {common.district_shown(ctx.data)(record['district'])}"
        f" · {t('hz_deadline')} {record['deadline']}"
    )
    left, right = st.columns([3, 2])
    with left:
        st.markdown(f"**{t('hz_history')}**")
        hist = _history_table(record["history"])
        if not hist.empty:
            common.show_table(hist, height=common.table_height(len(hist), 300))
        evidence.evidence_list(reg, number)
    with right:
        st.markdown(f"**{t('hz_actions')}**")
        user = auth.current_user()  # the register checks the role and records the user
        if user is None:
            st.caption(t("hz_sign_in_to_write"))
            return
        by = None
        adcode = str(record["adcode"])
        who = auth.user_label(user, auth.district_names(ctx.data))
        st.caption(t("hz_acting_as", name=common.plain(who)))
        slot = register_tools.show_notice("panel")
        note = st.text_input(t("hz_note"), key="hz_note")
        moves = TRANSITIONS.get(status, ())
        if status not in OPEN_STATUSES:
            st.caption(t("hz_no_moves"))
        override = None
        bare = "closed" in moves and not evidence.has_rectification(reg, number)
        if bare:  # accepting needs an attachment, or the reason to accept without one
            st.caption(t("hz_accept_needs_evidence"))
            override = st.text_input(t("hz_override"), key="hz_override") or None
        for target in moves:
            if st.button(t("hz_move", status=_label("status", target)), key=f"hz_move_{target}"):
                doing = "accept" if status == "awaiting_acceptance" else "move"
                problem = _refusal(ctx, user, doing, adcode)
                if problem is None and target == "closed" and bare and not override:
                    problem = t("hz_accept_need_reason")
                _act(
                    problem,
                    lambda target=target: reg.move(
                        number,
                        target,
                        by=by,
                        note=note,
                        user=user,
                        override=override if target == "closed" else None,
                    ),
                    ("hz_moved", {"number": number, "status": target}),
                    focus,
                    slot,
                )
        if status in OPEN_STATUSES:
            evidence.upload_form(reg, number, by, user, focus)
        if status in OPEN_STATUSES and record["grade"] == "major":
            with st.expander(t("hz_supervise")):
                unit = st.text_input(t("hz_sup_unit"), key="hz_sup_unit")
                deadline = st.date_input(
                    t("hz_sup_deadline"),
                    value=date.today() + timedelta(days=15),
                    min_value=date.fromisoformat(str(record["found_at"])[:10]),
                    key="hz_sup_deadline",
                )
                if st.button(t("hz_supervise"), key="hz_list_btn"):
                    _act(
                        _refusal(ctx, user, "supervise", adcode)
                        or (None if unit.strip() else t("hz_sup_need_unit")),
                        lambda: reg.list_for_supervision(
                            number, unit, deadline, by=by, note=note, user=user
                        ),
                        ("hz_listed_ok", {"number": number}),
                        focus,
                        slot,
                    )
        if status in OPEN_STATUSES:
            with st.expander(t("hz_void")):
                reason = st.text_input(t("hz_void_reason"), key="hz_void_reason")
                if st.button(t("hz_void"), key="hz_void_btn"):
                    _act(
                        _refusal(ctx, user, "void", adcode)
                        or (None if reason.strip() else t("hz_void_need_reason")),
                        lambda: reg.void(number, reason, by=by, user=user),
                        ("hz_voided", {"number": number}),
                        focus,
                        slot,
                    )


def _history_table(history: list[dict[str, Any]]) -> pd.DataFrame:
    """A record's changes for people: labels in the page's language, local time to the minute."""
    hist = pd.DataFrame(history)
    if hist.empty:
        return hist
    when = pd.to_datetime(hist["changed_at"], utc=True, errors="coerce")
    local = when.dt.tz_convert(datetime.now().astimezone().tzinfo).dt.strftime("%Y-%m-%d %H:%M")

    def status(value: object) -> str:
        return _label("status", value) if isinstance(value, str) and value else ""

    return pd.DataFrame(
        {
            t("hz_h_step"): hist["step"],
            t("hz_h_time"): local.fillna(hist["changed_at"].astype(str)),
            t("hz_by"): [auth.actor_shown(a) for a in hist["actor"].fillna("").astype(str)],
            t("hz_h_action"): [_label("action", a) for a in hist["action"]],
            t("hz_h_from"): [status(v) for v in hist["from_status"]],
            t("hz_h_to"): [status(v) for v in hist["to_status"]],
            t("hz_note"): [
                _note_shown(a, n)
                for a, n in zip(hist["action"], hist["note"].fillna(""), strict=True)
            ],
        }
    )


def _note_shown(action: object, note: object) -> str:
    """A history note for people: an attachment's note (``stage file size sha256:…``, the
    text the hash chain vouches for) with its stage in the page's language."""
    from riskmap.register.attachments import STAGES

    text = str(note)
    stage, _, rest = text.partition(" ")
    if action != "attach" or stage not in STAGES:
        return text
    return f"{STAGES[stage][1 if state.lang() == 'en' else 0]} {rest}"


def _act(
    problem: str | None,
    action: Any,
    notice: tuple[str, dict[str, Any]],
    focus: list[float],
    slot: Any,
) -> None:
    """Run a register change unless the page found a ``problem`` (said instead, in the
    page's language); on success keep the ``notice`` (a label and its values) for the
    rerun and centre the map on ``focus`` (lat, lon). The last change's notice (in
    ``slot``) goes either way."""
    from riskmap.errors import RiskmapError
    from riskmap.register import HazardTransitionError

    register_tools.clear_notice(slot)
    if problem:
        st.error(common.plain(problem))
        return
    try:
        action()
    except HazardTransitionError as exc:
        st.error(common.plain(exc.text(state.lang())))
    except RiskmapError as exc:
        st.error(t("hz_not_done") + common.plain(exc))
    else:
        register_tools.keep_notice("panel", notice[0], **notice[1])
        st.session_state["hz_focus"] = focus
        st.rerun()


def render() -> None:
    ctx = cache.open_page("page_hazards", "hz_intro", show_caption=False)
    if ctx is None:
        return
    from riskmap.register.database import safe_name

    name = safe_name(ctx.register_path) if ctx.register_path is not None else ""
    st.caption(t("hz_db", path=common.plain(name)) + " · " + t("hz_open_feed", n=ctx.n_hazards))
    reg = ctx.register
    if reg is None:
        return
    check = reg.verify()
    if check.ok:
        st.success(t("hz_verified", rows=f"{check.rows:,}", head=check.receipt()[:20] + "…"))
    else:
        st.error(
            t("hz_tampered") + "\n\n" + "\n".join(f"- {common.plain(p)}" for p in check.problems)
        )
    message = st.session_state.pop("hz_message", None)  # an attachment added (app/evidence.py)
    if message:
        register_tools.keep_notice("panel", "", text=message)
    _take_click(ctx)
    x0, y0, x1, y1 = (float(v) for v in ctx.data.districts.to_crs(4326).total_bounds)
    left, right = st.columns([3, 2], gap="medium")
    with left:
        m = ctx.risk_map(overlays=("districts", "hidden_hazards"))
        lon, lat = st.session_state.get("hz_lon"), st.session_state.get("hz_lat")
        marker = None
        if lon is not None and lat is not None:
            marker = map_ui.outline_group(
                shapely.points([float(lon)], [float(lat)]),
                ctx.settings.basemap,
                name="picked",
                color="#6a3d9a",
            )
        # After a change the map shows the hazard changed (its colour, or its absence).
        focus = st.session_state.get("hz_focus")
        if focus and not (x0 <= focus[1] <= x1 and y0 <= focus[0] <= y1):
            focus = None  # a hazard of another project
        center = (
            map_ui.display_point(focus[1], focus[0], ctx.settings.basemap)[::-1] if focus else None
        )
        map_ui.show_map(
            m,
            MAP_KEY,
            height=520,
            highlight=marker,
            center=center,
            zoom=FOCUS_ZOOM if focus else None,
            on_change=map_ui.remember_click(MAP_KEY, "hz_pending"),
        )
        if lon is not None and lat is not None:
            st.caption(t("hz_picked", lon=float(lon), lat=float(lat)))
    with right:
        _record_form(ctx, reg)
    st.divider()
    register_tools.overdue_list(reg, ctx.data)
    df = _register_table(ctx, reg)
    _record_panel(ctx, reg, df)
    register_tools.admin_files(reg, auth.current_user())


if __name__ == "__main__":
    render()
