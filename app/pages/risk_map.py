"""风险地图 — the four-colour risk map, its settings, headline figures and cell details."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

# st.success and its kind import streamlit.emojis on their first call (0.1–0.3 s): here,
# so the first full run pays for it and not the first click on the map.
import streamlit.emojis

from app import cache, common, state
from app.cache import Context
from app.common import t
from app.components import map as map_ui
from riskmap.config.vocabulary import BASEMAPS, LEVEL_RULES, VIEWS

MAP_KEY = "risk_map"


def _sidebar(ctx_project: Any, data: Any) -> None:
    """Grid, weights, levels and display settings (widget keys ``w_...`` keep them)."""
    from app import scenarios
    from riskmap.maps.overlays import added_layer_title

    scenarios.apply_pending()  # a scenario loaded in the last run, before the widgets
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

    # Drawn only while open: 25 sliders in a closed expander still cost the browser a
    # tenth of a second on every rerun (a district zoom, an overlay toggle, a click).
    uploads = state.upload_layers()
    weights = sb.expander(t("sec_weights"), key="w_weights_open", on_change="rerun")
    if weights.open:
        with weights:
            st.caption(t("component_weights"))
            for comp in state.COMPONENT_WEIGHTS:
                st.slider(t(f"comp_{comp}"), 0.0, 1.0, step=0.05, key=f"w_cw_{comp}")
            st.caption(t("layer_weights"))
            for layer in data.layers.values():
                key = f"w_lw_{layer.name}"
                if key in ss:
                    st.slider(common.layer_label(data, layer.name), 0.0, 3.0, step=0.1, key=key)
            for name, layer in uploads.items():  # the session's uploads, named as on the map
                key = f"w_lw_{name}"
                if key in ss:
                    label = common.plain(added_layer_title(layer, state.lang()))
                    st.slider(label, 0.0, 3.0, step=0.1, key=key)
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
        placeholder=t("choose"),
        select_all=common.select_all(),
    )
    if uploads:
        sb.caption(t("up_overlay_note", n=len(uploads)))
    options = common.district_options(data)
    if ss.get("w_district") not in options:
        ss["w_district"] = ""
    sb.selectbox(
        t("district"), list(options), key="w_district", format_func=lambda k: options.get(k, k)
    )
    scenarios.sidebar(Path(ctx_project.root), data)


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


def _components_bars(expl: dict[str, Any]) -> str:
    """The cell's component bars (0-10) as plain HTML: drawn at once by the browser (a
    Vega-Lite chart and a data grid cost each click a few tenths of a second there)."""
    comps = ["hazard", "exposure", "vulnerability", "coping_gap", "consequence"]
    color = common.escape_html(expl["color"])
    rows = []
    for c in comps:
        value = float(expl["components"][c])
        width = min(max(value, 0.0), 10.0) * 10
        rows.append(
            '<div style="display:flex;align-items:center;gap:8px;margin:3px 0">'
            f'<span style="flex:0 0 7.5em">{common.escape_html(t(f"comp_{c}"))}</span>'
            '<span style="flex:1;height:14px;background:rgba(0,0,0,0.06);border-radius:2px">'
            f'<span style="display:block;height:100%;width:{width:.1f}%;background:{color};'
            'border-radius:2px"></span></span>'
            f'<span style="flex:0 0 3.5em;text-align:right">{value:.2f}</span></div>'
        )
    scale = (
        f'<div style="font-size:0.8rem;opacity:0.7">{common.escape_html(t("d_value"))} 0–10</div>'
    )
    return f'<div data-testid="cell-components">{"".join(rows)}{scale}</div>'


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
        f'<div data-testid="cell-level" data-outline="{common.escape_html(_outline(ctx, cid))}" '
        f'style="border-left:10px solid {common.escape_html(expl["color"])};'
        f'padding:4px 10px;font-size:1.25rem;font-weight:600">'
        f"{common.escape_html(expl['level'])} · {expl['score']:.1f}</div>",
        unsafe_allow_html=True,
    )
    district = common.district_shown(ctx.data)(expl["district"])
    st.caption(t("d_cell", cell=common.plain(cid), district=common.plain(district)))
    c1, c2 = st.columns(2)
    c1.metric(t("d_score"), f"{expl['score']:.1f}")
    c2.metric(t("d_population"), f"{expl['population']:,.0f}")
    st.markdown(_why_level(ctx, expl))
    st.markdown(f"**{t('d_components')}**")
    st.markdown(_components_bars(expl), unsafe_allow_html=True)

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
        st.table(df, hide_index=True)  # a plain table: no data grid to load and draw
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


def _outline(ctx: Context, cid: str) -> str:
    """The cell's outline as GeoJSON in the map's coordinates (the map draws it)."""
    # The geometry column alone: a row mask over the whole frame copies every column.
    cells = ctx.assessment.cells
    sel = cells.geometry[(cells["cell_id"] == cid).to_numpy()]
    return map_ui.outline_geojson(sel.to_crs(4326).to_numpy(), ctx.settings.basemap)


# The selected district's outline: a dashed dark blue line (apart from the four level
# colours, the black outline of the selected cell and the grey district borders). (A
# comment: a page's bare string would be written on the page.)
DISTRICT_LINE = "#1f3fbf"


def _district_outline(basemap: str, d: Any) -> Any:
    """The outline of a district (``d``, in EPSG:4326) as a feature group of the map's
    feed (made each run: a kept group, rendered again, names elements it no longer has)."""
    return map_ui.outline_group(
        d.geometry.to_numpy(), basemap, "district", DISTRICT_LINE, dash="8 5",
        class_name="rm-district",
    )  # fmt: skip


def _map_scope(ctx: Context, adcode: str, summary: pd.DataFrame) -> dict[str, Any]:
    """The area the map's title names and its legend counts: the headline table's area;
    the level legend's counts are the table's, the hot-spot and confidence legends' the
    area's cells of each class (other views' legends count nothing)."""
    from riskmap.maps.legend import LEGEND_CLASSES

    options = common.district_options(ctx.data)
    area = options.get(adcode, "") if adcode else common.whole_area(ctx.data)
    view = ctx.settings.view
    levels = [int(str(v).replace(",", "")) for v in summary[t("col_cells")]]
    total = sum(levels)
    if view == "level":
        counts: list[str] | None = [f"{v:,}" for v in levels]
    elif view in LEGEND_CLASSES or view == "confidence":
        counts = [f"{v:,}" for v in _legend_counts(ctx.score_key, view, adcode, _ctx=ctx)]
    else:
        counts = None
    return map_ui.scope_of(
        options.get(adcode, "") if adcode else "",
        str(ctx.project.title.get(state.lang())),
        t("map_scope", area=area, n=f"{total:,}"),
        counts,
        view,
    )


@st.cache_data(max_entries=16, show_spinner=False)
def _legend_counts(score_key: str, view: str, adcode: str, _ctx: Context) -> list[int]:
    """The counts the legend of an analysis view shows for one area (kept: a click reruns
    the fragment that shows the map)."""
    from riskmap.maps.legend import legend_counts

    return legend_counts(_ctx.analysed().cells, view, adcode)


def _district_view(ctx: Context, adcode: str) -> tuple[tuple[float, float] | None, int | None, Any]:
    """Centre, zoom and outline of the selected district (all None when there is none):
    on the district's largest part (武昌区 has a small exclave far south), outlined; both
    sent through the map's feed, the map kept."""
    if not adcode:
        return None, None, None
    d = ctx.data.districts[ctx.data.districts["adcode"].astype(str) == adcode].to_crs(4326)
    if not len(d):
        return None, None, None
    center, zoom = map_ui.view_of(d, ctx.settings.basemap, main_part=True)
    return center, zoom, _district_outline(ctx.settings.basemap, d)


