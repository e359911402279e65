"""Lossless backup and restore of a register (:class:`BackupMixin` of
:class:`~riskmap.register.HazardRegister`).

A backup is one zip file a bureau can keep: a JSON Lines member per table (every record,
every history row with its place in the hash chain, every number counter; one JSON
object a line, the table's columns as keys, values exactly as stored) and
``manifest.json`` (format and version, the schema version, the chain head, and for each
member its columns, row count and SHA-256). A restore checks all of it — format, version,
checksums, counts, values, references (every history row's hazard exists, every series
has a counter at or above its highest number) — and writes into an empty register only,
in one transaction; the register's own :meth:`~riskmap.register.HazardRegister.verify`
must then pass, or nothing is kept.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import math
import os
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from riskmap.errors import RegisterError
from riskmap.register.chain import verify as verify_chain
from riskmap.register.database import DB_ERRORS, Conn, _short

if TYPE_CHECKING:
    from riskmap.register.store import HazardRegister

FORMAT = "riskmap-hazard-register-backup"
"""The ``format`` of a backup's manifest."""

FORMAT_VERSION = 1
"""The version of the backup format this riskmap writes and reads."""

MANIFEST = "manifest.json"

_TABLES: tuple[tuple[str, str], ...] = (
    ("hazard_counter", "adcode, year, category_code"),
    ("hazard", "number"),
    ("hazard_history", "chain_pos, number, step"),
    ("hazard_attachment", "number, seq"),
)
"""The tables a backup holds, in the order a restore inserts them (foreign keys), each
with its order of rows."""

_OPTIONAL = {"hazard_attachment"}
"""Tables a backup of an older register lacks (read as empty)."""

_BINARY = {"hazard_attachment": ("content",)}
"""Columns of bytes, kept in the JSON Lines as base64 text (the manifest names them)."""

_REFUSED: tuple[type[BaseException], ...] = (*DB_ERRORS, OverflowError)
"""What a row the database refuses raises."""

_MIN_SCHEMA = 2
"""The oldest schema version whose backups restore (version 2 brought the hash chain)."""

_MAX_MEMBER_BYTES = 1 << 30
"""A member larger than this (1 GiB unpacked) is refused: not a backup of a city's register."""

_MAX_LISTED = 20
"""Problems named in one message; the rest are counted."""


@dataclass(frozen=True)
class BackupSummary:
    """What a backup holds, or what a restore wrote.

    Attributes
    ----------
    path : the backup file.
    records : hazard records.
    history_rows : history rows.
    counters : number counters (one per series: adcode, year, category).
    chain_head : ``POS:HASH`` of the history's hash chain head (a receipt).
    """

    path: Path
    records: int
    history_rows: int
    counters: int
    chain_head: str


@dataclass(frozen=True)
class _Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


def _member(table: str) -> str:
    return f"{table}.jsonl"


def _table_columns(conn: Conn, table: str) -> tuple[str, ...]:
    return conn.columns(table)


def _say_all(what: str, problems: Sequence[str]) -> str:
    shown = "; ".join(problems[:_MAX_LISTED])
    more = len(problems) - _MAX_LISTED
    return f"{what}: {shown}" + (f"; and {more} more problem(s)" if more > 0 else "")


# ---- writing ---------------------------------------------------------------------------


def _encode(table: str, data: _Table) -> bytes:
    lines = []
    binary = _BINARY.get(table, ())
    for i, stored in enumerate(data.rows, start=1):
        row = tuple(
            base64.b64encode(bytes(v)).decode() if c in binary and v is not None else v
            for c, v in zip(data.columns, stored, strict=True)
        )
        for column, value in zip(data.columns, row, strict=True):
            if not (value is None or isinstance(value, int | float | str)):
                raise RegisterError(
                    f"{table} row {i}: column {column} holds a {type(value).__name__} value, "
                    "which a register never stores: run 'python -m riskmap hazards verify'"
                )
        record = dict(zip(data.columns, row, strict=True))
        lines.append(json.dumps(record, ensure_ascii=False, separators=(",", ":"), allow_nan=False))
    return "".join(f"{line}\n" for line in lines).encode()


