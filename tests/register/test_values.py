"""Values of a record: locations checked (finite, inside the area, not swapped); adcodes
in any digits, years, deadlines and texts (limits, control characters, stored as typed)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from riskmap.errors import RegisterError
from riskmap.register import HazardRegister


def test_location_checks(reg: HazardRegister, hazard: Callable[..., dict[str, Any]]) -> None:
    for bad in ({"lon": float("nan")}, {"lat": float("inf")}, {"lon": 120.0}, {"lat": 95.0}):
        with pytest.raises(RegisterError, match=r"lon|lat"):
            reg.add(**hazard(**bad))
    with pytest.raises(RegisterError, match="swapped"):
        reg.add(**hazard(lon=30.6, lat=114.3))


TODAY = date(2024, 6, 1)
NUMBER = re.compile(r"\d{6}-\d{4}-[A-Z]{2}-\d{5}", re.ASCII)


def test_adcodes_in_full_width_or_arabic_indic_digits_give_the_ascii_series(
    reg: HazardRegister, hazard: Callable[..., dict[str, Any]]
) -> None:
    numbers = [reg.add(**hazard(adcode=a)) for a in ("420102", "４２０１０２", "٤٢٠١٠٢")]
    assert numbers == ["420102-2024-WH-00001", "420102-2024-WH-00002", "420102-2024-WH-00003"]
    assert [reg.get(n)["adcode"] for n in numbers] == ["420102"] * 3


@pytest.mark.parametrize("adcode", ["42010", "4201023", "42O102", "42-102", "42010\U00010a40"])
def test_an_adcode_that_is_not_six_digits_is_refused_naming_the_field(
    reg: HazardRegister, hazard: Callable[..., dict[str, Any]], adcode: str
) -> None:
    with pytest.raises(RegisterError, match=r"区划代码 \(adcode\).*6-digit") as info:
        reg.add(**hazard(adcode=adcode))
    assert "e.g. 420102" in str(info.value)
    assert reg.list(include_voided=True).empty


def test_with_the_projects_districts_the_adcode_must_be_one_of_them(
    tmp_path: Path, hazard: Callable[..., dict[str, Any]]
) -> None:
    districts = {"江岸": "４２０１０２", "江汉": "420103"}  # the project's file, as it was typed
    with HazardRegister(tmp_path / "h.sqlite", districts=districts) as reg:
        with pytest.raises(RegisterError, match=r"adcode\) 440300 is not a district") as info:
            reg.add(**hazard(adcode="440300"))
        assert "420102 (江岸)" in str(info.value) and "420103 (江汉)" in str(info.value)
        with pytest.raises(RegisterError, match=r"does not match 所在区 \(district\) 江岸"):
            reg.add(**hazard(adcode="420103"))
        assert reg.add(**hazard(adcode="420102")) == "420102-2024-WH-00001"
        assert reg.add(**hazard(adcode=None)) == "420102-2024-WH-00002"


@pytest.mark.parametrize(
    ("found_at", "shown"),
    [
        ("0001-01-01", "0001-01-01"),
        (date(1, 1, 1), "0001-01-01"),
        ("1948-12-31", "1948-12-31"),
        ("10000101", "1000-01-01"),
        ("2026-01-01", "2026-01-01"),
    ],
)
def test_a_year_found_outside_1949_to_next_year_is_refused(
    reg: HazardRegister, hazard: Callable[..., dict[str, Any]], found_at: object, shown: str
) -> None:
    with pytest.raises(RegisterError) as info:
        reg.add(**hazard(found_at=found_at, deadline="2099-01-01"), today=TODAY)
    assert f"发现日期 (found_at) {shown} is not in the years 1949..2025" in str(info.value)
    assert reg.list(include_voided=True).empty  # and no number such as 420102-1-WH-00001


def test_numbers_carry_the_4_digit_year_from_1949(
    reg: HazardRegister, hazard: Callable[..., dict[str, Any]]
) -> None:
    first = reg.add(**hazard(found_at="1949-10-01", deadline="1949-12-01"), today=TODAY)
    assert first == "420102-1949-WH-00001" and NUMBER.fullmatch(first)
    with pytest.raises(RegisterError, match=r"发现日期 \(found_at\) 2024-06-02 is in the future"):
        reg.add(**hazard(found_at="2024-06-02", deadline="2024-07-01"), today=TODAY)


def test_a_deadline_before_the_day_found_is_refused(
    reg: HazardRegister, hazard: Callable[..., dict[str, Any]]
) -> None:
    with pytest.raises(RegisterError) as info:
        reg.add(**hazard(found_at="2024-03-01", deadline="2024-02-29"))
    assert "整改期限 (deadline) 2024-02-29 is before 发现日期 (found_at) 2024-03-01" in str(
        info.value
    )
    assert "on or after 2024-03-01" in str(info.value)
    assert reg.add(**hazard(found_at="2024-03-01", deadline="2024-03-01")).endswith("-00001")


@pytest.mark.parametrize(
    ("field", "limit", "shown"),
    [
        ("title", 200, "隐患名称 (title)"),
        ("description", 5_000, "隐患描述 (description)"),
        ("district", 100, "所在区 (district)"),
        ("note", 5_000, "备注 (note)"),
    ],
)
def test_texts_are_limited(
    reg: HazardRegister,
    hazard: Callable[..., dict[str, Any]],
    field: str,
    limit: int,
    shown: str,
) -> None:
    n = reg.add(**hazard(**{field: "隐" * limit}))
    if field != "note":
        assert reg.get(n)[field] == "隐" * limit
    with pytest.raises(RegisterError) as info:
        reg.add(**hazard(**{field: "隐" * (limit + 1)}))
    assert f"{shown} has {limit + 1:,} characters, more than the {limit:,} allowed" in str(
        info.value
    )
    assert f"shorten it to {limit:,} characters" in str(info.value)


@pytest.mark.parametrize(
    ("field", "text", "shown"),
    [
        ("title", "报警器\x00失效", "U+0000 NUL"),
        ("title", "报警器\x07失效", "U+0007 BEL"),
        ("title", "报警器\t失效", "U+0009 TAB"),
        ("title", "报警器\n失效", "U+000A LF"),
        ("district", "江\x1b岸", "U+001B ESC"),
        ("found_by", "张\x7f三", "U+007F DEL"),
        ("responsible_unit", "某\x85公司", "U+0085"),
        ("description", "配电箱\x00破损", "U+0000 NUL"),
        ("note", "已\x07通知", "U+0007 BEL"),
    ],
)
def test_control_characters_are_refused_naming_the_field(
    reg: HazardRegister,
    hazard: Callable[..., dict[str, Any]],
    field: str,
    text: str,
    shown: str,
) -> None:
    with pytest.raises(RegisterError, match="control character") as info:
        reg.add(**hazard(**{field: text}))
    assert f"({field}) contains control character(s) {shown} (first at character" in str(info.value)
    assert reg.list(include_voided=True).empty


def test_descriptions_and_notes_keep_line_breaks_and_tabs(
    reg: HazardRegister, hazard: Callable[..., dict[str, Any]]
) -> None:
    n = reg.add(**hazard(description="一楼：\t配电箱\r\n二楼：灭火器\r过期"), note="第一行\n第二行")
    assert reg.get(n)["description"] == "一楼：\t配电箱\n二楼：灭火器\n过期"
    assert reg.history(n)["note"].iloc[0] == "第一行\n第二行"


@pytest.mark.parametrize("title", ["'=x", "'+1+1", "'-2", "'@SUM(A1)", "=1+1"])
def test_typed_text_is_stored_as_typed(
    reg: HazardRegister, hazard: Callable[..., dict[str, Any]], title: str
) -> None:
    n = reg.add(**hazard(title=title, description=title, found_by=title))
    rec = reg.get(n)
    assert (rec["title"], rec["description"], rec["found_by"]) == (title, title, title)
