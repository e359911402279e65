"""The register page's lists and files: the overdue list (挂牌督办 first) for everyone, and
for a signed-in administrator the register's export (XLSX with its history), a lossless
backup (zip) and the import of a hazard sheet. Files are made in a temporary folder and
handed to the browser; no server path is ever shown (messages name the uploaded file)."""

from __future__ import annotations

import re
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from app import common, state
from app.common import t
from app.i18n import TEXTS


def keep_notice(where: str, key: str, report: Any = None, **values: Any) -> None:
    """Keep a change's notice in the session, for the rerun that follows the change: it
    is shown by :func:`show_notice` (``where``: ``form``, ``panel`` or ``files``) until
    the next change, with a toast once. The notice is the label ``key`` with ``values``
    (a ``status`` as its code), written when shown: it follows a language switch; a
    ``report`` (an import's problems) is shown below it as a table."""
    st.session_state["hz_notice"] = {
        "where": where,
        "key": key,
        "values": values,
        "report": report,
        "toast": True,
    }


def show_notice(where: str) -> Any:
    """The kept notice, when it belongs to ``where``: a success message (and its table),
    drawn in a slot that is returned (for :func:`clear_notice`)."""
    slot = st.empty()
    notice = st.session_state.get("hz_notice")
    if not notice or notice["where"] != where:
        return slot
    values = dict(notice["values"])
    if "status" in values:
        values["status"] = common.register_label("status", values["status"])
    text = t(notice["key"], **values) if notice["key"] else str(values.get("text", ""))
    with slot.container():
        st.success(text)
        report = notice.get("report")
        if report is not None and len(report):
            st.dataframe(_import_report(report), hide_index=True, width="stretch")
    if notice.pop("toast", False):
        st.toast(text)
    return slot


def clear_notice(slot: Any = None) -> None:
    """Forget the kept notice (a new change begins) and take it off the page (its slot)."""
    st.session_state.pop("hz_notice", None)
    if slot is not None:
        slot.empty()


def overdue_list(reg: Any, data: Any = None) -> None:
    """Open hazards past their deadline: listed for supervision first, then the longest
    overdue, with the days overdue (districts and layers named from ``data``)."""
    df = reg.overdue()
    with st.expander(t("hz_overdue_title", n=f"{len(df):,}"), expanded=False):
        if df.empty:
            st.caption(t("hz_overdue_none"))
            return
        table = hazard_table(df.drop(columns=["days_overdue"]), data)
        table.insert(1, t("hz_days_overdue"), df["days_overdue"].to_numpy())
        common.show_table(table, coordinates())


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

    notice = st.session_state.get("hz_notice") or {}
    with st.expander(t("hz_files_title"), expanded=notice.get("where") == "files"):
        slot = show_notice("files")
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
        upload = common.file_uploader(
            t("hz_import_pick"), types=["csv", "xlsx"], key="hz_import_file"
        )
        if upload is not None and st.button(t("hz_import_btn"), key="hz_import_btn"):
            _import(reg, user, upload, slot)


def _import(reg: Any, user: Any, upload: Any, slot: Any) -> None:
    """Import an uploaded sheet: on success keep the notice (and any warnings) for the
    rerun that shows the new hazards in the lists; else say why, in the page's language."""
    from riskmap.errors import LayerDataError, RiskmapError

    name = Path(upload.name).name or "upload.csv"
    clear_notice(slot)
    with tempfile.TemporaryDirectory(prefix="riskmap-import-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(upload.getvalue())
        try:
            result = reg.import_file(path, by=user.label())
        except LayerDataError as exc:
            errors = [p for p in exc.report if p.severity == "error"]
            st.error(t("hz_import_failed", file=common.plain(name), n=len(errors)))
            st.dataframe(_import_report(exc.report), hide_index=True, width="stretch")
            return
        except RiskmapError as exc:
            st.error(t("hz_not_done") + common.plain(exc))
            return
    keep_notice(
        "files", "hz_imported", result.report, n=len(result.numbers), file=common.plain(name)
    )
    st.rerun()


# The field a missing_column problem names, at the end of its message.
_MISSING_FIELD = re.compile(r"\((\w+)\)$")


def _import_report(report: Any) -> pd.DataFrame:
    """An import's problems as a table in the page's language: riskmap's messages (in
    English, with their hints) in English; in Chinese, what is wrong and what to do by
    the problem's code (the message as it is for a code without a Chinese text)."""
    from riskmap.register import COLUMN_HEADERS

    problems = list(report)
    frame = common.report_frame(problems)
    if state.lang() == "en":
        return frame
    said, hints = [], []
    for p in problems:
        key = f"hzp_{p.code}"
        if key not in TEXTS:
            said.append(p.message)
            hints.append(p.hint)
            continue
        field = _MISSING_FIELD.search(p.message)
        header = COLUMN_HEADERS.get(field[1], {}) if field else {}
        said.append(t(key, what=header.get("zh", field[1] if field else "")))
        hints.append("")
    return frame.assign(**{t("rp_message"): said, t("rp_hint"): hints})


def hazard_table(df: pd.DataFrame, data: Any = None) -> pd.DataFrame:
    """Register records for people, in the page's language: the export's columns with
    headers, categories, grades, statuses and yes/no as words, and (given the project's
    ``data``) districts and linked layers by their names."""
    from riskmap.register import EXPORT_FIELDS

    out = df.loc[:, list(EXPORT_FIELDS)].copy()
    for name in ("category", "grade", "status"):
        out[name] = [
            common.register_label(name, c) if isinstance(c, str) and c else c for c in out[name]
        ]
    for name in ("listed", "overdue"):
        out[name] = out[name].map({True: t("sc_yes"), False: t("sc_no")})
    if data is not None:
        out["district"] = out["district"].map(common.district_shown(data))
        out["layer_binding"] = [
            v if common.missing(v) else common.layer_label(data, str(v))
            for v in out["layer_binding"]
        ]
    return out.rename(columns={f: t(f"hzf_{f}") for f in EXPORT_FIELDS}).reset_index(drop=True)


def coordinates() -> dict[str, int]:
    """Decimals of the register table's longitude and latitude (for ``common.show_table``)."""
    return common.coordinate_decimals(t("hzf_lon"), t("hzf_lat"))
