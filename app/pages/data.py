"""数据 — the project's layers and validation report; upload a layer for this session's assessment."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import pandas as pd
import shapely
import streamlit as st

from app import cache, common, state
from app.common import t
from app.components import map as map_ui

CRS_CHOICES = ("WGS84", "CGCS2000", "GCJ02", "BD09", "EPSG")
FILE_CRS = "FILE"
PREVIEW_MAX = 5000
# Streamlit writes "Press Enter to apply" under a number or text input in English only: in
# Chinese, under the upload form's inputs (keys ``up_...``), our words instead. A rule that
# matches nothing (another Streamlit) leaves Streamlit's own text. (A comment, not a
# docstring: Streamlit's magic would show a bare string of a page on the page.)
_INPUT_CSS = """<style>
[class*="st-key-up_"] [data-testid="InputInstructions"] > * { display: none; }
[class*="st-key-up_"] [data-testid="InputInstructions"]::after { content: "%s"; }
</style>"""


def _layer_name(base: Any, binding: Any, kind: Any) -> str:
    """A project layer's name for people (its kind's name in the page's language, with its
    file's name when two layers share a kind), also for a layer that could not be read."""
    if binding.name in base.layers:
        return str(common.layer_label(base, binding.name))
    return str(kind.name.get(state.lang())) if kind else Path(str(binding.path)).name


def _why_unavailable(base: Any, binding: Any) -> str:
    """Why a project layer is not used, in the page's language: disabled in the project
    file, or its first error (the command line says the same in English)."""
    from riskmap.io import describe

    if not binding.enabled:
        return t("status_disabled")
    errors = [p for p in base.report.problems if p.layer == binding.name and p.severity == "error"]
    if errors:
        return describe(errors[0], state.lang())[1]
    return t("status_no_features")


def _project_layers(ctx: cache.Context) -> None:
    st.subheader(t("project_layers"))
    base = ctx.base
    rows = []
    for b in ctx.project.layers:
        kind = base.kinds.get(b.kind)
        status = (
            t("status_unavailable", reason=_why_unavailable(base, b))
            if b.name in base.unavailable
            else t("status_ok")
        )
        rows.append(
            {
                t("col_layer"): _layer_name(base, b, kind),
                t("col_role"): t(f"kind_role_{kind.role}") if kind else "",
                t("col_file"): b.path,
                t("col_crs"): b.crs,
                t("col_count"): int(base.report.counts.get(b.name, 0)),
                t("col_status"): status,
            }
        )
    common.show_table(pd.DataFrame(rows))
    report = base.report
    with st.expander(
        f"{t('project_report')} · "
        f"{t('report_summary', errors=len(report.errors), warnings=len(report.warnings))}"
    ):
        if len(report):
            names = {
                b.name: _layer_name(base, b, base.kinds.get(b.kind)) for b in ctx.project.layers
            }
            _problem_table(list(report), layers=names, note=False)
        else:
            st.caption(t("no_problems"))


def _safe_name(original: str, digest: str, taken: dict[str, Any]) -> str:
    stem = re.sub(r"[^a-z0-9_]+", "_", Path(original).stem.lower()).strip("_")
    name = f"upload_{stem}" if stem else f"upload_{digest[:6]}"
    name = name[:40]
    if name in taken and taken[name]["key"] != digest:
        name = f"{name}_{digest[:6]}"
    return name


def _file_name(original: str, suffix: str) -> str:
    """The upload's own file name, safe as a file name in the session's folder (no folders,
    no control characters): the map and the lists name the layer by it."""
    name = re.sub(r"[\x00-\x1f\x7f/\\:*?\"<>|]+", "_", Path(original).name).strip(" .")
    name = name[-120:] if len(name) > 120 else name
    return name if name.lower().endswith(suffix) and len(name) > len(suffix) else f"upload{suffix}"


def _save_upload(uploaded: Any) -> tuple[Path, str] | None:
    """Write the upload into this session's temp folder; None (with a message) when refused."""
    from riskmap.io import SUPPORTED_FORMATS

    size_mb = uploaded.size / 1024 / 1024
    if size_mb > common.MAX_UPLOAD_MB:
        st.error(t("too_large", size=size_mb, limit=common.MAX_UPLOAD_MB))
        return None
    suffix = Path(uploaded.name).suffix.lower()
    if suffix not in SUPPORTED_FORMATS or suffix == ".shp":
        st.error(t("unsupported", suffix=common.plain(suffix or uploaded.name)))
        return None
    raw = uploaded.getvalue()
    digest = hashlib.sha256(raw).hexdigest()
    folder = common.session_dir() / digest[:16]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / _file_name(uploaded.name, suffix)
    if not path.exists():
        path.write_bytes(raw)
    return path, digest


