"""The register's database: one SQLite file on one machine, or a PostgreSQL server shared
by a bureau's district users and app servers, through SQLAlchemy 2 Core (psycopg 3 for
PostgreSQL) with the schema kept by Alembic (:mod:`riskmap.register.migrations`).

:class:`Database` opens a location — a file path (SQLite) or a ``postgresql://`` URL —
migrates it to the current schema and hands out connections: :meth:`Database.read` for
a consistent read, :meth:`Database.write` for a write transaction that holds the
register's write lock from its start (SQLite ``BEGIN IMMEDIATE``; on PostgreSQL a
transaction-scoped advisory lock), so numbers are issued and the history's hash chain is
extended by one writer at a time on both backends. The SQL of the register, its users
and the readings store is portable and written with ``?`` placeholders
(:meth:`Conn.execute`).
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from riskmap.errors import RegisterError

HEAD_REVISION = "0003"
"""The Alembic revision of the current schema (checked against the scripts by a test)."""

REVISIONS: dict[str, int] = {"0001": 1, "0002": 2, "0003": 3}
"""Alembic revision -> schema version (the number of migrations applied)."""

_LOCK_KEY = 7_340_031_812_977
"""The PostgreSQL advisory lock taken by every write transaction of a register."""

_MIGRATIONS = Path(__file__).with_name("migrations")

DB_ERRORS: tuple[type[BaseException], ...] = (sa.exc.SQLAlchemyError,)
"""What a database call may raise (driver errors come wrapped by SQLAlchemy)."""


def is_url(location: str | os.PathLike[str]) -> bool:
    """Whether ``location`` is a database URL rather than a file path."""
    return bool(re.match(r"^[a-z][a-z0-9+]*://", str(location)))


def _pg_url(url: str) -> str:
    """A PostgreSQL URL with the psycopg 3 driver (``postgresql://`` -> ``+psycopg``)."""
    scheme, rest = url.split("://", 1)
    if scheme in ("postgresql", "postgres", "postgresql+psycopg"):
        return f"postgresql+psycopg://{rest}"
    raise RegisterError(
        f"'{scheme}://' is not a register database: give a .sqlite file or a "
        "postgresql://user@host/database URL"
    )


def register_exists(location: str | os.PathLike[str]) -> bool:
    """Whether a register is there: a file that exists, or any database URL (a server is
    only asked when the register is opened)."""
    return is_url(location) or Path(location).expanduser().is_file()


def safe_name(location: str | os.PathLike[str]) -> str:
    """How to name the database in messages: the file name, or the URL without its
    password (``postgresql://user@host:5432/db``)."""
    if not is_url(location):
        return Path(location).name
    parts = urlsplit(str(location))
    user = f"{parts.username}@" if parts.username else ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme.split('+')[0]}://{user}{parts.hostname or ''}{port}{parts.path}"


_ENGINES: dict[tuple[str, int, float], Engine] = {}
_USERS: dict[tuple[str, int, float], int] = {}
"""Open :class:`Database` objects per engine: the last one closed disposes of the pool."""
_ENGINES_LOCK = threading.Lock()


