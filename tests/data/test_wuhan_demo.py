"""The Wuhan demo data set: it loads, its files are what data/wuhan/README.md says they are.

Files are read directly with pandas / geopandas / zipfile (not with riskmap.io), so a
bug in the readers cannot hide a bug in the data and the other way round.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from riskmap.config import load_layer_kinds, load_project
from riskmap.io.crs import to_wgs84_xy

DATA = Path(__file__).resolve().parents[2] / "data" / "wuhan"
CENSUS_TOTAL = 12_326_518


@pytest.fixture(scope="module")
def project():
    return load_project("wuhan")


@pytest.fixture(scope="module")
def districts() -> gpd.GeoDataFrame:
    return gpd.read_file(DATA / "boundary" / "districts.geojson")


@pytest.fixture(scope="module")
def boundary() -> shapely.Geometry:
    return gpd.read_file(DATA / "boundary" / "wuhan.geojson").geometry.iloc[0]


def _csv(name: str, encoding: str) -> pd.DataFrame:
    return pd.read_csv(DATA / name, encoding=encoding, dtype={"R值": float})


def test_project_loads_and_every_binding_file_exists(project) -> None:
    assert project.name == "wuhan"
    assert project.adcode == "420100"
    assert project.title.zh == "武汉市"
    assert project.resolve(project.boundary.path).is_file()
    assert project.resolve(project.districts.path).is_file()
    missing = [b.name for b in project.layers if not project.resolve(b.path).is_file()]
    assert missing == []
    kinds = {b.kind for b in project.layers}
    # every hazard, exposure, vulnerability and capacity kind has demo data
    wanted = {k for k, v in load_layer_kinds().items() if v.role != "context"} - {"hidden_hazard"}
    assert wanted <= kinds


def test_readme_lists_every_bound_file(project) -> None:
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    for b in project.layers:
        assert f"`{b.path}`" in readme, b.path
    assert "20210101" in readme
    assert "python scripts/build_boundaries.py && python scripts/make_wuhan_demo.py" in readme


def test_total_size_is_small() -> None:
    total = sum(p.stat().st_size for p in DATA.rglob("*") if p.is_file())
    assert total < 20 * 1024 * 1024


def test_boundaries_are_wuhan_and_its_13_districts(districts, boundary) -> None:
    assert sorted(districts["adcode"]) == [
        "420102",
        "420103",
        "420104",
        "420105",
        "420106",
        "420107",
        "420111",
        "420112",
        "420113",
        "420114",
        "420115",
        "420116",
        "420117",
    ]
    assert districts.crs.to_epsg() == 4326
    assert shapely.coverage_is_valid(districts.geometry.to_numpy())
    union = shapely.union_all(districts.geometry.to_numpy())
    assert shapely.symmetric_difference(union, boundary).area < 1e-9
    # Wuhan is about 8,569 km² and lies around 114.3 E, 30.6 N (WGS84)
    area_km2 = gpd.GeoSeries([boundary], crs=4326).to_crs(4547).area.iloc[0] / 1e6
    assert 8_300 < area_km2 < 8_800
    minx, miny, maxx, maxy = boundary.bounds
    assert 113.6 < minx < 113.8 and 115.0 < maxx < 115.15
    assert 29.9 < miny < 30.0 and 31.3 < maxy < 31.4


def test_gbk_csv_is_not_utf8_and_decodes_as_gbk() -> None:
    for name in ("hazmat_enterprises.csv", "gas_stations.csv", "community_stations.csv"):
        raw = (DATA / name).read_bytes()
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
        text = raw.decode("gbk")
        assert "\r\n" in text
    header = (DATA / "hazmat_enterprises.csv").read_bytes().decode("gbk").split("\r\n")[0]
    assert header.split(",") == [
        "企业编号",
        "企业名称",
        "重大危险源等级",
        "R值",
        "主要危险物质",
        "从业人数",
        "所在区",
        "地址",
        "责任人",
        "投产日期",
        "关闭日期",
        "经度",
        "纬度",
    ]


def test_utf8_csv_with_and_without_bom() -> None:
    bom = (DATA / "fireworks_wholesalers.csv").read_bytes()
    assert bom.startswith(b"\xef\xbb\xbf")
    bom.decode("utf-8")
    plain = (DATA / "crowded_places.csv").read_bytes()
    assert not plain.startswith(b"\xef\xbb\xbf")
    assert plain.decode("utf-8").startswith("编号,")


def test_shapefile_zip_has_gauss_kruger_prj_and_utf8_cpg() -> None:
    with zipfile.ZipFile(DATA / "high_rise_buildings.zip") as zf:
        names = sorted(zf.namelist())
        assert names == sorted(
            f"high_rise_buildings{e}" for e in (".shp", ".shx", ".dbf", ".prj", ".cpg")
        )
        prj = zf.read("high_rise_buildings.prj").decode("ascii")
        cpg = zf.read("high_rise_buildings.cpg").decode("ascii").strip()
    assert "Gauss_Kruger" in prj and "114" in prj and "CGCS2000" in prj
    assert pyproj.CRS.from_wkt(prj).to_epsg() == 4547
    assert cpg.upper() == "UTF-8"
    gdf = gpd.read_file(f"zip://{DATA / 'high_rise_buildings.zip'}")
    assert len(gdf) == 3000
    assert {"编号", "名称", "所在区", "层数", "高度"} <= set(gdf.columns)
    assert gdf["层数"].between(10, 100).all()
    # easting/northing of Wuhan in the CM 114E zone
    assert gdf.geometry.x.between(400_000, 620_000).all()
    assert gdf.geometry.y.between(3_300_000, 3_500_000).all()


def test_xlsx_sheets_and_dates() -> None:
    assert pd.ExcelFile(DATA / "emergency_resources.xlsx").sheet_names == ["物资储备库", "救援队伍"]
    acc = pd.read_excel(DATA / "accidents_2019_2021.xlsx", sheet_name="事故台账")
    assert pd.api.types.is_datetime64_any_dtype(acc["发生日期"])
    assert acc["发生日期"].min() >= pd.Timestamp("2019-01-01")
    assert acc["发生日期"].max() <= pd.Timestamp("2021-12-31")
    assert 450 <= len(acc) <= 550
    assert (acc["死亡人数"] == 0).mean() > 0.75
    assert acc["事故编号"].is_unique


def test_population_total_matches_the_census() -> None:
    pop = gpd.read_file(DATA / "population_1km.gpkg", layer="population_1km")
    assert pop.crs.to_epsg() == 4547
    assert abs(pop["pop2020"].sum() - CENSUS_TOTAL) <= 0.01 * CENSUS_TOTAL
    assert pop["grid_id"].is_unique
    by = pop.groupby("district")["pop2020"].sum()
    assert by["江岸区"] == 965_260 and by["青山区"] == 463_295 and by["汉南区"] == 145_103
    # polygons of at most one square kilometre, with a dense centre
    assert pop.area.max() <= 1_000_000 * 1.0001
    density = pop["pop2020"] / (pop.area / 1e6)
    centre = pop[pop["district"].isin(["江汉区", "江岸区", "武昌区"])]
    assert density[centre.index].median() > 10 * density[pop["district"] == "黄陂区"].median()


def test_hazmat_grades_and_r_values_are_consistent() -> None:
    df = _csv("hazmat_enterprises.csv", "gbk")
    assert 280 <= len(df) <= 320
    assert df["企业编号"].is_unique
    counts = df["重大危险源等级"].value_counts()
    assert counts["一级"] < counts["二级"] < counts["三级"] < counts["四级"]
    assert counts["无"] + counts["四级"] > len(df) / 2
    r, g = df["R值"], df["重大危险源等级"]
    assert (r[g == "一级"] >= 100).all()
    assert r[g == "二级"].between(50, 100, inclusive="left").all()
    assert r[g == "三级"].between(10, 50, inclusive="left").all()
    assert (r[g == "四级"] < 10).all()
    assert r[g == "无"].isna().all()
    assert (df.loc[g == "一级", "所在区"].isin(["青山区", "洪山区"])).mean() > 0.5


def test_video_points_cover_most_but_not_all_major_hazards() -> None:
    hazmat = _csv("hazmat_enterprises.csv", "gbk")
    major = set(hazmat.loc[hazmat["重大危险源等级"] != "无", "企业编号"])
    video = gpd.read_file(DATA / "video_points.geojson")
    covered = set(video["enterprise_id"])
    assert covered <= set(hazmat["企业编号"])
    assert covered <= major
    share = len(covered) / len(major)
    assert 0.85 <= share < 1.0


@pytest.mark.parametrize(
    ("file", "reader", "low", "high"),
    [
        ("fireworks_wholesalers.csv", "utf-8-sig", 55, 65),
        ("gas_stations.csv", "gbk", 550, 650),
        ("community_stations.csv", "gbk", 1440, 1440),
        ("crowded_places.csv", "utf-8", 150, 250),
        ("shelters.xlsx", None, 350, 450),
        ("fire_stations.xlsx", None, 110, 130),
        ("vulnerable_people.xlsx", None, 1400, 1600),
        ("tailings_pond.geojson", None, 1, 1),
        ("metal_smelting.geojson", None, 3, 15),
        ("dust_explosion.geojson", None, 80, 120),
        ("confined_space.geojson", None, 80, 120),
        ("waterlogging_points.geojson", None, 140, 160),
        ("geological_hazards.geojson", None, 90, 110),
        ("seismic_stations.geojson", None, 40, 40),
        ("sensitive_targets.geojson", None, 1900, 2100),
        ("fault_zones.geojson", None, 1, 3),
        ("flood_zones.gpkg", None, 10, 100),
    ],
)
def test_feature_counts(file: str, reader: str | None, low: int, high: int) -> None:
    path = DATA / file
    if file.endswith(".csv"):
        n = len(pd.read_csv(path, encoding=reader))
    elif file.endswith(".xlsx"):
        n = len(pd.read_excel(path))
    else:
        n = len(gpd.read_file(path))
    assert low <= n <= high


def test_sheet_row_counts() -> None:
    depots = pd.read_excel(DATA / "emergency_resources.xlsx", sheet_name="物资储备库")
    teams = pd.read_excel(DATA / "emergency_resources.xlsx", sheet_name="救援队伍")
    assert len(depots) == 30 and len(teams) == 50


def test_vulnerable_people_total_12754() -> None:
    df = pd.read_excel(DATA / "vulnerable_people.xlsx", sheet_name="特困人员分布")
    assert df["特困人数"].sum() == 12_754
    assert (df["特困人数"] >= 1).all()
    assert set(df["人员类别"]) == {"特困"}


def test_shelter_types_and_capacity() -> None:
    df = pd.read_excel(DATA / "shelters.xlsx", sheet_name="避难场所")
    counts = df["避难场所类型"].value_counts()
    assert counts["紧急"] > counts["固定"] > counts["中心"] >= 1
    assert (df["有效避难面积（平方米）"] >= 2000).all()
    assert (df["可容纳人数"] <= df["有效避难面积（平方米）"]).all()


def test_categories_are_allowed_by_the_layer_kinds() -> None:
    kinds = load_layer_kinds()
    checks = [
        (_csv("hazmat_enterprises.csv", "gbk")["重大危险源等级"], "hazmat_enterprise", "grade"),
        (_csv("gas_stations.csv", "gbk")["站点等级"], "gas_station", "grade"),
        (_csv("crowded_places.csv", "utf-8")["场所类型"], "crowded_place", "type"),
        (pd.read_excel(DATA / "fire_stations.xlsx")["站级"], "fire_station", "class"),
        (pd.read_excel(DATA / "accidents_2019_2021.xlsx")["事故类型"], "accident", "type"),
        (
            gpd.read_file(DATA / "geological_hazards.geojson")["灾害类型"],
            "geological_hazard",
            "type",
        ),
        (gpd.read_file(DATA / "sensitive_targets.geojson")["type"], "sensitive_target", "type"),
        (gpd.read_file(DATA / "seismic_stations.geojson")["type"], "seismic_station", "type"),
        (gpd.read_file(DATA / "metal_smelting.geojson")["process"], "metal_smelting", "process"),
        (gpd.read_file(DATA / "flood_zones.gpkg")["风险等级"], "flood_zone", "level"),
        (gpd.read_file(DATA / "fault_zones.geojson")["activity"], "fault_zone", "activity"),
    ]
    for values, kind, field in checks:
        allowed = set(kinds[kind].fields[field].allowed or ())
        assert set(values) <= allowed, (kind, field, set(values) - allowed)


def _points(
    file: str, crs: str, x: str = "经度", y: str = "纬度", encoding: str | None = None
) -> np.ndarray:
    path = DATA / file
    df = pd.read_csv(path, encoding=encoding) if file.endswith(".csv") else pd.read_excel(path)
    lon, lat = to_wgs84_xy(df[x].to_numpy(), df[y].to_numpy(), crs)
    return np.asarray(shapely.points(lon, lat))


def test_points_lie_inside_the_boundary_in_their_stated_crs(boundary) -> None:
    shapely.prepare(boundary)
    sets = {
        "hazmat GCJ-02": _points("hazmat_enterprises.csv", "GCJ02", encoding="gbk"),
        "crowded BD-09": _points("crowded_places.csv", "BD09", "lng", "lat", encoding="utf-8"),
        "shelters GCJ-02": _points("shelters.xlsx", "GCJ02"),
        "fire stations WGS84": _points("fire_stations.xlsx", "WGS84"),
        "high-rise EPSG:4547": np.asarray(
            gpd.read_file(f"zip://{DATA / 'high_rise_buildings.zip'}")
            .to_crs(4326)
            .geometry.to_numpy()
        ),
        "sensitive WGS84": np.asarray(
            gpd.read_file(DATA / "sensitive_targets.geojson").geometry.to_numpy()
        ),
    }
    for label, pts in sets.items():
        inside = shapely.contains(boundary, pts)
        assert inside.all(), f"{label}: {int((~inside).sum())} point(s) outside Wuhan"


def test_points_read_in_the_wrong_crs_would_be_visibly_off() -> None:
    # GCJ-02 and BD-09 are offsets of hundreds of metres: the stated CRS matters.
    gcj = _points("hazmat_enterprises.csv", "GCJ02", encoding="gbk")
    raw = _points("hazmat_enterprises.csv", "WGS84", encoding="gbk")
    shift = (
        gpd.GeoSeries(gcj, crs=4326)
        .to_crs(4547)
        .distance(gpd.GeoSeries(raw, crs=4326).to_crs(4547))
    )
    assert shift.between(200, 1000).all()


def test_district_column_matches_the_polygon(districts) -> None:
    df = _csv("hazmat_enterprises.csv", "gbk")
    lon, lat = to_wgs84_xy(df["经度"].to_numpy(), df["纬度"].to_numpy(), "GCJ02")
    pts = gpd.GeoDataFrame(df[["所在区"]], geometry=shapely.points(lon, lat), crs=4326)
    joined = gpd.sjoin(pts, districts[["name", "geometry"]], predicate="within")
    assert len(joined) == len(df)
    assert (joined["所在区"] == joined["name"]).all()


def test_tailings_pond_is_in_jiangxia(districts) -> None:
    pond = gpd.read_file(DATA / "tailings_pond.geojson")
    jiangxia = districts.loc[districts["name"] == "江夏区"].geometry.iloc[0]
    assert pond["name"].iloc[0] == "大洪山尾矿库"
    assert jiangxia.contains(pond.geometry.iloc[0])


def test_gpkg_has_the_stated_layer() -> None:
    import pyogrio

    assert [row[0] for row in pyogrio.list_layers(DATA / "population_1km.gpkg")] == [
        "population_1km"
    ]
    assert [row[0] for row in pyogrio.list_layers(DATA / "flood_zones.gpkg")] == ["flood_zones"]
    flood = gpd.read_file(DATA / "flood_zones.gpkg")
    assert flood.crs.to_epsg() == 4326
    assert set(flood["风险等级"]) == {"高", "中", "低"}


@pytest.mark.slow
def test_generator_is_deterministic(tmp_path: Path) -> None:
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "scripts" / "make_wuhan_demo.py"
    spec = importlib.util.spec_from_file_location("make_wuhan_demo", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.build_demo(tmp_path, DATA / "boundary")
    for generated in sorted(tmp_path.iterdir()):
        assert generated.read_bytes() == (DATA / generated.name).read_bytes(), generated.name
    # the XLSX is a real workbook, not just equal bytes
    assert zipfile.ZipFile(io.BytesIO((tmp_path / "shelters.xlsx").read_bytes())).testzip() is None
