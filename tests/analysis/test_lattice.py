"""Neighbours from the lattice: queen contiguity from cell ids, a distance band."""

from __future__ import annotations

import numpy as np
from factories import lattice

from riskmap.analysis import cell_neighbours


def test_queen_neighbours_of_a_square_grid_are_the_touching_cells() -> None:
    cells = lattice(4, 5)
    w = cell_neighbours(cells)
    k = np.asarray(w.sum(axis=1)).ravel()
    grid = k.reshape(4, 5)
    assert grid[0, 0] == 3  # a corner
    assert grid[0, 2] == 5  # an edge
    assert grid[2, 2] == 8  # inside
    assert (w != w.T).nnz == 0
    assert w.diagonal().sum() == 0


def test_queen_neighbours_agree_with_polygon_contiguity() -> None:
    from libpysal.graph import Graph

    cells = lattice(7, 9).sample(frac=1.0, random_state=3)  # any row order
    cells.attrs["grid"] = {"kind": "square", "cell_size": 100.0}
    ours = cell_neighbours(cells).toarray()
    theirs = Graph.build_contiguity(cells.reset_index(drop=True), rook=False).sparse.toarray()
    np.testing.assert_array_equal(ours, theirs > 0)


def test_a_gap_in_the_grid_breaks_the_contiguity() -> None:
    cells = lattice(3, 3)
    cells = cells[cells["cell_id"] != "r1c1"].copy()
    cells.attrs["grid"] = {"kind": "square", "cell_size": 100.0}
    w = cell_neighbours(cells)
    ids = list(cells["cell_id"])
    row = w[[ids.index("r0c0")], :].toarray().ravel()
    assert {ids[j] for j in np.flatnonzero(row)} == {"r0c1", "r1c0"}


def test_a_distance_band_takes_every_centre_within_it() -> None:
    cells = lattice(5, 5)
    w = cell_neighbours(cells, "distance", distance_m=210.0)
    k = np.asarray(w.sum(axis=1)).ravel().reshape(5, 5)
    # Within 210 m of the middle cell: 8 touching, 4 two cells away in a line (200 m).
    assert k[2, 2] == 12
