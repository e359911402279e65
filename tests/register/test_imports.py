"""Importing a file: all or nothing, problems named by file, row and column, a file not
imported twice, Chinese headers and the project's districts."""

from __future__ import annotations

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
    with HazardRegister(tmp_path / "h.sqlite", bbox=wuhan_bbox, districts=districts) as reg:
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
