"""Valid data at the edges of the method: nothing here may crash or give a wrong number."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
from factories import make_project_data, write_tiny_project
from shapely.geometry import Point, box

import riskmap as rm

X0, Y0 = 500_000.0, 3_400_000.0
CRS = "EPSG:32650"


def _city(hazard_xy: tuple[float, float]) -> rm.ProjectData:
    """A 2 km square city with 1,000 people and one first-grade hazmat site at ``hazard_xy``."""
    hazmat = gpd.GeoDataFrame(
        {"id": ["H1"], "name": ["远处的储罐"], "grade": ["一级"]},
        geometry=[Point(*hazard_xy)],
        crs=CRS,
    )
    people = gpd.GeoDataFrame(
        {"id": ["P1"], "count": [1000]}, geometry=[Point(X0 + 500, Y0 + 500)], crs=CRS
    )
    city = box(X0, Y0, X0 + 2000, Y0 + 2000)
    districts = gpd.GeoDataFrame({"adcode": ["420101"], "name": ["一区"]}, geometry=[city], crs=CRS)
    layers = {"hazmat": ("hazmat_enterprise", hazmat), "people": ("population", people)}
    return make_project_data(layers, boundary=city, districts=districts, crs=CRS)


@pytest.mark.parametrize("cell_size", [500.0, 5000.0])
def test_a_hazard_that_reaches_no_cell_gives_low_cells_and_every_product(cell_size: float) -> None:
    """A site in the bounding-box margin but 40 km outside the city (valid data that
    `validate` passes): every cell is scored, its contributor list is empty, and the map,
    inventory, scorecard and report are made."""
    a = rm.Study.from_data(
        _city((X0 + 40_000, Y0 + 40_000)), cell_size=cell_size, register=None
    ).score()
    assert (a.cells["hazard"] == 0).all()
    assert set(a.contributors()) == {"[]"}
    assert a.explain(str(a.cells["cell_id"].iloc[0]))["contributors"] == []
    assert a.level_counts()["低"] == len(a.cells)
    assert "leaflet" in rm.render_html(rm.build_map(a)).lower()
    assert len(rm.build_inventory(a).sources) == 1
    assert rm.compute_indicators(a).table["value"].notna().any()
    assert "<html" in rm.build_report(a, rm.ReportOptions(zoom=True)).lower()


def test_a_hazard_inside_the_city_is_a_contributor() -> None:
    """The same site inside the city: the control case of the test above."""
    a = rm.Study.from_data(_city((X0 + 600, Y0 + 600)), cell_size=500.0, register=None).score()
    top = a.cells_for_output().sort_values("hazard").iloc[-1]
    assert top["hazard"] > 0
    assert json.loads(top["contributors"])[0]["id"] == "H1"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--cell-size", "5"], "would have about 343,"),
        (["--cell-size", "-5"], "positive number of metres"),
        (["--cell-size", "0"], "positive number of metres"),
        (["--cell-size", "nan"], "positive number of metres"),
        (["--cell-size", "inf"], "positive number of metres"),
        (["--grid", "h3", "--h3-resolution", "13"], "smaller --h3-resolution"),
        (["--grid", "h3", "--h3-resolution", "16"], "from 0 to 15"),
        (["--tile-size", "-1"], "tile size"),
    ],
)
def test_a_grid_that_cannot_be_built_is_refused_with_one_line(args, says, tmp_path, capsys) -> None:
    """No MemoryError, no silent default: a message with the estimate and what to do."""
    from riskmap.cli import main as cli

    code = cli.main(["assess", "wuhan", *args, "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1
    assert says in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_the_cell_limit_is_the_projects() -> None:
    data = _city((X0 + 600, Y0 + 600))
    small = data.project.model_copy(
        update={"grid": data.project.grid.model_copy(update={"max_cells": 10})}
    )
    tight = rm.ProjectData(**{**data.__dict__, "project": small})
    with pytest.raises(rm.ConfigError, match="more than the limit of 10"):
        rm.Study.from_data(tight, cell_size=100.0, register=None)
    assert len(rm.Study.from_data(tight, cell_size=1000.0, register=None).cells) == 4


@pytest.mark.parametrize("path", ["../outside.csv", "sub/../../outside.csv", "/etc/passwd"])
def test_paths_outside_the_project_folder_are_refused(path: str, tmp_path) -> None:
    project = rm.Project.model_validate(
        {"name": "c", "title": {"zh": "城", "en": "C"}, "adcode": "420100",
         "boundary": {"path": "b.geojson"}, "districts": {"path": "d.geojson"}, "layers": [],
         "root": tmp_path / "city"}
    )  # fmt: skip
    with pytest.raises(rm.ConfigError, match="outside the project folder"):
        project.resolve(path)
    allowed = project.model_copy(update={"allow_outside_paths": True})
    assert allowed.resolve(path).name in {"outside.csv", "passwd"}


def test_paths_inside_resolve_and_braces_do_not_break(tmp_path) -> None:
    project = rm.Project.model_validate(
        {"name": "c", "title": {"zh": "城", "en": "C"}, "adcode": "420100",
         "boundary": {"path": "b.geojson"}, "districts": {"path": "d.geojson"}, "layers": [],
         "root": tmp_path}
    )  # fmt: skip
    assert project.resolve("layers/{1}.csv") == (tmp_path / "layers" / "{1}.csv").resolve()
    assert (
        project.resolve(project.hazard_register.path)
        == (tmp_path / "var" / "c-hazards.sqlite").resolve()
    )


CITY = box(114.28, 30.57, 114.34, 30.61)


def test_a_stray_boundary_part_far_away_is_refused(tmp_path) -> None:
    """A polygon 700 km away would move the working CRS and the area: refused, named."""
    project = write_tiny_project(tmp_path / "city", [CITY, box(121.4, 31.1, 121.5, 31.2)])
    with pytest.raises(rm.LayerDataError) as err:
        rm.Study.from_project(project, cell_size=1000, register=None)
    far = [p for p in err.value.report.problems if p.code == "boundary_far_part"]
    assert len(far) == 1 and "km from its main part" in far[0].message


def test_an_island_near_the_city_is_part_of_it(tmp_path) -> None:
    project = write_tiny_project(tmp_path / "city", [CITY, box(114.40, 30.57, 114.41, 30.58)])
    study = rm.Study.from_project(project, cell_size=1000, register=None)
    assert study.report.ok


def test_a_working_crs_that_distorts_areas_is_named(tmp_path) -> None:
    """UTM zone 52 for a city at 114°E stretches areas by about 5 %: a warning says so."""
    project = write_tiny_project(tmp_path / "city", [CITY], working_crs="EPSG:32652")
    study = rm.Study.from_project(project, cell_size=1000, register=None)
    warned = [p for p in study.report.problems if p.code == "working_crs_distortion"]
    assert len(warned) == 1 and "%" in warned[0].message
    good = rm.Study.from_project(
        write_tiny_project(tmp_path / "ok", [CITY]), cell_size=1000, register=None
    )
    assert not [p for p in good.report.problems if p.code == "working_crs_distortion"]
