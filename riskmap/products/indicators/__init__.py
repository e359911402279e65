"""Safe-city indicators and the scorecard (国家安全发展示范城市 items computable from map data).

:func:`compute_indicators` turns a project's layers and its assessed cells into a
:class:`Scorecard`: one row per indicator and scope (the city, then each district), each
with its value, target, the standard it comes from and a short evidence text (in English
and Chinese, from one template table, :data:`EVIDENCE_TEXTS`), plus the
cells or features behind each indicator (e.g. the cells out of the fire stations' 5-minute
reach). Every number used is in :class:`IndicatorOptions` or the project's
``method`` settings and is documented in docs/INDICATORS.md.
"""

from __future__ import annotations

from riskmap.products.indicators.base import (
    CITY,
    EVIDENCE_TEXTS,
    INDICATOR_IDS,
    TABLE_COLUMNS,
    Scorecard,
)
from riskmap.products.indicators.build import (
    compute_indicators,
    export_scorecard,
    indicators_from_cells,
)
from riskmap.products.indicators.facilities import station_districts

__all__ = [
    "CITY",
    "EVIDENCE_TEXTS",
    "INDICATOR_IDS",
    "TABLE_COLUMNS",
    "Scorecard",
    "compute_indicators",
    "export_scorecard",
    "indicators_from_cells",
    "station_districts",
]
