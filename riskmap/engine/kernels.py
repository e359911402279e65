"""Kernels on the grid: cells and features of a tile, feature-cell pairs within reach
(points by a k-d tree or, on the square lattice, by stamps; polygons), overlap
fractions, top-k contributors.

Pure functions of arrays: no I/O, no configuration.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from riskmap.engine.common import FloatArray, IntArray, ObjArray
from riskmap.engine.grid import cell_keys_of_points
from riskmap.errors import ConfigError


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
    reference: float = 1.0  # saturation reference: hazards rank contributions by value / it

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
            reference=self.reference,
        )

    @property
    def halo(self) -> float:
        return float(self.radius.max()) if len(self.radius) else 0.0


@dataclass(frozen=True)
class _Cells:
    """A block of cells (a tile, or the whole grid): positions, ids, centroids, geometry.

    On the square lattice a cell is its row and column (``rc``); only clipped cells' shapes
    are read, and the block's bounds are those of its squares. Other grids keep each
    cell's bounds (``box``).
    """

    index: IntArray
    ids: Any  # cell ids: a pandas or numpy array (looked up on H3 grids only)
    x: FloatArray  # centroids (views of the grid's columns where they can be)
    y: FloatArray
    geom: ObjArray
    area: FloatArray
    grid: dict[str, Any] | None
    # (n, 2) lattice row and column of square cells (32-bit for squares of a metre or more)
    rc: npt.NDArray[np.int32] | IntArray | None = None
    full: npt.NDArray[np.bool_] | None = None  # square cells not clipped by the boundary
    box: FloatArray | None = None  # (n, 4) bounds of each cell (grids other than the lattice)

    @cached_property
    def xy(self) -> FloatArray:
        """(n, 2) centroids (made when asked: stamps read ``x`` and ``y``)."""
        xy = np.empty((len(self.x), 2))
        xy[:, 0], xy[:, 1] = self.x, self.y
        return xy

    @cached_property
    def bounds(self) -> tuple[float, float, float, float]:
        """(minx, miny, maxx, maxy) of the block (computed once: every layer asks). On the
        square lattice, of the block's squares (a clipped cell lies in its square)."""
        size = self.size
        if size is not None and len(self.index):
            r0, c0, ncols, lut = self.lattice
            r1 = r0 + len(lut) // ncols - 1
            return (c0 * size, r0 * size, (c0 + ncols) * size, (r1 + 1) * size)
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

    def take(self, m: npt.NDArray[Any] | slice) -> _Cells:
        """The cells at positions ``m``: an array (np.take: rows of the 2-D arrays several
        times faster than fancy indexing) or a slice (views, no copy)."""

        def rows(a: Any) -> Any:
            if a is None:
                return None
            return a[m] if isinstance(m, slice) else np.take(a, m, axis=0)

        return _Cells(
            rows(self.index),
            # (ids are read on grids other than the square lattice only)
            None if self.ids is None or self.size is not None else self.ids[m],
            rows(self.x),
            rows(self.y),
            rows(self.geom),
            rows(self.area),
            self.grid,
            rows(self.rc),
            rows(self.full),
            rows(self.box),
        )

    def lean(self) -> _Cells:
        """The block without the shapes of whole lattice squares (None in their place),
        for sending to a worker: on a square lattice only clipped cells' shapes are read
        (a whole square is its row, column and size), and a province's millions of
        squares would otherwise be pickled with every task."""
        if self.size is None or self.full is None or not self.full.any():
            return self
        geom = self.geom.copy()
        geom[self.full] = None
        return replace(self, geom=geom)

    @cached_property
    def lattice(self) -> tuple[int, int, int, IntArray]:
        """:meth:`lookup`, computed once per block."""
        return self.lookup()

    def lookup(self) -> tuple[int, int, int, IntArray]:
        """(first row, first column, columns, position by (row - r0) * columns + col - c0; -1 none)."""
        assert self.rc is not None
        if len(self.rc) == 0:
            return 0, 0, 1, np.full(1, -1, dtype=np.int64)
        # a column at a time (numpy's min(axis=0) of two columns is thirty times slower)
        rows, cols = self.rc[:, 0], self.rc[:, 1]
        r0, r1, c0, c1 = int(rows.min()), int(rows.max()), int(cols.min()), int(cols.max())
        ncols = c1 - c0 + 1
        lut = np.full((r1 - r0 + 1) * ncols, -1, dtype=np.int64)
        lut[(rows - r0) * np.int64(ncols) + (cols - c0)] = np.arange(len(rows))
        return r0, c0, ncols, lut

    def padded(self, pad: int) -> tuple[int, npt.NDArray[np.int32]]:
        """(its margin, the flat lattice) with a margin of at least ``pad`` empty squares
        (-1) on every side, rows ``width = columns + 2 * margin`` long: an offset on the
        lattice is then one flat offset, with no bounds to check. Made once per block, at
        the widest margin asked for so far (every layer of a tile asks)."""
        have = self.__dict__.get("_padded")
        if have is not None and have[0] >= pad:
            return have  # type: ignore[no-any-return]
        _, _, ncols, lut = self.lattice
        nrows = len(lut) // ncols
        flat = np.full((nrows + 2 * pad, ncols + 2 * pad), -1, dtype=np.int32)
        flat[pad : pad + nrows, pad : pad + ncols] = lut.reshape(nrows, ncols)
        self.__dict__["_padded"] = made = (pad, flat.ravel())
        return made


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