def _sqlite_engine(path: Path, timeout: float) -> Engine:
    engine = sa.create_engine(
        f"sqlite:///{path}",
        connect_args={"timeout": timeout, "check_same_thread": False},
        pool_pre_ping=False,
    )
    name = path.name

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Autocommit at the driver: the transactions are ours (the begin hook below).
        dbapi_conn.isolation_level = None
        dbapi_conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        deadline = time.monotonic() + timeout
        while True:  # switching a new file to WAL needs a moment alone with it
            try:
                _refuse_foreign(name, _sqlite_tables(dbapi_conn))  # before changing the file
                mode = dbapi_conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                break
            except RegisterError:
                raise
            except Exception as exc:  # sqlite3.OperationalError / DatabaseError
                if "locked" in str(exc) and time.monotonic() < deadline:
                    time.sleep(0.05)
                    continue
                if "locked" in str(exc):
                    raise RegisterError(f"{name}: cannot open the register: {exc}") from None
                if "readonly" in str(exc) or "read-only" in str(exc):
                    raise RegisterError(
                        f"{name}: the register cannot be written (a read-only file or folder): "
                        "give write access, or open a copy"
                    ) from None
                raise RegisterError(
                    f"{name}: not a hidden-hazard register ({exc}); give the register's "
                    ".sqlite file, or a new file name to start one"
                ) from None
        if str(mode).lower() != "wal":
            raise RegisterError(f"{name}: the register needs WAL mode, got '{mode}'")
        dbapi_conn.execute("PRAGMA foreign_keys = ON")
        dbapi_conn.execute("PRAGMA synchronous = FULL")

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get("riskmap_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def _engine_key(location: str | os.PathLike[str], timeout: float) -> tuple[str, int, float]:
    key_url = (
        _pg_url(str(location)) if is_url(location) else str(Path(location).expanduser().resolve())
    )
    return (key_url, os.getpid(), float(timeout))


def _release(key: tuple[str, int, float]) -> None:
    """One user of an engine fewer; the last one disposes of its pool (closes its
    connections)."""
    with _ENGINES_LOCK:
        left = _USERS.get(key, 0) - 1
        if left > 0:
            _USERS[key] = left
            return
        _USERS.pop(key, None)
        engine = _ENGINES.pop(key, None)
    if engine is not None:
        engine.dispose()


def _engine(location: str | os.PathLike[str], timeout: float) -> Engine:
    """One engine (and connection pool) per database, process and timeout; counted, so
    that closing the last :class:`Database` on it closes its connections."""
    key = _engine_key(location, timeout)
    key_url = key[0]
    with _ENGINES_LOCK:
        engine = _ENGINES.get(key)
        if engine is None:
            if is_url(location):
                engine = sa.create_engine(
                    key_url,
                    pool_pre_ping=True,
                    connect_args={"connect_timeout": max(1, int(timeout))},
                )
            else:
                engine = _sqlite_engine(Path(key_url), timeout)
            _ENGINES[key] = engine
        _USERS[key] = _USERS.get(key, 0) + 1
        return engine


def _to_driver(sql: str) -> str:
    """``?`` placeholders -> psycopg's ``%s`` (``%`` doubled), outside quoted text."""
    out: list[str] = []
    quote: str | None = None
    for ch in sql:
        if quote:
            out.append("%%" if ch == "%" else ch)
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
            out.append(ch)
        elif ch == "?":
            out.append("%s")
        elif ch == "%":
            out.append("%%")
        else:
            out.append(ch)
    return "".join(out)


@dataclass
class Conn:
    """A connection inside a transaction: :meth:`execute` runs portable SQL written with
    ``?`` placeholders on either backend."""

    raw: Connection
    dialect: str

    def execute(self, sql: str, params: Sequence[object] = ()) -> Any:
        """Run one statement with positional parameters; returns SQLAlchemy's result
        (``fetchone``, ``fetchall``, ``rowcount``, iteration over tuples)."""
        if self.dialect == "postgresql":
            return self.raw.exec_driver_sql(_to_driver(sql), tuple(params))
        return self.raw.exec_driver_sql(sql, tuple(params))

    def columns(self, table: str) -> tuple[str, ...]:
        """The table's column names, in order (empty when it does not exist)."""
        try:
            return tuple(c["name"] for c in sa.inspect(self.raw).get_columns(table))
        except sa.exc.NoSuchTableError:
            return ()

    def triggers(self) -> set[str]:
        """Names of the enabled triggers of the database."""
        if self.dialect == "postgresql":
            rows = self.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'D'"
            )
        else:
            rows = self.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        return {str(r[0]) for r in rows}


