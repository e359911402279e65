"""The PNG of the current map (issue 15, item 9): the point overlays shown in the app are
drawn with the map's symbols where the points are, with a legend of them; with a
district, only the points in its view."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest
from factories import SIZE, X0, Y0, area_ranks, city_cells, city_data

from riskmap.products.report.figure import render_map_png

FIRE_RED = (0xC8, 0x10, 0x2E)
"""The fire stations' border (the map's overlay legend: a white diamond, red border)."""
SHELTER_GREEN = (0x23, 0x8B, 0x45)

FIRE_XY = [(X0 + 1.5 * SIZE, Y0 + 1.5 * SIZE), (X0 + 3.5 * SIZE, Y0 + 4.5 * SIZE),
           (X0 + 8.5 * SIZE, Y0 + 2.5 * SIZE)]  # fmt: skip
SHELTER_XY = (X0 + 6.5 * SIZE, Y0 + 4.0 * SIZE)


def _marks(fire: list[tuple[float, float]] = FIRE_XY) -> list[dict[str, Any]]:
    return [
        {"label": "消防站", "x": np.array([p[0] for p in fire]),
         "y": np.array([p[1] for p in fire]), "s": "diamond", "f": "#ffffff",
         "k": "#c8102e", "w": 2.0, "m": "dot", "z": 8.0},
        {"label": "应急避难场所 · 固定", "x": np.array([SHELTER_XY[0]]),
         "y": np.array([SHELTER_XY[1]]), "s": "square", "f": "#238b45", "k": None,
         "w": 1.0, "m": "cross", "z": 7.0},
    ]  # fmt: skip


@pytest.fixture(scope="module")
def inputs() -> tuple[Any, Any]:
    return city_data(), city_cells(area_ranks())


def _rgb(png: bytes) -> np.ndarray:
    from matplotlib import image

    return np.asarray((image.imread(io.BytesIO(png))[..., :3] * 255).round(), dtype=float)


def _blobs(rgb: np.ndarray, colour: tuple[int, int, int], tol: float = 12) -> list[Any]:
    """Centres (row, col) and sizes of the patches of ``colour`` (pixels 10 px apart or
    closer are one patch: a symbol's border and the dot inside it)."""
    from scipy import ndimage

    mask = np.abs(rgb - colour).max(axis=-1) <= tol
    labels, n = ndimage.label(ndimage.binary_dilation(mask, iterations=5))
    labels[~mask] = 0
    centres = ndimage.center_of_mass(mask, labels, range(1, n + 1))
    sizes = ndimage.sum(mask, labels, range(1, n + 1))
    return [(r, c, s) for (r, c), s in zip(centres, sizes, strict=True) if s >= 4]


def test_the_png_draws_the_overlays_where_the_points_are(inputs: tuple[Any, Any]) -> None:
    data, cells = inputs
    plain = _rgb(render_map_png(data, cells, "zh", width_in=6.0, dpi=100))
    marked = _rgb(render_map_png(data, cells, "zh", width_in=6.0, dpi=100, marks=_marks()))
    assert not _blobs(plain, FIRE_RED)
    assert marked.shape[0] > plain.shape[0]  # a row of the overlays' legend
    blobs = sorted(_blobs(marked, FIRE_RED), key=lambda b: b[0])
    # Three stations on the map and one symbol in the legend (the lowest, under the map).
    assert len(blobs) == 4, blobs
    legend, on_map = blobs[-1], blobs[:-1]
    assert legend[0] > max(b[0] for b in on_map)
    # The three patches are the stations: one scale, x to the right and y upwards.
    on_map.sort(key=lambda b: b[1])
    xs = np.array([p[0] for p in FIRE_XY])
    ys = np.array([p[1] for p in FIRE_XY])
    cols = np.array([b[1] for b in on_map])
    rows = np.array([b[0] for b in on_map])
    scale = (cols[2] - cols[0]) / (xs[2] - xs[0])
    assert scale > 0
    assert np.allclose(cols - cols[0], scale * (xs - xs[0]), atol=2.5)
    assert np.allclose(rows - rows[0], -scale * (ys - ys[0]), atol=2.5)
    # The shelter's green square where the same scale puts it.
    col = cols[0] + scale * (SHELTER_XY[0] - xs[0])
    row = rows[0] - scale * (SHELTER_XY[1] - ys[0])
    r, c = round(row), round(col)
    patch = marked[r - 3 : r + 4, c - 3 : c + 4]
    assert (np.abs(patch - SHELTER_GREEN).max(axis=-1) <= 30).sum() >= 8
    assert (
        np.abs(plain[r - 3 : r + 4, c - 3 : c + 4] - SHELTER_GREEN).max(axis=-1) <= 30
    ).sum() == 0


def test_a_district_png_draws_only_the_points_in_its_view(inputs: tuple[Any, Any]) -> None:
    """甲区 (x0 to x0 + 5 km): its two stations, not the one 3.5 km east of it."""
    data, cells = inputs
    png = render_map_png(
        data, cells, "zh", width_in=6.0, dpi=100, district="420102", marks=_marks()
    )
    assert len(_blobs(_rgb(png), FIRE_RED)) == 3  # two stations and the legend's symbol
