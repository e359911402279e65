"""Risk assessment of grid cells: influence fields, components, score, levels, explanations.

Two stages (see docs/METHOD.md for every formula and default):

* :func:`compute_fields` — the expensive, weight-free part: per layer and cell the raw
  influence (kernel sums, overlap shares, people), the top contributing features, shelter
  accessibility (two-step floating catchment) and reach to stations. It runs tile by tile:
  a tile needs only its cells and the features within the largest influence radius of it
  (its halo), so :func:`_tile_fields` and :func:`_tile_access` are pure functions of their
  arguments that could run on separate workers.
* :func:`score` — the cheap part: weights, components H, E, V, L, consequence C, score
  H x C, likelihood and severity classes, the four levels, shares, measures.

:func:`assess` runs the grid and both stages.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from scipy.spatial import cKDTree

from riskmap.config import (
    LayerKind,
    LevelConfig,
    MethodConfig,
    Project,
    WeightsConfig,
)
from riskmap.config.levels import LEVELS, Level
from riskmap.engine.grid import build_grid, cell_keys_of_points
from riskmap.engine.measures import recommend
from riskmap.engine.rules import rule_values
from riskmap.errors import ConfigError
from riskmap.io import Layer, ProjectData

__all__ = [
    "LEVELS",
    "Assessment",
    "Fields",
    "assess",
    "compute_fields",
    "fisher_jenks",
    "level_table",
    "recompute_capacity",
    "rule_values",
    "score",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
ObjArray = npt.NDArray[np.object_]
Progress = Callable[[str, int, int], None]

COMPONENTS = ("hazard", "exposure", "vulnerability", "coping_gap")
_SUPPORTED = {
    ("hazard", "kernel"),
    ("hazard", "overlap"),
    ("exposure", "population"),
    ("exposure", "kernel"),
    ("exposure", "overlap"),
    ("vulnerability", "population"),
    ("capacity", "shelter"),
    ("capacity", "reach"),
}
_REACH_DEFAULT_FULL_M = 1000.0
_REACH_DEFAULT_ZERO_M = 5000.0
_MIN_DEMAND = 1.0
"""Floor of a shelter's demand (people) in the two-step floating catchment."""


def level_table(lang: str = "zh") -> list[dict[str, Any]]:
    """The four levels, highest first, for legends and tables.

    Parameters
    ----------
    lang
        ``"zh"`` or ``"en"``: which name goes in ``label``.

    Returns
    -------
    list of dict
        ``rank`` (4 = 重大 ... 1 = 低), ``zh``, ``en``, ``label``, ``color`` (hex),
        ``color_name`` and ``matrix`` (the range of R = likelihood x severity).
    """
    return [
        {
            "rank": lv.rank,
            "zh": lv.zh,
            "en": lv.en,
            "label": lv.name(lang),
            "color": lv.color,
            "color_name": lv.color_name_en if lang == "en" else lv.color_name_zh,
            "matrix": f"{lv.matrix_min}-{lv.matrix_max}",
        }
        for lv in reversed(LEVELS)
    ]


# --------------------------------------------------------------------------------------
# Per-layer inputs (preprocessed features) and per-tile computation: pure functions.
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Features:
    """One layer's features, reduced to what the fields need (picklable)."""

    name: str
    kind: str
    role: str
    method: str
    index: IntArray  # positions in the layer's GeoDataFrame
    xy: FloatArray  # (n, 2) point or representative point
    geom: ObjArray | None  # polygons (overlap, areal interpolation)
    is_point: npt.NDArray[np.bool_]
    value: FloatArray  # intensity, people, shelter area
    radius: FloatArray  # kernel radius, shelter radius, reach halo; 0 for polygons
    bounds: FloatArray  # (n, 4) influence bounds: where the feature can act
    decay: str = "gaussian"
    area: FloatArray | None = None  # polygon areas (areal interpolation)

    def select(self, box: tuple[float, float, float, float]) -> _Features:
        """The features whose influence bounds meet ``box`` (minx, miny, maxx, maxy)."""
        b = self.bounds
        m = (b[:, 0] <= box[2]) & (b[:, 2] >= box[0]) & (b[:, 1] <= box[3]) & (b[:, 3] >= box[1])
        return _Features(
            name=self.name,
            kind=self.kind,
            role=self.role,
            method=self.method,
            index=self.index[m],
            xy=self.xy[m],
            geom=None if self.geom is None else self.geom[m],
            is_point=self.is_point[m],
            value=self.value[m],
            radius=self.radius[m],
            bounds=b[m],
            decay=self.decay,
            area=None if self.area is None else self.area[m],
        )

    @property
    def halo(self) -> float:
        return float(self.radius.max()) if len(self.radius) else 0.0


@dataclass(frozen=True)
class _Cells:
    """A block of cells (a tile, or the whole grid): positions, ids, centroids, geometry."""

    index: IntArray
    ids: ObjArray
    xy: FloatArray
    geom: ObjArray
    area: FloatArray
    grid: dict[str, Any] | None
    rc: IntArray | None = None  # (n, 2) lattice row and column of square cells
    full: npt.NDArray[np.bool_] | None = None  # square cells not clipped by the boundary
    box: FloatArray | None = None  # (n, 4) bounds of each cell

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        b = shapely.bounds(self.geom) if self.box is None else self.box
        return (
            float(np.nanmin(b[:, 0])),
            float(np.nanmin(b[:, 1])),
            float(np.nanmax(b[:, 2])),
            float(np.nanmax(b[:, 3])),
        )

    @property
    def size(self) -> float | None:
        """Side of the square lattice when the cells are squares on one, else None."""
        if self.rc is None or self.grid is None or self.grid.get("kind") != "square":
            return None
        return float(self.grid["cell_size"])

    def take(self, m: npt.NDArray[Any]) -> _Cells:
        return _Cells(
            self.index[m],
            self.ids[m],
            self.xy[m],
            self.geom[m],
            self.area[m],
            self.grid,
            None if self.rc is None else self.rc[m],
            None if self.full is None else self.full[m],
            None if self.box is None else self.box[m],
        )

    @cached_property
    def lattice(self) -> tuple[int, int, int, IntArray]:
        """:meth:`lookup`, computed once per block."""
        return self.lookup()

    def lookup(self) -> tuple[int, int, int, IntArray]:
        """(first row, first column, columns, position by (row - r0) * columns + col - c0; -1 none)."""
        assert self.rc is not None
        if len(self.rc) == 0:
            return 0, 0, 1, np.full(1, -1, dtype=np.int64)
        r0, c0 = (int(v) for v in self.rc.min(axis=0))
        r1, c1 = (int(v) for v in self.rc.max(axis=0))
        ncols = c1 - c0 + 1
        lut = np.full((r1 - r0 + 1) * ncols, -1, dtype=np.int64)
        lut[(self.rc[:, 0] - r0) * ncols + (self.rc[:, 1] - c0)] = np.arange(len(self.rc))
        return r0, c0, ncols, lut


def _decay(u: FloatArray, kind: str) -> FloatArray:
    """Kernel k(u) for u = d / R in [0, 1]."""
    if kind == "gaussian":
        return np.exp(-4.5 * u * u)
    if kind == "linear":
        return 1.0 - u
    if kind == "exponential":
        return np.exp(-3.0 * u)
    if kind == "step":
        return np.ones_like(u)
    raise ConfigError(f"unknown decay '{kind}'")


def _point_pairs(
    cell_xy: FloatArray, feat_xy: FloatArray, radius: FloatArray, ctree: cKDTree | None = None
) -> tuple[IntArray, IntArray, FloatArray]:
    """All (cell, feature, distance) with distance <= the feature's radius.

    Features are grouped by radius (bins of a quarter octave) so that a feature is
    never searched far beyond its own radius. ``ctree``, a k-d tree of ``cell_xy``, is
    built when not given (share it between layers).
    """
    empty = (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, float))
    if len(cell_xy) == 0 or len(feat_xy) == 0:
        return empty
    if ctree is None:
        ctree = cKDTree(cell_xy)
    ok = radius > 0
    bins = np.full(len(radius), -1, dtype=np.int64)
    bins[ok] = np.ceil(np.log2(radius[ok]) * 4).astype(np.int64)
    ci_all, fi_all, d_all = [], [], []
    for b in np.unique(bins[ok]):  # a handful of radius groups, not one per feature
        members = np.nonzero(bins == b)[0]
        rmax = float(radius[members].max())
        ftree = cKDTree(feat_xy[members])
        pairs = ftree.sparse_distance_matrix(ctree, rmax, output_type="ndarray")
        fi = members[pairs["i"]]
        keep = pairs["v"] <= radius[fi]
        ci_all.append(pairs["j"][keep].astype(np.int64))
        fi_all.append(fi[keep].astype(np.int64))
        d_all.append(pairs["v"][keep])
    if not ci_all:
        return empty
    return np.concatenate(ci_all), np.concatenate(fi_all), np.concatenate(d_all)


_PIECE_M = 2000.0
"""Polygons with many vertices are cut on a fixed 2 km lattice before meeting cells."""
_PIECE_VERTICES = 64


