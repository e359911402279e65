"""Tamper-evident history: a hash chain over every history row of a register.

Each history row keeps, at its position in the chain (``chain_pos``), a snapshot of its
hazard's record right after the change (canonical JSON), the hash of the row before it
(``prev_hash``) and its own hash, SHA-256 of the previous hash and the row's canonical
content (number, step, time, actor, action, statuses, note, snapshot). :func:`verify`
recomputes the chain and checks what the chain cannot see on its own: each record equals
the snapshot of its last history row (a status changed without a history row shows),
each number counter equals the highest number it issued (a bumped counter shows), every
guard trigger is there and the schema has its columns.

What it does not protect against: someone with write access to the file who rewrites the
whole chain consistently (every hash recomputed). The chain head (:func:`receipt`) kept
elsewhere — printed, mailed, filed — detects that: a rewritten chain no longer has that
hash at that position (``hazards verify --head POS:HASH``).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from riskmap.register.database import Conn
from riskmap.register.dialect import guard_names
from riskmap.register.schema import _RECORD_COLUMNS

GENESIS = "0" * 64
"""The previous hash of the first row of a chain."""

_ROW_FIELDS = (
    "number",
    "step",
    "changed_at",
    "actor",
    "action",
    "from_status",
    "to_status",
    "note",
)


def canonical(value: Any) -> str:
    """Canonical JSON: sorted keys, no spaces, UTF-8 text kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def row_hash(prev: str, row: dict[str, Any], snapshot: str | None) -> str:
    """The hash of one history row after ``prev``."""
    content = canonical({**{k: row.get(k) for k in _ROW_FIELDS}, "snapshot": snapshot})
    return hashlib.sha256(f"{prev}\n{content}".encode()).hexdigest()


def snapshot_of(conn: Conn, number: str) -> str:
    """The hazard's record as canonical JSON (what a history row vouches for)."""
    cur = conn.execute(
        f"SELECT {', '.join(_RECORD_COLUMNS)} FROM hazard WHERE number = ?", (number,)
    )
    values = cur.fetchone()
    return canonical(dict(zip(_RECORD_COLUMNS, values, strict=True)) if values else None)


def chain_append(conn: Conn, row: dict[str, Any]) -> None:
    """Insert one history row at the end of the chain (inside the write transaction)."""
    last = conn.execute(
        "SELECT chain_pos, row_hash FROM hazard_history WHERE chain_pos IS NOT NULL "
        "ORDER BY chain_pos DESC LIMIT 1"
    ).fetchone()
    pos, prev = (int(last[0]) + 1, str(last[1])) if last else (1, GENESIS)
    snap = snapshot_of(conn, row["number"])
    conn.execute(
        "INSERT INTO hazard_history (number, step, changed_at, actor, action, from_status, "
        "to_status, note, chain_pos, snapshot, prev_hash, row_hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (*(row[k] for k in _ROW_FIELDS), pos, snap, prev, row_hash(prev, row, snap)),
    )


def backfill(conn: Conn) -> None:
    """Chain the rows written before the chain existed (the migration that adds it): in
    their order of writing; the last row of each hazard vouches for its current record."""
    order = "rowid" if conn.dialect == "sqlite" else "changed_at, number, step"
    key = "rowid" if conn.dialect == "sqlite" else "number || '/' || step"
    rows = conn.execute(
        f"SELECT {key}, {', '.join(_ROW_FIELDS)} FROM hazard_history WHERE chain_pos IS NULL "
        f"ORDER BY {order}"
    ).fetchall()
    last_of: dict[str, int] = {}
    for r in rows:
        last_of[r[1]] = r[0]
    prev = GENESIS
    for pos, r in enumerate(rows, start=1):
        row = dict(zip(_ROW_FIELDS, r[1:], strict=True))
        snap = snapshot_of(conn, row["number"]) if last_of[row["number"]] == r[0] else None
        h = row_hash(prev, row, snap)
        conn.execute(
            "UPDATE hazard_history SET chain_pos = ?, snapshot = ?, prev_hash = ?, row_hash = ? "
            f"WHERE {key} = ?",
            (pos, snap, prev, h, r[0]),
        )
        prev = h


def missing_guards(conn: Conn) -> list[str]:
    """Guard triggers the database lacks (someone dropped or disabled them)."""
    return sorted(guard_names(conn.dialect) - conn.triggers())


@dataclass(frozen=True)
class Verification:
    """The result of :func:`verify`.

    Attributes
    ----------
    ok : nothing is wrong.
    problems : what is wrong, the first altered history row first.
    rows : history rows in the chain.
    head_pos, head_hash : the chain head (its last row).
    """

    ok: bool
    problems: list[str] = field(default_factory=list)
    rows: int = 0
    head_pos: int = 0
    head_hash: str = GENESIS

    def receipt(self) -> str:
        """``POS:HASH`` of the chain head: keep it to detect a rewrite later."""
        return f"{self.head_pos}:{self.head_hash}"


