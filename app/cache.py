"""The cached pipeline of the app: one :class:`riskmap.Study` per project, grid and joined
layers, scored per weights and level rule.

Each step is cached with ``st.cache_resource`` (the results are frozen riskmap objects
that must not be copied), keyed by hashable arguments that fully describe its input:

* project data: the project file and a stamp of its folder's files (name, size, mtime);
* grid: the same plus grid kind, cell size and H3 resolution;
* study (its fields are the expensive step): the same plus ``Study.extras_key()``, a digest
  of the register's open hazards and the session's uploads that the Study joins;
* assessment: the study's key plus the weights and level rule as JSON (``Study.score`` is
  cheap);
* maps: the assessment's key plus view, basemap and language; the overlays shown: the
  study's key plus basemap, language and overlays (the map on screen shows and hides
  them in place).

A weight change therefore reruns only ``Study.score`` and the map. Cached functions read
no globals: everything they use comes in through their arguments.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import folium
import streamlit as st

if TYPE_CHECKING:
    import geopandas as gpd

    from app.components.map import MapFrame
    from riskmap.config import Project
    from riskmap.engine import Assessment
    from riskmap.io import Layer, ProjectData
    from riskmap.maps import CellIndex
    from riskmap.pipeline import Study
    from riskmap.products.inventory import Inventory
    from riskmap.register import HazardRegister

from app.common import plain, show_error
from app.state import (
    ENV_REGISTER,
    Settings,
    current_settings,
    init_settings,
    lang,
    selected_project,
    t,
)

ROOT = Path(__file__).resolve().parent.parent
"""The repository (app.py's folder)."""
STATIC_DIR = ROOT / "static" / "riskmap"
"""Where Leaflet's files are installed; Streamlit serves static/ at /app/static/."""


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
def _grid(
    project_file: str, stamp: str, kind: str, cell_size: float, h3_resolution: int
) -> gpd.GeoDataFrame:
    from riskmap.pipeline import GridSpec

    spec = GridSpec(
        kind="h3" if kind == "h3" else "square",
        cell_size=cell_size or 250.0,
        h3_resolution=h3_resolution,
        tile_size=None,
    )
    return spec.build(_project_data(project_file, stamp))


@st.cache_resource(max_entries=6, show_spinner=False)
def _study(study_key: str, *, _candidate: Study) -> Study:
    """The session's :class:`riskmap.Study`, one per ``study_key`` (project files, grid and
    the layers joined: register hazards and uploads). The first candidate made for a key is
    kept, with the fields it computes; later runs get it back."""
    return _candidate


@st.cache_resource(max_entries=4, show_spinner=False)
def _index(
    project_file: str, stamp: str, kind: str, cell_size: float, h3_resolution: int
) -> CellIndex:
    from riskmap.maps import build_cell_index

    cells = _grid(project_file, stamp, kind, cell_size, h3_resolution)
    return build_cell_index(cells, cell_size if kind == "square" else None)


@st.cache_resource(max_entries=12, show_spinner=False)
def _score(study_key: str, weights_json: str, levels_json: str, *, _study: Study) -> Assessment:
    return _study.score(weights=json.loads(weights_json), levels=json.loads(levels_json))


@st.cache_resource(max_entries=4, show_spinner=False)
def _analysed(score_key: str, *, _study: Study, _assessment: Assessment) -> Assessment:
    return _study.analyse(_assessment)


@st.cache_resource(max_entries=12, show_spinner=False)
def _risk_map(
    score_key: str,
    view: str,
    basemap: str,
    detail: bool,
    *,
    lang_: str,
    fields_key: str,
    _overlays: tuple[str, ...],
    _assessment: Assessment,
    _index: CellIndex,
) -> folium.Map:
    """The map of one assessment and view. The overlays shown are set apart
    (:func:`_overlay_names`): the map is the same for any ``_overlays`` with the same
    ``detail``, so a new choice of overlays draws no risk layer again. (They are passed
    on so that riskmap's cache of drawn overlays serves :func:`_overlay_names` next.)

    The map's frame (what the browser keeps: its script) does not depend on the scores,
    the view or a tile basemap: it is made once per study, language and detail choice
    (and AMap), :func:`_map_frame`, so a weight change or a view switch makes only the
    new score layers.
    """
    from app.components.map import app_risk_map

    # AMap's map draws in GCJ-02: a frame of its own; the others share one.
    frame_key = f"{fields_key}|{basemap == 'amap'}|{lang_}|{detail}"
    return app_risk_map(
        _assessment,
        view=view,
        basemap=basemap,
        lang=lang_,
        overlays=_overlays,
        index=_index,
        frame_of=lambda m: _map_frame(frame_key, _m=m),
    )


@st.cache_resource(max_entries=8, show_spinner=False)
def _map_frame(frame_key: str, *, _m: folium.Map) -> MapFrame:
    """The frame of the risk maps of one study, language and detail choice (and AMap or
    not): made from the first such map, kept for the next (their scripts are the same)."""
    from app.components.map import map_frame

    return map_frame(_m)


@st.cache_resource(max_entries=32, show_spinner=False)
def _overlay_names(
    fields_key: str, basemap: str, lang_: str, overlays: tuple[str, ...], *, _assessment: Assessment
) -> list[str]:
    """The layer-control names of the overlays chosen (they depend on the study's data)."""
    from app.components.map import overlay_names

    return overlay_names(_assessment, basemap=basemap, lang=lang_, overlays=overlays)


@st.cache_resource(max_entries=4, show_spinner=False)
def _inventory(score_key: str, _data: ProjectData, _assessment: Assessment) -> Inventory:
    from riskmap.products.inventory import build_inventory

    # No cells table: the page shows and exports the assessment's cells itself.
    return build_inventory(_assessment, cells=False)


@st.cache_resource(max_entries=4, show_spinner=False)
def _register(project_file: str, stamp: str, db_path: str) -> HazardRegister:
    from riskmap.register import HazardRegister, project_bbox, project_districts
    from riskmap.register.project import project_district_shapes

    project = _load_project(project_file, stamp)
    return HazardRegister(
        db_path,
        bbox=project_bbox(project),
        districts=project_districts(project),
        district_shapes=project_district_shapes(project),
    )


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
    register_path: Path | str | None
    n_uploads: int
    n_hazards: int

    def risk_map(
        self,
        *,
        view: str | None = None,
        overlays: Sequence[str] | None = None,
        basemap: str | None = None,
    ) -> folium.Map:
        """The (cached) folium map of the current assessment (analysed first for the
        hot-spot and confidence views)."""
        from app.components.map import with_overlays
        from riskmap.config.vocabulary import VIEW_COLUMNS

        s = self.settings
        shown = view or s.view
        chosen = tuple(s.overlays if overlays is None else overlays)
        m = _risk_map(
            self.score_key,
            shown,
            basemap or s.basemap,
            "detail" in chosen,
            lang_=lang(),
            fields_key=self.fields_key,
            _overlays=chosen,
            _assessment=self.analysed() if shown in VIEW_COLUMNS else self.assessment,
            _index=self.index,
        )
        names = _overlay_names(
            self.fields_key, basemap or s.basemap, lang(), chosen, _assessment=self.assessment
        )
        return with_overlays(m, names, "detail" in chosen)

    def analysed(self) -> Assessment:
        """The (cached) assessment with hot-spot and level-confidence columns."""
        with st.spinner(t("analysing")):
            return _analysed(self.score_key, _study=self.study, _assessment=self.assessment)

    def inventory(self) -> Inventory:
        """The (cached) risk inventory of the current assessment."""
        return _inventory(self.score_key, self.data, self.assessment)

    def prepare_inventory(self) -> None:
        """Make the score-free parts of the inventory (the sources placed on the grid, the
        cascade pairs: about a second for the demo at 250 m) in a background thread, once
        per study, so that the inventory page opens without making them; a page that needs
        them first waits for that thread instead of making them twice."""
        from riskmap.products.inventory import prepare_inventory

        memo = self.assessment.fields.memo
        if memo.get("inventory.prepared") is None:
            memo["inventory.prepared"] = True  # started (or made) already
            threading.Thread(
                target=prepare_inventory,
                args=(self.assessment,),
                name="riskmap-prepare-inventory",
                daemon=True,
            ).start()

    def caption(self) -> str:
        extra = (
            t("extra_none")
            if not (self.n_uploads or self.n_hazards)
            else t("extra_some", uploads=self.n_uploads, hazards=self.n_hazards)
        )
        return t(
            "settings_caption",
            grid=self.settings.grid_label(),
            rule=t(f"rule_{self.settings.rule}"),
            extra=extra,
        )


def register_path(project: Project) -> Path | str:
    """The register database (a file or a PostgreSQL URL): the environment's override,
    else the project's setting."""
    from riskmap.register import default_register_path

    env = os.environ.get(ENV_REGISTER)
    if env:
        return env if "://" in env else Path(env).resolve()
    return default_register_path(project)


def open_project_register(
    project_file: str, stamp: str, project: Project
) -> tuple[HazardRegister | None, Path | str]:
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


_DONE: set[tuple[Any, ...]] = set()
"""Work this server process has done once (cached since): see :func:`_busy`."""


@contextlib.contextmanager
def _busy(key: tuple[Any, ...]) -> Iterator[None]:
    """A spinner ("computing") around work the first time ``key`` is seen by this server
    process, nothing afterwards: the work is then in the caches, and a spinner costs every
    rerun a timer thread and two messages to the browser."""
    if key in _DONE:
        yield
        return
    with st.spinner(t("computing")):
        yield
    _DONE.add(key)


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
        with _busy(("base", pf, stamp)):
            base = _project_data(pf, stamp)
    except RiskmapError as exc:
        show_error(exc, "project_error")
        st.stop()
    init_settings(project, base)
    _url_notice()
    return project, base


def _url_notice() -> None:
    """Say which weights of a shared link were left out (once, when the link is opened):
    the map then differs from the sender's. The link's text is shown as plain text."""
    dropped: list[str] = st.session_state.pop("_url_dropped", None) or []
    if dropped:
        shown = [plain(d if len(d) <= 40 else d[:40] + "…") for d in dropped[:8]]
        items = t("list_sep_ui").join(shown) + ("…" if len(dropped) > 8 else "")
        st.warning(t("url_weights_dropped", items=items))


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
        s = current_settings(project_file)
        register, reg_path = open_project_register(pf, stamp, project)
        uploads = session_uploads()
        grid_key = (pf, stamp, s.grid_kind, s.cell_size, s.h3_resolution)
        with _busy(("grid", *grid_key)):
            cells = _grid(*grid_key)
            index = _index(*grid_key)
        candidate = Study.from_data(
            base,
            cell_size=s.cell_size or None,
            grid=s.grid_kind,  # type: ignore[arg-type]
            h3_resolution=s.h3_resolution,
            register=register,
            extra_layers=uploads,
            cells=cells,
        )
        study_key = f"{pf}|{stamp}|{candidate.extras_key()}"
        study = _study(study_key, _candidate=candidate)
        weights = {"components": s.components, "layers": s.layers}
        levels = {"rule": s.rule}
        wj = json.dumps(weights, sort_keys=True)
        lj = json.dumps(levels, sort_keys=True)
        # (a spinner while the study's fields are computed; a rescoring takes a few
        # hundredths of a second: no spinner, which costs a thread and two messages)
        with _busy(("fields", study_key)):
            assessment = _score(study_key, wj, lj, _study=study)
    except RiskmapError as exc:
        show_error(exc, "project_error")
        st.stop()
    _SETTLED["study"] = True
    return Context(
        settings=s,
        project=project,
        stamp=stamp,
        base=base,
        study=study,
        data=study.data,
        assessment=assessment,
        index=index,
        fields_key=study_key,
        score_key=f"{study_key}|{hashlib.sha256((wj + lj).encode()).hexdigest()[:16]}",
        register=register,
        register_path=reg_path,
        n_uploads=len(uploads),
        n_hazards=study.n_hazards,
    )


def open_page(
    title_key: str, intro_key: str | None = None, *, show_caption: bool = True
) -> Context | None:
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


_SETTLED = {"study": False, "frozen": False}
"""Whether this server process has loaded a study, and frozen what it kept (below)."""


def settle_memory() -> None:
    """After the first run that loaded a study, once per server process: move every object
    alive then (the modules, the project's data, the study's fields and grid index: some
    300,000 objects, with arrays of 140,000 shapes) out of the cyclic collector's reach
    (``gc.freeze``). Python's full collection otherwise walks them all again every few
    reruns, 0.1-0.15 s in which the run waits (seen on one weight change in six).

    What it costs: a reference cycle among those objects that becomes garbage later is not
    collected (assessments have none; a folium map has some: at most the first map made
    is kept). Nothing of it changes what any page shows."""
    if _SETTLED["study"] and not _SETTLED["frozen"]:
        import gc

        _SETTLED["frozen"] = True
        gc.collect()  # the first run's own garbage, not to be kept
        gc.freeze()