def _cut_pieces(geoms: ObjArray) -> tuple[ObjArray, IntArray]:
    """Cut large polygons on a fixed lattice (origin 0): (pieces, owner position).

    Intersecting a cell with a small piece is much cheaper than with a polygon of
    thousands of vertices; the pieces are disjoint, so areas add up exactly. The lattice
    is fixed, so the pieces do not depend on tiles.
    """
    n = len(geoms)
    big = (shapely.get_num_coordinates(geoms) > _PIECE_VERTICES) & np.isin(shapely.get_type_id(geoms), (3, 6))
    if not big.any():
        return geoms, np.arange(n, dtype=np.int64)
    b = shapely.bounds(geoms[big])
    c0 = np.floor(b[:, 0] / _PIECE_M).astype(np.int64)
    c1 = np.floor(b[:, 2] / _PIECE_M).astype(np.int64)
    r0 = np.floor(b[:, 1] / _PIECE_M).astype(np.int64)
    r1 = np.floor(b[:, 3] / _PIECE_M).astype(np.int64)
    nc, nr = c1 - c0 + 1, r1 - r0 + 1
    counts = nc * nr
    owner_big = np.repeat(np.nonzero(big)[0], counts)
    k = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    col = np.repeat(c0, counts) + k % np.repeat(nc, counts)
    row = np.repeat(r0, counts) + k // np.repeat(nc, counts)
    blocks = shapely.box(col * _PIECE_M, row * _PIECE_M, (col + 1) * _PIECE_M, (row + 1) * _PIECE_M)
    shapely.prepare(geoms[big])
    pieces = shapely.intersection(geoms[owner_big], blocks)
    keep = shapely.area(pieces) > 0
    small = np.nonzero(~big)[0]
    all_pieces = np.concatenate([geoms[small], pieces[keep]])
    owner = np.concatenate([small, owner_big[keep]]).astype(np.int64)
    order = np.argsort(owner, kind="stable")
    return all_pieces[order], owner[order]


def _merge_pairs(
    ci: IntArray, gi: IntArray, c: FloatArray, d: FloatArray
) -> tuple[IntArray, IntArray, FloatArray, FloatArray]:
    """Merge (cell, feature) pairs that came from several pieces: sum c, min d."""
    if len(ci) == 0:
        return ci, gi, c, d
    key = ci * (int(gi.max()) + 1) + gi
    uniq, inv = np.unique(key, return_inverse=True)
    inv = inv.ravel()
    csum = np.bincount(inv, weights=c, minlength=len(uniq))
    dmin = np.full(len(uniq), np.inf)
    np.minimum.at(dmin, inv, d)
    first = np.zeros(len(uniq), dtype=np.int64)
    first[inv[::-1]] = np.arange(len(inv))[::-1]
    return ci[first], gi[first], csum, dmin  # type: ignore[return-value]


def _polygon_pairs(
    cells: _Cells, geoms: ObjArray
) -> tuple[IntArray, IntArray, FloatArray, npt.NDArray[np.bool_]]:
    """(cell, feature, intersection area, cell wholly inside) for polygons meeting cells.

    Only pairs with a positive overlap are returned. Square cells take the lattice way
    (:func:`_lattice_pairs`); other cells (H3, custom grids) are intersected with shapely.
    """
    if len(cells.geom) == 0 or len(geoms) == 0:
        e = np.empty(0, np.int64)
        return e, e, np.empty(0, float), np.empty(0, bool)
    if cells.size is not None:
        return _lattice_pairs(cells, geoms)
    tree = shapely.STRtree(cells.geom)
    fi, ci = tree.query(geoms, predicate="intersects")
    fw, cw = tree.query(geoms, predicate="contains")
    n = len(cells.geom)
    whole = np.isin(fi * n + ci, fw * n + cw)
    area = np.empty(len(fi), dtype=float)
    area[whole] = cells.area[ci[whole]]
    part = ~whole
    area[part] = shapely.area(shapely.intersection(cells.geom[ci[part]], geoms[fi[part]]))
    ok = area > 0
    return ci[ok].astype(np.int64), fi[ok].astype(np.int64), area[ok], whole[ok]


def _overlap_fraction(u: FloatArray, v: FloatArray, h: float) -> FloatArray:
    """Mean of clamp(z, 0, h) for z running linearly from u to v (exact, no cancellation)."""
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    d = hi - lo
    flat = d <= 0
    dd = np.where(flat, 1.0, d)
    below = np.where(flat, (lo < 0).astype(float), np.clip(-lo / dd, 0.0, 1.0))
    above = np.where(flat, (hi > h).astype(float), np.clip((hi - h) / dd, 0.0, 1.0))
    middle = np.maximum(1.0 - below - above, 0.0)
    return above * h + middle * 0.5 * (np.clip(lo, 0.0, h) + np.clip(hi, 0.0, h))


def _lattice_pairs(
    cells: _Cells, geoms: ObjArray
) -> tuple[IntArray, IntArray, FloatArray, npt.NDArray[np.bool_]]:
    """Exact overlap areas of polygons with the squares of a lattice, without clipping.

    The area of polygon P inside the square [x0, x0 + s] x [y0, y0 + s] is, by Green's
    theorem, minus the sum over P's edges (exterior counter-clockwise, holes clockwise)
    of the integral along x of clamp(y_edge(x) - y0, 0, s) over the edge's x-range inside
    the column. An edge acts only on the column(s) it spans: fully (s x width) on the
    squares below it, partly on the squares it passes through, not at all above it. So
    each edge is cut by columns, the full parts are added with a running sum down each
    column of the polygon's bounding box, and the partial parts square by square: every
    square of the box gets its exact area, inside, outside or crossed, in numpy.
    Squares clipped by the city boundary that a polygon crosses are intersected with
    shapely (few of them).
    """
    size = cells.size
    assert size is not None and cells.full is not None
    r0, c0, ncols, lut = cells.lattice
    r1 = r0 + len(lut) // ncols - 1
    c1 = c0 + ncols - 1
    # Lattice box of each polygon, inside the cells' lattice range.
    b = shapely.bounds(geoms)
    pr0 = np.maximum(np.floor(b[:, 1] / size).astype(np.int64), r0)
    pr1 = np.minimum(np.ceil(b[:, 3] / size).astype(np.int64) - 1, r1)
    pc0 = np.maximum(np.floor(b[:, 0] / size).astype(np.int64), c0)
    pc1 = np.minimum(np.ceil(b[:, 2] / size).astype(np.int64) - 1, c1)
    ok = (pr1 >= pr0) & (pc1 >= pc0) & ~np.isnan(b).any(axis=1)
    pr0, pr1, pc0, pc1 = (np.where(ok, a, 0) for a in (pr0, pr1, pc0, pc1))
    pr1 = np.where(ok, pr1, -1)
    pc1 = np.where(ok, pc1, -1)
    nr = pr1 - pr0 + 2  # one spare slot per column ends the running sum
    nc = pc1 - pc0 + 1
    nslots = np.where(ok, nr * nc, 0)
    off = np.r_[0, np.cumsum(nslots)]
    total = int(off[-1])
    e = np.empty(0, np.int64)
    if total == 0:
        return e, e, np.empty(0, float), np.empty(0, bool)

    # Edges of the oriented rings, each with its polygon.
    parts, part_of = shapely.get_parts(shapely.orient_polygons(geoms[ok]), return_index=True)
    rings, ring_of = shapely.get_rings(parts, return_index=True)
    xy, pt_of = shapely.get_coordinates(rings, return_index=True)
    same = pt_of[1:] == pt_of[:-1]
    owner = np.nonzero(ok)[0][part_of[ring_of[pt_of[:-1][same]]]]
    x1, y1 = xy[:-1, 0][same], xy[:-1, 1][same]
    x2, y2 = xy[1:, 0][same], xy[1:, 1][same]
    slanted = x1 != x2  # vertical edges add nothing
    owner, x1, y1, x2, y2 = owner[slanted], x1[slanted], y1[slanted], x2[slanted], y2[slanted]
    sign = np.sign(x2 - x1)
    xl, xr = np.minimum(x1, x2), np.maximum(x1, x2)
    ea = np.maximum(np.floor(xl / size).astype(np.int64), pc0[owner])
    eb = np.minimum(np.ceil(xr / size).astype(np.int64) - 1, pc1[owner])
    cnt = np.maximum(eb - ea + 1, 0)
    # Edge pieces, one per column.
    ei = np.repeat(np.arange(len(owner)), cnt)
    col = np.repeat(ea, cnt) + (np.arange(int(cnt.sum())) - np.repeat(np.cumsum(cnt) - cnt, cnt))
    p = owner[ei]
    xa = np.maximum(xl[ei], col * size)
    xb = np.minimum(xr[ei], (col + 1) * size)
    width = xb - xa
    slope = (y2 - y1)[ei] / (x2 - x1)[ei]
    ya = y1[ei] + slope * (xa - x1[ei])
    yb = y1[ei] + slope * (xb - x1[ei])
    sw = sign[ei] * width
    lo = np.minimum(ya, yb)
    hi = np.maximum(ya, yb)
    ra = np.floor(lo / size).astype(np.int64)  # rows below ra: the whole column width
    rb = np.ceil(hi / size).astype(np.int64) - 1  # rows ra..rb: crossed
    col_base = off[p] + (col - pc0[p]) * nr[p] - pr0[p]  # slot of (row, col) = col_base + row
    acc = np.zeros(total)
    # Full parts: + s x width from the box's first row up to row ra - 1 (running sum).
    stop = np.minimum(ra, pr1[p] + 1)
    full_part = stop > pr0[p]
    fb = col_base[full_part]
    np.add.at(acc, fb + pr0[p][full_part], sw[full_part] * size)
    np.add.at(acc, fb + stop[full_part], -sw[full_part] * size)
    acc = np.cumsum(acc)
    # remove what earlier columns left (they sum to zero up to rounding)
    col_start = _column_starts(off, nr, nc, ok)
    acc -= np.repeat(np.r_[0.0, acc[col_start[1:] - 1]], np.diff(np.r_[col_start, total]))
    # Crossed parts: square by square.
    qa = np.maximum(ra, pr0[p])
    qb = np.minimum(rb, pr1[p])
    qn = np.maximum(qb - qa + 1, 0)
    qi = np.repeat(np.arange(len(p)), qn)
    row = np.repeat(qa, qn) + (np.arange(int(qn.sum())) - np.repeat(np.cumsum(qn) - qn, qn))
    y0 = row * size
    val = sw[qi] * _overlap_fraction(ya[qi] - y0, yb[qi] - y0, size)
    acc += np.bincount(col_base[qi] + row, weights=val, minlength=total)
    area_all = -acc

    # Slots -> (cell, polygon) pairs with a positive area.
    full_area = size * size
    slot = np.nonzero(area_all > 0)[0]
    poly = np.searchsorted(off, slot, side="right") - 1
    k = slot - off[poly]
    cc = pc0[poly] + k // nr[poly]
    rr = pr0[poly] + k % nr[poly]
    inside = rr <= pr1[poly]  # not the spare slot
    slot, poly, cc, rr = slot[inside], poly[inside], cc[inside], rr[inside]
    ci = lut[(rr - r0) * ncols + (cc - c0)]
    has = ci >= 0
    ci, fi, a = ci[has], poly[has], area_all[slot[has]]
    # Rounding leaves about 1e-12 of a square: below 1e-9 a square counts as untouched
    # (clipped cells, which can be far smaller than a square, are checked with shapely).
    is_full = cells.full[ci]
    real = ~is_full | (a > 1e-9 * full_area)
    ci, fi, a, is_full = ci[real], fi[real], a[real], is_full[real]
    whole = a >= (1.0 - 1e-9) * full_area
    a = np.where(whole, cells.area[ci], a)
    # Clipped cells a polygon crosses: shapely.
    clip = ~is_full & ~whole
    if clip.any():
        a[clip] = shapely.area(shapely.intersection(cells.geom[ci[clip]], geoms[fi[clip]]))
        inner = clip & (a >= (1.0 - 1e-9) * cells.area[ci])
        whole[inner] = True
        a[inner] = cells.area[ci[inner]]
    pos = a > 0
    order = np.lexsort((ci[pos], fi[pos]))
    return ci[pos][order], fi[pos][order], a[pos][order], whole[pos][order]


