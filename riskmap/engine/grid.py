"""Grid cells covering a city boundary: square cells in the metric working CRS, or H3 cells.

Square cells have stable identifiers: the grid origin is snapped to a multiple of the cell
size, so cell ``r{row}c{col}`` (``row = floor(y / cell_size)``, ``col = floor(x / cell_size)``)
is the same square whatever the extent of the boundary. Cells are kept when they intersect
the boundary and are clipped to it; ``area_m2`` is the area inside the boundary.

A province's millions of whole squares need not carry a shape: with
``whole_squares=False`` their geometry is missing (None) and :func:`cell_shapes` or
:func:`fill_squares` make them from the lattice when they are drawn or exported; the
engine reads a whole square as its row, column and size.

Clipping is vectorised: the boundary's rings are cut into pieces no longer than a cell, the
cells those pieces touch are the only ones that can cross the boundary and only they are
intersected with the boundary (against a small local piece of it). Every other cell is
either fully inside or fully outside, decided by one vectorised point-in-polygon test of
its centre against the prepared boundary.
"""

from __future__ import annotations

from typing import Any, Literal

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

GridKind = Literal["square", "h3"]

_BLOCK = 32
"""Cells per side of the blocks the boundary is cut into before clipping crossing cells."""


def build_grid(
    boundary: BaseGeometry,
    districts: gpd.GeoDataFrame | None,
    *,
    cell_size: float = 250.0,
    kind: GridKind = "square",
    h3_resolution: int = 8,
    crs: pyproj.CRS | str,
    counties: gpd.GeoDataFrame | None = None,
    whole_squares: bool = True,
) -> gpd.GeoDataFrame:
    """Cells covering a boundary, clipped to it, each with its district (and county).

    Parameters
    ----------
    boundary
        The city boundary (Polygon or MultiPolygon) in the metric working CRS ``crs``.
    districts
        Districts with ``adcode``, ``name`` and geometry in the working CRS, or None.
    cell_size
        Side of a square cell in metres (``kind="square"``).
    kind
        ``"square"`` or ``"h3"``.
    h3_resolution
        H3 resolution (``kind="h3"``); 8 is about 0.74 km² a cell, 9 about 0.1 km².
    crs
        The working CRS (metric) of ``boundary`` and ``districts``.
    counties
        A second level (a province's counties) with ``adcode``, ``name`` and geometry in
        the working CRS, or None.
    whole_squares
        False leaves the geometry of square cells the boundary does not clip missing (None):
        about 450 bytes less per cell, which at a province's millions of cells is most of
        the grid's memory. :func:`cell_shapes` and :func:`fill_squares` make them.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``cell_id`` (str), ``district``, ``adcode``, (with ``counties``: ``county``,
        ``county_adcode``), ``area_m2``, ``x``, ``y`` (centroid of the clipped cell),
        ``geometry`` (clipped cell), in ``crs``. The frame's
        ``attrs["grid"]`` records the grid kind and size (used to place points in cells).
    """
    crs = pyproj.CRS.from_user_input(crs)
    if boundary is None or boundary.is_empty:
        raise ValueError("the boundary is empty")
    if kind == "square":
        if not cell_size > 0:
            raise ValueError(f"cell_size must be positive, got {cell_size}")
        size = float(cell_size)
        ids, geoms, clipped, rows, cols = _square_cells(boundary, size, whole_squares)
        spec: dict[str, object] = {"kind": "square", "cell_size": size}
        keep = ~clipped | (shapely.area(np.where(clipped, geoms, None)) > 0)  # type: ignore[call-overload]
        ids, geoms, clipped = ids[keep], geoms[keep], clipped[keep]
        rows, cols = rows[keep], cols[keep]
        # Whole cells: area and centre from their lattice square (the same numbers as the
        # square's bounds); clipped cells: computed.
        x0, x1, y0, y1 = cols * size, (cols + 1) * size, rows * size, (rows + 1) * size
        area = (x1 - x0) * (y1 - y0)
        x, y = (x0 + x1) / 2.0, (y0 + y1) / 2.0
    elif kind == "h3":
        ids, geoms, clipped = _h3_cells(boundary, int(h3_resolution), crs)
        spec = {"kind": "h3", "h3_resolution": int(h3_resolution), "crs": crs.to_wkt()}
        keep = shapely.area(geoms) > 0
        ids, geoms = ids[keep], geoms[keep]
        clipped = np.ones(len(geoms), dtype=bool)  # hexagons: nothing is whole in the box sense
        area, x, y = np.empty(len(geoms)), np.empty(len(geoms)), np.empty(len(geoms))
    else:
        raise ValueError(f"unknown grid kind '{kind}': use 'square' or 'h3'")
    area[clipped] = shapely.area(geoms[clipped])
    cent = shapely.centroid(geoms[clipped])
    x[clipped], y[clipped] = shapely.get_x(cent), shapely.get_y(cent)
    px, py = _inside_points(geoms, x, y, clipped)
    district, adcode = _assign_districts(px, py, districts)
    columns: dict[str, object] = {
        "cell_id": ids.astype(object),
        "district": district,
        "adcode": adcode,
    }
    if counties is not None:
        columns["county"], columns["county_adcode"] = _assign_districts(px, py, counties)
    cells = gpd.GeoDataFrame(
        {**columns, "area_m2": area, "x": x, "y": y},
        geometry=gpd.GeoSeries(geoms, crs=crs).values,
        crs=crs,
    )
    cells.attrs["grid"] = spec
    return cells


