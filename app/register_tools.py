"""The register page's lists and files: the overdue list (挂牌督办 first) for everyone, and
for a signed-in administrator the register's export (XLSX with its history), a lossless
backup (zip) and the import of a hazard sheet. Files are made in a temporary folder and
handed to the browser; no server path is ever shown (messages name the uploaded file)."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import streamlit as st

from app import common, state
from app.common import t


def overdue_list(reg: Any) -> None:
    """Open hazards past their deadline: listed for supervision first, then the longest
    overdue, with the days overdue."""
    from riskmap.register import format_hazards

    df = reg.overdue()
    with st.expander(t("hz_overdue_title", n=len(df)), expanded=False):
        if df.empty:
            st.caption(t("hz_overdue_none"))
            return
        table = format_hazards(df.drop(columns=["days_overdue"]), state.lang())
        table.insert(1, t("hz_days_overdue"), df["days_overdue"].to_numpy())
        st.dataframe(table, hide_index=True, width="stretch")


def _made_file(make: Any, name: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="riskmap-register-") as tmp:
        path = Path(tmp) / name
        make(path)
        return path.read_bytes()


def _file_button(col: Any, key: str, make: Any, name: str, mime: str) -> None:
    """A button that makes a file (labels ``{key}_make``, ``{key}_dl``), then its download."""
    from riskmap.errors import RiskmapError

    if col.button(t(f"{key}_make"), key=f"{key}_make"):
        try:
            st.session_state[key] = _made_file(make, name)
        except RiskmapError as exc:
            common.show_error(exc)
    if st.session_state.get(key):
        col.download_button(
            t(f"{key}_dl"), data=st.session_state[key], file_name=name, mime=mime, key=f"{key}_dl"
        )


def admin_files(reg: Any, user: Any) -> None:
    """Export, backup and import for a signed-in administrator; a note for everyone else."""

    with st.expander(t("hz_files_title")):
        if user is None or user.role != "admin":
            st.caption(t("hz_files_admin_only"))
            return
        day = date.today().isoformat()
        lang = state.lang()
        c1, c2 = st.columns(2)
        _file_button(
            c1,
            "hz_export",
            lambda p: reg.export(p, lang),
            f"hazards-{day}.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        _file_button(c2, "hz_backup", reg.backup, f"register-{day}.zip", "application/zip")
        upload = st.file_uploader(t("hz_import_pick"), type=["csv", "xlsx"], key="hz_import_file")
        if upload is not None and st.button(t("hz_import_btn"), key="hz_import_btn"):
            _import(reg, user, upload)


def _import(reg: Any, user: Any, upload: Any) -> None:
    from riskmap.errors import RiskmapError

    name = Path(upload.name).name or "upload.csv"
    with tempfile.TemporaryDirectory(prefix="riskmap-import-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(upload.getvalue())
        try:
            result = reg.import_file(path, by=user.label())
        except RiskmapError as exc:
            common.show_error(exc)
            return
    st.success(t("hz_imported", n=len(result.numbers), file=common.plain(name)))
    if len(result.report):
        st.dataframe(common.report_frame(result.report), hide_index=True, width="stretch")