def _column_starts(off: IntArray, nr: IntArray, nc: IntArray, ok: npt.NDArray[np.bool_]) -> IntArray:
    """First slot of every column of every polygon box (boxes laid out column by column)."""
    nc_ok = np.where(ok, nc, 0)
    k = np.arange(int(nc_ok.sum())) - np.repeat(np.cumsum(nc_ok) - nc_ok, nc_ok)
    return np.repeat(off[:-1], nc_ok) + k * np.repeat(nr, nc_ok)


def _zone_distance(xy: FloatArray, fi: IntArray, geoms: ObjArray, owner: IntArray) -> FloatArray:
    """Distance from each point to the whole zone that piece ``fi`` was cut from.

    The nearest point of the zone is no farther than the piece, so only the pieces of
    the same zone within that distance are measured.
    """
    pts = shapely.points(xy)
    d = shapely.distance(pts, geoms[fi])
    multi = np.bincount(owner)[owner[fi]] > 1  # zones cut into several pieces
    if multi.any():
        sel = np.nonzero(multi)[0]
        qi, gj = shapely.STRtree(geoms).query(pts[sel], predicate="dwithin", distance=d[sel])
        same = (owner[gj] == owner[fi[sel[qi]]]) & (gj != fi[sel[qi]])
        if same.any():
            np.minimum.at(d, sel[qi[same]], shapely.distance(pts[sel[qi[same]]], geoms[gj[same]]))
    return d  # type: ignore[no-any-return]


def _top_k(
    ci: IntArray, fi: IntArray, c: FloatArray, d: FloatArray, *, n: int, k: int
) -> tuple[IntArray, FloatArray, FloatArray]:
    """Per cell, the k largest contributions: feature index (-1 if none), value, distance."""
    idx = np.full((n, k), -1, dtype=np.int64)
    val = np.zeros((n, k), dtype=float)
    dist = np.full((n, k), np.nan, dtype=float)
    if len(ci) == 0:
        return idx, val, dist
    order = np.lexsort((fi, -c, ci))  # by cell, then contribution descending (ties: feature)
    ci_s = ci[order]
    starts = np.r_[0, np.flatnonzero(np.diff(ci_s)) + 1]
    counts = np.diff(np.r_[starts, len(ci_s)])
    rank = np.arange(len(ci_s)) - np.repeat(starts, counts)
    keep = rank < k
    sel = order[keep]
    idx[ci[sel], rank[keep]] = fi[sel]
    val[ci[sel], rank[keep]] = c[sel]
    dist[ci[sel], rank[keep]] = d[sel]
    return idx, val, dist


def _global(ti: IntArray, index: IntArray) -> IntArray:
    """Tile-local feature positions -> positions in the layer (-1 stays -1)."""
    if len(index) == 0:
        return np.full_like(ti, -1)
    out = ti.copy()
    ok = ti >= 0
    out[ok] = index[ti[ok]]
    return out


def _points_to_cells(cells: _Cells, xy: FloatArray) -> IntArray:
    """Position (in ``cells``) of the cell each point falls in, -1 if none of these cells.

    With a grid record (square or H3) each point has exactly one cell, so a point on an
    edge shared by two tiles is counted once. Without one, the first containing cell.
    """
    if len(xy) == 0:
        return np.empty(0, np.int64)
    size = cells.size
    if size is not None:
        r0, c0, ncols, lut = cells.lattice
        rows = np.floor(xy[:, 1] / size).astype(np.int64) - r0
        cols = np.floor(xy[:, 0] / size).astype(np.int64) - c0
        nrows = len(lut) // ncols
        inside = (rows >= 0) & (rows < nrows) & (cols >= 0) & (cols < ncols)
        return np.where(inside, lut[np.where(inside, rows * ncols + cols, 0)], -1)
    if cells.grid is not None:
        keys = cell_keys_of_points(xy[:, 0], xy[:, 1], cells.grid)
        return pd.Index(cells.ids).get_indexer(keys).astype(np.int64)  # type: ignore[arg-type]
    tree = shapely.STRtree(cells.geom)
    pi, ci = tree.query(shapely.points(xy), predicate="intersects")
    out = np.full(len(xy), -1, dtype=np.int64)
    first_p, first = np.unique(pi, return_index=True)
    out[first_p] = ci[first]
    return out


def _tile_fields(cells: _Cells, layers: list[_Features], k: int) -> dict[str, Any]:
    """Fields of one tile from its cells and the features in its halo (a pure function).

    Returns a dict with ``raw`` (layer -> per-cell raw value), ``top`` (hazard layer ->
    top-k feature positions, contributions, distances) and ``reach`` (layer -> distance
    to the nearest feature, inf beyond the halo).
    """
    n = len(cells.index)
    raw: dict[str, FloatArray] = {}
    top: dict[str, tuple[IntArray, FloatArray, FloatArray]] = {}
    reach: dict[str, FloatArray] = {}
    ctree = cKDTree(cells.xy) if n and any(f.method == "kernel" and len(f.xy) for f in layers) else None
    for f in layers:
        if f.method == "kernel":
            ci, fi, d = _point_pairs(cells.xy, f.xy, f.radius, ctree)
            c = f.value[fi] * _decay(d / f.radius[fi], f.decay)
            raw[f.name] = np.bincount(ci, weights=c, minlength=n)  # type: ignore[assignment]
            if f.role == "hazard":
                ti, tv, td = _top_k(ci, fi, c, d, n=n, k=k)
                top[f.name] = (_global(ti, f.index), tv, td)
        elif f.method == "overlap":
            assert f.geom is not None
            ci, fi, a, whole = _polygon_pairs(cells, f.geom)
            c = f.value[fi] * a / cells.area[ci]
            raw[f.name] = np.bincount(ci, weights=c, minlength=n)  # type: ignore[assignment]
            if f.role == "hazard":
                # distance from the cell centre to the zone (0 when the cell is inside it)
                d = np.zeros(len(ci))
                part = ~whole
                d[part] = _zone_distance(cells.xy[ci[part]], fi[part], f.geom, f.index)
                mci, mgi, mc, md = _merge_pairs(ci, f.index[fi], c, d)
                top[f.name] = _top_k(mci, mgi, mc, md, n=n, k=k)
        elif f.method == "population":
            total = np.zeros(n)
            pts = f.is_point
            if pts.any():
                where = _points_to_cells(cells, f.xy[pts])
                ok = where >= 0
                total += np.bincount(where[ok], weights=f.value[pts][ok], minlength=n)
            if (~pts).any():
                assert f.geom is not None and f.area is not None
                poly = np.nonzero(~pts)[0]
                ci, fi, a, _ = _polygon_pairs(cells, f.geom[poly])
                share = a / f.area[poly][fi]
                total += np.bincount(ci, weights=f.value[poly][fi] * share, minlength=n)
            raw[f.name] = total
        elif f.method == "reach":
            if len(f.xy) == 0 or n == 0:
                reach[f.name] = np.full(n, np.inf)
            else:
                d, _ = cKDTree(f.xy).query(cells.xy, k=1, distance_upper_bound=max(f.halo, 0.0))
                reach[f.name] = np.asarray(d, dtype=float)
    return {"raw": raw, "top": top, "reach": reach}


