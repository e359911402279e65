"""Safe-city indicators on a hand-computed 3 x 3 grid of 1 km cells.

Layout (working CRS EPSG:32650, origin x0 = 500000, y0 = 3400000; cell rRcC has its centre
at (x0 + 500 + 1000 C, y0 + 500 + 1000 R)). District A (000001) is column 0, district B
(000002) columns 1-2. Every cell has 2,000 people except r0c2 (100 people): 16,100 in all,
6,000 in A, 10,100 in B. With the default method (turnout 1 min, 30 km/h, detour 1.3,
target 5 min) a fire station reaches 4 x 500 / 1.3 = 1,538 m.
"""

from __future__ import annotations

import json
import re
import string

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from factories import (
    GRID3_A,
    GRID3_B,
    GRID3_CRS,
    GRID3_X0,
    GRID3_Y0,
    grid3_cells,
    grid3_centre,
    grid3_data,
)
from shapely.geometry import box

from riskmap.config import (
    IndicatorOptions,
)
from riskmap.io import ProjectData
from riskmap.products.indicators import (
    CITY,
    EVIDENCE_TEXTS,
    INDICATOR_IDS,
    TABLE_COLUMNS,
    export_scorecard,
    indicators_from_cells,
    station_districts,
)

CRS = GRID3_CRS
X0, Y0 = GRID3_X0, GRID3_Y0
A, B = GRID3_A, GRID3_B


centre = grid3_centre
make_cells = grid3_cells


def points(*xy: tuple[float, float]) -> list[shapely.Point]:
    return [shapely.Point(x, y) for x, y in xy]


def scorecard_data(layers: dict[str, tuple[str, gpd.GeoDataFrame]] | None = None) -> ProjectData:
    """A project on the 3 x 3 grid with the given layers (the default set when None)."""
    return grid3_data(layers if layers is not None else default_layers())


