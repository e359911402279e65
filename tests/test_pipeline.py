"""The one pipeline: riskmap.Study, used by every face (CLI, app, notebook)."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

import riskmap as rm
from riskmap.cli import main as cli

ROOT = Path(__file__).resolve().parents[1]

WUHAN_500M_DIGEST = "4d3e2be3de102191dd64c35ed405f43c2a5110f70c73536864c220dca98204ae"
"""Digest of the Wuhan demo's 500 m results (cell ids, level ranks, scores to 1e-9, top
factors): 35,219 cells, 重大 365, 较大 1,405, 一般 2,926, 低 30,523. The pipeline redesign
kept the first version's numbers exactly (重大 368, 较大 1,417, 一般 2,926, 低 30,508);
these differ only because the demo's hazardous-chemical register now gives opening and
closing dates, and the ten enterprises closed in 2020-2021 no longer act today."""


def results_digest(cells: pd.DataFrame) -> str:
    h = hashlib.sha256()
    h.update("\n".join(cells["cell_id"].astype(str)).encode())
    h.update(cells["level_rank"].to_numpy(np.int64).tobytes())
    h.update(np.round(cells["score"].to_numpy(float), 9).tobytes())
    h.update("\n".join(cells["top_factor"].astype(str)).encode())
    return h.hexdigest()


@pytest.fixture(scope="module")
def study_1km() -> rm.Study:
    return rm.Study.from_project("wuhan", cell_size=1000, register=None)


@pytest.fixture
def register_with_hazards(tmp_path: Path) -> Path:
    """A register of the Wuhan project with three open hazards (two of them 重大)."""
    path = tmp_path / "hazards.sqlite"
    rows = [
        ("仓库堆放", "危化", "重大", 114.30, 30.58, "江岸区", "420102"),
        ("消防通道堵塞", "消防", "一般", 114.27, 30.59, "江汉区", "420103"),
        ("易涝点未整治", "防汛", "重大", 114.35, 30.52, "武昌区", "420106"),
    ]
    for title, category, grade, lon, lat, district, adcode in rows:
        code = cli.main([
            "hazards", "--db", str(path), "--project", "wuhan", "add", "--title", title,
            "--category", category, "--grade", grade, "--lon", str(lon), "--lat", str(lat),
            "--district", district, "--adcode", adcode, "--found-by", "张三",
            "--found-at", "2026-01-05", "--deadline", "2099-12-31", "--unit", "某单位",
        ])  # fmt: skip
        assert code == 0
    return path


def test_wuhan_500m_results_are_pinned() -> None:
    """No change of code moves a number of the Wuhan demo unnoticed."""
    study = rm.Study.from_project("wuhan", cell_size=500, register=None)
    cells = study.score().cells
    assert results_digest(cells) == WUHAN_500M_DIGEST


def test_fields_are_computed_once_and_scoring_reuses_them(study_1km: rm.Study) -> None:
    first = study_1km.score()
    fields = study_1km.fields
    again = study_1km.score(
        weights={"components": {"exposure": 2.0, "vulnerability": 1.0, "coping_gap": 1.0}}
    )
    assert first.fields is fields and again.fields is fields
    assert study_1km.cells is fields.cells
    assert not first.cells["score"].equals(again.cells["score"])


def test_the_assessment_carries_its_data(study_1km: rm.Study) -> None:
    a = study_1km.score()
    assert a.data is study_1km.data
    assert a.project.name == "wuhan"
    assert len(a.cells) == len(study_1km.cells)


def test_a_partial_level_rule_keeps_the_projects_other_settings(study_1km: rm.Study) -> None:
    a = study_1km.score(levels={"rule": "quantiles"})
    assert a.levels.rule == "quantiles"
    assert a.levels.quantiles == study_1km.project.levels.quantiles
    counts = a.cells["level_rank"].value_counts(normalize=True)
    assert counts.get(1, 0) > counts.get(4, 0)


def test_unknown_layer_weights_are_ignored(study_1km: rm.Study) -> None:
    base = study_1km.score()
    other = study_1km.score(weights={"components": dict(study_1km.project.weights.components),
                                     "layers": {"no_such_layer": 5.0}})  # fmt: skip
    assert other.cells["score"].equals(base.cells["score"])


def test_the_register_joins_in_one_place(register_with_hazards: Path) -> None:
    without = rm.Study.from_project("wuhan", cell_size=1000, register=None)
    joined = rm.Study.from_project("wuhan", cell_size=1000, register=register_with_hazards)
    assert joined.n_hazards == 3 and joined.register_path == register_with_hazards
    assert "hidden_hazards" in joined.data.layers and "hidden_hazards" not in without.data.layers
    assert without.extras_key() != joined.extras_key()
    assert joined.score().cells["hazard"].sum() > without.score().cells["hazard"].sum()
    summary = joined.register_summary()
    assert summary is not None and int(summary["open"].sum()) == 3


def test_a_named_register_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(rm.ConfigError, match="not found"):
        rm.Study.from_project("wuhan", cell_size=1000, register=tmp_path / "missing.sqlite")


def test_extra_layers_join_the_study(study_1km: rm.Study) -> None:
    hazmat = study_1km.data.layers["hazmat"]
    extra = rm.Layer(binding=hazmat.binding.model_copy(update={"name": "hazmat_upload"}), kind=hazmat.kind,
                     gdf=hazmat.gdf.iloc[:5].copy(), source=None)  # fmt: skip
    study = rm.Study.from_data(study_1km.base, cell_size=1000, register=None,
                               extra_layers={"hazmat_upload": extra}, cells=study_1km.cells)  # fmt: skip
    assert study.extra_layers == ("hazmat_upload",)
    assert study.extras_key() != study_1km.extras_key()
    assert study.score().cells["hazard"].sum() > study_1km.score().cells["hazard"].sum()


def test_assess_and_export_score_the_same_cells(
    register_with_hazards: Path, tmp_path: Path
) -> None:
    """Both verbs go through the same Study: the register's open hazards count in both."""
    common = ["wuhan", "--cell-size", "1000", "--register", str(register_with_hazards)]
    assert cli.main(["assess", *common, "--out", str(tmp_path / "assess")]) == 0
    assert cli.main(["export", *common, "--out", str(tmp_path / "export"), "--format", "csv"]) == 0
    assessed = pd.read_csv(tmp_path / "assess" / "inventory.csv", dtype=str)
    exported = pd.read_csv(tmp_path / "export" / "inventory.csv", dtype=str)
    pd.testing.assert_frame_equal(assessed, exported)
    summary = json.loads((tmp_path / "assess" / "summary.json").read_text(encoding="utf-8"))
    assert summary["register"]["open_hazards"] == 3
    cells = gpd.read_parquet(tmp_path / "assess" / "cells.parquet")
    assert cells["contributors"].str.contains("hidden_hazards").any()