def cell_keys_of_points(
    x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], grid: dict[str, object]
) -> npt.NDArray[np.object_]:
    """The id of the grid cell each point falls in (whether or not that cell was kept).

    Parameters
    ----------
    x, y
        Point coordinates in the working CRS.
    grid
        The ``attrs["grid"]`` record of a grid made by :func:`build_grid`.

    Returns
    -------
    numpy.ndarray
        Cell ids (``r{row}c{col}`` or H3 indexes), one per point. Square cells are
        half-open, so a point on an edge belongs to exactly one cell.
    """
    if grid["kind"] == "square":
        size = float(grid["cell_size"])  # type: ignore[arg-type]
        rows = np.floor(np.asarray(y) / size).astype(np.int64)
        cols = np.floor(np.asarray(x) / size).astype(np.int64)
        return _square_ids(rows, cols)
    import h3

    to_wgs = pyproj.Transformer.from_crs(
        pyproj.CRS.from_wkt(str(grid["crs"])), 4326, always_xy=True
    )
    lon, lat = to_wgs.transform(np.asarray(x), np.asarray(y))
    res = int(grid["h3_resolution"])  # type: ignore[call-overload]
    # h3-py has no vectorised point-to-cell function; this runs once per point feature.
    return np.array(
        [h3.latlng_to_cell(la, lo, res) for lo, la in zip(lon, lat, strict=True)], dtype=object
    )


def _square_ids(
    rows: npt.NDArray[np.int64], cols: npt.NDArray[np.int64]
) -> npt.NDArray[np.object_]:
    sdt = np.dtypes.StringDType()
    r = np.strings.add("r", np.asarray(rows).astype(sdt))
    c = np.strings.add("c", np.asarray(cols).astype(sdt))
    return np.strings.add(r, c).astype(object)


def _square_cells(
    boundary: BaseGeometry, size: float, whole_squares: bool = True
) -> tuple[
    npt.NDArray[np.object_],
    npt.NDArray[np.object_],
    npt.NDArray[np.bool_],
    npt.NDArray[np.int64],
    npt.NDArray[np.int64],
]:
    """(ids, shapes, clipped, rows, columns) of the squares covering ``boundary``, north to
    south and west to east; whole squares' shapes are None unless ``whole_squares``."""
    minx, miny, maxx, maxy = boundary.bounds
    c0, r0 = int(np.floor(minx / size)), int(np.floor(miny / size))
    c1, r1 = int(np.floor(maxx / size)), int(np.floor(maxy / size))
    ncols, nrows = c1 - c0 + 1, r1 - r0 + 1

    # 1. Cells the boundary's rings pass through (the only ones that can cross it).
    rings = shapely.get_rings(shapely.get_parts(boundary))
    rings = shapely.segmentize(rings, size / 2.0)
    coords, ring_idx = shapely.get_coordinates(rings, return_index=True)
    same_ring = ring_idx[1:] == ring_idx[:-1]
    a, b = coords[:-1][same_ring], coords[1:][same_ring]
    lo = np.minimum(a, b)
    hi = np.maximum(a, b)
    # Segments are at most half a cell long: their bounding box touches at most 2 x 2 cells.
    seg_c = np.stack([np.floor(lo[:, 0] / size), np.floor(hi[:, 0] / size)], axis=1).astype(
        np.int64
    )
    seg_r = np.stack([np.floor(lo[:, 1] / size), np.floor(hi[:, 1] / size)], axis=1).astype(
        np.int64
    )
    cand_r = np.concatenate([seg_r[:, 0], seg_r[:, 0], seg_r[:, 1], seg_r[:, 1]]) - r0
    cand_c = np.concatenate([seg_c[:, 0], seg_c[:, 1], seg_c[:, 0], seg_c[:, 1]]) - c0
    ok = (cand_r >= 0) & (cand_r < nrows) & (cand_c >= 0) & (cand_c < ncols)
    crossing = np.zeros((nrows, ncols), dtype=bool)
    crossing[cand_r[ok], cand_c[ok]] = True

    # 2. Every other cell is wholly inside or wholly outside: test its centre.
    rr, cc = np.nonzero(~crossing)
    cx = (cc + c0 + 0.5) * size
    cy = (rr + r0 + 0.5) * size
    shapely.prepare(boundary)
    inside = shapely.contains_xy(boundary, cx, cy)
    in_r, in_c = rr[inside] + r0, cc[inside] + c0
    in_geoms = _boxes(in_r, in_c, size) if whole_squares else np.full(len(in_r), None, dtype=object)

    # 3. Crossing cells: clip each against the piece of the boundary in its block.
    xr, xc = np.nonzero(crossing)
    xr, xc = xr + r0, xc + c0
    x_geoms = _clip_cells(boundary, xr, xc, size)

    rows = np.concatenate([in_r, xr])
    cols = np.concatenate([in_c, xc])
    geoms = np.concatenate([in_geoms, x_geoms])
    clipped = np.concatenate(
        [np.zeros(len(in_geoms), dtype=bool), np.ones(len(x_geoms), dtype=bool)]
    )
    order = np.lexsort((cols, -rows))  # north to south, west to east
    rows, cols = rows[order], cols[order]
    return _square_ids(rows, cols), geoms[order], clipped[order], rows, cols


