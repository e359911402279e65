"""A test of the map against later accidents: how well a score assessed with the records
of a training period ranks the places where the accidents of a test period happened.

Measures, for the score and for each baseline (population density alone; nearness to the
closest hazardous-chemical enterprise):

* **ROC AUC** over cells: the chance that a cell with a test-period accident scores higher
  than one without (ties count half; Mann-Whitney);
* **hit-rate curve**: the share of test accidents in the highest-scoring cells covering a
  given share of the area; cells of equal score are taken together (the curve is linear
  across them: the expectation over their order), read at 1, 5 and 10 % of the area;
* **by level**: each level's share of the area and of the test accidents, and their ratio.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from riskmap.engine.common import FloatArray

AREA_SHARES = (0.01, 0.05, 0.10)
"""Shares of the area at which the hit rate is read."""


@dataclass(frozen=True)
class Ranking:
    """How one ranking of the cells captures the test accidents.

    Attributes
    ----------
    name, label_zh, label_en : the ranking's key and names.
    auc : ROC AUC over cells (0.5: no better than chance).
    hit_rates : share of area -> share of test accidents captured.
    curve : ``area`` and ``accidents`` (cumulative shares, from 0 to 1), the hit-rate curve.
    roc : ``fpr`` and ``tpr``, the ROC curve.
    """

    name: str
    label_zh: str
    label_en: str
    auc: float
    hit_rates: dict[float, float]
    curve: pd.DataFrame
    roc: pd.DataFrame


@dataclass(frozen=True)
class Backtest:
    """The result of a backtest.

    Attributes
    ----------
    train, test : (start, end) dates, inclusive.
    rankings : the score first, then the baselines.
    by_level : per level: cells, area share, accident share, ratio.
    accidents : test accidents counted (inside the grid); ``outside``: left out.
    train_accidents : accidents of the training period that acted in the score.
    cells_with_accidents : cells holding at least one test accident.
    notes : what the reader must know (e.g. synthetic data, what was left out).
    """

    train: tuple[str, str]
    test: tuple[str, str]
    rankings: list[Ranking]
    by_level: pd.DataFrame
    accidents: int
    outside: int
    train_accidents: int
    cells_with_accidents: int
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """The numbers as plain data (for JSON)."""
        return {
            "train": list(self.train),
            "test": list(self.test),
            "test_accidents": self.accidents,
            "test_accidents_outside_grid": self.outside,
            "train_accidents": self.train_accidents,
            "cells_with_accidents": self.cells_with_accidents,
            "rankings": [
                {
                    "name": r.name,
                    "label_zh": r.label_zh,
                    "label_en": r.label_en,
                    "auc": round(r.auc, 4),
                    "hit_rates": {f"{k:.0%}": round(v, 4) for k, v in r.hit_rates.items()},
                }
                for r in self.rankings
            ],
            "by_level": self.by_level.to_dict(orient="records"),
            "notes": self.notes,
        }


def roc_auc(values: FloatArray, positive: np.ndarray) -> float:
    """ROC AUC of ``values`` for the boolean ``positive`` (Mann-Whitney, ties half).

    Returns NaN when there are no positives or no negatives.
    """
    pos = np.asarray(positive, dtype=bool)
    n_pos = int(pos.sum())
    n_neg = len(pos) - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(np.asarray(values, dtype=float))
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def _grouped(values: FloatArray, weights: FloatArray, hits: FloatArray) -> pd.DataFrame:
    """Per distinct value, highest first: summed weights (area or cells) and hits."""
    frame = pd.DataFrame({"v": values, "w": weights, "h": hits})
    return frame.groupby("v", sort=True)[["w", "h"]].sum().iloc[::-1]


def hit_rate_curve(values: FloatArray, area: FloatArray, hits: FloatArray) -> pd.DataFrame:
    """Cumulative share of area and of accidents, cells taken highest value first, ties
    together (a straight segment across a tie)."""
    g = _grouped(values, area, hits)
    total_a = float(g["w"].sum()) or 1.0
    total_h = float(g["h"].sum()) or 1.0
    return pd.DataFrame(
        {
            "area": np.concatenate([[0.0], g["w"].cumsum().to_numpy() / total_a]),
            "accidents": np.concatenate([[0.0], g["h"].cumsum().to_numpy() / total_h]),
        }
    )


def roc_curve(values: FloatArray, positive: np.ndarray) -> pd.DataFrame:
    """False- and true-positive rates at every distinct value, highest first."""
    pos = np.asarray(positive, dtype=float)
    g = _grouped(values, 1.0 - pos, pos)
    neg_total = float(g["w"].sum()) or 1.0
    pos_total = float(g["h"].sum()) or 1.0
    return pd.DataFrame(
        {
            "fpr": np.concatenate([[0.0], g["w"].cumsum().to_numpy() / neg_total]),
            "tpr": np.concatenate([[0.0], g["h"].cumsum().to_numpy() / pos_total]),
        }
    )


def rank_cells(
    name: str,
    labels: tuple[str, str],
    values: FloatArray,
    area: FloatArray,
    hits: FloatArray,
) -> Ranking:
    """AUC, hit rates and curves of one ranking (higher value: more at risk)."""
    curve = hit_rate_curve(values, area, hits)
    rates = {s: float(np.interp(s, curve["area"], curve["accidents"])) for s in AREA_SHARES}
    positive = hits > 0
    return Ranking(
        name,
        labels[0],
        labels[1],
        roc_auc(values, positive),
        rates,
        curve,
        roc_curve(values, positive),
    )


def evaluate(
    cells: pd.DataFrame,
    hits: FloatArray,
    *,
    hazmat_xy: FloatArray | None = None,
) -> tuple[list[Ranking], pd.DataFrame]:
    """Rank the cells by score and by the baselines; count accidents per level.

    Parameters
    ----------
    cells
        Scored cells: ``score``, ``level_rank``, ``level``, ``level_en``, ``area_m2``,
        ``population``, ``x``, ``y`` (working CRS).
    hits
        Test accidents per cell.
    hazmat_xy
        Hazardous-chemical enterprises (n x 2, working CRS) for the nearness baseline;
        None leaves that baseline out.

    Returns
    -------
    list of Ranking, pandas.DataFrame
        Rankings (score, population density, nearness to hazmat) and the level table.
    """
    area = cells["area_m2"].to_numpy(float)
    hits = np.asarray(hits, dtype=float)
    rankings = [
        rank_cells("score", ("风险值", "Risk score"), cells["score"].to_numpy(float), area, hits),
        rank_cells(
            "population_density",
            ("人口密度（基线）", "Population density (baseline)"),
            cells["population"].to_numpy(float) / np.maximum(area, 1.0),
            area,
            hits,
        ),
    ]
    if hazmat_xy is not None and len(hazmat_xy):
        from scipy.spatial import cKDTree

        xy = np.column_stack([cells["x"].to_numpy(float), cells["y"].to_numpy(float)])
        dist, _ = cKDTree(np.asarray(hazmat_xy, dtype=float)).query(xy)
        rankings.append(
            rank_cells(
                "hazmat_nearness",
                ("距最近危化品企业（基线）", "Nearness to a hazmat enterprise (baseline)"),
                -dist,
                area,
                hits,
            )
        )
    rank = cells["level_rank"].to_numpy()
    total_area = float(area.sum()) or 1.0
    total_hits = float(hits.sum()) or 1.0
    rows = []
    from riskmap.config.levels import LEVELS

    for lv in reversed(LEVELS):
        m = rank == lv.rank
        a_share = float(area[m].sum()) / total_area
        h_share = float(hits[m].sum()) / total_hits
        rows.append(
            {
                "rank": lv.rank,
                "level": lv.zh,
                "level_en": lv.en,
                "cells": int(m.sum()),
                "area_share": round(a_share, 4),
                "accidents": int(hits[m].sum()),
                "accident_share": round(h_share, 4),
                "ratio": round(h_share / a_share, 3) if a_share > 0 else None,
            }
        )
    return rankings, pd.DataFrame(rows)
