"""UI helpers shared by every page: settings, cached pipeline steps, maps and messages.

The pipeline is cached step by step with ``st.cache_resource`` (the results are frozen
riskmap objects that must not be copied), each step keyed by hashable arguments that
fully describe its input:

* project data: the project file and a stamp of its folder's files (name, size, mtime);
* grid: the same plus grid kind, cell size and H3 resolution;
* fields (the expensive step): the same plus ``extras_key``, a hash of the session's
  uploaded layers and of the register's open hazards (the layers themselves are passed
  as an unhashed ``_extras`` argument that the key describes);
* assessment: the fields' key plus the weights and level rule as JSON (score() is cheap);
* maps: the assessment's key plus view, basemap, language and overlays.

A weight change therefore reruns only :func:`riskmap.engine.core.score` and the map. The map
is built with ``dynamic=True``: its own script does not depend on the scores, so the
browser keeps the map after a weight change and only the score-dependent layers (risk
layer, detail cells, legend) are sent and swapped in (see :func:`show_map`). Cached
functions read no globals: everything they use comes in through their arguments.
"""

from __future__ import annotations

import copy
import hashlib
import html
import json
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import folium
import numpy as np
import pandas as pd
import streamlit as st

from app.i18n import LANGS, text

if TYPE_CHECKING:
    import geopandas as gpd

    from riskmap.config import Project
    from riskmap.engine import Assessment
    from riskmap.io import Layer, ProjectData
    from riskmap.maps import CellIndex
    from riskmap.pipeline import Study
    from riskmap.products.inventory import Inventory
    from riskmap.register import HazardRegister

ROOT = Path(__file__).resolve().parent.parent
"""The repository (app.py's folder)."""
STATIC_DIR = ROOT / "static" / "riskmap"
"""Where Leaflet's files are installed; Streamlit serves static/ at /app/static/."""
ASSET_URL = "app/static/riskmap"
CELL_SIZES: tuple[int, ...] = (1000, 500, 250, 100)
GRID_H3 = "h3"
COMPONENT_WEIGHTS: tuple[str, ...] = ("exposure", "vulnerability", "coping_gap")
LEVEL_RULES: tuple[str, ...] = ("matrix", "breaks", "quantiles", "natural_breaks")
VIEWS: tuple[str, ...] = ("level", "score", "hazard", "exposure", "vulnerability", "coping_gap")
BASEMAPS: tuple[str, ...] = ("none", "osm", "amap")
MAX_UPLOAD_MB = 50
"""Largest upload accepted (also server.maxUploadSize in .streamlit/config.toml)."""
ENV_CELL_SIZE = "RISKMAP_APP_CELL_SIZE"
"""Environment variable: default cell size in metres (tests use a coarse grid)."""
ENV_PROJECT = "RISKMAP_APP_PROJECT"
"""Environment variable: default project (path to a project.yaml)."""
ENV_REGISTER = "RISKMAP_APP_REGISTER"
"""Environment variable: hidden-hazard register database (instead of the project's)."""

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$])")


# --------------------------------------------------------------------------- language


def lang() -> str:
    """The language chosen in the sidebar (``zh`` by default)."""
    value = st.session_state.get("w_lang", "zh")
    return value if value in LANGS else "zh"


def t(key: str, **values: object) -> str:
    """The app label ``key`` in the current language."""
    return text(key, lang(), **values)


def plain(value: object) -> str:
    """Text from a data file made safe for Streamlit's Markdown (no links, images, HTML)."""
    return _MD_SPECIAL.sub(r"\\\1", str(value))


# --------------------------------------------------------------------------- settings


def project_files() -> list[Path]:
    """Every ``data/*/project.yaml``, plus the one named by the environment, if any."""
    from riskmap.config import data_dirs

    files = sorted(f for d in data_dirs() for f in d.glob("*/project.yaml"))
    env = os.environ.get(ENV_PROJECT)
    if env:
        p = Path(env).resolve()
        files = [p, *[f for f in files if f.resolve() != p]]
    return files


def _stamp(project_file: str) -> str:
    """A cheap fingerprint of the project's folder: each file's path, size and mtime."""
    folder = Path(project_file).parent
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            st_ = p.stat()
            h.update(f"{p.relative_to(folder)}|{st_.st_size}|{st_.st_mtime_ns}\n".encode())
    return h.hexdigest()[:16]


@st.cache_resource(max_entries=8, show_spinner=False)
def _load_project(project_file: str, stamp: str) -> Project:
    from riskmap.config import load_project

    return load_project(project_file)


