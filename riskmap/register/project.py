"""A project's register: its database path, the area locations must fall in, and the
districts that numbers are issued for.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd

from riskmap.errors import (
    LayerDataError,
)

if TYPE_CHECKING:
    from riskmap.config import Project

from riskmap.register.store import HazardRegister
from riskmap.register.values import _text
from riskmap.register.vocabulary import _norm_adcode


def default_register_path(project: Project) -> Path | str:
    """Where a project keeps its register: ``project.hazard_register.url`` (a PostgreSQL
    URL, ``${VAR}`` taken from the environment) when given, else
    ``project.hazard_register.path`` resolved."""
    url = project.hazard_register.url
    if url:
        return os.path.expandvars(url)
    return project.resolve(project.hazard_register.path)


_GEOGRAPHIC_SPECS = {"WGS84", "CGCS2000", "GCJ02", "BD09", "EPSG4326", "EPSG4490"}

_BBOX_PAD_DEG = 0.02
"""Margin around the boundary's bounds: covers GCJ-02/BD-09 offsets (< 0.015°)."""


def project_bbox(project: Project) -> tuple[float, float, float, float]:
    """The project's boundary bounds in WGS84 degrees, padded by 0.02° (about 2 km).

    A sanity check for locations (swapped or mistyped coordinates), not a containment test.

    Raises
    ------
    LayerDataError
        The boundary file cannot be read.
    """
    gdf = _read_boundary_file(project.resolve(project.boundary.path))
    spec = re.sub(r"[\s_\-:]", "", project.boundary.crs.upper())
    if spec not in _GEOGRAPHIC_SPECS:
        source_crs = f"EPSG:{spec[4:]}" if spec.startswith("EPSG") else project.boundary.crs
        gdf = gdf.set_crs(source_crs, allow_override=True).to_crs("EPSG:4326")
    x0, y0, x1, y1 = (float(v) for v in gdf.total_bounds)
    if not all(math.isfinite(v) for v in (x0, y0, x1, y1)):
        raise LayerDataError(f"{project.boundary.path}: the boundary has no geometry")
    p = _BBOX_PAD_DEG
    return x0 - p, y0 - p, x1 + p, y1 + p


def project_districts(project: Project) -> dict[str, str]:
    """District name -> adcode from the project's districts file.

    Raises
    ------
    LayerDataError
        The districts file cannot be read or lacks the name/adcode columns.
    """
    cfg = project.districts
    gdf = _read_boundary_file(project.resolve(cfg.path))
    missing = [c for c in (cfg.name_column, cfg.adcode_column) if c not in gdf.columns]
    if missing:
        raise LayerDataError(
            f"{cfg.path}: no column(s) {', '.join(missing)} for district names/adcodes"
        )
    return {
        _text(n): _text(a)
        for n, a in zip(gdf[cfg.name_column], gdf[cfg.adcode_column], strict=True)
    }


def project_district_shapes(project: Project) -> dict[str, Any]:
    """adcode -> the district's polygon in WGS84, read like the assessment reads it
    (its CRS, GCJ-02 or BD-09 included, converted); {} when the file cannot be used."""
    from riskmap.io.layers import read_layer
    from riskmap.io.project import _boundary_binding, _district_kind

    cfg = project.districts
    binding = _boundary_binding(
        "districts", cfg, {"id": cfg.adcode_column, "name": cfg.name_column}
    )
    gdf, _ = read_layer(binding, _district_kind(), root=project.root)
    if gdf is None:
        return {}
    shapes: dict[str, Any] = {}
    for adcode, geom in zip(gdf["id"], gdf.geometry, strict=True):
        code = _norm_adcode(_text(adcode))
        if code and geom is not None and not geom.is_empty:
            shapes[code] = geom if code not in shapes else shapes[code].union(geom)
    return shapes


def _read_boundary_file(path: Path) -> gpd.GeoDataFrame:
    try:
        return gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several types for unreadable files
        raise LayerDataError(f"{path.name}: cannot read: {exc}") from None


def open_register(project: Project, *, timeout: float = 30.0) -> HazardRegister:
    """The register of a project: its default path, its area as bbox, its districts."""
    return HazardRegister(
        default_register_path(project),
        bbox=project_bbox(project),
        districts=project_districts(project),
        timeout=timeout,
        district_shapes=project_district_shapes(project),
    )
