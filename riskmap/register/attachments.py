"""Evidence (:class:`AttachmentMixin` of :class:`~riskmap.register.HazardRegister`):
photos and PDFs of a hazard's finding and of its rectification.

An attachment is stored in the register's database with its SHA-256, size, type and who
added it when; adding one writes a history row (action ``attach``) whose note names the
hash, so the hash chain vouches for the file and ``verify`` finds a file changed or added
behind the register. Attachments are never changed or deleted (guards). The type is
read from the file's first bytes, not its name: JPEG, PNG, WebP or PDF, at most
:data:`MAX_ATTACHMENT_BYTES`. Acceptance (待验收 -> 已销号) needs at least one
rectification attachment unless the one who accepts gives a reason to accept without
(:meth:`~riskmap.register.HazardRegister.move`, ``override``).
"""

from __future__ import annotations

import hashlib
import unicodedata
from pathlib import PurePath
from typing import TYPE_CHECKING, Any, cast

import pandas as pd

from riskmap.errors import RegisterError
from riskmap.register.chain import attachment_note
from riskmap.register.values import _actor
from riskmap.register.vocabulary import OPEN_STATUSES, HazardTransitionError

if TYPE_CHECKING:
    from riskmap.register.store import HazardRegister
    from riskmap.register.users import User

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
"""The largest attachment: 10 MiB (a phone photo or a scanned report)."""

STAGES: dict[str, tuple[str, str]] = {
    "finding": ("发现", "finding"),
    "rectification": ("整改", "rectification"),
}
"""Attachment stage -> (zh, en)."""

_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"WEBP", 8, "image/webp"),
    (b"%PDF-", 0, "application/pdf"),
)
"""(magic bytes, offset, media type) of the files a register keeps."""

ATTACHMENT_COLUMNS = ("seq", "stage", "filename", "media_type", "size", "sha256", "added_at")
"""Columns of :meth:`AttachmentMixin.attachments` (``added_by`` too)."""


def media_type_of(content: bytes) -> str | None:
    """The media type read from a file's first bytes, or None when it is not a photo
    (JPEG, PNG, WebP) or a PDF."""
    for magic, offset, media in _SIGNATURES:
        if content[offset : offset + len(magic)] == magic:
            if media == "image/webp" and content[:4] != b"RIFF":
                continue
            return media
    return None


def _clean_name(filename: str) -> str:
    name = PurePath(str(filename).replace("\\", "/")).name.strip()
    if not name or len(name) > 200:
        raise RegisterError("an attachment needs a file name of 1 to 200 characters")
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in name):
        raise RegisterError(f"the file name {name!r} holds control characters: rename the file")
    return name


class AttachmentMixin:
    """:meth:`attach`, :meth:`attachments` and :meth:`attachment`."""

    def attach(
        self,
        number: str,
        content: bytes,
        filename: str,
        *,
        stage: str = "rectification",
        by: str | None = None,
        user: User | None = None,
    ) -> int:
        """Add a photo or PDF to an open hazard; returns its sequence number (1, 2, ...).

        Parameters
        ----------
        number
            The hazard's unified number.
        content
            The file's bytes (JPEG, PNG, WebP or PDF, read from the bytes; at most 10 MiB).
        filename
            The file's name as the user gave it (its folder is dropped).
        stage
            ``finding`` (发现) or ``rectification`` (整改).
        by, user
            Who adds it: a name, or the signed-in user (role and districts checked).

        Raises
        ------
        RegisterError
            Empty, too large or not a photo/PDF; an unknown stage or number; a closed or
            voided hazard; no ``by``; not allowed for the user (:class:`AccessError`).
        """
        from riskmap.register.store import _allowed, _now

        reg = cast("HazardRegister", self)
        data = bytes(content)
        if stage not in STAGES:
            raise RegisterError(f"stage '{stage}' is not one of {', '.join(STAGES)}")
        name = _clean_name(filename)
        if not data:
            raise RegisterError(f"{name} is empty")
        if len(data) > MAX_ATTACHMENT_BYTES:
            raise RegisterError(
                f"{name} has {len(data):,} bytes; an attachment has at most "
                f"{MAX_ATTACHMENT_BYTES:,} (10 MiB): send a smaller photo or a compressed PDF"
            )
        media = media_type_of(data)
        if media is None:
            raise RegisterError(
                f"{name} is not a photo (JPEG, PNG, WebP) or a PDF (read from its content, "
                "not its name)"
            )
        digest = hashlib.sha256(data).hexdigest()
        actor = user.label() if user is not None else _actor(by)
        with reg._write() as conn:
            status, _, _ = reg._current(conn, number)
            if user is not None:
                _allowed(user, "attach", reg._adcode(conn, number), number)
            if status not in OPEN_STATUSES:
                raise HazardTransitionError(number, status, status, ())
            seq = int(
                conn.execute(
                    "SELECT COALESCE(MAX(seq), 0) + 1 FROM hazard_attachment WHERE number = ?",
                    (number,),
                ).fetchone()[0]
            )
            now = _now()
            conn.execute(
                "INSERT INTO hazard_attachment (number, seq, stage, filename, media_type, size, "
                "sha256, content, added_at, added_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (number, seq, stage, name, media, len(data), digest, data, now, actor),
            )
            reg._append_history(
                conn,
                number,
                by=actor,
                action="attach",
                from_status=status,
                to_status=status,
                note=attachment_note(stage, name, len(data), digest),
                when=now,
            )
        return seq

    def attachments(self, number: str) -> pd.DataFrame:
        """The hazard's attachments without their content (:data:`ATTACHMENT_COLUMNS` and
        ``added_by``), oldest first."""
        reg = cast("HazardRegister", self)
        rows = reg._query(
            f"SELECT {', '.join(ATTACHMENT_COLUMNS)}, added_by FROM hazard_attachment "
            "WHERE number = ? ORDER BY seq",
            (number,),
        )
        return pd.DataFrame(rows, columns=[*ATTACHMENT_COLUMNS, "added_by"])

    def attachment(self, number: str, seq: int) -> tuple[str, str, bytes]:
        """One attachment: (file name, media type, bytes).

        Raises
        ------
        RegisterError
            No such attachment.
        """
        reg = cast("HazardRegister", self)
        rows = reg._query(
            "SELECT filename, media_type, content FROM hazard_attachment "
            "WHERE number = ? AND seq = ?",
            (number, int(seq)),
        )
        if not rows:
            raise RegisterError(f"{number} has no attachment {seq}")
        name, media, content = rows[0]
        return str(name), str(media), bytes(content)


def has_rectification_evidence(conn: Any, number: str) -> bool:
    """Whether the hazard has at least one rectification attachment (inside a transaction)."""
    row = conn.execute(
        "SELECT COUNT(*) FROM hazard_attachment WHERE number = ? AND stage = 'rectification'",
        (number,),
    ).fetchone()
    return bool(row[0])


def added_at_local(values: pd.Series) -> pd.Series:
    """UTC ISO times as China Standard Time text to the minute (for people)."""
    when = pd.to_datetime(values, utc=True, errors="coerce")
    return when.dt.tz_convert("Asia/Shanghai").dt.strftime("%Y-%m-%d %H:%M")
