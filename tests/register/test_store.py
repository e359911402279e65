"""HazardRegister: the closed loop, supervision, voiding, unified numbers, and one
database shared by processes (8 concurrent writers, 20 writers killed mid-transaction), on
SQLite and on PostgreSQL."""

from __future__ import annotations

import multiprocessing as mp
import os
import random
import signal
import sqlite3
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from factories import PHOTO_PNG

from riskmap.errors import RegisterError, TransitionError
from riskmap.register import (
    HISTORY_COLUMNS,
    TRANSITIONS,
    HazardRegister,
    HazardTransitionError,
)

TODAY = date(2024, 6, 1)


def _statuses_of_history(reg: HazardRegister, number: str) -> list[tuple[str | None, str]]:
    h = reg.history(number)
    return [
        (f if isinstance(f, str) else None, t)
        for f, t in zip(h["from_status"], h["to_status"], strict=True)
    ]


def test_full_loop_with_failed_acceptance_keeps_complete_history(
    reg: HazardRegister, hazard: Callable[..., dict[str, Any]]
) -> None:
    n = reg.add(**hazard(), by="登记员")
    assert n == "420102-2024-WH-00001"
    assert reg.get(n)["status"] == "registered"
    reg.move(n, "整改中", by="李四", note="制定整改方案")
    reg.move(n, "awaiting_acceptance", by="某化工", note="已更换报警器")
    reg.move(n, "整改中", by="验收组", note="报警器未联动")  # failed acceptance
    reg.attach(n, PHOTO_PNG, "整改后.png", by="某化工")  # the rectification photo
    reg.move(n, "待验收", by="某化工")
    reg.move(n, "已销号", by="验收组", note="验收合格")
    rec = reg.get(n)
    assert rec["status"] == "closed"
    assert rec["overdue"] is False  # closed records are never overdue
    h = reg.history(n)
    assert list(h.columns) == list(HISTORY_COLUMNS)
    assert h["step"].tolist() == [1, 2, 3, 4, 5, 6, 7]
    assert h["actor"].tolist() == [
        "登记员",
        "李四",
        "某化工",
        "验收组",
        "某化工",
        "某化工",
        "验收组",
    ]
    assert h["action"].tolist() == [
        "register", "start", "submit", "reject", "attach", "submit", "accept"
    ]  # fmt: skip
    assert _statuses_of_history(reg, n) == [
        (None, "registered"),
        ("registered", "rectifying"),
        ("rectifying", "awaiting_acceptance"),
        ("awaiting_acceptance", "rectifying"),
        ("rectifying", "rectifying"),
        ("rectifying", "awaiting_acceptance"),
        ("awaiting_acceptance", "closed"),
    ]
    assert h["note"].tolist()[1:4] == ["制定整改方案", "已更换报警器", "报警器未联动"]
    assert h["changed_at"].map(lambda s: isinstance(s, str) and s.endswith("+00:00")).all()


REFUSED = [
    (current, target)
    for current in TRANSITIONS
    for target in ("registered", "rectifying", "awaiting_acceptance", "closed", "voided")
    if target not in TRANSITIONS[current]
]


@pytest.mark.parametrize(("current", "target"), REFUSED)
def test_every_refused_transition_names_current_and_allowed(
    reg: HazardRegister, current: str, target: str, reach: Callable[[HazardRegister, str], str]
) -> None:
    n = reach(reg, current)
    before = len(reg.history(n))
    with pytest.raises(TransitionError) as info:
        reg.move(n, target, by="x")
    err = info.value
    assert isinstance(err, HazardTransitionError)
    assert (err.current, err.requested, err.allowed) == (current, target, TRANSITIONS[current])
    zh, en = err.text("zh"), err.text("en")
    assert n in str(err) and zh in str(err) and en in str(err)
    assert {
        "registered": "已登记",
        "rectifying": "整改中",
        "awaiting_acceptance": "待验收",
        "closed": "已销号",
        "voided": "已作废",
    }[current] in zh
    for allowed in TRANSITIONS[current]:
        assert allowed.replace("_", " ") in en
    assert reg.get(n)["status"] == current
    assert len(reg.history(n)) == before  # a refused move leaves no trace


