"""Each facility's own service area behind the coverage indicators: which fire station,
shelter or community station covers what (:attr:`Scorecard.service_areas`).

A facility's service area is the part of the city nearer to it than to any other facility
of its kind (its Voronoi region, clipped to the boundary) that it also reaches: within the
fire stations' target time, the shelters' walking distance or the community stations'
radius. Central shelters have no distance limit: their area is their whole region, the
people there are the people they serve. The people counted for a facility are those of
the covered cells whose nearest facility it is (the same cells the indicator counts).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from riskmap.config import IndicatorOptions
from riskmap.io import ProjectData
from riskmap.products.indicators.base import _empty_gdf
from riskmap.products.indicators.context import (
    _assign_district,
    _Context,
    _features,
    _nearest,
    _voronoi_regions,
    _within,
)

SERVICE_COLUMNS: tuple[str, ...] = (
    "id",
    "name",
    "kind",
    "class",
    "type",
    "capacity",
    "adcode",
    "radius_m",
    "target_min",
    "area_km2",
    "population",
    "builtup_km2",
    "site",
)
"""Columns of a service-area frame besides its geometry (``site`` is the facility's point)."""


def _nearest_regions(sites: np.ndarray, boundary: object) -> np.ndarray:
    """Each site's Voronoi region clipped to ``boundary`` (sites at one point share one)."""
    regions, inverse = _voronoi_regions(
        shapely.get_coordinates(shapely.point_on_surface(sites)), boundary
    )
    return regions[inverse]


def _service_frame(
    data: ProjectData,
    ctx: _Context,
    sites: gpd.GeoDataFrame,
    kind: str,
    covered: np.ndarray,
    *,
    radius_m: float | None = None,
    target_min: float | None = None,
    capacity: np.ndarray | None = None,
    builtup: np.ndarray | None = None,
) -> gpd.GeoDataFrame:
    """One row a facility: its service area (geometry), its point (``site``) and what it
    covers (``population``, ``builtup_km2``) among the ``covered`` cells nearest to it."""
    geoms = sites.geometry.to_numpy()
    n = len(geoms)
    if n == 0:
        return _empty_gdf(data.crs, list(SERVICE_COLUMNS))
    areas = _nearest_regions(geoms, data.boundary)
    if radius_m is not None:
        areas = shapely.intersection(areas, shapely.buffer(geoms, max(radius_m, 0.0), quad_segs=16))
    nearest, _ = _nearest(ctx.points, geoms)
    mine = covered & (nearest >= 0)
    at = nearest[mine]
    people = np.bincount(at, weights=ctx.population[mine], minlength=n)
    b_km2 = (
        np.bincount(at, weights=(ctx.area * builtup)[mine], minlength=n) / 1e6
        if builtup is not None
        else np.full(n, np.nan)
    )

    def text(column: str) -> np.ndarray:
        if column not in sites.columns:
            return np.full(n, "", dtype=object)
        return sites[column].astype("string").fillna("").to_numpy(dtype=object)

    return gpd.GeoDataFrame(
        {
            "id": text("id"),
            "name": text("name"),
            "kind": kind,
            "class": text("class"),
            "type": text("type"),
            "capacity": np.full(n, np.nan) if capacity is None else np.asarray(capacity, float),
            "adcode": _assign_district(geoms, ctx.districts),
            "radius_m": np.nan if radius_m is None else float(radius_m),
            "target_min": np.nan if target_min is None else float(target_min),
            "area_km2": shapely.area(areas) / 1e6,
            "population": people,
            "builtup_km2": b_km2,
            "site": gpd.GeoSeries(shapely.point_on_surface(geoms), crs=data.crs),
        },
        geometry=gpd.GeoSeries(areas, crs=data.crs),
        crs=data.crs,
    )


def _fire_radius_m(data: ProjectData) -> tuple[float, float]:
    """(reach in metres, target minutes) of the fire stations: turnout + detour x distance
    / speed <= target, with the first fire-station layer's parameters (as the indicator)."""
    m = data.project.method
    kp = data.by_kind("fire_station")[0].kind.params
    turnout = float(kp.get("turnout_min", m.fire_turnout_min))
    detour = float(kp.get("detour_factor", m.detour_factor))
    speed = float(kp.get("speed_kmh", m.fire_speed_kmh))
    minutes = float(m.fire_target_min)
    return max(minutes - turnout, 0.0) * speed * 1000.0 / 60.0 / detour, minutes


def _service_areas(
    data: ProjectData,
    ctx: _Context,
    opts: IndicatorOptions,
    reach: dict[str, np.ndarray],
    builtup: np.ndarray,
) -> dict[str, gpd.GeoDataFrame]:
    """Indicator id -> its facilities' own service areas (columns :data:`SERVICE_COLUMNS`)."""
    out: dict[str, gpd.GeoDataFrame] = {}
    stations = _features(data, "fire_station")
    if stations is not None and "fire_station" in reach:
        radius, minutes = _fire_radius_m(data)
        covered = reach["fire_station"] <= minutes + 1e-9
        fire = _service_frame(
            data,
            ctx,
            stations,
            "fire_station",
            covered,
            radius_m=radius,
            target_min=minutes,
            builtup=builtup,
        )
        out["fire.reach_population"] = fire
        out["fire.reach_builtup"] = fire
    shelters = _features(data, "shelter")
    if shelters is not None:
        area = np.nan_to_num(pd.to_numeric(shelters["area_m2"], errors="coerce").to_numpy(float))
        given = (
            pd.to_numeric(shelters["capacity"], errors="coerce").to_numpy(float)
            if "capacity" in shelters.columns
            else np.full(len(shelters), np.nan)
        )
        capacity = np.where(
            np.isnan(given), area / data.project.method.shelter_area_per_person_m2, given
        )
        walk_m = float(opts.shelter_walk_m)
        out["shelter.walk_population"] = _service_frame(
            data,
            ctx,
            shelters,
            "shelter",
            _within(ctx.points, shelters.geometry.to_numpy(), walk_m),
            radius_m=walk_m,
            capacity=capacity,
        )
        central = (shelters["type"].astype(str) == "中心").to_numpy()
        if central.any():
            out["shelter.central_people"] = _service_frame(
                data,
                ctx,
                shelters[central].reset_index(drop=True),
                "shelter",
                np.ones(len(ctx.points), dtype=bool),
                capacity=capacity[central],
            )
    community = _features(data, "community_station")
    if community is not None and "community_station" in reach:
        radius_c = opts.community_radius_m
        if radius_c is None:
            radius_c = float(data.by_kind("community_station")[0].kind.params.get("full_m", 1000.0))
        out["community.reach_population"] = _service_frame(
            data,
            ctx,
            community,
            "community_station",
            reach["community_station"] <= radius_c + 1e-9,
            radius_m=radius_c,
        )
    return out
