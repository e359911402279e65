"""Loaded project data: the frozen objects that riskmap.io produces and the engine consumes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pyproj
from shapely.geometry.base import BaseGeometry

from riskmap.config import LayerBinding, LayerKind, Project
from riskmap.errors import ValidationReport


@dataclass(frozen=True)
class Layer:
    """One bound layer, read, validated and in the project's working CRS.

    Attributes
    ----------
    binding : the project's binding (file, CRS, column mapping).
    kind : the layer kind (schema, intensity, radius, style, measures).
    gdf : features with the kind's canonical field names; ``id`` is a str, unique;
        ``name`` a str (empty when unknown); geometry in the working CRS.
    source : the file it was read from (None for layers made in memory, e.g. the register).
    """

    binding: LayerBinding
    kind: LayerKind
    gdf: gpd.GeoDataFrame
    source: Path | None = None

    @property
    def name(self) -> str:
        return self.binding.name


@dataclass(frozen=True)
class ProjectData:
    """A project with every layer read.

    Attributes
    ----------
    project : the validated project configuration.
    kinds : all layer kinds, keyed by kind name.
    crs : the metric working CRS.
    boundary : the city boundary (one Polygon/MultiPolygon) in the working CRS.
    districts : GeoDataFrame with ``adcode``, ``name``, geometry in the working CRS.
    counties : the same for the second level (a province's counties), or None.
    layers : usable layers keyed by binding name, in project order.
    unavailable : binding name -> why the layer could not be used.
    report : every problem found while reading, with counts per layer.
    file_hashes : file name (relative to the project folder) -> sha256 hex digest.
    """

    project: Project
    kinds: dict[str, LayerKind]
    crs: pyproj.CRS
    boundary: BaseGeometry
    districts: gpd.GeoDataFrame
    layers: dict[str, Layer]
    unavailable: dict[str, str] = field(default_factory=dict)
    report: ValidationReport = field(default_factory=ValidationReport)
    file_hashes: dict[str, str] = field(default_factory=dict)
    counties: gpd.GeoDataFrame | None = None

    def by_role(self, role: str) -> list[Layer]:
        """Usable layers whose kind has the given role, in project order."""
        return [lyr for lyr in self.layers.values() if lyr.kind.role == role]

    def by_kind(self, kind: str) -> list[Layer]:
        return [lyr for lyr in self.layers.values() if lyr.kind.kind == kind]

    def with_layers(self, extra: dict[str, Layer]) -> ProjectData:
        """A new ProjectData with layers added or replaced (e.g. uploads, the register)."""
        from dataclasses import replace

        return replace(self, layers={**self.layers, **extra})
