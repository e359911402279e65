"""The register's schema: an ordered list of portable SQL migrations (version n is
``_MIGRATIONS[n - 1]``) and the SQLite dialect (pragmas, guards, connection).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path

from riskmap.errors import (
    RegisterError,
)
from riskmap.register.vocabulary import ACTIONS, CATEGORIES, GRADES, STATUSES

_SCHEMA_VERSION_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_version ("
    " version INTEGER NOT NULL PRIMARY KEY,"
    " applied_at TIMESTAMP NOT NULL)"
)


def _in_list(values: Iterable[str]) -> str:
    return ", ".join(f"'{v}'" for v in values)


_MIGRATIONS: tuple[str, ...] = (
    f"""
CREATE TABLE hazard_counter (
    adcode VARCHAR(6) NOT NULL,
    year INTEGER NOT NULL,
    category_code VARCHAR(2) NOT NULL,
    last_seq INTEGER NOT NULL CHECK (last_seq > 0),
    PRIMARY KEY (adcode, year, category_code)
);
CREATE TABLE hazard (
    number VARCHAR(40) NOT NULL PRIMARY KEY,
    adcode VARCHAR(6) NOT NULL,
    year INTEGER NOT NULL,
    category_code VARCHAR(2) NOT NULL,
    seq INTEGER NOT NULL CHECK (seq > 0),
    title VARCHAR(200) NOT NULL,
    description TEXT NOT NULL,
    category VARCHAR(20) NOT NULL CHECK (category IN ({_in_list(CATEGORIES)})),
    grade VARCHAR(10) NOT NULL CHECK (grade IN ({_in_list(GRADES)})),
    lon DOUBLE PRECISION NOT NULL CHECK (lon >= -180 AND lon <= 180),
    lat DOUBLE PRECISION NOT NULL CHECK (lat >= -90 AND lat <= 90),
    district VARCHAR(100) NOT NULL,
    layer_binding VARCHAR(100),
    feature_id VARCHAR(200),
    found_at DATE NOT NULL,
    found_by VARCHAR(100) NOT NULL,
    responsible_unit VARCHAR(200) NOT NULL,
    deadline DATE NOT NULL,
    status VARCHAR(20) NOT NULL CHECK (status IN ({_in_list(STATUSES)})),
    listed SMALLINT NOT NULL CHECK (listed IN (0, 1)),
    supervising_unit VARCHAR(200),
    listed_deadline DATE,
    void_reason TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (adcode, year, category_code, seq),
    FOREIGN KEY (adcode, year, category_code)
        REFERENCES hazard_counter (adcode, year, category_code),
    CHECK (listed = 0 OR (grade = 'major' AND supervising_unit IS NOT NULL
                          AND listed_deadline IS NOT NULL)),
    CHECK ((status = 'voided' AND void_reason IS NOT NULL)
           OR (status <> 'voided' AND void_reason IS NULL)),
    CHECK ((layer_binding IS NULL AND feature_id IS NULL)
           OR (layer_binding IS NOT NULL AND feature_id IS NOT NULL))
);
CREATE INDEX hazard_status_idx ON hazard (status);
CREATE INDEX hazard_adcode_idx ON hazard (adcode);
CREATE TABLE hazard_history (
    number VARCHAR(40) NOT NULL REFERENCES hazard (number),
    step INTEGER NOT NULL CHECK (step > 0),
    changed_at TIMESTAMP NOT NULL,
    actor VARCHAR(100) NOT NULL,
    action VARCHAR(20) NOT NULL CHECK (action IN ({_in_list(ACTIONS)})),
    from_status VARCHAR(20),
    to_status VARCHAR(20) NOT NULL,
    note TEXT NOT NULL,
    PRIMARY KEY (number, step)
)
""",
)


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


def _split_script(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


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
