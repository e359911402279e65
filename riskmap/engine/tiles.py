"""Tiles: a block of cells plus the features within its halo is enough to compute its
fields. Layers become features (intensity, radius, reach halos); cells become blocks and
tiles (:func:`_tiles`: on one machine, bands of whole lattice rows, each a slice of the
block; squares on a cluster); :func:`_tile_fields`, :func:`_tile_supply` and
:func:`_tile_access` are pure functions of one tile, run by a thread pool or as tasks on a
dask cluster (:mod:`riskmap.engine.cluster`). On the square lattice kernels and shelter
catchments take stamps (:func:`riskmap.engine.kernels._stamp_pairs`). A tile gives its
raw values sparse (:class:`Sparse`) and the top contributors of its cells that have any
(:class:`TileTop`): little memory per tile, and the city-wide raw arrays are written
only where a value lands.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any, NamedTuple

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from riskmap.config import (
    LayerKind,
    MethodConfig,
)
from riskmap.engine.common import (
    _MIN_DEMAND,
    _REACH_DEFAULT_FULL_M,
    _REACH_DEFAULT_ZERO_M,
    FloatArray,
    IntArray,
    ObjArray,
    Positions,
)
from riskmap.engine.kernels import (
    _Cells,
    _cut_pieces,
    _decay,
    _Features,
    _merge_pairs,
    _point_pairs,
    _points_to_cells,
    _polygon_pairs,
    _stamp_pairs,
    _top_select,
    _zone_distance,
)
from riskmap.engine.rules import rule_values
from riskmap.errors import ConfigError
from riskmap.io import Layer

CONTRIBUTION_DECIMALS = 4
"""Decimals of a contribution in the contributors' text (distances: whole metres)."""

_F32_BELOW = 1000.0
"""Contributions are stored in float32 when every one is below this in magnitude: at its
4 decimals a value below 1024 survives the cast (half a float32 step is under 5e-5)."""


class Top(NamedTuple):
    """The top contributing hazard features of cells, ranked across the hazard layers by
    contribution / reference (ties: the earlier layer, then the earlier feature).

    Every array is (cells, k); a cell with fewer contributions has layer -1 in the rest.

    Precision: float32 for ``value`` and ``distance``, because they serve the explanation
    alone (the contributors' text, :func:`riskmap.engine.fields._contributors_json`:
    contributions at :data:`CONTRIBUTION_DECIMALS` decimals, distances in whole metres)
    and nothing that feeds the score reads them; float64 for the per-layer raw fields,
    population, access and capacity, because the score must not move.

    Contributions and distances are summed and ranked in float64 (the same features are
    chosen), rounded there to the printed precision (:func:`_printed`), then stored in
    float32: the text is that of float64 storage for every cell. (A plain cast changed 82
    of the 246,136 texts at Wuhan 100 m, at rounding boundaries; rounded first, 0 of
    862,774.) Contributions stay float64 when a hazard feature's value reaches
    :data:`_F32_BELOW` (a feature's value bounds its contributions: kernels decay from 1,
    overlaps take a share of the cell), where float32 would lose the fourth decimal;
    distances (whole metres, exact in float32 below 16,777 km) are always float32.
    Measured at Wuhan 100 m (862,774 cells, k = 3): contribution and distance 41.4 ->
    20.7 MB, the four arrays 56.9 -> 36.2 MB; the whole assessment's peak 1,028 ->
    1,019 MB (docs/PROVINCE.md).
    """

    layer: npt.NDArray[np.int16]  # position among the hazard layers, -1 none
    feature: npt.NDArray[np.int32]  # position in the layer's GeoDataFrame
    value: npt.NDArray[np.floating[Any]]  # contribution (the layer's raw units)
    distance: npt.NDArray[np.floating[Any]]  # m from the cell centre (0 inside a zone), nan none

    @staticmethod
    def dtypes(bound: float) -> tuple[type[np.floating[Any]], type[np.floating[Any]]]:
        """The dtypes of ``value`` and ``distance`` when no contribution exceeds ``bound``
        in magnitude."""
        return (np.float32 if bound < _F32_BELOW else np.float64), np.float32

    @classmethod
    def empty(
        cls,
        n: int,
        k: int,
        dtypes: tuple[type[np.floating[Any]], type[np.floating[Any]]] = (np.float32, np.float32),
    ) -> Top:
        return cls(
            np.full((n, k), -1, dtype=np.int16),
            np.full((n, k), -1, dtype=np.int32),
            np.zeros((n, k), dtype=dtypes[0]),
            np.full((n, k), np.nan, dtype=dtypes[1]),
        )

    @classmethod
    def unset(
        cls,
        n: int,
        k: int,
        dtypes: tuple[type[np.floating[Any]], type[np.floating[Any]]] = (np.float32, np.float32),
    ) -> Top:
        """Arrays for n cells whose ``layer``, ``feature`` and ``distance`` are left unset
        (``value`` 0): for tiles that each set all of their cells (:meth:`clear`).
        ``dtypes``: of ``value`` and ``distance`` (:meth:`dtypes`)."""
        return cls(
            np.empty((n, k), dtype=np.int16),
            np.empty((n, k), dtype=np.int32),
            np.zeros((n, k), dtype=dtypes[0]),
            np.empty((n, k), dtype=dtypes[1]),
        )

    def clear(self, at: Positions) -> None:
        """No contributor for the cells at ``at`` (their ``value`` is left as it is)."""
        self.layer[at] = -1
        self.feature[at] = -1
        self.distance[at] = np.nan