@st.cache_data(max_entries=16, show_spinner=False)
def _level_summary(score_key: str, adcode: str, lang: str, _ctx: Context) -> pd.DataFrame:
    """The headline table of one assessment, area and language (kept: a click reruns the
    fragment that shows it)."""
    cells = _ctx.assessment.cells
    return common.level_summary(cells, adcode, score_key, _district_codes(_ctx.fields_key, cells))


@st.cache_resource(max_entries=4, show_spinner=False)
def _district_codes(fields_key: str, _cells: pd.DataFrame) -> Any:
    """The cells' district groups: the same for every assessment of a study (its grid)."""
    return common.district_codes(_cells)


@st.cache_resource(max_entries=2, show_spinner=False)
def _search_index(fields_key: str, _ctx: Context) -> Any:
    """Every named feature of the assessed data: layer, id, name, address, kind, its cell
    and WGS84 position (register hazards included: they are a layer of the study)."""
    import numpy as np
    import pandas as pd
    import shapely

    from riskmap.engine import cell_keys_of_points

    grid = dict(_ctx.assessment.cells.attrs.get("grid") or {})
    frames = []
    for layer in _ctx.data.layers.values():
        gdf = layer.gdf
        if gdf.empty or layer.kind.method == "population":  # population polygons: no names
            continue
        pts = shapely.point_on_surface(np.asarray(gdf.geometry.to_numpy(), dtype=object))
        x, y = shapely.get_x(pts), shapely.get_y(pts)
        wgs = gpd_points(x, y, gdf.crs)
        frames.append(
            pd.DataFrame(
                {
                    "layer": layer.name,
                    "kind": layer.kind.name.get(state.lang()),
                    "id": gdf["id"].astype(str).to_numpy(),
                    "name": gdf.get("name", pd.Series("", index=gdf.index))
                    .fillna("")
                    .astype(str)
                    .to_numpy(),
                    "address": gdf.get("address", pd.Series("", index=gdf.index))
                    .fillna("")
                    .astype(str)
                    .to_numpy(),
                    "cell": cell_keys_of_points(x, y, grid) if grid else "",
                    "lon": wgs[0],
                    "lat": wgs[1],
                }
            )
        )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def gpd_points(x: Any, y: Any, crs: Any) -> tuple[Any, Any]:
    """WGS84 longitudes and latitudes of points in ``crs``."""
    import geopandas as gpd

    pts = gpd.GeoSeries(gpd.points_from_xy(x, y), crs=crs).to_crs(4326)
    return pts.x.to_numpy(), pts.y.to_numpy()


