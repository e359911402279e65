"""风险清单 — cells, risk sources, risk areas, district summary and accident ranking, with downloads."""

from __future__ import annotations

import dataclasses
import hashlib
import tempfile
from pathlib import Path
from typing import Any

import altair as alt
import geopandas as gpd
import pandas as pd
import streamlit as st

from app import cache, common, state
from app.common import t

MAX_ROWS_SHOWN = 2000
CELL_COLUMNS = (
    "cell_id",
    "district",
    "adcode",
    "level",
    "level_en",
    "score",
    "hazard",
    "exposure",
    "vulnerability",
    "coping_gap",
    "consequence",
    "population",
    "area_m2",
    "top_factor",
    "measures",
    "measures_en",
    "geometry",
)
MIME = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
    "gpkg": "application/geopackage+sqlite3",
}


def _level_filter(key: str) -> list[int]:
    from riskmap.config.levels import LEVELS

    ranks = [lv.rank for lv in reversed(LEVELS)]
    return st.multiselect(
        t("f_level"),
        ranks,
        default=ranks,
        key=key,
        format_func=common.labels(ranks, common.level_label),
    )


def _district_filter(ctx: cache.Context, key: str) -> list[str]:
    options = {k: v for k, v in common.district_options(ctx.data).items() if k}
    return st.multiselect(
        t("f_district"), list(options), key=key, format_func=lambda k: options.get(k, k)
    )


def _view(frame: pd.DataFrame) -> pd.DataFrame:
    """One language, headers for people, no geometry (riskmap's inventory labels)."""
    from riskmap.products.inventory import header_labels, view_table

    view = view_table(frame, state.lang())
    if "geometry" in view.columns:
        view = pd.DataFrame(view.drop(columns="geometry"))
    return view.rename(columns=header_labels(list(view.columns), state.lang()))


def _file_bytes(write: Any, frame: pd.DataFrame, suffix: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="riskmap-dl-") as tmp:
        path = Path(tmp) / f"table{suffix}"
        write(frame, path, state.lang())
        return path.read_bytes()


def _downloads(
    ctx: cache.Context, name: str, frame: pd.DataFrame, inv: Any, table: str | None
) -> None:
    """Download buttons: CSV (and GeoJSON for spatial tables) of ``frame``; XLSX/GPKG of every table."""
    from riskmap.products import inventory as inv_mod

    slug = f"{ctx.project.name}_{name}"
    cols = st.columns(4)
    if table is not None:
        csv = inv_mod.to_bytes(inv, "csv", state.lang(), table=table)
    else:
        csv = _file_bytes(inv_mod.export_csv, frame, ".csv")
    cols[0].download_button(t("dl_csv"), csv, f"{slug}.csv", MIME["csv"], key=f"dl_{name}_csv")
    if isinstance(frame, gpd.GeoDataFrame):
        if table in inv_mod.SPATIAL_TABLES:
            gj = inv_mod.to_bytes(inv, "geojson", state.lang(), table=table)
        else:
            gj = _file_bytes(inv_mod.export_geojson, frame, ".geojson")
        cols[1].download_button(
            t("dl_geojson"), gj, f"{slug}.geojson", MIME["geojson"], key=f"dl_{name}_geojson"
        )
    for col, fmt in zip(cols[2:], ("xlsx", "gpkg"), strict=True):
        whole = f"{ctx.project.name}_inventory.{fmt}"
        data = _cached_bytes(ctx, inv, fmt)
        col.download_button(t(f"dl_{fmt}"), data, whole, MIME[fmt], key=f"dl_{name}_{fmt}")


@st.cache_resource(max_entries=8, show_spinner=False)
def _workbook(key: str, fmt: str, lang: str, _inv: Any) -> bytes:
    from riskmap.products.inventory import to_bytes

    return to_bytes(_inv, fmt, lang)


def _cached_bytes(ctx: cache.Context, inv: Any, fmt: str) -> bytes:
    return _workbook(
        f"{ctx.score_key}|{st.session_state.get('inv_filter_key', '')}", fmt, state.lang(), inv
    )


def _filter_mask(
    ctx: cache.Context, frame: Any, prefix: str, column: str, *, options: list[str], what: str
) -> Any:
    """Mask of the rows of ``frame`` kept by the district, level and ``column`` filters drawn above a table.

    The widgets' keys are ``f_{prefix}_district``, ``f_{prefix}_level`` and ``f_{prefix}_{what}``;
    the third filter is labelled ``t("f_{what}")`` and offers ``options`` (layer names).
    """
    c1, c2, c3 = st.columns(3)
    with c1:
        districts = _district_filter(ctx, f"f_{prefix}_district")
    with c2:
        levels = _level_filter(f"f_{prefix}_level")
    with c3:
        chosen = st.multiselect(
            t(f"f_{what}"),
            options,
            key=f"f_{prefix}_{what}",
            format_func=common.labels(options, lambda f: common.layer_label(ctx.data, f)),
        )
    mask = frame["level_rank"].isin(levels)
    if districts:
        mask &= frame["adcode"].astype(str).isin(districts)
    if chosen:
        mask &= frame[column].astype(str).isin(chosen)
    return mask


