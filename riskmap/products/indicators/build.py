"""The scorecard of an assessment: :func:`compute_indicators` (and the core
:func:`indicators_from_cells`), :func:`export_scorecard`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd

from riskmap.config import IndicatorOptions
from riskmap.io import ProjectData, write_csv

if TYPE_CHECKING:
    from riskmap.engine import Assessment, Fields

from riskmap.products.indicators.base import (
    _DEFS,
    INDICATOR_IDS,
    TABLE_COLUMNS,
    Scorecard,
    _iso_date,
    _rows_of,
)
from riskmap.products.indicators.context import _Context, _engine_reach, _with_xy
from riskmap.products.indicators.facilities import (
    _builtup,
    _community_indicator,
    _fire_indicators,
    _shelter_indicators,
)
from riskmap.products.indicators.risk import (
    _hazard_indicators,
    _hazmat_indicators,
    _risk_indicators,
)
from riskmap.products.indicators.service import _service_areas


def compute_indicators(
    assessment: Assessment,
    options: IndicatorOptions | None = None,
    *,
    register_summary: pd.DataFrame | None = None,
    produced_at: date | datetime | str | None = None,
) -> Scorecard:
    """The safe-city scorecard of an assessment.

    Parameters
    ----------
    assessment
        From :meth:`riskmap.Study.score`: its cells, data and fields (reach times to fire
        stations and distances to community stations are taken from the fields).
    options
        Thresholds; :class:`~riskmap.config.IndicatorOptions` defaults when None.
    register_summary
        Hidden-hazard counts by district (:meth:`riskmap.Study.register_summary`); the
        hidden-hazard indicators are left out when None.
    produced_at
        Date of the assessment; today when None.

    Returns
    -------
    Scorecard
        Rows for the city and for each district.
    """
    return indicators_from_cells(
        assessment.data,
        assessment.cells,
        register_summary=register_summary,
        produced_at=produced_at,
        options=options,
        fields=assessment.fields,
    )


def indicators_from_cells(
    data: ProjectData,
    cells: gpd.GeoDataFrame,
    *,
    register_summary: pd.DataFrame | None = None,
    produced_at: date | datetime | str | None = None,
    options: IndicatorOptions | None = None,
    fields: Fields | None = None,
) -> Scorecard:
    """The safe-city scorecard of cells that may not come from an :class:`Assessment`
    (e.g. a grid of one's own); :func:`compute_indicators` funnels into it.

    Parameters
    ----------
    data
        The project with its layers in the working CRS.
    cells
        Assessed cells (working CRS) with ``cell_id``, ``adcode``, ``area_m2``,
        ``population`` and, for the risk indicators, ``level_rank`` (1..4)
        (``Assessment.cells``); cell centres are ``x``, ``y`` when present, else the
        centroids of the cell geometries.
    register_summary
        Hidden-hazard counts by district (``riskmap.register.district_summary``): columns
        ``adcode``, ``open_major``, ``listed`` and ``overdue_major`` (``open`` and
        ``overdue`` are used when the ``_major`` columns are absent); the hidden-hazard
        indicators are left out when None.
    produced_at
        Date of the assessment; today when None.
    options
        Thresholds; :class:`IndicatorOptions` defaults when None.
    fields
        The engine's fields of these cells (``Assessment.fields``): reach times to fire
        stations and distances to community stations are taken from it. When None (or
        made on other cells or layers), :func:`riskmap.engine.compute_fields` computes
        them for the reach layers only.

    Returns
    -------
    Scorecard
        Rows for the city and for each district of ``data.districts``.
    """
    opts = options or IndicatorOptions()
    day = _iso_date(produced_at)
    cells = _with_xy(cells)
    ctx = _Context.build(data, cells)
    method = data.project.method
    reach = _engine_reach(data, cells, fields)

    parts: list[tuple[str, pd.DataFrame, gpd.GeoDataFrame | None]] = []
    parts.extend(_fire_indicators(data, ctx, opts, reach))
    parts.extend(_shelter_indicators(data, ctx, opts))
    parts.append(_community_indicator(data, ctx, opts, reach))
    parts.extend(_hazmat_indicators(data, ctx, opts))
    parts.extend(_risk_indicators(ctx, day))
    if register_summary is not None:
        parts.extend(_hazard_indicators(ctx, register_summary))

    order = {ind_id: i for i, ind_id in enumerate(INDICATOR_IDS)}
    parts.sort(key=lambda part: order[part[0]])
    rows = [_rows_of(_DEFS[ind_id], per, ctx) for ind_id, per, _ in parts]
    table = pd.concat(rows, ignore_index=True)[list(TABLE_COLUMNS)]
    evidence = {ind_id: ev for ind_id, _, ev in parts if ev is not None}
    parameters: dict[str, Any] = {
        "method": method.model_dump(),
        "options": {
            k: (dict(v) if isinstance(v, Mapping) else v) for k, v in opts.model_dump().items()
        },
        "cells": len(cells),
        "crs": data.crs.to_string(),
    }
    return Scorecard(
        table=table,
        evidence=evidence,
        produced_at=day,
        parameters=parameters,
        service_areas=_service_areas(data, ctx, opts, reach, _builtup(ctx, opts)),
    )


def export_scorecard(scorecard: Scorecard, directory: str | Path) -> dict[str, Path]:
    """Write ``indicators.json`` and ``indicators.csv`` (UTF-8 with BOM, for Excel).

    Parameters
    ----------
    scorecard
        The scorecard to write.
    directory
        Output folder; created when missing.

    Returns
    -------
    dict
        ``{"json": path, "csv": path}``.
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    json_path = out / "indicators.json"
    csv_path = out / "indicators.csv"
    json_path.write_text(
        json.dumps(scorecard.to_dict(), ensure_ascii=False, indent=2, allow_nan=False),
        encoding="utf-8",
    )
    write_csv(scorecard.table, csv_path)
    return {"json": json_path, "csv": csv_path}
