"""Typed options of the products (map, inventory, indicators, report).

Each product takes an :class:`~riskmap.engine.Assessment` and one of these frozen models;
every option has a documented default, so ``build_map(assessment)`` draws the standard map.
Like :class:`~riskmap.config.Project`, the models reject unknown keys: a typo fails loudly.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from riskmap.config.vocabulary import Basemap, LangCode, View

MAJOR_GRADES: tuple[str, ...] = ("一级", "二级", "三级", "四级")
"""Grades of major hazard installations (重大危险源); ``无`` is not a major hazard."""


class _Options(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class MapOptions(_Options):
    """How :func:`riskmap.maps.build_map` draws the four-colour map.

    Attributes
    ----------
    view : what the risk layer shows (level, score or one component).
    basemap : ``none`` (offline), ``osm`` or ``amap`` (GCJ-02; overlays are shifted to match).
    lang : labels, legend and tooltips in ``zh`` or ``en``.
    overlays : overlays shown on opening; None for the defaults (detail cells, districts,
        shelters, fire and community stations).
    assets : ``inline`` (one standalone HTML file) or ``url`` (Leaflet served from
        ``asset_url``, e.g. the app server's static folder).
    asset_url : where Leaflet's files are served when ``assets="url"``.
    highlight : cell ids outlined on the map.
    max_detail_cells : at most this many cells are drawn as vectors (the reddest first).
    detail_min_level : lowest level rank drawn as detail cells (3 = 较大).
    title : the map's title; the project's by default.
    collapsed_control : the layer control starts collapsed (for narrow maps).
    dynamic : keep the score-dependent layers (risk layer, detail cells, legend) in a
        separate feature group (``m.riskmap_layers``) that a caller can replace without
        rebuilding the map.
    """

    view: View = "level"
    basemap: Basemap = "none"
    lang: LangCode = "zh"
    overlays: tuple[str, ...] | None = None
    assets: Literal["inline", "url"] = "inline"
    asset_url: str = "app/static/riskmap"
    highlight: tuple[str, ...] | None = None
    max_detail_cells: int = Field(default=2000, ge=0)
    detail_min_level: int = Field(default=3, ge=1, le=4)
    title: str | None = None
    collapsed_control: bool = False
    dynamic: bool = False


class InventoryOptions(_Options):
    """How :func:`riskmap.products.build_inventory` builds the risk inventory.

    Attributes
    ----------
    near_m : distance (m) within which the consequence around a source sets its severity
        class (the 500 m ring of the major-hazard alpha correction, GB 18218).
    intensity_breaks : source intensity (the 0-10 scale of layer kinds) separating the
        likelihood classes 1|2|3|4|5.
    connectivity : 4 or 8: how cells join into one risk area.
    today : the inventory's date (today by default).
    """

    near_m: float = Field(default=500.0, gt=0)
    intensity_breaks: tuple[float, float, float, float] = (1.5, 3.0, 5.0, 7.0)
    connectivity: Literal[4, 8] = 8
    today: date | None = None


def _station_district_km2() -> dict[str, float]:
    return {"一级": 7.0, "二级": 4.0, "特勤": 7.0, "小型": 2.0}


def _sensitive_distance_m() -> dict[str, float]:
    return dict.fromkeys(MAJOR_GRADES, 500.0)


class IndicatorOptions(_Options):
    """Thresholds of the safe-city indicators that are not in the project's ``method``.

    Attributes
    ----------
    builtup_density_per_km2 : a cell counts as built-up when its population per km² is at
        least this (1,500: the GHSL "urban centre" density).
    station_district_km2 : largest district area of a fire station by class
        (GB 51080-2015 §4.1.3); a station without a class is judged as 一级.
    edge_district_km2 : largest district area of a station on the urban edge.
    edge_builtup_share : a station is on the urban edge when less than this share of its
        district's area is built-up cells.
    hazmat_min_distance_m : a fire station should be at least this far from a
        hazardous-chemical site.
    shelter_walk_m : walking distance to the nearest shelter of any type.
    fixed_shelter_share : fixed (固定 and 中心) shelter capacity against the population.
    central_shelter_max_people : people per central shelter, at most.
    sensitive_distance_m : screening distance from a major-hazard site to a sensitive target,
        by grade.
    community_radius_m : service radius of a community emergency service station; None
        takes the kind's ``params.full_m``.
    """

    builtup_density_per_km2: float = 1500.0
    station_district_km2: Mapping[str, float] = Field(default_factory=_station_district_km2)
    edge_district_km2: float = 15.0
    edge_builtup_share: float = 0.5
    hazmat_min_distance_m: float = 300.0
    shelter_walk_m: float = 500.0
    fixed_shelter_share: float = 0.15
    central_shelter_max_people: float = 500_000.0
    sensitive_distance_m: Mapping[str, float] = Field(default_factory=_sensitive_distance_m)
    community_radius_m: float | None = None


class ReportOptions(_Options):
    """What :func:`riskmap.products.build_report` puts in the printable report.

    Attributes
    ----------
    lang : ``zh`` or ``en``.
    top_n : rows of the top sources and top areas tables.
    indicators : include the safe-city scorecard.
    zoom : add a close-up of the densest 重大/较大 cells.
    today : the report's date (today by default).
    district : adcode (or name) of one district: the report is that district's (title,
        headline figures, tables, maps zoomed to it with the district outlined); None for
        the whole city.
    """

    lang: LangCode = "zh"
    top_n: int = Field(default=20, ge=1)
    indicators: bool = True
    zoom: bool = True
    today: date | None = None
    district: str | None = None


__all__ = ["MAJOR_GRADES", "IndicatorOptions", "InventoryOptions", "MapOptions", "ReportOptions"]
