"""``python -m riskmap validate``: report text/JSON and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from riskmap.cli import main as cli

GAS_CSV = "编号,名称,经度,纬度,站点等级\nG1,中山加油站,114.3055,30.5928,一级\nG2,汉阳加油站,114.2650,30.6170,二级\n"


def _project(root: Path, gas_csv: str = GAS_CSV, *, boundary: bool = True) -> Path:
    if boundary:
        gpd.GeoDataFrame(geometry=[shapely.box(114.0, 30.3, 114.6, 30.9)], crs="EPSG:4326").to_file(
            root / "boundary.geojson"
        )
    gpd.GeoDataFrame(
        {"adcode": ["420102"], "name": ["甲区"]},
        geometry=[shapely.box(114.0, 30.3, 114.6, 30.9)],
        crs="EPSG:4326",
    ).to_file(root / "districts.geojson")
    (root / "gas.csv").write_bytes(gas_csv.encode("gbk"))
    (root / "project.yaml").write_text(
        """
name: clitest
title: {zh: 测试市, en: Test city}
adcode: "420100"
boundary: {path: boundary.geojson}
districts: {path: districts.geojson}
layers:
  - {name: gas, kind: gas_station, path: gas.csv}
""",
        encoding="utf-8",
    )
    return root / "project.yaml"


def test_validate_ok_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["validate", str(_project(tmp_path))])
    out = capsys.readouterr().out
    assert code == 0
    assert "gas" in out and "gas.csv" in out and "gb18030" in out
    assert "0 error(s), 0 warning(s)" in out


def test_validate_errors_exit_1_and_list_every_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = GAS_CSV + "G3,坏站,abc,30.5,一级\nG1,重复,114.3,30.5,一级\n"
    code = cli.main(["validate", str(_project(tmp_path, bad))])
    out = capsys.readouterr().out
    assert code == 1
    assert "2 error(s)" in out
    assert "gas.csv, row 4, column '经度'" in out
    assert "gas.csv, row 5, column '编号'" in out


def test_validate_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = GAS_CSV + "G3,坏站,abc,30.5,一级\n"
    code = cli.main(["validate", str(_project(tmp_path, bad)), "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 1
    assert doc["ok"] is False and doc["errors"] == 1
    [layer] = doc["layers"]
    assert (layer["name"], layer["count"], layer["rows_read"], layer["status"]) == (
        "gas",
        2,
        3,
        "ok",
    )
    [problem] = doc["problems"]
    assert (problem["code"], problem["row"], problem["column"], problem["file"]) == (
        "non_numeric",
        4,
        "经度",
        "gas.csv",
    )
    assert set(doc["file_hashes"]) == {"boundary.geojson", "districts.geojson", "gas.csv"}


def test_missing_boundary_exits_1_with_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(["validate", str(_project(tmp_path, boundary=False))])
    err = capsys.readouterr().err
    assert code == 1
    assert "boundary" in err and "file not found" in err
    assert "Traceback" not in err


def test_config_error_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _project(tmp_path)
    path.write_text(
        path.read_text(encoding="utf-8").replace("kind: gas_station", "kind: gas_stations"),
        encoding="utf-8",
    )
    code = cli.main(["validate", str(path)])
    err = capsys.readouterr().err
    assert code == 1
    assert "unknown kind 'gas_stations'" in err
