"""Building the inventory of an assessment: :func:`build_inventory` (and the core
:func:`inventory_from_cells`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

import geopandas as gpd

from riskmap.config import InventoryOptions
from riskmap.io import ProjectData

if TYPE_CHECKING:
    from riskmap.engine import Assessment

from riskmap.products.inventory.areas import _build_areas
from riskmap.products.inventory.base import INTENSITY_BREAKS, NEAR_M, Inventory
from riskmap.products.inventory.districts import (
    _parameters_table,
    accident_ranking,
    district_summary,
)
from riskmap.products.inventory.sources import _build_sources


def build_inventory(assessment: Assessment, options: InventoryOptions | None = None) -> Inventory:
    """The risk inventory (风险清单) of an assessment.

    Parameters
    ----------
    assessment
        From :meth:`riskmap.Study.score`: its cells, data and parameters.
    options
        How sources are graded and areas joined; :class:`~riskmap.config.InventoryOptions`
        defaults when None.

    Returns
    -------
    Inventory
    """
    o = options or InventoryOptions()
    return inventory_from_cells(
        assessment.data,
        assessment.cells,
        assessment.params,
        near_m=o.near_m,
        intensity_breaks=o.intensity_breaks,
        connectivity=o.connectivity,
        today=o.today,
    )


def inventory_from_cells(
    data: ProjectData,
    cells: gpd.GeoDataFrame,
    params: Mapping[str, Any] | None = None,
    *,
    near_m: float = NEAR_M,
    intensity_breaks: Sequence[float] = INTENSITY_BREAKS,
    connectivity: Literal[4, 8] = 8,
    today: date | None = None,
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
    """
    sources = _build_sources(data, cells, near_m=near_m, intensity_breaks=intensity_breaks)
    areas = _build_areas(
        cells, kinds=data.kinds, city_adcode=data.project.adcode, connectivity=connectivity
    )
    return Inventory(
        sources=sources,
        areas=areas,
        districts=district_summary(cells, sources),
        accidents_month=accident_ranking(data, period="month"),
        accidents_quarter=accident_ranking(data, period="quarter"),
        parameters=_parameters_table(data, params, today=today),
    )