def keep_widget_state() -> None:
    """Keep the sidebar settings when a page that does not draw them is shown.

    Streamlit forgets a widget's value when the widget is not drawn in a run; settings
    widgets use keys starting ``w_`` and are re-assigned here at the start of every run.
    """
    ss = st.session_state
    for k in [k for k in ss if isinstance(k, str) and k.startswith("w_")]:
        ss[k] = ss[k]


def default_cell_size(project: Project) -> str:
    env = os.environ.get(ENV_CELL_SIZE)
    if env:
        return str(int(float(env)))
    size = int(project.grid.cell_size)
    if project.grid.kind == "h3":
        return GRID_H3
    return str(size) if size in CELL_SIZES else "250"


def default_weights(project: Project, data: ProjectData | None = None) -> dict[str, float]:
    """Widget key -> default weight: components, then each layer that acts on the risk."""
    out = {f"w_cw_{c}": float(project.weights.components.get(c, 0.0)) for c in COMPONENT_WEIGHTS}
    if data is not None:
        for layer in data.layers.values():
            if layer.kind.role in {"hazard", "exposure", "vulnerability", "capacity"}:
                out[f"w_lw_{layer.name}"] = float(project.layer_weight(layer.binding, layer.kind))
    return out


def reset_weights() -> None:
    """Button callback: the project's default weights."""
    defaults = st.session_state.get("_weight_defaults", {})
    for k, v in defaults.items():
        st.session_state[k] = v


def _on_project_change() -> None:
    ss = st.session_state
    for k in [k for k in ss if isinstance(k, str) and (k.startswith(("w_cw_", "w_lw_")))]:
        del ss[k]
    for k in ("uploads", "selected_cell", "pending_click", "proposals", "whatif"):
        ss.pop(k, None)
    ss.pop("w_district", None)


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


@dataclass(frozen=True)
class Settings:
    """What the assessment and the map are made from, as read from the session."""

    project_file: str
    grid: str
    h3_resolution: int
    components: dict[str, float]
    layers: dict[str, float]
    rule: str
    view: str
    basemap: str
    overlays: tuple[str, ...]
    district: str

    @property
    def cell_size(self) -> float:
        return 0.0 if self.grid == GRID_H3 else float(self.grid)

    @property
    def grid_kind(self) -> str:
        return "h3" if self.grid == GRID_H3 else "square"

    def weights(self) -> dict[str, Any]:
        return {"components": dict(self.components), "layers": dict(self.layers)}

    def grid_label(self) -> str:
        if self.grid == GRID_H3:
            return t("grid_h3", res=self.h3_resolution)
        return t("grid_square", size=self.cell_size)


def init_settings(project: Project, data: ProjectData | None = None) -> None:
    """Session defaults for every setting (set once; the widgets then own them)."""
    ss = st.session_state
    ss.setdefault("w_grid", default_cell_size(project))
    ss.setdefault("w_h3res", int(project.grid.h3_resolution))
    defaults = default_weights(project, data)
    ss["_weight_defaults"] = defaults
    for k, v in defaults.items():
        ss.setdefault(k, v)
    ss.setdefault("w_rule", project.levels.rule)
    ss.setdefault("w_view", "level")
    ss.setdefault("w_basemap", "none")
    ss.setdefault("w_overlays", ["detail", "districts"])
    ss.setdefault("w_district", "")


def current_settings(project_file: Path) -> Settings:
    ss = st.session_state
    comps = {c: float(ss.get(f"w_cw_{c}", 0.0)) for c in COMPONENT_WEIGHTS}
    layers = {k[5:]: float(v) for k, v in ss.items() if isinstance(k, str) and k.startswith("w_lw_")}
    return Settings(
        project_file=str(project_file),
        grid=str(ss.get("w_grid", "250")),
        h3_resolution=int(ss.get("w_h3res", 8)),
        components=comps,
        layers=dict(sorted(layers.items())),
        rule=str(ss.get("w_rule", "matrix")),
        view=str(ss.get("w_view", "level")),
        basemap=str(ss.get("w_basemap", "none")),
        overlays=tuple(ss.get("w_overlays", ["detail", "districts"])),
        district=str(ss.get("w_district", "") or ""),
    )


# --------------------------------------------------------------------------- cached pipeline


@st.cache_resource(show_spinner=False)
def install_assets(static_dir: str) -> list[str]:
    """Copy Leaflet's files into static/riskmap once per server process."""
    from riskmap.maps.assets import install_static

    return [str(p) for p in install_static(static_dir)]


@st.cache_resource(max_entries=4, show_spinner=False)
def _project_data(project_file: str, stamp: str) -> ProjectData:
    from riskmap.io import load_project_data

    return load_project_data(_load_project(project_file, stamp))


