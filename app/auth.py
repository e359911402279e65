"""Signing in: a sign-in form in the sidebar; the signed-in user (a
:class:`riskmap.register.users.User`) is what the app records as the actor of a write.
The bundled demo creates its demo accounts on first start (README names them)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import streamlit as st

from app import cache
from app.common import t


def current_user() -> Any | None:
    """The signed-in user of this session, or None."""
    return st.session_state.get("user")


def _is_demo(project: Any) -> bool:
    readme = Path(project.root) / "README.md"
    try:
        return "synthetic" in readme.read_text(encoding="utf-8").lower()
    except OSError:
        return False


@st.cache_resource(max_entries=4, show_spinner=False)
def _users(db: str) -> Any:
    from riskmap.register.users import UserStore

    return UserStore(db)


def sidebar_sign_in(project_file: Path | None) -> None:
    """The sign-in form (or who is signed in, and a sign-out button) in the sidebar."""
    if project_file is None:
        return
    from riskmap.register import project_districts

    project = cache._load_project(str(project_file), cache._stamp(str(project_file)))
    users = _users(str(cache.register_path(project)))
    if _is_demo(project):
        users.ensure_demo_users(project_districts(project))
    sb = st.sidebar
    user = current_user()
    if user is not None:
        sb.caption(t("auth_signed_in", name=user.display_name, role=t(f"role_{user.role}")))
        if sb.button(t("auth_sign_out"), key="btn_sign_out"):
            st.session_state.pop("user", None)
            st.rerun()
        return
    with sb.expander(t("auth_title")), st.form("sign_in", clear_on_submit=True):
        name = st.text_input(t("auth_username"), key="w_auth_user")
        password = st.text_input(t("auth_password"), type="password", key="w_auth_pw")
        if st.form_submit_button(t("auth_sign_in")):
            found = users.authenticate(name, password)
            if found is None:
                st.error(t("auth_failed"))
            else:
                st.session_state["user"] = found
                st.rerun()
