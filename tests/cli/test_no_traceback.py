"""No verb ever prints a traceback: every bad input gives one error line and a non-zero exit.

Each case runs the real command (``python -m riskmap ...``) in a subprocess, as a user would.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _project(tmp: Path, text: bytes) -> str:
    folder = tmp / "city"
    folder.mkdir(exist_ok=True)
    (folder / "project.yaml").write_bytes(text)
    return str(folder / "project.yaml")


def _cases(tmp: Path) -> dict[str, tuple[list[str | bytes], str]]:
    gbk = _project(tmp, "name: 城市\ntitle: {zh: 测试, en: Test}\n".encode("gbk"))
    broken = str(tmp / "broken.yaml")
    Path(broken).write_text("name: [unclosed\n", encoding="utf-8")
    not_a_db = tmp / "not-a-db.sqlite"
    not_a_db.write_bytes(b"this is not a database at all" * 100)
    a_file = tmp / "a-file"
    a_file.write_text("x", encoding="utf-8")
    return {
        "unknown project": (["validate", "no-such-city"], "not found"),
        "project.yaml not UTF-8": (["assess", gbk, "--out", str(tmp / "o1")], "not UTF-8"),
        "project.yaml not YAML": (["map", broken, "--out", str(tmp / "m.html")], "not valid YAML"),
        "invalid UTF-8 argument": ([b"validate", b"\xff\xfecity"], "error:"),
        "register not a database": (
            ["hazards", "--db", str(not_a_db), "list"],
            "not a hidden-hazard register",
        ),
        "register is a folder": (["hazards", "--db", str(tmp), "list"], "error:"),
        "unknown hazard number": (
            ["hazards", "--db", str(tmp / "r.sqlite"), "show", "X-1"],
            "error:",
        ),
        "named register missing": (
            [
                "export",
                "wuhan",
                "--cell-size",
                "2000",
                "--register",
                str(tmp / "none.sqlite"),
                "--out",
                str(tmp / "e"),
            ],
            "not found",
        ),
        "output is a file": (
            ["export", "wuhan", "--cell-size", "2000", "--out", str(a_file)],
            "error:",
        ),
        "indicators, bad cell size": (["indicators", "wuhan", "--cell-size", "-1"], "positive"),
        "report, bad grid": (
            [
                "report",
                "wuhan",
                "--grid",
                "h3",
                "--h3-resolution",
                "20",
                "--out",
                str(tmp / "r.html"),
            ],
            "0 to 15",
        ),
    }


NAMES = [
    "unknown project",
    "project.yaml not UTF-8",
    "project.yaml not YAML",
    "invalid UTF-8 argument",
    "register not a database",
    "register is a folder",
    "unknown hazard number",
    "named register missing",
    "output is a file",
    "indicators, bad cell size",
    "report, bad grid",
]


@pytest.mark.parametrize("name", NAMES)
def test_bad_input_gives_one_error_line_not_a_traceback(name: str, tmp_path: Path) -> None:
    args, says = _cases(tmp_path)[name]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("RISKMAP_DEBUG", None)
    run = subprocess.run(
        [sys.executable.encode(), b"-m", b"riskmap", *(a if isinstance(a, bytes) else a.encode() for a in args)],
        capture_output=True, cwd=tmp_path, env=env, timeout=300, check=False,
    )  # fmt: skip
    err = run.stderr.decode("utf-8", "replace")
    assert run.returncode != 0, err
    assert "Traceback" not in err, err
    assert says in err, err


def test_out_of_memory_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from riskmap.cli import main as cli
    from riskmap.cli import validate

    def exhausted(args: object) -> int:
        raise MemoryError

    monkeypatch.setattr(validate, "run", exhausted)
    assert cli.main(["validate", "wuhan"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: out of memory") and "Traceback" not in err


def test_an_unexpected_error_is_one_line_and_names_the_debug_switch(monkeypatch, capsys) -> None:
    from riskmap.cli import main as cli
    from riskmap.cli import validate

    def broken(args: object) -> int:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(validate, "run", broken)
    monkeypatch.delenv("RISKMAP_DEBUG", raising=False)
    assert cli.main(["validate", "wuhan"]) == 1
    err = capsys.readouterr().err
    assert (
        "unexpected ZeroDivisionError" in err
        and "RISKMAP_DEBUG=1" in err
        and "Traceback" not in err
    )
