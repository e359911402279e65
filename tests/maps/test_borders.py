"""Administrative lines as shared arcs (riskmap/maps/borders.py): each edge once in the page."""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter
from dataclasses import replace

import numpy as np
import shapely
from factories import write_tiny_province

import riskmap as rm
from riskmap.maps.borders import LEVEL_BITS, build_arcs


def _quads() -> dict[str, np.ndarray]:
    """A 2 x 2 km province of two cities of two counties each (corners shared exactly)."""
    b = shapely.box
    counties = [b(0, 0, 1000, 1000), b(0, 1000, 1000, 2000),
                b(1000, 0, 2000, 1000), b(1000, 1000, 2000, 2000)]  # fmt: skip
    cities = [b(0, 0, 1000, 2000), b(1000, 0, 2000, 2000)]
    return {
        "boundary": np.asarray([b(0, 0, 2000, 2000)], dtype=object),
        "districts": np.asarray(cities, dtype=object),
        "counties": np.asarray(counties, dtype=object),
    }


def test_each_edge_is_one_arc_with_every_level_it_belongs_to() -> None:
    arcs = build_arcs(_quads(), detail_m=1.0)
    total = float(shapely.length(arcs.lines).sum())
    assert total == 2000 * 4 + 2000 + 2000  # the outline, the city border, the county borders
    for name, bit in LEVEL_BITS.items():  # each level's line is exactly its arcs
        mine = shapely.union_all(arcs.lines[(arcs.masks & bit) > 0])
        want = shapely.union_all(shapely.boundary(_quads()[name]))
        assert shapely.equals(shapely.line_merge(mine), shapely.line_merge(want)), name

    def mask_at(x: float, y: float) -> int:
        (i,) = np.flatnonzero(shapely.distance(arcs.lines, shapely.Point(x, y)) < 1e-9)
        return int(arcs.masks[i])

    assert mask_at(1000, 1500) == 2 | 4  # between the cities: a city border and a county border
    assert mask_at(500, 1000) == 4  # between two counties of one city
    assert mask_at(0, 500) == 1 | 2 | 4  # the outline: every level
    # An arc ends where three or more lines meet (simplified, it keeps those points).
    ends = {tuple(np.round(c, 6)) for a in arcs.lines for c in shapely.get_coordinates(a)[[0, -1]]}
    assert {(1000.0, 1000.0), (0.0, 1000.0), (1000.0, 0.0)} <= ends


def test_simplified_neighbours_stay_joined() -> None:
    # A wiggly shared border: simplified once for both counties, the two never part.
    t = np.linspace(0, 1, 400)
    wiggle = np.c_[1000 + 30 * np.sin(t * 40), t * 2000]
    left = shapely.Polygon(np.r_[[[0, 0]], wiggle, [[0, 2000]]])
    right = shapely.Polygon(np.r_[[[2000, 0]], wiggle, [[2000, 2000]]])
    levels = {"counties": np.asarray([left, right], dtype=object)}
    arcs = build_arcs(levels, detail_m=20.0)
    shared = arcs.lines[np.argmax(shapely.length(arcs.lines))]
    assert int(shapely.get_num_coordinates(shared)) < 400  # simplified ...
    inner = shapely.union_all(arcs.lines)  # ... and the two faces still close on it
    assert len(shapely.get_parts(shapely.polygonize(shapely.get_parts(inner)))) == 2


def test_each_shared_border_edge_appears_once_in_the_page(tmp_path) -> None:
    a = rm.Study.from_project(write_tiny_province(tmp_path / "province")).score()
    # The province and its cities as unions of their counties (as riskmap init and the demo
    # make them: the fixture's boxes are straight where, projected, the counties' edges bend).
    counties = a.data.counties.assign(city=a.data.counties["adcode"].astype(str).str[:4])
    by_city = counties.dissolve("city").geometry
    districts = a.data.districts.copy()
    districts["geometry"] = by_city.loc[districts["adcode"].astype(str).str[:4]].to_numpy()
    outline = shapely.union_all(np.asarray(counties.geometry.values, dtype=object))
    data = replace(a.data, boundary=outline, districts=districts)
    page = rm.render_html(rm.maps.map_from_cells(a.cells, data))
    (payload,) = re.findall(r"\(function\(rm\) \{\nvar d = (\{.*?\});\n", page)
    d = json.loads(payload)
    x, y = (
        np.cumsum(np.array(d["e"]["d"]).reshape(-1, 2), axis=0).T + np.array(d["e"]["o"])[:, None]
    )
    ends = np.cumsum(d["e"]["r"])
    segments = Counter()
    for a, b in zip(np.r_[0, ends[:-1]], ends, strict=True):
        pts = list(zip(x[a:b].tolist(), y[a:b].tolist(), strict=True))
        segments.update(frozenset(s) for s in itertools.pairwise(pts))
    assert segments and max(segments.values()) == 1  # no edge twice
    # The lines are drawn only from the arcs: no layer carries its own copy.
    assert page.count('"e":{"o"') == 1
    masks = Counter(d["m"])
    assert set(masks) == {1 | 2 | 4, 2 | 4, 4}  # outline, city border, county borders
    assert "rm.arcLines(2)" in page and "rm.arcLines(4)" in page and "arcLines(1)" in page