def _boxes(rows: npt.NDArray[Any], cols: npt.NDArray[Any], size: float) -> npt.NDArray[np.object_]:
    """The lattice squares at ``rows``, ``cols`` (the one recipe, so that a square made
    later is the same shape, to the bit, as one made with the grid)."""
    return shapely.box(cols * size, rows * size, (cols + 1) * size, (rows + 1) * size)  # type: ignore[no-any-return]


def square_rows_cols(ids: Any) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Row and column of ``r{row}c{col}`` ids, parsed with numpy's string functions (a
    province's millions of ids in about a second).

    Raises
    ------
    ValueError
        An id that is not ``r<row>c<col>``, named.
    """
    sdt = np.dtypes.StringDType()
    text = np.asarray(ids, dtype=object).astype(sdt)
    head, sep, tail = np.strings.partition(text, np.array("c", dtype=sdt))
    try:
        if not (np.strings.startswith(head, "r").all() and (sep == "c").all()):
            raise ValueError
        row = np.strings.replace(head, "r", "", 1).astype(np.int64)
        return row, tail.astype(np.int64)
    except ValueError:
        series = pd.Series(np.asarray(ids, dtype=object))
        bad = ~series.astype(str).str.fullmatch(r"r-?\d+c-?\d+")
        first = series[bad.to_numpy()].iloc[0] if bad.any() else series.iloc[0]
        raise ValueError(f"cell id {first!r} is not r<row>c<col>: not a square grid") from None


def cell_shapes(cells: gpd.GeoDataFrame) -> npt.NDArray[np.object_]:
    """The cells' shapes, whole squares left without one (``whole_squares=False``) made
    from their lattice position.

    Parameters
    ----------
    cells
        Cells from :func:`build_grid` (or any frame of their rows with ``cell_id`` and
        ``attrs["grid"]``, such as assessed cells).

    Returns
    -------
    numpy.ndarray
        One shapely geometry per cell, in the cells' CRS.

    Raises
    ------
    ValueError
        Cells without a shape that are not squares of a square grid (nothing to make
        them from).
    """
    geom = np.asarray(cells.geometry.values, dtype=object)
    miss = shapely.is_missing(geom)
    if not miss.any():
        return geom
    grid = cells.attrs.get("grid") or {}
    if grid.get("kind") != "square":
        raise ValueError(
            f"{int(miss.sum()):,} cells have no shape and the grid record says no square grid"
        )
    size = float(grid["cell_size"])
    rows, cols = square_rows_cols(cells["cell_id"].to_numpy()[miss])
    geom = geom.copy()
    geom[miss] = _boxes(rows, cols, size)
    return geom


def squares_near(
    cells: gpd.GeoDataFrame, geoms: npt.NDArray[np.object_], distance: float
) -> npt.NDArray[np.int64]:
    """Positions of the cells of a square grid whose square may lie within ``distance`` of
    one of ``geoms`` (a superset: every square meeting a geometry's bounds grown by
    ``distance`` and two cells), ascending; whole squares need no shape; for finding cells near a few features without
    the shapes of every cell.

    Raises
    ------
    ValueError
        The cells are not on a square grid.
    """
    grid = cells.attrs.get("grid") or {}
    if grid.get("kind") != "square":
        raise ValueError("squares_near needs the cells of a square grid")
    if len(cells) == 0 or len(geoms) == 0:
        return np.empty(0, dtype=np.int64)
    size = float(grid["cell_size"])
    rows, cols = square_rows_cols(cells["cell_id"].to_numpy())
    r_lo, c_lo = int(rows.min()), int(cols.min())
    nr, nc = int(rows.max()) - r_lo + 1, int(cols.max()) - c_lo + 1
    b = shapely.bounds(geoms)
    b = b[~np.isnan(b).any(axis=1)]
    # Rows and columns each geometry's bounds grown by ``distance`` reach (and two cells
    # more, against rounding), clamped to the cells' lattice.
    c0 = np.clip(np.floor((b[:, 0] - distance) / size).astype(np.int64) - 2 - c_lo, 0, nc)
    r0 = np.clip(np.floor((b[:, 1] - distance) / size).astype(np.int64) - 2 - r_lo, 0, nr)
    c1 = np.clip(np.floor((b[:, 2] + distance) / size).astype(np.int64) + 3 - c_lo, 0, nc)
    r1 = np.clip(np.floor((b[:, 3] + distance) / size).astype(np.int64) + 3 - r_lo, 0, nr)
    # Rectangles as a 2-D difference array, summed up: no loop over geometries.
    marks = np.zeros((nr + 1, nc + 1), dtype=np.int32)
    np.add.at(marks, (r0, c0), 1)
    np.add.at(marks, (r0, c1), -1)
    np.add.at(marks, (r1, c0), -1)
    np.add.at(marks, (r1, c1), 1)
    covered = marks.cumsum(axis=0, dtype=np.int32).cumsum(axis=1, dtype=np.int32) > 0
    return np.flatnonzero(covered[rows - r_lo, cols - c_lo]).astype(np.int64)


def fill_squares(cells: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``cells`` with every shape present (:func:`cell_shapes`); the frame itself when none
    is missing."""
    if not shapely.is_missing(np.asarray(cells.geometry.values, dtype=object)).any():
        return cells
    out = cells.set_geometry(
        gpd.GeoSeries(cell_shapes(cells), crs=cells.crs, index=cells.index).values
    )
    out.attrs = dict(cells.attrs)
    return out


