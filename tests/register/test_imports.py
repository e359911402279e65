"""Importing a file: all or nothing, problems named by file, row and column, a file not
imported twice, Chinese headers and the project's districts; the rules of values by row
(adcodes, years, deadlines, texts), a number once, new hazards only, formula guards."""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from riskmap.errors import LayerDataError, RegisterError
from riskmap.register import HazardRegister

TODAY = date(2024, 6, 1)


def test_import_errors_name_file_row_and_column_and_write_nothing(
    reg: HazardRegister, tmp_path: Path, hazard: Callable[..., dict[str, Any]]
) -> None:
    rows = [
        hazard(),  # row 2 fine
        hazard(category="矿山"),  # row 3 bad category
        hazard(lon="abc"),  # row 4 not a number
        hazard(lon=30.6, lat=114.3),  # row 5 swapped
        hazard(deadline="2024-02-01"),  # row 6 deadline before found_at
        hazard(grade="一般", title=""),  # row 7 empty title
    ]
    df = pd.DataFrame(rows).rename(
        columns={
            "title": "标题",
            "category": "类别",
            "grade": "等级",
            "lon": "经度",
            "lat": "纬度",
            "district": "所在区",
            "adcode": "区划代码",
            "found_at": "发现日期",
            "found_by": "发现人",
            "responsible_unit": "责任单位",
            "deadline": "整改期限",
        }
    )
    f = tmp_path / "排查.csv"
    df.to_csv(f, index=False, encoding="gbk")
    with pytest.raises(LayerDataError) as info:
        reg.import_file(f, by="导入员", today=TODAY)
    found = {(p.row, p.column, p.code) for p in info.value.report.errors}
    assert found == {
        (3, "类别", "bad_category"),
        (4, "经度", "bad_coordinate"),
        (5, "纬度", "bad_coordinate"),
        (6, "整改期限", "bad_value"),
        (7, "标题", "missing_value"),
    }
    assert all(p.file == "排查.csv" for p in info.value.report.errors)
    swapped = next(p for p in info.value.report.errors if p.row == 5)
    assert "swapped" in swapped.hint
    assert reg.list(include_voided=True).empty


def test_import_reports_missing_columns_and_refuses_a_second_import(
    reg: HazardRegister, tmp_path: Path, hazard: Callable[..., dict[str, Any]]
) -> None:
    f = tmp_path / "x.csv"
    pd.DataFrame([{"隐患名称": "a", "经度": 114.3}]).to_csv(f, index=False)
    with pytest.raises(LayerDataError) as info:
        reg.import_file(f, by="x")
    missing = {p.message for p in info.value.report.errors if p.code == "missing_column"}
    assert any("纬度" in m for m in missing) and any("整改期限" in m for m in missing)
    assert all(p.row == 1 for p in info.value.report.errors)
    reg.add(**hazard())
    exported = reg.export(tmp_path / "e.xlsx")
    with pytest.raises(LayerDataError) as info:
        reg.import_file(exported, by="x", today=TODAY)
    (p,) = info.value.report.errors
    assert (p.code, p.row, p.column) == ("already_registered", 2, "统一编号")


def test_import_xlsx_with_chinese_headers_and_project_districts(
    tmp_path: Path,
    hazard: Callable[..., dict[str, Any]],
    wuhan_bbox: tuple[float, float, float, float],
    new_db: Callable[..., str],
) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(
        [
            "隐患名称",
            "类别",
            "隐患等级",
            "经度(WGS84)",
            "纬度(WGS84)",
            "所在区",
            "发现日期",
            "发现人",
            "责任单位",
            "整改期限",
            "挂牌督办",
            "督办单位",
            "督办期限",
            "备用列",
        ]
    )
    ws.append(
        [
            "仓库堆放烟花",
            "烟花爆竹",
            "重大",
            114.2,
            30.55,
            "江汉",
            date(2024, 3, 2),
            "赵六",
            "某批发部",
            date(2024, 4, 2),
            "是",
            "区应急局",
            date(2024, 4, 30),
            "x",
        ]
    )
    ws.append([None] * 14)  # a blank row is skipped but still counted
    ws.append(
        [
            "路口积水",
            "防汛",
            "一般",
            114.21,
            30.56,
            "江岸",
            "2024/3/5",
            "钱七",
            "区水务局",
            "2024年4月5日",
            "否",
            None,
            None,
            None,
        ]
    )
    f = tmp_path / "导入.xlsx"
    wb.save(f)
    districts = {"江岸": "420102", "江汉": "420103"}
    with HazardRegister(new_db(), bbox=wuhan_bbox, districts=districts) as reg:
        result = reg.import_file(f, by="导入员", today=TODAY)
        assert result.numbers == ("420103-2024-YH-00001", "420102-2024-FX-00001")
        assert [p.code for p in result.report] == ["unknown_column"]
        rec = reg.get("420103-2024-YH-00001")
        assert (rec["listed"], rec["supervising_unit"], rec["deadline"]) == (
            True,
            "区应急局",
            date(2024, 4, 2),
        )
        hist = reg.history("420102-2024-FX-00001")
        assert hist["note"].iloc[0] == "导入.xlsx row 4"
        with pytest.raises(RegisterError, match="not a district"):
            reg.add(**hazard(district="不存在区", adcode=None))