@st.cache_resource(max_entries=4, show_spinner=False)
def _grid(project_file: str, stamp: str, kind: str, cell_size: float, h3_resolution: int) -> gpd.GeoDataFrame:
    from riskmap.engine import build_grid

    data = _project_data(project_file, stamp)
    return build_grid(data.boundary, data.districts, cell_size=cell_size or 250.0, kind=kind,
                      h3_resolution=h3_resolution, crs=data.crs)


@st.cache_resource(max_entries=6, show_spinner=False)
def _study(study_key: str, *, _candidate: Study) -> Study:
    """The session's :class:`riskmap.Study`, one per ``study_key`` (project files, grid and
    the layers joined: register hazards and uploads). The first candidate made for a key is
    kept, with the fields it computes; later runs get it back."""
    return _candidate


@st.cache_resource(max_entries=4, show_spinner=False)
def _index(project_file: str, stamp: str, kind: str, cell_size: float, h3_resolution: int) -> CellIndex:
    from riskmap.maps import build_cell_index

    cells = _grid(project_file, stamp, kind, cell_size, h3_resolution)
    return build_cell_index(cells, cell_size if kind == "square" else None)


@st.cache_resource(max_entries=12, show_spinner=False)
def _score(study_key: str, weights_json: str, levels_json: str, *, _study: Study) -> Assessment:
    return _study.score(weights=json.loads(weights_json), levels=json.loads(levels_json))


@st.cache_resource(max_entries=12, show_spinner=False)
def _risk_map(score_key: str, view: str, basemap: str, *, lang_: str, overlays: tuple[str, ...],
              asset_url: str, data_key: str, _assessment: Assessment, _data: ProjectData,
              _index: CellIndex) -> folium.Map:
    from riskmap.maps import build_map

    # In the app the map is narrow: an expanded layer list would hide half of it.
    # data_key: the overlays (boundary, districts, points) are reused across weight changes.
    # dynamic: the score-dependent layers are sent apart (show_map), the map script stays
    # the same across weight changes, so the browser keeps the map and swaps only them.
    m = build_map(_assessment.cells, _data, view=view, basemap=basemap, lang=lang_,
                  overlays=list(overlays), assets="url", asset_url=asset_url, index=_index,
                  collapsed_control=True, data_key=data_key, dynamic=True)
    # Render once here: copies drawn by show_map() then skip streamlit-folium's full render.
    m.get_root().render()
    m._riskmap_rendered = True
    return m


@st.cache_resource(max_entries=4, show_spinner=False)
def _inventory(score_key: str, _data: ProjectData, _assessment: Assessment) -> Inventory:
    from riskmap.products.inventory import build_inventory

    return build_inventory(_data, _assessment.cells, _assessment.params)


@st.cache_resource(max_entries=4, show_spinner=False)
def _register(project_file: str, stamp: str, db_path: str) -> HazardRegister:
    from riskmap.register import HazardRegister, project_bbox, project_districts

    project = _load_project(project_file, stamp)
    return HazardRegister(db_path, bbox=project_bbox(project), districts=project_districts(project))



# --------------------------------------------------------------------------- context


@dataclass(frozen=True)
class Context:
    """Everything a page draws from: settings, data (with the session's extras), assessment."""

    settings: Settings
    project: Project
    stamp: str
    base: ProjectData
    study: Study
    data: ProjectData
    assessment: Assessment
    index: CellIndex
    fields_key: str
    score_key: str
    register: HazardRegister | None
    register_path: Path | None
    n_uploads: int
    n_hazards: int

    def risk_map(self, *, view: str | None = None, overlays: Sequence[str] | None = None,
                 basemap: str | None = None) -> folium.Map:
        """The (cached) folium map of the current assessment."""
        s = self.settings
        return _risk_map(self.score_key, view or s.view, basemap or s.basemap, lang_=lang(),
                         overlays=tuple(s.overlays if overlays is None else overlays),
                         asset_url=ASSET_URL, data_key=self.fields_key, _assessment=self.assessment,
                         _data=self.data,
                         _index=self.index)

    def inventory(self) -> Inventory:
        """The (cached) risk inventory of the current assessment."""
        return _inventory(self.score_key, self.data, self.assessment)

    def caption(self) -> str:
        extra = (t("extra_none") if not (self.n_uploads or self.n_hazards)
                 else t("extra_some", uploads=self.n_uploads, hazards=self.n_hazards))
        return t("settings_caption", grid=self.settings.grid_label(),
                 rule=t(f"rule_{self.settings.rule}"), extra=extra)