def _clip_cells(
    boundary: BaseGeometry, rows: npt.NDArray[np.int64], cols: npt.NDArray[np.int64], size: float
) -> npt.NDArray[np.object_]:
    if len(rows) == 0:
        return np.empty(0, dtype=object)
    block_r = np.floor_divide(rows, _BLOCK)
    block_c = np.floor_divide(cols, _BLOCK)
    blocks, inverse = np.unique(np.stack([block_r, block_c], axis=1), axis=0, return_inverse=True)
    inverse = inverse.ravel()
    bsize = size * _BLOCK
    block_boxes = shapely.box(
        blocks[:, 1] * bsize,
        blocks[:, 0] * bsize,
        (blocks[:, 1] + 1) * bsize,
        (blocks[:, 0] + 1) * bsize,
    )
    pieces = shapely.intersection(boundary, block_boxes)
    boxes = shapely.box(cols * size, rows * size, (cols + 1) * size, (rows + 1) * size)
    clipped = shapely.intersection(boxes, pieces[inverse])
    # Keep only the polygonal part (a cell touching the boundary at a point or edge is dropped).
    return _polygonal(clipped)


def _polygonal(geoms: npt.NDArray[np.object_]) -> npt.NDArray[np.object_]:
    types = shapely.get_type_id(geoms)
    mixed = types == 7  # GeometryCollection: keep its polygons
    if mixed.any():
        parts, idx = shapely.get_parts(geoms[mixed], return_index=True)
        poly = np.isin(shapely.get_type_id(parts), (3, 6))
        merged = np.full(mixed.sum(), None, dtype=object)
        if poly.any():
            merged_parts = shapely.multipolygons(parts[poly], indices=idx[poly])
            merged[np.unique(idx[poly])] = merged_parts
        empty = shapely.from_wkt("POLYGON EMPTY")
        merged[pd.isna(merged)] = empty
        geoms = geoms.copy()
        geoms[mixed] = merged
    return geoms


