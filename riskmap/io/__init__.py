"""Reading a project's files: tables (encodings, zip safety), layers (mapping, validation,
conversion to the working CRS), the loaded project data. Coordinate conversions live in
:mod:`riskmap.io.crs`.
"""

from __future__ import annotations

from riskmap.io.data import (
    Layer,
    ProjectData,
)
from riskmap.io.sources import (
    BBOX_MARGIN_DEG,
    BBOX_MARGIN_SHARE,
    MAX_ROW_PROBLEMS,
    MAX_UNZIPPED_BYTES,
    MAX_ZIP_MEMBERS,
    SUPPORTED_FORMATS,
    file_sha256,
    load_project_data,
    read_layer,
    read_table,
    suggest_columns,
)

__all__ = [
    "BBOX_MARGIN_DEG",
    "BBOX_MARGIN_SHARE",
    "MAX_ROW_PROBLEMS",
    "MAX_UNZIPPED_BYTES",
    "MAX_ZIP_MEMBERS",
    "SUPPORTED_FORMATS",
    "Layer",
    "ProjectData",
    "file_sha256",
    "load_project_data",
    "read_layer",
    "read_table",
    "suggest_columns",
]
