"""Administrative lines as shared arcs: each edge of the boundary, the districts (a
province's cities) and the counties is in the page once, however many layers draw it.

Neighbouring units share their borders, and a city's border is also its counties' and, at
the edge, the province's: drawn unit by unit, Hubei's county and city lines held every
shared edge two to four times (about 250 kB of a 1 MB page). As TopoJSON does, the
lines of every level are noded together and split into arcs at the points where three
or more units meet; each arc is simplified on its own (its ends kept, so neighbours stay
joined and never part where they were simplified differently) and carries a bit for each
level it belongs to. The page holds the arcs once (``rm.arcs``); the boundary, the
districts and the counties each draw the arcs that carry their bit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely

from riskmap.maps.display import _Display, _encode_shapes
from riskmap.maps.text import _js

LEVEL_BITS = {"boundary": 1, "districts": 2, "counties": 4}
"""The bit of each administrative level in an arc's mask."""

_ON_LINE_M = 0.01
"""An arc belongs to a level when its middle lies within this many metres of the level's
lines (the arcs are made of the levels' own vertices: only rounding separates them)."""


@dataclass(frozen=True)
class Arcs:
    """The administrative lines as arcs.

    Attributes
    ----------
    lines : the arcs (LineStrings in the working CRS), simplified.
    masks : per arc, the bits (:data:`LEVEL_BITS`) of the levels it belongs to.
    """

    lines: npt.NDArray[np.object_]
    masks: npt.NDArray[np.int64]


def build_arcs(levels: Mapping[str, Any], detail_m: float) -> Arcs:
    """The lines of polygon ``levels`` (name -> array of (Multi)Polygons, names from
    :data:`LEVEL_BITS`) as arcs, each simplified by ``detail_m`` metres.

    Lines that coincide are one arc; an arc ends where three or more units meet, so that
    every level's line is a set of whole arcs.
    """
    outlines = {
        name: shapely.boundary(np.asarray(geoms, dtype=object)[~shapely.is_empty(geoms)])
        for name, geoms in levels.items()
        if len(geoms)
    }
    if not outlines:
        return Arcs(np.zeros(0, dtype=object), np.zeros(0, dtype=np.int64))
    # Noded (shared edges once), then merged into arcs between the points where three or
    # more lines meet: along an arc the units on either side stay the same, so the levels
    # of its middle are the levels of all of it.
    noded = shapely.union_all(np.concatenate(list(outlines.values())))
    arcs = shapely.get_parts(shapely.line_merge(noded))
    arcs = arcs[shapely.get_num_coordinates(arcs) >= 2]
    middle = shapely.line_interpolate_point(arcs, 0.5, normalized=True)
    masks = np.zeros(len(arcs), dtype=np.int64)
    for name, lines in outlines.items():  # at most three levels
        hit = shapely.STRtree(lines).query(middle, predicate="dwithin", distance=_ON_LINE_M)[0]
        masks[np.unique(hit)] |= LEVEL_BITS[name]
    keep = masks > 0
    simple = shapely.simplify(arcs[keep], detail_m, preserve_topology=True)
    return Arcs(np.asarray(simple, dtype=object), masks[keep])


def arcs_script(arcs: Arcs, display: _Display) -> str:
    """The page's one copy of the arcs: ``rm.arcs.lines`` (lists of ``[lat, lng]``) and
    ``rm.arcs.m`` (their masks); ``rm.arcLines(bit)`` gives the lines of one level."""
    shown = display.geoms(arcs.lines)
    data = {"e": _encode_shapes(shown, polygons=False), "m": arcs.masks.tolist()}
    return f"""
(function(rm) {{
var d = {_js(data)};
rm.arcs = {{lines: rm.decode(d.e).map(function(parts) {{ return parts[0][0]; }}), m: d.m}};
rm.arcLines = function(bit) {{
  return rm.arcs.lines.filter(function(line, i) {{ return rm.arcs.m[i] & bit; }});
}};
}})(window.riskmap);
"""