def _write_zip(path: Path, manifest: Mapping[str, Any], members: Mapping[str, bytes]) -> None:
    """Write the zip next to ``path``, then move it into place (the old file stays whole
    until the new one is complete)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            text = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
            zf.writestr(MANIFEST, text.encode())
            for name, data in members.items():
                zf.writestr(name, data)
        with tmp.open("rb") as f:
            os.fsync(f.fileno())
        tmp.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


# ---- reading and checking ---------------------------------------------------------------


def _strict_json(text: str) -> Any:
    def refuse(name: str) -> Any:
        raise ValueError(f"{name} is not a value a register stores")

    return json.loads(text, parse_constant=refuse)


def _read_member(zf: zipfile.ZipFile, name: str) -> bytes:
    info = zf.getinfo(name)
    if info.file_size > _MAX_MEMBER_BYTES:
        raise ValueError(f"{info.file_size:,} bytes, more than a register's backup holds")
    with zf.open(info) as f:
        data = f.read(_MAX_MEMBER_BYTES + 1)
    if len(data) > _MAX_MEMBER_BYTES:
        raise ValueError("larger than a register's backup holds")
    return data


def _check_manifest(manifest: Any, problems: list[str]) -> dict[str, dict[str, Any]]:
    """The manifest's table entries, or {} with the problems said."""
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        problems.append(f"{MANIFEST} is not the manifest of a riskmap register backup")
        return {}
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        newer = isinstance(version, int) and version > FORMAT_VERSION
        problems.append(
            f"backup format version {version!r}: this riskmap reads version {FORMAT_VERSION}"
            + ("; upgrade riskmap to restore it" if newer else "")
        )
        return {}
    tables = manifest.get("tables")
    if not isinstance(tables, dict):
        problems.append(f"{MANIFEST} lists no tables")
        return {}
    entries: dict[str, dict[str, Any]] = {}
    for table, _ in _TABLES:
        entry = tables.get(table)
        if entry is None and table in _OPTIONAL:
            continue
        if not isinstance(entry, dict):
            problems.append(f"{MANIFEST} does not list table {table}")
            continue
        columns, rows, sha = entry.get("columns"), entry.get("rows"), entry.get("sha256")
        if (
            entry.get("member") != _member(table)
            or not isinstance(columns, list)
            or not all(isinstance(c, str) for c in columns)
            or len(set(columns)) != len(columns)
            or not isinstance(rows, int)
            or isinstance(rows, bool)
            or not isinstance(sha, str)
        ):
            problems.append(
                f"{MANIFEST}: the entry of table {table} is damaged (member, columns, rows, sha256)"
            )
            continue
        entries[table] = entry
    unknown = sorted(set(tables) - {t for t, _ in _TABLES})
    if unknown:
        problems.append(f"{MANIFEST} lists table(s) this riskmap does not know: {unknown}")
    return entries


def _sql_value(value: Any) -> bool:
    """Whether a JSON value is one a register stores: null, a whole number (not a JSON
    true/false) of 64 bits, a finite float, text."""
    if value is None or isinstance(value, str):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63


def _parse_rows(table: str, entry: Mapping[str, Any], data: bytes, problems: list[str]) -> _Table:
    member = _member(table)
    columns = tuple(entry["columns"])
    want = set(columns)
    rows: list[tuple[Any, ...]] = []
    try:
        text = data.decode()
    except UnicodeDecodeError:
        problems.append(f"{member} is not UTF-8 text")
        return _Table(columns, ())
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for i, line in enumerate(lines, start=1):
        try:
            value = _strict_json(line)
        except ValueError as exc:
            problems.append(f"{member} line {i} is not a JSON object ({exc})")
            continue
        if not isinstance(value, dict) or set(value) != want:
            problems.append(f"{member} line {i} does not have the columns of table {table}")
            continue
        bad = [c for c, v in value.items() if not _sql_value(v)]
        if bad:
            problems.append(
                f"{member} line {i}: column(s) {', '.join(bad)} hold a value no register "
                "stores (true/false, a list, an object, a number out of range)"
            )
            continue
        binary = [c for c in _BINARY.get(table, ()) if c in want]
        try:
            for c in binary:
                value[c] = base64.b64decode(value[c], validate=True)
        except (TypeError, ValueError):
            problems.append(f"{member} line {i}: column(s) {', '.join(binary)} are not base64")
            continue
        rows.append(tuple(value[c] for c in columns))
    if len(rows) == len(lines) and len(lines) != entry["rows"]:
        problems.append(
            f"{member} has {len(lines)} row(s) but the manifest says {entry['rows']}: rows "
            "were added or removed"
        )
    return _Table(columns, tuple(rows))


