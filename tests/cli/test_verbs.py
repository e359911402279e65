"""``python -m riskmap``: the verbs end to end, fast help, errors as messages."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from riskmap.cli import main as cli

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("pandas", "geopandas", "folium", "shapely", "pyproj", "scipy", "matplotlib")
GAS_CSV = "编号,名称,经度,纬度,站点等级\nG1,中山加油站,114.05,30.55,一级\nG2,汉阳加油站,114.15,30.65,二级\n"


def _project(root: Path) -> str:
    """A 20 km square city with one district and two petrol stations."""
    square = shapely.box(114.0, 30.5, 114.2, 30.7)
    gpd.GeoDataFrame(geometry=[square], crs="EPSG:4326").to_file(root / "boundary.geojson")
    gpd.GeoDataFrame(
        {"adcode": ["420102"], "name": ["甲区"]}, geometry=[square], crs="EPSG:4326"
    ).to_file(root / "districts.geojson")
    (root / "gas.csv").write_text(GAS_CSV, encoding="utf-8")
    (root / "project.yaml").write_text(
        """
name: clitest
title: {zh: 测试市, en: Test city}
adcode: "420100"
boundary: {path: boundary.geojson}
districts: {path: districts.geojson}
hazard_register: {path: hazards.sqlite}
layers:
  - {name: gas, kind: gas_station, path: gas.csv}
""",
        encoding="utf-8",
    )
    return str(root / "project.yaml")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The tiny project with one open major hidden hazard in its register."""
    path = _project(tmp_path_factory.mktemp("city"))
    code = cli.main(
        [
            "hazards",
            "add",
            "--project",
            path,
            "--title",
            "储罐区未设围堰",
            "--category",
            "危化",
            "--grade",
            "重大",
            "--lon",
            "114.1",
            "--lat",
            "30.6",
            "--district",
            "甲区",
            "--found-by",
            "张三",
            "--deadline",
            "2030-01-01",
            "--unit",
            "某公司",
        ]
    )
    assert code == 0
    return path