class TileTop(NamedTuple):
    """The top contributors of the cells of a tile that have any: their positions in the
    tile (ascending) and their rows of :class:`Top`."""

    rows: IntArray
    top: Top


class Sparse(NamedTuple):
    """A tile's per-cell values where they are not 0: the cells' positions in the tile
    (ascending) and their values. (A layer reaches few of a tile's cells, and a dense
    array per layer would hold a tile's memory until it returns.)"""

    at: IntArray
    value: FloatArray

    @classmethod
    def of(cls, v: FloatArray) -> Sparse:
        some = np.flatnonzero(v != 0)  # (on a boolean: several times faster)
        return cls(some, v[some])

    def dense(self, n: int) -> FloatArray:
        """The values of all n cells of the tile."""
        out = np.zeros(n)
        out[self.at] = self.value
        return out


def _tile_fields(
    cells: _Cells, layers: list[_Features], k: int, *, stamps: bool = True
) -> dict[str, Any]:
    """Fields of one tile from its cells and the features in its halo (a pure function).

    Returns a dict with ``raw`` (layer -> per-cell raw value, :class:`Sparse`), ``top``
    (the k largest contributions of hazard features to each cell, ranked by contribution
    / reference across the hazard layers of ``layers`` in their order, for the cells that
    have any: :class:`TileTop`, None without hazard layers) and ``reach`` (layer ->
    distance to the nearest feature, inf beyond the halo).

    Kernels on a square lattice take the stamps of :func:`_stamp_pairs` (``stamps``; the
    k-d tree of :func:`_point_pairs` otherwise, and on other grids): the same pairs and
    distances, summed in another order. Distances to zones are measured only for the
    contributions that make a cell's top k.
    """
    n = len(cells.index)
    raw: dict[str, Sparse] = {}
    reach: dict[str, FloatArray] = {}
    lattice = stamps and cells.size is not None
    ctree = (
        cKDTree(cells.xy)
        if n and not lattice and any(f.method == "kernel" and len(f.xy) for f in layers)
        else None
    )
    # hazard contributions: cell, tie-break (layer, feature), key, contribution, distance
    hz: list[tuple[IntArray, IntArray, FloatArray, FloatArray, FloatArray]] = []
    zones: list[tuple[int, IntArray, IntArray, npt.NDArray[np.bool_], _Features]] = []
    n_hz = 0
    for f in layers:
        if f.method == "kernel":
            if lattice:
                ci, fi, d = _stamp_pairs(cells, f.xy, f.radius)
            else:
                ci, fi, d = _point_pairs(cells.xy, f.xy, f.radius, ctree)
            c = f.value[fi] * _decay(d / f.radius[fi], f.decay)
            raw[f.name] = Sparse.of(np.bincount(ci, weights=c, minlength=n))  # type: ignore[arg-type]
            if f.role == "hazard":
                hz.append((ci, (n_hz << 32) + f.index[fi], c / f.reference, c, d))
        elif f.method == "overlap":
            assert f.geom is not None
            ci, fi, a, whole = _polygon_pairs(cells, f.geom)
            c = f.value[fi] * a / cells.area[ci]
            raw[f.name] = Sparse.of(np.bincount(ci, weights=c, minlength=n))  # type: ignore[arg-type]
            if f.role == "hazard":
                # one pair per (cell, zone): pieces of a zone add up; the distance from the
                # cell centre to the zone (0 when the cell lies inside a piece) comes later
                mci, mgi, mc, first, inside = _merge_pairs(ci, f.index[fi], c, whole)
                d = np.where(inside, 0.0, np.nan)
                zones.append((len(hz), mci, fi[first], inside, f))
                hz.append((mci, (n_hz << 32) + mgi, mc / f.reference, mc, d))
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
            raw[f.name] = Sparse.of(total)
        elif f.method == "reach":
            if len(f.xy) == 0 or n == 0:
                reach[f.name] = np.full(n, np.inf)
            else:
                d, _ = cKDTree(f.xy).query(cells.xy, k=1, distance_upper_bound=max(f.halo, 0.0))
                reach[f.name] = np.asarray(d, dtype=float)
        if f.role == "hazard":
            n_hz += 1
    top = _tile_top(cells, hz, zones, n, k) if n_hz else None
    return {"raw": raw, "top": top, "reach": reach}


