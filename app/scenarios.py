"""Named scenarios (情景): the settings of a session — grid, weights, level rule, view,
basemap, overlays, district and the what-if proposals — saved as one JSON file in the
project's ``scenarios/`` folder and loaded back, so a team shares them with the project.

Loading takes only values the app knows (a layer the project no longer has, an unknown
rule or overlay is left out), and reruns the page with them.
"""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import streamlit as st

from app import common, state
from app.common import t

FORMAT = "riskmap-scenario"
_SETTING_KEYS = ("w_grid", "w_h3res", "w_rule", "w_view", "w_basemap", "w_overlays", "w_district")


def scenario_dir(project_root: Path) -> Path:
    return Path(project_root) / "scenarios"


def clean_name(name: str) -> str:
    """A scenario's name as its file name: letters (any script), digits, '-', '_' and
    spaces, 1-50 characters; ValueError otherwise."""
    text = unicodedata.normalize("NFKC", str(name)).strip()
    if not text or len(text) > 50 or not re.fullmatch(r"[\w\- ]+", text):
        raise ValueError(t("sc_bad_name"))
    return text


def saved(project_root: Path) -> list[str]:
    """The names of the project's saved scenarios, sorted."""
    folder = scenario_dir(project_root)
    return sorted(p.stem for p in folder.glob("*.json")) if folder.is_dir() else []


def save(project_root: Path, name: str) -> Path:
    """Write the session's settings and proposals as scenario ``name`` (replacing one of
    that name)."""
    ss = st.session_state
    settings = {k: ss[k] for k in _SETTING_KEYS if k in ss}
    settings.update(
        {k: ss[k] for k in ss if isinstance(k, str) and k.startswith(("w_cw_", "w_lw_"))}
    )
    record = {
        "format": FORMAT,
        "name": name,
        "saved_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "settings": {k: list(v) if isinstance(v, tuple | list) else v for k, v in settings.items()},
        "proposals": list(ss.get("proposals", [])),
    }
    folder = scenario_dir(project_root)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{clean_name(name)}.json"
    tmp = path.with_suffix(".json.part")
    tmp.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
    tmp.replace(path)
    return path


def load(project_root: Path, name: str, data: Any) -> list[str]:
    """Read a saved scenario and keep its valid settings for the next run
    (:func:`apply_pending`); returns what was left out."""
    from riskmap.config.vocabulary import BASEMAPS, LEVEL_RULES, OVERLAYS, VIEWS

    path = scenario_dir(project_root) / f"{clean_name(name)}.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise ValueError(t("sc_not_a_scenario", name=name))
    settings = record.get("settings") or {}
    allowed: dict[str, Any] = {
        "w_grid": [*(str(c) for c in state.CELL_SIZES), state.GRID_H3],
        "w_rule": list(LEVEL_RULES),
        "w_view": [v for v in VIEWS if v != "change"],
        "w_basemap": list(BASEMAPS),
        "w_district": ["", *common.district_options(data)],
    }
    ss = st.session_state
    values: dict[str, Any] = {}
    left_out = []
    for key, value in settings.items():
        if key in allowed:
            ok = value in allowed[key]
        elif key == "w_overlays":
            ok = isinstance(value, list) and all(v in OVERLAYS for v in value)
        elif key == "w_h3res":
            ok = isinstance(value, int) and 6 <= value <= 10
        elif key.startswith("w_cw_"):
            ok = key[5:] in state.COMPONENT_WEIGHTS and isinstance(value, int | float)
            ok = ok and 0 <= value <= 1
        elif key.startswith("w_lw_"):
            ok = key[5:] in data.layers and isinstance(value, int | float) and 0 <= value <= 3
        else:
            ok = False
        if ok:
            values[key] = value
        else:
            left_out.append(key.removeprefix("w_"))
    proposals = record.get("proposals")
    if isinstance(proposals, list):
        from riskmap.errors import RiskmapError
        from riskmap.products.whatif import validate_proposals

        try:
            values["proposals"] = [p.to_record() for p in validate_proposals(proposals)]
        except (RiskmapError, ValueError, TypeError):
            left_out.append("proposals")
    # Widgets own their keys once drawn: the values are put in place at the start of the
    # next run, before the widgets (apply_pending).
    ss["sc_pending"] = values
    return left_out


def apply_pending() -> None:
    """Put a just-loaded scenario's values into the session (call before the widgets)."""
    values = st.session_state.pop("sc_pending", None)
    if values:
        st.session_state.update(values)


def sidebar(project_root: Path, data: Any) -> None:
    """Save the session as a named scenario; load one of the project's (drawn while its
    expander is open: closed, it costs the browser nothing on a rerun)."""
    box = st.sidebar.expander(t("sc_title"), key="w_scenarios_open", on_change="rerun")
    if not box.open:
        return
    with box:
        name = st.text_input(t("sc_name"), key="sc_name", max_chars=50)
        if st.button(t("sc_save"), key="btn_sc_save"):
            try:
                save(project_root, clean_name(name))
            except (ValueError, OSError) as exc:
                st.error(common.plain(exc))
            else:
                st.success(t("sc_saved", name=common.plain(clean_name(name))))
        names = saved(project_root)
        if not names:
            st.caption(t("sc_none"))
            return
        pick = st.selectbox(t("sc_pick"), names, key="sc_pick")
        if st.button(t("sc_load"), key="btn_sc_load"):
            try:
                left_out = load(project_root, pick, data)
            except (ValueError, OSError, json.JSONDecodeError) as exc:
                st.error(common.plain(exc))
                return
            st.session_state["sc_loaded"] = (pick, left_out)
            st.rerun()
        loaded = st.session_state.pop("sc_loaded", None)
        if loaded:
            note = t("sc_loaded", name=common.plain(loaded[0]))
            if loaded[1]:
                note += " " + t("sc_left_out", what=", ".join(loaded[1]))
            st.success(note)
