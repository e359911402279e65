"""The scorecard as people read it: exports (JSON, CSV), the evidence texts in English
and Chinese, the printed table and the report, the standards it cites and the
``indicators`` command. ``card`` and the 3 x 3 project are fixtures of
tests/products/conftest.py.
"""

from __future__ import annotations

import json
import re
import string
from dataclasses import replace

import geopandas as gpd
import pandas as pd
import pytest
from factories import GRID3_A, area_ranks, city_cells, city_data, grid3_cells
from shapely.geometry import box

from riskmap.cli.indicators import format_scorecard
from riskmap.products import export_scorecard
from riskmap.products.indicators import CITY, EVIDENCE_TEXTS, indicators_from_cells
from riskmap.products.inventory import inventory_from_cells
from riskmap.products.report import report_from_cells

A = GRID3_A
make_cells = grid3_cells


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


def test_not_computable_evidence_in_both_languages(scorecard_data):
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
    city = card.city().set_index("id")
    zh_text = city.loc["shelter.walk_population", "evidence_zh"]
    en_text = city.loc["shelter.walk_population", "evidence"]
    assert zh_text in format_scorecard(card.city(), lang="zh")
    assert en_text not in format_scorecard(card.city(), lang="zh")
    assert en_text in format_scorecard(card.city(), lang="en")

    data, cells = city_data(), city_cells(area_ranks())
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
    # The standards too: each in one language (riskmap writes both), the same words each face.
    std_zh = city.loc["shelter.area_per_person", "standard_zh"]
    std_en = city.loc["shelter.area_per_person", "standard"]
    assert std_zh == "GB 21734-2008《地震应急避难场所 场址及配套设施》第 5.4 条"
    assert std_en == "GB 21734-2008 §5.4 (earthquake emergency shelters)"
    assert std_zh in zh and std_en not in zh and std_en in en and std_zh not in en
    cjk = re.compile(r"[\u4e00-\u9fff]")
    assert not any(cjk.search(s) for s in card.table["standard"])
    assert all(cjk.search(s) for s in card.table["standard_zh"])


def test_practice_indicators_cite_the_projects_own_work_plan(scorecard_data) -> None:
    """Not the Wuhan plan for every city: the project's, or "the city's work plan"."""
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


# ---------------------------------------------------------------------------
# command line


def _tiny_project(root) -> str:
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