_EXPECTED_COLUMNS = {
    "hazard": set(_RECORD_COLUMNS),
    "hazard_history": {*_ROW_FIELDS, "chain_pos", "snapshot", "prev_hash", "row_hash"},
    "hazard_counter": {"adcode", "year", "category_code", "last_seq"},
    "hazard_attachment": {
        "number",
        "seq",
        "stage",
        "filename",
        "media_type",
        "size",
        "sha256",
        "content",
        "added_at",
        "added_by",
    },
}


def verify(conn: Conn, *, head: str | None = None) -> Verification:
    """Recompute the chain and check records, counters, guards and schema.

    Parameters
    ----------
    conn
        The register's connection.
    head
        A receipt ``POS:HASH`` kept earlier: the chain must still have that hash there.

    Returns
    -------
    Verification
    """
    problems: list[str] = []
    for table, want in _EXPECTED_COLUMNS.items():
        have = set(conn.columns(table))
        lost = sorted(want - have)
        if lost:
            problems.append(
                f"table {table} lacks column(s) {', '.join(lost)}: the schema was altered"
            )
    if problems:
        return Verification(False, problems)
    gone = missing_guards(conn)
    if gone:
        problems.append(f"guard trigger(s) removed: {', '.join(gone)}")
    rows = conn.execute(
        f"SELECT chain_pos, {', '.join(_ROW_FIELDS)}, snapshot, prev_hash, row_hash "
        "FROM hazard_history ORDER BY chain_pos"
    ).fetchall()
    prev = GENESIS
    last_snap: dict[str, str | None] = {}
    first_bad: str | None = None
    for expected_pos, r in enumerate(rows, start=1):
        pos, rest = r[0], r[1:]
        row = dict(zip(_ROW_FIELDS, rest[: len(_ROW_FIELDS)], strict=True))
        snap, prev_hash, own = rest[len(_ROW_FIELDS) :]
        where = f"history row {row['number']} step {row['step']} (chain position {pos})"
        if pos != expected_pos:
            first_bad = first_bad or f"{where}: the chain has a gap or an inserted row"
        elif prev_hash != prev or own != row_hash(prev, row, snap):
            first_bad = first_bad or f"{where} was altered or forged: its hash does not match"
        prev = own if own else prev
        if snap is not None:
            last_snap[row["number"]] = snap
        elif row["number"] not in last_snap:
            last_snap[row["number"]] = None
    if first_bad:
        problems.insert(0, first_bad)  # the first altered row is named first
    numbers = [r[0] for r in conn.execute("SELECT number FROM hazard ORDER BY number")]
    for number in numbers:
        if number not in last_snap:
            problems.append(f"record {number} has no history row")
        elif last_snap[number] is not None and last_snap[number] != snapshot_of(conn, number):
            problems.append(
                f"record {number} differs from its last history row: it was changed without "
                "a history row"
            )
    for adcode, year, code, last_seq, top in conn.execute(
        "SELECT c.adcode, c.year, c.category_code, c.last_seq, MAX(h.seq) FROM hazard_counter c "
        "LEFT JOIN hazard h ON h.adcode = c.adcode AND h.year = c.year "
        "AND h.category_code = c.category_code GROUP BY c.adcode, c.year, c.category_code"
    ):
        if top is None or int(last_seq) != int(top):
            problems.append(
                f"number counter {adcode}-{year}-{code} is at {last_seq} but the highest number "
                f"issued is {top or 0}: the counter was changed"
            )
    problems.extend(_attachment_problems(conn, rows))
    head_pos, head_hash = (int(rows[-1][0]), str(rows[-1][-1])) if rows else (0, GENESIS)
    if head is not None:
        pos_text, _, kept = head.partition(":")
        match = [r for r in rows if str(r[0]) == pos_text.strip()]
        if not match or str(match[0][-1]) != kept.strip():
            problems.append(
                f"the receipt {head} is not in the chain: the history was rewritten since it "
                "was taken"
            )
    return Verification(not problems, problems, len(rows), head_pos, head_hash)


def attachment_note(stage: str, filename: str, size: int, sha256: str) -> str:
    """The history note of an attachment: what the chain vouches for (its SHA-256)."""
    return f"{stage} {filename} {size} B sha256:{sha256}"


def _attachment_problems(conn: Conn, rows: list[Any]) -> list[str]:
    """Each attachment's content still has its SHA-256, and an ``attach`` history row of
    its hazard (in the chain) names its stage, file name, size and hash; one row vouches
    for one attachment."""
    vouchers = Counter((str(r[1]), str(r[-4])) for r in rows if r[5] == "attach")
    problems = []
    for number, seq, stage, filename, size, digest, content in conn.execute(
        "SELECT number, seq, stage, filename, size, sha256, content FROM hazard_attachment "
        "ORDER BY number, seq"
    ):
        where = f"attachment {seq} ({filename}) of {number}"
        data = bytes(content)
        key = (str(number), attachment_note(stage, filename, int(size), digest))
        if hashlib.sha256(data).hexdigest() != digest or len(data) != int(size):
            problems.append(f"{where} was altered: its content no longer has its SHA-256")
        elif vouchers[key] <= 0:
            problems.append(f"{where} has no history row: it was added behind the register")
        vouchers[key] -= 1
    return problems
