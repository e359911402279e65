"""风险清单 — cells, risk sources, risk areas, district summary and accident ranking, with downloads.

Downloads are made only when their button is pressed (``st.download_button`` with a
function as its data: Streamlit calls it on the click, outside the script run), and kept
by a key that fully describes their content (the assessment, the language, the table,
the format and the filters). A rerun (a filter, a tab) therefore only filters and draws.
"""

from __future__ import annotations

import dataclasses
import functools
import tempfile
from collections.abc import Callable
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
CELL_ROUNDING = {
    "score": 2,
    "hazard": 2,
    "exposure": 2,
    "vulnerability": 2,
    "coping_gap": 2,
    "consequence": 2,
    "population": 0,
}
MIME = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
    "gpkg": "application/geopackage+sqlite3",
}
# What a download holds, fully: (assessment key, language, what, format, filters...).
Key = tuple[Any, ...]


@st.cache_resource(max_entries=6, show_spinner=False)
def _export_bytes(content: Key, *, _make: Callable[[], bytes]) -> bytes:
    """The bytes of one download, made once per ``content`` (``_make`` makes exactly that)."""
    return _make()


def _download(
    where: Any, label: str, content: Key, make: Callable[[], bytes], *, file_name: str, key: str
) -> None:
    """A download button whose bytes are made (and cached by ``content``) when it is pressed."""
    fmt = str(content[3])
    where.download_button(
        label,
        lambda: _export_bytes(content, _make=make),
        file_name,
        MIME[fmt],
        key=key,
        on_click="ignore",
    )


def _file_bytes(write: Any, frame: pd.DataFrame, suffix: str, lang: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="riskmap-dl-") as tmp:
        path = Path(tmp) / f"table{suffix}"
        write(frame, path, lang)
        return path.read_bytes()


def _level_filter(key: str) -> list[int]:
    from riskmap.config.levels import LEVELS

    ranks = [lv.rank for lv in reversed(LEVELS)]
    st.session_state.setdefault(key, ranks)
    common.relabel(key)  # the levels' names follow the language
    return st.multiselect(
        t("f_level"),
        ranks,
        key=key,
        format_func=common.labels(ranks, common.level_label),
        placeholder=t("choose"),
        select_all=common.select_all(),
    )


def _district_filter(ctx: cache.Context, key: str) -> list[str]:
    options = {k: v for k, v in common.district_options(ctx.data).items() if k}
    common.relabel(key)
    return st.multiselect(
        t("f_district"),
        list(options),
        key=key,
        format_func=common.labels(options, options.get),
        placeholder=t("choose"),
        select_all=common.select_all(),
    )


LAYER_COLUMNS = ("layer", "top_factor", "dominant_factor")
# Columns holding a layer's key, shown by the layer's name.
HIDDEN_COLUMNS = ("geometry", "dominant_kind")
# Not on the page: the shapes, and a kind's key (its name is the next column); downloads keep them.
COORDINATES = ("lon", "lat")


def _view(ctx: cache.Context, frame: pd.DataFrame) -> pd.DataFrame:
    """One language, headers for people, layers by their names (not their keys),
    districts in the page's language, no geometry (riskmap's inventory labels)."""
    from riskmap.products.inventory import header_labels, view_table

    view = view_table(frame, state.lang())
    for column in (c for c in LAYER_COLUMNS if c in view.columns):
        values = view[column].astype(object)
        keys = {str(k) for k in values if not common.missing(k)}
        names = {k: common.layer_label(ctx.data, k) for k in keys}
        view[column] = [v if common.missing(v) else names[str(v)] for v in values]
    if {"district", "adcode"} <= set(view.columns):
        districts = common.district_options(ctx.data)
        view["district"] = [
            districts.get(str(code), name)
            for code, name in zip(view["adcode"], view["district"], strict=True)
        ]
    view = pd.DataFrame(view.drop(columns=[c for c in HIDDEN_COLUMNS if c in view.columns]))
    return view.rename(columns=header_labels(list(view.columns), state.lang()))


def _show(ctx: cache.Context, frame: pd.DataFrame, **kwargs: Any) -> None:
    """A table of the inventory on the page: :func:`_view`, numbers for people."""
    from riskmap.products.inventory import header_labels

    coords = header_labels(list(COORDINATES), state.lang()).values()
    common.show_table(_view(ctx, frame), common.coordinate_decimals(*coords), **kwargs)


