"""Building the inventory of an assessment: :func:`build_inventory` (and the core
:func:`inventory_from_cells`).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from riskmap.config import InventoryOptions
from riskmap.engine.grid import cell_shapes
from riskmap.io import ProjectData

if TYPE_CHECKING:
    from riskmap.engine import Assessment

from riskmap.products.inventory.areas import _build_areas
from riskmap.products.inventory.base import INTENSITY_BREAKS, NEAR_M, Inventory
from riskmap.products.inventory.districts import (
    _county_shapes,
    _parameters_table,
    _with_shapes,
    accident_ranking,
    county_summary,
    district_summary,
)
from riskmap.products.inventory.sources import PlacedSources, _build_sources, place_sources


def build_inventory(
    assessment: Assessment, options: InventoryOptions | None = None, *, cells: bool = True
) -> Inventory:
    """The risk inventory (风险清单) of an assessment.

    Parameters
    ----------
    assessment
        From :meth:`riskmap.Study.score`: its cells, data and parameters.
    options
        How sources are graded and areas joined; :class:`~riskmap.config.InventoryOptions`
        defaults when None.
    cells
        Build the cells table (``Inventory.cells``, exported when asked); False leaves it
        out, as ``assess`` does (the cells go to cells.parquet): a province's cells table
        alone is over a gigabyte.

    Returns
    -------
    Inventory
    """
    o = options or InventoryOptions()
    placed, cascades = prepare_inventory(assessment, o)
    return inventory_from_cells(
        assessment.data,
        assessment.cells,
        assessment.params,
        near_m=o.near_m,
        intensity_breaks=o.intensity_breaks,
        connectivity=o.connectivity,
        today=o.today,
        cells_table=cells,
        placed=placed,
        cascades=cascades,
    )


_PREPARING = threading.Lock()
"""Held while the score-free parts of an inventory are made (by one thread at a time)."""


def prepare_inventory(
    assessment: Assessment, options: InventoryOptions | None = None
) -> tuple[PlacedSources, pd.DataFrame]:
    """The parts of the inventory that do not depend on the scores — the sources placed on
    the grid (:func:`~riskmap.products.inventory.sources.place_sources`) and the cascade
    table — made once and kept with the assessment's fields (``Fields.memo``), so that the
    inventory of every later assessment of the same study (a weight or rule change) reuses
    them. Safe from several threads: one makes them, the others wait and reuse them (an app
    may make them ahead, while nobody waits)."""
    o = options or InventoryOptions()
    fields, data = assessment.fields, assessment.data
    memo, key = fields.memo, ("inventory.sources", o.near_m)
    # Fields made from others (new capacity for a what-if, raised intensities) share their
    # memo: what was made for other data or another grid is made again.
    made_for = (data, fields.cells)
    with _PREPARING:
        kept = memo.get(key)
        if kept is None or kept[0] is not data or kept[1] is not fields.cells:
            memo[key] = (*made_for, place_sources(data, fields.cells, o.near_m))
        kept = memo.get("inventory.cascades")
        if kept is None or kept[0] is not data:
            memo["inventory.cascades"] = (data, cascade_table(data))
        return memo[key][2], memo["inventory.cascades"][1]


def inventory_from_cells(
    data: ProjectData,
    cells: gpd.GeoDataFrame,
    params: Mapping[str, Any] | None = None,
    *,
    near_m: float = NEAR_M,
    intensity_breaks: Sequence[float] = INTENSITY_BREAKS,
    connectivity: Literal[4, 8] = 8,
    today: date | None = None,
    cells_table: bool = True,
    placed: PlacedSources | None = None,
    cascades: pd.DataFrame | None = None,
) -> Inventory:
    """Build every table of the risk inventory.

    Parameters
    ----------
    data
        The loaded project.
    cells
        Assessed cells (``Assessment.cells``): cell_id, district, adcode, area_m2,
        population, consequence, score, level_rank, top_factor, measures ... in the
        working CRS.
    params
        The assessment's parameters (``Assessment.params``), written to the parameters
        table; nested mappings become dotted names.
    near_m
        Distance (m) around a source whose highest consequence sets its severity class.
    intensity_breaks
        Source intensities separating likelihood classes 1|2|3|4|5.
    connectivity
        4 or 8: which grid neighbours join red/orange cells into one area.
    today
        Date written into the parameters table (today by default).
    cells_table
        Build the cells table (see :func:`build_inventory`).
    placed, cascades
        The sources already placed on this grid (:func:`place_sources`) and the cascade
        table (:func:`cascade_table`) of ``data``, when kept from an earlier assessment;
        made here when None.
    """
    sources = _build_sources(
        data, cells, near_m=near_m, intensity_breaks=intensity_breaks, placed=placed
    )
    areas = _build_areas(
        cells, kinds=data.kinds, city_adcode=data.project.adcode, connectivity=connectivity
    )
    return Inventory(
        sources=sources,
        areas=areas,
        districts=_with_shapes(district_summary(cells, sources), data.districts, data.crs),
        accidents_month=accident_ranking(data, period="month"),
        accidents_quarter=accident_ranking(data, period="quarter"),
        parameters=_parameters_table(data, params, today=today),
        cells=_cell_table(cells) if cells_table else None,
        cascades=cascade_table(data) if cascades is None else cascades,
        counties=_county_shapes(county_summary(cells, sources), data.counties, data.crs),
    )


def cascade_table(data: ProjectData) -> pd.DataFrame:
    """The cascade pairs (:func:`riskmap.analysis.find_cascades`) as an inventory table:
    the rule, both features, their distance, the factor, measures and source, and the
    WGS84 position of the first feature."""
    from riskmap.analysis import find_cascades

    pairs = find_cascades(data).rename(columns={"name": "rule_name", "name_en": "rule_name_en"})
    lon, lat = np.zeros(len(pairs)), np.zeros(len(pairs))
    if len(pairs):
        pts = gpd.GeoSeries(gpd.points_from_xy(pairs["x"], pairs["y"]), crs=data.crs).to_crs(4326)
        lon, lat = np.round(pts.x.to_numpy(), 6), np.round(pts.y.to_numpy(), 6)
    return pairs.drop(columns=["x", "y"]).assign(lon=lon, lat=lat)


_CELL_COLUMNS = (
    "cell_id",
    "district",
    "adcode",
    "level_rank",
    "level",
    "level_en",
    "score",
    "hazard",
    "exposure",
    "vulnerability",
    "coping_gap",
    "consequence",
    "likelihood",
    "severity",
    "population",
    "hotspot",
    "level_p",
    "p_major",
    "p_high",
    "unstable",
    "area_m2",
    "top_factor",
    "measures",
    "measures_en",
)


def _cell_table(cells: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The cells as the inventory exports them: the columns of ``_CELL_COLUMNS`` that the
    cells have, each layer's share of the score (``share_<layer>``), the WGS84 lon/lat of a
    point inside, highest score first; working CRS."""
    shares = [c for c in cells.columns if isinstance(c, str) and c.startswith("share_")]
    columns = [c for c in _CELL_COLUMNS if c in cells.columns] + shares
    out = gpd.GeoDataFrame(cells[columns].copy(), geometry=cell_shapes(cells), crs=cells.crs)
    anchor = gpd.GeoSeries(shapely.point_on_surface(out.geometry.to_numpy()), crs=cells.crs)
    wgs = anchor.to_crs(4326) if cells.crs is not None else anchor
    out["lon"] = np.round(wgs.x.to_numpy(), 6)
    out["lat"] = np.round(wgs.y.to_numpy(), 6)
    if "score" in out.columns:
        out = out.sort_values("score", ascending=False, kind="stable")
    return gpd.GeoDataFrame(out.reset_index(drop=True), geometry="geometry", crs=cells.crs)