def _tile_access(
    cells: _Cells, demand_xy: FloatArray, demand_pop: FloatArray, shelters: _Features
) -> FloatArray:
    """Two-step floating catchment accessibility (m² per person) of one tile's cells.

    ``demand_xy``/``demand_pop`` are the centroids and populations of the cells within
    twice the largest shelter radius of the tile (the second halo); ``shelters`` are the
    shelters within their radius of the tile. A pure function.
    """
    n = len(cells.index)
    if n == 0 or len(shelters.xy) == 0:
        return np.zeros(n)
    ci, fi, _ = _point_pairs(demand_xy, shelters.xy, shelters.radius)
    demand = np.bincount(fi, weights=demand_pop[ci], minlength=len(shelters.xy))
    ratio = shelters.value / np.maximum(demand, _MIN_DEMAND)
    ci2, fi2, _ = _point_pairs(cells.xy, shelters.xy, shelters.radius)
    return np.bincount(ci2, weights=ratio[fi2], minlength=n)  # type: ignore[return-value]


# --------------------------------------------------------------------------------------
# Preparing layers
# --------------------------------------------------------------------------------------


def _representative_xy(geoms: ObjArray) -> FloatArray:
    pts = np.where(shapely.get_type_id(geoms) == 0, geoms, shapely.point_on_surface(geoms))
    return shapely.get_coordinates(pts).reshape(-1, 2)


def _reach_halo(kind: LayerKind, method: MethodConfig) -> tuple[str, float, float, float]:
    """(unit, full, zero, halo distance m) of a reach layer."""
    p = kind.params
    if "full_min" in p or "zero_min" in p:
        full = p.get("full_min", method.fire_target_min)
        zero = p.get("zero_min", 3.0 * method.fire_target_min)
        speed = p.get("speed_kmh", method.fire_speed_kmh) * 1000.0 / 60.0  # m per minute
        turnout = p.get("turnout_min", method.fire_turnout_min)
        detour = p.get("detour_factor", method.detour_factor)
        halo = max(zero - turnout, 0.0) * speed / detour
        return "min", full, zero, halo
    full = p.get("full_m", _REACH_DEFAULT_FULL_M)
    zero = p.get("zero_m", _REACH_DEFAULT_ZERO_M)
    return "m", full, zero, zero


def _prepare(layer: Layer, method: MethodConfig) -> _Features:
    kind = layer.kind
    gdf = layer.gdf
    geoms_all = np.asarray(gdf.geometry.values, dtype=object)
    valid = ~(shapely.is_missing(geoms_all) | shapely.is_empty(geoms_all))
    index = np.nonzero(valid)[0].astype(np.int64)
    geoms = geoms_all[valid]
    sub = gdf.iloc[index]
    n = len(index)
    is_point = np.isin(shapely.get_type_id(geoms), (0, 4))
    xy = _representative_xy(geoms) if n else np.empty((0, 2))
    radius = np.zeros(n)
    geom: ObjArray | None = None
    area: FloatArray | None = None
    decay = kind.decay
    if kind.method == "kernel":
        assert kind.intensity is not None and kind.radius is not None
        value = rule_values(kind.intensity, sub)
        radius = rule_values(kind.radius, sub)
        keep = (value > 0) & (radius > 0)
    elif kind.method == "overlap":
        value = rule_values(kind.intensity, sub) if kind.intensity else np.ones(n)
        polygonal = np.isin(shapely.get_type_id(geoms), (3, 6))
        geom = geoms.copy()
        if (~polygonal).any():
            geom[~polygonal] = shapely.buffer(geoms[~polygonal], kind.buffer_m)
        keep = (value > 0) & (shapely.area(geom) > 0)
        is_point = np.zeros(n, dtype=bool)
    elif kind.method == "population":
        value = pd.to_numeric(sub.get("count"), errors="coerce").to_numpy(dtype=float)
        value = np.nan_to_num(value, nan=0.0)
        geom = geoms
        area = shapely.area(geoms)
        is_point = is_point | (area <= 0)
        keep = value > 0
    elif kind.method == "shelter":
        value = np.nan_to_num(pd.to_numeric(sub.get("area_m2"), errors="coerce").to_numpy(dtype=float))
        radii = method.shelter_radius_m
        fallback = max(radii.values()) if radii else 2000.0
        types = sub["type"].astype(str).str.strip() if "type" in sub else pd.Series([""] * n)
        radius = types.map(radii).fillna(fallback).to_numpy(dtype=float)  # type: ignore[assignment]
        keep = value > 0
    elif kind.method == "reach":
        value = np.ones(n)
        _, _, _, halo = _reach_halo(kind, method)
        radius = np.full(n, halo)
        keep = np.ones(n, dtype=bool)
    else:
        raise ConfigError(f"layer '{layer.name}': method '{kind.method}' does not act on the risk")
    index, xy, is_point, value, radius = index[keep], xy[keep], is_point[keep], value[keep], radius[keep]
    if geom is not None:
        geom = geom[keep]
        area = None if area is None else area[keep]
        poly = ~is_point
        pieces, owner = _cut_pieces(geom[poly])
        rows = np.concatenate([np.nonzero(~poly)[0], np.nonzero(poly)[0][owner]])
        geom = np.concatenate([geom[~poly], pieces])
        index, xy, is_point, value, radius = index[rows], xy[rows], is_point[rows], value[rows], radius[rows]
        area = None if area is None else area[rows]
    if geom is not None:
        b = shapely.bounds(geom)
        b = np.where(np.isnan(b), np.c_[xy, xy], b)
    else:
        b = np.c_[xy, xy]
    if kind.method in {"kernel", "shelter", "reach"}:
        b = np.c_[xy - radius[:, None], xy + radius[:, None]]
    return _Features(
        name=layer.name,
        kind=kind.kind,
        role=kind.role,
        method=kind.method,
        index=index,
        xy=xy,
        geom=geom,
        is_point=is_point,
        value=value,
        radius=radius,
        bounds=b,
        decay=decay,
        area=area,
    )


# --------------------------------------------------------------------------------------
# Fields
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LayerInfo:
    """What the engine knows about one bound layer.

    Attributes
    ----------
    name : binding name.
    kind : layer kind name.
    role, method : from the kind.
    reference : the kind's saturation reference (None for capacity layers).
    ids, names : feature ``id`` and ``name`` (object arrays, positions as in the layer).
    unit : for capacity layers, the unit of ``Fields.access`` (``m2/person``, ``min``, ``m``).
    full, zero : for reach layers, where the score is 1 and 0.
    """

    name: str
    kind: str
    role: str
    method: str
    reference: float | None
    ids: ObjArray
    names: ObjArray
    unit: str = ""
    full: float = 0.0
    zero: float = 0.0


@dataclass(frozen=True)
class Fields:
    """Weight-free per-cell fields of a project on a grid (the expensive stage).

    Attributes
    ----------
    cells : the grid (cell_id, district, adcode, area_m2, x, y, geometry), working CRS.
    project : the project configuration.
    kinds : layer kinds by name.
    layers : :class:`LayerInfo` of every layer that acts on the risk, in project order.
    raw : binding -> per-cell raw value (hazard/exposure kernel sum, overlap sum, people).
    top : hazard binding -> (feature positions (n, k), contributions (n, k), distances (n, k)).
    population : people per cell (sum of the exposure ``population`` layers).
    access : capacity binding -> per-cell value (shelter m² per person, reach minutes or
        metres to the nearest feature, inf beyond the halo).
    capacity : capacity binding -> per-cell score in [0, 1].
    contributors : per-cell JSON text of the top contributing hazard features (a pandas
        string array).
    missing : components that no usable layer informs.
    timings : seconds per stage.
    file_hashes : input file hashes (from ProjectData).
    data : the project data the fields were computed from (its layers, districts,
        boundary), so that an :class:`Assessment` carries everything its products need.
    """

    cells: gpd.GeoDataFrame
    project: Project
    kinds: dict[str, LayerKind]
    layers: tuple[LayerInfo, ...]
    raw: dict[str, FloatArray]
    top: dict[str, tuple[IntArray, FloatArray, FloatArray]]
    population: FloatArray
    access: dict[str, FloatArray]
    capacity: dict[str, FloatArray]
    contributors: Any
    missing: tuple[str, ...]
    timings: dict[str, float] = field(default_factory=dict)
    file_hashes: dict[str, str] = field(default_factory=dict)
    data: ProjectData | None = None

    def by_role(self, role: str) -> list[LayerInfo]:
        return [lyr for lyr in self.layers if lyr.role == role]

    @cached_property
    def _scaled(self) -> dict[str, Any]:
        """The weight-free terms of :func:`score`, computed once and reused on rescoring.

        ``x/<layer>``: raw / reference (hazard, exposure: population density per km²),
        ``share/<layer>``, ``density/<layer>`` of vulnerable people, ``vulnerable``, and
        ``shortfall/<kind>``: capacity kinds whose best score is below the method's
        ``shortfall_below``.
        """
        n = len(self.cells)
        area_km2 = np.maximum(self.cells["area_m2"].to_numpy(float) / 1e6, 1e-12)
        out: dict[str, Any] = {}
        for i in self.by_role("hazard"):
            out[f"x/{i.name}"] = self.raw[i.name] / (i.reference or 1.0)
        for i in self.by_role("exposure"):
            x = self.raw[i.name] / area_km2 if i.method == "population" else self.raw[i.name]
            out[f"x/{i.name}"] = x / (i.reference or 1.0)
        vulnerable = np.zeros(n)
        pop = self.population
        for i in self.by_role("vulnerability"):
            cnt = self.raw[i.name]
            vulnerable = vulnerable + cnt
            both = np.maximum(pop, cnt)
            share = np.divide(cnt, both, out=np.zeros(n), where=both > 0)
            out[f"share/{i.name}"] = share / (i.reference or 1.0)
            out[f"density/{i.name}"] = cnt / area_km2
        out["vulnerable"] = vulnerable
        cap = self.by_role("capacity")
        below = self.project.method.shortfall_below
        for kname in sorted({i.kind for i in cap}):
            best = np.max([self.capacity[i.name] for i in cap if i.kind == kname], axis=0)
            out[f"shortfall/{kname}"] = best < below
        return out


