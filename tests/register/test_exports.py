"""Exports: .xlsx and .csv in zh and en import back unchanged while every record is
已登记 (records further along come back only from a backup); text that looks like a
formula stays text."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from riskmap.errors import LayerDataError, RegisterError
from riskmap.register import (
    COLUMN_HEADERS,
    EXPORT_FIELDS,
    LIST_COLUMNS,
    HazardRegister,
)

TODAY = date(2024, 6, 1)


def _comparable(df: pd.DataFrame) -> pd.DataFrame:
    cols = [c for c in LIST_COLUMNS if c not in ("created_at", "updated_at")]
    return df.sort_values("number").reset_index(drop=True)[cols].astype(str)


@pytest.mark.parametrize(
    ("suffix", "lang"), [(".xlsx", "zh"), (".csv", "zh"), (".csv", "en"), (".xlsx", "en")]
)
def test_export_round_trips(
    tmp_path: Path,
    suffix: str,
    lang: str,
    hazard: Callable[..., dict[str, Any]],
    new_db: Callable[..., str],
) -> None:
    with HazardRegister(new_db("a")) as a:
        n1 = a.add(**hazard(title='=HYPERLINK("x")', description='配电箱, "破损"\n二楼'))
        a.list_for_supervision(n1, "市安委办", "2024-08-01", by="x")
        a.add(
            **hazard(
                grade="一般",
                category="燃气",
                lon=114.123456789,
                lat=30.5,
                layer_binding="gas_stations",
                feature_id="G-17",
            )
        )
        out = a.export(tmp_path / f"register{suffix}", lang, today=TODAY)
        expected = a.list(today=TODAY)
        # Hazards past 已登记 do not come back from a sheet: only a backup keeps history.
        n3 = a.add(**hazard(category="flood"))
        for s in ("rectifying", "awaiting_acceptance", "closed"):
            a.move(n3, s, by="x", override="现场核查，无需照片")
        a.move(n1, "整改中", by="x")
        a.void(a.add(**hazard(category="fire")), "重复登记", by="x")
        moved = a.export(tmp_path / f"moved{suffix}", lang, today=TODAY)
        backup = a.backup(tmp_path / "a.zip")
        a_list = a.list(include_voided=True, today=TODAY)
    if suffix == ".xlsx":
        ws = openpyxl.load_workbook(out).worksheets[0]
        assert ws.cell(1, 1).value == ("统一编号" if lang == "zh" else "Number")
        assert ws.cell(2, 2).data_type == "s"  # a title that looks like a formula stays text
    else:
        assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    with HazardRegister(new_db("b")) as b:
        result = b.import_file(out, by="y", today=TODAY)
        assert result.count == 2
        assert _comparable(b.list(today=TODAY)).equals(_comparable(expected))
    with HazardRegister(new_db("c")) as c:
        with pytest.raises(LayerDataError) as info:
            c.import_file(moved, by="y", today=TODAY)
        errors = info.value.report.errors
        # rows sorted by number: 420102-2024-FX-00001 closed, -WH-00001 rectifying, and
        # -XF-00001 voided are refused; -RQ-00001 (row 3), still registered, would import
        assert [(p.row, p.column, p.code) for p in errors] == [
            (r, "状态" if lang == "zh" else "Status", "bad_status") for r in (2, 4, 5)
        ]
        assert all("hazards restore" in p.message for p in errors)
        assert c.list(include_voided=True).empty  # nothing half-imported
        c.restore(backup.path)  # the full history comes back from the backup
        assert _comparable(c.list(include_voided=True, today=TODAY)).equals(_comparable(a_list))


def test_export_only_to_xlsx_or_csv(reg: HazardRegister, tmp_path: Path) -> None:
    with pytest.raises(RegisterError, match=r"\.xlsx or \.csv"):
        reg.export(tmp_path / "register.json")
    assert not (tmp_path / "register.json").exists()
    out = reg.export(tmp_path / "new" / "empty.CSV", "en")  # folders made, suffix in any case
    headers = out.read_text(encoding="utf-8-sig").strip()
    assert headers == ",".join(COLUMN_HEADERS[f]["en"] for f in EXPORT_FIELDS)
    assert headers.startswith("Number,Hazard,Category,Grade,Status,Overdue,Longitude")


def test_an_xlsx_export_has_the_history_as_its_second_sheet(
    reg: HazardRegister, fill: Callable[[HazardRegister], list[str]], tmp_path: Path
) -> None:
    import openpyxl

    closed = fill(reg)[0]
    path = reg.export(tmp_path / "台账.xlsx", "zh")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["隐患台账", "变更记录"]
    rows = list(wb["变更记录"].iter_rows(values_only=True))
    assert rows[0][:5] == ("统一编号", "序号", "时间（UTC）", "操作人", "操作")
    mine = [r for r in rows[1:] if r[0] == closed]
    assert [r[4] for r in mine] == [
        "登记", "开始整改", "申请验收", "验收不通过", "申请验收", "上传附件", "验收销号"
    ]  # fmt: skip
    assert len(rows) - 1 == sum(
        len(reg.history(n)) for n in reg.list(include_voided=True)["number"]
    )
