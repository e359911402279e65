"""The city safety risk inventory (城市安全风险清单), district summaries and exports.

Four tables are built from the loaded data and the assessed cells:

* **sources** — one row per hazard source (every feature of every layer whose kind has
  role ``hazard``, except the accident history; open hidden hazards of the register are
  included). Fields follow the Jiangsu regulation on enterprise safety risk management
  (2024, Art. 11): name, risk point, location, level, possible accident types, control
  measures, responsible department, responsible person; plus a unified number.
* **areas** — red and orange cells grouped into connected risk areas per district.
* **districts** — cells, area and population per level, sources per level, ranked.
* **accidents** — accidents, deaths, injuries and direct loss per district per month or
  quarter, ranked within each period.

Every table is kept bilingual: a translatable column ``c`` (Chinese) has a twin ``c_en``
(English). :func:`view_table` picks one language and :func:`export_inventory` writes
CSV (UTF-8 with BOM, or GBK/GB18030), XLSX, GeoJSON or GeoPackage with Chinese or English
headers, numbers rounded to meaningful digits, one geometry type per GIS layer
(``sources_points``, ``sources_lines``, ``sources_polygons``, ``areas``, ``districts``,
``cells`` when asked). :func:`filter_inventory` keeps some districts and levels; its
exports say so (an ``about`` table, :func:`export_file_name`).

Unified numbers (统一编号) — see docs/INVENTORY.md:

* source: ``{city adcode}-{district adcode}-{category code}-{sequence}``; the sequence is
  all the digits of the source's own id (leading zeros dropped, at least 4 digits), so it
  does not depend on row order or on other sources. An id without digits, or whose digits
  are shared by another source of the same category in the same district, gets
  ``H`` + the first 8 hex digits of sha256(category code + ":" + id) instead.
* area: ``{city adcode}-{district adcode}-QY-{lowest cell_id of the area}``.

Modules: :mod:`~.base` (tables, headers, :class:`Inventory`), :mod:`~.sources`,
:mod:`~.areas`, :mod:`~.districts` (summaries, accident rankings, parameters),
:mod:`~.build` (:func:`build_inventory`), :mod:`~.filters` (filtered inventories and what
their exports say), :mod:`~.layers` (rounding, headers, one geometry type per layer),
:mod:`~.workbook` (XLSX), :mod:`~.export` (CSV, GeoJSON, GeoPackage, the entry points).
"""

from __future__ import annotations

from riskmap.products.inventory.areas import build_area_inventory
from riskmap.products.inventory.base import (
    ABOUT,
    ACCIDENT_TYPES_EN,
    AREA_CODE,
    CELLS,
    CLOSED_STATUSES,
    COUNTIES,
    ENCODINGS,
    FORMATS,
    INTENSITY_BREAKS,
    LAYERS,
    NEAR_M,
    SHEET_NAMES,
    SPATIAL_TABLES,
    TABLES,
    CsvEncoding,
    Format,
    Inventory,
    InventoryFilter,
    header_labels,
    view_table,
)
from riskmap.products.inventory.build import (
    build_inventory,
    inventory_from_cells,
    prepare_inventory,
)
from riskmap.products.inventory.districts import (
    accident_ranking,
    county_summary,
    district_summary,
)
from riskmap.products.inventory.export import (
    export_csv,
    export_geojson,
    export_geopackage,
    export_inventory,
    to_bytes,
    write_assess_outputs,
)
from riskmap.products.inventory.filters import (
    about_table,
    export_file_name,
    filter_inventory,
    filter_slug,
)
from riskmap.products.inventory.layers import (
    SpatialLayer,
    one_geometry_type,
    round_for_people,
    spatial_layers,
)
from riskmap.products.inventory.sources import build_source_inventory
from riskmap.products.inventory.workbook import export_xlsx

__all__ = [
    "ABOUT",
    "ACCIDENT_TYPES_EN",
    "AREA_CODE",
    "CELLS",
    "CLOSED_STATUSES",
    "COUNTIES",
    "ENCODINGS",
    "FORMATS",
    "INTENSITY_BREAKS",
    "LAYERS",
    "NEAR_M",
    "SHEET_NAMES",
    "SPATIAL_TABLES",
    "TABLES",
    "CsvEncoding",
    "Format",
    "Inventory",
    "InventoryFilter",
    "SpatialLayer",
    "about_table",
    "accident_ranking",
    "build_area_inventory",
    "build_inventory",
    "build_source_inventory",
    "county_summary",
    "district_summary",
    "export_csv",
    "export_file_name",
    "export_geojson",
    "export_geopackage",
    "export_inventory",
    "export_xlsx",
    "filter_inventory",
    "filter_slug",
    "header_labels",
    "inventory_from_cells",
    "one_geometry_type",
    "prepare_inventory",
    "round_for_people",
    "spatial_layers",
    "to_bytes",
    "view_table",
    "write_assess_outputs",
]
