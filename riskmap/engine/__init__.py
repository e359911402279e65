"""The risk engine: grid, weight-free fields (kernels, overlaps, catchments; tile by tile),
scoring (weights, levels) and the :class:`Assessment` result.
"""

from __future__ import annotations

from riskmap.engine.core import (
    COMPONENTS,
    Assessment,
    Fields,
    LayerInfo,
    assess,
    compute_fields,
    fisher_jenks,
    layer_weights,
    level_table,
    recompute_capacity,
    score,
)
from riskmap.engine.grid import (
    build_grid,
    cell_keys_of_points,
)

__all__ = [
    "COMPONENTS",
    "Assessment",
    "Fields",
    "LayerInfo",
    "assess",
    "build_grid",
    "cell_keys_of_points",
    "compute_fields",
    "fisher_jenks",
    "layer_weights",
    "level_table",
    "recompute_capacity",
    "score",
]
