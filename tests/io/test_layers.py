"""read_layer: mapping and validating every format, and a corpus of bad and messy files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from riskmap.errors import Problem
from riskmap.io import (
    read_layer,
)

PT = {"type": "Point", "coordinates": [114.30, 30.59]}
BOWTIE = {
    "type": "Polygon",
    "coordinates": [
        [[114.30, 30.50], [114.40, 30.60], [114.40, 30.50], [114.30, 30.60], [114.30, 30.50]]
    ],
}
SQUARE = {
    "type": "Polygon",
    "coordinates": [
        [[114.30, 30.50], [114.40, 30.50], [114.40, 30.60], [114.30, 30.60], [114.30, 30.50]]
    ],
}
HAZMAT = {"kind": "hazmat_enterprise"}
ACCIDENT = {"kind": "accident"}

Case = tuple[
    str,
    Callable[[Any], tuple[Path, dict[str, Any]]],
    str,
    str,
    str | None,
    int | None,
    str | None,
    bool,
]
# The bad-file corpus: (id, build(files) -> (path, binding kwargs incl. kind), code,
# severity, file, row, column, layer usable?). Each names its outcome exactly.
CASES: list[Case] = [
    ("file_not_found", lambda f: (f.root / "missing.csv", {}),
     "file_not_found", "error", "missing.csv", None, None, False),
    ("xls", lambda f: (f.text("old.xls", "x"), {}),
     "unsupported_format", "error", "old.xls", None, None, False),
    ("shp_dbf_only", lambda f: (f.text("a.dbf", "x"), {}),
     "unsupported_format", "error", "a.dbf", None, None, False),
    ("zero_bytes", lambda f: (f.text("e.csv", ""), {}),
     "empty_file", "error", "e.csv", None, None, False),
    ("blank_lines", lambda f: (f.text("b.csv", "\n\n  \n"), {}),
     "empty_file", "error", "b.csv", None, None, False),
    ("header_only", lambda f: (f.text("h.csv", f.HEAD), {}),
     "no_rows", "error", "h.csv", None, None, False),
    ("wrong_encoding", lambda f: (f.text("g.csv", "id,name,lon,lat\n1,中文,114.3,30.5\n", "gbk"), {"encoding": "utf-8"}),
     "unreadable_encoding", "error", "g.csv", 2, None, False),
    ("binary_junk", lambda f: (f.binary("j.csv"), {}),
     "unreadable_encoding", "error", "j.csv", None, None, False),
    ("unknown_encoding_name", lambda f: (f.text("u.csv", f.GAS_CSV), {"encoding": "klingon"}),
     "unknown_encoding", "error", "u.csv", None, None, False),
    ("no_id_column", lambda f: (f.text("n.csv", "名称,经度,纬度\n甲,114.3,30.5\n"), {}),
     "missing_column", "error", "n.csv", 1, None, False),
    ("no_coordinates", lambda f: (f.text("c.csv", "编号,名称,地址\n1,甲,路\n"), {}),
     "missing_column", "error", "c.csv", 1, None, False),
    ("mapped_header_absent", lambda f: (f.text("m.csv", f.GAS_CSV), {"columns": {"name": "站名"}}),
     "missing_column", "error", "m.csv", 1, "站名", False),
    ("non_numeric_coordinate", lambda f: (f.text("x.csv", f.HEAD + "1,甲,114.3,30.5\n2,乙,东经114度,30.5\n"), {}),
     "non_numeric", "error", "x.csv", 3, "经度", True),
    ("empty_coordinate", lambda f: (f.text("ec.csv", f.HEAD + "1,甲,114.3,30.5\n2,乙,114.3,\n"), {}),
     "missing_coordinates", "error", "ec.csv", 3, "纬度", True),
    ("non_numeric_required", lambda f: (f.text("s.csv", f.HEAD.strip() + ",类型,面积\n1,甲,114.3,30.5,固定,500\n2,乙,114.3,30.5,紧急,约500\n"), {"kind": "shelter"}),
     "non_numeric", "error", "s.csv", 3, "面积", True),
    ("negative_population", lambda f: (f.text("p.csv", f.HEAD.strip() + ",人口数\n1,甲,114.3,30.5,10\n2,乙,114.3,30.5,-5\n"), {"kind": "population"}),
     "out_of_range", "error", "p.csv", 3, "人口数", True),
    ("floors_too_high", lambda f: (f.text("f.csv", f.HEAD.strip() + ",层数\n1,甲,114.3,30.5,300\n"), {"kind": "high_rise"}),
     "out_of_range", "warning", "f.csv", 2, "层数", True),
    ("floors_fraction", lambda f: (f.text("f2.csv", f.HEAD.strip() + ",层数\n1,甲,114.3,30.5,3.5\n"), {"kind": "high_rise"}),
     "not_integer", "warning", "f2.csv", 2, "层数", True),
    ("unknown_category", lambda f: (f.text("k.csv", f.HEAD.strip() + ",类型\n1,甲,114.3,30.5,学校\n2,乙,114.3,30.5,超市\n"), {"kind": "sensitive_target", "columns": {"type": "类型"}}),
     "unknown_category", "error", "k.csv", 3, "类型", True),
    ("empty_required_name", lambda f: (f.text("e2.csv", f.HEAD + "1,甲,114.3,30.5\n2,,114.3,30.5\n"), {}),
     "missing_value", "error", "e2.csv", 3, "名称", True),
    ("duplicate_id", lambda f: (f.text("d.csv", f.HEAD + "1,甲,114.3,30.5\n2,乙,114.3,30.5\n1,丙,114.3,30.5\n"), {}),
     "duplicate_id", "error", "d.csv", 4, "编号", True),
    ("swapped", lambda f: (f.text("sw.csv", f.HEAD + "1,甲,114.3,30.5\n2,乙,30.6,114.2\n"), {}),
     "swapped_xy", "error", "sw.csv", 3, "经度", True),
    ("swapped_lat_over_90", lambda f: (f.text("sw2.csv", "编号,名称,lat,lon\n1,甲,114.3,30.5\n"), {}),
     "swapped_xy", "error", "sw2.csv", 2, "lon", False),
    ("outside_city", lambda f: (f.text("o.csv", f.HEAD + "1,甲,114.3,30.5\n2,北京,116.40,39.90\n"), {}),
     "outside_bbox", "error", "o.csv", 3, "经度", True),
    ("metres_as_degrees", lambda f: (f.text("pm.csv", f.HEAD + "1,甲,512345.6,3380000.2\n"), {}),
     "projected_as_degrees", "error", "pm.csv", 2, "经度", False),
    ("degrees_as_metres", lambda f: (f.text("dm.csv", f.HEAD + "1,甲,114.3,30.5\n"), {"crs": "EPSG:4547"}),
     "degrees_as_projected", "error", "dm.csv", 2, "经度", False),
    ("unknown_crs", lambda f: (f.text("uc.csv", f.GAS_CSV), {"crs": "MARS2000"}),
     "unknown_crs", "error", "uc.csv", None, None, False),
    ("unknown_epsg", lambda f: (f.text("ue.csv", f.GAS_CSV), {"crs": "EPSG:999999"}),
     "unknown_crs", "error", "ue.csv", None, None, False),
    ("null_geometry", lambda f: (f.geojson("ng.geojson", [f.feature(PT, 编号="1", 名称="甲"), f.feature(None, 编号="2", 名称="乙")]), {}),
     "null_geometry", "error", "ng.geojson", 2, None, True),
    ("bowtie_polygon", lambda f: (f.geojson("bt.geojson", [f.feature(BOWTIE, 编号="F1")]), {"kind": "flood_zone"}),
     "invalid_geometry", "warning", "bt.geojson", 1, None, True),
    ("polygon_in_point_layer", lambda f: (f.geojson("pp.geojson", [f.feature(PT, 编号="1", 名称="甲"), f.feature(SQUARE, 编号="2", 名称="乙")]), {}),
     "wrong_geometry", "error", "pp.geojson", 2, None, True),
    ("table_for_polygons", lambda f: (f.text("tp.csv", f.HEAD + "1,甲,114.3,30.5\n"), {"kind": "flood_zone"}),
     "wrong_geometry", "error", "tp.csv", None, None, False),
    ("bad_date", lambda f: (f.text("bd.csv", "编号,日期,事故类型,经度,纬度\n1,2023-01-02,火灾,114.3,30.5\n" "2,昨天,火灾,114.3,30.5\n"), {"kind": "accident"}),
     "bad_date", "error", "bd.csv", 3, "日期", True),
    ("bad_bool", lambda f: (f.text("bb.csv", f.HEAD.strip() + ",是否整改\n1,甲,114.3,30.5,也许\n"), {"kind": "waterlogging_point", "columns": {"fixed": "是否整改"}}),
     "bad_bool", "warning", "bb.csv", 2, "是否整改", True),
    ("too_many_fields", lambda f: (f.text("tf.csv", f.HEAD + "1,甲,114.3,30.5\n2,乙,丙,114.3,30.5\n"), {}),
     "wrong_field_count", "error", "tf.csv", 3, None, True),
    ("duplicate_header", lambda f: (f.text("dh.csv", "编号,名称,名称,经度,纬度\n1,甲,乙,114.3,30.5\n"), {}),
     "duplicate_column", "warning", "dh.csv", 1, "名称", True),
    ("corrupt_geojson", lambda f: (f.text("cg.geojson", '{"type": "FeatureCollection", "features": [ oops'), {}),
     "unreadable_file", "error", "cg.geojson", None, None, False),
    ("empty_feature_collection", lambda f: (f.geojson("efc.geojson", []), {}),
     "no_rows", "error", "efc.geojson", None, None, False),
    ("gpkg_several_layers", lambda f: (f.gpkg2(), {}),
     "several_layers", "error", "two.gpkg", None, None, False),
    ("gpkg_unknown_layer", lambda f: (f.gpkg2(), {"layer": "nope"}),
     "layer_not_found", "error", "two.gpkg", None, None, False),
    ("xlsx_unknown_sheet", lambda f: (f.xlsx("w.xlsx", [["编号"]]), {"sheet": "数据"}),
     "sheet_not_found", "error", "w.xlsx", None, None, False),
    ("xlsx_not_a_workbook", lambda f: (f.text("nw.xlsx", "id,name\n"), {}),
     "unreadable_file", "error", "nw.xlsx", None, None, False),
    ("xlsx_bad_coordinate", lambda f: (f.xlsx("bc.xlsx", [["编号", "名称", "经度", "纬度"], [1, "甲", 114.3, 30.5], [2, "乙", "N/A?", 30.5]]), {}),
     "non_numeric", "error", "bc.xlsx", 3, "经度", True),
    ("zip_without_shx", lambda f: (f.zip("noshx.zip", {k: v for k, v in f.shp_parts().items() if not k.endswith(".shx")}), {}),
     "incomplete_shapefile", "error", "noshx.zip", None, None, False),
    ("zip_without_data", lambda f: (f.zip("nd.zip", {"readme.md": b"hello"}), {}),
     "unsupported_format", "error", "nd.zip", None, None, False),
    ("zip_dotdot", lambda f: (f.zip("evil.zip", {"../evil.csv": f.GAS_CSV.encode()}), {}),
     "unsafe_file", "error", "evil.zip", None, None, False),
    ("zip_absolute", lambda f: (f.zip("abs.zip", {"/tmp/abs.csv": f.GAS_CSV.encode()}), {}),
     "unsafe_file", "error", "abs.zip", None, None, False),
    ("not_a_zip", lambda f: (f.text("nz.zip", "not a zip"), {}),
     "unreadable_file", "error", "nz.zip", None, None, False),
    ("no_valid_rows", lambda f: (f.text("nv.csv", f.HEAD + "1,甲,a,b\n2,乙,c,d\n"), {}),
     "no_valid_rows", "error", "nv.csv", None, None, False),
    # Messy inputs met in bureaus' files since the first corpus (issue 12).
    ("decimal_comma_coordinates", lambda f: (f.text("dc.csv", "编号;名称;经度;纬度\nG1;甲;114,3055;30,5928\n"), {}),
     "decimal_comma", "warning", "dc.csv", None, "经度", True),
    ("decimal_comma_values", lambda f: (f.text("dcv.csv", f.HZ.replace(",", ";") + "H1;甲;一级;12,5;30;114.3;30.59\n"), dict(HAZMAT)),
     "decimal_comma", "warning", "dcv.csv", None, "R值", True),
    ("formula_without_value", lambda f: (f.xlsx("fx.xlsx", [["编号", "名称", "经度", "纬度"], ["G1", "=A2&\"站\"", 114.3, 30.59], ["G2", "乙", 114.3, 30.59]]), {}),
     "formula_without_value", "warning", "fx.xlsx", 2, "名称", True),
    ("extra_values_among_good_rows", lambda f: (f.text("ex.csv", f.HEAD + "G1,某,有限公司,114.3,30.59\n" + f.OK), {}),
     "wrong_field_count", "error", "ex.csv", 2, None, True),
    ("duplicate_id_full_width", lambda f: (f.text("fw.csv", f.HEAD + "G1,甲,114.3,30.59\nＧ１,乙,114.3,30.59\n"), {}),
     "duplicate_id", "error", "fw.csv", 3, "编号", True),
    ("duplicate_id_as_float", lambda f: (f.text("fl.csv", f.HEAD + "12,甲,114.3,30.59\n12.0,乙,114.3,30.59\n"), {}),
     "duplicate_id", "error", "fl.csv", 3, "编号", True),
    ("duplicate_id_case", lambda f: (f.text("cs.csv", f.HEAD + "G1,甲,114.3,30.59\ng1,乙,114.3,30.59\n"), {}),
     "duplicate_id", "error", "cs.csv", 3, "编号", True),
    ("easting_with_zone_prefix", lambda f: (f.text("gk.csv", f.HEAD + "G1,甲,38512345,3385000\n" + f.OK), {}),
     "projected_as_degrees", "error", "gk.csv", 2, "经度", True),
    ("title_row_without_header_row", lambda f: (f.xlsx("title.xlsx", [["加油站台账"], ["编号", "名称", "经度", "纬度"], ["G1", "甲", 114.3, 30.59]]), {}),
     "missing_column", "error", "title.xlsx", 1, None, False),
    ("negative_employees", lambda f: (f.text("ne.csv", f.HZ + "H1,甲,一级,12,-3,114.3,30.59\n"), dict(HAZMAT)),
     "out_of_range", "warning", "ne.csv", 2, "从业人数", True),
    ("employees_fraction", lambda f: (f.text("nf.csv", f.HZ + "H1,甲,一级,12,12.5,114.3,30.59\n"), dict(HAZMAT)),
     "not_integer", "warning", "nf.csv", 2, "从业人数", True),
    ("number_with_unit", lambda f: (f.text("nu.csv", f.HZ + "H1,甲,一级,12,30人,114.3,30.59\n"), dict(HAZMAT)),
     "non_numeric", "warning", "nu.csv", 2, "从业人数", True),
    ("grade_not_allowed", lambda f: (f.text("g5.csv", f.HZ + "H1,甲,五级,12,30,114.3,30.59\n"), dict(HAZMAT)),
     "unknown_category", "warning", "g5.csv", 2, "重大危险源等级", True),
    ("negative_r_value", lambda f: (f.text("nr.csv", f.HZ + "H1,甲,一级,-1,30,114.3,30.59\n"), dict(HAZMAT)),
     "out_of_range", "warning", "nr.csv", 2, "R值", True),
    ("empty_required_id", lambda f: (f.text("ei.csv", f.HEAD + ",甲,114.3,30.59\n" + f.OK), {}),
     "missing_value", "error", "ei.csv", 2, "编号", True),
    ("infinite_coordinate", lambda f: (f.text("inf.csv", f.HEAD + "G1,甲,inf,30.59\n" + f.OK), {}),
     "non_numeric", "error", "inf.csv", 2, "经度", True),
    ("degrees_minutes_seconds", lambda f: (f.text("dms.csv", f.HEAD + "G1,甲,114°18'20\",30.59\n" + f.OK), {}),
     "non_numeric", "error", "dms.csv", 2, "经度", True),
    ("point_in_beijing", lambda f: (f.text("bj.csv", f.HEAD + "G1,甲,116.40,39.90\n" + f.OK), {}),
     "outside_bbox", "error", "bj.csv", 2, "经度", True),
    ("gcj02_point_in_shanghai", lambda f: (f.text("sh.csv", f.HEAD + "G1,甲,121.47,31.23\n" + f.OK), {"crs": "GCJ02"}),
     "outside_bbox", "error", "sh.csv", 2, "经度", True),
    ("xlsx_empty_sheet", lambda f: (f.xlsx("empty.xlsx", []), {}),
     "empty_file", "error", "empty.xlsx", None, None, False),
    ("xlsx_header_only", lambda f: (f.xlsx("ho.xlsx", [["编号", "名称", "经度", "纬度"]]), {}),
     "no_rows", "error", "ho.xlsx", None, None, False),
    ("xlsx_duplicate_header", lambda f: (f.xlsx("dh.xlsx", [["编号", "编号", "经度", "纬度"], ["G1", "甲", 114.3, 30.59]]), {}),
     "duplicate_column", "warning", "dh.xlsx", 1, "编号", False),
    ("accident_negative_deaths", lambda f: (f.text("ad.csv", f.ACC + "A1,2023-05-01,火灾,-1,114.3,30.59\n"), dict(ACCIDENT)),
     "out_of_range", "warning", "ad.csv", 2, "死亡人数", True),
    ("accident_unknown_type", lambda f: (f.text("at.csv", f.ACC + "A1,2023-05-01,车祸,0,114.3,30.59\nA2,2023-05-02,火灾,0,114.3,30.59\n"), dict(ACCIDENT)),
     "unknown_category", "error", "at.csv", 2, "事故类型", True),
    ("accident_without_date", lambda f: (f.text("an.csv", f.ACC + "A1,,火灾,0,114.3,30.59\nA2,2023-05-02,火灾,0,114.3,30.59\n"), dict(ACCIDENT)),
     "missing_value", "error", "an.csv", 2, "发生日期", True),
    ("accident_impossible_date", lambda f: (f.text("ai.csv", f.ACC + "A1,2023-13-45,火灾,0,114.3,30.59\nA2,2023-05-02,火灾,0,114.3,30.59\n"), dict(ACCIDENT)),
     "bad_date", "error", "ai.csv", 2, "发生日期", True),
]  # fmt: skip


def _ids(gdf: Any) -> list[str]:
    return [str(v) for v in gdf["id"]]


# Messy inputs that must be read right (no error, the values as the user meant them).
READINGS: list[tuple[str, Callable[[Any], tuple[Path, dict[str, Any]]], Callable[[Any], bool]]] = [
    ("blank_and_empty_rows", lambda f: (f.text("b.csv", f.HEAD + "G1,甲,114.3,30.59\n\n,,,\n" + f.OK), {}),
     lambda g: _ids(g) == ["G1", "G9"]),
    ("trailing_empty_value", lambda f: (f.text("tr.csv", f.HEAD + "G1,甲,114.3,30.59,\n"), {}),
     lambda g: _ids(g) == ["G1"]),
    ("title_row_with_header_row", lambda f: (f.xlsx("t2.xlsx", [["台账"], ["编号", "名称", "经度", "纬度"], ["G1", "甲", 114.3, 30.59]]), {"header_row": 2}),
     lambda g: _ids(g) == ["G1"]),
    ("decimal_comma_read_as_degrees", lambda f: (f.text("d2.csv", "编号;名称;经度;纬度\nG1;甲;114,3055;30,5928\n"), {}),
     lambda g: abs(float(g.geometry.x.iloc[0]) - 114.3055) < 1e-9),
    ("thousands_separator", lambda f: (f.text("p.csv", "编号,人口数,经度,纬度\nP1,\"1,500\",114.3,30.59\n"), {"kind": "population"}),
     lambda g: float(g["count"].iloc[0]) == 1500.0),
    ("full_width_digits", lambda f: (f.text("fwd.csv", f.HEAD + "G1,甲,１１４.３,３０.５９\n"), {}),
     lambda g: abs(float(g.geometry.x.iloc[0]) - 114.3) < 1e-9),
    ("long_code_in_xlsx", lambda f: (f.xlsx("lc.xlsx", [["编号", "名称", "经度", "纬度"], [91440000000000000000, "甲", 114.3, 30.59]]), {}),
     lambda g: _ids(g) == ["91440000000000000000"]),
    ("leading_zeros_kept", lambda f: (f.text("lz.csv", f.HEAD + "001,甲,114.3,30.59\n1,乙,114.3,30.59\n"), {}),
     lambda g: _ids(g) == ["001", "1"]),
    ("values_trimmed", lambda f: (f.text("tw.csv", f.HEAD + " G1 , 甲 ,114.3,30.59\n"), {}),
     lambda g: _ids(g) == ["G1"] and list(g["name"]) == ["甲"]),
    ("integer_written_as_float", lambda f: (f.text("if.csv", f.HZ + "H1,甲,一级,12,30.0,114.3,30.59\n"), dict(HAZMAT)),
     lambda g: int(g["employees"].iloc[0]) == 30),
    ("gbk_with_semicolons", lambda f: (f.text("gs.csv", "编号;名称;经度;纬度\nG1;中山加油站;114.3;30.59\n", "gbk"), {}),
     lambda g: list(g["name"]) == ["中山加油站"]),
]  # fmt: skip


def test_corpus_is_large_enough() -> None:
    assert len(CASES) + len(READINGS) >= 80
    assert len({c[0] for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_file(files: Any, case: Case) -> None:
    _, build, code, severity, file, row, column, usable = case
    path, kw = build(files)
    kind = kw.pop("kind", "gas_station")
    gdf, problems = files.read(path, kind=kind, **kw)  # no exception may escape
    assert all(isinstance(p, Problem) for p in problems)
    matching = [p for p in problems if p.code == code]
    assert matching, f"no {code} in {[str(p) for p in problems]}"
    p = matching[0]
    assert (p.severity, p.file, p.row, p.column, p.layer) == (severity, file, row, column, "layer")
    assert p.message and p.hint
    assert (gdf is not None) == usable
    if gdf is not None:
        assert len(gdf) >= 1
        assert gdf.crs.to_epsg() == 4326


def test_messy_files_are_read_right(files: Any) -> None:
    for name, build, check in READINGS:
        folder = files.sub(name)
        path, kw = build(folder)
        kind = kw.pop("kind", "gas_station")
        gdf, problems = folder.read(path, kind=kind, **kw)
        errors = [str(p) for p in problems if p.severity == "error"]
        assert gdf is not None and not errors, (name, errors)
        assert check(gdf), (name, gdf.drop(columns="geometry").to_dict("records"))


def test_xlsx_bad_value_reports_the_excel_row(files: Any) -> None:
    path = files.root / "shelters.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["编号", "名称", "经度", "纬度", "类型", "面积（平方米）"])
    ws.append(["S1", "公园", 114.30, 30.59, "固定", 12000])
    ws.append(["S2", "广场", 114.26, 30.61, "紧急", "约5000"])
    wb.save(path)
    gdf, problems = files.read(path, kind="shelter")
    assert gdf is not None and list(gdf["id"]) == ["S1"]
    [p] = problems
    assert (p.code, p.row, p.column, p.file, p.severity) == (
        "non_numeric",
        3,
        "面积（平方米）",
        "shelters.xlsx",
        "error",
    )


def test_geojson_points_and_fields(files: Any) -> None:
    path = files.root / "hazmat.geojson"
    files.points(3, 等级=["一级", "2级", None], 从业人数=[10, 20, None]).to_file(
        path, driver="GeoJSON"
    )
    gdf, problems = files.read(
        path,
        kind="hazmat_enterprise",
        columns={"grade": "等级", "employees": "从业人数"},
    )
    assert problems == []
    assert gdf is not None
    assert list(gdf["grade"])[:2] == ["一级", "二级"]  # "2级" is read as 二级
    assert gdf["grade"].iloc[2] is None
    assert gdf["employees"].iloc[0] == 10 and gdf["employees"].isna().iloc[2]
    assert set(files.kinds["hazmat_enterprise"].fields) <= set(gdf.columns)


def test_every_problem_is_collected_not_just_the_first(files: Any) -> None:
    path = files.root / "gas.csv"
    path.write_text(
        "编号,名称,经度,纬度,站点等级\n"
        "G1,甲,114.30,30.59,一级\n"
        "G2,乙,abc,30.59,一级\n"
        "G3,,114.30,30.59,一级\n"
        "G1,丁,114.30,30.59,一级\n"
        "G5,戊,116.40,39.90,一级\n",
        encoding="utf-8",
    )
    gdf, problems = files.read(path)
    assert gdf is not None and list(gdf["id"]) == ["G1"]
    found = {(p.code, p.row, p.column) for p in problems}
    assert found == {
        ("non_numeric", 3, "经度"),
        ("missing_value", 4, "名称"),
        ("duplicate_id", 5, "编号"),
        ("outside_bbox", 6, "经度"),
    }
    assert next(p for p in problems if p.code == "duplicate_id").message.endswith(
        "(first in row 2)"
    )


def test_output_types_are_canonical(files: Any) -> None:
    path = files.root / "accidents.csv"
    path.write_text(
        "编号,发生时间,事故类型,死亡人数,经度,纬度\n"
        "A1,2023年5月1日,火灾,1,114.30,30.59\n"
        "A2,2023/6/2,爆炸,,114.26,30.61\n",
        encoding="utf-8",
    )
    gdf, problems = files.read(path, kind="accident")
    assert problems == []
    assert gdf is not None
    assert str(gdf["date"].iloc[0].date()) == "2023-05-01"
    assert str(gdf["date"].iloc[1].date()) == "2023-06-02"
    assert list(gdf["name"]) == ["", ""]
    assert gdf["deaths"].iloc[0] == 1 and gdf["deaths"].isna().iloc[1]
    assert all(isinstance(v, str) for v in gdf["id"])


def test_input_frame_is_not_modified(files: Any) -> None:
    path = files.root / "gas.csv"
    path.write_text(files.GAS_CSV, encoding="utf-8")
    binding = files.binding(path)
    before = binding.model_dump()
    read_layer(binding, files.kinds["gas_station"], root=files.root, bbox_wgs84=files.BBOX)
    assert binding.model_dump() == before


def test_long_codes_stored_as_numbers_keep_their_digits(files: Any) -> None:
    """An 18-20 digit code (a unified social credit code) typed into Excel as a number
    arrives as a float; its id is its digits, never ``9.144e+19``."""
    import openpyxl

    path = files.root / "gas.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["编号", "名称", "经度", "纬度"])
    ws.append([91440000000000000000, "甲", float(files.LONS[0]), float(files.LATS[0])])
    ws.append([420102, "乙", float(files.LONS[1]), float(files.LATS[1])])
    wb.save(path)
    gdf, _ = files.read(path)
    assert gdf is not None
    assert list(gdf["id"]) == ["91440000000000000000", "420102"]


@pytest.mark.parametrize(
    ("ids", "duplicates"),
    [
        (["A1", "a1", " A1 "], [3, 4]),  # case and blanks do not make another id
        (["Ａ１", "A1"], [3]),  # full-width forms are the same characters
        (["12", "12.0", "12.00"], [3, 4]),  # an integer code written as a float
        (["1", "001", "01"], []),  # leading zeros are part of a code
        (["1.5", "1.50"], []),  # not a whole number: compared as text
    ],
)
def test_which_ids_are_the_same(files: Any, ids: list[str], duplicates: list[int]) -> None:
    path = files.root / "gas.csv"
    lines = [f"{i},站{n},{files.LONS[n % 3]},{files.LATS[n % 3]}" for n, i in enumerate(ids)]
    path.write_text("编号,名称,经度,纬度\n" + "\n".join(lines) + "\n", encoding="utf-8")
    _, problems = files.read(path)
    found = [p for p in problems if p.code == "duplicate_id"]
    assert [p.row for p in found] == duplicates
    assert all(p.message.endswith("(first in row 2)") for p in found)


def test_a_dot_before_three_digits_is_read_as_a_decimal_point_and_said(files: Any) -> None:
    path = files.text(
        "amb.csv",
        files.HZ + "H1,甲,一级,1.000,30,114.3,30.59\nH2,乙,二级,2.500,30,114.3,30.59\n",
    )
    gdf, problems = files.read(path, kind="hazmat_enterprise")
    assert gdf is not None and list(gdf["r_value"]) == [1.0, 2.5]
    said = [p for p in problems if p.code == "ambiguous_number"]
    assert len(said) == 1 and said[0].column == "R值" and said[0].severity == "warning"
