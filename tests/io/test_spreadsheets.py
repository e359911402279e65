"""CSV and Excel tables: encodings, delimiters, blank rows, header rows, formulas."""

from __future__ import annotations

from typing import Any

import openpyxl
import pytest

from riskmap.io import (
    read_table,
)


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030")],
)
def test_csv_encodings_are_detected(files: Any, encoding: str, expected: str) -> None:
    path = files.root / "gas.csv"
    path.write_bytes(files.GAS_CSV.encode(encoding))
    frame, problems = read_table(path)
    assert frame.attrs["encoding"] == expected
    assert list(frame.columns) == ["编号", "名称", "经度", "纬度", "站点等级"]
    assert list(frame.index) == [2, 3]
    gdf, problems = files.read(path)
    assert problems == []
    assert gdf is not None
    assert list(gdf["id"]) == ["G1", "G2"]
    assert list(gdf["name"]) == ["中山加油站", "汉阳加油站"]
    assert list(gdf["grade"]) == ["一级", "二级"]
    assert gdf.crs.to_epsg() == 4326
    assert files.distances_m(gdf, files.LONS[:2], files.LATS[:2]).max() < 1e-6


def test_csv_explicit_encoding_and_semicolons(files: Any) -> None:
    path = files.root / "gas.csv"
    path.write_bytes(files.GAS_CSV.replace(",", ";").encode("gbk"))
    gdf, problems = files.read(path, encoding="gbk")
    assert problems == []
    assert gdf is not None and list(gdf["name"]) == ["中山加油站", "汉阳加油站"]


def test_xlsx_first_sheet_and_by_name(files: Any) -> None:
    path = files.root / "stations.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "说明"
    ws.append(["这是说明页"])
    data = wb.create_sheet("加油站")
    data.append(["编号", "名称", "经度", "纬度"])
    data.append([1001, "甲站", 114.3055, 30.5928])
    data.append([])
    data.append([1002.0, "乙站", "114.2650", "30.6170"])
    wb.save(path)
    frame, _ = read_table(path, sheet="加油站")
    assert list(frame.index) == [2, 4]  # the empty row 3 is skipped, numbering kept
    gdf, problems = files.read(path, sheet="加油站")
    assert problems == []
    assert gdf is not None
    assert list(gdf["id"]) == ["1001", "1002"]
    assert files.distances_m(gdf, files.LONS[:2], files.LATS[:2]).max() < 1e-6


def test_csv_blank_and_empty_rows_are_skipped_as_in_xlsx(files: Any) -> None:
    path = files.root / "gas.csv"
    path.write_text(
        "编号,名称,经度,纬度\nG1,甲,114.3,30.6\n\n,,,\nG2,乙,114.4,30.5\n  ,  , , \n",
        encoding="utf-8",
    )
    frame, problems = read_table(path)
    assert list(frame["编号"]) == ["G1", "G2"]
    assert list(frame.index) == [2, 5]  # rows as the user counts them
    assert not [p for p in problems if p.severity == "error"]


def test_csv_rows_with_extra_values_are_reported_not_truncated(files: Any) -> None:
    path = files.root / "gas.csv"
    path.write_text("编号,名称,经度,纬度\nG1,甲,114.3,30.6\nG2,乙,有限公司,114.4,30.5\nG3,丙,114.2,30.4,\n",
                    encoding="utf-8")  # fmt: skip
    frame, problems = read_table(path)
    wrong = [p for p in problems if p.code == "wrong_field_count"]
    assert [p.row for p in wrong] == [3] and "5 values" in wrong[0].message
    assert list(frame["编号"]) == ["G1", "G3"]  # G3's trailing empty value is harmless


def test_a_title_row_above_the_headers_is_skipped_with_header_row(files: Any) -> None:
    """A bureau's workbook: a title in row 1, two header rows, data from row 4."""
    import openpyxl

    path = files.root / "gas.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["武汉市加油站台账（2024年）"])
    ws.append(["基本信息", None, "位置", None])
    ws.append(["编号", "名称", "经度", "纬度"])
    ws.append(["G1", "甲站", float(files.LONS[0]), float(files.LATS[0])])
    wb.save(path)
    frame, _ = read_table(path, header_row=3)
    assert list(frame.columns) == ["编号", "名称", "经度", "纬度"] and list(frame.index) == [4]
    gdf, problems = files.read(path, header_row=3)
    assert gdf is not None and list(gdf["id"]) == ["G1"]
    assert not [p for p in problems if p.severity == "error"]


def test_a_csv_title_line_is_skipped_with_header_row(files: Any) -> None:
    path = files.root / "gas.csv"
    path.write_text(
        f"加油站台账\n编号,名称,经度,纬度\nG1,甲,{files.LONS[0]},{files.LATS[0]}\n",
        encoding="utf-8",
    )
    frame, _ = read_table(path, header_row=2)
    assert list(frame["编号"]) == ["G1"] and list(frame.index) == [3]


def test_formulas_without_saved_values_are_named(files: Any) -> None:
    """A workbook written by a program keeps formulas but no values: say so, not "empty"."""
    import openpyxl

    path = files.root / "gas.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["编号", "名称", "经度", "纬度"])
    ws.append(["G1", '=CONCATENATE("甲","站")', float(files.LONS[0]), float(files.LATS[0])])
    wb.save(path)
    _, problems = read_table(path)
    found = [p for p in problems if p.code == "formula_without_value"]
    assert len(found) == 1 and found[0].row == 2 and found[0].column == "名称"


def test_the_readers_warnings_are_reported_and_unrelated_ones_are_not(
    files: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """openpyxl's own warning about the workbook is a warning of the report; a warning
    raised meanwhile by something else (a database connection collected during the read)
    is not the file's problem and stays out of the report."""
    import warnings

    path = files.xlsx("gas.xlsx", [["编号", "名称"], ["G1", "中山加油站"]])
    load = openpyxl.load_workbook

    def noisy(*args: Any, **kw: Any) -> Any:
        warnings.warn("Workbook contains no default style", UserWarning, stacklevel=2)
        warnings.warn("Connection was deleted while still open", ResourceWarning, stacklevel=2)
        return load(*args, **kw)

    monkeypatch.setattr(openpyxl, "load_workbook", noisy)
    with warnings.catch_warnings(record=True) as elsewhere:
        warnings.simplefilter("always")
        frame, problems = read_table(path)
    assert [(p.code, p.message) for p in problems] == [
        ("reader_warning", "Workbook contains no default style")
    ]
    assert [w.category for w in elsewhere] == [ResourceWarning]
    assert list(frame["名称"]) == ["中山加油站"]
