"""Reading users' files: every format, encodings, CRSs, and a corpus of bad files."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import openpyxl
import pyproj
import pytest
import shapely

from riskmap.config import LayerBinding, load_layer_kinds, load_project
from riskmap.errors import LayerDataError, Problem, UnsafeFileError
from riskmap.io import (
    MAX_ROW_PROBLEMS,
    load_project_data,
    read_layer,
    read_table,
    suggest_columns,
    tables,
)
from riskmap.io import crs as crs_mod

KINDS = load_layer_kinds()
# Wuhan's bounding box in WGS84 (minx, miny, maxx, maxy), rounded outwards.
BBOX = (113.68, 29.96, 115.09, 31.37)
# Known WGS84 positions in Wuhan.
LONS = np.array([114.3055, 114.2650, 114.4125, 114.1450, 114.5200])
LATS = np.array([30.5928, 30.6170, 30.4810, 30.5600, 30.8000])
GEOD = pyproj.Geod(ellps="WGS84")

GAS_CSV = "编号,名称,经度,纬度,站点等级\nG1,中山加油站,114.3055,30.5928,一级\nG2,汉阳加油站,114.2650,30.6170,二级\n"


def _binding(path: Path | str, kind: str = "gas_station", **kw: Any) -> LayerBinding:
    return LayerBinding(name="layer", kind=kind, path=str(path), **kw)


def _read(tmp_path: Path, path: Path | str, kind: str = "gas_station", **kw: Any):
    return read_layer(_binding(path, kind, **kw), KINDS[kind], root=tmp_path, bbox_wgs84=BBOX)


def _points_gdf(n: int = 3, crs: str = "EPSG:4326", **columns: Any) -> gpd.GeoDataFrame:
    data = {"编号": [f"P{i}" for i in range(n)], "名称": [f"站{i}" for i in range(n)], **columns}
    return gpd.GeoDataFrame(
        data, geometry=shapely.points(LONS[:n], LATS[:n]), crs="EPSG:4326"
    ).to_crs(crs)


def _distances_m(gdf: gpd.GeoDataFrame, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
    _, _, dist = GEOD.inv(gdf.geometry.x.to_numpy(), gdf.geometry.y.to_numpy(), lons, lats)
    return np.abs(dist)


def _zip(path: Path, files: dict[str, bytes | Path]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, content in files.items():
            zf.writestr(name, content.read_bytes() if isinstance(content, Path) else content)
    return path


# ------------------------------------------------------------------ good paths


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030")],
)
def test_csv_encodings_are_detected(tmp_path: Path, encoding: str, expected: str) -> None:
    path = tmp_path / "gas.csv"
    path.write_bytes(GAS_CSV.encode(encoding))
    frame, problems = read_table(path)
    assert frame.attrs["encoding"] == expected
    assert list(frame.columns) == ["编号", "名称", "经度", "纬度", "站点等级"]
    assert list(frame.index) == [2, 3]
    gdf, problems = _read(tmp_path, path)
    assert problems == []
    assert gdf is not None
    assert list(gdf["id"]) == ["G1", "G2"]
    assert list(gdf["name"]) == ["中山加油站", "汉阳加油站"]
    assert list(gdf["grade"]) == ["一级", "二级"]
    assert gdf.crs.to_epsg() == 4326
    assert _distances_m(gdf, LONS[:2], LATS[:2]).max() < 1e-6


def test_csv_explicit_encoding_and_semicolons(tmp_path: Path) -> None:
    path = tmp_path / "gas.csv"
    path.write_bytes(GAS_CSV.replace(",", ";").encode("gbk"))
    gdf, problems = _read(tmp_path, path, encoding="gbk")
    assert problems == []
    assert gdf is not None and list(gdf["name"]) == ["中山加油站", "汉阳加油站"]


def test_gbk_csv_in_gcj02_lands_within_a_metre(tmp_path: Path) -> None:
    glon, glat = crs_mod.wgs84_to_gcj02(LONS, LATS)
    lines = ["序号,单位名称,经度,纬度,人口数（人）"]
    lines += [
        f"{i + 1},点{i},{x:.9f},{y:.9f},{100 * (i + 1)}"
        for i, (x, y) in enumerate(zip(glon, glat, strict=True))
    ]
    path = tmp_path / "人口.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode("gbk"))
    gdf, problems = _read(tmp_path, path, kind="population", crs="GCJ02")
    assert problems == []
    assert gdf is not None and len(gdf) == len(LONS)
    # GCJ-02 is hundreds of metres off WGS84; converted back it must land on the truth.
    raw = gpd.GeoDataFrame(geometry=shapely.points(glon, glat), crs="EPSG:4326")
    assert _distances_m(raw, LONS, LATS).min() > 100
    assert _distances_m(gdf, LONS, LATS).max() < 1.0
    assert list(gdf["count"]) == [100.0, 200.0, 300.0, 400.0, 500.0]
    assert list(gdf["id"]) == ["1", "2", "3", "4", "5"]


def test_xlsx_first_sheet_and_by_name(tmp_path: Path) -> None:
    path = tmp_path / "stations.xlsx"
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
    gdf, problems = _read(tmp_path, path, sheet="加油站")
    assert problems == []
    assert gdf is not None
    assert list(gdf["id"]) == ["1001", "1002"]
    assert _distances_m(gdf, LONS[:2], LATS[:2]).max() < 1e-6


def test_xlsx_bad_value_reports_the_excel_row(tmp_path: Path) -> None:
    path = tmp_path / "shelters.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["编号", "名称", "经度", "纬度", "类型", "面积（平方米）"])
    ws.append(["S1", "公园", 114.30, 30.59, "固定", 12000])
    ws.append(["S2", "广场", 114.26, 30.61, "紧急", "约5000"])
    wb.save(path)
    gdf, problems = _read(tmp_path, path, kind="shelter")
    assert gdf is not None and list(gdf["id"]) == ["S1"]
    [p] = problems
    assert (p.code, p.row, p.column, p.file, p.severity) == (
        "non_numeric",
        3,
        "面积（平方米）",
        "shelters.xlsx",
        "error",
    )


def test_geojson_points_and_fields(tmp_path: Path) -> None:
    path = tmp_path / "hazmat.geojson"
    _points_gdf(3, 等级=["一级", "2级", None], 从业人数=[10, 20, None]).to_file(
        path, driver="GeoJSON"
    )
    gdf, problems = _read(
        tmp_path, path, kind="hazmat_enterprise", columns={"grade": "等级", "employees": "从业人数"}
    )
    assert problems == []
    assert gdf is not None
    assert list(gdf["grade"])[:2] == ["一级", "二级"]  # "2级" is read as 二级
    assert gdf["grade"].iloc[2] is None
    assert gdf["employees"].iloc[0] == 10 and gdf["employees"].isna().iloc[2]
    assert set(KINDS["hazmat_enterprise"].fields) <= set(gdf.columns)


def test_gpkg_layer_by_name(tmp_path: Path) -> None:
    path = tmp_path / "data.gpkg"
    _points_gdf(2).to_file(path, layer="stations", driver="GPKG")
    _points_gdf(3).to_file(path, layer="others", driver="GPKG")
    gdf, problems = _read(tmp_path, path, layer="others")
    assert problems == []
    assert gdf is not None and len(gdf) == 3


def test_zipped_shapefile_epsg4547_with_prj_and_cpg(tmp_path: Path) -> None:
    shp_dir = tmp_path / "shp"
    shp_dir.mkdir()
    _points_gdf(5, "EPSG:4547").to_file(shp_dir / "消防站.shp", encoding="GBK")
    assert (shp_dir / "消防站.cpg").read_text().strip().upper() == "GBK"
    assert (shp_dir / "消防站.prj").exists()
    path = _zip(tmp_path / "fire.zip", {f"消防站/{p.name}": p for p in shp_dir.iterdir()})
    frame, _ = read_table(path)
    assert frame.crs.to_epsg() == 4547
    gdf, problems = _read(tmp_path, path, kind="fire_station")
    assert problems == []
    assert gdf is not None
    assert list(gdf["name"]) == [f"站{i}" for i in range(5)]
    assert _distances_m(gdf, LONS, LATS).max() < 0.01
    assert gdf.attrs["source_crs"].endswith("(EPSG:4547)")


def test_geojson_without_crs_member_takes_the_project_crs(tmp_path: Path) -> None:
    path = tmp_path / "projected.geojson"
    xs, ys = crs_mod.from_wgs84_xy(LONS, LATS, "EPSG:4547")
    features = [
        _feature({"type": "Point", "coordinates": [x, y]}, 编号=f"F{i}", 名称="站")
        for i, (x, y) in enumerate(zip(xs, ys, strict=True))
    ]
    _geojson(tmp_path, path.name, features)
    gdf, problems = _read(tmp_path, path, kind="fire_station", crs="EPSG:4547")
    assert problems == []
    assert gdf is not None and _distances_m(gdf, LONS, LATS).max() < 0.01


def test_project_crs_overrides_a_different_file_crs_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "cgcs.gpkg"
    _points_gdf(3).set_crs("EPSG:4490", allow_override=True).to_file(path, driver="GPKG")
    gdf, problems = _read(tmp_path, path, crs="WGS84")
    assert gdf is not None and len(gdf) == 3
    [p] = problems
    assert (p.code, p.severity, p.file) == ("crs_mismatch", "warning", "cgcs.gpkg")
    assert "EPSG:4490" in p.message
    # GCJ-02 data in a file that declares WGS84 (common for web-map exports): no warning.
    glon, glat = crs_mod.wgs84_to_gcj02(LONS, LATS)
    gcj = tmp_path / "gcj.gpkg"
    gpd.GeoDataFrame(
        {"编号": list("ABCDE"), "名称": list("甲乙丙丁戊")},
        geometry=shapely.points(glon, glat),
        crs="EPSG:4326",
    ).to_file(gcj, driver="GPKG")
    gdf, problems = _read(tmp_path, gcj, crs="GCJ02")
    assert problems == [] and gdf is not None
    assert _distances_m(gdf, LONS, LATS).max() < 1.0


def test_plain_shp_without_cpg_detects_gbk(tmp_path: Path) -> None:
    path = tmp_path / "stations.shp"
    _points_gdf(3, "EPSG:4547").to_file(path, encoding="GBK")
    path.with_suffix(".cpg").unlink()
    gdf, problems = _read(tmp_path, path, kind="fire_station")
    assert problems == []
    assert gdf is not None and list(gdf["name"]) == ["站0", "站1", "站2"]


def test_every_problem_is_collected_not_just_the_first(tmp_path: Path) -> None:
    path = tmp_path / "gas.csv"
    path.write_text(
        "编号,名称,经度,纬度,站点等级\n"
        "G1,甲,114.30,30.59,一级\n"
        "G2,乙,abc,30.59,一级\n"
        "G3,,114.30,30.59,一级\n"
        "G1,丁,114.30,30.59,一级\n"
        "G5,戊,116.40,39.90,一级\n",
        encoding="utf-8",
    )
    gdf, problems = _read(tmp_path, path)
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


def test_many_bad_rows_are_summarised(tmp_path: Path) -> None:
    rows = "".join(f"G{i},站,x{i},30.5\n" for i in range(MAX_ROW_PROBLEMS + 10))
    path = tmp_path / "gas.csv"
    path.write_text("编号,名称,经度,纬度\nG,站,114.3,30.5\n" + rows, encoding="utf-8")
    gdf, problems = _read(tmp_path, path)
    assert gdf is not None and len(gdf) == 1
    per_row = [p for p in problems if p.code == "non_numeric" and p.row is not None]
    summary = [p for p in problems if p.code == "non_numeric" and p.row is None]
    assert len(per_row) == MAX_ROW_PROBLEMS
    assert len(summary) == 1 and summary[0].message.startswith("10 more row(s)")


def test_output_types_are_canonical(tmp_path: Path) -> None:
    path = tmp_path / "accidents.csv"
    path.write_text(
        "编号,发生时间,事故类型,死亡人数,经度,纬度\n"
        "A1,2023年5月1日,火灾,1,114.30,30.59\n"
        "A2,2023/6/2,爆炸,,114.26,30.61\n",
        encoding="utf-8",
    )
    gdf, problems = _read(tmp_path, path, kind="accident")
    assert problems == []
    assert gdf is not None
    assert str(gdf["date"].iloc[0].date()) == "2023-05-01"
    assert str(gdf["date"].iloc[1].date()) == "2023-06-02"
    assert list(gdf["name"]) == ["", ""]
    assert gdf["deaths"].iloc[0] == 1 and gdf["deaths"].isna().iloc[1]
    assert all(isinstance(v, str) for v in gdf["id"])


def test_input_frame_is_not_modified(tmp_path: Path) -> None:
    path = tmp_path / "gas.csv"
    path.write_text(GAS_CSV, encoding="utf-8")
    binding = _binding(path)
    before = binding.model_dump()
    read_layer(binding, KINDS["gas_station"], root=tmp_path, bbox_wgs84=BBOX)
    assert binding.model_dump() == before


# ------------------------------------------------------------ suggest_columns


def test_suggest_columns_chinese_headers() -> None:
    headers = [
        "序号",
        "企业名称",
        "所在区域",
        "详细地址",
        "负责人",
        "重大危险源等级",
        "从业人员数（人）",
        "经度（GCJ02）",
        "纬度（GCJ02）",
    ]
    got = suggest_columns(headers, KINDS["hazmat_enterprise"])
    assert got["id"] == "序号"
    assert got["name"] == "企业名称"
    assert got["district"] == "所在区域"
    assert got["address"] == "详细地址"
    assert got["responsible_person"] == "负责人"
    assert got["_x"] == "经度（GCJ02）"
    assert got["_y"] == "纬度（GCJ02）"
    assert "grade" in got and got["grade"] == "重大危险源等级"


@pytest.mark.parametrize(
    ("x", "y"),
    [
        ("lon", "lat"),
        ("LNG", "LAT"),
        ("Longitude ", "Latitude"),
        ("X坐标", "Y坐标"),
        ("东坐标", "北坐标"),
        ("x", "y"),
        ("poi_lng", "poi_lat"),
        ("lng2", "lat2"),
    ],
)
def test_suggest_coordinate_columns(x: str, y: str) -> None:
    got = suggest_columns(["ID", "Name", x, y], KINDS["gas_station"])
    assert (got["_x"], got["_y"], got["id"], got["name"]) == (x, y, "ID", "Name")


def test_suggest_columns_ascii_words() -> None:
    got = suggest_columns(["grid_id", "pop2020", "district"], KINDS["population"])
    assert got == {"id": "grid_id", "count": "pop2020"}


def test_suggest_columns_whole_words_only() -> None:
    got = suggest_columns(["platform", "index", "名称"], KINDS["gas_station"])
    assert "_y" not in got and "_x" not in got and "id" not in got
    assert got["name"] == "名称"


# ------------------------------------------------------------ bad-file corpus


def _w(tmp: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp / name
    path.write_bytes(text.encode(encoding))
    return path


def _geojson(tmp: Path, name: str, features: list[dict[str, Any]]) -> Path:
    path = tmp / name
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
        encoding="utf-8",
    )
    return path


def _feature(geometry: dict[str, Any] | None, **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": props, "geometry": geometry}


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
HEAD = "编号,名称,经度,纬度\n"


def _xlsx(tmp: Path, name: str, rows: list[list[Any]], title: str = "Sheet1") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for r in rows:
        ws.append(r)
    path = tmp / name
    wb.save(path)
    return path


def _shp_parts(tmp: Path) -> dict[str, Path]:
    d = tmp / "parts"
    d.mkdir()
    _points_gdf(2).to_file(d / "pts.shp")
    return {p.name: p for p in d.iterdir()}


Case = tuple[
    str,
    Callable[[Path], tuple[Path, dict[str, Any]]],
    str,
    str,
    str | None,
    int | None,
    str | None,
    bool,
]
# (id, build -> (path, binding kwargs incl. kind), code, severity, file, row, column, layer usable?)
CASES: list[Case] = [
    (
        "file_not_found",
        lambda t: (t / "missing.csv", {}),
        "file_not_found",
        "error",
        "missing.csv",
        None,
        None,
        False,
    ),
    (
        "xls",
        lambda t: (_w(t, "old.xls", "x"), {}),
        "unsupported_format",
        "error",
        "old.xls",
        None,
        None,
        False,
    ),
    (
        "shp_dbf_only",
        lambda t: (_w(t, "a.dbf", "x"), {}),
        "unsupported_format",
        "error",
        "a.dbf",
        None,
        None,
        False,
    ),
    (
        "zero_bytes",
        lambda t: (_w(t, "e.csv", ""), {}),
        "empty_file",
        "error",
        "e.csv",
        None,
        None,
        False,
    ),
    (
        "blank_lines",
        lambda t: (_w(t, "b.csv", "\n\n  \n"), {}),
        "empty_file",
        "error",
        "b.csv",
        None,
        None,
        False,
    ),
    (
        "header_only",
        lambda t: (_w(t, "h.csv", HEAD), {}),
        "no_rows",
        "error",
        "h.csv",
        None,
        None,
        False,
    ),
    (
        "wrong_encoding",
        lambda t: (
            _w(t, "g.csv", "id,name,lon,lat\n1,中文,114.3,30.5\n", "gbk"),
            {"encoding": "utf-8"},
        ),
        "unreadable_encoding",
        "error",
        "g.csv",
        2,
        None,
        False,
    ),
    (
        "binary_junk",
        lambda t: (_bin(t, "j.csv"), {}),
        "unreadable_encoding",
        "error",
        "j.csv",
        None,
        None,
        False,
    ),
    (
        "unknown_encoding_name",
        lambda t: (_w(t, "u.csv", GAS_CSV), {"encoding": "klingon"}),
        "unknown_encoding",
        "error",
        "u.csv",
        None,
        None,
        False,
    ),
    (
        "no_id_column",
        lambda t: (_w(t, "n.csv", "名称,经度,纬度\n甲,114.3,30.5\n"), {}),
        "missing_column",
        "error",
        "n.csv",
        1,
        None,
        False,
    ),
    (
        "no_coordinates",
        lambda t: (_w(t, "c.csv", "编号,名称,地址\n1,甲,路\n"), {}),
        "missing_column",
        "error",
        "c.csv",
        1,
        None,
        False,
    ),
    (
        "mapped_header_absent",
        lambda t: (_w(t, "m.csv", GAS_CSV), {"columns": {"name": "站名"}}),
        "missing_column",
        "error",
        "m.csv",
        1,
        "站名",
        False,
    ),
    (
        "non_numeric_coordinate",
        lambda t: (_w(t, "x.csv", HEAD + "1,甲,114.3,30.5\n2,乙,东经114度,30.5\n"), {}),
        "non_numeric",
        "error",
        "x.csv",
        3,
        "经度",
        True,
    ),
    (
        "empty_coordinate",
        lambda t: (_w(t, "ec.csv", HEAD + "1,甲,114.3,30.5\n2,乙,114.3,\n"), {}),
        "missing_coordinates",
        "error",
        "ec.csv",
        3,
        "纬度",
        True,
    ),
    (
        "non_numeric_required",
        lambda t: (
            _w(
                t,
                "s.csv",
                HEAD.strip() + ",类型,面积\n1,甲,114.3,30.5,固定,500\n2,乙,114.3,30.5,紧急,约500\n",
            ),
            {"kind": "shelter"},
        ),
        "non_numeric",
        "error",
        "s.csv",
        3,
        "面积",
        True,
    ),
    (
        "negative_population",
        lambda t: (
            _w(t, "p.csv", HEAD.strip() + ",人口数\n1,甲,114.3,30.5,10\n2,乙,114.3,30.5,-5\n"),
            {"kind": "population"},
        ),
        "out_of_range",
        "error",
        "p.csv",
        3,
        "人口数",
        True,
    ),
    (
        "floors_too_high",
        lambda t: (
            _w(t, "f.csv", HEAD.strip() + ",层数\n1,甲,114.3,30.5,300\n"),
            {"kind": "high_rise"},
        ),
        "out_of_range",
        "warning",
        "f.csv",
        2,
        "层数",
        True,
    ),
    (
        "floors_fraction",
        lambda t: (
            _w(t, "f2.csv", HEAD.strip() + ",层数\n1,甲,114.3,30.5,3.5\n"),
            {"kind": "high_rise"},
        ),
        "not_integer",
        "warning",
        "f2.csv",
        2,
        "层数",
        True,
    ),
    (
        "unknown_category",
        lambda t: (
            _w(t, "k.csv", HEAD.strip() + ",类型\n1,甲,114.3,30.5,学校\n2,乙,114.3,30.5,超市\n"),
            {"kind": "sensitive_target", "columns": {"type": "类型"}},
        ),
        "unknown_category",
        "error",
        "k.csv",
        3,
        "类型",
        True,
    ),
    (
        "empty_required_name",
        lambda t: (_w(t, "e2.csv", HEAD + "1,甲,114.3,30.5\n2,,114.3,30.5\n"), {}),
        "missing_value",
        "error",
        "e2.csv",
        3,
        "名称",
        True,
    ),
    (
        "duplicate_id",
        lambda t: (
            _w(t, "d.csv", HEAD + "1,甲,114.3,30.5\n2,乙,114.3,30.5\n1,丙,114.3,30.5\n"),
            {},
        ),
        "duplicate_id",
        "error",
        "d.csv",
        4,
        "编号",
        True,
    ),
    (
        "swapped",
        lambda t: (_w(t, "sw.csv", HEAD + "1,甲,114.3,30.5\n2,乙,30.6,114.2\n"), {}),
        "swapped_xy",
        "error",
        "sw.csv",
        3,
        "经度",
        True,
    ),
    (
        "swapped_lat_over_90",
        lambda t: (_w(t, "sw2.csv", "编号,名称,lat,lon\n1,甲,114.3,30.5\n"), {}),
        "swapped_xy",
        "error",
        "sw2.csv",
        2,
        "lon",
        False,
    ),
    (
        "outside_city",
        lambda t: (_w(t, "o.csv", HEAD + "1,甲,114.3,30.5\n2,北京,116.40,39.90\n"), {}),
        "outside_bbox",
        "error",
        "o.csv",
        3,
        "经度",
        True,
    ),
    (
        "metres_as_degrees",
        lambda t: (_w(t, "pm.csv", HEAD + "1,甲,512345.6,3380000.2\n"), {}),
        "projected_as_degrees",
        "error",
        "pm.csv",
        2,
        "经度",
        False,
    ),
    (
        "degrees_as_metres",
        lambda t: (_w(t, "dm.csv", HEAD + "1,甲,114.3,30.5\n"), {"crs": "EPSG:4547"}),
        "degrees_as_projected",
        "error",
        "dm.csv",
        2,
        "经度",
        False,
    ),
    (
        "unknown_crs",
        lambda t: (_w(t, "uc.csv", GAS_CSV), {"crs": "MARS2000"}),
        "unknown_crs",
        "error",
        "uc.csv",
        None,
        None,
        False,
    ),
    (
        "unknown_epsg",
        lambda t: (_w(t, "ue.csv", GAS_CSV), {"crs": "EPSG:999999"}),
        "unknown_crs",
        "error",
        "ue.csv",
        None,
        None,
        False,
    ),
    (
        "null_geometry",
        lambda t: (
            _geojson(
                t,
                "ng.geojson",
                [_feature(PT, 编号="1", 名称="甲"), _feature(None, 编号="2", 名称="乙")],
            ),
            {},
        ),
        "null_geometry",
        "error",
        "ng.geojson",
        2,
        None,
        True,
    ),
    (
        "bowtie_polygon",
        lambda t: (
            _geojson(t, "bt.geojson", [_feature(BOWTIE, 编号="F1")]),
            {"kind": "flood_zone"},
        ),
        "invalid_geometry",
        "warning",
        "bt.geojson",
        1,
        None,
        True,
    ),
    (
        "polygon_in_point_layer",
        lambda t: (
            _geojson(
                t,
                "pp.geojson",
                [_feature(PT, 编号="1", 名称="甲"), _feature(SQUARE, 编号="2", 名称="乙")],
            ),
            {},
        ),
        "wrong_geometry",
        "error",
        "pp.geojson",
        2,
        None,
        True,
    ),
    (
        "table_for_polygons",
        lambda t: (_w(t, "tp.csv", HEAD + "1,甲,114.3,30.5\n"), {"kind": "flood_zone"}),
        "wrong_geometry",
        "error",
        "tp.csv",
        None,
        None,
        False,
    ),
    (
        "bad_date",
        lambda t: (
            _w(
                t,
                "bd.csv",
                "编号,日期,事故类型,经度,纬度\n1,2023-01-02,火灾,114.3,30.5\n"
                "2,昨天,火灾,114.3,30.5\n",
            ),
            {"kind": "accident"},
        ),
        "bad_date",
        "error",
        "bd.csv",
        3,
        "日期",
        True,
    ),
    (
        "bad_bool",
        lambda t: (
            _w(t, "bb.csv", HEAD.strip() + ",是否整改\n1,甲,114.3,30.5,也许\n"),
            {"kind": "waterlogging_point", "columns": {"fixed": "是否整改"}},
        ),
        "bad_bool",
        "warning",
        "bb.csv",
        2,
        "是否整改",
        True,
    ),
    (
        "too_many_fields",
        lambda t: (_w(t, "tf.csv", HEAD + "1,甲,114.3,30.5\n2,乙,丙,114.3,30.5\n"), {}),
        "wrong_field_count",
        "error",
        "tf.csv",
        3,
        None,
        True,
    ),
    (
        "duplicate_header",
        lambda t: (_w(t, "dh.csv", "编号,名称,名称,经度,纬度\n1,甲,乙,114.3,30.5\n"), {}),
        "duplicate_column",
        "warning",
        "dh.csv",
        1,
        "名称",
        True,
    ),
    (
        "corrupt_geojson",
        lambda t: (_w(t, "cg.geojson", '{"type": "FeatureCollection", "features": [ oops'), {}),
        "unreadable_file",
        "error",
        "cg.geojson",
        None,
        None,
        False,
    ),
    (
        "empty_feature_collection",
        lambda t: (_geojson(t, "efc.geojson", []), {}),
        "no_rows",
        "error",
        "efc.geojson",
        None,
        None,
        False,
    ),
    (
        "gpkg_several_layers",
        lambda t: (_gpkg2(t), {}),
        "several_layers",
        "error",
        "two.gpkg",
        None,
        None,
        False,
    ),
    (
        "gpkg_unknown_layer",
        lambda t: (_gpkg2(t), {"layer": "nope"}),
        "layer_not_found",
        "error",
        "two.gpkg",
        None,
        None,
        False,
    ),
    (
        "xlsx_unknown_sheet",
        lambda t: (_xlsx(t, "w.xlsx", [["编号"]]), {"sheet": "数据"}),
        "sheet_not_found",
        "error",
        "w.xlsx",
        None,
        None,
        False,
    ),
    (
        "xlsx_not_a_workbook",
        lambda t: (_w(t, "nw.xlsx", "id,name\n"), {}),
        "unreadable_file",
        "error",
        "nw.xlsx",
        None,
        None,
        False,
    ),
    (
        "xlsx_bad_coordinate",
        lambda t: (
            _xlsx(
                t,
                "bc.xlsx",
                [["编号", "名称", "经度", "纬度"], [1, "甲", 114.3, 30.5], [2, "乙", "N/A?", 30.5]],
            ),
            {},
        ),
        "non_numeric",
        "error",
        "bc.xlsx",
        3,
        "经度",
        True,
    ),
    (
        "zip_without_shx",
        lambda t: (
            _zip(
                t / "noshx.zip", {k: v for k, v in _shp_parts(t).items() if not k.endswith(".shx")}
            ),
            {},
        ),
        "incomplete_shapefile",
        "error",
        "noshx.zip",
        None,
        None,
        False,
    ),
    (
        "zip_without_data",
        lambda t: (_zip(t / "nd.zip", {"readme.md": b"hello"}), {}),
        "unsupported_format",
        "error",
        "nd.zip",
        None,
        None,
        False,
    ),
    (
        "zip_dotdot",
        lambda t: (_zip(t / "evil.zip", {"../evil.csv": GAS_CSV.encode()}), {}),
        "unsafe_file",
        "error",
        "evil.zip",
        None,
        None,
        False,
    ),
    (
        "zip_absolute",
        lambda t: (_zip(t / "abs.zip", {"/tmp/abs.csv": GAS_CSV.encode()}), {}),
        "unsafe_file",
        "error",
        "abs.zip",
        None,
        None,
        False,
    ),
    (
        "not_a_zip",
        lambda t: (_w(t, "nz.zip", "not a zip"), {}),
        "unreadable_file",
        "error",
        "nz.zip",
        None,
        None,
        False,
    ),
    (
        "no_valid_rows",
        lambda t: (_w(t, "nv.csv", HEAD + "1,甲,a,b\n2,乙,c,d\n"), {}),
        "no_valid_rows",
        "error",
        "nv.csv",
        None,
        None,
        False,
    ),
]


OK = "G9,好站,114.2650,30.6170\n"
HZ = "编号,名称,重大危险源等级,R值,从业人数,经度,纬度\n"
ACC = "编号,发生日期,事故类型,死亡人数,经度,纬度\n"
HAZMAT = {"kind": "hazmat_enterprise"}
ACCIDENT = {"kind": "accident"}

# Messy inputs met in bureaus' files since the first corpus (issue 12): each names its
# outcome exactly (code, severity, file, row, column) and whether the layer stays usable.
CASES += [
    ("decimal_comma_coordinates", lambda t: (_w(t, "dc.csv", "编号;名称;经度;纬度\nG1;甲;114,3055;30,5928\n"), {}),
     "decimal_comma", "warning", "dc.csv", None, "经度", True),
    ("decimal_comma_values", lambda t: (_w(t, "dcv.csv", HZ.replace(",", ";") + "H1;甲;一级;12,5;30;114.3;30.59\n"), dict(HAZMAT)),
     "decimal_comma", "warning", "dcv.csv", None, "R值", True),
    ("formula_without_value", lambda t: (_xlsx(t, "fx.xlsx", [["编号", "名称", "经度", "纬度"],
                                                            ["G1", "=A2&\"站\"", 114.3, 30.59], ["G2", "乙", 114.3, 30.59]]), {}),
     "formula_without_value", "warning", "fx.xlsx", 2, "名称", True),
    ("extra_values_among_good_rows", lambda t: (_w(t, "ex.csv", HEAD + "G1,某,有限公司,114.3,30.59\n" + OK), {}),
     "wrong_field_count", "error", "ex.csv", 2, None, True),
    ("duplicate_id_full_width", lambda t: (_w(t, "fw.csv", HEAD + "G1,甲,114.3,30.59\nＧ１,乙,114.3,30.59\n"), {}),
     "duplicate_id", "error", "fw.csv", 3, "编号", True),
    ("duplicate_id_as_float", lambda t: (_w(t, "fl.csv", HEAD + "12,甲,114.3,30.59\n12.0,乙,114.3,30.59\n"), {}),
     "duplicate_id", "error", "fl.csv", 3, "编号", True),
    ("duplicate_id_case", lambda t: (_w(t, "cs.csv", HEAD + "G1,甲,114.3,30.59\ng1,乙,114.3,30.59\n"), {}),
     "duplicate_id", "error", "cs.csv", 3, "编号", True),
    ("easting_with_zone_prefix", lambda t: (_w(t, "gk.csv", HEAD + "G1,甲,38512345,3385000\n" + OK), {}),
     "projected_as_degrees", "error", "gk.csv", 2, "经度", True),
    ("title_row_without_header_row", lambda t: (_xlsx(t, "title.xlsx", [["加油站台账"], ["编号", "名称", "经度", "纬度"],
                                                                      ["G1", "甲", 114.3, 30.59]]), {}),
     "missing_column", "error", "title.xlsx", 1, None, False),
    ("negative_employees", lambda t: (_w(t, "ne.csv", HZ + "H1,甲,一级,12,-3,114.3,30.59\n"), dict(HAZMAT)),
     "out_of_range", "warning", "ne.csv", 2, "从业人数", True),
    ("employees_fraction", lambda t: (_w(t, "nf.csv", HZ + "H1,甲,一级,12,12.5,114.3,30.59\n"), dict(HAZMAT)),
     "not_integer", "warning", "nf.csv", 2, "从业人数", True),
    ("number_with_unit", lambda t: (_w(t, "nu.csv", HZ + "H1,甲,一级,12,30人,114.3,30.59\n"), dict(HAZMAT)),
     "non_numeric", "warning", "nu.csv", 2, "从业人数", True),
    ("grade_not_allowed", lambda t: (_w(t, "g5.csv", HZ + "H1,甲,五级,12,30,114.3,30.59\n"), dict(HAZMAT)),
     "unknown_category", "warning", "g5.csv", 2, "重大危险源等级", True),
    ("negative_r_value", lambda t: (_w(t, "nr.csv", HZ + "H1,甲,一级,-1,30,114.3,30.59\n"), dict(HAZMAT)),
     "out_of_range", "warning", "nr.csv", 2, "R值", True),
    ("empty_required_id", lambda t: (_w(t, "ei.csv", HEAD + ",甲,114.3,30.59\n" + OK), {}),
     "missing_value", "error", "ei.csv", 2, "编号", True),
    ("infinite_coordinate", lambda t: (_w(t, "inf.csv", HEAD + "G1,甲,inf,30.59\n" + OK), {}),
     "non_numeric", "error", "inf.csv", 2, "经度", True),
    ("degrees_minutes_seconds", lambda t: (_w(t, "dms.csv", HEAD + "G1,甲,114°18'20\",30.59\n" + OK), {}),
     "non_numeric", "error", "dms.csv", 2, "经度", True),
    ("point_in_beijing", lambda t: (_w(t, "bj.csv", HEAD + "G1,甲,116.40,39.90\n" + OK), {}),
     "outside_bbox", "error", "bj.csv", 2, "经度", True),
    ("gcj02_point_in_shanghai", lambda t: (_w(t, "sh.csv", HEAD + "G1,甲,121.47,31.23\n" + OK), {"crs": "GCJ02"}),
     "outside_bbox", "error", "sh.csv", 2, "经度", True),
    ("xlsx_empty_sheet", lambda t: (_xlsx(t, "empty.xlsx", []), {}),
     "empty_file", "error", "empty.xlsx", None, None, False),
    ("xlsx_header_only", lambda t: (_xlsx(t, "ho.xlsx", [["编号", "名称", "经度", "纬度"]]), {}),
     "no_rows", "error", "ho.xlsx", None, None, False),
    ("xlsx_duplicate_header", lambda t: (_xlsx(t, "dh.xlsx", [["编号", "编号", "经度", "纬度"], ["G1", "甲", 114.3, 30.59]]), {}),
     "duplicate_column", "warning", "dh.xlsx", 1, "编号", False),
    ("accident_negative_deaths", lambda t: (_w(t, "ad.csv", ACC + "A1,2023-05-01,火灾,-1,114.3,30.59\n"), dict(ACCIDENT)),
     "out_of_range", "warning", "ad.csv", 2, "死亡人数", True),
    ("accident_unknown_type", lambda t: (_w(t, "at.csv", ACC + "A1,2023-05-01,车祸,0,114.3,30.59\nA2,2023-05-02,火灾,0,114.3,30.59\n"), dict(ACCIDENT)),
     "unknown_category", "error", "at.csv", 2, "事故类型", True),
    ("accident_without_date", lambda t: (_w(t, "an.csv", ACC + "A1,,火灾,0,114.3,30.59\nA2,2023-05-02,火灾,0,114.3,30.59\n"), dict(ACCIDENT)),
     "missing_value", "error", "an.csv", 2, "发生日期", True),
    ("accident_impossible_date", lambda t: (_w(t, "ai.csv", ACC + "A1,2023-13-45,火灾,0,114.3,30.59\nA2,2023-05-02,火灾,0,114.3,30.59\n"), dict(ACCIDENT)),
     "bad_date", "error", "ai.csv", 2, "发生日期", True),
]  # fmt: skip


def _ids(gdf: Any) -> list[str]:
    return [str(v) for v in gdf["id"]]


# Messy inputs that must be read right (no error, the values as the user meant them).
READINGS: list[tuple[str, Callable[[Path], tuple[Path, dict[str, Any]]], Callable[[Any], bool]]] = [
    ("blank_and_empty_rows", lambda t: (_w(t, "b.csv", HEAD + "G1,甲,114.3,30.59\n\n,,,\n" + OK), {}),
     lambda g: _ids(g) == ["G1", "G9"]),
    ("trailing_empty_value", lambda t: (_w(t, "tr.csv", HEAD + "G1,甲,114.3,30.59,\n"), {}), lambda g: _ids(g) == ["G1"]),
    ("title_row_with_header_row", lambda t: (_xlsx(t, "t2.xlsx", [["台账"], ["编号", "名称", "经度", "纬度"], ["G1", "甲", 114.3, 30.59]]),
                                             {"header_row": 2}), lambda g: _ids(g) == ["G1"]),
    ("decimal_comma_read_as_degrees", lambda t: (_w(t, "d2.csv", "编号;名称;经度;纬度\nG1;甲;114,3055;30,5928\n"), {}),
     lambda g: abs(float(g.geometry.x.iloc[0]) - 114.3055) < 1e-9),
    ("thousands_separator", lambda t: (_w(t, "p.csv", "编号,人口数,经度,纬度\nP1,\"1,500\",114.3,30.59\n"), {"kind": "population"}),
     lambda g: float(g["count"].iloc[0]) == 1500.0),
    ("full_width_digits", lambda t: (_w(t, "fwd.csv", HEAD + "G1,甲,１１４.３,３０.５９\n"), {}),
     lambda g: abs(float(g.geometry.x.iloc[0]) - 114.3) < 1e-9),
    ("long_code_in_xlsx", lambda t: (_xlsx(t, "lc.xlsx", [["编号", "名称", "经度", "纬度"], [91440000000000000000, "甲", 114.3, 30.59]]), {}),
     lambda g: _ids(g) == ["91440000000000000000"]),
    ("leading_zeros_kept", lambda t: (_w(t, "lz.csv", HEAD + "001,甲,114.3,30.59\n1,乙,114.3,30.59\n"), {}),
     lambda g: _ids(g) == ["001", "1"]),
    ("values_trimmed", lambda t: (_w(t, "tw.csv", HEAD + " G1 , 甲 ,114.3,30.59\n"), {}),
     lambda g: _ids(g) == ["G1"] and list(g["name"]) == ["甲"]),
    ("integer_written_as_float", lambda t: (_w(t, "if.csv", HZ + "H1,甲,一级,12,30.0,114.3,30.59\n"), dict(HAZMAT)),
     lambda g: int(g["employees"].iloc[0]) == 30),
    ("gbk_with_semicolons", lambda t: (_w(t, "gs.csv", "编号;名称;经度;纬度\nG1;中山加油站;114.3;30.59\n", "gbk"), {}),
     lambda g: list(g["name"]) == ["中山加油站"]),
]  # fmt: skip


def test_messy_files_are_read_right(tmp_path: Path) -> None:
    for name, build, check in READINGS:
        folder = tmp_path / name
        folder.mkdir()
        path, kw = build(folder)
        kind = kw.pop("kind", "gas_station")
        gdf, problems = _read(folder, path, kind=kind, **kw)
        errors = [str(p) for p in problems if p.severity == "error"]
        assert gdf is not None and not errors, (name, errors)
        assert check(gdf), (name, gdf.drop(columns="geometry").to_dict("records"))


def _bin(tmp: Path, name: str) -> Path:
    path = tmp / name
    path.write_bytes(bytes(range(256)) * 4)
    return path


def _gpkg2(tmp: Path) -> Path:
    path = tmp / "two.gpkg"
    if not path.exists():
        _points_gdf(2).to_file(path, layer="a", driver="GPKG")
        _points_gdf(2).to_file(path, layer="b", driver="GPKG")
    return path


def test_corpus_is_large_enough() -> None:
    assert len(CASES) + len(READINGS) >= 80
    assert len({c[0] for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_file(tmp_path: Path, case: Case) -> None:
    _, build, code, severity, file, row, column, usable = case
    path, kw = build(tmp_path)
    kind = kw.pop("kind", "gas_station")
    gdf, problems = _read(tmp_path, path, kind=kind, **kw)  # no exception may escape
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


def test_zip_traversal_raises_unsafe_file_error(tmp_path: Path) -> None:
    path = _zip(tmp_path / "evil.zip", {"data/../../evil.csv": GAS_CSV.encode()})
    with pytest.raises(UnsafeFileError) as info:
        read_table(path)
    assert info.value.report.problems[0].code == "unsafe_file"
    assert not (tmp_path.parent / "evil.csv").exists()


def test_zip_bomb_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tables, "MAX_UNZIPPED_BYTES", 1_000_000)
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("big.csv", b"0" * 5_000_000)
    assert path.stat().st_size < 100_000
    with pytest.raises(UnsafeFileError, match="MiB"):
        read_table(path)
    gdf, problems = _read(tmp_path, path)
    assert gdf is None and [p.code for p in problems] == ["unsafe_file"]


def test_read_table_raises_layer_data_error_for_missing_file(tmp_path: Path) -> None:
    with pytest.raises(LayerDataError) as info:
        read_table(tmp_path / "nope.geojson")
    assert info.value.report.problems[0].code == "file_not_found"


# ---------------------------------------------------------- load_project_data


def _write_project(root: Path, *, boundary_ok: bool = True, extra_layers: str = "") -> Path:
    square = shapely.box(114.0, 30.3, 114.6, 30.9)
    if boundary_ok:
        gpd.GeoDataFrame({"name": ["测试市"]}, geometry=[square], crs="EPSG:4326").to_file(
            root / "boundary.geojson"
        )
    halves = [shapely.box(114.0, 30.3, 114.3, 30.9), shapely.box(114.3, 30.3, 114.6, 30.9)]
    gpd.GeoDataFrame(
        {"adcode": ["420102", "420103"], "name": ["甲区", "乙区"]}, geometry=halves, crs="EPSG:4326"
    ).to_file(root / "districts.geojson")
    (root / "gas.csv").write_bytes(GAS_CSV.encode("gbk"))
    (root / "broken.csv").write_text("名称\n甲\n", encoding="utf-8")
    text = f"""
