"""What differs between the register's two backends, and only that: the column types of
dates and times (ISO 8601 text on both, so that the history's hash chain covers the same
characters whatever the server) and the guards — triggers that keep the history
append-only, records undeletable, numbers fixed and counters moving forward by one —
written once for SQLite and once for PostgreSQL under the same names. Connections,
transactions and migrations are SQLAlchemy's and Alembic's
(:mod:`riskmap.register.database`).
"""

from __future__ import annotations

import re

_REFUSE = {
    "hazard_history_no_update": ("UPDATE", "hazard_history", "hazard_history is append-only"),
    "hazard_history_no_delete": ("DELETE", "hazard_history", "hazard_history is append-only"),
    "hazard_no_delete": ("DELETE", "hazard", "hidden hazards are never deleted: void them"),
    "hazard_number_fixed": (
        "UPDATE OF number, adcode, year, category_code, seq",
        "hazard",
        "a unified number never changes",
    ),
    "hazard_counter_forward": (
        "UPDATE",
        "hazard_counter",
        "number counters only move forward by one",
    ),
    "hazard_counter_no_delete": ("DELETE", "hazard_counter", "number counters are never deleted"),
    "hazard_attachment_no_update": (
        "UPDATE",
        "hazard_attachment",
        "attachments are never changed: add another",
    ),
    "hazard_attachment_no_delete": (
        "DELETE",
        "hazard_attachment",
        "attachments are never deleted",
    ),
}
"""Guard name -> (event, table, message)."""

GUARDS_1 = (
    "hazard_history_no_update",
    "hazard_history_no_delete",
    "hazard_no_delete",
    "hazard_number_fixed",
    "hazard_counter_forward",
    "hazard_counter_no_delete",
    "hazard_history_no_truncate",
    "hazard_no_truncate",
    "hazard_counter_no_truncate",
)
"""Guards made by migration 1 (the ``_no_truncate`` ones on PostgreSQL only)."""

GUARDS_3 = (
    "hazard_attachment_no_update",
    "hazard_attachment_no_delete",
    "hazard_attachment_no_truncate",
)
"""Guards made by migration 3."""

_WHEN = {"hazard_counter_forward": "NEW.last_seq <> OLD.last_seq + 1"}
"""Guards that refuse only some rows."""

_PG_TRUNCATE = {
    "hazard_history_no_truncate": ("hazard_history", "hazard_history is append-only"),
    "hazard_no_truncate": ("hazard", "hidden hazards are never deleted: void them"),
    "hazard_counter_no_truncate": ("hazard_counter", "number counters are never deleted"),
    "hazard_attachment_no_truncate": ("hazard_attachment", "attachments are never deleted"),
}
"""PostgreSQL only: TRUNCATE skips row triggers, so it is refused by statement triggers."""

_PG_FUNCTION = (
    "CREATE OR REPLACE FUNCTION riskmap_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION '%', TG_ARGV[0]; END $$"
)


def guard_statements(dialect: str, names: tuple[str, ...] | None = None) -> list[str]:
    """The statements that create the guards (all, or those named) on ``dialect``
    (the ``_no_truncate`` guards exist on PostgreSQL only)."""
    chosen = [n for n in _REFUSE if names is None or n in names]
    if dialect == "postgresql":
        out = [_PG_FUNCTION]
        for name in chosen:
            ev, table, message = _REFUSE[name]
            when = f" WHEN ({_WHEN[name]})" if name in _WHEN else ""
            out.append(
                f"CREATE TRIGGER {name} BEFORE {ev} ON {table} FOR EACH ROW{when} "
                f"EXECUTE FUNCTION riskmap_refuse('{message}')"
            )
        for name, (table, message) in _PG_TRUNCATE.items():
            if names is None or name in names:
                out.append(
                    f"CREATE TRIGGER {name} BEFORE TRUNCATE ON {table} FOR EACH STATEMENT "
                    f"EXECUTE FUNCTION riskmap_refuse('{message}')"
                )
        return out
    out = []
    for name in chosen:
        ev, table, message = _REFUSE[name]
        when = f" WHEN {_WHEN[name]}" if name in _WHEN else ""
        out.append(
            f"CREATE TRIGGER {name} BEFORE {ev} ON {table}{when} "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
        )
    return out


def guard_names(dialect: str) -> set[str]:
    """The names of every guard trigger on ``dialect``."""
    names = set(_REFUSE)
    if dialect == "postgresql":
        names |= set(_PG_TRUNCATE)
    return names


def drop_guard(dialect: str, name: str) -> str:
    """The statement that removes one guard (used by migrations that rebuild a table)."""
    table = _REFUSE[name][1] if name in _REFUSE else _PG_TRUNCATE[name][0]
    if dialect == "postgresql":
        return f"DROP TRIGGER IF EXISTS {name} ON {table}"
    return f"DROP TRIGGER IF EXISTS {name}"


def ddl(sql: str, dialect: str) -> str:
    """Portable DDL for ``dialect``: on PostgreSQL dates and times are ISO text
    (``DATE`` -> ``VARCHAR(10)``, ``TIMESTAMP`` -> ``VARCHAR(32)``) and binary content is
    ``BYTEA``; SQLite keeps the declared types (it stores the text as given)."""
    if dialect != "postgresql":
        return sql
    sql = re.sub(r"\bTIMESTAMP\b", "VARCHAR(32)", sql)
    sql = re.sub(r"\bDATE\b", "VARCHAR(10)", sql)
    sql = sql.replace(
        "id INTEGER PRIMARY KEY", "id INTEGER GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
    )
    return re.sub(r"\bBLOB\b", "BYTEA", sql)


def split_script(script: str) -> list[str]:
    """The statements of a script (``;``-separated; no ``;`` inside them)."""
    return [s.strip() for s in script.split(";") if s.strip()]
