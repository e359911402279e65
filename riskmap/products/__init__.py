"""What planners take away from an assessment: the risk inventory, the safe-city
scorecard, what-if planning and the printable report. Each product takes an
:class:`~riskmap.engine.Assessment` (which carries its data) and a typed options model
from :mod:`riskmap.config.options`.

Subpackages: :mod:`~riskmap.products.inventory` (:func:`build_inventory`),
:mod:`~riskmap.products.indicators` (:func:`compute_indicators`),
:mod:`~riskmap.products.report` (:func:`build_report`) and
:mod:`~riskmap.products.whatif` (:func:`apply_proposals`, :func:`compare`); each
re-exports its own public names, and the main ones are re-exported here.
"""

from __future__ import annotations

from riskmap.products.indicators import Scorecard, compute_indicators, export_scorecard
from riskmap.products.inventory import Inventory, build_inventory, export_inventory
from riskmap.products.report import build_report, write_pdf, write_report
from riskmap.products.whatif import (
    Proposal,
    WhatIfResult,
    apply_proposals,
    compare,
    export_proposals,
    proposals_from_csv,
    proposals_of,
    validate_proposals,
)

__all__ = [
    "Inventory",
    "Proposal",
    "Scorecard",
    "WhatIfResult",
    "apply_proposals",
    "build_inventory",
    "build_report",
    "compare",
    "compute_indicators",
    "export_inventory",
    "export_proposals",
    "export_scorecard",
    "proposals_from_csv",
    "proposals_of",
    "validate_proposals",
    "write_pdf",
    "write_report",
]
