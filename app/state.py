"""The app's settings, kept in Streamlit's session state and read as one typed object.

Widgets own their values under keys starting ``w_`` (``w_grid``, ``w_cw_<component>``,
``w_lw_<layer>``, ``w_rule``, ``w_view``, ``w_basemap``, ``w_overlays``, ``w_district``,
``w_lang``, ``w_project``); :func:`current_settings` reads them into a frozen
:class:`Settings`, which is what the cached pipeline (:mod:`app.cache`) is keyed by. The
names of views, basemaps, level rules and components come from riskmap's one vocabulary.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import streamlit as st

from app.i18n import LANGS, text
from riskmap.config.vocabulary import DEFAULT_OVERLAYS

if TYPE_CHECKING:
    from riskmap.config import Project
    from riskmap.io import Layer, ProjectData

from riskmap.config.vocabulary import COMPONENT_WEIGHTS

CELL_SIZES: tuple[int, ...] = (1000, 500, 250, 100)
GRID_H3 = "h3"
ENV_CELL_SIZE = "RISKMAP_APP_CELL_SIZE"
"""Environment variable: default cell size in metres (tests use a coarse grid)."""
ENV_PROJECT = "RISKMAP_APP_PROJECT"
"""Environment variable: default project (path to a project.yaml)."""
ENV_REGISTER = "RISKMAP_APP_REGISTER"
"""Environment variable: hidden-hazard register database (instead of the project's)."""


def lang() -> str:
    """The language chosen in the sidebar (``zh`` by default)."""
    value = st.session_state.get("w_lang", "zh")
    return value if value in LANGS else "zh"


def t(key: str, **values: object) -> str:
    """The app label ``key`` in the current language."""
    return text(key, lang(), **values)


def project_files() -> list[Path]:
    """Every ``data/*/project.yaml``, plus the one named by the environment, if any."""
    from riskmap.config import data_dirs

    files = sorted(f for d in data_dirs() for f in d.glob("*/project.yaml"))
    env = os.environ.get(ENV_PROJECT)
    if env:
        p = Path(env).resolve()
        files = [p, *[f for f in files if f.resolve() != p]]
    return files


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


def upload_layers() -> dict[str, Layer]:
    """The layers uploaded in this session (the data page's list), by binding name."""
    uploads: dict[str, dict[str, Any]] = st.session_state.get("uploads", {})
    return {name: u["layer"] for name, u in sorted(uploads.items())}


def default_weights(project: Project, data: ProjectData | None = None) -> dict[str, float]:
    """Widget key -> default weight: components, then each layer that acts on the risk
    (the project's and the session's uploads)."""
    out = {f"w_cw_{c}": project.weights.component(c) for c in COMPONENT_WEIGHTS}
    if data is not None:
        for layer in [*data.layers.values(), *upload_layers().values()]:
            if layer.kind.role in {"hazard", "exposure", "vulnerability", "capacity"}:
                out[f"w_lw_{layer.name}"] = float(project.layer_weight(layer.binding, layer.kind))
    return out


def forget_upload(name: str) -> None:
    """An upload removed: its weight goes with it."""
    st.session_state.pop(f"w_lw_{name}", None)
    st.session_state.get("_weight_defaults", {}).pop(f"w_lw_{name}", None)


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


URL_KEYS = ("grid", "rule", "view", "basemap", "overlays", "district", "cell", "w", "lw")
"""The query parameters that carry a map's view, so that a link reopens it: ``w`` and
``lw`` hold the component and layer weights that differ from the project's defaults."""

WEIGHT_RANGES: dict[str, tuple[float, float]] = {"w_cw_": (0.0, 1.0), "w_lw_": (0.0, 3.0)}
"""The range of a component weight and of a layer weight (the sidebar's sliders)."""
_URL_WEIGHTS = {"w": "w_cw_", "lw": "w_lw_"}
"""Query parameter -> the widget-key prefix of the weights it carries."""
_URL_WEIGHTS_MAX = 2000
"""Characters of a weights parameter read at most (a link is not a file)."""


def weights_to_query(current: dict[str, float], defaults: dict[str, float]) -> dict[str, str]:
    """The ``w`` and ``lw`` query values of the weights (widget key -> value) that differ
    from the defaults: ``{"w": "coping_gap:1", "lw": "hazmat:2.5"}`` (none at defaults)."""
    out: dict[str, str] = {}
    for name, prefix in _URL_WEIGHTS.items():
        items = [
            f"{key[len(prefix) :]}:{round(float(current[key]), 4):g}"
            for key in sorted(defaults)
            if key.startswith(prefix)
            and key in current
            and abs(float(current[key]) - float(defaults[key])) > 1e-9
        ]
        if items:
            out[name] = ",".join(items)
    return out


def weights_from_query(
    query: dict[str, str], defaults: dict[str, float]
) -> tuple[dict[str, float], list[str]]:
    """The weights (widget key -> value) a link's ``w`` and ``lw`` give, and the entries
    left out (not a weight of this project, not a number, out of range), as written."""
    weights: dict[str, float] = {}
    dropped: list[str] = []
    for name, prefix in _URL_WEIGHTS.items():
        raw = str(query.get(name) or "")
        if len(raw) > _URL_WEIGHTS_MAX:
            dropped.append(f"{name}={raw[:40]}…")
            continue
        lo, hi = WEIGHT_RANGES[prefix]
        for item in filter(None, (i.strip() for i in raw.split(","))):
            key, _, value = item.rpartition(":")
            try:
                number = float(value)
            except ValueError:
                number = float("nan")
            if f"{prefix}{key}" in defaults and lo <= number <= hi:  # NaN is in no range
                weights[f"{prefix}{key}"] = number
            else:
                dropped.append(item)
    return weights, dropped


def view_from_url(data: ProjectData | None = None, weights: dict[str, float] | None = None) -> None:
    """The settings a shared link gives (``?view=hotspot&rule=quantiles&district=420111
    &cell=r3380c245&overlays=districts,shelters&w=coping_gap:1&lw=hazmat:2.5``), once per
    session, before the widgets take them; a value that is not one of the known choices is
    ignored. ``weights``: the default weights (widget key -> value); a weight the link
    gives that is not one of them or is out of range is left out, and the entries left out
    are kept in ``_url_dropped`` for the page to say so."""
    from riskmap.config.vocabulary import BASEMAPS, LEVEL_RULES, OVERLAYS, VIEWS

    ss = st.session_state
    if ss.get("_url_read"):
        return
    ss["_url_read"] = True
    q = st.query_params
    grids = [*(str(c) for c in CELL_SIZES), GRID_H3]
    choices = {
        "w_grid": ("grid", grids),
        "w_rule": ("rule", LEVEL_RULES),
        "w_view": ("view", [v for v in VIEWS if v != "change"]),
        "w_basemap": ("basemap", BASEMAPS),
    }
    for key, (name, allowed) in choices.items():
        value = q.get(name)
        if value in allowed:
            ss[key] = value
    if "overlays" in q:
        ss["w_overlays"] = [o for o in str(q["overlays"]).split(",") if o in OVERLAYS]
    districts = set(data.districts["adcode"].astype(str)) if data is not None else set()
    if q.get("district") in districts:
        ss["w_district"] = q["district"]
    cell = str(q.get("cell") or "")
    if len(cell) <= 40 and cell.replace("-", "").isalnum():
        ss["selected_cell"] = cell
    if weights is not None:
        given, dropped = weights_from_query({k: str(q.get(k) or "") for k in _URL_WEIGHTS}, weights)
        ss.update(given)
        if dropped:
            ss["_url_dropped"] = dropped


def view_to_url(settings: Settings) -> None:
    """Write the map's view into the address bar (a link to this page reopens it), with
    the weights that differ from the project's defaults (the same link, the same levels)."""
    ss = st.session_state
    current = {f"w_cw_{c}": v for c, v in settings.components.items()}
    current.update({f"w_lw_{name}": v for name, v in settings.layers.items()})
    weights = weights_to_query(current, ss.get("_weight_defaults", {}))
    want = {
        "grid": settings.grid,
        "rule": settings.rule,
        "view": settings.view,
        "basemap": settings.basemap,
        "overlays": ",".join(settings.overlays),
        "district": settings.district,
        "cell": str(ss.get("selected_cell") or ""),
        "w": weights.get("w", ""),
        "lw": weights.get("lw", ""),
    }
    q = st.query_params
    for k, v in want.items():
        if v and q.get(k) != v:
            q[k] = v
        elif not v and k in q:
            del q[k]


def init_settings(project: Project, data: ProjectData | None = None) -> None:
    """Session defaults for every setting (set once; the widgets then own them)."""
    ss = st.session_state
    defaults = default_weights(project, data)
    if data is not None:
        view_from_url(data, defaults)
    ss.setdefault("w_grid", default_cell_size(project))
    ss.setdefault("w_h3res", int(project.grid.h3_resolution))
    ss["_weight_defaults"] = defaults
    for k, v in defaults.items():
        ss.setdefault(k, v)
    ss.setdefault("w_rule", project.levels.rule)
    ss.setdefault("w_view", "level")
    ss.setdefault("w_basemap", "none")
    ss.setdefault("w_overlays", list(DEFAULT_OVERLAYS))
    ss.setdefault("w_district", "")


def current_settings(project_file: Path) -> Settings:
    ss = st.session_state
    comps = {c: float(ss.get(f"w_cw_{c}", 0.0)) for c in COMPONENT_WEIGHTS}
    layers = {
        k[5:]: float(v) for k, v in ss.items() if isinstance(k, str) and k.startswith("w_lw_")
    }
    return Settings(
        project_file=str(project_file),
        grid=str(ss.get("w_grid", "250")),
        h3_resolution=int(ss.get("w_h3res", 8)),
        components=comps,
        layers=dict(sorted(layers.items())),
        rule=str(ss.get("w_rule", "matrix")),
        view=str(ss.get("w_view", "level")),
        basemap=str(ss.get("w_basemap", "none")),
        overlays=tuple(ss.get("w_overlays", list(DEFAULT_OVERLAYS))),
        district=str(ss.get("w_district", "") or ""),
    )


def selected_project() -> Path | None:
    """The project file chosen in the sidebar (None when there is no project)."""
    value = st.session_state.get("w_project")
    return Path(value) if value else None