def _store(
    part: dict[str, Any],
    pos: IntArray,
    raw: dict[str, FloatArray],
    top: dict[str, tuple[IntArray, FloatArray, FloatArray]],
    reach: dict[str, FloatArray],
) -> None:
    """Write one tile's results into the city-wide arrays (at the tile's cell positions)."""
    for name, v in part["raw"].items():
        raw[name][pos] = v
    for name, (ti, tv, td) in part["top"].items():
        top[name][0][pos], top[name][1][pos], top[name][2][pos] = ti, tv, td
    for name, v in part["reach"].items():
        reach[name][pos] = v


def _cells_block(cells: gpd.GeoDataFrame) -> _Cells:
    geom = np.asarray(cells.geometry.values, dtype=object)
    area = cells["area_m2"].to_numpy(float)
    grid = cells.attrs.get("grid")
    box = shapely.bounds(geom)
    rc = full = None
    if grid is not None and grid.get("kind") == "square" and len(geom) and not np.isnan(box).any():
        size = float(grid["cell_size"])
        # The centre of a cell's bounds lies inside its lattice square, clipped or not.
        rc = np.c_[
            np.floor((box[:, 1] + box[:, 3]) / (2.0 * size)),
            np.floor((box[:, 0] + box[:, 2]) / (2.0 * size)),
        ].astype(np.int64)
        # A 4-corner polygon with the whole area of its square is that square.
        full = (shapely.get_num_coordinates(geom) == 5) & (np.abs(area - size * size) <= 1e-9 * size * size)
    return _Cells(
        index=np.arange(len(cells), dtype=np.int64),
        ids=cells["cell_id"].to_numpy(dtype=object),
        xy=np.c_[cells["x"].to_numpy(float), cells["y"].to_numpy(float)],
        geom=geom,
        area=area,
        grid=grid,
        rc=rc,
        full=full,
        box=box,
    )


