"""How sure the map is: hot spots (Getis-Ord Gi*), level confidence under uncertain
weights (a seeded Monte Carlo on the cached fields), cascades (natech and domino pairs
declared in the layer kinds) and a backtest of the score against later accidents.

Modules: :mod:`~.lattice` (neighbours from the grid), :mod:`~.hotspots`,
:mod:`~.confidence`, :mod:`~.cascades`, :mod:`~.backtest`. :func:`analyse` adds the
per-cell columns of the first two to an assessment.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd

from riskmap.analysis.cascades import cascade_factors, find_cascades
from riskmap.analysis.confidence import Confidence, level_confidence, weight_sensitivity
from riskmap.analysis.hotspots import HOTSPOT_LABELS, Hotspots, gi_star
from riskmap.analysis.lattice import cell_neighbours
from riskmap.config import AnalysisConfig
from riskmap.engine import Assessment

ANALYSIS_COLUMNS = (
    "hotspot",
    "hotspot_z",
    "hotspot_p",
    "hotspot_p_sim",
    "level_p",
    "p_major",
    "p_high",
    "unstable",
)
"""The per-cell columns :func:`analyse` adds."""


def find_hotspots(assessment: Assessment, config: AnalysisConfig | None = None) -> Hotspots:
    """Gi* hot spots of the assessment's score (the project's ``analysis.hotspots``)."""
    return hotspots_of(assessment.cells, config or assessment.project.analysis)


def hotspots_of(cells: pd.DataFrame, config: AnalysisConfig) -> Hotspots:
    """Gi* hot spots of the ``score`` of ``cells`` (the grid's cells, every one of them)."""
    cfg = config.hotspots
    w = cell_neighbours(cells, cfg.neighbours, cfg.distance_m)
    return gi_star(
        cells["score"].to_numpy(float),
        w,
        permutations=cfg.permutations,
        seed=cfg.seed,
    )


def hotspot_params(h: Hotspots, config: AnalysisConfig) -> dict[str, Any]:
    """How the hot spots were found and how many cells each class has (for summaries)."""
    return {
        **config.hotspots.model_dump(),
        "fdr_thresholds": {str(k): v for k, v in h.thresholds.items()},
        "cells": {str(b): int((h.bin == b).sum()) for b in sorted(HOTSPOT_LABELS)},
    }


def analyse(
    assessment: Assessment,
    config: AnalysisConfig | None = None,
    *,
    hotspots: bool | None = None,
    confidence: bool | None = None,
) -> Assessment:
    """The assessment with hot-spot and level-confidence columns added.

    Parameters
    ----------
    assessment
        A scored assessment.
    config
        The analysis settings; the project's ``analysis`` by default.
    hotspots, confidence
        Compute that part (default: its ``enabled`` setting).

    Returns
    -------
    Assessment
        A new assessment: ``cells`` with :data:`ANALYSIS_COLUMNS` (of the parts
        computed) and ``params["analysis"]`` saying how they were computed.
    """
    cfg = config or assessment.project.analysis
    do_hot = cfg.hotspots.enabled if hotspots is None else hotspots
    do_conf = cfg.confidence.enabled if confidence is None else confidence
    cells = assessment.cells.copy()
    info: dict[str, Any] = {}
    if do_hot:
        h = find_hotspots(assessment, cfg)
        for col, values in h.frame(cells.index).items():
            cells[col] = values
        info["hotspots"] = hotspot_params(h, cfg)
    if do_conf:
        c = level_confidence(
            assessment.fields, assessment.weights, assessment.levels, cfg.confidence
        )
        for col, values in c.frame(cells.index).items():
            cells[col] = values
        info["confidence"] = c.params()
    params = {**assessment.params, "analysis": {**assessment.params.get("analysis", {}), **info}}
    return replace(assessment, cells=cells, params=params)


def hotspot_districts(cells: pd.DataFrame) -> pd.DataFrame:
    """Per district, the cells in each hot-spot class (``hot_99`` ... ``cold_99``)."""
    names = {3: "hot_99", 2: "hot_95", 1: "hot_90", -1: "cold_90", -2: "cold_95", -3: "cold_99"}
    table = pd.crosstab(cells["district"].astype(str), cells["hotspot"].astype(int))
    out = pd.DataFrame(index=table.index)
    for b, name in names.items():
        out[name] = table[b] if b in table.columns else 0
    return out.reset_index()


__all__ = [
    "ANALYSIS_COLUMNS",
    "HOTSPOT_LABELS",
    "Confidence",
    "Hotspots",
    "analyse",
    "cascade_factors",
    "cell_neighbours",
    "find_cascades",
    "find_hotspots",
    "gi_star",
    "hotspot_districts",
    "hotspot_params",
    "hotspots_of",
    "level_confidence",
    "weight_sensitivity",
]
