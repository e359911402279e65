"""Backup and restore (riskmap/register/backup.py): lossless (records, history, counters
row by row), into an empty register only, all or nothing, a damaged or tampered backup
refused with a message that says why."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from postgres_support import raw_sql

from riskmap.errors import RegisterError
from riskmap.register import HazardRegister
from riskmap.register.backup import FORMAT_VERSION, MANIFEST

Fill = Callable[[HazardRegister], list[str]]

_ORDER = {
    "hazard_counter": "adcode, year, category_code",
    "hazard": "number",
    "hazard_history": "chain_pos",
    "hazard_attachment": "number, seq",
}


def _tables(db: str | Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the backed-up tables, on SQLite with the storage class of each value."""
    if str(db).startswith("postgresql://"):
        import psycopg

        with psycopg.connect(str(db)) as pg:
            return {
                table: [tuple(r) for r in pg.execute(f"SELECT * FROM {table} ORDER BY {order}")]
                for table, order in _ORDER.items()
            }
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        out = {}
        for table, order in _ORDER.items():
            cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
            select = ", ".join(f"{c}, typeof({c})" for c in cols)
            out[table] = conn.execute(f"SELECT {select} FROM {table} ORDER BY {order}").fetchall()
        return out
    finally:
        conn.close()


def _rewrite(
    src: Path,
    dst: Path,
    change: Callable[[dict[str, bytes], dict[str, Any]], None],
    *,
    reseal: bool = True,
) -> Path:
    """Copy a backup, letting ``change`` edit its members and manifest; with ``reseal``
    the manifest's row counts and SHA-256s are recomputed (a deliberate forgery)."""
    with zipfile.ZipFile(src) as zf:
        members = {n: zf.read(n) for n in zf.namelist() if n != MANIFEST}
        manifest = json.loads(zf.read(MANIFEST))
    change(members, manifest)
    if reseal:
        for entry in manifest["tables"].values():
            data = members.get(entry["member"])
            if data is not None:
                entry["sha256"] = hashlib.sha256(data).hexdigest()
                entry["rows"] = data.count(b"\n")
    with zipfile.ZipFile(dst, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False))
        for name, data in members.items():
            zf.writestr(name, data)
    return dst


def _edit_lines(
    member: str, edit: Callable[[list[dict[str, Any]]], None]
) -> Callable[[dict[str, bytes], dict[str, Any]], None]:
    def change(members: dict[str, bytes], _: dict[str, Any]) -> None:
        rows = [json.loads(line) for line in members[member].decode().splitlines()]
        edit(rows)
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        members[member] = text.encode()

    return change


@pytest.fixture
def made(reg: HazardRegister, fill: Fill, tmp_path: Path) -> tuple[Path, list[str]]:
    """A backup of a register filled by ``fill`` and the numbers of its hazards."""
    numbers = fill(reg)
    reg.backup(tmp_path / "backup.zip")
    return tmp_path / "backup.zip", numbers


def test_backup_then_restore_gives_the_same_tables_row_by_row(
    reg: HazardRegister,
    fill: Fill,
    tmp_path: Path,
    hazard: Callable[..., dict[str, Any]],
    new_db: Callable[..., str],
) -> None:
    numbers = fill(reg)
    made = reg.backup(tmp_path / "kept" / "wuhan.zip")
    assert (made.records, made.history_rows, made.counters) == (5, 14, 4)
    assert made.chain_head == reg.verify().receipt()
    restored = new_db("restored")
    with HazardRegister(restored) as new:
        done = new.restore(made.path)
        assert done == made
        assert new.verify().ok
        for number in numbers:  # the history as the API reads it, voided record included
            assert new.history(number).equals(reg.history(number))
            assert new.get(number) == reg.get(number)
        assert new.get(numbers[2])["status"] == "voided"
    assert _tables(restored) == _tables(reg.location())
    with HazardRegister(restored) as new:  # numbering continues, no gap
        assert new.add(**hazard()) == reg.add(**hazard()) == "420102-2024-WH-00003"
        assert new.add(**hazard(found_at="2023-05-01")) == "420102-2023-WH-00002"
        assert new.add(**hazard(category="fire")) == "420102-2024-XF-00001"
        assert new.verify().ok