name: testcity
title: {{zh: 测试市, en: Test city}}
adcode: "420100"
boundary: {{path: boundary.geojson}}
districts: {{path: districts.geojson}}
layers:
  - {{name: gas, kind: gas_station, path: gas.csv}}
  - {{name: broken, kind: fire_station, path: broken.csv}}
  - {{name: spare, kind: fire_station, path: broken.csv, enabled: false}}
{extra_layers}"""
    (root / "project.yaml").write_text(text, encoding="utf-8")
    return root / "project.yaml"


def test_load_project_data(tmp_path: Path) -> None:
    project = load_project(_write_project(tmp_path))
    data = load_project_data(project)
    assert data.crs.to_epsg() == 32650  # UTM 50N for Wuhan's longitude
    assert list(data.layers) == ["gas"]
    gas = data.layers["gas"]
    assert gas.gdf.crs == data.crs and list(gas.gdf["id"]) == ["G1", "G2"]
    assert gas.source == tmp_path / "gas.csv"
    assert set(data.unavailable) == {"broken", "spare"}
    assert "id" in data.unavailable["broken"]
    assert data.report.counts == {"gas": 2, "broken": 0}
    assert {(p.code, p.file, p.layer) for p in data.report.errors} == {
        ("missing_column", "broken.csv", "broken")
    }
    assert list(data.districts["adcode"]) == ["420102", "420103"]
    assert data.districts.crs == data.crs
    assert data.boundary.area == pytest.approx(
        gpd.GeoSeries([shapely.box(114.0, 30.3, 114.6, 30.9)], crs=4326).to_crs(data.crs).area[0],
        rel=1e-9,
    )
    assert set(data.file_hashes) == {
        "boundary.geojson",
        "districts.geojson",
        "gas.csv",
        "broken.csv",
    }
    import hashlib

    assert (
        data.file_hashes["gas.csv"]
        == hashlib.sha256((tmp_path / "gas.csv").read_bytes()).hexdigest()
    )


def test_missing_boundary_raises(tmp_path: Path) -> None:
    project = load_project(_write_project(tmp_path, boundary_ok=False))
    with pytest.raises(LayerDataError) as info:
        load_project_data(project)
    assert info.value.report.problems[0].code == "file_not_found"
    assert info.value.report.problems[0].file == "boundary.geojson"


def test_csv_blank_and_empty_rows_are_skipped_as_in_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "gas.csv"
    path.write_text(
        "编号,名称,经度,纬度\nG1,甲,114.3,30.6\n\n,,,\nG2,乙,114.4,30.5\n  ,  , , \n",
        encoding="utf-8",
    )
    frame, problems = read_table(path)
    assert list(frame["编号"]) == ["G1", "G2"]
    assert list(frame.index) == [2, 5]  # rows as the user counts them
    assert not [p for p in problems if p.severity == "error"]


def test_csv_rows_with_extra_values_are_reported_not_truncated(tmp_path: Path) -> None:
    path = tmp_path / "gas.csv"
    path.write_text("编号,名称,经度,纬度\nG1,甲,114.3,30.6\nG2,乙,有限公司,114.4,30.5\nG3,丙,114.2,30.4,\n",
                    encoding="utf-8")  # fmt: skip
    frame, problems = read_table(path)
    wrong = [p for p in problems if p.code == "wrong_field_count"]
    assert [p.row for p in wrong] == [3] and "5 values" in wrong[0].message
    assert list(frame["编号"]) == ["G1", "G3"]  # G3's trailing empty value is harmless


def test_long_codes_stored_as_numbers_keep_their_digits(tmp_path: Path) -> None:
    """An 18-20 digit code (a unified social credit code) typed into Excel as a number
    arrives as a float; its id is its digits, never ``9.144e+19``."""
    import openpyxl

    path = tmp_path / "gas.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["编号", "名称", "经度", "纬度"])
    ws.append([91440000000000000000, "甲", float(LONS[0]), float(LATS[0])])
    ws.append([420102, "乙", float(LONS[1]), float(LATS[1])])
    wb.save(path)
    gdf, _ = _read(tmp_path, path)
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
def test_which_ids_are_the_same(tmp_path: Path, ids: list[str], duplicates: list[int]) -> None:
    path = tmp_path / "gas.csv"
    lines = [f"{i},站{n},{LONS[n % 3]},{LATS[n % 3]}" for n, i in enumerate(ids)]
    path.write_text("编号,名称,经度,纬度\n" + "\n".join(lines) + "\n", encoding="utf-8")
    _, problems = _read(tmp_path, path)
    found = [p for p in problems if p.code == "duplicate_id"]
    assert [p.row for p in found] == duplicates
    assert all(p.message.endswith("(first in row 2)") for p in found)


def test_a_title_row_above_the_headers_is_skipped_with_header_row(tmp_path: Path) -> None:
    """A bureau's workbook: a title in row 1, two header rows, data from row 4."""
    import openpyxl

    path = tmp_path / "gas.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["武汉市加油站台账（2024年）"])
    ws.append(["基本信息", None, "位置", None])
    ws.append(["编号", "名称", "经度", "纬度"])
    ws.append(["G1", "甲站", float(LONS[0]), float(LATS[0])])
    wb.save(path)
    frame, _ = read_table(path, header_row=3)
    assert list(frame.columns) == ["编号", "名称", "经度", "纬度"] and list(frame.index) == [4]
    gdf, problems = _read(tmp_path, path, header_row=3)
    assert gdf is not None and list(gdf["id"]) == ["G1"]
    assert not [p for p in problems if p.severity == "error"]


