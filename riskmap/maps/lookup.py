"""Which cell is under a clicked point: a lattice index of square grids (and an STRtree
for other grids), answered in Python instead of shipping every cell to the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pyproj
import shapely

from riskmap.io.crs import (
    gcj02_to_wgs84,
)


@dataclass(frozen=True)
class CellIndex:
    """A fast point -> cell lookup for one cells GeoDataFrame.

    Square grids are looked up arithmetically (the square's column and row from the
    cell size and grid origin, then a binary search of the sorted square keys); other
    cells (H3) with an STRtree. Build it once (:func:`build_cell_index`) and keep it
    while the cells do not change.

    Attributes
    ----------
    crs : the cells' (working) CRS.
    cell_ids : cell ids, in the cells' row order.
    geometry : the cells' geometries (working CRS).
    cell_size : square side in metres, or None for non-square cells.
    origin : x, y of a grid corner (square grids).
    """

    crs: pyproj.CRS
    cell_ids: npt.NDArray[np.object_]
    geometry: npt.NDArray[np.object_]
    cell_size: float | None
    origin: tuple[float, float]
    _keys: npt.NDArray[np.int64]
    _order: npt.NDArray[np.intp]
    _lo: tuple[int, int]
    _span: int
    _tree: shapely.STRtree | None
    _partial: npt.NDArray[np.bool_] | None = None
    _cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """Weight-free things derived from the cells (position raster, footprint), built once."""

    def squares(
        self, x: npt.ArrayLike, y: npt.ArrayLike
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Grid column and row of working-CRS points (square grids only)."""
        if self.cell_size is None:
            raise ValueError("the cells are not a square grid")
        s = self.cell_size
        col = np.floor((np.asarray(x, dtype=float) - self.origin[0]) / s).astype(np.int64)
        row = np.floor((np.asarray(y, dtype=float) - self.origin[1]) / s).astype(np.int64)
        return col, row

    def positions(
        self, x: npt.ArrayLike, y: npt.ArrayLike, *, exact: bool = True
    ) -> npt.NDArray[np.intp]:
        """Row positions of the cells containing working-CRS points; -1 where none.

        Parameters
        ----------
        x, y
            Points in the working CRS.
        exact
            Check that the point is inside the cell geometry, not only inside its grid
            square (only cells clipped by the boundary need the geometric test).
        """
        xa = np.asarray(x, dtype=float).ravel()
        ya = np.asarray(y, dtype=float).ravel()
        out = np.full(xa.shape, -1, dtype=np.intp)
        finite = np.isfinite(xa) & np.isfinite(ya)
        if self._tree is not None:
            pts = shapely.points(xa[finite], ya[finite])
            idx_pts, idx_cells = self._tree.query(pts, predicate="intersects")
            sub = np.full(pts.shape, -1, dtype=np.intp)
            # keep the first cell per point (a point on a shared edge touches two)
            first = np.unique(idx_pts, return_index=True)[1]
            sub[idx_pts[first]] = idx_cells[first]
            out[finite] = sub
            return out
        col, row = self.squares(xa[finite], ya[finite])
        c = col - self._lo[0]
        r = row - self._lo[1]
        inside = (c >= 0) & (r >= 0) & (r < self._span) & (c < np.iinfo(np.int32).max)
        key = c * self._span + r
        j = np.searchsorted(self._keys, key)
        j = np.clip(j, 0, max(len(self._keys) - 1, 0))
        hit = (
            inside & (len(self._keys) > 0) & (self._keys[j] == key)
            if len(self._keys)
            else inside & False
        )
        sub = np.where(hit, self._order[j] if len(self._keys) else -1, -1).astype(np.intp)
        if exact and hit.any():
            check = hit.copy()
            if self._partial is not None:
                check[hit] = self._partial[sub[hit]]
            if check.any():
                ok = shapely.intersects_xy(
                    self.geometry[sub[check]], xa[finite][check], ya[finite][check]
                )
                tmp = sub[check]
                tmp[~ok] = -1
                sub[check] = tmp
        out[finite] = sub
        return out


def _cells_frame(cells: Any) -> gpd.GeoDataFrame:
    """The cells GeoDataFrame of an Assessment or a GeoDataFrame."""
    frame = getattr(cells, "cells", cells)
    if not isinstance(frame, gpd.GeoDataFrame):
        raise TypeError("cells must be a GeoDataFrame (or an Assessment with .cells)")
    if frame.crs is None:
        raise ValueError("the cells GeoDataFrame has no CRS; it must be in the working CRS")
    missing = {"cell_id", "geometry"} - set(frame.columns)
    if missing:
        raise ValueError(f"the cells lack column(s): {', '.join(sorted(missing))}")
    return frame


