"""UI helpers shared by every page: labels, messages, maps and tables.

Settings live in :mod:`app.state`, the cached pipeline in :mod:`app.cache`.
"""

from __future__ import annotations

import copy
import html
import json
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import folium
import numpy as np
import pandas as pd
import streamlit as st

from app.i18n import LANGS

if TYPE_CHECKING:
    import geopandas as gpd

    from riskmap.io import ProjectData

from app.state import _on_project_change, lang, project_files, t

ASSET_URL = "app/static/riskmap"
"""Where the app serves Leaflet's files (Streamlit serves static/ at /app/static/)."""
MAX_UPLOAD_MB = 50
"""Largest upload accepted (also server.maxUploadSize in .streamlit/config.toml)."""
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$])")




def plain(value: object) -> str:
    """Text from a data file made safe for Streamlit's Markdown (no links, images, HTML)."""
    return _MD_SPECIAL.sub(r"\\\1", str(value))


def sidebar_common() -> Path | None:
    """Language switch and project choice (every page); returns the project file."""
    ss = st.session_state
    ss.setdefault("w_lang", "zh")
    st.sidebar.radio(t("language"), list(LANGS), format_func=LANGS.get, key="w_lang", horizontal=True)
    files = project_files()
    if not files:
        st.error(t("no_projects"))
        return None
    names = {str(f): f.parent.name for f in files}
    if ss.get("w_project") not in names:
        ss["w_project"] = str(files[0])
    st.sidebar.selectbox(t("project"), list(names), format_func=names.get, key="w_project",
                         on_change=_on_project_change)
    return Path(ss["w_project"])


def report_frame(problems: Iterable[Any]) -> pd.DataFrame:
    """Problems (a ValidationReport or a list of Problem) as a table with headers for people."""
    rows = [
        {"severity": p.severity, "code": p.code, "layer": p.layer, "file": p.file, "row": p.row,
         "column": p.column, "message": p.message, "hint": p.hint}
        for p in problems
    ]
    cols = ["severity", "code", "layer", "file", "row", "column", "message", "hint"]
    df = pd.DataFrame(rows, columns=cols)
    df["severity"] = df["severity"].map({"error": t("sev_error"), "warning": t("sev_warning")})
    df["row"] = pd.array(df["row"], dtype="Int64")
    return df.rename(columns={c: t(f"rp_{c}") for c in cols})


def show_error(exc: BaseException, prefix_key: str = "error_generic") -> None:
    """A riskmap error as a message, with its validation report as a table (never a traceback)."""
    st.error(t(prefix_key) + plain(exc))
    report = getattr(exc, "report", None)
    if report is not None and len(report):
        st.dataframe(report_frame(report), hide_index=True, width="stretch")


def local_assets(m: folium.Map) -> folium.Map:
    """A copy of a small folium map of the app that loads Leaflet from static/riskmap (no CDN)."""
    from riskmap.maps import use_local_assets

    return use_local_assets(m, ASSET_URL)


def display_geoms(geoms: Any, basemap: str) -> Any:
    """Shapely geometries in EPSG:4326 shifted to GCJ-02 for the AMap basemap."""
    if basemap == "amap":
        from riskmap.io.crs import from_wgs84_geometries

        return from_wgs84_geometries(np.asarray(geoms, dtype=object), "GCJ02")
    return np.asarray(geoms, dtype=object)


def display_point(lon: float, lat: float, basemap: str) -> tuple[float, float]:
    if basemap == "amap":
        from riskmap.io.crs import wgs84_to_gcj02

        x, y = wgs84_to_gcj02(np.array([lon]), np.array([lat]))
        return float(x[0]), float(y[0])
    return lon, lat


def clicked_wgs84(click: dict[str, float], basemap: str) -> tuple[float, float]:
    """A streamlit-folium click as WGS84 longitude/latitude (AMap clicks are GCJ-02)."""
    lon, lat = float(click["lng"]), float(click["lat"])
    if basemap == "amap":
        from riskmap.io.crs import gcj02_to_wgs84

        x, y = gcj02_to_wgs84(np.array([lon]), np.array([lat]))
        return float(x[0]), float(y[0])
    return lon, lat


def view_of(gdf_wgs84: gpd.GeoDataFrame, basemap: str) -> tuple[tuple[float, float], int]:
    """Centre (lat, lon) and zoom that show a frame in EPSG:4326."""
    x0, y0, x1, y1 = (float(v) for v in gdf_wgs84.total_bounds)
    lon, lat = display_point((x0 + x1) / 2, (y0 + y1) / 2, basemap)
    span = max(x1 - x0, (y1 - y0) * 1.3, 1e-4)
    zoom = int(np.clip(np.floor(np.log2(700 * 360 / (256 * span))), 7, 16))
    return (lat, lon), zoom


def outline_group(geoms_wgs84: Any, basemap: str, name: str = "selection", color: str = "#000000") -> folium.FeatureGroup:
    """A feature group outlining geometries (e.g. the selected cell), added without a redraw."""
    import shapely

    fg = folium.FeatureGroup(name=name, control=False)
    geoms = display_geoms(geoms_wgs84, basemap)
    feats = [{"type": "Feature", "properties": {}, "geometry": json.loads(shapely.to_geojson(g))}
             for g in geoms if g is not None and not shapely.is_empty(g)]
    if feats:
        folium.GeoJson({"type": "FeatureCollection", "features": feats},
                       marker=folium.CircleMarker(radius=8, color=color, weight=3, fill=True,
                                                  fill_opacity=0.25),
                       style_function=lambda _f, c=color: {"color": c, "weight": 3, "fill": False},
                       interactive=False).add_to(fg)
    return fg