def gdf(rows: dict[str, list], xy: list[tuple[float, float]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry=points(*xy), crs=CRS)


def default_layers() -> dict[str, tuple[str, gpd.GeoDataFrame]]:
    return {
        "fire": (
            "fire_station",
            gdf({"id": ["F1"], "name": ["一站"], "class": ["一级"]}, [centre(0, 0)]),
        ),
        "shelters": (
            "shelter",
            gdf(
                {
                    "id": ["S1", "S2", "S3"],
                    "name": ["a", "b", "c"],
                    "type": ["紧急", "固定", "中心"],
                    "area_m2": [3000.0, 12000.0, 9000.0],
                    "capacity": [np.nan, 3000.0, np.nan],
                },
                [centre(0, 0), centre(2, 2), centre(1, 1)],
            ),
        ),
        "community": (
            "community_station",
            gdf({"id": ["C1"], "name": ["站"]}, [(X0 + 2000, Y0 + 1000)]),
        ),
        "hazmat": (
            "hazmat_enterprise",
            gdf(
                {
                    "id": ["H1", "H2", "H3"],
                    "name": ["h1", "h2", "h3"],
                    "grade": ["一级", "无", "三级"],
                },
                [(X0 + 700, Y0 + 500), centre(2, 2), centre(1, 2)],
            ),
        ),
        "video": (
            "video_point",
            gdf(
                {"id": ["V1", "V2"], "enterprise_id": ["H1", "H2"]},
                [(X0 + 710, Y0 + 500), centre(2, 2)],
            ),
        ),
        "targets": (
            "sensitive_target",
            gdf(
                {
                    "id": ["T1", "T2", "T3"],
                    "name": ["学校", "医院", "幼儿园"],
                    "type": ["学校", "医院", "幼儿园"],
                },
                [(X0 + 700, Y0 + 900), (X0 + 2500, Y0 + 2100), (X0 + 2800, Y0 + 1500)],
            ),
        ),
    }


def value(card, ind: str, scope: str = CITY) -> float:
    row = card.table[(card.table["id"] == ind) & (card.table["scope"] == scope)]
    assert len(row) == 1, (ind, scope)
    return float(row["value"].iloc[0])


def passed(card, ind: str, scope: str = CITY):
    row = card.table[(card.table["id"] == ind) & (card.table["scope"] == scope)]
    return row["passed"].iloc[0]


@pytest.fixture(scope="module")
def card():
    levels = [4, 3, 1, 2, 1, 1, 1, 1, 3]
    summary = pd.DataFrame(
        {
            "adcode": [A, B],
            "district": ["甲区", "乙区"],
            "open": [3, 1],
            "open_major": [2, 1],
            "listed": [1, 0],
            "overdue": [2, 0],
            "overdue_major": [1, 0],
        }
    )
    return indicators_from_cells(
        scorecard_data(), make_cells(levels), register_summary=summary, produced_at="2026-11-28"
    )


def test_table_shape_and_scopes(card):
    t = card.table
    assert list(t.columns) == list(TABLE_COLUMNS)
    assert list(t["id"].drop_duplicates()) == list(INDICATOR_IDS)
    assert set(t["scope"]) == {CITY, A, B}
    assert len(t) == 3 * len(INDICATOR_IDS)
    assert set(t.loc[t["scope"] == A, "district"]) == {"甲区"}
    assert (t["standard"].str.len() > 0).all()
    assert card.city()["scope"].eq(CITY).all()
    assert len(card.for_scope(B)) == len(INDICATOR_IDS)


def test_fire_reach_population_and_builtup(card):
    # Station at r0c0: r0c0 0 m, r0c1 and r1c0 1,000 m, r1c1 1,414 m are within 1,538 m.
    assert value(card, "fire.reach_population") == pytest.approx(100 * 8000 / 16100)
    assert value(card, "fire.reach_population", A) == pytest.approx(100 * 4000 / 6000)
    assert value(card, "fire.reach_population", B) == pytest.approx(100 * 4000 / 10100)
    assert passed(card, "fire.reach_population") is False
    # Built-up (>= 1,500 people/km²): all cells but r0c2; 4 of 8 km² covered.
    assert value(card, "fire.reach_builtup") == pytest.approx(50.0)
    uncovered = card.evidence["fire.reach_population"]
    assert set(uncovered["cell_id"]) == {"r0c2", "r1c2", "r2c0", "r2c1", "r2c2"}
    assert uncovered.set_index("cell_id").loc["r2c2", "reach_min"] == pytest.approx(
        1 + 1.3 * np.hypot(2000, 2000) / 500
    )
    assert "r0c2" not in set(card.evidence["fire.reach_builtup"]["cell_id"])


def test_fire_reach_follows_method_settings():
    data = scorecard_data()
    faster = data.project.model_copy(
        update={"method": data.project.method.model_copy(update={"fire_speed_kmh": 60.0})}
    )
    from dataclasses import replace

    card = indicators_from_cells(replace(data, project=faster), make_cells())
    # 4 min x 1,000 m/min / 1.3 = 3,077 m: every centre (farthest 2,828 m) is reached.
    assert value(card, "fire.reach_population") == pytest.approx(100.0)
    assert passed(card, "fire.reach_population") is True


def test_station_district_area_single_station(card):
    # One station: its district is the whole 9 km² city, above the 7 km² of a 一级 station.
    d = card.evidence["fire.district_area"]
    assert d["area_km2"].iloc[0] == pytest.approx(9.0)
    assert d["builtup_km2"].iloc[0] == pytest.approx(8.0)
    assert not d["edge"].iloc[0]
    assert value(card, "fire.district_area") == 0.0
    assert value(card, "fire.district_area", A) == 0.0
    assert np.isnan(value(card, "fire.district_area", B))  # no station in B
    assert passed(card, "fire.district_area", B) is None


def test_station_districts_voronoi_and_limits():
    layers = default_layers()
    layers["fire"] = (
        "fire_station",
        gdf(
            {"id": ["F1", "F2"], "name": ["一站", "二站"], "class": ["一级", "小型"]},
            [centre(0, 0), centre(2, 2)],
        ),
    )
    data = scorecard_data(layers)
    d = station_districts(data, make_cells()).set_index("id")
    # The bisector of the diagonal splits the square in two halves of 4.5 km².
    assert d.loc["F1", "area_km2"] == pytest.approx(4.5)
    assert d.loc["F2", "area_km2"] == pytest.approx(4.5)
    assert d.loc["F1", "ok"]  # 一级: 7 km²
    assert not d.loc["F2", "ok"]  # 小型: 2 km²
    assert d.loc["F2", "limit_km2"] == 2.0
    assert d["adcode"].tolist() == [A, B]
    assert shapely.union_all(d.geometry.to_numpy()).area == pytest.approx(9e6)
    card = indicators_from_cells(data, make_cells())
    assert value(card, "fire.district_area") == 50.0
    assert value(card, "fire.district_area", A) == 100.0
    assert value(card, "fire.district_area", B) == 0.0


def test_urban_edge_station_gets_15_km2():
    # Thinly populated cells (100 people/km²) are not built-up: the lone station is on the
    # urban edge and its 9 km² district passes the 15 km² limit.
    cells = make_cells()
    cells["population"] = 100.0
    d = station_districts(scorecard_data(), cells)
    assert bool(d["edge"].iloc[0])
    assert d["limit_km2"].iloc[0] == 15.0
    assert bool(d["ok"].iloc[0])
    strict = station_districts(
        scorecard_data(), cells, options=IndicatorOptions(edge_builtup_share=0.0)
    )
    assert not bool(strict["edge"].iloc[0])


def test_fire_station_near_hazmat(card):
    # F1 is 200 m from H1.
    assert value(card, "fire.hazmat_distance") == 1
    assert value(card, "fire.hazmat_distance", A) == 1
    assert value(card, "fire.hazmat_distance", B) == 0
    assert passed(card, "fire.hazmat_distance") is False
    ev = card.evidence["fire.hazmat_distance"]
    assert ev["hazmat_id"].tolist() == ["H1"]
    assert ev["distance_m"].iloc[0] == pytest.approx(200.0)


def test_shelter_area_per_person(card):
    assert value(card, "shelter.area_per_person") == pytest.approx(24000 / 16100)
    assert passed(card, "shelter.area_per_person") is False
    assert value(card, "shelter.area_per_person", A) == pytest.approx(3000 / 6000)
    assert value(card, "shelter.area_per_person", B) == pytest.approx(21000 / 10100)
    assert passed(card, "shelter.area_per_person", B) is True


def test_shelter_walk_500m(card):
    # Shelters at the centres of r0c0, r1c1, r2c2; other centres are >= 1 km away.
    assert value(card, "shelter.walk_population") == pytest.approx(100 * 6000 / 16100)
    assert value(card, "shelter.walk_population", A) == pytest.approx(100 * 2000 / 6000)
    assert set(card.evidence["shelter.walk_population"]["cell_id"]) == {
        "r0c1",
        "r0c2",
        "r1c0",
        "r1c2",
        "r2c0",
        "r2c1",
    }


def test_fixed_shelter_capacity(card):
    # S2 (固定) holds 3,000; S3 (中心) has no capacity: 9,000 m² / 1.5 = 6,000.
    assert value(card, "shelter.fixed_capacity") == pytest.approx(100 * 9000 / 16100)
    assert passed(card, "shelter.fixed_capacity") is True
    assert value(card, "shelter.fixed_capacity", A) == 0.0
    assert passed(card, "shelter.fixed_capacity", A) is False


def test_people_per_central_shelter(card):
    assert value(card, "shelter.central_people") == pytest.approx(16100)
    assert passed(card, "shelter.central_people") is True
    assert value(card, "shelter.central_people", B) == pytest.approx(10100)
    # District A has people and no central shelter: fails, with no number.
    assert np.isnan(value(card, "shelter.central_people", A))
    assert passed(card, "shelter.central_people", A) is False


def test_community_station_reach(card):
    # C1 sits on the corner of r0c1, r0c2, r1c1, r1c2: 707 m from each centre (< 1,000 m).
    assert value(card, "community.reach_population") == pytest.approx(100 * 6100 / 16100)
    assert value(card, "community.reach_population", A) == 0.0
    assert value(card, "community.reach_population", B) == pytest.approx(100 * 6100 / 10100)


def test_hazmat_video(card):
    # Major sites H1 (一级, A, with video) and H3 (三级, B, none); H2 is not major.
    assert value(card, "hazmat.video") == 50.0
    assert value(card, "hazmat.video", A) == 100.0
    assert value(card, "hazmat.video", B) == 0.0
    assert card.evidence["hazmat.video"]["id"].tolist() == ["H3"]


def test_sensitive_targets_near_major_hazards(card):
    # T1 is 400 m from H1 (一级), T3 300 m from H3 (三级); T2 is 400 m from H2 (not major)
    # and 600 m from H3.
    assert value(card, "hazmat.sensitive_targets") == 2
    assert value(card, "hazmat.sensitive_targets", A) == 1
    assert value(card, "hazmat.sensitive_targets", B) == 1
    ev = card.evidence["hazmat.sensitive_targets"].set_index("id")
    assert set(ev.index) == {"T1", "T3"}
    assert ev.loc["T1", "site_grade"] == "一级"
    assert ev.loc["T3", "distance_m"] == pytest.approx(300.0)
    row = card.city().set_index("id").loc["hazmat.sensitive_targets"]
    assert "一级 1" in row["evidence"] and "三级 1" in row["evidence"]


def test_sensitive_distance_by_grade():
    opts = IndicatorOptions(
        sensitive_distance_m={"一级": 300.0, "二级": 500.0, "三级": 700.0, "四级": 500.0}
    )
    card = indicators_from_cells(scorecard_data(), make_cells(), options=opts)
    ev = card.evidence["hazmat.sensitive_targets"]
    assert set(ev["id"]) == {"T2", "T3"}  # T1 (400 m > 300 m) drops, T2 (600 m <= 700 m) enters


def test_risk_shares(card):
    # Levels: 重大 r0c0 (2,000); 较大 r0c1 (2,000) and r2c2 (2,000).
    assert value(card, "risk.map_produced") == 1.0
    assert passed(card, "risk.map_produced") is True
    assert "2026-11-28" in card.city().set_index("id").loc["risk.map_produced", "evidence"]
    assert value(card, "risk.area_major") == pytest.approx(100 / 9)
    assert value(card, "risk.area_significant") == pytest.approx(200 / 9)
    assert value(card, "risk.population_major") == pytest.approx(100 * 2000 / 16100)
    assert value(card, "risk.population_significant", B) == pytest.approx(100 * 4000 / 10100)
    assert passed(card, "risk.area_major") is None


def test_hidden_hazards_from_register(card):
    assert value(card, "hazards.open_major") == 3
    assert value(card, "hazards.listed", A) == 1
    assert value(card, "hazards.overdue") == 1
    assert passed(card, "hazards.overdue", A) is False
    assert passed(card, "hazards.overdue", B) is True


def test_missing_layers_are_not_computable():
    card = indicators_from_cells(scorecard_data({}), make_cells())
    for ind in (
        "fire.reach_population",
        "shelter.area_per_person",
        "hazmat.video",
        "community.reach_population",
        "risk.map_produced",
    ):
        assert np.isnan(value(card, ind))
        assert passed(card, ind) is None
    assert "hazards.overdue" not in set(card.table["id"])
    assert card.evidence == {}


def test_inputs_not_modified():
    data, cells = scorecard_data(), make_cells([1] * 9)
    before = {n: lyr.gdf.copy() for n, lyr in data.layers.items()}
    cells_before = cells.copy()
    indicators_from_cells(data, cells)
    pd.testing.assert_frame_equal(cells, cells_before)
    for n, lyr in data.layers.items():
        pd.testing.assert_frame_equal(lyr.gdf, before[n])


def test_export_scorecard(card, tmp_path):
    paths = export_scorecard(card, tmp_path / "out")
    raw = paths["csv"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(paths["csv"], encoding="utf-8-sig", dtype={"scope": str})
    assert len(back) == len(card.table)
    assert "消防站5分钟可达人口比例" in set(back["name_zh"])
    doc = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert doc["produced_at"] == "2026-11-28"
    rows = {(r["id"], r["scope"]): r for r in doc["indicators"]}
    assert rows[("shelter.central_people", A)]["value"] is None
    assert rows[("shelter.central_people", A)]["passed"] is False
    assert rows[("fire.reach_builtup", CITY)]["value"] == pytest.approx(50.0)
    assert doc["parameters"]["options"]["shelter_walk_m"] == 500.0


# ---------------------------------------------------------------------------
# command line


def _tiny_project(root) -> str:
    import geopandas as gpd

    halves = [box(114.28, 30.57, 114.30, 30.61), box(114.30, 30.57, 114.34, 30.61)]
    gpd.GeoDataFrame(geometry=[box(114.28, 30.57, 114.34, 30.61)], crs="EPSG:4326").to_file(
        root / "boundary.geojson"
    )
    gpd.GeoDataFrame(
        {"adcode": ["420102", "420103"], "name": ["甲区", "乙区"]}, geometry=halves, crs="EPSG:4326"
    ).to_file(root / "districts.geojson")
    # 1,000 people 200 m from the station, 3,000 people about 3 km east of it.
    (root / "pop.csv").write_text(
        "id,count,lon,lat\np1,1000,114.292,30.590\np2,3000,114.322,30.590\n", encoding="utf-8"
    )
    (root / "fire.csv").write_text(
        "id,name,class,lon,lat\nF1,一站,一级,114.290,30.590\n", encoding="utf-8"
    )
    (root / "shelter.csv").write_text(
        "id,name,type,area_m2,lon,lat\nS1,公园,中心,9000,114.322,30.590\n", encoding="utf-8"
    )
    (root / "hazmat.csv").write_text(
        "id,name,grade,lon,lat\nH1,化工厂,三级,114.330,30.600\n", encoding="utf-8"
    )
    (root / "project.yaml").write_text(
        """
name: indtest
title: {zh: 测试市, en: Test city}
adcode: "420100"
boundary: {path: boundary.geojson}
districts: {path: districts.geojson}
layers:
  - {name: pop, kind: population, path: pop.csv, x: lon, y: lat}
  - {name: fire, kind: fire_station, path: fire.csv, x: lon, y: lat}
  - {name: shelters, kind: shelter, path: shelter.csv, x: lon, y: lat}
  - {name: hazmat, kind: hazmat_enterprise, path: hazmat.csv, x: lon, y: lat}
""",
        encoding="utf-8",
    )
    return str(root / "project.yaml")


def test_command_writes_json_csv_and_prints_city_table(tmp_path, capsys):
    from riskmap.cli import main as cli

    out = tmp_path / "out"
    code = cli.main(
        ["indicators", _tiny_project(tmp_path), "--out", str(out), "--cell-size", "500"]
    )
    printed = capsys.readouterr().out
    assert code == 0
    assert "消防站5分钟可达人口比例" in printed and "25.0 %" in printed
    assert "覆盖 1,000 人，共 4,000 人" in printed  # the evidence, in Chinese
    doc = json.loads((out / "indicators.json").read_text(encoding="utf-8"))
    rows = {(r["id"], r["scope"]): r for r in doc["indicators"]}
    assert rows[("fire.reach_population", CITY)]["value"] == pytest.approx(25.0)
    assert rows[("fire.reach_population", "420102")]["value"] == pytest.approx(100.0)
    assert rows[("shelter.area_per_person", CITY)]["value"] == pytest.approx(9000 / 4000)
    assert rows[("hazmat.video", CITY)]["passed"] is None  # no video_point layer bound
    assert rows[("hazmat.video", CITY)]["evidence"] == "no video_point layer"
    assert rows[("hazmat.video", CITY)]["evidence_zh"] == "未绑定 video_point 图层，无法计算"
    assert rows[("risk.map_produced", CITY)]["value"] == 1.0
    assert (out / "indicators.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    capsys.readouterr()
    assert (
        cli.main(
            [
                "indicators",
                _tiny_project(tmp_path),
                "--out",
                str(out),
                "--cell-size",
                "500",
                "--lang",
                "en",
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out
    assert "Population within 5-minute fire reach" in printed
    assert "1,000 of 4,000 people covered" in printed and "覆盖" not in printed


def test_reach_comes_from_the_engine_fields():
    from dataclasses import replace

    from riskmap.engine import compute_fields

    data, cells = scorecard_data(), make_cells()
    fields = compute_fields(data, cells)
    # The engine's own reach times give the same answer as letting the indicators ask it.
    assert indicators_from_cells(data, cells, fields=fields).table.equals(
        indicators_from_cells(data, cells).table
    )
    # And they are what the indicator reads: pretend every cell is 2 minutes away.
    fast = replace(fields, access={**fields.access, "fire": np.full(len(cells), 2.0)})
    card = indicators_from_cells(data, cells, fields=fast)
    assert value(card, "fire.reach_population") == 100.0
    assert card.evidence["fire.reach_population"].empty


def test_cells_without_xy_use_centroids(card):
    levels = [4, 3, 1, 2, 1, 1, 1, 1, 3]
    again = indicators_from_cells(
        scorecard_data(), make_cells(levels).drop(columns=["x", "y"]), produced_at="2026-11-28"
    )
    t = card.table[~card.table["id"].str.startswith("hazards.")].reset_index(drop=True)
    pd.testing.assert_frame_equal(again.table, t)


# ---------------------------------------------------------------------------
# evidence in English and Chinese

_NUMBER = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def test_evidence_templates_take_the_same_values_in_both_languages():
    for key, (en, zh) in EVIDENCE_TEXTS.items():
        fields_en = sorted(f for _, f, _, _ in string.Formatter().parse(en) if f)
        fields_zh = sorted(f for _, f, _, _ in string.Formatter().parse(zh) if f)
        assert fields_en == fields_zh, key


def test_chinese_evidence_has_the_numbers_of_the_english(card):
    t = card.table
    assert (t["evidence"] != "").all() and (t["evidence_zh"] != "").all()
    for rec in t.to_dict("records"):
        en, zh = rec["evidence"], rec["evidence_zh"]
        assert _CJK.search(zh), (rec["id"], zh)
        # Numbers may come in another order in Chinese, but they are the same numbers.
        assert sorted(_NUMBER.findall(zh)) == sorted(_NUMBER.findall(en)), (rec["id"], en, zh)
    city = card.city().set_index("id")
    # 8,000 of 16,100 people are within 1,538 m of the station at r0c0 (hand-computed above).
    assert city.loc["fire.reach_population", "evidence"].startswith(
        "8,000 of 16,100 people covered; "
    )
    assert city.loc["fire.reach_population", "evidence_zh"].startswith(
        "覆盖 8,000 人，共 16,100 人；"
    )
    assert (
        city.loc["shelter.area_per_person", "evidence_zh"]
        == "有效避难面积 24,000 m²，人口 16,100 人"
    )
    assert city.loc["hazmat.video", "evidence_zh"] == "2 家重大危险源企业中 1 家有视频监控"
    assert "一级 1 处" in city.loc["hazmat.sensitive_targets", "evidence_zh"]
    assert (
        city.loc["risk.map_produced", "evidence_zh"]
        == "四色图和风险清单已于 2026-11-28 生成：已评估 9 个网格，共 9 个"
    )
    assert (
        card.for_scope(A).set_index("id").loc["risk.population_major", "evidence_zh"]
        == "2,000 人，共 6,000 人"
    )


def test_not_computable_evidence_in_both_languages():
    card = indicators_from_cells(scorecard_data({}), make_cells())
    row = card.city().set_index("id").loc["shelter.walk_population"]
    assert row["evidence"] == "no shelter layer"
    assert row["evidence_zh"] == "未绑定 shelter 图层，无法计算"
    row = card.city().set_index("id").loc["risk.area_major"]
    assert row["evidence_zh"] == "网格没有风险等级（请先评分：riskmap.Study.score）"


def test_exports_carry_both_evidence_texts(card, tmp_path):
    paths = export_scorecard(card, tmp_path / "out")
    back = pd.read_csv(
        paths["csv"], encoding="utf-8-sig", dtype={"scope": str}, keep_default_na=False
    )
    assert back["evidence_zh"].tolist() == card.table["evidence_zh"].tolist()
    doc = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert [r["evidence_zh"] for r in doc["indicators"]] == card.table["evidence_zh"].tolist()


def test_printed_table_and_report_show_the_evidence_of_their_language(card):
    from factories import area_ranks
    from factories import city_cells as inventory_cells
    from factories import city_data as inventory_data

    from riskmap.cli.indicators import format_scorecard
    from riskmap.products.inventory import inventory_from_cells
    from riskmap.products.report import report_from_cells

    city = card.city().set_index("id")
    zh_text = city.loc["shelter.walk_population", "evidence_zh"]
    en_text = city.loc["shelter.walk_population", "evidence"]
    assert zh_text in format_scorecard(card.city(), lang="zh")
    assert en_text not in format_scorecard(card.city(), lang="zh")
    assert en_text in format_scorecard(card.city(), lang="en")

    data, cells = inventory_data(), inventory_cells(area_ranks())
    inv = inventory_from_cells(data, cells)
    png = b"\x89PNG\r\n\x1a\n"  # the report's map is not what this test is about
    zh = report_from_cells(
        data, cells, inv, lang="zh", indicators=card.table, map_png=png, zoom=False
    )
    en = report_from_cells(
        data, cells, inv, lang="en", indicators=card.table, map_png=png, zoom=False
    )
    assert "<th>说明</th>" in zh and zh_text in zh and en_text not in zh
    assert "<th>Evidence</th>" in en and en_text in en and zh_text not in en


def test_practice_indicators_cite_the_projects_own_work_plan() -> None:
    """Not the Wuhan plan for every city: the project's, or "the city's work plan"."""
    from dataclasses import replace

    card = indicators_from_cells(scorecard_data(), make_cells([1] * 9))
    standards = " ".join(card.table["standard"])
    assert "Wuhan" not in standards and "the city's work plan" in standards
    data = scorecard_data()
    own = replace(
        data, project=data.project.model_copy(update={"work_plan": "宜昌市2024年工作方案"})
    )
    assert "宜昌市2024年工作方案" in " ".join(
        indicators_from_cells(own, make_cells([1] * 9)).table["standard"]
    )