def test_a_csv_title_line_is_skipped_with_header_row(tmp_path: Path) -> None:
    path = tmp_path / "gas.csv"
    path.write_text(
        f"加油站台账\n编号,名称,经度,纬度\nG1,甲,{LONS[0]},{LATS[0]}\n", encoding="utf-8"
    )
    frame, _ = read_table(path, header_row=2)
    assert list(frame["编号"]) == ["G1"] and list(frame.index) == [3]


def test_formulas_without_saved_values_are_named(tmp_path: Path) -> None:
    """A workbook written by a program keeps formulas but no values: say so, not "empty"."""
    import openpyxl

    path = tmp_path / "gas.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["编号", "名称", "经度", "纬度"])
    ws.append(["G1", '=CONCATENATE("甲","站")', float(LONS[0]), float(LATS[0])])
    wb.save(path)
    _, problems = read_table(path)
    found = [p for p in problems if p.code == "formula_without_value"]
    assert len(found) == 1 and found[0].row == 2 and found[0].column == "名称"


def test_decimal_commas_are_read_as_decimals_and_said(tmp_path: Path) -> None:
    """A ';'-delimited export with decimal commas: 114,30 is a longitude, not 11430 metres."""
    path = tmp_path / "gas.csv"
    lon, lat = (f"{v:.4f}".replace(".", ",") for v in (LONS[0], LATS[0]))
    path.write_text(f"编号;名称;储量（吨）;经度;纬度\nG1;甲站;1500,5;{lon};{lat}\nG2;乙站;1.234,5;{lon};{lat}\n",
                    encoding="utf-8")  # fmt: skip
    gdf, problems = _read(tmp_path, path)
    assert gdf is not None and len(gdf) == 2
    assert not [p for p in problems if p.code == "projected_as_degrees"]
    assert abs(float(gdf.geometry.x.iloc[0]) - round(float(LONS[0]), 4)) < 1e-9
    said = {p.column for p in problems if p.code == "decimal_comma"}
    assert {"经度", "纬度"} <= said


