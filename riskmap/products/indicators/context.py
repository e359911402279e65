"""What every indicator reads: cells with their district and centre, features of a kind,
nearest and within-distance queries, reach times from the engine's fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely import STRtree

from riskmap.io import ProjectData

if TYPE_CHECKING:
    from riskmap.engine import Fields

from riskmap.products.indicators.base import CITY


@dataclass(frozen=True)
class _Context:
    cells: gpd.GeoDataFrame
    points: np.ndarray
    """Cell centroids (shapely points), working CRS."""
    adcode: np.ndarray
    """Cell adcode as str ('' when outside every district)."""
    population: np.ndarray
    area: np.ndarray
    scopes: list[tuple[str, str]]
    """(adcode, name) of each district, in the districts' order."""
    districts: gpd.GeoDataFrame
    work_plan: str = "the city's work plan"
    """What the project's own practice indicators cite (``Project.work_plan``)."""

    @classmethod
    def build(cls, data: ProjectData, cells: gpd.GeoDataFrame) -> _Context:
        missing = [
            c for c in ("cell_id", "area_m2", "population", "x", "y") if c not in cells.columns
        ]
        if missing:
            raise ValueError(f"cells lack column(s) {', '.join(missing)} (see riskmap.engine)")
        adcode = (
            cells["adcode"].astype("string").fillna("").to_numpy(dtype=object)
            if "adcode" in cells.columns
            else np.full(len(cells), "", dtype=object)
        )
        districts = data.districts
        scopes = [
            (str(a), str(n)) for a, n in zip(districts["adcode"], districts["name"], strict=True)
        ]
        return cls(
            cells=cells,
            points=shapely.points(cells["x"].to_numpy(float), cells["y"].to_numpy(float)),
            adcode=adcode,
            population=np.nan_to_num(cells["population"].to_numpy(float)),
            area=np.nan_to_num(cells["area_m2"].to_numpy(float)),
            scopes=scopes,
            districts=districts,
            work_plan=data.project.work_plan or "the city's work plan",
        )

    def sums(self, values: np.ndarray) -> pd.Series:
        """Sum of a per-cell array for the city and each district (index: scope)."""
        by = pd.Series(values, dtype=float).groupby(self.adcode).sum()
        out = by.reindex([a for a, _ in self.scopes], fill_value=0.0)
        return pd.concat([pd.Series({CITY: float(np.sum(values))}), out])

    def counts(self, adcodes: np.ndarray, weights: np.ndarray | None = None) -> pd.Series:
        """Count (or weighted sum) of features by their district adcode, city first."""
        w = np.ones(len(adcodes)) if weights is None else np.asarray(weights, dtype=float)
        by = pd.Series(w, dtype=float).groupby(np.asarray(adcodes, dtype=object)).sum()
        out = by.reindex([a for a, _ in self.scopes], fill_value=0.0)
        return pd.concat([pd.Series({CITY: float(np.sum(w))}), out])

    def cell_evidence(self, mask: np.ndarray, **columns: np.ndarray) -> gpd.GeoDataFrame:
        keep = [
            c
            for c in ("cell_id", "district", "adcode", "area_m2", "population", "geometry")
            if c in self.cells.columns
        ]
        ev = self.cells.loc[mask, keep].copy()
        for name, values in columns.items():
            ev[name] = np.asarray(values)[mask]
        return gpd.GeoDataFrame(ev.reset_index(drop=True), geometry="geometry", crs=self.cells.crs)