def test_what_if_adds_capacity_and_lowers_no_cell(study_1km: rm.Study) -> None:
    """A proposed shelter in the densest district: no cell gets worse, the city gains capacity."""
    before = study_1km.score()
    dense = before.cells.sort_values("population").iloc[-1]
    x, y = (
        gpd.GeoSeries([dense.geometry.centroid], crs=before.cells.crs)
        .to_crs(4326)
        .iloc[0]
        .coords[0]
    )
    result = study_1km.what_if([{"kind": "shelter", "name": "新避难场所", "lon": x, "lat": y,
                                 "type": "固定", "area_m2": 200000}])  # fmt: skip
    changed = result.changed_cells
    assert (changed["level_to"] <= changed["level_from"]).all()
    city = result.indicators[result.indicators["scope"] == "city"].set_index("id")
    shelter = city.loc[city.index.str.contains("shelter")]
    assert (shelter["after"] >= shelter["before"]).all()
    assert (shelter["after"] > shelter["before"]).any()


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("git") is None, reason="needs git to copy the checkout")
def test_an_installed_wheel_knows_the_layer_kinds_and_the_demo(tmp_path: Path) -> None:
    """`pip install .` outside the repository: kinds are package data, the demo is installed."""
    # Build from a copy of the tracked files: pip builds in the source tree (build/).
    src = tmp_path / "src"
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    for name in filter(None, files.decode().split("\0")):
        if (ROOT / name).is_file():
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, src / name)
    wheels = tmp_path / "wheels"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(src)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert build.returncode == 0, build.stderr
    wheel = next(wheels.glob("riskmap-*.whl"))
    import zipfile

    names = zipfile.ZipFile(wheel).namelist()
    assert "riskmap/config/kinds/hazmat_enterprise.yaml" in names
    assert any(n.endswith("share/riskmap/data/wuhan/project.yaml") for n in names)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    py = venv / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", str(wheel)], check=True,
                   capture_output=True)  # fmt: skip
    code = ("import riskmap as rm; s = rm.Study.from_project('wuhan', cell_size=2000, register=None);"
            "a = s.score(); print(rm.__file__, len(a.cells))")  # fmt: skip
    run = subprocess.run(
        [str(py), "-c", code], capture_output=True, text=True, check=False, cwd=tmp_path
    )
    assert run.returncode == 0, run.stderr
    where, n = run.stdout.split()
    assert str(venv) in where and int(n) > 1000


def test_whole_squares_without_shapes_give_the_same_results(tmp_path: Path) -> None:
    """``assess`` leaves whole squares without shapes until it writes them (a province's
    memory): every number, inventory row and written shape is the same as with shapes."""
    import shapely

    from riskmap.engine import fill_squares
    from riskmap.products.inventory import build_inventory

    def run(whole: bool) -> tuple[gpd.GeoDataFrame, object]:
        study = rm.Study.from_project("wuhan", cell_size=1000, register=None, whole_squares=whole)
        result = study.analyse(study.score())
        return result.cells, build_inventory(result)

    full_cells, full_inv = run(True)
    lean_cells, lean_inv = run(False)
    assert shapely.is_missing(lean_cells.geometry.values).mean() > 0.8
    assert not shapely.is_missing(full_cells.geometry.values).any()
    pd.testing.assert_frame_equal(
        lean_cells.drop(columns="geometry"), full_cells.drop(columns="geometry")
    )
    wkb = shapely.to_wkb
    assert (wkb(fill_squares(lean_cells).geometry.values) == wkb(full_cells.geometry.values)).all()
    for name in ("sources", "areas", "districts", "cells"):
        a, b = getattr(lean_inv, name), getattr(full_inv, name)
        pd.testing.assert_frame_equal(a.drop(columns="geometry"), b.drop(columns="geometry"))
        assert (wkb(a.geometry.values) == wkb(b.geometry.values)).all(), name
    # The command line writes every cell with its shape, as the study with shapes has it.
    assert cli.main(["assess", "wuhan", "--cell-size", "1000", "--out", str(tmp_path)]) == 0
    written = gpd.read_parquet(tmp_path / "cells.parquet")
    expected = full_cells.to_crs(4326)
    assert (wkb(written.geometry.values) == wkb(expected.geometry.values)).all()
    assert written["cell_id"].tolist() == expected["cell_id"].tolist()