def _cells_tab(ctx: cache.Context, inv: Any) -> None:
    cells = ctx.assessment.cells
    factors = sorted(x for x in cells["top_factor"].astype(str).unique() if x)
    mask = _filter_mask(ctx, cells, "cells", "top_factor", options=factors, what="factor")
    frame = cells.loc[mask, [c for c in CELL_COLUMNS if c in cells.columns]]
    frame = frame.sort_values("score", ascending=False).to_crs(4326)
    st.caption(t("rows_shown", n=len(frame)) + " · " + t("cells_cap", n=MAX_ROWS_SHOWN))
    shown = frame.head(MAX_ROWS_SHOWN).round(
        {
            "score": 2,
            "hazard": 2,
            "exposure": 2,
            "vulnerability": 2,
            "coping_gap": 2,
            "consequence": 2,
            "population": 0,
        }
    )
    st.dataframe(_view(shown), hide_index=True, width="stretch", height=420)
    _downloads(ctx, "cells", frame, inv, None)


def _sources_tab(ctx: cache.Context, inv: Any) -> Any:
    src = inv.sources
    kinds = sorted(src["layer"].astype(str).unique())
    filtered = src[_filter_mask(ctx, src, "src", "layer", options=kinds, what="kind")]
    st.caption(t("rows_shown", n=len(filtered)))
    st.dataframe(_view(filtered.head(MAX_ROWS_SHOWN)), hide_index=True, width="stretch", height=420)
    return filtered


def _areas_tab(ctx: cache.Context, inv: Any) -> Any:
    areas = inv.areas
    factors = sorted(x for x in areas["dominant_factor"].astype(str).unique() if x and x != "nan")
    filtered = areas[
        _filter_mask(ctx, areas, "area", "dominant_factor", options=factors, what="factor")
    ]
    st.caption(t("rows_shown", n=len(filtered)))
    st.dataframe(_view(filtered), hide_index=True, width="stretch", height=360)
    return filtered


def _districts_tab(ctx: cache.Context, inv: Any) -> None:
    from riskmap.config.levels import LEVELS

    st.dataframe(_view(inv.districts), hide_index=True, width="stretch")
    keys = {4: "major", 3: "significant", 2: "general", 1: "low"}
    rows = []
    for lv in reversed(LEVELS):
        part = inv.districts[["district", f"area_km2_{keys[lv.rank]}"]].rename(
            columns={f"area_km2_{keys[lv.rank]}": "area"}
        )
        rows.append(part.assign(level=lv.name(state.lang()), order=5 - lv.rank))
    long = pd.concat(rows, ignore_index=True)
    colours = alt.Scale(
        domain=[lv.name(state.lang()) for lv in reversed(LEVELS)],
        range=[lv.color for lv in reversed(LEVELS)],
    )
    chart = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("area:Q", title=t("col_area"), stack="zero"),
            y=alt.Y("district:N", title=None, sort="-x"),
            color=alt.Color("level:N", scale=colours, title=t("col_level")),
            order=alt.Order("order:Q"),
            tooltip=["district", "level", alt.Tooltip("area:Q", format=".1f")],
        )
        .properties(title=t("district_chart"), height=28 * max(len(inv.districts), 3))
    )
    st.altair_chart(chart, width="stretch")


def _accidents_tab(ctx: cache.Context, inv: Any) -> None:
    period = st.radio(
        t("period"),
        ["month", "quarter"],
        horizontal=True,
        key="f_acc_period",
        format_func=common.labels(["month", "quarter"], lambda p: t(f"period_{p}")),
    )
    table = inv.accidents_month if period == "month" else inv.accidents_quarter
    if table.empty:
        st.info(t("no_accidents"))
        return
    periods = list(dict.fromkeys(table["period"].astype(str)))
    chosen = st.selectbox(t("period"), periods, key=f"f_acc_{period}")
    st.dataframe(
        _view(table[table["period"].astype(str) == chosen]), hide_index=True, width="stretch"
    )
    from riskmap.products.inventory import export_csv

    st.download_button(
        t("dl_csv"),
        _file_bytes(export_csv, table, ".csv"),
        f"{ctx.project.name}_accidents_{period}.csv",
        MIME["csv"],
        key=f"dl_acc_{period}",
    )


def render() -> None:
    ctx = cache.open_page("page_inventory", "inv_intro")
    if ctx is None:
        return
    inv = ctx.inventory()
    tabs = st.tabs(
        [t("tab_sources"), t("tab_areas"), t("tab_cells"), t("tab_districts"), t("tab_accidents")]
    )
    with tabs[0]:
        sources = _sources_tab(ctx, inv)
    with tabs[1]:
        areas = _areas_tab(ctx, inv)
    filtered = dataclasses.replace(inv, sources=sources, areas=areas)
    digest = hashlib.sha256(
        "|".join([*sources["number"].astype(str), "#", *areas["number"].astype(str)]).encode()
    )
    st.session_state["inv_filter_key"] = digest.hexdigest()[:16]
    with tabs[0]:
        _downloads(ctx, "sources", sources, filtered, "sources")
    with tabs[1]:
        _downloads(ctx, "areas", areas, filtered, "areas")
    with tabs[2]:
        _cells_tab(ctx, filtered)
    with tabs[3]:
        _districts_tab(ctx, inv)
    with tabs[4]:
        _accidents_tab(ctx, inv)


if __name__ == "__main__":
    render()