def _with_xy(cells: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The cells with ``x``, ``y`` (centroid of the clipped cell, as riskmap.engine.grid makes them)."""
    if "x" in cells.columns and "y" in cells.columns:
        return cells
    xy = shapely.get_coordinates(shapely.centroid(cells.geometry.to_numpy()))
    return cells.assign(x=xy[:, 0], y=xy[:, 1])


def _features(data: ProjectData, kind: str) -> gpd.GeoDataFrame | None:
    """All features of the layers of one kind, concatenated; None when there is no such layer."""
    layers = data.by_kind(kind)
    if not layers:
        return None
    frames = [lyr.gdf.assign(_layer=lyr.name) for lyr in layers]
    gdf = (
        pd.concat(frames, ignore_index=True)
        if len(frames) > 1
        else frames[0].reset_index(drop=True)
    )
    out = gpd.GeoDataFrame(gdf, geometry="geometry", crs=data.crs)
    return out[~(out.geometry.isna() | out.geometry.is_empty)].reset_index(drop=True)


def _assign_district(geoms: np.ndarray, districts: gpd.GeoDataFrame) -> np.ndarray:
    """Adcode of the district holding each geometry's representative point ('' when none)."""
    out = np.full(len(geoms), "", dtype=object)
    if len(geoms) == 0 or len(districts) == 0:
        return out
    pts = shapely.point_on_surface(np.asarray(geoms))
    tree = STRtree(districts.geometry.to_numpy())
    src, dst = tree.query(pts, predicate="intersects")
    first_src, first_at = np.unique(src, return_index=True)
    out[first_src] = districts["adcode"].astype(str).to_numpy()[dst[first_at]]
    return out


def _voronoi_regions(xy: np.ndarray, boundary: object) -> tuple[np.ndarray, np.ndarray]:
    """The region nearer to each distinct point of ``xy`` (to the millimetre) than to any
    other, clipped to ``boundary``, and which region each point has (points at one place
    share one; a single place gets the whole boundary).

    Returns
    -------
    regions, inverse
        ``regions[inverse[i]]`` is point ``i``'s region.
    """
    uniq, inverse = np.unique(np.round(xy, 3), axis=0, return_inverse=True)
    if len(uniq) == 1:
        polys = np.array([boundary], dtype=object)
    else:
        vor = shapely.voronoi_polygons(shapely.multipoints(uniq), extend_to=boundary, ordered=True)
        polys = shapely.get_parts(vor)
    return np.asarray(shapely.intersection(polys, boundary)), inverse.ravel()


def _nearest(points: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of and distance to the nearest target for each point (-1, inf without targets)."""
    idx = np.full(len(points), -1, dtype=np.int64)
    dist = np.full(len(points), np.inf)
    if len(points) == 0 or len(targets) == 0:
        return idx, dist
    tree = STRtree(targets)
    pairs, d = tree.query_nearest(points, return_distance=True, all_matches=False)
    idx[pairs[0]] = pairs[1]
    dist[pairs[0]] = d
    return idx, dist


def _within(points: np.ndarray, targets: np.ndarray, distance: float | np.ndarray) -> np.ndarray:
    """Boolean per point: is any target within ``distance``."""
    hit = np.zeros(len(points), dtype=bool)
    if len(points) == 0 or len(targets) == 0:
        return hit
    src, _ = STRtree(targets).query(points, predicate="dwithin", distance=distance)
    hit[src] = True
    return hit


_REACH_KINDS = ("fire_station", "community_station")


def _engine_reach(
    data: ProjectData, cells: gpd.GeoDataFrame, fields: Fields | None
) -> dict[str, np.ndarray]:
    """Per-cell reach of each reach kind, from the engine: the minimum over its layers.

    Fire stations: minutes (turnout + detour x distance / speed, riskmap.engine.fields);
    community stations: metres. inf beyond the engine's halo.
    """
    layers = [lyr for kind in _REACH_KINDS for lyr in data.by_kind(kind)]
    if not layers:
        return {}
    usable = (
        fields is not None
        and len(fields.cells) == len(cells)
        and all(lyr.name in fields.access for lyr in layers)
        and np.array_equal(fields.cells["cell_id"].to_numpy(), cells["cell_id"].to_numpy())
    )
    if not usable:
        from dataclasses import replace

        from riskmap.engine import compute_fields

        sub = replace(data, layers={lyr.name: lyr for lyr in layers})
        fields = compute_fields(sub, cells)
    assert fields is not None
    out: dict[str, np.ndarray] = {}
    for kind in _REACH_KINDS:
        values = [fields.access[lyr.name] for lyr in data.by_kind(kind)]
        if values:
            out[kind] = np.min(np.vstack(values), axis=0)
    return out
