"""suggest_columns: a kind's fields found in users' headers."""

from __future__ import annotations

import pytest

from riskmap.config import LayerKind
from riskmap.io import (
    suggest_columns,
)


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
