"""Indicators of the emergency facilities: fire-station reach and station districts
(GB 51080-2015), shelters (GB 21734-2008, GB 51143-2015), community stations.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from riskmap.config import IndicatorOptions
from riskmap.io import ProjectData
from riskmap.products.indicators.base import (
    _DEFS,
    _empty_gdf,
    _not_computable,
    _ratio,
    _share,
    _text,
    _with_texts,
)
from riskmap.products.indicators.context import (
    _assign_district,
    _Context,
    _features,
    _nearest,
    _voronoi_regions,
    _with_xy,
    _within,
)
from riskmap.products.indicators.risk import _feature_evidence


def station_districts(
    data: ProjectData, cells: gpd.GeoDataFrame, *, options: IndicatorOptions | None = None
) -> gpd.GeoDataFrame:
    """Each fire station's district: Voronoi of the stations clipped to the boundary.

    Parameters
    ----------
    data
        The project (fire_station layers, boundary).
    cells
        Cells with ``population``, ``area_m2``, ``x``, ``y`` (for the built-up share).
    options
        Thresholds (district limits by class, urban-edge rule).

    Returns
    -------
    GeoDataFrame
        One row a station: ``id``, ``name``, ``class``, ``adcode``, ``area_km2``,
        ``builtup_km2``, ``builtup_share``, ``edge``, ``limit_km2``, ``ok``; geometry the
        district polygon. Stations at the same point share one district.
    """
    opts = options or IndicatorOptions()
    ctx = _Context.build(data, _with_xy(cells))
    stations = _features(data, "fire_station")
    if stations is None:
        return _empty_gdf(
            data.crs,
            [
                "id",
                "name",
                "class",
                "adcode",
                "area_km2",
                "builtup_km2",
                "builtup_share",
                "edge",
                "limit_km2",
                "ok",
            ],
        )
    return _station_districts(data, ctx, stations, opts)


def _fire_indicators(
    data: ProjectData, ctx: _Context, opts: IndicatorOptions, reach: dict[str, np.ndarray]
) -> list[tuple[str, pd.DataFrame, gpd.GeoDataFrame | None]]:
    stations = _features(data, "fire_station")
    ids = (
        "fire.reach_population",
        "fire.reach_builtup",
        "fire.district_area",
        "fire.hazmat_distance",
    )
    if stations is None:
        return [(i, _not_computable(ctx, "no_layer", kind="fire_station"), None) for i in ids]
    m = data.project.method
    nearest, _ = _nearest(ctx.points, stations.geometry.to_numpy())
    minutes = reach["fire_station"]
    covered = minutes <= m.fire_target_min + 1e-9
    builtup = _builtup(ctx, opts)
    kp = data.by_kind("fire_station")[0].kind.params
    how = _text(
        "fire.how",
        turnout=kp.get("turnout_min", m.fire_turnout_min),
        detour=kp.get("detour_factor", m.detour_factor),
        speed=kp.get("speed_kmh", m.fire_speed_kmh),
        target=m.fire_target_min,
    )

    pop_cov = ctx.sums(ctx.population * covered)
    pop_all = ctx.sums(ctx.population)
    per_pop = _share(pop_cov, pop_all, "fire.reach_population", how=how)
    ev_cells = ctx.cell_evidence(
        ~covered,
        reach_min=minutes,
        nearest_station=np.where(
            nearest >= 0, stations["id"].astype(str).to_numpy()[np.maximum(nearest, 0)], ""
        ),
    )

    b_area = ctx.area * builtup
    area_cov = ctx.sums(b_area * covered) / 1e6
    area_all = ctx.sums(b_area) / 1e6
    per_area = _share(
        area_cov, area_all, "fire.reach_builtup", density=opts.builtup_density_per_km2
    )
    ev_builtup = ctx.cell_evidence(~covered & builtup, reach_min=minutes)

    districts = _station_districts(data, ctx, stations, opts, nearest=nearest, builtup=builtup)
    st_adcode = districts["adcode"].to_numpy(dtype=object)
    n_ok = ctx.counts(st_adcode, districts["ok"].to_numpy(float))
    n_all = ctx.counts(st_adcode)
    n_edge = ctx.counts(st_adcode, districts["edge"].to_numpy(float))
    per_district = _with_texts(
        _ratio(n_ok, n_all) * 100.0,
        [
            _text("fire.district_area", n=n, d=d, edge=e, edge_km2=opts.edge_district_km2)
            for n, d, e in zip(n_ok, n_all, n_edge, strict=True)
        ],
    )

    haz = _features(data, "hazmat_enterprise")
    if haz is None:
        per_haz = _not_computable(ctx, "no_layer", kind="hazmat_enterprise")
        ev_haz = None
    else:
        st_geoms = stations.geometry.to_numpy()
        h_idx, h_dist = _nearest(st_geoms, haz.geometry.to_numpy())
        close = h_dist < opts.hazmat_min_distance_m
        n_close = ctx.counts(_assign_district(st_geoms, ctx.districts), close.astype(float))
        per_haz = _with_texts(
            n_close,
            [_text("fire.hazmat_distance", n=c, m=opts.hazmat_min_distance_m) for c in n_close],
        )
        ev_haz = stations.loc[close, ["id", "name", "geometry"]].copy()
        ev_haz["adcode"] = _assign_district(ev_haz.geometry.to_numpy(), ctx.districts)
        ev_haz["hazmat_id"] = haz["id"].astype(str).to_numpy()[h_idx[close]]
        ev_haz["hazmat_name"] = (
            haz["name"].astype(str).to_numpy()[h_idx[close]] if "name" in haz else ""
        )
        ev_haz["distance_m"] = h_dist[close]
        ev_haz = gpd.GeoDataFrame(ev_haz.reset_index(drop=True), geometry="geometry", crs=data.crs)
    return [
        ("fire.reach_population", per_pop, ev_cells),
        ("fire.reach_builtup", per_area, ev_builtup),
        ("fire.district_area", per_district, districts),
        ("fire.hazmat_distance", per_haz, ev_haz),
    ]


def _builtup(ctx: _Context, opts: IndicatorOptions) -> np.ndarray:
    density = np.divide(
        ctx.population, ctx.area / 1e6, out=np.zeros_like(ctx.population), where=ctx.area > 0
    )
    return density >= opts.builtup_density_per_km2


def _station_districts(
    data: ProjectData,
    ctx: _Context,
    stations: gpd.GeoDataFrame,
    opts: IndicatorOptions,
    *,
    nearest: np.ndarray | None = None,
    builtup: np.ndarray | None = None,
) -> gpd.GeoDataFrame:
    geoms = stations.geometry.to_numpy()
    polys, inverse = _voronoi_regions(
        shapely.get_coordinates(shapely.centroid(geoms)), data.boundary
    )
    area_km2 = shapely.area(polys) / 1e6
    if nearest is None:
        nearest, _ = _nearest(ctx.points, geoms)
    if builtup is None:
        builtup = _builtup(ctx, opts)
    # Cells go to the Voronoi region of their nearest station (identical to the Voronoi
    # membership of their centroid); stations at one point share their region.
    region_of_cell = np.where(nearest >= 0, inverse[np.maximum(nearest, 0)], -1)
    ok_cell = region_of_cell >= 0
    b_area = (
        np.bincount(
            region_of_cell[ok_cell], weights=(ctx.area * builtup)[ok_cell], minlength=len(polys)
        )
        / 1e6
    )
    # Cells are whole while regions are exact polygons: clip the small overshoot at 1.
    share = np.minimum(
        np.divide(b_area, area_km2, out=np.zeros_like(b_area), where=area_km2 > 0), 1.0
    )
    cls = (
        stations["class"].astype("string").fillna("").to_numpy(dtype=object)
        if "class" in stations.columns
        else np.full(len(stations), "", dtype=object)
    )
    limits = dict(opts.station_district_km2)
    limit = np.array([limits.get(c, limits.get("一级", 7.0)) for c in cls], dtype=float)
    edge = share[inverse] < opts.edge_builtup_share
    limit = np.where(edge, np.maximum(limit, opts.edge_district_km2), limit)
    out = gpd.GeoDataFrame(
        {
            "id": stations["id"].astype(str).to_numpy(),
            "name": stations["name"].astype(str).to_numpy() if "name" in stations else "",
            "class": cls,
            "adcode": _assign_district(geoms, ctx.districts),
            "area_km2": area_km2[inverse],
            "builtup_km2": b_area[inverse],
            "builtup_share": share[inverse],
            "edge": edge,
            "limit_km2": limit,
            "ok": area_km2[inverse] <= limit + 1e-9,
            "proposed": _proposed(stations),
        },
        geometry=polys[inverse],
        crs=data.crs,
    )
    return out


def _area_per_person_target() -> float:
    target = _DEFS["shelter.area_per_person"].target
    return float("nan") if target is None else float(target)


def _proposed(gdf: gpd.GeoDataFrame) -> np.ndarray:
    if "proposed" in gdf.columns:
        return gdf["proposed"].fillna(False).astype(bool).to_numpy()
    return np.zeros(len(gdf), dtype=bool)


def _shelter_indicators(
    data: ProjectData, ctx: _Context, opts: IndicatorOptions
) -> list[tuple[str, pd.DataFrame, gpd.GeoDataFrame | None]]:
    shelters = _features(data, "shelter")
    ids = (
        "shelter.area_per_person",
        "shelter.walk_population",
        "shelter.fixed_capacity",
        "shelter.central_people",
    )
    if shelters is None:
        return [(i, _not_computable(ctx, "no_layer", kind="shelter"), None) for i in ids]
    per_person = data.project.method.shelter_area_per_person_m2
    geoms = shelters.geometry.to_numpy()
    adcodes = _assign_district(geoms, ctx.districts)
    area = np.nan_to_num(pd.to_numeric(shelters["area_m2"], errors="coerce").to_numpy(float))
    cap_given = (
        pd.to_numeric(shelters["capacity"], errors="coerce").to_numpy(float)
        if "capacity" in shelters.columns
        else np.full(len(shelters), np.nan)
    )
    capacity = np.where(np.isnan(cap_given), area / per_person, cap_given)
    stype = shelters["type"].astype(str).to_numpy(dtype=object)
    pop = ctx.sums(ctx.population)

    total_area = ctx.counts(adcodes, area)
    ratio = _ratio(total_area, pop)
    per_area = _with_texts(
        ratio,
        [_text("shelter.area_per_person", a=a, p=p) for a, p in zip(total_area, pop, strict=True)],
    )
    ev_area = gpd.GeoDataFrame(
        {
            "adcode": [a for a, _ in ctx.scopes],
            "district": [n for _, n in ctx.scopes],
            "shelter_area_m2": total_area.iloc[1:].to_numpy(),
            "population": pop.iloc[1:].to_numpy(),
            "area_per_person_m2": ratio.iloc[1:].to_numpy(),
            # Whether the district meets the target (no people: nothing to shelter, not met).
            "ok": ratio.iloc[1:].to_numpy() >= _area_per_person_target() - 1e-9,
        },
        geometry=ctx.districts.geometry.to_numpy(),
        crs=data.crs,
    )

    walk = _within(ctx.points, geoms, opts.shelter_walk_m)
    pop_walk = ctx.sums(ctx.population * walk)
    per_walk = _share(pop_walk, pop, "shelter.walk_population", m=opts.shelter_walk_m)
    ev_walk = ctx.cell_evidence(~walk & (ctx.population > 0))

    fixed = np.isin(stype, ["固定", "中心"])
    cap_fixed = ctx.counts(adcodes, capacity * fixed)
    per_fixed = _share(cap_fixed, pop, "shelter.fixed_capacity")
    ev_fixed = _feature_evidence(shelters, fixed, adcodes, capacity=capacity)

    central = stype == "中心"
    n_central = ctx.counts(adcodes, central.astype(float))
    people = _ratio(pop, n_central)
    per_central = _with_texts(
        people,
        [_text("shelter.central_people", p=p, n=n) for p, n in zip(pop, n_central, strict=True)],
    )
    # No central shelter for people to go to fails the target (it is not a missing value).
    per_central["passed"] = [
        (v <= opts.central_shelter_max_people) if n > 0 else (False if p > 0 else None)
        for v, n, p in zip(people, n_central, pop, strict=True)
    ]
    ev_central = _feature_evidence(shelters, central, adcodes, capacity=capacity)
    return [
        ("shelter.area_per_person", per_area, ev_area),
        ("shelter.walk_population", per_walk, ev_walk),
        ("shelter.fixed_capacity", per_fixed, ev_fixed),
        ("shelter.central_people", per_central, ev_central),
    ]


def _community_indicator(
    data: ProjectData, ctx: _Context, opts: IndicatorOptions, reach: dict[str, np.ndarray]
) -> tuple[str, pd.DataFrame, gpd.GeoDataFrame | None]:
    ind = "community.reach_population"
    stations = _features(data, "community_station")
    if stations is None:
        return ind, _not_computable(ctx, "no_layer", kind="community_station"), None
    radius = opts.community_radius_m
    if radius is None:
        radius = float(data.by_kind("community_station")[0].kind.params.get("full_m", 1000.0))
    hit = reach["community_station"] <= radius + 1e-9
    per = _share(
        ctx.sums(ctx.population * hit),
        ctx.sums(ctx.population),
        "community.reach_population",
        m=radius,
    )
    return ind, per, ctx.cell_evidence(~hit & (ctx.population > 0))