@pytest.mark.parametrize("verb", cli.VERBS)
def test_verb_help_imports_no_heavy_library(verb: str) -> None:
    code = (
        "import argparse, sys, importlib\n"
        f"importlib.import_module('riskmap.cli.{verb}').add_parser("
        "argparse.ArgumentParser().add_subparsers())\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ""


def test_help_lists_every_verb(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        cli.main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert all(verb in out for verb in cli.VERBS)


def test_map_choices_are_those_of_riskmap_maps() -> None:
    from riskmap import maps
    from riskmap.cli import map as map_verb

    assert (map_verb.VIEWS, map_verb.BASEMAPS, map_verb.OVERLAYS) == (
        maps.VIEWS,
        maps.BASEMAPS,
        maps.OVERLAYS,
    )


@pytest.mark.parametrize("verb", ["validate", "assess", "map", "export", "indicators", "report"])
def test_missing_project_is_a_message(
    verb: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [verb, str(tmp_path / "nowhere")]
    if verb != "validate":
        argv += ["--out", str(tmp_path / "out")]
    assert cli.main(argv) == 1
    err = capsys.readouterr().err
    assert "nowhere" in err and "not found" in err


def test_unwritable_output_and_broken_register_are_messages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_text("not a database", encoding="utf-8")
    assert cli.main(["hazards", "list", "--db", str(garbage)]) == 1
    assert "not a hidden-hazard register" in capsys.readouterr().err
    db = str(tmp_path / "ok.sqlite")
    assert cli.main(["hazards", "export", str(garbage / "out.xlsx"), "--db", db]) == 1
    assert "garbage.sqlite" in capsys.readouterr().err


def test_map_draws_the_register_hazards_offline(
    project: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "map.html"
    assert (
        cli.main(
            [
                "map",
                project,
                "--out",
                str(out),
                "--cell-size",
                "500",
                "--show",
                "detail",
                "hidden_hazards",
            ]
        )
        == 0
    )
    assert "1 open hidden hazards" in capsys.readouterr().err
    page = out.read_text(encoding="utf-8")
    assert "储罐区未设围堰" in page
    assert not re.search(
        r"<(script|link)[^>]*(src|href)=[\"']?(https?:)?//", page
    )  # Leaflet inline


def test_export_and_indicators_use_the_register(
    project: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        cli.main(
            ["export", project, "--out", str(tmp_path), "--format", "csv", "--cell-size", "500"]
        )
        == 0
    )
    assert (tmp_path / "inventory.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert (
        cli.main(
            ["indicators", project, "--out", str(tmp_path), "--cell-size", "500", "--lang", "en"]
        )
        == 0
    )
    doc = json.loads((tmp_path / "indicators.json").read_text(encoding="utf-8"))
    hazard_rows = [
        r for r in doc["indicators"] if r["id"].startswith("hazards.") and r["value"] is not None
    ]
    assert hazard_rows, "the register's hazards give the hidden-hazard indicators a value"


def test_export_choices_are_those_of_the_inventory() -> None:
    from riskmap.cli import export as export_verb
    from riskmap.products import inventory

    assert (export_verb.FORMATS, export_verb.ENCODINGS) == (inventory.FORMATS, inventory.ENCODINGS)


def test_export_filtered_gpkg_with_cells_names_its_filters(project: str, tmp_path: Path) -> None:
    import pyogrio

    argv = ["export", project, "--out", str(tmp_path), "--format", "gpkg", "--cell-size", "2000"]
    filters = ["--cells", "--district", "甲区", "--level", "重大", "--level", "low"]
    assert cli.main([*argv, *filters]) == 0
    path = tmp_path / "inventory_district-420102_level-major-low.gpkg"
    layers = dict(pyogrio.list_layers(path))
    assert layers["sources_points"] == "Point" and layers["cells"] == "MultiPolygon"
    about = pyogrio.read_dataframe(path, layer="about")
    assert "甲区（420102）" in about.to_numpy().ravel().tolist()


def test_export_gbk_csv_and_encoding_of_other_formats(
    project: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["export", project, "--out", str(tmp_path), "--cell-size", "2000"]
    assert cli.main([*argv, "--format", "csv", "--encoding", "gbk"]) == 0
    text = (tmp_path / "inventory.csv").read_bytes().decode("gbk")
    assert text.startswith("统一编号,") and "储罐区未设围堰" in text
    assert "面积(km2)" in (tmp_path / "inventory_districts.csv").read_bytes().decode("gbk")
    assert cli.main([*argv, "--format", "xlsx", "--encoding", "gbk"]) == 1
    assert "applies to --format csv" in capsys.readouterr().err
    assert cli.main([*argv, "--format", "csv", "--level", "极高"]) == 1
    assert "unknown risk level" in capsys.readouterr().err


def test_report_writes_one_html_page(project: str, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    assert (
        cli.main(["report", project, "--out", str(out), "--cell-size", "500", "--lang", "en"]) == 0
    )
    page = out.read_text(encoding="utf-8")
    assert page.lstrip().lower().startswith("<!doctype html")
    assert "Test city" in page
    # --district: the district's report (by name or adcode); an unknown one is an error
    argv = ["report", project, "--out", str(out), "--cell-size", "500", "--district"]
    assert cli.main([*argv, "甲区"]) == 0
    assert "甲区城市安全风险评估报告</h1>" in out.read_text(encoding="utf-8")
    assert cli.main([*argv, "999999"]) == 1


def test_assess_writes_hot_spots_confidence_and_cascades(project: str, tmp_path: Path) -> None:
    out = tmp_path / "a"
    assert cli.main(["assess", project, "--cell-size", "1000", "--out", str(out)]) == 0
    cells = gpd.read_parquet(out / "cells.parquet")
    for col in ("hotspot", "hotspot_z", "hotspot_p", "level_p", "p_major", "p_high", "unstable"):
        assert col in cells.columns, col
    assert cells["hotspot"].between(-3, 3).all()
    assert cells["level_p"].between(0, 1).all()
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["analysis"]["confidence"]["draws"] == 200
    assert summary["analysis"]["hotspots"]["permutations"] == 999
    for name in ("cascades.csv", "hotspots.csv", "sensitivity.csv"):
        assert (out / name).read_bytes().startswith(b"\xef\xbb\xbf"), name  # UTF-8 with BOM

    bare = tmp_path / "b"
    args = ["assess", project, "--cell-size", "1000", "--no-hotspots", "--no-confidence"]
    assert cli.main([*args, "--out", str(bare)]) == 0
    cells = gpd.read_parquet(bare / "cells.parquet")
    assert "hotspot" not in cells.columns and "level_p" not in cells.columns
    assert not (bare / "sensitivity.csv").exists()


def test_backtest_writes_its_page_on_the_demo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "bt"
    args = ["backtest", "wuhan", "--cell-size", "2000", "--out", str(out)]
    periods = ["--train", "2019-01-01..2020-12-31", "--test", "2021-01-01..2021-12-31"]
    assert cli.main([*args, *periods]) == 0
    printed = capsys.readouterr().out
    assert re.search(r"Risk score\s+AUC 0\.\d{3}", printed)
    page = (out / "backtest.html").read_text(encoding="utf-8")
    assert "合成演示数据" in page  # the demo's accidents are synthetic: the page says so
    assert "data:image/png;base64," in page
    numbers = json.loads((out / "backtest.json").read_text(encoding="utf-8"))
    assert [r["name"] for r in numbers["rankings"]] == [
        "score",
        "population_density",
        "hazmat_nearness",
    ]
    assert numbers["test_accidents"] > 0


def test_backtest_periods_in_the_wrong_order_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["backtest", "wuhan", "--cell-size", "3000", "--out", str(tmp_path)]
    periods = ["--train", "2020-01-01..2021-06-30", "--test", "2021-01-01..2021-12-31"]
    assert cli.main([*args, *periods]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("error: the test period 2021-01-01..2021-12-31 must begin after")
    assert "Traceback" not in "\n".join(err)


def test_assess_as_of_two_days_then_compare_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for day in ("2020-12-31", "2021-12-31"):
        args = ["assess", "wuhan", "--cell-size", "3000", "--as-of", day]
        args += ["--no-hotspots", "--no-confidence", "--out", str(tmp_path / day)]
        assert cli.main(args) == 0
        summary = json.loads((tmp_path / day / "summary.json").read_text(encoding="utf-8"))
        assert summary["as_of"] == day
    out = tmp_path / "change"
    args = ["compare", str(tmp_path / "2020-12-31"), str(tmp_path / "2021-12-31")]
    assert cli.main([*args, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert re.search(r"2020-12-31 -> 2021-12-31: [\d,]+ cells, [\d,]+ up, [\d,]+ down", printed)
    for name in ("changed_cells.csv", "district_trend.csv", "city_trend.csv", "change_map.html"):
        assert (out / name).is_file(), name
    # The same comparison from the dates themselves gives the same moved cells.
    direct = tmp_path / "direct"
    dates = ["compare", "2020-12-31", "2021-12-31", "--project", "wuhan", "--cell-size", "3000"]
    assert cli.main([*dates, "--out", str(direct)]) == 0
    a = (out / "changed_cells.csv").read_text(encoding="utf-8-sig").splitlines()[1:]
    b = (direct / "changed_cells.csv").read_text(encoding="utf-8-sig").splitlines()[1:]
    assert sorted(x.split(",")[:5] for x in a) == sorted(x.split(",")[:5] for x in b)


def test_briefing_writes_its_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["briefing", "wuhan", "--cell-size", "3000", "--period", "2021-06-01..2021-09-30"]
    assert cli.main([*args, "--theme", "flood", "--out", str(tmp_path)]) == 0
    page = (tmp_path / "briefing.html").read_text(encoding="utf-8")
    assert "重要时段风险研判报告" in page and "汛期" in page
    assert "data:image/png;base64," in page
    assert cli.main([*args, "--theme", "typhoon", "--out", str(tmp_path)]) == 1
    assert "unknown theme 'typhoon'" in capsys.readouterr().err


def test_assess_on_a_local_cluster_writes_the_same_results(project: str, tmp_path: Path) -> None:
    common = ["assess", project, "--cell-size", "1000", "--no-hotspots", "--no-confidence"]
    assert cli.main([*common, "--out", str(tmp_path / "here")]) == 0
    assert cli.main([*common, "--cluster", "local:2", "--out", str(tmp_path / "there")]) == 0
    here = gpd.read_parquet(tmp_path / "here" / "cells.parquet")
    # On a cluster the cells are a partitioned folder, read as one table.
    assert sorted(p.name for p in (tmp_path / "there" / "cells").iterdir()) == [
        "part-00000.parquet"
    ]
    there = gpd.read_parquet(tmp_path / "there" / "cells")
    cols = ["cell_id", "level_rank", "score", "contributors"]
    assert here[cols].equals(there[cols])
    assert cli.main([*common, "--cluster", "local", "--out", str(tmp_path / "x")]) == 1


def test_a_large_grid_is_written_in_parts_with_every_shape(
    project: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Above PARTITION_ABOVE cells ``assess`` writes a cells/ folder (one file would need
    every shape at once) and says so; the parts hold the same cells and shapes as one file."""
    from riskmap.cli import assess
    from riskmap.pipeline import parts

    common = ["assess", project, "--cell-size", "1000", "--no-hotspots", "--no-confidence"]
    assert cli.main([*common, "--out", str(tmp_path / "one")]) == 0
    monkeypatch.setattr(assess, "PARTITION_ABOVE", 100)
    monkeypatch.setattr(parts, "PART_ROWS", 100)
    capsys.readouterr()
    assert cli.main([*common, "--out", str(tmp_path / "parts")]) == 0
    assert "cells: scored in parts of 100 and written as" in capsys.readouterr().err
    one = gpd.read_parquet(tmp_path / "one" / "cells.parquet")
    parts = sorted((tmp_path / "parts" / "cells").iterdir())
    assert len(parts) == -(-len(one) // 100) > 1
    many = gpd.read_parquet(tmp_path / "parts" / "cells")
    assert not many.geometry.isna().any()
    assert one.drop(columns="geometry").equals(many.drop(columns="geometry"))
    assert one.geometry.to_wkb().equals(many.geometry.to_wkb())
    assert cli.main([*common, "--no-partitioned", "--out", str(tmp_path / "forced")]) == 0
    assert (tmp_path / "forced" / "cells.parquet").is_file()