def _search(ctx: Context) -> tuple[tuple[float, float], int] | None:
    """A search box over sources, shelters, stations and hazards (name, number or
    address): choosing a match selects its cell and centres the map on it."""
    query = st.text_input(t("search"), key="w_search", placeholder=t("search_hint")).strip()
    if not query:
        return None
    index = _search_index(ctx.fields_key, _ctx=ctx)
    if index.empty:
        return None
    q = query.casefold()
    hit = index[
        index["name"].str.casefold().str.contains(q, regex=False)
        | index["id"].str.casefold().str.contains(q, regex=False)
        | index["address"].str.casefold().str.contains(q, regex=False)
    ].head(50)
    if hit.empty:
        st.caption(t("search_none", q=common.plain(query)))
        return None
    labels = {i: f"{r['name'] or r['id']} · {r['kind']} · {r['id']}" for i, r in hit.iterrows()}
    choice = st.selectbox(
        t("search_pick", n=len(hit)),
        list(labels),
        format_func=lambda i: labels[i],
        key="w_search_pick",
    )
    if choice is None:
        return None
    row = hit.loc[choice]
    if row["cell"] and st.session_state.get("selected_cell") != row["cell"]:
        st.session_state["selected_cell"] = str(row["cell"])
        st.session_state.pop("click_missed", None)
    lat, lon = float(row["lat"]), float(row["lon"])
    from app.components.map import display_point

    dlon, dlat = display_point(lon, lat, ctx.settings.basemap)
    return (dlat, dlon), 15


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


