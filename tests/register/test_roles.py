"""Roles in the register itself (API and command line, on both backends): an inspector
registers and moves hazards of their own districts only, acceptance is a leader's,
voiding an administrator's, a viewer writes nothing; the history names the user."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from factories import PHOTO_PNG

from riskmap.cli import main as cli
from riskmap.errors import AccessError
from riskmap.register import HazardRegister
from riskmap.register.users import UserStore

PASSWORD = "correct horse battery"


@pytest.fixture
def people(reg: HazardRegister) -> dict[str, Any]:
    """An inspector of 江岸 (420102), a leader, a viewer and an administrator."""
    with UserStore(reg.location()) as users:
        return {
            "inspector": users.add(
                "zhang", PASSWORD, role="inspector", display_name="张检查", districts=("420102",)
            ),
            "leader": users.add("wang", PASSWORD, role="leader", display_name="王局"),
            "viewer": users.add("li", PASSWORD, role="viewer"),
            "admin": users.add("root", PASSWORD, role="admin"),
        }


def test_an_inspector_works_in_their_own_districts_only(
    reg: HazardRegister, hazard: Callable[..., dict[str, Any]], people: dict[str, Any]
) -> None:
    inspector, leader = people["inspector"], people["leader"]
    mine = reg.add(**hazard(), user=inspector)
    with pytest.raises(AccessError, match=r"无权登记.*420103.*may not register"):
        reg.add(**hazard(district="江汉", adcode="420103"), user=inspector)
    other = reg.add(**hazard(district="江汉", adcode="420103"), user=people["admin"])
    with pytest.raises(AccessError, match="may not move hazards"):
        reg.move(other, "整改中", user=inspector)
    assert reg.get(other)["status"] == "registered"  # nothing written
    reg.move(mine, "整改中", user=inspector)
    reg.move(mine, "待验收", user=inspector)
    with pytest.raises(AccessError, match="may not accept"):
        reg.move(mine, "已销号", user=inspector)
    reg.attach(mine, PHOTO_PNG, "整改后.png", user=inspector)
    reg.move(mine, "已销号", user=leader, note="现场复核")
    actors = reg.history(mine)["actor"].tolist()
    assert actors == ["张检查 (zhang, inspector)"] * 4 + ["王局 (wang, leader)"]
    assert reg.verify().ok


def test_supervision_voiding_and_viewers(
    reg: HazardRegister, hazard: Callable[..., dict[str, Any]], people: dict[str, Any]
) -> None:
    n = reg.add(**hazard(), user=people["admin"])
    with pytest.raises(AccessError, match="may not list hazards for supervision"):
        reg.list_for_supervision(n, "市安委办", "2024-06-30", user=people["inspector"])
    reg.list_for_supervision(n, "市安委办", "2024-06-30", user=people["leader"])
    for who in ("inspector", "leader", "viewer"):
        with pytest.raises(AccessError, match="may not void"):
            reg.void(n, "重复", user=people[who])
    with pytest.raises(AccessError, match="may not register"):
        reg.add(**hazard(), user=people["viewer"])
    reg.void(n, "重复登记", user=people["admin"])
    assert reg.history(n)["actor"].tolist()[-1] == "root (root, admin)"


def test_the_command_line_checks_the_user_and_records_the_os_user(
    reg: HazardRegister,
    hazard: Callable[..., dict[str, Any]],
    people: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db = reg.location()
    other = reg.add(**hazard(district="江汉", adcode="420103"), user=people["admin"])
    monkeypatch.setenv("RISKMAP_PASSWORD", PASSWORD)
    argv = ["hazards", "move", other, "--to", "整改中", "--db", db, "--user", "zhang"]
    assert cli.main(argv) == 1
    err = capsys.readouterr().err
    assert "may not move hazards" in err and "Traceback" not in err and len(err.splitlines()) == 1
    assert cli.main([*argv[:-1], "wang"]) == 0
    assert reg.history(other)["actor"].tolist()[-1] == "王局 (wang, leader)"
    monkeypatch.setenv("RISKMAP_PASSWORD", "wrong password")
    assert cli.main([*argv[:-1], "wang"]) == 1
    assert "wrong username or password" in capsys.readouterr().err
    capsys.readouterr()
    assert cli.main(["hazards", "move", other, "--to", "待验收", "--db", db, "--by", "李四"]) == 0
    assert reg.history(other)["actor"].tolist()[-1].startswith("李四 [os:")
    assert cli.main(["hazards", "move", other, "--to", "整改中", "--db", db]) == 1
    assert "--by NAME, or --user USERNAME" in capsys.readouterr().err


def test_overdue_lists_supervised_hazards_first(
    reg: HazardRegister, hazard: Callable[..., dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    late = reg.add(**hazard(deadline="2024-04-01"), by="甲")
    later = reg.add(**hazard(deadline="2024-03-10"), by="甲")
    listed = reg.add(**hazard(deadline="2024-05-20"), by="甲")
    reg.list_for_supervision(listed, "市安委办", "2024-05-25", by="乙")
    reg.add(**hazard(deadline="2024-07-01"), by="甲")  # not yet due
    closed = reg.add(**hazard(deadline="2024-03-05"), by="甲")
    for s in ("整改中", "待验收", "已销号"):
        reg.move(closed, s, by="甲", override="复核通过")
    df = reg.overdue(today=date(2024, 6, 1))
    assert df["number"].tolist() == [listed, later, late]
    assert df["days_overdue"].tolist() == [12, 83, 61]  # past the earlier missed deadline
    assert cli.main(["hazards", "overdue", "--db", reg.location(), "--today", "2024-06-01"]) == 0
    out = capsys.readouterr().out
    assert out.index(listed) < out.index(later) < out.index(late) and "共 3 条逾期" in out
