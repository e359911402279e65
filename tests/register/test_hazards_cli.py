"""The `hazards` verb of the command line (riskmap/cli/hazards.py): add, move, supervise,
list, show, export, import, void, backup, restore; a project's default register."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

import riskmap.cli.main
from riskmap.register import HazardRegister


def _cli(*argv: str) -> int:
    return riskmap.cli.main.main(["hazards", *argv])


def test_cli_verbs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], new_db: Callable[..., str]
) -> None:
    db = new_db("cli")  # a file, or a postgresql:// URL of the test server
    rc = _cli(
        "add",
        "--db",
        db,
        "--title",
        "脚手架未验收",
        "--category",
        "建设施工",
        "--grade",
        "重大",
        "--lon",
        "114.3",
        "--lat",
        "30.6",
        "--district",
        "江岸",
        "--adcode",
        "420102",
        "--found-by",
        "张三",
        "--found-at",
        "2024-03-01",
        "--deadline",
        "2024-04-01",
        "--unit",
        "某建设公司",
    )
    assert rc == 0
    number = capsys.readouterr().out.strip()
    assert number == "420102-2024-JS-00001"
    assert _cli("move", number, "--to", "整改中", "--by", "李四", "--db", db) == 0
    assert "整改中" in capsys.readouterr().out
    assert _cli("move", number, "--to", "已销号", "--by", "李四", "--db", db) == 1
    err = capsys.readouterr().err
    assert "整改中" in err and "待验收" in err and "awaiting acceptance" in err
    assert (
        _cli(
            "supervise",
            number,
            "--unit",
            "市安委办",
            "--deadline",
            "2024-05-01",
            "--by",
            "王五",
            "--db",
            db,
        )
        == 0
    )
    capsys.readouterr()
    assert _cli("list", "--db", db, "--overdue", "--today", "2024-06-01") == 0
    out = capsys.readouterr().out
    assert number in out and "脚手架未验收" in out and "共 1 条" in out
    assert _cli("list", "--db", db, "--status", "已销号") == 0
    assert number not in capsys.readouterr().out
    assert _cli("show", number, "--db", db, "--lang", "en") == 0
    out = capsys.readouterr().out
    assert "rectification started" in out and "李四" in out and "市安委办" in out
    export = tmp_path / "out.csv"
    assert _cli("export", str(export), "--db", db) == 0
    capsys.readouterr()
    db2 = new_db("cli2")
    # The hazard is being rectified: an import may not skip the closed loop (one line).
    assert _cli("import", str(export), "--by", "导入员", "--db", db2) == 1
    err = capsys.readouterr().err
    assert "row 2" in err and "状态" in err and "Traceback" not in err
    assert _cli("void", number, "--reason", "重复", "--by", "管理员", "--db", db) == 0
    capsys.readouterr()
    assert _cli("list") == 1
    assert "--db" in capsys.readouterr().err


def _add_in_project(project: str, lon: str) -> int:
    return _cli(
        "add",
        "--project",
        project,
        "--title",
        "t",
        "--category",
        "gas",
        "--grade",
        "一般",
        "--lon",
        lon,
        "--lat",
        "30.6",
        "--district",
        "江汉",
        "--found-by",
        "a",
        "--deadline",
        "2030-01-01",
        "--unit",
        "u",
    )


def test_cli_project_default_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], project_yaml: Path
) -> None:
    project = str(project_yaml)
    assert _add_in_project(project, "114.2") == 0
    assert capsys.readouterr().out.strip().startswith(f"420103-{date.today().year}-RQ-")
    assert (tmp_path / "city" / "var" / "testcity-hazards.sqlite").exists()
    assert _add_in_project(project, "120") == 1
    assert "outside the project's area" in capsys.readouterr().err


def test_cli_backup_and_restore(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    fill: Callable[[HazardRegister], list[str]],
) -> None:
    db, new, out = tmp_path / "a.sqlite", tmp_path / "b.sqlite", tmp_path / "a.zip"
    with HazardRegister(db) as reg:
        numbers = fill(reg)
    assert _cli("backup", str(out), "--db", str(db)) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith(f"{out}: 5 record(s), 14 history row(s), 4 number counter(s)")
    assert _cli("restore", str(out), "--db", str(new)) == 0
    assert "b.sqlite: restored 5 record(s)" in capsys.readouterr().out
    assert _cli("verify", "--db", str(new)) == 0
    capsys.readouterr()
    assert _cli("show", numbers[0], "--db", str(new), "--lang", "en") == 0
    assert "acceptance failed" in capsys.readouterr().out
    # a second restore into the same register: refused, one line
    assert _cli("restore", str(out), "--db", str(new)) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "b.sqlite: the register holds 5 record(s)" in err
    # a damaged backup: refused, one line, the new register stays empty
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(out.read_bytes().replace(b"hazard_counter.jsonl", b"hazard_counter.jsonX"))
    assert _cli("restore", str(damaged), "--db", str(tmp_path / "c.sqlite")) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "member hazard_counter.jsonl is missing" in err
    with HazardRegister(tmp_path / "c.sqlite") as c:
        assert c.list(include_voided=True).empty


def test_cli_backup_of_a_register_that_does_not_exist(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], project_yaml: Path
) -> None:
    missing = tmp_path / "nowhere" / "h.sqlite"
    assert _cli("backup", str(tmp_path / "b.zip"), "--db", str(missing)) == 1
    err = capsys.readouterr().err
    assert err == (
        f"error: {missing}: no register there: the file does not exist; give the register's "
        ".sqlite file with --db, or its project with --project\n"
    )
    assert not missing.parent.exists() and not (tmp_path / "b.zip").exists()
    assert _cli("backup", str(tmp_path / "b.zip"), "--project", str(project_yaml)) == 1
    err = capsys.readouterr().err
    assert "no register there (the register of testcity)" in err and err.count("\n") == 1
    assert not (tmp_path / "city" / "var").exists()