_SERVER_PATH = re.compile(r"(?:[A-Za-z]:)?[/\\][^\s'\"(),;]*riskmap-(?:upload|zip)-[^\s'\"(),;]*")


def _scrub(text: object, path: Path, original: str) -> str:
    """A message without our folders: the saved file is named by its original name, and
    any other path of ours (a session folder, an unpacked zip) by the original name too."""
    out = str(text).replace(str(path), original).replace(str(path.parent), "")
    return _SERVER_PATH.sub(original, out)


def _scrubbed(problems: list[Any], path: Path, original: str) -> list[Any]:
    from dataclasses import replace

    return [
        replace(
            p,
            message=_scrub(p.message, path, original),
            hint=_scrub(p.hint, path, original),
            message_zh=_scrub(p.message_zh, path, original),
            hint_zh=_scrub(p.hint_zh, path, original),
            file=original,
        )
        for p in problems
    ]


def _for_people(problem: Any, *, layer: str | None = None, file: str | None = None) -> Any:
    """A problem as the page shows it: its code as words, its message and hint in the
    page's language, the layer by the name the user knows (never our internal key)."""
    from dataclasses import replace

    from riskmap.io import describe

    word, message, hint = describe(problem, state.lang())
    return replace(
        problem,
        code=word,
        message=message,
        hint=hint,
        layer=layer,
        file=problem.file if file is None else file,
    )


def _problem_table(
    problems: list[Any],
    *,
    layer: str | None = None,
    file: str | None = None,
    layers: dict[str, str] | None = None,
    note: bool = True,
) -> None:
    """The check table of an upload (every problem of ``layer``), with the one note on how
    its rows are numbered; ``layers`` (binding -> name): problems of several layers."""
    if note:
        st.caption(t("up_rows_note"))
    shown = [
        _for_people(
            p, layer=layers.get(p.layer or "", p.layer) if layers is not None else layer, file=file
        )
        for p in problems
    ]
    frame = common.report_frame(shown).rename(columns={t("rp_code"): t("up_problem")})
    st.dataframe(frame, hide_index=True, width="stretch")


def _counts(problems: list[Any]) -> tuple[int, int]:
    """Errors and warnings among ``problems``: the rows of the table shown with them."""
    errors = sum(p.severity == "error" for p in problems)
    return errors, len(problems) - errors


@st.cache_data(max_entries=8, show_spinner=False)
def _read(
    path: str, original: str, header_row: int | None, part: str | None
) -> tuple[pd.DataFrame, list[Any]]:
    from riskmap.io import read_table

    sheet = part if Path(path).suffix.lower() in {".xlsx", ".xlsm"} else None
    layer = part if sheet is None else None
    frame, problems = read_table(
        path, source_name=original, header_row=header_row, sheet=sheet, layer=layer
    )
    return frame, problems


def _geometry_of(frame: pd.DataFrame) -> str | None:
    """``point``, ``line`` or ``polygon`` when every feature has that geometry (a table
    gives points); None when mixed or unknown."""
    if not isinstance(frame, gpd.GeoDataFrame):
        return "point"
    types = set(frame.geom_type.dropna().str.removeprefix("Multi"))
    names = {"Point": "point", "LineString": "line", "Polygon": "polygon"}
    return names.get(types.pop()) if len(types) == 1 else None


