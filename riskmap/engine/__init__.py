"""The risk engine: grid, weight-free fields (kernels, overlaps, catchments; tile by tile),
scoring (weights, levels) and the :class:`Assessment` result.

Modules, in the order data flows: :mod:`~riskmap.engine.grid` (cells),
:mod:`~riskmap.engine.kernels` (feature-cell pairs, pure array functions),
:mod:`~riskmap.engine.tiles` (layers -> features, cells -> tiles, one tile's fields),
:mod:`~riskmap.engine.fields` (:func:`compute_fields`), :mod:`~riskmap.engine.scoring`
(:func:`score`), :mod:`~riskmap.engine.result` (:class:`Assessment`, explanations);
:mod:`~riskmap.engine.rules` and :mod:`~riskmap.engine.measures` serve them.
"""

from __future__ import annotations

from riskmap.engine.common import COMPONENTS, Progress
from riskmap.engine.dynamic import boost_features
from riskmap.engine.fields import (
    Fields,
    LayerInfo,
    compute_fields,
    layer_weights,
    recompute_capacity,
)
from riskmap.engine.grid import (
    build_grid,
    cell_keys_of_points,
    cell_shapes,
    fill_squares,
)
from riskmap.engine.result import Assessment, level_table
from riskmap.engine.scoring import fisher_jenks, score

__all__ = [
    "COMPONENTS",
    "Assessment",
    "Fields",
    "LayerInfo",
    "Progress",
    "boost_features",
    "build_grid",
    "cell_keys_of_points",
    "cell_shapes",
    "compute_fields",
    "fill_squares",
    "fisher_jenks",
    "layer_weights",
    "level_table",
    "recompute_capacity",
    "score",
]
