"""The hidden-hazard register of one city (:class:`HazardRegister`): unified numbers,
the closed loop, supervision, voiding, attachments, atomic imports and exports, a
tamper-evident history; one SQLite file shared safely by threads and processes, or a
PostgreSQL database shared by a bureau's users and app servers.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from riskmap.errors import AccessError, RegisterError
from riskmap.register.attachments import AttachmentMixin, has_rectification_evidence
from riskmap.register.backup import BackupMixin
from riskmap.register.chain import Verification, chain_append, missing_guards
from riskmap.register.chain import verify as verify_chain
from riskmap.register.database import DB_ERRORS, Conn, Database, _short
from riskmap.register.exports import ExportMixin
from riskmap.register.imports import ImportMixin
from riskmap.register.queries import QueryMixin
from riskmap.register.schema import _DATE_COLUMNS, _RECORD_COLUMNS
from riskmap.register.users import User
from riskmap.register.values import (
    _MIN_YEAR,
    _actor,
    _check_record,
    _free_text,
    _parse_date,
    _RecordCheck,
)
from riskmap.register.vocabulary import (
    _MOVE_ACTIONS,
    CATEGORIES,
    OPEN_STATUSES,
    TRANSITIONS,
    HazardTransitionError,
    _norm_adcode,
    parse_code,
)


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


class HazardRegister(QueryMixin, ImportMixin, ExportMixin, BackupMixin, AttachmentMixin):
    """The hidden-hazard register of one city, kept in one SQLite file or a PostgreSQL
    database.

    Parameters
    ----------
    path
        The database: a file (SQLite; created with its folder) or a
        ``postgresql://user:password@host:port/database`` URL (the database must exist);
        migrated to the current schema when needed.
    bbox
        ``(min_lon, min_lat, max_lon, max_lat)`` in WGS84 that every location must fall in
        (the project's area); no check when None.
    districts
        District name -> 6-digit adcode; when given, a district must be one of them and
        the adcode may be left out.
    timeout
        Seconds to wait for another writer before giving up (and to connect).
    district_shapes
        adcode -> the district's polygon in WGS84 (shapely): a hazard's point must lie in
        its district (about 50 m of tolerance along borders). :func:`open_register` gives
        the project's.

    Use it as a context manager, or call :meth:`close`. One instance may be shared by
    threads (calls are serialised); processes each open their own. Reading
    (:meth:`list`, :meth:`get`, :meth:`history`), :meth:`import_file`, :meth:`export`,
    :meth:`backup` and :meth:`restore` come from the mixins of
    :mod:`riskmap.register.queries`, :mod:`~riskmap.register.imports`,
    :mod:`~riskmap.register.exports` and :mod:`~riskmap.register.backup`.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        bbox: Sequence[float] | None = None,
        districts: Mapping[str, str] | None = None,
        timeout: float = 30.0,
        district_shapes: Mapping[str, Any] | None = None,
    ) -> None:
        if bbox is not None and len(bbox) != 4:
            raise RegisterError("bbox is (min_lon, min_lat, max_lon, max_lat)")
        self.bbox: tuple[float, float, float, float] | None = (
            None
            if bbox is None
            else (float(bbox[0]), float(bbox[1]), float(bbox[2]), float(bbox[3]))
        )
        self.districts = dict(districts) if districts is not None else None
        self.district_shapes = dict(district_shapes) if district_shapes else None
        self._lock = threading.RLock()
        self._db: Database | None = Database(path, timeout=timeout)
        self.path: Path | None = self._db.path
        """The SQLite file (None on PostgreSQL)."""
        self.name = self._db.name
        """How messages name the register: the file name, or the URL without password."""
        # the open hazards' layer last made, by history head (riskmap.register.feed)
        self._hazards_layer: tuple[Any, Any] | None = None

    # ---- plumbing -------------------------------------------------------------------

    @property
    def db(self) -> Database:
        """The register's database (raises RegisterError once closed)."""
        if self._db is None:
            raise RegisterError(f"{self.name}: the register is closed")
        return self._db

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.db.dialect

    def location(self) -> str:
        """The file's path or the database URL (as given, with any password: not for
        showing to users; :attr:`name` is)."""
        return self.db.location()

    def __enter__(self) -> HazardRegister:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"HazardRegister({self.name!r})"

    def close(self) -> None:
        """Close the register (further calls raise RegisterError). Connections are pooled
        per database and process; the last register closed on a database closes them."""
        with self._lock:
            if self._db is not None:
                self._db.close()
            self._db = None

    @contextlib.contextmanager
    def _write(self) -> Iterator[Conn]:
        """One write transaction holding the register's write lock from its start.

        Refused when a guard trigger of the schema was removed (the register would run
        unguarded): ``hazards verify`` says which.
        """
        with self._lock, self.db.write() as conn:
            gone = missing_guards(conn)
            if gone:
                raise RegisterError(
                    f"{self.name}: the register's guards were removed "
                    f"({', '.join(gone)}): writes are refused; run "
                    "'python -m riskmap hazards verify' and restore the register from a "
                    "backup"
                )
            try:
                yield conn
            except DB_ERRORS as exc:
                raise RegisterError(
                    f"{self.name}: the change was not saved: {_short(exc)}"
                ) from None

    @contextlib.contextmanager
    def _read(self) -> Iterator[Conn]:
        with self._lock, self.db.read() as conn:
            yield conn

    def _query(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        with self._read() as conn:
            return [tuple(r) for r in conn.execute(sql, tuple(params)).fetchall()]

    def schema_version(self) -> int:
        """The schema version of the database (the number of migrations applied)."""
        return self.db.schema_version()

    # ---- writing --------------------------------------------------------------------

    def _checker(self, today: date | None, file: str | None = None) -> _RecordCheck:
        return _RecordCheck(
            self.bbox, self.districts, today or date.today(), file=file, shapes=self.district_shapes
        )

    def _insert(
        self, conn: Conn, rec: Mapping[str, Any], *, by: str, action: str, note: str
    ) -> str:
        """Number and insert one validated record with its first history row."""
        year = rec["found_at"].year
        code = CATEGORIES[rec["category"]]["code"]
        if year < _MIN_YEAR or _norm_adcode(rec["adcode"]) != rec["adcode"]:
            raise RegisterError(  # _check_record refuses both first: this is the last guard
                f"no number issued for 区划代码 (adcode) '{rec['adcode']}' and year {year}: "
                f"the adcode must be 6 ASCII digits and the year {_MIN_YEAR} or later"
            )
        seq = conn.execute(
            "INSERT INTO hazard_counter (adcode, year, category_code, last_seq) "
            "VALUES (?, ?, ?, 1) ON CONFLICT (adcode, year, category_code) "
            "DO UPDATE SET last_seq = hazard_counter.last_seq + 1 RETURNING last_seq",
            (rec["adcode"], year, code),
        ).fetchone()[0]
        number = f"{rec['adcode']}-{year:04d}-{code}-{seq:05d}"
        now = _now()
        row = {
            **{k: rec.get(k) for k in _RECORD_COLUMNS},
            "number": number,
            "year": year,
            "category_code": code,
            "seq": seq,
            "listed": int(bool(rec["listed"])),
            "void_reason": None,
            "created_at": now,
            "updated_at": now,
        }
        for k in _DATE_COLUMNS:
            row[k] = row[k].isoformat() if row[k] is not None else None
        placeholders = ", ".join("?" for _ in _RECORD_COLUMNS)
        conn.execute(
            f"INSERT INTO hazard ({', '.join(_RECORD_COLUMNS)}) VALUES ({placeholders})",
            tuple(row[k] for k in _RECORD_COLUMNS),
        )
        self._append_history(
            conn,
            number,
            by=by,
            action=action,
            from_status=None,
            to_status=rec["status"],
            note=note,
            when=now,
        )
        if rec["listed"]:
            self._append_history(
                conn,
                number,
                by=by,
                action="list",
                from_status=rec["status"],
                to_status=rec["status"],
                note=f"{rec['supervising_unit']} {rec['listed_deadline'].isoformat()}",
                when=now,
            )
        return number

    @staticmethod
    def _append_history(
        conn: Conn,
        number: str,
        *,
        by: str,
        action: str,
        from_status: str | None,
        to_status: str,
        note: str,
        when: str,
    ) -> None:
        step = conn.execute(
            "SELECT COALESCE(MAX(step), 0) + 1 FROM hazard_history WHERE number = ?", (number,)
        ).fetchone()[0]
        chain_append(
            conn,
            {
                "number": number,
                "step": step,
                "changed_at": when,
                "actor": by,
                "action": action,
                "from_status": from_status,
                "to_status": to_status,
                "note": note,
            },
        )

    def verify(self, *, head: str | None = None) -> Verification:
        """Recompute the history's hash chain and check records, counters, guards and
        schema (:func:`riskmap.register.chain.verify`).

        Parameters
        ----------
        head
            A receipt ``POS:HASH`` taken earlier (:meth:`Verification.receipt`): the
            chain must still hold that hash at that position.
        """
        with self._read() as conn:
            return verify_chain(conn, head=head)

    def add(
        self,
        *,
        title: str,
        category: str,
        grade: str,
        lon: float,
        lat: float,
        district: str,
        found_by: str,
        responsible_unit: str,
        deadline: date | str,
        adcode: str | None = None,
        found_at: date | str | None = None,
        description: str = "",
        layer_binding: str | None = None,
        feature_id: str | None = None,
        by: str | None = None,
        note: str = "",
        today: date | None = None,
        user: User | None = None,
    ) -> str:
        """Register a new hidden hazard and return its unified number.

        Parameters
        ----------
        title, description
            What the hazard is: a title of one line, at most 200 characters; a description
            of at most 5,000 (line breaks and tabs allowed). Texts are stored as typed (a
            title ``'=x`` stays ``'=x``); no control characters (NUL, BEL ...).
        category
            A code (``hazmat``, ``fire`` ...), its two-letter code or its label (危化, 消防 ...).
        grade
            ``一般`` / ``重大`` (or ``general`` / ``major``).
        lon, lat
            WGS84 decimal degrees.
        district, adcode
            The district's name (at most 100 characters) and 6-digit adcode; full-width
            and other Unicode digits are read as ASCII (``４２０１０２`` is ``420102``). When
            the register knows the project's districts, the adcode must be one of theirs
            and may be left out.
        found_by, responsible_unit
            Who found it; who must fix it.
        deadline, found_at
            Rectification deadline, on or after ``found_at``; the day it was found
            (today when None; a year from 1949 to next year, not after today). Dates or
            ISO text. The number's year is the year of ``found_at``.
        layer_binding, feature_id
            Optional link to a feature of a project layer (both or neither).
        by
            Who registers it (the history's actor); ``found_by`` when None.
        user
            The signed-in user doing it: the history records the user
            (:meth:`User.label`, ``by`` is then ignored) and the user's role and districts
            must allow registering in the hazard's district (:class:`AccessError`).
        note
            Kept in the history (at most 5,000 characters).
        today
            The date taken as today (tests).

        Raises
        ------
        RegisterError
            A value is missing or wrong; the message lists every problem.
        """
        raw = {
            "title": title,
            "category": category,
            "grade": grade,
            "lon": lon,
            "lat": lat,
            "district": district,
            "adcode": adcode,
            "found_by": found_by,
            "responsible_unit": responsible_unit,
            "deadline": deadline,
            "found_at": found_at,
            "description": description,
            "layer_binding": layer_binding,
            "feature_id": feature_id,
        }
        check = self._checker(today)
        rec = _check_record(raw, check)
        note = check.text({"note": note}, "note")
        if check.problems:
            raise RegisterError(
                "the hazard was not registered: "
                + "; ".join(
                    f"{p.column}: {p.message}" + (f" ({p.hint})" if p.hint else "")
                    for p in check.problems
                )
            )
        actor = _allowed(user, "register", rec["adcode"]) or _actor(by or rec["found_by"])
        with self._write() as conn:
            return self._insert(conn, rec, by=actor, action="register", note=note)

    @staticmethod
    def _adcode(conn: Conn, number: str) -> str | None:
        row = conn.execute("SELECT adcode FROM hazard WHERE number = ?", (number,)).fetchone()
        return None if row is None else str(row[0])

    def _current(self, conn: Conn, number: str) -> tuple[str, str, int]:
        row = conn.execute(
            "SELECT status, grade, listed FROM hazard WHERE number = ?", (number,)
        ).fetchone()
        if row is None:
            raise RegisterError(f"no hidden hazard numbered '{number}' in the register")
        return str(row[0]), str(row[1]), int(row[2])

    def move(
        self,
        number: str,
        to_status: str,
        by: str | None = None,
        note: str = "",
        *,
        user: User | None = None,
        override: str | None = None,
    ) -> str:
        """Move a hazard one step along the closed loop; returns the new status code.

        Parameters
        ----------
        number
            Its unified number.
        to_status
            The status to move to, as a code or a label (``整改中``, ``rectifying`` ...).
            Moving 待验收 back to 整改中 records a failed acceptance.
        by
            Who does it (kept in the history).
        note
            Why, or what was checked (kept in the history).
        user
            The signed-in user doing it, recorded instead of ``by``: an inspector moves
            hazards of their own districts; accepting (待验收 -> 已销号) or failing an
            acceptance is a leader's (or an administrator's) :class:`AccessError`.
        override
            Accepting (待验收 -> 已销号) needs at least one rectification attachment
            (:meth:`attach`); without one, the reason to accept anyway (kept in the
            history).

        Raises
        ------
        TransitionError
            (a :class:`HazardTransitionError`) the move is not allowed from the current
            status; the message names it and the allowed next statuses in zh and en.
        RegisterError
            Unknown number or status, or no ``by``.
        """
        target = parse_code("status", to_status)
        actor = _actor(by) if user is None else user.label()
        note = _free_text(note, "note")
        reason = _free_text(override or "", "note")
        with self._write() as conn:
            current, _, _ = self._current(conn, number)
            if user is not None:
                action = "accept" if current == "awaiting_acceptance" else "move"
                _allowed(user, action, self._adcode(conn, number), number)
            allowed = TRANSITIONS[current]
            if target not in allowed:
                raise HazardTransitionError(number, current, target, allowed)
            if target == "closed" and not has_rectification_evidence(conn, number):
                if not reason:
                    raise RegisterError(
                        f"{number}: 验收销号需要至少一份整改附件（照片或 PDF），或写明无附件验收的"
                        "理由；acceptance needs at least one rectification attachment (a photo "
                        "or PDF), or the reason to accept without one (override)"
                    )
                note = f"无整改附件验收，理由：{reason}" + (f"；{note}" if note else "")
            now = _now()
            conn.execute(
                "UPDATE hazard SET status = ?, updated_at = ? WHERE number = ?",
                (target, now, number),
            )
            self._append_history(
                conn,
                number,
                by=actor,
                action=_MOVE_ACTIONS[(current, target)],
                from_status=current,
                to_status=target,
                note=note,
                when=now,
            )
        return target

    def list_for_supervision(
        self,
        number: str,
        unit: str,
        deadline: date | str,
        by: str | None = None,
        note: str = "",
        *,
        user: User | None = None,
    ) -> None:
        """List a major (重大) open hazard for supervision (挂牌督办).

        Listing it again replaces the supervising unit and deadline (both kept in the
        history).

        Raises
        ------
        RegisterError
            Not a major hazard, no unit, a bad date or one before the day it was found.
        """
        actor = _actor(by) if user is None else user.label()
        unit = _free_text(unit, "supervising_unit")
        note = _free_text(note, "note")
        if not unit:
            raise RegisterError("a listed hazard needs a supervising unit (督办单位)")
        try:
            when = _parse_date(deadline)
        except ValueError:
            raise RegisterError(f"'{deadline}' is not a date: write it as 2024-03-01") from None
        with self._write() as conn:
            status, grade, _ = self._current(conn, number)
            if user is not None:
                _allowed(user, "supervise", self._adcode(conn, number), number)
            if status not in OPEN_STATUSES:
                raise HazardTransitionError(number, status, status, ())
            if grade != "major":
                raise RegisterError(
                    f"{number} is a 一般 (general) hazard: only 重大 (major) hazards are "
                    "listed for supervision"
                )
            (found,) = conn.execute(
                "SELECT found_at FROM hazard WHERE number = ?", (number,)
            ).fetchone()
            found_at = date.fromisoformat(str(found))
            if when < found_at:
                raise RegisterError(
                    f"督办期限 (listed_deadline) {when} is before 发现日期 (found_at) {found_at} "
                    f"of {number}: give a supervision deadline on or after {found_at}"
                )
            now = _now()
            conn.execute(
                "UPDATE hazard SET listed = 1, supervising_unit = ?, listed_deadline = ?, "
                "updated_at = ? WHERE number = ?",
                (unit, when.isoformat(), now, number),
            )
            text = f"{unit} {when.isoformat()}" + (f": {note}" if note else "")
            self._append_history(
                conn,
                number,
                by=actor,
                action="list",
                from_status=status,
                to_status=status,
                note=text,
                when=now,
            )

    def void(
        self, number: str, reason: str, by: str | None = None, *, user: User | None = None
    ) -> None:
        """Void a hazard (已作废): it stays in the register, off the map, and never changes again.

        Raises
        ------
        TransitionError
            It is already closed or voided.
        RegisterError
            No reason, no ``by``, or an unknown number.
        """
        actor = _actor(by) if user is None else user.label()
        reason = _free_text(reason, "void_reason")
        if not reason:
            raise RegisterError("voiding a hazard needs a reason (作废原因)")
        with self._write() as conn:
            status, _, _ = self._current(conn, number)
            if user is not None:
                _allowed(user, "void", self._adcode(conn, number), number)
            if status not in OPEN_STATUSES:
                raise HazardTransitionError(number, status, "voided", ())
            now = _now()
            conn.execute(
                "UPDATE hazard SET status = 'voided', void_reason = ?, updated_at = ? "
                "WHERE number = ?",
                (reason, now, number),
            )
            self._append_history(
                conn,
                number,
                by=actor,
                action="void",
                from_status=status,
                to_status="voided",
                note=reason,
                when=now,
            )


_ACTION_WORDS = {
    "register": ("登记", "register hazards"),
    "move": ("办理", "move hazards"),
    "accept": ("验收", "accept rectifications"),
    "supervise": ("挂牌督办", "list hazards for supervision"),
    "void": ("作废", "void hazards"),
    "attach": ("上传附件", "attach files"),
}


def _allowed(
    user: User | None, action: str, adcode: str | None, number: str | None = None
) -> str | None:
    """The user's label when ``user`` may do ``action`` in ``adcode``; None without a
    user; :class:`AccessError` (zh and en) when the role or districts do not allow it."""
    if user is None:
        return None
    if user.may(action, adcode):
        return user.label()
    zh, en = _ACTION_WORDS.get(action, (action, action))
    where = number or adcode or ""
    raise AccessError(
        f"用户 {user.display_name}（{user.role}）无权{zh}：{where}；"
        f"user {user.username} ({user.role}) may not {en} ({where})"
    )
