"""Suggesting how to read a user's file: its layer kind (suggest_kind, from its columns and
name), its columns (suggest_columns), and what the upload form offers besides: the sheets
or layers to choose from (list_parts) and ids from row numbers when it has no id column."""

from __future__ import annotations

from typing import Any

import pytest

from riskmap.config import LayerKind
from riskmap.errors import LayerDataError
from riskmap.io import list_parts, read_layer, suggest_columns, suggest_kind


def test_suggest_columns_chinese_headers(kinds: dict[str, LayerKind]) -> None:
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
    got = suggest_columns(headers, kinds["hazmat_enterprise"])
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
def test_suggest_coordinate_columns(kinds: dict[str, LayerKind], x: str, y: str) -> None:
    got = suggest_columns(["ID", "Name", x, y], kinds["gas_station"])
    assert (got["_x"], got["_y"], got["id"], got["name"]) == (x, y, "ID", "Name")


def test_suggest_columns_ascii_words(kinds: dict[str, LayerKind]) -> None:
    got = suggest_columns(["grid_id", "pop2020", "district"], kinds["population"])
    assert got == {"id": "grid_id", "count": "pop2020"}


def test_suggest_columns_whole_words_only(kinds: dict[str, LayerKind]) -> None:
    got = suggest_columns(["platform", "index", "名称"], kinds["gas_station"])
    assert "_y" not in got and "_x" not in got and "id" not in got
    assert got["name"] == "名称"


def _scored(kinds: dict[str, LayerKind]) -> dict[str, LayerKind]:
    """The kinds a user can upload (the district boundary is the project's own)."""
    return {k: v for k, v in kinds.items() if k != "district"}


# Headers of the Wuhan demo's files (data/wuhan), as read_table gives them.
DEMO: list[tuple[str, list[str], str | None, str]] = [
    ("hazmat_enterprises.csv", ["企业编号", "企业名称", "重大危险源等级", "R值", "主要危险物质",
     "从业人数", "所在区", "地址", "责任人", "投产日期", "关闭日期", "经度", "纬度"], "point",
     "hazmat_enterprise"),
    ("fireworks_wholesalers.csv", ["企业编号", "企业名称", "许可证编号", "库存量（吨）", "所在区",
     "仓库地址", "主要负责人", "经度", "纬度"], "point", "fireworks_wholesaler"),
    ("gas_stations.csv", ["编号", "加油站名称", "站点等级", "品牌", "所在区", "详细地址", "负责人",
     "经度", "纬度"], "point", "gas_station"),
    ("waterlogging_points.geojson", ["编号", "易涝点名称", "最大积水深度", "是否已整治", "所在区",
     "地址", "责任人"], "point", "waterlogging_point"),
    ("flood_zones.gpkg", ["编号", "名称", "风险等级", "重现期", "所在区"], "polygon", "flood_zone"),
    ("accidents_2019_2021.xlsx", ["事故编号", "事故名称", "发生日期", "事故类型", "行业", "所在区",
     "事故地点", "死亡人数", "受伤人数", "直接经济损失（万元）", "经度", "纬度"], "point",
     "accident"),
    ("population_1km.gpkg", ["grid_id", "district", "adcode", "pop2020"], "polygon",
     "population"),
    ("sensitive_targets.geojson", ["id", "name", "type", "capacity", "district", "address",
     "responsible_person"], "point", "sensitive_target"),
    ("crowded_places.csv", ["编号", "场所名称", "场所类型", "所在区", "地址", "最大容纳人数",
     "责任人", "lng", "lat"], "point", "crowded_place"),
    ("shelters.xlsx", ["编号", "避难场所名称", "避难场所类型", "有效避难面积（平方米）", "可容纳人数",
     "所在区", "地址", "负责人", "经度", "纬度"], "point", "shelter"),
    ("fire_stations.xlsx", ["编号", "消防站名称", "站级", "所在区", "地址", "站长", "经度", "纬度"],
     "point", "fire_station"),
    ("emergency_resources.xlsx", ["编号", "队伍名称", "专业类别", "队员人数", "所在区", "驻地", "队长",
     "经度", "纬度"], "point", "rescue_team"),
    ("seismic_stations.geojson", ["id", "name", "type", "district", "address",
     "responsible_person"], "point", "seismic_station"),
    ("video_points.geojson", ["id", "name", "enterprise_id"], "point", "video_point"),
]  # fmt: skip