def _mapping_widgets(
    kind: Any, headers: list[str], is_vector: bool, wkey: str, first_row: int
) -> tuple[dict[str, str], str | None, str | None]:
    from riskmap.io import suggest_columns

    suggested = suggest_columns(headers, kind)
    options = ["", *headers]
    st.markdown(f"**{t('map_columns')}**")
    columns: dict[str, str] = {}
    x = y = None
    cols = st.columns(3)
    i = 0
    if not is_vector:
        for field, label in (("_x", t("x_col")), ("_y", t("y_col"))):
            default = suggested.get(field, "")
            with cols[i % 3]:
                value = st.selectbox(
                    label,
                    options,
                    index=options.index(default) if default in options else 0,
                    key=f"{wkey}_{field}",
                    format_func=common.labels(options, lambda h: h or t("col_none")),
                )
            i += 1
            if field == "_x":
                x = value or None
            else:
                y = value or None
    for field, spec in kind.fields.items():
        default = suggested.get(field, "")
        label = spec.label.get(state.lang())
        if spec.required and not (field == "id" and "id" not in suggested):
            label = t("required_mark", label=label)
        with cols[i % 3]:
            value = st.selectbox(
                label,  # the field's name for people (never its key)
                options,
                index=options.index(default) if default in options else 0,
                key=f"{wkey}_{field}",
                format_func=common.labels(options, lambda h: h or t("col_none")),
            )
        i += 1
        if value:
            columns[field] = value
    if "id" in kind.fields and "id" not in suggested and "id" not in columns:
        # No id column in the file: read_layer numbers the features by their rows.
        st.info(t("up_ids_from_features") if is_vector else t("up_ids_from_rows", row=first_row))
    return columns, x, y


def _crs_widget(frame: pd.DataFrame, wkey: str) -> str | None:
    has_own = isinstance(frame, gpd.GeoDataFrame) and frame.crs is not None
    choices = ([FILE_CRS] if has_own else []) + list(CRS_CHOICES)

    def label(c: str) -> str:
        if c == FILE_CRS:
            return f"{frame.crs.name} (EPSG:{frame.crs.to_epsg()})"
        return t(f"crs_{c}")

    c1, c2 = st.columns([2, 1])
    choice = c1.selectbox(
        t("crs_label"), choices, key=f"{wkey}_crs", format_func=common.labels(choices, label)
    )
    if choice == FILE_CRS:
        return None
    if choice == "EPSG":
        code = c2.text_input(t("epsg_code"), key=f"{wkey}_epsg").strip()
        return f"EPSG:{code.upper().removeprefix('EPSG:')}" if code else "EPSG:"
    return choice


def _preview(ctx: cache.Context, gdf: gpd.GeoDataFrame, name: str) -> None:
    st.markdown(f"**{t('preview')}**")
    boundary = gpd.GeoSeries([ctx.base.boundary], crs=ctx.base.crs).to_crs(4326)
    x0, y0, x1, y1 = boundary.total_bounds
    m = folium.Map(
        location=[(y0 + y1) / 2, (x0 + x1) / 2], zoom_start=9, tiles=None, attribution_control=False
    )
    map_ui.add_boundary(m, boundary.iloc[0])
    shown = gdf.head(PREVIEW_MAX)
    geoms = shown.geometry.to_numpy()
    feats = [
        {"type": "Feature", "properties": {}, "geometry": json.loads(shapely.to_geojson(g))}
        for g in geoms
        if g is not None
    ]
    folium.GeoJson(
        {"type": "FeatureCollection", "features": feats},
        name=name,
        marker=folium.CircleMarker(radius=4, color="#6a3d9a", fill=True, fill_opacity=0.8),
        style_function=lambda _f: {"color": "#6a3d9a", "weight": 2, "fillOpacity": 0.3},
        interactive=False,
    ).add_to(m)
    m.fit_bounds([[y0, x0], [y1, x1]])
    map_ui.show_map(map_ui.local_assets(m), "upload_preview", height=380)


def _refused(exc: Exception, path: Path, original: str) -> None:
    """A file that cannot be read at all: what is wrong with it, never a traceback."""
    from riskmap.errors import LayerDataError, UnsafeFileError
    from riskmap.io import describe

    report = getattr(exc, "report", None)
    problems = _scrubbed(list(report.problems), path, original) if report is not None else []
    errors = [p for p in problems if p.severity == "error"]
    # The message in the page's language: the first error's (the exception's own text is
    # English, for the command line).
    message = (
        t("up_file_message", file=original, message=describe(errors[0], state.lang())[1])
        if errors
        else _scrub(exc, path, original)
    )
    if isinstance(exc, UnsafeFileError):
        st.error(t("unsafe", message=common.plain(message)))
    elif isinstance(exc, LayerDataError) and "unsupported_format" in {p.code for p in problems}:
        st.error(t("unsupported", suffix=common.plain(Path(original).suffix)))
    else:
        st.error(t("unreadable", message=common.plain(message)))
    if problems:
        _problem_table(problems)


