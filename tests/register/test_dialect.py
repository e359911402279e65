"""The SQLite dialect: WAL, foreign keys, busy timeout, and the guards that keep the
history append-only and numbers fixed behind the API's back."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from riskmap.errors import RegisterError
from riskmap.register import HazardRegister


def test_connection_is_wal_with_foreign_keys_and_busy_timeout(tmp_path: Path) -> None:
    with HazardRegister(tmp_path / "s.sqlite") as reg:
        conn = reg.conn
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 30000
    with HazardRegister(tmp_path / "t.sqlite", timeout=2.5) as reg:
        assert reg.conn.execute("PRAGMA busy_timeout").fetchone()[0] == 2500


def test_a_file_that_is_not_a_register_is_a_clear_error(tmp_path: Path) -> None:
    garbage = tmp_path / "notes.sqlite"
    garbage.write_bytes(b"this is not a database, just some text" * 100)
    with pytest.raises(RegisterError, match="not a hidden-hazard register"):
        HazardRegister(garbage)


def test_history_and_records_cannot_be_changed_or_deleted_behind_the_api(
    reg: HazardRegister, hazard: Callable[..., dict[str, Any]]
) -> None:
    n = reg.add(**hazard())
    conn = sqlite3.connect(reg.path)
    try:
        for sql in (
            "UPDATE hazard_history SET actor = 'someone else'",
            "DELETE FROM hazard_history",
            "DELETE FROM hazard",
            "UPDATE hazard SET number = 'X'",
            "UPDATE hazard_counter SET last_seq = 1",
            "DELETE FROM hazard_counter",
        ):
            with pytest.raises(sqlite3.DatabaseError):
                conn.execute(sql)
        conn.rollback()
    finally:
        conn.close()
    assert reg.history(n)["actor"].tolist() == ["张三"]
