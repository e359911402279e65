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


def _project_layers(ctx: cache.Context) -> None:
    st.subheader(t("project_layers"))
    base = ctx.base
    rows = []
    for b in ctx.project.layers:
        kind = base.kinds.get(b.kind)
        status = (
            t("status_unavailable", reason=base.unavailable[b.name])
            if b.name in base.unavailable
            else t("status_ok")
        )
        rows.append(
            {
                t("col_layer"): b.name,
                t("col_kind"): kind.name.get(state.lang()) if kind else b.kind,
                t("col_role"): kind.role if kind else "",
                t("col_file"): b.path,
                t("col_crs"): b.crs,
                t("col_count"): int(base.report.counts.get(b.name, 0)),
                t("col_status"): status,
            }
        )
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    report = base.report
    with st.expander(
        f"{t('project_report')} · "
        f"{t('report_summary', errors=len(report.errors), warnings=len(report.warnings))}"
    ):
        if len(report):
            st.dataframe(common.report_frame(report), hide_index=True, width="stretch")
        else:
            st.caption(t("no_problems"))


def _safe_name(original: str, digest: str, taken: dict[str, Any]) -> str:
    stem = re.sub(r"[^a-z0-9_]+", "_", Path(original).stem.lower()).strip("_")
    name = f"upload_{stem}" if stem else f"upload_{digest[:6]}"
    name = name[:40]
    if name in taken and taken[name]["key"] != digest:
        name = f"{name}_{digest[:6]}"
    return name


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
    path = folder / f"upload{suffix}"
    if not path.exists():
        path.write_bytes(raw)
    return path, digest


@st.cache_data(max_entries=8, show_spinner=False)
def _read(path: str, original: str, header_row: int | None) -> tuple[pd.DataFrame, list[Any]]:
    from riskmap.io import read_table

    frame, problems = read_table(path, source_name=original, header_row=header_row)
    return frame, problems


def _mapping_widgets(
    kind: Any, headers: list[str], is_vector: bool, wkey: str
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
        if spec.required:
            label = t("required_mark", label=label)
        with cols[i % 3]:
            value = st.selectbox(
                f"{label} · {field}",
                options,
                index=options.index(default) if default in options else 0,
                key=f"{wkey}_{field}",
                format_func=common.labels(options, lambda h: h or t("col_none")),
            )
        i += 1
        if value:
            columns[field] = value
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


def _upload_section(ctx: cache.Context) -> None:
    from riskmap.config import LayerBinding
    from riskmap.errors import LayerDataError, UnsafeFileError
    from riskmap.io import Layer, read_layer

    st.subheader(t("upload_title"))
    uploaded = st.file_uploader(
        t("upload_label"),
        key="upload_file",
        type=["csv", "txt", "xlsx", "xlsm", "geojson", "json", "gpkg", "zip"],
    )
    if uploaded is None:
        return
    saved = _save_upload(uploaded)
    if saved is None:
        return
    path, digest = saved
    header_row: int | None = None
    if path.suffix.lower() in {".csv", ".txt", ".xlsx", ".xlsm"}:
        chosen = st.number_input(t("header_row"), min_value=0, value=0, step=1, key=f"up_header_{digest[:10]}",
                                 help=t("header_row_help"))  # fmt: skip
        header_row = int(chosen) or None
    try:
        frame, read_problems = _read(str(path), uploaded.name, header_row)
    except UnsafeFileError as exc:
        st.error(t("unsafe", message=common.plain(exc)))
        return
    except LayerDataError as exc:
        codes = {p.code for p in exc.report.problems}
        if "unsupported_format" in codes:
            st.error(t("unsupported", suffix=common.plain(Path(uploaded.name).suffix)))
        else:
            st.error(t("unreadable", message=common.plain(exc)))
        if len(exc.report):
            st.dataframe(common.report_frame(exc.report), hide_index=True, width="stretch")
        return
    st.caption(
        t(
            "file_read",
            rows=len(frame),
            fmt=common.plain(frame.attrs.get("format", "")),
            enc=common.plain(frame.attrs.get("encoding") or "-"),
        )
    )
    kinds = {k: v for k, v in ctx.base.kinds.items() if k != "district"}
    roles = ("hazard", "exposure", "vulnerability", "capacity", "context")
    kind_names = sorted(
        kinds, key=lambda k: (roles.index(kinds[k].role) if kinds[k].role in roles else 9, k)
    )
    kind_name = st.selectbox(
        t("choose_kind"),
        kind_names,
        key="upload_kind",
        format_func=common.labels(kind_names, lambda k: f"{kinds[k].name.get(state.lang())} · {k}"),
    )
    kind = kinds[kind_name]
    is_vector = isinstance(frame, gpd.GeoDataFrame)
    headers = [str(c) for c in frame.columns if not (is_vector and c == frame.geometry.name)]
    wkey = f"up_{digest[:10]}_{kind_name}"
    columns, x, y = _mapping_widgets(kind, headers, is_vector, wkey)
    crs = _crs_widget(frame, wkey)

    uploads: dict[str, dict[str, Any]] = st.session_state.setdefault("uploads", {})
    name = _safe_name(uploaded.name, digest, uploads)
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
    binding = LayerBinding(**fields)
    layer_key = hashlib.sha256((digest + binding.model_dump_json()).encode()).hexdigest()[:16]

    if st.button(t("validate_btn"), key="upload_validate", type="primary"):
        x0, y0, x1, y1 = (
            gpd.GeoSeries([ctx.base.boundary], crs=ctx.base.crs).to_crs(4326).total_bounds
        )
        gdf, problems = read_layer(
            binding, kind, root=path.parent, bbox_wgs84=(x0, y0, x1, y1), name=uploaded.name
        )
        st.session_state["upload_result"] = {
            "key": layer_key,
            "gdf": gdf,
            "problems": [*read_problems, *problems],
        }
    result = st.session_state.get("upload_result")
    if not result or result["key"] != layer_key:
        return
    gdf, problems = result["gdf"], result["problems"]
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity == "warning"]
    if gdf is None or len(gdf) == 0:
        st.error(t("validation_failed"))
    elif problems:
        st.warning(t("validation_warn", n=len(gdf), warnings=len(warnings) + len(errors)))
    else:
        st.success(t("validation_ok", n=len(gdf)))
    if problems:
        st.dataframe(common.report_frame(problems), hide_index=True, width="stretch")
    if gdf is None or len(gdf) == 0:
        return
    _preview(ctx, gdf, name)
    if st.button(t("add_btn"), key="upload_add"):
        work = gdf.to_crs(ctx.base.crs)
        work.attrs.update(gdf.attrs)
        uploads[name] = {
            "layer": Layer(binding=binding, kind=kind, gdf=work, source=path),
            "key": layer_key,
            "file": uploaded.name,
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
        c1.text(f"{u['file']} → {name} · {common.kind_label(ctx.base, u['kind'])} · {u['count']}")
        if c2.button(t("remove"), key=f"remove_{name}"):
            uploads.pop(name, None)
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