def _choose_part(path: Path, original: str, digest: str) -> tuple[bool, str | None]:
    """The sheet of a workbook or the layer of a GeoPackage, chosen from a list when the
    file has several (the only one's name when it has one; None for a format without
    parts); (False, None) when the file cannot be opened (the message shown)."""
    from riskmap.errors import RiskmapError
    from riskmap.io import list_parts

    try:
        parts = list(list_parts(path, source_name=original))
    except RiskmapError as exc:
        _refused(exc, path, original)
        return False, None
    if len(parts) < 2:
        # One sheet or layer: read it; its name still tells the kind.
        return True, parts[0] if parts else None
    workbook = path.suffix.lower() in {".xlsx", ".xlsm"}
    part = st.selectbox(
        t("up_sheet") if workbook else t("up_layer"),
        parts,
        key=f"up_part_{digest[:10]}",
        format_func=common.labels(parts, str),
        help=t("up_sheet_help") if workbook else t("up_layer_help"),
    )
    return True, part


def _choose_kind(
    ctx: cache.Context, frame: pd.DataFrame, original: str, part: str | None, digest: str
) -> str | None:
    """The layer kind: suggested from the file's columns, its name and the chosen sheet's
    or layer's name, changed by the user; None (with a note) until one is chosen when
    nothing fits. Another sheet or layer suggests again, unless the user chose by hand."""
    from riskmap.io import suggest_kind

    kinds = {k: v for k, v in ctx.base.kinds.items() if k != "district"}
    roles = ("hazard", "exposure", "vulnerability", "capacity", "context")
    kind_names = sorted(
        kinds, key=lambda k: (roles.index(kinds[k].role) if kinds[k].role in roles else 9, k)
    )
    is_vector = isinstance(frame, gpd.GeoDataFrame)
    headers = [str(c) for c in frame.columns if not (is_vector and c == frame.geometry.name)]
    suggested = suggest_kind(headers, original, kinds, geometry=_geometry_of(frame), part=part)
    if suggested not in kind_names:
        suggested = None
    ss = st.session_state
    key = f"upload_kind_{digest[:10]}"
    # The suggestion shown last: while the widget still holds it (or nothing), the user has
    # not chosen by hand, so a new suggestion (another sheet or layer) replaces it.
    last = ss.get(f"{key}_suggested")
    if ss.get(key) is None or ss.get(key) == last:
        ss[key] = suggested
    ss[f"{key}_suggested"] = suggested
    chosen = st.selectbox(
        t("choose_kind"),
        kind_names,
        index=None,
        key=key,
        placeholder=t("up_kind_placeholder"),
        format_func=common.labels(kind_names, lambda k: kinds[k].name.get(state.lang())),
    )
    if suggested is not None:
        where = "up_kind_suggested_part" if part is not None else "up_kind_suggested"
        st.caption(t(where, kind=common.plain(kinds[suggested].name.get(state.lang()))))
    elif chosen is None:
        st.info(t("up_kind_none"))
    return chosen


