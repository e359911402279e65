"""The hidden-hazard register (隐患排查治理): vocabulary, schema, store, import/export and the
feed of open hazards into the assessment.

Modules: ``vocabulary`` (codes and labels), ``schema`` (migrations), ``dialect`` (SQLite),
``values`` (parsing and validation), ``files`` (tables in and out), ``store``
(:class:`HazardRegister`: numbering and the closed loop), ``queries`` (its reading
methods), ``imports`` and ``exports`` (its files), ``backup`` (lossless backup and
restore), ``views`` (lists and summaries), ``feed`` (open hazards as a layer),
``project`` (a project's register).
"""

from __future__ import annotations

from riskmap.register.backup import BackupSummary
from riskmap.register.feed import HAZARD_LAYER_FIELDS, build_hazards_layer, open_hazards_layer
from riskmap.register.files import ImportResult, format_hazards
from riskmap.register.project import (
    default_register_path,
    open_register,
    project_bbox,
    project_districts,
)
from riskmap.register.queries import HISTORY_COLUMNS, LIST_COLUMNS
from riskmap.register.store import HazardRegister
from riskmap.register.values import EXPORT_FIELDS
from riskmap.register.views import SUMMARY_COLUMNS, district_summary, get_hazard, list_hazards
from riskmap.register.vocabulary import (
    CATEGORIES,
    COLUMN_HEADERS,
    GRADES,
    OPEN_STATUSES,
    STATUSES,
    TRANSITIONS,
    HazardTransitionError,
    label,
    parse_code,
)

__all__ = [
    "CATEGORIES",
    "COLUMN_HEADERS",
    "EXPORT_FIELDS",
    "GRADES",
    "HAZARD_LAYER_FIELDS",
    "HISTORY_COLUMNS",
    "LIST_COLUMNS",
    "OPEN_STATUSES",
    "STATUSES",
    "SUMMARY_COLUMNS",
    "TRANSITIONS",
    "BackupSummary",
    "HazardRegister",
    "HazardTransitionError",
    "ImportResult",
    "build_hazards_layer",
    "default_register_path",
    "district_summary",
    "format_hazards",
    "get_hazard",
    "label",
    "list_hazards",
    "open_hazards_layer",
    "open_register",
    "parse_code",
    "project_bbox",
    "project_districts",
]