def _tile_top(
    cells: _Cells,
    hz: list[tuple[IntArray, IntArray, FloatArray, FloatArray, FloatArray]],
    zones: list[tuple[int, IntArray, IntArray, npt.NDArray[np.bool_], _Features]],
    n: int,
    k: int,
) -> TileTop:
    """The top k contributions of each cell across hazard layers (see :func:`_tile_fields`)."""
    if hz:
        ci, tie, key, c, d = (np.concatenate(a) for a in zip(*hz, strict=True))
    else:
        ci = tie = np.empty(0, np.int64)
        key = c = d = np.empty(0, float)
    at = np.cumsum([0] + [len(h[0]) for h in hz])
    # ranked among the cells that have contributions (rows), numbered 0 .. m - 1
    has = np.zeros(n, dtype=bool)
    has[ci] = True
    rows = np.flatnonzero(has)
    number = np.empty(n, dtype=np.int64)
    number[rows] = np.arange(len(rows))
    sel = _top_select(number[ci], key, tie, n=len(rows), k=k)
    got = sel >= 0
    # distances to zones: only for the contributions kept
    pick = sel[got] if zones else sel[:0, 0]
    for j, mci, piece, inside, f in zones:
        assert f.geom is not None
        mine = (pick >= at[j]) & (pick < at[j + 1])
        q = pick[mine] - at[j]
        far = ~inside[q]
        if far.any():
            qf = q[far]
            d[pick[mine][far]] = _zone_distance(cells.xy[mci[qf]], piece[qf], f.geom, f.index)
    p = np.maximum(sel, 0)  # (a pair of any cell where it has fewer than k: masked)
    g = tie[p]
    top = Top(
        np.where(got, g >> 32, -1).astype(np.int16),
        np.where(got, g & 0xFFFFFFFF, -1).astype(np.int32),
        # ranked above, in float64; rounded to what the text prints (see Top)
        *_printed(np.where(got, c[p], 0.0), np.where(got, d[p], np.nan)),
    )
    return TileTop(rows, top)


def _printed(
    value: FloatArray, distance: FloatArray
) -> tuple[FloatArray, npt.NDArray[np.floating[Any]]]:
    """Contributions and distances rounded in float64 to the precision of the contributors'
    text (:data:`CONTRIBUTION_DECIMALS`, whole metres), distances in float32: stored in
    :class:`Top`'s float32 arrays they give the text their float64 values give."""
    return np.round(value, CONTRIBUTION_DECIMALS), np.round(distance).astype(np.float32)