def _upload_section(ctx: cache.Context) -> None:
    from riskmap.config import LayerBinding
    from riskmap.errors import RiskmapError
    from riskmap.io import Layer, read_layer

    st.subheader(t("upload_title"))
    if state.lang() != "en":
        st.html(_INPUT_CSS % t("up_enter"))
    uploaded = common.file_uploader(
        t("upload_label"),
        key="upload_file",
        types=["csv", "txt", "xlsx", "xlsm", "geojson", "json", "gpkg", "zip"],
    )
    if uploaded is None:
        return
    saved = _save_upload(uploaded)
    if saved is None:
        return
    path, digest = saved
    original = Path(uploaded.name).name
    readable, part = _choose_part(path, original, digest)
    if not readable:
        return
    header_row: int | None = None
    if path.suffix.lower() in {".csv", ".txt", ".xlsx", ".xlsm"}:
        # As Excel numbers rows (1 = the first row); empty finds the header.
        chosen = st.number_input(
            t("header_row"),
            min_value=1,
            value=None,
            step=1,
            key=f"up_header_{digest[:10]}_{part}",
            placeholder=t("header_row_auto"),
            help=t("header_row_help"),
        )
        header_row = int(chosen) if chosen is not None else None
    try:
        frame, _ = _read(str(path), original, header_row, part)
    except RiskmapError as exc:
        _refused(exc, path, original)
        return
    st.caption(
        t(
            "file_read",
            rows=len(frame),
            fmt=common.plain(frame.attrs.get("format", "")),
            enc=common.plain(frame.attrs.get("encoding") or "-"),
        )
    )
    wkey = f"{digest[:10]}_{part or ''}"
    kind_name = _choose_kind(ctx, frame, original, part, digest)
    if kind_name is None:
        return
    kind = ctx.base.kinds[kind_name]
    is_vector = isinstance(frame, gpd.GeoDataFrame)
    headers = [str(c) for c in frame.columns if not (is_vector and c == frame.geometry.name)]
    wkey = f"up_{wkey}_{kind_name}"
    first_row = int(frame.index[0]) if len(frame) else 2
    columns, x, y = _mapping_widgets(kind, headers, is_vector, wkey, first_row)
    crs = _crs_widget(frame, wkey)

    uploads: dict[str, dict[str, Any]] = st.session_state.setdefault("uploads", {})
    name = _safe_name(original, digest, uploads)
    fields: dict[str, Any] = {
        "name": name,
        "kind": kind_name,
        "path": str(path),
        "x": x,
        "y": y,
        "columns": columns,
    }
    if crs is not None:
        fields["crs"] = crs
    if header_row is not None:
        fields["header_row"] = header_row
    if part is not None:
        fields["sheet" if path.suffix.lower() in {".xlsx", ".xlsm"} else "layer"] = part
    binding = LayerBinding(**fields)
    layer_key = hashlib.sha256((digest + binding.model_dump_json()).encode()).hexdigest()[:16]

    if st.button(t("validate_btn"), key="upload_validate", type="primary"):
        x0, y0, x1, y1 = (
            gpd.GeoSeries([ctx.base.boundary], crs=ctx.base.crs).to_crs(4326).total_bounds
        )
        try:
            gdf, problems = read_layer(
                binding, kind, root=path.parent, bbox_wgs84=(x0, y0, x1, y1), name=original,
                row_ids=True,
            )  # fmt: skip
        except RiskmapError as exc:
            _refused(exc, path, original)
            return
        st.session_state["upload_result"] = {
            "key": layer_key,
            "gdf": gdf,
            # read_layer reports the reading's problems too: each is listed once.
            "problems": _scrubbed(problems, path, original),
        }
    result = st.session_state.get("upload_result")
    if not result or result["key"] != layer_key:
        return
    gdf, problems = result["gdf"], result["problems"]
    errors, warnings = _counts(problems)
    if gdf is None or len(gdf) == 0:
        st.error(t("up_failed", errors=errors, warnings=warnings))
    elif problems:
        st.warning(t("up_usable", n=len(gdf), errors=errors, warnings=warnings))
    else:
        st.success(t("validation_ok", n=len(gdf)))
    if problems:
        _problem_table(
            problems,
            layer=common.kind_label(ctx.base, kind_name),
            file=f"{original} · {part}" if part is not None else original,
        )
    if gdf is None or len(gdf) == 0:
        return
    _preview(ctx, gdf, name)
    st.caption(t("up_map_note"))
    if st.button(t("add_btn"), key="upload_add"):
        work = gdf.to_crs(ctx.base.crs)
        work.attrs.update(gdf.attrs)
        uploads[name] = {
            "layer": Layer(binding=binding, kind=kind, gdf=work, source=path),
            "key": layer_key,
            "file": original,
            "kind": kind_name,
            "count": len(work),
        }
        st.session_state["upload_added"] = name
        st.rerun()


def _session_uploads(ctx: cache.Context) -> None:
    st.subheader(t("session_uploads"))
    ss = st.session_state
    added = ss.pop("upload_added", None)
    uploads: dict[str, dict[str, Any]] = ss.get("uploads", {})
    if added and added in uploads:
        st.success(t("added", name=common.plain(uploads[added]["file"]), n=uploads[added]["count"]))
    if not uploads:
        st.caption(t("no_uploads"))
        return
    for name, u in list(uploads.items()):
        c1, c2 = st.columns([5, 1])
        c1.markdown(
            t(
                "up_item",
                file=common.plain(u["file"]),
                kind=common.plain(common.kind_label(ctx.base, u["kind"])),
                n=u["count"],
            )
        )
        if c2.button(t("remove"), key=f"remove_{name}"):
            uploads.pop(name, None)
            state.forget_upload(name)
            st.rerun()


def render() -> None:
    ctx = cache.open_page("page_data", "data_intro")
    if ctx is None:
        return
    _project_layers(ctx)
    st.divider()
    _session_uploads(ctx)
    _upload_section(ctx)


if __name__ == "__main__":
    render()