def _h3_cells(
    boundary: BaseGeometry, res: int, crs: pyproj.CRS
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_], npt.NDArray[np.bool_]]:
    import h3

    # Cover: cells whose centre lies in the boundary grown by one cell edge, then clip.
    edge = h3.average_hexagon_edge_length(res, unit="m")
    grown = shapely.buffer(boundary, edge * 1.2)
    to_wgs = pyproj.Transformer.from_crs(crs, 4326, always_xy=True)
    from_wgs = pyproj.Transformer.from_crs(4326, crs, always_xy=True)
    grown_wgs = shapely.transform(
        grown, lambda xy: np.column_stack(to_wgs.transform(xy[:, 0], xy[:, 1]))
    )
    cells = np.array(sorted(h3.geo_to_cells(grown_wgs, res)), dtype=object)
    # h3-py has no vectorised boundary function; one call per cell (a few thousand at res 8).
    rings = [h3.cell_to_boundary(c) for c in cells]
    latlng = np.asarray(rings, dtype=float)  # (n, 6, 2) lat, lng; pentagons are absent here
    if latlng.ndim != 3:
        latlng = np.array([np.resize(np.asarray(r, dtype=float), (6, 2)) for r in rings])
    lng, lat = latlng[..., 1].ravel(), latlng[..., 0].ravel()
    x, y = from_wgs.transform(lng, lat)
    n = len(cells)
    coords = np.column_stack([x, y])
    ring_index = np.repeat(np.arange(n), latlng.shape[1])
    hexes = shapely.polygons(shapely.linearrings(coords, indices=ring_index))
    shapely.prepare(boundary)
    inside = shapely.contains(boundary, hexes)
    out = hexes.copy()
    touch = ~inside & shapely.intersects(boundary, hexes)
    out[touch] = _polygonal(shapely.intersection(hexes[touch], boundary))
    keep = inside | touch
    return cells[keep], out[keep], np.ones(int(keep.sum()), dtype=bool)


def _inside_points(
    geoms: npt.NDArray[np.object_],
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    clipped: npt.NDArray[np.bool_],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """A point inside each cell: its centroid, or a point on its surface when a clipped
    cell's centroid falls outside it."""
    px, py = np.array(x, dtype=np.float64), np.array(y, dtype=np.float64)
    idx = np.nonzero(clipped)[0]
    off = idx[~shapely.contains_properly(geoms[idx], shapely.points(px[idx], py[idx]))]
    surface = shapely.point_on_surface(geoms[off])
    px[off], py[off] = shapely.get_x(surface), shapely.get_y(surface)
    return px, py


def _assign_districts(
    px: npt.NDArray[np.float64],
    py: npt.NDArray[np.float64],
    districts: gpd.GeoDataFrame | None,
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_]]:
    """The name and adcode of the district holding each point (the nearest district for a
    point on an edge or in a gap); empty strings without districts."""
    n = len(px)
    name = np.full(n, "", dtype=object)
    code = np.full(n, "", dtype=object)
    if districts is None or len(districts) == 0:
        return name, code
    dgeom = np.asarray(districts.geometry.values)
    # Each (prepared) district tests only the points inside its bounding box: no point
    # objects and no tree for the many cells of a province.
    hit = np.full(n, -1, dtype=np.int64)
    order = np.argsort(px, kind="stable")
    sx = px[order]
    for d, (g, (x0, y0, x1, y1)) in enumerate(zip(dgeom, shapely.bounds(dgeom), strict=True)):
        lo, hi = np.searchsorted(sx, x0, "left"), np.searchsorted(sx, x1, "right")
        cand = order[lo:hi]
        cand = cand[(py[cand] >= y0) & (py[cand] <= y1) & (hit[cand] < 0)]
        if len(cand):
            shapely.prepare(g)
            cand = cand[shapely.contains_xy(g, px[cand], py[cand])]
            hit[cand] = d
    lost = np.nonzero(hit < 0)[0]
    if len(lost):  # on a district edge or in a gap between districts: the nearest one
        dtree = shapely.STRtree(dgeom)
        li, ld = dtree.query_nearest(shapely.points(px[lost], py[lost]), return_distance=False)
        nearest_first_p, nearest_first = np.unique(li, return_index=True)
        hit[lost[nearest_first_p]] = ld[nearest_first]
    names = districts["name"].astype(str).to_numpy(dtype=object)
    codes = districts["adcode"].astype(str).to_numpy(dtype=object)
    ok = hit >= 0
    name[ok] = names[hit[ok]]
    code[ok] = codes[hit[ok]]
    return name, code