@pytest.mark.parametrize(("file", "headers", "geometry", "kind"), DEMO, ids=[d[3] for d in DEMO])
def test_suggest_kind_of_the_demo_files(
    kinds: dict[str, LayerKind], file: str, headers: list[str], geometry: str | None, kind: str
) -> None:
    assert suggest_kind(headers, file, _scored(kinds), geometry=geometry) == kind


@pytest.mark.parametrize(
    ("file", "headers", "kind"),
    [
        # Columns alone: distinctive headers (场所类型, 最大容纳人数), no id column.
        ("upload.csv", ["场所名称", "场所类型", "所在区", "地址", "最大容纳人数", "lng", "lat"],
         "crowded_place"),
        ("data.xlsx", ["名称", "有效避难面积", "类型", "经度", "纬度"], "shelter"),
        ("export.geojson", ["name", "dust_type", "workers"], "dust_explosion"),
        # A keyword in a header: 服务站名称, 储备库名称.
        ("sheet1.csv", ["服务站编号", "服务站名称", "所在区", "经度", "纬度"], "community_station"),
        ("sheet1.csv", ["编号", "储备库名称", "储备量（吨）", "经度", "纬度"], "supply_depot"),
        # The file's name alone, in Chinese or English; folders are ignored.
        ("人员密集场所.csv", ["名称", "经度", "纬度"], "crowded_place"),
        ("2023年加油站台账.xlsx", ["名称", "经度", "纬度"], "gas_station"),
        ("Fire_Stations_2023.csv", ["name", "lon", "lat"], "fire_station"),
        ("hazmat-list.csv", ["name", "lon", "lat"], "hazmat_enterprise"),
        ("C:\\数据\\尾矿库.xlsx", ["名称", "经度", "纬度"], "tailings_pond"),
    ],
)  # fmt: skip
def test_suggest_kind_from_columns_or_name(
    kinds: dict[str, LayerKind], file: str, headers: list[str], kind: str
) -> None:
    assert suggest_kind(headers, file, _scored(kinds), geometry="point") == kind


@pytest.mark.parametrize(
    ("file", "headers"),
    [
        ("data.csv", ["列1", "列2", "经度", "纬度"]),  # nothing fits: never "accident"
        ("upload.csv", ["编号", "名称", "所在区", "地址", "经度", "纬度"]),  # every kind has these
        ("points.geojson", ["id", "name", "type"]),  # several kinds have a type: a tie
        ("", []),
    ],
)
def test_suggest_kind_leaves_the_choice_to_the_user(
    kinds: dict[str, LayerKind], file: str, headers: list[str]
) -> None:
    assert suggest_kind(headers, file, _scored(kinds), geometry="point") is None


def test_suggest_kind_respects_the_geometry(kinds: dict[str, LayerKind]) -> None:
    headers = ["编号", "名称", "风险等级", "重现期"]
    assert suggest_kind(headers, "洪涝风险区.csv", _scored(kinds)) == "flood_zone"
    # A table gives points: a polygon kind is not offered for it.
    assert suggest_kind(headers, "洪涝风险区.csv", _scored(kinds), geometry="point") != "flood_zone"
    assert suggest_kind(headers, "x.csv", {}, geometry="point") is None


