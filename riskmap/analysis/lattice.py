"""Neighbours of grid cells as a sparse matrix, built from the lattice (cell ids) or a
distance band on the cell centres, never from polygon topology: at 100 m a city has close
to a million cells, and reading the row and column of each id is all a queen contiguity
on a square grid needs.
"""

from __future__ import annotations

from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp

from riskmap.engine.common import IntArray
from riskmap.engine.grid import square_rows_cols

_QUEEN = [(dr, dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1) if (dr, dc) != (0, 0)]


def cell_neighbours(
    cells: gpd.GeoDataFrame,
    how: Literal["queen", "distance"] = "queen",
    distance_m: float | None = None,
) -> sp.csr_array:
    """A binary, symmetric neighbour matrix of the cells (no self-neighbours).

    Parameters
    ----------
    cells
        The grid (:func:`riskmap.engine.build_grid`): ``cell_id``, ``x``, ``y`` and
        ``attrs["grid"]``.
    how
        ``queen``: cells sharing an edge or a corner (square: up to 8; H3: up to 6);
        ``distance``: cells whose centres lie within ``distance_m`` metres.
    distance_m
        The band for ``distance`` (three cell sizes when None).

    Returns
    -------
    scipy.sparse.csr_array
        n x n, 1 where two cells are neighbours, in the row order of ``cells``.
    """
    n = len(cells)
    grid = dict(cells.attrs.get("grid") or {})
    kind = grid.get("kind", "square")
    if how == "distance":
        size = float(grid.get("cell_size") or _spacing(cells))
        band = float(distance_m) if distance_m is not None else 3.0 * size
        from scipy.spatial import cKDTree

        xy = np.column_stack([cells["x"].to_numpy(float), cells["y"].to_numpy(float)])
        pairs = cKDTree(xy).query_pairs(band, output_type="ndarray")
        i, j = pairs[:, 0], pairs[:, 1]
    elif kind == "h3":
        i, j = _h3_pairs(cells["cell_id"].astype(str).to_numpy())
    else:
        i, j = _square_pairs(cells["cell_id"].astype(str))
    rows = np.concatenate([i, j])
    cols = np.concatenate([j, i])
    m = sp.csr_array((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    m.sum_duplicates()
    m.data[:] = 1.0
    return m


def _square_pairs(ids: pd.Series) -> tuple[IntArray, IntArray]:
    """Each neighbouring pair once (i < j) from ``r{row}c{col}`` ids."""
    row, col = square_rows_cols(ids)
    # A unique key per (row, col); the neighbours are looked up by key in sorted order.
    col0 = col - col.min()
    width = int(col0.max()) + 3
    key = (row - row.min() + 1) * width + col0 + 1
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    out_i, out_j = [], []
    for dr, dc in _QUEEN[4:]:  # the four "forward" offsets: each pair once
        k2 = key + dr * width + dc
        pos = np.searchsorted(sorted_key, k2)
        pos = np.minimum(pos, len(sorted_key) - 1)
        hit = sorted_key[pos] == k2
        out_i.append(np.flatnonzero(hit))
        out_j.append(order[pos[hit]])
    return np.concatenate(out_i), np.concatenate(out_j)


def _h3_pairs(ids: np.ndarray) -> tuple[IntArray, IntArray]:
    import h3

    index = {c: k for k, c in enumerate(ids)}
    out_i, out_j = [], []
    for k, c in enumerate(ids):
        for nb in h3.grid_ring(c, 1):
            j = index.get(nb)
            if j is not None and j > k:
                out_i.append(k)
                out_j.append(j)
    return np.asarray(out_i, dtype=np.int64), np.asarray(out_j, dtype=np.int64)


def _spacing(cells: gpd.GeoDataFrame) -> float:
    """The typical distance between neighbouring cell centres (from the mean cell area)."""
    area = float(np.median(cells["area_m2"].to_numpy(float))) if len(cells) else 1.0
    return float(np.sqrt(area))