def _radius_classes(radius: FloatArray) -> IntArray:
    """Radius class of each feature: bins of a quarter octave (-1 for no radius)."""
    ok = radius > 0
    bins = np.full(len(radius), -1, dtype=np.int64)
    bins[ok] = np.ceil(np.log2(radius[ok]) * 4).astype(np.int64)
    return bins


def _point_pairs(
    cell_xy: FloatArray, feat_xy: FloatArray, radius: FloatArray, ctree: cKDTree | None = None
) -> tuple[IntArray, IntArray, FloatArray]:
    """All (cell, feature, distance) with distance <= the feature's radius.

    Features are grouped by radius (bins of a quarter octave) so that a feature is
    never searched far beyond its own radius. ``ctree``, a k-d tree of ``cell_xy``, is
    built when not given (share it between layers). Any cells (H3, custom grids); on the
    square lattice :func:`_stamp_pairs` gives the same pairs without a tree.
    """
    empty = (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, float))
    if len(cell_xy) == 0 or len(feat_xy) == 0:
        return empty
    if ctree is None:
        ctree = cKDTree(cell_xy)
    bins = _radius_classes(radius)
    ci_all, fi_all, d_all = [], [], []
    for b in np.unique(bins[bins >= 0]):  # a handful of radius groups, not one per feature
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


_STAMP_CHUNK = 1 << 18
"""Candidate (feature, offset) pairs :func:`_stamp_pairs` evaluates at once (bounds memory)."""


@lru_cache(maxsize=128)
def _stamp(rmax: float, size: float) -> tuple[IntArray, IntArray]:
    """The stamp of a radius class: lattice offsets (rows, columns) of every square whose
    cell centre may lie within ``rmax`` of a point anywhere in the square (0, 0).

    A cell's centre (the centroid of a clipped cell) lies in its closed square, and so
    does a feature: squares ``dr`` rows and ``dc`` columns apart are at least
    ``max(|dr| - 1, 0)`` and ``max(|dc| - 1, 0)`` sides apart. Computed once per class
    (the arrays are read-only: shared by every tile).
    """
    h = int(np.ceil(rmax / size)) + 1
    o = np.arange(-h, h + 1, dtype=np.int64)
    gap = np.maximum(np.abs(o) - 1, 0).astype(float) * size
    keep = gap[:, None] ** 2 + gap[None, :] ** 2 <= rmax * rmax * (1.0 + 1e-9)
    dr, dc = np.nonzero(keep)
    dr, dc = o[dr], o[dc]
    dr.flags.writeable = False
    dc.flags.writeable = False
    return dr, dc


