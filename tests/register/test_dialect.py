"""The backends: SQLite in WAL mode with foreign keys and a busy timeout; on both SQLite
and PostgreSQL, the guards that keep the history append-only and numbers fixed behind the
API's back; a file that is not a register is a clear error."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from postgres_support import raw_sql

from riskmap.errors import RegisterError
from riskmap.register import HazardRegister


def test_sqlite_connection_is_wal_with_foreign_keys_and_busy_timeout(tmp_path: Path) -> None:
    with HazardRegister(tmp_path / "s.sqlite") as reg, reg.db.read() as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 30000
    with HazardRegister(tmp_path / "t.sqlite", timeout=2.5) as reg, reg.db.read() as conn:
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 2500


def test_a_file_that_is_not_a_register_is_a_clear_error(tmp_path: Path) -> None:
    garbage = tmp_path / "notes.sqlite"
    garbage.write_bytes(b"this is not a database, just some text" * 100)
    with pytest.raises(RegisterError, match="not a hidden-hazard register"):
        HazardRegister(garbage)


def test_a_server_that_cannot_be_reached_is_a_clear_error() -> None:
    with pytest.raises(RegisterError, match=r"postgresql://clerk@127\.0\.0\.1:9/city") as info:
        HazardRegister("postgresql://clerk:secret@127.0.0.1:9/city", timeout=2)
    assert "secret" not in str(info.value)  # the password is never shown


def test_history_and_records_cannot_be_changed_or_deleted_behind_the_api(
    reg: HazardRegister, hazard: Callable[..., dict[str, Any]]
) -> None:
    n = reg.add(**hazard())
    attacks = [
        "UPDATE hazard_history SET actor = 'someone else'",
        "DELETE FROM hazard_history",
        "DELETE FROM hazard",
        "UPDATE hazard SET number = 'X'",
        "UPDATE hazard_counter SET last_seq = 1",
        "DELETE FROM hazard_counter",
    ]
    if reg.dialect == "postgresql":  # TRUNCATE skips row triggers: refused by its own
        attacks += ["TRUNCATE hazard_history", "TRUNCATE hazard CASCADE"]
    for sql in attacks:
        with pytest.raises(Exception, match=r"append-only|never|only move forward") as info:
            raw_sql(reg.location(), sql)
        assert type(info.value).__module__.split(".")[0] in ("sqlite3", "psycopg"), sql
    assert reg.history(n)["actor"].tolist() == ["张三"]
    assert reg.verify().ok


def test_closed_registers_give_their_server_connections_back(
    postgres: Any, hazard: Callable[..., dict[str, Any]]
) -> None:
    """A process that opens and closes many registers (the app, a script) does not hold
    their connections: the server's limit is never reached."""
    import psycopg

    def held() -> int:
        with psycopg.connect(postgres.url()) as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname LIKE 't\\_%'"
            ).fetchone()
            return int(row[0]) if row else 0

    before = held()
    for _ in range(30):
        with HazardRegister(postgres.new_database()) as reg:
            reg.add(**hazard())
    assert held() <= before + 1


def test_someone_elses_database_is_left_alone(new_db: Callable[..., str]) -> None:
    """A database holding other tables is refused, not given the register's tables (and
    an SQLite file is not switched to WAL)."""
    location = new_db("other")
    if location.endswith(".sqlite"):
        Path(location).parent.mkdir(parents=True, exist_ok=True)
    raw_sql(location, "CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount DOUBLE PRECISION)")
    with pytest.raises(RegisterError, match=r"not a hidden-hazard register.*invoices"):
        HazardRegister(location)
    if location.endswith(".sqlite"):
        import sqlite3

        conn = sqlite3.connect(location)
        try:
            tables = {
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
        finally:
            conn.close()
        assert tables == {"invoices"}
        conn = sqlite3.connect(location)
        try:
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal"
        finally:
            conn.close()