def test_list_parts_of_a_workbook_and_a_geopackage(files: Any) -> None:
    import openpyxl

    book = files.xlsx("two.xlsx", [["编号", "名称"], ["A", "甲"]], title="说明")
    wb = openpyxl.load_workbook(book)
    wb.create_sheet("加油站").append(["编号"])
    wb.save(book)
    assert list_parts(book) == ("说明", "加油站")
    assert list_parts(files.gpkg2()) == ("a", "b")
    assert list_parts(files.text("one.csv", files.GAS_CSV)) == ()
    broken = files.binary("broken.xlsx")
    with pytest.raises(LayerDataError) as err:
        list_parts(broken, source_name="我的表.xlsx")
    problem = err.value.report.problems[0]
    assert (problem.code, problem.file) == ("unreadable_file", "我的表.xlsx")
    assert str(files.root) not in problem.message


def test_row_numbers_as_ids_when_the_file_has_none(files: Any) -> None:
    path = files.text(
        "无编号.csv", "名称,经度,纬度\n甲站,114.3055,30.5928\n乙站,114.2650,30.6170\n"
    )
    binding = files.binding(path)
    kind = files.kinds["gas_station"]
    gdf, problems = read_layer(binding, kind, root=files.root, bbox_wgs84=files.BBOX)
    assert gdf is None and [p.code for p in problems] == ["missing_column"]  # by default
    gdf, problems = read_layer(binding, kind, root=files.root, bbox_wgs84=files.BBOX, row_ids=True)
    assert gdf is not None
    assert gdf["id"].tolist() == ["2", "3"]  # as the spreadsheet numbers the rows
    assert gdf["name"].tolist() == ["甲站", "乙站"]
    assert gdf.attrs["ids_from_rows"] is True
    assert [(p.severity, p.code) for p in problems] == [("warning", "ids_from_rows")]
    assert "row 2 has id 2" in problems[0].message


def test_row_ids_follow_a_header_row_below_a_title(files: Any) -> None:
    path = files.xlsx("titled.xlsx", [["加油站台账"], ["名称", "经度", "纬度"],
                                      ["甲站", 114.3055, 30.5928]])  # fmt: skip
    gdf, _ = files.read(path, header_row=2)
    assert gdf is None  # no id column, and ids from rows were not asked for
    gdf, _ = read_layer(
        files.binding(path, header_row=2),
        files.kinds["gas_station"],
        root=files.root,
        bbox_wgs84=files.BBOX,
        row_ids=True,
    )
    assert gdf is not None and gdf["id"].tolist() == ["3"]


def test_an_id_column_is_kept_when_row_ids_are_allowed(files: Any) -> None:
    path = files.text("gas.csv", files.GAS_CSV)
    gdf, problems = read_layer(
        files.binding(path),
        files.kinds["gas_station"],
        root=files.root,
        bbox_wgs84=files.BBOX,
        row_ids=True,
    )
    assert gdf is not None and gdf["id"].tolist() == ["G1", "G2"]
    assert gdf.attrs["ids_from_rows"] is False
    assert "ids_from_rows" not in {p.code for p in problems}


@pytest.mark.parametrize(
    ("file", "part", "expected"),
    [
        ("台账.xlsx", "消防站", "fire_station"),  # the sheet names the kind
        ("wuhan.gpkg", "shelters", "shelter"),  # the GeoPackage layer names it
        ("避难场所.gpkg", "fire_stations", "fire_station"),  # the part wins over the file
        ("wuhan.gpkg", "layer_1", None),  # a part's name that says nothing adds nothing
    ],
)
def test_suggest_kind_from_a_sheet_or_layer_name(
    kinds: dict[str, LayerKind], file: str, part: str, expected: str | None
) -> None:
    headers = ["编号", "名称", "经度", "纬度"]
    assert suggest_kind(headers, file, _scored(kinds), geometry="point", part=part) == expected
    if expected is not None and file.startswith(("台账", "wuhan")):
        # Without the part's name, the file alone does not tell the kind.
        assert suggest_kind(headers, file, _scored(kinds), geometry="point") is None
