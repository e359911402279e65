"""Reading the rows of a CSV/XLSX file for import: every encoding, rows counted as the
user counts them, a row with too many values, files that are not tables."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from riskmap.errors import LayerDataError
from riskmap.register import HazardRegister, format_hazards

TODAY = date(2024, 6, 1)


_CSV_HEADER = "标题,类别,等级,经度,纬度,所在区,区划代码,发现日期,发现人,责任单位,整改期限\n"
_CSV_ROW = "{title},建设施工,重大,114.3,30.6,江岸,420102,2024-03-01,张三,某公司,2024-04-01\n"


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig", "utf-8"])
def test_import_csv_reads_every_encoding_and_counts_rows_as_the_user(
    reg: HazardRegister, tmp_path: Path, encoding: str
) -> None:
    text = (
        _CSV_HEADER
        + _CSV_ROW.format(title="脚手架")
        + ",,,,,,,,,,\n"
        + _CSV_ROW.format(title="配电箱")
    )
    f = tmp_path / "排查.csv"
    f.write_bytes(text.encode(encoding))
    result = reg.import_file(f, by="导入员", today=TODAY)
    assert result.rows == 2
    titles = reg.list(today=TODAY).sort_values("number")["title"].tolist()
    assert titles == ["脚手架", "配电箱"]
    assert reg.history(result.numbers[1])["note"].iloc[0] == "排查.csv row 4"  # blank row 3 counted


def test_import_names_a_row_with_too_many_values_and_refuses_other_files(
    reg: HazardRegister, tmp_path: Path
) -> None:
    f = tmp_path / "x.csv"
    f.write_text(
        _CSV_HEADER + _CSV_ROW.format(title="a") + _CSV_ROW.format(title="b,c"), encoding="utf-8"
    )
    with pytest.raises(LayerDataError) as info:
        reg.import_file(f, by="x", today=TODAY)
    assert [(p.code, p.row) for p in info.value.report.errors] == [("wrong_field_count", 3)]
    geojson = tmp_path / "x.geojson"
    geojson.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    with pytest.raises(LayerDataError) as info:
        reg.import_file(geojson, by="x")
    assert [p.code for p in info.value.report.errors] == ["unsupported_format"]
    with pytest.raises(LayerDataError) as info:
        reg.import_file(tmp_path / "missing.csv", by="x")
    assert [p.code for p in info.value.report.errors] == ["file_not_found"]
    assert reg.list(include_voided=True).empty


def test_format_hazards_labels_zh_and_en(
    reg: HazardRegister, hazard: Callable[..., dict[str, Any]]
) -> None:
    n = reg.add(**hazard())
    reg.move(n, "整改中", by="x")
    df = reg.list(today=TODAY)
    en = format_hazards(df, "en")
    # English headers and words as people read them (the app, the CLI and the export alike)
    assert en.columns[:6].tolist() == ["Number", "Hazard", "Category", "Grade", "Status", "Overdue"]
    assert [
        en.at[0, c] for c in ("Category", "Grade", "Status", "Overdue", "Listed for supervision")
    ] == [
        "Hazardous chemicals",
        "Major",
        "Rectifying",
        "Yes",  # due 2024-05-01
        "No",
    ]
    zh = format_hazards(df)
    assert zh.columns[:6].tolist() == ["统一编号", "隐患名称", "类别", "等级", "状态", "是否逾期"]
    assert [zh.at[0, c] for c in ("类别", "等级", "状态", "是否逾期", "挂牌督办")] == [
        "危化",
        "重大",
        "整改中",
        "是",
        "否",
    ]
    assert df.loc[0, "status"] == "rectifying"  # the input is not modified