_ZH = {
    "number": "统一编号",
    "title": "隐患名称",
    "category": "类别",
    "grade": "等级",
    "status": "状态",
    "lon": "经度",
    "lat": "纬度",
    "district": "所在区",
    "adcode": "区划代码",
    "found_at": "发现日期",
    "found_by": "发现人",
    "responsible_unit": "责任单位",
    "deadline": "整改期限",
    "description": "隐患描述",
    "listed": "挂牌督办",
    "supervising_unit": "督办单位",
    "listed_deadline": "督办期限",
}


def _csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    """``rows`` as a CSV file with Chinese headers (the first data row is row 2)."""
    pd.DataFrame(rows).rename(columns=_ZH).to_csv(path, index=False, encoding="utf-8-sig")
    return path


def _refused(reg: HazardRegister, path: Path) -> set[tuple[int | None, str | None, str]]:
    """(row, column, code) of every error of a refused import; checks nothing was written."""
    with pytest.raises(LayerDataError) as info:
        reg.import_file(path, by="导入员", today=TODAY)
    assert reg.list(include_voided=True).empty
    return {(p.row, p.column, p.code) for p in info.value.report.errors}


def test_import_reads_adcodes_in_any_digits_and_refuses_bad_ones_by_row(
    tmp_path: Path, hazard: Callable[..., dict[str, Any]], new_db: Callable[..., str]
) -> None:
    districts = {"江岸": "420102", "江汉": "420103"}
    with HazardRegister(new_db(), districts=districts) as reg:
        bad = _csv(
            tmp_path / "bad.csv",
            [hazard(), hazard(adcode="42O102"), hazard(adcode="440300"), hazard(adcode="1234567")],
        )
        assert _refused(reg, bad) == {
            (3, "区划代码", "bad_adcode"),
            (4, "区划代码", "unknown_adcode"),
            (5, "区划代码", "bad_adcode"),
        }
        good = _csv(
            tmp_path / "good.csv",
            [hazard(adcode="420102"), hazard(adcode="４２０１０２"), hazard(adcode="٤٢٠١٠٢")],
        )
        result = reg.import_file(good, by="导入员", today=TODAY)
        assert result.numbers == tuple(f"420102-2024-WH-0000{i}" for i in (1, 2, 3))


def test_import_refuses_years_deadlines_and_texts_by_row_and_column(
    reg: HazardRegister, tmp_path: Path, hazard: Callable[..., dict[str, Any]]
) -> None:
    listed = {"listed": "是", "supervising_unit": "区应急局", "listed_deadline": "2024-04-01"}
    rows = [
        {**hazard(), **listed},  # row 2 fine
        {**hazard(found_at="0001-01-01"), **listed},  # row 3 year 1
        {**hazard(found_at="1948-12-31"), **listed},  # row 4 before 1949
        {**hazard(), **listed, "listed_deadline": "2024-02-29"},  # row 5 督办期限 too early
        {**hazard(deadline="2024-02-29"), **listed},  # row 6 整改期限 too early
        {**hazard(title="隐" * 201), **listed},  # row 7 title too long
        {**hazard(description="配电箱\x00破损"), **listed},  # row 8 NUL
        {**hazard(district="江\t岸"), **listed},  # row 9 a tab in one line
        {**hazard(description="一楼\n\t二楼"), **listed},  # row 10 fine
    ]
    with pytest.raises(LayerDataError) as info:
        reg.import_file(_csv(tmp_path / "排查.csv", rows), by="导入员", today=TODAY)
    errors = info.value.report.errors
    assert {(p.row, p.column, p.code) for p in errors} == {
        (3, "发现日期", "bad_date"),
        (4, "发现日期", "bad_date"),
        (5, "督办期限", "bad_value"),
        (6, "整改期限", "bad_value"),
        (7, "隐患名称", "too_long"),
        (8, "隐患描述", "control_character"),
        (9, "所在区", "control_character"),
    }
    by_row = {p.row: p for p in errors}
    assert "is not in the years 1949..2025" in by_row[3].message
    assert "4-digit year" in by_row[3].hint
    assert by_row[5].message == (
        "督办期限 (listed_deadline) 2024-02-29 is before 发现日期 (found_at) 2024-03-01"
    )
    assert "201 characters, more than the 200 allowed" in by_row[7].message
    assert "U+0000 NUL" in by_row[8].message and "U+0009 TAB" in by_row[9].message
    assert reg.list(include_voided=True).empty


