"""Reading a project's files: tables (encodings, zip safety), layers (mapping, validation,
conversion to the working CRS), the loaded project data. Coordinate conversions live in
:mod:`riskmap.io.crs`.
"""

from __future__ import annotations

from riskmap.io.data import Layer, ProjectData
from riskmap.io.geometry import BBOX_MARGIN_DEG, BBOX_MARGIN_SHARE
from riskmap.io.layers import read_layer
from riskmap.io.project import file_sha256, load_project_data
from riskmap.io.suggest import suggest_columns
from riskmap.io.tables import MAX_UNZIPPED_BYTES, MAX_ZIP_MEMBERS, SUPPORTED_FORMATS, read_table
from riskmap.io.values import MAX_ROW_PROBLEMS

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
