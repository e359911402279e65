"""Change between two assessments: nothing for the same one, the moved cells and trends."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from factories import area_ranks, city_cells, city_data

from riskmap.errors import ConfigError
from riskmap.maps import map_from_cells, render_html
from riskmap.pipeline import Study
from riskmap.products.change import (
    change_map_cells,
    change_title,
    compare_cells,
    layer_names,
    write_change,
)


@pytest.fixture(scope="module")
def study() -> Study:
    return Study.from_data(city_data(), register=None, cell_size=1000)


def test_a_comparison_with_itself_changes_nothing(study: Study, tmp_path: Path) -> None:
    a = study.score()
    change = compare_cells(a.cells, a.cells, label_a="2024-01-01", label_b="2024-01-01")
    assert change.moved.empty
    assert (change.cells["change"] == 0).all()
    assert change.city["cells_up"].iloc[0] == 0 and change.city["cells_down"].iloc[0] == 0
    paths = write_change(change, tmp_path)
    assert {p.name for p in paths} == {
        "changed_cells.csv",
        "district_trend.csv",
        "city_trend.csv",
        "change.json",
    }


def test_moved_cells_are_counted_and_explained() -> None:
    a = city_cells().assign(score=0.0)  # every cell 低
    b = city_cells(area_ranks())  # two red/orange clusters and a yellow cell
    change = compare_cells(a, b)
    moved = a["level_rank"].to_numpy() != b["level_rank"].to_numpy()
    assert len(change.moved) == moved.sum() > 0
    steps = (b["level_rank"].to_numpy() - a["level_rank"].to_numpy())[moved]
    assert sorted(change.moved["change"]) == sorted(steps)
    assert change.city["cells_up"].iloc[0] == int((steps > 0).sum())
    total = change.districts[["major_change", "significant_change", "general_change", "low_change"]]
    assert (total.sum(axis=1) == 0).all()  # a cell leaves one level for another
    assert int(change.districts["cells"].sum()) == len(a)
    top = change.moved.iloc[0]
    assert top["change"] == 3 and top["level_a"] == "低" and top["level_b"] == "重大"


def test_different_grids_are_refused(study: Study) -> None:
    a = study.score().cells
    with pytest.raises(ConfigError, match="not the same grid"):
        compare_cells(a, a.iloc[:-1])


def test_the_change_map_draws_the_steps_offline(study: Study, tmp_path: Path) -> None:
    a = study.score()
    b = study.score(levels={"rule": "quantiles"})
    change = compare_cells(a.cells, b.cells, label_a="矩阵", label_b="分位数")
    m = map_from_cells(
        change_map_cells(change),
        study.data,
        view="change",
        title=change_title(change, "测试市", "zh"),
    )
    page = render_html(m)
    assert 'data-view=\\"change\\"' in page
    assert "矩阵 → 分位数" in page
    outside = re.findall(r"https?://(?!leafletjs\.com|bugzilla\.mozilla\.org|www\.w3\.org)", page)
    assert not outside  # offline: no tile or script from another host
    assert np.isfinite(change.cells["score_delta"]).all()


def test_drivers_name_the_layers_in_each_language(study: Study, tmp_path: Path) -> None:
    """What changed a cell names its layers as people know them, in Chinese and in English
    (the app, the exports and the command line read the same words), never by their keys."""
    a = study.score()
    w = {
        "components": study.project.weights.components,
        "layers": dict.fromkeys(study.data.layers, 3.0),
    }
    b = study.score(w)
    names = layer_names(study.data)
    assert names["hazmat"] == ("危险化学品企业", "Hazardous-chemical enterprise")
    change = compare_cells(a.cells, b.cells, layer_names=names)
    zh, en = change.moved["drivers"].iloc[0], change.moved["drivers_en"].iloc[0]
    assert "图层 生产安全事故 +" in zh and "layer Production-safety accident +" in en
    keys = re.compile(r"\b(" + "|".join(study.data.layers) + r")\b")
    assert not keys.search(" ".join(change.moved["drivers"]) + " ".join(change.moved["drivers_en"]))
    write_change(change, tmp_path, "en")
    assert "layer Production-safety accident" in (tmp_path / "changed_cells.csv").read_text(
        encoding="utf-8-sig"
    )