def _stamp_pairs(
    cells: _Cells, feat_xy: FloatArray, radius: FloatArray
) -> tuple[IntArray, IntArray, FloatArray]:
    """:func:`_point_pairs` on the square lattice: each feature's radius class stamp is
    laid at the feature's square, and the cells it covers are looked up in the block's
    lattice (no k-d tree, no search).

    The pairs and distances are those of :func:`_point_pairs`, bit for bit (the same
    ``sqrt(dx * dx + dy * dy)`` of the same cell centres); only their order differs:
    by radius class, then feature, then stamp offset, whatever cells the block holds, so
    a cell's sums do not depend on the tiling.

    The stamp fixes where a feature may act, not its weights: a weight per offset would
    move each feature to the centre of its square (up to half a cell: tens of per cent of
    a kernel near its radius), so weights are computed from the true offsets, cell by
    cell of the stamp (cheap next to a search), and top contributors keep exact distances.
    """
    size = cells.size
    assert size is not None
    empty = (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, float))
    if len(cells.index) == 0 or len(feat_xy) == 0:
        return empty
    r0, c0, ncols, lut = cells.lattice
    nrows = len(lut) // ncols
    frow = np.floor(feat_xy[:, 1] / size).astype(np.int64) - r0
    fcol = np.floor(feat_xy[:, 0] / size).astype(np.int64) - c0
    bins = _radius_classes(radius)
    classes = [
        (np.flatnonzero(bins == b), *_stamp(float(radius[bins == b].max()), size))
        for b in np.unique(bins[bins >= 0])
    ]
    if not classes:
        return empty
    # The lattice padded with empty squares (-1) wide enough for any stamp that meets it:
    # a stamp is then one flat offset per square, with no bounds to check.
    pad, flat = cells.padded(2 * max(int(dr[-1]) for _, dr, _ in classes) + 1)
    width = ncols + 2 * pad
    cell_x, cell_y = cells.x, cells.y
    ci_all, fi_all, d_all = [], [], []
    for group, dr, dc in classes:
        # features whose stamp meets the block's lattice box
        fr, fc = frow[group], fcol[group]
        reach = int(dr[-1])  # the stamp is symmetric: offsets -reach .. reach
        meets = (fr - reach < nrows) & (fr + reach >= 0) & (fc - reach < ncols) & (fc + reach >= 0)
        members = group[meets]
        at = (frow[members] + pad) * width + fcol[members] + pad
        offsets = dr * width + dc
        step = max(1, _STAMP_CHUNK // len(dr))
        for start in range(0, len(members), step):
            ci = flat[at[start : start + step, None] + offsets[None, :]]
            found = ci >= 0
            fp = np.repeat(members[start : start + step], found.sum(axis=1))
            ci = ci[found]
            dx = cell_x[ci] - feat_xy[fp, 0]
            dy = cell_y[ci] - feat_xy[fp, 1]
            d = np.sqrt(dx * dx + dy * dy)
            keep = d <= radius[fp]
            ci_all.append(ci[keep])
            fi_all.append(fp[keep])
            d_all.append(d[keep])
    if not ci_all:
        return empty
    return np.concatenate(ci_all, dtype=np.int64), np.concatenate(fi_all), np.concatenate(d_all)


def _top_select(ci: IntArray, key: FloatArray, tie: IntArray, *, n: int, k: int) -> IntArray:
    """Per cell, its pairs of the ``k`` largest ``key`` (equal keys: the smaller ``tie``
    first): (n, k) positions in the pairs, -1 where a cell has fewer pairs.

    ``k`` rounds of a per-cell maximum, linear in the pairs (no sort); ``tie`` must be
    unique among a cell's pairs.
    """
    out = np.full((n, k), -1, dtype=np.int64)
    alive = np.arange(len(ci))
    never = np.iinfo(np.int64).max
    for rank in range(k):
        if len(alive) == 0:
            break
        c, kv, tb = ci[alive], key[alive], tie[alive]
        best = np.full(n, -np.inf)
        np.maximum.at(best, c, kv)
        cand = kv == best[c]
        first = np.full(n, never, dtype=np.int64)
        np.minimum.at(first, c[cand], tb[cand])
        sel = cand & (tb == first[c])
        out[c[sel], rank] = alive[sel]
        alive = alive[~sel]
    return out


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
    big = (shapely.get_num_coordinates(geoms) > _PIECE_VERTICES) & np.isin(
        shapely.get_type_id(geoms), (3, 6)
    )
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
    ci: IntArray, gi: IntArray, c: FloatArray, whole: npt.NDArray[np.bool_]
) -> tuple[IntArray, IntArray, FloatArray, IntArray, npt.NDArray[np.bool_]]:
    """Merge (cell, feature) pairs that came from several pieces: (cell, feature, sum of
    c, first pair of each, whether the cell lies wholly inside any of its pieces)."""
    if len(ci) == 0:
        return ci, gi, c, np.empty(0, np.int64), whole
    key = ci * (int(gi.max()) + 1) + gi
    uniq, inv = np.unique(key, return_inverse=True)
    inv = inv.ravel()
    csum = np.bincount(inv, weights=c, minlength=len(uniq))
    inside = np.zeros(len(uniq), dtype=bool)
    inside[inv[whole]] = True
    first = np.zeros(len(uniq), dtype=np.int64)
    first[inv[::-1]] = np.arange(len(inv))[::-1]
    return ci[first], gi[first], csum, first, inside  # type: ignore[return-value]


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


def _column_starts(
    off: IntArray, nr: IntArray, nc: IntArray, ok: npt.NDArray[np.bool_]
) -> IntArray:
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
