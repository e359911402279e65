"""A grid scored in parts (:mod:`riskmap.pipeline.parts`) gives what the grid scored in
one piece gives: the same part files, column for column, the same inventory, summaries,
hot spots, level confidence and weight sensitivity, under every level rule."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from riskmap.cli.assess import write_cells
from riskmap.config import LevelConfig
from riskmap.pipeline import Study
from riskmap.pipeline.parts import assess_in_parts, write_part
from riskmap.products.inventory import build_inventory, inventory_from_cells

pytestmark = pytest.mark.slow

ROWS = 1_000  # the Wuhan demo at 1 km: about ten parts


def _study() -> Study:
    return Study.from_project("wuhan", cell_size=1000, register=None, whole_squares=False)


def _read(folder: Path) -> gpd.GeoDataFrame:
    return gpd.read_parquet(folder / "cells")


def _assert_same_cells(one: gpd.GeoDataFrame, parts: gpd.GeoDataFrame) -> None:
    assert list(one.columns) == list(parts.columns)
    assert len(one) == len(parts)
    for col in one.columns:
        a, b = one[col], parts[col]
        if col == "geometry":
            assert a.to_wkb().equals(b.to_wkb())
        elif isinstance(a.dtype, pd.CategoricalDtype):
            # each part has the categories it uses: the values are what counts
            assert a.astype(str).equals(b.astype(str)), col
        else:
            assert a.dtype == b.dtype, col
            assert a.equals(b), col


@pytest.mark.parametrize("rule", ["matrix", "quantiles", "natural_breaks"])
def test_parts_give_what_one_piece_gives(rule: str, tmp_path: Path) -> None:
    whole = _study()
    levels = LevelConfig.model_validate({**whole.project.levels.model_dump(), "rule": rule})
    fitted = rule != "matrix"
    result = whole.analyse(whole.score(levels=levels), confidence=not fitted)
    write_cells(result, tmp_path / "one", partitioned=True)

    parted = assess_in_parts(_study(), tmp_path / "parts", levels=levels, rows=ROWS)

    files = list((tmp_path / "parts" / "cells").glob("part-*.parquet"))
    assert len(files) == -(-len(result.cells) // ROWS) > 5
    _assert_same_cells(_read(tmp_path / "one"), _read(tmp_path / "parts"))
    assert parted.params == result.params
    one_inv = build_inventory(result, cells=False)
    parts_inv = inventory_from_cells(parted.data, parted.cells, parted.params, cells_table=False)
    for table in ("sources", "areas", "districts"):
        a = pd.DataFrame(getattr(one_inv, table)).drop(columns="geometry", errors="ignore")
        b = pd.DataFrame(getattr(parts_inv, table)).drop(columns="geometry", errors="ignore")
        pd.testing.assert_frame_equal(a, b)
    assert len(one_inv.areas) > 0
    if fitted:
        # every draw of the confidence would need every cell's score: left out, and said
        assert parted.sensitivity is None
        assert "level_p" not in parted.cells.columns
        assert any(rule in why for why in parted.left_out)
    else:
        assert not parted.left_out
        pd.testing.assert_frame_equal(whole.sensitivity(result), parted.sensitivity)
        assert int(parted.cells["unstable"].sum()) == int(result.cells["unstable"].sum())


def test_shelters_serve_people_across_parts(tmp_path: Path) -> None:
    """A shelter's ratio counts the people of every part within its radius: a cell's
    coping gap does not depend on where the parts are cut."""
    whole = _study().score()
    assess_in_parts(_study(), tmp_path, hotspots=False, confidence=False, rows=ROWS)
    np.testing.assert_array_equal(
        whole.cells["coping_gap"].to_numpy(), _read(tmp_path)["coping_gap"].to_numpy()
    )
    assert whole.cells["coping_gap"].nunique() > 10


def test_a_folder_whose_parts_have_different_categories_reads_as_one_table(
    tmp_path: Path,
) -> None:
    """pandas stores 5 categories in 8 bits and 200 in 16; the files still agree."""
    for i, n in enumerate((5, 200)):
        labels = [f"措施{i}-{j}" for j in range(n)]
        part = gpd.GeoDataFrame(
            {
                "cell_id": [f"c{i}-{j}" for j in range(n)],
                "measures": pd.Categorical(labels),
                "area_m2": np.full(n, 1e6),
            },
            geometry=shapely.points(np.arange(n) * 1000.0, np.full(n, i * 1000.0)),
            crs=32650,
        )
        write_part(part, tmp_path / f"part-{i:05d}.parquet")
    both = gpd.read_parquet(tmp_path)
    assert len(both) == 205
    assert both["measures"].iloc[4] == "措施0-4"
    assert both["measures"].iloc[-1] == "措施1-199"
