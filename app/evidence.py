"""The evidence of a hidden hazard on the register page: its photos and PDFs (finding and
rectification) with downloads, and the upload form (the register checks type, size and
the user's role, and chains each file's SHA-256 into the history)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from app import common, state
from app.auth import actor_shown
from app.common import t

UPLOAD_TYPES = ["jpg", "jpeg", "png", "webp", "pdf"]


def _size(n: int) -> str:
    return f"{n / 1024:,.0f} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:,.1f} MB"


def has_rectification(reg: Any, number: str) -> bool:
    """Whether the hazard has a rectification attachment (acceptance needs one)."""
    table = reg.attachments(number)
    return bool((table["stage"] == "rectification").any())


def evidence_list(reg: Any, number: str) -> None:
    """The hazard's attachments (names escaped) and a download button for each."""
    from riskmap.register.attachments import STAGES, added_at_local

    table = reg.attachments(number)
    st.markdown(f"**{t('hz_evidence')}**")
    if table.empty:
        st.caption(t("hz_no_evidence"))
        return
    lang = 1 if state.lang() == "en" else 0
    shown = pd.DataFrame(
        {
            t("hz_ev_seq"): table["seq"],
            t("hz_ev_stage"): [STAGES[s][lang] for s in table["stage"]],
            t("hz_ev_file"): table["filename"],  # a data frame shows text as text
            t("hz_ev_size"): table["size"].map(_size),
            t("hz_ev_by"): [actor_shown(a) for a in table["added_by"].fillna("").astype(str)],
            t("hz_ev_time"): added_at_local(table["added_at"]),
            "SHA-256": table["sha256"].str[:16] + "…",
        }
    )
    common.show_table(shown)
    cols = st.columns(min(len(table), 4))
    for i, row in enumerate(table.itertuples(index=False)):
        name, media, data = reg.attachment(number, int(row.seq))
        cols[i % len(cols)].download_button(
            t("hz_ev_download", seq=int(row.seq)),
            data=data,
            file_name=name,
            mime=media,
            key=f"hz_ev_dl_{number}_{row.seq}",
        )


def _refused_file(name: str, data: bytes) -> str | None:
    """Why the register would refuse this file (empty, over 10 MB, not a photo or a PDF by
    its content), said in the page's language; None when it would take it."""
    from riskmap.register.attachments import MAX_ATTACHMENT_BYTES, media_type_of

    if not data:
        return t("hz_ev_empty", name=name)
    if len(data) > MAX_ATTACHMENT_BYTES:
        return t("hz_ev_too_big", name=name, mb=f"{len(data) / (1 << 20):.1f}")
    if media_type_of(data) is None:
        return t("hz_ev_not_media", name=name)
    return None


def upload_form(reg: Any, number: str, by: str | None, user: Any, focus: list[float]) -> None:
    """Upload a photo or PDF to an open hazard."""
    from riskmap.errors import RiskmapError
    from riskmap.register.attachments import MAX_ATTACHMENT_BYTES, STAGES

    lang = 1 if state.lang() == "en" else 0
    with st.container(border=True):  # not an expander: an upload reruns the page
        st.markdown(f"**{t('hz_ev_add')}**")
        common.relabel("hz_ev_stage")
        stage = st.radio(
            t("hz_ev_stage"),
            list(STAGES),
            format_func=common.labels(STAGES, lambda s: STAGES[s][lang]),
            index=1,
            horizontal=True,
            key="hz_ev_stage",
        )
        upload = common.file_uploader(
            t("hz_ev_pick"), types=UPLOAD_TYPES, key="hz_ev_file", mb=MAX_ATTACHMENT_BYTES >> 20
        )
        if st.button(t("hz_ev_upload"), key="hz_ev_btn"):
            if upload is None:
                st.warning(t("hz_ev_pick"))
                return
            problem = _refused_file(upload.name, upload.getvalue())
            if problem:
                st.error(common.plain(problem))
                return
            try:
                seq = reg.attach(
                    number, upload.getvalue(), upload.name, stage=stage, by=by, user=user
                )
            except RiskmapError as exc:
                common.show_error(exc)
            else:
                st.session_state["hz_message"] = t("hz_ev_added", number=number, seq=seq)
                st.session_state["hz_focus"] = focus
                st.rerun()