def _tile_access(
    cells: _Cells, demand_xy: FloatArray, demand_pop: FloatArray, shelters: _Features
) -> FloatArray:
    """Two-step floating catchment accessibility (m² per person) of one tile's cells.

    ``demand_xy``/``demand_pop`` are the centroids and populations of the cells within
    twice the largest shelter radius of the tile (the second halo); ``shelters`` are the
    shelters within their radius of the tile. A pure function. (Any grid; on the square
    lattice :func:`_shelter_ratio` and :func:`_tile_supply` do the same with stamps.)
    """
    n = len(cells.index)
    if n == 0 or len(shelters.xy) == 0:
        return np.zeros(n)
    ci, fi, _ = _point_pairs(demand_xy, shelters.xy, shelters.radius)
    demand = np.bincount(fi, weights=demand_pop[ci], minlength=len(shelters.xy))
    ratio = shelters.value / np.maximum(demand, _MIN_DEMAND)
    ci2, fi2, _ = _point_pairs(cells.xy, shelters.xy, shelters.radius)
    return np.bincount(ci2, weights=ratio[fi2], minlength=n)  # type: ignore[return-value]


def _shelter_ratio(block: _Cells, population: FloatArray, shelters: _Features) -> FloatArray:
    """Step one of the catchment on the square lattice: each shelter's area per person of
    the people within its radius (``block``: every cell, ``population`` by cell), by
    stamps, once for the whole block (a shelter's window, not a tile, bounds the work)."""
    ci, fi, _ = _stamp_pairs(block, shelters.xy, shelters.radius)
    demand = np.bincount(fi, weights=population[ci], minlength=len(shelters.xy))
    return shelters.value / np.maximum(demand, _MIN_DEMAND)  # type: ignore[no-any-return]


def _tile_supply(cells: _Cells, shelters: _Features) -> FloatArray:
    """Step two on the square lattice: the sum of the ratios (the ``value`` of
    ``shelters``, from :func:`_shelter_ratio`) of the shelters within reach of each cell
    of one tile (a pure function of the tile and the shelters in its halo)."""
    n = len(cells.index)
    if n == 0 or len(shelters.xy) == 0:
        return np.zeros(n)
    ci, fi, _ = _stamp_pairs(cells, shelters.xy, shelters.radius)
    return np.bincount(ci, weights=shelters.value[fi], minlength=n)  # type: ignore[return-value]


def _supply_task(tile: _Cells, shelters: _Features) -> FloatArray:
    """One tile of step two (run by a thread or on a worker, see
    :func:`riskmap.engine.cluster.run_tiles`): ``shelters`` carry their ratios."""
    return _tile_supply(tile, shelters.select(tile.bounds))


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
        value = np.nan_to_num(
            pd.to_numeric(sub.get("area_m2"), errors="coerce").to_numpy(dtype=float)
        )
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
    index, xy, is_point, value, radius = (
        index[keep],
        xy[keep],
        is_point[keep],
        value[keep],
        radius[keep],
    )
    if geom is not None:
        geom = geom[keep]
        area = None if area is None else area[keep]
        poly = ~is_point
        pieces, owner = _cut_pieces(geom[poly])
        rows = np.concatenate([np.nonzero(~poly)[0], np.nonzero(poly)[0][owner]])
        geom = np.concatenate([geom[~poly], pieces])
        index, xy, is_point, value, radius = (
            index[rows],
            xy[rows],
            is_point[rows],
            value[rows],
            radius[rows],
        )
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
        reference=float(kind.reference or 1.0),
    )