def _read_backup(path: str | Path) -> tuple[dict[str, Any], dict[str, _Table]]:
    """Read a backup and check its format, version, members, checksums and row counts.

    Returns
    -------
    tuple
        The manifest and each table's columns and rows.

    Raises
    ------
    RegisterError
        Not a backup, or damaged; the message names every problem found.
    """
    path = Path(path)
    if not path.is_file():
        raise RegisterError(f"{path}: no such backup file")
    name = path.name
    problems: list[str] = []
    tables: dict[str, _Table] = {}
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise RegisterError(
            f"{name}: not a register backup made by 'hazards backup' (not a zip file: {exc}); "
            "a copy of a register's .sqlite file is opened with --db instead"
        ) from None
    with zf:
        names = zf.namelist()
        expected = {MANIFEST, *(_member(t) for t, _ in _TABLES)}
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            problems.append(f"member(s) {', '.join(twice)} are in the file twice")
        extra = sorted(set(names) - expected)
        if extra:
            problems.append(f"member(s) {', '.join(extra)} do not belong in a backup")
        if MANIFEST not in names:
            raise RegisterError(
                _say_all(f"{name}: not a register backup", [f"it has no {MANIFEST}", *problems])
            )
        try:
            manifest = _strict_json(_read_member(zf, MANIFEST).decode())
        except (ValueError, zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise RegisterError(f"{name}: {MANIFEST} cannot be read ({exc})") from None
        except (NotImplementedError, RuntimeError) as exc:  # encrypted, odd compression
            raise RegisterError(f"{name}: {MANIFEST} cannot be read ({exc})") from None
        entries = _check_manifest(manifest, problems)
        for table in _OPTIONAL - set(entries):
            if _member(table) in names and table not in entries:
                problems.append(f"member {_member(table)} is not in {MANIFEST}")
        for table, entry in entries.items():
            member = _member(table)
            if member not in names:
                problems.append(f"member {member} is missing")
                continue
            try:
                data = _read_member(zf, member)
            except (ValueError, zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
                problems.append(f"member {member} is damaged and cannot be read ({exc})")
                continue
            except (NotImplementedError, RuntimeError) as exc:  # encrypted, odd compression
                problems.append(f"member {member} cannot be read ({exc})")
                continue
            if hashlib.sha256(data).hexdigest() != entry["sha256"]:
                problems.append(
                    f"member {member} does not match its SHA-256 in the manifest: it was "
                    "changed or damaged"
                )
                continue
            tables[table] = _parse_rows(table, entry, data, problems)
    if problems:
        raise RegisterError(_say_all(f"{name}: the backup is refused", problems))
    for table in _OPTIONAL - set(tables):
        tables[table] = _Table((), ())
    return cast("dict[str, Any]", manifest), tables


def _integrity_problems(tables: Mapping[str, _Table]) -> list[str]:
    """References within a backup: numbers, series and counters, history rows' hazards."""
    problems: list[str] = []

    def rows_of(table: str) -> list[dict[str, Any]]:
        data = tables[table]
        return [dict(zip(data.columns, r, strict=True)) for r in data.rows]

    try:
        counters = rows_of("hazard_counter")
        hazards = rows_of("hazard")
        history = rows_of("hazard_history")
        counter_of: dict[tuple[Any, Any, Any], Any] = {}
        for i, c in enumerate(counters, start=1):
            key = (c["adcode"], c["year"], c["category_code"])
            if key in counter_of:
                problems.append(f"hazard_counter.jsonl line {i}: series {key} is there twice")
            counter_of[key] = c["last_seq"]
        top: dict[tuple[Any, Any, Any], tuple[int, str]] = {}
        numbers: set[str] = set()
        for i, h in enumerate(hazards, start=1):
            number, key = str(h["number"]), (h["adcode"], h["year"], h["category_code"])
            where = f"hazard.jsonl line {i}"
            if number in numbers:
                problems.append(f"{where}: {number} is there twice")
            numbers.add(number)
            if not (isinstance(h["year"], int) and isinstance(h["seq"], int)):
                problems.append(f"{where}: {number} has no whole year and sequence")
                continue
            issued = f"{h['adcode']}-{h['year']:04d}-{h['category_code']}-{h['seq']:05d}"
            if number != issued:
                problems.append(f"{where}: {number} is not the number of its series ({issued})")
            if key not in counter_of:
                problems.append(f"{where}: {number} has no number counter for its series")
            if key not in top or h["seq"] > top[key][0]:
                top[key] = (h["seq"], number)
        for key, (seq, number) in top.items():
            last = counter_of.get(key)
            if isinstance(last, int) and last < seq:
                problems.append(
                    f"hazard_counter.jsonl: counter {'-'.join(str(k) for k in key)} is at "
                    f"{last}, below {number}, the highest number issued: the register would "
                    "issue numbers again"
                )
        seen: set[tuple[Any, Any]] = set()
        with_history: set[str] = set()
        for i, r in enumerate(history, start=1):
            where = f"hazard_history.jsonl line {i}"
            if str(r["number"]) not in numbers:
                problems.append(
                    f"{where}: history row {r['number']} step {r['step']} belongs to no hazard "
                    "of the backup"
                )
            if (r["number"], r["step"]) in seen:
                problems.append(f"{where}: {r['number']} step {r['step']} is there twice")
            seen.add((r["number"], r["step"]))
            with_history.add(str(r["number"]))
        for number in sorted(numbers - with_history):
            problems.append(f"hazard.jsonl: {number} has no history row")
    except KeyError as exc:
        problems.append(f"a table lacks column {exc}")
    return problems


# ---- the register's methods --------------------------------------------------------------


class BackupMixin:
    """:meth:`backup` and :meth:`restore` of :class:`~riskmap.register.HazardRegister`."""

    def backup(self, path: str | Path) -> BackupSummary:
        """Write every record, history row and number counter to one backup file.

        The tables are read in one transaction (a consistent copy while others write)
        after the register passes :meth:`verify`: a backup never holds a register that
        would not restore. The file is written whole or not at all (an older file of
        that name stays until the new one is complete).

        Parameters
        ----------
        path
            The backup file to write (a zip; ``.zip`` is a good suffix).

        Returns
        -------
        BackupSummary
            What the backup holds.

        Raises
        ------
        RegisterError
            The register fails its check (the message names the problems), or ``path``
            is the register itself.
        """
        reg = cast("HazardRegister", self)
        path = Path(path).expanduser()
        if reg.path is not None and path.resolve() == reg.path:
            raise RegisterError(f"{path.name} is the register itself: write the backup elsewhere")
        with reg._read() as conn:  # one snapshot: the chain checked is the chain written
            check = verify_chain(conn)
            tables = {}
            for table, order in _TABLES:
                columns = _table_columns(conn, table)
                rows = conn.execute(
                    f"SELECT {', '.join(columns)} FROM {table} ORDER BY {order}"
                ).fetchall()
                tables[table] = _Table(columns, tuple(tuple(r) for r in rows))
        if not check.ok:
            raise RegisterError(
                _say_all(
                    f"{reg.name}: no backup written, the register fails its check "
                    "('hazards verify')",
                    check.problems,
                )
            )
        members = {_member(t): _encode(t, data) for t, data in tables.items()}
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "schema_version": reg.schema_version(),
            "created_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
            "source": reg.name,
            "chain_head": check.receipt(),
            "tables": {
                t: {
                    "member": _member(t),
                    "columns": list(data.columns),
                    "rows": len(data.rows),
                    "sha256": hashlib.sha256(members[_member(t)]).hexdigest(),
                }
                for t, data in tables.items()
            },
            "binary": {t: list(c) for t, c in _BINARY.items()},
        }
        _write_zip(path, manifest, members)
        return BackupSummary(
            path,
            len(tables["hazard"].rows),
            len(tables["hazard_history"].rows),
            len(tables["hazard_counter"].rows),
            check.receipt(),
        )

    def restore(self, path: str | Path, *, head: str | None = None) -> BackupSummary:
        """Restore a backup made by :meth:`backup` into this register, which must be empty.

        Everything is checked before anything is kept: the format and its version, each
        member's SHA-256 and row count, the values, the references (every history row's
        hazard is in the backup, every series has a counter no lower than its highest
        number), the schema's constraints, and finally :meth:`verify` on the restored
        register (hash chain, records against their history, counters) and the chain
        head the manifest names. All in one transaction: on any problem nothing is
        written.

        Parameters
        ----------
        path
            The backup file.
        head
            A receipt ``POS:HASH`` kept apart from the backup (``hazards verify
            --receipt``): the restored chain must hold it, which detects a backup
            rewritten with every hash and checksum recomputed.

        Returns
        -------
        BackupSummary
            What was restored.

        Raises
        ------
        RegisterError
            The register is not empty (the message says how many records it holds), or
            the backup is refused (every problem named).
        """
        reg = cast("HazardRegister", self)
        path = Path(path).expanduser()
        manifest, tables = _read_backup(path)
        name = path.name
        problems = _integrity_problems(tables)
        if problems:
            raise RegisterError(_say_all(f"{name}: the backup is refused", problems))
        version = manifest.get("schema_version")
        with reg._write() as conn:
            held = {
                table: int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
                for table, _ in _TABLES
            }
            if any(held.values()):
                raise RegisterError(
                    f"{reg.name}: the register holds {held['hazard']:,} record(s) "
                    f"({held['hazard_history']:,} history row(s), {held['hazard_counter']:,} "
                    "number counter(s)): a backup is restored only into an empty register; "
                    "restore into a new file (--db NEW.sqlite) or an empty database"
                )
            current = reg.schema_version()
            if not (isinstance(version, int) and _MIN_SCHEMA <= version <= current):
                raise RegisterError(
                    f"{name}: made with register schema version {version!r}; this riskmap "
                    f"restores versions {_MIN_SCHEMA} to {current}"
                    + (
                        ": upgrade riskmap"
                        if isinstance(version, int) and version > current
                        else ""
                    )
                )
            for table, _ in _TABLES:
                if tables[table].columns:
                    self._insert_rows(conn, name, table, tables[table])
            check = verify_chain(conn, head=head)
            if not check.ok:
                raise RegisterError(
                    _say_all(f"{name}: the restored register fails its check", check.problems)
                )
            if check.receipt() != manifest.get("chain_head"):
                raise RegisterError(
                    f"{name}: the history's chain head is {check.receipt()}, not "
                    f"{manifest.get('chain_head')!r} as the manifest says: history rows were "
                    "removed or changed"
                )
        return BackupSummary(
            path,
            len(tables["hazard"].rows),
            len(tables["hazard_history"].rows),
            len(tables["hazard_counter"].rows),
            check.receipt(),
        )

    @staticmethod
    def _insert_rows(conn: Conn, name: str, table: str, data: _Table) -> None:
        have = _table_columns(conn, table)
        if set(have) != set(data.columns):
            raise RegisterError(
                f"{name}: table {table} has columns {list(data.columns)}, the "
                f"register {list(have)}: made by another version of riskmap"
            )
        at = [data.columns.index(c) for c in have]
        sql = f"INSERT INTO {table} ({', '.join(have)}) VALUES ({', '.join('?' for _ in have)})"
        for i, row in enumerate(data.rows, start=1):
            try:
                conn.execute(sql, tuple(row[j] for j in at))
            except _REFUSED as exc:
                raise RegisterError(
                    f"{name}: {_member(table)} line {i} is refused by the register ({_short(exc)})"
                ) from None