def test_void_keeps_the_record_and_is_terminal(
    reg: HazardRegister,
    hazard: Callable[..., dict[str, Any]],
    reach: Callable[[HazardRegister, str], str],
) -> None:
    n = reg.add(**hazard())
    reg.move(n, "整改中", by="李四")
    with pytest.raises(RegisterError, match="reason"):
        reg.void(n, "  ", by="管理员")
    reg.void(n, "与 420102-2024-WH-00002 重复", by="管理员")
    rec = reg.get(n)
    assert (rec["status"], rec["void_reason"]) == ("voided", "与 420102-2024-WH-00002 重复")
    assert _statuses_of_history(reg, n)[-1] == ("rectifying", "voided")
    assert reg.history(n)["actor"].iloc[-1] == "管理员"
    assert n not in reg.list()["number"].tolist()
    assert n in reg.list(include_voided=True)["number"].tolist()
    with pytest.raises(TransitionError):
        reg.void(n, "again", by="管理员")
    with pytest.raises(TransitionError):
        reg.list_for_supervision(n, "市安委办", "2024-09-01", by="x")
    closed = reach(reg, "closed")
    with pytest.raises(TransitionError, match="已销号"):
        reg.void(closed, "late", by="x")


def test_unknown_number_and_missing_actor_are_clear_errors(
    reg: HazardRegister, hazard: Callable[..., dict[str, Any]]
) -> None:
    with pytest.raises(RegisterError, match="420102-2024-WH-09999"):
        reg.move("420102-2024-WH-09999", "整改中", by="x")
    with pytest.raises(RegisterError, match="420102-2024-WH-09999"):
        reg.history("420102-2024-WH-09999")
    n = reg.add(**hazard())
    with pytest.raises(RegisterError, match="who"):
        reg.move(n, "整改中", by=" ")
    with pytest.raises(RegisterError, match="unknown status"):
        reg.move(n, "完成", by="x")


def test_only_major_hazards_are_listed_and_listing_is_recorded(
    reg: HazardRegister, hazard: Callable[..., dict[str, Any]]
) -> None:
    general = reg.add(**hazard(grade="一般"))
    with pytest.raises(RegisterError, match="重大"):
        reg.list_for_supervision(general, "市安委办", "2024-07-01", by="王五")
    major = reg.add(**hazard())
    reg.list_for_supervision(major, "市安委办", date(2024, 7, 1), by="王五", note="第一批")
    rec = reg.get(major)
    assert (rec["listed"], rec["supervising_unit"], rec["listed_deadline"]) == (
        True,
        "市安委办",
        date(2024, 7, 1),
    )
    last = reg.history(major).iloc[-1]
    assert (last["action"], last["actor"], last["from_status"], last["to_status"]) == (
        "list",
        "王五",
        "registered",
        "registered",
    )
    assert "市安委办" in last["note"] and "第一批" in last["note"]


def test_numbers_are_per_series_and_follow_found_year(
    reg: HazardRegister, hazard: Callable[..., dict[str, Any]]
) -> None:
    a = [reg.add(**hazard()) for _ in range(3)]
    b = reg.add(**hazard(category="fire"))
    c = reg.add(**hazard(district="江汉", adcode="420103"))
    d = reg.add(**hazard(found_at="2023-12-30", deadline="2024-01-30"))
    assert a == ["420102-2024-WH-00001", "420102-2024-WH-00002", "420102-2024-WH-00003"]
    assert (b, c, d) == ("420102-2024-XF-00001", "420103-2024-WH-00001", "420102-2023-WH-00001")
    with pytest.raises(RegisterError):
        reg.add(**hazard(title=""))
    # a refused add consumes no number
    assert reg.add(**hazard()) == "420102-2024-WH-00004"


def _add_many(
    path: str, worker: int, n: int, barrier: Any, out: str, *, base: dict[str, Any]
) -> None:
    with HazardRegister(path, timeout=60) as reg:
        barrier.wait()  # all start writing at once
        numbers = [
            reg.add(
                **{
                    **base,
                    "title": f"worker {worker} hazard {i}",
                    "category": ("hazmat", "fire")[i % 2],
                },
                by=f"w{worker}",
            )
            for i in range(n)
        ]
    Path(out).write_text("\n".join(numbers), encoding="utf-8")