def _tiles(block: _Cells, tile_size: float | None) -> list[IntArray]:
    if tile_size is None or len(block.index) == 0:
        return [block.index]
    t = np.floor(block.xy / float(tile_size)).astype(np.int64)
    _, inverse = np.unique(t, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    order = np.argsort(inverse, kind="stable")
    starts = np.r_[0, np.flatnonzero(np.diff(inverse[order])) + 1, len(order)]
    return [order[starts[i] : starts[i + 1]] for i in range(len(starts) - 1)]


def _grow(box: tuple[float, float, float, float], by: float) -> tuple[float, float, float, float]:
    return (box[0] - by, box[1] - by, box[2] + by, box[3] + by)


def _layer_info(layer: Layer, method: MethodConfig) -> LayerInfo:
    """What the fields keep of a layer acting on risk (ids, names, reach unit and scale)."""
    kind = layer.kind
    if (kind.role, kind.method) not in _SUPPORTED:
        raise ConfigError(
            f"layer '{layer.name}' (kind '{kind.kind}'): role '{kind.role}' with method "
            f"'{kind.method}' is not supported"
        )
    gdf = layer.gdf
    ids = gdf["id"].astype(str).to_numpy(dtype=object) if "id" in gdf else np.arange(len(gdf)).astype(str).astype(object)
    names = gdf["name"].fillna("").astype(str).to_numpy(dtype=object) if "name" in gdf else np.full(len(gdf), "", dtype=object)
    unit, full, zero = "m2/person" if kind.method == "shelter" else "", 0.0, 0.0
    if kind.method == "reach":
        unit, full, zero, _ = _reach_halo(kind, method)
    return LayerInfo(layer.name, kind.kind, kind.role, kind.method, kind.reference, ids, names, unit, full, zero)


def _shelter_access(
    block: _Cells, tiles: list[IntArray], population: FloatArray, f: _Features, progress: Progress | None = None
) -> FloatArray:
    """Shelter area reachable per person of each cell, tile by tile (see :func:`_tile_access`)."""
    a = np.zeros(len(block.index))
    for i, pos in enumerate(tiles):
        tile = block.take(pos)
        near = _grow(tile.bounds, 2.0 * f.halo)
        dm = (
            (block.xy[:, 0] >= near[0])
            & (block.xy[:, 0] <= near[2])
            & (block.xy[:, 1] >= near[1])
            & (block.xy[:, 1] <= near[3])
        )
        a[pos] = _tile_access(tile, block.xy[dm], population[dm], f.select(tile.bounds))
        if progress:
            progress(f"shelters ({f.name})", i + 1, len(tiles))
    return a


def _reach_capacity(
    info: LayerInfo, d: FloatArray, data: ProjectData, method: MethodConfig
) -> tuple[FloatArray, FloatArray]:
    """Access value (minutes or metres) and capacity score of a reach layer from distances ``d``."""
    if info.unit == "min":
        p = data.layers[info.name].kind.params
        speed = p.get("speed_kmh", method.fire_speed_kmh) * 1000.0 / 60.0
        turnout = p.get("turnout_min", method.fire_turnout_min)
        detour = p.get("detour_factor", method.detour_factor)
        value = turnout + detour * d / speed
    else:
        value = d
    span = info.zero - info.full
    score = np.clip((info.zero - value) / span, 0.0, 1.0) if span > 0 else (value <= info.full).astype(float)
    return value, score


def _missing_components(infos: list[LayerInfo]) -> tuple[str, ...]:
    """Risk components no layer of ``infos`` feeds."""
    roles = {info.role for info in infos}
    return tuple(
        c
        for c, role in zip(COMPONENTS, ("hazard", "exposure", "vulnerability", "capacity"), strict=True)
        if role not in roles
    )


def compute_fields(
    data: ProjectData,
    cells: gpd.GeoDataFrame,
    *,
    tile_size: float | None = None,
    progress: Progress | None = None,
) -> Fields:
    """Per-layer influence fields on grid cells (the expensive, weight-free stage).

    Parameters
    ----------
    data
        The project with its layers read, in the working CRS.
    cells
        Grid from :func:`riskmap.engine.grid.build_grid` (same CRS).
    tile_size
        Side in metres of the square tiles the cells are processed in; None for one
        tile. Each tile reads only the features within its halo; results are the same.
    progress
        Called as ``progress(stage, done, total)`` after each tile.

    Returns
    -------
    Fields
    """
    t0 = time.perf_counter()
    method = data.project.method
    k = method.top_contributors
    infos: list[LayerInfo] = []
    feats: list[_Features] = []
    for layer in data.layers.values():
        kind = layer.kind
        if kind.role == "context" or kind.method == "none":
            continue
        infos.append(_layer_info(layer, method))
        feats.append(_prepare(layer, method))
    t_prep = time.perf_counter()

    block = _cells_block(cells)
    n = len(block.index)
    tiles = _tiles(block, tile_size)
    raw = {f.name: np.zeros(n) for f in feats if f.method in {"kernel", "overlap", "population"}}
    top = {
        f.name: (np.full((n, k), -1, np.int64), np.zeros((n, k)), np.full((n, k), np.nan))
        for f in feats
        if f.role == "hazard"
    }
    reach_d = {f.name: np.full(n, np.inf) for f in feats if f.method == "reach"}
    field_feats = [f for f in feats if f.method != "shelter"]
    def run(pos: IntArray) -> dict[str, Any]:
        tile = block.take(pos)
        return _tile_fields(tile, [f.select(tile.bounds) for f in field_feats], k)

    # Tiles are independent; shapely and scipy release the GIL, so two threads help.
    with ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
        parts = pool.map(run, tiles)
        for i, (pos, part) in enumerate(zip(tiles, parts, strict=True)):
            _store(part, pos, raw, top, reach_d)
            if progress:
                progress("fields", i + 1, len(tiles))
    t_fields = time.perf_counter()

    population = np.zeros(n)
    for f in feats:
        if f.role == "exposure" and f.method == "population":
            population = population + raw[f.name]

    access: dict[str, FloatArray] = {}
    capacity: dict[str, FloatArray] = {}
    shelters = [f for f in feats if f.method == "shelter"]
    for f in shelters:
        access[f.name] = a = _shelter_access(block, tiles, population, f, progress)
        capacity[f.name] = np.minimum(a / method.shelter_area_per_person_m2, 1.0)
    for info in infos:
        if info.method == "reach":
            access[info.name], capacity[info.name] = _reach_capacity(info, reach_d[info.name], data, method)
    t_access = time.perf_counter()

    missing = _missing_components(infos)
    contributors = _contributors_json(infos, top, k, n)
    t_end = time.perf_counter()
    return Fields(
        cells=cells,
        project=data.project,
        kinds={**data.kinds, **{lyr.kind.kind: lyr.kind for lyr in data.layers.values()}},
        layers=tuple(infos),
        raw=raw,
        top=top,
        population=population,
        access=access,
        capacity=capacity,
        contributors=contributors,
        missing=missing,
        timings={
            "prepare_layers": t_prep - t0,
            "fields": t_fields - t_prep,
            "capacity": t_access - t_fields,
            "contributors": t_end - t_access,
        },
        file_hashes=dict(data.file_hashes),
        data=data,
    )


def recompute_capacity(fields: Fields, data: ProjectData, *, tile_size: float | None = None) -> Fields:
    """The fields with only the capacity part computed again, from ``data``.

    For a change to capacity layers alone (a proposed shelter or fire station, see
    :func:`riskmap.products.whatif.apply_proposals`): shelter accessibility and the reach of
    every capacity layer of ``data`` are computed on the same cells; the hazard,
    exposure and vulnerability fields, the population and the contributors of
    ``fields`` are kept. The result equals ``compute_fields(data, fields.cells)`` when
    the other layers of ``data`` are those ``fields`` were computed from, at a fraction
    of the time (no kernel sums, overlaps or contributors).

    Parameters
    ----------
    fields
        Fields of the project before the change.
    data
        The changed project; its hazard, exposure and vulnerability layers must be the
        ones of ``fields`` (same names, same data).
    tile_size
        As for :func:`compute_fields` (results do not depend on it).

    Returns
    -------
    Fields

    Raises
    ------
    ValueError
        The layers other than capacity differ from those of ``fields`` (by name or kind):
        use :func:`compute_fields`.
    ConfigError
        A capacity layer's method is not supported.
    """
    t0 = time.perf_counter()
    method = data.project.method
    kept = {info.name: info for info in fields.layers if info.role != "capacity"}
    acting = [lyr for lyr in data.layers.values() if lyr.kind.role != "context" and lyr.kind.method != "none"]
    others = [(lyr.name, lyr.kind.kind) for lyr in acting if lyr.kind.role != "capacity"]
    if others != [(i.name, i.kind) for i in kept.values()]:
        raise ValueError("only capacity layers may differ from the fields' layers; use compute_fields")
    infos: list[LayerInfo] = []
    feats: list[_Features] = []
    for layer in acting:
        kind = layer.kind
        if kind.role != "capacity":
            infos.append(kept[layer.name])
            continue
        infos.append(_layer_info(layer, method))
        feats.append(_prepare(layer, method))

    block = _cells_block(fields.cells)
    n = len(block.index)
    tiles = _tiles(block, tile_size)
    population = fields.population
    reach_feats = [f for f in feats if f.method == "reach"]
    reach_d = {f.name: np.full(n, np.inf) for f in reach_feats}
    for pos in tiles if reach_feats else []:
        tile = block.take(pos)
        part = _tile_fields(tile, [f.select(tile.bounds) for f in reach_feats], method.top_contributors)
        for name, v in part["reach"].items():
            reach_d[name][pos] = v

    access: dict[str, FloatArray] = {}
    capacity: dict[str, FloatArray] = {}
    for f in (f for f in feats if f.method == "shelter"):
        access[f.name] = a = _shelter_access(block, tiles, population, f)
        capacity[f.name] = np.minimum(a / method.shelter_area_per_person_m2, 1.0)
    for info in infos:
        if info.role == "capacity" and info.method == "reach":
            access[info.name], capacity[info.name] = _reach_capacity(info, reach_d[info.name], data, method)
    missing = _missing_components(infos)
    timings = {k: v for k, v in fields.timings.items() if k != "capacity"}
    return replace(
        fields,
        project=data.project,
        kinds={**data.kinds, **{lyr.kind.kind: lyr.kind for lyr in data.layers.values()}},
        layers=tuple(infos),
        access=access,
        capacity=capacity,
        missing=missing,
        timings={**timings, "capacity": time.perf_counter() - t0},
        file_hashes=dict(data.file_hashes),
        data=data,
    )


def _top_across(
    infos: list[LayerInfo], top: dict[str, tuple[IntArray, FloatArray, FloatArray]], k: int
) -> tuple[IntArray, IntArray, FloatArray, FloatArray]:
    """Top-k contributing features across hazard layers, ranked by contribution / reference.

    Returns (layer position in ``hz``, feature position, contribution, distance), (n, k)
    each; layer position -1 where there is none.
    """
    hz = [i for i in infos if i.role == "hazard"]
    if not hz:
        return (np.empty((0, k), np.int64),) * 2 + (np.empty((0, k)),) * 2  # type: ignore[return-value]
    n = len(top[hz[0].name][0])
    cells, cols, feats, vals, dists, keys = [], [], [], [], [], []
    for pos, info in enumerate(hz):
        fidx, val, dist = top[info.name]
        r, s = np.nonzero(fidx >= 0)  # only the contributions there are (sparse)
        cells.append(r)
        cols.append(pos * k + s)
        feats.append(fidx[r, s])
        vals.append(val[r, s])
        dists.append(dist[r, s])
        keys.append(val[r, s] / (info.reference or 1.0))
    ci, col = np.concatenate(cells), np.concatenate(cols)
    fi, v, d, key = np.concatenate(feats), np.concatenate(vals), np.concatenate(dists), np.concatenate(keys)
    # By cell, then key descending; ties go to the earlier layer and rank.
    order = np.lexsort((col, -key, ci))
    ci_s = ci[order]
    starts = np.r_[0, np.flatnonzero(np.diff(ci_s)) + 1] if len(ci_s) else np.empty(0, np.int64)
    counts = np.diff(np.r_[starts, len(ci_s)])
    rank = np.arange(len(ci_s)) - np.repeat(starts, counts)
    keep = rank < k
    sel, rk, c = order[keep], rank[keep], ci_s[keep]
    li = np.full((n, k), -1, dtype=np.int64)
    fo = np.full((n, k), -1, dtype=np.int64)
    vo = np.zeros((n, k))
    do = np.full((n, k), np.nan)
    li[c, rk] = col[sel] // k
    fo[c, rk] = fi[sel]
    vo[c, rk] = v[sel]
    do[c, rk] = d[sel]
    return li, fo, vo, do


def _contributors_json(
    infos: list[LayerInfo], top: dict[str, tuple[IntArray, FloatArray, FloatArray]], k: int, n: int
) -> Any:
    """Per-cell JSON list of the top contributing hazard features (a pandas ``str`` array).

    Built column-wise with Arrow string kernels: one JSON head per feature, then per
    rank a take of the heads and a join with the formatted distance and contribution.
    """
    hz = [i for i in infos if i.role == "hazard"]
    if not hz or n == 0:
        return pd.array(np.full(n, "[]", dtype=object), dtype="str")
    li, fi, val, dist = _top_across(infos, top, k)
    # One JSON head per feature, e.g. {"layer":"hazmat","kind":"...","id":"A1","name":"..."
    heads = []
    offsets = [0]
    for info in hz:
        h = (
            '{"layer":' + json.dumps(info.name) + ',"kind":' + json.dumps(info.kind) + ',"id":'
            + pd.Series(info.ids, dtype=object).map(json.dumps)
            + ',"name":'
            + pd.Series(info.names, dtype=object).map(lambda s: json.dumps(s, ensure_ascii=False))
        )
        heads.append(h.to_numpy(dtype=object))
        offsets.append(offsets[-1] + len(info.ids))
    head_all = pa.array(np.concatenate(heads), type=pa.string())
    off = np.asarray(offsets[:-1], dtype=np.int64)
    empty = pa.scalar("", pa.string())
    parts: list[Any] = [pa.scalar("[", pa.string())]
    for s in range(k):
        ok = li[:, s] >= 0  # ranks are filled in order: rank s present means 0..s-1 are
        if not ok.any():
            continue
        g = np.where(ok, off[np.maximum(li[:, s], 0)] + fi[:, s], 0)
        d = pc.cast(pa.array(np.round(np.nan_to_num(dist[:, s]), 0).astype(np.int64)), pa.string())
        c = pc.cast(pa.array(np.round(val[:, s], 4)), pa.string())
        c = pc.if_else(pc.match_substring(c, "."), c, pc.binary_join_element_wise(c, ".0", ""))  # 3 -> 3.0
        item = pc.binary_join_element_wise(
            pa.scalar("," if s else "", pa.string()), pc.take(head_all, pa.array(g)),
            pa.scalar(',"distance_m":', pa.string()), d,
            pa.scalar(',"contribution":', pa.string()), c, pa.scalar("}", pa.string()), empty,
        )
        parts.append(pc.if_else(pa.array(ok), item, empty))
    parts.append(pa.scalar("]", pa.string()))
    return pd.array(pc.binary_join_element_wise(*parts, empty), dtype="str")


# --------------------------------------------------------------------------------------
# Scoring
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Assessment:
    """A scored grid.

    Attributes
    ----------
    cells : GeoDataFrame (working CRS), one row a cell: cell_id, district, adcode, area_m2,
        population, vulnerable, hazard, exposure, vulnerability, coping_gap, consequence,
        score, likelihood, severity, level_rank (1 = 低 ... 4 = 重大), level, level_en,
        color, top_factor, top_factor_kind, share_<layer>, contributors (JSON), complete,
        missing, measures, measures_en, geometry.
    fields : the fields it was scored from (reused when only weights change).
    weights : the weights used.
    levels : the level rule used.
    params : method numbers, grid, and thresholds derived from the data (quantiles,
        natural breaks).
    timings : seconds per stage.
    """

    cells: gpd.GeoDataFrame
    fields: Fields
    weights: WeightsConfig
    levels: LevelConfig
    params: dict[str, Any]
    timings: dict[str, float]

    @property
    def data(self) -> ProjectData:
        """The project data scored (layers, districts, boundary): what products draw from."""
        if self.fields.data is None:
            raise ValueError("this assessment's fields were made without their project data")
        return self.fields.data

    @property
    def project(self) -> Project:
        """The project configuration."""
        return self.fields.project

    def level_counts(self) -> dict[str, int]:
        """Cells per level, highest first, keyed by the Chinese name."""
        counts = self.cells["level_rank"].value_counts()
        return {lv.zh: int(counts.get(lv.rank, 0)) for lv in reversed(LEVELS)}

    def to_wgs84(self) -> gpd.GeoDataFrame:
        """The cells in EPSG:4326 (for drawing and export)."""
        return self.cells.to_crs(4326)

    @cached_property
    def _cell_positions(self) -> pd.Index:
        """Cell id -> row position lookup, built on the first :meth:`explain` and kept
        (the cells of an Assessment do not change)."""
        idx = pd.Index(self.cells["cell_id"])
        idx.get_indexer(idx[:1])  # build the hash table now, once
        return idx

    def explain(self, cell_id: str, lang: str = "zh") -> dict[str, Any]:
        """Every number behind one cell's level.

        Parameters
        ----------
        cell_id
            The cell's id.
        lang
            ``"zh"`` or ``"en"`` for names, level and measures.

        Returns
        -------
        dict
            ``cell_id``, ``district``, ``area_m2``, ``population``, ``components``
            (hazard, exposure, vulnerability, coping_gap, consequence), ``score``,
            ``likelihood``, ``severity``, ``level_rank``, ``level``, ``color``, ``layers``
            (per layer: role, raw, normalised 0-10, weight, share of H), ``capacity`` (per
            capacity layer: value, unit, score), ``contributors``, ``top_factor``,
            ``measures``, ``complete``, ``missing``.

        Raises
        ------
        KeyError
            When no cell has that id.
        """
        pos = self._cell_positions.get_indexer(pd.Index([cell_id]))[0]
        if pos < 0:
            raise KeyError(f"no cell with id '{cell_id}'")
        row = self.cells.iloc[pos]
        f = self.fields
        weights = layer_weights(f, self.weights)
        area_km2 = float(row["area_m2"]) / 1e6
        layers = []
        for info in f.layers:
            kind = f.kinds.get(info.kind)
            label = kind.name.get(lang) if kind else info.kind
            entry: dict[str, Any] = {
                "layer": info.name,
                "kind": info.kind,
                "label": label,
                "role": info.role,
                "method": info.method,
                "weight": weights.get(info.name, 0.0),
            }
            if info.name in f.raw:
                raw = float(f.raw[info.name][pos])
                x = raw / area_km2 if info.method == "population" and area_km2 > 0 else raw
                entry["raw"] = raw
                if info.method == "population" and info.role == "exposure":
                    entry["density_km2"] = x
                if info.reference and info.role in {"hazard", "exposure"}:
                    entry["reference"] = info.reference
                    entry["normalised"] = 10.0 * (1.0 - math.exp(-x / info.reference))
            if info.role == "hazard":
                entry["share"] = float(row.get(f"share_{info.name}", 0.0))
            if info.name in f.capacity:
                v = float(f.access[info.name][pos])
                entry["value"] = v if math.isfinite(v) else None
                entry["unit"] = info.unit
                entry["score"] = float(f.capacity[info.name][pos])
            layers.append(entry)
        level = LEVELS[int(row["level_rank"]) - 1]
        mcol = "measures_en" if lang == "en" else "measures"
        sep = "; " if lang == "en" else "；"
        return {
            "cell_id": cell_id,
            "district": row["district"],
            "adcode": row["adcode"],
            "area_m2": float(row["area_m2"]),
            "population": float(row["population"]),
            "vulnerable": float(row["vulnerable"]),
            "components": {c: float(row[c]) for c in (*COMPONENTS, "consequence")},
            "score": float(row["score"]),
            "likelihood": int(row["likelihood"]),
            "severity": int(row["severity"]),
            "level_rank": level.rank,
            "level": level.name(lang),
            "color": level.color,
            "top_factor": row["top_factor"],
            "top_factor_kind": row["top_factor_kind"],
            "layers": layers,
            "contributors": json.loads(row["contributors"]),
            "measures": [m for m in str(row[mcol]).split(sep) if m],
            "complete": bool(row["complete"]),
            "missing": [m for m in str(row["missing"]).split(",") if m],
            "weights": {"components": dict(self.weights.components), "layers": weights},
            "level_rule": self.levels.rule,
        }


def layer_weights(fields: Fields, weights: WeightsConfig) -> dict[str, float]:
    out = {}
    for info in fields.layers:
        if info.name in weights.layers:
            out[info.name] = float(weights.layers[info.name])
            continue
        try:
            binding = fields.project.binding(info.name)
        except KeyError:
            binding = None
        if binding is not None and binding.weight is not None:
            out[info.name] = float(binding.weight)
        else:
            kind = fields.kinds.get(info.kind)
            out[info.name] = float(kind.weight) if kind else 1.0
    return out


def _saturating_sum(terms: list[tuple[float, FloatArray]], n: int) -> tuple[FloatArray, FloatArray, list[FloatArray]]:
    """10 (1 - exp(-sum a_l)) with a_l = (w_l / max w) x_l: the component, the sum, each a_l."""
    if not terms:
        return np.zeros(n), np.zeros(n), []
    wmax = max(w for w, _ in terms)
    if wmax <= 0:
        return np.zeros(n), np.zeros(n), [np.zeros(n) for _ in terms]
    parts = [(w / wmax) * x for w, x in terms]
    s = parts[0].copy()
    for part in parts[1:]:
        s += part
    return 10.0 * (1.0 - np.exp(-s)), s, parts


def _classes(values: FloatArray, breaks: tuple[float, ...]) -> IntArray:
    """Class 1..len(breaks)+1: a value at or above a break is in the higher class."""
    return (1 + np.searchsorted(np.asarray(breaks, float), values, side="right")).astype(np.int64)


def _level_ranks(
    score_: FloatArray, likelihood: IntArray, severity: IntArray, levels: LevelConfig
) -> tuple[IntArray, dict[str, Any]]:
    if levels.rule == "matrix":
        r = likelihood * severity
        mins = np.array([lv.matrix_min for lv in LEVELS[1:]])
        return (1 + (r[:, None] >= mins[None, :]).sum(axis=1)).astype(np.int64), {}
    if levels.rule == "breaks":
        return _classes(score_, levels.score_breaks), {"score_breaks": list(levels.score_breaks)}
    if levels.rule == "quantiles":
        thr = np.quantile(score_, levels.quantiles) if len(score_) else np.zeros(3)
    elif levels.rule == "natural_breaks":
        thr = _natural_breaks(score_, levels)
    else:  # pragma: no cover - LevelConfig validates the rule
        raise ConfigError(f"unknown level rule '{levels.rule}'")
    ranks = 1 + (score_[:, None] > np.asarray(thr)[None, :]).sum(axis=1)
    return ranks.astype(np.int64), {"score_thresholds": [float(t) for t in thr]}


def _natural_breaks(values: FloatArray, levels: LevelConfig) -> FloatArray:
    if len(values) == 0:
        return np.zeros(3)
    rng = np.random.default_rng(levels.seed)
    n = min(len(values), levels.sample_size)
    sample = values if len(values) <= n else rng.choice(values, n, replace=False)
    if len(np.unique(sample)) < 4:
        return np.quantile(values, [0.6, 0.9, 0.98])
    return fisher_jenks(sample, 4)[:3]


def fisher_jenks(values: npt.ArrayLike, k: int) -> FloatArray:
    """Exact Fisher-Jenks natural breaks (the upper bound of each of ``k`` classes).

    The same optimum as ``mapclassify.FisherJenks`` (minimum within-class sum of squares),
    computed by dynamic programming on numpy arrays: O(k n²) time and O(n²) memory, so
    it is meant for a sample of a few thousand values.

    Parameters
    ----------
    values
        The values to classify.
    k
        Number of classes.

    Returns
    -------
    numpy.ndarray
        ``k`` upper bounds, ascending; the last is the maximum.
    """
    x = np.sort(np.asarray(values, dtype=float))
    n = len(x)
    if n <= k:
        return np.resize(x, k)
    s1 = np.r_[0.0, np.cumsum(x)]
    s2 = np.r_[0.0, np.cumsum(x * x)]
    i = np.arange(n)[:, None]
    j = np.arange(n)[None, :]
    cnt = (j - i + 1).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        cost = s2[j + 1] - s2[i] - (s1[j + 1] - s1[i]) ** 2 / cnt
    cost[cnt <= 0] = np.inf
    best = cost[0].copy()  # one class holding x[0..j]
    back = []
    cols = np.arange(n)
    for _ in range(1, k):
        total = best[:-1, None] + cost[1:, :]  # last class starts at i = 1..n-1
        arg = np.argmin(total, axis=0)
        best = total[arg, cols]
        back.append(arg + 1)
    bounds = [x[-1]]
    end = n - 1
    for arg in reversed(back):
        start = int(arg[end])
        bounds.append(x[start - 1])
        end = start - 1
    return np.asarray(bounds[::-1], dtype=float)


def _categorical(codes: npt.NDArray[np.integer[Any]], labels: list[str]) -> pd.Categorical:
    """Per-cell labels from codes into ``labels`` (which may repeat)."""
    uniq, remap = np.unique(np.asarray(labels, dtype=object), return_inverse=True)
    return pd.Categorical.from_codes(remap.ravel()[codes], categories=pd.Index(uniq, dtype="str"))


def score(
    fields: Fields,
    *,
    weights: WeightsConfig | Mapping[str, Any] | None = None,
    levels: LevelConfig | Mapping[str, Any] | None = None,
) -> Assessment:
    """Score cells from their fields (the cheap stage: change weights or levels here).

    Parameters
    ----------
    fields
        From :func:`compute_fields`.
    weights
        Component and layer weights; the project's by default. A mapping is validated
        as :class:`riskmap.config.WeightsConfig`.
    levels
        The level rule; the project's by default.

    Returns
    -------
    Assessment
    """
    t0 = time.perf_counter()
    project = fields.project
    if weights is None:
        weights = project.weights
    elif not isinstance(weights, WeightsConfig):
        weights = WeightsConfig.model_validate(dict(weights))
    if levels is None:
        levels = project.levels
    elif not isinstance(levels, LevelConfig):
        levels = LevelConfig.model_validate(dict(levels))
    method = project.method
    cells = fields.cells
    n = len(cells)
    w = layer_weights(fields, weights)
    scaled = fields._scaled

    hz = fields.by_role("hazard")
    h, h_sum, h_parts = _saturating_sum([(w[i.name], scaled[f"x/{i.name}"]) for i in hz], n)
    e, _, _ = _saturating_sum([(w[i.name], scaled[f"x/{i.name}"]) for i in fields.by_role("exposure")], n)

    pop = fields.population
    vl = fields.by_role("vulnerability")
    vulnerable = scaled["vulnerable"]
    if vl:
        vmax = max(w[i.name] for i in vl) or 1.0
        v_share, _, _ = _saturating_sum([(w[i.name], scaled[f"share/{i.name}"]) for i in vl], n)
        dens = np.zeros(n)
        for i in vl:
            dens += (w[i.name] / vmax) * scaled[f"density/{i.name}"]
        v_dens = 10.0 * (1.0 - np.exp(-dens / method.vulnerable_density_reference_km2))
        v = np.sqrt(v_share * v_dens)
    else:
        v = np.zeros(n)

    cap = fields.by_role("capacity")
    if cap:
        wsum = sum(w[i.name] for i in cap)
        acc = np.zeros(n)
        for i in cap:
            acc += (w[i.name] if wsum > 0 else 1.0) * fields.capacity[i.name]
        mean = acc / (wsum if wsum > 0 else len(cap))
        lgap = 10.0 * (1.0 - mean)
    else:
        lgap = np.zeros(n)

    comps = {"exposure": e, "vulnerability": v, "coping_gap": lgap}
    cw = {c: float(weights.components.get(c, 0.0)) for c in comps if c not in fields.missing}  # type: ignore[call-overload]
    total_w = sum(cw.values())
    if total_w > 0:
        logc = np.sum([(cw[c] / total_w) * np.log1p(comps[c]) for c in cw], axis=0)
        consequence = np.expm1(logc)
    else:
        consequence = np.zeros(n)
    risk = h * consequence

    likelihood = _classes(h, levels.likelihood_breaks)
    severity = _classes(consequence, levels.severity_breaks)
    rank, derived = _level_ranks(risk, likelihood, severity, levels)

    hz_names = np.array([i.name for i in hz] + [""], dtype=object)
    hz_kinds = np.array([i.kind for i in hz] + [""], dtype=object)
    if hz:
        best = h_parts[0].copy()
        top = np.zeros(n, dtype=np.int64)
        for j, part in enumerate(h_parts[1:], start=1):  # argmax over layers: the first wins ties
            up = part > best
            top[up] = j
            np.maximum(best, part, out=best)
        top = np.where(h_sum > 0, top, len(hz))
    else:
        top = np.zeros(n, dtype=np.int64)

    # Measures: one recommend() per distinct (level, dominant kind, shortfalls) combination.
    cap_kinds = sorted({i.kind for i in cap})
    mask = np.zeros(n, dtype=np.int64)
    for b, kname in enumerate(cap_kinds):
        mask |= scaled[f"shortfall/{kname}"].astype(np.int64) << b
    mask = np.where(rank >= 2, mask, 0)  # capacity measures where the risk is 一般 or higher
    code = (rank * (len(hz) + 1) + top) * (1 << len(cap_kinds)) + mask
    present = np.flatnonzero(np.bincount(code)) if n else np.empty(0, np.int64)
    lookup = np.zeros(int(present.max()) + 1 if n else 1, dtype=np.int64)
    lookup[present] = np.arange(len(present))
    uniq, inverse = present, lookup[code]
    zh_list, en_list = [], []
    for u in uniq:
        m = int(u % (1 << len(cap_kinds)))
        rest = int(u // (1 << len(cap_kinds)))
        r_, t_ = divmod(rest, len(hz) + 1)
        shortfalls = [kname for b, kname in enumerate(cap_kinds) if m >> b & 1]
        tk = str(hz_kinds[t_])
        zh_list.append("；".join(recommend(r_, tk, shortfalls, fields.kinds, "zh")))
        en_list.append("; ".join(recommend(r_, tk, shortfalls, fields.kinds, "en")))
    inverse = inverse.ravel()
    measures = _categorical(inverse, zh_list)
    measures_en = _categorical(inverse, en_list)

    # Text columns are categoricals built from codes: no per-cell string work when rescoring.
    cols: dict[str, Any] = {
        "cell_id": cells["cell_id"].array,
        "district": cells["district"].array,
        "adcode": cells["adcode"].array,
        "area_m2": cells["area_m2"].to_numpy(),
        "population": pop,
        "vulnerable": vulnerable,
        "hazard": h,
        "exposure": e,
        "vulnerability": v,
        "coping_gap": lgap,
        "consequence": consequence,
        "score": risk,
        "likelihood": likelihood,
        "severity": severity,
        "level_rank": rank,
        "level": _categorical(rank - 1, [lv.zh for lv in LEVELS]),
        "level_en": _categorical(rank - 1, [lv.en for lv in LEVELS]),
        "color": _categorical(rank - 1, [lv.color for lv in LEVELS]),
        "top_factor": _categorical(top, list(hz_names)),
        "top_factor_kind": _categorical(top, list(hz_kinds)),
        "contributors": fields.contributors,
        "complete": np.full(n, not fields.missing),
        "missing": _categorical(np.zeros(n, dtype=np.int64), [",".join(fields.missing)]),
        "measures": measures,
        "measures_en": measures_en,
    }
    safe = np.where(h_sum > 0, h_sum, 1.0)
    for i, part in zip(hz, h_parts, strict=True):
        cols[f"share_{i.name}"] = np.where(h_sum > 0, part / safe, 0.0)
    out = gpd.GeoDataFrame(cols, geometry=cells.geometry.values, crs=cells.crs, index=cells.index)
    out.attrs = dict(cells.attrs)
    params = {
        "method": method.model_dump(),
        "grid": dict(cells.attrs.get("grid", {})),
        "levels": levels.model_dump(),
        **derived,
    }
    t1 = time.perf_counter()
    return Assessment(
        cells=out,
        fields=fields,
        weights=weights,
        levels=levels,
        params=params,
        timings={**fields.timings, "score": t1 - t0},
    )


def assess(
    data: ProjectData | Project | str | Path,
    *,
    cell_size: float | None = None,
    grid: Literal["square", "h3"] | gpd.GeoDataFrame | None = None,
    h3_resolution: int | None = None,
    tile_size: float | None = None,
    progress: Progress | None = None,
) -> Assessment:
    """Build the grid, compute the fields and score them: the whole assessment.

    Parameters
    ----------
    data
        A loaded project (:class:`ProjectData`), or a project / project reference that is
        loaded with :func:`riskmap.io.sources.load_project_data`.
    cell_size
        Square cell side in metres; the project's ``grid.cell_size`` by default.
    grid
        ``"square"`` or ``"h3"`` (the project's ``grid.kind`` by default), or a grid
        GeoDataFrame made by :func:`riskmap.engine.grid.build_grid` to reuse.
    h3_resolution
        H3 resolution; the project's by default.
    tile_size
        Tile side in metres; the project's ``grid.tile_size`` by default.
    progress
        Called as ``progress(stage, done, total)``.

    Returns
    -------
    Assessment
    """
    if not isinstance(data, ProjectData):
        from riskmap.config import load_project
        from riskmap.io import sources

        project = data if isinstance(data, Project) else load_project(data)
        data = sources.load_project_data(project)
    gcfg = data.project.grid
    t0 = time.perf_counter()
    if isinstance(grid, gpd.GeoDataFrame):
        cells = grid
    else:
        if progress:
            progress("grid", 0, 1)
        cells = build_grid(
            data.boundary,
            data.districts,
            cell_size=cell_size or gcfg.cell_size,
            kind=grid or gcfg.kind,
            h3_resolution=h3_resolution if h3_resolution is not None else gcfg.h3_resolution,
            crs=data.crs,
        )
        if progress:
            progress("grid", 1, 1)
    t1 = time.perf_counter()
    fields = compute_fields(data, cells, tile_size=tile_size or gcfg.tile_size, progress=progress)
    result = score(fields)
    return Assessment(
        cells=result.cells,
        fields=result.fields,
        weights=result.weights,
        levels=result.levels,
        params=result.params,
        timings={"grid": t1 - t0, **result.timings},
    )


__all__ += ["COMPONENTS", "LayerInfo", "Level"]
