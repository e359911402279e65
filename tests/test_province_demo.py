"""scripts/make_province_demo.py: a small province (仙桃, 潜江, 天门, 神农架: ``--only 4290``)
is generated, validates, assesses, is deterministic and holds the intended population."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from shapely.geometry import shape

from riskmap.cli import main as cli
from riskmap.io.boundaries import build_hierarchy

pytestmark = pytest.mark.slow

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "make_province_demo.py"
CITIES = {"429004": "仙桃市", "429005": "潜江市", "429006": "天门市", "429021": "神农架林区"}
HUBEI = 57_750_000
WUHAN = 12_326_518


@pytest.fixture(scope="module")
def script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_province_demo", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_province_demo"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generate(script: ModuleType) -> Callable[[Path], Path]:
    def run(folder: Path) -> Path:
        assert script.main(["--out", str(folder), "--only", "4290", "--seed", "7"]) == 0
        return folder

    return run


@pytest.fixture(scope="module")
def demo(generate: Callable[[Path], Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("p4290") / "demo")


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_the_demo_validates_without_errors(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (demo / "project.yaml").read_text(encoding="utf-8")
    assert "counties:\n  path: boundary/counties.geojson" in text
    assert "zh: 湖北省" in text and "cell_size: 250" in text
    capsys.readouterr()
    assert cli.main(["validate", str(demo / "project.yaml")]) == 0
    report = capsys.readouterr().out
    assert "0 error(s)" in report
    assert "(4 districts)" in report and "(4 counties)" in report


def test_same_seed_same_bytes(demo: Path, generate: Callable[[Path], Path], tmp_path: Path) -> None:
    again = _files(generate(tmp_path / "again"))
    first = _files(demo)
    assert sorted(again) == sorted(first)
    assert [name for name in first if first[name] != again[name]] == []


def test_an_existing_folder_is_refused_in_one_line(
    script: ModuleType, demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert script.main(["--out", str(demo), "--only", "4290"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not an empty folder" in err and "Traceback" not in err


def test_assess_at_1000_m_covers_every_city(
    demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    args = ["assess", str(demo / "project.yaml"), "--cell-size", "1000", "--out", str(out)]
    assert cli.main(args) == 0
    capsys.readouterr()
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert set(summary["districts"]) == set(CITIES.values())
    assert all(sum(levels.values()) > 100 for levels in summary["districts"].values())
    assert summary["complete"] is True


def test_population_is_the_intended_share_by_area(demo: Path) -> None:
    # Independently of the script: Hubei's total less Wuhan's census, shared by geodesic area.
    _, _, counties = build_hierarchy("420000")
    geod = pyproj.Geod(ellps="WGS84")
    rows = [
        (
            f["properties"]["adcode"],
            f["properties"]["city_adcode"],
            geod.geometry_area_perimeter(shapely.orient_polygons(shape(f["geometry"])))[0],
        )
        for f in counties["features"]
    ]
    table = pd.DataFrame(rows, columns=["adcode", "city", "area"])
    others = table[table["city"] != "420100"]
    expected = (HUBEI - WUHAN) * others.set_index("adcode")["area"] / others["area"].sum()
    cells = gpd.read_file(demo / "population_1km.gpkg", layer="population_1km")
    got = cells.groupby("adcode")["pop2020"].sum()
    assert set(got.index) == set(CITIES)
    assert np.all(np.abs(got - expected[got.index]) <= 1)
    assert abs(int(got.sum()) - expected[list(CITIES)].sum()) <= len(CITIES)
    assert cells.crs.to_epsg() == 4546  # CGCS2000 / 3-degree Gauss-Kruger CM 111E


def test_points_lie_in_their_county(demo: Path) -> None:
    counties = gpd.read_file(demo / "boundary" / "counties.geojson")
    stations = pd.read_excel(demo / "fire_stations.xlsx", sheet_name="消防站")
    points = gpd.GeoDataFrame(
        stations, geometry=gpd.points_from_xy(stations["经度"], stations["纬度"]), crs=4326
    )
    joined = gpd.sjoin(points, counties[["name", "geometry"]], predicate="within")
    assert len(joined) == len(points)
    assert (joined["所在区"] == joined["name"]).all()


def test_on_a_local_cluster_the_province_gives_the_same_results_map_and_county_summary(
    demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = str(demo / "project.yaml")
    runs = {}
    for name, extra in (("alone", []), ("cluster", ["--cluster", "local:2"])):
        out = tmp_path / name
        args = ["assess", project, "--cell-size", "1000", "--partitioned", "--out", str(out)]
        assert cli.main([*args, *extra]) == 0
        runs[name] = out
    assert "dashboard" in capsys.readouterr().err  # the cluster's dashboard is named
    parts = {name: sorted((out / "cells").glob("part-*.parquet")) for name, out in runs.items()}
    assert parts["cluster"] and [p.name for p in parts["cluster"]] == [
        p.name for p in parts["alone"]
    ]
    alone = pd.concat([gpd.read_parquet(p) for p in parts["alone"]], ignore_index=True)
    spread = pd.concat([gpd.read_parquet(p) for p in parts["cluster"]], ignore_index=True)
    for column in ("cell_id", "county", "level_rank", "score", "contributors"):
        assert alone[column].equals(spread[column]), column
    # The county summary (one row a county, with its city) is the same file either way.
    counties = (runs["cluster"] / "counties.csv").read_bytes()
    assert counties == (runs["alone"] / "counties.csv").read_bytes()
    table = pd.read_csv(runs["cluster"] / "counties.csv", encoding="utf-8-sig", dtype=str)
    assert sorted(table["县级区划代码"]) == sorted(CITIES) and len(table) == 4
    # And the province's map is drawn from the same project.
    html = tmp_path / "province.html"
    assert cli.main(["map", project, "--cell-size", "1000", "--out", str(html)]) == 0
    page = html.read_text(encoding="utf-8")
    assert "仙桃市" in page and html.stat().st_size < 1_000_000


def test_province_map_draws_each_city_finer_when_zoomed_in_under_1_mb(
    demo: Path, tmp_path: Path
) -> None:
    """``map --cell-size 1000 --city-cell-size 250``: the province's level regions at 1 km
    and one 250 m level image a city (issue 14 item 5), in one page under 1 MB."""
    html = tmp_path / "province.html"
    project = str(demo / "project.yaml")
    args = ["map", project, "--cell-size", "1000", "--city-cell-size", "250", "--out", str(html)]
    assert cli.main(args) == 0
    page = html.read_text(encoding="utf-8")
    assert html.stat().st_size < 1_000_000
    (payload,) = re.findall(r"var d = (\[\{\"n\"[^\n]*\]), layer = L\.layerGroup\(\)", page)
    assert sorted(c["n"] for c in json.loads(payload)) == sorted(CITIES.values())
    assert "4/4 个城市显示 250 m 网格" in page