WRITERS = 8


@pytest.mark.slow
def test_eight_processes_get_unique_gapless_numbers(
    tmp_path: Path, hazard: Callable[..., dict[str, Any]], new_db: Callable[..., str]
) -> None:
    path = new_db("shared")
    HazardRegister(path).close()  # made (and migrated) before the writers start
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(WRITERS)
    procs = [
        ctx.Process(
            target=_add_many,
            args=(path, w, 50, barrier, str(tmp_path / f"w{w}.txt")),
            kwargs={"base": hazard()},
        )
        for w in range(WRITERS)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(240)
    assert [p.exitcode for p in procs] == [0] * WRITERS
    results = [(tmp_path / f"w{w}.txt").read_text(encoding="utf-8").split() for w in range(WRITERS)]
    numbers = [n for r in results for n in r]
    assert len(numbers) == len(set(numbers)) == 50 * WRITERS
    for code in ("WH", "XF"):
        seqs = sorted(int(n.rsplit("-", 1)[1]) for n in numbers if f"-{code}-" in n)
        assert seqs == list(range(1, 25 * WRITERS + 1))
    with HazardRegister(path) as reg:
        df = reg.list()
        assert sorted(df["number"]) == sorted(numbers)
        for w, mine in enumerate(results):  # each process got back the numbers of its own rows
            titles = df.set_index("number").loc[mine, "title"].tolist()
            assert titles == [f"worker {w} hazard {i}" for i in range(50)]
        assert reg.verify().ok


def _write_until_killed(path: str, log: str, import_file: str, base: dict[str, Any]) -> None:
    with HazardRegister(path, timeout=60) as reg, Path(log).open("a", encoding="utf-8") as out:
        i = 0
        while True:
            n = reg.add(**{**base, "title": f"loop {i}"}, by="loop")
            reg.move(n, "整改中", by="loop")
            out.write(f"{n}\n")
            out.flush()
            if i % 3 == 0:
                result = reg.import_file(import_file, by="loop", today=TODAY)
                out.write("".join(f"{m}\n" for m in result.numbers))
                out.flush()
            i += 1


KILLS = 20


def _complete_lines(log: Path) -> list[str]:
    """The numbers the writers logged after their commits, whole lines only, with a torn
    last line cut off the file (the next writer appends after it): a write that a SIGKILL
    interrupts can stop part way (Linux checks for a fatal signal between pages), leaving
    "4" of "420102-..."; what it names was committed, but not which number it was."""
    raw = log.read_bytes()
    whole = raw[: raw.rfind(b"\n") + 1]
    if whole != raw:
        log.write_bytes(whole)
    return whole.decode("utf-8").split()


@pytest.mark.slow
def test_killed_writers_leave_a_consistent_register(
    tmp_path: Path, hazard: Callable[..., dict[str, Any]], new_db: Callable[..., str]
) -> None:
    path, log = new_db("k"), tmp_path / "committed.txt"
    HazardRegister(path).close()
    batch = tmp_path / "batch.csv"
    pd.DataFrame([hazard(title=f"batch {i}") for i in range(40)]).rename(
        columns={"title": "隐患名称", "lon": "经度", "lat": "纬度"}
    ).to_csv(batch, index=False, encoding="utf-8-sig")
    log.touch()
    ctx = mp.get_context("spawn")
    rng = random.Random(20)
    target = 0
    for _ in range(KILLS):  # kill writers in turn, each at a random point of its work
        target += rng.randint(8, 30)
        proc = ctx.Process(
            target=_write_until_killed, args=(str(path), str(log), str(batch), hazard())
        )
        proc.start()
        try:
            deadline = time.monotonic() + 120
            while len(log.read_text(encoding="utf-8").splitlines()) < target:
                assert proc.is_alive(), "the writer died on its own"
                assert time.monotonic() < deadline, "the writer made no progress"
                time.sleep(0.01)
            assert proc.pid is not None
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            proc.join(30)
        assert proc.exitcode == -signal.SIGKILL
        last_seq = _check_consistent(path, _complete_lines(log))
    with HazardRegister(path) as reg:  # and the register opens, verifies and writes again
        assert reg.verify().ok, reg.verify().problems
        n = reg.add(**hazard())
        assert int(n.rsplit("-", 1)[1]) == last_seq + 1


def _check_consistent(path: str, committed: list[str]) -> int:
    if path.startswith("postgresql"):
        import psycopg

        conn: Any = psycopg.connect(path)
    else:
        conn = sqlite3.connect(path)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    try:
        with HazardRegister(path) as reg:
            assert reg.verify().ok, reg.verify().problems
        numbers = {r[0] for r in conn.execute("SELECT number FROM hazard")}
        assert set(committed) <= numbers
        # no half-records: every record has its history and its last step is its status
        rows = conn.execute(
            "SELECT h.status, (SELECT to_status FROM hazard_history x "
            "WHERE x.number = h.number ORDER BY step DESC LIMIT 1) FROM hazard h"
        ).fetchall()
        assert rows and all(status == last for status, last in rows)
        # imports are all or nothing
        imported = conn.execute(
            "SELECT COUNT(*) FROM hazard_history WHERE action = 'import'"
        ).fetchone()[0]
        assert imported % 40 == 0 and imported > 0
        # counters match the records, sequences are gapless
        (last_seq,) = conn.execute("SELECT last_seq FROM hazard_counter").fetchone()
        seqs = sorted(r[0] for r in conn.execute("SELECT seq FROM hazard"))
        assert seqs == list(range(1, last_seq + 1))
        return int(last_seq)
    finally:
        conn.close()


def test_a_supervision_deadline_before_the_day_found_is_refused(
    reg: HazardRegister, hazard: Callable[..., dict[str, Any]]
) -> None:
    n = reg.add(**hazard(found_at="2024-03-01"))
    with pytest.raises(RegisterError) as info:
        reg.list_for_supervision(n, "市安委办", "2024-02-29", by="王五")
    assert str(info.value) == (
        f"督办期限 (listed_deadline) 2024-02-29 is before 发现日期 (found_at) 2024-03-01 of {n}: "
        "give a supervision deadline on or after 2024-03-01"
    )
    assert reg.get(n)["listed"] is False
    assert reg.history(n)["action"].tolist() == ["register"]
    reg.list_for_supervision(n, "市安委办", "2024-03-01", by="王五")  # the same day is fine
    assert reg.get(n)["listed_deadline"] == date(2024, 3, 1)


def test_notes_reasons_units_and_actors_follow_the_text_rules(
    reg: HazardRegister, hazard: Callable[..., dict[str, Any]]
) -> None:
    n = reg.add(**hazard())
    with pytest.raises(RegisterError, match=r"备注 \(note\) has 5,001 characters"):
        reg.move(n, "整改中", by="李四", note="x" * 5_001)
    with pytest.raises(
        RegisterError, match=r"备注 \(note\) contains control character\(s\) U\+0007"
    ):
        reg.move(n, "整改中", by="李四", note="已\x07通知")
    with pytest.raises(RegisterError, match=r"操作人 \(by\) contains .*U\+0009 TAB") as info:
        reg.move(n, "整改中", by="李\t四")
    assert "write it on one line" in str(info.value)
    with pytest.raises(RegisterError, match=r"操作人 \(by\) has 101 characters"):
        reg.move(n, "整改中", by="李" * 101)
    with pytest.raises(RegisterError, match=r"督办单位 \(supervising_unit\) contains"):
        reg.list_for_supervision(n, "市安\x00委办", "2024-07-01", by="王五")
    with pytest.raises(RegisterError, match=r"作废原因 \(void_reason\) contains .*U\+001B ESC"):
        reg.void(n, "重复\x1b登记", by="管理员")
    assert len(reg.history(n)) == 1  # nothing refused left a trace
    reg.move(n, "整改中", by="李四", note="方案：\r\n1. 更换\t报警器")
    reg.void(n, "重复登记\n见 420102-2024-WH-00002", by="管理员")
    assert reg.history(n)["note"].tolist()[1:] == [
        "方案：\n1. 更换\t报警器",
        "重复登记\n见 420102-2024-WH-00002",
    ]