def show_map(m: folium.Map, key: str, *, highlight: folium.FeatureGroup | None = None,
             center: tuple[float, float] | None = None, zoom: int | None = None,
             height: int = 620, on_change: Any = None) -> dict[str, Any]:
    """Draw a folium map with streamlit-folium; only a click reruns the script.

    streamlit-folium renames the elements of the map it draws, so a cached map is drawn
    from a copy (a few milliseconds: the large strings are shared): every run then sends
    the same map, and the browser keeps it (no reload, view kept). ``highlight`` is drawn
    as a dynamic feature group, also without reloading the map; so are the score-dependent
    layers of a map built with ``dynamic=True`` (``m.riskmap_layers``): after a weight
    change the browser keeps the map and replaces only those layers.
    """
    from streamlit_folium import st_folium

    fresh = copy.deepcopy(m)
    groups = [g for g in (getattr(fresh, "riskmap_layers", None), highlight) if g is not None]
    out = st_folium(fresh, key=key, returned_objects=["last_clicked"], height=height,
                    use_container_width=True, center=center, zoom=zoom,
                    feature_group_to_add=groups or None, on_change=on_change,
                    render=not getattr(m, "_riskmap_rendered", False))
    return out or {}


def remember_click(map_key: str, target: str) -> Any:
    """An ``on_change`` callback storing the map's last click in ``session_state[target]``."""

    def _callback() -> None:
        value = st.session_state.get(map_key) or {}
        click = value.get("last_clicked") if isinstance(value, dict) else None
        if click:
            st.session_state[target] = click

    return _callback


def level_label(rank: int) -> str:
    from riskmap.config.levels import level_of

    return level_of(int(rank)).name(lang())


def level_summary(cells: pd.DataFrame, adcode: str = "", score_key: str | None = None) -> pd.DataFrame:
    """Cells, area and population per level (重大 first) for the city or one district.

    The same figures as :func:`riskmap.products.inventory.district_summary` (per district and
    level: area in km² rounded to 3 decimals, people to units, then summed), counted
    with ``numpy.bincount`` (a few ms for 139k cells, so a weight change does not wait
    for it). ``score_key`` is accepted for callers that pass it; nothing is cached.
    """
    from riskmap.config.levels import LEVELS

    rank = pd.to_numeric(cells["level_rank"], errors="coerce").fillna(1).astype(int).to_numpy()
    area = pd.to_numeric(cells["area_m2"], errors="coerce").fillna(0).to_numpy(float)
    people = (pd.to_numeric(cells["population"], errors="coerce").fillna(0).to_numpy(float)
              if "population" in cells.columns else np.zeros(len(cells)))
    district_code = cells.groupby(["adcode", "district"], sort=False).ngroup().to_numpy()
    if adcode:
        keep = (cells["adcode"].astype(str) == adcode).to_numpy()
        rank, area, people, district_code = rank[keep], area[keep], people[keep], district_code[keep]
    n_groups = int(district_code.max()) + 1 if len(district_code) else 0
    key = district_code * 5 + np.clip(rank, 0, 4)
    size = n_groups * 5
    n_cells = np.bincount(key, minlength=size).reshape(-1, 5).sum(axis=0)
    area_km2 = (np.bincount(key, weights=area, minlength=size).reshape(-1, 5) / 1e6).round(3).sum(axis=0)
    population = np.bincount(key, weights=people, minlength=size).reshape(-1, 5).round(0).sum(axis=0)
    total_area = float(area_km2[1:].sum()) or 1.0
    rows = []
    for lv in reversed(LEVELS):
        rows.append({
            t("col_level"): lv.name(lang()),
            t("col_cells"): f"{int(n_cells[lv.rank]):,}",
            t("col_area"): f"{float(area_km2[lv.rank]):,.1f}",
            t("col_share"): f"{100 * float(area_km2[lv.rank]) / total_area:.1f}%",
            t("col_population"): f"{float(population[lv.rank]):,.0f}",
        })
    return pd.DataFrame(rows)


def district_options(data: ProjectData) -> dict[str, str]:
    """'' (whole city) and each district adcode -> name."""
    d = data.districts
    names = dict(zip(d["adcode"].astype(str), d["name"].astype(str), strict=True))
    return {"": t("whole_city"), **dict(sorted(names.items()))}


def kind_label(data: ProjectData, kind: str) -> str:
    k = data.kinds.get(kind)
    return k.name.get(lang()) if k else kind


def layer_label(data: ProjectData, layer_name: str) -> str:
    lyr = data.layers.get(layer_name)
    if lyr is None:
        return layer_name
    return f"{lyr.kind.name.get(lang())}（{layer_name}）" if lang() == "zh" else f"{lyr.kind.name.get('en')} ({layer_name})"


def escape_html(value: object) -> str:
    return html.escape(str(value), quote=True)


def session_dir() -> Path:
    """This session's temporary folder for uploads (never the project's folder)."""
    ss = st.session_state
    if "upload_dir" not in ss or not Path(ss["upload_dir"]).is_dir():
        ss["upload_dir"] = tempfile.mkdtemp(prefix="riskmap-upload-")
    return Path(ss["upload_dir"])


def labels(options: Iterable[Any], label_of: Any) -> Any:
    """A ``format_func`` whose labels are computed now, in the current language.

    Widgets keep their format function after the run; computing the labels at creation
    keeps them in the language of that run.
    """
    table = {o: str(label_of(o)) for o in options}
    return lambda o: table.get(o, str(o))
