"""The problem collector: rows beyond the cap are summarised; every problem a reader
reports speaks Chinese and English (its message and hint, its code as words)."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest

from riskmap.errors import LayerDataError, Problem
from riskmap.io import MAX_ROW_PROBLEMS, describe, describe_code, read_table

IO = Path(__file__).resolve().parents[2] / "riskmap" / "io"
READERS = (
    "layers",
    "spreadsheets",
    "tables",
    "vectors",
    "geometry",
    "archives",
    "problems",
    "project",
)
CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH_WORDS = re.compile(r"[A-Za-z]{3,}(?:\s+[a-z]{2,})+")
"""An English word and a lower-case one after it: a sentence, not a name (GeoPackage,
EPSG:4547, Excel's “CSV UTF-8”)."""


def test_many_bad_rows_are_summarised(files: Any) -> None:
    rows = "".join(f"G{i},站,x{i},30.5\n" for i in range(MAX_ROW_PROBLEMS + 10))
    path = files.root / "gas.csv"
    path.write_text("编号,名称,经度,纬度\nG,站,114.3,30.5\n" + rows, encoding="utf-8")
    gdf, problems = files.read(path)
    assert gdf is not None and len(gdf) == 1
    per_row = [p for p in problems if p.code == "non_numeric" and p.row is not None]
    summary = [p for p in problems if p.code == "non_numeric" and p.row is None]
    assert len(per_row) == MAX_ROW_PROBLEMS
    assert len(summary) == 1 and summary[0].message.startswith("10 more row(s)")
    assert summary[0].message_zh.startswith("另有 10 行")


def _reported_codes() -> set[str]:
    """Every problem code the readers report (the second argument of ``add``/``rows``,
    the first of ``_fail``, when written out)."""
    codes = set()
    for name in READERS:
        for node in ast.walk(ast.parse((IO / f"{name}.py").read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func.attr if isinstance(node.func, ast.Attribute) else ""
            func = func or getattr(node.func, "id", "")
            at = {"add": 1, "rows": 1, "_fail": 0}.get(func)
            if at is not None and len(node.args) > at:
                arg = node.args[at]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    codes.add(arg.value)
    return codes


def test_every_code_has_words_and_every_report_carries_chinese() -> None:
    codes = _reported_codes()
    assert {"non_numeric", "missing_column", "unreadable_file", "outside_bbox"} <= codes
    for code in codes:
        assert CJK.search(describe_code(code, "zh")), code
        assert not CJK.search(describe_code(code, "en")) and "_" not in describe_code(code, "en")
    # Every call of the readers gives its Chinese (zh=...) beside the English.
    for name in READERS:
        tree = ast.parse((IO / f"{name}.py").read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func.attr if isinstance(node.func, ast.Attribute) else ""
                func = func or getattr(node.func, "id", "")
                if func in {"add", "rows", "_fail"} and len(node.args) >= 2:
                    assert any(k.arg == "zh" for k in node.keywords), f"{name}.py:{node.lineno}"
                if func == "Problem" and len(node.args) >= 3:  # made whole: Chinese by
                    # keyword or as the ninth argument
                    zh = len(node.args) >= 9 or any(k.arg == "message_zh" for k in node.keywords)
                    assert zh, f"{name}.py:{node.lineno}"


def _assert_speaks(problems: list[Problem], data: str = "") -> None:
    """Each problem in Chinese without an English sentence, and in English without
    Chinese but the file's own words (``data``: its headers and values) and the headers a
    kind accepts (the hint's examples)."""
    from riskmap.config import load_layer_kinds
    from riskmap.io.suggest import X_ALIASES, Y_ALIASES

    aliases = " ".join(
        a for k in load_layer_kinds().values() for f in k.fields.values() for a in f.aliases
    )
    theirs = set(CJK.findall(data + aliases + "".join(X_ALIASES + Y_ALIASES)))
    assert problems
    for p in problems:
        word, message, hint = describe(p, "zh")
        assert CJK.search(word) and CJK.search(message), p
        for text in (word, message, hint):
            assert not ENGLISH_WORDS.search(text), (p.code, text)
        word, message, hint = describe(p, "en")
        assert (message, hint) == (p.message, p.hint)  # the command line's English
        for text in (word, message, hint):
            ours = re.sub(
                r"[\u4e00-\u9fff]+", lambda m: "" if set(m.group(0)) <= theirs else m.group(0), text
            )
            assert not CJK.search(ours), (p.code, text)


def test_a_messy_table_is_described_in_both_languages(files: Any) -> None:
    text = (
        "编号,名称,经度,纬度,站点等级\n"
        "G1,中山加油站,114.3055,30.5928,一级\n"
        "G1,重复站,114.2650,30.6170,二级\n"  # a repeated id
        "G3,坏站,abc,30.59,二级\n"  # not a number
        "G4,远站,120.5,35.2,二级\n"  # outside the city
        "G5,颠倒站,30.59,114.30,二级\n"  # swapped
        "G6,空站,,30.6,二级\n"  # no coordinate
        "G7,多列站,114.3,30.6,二级,多余\n"  # one value too many
    )
    _, problems = files.read(files.text("加油站.csv", text))
    codes = {p.code for p in problems}
    assert {"duplicate_id", "non_numeric", "outside_bbox", "swapped_xy"} <= codes
    assert {"missing_coordinates", "wrong_field_count"} <= codes
    _assert_speaks(problems, text)


@pytest.mark.parametrize(
    "make",
    [
        lambda f: f.binary("x.csv"),
        lambda f: f.binary("bad.xlsx"),
        lambda f: f.binary("bad.zip"),
        lambda f: f.binary("bad.gpkg"),
        lambda f: f.text("empty.csv", ""),
        lambda f: f.text("x.xls", "a"),
    ],
)
def test_a_refused_file_is_described_in_both_languages(files: Any, make: Any) -> None:
    with pytest.raises(LayerDataError) as caught:
        read_table(make(files))
    _assert_speaks(list(caught.value.report))


def test_missing_columns_are_described_in_both_languages(files: Any) -> None:
    _, problems = files.read(files.text("x.csv", "名称,东西\n甲,1\n"))
    assert {p.code for p in problems} == {"missing_column"}
    _assert_speaks(problems, "名称,东西")
