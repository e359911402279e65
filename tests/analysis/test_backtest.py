"""Backtest: accidents on the top cells give AUC 1, random accidents about 0.5; the
study's backtest scores with the training period's accidents only."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from factories import CRS, X0, Y0, city_data, lattice
from shapely.geometry import Point

from riskmap.analysis.backtest import evaluate, hit_rate_curve, roc_auc
from riskmap.errors import ConfigError
from riskmap.pipeline import Study


def _scored(n: int = 30) -> pd.DataFrame:
    cells = lattice(n, n)
    rng = np.random.default_rng(4)
    score = rng.gamma(2.0, 3.0, size=len(cells))
    return pd.DataFrame(
        {
            "score": score,
            "level_rank": np.digitize(score, [5, 10, 15]) + 1,
            "area_m2": cells["area_m2"].to_numpy(),
            "population": rng.uniform(0, 500, size=len(cells)),
            "x": cells["x"].to_numpy(),
            "y": cells["y"].to_numpy(),
        }
    )


def test_accidents_on_the_top_cells_give_an_auc_of_one() -> None:
    cells = _scored()
    hits = np.zeros(len(cells))
    top = np.argsort(-cells["score"].to_numpy())[:20]
    hits[top] = 1
    rankings, by_level = evaluate(cells, hits)
    score = rankings[0]
    assert score.name == "score"
    assert score.auc == pytest.approx(1.0)
    # 20 of 900 cells hold every accident: the top 5 % of the area captures all of them.
    assert score.hit_rates[0.05] == pytest.approx(1.0)
    assert score.hit_rates[0.01] == pytest.approx(9 / 20)
    assert by_level["accidents"].sum() == 20


def test_random_accidents_give_an_auc_near_one_half() -> None:
    cells = _scored(60)
    rng = np.random.default_rng(8)
    aucs = []
    for _ in range(20):
        hits = np.zeros(len(cells))
        hits[rng.choice(len(cells), 300, replace=False)] = 1
        aucs.append(evaluate(cells, hits)[0][0].auc)
    assert np.mean(aucs) == pytest.approx(0.5, abs=0.02)


def test_ties_are_taken_together() -> None:
    # Every cell scores the same: the curve is the diagonal whatever the order.
    curve = hit_rate_curve(np.ones(10), np.ones(10), np.r_[np.ones(5), np.zeros(5)])
    assert list(curve["area"]) == [0.0, 1.0]
    assert roc_auc(np.ones(10), np.r_[np.ones(5), np.zeros(5)] > 0) == pytest.approx(0.5)


def test_the_nearness_baseline_ranks_cells_by_distance_to_a_site() -> None:
    cells = _scored()
    site = np.array([[cells["x"].iloc[0], cells["y"].iloc[0]]])
    hits = np.zeros(len(cells))
    hits[0] = 3
    rankings, _ = evaluate(cells, hits, hazmat_xy=site)
    near = rankings[-1]
    assert near.name == "hazmat_nearness"
    assert near.auc == pytest.approx(1.0)


def _dated_accidents() -> gpd.GeoDataFrame:
    dates = ["2022-03-01", "2022-06-01", "2023-02-01", "2023-05-01", "2023-09-09"]
    xy = [(500, 500), (1500, 500), (7500, 500), (500, 600), (9500, 5500)]
    return gpd.GeoDataFrame(
        {
            "id": [f"A{i}" for i in range(5)],
            "name": "事故",
            "date": pd.to_datetime(dates),
            "type": "火灾",
            "deaths": 0,
            "injuries": 1,
            "direct_loss": 1.0,
        },
        geometry=[Point(X0 + x, Y0 + y) for x, y in xy],
        crs=CRS,
    )


def test_a_study_backtest_trains_on_the_past_and_counts_the_future() -> None:
    study = Study.from_data(city_data(accidents=_dated_accidents()), register=None, cell_size=1000)
    b = study.backtest(("2022-01-01", "2022-12-31"), ("2023-01-01", "2023-12-31"))
    assert b.train_accidents == 2
    assert b.accidents == 3
    assert b.cells_with_accidents == 3
    assert [r.name for r in b.rankings] == ["score", "population_density", "hazmat_nearness"]
    summary = b.summary()
    assert summary["test_accidents"] == 3
    assert set(summary["rankings"][0]["hit_rates"]) == {"1%", "5%", "10%"}


@pytest.mark.parametrize(
    ("train", "test", "says"),
    [
        (("2022-01-01", "2023-06-30"), ("2023-01-01", "2023-12-31"), "must begin after"),
        (("2022-12-31", "2022-01-01"), ("2023-01-01", "2023-12-31"), "ends (2022-01-01) before"),
        (("2022-01-01", "soon"), ("2023-01-01", "2023-12-31"), "not two dates"),
    ],
)
def test_bad_periods_are_refused_with_what_to_do(
    train: tuple[str, str], test: tuple[str, str], says: str
) -> None:
    study = Study.from_data(city_data(accidents=_dated_accidents()), register=None, cell_size=1000)
    with pytest.raises(ConfigError, match=says.replace("(", r"\(").replace(")", r"\)")):
        study.backtest(train, test)
