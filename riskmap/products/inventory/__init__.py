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
CSV (UTF-8 with BOM), XLSX, GeoJSON or GeoPackage with Chinese or English headers.

Unified numbers (统一编号) — see docs/INVENTORY.md:

* source: ``{city adcode}-{district adcode}-{category code}-{sequence}``; the sequence is
  all the digits of the source's own id (leading zeros dropped, at least 4 digits), so it
  does not depend on row order or on other sources. An id without digits, or whose digits
  are shared by another source of the same category in the same district, gets
  ``H`` + the first 8 hex digits of sha256(category code + ":" + id) instead.
* area: ``{city adcode}-{district adcode}-QY-{lowest cell_id of the area}``.

Modules: :mod:`~.base` (tables, headers, :class:`Inventory`), :mod:`~.sources`,
:mod:`~.areas`, :mod:`~.districts` (summaries, accident rankings, parameters),
:mod:`~.export` (CSV, XLSX, GeoJSON, GeoPackage), :mod:`~.build` (:func:`build_inventory`).
"""

from __future__ import annotations

from riskmap.products.inventory.areas import build_area_inventory
from riskmap.products.inventory.base import (
    ACCIDENT_TYPES_EN,
    AREA_CODE,
    CLOSED_STATUSES,
    FORMATS,
    INTENSITY_BREAKS,
    NEAR_M,
    SHEET_NAMES,
    SPATIAL_TABLES,
    TABLES,
    Format,
    Inventory,
    header_labels,
    view_table,
)
from riskmap.products.inventory.build import build_inventory, inventory_from_cells
from riskmap.products.inventory.districts import accident_ranking, district_summary
from riskmap.products.inventory.export import (
    export_csv,
    export_geojson,
    export_geopackage,
    export_inventory,
    export_xlsx,
    to_bytes,
    write_assess_outputs,
)
from riskmap.products.inventory.sources import build_source_inventory

__all__ = [
    "ACCIDENT_TYPES_EN",
    "AREA_CODE",
    "CLOSED_STATUSES",
    "FORMATS",
    "INTENSITY_BREAKS",
    "NEAR_M",
    "SHEET_NAMES",
    "SPATIAL_TABLES",
    "TABLES",
    "Format",
    "Inventory",
    "accident_ranking",
    "build_area_inventory",
    "build_inventory",
    "build_source_inventory",
    "district_summary",
    "export_csv",
    "export_geojson",
    "export_geopackage",
    "export_inventory",
    "export_xlsx",
    "header_labels",
    "inventory_from_cells",
    "to_bytes",
    "view_table",
    "write_assess_outputs",
]
