"""The history's hash chain: every forgery at the SQL level is named by verify."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from postgres_support import raw_sql

from riskmap.cli import main as cli
from riskmap.errors import RegisterError
from riskmap.register import HazardRegister
from riskmap.register.dialect import GUARDS_1, drop_guard, guard_statements, split_script
from riskmap.register.schema import _MIGRATIONS, _SCHEMA_VERSION_TABLE


@pytest.fixture
def filled(new_db: Callable[..., str], hazard: Callable[..., dict[str, Any]]) -> str:
    """A register with three hazards (one closed, one rectifying, one registered): 7 rows,
    on each backend."""
    path = new_db()
    with HazardRegister(path) as reg:
        a = reg.add(**hazard())
        for s in ("rectifying", "awaiting_acceptance", "closed"):
            reg.move(a, s, by="张三", override="现场核查，无需照片")
        b = reg.add(**hazard(title="第二个"))
        reg.move(b, "rectifying", by="李四")
        reg.add(**hazard(title="第三个"))
        assert reg.verify().ok
    return path


_sql = raw_sql


def _drop(location: str, guard: str) -> str:
    return drop_guard("postgresql" if location.startswith("postgresql") else "sqlite", guard)


def _problems(path: str) -> list[str]:
    with HazardRegister(path) as reg:
        return reg.verify().problems


def test_an_intact_register_verifies_and_gives_a_receipt(filled: str) -> None:
    with HazardRegister(filled) as reg:
        v = reg.verify()
        assert v.ok and v.rows == 7
        assert v.receipt() == f"7:{v.head_hash}" and len(v.head_hash) == 64
        assert reg.verify(head=v.receipt()).ok


def test_a_status_changed_without_history_is_found(filled: str) -> None:
    _sql(filled, "UPDATE hazard SET status = 'closed' WHERE title = '第二个'")
    problems = _problems(filled)
    assert len(problems) == 1 and "changed without a history row" in problems[0]


def test_a_forged_history_row_is_found_and_named(filled: str) -> None:
    _sql(
        filled,
        _drop(filled, "hazard_history_no_update"),
        "UPDATE hazard_history SET actor = '王五', changed_at = '2020-01-01T00:00:00+00:00' "
        "WHERE chain_pos = 3",
    )
    problems = _problems(filled)
    assert "chain position 3) was altered or forged" in problems[0]
    assert any("hazard_history_no_update" in p for p in problems)


def test_an_inserted_history_row_is_found(filled: str) -> None:
    _sql(
        filled,
        "INSERT INTO hazard_history (number, step, changed_at, actor, action, from_status, "
        "to_status, note, chain_pos, snapshot, prev_hash, row_hash) SELECT number, 9, "
        "'2020-01-01', '伪造', 'register', NULL, 'registered', '', 8, NULL, 'x', 'y' "
        "FROM hazard WHERE title = '第三个'",
    )
    assert "chain position 8)" in _problems(filled)[0]


def test_a_bumped_counter_is_found(filled: str) -> None:
    _sql(
        filled,
        _drop(filled, "hazard_counter_forward"),
        "UPDATE hazard_counter SET last_seq = last_seq + 5",
    )
    problems = _problems(filled)
    assert any("the counter was changed" in p for p in problems)


def test_dropped_guards_are_found_and_writes_refused(
    filled: str, hazard: Callable[..., dict[str, Any]]
) -> None:
    _sql(filled, _drop(filled, "hazard_no_delete"))
    with HazardRegister(filled) as reg:
        assert any("hazard_no_delete" in p for p in reg.verify().problems)
        assert len(reg.list()) == 3  # reading still works
        with pytest.raises(RegisterError, match=r"guards were removed.*writes are refused"):
            reg.add(**hazard())


def test_a_full_rewrite_is_found_by_a_kept_receipt(
    filled: str, hazard: Callable[..., dict[str, Any]], new_db: Callable[..., str]
) -> None:
    with HazardRegister(filled) as reg:
        receipt = reg.verify().receipt()
    other = new_db("other")  # a consistent chain, but another history
    with HazardRegister(other) as reg:
        for title in ("甲", "乙", "丙", "丁", "戊", "己"):
            reg.add(**hazard(title=title))
        assert reg.verify().ok
        assert not reg.verify(head=receipt).ok


def test_a_register_from_before_the_chain_is_chained_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path)
    conn.execute(_SCHEMA_VERSION_TABLE)
    for s in split_script(_MIGRATIONS[0]):
        conn.execute(s)
    for s in guard_statements("sqlite", GUARDS_1):
        conn.execute(s)
    conn.execute("INSERT INTO schema_version VALUES (1, '2024-01-01')")
    conn.execute("INSERT INTO hazard_counter VALUES ('420102', 2024, 'WH', 1)")
    conn.execute(
        "INSERT INTO hazard (number, adcode, year, category_code, seq, title, description, "
        "category, grade, lon, lat, district, found_at, found_by, responsible_unit, deadline, "
        "status, listed, created_at, updated_at) VALUES ('420102-2024-WH-00001', '420102', 2024, "
        "'WH', 1, '旧隐患', '', 'hazmat', 'major', 114.3, 30.6, '江岸', '2024-03-01', '张三', "
        "'某公司', '2024-05-01', 'registered', 0, '2024-03-01', '2024-03-01')"
    )
    conn.execute(
        "INSERT INTO hazard_history (number, step, changed_at, actor, action, from_status, "
        "to_status, note) VALUES ('420102-2024-WH-00001', 1, '2024-03-01', '张三', 'register', "
        "NULL, 'registered', '')"
    )
    conn.commit()
    conn.close()
    with HazardRegister(path) as reg:
        assert reg.schema_version() == 3
        v = reg.verify()
        assert v.ok, v.problems
        assert v.rows == 1


def test_cli_verify_names_the_problem_and_prints_a_receipt(
    filled: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["hazards", "verify", "--db", filled, "--receipt"]) == 0
    receipt = capsys.readouterr().out.strip()
    assert receipt.startswith("7:")
    assert cli.main(["hazards", "verify", "--db", filled, "--head", receipt]) == 0
    assert "verified: 7 history rows" in capsys.readouterr().out
    _sql(filled, "UPDATE hazard SET status = 'closed' WHERE title = '第三个'")
    assert cli.main(["hazards", "verify", "--db", filled]) == 1
    err = capsys.readouterr().err
    assert "changed without a history row" in err and "Traceback" not in err