def test_thousands_separators_stay_thousands() -> None:
    import pandas as pd

    from riskmap.io.values import _numbers

    values = pd.Series(["1,500", "2,000,000", "12", "３４"], dtype=object)
    assert list(_numbers(values)[0]) == [1500.0, 2_000_000.0, 12.0, 34.0]
    decimals = pd.Series(["1500,5", "1.234,5", "7"], dtype=object)
    assert list(_numbers(decimals)[0]) == [1500.5, 1234.5, 7.0]


def test_baidu_mercator_metres_declared_as_bd09_get_the_right_hint(tmp_path: Path) -> None:
    path = _w(tmp_path, "bd.csv", HEAD + "G1,甲,12727000,3558000\n" + OK)
    _, problems = _read(tmp_path, path, crs="BD09")
    found = [p for p in problems if p.code == "projected_as_degrees"]
    assert found and "Baidu Mercator" in found[0].hint and "EPSG" not in found[0].hint


def test_metres_in_another_city_get_its_gauss_kruger_zone(tmp_path: Path) -> None:
    """The hint follows the project, not Wuhan: a project at 104°E is told CM 105°E."""
    path = _w(tmp_path, "cd.csv", HEAD + "G1,甲,404000,3390000\n")
    binding = _binding(path, "gas_station")
    _, problems = read_layer(
        binding, KINDS["gas_station"], root=tmp_path, bbox_wgs84=(103.5, 30.1, 104.9, 31.4)
    )
    found = [p for p in problems if p.code == "projected_as_degrees"]
    assert found and "EPSG:4544" in found[0].hint and "4547" not in found[0].hint


def test_a_dot_before_three_digits_is_read_as_a_decimal_point_and_said(tmp_path: Path) -> None:
    path = _w(
        tmp_path,
        "amb.csv",
        HZ + "H1,甲,一级,1.000,30,114.3,30.59\nH2,乙,二级,2.500,30,114.3,30.59\n",
    )
    gdf, problems = _read(tmp_path, path, kind="hazmat_enterprise")
    assert gdf is not None and list(gdf["r_value"]) == [1.0, 2.5]
    said = [p for p in problems if p.code == "ambiguous_number"]
    assert len(said) == 1 and said[0].column == "R值" and said[0].severity == "warning"