@st.cache_data(max_entries=4, show_spinner=False)
def _download_bytes(
    score_key: str, spec: tuple[str, str, str, tuple[str, ...], str], _ctx: Context
) -> bytes:
    """The bytes of one download of the current assessment (built when asked, cached):
    ``spec`` is (what, view, language, overlays, district adcode)."""
    import tempfile
    from pathlib import Path

    from riskmap.config import MapOptions, ReportOptions
    from riskmap.maps import build_map, render_html
    from riskmap.products.report import build_report, write_pdf, write_report
    from riskmap.products.report.figure import render_map_png

    what, view, lang_, overlays, adcode = spec
    a = _ctx.assessment
    if what == "map_html":
        options = MapOptions.model_validate(
            {"view": view, "lang": lang_, "overlays": overlays, "assets": "inline"}
        )
        shown = _ctx.analysed() if view in ("hotspot", "confidence") else a
        return render_html(build_map(shown, options)).encode("utf-8")
    if what == "map_png":
        from riskmap.maps import overlay_marks
        from riskmap.products.report.figure import map_title

        title = map_title(_ctx.data, view, lang_, adcode or None)
        # The point overlays on in the app, with the map's symbols (those in view only).
        marks = overlay_marks(_ctx.data, overlays, lang_)
        return render_map_png(
            _ctx.data, a.cells, lang_, view=view, district=adcode or None, title=title,
            marks=marks,
        )  # fmt: skip
    page = build_report(
        a,
        ReportOptions.model_validate({"lang": lang_, "district": adcode or None}),
        inventory=_ctx.inventory(),
    )
    if what == "report_html":
        return page.encode("utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        html_path = write_report(page, Path(tmp) / "report.html")
        return write_pdf(html_path, Path(tmp) / "report.pdf").read_bytes()


_DOWNLOADS = {
    "report_html": ("text/html", "report.html"),
    "report_pdf": ("application/pdf", "report.pdf"),
    "map_html": ("text/html", "map.html"),
    "map_png": ("image/png", "map.png"),
}


def _downloads(ctx: Context) -> None:
    """Report (HTML, PDF), standalone map and a PNG of the map, for the settings in force:
    each made when asked (drawn while the expander is open)."""
    box = st.expander(t("dl_title"), key="dl_open", on_change="rerun")
    if not box.open:
        return
    with box:
        st.caption(t("dl_intro"))
        for what, (mime, suffix) in _DOWNLOADS.items():
            key = f"dl_ready_{what}"
            if st.button(t(f"dl_make_{what}"), key=f"btn_{what}"):
                st.session_state[key] = ctx.score_key
            if st.session_state.get(key) != ctx.score_key:
                continue
            from riskmap.errors import RiskmapError

            try:
                with st.spinner(t("computing")):
                    spec = (
                        what,
                        ctx.settings.view,
                        state.lang(),
                        tuple(ctx.settings.overlays),
                        ctx.settings.district,
                    )
                    data = _download_bytes(ctx.score_key, spec, _ctx=ctx)
            except RiskmapError as exc:
                common.show_error(exc, "error_generic")
                continue
            code = "".join(
                c for c in str(ctx.settings.district or "") if c.isascii() and c.isalnum()
            )
            place = f"_{code}" if code else ""  # the district's adcode: safe in a file name
            name = f"{ctx.project.name}{place}_{ctx.settings.rule}_{suffix}"
            st.download_button(
                t(f"dl_get_{what}"), data, file_name=name, mime=mime, key=f"dl_{what}"
            )


# The headline table and the page's margins.
_MAP_PAGE_CSS = (
    ".st-key-headline th, .st-key-headline td { padding: 0.3rem 0.35rem !important;"
    " font-size: 0.9rem !important; }"
    " .st-key-headline tbody th *, .st-key-headline td * { white-space: nowrap !important; }"
    " .st-key-headline thead th * { word-break: keep-all !important; }"
    " .st-key-headline [data-testid='stTable'] { overflow-x: auto; }"
    # When the table is wider than its column (1024 px screens) it scrolls sideways, and
    # says so: shadows at the edges that hide more columns (white covers that move with
    # the table hide them at its ends, and when it fits), and a line under the table,
    # shown only while the table can scroll (a scroll timeline is active only then).
    " .st-key-headline { timeline-scope: --rm-headline; }"
    " .st-key-headline [data-testid='stTable'] > div { scroll-timeline: --rm-headline inline;"
    " background: linear-gradient(to right, #fff 30%, rgba(255,255,255,0)) left / 2.5rem 100%,"
    " linear-gradient(to left, #fff 30%, rgba(255,255,255,0)) right / 2.5rem 100%,"
    " radial-gradient(farthest-side at 0 50%, rgba(0,0,0,0.28), transparent) left / 0.9rem 100%,"
    " radial-gradient(farthest-side at 100% 50%, rgba(0,0,0,0.28), transparent) right / 0.9rem 100%;"
    " background-repeat: no-repeat; background-attachment: local, local, scroll, scroll; }"
    " .st-key-headline .rm-scroll-cue { visibility: hidden; height: 0; overflow: hidden;"
    " font-size: 0.8rem; color: #555; animation: rm-scroll-cue linear both;"
    " animation-timeline: --rm-headline; }"
    " @keyframes rm-scroll-cue { from, to { visibility: visible; height: auto; } }"
    # The map page's margins: the map and the table are given the width (Streamlit's
    # wide layout leaves 5rem each side, and at 1280 px the table's last column was cut).
    " [data-testid='stMainBlockContainer'] { padding-left: 2rem !important;"
    " padding-right: 2rem !important; }"
)

_COMP_KEYS = {"comp_hazard", "comp_exposure", "comp_vulnerability", "comp_coping_gap"}


def render() -> None:
    project_file = state.selected_project()
    if project_file is None:
        return
    project, base = cache.load_base(project_file)
    _sidebar(project, base)
    ctx = cache.load_context(project_file)

    if _presenting():
        _present(ctx)
        return
    st.title(f"{ctx.project.title.get(state.lang())} · {t('app_title')}")
    st.caption(ctx.caption())
    if st.button(t("present"), key="btn_present", help=t("present_help")):
        st.query_params["present"] = "1"
        st.rerun()
    _map_and_details(ctx)
    ctx.prepare_inventory()  # while the analyst looks at the map


# Presenting: no sidebar, header or page margins; the map fills the screen.
_PRESENT_CSS = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header,
[data-testid="stHeader"], [data-testid="stToolbar"] { display: none !important; }
.block-container, [data-testid="stMainBlockContainer"] {
  padding: 0.4rem 0.8rem 0 0.8rem !important; max-width: 100% !important; }
</style>"""


def _presenting() -> bool:
    return st.query_params.get("present") == "1"


def _present(ctx: Context) -> None:
    """The full-screen map for a meeting room: the map's own title and legend, the
    settings in force in one line, and a way back."""
    st.markdown(_PRESENT_CSS, unsafe_allow_html=True)
    c1, c2 = st.columns([6, 1], vertical_alignment="center")
    c1.markdown(
        f"**{common.plain(ctx.project.title.get(state.lang()))} · {t('app_title')}** · "
        f"{common.plain(ctx.caption())}"
    )
    if c2.button(t("present_exit"), key="btn_present_exit"):
        del st.query_params["present"]
        st.rerun()
    # The selected district as on the map page: its zoom, outline, title and counts.
    adcode = ctx.settings.district
    center, zoom, outline = _district_view(ctx, adcode)
    summary = _level_summary(ctx.score_key, adcode, state.lang(), _ctx=ctx)
    map_ui.show_map(
        ctx.risk_map(),
        MAP_KEY + "_present",
        highlight=outline,
        center=center,
        zoom=zoom,
        height=600,
        scope=_map_scope(ctx, adcode, summary),
    )


@st.fragment
def _map_and_details(ctx: Context) -> None:
    """The map, the headline figures and the clicked cell's details.

    A fragment: a click on the map reruns only this part (the settings, data and
    assessment of the last full run are kept), not the sidebar and the pipeline.
    """
    _process_click(ctx)
    state.view_to_url(ctx.settings)
    adcode = ctx.settings.district
    left, right = st.columns([3, 2], gap="medium")
    with left:
        found = _search(ctx)
        st.caption(t("map_hint"))
        m = ctx.risk_map()
        center = zoom = None
        outline = None
        if found is not None:
            center, zoom = found
        elif adcode:
            center, zoom, outline = _district_view(ctx, adcode)
            if outline is not None:
                st.session_state["map_zoomed"] = True
        elif st.session_state.get("map_zoomed"):  # back to the whole city after a district
            center, zoom = map_ui.view_of(ctx.data.districts.to_crs(4326), ctx.settings.basemap)
        summary = _level_summary(ctx.score_key, adcode, state.lang(), _ctx=ctx)
        # The selected cell's outline is drawn by the map itself, from the details panel
        # (its data-outline): a click sends the map nothing new.
        map_ui.show_map(
            m,
            MAP_KEY,
            highlight=outline,
            center=center,
            zoom=zoom,
            height=680,
            on_change=map_ui.remember_click(MAP_KEY, "pending_click"),
            scope=_map_scope(ctx, adcode, summary),
        )
    with right:
        scope = common.district_options(ctx.data).get(adcode, common.whole_area(ctx.data))
        st.markdown(f"**{t('headline', scope=common.plain(scope))}**")
        # A narrow column (1024 px wide screens) must not break a level's name, a number
        # or a heading's word letter by letter (headings wrap between words only; the
        # table scrolls sideways when even that is too wide).
        st.html(f"<style>{_MAP_PAGE_CSS}</style>")
        with st.container(key="headline"):
            st.table(summary.set_index(t("col_level")))
            st.html(f'<div class="rm-scroll-cue">{common.escape_html(t("headline_scroll"))}</div>')
        _details(ctx)
        _downloads(ctx)


if __name__ == "__main__":
    render()