def test_an_empty_register_round_trips(tmp_path: Path, new_db: Callable[..., str]) -> None:
    with HazardRegister(new_db("a")) as a:
        made = a.backup(tmp_path / "empty.zip")
    with HazardRegister(new_db("b")) as b:
        assert b.restore(made.path).records == 0
        assert b.verify().ok


def test_restore_into_a_register_that_is_not_empty_is_refused_and_changes_nothing(
    made: tuple[Path, list[str]],
    hazard: Callable[..., dict[str, Any]],
    new_db: Callable[..., str],
) -> None:
    location = new_db("busy")
    with HazardRegister(location) as busy:
        busy.add(**hazard())
        before = _tables(location)
        with pytest.raises(RegisterError) as info:
            busy.restore(made[0])
        name = busy.name
    assert str(info.value) == (
        f"{name}: the register holds 1 record(s) (1 history row(s), 1 number counter(s)): "
        "a backup is restored only into an empty register; restore into a new file "
        "(--db NEW.sqlite) or an empty database"
    )
    assert _tables(location) == before


def _flip_a_byte(members: dict[str, bytes], _: dict[str, Any]) -> None:
    data = bytearray(members["hazard.jsonl"])
    data[data.index(b'"title":"=') + 9] = ord("+")  # =配电箱破损 -> +配电箱破损
    members["hazard.jsonl"] = bytes(data)


def _drop_history(members: dict[str, bytes], _: dict[str, Any]) -> None:
    del members["hazard_history.jsonl"]


def _orphan_history(rows: list[dict[str, Any]]) -> None:
    rows[-1]["number"] = "420102-2024-WH-00099"


