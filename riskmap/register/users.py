"""Users of a register and their roles: who may do what, and who did it.

Roles: ``admin`` (city administrator: every district; manages users), ``inspector``
(district inspector: registers and moves the hazards of their own districts), ``leader``
(挂牌督办 and acceptance 验收), ``viewer`` (reads only). Passwords are stored only as a
salted scrypt hash (``hashlib.scrypt``, n=2^14, r=8, p=1; a 16-byte random salt); a
password is compared in constant time. Users live in the register's database (table
``users``).
"""

from __future__ import annotations

import builtins
import hashlib
import hmac
import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from riskmap.errors import RegisterError
from riskmap.register.database import Database

ROLES: dict[str, tuple[str, str]] = {
    "admin": ("市级管理员", "City administrator"),
    "inspector": ("区级检查员", "District inspector"),
    "leader": ("督办领导", "Leader"),
    "viewer": ("只读用户", "Viewer"),
}
"""Role -> its name (zh, en)."""

_N, _R, _P = 2**14, 8, 1


def hash_password(password: str, salt: bytes | None = None) -> str:
    """``scrypt$n$r$p$salt$hash`` (hex) of a password."""
    if not password or len(password) < 8:
        raise RegisterError("a password has at least 8 characters")
    salt = salt if salt is not None else os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches a stored hash (constant-time comparison)."""
    try:
        kind, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if kind != "scrypt":
        return False
    got = hashlib.scrypt(
        password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32
    )
    return hmac.compare_digest(got.hex(), digest)


@dataclass(frozen=True)
class User:
    """A signed-in user: username, name, role and districts (adcodes; empty = all)."""

    username: str
    display_name: str
    role: str
    districts: tuple[str, ...] = ()

    def label(self) -> str:
        """How the user appears in a history row: ``name (username, role)``."""
        return f"{self.display_name} ({self.username}, {self.role})"

    def may(self, action: str, adcode: str | None = None) -> bool:
        """Whether the user may ``register``, ``move``, ``supervise``, ``accept``,
        ``void``, ``attach``, ``acknowledge`` or ``manage_users`` (for a hazard in ``adcode``)."""
        if self.role == "admin":
            return True
        if self.role == "viewer":
            return False
        own = not self.districts or adcode is None or adcode in self.districts
        if self.role == "inspector":
            return action in ("register", "move", "attach", "acknowledge") and own
        if self.role == "leader":
            return action in ("supervise", "accept", "move", "attach", "acknowledge") and own
        return False


class UserStore:
    """The users of one register database."""

    def __init__(self, path: str | Path) -> None:
        self._db = Database(path)
        self.path = self._db.path
        self.name = self._db.name
        self._lock = threading.RLock()

    def __enter__(self) -> UserStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    def add(
        self,
        username: str,
        password: str,
        *,
        role: str,
        display_name: str | None = None,
        districts: tuple[str, ...] = (),
    ) -> User:
        """Add a user (the password is stored only as its hash).

        Raises
        ------
        RegisterError
            An unknown role, a bad username, a short password, or the username taken.
        """
        name = username.strip()
        if not name or len(name) > 50 or not all(ch.isalnum() or ch in "._-@" for ch in name):
            raise RegisterError(
                "a username is 1-50 letters, digits, '.', '_', '-' or '@' (an e-mail)"
            )
        if role not in ROLES:
            raise RegisterError(f"role '{role}' is not one of {', '.join(ROLES)}")
        shown = (display_name or name).strip()[:100]
        with self._lock:
            try:
                with self._db.write() as conn:
                    conn.execute(
                        "INSERT INTO users (username, display_name, role, districts, pw_hash, "
                        "created_at) VALUES (?, ?, ?, ?, ?, ?)",
                        (name, shown, role, ",".join(districts), hash_password(password),
                         datetime.now(UTC).isoformat(timespec="seconds")),
                    )  # fmt: skip
            except sa.exc.IntegrityError:
                raise RegisterError(f"user '{name}' exists already") from None
        return User(name, shown, role, tuple(districts))

    def list(self) -> pd.DataFrame:
        """Every user (no hashes): username, display_name, role, districts, disabled."""
        with self._lock, self._db.read() as conn:
            rows = [
                tuple(r)
                for r in conn.execute(
                    "SELECT username, display_name, role, districts, disabled FROM users "
                    "ORDER BY username"
                ).fetchall()
            ]
        return pd.DataFrame(
            rows, columns=["username", "display_name", "role", "districts", "disabled"]
        )

    def disable(self, username: str) -> None:
        """Disable a user (kept for the history; can no longer sign in)."""
        self._set(username, "disabled = 1")

    def set_password(self, username: str, password: str) -> None:
        """Replace a user's password."""
        self._set(username, "pw_hash = ?", hash_password(password))

    def _set(self, username: str, assignment: str, *params: object) -> None:
        with self._lock, self._db.write() as conn:
            count = conn.execute(
                f"UPDATE users SET {assignment} WHERE username = ?", (*params, username)
            ).rowcount
        if count == 0:
            raise RegisterError(f"no user '{username}'")

    def authenticate(self, username: str, password: str) -> User | None:
        """The user when the password is right and the user is enabled, else None."""
        with self._lock, self._db.read() as conn:
            row = conn.execute(
                "SELECT username, display_name, role, districts, pw_hash, disabled FROM users "
                "WHERE username = ?",
                (username.strip(),),
            ).fetchone()
        if row is None:
            check_password(password, hash_password("x" * 12))  # the same time either way
            return None
        if row[5] or not check_password(password, row[4]):
            return None
        return User(row[0], row[1], row[2], tuple(d for d in row[3].split(",") if d))

    def find(self, username: str) -> User | None:
        """An enabled user by username (no password: for a sign-in vouched for by an
        identity provider), or None."""
        with self._lock, self._db.read() as conn:
            row = conn.execute(
                "SELECT username, display_name, role, districts, disabled FROM users "
                "WHERE username = ?",
                (username.strip(),),
            ).fetchone()
        if row is None or row[4]:
            return None
        return User(row[0], row[1], row[2], tuple(d for d in row[3].split(",") if d))

    def ensure_demo_users(self, districts: dict[str, str]) -> builtins.list[tuple[str, str, str]]:
        """On an empty store, the demo accounts (username, password, role), named in the
        README: an administrator, an inspector of the first district, a leader and a
        viewer. Returns what was created (nothing when there are users already)."""
        if len(self.list()):
            return []
        first = sorted(districts.values())[:1]
        made = [
            ("admin", "admin-demo-2021", "admin", ()),
            ("inspector", "inspector-demo-2021", "inspector", tuple(first)),
            ("leader", "leader-demo-2021", "leader", ()),
            ("viewer", "viewer-demo-2021", "viewer", ()),
        ]
        created = []
        for username, password, role, own in made:
            try:
                self.add(username, password, role=role, districts=own)
            except RegisterError:  # another process made it a moment ago: keep theirs
                continue
            created.append((username, password, role))
        return created
