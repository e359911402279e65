"""The register's SQLite dialect: pragmas, the write transaction's BEGIN, the guards
(append-only history, numbers that never change) and the connection in WAL mode. The
migrations themselves are portable SQL (:mod:`riskmap.register.schema`).
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from riskmap.errors import RegisterError

_SQLITE_PRAGMAS: tuple[str, ...] = (
    "PRAGMA foreign_keys = ON",
    "PRAGMA synchronous = FULL",
)


_SQLITE_BEGIN_WRITE = "BEGIN IMMEDIATE"
"""Take the write lock at the start, so reads inside a write transaction see the latest data."""

_SQLITE_GUARDS: dict[int, tuple[str, ...]] = {
    1: (
        "CREATE TRIGGER hazard_history_no_update BEFORE UPDATE ON hazard_history "
        "BEGIN SELECT RAISE(ABORT, 'hazard_history is append-only'); END",
        "CREATE TRIGGER hazard_history_no_delete BEFORE DELETE ON hazard_history "
        "BEGIN SELECT RAISE(ABORT, 'hazard_history is append-only'); END",
        "CREATE TRIGGER hazard_no_delete BEFORE DELETE ON hazard "
        "BEGIN SELECT RAISE(ABORT, 'hidden hazards are never deleted: void them'); END",
        "CREATE TRIGGER hazard_number_fixed "
        "BEFORE UPDATE OF number, adcode, year, category_code, seq ON hazard "
        "BEGIN SELECT RAISE(ABORT, 'a unified number never changes'); END",
        "CREATE TRIGGER hazard_counter_forward BEFORE UPDATE ON hazard_counter "
        "WHEN NEW.last_seq <> OLD.last_seq + 1 "
        "BEGIN SELECT RAISE(ABORT, 'number counters only move forward by one'); END",
        "CREATE TRIGGER hazard_counter_no_delete BEFORE DELETE ON hazard_counter "
        "BEGIN SELECT RAISE(ABORT, 'number counters are never deleted'); END",
    ),
}
"""Dialect-specific guards applied together with the migration of the same version."""


def _connect_sqlite(path: Path, timeout: float) -> sqlite3.Connection:
    """Open the database: autocommit driver mode (we issue BEGIN/COMMIT), WAL, pragmas."""
    try:
        conn = sqlite3.connect(
            str(path), timeout=timeout, isolation_level=None, check_same_thread=False
        )
        conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
    except sqlite3.Error as exc:
        raise RegisterError(f"{path}: cannot open the register: {exc}") from None
    deadline = time.monotonic() + timeout
    while True:  # switching a new file to WAL needs a moment alone with it
        try:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            break
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                conn.close()
                raise RegisterError(f"{path.name}: cannot open the register: {exc}") from None
            time.sleep(0.05)
        except sqlite3.DatabaseError as exc:  # e.g. "file is not a database"
            conn.close()
            raise RegisterError(
                f"{path.name}: not a hidden-hazard register ({exc}); give the register's "
                ".sqlite file, or a new file name to start one"
            ) from None
    if str(mode).lower() != "wal":
        conn.close()
        raise RegisterError(f"{path.name}: the register needs WAL mode, got '{mode}'")
    for pragma in _SQLITE_PRAGMAS:
        conn.execute(pragma)
    return conn