def build_cell_index(cells: Any, cell_size: float | None = None) -> CellIndex:
    """Index cells for point lookups (:func:`cell_at`, image resampling).

    Parameters
    ----------
    cells
        Cells GeoDataFrame in the working CRS (``cell_id``, geometry), or an Assessment.
    cell_size
        Side of the square cells in metres; inferred from the geometries when None.
        Cells that are not axis-aligned squares of one size (H3) use an STRtree.

    Returns
    -------
    CellIndex
    """
    frame = _cells_frame(cells)
    geoms = np.asarray(frame.geometry.values, dtype=object)
    ids = np.asarray(frame["cell_id"].astype(str).values, dtype=object)
    crs = pyproj.CRS.from_user_input(frame.crs)
    bounds = shapely.bounds(geoms)
    w = bounds[:, 2] - bounds[:, 0]
    h = bounds[:, 3] - bounds[:, 1]
    s = (
        float(cell_size)
        if cell_size
        else (float(np.nanmax(np.maximum(w, h))) if len(geoms) else 0.0)
    )
    tol = max(s * 1e-6, 1e-6)
    full = (np.abs(w - s) <= tol) & (np.abs(h - s) <= tol)
    if full.any():
        area_ok = np.abs(shapely.area(geoms[full]) - s * s) <= s * s * 1e-6
        full_idx = np.flatnonzero(full)[area_ok]
    else:
        full_idx = np.array([], dtype=np.intp)
    square = (
        s > 0 and len(full_idx) > 0 and bool(np.all(w <= s + tol)) and bool(np.all(h <= s + tol))
    )
    empty_i = np.zeros(0, dtype=np.int64)
    if not square:
        return CellIndex(
            crs,
            ids,
            geoms,
            None,
            (0.0, 0.0),
            empty_i,
            np.zeros(0, np.intp),
            (0, 0),
            1,
            shapely.STRtree(geoms),
        )
    ox = float(bounds[full_idx[0], 0] % s)
    oy = float(bounds[full_idx[0], 1] % s)
    cx = (bounds[:, 0] + bounds[:, 2]) / 2
    cy = (bounds[:, 1] + bounds[:, 3]) / 2
    col = np.floor((cx - ox) / s).astype(np.int64)
    row = np.floor((cy - oy) / s).astype(np.int64)
    lo = (int(col.min()), int(row.min()))
    span = int(row.max() - lo[1] + 1)
    keys = (col - lo[0]) * span + (row - lo[1])
    order = np.argsort(keys, kind="stable")
    partial = shapely.area(geoms) < s * s * (1 - 1e-6)
    return CellIndex(
        crs, ids, geoms, s, (ox, oy), keys[order], order.astype(np.intp), lo, span, None, partial
    )


def _display_to_working(
    lon: npt.ArrayLike, lat: npt.ArrayLike, crs: pyproj.CRS, basemap: str
) -> tuple[np.ndarray, np.ndarray]:
    lon_a = np.asarray(lon, dtype=float)
    lat_a = np.asarray(lat, dtype=float)
    if basemap == "amap":
        lon_a, lat_a = gcj02_to_wgs84(lon_a, lat_a)
    transformer = pyproj.Transformer.from_crs(4326, crs, always_xy=True)
    x, y = transformer.transform(lon_a, lat_a)
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def cells_at(
    cells: Any,
    lon: npt.ArrayLike,
    lat: npt.ArrayLike,
    crs: Any = None,
    *,
    basemap: str = "none",
    cell_size: float | None = None,
    index: CellIndex | None = None,
) -> npt.NDArray[np.object_]:
    """Cell ids at many map points (vectorised :func:`cell_at`); None where no cell.

    Parameters
    ----------
    cells
        Cells GeoDataFrame in the working CRS, or an Assessment (ignored if ``index``).
    lon, lat
        Points as the map reports them: WGS84, or GCJ-02 when ``basemap="amap"``.
    crs
        The cells' CRS (default: ``cells.crs``); kept for callers that pass it.
    basemap
        The basemap the map was drawn for (``amap`` means clicks are GCJ-02).
    cell_size, index
        Passed to / instead of :func:`build_cell_index`.
    """
    idx = index if index is not None else build_cell_index(cells, cell_size)
    target = pyproj.CRS.from_user_input(crs) if crs is not None else idx.crs
    x, y = _display_to_working(lon, lat, target, basemap)
    pos = idx.positions(x, y, exact=True)
    out = np.full(pos.shape, None, dtype=object)
    out[pos >= 0] = idx.cell_ids[pos[pos >= 0]]
    return out


def cell_at(
    cells: Any,
    lon: float,
    lat: float,
    crs: Any = None,
    *,
    basemap: str = "none",
    cell_size: float | None = None,
    index: CellIndex | None = None,
) -> str | None:
    """The id of the cell under a clicked map point, or None outside every cell.

    Parameters
    ----------
    cells
        Cells GeoDataFrame in the working CRS (``cell_id``, geometry), or an Assessment.
    lon, lat
        The clicked point (longitude, latitude as the page reports them): WGS84,
        or GCJ-02 when the map was drawn with ``basemap="amap"``.
    crs
        The cells' CRS (default: ``cells.crs``).
    basemap
        The basemap of the clicked map.
    cell_size, index
        A known square size, or a prebuilt :class:`CellIndex` (fast repeated clicks).

    Returns
    -------
    str or None
    """
    found = cells_at(cells, [lon], [lat], crs, basemap=basemap, cell_size=cell_size, index=index)
    return found[0]