def _lower_counter(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        if (row["adcode"], row["year"], row["category_code"]) == ("420102", 2024, "WH"):
            row["last_seq"] -= 1


def _drop_last_history_row(rows: list[dict[str, Any]]) -> None:
    rows.pop()  # the only row of the last hazard registered


def _drop_acceptance(rows: list[dict[str, Any]]) -> None:
    rows[:] = [r for r in rows if r["action"] != "accept"]


def _bad_status(rows: list[dict[str, Any]]) -> None:
    rows[-1]["status"] = "settled"


def _newer_format(_: dict[str, bytes], manifest: dict[str, Any]) -> None:
    manifest["format_version"] = FORMAT_VERSION + 1


def _extra_member(members: dict[str, bytes], _: dict[str, Any]) -> None:
    members["evil.sh"] = b"rm -rf /\n"


def _bool_value(rows: list[dict[str, Any]]) -> None:
    rows[0]["listed"] = True


@pytest.mark.parametrize(
    ("change", "reseal", "message"),
    [
        pytest.param(
            _flip_a_byte,
            False,
            "member hazard.jsonl does not match its SHA-256 in the manifest",
            id="one byte changed in a member",
        ),
        pytest.param(
            _drop_history, False, "member hazard_history.jsonl is missing", id="missing member"
        ),
        pytest.param(
            _edit_lines("hazard_history.jsonl", _orphan_history),
            True,
            "history row 420102-2024-WH-00099 step 1 belongs to no hazard of the backup",
            id="history row pointing at no hazard",
        ),
        pytest.param(
            _edit_lines("hazard_counter.jsonl", _lower_counter),
            True,
            "counter 420102-2024-WH is at 1, below 420102-2024-WH-00002, the highest number "
            "issued: the register would issue numbers again",
            id="lower counter",
        ),
        pytest.param(
            _edit_lines("hazard_counter.jsonl", _lower_counter),
            False,
            "hazard_counter.jsonl does not match its SHA-256",
            id="lower counter, checksum kept",
        ),
        pytest.param(
            _edit_lines("hazard_history.jsonl", _drop_last_history_row),
            True,
            "the backup is refused: hazard.jsonl: 420102-2023-WH-00001 has no history row",
            id="last history row removed, resealed",
        ),
        pytest.param(
            _edit_lines("hazard_history.jsonl", _drop_acceptance),
            True,
            "the restored register fails its check: history row 420102-2024-WH-00002 step 1 "
            "(chain position 8): the chain has a gap or an inserted row",
            id="acceptance removed, resealed",
        ),
        pytest.param(
            _edit_lines("hazard.jsonl", _bad_status),
            True,
            "hazard.jsonl line 5 is refused by the register (",
            id="a value the schema refuses",
        ),
        pytest.param(
            _edit_lines("hazard.jsonl", _bool_value),
            True,
            "hazard.jsonl line 1: column(s) listed hold a value no register stores",
            id="a JSON true for a number",
        ),
        pytest.param(
            _newer_format,
            False,
            "format version 2: this riskmap reads version 1; upgrade",
            id="newer",
        ),
        pytest.param(
            _extra_member, False, "member(s) evil.sh do not belong in a backup", id="extra member"
        ),
    ],
)
def test_a_tampered_backup_is_refused_and_nothing_is_written(  # noqa: PLR0917
    made: tuple[Path, list[str]],
    tmp_path: Path,
    change: Callable[[dict[str, bytes], dict[str, Any]], None],
    reseal: bool,
    message: str,
    new_db: Callable[..., str],
) -> None:
    forged = _rewrite(made[0], tmp_path / "forged.zip", change, reseal=reseal)
    location = new_db("new")
    with HazardRegister(location) as new:
        with pytest.raises(RegisterError) as info:
            new.restore(forged)
        assert new.list(include_voided=True).empty
    text = str(info.value)
    assert message in text
    assert text.startswith("forged.zip: ")
    assert "\n" not in text
    assert _tables(location) == {t: [] for t in _ORDER}


def test_a_damaged_file_is_refused(made: tuple[Path, list[str]], tmp_path: Path) -> None:
    data = bytearray(made[0].read_bytes())
    with zipfile.ZipFile(made[0]) as zf:
        info = zf.getinfo("hazard_history.jsonl")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0xFF  # a byte of the compressed member
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(bytes(data))
    with HazardRegister(tmp_path / "new.sqlite") as new:
        with pytest.raises(RegisterError, match=r"hazard_history\.jsonl"):
            new.restore(damaged)
        assert new.list(include_voided=True).empty
    with HazardRegister(tmp_path / "other.sqlite") as other:
        with pytest.raises(RegisterError, match="not a register backup made by 'hazards backup'"):
            other.restore(tmp_path / "new.sqlite")  # a register's file is not a backup
        with pytest.raises(RegisterError, match="no such backup file"):
            other.restore(tmp_path / "nowhere.zip")


def test_restore_checks_a_receipt_kept_apart(
    reg: HazardRegister, fill: Fill, tmp_path: Path, new_db: Callable[..., str]
) -> None:
    fill(reg)
    receipt = reg.verify().receipt()
    made = reg.backup(tmp_path / "b.zip")
    with HazardRegister(new_db("wrong")) as new:
        with pytest.raises(RegisterError, match="the receipt 3:abc is not in the chain"):
            new.restore(made.path, head="3:abc")
        assert new.list(include_voided=True).empty
    with HazardRegister(new_db("right")) as new:
        assert new.restore(made.path, head=receipt).chain_head == receipt


def test_backup_refuses_a_register_that_fails_its_check(
    reg: HazardRegister, fill: Fill, tmp_path: Path
) -> None:
    fill(reg)
    raw_sql(  # a status changed behind the register's back
        reg.location(), "UPDATE hazard SET status = 'closed' WHERE number = '420102-2024-WH-00002'"
    )
    with pytest.raises(RegisterError, match="no backup written, the register fails its check"):
        reg.backup(tmp_path / "b.zip")
    assert not (tmp_path / "b.zip").exists()
    if reg.path is not None:
        with pytest.raises(RegisterError, match="is the register itself"):
            reg.backup(reg.path)


def test_a_backup_replaces_an_older_one_whole(
    reg: HazardRegister, fill: Fill, tmp_path: Path
) -> None:
    out = tmp_path / "nightly.zip"
    reg.backup(out)
    fill(reg)
    assert reg.backup(out).records == 5
    assert {p.name for p in tmp_path.iterdir()} - {"var"} == {"nightly.zip"}
    with zipfile.ZipFile(out) as zf:
        manifest = json.loads(zf.read(MANIFEST))
    assert manifest["format"] == "riskmap-hazard-register-backup"
    assert manifest["source"] == reg.name  # the file's name, never its folder
    assert reg.path is None or reg.name == "h.sqlite"
    assert {t: e["rows"] for t, e in manifest["tables"].items()} == {
        "hazard_counter": 4,
        "hazard": 5,
        "hazard_history": 14,
        "hazard_attachment": 1,
    }
