"""The hidden-hazard register (隐患排查治理): vocabulary, schema, store, import/export and the
feed of open hazards into the assessment.
"""

from __future__ import annotations

from riskmap.register.store import (
    CATEGORIES,
    EXPORT_FIELDS,
    GRADES,
    HISTORY_COLUMNS,
    LIST_COLUMNS,
    OPEN_STATUSES,
    STATUSES,
    TRANSITIONS,
    HazardRegister,
    HazardTransitionError,
    ImportResult,
    build_hazards_layer,
    default_register_path,
    district_summary,
    format_hazards,
    get_hazard,
    label,
    list_hazards,
    open_hazards_layer,
    open_register,
    parse_code,
    project_bbox,
    project_districts,
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