def register_path(project: Project) -> Path:
    """The register database: the environment's override, else the project's setting."""
    from riskmap.register import default_register_path

    env = os.environ.get(ENV_REGISTER)
    return Path(env).resolve() if env else default_register_path(project)


def open_project_register(project_file: str, stamp: str, project: Project) -> tuple[HazardRegister | None, Path]:
    path = register_path(project)
    try:
        return _register(project_file, stamp, str(path)), path
    except Exception as exc:  # a register that cannot be opened must not stop the map
        st.warning(t("error_generic") + plain(exc))
        return None, path


def session_uploads() -> dict[str, Layer]:
    """The session's uploaded layers, by binding name."""
    uploads: dict[str, dict[str, Any]] = st.session_state.get("uploads", {})
    return {name: u["layer"] for name, u in sorted(uploads.items())}


def load_base(project_file: Path) -> tuple[Project, ProjectData]:
    """The project and its data as read from its files (cached); settings get defaults.

    Shows riskmap's errors as messages (with the validation report) and stops the page.
    """
    from riskmap.errors import RiskmapError

    pf = str(project_file)
    stamp = _stamp(pf)
    try:
        project = _load_project(pf, stamp)
        init_settings(project)
        with st.spinner(t("computing")):
            base = _project_data(pf, stamp)
    except RiskmapError as exc:
        show_error(exc, "project_error")
        st.stop()
    init_settings(project, base)
    return project, base


def load_context(project_file: Path) -> Context:
    """Load (cached) the session's :class:`riskmap.Study` and score it with the settings.

    Every page goes through the same Study as the command line: the project's layers, the
    register's open hazards and the session's uploads, on the grid chosen in the sidebar.
    Shows riskmap's errors as messages (with the validation report) and stops the page.
    """
    from riskmap.errors import RiskmapError
    from riskmap.pipeline import Study

    install_assets(str(STATIC_DIR))
    project, base = load_base(project_file)
    pf = str(project_file)
    stamp = _stamp(pf)
    try:
        with st.spinner(t("computing")):
            s = current_settings(project_file)
            register, reg_path = open_project_register(pf, stamp, project)
            uploads = session_uploads()
            cells = _grid(pf, stamp, s.grid_kind, s.cell_size, s.h3_resolution)
            candidate = Study.from_data(base, cell_size=s.cell_size or None, grid=s.grid_kind,  # type: ignore[arg-type]
                                        h3_resolution=s.h3_resolution, register=register,
                                        extra_layers=uploads, cells=cells)
            study_key = f"{pf}|{stamp}|{candidate.extras_key()}"
            study = _study(study_key, _candidate=candidate)
            index = _index(pf, stamp, s.grid_kind, s.cell_size, s.h3_resolution)
            weights = {"components": s.components, "layers": s.layers}
            levels = {"rule": s.rule}
            wj = json.dumps(weights, sort_keys=True)
            lj = json.dumps(levels, sort_keys=True)
            assessment = _score(study_key, wj, lj, _study=study)
    except RiskmapError as exc:
        show_error(exc, "project_error")
        st.stop()
    return Context(settings=s, project=project, stamp=stamp, base=base, study=study,
                   data=study.data, assessment=assessment, index=index, fields_key=study_key,
                   score_key=f"{study_key}|{hashlib.sha256((wj + lj).encode()).hexdigest()[:16]}",
                   register=register, register_path=reg_path, n_uploads=len(uploads),
                   n_hazards=study.n_hazards)


# --------------------------------------------------------------------------- messages


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


# --------------------------------------------------------------------------- maps


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


# --------------------------------------------------------------------------- tables


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


def selected_project() -> Path | None:
    """The project file chosen in the sidebar (None when there is no project)."""
    value = st.session_state.get("w_project")
    return Path(value) if value else None


def open_page(title_key: str, intro_key: str | None = None, *, show_caption: bool = True) -> Context | None:
    """Start a page: load the chosen project's context, draw its title, intro and the
    settings caption. None when no project is chosen (the page then draws nothing)."""
    project_file = selected_project()
    if project_file is None:
        return None
    ctx = load_context(project_file)
    st.title(t(title_key))
    if intro_key is not None:
        st.caption(t(intro_key))
    if show_caption:
        st.caption(ctx.caption())
    return ctx


def labels(options: Iterable[Any], label_of: Any) -> Any:
    """A ``format_func`` whose labels are computed now, in the current language.

    Widgets keep their format function after the run; computing the labels at creation
    keeps them in the language of that run.
    """
    table = {o: str(label_of(o)) for o in options}
    return lambda o: table.get(o, str(o))