class Database:
    """A register database (see the module's text).

    Parameters
    ----------
    location
        A file path (SQLite; created with its folder when missing) or a
        ``postgresql://user:password@host:port/database`` URL (the database must exist).
    timeout
        Seconds to wait for another writer (and to connect) before giving up.
    """

    def __init__(self, location: str | os.PathLike[str], *, timeout: float = 30.0) -> None:
        self._given = str(location)
        self.url: str | None = _pg_url(str(location)) if is_url(location) else None
        self.path: Path | None = None if self.url else Path(location).expanduser().resolve()
        self.name = safe_name(location)
        self.timeout = float(timeout)
        self._lock = threading.RLock()
        if self.path is not None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise RegisterError(
                    f"{self.path}: cannot create the register's folder: {exc}"
                ) from None
        self._key = _engine_key(self.url or str(self.path), self.timeout)
        self.engine = _engine(self.url or str(self.path), self.timeout)
        self._closed = False
        self.dialect = self.engine.dialect.name
        try:
            self._migrate()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Give the connection pool back: the last open Database on a database closes its
        connections (a server's connections are not held by registers no longer used)."""
        if not self._closed:
            self._closed = True
            _release(self._key)

    def __repr__(self) -> str:
        return f"Database({self.name!r})"

    def location(self) -> str:
        """What opened it: the file's path or the URL as given (with any password)."""
        return self._given if self.url else str(self.path)

    @contextlib.contextmanager
    def _connect(self, write: bool) -> Iterator[Conn]:
        if self._closed:  # its pool was disposed of: a new connection would be left open
            raise RegisterError(f"{self.name}: the register was closed; open it again")
        try:
            raw = self.engine.connect()
        except DB_ERRORS as exc:
            raise RegisterError(f"{self.name}: cannot open the register: {_short(exc)}") from None
        with raw:
            if write:
                raw = raw.execution_options(riskmap_write=True)
            try:
                tx = raw.begin()
            except DB_ERRORS as exc:
                raise RegisterError(
                    f"{self.name}: the register is busy ({_short(exc)}); try again"
                ) from None
            with tx:
                conn = Conn(raw, self.dialect)
                if write and self.dialect == "postgresql":
                    conn.execute("SELECT pg_advisory_xact_lock(?)", (_LOCK_KEY,))
                yield conn

    @contextlib.contextmanager
    def read(self) -> Iterator[Conn]:
        """A connection in a read transaction (one consistent snapshot)."""
        with self._connect(write=False) as conn:
            yield conn

    @contextlib.contextmanager
    def write(self) -> Iterator[Conn]:
        """A write transaction holding the register's write lock; committed at the end of
        the block, rolled back when it raises."""
        try:
            with self._connect(write=True) as conn:
                yield conn
        except sa.exc.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise RegisterError(
                    f"{self.name}: the register is busy ({_short(exc)}); try again"
                ) from None
            raise

    def revision(self) -> str | None:
        """The Alembic revision of the database (None before the first migration)."""
        with self.read() as conn:
            if "alembic_version" not in _tables(conn):
                return None
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            return None if row is None else str(row[0])

    def schema_version(self) -> int:
        """The number of migrations applied."""
        rev = self.revision()
        return 0 if rev is None else REVISIONS.get(rev, len(REVISIONS) + 1)

    def _migrate(self) -> None:
        """Bring the database to :data:`HEAD_REVISION` with Alembic (in one write
        transaction); a database of a newer riskmap is refused."""
        rev = self.revision()
        if rev == HEAD_REVISION:
            return
        if rev is not None and rev not in REVISIONS:
            raise RegisterError(
                f"{self.name}: schema revision {rev} is newer than this riskmap "
                f"({HEAD_REVISION}); upgrade riskmap"
            )
        from alembic import command
        from alembic.config import Config

        with self.write() as conn:
            tables = _tables(conn)
            _refuse_foreign(self.name, tables)
            if "alembic_version" not in tables and "schema_version" in tables:
                # A register of riskmap before Alembic: its own version table says where
                # it stands.
                legacy = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0]
                if legacy and int(legacy) > 2:
                    raise RegisterError(
                        f"{self.name}: schema version {legacy} is newer than this riskmap; "
                        "upgrade riskmap"
                    )
                start = {1: "0001", 2: "0002"}.get(int(legacy or 0))
            else:
                start = None
            cfg = Config()
            cfg.set_main_option("script_location", str(_MIGRATIONS))
            cfg.attributes["connection"] = conn.raw
            if start is not None:
                command.stamp(cfg, start)
            command.upgrade(cfg, "head")


_REGISTER_TABLES = {
    "alembic_version",
    "schema_version",
    "hazard",
    "hazard_history",
    "hazard_counter",
    "hazard_attachment",
    "users",
    "monitor_readings",
    "monitor_warnings",
}
"""Tables a register's database holds (a database with others is someone else's)."""


def _sqlite_tables(dbapi_conn: Any) -> set[str]:
    rows = dbapi_conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {str(r[0]) for r in rows}


def _refuse_foreign(name: str, tables: set[str]) -> None:
    """A database that holds tables of its own and none of a register's is someone
    else's: refused before anything is changed in it."""
    foreign = sorted(tables - _REGISTER_TABLES)
    if foreign and not tables & {"alembic_version", "schema_version"}:
        raise RegisterError(
            f"{name}: not a hidden-hazard register: it holds other tables "
            f"({', '.join(foreign[:5])}{' ...' if len(foreign) > 5 else ''}); give the "
            "register's database, or a new file name (an empty database) to start one"
        )


def _tables(conn: Conn) -> set[str]:
    return set(sa.inspect(conn.raw).get_table_names())


def _short(exc: BaseException) -> str:
    """A driver error's first line, without SQLAlchemy's background link."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc)
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__
