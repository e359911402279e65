"""Signing in: a sign-in form in the sidebar (the register's users), or the bureau's
identity provider through Streamlit's ``st.login`` when the project says ``auth: {oidc:
true}`` and ``.streamlit/secrets.toml`` has an ``[auth]`` section. The signed-in user (a
:class:`riskmap.register.users.User`) is what the app records as the actor of a write.
With ``auth: {required: true}`` no page shows anything until a user is signed in. The
bundled demo creates its demo accounts on first start (README names them)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import streamlit as st

from app import cache
from app.common import t
from app.state import lang


def current_user() -> Any | None:
    """The signed-in user of this session, or None."""
    return st.session_state.get("user")


def user_label(user: Any, district_name: Any = None) -> str:
    """The user as people read it, in the page's language: the name once, then the role
    and the districts the user acts for (``张三（区级检查员·江岸区）``, ``Zhang San
    (District inspector, Jiang'an)``; ``全市`` / ``whole city`` for a user of every
    district). ``district_name`` writes an adcode as a name (the adcode when None)."""
    name = district_name or str
    where = "、" if lang() == "zh" else ", "
    places = where.join(str(name(code)) for code in user.districts) or t("auth_all_districts")
    return t("auth_user_label", name=user.display_name, role=t(f"role_{user.role}"), places=places)


# A history's actor as the register records a signed-in user: name (username, role).
_ACTOR = re.compile(
    r"^(?P<name>.+) \((?P<user>[^,()]+), (?P<role>admin|inspector|leader|viewer)\)$"
)


def actor_shown(actor: str) -> str:
    """An actor of the register (a history row, an attachment) for people: a signed-in
    user's name once, with the role in the page's language (the username too when it is
    not the name); other actors as typed."""
    hit = _ACTOR.match(actor)
    if hit is None:
        return actor
    name, user, role = hit["name"], hit["user"], t(f"role_{hit['role']}")
    about = role if user == name else (f"{user}·{role}" if lang() == "zh" else f"{user}, {role}")
    return f"{name}（{about}）" if lang() == "zh" else f"{name} ({about})"


def district_names(data: Any) -> Any:
    """adcode -> the district's name of the project ``data`` in the page's language
    (``name_en`` in English; the adcode when unknown): the places of :func:`user_label`."""
    from app.common import district_shown

    shown = district_shown(data)
    d = data.districts
    names = {str(a): shown(n) for a, n in zip(d["adcode"], d["name"], strict=True)}
    return lambda code: names.get(str(code), str(code))


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def _oidc_user(users: Any) -> Any | None:
    """The register user of the identity provider's signed-in person (matched by e-mail),
    else a viewer named after them; None when nobody signed in with the provider."""
    from riskmap.register.users import User

    who = st.user
    if not getattr(who, "is_logged_in", False):
        return None
    email = str(who.get("email") or who.get("preferred_username") or "").strip()
    name = str(who.get("name") or email or "?")[:100]
    if not email:
        return None
    known = users.find(email)
    return known if known is not None else User(email[:50], name, "viewer")


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


@st.cache_resource(max_entries=4, show_spinner=False)
def _demo_users(db: str, project_file: str, stamp: str, *, _users: Any, _project: Any) -> bool:
    """The demo project's users, made once per register and project files (reading the
    districts and asking the register on every run cost a run 20 ms)."""
    from riskmap.register import project_districts

    _users.ensure_demo_users(project_districts(_project))
    return True


def sidebar_sign_in(project_file: Path | None) -> None:
    """The sign-in form (or who is signed in, and a sign-out button) in the sidebar."""
    if project_file is None:
        return
    stamp = cache._stamp(str(project_file))
    project = cache._load_project(str(project_file), stamp)
    db = str(cache.register_path(project))
    users = _users(db)
    if _is_demo(project):
        _demo_users(db, str(project_file), stamp, _users=users, _project=project)
    sb = st.sidebar
    oidc = project.auth.oidc and _oidc_configured()
    if oidc and current_user() is None:
        found = _oidc_user(users)
        if found is not None:
            st.session_state["user"] = found
    user = current_user()
    if user is not None:
        data = cache._project_data(str(project_file), stamp) if user.districts else None
        places = district_names(data) if data is not None else None
        sb.caption(t("auth_signed_in_as", user=user_label(user, places)))
        if sb.button(t("auth_sign_out"), key="btn_sign_out"):
            st.session_state.pop("user", None)
            if oidc and getattr(st.user, "is_logged_in", False):
                st.logout()
            st.rerun()
        return
    if oidc and sb.button(t("auth_oidc"), key="btn_oidc", type="primary"):
        st.login()
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


def require_sign_in(project_file: Path | None) -> None:
    """With ``auth: {required: true}`` in the project, stop every page until a user is
    signed in (the sidebar's form stays)."""
    if project_file is None or current_user() is not None:
        return
    project = cache._load_project(str(project_file), cache._stamp(str(project_file)))
    if project.auth.required:
        st.title("riskmap")
        st.info(t("auth_required"))
        st.stop()