def _filter_mask(
    ctx: cache.Context, frame: Any, prefix: str, column: str, *, options: list[str], what: str
) -> tuple[Any, Key]:
    """Mask of the rows of ``frame`` kept by the district, level and ``column`` filters drawn
    above a table, and the filters chosen (a key of the filtered rows).

    The widgets' keys are ``f_{prefix}_district``, ``f_{prefix}_level`` and ``f_{prefix}_{what}``;
    the third filter is labelled ``t("f_{what}")`` and offers ``options`` (layer names).
    """
    c1, c2, c3 = st.columns(3)
    with c1:
        districts = _district_filter(ctx, f"f_{prefix}_district")
    with c2:
        levels = _level_filter(f"f_{prefix}_level")
    with c3:
        common.relabel(f"f_{prefix}_{what}")
        chosen = st.multiselect(
            t(f"f_{what}"),
            options,
            key=f"f_{prefix}_{what}",
            format_func=common.labels(options, lambda f: common.layer_label(ctx.data, f)),
            placeholder=t("choose"),
            select_all=common.select_all(),
        )
    mask = frame["level_rank"].isin(levels)
    if districts:
        mask &= frame["adcode"].astype(str).isin(districts)
    if chosen:
        mask &= frame[column].astype(str).isin(chosen)
    spec = (prefix, tuple(sorted(districts)), tuple(sorted(levels)), tuple(sorted(chosen)))
    return mask, spec


def _table_downloads(
    ctx: cache.Context, name: str, inv: Any, filters: Key, *, spatial: bool = True
) -> None:
    """Download buttons of one table of the (filtered) inventory: CSV and GeoJSON of the
    table, XLSX and GeoPackage of every table (the same filters)."""
    from riskmap.products import inventory as inv_mod

    lang = state.lang()
    base = (ctx.score_key, lang)
    slug = f"{ctx.project.name}_{name}"
    cols = st.columns(4)
    for col, fmt in zip(cols, ("csv", "geojson") if spatial else ("csv",), strict=False):
        _download(
            col,
            t(f"dl_{fmt}"),
            (*base, name, fmt, filters),
            functools.partial(inv_mod.to_bytes, inv, fmt, lang, table=name),
            file_name=f"{slug}.{fmt}",
            key=f"dl_{name}_{fmt}",
        )
    _workbooks(ctx, name, inv, filters, cols[2:])


def _workbooks(ctx: cache.Context, name: str, inv: Any, filters: Key, cols: Any) -> None:
    """XLSX and GeoPackage of every table of ``inv`` (sources and areas filtered)."""
    from riskmap.products.inventory import to_bytes

    lang = state.lang()
    for col, fmt in zip(cols, ("xlsx", "gpkg"), strict=True):
        _download(
            col,
            t(f"dl_{fmt}"),
            (ctx.score_key, lang, "inventory", fmt, filters),
            functools.partial(to_bytes, inv, fmt, lang),
            file_name=f"{ctx.project.name}_inventory.{fmt}",
            key=f"dl_{name}_{fmt}",
        )


def _cells_tab(ctx: cache.Context, inv: Any, workbook_filters: Key) -> None:
    from riskmap.products import inventory as inv_mod

    cells = ctx.assessment.cells
    factors = sorted(x for x in cells["top_factor"].astype(str).unique() if x)
    mask, spec = _filter_mask(ctx, cells, "cells", "top_factor", options=factors, what="factor")
    n = int(mask.sum())
    st.caption(t("rows_shown", n=f"{n:,}") + " · " + t("cells_cap", n=f"{MAX_ROWS_SHOWN:,}"))
    columns = [c for c in CELL_COLUMNS if c in cells.columns]
    top = cells.loc[mask, ["score"]].nlargest(MAX_ROWS_SHOWN, "score", keep="first").index
    shown = cells.loc[top, [c for c in columns if c != "geometry"]].round(CELL_ROUNDING)
    _show(ctx, shown, height=420)

    # Every filtered cell, highest score first: made only for a download.
    def frame() -> gpd.GeoDataFrame:
        return cells.loc[mask, columns].sort_values("score", ascending=False)

    lang = state.lang()
    base = (ctx.score_key, lang, "cells")
    slug = f"{ctx.project.name}_cells"
    cols = st.columns(4)
    _download(
        cols[0],
        t("dl_csv"),
        (*base, "csv", spec),
        lambda: _file_bytes(inv_mod.export_csv, frame(), ".csv", lang),
        file_name=f"{slug}.csv",
        key="dl_cells_csv",
    )
    _download(
        cols[1],
        t("dl_geojson"),
        (*base, "geojson", spec),
        lambda: _file_bytes(inv_mod.export_geojson, frame(), ".geojson", lang),
        file_name=f"{slug}.geojson",
        key="dl_cells_geojson",
    )
    _workbooks(ctx, "cells", inv, workbook_filters, cols[2:])


