"""What-if planning: add proposed shelters and fire stations, then compare before and after.

A proposal is a plain record: ``kind`` (``shelter`` or ``fire_station``), ``lon``/``lat``
in WGS84, ``name``, and for a shelter its ``type`` (紧急/固定/中心), ``area_m2`` and
optional ``capacity``; for a fire station its ``class`` (一级/二级/特勤/小型, 一级 when
not given). :func:`apply_proposals` adds them to the project's layers as features marked
``proposed=True`` with ids ``P-001``, ``P-002`` ...; the caller re-runs the assessment and
:func:`riskmap.products.indicators.compute_indicators` on the new data and :func:`compare` tells
what changed (:meth:`riskmap.Study.what_if` does all of it).

Modules: :mod:`~.proposals` (the record, validation, CSV and GeoJSON files),
:mod:`~.apply` (:func:`apply_proposals`, :func:`proposals_of`), :mod:`~.compare`
(:func:`compare`, :class:`WhatIfResult`).
"""

from __future__ import annotations

from riskmap.products.whatif.apply import apply_proposals, proposals_of
from riskmap.products.whatif.compare import WhatIfResult, compare
from riskmap.products.whatif.proposals import (
    CSV_COLUMNS,
    DEFAULT_STATION_CLASS,
    PROPOSAL_KINDS,
    SHELTER_TYPES,
    STATION_CLASSES,
    Proposal,
    export_proposals,
    proposals_from_csv,
    validate_proposals,
)

__all__ = [
    "CSV_COLUMNS",
    "DEFAULT_STATION_CLASS",
    "PROPOSAL_KINDS",
    "SHELTER_TYPES",
    "STATION_CLASSES",
    "Proposal",
    "WhatIfResult",
    "apply_proposals",
    "compare",
    "export_proposals",
    "proposals_from_csv",
    "proposals_of",
    "validate_proposals",
]