def test_import_refuses_a_number_twice_naming_both_rows(
    reg: HazardRegister, tmp_path: Path, hazard: Callable[..., dict[str, Any]]
) -> None:
    rows = [
        {**hazard(), "number": "420102-2024-WH-00007"},
        {**hazard(), "number": "420102-2024-WH-00008"},
        {**hazard(), "number": "４２０１０２-2024-WH-00007"},  # the same number, full-width
    ]
    with pytest.raises(LayerDataError) as info:
        reg.import_file(_csv(tmp_path / "x.csv", rows), by="导入员", today=TODAY)
    (p,) = info.value.report.errors
    assert (p.code, p.row, p.column, p.file) == ("duplicate_number", 4, "统一编号", "x.csv")
    assert p.message == "统一编号 (number) 420102-2024-WH-00007 is in rows 2 and 4 of the file"
    assert "keep row 2" in p.hint
    assert reg.list(include_voided=True).empty


def test_import_registers_new_hazards_only_a_state_needs_its_history(
    reg: HazardRegister, tmp_path: Path, hazard: Callable[..., dict[str, Any]]
) -> None:
    rows = [
        {**hazard(), "status": "已登记"},  # row 2 fine
        {**hazard(), "status": "整改中"},  # row 3
        {**hazard(), "status": "已销号"},  # row 4
        {**hazard(), "status": "已作废"},  # row 5
        {**hazard(), "status": None},  # row 6 fine: 已登记
    ]
    with pytest.raises(LayerDataError) as info:
        reg.import_file(_csv(tmp_path / "x.csv", rows), by="导入员", today=TODAY)
    errors = info.value.report.errors
    assert {(p.row, p.column, p.code) for p in errors} == {
        (3, "状态", "bad_status"),
        (4, "状态", "bad_status"),
        (5, "状态", "bad_status"),
    }
    closed = next(p for p in errors if p.row == 4)
    assert closed.message == (
        "状态 (status) 已销号 (closed) cannot be imported: an import registers new hazards as "
        "已登记 (registered); a record in that state comes back only with its full history, "
        "via 'python -m riskmap hazards restore BACKUP' from a backup made by 'hazards backup'"
    )
    assert "set 状态 to 已登记" in closed.hint
    voided = next(p for p in errors if p.row == 5)
    assert "cannot be created voided" in voided.message
    assert "comes back only with its full history, via 'python -m riskmap hazards restore" in (
        voided.message
    )
    assert "then void it with a reason" in voided.hint
    assert reg.list(include_voided=True).empty
    made_up = [{**hazard(), "status": "整改中", "number": "第1号"}]  # not a unified number
    assert _refused(reg, _csv(tmp_path / "made_up.csv", made_up)) == {(2, "状态", "bad_status")}
    # not even a row of a register's export with its 统一编号: only a backup keeps a state
    exported = [{**hazard(), "status": "整改中", "number": "420102-2024-WH-00001"}]
    assert _refused(reg, _csv(tmp_path / "export.csv", exported)) == {(2, "状态", "bad_status")}


def test_typed_text_stays_as_typed_and_exports_guard_formulas(
    reg: HazardRegister,
    tmp_path: Path,
    hazard: Callable[..., dict[str, Any]],
    new_db: Callable[..., str],
) -> None:
    typed = reg.add(**hazard(title="'=x"))
    formula = reg.add(**hazard(title="=1+1", description="@SUM(A1)"))
    assert (reg.get(typed)["title"], reg.get(formula)["title"]) == ("'=x", "=1+1")
    csv_file = reg.export(tmp_path / "e.csv")
    with csv_file.open(encoding="utf-8-sig", newline="") as f:
        cells = {r["统一编号"]: r for r in csv.DictReader(f)}
    assert cells[typed]["隐患名称"] == "'=x"  # not a formula: written as it is
    assert (cells[formula]["隐患名称"], cells[formula]["隐患描述"]) == ("'=1+1", "'@SUM(A1)")
    xlsx_file = reg.export(tmp_path / "e.xlsx")
    ws = openpyxl.load_workbook(xlsx_file).worksheets[0]
    titles = {ws.cell(r, 1).value: ws.cell(r, 2) for r in (2, 3)}
    assert (titles[typed].value, titles[formula].value) == ("'=x", "=1+1")
    assert titles[typed].data_type == titles[formula].data_type == "s"
    with zipfile.ZipFile(xlsx_file) as z:
        assert not any(b"<f>" in z.read(n) for n in z.namelist() if "worksheets/" in n)
    with HazardRegister(new_db("xlsx")) as other:  # XLSX cells are read as they are
        numbers = other.import_file(xlsx_file, by="y", today=TODAY).numbers
        assert [other.get(n)["title"] for n in numbers] == ["'=x", "=1+1"]
    with HazardRegister(new_db("csv")) as other:  # CSV: the export's guard taken off
        (number,) = other.import_file(
            _csv(tmp_path / "one.csv", [hazard(title="'=1+1", description="'@SUM(A1)")]),
            by="y",
            today=TODAY,
        ).numbers
        assert (other.get(number)["title"], other.get(number)["description"]) == (
            "=1+1",
            "@SUM(A1)",
        )
