"""Reading a project's files: tables (encodings, zip safety), layers (mapping, validation,
conversion to the working CRS), the loaded project data; writing tables that are safe to
open in a spreadsheet; a new project's administrative boundaries. Coordinate conversions
live in :mod:`riskmap.io.crs`.

Modules: :mod:`~riskmap.io.tables` (:func:`read_table`, with
:mod:`~riskmap.io.spreadsheets`, :mod:`~riskmap.io.vectors` and
:mod:`~riskmap.io.archives`), :mod:`~riskmap.io.layers` (:func:`read_layer`, with
:mod:`~riskmap.io.values` and :mod:`~riskmap.io.geometry`), :mod:`~riskmap.io.suggest`,
:mod:`~riskmap.io.project` (:func:`load_project_data`), :mod:`~riskmap.io.problems`,
:mod:`~riskmap.io.data`, :mod:`~riskmap.io.sheets`, :mod:`~riskmap.io.boundaries`.
"""

from __future__ import annotations

from riskmap.io.archives import MAX_UNZIPPED_BYTES, MAX_ZIP_MEMBERS
from riskmap.io.boundaries import (
    DEFAULT_TOLERANCE,
    AdminUnit,
    admin_unit,
    build_boundaries,
    write_feature_collection,
)
from riskmap.io.data import Layer, ProjectData
from riskmap.io.geometry import BBOX_MARGIN_DEG, BBOX_MARGIN_SHARE
from riskmap.io.layers import read_layer
from riskmap.io.problems import MAX_ROW_PROBLEMS, describe, describe_code
from riskmap.io.project import file_sha256, load_project_data
from riskmap.io.sheets import (
    FORMULA_STARTS,
    csv_bytes,
    safe_frame,
    safe_text,
    text_cells,
    unguard_text,
    write_csv,
)
from riskmap.io.suggest import suggest_columns, suggest_kind
from riskmap.io.tables import SUPPORTED_FORMATS, list_parts, read_table

__all__ = [
    "BBOX_MARGIN_DEG",
    "BBOX_MARGIN_SHARE",
    "DEFAULT_TOLERANCE",
    "FORMULA_STARTS",
    "MAX_ROW_PROBLEMS",
    "MAX_UNZIPPED_BYTES",
    "MAX_ZIP_MEMBERS",
    "SUPPORTED_FORMATS",
    "AdminUnit",
    "Layer",
    "ProjectData",
    "admin_unit",
    "build_boundaries",
    "csv_bytes",
    "describe",
    "describe_code",
    "file_sha256",
    "list_parts",
    "load_project_data",
    "read_layer",
    "read_table",
    "safe_frame",
    "safe_text",
    "suggest_columns",
    "suggest_kind",
    "text_cells",
    "unguard_text",
    "write_csv",
    "write_feature_collection",
]