def _sources_tab(ctx: cache.Context, inv: Any) -> tuple[Any, Key]:
    src = inv.sources
    kinds = sorted(src["layer"].astype(str).unique())
    mask, spec = _filter_mask(ctx, src, "src", "layer", options=kinds, what="kind")
    filtered = src[mask]
    st.caption(t("rows_shown", n=f"{len(filtered):,}"))
    _show(ctx, filtered.head(MAX_ROWS_SHOWN), height=420)
    return filtered, spec


def _areas_tab(ctx: cache.Context, inv: Any) -> tuple[Any, Key]:
    areas = inv.areas
    factors = sorted(x for x in areas["dominant_factor"].astype(str).unique() if x and x != "nan")
    mask, spec = _filter_mask(ctx, areas, "area", "dominant_factor", options=factors, what="factor")
    filtered = areas[mask]
    st.caption(t("rows_shown", n=f"{len(filtered):,}"))
    _show(ctx, filtered, height=360)
    return filtered, spec


def _districts_tab(ctx: cache.Context, inv: Any) -> None:
    from riskmap.config.levels import LEVELS

    _show(ctx, inv.districts)
    keys = {4: "major", 3: "significant", 2: "general", 1: "low"}
    districts = common.district_options(ctx.data)
    names = pd.Series(
        [
            districts.get(str(code), name)
            for code, name in zip(inv.districts["adcode"], inv.districts["district"], strict=True)
        ]
    )
    rows = []
    for lv in reversed(LEVELS):
        part = pd.DataFrame(
            {
                "district": names.astype(str).to_numpy(),
                "area": inv.districts[f"area_km2_{keys[lv.rank]}"].to_numpy(),
            }
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
            # Every district on its own row: names never shortened or left out.
            y=alt.Y(
                "district:N",
                title=None,
                sort="-x",
                axis=alt.Axis(labelLimit=0, labelOverlap=False),
            ),
            color=alt.Color("level:N", scale=colours, title=t("col_level")),
            order=alt.Order("order:Q"),
            tooltip=[
                alt.Tooltip("district:N", title=t("district")),
                alt.Tooltip("level:N", title=t("col_level")),
                alt.Tooltip("area:Q", title=t("col_area"), format=",.1f"),
            ],
        )
        .properties(title=t("district_chart"), height=alt.Step(24))
    )
    st.altair_chart(chart, width="stretch")


def _accidents_tab(ctx: cache.Context, inv: Any) -> None:
    from riskmap.products.inventory import export_csv

    common.relabel("f_acc_period")
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
    chosen = st.selectbox(t("period"), periods, key=f"f_acc_{period}", placeholder=t("choose"))
    _show(ctx, table[table["period"].astype(str) == chosen])
    lang = state.lang()
    _download(
        st,
        t("dl_csv"),
        (ctx.score_key, lang, f"accidents_{period}", "csv"),
        lambda: _file_bytes(export_csv, table, ".csv", lang),
        file_name=f"{ctx.project.name}_accidents_{period}.csv",
        key=f"dl_acc_{period}",
    )


def render() -> None:
    ctx = cache.open_page("page_inventory", "inv_intro")
    if ctx is None:
        return
    inv = ctx.inventory()
    names = [t("tab_sources"), t("tab_areas"), t("tab_cells"), t("tab_districts")]
    if inv.counties is not None:  # a province: its counties after its cities
        names.append(t("tab_counties"))
    tabs = st.tabs([*names, t("tab_accidents")])
    with tabs[0]:
        sources, src_spec = _sources_tab(ctx, inv)
    with tabs[1]:
        areas, area_spec = _areas_tab(ctx, inv)
    # The workbooks hold every table, the sources and areas filtered as shown.
    filtered = dataclasses.replace(inv, sources=sources, areas=areas)
    both = (src_spec, area_spec)
    with tabs[0]:
        _table_downloads(ctx, "sources", filtered, both)
    with tabs[1]:
        _table_downloads(ctx, "areas", filtered, both)
    with tabs[2]:
        _cells_tab(ctx, filtered, both)
    with tabs[3]:
        _districts_tab(ctx, inv)
    if inv.counties is not None:
        with tabs[4]:
            _show(ctx, inv.counties)
            _table_downloads(ctx, "counties", inv, (), spatial=False)
    with tabs[-1]:
        _accidents_tab(ctx, inv)


if __name__ == "__main__":
    render()