def _cells_block(cells: gpd.GeoDataFrame) -> _Cells:
    """The cells of a grid as a block: on a square lattice (cells from
    :func:`riskmap.engine.grid.build_grid`) each cell's row and column and whether it is a
    whole square; on other grids each cell's bounds.

    A whole square without a shape (``whole_squares=False``) is placed by its centre
    (``floor(x / size)``: the centre of its bounds), any other cell by the centre of its
    shape's bounds, which lies inside its lattice square, clipped or not; only the shapes
    are read with shapely (a city's few clipped cells when whole squares have none).
    """
    geom = np.asarray(cells.geometry.values, dtype=object)
    n = len(geom)
    area = cells["area_m2"].to_numpy(float)
    x, y = cells["x"].to_numpy(float), cells["y"].to_numpy(float)  # (views: no copy)
    grid = cells.attrs.get("grid")
    lean = shapely.is_missing(geom)  # whole squares of build_grid(whole_squares=False)
    index = np.arange(n, dtype=np.int64)
    ids = cells["cell_id"].array  # as stored (Arrow strings): no Python string per cell
    if grid is not None and grid.get("kind") == "square" and n > 0:
        size = float(grid["cell_size"])
        shaped = np.flatnonzero(~lean)
        b = shapely.bounds(geom[shaped])
        if not np.isnan(b).any():  # (empty shapes, not from build_grid: no lattice)
            # rows and columns of squares of a metre or more fit 32 bits (|coordinates| in
            # metres are far below 2e9)
            rc = np.empty((n, 2), dtype=np.int32 if size >= 1.0 else np.int64)
            rc[:, 0], rc[:, 1] = np.floor(y / size), np.floor(x / size)
            rc[shaped, 0] = np.floor((b[:, 1] + b[:, 3]) / (2.0 * size))
            rc[shaped, 1] = np.floor((b[:, 0] + b[:, 2]) / (2.0 * size))
            # A 4-corner polygon with the whole area of its square is that square.
            full = lean.copy()
            full[shaped] = (shapely.get_num_coordinates(geom[shaped]) == 5) & (
                np.abs(area[shaped] - size * size) <= 1e-9 * size * size
            )
            return _Cells(index, ids, x, y, geom, area, grid, rc=rc, full=full)
    if lean.any():
        raise ValueError("cells without a shape on a grid that is not a square lattice")
    return _Cells(index, ids, x, y, geom, area, grid, box=shapely.bounds(geom))


_BAND_CELLS = 65_536
"""Cells a band (:func:`_tiles`) holds at most, or one row: a tile's temporaries (a few
megabytes) then come from memory already touched; bigger bands spend their time in page
faults (at Wuhan 100 m, bands of up to 170,000 cells took about a fifth longer)."""


def _tiles(block: _Cells, tile_size: float | None, *, bands: bool = True) -> list[Positions]:
    """Cell positions of each tile.

    On a square lattice whose cells come in row order (north to south or south to north,
    as :func:`riskmap.engine.grid.build_grid` makes them), and unless ``bands`` is False,
    the tiles are bands: whole lattice rows within one ``tile_size`` band of rows, cut
    further so that a band holds about :data:`_BAND_CELLS` cells (or one row), each a run
    of positions (a slice: a tile's cells are views of the block's and its results are
    stored by slicing). Otherwise ``tile_size`` squares (ordered by column, then row;
    positions ascending): a cluster's tasks (``bands=False``), so that a task's cells and
    the features they send stay few whatever the width of the grid. None: one tile.
    """
    n = len(block.index)
    if tile_size is None or n == 0:
        return [slice(0, n)]
    if bands and block.size is not None:
        assert block.rc is not None
        rows = block.rc[:, 0]
        step = np.diff(rows)
        if (step <= 0).all() or (step >= 0).all():
            starts = [0, *(np.flatnonzero(step) + 1).tolist()]  # of each row
            band = (rows[starts] // max(1, round(float(tile_size) / block.size))).tolist()
            edges = [0]
            for i in range(1, len(starts)):
                if band[i] != band[i - 1] or starts[i] - edges[-1] > _BAND_CELLS:
                    edges.append(starts[i])
            edges.append(n)
            return [slice(a, b) for a, b in pairwise(edges)]
    tx = np.floor(block.x / float(tile_size)).astype(np.int64)
    ty = np.floor(block.y / float(tile_size)).astype(np.int64)
    tx -= tx.min()
    ty -= ty.min()
    key = tx * (int(ty.max()) + 1) + ty
    if int(key.max()) < 1 << 16:  # numpy sorts 16-bit keys stably by radix: O(n)
        key = key.astype(np.uint16)
    order = np.argsort(key, kind="stable")
    starts = np.r_[0, np.flatnonzero(np.diff(key[order])) + 1, len(order)]
    return [order[starts[i] : starts[i + 1]] for i in range(len(starts) - 1)]


def _at(pos: Positions, some: IntArray) -> IntArray:
    """The block positions of a tile's cells ``some`` (positions in the tile)."""
    return some + pos.start if isinstance(pos, slice) else pos[some]  # type: ignore[no-any-return]


def _grow(box: tuple[float, float, float, float], by: float) -> tuple[float, float, float, float]:
    return (box[0] - by, box[1] - by, box[2] + by, box[3] + by)
