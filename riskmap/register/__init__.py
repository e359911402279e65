"""The hidden-hazard register (隐患排查治理): vocabulary, schema, store, import/export and the
feed of open hazards into the assessment.
"""

from __future__ import annotations

from riskmap.register.files import ImportResult, format_hazards
from riskmap.register.project import (
    default_register_path,
    open_register,
    project_bbox,
    project_districts,
)
from riskmap.register.store import HISTORY_COLUMNS, LIST_COLUMNS, HazardRegister
from riskmap.register.values import EXPORT_FIELDS
from riskmap.register.views import (
    build_hazards_layer,
    district_summary,
    get_hazard,
    list_hazards,
    open_hazards_layer,
)
from riskmap.register.vocabulary import (
    CATEGORIES,
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
    "EXPORT_FIELDS",
    "GRADES",
    "HISTORY_COLUMNS",
    "LIST_COLUMNS",
    "OPEN_STATUSES",
    "STATUSES",
    "TRANSITIONS",
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
